//! Server hooks on DTLS 1.3 (issue 13): the stateless front door answers a 1.3 ClientHello
//! with the RFC 9147 §5.1 HelloRetryRequest cookie (the application's cookie inside it),
//! the engine's own cookie exchange calls the application's cookie callbacks, and the
//! session lookup hook no longer keeps a server on 1.2.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use super::{config, handshake, V12, V13};
use crate::common::fixtures::Spec;
use crate::common::link::{Endpoint, LinkConfig, Pair};
use crate::common::ours::{Ours, PEER_ADDR};
use rdtls::cookie::{CookieHooks, CookieListener, ListenOutcome};
use rdtls::{ClientOptions, Connection};

/// The HelloRetryRequest random (RFC 8446 §4.1.3) at its place in a datagram.
const HRR_RANDOM_START: [u8; 4] = [0xcf, 0x21, 0xad, 0x74];

fn is_hrr(d: &[u8]) -> bool {
    d.len() > 31 && d[13] == 2 && d[27..31] == HRR_RANDOM_START
}

fn one(ep: &mut Ours, now: Instant) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(d) = ep.poll_transmit(now) {
        out.push(d);
    }
    assert_eq!(out.len(), 1, "expected exactly one datagram");
    out.remove(0)
}

/// Cookie callbacks that count their calls; `accept` decides verification.
#[derive(Clone, Default)]
struct Counting {
    generated: Arc<AtomicUsize>,
    verified: Arc<AtomicUsize>,
    refuse: bool,
}

impl CookieHooks for Counting {
    fn generate(&mut self) -> Option<Vec<u8>> {
        self.generated.fetch_add(1, Ordering::SeqCst);
        Some(b"app-cookie-0123".to_vec())
    }
    fn verify(&mut self, cookie: &[u8]) -> bool {
        self.verified.fetch_add(1, Ordering::SeqCst);
        !self.refuse && cookie == b"app-cookie-0123"
    }
}

/// ClientHello1 → listener (HRR) → client → ClientHello2 → listener; returns the outcome
/// for ClientHello2 and ClientHello2.
fn listen_round(
    listener: &CookieListener,
    client: &mut Ours,
    now: Instant,
    mut hooks: Option<&mut Counting>,
) -> (ListenOutcome, Vec<u8>) {
    let ch1 = one(client, now);
    let mut out = Vec::new();
    let o = listener.handle(
        now,
        PEER_ADDR,
        &ch1,
        hooks.as_deref_mut().map(|h| h as &mut dyn CookieHooks),
        &mut out,
    );
    assert_eq!(o, ListenOutcome::HelloVerifyRequest);
    assert!(
        is_hrr(&out),
        "a HelloRetryRequest, not a HelloVerifyRequest"
    );
    assert!(
        out.len() <= ch1.len() * rdtls::cookie::MAX_HRR_AMPLIFICATION,
        "bounded amplification"
    );
    client.handle_datagram(now, &out);
    assert!(client.error.is_none(), "client: {:?}", client.error);
    let ch2 = one(client, now);
    let o = listener.handle(
        now,
        PEER_ADDR,
        &ch2,
        hooks.map(|h| h as &mut dyn CookieHooks),
        &mut out,
    );
    (o, ch2)
}

/// A server `Connection` fed the verified ClientHello2 finishes the 1.3 handshake.
fn finish(client: Ours, server: Connection, ch2: &[u8], now: Instant) -> Pair<Ours, Ours> {
    let mut server = Ours::wrap(server, "rdtls server");
    server.handle_datagram(now, ch2);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 31);
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V13));
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    p.exchange(b"over 1.3", b"after the listener").unwrap();
    p
}

#[test]
fn listener_answers_13_with_a_hello_retry_request_cookie() {
    let spec = Spec::default_ecdsa();
    let scfg = config(&spec, true, V12, V13);
    let listener = CookieListener::for_config(&scfg);
    assert!(listener.answers_dtls13());
    for client_min in [V12, V13] {
        let now = Instant::now();
        let ccfg = config(&spec, false, client_min, V13);
        let mut c = Ours::client(ccfg, now, ClientOptions::default());
        let (o, ch2) = listen_round(&listener, &mut c, now, None);
        assert_eq!(o, ListenOutcome::Verified, "client min {client_min:#x}");
        // The same ClientHello2 from another address does not verify.
        let mut out = Vec::new();
        assert_eq!(
            listener.handle(now, b"127.0.0.1:40002", &ch2, None, &mut out),
            ListenOutcome::Drop
        );
        let server = Connection::server(scfg.clone(), now, PEER_ADDR);
        finish(c, server, &ch2, now);
    }
    // A 1.2-only client still gets a HelloVerifyRequest.
    let now = Instant::now();
    let mut c = Ours::client(
        config(&spec, false, V12, V12),
        now,
        ClientOptions::default(),
    );
    let ch1 = one(&mut c, now);
    let mut out = Vec::new();
    assert_eq!(
        listener.handle(now, PEER_ADDR, &ch1, None, &mut out),
        ListenOutcome::HelloVerifyRequest
    );
    assert!(!is_hrr(&out));
    assert_eq!(out[13], 3, "HelloVerifyRequest");
    // A listener for a 1.2-only server answers 1.3 offers with HelloVerifyRequest too.
    assert!(!CookieListener::for_config(&config(&spec, true, V12, V12)).answers_dtls13());
}

