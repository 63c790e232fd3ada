//! The server's ClientHello hook (certificate choice by SNI, RFC 6066 §3) and the session
//! policy: a session resumes only under the same server name (RFC 6066 §3), the same
//! extended master secret state (RFC 7627 §5.3) and the same session ID context, and not at
//! all when the server keeps no session cache.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::link::{LinkConfig, Pair};
use common::ours::{load_chain, load_key, trust_all, Ours, PEER_ADDR};
use common::OursPair;
use rdtls::__internal::handshake::messages::ServerHello;
use rdtls::enums::HandshakeType;
use rdtls::session::cache::Session;
use rdtls::{
    AlertDescription, AlertLevel, ClientHelloInfo, ClientOptions, Config, ConfigBuilder,
    Connection, Error, Event, HelloDecision, HelloRejection,
};

const STEPS: usize = 1_000;
const BUDGET: Duration = Duration::from_secs(60);

fn server_builder(cred: &str) -> ConfigBuilder {
    Config::builder()
        .identity(
            load_chain(&format!("server-{cred}.pem")),
            load_key(&format!("server-{cred}.key")),
        )
        .session_id_context(b"sni-tests")
}

fn server(cred: &str) -> Arc<Config> {
    server_builder(cred).build().expect("server config")
}

fn client_builder() -> ConfigBuilder {
    Config::builder()
        .trust_store(trust_all())
        .message_events(true)
}

fn client() -> Arc<Config> {
    client_builder().build().expect("client config")
}

/// The client's options: `name` as SNI; the certificate is verified (chain and the name
/// "localhost", which every fixture certificate carries) whatever SNI name is sent.
fn opts(name: Option<&str>, resume: Option<Session>) -> ClientOptions {
    ClientOptions {
        server_name: name.map(str::to_owned),
        verify_names: vec!["localhost".to_owned()],
        resume,
        ..ClientOptions::default()
    }
}

/// Names seen by a hook, and what it answers.
type Seen = Arc<Mutex<Vec<(Option<String>, bool)>>>;

/// A hook that serves the RSA configuration for "rsa.test", refuses "evil.test", warns on
/// "warn.test", and keeps the default otherwise; it acknowledges every name it uses.
fn vhost_hook(rsa: Arc<Config>, seen: Seen) -> Box<dyn rdtls::ClientHelloHook> {
    Box::new(move |h: &ClientHelloInfo<'_>| {
        seen.lock()
            .unwrap()
            .push((h.server_name.map(str::to_owned), h.resuming));
        assert!(!h.signature_schemes.is_empty(), "client signature schemes");
        assert!(!h.cipher_suites.is_empty(), "client cipher suites");
        match h.server_name {
            Some("evil.test") => Err(HelloRejection {
                alert: AlertDescription::UNRECOGNIZED_NAME,
                reason: "no such virtual host".into(),
            }),
            Some("warn.test") => Ok(HelloDecision {
                warning: Some(AlertDescription::UNRECOGNIZED_NAME),
                ..HelloDecision::default()
            }),
            Some("rsa.test") => Ok(HelloDecision {
                config: Some(rsa.clone()),
                acknowledge_server_name: true,
                ..HelloDecision::default()
            }),
            Some(_) => Ok(HelloDecision {
                acknowledge_server_name: true,
                ..HelloDecision::default()
            }),
            None => Ok(HelloDecision::default()),
        }
    })
}

fn pair_at(
    ccfg: &Arc<Config>,
    scfg: &Arc<Config>,
    o: ClientOptions,
    hook: Option<Box<dyn rdtls::ClientHelloHook>>,
    now: Instant,
) -> OursPair {
    let c = Ours::client(ccfg.clone(), now, o);
    let mut conn = Connection::server(scfg.clone(), now, PEER_ADDR);
    if let Some(h) = hook {
        conn.set_client_hello_hook(h);
    }
    let s = Ours::wrap(conn, "rdtls server");
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 3);
    p.now = now;
    p
}

fn handshake(p: &mut OursPair) {
    p.handshake(STEPS, BUDGET).expect("handshake");
}

/// The ServerHello the client received.
fn server_hello(c: &Ours) -> ServerHello {
    let bytes = c
        .events
        .iter()
        .find_map(|e| match e {
            Event::HandshakeMessage {
                sent: false,
                msg_type,
                bytes,
            } if *msg_type == HandshakeType::SERVER_HELLO => Some(bytes.clone()),
            _ => None,
        })
        .expect("a ServerHello");
    ServerHello::decode(&bytes[12..]).expect("ServerHello decodes")
}

