//! What the DTLS 1.3 client and server share once a record is in or out (RFC 9147): the
//! record layer, our current flight and its timers (§5.8), the ACK state (§7), the queues
//! of datagrams, application data and events, the sending epoch, alerts, close_notify as
//! a half-close (RFC 8446 §6.1) and the first fatal error. [`super::client::Client13`]
//! and [`super::server::Server13`] each own one, with their role's handshake state.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use super::ack::{Ack, ReceivedRecords, RecordNumber};
use super::flight::{OutFlight, OutMsg};
use super::hello::msg_type as hs;
use super::key_update::Established;
use super::record_layer::{content, InRecord, RecordLayer};
use crate::config::Config;
use crate::error::{AlertDescription, Error};
use crate::handshake::header::parse_fragments;
use crate::handshake::reassembly::{FragmentOutcome, Reassembler};

/// Undecryptable records kept until their keys arrive (reordering around ServerHello).
pub(crate) const MAX_PENDING_RECORDS: usize = 16;

/// A role's handshake state, as far as the shared code needs to know it.
pub(crate) trait Phase13 {
    /// The state after close_notify.
    fn closed() -> Self;
    /// The state after a fatal error.
    fn failed() -> Self;
    /// The handshake completed.
    fn is_established(&self) -> bool;
    /// Epoch-0 records are still accepted.
    fn expects_plaintext(&self) -> bool;
    /// Receiving the peer's encrypted handshake flight (a partial ACK may be due, §7.1).
    fn awaits_peer_flight(&self) -> bool;
    /// The established connection's secrets, once the handshake completed.
    fn established(&self) -> Option<&Established>;
    fn established_mut(&mut self) -> Option<&mut Established>;
}

/// A role's events, as far as the shared code raises them.
pub(crate) trait Events13 {
    /// The peer sent close_notify.
    fn peer_closed() -> Self;
    /// Our sending epoch moved on after our KeyUpdate was acknowledged (RFC 9147 §8).
    fn send_key_updated(epoch: u64) -> Self;
    /// The peer's KeyUpdate moved its sending epoch on.
    fn recv_key_updated(epoch: u64) -> Self;
}

/// A role (client or server) around its [`Channel13`]: what the shared record loop calls.
pub(crate) trait Role13 {
    type State: Phase13;
    type Event: Events13;
    fn ch(&mut self) -> &mut Channel13<Self::State, Self::Event>;
    /// Handles one authenticated handshake record; epoch >= 3 records to acknowledge at
    /// once go to `acks`; `resent` limits a resend of our flight to one per datagram.
    fn on_handshake_record(
        &mut self,
        now: Instant,
        rec: InRecord,
        acks: &mut Vec<RecordNumber>,
        resent: &mut bool,
    ) -> Result<(), Error>;
}

/// Dispatches one authenticated record by content type.
fn on_record<R: Role13>(
    r: &mut R,
    now: Instant,
    rec: InRecord,
    acks: &mut Vec<RecordNumber>,
    resent: &mut bool,
) -> Result<(), Error> {
    let epoch = rec.rn.epoch;
    let ch = r.ch();
    match rec.content_type {
        content::HANDSHAKE => r.on_handshake_record(now, rec, acks, resent),
        content::ACK if epoch >= 2 => {
            let ack = Ack::decode(&rec.content)
                .map_err(|e| Error::alert(AlertDescription::DECODE_ERROR, format!("{e}")))?;
            ch.log_ack(false, &ack.record_numbers);
            if let Some(f) = ch.flight.as_mut() {
                f.on_ack(&ack);
            }
            ch.on_flight_acked()
        }
        content::ALERT => ch.on_alert(epoch, &rec.content),
        content::APPLICATION_DATA if epoch >= 3 && ch.state.is_established() => {
            ch.app_in.push_back(rec.content);
            Ok(())
        }
        // Early application data or an ACK in epoch 0: dropped (§4.5.2).
        content::APPLICATION_DATA | content::ACK => Ok(()),
        _ => Err(Error::alert(
            AlertDescription::UNEXPECTED_MESSAGE,
            "unknown content type",
        )),
    }
}

