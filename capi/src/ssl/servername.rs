//! Server-side SNI: the servername callback (`SSL_CTX_set_tlsext_servername_callback`) and
//! the certificate callback (`SSL_CTX_set_cert_cb`), run from the engine's ClientHello hook
//! (`rdtls::client_hello_hook`) at the point OpenSSL runs them: after the ClientHello is
//! parsed and the session looked up, before the ServerHello is built (RFC 6066 §3: the
//! server may pick its certificate by the name). The same hook's early stage runs the
//! client-hello callback before them (`client_hello.rs`).
//!
//! As in OpenSSL 3.0 (`final_server_name`, `tls_post_process_client_hello`):
//! * the servername callback of the `SSL`'s context (else of the context the `SSL` was
//!   made from) runs for every ClientHello, with or without a name; `*al` starts as
//!   `unrecognized_name`. `SSL_TLSEXT_ERR_OK` (and any unknown value) acknowledges the name
//!   in the ServerHello, `NOACK` does not, `ALERT_WARNING` sends `*al` as a warning alert
//!   and does not acknowledge, `ALERT_FATAL` fails the handshake with `*al` and
//!   `SSL_R_CALLBACK_FAILED`. Without a callback the name is not acknowledged.
//! * `SSL_set_SSL_CTX` inside it switches the certificate, chain, key, signature algorithms
//!   and (when inherited) the session ID context; the session cache stays the first
//!   context's.
//! * the certificate callback (of the context in use after the switch) runs next, on full
//!   handshakes only: `1` goes on, `0` fails with `SSL_R_CERT_CB_ERROR`, a negative value
//!   pauses the handshake (the engine parks the ClientHello): the call returns -1 with
//!   `SSL_ERROR_WANT_X509_LOOKUP` (`SSL_want` = `SSL_X509_LOOKUP`), and the next handshake
//!   call runs the certificate callback again (only it, once per call), as OpenSSL does.
//! * a server with `SSL_VERIFY_PEER` and no session ID context refuses to resume
//!   (`SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED`, alert internal_error).
//!
//! `SSL_get_servername` and `SSL_get_sigalgs` read what the ClientHello showed, also from
//! inside the callbacks (the engine is busy then).
use std::ffi::{c_int, CString};
use std::sync::Arc;

use rdtls::{
    AlertDescription, ClientHelloInfo, Connection, EarlyDecision, EarlyHello, HelloDecision,
    HelloRejection,
};

use crate::entry::*;

use super::consts::*;
use super::hello_finish::{finish, reject};
use super::objects::{HelloSeen, Paused, SslPtr, SSL, SSL_CTX};
use super::state::values::Variant;

/// `SSL_TLSEXT_ERR_OK`.
pub const SSL_TLSEXT_ERR_OK: c_int = 0;
/// `SSL_TLSEXT_ERR_ALERT_WARNING`.
pub const SSL_TLSEXT_ERR_ALERT_WARNING: c_int = 1;
/// `SSL_TLSEXT_ERR_ALERT_FATAL`.
pub const SSL_TLSEXT_ERR_ALERT_FATAL: c_int = 2;
/// `SSL_TLSEXT_ERR_NOACK`.
pub const SSL_TLSEXT_ERR_NOACK: c_int = 3;
/// `SSL_AD_UNRECOGNIZED_NAME`: the alert `*al` starts as.
pub const SSL_AD_UNRECOGNIZED_NAME: c_int = 112;

impl SSL {
    /// True once after the ClientHello hook paused in the current call (and clears it).
    pub(crate) fn take_x509_lookup_wanted(&self) -> bool {
        self.hello_seen
            .try_borrow_mut()
            .map(|mut h| std::mem::take(&mut h.lookup_wanted))
            .unwrap_or(false)
    }
}

/// The alert for an `*al` value the application set (internal_error when out of range).
fn alert_from(al: c_int) -> AlertDescription {
    AlertDescription(u8::try_from(al).unwrap_or(AlertDescription::INTERNAL_ERROR.0))
}

