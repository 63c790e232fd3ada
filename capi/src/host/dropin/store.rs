//! `X509_STORE` and the `X509_STORE_CTX` handed to verify callbacks, as libcrypto objects.
//!
//! The engine verifies chains itself (rustls-webpki) against the DER of the store's
//! certificates. Verify callbacks get a real libcrypto `X509_STORE_CTX`: its verified chain,
//! current certificate, error and depth are set with libcrypto's setters, and the `SSL*` sits
//! at `SSL_get_ex_data_X509_STORE_CTX_idx()`, so `X509_STORE_CTX_get_current_cert` and
//! friends work unchanged. `X509_verify_cert` called from an
//! `SSL_CTX_set_cert_verify_callback` callback is libcrypto's own: the context is prepared
//! for it (leaf, untrusted intermediates, the `SSL_CTX`'s store), so it verifies with
//! OpenSSL's verifier against the same trust anchors.
use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

use super::ffi::{self, OPENSSL_STACK, X509, X509_STORE, X509_STORE_CTX};
use super::x509::{stack_count, stack_free_x509, stack_items, stack_of_x509, x509_der};
use super::CRYPTO_EX_INDEX_X509_STORE_CTX;

/// What `X509_verify_cert` would run in the standalone build; libcrypto runs its own here.
pub type Verifier = Box<dyn Fn(&[Vec<u8>]) -> (c_int, usize)>;

extern "C" {
    // This library's own exports (the SSL layer): the store of the SSL's context.
    fn SSL_get_SSL_CTX(s: *const c_void) -> *mut c_void;
    fn SSL_CTX_get_cert_store(ctx: *const c_void) -> *mut X509_STORE;
}

/// `X509_STORE_new`.
pub fn store_new() -> *mut X509_STORE {
    // SAFETY: no arguments.
    unsafe { ffi::X509_STORE_new() }
}

/// `X509_STORE_up_ref`.
pub fn store_up_ref(st: *mut X509_STORE) -> bool {
    // SAFETY: a live store (NULL checked).
    !st.is_null() && unsafe { ffi::X509_STORE_up_ref(st) } == 1
}

/// `X509_STORE_free`.
pub fn store_free(st: *mut X509_STORE) {
    if !st.is_null() {
        // SAFETY: the caller owns one reference.
        unsafe { ffi::X509_STORE_free(st) }
    }
}

/// `X509_STORE_add_cert` (libcrypto 3.0 also returns 1 when the certificate is present).
pub fn store_add_cert(st: *mut X509_STORE, x: *mut X509) -> bool {
    // SAFETY: live objects (NULL checked); the store takes its own reference.
    !st.is_null() && !x.is_null() && unsafe { ffi::X509_STORE_add_cert(st, x) } == 1
}

/// Runs `f` on the store's certificates (borrowed) under the store's lock.
fn with_store_certs<R>(st: *const X509_STORE, f: impl FnOnce(&[*mut X509]) -> R) -> R {
    if st.is_null() {
        return f(&[]);
    }
    let st = st.cast_mut();
    // SAFETY: a live store; the object list is only read while the lock is held.
    unsafe { ffi::X509_STORE_lock(st) };
    // SAFETY: as above.
    let objs = unsafe { ffi::X509_STORE_get0_objects(st) };
    let n = if objs.is_null() { 0 } else { stack_count(objs) };
    let certs: Vec<*mut X509> = (0..n)
        .filter_map(|i| {
            // SAFETY: i is within 0..num of a live stack of X509_OBJECTs.
            let o = unsafe { ffi::OPENSSL_sk_value(objs, i) }.cast::<ffi::X509_OBJECT>();
            // SAFETY: a live X509_OBJECT.
            let is_cert =
                !o.is_null() && unsafe { ffi::X509_OBJECT_get_type(o) } == ffi::X509_LU_X509;
            // SAFETY: as above, and it holds a certificate.
            is_cert.then(|| unsafe { ffi::X509_OBJECT_get0_X509(o) })
        })
        .filter(|x| !x.is_null())
        .collect();
    let r = f(&certs);
    // SAFETY: locked above.
    unsafe { ffi::X509_STORE_unlock(st) };
    r
}

