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
    // i2d/d2i carry 1.2 sessions (i2d refuses a 1.3 one: README "DTLS 1.3 from C").
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
