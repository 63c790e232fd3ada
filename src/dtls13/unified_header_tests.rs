//! Unified header codec, record-number reconstruction and sn masks.

use super::*;

fn h(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn encode_parse_roundtrip_every_shape() {
    let body = [0xabu8; 20];
    for cid in [&b""[..], &b"\x01\x02\x03\x04"[..]] {
        for seq_16 in [false, true] {
            for with_len in [false, true] {
                for epoch in [2u64, 3, 4, 7, 1 << 40] {
                    let mut rec = Vec::new();
                    encode(&mut rec, cid, epoch, 0x1234, seq_16, with_len.then_some(20)).unwrap();
                    let hl = rec.len();
                    rec.extend_from_slice(&body);
                    rec.extend_from_slice(b"next record bytes");
                    let v = parse(&rec, cid.len()).unwrap();
                    assert_eq!(v.header_len, hl);
                    assert_eq!(
                        v.header_len,
                        1 + cid.len() + 1 + seq_16 as usize + 2 * with_len as usize
                    );
                    // Without L the record runs to the end of the datagram.
                    let want = if with_len { hl + 20 } else { rec.len() };
                    assert_eq!(v.record_len, want);
                    assert_eq!(v.cid(&rec), cid);
                    assert_eq!(v.header.cid_present, !cid.is_empty());
                    assert_eq!(v.header.epoch_bits, (epoch & 3) as u8);
                    assert_eq!(v.header.seq_bits, if seq_16 { 0x1234 } else { 0x34 });
                    assert!(is_unified_header(rec[0]));
                }
            }
        }
    }
}

#[test]
fn first_byte_bits_follow_rfc9147_figure() {
    let mut rec = Vec::new();
    encode(&mut rec, &[9], 3, 0, true, Some(16)).unwrap();
    // 001 C=1 S=1 L=1 EE=11
    assert_eq!(rec[0], 0b0011_1111);
    rec.clear();
    encode(&mut rec, &[], 4, 5, false, None).unwrap();
    assert_eq!(rec, [0b0010_0000, 5]);
    // RFC 9147 §4.1 demultiplexing: 20..=63 is a unified header, 22/23/25 are not.
    assert!(!is_unified_header(22) && !is_unified_header(23) && !is_unified_header(25));
    assert!(is_unified_header(0x20) && is_unified_header(0x3f) && !is_unified_header(0x40));
}

#[test]
fn parse_rejects_malformed_headers() {
    assert_eq!(parse(&[], 0), Err(HeaderError::Truncated));
    assert_eq!(parse(&[0x16; 40], 0), Err(HeaderError::NotUnifiedHeader));
    // C set but no CID negotiated.
    assert_eq!(parse(&[0x3c; 40], 0), Err(HeaderError::UnexpectedCid));
    // Header cut inside the length field.
    assert_eq!(parse(&[0x2c, 0, 1, 0], 0), Err(HeaderError::Truncated));
    // Length longer than what remains.
    assert_eq!(
        parse(&[0x2c, 0, 1, 0, 17, 0, 0], 0),
        Err(HeaderError::LengthExceedsDatagram)
    );
    // Ciphertext under the 16-byte sample.
    let mut short = vec![0x2c, 0, 1, 0, 15];
    short.extend_from_slice(&[0; 15]);
    assert_eq!(parse(&short, 0), Err(HeaderError::CiphertextTooShort));
    assert_eq!(
        encode(&mut Vec::new(), &[0; 256], 2, 0, true, None),
        Err(HeaderError::FieldTooLarge)
    );
    assert_eq!(
        encode(&mut Vec::new(), &[], 2, 0, true, Some(70_000)),
        Err(HeaderError::FieldTooLarge)
    );
}

/// Seeded random bytes through `parse` and `SnKey::apply`: typed errors, no panic, and every
/// accepted view lies inside its input.
#[test]
fn random_bytes_never_panic() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(0x9147);
    let key = SnKey::new(SnAlgorithm::Aes128, &[7; 16]).unwrap();
    let mut accepted = 0;
    for _ in 0..20_000 {
        let len = rng.gen_range(0..64);
        let mut d: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
        if let Some(b) = d.first_mut() {
            if rng.gen_bool(0.7) {
                *b = (*b & 0x1f) | FIXED_BITS;
            }
        }
        let cid_len = rng.gen_range(0..4);
        if let Ok(v) = parse(&d, cid_len) {
            accepted += 1;
            assert!(v.header_len <= v.record_len && v.record_len <= d.len());
            key.apply(&mut d, &v).unwrap();
        }
    }
    assert!(
        accepted > 100,
        "the generator should produce some valid headers"
    );
}

