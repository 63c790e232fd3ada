//! Server13 over an imperfect link and after the handshake: KeyUpdate both ways,
//! close_notify, 10% and 30% loss (with duplication and reordering), and a 300-byte MTU
//! that cuts our certificate chain into many records.

use std::time::Duration;

use rdtls::dtls13::client::Event13;
use rdtls::dtls13::server::ServerEvent13;

use crate::common::link::{Dir, Endpoint, LinkConfig};
use crate::{dimpl_pair, handshake_and_data, ours_pair, SUITES};

/// RFC 9147 §8: our server's KeyUpdate(update_requested) is ACKed by dimpl (our sending
/// moves to epoch 4) and answered with its own, which we install; data flows after.
#[test]
fn key_update_with_dimpl13_client() {
    let mut p = dimpl_pair(50, SUITES[0], true, 1150, LinkConfig::PERFECT);
    handshake_and_data(&mut p, "dimpl key update");
    for round in [4u64, 5] {
        let now = p.now;
        p.server.s.key_update(now, true).expect("key update");
        p.run_until(200, Duration::from_secs(60), |p| {
            p.server
                .events
                .contains(&ServerEvent13::SendKeyUpdated(round))
        })
        .unwrap_or_else(|e| panic!("our key update to {round}: {e}"));
        // dimpl queues its answer for its next turn.
        let now = p.now;
        p.client.handle_timeout(now);
        p.run_until(200, Duration::from_secs(60), |p| {
            p.server
                .events
                .contains(&ServerEvent13::RecvKeyUpdated(round))
        })
        .unwrap_or_else(|e| panic!("dimpl's key update to {round}: {e}"));
        assert_eq!(p.server.s.send_epoch(), round);
        p.exchange(b"after key update", b"epoch moved")
            .unwrap_or_else(|e| panic!("data at epoch {round}: {e}"));
    }
}

/// KeyUpdate between our client and our server, each side starting one round.
#[test]
fn key_update_ours_both_directions() {
    let mut p = ours_pair(51, SUITES[2], true, 1150, LinkConfig::PERFECT);
    handshake_and_data(&mut p, "ours key update");
    let now = p.now;
    p.client.c.key_update(now, true).expect("client key update");
    p.run_until(200, Duration::from_secs(60), |p| {
        p.client.events.contains(&Event13::SendKeyUpdated(4))
            && p.server.events.contains(&ServerEvent13::SendKeyUpdated(4))
    })
    .expect("client-initiated round");
    p.exchange(b"epoch 4 c", b"epoch 4 s").expect("data at 4");
    let now = p.now;
    p.server
        .s
        .key_update(now, false)
        .expect("server key update");
    p.run_until(200, Duration::from_secs(60), |p| {
        p.server.events.contains(&ServerEvent13::SendKeyUpdated(5))
            && p.client.events.contains(&Event13::RecvKeyUpdated(5))
    })
    .expect("server-initiated round");
    assert_eq!((p.client.c.send_epoch(), p.server.s.send_epoch()), (4, 5));
    p.exchange(b"c at 4", b"s at 5").expect("data after");
}

/// close_notify both ways with our client: each side reports the peer's.
#[test]
fn close_notify_with_our_client() {
    let mut p = ours_pair(52, SUITES[0], true, 1150, LinkConfig::PERFECT);
    handshake_and_data(&mut p, "close");
    p.server.s.close().unwrap();
    assert!(p.server.s.send(b"x").is_err(), "write side closed");
    p.run_until(50, Duration::from_secs(10), |p| {
        p.client.events.contains(&Event13::PeerClosed)
    })
    .expect("client saw our close_notify");
    // dimpl-like half-close: the client can still answer, then closes.
    p.client.c.close().ok();
    p.run_until(50, Duration::from_secs(10), |p| {
        p.server.events.contains(&ServerEvent13::PeerClosed)
    })
    .expect("server saw the client's close_notify");
}

/// close_notify from dimpl's client reaches us.
#[test]
fn close_notify_from_dimpl13_client() {
    let mut p = dimpl_pair(53, SUITES[1], true, 1150, LinkConfig::PERFECT);
    handshake_and_data(&mut p, "dimpl close");
    p.client.dtls.close().expect("dimpl close");
    p.client.pump();
    p.run_until(50, Duration::from_secs(10), |p| {
        p.server.events.contains(&ServerEvent13::PeerClosed)
    })
    .expect("server saw dimpl's close_notify");
}

