//! What the DTLS 1.3 handshake reports beyond CIDs: our client's HelloRetryRequest event,
//! our server's SNI acknowledgement (RFC 6066 §3) and ALPN selection (RFC 7301 §3.2) in
//! EncryptedExtensions, against our client and against dimpl 0.8's DTLS 1.3 client (which
//! sends neither SNI nor ALPN: the server must then answer with neither, even when ALPN is
//! required, and still complete).

use std::sync::Arc;
use std::time::{Duration, Instant};

use dimpl::{Config as DimplConfig, Dtls};
use rdtls::cookie::CookieKeys;
use rdtls::dtls13::client::{Event13, Options13};
use rdtls::dtls13::server::{ServerEvent13, ServerOptions13};
use rdtls::{Config, Error, VerifyMode};

use crate::common::link::{LinkConfig, Pair};
use crate::common::ours::{load_chain, load_key};
use crate::dimpl_peer::{credential, DimplPeer};
use crate::ours13::Ours13;
use crate::srv13::OursS13;
use crate::{client_config, server_config};

fn names(list: &[&str]) -> Vec<Vec<u8>> {
    list.iter().map(|n| n.as_bytes().to_vec()).collect()
}

fn server_with(
    now: Instant,
    seed: u64,
    alpn: &[&str],
    names_served: &[&str],
    required: bool,
) -> OursS13 {
    let cfg = Config::builder()
        .identity(load_chain("server-ecdsa.pem"), load_key("server-ecdsa.key"))
        .verify_mode(VerifyMode::None)
        .cookie_keys(Arc::new(CookieKeys::with_seed(seed)))
        .alpn_protocols(&names(alpn))
        .rng_seed(seed)
        .build()
        .expect("server config");
    let opts = ServerOptions13 {
        server_names: names_served.iter().map(|s| s.to_string()).collect(),
        alpn_required: required,
        ..ServerOptions13::default()
    };
    OursS13::new(cfg, opts, now)
}

fn client_with(now: Instant, seed: u64, alpn: &[&str], sni: &str) -> Ours13 {
    let cfg = Config::builder()
        .trust_store(crate::common::ours::trust_all())
        .verify_mode(VerifyMode::Peer)
        .alpn_protocols(&names(alpn))
        .rng_seed(seed)
        .build()
        .expect("client config");
    let opts = Options13 {
        server_name: Some(sni.into()),
        verify_names: vec!["localhost".into()],
        ..Options13::default()
    };
    Ours13::new(cfg, opts, now)
}

fn run<C: crate::common::link::Endpoint>(p: &mut Pair<C, OursS13>) -> Result<(), String> {
    p.handshake(5_000, Duration::from_secs(300))
}

/// The server acknowledges a name it serves (any case) and not another; it selects its
/// most preferred protocol the client offered.
#[test]
fn sni_ack_and_alpn_with_our_client() {
    for (sni, acked) in [("LocalHost", true), ("other.example", false)] {
        let now = Instant::now();
        let client = client_with(now, 60, &["coap", "h2", "webrtc"], sni);
        let server = server_with(now, 60, &["x-none", "webrtc", "h2"], &["localhost"], true);
        let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 60);
        run(&mut p).unwrap_or_else(|e| panic!("{sni}: {e}"));
        assert_eq!(p.server.s.server_name(), Some(sni));
        assert_eq!(p.client.c.sni_acknowledged(), acked, "{sni}");
        assert_eq!(p.server.s.alpn_protocol(), Some(&b"webrtc"[..]));
        assert_eq!(p.client.c.alpn_protocol(), Some(&b"webrtc"[..]));
        p.exchange(b"a", b"b").unwrap();
    }
}

