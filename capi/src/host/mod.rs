//! The host seam: every BIO / X509 / EVP_PKEY / X509_STORE / ex_data access the SSL layer makes.
//!
//! The SSL layer (`crate::ssl`) must reach libcrypto-side objects **only** through this module,
//! never through `crate::bio`, `crate::x509` or `crate::crypto` directly. Two builds exist:
//!
//! * **standalone** (default, [`standalone`]): the objects are this crate's own Rust structs;
//! * **drop-in** (`--features dropin`, [`dropin`]): the objects belong to the process's
//!   `libcrypto.so.3` and the same functions call libcrypto's public API (`BIO_read`,
//!   `d2i_X509`, `CRYPTO_get_ex_data`, ...). The error queue follows the same split inside
//!   `crate::error` (libcrypto's `ERR_new` / `ERR_set_debug` / `ERR_set_error`).
//!
//! Both provide exactly the items below, with these signatures. Pointers are the C handles
//! (`*mut BIO` etc.); a NULL handle is tolerated everywhere (returns the failure value).
//!
//! ## Types
//! `BIO`, `BIO_ADDR`, `X509`, `X509_NAME`, `X509_STORE`, `X509_STORE_CTX`, `EVP_PKEY`,
//! `OPENSSL_STACK` (any `STACK_OF(T)`), `ExData` (embed one in `SSL`, `SSL_CTX`,
//! `SSL_SESSION`), and the `CRYPTO_EX_INDEX_*` class constants.
//!
//! ## BIO
//! - `bio_read(b: *mut BIO, buf: &mut [u8]) -> c_int` — `BIO_read` semantics (>0 bytes,
//!   0 EOF, <0 error; check `bio_should_retry` after <= 0)
//! - `bio_write(b: *mut BIO, data: &[u8]) -> c_int` — `BIO_write` semantics
//! - `bio_ctrl(b, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long` — `BIO_ctrl`
//! - `bio_mem_append(b, f: impl FnOnce(&mut Vec<u8>) -> R) -> Option<R>` and
//!   `bio_mem_take(b, spare: &mut Vec<u8>, max) -> bool` — `BIO_write` / `BIO_read` of a
//!   memory BIO without a copy (the buffer itself); only our own BIOs (standalone), the
//!   drop-in says None / false and the caller uses `bio_write` / `bio_read`
//! - `bio_should_retry(b) / bio_should_read(b) / bio_should_write(b) -> bool`
//! - `bio_special_retry_reason(b) -> Option<c_int>` — `BIO_get_retry_reason` when only
//!   `BIO_should_io_special` is set (a connect BIO still connecting: `BIO_RR_CONNECT`)
//! - `bio_up_ref(b) -> bool`, `bio_free(b)` (one reference), `bio_free_all(b)`
//! - `bio_new_socket(fd, close_flag) -> *mut BIO`, `bio_new_dgram(fd, close_flag) -> *mut BIO`
//! - `bio_method_type(b) -> c_int` (`BIO_TYPE_*`), `bio_fd(b) -> c_int` (-1 when none)
//! - `bio_dgram_peer(b) -> Option<SocketAddr>`, `bio_dgram_set_peer(b, &SocketAddr)`,
//!   `bio_dgram_set_connected(b, &SocketAddr)` (`BIO_ctrl_set_connected`),
//!   `bio_dgram_set_next_timeout(b, Option<SystemTime>)` (the absolute retransmission
//!   deadline: a blocking datagram BIO read returns -1 with `bio_dgram_recv_timedout` true
//!   once it passes), `bio_dgram_recv_timedout(b) -> bool`, `bio_dgram_mtu(b) -> Option<usize>`
//!   (QUERY_MTU or the cached MTU), `bio_dgram_mtu_overhead(b) -> usize`,
//!   `bio_dgram_mtu_exceeded(b) -> bool`
//! - `bio_addr_write(addr: *mut BIO_ADDR, sa: &SocketAddr)`, `bio_addr_read(addr) ->
//!   Option<SocketAddr>` (BIO_ADDR is usable as `struct sockaddr_storage`: DTLSv1_listen)
//!
//! ## X509 and EVP_PKEY
//! - `x509_from_der(der: &[u8]) -> *mut X509` (new reference; NULL + ERR entry on bad DER)
//! - `x509_der(x: *const X509) -> Option<Vec<u8>>`, `x509_up_ref(x) -> bool`, `x509_free(x)`
//! - `pkey_signing_key(k: *const EVP_PKEY) -> Option<Arc<SigningKey>>` (None for a
//!   public-only key), `pkey_from_signing_key(Arc<SigningKey>) -> *mut EVP_PKEY`,
//!   `pkey_from_der(der) -> *mut EVP_PKEY`, `pkey_up_ref(k) -> bool`, `pkey_free(k)`
//!
//! ## X509_STORE / X509_STORE_CTX (verify callbacks)
//! - `store_new() -> *mut X509_STORE`, `store_up_ref`, `store_free`,
//!   `store_add_cert(st, x) -> bool`, `store_anchors_der(st) -> Vec<Vec<u8>>`,
//!   `store_generation(st) -> u64` (changes whenever a certificate is added: cache the
//!   parsed trust store per generation)
//! - `store_ctx_new(chain_der: &[Vec<u8>], depth, error, ssl: *mut c_void) -> *mut
//!   X509_STORE_CTX`: `X509_STORE_CTX_get_ex_data(ctx, ssl_ex_data_x509_store_ctx_idx())`
//!   returns `ssl`; `store_ctx_set_depth(ctx, depth, error)` moves to another depth
//!   (current cert = chain[depth]); `store_ctx_error(ctx) -> c_int`, `store_ctx_error_depth`;
//!   `store_ctx_set_verifier(ctx, Box<dyn Fn(&[Vec<u8>]) -> (c_int, usize)>)` lets
//!   `X509_verify_cert` (called from an `SSL_CTX_set_cert_verify_callback` callback) run the
//!   SSL layer's verification and return (error code, depth); `store_ctx_free(ctx)`
//! - `ssl_ex_data_x509_store_ctx_idx() -> c_int` (what `SSL_get_ex_data_X509_STORE_CTX_idx`
//!   returns)
//! - `native_verify(&NativeVerify) -> Option<NativeVerdict>`: the drop-in verifies with libcrypto's `X509_verify_cert` (and
//!   the app's callbacks) and returns `Some`; the standalone build returns `None` and the
//!   SSL layer uses rdtls' OpenSSL-compatible verifier
//! - `store_set_default_paths(st) -> bool` (`SSL_CTX_set_default_verify_paths` on the store)
//! - `store_crls_and_flags(st, extra_flags) -> (Vec<Vec<u8>>, u64)`: the store's CRLs and
//!   `X509_V_FLAG_*` (or'ed with `extra_flags`) for the standalone verifier (empty in the drop-in, whose libcrypto
//!   checks them)
//! - `X509_VERIFY_PARAM`: `param_new() -> *mut`, `param_free`, `param_set1(to, from) ->
//!   bool`, `param_inherit(to, from) -> bool`, `param_set_hostflags(p, flags) -> bool`,
//!   `param_hosts_flags_depth(p) -> (Vec<String>, u64, c_int)` (for the standalone
//!   verifier; the drop-in's libcrypto reads its parameters itself)
//!
//! ## STACK_OF(X509)
//! - `stack_of_x509(chain_der: &[Vec<u8>]) -> *mut OPENSSL_STACK` (new stack owning new X509s;
//!   the caller frees with `stack_free_x509(sk)`), `stack_of_x509_refs(certs: &[*mut X509])`
//!   (stack holding new references), `stack_x509_der(sk) -> Vec<Vec<u8>>`,
//!   `stack_free_x509(sk)` (`sk_X509_pop_free(sk, X509_free)`)
//!
//! ## Library initialisation
//! - `library_init(opts: u64, settings: *const c_void) -> bool` — what `OPENSSL_init_ssl`
//!   needs from the crypto side (drop-in: `OPENSSL_init_crypto` and the SSL error strings).
//!
//! ## Memory and generic stacks
//! - `crypto_malloc(len) -> *mut c_void` — memory the C caller frees with `OPENSSL_free`
//! - `stack_len(sk) -> usize` (any `STACK_OF(T)`, 0 for NULL),
//!   `stack_free_x509_names(sk)` (`sk_X509_NAME_pop_free(sk, X509_NAME_free)`),
//!   `stack_of_ptrs(&[*const c_void]) -> *mut OPENSSL_STACK` (a stack listing pointers it
//!   does not own, e.g. static `SRTP_PROTECTION_PROFILE`s)
//!
//! ## Legacy-program helpers (issue 8)
//! - `pkey_from_rsa(rsa) -> *mut EVP_PKEY` (drop-in only; standalone: NULL + error),
//!   `x509_subject_der(x) -> Option<Vec<u8>>`, `x509_name_stack_der(sk) -> Vec<Vec<u8>>`,
//!   `x509_name_stack(ders) -> *mut OPENSSL_STACK` (new names; standalone: none / NULL)
//! - `bio_new_connect() / bio_new_buffer() -> *mut BIO` (standalone: a connect BIO of
//!   bio/connect.rs, but no buffer BIO: NULL)
//!
//! ## ex_data
//! `ExData::new(class: c_int, parent: *mut c_void)` (runs registered `new_func`s),
//! `.get(idx) -> *mut c_void`, `.set(idx, ptr) -> bool`, `.free(parent)` (runs `free_func`s;
//! call once when the parent is freed), `.as_ptr()` (the `CRYPTO_EX_DATA *` to hand to C).
//! Indices come from `CRYPTO_get_ex_new_index` (index 0 is reserved for `*_get_app_data`).
/// What `native_verify` verifies: the peer's chain for one `SSL`, as libssl's
/// `ssl_verify_cert_chain` sets up `X509_verify_cert`.
pub struct NativeVerify<'a> {
    /// The `SSL*` (for the store, the ex_data slot and the callbacks).
    pub ssl: *mut std::ffi::c_void,
    /// The SSL's `X509_VERIFY_PARAM` (NULL when it has none).
    pub ssl_param: *const X509_VERIFY_PARAM,
    /// The peer's chain, leaf first (DER).
    pub chain_der: &'a [Vec<u8>],
    /// `SSL_set1_host`/`SSL_add1_host` names (None: no name check of our own).
    pub names: Option<&'a [String]>,
    /// True when verifying a server's certificate ("ssl_server" defaults).
    pub server_cert: bool,
    /// The verify depth.
    pub max_depth: usize,
    /// The application's verify callback.
    pub verify_cb:
        Option<unsafe extern "C" fn(std::ffi::c_int, *mut X509_STORE_CTX) -> std::ffi::c_int>,
    /// The application's cert-verify callback and its argument (replaces X509_verify_cert).
    pub cert_cb: Option<(
        unsafe extern "C" fn(*mut X509_STORE_CTX, *mut std::ffi::c_void) -> std::ffi::c_int,
        *mut std::ffi::c_void,
    )>,
}

#[cfg(not(feature = "dropin"))]
mod standalone;
#[cfg(not(feature = "dropin"))]
pub use standalone::*;

#[cfg(feature = "dropin")]
pub mod dropin;
#[cfg(feature = "dropin")]
pub use dropin::*;
