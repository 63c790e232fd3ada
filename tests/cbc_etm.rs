//! The ECDHE-PSK AES-CBC suites (RFC 5489) with encrypt_then_mac (RFC 7366): a handshake and
//! data between two rdtls endpoints for each suite, a tampered record dropped silently and
//! counted, the extension only in hellos that need it, and the refusal of MAC-then-encrypt
//! against OpenSSL 3.0 peers told not to use encrypt_then_mac (`SSL_OP_NO_ENCRYPT_THEN_MAC`).
//! (The in-memory interop with stock OpenSSL for every CBC suite, both directions, is in
//! `interop_psk.rs`, which iterates `PSK_SUITES`.)

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixtures::{Group, Spec};
use common::link::{Dir, LinkConfig, Pair};
use common::ossl::{ossl_context_builder, OsslPeer};
use common::ours::{our_builder, Ours};
use common::wire::find_msg;
use openssl::ssl::SslOptions;
use rdtls::__internal::handshake::messages::{ClientHello, ServerHello};
use rdtls::psk::StaticPsk;
use rdtls::suites::{suite_by_name, CipherSuite, PSK_SUITES};
use rdtls::{AlertDescription, ClientOptions};
use zeroize::Zeroizing;

const MAX_STEPS: usize = 2_000;
const MAX_TIME: Duration = Duration::from_secs(20);
const KEY: [u8; 16] = *b"0123456789abcdef";
const IDENTITY: &[u8] = b"Client_identity";
const HT_CLIENT_HELLO: u8 = 1;
const HT_SERVER_HELLO: u8 = 2;
/// OpenSSL 3.0's SSL_OP_NO_ENCRYPT_THEN_MAC (`SSL_OP_BIT(19)`).
const OP_NO_ETM: u64 = 1 << 19;

fn provider() -> Arc<StaticPsk> {
    Arc::new(StaticPsk {
        identity: IDENTITY.to_vec(),
        key: Zeroizing::new(KEY.to_vec()),
    })
}

fn cbc_suites() -> Vec<&'static CipherSuite> {
    PSK_SUITES
        .iter()
        .copied()
        .filter(|s| s.aead.is_cbc())
        .collect()
}

fn ours_pair(suite: &'static str) -> Pair<Ours, Ours> {
    let spec = Spec::new(suite, Group::X25519, false);
    let c = our_builder(&spec, false).psk(provider()).build().unwrap();
    let s = our_builder(&spec, true).psk(provider()).build().unwrap();
    let now = Instant::now();
    let client = Ours::client(c, now, ClientOptions::default());
    let server = Ours::server(s, now);
    Pair::new_at(now, client, server, LinkConfig::PERFECT, 7)
}

#[test]
fn every_cbc_suite_between_two_rdtls_endpoints_with_tampering_dropped() {
    let suites = cbc_suites();
    assert_eq!(suites.len(), 4);
    for suite in suites {
        let what = suite.openssl_name;
        let mut p = ours_pair(what);
        p.handshake(MAX_STEPS, MAX_TIME)
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(p.client.conn.cipher_suite().unwrap().id, suite.id);
        // Both hellos carry encrypt_then_mac.
        let ch = find_msg(p.bytes(Dir::ToServer), HT_CLIENT_HELLO).unwrap();
        assert!(
            ClientHello::decode(&ch.body)
                .unwrap()
                .extensions
                .encrypt_then_mac
        );
        let sh = find_msg(p.bytes(Dir::ToClient), HT_SERVER_HELLO).unwrap();
        assert!(
            ServerHello::decode(&sh.body)
                .unwrap()
                .extensions
                .encrypt_then_mac
        );
        p.exchange(b"ping", b"pong")
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        // Sizes that hit every padding length, and a full 1000-byte record.
        for n in [0usize, 1, 15, 16, 17, 1000] {
            let data = vec![n as u8; n];
            p.exchange(&data, &data)
                .unwrap_or_else(|e| panic!("{what} n={n}: {e}"));
        }
        // A flipped ciphertext bit: dropped silently and counted as a bad MAC; the
        // untouched copy then arrives.
        p.send(Dir::ToServer, b"tamper me").unwrap();
        let dgrams = p.take(Dir::ToServer);
        assert_eq!(dgrams.len(), 1);
        let before = p.server.conn.stats();
        let mut bad = dgrams[0].clone();
        let i = bad.len() - 30;
        bad[i] ^= 0x40;
        p.deliver(Dir::ToServer, &[bad]);
        p.server.pump();
        let after = p.server.conn.stats();
        assert_eq!(
            after.records_bad_auth,
            before.records_bad_auth + 1,
            "{what}"
        );
        assert_eq!(after.records_dropped, before.records_dropped + 1, "{what}");
        assert!(p.server.received.is_empty(), "{what}");
        assert!(p.server.error.is_none() && p.server.alerts_sent().is_empty());
        p.deliver(Dir::ToServer, &dgrams);
        p.server.pump();
        assert_eq!(p.server.received, [b"tamper me".to_vec()], "{what}");
    }
}

