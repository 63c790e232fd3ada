//! Interoperability with OpenSSL 3.0 (the `openssl` crate, in memory): our client against an
//! OpenSSL server and an OpenSSL client against our server, for every suite in
//! `DEFAULT_SUITES` × {X25519, P-256} × {no client auth, mutual auth} × {full, resumed}.
//!
//! Every handshake uses cookie exchange (a HelloVerifyRequest must be seen on the wire),
//! checks the negotiated suite on both sides and the ECDHE group (our side, and the group
//! named in the ServerKeyExchange on the wire), and exchanges application data both ways.
//! A resumed test first runs a full handshake, then resumes its session (ours through
//! `ClientOptions::resume` / `Connection::session()`, OpenSSL through `SslRef::set_session`
//! and its server session cache) and asserts `session_reused` on both sides.
//!
//! Test names: `<who is ours>::<suite>::<group>::<auth>_<full|resumed>`.

mod common;

use std::time::{Duration, Instant};

use common::fixtures::{read_fixture, Group, Spec};
use common::link::{Dir, Endpoint, LinkConfig, Pair};
use common::ossl::{ossl_context, OsslPeer};
use common::ours::{load_chain, our_config, Ours};
use common::wire::{
    find_msg, group_name, has_handshake, ske_group, HT_HELLO_VERIFY_REQUEST, HT_SERVER_HELLO,
    HT_SERVER_KEY_EXCHANGE,
};
use openssl::x509::X509;
use rdtls::suites::DEFAULT_SUITES;
use rdtls::ClientOptions;

/// Which side is our engine.
#[derive(Debug, Clone, Copy)]
enum Role {
    OursClient,
    OursServer,
}

const MAX_STEPS: usize = 2_000;
const MAX_TIME: Duration = Duration::from_secs(20);

/// Checks what every handshake (full or resumed) must show; `what` names the combination.
fn check_common<C: Endpoint, S: Endpoint>(p: &mut Pair<C, S>, spec: &Spec, what: &str) {
    assert_eq!(
        p.client.suite_name().as_deref(),
        Some(spec.suite),
        "{what}: client's negotiated suite"
    );
    assert_eq!(
        p.server.suite_name().as_deref(),
        Some(spec.suite),
        "{what}: server's negotiated suite"
    );
    assert!(
        p.bytes(Dir::ToClient)
            .iter()
            .any(|d| has_handshake(d, HT_HELLO_VERIFY_REQUEST)),
        "{what}: the server never sent a HelloVerifyRequest (cookie exchange is on)"
    );
    let c2s = format!("client says hello over {what}");
    let s2c = format!("server answers over {what}");
    p.exchange(c2s.as_bytes(), s2c.as_bytes())
        .unwrap_or_else(|e| panic!("{what}: application data: {e}"));
}

/// The group the server's ServerKeyExchange names on the wire.
fn wire_group<C: Endpoint, S: Endpoint>(p: &Pair<C, S>) -> Option<&'static str> {
    let ske = find_msg(p.bytes(Dir::ToClient), HT_SERVER_KEY_EXCHANGE)?;
    Some(group_name(ske_group(&ske.body)?))
}

fn check_resumed<C: Endpoint, S: Endpoint>(p: &Pair<C, S>, what: &str) {
    assert!(p.client.session_reused(), "{what}: client did not resume");
    assert!(p.server.session_reused(), "{what}: server did not resume");
    assert!(
        find_msg(p.bytes(Dir::ToClient), HT_SERVER_KEY_EXCHANGE).is_none(),
        "{what}: an abbreviated handshake has no ServerKeyExchange"
    );
    assert!(
        find_msg(p.bytes(Dir::ToClient), HT_SERVER_HELLO).is_some(),
        "{what}: no ServerHello seen"
    );
}

fn run(role: Role, suite: &'static str, group: Group, mutual: bool, resume: bool) {
    let spec = Spec::new(suite, group, mutual);
    let what = format!(
        "{role:?} {suite} {group:?} {} {}",
        if mutual {
            "mutual-auth"
        } else {
            "no-client-auth"
        },
        if resume { "resumed" } else { "full" }
    );
    match role {
        Role::OursClient => ours_client(&spec, resume, &what),
        Role::OursServer => ours_server(&spec, resume, &what),
    }
}

