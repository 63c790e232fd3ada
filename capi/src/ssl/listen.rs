//! `DTLSv1_listen`: the stateless cookie exchange in front of `SSL_accept` (RFC 6347 §4.2.1).
//!
//! Reads datagrams from the (usually unconnected) read BIO, answers ClientHellos without a
//! valid cookie with a HelloVerifyRequest sent to the datagram's source, and keeps nothing
//! about those peers. A ClientHello with a valid cookie is kept in the `SSL` so the following
//! `SSL_accept` continues the handshake from it, also when the application moves the
//! connection to a new socket and BIO first (threaded servers do).
use std::ffi::{c_int, c_uchar, c_uint};

use rdtls::cookie::{CookieHooks, CookieListener, ListenOutcome};

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{put_error, ERR_LIB_SSL};
use crate::host::{self, BIO_ADDR};

use super::consts::DTLS1_COOKIE_LENGTH;
use super::driver::{peer_bytes, with_buf, MAX_DATAGRAM, RX};
use super::objects::{CookieGenerateCallback, CookieVerifyCallback, SslPtr, SSL};
use super::state::io::{ListenedHello, Side};

/// Datagrams examined by one non-blocking `DTLSv1_listen` call before it returns 0, so a
/// flood cannot keep one call busy forever.
pub const MAX_DATAGRAMS_PER_LISTEN: usize = 1024;

/// The application's cookie callbacks as engine hooks.
pub struct CCookieHooks {
    /// The SSL the callbacks receive.
    pub ssl: SslPtr,
    /// `SSL_CTX_set_cookie_generate_cb`.
    pub generate: CookieGenerateCallback,
    /// `SSL_CTX_set_cookie_verify_cb`.
    pub verify: CookieVerifyCallback,
}

impl CookieHooks for CCookieHooks {
    fn generate(&mut self) -> Option<Vec<u8>> {
        let mut buf = [0u8; DTLS1_COOKIE_LENGTH];
        let mut len: c_uint = 0;
        // SAFETY: the application's callback; OpenSSL gives it a DTLS1_COOKIE_LENGTH buffer.
        let ok = unsafe { (self.generate)(self.ssl.0, buf.as_mut_ptr(), &mut len) };
        let len = usize::try_from(len).ok()?;
        if ok == 0 || len == 0 || len > buf.len() {
            return None;
        }
        Some(buf[..len].to_vec())
    }

    fn verify(&mut self, cookie: &[u8]) -> bool {
        let Ok(len) = c_uint::try_from(cookie.len()) else {
            return false;
        };
        // SAFETY: the application's callback; `cookie` is valid for the call.
        unsafe { (self.verify)(self.ssl.0, cookie.as_ptr() as *const c_uchar, len) != 0 }
    }
}

impl SSL {
    /// The application's cookie hooks, when both callbacks are set on the context.
    pub(crate) fn cookie_hooks(&self) -> Option<CCookieHooks> {
        let live = self.ctx().live();
        Some(CCookieHooks {
            ssl: SslPtr(self.as_ptr()),
            generate: live.cookie_generate?,
            verify: live.cookie_verify?,
        })
    }

    /// The stateless front door for this SSL, from the engine configuration the following
    /// `SSL_accept` uses: when this server may negotiate DTLS 1.3, a ClientHello offering
    /// it gets the RFC 9147 §5.1 HelloRetryRequest cookie (the application's cookie
    /// inside) instead of a HelloVerifyRequest, which would push a dual client to 1.2 and
    /// fail a 1.3-only one.
    fn front_door(&self) -> CookieListener {
        let ctx = self.ctx();
        let settings = self.settings.borrow().clone();
        let variant = super::driver::config_variant(true, &settings, &ctx.live());
        match ctx.config_for(&settings, variant) {
            Ok(cfg) => CookieListener::for_config(&cfg),
            // SSL_accept reports the configuration error; answer as in 1.2 meanwhile.
            Err(_) => CookieListener::new(ctx.cookie_keys.clone()),
        }
    }

