//! A ClientHello of a new association reaching a server mid-handshake or established
//! (RFC 6347 §4.2.8, `rdtls::__internal::handshake::new_association`): answered statelessly with a
//! HelloVerifyRequest, never with the old handshake's flight; the old association ends
//! only once the new client returned a valid cookie (it has shown reachability).
//!
//! The regression: a client that aborts with a plaintext fatal alert (remembered, not
//! obeyed at once, `rdtls::__internal::input_policy`), then a second client on the same server object,
//! whose ClientHello was answered with the first client's retransmitted ServerHello.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixtures::Spec;
use common::flights::*;
use common::link::{Dir, Endpoint, LinkConfig};
use common::ours::{our_builder, Ours};
use common::wire::*;
use common::{ours_pair_with, OursPair};
use rdtls::{AlertDescription, ClientOptions, Config, Error};

struct Setup {
    client_cfg: Arc<Config>,
    server_cfg: Arc<Config>,
}

fn setup() -> Setup {
    let spec = Spec::default_ecdsa();
    Setup {
        client_cfg: our_builder(&spec, false).build().expect("config"),
        server_cfg: our_builder(&spec, true).build().expect("config"),
    }
}

fn pair(s: &Setup) -> OursPair {
    ours_pair_with(
        s.client_cfg.clone(),
        s.server_cfg.clone(),
        ClientOptions::default(),
        LinkConfig::PERFECT,
        7,
    )
}

/// Handshake message types in `dgrams` (epoch 0 only).
fn types(dgrams: &[Vec<u8>]) -> Vec<u8> {
    handshake_messages(dgrams.iter().map(|d| &d[..]))
        .iter()
        .map(|m| m.msg_type)
        .collect()
}

/// A second client: its first ClientHello is delivered to `server`; returns the client and
/// the server's answer.
fn second_client(s: &Setup, server: &mut Ours, now: Instant) -> (Ours, Vec<Vec<u8>>) {
    let mut b = Ours::client(s.client_cfg.clone(), now, ClientOptions::default());
    let ch = b.drain(now);
    assert_eq!(types(&ch), vec![HT_CLIENT_HELLO]);
    server.feed(now, &ch);
    let answer = server.drain(now);
    (b, answer)
}

/// Runs `client` against `server` by hand (both on a perfect link) until both completed.
fn run_to_completion(client: &mut Ours, server: &mut Ours, mut now: Instant) {
    for _ in 0..200 {
        let c = client.drain(now);
        server.feed(now, &c);
        let s = server.drain(now);
        client.feed(now, &s);
        if client.conn.is_established() && server.conn.is_established() {
            return;
        }
        if c.is_empty() && s.is_empty() {
            let next = [client.conn.poll_timeout(), server.conn.poll_timeout()]
                .into_iter()
                .flatten()
                .min()
                .expect("a timer while handshaking");
            now = now.max(next);
            Endpoint::handle_timeout(client, now);
            Endpoint::handle_timeout(server, now);
        }
    }
    panic!(
        "no completion: client {:?} server {:?}",
        client.error, server.error
    );
}

#[test]
fn aborted_client_then_new_client_gets_hello_verify_request_then_the_old_handshake_ends() {
    let s = setup();
    let mut p = pair(&s);
    let f4 = to_flight4(&mut p);
    assert!(!f4.is_empty());
    // Client A rejects the server's certificate: plaintext fatal alert, then gone.
    let abort = Record::new(CT_ALERT, 0, 5, vec![2, AlertDescription::UNKNOWN_CA.0]).to_bytes();
    p.deliver(Dir::ToServer, &[abort]);
    assert!(p.server.error.is_none(), "remembered, not obeyed at once");
    let now = p.now;

    let (mut b, answer) = second_client(&s, &mut p.server, now);
    assert_eq!(
        types(&answer),
        vec![HT_HELLO_VERIFY_REQUEST],
        "a new association is answered statelessly, never with the old flight"
    );
    assert!(p.server.error.is_none(), "no cookie yet: nothing destroyed");

    // B returns the cookie: reachability shown, the old handshake ends with A's alert and
    // sends nothing (the address now belongs to B).
    b.feed(now, &answer);
    let ch2 = b.drain(now);
    assert_eq!(types(&ch2), vec![HT_CLIENT_HELLO]);
    p.server.feed(now, &ch2);
    assert_eq!(
        p.server.error,
        Some(Error::AlertReceived(AlertDescription::UNKNOWN_CA)),
        "the remembered alert was genuine"
    );
    assert!(
        p.server.drain(now).is_empty(),
        "nothing sent to the new client"
    );
    assert!(b.error.is_none());

    // The application's next server object (same configuration, so same cookie secret)
    // serves B from its retransmitted ClientHello.
    let mut next = Ours::server(s.server_cfg.clone(), now);
    let at = b.conn.poll_timeout().expect("B's timer");
    Endpoint::handle_timeout(&mut b, at);
    run_to_completion(&mut b, &mut next, at);
    assert!(b.error.is_none() && next.error.is_none());
}

