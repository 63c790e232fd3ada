//! Connection IDs for DTLS 1.2 (RFC 9146) between our client and server: negotiation (both,
//! one, zero-length), the `tls12_cid` record on the wire, and a server that finds the
//! association by CID when the client's address changes, adopting the new address only for
//! a datagram that authenticates and is the newest (RFC 9146 §6).

mod common;

use std::sync::Arc;
use std::time::Instant;

use rdtls::cid::datagram_cid;
use rdtls::{ClientOptions, Config, Connection};

use common::fixtures::Spec;
use common::ours::{our_builder, PEER_ADDR};

const TLS12_CID: u8 = 25;
const APPLICATION_DATA: u8 = 23;

fn config(server: bool, cid_len: Option<u8>) -> Arc<Config> {
    our_builder(&Spec::default_ecdsa(), server)
        .rng_seed(if server { 11 } else { 22 })
        .connection_id_len(cid_len)
        .build()
        .expect("config")
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

/// Runs the handshake to completion over a perfect link.
fn handshake(client_cid: Option<u8>, server_cid: Option<u8>) -> (Connection, Connection) {
    let now = Instant::now();
    let mut c = Connection::client(config(false, client_cid), now, ClientOptions::default())
        .expect("client");
    let mut s = Connection::server(config(true, server_cid), now, PEER_ADDR);
    for _ in 0..20 {
        let to_s = drain(&mut c, now);
        for d in &to_s {
            s.handle_datagram(now, d).expect("server input");
        }
        let to_c = drain(&mut s, now);
        for d in &to_c {
            c.handle_datagram(now, d).expect("client input");
        }
        if to_s.is_empty() && to_c.is_empty() {
            break;
        }
    }
    assert!(c.is_established() && s.is_established(), "handshake done");
    (c, s)
}

/// One application datagram from `a` to `b`; returns it (as sent) and what `b` read.
fn send(a: &mut Connection, b: &mut Connection, msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let now = Instant::now();
    a.send(msg).expect("send");
    let dgs = drain(a, now);
    assert_eq!(dgs.len(), 1);
    b.handle_datagram(now, &dgs[0]).expect("input");
    let mut buf = [0u8; 256];
    let n = b.recv(&mut buf).unwrap_or(0);
    (dgs[0].clone(), buf[..n].to_vec())
}

#[test]
fn both_sides_use_cids_in_tls12_cid_records() {
    let (mut c, mut s) = handshake(Some(4), Some(6));
    let (cc, sc) = (c.connection_ids().unwrap(), s.connection_ids().unwrap());
    assert_eq!((cc.own.len(), cc.peer.len()), (4, 6));
    assert_eq!(
        cc.own, sc.peer,
        "the server sends the CID the client asked for"
    );
    assert_eq!(
        cc.peer, sc.own,
        "the client sends the CID the server asked for"
    );
    let server_cid = sc.own.clone();
    let client_cid = cc.own.clone();

    let (dg, got) = send(&mut c, &mut s, b"ping");
    assert_eq!(got, b"ping");
    assert_eq!(dg[0], TLS12_CID, "outer type tls12_cid (RFC 9146 §4)");
    assert_eq!(
        &dg[11..17],
        &server_cid[..],
        "header carries the receiver's CID"
    );
    let body_len = usize::from(u16::from_be_bytes([dg[17], dg[18]]));
    // GCM: 8 explicit nonce + 4 content + 1 real type + 16 tag.
    assert_eq!(body_len, 8 + 4 + 1 + 16);
    assert_eq!(dg.len(), 19 + body_len);
    assert_eq!(datagram_cid(&dg, 6), Some(&server_cid[..]));

    let (dg, got) = send(&mut s, &mut c, b"pong");
    assert_eq!(got, b"pong");
    assert_eq!(dg[0], TLS12_CID);
    assert_eq!(&dg[11..15], &client_cid[..]);
}

#[test]
fn no_cid_unless_both_send_the_extension() {
    for (cl, sv) in [(Some(4), None), (None, Some(4)), (None, None)] {
        let (mut c, mut s) = handshake(cl, sv);
        assert!(c.connection_ids().is_none() && s.connection_ids().is_none());
        let (dg, got) = send(&mut c, &mut s, b"x");
        assert_eq!((dg[0], got.as_slice()), (APPLICATION_DATA, &b"x"[..]));
    }
}

#[test]
fn zero_length_cid_means_send_yours_but_need_none() {
    // The client needs no CID: it sends tls12_cid records with the server's CID, the
    // server sends plain records (RFC 9146 §3).
    let (mut c, mut s) = handshake(Some(0), Some(5));
    assert_eq!(c.connection_ids().unwrap().own, b"");
    let (dg, got) = send(&mut c, &mut s, b"up");
    assert_eq!((dg[0], got.as_slice()), (TLS12_CID, &b"up"[..]));
    let (dg, got) = send(&mut s, &mut c, b"down");
    assert_eq!((dg[0], got.as_slice()), (APPLICATION_DATA, &b"down"[..]));
}

#[test]
fn the_cid_is_authenticated() {
    let (mut c, mut s) = handshake(Some(4), Some(4));
    c.send(b"secret").unwrap();
    let dg = drain(&mut c, Instant::now()).remove(0);
    let before = s.stats().records_dropped;
    // Another CID of the same length, a flipped CID byte (not ours: dropped before
    // decryption) and a flipped body byte (the AEAD fails) are all dropped silently.
    for i in [11, 14, dg.len() - 1] {
        let mut bad = dg.clone();
        bad[i] ^= 0x40;
        s.handle_datagram(Instant::now(), &bad)
            .expect("dropped silently");
        assert!(!s.last_datagram_newest());
    }
    assert_eq!(s.stats().records_dropped, before + 3);
    s.handle_datagram(Instant::now(), &dg).unwrap();
    let mut buf = [0u8; 16];
    assert_eq!(s.recv(&mut buf), Some(6));
}

/// A server's demultiplexer: associations by address, and by CID for unknown addresses.
struct Demux {
    addr: Vec<u8>,
    conn: Connection,
    cid_len: usize,
}

impl Demux {
    /// Routes a datagram from `from`; returns what the association read, if it was ours.
    fn input(&mut self, from: &[u8], dg: &[u8]) -> Option<Vec<u8>> {
        let known = from == self.addr.as_slice();
        let own = self.conn.connection_ids()?.own.clone();
        if !known && datagram_cid(dg, self.cid_len) != Some(own.as_slice()) {
            return None; // Not ours: a new client for the cookie front door.
        }
        self.conn
            .handle_datagram(Instant::now(), dg)
            .expect("input");
        if !known && self.conn.last_datagram_newest() {
            self.addr = from.to_vec(); // RFC 9146 §6.
        }
        let mut buf = [0u8; 256];
        self.conn.recv(&mut buf).map(|n| buf[..n].to_vec())
    }
}

#[test]
fn server_follows_the_client_to_a_new_address_only_on_authentic_new_records() {
    let (mut c, s) = handshake(Some(4), Some(8));
    let mut d = Demux {
        addr: b"10.0.0.1:1000".to_vec(),
        conn: s,
        cid_len: 8,
    };
    let now = Instant::now();
    let take = |c: &mut Connection, msg: &[u8]| {
        c.send(msg).unwrap();
        drain(c, now).remove(0)
    };
    let d1 = take(&mut c, b"one");
    assert_eq!(d.input(b"10.0.0.1:1000", &d1).as_deref(), Some(&b"one"[..]));

    // NAT rebinding: the next record arrives from a new port and is routed by its CID.
    let d2 = take(&mut c, b"two");
    let d3 = take(&mut c, b"three");
    assert_eq!(
        d.input(b"10.0.0.1:2000", &d3).as_deref(),
        Some(&b"three"[..])
    );
    assert_eq!(
        d.addr, b"10.0.0.1:2000",
        "moved after an authentic, newest record"
    );

    // An older (reordered) record from yet another address is delivered but does not
    // move the association (it is not the newest).
    assert_eq!(d.input(b"10.9.9.9:9", &d2).as_deref(), Some(&b"two"[..]));
    assert_eq!(d.addr, b"10.0.0.1:2000");
    // A replay of the newest record from an attacker's address: dropped, no move.
    assert_eq!(d.input(b"10.6.6.6:6", &d3), None);
    assert_eq!(d.addr, b"10.0.0.1:2000");
    // A forgery with the right CID: dropped, no move.
    let mut forged = take(&mut c, b"four");
    let last = forged.len() - 1;
    forged[last] ^= 1;
    assert_eq!(d.input(b"10.6.6.6:6", &forged), None);
    assert_eq!(d.addr, b"10.0.0.1:2000");
    // A datagram with an unknown CID from an unknown address is not this association's.
    let mut other = take(&mut c, b"five");
    other[11] ^= 0xff;
    assert_eq!(d.input(b"10.7.7.7:7", &other), None);

    // The server's answers follow the client: data flows both ways after the move.
    let d6 = take(&mut c, b"six");
    assert_eq!(d.input(b"10.0.0.1:2000", &d6).as_deref(), Some(&b"six"[..]));
    let (_, back) = send(&mut d.conn, &mut c, b"reply");
    assert_eq!(back, b"reply");
}

#[test]
fn oversized_fixed_cid_is_a_config_error() {
    let r = our_builder(&Spec::default_ecdsa(), true)
        .connection_id(Some(vec![0; 256]))
        .build();
    assert!(r.is_err());
    let r = our_builder(&Spec::default_ecdsa(), true)
        .connection_id(Some(vec![7; 255]))
        .build();
    assert!(r.is_ok());
}

/// Both sides offer zero-length CIDs: negotiated, yet no record needs a CID.
#[test]
fn zero_length_both_ways_keeps_plain_records() {
    let (mut c, mut s) = handshake(Some(0), Some(0));
    assert_eq!(c.connection_ids().map(|i| i.own.len()), Some(0));
    assert_eq!(s.connection_ids().map(|i| i.peer.len()), Some(0));
    let (dg, got) = send(&mut c, &mut s, b"a");
    assert_eq!((dg[0], got.as_slice()), (APPLICATION_DATA, &b"a"[..]));
}

/// The handshake's epoch-1 records (Finished) are tls12_cid records too, and survive a
/// lossy, duplicating link with retransmissions; data then flows both ways.
#[test]
fn lossy_link_with_cids() {
    use common::link::{Dir, Fate, LinkConfig};
    use std::time::Duration;
    for seed in [3u64, 4, 5] {
        let c = config(false, Some(4));
        let s = config(true, Some(7));
        let mut p =
            common::ours_pair_with(c, s, ClientOptions::default(), LinkConfig::lossy(0.3), seed);
        p.handshake(200_000, Duration::from_secs(4 * 3600))
            .unwrap_or_else(|e| panic!("seed {seed}: handshake: {e}"));
        let cids = p.client.conn.connection_ids().expect("negotiated").clone();
        assert_eq!((cids.own.len(), cids.peer.len()), (4, 7));
        assert!(
            p.log.iter().any(|s| s.fate == Fate::Lost),
            "seed {seed} lost nothing"
        );
        // Every tls12_cid record to the server (the Finished follows the plain CCS in its
        // datagram) names the server's CID.
        let found: Vec<_> = p
            .log
            .iter()
            .filter(|s| s.dir == Dir::ToServer)
            .filter_map(|s| datagram_cid(&s.bytes, 7))
            .collect();
        assert!(!found.is_empty(), "seed {seed}: no tls12_cid record sent");
        assert!(found.iter().all(|c| *c == &cids.peer[..]));
        p.link = LinkConfig::PERFECT;
        p.exchange(b"after loss", b"ok")
            .unwrap_or_else(|e| panic!("seed {seed}: exchange: {e}"));
    }
}

/// A full 2^14-byte record still fits: the real type byte rides beyond the content limit.
#[test]
fn largest_record_with_cid() {
    let (mut c, mut s) = handshake(Some(4), Some(4));
    let big = vec![0x5a; 1 << 14];
    c.send(&big).expect("2^14 bytes with a CID");
    let now = Instant::now();
    for d in drain(&mut c, now) {
        assert_eq!(d[0], TLS12_CID);
        s.handle_datagram(now, &d).unwrap();
    }
    let mut buf = vec![0u8; 1 << 15];
    assert_eq!(s.recv(&mut buf), Some(1 << 14));
    assert!(c.send(&vec![0; (1 << 14) + 1]).is_err());
}

/// A renegotiation over CIDs keeps the CIDs (offered again as they are) and the new epoch's
/// records are tls12_cid records too.
#[test]
fn renegotiation_keeps_the_cids() {
    use rdtls::RenegotiationPolicy;
    let now = Instant::now();
    let ccfg = config(false, Some(4));
    let scfg = our_builder(&Spec::default_ecdsa(), true)
        .rng_seed(11)
        .connection_id_len(Some(6))
        .renegotiation(RenegotiationPolicy {
            refuse_all: false,
            allow_client: true,
        })
        .build()
        .unwrap();
    let mut c = Connection::client(ccfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(scfg, now, PEER_ADDR);
    let pump = |c: &mut Connection, s: &mut Connection| {
        for _ in 0..20 {
            let to_s = drain(c, now);
            to_s.iter().for_each(|d| s.handle_datagram(now, d).unwrap());
            let to_c = drain(s, now);
            to_c.iter().for_each(|d| c.handle_datagram(now, d).unwrap());
            if to_s.is_empty() && to_c.is_empty() {
                break;
            }
        }
    };
    pump(&mut c, &mut s);
    let before = c.connection_ids().unwrap().clone();
    c.renegotiate(now, false).expect("renegotiate");
    let hello = drain(&mut c, now);
    assert!(
        hello.iter().all(|d| d[0] == TLS12_CID),
        "the new ClientHello is protected"
    );
    hello
        .iter()
        .for_each(|d| s.handle_datagram(now, d).unwrap());
    pump(&mut c, &mut s);
    assert!(!c.is_renegotiating() && !s.is_renegotiating());
    assert_eq!(c.renegotiations(), 1);
    assert_eq!(c.connection_ids(), Some(&before));
    assert_eq!(s.connection_ids().map(|i| &i.own), Some(&before.peer));
    let (dg, got) = send(&mut c, &mut s, b"after");
    assert_eq!(
        (dg[0], &dg[3..5], got.as_slice()),
        (TLS12_CID, &[0, 2][..], &b"after"[..])
    );
    let (dg, got) = send(&mut s, &mut c, b"back");
    assert_eq!(
        (dg[0], &dg[3..5], got.as_slice()),
        (TLS12_CID, &[0, 2][..], &b"back"[..])
    );
}
