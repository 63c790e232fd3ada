//! The DTLS 1.2 connection state machine shared by both roles: the `Machine` struct, its
//! constructors and the state it keeps. Its behaviour is split by concern under `machine/`:
//! `intake` (datagrams in, RFC 6347 §4.1), `verdicts` (alerts and unauthenticated input,
//! RFC 5246 §7.2), `flights` (flights and timers, RFC 6347 §4.2.4), `keys` (RFC 5246 §6.3,
//! §8.1), `output` (datagrams and application data out) and `getters`. Role-specific message
//! handling lives in `client.rs` and `server.rs` (one handler per expected message); where a
//! handshake is lives in `lifecycle.rs` and `step.rs`.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use super::flight::RetransmitTimer;
use super::lifecycle::{Handshake, Lifecycle};
use super::reassembly::Reassembler;
use super::step::Step;
use crate::client_hello_hook::ClientHelloHook;
use crate::config::Config;
use crate::connection::{ClientOptions, Event, Stats};
use crate::cookie::CookieHooks;
use crate::enums::{NamedGroup, SignatureScheme};
use crate::error::Error;
use crate::pki::verifier::CertVerifier;
use crate::record::layer::RecordLayer;

/// Most application data records buffered before `recv` drains them; beyond it new records
/// are dropped (the application is not reading; DTLS may lose data). The real bound is
/// [`crate::input_policy::MAX_BUFFERED_APP_BYTES`]; this one only caps the per-record bookkeeping of
/// tiny records, high enough that a datagram packed with small records (a memory BIO hands
/// out everything written to it at once) is delivered whole.
pub const MAX_BUFFERED_APP_RECORDS: usize = 1024;
/// Fallback path MTU after repeated timeouts (RFC 6347 §4.1.1.1: back off to a smaller size).
pub const FALLBACK_MTU: usize = 548;

/// The data-free tag of a handshake step (defined with [`Step`]).
pub(crate) use super::step::State;

/// What the latest handshake negotiated: the parameters the getters (the C layer's
/// `SSL_get_*`) read in every state, failed included (`SSL_get_verify_result` after a
/// refused certificate), and what a renegotiation builds on (RFC 5746). Each field is
/// meaningful from the message named on it on; before, it holds its empty default, as
/// OpenSSL's getters report. What only a running handshake needs lives in
/// [`Handshake`] and its [`Step`]s instead, and is freed with them.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Negotiated {
    /// From the ClientHello (client: at creation; a renegotiation draws a new one).
    pub client_random: [u8; 32],
    /// From the ServerHello.
    pub server_random: [u8; 32],
    /// From the ServerHello (empty: not resumable).
    pub session_id: Vec<u8>,
    /// From the ServerHello: the cipher suite. The master secret is not here: it lives in
    /// the steps after the key exchange, then in the established connection
    /// (`agreement.rs`).
    pub suite: Option<&'static crate::crypto::suites::CipherSuite>,
    /// From ServerKeyExchange (client) or the server's choice; none for plain PSK and
    /// resumption.
    pub group: Option<NamedGroup>,
    /// From the peer's Certificate, or the resumed session.
    pub peer_certs: Vec<Vec<u8>>,
    /// From ServerKeyExchange (client) or CertificateVerify (server).
    pub peer_sig_scheme: Option<SignatureScheme>,
    /// From the ServerHello (RFC 7627 §5.2).
    pub ems: bool,
    /// From the ServerHello: an abbreviated handshake (RFC 5246 §7.3).
    pub resumed: bool,
    /// From the peer's Certificate (X509_V_OK until then, as OpenSSL), or the resumed
    /// session.
    pub verify_result: i32,
    /// Client: the name asked for; server: from the ClientHello (RFC 6066 §3).
    pub server_name: Option<String>,
    /// Our Finished verify_data, from when we send it (RFC 5246 §7.4.9).
    pub local_finished: Vec<u8>,
    /// The peer's Finished verify_data, from when it verified.
    pub peer_finished: Vec<u8>,
    /// From the hellos: both sides support secure renegotiation (RFC 5746 §3.4, §3.6).
    pub secure_renegotiation: bool,
    /// The negotiated SRTP protection profile (RFC 5764 §4.1.1).
    pub srtp_profile: Option<u16>,
    /// The negotiated ALPN protocol (RFC 7301 §3.1).
    pub alpn: Option<Vec<u8>>,
    /// PSK suites: identity and hint (crate::handshake::psk_flow).
    pub psk: super::psk_flow::PskNegotiated,
    /// Both CIDs, when both hellos carried `connection_id` (RFC 9146 §3).
    pub cid: Option<crate::cid::ConnectionIds>,
    /// What only one role learns: a client's data cannot be set on a server.
    pub role: RoleNegotiated,
}

