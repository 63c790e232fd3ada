//! Hostile input between two of our endpoints, one `#[test]` per attack.
//!
//! Datagrams are intercepted flight by flight ([`Pair::take`] / [`Pair::deliver`]) and edited
//! with the test-only codec in `common::wire`: epoch-0 handshake records are plaintext and
//! re-encoded freely; authentic epoch-1 records are forged with `common::crypt` from the
//! key log. Expected outcomes (RFC 6347 §4.1.2.7, §4.2): malformed, unauthenticated or
//! replayed records are dropped silently and counted, and the handshake still completes or
//! the data is simply not delivered; protocol violations end the connection with a fatal
//! alert (`Err(Error::AlertSent { alert: UNEXPECTED_MESSAGE, .. })`) that the peer reports
//! as `AlertReceived`.

mod common;

use std::sync::Arc;

use common::fixtures::{Cred, Spec};
use common::flights::*;
use common::link::{Dir, Endpoint};
use common::wire::*;
use rdtls::__internal::handshake::reassembly::{MAX_FUTURE_MESSAGES, MAX_HANDSHAKE_MESSAGE_LEN};
use rdtls::__internal::record::replay::REPLAY_WINDOW_SIZE;
use rdtls::cookie::{CookieKeys, CookieListener, ListenOutcome};
use rdtls::{AlertDescription, AlertLevel, Error, Event};

/// Heap growth allowed for a whole attack (the test runs alone in a child process).
const MEMORY_SLACK_KIB: u64 = 8 * 1024;

// ------------------------------------------------------------------- malformed records

#[test]
fn truncated_record_dropped() {
    let mut p = established(&Spec::default_ecdsa());
    let d = client_app_datagram(&mut p, b"whole record");
    let before = p.server.conn.stats();
    for cut in [1, 5, d.len() - RECORD_HEADER_LEN, d.len() - 3] {
        p.deliver(Dir::ToServer, &[d[..d.len() - cut].to_vec()]);
    }
    assert!(
        p.server.take_received().is_empty(),
        "truncated data delivered"
    );
    assert!(p.server.error.is_none(), "truncation must not be fatal");
    let after = p.server.conn.stats();
    assert!(
        after.records_dropped >= before.records_dropped + 4,
        "truncated records must be counted: {before:?} -> {after:?}"
    );
    // The truncated copies did not burn the sequence number: the real record still arrives.
    p.deliver(Dir::ToServer, &[d]);
    assert_eq!(p.server.take_received(), vec![b"whole record".to_vec()]);
}

#[test]
fn truncated_client_hello_dropped_and_handshake_completes() {
    let mut p = pair();
    let ch = p.take(Dir::ToServer);
    let short: Vec<Vec<u8>> = ch.iter().map(|d| d[..d.len() - 7].to_vec()).collect();
    p.deliver(Dir::ToServer, &short);
    assert!(
        p.server.error.is_none(),
        "truncated ClientHello must not be fatal"
    );
    assert!(
        p.take(Dir::ToClient).is_empty(),
        "no answer to a truncated ClientHello"
    );
    p.deliver(Dir::ToServer, &ch);
    completes(&mut p, "truncated ClientHello");
}

#[test]
fn record_length_past_datagram_end_keeps_earlier_record() {
    let mut p = established(&Spec::default_ecdsa());
    let good = client_app_datagram(&mut p, b"first record");
    let mut d = good.clone();
    let bogus = Record::new(CT_APP, 1, max_seq(&p, Dir::ToServer, 1) + 5, vec![0xab; 40]);
    bogus.encode_with_len(&mut d, 1000);
    let before = p.server.conn.stats();
    p.deliver(Dir::ToServer, &[d]);
    assert_eq!(
        p.server.take_received(),
        vec![b"first record".to_vec()],
        "the valid record before the overrun must be delivered"
    );
    assert!(p.server.error.is_none());
    assert!(p.server.conn.stats().records_dropped > before.records_dropped);
}

