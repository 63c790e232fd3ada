//! Handshake fragmentation at a 300-byte path MTU with the > 4 KB long certificate chain
//! (leaf + three RSA-4096 intermediates), in both directions: our server presenting the long
//! chain and our client presenting it (mutual auth), each against our own peer and against
//! OpenSSL. The link drops any datagram over 300 bytes, and every datagram either side sent
//! must fit; the peer must see the whole chain.

mod common;

use std::time::{Duration, Instant};

use common::fixtures::{Cred, Spec};
use common::link::{Dir, Endpoint, LinkConfig, Pair};
use common::ossl::{ossl_context, OsslPeer};
use common::ours::{load_chain, our_config, Ours};
use common::wire::{parse_handshake, parse_records, CT_HANDSHAKE, HT_CERTIFICATE};
use common::{ours_pair, OursPair};
use openssl::x509::X509;
use rdtls::ClientOptions;

const MTU: usize = 300;

/// ECDSA suite (the long chain's leaf is P-256) at MTU 300; `server` / `client` say who
/// presents the long chain (the client only with mutual auth).
fn spec(server_long: bool, client_long: bool) -> Spec {
    let mut s = Spec::default_ecdsa();
    s.mtu = MTU;
    if server_long {
        s.server_cred = Cred::LongChain;
    }
    if client_long {
        s.mutual = true;
        s.client_cred = Cred::LongChain;
    }
    s
}

fn link() -> LinkConfig {
    LinkConfig {
        mtu: Some(MTU),
        ..LinkConfig::PERFECT
    }
}

/// Every logged datagram (both directions, both implementations) fits in the MTU.
fn assert_all_within_mtu<C: Endpoint, S: Endpoint>(p: &Pair<C, S>, what: &str) {
    for s in &p.log {
        assert!(
            s.bytes.len() <= MTU,
            "{what}: a {}-byte datagram {:?} exceeds the {MTU}-byte MTU",
            s.bytes.len(),
            s.dir
        );
    }
}

/// The Certificate message in direction `dir` really was split: count its fragments.
fn certificate_fragments<C: Endpoint, S: Endpoint>(p: &Pair<C, S>, dir: Dir) -> usize {
    let mut offsets = std::collections::HashSet::new();
    for d in p.bytes(dir) {
        for r in parse_records(d).unwrap_or_default() {
            if r.epoch != 0 || r.ctype != CT_HANDSHAKE {
                continue;
            }
            for f in parse_handshake(&r.body).unwrap_or_default() {
                if f.msg_type == HT_CERTIFICATE {
                    offsets.insert(f.offset);
                }
            }
        }
    }
    offsets.len()
}

fn long_chain_len() -> usize {
    load_chain("long-chain.pem").iter().map(Vec::len).sum()
}

/// Runs the handshake and the common checks; `dir` is the direction the long chain travels.
fn complete<C: Endpoint, S: Endpoint>(p: &mut Pair<C, S>, dir: Dir, what: &str) {
    p.handshake(5_000, Duration::from_secs(120))
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert_all_within_mtu(p, what);
    let frags = certificate_fragments(p, dir);
    let min = long_chain_len() / MTU;
    assert!(
        frags > min,
        "{what}: the {}-byte chain went out in only {frags} distinct fragments",
        long_chain_len()
    );
    p.exchange(b"small enough for one record", b"likewise")
        .unwrap_or_else(|e| panic!("{what}: data: {e}"));
    assert_all_within_mtu(p, what);
}

fn ours_ours(server_long: bool, client_long: bool) -> OursPair {
    let s = spec(server_long, client_long);
    ours_pair(&s, link(), 300)
}

/// An OpenSSL client and our server on the MTU-300 link.
fn ossl_client_ours_server(server_long: bool, client_long: bool) -> Pair<OsslPeer, Ours> {
    let s = spec(server_long, client_long);
    let cctx = ossl_context(&s, false).expect("OpenSSL context");
    let now = Instant::now();
    let client = OsslPeer::new(&cctx, false, MTU, None).expect("OpenSSL client");
    let server = Ours::server(our_config(&s, true), now);
    Pair::new_at(now, client, server, link(), 300)
}

/// Our client and an OpenSSL server on the MTU-300 link.
fn ours_client_ossl_server(server_long: bool, client_long: bool) -> Pair<Ours, OsslPeer> {
    let s = spec(server_long, client_long);
    let sctx = ossl_context(&s, true).expect("OpenSSL context");
    let now = Instant::now();
    let client = Ours::client(our_config(&s, false), now, ClientOptions::default());
    let server = OsslPeer::new(&sctx, true, MTU, None).expect("OpenSSL server");
    Pair::new_at(now, client, server, link(), 300)
}

#[test]
fn ours_server_long_chain_to_ours_client_mtu300() {
    let mut p = ours_ours(true, false);
    complete(
        &mut p,
        Dir::ToClient,
        "ours server long chain -> ours client",
    );
    assert_eq!(
        p.client.conn.peer_certificates(),
        &load_chain("long-chain.pem")[..],
        "our client must receive the whole chain"
    );
}

