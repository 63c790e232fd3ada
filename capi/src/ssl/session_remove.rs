//! Sessions leaving the internal cache, as OpenSSL 3.0 (`SSL_CTX_sess_set_get_cb(3)`,
//! ssl/ssl_sess.c): the remove-session callback (`SSL_CTX_sess_set_remove_cb`) is told of
//! every session removed by `SSL_CTX_remove_session`, evicted when the cache is full, found
//! expired by a lookup, flushed by `SSL_CTX_flush_sessions`, `SSL_CTX_free` or the
//! automatic flush of expired sessions every 255 connections (`ssl_update_cache`), which
//! `SSL_SESS_CACHE_NO_AUTO_CLEAR` turns off.
use std::ffi::{c_int, c_long};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdtls::session::cache::{RemovalHook, Session};

use crate::entry::*;

use super::consts::*;
use super::objects::{RemoveSessionCallback, SSL_CTX};
use super::state::session::{session_free, session_new, session_value, SSL_SESSION};

/// The hook the context's cache calls with each session it drops by itself: the callback
/// gets a session object of its own for the call (OpenSSL frees its reference after the
/// callback returns; an application that keeps the session takes a reference).
fn removal_hook(ctx: &SSL_CTX, cb: RemoveSessionCallback) -> RemovalHook {
    // An address, not a pointer, so that the hook is Send + Sync; the hook is cleared
    // before the context goes (`flush_on_free`).
    let addr = ctx as *const SSL_CTX as usize;
    Arc::new(move |s: &Session| {
        let p = session_new(s.clone());
        // SAFETY: the application's callback with OpenSSL's arguments: the context, alive
        // (its cache, which runs this hook, is alive and the hook is removed when the
        // context is dropped), and a live session handle released right after.
        unsafe { cb(addr as *mut SSL_CTX, p) };
        session_free(p);
    })
}

/// The automatic flush of `ssl_update_cache`: at the end of a handshake whose context had
/// completed a multiple of 256 minus one handshakes of this side before it (`good_before`),
/// expired sessions are flushed, unless `SSL_SESS_CACHE_NO_AUTO_CLEAR` or the context does
/// not cache this side's sessions (`mode_bit`).
pub(crate) fn auto_clear(session_ctx: &SSL_CTX, good_before: i64, mode_bit: c_long) {
    let mode = session_ctx.live().session_cache_mode;
    if mode & SSL_SESS_CACHE_NO_AUTO_CLEAR == 0
        && mode & mode_bit == mode_bit
        && good_before & 0xff == 0xff
    {
        session_ctx.session_cache.flush_expired(Instant::now());
    }
}

/// The instant corresponding to the Unix time `t` (seconds).
fn instant_at_unix(t: c_long) -> Instant {
    let now = Instant::now();
    let unix_now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let t = u64::try_from(t).unwrap_or(0);
    if t >= unix_now {
        now.checked_add(Duration::from_secs(t - unix_now))
            .unwrap_or(now)
    } else {
        now.checked_sub(Duration::from_secs(unix_now - t))
            .unwrap_or(now)
    }
}

entry! {
    /// SSL_CTX_sess_set_remove_cb sets the callback told of each session that leaves the
    /// context's internal cache (NULL: none).
    fn SSL_CTX_sess_set_remove_cb(ctx: *mut SSL_CTX, cb: Option<RemoveSessionCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| l.remove_session_callback = cb);
        ctx.session_cache.set_removal_hook(cb.map(|cb| removal_hook(ctx, cb)));
    }

    /// SSL_CTX_sess_get_remove_cb returns the remove-session callback.
    fn SSL_CTX_sess_get_remove_cb(ctx: *mut SSL_CTX) -> Option<RemoveSessionCallback> {
        let ctx = try_ref!(ctx, None);
        ctx.live().remove_session_callback
    }

    /// SSL_CTX_remove_session removes `sess` from the internal cache: 1 when it was there.
    /// As OpenSSL, a session with an ID is passed to the remove-session callback even when
    /// it was not cached.
    fn SSL_CTX_remove_session(ctx: *mut SSL_CTX, sess: *mut SSL_SESSION) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let Some(v) = session_value(sess) else { return 0 };
        if v.id.is_empty() {
            return 0;
        }
        let had = ctx.session_cache.remove(&v.id).is_some();
        if let Some(cb) = ctx.live().remove_session_callback {
            // SAFETY: the application's callback with the context and the caller's own
            // session handle, both alive for the call.
            unsafe { cb(ctx as *const SSL_CTX as *mut SSL_CTX, sess) };
        }
        c_int::from(had)
    }

    /// SSL_CTX_flush_sessions removes the sessions expired at Unix time `t` (0: every
    /// session), first to expire first, telling the remove-session callback of each.
    fn SSL_CTX_flush_sessions(ctx: *mut SSL_CTX, t: c_long) {
        let ctx = try_ref!(ctx, ());
        if t == 0 {
            ctx.session_cache.flush_all();
        } else {
            ctx.session_cache.flush_expired(instant_at_unix(t));
        }
    }
}