#[test]
fn reconstruction_picks_the_nearest_value() {
    // RFC 9000 §A.3's example: the same rule as RFC 9147 §4.2.2.
    assert_eq!(reconstruct(0xa82f_30ea, 0x9b32, 16), 0xa82f_9b32);
    assert_eq!(reconstruct(0, 0xff, 8), 0xff);
    assert_eq!(reconstruct(250, 5, 8), 261);
    assert_eq!(reconstruct(261, 250, 8), 250);
    assert_eq!(reconstruct(0x1_0005, 0xfff0, 16), 0xfff0);
    assert_eq!(reconstruct(u64::MAX, 0xff, 8), u64::MAX);
    // Epochs: the previous, current and next two are reachable from two bits.
    assert_eq!(reconstruct_epoch(3, 0), 4);
    assert_eq!(reconstruct_epoch(3, 2), 2);
    assert_eq!(reconstruct_epoch(2, 3), 3);
    assert_eq!(reconstruct_epoch(9, 0), 8);
    assert_eq!(reconstruct_epoch(0, 2), 2);
}

#[test]
fn sn_masks_match_published_vectors() {
    // RFC 9001 §A.2 / §A.5: QUIC header protection is the same construction as
    // RFC 9147 §4.2.3 (AES-ECB of the sample; ChaCha20 with counter ‖ nonce = sample).
    let aes = SnKey::new(SnAlgorithm::Aes128, &h("9f50449e04a0e810283a1e9933adedd2")).unwrap();
    assert_eq!(
        aes.mask(&h("d1b1c98dd7689fb8ec11d242b123dc9b")).unwrap(),
        [0x43, 0x7b]
    );
    let cc = SnKey::new(
        SnAlgorithm::ChaCha20,
        &h("25a282b9e82f06f21f488917a4fc8f1b73573685608597d0efcb076b0ab7a7a4"),
    )
    .unwrap();
    assert_eq!(
        cc.mask(&h("5e5cd55c41f69080575d7999c25a5bfb")).unwrap(),
        [0xae, 0xfe]
    );
    // RFC 8439 §2.3.2: key 00..1f, counter 1, nonce 000000090000004a00000000 gives a block
    // starting 10 f1 e7 e4.
    let key: Vec<u8> = (0u8..32).collect();
    let cc = SnKey::new(SnAlgorithm::ChaCha20, &key).unwrap();
    let sample = h("01000000000000090000004a00000000");
    assert_eq!(cc.mask(&sample).unwrap(), [0x10, 0xf1]);
    assert_eq!(cc.mask(&sample[..15]), Err(HeaderError::CiphertextTooShort));
    assert!(SnKey::new(SnAlgorithm::Aes256, &[0; 16]).is_err());
}

/// The AES mask against RustCrypto's `aes` (an implementation ring does not share).
#[test]
fn aes_mask_matches_rustcrypto_aes_ecb() {
    use aes::cipher::{BlockEncrypt, KeyInit};
    for (alg, klen) in [(SnAlgorithm::Aes128, 16), (SnAlgorithm::Aes256, 32)] {
        let key: Vec<u8> = (0..klen as u8).map(|i| i.wrapping_mul(37)).collect();
        let sample: Vec<u8> = (0..16u8).map(|i| i ^ 0x5a).collect();
        let mut block = aes::Block::clone_from_slice(&sample);
        if klen == 16 {
            aes::Aes128::new_from_slice(&key)
                .unwrap()
                .encrypt_block(&mut block);
        } else {
            aes::Aes256::new_from_slice(&key)
                .unwrap()
                .encrypt_block(&mut block);
        }
        let ours = SnKey::new(alg, &key).unwrap().mask(&sample).unwrap();
        assert_eq!(ours, [block[0], block[1]]);
    }
}

#[test]
fn apply_masks_only_the_sequence_field_and_is_an_involution() {
    let key = SnKey::new(SnAlgorithm::Aes128, &[3; 16]).unwrap();
    for seq_16 in [false, true] {
        let mut rec = Vec::new();
        encode(&mut rec, &[1, 2], 3, 0xbeef, seq_16, Some(32)).unwrap();
        rec.extend((0..32u8).map(|i| i.wrapping_mul(11)));
        let orig = rec.clone();
        let v = parse(&rec, 2).unwrap();
        key.apply(&mut rec, &v).unwrap();
        let n = if seq_16 { 2 } else { 1 };
        assert_ne!(&rec[3..3 + n], &orig[3..3 + n]);
        assert_eq!(&rec[..3], &orig[..3]);
        assert_eq!(&rec[3 + n..], &orig[3 + n..]);
        key.apply(&mut rec, &v).unwrap();
        assert_eq!(rec, orig);
    }
}