/// Handles a datagram's records, retrying the held-back ones whenever new receive keys
/// were installed, then sends the ACKs due at once and schedules a partial one (§7.1).
pub(crate) fn on_records<R: Role13>(
    r: &mut R,
    now: Instant,
    records: Vec<InRecord>,
) -> Result<(), Error> {
    let mut acks = Vec::new();
    let mut resent = false;
    for rec in records {
        let installed = r.ch().recv_keys();
        on_record(r, now, rec, &mut acks, &mut resent)?;
        if r.ch().recv_keys() != installed {
            // New receive keys: retry records that arrived before them.
            for rec in r.ch().retry_pending() {
                on_record(r, now, rec, &mut acks, &mut resent)?;
            }
        }
    }
    let ch = r.ch();
    if !acks.is_empty() && ch.send_epoch >= 3 {
        // RFC 9147 §7: post-handshake messages (and the client's final flight, at the
        // server) are acknowledged at once.
        ch.send_ack(acks)?;
    }
    if ch.state.awaits_peer_flight() && !ch.hs_records.is_empty() && ch.ack_at.is_none() {
        // §7.1: part of the peer's flight arrived; acknowledge it after a short delay so
        // only what is missing is resent.
        ch.ack_at = Some(now + ch.cfg.initial_timeout / 4);
    }
    Ok(())
}

/// The state both roles share; `S` is the role's handshake state, `E` its event type.
pub(crate) struct Channel13<S, E> {
    pub(crate) cfg: Arc<Config>,
    pub(crate) rl: RecordLayer,
    pub(crate) flight: Option<OutFlight>,
    pub(crate) reasm: Reassembler,
    /// The epoch each handshake message being reassembled arrived in.
    pub(crate) msg_epochs: BTreeMap<u16, u64>,
    /// Records of the peer's current handshake flight, for a partial ACK (§7.1).
    pub(crate) hs_records: ReceivedRecords,
    /// When a partial ACK of the peer's flight is due (§7.1).
    pub(crate) ack_at: Option<Instant>,
    pub(crate) state: S,
    pub(crate) next_msg_seq: u16,
    /// The epoch our alerts, ACKs and application data go out in.
    pub(crate) send_epoch: u64,
    pub(crate) out: VecDeque<Vec<u8>>,
    pub(crate) events: VecDeque<E>,
    pub(crate) app_in: VecDeque<Vec<u8>>,
    /// Records that did not open yet, retried once new receive keys are installed.
    pub(crate) pending: Vec<Vec<u8>>,
    pub(crate) error: Option<Error>,
    /// The peer's chain (leaf first).
    pub(crate) peer_certs: Vec<Vec<u8>>,
    /// The latest time given by the caller (for flights started from `send`).
    pub(crate) last_now: Instant,
    /// The handshake resumed a ticket (PSK + ECDHE).
    pub(crate) resumed: bool,
    /// We sent close_notify: our write side is closed.
    pub(crate) write_closed: bool,
    /// The SRTP profile negotiated by use_srtp (RFC 5764).
    pub(crate) srtp_profile: Option<u16>,
    /// Connection IDs beyond what the record layer uses (RFC 9147 §9).
    pub(crate) cid: super::connection_id::CidState,
    /// This connection's verifier, replacing the configuration's (`set_verifier`).
    pub(crate) verifier: Option<Arc<dyn crate::pki::verifier::CertVerifier>>,
    /// The `X509_V_*` verdict on the peer's chain, once one was checked.
    pub(crate) verify_code: Option<i32>,
    /// The path MTU our datagrams are cut for (the configuration's unless changed).
    pub(crate) mtu: usize,
    /// Handshake messages and ACKs sent and received, for the application's message
    /// callback (only with `message_events`).
    pub(crate) log: VecDeque<Log13>,
    /// The (EC)DHE group and the client and server randoms, once ServerHello is settled.
    pub(crate) group: Option<u16>,
    pub(crate) randoms: Option<([u8; 32], [u8; 32])>,
    /// The application's retransmission-timeout hook (OpenSSL's `DTLS_set_timer_cb`):
    /// given the previous timeout in µs (0 for a new flight), it returns the next.
    pub(crate) timer_hook: Option<Box<dyn FnMut(u32) -> u32 + Send>>,
    /// Flight retransmissions (timer expiries and answers to the peer's retransmissions),
    /// `Stats::retransmits`.
    pub(crate) retransmits: u64,
}

