//! A sans-IO DTLS 1.3 server (RFC 9147 with RFC 8446's handshake), the counterpart of
//! [`super::client::Client13`]: datagrams in through [`Server13::handle_datagram`],
//! datagrams out through [`Server13::poll_transmit`], time only as an argument. The
//! handshake states live in `server_states.rs`, ClientHello processing and the stateless
//! HelloRetryRequest cookie in `server_hello.rs`, post-handshake messages in
//! `server_post.rs`.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::ack::{Ack, ReceivedRecords, RecordNumber};
use super::flight::{OutFlight, OutMsg};
use super::hello::msg_type as hs;
use super::record_layer::{content, InRecord, RecordLayer};
use super::record_protection::Suite13;
use super::server_states::SState;
use super::server_ticket::TicketKey13;
use crate::config::Config;
use crate::error::{AlertDescription, Error};
use crate::handshake::header::parse_fragments;
use crate::handshake::reassembly::{FragmentOutcome, Reassembler};

/// Undecryptable records kept until their keys arrive.
const MAX_PENDING_RECORDS: usize = 16;

/// Options of one server connection.
#[derive(Debug, Clone)]
pub struct ServerOptions13 {
    /// TLS 1.3 suites accepted, in our preference order (server preference).
    pub suites: Vec<Suite13>,
    /// Answer a ClientHello without a valid cookie with a stateless HelloRetryRequest
    /// carrying one (RFC 9147 §5.1 return-routability check). On by default, as OpenSSL's
    /// DTLS servers verify return-routability.
    pub cookie: bool,
    /// The peer's address (any stable encoding), bound into the cookie.
    pub peer_addr: Vec<u8>,
    /// Ask for a client certificate (RFC 8446 §4.3.2).
    pub request_client_cert: bool,
    /// Issue this many NewSessionTickets after the handshake (RFC 8446 §4.6.1), sealed
    /// with `ticket_key`.
    pub tickets: u8,
    /// The key our tickets are sealed with; without it no ticket is issued or accepted.
    /// Share one between connections for resumption to work.
    pub ticket_key: Option<Arc<TicketKey13>>,
}

impl Default for ServerOptions13 {
    fn default() -> Self {
        ServerOptions13 {
            suites: vec![
                Suite13::Aes128GcmSha256,
                Suite13::Aes256GcmSha384,
                Suite13::ChaCha20Poly1305Sha256,
            ],
            cookie: true,
            peer_addr: Vec::new(),
            request_client_cert: false,
            tickets: 0,
            ticket_key: None,
        }
    }
}

/// What happened, for the application.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent13 {
    /// We answered with a HelloRetryRequest: `true` when the return-routability check
    /// asked for it, `false` when only another key_share group was needed. Either way it
    /// carries the cookie that holds our state (RFC 9147 §5.1).
    HelloRetryRequest(bool),
    /// The client's Finished verified; application data may flow.
    HandshakeComplete,
    /// The client's certificate chain (leaf DER), when one was requested and sent.
    PeerCertificate(Vec<u8>),
    /// Our sending epoch moved on after our KeyUpdate was acknowledged (RFC 9147 §8).
    SendKeyUpdated(u64),
    /// The peer's KeyUpdate moved its sending epoch on.
    RecvKeyUpdated(u64),
    /// The peer sent close_notify.
    PeerClosed,
}

/// The DTLS 1.3 server.
pub struct Server13 {
    pub(crate) cfg: Arc<Config>,
    pub(crate) opts: ServerOptions13,
    pub(crate) rng: StdRng,
    pub(crate) rl: RecordLayer,
    pub(crate) flight: Option<OutFlight>,
    pub(crate) reasm: Reassembler,
    msg_epochs: BTreeMap<u16, u64>,
    /// Epoch-2 records of the client's final flight, acknowledged once it completes (§7).
    pub(crate) hs_records: ReceivedRecords,
    /// When a partial ACK of the client's final flight is due (§7.1).
    pub(crate) ack_at: Option<Instant>,
    pub(crate) state: SState,
    pub(crate) next_msg_seq: u16,
    /// The epoch our alerts, ACKs and application data go out in.
    pub(crate) send_epoch: u64,
    pub(crate) out: VecDeque<Vec<u8>>,
    pub(crate) events: VecDeque<ServerEvent13>,
    app_in: VecDeque<Vec<u8>>,
    pending: Vec<Vec<u8>>,
    error: Option<Error>,
    pub(crate) peer_certs: Vec<Vec<u8>>,
    last_now: Instant,
    /// The handshake resumed a ticket of ours (PSK + ECDHE).
    pub(crate) resumed: bool,
    /// We sent close_notify: our write side is closed.
    pub(crate) write_closed: bool,
    /// The negotiated suite.
    pub(crate) suite: Option<Suite13>,
    /// The client offered `psk_dhe_ke`: tickets are useful to it.
    pub(crate) client_psk_dhe: bool,
    /// Record number of the last epoch-0 handshake record (the ClientHello's), which our
    /// answer reuses (RFC 9147 §5.1).
    pub(crate) plain_in_seq: u64,
    /// The SRTP profile chosen for use_srtp (RFC 5764).
    pub(crate) srtp_profile: Option<u16>,
}

