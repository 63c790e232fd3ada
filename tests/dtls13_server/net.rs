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
