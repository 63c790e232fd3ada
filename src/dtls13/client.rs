//! A sans-IO DTLS 1.3 client (RFC 9147 with RFC 8446's handshake), shaped like
//! [`crate::Connection`]: datagrams in through [`Client13::handle_datagram`], datagrams out
//! through [`Client13::poll_transmit`], time only as an argument. The per-state handling
//! lives in `client_states.rs`, EncryptedExtensions and the exporter in `client_ext.rs`,
//! post-handshake messages in `client_post.rs`, the hello in `client_hello.rs`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::ack::{Ack, ReceivedRecords, RecordNumber};
use super::client_states::State;
use super::flight::{OutFlight, OutMsg};
use super::messages::NewSessionTicket;
use super::record_layer::{content, InRecord, RecordLayer};
use super::record_protection::Suite13;
use crate::config::Config;
use crate::error::{AlertDescription, Error};
use crate::handshake::header::parse_fragments;
use crate::handshake::reassembly::{FragmentOutcome, Reassembler};

/// Undecryptable records kept until their keys arrive (reordering around ServerHello).
const MAX_PENDING_RECORDS: usize = 16;

/// Options of one client connection.
#[derive(Debug, Clone)]
pub struct Options13 {
    /// Sent as SNI; the name the certificate must match unless `verify_names` is set.
    pub server_name: Option<String>,
    /// Names the server certificate must match (any one).
    pub verify_names: Vec<String>,
    /// TLS 1.3 suites offered, in preference order.
    pub suites: Vec<Suite13>,
    /// A ticket from an earlier connection to the same server, offered for PSK + ECDHE
    /// resumption (RFC 8446 §2.2); a server that declines it runs a full handshake.
    pub resume: Option<Ticket13>,
}

impl Default for Options13 {
    fn default() -> Self {
        Options13 {
            server_name: None,
            verify_names: Vec::new(),
            suites: vec![
                Suite13::Aes128GcmSha256,
                Suite13::Aes256GcmSha384,
                Suite13::ChaCha20Poly1305Sha256,
            ],
            resume: None,
        }
    }
}

/// What happened, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event13 {
    /// The handshake completed (our Finished is sent); application data may flow.
    HandshakeComplete,
    /// The server's certificate chain was received and verified (leaf DER).
    PeerCertificate(Vec<u8>),
    /// The server sent a ticket (stored; see [`Client13::tickets`]).
    NewSessionTicket,
    /// Our sending epoch moved on after our KeyUpdate was acknowledged (RFC 9147 §8).
    SendKeyUpdated(u64),
    /// The peer's KeyUpdate moved its sending epoch on.
    RecvKeyUpdated(u64),
    /// The peer sent close_notify.
    PeerClosed,
}

/// A ticket with the PSK it resumes with (RFC 8446 §4.6.1).
#[derive(Debug, Clone)]
pub struct Ticket13 {
    /// The message as received.
    pub ticket: NewSessionTicket,
    /// The negotiated suite.
    pub suite: Suite13,
    /// `HKDF-Expand-Label(resumption_master_secret, "resumption", nonce)`.
    pub psk: Vec<u8>,
    /// When it was received.
    pub received: Instant,
    /// The server's chain authenticated in the connection the ticket came from (leaf
    /// first); a resumption reports it again, as OpenSSL does for a resumed session.
    pub peer_certs: Vec<Vec<u8>>,
}

/// The DTLS 1.3 client.
pub struct Client13 {
    pub(crate) cfg: Arc<Config>,
    pub(crate) opts: Options13,
    pub(crate) rng: StdRng,
    pub(crate) rl: RecordLayer,
    pub(crate) flight: Option<OutFlight>,
    reasm: Reassembler,
    msg_epochs: BTreeMap<u16, u64>,
    /// Records of the server's current handshake flight, for a partial ACK (§7.1).
    pub(crate) hs_records: ReceivedRecords,
    /// Epoch-0 records of the server's current flight (HelloRetryRequest or ServerHello).
    pub(crate) plain_records: Vec<RecordNumber>,
    pub(crate) ack_at: Option<Instant>,
    pub(crate) state: State,
    pub(crate) next_msg_seq: u16,
    /// The epoch our alerts, ACKs and application data go out in.
    pub(crate) send_epoch: u64,
    out: VecDeque<Vec<u8>>,
    pub(crate) events: VecDeque<Event13>,
    app_in: VecDeque<Vec<u8>>,
    pending: Vec<Vec<u8>>,
    error: Option<Error>,
    pub(crate) peer_certs: Vec<Vec<u8>>,
    pub(crate) tickets: Vec<Ticket13>,
    /// The latest time given by the caller (for flights started from `send`).
    last_now: Instant,
    /// The handshake resumed with our ticket (PSK + ECDHE).
    pub(crate) resumed: bool,
    /// We sent close_notify: our write side is closed.
    pub(crate) write_closed: bool,
    /// The SRTP profile the server chose in EncryptedExtensions.
    pub(crate) srtp_profile: Option<u16>,
    /// The ALPN protocol the server chose in EncryptedExtensions.
    pub(crate) alpn: Option<Vec<u8>>,
}