/// What only one role learns from the peer's messages.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) enum RoleNegotiated {
    Client {
        /// From the server's CertificateRequest: its CA names (RFC 5246 §7.4.4).
        peer_ca_names: Vec<Vec<u8>>,
        /// From the initial handshake's HelloVerifyRequest (RFC 6347 §4.2.1): its cookie,
        /// repeated in a renegotiating ClientHello (`client_hello_body`).
        initial_cookie: Vec<u8>,
    },
    Server {
        /// From the ClientHello: the client offered a session ID the session cache did
        /// not have.
        session_cache_miss: bool,
        /// From the ClientHello: the client's supported_groups, in its order
        /// (RFC 8422 §5.1.1).
        peer_groups: Vec<NamedGroup>,
    },
}

impl Negotiated {
    /// Nothing negotiated yet, for a client or a server.
    fn new(is_client: bool) -> Self {
        Self {
            client_random: [0; 32],
            server_random: [0; 32],
            session_id: Vec::new(),
            suite: None,
            group: None,
            peer_certs: Vec::new(),
            peer_sig_scheme: None,
            ems: false,
            resumed: false,
            verify_result: 0,
            server_name: None,
            local_finished: Vec::new(),
            peer_finished: Vec::new(),
            secure_renegotiation: false,
            srtp_profile: None,
            alpn: None,
            psk: Default::default(),
            cid: None,
            role: if is_client {
                RoleNegotiated::Client {
                    peer_ca_names: Vec::new(),
                    initial_cookie: Vec::new(),
                }
            } else {
                RoleNegotiated::Server {
                    session_cache_miss: false,
                    peer_groups: Vec::new(),
                }
            },
        }
    }

    /// Client: the CA names of the server's CertificateRequest (empty on a server).
    pub fn peer_ca_names(&self) -> &[Vec<u8>] {
        match &self.role {
            RoleNegotiated::Client { peer_ca_names, .. } => peer_ca_names,
            RoleNegotiated::Server { .. } => &[],
        }
    }

    /// Client: records the CA names of the server's CertificateRequest.
    pub fn set_peer_ca_names(&mut self, names: Vec<Vec<u8>>) {
        if let RoleNegotiated::Client { peer_ca_names, .. } = &mut self.role {
            *peer_ca_names = names;
        }
    }

    /// Client: the initial handshake's HelloVerifyRequest cookie (empty on a server).
    pub fn initial_cookie(&self) -> &[u8] {
        match &self.role {
            RoleNegotiated::Client { initial_cookie, .. } => initial_cookie,
            RoleNegotiated::Server { .. } => &[],
        }
    }

    /// Client: records the initial handshake's HelloVerifyRequest cookie.
    pub fn set_initial_cookie(&mut self, cookie: &[u8]) {
        if let RoleNegotiated::Client { initial_cookie, .. } = &mut self.role {
            *initial_cookie = cookie.to_vec();
        }
    }

    /// Server: the client's supported_groups (empty on a client).
    pub fn peer_groups(&self) -> &[NamedGroup] {
        match &self.role {
            RoleNegotiated::Server { peer_groups, .. } => peer_groups,
            RoleNegotiated::Client { .. } => &[],
        }
    }

