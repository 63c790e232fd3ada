//! Record protection round trips, limits and rejection of bad records.

use super::*;
use crate::dtls13::key_schedule::{KeySchedule, Secret};
use crate::dtls13::unified_header::parse;

const ALL: [Suite13; 5] = [
    Suite13::Aes128GcmSha256,
    Suite13::Aes256GcmSha384,
    Suite13::ChaCha20Poly1305Sha256,
    Suite13::Aes128CcmSha256,
    Suite13::Aes128Ccm8Sha256,
];

fn keys(suite: Suite13, seed: u8) -> RecordKeys {
    let ks = KeySchedule::dtls13(suite.hash());
    let secret = Secret::from_bytes(&vec![seed; suite.hash().output_len()]).unwrap();
    RecordKeys::new(suite, &ks.traffic_keys(&secret, suite.key_len()).unwrap()).unwrap()
}

const SHAPES: [HeaderShape<'static>; 4] = [
    HeaderShape {
        cid: b"",
        seq_16: true,
        with_length: true,
    },
    HeaderShape {
        cid: b"",
        seq_16: false,
        with_length: false,
    },
    HeaderShape {
        cid: b"\xaa\xbb\xcc",
        seq_16: true,
        with_length: false,
    },
    HeaderShape {
        cid: b"\xaa\xbb\xcc",
        seq_16: false,
        with_length: true,
    },
];

#[test]
fn seal_open_roundtrip_every_suite_and_shape() {
    for suite in ALL {
        assert_eq!(Suite13::from_u16(suite.to_u16()), Some(suite));
        let k = keys(suite, 1);
        for shape in SHAPES {
            for (seq, expected) in [(0u64, 0u64), (1, 0), (300, 290), (0x1_0000, 0xfff0)] {
                for (content, pad) in [(&b""[..], 0), (&b"x"[..], 0), (&b"hello dtls 1.3"[..], 7)] {
                    let mut out = Vec::new();
                    k.seal(&mut out, shape, 3, seq, 23, content, pad).unwrap();
                    let v = parse(&out, shape.cid.len()).unwrap();
                    assert_eq!(v.record_len, out.len());
                    assert!(v.record_len - v.header_len >= 16, "sample always available");
                    assert_eq!(v.cid(&out), shape.cid);
                    let exp = if shape.seq_16 {
                        expected
                    } else {
                        seq.saturating_sub(3)
                    };
                    let o = k.open(&mut out, &v, exp).unwrap();
                    assert_eq!((o.seq, o.content_type, o.content), (seq, 23, content));
                }
            }
        }
    }
}

#[test]
fn sequence_bits_are_encrypted_on_the_wire() {
    let k = keys(Suite13::Aes128GcmSha256, 2);
    let shape = SHAPES[0];
    // Across 64 consecutive records the wire sequence field is not the counter.
    let mut differ = 0;
    for seq in 0..64u64 {
        let mut out = Vec::new();
        k.seal(&mut out, shape, 2, seq, 22, b"flight", 0).unwrap();
        if u16::from_be_bytes([out[1], out[2]]) != seq as u16 {
            differ += 1;
        }
    }
    assert!(differ > 60);
}

#[test]
fn wrong_keys_or_wrong_mask_are_unauthenticated() {
    for suite in ALL {
        let k = keys(suite, 4);
        let other = keys(suite, 5);
        let mut out = Vec::new();
        k.seal(&mut out, SHAPES[0], 3, 77, 23, b"data", 0).unwrap();
        let v = parse(&out, 0).unwrap();
        let mut copy = out.clone();
        assert_eq!(
            other.open(&mut copy, &v, 77).unwrap_err(),
            ProtectionError::Unauthenticated
        );
        // A receiver whose expected number is far away reconstructs another sequence
        // number, so the nonce is wrong and the record fails to authenticate.
        let mut copy = out.clone();
        assert_eq!(
            k.open(&mut copy, &v, 77 + 40_000).unwrap_err(),
            ProtectionError::Unauthenticated
        );
        // Every single-bit flip after the first byte is rejected.
        for i in 1..out.len() {
            let mut t = out.clone();
            t[i] ^= 0x01;
            if let Ok(v) = parse(&t, 0) {
                assert!(k.open(&mut t, &v, 77).is_err(), "{suite:?} byte {i}");
            }
        }
        // The epoch bits are authenticated too (they are part of the AAD).
        let mut t = out.clone();
        t[0] ^= 0x01;
        let v = parse(&t, 0).unwrap();
        assert!(k.open(&mut t, &v, 77).is_err());
    }
}

