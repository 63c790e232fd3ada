//! A sans-IO DTLS 1.3 server (RFC 9147 with RFC 8446's handshake), the counterpart of
//! [`super::client::Client13`]: datagrams in through [`Server13::handle_datagram`],
//! datagrams out through [`Server13::poll_transmit`], time only as an argument. The
//! handshake states live in `server_states.rs`, ClientHello processing and the stateless
//! HelloRetryRequest cookie in `server_hello.rs`, tickets in `server_ticket.rs`. What both
//! roles share (record layer, flights, ACKs, KeyUpdate, close) is in `channel.rs` and
//! `key_update.rs`.

use std::sync::Arc;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::ack::RecordNumber;
use super::channel::{self, Channel13, Events13, Phase13, Role13};
use super::key_update::Established;
use super::record_layer::InRecord;
use super::record_protection::Suite13;
use super::server_states::SState;
use super::server_ticket::TicketKey13;
use crate::config::Config;
use crate::error::Error;

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
    pub(crate) opts: ServerOptions13,
    pub(crate) rng: StdRng,
    /// Record layer, flights, ACKs, queues and the handshake state.
    pub(crate) ch: Channel13<SState, ServerEvent13>,
    /// The negotiated suite.
    pub(crate) suite: Option<Suite13>,
    /// The client offered `psk_dhe_ke`: tickets are useful to it.
    pub(crate) client_psk_dhe: bool,
    /// Record number of the last epoch-0 handshake record (the ClientHello's), which our
    /// answer reuses (RFC 9147 §5.1).
    pub(crate) plain_in_seq: u64,
}

impl Phase13 for SState {
    fn closed() -> Self {
        SState::Closed
    }
    fn failed() -> Self {
        SState::Failed
    }
    fn is_established(&self) -> bool {
        SState::is_established(self)
    }
    fn expects_plaintext(&self) -> bool {
        SState::expects_plaintext(self)
    }
    fn awaits_peer_flight(&self) -> bool {
        self.awaits_client_flight()
    }
    fn established(&self) -> Option<&Established> {
        match self {
            SState::Established(e) => Some(e),
            _ => None,
        }
    }
    fn established_mut(&mut self) -> Option<&mut Established> {
        match self {
            SState::Established(e) => Some(e),
            _ => None,
        }
    }
}

