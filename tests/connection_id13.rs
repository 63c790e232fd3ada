//! Connection IDs on DTLS 1.3 through `Connection` (RFC 9147 §9 with RFC 9146 §3): a
//! Config's `connection_id` reaches the 1.3 engine, `connection_ids()` answers, a server's
//! demultiplexer finds the association by the CID of a unified header when the client's
//! address changes (and follows it only for an authentic, newest record), zero-length CIDs,
//! a dual client falling back to 1.2 with the CID it offered, and the 1.3-only CID updates
//! (RequestConnectionId / NewConnectionId / a spare for a new path). Virtual time, seeded.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixtures::Spec;
use common::link::{Dir, LinkConfig, Pair};
use common::ours::{our_builder, Ours};
use rdtls::cid::datagram_cid;
use rdtls::config::ConfigBuilder;
use rdtls::{ClientOptions, Config, Connection, DTLS1_2_VERSION, DTLS1_3_VERSION};

const V12: u16 = DTLS1_2_VERSION;
const V13: u16 = DTLS1_3_VERSION;
/// RFC 9147 §4: the unified header's fixed bits and its C bit.
const UNIFIED_FIXED: u8 = 0x20;
const C_BIT: u8 = 0x10;

fn builder(server: bool, max: u16, seed: u64) -> ConfigBuilder {
    our_builder(&Spec::default_ecdsa(), server)
        .rng_seed(seed)
        .versions(V12, max)
        .expect("versions")
}

fn config(server: bool, max: u16, cid_len: Option<u8>) -> Arc<Config> {
    builder(server, max, if server { 11 } else { 22 })
        .connection_id_len(cid_len)
        .build()
        .expect("config")
}

fn pair_of(c: Arc<Config>, s: Arc<Config>, link: LinkConfig, seed: u64) -> Pair<Ours, Ours> {
    let now = Instant::now();
    let client = Ours::client(c, now, ClientOptions::default());
    let server = Ours::server(s, now);
    let mut p = Pair::new_at(now, client, server, link, seed);
    p.handshake(100_000, Duration::from_secs(3600))
        .unwrap_or_else(|e| panic!("{e}"));
    // Let the last flight be acknowledged (RFC 9147 §5.8), so CID updates may be sent.
    p.run_until(1000, Duration::from_secs(60), |p| p.next_event().is_none())
        .ok();
    p
}

fn pair13(client_cid: Option<u8>, server_cid: Option<u8>) -> Pair<Ours, Ours> {
    pair_of(
        config(false, V13, client_cid),
        config(true, V13, server_cid),
        LinkConfig::PERFECT,
        1,
    )
}

/// Every datagram `from` has queued.
fn drain(from: &mut Connection, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Some(n) = from.poll_transmit(now, &mut buf) {
        out.push(buf[..n].to_vec());
    }
    out
}

/// One application datagram from `a` to `b`; returns it (as sent) and what `b` read.
fn send(a: &mut Connection, b: &mut Connection, now: Instant, msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
    a.send(msg).expect("send");
    let dgs = drain(a, now);
    assert_eq!(dgs.len(), 1);
    b.handle_datagram(now, &dgs[0]).expect("input");
    let mut buf = [0u8; 256];
    let n = b.recv(&mut buf).unwrap_or(0);
    (dgs[0].clone(), buf[..n].to_vec())
}

#[test]
fn both_13_use_cids_in_unified_headers() {
    let mut p = pair13(Some(4), Some(6));
    let now = p.now;
    let (c, s) = (&mut p.client.conn, &mut p.server.conn);
    assert_eq!(
        (c.protocol_version(), s.protocol_version()),
        (Some(V13), Some(V13))
    );
    let (cc, sc) = (
        c.connection_ids().unwrap().clone(),
        s.connection_ids().unwrap().clone(),
    );
    assert_eq!((cc.own.len(), cc.peer.len()), (4, 6));
    assert_eq!(
        cc.own, sc.peer,
        "the server sends the CID the client asked for"
    );
    assert_eq!(
        cc.peer, sc.own,
        "the client sends the CID the server asked for"
    );

    let (dg, got) = send(c, s, now, b"ping");
    assert_eq!(got, b"ping");
    assert_eq!(
        dg[0] & 0xe0,
        UNIFIED_FIXED,
        "a unified header (RFC 9147 §4)"
    );
    assert_ne!(dg[0] & C_BIT, 0, "C bit set");
    assert_eq!(
        &dg[1..7],
        &sc.own[..],
        "the receiver's CID follows the first byte"
    );
    assert_eq!(datagram_cid(&dg, 6), Some(&sc.own[..]));
    let (dg, got) = send(s, c, now, b"pong");
    assert_eq!(got, b"pong");
    assert_eq!(datagram_cid(&dg, 4), Some(&cc.own[..]));
}

