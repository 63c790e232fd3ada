//! Odd peers where OpenSSL behaves better (issue 15 item 7), engine level: the server's
//! certificate curve against the client's supported_groups (RFC 8422 §5.1), and datagram
//! packing of a fragmented flight.

mod common;

use std::time::{Duration, Instant};

use common::fixtures::{Cred, Group, Spec};
use common::link::{Dir, Endpoint, LinkConfig, Pair};
use common::ossl::{ossl_context, OsslPeer};
use common::ours::{our_builder, our_config, Ours};
use common::ours_pair_with;
use common::wire::{
    parse_records, CT_ALERT, CT_HANDSHAKE, HT_CERTIFICATE, HT_HELLO_VERIFY_REQUEST, HT_SERVER_HELLO,
};
use rdtls::enums::NamedGroup;
use rdtls::{ClientOptions, Error};

/// Our client offering only `groups` against our server for `spec`.
fn pair(spec: &Spec, groups: &[NamedGroup]) -> common::OursPair {
    let c = our_builder(spec, false)
        .groups(groups)
        .build()
        .expect("client config");
    let s = our_builder(spec, true).build().expect("server config");
    ours_pair_with(c, s, ClientOptions::default(), LinkConfig::PERFECT, 15)
}

/// Item 7a: an ECDSA P-256 server whose client lists only X25519 cannot use its certificate
/// (the client could not verify it, RFC 8422 §5.1). OpenSSL 3.0's server (checked with
/// `openssl s_client -dtls1_2 -groups X25519` against `openssl s_server` and a P-256
/// certificate) fails with "no shared cipher" and a handshake_failure alert; so do we,
/// instead of picking an ECDSA suite that makes an OpenSSL client abort with "wrong curve".
#[test]
fn ecdsa_p256_server_refuses_a_client_offering_only_x25519() {
    let spec = Spec::default_ecdsa();
    let mut p = pair(&spec, &[NamedGroup::X25519]);
    assert!(p.handshake(1_000, Duration::from_secs(60)).is_err());
    let err = p.server.error.clone();
    assert!(
        matches!(
            &err,
            Some(Error::NoSharedParameters(rdtls::Unshared::CipherSuite))
        ),
        "{}",
        p.describe("server")
    );
    // On the wire: the HelloVerifyRequest, then no ServerHello but one fatal
    // handshake_failure alert.
    let records: Vec<_> = p
        .bytes(Dir::ToClient)
        .iter()
        .flat_map(|d| parse_records(d).expect("records"))
        .collect();
    let (alerts, handshake): (Vec<_>, Vec<_>) = records.iter().partition(|r| r.ctype == CT_ALERT);
    assert!(
        handshake
            .iter()
            .all(|r| r.ctype == CT_HANDSHAKE && r.body[0] == HT_HELLO_VERIFY_REQUEST),
        "only HelloVerifyRequest before the alert"
    );
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].body, vec![2, 40], "fatal handshake_failure");

    // The same client with P-256 listed (in any position) completes, on X25519.
    let mut p = pair(&spec, &[NamedGroup::X25519, NamedGroup::SECP256R1]);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("P-256 listed");
    assert_eq!(p.server.conn.group(), Some(NamedGroup::X25519));
}

/// supported_groups does not constrain an RSA certificate: X25519 alone is fine.
#[test]
fn rsa_server_accepts_a_client_offering_only_x25519() {
    let spec = Spec::new("ECDHE-RSA-AES128-GCM-SHA256", Group::X25519, false);
    let mut p = pair(&spec, &[NamedGroup::X25519]);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("RSA certificate with X25519 only");
}

/// The server's second flight (ServerHello .. ServerHelloDone) as sent: per datagram, the
/// handshake types of its epoch-0 records (the HelloVerifyRequest excluded).
fn server_flight<C: Endpoint, S: Endpoint>(p: &Pair<C, S>) -> Vec<Vec<u8>> {
    p.bytes(Dir::ToClient)
        .iter()
        .map(|d| {
            parse_records(d)
                .expect("records")
                .iter()
                .filter(|r| r.ctype == CT_HANDSHAKE && r.epoch == 0)
                .map(|r| r.body[0])
                .filter(|t| *t != HT_HELLO_VERIFY_REQUEST)
                .collect::<Vec<u8>>()
        })
        .filter(|types| !types.is_empty())
        .collect()
}

/// The long-chain ECDSA spec at `mtu`.
fn long_chain_spec(mtu: usize) -> Spec {
    let mut s = Spec::default_ecdsa();
    s.mtu = mtu;
    s.server_cred = Cred::LongChain;
    s
}

fn link(mtu: usize) -> LinkConfig {
    LinkConfig {
        mtu: Some(mtu),
        ..LinkConfig::PERFECT
    }
}

/// Item 7e: a flight whose certificate must be fragmented fills each datagram before starting
/// the next (ServerHello and the first Certificate fragment share one), as OpenSSL's
/// dtls1_do_write does, so our server sends no more datagrams than OpenSSL's for the same
/// chain, suite and MTU (it used to send ServerHello alone: one datagram more).
#[test]
fn fragmented_flight_fills_each_datagram_like_openssl() {
    for mtu in [300usize, 576, 1200] {
        let spec = long_chain_spec(mtu);
        let cctx = ossl_context(&spec, false).expect("OpenSSL context");
        let now = Instant::now();
        let client = OsslPeer::new(&cctx, false, mtu, None).expect("OpenSSL client");
        let server = Ours::server(our_config(&spec, true), now);
        let mut ours = Pair::new_at(now, client, server, link(mtu), 300);
        ours.handshake(5_000, Duration::from_secs(120))
            .expect("ours server");
        let ours_flight = server_flight(&ours);

        let sctx = ossl_context(&spec, true).expect("OpenSSL context");
        let now = Instant::now();
        let client = Ours::client(our_config(&spec, false), now, ClientOptions::default());
        let server = OsslPeer::new(&sctx, true, mtu, None).expect("OpenSSL server");
        let mut theirs = Pair::new_at(now, client, server, link(mtu), 300);
        theirs
            .handshake(5_000, Duration::from_secs(120))
            .expect("OpenSSL server");
        let their_flight = server_flight(&theirs);

        assert!(
            ours_flight[0].starts_with(&[HT_SERVER_HELLO, HT_CERTIFICATE]),
            "MTU {mtu}: ServerHello and the first Certificate fragment share a datagram: \
             {ours_flight:?}"
        );
        assert_eq!(
            ours_flight.len(),
            their_flight.len(),
            "MTU {mtu}: datagram count differs from OpenSSL's: {ours_flight:?} vs {their_flight:?}"
        );
        // Every datagram but the last is full: no room for one more byte of fragment behind
        // an epoch-0 record header (13) and a handshake header (12).
        for d in &ours.bytes(Dir::ToClient)[1..ours_flight.len()] {
            assert!(
                d.len() + 13 + 12 >= mtu,
                "MTU {mtu}: a {}-byte datagram had room for more",
                d.len()
            );
        }
        eprintln!(
            "MTU {mtu}: ours {} datagrams, OpenSSL {}",
            ours_flight.len(),
            their_flight.len()
        );
    }
}
