//! Handshakes and application data over a lossy, duplicating, reordering link.
//!
//! ours↔ours runs in virtual time (hours of retransmission timers cost nothing), with the
//! suite, group and client auth varied by seed. ours↔OpenSSL runs in real time because
//! OpenSSL's retransmission timer reads the wall clock; those seeds are few and chosen so
//! each test finishes in a few seconds. After the handshake each side sends numbered
//! messages over the same link: every message is delivered at most once, intact. Captured
//! application-data datagrams re-injected later are never delivered again.

mod common;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use common::fixtures::{Group, Spec};
use common::link::{Dir, Endpoint, Fate, LinkConfig, Pair};
use common::ossl::{ossl_context, OsslPeer};
use common::ours::{our_builder, Ours};
use common::wire::{parse_records, CT_APP};
use common::{ours_pair, ours_pair_with};
use rdtls::suites::DEFAULT_SUITES;
use rdtls::ClientOptions;

/// Numbered messages each side sends after the handshake.
const MESSAGES: usize = 60;

/// A spec varied by seed: suite, group and client auth all rotate.
fn spec_for_seed(seed: u64) -> Spec {
    let suite = DEFAULT_SUITES[(seed as usize) % DEFAULT_SUITES.len()].openssl_name;
    let group = if seed.is_multiple_of(2) {
        Group::X25519
    } else {
        Group::P256
    };
    Spec::new(suite, group, seed.is_multiple_of(3))
}

fn message(from: &str, i: usize) -> Vec<u8> {
    format!("{from} message {i:04} padding-padding-padding").into_bytes()
}

/// True when `d` carries an application-data record.
fn is_app_data(d: &[u8]) -> bool {
    parse_records(d)
        .map(|rs| rs.iter().any(|r| r.ctype == CT_APP))
        .unwrap_or(false)
}

/// Sends `MESSAGES` numbered messages each way, interleaved with link steps, then lets the
/// link drain. Checks every received message is one we sent, intact, and received at most
/// once, and that a reasonable share got through. Returns the (client, server) receive counts.
fn numbered_messages<C: Endpoint, S: Endpoint>(
    p: &mut Pair<C, S>,
    loss: f64,
    what: &str,
) -> (usize, usize) {
    let mut got_c: Vec<Vec<u8>> = Vec::new();
    let mut got_s: Vec<Vec<u8>> = Vec::new();
    for i in 0..MESSAGES {
        p.send(Dir::ToServer, &message("client", i))
            .unwrap_or_else(|e| panic!("{what}: client send {i}: {e}"));
        p.send(Dir::ToClient, &message("server", i))
            .unwrap_or_else(|e| panic!("{what}: server send {i}: {e}"));
        p.step();
        got_c.extend(p.client.take_received());
        got_s.extend(p.server.take_received());
    }
    let deadline = p.now + Duration::from_secs(5);
    let _ = p.run_until(10_000, Duration::from_secs(7200), |p| {
        got_c.extend(p.client.take_received());
        got_s.extend(p.server.take_received());
        (p.to_client.is_empty() && p.to_server.is_empty()) || p.now > deadline
    });
    got_c.extend(p.client.take_received());
    got_s.extend(p.server.take_received());
    for (side, got, from) in [("client", &got_c, "server"), ("server", &got_s, "client")] {
        let expected: HashSet<Vec<u8>> = (0..MESSAGES).map(|i| message(from, i)).collect();
        let mut seen = HashSet::new();
        for m in got {
            assert!(
                expected.contains(m),
                "{what}: {side} received a message nobody sent: {:?}",
                String::from_utf8_lossy(m)
            );
            assert!(
                seen.insert(m.clone()),
                "{what}: {side} received {:?} twice",
                String::from_utf8_lossy(m)
            );
        }
        // With loss L each message arrives with probability about 1-L; demand well over
        // half of that so an engine that drops everything cannot pass.
        let min = ((1.0 - loss) * MESSAGES as f64 * 0.5) as usize;
        assert!(
            got.len() >= min,
            "{what}: {side} received only {} of {MESSAGES} messages",
            got.len()
        );
    }
    (got_c.len(), got_s.len())
}

/// How many application-data datagrams the link duplicated in direction `dir`.
fn duplicated_app_datagrams<C: Endpoint, S: Endpoint>(p: &Pair<C, S>, dir: Dir) -> usize {
    p.log
        .iter()
        .filter(|s| s.dir == dir && s.copies == 2 && is_app_data(&s.bytes))
        .count()
}

