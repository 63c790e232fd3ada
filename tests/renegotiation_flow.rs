//! Secure renegotiation (RFC 5746) between our client and server, both directions, with
//! application data in flight both ways through the seeded lossy link (10% loss) before,
//! during and after the epoch change (issue 8 item 4). The link decides which datagrams
//! arrive; the engine must deliver every application record that arrived, once, and (on a
//! link that keeps order) in the order it was sent: nothing may be lost to the new
//! handshake or to the epoch change (OpenSSL 3.0 drops the connection there).

mod common;

use std::time::Duration;

use common::fixtures::Spec;
use common::link::{Dir, Endpoint, LinkConfig};
use common::ours::our_builder;
use common::wire::{parse_records, CT_APP};
use common::{ours_pair_with, OursPair};
use rdtls::{AlertDescription, AlertLevel, ClientOptions, Event, RenegotiationPolicy};

/// Messages each side sends; the renegotiation starts after `START_AT` of them.
const MESSAGES: usize = 150;
const START_AT: usize = 20;
/// Time between two messages of one side.
const PACE: Duration = Duration::from_millis(20);

const ALLOW_CLIENT: RenegotiationPolicy = RenegotiationPolicy {
    refuse_all: false,
    allow_client: true,
};

fn lossy(reorder: bool) -> LinkConfig {
    LinkConfig {
        drop_rate: 0.10,
        duplicate_rate: 0.05,
        reorder: if reorder {
            Duration::from_millis(30)
        } else {
            Duration::ZERO
        },
        latency: Duration::from_millis(1),
        mtu: None,
    }
}

fn pair(server_policy: RenegotiationPolicy, link: LinkConfig, seed: u64) -> OursPair {
    let spec = Spec::default_ecdsa();
    let c = our_builder(&spec, false)
        .rng_seed(seed)
        .build()
        .expect("config");
    let s = our_builder(&spec, true)
        .rng_seed(seed + 1)
        .renegotiation(server_policy)
        .build()
        .expect("config");
    ours_pair_with(c, s, ClientOptions::default(), link, seed)
}

fn message(from: &str, i: usize) -> Vec<u8> {
    format!("{from} {i:04} renegotiation-padding").into_bytes()
}

/// Sends `data` from `dir`'s sender and returns the index in the link log of the one
/// datagram carrying it.
fn send_logged(p: &mut OursPair, dir: Dir, data: &[u8]) -> usize {
    p.flush();
    let before = p.log.len();
    p.send(dir, data).expect("send");
    p.flush();
    let mine: Vec<usize> = (before..p.log.len())
        .filter(|&i| p.log[i].dir == dir)
        .collect();
    assert_eq!(mine.len(), 1, "one application datagram per send");
    mine[0]
}

/// Epochs of the application-data records sent in `dir`.
fn app_epochs(p: &OursPair, dir: Dir) -> Vec<u16> {
    let mut v: Vec<u16> = p
        .bytes(dir)
        .iter()
        .filter_map(|d| parse_records(d).ok())
        .flatten()
        .filter(|r| r.ctype == CT_APP)
        .map(|r| r.epoch)
        .collect();
    v.dedup();
    v
}

struct Outcome {
    /// Messages sent by either side while a renegotiation ran on either side.
    sent_during: usize,
}

