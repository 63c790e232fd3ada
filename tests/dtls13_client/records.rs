//! RFC 9147's test considerations at the record level, with our client against dimpl's 1.3
//! server: ACK-driven retransmission (one record of the server's flight lost: our ACK makes
//! dimpl resend only that record, §5.8.1 / §7), a record whose sequence-number mask is
//! wrong (§4.2.3) dropped silently, and the AEAD limits (§4.5.3).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use rdtls::dtls13::client::Event13;
use rdtls::dtls13::epoch::limits;
use rdtls::dtls13::record_protection::Suite13;

use crate::common::link::{Dir, Endpoint, LinkConfig};
use crate::pair;

/// Splits a datagram into its records: (unified header?, epoch bits, bytes).
fn records(mut d: &[u8]) -> Vec<(bool, u8, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some(&first) = d.first() {
        let len = if first & 0xe0 == 0x20 {
            // 001CSLEE, no CID from dimpl: 1 + (1 or 2) seq bytes + 2 length bytes.
            assert!(first & 0x04 != 0, "dimpl's records carry a length");
            let seq_len = if first & 0x08 != 0 { 2 } else { 1 };
            let h = 1 + seq_len + 2;
            h + usize::from(u16::from_be_bytes([d[h - 2], d[h - 1]]))
        } else {
            13 + usize::from(u16::from_be_bytes([d[11], d[12]]))
        };
        out.push((first & 0xe0 == 0x20, first & 0x03, d[..len].to_vec()));
        d = &d[len..];
    }
    out
}

/// The records of dimpl's encrypted handshake flight (epoch 2) in `d`.
fn epoch2(d: &[u8]) -> Vec<Vec<u8>> {
    records(d)
        .into_iter()
        .filter(|(protected, bits, _)| *protected && *bits == 2)
        .map(|r| r.2)
        .collect()
}

/// The second record of dimpl's epoch-2 flight is lost once. Our client ACKs the records
/// it has (after the short §7.1 delay, well before dimpl's retransmission timer); dimpl
/// then resends exactly one epoch-2 record, under a new record number, and the handshake
/// completes without any other retransmission of its flight.
#[test]
fn one_lost_record_of_the_server_flight_is_the_only_one_resent() {
    let mut p = pair(21, false, &[], 1150, LinkConfig::PERFECT);
    let dropped: Rc<RefCell<Option<Vec<u8>>>> = Rc::default();
    let flight_len: Rc<RefCell<usize>> = Rc::default();
    let (d2, n2) = (dropped.clone(), flight_len.clone());
    p.tamper = Some(Box::new(move |dir, d| {
        if dir != Dir::ToClient || d2.borrow().is_some() {
            return vec![d];
        }
        let recs = records(&d);
        let enc: Vec<usize> = (0..recs.len())
            .filter(|&i| recs[i].0 && recs[i].1 == 2)
            .collect();
        if enc.len() < 2 {
            return vec![d];
        }
        *n2.borrow_mut() = enc.len();
        let victim = enc[1];
        *d2.borrow_mut() = Some(recs[victim].2.clone());
        let kept: Vec<u8> = (0..recs.len())
            .filter(|&i| i != victim)
            .flat_map(|i| recs[i].2.clone())
            .collect();
        vec![kept]
    }));
    p.handshake(500, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("handshake with one record lost: {e}"));
    let lost = dropped.borrow().clone().expect("a record was dropped");
    let flight = *flight_len.borrow();
    assert!(flight >= 3, "dimpl's flight had {flight} encrypted records");
    // Everything dimpl sent after its first flight, before application data: the resend.
    let to_client = p.bytes(Dir::ToClient);
    let first = to_client
        .iter()
        .position(|d| !epoch2(d).is_empty())
        .expect("dimpl's encrypted flight");
    let resent: Vec<(bool, u8, Vec<u8>)> = to_client[first + 1..]
        .iter()
        .flat_map(|d| records(d))
        .filter(|(protected, bits, _)| !*protected || *bits == 2)
        .collect();
    assert_eq!(
        resent.len(),
        1,
        "only the lost record is resent (no ServerHello)"
    );
    assert!(resent[0].0 && resent[0].1 == 2);
    assert_eq!(resent[0].2.len(), lost.len(), "the same fragment");
    assert_ne!(
        resent[0].2[..3],
        lost[..3],
        "under a new (encrypted) record number"
    );
    // Our ACK went out (after the §7.1 delay) before dimpl's timer fired: between
    // ClientHello and Finished the client sent one epoch-2 record, whose length shows it
    // lists `flight` record numbers: ServerHello's and the flight's minus the lost one
    // (5-byte header, content type, 16-byte tag, 2-byte list length, 16 bytes each).
    let ours = p.bytes(Dir::ToServer);
    assert!(
        ours.len() >= 3,
        "ClientHello, ACK, Finished: {}",
        ours.len()
    );
    assert!(
        ours[1][0] & 0xe0 == 0x20 && ours[1][0] & 3 == 2,
        "an epoch-2 record"
    );
    assert_eq!(
        ours[1].len(),
        5 + 1 + 16 + 2 + 16 * flight,
        "an ACK of {flight} records"
    );
    p.exchange(b"after a partial ACK", b"ok").unwrap();
}