/// One entry of [`Channel13::log`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Log13 {
    /// A handshake message: the 12-byte DTLS handshake header (unfragmented) + body.
    Msg {
        sent: bool,
        msg_type: u8,
        bytes: Vec<u8>,
    },
    /// An ACK (RFC 9147 §7): its (epoch, sequence) record numbers.
    Ack {
        sent: bool,
        records: Vec<(u64, u64)>,
    },
    /// A key log line (NSS format), with the Config's `keylog`.
    KeyLog(String),
}

impl<S: Phase13, E: Events13> Channel13<S, E> {
    pub(crate) fn new(cfg: Arc<Config>, state: S, now: Instant) -> Self {
        let mtu = cfg.mtu;
        let mut rl = RecordLayer::default();
        rl.headers = cfg.emit_record_headers.then(Vec::new);
        Channel13 {
            cfg,
            rl,
            flight: None,
            reasm: Reassembler::new(),
            msg_epochs: BTreeMap::new(),
            hs_records: ReceivedRecords::default(),
            ack_at: None,
            state,
            next_msg_seq: 0,
            send_epoch: 0,
            out: VecDeque::new(),
            events: VecDeque::new(),
            app_in: VecDeque::new(),
            pending: Vec::new(),
            error: None,
            peer_certs: Vec::new(),
            last_now: now,
            resumed: false,
            write_closed: false,
            srtp_profile: None,
            cid: Default::default(),
            verifier: None,
            verify_code: None,
            mtu,
            log: VecDeque::new(),
            group: None,
            randoms: None,
            timer_hook: None,
            retransmits: 0,
        }
    }

    /// Opens a datagram's records. Those that do not open yet are kept (during the
    /// handshake) for a retry once their keys arrive; the error (to settle) is the
    /// integrity limit reached (RFC 9147 §4.5.3: too many forgeries under one key).
    pub(crate) fn open_datagram(
        &mut self,
        now: Instant,
        datagram: &[u8],
    ) -> Result<Vec<InRecord>, Error> {
        self.last_now = now;
        let mut undecryptable = Vec::new();
        let records = self.rl.open_datagram(datagram, &mut undecryptable);
        if self.rl.integrity_limit_reached {
            let e = Error::alert(AlertDescription::BAD_RECORD_MAC, "AEAD integrity limit");
            return Err(e);
        }
        for r in undecryptable {
            if self.pending.len() < MAX_PENDING_RECORDS && !self.state.is_established() {
                self.pending.push(r);
            }
        }
        Ok(records)
    }

    /// Which handshake / application receive keys are installed.
    fn recv_keys(&self) -> (bool, bool) {
        (self.rl.has_recv(2), self.rl.has_recv(3))
    }

    /// The held-back records that open now; the others stay held back.
    fn retry_pending(&mut self) -> Vec<InRecord> {
        let pending = std::mem::take(&mut self.pending);
        let mut opened = Vec::new();
        for p in pending {
            match self.rl.open_protected(&p) {
                Some(r) => opened.push(r),
                None => self.pending.push(p),
            }
        }
        opened
    }

