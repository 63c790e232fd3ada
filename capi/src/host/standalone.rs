//! The standalone host: libcrypto-side objects are this crate's own (see the parent module).
use std::ffi::{c_int, c_long, c_void};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use rdtls::pki::keys::SigningKey;

pub use crate::bio::addr::BIO_ADDR;
pub use crate::bio::BIO;
pub use crate::crypto::pkey::EVP_PKEY;
pub use crate::exdata::{
    ExData, CRYPTO_EX_INDEX_BIO, CRYPTO_EX_INDEX_SSL, CRYPTO_EX_INDEX_SSL_CTX,
    CRYPTO_EX_INDEX_SSL_SESSION, CRYPTO_EX_INDEX_X509, CRYPTO_EX_INDEX_X509_STORE,
    CRYPTO_EX_INDEX_X509_STORE_CTX,
};
pub use crate::x509::stack::OPENSSL_STACK;
pub use crate::x509::store::{X509_STORE, X509_STORE_CTX};
pub use crate::x509::{X509, X509_NAME};

use crate::bio::{self, consts::*};

/// `BIO_read`.
pub fn bio_read(b: *mut BIO, buf: &mut [u8]) -> c_int {
    bio::read(b, buf)
}

/// `BIO_write`.
pub fn bio_write(b: *mut BIO, data: &[u8]) -> c_int {
    bio::write(b, data)
}

/// When `b` is our own memory BIO: `f` appends one datagram straight to its buffer, as
/// `bio_write` of it would (no intermediate buffer). None, without calling `f`, otherwise.
pub fn bio_mem_append<R>(b: *mut BIO, f: impl FnOnce(&mut Vec<u8>) -> R) -> Option<R> {
    bio::mem_append(b, f)
}

/// When `b` is our own memory BIO holding 1..=`max` bytes: `bio_read` of all of them into
/// `spare`, by exchanging buffers instead of copying. False when not done (read as usual).
pub fn bio_mem_take(b: *mut BIO, spare: &mut Vec<u8>, max: usize) -> bool {
    bio::mem_take(b, spare, max)
}

/// Sends several datagrams in one system call when the BIO can (our datagram BIO's
/// `sendmmsg`); returns how many went out whole.
pub fn bio_write_batch(b: *mut BIO, datagrams: &[&[u8]]) -> usize {
    bio::write_batch(b, datagrams)
}

/// `BIO_ctrl`.
pub fn bio_ctrl(b: *mut BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    bio::ctrl(b, cmd, larg, parg)
}

/// `BIO_should_retry`.
pub fn bio_should_retry(b: *mut BIO) -> bool {
    bio::test_flags(b, BIO_FLAGS_SHOULD_RETRY) != 0
}

/// `BIO_should_read`.
pub fn bio_should_read(b: *mut BIO) -> bool {
    bio::test_flags(b, BIO_FLAGS_READ) != 0
}

/// `BIO_should_write`.
pub fn bio_should_write(b: *mut BIO) -> bool {
    bio::test_flags(b, BIO_FLAGS_WRITE) != 0
}

/// `BIO_get_retry_reason` when the BIO asks for a retry of a special operation only (no
/// read/write flag), as OpenSSL's SSL_get_error checks it.
pub fn bio_special_retry_reason(b: *mut BIO) -> Option<c_int> {
    if bio::test_flags(b, BIO_FLAGS_IO_SPECIAL) == 0
        || bio::test_flags(b, BIO_FLAGS_READ | BIO_FLAGS_WRITE) != 0
    {
        return None;
    }
    Some(bio::exports::BIO_get_retry_reason(b))
}

/// `BIO_up_ref`.
pub fn bio_up_ref(b: *mut BIO) -> bool {
    bio::up_ref(b)
}

/// `BIO_free` (one reference).
pub fn bio_free(b: *mut BIO) {
    bio::free(b);
}

/// `BIO_free_all`.
pub fn bio_free_all(b: *mut BIO) {
    bio::free_all(b);
}

/// `BIO_new_socket`.
pub fn bio_new_socket(fd: c_int, close_flag: c_int) -> *mut BIO {
    bio::fd::new_socket(fd, close_flag)
}

/// `BIO_new_dgram`.
pub fn bio_new_dgram(fd: c_int, close_flag: c_int) -> *mut BIO {
    bio::dgram::new_dgram(fd, close_flag)
}

/// `BIO_method_type`.
pub fn bio_method_type(b: *mut BIO) -> c_int {
    bio::method_type(b)
}

