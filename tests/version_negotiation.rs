//! Version negotiation through `Connection` (issue 13; RFC 8446 §4.1.3, §4.2.1; RFC 9147
//! §5.3): ours↔ours with every combination of min/max versions, the one merged ClientHello
//! answered by HelloVerifyRequest (1.2) or HelloRetryRequest (1.3), the downgrade sentinel,
//! a 1.3-only server refusing a 1.2 client, loss and a small MTU. Virtual time, seeded.

mod common;
#[path = "version_negotiation/features.rs"]
mod features;
#[path = "version_negotiation/hello_hook.rs"]
mod hello_hook;
#[path = "version_negotiation/hooks.rs"]
mod hooks;

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
        0,
        "no client chain asked for: X509_V_OK, as OpenSSL and our 1.2 server say"
    );
    assert!(p.server.conn.peer_certificates().is_empty());
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

/// Each TLS 1.3 suite, the two CCM ones included (RFC 8446 §B.4; CCM for constrained
/// devices, RFC 9147 §4.5.3 limits), completes through `Connection` and carries data.
#[test]
fn each_tls13_suite_including_ccm_completes() {
    use rdtls::Suite13;
    for suite in [
        Suite13::Aes128GcmSha256,
        Suite13::Aes256GcmSha384,
        Suite13::ChaCha20Poly1305Sha256,
        Suite13::Aes128CcmSha256,
        Suite13::Aes128Ccm8Sha256,
    ] {
        let spec = Spec::default_ecdsa();
        let cfg = |server| {
            our_builder(&spec, server)
                .versions(V13, V13)
                .expect("version range")
                .tls13_suites(vec![suite])
                .build()
                .expect("config")
        };
        let now = Instant::now();
        let c = Ours::client(cfg(false), now, ClientOptions::default());
        let s = Ours::server(cfg(true), now);
        let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 3);
        handshake(&mut p);
        assert_eq!(p.client.conn.tls13_suite(), Some(suite), "{}", suite.name());
        assert_eq!(p.server.conn.tls13_suite(), Some(suite), "{}", suite.name());
        p.exchange(b"ping", b"pong")
            .unwrap_or_else(|e| panic!("{}: {e}", suite.name()));
    }
}

/// The group getters answer on 1.3 as on 1.2 (OpenSSL's `SSL_get1_groups`,
/// `SSL_get_negotiated_group`): the server reports the client's supported_groups in its
/// order, both sides the group of the key exchange (the key share, RFC 8446 §4.2.8). Our
/// server sends no supported_groups in EncryptedExtensions, so the client lists none.
#[test]
fn group_getters_answer_on_13_as_on_12() {
    use rdtls::enums::NamedGroup;
    let offered = [
        NamedGroup::SECP384R1,
        NamedGroup::X25519,
        NamedGroup::SECP256R1,
    ];
    let seen = |max: u16| {
        let spec = Spec::default_ecdsa();
        let now = Instant::now();
        let ccfg = our_builder(&spec, false)
            .versions(V12, max)
            .unwrap()
            .groups(&offered)
            .build()
            .unwrap();
        // The server has every group, in another order: the client's choice decides.
        let scfg = our_builder(&spec, true)
            .versions(V12, max)
            .unwrap()
            .groups(&NamedGroup::SUPPORTED)
            .build()
            .unwrap();
        let c = Ours::client(ccfg, now, ClientOptions::default());
        let s = Ours::server(scfg, now);
        let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 5);
        handshake(&mut p);
        assert_eq!(p.server.conn.protocol_version(), Some(max));
        assert_eq!(p.client.conn.group(), p.server.conn.group());
        assert!(p.client.conn.peer_groups().is_empty());
        (p.server.conn.peer_groups().to_vec(), p.server.conn.group())
    };
    let (groups12, group12) = seen(V12);
    let (groups13, group13) = seen(V13);
    assert_eq!(groups12, offered);
    assert_eq!(groups13, groups12);
    // The client's first group: its preference on 1.2, its first key share on 1.3.
    assert_eq!(group12, Some(NamedGroup::SECP384R1));
    assert_eq!(group13, group12);
}
