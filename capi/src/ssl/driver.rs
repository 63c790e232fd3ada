//! The driver: moves datagrams between the BIOs and the sans-IO engine, runs the
//! retransmission timer, and reports how an operation must return.
//!
//! Every I/O call repeats the same step: fire an expired timer (the library retransmits by
//! itself, also in non-blocking mode when the application calls again after the deadline),
//! write what the engine has to send (one datagram per `BIO_write`, or a flight per
//! `sendmmsg` on our datagram BIO; a write the BIO refuses with a retry keeps the datagram
//! and reports WANT_WRITE), tell a datagram read BIO the absolute retransmission deadline
//! (`BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT`, so a blocking read returns at it), check the goal,
//! then read one datagram (one `BIO_read` = one datagram).
use std::cell::RefCell;
use std::ffi::c_int;
use std::time::{Duration, Instant, SystemTime};

use rdtls::{ClientOptions, Connection, Error};

use crate::error::ssl_reasons::*;
use crate::error::{put_error, put_sys_error, ERR_LIB_SSL, ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED};
use crate::host;

use super::consts::*;
use super::method::Family;
use super::objects::{CtxLive, Settings, SSL};
use super::state::io::Side;
use super::state::values::Variant;

/// Largest datagram read in one `BIO_read` (the UDP payload limit, rounded up).
pub const MAX_DATAGRAM: usize = 65536;
/// A timer that expires within this much counts as expired, as in OpenSSL (socket timeouts
/// are coarse; waking 1 ms early must not cost a whole extra wait).
pub const TIMER_SLACK: Duration = Duration::from_millis(15);
/// Zero-length datagrams tolerated in one call before reading stops (bounds the loop).
pub const MAX_EMPTY_READS: usize = 64;
/// Timer expiries handled in one call before returning (a safety net; a handshake gives up
/// after the engine's retransmission limit long before this).
pub const MAX_TIMER_FIRES_PER_CALL: usize = 1000;
pub use super::consts::MAX_ENGINE_MTU;

/// Why an operation stops before reaching its goal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The read BIO has nothing now (`SSL_ERROR_WANT_READ`).
    WantRead,
    /// The write BIO refused a datagram (`SSL_ERROR_WANT_WRITE`).
    WantWrite,
    /// A server's certificate callback asked to be called again
    /// (`SSL_ERROR_WANT_X509_LOOKUP`, servername.rs).
    WantX509Lookup,
    /// A failure with an error-queue entry (`SSL_ERROR_SSL` / `SSL_ERROR_SYSCALL`).
    Failed,
    /// The client-hello callback asked to be called again
    /// (`SSL_ERROR_WANT_CLIENT_HELLO_CB`, see `client_hello.rs`).
    WantClientHelloCb,
}

/// What reading one datagram did.
enum Read {
    /// A datagram went into the engine.
    Processed,
    /// A datagram was processed and brought this many bytes straight into the reader's
    /// buffer.
    Delivered(usize),
    /// Nothing to read now.
    NoData,
}