impl Server13 {
    /// A server on `cfg` (identity, groups, signature schemes, MTU, timers, cookie keys);
    /// it waits for a ClientHello.
    pub fn new(cfg: Arc<Config>, opts: ServerOptions13, now: Instant) -> Result<Self, Error> {
        if cfg.identity().is_none() {
            return Err(Error::Config("a DTLS 1.3 server needs an identity".into()));
        }
        #[cfg(any(test, feature = "test-rng"))]
        let rng = match cfg.rng_seed {
            Some(seed) => StdRng::seed_from_u64(seed ^ 0x5313),
            None => StdRng::from_entropy(),
        };
        #[cfg(not(any(test, feature = "test-rng")))]
        let rng = StdRng::from_entropy();
        Ok(Server13 {
            cfg,
            opts,
            rng,
            rl: RecordLayer::default(),
            flight: None,
            reasm: Reassembler::new(),
            msg_epochs: BTreeMap::new(),
            hs_records: ReceivedRecords::default(),
            ack_at: None,
            state: SState::ExpectClientHello,
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
            suite: None,
            client_psk_dhe: false,
            plain_in_seq: 0,
            srtp_profile: None,
        })
    }

    /// Processes one received datagram. Records that do not authenticate are dropped
    /// silently (RFC 9147 §4.5.2); a protocol violation in an authenticated record is
    /// fatal: the alert is queued and the error returned (and every later call fails).
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        self.check_alive()?;
        self.last_now = now;
        let mut undecryptable = Vec::new();
        let records = self.rl.open_datagram(datagram, &mut undecryptable);
        if self.rl.integrity_limit_reached {
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
            let installed = (self.rl.has_recv(2), self.rl.has_recv(3));
            self.on_record(now, rec, &mut post_hs_acks, &mut resent)?;
            if (self.rl.has_recv(2), self.rl.has_recv(3)) != installed && !self.pending.is_empty() {
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
        if !post_hs_acks.is_empty() && self.send_epoch >= 3 {
            // RFC 9147 §7: the client's final flight and post-handshake messages are
            // acknowledged at once.
            self.send_ack(post_hs_acks)?;
        }
        if self.state.awaits_client_flight() && !self.hs_records.is_empty() && self.ack_at.is_none()
        {
            // §7.1: part of the client's final flight arrived; acknowledge it after a short
            // delay so only what is missing is resent.
            self.ack_at = Some(now + self.cfg.initial_timeout / 4);
        }
        Ok(())
    }

    fn on_record(
        &mut self,
        now: Instant,
        rec: InRecord,
        acks: &mut Vec<RecordNumber>,
        resent: &mut bool,
    ) -> Result<(), Error> {
        let epoch = rec.rn.epoch;
        match rec.content_type {
            content::HANDSHAKE => {
                if epoch == 0 && !self.state.expects_plaintext() {
                    // A retransmitted ClientHello: our flight (ServerHello) was lost.
                    self.resend_flight(now, resent)?;
                    return Ok(());
                }
                let mut old = false;
                for frag in parse_fragments(&rec.content) {
                    let (h, f) = frag.map_err(|e| {
                        Error::alert(AlertDescription::DECODE_ERROR, format!("{e}"))
                    })?;
                    if epoch == 0 && h.msg_type.0 == hs::CLIENT_HELLO {
                        // Stateless after a HelloRetryRequest (§5.1): ClientHello2 comes
                        // with message_seq 1 to a server that remembers nothing.
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
                if epoch == 0 {
                    self.plain_in_seq = rec.rn.seq;
                }
                if epoch == 2 {
                    self.hs_records.add(rec.rn);
                } else if epoch >= 3 {
                    acks.push(rec.rn);
                }
                while let Some((typ, seq, body)) = self.reasm.pop_message() {
                    let e = self.msg_epochs.remove(&seq).unwrap_or(epoch);
                    self.on_handshake_message(now, e, seq, typ.0, &body)?;
                }
                if old && epoch == 2 && self.state.is_established() {
                    // The client resent its Finished flight: our ACK was lost (§7).
                    self.hs_records.add(rec.rn);
                    let rns = self.hs_records.to_ack().record_numbers;
                    acks.extend(rns);
                }
                Ok(())
            }
            content::ACK if epoch >= 2 => {
                let ack = Ack::decode(&rec.content)
                    .map_err(|e| Error::alert(AlertDescription::DECODE_ERROR, format!("{e}")))?;
                if let Some(f) = self.flight.as_mut() {
                    f.on_ack(&ack);
                }
                self.on_flight_acked()
            }
            content::ALERT => self.on_alert(epoch, &rec.content),
            content::APPLICATION_DATA if epoch >= 3 && self.state.is_established() => {
                self.app_in.push_back(rec.content);
                Ok(())
            }
            content::APPLICATION_DATA | content::ACK => Ok(()),
            _ => Err(Error::alert(
                AlertDescription::UNEXPECTED_MESSAGE,
                "unknown content type",
            )),
        }
    }

    /// Resends the unacknowledged part of our flight at most once per datagram.
    fn resend_flight(&mut self, now: Instant, resent: &mut bool) -> Result<(), Error> {
        if *resent {
            return Ok(());
        }
        *resent = true;
        if let Some(f) = self.flight.as_mut().filter(|f| f.is_pending()) {
            let mut dgrams = Vec::new();
            f.transmit(&mut self.rl, now, self.cfg.mtu, false, &mut dgrams)?;
            self.out.extend(dgrams);
        }
        Ok(())
    }

    fn on_alert(&mut self, epoch: u64, body: &[u8]) -> Result<(), Error> {
        if epoch == 0 && !self.state.expects_plaintext() {
            return Ok(());
        }
        let [_level, desc] = body else {
            return Err(Error::alert(AlertDescription::DECODE_ERROR, "alert length"));
        };
        if *desc == AlertDescription::CLOSE_NOTIFY.0 {
            self.events.push_back(ServerEvent13::PeerClosed);
            self.state = SState::Closed;
            self.flight = None;
            self.ack_at = None;
            return Ok(());
        }
        Err(Error::AlertReceived(AlertDescription(*desc)))
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

    /// Fires the timers that are due: a partial ACK, a retransmission (§5.8).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.check_alive()?;
        self.last_now = now;
        if self.ack_at.is_some_and(|t| t <= now) {
            self.ack_at = None;
            if self.state.awaits_client_flight() && !self.hs_records.is_empty() {
                let rns = self.hs_records.to_ack().record_numbers;
                let r = self.send_ack(rns);
                self.settle(r)?;
            }
        }
        let r = match self.flight.as_mut() {
            Some(f) if f.deadline().is_some_and(|t| t <= now) => {
                let mut dgrams = Vec::new();
                let r = f.transmit(&mut self.rl, now, self.cfg.mtu, false, &mut dgrams);
                self.out.extend(dgrams);
                r
            }
            _ => Ok(()),
        };
        let r = r.and_then(|()| self.auto_key_update(now));
        self.settle(r)
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
    pub fn poll_event(&mut self) -> Option<ServerEvent13> {
        self.events.pop_front()
    }

    /// Sends close_notify, which closes our write side (RFC 8446 §6.1); the peer's data
    /// and close_notify are still received. During the handshake it abandons it.
    pub fn close(&mut self) -> Result<(), Error> {
        self.check_alive()?;
        if self.write_closed {
            return Ok(());
        }
        self.queue_alert(1, AlertDescription::CLOSE_NOTIFY);
        self.write_closed = true;
        if !self.state.is_established() {
            self.state = SState::Closed;
        }
        self.flight = None;
        self.ack_at = None;
        Ok(())
    }

    /// True once the client's Finished verified and neither side has closed.
    pub fn is_established(&self) -> bool {
        self.state.is_established() && !self.write_closed
    }

    /// The negotiated suite (known from ServerHello on).
    pub fn suite(&self) -> Option<Suite13> {
        self.suite
    }

    /// True when the client resumed with one of our tickets (PSK + ECDHE).
    pub fn resumed(&self) -> bool {
        self.resumed
    }

    /// The client's chain (leaf first), when one was requested and sent.
    pub fn peer_certificates(&self) -> &[Vec<u8>] {
        &self.peer_certs
    }

    /// The first fatal error, if any.
    pub fn error(&self) -> Option<&Error> {
        self.error.as_ref()
    }

    /// Records dropped because they failed authentication (RFC 9147 §4.5.3).
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

    /// The handshake state's name (for logs and tests).
    pub fn state_name(&self) -> &'static str {
        self.state.name()
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
            self.state = SState::Failed;
            self.flight = None;
            self.ack_at = None;
        }
        r
    }
}

impl std::fmt::Debug for Server13 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server13")
            .field("state", &self.state.name())
            .field("send_epoch", &self.send_epoch)
            .finish_non_exhaustive()
    }
}