#[test]
fn valid_garbage_valid_in_one_datagram() {
    let mut p = established(&Spec::default_ecdsa());
    let one = client_app_datagram(&mut p, b"one");
    let two = client_app_datagram(&mut p, b"two");
    let garbage = Record::new(
        CT_APP,
        1,
        max_seq(&p, Dir::ToServer, 1) + 7,
        (0..48u8).map(|i| i.wrapping_mul(37)).collect(),
    );
    let mut d = one;
    garbage.encode(&mut d);
    d.extend_from_slice(&two);
    let before = p.server.conn.stats();
    p.deliver(Dir::ToServer, &[d]);
    assert_eq!(
        p.server.take_received(),
        vec![b"one".to_vec(), b"two".to_vec()],
        "both authentic records around the garbage must be delivered"
    );
    let after = p.server.conn.stats();
    assert_eq!(
        after.records_bad_auth,
        before.records_bad_auth + 1,
        "{after:?}"
    );
    assert!(p.server.error.is_none());
}

#[test]
fn replay_inside_window_dropped() {
    let mut p = established(&Spec::default_ecdsa());
    let ds: Vec<Vec<u8>> = (0..5)
        .map(|i| client_app_datagram(&mut p, format!("m{i}").as_bytes()))
        .collect();
    p.deliver(Dir::ToServer, &ds);
    assert_eq!(p.server.take_received().len(), 5);
    let before = p.server.conn.stats();
    p.deliver(
        Dir::ToServer,
        &[ds[2].clone(), ds[4].clone(), ds[0].clone()],
    );
    assert!(p.server.take_received().is_empty(), "replay delivered");
    let after = p.server.conn.stats();
    assert_eq!(
        after.records_replayed,
        before.records_replayed + 3,
        "{after:?}"
    );
    assert!(p.server.error.is_none());
}

#[test]
fn replay_below_window_dropped() {
    let mut p = established(&Spec::default_ecdsa());
    let n = REPLAY_WINDOW_SIZE as usize + 10;
    let ds: Vec<Vec<u8>> = (0..n)
        .map(|i| client_app_datagram(&mut p, format!("m{i}").as_bytes()))
        .collect();
    p.deliver(Dir::ToServer, &ds);
    assert_eq!(p.server.take_received().len(), n);
    let before = p.server.conn.stats();
    p.deliver(Dir::ToServer, &ds[..3]);
    assert!(
        p.server.take_received().is_empty(),
        "records below the window must not be delivered"
    );
    let after = p.server.conn.stats();
    assert!(
        after.records_replayed + after.records_dropped
            >= before.records_replayed + before.records_dropped + 3,
        "old records must be counted: {before:?} -> {after:?}"
    );
}

#[test]
fn forged_far_future_sequence_does_not_move_window() {
    let mut p = established(&Spec::default_ecdsa());
    let real = client_app_datagram(&mut p, b"real");
    let mut rec = records(&real).remove(0);
    let before = p.server.conn.stats();
    for far in [1u64 << 40, (1 << 48) - 1, rec.seq + REPLAY_WINDOW_SIZE * 4] {
        rec.seq = far;
        p.deliver(Dir::ToServer, &[rec.to_bytes()]);
    }
    assert!(p.server.take_received().is_empty());
    let after = p.server.conn.stats();
    assert_eq!(
        after.records_bad_auth,
        before.records_bad_auth + 3,
        "{after:?}"
    );
    // Had the forgeries moved the window, this record would now be "too old".
    p.deliver(Dir::ToServer, &[real]);
    assert_eq!(p.server.take_received(), vec![b"real".to_vec()]);
}

#[test]
fn epoch0_application_data_never_delivered() {
    let mut p = pair();
    to_flight5(&mut p)
        .into_iter()
        .for_each(|d| p.deliver(Dir::ToServer, &[d]));
    // Mid-handshake (server has flight 5) and after completion, both directions.
    let evil = |seq| Record::new(CT_APP, 0, seq, b"plaintext evil".to_vec()).to_bytes();
    p.deliver(Dir::ToServer, &[evil(900)]);
    p.deliver(Dir::ToClient, &[evil(901)]);
    completes(&mut p, "epoch-0 data mid-handshake");
    p.deliver(Dir::ToServer, &[evil(902)]);
    p.deliver(Dir::ToClient, &[evil(903)]);
    // (`completes` already checked that only the real messages arrived during the exchange.)
    for ep in [&mut p.client, &mut p.server] {
        assert!(
            ep.take_received().is_empty(),
            "epoch-0 application data was delivered"
        );
        assert!(
            ep.error.is_none(),
            "epoch-0 data must be dropped, not fatal"
        );
    }
}

