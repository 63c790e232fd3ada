//! The I/O calls and their OpenSSL return-value semantics: `SSL_connect` / `SSL_accept` /
//! `SSL_do_handshake`, `SSL_read` / `SSL_peek` / `SSL_write` (and `_ex`), `SSL_shutdown`,
//! `SSL_get_error`.
use std::ffi::{c_int, c_void};

use rdtls::{Connection, SendError};

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{
    get_lib, peek_code, put_error, ERR_LIB_SSL, ERR_LIB_SYS, ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED,
};
use crate::host;

use super::consts::*;
use super::ctrl::MAX_SEND_FRAGMENT;
use super::driver::Stop;
use super::method::Role;
use super::objects::SSL;
use super::read_express::{read_len, Express};
use super::state::io::Side;

/// `BIO_RR_CONNECT`: the retry reason of a connect BIO still connecting.
const BIO_RR_CONNECT: c_int = 0x02;

impl SSL {
    /// Turns a stop into the -1 return and records what the caller waits for.
    fn stopped(&self, stop: Stop) -> c_int {
        self.want.set(match stop {
            Stop::WantRead => SSL_READING,
            Stop::WantWrite => SSL_WRITING,
            Stop::WantX509Lookup => SSL_X509_LOOKUP,
            Stop::Failed => SSL_NOTHING,
            Stop::WantClientHelloCb => SSL_CLIENT_HELLO_CB,
        });
        -1
    }

    /// `SSL_do_handshake` on a side already chosen.
    pub(crate) fn handshake(&self) -> c_int {
        let _guard = self.panic_guard();
        // OpenSSL's handshake state machine clears the thread's error queue on entry
        // (statem.c), so errors left by earlier calls (a refused setting, a file that did not
        // load) cannot make this call's SSL_get_error report SSL_ERROR_SSL. A connection that
        // failed raises its error again below.
        let done = self.io.try_borrow().map_or(true, |io| io.done_reported);
        if !done {
            crate::error::clear();
        }
        self.want.set(SSL_NOTHING);
        let ret = match self.drive_handshake() {
            Ok(()) => 1,
            Err(stop) => self.stopped(stop),
        };
        self.report_exit(ret);
        ret
    }

    /// Runs the handshake first if it has not completed; Some(ret) when the caller must
    /// return `ret`.
    fn handshake_first(&self) -> Option<c_int> {
        // During a renegotiation application data keeps flowing: SSL_read and SSL_write
        // move it (and the handshake with it) instead of waiting for the handshake.
        if self.io.borrow().done_reported
            || self
                .with_conn(Connection::is_renegotiating)
                .unwrap_or(false)
        {
            return None;
        }
        if self.side.get().is_none() {
            put_error(
                ERR_LIB_SSL,
                SSL_R_UNINITIALIZED,
                "no side chosen: call SSL_set_connect_state or SSL_set_accept_state",
            );
            return Some(-1);
        }
        let r = self.handshake();
        if r <= 0 {
            return Some(r);
        }
        None
    }

    /// `SSL_read` / `SSL_peek`.
    pub(crate) fn read_into(&self, buf: &mut [u8], peek: bool) -> c_int {
        let renegotiating = self
            .with_conn(Connection::is_renegotiating)
            .unwrap_or(false);
        let r = self.read_into_inner(buf, peek);
        self.renegotiation_io_exit(renegotiating);
        r
    }

    fn read_into_inner(&self, buf: &mut [u8], peek: bool) -> c_int {
        let _guard = self.panic_guard();
        if self.poisoned() {
            // Buffered data of an object a panic interrupted is not handed out.
            if let Err(stop) = self.check_failed() {
                return self.stopped(stop);
            }
        }
        self.want.set(SSL_NOTHING);
        if let Some(r) = self.handshake_first() {
            return r;
        }
        if !peek {
            match self.read_express(buf) {
                Express::NotTaken | Express::Processed(Ok(())) => {}
                Express::Read(n) => return read_len(n),
                Express::Processed(Err(stop)) => return self.stopped(stop),
            }
        }
        loop {
            let got = self.conn.try_borrow_mut().ok().and_then(|mut c| {
                c.as_mut()
                    .and_then(|conn| if peek { conn.peek(buf) } else { conn.recv(buf) })
            });
            match got {
                Some(n) if n > 0 || buf.is_empty() => {
                    return c_int::try_from(n).unwrap_or(c_int::MAX);
                }
                // An empty record: nothing for the application, look for more.
                Some(_) => continue,
                None => {}
            }
            if self.with_conn(Connection::close_received).unwrap_or(false) {
                self.shutdown
                    .set(self.shutdown.get() | SSL_RECEIVED_SHUTDOWN);
                return 0;
            }
            // SSL_read takes the next record straight from the decrypted datagram (one
            // copy); SSL_peek leaves it buffered.
            let out: &mut [u8] = if peek { &mut [] } else { &mut *buf };
            match self.wait_readable_into(out) {
                Ok(0) => {}
                Ok(n) => return c_int::try_from(n).unwrap_or(c_int::MAX),
                Err(stop) => return self.stopped(stop),
            }
        }
    }

