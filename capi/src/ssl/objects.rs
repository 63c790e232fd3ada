//! The objects: `SSL_CTX`, `SSL`, the `Settings` a context configures and each `SSL` copies,
//! and the C callback types they hold. These types name each other (a context holds
//! callbacks taking `SSL *`, an `SSL` holds its context), as C's forward declarations let
//! `ssl.h` do, so they are defined together here; what they hold that names none of them is
//! in [`super::state`]. Behaviour is elsewhere: `impl SSL_CTX` in `ctx.rs`, `impl SSL` in
//! `ssl.rs` and the feature modules, `impl Settings` in `settings.rs`.
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_void, CString};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rdtls::config::TicketKey13;
use rdtls::cookie::CookieKeys;
use rdtls::enums::{NamedGroup, SignatureScheme};
use rdtls::pki::keys::SigningKey;
use rdtls::pki::verify::TrustStore;
use rdtls::session::cache::SessionCache;
use rdtls::suites::CipherSuite;
use rdtls::{Config, Connection, HelloDecision};

use crate::host::{ExData, BIO, OPENSSL_STACK, X509, X509_STORE_CTX};

use super::method::SSL_METHOD;
use super::state::caches::{CertObject, CipherStack, NameStack, ParamSlot, PkeyCache};
use super::state::hello::HelloView;
use super::state::io::{IoState, ListenedHello, Side};
use super::state::session::SSL_SESSION;
use super::state::values::{CaNames, CtxStats, Variant};
use super::state::{lock, AppPtr};

// The C callback types.

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
/// `void (*remove_session_cb)(SSL_CTX *ctx, SSL_SESSION *sess)`.
pub type RemoveSessionCallback = unsafe extern "C" fn(*mut SSL_CTX, *mut SSL_SESSION);
/// `SSL_SESSION *(*get_session_cb)(SSL *ssl, const unsigned char *data, int len, int *copy)`.
pub type GetSessionCallback =
    unsafe extern "C" fn(*mut SSL, *const c_uchar, c_int, *mut c_int) -> *mut SSL_SESSION;
/// `int (*cb)(SSL *ssl, const unsigned char **out, unsigned char *outlen,
/// const unsigned char *in, unsigned int inlen, void *arg)`.
pub type AlpnSelectCallback = unsafe extern "C" fn(
    *mut SSL,
    *mut *const c_uchar,
    *mut c_uchar,
    *const c_uchar,
    c_uint,
    *mut c_void,
) -> c_int;
/// `unsigned int (*SSL_psk_client_cb_func)(SSL *ssl, const char *hint, char *identity,
/// unsigned int max_identity_len, unsigned char *psk, unsigned int max_psk_len)`.
pub type PskClientCallback = unsafe extern "C" fn(
    *mut SSL,
    *const c_char,
    *mut c_char,
    c_uint,
    *mut c_uchar,
    c_uint,
) -> c_uint;
/// `unsigned int (*SSL_psk_server_cb_func)(SSL *ssl, const char *identity,
/// unsigned char *psk, unsigned int max_psk_len)`.
pub type PskServerCallback =
    unsafe extern "C" fn(*mut SSL, *const c_char, *mut c_uchar, c_uint) -> c_uint;
/// `int (*cert_cb)(SSL *ssl, void *arg)`.
pub type CertCallback = unsafe extern "C" fn(*mut SSL, *mut c_void) -> c_int;
/// `SSL_client_hello_cb_fn`: `int (*)(SSL *s, int *al, void *arg)`.
pub type ClientHelloCallback = unsafe extern "C" fn(*mut SSL, *mut c_int, *mut c_void) -> c_int;

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
    pub ca_names: CaNames,
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
    pub psk_client_callback: Option<PskClientCallback>,
    /// `SSL_*_set_psk_server_callback`.
    pub psk_server_callback: Option<PskServerCallback>,
    /// `SSL_*_use_psk_identity_hint`.
    pub psk_identity_hint: Option<Vec<u8>>,
    /// `rdtls_SSL_*_set_connection_id*` (RFC 9146; None: no CID extension).
    pub connection_id: Option<rdtls::config::LocalConnectionId>,
}

