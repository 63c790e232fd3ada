//! PSK and ECDHE-PSK suites (RFC 4279, RFC 5489, RFC 6655, RFC 7905) against OpenSSL 3.0 in
//! memory, both directions, every PSK suite: identity and hint reach the other side, no
//! Certificate is sent, application data flows both ways. Also: an unknown identity ends in
//! `unknown_psk_identity`, and a client without a PSK provider does not offer PSK suites.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::fixtures::{Group, Spec};
use common::link::{Dir, LinkConfig, Pair};
use common::ossl::{ossl_context_builder, OsslPeer};
use common::ours::{our_builder, Ours};
use common::wire::{find_msg, HT_SERVER_KEY_EXCHANGE};
use rdtls::psk::StaticPsk;
use rdtls::suites::{AuthKind, PSK_SUITES};
use rdtls::{AlertDescription, ClientOptions};
use zeroize::Zeroizing;

const MAX_STEPS: usize = 2_000;
const MAX_TIME: Duration = Duration::from_secs(20);
const KEY: [u8; 16] = *b"0123456789abcdef";
const IDENTITY: &[u8] = b"Client_identity";
const HT_CERTIFICATE: u8 = 11;

fn provider(identity: &[u8]) -> Arc<StaticPsk> {
    Arc::new(StaticPsk {
        identity: identity.to_vec(),
        key: Zeroizing::new(KEY.to_vec()),
    })
}

fn no_certificate(dgrams: Vec<&[u8]>, what: &str) {
    assert!(
        find_msg(dgrams, HT_CERTIFICATE).is_none(),
        "{what}: PSK handshake carried a Certificate"
    );
}

#[test]
fn ours_client_against_openssl_server_every_psk_suite() {
    for suite in PSK_SUITES {
        let what = suite.openssl_name;
        let spec = Spec::new(suite.openssl_name, Group::X25519, false);
        let ccfg = our_builder(&spec, false)
            .psk(provider(IDENTITY))
            .build()
            .unwrap();
        let mut sb = ossl_context_builder(&spec, true).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        sb.set_psk_server_callback(move |_ssl, identity, psk| {
            seen2
                .lock()
                .unwrap()
                .push(identity.unwrap_or_default().to_vec());
            psk[..KEY.len()].copy_from_slice(&KEY);
            Ok(KEY.len())
        });
        let sctx = sb.build();
        let now = std::time::Instant::now();
        let client = Ours::client(ccfg, now, ClientOptions::default());
        let server = OsslPeer::new(&sctx, true, spec.mtu, None).unwrap();
        let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
        p.handshake(MAX_STEPS, MAX_TIME)
            .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
        assert_eq!(p.client.conn.cipher_suite().unwrap().id, suite.id, "{what}");
        assert_eq!(
            seen.lock().unwrap().as_slice(),
            [IDENTITY.to_vec()],
            "{what}"
        );
        assert_eq!(p.client.conn.psk_identity(), Some(IDENTITY), "{what}");
        // OpenSSL without a hint: a plain-PSK server sends no ServerKeyExchange.
        let ske = find_msg(p.bytes(Dir::ToClient), HT_SERVER_KEY_EXCHANGE).is_some();
        assert_eq!(
            ske,
            suite.auth == AuthKind::EcdhePsk,
            "{what}: ServerKeyExchange"
        );
        no_certificate(p.bytes(Dir::ToClient), what);
        p.exchange(b"CoAP GET /temp", b"2.05 Content 21.5C")
            .unwrap_or_else(|e| panic!("{what}: data: {e}"));
    }
}

#[test]
fn openssl_client_against_ours_server_every_psk_suite_with_hint() {
    for suite in PSK_SUITES {
        let what = suite.openssl_name;
        let spec = Spec::new(suite.openssl_name, Group::P256, false);
        let scfg = our_builder(&spec, true)
            .psk(provider(IDENTITY))
            .psk_identity_hint(b"gateway-7")
            .build()
            .unwrap();
        let mut cb = ossl_context_builder(&spec, false).unwrap();
        let hints = Arc::new(Mutex::new(Vec::new()));
        let hints2 = hints.clone();
        cb.set_psk_client_callback(move |_ssl, hint, identity, psk| {
            hints2.lock().unwrap().push(hint.map(|h| h.to_vec()));
            identity[..IDENTITY.len()].copy_from_slice(IDENTITY);
            identity[IDENTITY.len()] = 0;
            psk[..KEY.len()].copy_from_slice(&KEY);
            Ok(KEY.len())
        });
        let cctx = cb.build();
        let now = std::time::Instant::now();
        let client = OsslPeer::new(&cctx, false, spec.mtu, None).unwrap();
        let server = Ours::server(scfg, now);
        let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
        p.handshake(MAX_STEPS, MAX_TIME)
            .unwrap_or_else(|e| panic!("{what}: handshake: {e}"));
        assert_eq!(p.server.conn.cipher_suite().unwrap().id, suite.id, "{what}");
        assert_eq!(p.server.conn.psk_identity(), Some(IDENTITY), "{what}");
        assert_eq!(
            hints.lock().unwrap().as_slice(),
            [Some(b"gateway-7".to_vec())],
            "{what}: hint seen by OpenSSL's client callback"
        );
        no_certificate(p.bytes(Dir::ToClient), what);
        p.exchange(b"CoAP PUT /led", b"2.04 Changed")
            .unwrap_or_else(|e| panic!("{what}: data: {e}"));
    }
}

