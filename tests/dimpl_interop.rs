//! rdtls against dimpl 0.8 (crates.io: a sans-IO DTLS 1.2/1.3 implementation in Rust we did
//! not write), in memory through the seeded simulated link of `common::link`.
//!
//! What is checked:
//! * DTLS 1.2, both directions: rdtls client ↔ dimpl server and dimpl client ↔ rdtls server,
//!   full handshake (ECDHE-ECDSA with the test CA's P-256 server leaf) and application data
//!   both ways, over each ECDSA AEAD suite, with mutual authentication, and over a lossy link.
//! * DTLS 1.3 foundations (`rdtls::dtls13`; no 1.3 state machine exists yet): a hand-driven
//!   handshake against dimpl's 1.3 server, with and without its HelloRetryRequest cookie,
//!   see `vs_server13.rs` for the list of what it proves; and the other
//!   way round, dimpl's 1.3 client against a server flight built from our encoders
//!   (`server13.rs`).
//!
//! Both engines take time only as an argument, so the runs are deterministic (dimpl's RNG is
//! seeded with `dangerously_set_rng_seed`, ours with the `test-rng` seed, the link by `seed`).

#[path = "dimpl_interop/client13.rs"]
mod c13;
mod common;
#[path = "dimpl_interop/peer.rs"]
mod dimpl_peer;
#[path = "dimpl_interop/negotiation.rs"]
mod negotiation;
#[path = "dimpl_interop/server13.rs"]
mod server13;
#[path = "dimpl_interop/vs_server13.rs"]
mod vs_server13;

use std::time::{Duration, Instant};

use common::fixtures::{Group, Spec};
use common::link::{Endpoint, Fate, LinkConfig, Pair};
use common::ours::{our_config, Ours};
use dimpl_peer::DimplPeer;
use rdtls::ClientOptions;

const SUITES: [&str; 3] = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
];

fn handshake_and_exchange<C, S>(pair: &mut Pair<C, S>, what: &str)
where
    C: Endpoint,
    S: Endpoint,
{
    pair.handshake(2_000, Duration::from_secs(120))
        .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
    // Application data is not retransmitted by DTLS: exchange it over a clean link.
    pair.link = LinkConfig::PERFECT;
    pair.exchange(b"ping from the client", b"pong from the server")
        .unwrap_or_else(|e| panic!("{what}: data: {e}"));
    // A second, larger exchange: records after the first use later sequence numbers.
    let big_c = vec![0xc1u8; 1000];
    let big_s = vec![0x5eu8; 1000];
    pair.exchange(&big_c, &big_s)
        .unwrap_or_else(|e| panic!("{what}: second data: {e}"));
}

#[test]
fn rdtls12_client_with_dimpl12_server() {
    for (i, suite) in SUITES.iter().enumerate() {
        let spec = Spec::new(suite, Group::X25519, false);
        let now = std::time::Instant::now();
        let client = Ours::client(our_config(&spec, false), now, ClientOptions::default());
        let server = DimplPeer::server12(now, false, 100 + i as u64);
        let mut pair = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
        handshake_and_exchange(&mut pair, &format!("rdtls client -> dimpl server, {suite}"));
        assert_eq!(pair.client.suite_name().as_deref(), Some(*suite));
        assert!(
            pair.server.peer_cert.is_none(),
            "no client certificate without mutual auth"
        );
    }
}

#[test]
fn dimpl12_client_with_rdtls12_server() {
    for (i, suite) in SUITES.iter().enumerate() {
        let spec = Spec::new(suite, Group::X25519, false);
        let now = std::time::Instant::now();
        let client = DimplPeer::client12(now, 200 + i as u64);
        let server = Ours::server(our_config(&spec, true), now);
        let mut pair = Pair::new_at(now, client, server, LinkConfig::PERFECT, 2);
        handshake_and_exchange(&mut pair, &format!("dimpl client -> rdtls server, {suite}"));
        assert_eq!(pair.server.suite_name().as_deref(), Some(*suite));
        // dimpl reports the leaf it verified our signatures with: our server certificate.
        let leaf = common::ours::load_chain("server-ecdsa.pem").remove(0);
        assert_eq!(pair.client.peer_cert.as_deref(), Some(&leaf[..]));
    }
}

