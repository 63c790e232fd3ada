//! Server13 asking for a client certificate (RFC 8446 §4.3.2): dimpl's client and ours
//! answer with their ECDSA identity, verified against the test CAs with the client's
//! CertificateVerify; a client without one sends an empty Certificate, which a server
//! requiring one refuses with certificate_required.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdtls::cookie::CookieKeys;
use rdtls::dtls13::client::Options13;
use rdtls::dtls13::server::{ServerEvent13, ServerOptions13};
use rdtls::{Config, VerifyMode};

use crate::common::link::{Endpoint, LinkConfig, Pair};
use crate::common::ours::{load_chain, load_key, trust_all};
use crate::ours13::Ours13;
use crate::srv13::OursS13;
use crate::{client_config, dimpl13_client, handshake_and_data};

fn auth_server(seed: u64, mode: VerifyMode, now: Instant) -> OursS13 {
    let cfg = Config::builder()
        .identity(load_chain("server-ecdsa.pem"), load_key("server-ecdsa.key"))
        .trust_store(trust_all())
        .verify_mode(mode)
        .cookie_keys(Arc::new(CookieKeys::with_seed(seed)))
        .rng_seed(seed)
        .build()
        .unwrap();
    let opts = ServerOptions13 {
        request_client_cert: true,
        ..ServerOptions13::default()
    };
    OursS13::new(cfg, opts, now)
}

#[test]
fn client_certificate_from_dimpl_and_ours() {
    let leaf = load_chain("client-ecdsa.pem").remove(0);
    let now = Instant::now();
    let client = dimpl13_client(now, 100, 1150);
    let srv = auth_server(100, VerifyMode::RequirePeerCertificate, now);
    let mut p = Pair::new_at(now, client, srv, LinkConfig::PERFECT, 100);
    handshake_and_data(&mut p, "dimpl client cert");
    assert!(p
        .server
        .events
        .contains(&ServerEvent13::PeerCertificate(leaf.clone())));
    assert_eq!(p.server.s.peer_certificates()[0], leaf);

    let cfg = Config::builder()
        .trust_store(trust_all())
        .verify_mode(VerifyMode::Peer)
        .identity(load_chain("client-ecdsa.pem"), load_key("client-ecdsa.key"))
        .rng_seed(101)
        .build()
        .unwrap();
    let opts = Options13 {
        server_name: Some("localhost".into()),
        ..Options13::default()
    };
    let client = Ours13::new(cfg, opts, now);
    let srv = auth_server(101, VerifyMode::RequirePeerCertificate, now);
    let mut p = Pair::new_at(now, client, srv, LinkConfig::PERFECT, 101);
    handshake_and_data(&mut p, "our client cert");
    assert_eq!(p.server.s.peer_certificates()[0], leaf);
}

/// No identity: an empty Certificate; accepted with VerifyMode::Peer, refused with
/// certificate_required (116) when one is required.
#[test]
fn missing_client_certificate() {
    let now = Instant::now();
    let opts = Options13 {
        server_name: Some("localhost".into()),
        ..Options13::default()
    };
    let client = Ours13::new(client_config(102, 1150), opts.clone(), now);
    let mut p = Pair::new_at(
        now,
        client,
        auth_server(102, VerifyMode::Peer, now),
        LinkConfig::PERFECT,
        102,
    );
    handshake_and_data(&mut p, "optional client cert");
    assert!(p.server.s.peer_certificates().is_empty());

    let client = Ours13::new(client_config(103, 1150), opts, now);
    let srv = auth_server(103, VerifyMode::RequirePeerCertificate, now);
    let mut p = Pair::new_at(now, client, srv, LinkConfig::PERFECT, 103);
    let _ = p.run_until(500, Duration::from_secs(60), |p| {
        p.server.failure().is_some()
    });
    let e = p.server.failure().expect("server refuses");
    assert!(e.contains("AlertDescription(116)"), "{e}");
}