/// 10% and 30% loss (plus duplication and reordering), cookie on, several seeds, both
/// clients; data afterwards.
#[test]
fn lossy_links_with_both_clients() {
    for rate in [0.10, 0.30] {
        for seed in 60..63u64 {
            let suite = SUITES[seed as usize % 3];
            let what = format!("dimpl loss {rate} seed {seed}");
            let mut p = dimpl_pair(seed, suite, true, 1150, LinkConfig::lossy(rate));
            handshake_and_data(&mut p, &what);
            let what = format!("ours loss {rate} seed {seed}");
            let mut p = ours_pair(seed, suite, true, 1150, LinkConfig::lossy(rate));
            handshake_and_data(&mut p, &what);
        }
    }
}

/// A 300-byte MTU (the link drops anything larger): our chain goes out in many records,
/// every datagram fits, with both clients and with 10% loss.
#[test]
fn mtu_300_fragments_the_chain() {
    for link in [LinkConfig::PERFECT, LinkConfig::lossy(0.10)] {
        let link = LinkConfig {
            mtu: Some(300),
            ..link
        };
        let mut p = dimpl_pair(70, SUITES[0], true, 300, link);
        handshake_and_data(&mut p, "dimpl mtu 300");
        let ours: Vec<usize> = p.bytes(Dir::ToClient).iter().map(|d| d.len()).collect();
        assert!(ours.iter().all(|&n| n <= 300), "{ours:?}");
        assert!(ours.len() >= 4, "chain fragmented: {ours:?}");
        let mut p = ours_pair(71, SUITES[1], true, 300, link);
        handshake_and_data(&mut p, "ours mtu 300");
        assert!(p.bytes(Dir::ToClient).iter().all(|d| d.len() <= 300));
        assert!(p.server.failure().is_none());
    }
}

/// RFC 9147 §4.5.3: once our sending key has protected 7/8 of the suite's limit (counted
/// ahead by the test hook), the next `send` starts a KeyUpdate on its own; dimpl ACKs it
/// and our data moves to epoch 4.
#[test]
fn key_update_starts_by_itself_near_the_sealing_limit() {
    use rdtls::dtls13::epoch::limits;
    let mut p = dimpl_pair(54, SUITES[0], true, 1150, LinkConfig::PERFECT);
    handshake_and_data(&mut p, "auto key update");
    let max = limits(SUITES[0]).max_sealed;
    p.server.s.count_key_usage_for_test(max / 8 * 7 - 2, 0);
    p.exchange(b"below", b"the threshold").unwrap();
    assert_eq!(p.server.s.poll_timeout(), None, "no KeyUpdate yet");
    p.exchange(b"at", b"the threshold").unwrap();
    p.run_until(200, Duration::from_secs(60), |p| {
        p.server.events.contains(&ServerEvent13::SendKeyUpdated(4))
    })
    .expect("our automatic KeyUpdate is acknowledged");
    assert_eq!(p.server.s.send_epoch(), 4);
    p.exchange(b"still epoch 3", b"fresh key").unwrap();
    let last = &p
        .log
        .iter()
        .rev()
        .find(|s| s.dir == Dir::ToClient)
        .unwrap()
        .bytes;
    assert_eq!(last[0] & 0x03, 0, "epoch 4 has low bits 00");
}

/// A server limited to P-256 asks dimpl's client (X25519 share) for a P-256 share.
#[test]
fn hello_retry_request_group_change_with_dimpl13_client() {
    use std::sync::Arc;
    use std::time::Instant;
    let now = Instant::now();
    let client = crate::dimpl13_client(now, 55, 1150);
    let cfg = rdtls::Config::builder()
        .identity(
            crate::common::ours::load_chain("server-ecdsa.pem"),
            crate::common::ours::load_key("server-ecdsa.key"),
        )
        .verify_mode(rdtls::VerifyMode::None)
        .groups(&[rdtls::enums::NamedGroup(0x0017)])
        .cookie_keys(Arc::new(rdtls::cookie::CookieKeys::with_seed(55)))
        .rng_seed(55)
        .build()
        .unwrap();
    let opts = rdtls::dtls13::server::ServerOptions13 {
        cookie: false,
        ..Default::default()
    };
    let server = crate::srv13::OursS13::new(cfg, opts, now);
    let mut p = crate::common::link::Pair::new_at(now, client, server, LinkConfig::PERFECT, 55);
    handshake_and_data(&mut p, "dimpl group change");
    assert_eq!(p.server.events[0], ServerEvent13::HelloRetryRequest(false));
    let hellos = p
        .log
        .iter()
        .filter(|s| s.dir == Dir::ToServer && s.bytes[0] == 22)
        .count();
    assert_eq!(hellos, 2);
}
