//! Peer verification callbacks with OpenSSL's semantics, and the verify settings.
//!
//! The engine verifies the chain once and hands the result to a hook. The hook replays it to
//! the application's verify callback the way OpenSSL's `X509_verify_cert` does: once per
//! certificate from the top of the chain down to the leaf, with `preverify_ok` 0 and the
//! error code at the failing depth, through an `X509_STORE_CTX` whose ex_data (at
//! `SSL_get_ex_data_X509_STORE_CTX_idx()`) gives back the `SSL*`. A callback returning 1 at
//! the failing depth overrides the failure; returning 0 anywhere rejects the chain.
use std::ffi::{c_int, c_long, c_void};

use rdtls::connection::PeerVerification;
use rdtls::Connection;

use crate::entry::*;
use crate::host;

use super::ctx::SSL_CTX;
use super::settings::{AppPtr, CertVerifyCallback, VerifyCallback};
use super::ssl::SSL;

/// `X509_V_OK`.
const X509_V_OK: c_long = 0;
/// `X509_V_ERR_UNSPECIFIED`: what a security getter reports when it cannot know.
const X509_V_ERR_UNSPECIFIED: c_long = 1;

/// An `SSL*` moved into an engine hook (the engine requires `Send`; the `SSL` is only ever
/// used by one thread at a time, which is the C API's contract).
#[derive(Clone, Copy)]
pub struct SslPtr(pub *mut SSL);

// SAFETY: see the type's documentation.
unsafe impl Send for SslPtr {}

/// Replays a verification result to the application's verify callback.
fn run_verify_callback(ssl: *mut SSL, cb: VerifyCallback, pv: &PeerVerification<'_>) -> bool {
    let n = pv.chain.len();
    if n == 0 {
        // No certificate at all: one call reporting the error, as OpenSSL does.
        let ctx = host::store_ctx_new(pv.chain, 0, pv.code, ssl.cast());
        // SAFETY: the application's callback with OpenSSL's arguments.
        let ok = unsafe { cb(c_int::from(pv.code == 0), ctx) };
        host::store_ctx_free(ctx);
        return ok != 0;
    }
    let fail_depth = pv.depth.min(n - 1);
    let ctx = host::store_ctx_new(pv.chain, n - 1, 0, ssl.cast());
    if ctx.is_null() {
        return pv.code == 0;
    }
    let mut accept = true;
    for depth in (0..n).rev() {
        let err = if pv.code != 0 && depth == fail_depth {
            pv.code
        } else {
            0
        };
        host::store_ctx_set_depth(ctx, depth, err);
        // SAFETY: the application's callback with OpenSSL's arguments.
        let ok = unsafe { cb(c_int::from(err == 0), ctx) };
        if ok == 0 {
            accept = false;
            break;
        }
    }
    host::store_ctx_free(ctx);
    accept
}

/// Runs an `SSL_CTX_set_cert_verify_callback` callback: it replaces chain verification;
/// `X509_verify_cert` inside it yields the engine's result.
fn run_cert_verify_callback(
    ssl: *mut SSL,
    cb: CertVerifyCallback,
    arg: AppPtr,
    pv: &PeerVerification<'_>,
) -> bool {
    let ctx = host::store_ctx_new(pv.chain, pv.depth, pv.code, ssl.cast());
    if ctx.is_null() {
        return false;
    }
    let result = (pv.code, pv.depth);
    host::store_ctx_set_verifier(ctx, Box::new(move |_chain| result));
    // SAFETY: the application's callback with OpenSSL's arguments.
    let ok = unsafe { cb(ctx, arg.0) };
    host::store_ctx_free(ctx);
    ok > 0
}

/// Installs the verify hook on a new connection when the application has a callback.
pub fn install_verify_hook(s: &SSL, conn: &mut Connection) {
    let verify_cb = s.with_settings(|st| st.verify_callback);
    let live = s.ctx().live();
    let cert_cb = live
        .cert_verify_callback
        .map(|cb| (cb, live.cert_verify_arg));
    if verify_cb.is_none() && cert_cb.is_none() {
        return;
    }
    let ssl = SslPtr(s.as_ptr());
    conn.set_verify_hook(Box::new(move |pv| {
        let ssl = &ssl;
        match (cert_cb, verify_cb) {
            (Some((cb, arg)), _) => run_cert_verify_callback(ssl.0, cb, arg, pv),
            (None, Some(cb)) => run_verify_callback(ssl.0, cb, pv),
            (None, None) => pv.code == 0,
        }
    }));
}