/// A server record whose encrypted sequence number is altered decrypts, with the right
/// mask, to the wrong number: the AEAD nonce differs, the record fails authentication
/// and is dropped without an alert or error (RFC 9147 §4.2.3, §4.5.2). The genuine
/// record is accepted afterwards.
#[test]
fn record_with_a_wrong_sequence_number_mask_is_dropped_silently() {
    let mut p = pair(22, false, &[], 1150, LinkConfig::PERFECT);
    p.handshake(500, Duration::from_secs(60)).unwrap();
    p.exchange(b"warm up", b"warm up").unwrap();
    p.flush();
    let now = p.now;
    p.server.send_app(now, b"genuine").unwrap();
    let dgrams = p.take(Dir::ToClient);
    assert_eq!(dgrams.len(), 1);
    let genuine = dgrams[0].clone();
    assert_eq!(
        genuine[0] & 0xe8,
        0x28,
        "a unified header with a 16-bit sequence number"
    );
    let failed_before = p.client.c.records_failed();
    for (byte, bit) in [(1usize, 0x01u8), (1, 0x80), (2, 0x10)] {
        let mut forged = genuine.clone();
        forged[byte] ^= bit;
        p.deliver(Dir::ToClient, &[forged]);
        assert!(p.client.error.is_none(), "{:?}", p.client.error);
        assert!(p.client.received.is_empty(), "nothing delivered");
        assert!(p.client.c.poll_transmit().is_none(), "no alert, no ACK");
    }
    assert_eq!(p.client.c.records_failed(), failed_before + 3);
    assert!(p.client.c.is_established());
    p.deliver(Dir::ToClient, &[genuine]);
    assert_eq!(p.client.received, vec![b"genuine".to_vec()]);
}

/// RFC 9147 §4.5.3, confidentiality: once our sending key has protected 7/8 of the suite's
/// limit (counted ahead by the test hook), the next `send` also starts a KeyUpdate on its
/// own; dimpl ACKs it and our data moves to epoch 4.
#[test]
fn key_update_starts_by_itself_near_the_sealing_limit() {
    let mut p = pair(23, false, &[], 1150, LinkConfig::PERFECT);
    p.handshake(500, Duration::from_secs(60)).unwrap();
    let max = limits(Suite13::Aes128GcmSha256).max_sealed;
    // Two records short of the threshold: one exchange stays below it.
    p.client.c.count_key_usage_for_test(max / 8 * 7 - 2, 0);
    p.exchange(b"below the threshold", b"ok").unwrap();
    assert!(!p
        .client
        .events
        .iter()
        .any(|e| matches!(e, Event13::SendKeyUpdated(_))));
    assert_eq!(p.client.c.poll_timeout(), None, "no flight of ours");
    // This record reaches it: the KeyUpdate goes out right behind it.
    p.exchange(b"at the threshold", b"ok").unwrap();
    p.run_until(200, Duration::from_secs(60), |p| {
        p.client.events.contains(&Event13::SendKeyUpdated(4))
    })
    .expect("our automatic KeyUpdate is acknowledged");
    assert_eq!(p.client.c.send_epoch(), 4);
    p.exchange(b"fresh key", b"still epoch 3 here").unwrap();
    let last = &p
        .log
        .iter()
        .rev()
        .find(|s| s.dir == Dir::ToServer)
        .unwrap()
        .bytes;
    assert_eq!(last[0] & 0x03, 0, "epoch 4 has low bits 00");
}

/// RFC 9147 §4.5.3, integrity: with the failure count one below the limit (test hook), one
/// more forged record ends the connection at once with a bad_record_mac alert.
#[test]
fn integrity_limit_closes_the_connection() {
    let mut p = pair(24, false, &[], 1150, LinkConfig::PERFECT);
    p.handshake(500, Duration::from_secs(60)).unwrap();
    p.exchange(b"a", b"b").unwrap();
    p.flush();
    let max = limits(Suite13::Aes128GcmSha256).max_failed;
    p.client.c.count_key_usage_for_test(0, max - 1);
    let now = p.now;
    p.server.send_app(now, b"genuine").unwrap();
    let mut forged = p.take(Dir::ToClient).remove(0);
    forged[1] ^= 0x40;
    p.deliver(Dir::ToClient, &[forged]);
    let err = p.client.error.clone().expect("the connection ended");
    assert!(err.contains("integrity"), "{err}");
    assert!(!p.client.c.is_established());
    let alert = p.client.c.poll_transmit().expect("an alert goes out");
    assert_eq!(alert[0] & 0xe0, 0x20, "protected");
    assert!(p.client.c.send(b"late").is_err());
}

/// Our Finished is lost once: it is sent again (on dimpl's retransmitted flight, §5.8.4,
/// or on our own timer) and the handshake completes on both sides.
#[test]
fn lost_client_finished_is_resent() {
    let mut p = pair(25, false, &[], 1150, LinkConfig::PERFECT);
    let dropped = Rc::new(RefCell::new(false));
    let d2 = dropped.clone();
    p.tamper = Some(Box::new(move |dir, d| {
        let epoch2 = d[0] & 0xe0 == 0x20 && d[0] & 3 == 2;
        if dir == Dir::ToServer && epoch2 && !*d2.borrow() {
            *d2.borrow_mut() = true;
            return vec![];
        }
        vec![d]
    }));
    p.handshake(500, Duration::from_secs(60))
        .unwrap_or_else(|e| panic!("handshake with our Finished lost: {e}"));
    assert!(*dropped.borrow());
    let finished_sends = p
        .bytes(Dir::ToServer)
        .iter()
        .filter(|d| d[0] & 0xe0 == 0x20 && d[0] & 3 == 2)
        .count();
    assert!(finished_sends >= 2, "{finished_sends}");
    p.exchange(b"after a lost Finished", b"ok").unwrap();
    assert_eq!(
        p.client.c.poll_timeout(),
        None,
        "dimpl ACKed the resent Finished"
    );
}
