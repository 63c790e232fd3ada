//! Engine events as application callbacks: info callback (handshake start/done, state
//! changes, alerts), message callback (handshake messages with their 12-byte DTLS header,
//! alerts), key log lines, handshake-completion bookkeeping (counters, new-session
//! callback), and the start and end of a renegotiation's handshake.
//!
//! Callbacks run with no borrow of the `SSL`'s state held, so they may call any `SSL_*`
//! accessor on the same object.
use std::ffi::{c_int, c_void, CString};
use std::sync::atomic::Ordering;

use rdtls::enums::HandshakeType;
use rdtls::{AlertDescription, AlertLevel, Connection, Event};

use super::consts::*;
use super::objects::{InfoCallback, SSL};
use super::ossl_state::{ossl_state, READ_CCS, STATE_BEFORE, STATE_OK, WRITE_CCS};
use super::state::io::Side;

/// An ACK message (RFC 9147 §7: `RecordNumber record_numbers<0..2^16-1>`, each a uint64
/// epoch and a uint64 sequence number), the body the message callback gets for content
/// type 26.
fn ack_body(records: &[(u64, u64)]) -> Vec<u8> {
    let len = u16::try_from(records.len() * 16).unwrap_or(u16::MAX) & !15;
    let mut v = Vec::with_capacity(2 + usize::from(len));
    v.extend_from_slice(&len.to_be_bytes());
    for (epoch, seq) in records.iter().take(usize::from(len) / 16) {
        v.extend_from_slice(&epoch.to_be_bytes());
        v.extend_from_slice(&seq.to_be_bytes());
    }
    v
}

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
    pub(crate) fn st_bits(&self) -> c_int {
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
            io.read_ccs_reported = false;
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

    /// One handshake message sent or received: OpenSSL's state transitions and message
    /// callbacks in OpenSSL's order. A Finished is preceded by its ChangeCipherSpec (RFC 5246
    /// §7.1; the engine reports handshake messages only). OpenSSL reports a message it writes
    /// after the transition into its "write" state, a handshake message it reads after the
    /// transition into its "read" state, but a ChangeCipherSpec it reads before.
    fn handshake_message(&self, sent: bool, msg_type: HandshakeType, bytes: &[u8]) {
        if !sent {
            self.end_flight_if_pending();
        }
        // DTLS 1.3 has no ChangeCipherSpec (RFC 9147 §5: not even the compatibility one).
        if msg_type == HandshakeType::FINISHED && !self.is_dtls13() {
            if sent {
                self.transition(WRITE_CCS);
                self.flush_sent_headers(true);
                self.msg(true, SSL3_RT_CHANGE_CIPHER_SPEC, &[1]);
            } else if !self.take_read_ccs_reported() {
                self.msg(false, SSL3_RT_CHANGE_CIPHER_SPEC, &[1]);
                self.transition(READ_CCS);
            }
        }
        if let Some(next) = ossl_state(sent, self.is_server(), msg_type) {
            self.transition(next);
        }
        if sent {
            self.flush_sent_headers(false);
        }
        self.msg(sent, SSL3_RT_HANDSHAKE, bytes);
        if sent {
            if let Ok(mut io) = self.io.try_borrow_mut() {
                io.flight_end_pending = true;
            }
        }
    }

    /// A record header (`SSL3_RT_HEADER`): one we read is reported at once (a
    /// ChangeCipherSpec record also as its message and state transition, as OpenSSL reads
    /// it), one we wrote with the message it carries.
    fn record_header(&self, sent: bool, header: &[u8; 13]) {
        if sent {
            if let Ok(mut io) = self.io.try_borrow_mut() {
                io.sent_headers.push(*header);
            }
            return;
        }
        self.msg(false, SSL3_RT_HEADER, header);
        let in_handshake = self
            .io
            .try_borrow()
            .map(|io| !io.done_reported && !io.read_ccs_reported && io.last_state != READ_CCS)
            .unwrap_or(false);
        if header[0] == 20 && in_handshake {
            self.msg(false, SSL3_RT_CHANGE_CIPHER_SPEC, &[1]);
            self.transition(READ_CCS);
            if let Ok(mut io) = self.io.try_borrow_mut() {
                io.read_ccs_reported = true;
            }
        }
    }

    /// Reports buffered headers of records we wrote: all, or (`through_ccs`) up to and
    /// including the ChangeCipherSpec record.
    fn flush_sent_headers(&self, through_ccs: bool) {
        let headers = match self.io.try_borrow_mut() {
            Ok(mut io) => {
                let n = if through_ccs {
                    io.sent_headers
                        .iter()
                        .position(|h| h[0] == 20)
                        .map_or(0, |i| i + 1)
                } else {
                    io.sent_headers.len()
                };
                io.sent_headers.drain(..n).collect::<Vec<_>>()
            }
            Err(_) => return,
        };
        for h in &headers {
            self.msg(true, SSL3_RT_HEADER, h);
        }
    }

    fn take_read_ccs_reported(&self) -> bool {
        self.io
            .try_borrow_mut()
            .map(|mut io| std::mem::take(&mut io.read_ccs_reported))
            .unwrap_or(false)
    }

    /// Makes a fatal error being reported visible (`SSL_state_string_long` = "error").
    pub(crate) fn promote_failure(&self) {
        let pending = self
            .io
            .try_borrow_mut()
            .ok()
            .and_then(|mut io| io.pending_failure.take());
        if let (Some(p), Ok(mut f)) = (pending, self.failed.try_borrow_mut()) {
            *f = Some(p);
        }
    }

    /// The connection negotiated DTLS 1.3.
    pub(crate) fn is_dtls13(&self) -> bool {
        self.with_conn(|c| c.protocol_version()).flatten() == Some(DTLS1_3_VERSION as u16)
    }

    /// Calls the message callback, if any.
    fn msg(&self, write_p: bool, content_type: c_int, bytes: &[u8]) {
        let (cb, arg) = self.with_settings(|s| (s.msg_callback, s.msg_callback_arg));
        // OpenSSL passes version 0 with a record header, else the connection's version.
        let version = if content_type == SSL3_RT_HEADER {
            0
        } else if self.is_dtls13() {
            DTLS1_3_VERSION
        } else {
            DTLS1_2_VERSION
        };
        if let Some(cb) = cb {
            // SAFETY: the application's callback; `bytes` is valid for the call.
            unsafe {
                cb(
                    c_int::from(write_p),
                    version,
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
                // The first poll separately: most records bring no event, and then nothing
                // is collected.
                Some(conn) => match conn.poll_event() {
                    None => Vec::new(),
                    Some(first) => std::iter::once(first)
                        .chain(std::iter::from_fn(|| conn.poll_event()))
                        .take(MAX_EVENTS_PER_DISPATCH)
                        .collect(),
                },
                None => return,
            },
            Err(_) => return,
        };
        if events.is_empty() && self.nothing_to_report() {
            // Every record of an established connection: no callback to run.
            return;
        }
        self.renegotiation_events_begin();
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
                } => self.handshake_message(*sent, *msg_type, bytes),
                // OpenSSL enters its error state before sending a fatal alert, and after
                // the callback for one it received.
                Event::AlertSent { level, description } => {
                    if *level == AlertLevel::Fatal {
                        self.promote_failure();
                    }
                    self.flush_sent_headers(false);
                    self.alert(true, *level, *description)
                }
                Event::AlertReceived { level, description } => {
                    self.alert(false, *level, *description);
                    if *level == AlertLevel::Fatal {
                        self.promote_failure();
                    }
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
                Event::RecordHeader { sent, header } => self.record_header(*sent, header),
                // DTLS 1.3 (RFC 9147 §4): the plaintext or unified header as on the wire,
                // reported in order (no ChangeCipherSpec to place it around).
                Event::RecordHeader13 { sent, header } => self.msg(*sent, SSL3_RT_HEADER, header),
                Event::Ack { sent, records } => self.msg(*sent, SSL3_RT_ACK, &ack_body(records)),
                Event::NewSessionTicket => self.on_ticket(),
                // Events OpenSSL's API has no callback for.
                _ => {}
            }
        }
        // Records with no message of their own (application data).
        self.flush_sent_headers(false);
        if !self.io.try_borrow().map_or(true, |io| io.done_reported) {
            self.end_flight_if_pending();
        }
        self.renegotiation_events_end();
    }

    /// True when a dispatch without engine events has nothing to do: no record header
    /// waiting for the message callback, the handshake's end reported, and no
    /// renegotiation starting or ending (renegotiation_events_begin/end would do nothing).
    fn nothing_to_report(&self) -> bool {
        let quiet = self
            .io
            .try_borrow()
            .is_ok_and(|io| io.sent_headers.is_empty() && io.done_reported && !io.renegotiating);
        quiet && !self.with_conn(|c| c.is_renegotiating()).unwrap_or(false)
    }

    /// DTLS 1.3 client: a ticket arrived (RFC 8446 §4.6.1). As OpenSSL's TLS 1.3 client,
    /// the session is new from here: it joins the client cache and goes to the new-session
    /// callback (not at the handshake's end, when there is nothing to resume yet).
    fn on_ticket(&self) {
        let Some(sess) = self.with_conn(|c| c.session()).flatten() else {
            return;
        };
        // SSL_get_session hands out the session with the ticket from now on.
        super::state::session::session_free(self.session_obj.replace(std::ptr::null_mut()));
        let live = self.ctx().live();
        let store = SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE;
        if live.session_cache_mode & store == SSL_SESS_CACHE_CLIENT {
            self.initial_ctx.session_cache.insert(sess.clone());
        }
        if let Some(cb) = live.new_session_callback {
            if live.session_cache_mode & SSL_SESS_CACHE_CLIENT != 0 {
                let p = super::state::session::session_new(sess);
                // SAFETY: the application's callback; it keeps the reference when it
                // returns 1, otherwise we release it.
                if unsafe { cb(self.as_ptr(), p) } == 0 {
                    super::state::session::session_free(p);
                }
            }
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
        // What the automatic flush of expired sessions counts (ssl_update_cache reads the
        // session context's counter before this handshake is counted).
        let good_before = match self.side.get() {
            Some(Side::Server) => &self.initial_ctx.stats.accept_good,
            _ => &self.initial_ctx.stats.connect_good,
        }
        .load(Ordering::Relaxed);
        match self.side.get() {
            Some(Side::Server) => {
                ctx.stats.accept_good.fetch_add(1, Ordering::Relaxed);
                if reused {
                    ctx.stats.hits.fetch_add(1, Ordering::Relaxed);
                }
                // As OpenSSL: a miss is an offered session ID the internal cache lacked,
                // not every full handshake.
                if self.with_conn(|c| c.session_cache_miss()).unwrap_or(false) {
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
        // A client's new session joins its context's internal cache (OpenSSL's
        // ssl_update_cache; servers cache inside the engine), unless NO_INTERNAL_STORE.
        let store = SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE;
        // A DTLS 1.3 client's session is new when its ticket arrives (on_ticket).
        let client13 = self.side.get() != Some(Side::Server) && self.is_dtls13();
        if self.side.get() != Some(Side::Server)
            && live.session_cache_mode & store == SSL_SESS_CACHE_CLIENT
            && !reused
            && !client13
        {
            if let Some(sess) = self.with_conn(|c| c.session()).flatten() {
                self.initial_ctx.session_cache.insert(sess);
            }
        }
        if let Some(cb) = live.new_session_callback.filter(|_| !client13) {
            if live.session_cache_mode & mode_bit != 0 && !reused {
                if let Some(sess) = self.with_conn(|c| c.session()).flatten() {
                    let p = super::state::session::session_new(sess);
                    // SAFETY: the application's callback; it keeps the reference when it
                    // returns 1, otherwise we release it.
                    if unsafe { cb(self.as_ptr(), p) } == 0 {
                        super::state::session::session_free(p);
                    }
                }
            }
        }
        super::session_remove::auto_clear(&self.initial_ctx, good_before, mode_bit);
    }

    // The events of a renegotiation (renegotiate.rs starts one; the engine runs it).

    /// Before events are reported: a renegotiation that just started (ours or the peer's)
    /// begins a new handshake for the callbacks and `SSL_in_init`.
    pub(crate) fn renegotiation_events_begin(&self) {
        let running = self
            .with_conn(Connection::is_renegotiating)
            .unwrap_or(false);
        let started = match self.io.try_borrow_mut() {
            Ok(mut io) if running && !io.renegotiating => {
                io.renegotiating = true;
                io.done_reported = false;
                io.start_reported = false;
                // Counted as OpenSSL's ssl3_renegotiate_check counts: by the side that
                // called SSL_renegotiate, and by a client answering a HelloRequest (which
                // renegotiates through SSL_renegotiate), not by a server answering.
                if io.local_renegotiate || self.side.get() == Some(Side::Client) {
                    io.renegotiations_num += 1;
                    io.renegotiations_total += 1;
                }
                io.local_renegotiate = false;
                true
            }
            _ => false,
        };
        if started {
            // As OpenSSL: the new handshake starts from "SSL negotiation finished
            // successfully" (TLS_ST_OK), not "before SSL initialization".
            if let Ok(mut io) = self.io.try_borrow_mut() {
                io.start_reported = true;
                io.last_state = STATE_OK;
                io.flight_end_pending = false;
                io.read_ccs_reported = false;
            }
            self.info(SSL_CB_HANDSHAKE_START, 1);
            if self.is_server() {
                self.info(self.st_bits() | SSL_CB_LOOP, 1);
            }
        }
    }

    /// `SSL_read` / `SSL_write` ran (part of) a renegotiation: as OpenSSL's, whose read and
    /// write run the handshake function, it reports `SSL_CB_*_EXIT` (-1 while it goes on,
    /// 1 once it completed in this call).
    pub(crate) fn renegotiation_io_exit(&self, running_before: bool) {
        let running = self
            .with_conn(Connection::is_renegotiating)
            .unwrap_or(false);
        if running_before || running {
            self.report_exit(if running { -1 } else { 1 });
        }
    }

    /// After events were reported: a renegotiation that ended without completing (refused
    /// by the peer, or closed) leaves the connection established as it was.
    pub(crate) fn renegotiation_events_end(&self) {
        let running = self
            .with_conn(Connection::is_renegotiating)
            .unwrap_or(false);
        let usable = self.with_conn(Connection::is_established).unwrap_or(false);
        if let Ok(mut io) = self.io.try_borrow_mut() {
            if io.renegotiating && !running {
                io.renegotiating = false;
                if !io.done_reported && usable {
                    io.done_reported = true;
                    io.last_state = STATE_OK;
                }
            }
        }
    }
}
