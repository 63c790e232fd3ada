//! The handshake's per-step state (issue 9 item 2): a step is handed to its message's
//! handler by value (`Machine::advance`, no placeholder), the message_seq counter and the
//! HelloVerifyRequest cookie belong to the handshake that uses them, and the master secret
//! to the steps after the key exchange, then to the established connection.

use std::time::Instant;

use super::flight::FlightEntry;
use super::lifecycle_tests::{configs, fixture, pump};
use super::machine::{Machine, State};
use super::messages::ClientHello;
use super::step::Next;
use crate::config::Config;
use crate::connection::{ClientOptions, Connection};
use crate::enums::HandshakeType;
use crate::error::Error;
use crate::pki::keys::SigningKey;
use crate::pki::pem::load_certificates;

fn machine(conn: &Connection) -> &Machine {
    conn.inner.machine().unwrap()
}

/// The handshake messages of the flight a connection last sent: (type, message_seq, body).
fn flight_messages(conn: &Connection) -> Vec<(HandshakeType, u16, Vec<u8>)> {
    let h = machine(conn).life.handshake().expect("handshaking");
    h.flight
        .entries
        .iter()
        .filter_map(|e| match e {
            FlightEntry::Handshake {
                msg_type,
                seq,
                body,
                ..
            } => Some((*msg_type, *seq, body.clone())),
            FlightEntry::ChangeCipherSpec { .. } => None,
        })
        .collect()
}

fn export(conn: &Connection) -> Vec<u8> {
    let mut out = [0u8; 32];
    conn.export_keying_material(&mut out, b"EXPERIMENTAL test", None)
        .expect("an exporter");
    out.to_vec()
}

fn established_pair(now: Instant) -> (Connection, Connection) {
    let (scfg, ccfg) = configs();
    let mut c = Connection::client(ccfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(scfg, now, b"peer");
    pump(&mut c, &mut s, now);
    assert!(c.is_established() && s.is_established());
    (c, s)
}

/// The handler owns the step while it runs (the Handshaking variant holds none: nothing
/// can read a stale or placeholder step), puts back what follows, and an error ends the
/// handshake with the step it consumed.
#[test]
fn advance_hands_the_step_over_by_value() {
    let now = Instant::now();
    let (_, ccfg) = configs();
    let mut m = Machine::client(ccfg, now, ClientOptions::default()).unwrap();
    m.advance(|m, step| {
        assert!(
            m.life.handshake().unwrap().step().is_none(),
            "taken, not copied"
        );
        assert_eq!(step.kind(), State::ClientAwaitServerHello);
        Ok(Next::Step(step))
    })
    .unwrap();
    assert_eq!(m.life.step(), Some(State::ClientAwaitServerHello));

    let e = m.advance(|_, _| Err(Error::InvalidState("refused")));
    assert_eq!(e, Err(Error::InvalidState("refused")));
    assert!(m.life.is_failed() && m.life.handshake().is_none());
    assert!(
        m.advance(|_, s| Ok(Next::Step(s))).is_err(),
        "no step to hand over once failed"
    );
}

/// RFC 6347 §4.2.2: each handshake's first message has message_seq 0. The counter lives in
/// the Handshaking variant: none remains once the handshake completed, and a renegotiation
/// (HelloRequest, or a client's ClientHello) starts a fresh one, whatever the initial
/// handshake counted to.
#[test]
fn each_handshake_counts_its_own_message_seq() {
    let now = Instant::now();
    let (mut c, mut s) = established_pair(now);
    for conn in [&c, &s] {
        assert!(machine(conn).life.handshake().is_none(), "no counter left");
    }
    s.renegotiate(now, false).unwrap();
    assert_eq!(machine(&s).life.handshake().unwrap().send_seq, 1);
    let sent = flight_messages(&s);
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].0, sent[0].1), (HandshakeType::HELLO_REQUEST, 0));
    pump(&mut c, &mut s, now);
    assert!(c.is_established() && s.is_established() && !s.is_renegotiating());
    assert_eq!(c.renegotiations(), 1);

    // The client's own renegotiation starts at 0 again (the server refuses it: OpenSSL's
    // default policy, RenegotiationPolicy::allow_client off).
    c.renegotiate(now, false).unwrap();
    let sent = flight_messages(&c);
    assert_eq!(
        sent.iter().map(|m| (m.0, m.1)).collect::<Vec<_>>(),
        [(HandshakeType::CLIENT_HELLO, 0)]
    );
    assert_eq!(machine(&c).life.handshake().unwrap().send_seq, 1);
}

