//! Reference counting and BIO ownership (`SSL_set_bio`'s rules), options, controls.
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::ssl::bio::*;
use crate::ssl::consts::*;
use crate::ssl::ctrl::*;

#[allow(improper_ctypes)]
extern "C" {
    fn BIO_meth_new(type_: c_int, name: *const c_char) -> *mut c_void;
    fn BIO_meth_set_destroy(
        m: *mut c_void,
        f: Option<unsafe extern "C" fn(*mut BIO) -> c_int>,
    ) -> c_int;
}

/// Number of BIOs of the counting method destroyed so far (per test, see `counted`).
static DESTROYED: [AtomicUsize; 8] = [const { AtomicUsize::new(0) }; 8];

macro_rules! destroy_fn {
    ($name:ident, $i:expr) => {
        unsafe extern "C" fn $name(_b: *mut BIO) -> c_int {
            DESTROYED[$i].fetch_add(1, Ordering::SeqCst);
            1
        }
    };
}
destroy_fn!(d0, 0);
destroy_fn!(d1, 1);
destroy_fn!(d2, 2);
destroy_fn!(d3, 3);

/// A new BIO whose destruction increments `DESTROYED[i]`.
fn counted(f: unsafe extern "C" fn(*mut BIO) -> c_int) -> *mut BIO {
    // SAFETY: test calls of our own exported functions.
    unsafe {
        let name = c("counting");
        let m = BIO_meth_new(0x0400 | 200, name.as_ptr());
        assert_eq!(BIO_meth_set_destroy(m, Some(f)), 1);
        let b = BIO_new(m);
        assert!(!b.is_null());
        b
    }
}

fn ssl() -> (*mut SSL_CTX, *mut SSL) {
    let ctx = SSL_CTX_new(crate::ssl::method::DTLS_method());
    let s = SSL_new(ctx);
    assert!(!s.is_null());
    (ctx, s)
}

#[test]
fn set_bio_same_bio_takes_one_reference_for_both_slots() {
    let (ctx, s) = ssl();
    let b = counted(d0);
    SSL_set_bio(s, b, b);
    assert_eq!(SSL_get_rbio(s), b);
    assert_eq!(SSL_get_wbio(s), b);
    assert_eq!(DESTROYED[0].load(Ordering::SeqCst), 0);
    SSL_free(s);
    assert_eq!(DESTROYED[0].load(Ordering::SeqCst), 1);
    SSL_CTX_free(ctx);
}

#[test]
fn set_bio_only_write_side_changes() {
    let (ctx, s) = ssl();
    let r = counted(d1);
    let w1 = counted(d1);
    let w2 = counted(d1);
    SSL_set_bio(s, r, w1);
    // Same rbio, new wbio: only the new wbio's reference is adopted; w1 is released.
    SSL_set_bio(s, r, w2);
    assert_eq!(DESTROYED[1].load(Ordering::SeqCst), 1);
    assert_eq!(SSL_get_wbio(s), w2);
    SSL_free(s);
    assert_eq!(DESTROYED[1].load(Ordering::SeqCst), 3);
    SSL_CTX_free(ctx);
}

#[test]
fn set_bio_to_null_releases_both() {
    let (ctx, s) = ssl();
    let b = counted(d2);
    SSL_set_bio(s, b, b);
    SSL_set_bio(s, null_mut(), null_mut());
    assert_eq!(DESTROYED[2].load(Ordering::SeqCst), 1);
    assert!(SSL_get_rbio(s).is_null());
    SSL_free(s);
    assert_eq!(DESTROYED[2].load(Ordering::SeqCst), 1);
    SSL_CTX_free(ctx);
}

#[test]
fn up_ref_keeps_objects_alive() {
    let (ctx, s) = ssl();
    let b = counted(d3);
    SSL_set_bio(s, b, b);
    assert_eq!(SSL_up_ref(s), 1);
    SSL_free(s);
    assert_eq!(DESTROYED[3].load(Ordering::SeqCst), 0, "one reference left");
    assert_eq!(SSL_get_rbio(s), b);
    SSL_free(s);
    assert_eq!(DESTROYED[3].load(Ordering::SeqCst), 1);
    // The context outlives its SSLs and its own extra reference.
    assert_eq!(SSL_CTX_up_ref(ctx), 1);
    SSL_CTX_free(ctx);
    assert_eq!(
        crate::ssl::verify::SSL_CTX_get_verify_mode(ctx),
        SSL_VERIFY_NONE
    );
    SSL_CTX_free(ctx);
    SSL_free(null_mut());
    SSL_CTX_free(null_mut());
}

