//! Issue 15 item 7c: a session written with i2d_SSL_SESSION and read back with
//! d2i_SSL_SESSION resumes; bad input is refused with an error.
use super::*;
use crate::ssl::session::*;
use crate::ssl::session_io::i2d_SSL_SESSION;
use crate::ssl::session_read::d2i_SSL_SESSION;
use crate::ssl::state::session::SSL_SESSION;

#[test]
fn i2d_then_d2i_resumes() {
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    // A DTLS 1.2 session (the 1.3 one: i2d_then_d2i_resumes_dtls13).
    let cctx = max12(client_ctx(None));
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1));
    let sess = SSL_get_session(p.client);
    let n = i2d_SSL_SESSION(sess, std::ptr::null_mut());
    assert!(n > 80, "{n}");
    let mut der = vec![0u8; n as usize];
    let mut out = der.as_mut_ptr();
    assert_eq!(i2d_SSL_SESSION(sess, &mut out), n);
    drop(p);

    let mut inp = der.as_ptr();
    let mut slot: *mut SSL_SESSION = null_mut();
    let back = d2i_SSL_SESSION(&mut slot, &mut inp, c_long::from(n));
    assert!(!back.is_null());
    assert_eq!(slot, back);
    // SAFETY: both pointers are into `der`.
    assert_eq!(unsafe { inp.offset_from(der.as_ptr()) }, n as isize);
    assert_eq!(SSL_SESSION_is_resumable(back), 1);

    let p2 = Pair::new(cctx, sctx);
    assert_eq!(SSL_set_session(p2.client, back), 1);
    SSL_SESSION_free(back);
    assert_eq!(p2.handshake(), (1, 1));
    assert_eq!(SSL_session_reused(p2.client), 1);
    drop(p2);

    // Truncated input: NULL, an error queued, *pp not moved.
    crate::error::clear();
    let mut inp = der.as_ptr();
    assert!(d2i_SSL_SESSION(null_mut(), &mut inp, c_long::from(n - 1)).is_null());
    assert_eq!(inp, der.as_ptr());
    assert!(!take_errors().is_empty());
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/// A DTLS 1.3 session (the default between rdtls peers) written with i2d_SSL_SESSION (OpenSSL's
/// TLS 1.3 layout: the ticket and its resumption PSK) and read back with d2i_SSL_SESSION
/// resumes with the ticket on a new client; malformed 1.3 input is refused with an error.
#[test]
fn i2d_then_d2i_resumes_dtls13() {
    use crate::ssl::info::SSL_get_version;
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(cstr_of(SSL_get_version(p.client)), "DTLSv1.3");
    // The server's tickets follow its handshake: the client reads them.
    let sess = p.client_session_after_tickets();
    assert_eq!(
        SSL_SESSION_get_protocol_version(sess),
        crate::ssl::consts::DTLS1_3_VERSION
    );
    // *pp NULL: i2d allocates.
    let mut alloc: *mut u8 = null_mut();
    let n = i2d_SSL_SESSION(sess, &mut alloc);
    assert!(n > 100, "{n} errors: {:?}", take_errors());
    assert!(!alloc.is_null());
    // SAFETY: i2d wrote n bytes at alloc.
    let der = unsafe { std::slice::from_raw_parts(alloc, n as usize) }.to_vec();
    crate::crypto::mem::CRYPTO_free(alloc.cast(), std::ptr::null(), 0);
    SSL_SESSION_free(sess);
    drop(p);
    // OpenSSL's layout: version 1, DTLS1_3_VERSION, a TLS 1.3 suite.
    assert_eq!(&der[4..12], &[2, 1, 1, 2, 3, 0, 0xFE, 0xFC]);
    assert_eq!(&der[12..15], &[4, 2, 0x13]);

    let mut inp = der.as_ptr();
    let back = d2i_SSL_SESSION(null_mut(), &mut inp, c_long::from(n));
    assert!(!back.is_null(), "errors: {:?}", take_errors());
    assert_eq!(
        SSL_SESSION_get_protocol_version(back),
        crate::ssl::consts::DTLS1_3_VERSION
    );
    assert_eq!(SSL_SESSION_is_resumable(back), 1);
    let p2 = Pair::new(cctx, sctx);
    assert_eq!(SSL_set_session(p2.client, back), 1);
    SSL_SESSION_free(back);
    assert_eq!(p2.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(cstr_of(SSL_get_version(p2.client)), "DTLSv1.3");
    assert_eq!(SSL_session_reused(p2.client), 1);
    assert_eq!(SSL_session_reused(p2.server), 1);
    drop(p2);

    // Malformed: truncated, or a DTLS 1.2 suite under DTLS1_3_VERSION: NULL, an error
    // queued, *pp not moved.
    crate::error::clear();
    let mut inp = der.as_ptr();
    assert!(d2i_SSL_SESSION(null_mut(), &mut inp, c_long::from(n - 1)).is_null());
    assert_eq!(inp, der.as_ptr());
    assert!(!take_errors().is_empty());
    let mut bad = der.clone();
    bad[14..16].copy_from_slice(&[0xC0, 0x2B]);
    let mut inp = bad.as_ptr();
    assert!(d2i_SSL_SESSION(null_mut(), &mut inp, c_long::from(n)).is_null());
    assert_eq!(inp, bad.as_ptr());
    assert!(!take_errors().is_empty());
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}