impl Client13 {
    /// A client on `cfg` (trust store, verify mode and names, groups, signature schemes,
    /// MTU and timers are taken from it); its first flight is ready at once.
    pub fn new(cfg: Arc<Config>, opts: Options13, now: Instant) -> Result<Self, Error> {
        #[cfg(any(test, feature = "test-rng"))]
        let rng = match cfg.rng_seed {
            Some(seed) => StdRng::seed_from_u64(seed ^ 0x13),
            None => StdRng::from_entropy(),
        };
        #[cfg(not(any(test, feature = "test-rng")))]
        let rng = StdRng::from_entropy();
        let mut c = Client13 {
            cfg,
            opts,
            rng,
            rl: RecordLayer::default(),
            flight: None,
            reasm: Reassembler::new(),
            msg_epochs: BTreeMap::new(),
            hs_records: ReceivedRecords::default(),
            plain_records: Vec::new(),
            ack_at: None,
            state: State::Failed,
            next_msg_seq: 0,
            send_epoch: 0,
            out: VecDeque::new(),
            events: VecDeque::new(),
            app_in: VecDeque::new(),
            pending: Vec::new(),
            error: None,
            peer_certs: Vec::new(),
            tickets: Vec::new(),
            last_now: now,
            resumed: false,
            write_closed: false,
            srtp_profile: None,
            alpn: None,
        };
        c.state = c.start(now)?;
        Ok(c)
    }