/// DER of every certificate in the store.
pub fn store_anchors_der(st: *const X509_STORE) -> Vec<Vec<u8>> {
    with_store_certs(st, |certs| {
        certs.iter().filter_map(|&x| x509_der(x)).collect()
    })
}

/// A value that changes whenever the store's certificates change: libcrypto keeps no
/// counter, so this hashes the store and its certificate objects (FNV-1a).
pub fn store_generation(st: *const X509_STORE) -> u64 {
    with_store_certs(st, |certs| {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut mix = |v: usize| {
            for b in v.to_le_bytes() {
                h ^= u64::from(b);
                h = h.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        mix(st as usize);
        mix(certs.len());
        certs.iter().for_each(|&x| mix(x as usize));
        h
    })
}

/// Our side of a verify context: the chain (owned), freed with the context.
struct CtxState {
    /// The peer's chain, leaf first (a stack we own, with one reference per certificate).
    certs: *mut OPENSSL_STACK,
    /// The intermediates as `X509_verify_cert` sees them (borrowed from `certs`).
    untrusted: *mut OPENSSL_STACK,
}

/// The ex_data index (class X509_STORE_CTX) holding our `CtxState`.
fn state_idx() -> c_int {
    static IDX: OnceLock<c_int> = OnceLock::new();
    *IDX.get_or_init(new_store_ctx_index)
}

fn new_store_ctx_index() -> c_int {
    // SAFETY: libcrypto's index allocator; no callbacks.
    unsafe {
        ffi::CRYPTO_get_ex_new_index(
            CRYPTO_EX_INDEX_X509_STORE_CTX,
            0,
            std::ptr::null_mut(),
            None,
            std::ptr::null(),
            None,
        )
    }
}

fn state<'a>(ctx: *const X509_STORE_CTX) -> Option<&'a CtxState> {
    if ctx.is_null() {
        return None;
    }
    // SAFETY: a live context made by store_ctx_new; the slot holds a CtxState or NULL.
    let p = unsafe { ffi::X509_STORE_CTX_get_ex_data(ctx, state_idx()) };
    // SAFETY: the pointer came from Box::into_raw in store_ctx_new and lives until
    // store_ctx_free.
    unsafe { p.cast::<CtxState>().as_ref() }
}

/// The ex_data index (class X509_STORE_CTX) under which a verify context holds its `SSL*`
/// (`SSL_get_ex_data_X509_STORE_CTX_idx`), allocated once from libcrypto.
pub fn ssl_ex_data_x509_store_ctx_idx() -> c_int {
    static IDX: OnceLock<c_int> = OnceLock::new();
    *IDX.get_or_init(new_store_ctx_index)
}

/// A verification context for a verify callback (see the module doc).
pub fn store_ctx_new(
    chain_der: &[Vec<u8>],
    depth: usize,
    error: c_int,
    ssl: *mut c_void,
) -> *mut X509_STORE_CTX {
    // SAFETY: no arguments.
    let ctx = unsafe { ffi::X509_STORE_CTX_new() };
    if ctx.is_null() {
        return ctx;
    }
    let store = if ssl.is_null() {
        std::ptr::null_mut()
    } else {
        // SAFETY: a live SSL of this library (the caller's contract).
        unsafe { SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl)) }
    };
    // SAFETY: a fresh context; the store (if any) outlives the callback it is made for.
    if unsafe { ffi::X509_STORE_CTX_init(ctx, store, std::ptr::null_mut(), std::ptr::null_mut()) }
        != 1
    {
        // SAFETY: ours, never handed out.
        unsafe { ffi::X509_STORE_CTX_free(ctx) };
        return std::ptr::null_mut();
    }
    let certs = stack_of_x509(chain_der);
    // SAFETY: no arguments.
    let untrusted = unsafe { ffi::OPENSSL_sk_new_null() };
    let items = stack_items(certs);
    for &x in items.iter().skip(1) {
        // SAFETY: a live stack; it borrows the pointer (certs keeps the reference).
        unsafe { ffi::OPENSSL_sk_push(untrusted, x.cast_const().cast()) };
    }
    // SAFETY: live context; the verified chain is a copy holding its own references, owned
    // (and freed) by the context; set_cert only borrows the leaf, which certs keeps alive.
    unsafe {
        ffi::X509_STORE_CTX_set0_verified_chain(ctx, ffi::X509_chain_up_ref(certs));
        if let Some(&leaf) = items.first() {
            ffi::X509_STORE_CTX_set_cert(ctx, leaf);
        }
        ffi::X509_STORE_CTX_set_ex_data(ctx, ssl_ex_data_x509_store_ctx_idx(), ssl);
        if let Some(i) = crate::passthru::real_store_ctx_idx() {
            ffi::X509_STORE_CTX_set_ex_data(ctx, i, ssl);
        }
    }
    let st = Box::into_raw(Box::new(CtxState { certs, untrusted }));
    // SAFETY: live context; freed in store_ctx_free.
    unsafe { ffi::X509_STORE_CTX_set_ex_data(ctx, state_idx(), st.cast()) };
    store_ctx_set_depth(ctx, depth, error);
    ctx
}