#[test]
fn ciphertext_shorter_than_nonce_plus_tag() {
    for suite in [
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
    ] {
        let spec = Spec::new(suite, common::fixtures::Group::X25519, false);
        let mut p = established(&spec);
        let base = max_seq(&p, Dir::ToServer, 1) + 1;
        let before = p.server.conn.stats();
        for len in 0..=24usize {
            let r = Record::new(CT_APP, 1, base + len as u64, vec![0x11; len]);
            p.deliver(Dir::ToServer, &[r.to_bytes()]);
        }
        assert!(p.server.take_received().is_empty(), "{suite}");
        assert!(
            p.server.error.is_none(),
            "{suite}: short ciphertext must not be fatal"
        );
        let after = p.server.conn.stats();
        assert!(
            after.records_dropped >= before.records_dropped + 25,
            "{suite}: {before:?} -> {after:?}"
        );
        p.exchange(b"ok", b"ok").expect("still usable");
    }
}

// ------------------------------------------------------------- handshake reassembly abuse

#[test]
fn handshake_fragment_past_message_length_dropped() {
    let mut p = pair();
    let f4 = to_flight4(&mut p);
    let msgs = handshake_messages(f4.iter().map(|d| &d[..]));
    let seq0 = max_epoch0_seq(p.bytes(Dir::ToClient)).unwrap_or(0) + 40;
    // Fragments of the next messages whose offset + length run past the declared length.
    let mut bad = Vec::new();
    for (i, m) in msgs.iter().enumerate() {
        let f = HsFrag {
            msg_type: m.msg_type,
            length: 10,
            message_seq: m.message_seq,
            offset: 4,
            body: vec![0xee; 20],
        };
        bad.push(Record::new(CT_HANDSHAKE, 0, seq0 + i as u64, f.to_bytes()).to_bytes());
    }
    let before = p.client.conn.stats();
    p.deliver(Dir::ToClient, &bad);
    assert!(
        p.client.error.is_none(),
        "malformed fragment must be dropped, not fatal"
    );
    assert!(p.client.conn.stats().records_dropped > before.records_dropped);
    p.deliver(Dir::ToClient, &f4);
    completes(&mut p, "fragment past message length");
}

#[test]
fn same_message_seq_different_total_length_dropped() {
    // The long chain makes the server's Certificate span several fragments.
    let mut spec = Spec::default_ecdsa();
    spec.server_cred = Cred::LongChain;
    let mut p = pair_for(&spec);
    let f4 = to_flight4(&mut p);
    let cert = find_msg(f4.iter().map(|d| &d[..]), HT_CERTIFICATE).expect("Certificate");
    let first = f4
        .iter()
        .position(|d| has_handshake(d, HT_CERTIFICATE))
        .expect("a Certificate fragment");
    assert!(
        f4.len() > first + 1,
        "the Certificate must be fragmented over several datagrams"
    );
    p.deliver(Dir::ToClient, &f4[..=first]);
    let bogus = HsFrag {
        msg_type: HT_CERTIFICATE,
        length: cert.body.len() as u32 + 100,
        message_seq: cert.message_seq,
        offset: 300,
        body: vec![0x66; 200],
    };
    let seq = max_epoch0_seq(p.bytes(Dir::ToClient)).unwrap_or(0) + 40;
    let before = p.client.conn.stats();
    p.deliver(
        Dir::ToClient,
        &[Record::new(CT_HANDSHAKE, 0, seq, bogus.to_bytes()).to_bytes()],
    );
    assert!(
        p.client.error.is_none(),
        "inconsistent fragment must be dropped"
    );
    assert!(p.client.conn.stats().records_dropped > before.records_dropped);
    p.deliver(Dir::ToClient, &f4[first + 1..]);
    completes(&mut p, "inconsistent fragment length");
    assert_eq!(
        p.client.conn.peer_certificates(),
        &common::ours::load_chain("long-chain.pem")[..],
        "the bogus bytes must not be merged into the chain"
    );
}

