//! Batched transmit (issue 12 item 4): `poll_transmit_batch` hands a flight out as one
//! buffer of back-to-back datagrams with a segment size (quinn's `Transmit`), which a
//! server sends with one `sendmmsg` or one UDP GSO send. The batch carries exactly the
//! datagrams `poll_transmit` would have handed out one by one.

mod common;

use std::time::Instant;

use common::fixtures::{Group, Spec};
use common::ours::our_builder;
use rdtls::transmit::MAX_BATCH_SEGMENTS;
use rdtls::{ClientOptions, Config, Connection, Transmit};
use std::sync::Arc;

fn configs(mtu: usize) -> (Arc<Config>, Arc<Config>) {
    // RSA: the signature has one length whatever its (randomised) content, so the twin
    // pairs put datagrams of the same sizes on the wire.
    let mut spec = Spec::new("ECDHE-RSA-AES128-GCM-SHA256", Group::X25519, false);
    spec.mtu = mtu;
    let c = our_builder(&spec, false)
        .rng_seed(7)
        .build()
        .expect("client");
    let s = our_builder(&spec, true)
        .rng_seed(9)
        .build()
        .expect("server");
    (c, s)
}

fn sizes(dgs: &[Vec<u8>]) -> Vec<usize> {
    dgs.iter().map(Vec::len).collect()
}

/// Every datagram the connection has queued, one `poll_transmit` at a time.
fn drain_single(c: &mut Connection, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Some(n) = c.poll_transmit(now, &mut buf) {
        out.push(buf[..n].to_vec());
    }
    out
}

/// Every datagram queued, through batches of at most `max`; each batch checked against the
/// GSO rule (all segments `segment_size` long but the last, which is not longer).
fn drain_batched(c: &mut Connection, now: Instant, max: usize) -> (Vec<Vec<u8>>, Vec<Transmit>) {
    let mut out = Vec::new();
    let mut batches = Vec::new();
    let mut buf = Vec::new();
    while let Some(t) = c.poll_transmit_batch(now, &mut buf, max) {
        assert_eq!(t.len, buf.len(), "len covers the buffer");
        assert!(t.segments >= 1 && t.segments <= max.clamp(1, MAX_BATCH_SEGMENTS));
        let dgs: Vec<&[u8]> = t.datagrams(&buf).collect();
        assert_eq!(dgs.len(), t.segments, "segments in {t:?}");
        for (i, d) in dgs.iter().enumerate() {
            if i + 1 < dgs.len() {
                assert_eq!(d.len(), t.segment_size, "segment {i} of {t:?}");
            } else {
                assert!(!d.is_empty() && d.len() <= t.segment_size, "last of {t:?}");
            }
        }
        out.extend(dgs.into_iter().map(<[u8]>::to_vec));
        batches.push(t);
    }
    (out, batches)
}

/// Runs a full handshake (cookie exchange included) on two twin pairs with equal seeds:
/// one drained with `poll_transmit`, one with `poll_transmit_batch(max)`. Each pair is fed
/// its own datagrams. Returns the batches of the batched pair, after checking both pairs
/// sent datagrams of the same sizes in the same order (signatures are randomised, so the
/// bytes differ) and both completed.
fn handshake_twins(mtu: usize, max: usize) -> Vec<Transmit> {
    let now = Instant::now();
    let (cc, sc) = configs(mtu);
    let mk = || {
        let c = Connection::client(cc.clone(), now, ClientOptions::default()).expect("client");
        let s = Connection::server(sc.clone(), now, b"127.0.0.1:1");
        (c, s)
    };
    let (mut c1, mut s1) = mk();
    let (mut c2, mut s2) = mk();
    let mut all = Vec::new();
    for round in 0..8 {
        let a = drain_single(&mut c1, now);
        let (b, _) = drain_batched(&mut c2, now, max);
        assert_eq!(sizes(&a), sizes(&b), "client flight {round}");
        for (x, y) in a.iter().zip(&b) {
            s1.handle_datagram(now, x).expect("server 1");
            s2.handle_datagram(now, y).expect("server 2");
        }
        let a = drain_single(&mut s1, now);
        let (b, batches) = drain_batched(&mut s2, now, max);
        assert_eq!(sizes(&a), sizes(&b), "server flight {round}");
        all.extend(batches);
        for (x, y) in a.iter().zip(&b) {
            c1.handle_datagram(now, x).expect("client 1");
            c2.handle_datagram(now, y).expect("client 2");
        }
        if c2.is_established() && s2.is_established() {
            assert!(c1.is_established() && s1.is_established());
            return all;
        }
    }
    panic!("handshake did not complete in 8 rounds");
}

#[test]
fn a_multi_datagram_flight_comes_out_as_one_batch() {
    // A small MTU splits the server's certificate flight over several datagrams.
    let batches = handshake_twins(400, MAX_BATCH_SEGMENTS);
    let big = batches
        .iter()
        .max_by_key(|t| t.segments)
        .expect("server sent something");
    assert!(big.segments >= 3, "certificate flight batched: {batches:?}");
    assert!(big.segment_size <= 400, "segments respect the MTU: {big:?}");
}

#[test]
fn default_mtu_handshake_is_the_same_batched_and_single() {
    let batches = handshake_twins(1400, MAX_BATCH_SEGMENTS);
    assert!(!batches.is_empty());
}

#[test]
fn max_segments_bounds_each_batch() {
    for max in [1, 2] {
        let batches = handshake_twins(400, max);
        assert!(
            batches.iter().all(|t| t.segments <= max),
            "{max}: {batches:?}"
        );
        if max == 1 {
            assert!(batches.iter().all(|t| t.segment_size == t.len));
        }
    }
    // 0 is treated as 1: never an empty batch.
    let batches = handshake_twins(400, 0);
    assert!(batches.iter().all(|t| t.segments == 1));
}

#[test]
fn retransmitted_flight_is_batched_too() {
    let now = Instant::now();
    let (cc, _) = configs(400);
    let mut c = Connection::client(cc, now, ClientOptions::default()).expect("client");
    let (first, _) = drain_batched(&mut c, now, MAX_BATCH_SEGMENTS);
    assert_eq!(first.len(), 1, "ClientHello");
    let later = c.poll_timeout().expect("timer armed");
    c.handle_timeout(later).expect("retransmit");
    let (again, batches) = drain_batched(&mut c, later, MAX_BATCH_SEGMENTS);
    assert_eq!(batches.len(), 1);
    assert_eq!(again.len(), 1);
    assert_eq!(c.stats().datagrams_sent, 2, "each datagram counted once");
}
