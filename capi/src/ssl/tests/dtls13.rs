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

/// DTLS 1.3 is the default: DTLS_method offers 1.3 and 1.2 with no maximum set (which
/// reads back as 0, as in OpenSSL); a maximum of DTLS 1.2 pins 1.2; a version-specific
/// method never offers 1.3 (OpenSSL: the method pins the version).
#[test]
fn dtls13_is_default_and_pinned_methods_never_offer_it() {
    let ctx = SSL_CTX_new(super::super::method::DTLS_method());
    assert_eq!(versions(ctx), Ok((0xFEFD, 0xFEFC)));
    assert_eq!(
        SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, null_mut()),
        0
    );
    assert_eq!(set_max(ctx, DTLS1_2_VERSION), 1);
    assert_eq!(versions(ctx), Ok((0xFEFD, 0xFEFD)));
    assert_eq!(set_max(ctx, 0), 1);
    assert_eq!(versions(ctx), Ok((0xFEFD, 0xFEFC)));
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
    assert_eq!(versions(ctx), Ok((0xFEFD, 0xFEFD)));
    assert_eq!(set_max(ctx, DTLS1_3_VERSION), 1);
    assert_eq!(versions(ctx), Ok((0xFEFD, 0xFEFD)));
    assert_eq!(set_min(ctx, DTLS1_3_VERSION), 1);
    assert!(versions(ctx).is_err());
    SSL_CTX_free(ctx);
    crate::error::clear();
}