    /// `SSL_write`.
    pub(crate) fn write_from(&self, data: &[u8]) -> c_int {
        let _guard = self.panic_guard();
        self.want.set(SSL_NOTHING);
        if self.shutdown.get() & SSL_SENT_SHUTDOWN != 0 {
            put_error(
                ERR_LIB_SSL,
                SSL_R_PROTOCOL_IS_SHUTDOWN,
                "SSL_write after SSL_shutdown",
            );
            return -1;
        }
        // A record queued by an earlier call that returned WANT_WRITE: finish sending it.
        let pending = self.io.borrow().pending_write;
        if let Some(n) = pending {
            if let Err(stop) = self.flush() {
                return self.stopped(stop);
            }
            self.io.borrow_mut().pending_write = None;
            return c_int::try_from(n).unwrap_or(c_int::MAX);
        }
        if let Some(r) = self.handshake_first() {
            return r;
        }
        if let Err(stop) = self.check_failed() {
            return self.stopped(stop);
        }
        if data.is_empty() {
            return 0;
        }
        // OpenSSL 3.0 (rec_layer_d1.c) accepts any write up to max_send_fragment whatever
        // the MTU and sends it as one record; DTLS_get_data_mtu is only the size that avoids
        // IP fragmentation. Over 2^14 it refuses the call (the connection stays usable); over
        // a lower max_send_fragment it fails the connection and returns 0.
        if data.len() > MAX_SEND_FRAGMENT as usize {
            put_error(
                ERR_LIB_SSL,
                SSL_R_DTLS_MESSAGE_TOO_BIG,
                format!(
                    "{} bytes do not fit in one DTLS record (at most 16384 per SSL_write)",
                    data.len()
                ),
            );
            return -1;
        }
        // Over DCCP a record larger than the MPS cannot be sent at all (see dccp.rs).
        if self.dccp_refuses_write(data.len()) {
            return -1;
        }
        let limit = self.with_settings(|s| s.max_send_fragment);
        if data.len() > limit {
            let _ = self.fail_with(
                SSL_R_EXCEEDS_MAX_FRAGMENT_SIZE,
                format!(
                    "{} bytes exceed max_send_fragment {limit} (SSL_set_max_send_fragment)",
                    data.len()
                ),
            );
            return 0;
        }
        let mut r = self.engine_send_direct(data);
        if let Some(Err(SendError::Full)) = r {
            // The engine holds at most MAX_QUEUED_DATAGRAMS unsent datagrams. Write them to
            // the BIO and queue the record again; a BIO that cannot take them is OpenSSL's
            // -1/SSL_ERROR_WANT_WRITE (the caller retries with the same buffer), never a
            // failure. A memory BIO grows, so there the queue always drains.
            if let Err(stop) = self.flush() {
                return self.stopped(stop);
            }
            r = self.engine_send(data).map(|r| r.map(|()| false));
        }
        let written = c_int::try_from(data.len()).unwrap_or(c_int::MAX);
        match r {
            // In the write BIO already, and nothing else waits to go out.
            Some(Ok(true)) if !self.with_conn(Connection::has_transmit).unwrap_or(true) => {
                return written;
            }
            Some(Ok(_)) => {}
            Some(Err(SendError::Full)) => return self.stopped(Stop::WantWrite),
            Some(Err(e)) => return self.stopped(self.fail(&e.into())),
            None => {
                put_error(
                    ERR_LIB_SSL,
                    ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED,
                    "re-entrant SSL_write",
                );
                return -1;
            }
        }
        self.io.borrow_mut().pending_write = Some(data.len());
        if let Err(stop) = self.flush() {
            return self.stopped(stop);
        }
        self.io.borrow_mut().pending_write = None;
        written
    }

