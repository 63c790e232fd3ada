//! What an `SSL_CTX` configures and each `SSL` copies at `SSL_new` (OpenSSL copies options,
//! verify mode and callback, cipher list, certificate and key, ... into every new `SSL`), the
//! C callback types, and turning those settings into an engine [`Config`].
use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_void};
use std::sync::Arc;
use std::time::Duration;

use rdtls::cookie::CookieKeys;
use rdtls::enums::{NamedGroup, SignatureScheme};
use rdtls::pki::keys::SigningKey;
use rdtls::pki::verify::TrustStore;
use rdtls::session::cache::SessionCache;
use rdtls::suites::CipherSuite;
use rdtls::{Config, VerifyMode};

use crate::host::X509_STORE_CTX;

use super::consts::*;
use super::session::SSL_SESSION;
use super::ssl::SSL;

/// `int (*verify_callback)(int preverify_ok, X509_STORE_CTX *ctx)`.
pub type VerifyCallback = unsafe extern "C" fn(c_int, *mut X509_STORE_CTX) -> c_int;
/// `int (*cert_verify_callback)(X509_STORE_CTX *ctx, void *arg)`.
pub type CertVerifyCallback = unsafe extern "C" fn(*mut X509_STORE_CTX, *mut c_void) -> c_int;
/// `void (*info_callback)(const SSL *ssl, int where, int ret)`.
pub type InfoCallback = unsafe extern "C" fn(*const SSL, c_int, c_int);
/// `void (*msg_callback)(int write_p, int version, int content_type, const void *buf,
/// size_t len, SSL *ssl, void *arg)`.
pub type MsgCallback =
    unsafe extern "C" fn(c_int, c_int, c_int, *const c_void, usize, *mut SSL, *mut c_void);
/// `void (*keylog_callback)(const SSL *ssl, const char *line)`.
pub type KeylogCallback = unsafe extern "C" fn(*const SSL, *const c_char);
/// `int (*app_gen_cookie_cb)(SSL *ssl, unsigned char *cookie, unsigned int *cookie_len)`.
pub type CookieGenerateCallback =
    unsafe extern "C" fn(*mut SSL, *mut c_uchar, *mut c_uint) -> c_int;
/// `int (*app_verify_cookie_cb)(SSL *ssl, const unsigned char *cookie, unsigned int len)`.
pub type CookieVerifyCallback = unsafe extern "C" fn(*mut SSL, *const c_uchar, c_uint) -> c_int;
/// `unsigned int (*DTLS_timer_cb)(SSL *s, unsigned int timer_us)`.
pub type TimerCallback = unsafe extern "C" fn(*mut SSL, c_uint) -> c_uint;
/// `int (*new_session_cb)(SSL *ssl, SSL_SESSION *sess)`.
pub type NewSessionCallback = unsafe extern "C" fn(*mut SSL, *mut SSL_SESSION) -> c_int;
/// `int (*servername_cb)(SSL *s, int *al, void *arg)`.
pub type ServernameCallback = unsafe extern "C" fn(*mut SSL, *mut c_int, *mut c_void) -> c_int;
/// `int pem_password_cb(char *buf, int size, int rwflag, void *userdata)`.
pub type PasswordCallback = unsafe extern "C" fn(*mut c_char, c_int, c_int, *mut c_void) -> c_int;

/// An application pointer stored for a callback (never dereferenced by us).
#[derive(Debug, Clone, Copy)]
pub struct AppPtr(pub *mut c_void);

impl Default for AppPtr {
    fn default() -> Self {
        AppPtr(std::ptr::null_mut())
    }
}

// SAFETY: an opaque application pointer only stored and handed back to the application's
// own callbacks; thread-safety of what it points to is the application's contract.
unsafe impl Send for AppPtr {}
// SAFETY: as above.
unsafe impl Sync for AppPtr {}

