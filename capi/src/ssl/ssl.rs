//! `SSL`: one DTLS association as the C API sees it (lifecycle, BIOs, plain settings).
//!
//! The C handle is an `Arc<SSL>` turned into a raw pointer (`SSL_up_ref` adds a strong count).
//! An `SSL` is used by one thread at a time, but application callbacks (verify, info, msg,
//! BIO methods) may call back into the library with the same `SSL*` while an operation runs,
//! so state sits in `Cell`/`RefCell` and is never borrowed across a callback, except the
//! engine connection during `handle_datagram` (accessors then fall back to defaults). The
//! struct is in `objects.rs`; the core of its behaviour is here.
use std::cell::{Cell, RefCell};
use std::ffi::{c_int, c_void};
use std::sync::Arc;

use rdtls::Connection;

use crate::entry::*;
use crate::error::ssl_reasons::SSL_R_NULL_SSL_CTX;
use crate::error::{put_error, ERR_LIB_SSL};
use crate::host::{self, ExData, BIO, CRYPTO_EX_INDEX_SSL};

use super::consts::*;
use super::ctx::{ctx_arc, ctx_ptr};
use super::method::Role;
use super::objects::{Settings, SSL, SSL_CTX};
use super::state::caches::ParamSlot;
use super::state::io::{IoState, Side};
use super::state::session::{session_free, session_new, session_up_ref, SSL_SESSION};

impl SSL {
    fn new(ctx: Arc<SSL_CTX>) -> Self {
        let param = ParamSlot::inheriting(&ctx.param);
        let (settings, _) = ctx.snapshot();
        let side = match ctx.method.role {
            Role::Client => Some(Side::Client),
            Role::Server => Some(Side::Server),
            Role::Any => None,
        };
        SSL {
            initial_ctx: ctx.clone(),
            ctx: RefCell::new(ctx),
            settings: RefCell::new(settings),
            own_settings: Cell::new(false),
            rbio: Cell::new(std::ptr::null_mut()),
            wbio: Cell::new(std::ptr::null_mut()),
            side: Cell::new(side),
            conn: RefCell::new(None),
            io: RefCell::new(IoState::default()),
            want: Cell::new(SSL_NOTHING),
            shutdown: Cell::new(0),
            failed: RefCell::new(None),
            clock: Cell::new(None),
            info_callback: Cell::new(None),
            timer_callback: Cell::new(None),
            mtu: Cell::new(None),
            hostname: RefCell::new(None),
            verify_names: RefCell::new(Vec::new()),
            param,
            verify_result: Cell::new(None),
            resume: Cell::new(std::ptr::null_mut()),
            session_obj: Cell::new(std::ptr::null_mut()),
            peer_chain: Cell::new(std::ptr::null_mut()),
            peer_cert: Cell::new(std::ptr::null_mut()),
            verified_chain: Cell::new(std::ptr::null_mut()),
            listened: RefCell::new(None),
            servername: RefCell::new(None),
            psk_strings: Default::default(),
            security_level: Cell::new(None),
            hello_seen: RefCell::new(Default::default()),
            own_cert: Default::default(),
            extras: Default::default(),
            ex_data: ExData::new(CRYPTO_EX_INDEX_SSL, std::ptr::null_mut()),
        }
    }

    /// The C handle of this object.
    pub fn as_ptr(&self) -> *mut SSL {
        self as *const SSL as *mut SSL
    }

    /// The context (a new strong reference).
    pub fn ctx(&self) -> Arc<SSL_CTX> {
        match self.ctx.try_borrow() {
            Ok(c) => c.clone(),
            // Only `SSL_set_SSL_CTX` borrows mutably, and it calls no callbacks.
            Err(_) => unreachable!("SSL_CTX slot borrowed across a callback"),
        }
    }

    /// Reads the settings (a default copy when they are being changed re-entrantly).
    pub fn with_settings<R>(&self, f: impl FnOnce(&Settings) -> R) -> R {
        match self.settings.try_borrow() {
            Ok(s) => f(&s),
            Err(_) => f(&Settings::default()),
        }
    }

    /// Changes this SSL's own copy of the settings.
    pub fn update_settings<R>(&self, f: impl FnOnce(&mut Settings) -> R) -> Option<R> {
        let mut s = self.settings.try_borrow_mut().ok()?;
        self.own_settings.set(true);
        Some(f(Arc::make_mut(&mut s)))
    }

