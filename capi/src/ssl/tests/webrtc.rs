//! DTLS-SRTP and ALPN through the C API: what a WebRTC stack calls.
use super::*;
use crate::ssl::alpn::*;
use crate::ssl::getters::SSL_export_keying_material;
use crate::ssl::srtp::*;
use std::ffi::{c_uchar, c_uint};

fn selected_name(s: *mut SSL) -> Option<String> {
    let p = SSL_get_selected_srtp_profile(s);
    // SAFETY: NULL or a pointer to a static profile (name first, as OpenSSL's struct).
    let name = unsafe { p.cast::<*const std::ffi::c_char>().as_ref() }?;
    Some(cstr_of(*name))
}

fn export(s: *mut SSL, n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    let label = b"EXTRACTOR-dtls_srtp";
    let r = SSL_export_keying_material(
        s,
        out.as_mut_ptr(),
        n,
        label.as_ptr().cast(),
        label.len(),
        std::ptr::null(),
        0,
        0,
    );
    assert_eq!(r, 1);
    out
}

#[test]
fn srtp_negotiated_with_server_preference_and_keys_agree() {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    assert_eq!(
        SSL_CTX_set_tlsext_use_srtp(
            sctx,
            c"SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80".as_ptr()
        ),
        0
    );
    assert_eq!(
        SSL_CTX_set_tlsext_use_srtp(
            cctx,
            c"SRTP_AES128_CM_SHA1_80:SRTP_AEAD_AES_256_GCM".as_ptr()
        ),
        0
    );
    // A bad list is refused with 1 and leaves the old one in place.
    assert_eq!(
        SSL_CTX_set_tlsext_use_srtp(cctx, c"SRTP_NULL_SHA1_80".as_ptr()),
        1
    );
    assert!(!take_errors().is_empty());
    let p = Pair::new(cctx, sctx);
    assert!(!SSL_get_srtp_profiles(p.client).is_null());
    assert_eq!(crate::host::stack_len(SSL_get_srtp_profiles(p.client)), 2);
    let (cr, sr) = p.handshake();
    assert_eq!((cr, sr), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(
        selected_name(p.client).as_deref(),
        Some("SRTP_AEAD_AES_256_GCM")
    );
    assert_eq!(
        selected_name(p.server).as_deref(),
        Some("SRTP_AEAD_AES_256_GCM")
    );
    assert_eq!(export(p.client, 88), export(p.server, 88));
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

unsafe extern "C" fn pick_coap(
    _s: *mut SSL,
    out: *mut *const c_uchar,
    outlen: *mut c_uchar,
    inp: *const c_uchar,
    inlen: c_uint,
    _arg: *mut c_void,
) -> c_int {
    let ours = b"\x04coap";
    let mut o = std::ptr::null_mut();
    let r = crate::ssl::negotiation::SSL_select_next_proto(
        &mut o,
        outlen,
        ours.as_ptr(),
        ours.len() as c_uint,
        inp,
        inlen,
    );
    // SAFETY: out is the engine's output slot.
    unsafe { *out = o };
    if r == 1 {
        0
    } else {
        2
    }
}

#[test]
fn alpn_selected_or_fatal() {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    SSL_CTX_set_alpn_select_cb(sctx, Some(pick_coap), std::ptr::null_mut());
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let offer = b"\x06webrtc\x04coap";
    assert_eq!(
        SSL_CTX_set_alpn_protos(cctx, offer.as_ptr(), offer.len() as c_uint),
        0
    );
    assert_eq!(SSL_CTX_set_alpn_protos(cctx, b"\x05ab".as_ptr(), 3), 1);
    take_errors();
    let p = Pair::new(cctx, sctx);
    let (cr, sr) = p.handshake();
    assert_eq!((cr, sr), (1, 1), "errors: {:?}", take_errors());
    for s in [p.client, p.server] {
        let (mut d, mut n) = (std::ptr::null(), 0);
        SSL_get0_alpn_selected(s, &mut d, &mut n);
        // SAFETY: n bytes at d, owned by the connection.
        assert_eq!(
            unsafe { std::slice::from_raw_parts(d, n as usize) },
            b"coap"
        );
    }
    drop(p);

    // No protocol in common: the callback says fatal, the server sends
    // no_application_protocol and the client fails.
    let offer = b"\x06webrtc";
    assert_eq!(
        SSL_CTX_set_alpn_protos(cctx, offer.as_ptr(), offer.len() as c_uint),
        0
    );
    let p = Pair::new(cctx, sctx);
    let (cr, sr) = p.handshake();
    let _ = p.handshake();
    assert!(cr != 1 && sr != 1);
    let errs = take_errors();
    assert!(
        // The server's reason on 1.2; on 1.3 (the default) the client's, naming the alert.
        errs.iter()
            .any(|(_, d)| d.contains("no application protocol")
                || d.contains("peer sent alert no_application_protocol")),
        "{errs:?}"
    );
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn context_profiles_set_after_ssl_new_apply_unless_the_ssl_has_its_own() {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let p = Pair::new(cctx, sctx);
    // OpenSSL's SSL_get_srtp_profiles reads the context's list when the SSL has none.
    assert_eq!(
        SSL_CTX_set_tlsext_use_srtp(sctx, c"SRTP_AES128_CM_SHA1_32".as_ptr()),
        0
    );
    assert_eq!(
        SSL_CTX_set_tlsext_use_srtp(cctx, c"SRTP_AES128_CM_SHA1_80".as_ptr()),
        0
    );
    assert_eq!(
        SSL_set_tlsext_use_srtp(p.client, c"SRTP_AES128_CM_SHA1_32".as_ptr()),
        0
    );
    assert_eq!(crate::host::stack_len(SSL_get_srtp_profiles(p.server)), 1);
    let (cr, sr) = p.handshake();
    assert_eq!((cr, sr), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(
        selected_name(p.client).as_deref(),
        Some("SRTP_AES128_CM_SHA1_32")
    );
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}