#[test]
fn ours_both_sides_hint_and_identity() {
    for suite in PSK_SUITES {
        let spec = Spec::new(suite.openssl_name, Group::X25519, false);
        let c = our_builder(&spec, false)
            .psk(provider(IDENTITY))
            .build()
            .unwrap();
        let s = our_builder(&spec, true)
            .psk(provider(IDENTITY))
            .psk_identity_hint(b"hint")
            .build()
            .unwrap();
        let now = std::time::Instant::now();
        let client = Ours::client(c, now, ClientOptions::default());
        let server = Ours::server(s, now);
        let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
        p.handshake(MAX_STEPS, MAX_TIME).unwrap();
        assert_eq!(p.client.conn.psk_identity_hint(), Some(&b"hint"[..]));
        assert_eq!(p.server.conn.psk_identity(), Some(IDENTITY));
        p.exchange(b"a", b"b").unwrap();
    }
}

#[test]
fn unknown_identity_is_unknown_psk_identity() {
    let suite = "PSK-AES128-CCM8";
    let spec = Spec::new(suite, Group::X25519, false);
    let c = our_builder(&spec, false)
        .psk(provider(b"stranger"))
        .build()
        .unwrap();
    let s = our_builder(&spec, true)
        .psk(provider(IDENTITY))
        .build()
        .unwrap();
    let now = std::time::Instant::now();
    let client = Ours::client(c, now, ClientOptions::default());
    let server = Ours::server(s, now);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
    assert!(p.handshake(MAX_STEPS, MAX_TIME).is_err());
    p.server
        .assert_alert_sent(AlertDescription::UNKNOWN_PSK_IDENTITY);
    let err = p.server.error_text();
    assert!(err.contains("PSK identity not found"), "{err}");
}

#[test]
fn no_provider_no_psk_suites_offered() {
    // Only PSK suites and no provider: nothing to offer, the client fails before sending
    // anything (OpenSSL: "no ciphers available").
    let spec = Spec::new("PSK-AES128-CCM8", Group::X25519, false);
    let ccfg = our_builder(&spec, false).build().unwrap();
    let now = std::time::Instant::now();
    let err = rdtls::Connection::client(ccfg, now, ClientOptions::default())
        .err()
        .expect("a client with nothing to offer must not start");
    assert!(err.to_string().contains("no ciphers available"), "{err}");
    // PSK and certificate suites, no provider: only the certificate suite is offered, so an
    // OpenSSL server with a PSK callback still picks the certificate suite.
    let spec = Spec::new("ECDHE-ECDSA-AES128-CCM8", Group::P256, false);
    let psk_and_cert = [
        rdtls::suites::suite_by_name("PSK-AES128-CCM8").unwrap(),
        rdtls::suites::suite_by_name("ECDHE-ECDSA-AES128-CCM8").unwrap(),
    ];
    let ccfg = our_builder(&spec, false)
        .cipher_suites(&psk_and_cert)
        .build()
        .unwrap();
    let mut sb = ossl_context_builder(&spec, true).unwrap();
    sb.set_cipher_list("PSK-AES128-CCM8:ECDHE-ECDSA-AES128-CCM8")
        .unwrap();
    sb.set_psk_server_callback(|_ssl, _id, psk| {
        psk[..KEY.len()].copy_from_slice(&KEY);
        Ok(KEY.len())
    });
    let sctx = sb.build();
    let client = Ours::client(ccfg, now, ClientOptions::default());
    let server = OsslPeer::new(&sctx, true, spec.mtu, None).unwrap();
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
    p.handshake(MAX_STEPS, MAX_TIME).unwrap();
    assert_eq!(
        p.client.conn.cipher_suite().map(|s| s.openssl_name),
        Some("ECDHE-ECDSA-AES128-CCM8")
    );
}

#[test]
fn per_connection_provider_through_client_options() {
    let spec = Spec::new("PSK-AES128-CCM8", Group::X25519, false);
    let c = our_builder(&spec, false).build().unwrap();
    let s = our_builder(&spec, true)
        .psk(provider(IDENTITY))
        .build()
        .unwrap();
    let opts = ClientOptions {
        psk: Some(provider(IDENTITY)),
        ..ClientOptions::default()
    };
    let now = std::time::Instant::now();
    let client = Ours::client(c, now, opts);
    let server = Ours::server(s, now);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
    p.handshake(MAX_STEPS, MAX_TIME).unwrap();
    assert_eq!(p.server.conn.psk_identity(), Some(IDENTITY));
}

/// A wrong key (same identity, different PSK): the client's Finished cannot be decrypted,
/// and DTLS drops invalid records silently (RFC 6347 §4.1.2.1), so the handshake never
/// completes and no alert is sent -- what OpenSSL 3.0's `s_server`/`s_client -dtls1_2 -psk`
/// do with mismatched keys (checked by hand: the client waits until it gives up).
#[test]
fn wrong_key_never_completes_and_sends_no_alert() {
    let spec = Spec::new("PSK-AES128-CCM8", Group::X25519, false);
    let c = our_builder(&spec, false)
        .psk(provider(IDENTITY))
        .build()
        .unwrap();
    let s = our_builder(&spec, true)
        .psk(Arc::new(StaticPsk {
            identity: IDENTITY.to_vec(),
            key: Zeroizing::new(b"fedcba9876543210".to_vec()),
        }))
        .build()
        .unwrap();
    let now = std::time::Instant::now();
    let client = Ours::client(c, now, ClientOptions::default());
    let server = Ours::server(s, now);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
    assert!(p.handshake(MAX_STEPS, MAX_TIME).is_err());
    assert!(!p.server.conn.is_established() && !p.client.conn.is_established());
    // The server is still waiting (it dropped what it could not decrypt); nothing failed it.
    assert!(
        p.server.conn.error().is_none(),
        "{:?}",
        p.server.conn.error()
    );
    assert!(p.server.conn.stats().records_dropped > 0);
    assert!(
        p.server.alerts_sent().is_empty(),
        "server alerts: {:?}",
        p.server.alerts_sent()
    );
}
