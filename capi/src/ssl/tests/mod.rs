//! In-process tests of the SSL layer through its `extern "C"` functions: client and server
//! over a datagram-pair (or memory) BIO, driven step by step.
use std::ffi::{c_char, c_int, c_long, c_void, CString};
use std::ptr::null_mut;

use crate::host::BIO;

use super::ctx::*;
use super::objects::{SSL, SSL_CTX};
use super::ssl::*;

mod backpressure;
mod cid;
mod cid13;
mod client_hello;
mod dtls13;
mod handshake;
mod hardening;
mod hostname;
mod lifecycle;
mod listen;
mod mem_records;
mod nulls;
mod reconnect;
mod servername;
mod session_der;
mod set_fd;
mod ticket_key13;
mod timers;
mod webrtc;

#[allow(improper_ctypes)]
extern "C" {
    fn BIO_new_bio_dgram_pair(b1: *mut *mut BIO, w1: usize, b2: *mut *mut BIO, w2: usize) -> c_int;
    fn BIO_read(b: *mut BIO, buf: *mut c_void, len: c_int) -> c_int;
    fn BIO_new(m: *const c_void) -> *mut BIO;
    fn BIO_free(b: *mut BIO) -> c_int;
}

/// Path of a test certificate fixture.
pub fn cert_path(name: &str) -> CString {
    CString::new(format!(
        "{}/../tests/certs/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// A C string literal.
pub fn c(s: &str) -> CString {
    CString::new(s).unwrap()
}

/// A server context with the given certificate/key fixtures.
pub fn server_ctx(cert: &str, key: &str) -> *mut SSL_CTX {
    let ctx = SSL_CTX_new(super::method::DTLS_server_method());
    assert!(!ctx.is_null());
    assert_eq!(
        super::certs::SSL_CTX_use_certificate_chain_file(ctx, cert_path(cert).as_ptr()),
        1
    );
    assert_eq!(
        super::certs::SSL_CTX_use_PrivateKey_file(
            ctx,
            cert_path(key).as_ptr(),
            super::consts::SSL_FILETYPE_PEM
        ),
        1
    );
    assert_eq!(super::certs::SSL_CTX_check_private_key(ctx), 1);
    ctx
}

/// A client context trusting `ca` (None: no verification).
pub fn client_ctx(ca: Option<&str>) -> *mut SSL_CTX {
    let ctx = SSL_CTX_new(super::method::DTLS_client_method());
    assert!(!ctx.is_null());
    if let Some(ca) = ca {
        assert_eq!(
            super::trust::SSL_CTX_load_verify_locations(
                ctx,
                cert_path(ca).as_ptr(),
                std::ptr::null()
            ),
            1
        );
        super::verify::SSL_CTX_set_verify(ctx, super::consts::SSL_VERIFY_PEER, None);
    }
    ctx
}

/// A connected client/server pair over a datagram-pair BIO.
pub struct Pair {
    pub client: *mut SSL,
    pub server: *mut SSL,
    /// The client's end of the pair (writes reach the server).
    pub cbio: *mut BIO,
    /// The server's end.
    pub sbio: *mut BIO,
}

impl Pair {
    pub fn new(cctx: *mut SSL_CTX, sctx: *mut SSL_CTX) -> Pair {
        let client = SSL_new(cctx);
        let server = SSL_new(sctx);
        assert!(!client.is_null() && !server.is_null());
        let (mut b1, mut b2) = (null_mut(), null_mut());
        // SAFETY: test call of our own exported function.
        assert_eq!(unsafe { BIO_new_bio_dgram_pair(&mut b1, 0, &mut b2, 0) }, 1);
        super::bio::SSL_set_bio(client, b1, b1);
        super::bio::SSL_set_bio(server, b2, b2);
        super::ssl::SSL_set_connect_state(client);
        super::ssl::SSL_set_accept_state(server);
        Pair {
            client,
            server,
            cbio: b1,
            sbio: b2,
        }
    }

    /// Runs both handshakes to completion (or failure): (client ret, server ret).
    pub fn handshake(&self) -> (c_int, c_int) {
        let (mut cr, mut sr) = (-1, -1);
        for _ in 0..100 {
            if cr != 1 {
                cr = super::io::SSL_do_handshake(self.client);
                if cr != 1
                    && super::io::SSL_get_error(self.client, cr)
                        != super::consts::SSL_ERROR_WANT_READ
                {
                    break;
                }
            }
            if sr != 1 {
                sr = super::io::SSL_do_handshake(self.server);
                if sr != 1
                    && super::io::SSL_get_error(self.server, sr)
                        != super::consts::SSL_ERROR_WANT_READ
                {
                    break;
                }
            }
            if cr == 1 && sr == 1 {
                break;
            }
        }
        (cr, sr)
    }

    /// The client's session once it has read what the server sends after its handshake
    /// (DTLS 1.3 NewSessionTickets): a new reference, asserted non-null. The error queue
    /// is cleared (the reads end in "want read").
    pub fn client_session_after_tickets(&self) -> *mut super::state::session::SSL_SESSION {
        let mut buf = [0u8; 16];
        for _ in 0..3 {
            super::io::SSL_read(self.server, buf.as_mut_ptr().cast(), 16);
            super::io::SSL_read(self.client, buf.as_mut_ptr().cast(), 16);
        }
        crate::error::clear();
        let sess = super::session::SSL_get1_session(self.client);
        assert!(!sess.is_null());
        sess
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        SSL_free(self.client);
        SSL_free(self.server);
    }
}

/// Every queued error as "reason-code: data" lines, and clears the queue.
pub fn take_errors() -> Vec<(c_int, String)> {
    let mut v = Vec::new();
    while let Some(e) = crate::error::take_entry() {
        v.push((e.reason(), e.data().to_owned()));
    }
    v
}

/// Reads one datagram's worth from a BIO (for tests that inspect or drop traffic).
pub fn bio_take(b: *mut BIO) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; 65536];
    // SAFETY: test call; buf is writable.
    let n = unsafe { BIO_read(b, buf.as_mut_ptr().cast(), buf.len() as c_int) };
    (n > 0).then(|| buf[..n as usize].to_vec())
}

#[allow(dead_code)]
pub fn cstr_of(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: the library returned a NUL-terminated string.
    unsafe { std::ffi::CStr::from_ptr(p) }
        .to_string_lossy()
        .into_owned()
}

/// `SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION)`: for tests of DTLS 1.2 behaviour
/// (1.2 suites, session IDs, warning alerts, what OpenSSL 3.0 does), now that
/// `DTLS_method` offers DTLS 1.3 by default. Returns `ctx`.
pub fn max12(ctx: *mut SSL_CTX) -> *mut SSL_CTX {
    let v = c_long::from(super::consts::DTLS1_2_VERSION);
    let set = super::consts::SSL_CTRL_SET_MAX_PROTO_VERSION;
    assert_eq!(super::ctrl::SSL_CTX_ctrl(ctx, set, v, null_mut()), 1);
    ctx
}
