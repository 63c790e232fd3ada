//! Flights and the retransmission timer (RFC 6347 §4.2.4): building a flight, fragmenting
//! it into datagrams (§4.2.3), retransmitting it on timeout or when the peer retransmits,
//! and ending the handshake (the Handshaking variant and all it owned are dropped).

use std::time::{Duration, Instant};

use super::{hex, Machine, FALLBACK_MTU};
use crate::config::MTU_FALLBACK_AFTER_TIMEOUTS;
use crate::connection::Event;
use crate::enums::{ContentType, HandshakeType};
use crate::error::Error;
use crate::handshake::agreement::Agreement;
use crate::handshake::flight::{Flight, FlightEntry};
use crate::handshake::fragmenter::encode_fragment;
use crate::handshake::header::{full_message, HandshakeHeader, HANDSHAKE_HEADER_LEN};
use crate::handshake::lifecycle::{Established, FinalFlight, Lifecycle};
use crate::handshake::messages::Finished;
use crate::input_policy;
use crate::record::header::RECORD_HEADER_LEN;
use crate::record::protection::RecordProtection;

/// Whether a flight goes out for the first time or is retransmitted (RFC 6347 §4.2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Transmission {
    First,
    Again,
}

impl Machine {
    /// Starts building a new flight (the previous one is forgotten).
    pub(crate) fn begin_flight(&mut self) {
        if let Some(h) = self.life.handshake_mut() {
            h.building.clear();
        }
    }

    /// Adds a handshake message to the flight being built, assigning its message_seq.
    /// `in_transcript` is false only for the cookie-less ClientHello and HelloVerifyRequest.
    pub(crate) fn queue_handshake(
        &mut self,
        msg_type: HandshakeType,
        body: Vec<u8>,
        in_transcript: bool,
    ) {
        let epoch = self.records.write_epoch();
        let Some(h) = self.life.handshake_mut() else {
            return;
        };
        let seq = h.send_seq;
        h.send_seq = seq.wrapping_add(1);
        if in_transcript {
            let header = HandshakeHeader::unfragmented(msg_type, seq, body.len() as u32);
            h.transcript.add_parts(&header.to_bytes(), &body);
        }
        h.building.push(FlightEntry::Handshake {
            epoch,
            msg_type,
            seq,
            body,
        });
    }

    /// Adds ChangeCipherSpec and switches the write side to `write`.
    fn queue_ccs_and_switch(&mut self, write: Box<RecordProtection>) -> Result<(), Error> {
        let epoch = self.records.write_epoch();
        self.hsk()?
            .building
            .push(FlightEntry::ChangeCipherSpec { epoch });
        self.records.install_write_protection(write);
        Ok(())
    }

    /// Adds ChangeCipherSpec, switches to the new keys `write` and adds our Finished
    /// (RFC 5246 §7.4.9, from `agreement`): the tail of flights 4 (resumed), 5 and 6.
    pub(crate) fn queue_ccs_and_finished(
        &mut self,
        write: Box<RecordProtection>,
        agreement: &Agreement,
    ) -> Result<(), Error> {
        self.queue_ccs_and_switch(write)?;
        let vd = self.finished_data(self.is_client, agreement)?;
        self.hs.local_finished = vd.to_vec();
        let mut b = Vec::new();
        Finished {
            verify_data: vd.to_vec(),
        }
        .encode(&mut b);
        self.queue_handshake(HandshakeType::FINISHED, b, true);
        Ok(())
    }

    /// Sends the flight just built. `final_flight` flights are not timed (the peer's
    /// retransmission triggers ours, RFC 6347 §4.2.4).
    pub(crate) fn send_flight(&mut self, now: Instant, final_flight: bool) -> Result<(), Error> {
        let h = self.hsk()?;
        h.flight.entries = std::mem::take(&mut h.building);
        h.sent_final = final_flight;
        if let Some(t) = self.life.timer_mut() {
            t.reset();
        }
        self.emit_flight(Transmission::First)?;
        if !final_flight {
            self.arm_timer(now);
        }
        Ok(())
    }