#[test]
fn no_cid_on_13_unless_both_send_the_extension() {
    for (cl, sv) in [(Some(4), None), (None, Some(4))] {
        let mut p = pair13(cl, sv);
        let now = p.now;
        let (c, s) = (&mut p.client.conn, &mut p.server.conn);
        assert_eq!(c.protocol_version(), Some(V13), "{cl:?} {sv:?}");
        assert!(c.connection_ids().is_none() && s.connection_ids().is_none());
        let (dg, got) = send(c, s, now, b"x");
        assert_eq!((dg[0] & C_BIT, got.as_slice()), (0, &b"x"[..]));
    }
}

/// RFC 9146 §3 / RFC 9147 §9: a zero-length CID means "send me none, I send yours".
#[test]
fn zero_length_cid_on_one_side() {
    let mut p = pair13(Some(0), Some(5));
    let now = p.now;
    let (c, s) = (&mut p.client.conn, &mut p.server.conn);
    assert_eq!(c.protocol_version(), Some(V13));
    let ids = c.connection_ids().expect("negotiated").clone();
    assert_eq!((ids.own.len(), ids.peer.len()), (0, 5));
    assert_eq!(s.connection_ids().unwrap().own, ids.peer);
    let (dg, got) = send(c, s, now, b"up");
    assert_ne!(
        dg[0] & C_BIT,
        0,
        "the client's records carry the server's CID"
    );
    assert_eq!(got, b"up");
    let (dg, got) = send(s, c, now, b"down");
    assert_eq!(dg[0] & C_BIT, 0, "the server's records carry none");
    assert_eq!(got, b"down");
    // Nothing to ask a peer for whose CID is empty, nothing to issue with ours empty.
    assert!(s.request_connection_ids(now, 1).is_err());
    assert!(c.issue_connection_ids(now, 1, false).is_err());
}

/// A server's demultiplexer: the association by address, and by CID for unknown ones.
struct Demux {
    addr: Vec<u8>,
    conn: Connection,
    cid_len: usize,
}

impl Demux {
    fn input(&mut self, now: Instant, from: &[u8], dg: &[u8]) -> Option<Vec<u8>> {
        let known = from == self.addr.as_slice();
        let own = self.conn.connection_ids()?.own.clone();
        if !known && datagram_cid(dg, self.cid_len) != Some(own.as_slice()) {
            return None;
        }
        self.conn.handle_datagram(now, dg).expect("input");
        if !known && self.conn.last_datagram_newest() {
            self.addr = from.to_vec(); // RFC 9146 §6, RFC 9147 §9.
        }
        let mut buf = [0u8; 256];
        self.conn.recv(&mut buf).map(|n| buf[..n].to_vec())
    }
}