/// Runs the numbered exchange, starting a renegotiation from `initiator` after
/// `START_AT` messages, and checks delivery against what the link delivered.
fn exchange_across_renegotiation(p: &mut OursPair, initiator: Dir, ordered: bool) -> Outcome {
    p.handshake(10_000, Duration::from_secs(600))
        .expect("initial handshake");
    let mut sent_c: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut sent_s: Vec<(Vec<u8>, usize)> = Vec::new();
    let mut got_c: Vec<Vec<u8>> = Vec::new();
    let mut got_s: Vec<Vec<u8>> = Vec::new();
    let mut sent_during = 0;
    for i in 0..MESSAGES {
        if i == START_AT {
            let now = p.now;
            match initiator {
                Dir::ToServer => p.client.conn.renegotiate(now, false),
                Dir::ToClient => p.server.conn.renegotiate(now, false),
            }
            .expect("renegotiate");
        }
        if p.client.conn.is_renegotiating() || p.server.conn.is_renegotiating() {
            sent_during += 2;
        }
        let m = message("client", i);
        let at = send_logged(p, Dir::ToServer, &m);
        sent_c.push((m, at));
        let m = message("server", i);
        let at = send_logged(p, Dir::ToClient, &m);
        sent_s.push((m, at));
        // 50 messages a second each way: a lost flight (1 s timer) leaves ~50 records of
        // the new epoch waiting for the ChangeCipherSpec (MAX_NEXT_EPOCH_RECORDS is 256).
        let t = p.now + PACE;
        p.advance_to(t);
        p.step();
        got_c.extend(p.client.take_received());
        got_s.extend(p.server.take_received());
        assert!(p.client.error.is_none(), "client: {:?}", p.client.error);
        assert!(p.server.error.is_none(), "server: {:?}", p.server.error);
    }
    p.run_until(100_000, Duration::from_secs(3600), |p| {
        got_c.extend(p.client.take_received());
        got_s.extend(p.server.take_received());
        !p.client.conn.is_renegotiating()
            && !p.server.conn.is_renegotiating()
            && p.to_client.is_empty()
            && p.to_server.is_empty()
    })
    .expect("renegotiation completes and the link drains");
    got_c.extend(p.client.take_received());
    got_s.extend(p.server.take_received());
    assert_eq!(p.client.completions(), 2, "client: initial + renegotiation");
    assert_eq!(p.server.completions(), 2, "server: initial + renegotiation");
    for (who, sent, got) in [("server", &sent_c, &got_s), ("client", &sent_s, &got_c)] {
        let delivered: Vec<Vec<u8>> = sent
            .iter()
            .filter(|(_, at)| p.log[*at].copies > 0)
            .map(|(m, _)| m.clone())
            .collect();
        let lost = sent.len() - delivered.len();
        assert!(lost > 0, "the link lost some application data ({who})");
        let text = |v: &[Vec<u8>]| -> Vec<String> {
            v.iter()
                .map(|m| String::from_utf8_lossy(&m[..11]).into_owned())
                .collect()
        };
        let missing: Vec<String> = text(&delivered)
            .into_iter()
            .filter(|m| !text(got).contains(m))
            .collect();
        assert!(
            missing.is_empty(),
            "{who} missed delivered messages {missing:?}"
        );
        let (mut a, mut b) = (text(got), text(&delivered));
        if !ordered {
            a.sort();
            b.sort();
        }
        assert_eq!(
            a, b,
            "{who} got every delivered message once (in order: {ordered})"
        );
    }
    p.link = LinkConfig::PERFECT;
    p.exchange(b"after", b"renegotiation")
        .expect("data after renegotiation");
    // Records of epoch 1 and then epoch 2 both ways.
    for dir in [Dir::ToServer, Dir::ToClient] {
        assert_eq!(app_epochs(p, dir), vec![1, 2], "{dir:?} epochs");
    }
    Outcome { sent_during }
}

#[test]
fn client_initiated_renegotiation_keeps_data_flowing_both_ways_under_loss() {
    for seed in 11..19 {
        let mut p = pair(ALLOW_CLIENT, lossy(false), seed);
        let o = exchange_across_renegotiation(&mut p, Dir::ToServer, true);
        assert!(o.sent_during > 0, "data was sent during the renegotiation");
        assert_eq!(p.client.conn.renegotiations(), 1);
    }
}

#[test]
fn server_initiated_renegotiation_keeps_data_flowing_both_ways_under_loss() {
    // The default policy: a client accepts a server's HelloRequest.
    for seed in 21..29 {
        let mut p = pair(RenegotiationPolicy::default(), lossy(false), seed);
        let o = exchange_across_renegotiation(&mut p, Dir::ToClient, true);
        assert!(o.sent_during > 0, "data was sent during the renegotiation");
        assert_eq!(p.server.conn.renegotiations(), 1);
    }
}

