//! Datagram intake (RFC 6347 §4.1, §4.2.2): records are opened in place, each routed by
//! content type through the input policy (crate::input_policy), handshake fragments
//! reassembled and dispatched to the role's handler, application data buffered, bounded by
//! bytes (issue 9). Alerts and verdicts on unauthenticated input are in `verdicts.rs`.

use std::time::Instant;

use super::{AppRecord, Input, Machine, State, MAX_BUFFERED_APP_RECORDS};
use crate::enums::{ContentType, HandshakeType};
use crate::error::Error;
use crate::handshake::header::parse_fragments;
use crate::handshake::reassembly::FragmentOutcome;
use crate::handshake::step::{Next, Step};
use crate::input_policy::{self, Provenance};
use crate::record::header::{MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN};
use crate::record::layer::{DatagramCursor, NextRecord};

impl Machine {
    /// Processes one datagram (see [`crate::Connection::handle_datagram`]).
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        self.handle_input(now, Input::Borrowed(datagram)).map(drop)
    }

    /// Processes one datagram in the caller's buffer, decrypted in place (see
    /// [`crate::Connection::handle_datagram_owned`]).
    pub fn handle_datagram_owned(&mut self, now: Instant, datagram: Vec<u8>) -> Result<(), Error> {
        self.handle_input(now, Input::Owned(datagram)).map(drop)
    }

    /// Processes one datagram decrypted in place in `datagram`, its first application
    /// record copied straight into `out` (see [`crate::Connection::handle_datagram_into`]).
    #[inline]
    pub fn handle_datagram_into(
        &mut self,
        now: Instant,
        datagram: &mut [u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        self.handle_input(now, Input::Lent(datagram, out))
    }

    /// The bytes copied into a lent destination (0 for the other inputs).
    fn handle_input(&mut self, now: Instant, input: Input<'_>) -> Result<usize, Error> {
        self.now = now;
        self.last_datagram_newest = false;
        if self.life.is_failed() || self.life.close_received() {
            // Nothing is processed after a fatal alert or close_notify (RFC 5246 §7.2.1).
            return Ok(0);
        }
        self.retire_previous_epoch_if_due(now);
        match self.new_association_front_door(now, input.bytes()) {
            crate::handshake::new_association::NewAssociation::NotNew => {}
            crate::handshake::new_association::NewAssociation::Answered => return Ok(0),
            crate::handshake::new_association::NewAssociation::Abandon => {
                return Err(self.abandon_for_new_association())
            }
        }
        // Records are opened in place: in the caller's lent slice, or in one owned buffer
        // (the caller's, or a pooled copy).
        let mut owned = Vec::new();
        let (buf, out): (&mut [u8], Option<&mut [u8]>) = match input {
            Input::Lent(d, out) => (d, Some(out)),
            Input::Owned(b) => {
                owned = b;
                (&mut owned[..], None)
            }
            Input::Borrowed(datagram) => {
                owned = self.pool.pop().unwrap_or_default();
                owned.clear();
                owned.extend_from_slice(datagram);
                (&mut owned[..], None)
            }
        };
        let before = self.records.stats();
        let mut cursor = DatagramCursor::default();
        let mut result = Ok(());
        let mut app_ranges: Option<(usize, usize)> = None;
        let mut app_multi = false;
        loop {
            let r = match self.records.open_next(buf, &mut cursor) {
                NextRecord::End => break,
                NextRecord::Dropped => continue,
                NextRecord::Record(r) => r,
            };
            if self.life.is_failed() || self.life.close_received() {
                break;
            }
            if r.authenticated
                && self
                    .newest_authenticated
                    .is_none_or(|n| (r.epoch, r.sequence) > n)
            {
                self.newest_authenticated = Some((r.epoch, r.sequence));
                self.last_datagram_newest = true;
            }
            if self.config.emit_record_headers {
                let h = r.header_start;
                self.record_header_event(false, buf.get(h..h + RECORD_HEADER_LEN));
            }
            let provenance = if r.authenticated {
                Provenance::Authenticated
            } else {
                Provenance::Unauthenticated
            };
            if r.authenticated
                && self.life.completed()
                && r.epoch == self.records.read_epoch()
                && r.content_type != ContentType::HANDSHAKE
            {
                // The peer sends data or alerts in the new epoch only once it has finished:
                // it will not retransmit its old-epoch flight any more.
                self.peer_finished();
            }
            let payload = &buf[r.start..r.end];
            let res = match r.content_type {
                ContentType::HANDSHAKE => {
                    match self
                        .handle_handshake_record(now, r.epoch, r.sequence, provenance, payload)
                    {
                        Ok(true) if !r.authenticated => {
                            self.records.mark_unprotected(r.epoch, r.sequence);
                            Ok(())
                        }
                        other => other.map(drop),
                    }
                }
                ContentType::CHANGE_CIPHER_SPEC => match self.handle_ccs(now, r.epoch, payload) {
                    Ok(true) => {
                        self.records.mark_unprotected(r.epoch, r.sequence);
                        Ok(())
                    }
                    other => other.map(drop),
                },
                ContentType::ALERT => self.handle_alert(r.epoch, provenance, payload),
                ContentType::APPLICATION_DATA => {
                    let cost = r.end - r.start;
                    if !self.accepts_app_data(r.epoch, r.authenticated) {
                        // Epoch-0 (unprotected) application data is never delivered.
                        self.stats.records_dropped += 1;
                    } else if self.app_in.len() >= MAX_BUFFERED_APP_RECORDS
                        || self.app_in_bytes + cost > input_policy::MAX_BUFFERED_APP_BYTES
                    {
                        self.stats.records_dropped += 1;
                    } else if app_ranges.is_none() && !app_multi {
                        // Keep the first one in place; copied out only if another follows.
                        app_ranges = Some((r.start, r.end));
                    } else {
                        app_multi = true;
                        if let Some((s0, e0)) = app_ranges.take() {
                            let b = copy_exact(&buf[s0..e0]);
                            self.push_app(b);
                        }
                        let b = copy_exact(payload);
                        self.push_app(b);
                    }
                    Ok(())
                }
                _ => Ok(()),
            };
            if let Err(e) = res {
                result = Err(e);
                break;
            }
        }
        self.account_record_stats(before);
        let mut delivered = 0;
        match (app_ranges, out) {
            (Some((start, end)), Some(out)) if result.is_ok() => {
                // The lent buffer goes back to the caller: the record's plaintext is copied
                // once, into `out` when the application waits for it and nothing is queued
                // before it (order kept), else into a buffer of its own.
                let payload = &buf[start..end];
                if !out.is_empty()
                    && !payload.is_empty()
                    && self.app_in.is_empty()
                    && self.life.app_open()
                {
                    delivered = out.len().min(payload.len());
                    out[..delivered].copy_from_slice(&payload[..delivered]);
                    if delivered < payload.len() {
                        // A short read keeps the rest of the record for the next one, as
                        // OpenSSL's dtls1_read_bytes does.
                        self.push_app(copy_exact(&payload[delivered..]));
                    }
                } else {
                    self.push_app(copy_exact(payload));
                }
            }
            (_, Some(_)) => {}
            (Some((start, end)), None) if result.is_ok() => {
                // The datagram buffer becomes the application record (no second copy),
                // unless it is much larger than the payload: the buffered bytes are
                // bounded by memory held, so a small record in a big buffer is copied out.
                let len = end - start;
                if owned.capacity() <= 2 * len + 1024
                    && self.app_in_bytes + owned.capacity() <= input_policy::MAX_BUFFERED_APP_BYTES
                {
                    self.push_app(AppRecord {
                        buf: owned,
                        start,
                        end,
                    });
                } else {
                    let b = copy_exact(&owned[start..end]);
                    self.push_app(b);
                    self.recycle(owned);
                }
            }
            _ => self.recycle(owned),
        }
        if let Err(e) = result {
            return Err(self.fail(e));
        }
        // A ChangeCipherSpec of a renegotiation may have installed the epoch of records
        // held back (record::layer::MAX_NEXT_EPOCH_RECORDS): open them now.
        for held in self.records.take_held_records() {
            self.handle_datagram(now, &held)?;
        }
        Ok(delivered)
    }

    /// Keeps a buffer for reuse; the pool is bounded in count and in buffer size (callers'
    /// own buffers come in too, possibly sized for any UDP datagram).
    fn recycle(&mut self, buf: Vec<u8>) {
        if self.pool.len() < 16 && buf.capacity() <= MAX_PLAINTEXT_LEN + 2048 {
            self.pool.push(buf);
        }
    }

    fn push_app(&mut self, rec: AppRecord) {
        self.app_in_bytes += rec.buf.capacity();
        self.app_in.push_back(rec);
    }

    /// Retires the previous read epoch once the side that sent the final flight has
    /// lingered long enough (RFC 6347 §4.1, §4.2.4).
    fn retire_previous_epoch_if_due(&mut self, now: Instant) {
        if self.prev_read_retire_at.is_some_and(|t| now >= t) {
            self.prev_read_retire_at = None;
            self.records.retire_previous_read_epoch();
        }
        if self
            .life
            .final_flight_completed_at()
            .is_some_and(|t| now >= t + input_policy::PREVIOUS_EPOCH_LINGER)
        {
            // The peer may be assumed to have finished: the flight goes.
            self.peer_finished();
        }
    }

    /// The peer has finished the handshake (or may be assumed to have): it retransmits
    /// nothing more, so the previous read epoch is retired and our last flight, kept only
    /// to answer its retransmissions (RFC 6347 §4.2.4), is freed.
    pub(super) fn peer_finished(&mut self) {
        if self.records.read_epoch() > 1 {
            // After a renegotiation the previous epoch is protected: its application data
            // may still arrive reordered, so it is read a while longer (RFC 6347 §4.1).
            if self.records.has_previous_read_epoch() && self.prev_read_retire_at.is_none() {
                self.prev_read_retire_at = Some(self.now + input_policy::PREVIOUS_EPOCH_LINGER);
            }
        } else {
            self.records.retire_previous_read_epoch();
        }
        self.life.drop_final_flight();
    }

    /// True while we keep a flight to send again (tests).
    #[cfg(test)]
    pub(crate) fn holds_flight(&self) -> bool {
        self.life.last_flight().is_some_and(|f| !f.is_empty())
    }

    fn account_record_stats(&mut self, before: crate::record::layer::RecordStats) {
        let after = self.records.stats();
        self.stats.records_received += after.received - before.received;
        self.stats.records_replayed += after.dropped_replay - before.dropped_replay;
        self.stats.records_bad_auth += after.dropped_auth - before.dropped_auth;
        self.stats.records_dropped += (after.dropped_malformed - before.dropped_malformed)
            + (after.dropped_epoch - before.dropped_epoch)
            + (after.dropped_replay - before.dropped_replay)
            + (after.dropped_auth - before.dropped_auth);
    }

    /// Application data is accepted from protected epochs once the handshake completed,
    /// during a renegotiation (old and new epoch alike), and in the initial handshake
    /// once the peer's ChangeCipherSpec is in (its Finished may be lost or reordered).
    fn accepts_app_data(&self, epoch: u16, authenticated: bool) -> bool {
        epoch != 0
            && authenticated
            && (self.life.app_open()
                || (epoch == self.records.read_epoch()
                    && self.life.step() == Some(State::AwaitFinished)))
    }

    fn handshake_done(&self) -> bool {
        self.life.completed()
    }

    /// Handles the handshake fragments of one record (its sequence number `record_seq`,
    /// which a HelloVerifyRequest echoes, RFC 6347 §4.2.1). Returns whether any fragment
    /// was accepted (new bytes for the reassembler), which is what lets an unauthenticated
    /// record mark its epoch's replay window (crate::input_policy).
    // Out of line (as the other non-data branches of handle_input): inlined, their locals
    // gave handle_input a 20 KiB stack frame, probed page by page on every datagram.
    #[inline(never)]
    fn handle_handshake_record(
        &mut self,
        now: Instant,
        epoch: u16,
        record_seq: u64,
        provenance: Provenance,
        payload: &[u8],
    ) -> Result<bool, Error> {
        let mut saw_old = false;
        let mut accepted = false;
        let unauthenticated = provenance == Provenance::Unauthenticated;
        for frag in parse_fragments(payload) {
            let Ok((h, body)) = frag else {
                // A fragment running past its record: drop the rest of the record.
                self.stats.records_dropped += 1;
                break;
            };
            if h.fragment_length as usize != body.len()
                || u64::from(h.fragment_offset) + u64::from(h.fragment_length) > u64::from(h.length)
            {
                self.stats.records_dropped += 1;
                continue;
            }
            if self.handshake_done() {
                let mut starts = false;
                if !unauthenticated
                    && crate::handshake::renegotiation::is_request(self.is_client, h.msg_type)
                {
                    // Whatever its message_seq (super::renegotiation): refused or accepted
                    // at its first fragment; the rest of a refused one is dropped.
                    if h.fragment_offset == 0 {
                        starts = self.on_renegotiation_request(now, h.msg_type, h.message_seq)?;
                    }
                } else if h.message_seq < self.reasm.next_seq() {
                    saw_old = true;
                } else {
                    self.stats.records_dropped += 1;
                }
                if !starts {
                    continue;
                }
            }
            if unauthenticated {
                self.first_flight_seq(&h);
            } else if self.ignores_during_renegotiation(h.msg_type) {
                continue;
            } else {
                self.renegotiation_first_message(h.msg_type, h.message_seq);
            }
            if input_policy::old_epoch_fragment_is_new(
                epoch,
                self.records.read_epoch(),
                h.message_seq,
                self.reasm.next_seq(),
            ) {
                // A new message in the old (plaintext) epoch after ChangeCipherSpec: only
                // an attacker sends that. Dropped, RFC 6347 §4.1.2.7.
                self.stats.records_dropped += 1;
                continue;
            }
            let whole = h.fragment_offset == 0 && h.fragment_length == h.length;
            // Only unauthenticated fragments are screened; protected ones skip the lookup.
            if unauthenticated {
                let expected = self
                    .life
                    .step()
                    .is_some_and(|st| self.message_expected(st, h.msg_type));
                let at_next = h.message_seq == self.reasm.next_seq();
                if !input_policy::partial_fragment_admissible(expected, whole, at_next) {
                    self.stats.records_dropped += 1;
                    continue;
                }
            }
            let mut outcome = self.reasm.add_fragment(&h, body);
            if outcome == FragmentOutcome::Conflict
                && unauthenticated
                && input_policy::plaintext_conflict_replaces(
                    whole,
                    self.reasm.received_bytes(h.message_seq).unwrap_or(0),
                    body.len(),
                )
            {
                // The loser, if it stays, is dropped at the next timer expiry.
                self.reasm.discard(h.message_seq);
                outcome = self.reasm.add_fragment(&h, body);
            }
            match outcome {
                FragmentOutcome::Accepted => accepted = true,
                FragmentOutcome::Duplicate => {}
                FragmentOutcome::Old => saw_old = true,
                FragmentOutcome::TooFarAhead
                | FragmentOutcome::Conflict
                | FragmentOutcome::Rejected(_) => {
                    self.stats.records_dropped += 1;
                }
            }
        }
        while let Some(step) = self.life.step() {
            let Some((msg_type, seq, body)) = self.reasm.pop_message() else {
                break;
            };
            if !self.records.read_epoch_protected() {
                // Unauthenticated: a message the handshake would reject is dropped and
                // remembered, not acted on (crate::input_policy).
                if let Err(e) = self.screen_unauthenticated(step, msg_type, &body) {
                    if !self.is_client
                        && step == State::ServerAwaitClientHello
                        && msg_type == HandshakeType::CLIENT_HELLO
                    {
                        // Nothing to protect yet: the RFC's alert (crate::input_policy).
                        self.server_malformed_client_hello(now, seq, &body, e, record_seq)?;
                        break;
                    }
                    self.reasm.set_next_seq(seq);
                    self.stats.records_dropped += 1;
                    self.remember_verdict(e, None)?;
                    break;
                }
            }
            self.message_event(false, msg_type, seq, &body);
            if self.is_client {
                self.advance(|m, step| m.client_handle_message(now, step, msg_type, seq, &body))?;
            } else {
                self.advance(|m, step| {
                    m.server_handle_message(now, step, msg_type, seq, &body, record_seq)
                })?;
            }
            // Progress: a remembered verdict on unauthenticated input is void.
            self.void_verdict(now);
            if let Some(floor) = self
                .life
                .handshake_mut()
                .and_then(|h| h.step_mut())
                .and_then(Step::first_flight_floor_mut)
            {
                *floor = None;
            }
        }
        if saw_old {
            self.on_peer_retransmit(now);
        }
        Ok(accepted)
    }

    /// RFC 6347 §4.2.2: the peer's first message may carry a non-zero message_seq (after a
    /// HelloVerifyRequest exchange). An unauthenticated first-flight fragment may move the
    /// expected message_seq, within the reassembly window only, and a later one may move it
    /// again until a message has been processed, so a forged fragment cannot fix it.
    fn first_flight_seq(&mut self, h: &crate::handshake::header::HandshakeHeader) {
        let step = self.life.step();
        let first_flight = (step == Some(State::ServerAwaitClientHello)
            && h.msg_type == HandshakeType::CLIENT_HELLO)
            || (step == Some(State::ClientAwaitServerHello)
                && (h.msg_type == HandshakeType::SERVER_HELLO
                    || h.msg_type == HandshakeType::HELLO_VERIFY_REQUEST));
        let next = self.reasm.next_seq();
        if !first_flight || h.message_seq == next {
            return;
        }
        let Some(floor) = self
            .life
            .handshake_mut()
            .and_then(|h| h.step_mut())
            .and_then(Step::first_flight_floor_mut)
        else {
            return;
        };
        match *floor {
            None if input_policy::first_flight_may_move(next, h.message_seq) => {
                *floor = Some(next);
                self.reasm.set_next_seq(h.message_seq);
            }
            Some(floor) if input_policy::first_flight_in_window(floor, h.message_seq) => {
                self.reasm.set_next_seq(h.message_seq);
            }
            _ => {}
        }
    }

    /// Handles a ChangeCipherSpec; returns whether it advanced the handshake.
    #[inline(never)]
    fn handle_ccs(&mut self, now: Instant, epoch: u16, payload: &[u8]) -> Result<bool, Error> {
        let expected = self.life.step() == Some(State::AwaitChangeCipherSpec)
            && epoch == self.records.read_epoch();
        if expected && payload == [1] {
            self.advance(|m, step| {
                let Step::AwaitChangeCipherSpec {
                    read,
                    write,
                    agreement,
                } = step
                else {
                    return Err(Error::InvalidState("no read keys"));
                };
                m.records.install_read_protection(read);
                // Anything still buffered came in the plaintext epoch and was not consumed:
                // from here on only messages of the protected epoch are new.
                m.reasm.clear();
                Ok(Next::Step(Step::AwaitFinished { write, agreement }))
            })?;
            // Progress: a remembered verdict on unauthenticated input is void.
            self.void_verdict(now);
            return Ok(true);
        } else if payload != [1] {
            // Malformed: an invalid record, silently discarded (RFC 6347 §4.1.2.7).
            self.stats.records_dropped += 1;
        } else if self.handshake_done() || epoch < self.records.read_epoch() {
            // The peer is retransmitting its final flight: ours was lost.
            self.on_peer_retransmit(now);
        } else {
            // Early (reordered) or spurious ChangeCipherSpec: dropped; the peer retransmits
            // (see `crate::deviations`).
            self.stats.records_dropped += 1;
        }
        Ok(false)
    }
}

/// An application record in a buffer of exactly its size.
fn copy_exact(data: &[u8]) -> AppRecord {
    AppRecord {
        buf: data.to_vec(),
        start: 0,
        end: data.len(),
    }
}
