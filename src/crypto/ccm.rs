//! AES-CCM and AES-CCM_8 record AEADs (RFC 6655, RFC 7251).
//!
//! ring has no CCM, so these use RustCrypto's `ccm` over `aes` (constant-time, with AES-NI
//! when the CPU has it). TLS fixes the CCM parameters (RFC 6655 §3): 12-byte nonce
//! (4-byte salt ‖ 8-byte explicit nonce, as GCM), so L = 3, and a 16-byte (CCM) or 8-byte
//! (CCM_8) tag.

use aes::{Aes128, Aes256};
use ccm::aead::{generic_array::GenericArray, AeadInPlace, KeyInit};
use ccm::consts::{U12, U16, U8};
use ccm::Ccm;

/// One keyed CCM instance; the variant fixes key size and tag length.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub enum CcmKey {
    /// AES-128-CCM, 16-byte tag.
    Aes128(Ccm<Aes128, U16, U12>),
    /// AES-256-CCM, 16-byte tag.
    Aes256(Ccm<Aes256, U16, U12>),
    /// AES-128-CCM_8, 8-byte tag.
    Aes128Tag8(Ccm<Aes128, U8, U12>),
    /// AES-256-CCM_8, 8-byte tag.
    Aes256Tag8(Ccm<Aes256, U8, U12>),
}

/// A CCM key could not be built (wrong length) or a record did not authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CcmError;

impl CcmKey {
    /// Keys CCM with `key` (16 or 32 bytes) and a tag of `tag_len` (16 or 8) bytes.
    pub fn new(key: &[u8], tag_len: usize) -> Result<Self, CcmError> {
        Ok(match (key.len(), tag_len) {
            (16, 16) => Self::Aes128(Ccm::new_from_slice(key).map_err(|_| CcmError)?),
            (32, 16) => Self::Aes256(Ccm::new_from_slice(key).map_err(|_| CcmError)?),
            (16, 8) => Self::Aes128Tag8(Ccm::new_from_slice(key).map_err(|_| CcmError)?),
            (32, 8) => Self::Aes256Tag8(Ccm::new_from_slice(key).map_err(|_| CcmError)?),
            _ => return Err(CcmError),
        })
    }

    /// Encrypts `buf` in place and appends the tag to `tag_out`.
    pub fn seal(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &mut [u8],
        tag_out: &mut Vec<u8>,
    ) -> Result<(), CcmError> {
        let n = GenericArray::from_slice(nonce);
        match self {
            Self::Aes128(c) => c
                .encrypt_in_place_detached(n, aad, buf)
                .map(|t| tag_out.extend_from_slice(&t)),
            Self::Aes256(c) => c
                .encrypt_in_place_detached(n, aad, buf)
                .map(|t| tag_out.extend_from_slice(&t)),
            Self::Aes128Tag8(c) => c
                .encrypt_in_place_detached(n, aad, buf)
                .map(|t| tag_out.extend_from_slice(&t)),
            Self::Aes256Tag8(c) => c
                .encrypt_in_place_detached(n, aad, buf)
                .map(|t| tag_out.extend_from_slice(&t)),
        }
        .map_err(|_| CcmError)
    }

    /// Decrypts `buf` (ciphertext ‖ tag) in place; returns the plaintext prefix.
    pub fn open<'b>(
        &self,
        nonce: &[u8; 12],
        aad: &[u8],
        buf: &'b mut [u8],
    ) -> Result<&'b [u8], CcmError> {
        let tag_len = self.tag_len();
        let ct_len = buf.len().checked_sub(tag_len).ok_or(CcmError)?;
        let (ct, tag) = buf.split_at_mut(ct_len);
        let n = GenericArray::from_slice(nonce);
        let tag = &*tag;
        match self {
            Self::Aes128(c) => {
                c.decrypt_in_place_detached(n, aad, ct, GenericArray::from_slice(tag))
            }
            Self::Aes256(c) => {
                c.decrypt_in_place_detached(n, aad, ct, GenericArray::from_slice(tag))
            }
            Self::Aes128Tag8(c) => {
                c.decrypt_in_place_detached(n, aad, ct, GenericArray::from_slice(tag))
            }
            Self::Aes256Tag8(c) => {
                c.decrypt_in_place_detached(n, aad, ct, GenericArray::from_slice(tag))
            }
        }
        .map_err(|_| CcmError)?;
        Ok(&buf[..ct_len])
    }

    /// Tag length in bytes.
    pub fn tag_len(&self) -> usize {
        match self {
            Self::Aes128(_) | Self::Aes256(_) => 16,
            Self::Aes128Tag8(_) | Self::Aes256Tag8(_) => 8,
        }
    }
}

