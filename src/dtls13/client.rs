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
use super::channel::{Channel13, Role13, MAX_PENDING_RECORDS};
use super::channel_api::role13_api;
use super::client_states::State;
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
    /// Offer `connection_id` (RFC 9146 §3, RFC 9147 §9) with a fresh random CID of this
    /// many bytes (0..=20; 0: we send the server's CID but want none in its records).
    /// None: no CIDs.
    pub cid_len: Option<usize>,
    /// Offer exactly this CID instead of a random one (0..=20 bytes; overrides `cid_len`),
    /// e.g. the one a dual client's DTLS 1.2 hello carries.
    pub cid: Option<Vec<u8>>,
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
            cid_len: None,
            cid: None,
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
    /// The server answered with a HelloRetryRequest (RFC 8446 §4.1.4) carrying a cookie
    /// (RFC 9147 §5.1) and/or asking for a key share in `group`; ClientHello2 is sent.
    HelloRetryRequest {
        /// It carried a cookie, echoed in ClientHello2.
        cookie: bool,
        /// The group it asked for, if any.
        group: Option<u16>,
    },
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
    /// The verify result (`X509_V_*`) of that connection, which a resumption reports
    /// without verifying the chain again (as OpenSSL restores a session's
    /// `verify_result`). `None` when unknown (a session read back without one): the
    /// client then runs the verifier on `peer_certs` before offering the ticket.
    pub verify_code: Option<i32>,
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
    /// The CID we offer in `connection_id` (Options13::cid_len), if any.
    pub(crate) own_cid: Option<Vec<u8>>,
    /// The server acknowledged our SNI (empty server_name in EncryptedExtensions).
    pub(crate) sni_acked: bool,
    /// The server's supported_groups from EncryptedExtensions (informational, RFC 8446
    /// §4.2.7; OpenSSL's `SSL_get1_groups` on a client).
    pub(crate) peer_groups: Vec<crate::enums::NamedGroup>,
    /// The DTLS 1.2 offer merged into our ClientHello (a client offering both versions,
    /// `crate::version`): its random, session ID, suites and extensions.
    pub(crate) legacy: Option<crate::version::dual_hello::LegacyOffer>,
}

role13_api!(Client13, State, Event13, awaits_server_flight);

impl Client13 {
    /// A client on `cfg` (trust store, verify mode and names, groups, signature schemes,
    /// MTU and timers are taken from it); its first flight is ready at once.
    pub fn new(cfg: Arc<Config>, opts: Options13, now: Instant) -> Result<Self, Error> {
        Self::with_legacy(cfg, opts, now, None)
    }

    /// A client whose ClientHello also offers DTLS 1.2 with `legacy` (RFC 8446 §4.2.1:
    /// one hello, both versions in `supported_versions`).
    pub(crate) fn with_legacy(
        cfg: Arc<Config>,
        opts: Options13,
        now: Instant,
        legacy: Option<crate::version::dual_hello::LegacyOffer>,
    ) -> Result<Self, Error> {
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
            own_cid: None,
            sni_acked: false,
            peer_groups: Vec::new(),
            legacy,
        };
        let fixed = c.opts.cid.clone();
        let len = fixed.as_ref().map(Vec::len).or(c.opts.cid_len);
        if let Some(len) = len {
            let cid = match fixed {
                Some(cid) if cid.len() <= super::connection_id::MAX_OWN_CID_LEN => cid,
                _ => super::connection_id::fresh_own_cid(&mut c.rng, len)?,
            };
            // Until ServerHello says otherwise, the server's records carry it (RFC 9146 §3).
            c.ch.rl.add_own_cid(&cid)?;
            c.own_cid = Some(cid);
        }
        c.ch.state = c.start(now)?;
        Ok(c)
    }

    /// Tickets received (RFC 8446 §4.6.1), oldest first.
    pub fn tickets(&self) -> &[Ticket13] {
        &self.tickets
    }

    /// The verify result (`X509_V_*`) of the server's chain once known: from its
    /// Certificate, or on a resumption the ticket's (see [`Ticket13::verify_code`]).
    pub fn verify_result(&self) -> Option<i32> {
        self.ch.verify_code
    }

    /// The negotiated suite (known from ServerHello on).
    pub fn suite(&self) -> Option<Suite13> {
        match &self.ch.state {
            State::ExpectEncryptedExtensions(h)
            | State::ExpectCertificate(h)
            | State::ExpectCertificateVerify(h)
            | State::ExpectFinished(h) => Some(h.suite),
            State::Established(e) => Some(e.suite),
            _ => None,
        }
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
        if old && epoch == 2 {
            // The server resent its flight: ours (Finished) was lost (§5.8.4).
            self.ch.resend_flight(now, resent)?;
        }
        Ok(())
    }
}
