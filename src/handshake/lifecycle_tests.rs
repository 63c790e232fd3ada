//! Handshake-only state lives in the lifecycle's `Handshaking` variant and is freed when the
//! handshake ends (issue 9 item 2): a ClientHello parked by a paused hook goes with it.

use std::sync::Arc;
use std::time::Instant;

use crate::client_hello_hook::{
    ClientHelloHook, ClientHelloInfo, EarlyDecision, EarlyHello, HelloDecision, HelloRejection,
};
use crate::config::Config;
use crate::connection::{ClientOptions, Connection};
use crate::handshake::lifecycle::ParkedHello;
use crate::pki::keys::SigningKey;
use crate::pki::pem::load_certificates;
use crate::pki::verify::TrustStore;

pub(super) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

pub(super) fn configs() -> (Arc<Config>, Arc<Config>) {
    configs_with_cids(None, None)
}

/// Server and client configurations, each with its own connection ID if given.
pub(super) fn configs_with_cids(
    server_cid: Option<Vec<u8>>,
    client_cid: Option<Vec<u8>>,
) -> (Arc<Config>, Arc<Config>) {
    let chain = load_certificates(&fixture("server-ecdsa.pem")).unwrap();
    let key = SigningKey::from_pem(&fixture("server-ecdsa.key")).unwrap();
    let server = Config::builder()
        .identity(chain, Arc::new(key))
        .connection_id(server_cid)
        .rng_seed(41)
        .build()
        .unwrap();
    let mut trust = TrustStore::new();
    trust.add_pem(&fixture("ca-ecdsa.pem")).unwrap();
    let client = Config::builder()
        .trust_store(Arc::new(trust))
        .connection_id(client_cid)
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

pub(super) fn pump(c: &mut Connection, s: &mut Connection, now: Instant) {
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
        match (early, hs.parked.as_ref()) {
            (true, Some(ParkedHello::Early { body, .. })) => {
                assert!(body.len() > 40, "the whole ClientHello is kept")
            }
            (false, Some(ParkedHello::Decoded { hello, .. })) => {
                assert!(!hello.cipher_suites.is_empty())
            }
            _ => panic!("parked at the wrong stage"),
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

/// What each step of a full handshake may hold, checked after every datagram: no suite
/// before the hellos, a suite and no master secret until the key exchange, the master
/// secret in the steps after it (and nowhere else while the handshake runs, but in the
/// renegotiation's copy of the established one), and once completed the master secret
/// with the established connection and nothing of the handshake.
fn check_step_agreement(conn: &Connection) {
    use super::lifecycle::Lifecycle;
    use super::machine::State;
    let m = conn.inner.machine().unwrap();
    let suite = m.hs.suite.map(|s| s.id);
    match &m.life {
        Lifecycle::Handshaking(h) => {
            let step = h.step().expect("a step outside Machine::advance");
            assert!(m.life.agreement().is_none(), "no established master secret");
            if let Some(r) = &h.renegotiation {
                // RFC 5746: the old epoch stays in use, with the old master secret.
                assert!(r
                    .previous_session
                    .as_ref()
                    .is_some_and(|s| s.master_secret == r.established.master));
            }
            match step.kind() {
                State::ClientAwaitServerHello | State::ServerAwaitClientHello => {
                    // A renegotiation keeps the previous suite until its own ServerHello.
                    assert!(
                        h.renegotiation.is_some() || suite.is_none(),
                        "suite too early"
                    );
                    assert!(step.agreement().is_none());
                }
                State::ClientAwaitCertificate
                | State::ClientAwaitServerKeyExchange
                | State::ClientAwaitCertificateRequestOrDone
                | State::ClientAwaitServerHelloDone
                | State::ServerAwaitClientCertificate
                | State::ServerAwaitClientKeyExchange => {
                    assert!(suite.is_some(), "a suite from ServerHello on");
                    assert!(step.agreement().is_none(), "keyed too early");
                }
                State::ServerAwaitCertificateVerify
                | State::AwaitChangeCipherSpec
                | State::AwaitFinished => {
                    let a = step
                        .agreement()
                        .expect("a keyed step with its master secret");
                    assert_eq!(Some(a.suite.id), suite);
                }
            }
        }
        Lifecycle::Established(e) => {
            assert_eq!(Some(e.agreement.suite.id), suite);
            assert!(m.life.handshake().is_none() && m.life.timer().is_none());
        }
        _ => panic!("not established: {:?}", m.life.error()),
    }
}

/// Delivers every datagram one by one, checking both sides' steps after each.
fn pump_checked(c: &mut Connection, s: &mut Connection, now: Instant) {
    check_step_agreement(c);
    check_step_agreement(s);
    let mut buf = Vec::new();
    for _ in 0..40 {
        let mut moved = false;
        while c.poll_transmit(now, &mut buf).is_some() {
            moved = true;
            s.handle_datagram(now, &buf).unwrap();
            check_step_agreement(s);
        }
        while s.poll_transmit(now, &mut buf).is_some() {
            moved = true;
            c.handle_datagram(now, &buf).unwrap();
            check_step_agreement(c);
        }
        if !moved {
            break;
        }
    }
}

#[test]
fn each_step_holds_what_it_needs_and_no_more() {
    let now = Instant::now();
    let (scfg, ccfg) = configs();
    let mut c = Connection::client(ccfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(scfg, now, b"peer");
    pump_checked(&mut c, &mut s, now);
    assert!(c.is_established() && s.is_established());
}

/// A renegotiation (RFC 5746) is a new Handshaking variant: its steps obey the same rules,
/// its new suite never pairs with the old master secret, and when it completes its state
/// is freed again and new secrets are in place.
#[test]
fn a_renegotiation_holds_its_own_state_and_frees_it() {
    let now = Instant::now();
    let (scfg, ccfg) = configs();
    let mut c = Connection::client(ccfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(scfg, now, b"peer");
    pump_checked(&mut c, &mut s, now);
    let master = |conn: &Connection| {
        conn.inner
            .machine()
            .unwrap()
            .life
            .agreement()
            .map(|a| a.master[..].to_vec())
    };
    let before = master(&c).unwrap();
    assert_eq!(master(&s).as_deref(), Some(&before[..]));
    s.renegotiate(now, false).unwrap();
    assert!(s.is_renegotiating() && s.inner.machine().unwrap().life.handshake().is_some());
    pump_checked(&mut c, &mut s, now);
    for conn in [&c, &s] {
        assert!(conn.is_established() && !conn.is_renegotiating());
        assert!(
            conn.inner.machine().unwrap().life.handshake().is_none(),
            "renegotiation state freed"
        );
        let after = master(conn).unwrap();
        assert_ne!(
            after, before,
            "a full renegotiation agrees a new master secret"
        );
    }
    assert_eq!(c.renegotiations(), 1);
}

/// The per-handshake choices that do not outlive the handshake (the CID offered, the
/// server_name acknowledgement) are fields of the Handshaking variant: once established
/// they no longer exist, while the CIDs in use are the record layer's.
#[test]
fn per_handshake_choices_go_with_the_handshake() {
    let now = Instant::now();
    let (scfg, ccfg) = configs_with_cids(Some(vec![2; 4]), Some(vec![1; 4]));
    let mut c = Connection::client(ccfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(scfg, now, b"peer");
    assert_eq!(
        c.inner
            .machine()
            .unwrap()
            .life
            .handshake()
            .unwrap()
            .local_cid
            .as_deref(),
        Some(&[1u8; 4][..]),
        "the offered CID is kept by the running handshake"
    );
    pump(&mut c, &mut s, now);
    assert!(c.is_established() && s.is_established());
    for conn in [&c, &s] {
        assert!(conn.inner.machine().unwrap().life.handshake().is_none());
        assert!(
            conn.inner
                .machine()
                .unwrap()
                .records
                .connection_ids()
                .is_some(),
            "CIDs in use"
        );
    }
}

/// Lifecycle invariants, variant by variant: only a running handshake has a step and a
/// retransmission timer; only a failed connection has an error; close_notify exists only
/// after the handshake (Closing) or as the reason a connection failed.
#[test]
fn variants_own_exactly_their_data() {
    use super::flight::RetransmitTimer;
    use super::lifecycle::{Established, Lifecycle};
    use super::step::Step;
    use crate::error::Error;
    use std::time::Duration;
    let timer = || RetransmitTimer::new(Duration::from_secs(1), Duration::from_secs(60));
    let established = || Established::new(super::agreement::Agreement::for_tests());
    let check = |l: &Lifecycle| {
        let running = l.is_handshaking();
        assert_eq!(l.timer().is_some(), running, "a timer iff handshaking");
        assert_eq!(l.step().is_some(), running, "a step iff handshaking");
        assert_eq!(l.error().is_some(), l.is_failed(), "an error iff failed");
        if running {
            assert!(!l.close_sent() && !l.close_received());
        }
        if l.is_failed() {
            assert!(l.last_flight().is_none() && !l.app_open());
        }
    };
    // Every way out of a running handshake, and of an established connection.
    let starts = || {
        vec![
            Lifecycle::handshaking(Step::client_start(), timer()),
            Lifecycle::handshaking(Step::server_start(), timer()),
            Lifecycle::Established(established()),
        ]
    };
    for mut l in starts() {
        check(&l);
        l.close(false);
        check(&l);
        l.close(true);
        check(&l);
        l.fail(Error::HandshakeTimeout);
        check(&l);
        l.close(false);
        check(&l);
        assert!(l.is_failed());
    }
    for mut l in starts() {
        let was_running = l.is_handshaking();
        l.close(true);
        check(&l);
        // A handshake closed by us cannot complete; an established connection closes.
        assert_eq!(l.is_failed(), was_running);
        assert_eq!(l.completed(), !was_running);
    }
}

/// A close_notify obeyed during the handshake fails it and its timer goes with it: "close
/// received while handshaking with the timer off" has no representation.
#[test]
fn a_closed_handshake_has_no_timer_left() {
    let now = Instant::now();
    let (_, ccfg) = configs();
    let mut c = Connection::client(ccfg, now, ClientOptions::default()).unwrap();
    assert!(c.poll_timeout().is_some() && c.is_handshaking());
    c.close();
    assert!(c.poll_timeout().is_none() && !c.is_handshaking());
    assert!(
        c.inner.machine().unwrap().life.is_failed()
            && c.inner.machine().unwrap().life.handshake().is_none()
    );
}

/// A client that offered a session to resume keeps no copy of it (nor of its master
/// secret) once the handshake is over, whether the server resumed it or not.
#[test]
fn the_offered_session_goes_when_the_handshake_ends() {
    let now = Instant::now();
    let (scfg, ccfg) = configs();
    let mut c = Connection::client(ccfg.clone(), now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(scfg.clone(), now, b"peer");
    pump(&mut c, &mut s, now);
    let session = c.session().expect("a session");
    // Offered to the same server (resumed) and to a fresh one (refused: full handshake;
    // seeded differently, or it would pick the same session ID).
    let chain = load_certificates(&fixture("server-ecdsa.pem")).unwrap();
    let key = SigningKey::from_pem(&fixture("server-ecdsa.key")).unwrap();
    let fresh = Config::builder()
        .identity(chain, Arc::new(key))
        .rng_seed(43)
        .build()
        .unwrap();
    for (server_cfg, resumed) in [(scfg.clone(), true), (fresh, false)] {
        let opts = ClientOptions {
            resume: Some(session.clone()),
            ..ClientOptions::default()
        };
        let mut c = Connection::client(ccfg.clone(), now, opts).unwrap();
        let mut s = Connection::server(server_cfg, now, b"peer");
        assert!(c.inner.machine().unwrap().opts.resume.is_some());
        pump(&mut c, &mut s, now);
        assert!(
            c.is_established(),
            "resumed {resumed}: {:?} / {:?}",
            c.error(),
            s.error()
        );
        assert_eq!(c.session_reused(), resumed);
        assert!(
            c.inner.machine().unwrap().opts.resume.is_none(),
            "offered session freed"
        );
    }
}

/// What only one role learns has no place in the other's state: a server has no CA list
/// from a CertificateRequest, a client no supported_groups or session-cache miss.
#[test]
fn role_data_exists_only_for_its_role() {
    use super::machine::RoleNegotiated;
    use crate::enums::NamedGroup;
    let now = Instant::now();
    let (scfg, ccfg) = configs();
    let mut c = Connection::client(ccfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(scfg, now, b"peer");
    pump(&mut c, &mut s, now);
    assert!(matches!(
        c.inner.machine().unwrap().hs.role,
        RoleNegotiated::Client { .. }
    ));
    assert!(matches!(
        s.inner.machine().unwrap().hs.role,
        RoleNegotiated::Server { .. }
    ));
    assert!(
        !s.peer_groups().is_empty(),
        "the client's groups, on the server"
    );
    // Setting the other role's data has nowhere to go.
    c.inner
        .machine_mut()
        .unwrap()
        .hs
        .set_peer_groups(vec![NamedGroup::X25519]);
    c.inner.machine_mut().unwrap().hs.set_session_cache_miss();
    s.inner
        .machine_mut()
        .unwrap()
        .hs
        .set_peer_ca_names(vec![b"CN=x".to_vec()]);
    assert!(c.peer_groups().is_empty() && !c.session_cache_miss());
    assert!(s.peer_ca_names().is_empty());
}
