//! Our sans-IO DTLS 1.3 client state machine (`rdtls::dtls13::client`) against dimpl 0.8's
//! DTLS 1.3 server, in memory through the seeded simulated link of `common::link`: full
//! handshake with certificate and hostname verification, HelloRetryRequest with cookie and
//! with a key_share group change, data both ways, KeyUpdate, close_notify, 10% and 30%
//! loss, and a 300-byte MTU. Deterministic: dimpl's RNG and ours are seeded, time is
//! virtual.

#[path = "dtls13_client/auth.rs"]
mod auth;
// The hand-driven DTLS 1.3 plumbing of tests/dimpl_interop.rs, used by `resume`.
#[allow(dead_code)]
#[path = "dimpl_interop/client13.rs"]
mod c13;
mod common;
// Shared with tests/dimpl_interop.rs, which uses the 1.2 and auto constructors.
#[allow(dead_code)]
#[path = "dimpl_interop/peer.rs"]
mod dimpl_peer;
#[path = "dtls13_client/hostile.rs"]
mod hostile;
#[path = "dtls13_client/ours13.rs"]
mod ours13;
#[path = "dtls13_client/records.rs"]
mod records;
#[path = "dtls13_client/resume.rs"]
mod resume;
#[path = "dtls13_client/resume_refusals.rs"]
mod resume_refusals;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixtures::Spec;
use common::link::{Dir, Endpoint, Fate, LinkConfig, Pair};
use common::ours::{load_chain, our_builder, trust_all};
use dimpl::{Config as DimplConfig, Dtls, NamedGroup};
use dimpl_peer::{credential, DimplPeer};
use ours13::Ours13;
use rdtls::dtls13::client::{Event13, Options13};
use rdtls::{Config, VerifyMode};

/// A dimpl DTLS 1.3 server: `cookie` makes it answer the first ClientHello with a
/// HelloRetryRequest; `groups` restricts its key exchange groups; `mtu` its datagrams.
fn dimpl13(now: Instant, seed: u64, cookie: bool, groups: &[NamedGroup], mtu: usize) -> DimplPeer {
    let mut b = DimplConfig::builder()
        .dangerously_set_rng_seed(seed)
        .use_server_cookie(cookie)
        .require_client_certificate(false)
        .mtu(mtu);
    if !groups.is_empty() {
        b = b.kx_groups(groups);
    }
    let cfg = Arc::new(b.build().expect("dimpl config"));
    DimplPeer::wrap_for_test(
        Dtls::new_13(cfg, credential(true), now),
        now,
        "dimpl 1.3 server",
    )
}

/// Our client config: the test CAs trusted, the server verified, seeded RNG.
fn our13_config(seed: u64, mtu: usize, hostname: bool) -> Arc<Config> {
    let mut spec = Spec::default_ecdsa();
    spec.mtu = mtu;
    let b = if hostname {
        Config::builder()
            .trust_store(trust_all())
            .verify_mode(VerifyMode::Peer)
            .mtu(mtu)
    } else {
        our_builder(&spec, false)
    };
    b.rng_seed(seed).build().expect("our config")
}

fn pair(
    seed: u64,
    cookie: bool,
    groups: &[NamedGroup],
    mtu: usize,
    link: LinkConfig,
) -> Pair<Ours13, DimplPeer> {
    let now = Instant::now();
    let opts = Options13 {
        server_name: Some("localhost".into()),
        ..Options13::default()
    };
    let client = Ours13::new(our13_config(seed, mtu, true), opts, now);
    let server = dimpl13(now, seed, cookie, groups, mtu);
    Pair::new_at(now, client, server, link, seed)
}

/// Handshake, then data both ways over a clean link; checks the certificate event.
fn handshake_and_data(p: &mut Pair<Ours13, DimplPeer>, what: &str) {
    p.handshake(5_000, Duration::from_secs(300))
        .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
    let leaf = load_chain("server-ecdsa.pem").remove(0);
    assert!(
        p.client
            .events
            .contains(&Event13::PeerCertificate(leaf.clone())),
        "{what}: verified leaf reported"
    );
    assert!(p.client.events.contains(&Event13::HandshakeComplete));
    assert_eq!(p.client.c.peer_certificates()[0], leaf);
    assert_eq!(p.client.c.send_epoch(), 3);
    p.link = LinkConfig::PERFECT;
    p.exchange(b"hello dimpl from the 1.3 state machine", b"hello rdtls")
        .unwrap_or_else(|e| panic!("{what}: data: {e}"));
    p.exchange(&[0xc1; 900], &[0x5e; 900])
        .unwrap_or_else(|e| panic!("{what}: second data: {e}"));
}

