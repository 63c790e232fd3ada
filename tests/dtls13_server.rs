//! Our sans-IO DTLS 1.3 server state machine (`rdtls::dtls13::server`) against dimpl 0.8's
//! DTLS 1.3 client and against our own DTLS 1.3 client, in memory through the seeded
//! simulated link of `common::link`: full handshake for each TLS 1.3 suite, the stateless
//! HelloRetryRequest cookie, a key_share group change, data both ways, KeyUpdate,
//! close_notify, 10% and 30% loss, a 300-byte MTU with the chain fragmented, and mutated
//! client flights. Deterministic: every RNG is seeded, time is virtual.

#[path = "dtls13_server/auth.rs"]
mod auth;
mod common;
// Shared with tests/dimpl_interop.rs, which uses the other constructors.
#[allow(dead_code)]
#[path = "dimpl_interop/peer.rs"]
mod dimpl_peer;
#[path = "dtls13_server/hostile.rs"]
mod hostile;
#[path = "dtls13_server/net.rs"]
mod net;
#[path = "dtls13_client/ours13.rs"]
mod ours13;
#[path = "dtls13_server/resume.rs"]
mod resume;
#[path = "dtls13_server/resume_verify.rs"]
mod resume_verify;
#[path = "dtls13_server/srv13.rs"]
mod srv13;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::link::{Dir, Endpoint, LinkConfig, Pair};
use common::ours::{load_chain, load_key};
use dimpl::{Config as DimplConfig, Dtls};
use dimpl_peer::{credential, DimplPeer};
use ours13::Ours13;
use rdtls::cookie::CookieKeys;
use rdtls::dtls13::client::{Event13, Options13};
use rdtls::dtls13::record_protection::Suite13;
use rdtls::dtls13::server::{ServerEvent13, ServerOptions13};
use rdtls::{Config, VerifyMode};
use srv13::OursS13;

const SUITES: [Suite13; 3] = [
    Suite13::Aes128GcmSha256,
    Suite13::Aes256GcmSha384,
    Suite13::ChaCha20Poly1305Sha256,
];

/// A dimpl DTLS 1.3 client (it sends its certificate only when asked).
fn dimpl13_client(now: Instant, seed: u64, mtu: usize) -> DimplPeer {
    let cfg = DimplConfig::builder()
        .dangerously_set_rng_seed(seed)
        .mtu(mtu)
        .build()
        .expect("dimpl config");
    let mut dtls = Dtls::new_13(Arc::new(cfg), credential(false), now);
    dtls.set_active(true);
    DimplPeer::wrap_for_test(dtls, now, "dimpl 1.3 client")
}

/// Our server config: the ECDSA server identity, seeded RNG and cookie keys.
fn server_config(seed: u64, mtu: usize) -> Arc<Config> {
    Config::builder()
        .identity(load_chain("server-ecdsa.pem"), load_key("server-ecdsa.key"))
        .verify_mode(VerifyMode::None)
        .mtu(mtu)
        .cookie_keys(Arc::new(CookieKeys::with_seed(seed)))
        .rng_seed(seed)
        .build()
        .expect("server config")
}

fn server(seed: u64, mtu: usize, suite: Suite13, cookie: bool, now: Instant) -> OursS13 {
    let opts = ServerOptions13 {
        suites: vec![suite],
        cookie,
        peer_addr: b"192.0.2.1:4433".to_vec(),
        ..ServerOptions13::default()
    };
    OursS13::new(server_config(seed, mtu), opts, now)
}

fn dimpl_pair(
    seed: u64,
    suite: Suite13,
    cookie: bool,
    mtu: usize,
    link: LinkConfig,
) -> Pair<DimplPeer, OursS13> {
    let now = Instant::now();
    let client = dimpl13_client(now, seed, mtu);
    let server = server(seed, mtu, suite, cookie, now);
    Pair::new_at(now, client, server, link, seed)
}

/// Handshake, then data both ways over a clean link; checks what dimpl saw.
fn handshake_and_data<C: Endpoint>(p: &mut Pair<C, OursS13>, what: &str) {
    p.handshake(5_000, Duration::from_secs(300))
        .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
    assert!(p.server.events.contains(&ServerEvent13::HandshakeComplete));
    assert_eq!(p.server.s.send_epoch(), 3, "{what}");
    p.link = LinkConfig::PERFECT;
    p.exchange(
        b"hello from dimpl's 1.3 client",
        b"hello from rdtls's 1.3 server",
    )
    .unwrap_or_else(|e| panic!("{what}: data: {e}"));
    p.exchange(&[0xc1; 250], &[0x5e; 250])
        .unwrap_or_else(|e| panic!("{what}: second data: {e}"));
}

#[test]
fn dimpl13_client_full_handshake_each_suite() {
    for (i, suite) in SUITES.into_iter().enumerate() {
        let mut p = dimpl_pair(10 + i as u64, suite, false, 1150, LinkConfig::PERFECT);
        handshake_and_data(&mut p, &format!("{suite:?}"));
        assert_eq!(p.server.s.suite(), Some(suite));
        p.exchange(&[7; 900], &[8; 900]).expect("900-byte records");
        assert_eq!(
            p.client.peer_cert.as_deref(),
            Some(&load_chain("server-ecdsa.pem")[0][..]),
            "{suite:?}: dimpl verified our leaf"
        );
        // dimpl's Finished was ACKed at once: no retransmission of its flight.
        let hellos = p
            .log
            .iter()
            .filter(|s| s.dir == Dir::ToServer && s.bytes[0] == 22)
            .count();
        assert_eq!(hellos, 1, "{suite:?}: one ClientHello");
        assert_eq!(
            p.server.s.poll_timeout(),
            None,
            "{suite:?}: our flight done"
        );
    }
}