#[test]
fn new_client_without_pending_alert_ends_the_handshake_with_new_association() {
    let s = setup();
    let mut p = pair(&s);
    let _f4 = to_flight4(&mut p);
    let now = p.now;
    let (mut b, answer) = second_client(&s, &mut p.server, now);
    assert_eq!(types(&answer), vec![HT_HELLO_VERIFY_REQUEST]);
    b.feed(now, &answer);
    let ch2 = b.drain(now);
    p.server.feed(now, &ch2);
    assert_eq!(p.server.error, Some(Error::NewAssociation));
    assert!(
        p.server.alerts_sent().is_empty(),
        "no alert to the new peer"
    );
    assert!(p.server.drain(now).is_empty());
}

#[test]
fn forged_new_client_hellos_change_nothing() {
    // Off-path: a ClientHello with another random and no (or a wrong) cookie is answered
    // with a HelloVerifyRequest only; the genuine handshake completes as if nothing came.
    let s = setup();
    let mut p = pair(&s);
    let f4 = to_flight4(&mut p);
    let now = p.now;
    let (mut b, answer) = second_client(&s, &mut p.server, now);
    assert_eq!(types(&answer), vec![HT_HELLO_VERIFY_REQUEST]);
    // B's answer with a corrupted cookie: still only a HelloVerifyRequest.
    b.feed(now, &answer);
    let mut ch2 = b.drain(now);
    let mut msgs = handshake_messages(ch2.iter().map(|d| &d[..]));
    // Cookie follows version(2) random(32) session_id(1+n).
    let sid = usize::from(msgs[0].body[34]);
    let cookie_at = 35 + sid + 1;
    msgs[0].body[cookie_at] ^= 0xff;
    ch2 = rebuild_flight(&ch2, |m| *m = msgs);
    p.server.feed(now, &ch2);
    assert!(p.server.error.is_none(), "a wrong cookie destroys nothing");
    assert_eq!(types(&p.server.drain(now)), vec![HT_HELLO_VERIFY_REQUEST]);
    p.deliver(Dir::ToClient, &f4);
    completes(&mut p, "forged new-association ClientHellos");
}

#[test]
fn genuine_client_hello_retransmission_still_gets_our_flight() {
    // The same client random is the genuine peer's retransmission (RFC 6347 §4.2.4).
    let s = setup();
    let mut p = pair(&s);
    pass(&mut p, Dir::ToServer);
    pass(&mut p, Dir::ToClient);
    let ch2 = pass(&mut p, Dir::ToServer);
    let f4 = p.take(Dir::ToClient);
    assert_eq!(types(&f4)[0], HT_SERVER_HELLO);
    p.now += Duration::from_millis(600);
    p.deliver(Dir::ToServer, &ch2);
    let again = p.take(Dir::ToClient);
    assert_eq!(types(&again)[0], HT_SERVER_HELLO, "our flight again");
    p.deliver(Dir::ToClient, &again);
    completes(&mut p, "retransmitted ClientHello");
}

#[test]
fn established_association_survives_until_the_new_client_shows_reachability() {
    let s = setup();
    let mut p = pair(&s);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake");
    // Past the linger, the plaintext epoch is retired; the front door still answers.
    p.now += Duration::from_secs(300);
    let now = p.now;
    let (mut b, answer) = second_client(&s, &mut p.server, now);
    assert_eq!(types(&answer), vec![HT_HELLO_VERIFY_REQUEST]);
    assert!(p.server.error.is_none());
    p.exchange(b"still", b"here")
        .expect("the association survives a ClientHello without cookie");
    b.feed(now, &answer);
    let ch2 = b.drain(now);
    p.server.feed(now, &ch2);
    assert_eq!(p.server.error, Some(Error::NewAssociation));
    assert!(p.server.drain(now).is_empty());
}
