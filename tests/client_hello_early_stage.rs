//! The early stage of the server's ClientHello hook (`ClientHelloHook::early`, where the C
//! layer calls OpenSSL's client-hello callback): called once per handshake with the whole
//! ClientHello, also when the client fragmented it over several datagrams (RFC 6347
//! §4.2.3), not for the cookie-less first ClientHello, also for a renegotiating one, before
//! the second stage (`ClientHelloHook::client_hello`); it can swap the configuration,
//! pause, or refuse.

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::link::{LinkConfig, Pair};
use common::ours::{load_chain, load_key, trust_all, Ours, PEER_ADDR};
use common::OursPair;
use rdtls::{
    AlertDescription, AlertLevel, ClientHelloHook, ClientHelloInfo, ClientOptions, Config,
    Connection, EarlyDecision, EarlyHello, HelloDecision, HelloRejection,
};

const STEPS: usize = 1_000;
const BUDGET: Duration = Duration::from_secs(60);
const CLIENT_MTU: usize = 256;

fn server(cred: &str) -> Arc<Config> {
    Config::builder()
        .identity(
            load_chain(&format!("server-{cred}.pem")),
            load_key(&format!("server-{cred}.key")),
        )
        .build()
        .expect("server config")
}

/// A 200-byte server name with a 256-byte MTU: the ClientHello needs two datagrams.
fn long_name() -> String {
    "a".repeat(200)
}

fn pair(hook: Hooks, now: Instant) -> OursPair {
    let ccfg = Config::builder()
        .trust_store(trust_all())
        .mtu(CLIENT_MTU)
        .build()
        .expect("client config");
    let o = ClientOptions {
        server_name: Some(long_name()),
        verify_names: vec!["localhost".to_owned()],
        ..ClientOptions::default()
    };
    let c = Ours::client(ccfg, now, o);
    let mut conn = Connection::server(server("ecdsa"), now, PEER_ADDR);
    conn.set_client_hello_hook(Box::new(hook));
    let mut p = Pair::new_at(
        now,
        c,
        Ours::wrap(conn, "rdtls server"),
        LinkConfig::PERFECT,
        3,
    );
    p.now = now;
    p
}

/// Records the order of the two stages; the early stage answers with `early`'s result for
/// its n-th call.
struct Hooks {
    log: Arc<Mutex<Vec<String>>>,
    early: Box<dyn FnMut(usize) -> Result<EarlyDecision, HelloRejection> + Send>,
}

impl ClientHelloHook for Hooks {
    fn early(&mut self, h: &EarlyHello<'_>) -> Result<EarlyDecision, HelloRejection> {
        let mut log = self.log.lock().unwrap();
        // The whole ClientHello: DTLS 1.2 version first, and larger than one datagram.
        assert_eq!(&h.body[..2], &[0xfe, 0xfd]);
        assert!(h.body.len() > CLIENT_MTU, "body of {} bytes", h.body.len());
        assert!(h.cookie_exchange);
        log.push(format!("early {}", h.body.len()));
        let n = log.iter().filter(|l| l.starts_with("early")).count();
        drop(log);
        (self.early)(n)
    }

    fn client_hello(&mut self, h: &ClientHelloInfo<'_>) -> Result<HelloDecision, HelloRejection> {
        assert_eq!(h.server_name, Some(long_name().as_str()));
        self.log.lock().unwrap().push("client_hello".into());
        Ok(HelloDecision::default())
    }
}

fn stages(log: &Arc<Mutex<Vec<String>>>) -> Vec<String> {
    log.lock()
        .unwrap()
        .iter()
        .map(|l| l.split(' ').next().unwrap_or("").to_owned())
        .collect()
}

#[test]
fn fragmented_hello_reaches_the_early_stage_once_before_the_second_stage() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let rsa = server("rsa");
    let hooks = Hooks {
        log: log.clone(),
        early: Box::new(move |_| {
            Ok(EarlyDecision {
                config: Some(rsa.clone()),
                pause: false,
            })
        }),
    };
    let mut p = pair(hooks, Instant::now());
    p.handshake(STEPS, BUDGET).expect("handshake");
    assert_eq!(stages(&log), ["early", "client_hello"]);
    // The configuration the early stage chose served the handshake.
    assert_eq!(
        p.client.conn.peer_certificates()[0],
        load_chain("server-rsa.pem")[0]
    );
}

#[test]
fn paused_early_stage_parks_the_hello_and_runs_again_on_resume() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let hooks = Hooks {
        log: log.clone(),
        early: Box::new(|n| {
            Ok(EarlyDecision {
                config: None,
                pause: n < 3,
            })
        }),
    };
    let mut p = pair(hooks, Instant::now());
    let parked = p.run_until(STEPS, BUDGET, |p| p.server.conn.client_hello_pending());
    assert!(parked.is_ok(), "{parked:?}");
    assert_eq!(stages(&log), ["early"]);
    assert!(
        p.server.drain(p.now).is_empty(),
        "nothing is sent while paused"
    );
    // The client's retransmissions meanwhile change nothing.
    let parked_at = p.now;
    while p.now < parked_at + Duration::from_secs(3) && p.step() {}
    assert!(p.server.conn.client_hello_pending() && p.server.error.is_none());
    assert_eq!(stages(&log), ["early"]);
    p.server.conn.resume_client_hello(p.now).expect("resume");
    assert!(p.server.conn.client_hello_pending());
    p.server.conn.resume_client_hello(p.now).expect("resume");
    assert!(!p.server.conn.client_hello_pending());
    p.handshake(STEPS, BUDGET).expect("handshake");
    assert_eq!(stages(&log), ["early", "early", "early", "client_hello"]);
}

#[test]
fn early_refusal_ends_the_handshake_with_its_alert() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let hooks = Hooks {
        log: log.clone(),
        early: Box::new(|_| {
            Err(HelloRejection {
                alert: AlertDescription::HANDSHAKE_FAILURE,
                reason: "refused early".into(),
            })
        }),
    };
    let mut p = pair(hooks, Instant::now());
    assert!(p.handshake(STEPS, BUDGET).is_err());
    assert_eq!(stages(&log), ["early"], "no second stage after a refusal");
    let err = p.server.error.as_ref().expect("server error");
    assert!(format!("{err:?}").contains("refused early"), "{err:?}");
    assert_eq!(
        p.server.alerts_sent(),
        [(AlertLevel::Fatal, AlertDescription::HANDSHAKE_FAILURE)]
    );
}

#[test]
fn renegotiating_hello_goes_through_both_stages_again() {
    let log = Arc::new(Mutex::new(Vec::new()));
    let hooks = Hooks {
        log: log.clone(),
        early: Box::new(|_| Ok(EarlyDecision::default())),
    };
    let mut p = pair(hooks, Instant::now());
    p.handshake(STEPS, BUDGET).expect("handshake");
    let now = p.now;
    p.server.conn.renegotiate(now, false).expect("renegotiate");
    p.run_until(STEPS, BUDGET, |p| {
        p.client.completions() == 2 && p.server.completions() == 2
    })
    .expect("renegotiation");
    assert_eq!(
        stages(&log),
        ["early", "client_hello", "early", "client_hello"]
    );
}
