//! Version negotiation through `Connection` (issue 13; RFC 8446 §4.1.3, §4.2.1; RFC 9147
//! §5.3): ours↔ours with every combination of min/max versions, the one merged ClientHello
//! answered by HelloVerifyRequest (1.2) or HelloRetryRequest (1.3), the downgrade sentinel,
//! a 1.3-only server refusing a 1.2 client, loss and a small MTU. Virtual time, seeded.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixtures::Spec;
use common::link::{Dir, Endpoint, LinkConfig, Pair};
use common::ours::{our_builder, Ours};
use common::wire::parse_records;
use rdtls::{AlertDescription, ClientOptions, Config, SendError, DTLS1_2_VERSION, DTLS1_3_VERSION};

const V12: u16 = DTLS1_2_VERSION;
const V13: u16 = DTLS1_3_VERSION;
const SENTINEL: [u8; 8] = *b"DOWNGRD\x01";

fn config(spec: &Spec, server: bool, min: u16, max: u16) -> Arc<Config> {
    our_builder(spec, server)
        .versions(min, max)
        .expect("version range")
        .build()
        .expect("config")
}

fn pair_spec(
    spec: &Spec,
    client: (u16, u16),
    server: (u16, u16),
    link: LinkConfig,
    seed: u64,
) -> Pair<Ours, Ours> {
    let now = Instant::now();
    let c = Ours::client(
        config(spec, false, client.0, client.1),
        now,
        ClientOptions::default(),
    );
    let s = Ours::server(config(spec, true, server.0, server.1), now);
    Pair::new_at(now, c, s, link, seed)
}

fn pair(client: (u16, u16), server: (u16, u16)) -> Pair<Ours, Ours> {
    pair_spec(
        &Spec::default_ecdsa(),
        client,
        server,
        LinkConfig::PERFECT,
        1,
    )
}

fn handshake(p: &mut Pair<Ours, Ours>) {
    p.handshake(10_000, Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("{e}"));
}

/// The handshake message types at the start of each datagram sent in `dir` (epoch 0).
fn first_hs_types(p: &Pair<Ours, Ours>, dir: Dir) -> Vec<u8> {
    p.bytes(dir)
        .iter()
        .filter_map(|d| {
            let recs = parse_records(d).ok()?;
            let r = recs.first()?;
            (r.ctype == 22 && r.epoch == 0).then(|| r.body.first().copied())?
        })
        .collect()
}

#[test]
fn both_13_negotiate_13_with_data_key_update_and_close() {
    let mut p = pair((V12, V13), (V12, V13));
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V13));
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    assert!(p.client.conn.cipher_suite().is_none());
    let suite = p.client.conn.tls13_suite().expect("1.3 suite");
    assert_eq!(suite.name(), "TLS_AES_128_GCM_SHA256");
    assert_eq!(p.server.conn.tls13_suite(), Some(suite));
    assert_eq!(
        p.client.conn.group(),
        Some(rdtls::enums::NamedGroup::X25519)
    );
    assert_eq!(p.server.conn.group(), p.client.conn.group());
    assert!(p.client.conn.randoms().is_some());
    assert_eq!(p.client.conn.randoms(), p.server.conn.randoms());
    // Our server's stateless HRR cookie (RFC 9147 §5.1) answered the merged hello.
    let hrr_random_start = [0xcf, 0x21, 0xad, 0x74];
    let s1 = p.bytes(Dir::ToClient)[0].to_vec();
    assert_eq!(
        &s1[13..14],
        &[2],
        "first server message is a ServerHello (HRR)"
    );
    assert_eq!(&s1[27..31], &hrr_random_start, "HelloRetryRequest random");
    assert_eq!(p.client.conn.verify_result(), 0, "server chain verified");
    assert_eq!(
        p.server.conn.verify_result(),
        1,
        "no client chain: not X509_V_OK"
    );
    p.exchange(b"ping 1.3", b"pong 1.3").unwrap();

    // KeyUpdate both ways (RFC 9147 §8), data after each.
    let now = p.now;
    assert_eq!(p.client.conn.pending_key_update(), None);
    p.client
        .conn
        .key_update(now, true)
        .expect("client key update");
    assert_eq!(p.client.conn.pending_key_update(), Some(true));
    p.run_until(1000, Duration::from_secs(60), |p| {
        p.client.conn.pending_key_update().is_none()
    })
    .unwrap();
    p.exchange(b"after client update", b"reply").unwrap();
    p.run_until(1000, Duration::from_secs(60), |p| p.next_event().is_none())
        .ok();
    let now = p.now;
    p.server
        .conn
        .key_update(now, false)
        .expect("server key update");
    assert_eq!(p.server.conn.pending_key_update(), Some(false));
    p.exchange(b"after server update", b"reply 2").unwrap();
    assert_eq!(p.server.conn.pending_key_update(), None);

    p.client.conn.close();
    p.run_until(1000, Duration::from_secs(60), |p| {
        p.server.conn.close_received()
    })
    .unwrap();
    assert!(p.client.conn.close_sent());
    assert!(p.server.events.contains(&rdtls::Event::PeerClosed));
}

