//! DTLS 1.3 record protection: DTLSInnerPlaintext (RFC 9147 §4, RFC 8446 §5.2), the
//! per-record nonce (RFC 8446 §5.3), AEAD with the unified header as additional data
//! (RFC 9147 §4) and record-number encryption over the result (§4.2.3).
//!
//! Order on send: build the header with the plaintext sequence bits, seal
//! `content ‖ type ‖ zeros` with that header as AAD, then encrypt the sequence bits with a
//! mask taken from the first 16 ciphertext bytes. Receive undoes it in reverse.
//! Unlike DTLS 1.2, the nonce uses the 64-bit sequence number alone, not the epoch.

use ring::aead;

use super::key_schedule::TrafficKeys;
use super::unified_header::{self, HeaderError, RecordView, SnAlgorithm, SnKey};
use crate::crypto::ccm::CcmKey;
use crate::crypto::HashAlg;

/// RFC 8446 §5.4: TLSInnerPlaintext (content + type + padding) is at most 2^14 + 1 bytes.
pub const MAX_INNER_PLAINTEXT: usize = (1 << 14) + 1;
/// RFC 8446 §5.2: a ciphertext longer than 2^14 + 256 is a record_overflow.
pub const MAX_CIPHERTEXT: usize = (1 << 14) + 256;

/// A TLS 1.3 cipher suite usable by DTLS 1.3 (RFC 8446 §B.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suite13 {
    /// TLS_AES_128_GCM_SHA256 (0x1301).
    Aes128GcmSha256,
    /// TLS_AES_256_GCM_SHA384 (0x1302).
    Aes256GcmSha384,
    /// TLS_CHACHA20_POLY1305_SHA256 (0x1303).
    ChaCha20Poly1305Sha256,
    /// TLS_AES_128_CCM_SHA256 (0x1304).
    Aes128CcmSha256,
    /// TLS_AES_128_CCM_8_SHA256 (0x1305).
    Aes128Ccm8Sha256,
}

impl Suite13 {
    /// The suite of a wire code point.
    pub fn from_u16(v: u16) -> Option<Self> {
        Some(match v {
            0x1301 => Self::Aes128GcmSha256,
            0x1302 => Self::Aes256GcmSha384,
            0x1303 => Self::ChaCha20Poly1305Sha256,
            0x1304 => Self::Aes128CcmSha256,
            0x1305 => Self::Aes128Ccm8Sha256,
            _ => return None,
        })
    }

    /// The wire code point.
    pub fn to_u16(self) -> u16 {
        match self {
            Self::Aes128GcmSha256 => 0x1301,
            Self::Aes256GcmSha384 => 0x1302,
            Self::ChaCha20Poly1305Sha256 => 0x1303,
            Self::Aes128CcmSha256 => 0x1304,
            Self::Aes128Ccm8Sha256 => 0x1305,
        }
    }

    /// The wire code point (the name OpenSSL's `SSL_CIPHER_get_id` & 0xffff gives).
    pub fn id(self) -> u16 {
        self.to_u16()
    }

    /// The IANA name, e.g. "TLS_AES_128_GCM_SHA256" (also OpenSSL's name for it).
    pub fn name(self) -> &'static str {
        match self {
            Self::Aes128GcmSha256 => "TLS_AES_128_GCM_SHA256",
            Self::Aes256GcmSha384 => "TLS_AES_256_GCM_SHA384",
            Self::ChaCha20Poly1305Sha256 => "TLS_CHACHA20_POLY1305_SHA256",
            Self::Aes128CcmSha256 => "TLS_AES_128_CCM_SHA256",
            Self::Aes128Ccm8Sha256 => "TLS_AES_128_CCM_8_SHA256",
        }
    }

    /// The HKDF / transcript hash.
    pub fn hash(self) -> HashAlg {
        match self {
            Self::Aes256GcmSha384 => HashAlg::Sha384,
            _ => HashAlg::Sha256,
        }
    }

    /// AEAD (and `sn_key`) key length.
    pub fn key_len(self) -> usize {
        match self {
            Self::Aes256GcmSha384 | Self::ChaCha20Poly1305Sha256 => 32,
            _ => 16,
        }
    }

    /// AEAD tag length.
    pub fn tag_len(self) -> usize {
        match self {
            Self::Aes128Ccm8Sha256 => 8,
            _ => 16,
        }
    }

    /// Record-number encryption algorithm (RFC 9147 §4.2.3).
    pub fn sn_algorithm(self) -> SnAlgorithm {
        match self {
            Self::Aes256GcmSha384 => SnAlgorithm::Aes256,
            Self::ChaCha20Poly1305Sha256 => SnAlgorithm::ChaCha20,
            _ => SnAlgorithm::Aes128,
        }
    }
}

