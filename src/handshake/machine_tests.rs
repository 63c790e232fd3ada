//! Engine-internal handshake tests over a perfect in-memory link (the lossy, adversarial
//! and interop suites live in tests/).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::{Config, VerifyMode, MTU_FALLBACK_AFTER_TIMEOUTS};
use crate::connection::{ClientOptions, Connection, Event};
use crate::crypto::suites::DEFAULT_SUITES;
use crate::handshake::machine::FALLBACK_MTU;
use crate::pki::keys::SigningKey;
use crate::pki::pem::load_certificates;
use crate::pki::verify::TrustStore;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn server_config(kind: &str, verify: VerifyMode) -> Arc<Config> {
    let chain = load_certificates(&fixture(&format!("server-{kind}.pem"))).unwrap();
    let key = SigningKey::from_pem(&fixture(&format!("server-{kind}.key"))).unwrap();
    let mut trust = TrustStore::new();
    trust.add_pem(&fixture("ca-ecdsa.pem")).unwrap();
    trust.add_pem(&fixture("ca-rsa.pem")).unwrap();
    Config::builder()
        .identity(chain, Arc::new(key))
        .trust_store(Arc::new(trust))
        .verify_mode(verify)
        .rng_seed(1)
        .build()
        .unwrap()
}

fn client_config(with_cert: bool) -> Arc<Config> {
    let mut trust = TrustStore::new();
    trust.add_pem(&fixture("ca-ecdsa.pem")).unwrap();
    trust.add_pem(&fixture("ca-rsa.pem")).unwrap();
    // Most tests connect without a server name: the hostname check is opted out of here
    // and tested on its own below.
    let mut b = Config::builder()
        .trust_store(Arc::new(trust))
        .verify_mode(VerifyMode::Peer)
        .dangerous()
        .disable_hostname_verification()
        .rng_seed(2);
    if with_cert {
        let chain = load_certificates(&fixture("client-ecdsa.pem")).unwrap();
        let key = SigningKey::from_pem(&fixture("client-ecdsa.key")).unwrap();
        b = b.identity(chain, Arc::new(key));
    }
    b.build().unwrap()
}

/// Moves datagrams both ways until both sides are idle; returns steps taken.
fn pump(c: &mut Connection, s: &mut Connection, now: Instant) -> usize {
    let mut buf = Vec::new();
    let mut steps = 0;
    loop {
        let mut moved = false;
        while c.poll_transmit(now, &mut buf).is_some() {
            moved = true;
            let _ = s.handle_datagram(now, &buf);
        }
        while s.poll_transmit(now, &mut buf).is_some() {
            moved = true;
            let _ = c.handle_datagram(now, &buf);
        }
        steps += 1;
        if !moved || steps > 50 {
            return steps;
        }
    }
}

fn handshake(
    server: Arc<Config>,
    client: Arc<Config>,
    opts: ClientOptions,
) -> (Connection, Connection) {
    let now = Instant::now();
    let mut c = Connection::client(client, now, opts).unwrap();
    let mut s = Connection::server(server, now, b"127.0.0.1:1234");
    pump(&mut c, &mut s, now);
    assert!(
        c.is_established(),
        "client: {:?} {} / server {:?} {} {:?}",
        c.error(),
        c.state_name(),
        s.error(),
        s.state_name(),
        s.stats()
    );
    assert!(
        s.is_established(),
        "server: {:?} {}",
        s.error(),
        s.state_name()
    );
    (c, s)
}

#[test]
fn full_handshake_every_suite_and_data_both_ways() {
    for suite in DEFAULT_SUITES {
        let kind = if suite.openssl_name.contains("RSA") {
            "rsa"
        } else {
            "ecdsa"
        };
        // The default now verifies; this test is about suites, not certificates.
        let client = Config::builder()
            .cipher_suites(&[suite])
            .verify_mode(VerifyMode::None)
            .rng_seed(3)
            .build()
            .unwrap();
        let (mut c, mut s) = handshake(
            server_config(kind, VerifyMode::None),
            client,
            ClientOptions::default(),
        );
        assert_eq!(c.cipher_suite().unwrap().id, suite.id);
        assert!(c.extended_master_secret());
        c.send(b"ping").unwrap();
        s.send(b"pong").unwrap();
        pump(&mut c, &mut s, Instant::now());
        let mut buf = [0u8; 16];
        assert_eq!(s.recv(&mut buf), Some(4));
        assert_eq!(&buf[..4], b"ping");
        assert_eq!(c.recv(&mut buf), Some(4));
        assert_eq!(&buf[..4], b"pong");
        // A record of every size class the AEAD code paths distinguish.
        for len in [1usize, 15, 16, 17, 64, 255, 1000, c.data_mtu()] {
            let msg: Vec<u8> = (0..len).map(|i| i as u8).collect();
            c.send(&msg).unwrap();
            pump(&mut c, &mut s, Instant::now());
            let mut got = vec![0u8; 2048];
            assert_eq!(s.recv(&mut got), Some(len));
            assert_eq!(&got[..len], &msg[..]);
        }
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        c.export_keying_material(&mut a, b"EXPERIMENTAL test", None)
            .unwrap();
        s.export_keying_material(&mut b, b"EXPERIMENTAL test", None)
            .unwrap();
        assert_eq!(a, b);
    }
}