/// Installs the ClientHello hook on a new server connection. `variant` is the one the
/// connection's config was built with. The engine runs it on DTLS 1.3 too (its
/// `dtls13::server_hook`), so `SSL_get_servername` and `SSL_client_hello_*` answer there.
pub(crate) fn install_client_hello_hook(s: &SSL, conn: &mut Connection, variant: Variant) {
    let ssl = SslPtr(s.as_ptr());
    // OpenSSL's session_ctx: the context the SSL was made from.
    let session_ctx = s.initial_ctx.clone();
    conn.set_client_hello_hook(Box::new(Hook {
        ssl,
        session_ctx,
        variant,
    }));
}

/// The C callbacks on the engine's ClientHello hook: the client-hello callback
/// (`client_hello.rs`) first, then the servername and certificate callbacks.
struct Hook {
    ssl: SslPtr,
    session_ctx: Arc<SSL_CTX>,
    variant: Variant,
}

impl Hook {
    fn ssl(&self) -> &SSL {
        // SAFETY: the hook runs inside a call on this SSL (the engine belongs to it), so the
        // SSL is alive; it is used by one thread at a time (the C API's contract).
        unsafe { &*self.ssl.0 }
    }
}

impl rdtls::ClientHelloHook for Hook {
    fn early(&mut self, h: &EarlyHello<'_>) -> Result<EarlyDecision, HelloRejection> {
        super::client_hello::on_early(self.ssl(), &self.session_ctx, self.variant, h)
    }

    fn client_hello(&mut self, h: &ClientHelloInfo<'_>) -> Result<HelloDecision, HelloRejection> {
        on_client_hello(self.ssl(), &self.session_ctx, self.variant, h)
    }
}

fn on_client_hello(
    s: &SSL,
    session_ctx: &Arc<SSL_CTX>,
    variant: Variant,
    h: &ClientHelloInfo<'_>,
) -> Result<HelloDecision, HelloRejection> {
    let paused = s
        .hello_seen
        .try_borrow_mut()
        .ok()
        .and_then(|mut seen| seen.paused.take());
    let (ctx_before, own_before, decision) = match paused {
        // Called again after -1 from the certificate callback: only that one runs again.
        Some(p) => (p.ctx_before, p.own_before, Ok(p.decision)),
        None => {
            if let Ok(mut seen) = s.hello_seen.try_borrow_mut() {
                *seen = HelloSeen {
                    server_name: h.server_name.and_then(|n| CString::new(n).ok()),
                    sigalgs: h.signature_schemes.iter().map(|x| x.0).collect(),
                    ..HelloSeen::default()
                };
            }
            let verify_peer_without_context = s
                .with_settings(|st| st.verify_mode & SSL_VERIFY_PEER != 0 && st.sid_ctx.is_empty());
            if h.resuming && verify_peer_without_context {
                // OpenSSL's ssl_get_prev_session: a fatal error rather than a cache miss.
                return Err(reject(
                    AlertDescription::INTERNAL_ERROR,
                    "session id context uninitialized: SSL_VERIFY_PEER needs \
                     SSL_CTX_set_session_id_context to resume sessions",
                ));
            }
            let ctx_before = s.ctx();
            let own_before = s.own_settings.replace(false);
            let d = run_servername_callback(s, session_ctx);
            (ctx_before, own_before, d)
        }
    };
    let restore = |e: HelloRejection| {
        s.own_settings.set(own_before || s.own_settings.get());
        Err(e)
    };
    let decision = match decision {
        Ok(d) => d,
        Err(e) => return restore(e),
    };
    if !h.resuming {
        match run_cert_callback(s) {
            Ok(true) => {}
            Ok(false) => {
                // -1: keep where we are; the driver reports SSL_ERROR_WANT_X509_LOOKUP.
                if let Ok(mut seen) = s.hello_seen.try_borrow_mut() {
                    seen.paused = Some(Paused {
                        ctx_before,
                        own_before,
                        decision,
                    });
                    seen.lookup_wanted = true;
                }
                return Ok(HelloDecision {
                    pause: true,
                    ..HelloDecision::default()
                });
            }
            Err(e) => return restore(e),
        }
    }
    finish(s, session_ctx, variant, ctx_before, own_before, decision)
}