#[test]
fn huge_declared_length_does_not_allocate_or_kill_handshake() {
    // Measured alone, in a child process: parallel tests would blur VmData.
    if common::isolate::run_isolated("huge_declared_length_does_not_allocate_or_kill_handshake") {
        return;
    }
    let mut p = pair();
    let f4 = to_flight4(&mut p);
    let sh = find_msg(f4.iter().map(|d| &d[..]), HT_SERVER_HELLO).expect("ServerHello");
    let seq0 = max_epoch0_seq(p.bytes(Dir::ToClient)).unwrap_or(0) + 40;
    const _: () = assert!(0xff_ffff > MAX_HANDSHAKE_MESSAGE_LEN);
    let before_kib = common::vm_data_kib();
    let mut bad = Vec::new();
    for i in 0..MAX_FUTURE_MESSAGES {
        let f = HsFrag {
            msg_type: HT_CERTIFICATE,
            length: 0xff_ffff,
            message_seq: sh.message_seq + i,
            offset: 0,
            body: vec![0x42; 100],
        };
        bad.push(Record::new(CT_HANDSHAKE, 0, seq0 + u64::from(i), f.to_bytes()).to_bytes());
    }
    p.deliver(Dir::ToClient, &bad);
    let grown = common::vm_data_kib().saturating_sub(before_kib);
    assert!(
        grown < MEMORY_SLACK_KIB,
        "{MAX_FUTURE_MESSAGES} fragments declaring 16 MB grew the heap by {grown} KiB"
    );
    assert!(
        p.client.error.is_none(),
        "an over-long declared length must be dropped"
    );
    p.deliver(Dir::ToClient, &f4);
    completes(&mut p, "16 MB declared length");
}

#[test]
fn flood_of_future_fragments_stays_bounded() {
    // Measured alone, in a child process: parallel tests would blur VmData.
    if common::isolate::run_isolated("flood_of_future_fragments_stays_bounded") {
        return;
    }
    let mut p = pair();
    let f4 = to_flight4(&mut p);
    let msgs = handshake_messages(f4.iter().map(|d| &d[..]));
    // Messages after the server's whole flight 4 and its Finished: never legitimately sent.
    let first_unused = msgs.iter().map(|m| m.message_seq).max().expect("msgs") + 2;
    let seq0 = max_epoch0_seq(p.bytes(Dir::ToClient)).unwrap_or(0) + 40;
    let before_kib = common::vm_data_kib();
    let mut rng_state = 0x1234_5678u32;
    let mut next = || {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 17;
        rng_state ^= rng_state << 5;
        rng_state
    };
    for i in 0..5_000u64 {
        let message_seq = first_unused + (next() % 2_000) as u16;
        let length = 60_000u32;
        let offset = next() % (length - 1_000);
        let f = HsFrag {
            msg_type: HT_CERTIFICATE,
            length,
            message_seq,
            offset,
            body: vec![(i % 251) as u8; 1_000],
        };
        // Record sequence numbers stay inside the replay window of the real flight.
        let r = Record::new(CT_HANDSHAKE, 0, seq0 + (i % 150), f.to_bytes());
        p.deliver(Dir::ToClient, &[r.to_bytes()]);
    }
    let grown = common::vm_data_kib().saturating_sub(before_kib);
    assert!(
        grown < MEMORY_SLACK_KIB,
        "5000 future fragments grew the heap by {grown} KiB"
    );
    assert!(
        p.client.error.is_none(),
        "future fragments must be dropped, not fatal"
    );
    p.deliver(Dir::ToClient, &f4);
    completes(&mut p, "flood of future fragments");
}

// ----------------------------------------------------------------- protocol violations

#[test]
fn change_cipher_spec_before_server_hello_is_dropped() {
    // An early ChangeCipherSpec is indistinguishable from a reordered one (a resumed server's
    // flight 4 is ServerHello, CCS, Finished), so it is dropped silently, as OpenSSL 3.0 also
    // does (see rdtls::deviations). It must change nothing: no keys, no output, no error.
    let mut p = pair();
    let f4 = to_flight4(&mut p);
    let before = p.client.conn.stats().records_dropped;
    let ccs = Record::new(CT_CCS, 0, max_seq(&p, Dir::ToClient, 0) + 1, vec![1]);
    p.deliver(Dir::ToClient, &[ccs.to_bytes()]);
    assert!(
        p.client.error.is_none(),
        "early CCS must not be fatal: {:?}",
        p.client.error
    );
    assert!(p.client.conn.is_handshaking());
    assert_eq!(
        p.client.conn.stats().records_dropped,
        before + 1,
        "the CCS is counted as dropped"
    );
    assert!(
        p.take(Dir::ToServer).is_empty(),
        "nothing is sent in answer to an early CCS"
    );
    // The genuine flight still completes the handshake: no keys were installed early.
    p.deliver(Dir::ToClient, &f4);
    completes(&mut p, "after an early CCS");
}