#[test]
fn hook_selects_certificate_by_server_name_and_acknowledges_it() {
    let (ecdsa, rsa) = (server("ecdsa"), server("rsa"));
    let ccfg = client();
    let now = Instant::now();
    for (name, leaf_file, acked) in [
        (Some("rsa.test"), "server-rsa.pem", true),
        (Some("other.test"), "server-ecdsa.pem", true),
        (None, "server-ecdsa.pem", false),
    ] {
        let seen = Seen::default();
        let hook = vhost_hook(rsa.clone(), seen.clone());
        let mut p = pair_at(&ccfg, &ecdsa, opts(name, None), Some(hook), now);
        handshake(&mut p);
        assert_eq!(
            p.client.conn.peer_certificates()[0],
            load_chain(leaf_file)[0],
            "{name:?} must get {leaf_file}"
        );
        assert_eq!(
            p.server.conn.server_name(),
            name,
            "server sees the client's name"
        );
        assert_eq!(
            *seen.lock().unwrap(),
            vec![(name.map(str::to_owned), false)]
        );
        let sh = server_hello(&p.client);
        assert_eq!(
            sh.extensions.server_name.is_some(),
            acked,
            "{name:?}: server_name acknowledgement"
        );
        if acked {
            assert_eq!(sh.extensions.server_name.as_deref(), Some(""));
        }
    }
}

#[test]
fn without_a_hook_the_server_does_not_acknowledge_the_name() {
    let mut p = pair_at(
        &client(),
        &server("ecdsa"),
        opts(Some("a.test"), None),
        None,
        Instant::now(),
    );
    handshake(&mut p);
    assert_eq!(p.server.conn.server_name(), Some("a.test"));
    assert!(server_hello(&p.client).extensions.server_name.is_none());
}

#[test]
fn hook_rejection_sends_its_fatal_alert() {
    let seen = Seen::default();
    let hook = vhost_hook(server("rsa"), seen);
    let mut p = pair_at(
        &client(),
        &server("ecdsa"),
        opts(Some("evil.test"), None),
        Some(hook),
        Instant::now(),
    );
    assert!(p.handshake(STEPS, BUDGET).is_err(), "handshake must fail");
    match &p.server.error {
        Some(Error::AlertSent { alert, reason }) => {
            assert_eq!(*alert, AlertDescription::UNRECOGNIZED_NAME);
            assert!(reason.contains("no such virtual host"), "{reason}");
        }
        other => panic!("server error {other:?}"),
    }
    assert_eq!(
        p.server.alerts_sent(),
        vec![(AlertLevel::Fatal, AlertDescription::UNRECOGNIZED_NAME)]
    );
}

#[test]
fn hook_warning_is_sent_and_the_handshake_goes_on() {
    let hook = vhost_hook(server("rsa"), Seen::default());
    let mut p = pair_at(
        &client(),
        &server("ecdsa"),
        opts(Some("warn.test"), None),
        Some(hook),
        Instant::now(),
    );
    handshake(&mut p);
    assert_eq!(
        p.server.alerts_sent(),
        vec![(AlertLevel::Warning, AlertDescription::UNRECOGNIZED_NAME)]
    );
    assert!(server_hello(&p.client).extensions.server_name.is_none());
}

/// A full handshake, then the client's session.
fn full(ccfg: &Arc<Config>, scfg: &Arc<Config>, name: Option<&str>, now: Instant) -> Session {
    let mut p = pair_at(ccfg, scfg, opts(name, None), None, now);
    handshake(&mut p);
    p.client.conn.session().expect("session")
}

#[test]
fn session_resumes_only_under_the_same_server_name() {
    let (ccfg, scfg) = (client(), server("ecdsa"));
    let t0 = Instant::now();
    let s = full(&ccfg, &scfg, Some("a.test"), t0);
    let t1 = t0 + Duration::from_secs(1);
    for (name, resumes) in [
        (Some("b.test"), false),
        (None, false),
        (Some("a.test"), true),
    ] {
        let mut p = pair_at(&ccfg, &scfg, opts(name, Some(s.clone())), None, t1);
        handshake(&mut p);
        assert_eq!(
            (
                p.client.conn.session_reused(),
                p.server.conn.session_reused()
            ),
            (resumes, resumes),
            "session made for a.test offered with SNI {name:?}"
        );
    }
    // A session made without a name does not resume under one.
    let s = full(&ccfg, &scfg, None, t1);
    let mut p = pair_at(&ccfg, &scfg, opts(Some("a.test"), Some(s)), None, t1);
    handshake(&mut p);
    assert!(!p.server.conn.session_reused());
}

