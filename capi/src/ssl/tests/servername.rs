//! Server-side SNI through the C API: the servername callback and its return values, the
//! certificate callback after the ClientHello, SSL_get_servername / SSL_get_sigalgs inside
//! them, and the session policy (SSL_SESS_CACHE_OFF, session ID context, SNI).
use std::cell::RefCell;

use super::*;
use crate::error::ssl_reasons::*;
use crate::ssl::consts::*;
use crate::ssl::ctrl::{SSL_CTX_callback_ctrl, SSL_CTX_ctrl, SSL_ctrl};
use crate::ssl::servername::*;
use crate::ssl::session::*;
use crate::ssl::state::session::SSL_SESSION;

thread_local! {
    /// (server name, number of client sigalgs) seen by each callback call, in order.
    static SEEN: RefCell<Vec<(String, Option<String>, c_int)>> = const { RefCell::new(Vec::new()) };
    /// Handshake messages / alerts received by the client: (content type, bytes).
    static CLIENT_MSGS: RefCell<Vec<(c_int, Vec<u8>)>> = const { RefCell::new(Vec::new()) };
    /// Records the server sent: (content type, bytes).
    static SERVER_SENT: RefCell<Vec<(c_int, Vec<u8>)>> = const { RefCell::new(Vec::new()) };
}

fn servername_of(s: *mut SSL) -> Option<String> {
    let p = crate::ssl::setters::SSL_get_servername(s, TLSEXT_NAMETYPE_HOST_NAME);
    (!p.is_null()).then(|| cstr_of(p))
}

fn record(who: &str, s: *mut SSL) {
    let n = SSL_get_sigalgs(
        s,
        -1,
        null_mut(),
        null_mut(),
        null_mut(),
        null_mut(),
        null_mut(),
    );
    SEEN.with(|v| v.borrow_mut().push((who.into(), servername_of(s), n)));
}

/// Serves "rsa.test" from the context in `arg`, refuses "evil.test" (with `*al` =
/// access_denied), warns on "warn.test", does not acknowledge "noack.test".
unsafe extern "C" fn vhost_cb(s: *mut SSL, al: *mut c_int, arg: *mut c_void) -> c_int {
    record("servername", s);
    match servername_of(s).as_deref() {
        Some("rsa.test") => {
            assert_eq!(SSL_set_SSL_CTX(s, arg.cast()), arg.cast::<SSL_CTX>());
            SSL_TLSEXT_ERR_OK
        }
        Some("evil.test") => {
            // SAFETY: OpenSSL's contract: `al` points at the alert to send.
            unsafe { *al = 49 };
            SSL_TLSEXT_ERR_ALERT_FATAL
        }
        Some("fatal.test") => SSL_TLSEXT_ERR_ALERT_FATAL,
        Some("warn.test") => SSL_TLSEXT_ERR_ALERT_WARNING,
        Some("noack.test") => SSL_TLSEXT_ERR_NOACK,
        _ => SSL_TLSEXT_ERR_OK,
    }
}

unsafe extern "C" fn client_msg_cb(
    write_p: c_int,
    _v: c_int,
    ct: c_int,
    buf: *const c_void,
    len: usize,
    _s: *mut SSL,
    _a: *mut c_void,
) {
    if write_p == 0 {
        // SAFETY: the library passes `len` readable bytes.
        let b = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) }.to_vec();
        CLIENT_MSGS.with(|v| v.borrow_mut().push((ct, b)));
    }
}

unsafe extern "C" fn server_msg_cb(
    write_p: c_int,
    _v: c_int,
    ct: c_int,
    buf: *const c_void,
    len: usize,
    _s: *mut SSL,
    _a: *mut c_void,
) {
    if write_p == 1 {
        // SAFETY: the library passes `len` readable bytes.
        let b = unsafe { std::slice::from_raw_parts(buf.cast::<u8>(), len) }.to_vec();
        SERVER_SENT.with(|v| v.borrow_mut().push((ct, b)));
    }
}

fn set_servername_cb(ctx: *mut SSL_CTX, arg: *mut SSL_CTX) {
    // SAFETY: the servername callback type, passed as OpenSSL's macro does.
    let f = unsafe { std::mem::transmute::<ServernameCb, unsafe extern "C" fn()>(vhost_cb) };
    assert_eq!(
        SSL_CTX_callback_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB, Some(f)),
        1
    );
    assert_eq!(
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG, 0, arg.cast()),
        1
    );
}