#[test]
fn full_handshake_and_data_with_dimpl13_server() {
    let mut p = pair(1, false, &[], 1150, LinkConfig::PERFECT);
    handshake_and_data(&mut p, "plain");
    // One ClientHello datagram, one Finished datagram, then data: no retransmission.
    let sent = p.log.iter().filter(|s| s.dir == Dir::ToServer).count();
    assert!(sent <= 6, "client sent {sent} datagrams");
    // Our Finished was acknowledged by dimpl: no timer left before data.
    assert_eq!(p.client.c.poll_timeout(), None);
}

#[test]
fn hello_retry_request_with_cookie() {
    let mut p = pair(2, true, &[], 1150, LinkConfig::PERFECT);
    handshake_and_data(&mut p, "cookie");
    // ClientHello1 then ClientHello2 went out in plaintext (epoch 0, type 22).
    let hellos = p
        .log
        .iter()
        .filter(|s| s.dir == Dir::ToServer && s.bytes[0] == 22)
        .count();
    assert_eq!(hellos, 2);
}

/// dimpl accepts only P-256: our X25519 share is refused with a HelloRetryRequest naming
/// P-256 (and carrying a cookie); our second ClientHello carries a P-256 share.
#[test]
fn hello_retry_request_changes_the_key_share_group() {
    for cookie in [false, true] {
        let mut p = pair(
            3,
            cookie,
            &[NamedGroup::Secp256r1],
            1150,
            LinkConfig::PERFECT,
        );
        handshake_and_data(&mut p, "group change");
        let hellos: Vec<&[u8]> = p
            .log
            .iter()
            .filter(|s| s.dir == Dir::ToServer && s.bytes[0] == 22)
            .map(|s| &s.bytes[..])
            .collect();
        assert_eq!(hellos.len(), 2, "cookie={cookie}");
        // An uncompressed P-256 point (65 bytes, 0x04) appears only in ClientHello2.
        let has_p256 = |d: &[u8]| d.windows(3).any(|w| w == [0x00, 0x41, 0x04]);
        assert!(!has_p256(hellos[0]) && has_p256(hellos[1]));
    }
}

/// RFC 9147 §8: we send KeyUpdate(update_requested); dimpl ACKs it (our sending moves to
/// epoch 4) and answers with its own KeyUpdate, which we install and ACK; data flows at
/// epoch 4 both ways. A second round reaches epoch 5.
#[test]
fn key_update_with_dimpl13_server() {
    let mut p = pair(4, false, &[], 1150, LinkConfig::PERFECT);
    handshake_and_data(&mut p, "key update");
    for round in [4u64, 5] {
        let now = p.now;
        p.client.c.key_update(now, true).expect("key update");
        p.run_until(200, Duration::from_secs(60), |p| {
            p.client.events.contains(&Event13::SendKeyUpdated(round))
        })
        .unwrap_or_else(|e| panic!("our key update to {round}: {e}"));
        // dimpl queues its answering KeyUpdate for its next turn without asking for an
        // early timeout (its timer stays far away when idle): give it that turn.
        let now = p.now;
        p.server.handle_timeout(now);
        p.run_until(200, Duration::from_secs(60), |p| {
            p.client.events.contains(&Event13::RecvKeyUpdated(round))
        })
        .unwrap_or_else(|e| panic!("dimpl's key update to {round}: {e}"));
        assert_eq!(p.client.c.send_epoch(), round);
        p.exchange(b"after key update", b"epoch moved")
            .unwrap_or_else(|e| panic!("data at epoch {round}: {e}"));
    }
    // Everything we sent last is protected with epoch bits 01 (epoch 5).
    let last = &p
        .log
        .iter()
        .rev()
        .find(|s| s.dir == Dir::ToServer)
        .unwrap()
        .bytes;
    assert_eq!(last[0] & 0x03, 1);
}

