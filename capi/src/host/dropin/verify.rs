//! Chain verification in the drop-in build is libcrypto's own `X509_verify_cert`, run the
//! way OpenSSL's libssl runs it (`ssl_verify_cert_chain`): an `X509_STORE_CTX` on the
//! `SSL_CTX`'s `X509_STORE` with the peer's leaf and intermediates, the `SSL*` at
//! `SSL_get_ex_data_X509_STORE_CTX_idx()`, the "ssl_server"/"ssl_client" defaults
//! (purpose and trust), the verify depth, the `SSL_set1_host`/`SSL_add1_host` names and
//! the application's verify callback; or the application's cert-verify callback in its
//! place. Every rule, error code, depth and callback order (v1 certificates, CRLs and
//! store flags included) is therefore OpenSSL's.
use std::ffi::{c_char, c_int, c_uint, c_void, CString};
use std::net::IpAddr;

use super::ffi::{self, X509_STORE, X509_STORE_CTX};
use super::ssl_ex_data_x509_store_ctx_idx;
use super::x509::{stack_free_x509, stack_items, stack_of_x509};

/// `X509_VERIFY_PARAM` (opaque, libcrypto's).
#[repr(C)]
pub struct X509_VERIFY_PARAM {
    _private: [u8; 0],
}

type VerifyCb = unsafe extern "C" fn(c_int, *mut X509_STORE_CTX) -> c_int;

extern "C" {
    fn X509_verify_cert(ctx: *mut X509_STORE_CTX) -> c_int;
    fn X509_STORE_CTX_set_default(ctx: *mut X509_STORE_CTX, name: *const c_char) -> c_int;
    fn X509_STORE_CTX_get0_param(ctx: *mut X509_STORE_CTX) -> *mut X509_VERIFY_PARAM;
    fn X509_STORE_CTX_set_verify_cb(ctx: *mut X509_STORE_CTX, cb: Option<VerifyCb>);
    fn X509_VERIFY_PARAM_set_depth(p: *mut X509_VERIFY_PARAM, depth: c_int);
    fn X509_VERIFY_PARAM_set1_host(
        p: *mut X509_VERIFY_PARAM,
        name: *const c_char,
        len: usize,
    ) -> c_int;
    fn X509_VERIFY_PARAM_add1_host(
        p: *mut X509_VERIFY_PARAM,
        name: *const c_char,
        len: usize,
    ) -> c_int;
    fn X509_VERIFY_PARAM_set1_ip_asc(p: *mut X509_VERIFY_PARAM, ip: *const c_char) -> c_int;
    fn X509_STORE_set_default_paths(st: *mut X509_STORE) -> c_int;
    fn X509_VERIFY_PARAM_new() -> *mut X509_VERIFY_PARAM;
    fn X509_VERIFY_PARAM_free(p: *mut X509_VERIFY_PARAM);
    fn X509_VERIFY_PARAM_set1(to: *mut X509_VERIFY_PARAM, from: *const X509_VERIFY_PARAM) -> c_int;
    fn X509_VERIFY_PARAM_inherit(
        to: *mut X509_VERIFY_PARAM,
        from: *const X509_VERIFY_PARAM,
    ) -> c_int;
    fn X509_VERIFY_PARAM_set_hostflags(p: *mut X509_VERIFY_PARAM, flags: c_uint);
    // This library's own exports (the SSL layer): the store of the SSL's context.
    fn SSL_get_SSL_CTX(s: *const c_void) -> *mut c_void;
    fn SSL_CTX_get_cert_store(ctx: *const c_void) -> *mut X509_STORE;
}

/// What [`native_verify`] reports: the callback-adjusted verdict and
/// `X509_STORE_CTX_get_error`/`_get_error_depth` afterwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeVerdict {
    /// `X509_verify_cert` (or the cert-verify callback) returned > 0.
    pub accept: bool,
    /// The context's error (what `SSL_get_verify_result` reports).
    pub code: c_int,
    /// The context's error depth.
    pub depth: usize,
}

/// `X509_VERIFY_PARAM_new` (NULL on failure).
pub fn param_new() -> *mut X509_VERIFY_PARAM {
    // SAFETY: no arguments.
    unsafe { X509_VERIFY_PARAM_new() }
}

/// `X509_VERIFY_PARAM_free` (NULL tolerated).
pub fn param_free(p: *mut X509_VERIFY_PARAM) {
    // SAFETY: NULL or a parameter object we own.
    unsafe { X509_VERIFY_PARAM_free(p) }
}

/// `X509_VERIFY_PARAM_set1(to, from)`; false when either is NULL or libcrypto fails.
pub fn param_set1(to: *mut X509_VERIFY_PARAM, from: *const X509_VERIFY_PARAM) -> bool {
    // SAFETY: live parameter objects (NULL checked).
    !to.is_null() && !from.is_null() && unsafe { X509_VERIFY_PARAM_set1(to, from) } == 1
}

/// `X509_VERIFY_PARAM_inherit(to, from)` (what `SSL_new` does with the context's).
pub fn param_inherit(to: *mut X509_VERIFY_PARAM, from: *const X509_VERIFY_PARAM) -> bool {
    // SAFETY: live parameter objects (NULL checked).
    !to.is_null() && !from.is_null() && unsafe { X509_VERIFY_PARAM_inherit(to, from) } == 1
}

