//! Engine tests of the hello extensions WebRTC depends on: use_srtp (RFC 5764) and ALPN
//! (RFC 7301), over a perfect in-memory link, plus the SRTP exporter lengths.

use std::sync::Arc;
use std::time::Instant;

use crate::alpn::AlpnSelection;
use crate::config::{Config, ConfigBuilder, VerifyMode};
use crate::connection::{ClientOptions, Connection};
use crate::error::{AlertDescription, Error};
use crate::pki::keys::SigningKey;
use crate::pki::pem::load_certificates;
use crate::srtp::{self, EXPORTER_LABEL};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn server(b: ConfigBuilder) -> Arc<Config> {
    let chain = load_certificates(&fixture("server-ecdsa.pem")).unwrap();
    let key = SigningKey::from_pem(&fixture("server-ecdsa.key")).unwrap();
    b.identity(chain, Arc::new(key))
        .rng_seed(1)
        .build()
        .unwrap()
}

/// These tests are about the hello extensions, not certificates: the client does not verify.
fn client(b: ConfigBuilder) -> Arc<Config> {
    b.verify_mode(VerifyMode::None).rng_seed(2).build().unwrap()
}

fn pump(c: &mut Connection, s: &mut Connection, now: Instant) {
    let mut buf = Vec::new();
    for _ in 0..50 {
        let mut moved = false;
        while c.poll_transmit(now, &mut buf).is_some() {
            moved = true;
            let _ = s.handle_datagram(now, &buf);
        }
        while s.poll_transmit(now, &mut buf).is_some() {
            moved = true;
            let _ = c.handle_datagram(now, &buf);
        }
        if !moved {
            return;
        }
    }
}