thread_local! {
    /// Receive buffer shared by every `SSL` of the thread (each reads one datagram at a time
    /// and hands it to the engine at once), so idle connections hold no 64 KiB buffer.
    pub(crate) static RX: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Transmit buffer for `poll_transmit`, shared likewise.
    static TX: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// The buffer exchanged for a memory read BIO's (`read_one`): it holds the datagram
    /// taken last, and its capacity goes to the next memory BIO read from.
    static SPARE: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` with the thread's buffer, or a fresh one when a BIO callback re-entered or the
/// thread's locals are already destroyed (an `atexit` handler calling `SSL_shutdown`).
pub(crate) fn with_buf<R>(
    key: &'static std::thread::LocalKey<RefCell<Vec<u8>>>,
    f: impl FnOnce(&mut Vec<u8>) -> R,
) -> R {
    let mut f = Some(f);
    let shared = key.try_with(|cell| {
        let f = f.take()?;
        Some(match cell.try_borrow_mut() {
            Ok(mut b) => f(&mut b),
            Err(_) => f(&mut Vec::new()),
        })
    });
    match (shared, f) {
        (Ok(Some(r)), _) => r,
        (_, Some(f)) => f(&mut Vec::new()),
        // try_with ran the closure, which took `f` and returned Some: covered above.
        (_, None) => unreachable!("with_buf: closure ran without a result"),
    }
}

/// Socket address bytes a cookie is bound to (IP octets then the port, big-endian).
pub fn peer_bytes(peer: Option<std::net::SocketAddr>) -> Vec<u8> {
    match peer {
        Some(std::net::SocketAddr::V4(a)) => {
            let mut v = a.ip().octets().to_vec();
            v.extend_from_slice(&a.port().to_be_bytes());
            v
        }
        Some(std::net::SocketAddr::V6(a)) => {
            let mut v = a.ip().octets().to_vec();
            v.extend_from_slice(&a.port().to_be_bytes());
            v
        }
        None => Vec::new(),
    }
}

fn last_errno() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

impl SSL {
    /// This connection's clock: `Instant::now()`, but never earlier than a time already
    /// given to the engine.
    pub(crate) fn now(&self) -> Instant {
        let now = Instant::now();
        let t = match self.clock.get() {
            Some(last) if last > now => last,
            _ => now,
        };
        self.clock.set(Some(t));
        t
    }

    /// Records a fatal error: the queue entry, the stored text for later calls, and a best
    /// effort to send the alert the engine queued.
    pub(crate) fn fail(&self, e: &Error) -> Stop {
        let raised = super::errors::raise(e);
        if let Ok(mut io) = self.io.try_borrow_mut() {
            io.pending_failure = Some(raised.clone());
        }
        self.dispatch_events();
        self.promote_failure();
        *self.failed.borrow_mut() = Some(raised);
        let _ = self.flush();
        Stop::Failed
    }

    /// Fails with a reason and text that are not an engine error.
    pub(crate) fn fail_with(&self, reason: c_int, detail: String) -> Stop {
        put_error(ERR_LIB_SSL, reason, detail.clone());
        *self.failed.borrow_mut() = Some((reason, detail));
        Stop::Failed
    }

    /// If an earlier call failed fatally, raises that error again.
    pub(crate) fn check_failed(&self) -> Result<(), Stop> {
        match self.failed.try_borrow().ok().and_then(|f| f.clone()) {
            Some((reason, detail)) => {
                put_error(
                    ERR_LIB_SSL,
                    reason,
                    format!("connection failed earlier: {detail}"),
                );
                Err(Stop::Failed)
            }
            None => Ok(()),
        }
    }

    /// Creates the engine connection for this side, if not done yet.
    pub(crate) fn ensure_connection(&self) -> Result<(), Stop> {
        self.check_failed()?;
        if self.conn.try_borrow().map(|c| c.is_some()).unwrap_or(true) {
            return Ok(());
        }
        let Some(side) = self.side.get() else {
            put_error(
                ERR_LIB_SSL,
                SSL_R_CONNECTION_TYPE_NOT_SET,
                "call SSL_set_connect_state or SSL_set_accept_state (or SSL_connect / SSL_accept)",
            );
            return Err(Stop::Failed);
        };
        let ctx = self.ctx();
        if let Some(why) = ctx.method.unsupported_reason() {
            let reason = match ctx.method.family {
                Family::Dtls10 => SSL_R_UNSUPPORTED_SSL_VERSION,
                _ => SSL_R_UNSUPPORTED_PROTOCOL,
            };
            return Err(self.fail_with(reason, why.to_owned()));
        }
        // A client's certificate callback may still change what it presents (own_cert.rs); a
        // server's runs after the ClientHello (servername.rs).
        if side == Side::Client && !self.run_cert_callback() {
            return Err(Stop::Failed);
        }
        let live = ctx.live();
        let prepared = {
            let own = self.settings.borrow();
            // The context's SRTP profiles unless this SSL set its own: the settings are
            // copied only when that changes them (a copy allocates for every list in them).
            let srtp = if own.srtp_own {
                None
            } else {
                ctx.with_settings(|c| {
                    (c.srtp_profiles != own.srtp_profiles).then(|| c.srtp_profiles.clone())
                })
            };
            let copy;
            let settings: &Settings = match srtp {
                Some(profiles) => {
                    let mut s = Settings::clone(&own);
                    s.srtp_profiles = profiles;
                    copy = s;
                    &copy
                }
                None => &own,
            };
            match settings.dtls12_disabled() {
                Some(why) => Err(why),
                None => {
                    let listened = if side == Side::Server {
                        self.listened.borrow_mut().take()
                    } else {
                        None
                    };
                    // A ClientHello verified by DTLSv1_listen goes through the engine's
                    // cookie check again (same keys or callbacks, same peer): that makes the
                    // engine continue the record sequence from the ClientHello, as the
                    // client's replay window requires after our HelloVerifyRequest (RFC 6347
                    // §4.2.1).
                    let variant = config_variant(
                        side == Side::Server
                            && (settings.options & SSL_OP_COOKIE_EXCHANGE != 0
                                || listened.is_some()),
                        settings,
                        &live,
                    );
                    let config = ctx.config_for(settings, variant);
                    Ok((settings.options, variant, listened, config))
                }
            }
        };
        // The settings borrow ends before anything that may call the application.
        let (options, variant, listened, config) = match prepared {
            Ok(p) => p,
            Err(why) => return Err(self.fail_with(SSL_R_NO_PROTOCOLS_AVAILABLE, why.to_owned())),
        };
        let config = match config {
            Ok(c) => c,
            Err(e) => return Err(self.fail(&e)),
        };
        let now = self.now();
        let conn = match side {
            Side::Client => {
                ctx.stats
                    .connect
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let opts = ClientOptions {
                    server_name: self
                        .hostname
                        .borrow()
                        .as_ref()
                        .and_then(|h| h.to_str().ok().map(str::to_owned)),
                    verify_names: self.verify_names.borrow().clone(),
                    resume: super::state::session::session_value(self.resume.get()),
                    psk: super::psk::provider_for(self, false),
                };
                Connection::client(config, now, opts)
            }
            Side::Server => {
                ctx.stats
                    .accept
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let peer = match &listened {
                    Some(l) => l.peer.clone(),
                    None => peer_bytes(host::bio_dgram_peer(self.rbio.get())),
                };
                Ok(Connection::server(config, now, &peer))
            }
        };
        let mut conn = match conn {
            Ok(c) => c,
            Err(e) => return Err(self.fail(&e)),
        };
        self.configure_connection(&mut conn, options);
        if side == Side::Server {
            super::servername::install_client_hello_hook(self, &mut conn, variant);
        }
        *self.conn.borrow_mut() = Some(conn);
        self.report_start();
        if let Some(l) = listened {
            self.feed(&l.datagram)?;
        }
        Ok(())
    }

    /// Applies the MTU, timer callback and verify hook to a new connection.
    fn configure_connection(&self, conn: &mut Connection, options: u64) {
        let mtu = self.dccp_mtu().or(self.mtu.get()).or_else(|| {
            if options & SSL_OP_NO_QUERY_MTU != 0 {
                return None;
            }
            host::bio_dgram_mtu(self.wbio.get())
                .filter(|&m| m >= rdtls::config::MIN_MTU)
                .map(|m| m.min(MAX_ENGINE_MTU))
        });
        if let Some(m) = mtu {
            // An MTU the engine rejects leaves the configured default in place.
            let _ = conn.set_mtu(m);
        }
        if let Some(cb) = self.timer_callback.get() {
            let ssl = super::objects::SslPtr(self.as_ptr());
            conn.set_timer_hook(Box::new(move |prev| {
                let ssl = &ssl;
                // SAFETY: the application's DTLS_set_timer_cb callback; the SSL outlives its
                // connection.
                unsafe { cb(ssl.0, prev) }
            }));
        }
        super::verify::install_verify_hook(self, conn);
        if self.is_server() {
            if let Some(hooks) = self.cookie_hooks() {
                conn.set_cookie_hooks(Box::new(hooks));
            }
            super::alpn::install_select_hook(self, conn);
            super::session_lookup::install_session_lookup_hook(self, conn);
            if let Some(p) = super::psk::provider_for(self, true) {
                conn.set_psk_provider(p);
            }
        }
    }

    /// Hands one datagram to the engine and dispatches the resulting events.
    pub(crate) fn feed(&self, datagram: &[u8]) -> Result<(), Stop> {
        self.feed_with(|conn, now| conn.handle_datagram(now, datagram).map(|()| 0))
            .map(drop)
    }

    /// Like `feed`, but the records are decrypted in place in `datagram` and the first
    /// application record goes straight into `out` (the one copy of `SSL_read`); returns
    /// the bytes written to `out`.
    fn feed_into(&self, datagram: &mut [u8], out: &mut [u8]) -> Result<usize, Stop> {
        self.feed_with(|conn, now| conn.handle_datagram_into(now, datagram, out))
    }

    fn feed_with(
        &self,
        handle: impl FnOnce(&mut Connection, std::time::Instant) -> Result<usize, rdtls::Error>,
    ) -> Result<usize, Stop> {
        let now = self.now();
        let r = match self.conn.try_borrow_mut() {
            Ok(mut c) => match c.as_mut() {
                Some(conn) => {
                    super::poison::test_panic_point();
                    self.sync_renegotiation_policy(conn);
                    handle(conn, now)
                }
                None => return Ok(0),
            },
            Err(_) => {
                put_error(
                    ERR_LIB_SSL,
                    ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED,
                    "re-entrant SSL call",
                );
                return Err(Stop::Failed);
            }
        };
        match r {
            Ok(n) => {
                self.dispatch_events();
                Ok(n)
            }
            Err(e) => Err(self.fail(&e)),
        }
    }

    /// Lets a paused ClientHello hook run again (servername.rs).
    fn resume_client_hello(&self) -> Result<(), Stop> {
        let now = self.now();
        let r = match self.conn.try_borrow_mut() {
            Ok(mut c) => c.as_mut().map(|conn| conn.resume_client_hello(now)),
            Err(_) => None,
        };
        match r {
            Some(Err(e)) => Err(self.fail(&e)),
            _ => {
                self.dispatch_events();
                Ok(())
            }
        }
    }

    /// The engine's next deadline.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.with_conn(|c| c.poll_timeout()).flatten()
    }

    /// Fires the retransmission timer if it has expired (within [`TIMER_SLACK`]). Ok(true)
    /// when it fired.
    pub(crate) fn run_timers(&self) -> Result<bool, Stop> {
        let Some(deadline) = self.deadline() else {
            return Ok(false);
        };
        let now = self.now();
        if deadline > now + TIMER_SLACK {
            return Ok(false);
        }
        // Never pass the engine a time before its deadline: it would ignore the call.
        let t = deadline.max(now);
        self.clock.set(Some(t));
        let r = match self.conn.try_borrow_mut() {
            Ok(mut c) => c.as_mut().map(|conn| conn.handle_timeout(t)),
            Err(_) => None,
        };
        match r {
            Some(Ok(())) => {
                self.dispatch_events();
                Ok(true)
            }
            Some(Err(e)) => Err(self.fail(&e)),
            None => Ok(false),
        }
    }

    /// Writes one datagram: the bytes the BIO took (all of `data`, or fewer when the BIO
    /// asked us to retry: none for a datagram BIO, the start of the record for a stream).
    fn write_datagram(&self, data: &[u8]) -> Result<usize, Stop> {
        let wbio = self.wbio.get();
        if wbio.is_null() {
            super::bio::bio_not_set("write");
            return Err(Stop::Failed);
        }
        let stream = self.stream_transport(wbio);
        let mut done = 0;
        let n = loop {
            let n = host::bio_write(wbio, &data[done..]);
            if n > 0 && stream {
                // A stream may take part of a record: send the rest before anything else.
                done += usize::try_from(n).unwrap_or(0).min(data.len() - done);
                if done < data.len() {
                    continue;
                }
            }
            break n;
        };
        if n > 0 {
            return Ok(data.len());
        }
        if host::bio_should_retry(wbio) {
            return Ok(done);
        }
        if host::bio_dgram_mtu_exceeded(wbio) {
            // EMSGSIZE: shrink to the path MTU (DCCP: the MPS now in force); the lost
            // datagram is retransmitted.
            if self.dccp_mtu().is_some() {
                self.refresh_dccp_mtu();
            } else if let Some(m) = host::bio_dgram_mtu(wbio) {
                if let Ok(mut c) = self.conn.try_borrow_mut() {
                    if let Some(conn) = c.as_mut() {
                        let _ = conn.set_mtu(m.clamp(rdtls::config::MIN_MTU, MAX_ENGINE_MTU));
                    }
                }
            }
            return Ok(data.len());
        }
        if last_errno() == libc::ECONNREFUSED
            && is_datagram_bio(wbio)
            && !self.with_conn(Connection::is_established).unwrap_or(true)
        {
            // The ICMP port unreachable of an earlier datagram, reported on this send: the
            // datagram counts as lost and the retransmission timer covers it (see read_one).
            return Ok(data.len());
        }
        put_sys_error(last_errno(), "writing a datagram to the BIO failed");
        Err(Stop::Failed)
    }

    /// Writes everything the engine has to send.
    pub(crate) fn flush(&self) -> Result<(), Stop> {
        self.retry_deferred_key_update();
        loop {
            // Taken in a statement of its own: the borrow must end before write_datagram.
            let blocked = self.io.borrow_mut().blocked_datagram.take();
            let Some(d) = blocked else { break };
            let n = self.write_datagram(&d)?;
            let mut io = self.io.borrow_mut();
            if n < d.len() {
                io.blocked_datagram = Some(d[n..].to_vec());
                return Err(Stop::WantWrite);
            }
            io.blocked_datagram = io.blocked_more.pop_front();
        }
        // Nothing queued (SSL_read flushes before every read): no BIO, clock or MTU work.
        if !self.with_conn(Connection::has_transmit).unwrap_or(true) {
            return Ok(());
        }
        // DCCP's MPS may have changed since the last flush (RFC 5238 §3.5).
        self.refresh_dccp_mtu();
        // One clock read per flush, not per datagram: the time only stamps the output.
        let now = self.clock.get().unwrap_or_else(|| self.now());
        // A flight of several datagrams leaves in one `sendmmsg` when the write BIO is our
        // datagram BIO (issue 12 item 4); any other BIO sees one BIO_write per datagram.
        let wbio = self.wbio.get();
        if !is_datagram_bio(wbio) || self.stream_transport(wbio) {
            return self.flush_each(now);
        }
        let batch = rdtls::transmit::MAX_BATCH_SEGMENTS;
        loop {
            let sent = with_buf(&TX, |buf| -> Result<Option<bool>, Stop> {
                let t = match self.conn.try_borrow_mut() {
                    Ok(mut c) => c
                        .as_mut()
                        .and_then(|conn| conn.poll_transmit_batch(now, buf, batch)),
                    Err(_) => None,
                };
                let Some(t) = t else { return Ok(None) };
                let mut dgs: [&[u8]; rdtls::transmit::MAX_BATCH_SEGMENTS] =
                    [&[]; rdtls::transmit::MAX_BATCH_SEGMENTS];
                let mut count = 0;
                for (slot, d) in dgs.iter_mut().zip(t.datagrams(buf)) {
                    *slot = d;
                    count += 1;
                }
                let dgs = &dgs[..count];
                let done = if count > 1 {
                    host::bio_write_batch(wbio, dgs)
                } else {
                    0
                };
                for (i, d) in dgs.iter().enumerate().skip(done) {
                    let sent = self.write_datagram(d)?;
                    if sent < d.len() {
                        let mut io = self.io.borrow_mut();
                        io.blocked_datagram = Some(d[sent..].to_vec());
                        io.blocked_more = dgs[i + 1..].iter().map(|x| x.to_vec()).collect();
                        return Ok(Some(false));
                    }
                }
                Ok(Some(true))
            })?;
            match sent {
                None => return Ok(()),
                Some(true) => continue,
                Some(false) => return Err(Stop::WantWrite),
            }
        }
    }

    /// `flush` to a BIO that takes one datagram per `BIO_write` (memory and custom BIOs,
    /// streams): every queued datagram through the thread's transmit buffer in one pass.
    fn flush_each(&self, now: Instant) -> Result<(), Stop> {
        with_buf(&TX, |buf| loop {
            let got = match self.conn.try_borrow_mut() {
                Ok(mut c) => c.as_mut().and_then(|conn| conn.poll_transmit(now, buf)),
                Err(_) => None,
            };
            if got.is_none() {
                return Ok(());
            }
            let sent = self.write_datagram(buf)?;
            if sent < buf.len() {
                // `blocked_more` is empty here: the loop at the top of `flush` drained it.
                self.io.borrow_mut().blocked_datagram = Some(buf[sent..].to_vec());
                return Err(Stop::WantWrite);
            }
        })
    }

    /// Tells the read BIO the absolute retransmission deadline (or clears it).
    pub(crate) fn sync_bio_deadline(&self) {
        let rbio = self.rbio.get();
        let deadline = self.deadline();
        let key = (deadline, rbio as usize);
        {
            let mut io = self.io.borrow_mut();
            if io.bio_deadline == Some(key) {
                return;
            }
            io.bio_deadline = Some(key);
        }
        let wall =
            deadline.map(|d| SystemTime::now() + d.saturating_duration_since(Instant::now()));
        host::bio_dgram_set_next_timeout(rbio, wall);
    }

    /// After a read found nothing: true when it returned because the retransmission
    /// deadline came (a blocking datagram BIO wakes at the deadline we gave it), so the
    /// caller should fire the timer and read again instead of returning WANT_READ. A
    /// non-blocking read that finds nothing before the deadline returns to the caller.
    fn read_stopped_by_timer(&self) -> bool {
        let Some(d) = self.deadline() else {
            return false;
        };
        let now = self.now();
        d <= now || (d <= now + TIMER_SLACK && host::bio_dgram_recv_timedout(self.rbio.get()))
    }

    /// Reads one datagram from the read BIO into the engine.
    /// `out` receives the first application record's bytes directly when nothing is
    /// buffered before it (SSL_read's buffer; empty for the other callers).
    fn read_one(&self, empty_reads: &mut usize, out: &mut [u8]) -> Result<Read, Stop> {
        let rbio = self.rbio.get();
        if rbio.is_null() {
            super::bio::bio_not_set("read");
            return Err(Stop::Failed);
        }
        if let Some(r) = self.feed_from_memory_bio(rbio, out) {
            return Ok(match r? {
                0 => Read::Processed,
                n => Read::Delivered(n),
            });
        }
        with_buf(&RX, |buf| {
            if buf.len() < MAX_DATAGRAM {
                buf.resize(MAX_DATAGRAM, 0);
            }
            let guard = self.cid_peer_guard(rbio);
            let n = host::bio_read(rbio, buf);
            if n > 0 {
                let n = usize::try_from(n).unwrap_or(0).min(buf.len());
                if self.stream_transport(rbio) {
                    // A stream: the whole records read so far (stream.rs).
                    let records = {
                        let mut io = self.io.borrow_mut();
                        super::stream::take_records(&mut io.stream_rx, &buf[..n])
                    };
                    if !records.is_empty() {
                        self.feed(&records)?;
                    }
                    return Ok(Read::Processed);
                }
                // Decrypted in place in the receive buffer: the plaintext is copied once,
                // into `out` or into a buffer of its own when nobody is reading yet.
                let delivered = self.feed_into(&mut buf[..n], out)?;
                self.cid_peer_restore(rbio, guard);
                return Ok(if delivered > 0 {
                    Read::Delivered(delivered)
                } else {
                    Read::Processed
                });
            }
            if host::bio_should_retry(rbio) {
                return Ok(Read::NoData);
            }
            let refused = n < 0 && last_errno() == libc::ECONNREFUSED;
            if refused
                && *empty_reads < MAX_EMPTY_READS
                && is_datagram_bio(rbio)
                && !self.with_conn(Connection::is_established).unwrap_or(true)
            {
                // An ICMP port unreachable for a flight we sent (a connected UDP socket
                // reports it on the next recv): the server may not be up yet. During the
                // handshake keep waiting and retransmitting (RFC 6347 §4.2.4) until the
                // handshake timeout, rather than abort. (OpenSSL 3.0 aborts here.)
                *empty_reads += 1;
                return Ok(Read::Processed);
            }
            if n == 0 && *empty_reads < MAX_EMPTY_READS && is_datagram_bio(rbio) {
                // An empty UDP datagram: nothing for DTLS, keep reading.
                *empty_reads += 1;
                return Ok(Read::Processed);
            }
            if n == 0 {
                put_error(
                    ERR_LIB_SSL,
                    SSL_R_UNEXPECTED_EOF_WHILE_READING,
                    "the read BIO reported end of file",
                );
            } else {
                put_sys_error(last_errno(), "reading a datagram from the BIO failed");
            }
            Err(Stop::Failed)
        })
    }

    /// When `rbio` is our memory BIO holding a datagram: takes its buffer whole and decrypts
    /// it where it is (no copy into the receive buffer; a BIO_read of everything buffered),
    /// the first record going into `out` as in `feed_into`. None (nothing read) otherwise,
    /// or when the spare buffer is in use (a BIO callback re-entered).
    pub(crate) fn feed_from_memory_bio(
        &self,
        rbio: *mut host::BIO,
        out: &mut [u8],
    ) -> Option<Result<usize, Stop>> {
        // Stored, not returned through the closures: moving the enum out costs a
        // store-forwarding stall per record.
        let mut taken = None;
        let _ = SPARE.try_with(|cell| {
            if let Ok(mut spare) = cell.try_borrow_mut() {
                if host::bio_mem_take(rbio, &mut spare, MAX_DATAGRAM) {
                    taken = Some(self.feed_into(&mut spare, out));
                }
            }
        });
        taken
    }

    /// Drives the handshake until it completes or must wait.
    pub(crate) fn drive_handshake(&self) -> Result<(), Stop> {
        self.ensure_connection()?;
        // A renegotiation started by SSL_renegotiate is reported from here, as OpenSSL does.
        self.dispatch_events();
        let mut fires = 0;
        let mut empty = 0;
        loop {
            if self.run_timers()? {
                fires += 1;
            }
            self.flush()?;
            self.sync_bio_deadline();
            // A renegotiation is a handshake too: SSL_do_handshake waits for it.
            let done = self
                .with_conn(|c| c.is_established() && !c.is_renegotiating())
                .unwrap_or(false);
            if done {
                self.dispatch_events();
                // Idempotent: the HandshakeComplete event normally got here first.
                self.on_handshake_complete();
                return Ok(());
            }
            if let Some(e) = self.with_conn(|c| c.error().cloned()).flatten() {
                return Err(self.fail(&e));
            }
            if self
                .with_conn(Connection::client_hello_pending)
                .unwrap_or(false)
            {
                // The client-hello callback asked to be called again: once per call.
                if self.extras.client_hello_cb_wanted.replace(false) {
                    return Err(Stop::WantClientHelloCb);
                }
                // The certificate callback returned -1: once per call, as in OpenSSL.
                if !self.take_x509_lookup_wanted() {
                    self.resume_client_hello()?;
                    continue;
                }
                return Err(Stop::WantX509Lookup);
            }
            match self.read_one(&mut empty, &mut [])? {
                Read::Processed | Read::Delivered(_) => continue,
                Read::NoData => {
                    // A blocking datagram BIO returns at our deadline: go round and retransmit.
                    if self.read_stopped_by_timer() && fires < MAX_TIMER_FIRES_PER_CALL {
                        continue;
                    }
                    return Err(Stop::WantRead);
                }
            }
        }
    }

    /// Waits for application data (or close_notify) after the handshake: Ok when data is
    /// buffered or the peer closed, Err when the caller must return. Without
    /// `SSL_MODE_AUTO_RETRY`, a datagram that brought no application data also returns
    /// (WANT_READ), as OpenSSL does, so a blocking caller that polled first never blocks.
    pub(crate) fn wait_readable(&self) -> Result<(), Stop> {
        self.wait_readable_into(&mut []).map(drop)
    }

    /// `wait_readable` for `SSL_read`: the first record that arrives while nothing is
    /// buffered goes straight into `out`; Ok(n > 0) is that many bytes delivered, Ok(0)
    /// that data is buffered or the peer closed.
    pub(crate) fn wait_readable_into(&self, out: &mut [u8]) -> Result<usize, Stop> {
        let auto_retry = self.with_settings(|s| s.mode & SSL_MODE_AUTO_RETRY != 0);
        let mut empty = 0;
        let mut fires = 0;
        loop {
            // One look at the connection for what the loop checks first (every record).
            let (ready, failed, timer) = self
                .with_conn(|c| {
                    (
                        c.has_pending() || c.close_received(),
                        c.error().is_some(),
                        c.poll_timeout().is_some(),
                    )
                })
                .unwrap_or((false, false, false));
            if ready {
                return Ok(0);
            }
            if failed {
                if let Some(e) = self.with_conn(|c| c.error().cloned()).flatten() {
                    return Err(self.fail(&e));
                }
            }
            if timer && self.run_timers()? {
                fires += 1;
            }
            self.flush()?;
            self.sync_bio_deadline();
            match self.read_one(&mut empty, out)? {
                Read::Delivered(n) => return Ok(n),
                // Look again (data or close_notify now buffered, or reading on).
                Read::Processed => self.after_dataless_datagram(auto_retry)?,
                Read::NoData => {
                    if self.read_stopped_by_timer() && fires < MAX_TIMER_FIRES_PER_CALL {
                        continue;
                    }
                    return Err(Stop::WantRead);
                }
            }
        }
    }

    /// After a datagram that brought the reader no data: with `SSL_MODE_AUTO_RETRY` read
    /// on (Ok); without, Ok only when data or close_notify is now buffered, else WANT_READ
    /// (OpenSSL returns after each record that brought none).
    pub(crate) fn after_dataless_datagram(&self, auto_retry: bool) -> Result<(), Stop> {
        let ready = self
            .with_conn(|c| c.has_pending() || c.close_received())
            .unwrap_or(false);
        if auto_retry || ready {
            return Ok(());
        }
        self.flush()?;
        Err(Stop::WantRead)
    }
}

/// True for a datagram socket BIO (an empty read is an empty datagram, not end of file).
impl SSL {
    /// With connection IDs (RFC 9146 §6) the peer address may move only on a datagram that
    /// authenticated and is the newest. A datagram BIO on an unconnected socket takes every
    /// datagram's source as its peer (as OpenSSL's does): remember the peer before reading.
    fn cid_peer_guard(&self, rbio: *mut host::BIO) -> Option<std::net::SocketAddr> {
        let cids = self
            .with_conn(|c| c.connection_ids().is_some())
            .unwrap_or(false);
        if !cids || !is_datagram_bio(rbio) {
            return None;
        }
        host::bio_dgram_peer(rbio)
    }

    /// Puts the remembered peer back when the datagram just read came from elsewhere and
    /// did not earn the move (replayed, reordered, forged or not for this association).
    fn cid_peer_restore(&self, rbio: *mut host::BIO, before: Option<std::net::SocketAddr>) {
        let Some(before) = before else { return };
        let moved_ok = self
            .with_conn(Connection::last_datagram_newest)
            .unwrap_or(false);
        if !moved_ok && host::bio_dgram_peer(rbio) != Some(before) {
            host::bio_dgram_set_peer(rbio, &before);
        }
    }
}

fn is_datagram_bio(b: *mut host::BIO) -> bool {
    const BIO_TYPE_DGRAM: c_int = 21 | 0x0400 | 0x0100;
    host::bio_method_type(b) == BIO_TYPE_DGRAM
}

/// The per-connection switches that pick the engine configuration for `settings`.
pub(crate) fn config_variant(
    cookie_exchange: bool,
    settings: &Settings,
    live: &CtxLive,
) -> Variant {
    Variant {
        cookie_exchange,
        // Always: the handshake messages drive OpenSSL's state names (events.rs).
        message_events: true,
        // Record headers for the message callback (SSL3_RT_HEADER): 13-byte ones on 1.2,
        // the plaintext or unified header on 1.3 (events.rs).
        record_headers: settings.msg_callback.is_some(),
        message_bodies: settings.msg_callback.is_some(),
        keylog: live.keylog_callback.is_some(),
        // SSL_SESS_CACHE_OFF / CLIENT on a server: no session ID, nothing cached.
        server_session_cache: live.session_cache_mode & SSL_SESS_CACHE_SERVER != 0,
        server_session_store: live.session_cache_mode & SSL_SESS_CACHE_NO_INTERNAL_STORE == 0,
        server_session_lookup: live.session_cache_mode & SSL_SESS_CACHE_NO_INTERNAL_LOOKUP == 0,
    }
}