/// Why a record could not be protected or was not accepted. Every receive-side variant
/// means "drop the record silently" (RFC 9147 §4.5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtectionError {
    /// The header is malformed or the ciphertext too short for the mask sample.
    Header(HeaderError),
    /// A key of the wrong length for the suite.
    BadKey,
    /// The AEAD tag did not verify (wrong keys, wrong record-number mask, tampering).
    Unauthenticated,
    /// The inner plaintext is all zeros: no content type (RFC 8446 §5.4).
    NoContentType,
    /// Plaintext or ciphertext over the RFC 8446 §5.2/§5.4 limits.
    RecordOverflow,
}

impl From<HeaderError> for ProtectionError {
    fn from(e: HeaderError) -> Self {
        ProtectionError::Header(e)
    }
}

// Both variants are expanded AES/GHASH key schedules (hundreds of bytes); one lives per
// epoch and direction, so boxing either only adds an indirection on the record path.
#[allow(clippy::large_enum_variant)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
enum Aead {
    Ring(aead::LessSafeKey),
    Ccm(CcmKey),
}

/// One direction's record keys of one epoch (copyable in fuzzing builds only: secrets).
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct RecordKeys {
    aead: Aead,
    iv: [u8; 12],
    sn: SnKey,
    tag_len: usize,
}

impl std::fmt::Debug for RecordKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecordKeys")
    }
}

/// How a record's header is written (RFC 9147 §4: the sender chooses S, L and the CID).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderShape<'c> {
    /// The peer's CID (empty: no C bit).
    pub cid: &'c [u8],
    /// 16-bit sequence number field.
    pub seq_16: bool,
    /// Length field present (needed unless this is the datagram's last record).
    pub with_length: bool,
}

/// A record that authenticated.
#[derive(Debug, PartialEq, Eq)]
pub struct Opened<'a> {
    /// The reconstructed 64-bit sequence number.
    pub seq: u64,
    /// The inner content type.
    pub content_type: u8,
    /// The content, padding removed.
    pub content: &'a [u8],
}

impl RecordKeys {
    /// Record keys of `suite` from the key, iv and sn key of a traffic secret.
    pub fn new(suite: Suite13, keys: &TrafficKeys) -> Result<Self, ProtectionError> {
        if keys.key.len() != suite.key_len() {
            return Err(ProtectionError::BadKey);
        }
        let ring_alg = match suite {
            Suite13::Aes128GcmSha256 => Some(&aead::AES_128_GCM),
            Suite13::Aes256GcmSha384 => Some(&aead::AES_256_GCM),
            Suite13::ChaCha20Poly1305Sha256 => Some(&aead::CHACHA20_POLY1305),
            Suite13::Aes128CcmSha256 | Suite13::Aes128Ccm8Sha256 => None,
        };
        let aead = match ring_alg {
            Some(a) => Aead::Ring(aead::LessSafeKey::new(
                aead::UnboundKey::new(a, &keys.key).map_err(|_| ProtectionError::BadKey)?,
            )),
            None => Aead::Ccm(
                CcmKey::new(&keys.key, suite.tag_len()).map_err(|_| ProtectionError::BadKey)?,
            ),
        };
        let sn =
            SnKey::new(suite.sn_algorithm(), &keys.sn_key).map_err(|_| ProtectionError::BadKey)?;
        Ok(RecordKeys {
            aead,
            iv: keys.iv,
            sn,
            tag_len: suite.tag_len(),
        })
    }

    /// RFC 8446 §5.3: the 64-bit sequence number, left-padded to the iv length, XOR iv.
    pub fn nonce(&self, seq: u64) -> [u8; 12] {
        let mut n = self.iv;
        for (b, s) in n[4..].iter_mut().zip(seq.to_be_bytes()) {
            *b ^= s;
        }
        n
    }

