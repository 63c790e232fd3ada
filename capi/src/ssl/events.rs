//! Engine events as application callbacks: info callback (handshake start/done, state
//! changes, alerts), message callback (handshake messages with their 12-byte DTLS header,
//! alerts), key log lines, and handshake-completion bookkeeping (counters, new-session
//! callback).
//!
//! Callbacks run with no borrow of the `SSL`'s state held, so they may call any `SSL_*`
//! accessor on the same object.
use std::ffi::{c_int, c_void, CString};
use std::sync::atomic::Ordering;

use rdtls::{AlertDescription, AlertLevel, Event};

use super::consts::*;
use super::settings::InfoCallback;
use super::ssl::{Side, SSL};

/// Most events drained from the engine per dispatch (a handshake produces a few dozen).
pub const MAX_EVENTS_PER_DISPATCH: usize = 256;

impl SSL {
    /// The info callback in force: the SSL's own, else the context's.
    pub(crate) fn info_cb(&self) -> Option<InfoCallback> {
        self.info_callback
            .get()
            .or_else(|| self.ctx().live().info_callback)
    }

    /// `SSL_ST_CONNECT` or `SSL_ST_ACCEPT` for this side.
    fn st_bits(&self) -> c_int {
        match self.side.get() {
            Some(Side::Server) => SSL_ST_ACCEPT,
            _ => SSL_ST_CONNECT,
        }
    }

    /// Calls the info callback, if any.
    pub(crate) fn info(&self, where_: c_int, ret: c_int) {
        if let Some(cb) = self.info_cb() {
            // SAFETY: the application's callback with OpenSSL's arguments.
            unsafe { cb(self.as_ptr(), where_, ret) };
        }
    }

    /// Reports `SSL_CB_HANDSHAKE_START` once per handshake.
    pub(crate) fn report_start(&self) {
        {
            let mut io = self.io.borrow_mut();
            if io.start_reported {
                return;
            }
            io.start_reported = true;
        }
        self.info(SSL_CB_HANDSHAKE_START, 1);
        self.report_state_change();
    }

    /// Reports `SSL_CB_CONNECT_EXIT` / `SSL_CB_ACCEPT_EXIT` with the call's return value.
    pub(crate) fn report_exit(&self, ret: c_int) {
        self.info(self.st_bits() | SSL_CB_EXIT, ret);
    }

    /// Reports a `SSL_CB_*_LOOP` when the engine's state name changed.
    fn report_state_change(&self) {
        let Some(name) = self.with_conn(|c| c.state_name()) else {
            return;
        };
        {
            let mut io = self.io.borrow_mut();
            if io.last_state == name {
                return;
            }
            io.last_state = name;
        }
        self.info(self.st_bits() | SSL_CB_LOOP, 1);
    }

    /// Calls the message callback, if any.
    fn msg(&self, write_p: bool, content_type: c_int, bytes: &[u8]) {
        let (cb, arg) = self.with_settings(|s| (s.msg_callback, s.msg_callback_arg));
        if let Some(cb) = cb {
            // SAFETY: the application's callback; `bytes` is valid for the call.
            unsafe {
                cb(
                    c_int::from(write_p),
                    DTLS1_2_VERSION,
                    content_type,
                    bytes.as_ptr().cast::<c_void>(),
                    bytes.len(),
                    self.as_ptr(),
                    arg.0,
                )
            };
        }
    }

    /// Reports an alert to the message and info callbacks.
    fn alert(&self, sent: bool, level: AlertLevel, desc: AlertDescription) {
        let level = level as u8;
        self.msg(sent, SSL3_RT_ALERT, &[level, desc.0]);
        let where_ = if sent {
            SSL_CB_WRITE_ALERT
        } else {
            SSL_CB_READ_ALERT
        };
        self.info(where_, (c_int::from(level) << 8) | c_int::from(desc.0));
    }