/// Live (not copied into `SSL`s) callbacks and values of an `SSL_CTX`.
#[derive(Clone, Default)]
pub struct CtxLive {
    /// `SSL_CTX_set_info_callback` (used by every `SSL` without its own).
    pub info_callback: Option<InfoCallback>,
    /// `SSL_CTX_set_keylog_callback`.
    pub keylog_callback: Option<KeylogCallback>,
    /// `SSL_CTX_set_cookie_generate_cb`.
    pub cookie_generate: Option<CookieGenerateCallback>,
    /// `SSL_CTX_set_cookie_verify_cb`.
    pub cookie_verify: Option<CookieVerifyCallback>,
    /// `SSL_CTX_set_tlsext_servername_callback` and its argument (stored; see report).
    pub servername_callback: Option<ServernameCallback>,
    /// Argument of the servername callback.
    pub servername_arg: AppPtr,
    /// `SSL_CTX_sess_set_new_cb`.
    pub new_session_callback: Option<NewSessionCallback>,
    /// `SSL_CTX_sess_set_get_cb`.
    pub get_session_callback: Option<GetSessionCallback>,
    /// `SSL_CTX_sess_set_remove_cb`.
    pub remove_session_callback: Option<RemoveSessionCallback>,
    /// `SSL_CTX_sess_set_cache_size` as set (the cache holds one less: `cache_capacity`).
    pub session_cache_size: c_long,
    /// `SSL_CTX_set_session_cache_mode`.
    pub session_cache_mode: c_long,
    /// `SSL_CTX_set_timeout` seconds.
    pub session_timeout: c_long,
    /// `SSL_CTX_set_default_passwd_cb`.
    pub passwd_callback: Option<PasswordCallback>,
    /// `SSL_CTX_set_default_passwd_cb_userdata`.
    pub passwd_userdata: AppPtr,
    /// `SSL_CTX_set_cert_verify_callback` and its argument.
    pub cert_verify_callback: Option<CertVerifyCallback>,
    /// Argument of the cert verify callback.
    pub cert_verify_arg: AppPtr,
    /// `SSL_CTX_set_default_verify_paths` was called: add the system trust anchors.
    pub system_trust: bool,
    /// `SSL_CTX_set_security_level` (recorded only).
    pub security_level: c_int,
    /// `SSL_CTX_set_cert_cb`.
    pub cert_callback: Option<CertCallback>,
    /// Argument of the certificate callback.
    pub cert_callback_arg: AppPtr,
    /// `SSL_CTX_set_alpn_select_cb`.
    pub alpn_select_callback: Option<AlpnSelectCallback>,
    /// Argument of the ALPN select callback.
    pub alpn_select_arg: AppPtr,
}

/// A cached engine config.
pub(crate) struct CachedConfig {
    /// The settings it was built from.
    pub(crate) settings: Settings,
    pub(crate) store_generation: u64,
    pub(crate) variant: Variant,
    pub(crate) config: Arc<Config>,
}

/// `SSL_CTX` (opaque to C).
pub struct SSL_CTX {
    /// The method the context was created with.
    pub method: &'static SSL_METHOD,
    /// Shared with the `SSL`s made from it until either side changes them (copy on
    /// write), so `SSL_new` copies no lists.
    pub(crate) settings: Mutex<Arc<Settings>>,
    pub(crate) live: Mutex<CtxLive>,
    pub(crate) generation: AtomicU64,
    pub(crate) configs: Mutex<Vec<CachedConfig>>,
    pub(crate) trust: Mutex<Option<(u64, bool, Arc<TrustStore>)>>,
    pub(crate) cert_store: Mutex<AppPtr>,
    /// Server-side session cache shared by every handshake of this context.
    pub session_cache: Arc<SessionCache>,
    /// Cookie secrets shared by `DTLSv1_listen` and stateful cookie exchanges.
    pub cookie_keys: Arc<CookieKeys>,
    /// The key DTLS 1.3 tickets are sealed with, shared by every engine configuration built
    /// for this context (as OpenSSL keeps its ticket keys in the `SSL_CTX`), so a ticket
    /// resumes whatever per-`SSL` settings the server's connections were built from. None
    /// only if the system RNG failed at `SSL_CTX_new` (each configuration then makes its own).
    pub ticket_key13: Option<Arc<TicketKey13>>,
    /// Application ex_data.
    pub ex_data: ExData,
    /// Handshake counters.
    pub stats: CtxStats,
    /// `SSL_CTX_get0_certificate`'s object.
    pub own_cert: CertObject,
    /// State of the legacy-program functions of issue 8 (see [`CtxExtras`]).
    pub extras: CtxExtras,
    /// `SSL_CTX_get0_param`'s object.
    pub param: ParamSlot,
}