/// No protocol in common: no_application_protocol when the server requires ALPN, else a
/// handshake without ALPN. A client without ALPN is never refused.
#[test]
fn alpn_without_overlap() {
    let now = Instant::now();
    let client = client_with(now, 61, &["coap"], "localhost");
    let server = server_with(now, 61, &["h2"], &[], true);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 61);
    assert!(run(&mut p).is_err());
    // The run stops at the server's failure: let its alert arrive.
    while p.step() {}
    assert!(
        matches!(p.server.s.error(), Some(e) if e.alert_to_send().map(|a| a.0) == Some(120)),
        "{:?}",
        p.server.s.error()
    );
    assert!(
        matches!(p.client.c.error(), Some(Error::AlertReceived(a)) if a.0 == 120),
        "{:?}",
        p.client.c.error()
    );
    let now = Instant::now();
    let client = client_with(now, 62, &["coap"], "localhost");
    let server = server_with(now, 62, &["h2"], &["localhost"], false);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 62);
    run(&mut p).unwrap();
    assert_eq!(p.server.s.alpn_protocol(), None);
    assert_eq!(p.client.c.alpn_protocol(), None);
    assert!(p.client.c.sni_acknowledged());
    let now = Instant::now();
    let client = client_with(now, 63, &[], "localhost");
    let server = server_with(now, 63, &["h2"], &[], true);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 63);
    run(&mut p).unwrap();
    assert_eq!(p.server.s.alpn_protocol(), None);
    assert!(!p.client.c.sni_acknowledged(), "a name we do not list");
}

/// dimpl's client sends no SNI, no ALPN and no connection_id: nothing to acknowledge or
/// select, no CID in our records, and a server requiring ALPN still completes (the client
/// did not ask for any).
#[test]
fn sni_and_alpn_settings_with_dimpl_client() {
    let now = Instant::now();
    let cfg = DimplConfig::builder()
        .dangerously_set_rng_seed(64)
        .build()
        .expect("dimpl config");
    let mut dtls = Dtls::new_13(Arc::new(cfg), credential(false), now);
    dtls.set_active(true);
    let client = DimplPeer::wrap_for_test(dtls, now, "dimpl 1.3 client");
    let cfg = Config::builder()
        .identity(load_chain("server-ecdsa.pem"), load_key("server-ecdsa.key"))
        .verify_mode(VerifyMode::None)
        .cookie_keys(Arc::new(CookieKeys::with_seed(64)))
        .alpn_protocols(&names(&["h2", "coap"]))
        .rng_seed(64)
        .build()
        .expect("server config");
    let opts = ServerOptions13 {
        server_names: vec!["localhost".into()],
        alpn_required: true,
        cid_len: Some(4),
        ..ServerOptions13::default()
    };
    let server = OursS13::new(cfg, opts, now);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 64);
    run(&mut p).unwrap();
    assert!(!p.server.s.cid_negotiated() && p.server.s.own_cids().is_empty());
    assert_eq!(p.server.s.server_name(), None);
    assert_eq!(p.server.s.alpn_protocol(), None);
    assert!(p.server.events.contains(&ServerEvent13::HandshakeComplete));
    p.exchange(b"from dimpl", b"from rdtls").unwrap();
}

/// Our client reports the HelloRetryRequest: a cookie only (return-routability check),
/// and a group change (the server does P-256 only) with the cookie.
#[test]
fn client_reports_hello_retry_request() {
    for (groups, want) in [
        (
            None,
            Event13::HelloRetryRequest {
                cookie: true,
                group: None,
            },
        ),
        (
            Some(0x0017),
            Event13::HelloRetryRequest {
                cookie: true,
                group: Some(0x0017),
            },
        ),
    ] {
        let now = Instant::now();
        let opts = Options13 {
            server_name: Some("localhost".into()),
            ..Options13::default()
        };
        let client = Ours13::new(client_config(65), opts, now);
        let scfg = match groups {
            None => server_config(65),
            Some(g) => Config::builder()
                .identity(load_chain("server-ecdsa.pem"), load_key("server-ecdsa.key"))
                .verify_mode(VerifyMode::None)
                .groups(&[rdtls::enums::NamedGroup(g)])
                .cookie_keys(Arc::new(CookieKeys::with_seed(65)))
                .rng_seed(65)
                .build()
                .unwrap(),
        };
        let server = OursS13::new(scfg, ServerOptions13::default(), now);
        let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 65);
        run(&mut p).unwrap();
        assert_eq!(p.client.events[0], want);
        assert!(p.client.events.contains(&Event13::HandshakeComplete));
    }
    // Without a HelloRetryRequest there is no such event.
    let now = Instant::now();
    let client = Ours13::new(client_config(66), Options13::default(), now);
    let sopts = ServerOptions13 {
        cookie: false,
        ..ServerOptions13::default()
    };
    let server = OursS13::new(server_config(66), sopts, now);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 66);
    let _ = run(&mut p);
    assert!(!p
        .client
        .events
        .iter()
        .any(|e| matches!(e, Event13::HelloRetryRequest { .. })));
}
