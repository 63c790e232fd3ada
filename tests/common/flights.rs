//! Flight-by-flight handshake driving and flight surgery for adversarial tests: take a
//! flight off the wire, edit its (plaintext, epoch-0) handshake messages, deliver it, and
//! check how the victim reacts.

use std::time::Duration;

use rdtls::{AlertDescription, AlertLevel, ClientOptions, Error, Event};

use super::crypt::{derive, parse_keylog, TrafficKeys};
use super::fixtures::Spec;
use super::link::{Dir, Endpoint, LinkConfig};
use super::ours::{our_builder, Ours};
use super::wire::*;
use super::{ours_pair_with, OursPair};

/// A pair on `spec` with key logging on (so tests can forge authentic records).
pub fn pair_for(spec: &Spec) -> OursPair {
    let c = our_builder(spec, false)
        .keylog(true)
        .build()
        .expect("config");
    let s = our_builder(spec, true)
        .keylog(true)
        .build()
        .expect("config");
    ours_pair_with(c, s, ClientOptions::default(), LinkConfig::PERFECT, 1)
}

/// A pair on the default ECDSA spec (see [`pair_for`]).
pub fn pair() -> OursPair {
    pair_for(&Spec::default_ecdsa())
}

/// Takes the next flight in `dir` and delivers it unchanged; returns it.
pub fn pass(p: &mut OursPair, dir: Dir) -> Vec<Vec<u8>> {
    let f = p.take(dir);
    assert!(
        !f.is_empty(),
        "expected a flight {dir:?}: {}",
        p.describe("no flight")
    );
    p.deliver(dir, &f);
    f
}

/// Runs flights 1-3 (ClientHello, HelloVerifyRequest, ClientHello with cookie) and returns
/// flight 4 (server's ServerHello ... ServerHelloDone), not yet delivered.
pub fn to_flight4(p: &mut OursPair) -> Vec<Vec<u8>> {
    pass(p, Dir::ToServer);
    let hvr = pass(p, Dir::ToClient);
    assert!(
        hvr.iter()
            .any(|d| has_handshake(d, HT_HELLO_VERIFY_REQUEST)),
        "flight 2 is a HelloVerifyRequest"
    );
    pass(p, Dir::ToServer);
    let f4 = p.take(Dir::ToClient);
    assert!(
        f4.iter().any(|d| has_handshake(d, HT_SERVER_HELLO)),
        "flight 4 starts with ServerHello"
    );
    f4
}

/// Runs to flight 5 (client's [Certificate] ClientKeyExchange [CertificateVerify] CCS
/// Finished), not yet delivered.
pub fn to_flight5(p: &mut OursPair) -> Vec<Vec<u8>> {
    let f4 = to_flight4(p);
    p.deliver(Dir::ToClient, &f4);
    let f5 = p.take(Dir::ToServer);
    assert!(
        f5.iter().any(|d| has_handshake(d, HT_CLIENT_KEY_EXCHANGE)),
        "flight 5 carries ClientKeyExchange"
    );
    f5
}

/// A completed handshake.
pub fn established(spec: &Spec) -> OursPair {
    let mut p = pair_for(spec);
    p.handshake(1_000, Duration::from_secs(60))
        .expect("handshake");
    p
}

/// Finishes the handshake over the perfect link (timers allowed) and checks data flows.
pub fn completes(p: &mut OursPair, what: &str) {
    p.handshake(1_000, Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("{what}: the handshake must survive: {e}"));
    p.exchange(b"after the attack", b"still fine")
        .unwrap_or_else(|e| panic!("{what}: data after the attack: {e}"));
}

/// The epoch-1 traffic keys, from the client's key log and the hello randoms on the wire.
pub fn keys(p: &OursPair) -> TrafficKeys {
    let line = p.client.keylog().expect("client key log line (keylog on)");
    let (cr, ms) = parse_keylog(&line).expect("CLIENT_RANDOM line");
    let ch = find_msg(p.bytes(Dir::ToServer), HT_CLIENT_HELLO).expect("ClientHello");
    let sh = find_msg(p.bytes(Dir::ToClient), HT_SERVER_HELLO).expect("ServerHello");
    assert_eq!(
        hello_random(&ch.body),
        Some(cr),
        "key log matches ClientHello"
    );
    let sr = hello_random(&sh.body).expect("server random");
    derive(server_hello_suite(&sh.body).expect("suite"), &ms, &cr, &sr)
}

/// Highest record sequence number at `epoch` sent in direction `dir` so far.
pub fn max_seq(p: &OursPair, dir: Dir, epoch: u16) -> u64 {
    p.bytes(dir)
        .iter()
        .filter_map(|d| parse_records(d).ok())
        .flatten()
        .filter(|r| r.epoch == epoch)
        .map(|r| r.seq)
        .max()
        .unwrap_or(0)
}

/// One application-data datagram from the client (taken, not delivered).
pub fn client_app_datagram(p: &mut OursPair, data: &[u8]) -> Vec<u8> {
    p.client.conn.send(data).expect("send");
    let mut f = p.take(Dir::ToServer);
    assert_eq!(f.len(), 1, "one record, one datagram");
    f.remove(0)
}