/// `SSL` (opaque to C).
pub struct SSL {
    pub(crate) ctx: RefCell<Arc<SSL_CTX>>,
    /// The context `SSL_new` was given (OpenSSL's `session_ctx`): `SSL_set_SSL_CTX(s, NULL)`
    /// returns to it.
    pub(crate) initial_ctx: Arc<SSL_CTX>,
    /// The context's settings as `SSL_new` found them, copied when first changed here.
    pub(crate) settings: RefCell<Arc<Settings>>,
    /// The settings were changed through `SSL_*` setters after `SSL_new`.
    pub(crate) own_settings: Cell<bool>,
    pub(crate) rbio: Cell<*mut BIO>,
    pub(crate) wbio: Cell<*mut BIO>,
    pub(crate) side: Cell<Option<Side>>,
    pub(crate) conn: RefCell<Option<Connection>>,
    pub(crate) io: RefCell<IoState>,
    /// `SSL_want`: SSL_NOTHING / SSL_READING / SSL_WRITING.
    pub(crate) want: Cell<c_int>,
    /// `SSL_get_shutdown` flags.
    pub(crate) shutdown: Cell<c_int>,
    /// Text of the fatal error that ended the connection, re-raised on later calls.
    pub(crate) failed: RefCell<Option<(c_int, String)>>,
    /// Monotonic clock of this connection (never goes backwards, see `driver::now`).
    pub(crate) clock: Cell<Option<Instant>>,
    pub(crate) info_callback: Cell<Option<InfoCallback>>,
    pub(crate) timer_callback: Cell<Option<TimerCallback>>,
    /// Payload MTU set with `SSL_set_mtu` / `DTLS_set_link_mtu`.
    pub(crate) mtu: Cell<Option<usize>>,
    pub(crate) hostname: RefCell<Option<CString>>,
    /// Names the peer certificate must match (`SSL_set1_host`/`SSL_add1_host`), kept apart
    /// from the SNI name in `hostname`, as in OpenSSL's `X509_VERIFY_PARAM`.
    pub(crate) verify_names: RefCell<Vec<String>>,
    /// `SSL_get0_param`'s object (inherits the context's at SSL_new).
    pub(crate) param: ParamSlot,
    /// `SSL_set_verify_result` override.
    pub(crate) verify_result: Cell<Option<c_long>>,
    /// Session to resume (`SSL_set_session`), one reference held.
    pub(crate) resume: Cell<*mut SSL_SESSION>,
    /// The session handed out by `SSL_get_session` (one reference held).
    pub(crate) session_obj: Cell<*mut SSL_SESSION>,
    /// `SSL_get_peer_cert_chain` result (owned).
    pub(crate) peer_chain: Cell<*mut OPENSSL_STACK>,
    /// `SSL_get0_peer_certificate` result (owned).
    pub(crate) peer_cert: Cell<*mut X509>,
    /// `SSL_get0_verified_chain` result on a server (owned; a client reuses `peer_chain`).
    pub(crate) verified_chain: Cell<*mut OPENSSL_STACK>,
    pub(crate) listened: RefCell<Option<ListenedHello>>,
    /// Cached `SSL_get_servername` string.
    pub(crate) servername: RefCell<Option<CString>>,
    /// Cached `SSL_get_psk_identity` / `SSL_get_psk_identity_hint` strings (psk.rs).
    pub(crate) psk_strings: (RefCell<Option<CString>>, RefCell<Option<CString>>),
    /// `SSL_set_security_level` (recorded only).
    pub(crate) security_level: Cell<Option<c_int>>,
    /// Server: what the client's ClientHello showed (SNI, signature algorithms).
    pub(crate) hello_seen: RefCell<HelloSeen>,
    /// `SSL_get_certificate`'s object.
    pub(crate) own_cert: CertObject,
    /// State of the legacy-program functions of issue 8 (see [`SslExtras`]).
    pub(crate) extras: SslExtras,
    pub(crate) ex_data: ExData,
}

