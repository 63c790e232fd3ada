//! The stateless cookie front door (RFC 6347 §4.2.1) and the server session cache.
//!
//! `CookieListener` must answer a ClientHello without a valid cookie with a
//! HelloVerifyRequest no larger than the ClientHello, keep no per-peer state, and report
//! `Verified` only for a cookie it issued to that peer (and ClientHello) recently; only then
//! does a server connection get created. The session cache must honour its capacity (oldest
//! evicted) and lifetime (expired sessions are not resumed).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixtures::Spec;
use common::link::{Dir, Endpoint, LinkConfig, Pair};
use common::ours::{our_builder, our_config, Ours, PEER_ADDR};
use common::wire::*;
use common::{ours_pair_with, OursPair};
use rdtls::cookie::{CookieHooks, CookieKeys, CookieListener, ListenOutcome, COOKIE_LEN};
use rdtls::{ClientOptions, Connection};

const ROTATION: Duration = Duration::from_secs(10);

fn client() -> (Ours, Instant) {
    let now = Instant::now();
    let cfg = our_config(&Spec::default_ecdsa(), false);
    (Ours::client(cfg, now, ClientOptions::default()), now)
}

/// The single datagram a client has ready.
fn one(ep: &mut Ours, now: Instant) -> Vec<u8> {
    let mut out = ep.drain(now);
    assert_eq!(out.len(), 1, "expected exactly one datagram");
    out.remove(0)
}

/// The cookie in a HelloVerifyRequest datagram.
fn hvr_cookie(d: &[u8]) -> Vec<u8> {
    let recs = records(d);
    assert_eq!(recs.len(), 1, "one record");
    let frags = parse_handshake(&recs[0].body).expect("handshake");
    assert_eq!(frags.len(), 1);
    assert_eq!(frags[0].msg_type, HT_HELLO_VERIFY_REQUEST);
    let body = &frags[0].body;
    let len = body[2] as usize;
    assert_eq!(body.len(), 3 + len, "HelloVerifyRequest body");
    body[3..].to_vec()
}

/// Runs ClientHello → listener → HelloVerifyRequest → client; returns (CH1, HVR, CH2).
fn cookie_round(
    listener: &CookieListener,
    c: &mut Ours,
    now: Instant,
    addr: &[u8],
) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let ch1 = one(c, now);
    let mut hvr = Vec::new();
    assert_eq!(
        listener.handle(now, addr, &ch1, None, &mut hvr),
        ListenOutcome::HelloVerifyRequest
    );
    c.feed(now, &[hvr.clone()]);
    assert!(
        c.error.is_none(),
        "client rejected the listener's HVR: {:?}",
        c.error
    );
    let ch2 = one(c, now);
    (ch1, hvr, ch2)
}

#[test]
fn listener_answers_hello_verify_request_no_larger_than_client_hello() {
    let listener = CookieListener::new(Arc::new(CookieKeys::with_seed(1)));
    let (mut c, now) = client();
    let (ch1, hvr, ch2) = cookie_round(&listener, &mut c, now, PEER_ADDR);
    assert!(
        hvr.len() <= ch1.len(),
        "HVR {} bytes > ClientHello {} bytes",
        hvr.len(),
        ch1.len()
    );
    assert_eq!(hvr_cookie(&hvr).len(), COOKIE_LEN);
    // RFC 6347 §4.2.1: the HVR copies the ClientHello's record and message sequence numbers.
    let ch_rec = &records(&ch1)[0];
    let hvr_rec = &records(&hvr)[0];
    assert_eq!(hvr_rec.seq, ch_rec.seq, "record sequence number echoed");
    assert_eq!(
        parse_handshake(&hvr_rec.body).unwrap()[0].message_seq,
        parse_handshake(&ch_rec.body).unwrap()[0].message_seq,
        "message_seq echoed"
    );
    // The client echoed the cookie in its second ClientHello.
    let ch2_msg = find_msg([&ch2[..]], HT_CLIENT_HELLO).expect("ClientHello 2");
    let sid_len = ch2_msg.body[34] as usize;
    let at = 35 + sid_len;
    assert_eq!(
        &ch2_msg.body[at + 1..at + 1 + ch2_msg.body[at] as usize],
        &hvr_cookie(&hvr)[..]
    );
}

/// Cookie hooks that hand out a long cookie and accept only it.
struct BigCookie(usize);