    /// Server: records the client's supported_groups.
    pub fn set_peer_groups(&mut self, groups: Vec<NamedGroup>) {
        if let RoleNegotiated::Server { peer_groups, .. } = &mut self.role {
            *peer_groups = groups;
        }
    }

    /// Server: the session cache did not have the session the client offered.
    pub fn session_cache_miss(&self) -> bool {
        matches!(
            self.role,
            RoleNegotiated::Server {
                session_cache_miss: true,
                ..
            }
        )
    }

    /// Server: records a session cache miss.
    pub fn set_session_cache_miss(&mut self) {
        if let RoleNegotiated::Server {
            session_cache_miss, ..
        } = &mut self.role
        {
            *session_cache_miss = true;
        }
    }
}

#[cfg(feature = "fuzzing")]
#[path = "fuzz_copy.rs"]
mod fuzz_copy;

mod advance;
mod flights;
mod getters;
mod intake;
mod keys;
mod output;
mod verdicts;

/// One received application data record, kept in the buffer it was decrypted in.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct AppRecord {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

/// A received datagram: borrowed (copied into a pooled buffer), owned by the engine, or
/// lent for in-place decryption with a destination for its application data.
enum Input<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
    Lent(&'a mut [u8], &'a mut [u8]),
}

impl Input<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Input::Borrowed(b) => b,
            Input::Owned(b) => b,
            Input::Lent(b, _) => b,
        }
    }
}

/// The engine behind [`crate::Connection`].
pub struct Machine {
    pub(crate) config: Arc<Config>,
    pub(crate) is_client: bool,
    /// Handshaking, established, closing or failed, each with its own data.
    pub(crate) life: Lifecycle,
    pub(crate) records: RecordLayer,
    pub(crate) reasm: Reassembler,
    pub(crate) hs: Negotiated,
    /// Client: the application's options; the session offered for resumption is dropped
    /// when the handshake ends (`free_handshake_state`).
    pub(crate) opts: ClientOptions,
    pub(crate) peer_addr: Vec<u8>,
    pub(crate) rng: StdRng,
    /// A 1.3-capable client's merged ClientHello (DTLS 1.3 + 1.2 offer, built in
    /// `crate::version`), sent in place of our own 1.2 hello; also arms the RFC 8446
    /// §4.1.3 downgrade check. On a server: put the downgrade sentinel in our random.
    pub(crate) dual_hello: Option<Vec<u8>>,
    pub(crate) downgrade_sentinel: bool,
    timer_hook: Option<Box<dyn FnMut(u32) -> u32 + Send>>,
    out_queue: VecDeque<Vec<u8>>,
    pool: Vec<Vec<u8>>,
    app_in: VecDeque<AppRecord>,
    /// Memory held by `app_in` (buffer capacities), bounded by MAX_BUFFERED_APP_BYTES.
    app_in_bytes: usize,
    events: VecDeque<Event>,
    mtu: usize,
    stats: Stats,
    pub(crate) verifier: Option<Box<dyn CertVerifier>>,
    pub(crate) cookie_hooks: Option<Box<dyn CookieHooks + Send>>,
    /// Server: the application's ClientHello hook (crate::client_hello_hook).
    pub(crate) client_hello_hook: Option<Box<dyn ClientHelloHook>>,
    /// Server: the application's external session store (crate::session::SessionLookupHook).
    pub(crate) session_lookup_hook: Option<crate::session::SessionLookupHook>,
    /// Server: the configuration the session cache and session ID context come from, when
    /// the ClientHello hook replaced `config` (a session stays with the cache it was looked
    /// up in).
    pub(crate) session_home: Option<Arc<Config>>,
    pub(crate) alpn_hook: Option<crate::alpn::AlpnSelectHook>,
    pub(crate) now: Instant,
    /// Epoch and sequence number of the newest record that authenticated (RFC 9146 §6).
    newest_authenticated: Option<(u16, u64)>,
    /// The last datagram held a record that authenticated and was newer than any before:
    /// only then may a peer's new address be adopted (RFC 9146 §6).
    last_datagram_newest: bool,
    /// Who may renegotiate (crate::handshake::renegotiation).
    pub(crate) reneg_policy: super::renegotiation::RenegotiationPolicy,
    /// Renegotiation handshakes started so far (either side).
    pub(crate) renegotiations: u64,
    /// When the previous, protected read epoch stops being accepted after a renegotiation
    /// (RFC 6347 §4.1: kept for reordered records, `input_policy::PREVIOUS_EPOCH_LINGER`).
    pub(crate) prev_read_retire_at: Option<Instant>,
}