#[test]
fn key_update_refused_on_12_and_before_handshake() {
    let mut p = pair((V12, V13), (V12, V12));
    let now = p.now;
    assert_eq!(
        p.client.conn.key_update(now, false),
        Err(SendError::NotEstablished)
    );
    handshake(&mut p);
    let now = p.now;
    assert_eq!(
        p.client.conn.key_update(now, false),
        Err(SendError::WrongVersion)
    );
    assert_eq!(p.client.conn.pending_key_update(), None);
}

#[test]
fn client_13_server_12_falls_back_after_hello_verify_request() {
    let mut p = pair((V12, V13), (V12, V12));
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V12));
    assert_eq!(p.server.conn.protocol_version(), Some(V12));
    // The 1.2 server (cookies on) answered the merged hello with a HelloVerifyRequest.
    assert_eq!(first_hs_types(&p, Dir::ToClient).first(), Some(&3));
    // Both ClientHellos were the merged one (offering 1.3).
    let hellos: Vec<Vec<u8>> = p
        .bytes(Dir::ToServer)
        .iter()
        .filter(|d| d.len() > 25 && d[0] == 22 && d[13] == 1)
        .map(|d| d.to_vec())
        .collect();
    assert!(hellos.len() >= 2);
    for h in &hellos {
        assert!(
            h.windows(4).any(|w| w == [0x02, 0xfe, 0xfc, 0xfe])
                || h.windows(2).any(|w| w == [0xfe, 0xfc]),
            "merged hello offers DTLS 1.3"
        );
    }
    let (_, sr) = p.client.conn.randoms().expect("randoms");
    assert_ne!(sr[24..], SENTINEL, "a 1.2-only server sets no sentinel");
    p.exchange(b"ping 1.2", b"pong 1.2").unwrap();
}

#[test]
fn client_12_server_13_gets_12_with_sentinel() {
    let mut p = pair((V12, V12), (V12, V13));
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V12));
    assert_eq!(p.server.conn.protocol_version(), Some(V12));
    let (_, sr) = p.client.conn.randoms().expect("randoms");
    assert_eq!(sr[24..], SENTINEL, "RFC 8446 §4.1.3 sentinel");
    p.exchange(b"a", b"b").unwrap();
}

#[test]
fn client_13_rejects_forged_sentinel() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let c = Ours::client(
        config(&spec, false, V12, V13),
        now,
        ClientOptions::default(),
    );
    let s_cfg = our_builder(&spec, true)
        .cookie_exchange(false)
        .build()
        .unwrap();
    let s = Ours::server(s_cfg, now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 3);
    let hello = p.take(Dir::ToServer);
    p.deliver(Dir::ToServer, &hello);
    let mut flight = p.take(Dir::ToClient);
    let sh = &mut flight[0];
    assert_eq!((sh[0], sh[13]), (22, 2), "ServerHello first");
    // Record header 13, handshake header 12, server_version 2: the random is at 27..59.
    sh[51..59].copy_from_slice(&SENTINEL);
    p.deliver(Dir::ToClient, &flight);
    assert!(p.client.error.is_some(), "client must abort");
    p.client
        .assert_alert_sent(AlertDescription::ILLEGAL_PARAMETER);
    assert!(!p.client.conn.is_established());
}