    /// Feeds a handshake record's fragments to the reassembler, noting the epoch each
    /// message arrived in; true when a fragment was of a message already processed (the
    /// peer resent its flight). `stateless_hello`: the server's restart for a
    /// ClientHello2 after a stateless HelloRetryRequest (RFC 9147 §5.1).
    pub(crate) fn reassemble(
        &mut self,
        epoch: u64,
        record: &[u8],
        stateless_hello: bool,
    ) -> Result<bool, Error> {
        let mut old = false;
        for frag in parse_fragments(record) {
            let (h, f) =
                frag.map_err(|e| Error::alert(AlertDescription::DECODE_ERROR, format!("{e}")))?;
            if stateless_hello && epoch == 0 && h.msg_type.0 == hs::CLIENT_HELLO {
                // ClientHello2 comes with message_seq 1 to a server that remembers nothing.
                if h.message_seq != self.reasm.next_seq() && h.message_seq < 2 {
                    self.reasm.clear();
                    self.reasm.set_next_seq(h.message_seq);
                }
            }
            match self.reasm.add_fragment(&h, f) {
                FragmentOutcome::Accepted | FragmentOutcome::Duplicate => {
                    if self.msg_epochs.len() < 16 {
                        self.msg_epochs.entry(h.message_seq).or_insert(epoch);
                    }
                }
                FragmentOutcome::Old => old = true,
                FragmentOutcome::Rejected(why) => {
                    return Err(Error::alert(AlertDescription::DECODE_ERROR, why))
                }
                FragmentOutcome::TooFarAhead | FragmentOutcome::Conflict => {}
            }
        }
        Ok(old)
    }

    /// The next complete handshake message: (epoch it arrived in, message_seq, type,
    /// body); `epoch` is the current record's, for a message with no noted epoch.
    pub(crate) fn next_message(&mut self, epoch: u64) -> Option<(u64, u16, u8, Vec<u8>)> {
        let (typ, seq, body) = self.reasm.pop_message()?;
        self.log_msg(false, typ.0, seq, &body);
        let e = self.msg_epochs.remove(&seq).unwrap_or(epoch);
        Some((e, seq, typ.0, body))
    }

    /// Fires the timers that are due: a delayed partial ACK, a retransmission (§5.8).
    pub(crate) fn fire_timers(&mut self, now: Instant) -> Result<(), Error> {
        self.last_now = now;
        if self.ack_at.is_some_and(|t| t <= now) {
            self.ack_at = None;
            if self.state.awaits_peer_flight() && !self.hs_records.is_empty() {
                let rns = self.hs_records.to_ack().record_numbers;
                self.send_ack(rns)?;
            }
        }
        self.retransmit(now, |f| f.deadline().is_some_and(|t| t <= now))
    }

    /// Resends the unacknowledged part of our flight when `due` says so.
    fn retransmit(&mut self, now: Instant, due: impl Fn(&OutFlight) -> bool) -> Result<(), Error> {
        if let Some(f) = self.flight.as_mut().filter(|f| due(f)) {
            let mut dgrams = Vec::new();
            f.transmit(&mut self.rl, now, self.mtu, false, &mut dgrams)?;
            if let Some(h) = self.timer_hook.as_mut() {
                f.override_timeout(now, h);
            }
            if !dgrams.is_empty() {
                self.retransmits += 1;
            }
            self.out.extend(dgrams);
        }
        Ok(())
    }

    /// Sends an ACK of `rns` in the current epoch.
    pub(crate) fn send_ack(&mut self, rns: Vec<RecordNumber>) -> Result<(), Error> {
        self.log_ack(true, &rns);
        let mut body = Vec::new();
        Ack {
            record_numbers: rns,
        }
        .encode(&mut body);
        let mut d = Vec::new();
        self.rl.seal(&mut d, self.send_epoch, content::ACK, &body)?;
        self.out.push_back(d);
        Ok(())
    }

    /// Starts delivering `msgs` as our new flight.
    pub(crate) fn send_flight(&mut self, now: Instant, msgs: Vec<OutMsg>) -> Result<(), Error> {
        let cfg = &self.cfg;
        let timers = (cfg.initial_timeout, cfg.max_timeout, cfg.max_retransmits);
        // Fragments are cut so a record still fits with our sending CID in its header.
        let cut_mtu = self.mtu.saturating_sub(self.rl.send_cid().len());
        let mut f = OutFlight::new(msgs, cut_mtu, timers)?;
        let mut dgrams = Vec::new();
        f.transmit(&mut self.rl, now, self.mtu, true, &mut dgrams)?;
        if let Some(h) = self.timer_hook.as_mut() {
            f.override_timeout(now, h);
        }
        self.out.extend(dgrams);
        self.flight = Some(f);
        Ok(())
    }

