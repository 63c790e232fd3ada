//! Version negotiation through `Connection` against dimpl 0.8 (issue 13): our client with
//! `max_version` DTLS 1.3 against dimpl's 1.3, 1.2-only and version-sensing servers, and
//! dimpl's 1.3, 1.2 and version-sensing clients against our `Connection::server` with
//! `max_version` 1.3.

use std::time::{Duration, Instant};

use crate::common::fixtures::Spec;
use crate::common::link::{Endpoint, LinkConfig, Pair};
use crate::common::ours::{our_builder, Ours};
use crate::dimpl_peer::DimplPeer;
use rdtls::{ClientOptions, DTLS1_2_VERSION, DTLS1_3_VERSION};

fn ours(server: bool, max: u16, now: Instant) -> Ours {
    let cfg = our_builder(&Spec::default_ecdsa(), server)
        .versions(DTLS1_2_VERSION, max)
        .expect("versions")
        .build()
        .expect("config");
    if server {
        Ours::server(cfg, now)
    } else {
        Ours::client(cfg, now, ClientOptions::default())
    }
}

fn run<C: Endpoint, S: Endpoint>(p: &mut Pair<C, S>, what: &str) {
    p.handshake(4_000, Duration::from_secs(300))
        .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
    p.exchange(b"ping from the client", b"pong from the server")
        .unwrap_or_else(|e| panic!("{what}: data: {e}"));
    p.exchange(&[0xc1; 900], &[0x5e; 900])
        .unwrap_or_else(|e| panic!("{what}: second data: {e}"));
}

#[test]
fn our_dual_client_with_dimpl_servers() {
    for (i, (server, want)) in [
        ("1.3 with cookie", DTLS1_3_VERSION),
        ("1.3 without cookie", DTLS1_3_VERSION),
        ("1.2 only", DTLS1_2_VERSION),
        ("auto", DTLS1_3_VERSION),
    ]
    .into_iter()
    .enumerate()
    {
        let now = Instant::now();
        let seed = 300 + i as u64;
        let s = match server {
            "1.3 with cookie" => DimplPeer::server13(now, true, seed),
            "1.3 without cookie" => DimplPeer::server13(now, false, seed),
            "1.2 only" => DimplPeer::server12(now, false, seed),
            _ => DimplPeer::auto(now, false, seed),
        };
        let mut p = Pair::new_at(
            now,
            ours(false, DTLS1_3_VERSION, now),
            s,
            LinkConfig::PERFECT,
            seed,
        );
        let what = format!("rdtls dual client -> dimpl {server} server");
        run(&mut p, &what);
        assert_eq!(p.client.conn.protocol_version(), Some(want), "{what}");
    }
}

#[test]
fn our_dual_client_with_dimpl_13_server_lossy() {
    for seed in 0..4 {
        let now = Instant::now();
        let s = DimplPeer::server13(now, true, 400 + seed);
        let mut p = Pair::new_at(
            now,
            ours(false, DTLS1_3_VERSION, now),
            s,
            LinkConfig::lossy(0.10),
            seed,
        );
        p.handshake(20_000, Duration::from_secs(3600))
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        p.link = LinkConfig::PERFECT;
        p.exchange(b"a", b"b").unwrap();
        assert_eq!(p.client.conn.protocol_version(), Some(DTLS1_3_VERSION));
    }
}

#[test]
fn dimpl_clients_with_our_13_capable_server() {
    for (i, client) in ["1.3", "1.2", "auto"].into_iter().enumerate() {
        let now = Instant::now();
        let seed = 500 + i as u64;
        let c = match client {
            "1.3" => {
                let cfg = dimpl::Config::builder()
                    .dangerously_set_rng_seed(seed)
                    .build()
                    .expect("dimpl config");
                let mut d = dimpl::Dtls::new_13(
                    std::sync::Arc::new(cfg),
                    crate::dimpl_peer::credential(false),
                    now,
                );
                d.set_active(true);
                DimplPeer::wrap_for_test(d, now, "dimpl 1.3 client")
            }
            "1.2" => DimplPeer::client12(now, seed),
            _ => DimplPeer::auto(now, true, seed),
        };
        let mut p = Pair::new_at(
            now,
            c,
            ours(true, DTLS1_3_VERSION, now),
            LinkConfig::PERFECT,
            seed,
        );
        let what = format!("dimpl {client} client -> rdtls 1.3-capable server");
        run(&mut p, &what);
        let want = if client == "1.2" {
            DTLS1_2_VERSION
        } else {
            DTLS1_3_VERSION
        };
        assert_eq!(p.server.conn.protocol_version(), Some(want), "{what}");
    }
}