impl Events13 for ServerEvent13 {
    fn peer_closed() -> Self {
        ServerEvent13::PeerClosed
    }
    fn send_key_updated(epoch: u64) -> Self {
        ServerEvent13::SendKeyUpdated(epoch)
    }
    fn recv_key_updated(epoch: u64) -> Self {
        ServerEvent13::RecvKeyUpdated(epoch)
    }
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
            opts,
            rng,
            ch: Channel13::new(cfg, SState::ExpectClientHello, now),
            suite: None,
            client_psk_dhe: false,
            plain_in_seq: 0,
        })
    }

    /// Processes one received datagram. Records that do not authenticate are dropped
    /// silently (RFC 9147 §4.5.2); a protocol violation in an authenticated record is
    /// fatal: the alert is queued and the error returned (and every later call fails).
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        self.ch.check_alive()?;
        let r = self
            .ch
            .open_datagram(now, datagram)
            .and_then(|records| channel::on_records(self, now, records))
            .and_then(|()| self.ch.auto_key_update(now));
        self.settle(r)
    }

    /// The next datagram to send.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        self.ch.out.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) must be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.ch.poll_timeout()
    }

    /// Fires the timers that are due: a partial ACK, a retransmission (§5.8).
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.ch.check_alive()?;
        let r = self
            .ch
            .fire_timers(now)
            .and_then(|()| self.ch.auto_key_update(now));
        self.settle(r)
    }

    /// Sends application data in one record of the current epoch.
    pub fn send(&mut self, data: &[u8]) -> Result<(), Error> {
        self.ch.seal_app_data(data)?;
        // The KeyUpdate flight's timer starts at the last time we were given.
        let r = self.ch.auto_key_update(self.ch.last_now);
        self.ch.settle(r)
    }

    /// The next application record received.
    pub fn recv(&mut self) -> Option<Vec<u8>> {
        self.ch.app_in.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<ServerEvent13> {
        self.ch.events.pop_front()
    }

    /// Sends close_notify, which closes our write side (RFC 8446 §6.1); the peer's data
    /// and close_notify are still received. During the handshake it abandons it.
    pub fn close(&mut self) -> Result<(), Error> {
        self.ch.close()
    }

    /// True once the client's Finished verified and neither side has closed.
    pub fn is_established(&self) -> bool {
        self.ch.is_established()
    }

    /// The negotiated suite (known from ServerHello on).
    pub fn suite(&self) -> Option<Suite13> {
        self.suite
    }

    /// True when the client resumed with one of our tickets (PSK + ECDHE).
    pub fn resumed(&self) -> bool {
        self.ch.resumed
    }

    /// The client's chain (leaf first), when one was requested and sent.
    pub fn peer_certificates(&self) -> &[Vec<u8>] {
        &self.ch.peer_certs
    }

    /// The first fatal error, if any.
    pub fn error(&self) -> Option<&Error> {
        self.ch.error.as_ref()
    }

    /// Records dropped because they failed authentication (RFC 9147 §4.5.3).
    pub fn records_failed(&self) -> u64 {
        self.ch.rl.failed_records
    }

    /// Test support: counts `sealed` records against our sending key and `failed` ones
    /// against the newest receive key, to reach the AEAD limits (§4.5.3) in a test.
    #[cfg(any(test, feature = "test-rng"))]
    #[doc(hidden)]
    pub fn count_key_usage_for_test(&mut self, sealed: u64, failed: u64) {
        self.ch
            .rl
            .count_usage_for_test(self.ch.send_epoch, sealed, failed);
    }

    /// Our current sending epoch.
    pub fn send_epoch(&self) -> u64 {
        self.ch.send_epoch
    }

    /// The handshake state's name (for logs and tests).
    pub fn state_name(&self) -> &'static str {
        self.ch.state.name()
    }

    /// Sends a KeyUpdate (RFC 8446 §4.6.3); our sending epoch moves on once it is
    /// acknowledged. Refused while another flight of ours is unacknowledged.
    pub fn key_update(&mut self, now: Instant, request_peer: bool) -> Result<(), Error> {
        self.ch.key_update(now, request_peer)
    }

    fn settle(&mut self, r: Result<(), Error>) -> Result<(), Error> {
        self.ch.settle(r)
    }
}

impl Role13 for Server13 {
    type State = SState;
    type Event = ServerEvent13;

    fn ch(&mut self) -> &mut Channel13<SState, ServerEvent13> {
        &mut self.ch
    }

    fn on_handshake_record(
        &mut self,
        now: Instant,
        rec: InRecord,
        acks: &mut Vec<RecordNumber>,
        resent: &mut bool,
    ) -> Result<(), Error> {
        let epoch = rec.rn.epoch;
        if epoch == 0 && !self.ch.state.expects_plaintext() {
            // A retransmitted ClientHello: our flight (ServerHello) was lost.
            if !*resent {
                *resent = true;
                self.ch.resend_flight(now)?;
            }
            return Ok(());
        }
        // Stateless after a HelloRetryRequest (§5.1): ClientHello2 restarts reassembly.
        let old = self.ch.reassemble(epoch, &rec.content, true)?;
        if epoch == 0 {
            self.plain_in_seq = rec.rn.seq;
        }
        if epoch == 2 {
            self.ch.hs_records.add(rec.rn);
        } else if epoch >= 3 {
            acks.push(rec.rn);
        }
        while let Some((e, seq, typ, body)) = self.ch.next_message(epoch) {
            self.on_handshake_message(now, e, seq, typ, &body)?;
        }
        if old && epoch == 2 && self.ch.state.is_established() {
            // The client resent its Finished flight: our ACK was lost (§7).
            self.ch.hs_records.add(rec.rn);
            let rns = self.ch.hs_records.to_ack().record_numbers;
            acks.extend(rns);
        }
        Ok(())
    }
}

impl std::fmt::Debug for Server13 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server13")
            .field("state", &self.ch.state.name())
            .field("send_epoch", &self.ch.send_epoch)
            .finish_non_exhaustive()
    }
}