#[test]
fn server_follows_a_13_client_to_a_new_address_only_on_authentic_new_records() {
    let p = pair13(Some(4), Some(8));
    let now = p.now;
    let (mut c, s) = (p.client.conn, p.server.conn);
    assert_eq!(s.protocol_version(), Some(V13));
    let mut d = Demux {
        addr: b"10.0.0.1:1000".to_vec(),
        conn: s,
        cid_len: 8,
    };
    let take = |c: &mut Connection, msg: &[u8]| {
        c.send(msg).unwrap();
        drain(c, now).remove(0)
    };
    let d1 = take(&mut c, b"one");
    assert_eq!(
        d.input(now, b"10.0.0.1:1000", &d1).as_deref(),
        Some(&b"one"[..])
    );
    let d2 = take(&mut c, b"two");
    let d3 = take(&mut c, b"three");
    assert_eq!(
        d.input(now, b"10.0.0.1:2000", &d3).as_deref(),
        Some(&b"three"[..])
    );
    assert_eq!(
        d.addr, b"10.0.0.1:2000",
        "moved after an authentic, newest record"
    );
    // Reordered (older) record from elsewhere: delivered, no move.
    assert_eq!(
        d.input(now, b"10.9.9.9:9", &d2).as_deref(),
        Some(&b"two"[..])
    );
    assert_eq!(d.addr, b"10.0.0.1:2000");
    // A replay: dropped, no move.
    assert_eq!(d.input(now, b"10.6.6.6:6", &d3), None);
    assert_eq!(d.addr, b"10.0.0.1:2000");
    // A forgery with the right CID: dropped, no move.
    let mut forged = take(&mut c, b"four");
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert_eq!(d.input(now, b"10.6.6.6:6", &forged), None);
    assert!(!d.conn.last_datagram_newest());
    assert_eq!(d.addr, b"10.0.0.1:2000");
    // An unknown CID from an unknown address is not this association's.
    let mut other = take(&mut c, b"five");
    other[1] ^= 0xff;
    assert_eq!(d.input(now, b"10.7.7.7:7", &other), None);
    // Data flows both ways after the move.
    let d6 = take(&mut c, b"six");
    assert_eq!(
        d.input(now, b"10.0.0.1:2000", &d6).as_deref(),
        Some(&b"six"[..])
    );
    let (_, back) = send(&mut d.conn, &mut c, now, b"reply");
    assert_eq!(back, b"reply");
}

/// A fixed CID (`ConfigBuilder::connection_id`) is the one the peer's records carry; one
/// longer than 20 bytes keeps the connection on 1.2 (src/deviations.rs), without the
/// downgrade sentinel from a server that cannot do 1.3 with it.
#[test]
fn fixed_cid_on_13_and_long_ones_stay_on_12() {
    let fixed = b"route-07".to_vec();
    let s = builder(true, V13, 11)
        .connection_id(Some(fixed.clone()))
        .build()
        .unwrap();
    let p = pair_of(config(false, V13, Some(3)), s, LinkConfig::PERFECT, 2);
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    assert_eq!(p.server.conn.connection_ids().unwrap().own, fixed);
    assert_eq!(p.client.conn.connection_ids().unwrap().peer, fixed);

    let long = builder(true, V13, 11)
        .connection_id(Some(vec![9; 21]))
        .build()
        .unwrap();
    let p = pair_of(config(false, V13, Some(3)), long, LinkConfig::PERFECT, 3);
    assert_eq!(p.server.conn.protocol_version(), Some(V12));
    assert_eq!(p.client.conn.connection_ids().unwrap().peer, vec![9; 21]);
    let only13 = our_builder(&Spec::default_ecdsa(), false)
        .versions(V13, V13)
        .unwrap()
        .connection_id_len(Some(21))
        .build()
        .unwrap();
    match Connection::client(only13, Instant::now(), ClientOptions::default()) {
        Err(rdtls::Error::Config(why)) => assert!(why.contains("connection IDs"), "{why}"),
        other => panic!("expected Error::Config, got {:?}", other.err()),
    }
}