    /// Drains the engine's events into the application's callbacks.
    pub(crate) fn dispatch_events(&self) {
        let events: Vec<Event> = match self.conn.try_borrow_mut() {
            Ok(mut c) => match c.as_mut() {
                Some(conn) => std::iter::from_fn(|| conn.poll_event())
                    .take(MAX_EVENTS_PER_DISPATCH)
                    .collect(),
                None => return,
            },
            Err(_) => return,
        };
        let close_alert_seen = |sent: bool| {
            events.iter().any(|e| match e {
                Event::AlertSent { description, .. } => {
                    sent && *description == AlertDescription::CLOSE_NOTIFY
                }
                Event::AlertReceived { description, .. } => {
                    !sent && *description == AlertDescription::CLOSE_NOTIFY
                }
                _ => false,
            })
        };
        for ev in &events {
            match ev {
                Event::HandshakeMessage {
                    sent,
                    msg_type,
                    bytes,
                } => {
                    // ChangeCipherSpec always directly precedes Finished (RFC 5246 §7.1);
                    // the engine reports handshake messages only, so report it here.
                    if *msg_type == rdtls::enums::HandshakeType::FINISHED {
                        self.msg(*sent, SSL3_RT_CHANGE_CIPHER_SPEC, &[1]);
                    }
                    self.msg(*sent, SSL3_RT_HANDSHAKE, bytes);
                    self.report_state_change();
                }
                Event::AlertSent { level, description } => self.alert(true, *level, *description),
                Event::AlertReceived { level, description } => {
                    self.alert(false, *level, *description)
                }
                Event::PeerClosed => {
                    self.shutdown
                        .set(self.shutdown.get() | SSL_RECEIVED_SHUTDOWN);
                    if !close_alert_seen(false) {
                        self.alert(false, AlertLevel::Warning, AlertDescription::CLOSE_NOTIFY);
                    }
                }
                Event::HandshakeComplete => self.on_handshake_complete(),
                Event::KeyLog(line) => self.keylog(line),
            }
        }
        self.report_state_change();
    }

    fn keylog(&self, line: &str) {
        if let Some(cb) = self.ctx().live().keylog_callback {
            if let Ok(c) = CString::new(line) {
                // SAFETY: the application's callback; `c` lives for the call.
                unsafe { cb(self.as_ptr(), c.as_ptr()) };
            }
        }
    }

    /// Counters, `SSL_CB_HANDSHAKE_DONE` and the new-session callback.
    pub(crate) fn on_handshake_complete(&self) {
        {
            let mut io = self.io.borrow_mut();
            if io.done_reported {
                return;
            }
            io.done_reported = true;
        }
        let ctx = self.ctx();
        let reused = self.with_conn(|c| c.session_reused()).unwrap_or(false);
        match self.side.get() {
            Some(Side::Server) => {
                ctx.stats.accept_good.fetch_add(1, Ordering::Relaxed);
                if reused {
                    ctx.stats.hits.fetch_add(1, Ordering::Relaxed);
                } else {
                    ctx.stats.misses.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ => {
                ctx.stats.connect_good.fetch_add(1, Ordering::Relaxed);
                if reused {
                    ctx.stats.hits.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
        self.report_state_change();
        self.info(SSL_CB_HANDSHAKE_DONE, 1);
        let live = ctx.live();
        let mode_bit = match self.side.get() {
            Some(Side::Server) => SSL_SESS_CACHE_SERVER,
            _ => SSL_SESS_CACHE_CLIENT,
        };
        if let Some(cb) = live.new_session_callback {
            if live.session_cache_mode & mode_bit != 0 && !reused {
                if let Some(sess) = self.with_conn(|c| c.session()).flatten() {
                    let p = super::session::session_new(sess);
                    // SAFETY: the application's callback; it keeps the reference when it
                    // returns 1, otherwise we release it.
                    if unsafe { cb(self.as_ptr(), p) } == 0 {
                        super::session::session_free(p);
                    }
                }
            }
        }
    }
}