#[test]
fn dtls12_mutual_authentication_both_directions() {
    let spec = Spec::new(SUITES[0], Group::P256, true);
    let now = std::time::Instant::now();
    // dimpl server requiring a client certificate; ours presents client-ecdsa.
    let client = Ours::client(our_config(&spec, false), now, ClientOptions::default());
    let server = DimplPeer::server12(now, true, 300);
    let mut pair = Pair::new_at(now, client, server, LinkConfig::PERFECT, 3);
    handshake_and_exchange(&mut pair, "mutual, dimpl server");
    let ours_leaf = common::ours::load_chain("client-ecdsa.pem").remove(0);
    assert_eq!(pair.server.peer_cert.as_deref(), Some(&ours_leaf[..]));

    // Our server requiring a client certificate; dimpl presents client-ecdsa.
    let client = DimplPeer::client12(now, 301);
    let server = Ours::server(our_config(&spec, true), now);
    let mut pair = Pair::new_at(now, client, server, LinkConfig::PERFECT, 4);
    handshake_and_exchange(&mut pair, "mutual, rdtls server");
}

/// A 1.3-capable peer meets our 1.2-only engine: dimpl's version-sensing client offers
/// DTLS 1.3 and 1.2 (supported_versions plus a 1.2-compatible hello) and our server settles
/// on 1.2; dimpl's version-sensing server receives our 1.2 ClientHello and falls back.
#[test]
fn dimpl_version_sensing_falls_back_to_dtls12_with_rdtls() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let client = DimplPeer::auto(now, true, 500);
    let server = Ours::server(our_config(&spec, true), now);
    let mut pair = Pair::new_at(now, client, server, LinkConfig::PERFECT, 5);
    handshake_and_exchange(&mut pair, "dimpl auto client -> rdtls server");
    assert_eq!(pair.client.version().as_deref(), Some("DTLS1_2"));

    let client = Ours::client(our_config(&spec, false), now, ClientOptions::default());
    let server = DimplPeer::auto(now, false, 501);
    let mut pair = Pair::new_at(now, client, server, LinkConfig::PERFECT, 6);
    handshake_and_exchange(&mut pair, "rdtls client -> dimpl auto server");
    assert_eq!(pair.server.version().as_deref(), Some("DTLS1_2"));
}

fn lost<C: Endpoint, S: Endpoint>(pair: &Pair<C, S>) -> usize {
    pair.log.iter().filter(|s| s.fate == Fate::Lost).count()
}

/// 20% loss, duplication and reordering during the handshake (retransmission on both
/// sides); data afterwards over a clean link.
#[test]
fn dtls12_over_a_lossy_link_both_directions() {
    let spec = Spec::default_ecdsa();
    let mut total_lost = 0;
    for seed in 1u64..=6 {
        let now = std::time::Instant::now();
        let client = Ours::client(our_config(&spec, false), now, ClientOptions::default());
        let server = DimplPeer::server12(now, false, seed);
        let mut pair = Pair::new_at(now, client, server, LinkConfig::lossy(0.2), seed);
        handshake_and_exchange(&mut pair, &format!("lossy, dimpl server, seed {seed}"));
        total_lost += lost(&pair);

        let client = DimplPeer::client12(now, seed);
        let server = Ours::server(our_config(&spec, true), now);
        let mut pair = Pair::new_at(now, client, server, LinkConfig::lossy(0.2), seed);
        handshake_and_exchange(&mut pair, &format!("lossy, rdtls server, seed {seed}"));
        total_lost += lost(&pair);
    }
    assert!(total_lost >= 4, "the link lost only {total_lost} datagrams");
}