/// A dual client asks for one CID in its one ClientHello; a 1.2 server (RFC 9146) answers
/// and the 1.2 machine uses that same CID.
#[test]
fn dual_client_falls_back_to_12_with_the_cid_it_offered() {
    let mut p = pair_of(
        config(false, V13, Some(4)),
        config(true, V12, Some(6)),
        LinkConfig::PERFECT,
        4,
    );
    let now = p.now;
    let (c, s) = (&mut p.client.conn, &mut p.server.conn);
    assert_eq!(c.protocol_version(), Some(V12));
    let (cc, sc) = (
        c.connection_ids().unwrap().clone(),
        s.connection_ids().unwrap().clone(),
    );
    assert_eq!((cc.own.len(), cc.peer.len()), (4, 6));
    assert_eq!(cc.own, sc.peer);
    let (dg, got) = send(s, c, now, b"down");
    assert_eq!(
        (dg[0], got.as_slice()),
        (25, &b"down"[..]),
        "tls12_cid record"
    );
    // The 1.3-only updates are refused on 1.2, the connection unchanged.
    assert!(c.request_connection_ids(now, 1).is_err());
    assert!(c.issue_connection_ids(now, 1, true).is_err());
    assert!(!c.use_spare_connection_id());
    assert_eq!(c.spare_peer_connection_ids(), 0);
    let (_, got) = send(c, s, now, b"up");
    assert_eq!(got, b"up");
}

/// RFC 9147 §9 through `Connection`: the client asks for spare CIDs, gets them, and moves
/// its records to one (as before an address change); the server issues a CID to use at
/// once.
#[test]
fn cid_updates_through_connection() {
    let mut p = pair13(Some(4), Some(6));
    let now = p.now;
    let before = p.client.conn.connection_ids().unwrap().clone();
    p.client
        .conn
        .request_connection_ids(now, 2)
        .expect("RequestConnectionId");
    p.run_until(1000, Duration::from_secs(60), |p| {
        p.client.conn.spare_peer_connection_ids() == 2 && p.next_event().is_none()
    })
    .expect("spares arrive");
    assert!(p.client.conn.use_spare_connection_id());
    let after = p.client.conn.connection_ids().unwrap().clone();
    assert_ne!(after.peer, before.peer, "a fresh CID for the new path");
    assert_eq!(after.peer.len(), 6);
    assert_eq!(p.client.conn.spare_peer_connection_ids(), 1);
    p.client.conn.send(b"via spare").unwrap();
    p.flush();
    let sent = p.bytes(Dir::ToServer);
    let last = sent.last().unwrap();
    assert_eq!(datagram_cid(last, 6), Some(&after.peer[..]));
    p.run_until(1000, Duration::from_secs(10), |p| {
        p.server.received.iter().any(|r| r == b"via spare")
    })
    .expect("the server reads a record with its new CID");
    assert_eq!(p.server.conn.connection_ids().unwrap().own, after.peer);

    let now = p.now;
    p.server
        .conn
        .issue_connection_ids(now, 1, true)
        .expect("NewConnectionId");
    p.run_until(1000, Duration::from_secs(60), |p| {
        p.client.conn.connection_ids().unwrap().peer != after.peer
    })
    .expect("cid_immediate reaches the client");
    p.run_until(1000, Duration::from_secs(60), |p| p.next_event().is_none())
        .ok();
    p.server.received.clear();
    p.client.received.clear();
    p.exchange(b"ping", b"pong").unwrap();
    let (cc, sc) = (
        p.client.conn.connection_ids().unwrap().clone(),
        p.server.conn.connection_ids().unwrap().clone(),
    );
    assert_eq!(cc.peer.len(), 6);
    assert_eq!(sc.own, cc.peer, "the server reads its new CID");
    assert_eq!(
        sc.peer, before.own,
        "the server's records still carry the client's CID"
    );
}

/// The handshake's protected records carry CIDs too and survive a lossy link.
#[test]
fn lossy_link_with_13_cids() {
    for seed in [3u64, 4, 5] {
        let mut p = pair_of(
            config(false, V13, Some(4)),
            config(true, V13, Some(7)),
            LinkConfig::lossy(0.3),
            seed,
        );
        assert_eq!(p.client.conn.protocol_version(), Some(V13));
        let ids = p.client.conn.connection_ids().expect("negotiated").clone();
        let found: Vec<_> = p
            .log
            .iter()
            .filter(|s| s.dir == Dir::ToServer)
            .filter_map(|s| datagram_cid(&s.bytes, 7))
            .collect();
        assert!(!found.is_empty(), "seed {seed}: no CID record sent");
        assert!(found.iter().all(|c| *c == &ids.peer[..]));
        p.link = LinkConfig::PERFECT;
        p.exchange(b"after loss", b"ok")
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
    }
}
