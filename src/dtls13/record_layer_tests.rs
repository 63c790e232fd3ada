//! Tests of `record_layer.rs` (kept apart so that file stays short).
use super::*;

#[test]
fn replay_window_accepts_each_number_once() {
    let mut w = ReplayWindow::default();
    for s in [0u64, 2, 1, 70, 10, 69] {
        assert!(w.is_fresh(s), "{s}");
        w.mark(s);
        assert!(!w.is_fresh(s));
    }
    assert!(!w.is_fresh(2), "out of the window: too old");
    assert!(w.is_fresh(68));
}

fn layer(suite: Suite13, secret: u8) -> RecordLayer {
    let ks = KeySchedule::dtls13(suite.hash());
    let secret = Secret::from_bytes(&vec![secret; suite.hash().output_len()]).unwrap();
    let mut rl = RecordLayer::default();
    rl.install_send(&ks, suite, 2, &secret).unwrap();
    rl.install_recv(&ks, suite, 2, &secret).unwrap();
    rl
}

/// RFC 9147 §4.5.3 with CCM_8 (integrity limit 2^7): the 128th record failing
/// authentication under one key raises the flag; genuine records still open before.
#[test]
fn integrity_limit_counts_forgeries_per_key() {
    let suite = Suite13::Aes128Ccm8Sha256;
    let mut ours = layer(suite, 1);
    let mut forger = layer(suite, 2);
    let mut pending = Vec::new();
    for i in 0..127 {
        let mut d = Vec::new();
        forger
            .seal(&mut d, 2, content::HANDSHAKE, b"forged")
            .unwrap();
        assert!(ours.open_datagram(&d, &mut pending).is_empty());
        assert!(!ours.integrity_limit_reached, "after {}", i + 1);
    }
    let mut good = Vec::new();
    let mut peer = layer(suite, 1);
    peer.seal(&mut good, 2, content::HANDSHAKE, b"genuine")
        .unwrap();
    assert_eq!(ours.open_datagram(&good, &mut pending).len(), 1);
    let mut d = Vec::new();
    forger
        .seal(&mut d, 2, content::HANDSHAKE, b"forged")
        .unwrap();
    assert!(ours.open_datagram(&d, &mut pending).is_empty());
    assert!(ours.integrity_limit_reached);
    assert_eq!(ours.failed_records, 128);
    assert!(pending.is_empty(), "the epoch's keys exist: not held back");
}

/// The confidentiality limit: a KeyUpdate is due at 7/8 of it, and no record is sealed
/// past it.
#[test]
fn sealing_stops_at_the_confidentiality_limit() {
    let suite = Suite13::Aes128GcmSha256;
    let max = crate::dtls13::epoch::limits(suite).max_sealed;
    let mut rl = layer(suite, 3);
    let mut d = Vec::new();
    rl.count_usage_for_test(2, max / 8 * 7 - 2, 0);
    rl.seal(&mut d, 2, content::APPLICATION_DATA, b"x").unwrap();
    assert!(!rl.key_update_due(2));
    rl.seal(&mut d, 2, content::APPLICATION_DATA, b"x").unwrap();
    assert!(rl.key_update_due(2) && !rl.key_update_due(3));
    rl.count_usage_for_test(2, max - max / 8 * 7 - 1, 0);
    rl.seal(&mut d, 2, content::APPLICATION_DATA, b"last")
        .unwrap();
    let before = d.len();
    assert!(rl.seal(&mut d, 2, content::APPLICATION_DATA, b"x").is_err());
    assert_eq!(d.len(), before, "nothing written");
}

/// RFC 9147 §9: records carry the receiver's CID; another CID, or none, is dropped
/// before any key is tried; issuing more than [`MAX_OWN_CIDS`] forgets the oldest
/// but never the one in use.
#[test]
fn connection_ids_on_records() {
    let suite = Suite13::Aes128GcmSha256;
    let (mut ours, mut peer) = (layer(suite, 4), layer(suite, 4));
    let mut pending = Vec::new();
    ours.add_own_cid(&[1, 1, 1]).unwrap();
    assert!(ours.add_own_cid(&[1, 1]).is_err(), "one length");
    let send = |peer: &mut RecordLayer, cid: &[u8]| {
        peer.set_send_cid(cid);
        let mut d = Vec::new();
        peer.seal(&mut d, 2, content::APPLICATION_DATA, b"x")
            .unwrap();
        d
    };
    let good = send(&mut peer, &[1, 1, 1]);
    assert_eq!(good[0] & unified_header::C_BIT, unified_header::C_BIT);
    assert_eq!(unified_header::peek_cid(&good, 3), Some(&[1, 1, 1][..]));
    assert_eq!(ours.open_datagram(&good, &mut pending).len(), 1);
    for bad in [send(&mut peer, &[1, 1, 2]), send(&mut peer, b"")] {
        assert!(ours.open_datagram(&bad, &mut pending).is_empty());
    }
    assert_eq!((ours.wrong_cid_records, ours.failed_records), (2, 0));
    for i in 2..=MAX_OWN_CIDS as u8 + 1 {
        ours.add_own_cid(&[i; 3]).unwrap();
    }
    assert_eq!(ours.own_cids().len(), MAX_OWN_CIDS);
    assert_eq!(ours.own_cids()[0], [1, 1, 1], "in use: kept");
    assert!(
        !ours.own_cids().contains(&vec![2, 2, 2]),
        "the oldest other"
    );
    let again = send(&mut peer, &[1, 1, 1]);
    assert_eq!(ours.open_datagram(&again, &mut pending).len(), 1);
    assert!(pending.is_empty());
}

#[test]
fn garbage_and_foreign_records_are_dropped_silently() {
    let mut rl = RecordLayer::default();
    let mut pending = Vec::new();
    // Plaintext application data, a non-zero epoch, truncations, a lone unified byte.
    let mut d = vec![23, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 9];
    d.extend_from_slice(&[22, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 9]);
    assert!(rl.open_datagram(&d, &mut pending).is_empty());
    assert!(rl.open_datagram(&[22, 0xfe], &mut pending).is_empty());
    assert!(rl
        .open_datagram(&[0x2c, 0, 0, 0, 40, 1], &mut pending)
        .is_empty());
    // A good handshake record, then its replay.
    let mut good = Vec::new();
    rl.seal(&mut good, 0, content::HANDSHAKE, b"hi").unwrap();
    assert_eq!(rl.open_datagram(&good, &mut pending).len(), 1);
    assert!(rl.open_datagram(&good, &mut pending).is_empty());
}