/// The HelloVerifyRequest cookie: the step awaiting the ServerHello holds it (with the
/// ClientHello that carried it) and drops it with the step; the client alone keeps the
/// initial handshake's cookie, which a renegotiating ClientHello repeats (as OpenSSL's
/// client; see `client_hello_body`).
#[test]
fn the_cookie_lives_in_its_step_and_the_initial_one_with_the_client() {
    use super::step::Step;
    let now = Instant::now();
    let chain = load_certificates(&fixture("server-ecdsa.pem")).unwrap();
    let key = SigningKey::from_pem(&fixture("server-ecdsa.key")).unwrap();
    let scfg = Config::builder()
        .identity(chain, std::sync::Arc::new(key))
        .cookie_exchange(true)
        .renegotiation(crate::RenegotiationPolicy {
            allow_client: true,
            ..Default::default()
        })
        .rng_seed(41)
        .build()
        .unwrap();
    let (_, ccfg) = configs();
    let mut c = Connection::client(ccfg, now, ClientOptions::default()).unwrap();
    let mut s = Connection::server(scfg, now, b"peer");
    // ClientHello, HelloVerifyRequest, ClientHello with the cookie.
    let mut buf = Vec::new();
    while c.poll_transmit(now, &mut buf).is_some() {
        s.handle_datagram(now, &buf).unwrap();
    }
    while s.poll_transmit(now, &mut buf).is_some() {
        c.handle_datagram(now, &buf).unwrap();
    }
    let cookie = match machine(&c).life.handshake().unwrap().step() {
        Some(Step::ClientAwaitServerHello {
            cookie,
            last_client_hello,
            ..
        }) => {
            assert!(!cookie.is_empty());
            let sent = ClientHello::decode(&last_client_hello[12..]).unwrap();
            assert_eq!(&sent.cookie, cookie, "the step keeps the hello it sent");
            cookie.clone()
        }
        _ => panic!("awaiting the ServerHello"),
    };
    pump(&mut c, &mut s, now);
    assert!(c.is_established() && s.is_established());
    assert!(
        machine(&c).life.handshake().is_none(),
        "the step's cookie went"
    );
    assert_eq!(machine(&c).hs.initial_cookie(), &cookie[..]);
    assert!(
        machine(&s).hs.initial_cookie().is_empty(),
        "a client's data"
    );

    c.renegotiate(now, false).unwrap();
    let sent = flight_messages(&c);
    let hello = ClientHello::decode(&sent[0].2).unwrap();
    assert_eq!(hello.cookie, cookie, "repeated when renegotiating");
    pump(&mut c, &mut s, now);
    assert!(c.is_established() && !c.is_renegotiating() && c.renegotiations() == 1);
}

/// A renegotiation that ends without completing (refused by the peer, or closed) leaves
/// the connection on the master secret it was established with.
#[test]
fn an_unfinished_renegotiation_keeps_the_established_master_secret() {
    let now = Instant::now();
    let (mut c, mut s) = established_pair(now);
    let master = |conn: &Connection| {
        machine(conn)
            .life
            .agreement()
            .map(|a| a.master[..].to_vec())
    };
    let established = master(&c).unwrap();
    let before = export(&c);
    assert_eq!(export(&s), before);

    // Refused: the server does not allow client-initiated renegotiation. (The client's
    // new random stays, as in OpenSSL, so the exporter's output moves; the secret not.)
    c.renegotiate(now, false).unwrap();
    assert!(c.is_renegotiating() && master(&c).is_none());
    assert_eq!(
        c.session().map(|s| s.master_secret[..].to_vec()),
        Some(established.clone()),
        "the previous session, meanwhile"
    );
    pump(&mut c, &mut s, now);
    assert!(c.is_established() && !c.is_renegotiating());
    assert_eq!(master(&c), Some(established));

    // Closed by the server while its HelloRequest is out.
    s.renegotiate(now, false).unwrap();
    assert!(s.is_renegotiating());
    s.close();
    assert!(s.close_sent() && machine(&s).life.completed());
    assert_eq!(export(&s), before, "a closing connection still exports");
}