    /// Seals the record straight into the write BIO when that is our memory BIO and nothing
    /// waits to go out before it (Some(Ok(true)): the one copy of `SSL_write`, no queue, no
    /// transmit buffer); otherwise queues it in the engine (Some(Ok(false))) for `flush`.
    fn engine_send_direct(&self, data: &[u8]) -> Option<Result<bool, SendError>> {
        let clear = self
            .io
            .try_borrow()
            .is_ok_and(|io| io.blocked_datagram.is_none() && io.deferred_key_update.is_none());
        if clear {
            // Taken apart in the closure rather than returned through the BIO layers: the
            // error type is large, and copying the result out whole costs a store-forwarding
            // stall per record.
            let (mut sent, mut failed) = (None, None);
            match self.conn.try_borrow_mut() {
                Ok(mut c) => {
                    let conn = c.as_mut()?;
                    host::bio_mem_append(self.wbio.get(), |buf| match conn.send_into(data, buf) {
                        Ok(direct) => sent = Some(direct),
                        Err(e) => failed = Some(e),
                    });
                }
                Err(_) => return None,
            }
            if let Some(e) = failed {
                return Some(Err(e));
            }
            if let Some(direct) = sent {
                return Some(Ok(direct));
            }
        }
        self.engine_send(data).map(|r| r.map(|()| false))
    }

    /// Queues one application record in the engine (None: no connection, or re-entered).
    fn engine_send(&self, data: &[u8]) -> Option<Result<(), SendError>> {
        match self.conn.try_borrow_mut() {
            Ok(mut c) => c.as_mut().map(|conn| conn.send(data)),
            Err(_) => None,
        }
    }