#[test]
fn server_13_only_refuses_12_client() {
    let mut p = pair((V12, V12), (V13, V13));
    let r = p.handshake(2_000, Duration::from_secs(60));
    assert!(r.is_err());
    p.server
        .assert_alert_sent(AlertDescription::PROTOCOL_VERSION);
    // The alert is on its way: let it arrive.
    for _ in 0..10 {
        p.step();
    }
    assert!(p
        .client
        .alerts_received()
        .iter()
        .any(|(_, d)| *d == AlertDescription::PROTOCOL_VERSION));
}

#[test]
fn only_13_both_sides() {
    let mut p = pair((V13, V13), (V13, V13));
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V13));
    p.exchange(b"x", b"y").unwrap();
}

#[test]
fn client_13_only_vs_server_12_fails() {
    let mut p = pair((V13, V13), (V12, V12));
    assert!(p.handshake(2_000, Duration::from_secs(60)).is_err());
    assert!(!p.client.conn.is_established());
}

fn lossy(loss: f64, seeds: std::ops::Range<u64>, client: (u16, u16), server: (u16, u16)) {
    for seed in seeds {
        let mut p = pair_spec(
            &Spec::default_ecdsa(),
            client,
            server,
            LinkConfig::lossy(loss),
            seed,
        );
        p.handshake(50_000, Duration::from_secs(3600))
            .unwrap_or_else(|e| panic!("loss {loss} seed {seed}: {e}"));
        let want = if server.1 == V13 && client.1 == V13 {
            V13
        } else {
            V12
        };
        assert_eq!(p.client.conn.protocol_version(), Some(want));
        assert_eq!(p.server.conn.protocol_version(), Some(want));
        // Application data is not retransmitted: whatever arrives arrives intact, once.
        let sent: Vec<Vec<u8>> = (0..10)
            .map(|i| format!("message {i}").into_bytes())
            .collect();
        for m in &sent {
            p.send(Dir::ToServer, m).unwrap();
            p.send(Dir::ToClient, m).unwrap();
        }
        for _ in 0..400 {
            if !p.step() {
                break;
            }
        }
        for got in [p.server.take_received(), p.client.take_received()] {
            let mut seen = std::collections::HashSet::new();
            for g in got {
                assert!(sent.contains(&g), "seed {seed}: garbage {g:?}");
                assert!(seen.insert(g), "seed {seed}: delivered twice");
            }
        }
        p.link = LinkConfig::PERFECT;
        p.exchange(b"clean", b"link").unwrap();
    }
}

#[test]
fn lossy_link_10_percent() {
    lossy(0.10, 0..8, (V12, V13), (V12, V13));
    lossy(0.10, 8..12, (V12, V13), (V12, V12));
    lossy(0.10, 12..16, (V12, V12), (V12, V13));
}

#[test]
fn lossy_link_30_percent() {
    lossy(0.30, 100..106, (V12, V13), (V12, V13));
    lossy(0.30, 106..110, (V12, V13), (V12, V12));
}

#[test]
fn mtu_300_fragmented() {
    let mut spec = Spec::default_ecdsa();
    spec.mtu = 300;
    let link = LinkConfig {
        mtu: Some(300),
        ..LinkConfig::PERFECT
    };
    for (client, server, want) in [
        ((V12, V13), (V12, V13), V13),
        ((V12, V13), (V12, V12), V12),
        ((V12, V12), (V12, V13), V12),
    ] {
        // A long ALPN list makes the merged hello larger than one datagram, so a
        // 1.3-capable server must reassemble it before choosing the version.
        let names: Vec<Vec<u8>> = (0..8)
            .map(|i| format!("protocol-name-{i:02}").into_bytes())
            .collect();
        let now = Instant::now();
        let ccfg = our_builder(&spec, false)
            .versions(client.0, client.1)
            .unwrap()
            .alpn_protocols(&names)
            .build()
            .unwrap();
        let c = Ours::client(ccfg, now, ClientOptions::default());
        let s = Ours::server(config(&spec, true, server.0, server.1), now);
        let mut p = Pair::new_at(now, c, s, link, 7);
        handshake(&mut p);
        if client.1 == V13 {
            // The merged hello does not fit one datagram: the server saw it fragmented.
            let hello_frags = p
                .bytes(Dir::ToServer)
                .iter()
                .filter(|d| d[0] == 22 && d[13] == 1 && d[22..25] != d[14..17])
                .count();
            let sizes: Vec<usize> = p.bytes(Dir::ToServer).iter().map(|d| d.len()).collect();
            assert!(
                hello_frags >= 2,
                "ClientHello fragmented at MTU 300: {sizes:?}"
            );
        }
        assert_eq!(p.client.conn.protocol_version(), Some(want));
        assert!(p.bytes(Dir::ToServer).iter().all(|d| d.len() <= 300));
        assert!(p.bytes(Dir::ToClient).iter().all(|d| d.len() <= 300));
        p.exchange(b"small mtu", b"ok").unwrap();
    }
}

