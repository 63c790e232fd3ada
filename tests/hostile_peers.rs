//! Bounds found under hostile load and odd peers (issue 15), engine level.

mod common;

use std::time::Duration;

use common::fixtures::Spec;
use common::flights::fatal_sent;
use common::link::LinkConfig;
use common::ours::our_builder;
use common::ours_pair_with;
/// OpenSSL's TLSEXT_MAXLEN_host_name.
const MAX_HOST_NAME_LEN: usize = 255;
use rdtls::{AlertDescription, ClientOptions};

fn pair_with_sni(name: String) -> common::OursPair {
    let spec = Spec::default_ecdsa();
    let c = our_builder(&spec, false).build().expect("config");
    let s = our_builder(&spec, true).build().expect("config");
    let opts = ClientOptions {
        server_name: Some(name),
        ..ClientOptions::default()
    };
    ours_pair_with(c, s, opts, LinkConfig::PERFECT, 7)
}

/// Issue 15 item 1: a server refuses a server_name longer than 255 bytes with
/// unrecognized_name (RFC 6066 §3; OpenSSL's TLSEXT_MAXLEN_host_name), so it never keeps
/// one with a session; 255 bytes still work.
#[test]
fn server_name_over_255_bytes_is_refused_with_unrecognized_name() {
    let long = format!("{}.example", "a".repeat(MAX_HOST_NAME_LEN));
    let mut p = pair_with_sni(long);
    assert!(p.handshake(1_000, Duration::from_secs(60)).is_err());
    assert_eq!(
        fatal_sent(&p.server),
        Some(AlertDescription::UNRECOGNIZED_NAME),
        "{}",
        p.describe("server")
    );
    assert!(p.server.conn.server_name().is_none());

    let ok = format!("{}.example", "b".repeat(MAX_HOST_NAME_LEN - 8));
    assert_eq!(ok.len(), MAX_HOST_NAME_LEN);
    let mut p = pair_with_sni(ok.clone());
    p.handshake(1_000, Duration::from_secs(60))
        .expect("a 255-byte name is accepted");
    assert_eq!(p.server.conn.server_name(), Some(ok.as_str()));
}
