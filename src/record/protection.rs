//! AEAD record protection (RFC 5246 §6.2.3.3 as amended for DTLS by RFC 6347 §4.1.2.1).
//!
//! * AES-GCM (RFC 5288 §3): nonce = 4-byte salt (implicit IV) ‖ 8-byte explicit nonce carried
//!   at the start of the record body. We send epoch ‖ sequence as the explicit nonce: unique
//!   per key without an RNG call per record; on receipt the wire value is used as is.
//! * ChaCha20-Poly1305 (RFC 7905 §2): nonce = 12-byte IV XOR (epoch ‖ sequence) left-padded
//!   to 12 bytes; nothing explicit on the wire.
//!
//! * AES-CCM / CCM_8 (RFC 6655 §3): nonce and explicit part exactly as GCM; tag 16 or 8.
//! * AES-CBC + HMAC with encrypt_then_mac (RFC 7366): not an AEAD, in [`super::cbc`].
//!
//! Additional data: epoch(2) ‖ sequence(6) ‖ type(1) ‖ version(2) ‖ plaintext length(2);
//! for `tls12_cid` records RFC 9146 §5's longer form (`cid_record`).

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey, NONCE_LEN};
use zeroize::Zeroizing;

use super::cbc::CbcKey;
use super::cid_record;
use super::header::{RecordHeader, MAX_PLAINTEXT_LEN, MAX_SEQUENCE, RECORD_HEADER_LEN};
use crate::crypto::ccm::CcmKey;
use crate::crypto::suites::{AeadKind, CipherSuite};
use crate::enums::ContentType;
use crate::error::Error;

/// Bytes of additional authenticated data per record.
const AAD_LEN: usize = 13;

/// The keyed AEAD: ring for GCM and ChaCha20-Poly1305, RustCrypto for CCM (ring has none),
/// or CBC + HMAC. Inline, not boxed: one per epoch and direction, and a box would cost a
/// pointer chase per record for the common case.
#[allow(clippy::large_enum_variant)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
enum AeadKey {
    Ring(LessSafeKey),
    Ccm(CcmKey),
    Cbc(CbcKey),
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

/// GCM nonce: salt(4) ‖ explicit(8) (RFC 5288 §3), the explicit part as a big-endian
/// number. Written as 8 + 4 bytes, the way the nonce is then copied: a 4 + 8 layout makes
/// that copy wait for two stores to retire (a store-forwarding stall on every record).
fn gcm_nonce(salt: &[u8], explicit: u64) -> [u8; NONCE_LEN] {
    let salt = u32::from_be_bytes([salt[0], salt[1], salt[2], salt[3]]);
    let head = (u64::from(salt) << 32) | (explicit >> 32);
    let mut n = [0u8; NONCE_LEN];
    n[..8].copy_from_slice(&head.to_be_bytes());
    n[8..].copy_from_slice(&(explicit as u32).to_be_bytes());
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
pub(super) fn aad(
    epoch: u16,
    seq: u64,
    content_type: ContentType,
    version: u16,
    len: usize,
) -> [u8; AAD_LEN] {
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
        Self::with_mac_key(suite, &[], key, iv)
    }

    /// As [`new`](Self::new), plus the MAC key a CBC suite needs (`suite.mac_key_len()`
    /// bytes; empty for AEAD suites).
    pub fn with_mac_key(
        suite: &'static CipherSuite,
        mac_key: &[u8],
        key: &[u8],
        iv: &[u8],
    ) -> Result<Self, Error> {
        if key.len() != suite.key_len
            || iv.len() != suite.fixed_iv_len
            || mac_key.len() != suite.mac_key_len()
        {
            return Err(Error::Crypto("record key or IV has the wrong length"));
        }
        if suite.aead.is_cbc() {
            let key = CbcKey::new(suite, mac_key, key).map_err(|()| Error::Crypto("record key"))?;
            return Ok(Self {
                suite,
                key: AeadKey::Cbc(key),
                iv: Zeroizing::new([0u8; NONCE_LEN]),
            });
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
            _ => gcm_nonce(&self.iv[..], record_number(epoch, seq)),
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
        let body_len = match &self.key {
            AeadKey::Cbc(k) => k.body_len(plaintext.len()),
            _ => explicit + plaintext.len() + self.suite.tag_len,
        };
        let start = out.len();
        out.reserve(RECORD_HEADER_LEN + body_len);
        RecordHeader {
            content_type,
            version,
            epoch,
            sequence: seq,
            // CBC: body_len <= 16 + 2^14 + 16 + 48; AEAD: <= 2^14 + 24. Both fit in u16.
            length: body_len as u16,
        }
        .encode(out);
        if let AeadKey::Cbc(k) = &self.key {
            let mac_header = aad(epoch, seq, content_type, version, body_len - k.mac_len());
            k.seal(record_number(epoch, seq), &mac_header, plaintext, out);
            return Ok(());
        }
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
        if self.suite.aead.is_cbc() {
            // RFC 9146 §5.2's CBC form is not implemented; CIDs are not negotiated with CBC.
            return Err(Error::Crypto("connection ID records with a CBC suite"));
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
            AeadKey::Cbc(_) => Err(()),
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
        if let AeadKey::Cbc(k) = &self.key {
            // RFC 7366 §3: the MAC's length field counts IV ‖ ciphertext.
            return k.open(body, |ct_len| {
                aad(
                    header.epoch,
                    header.sequence,
                    header.content_type,
                    header.version,
                    ct_len,
                )
            });
        }
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
        if self.suite.aead.is_cbc() {
            return Err(()); // No CIDs with CBC (see seal_cid).
        }
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
                gcm_nonce(&self.iv[..], u64::from_be_bytes(*e))
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
            AeadKey::Cbc(_) => Err(()),
        }
    }
}

#[cfg(test)]
#[path = "protection_tests.rs"]
mod tests;