    /// Processes one received datagram. Records that do not authenticate are dropped
    /// silently (RFC 9147 §4.5.2); a protocol violation in an authenticated record is
    /// fatal: the alert is queued and the error returned (and every later call fails).
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        self.check_alive()?;
        let mut undecryptable = Vec::new();
        self.last_now = now;
        let records = self.rl.open_datagram(datagram, &mut undecryptable);
        if self.rl.integrity_limit_reached {
            // RFC 9147 §4.5.3: too many forgeries under one key; close at once.
            let e = Error::alert(AlertDescription::BAD_RECORD_MAC, "AEAD integrity limit");
            return self.settle(Err(e));
        }
        for r in undecryptable {
            if self.pending.len() < MAX_PENDING_RECORDS && !self.state.is_established() {
                self.pending.push(r);
            }
        }
        let r = self
            .on_records(now, records)
            .and_then(|()| self.auto_key_update(now));
        self.settle(r)
    }

    fn on_records(&mut self, now: Instant, records: Vec<InRecord>) -> Result<(), Error> {
        let mut post_hs_acks = Vec::new();
        let mut resent = false;
        for rec in records {
            let installed = self.rl_epochs_snapshot();
            self.on_record(now, rec, &mut post_hs_acks, &mut resent)?;
            if self.rl_epochs_snapshot() != installed && !self.pending.is_empty() {
                // New receive keys: retry records that arrived before them.
                let pending = std::mem::take(&mut self.pending);
                let mut retried = Vec::new();
                for p in pending {
                    match self.rl.open_protected(&p) {
                        Some(r) => retried.push(r),
                        None => self.pending.push(p),
                    }
                }
                for r in retried {
                    self.on_record(now, r, &mut post_hs_acks, &mut resent)?;
                }
            }
        }
        if !post_hs_acks.is_empty() {
            // RFC 9147 §7: post-handshake messages are acknowledged at once.
            self.send_ack(post_hs_acks)?;
        }
        if self.state.awaits_server_flight() && !self.hs_records.is_empty() && self.ack_at.is_none()
        {
            // §7.1: a partial flight is acknowledged after a short delay so the server
            // resends only what is missing.
            self.ack_at = Some(now + self.cfg.initial_timeout / 4);
        }
        Ok(())
    }

    fn rl_epochs_snapshot(&self) -> (bool, bool) {
        (self.rl.has_recv(2), self.rl.has_recv(3))
    }

    fn on_record(
        &mut self,
        now: Instant,
        rec: InRecord,
        post_hs_acks: &mut Vec<RecordNumber>,
        resent: &mut bool,
    ) -> Result<(), Error> {
        let epoch = rec.rn.epoch;
        match rec.content_type {
            content::HANDSHAKE => {
                if epoch == 0 && !self.state.expects_plaintext() {
                    return Ok(()); // a stale or forged epoch-0 record (§4.5.2)
                }
                let mut old = false;
                for frag in parse_fragments(&rec.content) {
                    let (h, f) = frag.map_err(|e| {
                        Error::alert(AlertDescription::DECODE_ERROR, format!("{e}"))
                    })?;
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
                if epoch >= 3 {
                    post_hs_acks.push(rec.rn);
                } else if epoch == 2 && self.state.awaits_server_flight() {
                    self.hs_records.add(rec.rn);
                } else if epoch == 0 && self.plain_records.len() < MAX_PENDING_RECORDS {
                    self.plain_records.push(rec.rn);
                }
                while let Some((typ, seq, body)) = self.reasm.pop_message() {
                    let e = self.msg_epochs.remove(&seq).unwrap_or(epoch);
                    self.on_handshake_message(now, e, typ.0, &body)?;
                }
                if epoch == 0 && self.state.awaits_server_flight() {
                    // §7: the records that carried ServerHello belong to the server's
                    // flight; a partial ACK that omits them gets ServerHello resent.
                    for rn in self.plain_records.drain(..) {
                        self.hs_records.add(rn);
                    }
                }
                if old && epoch == 2 && !*resent {
                    // The server resent its flight: ours (Finished) was lost (§5.8.4).
                    *resent = true;
                    if let Some(f) = self.flight.as_mut().filter(|f| f.is_pending()) {
                        let mut dgrams = Vec::new();
                        f.transmit(&mut self.rl, now, self.cfg.mtu, false, &mut dgrams)?;
                        self.out.extend(dgrams);
                    }
                }
                Ok(())
            }
            content::ACK if epoch >= 2 => {
                let ack = Ack::decode(&rec.content)
                    .map_err(|e| Error::alert(AlertDescription::DECODE_ERROR, format!("{e}")))?;
                self.on_ack(&ack)
            }
            content::ALERT => self.on_alert(epoch, &rec.content),
            content::APPLICATION_DATA if epoch >= 3 && self.state.is_established() => {
                self.app_in.push_back(rec.content);
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

    fn on_alert(&mut self, epoch: u64, body: &[u8]) -> Result<(), Error> {
        if epoch == 0 && !self.state.expects_plaintext() {
            return Ok(());
        }
        let [_level, desc] = body else {
            return Err(Error::alert(AlertDescription::DECODE_ERROR, "alert length"));
        };
        if *desc == AlertDescription::CLOSE_NOTIFY.0 {
            self.events.push_back(Event13::PeerClosed);
            self.state = State::Closed;
            self.flight = None;
            self.ack_at = None;
            return Ok(());
        }
        Err(Error::AlertReceived(AlertDescription(*desc)))
    }

    fn on_ack(&mut self, ack: &Ack) -> Result<(), Error> {
        if let Some(f) = self.flight.as_mut() {
            f.on_ack(ack);
        }
        self.on_flight_acked()
    }

    /// Sends an ACK of `rns` in the current epoch.
    pub(crate) fn send_ack(&mut self, rns: Vec<RecordNumber>) -> Result<(), Error> {
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
        let mut f = OutFlight::new(msgs, cfg.mtu, timers)?;
        let mut dgrams = Vec::new();
        f.transmit(&mut self.rl, now, self.cfg.mtu, true, &mut dgrams)?;
        self.out.extend(dgrams);
        self.flight = Some(f);
        Ok(())
    }

    /// A handshake message of ours with the next message_seq.
    pub(crate) fn next_msg(&mut self, epoch: u64, msg_type: u8, body: Vec<u8>) -> OutMsg {
        let seq = self.next_msg_seq;
        self.next_msg_seq = self.next_msg_seq.wrapping_add(1);
        OutMsg {
            epoch,
            msg_type,
            seq,
            body,
        }
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let f = self.flight.as_ref().and_then(|f| f.deadline());
        match (f, self.ack_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Fires the timers that are due: a delayed ACK, a retransmission (§5.8).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.check_alive()?;
        self.last_now = now;
        let r = self
            .fire_timers(now)
            .and_then(|()| self.auto_key_update(now));
        self.settle(r)
    }

    fn fire_timers(&mut self, now: Instant) -> Result<(), Error> {
        if self.ack_at.is_some_and(|t| t <= now) {
            self.ack_at = None;
            if self.state.awaits_server_flight() && !self.hs_records.is_empty() {
                let rns = self.hs_records.to_ack().record_numbers;
                self.send_ack(rns)?;
            }
        }
        if let Some(f) = self.flight.as_mut() {
            if f.deadline().is_some_and(|t| t <= now) {
                let mut dgrams = Vec::new();
                f.transmit(&mut self.rl, now, self.cfg.mtu, false, &mut dgrams)?;
                self.out.extend(dgrams);
            }
        }
        Ok(())
    }

    /// Sends application data in one record of the current epoch.
    pub fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        self.check_alive()?;
        if !self.state.is_established() || self.send_epoch < 3 {
            return Err(Error::InvalidState("handshake not complete"));
        }
        if self.write_closed {
            return Err(Error::InvalidState("close_notify sent"));
        }
        let max = self
            .cfg
            .mtu
            .saturating_sub(super::record_layer::CIPHERTEXT_OVERHEAD);
        if data.len() > max {
            return Err(Error::MessageTooLarge { max });
        }
        let mut d = Vec::new();
        self.rl
            .seal(&mut d, self.send_epoch, content::APPLICATION_DATA, data)?;
        self.out.push_back(d);
        // The KeyUpdate flight's timer starts at the last time we were given.
        let r = self.auto_key_update(self.last_now);
        self.settle(r)
    }

    /// The next application record received.
    pub fn recv(&mut self) -> Option<Vec<u8>> {
        self.app_in.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<Event13> {
        self.events.pop_front()
    }

    /// Sends close_notify; nothing more is sent or accepted afterwards.
    /// Sends close_notify, which closes our write side (RFC 8446 §6.1): nothing more is
    /// sent, but the peer's data, KeyUpdate and close_notify are still received until it
    /// closes too. During the handshake it abandons the connection.
    pub fn close(&mut self) -> Result<(), Error> {
        self.check_alive()?;
        if self.write_closed {
            return Ok(());
        }
        self.queue_alert(1, AlertDescription::CLOSE_NOTIFY);
        self.write_closed = true;
        if !self.state.is_established() {
            self.state = State::Closed;
        }
        self.flight = None;
        self.ack_at = None;
        Ok(())
    }

    /// True once the handshake completed and neither side has closed.
    pub fn is_established(&self) -> bool {
        self.state.is_established() && !self.write_closed
    }

    /// True when the server accepted the offered ticket: the handshake was PSK + ECDHE,
    /// without the server's certificate (RFC 8446 §2.2).
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// The server's chain (leaf first): as received, or after a resumption the one the
    /// ticket's original connection authenticated.
    pub fn peer_certificates(&self) -> &[Vec<u8>] {
        &self.peer_certs
    }

    /// Tickets received (RFC 8446 §4.6.1), oldest first.
    pub fn tickets(&self) -> &[Ticket13] {
        &self.tickets
    }

    /// The first fatal error, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Records dropped because they failed authentication (RFC 9147 §4.5.3 counts them
    /// against the AEAD limit).
    pub fn records_failed(&self) -> u64 {
        self.rl.failed_records
    }

    /// Test support: counts `sealed` records against our sending key and `failed` ones
    /// against the newest receive key, to reach the AEAD limits (§4.5.3) in a test.
    #[cfg(any(test, feature = "test-rng"))]
    #[doc(hidden)]
    pub fn count_key_usage_for_test(&mut self, sealed: u64, failed: u64) {
        self.rl
            .count_usage_for_test(self.send_epoch, sealed, failed);
    }

    /// Our current sending epoch.
    pub fn send_epoch(&self) -> u64 {
        self.send_epoch
    }

    fn check_alive(&self) -> Result<(), Error> {
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
    fn settle(&mut self, r: Result<(), Error>) -> Result<(), Error> {
        if let Err(e) = &r {
            if let Some(a) = e.alert_to_send() {
                self.queue_alert(2, a);
            }
            self.error = Some(e.clone());
            self.state = State::Failed;
            self.flight = None;
            self.ack_at = None;
        }
        r
    }
}

impl std::fmt::Debug for Client13 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client13")
            .field("state", &self.state.name())
            .field("send_epoch", &self.send_epoch)
            .finish_non_exhaustive()
    }
}