/// The copyable settings: an `SSL_CTX` holds one, each `SSL` starts from a copy.
#[derive(Clone)]
pub struct Settings {
    /// `SSL_OP_*` bits.
    pub options: u64,
    /// `SSL_MODE_*` bits.
    pub mode: c_long,
    /// `SSL_VERIFY_*` bits.
    pub verify_mode: c_int,
    /// `SSL_CTX_set_verify_depth` (-1: OpenSSL's default, no explicit limit).
    pub verify_depth: c_int,
    /// The application's verify callback.
    pub verify_callback: Option<VerifyCallback>,
    /// Cipher suites in preference order.
    pub suites: Vec<&'static CipherSuite>,
    /// ECDHE groups in preference order.
    pub groups: Vec<NamedGroup>,
    /// Signature schemes in preference order.
    pub sigalgs: Vec<SignatureScheme>,
    /// Our certificate (DER; shared, so copying settings into each `SSL` is cheap).
    pub cert: Option<Arc<Vec<u8>>>,
    /// Extra chain certificates sent after ours (DER; shared like `cert`).
    pub chain: Arc<Vec<Vec<u8>>>,
    /// Our private key.
    pub key: Option<Arc<SigningKey>>,
    /// `SSL_CTX_set_min_proto_version` (0: none).
    pub min_proto: c_int,
    /// `SSL_CTX_set_max_proto_version` (0: none).
    pub max_proto: c_int,
    /// The method may negotiate DTLS 1.3 (`DTLS_method` and its client/server forms; a
    /// version-specific method such as `DTLSv1_2_method` pins its version, as in OpenSSL).
    pub dtls13_method: bool,
    /// With no maximum set, offer DTLS 1.3 (the default, as OpenSSL 4.x). False when
    /// `RDTLS_MAX_PROTO=DTLSv1.2` was in the environment when the `SSL_CTX` was created:
    /// the operator pinned DTLS 1.2 for programs that set no maximum themselves.
    pub dtls13_by_default: bool,
    /// `SSL_*_set_ciphersuites`: the TLS 1.3 suites (IANA code points) in preference order.
    pub tls13_suites: Vec<u16>,
    /// Session ID context.
    pub sid_ctx: Vec<u8>,
    /// `SSL_CTX_set_read_ahead` (remembered; datagrams are always read whole).
    pub read_ahead: bool,
    /// `SSL_CTX_set_quiet_shutdown`.
    pub quiet_shutdown: bool,
    /// Message callback and its argument.
    pub msg_callback: Option<MsgCallback>,
    /// Argument of the message callback.
    pub msg_callback_arg: AppPtr,
    /// `SSL_CTX_set_max_cert_list`.
    pub max_cert_list: c_long,
    /// Check the server certificate against the `SSL_set1_host` names.
    pub verify_hostname: bool,
    /// Client CA and CA name lists (`SSL_CTX_set_client_CA_list`, `SSL_CTX_set0_CA_list`).
    pub ca_names: super::ca_list::CaNames,
    /// `SSL_CTX_set_max_send_fragment`: the largest `SSL_write` (512..=16384).
    pub max_send_fragment: usize,
    /// `SSL_*_set_tlsext_use_srtp`: SRTP profile ids in preference order.
    pub srtp_profiles: Vec<u16>,
    /// The profiles were set on this `SSL` (`SSL_set_tlsext_use_srtp`); otherwise the
    /// context's current list applies, even one set after `SSL_new` (OpenSSL's
    /// `SSL_get_srtp_profiles` falls back to the `SSL_CTX`'s list).
    pub srtp_own: bool,
    /// `SSL_*_set_alpn_protos`: the ALPN list a client offers (wire format).
    pub alpn: Vec<u8>,
    /// `SSL_*_set_psk_client_callback`.
    pub psk_client_callback: Option<super::psk::PskClientCallback>,
    /// `SSL_*_set_psk_server_callback`.
    pub psk_server_callback: Option<super::psk::PskServerCallback>,
    /// `SSL_*_use_psk_identity_hint`.
    pub psk_identity_hint: Option<Vec<u8>>,
    /// `rdtls_SSL_*_set_connection_id*` (RFC 9146; None: no CID extension).
    pub connection_id: Option<rdtls::config::LocalConnectionId>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            options: 0,
            mode: SSL_MODE_AUTO_RETRY,
            verify_mode: SSL_VERIFY_NONE,
            verify_depth: -1,
            verify_callback: None,
            // OpenSSL's default list, PSK suites included (offered only with a callback).
            suites: super::cipher_list::OPENSSL_DEFAULT.to_vec(),
            groups: NamedGroup::SUPPORTED.to_vec(),
            sigalgs: SignatureScheme::SUPPORTED.to_vec(),
            cert: None,
            chain: Arc::new(Vec::new()),
            key: None,
            min_proto: 0,
            max_proto: 0,
            dtls13_method: true,
            dtls13_by_default: true,
            tls13_suites: super::cipher_list::TLS13_DEFAULT.to_vec(),
            sid_ctx: Vec::new(),
            read_ahead: false,
            quiet_shutdown: false,
            msg_callback: None,
            msg_callback_arg: AppPtr::default(),
            max_cert_list: SSL_MAX_CERT_LIST_DEFAULT,
            verify_hostname: false,
            ca_names: Default::default(),
            max_send_fragment: 16384,
            srtp_profiles: Vec::new(),
            srtp_own: false,
            alpn: Vec::new(),
            psk_client_callback: None,
            psk_server_callback: None,
            psk_identity_hint: None,
            connection_id: None,
        }
    }
}

