//! Renegotiation requests after the handshake (`rdtls::RenegotiationPolicy`) that the
//! policy refuses get a `no_renegotiation` warning, whatever their `message_seq`. OpenSSL starts every
//! handshake at message_seq 0 (RFC 6347 §4.2.2), so its renegotiating ClientHello and its
//! HelloRequest carry 0: these used to be taken for retransmissions of the finished
//! handshake and answered with our last flight (issue 8 item 4).

mod common;

use common::fixtures::Spec;
use common::flights::*;
use common::link::Dir;
use common::wire::*;
use rdtls::{AlertDescription, AlertLevel, Event, RenegotiationPolicy};

const HT_HELLO_REQUEST: u8 = 0;

const NO_RENEGOTIATION_SENT: Event = Event::AlertSent {
    level: AlertLevel::Warning,
    description: AlertDescription::NO_RENEGOTIATION,
};

/// Whether any datagram carries a handshake record (of any epoch).
fn carries_handshake(dgrams: &[Vec<u8>]) -> bool {
    dgrams
        .iter()
        .any(|d| has_record(d, CT_HANDSHAKE, 0) || has_record(d, CT_HANDSHAKE, 1))
}

#[test]
fn renegotiating_client_hello_at_message_seq_0_is_refused_not_answered_with_our_flight() {
    let mut p = established(&Spec::default_ecdsa());
    let k = keys(&p);
    let ch = find_msg(p.bytes(Dir::ToServer), HT_CLIENT_HELLO).expect("ClientHello");
    // Twice: the client's retransmission is refused again.
    for i in 0..2u64 {
        let msg = HsFrag::whole(HT_CLIENT_HELLO, 0, ch.body.clone());
        let seq = max_seq(&p, Dir::ToServer, 1) + 10 + i;
        let rec = k.client.seal(CT_HANDSHAKE, 1, seq, &msg.to_bytes());
        p.deliver(Dir::ToServer, &[rec.to_bytes()]);
        let out = p.take(Dir::ToClient);
        assert!(!carries_handshake(&out), "no flight re-sent: {out:?}");
        assert!(
            out.iter().any(|d| has_record(d, CT_ALERT, 1)),
            "an encrypted alert"
        );
        p.deliver(Dir::ToClient, &out);
    }
    assert!(p.server.error.is_none(), "{:?}", p.server.error);
    let refusals = p
        .server
        .events
        .iter()
        .filter(|e| **e == NO_RENEGOTIATION_SENT)
        .count();
    assert_eq!(refusals, 2);
    assert!(p.client.error.is_none(), "a warning alert is not fatal");
    p.exchange(b"after refusal", b"still here")
        .expect("data after refused renegotiation");
}

#[test]
fn hello_request_at_message_seq_0_is_refused_by_a_client_with_no_renegotiation() {
    let mut p = established(&Spec::default_ecdsa());
    // A client accepts a HelloRequest by default, as OpenSSL's does
    // (tests/renegotiation_flow.rs); SSL_OP_NO_RENEGOTIATION refuses it.
    p.client.conn.set_renegotiation_policy(RenegotiationPolicy {
        refuse_all: true,
        allow_client: false,
    });
    let k = keys(&p);
    let msg = HsFrag::whole(HT_HELLO_REQUEST, 0, Vec::new());
    let seq = max_seq(&p, Dir::ToClient, 1) + 10;
    let rec = k.server.seal(CT_HANDSHAKE, 1, seq, &msg.to_bytes());
    p.deliver(Dir::ToClient, &[rec.to_bytes()]);
    let out = p.take(Dir::ToServer);
    assert!(
        !carries_handshake(&out),
        "no ClientHello, no flight: {out:?}"
    );
    assert!(p.client.events.contains(&NO_RENEGOTIATION_SENT));
    p.deliver(Dir::ToServer, &out);
    assert!(p.server.events.contains(&Event::AlertReceived {
        level: AlertLevel::Warning,
        description: AlertDescription::NO_RENEGOTIATION
    }));
    assert!(p.client.error.is_none() && p.server.error.is_none());
    p.exchange(b"after refusal", b"still here")
        .expect("data after refused renegotiation");
}

#[test]
fn plaintext_hello_request_after_completion_is_dropped_silently() {
    let mut p = established(&Spec::default_ecdsa());
    let msg = HsFrag::whole(HT_HELLO_REQUEST, 0, Vec::new());
    let rec = Record::new(CT_HANDSHAKE, 0, 500, msg.to_bytes());
    p.deliver(Dir::ToClient, &[rec.to_bytes()]);
    assert!(p.take(Dir::ToServer).is_empty(), "no answer to plaintext");
    assert!(!p.client.events.contains(&NO_RENEGOTIATION_SENT));
    p.exchange(b"fine", b"fine").expect("data");
}

#[test]
fn hello_request_at_message_seq_0_starts_a_renegotiation_by_default() {
    let mut p = established(&Spec::default_ecdsa());
    let k = keys(&p);
    let msg = HsFrag::whole(HT_HELLO_REQUEST, 0, Vec::new());
    let seq = max_seq(&p, Dir::ToClient, 1) + 10;
    let rec = k.server.seal(CT_HANDSHAKE, 1, seq, &msg.to_bytes());
    p.deliver(Dir::ToClient, &[rec.to_bytes()]);
    assert!(p.client.conn.is_renegotiating());
    let out = p.take(Dir::ToServer);
    assert!(
        out.iter().any(|d| has_record(d, CT_HANDSHAKE, 1)),
        "a protected ClientHello: {out:?}"
    );
    assert!(!p.client.events.contains(&NO_RENEGOTIATION_SENT));
}
