//! The client-hello callback (issue 8): called once per ClientHello before anything else,
//! sees the ClientHello, may load the certificate, refuse, or ask to be called again.
use std::sync::atomic::{AtomicI32, Ordering};

use super::*;
use crate::ssl::client_hello::*;
use crate::ssl::consts::*;

static CALLS: AtomicI32 = AtomicI32::new(0);
static RETRIES: AtomicI32 = AtomicI32::new(0);

/// Counts its calls (for one test only: tests run in parallel) and loads the certificate.
unsafe extern "C" fn counted_load(s: *mut SSL, al: *mut c_int, arg: *mut c_void) -> c_int {
    CALLS.fetch_add(1, Ordering::SeqCst);
    // SAFETY: forwarding the library's own arguments.
    unsafe { load_cert(s, al, arg) }
}

/// Loads the server certificate into the connection, as a CoAP server does.
unsafe extern "C" fn load_cert(s: *mut SSL, _al: *mut c_int, _arg: *mut c_void) -> c_int {
    let mut p: *const u8 = std::ptr::null();
    assert_eq!(SSL_client_hello_get0_random(s, &mut p), 32);
    assert_eq!(SSL_client_hello_get0_legacy_version(s), 0xfefd);
    assert!(SSL_client_hello_get0_ciphers(s, &mut p) >= 2);
    let (mut ext, mut n) = (std::ptr::null_mut(), 0usize);
    assert_eq!(
        SSL_client_hello_get1_extensions_present(s, &mut ext, &mut n),
        1
    );
    assert!(n > 0);
    crate::crypto::mem::free(ext.cast());
    let ok = crate::ssl::certs::SSL_use_certificate_file(
        s,
        cert_path("server-ecdsa.pem").as_ptr(),
        SSL_FILETYPE_PEM,
    ) == 1
        && crate::ssl::certs::SSL_use_PrivateKey_file(
            s,
            cert_path("server-ecdsa.key").as_ptr(),
            SSL_FILETYPE_PEM,
        ) == 1;
    c_int::from(ok)
}

unsafe extern "C" fn retry_once(s: *mut SSL, al: *mut c_int, arg: *mut c_void) -> c_int {
    if RETRIES.fetch_add(1, Ordering::SeqCst) == 0 {
        return -1;
    }
    // SAFETY: forwarding the library's own arguments.
    unsafe { load_cert(s, al, arg) }
}

unsafe extern "C" fn refuse(_s: *mut SSL, al: *mut c_int, _arg: *mut c_void) -> c_int {
    // SAFETY: the library passes a valid alert pointer.
    unsafe { *al = 40 };
    0
}

fn certless_server() -> *mut SSL_CTX {
    let ctx = SSL_CTX_new(crate::ssl::method::DTLS_server_method());
    assert!(!ctx.is_null());
    ctx
}

#[test]
fn callback_loads_the_certificate_before_the_handshake_uses_it() {
    let sctx = certless_server();
    SSL_CTX_set_client_hello_cb(sctx, Some(counted_load), null_mut());
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let pair = Pair::new(cctx, sctx);
    let before = CALLS.load(Ordering::SeqCst);
    assert_eq!(pair.handshake(), (1, 1));
    assert_eq!(CALLS.load(Ordering::SeqCst) - before, 1);
    // Outside the callback there is no ClientHello to look at.
    let mut p: *const u8 = std::ptr::null();
    assert_eq!(SSL_client_hello_get0_random(pair.server, &mut p), 0);
    drop(pair);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn retry_reports_want_client_hello_cb_then_completes() {
    let sctx = certless_server();
    SSL_CTX_set_client_hello_cb(sctx, Some(retry_once), null_mut());
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let pair = Pair::new(cctx, sctx);
    assert_eq!(crate::ssl::io::SSL_do_handshake(pair.client), -1);
    let r = crate::ssl::io::SSL_do_handshake(pair.server);
    assert_eq!(r, -1);
    assert_eq!(
        crate::ssl::io::SSL_get_error(pair.server, r),
        SSL_ERROR_WANT_CLIENT_HELLO_CB
    );
    assert_eq!(pair.handshake(), (1, 1));
    drop(pair);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn refusal_fails_the_server_and_sends_the_alert() {
    let sctx = certless_server();
    SSL_CTX_set_client_hello_cb(sctx, Some(refuse), null_mut());
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let pair = Pair::new(cctx, sctx);
    let (_, s) = pair.handshake();
    assert_eq!(s, -1);
    let errs = take_errors();
    assert!(
        errs.iter().any(|(r, _)| *r == 234),
        "callback failed: {errs:?}"
    );
    // The client's next datagram is the callback's fatal alert: plaintext alert record,
    // level fatal (2), handshake_failure (40). (The client acts on an unauthenticated alert
    // only when its retransmission timer finds no progress: see src/input_policy.rs.)
    let dg = bio_take(pair.cbio).expect("an alert datagram");
    assert_eq!((dg[0], dg.len()), (21, 15), "{dg:?}");
    assert_eq!(&dg[13..], &[2, 40]);
    drop(pair);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}
