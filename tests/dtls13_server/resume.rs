//! Server13 tickets and resumption (RFC 8446 §4.6.1, §2.2): NewSessionTickets sealed with
//! a ticket key shared by the server's connections, stored by our client; a second
//! connection offering one resumes with PSK + ECDHE (no certificates) after its binder
//! verifies, with and without the cookie HelloRetryRequest (binder over message_hash +
//! HRR + ClientHello2). A wrong binder is refused with decrypt_error; a ticket of another
//! key means a full handshake.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rdtls::dtls13::client::{Event13, Options13, Ticket13};
use rdtls::dtls13::server::ServerOptions13;
use rdtls::dtls13::server_ticket::TicketKey13;

use crate::common::link::{Endpoint, LinkConfig, Pair};
use crate::ours13::Ours13;
use crate::srv13::OursS13;
use crate::{client_config, dimpl13_client, handshake_and_data, server_config, SUITES};

fn ticket_server(seed: u64, cookie: bool, key: &Arc<TicketKey13>, now: Instant) -> OursS13 {
    let opts = ServerOptions13 {
        suites: vec![SUITES[seed as usize % 3]],
        cookie,
        tickets: 2,
        ticket_key: Some(key.clone()),
        ..ServerOptions13::default()
    };
    OursS13::new(server_config(seed, 1150), opts, now)
}

fn connect(
    seed: u64,
    cookie: bool,
    key: &Arc<TicketKey13>,
    resume: Option<Ticket13>,
    now: Instant,
) -> Pair<Ours13, OursS13> {
    let opts = Options13 {
        server_name: Some("localhost".into()),
        resume,
        ..Options13::default()
    };
    let client = Ours13::new(client_config(seed, 1150), opts, now);
    Pair::new_at(
        now,
        client,
        ticket_server(seed, cookie, key, now),
        LinkConfig::PERFECT,
        seed,
    )
}

/// First connection: handshake, data, and the client's tickets once they arrived.
fn first_connection(seed: u64, cookie: bool, key: &Arc<TicketKey13>) -> Vec<Ticket13> {
    let mut p = connect(seed, cookie, key, None, Instant::now());
    handshake_and_data(&mut p, "first connection");
    p.run_until(100, Duration::from_secs(30), |p| {
        p.client
            .events
            .iter()
            .filter(|e| **e == Event13::NewSessionTicket)
            .count()
            == 2
    })
    .expect("two tickets");
    assert!(!p.server.s.resumed());
    // Our ticket flight was ACKed by the client.
    p.run_until(50, Duration::from_secs(10), |p| {
        p.server.s.poll_timeout().is_none()
    })
    .expect("ticket flight acknowledged");
    p.client.c.tickets().to_vec()
}

#[test]
fn resumption_with_our_client() {
    for (seed, cookie) in [(110u64, false), (111, true), (112, true)] {
        let key = Arc::new(TicketKey13::from_bytes(&[seed as u8; 32], Instant::now()).unwrap());
        let tickets = first_connection(seed, cookie, &key);
        assert_eq!(tickets.len(), 2);
        assert_ne!(tickets[0].psk, tickets[1].psk, "per-nonce PSKs");
        let mut p = connect(
            seed + 100,
            cookie,
            &key,
            Some(tickets[1].clone()),
            Instant::now(),
        );
        // Same suite as the ticket's (the server of seed+100 may prefer another).
        p.server.s = rdtls::dtls13::server::Server13::new(
            server_config(seed + 100, 1150),
            ServerOptions13 {
                suites: vec![tickets[1].suite],
                cookie,
                tickets: 1,
                ticket_key: Some(key.clone()),
                ..ServerOptions13::default()
            },
            p.now,
        )
        .unwrap();
        handshake_and_data(&mut p, &format!("resumed cookie={cookie}"));
        assert!(p.server.s.resumed(), "cookie={cookie}: server resumed");
        assert!(p.client.c.resumed(), "cookie={cookie}: client resumed");
        // No Certificate message was sent; the client reports the chain the ticket kept
        // (as OpenSSL's SSL_get_peer_certificate does on a resumed session).
        assert!(
            !p.client.c.peer_certificates().is_empty(),
            "cookie={cookie}: the ticket's chain"
        );
    }
}

/// A ticket whose PSK the client got wrong: its binder does not verify (decrypt_error).
/// A ticket sealed with another key is ignored: full handshake.
#[test]
fn wrong_binder_and_foreign_ticket() {
    let key = Arc::new(TicketKey13::from_bytes(&[7; 32], Instant::now()).unwrap());
    let mut t = first_connection(120, false, &key).remove(0);
    let good = t.clone();
    t.psk[0] ^= 1;
    let mut p = connect(120, false, &key, Some(t), Instant::now());
    let _ = p.run_until(100, Duration::from_secs(30), |p| {
        p.server.failure().is_some()
    });
    let e = p.server.failure().expect("binder refused");
    assert!(e.contains("AlertDescription(51)"), "{e}");

    let other = Arc::new(TicketKey13::from_bytes(&[8; 32], Instant::now()).unwrap());
    let mut p = connect(120, false, &other, Some(good), Instant::now());
    handshake_and_data(&mut p, "foreign ticket");
    assert!(!p.server.s.resumed() && !p.client.c.resumed());
    assert!(!p.client.c.peer_certificates().is_empty());
}

/// dimpl's client, which does not resume, ACKs our tickets and is not disturbed by them.
#[test]
fn dimpl13_client_receives_tickets() {
    let now = Instant::now();
    let key = Arc::new(TicketKey13::new(now).unwrap());
    let client = dimpl13_client(now, 130, 1150);
    let mut p = Pair::new_at(
        now,
        client,
        ticket_server(130, true, &key, now),
        LinkConfig::PERFECT,
        130,
    );
    handshake_and_data(&mut p, "dimpl with tickets");
    let r = p.run_until(200, Duration::from_secs(600), |p| {
        p.server.s.poll_timeout().is_none() || p.server.failure().is_some()
    });
    r.expect("ticket flight settled");
    assert_eq!(p.server.failure(), None);
    assert_eq!(p.server.s.poll_timeout(), None, "dimpl ACKed our tickets");
    assert!(p.client.failure().is_none());
}

/// Tickets and resumption over 10% and 30% loss (with duplication and reordering): the
/// ticket flight is retransmitted until ACKed, and the resumed handshake (after the cookie
/// HRR) completes.
#[test]
fn resumption_over_lossy_links() {
    for (seed, rate) in [(140u64, 0.10), (141, 0.30), (142, 0.30)] {
        let key = Arc::new(TicketKey13::from_bytes(&[seed as u8; 32], Instant::now()).unwrap());
        let mut p = connect(seed, true, &key, None, Instant::now());
        p.link = LinkConfig::lossy(rate);
        p.handshake(5_000, Duration::from_secs(300))
            .unwrap_or_else(|e| panic!("first, loss {rate}: {e}"));
        p.run_until(2_000, Duration::from_secs(300), |p| {
            p.client.c.tickets().len() == 2 && p.server.s.poll_timeout().is_none()
        })
        .unwrap_or_else(|e| panic!("tickets, loss {rate}: {e}"));
        let t = p.client.c.tickets()[0].clone();
        let mut p = connect(seed, true, &key, Some(t), Instant::now());
        p.link = LinkConfig::lossy(rate);
        handshake_and_data(&mut p, &format!("resumed, loss {rate}"));
        assert!(p.server.s.resumed() && p.client.c.resumed(), "loss {rate}");
    }
}
