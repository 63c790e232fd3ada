//! DTLS 1.3 connection IDs (RFC 9147 §9 with RFC 9146 §3) between our client and server,
//! in memory through the seeded link of `common::link`: CIDs both ways, a zero-length CID on
//! either side, no CID when only one side asks, a record with a wrong CID dropped,
//! NewConnectionId (immediate and spare) and RequestConnectionId, 10% loss, and the
//! client's address changing mid-session with a demultiplexer that finds the association
//! by the CID of the unified header (`dtls13_cid/migration.rs`); the client's
//! HelloRetryRequest event and the server's SNI acknowledgement and ALPN selection against
//! our client and dimpl's (`dtls13_cid/sni_alpn.rs`). Deterministic: every RNG
//! is seeded, time is virtual.

mod common;
// Shared with tests/dimpl_interop.rs, which uses the other constructors.
#[allow(dead_code)]
#[path = "dimpl_interop/peer.rs"]
mod dimpl_peer;
#[path = "dtls13_cid/migration.rs"]
mod migration;
#[path = "dtls13_client/ours13.rs"]
mod ours13;
#[path = "dtls13_cid/sni_alpn.rs"]
mod sni_alpn;
#[path = "dtls13_server/srv13.rs"]
mod srv13;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::link::{Dir, LinkConfig, Pair};
use common::ours::{load_chain, load_key};
use ours13::Ours13;
use rdtls::cookie::CookieKeys;
use rdtls::dtls13::client::Options13;
use rdtls::dtls13::connection_id::CidUsage;
use rdtls::dtls13::server::ServerOptions13;
use rdtls::dtls13::unified_header::{self, C_BIT};
use rdtls::{Config, VerifyMode};
use srv13::OursS13;

/// Our server config: the ECDSA server identity, seeded RNG and cookie keys.
pub fn server_config(seed: u64) -> Arc<Config> {
    Config::builder()
        .identity(load_chain("server-ecdsa.pem"), load_key("server-ecdsa.key"))
        .verify_mode(VerifyMode::None)
        .cookie_keys(Arc::new(CookieKeys::with_seed(seed)))
        .rng_seed(seed)
        .build()
        .expect("server config")
}

/// Our client config: the test CAs trusted, the server verified as "localhost".
pub fn client_config(seed: u64) -> Arc<Config> {
    Config::builder()
        .trust_store(common::ours::trust_all())
        .verify_mode(VerifyMode::Peer)
        .rng_seed(seed)
        .build()
        .expect("client config")
}

/// A client asking for a `client_cid`-byte CID and a server for a `server_cid`-byte one.
fn pair(
    seed: u64,
    client_cid: Option<usize>,
    server_cid: Option<usize>,
    link: LinkConfig,
) -> Pair<Ours13, OursS13> {
    let now = Instant::now();
    let opts = Options13 {
        server_name: Some("localhost".into()),
        cid_len: client_cid,
        ..Options13::default()
    };
    let client = Ours13::new(client_config(seed), opts, now);
    let sopts = ServerOptions13 {
        cid_len: server_cid,
        peer_addr: b"192.0.2.1:4433".to_vec(),
        ..ServerOptions13::default()
    };
    let server = OursS13::new(server_config(seed), sopts, now);
    Pair::new_at(now, client, server, link, seed)
}

fn handshake(p: &mut Pair<Ours13, OursS13>, what: &str) {
    p.handshake(5_000, Duration::from_secs(300))
        .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
}

/// The first record of every protected datagram sent in `dir`: its CID (None: C bit
/// clear), for a receiver whose CIDs are `cid_len` bytes long.
fn cids_on_wire(p: &Pair<Ours13, OursS13>, dir: Dir, cid_len: usize) -> Vec<Option<Vec<u8>>> {
    p.bytes(dir)
        .into_iter()
        .filter(|d| unified_header::is_unified_header(d[0]))
        .map(|d| {
            if d[0] & C_BIT == 0 {
                None
            } else {
                unified_header::peek_cid(d, cid_len).map(<[u8]>::to_vec)
            }
        })
        .collect()
}

#[test]
fn cids_both_directions() {
    let mut p = pair(1, Some(8), Some(6), LinkConfig::PERFECT);
    handshake(&mut p, "8/6");
    p.exchange(b"to the server", b"to the client").unwrap();
    let (c, s) = (&p.client.c, &p.server.s);
    assert!(c.cid_negotiated() && s.cid_negotiated());
    let server_cid = s.offered_cid().unwrap().to_vec();
    assert_eq!(server_cid.len(), 6);
    assert_eq!(c.peer_cid(), &server_cid[..]);
    assert_eq!(s.own_cids(), std::slice::from_ref(&server_cid));
    assert_eq!(c.own_cids().len(), 1);
    assert_eq!(c.own_cids()[0].len(), 8);
    assert_eq!(s.peer_cid(), &c.own_cids()[0][..]);
    // Every protected record either way carried the receiver's CID (RFC 9147 §9).
    let to_server = cids_on_wire(&p, Dir::ToServer, 6);
    let to_client = cids_on_wire(&p, Dir::ToClient, 8);
    assert!(to_server.len() >= 2 && to_client.len() >= 2);
    assert!(to_server
        .iter()
        .all(|c| c.as_deref() == Some(&server_cid[..])));
    let client_cid = p.client.c.own_cids()[0].clone();
    assert!(to_client
        .iter()
        .all(|c| c.as_deref() == Some(&client_cid[..])));
}

