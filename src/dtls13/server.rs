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
use super::channel::{Channel13, Role13};
use super::channel_api::role13_api;
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
    /// Answer a client's `connection_id` (RFC 9146 §3, RFC 9147 §9) with a fresh random
    /// CID of ours of this many bytes (0..=20; 0: we send the client's CID but want none
    /// in its records). None: no CIDs.
    pub cid_len: Option<usize>,
    /// Answer with exactly this CID instead of a random one (0..=20 bytes; overrides
    /// `cid_len`), e.g. one that encodes routing data.
    pub cid: Option<Vec<u8>>,
    /// Host names we serve: a client's SNI naming one (ASCII case-insensitively) is
    /// acknowledged with an empty server_name in EncryptedExtensions (RFC 6066 §3,
    /// RFC 8446 §4.3.1); any other name is not acknowledged.
    pub server_names: Vec<String>,
    /// With the Config's ALPN protocols set and a client offering ALPN with none of them
    /// in common: abort with no_application_protocol (RFC 7301 §3.2) instead of
    /// answering without ALPN.
    pub alpn_required: bool,
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
            cid_len: None,
            cid: None,
            server_names: Vec::new(),
            alpn_required: false,
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
    /// Our CID for `connection_id` (ServerOptions13::cid_len), if any.
    pub(crate) own_cid: Option<Vec<u8>>,
    /// The host name the client sent as SNI.
    pub(crate) sni: Option<String>,
    /// The ALPN protocol we selected.
    pub(crate) alpn: Option<Vec<u8>>,
    /// The application's cookie callbacks: its cookie rides inside our HelloRetryRequest
    /// cookie (`hrr_cookie`).
    pub(crate) cookie_hooks: Option<Box<dyn crate::cookie::CookieHooks + Send>>,
    /// The application's ALPN selection hook (`server_ext.rs`).
    pub(crate) alpn_hook: Option<crate::alpn::AlpnSelectHook>,
    /// The application's ClientHello hook (`server_hook.rs`).
    pub(crate) client_hello_hook: Option<Box<dyn crate::ClientHelloHook>>,
    /// A ClientHello waiting for a paused hook: (message_seq, body, record number).
    pub(crate) parked_hello: Option<(u16, Vec<u8>, u64)>,
    /// The hook's server_name acknowledgement decision, when a hook ran.
    pub(crate) hook_sni_ack: Option<bool>,
    /// The last ticket we issued, as a client holds it (the session it resumes).
    pub(crate) issued: Option<super::client::Ticket13>,
    /// The client's supported_groups, in its order (OpenSSL's `SSL_get1_groups`).
    pub(crate) peer_groups: Vec<crate::enums::NamedGroup>,
}

role13_api!(Server13, SState, ServerEvent13, awaits_client_flight);

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
        let mut rng = rng;
        let own_cid = match &opts.cid {
            Some(c) if c.len() > super::connection_id::MAX_OWN_CID_LEN => {
                return Err(Error::Config(format!(
                    "CID length {} exceeds {}",
                    c.len(),
                    super::connection_id::MAX_OWN_CID_LEN
                )))
            }
            Some(c) => Some(c.clone()),
            None => opts
                .cid_len
                .map(|len| super::connection_id::fresh_own_cid(&mut rng, len))
                .transpose()?,
        };
        Ok(Server13 {
            opts,
            rng,
            ch: Channel13::new(cfg, SState::ExpectClientHello, now),
            suite: None,
            client_psk_dhe: false,
            plain_in_seq: 0,
            own_cid,
            sni: None,
            alpn: None,
            cookie_hooks: None,
            alpn_hook: None,
            client_hello_hook: None,
            parked_hello: None,
            hook_sni_ack: None,
            issued: None,
            peer_groups: Vec::new(),
        })
    }

    /// The negotiated suite (known from ServerHello on).
    pub fn suite(&self) -> Option<Suite13> {
        self.suite
    }

    /// The CID we answer `connection_id` with (known from the start, so a demultiplexer
    /// can route the client's protected records to this association by it).
    pub fn offered_cid(&self) -> Option<&[u8]> {
        self.own_cid.as_deref()
    }

    /// The host name the client asked for (SNI, RFC 6066 §3), if any.
    pub fn server_name(&self) -> Option<&str> {
        self.sni.as_deref()
    }

    /// The application protocol we selected (ALPN, RFC 7301), if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.alpn.as_deref()
    }

    /// The last ticket issued (RFC 8446 §4.6.1): what a client resuming the session
    /// holds.
    pub fn issued_ticket(&self) -> Option<&super::client::Ticket13> {
        self.issued.as_ref()
    }

    /// The handshake state's name (for logs and tests).
    pub fn state_name(&self) -> &'static str {
        self.ch.state.name()
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
            self.ch.resend_flight(now, resent)?;
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