#[test]
fn all_zero_inner_plaintext_has_no_content_type() {
    let k = keys(Suite13::ChaCha20Poly1305Sha256, 6);
    let mut out = Vec::new();
    k.seal(&mut out, SHAPES[0], 3, 1, 0, b"", 5).unwrap();
    let v = parse(&out, 0).unwrap();
    assert_eq!(
        k.open(&mut out, &v, 1).unwrap_err(),
        ProtectionError::NoContentType
    );
}

#[test]
fn padding_is_stripped_and_ccm8_short_records_are_padded_to_the_sample() {
    let k = keys(Suite13::Aes128Ccm8Sha256, 7);
    let mut out = Vec::new();
    k.seal(&mut out, SHAPES[0], 3, 9, 21, b"\x01", 0).unwrap();
    // 1 content + 1 type grown to 8 so that 8 + 8-byte tag = 16.
    assert_eq!(out.len(), 5 + 16);
    let v = parse(&out, 0).unwrap();
    let o = k.open(&mut out, &v, 9).unwrap();
    assert_eq!((o.content_type, o.content), (21, &b"\x01"[..]));
}

#[test]
fn limits_are_enforced() {
    let k = keys(Suite13::Aes128GcmSha256, 8);
    let mut out = Vec::new();
    let big = vec![1u8; 1 << 14];
    k.seal(&mut out, SHAPES[0], 3, 0, 23, &big, 0).unwrap();
    out.clear();
    assert_eq!(
        k.seal(&mut out, SHAPES[0], 3, 0, 23, &big, 1).unwrap_err(),
        ProtectionError::RecordOverflow
    );
    assert!(out.is_empty(), "a failed seal leaves nothing behind");
    // An oversized ciphertext (no length field, long datagram) is refused before AEAD.
    let mut rec = vec![0x20u8, 0];
    rec.resize(2 + MAX_CIPHERTEXT + 1, 0);
    let v = parse(&rec, 0).unwrap();
    assert_eq!(
        k.open(&mut rec, &v, 0).unwrap_err(),
        ProtectionError::RecordOverflow
    );
}

#[test]
fn two_records_in_one_datagram() {
    let k = keys(Suite13::Aes256GcmSha384, 9);
    let mut d = Vec::new();
    k.seal(&mut d, SHAPES[0], 2, 5, 22, b"first", 0).unwrap();
    k.seal(&mut d, SHAPES[1], 2, 6, 22, b"second", 0).unwrap();
    let v1 = parse(&d, 0).unwrap();
    let (a, b) = d.split_at_mut(v1.record_len);
    let v2 = parse(b, 0).unwrap();
    assert_eq!(k.open(a, &v1, 5).unwrap().content, b"first");
    assert_eq!(k.open(b, &v2, 6).unwrap().content, b"second");
}

#[test]
fn nonce_is_iv_xor_sequence_without_epoch() {
    let suite = Suite13::Aes128GcmSha256;
    let ks = KeySchedule::tls13(suite.hash());
    // RFC 8448 §3 server handshake iv.
    let s = Secret::from_bytes(
        &(0..64)
            .step_by(2)
            .map(|i| {
                u8::from_str_radix(
                    &"b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"[i..i + 2],
                    16,
                )
                .unwrap()
            })
            .collect::<Vec<_>>(),
    )
    .unwrap();
    let k = RecordKeys::new(suite, &ks.traffic_keys(&s, 16).unwrap()).unwrap();
    assert_eq!(
        k.nonce(0),
        [0x5d, 0x31, 0x3e, 0xb2, 0x67, 0x12, 0x76, 0xee, 0x13, 0x00, 0x0b, 0x30]
    );
    assert_eq!(k.nonce(0x0102)[10..], [0x0b ^ 0x01, 0x30 ^ 0x02]);
}

/// Seeded random and mutated records through `parse` + `open`: typed errors only, never a
/// panic, and nothing but the untouched record authenticates.
#[test]
fn random_and_mutated_records_are_rejected_without_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x0913);
    for suite in ALL {
        let k = keys(suite, 10);
        let mut good = Vec::new();
        k.seal(&mut good, SHAPES[2], 3, 1234, 23, b"payload under test", 2)
            .unwrap();
        for i in 0..2000 {
            let mut d = if i % 2 == 0 {
                let len = rng.gen_range(0..80);
                let mut d: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
                if let Some(b) = d.first_mut() {
                    *b = (*b & 0x1f) | 0x20;
                }
                d
            } else {
                let mut d = good.clone();
                let at = rng.gen_range(0..d.len());
                d[at] ^= rng.gen_range(1..=255u8);
                d.truncate(rng.gen_range(d.len() - 3..=d.len()));
                d
            };
            if let Ok(v) = parse(&d, 3) {
                assert!(k.open(&mut d, &v, 1234).is_err(), "{suite:?} case {i}");
            }
        }
        let v = parse(&good, 3).unwrap();
        assert!(k.open(&mut good, &v, 1234).is_ok());
    }
}