#[test]
fn listener_with_application_cookie_hooks_on_13() {
    let spec = Spec::default_ecdsa();
    let scfg = config(&spec, true, V12, V13);
    let listener = CookieListener::for_config(&scfg);
    let now = Instant::now();
    let mut c = Ours::client(
        config(&spec, false, V12, V13),
        now,
        ClientOptions::default(),
    );
    let mut hooks = Counting::default();
    let (o, ch2) = listen_round(&listener, &mut c, now, Some(&mut hooks));
    assert_eq!(o, ListenOutcome::Verified);
    assert_eq!(hooks.generated.load(Ordering::SeqCst), 1);
    assert_eq!(hooks.verified.load(Ordering::SeqCst), 1);
    // The connection checks again with the same callbacks (as DTLSv1_listen then
    // SSL_accept do in 1.2).
    let mut server = Connection::server(scfg.clone(), now, PEER_ADDR);
    server.set_cookie_hooks(Box::new(hooks.clone()));
    finish(c, server, &ch2, now);
    assert_eq!(hooks.generated.load(Ordering::SeqCst), 1);
    assert_eq!(hooks.verified.load(Ordering::SeqCst), 2);

    // The application refusing its cookie: dropped, no state.
    let mut c = Ours::client(
        config(&spec, false, V12, V13),
        now,
        ClientOptions::default(),
    );
    let mut refusing = Counting {
        refuse: true,
        ..Counting::default()
    };
    let (o, ch2) = listen_round(&listener, &mut c, now, Some(&mut refusing));
    assert_eq!(o, ListenOutcome::Drop);
    assert_eq!(refusing.verified.load(Ordering::SeqCst), 1);
    // Without the callbacks, a cookie carrying an application part is not ours to judge.
    let mut out = Vec::new();
    assert_eq!(
        listener.handle(now, PEER_ADDR, &ch2, None, &mut out),
        ListenOutcome::Drop
    );
}

/// The engine's own cookie exchange (cookie_exchange on, no listener) with the
/// application's callbacks: 1.3 negotiated, the application's cookie generated once and
/// verified once, as in 1.2.
#[test]
fn engine_cookie_exchange_with_application_hooks_on_13() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let hooks = Counting::default();
    let c = Ours::client(
        config(&spec, false, V12, V13),
        now,
        ClientOptions::default(),
    );
    let mut s = Connection::server(config(&spec, true, V12, V13), now, PEER_ADDR);
    s.set_cookie_hooks(Box::new(hooks.clone()));
    let s = Ours::wrap(s, "rdtls server");
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 32);
    handshake(&mut p);
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    assert_eq!(hooks.generated.load(Ordering::SeqCst), 1);
    assert_eq!(hooks.verified.load(Ordering::SeqCst), 1);

    // A refusing verify callback fails ClientHello2 (illegal_parameter), never 1.2.
    let refusing = Counting {
        refuse: true,
        ..Counting::default()
    };
    let c = Ours::client(
        config(&spec, false, V12, V13),
        now,
        ClientOptions::default(),
    );
    let mut s = Connection::server(config(&spec, true, V12, V13), now, PEER_ADDR);
    s.set_cookie_hooks(Box::new(refusing.clone()));
    let s = Ours::wrap(s, "rdtls server");
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 33);
    assert!(p
        .handshake(200, std::time::Duration::from_secs(60))
        .is_err());
    assert!(refusing.verified.load(Ordering::SeqCst) >= 1);
    assert_ne!(p.server.conn.protocol_version(), Some(V12));
}

/// SSL_CTX_sess_set_get_cb's engine hook is for session-ID resumption, which 1.3 does not
/// have: it no longer keeps a server on 1.2, and a 1.3 server never calls it.
#[test]
fn session_lookup_hook_does_not_block_13() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let calls = Arc::new(AtomicUsize::new(0));
    let c = Ours::client(
        config(&spec, false, V12, V13),
        now,
        ClientOptions::default(),
    );
    let mut s = Connection::server(config(&spec, true, V12, V13), now, PEER_ADDR);
    let n = calls.clone();
    s.set_session_lookup_hook(Box::new(move |_id: &[u8]| {
        n.fetch_add(1, Ordering::SeqCst);
        None
    }));
    let s = Ours::wrap(s, "rdtls server");
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 34);
    handshake(&mut p);
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    // Set on an established 1.3 server: harmless (nothing to look up).
    p.server
        .conn
        .set_session_lookup_hook(Box::new(|_id: &[u8]| None));
    assert!(p.server.conn.error().is_none());
    let _ = V12;
}