    /// Appends one protected record to `out`: header, then the sealed
    /// `content ‖ content_type ‖ zeros(padding)`. Padding grows when needed so the
    /// ciphertext reaches the 16-byte record-number sample (RFC 9147 §4.2.3).
    #[allow(clippy::too_many_arguments)]
    pub fn seal(
        &self,
        out: &mut Vec<u8>,
        shape: HeaderShape<'_>,
        epoch: u64,
        seq: u64,
        content_type: u8,
        content: &[u8],
        padding: usize,
    ) -> Result<(), ProtectionError> {
        let min_inner = unified_header::SN_SAMPLE_LEN.saturating_sub(self.tag_len);
        let inner_len = (content.len() + 1 + padding).max(min_inner);
        if inner_len > MAX_INNER_PLAINTEXT {
            return Err(ProtectionError::RecordOverflow);
        }
        let ct_len = inner_len + self.tag_len;
        let start = out.len();
        let length = shape.with_length.then_some(ct_len);
        if let Err(e) = unified_header::encode(out, shape.cid, epoch, seq, shape.seq_16, length) {
            out.truncate(start);
            return Err(e.into());
        }
        let body = out.len();
        out.extend_from_slice(content);
        out.push(content_type);
        out.resize(body + inner_len, 0);
        let nonce = self.nonce(seq);
        let (head, inner) = out[start..].split_at_mut(body - start);
        // The tag goes through a stack buffer: no allocation on the GCM / ChaCha20 path.
        // (crate::crypto::ccm appends its tag to a Vec, so CCM allocates 16 bytes here.)
        let mut tag = [0u8; 16];
        let sealed = match &self.aead {
            Aead::Ring(k) => k
                .seal_in_place_separate_tag(
                    aead::Nonce::assume_unique_for_key(nonce),
                    aead::Aad::from(&*head),
                    inner,
                )
                .map(|t| {
                    let t = t.as_ref();
                    tag[..t.len()].copy_from_slice(t);
                    t.len()
                }),
            Aead::Ccm(k) => {
                let mut v = Vec::with_capacity(16);
                k.seal(&nonce, head, inner, &mut v)
                    .map(|()| {
                        tag[..v.len()].copy_from_slice(&v);
                        v.len()
                    })
                    .map_err(|_| ring::error::Unspecified)
            }
        };
        match sealed {
            Ok(n) => out.extend_from_slice(&tag[..n]),
            Err(_) => {
                out.truncate(start);
                return Err(ProtectionError::Unauthenticated);
            }
        }
        let view = unified_header::parse(&out[start..], shape.cid.len())?;
        self.sn.apply(&mut out[start..], &view)?;
        Ok(())
    }

    /// Deprotects `record` (exactly `view.record_len` bytes: header ‖ ciphertext) in place.
    /// `expected_seq` is one more than the highest sequence number deprotected in this
    /// epoch (RFC 9147 §4.2.2). The anti-replay check belongs to the caller, after this
    /// succeeds (RFC 9147 §4.5.1).
    pub fn open<'a>(
        &self,
        record: &'a mut [u8],
        view: &RecordView,
        expected_seq: u64,
    ) -> Result<Opened<'a>, ProtectionError> {
        let record = record
            .get_mut(..view.record_len)
            .ok_or(HeaderError::Truncated)?;
        if view.record_len - view.header_len > MAX_CIPHERTEXT {
            return Err(ProtectionError::RecordOverflow);
        }
        self.sn.apply(record, view)?;
        let off = view.seq_offset();
        let bits = if view.header.seq_16 {
            u64::from(u16::from_be_bytes([record[off], record[off + 1]]))
        } else {
            u64::from(record[off])
        };
        let seq = unified_header::reconstruct(expected_seq, bits, view.header.seq_len_bits());
        let nonce = self.nonce(seq);
        let (head, body) = record.split_at_mut(view.header_len);
        let plain: &'a mut [u8] = match &self.aead {
            Aead::Ring(k) => k
                .open_in_place(
                    aead::Nonce::assume_unique_for_key(nonce),
                    aead::Aad::from(&*head),
                    body,
                )
                .map_err(|_| ProtectionError::Unauthenticated)?,
            Aead::Ccm(k) => {
                let n = k
                    .open(&nonce, head, body)
                    .map_err(|_| ProtectionError::Unauthenticated)?
                    .len();
                &mut body[..n]
            }
        };
        let plain: &'a [u8] = plain;
        // RFC 8446 §5.4: the content type is the last non-zero byte; the rest is padding.
        let type_at = plain
            .iter()
            .rposition(|&b| b != 0)
            .ok_or(ProtectionError::NoContentType)?;
        if type_at > MAX_INNER_PLAINTEXT - 1 {
            return Err(ProtectionError::RecordOverflow);
        }
        Ok(Opened {
            seq,
            content_type: plain[type_at],
            content: &plain[..type_at],
        })
    }
}

#[cfg(test)]
#[path = "record_protection_tests.rs"]
mod tests;