fn run(
    s_cfg: Arc<Config>,
    c_cfg: Arc<Config>,
    hook: Option<crate::alpn::AlpnSelectHook>,
) -> (Connection, Connection) {
    let now = Instant::now();
    let mut c = Connection::client(c_cfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(s_cfg, now, b"peer");
    if let Some(h) = hook {
        s.set_alpn_select_hook(h);
    }
    pump(&mut c, &mut s, now);
    (c, s)
}

fn sent_alert(conn: &Connection) -> Option<AlertDescription> {
    match conn.error() {
        Some(Error::AlertSent { alert, .. }) => Some(*alert),
        _ => None,
    }
}

#[test]
fn srtp_every_profile_and_exporter_lengths() {
    for p in srtp::PROFILES {
        let (c, s) = run(
            server(Config::builder().srtp_profiles(&[p.id])),
            client(Config::builder().srtp_profiles(&[1, 2, 7, 8])),
            None,
        );
        assert!(c.is_established() && s.is_established(), "{}", p.name);
        assert_eq!(c.srtp_profile(), Some(&p));
        assert_eq!(s.srtp_profile(), Some(&p));
        let n = p.keying_material_len();
        let (mut a, mut b) = (vec![0u8; n], vec![0u8; n]);
        c.export_keying_material(&mut a, EXPORTER_LABEL, None)
            .unwrap();
        s.export_keying_material(&mut b, EXPORTER_LABEL, None)
            .unwrap();
        assert_eq!(a, b);
        assert!(a.iter().any(|x| *x != 0));
    }
}

#[test]
fn srtp_server_preference_and_no_overlap() {
    // The server's order wins (OpenSSL's rule), whatever the client's order.
    let (c, s) = run(
        server(Config::builder().srtp_profiles(&[8, 1])),
        client(Config::builder().srtp_profiles(&[1, 8])),
        None,
    );
    assert_eq!(c.srtp_profile().map(|p| p.id), Some(8));
    assert_eq!(s.srtp_profile().map(|p| p.id), Some(8));
    // Nothing in common, or one side without SRTP: the handshake completes without it.
    for (sp, cp) in [(&[2u16][..], &[1u16][..]), (&[], &[1]), (&[1], &[])] {
        let (c, s) = run(
            server(Config::builder().srtp_profiles(sp)),
            client(Config::builder().srtp_profiles(cp)),
            None,
        );
        assert!(c.is_established() && s.is_established());
        assert!(c.srtp_profile().is_none() && s.srtp_profile().is_none());
    }
}

#[test]
fn alpn_selected_declined_and_fatal() {
    let offer = vec![b"webrtc".to_vec(), b"c-webrtc".to_vec()];
    let (c, s) = run(
        server(Config::builder()),
        client(Config::builder().alpn_protocols(&offer)),
        Some(Box::new(|wire: &[u8]| {
            assert_eq!(wire, b"\x06webrtc\x08c-webrtc");
            AlpnSelection::Selected(b"c-webrtc".to_vec())
        })),
    );
    assert_eq!(c.alpn_protocol(), Some(&b"c-webrtc"[..]));
    assert_eq!(s.alpn_protocol(), Some(&b"c-webrtc"[..]));

    // No hook, or NOACK: no ALPN, handshake completes.
    for hook in [
        None,
        Some(Box::new(|_: &[u8]| AlpnSelection::NoAck) as crate::alpn::AlpnSelectHook),
    ] {
        let (c, s) = run(
            server(Config::builder()),
            client(Config::builder().alpn_protocols(&offer)),
            hook,
        );
        assert!(c.is_established() && s.is_established());
        assert!(c.alpn_protocol().is_none() && s.alpn_protocol().is_none());
    }

    let (c, s) = run(
        server(Config::builder()),
        client(Config::builder().alpn_protocols(&offer)),
        Some(Box::new(|_: &[u8]| AlpnSelection::Fatal)),
    );
    assert!(!c.is_established());
    assert_eq!(
        sent_alert(&s),
        Some(AlertDescription::NO_APPLICATION_PROTOCOL)
    );

    // A server answering with a protocol the client never offered: decode_error, as
    // OpenSSL 3.0.19's client sends (checked by rewriting `openssl s_server -alpn`'s answer).
    let (c, _) = run(
        server(Config::builder()),
        client(Config::builder().alpn_protocols(&offer)),
        Some(Box::new(|_: &[u8]| {
            AlpnSelection::Selected(b"coap".to_vec())
        })),
    );
    assert_eq!(sent_alert(&c), Some(AlertDescription::DECODE_ERROR));
}

#[test]
fn bad_alpn_names_refused_by_builder() {
    assert!(Config::builder().alpn_protocols(&[vec![]]).build().is_err());
    assert!(Config::builder()
        .alpn_protocols(&[vec![b'a'; 256]])
        .build()
        .is_err());
}

#[test]
fn resumed_handshake_negotiates_srtp_and_alpn_again() {
    let s_cfg = server(Config::builder().srtp_profiles(&[7, 1]));
    let c_cfg = client(
        Config::builder()
            .srtp_profiles(&[1, 7])
            .alpn_protocols(&[b"webrtc".to_vec()]),
    );
    let hook = || -> crate::alpn::AlpnSelectHook {
        Box::new(|_: &[u8]| AlpnSelection::Selected(b"webrtc".to_vec()))
    };
    let (c, _) = run(s_cfg.clone(), c_cfg.clone(), Some(hook()));
    let session = c.session().expect("a session to resume");
    let now = Instant::now();
    let opts = ClientOptions {
        resume: Some(session),
        ..ClientOptions::default()
    };
    let mut c = Connection::client(c_cfg, now, opts).unwrap();
    let mut s = Connection::server(s_cfg, now, b"peer");
    s.set_alpn_select_hook(hook());
    pump(&mut c, &mut s, now);
    assert!(c.session_reused() && s.session_reused());
    for conn in [&c, &s] {
        assert_eq!(conn.srtp_profile().map(|p| p.id), Some(7));
        assert_eq!(conn.alpn_protocol(), Some(&b"webrtc"[..]));
    }
    let (mut a, mut b) = ([0u8; 56], [0u8; 56]);
    c.export_keying_material(&mut a, EXPORTER_LABEL, None)
        .unwrap();
    s.export_keying_material(&mut b, EXPORTER_LABEL, None)
        .unwrap();
    assert_eq!(a, b);
}