/// The servername callback of the `SSL`'s context, else of the one it was made from.
fn run_servername_callback(
    s: &SSL,
    session_ctx: &Arc<SSL_CTX>,
) -> Result<HelloDecision, HelloRejection> {
    let mut decision = HelloDecision::default();
    let live = s.ctx().live();
    let (cb, arg) = match live.servername_callback {
        Some(cb) => (Some(cb), live.servername_arg),
        None => {
            let l = session_ctx.live();
            (l.servername_callback, l.servername_arg)
        }
    };
    if let Some(cb) = cb {
        let mut al = SSL_AD_UNRECOGNIZED_NAME;
        // SAFETY: the application's callback with OpenSSL's arguments; `al` outlives it.
        let r = unsafe { cb(s.as_ptr(), &mut al, arg.0) };
        match r {
            SSL_TLSEXT_ERR_ALERT_FATAL => {
                return Err(reject(
                    alert_from(al),
                    "callback failed: the servername callback refused the ClientHello",
                ))
            }
            SSL_TLSEXT_ERR_ALERT_WARNING => decision.warning = Some(alert_from(al)),
            SSL_TLSEXT_ERR_NOACK => {}
            _ => decision.acknowledge_server_name = true,
        }
    }
    Ok(decision)
}

/// The certificate callback: Ok(true) to go on, Ok(false) when it asked to be called again.
fn run_cert_callback(s: &SSL) -> Result<bool, HelloRejection> {
    match s.call_cert_callback() {
        0 => Err(reject(
            AlertDescription::INTERNAL_ERROR,
            "cert cb error: the certificate callback failed",
        )),
        r => Ok(r > 0),
    }
}

/// OpenSSL's (signature NID, digest NID, signature-and-digest NID) for a TLS 1.2
/// SignatureScheme code point (its `sigalg_lookup_tbl`); NID_undef (0) for unknown ones.
fn sigalg_nids(code: u16) -> (c_int, c_int, c_int) {
    const RSA: c_int = 6;
    const EC: c_int = 408;
    const PSS: c_int = 912;
    const SHA1: c_int = 64;
    const SHA224: c_int = 675;
    const SHA256: c_int = 672;
    const SHA384: c_int = 673;
    const SHA512: c_int = 674;
    match code {
        0x0201 => (RSA, SHA1, 65),
        0x0301 => (RSA, SHA224, 671),
        0x0401 => (RSA, SHA256, 668),
        0x0501 => (RSA, SHA384, 669),
        0x0601 => (RSA, SHA512, 670),
        0x0203 => (EC, SHA1, 416),
        0x0303 => (EC, SHA224, 793),
        0x0403 => (EC, SHA256, 794),
        0x0503 => (EC, SHA384, 795),
        0x0603 => (EC, SHA512, 796),
        0x0804 | 0x0809 => (PSS, SHA256, 0),
        0x0805 | 0x080a => (PSS, SHA384, 0),
        0x0806 | 0x080b => (PSS, SHA512, 0),
        0x0807 => (1087, 0, 0),
        0x0808 => (1088, 0, 0),
        _ => (0, 0, 0),
    }
}

/// Writes `v` through `p` when it is not NULL.
fn put<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: a non-NULL output pointer from the caller.
        unsafe { *p = v };
    }
}

entry! {
    /// SSL_get_sigalgs: on a server, the number of signature algorithms the client offered
    /// (also inside the servername and certificate callbacks); for `idx` >= 0 it describes
    /// entry `idx` (NIDs, and the code point's bytes in `rhash` / `rsig`), returning 0 when
    /// `idx` is out of range. A client does not keep the server's list: 0.
    fn SSL_get_sigalgs(s: *mut SSL, idx: c_int, psign: *mut c_int, phash: *mut c_int,
                       psignhash: *mut c_int, rsig: *mut std::ffi::c_uchar,
                       rhash: *mut std::ffi::c_uchar) -> c_int {
        let s = try_ref!(s, 0);
        let Ok(seen) = s.hello_seen.try_borrow() else { return 0 };
        let n = c_int::try_from(seen.sigalgs.len()).unwrap_or(0);
        if idx >= 0 {
            let Some(&code) = usize::try_from(idx).ok().and_then(|i| seen.sigalgs.get(i)) else {
                return 0;
            };
            let [hi, lo] = code.to_be_bytes();
            put(rhash, hi);
            put(rsig, lo);
            let (sign, hash, both) = sigalg_nids(code);
            put(psign, sign);
            put(phash, hash);
            put(psignhash, both);
        }
        n
    }
}
