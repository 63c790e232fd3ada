//! `DTLSv1_listen` over a datagram pair: HelloVerifyRequest, then a verified ClientHello
//! that the following `SSL_accept` continues from.
use super::*;
use crate::ssl::io::*;
use crate::ssl::listen::DTLSv1_listen;

fn listen_then_accept(sctx: *mut SSL_CTX, cctx: *mut SSL_CTX) {
    crate::error::clear();
    let p = Pair::new(cctx, sctx);
    let mut addr = [0u8; 128];
    let peer = addr.as_mut_ptr().cast();
    // Nothing arrived yet.
    assert_eq!(DTLSv1_listen(p.server, peer), 0);
    // ClientHello without cookie: answered with a HelloVerifyRequest, nothing kept.
    assert_eq!(SSL_do_handshake(p.client), -1);
    assert_eq!(DTLSv1_listen(p.server, peer), 0);
    // The client answers with the cookie; listen accepts it.
    assert_eq!(SSL_do_handshake(p.client), -1);
    assert_eq!(DTLSv1_listen(p.server, peer), 1, "{:?}", take_errors());
    // The handshake continues from the verified ClientHello.
    let (mut cr, mut sr) = (-1, -1);
    for _ in 0..20 {
        if sr != 1 {
            sr = SSL_accept(p.server);
        }
        if cr != 1 {
            cr = SSL_do_handshake(p.client);
        }
    }
    assert_eq!((cr, sr), (1, 1), "{:?}", take_errors());
    let msg = b"after listen";
    assert_eq!(
        SSL_write(p.client, msg.as_ptr().cast(), msg.len() as c_int),
        msg.len() as c_int
    );
    let mut buf = [0u8; 64];
    let n = SSL_read(p.server, buf.as_mut_ptr().cast(), 64);
    assert_eq!(&buf[..n as usize], msg);
}

#[test]
fn listen_with_built_in_cookie_keys() {
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    listen_then_accept(sctx, cctx);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

static GENERATED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

unsafe extern "C" fn gen_cookie(
    _s: *mut SSL,
    cookie: *mut u8,
    len: *mut std::ffi::c_uint,
) -> c_int {
    GENERATED.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    // SAFETY: the library passes a 255-byte buffer and a writable length.
    unsafe {
        std::ptr::copy_nonoverlapping(b"app-cookie".as_ptr(), cookie, 10);
        *len = 10;
    }
    1
}

unsafe extern "C" fn verify_cookie(
    _s: *mut SSL,
    cookie: *const u8,
    len: std::ffi::c_uint,
) -> c_int {
    // SAFETY: the library passes `len` readable bytes.
    c_int::from(unsafe { std::slice::from_raw_parts(cookie, len as usize) } == b"app-cookie")
}

#[test]
fn listen_with_application_cookie_callbacks() {
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    crate::ssl::setters::SSL_CTX_set_cookie_generate_cb(sctx, Some(gen_cookie));
    crate::ssl::setters::SSL_CTX_set_cookie_verify_cb(sctx, Some(verify_cookie));
    let cctx = client_ctx(None);
    listen_then_accept(sctx, cctx);
    assert!(GENERATED.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn stateful_cookie_exchange_with_the_option() {
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    crate::ssl::setters::SSL_CTX_set_options(sctx, crate::ssl::consts::SSL_OP_COOKIE_EXCHANGE);
    let cctx = client_ctx(None);
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1), "{:?}", take_errors());
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}