#[test]
fn options_modes_and_controls() {
    let (ctx, s) = ssl();
    let o = crate::ssl::setters::SSL_CTX_set_options(ctx, SSL_OP_COOKIE_EXCHANGE);
    assert_eq!(o & SSL_OP_COOKIE_EXCHANGE, SSL_OP_COOKIE_EXCHANGE);
    assert_eq!(
        crate::ssl::setters::SSL_CTX_clear_options(ctx, SSL_OP_COOKIE_EXCHANGE),
        0
    );
    assert_eq!(SSL_set_options(s, SSL_OP_NO_QUERY_MTU), SSL_OP_NO_QUERY_MTU);
    assert_eq!(SSL_get_options(s), SSL_OP_NO_QUERY_MTU);
    // Modes: SSL_MODE_AUTO_RETRY is on by default, as in OpenSSL 3.0.
    assert_eq!(
        SSL_ctrl(s, SSL_CTRL_MODE, 0, null_mut()),
        SSL_MODE_AUTO_RETRY
    );
    assert_eq!(
        SSL_ctrl(s, SSL_CTRL_CLEAR_MODE, SSL_MODE_AUTO_RETRY, null_mut()),
        0
    );
    // MTU: too small fails, a sane one is accepted.
    assert_eq!(SSL_ctrl(s, SSL_CTRL_SET_MTU, 100, null_mut()), 0);
    assert_eq!(SSL_ctrl(s, SSL_CTRL_SET_MTU, 1200, null_mut()), 1200);
    assert_eq!(SSL_ctrl(s, DTLS_CTRL_GET_LINK_MIN_MTU, 0, null_mut()), 256);
    assert_eq!(SSL_ctrl(s, DTLS_CTRL_SET_LINK_MTU, 1500, null_mut()), 1);
    // No timer before a handshake.
    let mut tv = libc::timeval {
        tv_sec: 9,
        tv_usec: 9,
    };
    assert_eq!(
        SSL_ctrl(
            s,
            DTLS_CTRL_GET_TIMEOUT,
            0,
            (&mut tv as *mut libc::timeval).cast()
        ),
        0
    );
    assert_eq!(SSL_ctrl(s, DTLS_CTRL_HANDLE_TIMEOUT, 0, null_mut()), 0);
    // Versions.
    assert_eq!(
        SSL_CTX_ctrl(
            ctx,
            SSL_CTRL_SET_MIN_PROTO_VERSION,
            DTLS1_2_VERSION as c_long,
            null_mut()
        ),
        1
    );
    assert_eq!(
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, null_mut()),
        DTLS1_2_VERSION as c_long
    );
    assert_eq!(
        SSL_CTX_ctrl(
            ctx,
            SSL_CTRL_SET_MAX_PROTO_VERSION,
            TLS1_2_VERSION as c_long,
            null_mut()
        ),
        0
    );
    // Groups and sigalgs.
    let g = c("X25519:P-256");
    assert_eq!(
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_GROUPS_LIST, 0, g.as_ptr() as *mut c_void),
        1
    );
    let bad = c("X448");
    assert_eq!(
        SSL_CTX_ctrl(
            ctx,
            SSL_CTRL_SET_GROUPS_LIST,
            0,
            bad.as_ptr() as *mut c_void
        ),
        0
    );
    let sa = c("ECDSA+SHA256:RSA-PSS+SHA256");
    assert_eq!(
        SSL_CTX_ctrl(
            ctx,
            SSL_CTRL_SET_SIGALGS_LIST,
            0,
            sa.as_ptr() as *mut c_void
        ),
        1
    );
    // Session cache.
    assert_eq!(
        SSL_CTX_ctrl(
            ctx,
            SSL_CTRL_SET_SESS_CACHE_MODE,
            SSL_SESS_CACHE_OFF,
            null_mut()
        ),
        SSL_SESS_CACHE_SERVER
    );
    assert_eq!(
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_SESS_CACHE_MODE, 0, null_mut()),
        SSL_SESS_CACHE_OFF
    );
    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_SIZE, 10, null_mut());
    assert_eq!(
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_SESS_CACHE_SIZE, 0, null_mut()),
        10
    );
    // SNI.
    let host = c("example.test");
    assert_eq!(
        SSL_ctrl(
            s,
            SSL_CTRL_SET_TLSEXT_HOSTNAME,
            0,
            host.as_ptr() as *mut c_void
        ),
        1
    );
    assert_eq!(
        cstr_of(crate::ssl::setters::SSL_get_servername(s, 0)),
        "example.test"
    );
    // Unknown commands do nothing and return 0.
    assert_eq!(SSL_ctrl(s, 9999, 1, null_mut()), 0);
    assert_eq!(SSL_CTX_ctrl(ctx, 9999, 1, null_mut()), 0);
    take_errors();
    SSL_free(s);
    SSL_CTX_free(ctx);
}

#[test]
fn cipher_list_errors_reach_the_queue() {
    crate::error::clear();
    let ctx = SSL_CTX_new(crate::ssl::method::DTLS_method());
    assert_eq!(
        crate::ssl::setters::SSL_CTX_set_cipher_list(ctx, c("FOO").as_ptr()),
        0
    );
    let errs = take_errors();
    assert_eq!(errs[0].0, crate::error::ssl_reasons::SSL_R_NO_CIPHER_MATCH);
    assert!(errs[0].1.contains("unknown cipher name 'FOO'"), "{errs:?}");
    assert_eq!(
        crate::ssl::setters::SSL_CTX_set_cipher_list(ctx, c("FOO:ECDHE+AESGCM").as_ptr()),
        1
    );
    assert!(take_errors().is_empty());
    let s = SSL_new(ctx);
    assert_eq!(
        cstr_of(crate::ssl::setters::SSL_get_cipher_list(s, 0)),
        "ECDHE-ECDSA-AES256-GCM-SHA384"
    );
    assert!(crate::ssl::setters::SSL_get_cipher_list(s, 4).is_null());
    SSL_free(s);
    SSL_CTX_free(ctx);
}

#[test]
fn ex_data_and_app_data() {
    let (ctx, s) = ssl();
    let mut v = 5u32;
    let p = (&mut v as *mut u32).cast::<c_void>();
    assert_eq!(SSL_set_ex_data(s, 0, p), 1);
    assert_eq!(SSL_get_ex_data(s, 0), p);
    assert_eq!(SSL_CTX_set_ex_data(ctx, 3, p), 1);
    assert_eq!(SSL_CTX_get_ex_data(ctx, 3), p);
    assert!(SSL_get_ex_data(s, 7).is_null());
    assert_eq!(SSL_get_SSL_CTX(s), ctx);
    SSL_free(s);
    SSL_CTX_free(ctx);
}