/// `BIO_get_fd(b, NULL)`, -1 when the BIO has no descriptor.
pub fn bio_fd(b: *mut BIO) -> c_int {
    if b.is_null() {
        return -1;
    }
    let fd = bio::ctrl_quiet(b, BIO_C_GET_FD, 0, std::ptr::null_mut());
    c_int::try_from(fd).unwrap_or(-1)
}

/// The datagram BIO's peer (`BIO_dgram_get_peer`), None when unset or not a datagram BIO.
pub fn bio_dgram_peer(b: *mut BIO) -> Option<SocketAddr> {
    let mut addr = BIO_ADDR::zeroed();
    let n = bio::ctrl_quiet(
        b,
        BIO_CTRL_DGRAM_GET_PEER,
        0,
        (&mut addr as *mut BIO_ADDR).cast(),
    );
    if n <= 0 {
        return None;
    }
    addr.to_socket_addr()
}

/// `BIO_dgram_set_peer`.
pub fn bio_dgram_set_peer(b: *mut BIO, peer: &SocketAddr) {
    let mut addr = BIO_ADDR::from_socket_addr(peer);
    bio::ctrl_quiet(
        b,
        BIO_CTRL_DGRAM_SET_PEER,
        0,
        (&mut addr as *mut BIO_ADDR).cast(),
    );
}

/// `BIO_ctrl_set_connected`: the datagram BIO sends to `peer` with `send` from now on.
pub fn bio_dgram_set_connected(b: *mut BIO, peer: &SocketAddr) {
    let mut addr = BIO_ADDR::from_socket_addr(peer);
    bio::ctrl_quiet(
        b,
        BIO_CTRL_DGRAM_SET_CONNECTED,
        0,
        (&mut addr as *mut BIO_ADDR).cast(),
    );
}

/// `BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT` with an absolute deadline (None clears it).
pub fn bio_dgram_set_next_timeout(b: *mut BIO, deadline: Option<SystemTime>) {
    let mut tv = match deadline.and_then(|d| d.duration_since(SystemTime::UNIX_EPOCH).ok()) {
        Some(d) => libc::timeval {
            tv_sec: d.as_secs() as libc::time_t,
            tv_usec: d.subsec_micros() as libc::suseconds_t,
        },
        None => libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        },
    };
    bio::ctrl_quiet(
        b,
        BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT,
        0,
        (&mut tv as *mut libc::timeval).cast(),
    );
}

/// `BIO_dgram_recv_timedout`: the last read failed because the receive timeout expired.
pub fn bio_dgram_recv_timedout(b: *mut BIO) -> bool {
    bio::ctrl_quiet(
        b,
        BIO_CTRL_DGRAM_GET_RECV_TIMER_EXP,
        0,
        std::ptr::null_mut(),
    ) > 0
}

/// The path MTU for payloads: `BIO_CTRL_DGRAM_QUERY_MTU`, else the cached `GET_MTU` value.
pub fn bio_dgram_mtu(b: *mut BIO) -> Option<usize> {
    let q = bio::ctrl_quiet(b, BIO_CTRL_DGRAM_QUERY_MTU, 0, std::ptr::null_mut());
    if q > 0 {
        return usize::try_from(q).ok();
    }
    let m = bio::ctrl_quiet(b, BIO_CTRL_DGRAM_GET_MTU, 0, std::ptr::null_mut());
    usize::try_from(m).ok().filter(|&m| m > 0)
}

/// `BIO_dgram_get_mtu_overhead` (IP + UDP header bytes).
pub fn bio_dgram_mtu_overhead(b: *mut BIO) -> usize {
    let n = bio::ctrl_quiet(b, BIO_CTRL_DGRAM_GET_MTU_OVERHEAD, 0, std::ptr::null_mut());
    usize::try_from(n).unwrap_or(0)
}

/// `BIO_CTRL_DGRAM_MTU_EXCEEDED`: the last write failed with EMSGSIZE (clears the condition).
pub fn bio_dgram_mtu_exceeded(b: *mut BIO) -> bool {
    bio::ctrl_quiet(b, BIO_CTRL_DGRAM_MTU_EXCEEDED, 0, std::ptr::null_mut()) > 0
}

/// Writes `sa` into a caller's `BIO_ADDR` (or `struct sockaddr_storage`).
pub fn bio_addr_write(addr: *mut BIO_ADDR, sa: &SocketAddr) {
    if !addr.is_null() {
        // SAFETY: callers pass a BIO_ADDR or a sockaddr_storage; we write only the family's
        // sockaddr length (at most sizeof(sockaddr_in6) = 28 bytes).
        unsafe { BIO_ADDR::write_to(addr, sa) };
    }
}