/// Independent reference for tests: OpenSSL's AES-CCM with the same key, nonce and AAD;
/// returns ciphertext ‖ tag. (The `openssl` crate's `encrypt_aead` sets the tag length after
/// the key, which OpenSSL's CCM rejects, so the context is driven step by step.)
#[cfg(test)]
pub(crate) fn openssl_ccm(
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    pt: &[u8],
    tag_len: usize,
) -> Vec<u8> {
    use openssl::cipher::Cipher;
    use openssl::cipher_ctx::CipherCtx;
    let cipher = if key.len() == 16 {
        Cipher::aes_128_ccm()
    } else {
        Cipher::aes_256_ccm()
    };
    let mut ctx = CipherCtx::new().unwrap();
    ctx.encrypt_init(Some(cipher), None, None).unwrap();
    ctx.set_iv_length(nonce.len()).unwrap();
    ctx.set_tag_length(tag_len).unwrap();
    ctx.encrypt_init(None, Some(key), Some(nonce)).unwrap();
    ctx.set_data_len(pt.len()).unwrap();
    ctx.cipher_update(aad, None).unwrap();
    let mut out = vec![0u8; pt.len() + 16];
    let n = ctx.cipher_update(pt, Some(&mut out)).unwrap();
    let m = ctx.cipher_final(&mut out[n..]).unwrap();
    out.truncate(n + m);
    let mut tag = vec![0u8; tag_len];
    ctx.tag(&mut tag).unwrap();
    out.extend_from_slice(&tag);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unhex(s: &str) -> Vec<u8> {
        let s: String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// NIST SP 800-38C example 3 (the one with a 12-byte nonce, as TLS uses): the
    /// published ciphertext ‖ 8-byte tag.
    #[test]
    fn sp800_38c_example_3() {
        let key = unhex("404142434445464748494a4b4c4d4e4f");
        let nonce: [u8; 12] = unhex("101112131415161718191a1b").try_into().unwrap();
        let aad = unhex("000102030405060708090a0b0c0d0e0f10111213");
        let pt = unhex("202122232425262728292a2b2c2d2e2f3031323334353637");
        let expected = unhex("e3b201a9f5b71a7a9b1ceaeccd97e70b6176aad9a4428aa5 484392fbc1b09951");
        let k = CcmKey::new(&key, 8).unwrap();
        let mut buf = pt.clone();
        let mut tag = Vec::new();
        k.seal(&nonce, &aad, &mut buf, &mut tag).unwrap();
        buf.extend_from_slice(&tag);
        assert_eq!(buf, expected);
        assert_eq!(k.open(&nonce, &aad, &mut buf).unwrap(), &pt[..]);
    }

    #[test]
    fn every_variant_matches_openssl_and_rejects_tampering() {
        let nonce = [7u8; 12];
        let aad = [1u8; 13];
        let pt = b"CoAP-sized payload, 64 bytes or so, for the record layer test!!";
        for (klen, tlen) in [(16, 16), (32, 16), (16, 8), (32, 8)] {
            let key: Vec<u8> = (0..klen as u8).collect();
            let k = CcmKey::new(&key, tlen).unwrap();
            assert_eq!(k.tag_len(), tlen);
            let mut buf = pt.to_vec();
            let mut tag = Vec::new();
            k.seal(&nonce, &aad, &mut buf, &mut tag).unwrap();
            buf.extend_from_slice(&tag);
            assert_eq!(
                buf,
                openssl_ccm(&key, &nonce, &aad, pt, tlen),
                "{klen}/{tlen}"
            );
            for i in 0..buf.len() {
                let mut t = buf.clone();
                t[i] ^= 0x80;
                assert!(k.open(&nonce, &aad, &mut t).is_err());
            }
            let mut short = vec![0u8; tlen - 1];
            assert!(k.open(&nonce, &aad, &mut short).is_err());
            assert_eq!(k.open(&nonce, &aad, &mut buf).unwrap(), &pt[..]);
        }
        assert!(CcmKey::new(&[0; 24], 16).is_err());
        assert!(CcmKey::new(&[0; 16], 12).is_err());
    }
}