/// RFC 9146 §3: a zero-length CID means "send me none"; the other direction still
/// carries the peer's.
#[test]
fn zero_length_cid_on_either_side() {
    for (client_len, server_len) in [(0, 5), (4, 0)] {
        let what = format!("client {client_len} server {server_len}");
        let mut p = pair(2, Some(client_len), Some(server_len), LinkConfig::PERFECT);
        handshake(&mut p, &what);
        p.exchange(b"ping", b"pong").unwrap();
        assert!(p.client.c.cid_negotiated() && p.server.s.cid_negotiated());
        // With a zero-length CID the receiver's records carry none (C bit clear).
        let to_server = cids_on_wire(&p, Dir::ToServer, server_len);
        let to_client = cids_on_wire(&p, Dir::ToClient, client_len);
        assert!(!to_server.is_empty() && !to_client.is_empty(), "{what}");
        assert!(
            to_server.iter().all(|c| c.is_some() == (server_len > 0)),
            "{what}"
        );
        assert!(
            to_client.iter().all(|c| c.is_some() == (client_len > 0)),
            "{what}"
        );
        // Nobody may issue CIDs it receives empty ones for (§9).
        let now = p.now;
        let (empty_side_issue, other_issue) = if client_len == 0 {
            (
                p.client.c.issue_connection_ids(now, 1, CidUsage::Spare),
                p.server.s.request_connection_ids(now, 1),
            )
        } else {
            (
                p.server.s.issue_connection_ids(now, 1, CidUsage::Spare),
                p.client.c.request_connection_ids(now, 1),
            )
        };
        assert!(empty_side_issue.is_err(), "{what}: issuing refused");
        assert!(
            other_issue.is_err(),
            "{what}: requesting empty CIDs refused"
        );
        assert!(p.client.error.is_none() && p.server.error.is_none());
    }
}

/// Only one side asks: no CIDs at all, and the handshake is unaffected.
#[test]
fn cid_needs_both_sides() {
    for (c, s) in [(Some(4), None), (None, Some(4))] {
        let mut p = pair(3, c, s, LinkConfig::PERFECT);
        handshake(&mut p, "one side");
        p.exchange(b"a", b"b").unwrap();
        assert!(!p.client.c.cid_negotiated() && !p.server.s.cid_negotiated());
        assert!(p.client.c.own_cids().is_empty() && p.server.s.own_cids().is_empty());
        for dir in [Dir::ToServer, Dir::ToClient] {
            assert!(cids_on_wire(&p, dir, 4).iter().all(Option::is_none));
        }
    }
}

/// CIDs of ours are 0..=20 bytes; a longer one is a configuration error for either role.
#[test]
fn cid_length_is_bounded() {
    let now = Instant::now();
    for len in [0, 20] {
        let opts = Options13 {
            cid_len: Some(len),
            ..Options13::default()
        };
        assert!(rdtls::dtls13::client::Client13::new(client_config(7), opts, now).is_ok());
    }
    let opts = Options13 {
        cid_len: Some(21),
        ..Options13::default()
    };
    assert!(rdtls::dtls13::client::Client13::new(client_config(7), opts, now).is_err());
    let sopts = ServerOptions13 {
        cid_len: Some(21),
        ..ServerOptions13::default()
    };
    assert!(rdtls::dtls13::server::Server13::new(server_config(7), sopts, now).is_err());
}

/// A protected record whose CID is not ours is dropped before any key is tried (no
/// authentication failure counted); the genuine one is still accepted.
#[test]
fn record_with_wrong_cid_is_dropped() {
    let mut p = pair(4, Some(4), Some(4), LinkConfig::PERFECT);
    handshake(&mut p, "4/4");
    p.send(Dir::ToServer, b"genuine").unwrap();
    let dgrams = p.take(Dir::ToServer);
    assert_eq!(dgrams.len(), 1);
    let mut wrong = dgrams[0].clone();
    assert!(wrong[0] & C_BIT != 0);
    wrong[1] ^= 0x80;
    let failed = p.server.s.records_failed();
    p.deliver(Dir::ToServer, &[wrong.clone()]);
    assert!(p.server.received.is_empty());
    assert_eq!(p.server.s.wrong_cid_records(), 1);
    assert_eq!(p.server.s.records_failed(), failed, "no key was tried");
    // Without the C bit at all (the CID bytes cut out): dropped as well.
    let mut none = vec![dgrams[0][0] & !C_BIT];
    none.extend_from_slice(&dgrams[0][5..]);
    p.deliver(Dir::ToServer, &[none]);
    assert!(p.server.received.is_empty());
    assert!(p.server.error.is_none());
    p.deliver(Dir::ToServer, &dgrams);
    assert_eq!(p.server.received, [b"genuine".to_vec()]);
}