/// No CBC suite offered: no encrypt_then_mac in the ClientHello (the extension rides with
/// the suites that need it), and a server never answers it for an AEAD suite.
#[test]
fn aead_only_hellos_carry_no_encrypt_then_mac() {
    let mut p = ours_pair("PSK-AES128-CCM8");
    p.handshake(MAX_STEPS, MAX_TIME).unwrap();
    let ch = find_msg(p.bytes(Dir::ToServer), HT_CLIENT_HELLO).unwrap();
    assert!(
        !ClientHello::decode(&ch.body)
            .unwrap()
            .extensions
            .encrypt_then_mac
    );
    let sh = find_msg(p.bytes(Dir::ToClient), HT_SERVER_HELLO).unwrap();
    assert!(
        !ServerHello::decode(&sh.body)
            .unwrap()
            .extensions
            .encrypt_then_mac
    );
}

/// encrypt_then_mac disabled (`SSL_OP_NO_ENCRYPT_THEN_MAC` in the C layer): the CBC suites
/// are not offered at all; with nothing else configured the client cannot start.
#[test]
fn etm_disabled_client_offers_no_cbc_suite() {
    let spec = Spec::new("ECDHE-PSK-AES128-CBC-SHA256", Group::X25519, false);
    let c = our_builder(&spec, false)
        .psk(provider())
        .encrypt_then_mac(false)
        .build()
        .unwrap();
    let now = Instant::now();
    let err = rdtls::Connection::client(c, now, ClientOptions::default())
        .err()
        .expect("nothing to offer");
    assert!(err.to_string().contains("no ciphers available"), "{err}");
    // With a GCM suite beside it, that one is negotiated and no extension is sent.
    let both = [
        suite_by_name("ECDHE-PSK-AES128-CBC-SHA256").unwrap(),
        suite_by_name("PSK-AES128-GCM-SHA256").unwrap(),
    ];
    let c = our_builder(&spec, false)
        .psk(provider())
        .cipher_suites(&both)
        .encrypt_then_mac(false)
        .build()
        .unwrap();
    let s = our_builder(&spec, true)
        .psk(provider())
        .cipher_suites(&both)
        .build()
        .unwrap();
    let client = Ours::client(c, now, ClientOptions::default());
    let server = Ours::server(s, now);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 7);
    p.handshake(MAX_STEPS, MAX_TIME).unwrap();
    assert_eq!(
        p.server.conn.cipher_suite().unwrap().openssl_name,
        "PSK-AES128-GCM-SHA256"
    );
    let ch = find_msg(p.bytes(Dir::ToServer), HT_CLIENT_HELLO).unwrap();
    let ch = ClientHello::decode(&ch.body).unwrap();
    assert!(!ch.extensions.encrypt_then_mac);
    assert!(!ch.cipher_suites.contains(&both[0].id));
}

/// A server with encrypt_then_mac disabled does not select a CBC suite even when the
/// client offers the extension.
#[test]
fn etm_disabled_server_does_not_select_cbc() {
    let spec = Spec::new("ECDHE-PSK-AES256-CBC-SHA384", Group::X25519, false);
    let c = our_builder(&spec, false).psk(provider()).build().unwrap();
    let s = our_builder(&spec, true)
        .psk(provider())
        .encrypt_then_mac(false)
        .build()
        .unwrap();
    let now = Instant::now();
    let client = Ours::client(c, now, ClientOptions::default());
    let server = Ours::server(s, now);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 7);
    assert!(p.handshake(MAX_STEPS, MAX_TIME).is_err());
    p.server
        .assert_alert_sent(AlertDescription::HANDSHAKE_FAILURE);
}