    /// `SSL_shutdown`.
    pub(crate) fn do_shutdown(&self) -> c_int {
        let _guard = self.panic_guard();
        self.want.set(SSL_NOTHING);
        if self.side.get().is_none() {
            put_error(
                ERR_LIB_SSL,
                SSL_R_UNINITIALIZED,
                "SSL_shutdown before a handshake was set up",
            );
            return -1;
        }
        if !self.io.borrow().done_reported {
            put_error(
                ERR_LIB_SSL,
                SSL_R_SHUTDOWN_WHILE_IN_INIT,
                "SSL_shutdown during the handshake",
            );
            return -1;
        }
        if self.with_settings(|s| s.quiet_shutdown) {
            self.shutdown.set(SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
            return 1;
        }
        if self.shutdown.get() & SSL_SENT_SHUTDOWN == 0 {
            self.shutdown.set(self.shutdown.get() | SSL_SENT_SHUTDOWN);
            if let Ok(mut c) = self.conn.try_borrow_mut() {
                if let Some(conn) = c.as_mut() {
                    conn.close();
                }
            }
            self.dispatch_events();
            if let Err(stop) = self.flush() {
                return self.stopped(stop);
            }
        } else if self.io.borrow().blocked_datagram.is_some() {
            if let Err(stop) = self.flush() {
                return self.stopped(stop);
            }
        } else if self.shutdown.get() & SSL_RECEIVED_SHUTDOWN == 0 {
            // Wait for the peer's close_notify, discarding application data meanwhile.
            loop {
                if self.with_conn(Connection::close_received).unwrap_or(false) {
                    self.shutdown
                        .set(self.shutdown.get() | SSL_RECEIVED_SHUTDOWN);
                    break;
                }
                let mut sink = [0u8; 2048];
                let drained = self
                    .conn
                    .try_borrow_mut()
                    .ok()
                    .and_then(|mut c| c.as_mut().and_then(|conn| conn.recv(&mut sink)));
                if drained.is_some() {
                    continue;
                }
                if let Err(stop) = self.wait_readable() {
                    return self.stopped(stop);
                }
            }
        }
        if self.with_conn(Connection::close_received).unwrap_or(false) {
            self.shutdown
                .set(self.shutdown.get() | SSL_RECEIVED_SHUTDOWN);
        }
        if self.shutdown.get() == SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN {
            1
        } else {
            0
        }
    }

    /// `SSL_get_error`.
    pub(crate) fn error_for(&self, ret: c_int) -> c_int {
        if ret > 0 {
            return SSL_ERROR_NONE;
        }
        let code = peek_code();
        if code != 0 {
            return if get_lib(code) == ERR_LIB_SYS {
                SSL_ERROR_SYSCALL
            } else {
                SSL_ERROR_SSL
            };
        }
        match self.want.get() {
            // A connect BIO still connecting (BIO_RR_CONNECT), as OpenSSL's SSL_get_error.
            SSL_READING | SSL_WRITING
                if crate::host::bio_special_retry_reason(if self.want.get() == SSL_READING {
                    self.rbio.get()
                } else {
                    self.wbio.get()
                }) == Some(BIO_RR_CONNECT) =>
            {
                return SSL_ERROR_WANT_CONNECT
            }
            SSL_READING => return SSL_ERROR_WANT_READ,
            SSL_WRITING => return SSL_ERROR_WANT_WRITE,
            SSL_CLIENT_HELLO_CB => return SSL_ERROR_WANT_CLIENT_HELLO_CB,
            SSL_X509_LOOKUP => return SSL_ERROR_WANT_X509_LOOKUP,
            _ => {}
        }
        let closed = self.with_conn(Connection::close_received).unwrap_or(false);
        if closed && self.shutdown.get() & SSL_RECEIVED_SHUTDOWN != 0 {
            return SSL_ERROR_ZERO_RETURN;
        }
        SSL_ERROR_SYSCALL
    }

    /// Chooses the side for `SSL_connect` / `SSL_accept`; false (with an error) when the
    /// method forbids it.
    fn choose_side(&self, side: Side) -> bool {
        let role = self.ctx().method.role;
        let forbidden = matches!(
            (role, side),
            (Role::Server, Side::Client) | (Role::Client, Side::Server)
        );
        if forbidden {
            put_error(
                ERR_LIB_SSL,
                ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED,
                match side {
                    Side::Client => "SSL_connect on an SSL made from a server-only method",
                    Side::Server => "SSL_accept on an SSL made from a client-only method",
                },
            );
            return false;
        }
        if self.side.get().is_none() || self.conn.try_borrow().map(|c| c.is_none()).unwrap_or(false)
        {
            self.side.set(Some(side));
        }
        true
    }
}

/// The byte count for `_ex` variants.
fn store_len(out: *mut usize, n: c_int) -> c_int {
    if n > 0 {
        // SAFETY: NULL or a writable size_t from the caller.
        if let Some(o) = unsafe { out.as_mut() } {
            *o = usize::try_from(n).unwrap_or(0);
        }
        1
    } else {
        0
    }
}

/// Clamps a C `int` length to a usize (negative → error).
fn len_arg(num: c_int) -> Option<usize> {
    usize::try_from(num).ok()
}

entry! {
    /// SSL_connect runs the client handshake: 1 done, -1 see SSL_get_error.
    fail = -1;
    fn SSL_connect(s: *mut SSL) -> c_int {
        let s = try_ref!(s, -1);
        if !s.choose_side(Side::Client) {
            return -1;
        }
        s.handshake()
    }

    /// SSL_accept runs the server handshake: 1 done, -1 see SSL_get_error.
    fail = -1;
    fn SSL_accept(s: *mut SSL) -> c_int {
        let s = try_ref!(s, -1);
        if !s.choose_side(Side::Server) {
            return -1;
        }
        s.handshake()
    }

    /// SSL_do_handshake runs the handshake for the side already chosen.
    fail = -1;
    fn SSL_do_handshake(s: *mut SSL) -> c_int {
        let s = try_ref!(s, -1);
        if s.side.get().is_none() {
            put_error(ERR_LIB_SSL, SSL_R_CONNECTION_TYPE_NOT_SET, "call SSL_set_connect_state or SSL_set_accept_state first");
            return -1;
        }
        s.handshake()
    }

    /// SSL_read reads one record's worth of data: >0 bytes, 0 after close_notify, -1 error.
    fail = -1;
    fn SSL_read(s: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
        let s = try_ref!(s, -1);
        let Some(n) = len_arg(num) else {
            put_error(ERR_LIB_SSL, SSL_R_BAD_LENGTH, "negative length");
            return -1;
        };
        let b = try_slice_mut!(buf, n, -1);
        s.read_into(b, false)
    }

    /// SSL_peek is SSL_read without removing the data.
    fail = -1;
    fn SSL_peek(s: *mut SSL, buf: *mut c_void, num: c_int) -> c_int {
        let s = try_ref!(s, -1);
        let Some(n) = len_arg(num) else {
            put_error(ERR_LIB_SSL, SSL_R_BAD_LENGTH, "negative length");
            return -1;
        };
        let b = try_slice_mut!(buf, n, -1);
        s.read_into(b, true)
    }

    /// SSL_read_ex: 1 and `*readbytes` on success, 0 on failure.
    fn SSL_read_ex(s: *mut SSL, buf: *mut c_void, num: usize, readbytes: *mut usize) -> c_int {
        let s = try_ref!(s, 0);
        let b = try_slice_mut!(buf, num.min(c_int::MAX as usize), 0);
        store_len(readbytes, s.read_into(b, false))
    }

    /// SSL_peek_ex: 1 and `*readbytes` on success, 0 on failure.
    fn SSL_peek_ex(s: *mut SSL, buf: *mut c_void, num: usize, readbytes: *mut usize) -> c_int {
        let s = try_ref!(s, 0);
        let b = try_slice_mut!(buf, num.min(c_int::MAX as usize), 0);
        store_len(readbytes, s.read_into(b, true))
    }

    /// SSL_write sends `num` bytes as one record in one datagram: `num` on success, -1 error.
    fail = -1;
    fn SSL_write(s: *mut SSL, buf: *const c_void, num: c_int) -> c_int {
        let s = try_ref!(s, -1);
        let Some(n) = len_arg(num) else {
            put_error(ERR_LIB_SSL, SSL_R_BAD_LENGTH, "negative length");
            return -1;
        };
        let b = try_slice!(buf, n, -1);
        s.write_from(b)
    }

    /// SSL_write_ex: 1 and `*written` on success, 0 on failure.
    fn SSL_write_ex(s: *mut SSL, buf: *const c_void, num: usize, written: *mut usize) -> c_int {
        let s = try_ref!(s, 0);
        if num > c_int::MAX as usize {
            put_error(ERR_LIB_SSL, SSL_R_BAD_LENGTH, "length too large");
            return 0;
        }
        let b = try_slice!(buf, num, 0);
        store_len(written, s.write_from(b))
    }

    /// SSL_pending: bytes of application data buffered from the current record.
    fn SSL_pending(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.with_conn(Connection::pending).map_or(0, |n| c_int::try_from(n).unwrap_or(c_int::MAX))
    }

    /// SSL_has_pending: 1 when received application data is buffered.
    fn SSL_has_pending(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        c_int::from(s.with_conn(Connection::has_pending).unwrap_or(false))
    }

    /// SSL_shutdown sends close_notify: 0 once sent, 1 when the peer's was also received,
    /// -1 on error (see SSL_get_error).
    fail = -1;
    fn SSL_shutdown(s: *mut SSL) -> c_int {
        let s = try_ref!(s, -1);
        s.do_shutdown()
    }

    /// SSL_get_error classifies the return value `ret` of the last I/O call on `s`.
    fail = SSL_ERROR_SSL;
    fn SSL_get_error(s: *const SSL, ret: c_int) -> c_int {
        let s = try_ref!(s, SSL_ERROR_SSL);
        s.error_for(ret)
    }

    /// SSL_is_init_finished: 1 once the handshake completed.
    fn SSL_is_init_finished(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        let failed = s.failed.try_borrow().map(|f| f.is_some()).unwrap_or(false);
        c_int::from(s.io.try_borrow().map(|io| io.done_reported).unwrap_or(false) && !failed)
    }

    /// SSL_in_init: 1 until the handshake completed.
    fn SSL_in_init(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        c_int::from(!s.io.try_borrow().map(|io| io.done_reported).unwrap_or(false))
    }

    /// SSL_in_before: 1 before the handshake started.
    fn SSL_in_before(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        c_int::from(s.conn.try_borrow().map(|c| c.is_none()).unwrap_or(false))
    }
}