#[test]
fn bad_version_ranges_refused() {
    assert!(Config::builder().versions(V13, V12).is_err());
    assert!(Config::builder().versions(0x0303, V13).is_err());
    assert!(Config::builder().versions(V12, V13).is_ok());
}

#[test]
fn ticket_resumption_through_session() {
    let spec = Spec::default_ecdsa();
    let ccfg = config(&spec, false, V12, V13);
    let scfg = config(&spec, true, V12, V13);
    let now = Instant::now();
    let c = Ours::client(ccfg.clone(), now, ClientOptions::default());
    let s = Ours::server(scfg.clone(), now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 11);
    handshake(&mut p);
    p.run_until(1000, Duration::from_secs(60), |p| {
        p.client.events.contains(&rdtls::Event::NewSessionTicket)
    })
    .unwrap();
    assert!(!p.client.conn.session_reused());
    let session = p.client.conn.session().expect("session with a ticket");
    assert!(session.tls13_ticket.is_some());
    assert_eq!(session.suite, 0x1301);
    assert!(!session.peer_certificates.is_empty());

    let now = p.now;
    let opts = ClientOptions {
        resume: Some(session),
        ..ClientOptions::default()
    };
    let c2 = Ours::client(ccfg, now, opts);
    let s2 = Ours::server(scfg, now);
    let mut p2 = Pair::new_at(now, c2, s2, LinkConfig::PERFECT, 12);
    handshake(&mut p2);
    assert_eq!(p2.client.conn.protocol_version(), Some(V13));
    assert!(
        p2.client.conn.session_reused(),
        "PSK resumption (RFC 8446 §2.2)"
    );
    assert!(p2.server.conn.session_reused());
    assert!(!p2.client.conn.peer_certificates().is_empty());
    assert_eq!(p2.client.conn.verify_result(), 0);
    p2.exchange(b"resumed", b"yes").unwrap();
}

#[test]
fn message_and_ack_events_on_13() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let ccfg = our_builder(&spec, false)
        .versions(V12, V13)
        .unwrap()
        .message_events(true)
        .build()
        .unwrap();
    let scfg = our_builder(&spec, true)
        .versions(V12, V13)
        .unwrap()
        .message_events(true)
        .build()
        .unwrap();
    let c = Ours::client(ccfg, now, ClientOptions::default());
    let s = Ours::server(scfg, now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 13);
    handshake(&mut p);
    p.run_until(1000, Duration::from_secs(60), |p| p.next_event().is_none())
        .ok();
    let msgs = |o: &Ours, sent: bool| -> Vec<u8> {
        o.events
            .iter()
            .filter_map(|e| match e {
                rdtls::Event::HandshakeMessage {
                    sent: s,
                    msg_type,
                    bytes,
                } if *s == sent => {
                    assert_eq!(bytes[0], msg_type.0);
                    assert_eq!(
                        bytes.len(),
                        12 + (u32::from_be_bytes([0, bytes[1], bytes[2], bytes[3]]) as usize)
                    );
                    Some(msg_type.0)
                }
                _ => None,
            })
            .collect()
    };
    // ClientHello, (HRR) ClientHello2, Finished.
    assert_eq!(msgs(&p.client, true), vec![1, 1, 20]);
    // HRR, ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished.
    assert_eq!(msgs(&p.client, false)[..6], [2, 2, 8, 11, 15, 20]);
    assert_eq!(msgs(&p.server, false), vec![1, 1, 20]);
    let acks = |o: &Ours, sent: bool| {
        o.events
            .iter()
            .filter(|e| matches!(e, rdtls::Event::Ack { sent: s, records } if *s == sent && !records.is_empty()))
            .count()
    };
    assert!(
        acks(&p.server, true) >= 1,
        "server ACKs the client's Finished"
    );
    assert!(acks(&p.client, false) >= 1);
}