#[test]
fn finished_before_change_cipher_spec_is_fatal() {
    let mut p = pair();
    let f5 = to_flight5(&mut p);
    let msgs = handshake_messages(f5.iter().map(|d| &d[..]));
    let last = msgs.last().expect("flight 5 messages");
    // Flight 5 without its CCS and encrypted Finished, plus a plaintext Finished.
    let forged = rebuild_flight(&f5, |m| {
        m.push(Msg {
            msg_type: HT_FINISHED,
            message_seq: last.message_seq + 1,
            body: vec![0x5f; 12],
        })
    });
    let forged: Vec<Vec<u8>> = forged
        .into_iter()
        .filter(|d| !has_record(d, CT_CCS, 0) && !has_record(d, CT_HANDSHAKE, 1))
        .collect();
    p.deliver(Dir::ToServer, &forged);
    assert_unexpected_message(&mut p, true, "Finished before ChangeCipherSpec");
    // Nothing after the fatal alert changes anything: the genuine flight is ignored.
    p.deliver(Dir::ToServer, &f5);
    assert!(!p.server.conn.is_established());
    assert!(
        p.take(Dir::ToClient).is_empty(),
        "a failed server must stay silent"
    );
}

#[test]
fn duplicate_server_key_exchange_is_fatal() {
    let mut p = pair();
    let f4 = to_flight4(&mut p);
    let forged = rebuild_flight(&f4, |m| {
        let i = index_of(m, HT_SERVER_KEY_EXCHANGE);
        let mut dup = m[i].clone();
        dup.message_seq += 1;
        shift_seqs(m, i + 1, 1);
        m.insert(i + 1, dup);
    });
    p.deliver(Dir::ToClient, &forged);
    assert_unexpected_message(&mut p, false, "duplicate ServerKeyExchange");
}

#[test]
fn ecdhe_suite_without_server_key_exchange_is_fatal() {
    let mut p = pair();
    let f4 = to_flight4(&mut p);
    let forged = rebuild_flight(&f4, |m| {
        let i = index_of(m, HT_SERVER_KEY_EXCHANGE);
        m.remove(i);
        shift_seqs(m, i, -1);
    });
    p.deliver(Dir::ToClient, &forged);
    assert_unexpected_message(&mut p, false, "ECDHE without ServerKeyExchange");
}

#[test]
fn hello_verify_request_after_server_hello_is_fatal() {
    let mut p = pair();
    let f4 = to_flight4(&mut p);
    let forged = rebuild_flight(&f4, |m| {
        let i = index_of(m, HT_SERVER_HELLO);
        let mut body = vec![0xfe, 0xfd, 20];
        body.extend_from_slice(&[0xc0; 20]);
        let hvr = Msg {
            msg_type: HT_HELLO_VERIFY_REQUEST,
            message_seq: m[i].message_seq + 1,
            body,
        };
        shift_seqs(m, i + 1, 1);
        m.insert(i + 1, hvr);
    });
    p.deliver(Dir::ToClient, &forged);
    assert_unexpected_message(&mut p, false, "HelloVerifyRequest after ServerHello");
}