/// Reads a `BIO_ADDR` as a socket address.
pub fn bio_addr_read(addr: *const BIO_ADDR) -> Option<SocketAddr> {
    // SAFETY: NULL or a live BIO_ADDR from the caller.
    unsafe { addr.as_ref() }.and_then(BIO_ADDR::to_socket_addr)
}

/// Parses DER into a new `X509` (NULL and an ERR entry on failure).
pub fn x509_from_der(der: &[u8]) -> *mut X509 {
    crate::x509::X509::new_raw(der)
}

/// A copy of the certificate's DER.
pub fn x509_der(x: *const X509) -> Option<Vec<u8>> {
    // SAFETY: NULL or a live X509 from this library.
    unsafe { x.as_ref() }.map(|x| x.der().to_vec())
}

/// `X509_up_ref`.
pub fn x509_up_ref(x: *mut X509) -> bool {
    crate::x509::up_ref(x)
}

/// `X509_free`.
pub fn x509_free(x: *mut X509) {
    crate::x509::free(x)
}

/// The signing key inside `k`, None for NULL or a public-only key.
pub fn pkey_signing_key(k: *const EVP_PKEY) -> Option<Arc<SigningKey>> {
    // SAFETY: NULL or a live EVP_PKEY from this library.
    unsafe { k.as_ref() }.and_then(EVP_PKEY::signing_key)
}

/// A new `EVP_PKEY` (one reference) holding `key`.
pub fn pkey_from_signing_key(key: Arc<SigningKey>) -> *mut EVP_PKEY {
    EVP_PKEY::from_signing_key(key)
}

/// Parses a DER private key into a new `EVP_PKEY` (NULL and an ERR entry on failure).
pub fn pkey_from_der(der: &[u8]) -> *mut EVP_PKEY {
    crate::crypto::pkey::private_from_der(der)
}

/// `EVP_PKEY_up_ref`.
pub fn pkey_up_ref(k: *mut EVP_PKEY) -> bool {
    crate::crypto::pkey::up_ref(k)
}

/// `EVP_PKEY_free`.
pub fn pkey_free(k: *mut EVP_PKEY) {
    crate::crypto::pkey::free(k)
}

/// `X509_STORE_new`.
pub fn store_new() -> *mut X509_STORE {
    crate::x509::store::store_new()
}

/// `X509_STORE_up_ref`.
pub fn store_up_ref(st: *mut X509_STORE) -> bool {
    crate::x509::store::store_up_ref(st)
}

/// `X509_STORE_free`.
pub fn store_free(st: *mut X509_STORE) {
    crate::x509::store::store_free(st)
}

/// `X509_STORE_add_cert` (true on success or when already present).
pub fn store_add_cert(st: *mut X509_STORE, x: *mut X509) -> bool {
    crate::x509::store::store_add_cert(st, x)
}

/// DER of every certificate in the store, in insertion order.
pub fn store_anchors_der(st: *const X509_STORE) -> Vec<Vec<u8>> {
    // SAFETY: NULL or a live X509_STORE from this library.
    unsafe { st.as_ref() }.map_or_else(Vec::new, X509_STORE::anchors_der)
}

/// A counter that changes whenever the store's contents change.
pub fn store_generation(st: *const X509_STORE) -> u64 {
    // SAFETY: NULL or a live X509_STORE from this library.
    unsafe { st.as_ref() }.map_or(0, X509_STORE::generation)
}

/// A verification context for a verify callback (see the module doc).
pub fn store_ctx_new(
    chain_der: &[Vec<u8>],
    depth: usize,
    error: c_int,
    ssl: *mut c_void,
) -> *mut X509_STORE_CTX {
    crate::x509::store::store_ctx_for_chain(chain_der, depth, error, ssl)
}

/// Moves the context to `depth` with verification result `error` (current cert =
/// chain[depth]).
pub fn store_ctx_set_depth(ctx: *mut X509_STORE_CTX, depth: usize, error: c_int) {
    // SAFETY: NULL or a live X509_STORE_CTX from this library.
    if let Some(c) = unsafe { ctx.as_ref() } {
        c.set_position(depth, error);
    }
}

/// `X509_STORE_CTX_get_error`.
pub fn store_ctx_error(ctx: *const X509_STORE_CTX) -> c_int {
    // SAFETY: NULL or a live X509_STORE_CTX from this library.
    unsafe { ctx.as_ref() }.map_or(0, X509_STORE_CTX::error)
}

/// `X509_STORE_CTX_get_error_depth`.
pub fn store_ctx_error_depth(ctx: *const X509_STORE_CTX) -> c_int {
    // SAFETY: NULL or a live X509_STORE_CTX from this library.
    unsafe { ctx.as_ref() }.map_or(0, X509_STORE_CTX::error_depth)
}