#[test]
fn unsupported_feature_keeps_12_or_fails_with_min_13() {
    let spec = Spec::default_ecdsa();
    let psk: Arc<dyn rdtls::psk::PskProvider> = Arc::new(rdtls::psk::StaticPsk {
        identity: b"id".to_vec(),
        key: zeroize::Zeroizing::new(vec![7; 16]),
    });
    let cfg = our_builder(&spec, false)
        .versions(V12, V13)
        .unwrap()
        .psk(psk.clone())
        .build()
        .unwrap();
    let now = Instant::now();
    let c = Ours::client(cfg, now, ClientOptions::default());
    let s = Ours::server(config(&spec, true, V12, V13), now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 14);
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V12));
    let only13 = our_builder(&spec, false)
        .versions(V13, V13)
        .unwrap()
        .psk(psk)
        .build()
        .unwrap();
    match rdtls::Connection::client(only13, now, ClientOptions::default()) {
        Err(rdtls::Error::Config(why)) => assert!(why.contains("PSK"), "{why}"),
        other => panic!("expected Error::Config, got {:?}", other.err()),
    }
}

/// Our 1.3-capable client against OpenSSL 3.0's DTLS 1.2 server (cookie exchange on): it
/// falls back to 1.2, completes, and resumes the 1.2 session through a merged hello.
#[test]
fn dual_client_with_openssl_12_server() {
    use common::ossl::{ossl_context, OsslPeer};
    let spec = Spec::default_ecdsa();
    let ccfg = config(&spec, false, V12, V13);
    let sctx = ossl_context(&spec, true).expect("OpenSSL server context");
    let start = Instant::now();
    let client = Ours::client(ccfg.clone(), start, ClientOptions::default());
    let server = OsslPeer::new(&sctx, true, spec.mtu, None).expect("OpenSSL server");
    let mut p = Pair::new(client, server, LinkConfig::PERFECT, 21);
    p.handshake(2_000, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.client.conn.protocol_version(), Some(V12));
    assert_eq!(p.client.conn.verify_result(), 0);
    p.exchange(b"hello openssl", b"hello rdtls").unwrap();
    let session = p.client.conn.session().expect("1.2 session");
    assert!(session.tls13_ticket.is_none());

    let opts = ClientOptions {
        resume: Some(session),
        ..ClientOptions::default()
    };
    let client = Ours::client(ccfg, Instant::now(), opts);
    let server = OsslPeer::new(&sctx, true, spec.mtu, None).expect("OpenSSL server");
    let mut p = Pair::new(client, server, LinkConfig::PERFECT, 22);
    p.handshake(2_000, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("resumption: {e}"));
    assert_eq!(p.client.conn.protocol_version(), Some(V12));
    assert!(
        p.client.conn.session_reused(),
        "1.2 session resumed after a merged hello"
    );
    p.exchange(b"again", b"yes").unwrap();
}

/// A per-connection verifier (what the C API's verify callback goes through) also decides
/// a 1.3 handshake, and a dual client's fallback to 1.2.
#[test]
fn set_verifier_reaches_13_and_the_fallback() {
    use rdtls::pki::verifier::{CertVerifier, Verdict, VerifyInput};
    struct Refuse(std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl CertVerifier for Refuse {
        fn verify(&self, _input: &VerifyInput<'_>) -> Verdict {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Verdict {
                accept: false,
                code: 50,
                depth: 0,
                reason: "refused by the test".into(),
            }
        }
    }
    for server_max in [V13, V12] {
        let mut p = pair((V12, V13), (V12, server_max));
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        p.client.conn.set_verifier(Box::new(Refuse(calls.clone())));
        assert!(p.handshake(2_000, Duration::from_secs(60)).is_err());
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(!p.client.conn.is_established());
        assert_eq!(p.client.conn.verify_result(), 50, "the verifier's code");
        assert!(p
            .client
            .alerts_sent()
            .iter()
            .any(|(l, _)| *l == rdtls::AlertLevel::Fatal));
    }
}