impl CookieHooks for BigCookie {
    fn generate(&mut self) -> Option<Vec<u8>> {
        Some(vec![0xc0; self.0])
    }
    fn verify(&mut self, cookie: &[u8]) -> bool {
        cookie == vec![0xc0; self.0]
    }
}

#[test]
fn hello_verify_request_never_larger_than_client_hello() {
    let listener = CookieListener::new(Arc::new(CookieKeys::with_seed(2)));
    let (mut c, now) = client();
    let ch1 = one(&mut c, now);
    for cookie_len in [1usize, 20, 64, 128, 200, 255] {
        let mut out = Vec::new();
        let mut hooks = BigCookie(cookie_len);
        let outcome = listener.handle(now, PEER_ADDR, &ch1, Some(&mut hooks), &mut out);
        match outcome {
            ListenOutcome::HelloVerifyRequest => {
                assert!(
                    out.len() <= ch1.len(),
                    "cookie {cookie_len}: HVR {} > CH {}",
                    out.len(),
                    ch1.len()
                );
                assert_eq!(hvr_cookie(&out).len(), cookie_len);
            }
            ListenOutcome::Drop => {
                assert!(out.is_empty(), "a dropped hello leaves no output");
                assert!(
                    RECORD_HEADER_LEN + HS_HEADER_LEN + 3 + cookie_len > ch1.len(),
                    "cookie {cookie_len}: dropped although the HVR would have fit"
                );
            }
            other => panic!("a cookieless hello cannot be {other:?}"),
        }
    }
}

#[test]
fn listener_keeps_no_per_peer_state() {
    // Measured alone, in a child process: parallel tests would blur VmData.
    if common::isolate::run_isolated("listener_keeps_no_per_peer_state") {
        return;
    }
    let keys = Arc::new(CookieKeys::with_seed(3));
    let listener = CookieListener::new(keys.clone());
    let (mut c, now) = client();
    let ch1 = one(&mut c, now);
    // Many peers, many hellos: memory does not grow with them.
    let before = common::vm_data_kib();
    let mut out = Vec::new();
    for i in 0..20_000u32 {
        let addr = i.to_be_bytes();
        assert_eq!(
            listener.handle(now, &addr, &ch1, None, &mut out),
            ListenOutcome::HelloVerifyRequest
        );
    }
    let grown = common::vm_data_kib().saturating_sub(before);
    assert!(grown < 4 * 1024, "20000 hellos grew memory by {grown} KiB");
    // Nothing was remembered: a brand-new listener on the same keys verifies the cookie.
    let mut hvr = Vec::new();
    listener.handle(now, PEER_ADDR, &ch1, None, &mut hvr);
    c.feed(now, &[hvr]);
    let ch2 = one(&mut c, now);
    let fresh = CookieListener::new(keys);
    assert_eq!(
        fresh.handle(now, PEER_ADDR, &ch2, None, &mut out),
        ListenOutcome::Verified
    );
    assert!(out.is_empty(), "nothing to send on Verified");
}

#[test]
fn cookie_bound_to_peer_and_keys() {
    let keys = Arc::new(CookieKeys::with_seed(4));
    let listener = CookieListener::new(keys);
    let (mut c, now) = client();
    let (_, _, ch2) = cookie_round(&listener, &mut c, now, PEER_ADDR);
    let mut out = Vec::new();
    assert_eq!(
        listener.handle(now, PEER_ADDR, &ch2, None, &mut out),
        ListenOutcome::Verified
    );
    assert_eq!(
        listener.handle(now, b"10.9.9.9:1", &ch2, None, &mut out),
        ListenOutcome::HelloVerifyRequest,
        "a cookie from another address must not verify"
    );
    let other = CookieListener::new(Arc::new(CookieKeys::with_seed(5)));
    assert_eq!(
        other.handle(now, PEER_ADDR, &ch2, None, &mut out),
        ListenOutcome::HelloVerifyRequest,
        "a cookie from other keys must not verify"
    );
    // A ClientHello whose parameters changed after the cookie was issued does not verify.
    let mut recs = records(&ch2);
    let mut frags = parse_handshake(&recs[0].body).unwrap();
    frags[0].body[2] ^= 0x01; // client random
    recs[0].body = frags[0].to_bytes();
    assert_eq!(
        listener.handle(now, PEER_ADDR, &datagram(&recs), None, &mut out),
        ListenOutcome::HelloVerifyRequest,
        "the cookie covers the ClientHello parameters"
    );
}