type ServernameCb = unsafe extern "C" fn(*mut SSL, *mut c_int, *mut c_void) -> c_int;

fn set_host(s: *mut SSL, name: &str) {
    let n = c(name);
    assert_eq!(
        SSL_ctrl(
            s,
            SSL_CTRL_SET_TLSEXT_HOSTNAME,
            0,
            n.as_ptr() as *mut c_void
        ),
        1
    );
}

/// Whether the client's ServerHello carried a server_name extension (RFC 6066 §3 ack).
fn server_hello_acked_sni() -> bool {
    let sh = CLIENT_MSGS.with(|v| {
        v.borrow()
            .iter()
            .find(|(ct, b)| *ct == 22 && b.first() == Some(&2))
            .map(|(_, b)| b.clone())
            .expect("a ServerHello")
    });
    // 12-byte DTLS header, version 2, random 32, session_id, suite 2, compression 1.
    let mut i = 12 + 2 + 32;
    i += 1 + sh[i] as usize + 2 + 1;
    if i >= sh.len() {
        return false;
    }
    let end = i + 2 + u16::from_be_bytes([sh[i], sh[i + 1]]) as usize;
    i += 2;
    while i + 4 <= end {
        let typ = u16::from_be_bytes([sh[i], sh[i + 1]]);
        let len = u16::from_be_bytes([sh[i + 2], sh[i + 3]]) as usize;
        if typ == 0 {
            assert_eq!(len, 0, "the acknowledgement is empty");
            return true;
        }
        i += 4 + len;
    }
    false
}

fn cipher_of(s: *mut SSL) -> String {
    cstr_of(crate::ssl::cipher::SSL_CIPHER_get_name(
        crate::ssl::info::SSL_get_current_cipher(s),
    ))
}

fn reset() {
    crate::error::clear();
    SEEN.with(|v| v.borrow_mut().clear());
    CLIENT_MSGS.with(|v| v.borrow_mut().clear());
    SERVER_SENT.with(|v| v.borrow_mut().clear());
}

/// Two server contexts (ECDSA default, RSA for "rsa.test") and a client context.
fn vhost_ctxs() -> (*mut SSL_CTX, *mut SSL_CTX, *mut SSL_CTX) {
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let rsa = server_ctx("server-rsa.pem", "server-rsa.key");
    set_servername_cb(sctx, rsa);
    // 1.2: the suite name shows the certificate chosen, and unrecognized_name as a
    // warning exists only before 1.3 (RFC 8446 §6.2); 1.3 callbacks: ctests/hooks13.c.
    let cctx = max12(client_ctx(None));
    crate::ssl::info::SSL_CTX_set_msg_callback(cctx, Some(client_msg_cb));
    crate::ssl::info::SSL_CTX_set_msg_callback(sctx, Some(server_msg_cb));
    (sctx, rsa, cctx)
}

fn free(ctxs: &[*mut SSL_CTX]) {
    for c in ctxs {
        SSL_CTX_free(*c);
    }
}

#[test]
fn servername_callback_switches_the_certificate_by_sni() {
    let (sctx, rsa, cctx) = vhost_ctxs();
    for (name, suite_prefix, acked) in [
        (Some("rsa.test"), "ECDHE-RSA-", true),
        (Some("plain.test"), "ECDHE-ECDSA-", true),
        (Some("noack.test"), "ECDHE-ECDSA-", false),
        (None, "ECDHE-ECDSA-", false),
    ] {
        reset();
        let p = Pair::new(cctx, sctx);
        if let Some(n) = name {
            set_host(p.client, n);
        }
        assert_eq!(p.handshake(), (1, 1), "{name:?}: {:?}", take_errors());
        assert!(
            cipher_of(p.client).starts_with(suite_prefix),
            "{name:?}: {}",
            cipher_of(p.client)
        );
        assert_eq!(servername_of(p.server).as_deref(), name);
        let want_ctx = if name == Some("rsa.test") { rsa } else { sctx };
        assert_eq!(SSL_get_SSL_CTX(p.server), want_ctx);
        // Called once, after the ClientHello: the name and the client's sigalgs are known.
        let seen = SEEN.with(|v| v.borrow().clone());
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0].1.as_deref(), name);
        assert!(
            seen[0].2 > 0,
            "SSL_get_sigalgs inside the callback: {seen:?}"
        );
        assert_eq!(server_hello_acked_sni(), acked, "{name:?}: server_name ack");
    }
    free(&[sctx, rsa, cctx]);
}

