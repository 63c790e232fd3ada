//! Stock OpenSSL 3.0 beside rdtls under the eight off-path injections of issue 9 (a forged
//! close_notify, a forged fatal alert, an epoch-0 record at sequence number 2^48-1, and
//! garbage; each toward the client and toward the server, mid-handshake). OpenSSL runs on
//! the wall clock, so this is ignored by default:
//! `cargo test -p rdtls --test offpath_openssl -- --ignored --nocapture`.
//! It asserts that rdtls survives all eight and prints how OpenSSL fares.

mod common;

use std::time::{Duration, Instant};

use common::fixtures::Spec;
use common::link::{Dir, Endpoint, LinkConfig, Pair};
use common::ossl::{ossl_context, OsslPeer};
use common::ours::{our_config, Ours};
use common::wire::*;
use rdtls::ClientOptions;

/// 2^48 - 1, the largest record sequence number.
const MAX_SEQ: u64 = (1 << 48) - 1;

/// The four injections, aimed at `toward` (the victim's expected first-flight message type
/// makes the 2^48-1 record plausible enough to be looked at).
fn injections(toward: Dir) -> Vec<(&'static str, Vec<u8>)> {
    let hello = match toward {
        Dir::ToClient => HT_SERVER_HELLO,
        Dir::ToServer => HT_CLIENT_HELLO,
    };
    let partial = HsFrag {
        msg_type: hello,
        length: 1000,
        message_seq: 1,
        offset: 0,
        body: vec![0; 10],
    };
    let garbage: Vec<u8> = (0..64u32).map(|i| (i * 37 + 11) as u8).collect();
    vec![
        (
            "close_notify",
            Record::new(CT_ALERT, 0, 1, vec![1, 0]).to_bytes(),
        ),
        (
            "fatal handshake_failure",
            Record::new(CT_ALERT, 0, 2, vec![2, 40]).to_bytes(),
        ),
        (
            "sequence 2^48-1",
            Record::new(CT_HANDSHAKE, 0, MAX_SEQ, partial.to_bytes()).to_bytes(),
        ),
        ("garbage", garbage),
    ]
}

/// Lets the first exchange happen (ClientHello answered), injects `d` toward `dir`, and
/// reports whether the genuine handshake still completes within `budget`.
fn survives<C: Endpoint, S: Endpoint>(
    mut p: Pair<C, S>,
    dir: Dir,
    d: Vec<u8>,
    budget: Duration,
) -> bool {
    p.step();
    p.inject(dir, d);
    p.handshake(100_000, budget).is_ok()
}

fn ours(spec: &Spec, dir: Dir, d: Vec<u8>) -> bool {
    let now = Instant::now();
    let c = Ours::client(our_config(spec, false), now, ClientOptions::default());
    let s = Ours::server(our_config(spec, true), now);
    survives(
        Pair::new_at(now, c, s, LinkConfig::PERFECT, 1),
        dir,
        d,
        Duration::from_secs(120),
    )
}

fn openssl(spec: &Spec, dir: Dir, d: Vec<u8>) -> bool {
    let cctx = ossl_context(spec, false).expect("OpenSSL client context");
    let sctx = ossl_context(spec, true).expect("OpenSSL server context");
    let now = Instant::now();
    let c = OsslPeer::new(&cctx, false, spec.mtu, None).expect("OpenSSL client");
    let s = OsslPeer::new(&sctx, true, spec.mtu, None).expect("OpenSSL server");
    survives(
        Pair::new_at(now, c, s, LinkConfig::PERFECT, 1),
        dir,
        d,
        Duration::from_secs(8),
    )
}

#[test]
#[ignore = "real time: OpenSSL's retransmission timer reads the wall clock (about a minute)"]
fn stock_openssl_and_rdtls_under_off_path_injections() {
    let spec = Spec::default_ecdsa();
    let (mut ours_ok, mut ossl_ok) = (0, 0);
    println!(
        "{:<28} {:<10} {:<8} {:<8}",
        "injection", "toward", "rdtls", "openssl"
    );
    for dir in [Dir::ToClient, Dir::ToServer] {
        for (name, d) in injections(dir) {
            let a = ours(&spec, dir, d.clone());
            let b = openssl(&spec, dir, d);
            ours_ok += usize::from(a);
            ossl_ok += usize::from(b);
            let verdict = |ok| if ok { "survives" } else { "fails" };
            println!(
                "{name:<28} {:<10} {:<8} {:<8}",
                format!("{dir:?}"),
                verdict(a),
                verdict(b)
            );
        }
    }
    println!("rdtls survives {ours_ok} of 8, stock OpenSSL {ossl_ok} of 8");
    assert_eq!(ours_ok, 8, "rdtls must survive every off-path injection");
}
