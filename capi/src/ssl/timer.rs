//! The retransmission timer for non-blocking programs (`DTLSv1_get_timeout`,
//! `DTLSv1_handle_timeout`, `DTLS_set_timer_cb`) and the MTU controls.
use std::ffi::c_long;
use std::time::Duration;

use crate::entry::*;
use crate::host;

use super::consts::*;
use super::driver::{MAX_ENGINE_MTU, TIMER_SLACK};
use super::objects::{TimerCallback, SSL};

impl SSL {
    /// `DTLSv1_get_timeout`: 1 and the time left in `*tv` while a timer runs (zero once it
    /// is due, or within OpenSSL's 15 ms slack), 0 when no timer runs.
    pub(crate) fn get_timeout(&self, tv: *mut libc::timeval) -> c_long {
        let Some(deadline) = self.deadline() else {
            return 0;
        };
        let now = self.now();
        let mut left = deadline.saturating_duration_since(now);
        if left < TIMER_SLACK {
            left = Duration::ZERO;
        }
        // SAFETY: NULL or a writable struct timeval from the caller.
        if let Some(tv) = unsafe { tv.as_mut() } {
            tv.tv_sec = libc::time_t::try_from(left.as_secs()).unwrap_or(libc::time_t::MAX);
            tv.tv_usec = libc::suseconds_t::from(left.subsec_micros());
        }
        1
    }

    /// `DTLSv1_handle_timeout`: 1 when the timer had expired and the flight was
    /// retransmitted, 0 when nothing was due, -1 when the handshake gave up (or failed).
    pub(crate) fn handle_timeout(&self) -> c_long {
        let _guard = self.panic_guard();
        if self.check_failed().is_err() {
            return -1;
        }
        match self.run_timers() {
            Ok(true) => {}
            Ok(false) => return 0,
            Err(_) => return -1,
        }
        // A refused write keeps the datagram for the next call: not an error here.
        match self.flush() {
            Ok(()) | Err(super::driver::Stop::WantWrite) => {}
            Err(_) => return -1,
        }
        self.sync_bio_deadline();
        1
    }

    /// `SSL_set_mtu` (payload bytes); returns the MTU or 0 when it is too small.
    pub(crate) fn set_mtu(&self, mtu: c_long) -> c_long {
        let overhead = host::bio_dgram_mtu_overhead(self.wbio.get());
        let min = usize::try_from(DTLS1_LINK_MIN_MTU)
            .unwrap_or(256)
            .saturating_sub(overhead);
        let Ok(m) = usize::try_from(mtu) else {
            return 0;
        };
        if m < min {
            return 0;
        }
        let m = m.min(MAX_ENGINE_MTU);
        self.mtu.set(Some(m));
        if let Ok(mut c) = self.conn.try_borrow_mut() {
            if let Some(conn) = c.as_mut() {
                // Below the engine's floor the engine keeps its current MTU.
                let _ = conn.set_mtu(m.max(rdtls::config::MIN_MTU));
            }
        }
        c_long::try_from(m).unwrap_or(0)
    }

    /// `DTLS_set_link_mtu`: the MTU including IP/UDP headers; 1 on success, 0 when too small.
    pub(crate) fn set_link_mtu(&self, link_mtu: c_long) -> c_long {
        if link_mtu < DTLS1_LINK_MIN_MTU {
            return 0;
        }
        let overhead = c_long::try_from(host::bio_dgram_mtu_overhead(self.wbio.get())).unwrap_or(0);
        c_long::from(self.set_mtu(link_mtu - overhead) > 0)
    }
}

entry! {
    /// DTLS_set_timer_cb installs the retransmission timeout callback (`timer_us` is the
    /// previous timeout in microseconds, 0 for the first; the result is the next one).
    fn DTLS_set_timer_cb(s: *mut SSL, cb: Option<TimerCallback>) {
        let s = try_ref!(s, ());
        s.timer_callback.set(cb);
        if let (Some(cb), Ok(mut c)) = (cb, s.conn.try_borrow_mut()) {
            if let Some(conn) = c.as_mut() {
                let ssl = super::objects::SslPtr(s.as_ptr());
                conn.set_timer_hook(Box::new(move |prev| {
                    let ssl = &ssl;
                    // SAFETY: the application's callback; the SSL outlives its connection.
                    unsafe { cb(ssl.0, prev) }
                }));
            }
        }
    }

    /// DTLS_get_data_mtu: the most application data one SSL_write can carry now (0 before a
    /// cipher is negotiated).
    fn DTLS_get_data_mtu(s: *const SSL) -> usize {
        let s = try_ref!(s, 0);
        // 0 until a suite is agreed (a 1.2 suite, or a DTLS 1.3 one).
        s.with_conn(|c| {
            if c.cipher_suite().is_some() || c.tls13_suite().is_some() {
                c.data_mtu()
            } else {
                0
            }
        })
        .unwrap_or(0)
    }
}
