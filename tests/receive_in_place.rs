//! Receive in place (issue 12 item 1): a datagram handed over as an owned buffer is
//! decrypted where it lies and its application data comes back in that same allocation,
//! so a Rust caller gets plaintext with no copy; a copy-in caller sees the same bytes. The
//! sending half: `send_into` seals a record straight into the caller's transmit buffer.

mod common;

use common::fixtures::Spec;
use common::flights::{client_app_datagram, established};
use common::link::Dir;

#[test]
fn owned_datagram_is_decrypted_in_place_and_handed_back() {
    let mut p = established(&Spec::default_ecdsa());
    let now = p.now;
    for (i, len) in [1usize, 100, 1200, 4000].into_iter().enumerate() {
        let data: Vec<u8> = (0..len).map(|b| (b * 7 + i) as u8).collect();
        let dg = client_app_datagram(&mut p, &data);
        let (at, dg_len) = (dg.as_ptr() as usize, dg.len());
        p.server
            .conn
            .handle_datagram_owned(now, dg)
            .expect("owned datagram accepted");
        let rec = p.server.conn.recv_record().expect("one record");
        assert_eq!(&*rec, &data[..], "plaintext of record {i}");
        // The plaintext lies inside the caller's allocation: no copy was made.
        let pt = rec.as_ptr() as usize;
        assert!(
            pt > at && pt + rec.len() < at + dg_len,
            "record {i} is read in place"
        );
        assert!(p.server.conn.recv_record().is_none(), "nothing else queued");
        // The buffer can carry the next datagram.
        let back = rec.into_buffer();
        assert_eq!(back.as_ptr() as usize, at);
    }
}

#[test]
fn owned_and_borrowed_input_agree_and_recv_after_recv_record() {
    let mut p = established(&Spec::default_ecdsa());
    let now = p.now;
    let a = client_app_datagram(&mut p, b"first record");
    let b = client_app_datagram(&mut p, b"second record");
    let c = client_app_datagram(&mut p, b"third record");
    p.server.conn.handle_datagram(now, &a).expect("borrowed");
    p.server.conn.handle_datagram_owned(now, b).expect("owned");
    p.server.conn.handle_datagram_owned(now, c).expect("owned");
    // A borrowed datagram's record comes out of recv_record too (from the pooled copy).
    assert_eq!(
        p.server.conn.recv_record().expect("first").into_vec(),
        b"first record"
    );
    // Part read with recv: recv_record returns the rest.
    let mut four = [0u8; 4];
    assert_eq!(p.server.conn.recv(&mut four), Some(4));
    assert_eq!(&four, b"seco");
    assert_eq!(&*p.server.conn.recv_record().expect("rest"), b"nd record");
    let mut out = [0u8; 64];
    let n = p.server.conn.recv(&mut out).expect("third via recv");
    assert_eq!(&out[..n], b"third record");
    assert_eq!(p.server.conn.buffered_app_bytes(), 0);
}

#[test]
fn tampered_owned_datagram_is_dropped() {
    let mut p = established(&Spec::default_ecdsa());
    let now = p.now;
    let mut dg = client_app_datagram(&mut p, b"authentic");
    let last = dg.len() - 1;
    dg[last] ^= 1;
    p.server
        .conn
        .handle_datagram_owned(now, dg)
        .expect("a forged record is dropped, not fatal");
    assert!(p.server.conn.recv_record().is_none());
    // Garbage of any size, too.
    p.server
        .conn
        .handle_datagram_owned(now, vec![0x17; 70_000])
        .expect("noise dropped");
    p.server
        .conn
        .handle_datagram_owned(now, Vec::new())
        .expect("empty dropped");
    assert!(p.server.conn.recv_record().is_none());
    let ok = client_app_datagram(&mut p, b"still fine");
    p.server.conn.handle_datagram_owned(now, ok).expect("ok");
    assert_eq!(
        &*p.server.conn.recv_record().expect("record"),
        b"still fine"
    );
}