/// KeyUpdate rounds over a link losing 25% (plus duplicates and reordering): our KeyUpdate
/// is retransmitted until dimpl ACKs it, dimpl's answer until we ACK it (a resent
/// KeyUpdate of an epoch already left is ACKed again, not applied twice).
#[test]
fn key_updates_over_25_percent_loss() {
    let mut lost = 0;
    for seed in 1..=6u64 {
        let mut p = pair(200 + seed, false, &[], 1150, LinkConfig::PERFECT);
        handshake_and_data(&mut p, "before lossy key updates");
        p.link = LinkConfig::lossy(0.25);
        for round in [4u64, 5, 6] {
            let now = p.now;
            p.client.c.key_update(now, true).expect("key update");
            p.run_until(2_000, Duration::from_secs(300), |p| {
                p.client.events.contains(&Event13::SendKeyUpdated(round))
            })
            .unwrap_or_else(|e| panic!("seed {seed}: our key update to {round}: {e}"));
            let now = p.now;
            p.server.handle_timeout(now); // dimpl's turn (see key_update_with_dimpl13_server)
            p.run_until(2_000, Duration::from_secs(300), |p| {
                p.client.events.contains(&Event13::RecvKeyUpdated(round))
            })
            .unwrap_or_else(|e| panic!("seed {seed}: dimpl's key update to {round}: {e}"));
            // dimpl does not answer a KeyUpdate while its own is unacknowledged, so the
            // next round waits until both sides are idle: the clock then jumps to dimpl's
            // far idle timer (no retransmission left on either side).
            let settled = (0..2_000).any(|_| {
                let before = p.now;
                !p.step() || p.now - before > Duration::from_secs(3600)
            });
            assert!(settled, "seed {seed}: round {round} never settled");
            assert_eq!(p.client.c.poll_timeout(), None);
        }
        p.link = LinkConfig::PERFECT;
        assert_eq!(p.client.c.send_epoch(), 6);
        p.exchange(b"epoch six", b"six")
            .unwrap_or_else(|e| panic!("seed {seed}: data: {e}"));
        lost += p.log.iter().filter(|s| s.fate == Fate::Lost).count();
    }
    assert!(lost >= 5, "the link lost only {lost} datagrams");
}

/// Our close_notify closes our write side only (RFC 8446 §6.1): dimpl reports it, may
/// still send (its data reaches us), and its own close_notify then ends the connection.
#[test]
fn close_notify_both_ways_with_dimpl() {
    let mut p = pair(5, false, &[], 1150, LinkConfig::PERFECT);
    handshake_and_data(&mut p, "close");
    p.client.c.close().unwrap();
    assert!(!p.client.c.is_established());
    assert!(p.client.c.send(b"late").is_err());
    assert!(p.client.c.key_update(p.now, false).is_err());
    p.flush();
    let last = &p.log.last().unwrap().bytes;
    assert_eq!(last[0] & 0xe0, 0x20, "close_notify is a protected record");
    p.run_until(20, Duration::from_secs(10), |p| p.server.peer_closed)
        .expect("dimpl reports our close_notify");
    let now = p.now;
    p.server.send_app(now, b"half-closed").unwrap();
    p.run_until(20, Duration::from_secs(10), |p| {
        !p.client.received.is_empty()
    })
    .expect("data after our close_notify");
    assert_eq!(p.client.received, vec![b"half-closed".to_vec()]);
    p.server.dtls.close().unwrap();
    p.server.pump();
    p.run_until(20, Duration::from_secs(10), |p| {
        p.client.events.contains(&Event13::PeerClosed)
    })
    .expect("dimpl's close_notify");
    assert_eq!(p.client.error, None);
}

/// dimpl closes first: its close_notify reaches us as an event; we send nothing more.
#[test]
fn close_notify_from_dimpl() {
    let mut p = pair(8, false, &[], 1150, LinkConfig::PERFECT);
    handshake_and_data(&mut p, "peer close");
    p.server.dtls.close().unwrap();
    p.server.pump();
    p.run_until(20, Duration::from_secs(10), |p| {
        p.client.events.contains(&Event13::PeerClosed)
    })
    .expect("dimpl's close_notify");
    assert!(!p.client.c.is_established());
    assert!(p.client.c.send(b"late").is_err());
    assert_eq!(p.client.error, None);
}

fn lossy(rate: f64, seeds: std::ops::RangeInclusive<u64>, cookie: bool) {
    let mut lost = 0;
    for seed in seeds {
        let mut p = pair(100 + seed, cookie, &[], 1150, LinkConfig::lossy(rate));
        handshake_and_data(&mut p, &format!("loss {rate}, seed {seed}"));
        lost += p.log.iter().filter(|s| s.fate == Fate::Lost).count();
    }
    assert!(lost >= 3, "the link lost only {lost} datagrams");
}

#[test]
fn handshake_over_10_percent_loss() {
    lossy(0.10, 1..=24, false);
}

#[test]
fn handshake_over_30_percent_loss_with_cookie() {
    lossy(0.30, 1..=8, true);
}

/// MTU 300 on both sides and on the link: dimpl's certificate flight is fragmented
/// across records and datagrams; we reassemble it, and every datagram fits.
#[test]
fn mtu_300_fragmented_certificate_flight() {
    let mut link = LinkConfig::PERFECT;
    link.mtu = Some(300);
    let mut p = pair(6, true, &[], 300, link);
    p.handshake(5_000, Duration::from_secs(120))
        .unwrap_or_else(|e| panic!("mtu 300: {e}"));
    assert!(p.log.iter().all(|s| s.fate != Fate::TooBig));
    let server_dgrams = p.log.iter().filter(|s| s.dir == Dir::ToClient).count();
    assert!(server_dgrams >= 3, "dimpl sent {server_dgrams} datagrams");
    p.exchange(b"small", b"mtu").unwrap();
}