    /// Resends the unacknowledged part of our flight, if it is still pending, at most
    /// once per datagram (`resent`).
    pub(crate) fn resend_flight(&mut self, now: Instant, resent: &mut bool) -> Result<(), Error> {
        if *resent {
            return Ok(());
        }
        *resent = true;
        self.retransmit(now, OutFlight::is_pending)
    }

    /// Logs a handshake message (with `message_events`), in the form OpenSSL's message
    /// callback shows: the 12-byte DTLS handshake header of the whole message, then it.
    pub(crate) fn log_msg(&mut self, sent: bool, msg_type: u8, seq: u16, body: &[u8]) {
        if !self.cfg.emit_message_events {
            return;
        }
        let len = (body.len() as u32).to_be_bytes();
        let mut bytes = Vec::with_capacity(12 + body.len());
        bytes.push(msg_type);
        bytes.extend_from_slice(&len[1..]);
        bytes.extend_from_slice(&seq.to_be_bytes());
        bytes.extend_from_slice(&[0, 0, 0]);
        bytes.extend_from_slice(&len[1..]);
        bytes.extend_from_slice(body);
        self.log.push_back(Log13::Msg {
            sent,
            msg_type,
            bytes,
        });
    }

    /// Logs a secret as an NSS key log line (`LABEL client_random secret`, the TLS 1.3
    /// labels of the NSS format: CLIENT_HANDSHAKE_TRAFFIC_SECRET, ...), with `keylog`.
    pub(crate) fn log_secret(&mut self, label: &str, secret: &[u8]) {
        if let (true, Some((client_random, _))) = (self.cfg.emit_keylog, &self.randoms) {
            let line = format!(
                "{label} {} {}",
                crate::handshake::machine::hex(client_random),
                crate::handshake::machine::hex(secret)
            );
            self.log.push_back(Log13::KeyLog(line));
        }
    }

    /// Logs the handshake traffic secrets (RFC 8446 §7.1).
    pub(crate) fn log_handshake_secrets(&mut self, c_hs: &[u8], s_hs: &[u8]) {
        self.log_secret("CLIENT_HANDSHAKE_TRAFFIC_SECRET", c_hs);
        self.log_secret("SERVER_HANDSHAKE_TRAFFIC_SECRET", s_hs);
    }

    /// Logs the first application traffic secrets and the exporter secret.
    pub(crate) fn log_app_secrets(&mut self, c_ap: &[u8], s_ap: &[u8], exporter: &[u8]) {
        self.log_secret("CLIENT_TRAFFIC_SECRET_0", c_ap);
        self.log_secret("SERVER_TRAFFIC_SECRET_0", s_ap);
        self.log_secret("EXPORTER_SECRET", exporter);
    }

    /// Logs an ACK sent or received (with `message_events`).
    pub(crate) fn log_ack(&mut self, sent: bool, rns: &[RecordNumber]) {
        if self.cfg.emit_message_events {
            let records = rns.iter().map(|r| (r.epoch, r.seq)).collect();
            self.log.push_back(Log13::Ack { sent, records });
        }
    }

    /// A handshake message of ours with the next message_seq.
    pub(crate) fn next_msg(&mut self, epoch: u64, msg_type: u8, body: Vec<u8>) -> OutMsg {
        let seq = self.next_msg_seq;
        self.log_msg(true, msg_type, seq, &body);
        self.next_msg_seq = self.next_msg_seq.wrapping_add(1);
        OutMsg {
            epoch,
            msg_type,
            seq,
            body,
        }
    }

