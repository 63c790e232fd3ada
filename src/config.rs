//! Shared, immutable-once-built configuration for clients and servers.

use std::sync::Arc;
use std::time::Duration;

use crate::cookie::CookieKeys;
use crate::crypto::suites::{CipherSuite, DEFAULT_SUITES};
use crate::dtls13::record_protection::Suite13;
pub use crate::dtls13::server_ticket::TicketKey13;
use crate::enums::{NamedGroup, SignatureScheme};
use crate::error::Error;
use crate::handshake::messages::Certificate;
use crate::pki::keys::SigningKey;
use crate::pki::verifier::{CertVerifier, WebpkiVerifier};
use crate::pki::verify::TrustStore;
use crate::session::cache::SessionCache;

/// Default path MTU: bytes of UDP payload per datagram (RFC 6347 §4.1.1.1).
pub const DEFAULT_MTU: usize = 1400;
/// Smallest MTU we accept; below it a ClientHello with a certificate chain cannot progress.
pub const MIN_MTU: usize = 256;
/// Initial retransmission timer (RFC 6347 §4.2.4.1 recommends 1 s).
pub const DEFAULT_INITIAL_TIMEOUT: Duration = Duration::from_secs(1);
/// Retransmission timer cap (RFC 6347 §4.2.4.1: "at least 60 seconds").
pub const DEFAULT_MAX_TIMEOUT: Duration = Duration::from_secs(60);
/// Retransmissions of one flight before the handshake gives up.
pub const DEFAULT_MAX_RETRANSMITS: u32 = 12;
/// Timeouts of one flight after which outgoing fragments are shrunk (§4.1.1.1 PMTU fallback).
pub const MTU_FALLBACK_AFTER_TIMEOUTS: u32 = 2;
/// Default server-side session cache capacity (entries).
pub const DEFAULT_SESSION_CACHE_CAPACITY: usize = 1024 * 20;
/// Default session lifetime (OpenSSL's default `SSL_CTX_set_timeout` is 300 s).
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(300);

/// Most SRTP profiles a config may offer (the u16 list length allows 32767; OpenSSL's
/// `SRTP_PROTECTION_PROFILE_LIST_TOO_LONG` is about the same kind of bound).
pub const MAX_SRTP_PROFILES: usize = 64;

/// How the peer's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyMode {
    /// Do not enforce verification: the result is only recorded (`verify_result`); a
    /// server does not ask for client certificates (SSL_VERIFY_NONE).
    None,
    /// Verify the peer's chain if it sends one; a server asks for a client certificate
    /// (SSL_VERIFY_PEER). A client always requires the server's certificate.
    Peer,
    /// Like `Peer`, and a server fails the handshake when the client sends no certificate
    /// (SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT).
    RequirePeerCertificate,
}

/// The certificate chain (leaf first, DER) and its private key.
#[derive(Clone)]
pub struct Identity {
    /// Certificates, leaf first, DER.
    pub chain: Vec<Vec<u8>>,
    /// The leaf's private key.
    pub key: Arc<SigningKey>,
    /// The Certificate message body for `chain`, encoded once per config rather than per
    /// handshake (RFC 5246 §7.4.2).
    pub(crate) certificate_body: Vec<u8>,
}

/// DTLS 1.2's wire version (RFC 6347 §4.1).
pub const DTLS1_2_VERSION: u16 = 0xFEFD;
/// DTLS 1.3's wire version (RFC 9147 §5.3, in `supported_versions`).
pub const DTLS1_3_VERSION: u16 = 0xFEFC;

/// The TLS 1.3 suites offered / accepted by default, in preference order.
pub const DEFAULT_TLS13_SUITES: [Suite13; 3] = [
    Suite13::Aes128GcmSha256,
    Suite13::Aes256GcmSha384,
    Suite13::ChaCha20Poly1305Sha256,
];