#[test]
fn client_certificate_without_certificate_verify_is_never_accepted() {
    // The server waits for CertificateVerify; the client's CCS arrives instead and is dropped
    // (it may be a reordered CCS whose CertificateVerify datagram was lost), and the
    // Finished that follows is in an epoch the server has no keys for. The handshake must
    // never complete, and it ends when the server's retransmission budget runs out, as with
    // OpenSSL 3.0.
    let mut spec = Spec::default_ecdsa();
    spec.mutual = true;
    let mut p = pair_for(&spec);
    let f5 = to_flight5(&mut p);
    let forged = rebuild_flight(&f5, |m| {
        index_of(m, HT_CERTIFICATE);
        let i = index_of(m, HT_CERTIFICATE_VERIFY);
        m.remove(i);
    });
    p.deliver(Dir::ToServer, &forged);
    assert!(
        !p.server.conn.is_established(),
        "no CertificateVerify, no handshake"
    );
    // Keep replaying the forged flight on every server retransmission until it gives up.
    for _ in 0..200 {
        if p.server.conn.error().is_some() {
            break;
        }
        let Some(t) = p.server.conn.poll_timeout() else {
            break;
        };
        let _ = p.server.conn.handle_timeout(t);
        let _ = p.take(Dir::ToClient);
        p.deliver(Dir::ToServer, &forged);
        assert!(
            !p.server.conn.is_established(),
            "no CertificateVerify, no handshake"
        );
    }
    assert_eq!(p.server.conn.error(), Some(&rdtls::Error::HandshakeTimeout));
}

// -------------------------------------------------------------------- after completion

#[test]
fn client_hello_after_completion_gets_no_renegotiation_warning() {
    let mut p = established(&Spec::default_ecdsa());
    let k = keys(&p);
    let ch = find_msg(p.bytes(Dir::ToServer), HT_CLIENT_HELLO).expect("ClientHello");
    let last_plain = handshake_messages(p.bytes(Dir::ToServer))
        .iter()
        .map(|m| m.message_seq)
        .max()
        .expect("client messages");
    // The client's Finished was last_plain + 1; a renegotiating ClientHello comes next.
    let msg = HsFrag::whole(HT_CLIENT_HELLO, last_plain + 2, ch.body.clone());
    let seq = max_seq(&p, Dir::ToServer, 1) + 10;
    let rec = k.client.seal(CT_HANDSHAKE, 1, seq, &msg.to_bytes());
    p.deliver(Dir::ToServer, &[rec.to_bytes()]);
    assert!(
        p.server.error.is_none(),
        "refusing renegotiation is not fatal: {:?}",
        p.server.error
    );
    assert!(
        p.server.events.contains(&Event::AlertSent {
            level: AlertLevel::Warning,
            description: AlertDescription::NO_RENEGOTIATION
        }),
        "expected a no_renegotiation warning: {:?}",
        p.server.events
    );
    let out = p.take(Dir::ToClient);
    assert!(
        out.iter().any(|d| has_record(d, CT_ALERT, 1)),
        "the warning goes out encrypted"
    );
    p.deliver(Dir::ToClient, &out);
    assert!(p.client.error.is_none(), "a warning alert is not fatal");
    assert!(p.client.events.contains(&Event::AlertReceived {
        level: AlertLevel::Warning,
        description: AlertDescription::NO_RENEGOTIATION
    }));
    assert!(p.server.conn.is_established() && p.client.conn.is_established());
    p.exchange(b"still usable", b"yes")
        .expect("data after refused renegotiation");
}

#[test]
fn plaintext_records_cannot_kill_established_connection() {
    let mut p = established(&Spec::default_ecdsa());
    for dir in [Dir::ToServer, Dir::ToClient] {
        let base = max_seq(&p, dir, 0) + 20;
        let junk = [
            Record::new(CT_CCS, 0, base, vec![1, 1]),
            Record::new(CT_CCS, 0, base + 1, vec![]),
            Record::new(CT_CCS, 0, base + 2, vec![7]),
            Record::new(
                CT_ALERT,
                0,
                base + 3,
                vec![2, AlertDescription::DECODE_ERROR.0],
            ),
            Record::new(CT_ALERT, 0, base + 4, vec![2]),
            Record::new(
                CT_HANDSHAKE,
                0,
                base + 5,
                HsFrag::whole(HT_FINISHED, 9, vec![0; 12]).to_bytes(),
            ),
            Record::new(CT_HANDSHAKE, 0, base + 6, vec![0xff; 5]),
        ];
        for r in junk {
            p.deliver(dir, &[r.to_bytes()]);
            let ep = if dir == Dir::ToServer {
                &p.server
            } else {
                &p.client
            };
            assert!(
                ep.error.is_none(),
                "unauthenticated epoch-0 {r:?} killed the established {dir:?} side: {:?}",
                ep.error
            );
        }
    }
    p.exchange(b"unharmed", b"unharmed")
        .expect("data after plaintext junk");
}