/// Runs the first (full) handshake on a perfect link and the checks every first handshake
/// shares; returns the pair and the "(first handshake)" label for further checks.
fn first_handshake<C: Endpoint, S: Endpoint>(
    now: Instant,
    client: C,
    server: S,
    spec: &Spec,
    what: &str,
) -> (Pair<C, S>, String) {
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 1);
    p.handshake(MAX_STEPS, MAX_TIME)
        .unwrap_or_else(|e| panic!("{what}: first handshake: {e}"));
    let first = format!("{what} (first handshake)");
    check_common(&mut p, spec, &first);
    assert_eq!(
        wire_group(&p),
        Some(spec.group.openssl_name()),
        "{first}: group in ServerKeyExchange"
    );
    assert!(
        !p.client.session_reused() && !p.server.session_reused(),
        "{first}: a first handshake cannot be resumed"
    );
    (p, first)
}

/// Runs a resuming handshake on a perfect link and the checks every resumption shares.
fn resumed_handshake<C: Endpoint, S: Endpoint>(
    now: Instant,
    client: C,
    server: S,
    spec: &Spec,
    what: &str,
) -> Pair<C, S> {
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, 2);
    p.handshake(MAX_STEPS, MAX_TIME)
        .unwrap_or_else(|e| panic!("{what}: resumed handshake: {e}"));
    check_resumed(&p, what);
    check_common(&mut p, spec, what);
    p
}

fn ours_client(spec: &Spec, resume: bool, what: &str) {
    let ccfg = our_config(spec, false);
    let sctx = ossl_context(spec, true).expect("OpenSSL server context");
    let start = Instant::now();
    let client = Ours::client(ccfg.clone(), start, ClientOptions::default());
    let server = OsslPeer::new(&sctx, true, spec.mtu, None).expect("OpenSSL server");
    let (p, first) = first_handshake(start, client, server, spec, what);
    let ours_group = p.client.group_name();
    assert_eq!(
        ours_group.as_deref(),
        Some(spec.group.openssl_name()),
        "{first}: group reported by our client"
    );
    assert_eq!(
        p.client.conn.verify_result(),
        0,
        "{first}: our verify result"
    );
    assert_eq!(
        p.client.conn.peer_certificates().first(),
        load_chain(spec.server_cred.server_files().0).first(),
        "{first}: our client's view of the server leaf"
    );
    if spec.mutual {
        let peer = p.server.stream.ssl().peer_certificate();
        let leaf = X509::from_pem(&read_fixture(spec.client_cred.client_files().0)).unwrap();
        assert_eq!(
            peer.map(|c| c.to_der().unwrap()),
            Some(leaf.to_der().unwrap()),
            "{first}: OpenSSL server's view of our client certificate"
        );
    }
    if !resume {
        return;
    }
    let session = p
        .client
        .conn
        .session()
        .unwrap_or_else(|| panic!("{first}: no session to resume"));
    let opts = ClientOptions {
        resume: Some(session),
        ..ClientOptions::default()
    };
    let now = Instant::now();
    let client = Ours::client(ccfg, now, opts);
    let server = OsslPeer::new(&sctx, true, spec.mtu, None).expect("OpenSSL server");
    resumed_handshake(now, client, server, spec, what);
}