#[test]
fn renegotiation_on_a_reordering_lossy_link_loses_and_duplicates_nothing() {
    for (seed, dir) in [
        (31, Dir::ToServer),
        (32, Dir::ToClient),
        (33, Dir::ToServer),
    ] {
        let mut p = pair(ALLOW_CLIENT, lossy(true), seed);
        let o = exchange_across_renegotiation(&mut p, dir, false);
        assert!(o.sent_during > 0, "data was sent during the renegotiation");
    }
}

#[test]
fn abbreviated_renegotiation_resumes_the_current_session() {
    let mut p = pair(ALLOW_CLIENT, LinkConfig::PERFECT, 41);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake");
    assert!(!p.client.conn.session_reused());
    let now = p.now;
    p.client.conn.renegotiate(now, true).expect("renegotiate");
    p.run_until(1_000, Duration::from_secs(60), |p| {
        p.client.completions() == 2 && p.server.completions() == 2
    })
    .expect("abbreviated renegotiation");
    assert!(p.client.conn.session_reused() && p.server.conn.session_reused());
    p.exchange(b"resumed", b"yes").expect("data");
}

#[test]
fn a_second_renegotiation_moves_to_epoch_3() {
    let mut p = pair(ALLOW_CLIENT, LinkConfig::PERFECT, 42);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake");
    for (n, dir) in [(2, Dir::ToServer), (3, Dir::ToClient)] {
        let now = p.now;
        match dir {
            Dir::ToServer => p.client.conn.renegotiate(now, false),
            Dir::ToClient => p.server.conn.renegotiate(now, false),
        }
        .expect("renegotiate");
        p.run_until(1_000, Duration::from_secs(60), |p| {
            p.client.completions() == n && p.server.completions() == n
        })
        .expect("renegotiation");
        p.exchange(b"ping", b"pong").expect("data");
    }
    assert_eq!(app_epochs(&p, Dir::ToServer).last(), Some(&3));
}

#[test]
fn server_refuses_client_renegotiation_by_default_and_the_connection_goes_on() {
    let mut p = pair(RenegotiationPolicy::default(), LinkConfig::PERFECT, 51);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake");
    let now = p.now;
    p.client.conn.renegotiate(now, false).expect("renegotiate");
    assert!(p.client.conn.is_renegotiating());
    p.run_until(1_000, Duration::from_secs(60), |p| {
        !p.client.conn.is_renegotiating()
    })
    .expect("refusal arrives");
    let refusal = Event::AlertReceived {
        level: AlertLevel::Warning,
        description: AlertDescription::NO_RENEGOTIATION,
    };
    assert!(p.client.events.contains(&refusal), "{:?}", p.client.events);
    assert_eq!(p.client.completions(), 1);
    p.exchange(b"still", b"here").expect("data after refusal");
}

#[test]
fn no_renegotiation_policy_refuses_to_start_and_refuses_requests() {
    let refuse = RenegotiationPolicy {
        refuse_all: true,
        allow_client: true,
    };
    let mut p = pair(refuse, LinkConfig::PERFECT, 61);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake");
    let now = p.now;
    assert!(p.server.conn.renegotiate(now, false).is_err());
    // The client asks anyway: the server answers no_renegotiation (allow_client does not
    // override refuse_all).
    p.client
        .conn
        .renegotiate(now, false)
        .expect("client may ask");
    p.run_until(1_000, Duration::from_secs(60), |p| {
        !p.client.conn.is_renegotiating()
    })
    .expect("refusal");
    assert!(p.server.events.contains(&Event::AlertSent {
        level: AlertLevel::Warning,
        description: AlertDescription::NO_RENEGOTIATION,
    }));
    p.client.conn.set_renegotiation_policy(refuse);
    assert!(p.client.conn.renegotiate(p.now, false).is_err());
    p.exchange(b"fine", b"fine").expect("data");
}