    /// True for a server (after `SSL_set_accept_state` / `SSL_accept` or a server method).
    pub fn is_server(&self) -> bool {
        self.side.get() == Some(Side::Server)
    }

    /// Runs `f` on the connection if there is one and it is not busy.
    pub fn with_conn<R>(&self, f: impl FnOnce(&Connection) -> R) -> Option<R> {
        let c = self.conn.try_borrow().ok()?;
        c.as_ref().map(f)
    }

    /// Frees the per-handshake objects handed out to C (peer chain, peer certificate,
    /// session) so a new handshake starts clean.
    pub(crate) fn release_handshake_objects(&self) {
        let sk = self.peer_chain.replace(std::ptr::null_mut());
        if !sk.is_null() {
            host::stack_free_x509(sk);
        }
        let sk = self.verified_chain.replace(std::ptr::null_mut());
        if !sk.is_null() {
            host::stack_free_x509(sk);
        }
        let x = self.peer_cert.replace(std::ptr::null_mut());
        if !x.is_null() {
            host::x509_free(x);
        }
        let s = self.session_obj.replace(std::ptr::null_mut());
        session_free(s);
        *self.servername.borrow_mut() = None;
    }

    /// True when an engine connection exists (a handshake started or finished).
    pub(crate) fn has_connection(&self) -> bool {
        self.conn.try_borrow().map(|c| c.is_some()).unwrap_or(false)
    }

    /// Ends the current connection so that the next handshake starts a new one, keeping the
    /// settings, BIOs and side. With `keep_session`, a client's established session becomes
    /// the one offered for resumption. False if the connection is in use (re-entrant call).
    pub(crate) fn restart(&self, keep_session: bool) -> bool {
        if keep_session && self.side.get() == Some(Side::Client) {
            self.keep_session_for_resumption();
        }
        let Ok(mut conn) = self.conn.try_borrow_mut() else {
            return false;
        };
        *conn = None;
        drop(conn);
        *self.io.borrow_mut() = IoState::default();
        *self.failed.borrow_mut() = None;
        if let Ok(mut h) = self.hello_seen.try_borrow_mut() {
            *h = Default::default();
        }
        self.release_handshake_objects();
        self.want.set(SSL_NOTHING);
        self.verify_result.set(None);
        true
    }

    /// Replaces the read BIO, releasing the old one (`SSL_set0_rbio`).
    pub(crate) fn set0_rbio(&self, b: *mut BIO) {
        let old = self.rbio.replace(b);
        host::bio_free_all(old);
        let mut io = self.io.borrow_mut();
        io.bio_deadline = None;
        io.stream_kind = None;
    }

    /// Replaces the write BIO, releasing the old one (`SSL_set0_wbio`).
    pub(crate) fn set0_wbio(&self, b: *mut BIO) {
        let old = self.wbio.replace(b);
        host::bio_free_all(old);
        self.io.borrow_mut().stream_kind = None;
    }
}

// The session object of a connection (`SSL_get_session`, `SSL_clear` keeps it).
impl SSL {
    /// The session object for `SSL_get_session` (created once per handshake).
    pub(crate) fn session_handle(&self) -> *mut SSL_SESSION {
        let cur = self.session_obj.get();
        if !cur.is_null() {
            return cur;
        }
        let Some(sess) = self.with_conn(|c| c.session()).flatten() else {
            // Before the handshake: the session set for resumption, as OpenSSL reports.
            return self.resume.get();
        };
        let p = session_new(sess);
        self.session_obj.set(p);
        p
    }
}

impl SSL {
    /// Makes the established session (if any) the one the next handshake offers.
    pub(crate) fn keep_session_for_resumption(&self) {
        if self.with_conn(|c| c.session().is_some()).unwrap_or(false) {
            let p = self.session_handle();
            session_up_ref(p);
            session_free(self.resume.replace(p));
        }
    }
}

impl Drop for SSL {
    fn drop(&mut self) {
        let me = self as *mut SSL;
        crate::passthru::forget(me);
        self.ex_data.free(me.cast());
        // Each slot owns one reference (two for rbio == wbio, see SSL_set_bio).
        host::bio_free_all(self.wbio.replace(std::ptr::null_mut()));
        host::bio_free_all(self.rbio.replace(std::ptr::null_mut()));
        self.release_handshake_objects();
        session_free(self.resume.replace(std::ptr::null_mut()));
    }
}

