//! Server13 against hostile input: seeded random bit flips and truncations of the client's
//! flights fed to a fresh server (a clean error or a silent drop, never a panic), and the
//! stateless cookie: valid on a server that never saw ClientHello1, refused for another
//! peer address or a changed client random.

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rdtls::dtls13::server::ServerEvent13;

use crate::common::link::{Dir, Endpoint, LinkConfig, Pair};
use crate::{dimpl13_client, ours_pair, server, SUITES};

/// The datagrams a client sent during a clean handshake (cookie on).
fn recorded_flights(seed: u64, dimpl: bool) -> Vec<Vec<u8>> {
    let dgrams = if dimpl {
        let now = Instant::now();
        let client = dimpl13_client(now, seed, 1150);
        let srv = server(seed, 1150, SUITES[0], true, now);
        let mut p = Pair::new_at(now, client, srv, LinkConfig::PERFECT, seed);
        p.handshake(1000, std::time::Duration::from_secs(60))
            .expect("clean handshake");
        p.bytes(Dir::ToServer)
            .iter()
            .map(|d| d.to_vec())
            .collect::<Vec<_>>()
    } else {
        let mut p = ours_pair(seed, SUITES[0], true, 1150, LinkConfig::PERFECT);
        p.handshake(1000, std::time::Duration::from_secs(60))
            .expect("clean handshake");
        p.bytes(Dir::ToServer).iter().map(|d| d.to_vec()).collect()
    };
    assert!(
        dgrams.len() >= 3,
        "ClientHello1, ClientHello2, Finished flight"
    );
    dgrams
}

fn mutate(rng: &mut StdRng, d: &[u8]) -> Vec<u8> {
    let mut m = d.to_vec();
    match rng.gen_range(0..3) {
        0 => {
            for _ in 0..rng.gen_range(1..4) {
                let i = rng.gen_range(0..m.len());
                m[i] ^= 1 << rng.gen_range(0..8);
            }
        }
        1 => m.truncate(rng.gen_range(0..m.len())),
        _ => {
            // A flipped byte in the header area (lengths, epoch, message fields).
            let i = rng.gen_range(0..m.len().min(40));
            m[i] = rng.gen();
        }
    }
    m
}

/// One client datagram of a live handshake (cookie on) is mutated on the wire; the
/// server, fresh for every round, must fail cleanly (an alert, a dead connection that
/// refuses more input) or drop it silently — in which case the client's retransmission
/// completes the handshake (or, for a ClientHello changed into another valid one, the
/// transcripts differ and nothing decrypts). Never a panic, never unbounded output.
#[test]
fn mutated_client_flights_never_panic() {
    let (mut errors, mut recovered, mut stalled) = (0, 0, 0);
    for dimpl in [false, true] {
        let mut rng = StdRng::seed_from_u64(80);
        for round in 0..60u64 {
            let victim = round % 3; // ClientHello1, ClientHello2, the Finished flight
            let seed = 80 + round;
            let mutated = {
                let mut r = StdRng::seed_from_u64(rng.gen());
                let mut n = 0u64;
                move |dir: Dir, d: Vec<u8>| {
                    if dir == Dir::ToServer {
                        n += 1;
                        if n == victim + 1 {
                            return vec![mutate(&mut r, &d)];
                        }
                    }
                    vec![d]
                }
            };
            let what = format!("dimpl={dimpl} round {round}");
            let (failure, established, client_failed) = if dimpl {
                let now = Instant::now();
                let client = dimpl13_client(now, seed, 1150);
                let srv = server(seed, 1150, SUITES[0], true, now);
                let mut p = Pair::new_at(now, client, srv, LinkConfig::PERFECT, seed);
                p.tamper = Some(Box::new(mutated));
                let _ = p.handshake(2_000, std::time::Duration::from_secs(120));
                check_dead(&mut p.server, &what);
                (
                    p.server.failure(),
                    p.server.is_established(),
                    p.client.failure().is_some(),
                )
            } else {
                let mut p = ours_pair(seed, SUITES[0], true, 1150, LinkConfig::PERFECT);
                p.tamper = Some(Box::new(mutated));
                let _ = p.handshake(2_000, std::time::Duration::from_secs(120));
                check_dead(&mut p.server, &what);
                (
                    p.server.failure(),
                    p.server.is_established(),
                    p.client.failure().is_some(),
                )
            };
            match (failure, established || client_failed) {
                (Some(_), _) => errors += 1,
                // Recovered by retransmission, or the client refused our (valid) answer to
                // its altered ClientHello.
                (None, true) => recovered += 1,
                // A changed but well-formed ClientHello is accepted and hashed as received:
                // the two transcripts differ, so each side drops the other's epoch-2
                // records (RFC 9147 §4.5.2) until the retransmission limit ends it.
                (None, false) => {
                    assert!(victim < 2, "{what}: the Finished flight is authenticated");
                    stalled += 1;
                }
            }
        }
    }
    eprintln!("{errors} errors, {recovered} recovered, {stalled} stalled");
    assert!(
        errors > 0 && recovered > 0,
        "{errors} errors, {recovered} recovered"
    );
}