/// The fatal alert `ep` sent, if its error is one.
pub fn fatal_sent(ep: &Ours) -> Option<AlertDescription> {
    match ep.error.as_ref()? {
        Error::AlertSent { alert, .. } => Some(*alert),
        _ => None,
    }
}

/// `ep` failed with a fatal UNEXPECTED_MESSAGE alert and the peer saw it.
///
/// A violation in a plaintext (epoch-0) message is remembered, not acted on at once: the
/// victim fails when its retransmission timer expired twice without handshake progress
/// (`rdtls::__internal::input_policy`), so the timer is fired here if the victim has not failed yet.
pub fn assert_unexpected_message(p: &mut OursPair, violator_is_client: bool, what: &str) {
    let victim = if violator_is_client {
        &mut p.server
    } else {
        &mut p.client
    };
    expire_verdict(victim);
    let victim = &*victim;
    assert_eq!(
        fatal_sent(victim),
        Some(AlertDescription::UNEXPECTED_MESSAGE),
        "{what}: expected Err(AlertSent {{ UNEXPECTED_MESSAGE }}); error {:?}, results {:?}, \
         state {}",
        victim.error,
        victim.results,
        victim.conn.state_name()
    );
    assert!(
        matches!(victim.conn.error(), Some(Error::AlertSent { .. })),
        "{what}: connection.error() must report the alert"
    );
    assert!(
        victim.events.contains(&Event::AlertSent {
            level: AlertLevel::Fatal,
            description: AlertDescription::UNEXPECTED_MESSAGE
        }),
        "{what}: AlertSent event missing: {:?}",
        victim.events
    );
    // The alert reaches the violator.
    let dir = if violator_is_client {
        Dir::ToClient
    } else {
        Dir::ToServer
    };
    let alert = p.take(dir);
    assert!(
        alert
            .iter()
            .any(|d| has_record(d, CT_ALERT, 0) || has_record(d, CT_ALERT, 1)),
        "{what}: no alert record sent"
    );
    p.deliver(dir, &alert);
    let violator = if violator_is_client {
        &mut p.client
    } else {
        &mut p.server
    };
    // A plaintext alert is obeyed when the violator's timer fires without progress.
    if !has_record(&alert[0], CT_ALERT, 1) {
        expire_verdict(violator);
    }
    let violator = &*violator;
    assert!(
        violator.events.contains(&Event::AlertReceived {
            level: AlertLevel::Fatal,
            description: AlertDescription::UNEXPECTED_MESSAGE
        }),
        "{what}: the peer must see AlertReceived: {:?}",
        violator.events
    );
    assert_eq!(
        violator.error,
        Some(Error::AlertReceived(AlertDescription::UNEXPECTED_MESSAGE)),
        "{what}: the peer fails with AlertReceived"
    );
}

/// Fires `ep`'s retransmission timer until it fails, at most `VERDICT_EXPIRIES` times: a
/// verdict on plaintext input is obeyed once that many expiries passed without handshake
/// progress (`rdtls::__internal::input_policy`). The peer is not driven meanwhile.
pub fn expire_verdict(ep: &mut Ours) {
    for _ in 0..rdtls::__internal::input_policy::VERDICT_EXPIRIES {
        if ep.error.is_some() {
            return;
        }
        let Some(at) = ep.conn.poll_timeout() else {
            return;
        };
        Endpoint::handle_timeout(ep, at);
    }
}

/// Rebuilds a flight after `edit` changed its epoch-0 handshake messages: one message
/// (fragment) per record and datagram, renumbered from the flight's first record sequence;
/// the remaining records (CCS, epoch 1) follow in order, epoch-0 ones renumbered after.
pub fn rebuild_flight(flight: &[Vec<u8>], edit: impl FnOnce(&mut Vec<Msg>)) -> Vec<Vec<u8>> {
    let mut msgs = handshake_messages(flight.iter().map(|d| &d[..]));
    edit(&mut msgs);
    let first = flight
        .iter()
        .flat_map(|d| records(d))
        .filter(|r| r.epoch == 0)
        .map(|r| r.seq)
        .min()
        .expect("epoch-0 records");
    let mut out = encode_flight(&msgs, first, 1000);
    let mut seq = first + out.len() as u64;
    for d in flight {
        for mut r in records(d) {
            if r.epoch == 0 && r.ctype == CT_HANDSHAKE {
                continue;
            }
            if r.epoch == 0 {
                r.seq = seq;
                seq += 1;
            }
            out.push(r.to_bytes());
        }
    }
    out
}

/// Shifts message_seq of every message from index `from` on by `delta`.
pub fn shift_seqs(msgs: &mut [Msg], from: usize, delta: i32) {
    for m in &mut msgs[from..] {
        m.message_seq = (i32::from(m.message_seq) + delta) as u16;
    }
}

pub fn index_of(msgs: &[Msg], t: u8) -> usize {
    msgs.iter()
        .position(|m| m.msg_type == t)
        .unwrap_or_else(|| panic!("message type {t} not in flight"))
}