/// Moves the context to `depth` with result `error` (current cert = chain[depth]).
pub fn store_ctx_set_depth(ctx: *mut X509_STORE_CTX, depth: usize, error: c_int) {
    let Some(st) = state(ctx) else { return };
    let current = stack_items(st.certs)
        .get(depth)
        .copied()
        .unwrap_or(std::ptr::null_mut());
    // SAFETY: live context; current is NULL or kept alive by st.certs.
    unsafe {
        ffi::X509_STORE_CTX_set_current_cert(ctx, current);
        ffi::X509_STORE_CTX_set_error_depth(ctx, c_int::try_from(depth).unwrap_or(c_int::MAX));
        ffi::X509_STORE_CTX_set_error(ctx, error);
    }
}

/// `X509_STORE_CTX_get_error`.
pub fn store_ctx_error(ctx: *const X509_STORE_CTX) -> c_int {
    // SAFETY: a live context (NULL checked).
    if ctx.is_null() {
        0
    } else {
        unsafe { ffi::X509_STORE_CTX_get_error(ctx) }
    }
}

/// `X509_STORE_CTX_get_error_depth`.
pub fn store_ctx_error_depth(ctx: *const X509_STORE_CTX) -> c_int {
    // SAFETY: a live context (NULL checked).
    if ctx.is_null() {
        0
    } else {
        unsafe { ffi::X509_STORE_CTX_get_error_depth(ctx) }
    }
}

/// Prepares the context for libcrypto's own `X509_verify_cert` (which refuses a context that
/// already has a verified chain): drops the chain copy and sets leaf and intermediates. The
/// standalone build's `verifier` has no place in libcrypto and is not used.
pub fn store_ctx_set_verifier(ctx: *mut X509_STORE_CTX, _verifier: Verifier) {
    let Some(st) = state(ctx) else { return };
    // SAFETY: live context; the chain copy it owns is freed by set0(NULL); the untrusted
    // stack stays ours (set0_untrusted does not take ownership in the sense of freeing it).
    unsafe {
        ffi::X509_STORE_CTX_set0_verified_chain(ctx, std::ptr::null_mut());
        ffi::X509_STORE_CTX_set0_untrusted(ctx, st.untrusted);
    }
}

/// Frees a context from [`store_ctx_new`] and our chain.
pub fn store_ctx_free(ctx: *mut X509_STORE_CTX) {
    if ctx.is_null() {
        return;
    }
    // SAFETY: live context; the state pointer is taken out before the context goes.
    let p = unsafe { ffi::X509_STORE_CTX_get_ex_data(ctx, state_idx()) }.cast::<CtxState>();
    // SAFETY: ours; frees the context's own chain copy too.
    unsafe { ffi::X509_STORE_CTX_free(ctx) };
    if !p.is_null() {
        // SAFETY: from Box::into_raw in store_ctx_new, freed exactly once here.
        let st = unsafe { Box::from_raw(p) };
        // SAFETY: the untrusted stack only borrows; the certificates go with certs.
        unsafe { ffi::OPENSSL_sk_free(st.untrusted) };
        stack_free_x509(st.certs);
    }
}
