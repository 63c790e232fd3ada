//! Engine tests of the server's ECDHE group and ServerKeyExchange signature scheme choice,
//! as OpenSSL 3.0 makes it (tls1_shared_group, tls1_set_shared_sigalgs): the client's order
//! unless server preference (SSL_OP_CIPHER_SERVER_PREFERENCE), then ours.

use std::sync::Arc;
use std::time::Instant;

use crate::config::{Config, ConfigBuilder, VerifyMode};
use crate::connection::{ClientOptions, Connection};
use crate::enums::{NamedGroup as G, SignatureScheme as S};
use crate::pki::keys::SigningKey;
use crate::pki::pem::load_certificates;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn server(cert: &str, server_preference: bool) -> Arc<Config> {
    let chain = load_certificates(&fixture(&format!("{cert}.pem"))).unwrap();
    let key = SigningKey::from_pem(&fixture(&format!("{cert}.key"))).unwrap();
    Config::builder()
        .identity(chain, Arc::new(key))
        .server_preference(server_preference)
        .rng_seed(1)
        .build()
        .unwrap()
}

/// The client does not verify: these tests are about the server's choices.
fn client(b: ConfigBuilder) -> Arc<Config> {
    b.verify_mode(VerifyMode::None).rng_seed(2).build().unwrap()
}

/// Runs one handshake; returns the client's view (group, server's signature scheme).
fn handshake(s_cfg: Arc<Config>, c_cfg: Arc<Config>) -> (G, S) {
    let now = Instant::now();
    let mut c = Connection::client(c_cfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(s_cfg, now, b"peer");
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
            break;
        }
    }
    assert!(c.is_established() && s.is_established());
    assert_eq!(c.group(), s.group());
    (c.group().unwrap(), c.peer_signature_scheme().unwrap())
}

#[test]
fn group_follows_the_client_unless_server_preference() {
    // (client groups, chosen without server preference, chosen with it)
    let cases: [(&[G], G, G); 4] = [
        (
            &[G::SECP384R1, G::SECP256R1, G::X25519],
            G::SECP384R1,
            G::X25519,
        ),
        (&[G::SECP256R1, G::SECP384R1], G::SECP256R1, G::SECP256R1),
        (&[G::SECP384R1, G::X25519], G::SECP384R1, G::X25519),
        (&[G::X25519, G::SECP384R1], G::X25519, G::X25519),
    ];
    for (groups, client_pref, server_pref) in cases {
        let c = || client(Config::builder().groups(groups));
        assert_eq!(handshake(server("server-rsa", false), c()).0, client_pref);
        assert_eq!(handshake(server("server-rsa", true), c()).0, server_pref);
    }
}

#[test]
fn groups_we_lack_are_skipped_in_the_client_order() {
    // P-521 (25) first: OpenSSL 3.0 would take it; we take the client's next group we have.
    let groups = [G(25), G::SECP384R1, G::SECP256R1];
    let c = client(Config::builder().groups(&groups));
    assert_eq!(handshake(server("server-rsa", false), c).0, G::SECP384R1);
}

#[test]
fn signature_scheme_follows_the_client_unless_server_preference() {
    let schemes = [
        S::RSA_PKCS1_SHA384,
        S::RSA_PSS_RSAE_SHA256,
        S::RSA_PKCS1_SHA256,
    ];
    let c = || client(Config::builder().signature_schemes(&schemes));
    assert_eq!(
        handshake(server("server-rsa", false), c()).1,
        S::RSA_PKCS1_SHA384
    );
    // Our order (OpenSSL's tls12_sigalgs) puts RSA-PSS before PKCS#1.
    assert_eq!(
        handshake(server("server-rsa", true), c()).1,
        S::RSA_PSS_RSAE_SHA256
    );
    // An ECDSA P-256 key signs with SHA-256 whatever the order (ring has no P-256/SHA-384).
    let ec = [S::ECDSA_SECP384R1_SHA384, S::ECDSA_SECP256R1_SHA256];
    let c = client(Config::builder().signature_schemes(&ec));
    assert_eq!(
        handshake(server("server-ecdsa", false), c).1,
        S::ECDSA_SECP256R1_SHA256
    );
}