/// A connection's RNG, seeded from the thread's CSPRNG (rand's `ThreadRng`: ChaCha12,
/// seeded and periodically reseeded from the OS, reseeded after `fork`), not from the OS
/// directly: a `getrandom` system call per connection costs more than the rest of what
/// creating one does.
fn connection_rng() -> StdRng {
    match StdRng::from_rng(rand::thread_rng()) {
        Ok(r) => r,
        Err(_) => StdRng::from_entropy(),
    }
}

impl Machine {
    fn new(config: Arc<Config>, now: Instant, is_client: bool) -> Self {
        #[cfg(any(test, feature = "test-rng"))]
        let rng = match config.rng_seed {
            Some(seed) => StdRng::seed_from_u64(seed ^ u64::from(is_client)),
            None => connection_rng(),
        };
        #[cfg(not(any(test, feature = "test-rng")))]
        let rng = connection_rng();
        let timer = RetransmitTimer::new(config.initial_timeout, config.max_timeout);
        let mtu = config.mtu;
        let reneg_policy = config.renegotiation;
        Self {
            config,
            is_client,
            life: Lifecycle::handshaking(
                if is_client {
                    Step::client_start()
                } else {
                    Step::server_start()
                },
                timer,
            ),
            records: RecordLayer::new(),
            reasm: Reassembler::new(),
            hs: Negotiated::new(is_client),
            opts: ClientOptions::default(),
            peer_addr: Vec::new(),
            rng,
            dual_hello: None,
            downgrade_sentinel: false,
            timer_hook: None,
            out_queue: VecDeque::new(),
            pool: Vec::new(),
            app_in: VecDeque::new(),
            app_in_bytes: 0,
            events: VecDeque::new(),
            mtu,
            stats: Stats::default(),
            verifier: None,
            cookie_hooks: None,
            client_hello_hook: None,
            session_lookup_hook: None,
            session_home: None,
            alpn_hook: None,
            now,
            newest_authenticated: None,
            last_datagram_newest: false,
            reneg_policy,
            renegotiations: 0,
            prev_read_retire_at: None,
        }
    }

    /// A client; queues the first ClientHello.
    pub fn client(config: Arc<Config>, now: Instant, opts: ClientOptions) -> Result<Self, Error> {
        if config.suites.is_empty() {
            return Err(Error::Config("no cipher suites".into()));
        }
        crate::version::check_client(&config, &opts)?;
        let mut m = Self::client_unsent(config, now, opts);
        m.client_send_hello(now)?;
        Ok(m)
    }

    /// A client whose ClientHello is not sent yet (a 1.3-capable client builds its merged
    /// hello from [`Machine::client_hello_body`]); the caller checked the configuration.
    pub(crate) fn client_unsent(config: Arc<Config>, now: Instant, opts: ClientOptions) -> Self {
        let mut m = Self::new(config, now, true);
        m.opts = opts;
        m.hs.server_name = m.opts.server_name.clone();
        m.rng.fill_bytes(&mut m.hs.client_random);
        m
    }

    /// A server for `peer_addr`; waits for a ClientHello.
    pub fn server(config: Arc<Config>, now: Instant, peer_addr: &[u8]) -> Self {
        let mut m = Self::new(config, now, false);
        m.peer_addr = peer_addr.to_vec();
        m
    }