/// NewConnectionId with cid_immediate switches the peer's sending CID; spares come in
/// answer to RequestConnectionId and are used on demand; data flows throughout.
fn new_connection_ids(p: &mut Pair<Ours13, OursS13>, what: &str) {
    // Application data is not retransmitted: exchanged over a clean link.
    let exchange = |p: &mut Pair<Ours13, OursS13>, a: &[u8], b: &[u8]| {
        let link = p.link;
        p.link = LinkConfig::PERFECT;
        p.exchange(a, b)
            .unwrap_or_else(|e| panic!("{what}: data: {e}"));
        p.link = link;
    };
    let run = |p: &mut Pair<Ours13, OursS13>, why: &str| {
        p.run_until(2_000, Duration::from_secs(120), |p| {
            p.client.c.poll_timeout().is_none() && p.server.s.poll_timeout().is_none()
        })
        .unwrap_or_else(|e| panic!("{what}: {why}: {e}"));
    };
    run(p, "settling");
    // The server hands out a new CID for immediate use.
    let now = p.now;
    p.server
        .s
        .issue_connection_ids(now, 2, CidUsage::Immediate)
        .unwrap();
    run(p, "server NewConnectionId");
    let own = p.server.s.own_cids().to_vec();
    assert_eq!(own.len(), 3, "{what}");
    assert_eq!(p.client.c.peer_cid(), &own[1][..], "{what}: switched");
    let before = p.log.len();
    exchange(p, b"after the switch", b"ok");
    let later: Vec<&[u8]> = p.log[before..]
        .iter()
        .filter(|s| s.dir == Dir::ToServer && unified_header::is_unified_header(s.bytes[0]))
        .map(|s| &s.bytes[..])
        .collect();
    assert!(!later.is_empty());
    assert!(later
        .iter()
        .all(|d| unified_header::peek_cid(d, 4) == Some(&own[1][..])));
    // The client asks for more; the server answers with spares it accepts at once.
    let now = p.now;
    p.client.c.request_connection_ids(now, 2).unwrap();
    run(p, "RequestConnectionId");
    assert_eq!(p.server.s.own_cids().len(), 5, "{what}: two more issued");
    // The client keeps the second CID of the first message and the two new ones.
    let spare = p.server.s.own_cids()[2].clone();
    assert!(p.client.c.use_spare_cid(), "{what}: a spare");
    assert_eq!(p.client.c.peer_cid(), &spare[..]);
    exchange(p, b"on a spare", b"still ok");
    // And the other way: the client switches the server's CID.
    let now = p.now;
    p.client
        .c
        .issue_connection_ids(now, 1, CidUsage::Immediate)
        .unwrap();
    run(p, "client NewConnectionId");
    assert_eq!(p.server.s.peer_cid(), &p.client.c.own_cids()[1][..]);
    exchange(p, b"last", b"words");
    assert!(
        p.client.error.is_none() && p.server.error.is_none(),
        "{what}"
    );
}

#[test]
fn new_connection_id_switches_and_spares() {
    let mut p = pair(5, Some(4), Some(4), LinkConfig::PERFECT);
    handshake(&mut p, "clean");
    new_connection_ids(&mut p, "clean");
}

/// A peer that did not negotiate CIDs must not get NewConnectionId, and we refuse to send
/// one; a CID message before the handshake completed is refused too.
#[test]
fn cid_messages_refused_without_negotiation() {
    let mut p = pair(6, None, Some(4), LinkConfig::PERFECT);
    let now = p.now;
    assert!(p
        .server
        .s
        .issue_connection_ids(now, 1, CidUsage::Spare)
        .is_err());
    handshake(&mut p, "none");
    let now = p.now;
    assert!(p
        .server
        .s
        .issue_connection_ids(now, 1, CidUsage::Spare)
        .is_err());
    assert!(p.client.c.request_connection_ids(now, 1).is_err());
    p.exchange(b"x", b"y").unwrap();
}

/// 10% loss each way over several seeds: the handshake with CIDs, then NewConnectionId
/// and RequestConnectionId retransmitted until acknowledged.
#[test]
fn cids_under_ten_percent_loss() {
    for seed in 0..6u64 {
        let what = format!("seed {seed}");
        let mut p = pair(100 + seed, Some(4), Some(4), LinkConfig::lossy(0.10));
        handshake(&mut p, &what);
        p.link = LinkConfig::PERFECT;
        p.exchange(b"up", b"down").unwrap();
        p.link = LinkConfig::lossy(0.10);
        new_connection_ids(&mut p, &what);
    }
}
