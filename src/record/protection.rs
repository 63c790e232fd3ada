//! AEAD record protection (RFC 5246 §6.2.3.3 as amended for DTLS by RFC 6347 §4.1.2.1).
//!
//! * AES-GCM (RFC 5288 §3): nonce = 4-byte salt (implicit IV) ‖ 8-byte explicit nonce carried
//!   at the start of the record body. We send epoch ‖ sequence as the explicit nonce: unique
//!   per key without an RNG call per record; on receipt the wire value is used as is.
//! * ChaCha20-Poly1305 (RFC 7905 §2): nonce = 12-byte IV XOR (epoch ‖ sequence) left-padded
//!   to 12 bytes; nothing explicit on the wire.
//!
//! * AES-CCM / CCM_8 (RFC 6655 §3): nonce and explicit part exactly as GCM; tag 16 or 8.
//!
//! Additional data: epoch(2) ‖ sequence(6) ‖ type(1) ‖ version(2) ‖ plaintext length(2);
//! for `tls12_cid` records RFC 9146 §5's longer form (`cid_record`).

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, NONCE_LEN};
use zeroize::Zeroizing;

use super::cid_record;
use super::header::{RecordHeader, MAX_PLAINTEXT_LEN, MAX_SEQUENCE, RECORD_HEADER_LEN};
use crate::crypto::ccm::CcmKey;
use crate::crypto::suites::{AeadKind, CipherSuite};
use crate::enums::ContentType;
use crate::error::Error;

/// Bytes of additional authenticated data per record.
const AAD_LEN: usize = 13;

/// The keyed AEAD: ring for GCM and ChaCha20-Poly1305, RustCrypto for CCM (ring has none).
/// Inline, not boxed: one per epoch and direction, and a box would cost a pointer chase per
/// record for the common case.
#[allow(clippy::large_enum_variant)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
enum AeadKey {
    Ring(LessSafeKey),
    Ccm(CcmKey),
}

/// Encrypts and decrypts records for one direction of one epoch.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct RecordProtection {
    suite: &'static CipherSuite,
    key: AeadKey,
    /// GCM uses the first 4 bytes as salt; ChaCha all 12.
    iv: Zeroizing<[u8; NONCE_LEN]>,
}

impl std::fmt::Debug for RecordProtection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("RecordProtection")
            .field("suite", &self.suite.openssl_name)
            .finish_non_exhaustive()
    }
}

/// 64-bit record number used for nonces and AAD: epoch(2) ‖ sequence(6) (RFC 6347 §4.1).
fn record_number(epoch: u16, seq: u64) -> u64 {
    (u64::from(epoch) << 48) | (seq & MAX_SEQUENCE)
}

/// GCM nonce: salt(4) ‖ explicit(8) (RFC 5288 §3).
fn gcm_nonce(salt: &[u8], explicit: &[u8; 8]) -> [u8; NONCE_LEN] {
    let mut n = [0u8; NONCE_LEN];
    n[..4].copy_from_slice(&salt[..4]);
    n[4..].copy_from_slice(explicit);
    n
}

/// ChaCha20-Poly1305 nonce: iv XOR (0000 ‖ epoch ‖ sequence) (RFC 7905 §2).
fn chacha_nonce(iv: &[u8; NONCE_LEN], epoch: u16, seq: u64) -> [u8; NONCE_LEN] {
    let mut n = *iv;
    for (b, r) in n[4..]
        .iter_mut()
        .zip(record_number(epoch, seq).to_be_bytes())
    {
        *b ^= r;
    }
    n
}

/// Additional data (RFC 5246 §6.2.3.3 with RFC 6347 §4.1.2.1's epoch ‖ sequence).
fn aad(epoch: u16, seq: u64, content_type: ContentType, version: u16, len: usize) -> [u8; AAD_LEN] {
    let mut a = [0u8; AAD_LEN];
    a[..8].copy_from_slice(&record_number(epoch, seq).to_be_bytes());
    a[8] = content_type.0;
    a[9..11].copy_from_slice(&version.to_be_bytes());
    // Callers bound `len` by MAX_PLAINTEXT_LEN or a u16 record length.
    a[11..13].copy_from_slice(&(len as u16).to_be_bytes());
    a
}

