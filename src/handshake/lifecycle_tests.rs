//! Handshake-only state lives in the lifecycle's `Handshaking` variant and is freed when the
//! handshake ends (issue 9 item 2): a ClientHello parked by a paused hook goes with it.

use std::sync::Arc;
use std::time::Instant;

use crate::client_hello_hook::{
    ClientHelloHook, ClientHelloInfo, EarlyDecision, EarlyHello, HelloDecision, HelloRejection,
};
use crate::config::Config;
use crate::connection::{ClientOptions, Connection};
use crate::pki::keys::SigningKey;
use crate::pki::pem::load_certificates;
use crate::pki::verify::TrustStore;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn configs() -> (Arc<Config>, Arc<Config>) {
    let chain = load_certificates(&fixture("server-ecdsa.pem")).unwrap();
    let key = SigningKey::from_pem(&fixture("server-ecdsa.key")).unwrap();
    let server = Config::builder()
        .identity(chain, Arc::new(key))
        .rng_seed(41)
        .build()
        .unwrap();
    let mut trust = TrustStore::new();
    trust.add_pem(&fixture("ca-ecdsa.pem")).unwrap();
    let client = Config::builder()
        .trust_store(Arc::new(trust))
        .dangerous()
        .disable_hostname_verification()
        .rng_seed(42)
        .build()
        .unwrap();
    (server, client)
}

/// Pauses at the early stage or at the second stage.
struct Pause {
    early: bool,
}

impl ClientHelloHook for Pause {
    fn early(&mut self, _: &EarlyHello<'_>) -> Result<EarlyDecision, HelloRejection> {
        Ok(EarlyDecision {
            config: None,
            pause: self.early,
        })
    }

    fn client_hello(&mut self, _: &ClientHelloInfo<'_>) -> Result<HelloDecision, HelloRejection> {
        Ok(HelloDecision {
            pause: !self.early,
            ..HelloDecision::default()
        })
    }
}

fn pump(c: &mut Connection, s: &mut Connection, now: Instant) {
    let mut buf = Vec::new();
    for _ in 0..20 {
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

fn parked_server(early: bool) -> Connection {
    let now = Instant::now();
    let (scfg, ccfg) = configs();
    let mut c = Connection::client(ccfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(scfg, now, b"peer");
    s.set_client_hello_hook(Box::new(Pause { early }));
    pump(&mut c, &mut s, now);
    assert!(s.client_hello_pending());
    s
}

#[test]
fn a_parked_client_hello_is_handshake_state_and_goes_with_it() {
    for early in [false, true] {
        let mut s = parked_server(early);
        let hs = s
            .inner
            .machine()
            .unwrap()
            .life
            .handshake()
            .expect("handshaking");
        if early {
            let (_, body, _) = hs.parked_early_hello.as_ref().expect("parked body");
            assert!(body.len() > 40, "the whole ClientHello is kept");
            assert!(hs.parked_hello.is_none());
        } else {
            let (ch, _) = hs.parked_hello.as_ref().expect("parked ClientHello");
            assert!(!ch.cipher_suites.is_empty());
            assert!(hs.parked_early_hello.is_none());
        }
        // The application gives up on the handshake: its state, the parked hello with it,
        // is dropped; nothing is left to resume.
        s.close();
        assert!(
            s.inner.machine().unwrap().life.handshake().is_none(),
            "handshake state freed"
        );
        assert!(!s.client_hello_pending());
        assert!(
            s.resume_client_hello(Instant::now()).is_err(),
            "closed: nothing resumes"
        );
    }
}

#[test]
fn a_completed_handshake_keeps_no_handshake_state() {
    let now = Instant::now();
    let (scfg, ccfg) = configs();
    let mut c = Connection::client(ccfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(scfg, now, b"peer");
    pump(&mut c, &mut s, now);
    assert!(c.is_established() && s.is_established());
    for conn in [&c, &s] {
        // Transcript, flight, step keys and any parked hello are gone with the variant;
        // what the OpenSSL getters read after the handshake is in `Negotiated`.
        assert!(conn.inner.machine().unwrap().life.handshake().is_none());
        assert!(!conn.client_hello_pending());
        assert_eq!(conn.finished().0.len(), 12);
        assert!(conn.randoms().is_some());
    }
}