#[test]
fn servername_alert_fatal_sends_the_chosen_alert() {
    let (sctx, rsa, cctx) = vhost_ctxs();
    for (name, alert) in [("evil.test", 49u8), ("fatal.test", 112u8)] {
        reset();
        let p = Pair::new(cctx, sctx);
        set_host(p.client, name);
        let (cr, sr) = p.handshake();
        assert_ne!(cr, 1);
        assert_eq!(sr, -1);
        assert_eq!(crate::ssl::io::SSL_get_error(p.server, sr), SSL_ERROR_SSL);
        let errs = take_errors();
        assert!(
            errs.iter().any(|(r, _)| *r == SSL_R_CALLBACK_FAILED),
            "{errs:?}"
        );
        let alerts: Vec<_> = SERVER_SENT.with(|v| {
            v.borrow()
                .iter()
                .filter(|(ct, _)| *ct == 21)
                .map(|(_, b)| b.clone())
                .collect()
        });
        assert_eq!(alerts, vec![vec![2u8, alert]], "{name}: one fatal alert");
    }
    free(&[sctx, rsa, cctx]);
}

#[test]
fn servername_alert_warning_is_sent_and_the_handshake_goes_on() {
    let (sctx, rsa, cctx) = vhost_ctxs();
    reset();
    let p = Pair::new(cctx, sctx);
    set_host(p.client, "warn.test");
    assert_eq!(p.handshake(), (1, 1), "{:?}", take_errors());
    let alerts: Vec<_> = SERVER_SENT.with(|v| {
        v.borrow()
            .iter()
            .filter(|(ct, _)| *ct == 21)
            .map(|(_, b)| b.clone())
            .collect()
    });
    assert_eq!(
        alerts,
        vec![vec![1u8, 112]],
        "one unrecognized_name warning"
    );
    assert!(!server_hello_acked_sni());
    drop(p);
    free(&[sctx, rsa, cctx]);
}

/// Loads the RSA certificate for "rsa.test" and the ECDSA one otherwise; fails for
/// "fail.test".
unsafe extern "C" fn cert_cb(s: *mut SSL, _arg: *mut c_void) -> c_int {
    record("cert", s);
    let (cert, key) = match servername_of(s).as_deref() {
        Some("fail.test") => return 0,
        Some("rsa.test") => ("server-rsa.pem", "server-rsa.key"),
        _ => ("server-ecdsa.pem", "server-ecdsa.key"),
    };
    let mut code = 0u8;
    let mut hash = 0u8;
    let (mut sign, mut h, mut both) = (0, 0, 0);
    let n = SSL_get_sigalgs(s, 0, &mut sign, &mut h, &mut both, &mut code, &mut hash);
    assert!(
        n > 0 && sign != 0,
        "client sigalgs inside the certificate callback"
    );
    let ok =
        crate::ssl::certs::SSL_use_certificate_file(s, cert_path(cert).as_ptr(), SSL_FILETYPE_PEM)
            == 1
            && crate::ssl::certs::SSL_use_PrivateKey_file(
                s,
                cert_path(key).as_ptr(),
                SSL_FILETYPE_PEM,
            ) == 1;
    c_int::from(ok)
}