/// Rank of a version in protocol order (DTLS versions count down on the wire).
fn version_rank(v: u16) -> Option<u8> {
    match v {
        DTLS1_2_VERSION => Some(2),
        DTLS1_3_VERSION => Some(3),
        _ => None,
    }
}

/// Immutable configuration shared by many connections (`Arc<Config>`).
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct Config {
    pub(crate) suites: Vec<&'static CipherSuite>,
    pub(crate) groups: Vec<NamedGroup>,
    pub(crate) sig_schemes: Vec<SignatureScheme>,
    pub(crate) identity: Option<Identity>,
    pub(crate) trust: Arc<TrustStore>,
    pub(crate) verify_mode: VerifyMode,
    pub(crate) verify_depth: usize,
    pub(crate) verify_hostname: bool,
    pub(crate) verifier: Arc<dyn CertVerifier>,
    pub(crate) mtu: usize,
    pub(crate) initial_timeout: Duration,
    pub(crate) max_timeout: Duration,
    pub(crate) max_retransmits: u32,
    pub(crate) cookie_exchange: bool,
    pub(crate) cookie_keys: Arc<CookieKeys>,
    pub(crate) extended_master_secret: bool,
    pub(crate) encrypt_then_mac: bool,
    pub(crate) server_preference: bool,
    pub(crate) session_cache: Arc<SessionCache>,
    pub(crate) session_id_context: Vec<u8>,
    pub(crate) server_session_cache: bool,
    /// Servers add new sessions to `session_cache` (off: OpenSSL's
    /// SSL_SESS_CACHE_NO_INTERNAL_STORE).
    pub(crate) server_session_store: bool,
    /// Servers look offered session IDs up in `session_cache` (off: OpenSSL's
    /// SSL_SESS_CACHE_NO_INTERNAL_LOOKUP).
    pub(crate) server_session_lookup: bool,
    pub(crate) emit_message_events: bool,
    /// Message events carry the message's bytes (off: empty `bytes`, nothing copied).
    pub(crate) emit_message_bodies: bool,
    pub(crate) emit_keylog: bool,
    pub(crate) emit_record_headers: bool,
    #[cfg(any(test, feature = "test-rng"))]
    pub(crate) rng_seed: Option<u64>,
    pub(crate) srtp_profiles: Vec<u16>,
    pub(crate) alpn_protocols: Vec<Vec<u8>>,
    /// DER distinguished names a server lists in CertificateRequest (RFC 5246 §7.4.4).
    pub(crate) certificate_authorities: Vec<Vec<u8>>,
    pub(crate) psk: Option<Arc<dyn crate::handshake::psk::PskProvider>>,
    pub(crate) psk_identity_hint: Option<Vec<u8>>,
    /// Who may renegotiate (RFC 5746; crate::handshake::renegotiation).
    pub(crate) renegotiation: crate::RenegotiationPolicy,
    /// The connection ID this side asks for (RFC 9146 §3); None: no `connection_id`
    /// extension.
    pub(crate) connection_id: Option<LocalConnectionId>,
    /// Lowest and highest DTLS version (wire values; default both DTLS 1.2).
    pub min_version: u16,
    /// See `min_version`.
    pub max_version: u16,
    /// TLS 1.3 suites for DTLS 1.3, in preference order.
    pub tls13_suites: Vec<Suite13>,
    /// Server: NewSessionTickets issued after a DTLS 1.3 handshake (RFC 8446 §4.6.1).
    pub tls13_tickets: u8,
    /// The key DTLS 1.3 tickets are sealed with (one per Config unless shared through
    /// [`ConfigBuilder::tls13_ticket_key`]).
    pub(crate) ticket_key13: Option<Arc<crate::dtls13::server_ticket::TicketKey13>>,
}