    pub(super) fn arm_timer(&mut self, now: Instant) {
        let Some(timer) = self.life.timer_mut() else {
            return;
        };
        if let Some(hook) = self.timer_hook.as_mut() {
            let prev = if timer.expiries == 0 {
                0
            } else {
                timer.current.as_micros().min(u128::from(u32::MAX)) as u32
            };
            let us = hook(prev).max(1);
            timer.current = Duration::from_micros(u64::from(us));
        }
        timer.start(now);
    }

    fn effective_mtu(&self) -> usize {
        if self.life.timer().map_or(0, |t| t.expiries) >= MTU_FALLBACK_AFTER_TIMEOUTS {
            self.mtu.min(FALLBACK_MTU)
        } else {
            self.mtu
        }
    }

    /// Encodes the current flight into datagrams (new record sequence numbers each time).
    /// Message and record header events are reported on the first transmission only.
    fn emit_flight(&mut self, transmission: Transmission) -> Result<(), Error> {
        let first = transmission == Transmission::First;
        let mtu = self.effective_mtu();
        let entries = self
            .life
            .last_flight_mut()
            .map(|f| std::mem::take(&mut f.entries))
            .unwrap_or_default();
        // Datagrams come from the pool, or are made as long as what is left of the flight
        // needs (up to the MTU) at once, not grown record by record. `left` overestimates
        // a little (record overhead per message, not per fragment), never under.
        // (One bound for every entry's epoch: reading each entry's epoch here let the
        // optimiser compare bytes of the other variant, which Memcheck reports.)
        let per_record = self.records.max_record_overhead();
        let mut left: usize = entries
            .iter()
            .map(|e| match e {
                FlightEntry::ChangeCipherSpec { .. } => per_record + 1,
                FlightEntry::Handshake { body, .. } => {
                    per_record + HANDSHAKE_HEADER_LEN + body.len()
                }
            })
            .sum();
        let mut dg = self.datagram_buffer(left.min(mtu));
        // One scratch buffer for every fragment of the flight (no allocation per
        // fragment); not pooled afterwards, so an established connection does not keep it.
        let mut frag = Vec::with_capacity(mtu);
        let mut result = Ok(());
        for entry in &entries {
            match entry {
                FlightEntry::ChangeCipherSpec { epoch } => {
                    let need = self.records.record_overhead(*epoch) + 1;
                    if !dg.is_empty() && dg.len() + need > mtu {
                        left = left.saturating_sub(dg.len());
                        let next = self.datagram_buffer(left.min(mtu));
                        self.out_queue.push_back(std::mem::replace(&mut dg, next));
                    }
                    let at = dg.len();
                    if let Err(e) = self.records.seal_record(
                        ContentType::CHANGE_CIPHER_SPEC,
                        *epoch,
                        &[1],
                        &mut dg,
                    ) {
                        result = Err(e);
                        break;
                    }
                    if first {
                        self.record_header_event(true, dg.get(at..at + RECORD_HEADER_LEN));
                    }
                }
                FlightEntry::Handshake {
                    epoch,
                    msg_type,
                    seq,
                    body,
                } => {
                    // Fill each datagram before starting the next (as OpenSSL's dtls1_do_write):
                    // a message that does not fit whole in the room left goes out as a
                    // fragment sized to that room, the rest in the next datagrams
                    // (RFC 6347 §4.2.3). So ServerHello and the first Certificate fragment
                    // share a datagram.
                    let overhead = self.records.record_overhead(*epoch) + HANDSHAKE_HEADER_LEN;
                    let mut offset = 0usize;
                    loop {
                        let mut room = mtu.saturating_sub(dg.len() + overhead);
                        if room == 0 && !dg.is_empty() {
                            left = left.saturating_sub(dg.len());
                            let next = self.datagram_buffer(left.min(mtu));
                            self.out_queue.push_back(std::mem::replace(&mut dg, next));
                            room = mtu.saturating_sub(overhead);
                        }
                        // At least one byte per fragment so the loop always progresses.
                        let len = (body.len() - offset).min(room.max(1));
                        encode_fragment(*msg_type, *seq, body, offset, len, &mut frag);
                        let at = dg.len();
                        if let Err(e) =
                            self.records
                                .seal_record(ContentType::HANDSHAKE, *epoch, &frag, &mut dg)
                        {
                            result = Err(e);
                            break;
                        }
                        if first {
                            self.record_header_event(true, dg.get(at..at + RECORD_HEADER_LEN));
                        }
                        offset += len;
                        if offset >= body.len() {
                            break;
                        }
                    }
                    if result.is_err() {
                        break;
                    }
                    // Reported once written, after its records (as OpenSSL's dtls1_do_write).
                    if first {
                        self.message_event(true, *msg_type, *seq, body);
                    }
                }
            }
        }
        if !dg.is_empty() {
            self.out_queue.push_back(dg);
        }
        if let Some(f) = self.life.last_flight_mut() {
            f.entries = entries;
        }
        result
    }