#[test]
fn records_after_close_notify_ignored() {
    let mut p = established(&Spec::default_ecdsa());
    let k = keys(&p);
    p.client.conn.close();
    let close = p.take(Dir::ToServer);
    assert!(!close.is_empty(), "close_notify must be sent");
    p.deliver(Dir::ToServer, &close);
    assert!(p.server.conn.close_received());
    assert!(p.server.events.contains(&Event::PeerClosed));
    let seq = max_seq(&p, Dir::ToServer, 1) + 3;
    let late = k.client.seal(CT_APP, 1, seq, b"after close_notify");
    p.deliver(Dir::ToServer, &[late.to_bytes()]);
    assert!(
        p.server.take_received().is_empty(),
        "data after close_notify must be ignored"
    );
    assert!(
        p.client.conn.send(b"more").is_err(),
        "send after close must fail"
    );
}

#[test]
fn records_after_fatal_alert_ignored() {
    let mut p = established(&Spec::default_ecdsa());
    let k = keys(&p);
    let seq = max_seq(&p, Dir::ToServer, 1) + 3;
    let alert = k
        .client
        .seal(CT_ALERT, 1, seq, &[2, AlertDescription::INTERNAL_ERROR.0]);
    p.deliver(Dir::ToServer, &[alert.to_bytes()]);
    assert_eq!(
        p.server.error,
        Some(Error::AlertReceived(AlertDescription::INTERNAL_ERROR)),
        "an authentic fatal alert ends the connection"
    );
    let events = p.server.events.len();
    let late = k.client.seal(CT_APP, 1, seq + 1, b"after the fatal alert");
    p.deliver(Dir::ToServer, &[late.to_bytes()]);
    assert!(
        p.server.take_received().is_empty(),
        "data after a fatal alert"
    );
    assert_eq!(
        p.server.events.len(),
        events,
        "no events after a fatal alert"
    );
    assert!(
        p.take(Dir::ToClient).is_empty(),
        "nothing sent after a fatal alert"
    );
    assert!(
        p.server.conn.send(b"x").is_err(),
        "send after a fatal alert must fail"
    );
}

// -------------------------------------------------------------------------- cookies

#[test]
fn cookie_length_past_end_of_client_hello() {
    let mut p = pair();
    pass(&mut p, Dir::ToServer);
    pass(&mut p, Dir::ToClient);
    let ch2 = p.take(Dir::ToServer);
    assert_eq!(ch2.len(), 1);
    let mut recs = records(&ch2[0]);
    let mut frags = parse_handshake(&recs[0].body).expect("fragments");
    // ClientHello body: version(2) random(32) session_id<1> cookie<1> ...
    let sid_len = frags[0].body[34] as usize;
    let cookie_at = 35 + sid_len;
    frags[0].body[cookie_at] = 255;
    frags[0].body.truncate(cookie_at + 1 + 10);
    frags[0].length = frags[0].body.len() as u32;
    recs[0].body = frags[0].to_bytes();
    let bad = datagram(&recs);
    // The stateless front door drops it without answering.
    let listener = CookieListener::new(Arc::new(CookieKeys::with_seed(5)));
    let mut out = Vec::new();
    let outcome = listener.handle(p.now, b"peer", &bad, None, &mut out);
    assert_eq!(outcome, ListenOutcome::Drop);
    assert!(out.is_empty());
    // A server connection neither answers nor advances; a decode_error alert is the only
    // acceptable error.
    p.deliver(Dir::ToServer, &[bad]);
    let answer = p.take(Dir::ToClient);
    assert!(
        !answer
            .iter()
            .any(|d| has_handshake(d, HT_SERVER_HELLO) || has_handshake(d, HT_HELLO_VERIFY_REQUEST)),
        "a malformed ClientHello must not be answered with a hello"
    );
    match &p.server.error {
        None => {
            p.deliver(Dir::ToServer, &ch2);
            completes(&mut p, "cookie length past end");
        }
        Some(Error::AlertSent { alert, .. }) => assert!(
            *alert == AlertDescription::DECODE_ERROR
                || *alert == AlertDescription::ILLEGAL_PARAMETER,
            "unexpected alert {alert:?}"
        ),
        Some(e) => panic!("unexpected error {e:?}"),
    }
}