impl RecordProtection {
    /// Keys one direction of an epoch. `key` must be `suite.key_len` bytes and `iv`
    /// `suite.fixed_iv_len` bytes (from [`crate::crypto::prf::key_block`]).
    pub fn new(suite: &'static CipherSuite, key: &[u8], iv: &[u8]) -> Result<Self, Error> {
        if key.len() != suite.key_len || iv.len() != suite.fixed_iv_len {
            return Err(Error::Crypto("record key or IV has the wrong length"));
        }
        let ring_alg = match suite.aead {
            AeadKind::Aes128Gcm => Some(&aead::AES_128_GCM),
            AeadKind::Aes256Gcm => Some(&aead::AES_256_GCM),
            AeadKind::Chacha20Poly1305 => Some(&aead::CHACHA20_POLY1305),
            _ => None,
        };
        let key = match ring_alg {
            Some(alg) => AeadKey::Ring(LessSafeKey::new(
                UnboundKey::new(alg, key).map_err(|_| Error::Crypto("record key"))?,
            )),
            None => AeadKey::Ccm(
                CcmKey::new(key, suite.tag_len).map_err(|_| Error::Crypto("record key"))?,
            ),
        };
        let mut fixed = Zeroizing::new([0u8; NONCE_LEN]);
        fixed[..iv.len()].copy_from_slice(iv);
        Ok(Self {
            suite,
            key,
            iv: fixed,
        })
    }