#[test]
fn cookie_expires_after_two_rotations() {
    let keys = Arc::new(CookieKeys::with_seed_and_rotation(6, ROTATION));
    let listener = CookieListener::new(keys);
    let (mut c, now) = client();
    let (_, _, ch2) = cookie_round(&listener, &mut c, now, PEER_ADDR);
    let mut out = Vec::new();
    let at = |d: Duration| now + d;
    assert_eq!(
        listener.handle(at(ROTATION / 2), PEER_ADDR, &ch2, None, &mut out),
        ListenOutcome::Verified,
        "same period"
    );
    assert_eq!(
        listener.handle(at(ROTATION * 3 / 2), PEER_ADDR, &ch2, None, &mut out),
        ListenOutcome::Verified,
        "previous secret still honoured one period later"
    );
    assert_eq!(
        listener.handle(at(ROTATION * 5 / 2), PEER_ADDR, &ch2, None, &mut out),
        ListenOutcome::HelloVerifyRequest,
        "two periods later the cookie is stale"
    );
}

#[test]
fn non_client_hello_input_dropped_by_listener() {
    let listener = CookieListener::new(Arc::new(CookieKeys::with_seed(7)));
    let (mut c, now) = client();
    let ch1 = one(&mut c, now);
    let mut out = Vec::new();
    let mut inputs: Vec<Vec<u8>> = vec![Vec::new(), vec![22], ch1[..20].to_vec()];
    for n in [0usize, 1, 12, 13, 25, ch1.len() - 1] {
        inputs.push(ch1[..n].to_vec());
    }
    let mut app = ch1.clone();
    app[0] = CT_APP;
    inputs.push(app);
    let mut epoch1 = ch1.clone();
    epoch1[4] = 1;
    inputs.push(epoch1);
    for d in inputs {
        assert_eq!(
            listener.handle(now, PEER_ADDR, &d, None, &mut out),
            ListenOutcome::Drop,
            "{d:02x?}"
        );
        assert!(out.is_empty());
    }
}

/// Full front-door flow: listener → HVR → verified ClientHello creates the connection,
/// which must not ask for a second cookie, and the handshake completes.
#[test]
fn verified_client_hello_creates_the_connection() {
    let keys = Arc::new(CookieKeys::with_seed(8));
    let listener = CookieListener::new(keys.clone());
    let spec = Spec::default_ecdsa();
    let scfg = our_builder(&spec, true)
        .cookie_keys(keys)
        .build()
        .expect("server config");
    let (mut c, now) = client();
    let (_, _, ch2) = cookie_round(&listener, &mut c, now, PEER_ADDR);
    let mut out = Vec::new();
    assert_eq!(
        listener.handle(now, PEER_ADDR, &ch2, None, &mut out),
        ListenOutcome::Verified
    );
    let server = Ours::wrap(Connection::server(scfg, now, PEER_ADDR), "rdtls server");
    let mut p = Pair::new_at(now, c, server, LinkConfig::PERFECT, 8);
    p.deliver(Dir::ToServer, &[ch2]);
    let answer = p.take(Dir::ToClient);
    assert!(
        answer.iter().any(|d| has_handshake(d, HT_SERVER_HELLO)),
        "the verified ClientHello must be answered with ServerHello"
    );
    assert!(
        !answer
            .iter()
            .any(|d| has_handshake(d, HT_HELLO_VERIFY_REQUEST)),
        "no second cookie round"
    );
    p.deliver(Dir::ToClient, &answer);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake after the front door");
    p.exchange(b"hi", b"hello").expect("data");
}

/// RFC 6347 §4.2.1: when the HelloVerifyRequest is lost, the client retransmits its
/// ClientHello and the server must answer it again.
#[test]
fn lost_hello_verify_request_is_answered_again() {
    let spec = Spec::default_ecdsa();
    let mut p = ours_pair_with(
        our_config(&spec, false),
        our_config(&spec, true),
        ClientOptions::default(),
        LinkConfig::PERFECT,
        9,
    );
    let ch1 = p.take(Dir::ToServer);
    p.deliver(Dir::ToServer, &ch1);
    let lost = p.take(Dir::ToClient);
    assert!(lost
        .iter()
        .any(|d| has_handshake(d, HT_HELLO_VERIFY_REQUEST)));
    let deadline = p
        .client
        .poll_timeout()
        .expect("client retransmission timer");
    p.now = deadline;
    p.client.handle_timeout(deadline);
    let again = p.take(Dir::ToServer);
    assert!(
        again.iter().any(|d| has_handshake(d, HT_CLIENT_HELLO)),
        "client retransmits its ClientHello"
    );
    p.deliver(Dir::ToServer, &again);
    let hvr = p.take(Dir::ToClient);
    assert!(
        hvr.iter()
            .any(|d| has_handshake(d, HT_HELLO_VERIFY_REQUEST)),
        "the server must answer the retransmitted ClientHello with a HelloVerifyRequest; \
         server state {}, stats {:?}",
        p.server.conn.state_name(),
        p.server.conn.stats()
    );
    p.deliver(Dir::ToClient, &hvr);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake");
}