/// `RDTLS_MAX_PROTO=DTLSv1.2` (the `dtls13_by_default` flag it clears at SSL_CTX_new)
/// pins 1.2 only while the application sets no maximum; `SSL_OP_NO_DTLSv1_2` with no
/// maximum means 1.3 only by default, and no version at all under the pin.
#[test]
fn operator_pin_and_no_dtls12_option() {
    use crate::ssl::objects::Settings;
    let pinned = Settings {
        dtls13_by_default: false,
        ..Settings::default()
    };
    assert_eq!(pinned.engine_versions(), Ok((0xFEFD, 0xFEFD)));
    let raised = Settings {
        max_proto: DTLS1_3_VERSION,
        ..pinned.clone()
    };
    assert_eq!(raised.engine_versions(), Ok((0xFEFD, 0xFEFC)));
    let no12 = Settings {
        options: SSL_OP_NO_DTLSv1_2,
        ..Settings::default()
    };
    assert_eq!(no12.engine_versions(), Ok((0xFEFC, 0xFEFC)));
    let no12_pinned = Settings {
        options: SSL_OP_NO_DTLSv1_2,
        ..pinned
    };
    assert!(no12_pinned.engine_versions().is_err());
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

/// A DTLS 1.3 handshake through the C API: version and cipher getters, then
/// SSL_key_update both ways with SSL_get_key_update_type, data in the new epochs.
#[test]
fn handshake_getters_and_key_update() {
    use crate::ssl::cipher::SSL_CIPHER_get_name;
    use crate::ssl::info::*;
    use crate::ssl::io::*;
    use crate::ssl::key_update::*;
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    assert_eq!(set_max(sctx, DTLS1_3_VERSION), 1);
    assert_eq!(set_max(cctx, DTLS1_3_VERSION), 1);
    let p = Pair::new(cctx, sctx);
    assert_eq!(SSL_key_update(p.client, SSL_KEY_UPDATE_REQUESTED), 0);
    assert_eq!(
        take_errors()[0].0,
        crate::error::ssl_reasons::SSL_R_WRONG_SSL_VERSION
    );
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(cstr_of(SSL_get_version(p.client)), "DTLSv1.3");
    assert_eq!(SSL_version(p.server), DTLS1_3_VERSION);
    let c = SSL_get_current_cipher(p.client);
    assert_eq!(cstr_of(SSL_CIPHER_get_name(c)), "TLS_AES_256_GCM_SHA384");
    assert_eq!(crate::ssl::verify::SSL_get_verify_result(p.client), 0);

    send(p.client, p.server, b"one");
    assert_eq!(SSL_get_key_update_type(p.client), SSL_KEY_UPDATE_NONE);
    assert_eq!(SSL_key_update(p.client, 5), 0);
    crate::error::clear();
    assert_eq!(
        SSL_key_update(p.client, SSL_KEY_UPDATE_REQUESTED),
        1,
        "{:?}",
        take_errors()
    );
    assert_eq!(SSL_get_key_update_type(p.client), SSL_KEY_UPDATE_REQUESTED);
    // Sent with this write, or (while our last flight awaits its ACK, RFC 9147 §8) by the
    // first flush after the ACK arrived.
    send(p.client, p.server, b"two");
    send(p.server, p.client, b"three");
    send(p.client, p.server, b"three and a half");
    assert_eq!(SSL_get_key_update_type(p.client), SSL_KEY_UPDATE_NONE);
    assert_eq!(SSL_key_update(p.server, SSL_KEY_UPDATE_NOT_REQUESTED), 1);
    assert_eq!(
        SSL_get_key_update_type(p.server),
        SSL_KEY_UPDATE_NOT_REQUESTED
    );
    assert_eq!(SSL_do_handshake(p.server), 1);
    assert_eq!(SSL_get_key_update_type(p.server), SSL_KEY_UPDATE_NONE);
    send(p.server, p.client, b"four");
    send(p.client, p.server, b"five");
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/// DTLSv1_2_method (even with the maximum raised) and a maximum of DTLS 1.2 never
/// negotiate 1.3 with a default (1.3-capable) server; SSL_key_update is then refused with
/// SSL_R_WRONG_SSL_VERSION.
#[test]
fn pinned_client_gets_12() {
    use crate::ssl::info::*;
    use crate::ssl::key_update::*;
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let pinned = SSL_CTX_new(super::super::method::DTLSv1_2_client_method());
    assert_eq!(set_max(pinned, DTLS1_3_VERSION), 1);
    let max12 = SSL_CTX_new(super::super::method::DTLS_client_method());
    assert_eq!(set_max(max12, DTLS1_2_VERSION), 1);
    for cctx in [pinned, max12] {
        let p = Pair::new(cctx, sctx);
        assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
        assert_eq!(cstr_of(SSL_get_version(p.client)), "DTLSv1.2");
        assert_eq!(cstr_of(SSL_get_version(p.server)), "DTLSv1.2");
        assert_eq!(SSL_key_update(p.client, SSL_KEY_UPDATE_NOT_REQUESTED), 0);
        assert_eq!(
            take_errors()[0].0,
            crate::error::ssl_reasons::SSL_R_WRONG_SSL_VERSION
        );
        drop(p);
        SSL_CTX_free(cctx);
    }
    SSL_CTX_free(sctx);
}

/// With no maximum set on either side (a legacy program): DTLS 1.3. SSL_renegotiate is
/// refused as OpenSSL refuses it on TLS 1.3 (SSL_R_WRONG_SSL_VERSION, before
/// SSL_OP_NO_RENEGOTIATION is looked at), and the connection stays usable.
#[test]
fn default_pair_gets_13_and_refuses_renegotiation() {
    use crate::ssl::info::*;
    use crate::ssl::renegotiate::*;
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(cstr_of(SSL_get_version(p.client)), "DTLSv1.3");
    assert_eq!(SSL_version(p.server), DTLS1_3_VERSION);
    // The server asked for no client certificate: X509_V_OK, as OpenSSL.
    assert_eq!(crate::ssl::verify::SSL_get_verify_result(p.server), 0);
    let name = crate::ssl::cipher::SSL_CIPHER_get_name(SSL_get_current_cipher(p.client));
    assert!(cstr_of(name).starts_with("TLS_AES_"), "{}", cstr_of(name));
    assert_eq!(SSL_renegotiate(p.client), 0);
    assert_eq!(SSL_renegotiate_abbreviated(p.server), 0);
    let reasons: Vec<_> = take_errors().into_iter().map(|e| e.0).collect();
    assert_eq!(
        reasons,
        [crate::error::ssl_reasons::SSL_R_WRONG_SSL_VERSION; 2]
    );
    assert_eq!(SSL_renegotiate_pending(p.client), 0);
    send(p.client, p.server, b"still usable");
    send(p.server, p.client, b"both ways");
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/// Resumption with a DTLS 1.3 ticket through SSL_SESSION: SSL_get1_session after the
/// ticket arrived, SSL_set_session on a new connection.
#[test]
fn ticket_resumption_through_ssl_session() {
    use crate::ssl::info::*;
    use crate::ssl::session::*;
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    assert_eq!(set_max(sctx, DTLS1_3_VERSION), 1);
    assert_eq!(set_max(cctx, DTLS1_3_VERSION), 1);
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    // The server's tickets follow its handshake: the client reads them.
    let sess = p.client_session_after_tickets();
    assert_eq!(SSL_SESSION_get_protocol_version(sess), DTLS1_3_VERSION);
    assert_eq!(SSL_SESSION_is_resumable(sess), 1);
    assert_eq!(
        cstr_of(crate::ssl::cipher::SSL_CIPHER_get_name(
            SSL_SESSION_get0_cipher(sess)
        )),
        "TLS_AES_256_GCM_SHA384"
    );
    // OpenSSL's session encoding carries the ticket (tests/session_der.rs resumes with it).
    assert!(crate::ssl::session_io::i2d_SSL_SESSION(sess, std::ptr::null_mut()) > 0);
    crate::error::clear();
    drop(p);
    let p = Pair::new(cctx, sctx);
    assert_eq!(SSL_set_session(p.client, sess), 1);
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(cstr_of(SSL_get_version(p.client)), "DTLSv1.3");
    assert_eq!(SSL_session_reused(p.client), 1);
    assert_eq!(SSL_session_reused(p.server), 1);
    drop(p);
    SSL_SESSION_free(sess);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/// DTLS_get_data_mtu on DTLS 1.3: 0 before a suite is agreed, then the MTU less the
/// unified header, content type byte and tag (it said 0 on 1.3, and a program sizing its
/// writes by it, as the DCCP echo does, had nothing to send).
#[test]
fn data_mtu_on_13() {
    use crate::ssl::io::*;
    use crate::ssl::timer::DTLS_get_data_mtu;
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let p = Pair::new(cctx, sctx);
    assert_eq!(DTLS_get_data_mtu(p.client), 0, "no suite yet");
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(
        cstr_of(crate::ssl::info::SSL_get_version(p.client)),
        "DTLSv1.3"
    );
    let max = DTLS_get_data_mtu(p.client);
    assert!(max > 1000, "{max}");
    assert_eq!(DTLS_get_data_mtu(p.server), max);
    let data: Vec<u8> = (0..max).map(|i| i as u8).collect();
    assert_eq!(
        SSL_write(p.client, data.as_ptr().cast(), max as c_int),
        max as c_int
    );
    let mut buf = vec![0u8; 4096];
    assert_eq!(
        SSL_read(p.server, buf.as_mut_ptr().cast(), buf.len() as c_int),
        max as c_int
    );
    assert_eq!(&buf[..max], &data[..]);
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/// DTLS-SRTP on DTLS 1.3 (RFC 9147 keeps use_srtp): the profile and the exporter agree.
#[test]
fn srtp_exporter_and_sni_on_13() {
    use crate::ssl::getters::SSL_export_keying_material;
    use crate::ssl::info::*;
    use crate::ssl::srtp::*;
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let prof = c("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80");
    for ctx in [sctx, cctx] {
        assert_eq!(set_max(ctx, DTLS1_3_VERSION), 1);
        assert_eq!(SSL_CTX_set_tlsext_use_srtp(ctx, prof.as_ptr()), 0);
    }
    let p = Pair::new(cctx, sctx);
    let host = c("localhost");
    assert_eq!(
        crate::ssl::ctrl::SSL_ctrl(
            p.client,
            SSL_CTRL_SET_TLSEXT_HOSTNAME,
            0,
            host.as_ptr() as *mut c_void
        ),
        1
    );
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(cstr_of(SSL_get_version(p.server)), "DTLSv1.3");
    let (cs, ss) = (
        SSL_get_selected_srtp_profile(p.client),
        SSL_get_selected_srtp_profile(p.server),
    );
    assert!(!cs.is_null() && cs == ss);
    let label = c("EXTRACTOR-dtls_srtp");
    let (mut a, mut b) = ([0u8; 56], [0u8; 56]);
    for (s, out) in [(p.client, &mut a), (p.server, &mut b)] {
        assert_eq!(
            SSL_export_keying_material(
                s,
                out.as_mut_ptr(),
                out.len(),
                label.as_ptr(),
                19,
                std::ptr::null(),
                0,
                0
            ),
            1
        );
    }
    assert_eq!(a, b);
    // The client's own SNI (the server's view is not reported on 1.3 yet).
    assert_eq!(
        cstr_of(crate::ssl::setters::SSL_get_servername(p.client, 0)),
        "localhost"
    );
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/// `SSL_CONF` `MaxProtocol DTLSv1.3` / `MinProtocol DTLSv1.3` and `Ciphersuites`.
#[test]
fn ssl_conf_names_dtls13() {
    use crate::ssl::conf::*;
    crate::error::clear();
    let ctx = SSL_CTX_new(super::super::method::DTLS_method());
    let cc = SSL_CONF_CTX_new();
    SSL_CONF_CTX_set_flags(cc, SSL_CONF_FLAG_FILE);
    SSL_CONF_CTX_set_ssl_ctx(cc, ctx);
    let cmd = |k: &str, v: &str| SSL_CONF_cmd(cc, c(k).as_ptr(), c(v).as_ptr());
    assert_eq!(cmd("MaxProtocol", "DTLSv1.3"), 2);
    assert_eq!(versions(ctx), Ok((0xFEFD, 0xFEFC)));
    assert_eq!(cmd("MinProtocol", "DTLSv1.3"), 2);
    assert_eq!(versions(ctx), Ok((0xFEFC, 0xFEFC)));
    assert_eq!(cmd("Ciphersuites", "TLS_AES_128_GCM_SHA256"), 2);
    // SAFETY: a live context from SSL_CTX_new.
    let suites = unsafe { &*ctx }.with_settings(|s| s.tls13_suites.clone());
    assert_eq!(suites, vec![0x1301]);
    assert_eq!(SSL_CONF_CTX_finish(cc), 1);
    SSL_CONF_CTX_free(cc);
    SSL_CTX_free(ctx);
}

/// `msg` from `from` to `to` through the dgram pair; also drives both sides' flushes.
pub(super) fn send(from: *mut SSL, to: *mut SSL, msg: &[u8]) {
    assert_eq!(
        crate::ssl::io::SSL_write(from, msg.as_ptr().cast(), msg.len() as c_int),
        msg.len() as c_int,
        "{:?}",
        take_errors()
    );
    let mut buf = [0u8; 100];
    let mut n = -1;
    for _ in 0..5 {
        n = crate::ssl::io::SSL_read(to, buf.as_mut_ptr().cast(), buf.len() as c_int);
        if n > 0 {
            break;
        }
    }
    assert_eq!(&buf[..n.max(0) as usize], msg, "{:?}", take_errors());
}

static VERIFY_CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Counts its calls and keeps OpenSSL's verdict.
unsafe extern "C" fn counting_verify(ok: c_int, _ctx: *mut crate::host::X509_STORE_CTX) -> c_int {
    VERIFY_CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    ok
}

/// A resumed DTLS 1.3 client reports the verify result of the connection its ticket came
/// from (as OpenSSL restores a session's verify_result) without verifying the chain again:
/// the verify callback is not called on resumption. Under SSL_VERIFY_NONE with a CA that
/// did not sign the server's chain, the original error is what the resumption reports.
#[test]
fn resumption_keeps_the_verify_result_without_verifying_again() {
    use crate::ssl::session::*;
    use crate::ssl::verify::{SSL_CTX_set_verify, SSL_get_verify_result};
    use std::sync::atomic::Ordering::SeqCst;
    for (ca, mode, want) in [
        ("ca-ecdsa.pem", SSL_VERIFY_PEER, 0),
        ("ca-rsa.pem", SSL_VERIFY_NONE, 20),
    ] {
        let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
        let cctx = client_ctx(Some(ca));
        SSL_CTX_set_verify(cctx, mode, Some(counting_verify));
        let p = Pair::new(cctx, sctx);
        assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
        assert_eq!(SSL_get_verify_result(p.client), want, "{ca}");
        let calls = VERIFY_CALLS.load(SeqCst);
        assert!(calls > 0, "the full handshake verified");
        // The server's tickets follow its handshake: the client reads them.
        let sess = p.client_session_after_tickets();
        drop(p);
        let p = Pair::new(cctx, sctx);
        assert_eq!(SSL_set_session(p.client, sess), 1);
        assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
        assert_eq!(SSL_session_reused(p.client), 1, "{ca}");
        assert_eq!(
            SSL_get_verify_result(p.client),
            want,
            "{ca}: the ticket's result"
        );
        assert_eq!(
            VERIFY_CALLS.load(SeqCst),
            calls,
            "{ca}: no verification again"
        );
        drop(p);
        SSL_SESSION_free(sess);
        SSL_CTX_free(sctx);
        SSL_CTX_free(cctx);
    }
}
