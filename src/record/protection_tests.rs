//! Tests for AEAD record protection: round trips, tampering, nonces and AAD, and
//! ciphertexts checked against OpenSSL.

use super::*;
use crate::codec::Reader;
use crate::crypto::suites::{
    TLS_ECDHE_ECDSA_WITH_AES_128_CCM, TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
    TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
    TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
};

const SUITES: [&CipherSuite; 7] = [
    &TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    &TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    &TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    &TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
    &TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
    &TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
    &TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
];

fn keyed(suite: &'static CipherSuite) -> RecordProtection {
    let key: Vec<u8> = (0..suite.key_len as u8).collect();
    let iv: Vec<u8> = (0..suite.fixed_iv_len as u8).map(|b| 0xa0 + b).collect();
    RecordProtection::new(suite, &key, &iv).unwrap()
}

fn split(record: &mut [u8]) -> (RecordHeader, &mut [u8]) {
    let h = RecordHeader::decode(&mut Reader::new(record)).unwrap();
    (h, &mut record[RECORD_HEADER_LEN..])
}

#[test]
fn roundtrip_every_aead() {
    for suite in SUITES {
        let p = keyed(suite);
        let mut out = vec![0xee]; // Existing content must be preserved.
        p.seal(
            ContentType::APPLICATION_DATA,
            0xfefd,
            1,
            7,
            b"hello",
            &mut out,
        )
        .unwrap();
        assert_eq!(out[0], 0xee);
        let rec = &mut out[1..];
        assert_eq!(rec.len(), RECORD_HEADER_LEN + p.overhead() + 5);
        let (h, body) = split(rec);
        assert_eq!((h.epoch, h.sequence, h.length as usize), (1, 7, body.len()));
        assert_eq!(p.open(&h, body).unwrap(), b"hello");
    }
}

#[test]
fn empty_and_max_plaintext() {
    for suite in SUITES {
        let p = keyed(suite);
        for len in [0, MAX_PLAINTEXT_LEN] {
            let pt = vec![0x5a; len];
            let mut out = Vec::new();
            p.seal(ContentType::HANDSHAKE, 0xfefd, 1, 0, &pt, &mut out)
                .unwrap();
            let (h, body) = split(&mut out);
            assert_eq!(p.open(&h, body).unwrap(), &pt[..]);
        }
        let mut out = vec![1, 2];
        let big = vec![0; MAX_PLAINTEXT_LEN + 1];
        assert!(p
            .seal(ContentType::HANDSHAKE, 0xfefd, 1, 0, &big, &mut out)
            .is_err());
        assert_eq!(out, [1, 2], "out untouched on error");
    }
}

#[test]
fn any_tampering_fails() {
    for suite in SUITES {
        let p = keyed(suite);
        let mut out = Vec::new();
        p.seal(
            ContentType::APPLICATION_DATA,
            0xfefd,
            1,
            9,
            b"payload",
            &mut out,
        )
        .unwrap();
        // Every header field except the length (open() uses the body length; the AAD
        // carries the plaintext length derived from it) is authenticated, as is the body.
        for i in (0..out.len()).filter(|i| !(11..13).contains(i)) {
            let mut t = out.clone();
            t[i] ^= 0x01;
            let (h, body) = split(&mut t);
            assert!(p.open(&h, body).is_err(), "{} byte {i}", suite.openssl_name);
        }
    }
}