/// Our client config: the test CAs trusted, the server verified as "localhost".
fn client_config(seed: u64, mtu: usize) -> Arc<Config> {
    Config::builder()
        .trust_store(common::ours::trust_all())
        .verify_mode(VerifyMode::Peer)
        .mtu(mtu)
        .rng_seed(seed)
        .build()
        .expect("client config")
}

fn ours_pair(
    seed: u64,
    suite: Suite13,
    cookie: bool,
    mtu: usize,
    link: LinkConfig,
) -> Pair<Ours13, OursS13> {
    let now = Instant::now();
    let opts = Options13 {
        server_name: Some("localhost".into()),
        ..Options13::default()
    };
    let client = Ours13::new(client_config(seed, mtu), opts, now);
    let server = server(seed, mtu, suite, cookie, now);
    Pair::new_at(now, client, server, link, seed)
}

#[test]
fn our_client13_full_handshake_each_suite() {
    for (i, suite) in SUITES.into_iter().enumerate() {
        let mut p = ours_pair(20 + i as u64, suite, false, 1150, LinkConfig::PERFECT);
        handshake_and_data(&mut p, &format!("ours {suite:?}"));
        assert_eq!(p.server.s.suite(), Some(suite));
        assert_eq!(
            p.client.c.peer_certificates()[0],
            load_chain("server-ecdsa.pem")[0]
        );
        assert!(p.client.events.contains(&Event13::HandshakeComplete));
        // Both exporters agree (RFC 8446 §7.5).
        let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
        p.client
            .c
            .export_keying_material(b"EXTRACTOR-test", b"ctx", &mut a)
            .unwrap();
        p.server
            .s
            .export_keying_material(b"EXTRACTOR-test", b"ctx", &mut b)
            .unwrap();
        assert_eq!(a, b, "{suite:?}: exporter");
        assert_eq!(
            p.client.c.poll_timeout(),
            None,
            "{suite:?}: our Finished ACKed"
        );
    }
}

/// Plaintext handshake datagrams (ClientHellos) the client sent.
fn client_hellos<C: Endpoint, S: Endpoint>(p: &Pair<C, S>) -> Vec<Vec<u8>> {
    p.log
        .iter()
        .filter(|s| s.dir == Dir::ToServer && s.bytes[0] == 22)
        .map(|s| s.bytes.clone())
        .collect()
}

/// RFC 9147 §5.1: the default server answers ClientHello1 with a stateless
/// HelloRetryRequest carrying a cookie; ClientHello2 echoes it and the handshake completes
/// with a transcript starting with message_hash (a mismatch would fail Finished).
#[test]
fn hello_retry_request_cookie_with_both_clients() {
    for (i, suite) in SUITES.into_iter().enumerate() {
        let seed = 30 + i as u64;
        let mut p = dimpl_pair(seed, suite, true, 1150, LinkConfig::PERFECT);
        handshake_and_data(&mut p, &format!("dimpl cookie {suite:?}"));
        assert_eq!(client_hellos(&p).len(), 2, "dimpl {suite:?}");
        assert_eq!(
            p.server.events[0],
            ServerEvent13::HelloRetryRequest(true),
            "dimpl {suite:?}"
        );
        let mut p = ours_pair(seed, suite, true, 1150, LinkConfig::PERFECT);
        handshake_and_data(&mut p, &format!("ours cookie {suite:?}"));
        assert_eq!(client_hellos(&p).len(), 2, "ours {suite:?}");
        assert_eq!(p.server.events[0], ServerEvent13::HelloRetryRequest(true));
    }
}

/// The default options have the cookie on.
#[test]
fn cookie_is_on_by_default() {
    assert!(ServerOptions13::default().cookie);
}

/// A server limited to P-256 asks our client (X25519 share first) for a P-256 share in its
/// HelloRetryRequest, with and without the return-routability cookie.
#[test]
fn hello_retry_request_changes_the_group() {
    for cookie in [false, true] {
        let now = Instant::now();
        let opts = Options13 {
            server_name: Some("localhost".into()),
            ..Options13::default()
        };
        let client = Ours13::new(client_config(40, 1150), opts, now);
        let cfg = Config::builder()
            .identity(load_chain("server-ecdsa.pem"), load_key("server-ecdsa.key"))
            .verify_mode(VerifyMode::None)
            .groups(&[rdtls::enums::NamedGroup(0x0017)])
            .cookie_keys(Arc::new(CookieKeys::with_seed(40)))
            .rng_seed(40)
            .build()
            .unwrap();
        let sopts = ServerOptions13 {
            cookie,
            ..ServerOptions13::default()
        };
        let server = OursS13::new(cfg, sopts, now);
        let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 40);
        handshake_and_data(&mut p, &format!("group change cookie={cookie}"));
        let hellos = client_hellos(&p);
        assert_eq!(hellos.len(), 2, "cookie={cookie}");
        let has_p256 = |d: &[u8]| d.windows(3).any(|w| w == [0x00, 0x41, 0x04]);
        assert!(!has_p256(&hellos[0]) && has_p256(&hellos[1]));
        assert_eq!(p.server.events[0], ServerEvent13::HelloRetryRequest(cookie));
    }
}