/// Chain depth used when the application set none (OpenSSL's effective default is 100).
pub const DEFAULT_VERIFY_DEPTH: usize = 100;

/// Per-handshake switches that select a [`Config`] variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Variant {
    /// Servers demand a cookie (`SSL_OP_COOKIE_EXCHANGE` without a prior `DTLSv1_listen`).
    pub cookie_exchange: bool,
    /// Emit handshake message events (a message callback is installed).
    pub message_events: bool,
    /// Emit key log lines (a key log callback is installed).
    pub keylog: bool,
    /// Servers issue session IDs and cache sessions (`SSL_SESS_CACHE_SERVER` is set).
    pub server_session_cache: bool,
    /// Servers add sessions to the internal cache (no `SSL_SESS_CACHE_NO_INTERNAL_STORE`).
    pub server_session_store: bool,
    /// Servers look sessions up there (no `SSL_SESS_CACHE_NO_INTERNAL_LOOKUP`).
    pub server_session_lookup: bool,
    /// Emit record headers (a message callback is installed: `SSL3_RT_HEADER`).
    pub record_headers: bool,
}

/// Objects shared by every config built for one `SSL_CTX`.
pub struct Shared<'a> {
    /// Trust anchors.
    pub trust: Arc<TrustStore>,
    /// Cookie secrets.
    pub cookie_keys: &'a Arc<CookieKeys>,
    /// Server session cache.
    pub session_cache: &'a Arc<SessionCache>,
}

impl Settings {
    /// The engine verify mode for `SSL_VERIFY_*` bits.
    pub fn engine_verify_mode(&self) -> VerifyMode {
        if self.verify_mode & SSL_VERIFY_PEER == 0 {
            VerifyMode::None
        } else if self.verify_mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT != 0 {
            VerifyMode::RequirePeerCertificate
        } else {
            VerifyMode::Peer
        }
    }