    /// An empty buffer for a datagram of about `len` bytes: a pooled one, or a new one
    /// with that capacity.
    fn datagram_buffer(&mut self, len: usize) -> Vec<u8> {
        match self.pool.pop() {
            Some(mut b) => {
                b.clear();
                b
            }
            None => Vec::with_capacity(len),
        }
    }

    pub(super) fn on_peer_retransmit(&mut self, now: Instant) {
        // After completion only the sender of the final flight still has one: a receiver
        // of the final flight answering its duplicates would make both sides retransmit to
        // each other forever.
        if self.life.last_flight().is_none_or(|f| f.is_empty()) {
            return;
        }
        // Answer a retransmitted flight at most once per eighth of the initial timeout, so a
        // flight spread over many datagrams (or duplicated by the network) does not cause a
        // storm, while a peer probing with a verdict pending (every
        // input_policy::VERDICT_PROBE_INTERVAL) gets an answer to each probe.
        let gap = self.config.initial_timeout / 8;
        let Some(last) = self.life.last_answer_mut() else {
            return;
        };
        if last.is_some_and(|l| now < l + gap) {
            return;
        }
        *last = Some(now);
        self.stats.retransmits += 1;
        let _ = self.emit_flight(Transmission::Again);
        if self.life.timer().is_some_and(|t| t.deadline.is_some()) {
            self.arm_timer(now);
        }
    }

    /// The peer's next flight has started arriving. The timer keeps running until that
    /// flight is complete (we then send our next flight, which re-arms it): if the rest of
    /// the peer's flight is lost, our expiry prompts the peer to resend (RFC 6347 §4.2.4).
    pub(crate) fn peer_flight_received(&mut self) {
        if let Some(last) = self.life.last_answer_mut() {
            *last = None;
        }
    }