/// A server that failed stays failed and bounded.
fn check_dead(s: &mut crate::srv13::OursS13, what: &str) {
    let now = Instant::now();
    let mut n = 0;
    while s.s.poll_transmit().is_some() {
        n += 1;
        assert!(n < 64, "{what}: unbounded output");
    }
    if s.failure().is_some() {
        assert!(!s.is_established(), "{what}");
        assert!(
            s.s.handle_datagram(now, &[22, 0xfe, 0xfd]).is_err(),
            "{what}"
        );
    }
}

/// The HelloRetryRequest keeps no state: ClientHello2 completes on a second server object
/// that never saw ClientHello1 (same configuration, i.e. same cookie keys).
#[test]
fn cookie_is_stateless_and_bound_to_peer_and_random() {
    let flights = recorded_flights(90, false);
    let now = Instant::now();
    let mut first = server(90, 1150, SUITES[0], true, now);
    first.handle_datagram(now, &flights[0]);
    assert_eq!(first.events, vec![ServerEvent13::HelloRetryRequest(true)]);
    assert_eq!(first.s.state_name(), "ExpectClientHello");
    let mut fresh = server(90, 1150, SUITES[0], true, now);
    fresh.handle_datagram(now, &flights[1]);
    assert!(fresh.failure().is_none(), "{:?}", fresh.failure());
    assert!(fresh.events.is_empty(), "no second HRR");
    assert_eq!(fresh.s.state_name(), "ExpectFinished");
    // (The recorded Finished cannot be replayed: our ECDSA signature is randomized.)

    // Another peer address: the cookie does not verify.
    let mut other = server(90, 1150, SUITES[0], true, now);
    other.s = rdtls::dtls13::server::Server13::new(
        crate::server_config(90, 1150),
        rdtls::dtls13::server::ServerOptions13 {
            suites: vec![SUITES[0]],
            peer_addr: b"198.51.100.7:9".to_vec(),
            ..Default::default()
        },
        now,
    )
    .unwrap();
    other.handle_datagram(now, &flights[1]);
    let e = other.failure().expect("foreign cookie refused");
    assert!(e.contains("cookie"), "{e}");

    // A changed client random (bytes 12+13+2..: record header, handshake header, version).
    let mut ch2 = flights[1].clone();
    ch2[13 + 12 + 2] ^= 1;
    let mut s = server(90, 1150, SUITES[0], true, now);
    s.handle_datagram(now, &ch2);
    assert!(s.failure().expect("random changed").contains("cookie"));
}