#[test]
fn lent_datagram_delivers_first_record_straight_into_the_readers_buffer() {
    let mut p = established(&Spec::default_ecdsa());
    let now = p.now;
    // Whole record into a large enough buffer: delivered, nothing left buffered.
    let mut dg = client_app_datagram(&mut p, b"straight through");
    let mut out = [0u8; 64];
    let n = p
        .server
        .conn
        .handle_datagram_into(now, &mut dg, &mut out)
        .expect("accepted");
    assert_eq!(&out[..n], b"straight through");
    assert!(!p.server.conn.has_pending());
    assert_eq!(p.server.conn.buffered_app_bytes(), 0);

    // A short destination takes the head; the rest stays for recv (OpenSSL's partial read).
    let mut dg = client_app_datagram(&mut p, b"0123456789");
    let mut four = [0u8; 4];
    let n = p
        .server
        .conn
        .handle_datagram_into(now, &mut dg, &mut four)
        .expect("accepted");
    assert_eq!((n, &four), (4, b"0123"));
    assert_eq!(p.server.conn.pending(), 6);
    let n = p.server.conn.recv(&mut out).expect("rest");
    assert_eq!(&out[..n], b"456789");

    // An empty destination (SSL_peek's path) buffers the record whole.
    let mut dg = client_app_datagram(&mut p, b"kept");
    assert_eq!(
        p.server.conn.handle_datagram_into(now, &mut dg, &mut []),
        Ok(0)
    );
    assert_eq!(p.server.conn.pending(), 4);

    // With data already buffered, a new record queues behind it: order is kept.
    let mut dg = client_app_datagram(&mut p, b"after");
    assert_eq!(
        p.server.conn.handle_datagram_into(now, &mut dg, &mut out),
        Ok(0)
    );
    let n = p.server.conn.recv(&mut out).expect("first");
    assert_eq!(&out[..n], b"kept");
    let n = p.server.conn.recv(&mut out).expect("second");
    assert_eq!(&out[..n], b"after");
    assert!(p.server.conn.recv(&mut out).is_none());
}

#[test]
fn tampered_lent_datagram_delivers_nothing() {
    let mut p = established(&Spec::default_ecdsa());
    let now = p.now;
    let mut dg = client_app_datagram(&mut p, b"authentic");
    let last = dg.len() - 1;
    dg[last] ^= 1;
    let mut out = [0u8; 64];
    assert_eq!(
        p.server.conn.handle_datagram_into(now, &mut dg, &mut out),
        Ok(0)
    );
    assert_eq!(out, [0u8; 64], "nothing written for a forged record");
    assert!(!p.server.conn.has_pending());
    let mut noise = vec![0x17u8; 70_000];
    assert_eq!(
        p.server
            .conn
            .handle_datagram_into(now, &mut noise, &mut out),
        Ok(0)
    );
}

/// The sending half (issue 12 item 1): `send_into` seals the record straight into the
/// caller's buffer, after what it holds, when nothing is queued before it; otherwise it
/// queues the record behind the waiting datagrams, as `send` does, so order is kept.
#[test]
fn send_into_appends_the_record_or_queues_it_behind_waiting_datagrams() {
    let mut p = established(&Spec::default_ecdsa());
    let now = p.now;
    let before = p.client.conn.stats().datagrams_sent;
    let mut out = b"earlier bytes".to_vec();
    assert!(matches!(
        p.client.conn.send_into(b"direct", &mut out),
        Ok(true)
    ));
    assert!(!p.client.conn.has_transmit(), "nothing queued");
    assert_eq!(p.client.conn.stats().datagrams_sent, before + 1);
    let dg = out.split_off(13);
    assert_eq!(out, b"earlier bytes", "appended, not overwritten");
    p.server.conn.handle_datagram(now, &dg).expect("accepted");
    let mut buf = [0u8; 64];
    let n = p.server.conn.recv(&mut buf).expect("delivered");
    assert_eq!(&buf[..n], b"direct");

    p.client.conn.send(b"queued first").expect("send");
    let mut out = Vec::new();
    assert!(matches!(
        p.client.conn.send_into(b"queued second", &mut out),
        Ok(false)
    ));
    assert!(out.is_empty(), "queued, not written");
    let sent = p.take(Dir::ToServer);
    assert_eq!(sent.len(), 2);
    for d in &sent {
        p.server.conn.handle_datagram(now, d).expect("accepted");
    }
    for want in [&b"queued first"[..], b"queued second"] {
        let n = p.server.conn.recv(&mut buf).expect("in order");
        assert_eq!(&buf[..n], want);
    }
}
