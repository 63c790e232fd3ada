//! External server session caches: `SSL_CTX_sess_set_get_cb` / `SSL_CTX_sess_get_get_cb`.
//! As OpenSSL 3.0's lookup_sess_in_cache: the callback is asked for an offered session ID
//! the internal cache lacks (or, with SSL_SESS_CACHE_NO_INTERNAL_LOOKUP, is not consulted
//! for); a session it returns resumes under the usual checks and joins the internal cache
//! unless SSL_SESS_CACHE_NO_INTERNAL_STORE.
use std::ffi::c_int;
use std::sync::atomic::Ordering;

use rdtls::Connection;

use crate::entry::*;

use super::objects::{GetSessionCallback, SslPtr, SSL, SSL_CTX};
use super::state::session::{session_free, session_value};

/// Installs the session context's get-session callback on a server connection.
pub(crate) fn install_session_lookup_hook(s: &SSL, conn: &mut Connection) {
    // OpenSSL asks the session_ctx: the context the SSL was made from.
    let session_ctx = s.initial_ctx.clone();
    let Some(cb) = session_ctx.live().get_session_callback else {
        return;
    };
    let ssl = SslPtr(s.as_ptr());
    conn.set_session_lookup_hook(Box::new(move |id: &[u8]| {
        let ssl = &ssl;
        let len = c_int::try_from(id.len()).ok()?;
        let mut copy: c_int = 1;
        // SAFETY: the application's callback with OpenSSL's arguments; `id` outlives it. The
        // SSL is alive: the hook runs inside a call on it.
        let p = unsafe { cb(ssl.0, id.as_ptr(), len, &mut copy) };
        if p.is_null() {
            return None;
        }
        let sess = session_value(p);
        // copy != 0: the application keeps its reference (OpenSSL takes a new one, which
        // our copy of the value stands for); 0: its reference passed to us.
        if copy == 0 {
            session_free(p);
        }
        let sess = sess?;
        session_ctx.stats.cb_hits.fetch_add(1, Ordering::Relaxed);
        Some(sess)
    }));
}

entry! {
    /// SSL_CTX_sess_set_get_cb sets the server's external session lookup callback.
    fn SSL_CTX_sess_set_get_cb(ctx: *mut SSL_CTX, cb: Option<GetSessionCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| l.get_session_callback = cb);
    }

    /// SSL_CTX_sess_get_get_cb returns the external session lookup callback.
    fn SSL_CTX_sess_get_get_cb(ctx: *mut SSL_CTX) -> Option<GetSessionCallback> {
        let ctx = try_ref!(ctx, None);
        ctx.live().get_session_callback
    }
}