/// How a connection picks the CID it asks its peer to send (RFC 9146 §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocalConnectionId {
    /// A fresh random CID of this many bytes per connection (0: a zero-length CID, "I do
    /// not need one, but I will send yours").
    Random(u8),
    /// Exactly these bytes: for a configuration that serves one connection (the C API's
    /// per-`SSL` `rdtls_SSL_set_connection_id`), or a server that encodes routing data.
    Fixed(Vec<u8>),
}

impl Config {
    /// Fuzzing builds: a copy whose mutable parts (session cache, cookie keys, the DTLS 1.3
    /// ticket key's origin) are independent copies, for `rdtls::fuzzing::copy_connection`.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn fuzz_copy(&self) -> Self {
        let mut c = self.clone();
        c.cookie_keys = Arc::new(self.cookie_keys.fuzz_copy());
        c.session_cache = Arc::new(self.session_cache.fuzz_copy());
        c.ticket_key13 = self.ticket_key13.as_ref().map(|k| Arc::new(k.fuzz_copy()));
        c
    }

    /// Starts a builder with the defaults described on each setter.
    pub fn builder() -> ConfigBuilder {
        ConfigBuilder::default()
    }

    /// Cipher suites in preference order.
    pub fn cipher_suites(&self) -> &[&'static CipherSuite] {
        &self.suites
    }

    /// The configured identity, if any.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// Path MTU (UDP payload bytes).
    pub fn mtu(&self) -> usize {
        self.mtu
    }

    /// Server-side session cache shared by every connection using this config.
    pub fn session_cache(&self) -> &Arc<SessionCache> {
        &self.session_cache
    }

    /// Cookie secrets for the stateless front door (shared with [`crate::cookie::CookieListener`]).
    pub fn cookie_keys(&self) -> &Arc<CookieKeys> {
        &self.cookie_keys
    }

    /// Whether servers demand a cookie before continuing a handshake.
    pub fn cookie_exchange(&self) -> bool {
        self.cookie_exchange
    }
}

/// Builder for [`Config`].
pub struct ConfigBuilder {
    cfg: Config,
    cache_capacity: usize,
    cache_lifetime: Duration,
}

impl Default for ConfigBuilder {
    fn default() -> Self {
        Self {
            cfg: Config {
                suites: DEFAULT_SUITES.to_vec(),
                groups: NamedGroup::SUPPORTED.to_vec(),
                sig_schemes: SignatureScheme::SUPPORTED.to_vec(),
                identity: None,
                trust: Arc::new(TrustStore::default()),
                verify_mode: VerifyMode::Peer,
                verify_depth: 100,
                verify_hostname: true,
                verifier: Arc::new(WebpkiVerifier),
                mtu: DEFAULT_MTU,
                initial_timeout: DEFAULT_INITIAL_TIMEOUT,
                max_timeout: DEFAULT_MAX_TIMEOUT,
                max_retransmits: DEFAULT_MAX_RETRANSMITS,
                cookie_exchange: true,
                cookie_keys: Arc::new(CookieKeys::new()),
                extended_master_secret: true,
                encrypt_then_mac: true,
                server_preference: false,
                session_cache: Arc::new(SessionCache::new(
                    DEFAULT_SESSION_CACHE_CAPACITY,
                    DEFAULT_SESSION_LIFETIME,
                )),
                session_id_context: Vec::new(),
                server_session_cache: true,
                server_session_store: true,
                server_session_lookup: true,
                emit_message_events: false,
                emit_message_bodies: true,
                emit_keylog: false,
                emit_record_headers: false,
                #[cfg(any(test, feature = "test-rng"))]
                rng_seed: None,
                srtp_profiles: Vec::new(),
                alpn_protocols: Vec::new(),
                certificate_authorities: Vec::new(),
                psk: None,
                psk_identity_hint: None,
                renegotiation: crate::RenegotiationPolicy::default(),
                connection_id: None,
                min_version: DTLS1_2_VERSION,
                max_version: DTLS1_2_VERSION,
                tls13_suites: DEFAULT_TLS13_SUITES.to_vec(),
                tls13_tickets: 2,
                ticket_key13: None,
            },
            cache_capacity: DEFAULT_SESSION_CACHE_CAPACITY,
            cache_lifetime: DEFAULT_SESSION_LIFETIME,
        }
    }
}