#[test]
fn ours_client_long_chain_to_ours_server_mtu300() {
    let mut p = ours_ours(false, true);
    complete(
        &mut p,
        Dir::ToServer,
        "ours client long chain -> ours server",
    );
    assert_eq!(
        p.server.conn.peer_certificates(),
        &load_chain("long-chain.pem")[..],
        "our server must receive the whole client chain"
    );
    assert_eq!(p.server.conn.verify_result(), 0);
}

#[test]
fn ours_server_long_chain_to_openssl_client_mtu300() {
    let mut p = ossl_client_ours_server(true, false);
    complete(
        &mut p,
        Dir::ToClient,
        "ours server long chain -> OpenSSL client",
    );
    let chain = p
        .client
        .stream
        .ssl()
        .peer_cert_chain()
        .map(|c| c.len())
        .unwrap_or(0);
    assert_eq!(chain, 4, "OpenSSL client must see leaf + 3 intermediates");
}

#[test]
fn openssl_server_long_chain_to_ours_client_mtu300() {
    let mut p = ours_client_ossl_server(true, false);
    complete(
        &mut p,
        Dir::ToClient,
        "OpenSSL server long chain -> ours client",
    );
    assert_eq!(
        p.client.conn.peer_certificates(),
        &load_chain("long-chain.pem")[..],
        "our client must reassemble the whole chain"
    );
}

#[test]
fn ours_client_long_chain_to_openssl_server_mtu300() {
    let mut p = ours_client_ossl_server(false, true);
    complete(
        &mut p,
        Dir::ToServer,
        "ours client long chain -> OpenSSL server",
    );
    let leaf = X509::from_pem(&common::fixtures::read_fixture("long-chain.pem")).unwrap();
    assert_eq!(
        p.server
            .stream
            .ssl()
            .peer_certificate()
            .map(|c| c.to_der().unwrap()),
        Some(leaf.to_der().unwrap()),
        "OpenSSL server must see our long-chain leaf"
    );
}

#[test]
fn openssl_client_long_chain_to_ours_server_mtu300() {
    let mut p = ossl_client_ours_server(false, true);
    complete(
        &mut p,
        Dir::ToServer,
        "OpenSSL client long chain -> ours server",
    );
    assert_eq!(
        p.server.conn.peer_certificates(),
        &load_chain("long-chain.pem")[..],
        "our server must reassemble the whole client chain"
    );
}

/// Both directions long, 10% loss with reordering and duplication, MTU 300 (virtual time).
#[test]
fn ours_ours_both_long_chains_mtu300_loss10_seed_11() {
    let s = spec(true, true);
    let mut l = LinkConfig::lossy(0.10);
    l.mtu = Some(MTU);
    let mut p = ours_pair(&s, l, 11);
    p.handshake(100_000, Duration::from_secs(4 * 3600))
        .unwrap_or_else(|e| panic!("lossy long chains: {e}"));
    assert_all_within_mtu(&p, "lossy long chains");
    assert_eq!(p.client.conn.peer_certificates().len(), 4);
    assert_eq!(p.server.conn.peer_certificates().len(), 4);
}

/// Our data MTU at 300 leaves room for the record header and AEAD overhead, and a record of
/// exactly that size fits in one datagram. A larger write is still accepted, up to 2^14 bytes,
/// as OpenSSL 3.0 does (issue 15 item 3): it leaves as one record in one datagram larger than
/// the MTU (IP fragments it). Over 2^14 is refused and the connection stays usable.
#[test]
fn data_mtu_at_300_fits_one_datagram() {
    let mut p = ours_ours(false, false);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake");
    let max = p.client.conn.data_mtu();
    assert!(max > 0 && max < MTU, "data_mtu {max}");
    let data = vec![0x5a; max];
    p.exchange(&data, &data).expect("max-size records");
    assert_all_within_mtu(&p, "max-size record");

    let now = Instant::now();
    let mut buf = Vec::new();
    while p.client.conn.poll_transmit(now, &mut buf).is_some() {}
    let overhead = MTU - max;
    for len in [max + 1, 5_000, 16_384] {
        p.client
            .conn
            .send(&vec![7; len])
            .expect("write over data_mtu");
        let n = p
            .client
            .conn
            .poll_transmit(now, &mut buf)
            .expect("datagram");
        assert_eq!(
            n,
            len + overhead,
            "one record of {len} bytes in one datagram"
        );
        assert!(p.client.conn.poll_transmit(now, &mut buf).is_none());
        p.server
            .conn
            .handle_datagram(now, &buf[..n])
            .expect("server reads");
        let mut got = vec![0u8; 20_000];
        assert_eq!(p.server.conn.recv(&mut got), Some(len));
    }
    assert!(
        matches!(
            p.client.conn.send(&vec![0; 16_385]),
            Err(rdtls::SendError::TooLarge { max: 16_384 })
        ),
        "a record over 2^14 must be refused"
    );
    p.client
        .conn
        .send(b"still usable")
        .expect("connection survives");
}
