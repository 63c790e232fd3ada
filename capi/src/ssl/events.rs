//! Engine events as application callbacks: info callback (handshake start/done, state
//! changes, alerts), message callback (handshake messages with their 12-byte DTLS header,
//! alerts), key log lines, and handshake-completion bookkeeping (counters, new-session
//! callback).
//!
//! Callbacks run with no borrow of the `SSL`'s state held, so they may call any `SSL_*`
//! accessor on the same object.
use std::ffi::{c_int, c_void, CString};
use std::sync::atomic::Ordering;

use rdtls::enums::HandshakeType;
use rdtls::{AlertDescription, AlertLevel, Event};

use super::consts::*;
use super::settings::InfoCallback;
use super::ssl::{Side, SSL};

/// Most events drained from the engine per dispatch (a handshake produces a few dozen).
pub const MAX_EVENTS_PER_DISPATCH: usize = 256;

/// OpenSSL 3.0's state names (`SSL_state_string_long`) the handshake passes through.
pub const STATE_BEFORE: &str = "before SSL initialization";
/// The state after a completed handshake.
pub const STATE_OK: &str = "SSL negotiation finished successfully";
const WRITE_CCS: &str = "SSLv3/TLS write change cipher spec";
const READ_CCS: &str = "SSLv3/TLS read change cipher spec";

/// OpenSSL's state after sending (`sent`) or receiving a handshake message of `t`.
fn ossl_state(sent: bool, server: bool, t: HandshakeType) -> Option<&'static str> {
    Some(match (sent, t) {
        (true, HandshakeType::CLIENT_HELLO) => "SSLv3/TLS write client hello",
        (true, HandshakeType::HELLO_VERIFY_REQUEST) => "DTLS1 write hello verify request",
        (true, HandshakeType::SERVER_HELLO) => "SSLv3/TLS write server hello",
        (true, HandshakeType::CERTIFICATE) if server => "SSLv3/TLS write certificate",
        (true, HandshakeType::CERTIFICATE) => "SSLv3/TLS write client certificate",
        (true, HandshakeType::SERVER_KEY_EXCHANGE) => "SSLv3/TLS write key exchange",
        (true, HandshakeType::CERTIFICATE_REQUEST) => "SSLv3/TLS write certificate request",
        (true, HandshakeType::SERVER_HELLO_DONE) => "SSLv3/TLS write server done",
        (true, HandshakeType::CLIENT_KEY_EXCHANGE) => "SSLv3/TLS write client key exchange",
        (true, HandshakeType::CERTIFICATE_VERIFY) => "SSLv3/TLS write certificate verify",
        (true, HandshakeType::FINISHED) => "SSLv3/TLS write finished",
        (false, HandshakeType::CLIENT_HELLO) => "SSLv3/TLS read client hello",
        (false, HandshakeType::HELLO_VERIFY_REQUEST) => "DTLS1 read hello verify request",
        (false, HandshakeType::SERVER_HELLO) => "SSLv3/TLS read server hello",
        (false, HandshakeType::CERTIFICATE) if server => "SSLv3/TLS read client certificate",
        (false, HandshakeType::CERTIFICATE) => "SSLv3/TLS read server certificate",
        (false, HandshakeType::SERVER_KEY_EXCHANGE) => "SSLv3/TLS read server key exchange",
        (false, HandshakeType::CERTIFICATE_REQUEST) => "SSLv3/TLS read server certificate request",
        (false, HandshakeType::SERVER_HELLO_DONE) => "SSLv3/TLS read server done",
        (false, HandshakeType::CLIENT_KEY_EXCHANGE) => "SSLv3/TLS read client key exchange",
        (false, HandshakeType::CERTIFICATE_VERIFY) => "SSLv3/TLS read certificate verify",
        (false, HandshakeType::FINISHED) => "SSLv3/TLS read finished",
        _ => return None,
    })
}

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

    /// Reports `SSL_CB_HANDSHAKE_START` once per handshake. OpenSSL's state machine starts
    /// in its write phase: a server, with nothing to write, ends that phase at once (one
    /// `SSL_CB_ACCEPT_LOOP` in "before SSL initialization"); a client's ClientHello follows
    /// from the engine's events, dispatched here so they come before this call's exit.
    pub(crate) fn report_start(&self) {
        {
            let mut io = self.io.borrow_mut();
            if io.start_reported {
                return;
            }
            io.start_reported = true;
            io.last_state = STATE_BEFORE;
            io.flight_end_pending = false;
        }
        self.info(SSL_CB_HANDSHAKE_START, 1);
        if self.is_server() {
            self.info(self.st_bits() | SSL_CB_LOOP, 1);
        }
        self.dispatch_events();
    }

    /// Reports `SSL_CB_CONNECT_EXIT` / `SSL_CB_ACCEPT_EXIT` with the call's return value.
    pub(crate) fn report_exit(&self, ret: c_int) {
        self.info(self.st_bits() | SSL_CB_EXIT, ret);
    }

    /// One transition of OpenSSL's handshake state machine: `SSL_CB_*_LOOP` is reported in
    /// the state being left (statem.c notifies "an impending state change"), then the state
    /// becomes `next` (what `SSL_state_string_long` shows).
    fn transition(&self, next: &'static str) {
        self.info(self.st_bits() | SSL_CB_LOOP, 1);
        if let Ok(mut io) = self.io.try_borrow_mut() {
            io.last_state = next;
        }
    }

    /// The transition that ends a flight we wrote (OpenSSL switches from writing to
    /// reading without changing state), if one is due.
    fn end_flight_if_pending(&self) {
        let due = self
            .io
            .try_borrow_mut()
            .map(|mut io| std::mem::take(&mut io.flight_end_pending))
            .unwrap_or(false);
        if due {
            self.info(self.st_bits() | SSL_CB_LOOP, 1);
        }
    }

    /// The state transitions OpenSSL makes for one handshake message sent or received (a
    /// Finished is preceded by its ChangeCipherSpec, RFC 5246 §7.1).
    fn track_message(&self, sent: bool, msg_type: HandshakeType) {
        if !sent {
            self.end_flight_if_pending();
        }
        if msg_type == HandshakeType::FINISHED {
            self.transition(if sent { WRITE_CCS } else { READ_CCS });
        }
        if let Some(next) = ossl_state(sent, self.is_server(), msg_type) {
            self.transition(next);
        }
        if sent {
            if let Ok(mut io) = self.io.try_borrow_mut() {
                io.flight_end_pending = true;
            }
        }
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
                    self.track_message(*sent, *msg_type);
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
        if !self.io.try_borrow().map_or(true, |io| io.done_reported) {
            self.end_flight_if_pending();
        }
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
        // The last transition, into "SSL negotiation finished successfully".
        if let Ok(mut io) = self.io.try_borrow_mut() {
            io.flight_end_pending = false;
        }
        self.transition(STATE_OK);
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