    /// When the next timer (retransmission or delayed ACK) is due.
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        let f = self.flight.as_ref().and_then(|f| f.deadline());
        match (f, self.ack_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Seals application data in one record of the current epoch (the caller then runs
    /// the automatic KeyUpdate check and settles).
    pub(crate) fn seal_app_data(&mut self, data: &[u8]) -> Result<(), Error> {
        let mut d = Vec::new();
        self.seal_app_data_into(data, &mut d)?;
        self.out.push_back(d);
        Ok(())
    }

    /// [`Self::seal_app_data`] appending the record (one datagram) to `d`, which the caller
    /// sends at once (only when nothing is queued before it); `d` is unchanged on error.
    pub(crate) fn seal_app_data_into(&mut self, data: &[u8], d: &mut Vec<u8>) -> Result<(), Error> {
        self.check_alive()?;
        if !self.state.is_established() || self.send_epoch < 3 {
            return Err(Error::InvalidState("handshake not complete"));
        }
        if self.write_closed {
            return Err(Error::InvalidState("close_notify sent"));
        }
        // Up to 2^14 bytes whatever the MTU (RFC 9147 §4 / RFC 8446 §5.1), as DTLS 1.2:
        // a record over the MTU leaves as one datagram that IP fragments.
        let max = 1 << 14;
        if data.len() > max {
            return Err(Error::MessageTooLarge { max });
        }
        let start = d.len();
        self.rl
            .seal(d, self.send_epoch, content::APPLICATION_DATA, data)
            .inspect_err(|_| d.truncate(start))?;
        Ok(())
    }

    /// Sends close_notify, which closes our write side (RFC 8446 §6.1): nothing more is
    /// sent, but the peer's data, KeyUpdate and close_notify are still received until it
    /// closes too. During the handshake it abandons the connection.
    pub(crate) fn close(&mut self) -> Result<(), Error> {
        self.check_alive()?;
        if self.write_closed {
            return Ok(());
        }
        self.queue_alert(1, AlertDescription::CLOSE_NOTIFY);
        self.write_closed = true;
        if !self.state.is_established() {
            self.state = S::closed();
        }
        self.flight = None;
        self.ack_at = None;
        Ok(())
    }

    /// True once the handshake completed and neither side has closed.
    pub(crate) fn is_established(&self) -> bool {
        self.state.is_established() && !self.write_closed
    }

    /// An alert record: close_notify half-closes (the peer's side), anything else is
    /// fatal; epoch-0 alerts after the handshake left epoch 0 are dropped (§4.5.2).
    pub(crate) fn on_alert(&mut self, epoch: u64, body: &[u8]) -> Result<(), Error> {
        if epoch == 0 && !self.state.expects_plaintext() {
            return Ok(());
        }
        let [_level, desc] = body else {
            return Err(Error::alert(AlertDescription::DECODE_ERROR, "alert length"));
        };
        if *desc == AlertDescription::CLOSE_NOTIFY.0 {
            self.events.push_back(E::peer_closed());
            self.state = S::closed();
            self.flight = None;
            self.ack_at = None;
            return Ok(());
        }
        Err(Error::AlertReceived(AlertDescription(*desc)))
    }

    /// Fails once a fatal error was recorded.
    pub(crate) fn check_alive(&self) -> Result<(), Error> {
        match &self.error {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    fn queue_alert(&mut self, level: u8, desc: AlertDescription) {
        let mut d = Vec::new();
        if self
            .rl
            .seal(&mut d, self.send_epoch, content::ALERT, &[level, desc.0])
            .is_ok()
        {
            self.out.push_back(d);
        }
    }

    /// Records a fatal error: the alert goes out, the connection is dead.
    pub(crate) fn settle(&mut self, r: Result<(), Error>) -> Result<(), Error> {
        if let Err(e) = &r {
            if let Some(a) = e.alert_to_send() {
                self.queue_alert(2, a);
            }
            self.error = Some(e.clone());
            self.state = S::failed();
            self.flight = None;
            self.ack_at = None;
        }
        r
    }
}