/// Borrows the `SSL` behind a C handle.
///
/// # Safety
/// `s` must be NULL or a live handle from [`SSL_new`].
pub unsafe fn ssl_ref<'a>(s: *const SSL) -> Option<&'a SSL> {
    // SAFETY: per the function contract.
    unsafe { s.as_ref() }
}

entry! {
    /// SSL_new creates a connection object from `ctx`'s current settings; NULL on failure.
    fn SSL_new(ctx: *mut SSL_CTX) -> *mut SSL {
        if ctx.is_null() {
            put_error(ERR_LIB_SSL, SSL_R_NULL_SSL_CTX, "SSL_new(NULL)");
            return std::ptr::null_mut();
        }
        // SAFETY: a live handle from SSL_CTX_new (API contract).
        let ctx = unsafe { ctx_arc(ctx) };
        // An Arc, not an Rc: C code may take and drop references (SSL_up_ref / SSL_free)
        // from different threads, although only one thread uses the object at a time.
        #[allow(clippy::arc_with_non_send_sync)]
        let p = Arc::into_raw(Arc::new(SSL::new(ctx))) as *mut SSL;
        crate::passthru::register(p);
        // SAFETY: just created.
        unsafe { (*p).ex_data.run_new(p.cast()) };
        p
    }

    /// SSL_up_ref adds a reference; 1 on success.
    fn SSL_up_ref(s: *mut SSL) -> c_int {
        let _ = try_ref!(s, 0);
        // SAFETY: a live handle from SSL_new.
        unsafe { Arc::increment_strong_count(s as *const SSL) };
        1
    }

    /// SSL_free drops one reference; the last one frees the object, its BIOs and sessions.
    fn SSL_free(s: *mut SSL) {
        if s.is_null() {
            return;
        }
        // SAFETY: a live handle from SSL_new; consumes the caller's reference.
        drop(unsafe { Arc::from_raw(s as *const SSL) });
    }

    /// SSL_get_SSL_CTX returns the context (no new reference).
    fn SSL_get_SSL_CTX(s: *const SSL) -> *mut SSL_CTX {
        let s = try_ref!(s, std::ptr::null_mut());
        ctx_ptr(&s.ctx())
    }

    /// SSL_set_SSL_CTX switches `s` to `ctx` (used by SNI callbacks) and returns the context
    /// now in use. As OpenSSL, it takes `ctx`'s certificate, chain, key and signature
    /// algorithms, and its session ID context unless `s` set its own; verify mode, options
    /// and ciphers stay `s`'s (servername.rs).
    fn SSL_set_SSL_CTX(s: *mut SSL, ctx: *mut SSL_CTX) -> *mut SSL_CTX {
        let s = try_ref!(s, std::ptr::null_mut());
        let old = s.ctx();
        let new = if ctx.is_null() {
            // As OpenSSL: back to the context the SSL was made from.
            s.initial_ctx.clone()
        } else {
            // SAFETY: a live handle from SSL_CTX_new.
            unsafe { ctx_arc(ctx) }
        };
        if Arc::ptr_eq(&old, &new) {
            return ctx_ptr(&old);
        }
        let (cert, chain, key, sigalgs, sid) = new.with_settings(|n| {
            (n.cert.clone(), n.chain.clone(), n.key.clone(), n.sigalgs.clone(), n.sid_ctx.clone())
        });
        let old_sid = old.with_settings(|o| o.sid_ctx.clone());
        s.update_settings(|st| {
            st.cert = cert;
            st.chain = chain;
            st.key = key;
            st.sigalgs = sigalgs;
            if st.sid_ctx == old_sid {
                st.sid_ctx = sid;
            }
        });
        let p = ctx_ptr(&new);
        if let Ok(mut slot) = s.ctx.try_borrow_mut() {
            *slot = new;
        }
        p
    }

    /// SSL_set_connect_state makes `s` a client.
    fn SSL_set_connect_state(s: *mut SSL) {
        let s = try_ref!(s, ());
        // OpenSSL's ossl_statem_clear: a connection already started or finished ends here and
        // the next handshake starts afresh, offering the session it had (s_client -reconnect).
        if s.has_connection() {
            s.restart(true);
        }
        s.side.set(Some(Side::Client));
        s.shutdown.set(0);
    }

    /// SSL_set_accept_state makes `s` a server.
    fn SSL_set_accept_state(s: *mut SSL) {
        let s = try_ref!(s, ());
        if s.has_connection() {
            s.restart(false);
        }
        s.side.set(Some(Side::Server));
        s.shutdown.set(0);
    }

    /// SSL_is_server: 1 for a server, 0 for a client.
    fn SSL_is_server(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        c_int::from(s.is_server())
    }

    /// SSL_is_dtls: 1 (every method here is DTLS, or fails as TLS-over-streams).
    fn SSL_is_dtls(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        c_int::from(s.ctx().method.family != super::method::Family::Tls)
    }

    /// SSL_clear resets `s` for a new connection with the same settings; 1 on success.
    fn SSL_clear(s: *mut SSL) -> c_int {
        let s = try_ref!(s, 0);
        // OpenSSL (ssl_clear_bad_session) keeps the session for the next handshake unless
        // an established connection ended without SSL_shutdown.
        let established = s.with_conn(|c| c.session().is_some()).unwrap_or(false);
        let clean = s.shutdown.get() & SSL_SENT_SHUTDOWN != 0;
        if established && !clean {
            session_free(s.resume.replace(std::ptr::null_mut()));
        }
        if !s.restart(established && clean) {
            return 0;
        }
        *s.listened.borrow_mut() = None;
        s.shutdown.set(0);
        1
    }

    /// SSL_set_ex_data stores `arg` at `idx`; 1 on success.
    fn SSL_set_ex_data(s: *mut SSL, idx: c_int, arg: *mut c_void) -> c_int {
        let s = try_ref!(s, 0);
        c_int::from(s.ex_data.set(idx, arg))
    }

    /// SSL_get_ex_data returns the pointer at `idx` (NULL when unset).
    fn SSL_get_ex_data(s: *const SSL, idx: c_int) -> *mut c_void {
        let s = try_ref!(s, std::ptr::null_mut());
        s.ex_data.get(idx)
    }

    /// SSL_want returns SSL_NOTHING, SSL_READING, SSL_WRITING or SSL_X509_LOOKUP.
    fn SSL_want(s: *const SSL) -> c_int {
        let s = try_ref!(s, SSL_NOTHING);
        s.want.get()
    }

    /// SSL_get_shutdown returns the SSL_SENT_SHUTDOWN / SSL_RECEIVED_SHUTDOWN flags.
    fn SSL_get_shutdown(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.shutdown.get()
    }

    /// SSL_set_shutdown sets the shutdown flags.
    fn SSL_set_shutdown(s: *mut SSL, mode: c_int) {
        let s = try_ref!(s, ());
        s.shutdown.set(mode & (SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN));
    }

    /// SSL_set_quiet_shutdown: with 1, SSL_shutdown sends nothing and reports success.
    fn SSL_set_quiet_shutdown(s: *mut SSL, mode: c_int) {
        let s = try_ref!(s, ());
        s.update_settings(|st| st.quiet_shutdown = mode != 0);
    }

    /// SSL_get_quiet_shutdown returns the quiet-shutdown flag.
    fn SSL_get_quiet_shutdown(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.with_settings(|st| c_int::from(st.quiet_shutdown))
    }

    /// SSL_set_read_ahead is remembered (datagrams are always read whole).
    fn SSL_set_read_ahead(s: *mut SSL, yes: c_int) {
        let s = try_ref!(s, ());
        s.update_settings(|st| st.read_ahead = yes != 0);
    }

    /// SSL_get_read_ahead returns the read-ahead flag.
    fn SSL_get_read_ahead(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.with_settings(|st| c_int::from(st.read_ahead))
    }

    /// SSL_set_options adds `op` to the options and returns the new options.
    fn SSL_set_options(s: *mut SSL, op: u64) -> u64 {
        let s = try_ref!(s, 0);
        s.update_settings(|st| {
            st.options |= op;
            st.options
        })
        .unwrap_or(0)
    }

    /// SSL_clear_options removes `op` from the options and returns the new options.
    fn SSL_clear_options(s: *mut SSL, op: u64) -> u64 {
        let s = try_ref!(s, 0);
        s.update_settings(|st| {
            st.options &= !op;
            st.options
        })
        .unwrap_or(0)
    }

    /// SSL_get_options returns the options.
    fn SSL_get_options(s: *const SSL) -> u64 {
        let s = try_ref!(s, 0);
        s.with_settings(|st| st.options)
    }
}