/// An `SSL*` moved into an engine hook (the engine requires `Send + Sync`; the `SSL` is
/// only ever used by one thread at a time, which is the C API's contract, and the
/// verifier runs only inside that thread's call into the engine).
#[derive(Clone, Copy)]
pub struct SslPtr(pub *mut SSL);

// SAFETY: see the type's documentation.
unsafe impl Send for SslPtr {}
// SAFETY: see the type's documentation.
unsafe impl Sync for SslPtr {}

/// The extra state of an `SSL` for the functions legacy programs import (issue 8), kept in
/// one field so the struct stays as it was.
#[derive(Default)]
pub struct SslExtras {
    /// `SSL_get_privatekey`'s object.
    pub pkey: RefCell<PkeyCache>,
    /// The ClientHello the client-hello callback is looking at (see `client_hello.rs`).
    pub client_hello: RefCell<Option<HelloView>>,
    /// The client-hello callback asked to be called again (`SSL_CLIENT_HELLO_RETRY`) during
    /// the current call: the driver reports `SSL_ERROR_WANT_CLIENT_HELLO_CB`.
    pub client_hello_cb_wanted: std::cell::Cell<bool>,
    /// `SSL_get_client_CA_list`'s stack.
    pub client_ca_stack: RefCell<NameStack>,
    /// `SSL_get0_CA_list`'s stack.
    pub ca_stack: RefCell<NameStack>,
    /// `SSL_get_ciphers`' stack.
    pub ciphers: RefCell<CipherStack>,
    /// `SSL_set_cert_cb`: this connection's certificate callback and argument (None: not
    /// set, the context's applies).
    pub cert_cb: Cell<Option<(Option<CertCallback>, AppPtr)>>,
    /// The stack of CA names the server sent (client side, `SSL_get0_peer_CA_list`).
    pub peer_ca_stack: RefCell<NameStack>,
}

/// The extra state of an `SSL_CTX` (shared between threads: behind locks).
#[derive(Default)]
pub struct CtxExtras {
    /// `SSL_CTX_get0_privatekey`'s object.
    pub pkey: Mutex<PkeyCache>,
    /// `SSL_CTX_set_client_hello_cb` and its argument.
    pub client_hello_cb: Mutex<Option<(ClientHelloCallback, AppPtr)>>,
    /// `SSL_CTX_get_ciphers`' stack.
    pub ciphers: Mutex<CipherStack>,
    /// `SSL_CTX_get_client_CA_list`'s stack.
    pub client_ca_stack: Mutex<NameStack>,
    /// `SSL_CTX_get0_CA_list`'s stack.
    pub ca_stack: Mutex<NameStack>,
}

impl CtxExtras {
    /// The client-hello callback, if set.
    pub fn client_hello_cb(&self) -> Option<(ClientHelloCallback, AppPtr)> {
        *lock(&self.client_hello_cb)
    }
}

/// What the ClientHello showed, kept for `SSL_get_servername` / `SSL_get_sigalgs`, and
/// where its callbacks stand.
#[derive(Default)]
pub struct HelloSeen {
    /// The client's server_name.
    pub server_name: Option<CString>,
    /// The client's signature_algorithms code points, in its order.
    pub sigalgs: Vec<u16>,
    /// The certificate callback returned -1: the state to go on from.
    pub(crate) paused: Option<Paused>,
    /// The hook paused during the current call (one WANT_X509_LOOKUP per call).
    pub(crate) lookup_wanted: bool,
}

/// Where the callbacks of a ClientHello stopped when the certificate callback returned -1.
pub(crate) struct Paused {
    pub(crate) ctx_before: Arc<SSL_CTX>,
    pub(crate) own_before: bool,
    pub(crate) decision: HelloDecision,
}
