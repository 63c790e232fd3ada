//! Odd peers where OpenSSL behaves better (issue 15 item 7), engine level: the server's
//! certificate curve against the client's supported_groups (RFC 8422 §5.1).

mod common;

use std::time::Duration;

use common::fixtures::{Group, Spec};
use common::link::{Dir, LinkConfig};
use common::ours::our_builder;
use common::ours_pair_with;
use common::wire::{parse_records, CT_ALERT, CT_HANDSHAKE, HT_HELLO_VERIFY_REQUEST};
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
        matches!(&err, Some(Error::NoSharedParameters(w)) if w == "cipher"),
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