#[test]
fn session_stays_with_the_cache_it_was_made_in_after_the_hook_switched_config() {
    // The RSA config has its own (empty) cache: the session lives in the first config's.
    let (ecdsa, rsa) = (server("ecdsa"), server("rsa"));
    let ccfg = client();
    let t0 = Instant::now();
    let hook = vhost_hook(rsa.clone(), Seen::default());
    let mut p = pair_at(&ccfg, &ecdsa, opts(Some("rsa.test"), None), Some(hook), t0);
    handshake(&mut p);
    let s = p.client.conn.session().expect("session");
    assert_eq!(ecdsa.session_cache().len(), 1);
    assert_eq!(rsa.session_cache().len(), 0);
    let seen = Seen::default();
    let hook = vhost_hook(rsa, seen.clone());
    let mut p = pair_at(
        &ccfg,
        &ecdsa,
        opts(Some("rsa.test"), Some(s)),
        Some(hook),
        t0,
    );
    handshake(&mut p);
    assert!(p.server.conn.session_reused() && p.client.conn.session_reused());
    assert_eq!(*seen.lock().unwrap(), vec![(Some("rsa.test".into()), true)]);
    assert!(
        server_hello(&p.client).extensions.server_name.is_none(),
        "RFC 6066 §3: no server_name in a resumed ServerHello"
    );
}

#[test]
fn resumption_that_drops_extended_master_secret_is_aborted() {
    let scfg = server("ecdsa");
    let t0 = Instant::now();
    let s = full(&client(), &scfg, None, t0);
    assert!(s.extended_master_secret);
    let no_ems = client_builder()
        .extended_master_secret(false)
        .build()
        .expect("config");
    let mut p = pair_at(&no_ems, &scfg, opts(None, Some(s)), None, t0);
    assert!(p.handshake(STEPS, BUDGET).is_err());
    match &p.server.error {
        Some(Error::AlertSent { alert, reason }) => {
            assert_eq!(*alert, AlertDescription::HANDSHAKE_FAILURE);
            assert!(reason.contains("RFC 7627"), "{reason}");
        }
        other => panic!("server error {other:?}"),
    }
    assert_eq!(
        p.server.alerts_sent(),
        vec![(AlertLevel::Fatal, AlertDescription::HANDSHAKE_FAILURE)]
    );
    assert!(!p.client.conn.is_established());
}

#[test]
fn session_without_extended_master_secret_is_not_resumed_with_it() {
    let scfg = server("ecdsa");
    let no_ems = client_builder()
        .extended_master_secret(false)
        .build()
        .expect("config");
    let t0 = Instant::now();
    let s = full(&no_ems, &scfg, None, t0);
    assert!(!s.extended_master_secret);
    // RFC 7627 §5.3: a full handshake instead.
    let mut p = pair_at(&client(), &scfg, opts(None, Some(s.clone())), None, t0);
    handshake(&mut p);
    assert!(!p.server.conn.session_reused());
    assert!(p.server.conn.extended_master_secret());
    // Without EMS on both sides it still resumes.
    let mut p = pair_at(&no_ems, &scfg, opts(None, Some(s)), None, t0);
    handshake(&mut p);
    assert!(p.server.conn.session_reused());
}

#[test]
fn no_session_cache_means_no_resumption() {
    let scfg = server_builder("ecdsa")
        .server_session_cache(false)
        .build()
        .expect("config");
    let ccfg = client();
    let t0 = Instant::now();
    let mut p = pair_at(&ccfg, &scfg, opts(None, None), None, t0);
    handshake(&mut p);
    let s = p.client.conn.session().expect("session");
    assert!(s.id.is_empty(), "no session ID is issued");
    assert_eq!(scfg.session_cache().len(), 0);
    let mut p = pair_at(&ccfg, &scfg, opts(None, Some(s)), None, t0);
    handshake(&mut p);
    assert!(!p.server.conn.session_reused() && !p.client.conn.session_reused());
}