#[test]
fn cert_cb_runs_after_the_client_hello_and_not_on_resumption() {
    let sctx = SSL_CTX_new(crate::ssl::method::DTLS_server_method());
    crate::ssl::own_cert::SSL_CTX_set_cert_cb(sctx, Some(cert_cb), null_mut());
    // 1.2: the suite name shows which certificate the callback loaded.
    let cctx = max12(client_ctx(None));
    let mut session: *mut SSL_SESSION = null_mut();
    for (name, prefix) in [("rsa.test", "ECDHE-RSA-"), ("other.test", "ECDHE-ECDSA-")] {
        reset();
        let p = Pair::new(cctx, sctx);
        set_host(p.client, name);
        assert_eq!(p.handshake(), (1, 1), "{name}: {:?}", take_errors());
        assert!(
            cipher_of(p.client).starts_with(prefix),
            "{name}: {}",
            cipher_of(p.client)
        );
        let seen = SEEN.with(|v| v.borrow().clone());
        assert_eq!(
            seen,
            vec![("cert".to_string(), Some(name.to_string()), seen[0].2)]
        );
        if session.is_null() {
            session = SSL_get1_session(p.client);
        }
    }
    // Resumption: no certificate is sent, so the callback is not called (as OpenSSL).
    reset();
    let p = Pair::new(cctx, sctx);
    set_host(p.client, "rsa.test");
    assert_eq!(SSL_set_session(p.client, session), 1);
    assert_eq!(p.handshake(), (1, 1), "{:?}", take_errors());
    assert_eq!(SSL_session_reused(p.server), 1);
    assert!(SEEN.with(|v| v.borrow().is_empty()));
    drop(p);
    // A callback returning 0 fails the handshake with SSL_R_CERT_CB_ERROR.
    reset();
    let p = Pair::new(cctx, sctx);
    set_host(p.client, "fail.test");
    let (_, sr) = p.handshake();
    assert_eq!(sr, -1);
    let errs = take_errors();
    assert!(
        errs.iter().any(|(r, _)| *r == SSL_R_CERT_CB_ERROR),
        "{errs:?}"
    );
    drop(p);
    SSL_SESSION_free(session);
    free(&[sctx, cctx]);
}

/// A full handshake with `name` as SNI; returns the client's session.
fn full(cctx: *mut SSL_CTX, sctx: *mut SSL_CTX, name: &str) -> *mut SSL_SESSION {
    let p = Pair::new(cctx, sctx);
    set_host(p.client, name);
    assert_eq!(p.handshake(), (1, 1), "{:?}", take_errors());
    SSL_get1_session(p.client)
}

/// Offers `sess` with `name`; (client ret, server ret, server reused).
fn resume(
    cctx: *mut SSL_CTX,
    sctx: *mut SSL_CTX,
    sess: *mut SSL_SESSION,
    name: &str,
) -> (c_int, c_int, c_int) {
    let p = Pair::new(cctx, sctx);
    set_host(p.client, name);
    assert_eq!(SSL_set_session(p.client, sess), 1);
    let (cr, sr) = p.handshake();
    (cr, sr, SSL_session_reused(p.server))
}

#[test]
fn session_policy_through_the_c_api() {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    // 1.2 session-ID resumption under the SNI policy.
    let cctx = max12(client_ctx(None));
    let s = full(cctx, sctx, "a.test");
    assert_eq!(
        resume(cctx, sctx, s, "b.test"),
        (1, 1, 0),
        "other SNI: full handshake"
    );
    assert_eq!(
        resume(cctx, sctx, s, "a.test"),
        (1, 1, 1),
        "same SNI resumes"
    );
    // A different session ID context: a cache miss.
    assert_eq!(
        crate::ssl::setters::SSL_CTX_set_session_id_context(sctx, b"ctx2".as_ptr(), 4),
        1
    );
    assert_eq!(
        resume(cctx, sctx, s, "a.test"),
        (1, 1, 0),
        "other session ID context"
    );
    SSL_SESSION_free(s);
    // SSL_VERIFY_PEER without a session ID context: resuming is a fatal error (OpenSSL).
    let vctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let s = full(cctx, vctx, "a.test");
    crate::ssl::verify::SSL_CTX_set_verify(vctx, SSL_VERIFY_PEER, None);
    let (_, sr, _) = resume(cctx, vctx, s, "a.test");
    assert_eq!(sr, -1);
    let errs = take_errors();
    assert!(
        errs.iter()
            .any(|(r, _)| *r == SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED),
        "{errs:?}"
    );
    SSL_SESSION_free(s);
    // SSL_SESS_CACHE_OFF: no session ID is issued, nothing resumes.
    let off = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    assert_eq!(
        SSL_CTX_ctrl(
            off,
            SSL_CTRL_SET_SESS_CACHE_MODE,
            SSL_SESS_CACHE_OFF,
            null_mut()
        ),
        SSL_SESS_CACHE_SERVER
    );
    let s = full(cctx, off, "a.test");
    let mut len = 0u32;
    SSL_SESSION_get_id(s, &mut len);
    assert_eq!(len, 0, "no session ID with SSL_SESS_CACHE_OFF");
    assert_eq!(resume(cctx, off, s, "a.test"), (1, 1, 0));
    SSL_SESSION_free(s);
    free(&[sctx, vctx, off, cctx]);
}