/// Client authentication over a 300-byte MTU: our chain and the client's Certificate are
/// cut into several records; we ACK the part of the client's flight that arrived (RFC 9147
/// §7.1). Our client also with 10% and 30% loss (plus duplication and reordering);
/// dimpl's client over a clean link only: with CertificateRequest and our fragmented
/// flight reordered, dimpl 0.8's client re-arms its timer at the same instant and emits an
/// ACK every time it fires, so virtual time stops (59 ms after 200 000 steps, none of its
/// ACKs ever due for delivery) and it never sends its Certificate (also with a 1150-byte
/// dimpl MTU; not without CertificateRequest) — a dimpl livelock this server cannot
/// influence.
#[test]
fn client_certificate_over_small_mtu() {
    let leaf = load_chain("client-ecdsa.pem").remove(0);
    let now = Instant::now();
    let client = dimpl13_client(now, 104, 300);
    let mut srv = auth_server(104, VerifyMode::RequirePeerCertificate, now);
    srv.s = small_mtu_server(104);
    let link = LinkConfig {
        mtu: Some(300),
        ..LinkConfig::PERFECT
    };
    let mut p = Pair::new_at(now, client, srv, link, 104);
    handshake_and_data(&mut p, "dimpl mtu 300");
    assert_eq!(p.server.s.peer_certificates()[0], leaf);
    for (seed, rate) in [(105u64, 0.10), (106, 0.30), (107, 0.30)] {
        let link = LinkConfig {
            mtu: Some(300),
            ..LinkConfig::lossy(rate)
        };
        let cfg = Config::builder()
            .trust_store(trust_all())
            .verify_mode(VerifyMode::Peer)
            .identity(load_chain("client-ecdsa.pem"), load_key("client-ecdsa.key"))
            .mtu(300)
            .rng_seed(seed)
            .build()
            .unwrap();
        let opts = Options13 {
            server_name: Some("localhost".into()),
            ..Options13::default()
        };
        let client = Ours13::new(cfg, opts, now);
        let mut srv = auth_server(seed, VerifyMode::RequirePeerCertificate, now);
        srv.s = small_mtu_server(seed);
        let mut p = Pair::new_at(now, client, srv, link, seed);
        handshake_and_data(&mut p, &format!("ours loss {rate} seed {seed}"));
        assert_eq!(p.server.s.peer_certificates()[0], leaf);
    }
}

fn small_mtu_server(seed: u64) -> rdtls::dtls13::server::Server13 {
    let cfg = Config::builder()
        .identity(load_chain("server-ecdsa.pem"), load_key("server-ecdsa.key"))
        .trust_store(trust_all())
        .verify_mode(VerifyMode::RequirePeerCertificate)
        .mtu(300)
        .cookie_keys(Arc::new(CookieKeys::with_seed(seed)))
        .rng_seed(seed)
        .build()
        .unwrap();
    let opts = ServerOptions13 {
        request_client_cert: true,
        ..ServerOptions13::default()
    };
    rdtls::dtls13::server::Server13::new(cfg, opts, Instant::now()).unwrap()
}

/// use_srtp (RFC 5764) through the server: dimpl's client and ours get our profile in
/// EncryptedExtensions, and our exporter gives the DTLS-SRTP keying material they derive.
#[test]
fn srtp_profile_and_exporter_match_the_clients() {
    let now = Instant::now();
    let srtp_server = |seed: u64| {
        let cfg = Config::builder()
            .identity(load_chain("server-ecdsa.pem"), load_key("server-ecdsa.key"))
            .verify_mode(VerifyMode::None)
            .srtp_profiles(&[0x0007, 0x0001])
            .cookie_keys(Arc::new(CookieKeys::with_seed(seed)))
            .rng_seed(seed)
            .build()
            .unwrap();
        OursS13::new(cfg, ServerOptions13::default(), now)
    };
    let client = dimpl13_client(now, 108, 1150);
    let mut p = Pair::new_at(now, client, srtp_server(108), LinkConfig::PERFECT, 108);
    handshake_and_data(&mut p, "dimpl srtp");
    assert_eq!(p.server.s.srtp_profile(), Some(0x0007));
    let (km, profile) = p.client.keying_material.clone().expect("dimpl exported");
    assert_eq!(profile, "SRTP_AEAD_AES_128_GCM");
    let mut ours = vec![0u8; km.len()];
    p.server
        .s
        .export_keying_material(rdtls::srtp::EXPORTER_LABEL, b"", &mut ours)
        .unwrap();
    assert_eq!(km, ours);

    let cfg = Config::builder()
        .trust_store(trust_all())
        .verify_mode(VerifyMode::Peer)
        .srtp_profiles(&[0x0001, 0x0007])
        .rng_seed(109)
        .build()
        .unwrap();
    let opts = Options13 {
        server_name: Some("localhost".into()),
        ..Options13::default()
    };
    let client = Ours13::new(cfg, opts.clone(), now);
    let mut p = Pair::new_at(now, client, srtp_server(109), LinkConfig::PERFECT, 109);
    handshake_and_data(&mut p, "ours srtp");
    // Our order wins (0x0007 first), among the client's.
    assert_eq!(p.server.s.srtp_profile(), Some(0x0007));
    assert_eq!(p.client.c.srtp_profile(), Some(0x0007));
    let (mut a, mut b) = ([0u8; 56], [0u8; 56]);
    p.server
        .s
        .export_keying_material(rdtls::srtp::EXPORTER_LABEL, b"", &mut a)
        .unwrap();
    p.client
        .c
        .export_keying_material(rdtls::srtp::EXPORTER_LABEL, b"", &mut b)
        .unwrap();
    assert_eq!(a, b);

    // A client without use_srtp gets none.
    let client = Ours13::new(client_config(110, 1150), opts, now);
    let mut p = Pair::new_at(now, client, srtp_server(110), LinkConfig::PERFECT, 110);
    handshake_and_data(&mut p, "no srtp");
    assert_eq!(p.server.s.srtp_profile(), None);
}