// ---------------------------------------------------------------------- session cache

/// A full handshake from a fresh client against `server_cfg` at `now`; returns the pair.
fn full_at(
    client_cfg: &Arc<rdtls::Config>,
    server_cfg: &Arc<rdtls::Config>,
    opts: ClientOptions,
    now: Instant,
) -> OursPair {
    let c = Ours::client(client_cfg.clone(), now, opts);
    let s = Ours::server(server_cfg.clone(), now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 10);
    p.now = now;
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake");
    p
}

fn resume_at(
    client_cfg: &Arc<rdtls::Config>,
    server_cfg: &Arc<rdtls::Config>,
    session: rdtls::session::cache::Session,
    now: Instant,
) -> OursPair {
    let opts = ClientOptions {
        resume: Some(session),
        ..ClientOptions::default()
    };
    full_at(client_cfg, server_cfg, opts, now)
}

#[test]
fn session_cache_capacity_evicts_oldest() {
    let spec = Spec::default_ecdsa();
    let ccfg = our_config(&spec, false);
    let scfg = our_builder(&spec, true)
        .session_cache(2, Duration::from_secs(300))
        .build()
        .expect("config");
    assert_eq!(scfg.session_cache().capacity(), 2);
    let t0 = Instant::now();
    let sessions: Vec<_> = (0..3)
        .map(|i| {
            let p = full_at(
                &ccfg,
                &scfg,
                ClientOptions::default(),
                t0 + Duration::from_secs(i),
            );
            p.client.conn.session().expect("session")
        })
        .collect();
    assert_eq!(
        scfg.session_cache().len(),
        2,
        "capacity 2 holds two sessions"
    );
    let t = t0 + Duration::from_secs(5);
    let p = resume_at(&ccfg, &scfg, sessions[0].clone(), t);
    assert!(
        !p.client.session_reused() && !p.server.session_reused(),
        "the oldest session must have been evicted"
    );
    let p = resume_at(&ccfg, &scfg, sessions[2].clone(), t);
    assert!(
        p.client.session_reused() && p.server.session_reused(),
        "the newest session must resume"
    );
    p.client.conn.session().expect("session after resumption");
}

#[test]
fn session_cache_lifetime_expires_sessions() {
    let spec = Spec::default_ecdsa();
    let ccfg = our_config(&spec, false);
    let lifetime = Duration::from_secs(10);
    let scfg = our_builder(&spec, true)
        .session_cache(100, lifetime)
        .build()
        .expect("config");
    let t0 = Instant::now();
    let first = full_at(&ccfg, &scfg, ClientOptions::default(), t0);
    let session = first.client.conn.session().expect("session");
    let p = resume_at(&ccfg, &scfg, session.clone(), t0 + lifetime / 2);
    assert!(
        p.client.session_reused() && p.server.session_reused(),
        "resumes within its lifetime"
    );
    let p = resume_at(&ccfg, &scfg, session, t0 + lifetime * 2);
    assert!(
        !p.server.session_reused() && !p.client.session_reused(),
        "an expired session must not resume"
    );
    scfg.session_cache().flush_expired(t0 + lifetime * 10);
    assert!(
        scfg.session_cache().len() <= 1,
        "flush_expired leaves at most the newest session: {}",
        scfg.session_cache().len()
    );
}

#[test]
fn session_not_resumed_under_another_server_config() {
    let spec = Spec::default_ecdsa();
    let ccfg = our_config(&spec, false);
    let scfg = our_config(&spec, true);
    let other = our_config(&spec, true);
    let t0 = Instant::now();
    let session = full_at(&ccfg, &scfg, ClientOptions::default(), t0)
        .client
        .conn
        .session()
        .expect("session");
    let p = resume_at(&ccfg, &other, session, t0 + Duration::from_secs(1));
    assert!(
        !p.server.session_reused(),
        "a server with its own (empty) cache cannot resume"
    );
}