thread_local! {
    /// Calls of `retry_cert_cb` so far.
    static RETRY_CALLS: std::cell::Cell<c_int> = const { std::cell::Cell::new(0) };
}

/// Asks to be called again twice (-1), then loads the ECDSA certificate.
unsafe extern "C" fn retry_cert_cb(s: *mut SSL, _arg: *mut c_void) -> c_int {
    let n = RETRY_CALLS.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    if n <= 2 {
        return -1;
    }
    // SAFETY: same contract as cert_cb.
    unsafe { cert_cb(s, null_mut()) }
}

#[test]
fn cert_cb_retry_reports_want_x509_lookup_once_per_call() {
    reset();
    RETRY_CALLS.with(|c| c.set(0));
    let sctx = SSL_CTX_new(crate::ssl::method::DTLS_server_method());
    set_servername_cb(sctx, null_mut());
    crate::ssl::own_cert::SSL_CTX_set_cert_cb(sctx, Some(retry_cert_cb), null_mut());
    let cctx = client_ctx(None);
    crate::ssl::info::SSL_CTX_set_msg_callback(cctx, Some(client_msg_cb));
    let p = Pair::new(cctx, sctx);
    set_host(p.client, "plain.test");
    let mut lookups = 0;
    let (mut cr, mut sr) = (-1, -1);
    for _ in 0..100 {
        if cr != 1 {
            cr = crate::ssl::io::SSL_do_handshake(p.client);
        }
        if sr != 1 {
            let calls_before = RETRY_CALLS.with(|c| c.get());
            sr = crate::ssl::io::SSL_do_handshake(p.server);
            let err = crate::ssl::io::SSL_get_error(p.server, sr);
            if err == SSL_ERROR_WANT_X509_LOOKUP {
                lookups += 1;
                assert_eq!(crate::ssl::ssl::SSL_want(p.server), SSL_X509_LOOKUP);
                assert_eq!(
                    RETRY_CALLS.with(|c| c.get()),
                    calls_before + 1,
                    "once per call"
                );
            } else {
                assert!(
                    sr == 1 || err == SSL_ERROR_WANT_READ,
                    "server error {err}: {:?}",
                    take_errors()
                );
            }
        }
        if cr == 1 && sr == 1 {
            break;
        }
    }
    assert_eq!((cr, sr), (1, 1), "{:?}", take_errors());
    assert_eq!(lookups, 2);
    assert_eq!(RETRY_CALLS.with(|c| c.get()), 3);
    // The servername callback ran once, before the first certificate callback call; its
    // acknowledgement survives the pauses.
    let seen = SEEN.with(|v| v.borrow().clone());
    assert_eq!(
        seen.iter().filter(|s| s.0 == "servername").count(),
        1,
        "{seen:?}"
    );
    assert!(server_hello_acked_sni());
    assert!(cipher_of(p.client).starts_with("ECDHE-ECDSA-"));
    drop(p);
    free(&[sctx, cctx]);
}

#[test]
fn set_ssl_ctx_null_returns_to_the_initial_context() {
    crate::error::clear();
    let a = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let b = server_ctx("server-rsa.pem", "server-rsa.key");
    let s = SSL_new(a);
    assert_eq!(SSL_set_SSL_CTX(s, b), b);
    assert_eq!(SSL_get_SSL_CTX(s), b);
    assert_eq!(
        SSL_set_SSL_CTX(s, null_mut()),
        a,
        "NULL: back to the SSL_new context"
    );
    assert_eq!(SSL_get_SSL_CTX(s), a);
    SSL_free(s);
    free(&[a, b]);
}
