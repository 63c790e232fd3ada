//! AES-CCM / CCM_8 suites (RFC 7251) against OpenSSL 3.0 in memory: our client against an
//! OpenSSL server and an OpenSSL client against our server, each of the four
//! ECDHE-ECDSA CCM suites, with application data both ways.

mod common;

use std::time::Duration;

use common::fixtures::{Group, Spec};
use common::link::{Dir, LinkConfig, Pair};
use common::ossl::{ossl_context, OsslPeer};
use common::ours::{our_config, Ours};
use rdtls::suites::EXTRA_SUITES;
use rdtls::ClientOptions;

const MAX_STEPS: usize = 2_000;
const MAX_TIME: Duration = Duration::from_secs(20);

fn check<C: common::link::Endpoint, S: common::link::Endpoint>(p: &mut Pair<C, S>, suite: &str) {
    assert_eq!(
        p.client.suite_name().as_deref(),
        Some(suite),
        "client suite"
    );
    assert_eq!(
        p.server.suite_name().as_deref(),
        Some(suite),
        "server suite"
    );
    p.exchange(b"CoAP GET /sensors", b"2.05 Content")
        .unwrap_or_else(|e| panic!("{suite}: application data: {e}"));
    assert!(!p.bytes(Dir::ToClient).is_empty());
}

#[test]
fn ours_client_against_openssl_server_every_ccm_suite() {
    for suite in EXTRA_SUITES {
        let spec = Spec::new(suite.openssl_name, Group::X25519, false);
        let ccfg = our_config(&spec, false);
        let sctx = ossl_context(&spec, true).expect("OpenSSL server context");
        let now = std::time::Instant::now();
        let client = Ours::client(ccfg, now, ClientOptions::default());
        let server = OsslPeer::new(&sctx, true, spec.mtu, None).expect("OpenSSL server");
        let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
        p.handshake(MAX_STEPS, MAX_TIME)
            .unwrap_or_else(|e| panic!("{}: handshake: {e}", suite.openssl_name));
        check(&mut p, suite.openssl_name);
    }
}

#[test]
fn openssl_client_against_ours_server_every_ccm_suite() {
    for suite in EXTRA_SUITES {
        let spec = Spec::new(suite.openssl_name, Group::P256, false);
        let scfg = our_config(&spec, true);
        let cctx = ossl_context(&spec, false).expect("OpenSSL client context");
        let now = std::time::Instant::now();
        let client = OsslPeer::new(&cctx, false, spec.mtu, None).expect("OpenSSL client");
        let server = Ours::server(scfg, now);
        let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
        p.handshake(MAX_STEPS, MAX_TIME)
            .unwrap_or_else(|e| panic!("{}: handshake: {e}", suite.openssl_name));
        check(&mut p, suite.openssl_name);
    }
}