/// Stock OpenSSL told not to use encrypt_then_mac offers the CBC suite without it: our
/// server finds no usable suite and answers handshake_failure (MAC-then-encrypt refused).
#[test]
fn openssl_client_without_etm_gets_handshake_failure() {
    let suite = "ECDHE-PSK-AES128-CBC-SHA256";
    let spec = Spec::new(suite, Group::X25519, false);
    let s = our_builder(&spec, true).psk(provider()).build().unwrap();
    let mut cb = ossl_context_builder(&spec, false).unwrap();
    cb.set_options(SslOptions::from_bits_retain(OP_NO_ETM as _));
    cb.set_psk_client_callback(|_ssl, _hint, identity, psk| {
        identity[..IDENTITY.len()].copy_from_slice(IDENTITY);
        identity[IDENTITY.len()] = 0;
        psk[..KEY.len()].copy_from_slice(&KEY);
        Ok(KEY.len())
    });
    let cctx = cb.build();
    let now = Instant::now();
    let client = OsslPeer::new(&cctx, false, spec.mtu, None).unwrap();
    let server = Ours::server(s, now);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
    assert!(p.handshake(MAX_STEPS, MAX_TIME).is_err());
    let ch = find_msg(p.bytes(Dir::ToServer), HT_CLIENT_HELLO).unwrap();
    assert!(
        !ClientHello::decode(&ch.body)
            .unwrap()
            .extensions
            .encrypt_then_mac
    );
    p.server
        .assert_alert_sent(AlertDescription::HANDSHAKE_FAILURE);
}

/// Stock OpenSSL as server without encrypt_then_mac selects the CBC suite anyway
/// (MAC-then-encrypt); our client aborts with handshake_failure.
#[test]
fn openssl_server_without_etm_is_refused_by_our_client() {
    let suite = "ECDHE-PSK-AES256-CBC-SHA";
    let spec = Spec::new(suite, Group::X25519, false);
    let c = our_builder(&spec, false).psk(provider()).build().unwrap();
    let mut sb = ossl_context_builder(&spec, true).unwrap();
    sb.set_options(SslOptions::from_bits_retain(OP_NO_ETM as _));
    sb.set_psk_server_callback(|_ssl, _id, psk| {
        psk[..KEY.len()].copy_from_slice(&KEY);
        Ok(KEY.len())
    });
    let sctx = sb.build();
    let now = Instant::now();
    let client = Ours::client(c, now, ClientOptions::default());
    let server = OsslPeer::new(&sctx, true, spec.mtu, None).unwrap();
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
    assert!(p.handshake(MAX_STEPS, MAX_TIME).is_err());
    let sh = find_msg(p.bytes(Dir::ToClient), HT_SERVER_HELLO).unwrap();
    let sh = ServerHello::decode(&sh.body).unwrap();
    assert_eq!(sh.cipher_suite, 0xC036);
    assert!(!sh.extensions.encrypt_then_mac);
    p.client
        .assert_alert_sent(AlertDescription::HANDSHAKE_FAILURE);
    let err = p.client.error_text();
    assert!(err.contains("encrypt_then_mac"), "{err}");
}

/// `data_mtu` with a CBC suite is OpenSSL's DTLS_get_data_mtu: MTU less header, IV and MAC,
/// rounded down to whole blocks, less the padding-length byte. A record of exactly that
/// much data fits the MTU with less than a block to spare.
#[test]
fn data_mtu_fills_whole_blocks() {
    for suite in cbc_suites() {
        let mut p = ours_pair(suite.openssl_name);
        p.handshake(MAX_STEPS, MAX_TIME).unwrap();
        let mtu = p.client.conn.mtu();
        let mac = suite.mac.unwrap().output_len();
        let room = mtu - 13 - 16 - mac;
        let expected = room - room % 16 - 1;
        assert_eq!(p.client.conn.data_mtu(), expected, "{}", suite.openssl_name);
        let data = vec![0xa5; expected];
        p.send(Dir::ToServer, &data).unwrap();
        let dgrams = p.take(Dir::ToServer);
        assert_eq!(dgrams.len(), 1);
        assert!(dgrams[0].len() <= mtu && mtu - dgrams[0].len() < 16);
        p.deliver(Dir::ToServer, &dgrams);
        p.server.pump();
        assert_eq!(p.server.received, [data]);
    }
}