/// SSL_CTX_set_alpn_select_cb's engine hook on a 1.3 server: it gets the client's list in
/// wire form and its answer goes into EncryptedExtensions; a fatal answer fails the
/// handshake with no_application_protocol (RFC 7301 §3.2), as in 1.2.
#[test]
fn alpn_select_hook_on_13() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let ccfg = crate::common::ours::our_builder(&spec, false)
        .versions(V12, V13)
        .unwrap()
        .alpn_protocols(&[b"h2".to_vec(), b"coap".to_vec()])
        .build()
        .unwrap();
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let c = Ours::client(ccfg.clone(), now, ClientOptions::default());
    let mut s = Connection::server(config(&spec, true, V12, V13), now, PEER_ADDR);
    let log = seen.clone();
    s.set_alpn_select_hook(Box::new(move |wire: &[u8]| {
        log.lock().unwrap().push(wire.to_vec());
        rdtls::alpn::AlpnSelection::Selected(b"coap".to_vec())
    }));
    let mut p = Pair::new_at(
        now,
        c,
        Ours::wrap(s, "rdtls server"),
        LinkConfig::PERFECT,
        35,
    );
    handshake(&mut p);
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    assert_eq!(*seen.lock().unwrap(), vec![b"\x02h2\x04coap".to_vec()]);
    assert_eq!(p.client.conn.alpn_protocol(), Some(&b"coap"[..]));
    assert_eq!(p.server.conn.alpn_protocol(), Some(&b"coap"[..]));
    assert_eq!(*seen.lock().unwrap(), vec![b"\x02h2\x04coap".to_vec()]);

    // NoAck: no ALPN; Fatal: no_application_protocol.
    for (sel, ok) in [
        (rdtls::alpn::AlpnSelection::NoAck, true),
        (rdtls::alpn::AlpnSelection::Fatal, false),
    ] {
        let c = Ours::client(ccfg.clone(), now, ClientOptions::default());
        let mut s = Connection::server(config(&spec, true, V12, V13), now, PEER_ADDR);
        let sel = std::sync::Mutex::new(Some(sel));
        s.set_alpn_select_hook(Box::new(move |_: &[u8]| {
            sel.lock()
                .unwrap()
                .take()
                .unwrap_or(rdtls::alpn::AlpnSelection::Fatal)
        }));
        let mut p = Pair::new_at(
            now,
            c,
            Ours::wrap(s, "rdtls server"),
            LinkConfig::PERFECT,
            36,
        );
        let r = p.handshake(2000, std::time::Duration::from_secs(60));
        assert_eq!(r.is_ok(), ok, "{r:?}");
        if ok {
            assert_eq!(p.server.conn.protocol_version(), Some(V13));
            assert_eq!(p.client.conn.alpn_protocol(), None);
        } else {
            let e = p
                .server
                .conn
                .error()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains("ALPN"), "{e}");
            assert_ne!(p.server.conn.protocol_version(), Some(V12));
        }
    }
}

/// Key log lines on 1.3 (SSL_CTX_set_keylog_callback): both roles report the five NSS
/// format secrets of RFC 8446 §7.1 under the client random, and both report the same.
#[test]
fn keylog_lines_on_13_both_roles() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let cfg = |server: bool| {
        crate::common::ours::our_builder(&spec, server)
            .versions(V12, V13)
            .unwrap()
            .keylog(true)
            .build()
            .unwrap()
    };
    let c = Ours::client(cfg(false), now, ClientOptions::default());
    let s = Ours::server(cfg(true), now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 37);
    handshake(&mut p);
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    let lines = |o: &Ours| {
        let mut v: Vec<String> = o
            .events
            .iter()
            .filter_map(|e| match e {
                rdtls::Event::KeyLog(l) => Some(l.clone()),
                _ => None,
            })
            .collect();
        v.sort();
        v
    };
    let (cl, sl) = (lines(&p.client), lines(&p.server));
    assert_eq!(cl, sl, "both ends log the same secrets");
    let labels: Vec<&str> = cl.iter().map(|l| l.split(' ').next().unwrap()).collect();
    assert_eq!(
        labels,
        [
            "CLIENT_HANDSHAKE_TRAFFIC_SECRET",
            "CLIENT_TRAFFIC_SECRET_0",
            "EXPORTER_SECRET",
            "SERVER_HANDSHAKE_TRAFFIC_SECRET",
            "SERVER_TRAFFIC_SECRET_0",
        ]
    );
    let (client_random, _) = p.client.conn.randoms().expect("randoms");
    let hex: String = client_random.iter().map(|b| format!("{b:02x}")).collect();
    for l in &cl {
        let f: Vec<&str> = l.split(' ').collect();
        assert_eq!(f.len(), 3, "{l}");
        assert_eq!(f[1], hex, "{l}");
        assert_eq!(f[2].len(), 64, "SHA-256 secret: {l}");
    }
}