/// Re-injects every application-data datagram the link delivered (lost ones were never
/// seen, so delivering them now would be correct) and checks nothing is delivered again.
fn replay_all<C: Endpoint, S: Endpoint>(p: &mut Pair<C, S>, what: &str) -> (usize, usize) {
    let to_server: Vec<Vec<u8>> = p
        .log
        .iter()
        .filter(|s| s.dir == Dir::ToServer && s.copies > 0 && is_app_data(&s.bytes))
        .map(|s| s.bytes.clone())
        .collect();
    let to_client: Vec<Vec<u8>> = p
        .log
        .iter()
        .filter(|s| s.dir == Dir::ToClient && s.copies > 0 && is_app_data(&s.bytes))
        .map(|s| s.bytes.clone())
        .collect();
    assert!(
        !to_server.is_empty() && !to_client.is_empty(),
        "{what}: nothing captured"
    );
    p.link = LinkConfig::PERFECT;
    for d in &to_server {
        p.inject(Dir::ToServer, d.clone());
    }
    for d in &to_client {
        p.inject(Dir::ToClient, d.clone());
    }
    p.drive_bounded(20);
    let again_s = p.server.take_received();
    let again_c = p.client.take_received();
    assert!(
        again_s.is_empty(),
        "{what}: server delivered {} replayed records",
        again_s.len()
    );
    assert!(
        again_c.is_empty(),
        "{what}: client delivered {} replayed records",
        again_c.len()
    );
    assert!(
        p.client.failure().is_none() && p.server.failure().is_none(),
        "{what}: replays must not be fatal: {}",
        p.describe("after replay")
    );
    (to_client.len(), to_server.len())
}

fn ours_ours(loss: f64, seed: u64) {
    let spec = spec_for_seed(seed);
    let what = format!("ours<->ours loss {loss} seed {seed} {spec:?}");
    let mut p = ours_pair(&spec, LinkConfig::lossy(loss), seed);
    p.handshake(200_000, Duration::from_secs(4 * 3600))
        .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
    assert!(
        p.log.iter().any(|s| s.fate == Fate::Lost),
        "{what}: the seed lost nothing during the handshake; pick another"
    );
    let before_c = p.client.conn.stats();
    let before_s = p.server.conn.stats();
    numbered_messages(&mut p, loss, &what);
    // Every copy the link duplicated after the handshake must have been caught as a replay
    // (or, if it arrived after the window moved past it, dropped as too old).
    let dup_to_server = duplicated_app_datagrams(&p, Dir::ToServer);
    let dup_to_client = duplicated_app_datagrams(&p, Dir::ToClient);
    let s = p.server.conn.stats();
    let c = p.client.conn.stats();
    let caught_s = (s.records_replayed + s.records_dropped)
        - (before_s.records_replayed + before_s.records_dropped);
    let caught_c = (c.records_replayed + c.records_dropped)
        - (before_c.records_replayed + before_c.records_dropped);
    assert!(
        caught_s as usize >= dup_to_server,
        "{what}: server counted {caught_s} replayed/dropped records, link duplicated \
         {dup_to_server} app datagrams; stats {s:?}"
    );
    assert!(
        caught_c as usize >= dup_to_client,
        "{what}: client counted {caught_c} replayed/dropped records, link duplicated \
         {dup_to_client} app datagrams; stats {c:?}"
    );
    let before_s = p.server.conn.stats();
    let (_, to_server) = replay_all(&mut p, &what);
    let after_s = p.server.conn.stats();
    assert!(
        after_s.records_replayed + after_s.records_dropped
            >= before_s.records_replayed + before_s.records_dropped + to_server as u64,
        "{what}: {to_server} replayed datagrams not all counted: before {before_s:?} after \
         {after_s:?}"
    );
    // The association still works after all that.
    p.link = LinkConfig::PERFECT;
    p.exchange(b"still alive?", b"yes")
        .unwrap_or_else(|e| panic!("{what}: after replays: {e}"));
}

/// Short retransmission timer for our side against OpenSSL, so our retransmissions (not
/// only OpenSSL's 1 s, 2 s, 4 s ... timer) drive recovery in real time.
const OURS_RTO_VS_OPENSSL: Duration = Duration::from_millis(200);

/// Real-time budget of one ours↔OpenSSL lossy handshake.
const OPENSSL_LOSSY_BUDGET: Duration = Duration::from_secs(30);

