//! DTLS 1.3 through the C API (issue 13): version bounds, TLS 1.3 suites, key updates.
use super::*;
use crate::ssl::consts::*;
use crate::ssl::ctrl::SSL_CTX_ctrl;

fn set_max(ctx: *mut SSL_CTX, v: c_int) -> c_long {
    SSL_CTX_ctrl(
        ctx,
        SSL_CTRL_SET_MAX_PROTO_VERSION,
        c_long::from(v),
        null_mut(),
    )
}

fn set_min(ctx: *mut SSL_CTX, v: c_int) -> c_long {
    SSL_CTX_ctrl(
        ctx,
        SSL_CTRL_SET_MIN_PROTO_VERSION,
        c_long::from(v),
        null_mut(),
    )
}

fn versions(ctx: *mut SSL_CTX) -> Result<(u16, u16), &'static str> {
    // SAFETY: a live context from SSL_CTX_new.
    unsafe { &*ctx }.with_settings(|s| s.engine_versions())
}

/// DTLS 1.3 is opt-in: DTLS_method stays 1.2 until the maximum is raised; a
/// version-specific method never offers 1.3 (OpenSSL: the method pins the version).
#[test]
fn dtls13_is_opt_in_and_pinned_methods_never_offer_it() {
    let ctx = SSL_CTX_new(super::super::method::DTLS_method());
    assert_eq!(versions(ctx), Ok((0xFEFD, 0xFEFD)));
    assert_eq!(set_max(ctx, DTLS1_3_VERSION), 1);
    assert_eq!(
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, null_mut()),
        c_long::from(DTLS1_3_VERSION)
    );
    assert_eq!(versions(ctx), Ok((0xFEFD, 0xFEFC)));
    assert_eq!(set_min(ctx, DTLS1_3_VERSION), 1);
    assert_eq!(versions(ctx), Ok((0xFEFC, 0xFEFC)));
    // No TLS 1.3 suite left: no DTLS 1.3 either.
    let empty = c("");
    assert_eq!(
        super::super::setters::SSL_CTX_set_ciphersuites(ctx, empty.as_ptr()),
        1
    );
    assert!(versions(ctx).is_err());
    assert_eq!(set_min(ctx, 0), 1);
    assert_eq!(versions(ctx), Ok((0xFEFD, 0xFEFD)));
    SSL_CTX_free(ctx);

    let ctx = SSL_CTX_new(super::super::method::DTLSv1_2_method());
    assert_eq!(set_max(ctx, DTLS1_3_VERSION), 1);
    assert_eq!(versions(ctx), Ok((0xFEFD, 0xFEFD)));
    assert_eq!(set_min(ctx, DTLS1_3_VERSION), 1);
    assert!(versions(ctx).is_err());
    SSL_CTX_free(ctx);
    crate::error::clear();
}

/// SSL_CTX_set_ciphersuites with OpenSSL's rules; a list naming nothing fails, changing
/// nothing.
#[test]
fn ciphersuites_are_stored_or_refused() {
    crate::error::clear();
    let ctx = SSL_CTX_new(super::super::method::DTLS_method());
    let suites = |ctx: *mut SSL_CTX| {
        // SAFETY: a live context from SSL_CTX_new.
        unsafe { &*ctx }.with_settings(|s| s.tls13_suites.clone())
    };
    assert_eq!(suites(ctx), vec![0x1302, 0x1303, 0x1301]);
    let list = c("TLS_NOPE:TLS_CHACHA20_POLY1305_SHA256");
    assert_eq!(
        super::super::setters::SSL_CTX_set_ciphersuites(ctx, list.as_ptr()),
        1
    );
    assert_eq!(suites(ctx), vec![0x1303]);
    let bad = c("TLS_NOPE");
    assert_eq!(
        super::super::setters::SSL_CTX_set_ciphersuites(ctx, bad.as_ptr()),
        0
    );
    assert_eq!(
        take_errors()[0].0,
        crate::error::ssl_reasons::SSL_R_NO_CIPHER_MATCH
    );
    assert_eq!(suites(ctx), vec![0x1303]);
    SSL_CTX_free(ctx);
}