#[test]
fn mutual_auth_and_resumption() {
    let server = server_config("ecdsa", VerifyMode::RequirePeerCertificate);
    let (c, s) = handshake(
        server.clone(),
        client_config(true),
        ClientOptions::default(),
    );
    assert_eq!(s.peer_certificates().len(), 1);
    assert_eq!(s.verify_result(), 0);
    assert_eq!(c.verify_result(), 0);
    let session = c.session().unwrap();
    let opts = ClientOptions {
        resume: Some(session),
        ..Default::default()
    };
    let (c2, s2) = handshake(server, client_config(true), opts);
    assert!(c2.session_reused());
    assert!(s2.session_reused());
}

#[test]
fn required_client_cert_missing_fails() {
    let server = server_config("ecdsa", VerifyMode::RequirePeerCertificate);
    let now = Instant::now();
    let mut c = Connection::client(client_config(false), now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(server, now, b"peer");
    pump(&mut c, &mut s, now);
    assert!(!s.is_established());
    assert!(s.error().is_some());
    // The server's alert is plaintext (epoch 0): the client remembers it and, the server
    // staying silent, obeys it when its retransmission timer expired VERDICT_EXPIRIES times
    // without progress (crate::input_policy).
    assert!(
        c.error().is_none(),
        "a plaintext alert is not obeyed at once"
    );
    for _ in 1..crate::input_policy::VERDICT_EXPIRIES {
        let at = c.poll_timeout().expect("client timer armed");
        assert!(c.handle_timeout(at).is_ok(), "obeyed too early");
    }
    let at = c.poll_timeout().expect("client timer armed");
    assert!(c.handle_timeout(at).is_err());
    assert_eq!(
        c.error(),
        Some(&crate::Error::AlertReceived(
            crate::AlertDescription::HANDSHAKE_FAILURE
        )),
        "client names the server's fatal alert"
    );
}

#[test]
fn lost_final_flight_is_retransmitted() {
    let now = Instant::now();
    let mut c = Connection::client(client_config(false), now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(server_config("ecdsa", VerifyMode::None), now, b"peer");
    let mut buf = Vec::new();
    // Run until the server completes, dropping its final flight (CCS + Finished).
    for _ in 0..10 {
        while c.poll_transmit(now, &mut buf).is_some() {
            let _ = s.handle_datagram(now, &buf);
        }
        if s.is_established() {
            while s.poll_transmit(now, &mut buf).is_some() {}
            break;
        }
        while s.poll_transmit(now, &mut buf).is_some() {
            let _ = c.handle_datagram(now, &buf);
        }
    }
    assert!(s.is_established() && !c.is_established());
    let t = c.poll_timeout().unwrap();
    c.handle_timeout(t).unwrap();
    let later = t + Duration::from_millis(1);
    pump(&mut c, &mut s, later);
    assert!(c.is_established());
    assert!(matches!(c.poll_event(), Some(Event::HandshakeComplete)));
}

#[test]
fn last_flight_is_freed_once_the_peer_finished() {
    let now = Instant::now();
    let mut c = Connection::client(client_config(false), now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(server_config("ecdsa", VerifyMode::None), now, b"peer");
    pump(&mut c, &mut s, now);
    assert!(c.is_established() && s.is_established());
    // The client received the final flight: its flight 5 needs no answer any more.
    assert!(
        !c.inner.machine().unwrap().holds_flight(),
        "client keeps flight 5"
    );
    // The server sent the final flight: kept until the client shows it finished.
    assert!(s.inner.machine().unwrap().holds_flight());
    c.send(b"data").unwrap();
    pump(&mut c, &mut s, now);
    assert!(
        !s.inner.machine().unwrap().holds_flight(),
        "server keeps its final flight after client data"
    );
}

#[test]
fn repeated_timeouts_shrink_datagrams_to_fallback_mtu() {
    // RFC 6347 §4.1.1.1: after repeated retransmissions, back off to a smaller record size.
    let chain = load_certificates(&fixture("long-chain.pem")).unwrap();
    let key = SigningKey::from_pem(&fixture("long-chain-leaf.key")).unwrap();
    let server = Config::builder()
        .identity(chain, Arc::new(key))
        .mtu(1400)
        .build()
        .unwrap();
    let now = Instant::now();
    // Certificates do not matter here (the client stops before verifying).
    let client = Config::builder()
        .verify_mode(VerifyMode::None)
        .build()
        .unwrap();
    let mut c = Connection::client(client, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(server, now, b"peer");
    let mut buf = Vec::new();
    // ClientHello -> HelloVerifyRequest -> ClientHello; flight 4 is then captured and lost.
    while c.poll_transmit(now, &mut buf).is_some() {
        s.handle_datagram(now, &buf).unwrap();
    }
    while s.poll_transmit(now, &mut buf).is_some() {
        c.handle_datagram(now, &buf).unwrap();
    }
    while c.poll_transmit(now, &mut buf).is_some() {
        s.handle_datagram(now, &buf).unwrap();
    }
    let mut first = Vec::new();
    while s.poll_transmit(now, &mut buf).is_some() {
        first.push(buf.len()); // flight 4 lost
    }
    assert!(
        first.iter().any(|&n| n > FALLBACK_MTU),
        "flight 4 uses the full MTU: {first:?}"
    );
    let mut t = now;
    let mut sizes = Vec::new();
    for _ in 0..MTU_FALLBACK_AFTER_TIMEOUTS {
        t = s.poll_timeout().unwrap();
        s.handle_timeout(t).unwrap();
        sizes.clear();
        while s.poll_transmit(t, &mut buf).is_some() {
            sizes.push(buf.len());
        }
    }
    assert!(!sizes.is_empty());
    assert!(
        sizes.iter().all(|&n| n <= FALLBACK_MTU),
        "after fallback: {sizes:?}"
    );
    let _ = t;
}

#[test]
fn timer_hook_retimes_the_first_flight() {
    let now = Instant::now();
    let mut c = Connection::client(client_config(false), now, ClientOptions::default()).unwrap();
    assert_eq!(c.poll_timeout(), Some(now + Duration::from_secs(1)));
    let mut calls = Vec::new();
    let (tx, rx) = std::sync::mpsc::channel();
    c.set_timer_hook(Box::new(move |prev| {
        tx.send(prev).unwrap();
        if prev == 0 {
            50_000
        } else {
            prev * 2
        }
    }));
    assert_eq!(c.poll_timeout(), Some(now + Duration::from_millis(50)));
    let t = c.poll_timeout().unwrap();
    c.handle_timeout(t).unwrap();
    assert_eq!(c.poll_timeout(), Some(t + Duration::from_millis(100)));
    calls.extend(rx.try_iter());
    assert_eq!(calls, vec![0, 50_000]);
}

#[test]
fn retransmitted_final_flight_is_not_answered_by_its_receiver() {
    // Full handshake: the server sends the final flight. If the server retransmits it (it
    // saw our flight 5 twice), the completed client must not answer by resending flight 5,
    // or the two sides would retransmit to each other forever.
    let now = Instant::now();
    let mut c = Connection::client(client_config(false), now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(server_config("ecdsa", VerifyMode::None), now, b"peer");
    let mut buf = Vec::new();
    let mut f6 = Vec::new();
    for _ in 0..10 {
        while c.poll_transmit(now, &mut buf).is_some() {
            s.handle_datagram(now, &buf).unwrap();
        }
        while s.poll_transmit(now, &mut buf).is_some() {
            if s.is_established() {
                f6.push(buf.clone()); // flight 6, held back
            } else {
                c.handle_datagram(now, &buf).unwrap();
            }
        }
        if s.is_established() {
            break;
        }
    }
    assert!(s.is_established() && !c.is_established() && !f6.is_empty());
    // The client's timer resends flight 5; the server answers with a fresh copy of flight 6.
    let t = c.poll_timeout().unwrap();
    c.handle_timeout(t).unwrap();
    while c.poll_transmit(t, &mut buf).is_some() {
        s.handle_datagram(t, &buf).unwrap();
    }
    let mut f6_again = Vec::new();
    while s.poll_transmit(t, &mut buf).is_some() {
        f6_again.push(buf.clone());
    }
    assert!(
        !f6_again.is_empty(),
        "the server answers a retransmitted flight 5"
    );
    for d in &f6 {
        c.handle_datagram(t, d).unwrap();
    }
    assert!(c.is_established());
    let later = t + Duration::from_secs(5);
    for d in &f6_again {
        c.handle_datagram(later, d).unwrap();
    }
    assert_eq!(
        c.poll_transmit(later, &mut buf),
        None,
        "the final flight's receiver stays quiet"
    );
    assert_eq!(c.poll_timeout(), None);
}

fn secure_client_config() -> Arc<Config> {
    let mut trust = TrustStore::new();
    trust.add_pem(&fixture("ca-ecdsa.pem")).unwrap();
    Config::builder()
        .trust_store(Arc::new(trust))
        .rng_seed(4)
        .build()
        .unwrap()
}

fn run_to_end(client: Arc<Config>, opts: ClientOptions) -> (Connection, Connection) {
    let server = server_config("ecdsa", VerifyMode::None);
    let now = Instant::now();
    let mut c = Connection::client(client, now, opts).unwrap();
    let mut s = Connection::server(server, now, b"127.0.0.1:1234");
    pump(&mut c, &mut s, now);
    (c, s)
}

/// Issue 7: the default client config checks the chain and the hostname; with no server
/// name and no expected name the client is refused up front (the check is never skipped;
/// a verifier asked to check with no name fails with X509_V_ERR_HOSTNAME_MISMATCH, see
/// pki::verify::tests::hostname_check_without_a_name_fails).
#[test]
fn verify_hostname_without_a_name_fails() {
    let err = Connection::client(
        secure_client_config(),
        Instant::now(),
        ClientOptions::default(),
    )
    .err()
    .expect("a verifying client without a name must be refused");
    assert!(matches!(err, crate::error::Error::Config(_)), "{err:?}");
    // The explicit opt-out works.
    let mut trust = TrustStore::new();
    trust.add_pem(&fixture("ca-ecdsa.pem")).unwrap();
    let opted_out = Config::builder()
        .trust_store(Arc::new(trust))
        .dangerous()
        .disable_hostname_verification()
        .rng_seed(6)
        .build()
        .unwrap();
    let (c, _) = run_to_end(opted_out, ClientOptions::default());
    assert!(c.is_established());
}

/// Issue 7: the expected names are not the SNI name; SNI "localhost" does not make a
/// certificate for localhost acceptable when the expected name is evil.example, and an
/// expected "localhost" works whatever SNI says.
#[test]
fn expected_names_are_separate_from_sni() {
    let opts = ClientOptions {
        server_name: Some("localhost".into()),
        verify_names: vec!["evil.example".into()],
        ..ClientOptions::default()
    };
    let (c, _) = run_to_end(secure_client_config(), opts);
    assert!(!c.is_established());
    assert_eq!(c.verify_result(), crate::pki::X509_V_ERR_HOSTNAME_MISMATCH);

    let opts = ClientOptions {
        server_name: Some("sni.example".into()),
        verify_names: vec!["evil.example".into(), "localhost".into()],
        ..ClientOptions::default()
    };
    let (c, _) = run_to_end(secure_client_config(), opts);
    assert!(c.is_established());
    assert_eq!(c.verify_result(), 0);

    // With no expected names, the SNI name is checked.
    let opts = ClientOptions {
        server_name: Some("localhost".into()),
        ..ClientOptions::default()
    };
    let (c, _) = run_to_end(secure_client_config(), opts);
    assert!(c.is_established());
}

/// Issue 7: VerifyMode::None never refuses a certificate that parses; the verification
/// result is still recorded.
#[test]
fn verify_none_records_but_never_refuses() {
    let client = Config::builder()
        .verify_mode(VerifyMode::None)
        .rng_seed(5)
        .build()
        .unwrap();
    let (c, _) = run_to_end(client, ClientOptions::default());
    assert!(c.is_established());
    assert_eq!(
        c.verify_result(),
        crate::pki::X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    );
}
