//! Our own certificate as an `X509` object (`SSL_get_certificate`,
//! `SSL_CTX_get0_certificate`), `SSL_certs_clear`, and the certificate callback
//! (`SSL_CTX_set_cert_cb`).
//!
//! Settings keep the certificate as DER; the `X509` handed out is made on first request and
//! kept until the certificate changes or the owner is freed (a `get0` pointer, as in
//! OpenSSL). The certificate callback runs on a server after the ClientHello, as in OpenSSL
//! (servername.rs), so it can choose by SNI and signature algorithms. On a client it runs
//! once, when the handshake starts and before the settings become the engine's
//! configuration, so what it sets with `SSL_use_certificate` / `SSL_use_PrivateKey` is what
//! the handshake uses (OpenSSL calls it on the CertificateRequest).
use std::ffi::{c_int, c_void};
use std::sync::Arc;

use crate::entry::*;
use crate::host::X509;

use super::objects::{CertCallback, SSL, SSL_CTX};
use super::state::AppPtr;

impl SSL {
    /// Calls the certificate callback (the connection's own from `SSL_set_cert_cb`, else the
    /// context's) and returns its value (1 when there is none).
    pub(crate) fn call_cert_callback(&self) -> c_int {
        let (cb, arg) = match self.extras.cert_cb.get() {
            Some(own) => own,
            None => {
                let live = self.ctx().live();
                (live.cert_callback, live.cert_callback_arg)
            }
        };
        let Some(cb) = cb else {
            return 1;
        };
        // SAFETY: the application's callback with OpenSSL's arguments.
        unsafe { cb(self.as_ptr(), arg.0) }
    }

    /// Runs the context's certificate callback, if any; false when it failed (the error is
    /// raised).
    pub(crate) fn run_cert_callback(&self) -> bool {
        let r = self.call_cert_callback();
        if r > 0 {
            return true;
        }
        crate::error::put_error(
            crate::error::ERR_LIB_SSL,
            crate::error::ssl_reasons::SSL_R_CERT_CB_ERROR,
            if r < 0 {
                "the certificate callback asked to retry, which rdtls does not support"
            } else {
                "the certificate callback failed"
            },
        );
        false
    }
}

entry! {
    /// SSL_get_certificate returns the certificate `s` presents (owned by `s`), or NULL.
    fn SSL_get_certificate(s: *const SSL) -> *mut X509 {
        let s = try_ref!(s, std::ptr::null_mut());
        s.own_cert.get(s.with_settings(|st| st.cert.clone()))
    }

    /// SSL_CTX_get0_certificate returns the context's certificate (owned by it), or NULL.
    fn SSL_CTX_get0_certificate(ctx: *const SSL_CTX) -> *mut X509 {
        let ctx = try_ref!(ctx, std::ptr::null_mut());
        ctx.own_cert.get(ctx.with_settings(|st| st.cert.clone()))
    }

    /// SSL_certs_clear removes the certificate, chain and key `s` would present.
    fn SSL_certs_clear(s: *mut SSL) {
        let s = try_ref!(s, ());
        s.update_settings(|st| {
            st.cert = None;
            st.chain = Arc::new(Vec::new());
            st.key = None;
        });
    }

    /// SSL_set_cert_cb sets this connection's certificate callback, called where the
    /// context's would be (NULL: none for this connection, as OpenSSL).
    fn SSL_set_cert_cb(s: *mut SSL, cb: Option<CertCallback>, arg: *mut c_void) {
        let s = try_ref!(s, ());
        s.extras.cert_cb.set(Some((cb, AppPtr(arg))));
    }

    /// SSL_CTX_set_cert_cb installs the certificate callback (see the module documentation).
    fn SSL_CTX_set_cert_cb(ctx: *mut SSL_CTX, cb: Option<CertCallback>, arg: *mut c_void) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| {
            l.cert_callback = cb;
            l.cert_callback_arg = AppPtr(arg);
        });
    }
}