/// The certificate carries localhost and 127.0.0.1 only: another name is refused with a
/// fatal alert and no Finished goes out.
#[test]
fn hostname_mismatch_is_fatal() {
    let now = Instant::now();
    let opts = Options13 {
        server_name: Some("example.com".into()),
        ..Options13::default()
    };
    let client = Ours13::new(our13_config(7, 1150, true), opts, now);
    let server = dimpl13(now, 7, false, &[], 1150);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 7);
    let r = p.handshake(200, Duration::from_secs(30));
    assert!(r.is_err());
    let err = p.client.error.clone().expect("client failed");
    assert!(err.contains("CertificateVerify"), "{err}");
    assert!(!p.server.connected);
    assert!(
        p.client.c.handle_timeout(p.now).is_err(),
        "the error sticks"
    );
}

/// Each TLS 1.3 suite dimpl has (offered alone) and each first key share (our group
/// preference from the configuration, dimpl accepting all three): handshake and data.
#[test]
fn each_suite_and_each_first_key_share() {
    use rdtls::dtls13::record_protection::Suite13;
    use rdtls::enums::NamedGroup as OurGroup;
    let suites = [
        Suite13::Aes128GcmSha256,
        Suite13::Aes256GcmSha384,
        Suite13::ChaCha20Poly1305Sha256,
    ];
    let groups = [OurGroup::X25519, OurGroup::SECP256R1, OurGroup::SECP384R1];
    for (i, (suite, group)) in suites.iter().zip(groups).enumerate() {
        let now = Instant::now();
        let opts = Options13 {
            server_name: Some("localhost".into()),
            suites: vec![*suite],
            ..Options13::default()
        };
        let seed = 40 + i as u64;
        let cfg = Config::builder()
            .trust_store(trust_all())
            .verify_mode(VerifyMode::Peer)
            .groups(&[group])
            .rng_seed(seed)
            .build()
            .unwrap();
        let client = Ours13::new(cfg, opts, now);
        let server = dimpl13(now, seed, false, &[], 1150);
        let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, seed);
        assert_eq!(p.client.c.suite(), None, "no suite before ServerHello");
        handshake_and_data(&mut p, &format!("{suite:?} with a {group:?} share"));
        assert_eq!(
            p.client.c.suite(),
            Some(*suite),
            "the negotiated suite is reported"
        );
        // One ClientHello: the first share was accepted, no HelloRetryRequest.
        let hellos = p
            .sent(Dir::ToServer)
            .iter()
            .filter(|s| s.bytes[0] == 22)
            .count();
        assert_eq!(hellos, 1, "{suite:?} {group:?}");
    }
}

/// use_srtp (RFC 5764) through the state machine (with an ALPN offer dimpl ignores): dimpl
/// picks our profile in its
/// EncryptedExtensions, and our exporter (RFC 8446 §7.5, "dtls13" labels) gives the same
/// DTLS-SRTP keying material dimpl exports.
#[test]
fn srtp_profile_and_exporter_match_dimpl() {
    let now = Instant::now();
    let opts = Options13 {
        server_name: Some("localhost".into()),
        ..Options13::default()
    };
    let cfg = Config::builder()
        .trust_store(trust_all())
        .verify_mode(VerifyMode::Peer)
        .srtp_profiles(&[0x0007])
        .alpn_protocols(&[b"webrtc".to_vec()])
        .rng_seed(9)
        .build()
        .unwrap();
    let client = Ours13::new(cfg, opts, now);
    let server = dimpl13(now, 9, false, &[], 1150);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 9);
    handshake_and_data(&mut p, "srtp");
    assert_eq!(p.client.c.srtp_profile(), Some(0x0007));
    assert_eq!(
        p.client.c.alpn_protocol(),
        None,
        "dimpl has no ALPN: the offer is ignored"
    );
    let (km, profile) = p.server.keying_material.clone().expect("dimpl exported");
    assert_eq!(profile, "SRTP_AEAD_AES_128_GCM");
    let mut ours = [0u8; 56]; // 2 × (16-byte key + 12-byte salt)
    p.client
        .c
        .export_keying_material(b"EXTRACTOR-dtls_srtp", b"", &mut ours)
        .unwrap();
    assert_eq!(km, ours.to_vec());
    // Another label gives other bytes; before the handshake there is nothing to export.
    let mut other = [0u8; 56];
    p.client
        .c
        .export_keying_material(b"EXPERIMENTAL-other", b"", &mut other)
        .unwrap();
    assert_ne!(other, ours);
    let fresh = Ours13::new(our13_config(10, 1150, true), Options13::default(), now);
    assert!(fresh
        .c
        .export_keying_material(b"x", b"", &mut other)
        .is_err());
}