/// `X509_VERIFY_PARAM_set_hostflags`; false for NULL.
pub fn param_set_hostflags(p: *mut X509_VERIFY_PARAM, flags: c_uint) -> bool {
    if p.is_null() {
        return false;
    }
    // SAFETY: a live parameter object.
    unsafe { X509_VERIFY_PARAM_set_hostflags(p, flags) };
    true
}

/// `SSL_CTX_set_default_verify_paths`: libcrypto's default locations on the store.
pub fn store_set_default_paths(st: *mut X509_STORE) -> bool {
    // SAFETY: NULL checked; a live libcrypto store.
    !st.is_null() && unsafe { X509_STORE_set_default_paths(st) } == 1
}

/// Verifies `chain_der` for `ssl` with libcrypto (see the module documentation), with the
/// SSL's parameters `ssl_param` (may be NULL). `names` are the `SSL_set1_host` names (IP
/// literals become `X509_VERIFY_PARAM_set1_ip_asc`).
pub fn native_verify(req: &super::super::NativeVerify<'_>) -> Option<NativeVerdict> {
    let super::super::NativeVerify {
        ssl,
        ssl_param,
        chain_der,
        names,
        server_cert,
        max_depth,
        verify_cb,
        cert_cb,
    } = *req;
    let failed = NativeVerdict {
        accept: false,
        code: 1,
        depth: 0,
    };
    if ssl.is_null() || chain_der.is_empty() {
        return Some(failed);
    }
    // SAFETY: a live SSL of this library (the caller's contract).
    let store = unsafe { SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)) };
    let certs = stack_of_x509(chain_der);
    let items = stack_items(certs);
    let Some(&leaf) = items.first() else {
        stack_free_x509(certs);
        return Some(failed);
    };
    // SAFETY: no arguments.
    let untrusted = unsafe { ffi::OPENSSL_sk_new_null() };
    for &x in items.iter().skip(1) {
        // SAFETY: a live stack; it borrows the pointer (certs keeps the reference).
        unsafe { ffi::OPENSSL_sk_push(untrusted, x.cast_const().cast()) };
    }
    // SAFETY: no arguments.
    let ctx = unsafe { ffi::X509_STORE_CTX_new() };
    let mut verdict = failed;
    // SAFETY: ctx is fresh (NULL checked); store, leaf and untrusted outlive it (freed
    // below, after the context).
    if !ctx.is_null() && unsafe { ffi::X509_STORE_CTX_init(ctx, store, leaf, untrusted) } == 1 {
        // SAFETY: a live, initialised context; the strings outlive the calls (libcrypto
        // copies host names).
        unsafe {
            ffi::X509_STORE_CTX_set_ex_data(ctx, ssl_ex_data_x509_store_ctx_idx(), ssl);
            let purpose: &[u8] = if server_cert {
                b"ssl_server\0"
            } else {
                b"ssl_client\0"
            };
            X509_STORE_CTX_set_default(ctx, purpose.as_ptr().cast());
            let param = X509_STORE_CTX_get0_param(ctx);
            X509_VERIFY_PARAM_set_depth(param, c_int::try_from(max_depth).unwrap_or(c_int::MAX));
            // The SSL's own parameters (SSL_get0_param, SSL_set_hostflags, SSL_CTX_set1_param
            // inherited at SSL_new), as libssl's X509_VERIFY_PARAM_set1(param, s->param).
            if !ssl_param.is_null() {
                X509_VERIFY_PARAM_set1(param, ssl_param);
            }
            let mut first = true;
            for n in names.unwrap_or_default() {
                let Ok(c) = CString::new(n.as_str()) else {
                    continue;
                };
                if n.parse::<IpAddr>().is_ok() {
                    X509_VERIFY_PARAM_set1_ip_asc(param, c.as_ptr());
                } else if first {
                    X509_VERIFY_PARAM_set1_host(param, c.as_ptr(), 0);
                    first = false;
                } else {
                    X509_VERIFY_PARAM_add1_host(param, c.as_ptr(), 0);
                }
            }
            if verify_cb.is_some() {
                X509_STORE_CTX_set_verify_cb(ctx, verify_cb);
            }
        }
        let ret = match cert_cb {
            // SAFETY: the application's callback with OpenSSL's arguments.
            Some((cb, arg)) => unsafe { cb(ctx, arg) },
            // SAFETY: a fully set-up context.
            None => unsafe { X509_verify_cert(ctx) },
        };
        // SAFETY: live context.
        let (code, depth) = unsafe {
            (
                ffi::X509_STORE_CTX_get_error(ctx),
                ffi::X509_STORE_CTX_get_error_depth(ctx),
            )
        };
        verdict = NativeVerdict {
            accept: ret > 0,
            code,
            depth: usize::try_from(depth).unwrap_or(0),
        };
    }
    if !ctx.is_null() {
        // SAFETY: ours, freed once, before what it borrows.
        unsafe { ffi::X509_STORE_CTX_free(ctx) };
    }
    // SAFETY: the untrusted stack only borrows; the certificates go with certs.
    unsafe { ffi::OPENSSL_sk_free(untrusted) };
    stack_free_x509(certs);
    Some(verdict)
}

/// Revocation data for the standalone verifier; libcrypto checks CRLs itself here.
pub fn store_crls_and_flags(_st: *const X509_STORE, extra_flags: u64) -> (Vec<Vec<u8>>, u64) {
    (Vec::new(), extra_flags)
}

/// Used by the standalone verifier only; libcrypto reads the parameters itself here.
pub fn param_hosts_flags_depth(_p: *const X509_VERIFY_PARAM) -> (Vec<String>, u64, c_int) {
    (Vec::new(), 0, -1)
}