impl ConfigBuilder {
    /// Cipher suites in preference order (default: the six AEAD suites, ECDSA first).
    pub fn cipher_suites(mut self, suites: &[&'static CipherSuite]) -> Self {
        self.cfg.suites = suites.to_vec();
        self
    }

    /// ECDHE groups in preference order (default X25519, P-256, P-384).
    pub fn groups(mut self, groups: &[NamedGroup]) -> Self {
        self.cfg.groups = groups.to_vec();
        self
    }

    /// Signature schemes we accept and offer, in preference order.
    pub fn signature_schemes(mut self, schemes: &[SignatureScheme]) -> Self {
        self.cfg.sig_schemes = schemes.to_vec();
        self
    }

    /// Our certificate chain (leaf first, DER) and private key.
    pub fn identity(mut self, chain: Vec<Vec<u8>>, key: Arc<SigningKey>) -> Self {
        let mut certificate_body = Vec::new();
        Certificate {
            chain: chain.clone(),
        }
        .encode(&mut certificate_body);
        self.cfg.identity = Some(Identity {
            chain,
            key,
            certificate_body,
        });
        self
    }

    /// Trust anchors used to verify the peer.
    pub fn trust_store(mut self, trust: Arc<TrustStore>) -> Self {
        self.cfg.trust = trust;
        self
    }

    /// Peer verification mode (default [`VerifyMode::Peer`]: the chain is checked; the
    /// C API applies OpenSSL's default, `SSL_VERIFY_NONE`, itself).
    pub fn verify_mode(mut self, mode: VerifyMode) -> Self {
        self.cfg.verify_mode = mode;
        self
    }

    /// Maximum certificate chain depth accepted (SSL_CTX_set_verify_depth).
    pub fn verify_depth(mut self, depth: usize) -> Self {
        self.cfg.verify_depth = depth;
        self
    }

    /// Check the server certificate against the client's expected names (default on):
    /// `ClientOptions::verify_names`, or the SNI `server_name` when that list is empty. On
    /// with neither, `Connection::client` refuses to start. Turning it
    /// off is [`DangerousConfigBuilder::disable_hostname_verification`].
    fn verify_hostname(mut self, on: bool) -> Self {
        self.cfg.verify_hostname = on;
        self
    }

    /// Settings that weaken authentication, named loudly (as rustls' `dangerous()`).
    pub fn dangerous(self) -> DangerousConfigBuilder {
        DangerousConfigBuilder { inner: self }
    }

    /// The certificate verifier (default [`WebpkiVerifier`]).
    pub fn verifier(mut self, verifier: Arc<dyn CertVerifier>) -> Self {
        self.cfg.verifier = verifier;
        self
    }

    /// Path MTU in bytes of UDP payload (default 1400).
    pub fn mtu(mut self, mtu: usize) -> Self {
        self.cfg.mtu = mtu;
        self
    }

    /// Initial retransmission timeout (default 1 s).
    pub fn initial_timeout(mut self, d: Duration) -> Self {
        self.cfg.initial_timeout = d;
        self
    }

    /// Maximum retransmission timeout (default 60 s).
    pub fn max_timeout(mut self, d: Duration) -> Self {
        self.cfg.max_timeout = d;
        self
    }

    /// Retransmissions of one flight before giving up (default 12).
    pub fn max_retransmits(mut self, n: u32) -> Self {
        self.cfg.max_retransmits = n;
        self
    }

    /// Require a cookie (HelloVerifyRequest round trip) on servers (default on).
    pub fn cookie_exchange(mut self, on: bool) -> Self {
        self.cfg.cookie_exchange = on;
        self
    }

    /// Who may renegotiate (default, as OpenSSL 3.0: a server refuses client-initiated
    /// renegotiation, a client accepts a server's HelloRequest).
    pub fn renegotiation(mut self, policy: crate::RenegotiationPolicy) -> Self {
        self.cfg.renegotiation = policy;
        self
    }

    /// Share cookie secrets with other configs or a listener.
    pub fn cookie_keys(mut self, keys: Arc<CookieKeys>) -> Self {
        self.cfg.cookie_keys = keys;
        self
    }

    /// Offer/accept extended_master_secret (RFC 7627, default on).
    pub fn extended_master_secret(mut self, on: bool) -> Self {
        self.cfg.extended_master_secret = on;
        self
    }

    /// Offer/accept encrypt_then_mac (RFC 7366, default on). CBC suites are negotiated only
    /// with it (no MAC-then-encrypt): off (OpenSSL's `SSL_OP_NO_ENCRYPT_THEN_MAC`), a client
    /// does not offer them and a server does not select them.
    pub fn encrypt_then_mac(mut self, on: bool) -> Self {
        self.cfg.encrypt_then_mac = on;
        self
    }

    /// Servers pick the cipher suite, ECDHE group and signature scheme by their own
    /// preference order (OpenSSL's SSL_OP_CIPHER_SERVER_PREFERENCE). Default off, as in
    /// OpenSSL 3.0: the first entry of the client's list that the server also has.
    pub fn server_preference(mut self, on: bool) -> Self {
        self.cfg.server_preference = on;
        self
    }

    /// Server session cache capacity and lifetime.
    pub fn session_cache(mut self, capacity: usize, lifetime: Duration) -> Self {
        self.cache_capacity = capacity;
        self.cache_lifetime = lifetime;
        self
    }

    /// Servers issue session IDs and cache sessions (default on; OpenSSL SSL_SESS_CACHE_SERVER).
    pub fn server_session_cache(mut self, on: bool) -> Self {
        self.cfg.server_session_cache = on;
        self
    }

    /// Servers add new sessions to the session cache (default on). Off, sessions still get
    /// IDs and reach the application (OpenSSL's SSL_SESS_CACHE_NO_INTERNAL_STORE).
    pub fn server_session_store(mut self, on: bool) -> Self {
        self.cfg.server_session_store = on;
        self
    }

    /// Servers look offered session IDs up in the session cache (default on). Off, no
    /// session resumes from it (OpenSSL's SSL_SESS_CACHE_NO_INTERNAL_LOOKUP).
    pub fn server_session_lookup(mut self, on: bool) -> Self {
        self.cfg.server_session_lookup = on;
        self
    }

    /// Use an existing (shared) session cache.
    pub fn shared_session_cache(mut self, cache: Arc<SessionCache>) -> Self {
        self.cfg.session_cache = cache;
        self.cache_capacity = 0;
        self
    }

    /// Session ID context: sessions resume only under the same context.
    pub fn session_id_context(mut self, ctx: &[u8]) -> Self {
        self.cfg.session_id_context = ctx.to_vec();
        self
    }

    /// The CA names (DER `DistinguishedName`s) a server sends in its CertificateRequest's
    /// `certificate_authorities` (RFC 5246 §7.4.4): a hint of which issuers the client's
    /// certificate should chain to. Empty (the default) means "any".
    pub fn certificate_authorities(mut self, names: &[Vec<u8>]) -> Self {
        self.cfg.certificate_authorities = names.to_vec();
        self
    }

    /// Emit [`crate::Event::HandshakeMessage`] for every message sent and received.
    pub fn message_events(mut self, on: bool) -> Self {
        self.cfg.emit_message_events = on;
        self
    }

    /// With `false`, DTLS 1.2 [`crate::Event::HandshakeMessage`]s carry an empty `bytes`:
    /// for a caller that follows the handshake's messages (to name its states) but has no
    /// use for their bytes, which are then neither copied nor allocated. Default `true`.
    pub fn message_event_bodies(mut self, on: bool) -> Self {
        self.cfg.emit_message_bodies = on;
        self
    }

    /// Emit [`crate::Event::RecordHeader`] for every record sent and received (handshake
    /// records of a flight on its first transmission only).
    pub fn record_headers(mut self, on: bool) -> Self {
        self.cfg.emit_record_headers = on;
        self
    }

    /// Pre-shared keys (RFC 4279): with a provider the PSK suites in the suite list are
    /// offered (client) and negotiable (server); without one they never are.
    pub fn psk(mut self, provider: Arc<dyn crate::handshake::psk::PskProvider>) -> Self {
        self.cfg.psk = Some(provider);
        self
    }

    /// Server: the PSK identity hint sent in ServerKeyExchange (RFC 4279 §2); with none, a
    /// plain-PSK server sends no ServerKeyExchange (as OpenSSL).
    pub fn psk_identity_hint(mut self, hint: &[u8]) -> Self {
        self.cfg.psk_identity_hint = Some(hint.to_vec());
        self
    }

    /// Emit [`crate::Event::KeyLog`] lines (NSS key log format) after each handshake.
    pub fn keylog(mut self, on: bool) -> Self {
        self.cfg.emit_keylog = on;
        self
    }

    /// Seed the engine's RNG (randoms, session IDs) for reproducible tests. ECDHE keys and
    /// signatures still use the OS RNG (ring does not accept a caller-supplied RNG).
    /// Test builds only (`cfg(test)` or the `test-rng` feature): a seeded RNG in
    /// production would make every connection's randoms equal.
    #[cfg(any(test, feature = "test-rng"))]
    pub fn rng_seed(mut self, seed: u64) -> Self {
        self.cfg.rng_seed = Some(seed);
        self
    }

    /// SRTP protection profile code points in preference order (RFC 5764 §4.1.2). Clients
    /// offer them in `use_srtp`; servers pick the first of theirs the client offered.
    /// Default: none (no `use_srtp`).
    pub fn srtp_profiles(mut self, profiles: &[u16]) -> Self {
        self.cfg.srtp_profiles = profiles.to_vec();
        self
    }

    /// ALPN protocol names a client offers (RFC 7301 §3.1), in preference order; each
    /// 1..=255 bytes. Default: none (no ALPN extension).
    pub fn alpn_protocols(mut self, names: &[Vec<u8>]) -> Self {
        self.cfg.alpn_protocols = names.to_vec();
        self
    }

    /// Offer / accept connection IDs (RFC 9146) and ask the peer for a random CID of `len`
    /// bytes per connection (0..=255; 0 = zero-length: we send the peer's CID but need none
    /// ourselves). `None` (the default): no `connection_id` extension.
    pub fn connection_id_len(mut self, len: Option<u8>) -> Self {
        self.cfg.connection_id = len.map(LocalConnectionId::Random);
        self
    }

    /// Offer / accept connection IDs and ask the peer for exactly `cid` (at most 255 bytes;
    /// checked by `build`). Every connection of this configuration uses the same CID.
    pub fn connection_id(mut self, cid: Option<Vec<u8>>) -> Self {
        self.cfg.connection_id = cid.map(LocalConnectionId::Fixed);
        self
    }

    /// The DTLS versions to negotiate, wire values (`DTLS1_2_VERSION`, `DTLS1_3_VERSION`);
    /// default DTLS 1.2 only. Fails when a value is unknown or `min` is above `max`.
    pub fn versions(mut self, min: u16, max: u16) -> Result<Self, Error> {
        match (version_rank(min), version_rank(max)) {
            (Some(lo), Some(hi)) if lo <= hi => {
                self.cfg.min_version = min;
                self.cfg.max_version = max;
                Ok(self)
            }
            _ => Err(Error::Config(format!(
                "bad version range {min:#06x}..{max:#06x}"
            ))),
        }
    }

    /// The TLS 1.3 suites of DTLS 1.3, in preference order (default: AES-128-GCM,
    /// AES-256-GCM, ChaCha20-Poly1305).
    pub fn tls13_suites(mut self, suites: Vec<Suite13>) -> Self {
        self.cfg.tls13_suites = suites;
        self
    }

    /// Server: how many NewSessionTickets follow a DTLS 1.3 handshake (default 2, as
    /// OpenSSL 3 sends for TLS 1.3; 0: none).
    pub fn tls13_tickets(mut self, n: u8) -> Self {
        self.cfg.tls13_tickets = n;
        self
    }

    /// Share the key DTLS 1.3 tickets are sealed with between Configs (an OpenSSL
    /// `SSL_CTX` keeps one, whatever per-`SSL` settings its connections were built from), so
    /// a ticket one Config's connection issued resumes on the others. Default: a fresh key
    /// per built Config.
    pub fn tls13_ticket_key(mut self, key: Arc<TicketKey13>) -> Self {
        self.cfg.ticket_key13 = Some(key);
        self
    }

    /// Validates and freezes the configuration.
    pub fn build(mut self) -> Result<Arc<Config>, Error> {
        if self.cfg.suites.is_empty() {
            return Err(Error::Config("no cipher suites".into()));
        }
        if self.cfg.groups.is_empty() {
            return Err(Error::Config("no groups".into()));
        }
        if self.cfg.max_version == DTLS1_3_VERSION && self.cfg.tls13_suites.is_empty() {
            return Err(Error::Config(
                "DTLS 1.3 enabled without TLS 1.3 suites".into(),
            ));
        }
        if self.cfg.mtu < MIN_MTU || self.cfg.mtu > 65507 {
            return Err(Error::Config(format!(
                "MTU {} outside {MIN_MTU}..=65507",
                self.cfg.mtu
            )));
        }
        if self.cfg.initial_timeout.is_zero() || self.cfg.max_timeout < self.cfg.initial_timeout {
            return Err(Error::Config("bad retransmission timeouts".into()));
        }
        if self
            .cfg
            .alpn_protocols
            .iter()
            .any(|n| n.is_empty() || n.len() > 255)
        {
            return Err(Error::Config("ALPN names must be 1..=255 bytes".into()));
        }
        if let Some(LocalConnectionId::Fixed(cid)) = &self.cfg.connection_id {
            if cid.len() > crate::cid::MAX_CID_LEN {
                return Err(Error::Config("a connection ID is at most 255 bytes".into()));
            }
        }
        if self.cfg.srtp_profiles.len() > MAX_SRTP_PROFILES {
            return Err(Error::Config("too many SRTP profiles".into()));
        }
        // One DTLS 1.3 ticket key per Config (or the shared one), so its connections resume
        // each other's tickets (RFC 8446 §4.6.1).
        if self.cfg.ticket_key13.is_none() {
            self.cfg.ticket_key13 = TicketKey13::for_config(&self.cfg).ok().map(Arc::new);
        }
        if self.cache_capacity > 0 {
            self.cfg.session_cache =
                Arc::new(SessionCache::new(self.cache_capacity, self.cache_lifetime));
        }
        Ok(Arc::new(self.cfg))
    }
}

/// The part of [`ConfigBuilder`] that weakens authentication (from
/// [`ConfigBuilder::dangerous`]); each setter returns the ordinary builder.
pub struct DangerousConfigBuilder {
    inner: ConfigBuilder,
}

impl DangerousConfigBuilder {
    /// Accept a server certificate for any name: clients check only the chain. Connections
    /// made without a server name need this (or `VerifyMode::None`).
    pub fn disable_hostname_verification(self) -> ConfigBuilder {
        self.inner.verify_hostname(false)
    }

    /// Check the hostname (the default); for code that passes the choice through.
    pub fn hostname_verification(self, on: bool) -> ConfigBuilder {
        self.inner.verify_hostname(on)
    }
}