/// A setting our 1.3 path lacks, given to a dual client before its hello went out, makes
/// it offer 1.2 only; given to a 1.3 server, it fails the connection (never ignored).
#[test]
fn late_unsupported_settings() {
    let mut p = pair((V12, V13), (V12, V13));
    let psk: Arc<dyn rdtls::psk::PskProvider> = Arc::new(rdtls::psk::StaticPsk {
        identity: b"id".to_vec(),
        key: zeroize::Zeroizing::new(vec![7; 16]),
    });
    p.client.conn.set_psk_provider(psk);
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V12));
    assert_eq!(p.server.conn.protocol_version(), Some(V12));

    let mut p = pair((V12, V13), (V12, V13));
    handshake(&mut p);
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    p.server
        .conn
        .set_alpn_select_hook(Box::new(|_offered: &[u8]| {
            rdtls::alpn::AlpnSelection::NoAck
        }));
    match p.server.conn.error() {
        Some(rdtls::Error::Config(why)) => assert!(why.contains("ALPN"), "{why}"),
        other => panic!("expected a Config error, got {other:?}"),
    }
    // A server-only hook on a client changes nothing, as in 1.2.
    p.client
        .conn
        .set_alpn_select_hook(Box::new(|_offered: &[u8]| {
            rdtls::alpn::AlpnSelection::NoAck
        }));
    assert!(p.client.conn.error().is_none());
}

/// After a fallback to 1.2, the message events report the merged hello once per send.
#[test]
fn message_events_across_fallback() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let ccfg = our_builder(&spec, false)
        .versions(V12, V13)
        .unwrap()
        .message_events(true)
        .build()
        .unwrap();
    let c = Ours::client(ccfg, now, ClientOptions::default());
    let s = Ours::server(config(&spec, true, V12, V12), now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 15);
    handshake(&mut p);
    let sent: Vec<u8> = p
        .client
        .events
        .iter()
        .filter_map(|e| match e {
            rdtls::Event::HandshakeMessage {
                sent: true,
                msg_type,
                ..
            } => Some(msg_type.0),
            _ => None,
        })
        .collect();
    // ClientHello, ClientHello with the HelloVerifyRequest cookie, ClientKeyExchange,
    // Finished.
    assert_eq!(sent, vec![1, 1, 16, 20]);
}

/// The timer hook (OpenSSL's `DTLS_set_timer_cb`) drives 1.3 retransmissions too: a lost
/// first flight is resent after the hook's timeout, which gets the expired one back.
#[test]
fn timer_hook_on_13() {
    use std::sync::{Arc as StdArc, Mutex};
    let mut p = pair((V12, V13), (V12, V13));
    let calls: StdArc<Mutex<Vec<u32>>> = StdArc::new(Mutex::new(Vec::new()));
    let log = calls.clone();
    p.client.conn.set_timer_hook(Box::new(move |prev| {
        log.lock().unwrap().push(prev);
        if prev == 0 {
            50_000
        } else {
            prev * 3
        }
    }));
    // The hook applies from the next flight on: lose the HelloRetryRequest so ClientHello1
    // is resent by the timer, then let everything through.
    let hello = p.take(Dir::ToServer);
    p.deliver(Dir::ToServer, &hello);
    let _lost_hrr = p.take(Dir::ToClient);
    let start = p.now;
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V13));
    let seen = calls.lock().unwrap().clone();
    assert!(!seen.is_empty(), "hook used");
    // ClientHello1's resend: the expired default timeout (1 s) comes in; ClientHello2 and
    // Finished are new flights, which start from 0.
    assert_eq!(seen[0], 1_000_000, "{seen:?}");
    assert_eq!(seen[1..], [0, 0], "{seen:?}");
    assert!(p.now - start < Duration::from_millis(1100));
}