    #[inline]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.life.timer().and_then(|t| t.deadline)
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.now = now;
        if !self.life.timer().is_some_and(|t| t.expired(now)) {
            return Ok(());
        }
        let verdict = self.life.handshake_mut().map(|h| &mut h.pending_verdict);
        let mut probing = false;
        let obeyed = verdict.and_then(|v| {
            probing = v.is_some();
            if v.as_mut().is_some_and(|v| v.expire()) {
                v.take()
            } else {
                None
            }
        });
        if let Some(v) = obeyed {
            // The handshake made no progress across VERDICT_EXPIRIES probe expiries, each
            // with a retransmission, since the unauthenticated input that earned this
            // verdict: the peer is silent, so it was probably genuine (crate::input_policy).
            return self.obey_verdict(v);
        }
        self.reasm.discard_contested_partials();
        if probing {
            // A probe (crate::input_policy): our flight again, a live peer answers it. Not
            // a timeout of the flight: no back-off, no count toward give-up or MTU fallback.
            self.stats.retransmits += 1;
            if let Err(e) = self.emit_flight(Transmission::Again) {
                return Err(self.fail(e));
            }
            if let Some(timer) = self.life.timer_mut() {
                timer.deadline = Some(now + input_policy::VERDICT_PROBE_INTERVAL);
            }
            return Ok(());
        }
        let expiries = self.life.timer().map_or(0, |t| t.expiries);
        if expiries >= self.config.max_retransmits && self.renegotiation_unanswered() {
            // The peer may ignore a HelloRequest (RFC 5246 §7.4.1.1), or never answer our
            // renegotiating ClientHello: the renegotiation is abandoned, not the connection.
            self.renegotiation_refused();
            return Ok(());
        }
        if expiries >= self.config.max_retransmits {
            self.life.fail(Error::HandshakeTimeout);
            return Err(Error::HandshakeTimeout);
        }
        let hooked = self.timer_hook.is_some();
        if let Some(timer) = self.life.timer_mut() {
            if hooked {
                // The hook computes the next value from the previous one
                // (DTLS_set_timer_cb).
                timer.expiries += 1;
            } else {
                timer.back_off();
            }
        }
        self.stats.retransmits += 1;
        if let Err(e) = self.emit_flight(Transmission::Again) {
            return Err(self.fail(e));
        }
        self.arm_timer(now);
        Ok(())
    }

    /// The handshake is complete, on `agreement` (only `Machine::advance` ends it).
    pub(super) fn complete_handshake(&mut self, agreement: Agreement) {
        if self.life.renegotiating() {
            self.renegotiation_done();
        }
        // Replacing the Handshaking variant drops what it owned: transcript, flight being
        // built, timer, pending keys, verdicts (each step's own data went with the step).
        let (flight, sent_final, last_answer) = match self.life.handshake_mut() {
            Some(h) => (std::mem::take(&mut h.flight), h.sent_final, h.last_answer),
            None => (Flight::default(), false, None),
        };
        let keylog = self.config.emit_keylog.then(|| {
            format!(
                "CLIENT_RANDOM {} {}",
                hex(&self.hs.client_random),
                hex(&agreement.master[..])
            )
        });
        // The peer may still retransmit its last flight, partly in the old epoch, until it
        // sees our final flight: keep both until it shows it finished, or a while. The
        // master secret stays with the established connection (exporters, the session).
        self.life = Lifecycle::Established(Established {
            final_flight: sent_final.then_some(FinalFlight {
                flight,
                last_answer,
                completed_at: self.now,
            }),
            agreement,
        });
        if !sent_final {
            // We received the final flight: the peer retransmits nothing the old epoch
            // carries that we need, and ours needs no answer (RFC 6347 §4.2.4).
            self.peer_finished();
        }
        self.free_handshake_state();
        self.events.push_back(Event::HandshakeComplete);
        if let Some(line) = keylog {
            self.events.push_back(Event::KeyLog(line));
        }
    }

    /// Frees what only the handshake needed (the final flight stays, for retransmission).
    /// (The rest of the handshake-only state went with the Handshaking variant.)
    fn free_handshake_state(&mut self) {
        // The reassembler keeps next_seq (old messages are recognised as retransmissions).
        self.reasm.clear();
        // The session the client offered to resume (its master secret with it) served the
        // hellos only (RFC 5246 §7.4.1.2); the session in use is `Machine::session`. A
        // renegotiation chooses its own.
        self.opts.resume = None;
    }

    /// Reports a record header (only with `record_headers`).
    pub(crate) fn record_header_event(&mut self, sent: bool, header: Option<&[u8]>) {
        if !self.config.emit_record_headers {
            return;
        }
        if let Some(Ok(header)) = header.map(<[u8; RECORD_HEADER_LEN]>::try_from) {
            self.events.push_back(Event::RecordHeader { sent, header });
        }
    }

    pub(crate) fn message_event(
        &mut self,
        sent: bool,
        msg_type: HandshakeType,
        seq: u16,
        body: &[u8],
    ) {
        if self.config.emit_message_events {
            let bytes = if self.config.emit_message_bodies {
                full_message(msg_type, seq, body)
            } else {
                Vec::new()
            };
            self.events.push_back(Event::HandshakeMessage {
                sent,
                msg_type,
                bytes,
            });
        }
    }
}
