//! A sans-IO DTLS 1.3 client (RFC 9147 with RFC 8446's handshake), shaped like
//! [`crate::Connection`]: datagrams in through [`Client13::handle_datagram`], datagrams out
//! through [`Client13::poll_transmit`], time only as an argument. The per-state handling
//! lives in `client_states.rs`, EncryptedExtensions and the exporter in `client_ext.rs`,
//! post-handshake messages in `client_post.rs`, the hello in `client_hello.rs`. What both
//! roles share (record layer, flights, ACKs, KeyUpdate, close) is in `channel.rs` and
//! `key_update.rs`.

use std::sync::Arc;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::SeedableRng;

use super::ack::RecordNumber;
use super::channel::{self, Channel13, Events13, Phase13, Role13, MAX_PENDING_RECORDS};
use super::client_states::State;
use super::key_update::Established;
use super::messages::NewSessionTicket;
use super::record_layer::InRecord;
use super::record_protection::Suite13;
use crate::config::Config;
use crate::error::Error;

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
    pub(crate) opts: Options13,
    pub(crate) rng: StdRng,
    /// Record layer, flights, ACKs, queues and the handshake state.
    pub(crate) ch: Channel13<State, Event13>,
    /// Epoch-0 records of the server's current flight (HelloRetryRequest or ServerHello).
    pub(crate) plain_records: Vec<RecordNumber>,
    pub(crate) tickets: Vec<Ticket13>,
    /// The ALPN protocol the server chose in EncryptedExtensions.
    pub(crate) alpn: Option<Vec<u8>>,
}

impl Phase13 for State {
    fn closed() -> Self {
        State::Closed
    }
    fn failed() -> Self {
        State::Failed
    }
    fn is_established(&self) -> bool {
        State::is_established(self)
    }
    fn expects_plaintext(&self) -> bool {
        State::expects_plaintext(self)
    }
    fn awaits_peer_flight(&self) -> bool {
        self.awaits_server_flight()
    }
    fn established(&self) -> Option<&Established> {
        match self {
            State::Established(e) => Some(e),
            _ => None,
        }
    }
    fn established_mut(&mut self) -> Option<&mut Established> {
        match self {
            State::Established(e) => Some(e),
            _ => None,
        }
    }
}

impl Events13 for Event13 {
    fn peer_closed() -> Self {
        Event13::PeerClosed
    }
    fn send_key_updated(epoch: u64) -> Self {
        Event13::SendKeyUpdated(epoch)
    }
    fn recv_key_updated(epoch: u64) -> Self {
        Event13::RecvKeyUpdated(epoch)
    }
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
            opts,
            rng,
            ch: Channel13::new(cfg, State::Failed, now),
            plain_records: Vec::new(),
            tickets: Vec::new(),
            alpn: None,
        };
        c.ch.state = c.start(now)?;
        Ok(c)
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

    /// Fires the timers that are due: a delayed ACK, a retransmission (§5.8).
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
    pub fn poll_event(&mut self) -> Option<Event13> {
        self.ch.events.pop_front()
    }

    /// Sends close_notify, which closes our write side (RFC 8446 §6.1): nothing more is
    /// sent, but the peer's data, KeyUpdate and close_notify are still received until it
    /// closes too. During the handshake it abandons the connection.
    pub fn close(&mut self) -> Result<(), Error> {
        self.ch.close()
    }

    /// True once the handshake completed and neither side has closed.
    pub fn is_established(&self) -> bool {
        self.ch.is_established()
    }

    /// True when the server accepted the offered ticket: the handshake was PSK + ECDHE,
    /// without the server's certificate (RFC 8446 §2.2).
    pub fn resumed(&self) -> bool {
        self.ch.resumed
    }

    /// The server's chain (leaf first): as received, or after a resumption the one the
    /// ticket's original connection authenticated.
    pub fn peer_certificates(&self) -> &[Vec<u8>] {
        &self.ch.peer_certs
    }

    /// Tickets received (RFC 8446 §4.6.1), oldest first.
    pub fn tickets(&self) -> &[Ticket13] {
        &self.tickets
    }

    /// The first fatal error, if any.
    pub fn error(&self) -> Option<&Error> {
        self.ch.error.as_ref()
    }

    /// Records dropped because they failed authentication (RFC 9147 §4.5.3 counts them
    /// against the AEAD limit).
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

    /// Sends a KeyUpdate (RFC 8446 §4.6.3); our sending epoch moves on once it is
    /// acknowledged. Refused while another flight of ours is unacknowledged.
    pub fn key_update(&mut self, now: Instant, request_peer: bool) -> Result<(), Error> {
        self.ch.key_update(now, request_peer)
    }

    fn settle(&mut self, r: Result<(), Error>) -> Result<(), Error> {
        self.ch.settle(r)
    }
}

impl Role13 for Client13 {
    type State = State;
    type Event = Event13;

    fn ch(&mut self) -> &mut Channel13<State, Event13> {
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
            return Ok(()); // a stale or forged epoch-0 record (§4.5.2)
        }
        let old = self.ch.reassemble(epoch, &rec.content, false)?;
        if epoch >= 3 {
            acks.push(rec.rn);
        } else if epoch == 2 && self.ch.state.awaits_server_flight() {
            self.ch.hs_records.add(rec.rn);
        } else if epoch == 0 && self.plain_records.len() < MAX_PENDING_RECORDS {
            self.plain_records.push(rec.rn);
        }
        while let Some((e, _seq, typ, body)) = self.ch.next_message(epoch) {
            self.on_handshake_message(now, e, typ, &body)?;
        }
        if epoch == 0 && self.ch.state.awaits_server_flight() {
            // §7: the records that carried ServerHello belong to the server's
            // flight; a partial ACK that omits them gets ServerHello resent.
            for rn in self.plain_records.drain(..) {
                self.ch.hs_records.add(rn);
            }
        }
        if old && epoch == 2 && !*resent {
            // The server resent its flight: ours (Finished) was lost (§5.8.4).
            *resent = true;
            self.ch.resend_flight(now)?;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Client13 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client13")
            .field("state", &self.ch.state.name())
            .field("send_epoch", &self.ch.send_epoch)
            .finish_non_exhaustive()
    }
}