#[test]
fn wrong_key_fails() {
    let p = keyed(&TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    let q =
        RecordProtection::new(&TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, &[9; 16], &[1; 4]).unwrap();
    let mut out = Vec::new();
    p.seal(ContentType::ALERT, 0xfefd, 1, 0, b"x", &mut out)
        .unwrap();
    let (h, body) = split(&mut out);
    assert!(q.open(&h, body).is_err());
}

#[test]
fn short_body_fails() {
    for suite in SUITES {
        let p = keyed(suite);
        let h = RecordHeader {
            content_type: ContentType::APPLICATION_DATA,
            version: 0xfefd,
            epoch: 1,
            sequence: 0,
            length: 0,
        };
        for n in 0..p.overhead() {
            let mut body = vec![0u8; n];
            assert!(p.open(&h, &mut body).is_err());
        }
    }
}

#[test]
fn wrong_key_or_iv_length_is_rejected() {
    let s = &TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256;
    assert!(RecordProtection::new(s, &[0; 15], &[0; 4]).is_err());
    assert!(RecordProtection::new(s, &[0; 16], &[0; 12]).is_err());
}

#[test]
fn nonce_construction_matches_hand_computed_values() {
    // GCM: salt a0 a1 a2 a3, explicit = epoch 0x0102 ‖ seq 0x030405060708.
    let gcm = keyed(&TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    assert_eq!(
        gcm.send_nonce(0x0102, 0x0304_0506_0708),
        [0xa0, 0xa1, 0xa2, 0xa3, 1, 2, 3, 4, 5, 6, 7, 8]
    );
    // The explicit nonce goes on the wire right after the header.
    let mut out = Vec::new();
    gcm.seal(
        ContentType::HANDSHAKE,
        0xfefd,
        0x0102,
        0x0304_0506_0708,
        b"",
        &mut out,
    )
    .unwrap();
    assert_eq!(&out[13..21], &[1, 2, 3, 4, 5, 6, 7, 8]);
    // ChaCha: iv a0..ab XOR 00000000 ‖ 0001 ‖ 000000000002.
    let cc = keyed(&TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256);
    assert_eq!(
        cc.send_nonce(1, 2),
        [
            0xa0,
            0xa1,
            0xa2,
            0xa3,
            0xa4,
            0xa5 ^ 0x01,
            0xa6,
            0xa7,
            0xa8,
            0xa9,
            0xaa,
            0xab ^ 0x02
        ]
    );
    assert_eq!(
        aad(1, 2, ContentType::APPLICATION_DATA, 0xfefd, 0x0105),
        [0, 1, 0, 0, 0, 0, 0, 2, 23, 0xfe, 0xfd, 1, 5]
    );
}

/// Independent check against OpenSSL's AEAD implementation: same key, nonce and AAD must
/// give the same ciphertext and tag.
#[test]
fn ciphertext_matches_openssl() {
    use openssl::symm::{encrypt_aead, Cipher};
    for suite in SUITES {
        let p = keyed(suite);
        let key: Vec<u8> = (0..suite.key_len as u8).collect();
        let (epoch, seq, pt) = (1u16, 0x42u64, b"interop payload");
        let mut out = Vec::new();
        p.seal(
            ContentType::APPLICATION_DATA,
            0xfefd,
            epoch,
            seq,
            pt,
            &mut out,
        )
        .unwrap();
        let nonce = p.send_nonce(epoch, seq);
        let ad = aad(epoch, seq, ContentType::APPLICATION_DATA, 0xfefd, pt.len());
        let body = &out[RECORD_HEADER_LEN + suite.explicit_nonce_len..];
        if suite.aead.is_ccm() {
            let r = crate::crypto::ccm::openssl_ccm(&key, &nonce, &ad, pt, suite.tag_len);
            assert_eq!(body, &r[..], "{}", suite.openssl_name);
            continue;
        }
        let cipher = match suite.aead {
            AeadKind::Aes128Gcm => Cipher::aes_128_gcm(),
            AeadKind::Aes256Gcm => Cipher::aes_256_gcm(),
            AeadKind::Chacha20Poly1305 => Cipher::chacha20_poly1305(),
            _ => unreachable!("CCM handled above"),
        };
        let mut tag = [0u8; 16];
        let ct = encrypt_aead(cipher, &key, Some(&nonce), &ad, pt, &mut tag).unwrap();
        assert_eq!(&body[..pt.len()], &ct[..], "{}", suite.openssl_name);
        assert_eq!(&body[pt.len()..], &tag[..], "{}", suite.openssl_name);
    }
}

/// RFC 9146 records: round trip with padding, the CID and every header field are
/// authenticated, and the ciphertext equals OpenSSL's AEAD over hand-built RFC 9146 §5
/// additional data.
#[test]
fn tls12_cid_records() {
    use openssl::symm::{encrypt_aead, Cipher};
    let cid = [0xc1, 0xc2, 0xc3];
    let p = keyed(&TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    let mut out = Vec::new();
    p.seal_cid(
        ContentType::APPLICATION_DATA,
        0xfefd,
        1,
        5,
        &cid,
        b"hi",
        3,
        &mut out,
    )
    .unwrap();
    let hlen = cid_record::header_len(3);
    assert_eq!(out.len(), hlen + 8 + 2 + 1 + 3 + 16);
    let parse = |rec: &[u8]| RecordHeader {
        content_type: ContentType(rec[0]),
        version: u16::from_be_bytes([rec[1], rec[2]]),
        epoch: u16::from_be_bytes([rec[3], rec[4]]),
        sequence: u64::from_be_bytes([0, 0, rec[5], rec[6], rec[7], rec[8], rec[9], rec[10]]),
        length: u16::from_be_bytes([rec[hlen - 2], rec[hlen - 1]]),
    };
    let h = parse(&out);
    let mut body = out[hlen..].to_vec();
    let inner = p.open_cid(&h, &cid, &mut body).unwrap().to_vec();
    assert_eq!(inner, b"hi\x17\0\0\0");
    // Another CID, or a plain-record AAD, does not authenticate.
    let mut body = out[hlen..].to_vec();
    assert!(p.open_cid(&h, &[0xc1, 0xc2, 0xc4], &mut body).is_err());
    let mut body = out[hlen..].to_vec();
    assert!(p.open(&h, &mut body).is_err());
    for field in [1, 3, 10] {
        let mut t = out.clone();
        t[field] ^= 1;
        let mut body = t[hlen..].to_vec();
        assert!(p.open_cid(&parse(&t), &cid, &mut body).is_err(), "{field}");
    }
    // Independent AAD and AEAD.
    let ad = [
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 25, 3, 25, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0,
        5, 0xc1, 0xc2, 0xc3, 0, 6,
    ];
    let key: Vec<u8> = (0..16u8).collect();
    let nonce = p.send_nonce(1, 5);
    let mut tag = [0u8; 16];
    let ct = encrypt_aead(
        Cipher::aes_128_gcm(),
        &key,
        Some(&nonce),
        &ad,
        b"hi\x17\0\0\0",
        &mut tag,
    )
    .unwrap();
    assert_eq!(&out[hlen + 8..hlen + 8 + 6], &ct[..]);
    assert_eq!(&out[hlen + 14..], &tag[..]);
}

#[test]
fn gcm_nonce_is_salt_then_explicit_part() {
    // RFC 5288 §3: the 4-byte salt, then the 8-byte explicit nonce as sent.
    let salt = [0xa1, 0xa2, 0xa3, 0xa4, 0xff, 0xff];
    let explicit = 0x0102_0304_0506_0708u64;
    let mut want = vec![0xa1, 0xa2, 0xa3, 0xa4];
    want.extend_from_slice(&explicit.to_be_bytes());
    assert_eq!(gcm_nonce(&salt, explicit).to_vec(), want);
}