    /// `DTLSv1_listen`.
    fn listen(&self, peer_out: *mut BIO_ADDR) -> c_int {
        let _guard = self.panic_guard();
        let rbio = self.rbio.get();
        let wbio = self.wbio.get();
        if rbio.is_null() || wbio.is_null() {
            super::bio::bio_not_set(if rbio.is_null() { "read" } else { "write" });
            return -1;
        }
        if self.conn.try_borrow().map(|c| c.is_some()).unwrap_or(true) {
            put_error(
                ERR_LIB_SSL,
                SSL_R_UNSUPPORTED_PROTOCOL,
                "DTLSv1_listen after the handshake started",
            );
            return -1;
        }
        if let Some(why) = self.ctx().method.unsupported_reason() {
            put_error(ERR_LIB_SSL, SSL_R_UNSUPPORTED_PROTOCOL, why);
            return -1;
        }
        self.side.set(Some(Side::Server));
        let listener = self.front_door();
        let mut hooks = self.cookie_hooks();
        let mut out = Vec::new();
        with_buf(&RX, |buf| {
            if buf.len() < MAX_DATAGRAM {
                buf.resize(MAX_DATAGRAM, 0);
            }
            self.listen_loop(rbio, wbio, buf, &mut out, &listener, &mut hooks, peer_out)
        })
    }

    /// The reading loop of `DTLSv1_listen`.
    #[allow(clippy::too_many_arguments)]
    fn listen_loop(
        &self,
        rbio: *mut host::BIO,
        wbio: *mut host::BIO,
        buf: &mut [u8],
        out: &mut Vec<u8>,
        listener: &CookieListener,
        hooks: &mut Option<CCookieHooks>,
        peer_out: *mut BIO_ADDR,
    ) -> c_int {
        for _ in 0..MAX_DATAGRAMS_PER_LISTEN {
            let n = host::bio_read(rbio, buf);
            if n == 0 {
                continue;
            }
            if n < 0 {
                if host::bio_should_retry(rbio) {
                    // Non-blocking (or a receive timeout): nothing verified yet.
                    return 0;
                }
                crate::error::put_sys_error(
                    std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
                    "DTLSv1_listen: reading from the BIO failed",
                );
                return -1;
            }
            let Some(datagram) = usize::try_from(n).ok().and_then(|n| buf.get(..n)) else {
                continue;
            };
            let source = host::bio_dgram_peer(rbio);
            let peer = peer_bytes(source);
            let now = self.now();
            let outcome = listener.handle(
                now,
                &peer,
                datagram,
                hooks.as_mut().map(|h| h as &mut dyn CookieHooks),
                out,
            );
            match outcome {
                ListenOutcome::Drop => continue,
                ListenOutcome::HelloVerifyRequest => {
                    // Reply to the datagram's source (rbio and wbio may be different BIOs).
                    if let (Some(src), true) = (source, rbio != wbio) {
                        host::bio_dgram_set_peer(wbio, &src);
                    }
                    if host::bio_write(wbio, out) <= 0 && !host::bio_should_retry(wbio) {
                        crate::error::put_sys_error(
                            std::io::Error::last_os_error().raw_os_error().unwrap_or(0),
                            "DTLSv1_listen: sending HelloVerifyRequest failed",
                        );
                        return -1;
                    }
                    // A refused write just drops the reply: we keep no state; the client
                    // retransmits its ClientHello. Then read on, as OpenSSL does: a blocking
                    // BIO waits for the next datagram, a non-blocking one returns 0.
                }
                ListenOutcome::Verified => {
                    if let Some(src) = source {
                        host::bio_addr_write(peer_out, &src);
                        if rbio != wbio {
                            host::bio_dgram_set_peer(wbio, &src);
                        }
                    }
                    *self.listened.borrow_mut() = Some(ListenedHello {
                        datagram: datagram.to_vec(),
                        peer,
                    });
                    return 1;
                }
                // An outcome added to the engine later: keep no state, as Drop.
                _ => continue,
            }
        }
        0
    }
}

entry! {
    /// DTLSv1_listen answers ClientHellos statelessly with HelloVerifyRequests. Returns 1 and
    /// fills `*peer` when a ClientHello carried a valid cookie (continue with SSL_accept), 0
    /// when none did yet (non-blocking or after a reply), -1 on a fatal error.
    fail = -1;
    fn DTLSv1_listen(s: *mut SSL, peer: *mut BIO_ADDR) -> c_int {
        let s = try_ref!(s, -1);
        s.listen(peer)
    }
}