/// Installs the verification `X509_verify_cert(ctx)` runs: given the chain (leaf first) it
/// returns (X509_V_* code, depth of the failing certificate).
pub fn store_ctx_set_verifier(ctx: *mut X509_STORE_CTX, verifier: crate::x509::store::Verifier) {
    // SAFETY: NULL or a live X509_STORE_CTX from this library.
    if let Some(c) = unsafe { ctx.as_ref() } {
        c.set_verifier(verifier);
    }
}

/// Frees a context from [`store_ctx_new`].
pub fn store_ctx_free(ctx: *mut X509_STORE_CTX) {
    crate::x509::store::store_ctx_free(ctx)
}

/// The ex_data index (class X509_STORE_CTX) under which a verify context holds its `SSL*`.
pub fn ssl_ex_data_x509_store_ctx_idx() -> c_int {
    crate::x509::store::ssl_idx()
}

/// A new `STACK_OF(X509)` owning new X509 objects parsed from `chain_der` (bad entries are
/// skipped with an ERR entry).
pub fn stack_of_x509(chain_der: &[Vec<u8>]) -> *mut OPENSSL_STACK {
    crate::x509::stack::of_x509_der(chain_der)
}

/// A new `STACK_OF(X509)` holding one new reference to each of `certs`.
pub fn stack_of_x509_refs(certs: &[*mut X509]) -> *mut OPENSSL_STACK {
    crate::x509::stack::of_x509_refs(certs)
}

/// DER of every X509 in a `STACK_OF(X509)`.
pub fn stack_x509_der(sk: *const OPENSSL_STACK) -> Vec<Vec<u8>> {
    crate::x509::stack::x509_der_list(sk)
}

/// `sk_X509_pop_free(sk, X509_free)`.
pub fn stack_free_x509(sk: *mut OPENSSL_STACK) {
    crate::x509::stack::free_x509(sk)
}

/// What `OPENSSL_init_ssl` needs from the crypto side: nothing here (error strings are
/// static); always true.
pub fn library_init(_opts: u64, _settings: *const c_void) -> bool {
    true
}

/// `OPENSSL_malloc(len)`: memory the C caller releases with `OPENSSL_free`.
pub fn crypto_malloc(len: usize) -> *mut c_void {
    crate::crypto::mem::alloc(len)
}

/// Number of entries of any `STACK_OF(T)` (0 for NULL).
pub fn stack_len(sk: *const OPENSSL_STACK) -> usize {
    // SAFETY: NULL or a live stack from this library.
    unsafe { sk.as_ref() }.map_or(0, |s| s.items().len())
}

/// A new stack holding the given pointers (not owned: the stack only lists them).
pub fn stack_of_ptrs(ptrs: &[*const c_void]) -> *mut OPENSSL_STACK {
    let sk = crate::x509::stack::OPENSSL_sk_new_null();
    for p in ptrs {
        crate::x509::stack::OPENSSL_sk_push(sk, *p);
    }
    sk
}

/// Releases a `STACK_OF(X509_NAME)` the caller handed over. This build never allocates
/// names on their own (they live inside their certificates), so only the stack goes.
pub fn stack_free_x509_names(sk: *mut OPENSSL_STACK) {
    crate::x509::stack::OPENSSL_sk_free(sk);
}

/// `EVP_PKEY` from an `RSA` object: this build has no `RSA` type (keys come from PEM/DER or
/// an `EVP_PKEY`): NULL with an "unsupported" error.
pub fn pkey_from_rsa(_rsa: *mut c_void) -> *mut EVP_PKEY {
    crate::error::put_error(
        crate::error::ERR_LIB_SSL,
        crate::error::ERR_R_UNSUPPORTED,
        "RSA objects do not exist in the standalone build: use an EVP_PKEY or a key file",
    );
    std::ptr::null_mut()
}

/// The DER subject name of a certificate.
pub fn x509_subject_der(x: *const X509) -> Option<Vec<u8>> {
    let der = x509_der(x)?;
    rdtls::pki::x509::parse_certificate(&der)
        .ok()
        .map(|i| i.subject_der)
}

/// DER of the names in a `STACK_OF(X509_NAME)`: this build's names keep no DER, so none.
pub fn x509_name_stack_der(_sk: *const OPENSSL_STACK) -> Vec<Vec<u8>> {
    Vec::new()
}

/// A `STACK_OF(X509_NAME)` from DER names: this build cannot make free-standing names, so
/// NULL (CA name lists are a drop-in feature).
pub fn x509_name_stack(_ders: &[Vec<u8>]) -> *mut OPENSSL_STACK {
    std::ptr::null_mut()
}