fn ours_server(spec: &Spec, resume: bool, what: &str) {
    let scfg = our_config(spec, true);
    let cctx = ossl_context(spec, false).expect("OpenSSL client context");
    let now = Instant::now();
    let client = OsslPeer::new(&cctx, false, spec.mtu, None).expect("OpenSSL client");
    let server = Ours::server(scfg.clone(), now);
    let (p, first) = first_handshake(now, client, server, spec, what);
    assert_eq!(
        p.server.group_name().as_deref(),
        Some(spec.group.openssl_name()),
        "{first}: group reported by our server"
    );
    assert_eq!(
        p.client.group_name().as_deref(),
        Some(spec.group.openssl_name()),
        "{first}: group reported by the OpenSSL client"
    );
    if spec.mutual {
        assert_eq!(
            p.server.conn.verify_result(),
            0,
            "{first}: our verify result"
        );
        assert_eq!(
            p.server.conn.peer_certificates().first(),
            load_chain(spec.client_cred.client_files().0).first(),
            "{first}: our server's view of the client leaf"
        );
    } else {
        assert!(
            p.server.conn.peer_certificates().is_empty(),
            "{first}: no client certificate without client auth"
        );
    }
    if !resume {
        return;
    }
    let session = p
        .client
        .session()
        .unwrap_or_else(|| panic!("{first}: OpenSSL has no session"));
    let now = Instant::now();
    let client = OsslPeer::new(&cctx, false, spec.mtu, Some(&session)).expect("OpenSSL client");
    let server = Ours::server(scfg, now);
    let p = resumed_handshake(now, client, server, spec, what);
    if spec.mutual {
        assert_eq!(
            p.server.conn.peer_certificates().first(),
            load_chain(spec.client_cred.client_files().0).first(),
            "{what}: a resumed session keeps the client certificate"
        );
    }
}

macro_rules! group_tests {
    ($role:expr, $suite:expr, $group:expr) => {
        #[test]
        fn no_client_auth_full() {
            crate::run($role, $suite, $group, false, false);
        }
        #[test]
        fn no_client_auth_resumed() {
            crate::run($role, $suite, $group, false, true);
        }
        #[test]
        fn mutual_auth_full() {
            crate::run($role, $suite, $group, true, false);
        }
        #[test]
        fn mutual_auth_resumed() {
            crate::run($role, $suite, $group, true, true);
        }
    };
}

macro_rules! suite_tests {
    ($role:expr, $suite:expr) => {
        mod x25519 {
            group_tests!($role, $suite, crate::Group::X25519);
        }
        mod p256 {
            group_tests!($role, $suite, crate::Group::P256);
        }
    };
}

macro_rules! role_tests {
    ($role:expr) => {
        /// Every suite in `DEFAULT_SUITES`; `table_covers_default_suites` keeps this in sync.
        pub const SUITES: [&str; 6] = [
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-RSA-CHACHA20-POLY1305",
        ];
        mod ecdhe_ecdsa_aes128_gcm_sha256 {
            suite_tests!($role, "ECDHE-ECDSA-AES128-GCM-SHA256");
        }
        mod ecdhe_ecdsa_aes256_gcm_sha384 {
            suite_tests!($role, "ECDHE-ECDSA-AES256-GCM-SHA384");
        }
        mod ecdhe_ecdsa_chacha20_poly1305 {
            suite_tests!($role, "ECDHE-ECDSA-CHACHA20-POLY1305");
        }
        mod ecdhe_rsa_aes128_gcm_sha256 {
            suite_tests!($role, "ECDHE-RSA-AES128-GCM-SHA256");
        }
        mod ecdhe_rsa_aes256_gcm_sha384 {
            suite_tests!($role, "ECDHE-RSA-AES256-GCM-SHA384");
        }
        mod ecdhe_rsa_chacha20_poly1305 {
            suite_tests!($role, "ECDHE-RSA-CHACHA20-POLY1305");
        }
    };
}

mod ours_client {
    role_tests!(crate::Role::OursClient);
}

mod ours_server {
    role_tests!(crate::Role::OursServer);
}

/// The tables above must name exactly the suites in `DEFAULT_SUITES`.
#[test]
fn table_covers_default_suites() {
    let mut ours: Vec<&str> = DEFAULT_SUITES.iter().map(|s| s.openssl_name).collect();
    ours.sort_unstable();
    for table in [ours_client::SUITES, ours_server::SUITES] {
        let mut t = table.to_vec();
        t.sort_unstable();
        assert_eq!(t, ours, "interop table vs DEFAULT_SUITES");
    }
}