entry! {
    /// SSL_CTX_set_verify sets the verify mode (SSL_VERIFY_*) and callback (may be NULL).
    fn SSL_CTX_set_verify(ctx: *mut SSL_CTX, mode: c_int, cb: Option<VerifyCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update(|s| {
            s.verify_mode = mode;
            s.verify_callback = cb;
        });
    }

    /// SSL_set_verify sets this connection's verify mode and callback.
    fn SSL_set_verify(s: *mut SSL, mode: c_int, cb: Option<VerifyCallback>) {
        let s = try_ref!(s, ());
        s.update_settings(|st| {
            st.verify_mode = mode;
            st.verify_callback = cb;
        });
    }

    /// SSL_CTX_set_verify_depth limits the accepted chain depth.
    fn SSL_CTX_set_verify_depth(ctx: *mut SSL_CTX, depth: c_int) {
        let ctx = try_ref!(ctx, ());
        ctx.update(|s| s.verify_depth = depth);
    }

    /// SSL_set_verify_depth limits this connection's accepted chain depth.
    fn SSL_set_verify_depth(s: *mut SSL, depth: c_int) {
        let s = try_ref!(s, ());
        s.update_settings(|st| st.verify_depth = depth);
    }

    /// SSL_CTX_get_verify_mode returns the verify mode.
    fn SSL_CTX_get_verify_mode(ctx: *const SSL_CTX) -> c_int {
        let ctx = try_ref!(ctx, 0);
        ctx.with_settings(|s| s.verify_mode)
    }

    /// SSL_get_verify_mode returns this connection's verify mode.
    fn SSL_get_verify_mode(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.with_settings(|st| st.verify_mode)
    }

    /// SSL_CTX_get_verify_depth returns the verify depth (-1 when unset).
    fail = -1;
    fn SSL_CTX_get_verify_depth(ctx: *const SSL_CTX) -> c_int {
        let ctx = try_ref!(ctx, -1);
        ctx.with_settings(|s| s.verify_depth)
    }

    /// SSL_get_verify_depth returns this connection's verify depth (-1 when unset).
    fail = -1;
    fn SSL_get_verify_depth(s: *const SSL) -> c_int {
        let s = try_ref!(s, -1);
        s.with_settings(|st| st.verify_depth)
    }

    /// SSL_CTX_get_verify_callback returns the verify callback (NULL when none).
    fn SSL_CTX_get_verify_callback(ctx: *const SSL_CTX) -> Option<VerifyCallback> {
        let ctx = try_ref!(ctx, None);
        ctx.with_settings(|s| s.verify_callback)
    }

    /// SSL_get_verify_callback returns this connection's verify callback.
    fn SSL_get_verify_callback(s: *const SSL) -> Option<VerifyCallback> {
        let s = try_ref!(s, None);
        s.with_settings(|st| st.verify_callback)
    }

    /// SSL_CTX_set_cert_verify_callback replaces chain verification by `cb(store_ctx, arg)`.
    fn SSL_CTX_set_cert_verify_callback(ctx: *mut SSL_CTX, cb: Option<CertVerifyCallback>,
                                        arg: *mut c_void) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| {
            l.cert_verify_callback = cb;
            l.cert_verify_arg = AppPtr(arg);
        });
    }

    /// SSL_get_verify_result returns the X509_V_* result of verifying the peer (X509_V_OK
    /// when it was not verified or passed). Called while the engine is busy (from inside a
    /// verify, cookie or timer callback) it cannot read the result and fails closed with
    /// X509_V_ERR_UNSPECIFIED rather than claim X509_V_OK.
    fn SSL_get_verify_result(s: *const SSL) -> c_long {
        let s = try_ref!(s, 0);
        if let Some(v) = s.verify_result.get() {
            return v;
        }
        match s.conn.try_borrow() {
            Ok(c) => c.as_ref().map_or(X509_V_OK, |c| c_long::from(c.verify_result())),
            Err(_) => X509_V_ERR_UNSPECIFIED,
        }
    }

    /// SSL_set_verify_result overrides the value SSL_get_verify_result reports.
    fn SSL_set_verify_result(s: *mut SSL, v: c_long) {
        let s = try_ref!(s, ());
        s.verify_result.set(Some(v));
    }

    /// SSL_get_ex_data_X509_STORE_CTX_idx: the ex_data index under which an X509_STORE_CTX
    /// given to a verify callback holds the SSL*.
    fail = -1;
    fn SSL_get_ex_data_X509_STORE_CTX_idx() -> c_int {
        host::ssl_ex_data_x509_store_ctx_idx()
    }
}