    /// The running handshake's data; an error once it ended.
    pub(crate) fn hsk(&mut self) -> Result<&mut Handshake, Error> {
        self.life
            .handshake_mut()
            .ok_or(Error::InvalidState("handshake not running"))
    }

    /// Queues a datagram built outside the flight machinery (HelloVerifyRequest).
    pub(crate) fn push_datagram(&mut self, dg: Vec<u8>) {
        self.out_queue.push_back(dg);
    }

    /// Counts one dropped input that no record-layer counter covers.
    pub(crate) fn stats_dropped(&mut self) {
        self.stats.records_dropped += 1;
    }

    pub(crate) fn set_record_write_sequence(&mut self, seq: u64) {
        self.records.set_next_write_sequence(seq);
    }

    /// A 1.3-capable client's server answered in 1.2 (`crate::version`): take over with
    /// the merged hello that was sent (`dual`) as our ClientHello, as if we had sent it;
    /// our epoch-0 records continue after the 1.3 client's (`next_record_seq`); the 1.3
    /// client's events not yet polled (`carried`, which report that hello) come first.
    pub(crate) fn adopt_sent_hello(
        &mut self,
        now: Instant,
        dual: Vec<u8>,
        next_record_seq: u64,
        carried: impl IntoIterator<Item = Event>,
    ) -> Result<(), Error> {
        self.dual_hello = Some(dual);
        self.client_send_hello(now)?;
        self.out_queue.clear();
        self.events.clear();
        self.events.extend(carried);
        self.records.set_next_write_sequence(next_record_seq);
        Ok(())
    }

    /// The application hook set on this connection that our DTLS 1.3 path does not use,
    /// if any: with one, the connection stays on 1.2 (`crate::version`).
    pub(crate) fn tls13_hook_blocker(&self) -> Option<&'static str> {
        // Cookie hooks ride inside the 1.3 HelloRetryRequest cookie (dtls13::hrr_cookie),
        // the ALPN select hook answers in EncryptedExtensions (dtls13::server_ext), the
        // ClientHello hook runs on the 1.3 server too (dtls13::server_hook).
        // The session lookup hook (SSL_CTX_sess_set_get_cb) is not a blocker: OpenSSL
        // consults it only for session-ID resumption, which TLS/DTLS 1.3 does not have
        // (RFC 8446 §2.2: resumption is by PSK; our 1.3 tickets are stateless, sealed
        // with the Config's ticket key), so a 1.3 server never calls it, as OpenSSL's
        // with its default stateless TLS 1.3 tickets (it consults the external cache only
        // for the stateful tickets of SSL_OP_NO_TICKET, which rdtls does not issue).
        (self.hs.psk.provider.is_some() || self.opts.psk.is_some()).then_some("PSK-callback suites")
    }

    /// The application's ClientHello hook, for the 1.3 server that takes over.
    pub(crate) fn take_client_hello_hook(&mut self) -> Option<Box<dyn ClientHelloHook>> {
        self.client_hello_hook.take()
    }

    /// The application's ALPN selection hook, for the 1.3 server that takes over.
    pub(crate) fn take_alpn_hook(&mut self) -> Option<crate::alpn::AlpnSelectHook> {
        self.alpn_hook.take()
    }

    /// The application's cookie hooks, for the 1.3 server that takes over.
    pub(crate) fn take_cookie_hooks(&mut self) -> Option<Box<dyn CookieHooks + Send>> {
        self.cookie_hooks.take()
    }

    /// The application's timer hook, for the 1.3 server that takes over (`crate::version`).
    pub(crate) fn take_timer_hook(&mut self) -> Option<Box<dyn FnMut(u32) -> u32 + Send>> {
        self.timer_hook.take()
    }
}

/// Lowercase hex, for key log lines.
pub(crate) fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(D[usize::from(x >> 4)] as char);
        s.push(D[usize::from(x & 15)] as char);
    }
    s
}