    /// The engine's (min, max) wire versions for these settings, or why no version is
    /// left. A version-flexible method offers DTLS 1.3 and 1.2 unless the maximum is
    /// `DTLS1_2_VERSION` (set by the application, or `RDTLS_MAX_PROTO=DTLSv1.2` when none
    /// is set) or no TLS 1.3 suite is left; a version-specific method never offers 1.3.
    pub fn engine_versions(&self) -> Result<(u16, u16), &'static str> {
        // DTLS version numbers count downwards: 1.0 = 0xFEFF > 1.2 = 0xFEFD > 1.3 = 0xFEFC.
        if self.max_proto == DTLS1_VERSION {
            return Err("maximum protocol version is DTLS 1.0 (rdtls speaks DTLS 1.2 and 1.3)");
        }
        // SSL_*_set_ciphersuites("") leaves no TLS 1.3 suite: DTLS 1.3 is off.
        let max13 = self.dtls13_method
            && !self.tls13_suites.is_empty()
            && match self.max_proto {
                0 => self.dtls13_by_default,
                v => v == DTLS1_3_VERSION,
            };
        let min13 = self.min_proto == DTLS1_3_VERSION || self.options & SSL_OP_NO_DTLSv1_2 != 0;
        match (min13, max13) {
            (false, false) => Ok((0xFEFD, 0xFEFD)),
            (false, true) => Ok((0xFEFD, 0xFEFC)),
            (true, true) => Ok((0xFEFC, 0xFEFC)),
            (true, false) if !self.dtls13_method => Err(
                "DTLS 1.2 is excluded (minimum DTLS 1.3 or SSL_OP_NO_DTLSv1_2) and the method \
                 is DTLS 1.2 only (use DTLS_method for DTLS 1.3)",
            ),
            (true, false) if self.tls13_suites.is_empty() => Err(
                "DTLS 1.2 is excluded (minimum DTLS 1.3 or SSL_OP_NO_DTLSv1_2) and no TLS 1.3 \
                 ciphersuite is enabled (SSL_CTX_set_ciphersuites)",
            ),
            (true, false) => Err(
                "DTLS 1.2 is excluded (minimum DTLS 1.3 or SSL_OP_NO_DTLSv1_2) and the \
                 maximum is DTLS 1.2 (SSL_CTX_set_max_proto_version or RDTLS_MAX_PROTO)",
            ),
        }
    }

    /// DTLS 1.3 may be negotiated (the maximum is DTLS 1.3).
    pub fn dtls13_enabled(&self) -> bool {
        self.engine_versions().is_ok_and(|(_, max)| max == 0xFEFC)
    }

    /// Why no protocol version is left, if none is.
    pub fn dtls12_disabled(&self) -> Option<&'static str> {
        self.engine_versions().err()
    }

    /// Whether `build_config` gives the same configuration for `self` and `other` (same
    /// shared objects and variant): every field it reads is equal, shared certificate and
    /// key objects by identity. Keep in step with `build_config`.
    pub fn same_config_inputs(&self, other: &Settings) -> bool {
        fn same_arc<T>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
        }
        self.suites.len() == other.suites.len()
            && self
                .suites
                .iter()
                .zip(&other.suites)
                .all(|(a, b)| std::ptr::eq(*a, *b))
            && self.groups == other.groups
            && self.sigalgs == other.sigalgs
            && self.options == other.options
            && self.engine_versions() == other.engine_versions()
            && self.tls13_suites == other.tls13_suites
            && self.verify_mode == other.verify_mode
            && self.verify_depth == other.verify_depth
            && self.verify_hostname == other.verify_hostname
            && self.sid_ctx == other.sid_ctx
            && self.srtp_profiles == other.srtp_profiles
            && self.alpn == other.alpn
            && self.psk_identity_hint == other.psk_identity_hint
            && same_arc(&self.cert, &other.cert)
            && Arc::ptr_eq(&self.chain, &other.chain)
            && same_arc(&self.key, &other.key)
            && self.ca_names.for_certificate_request() == other.ca_names.for_certificate_request()
    }

    /// Builds the engine configuration.
    pub fn build_config(
        &self,
        shared: Shared<'_>,
        v: Variant,
    ) -> Result<Arc<Config>, rdtls::Error> {
        let depth = usize::try_from(self.verify_depth).unwrap_or(DEFAULT_VERIFY_DEPTH);
        let (min_version, max_version) = self
            .engine_versions()
            .map_err(|why| rdtls::Error::Config(why.to_owned()))?;
        let tls13_suites = self
            .tls13_suites
            .iter()
            .filter_map(|&id| rdtls::Suite13::from_u16(id))
            .collect();
        let mut b = Config::builder()
            .versions(min_version, max_version)?
            .tls13_suites(tls13_suites)
            .cipher_suites(&self.suites)
            .groups(&self.groups)
            .signature_schemes(&self.sigalgs)
            .trust_store(shared.trust)
            .verify_mode(self.engine_verify_mode())
            .verify_depth(depth)
            .dangerous()
            .hostname_verification(self.verify_hostname)
            .cookie_exchange(v.cookie_exchange)
            .cookie_keys(shared.cookie_keys.clone())
            .extended_master_secret(self.options & SSL_OP_NO_EXTENDED_MASTER_SECRET == 0)
            // Without encrypt_then_mac rdtls uses no CBC suite (no MAC-then-encrypt).
            .encrypt_then_mac(self.options & SSL_OP_NO_ENCRYPT_THEN_MAC == 0)
            // OpenSSL honours the client's order unless SSL_OP_CIPHER_SERVER_PREFERENCE.
            .server_preference(self.options & SSL_OP_CIPHER_SERVER_PREFERENCE != 0)
            .shared_session_cache(shared.session_cache.clone())
            .session_id_context(&self.sid_ctx)
            .server_session_cache(v.server_session_cache)
            .server_session_store(v.server_session_store)
            .server_session_lookup(v.server_session_lookup)
            .message_events(v.message_events)
            .keylog(v.keylog)
            .record_headers(v.record_headers)
            .certificate_authorities(self.ca_names.for_certificate_request())
            .srtp_profiles(&self.srtp_profiles)
            .alpn_protocols(&rdtls::alpn::parse_wire_list(&self.alpn).unwrap_or_default());
        if let Some(hint) = &self.psk_identity_hint {
            b = b.psk_identity_hint(hint);
        }
        b = match &self.connection_id {
            Some(rdtls::config::LocalConnectionId::Fixed(cid)) => {
                b.connection_id(Some(cid.clone()))
            }
            Some(rdtls::config::LocalConnectionId::Random(n)) => b.connection_id_len(Some(*n)),
            None => b,
        };
        if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
            let mut chain = Vec::with_capacity(1 + self.chain.len());
            chain.push(cert.as_ref().clone());
            chain.extend(self.chain.iter().cloned());
            b = b.identity(chain, key.clone());
        }
        b.build()
    }
}

/// Session lifetime from `SSL_CTX_set_timeout` seconds (negative or zero: OpenSSL's 300 s).
pub fn session_lifetime(secs: c_long) -> Duration {
    match u64::try_from(secs) {
        Ok(s) if s > 0 => Duration::from_secs(s),
        _ => Duration::from_secs(300),
    }
}
