//! Client authentication (RFC 8446 §4.3.2, §4.4.2–§4.4.3) with dimpl's 1.3 server requiring
//! a client certificate: our Certificate echoes its request context, our CertificateVerify
//! is signed with a TLS 1.3 scheme it offered, and dimpl reports our leaf.

use std::sync::Arc;
use std::time::{Duration, Instant};

use dimpl::{Config as DimplConfig, Dtls};
use rdtls::dtls13::client::Options13;
use rdtls::{Config, VerifyMode};

use crate::common::link::{Dir, Fate, LinkConfig, Pair};
use crate::common::ours::{load_chain, load_key, trust_all};
use crate::dimpl_peer::{credential, DimplPeer};
use crate::ours13::Ours13;

fn mutual_pair(seed: u64, identity: Option<(&str, &str)>) -> Pair<Ours13, DimplPeer> {
    mutual_pair_mtu(seed, identity, 1150)
}

fn mutual_pair_mtu(
    seed: u64,
    identity: Option<(&str, &str)>,
    mtu: usize,
) -> Pair<Ours13, DimplPeer> {
    let now = Instant::now();
    let dimpl_cfg = DimplConfig::builder()
        .dangerously_set_rng_seed(seed)
        .require_client_certificate(true)
        .mtu(mtu)
        .build()
        .expect("dimpl config");
    let server = DimplPeer::wrap_for_test(
        Dtls::new_13(Arc::new(dimpl_cfg), credential(true), now),
        now,
        "dimpl 1.3 server (client cert required)",
    );
    let mut b = Config::builder()
        .trust_store(trust_all())
        .verify_mode(VerifyMode::Peer)
        .mtu(mtu)
        .rng_seed(seed);
    if let Some((pem, key)) = identity {
        b = b.identity(load_chain(pem), load_key(key));
    }
    let opts = Options13 {
        server_name: Some("localhost".into()),
        ..Options13::default()
    };
    let client = Ours13::new(b.build().expect("our config"), opts, now);
    Pair::new_at(now, client, server, LinkConfig::PERFECT, seed)
}

#[test]
fn client_certificate_to_dimpl13_server() {
    let mut p = mutual_pair(51, Some(("client-ecdsa.pem", "client-ecdsa.key")));
    p.handshake(500, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("mutual auth: {e}"));
    let leaf = load_chain("client-ecdsa.pem").remove(0);
    assert_eq!(
        p.server.peer_cert.as_deref(),
        Some(&leaf[..]),
        "dimpl saw our leaf"
    );
    p.exchange(b"authenticated client", b"welcome").unwrap();
}

/// MTU 300: our Certificate (a ~500-byte leaf) is cut into fragments, one record each,
/// over several datagrams that all fit; dimpl reassembles it and checks our signature.
#[test]
fn client_certificate_fragmented_at_mtu_300() {
    let mut p = mutual_pair_mtu(54, Some(("client-ecdsa.pem", "client-ecdsa.key")), 300);
    let mut link = LinkConfig::PERFECT;
    link.mtu = Some(300);
    p.link = link;
    p.handshake(500, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("mutual auth at MTU 300: {e}"));
    let leaf = load_chain("client-ecdsa.pem").remove(0);
    assert!(leaf.len() > 300);
    assert_eq!(p.server.peer_cert.as_deref(), Some(&leaf[..]));
    let ours = p.sent(Dir::ToServer);
    assert!(ours
        .iter()
        .all(|s| s.fate != Fate::TooBig && s.bytes.len() <= 300));
    // ClientHello, then the epoch-2 flight in at least three datagrams.
    let protected = ours.iter().filter(|s| s.bytes[0] & 0xe0 == 0x20).count();
    assert!(protected >= 3, "{protected} protected datagrams");
    p.exchange(b"small", b"mtu").unwrap();
}

/// Without an identity, or with one whose key cannot sign with any scheme dimpl accepts
/// (RSA: dimpl's CertificateRequest lists ECDSA only), we answer with an empty Certificate
/// and no CertificateVerify; dimpl, which requires one, refuses the handshake.
#[test]
fn empty_certificate_without_a_usable_identity_and_dimpl_refuses() {
    for (seed, identity) in [(52, None), (53, Some(("client-rsa.pem", "client-rsa.key")))] {
        let mut p = mutual_pair(seed, identity);
        let r = p.handshake(500, Duration::from_secs(60));
        assert!(r.is_err(), "dimpl must not complete ({identity:?})");
        assert!(!p.server.connected && p.server.peer_cert.is_none());
        let err = p.server.error.clone().unwrap_or_default();
        assert!(
            err.contains("NoClientCertificateReceived"),
            "{identity:?}: {err}"
        );
        assert_eq!(p.client.error, None, "our side saw nothing wrong yet");
    }
}