/// A CBC session resumes (abbreviated handshake) with encrypt_then_mac in both hellos
/// again (RFC 7366 §3.1: no downgrade on resumption), and data flows.
#[test]
fn cbc_session_resumes_with_encrypt_then_mac() {
    use common::link::Endpoint;
    let spec = Spec::new("ECDHE-PSK-AES128-CBC-SHA", Group::X25519, false);
    let c = our_builder(&spec, false).psk(provider()).build().unwrap();
    let s = our_builder(&spec, true).psk(provider()).build().unwrap();
    let t0 = Instant::now();
    let mut p = Pair::new_at(
        t0,
        Ours::client(c.clone(), t0, ClientOptions::default()),
        Ours::server(s.clone(), t0),
        LinkConfig::PERFECT,
        3,
    );
    p.handshake(MAX_STEPS, MAX_TIME).unwrap();
    let session = p.client.conn.session().expect("session");
    let opts = ClientOptions {
        resume: Some(session),
        ..ClientOptions::default()
    };
    let mut p = Pair::new_at(
        t0,
        Ours::client(c, t0, opts),
        Ours::server(s, t0),
        LinkConfig::PERFECT,
        4,
    );
    p.handshake(MAX_STEPS, MAX_TIME).unwrap();
    assert!(p.client.session_reused() && p.server.session_reused());
    let sh = find_msg(p.bytes(Dir::ToClient), HT_SERVER_HELLO).unwrap();
    let sh = ServerHello::decode(&sh.body).unwrap();
    assert!(sh.extensions.encrypt_then_mac && sh.cipher_suite == 0xC035);
    p.exchange(b"again", b"and back").unwrap();
}

/// Connection IDs (RFC 9146) and CBC do not mix here (§5.2's CBC record format is not
/// implemented): a server using CIDs skips the CBC suite for the AEAD one the client also
/// offers, and with only CBC on offer finds nothing and answers handshake_failure.
#[test]
fn connection_ids_steer_the_server_away_from_cbc() {
    let cbc = suite_by_name("ECDHE-PSK-AES256-CBC-SHA384").unwrap();
    let gcm = suite_by_name("PSK-AES256-GCM-SHA384").unwrap();
    let spec = Spec::new(cbc.openssl_name, Group::X25519, false);
    let run = |client_suites: &[&'static CipherSuite]| {
        let c = our_builder(&spec, false)
            .psk(provider())
            .cipher_suites(client_suites)
            .connection_id(Some(vec![1, 2, 3]))
            .build()
            .unwrap();
        let s = our_builder(&spec, true)
            .psk(provider())
            .cipher_suites(&[cbc, gcm])
            .connection_id(Some(vec![9]))
            .build()
            .unwrap();
        let now = Instant::now();
        let mut p = Pair::new_at(
            now,
            Ours::client(c, now, ClientOptions::default()),
            Ours::server(s, now),
            LinkConfig::PERFECT,
            5,
        );
        let r = p.handshake(MAX_STEPS, MAX_TIME);
        (p, r)
    };
    let (mut p, r) = run(&[cbc, gcm]);
    r.unwrap();
    assert_eq!(p.server.conn.cipher_suite().unwrap().id, gcm.id);
    p.exchange(b"cid", b"ok").unwrap();
    let (p, r) = run(&[cbc]);
    assert!(r.is_err());
    p.server
        .assert_alert_sent(AlertDescription::HANDSHAKE_FAILURE);
}

/// A server-initiated renegotiation under a CBC suite: the new handshake runs inside the
/// CBC epoch, negotiates CBC with encrypt_then_mac again, and data flows in epoch 2.
#[test]
fn renegotiation_under_cbc() {
    let mut p = ours_pair("ECDHE-PSK-AES256-CBC-SHA384");
    p.handshake(MAX_STEPS, MAX_TIME).unwrap();
    let now = p.now;
    p.server.conn.renegotiate(now, false).expect("renegotiate");
    p.run_until(MAX_STEPS, MAX_TIME, |p| {
        p.client.completions() == 2 && p.server.completions() == 2
    })
    .expect("renegotiation");
    assert_eq!(p.client.conn.cipher_suite().unwrap().id, 0xC038);
    p.exchange(b"after", b"renegotiation").unwrap();
    p.send(Dir::ToServer, b"epoch?").unwrap();
    let d = p.take(Dir::ToServer);
    assert_eq!(u16::from_be_bytes([d[0][3], d[0][4]]), 2, "epoch 2");
    p.deliver(Dir::ToServer, &d);
    p.server.pump();
    assert_eq!(
        p.server.received.last().map(|v| &v[..]),
        Some(&b"epoch?"[..])
    );
}