#[test]
fn session_id_context_mismatch_means_a_full_handshake() {
    let scfg = server("ecdsa");
    let other_ctx = server_builder("ecdsa")
        .shared_session_cache(scfg.session_cache().clone())
        .session_id_context(b"another context")
        .build()
        .expect("config");
    let ccfg = client();
    let t0 = Instant::now();
    let s = full(&ccfg, &scfg, None, t0);
    let mut p = pair_at(&ccfg, &other_ctx, opts(None, Some(s.clone())), None, t0);
    handshake(&mut p);
    assert!(
        !p.server.conn.session_reused(),
        "other context: full handshake"
    );
    let mut p = pair_at(&ccfg, &scfg, opts(None, Some(s)), None, t0);
    handshake(&mut p);
    assert!(p.server.conn.session_reused(), "same context resumes");
}

#[test]
fn paused_hook_parks_the_client_hello_until_resumed() {
    let rsa = server("rsa");
    let calls = Arc::new(Mutex::new(0));
    let c2 = calls.clone();
    let hook = Box::new(move |h: &ClientHelloInfo<'_>| {
        let mut n = c2.lock().unwrap();
        *n += 1;
        assert_eq!(h.server_name, Some("rsa.test"));
        Ok(if *n < 3 {
            HelloDecision {
                pause: true,
                // Ignored while pausing.
                warning: Some(AlertDescription::UNRECOGNIZED_NAME),
                ..HelloDecision::default()
            }
        } else {
            HelloDecision {
                config: Some(rsa.clone()),
                acknowledge_server_name: true,
                ..HelloDecision::default()
            }
        })
    });
    let now = Instant::now();
    let mut p = pair_at(
        &client(),
        &server("ecdsa"),
        opts(Some("rsa.test"), None),
        Some(hook),
        now,
    );
    // Runs until the server parks the ClientHello (after the cookie exchange).
    let parked = p.run_until(STEPS, BUDGET, |p| p.server.conn.client_hello_pending());
    assert!(parked.is_ok(), "{parked:?}");
    assert_eq!(*calls.lock().unwrap(), 1);
    assert!(
        p.server.drain(p.now).is_empty(),
        "nothing is sent while paused"
    );
    // The client's retransmitted ClientHello meanwhile changes nothing: still parked, no
    // error, no second hook call.
    let parked_at = p.now;
    while p.now < parked_at + Duration::from_secs(3) && p.step() {}
    assert!(
        p.now >= parked_at + Duration::from_secs(1),
        "a client timer fired"
    );
    assert!(p.server.conn.client_hello_pending() && p.server.error.is_none());
    assert_eq!(*calls.lock().unwrap(), 1);
    // A resume that pauses again keeps it parked; the next one answers.
    p.server.conn.resume_client_hello(p.now).expect("resume");
    assert!(p.server.conn.client_hello_pending());
    p.server.conn.resume_client_hello(p.now).expect("resume");
    assert!(!p.server.conn.client_hello_pending());
    handshake(&mut p);
    assert_eq!(*calls.lock().unwrap(), 3);
    assert_eq!(
        p.client.conn.peer_certificates()[0],
        load_chain("server-rsa.pem")[0]
    );
    assert!(
        p.server.alerts_sent().is_empty(),
        "no warning from a paused decision"
    );
    assert_eq!(
        server_hello(&p.client).extensions.server_name.as_deref(),
        Some("")
    );
}

/// RFC 7627 §5.3, client side: "If the original session used the extension but the new
/// ServerHello does not contain the extension, the client MUST abort the handshake" (and
/// the converse). Each direction is made by offering a session whose EMS flag disagrees
/// with what the server's cached copy (which decides the ServerHello) says.
#[test]
fn client_aborts_a_resumption_whose_extended_master_secret_state_changed() {
    let t0 = Instant::now();
    for server_ems in [false, true] {
        let scfg = server_builder("ecdsa")
            .extended_master_secret(server_ems)
            .build()
            .expect("config");
        let mut s = full(&client(), &scfg, None, t0);
        assert_eq!(s.extended_master_secret, server_ems);
        s.extended_master_secret = !server_ems;
        let mut p = pair_at(&client(), &scfg, opts(None, Some(s)), None, t0);
        assert!(p.handshake(STEPS, BUDGET).is_err());
        match &p.client.error {
            Some(Error::AlertSent { alert, reason }) => {
                assert_eq!(*alert, AlertDescription::HANDSHAKE_FAILURE);
                assert!(reason.contains("extended_master_secret"), "{reason}");
            }
            other => panic!("server EMS {server_ems}: client error {other:?}"),
        }
    }
}