    /// The suite these keys belong to.
    pub fn suite(&self) -> &'static CipherSuite {
        self.suite
    }

    /// Bytes added to each record body: explicit nonce + tag.
    pub fn overhead(&self) -> usize {
        self.suite.record_overhead()
    }

    /// The nonce for a record we send (GCM explicit part = epoch ‖ sequence).
    fn send_nonce(&self, epoch: u16, seq: u64) -> [u8; NONCE_LEN] {
        match self.suite.aead {
            AeadKind::Chacha20Poly1305 => chacha_nonce(&self.iv, epoch, seq),
            _ => gcm_nonce(&self.iv[..], &record_number(epoch, seq).to_be_bytes()),
        }
    }

    /// Appends header + explicit nonce + ciphertext + tag to `out`; copies plaintext once,
    /// encrypts in place, no other allocation. `out` is left unchanged on error.
    pub fn seal(
        &self,
        content_type: ContentType,
        version: u16,
        epoch: u16,
        seq: u64,
        plaintext: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if plaintext.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::MessageTooLarge {
                max: MAX_PLAINTEXT_LEN,
            });
        }
        if seq > MAX_SEQUENCE {
            return Err(Error::SequenceExhausted);
        }
        let explicit = self.suite.explicit_nonce_len;
        let body_len = explicit + plaintext.len() + self.suite.tag_len;
        let start = out.len();
        out.reserve(RECORD_HEADER_LEN + body_len);
        RecordHeader {
            content_type,
            version,
            epoch,
            sequence: seq,
            // body_len <= 2^14 + 24 fits in u16.
            length: body_len as u16,
        }
        .encode(out);
        if explicit > 0 {
            out.extend_from_slice(&record_number(epoch, seq).to_be_bytes());
        }
        let ct_start = out.len();
        out.extend_from_slice(plaintext);
        let ad = aad(epoch, seq, content_type, version, plaintext.len());
        self.encrypt_tail(epoch, seq, &ad, out, start, ct_start)
    }

    /// Appends a `tls12_cid` record (RFC 9146 §4): header with `cid`, then explicit nonce and
    /// the encrypted DTLSInnerPlaintext (plaintext ‖ real type ‖ `padding` zero bytes) and
    /// tag, authenticated with RFC 9146 §5's additional data. Copies plaintext once;
    /// `out` is left unchanged on error.
    #[allow(clippy::too_many_arguments)]
    pub fn seal_cid(
        &self,
        real_type: ContentType,
        version: u16,
        epoch: u16,
        seq: u64,
        cid: &[u8],
        plaintext: &[u8],
        padding: usize,
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        let inner_len = plaintext.len() + 1 + padding;
        // The content obeys the 2^14 limit; type and padding may add up to 256 (as RFC 8446
        // §5.4 allows TLSInnerPlaintext).
        if plaintext.len() > MAX_PLAINTEXT_LEN
            || inner_len > cid_record::MAX_INNER_LEN
            || cid.len() > crate::cid::MAX_CID_LEN
        {
            return Err(Error::MessageTooLarge {
                max: MAX_PLAINTEXT_LEN,
            });
        }
        if seq > MAX_SEQUENCE {
            return Err(Error::SequenceExhausted);
        }
        let explicit = self.suite.explicit_nonce_len;
        let body_len = explicit + inner_len + self.suite.tag_len;
        let start = out.len();
        out.reserve(cid_record::header_len(cid.len()) + body_len);
        // body_len <= 2^14 + 24 fits in u16.
        cid_record::encode_header(out, version, epoch, seq, cid, body_len as u16);
        if explicit > 0 {
            out.extend_from_slice(&record_number(epoch, seq).to_be_bytes());
        }
        let ct_start = out.len();
        out.extend_from_slice(plaintext);
        out.push(real_type.0);
        out.resize(out.len() + padding, 0);
        let ad = cid_record::Aad::new(version, epoch, seq, cid, inner_len);
        self.encrypt_tail(epoch, seq, ad.as_ref(), out, start, ct_start)
    }

    /// Encrypts `out[ct_start..]` in place and appends the tag; on failure truncates `out`
    /// back to `start`.
    fn encrypt_tail(
        &self,
        epoch: u16,
        seq: u64,
        ad: &[u8],
        out: &mut Vec<u8>,
        start: usize,
        ct_start: usize,
    ) -> Result<(), Error> {
        let nonce = self.send_nonce(epoch, seq);
        let sealed = match &self.key {
            AeadKey::Ring(k) => k
                .seal_in_place_separate_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(ad),
                    &mut out[ct_start..],
                )
                .map(|tag| out.extend_from_slice(tag.as_ref()))
                .map_err(|_| ()),
            AeadKey::Ccm(k) => {
                let mut tag = Vec::with_capacity(16);
                let r = k.seal(&nonce, ad, &mut out[ct_start..], &mut tag);
                out.extend_from_slice(&tag);
                r.map_err(|_| ())
            }
        };
        sealed.map_err(|()| {
            out.truncate(start);
            Error::Crypto("record encryption")
        })
    }

    /// Decrypts `body` (everything after the 13-byte header) in place; returns the plaintext
    /// sub-slice. Fails on a short body or a bad tag; the caller drops the record silently.
    // The failure carries no detail on purpose: every cause is dropped silently and alike.
    #[allow(clippy::result_unit_err)]
    pub fn open<'b>(&self, header: &RecordHeader, body: &'b mut [u8]) -> Result<&'b [u8], ()> {
        self.open_with(header, body, |pt_len| {
            aad(
                header.epoch,
                header.sequence,
                header.content_type,
                header.version,
                pt_len,
            )
        })
    }

    /// Decrypts the body of a `tls12_cid` record whose header carried `cid`, authenticating
    /// RFC 9146 §5's additional data. Returns the whole DTLSInnerPlaintext (content ‖ real
    /// type ‖ padding); [`cid_record::split_inner`] takes it apart.
    #[allow(clippy::result_unit_err)]
    pub fn open_cid<'b>(
        &self,
        header: &RecordHeader,
        cid: &[u8],
        body: &'b mut [u8],
    ) -> Result<&'b [u8], ()> {
        self.open_with(header, body, |inner_len| {
            cid_record::Aad::new(
                header.version,
                header.epoch,
                header.sequence,
                cid,
                inner_len,
            )
        })
    }

    fn open_with<'b, A: AsRef<[u8]>>(
        &self,
        header: &RecordHeader,
        body: &'b mut [u8],
        make_aad: impl FnOnce(usize) -> A,
    ) -> Result<&'b [u8], ()> {
        let explicit = self.suite.explicit_nonce_len;
        let pt_len = body
            .len()
            .checked_sub(explicit + self.suite.tag_len)
            .ok_or(())?;
        let (nonce_part, ciphertext) = body.split_at_mut(explicit);
        let nonce = match self.suite.aead {
            AeadKind::Chacha20Poly1305 => chacha_nonce(&self.iv, header.epoch, header.sequence),
            _ => {
                let e: &[u8; 8] = (&*nonce_part).try_into().map_err(|_| ())?;
                gcm_nonce(&self.iv[..], e)
            }
        };
        let ad = make_aad(pt_len);
        match &self.key {
            AeadKey::Ring(k) => k
                .open_in_place(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(ad.as_ref()),
                    ciphertext,
                )
                .map(|pt| &*pt)
                .map_err(|_| ()),
            AeadKey::Ccm(k) => k.open(&nonce, ad.as_ref(), ciphertext).map_err(|_| ()),
        }
    }
}

#[cfg(test)]
mod tests {
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
        let q = RecordProtection::new(&TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, &[9; 16], &[1; 4])
            .unwrap();
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
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 25, 3, 25, 0xfe, 0xfd, 0, 1, 0, 0, 0,
            0, 0, 5, 0xc1, 0xc2, 0xc3, 0, 6,
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
}