/// What the drop-in's libcrypto verification reports (never produced here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeVerdict {
    /// The chain was accepted.
    pub accept: bool,
    /// `X509_V_*` result.
    pub code: c_int,
    /// Error depth.
    pub depth: usize,
}

/// The standalone build has no libcrypto to verify with: `None` makes the SSL layer use
/// its own OpenSSL-compatible verifier (rdtls::pki::ossl_verify).
pub fn native_verify(_req: &super::NativeVerify<'_>) -> Option<NativeVerdict> {
    None
}

/// `SSL_CTX_set_default_verify_paths` on the store: the standalone build loads the system
/// bundle into the engine's trust store instead (the SSL_CTX's `system_trust` flag), so
/// there is nothing to do on the store itself.
pub fn store_set_default_paths(_st: *mut X509_STORE) -> bool {
    true
}

pub use crate::x509::verify_param::X509_VERIFY_PARAM;

/// `X509_VERIFY_PARAM_new`.
pub fn param_new() -> *mut X509_VERIFY_PARAM {
    crate::x509::verify_param::param_new()
}

/// `X509_VERIFY_PARAM_free` (NULL tolerated).
pub fn param_free(p: *mut X509_VERIFY_PARAM) {
    crate::x509::verify_param::param_free(p)
}

/// `X509_VERIFY_PARAM_set1(to, from)`; false for NULL.
pub fn param_set1(to: *mut X509_VERIFY_PARAM, from: *const X509_VERIFY_PARAM) -> bool {
    // SAFETY: NULL or live objects from this library.
    match unsafe { (to.as_ref(), from.as_ref()) } {
        (Some(t), Some(f)) => {
            crate::x509::verify_param::param_copy(t, f, true);
            true
        }
        _ => false,
    }
}

/// `X509_VERIFY_PARAM_inherit(to, from)`; false for NULL.
pub fn param_inherit(to: *mut X509_VERIFY_PARAM, from: *const X509_VERIFY_PARAM) -> bool {
    // SAFETY: NULL or live objects from this library.
    match unsafe { (to.as_ref(), from.as_ref()) } {
        (Some(t), Some(f)) => {
            crate::x509::verify_param::param_copy(t, f, false);
            true
        }
        _ => false,
    }
}

/// `X509_VERIFY_PARAM_set_hostflags` (only 0 is supported; others raise "unsupported").
pub fn param_set_hostflags(p: *mut X509_VERIFY_PARAM, flags: std::ffi::c_uint) -> bool {
    crate::x509::verify_param::X509_VERIFY_PARAM_set_hostflags(p, flags);
    !p.is_null() && flags == 0
}

/// The expected host names, verification flags and depth (-1: unset) of `p`, for the
/// standalone verifier.
pub fn param_hosts_flags_depth(p: *const X509_VERIFY_PARAM) -> (Vec<String>, u64, c_int) {
    // SAFETY: NULL or a live object from this library.
    unsafe { p.as_ref() }.map_or((Vec::new(), 0, -1), |p| {
        let f = p.fields();
        (p.hosts(), f.flags, f.depth)
    })
}

/// The store's CRLs (DER) and its verification flags (`X509_V_FLAG_*`) or'ed with
/// `extra_flags` (the SSL's parameters), for the standalone verifier's revocation check;
/// the CRLs are copied only when a CRL check is asked for.
pub fn store_crls_and_flags(st: *const X509_STORE, extra_flags: u64) -> (Vec<Vec<u8>>, u64) {
    // SAFETY: NULL or a live X509_STORE from this library.
    let Some(s) = (unsafe { st.as_ref() }) else {
        return (Vec::new(), extra_flags);
    };
    // X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL: copy the CRLs only when needed.
    let flags = s.flags() | extra_flags;
    let crls = if flags & 0xc != 0 {
        s.crls_der()
    } else {
        Vec::new()
    };
    (crls, flags)
}

/// A new connect BIO (`BIO_new(BIO_s_connect())`), address not yet set.
pub fn bio_new_connect() -> *mut BIO {
    crate::bio::connect::new_connect(std::ptr::null())
}

/// A buffering BIO: this build has none (no `BIO_f_buffer`): NULL with an error.
pub fn bio_new_buffer() -> *mut BIO {
    crate::error::put_error(
        crate::error::ERR_LIB_SSL,
        crate::error::ERR_R_UNSUPPORTED,
        "BIO_f_buffer is not provided by the standalone build",
    );
    std::ptr::null_mut()
}