/// A server's CA list goes into the 1.3 CertificateRequest as `certificate_authorities`
/// (RFC 8446 §4.2.4) instead of keeping the server on 1.2.
#[test]
fn certificate_authorities_in_13_certificate_request() {
    let spec = Spec {
        mutual: true,
        ..Spec::default_ecdsa()
    };
    let now = Instant::now();
    let dn = b"\x30\x0d\x31\x0b\x30\x09\x06\x03\x55\x04\x03\x0c\x02CA".to_vec();
    let scfg = crate::common::ours::our_builder(&spec, true)
        .versions(V12, V13)
        .unwrap()
        .certificate_authorities(std::slice::from_ref(&dn))
        .message_events(true)
        .build()
        .unwrap();
    let c = Ours::client(
        config(&spec, false, V12, V13),
        now,
        ClientOptions::default(),
    );
    let mut p = Pair::new_at(now, c, Ours::server(scfg, now), LinkConfig::PERFECT, 38);
    handshake(&mut p);
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    assert_eq!(p.server.conn.verify_result(), 0, "client chain verified");
    let cr = p
        .server
        .events
        .iter()
        .find_map(|e| match e {
            rdtls::Event::HandshakeMessage {
                sent: true,
                msg_type,
                bytes,
            } if msg_type.0 == 13 => Some(bytes.clone()),
            _ => None,
        })
        .expect("CertificateRequest sent");
    // extension 47, length, list length, DN length, DN.
    let mut want = vec![0, 47];
    want.extend_from_slice(&((dn.len() + 4) as u16).to_be_bytes());
    want.extend_from_slice(&((dn.len() + 2) as u16).to_be_bytes());
    want.extend_from_slice(&(dn.len() as u16).to_be_bytes());
    want.extend_from_slice(&dn);
    assert!(
        cr.windows(want.len()).any(|w| w == want.as_slice()),
        "certificate_authorities not in {cr:02x?}"
    );
}

/// A minimal ClientHello datagram offering 1.3 with no key share (a group HRR).
fn small_hello() -> Vec<u8> {
    use rdtls::dtls13::extensions::{encode_u16_list, encode_versions_client, ext_type};
    let mut sv = Vec::new();
    encode_versions_client(&mut sv, &[V13]);
    let mut groups = Vec::new();
    encode_u16_list(&mut groups, &[0x1d]);
    let mut body = Vec::new();
    rdtls::dtls13::hello::ClientHello::new(
        [5; 32],
        vec![0x1301],
        vec![
            (ext_type::SUPPORTED_VERSIONS, sv),
            (ext_type::SUPPORTED_GROUPS, groups),
            (ext_type::KEY_SHARE, vec![0, 0]),
        ],
    )
    .encode(&mut body);
    let mut d = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0];
    d.extend_from_slice(&((body.len() + 12) as u16).to_be_bytes());
    d.push(1);
    d.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    d.extend_from_slice(&[0, 0, 0, 0, 0]);
    d.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    d.extend_from_slice(&body);
    d
}

struct AppCookie(usize);

impl CookieHooks for AppCookie {
    fn generate(&mut self) -> Option<Vec<u8>> {
        Some(vec![7; self.0])
    }
    fn verify(&mut self, _: &[u8]) -> bool {
        true
    }
}

/// The listener's HelloRetryRequest is held to MAX_HRR_AMPLIFICATION times the ClientHello
/// datagram: with a small hello, a 16-byte application cookie is answered (larger than the
/// hello), a 255-byte one is dropped.
#[test]
fn listener_hrr_amplification_bound() {
    use rdtls::cookie::MAX_HRR_AMPLIFICATION;
    let spec = Spec::default_ecdsa();
    let l = CookieListener::for_config(&config(&spec, true, V12, V13));
    let ch = small_hello();
    let now = Instant::now();
    let mut out = Vec::new();
    assert_eq!(
        l.handle(now, PEER_ADDR, &ch, Some(&mut AppCookie(16)), &mut out),
        ListenOutcome::HelloVerifyRequest
    );
    assert!(is_hrr(&out));
    assert!(out.len() > ch.len(), "this HRR is larger than the hello");
    assert!(out.len() <= ch.len() * MAX_HRR_AMPLIFICATION);
    assert_eq!(
        l.handle(now, PEER_ADDR, &ch, Some(&mut AppCookie(255)), &mut out),
        ListenOutcome::Drop
    );
    assert!(out.is_empty());
}