/// The whole handshake with the server object replaced right after its HelloRetryRequest
/// (a stateless listener handing ClientHello2 to a new connection): it completes with
/// both clients. ServerHello reuses ClientHello2's record number (RFC 9147 §5.1), so the
/// client's epoch-0 replay window does not drop it as a repeat of the HRR's.
#[test]
fn handshake_completes_on_a_fresh_server_after_hrr() {
    fn swap<C: Endpoint>(p: &mut Pair<C, crate::srv13::OursS13>, seed: u64, what: &str) {
        p.run_until(50, std::time::Duration::from_secs(10), |p| {
            !p.server.events.is_empty()
        })
        .unwrap_or_else(|e| panic!("{what}: HRR: {e}"));
        assert_eq!(
            p.server.events,
            vec![ServerEvent13::HelloRetryRequest(true)]
        );
        p.server = server(seed, 1150, SUITES[1], true, p.now);
        crate::handshake_and_data(p, what);
        // No ClientHello2 retransmission was needed: the first ServerHello was taken.
        let hellos = p
            .log
            .iter()
            .filter(|s| s.dir == Dir::ToServer && s.bytes[0] == 22)
            .count();
        assert_eq!(hellos, 2, "{what}");
        assert!(
            !p.server
                .events
                .contains(&ServerEvent13::HelloRetryRequest(true)),
            "{what}: the new server needed no second HRR"
        );
    }
    let mut p = ours_pair(95, SUITES[1], true, 1150, LinkConfig::PERFECT);
    swap(&mut p, 95, "ours");
    let now = Instant::now();
    let client = dimpl13_client(now, 96, 1150);
    let srv = server(96, 1150, SUITES[1], true, now);
    let mut p = Pair::new_at(now, client, srv, LinkConfig::PERFECT, 96);
    swap(&mut p, 96, "dimpl");
}

/// RFC 9147 §5.3: a DTLS 1.3 ClientHello with a non-empty legacy_cookie is refused with
/// illegal_parameter (and a plaintext alert goes back).
#[test]
fn legacy_cookie_is_refused() {
    let flights = recorded_flights(97, false);
    let mut ch = flights[0].clone();
    assert_eq!(ch[0], 22);
    // Record header 13, handshake header 12, then version 2, random 32, session id (empty).
    let at = 13 + 12 + 2 + 32;
    assert_eq!(ch[at], 0, "empty session id");
    assert_eq!(ch[at + 1], 0, "empty legacy_cookie");
    ch[at + 1] = 1;
    ch.insert(at + 2, 0xaa);
    let bump = |b: &mut [u8]| {
        let mut v = 0u32;
        for x in b.iter() {
            v = v << 8 | u32::from(*x);
        }
        v += 1;
        for (i, x) in b.iter_mut().rev().enumerate() {
            *x = (v >> (8 * i)) as u8;
        }
    };
    bump(&mut ch[11..13]); // record length
    bump(&mut ch[14..17]); // message length
    bump(&mut ch[22..25]); // fragment length
    let now = Instant::now();
    let mut s = server(97, 1150, SUITES[0], true, now);
    s.handle_datagram(now, &ch);
    let e = s.failure().expect("refused");
    assert!(e.contains("legacy_cookie"), "{e}");
    let alert = s.s.poll_transmit().expect("an alert");
    assert_eq!((alert[0], alert[13], alert[14]), (21, 2, 47));
}

/// RFC 9147 §5: a DTLS 1.3 server MUST NOT echo the client's legacy_session_id (wolfSSL's
/// client sends its session's ID when it resumes and refuses a ServerHello echoing it), in
/// the stateless HelloRetryRequest nor in ServerHello.
#[test]
fn legacy_session_id_is_not_echoed() {
    let flights = recorded_flights(98, false);
    let mut ch = flights[0].clone();
    // Record header 13, handshake header 12, then version 2, random 32, session id.
    let at = 13 + 12 + 2 + 32;
    assert_eq!(ch[at], 0, "empty session id");
    ch[at] = 32;
    ch.splice(at + 1..at + 1, [0x5a; 32]);
    let grow = |b: &mut [u8]| {
        let mut v = 0u32;
        for x in b.iter() {
            v = v << 8 | u32::from(*x);
        }
        v += 32;
        for (i, x) in b.iter_mut().rev().enumerate() {
            *x = (v >> (8 * i)) as u8;
        }
    };
    grow(&mut ch[11..13]); // record length
    grow(&mut ch[14..17]); // message length
    grow(&mut ch[22..25]); // fragment length
    for cookie in [true, false] {
        let now = Instant::now();
        let mut s = server(98, 1150, SUITES[0], cookie, now);
        s.handle_datagram(now, &ch);
        assert!(s.failure().is_none(), "{:?}", s.failure());
        let out =
            s.s.poll_transmit()
                .expect("HelloRetryRequest or ServerHello");
        // Epoch-0 handshake record, ServerHello (2), then an empty legacy_session_id_echo.
        assert_eq!((out[0], out[13]), (22, 2), "cookie {cookie}");
        assert_eq!(out[at], 0, "session id echoed (cookie {cookie})");
    }
}