fn ours_client_openssl_server(loss: f64, seed: u64) {
    let spec = spec_for_seed(seed);
    let what = format!("ours client <-> OpenSSL server loss {loss} seed {seed} {spec:?}");
    let cfg = our_builder(&spec, false)
        .initial_timeout(OURS_RTO_VS_OPENSSL)
        .build()
        .expect("config");
    let sctx = ossl_context(&spec, true).expect("OpenSSL context");
    let now = Instant::now();
    let client = Ours::client(cfg, now, ClientOptions::default());
    let server = OsslPeer::new(&sctx, true, spec.mtu, None).expect("OpenSSL server");
    let mut p = Pair::new_at(now, client, server, LinkConfig::lossy(loss), seed);
    p.handshake(100_000, OPENSSL_LOSSY_BUDGET)
        .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
    numbered_messages(&mut p, loss, &what);
    replay_all(&mut p, &what);
}

fn openssl_client_ours_server(loss: f64, seed: u64) {
    let spec = spec_for_seed(seed);
    let what = format!("OpenSSL client <-> ours server loss {loss} seed {seed} {spec:?}");
    let cfg = our_builder(&spec, true)
        .initial_timeout(OURS_RTO_VS_OPENSSL)
        .build()
        .expect("config");
    let cctx = ossl_context(&spec, false).expect("OpenSSL context");
    let now = Instant::now();
    let client = OsslPeer::new(&cctx, false, spec.mtu, None).expect("OpenSSL client");
    let server = Ours::server(cfg, now);
    let mut p = Pair::new_at(now, client, server, LinkConfig::lossy(loss), seed);
    p.handshake(100_000, OPENSSL_LOSSY_BUDGET)
        .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
    numbered_messages(&mut p, loss, &what);
    replay_all(&mut p, &what);
}

#[test]
fn ours_ours_loss10_seed_3() {
    ours_ours(0.10, 3);
}

#[test]
fn ours_ours_loss10_seed_5() {
    ours_ours(0.10, 5);
}

#[test]
fn ours_ours_loss10_seed_16() {
    ours_ours(0.10, 16);
}

#[test]
fn ours_ours_loss10_seed_33() {
    ours_ours(0.10, 33);
}

#[test]
fn ours_ours_loss30_seed_1() {
    ours_ours(0.30, 1);
}

#[test]
fn ours_ours_loss30_seed_2() {
    ours_ours(0.30, 2);
}

#[test]
fn ours_ours_loss30_seed_5() {
    ours_ours(0.30, 5);
}

#[test]
fn ours_ours_loss30_seed_21() {
    ours_ours(0.30, 21);
}

#[test]
fn ours_ours_loss30_seed_27() {
    ours_ours(0.30, 27);
}

#[test]
fn ours_client_openssl_server_loss10_seed_1() {
    ours_client_openssl_server(0.10, 1);
}

#[test]
fn ours_client_openssl_server_loss30_seed_2() {
    ours_client_openssl_server(0.30, 2);
}

#[test]
fn openssl_client_ours_server_loss10_seed_3() {
    openssl_client_ours_server(0.10, 3);
}

#[test]
fn openssl_client_ours_server_loss30_seed_4() {
    openssl_client_ours_server(0.30, 4);
}

/// A perfect link, then every application datagram replayed: exact counter check.
#[test]
fn ours_ours_replayed_app_data_counted_seed_7() {
    let spec = spec_for_seed(7);
    let mut p = ours_pair(&spec, LinkConfig::PERFECT, 7);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake");
    for i in 0..10 {
        p.exchange(&message("client", i), &message("server", i))
            .expect("exchange");
    }
    let before = p.server.conn.stats();
    let (_, to_server) = replay_all(&mut p, "perfect link replay");
    assert_eq!(to_server, 10);
    let after = p.server.conn.stats();
    assert_eq!(
        after.records_replayed - before.records_replayed,
        10,
        "each replayed record inside the window counts as replayed: {before:?} -> {after:?}"
    );
}

/// 30% loss with a 600-byte MTU: fragmented flights are retransmitted piecewise and the
/// handshake still completes with every datagram within the MTU.
#[test]
fn ours_ours_loss30_tight_mtu_seed_8() {
    let spec = Spec {
        mtu: 600,
        ..spec_for_seed(8)
    };
    let mut link = LinkConfig::lossy(0.30);
    link.mtu = Some(600);
    let mut p = ours_pair_with(
        common::ours::our_config(&spec, false),
        common::ours::our_config(&spec, true),
        ClientOptions::default(),
        link,
        8,
    );
    p.handshake(200_000, Duration::from_secs(4 * 3600))
        .unwrap_or_else(|e| panic!("tight MTU handshake: {e}"));
    assert!(
        p.log.iter().all(|s| s.bytes.len() <= 600),
        "a datagram exceeded the 600-byte MTU"
    );
    numbered_messages(&mut p, 0.30, "tight MTU");
}
