//! AES-CBC + HMAC record protection with encrypt_then_mac (RFC 5246 §6.2.3.2 as changed by
//! RFC 7366 §3, DTLS sequence numbers per RFC 6347 §4.1.2.1).
//!
//! Record body: IV(16) ‖ AES-CBC(content ‖ padding ‖ padding_length) ‖ MAC, where
//! MAC = HMAC(mac_key, epoch ‖ sequence ‖ type ‖ version ‖ length ‖ IV ‖ ciphertext) and
//! `length` counts IV and ciphertext. The MAC is checked before anything is decrypted, so a
//! forged record learns nothing about padding (no Lucky13/POODLE-style oracle); rdtls never
//! uses MAC-then-encrypt (see `crate::deviations`).
//!
//! The chaining is a few lines over RustCrypto's `aes` block cipher (already used for CCM),
//! rather than one more crate. The explicit IV must be unpredictable (RFC 5246 §6.2.3.2): we
//! encrypt the record number under the record key, NIST SP 800-38A Appendix C's first
//! method (a nonce unique per key, enciphered with the same key), so no RNG is needed per
//! record and the IV is unpredictable to anyone without the key.

use aes::cipher::{generic_array::GenericArray, BlockDecrypt, BlockEncrypt, KeyInit};
use aes::{Aes128, Aes256};
use ring::hmac;

use crate::crypto::suites::{CipherSuite, CBC_BLOCK_LEN};

/// The AES key schedule, 128 or 256 bits. Inline, as `protection::AeadKey`: one per epoch
/// and direction, read on every record.
#[allow(clippy::large_enum_variant)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
enum Aes {
    Aes128(Aes128),
    Aes256(Aes256),
}

impl Aes {
    fn encrypt(&self, block: &mut [u8]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            Aes::Aes128(k) => k.encrypt_block(b),
            Aes::Aes256(k) => k.encrypt_block(b),
        }
    }

    fn decrypt(&self, block: &mut [u8]) {
        let b = GenericArray::from_mut_slice(block);
        match self {
            Aes::Aes128(k) => k.decrypt_block(b),
            Aes::Aes256(k) => k.decrypt_block(b),
        }
    }
}

/// One direction's CBC cipher and MAC keys.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct CbcKey {
    aes: Aes,
    mac: hmac::Key,
    mac_len: usize,
}

impl CbcKey {
    /// Keys a CBC suite: `mac_key` of the suite's MAC length, `key` of its key length.
    // Failures carry no detail: wrong key lengths are the caller's bug, reported by it.
    #[allow(clippy::result_unit_err)]
    pub fn new(suite: &CipherSuite, mac_key: &[u8], key: &[u8]) -> Result<Self, ()> {
        let mac = suite.mac.ok_or(())?;
        if mac_key.len() != mac.output_len() || key.len() != suite.key_len {
            return Err(());
        }
        let aes = match key.len() {
            16 => Aes::Aes128(Aes128::new_from_slice(key).map_err(|_| ())?),
            32 => Aes::Aes256(Aes256::new_from_slice(key).map_err(|_| ())?),
            _ => return Err(()),
        };
        Ok(Self {
            aes,
            mac: hmac::Key::new(mac.hmac_algorithm(), mac_key),
            mac_len: mac.output_len(),
        })
    }

    /// MAC length in bytes.
    pub fn mac_len(&self) -> usize {
        self.mac_len
    }

    /// Length of IV ‖ ciphertext for `plaintext_len` bytes: the smallest padding that fills
    /// the last block (1 to 16 bytes including padding_length).
    pub fn iv_and_ciphertext_len(plaintext_len: usize) -> usize {
        CBC_BLOCK_LEN + (plaintext_len / CBC_BLOCK_LEN + 1) * CBC_BLOCK_LEN
    }

    /// Record body length (IV ‖ ciphertext ‖ MAC) for `plaintext_len` bytes.
    pub fn body_len(&self, plaintext_len: usize) -> usize {
        Self::iv_and_ciphertext_len(plaintext_len) + self.mac_len
    }

    /// Appends IV ‖ ciphertext ‖ MAC for `plaintext` to `out` (which already holds the
    /// record header). `mac_header` is seq_num ‖ type ‖ version ‖ length, with `length` =
    /// [`iv_and_ciphertext_len`](Self::iv_and_ciphertext_len). No allocation beyond `out`.
    pub fn seal(&self, record_number: u64, mac_header: &[u8], plaintext: &[u8], out: &mut Vec<u8>) {
        let iv_start = out.len();
        let mut iv = [0u8; CBC_BLOCK_LEN];
        iv[..8].copy_from_slice(&record_number.to_be_bytes());
        self.aes.encrypt(&mut iv);
        out.extend_from_slice(&iv);
        out.extend_from_slice(plaintext);
        // RFC 5246 §6.2.3.2: every padding byte, and padding_length, hold padding_length.
        let total = Self::iv_and_ciphertext_len(plaintext.len());
        let pad = (iv_start + total - out.len()) as u8 - 1;
        out.resize(iv_start + total, pad);
        let mut prev = iv;
        for block in out[iv_start + CBC_BLOCK_LEN..].chunks_exact_mut(CBC_BLOCK_LEN) {
            for (b, p) in block.iter_mut().zip(prev) {
                *b ^= p;
            }
            self.aes.encrypt(block);
            prev.copy_from_slice(block);
        }
        let mut ctx = hmac::Context::with_key(&self.mac);
        ctx.update(mac_header);
        ctx.update(&out[iv_start..]);
        out.extend_from_slice(ctx.sign().as_ref());
    }

    /// Checks the MAC of `body` (IV ‖ ciphertext ‖ MAC) and only then decrypts in place;
    /// returns the content. `mac_header(len)` builds seq_num ‖ type ‖ version ‖ length for
    /// an IV ‖ ciphertext of `len` bytes. Any failure (short or misaligned body, bad MAC,
    /// bad padding) is the same `Err(())`: the caller drops the record.
    // Every cause is dropped silently and alike, so the failure carries no detail.
    #[allow(clippy::result_unit_err)]
    pub fn open<'b, H: AsRef<[u8]>>(
        &self,
        body: &'b mut [u8],
        mac_header: impl FnOnce(usize) -> H,
    ) -> Result<&'b [u8], ()> {
        let ct_len = body.len().checked_sub(self.mac_len).ok_or(())?;
        if ct_len < 2 * CBC_BLOCK_LEN || ct_len % CBC_BLOCK_LEN != 0 {
            return Err(());
        }
        let (iv_ct, tag) = body.split_at_mut(ct_len);
        let mut ctx = hmac::Context::with_key(&self.mac);
        ctx.update(mac_header(ct_len).as_ref());
        ctx.update(iv_ct);
        if !crate::crypto::constant_time_eq(ctx.sign().as_ref(), tag) {
            return Err(());
        }
        // Authenticated: decrypt from the last block back, so each block's predecessor is
        // still ciphertext when it is needed (no copy of the record).
        let blocks = ct_len / CBC_BLOCK_LEN;
        for i in (1..blocks).rev() {
            let (before, this) = iv_ct.split_at_mut(i * CBC_BLOCK_LEN);
            let block = &mut this[..CBC_BLOCK_LEN];
            self.aes.decrypt(block);
            for (b, p) in block.iter_mut().zip(&before[(i - 1) * CBC_BLOCK_LEN..]) {
                *b ^= p;
            }
        }
        let content = &iv_ct[CBC_BLOCK_LEN..];
        let pad = usize::from(content[content.len() - 1]);
        let len = content.len().checked_sub(pad + 1).ok_or(())?;
        if content[len..].iter().any(|&b| usize::from(b) != pad) {
            return Err(());
        }
        Ok(&iv_ct[CBC_BLOCK_LEN..CBC_BLOCK_LEN + len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::suites::{
        TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA, TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
        TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA, TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384,
    };

    const SUITES: [&CipherSuite; 4] = [
        &TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA,
        &TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA,
        &TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
        &TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384,
    ];

    fn keys(s: &CipherSuite) -> (Vec<u8>, Vec<u8>) {
        let mac: Vec<u8> = (0..s.mac_key_len() as u8).map(|b| b ^ 0x5c).collect();
        let key: Vec<u8> = (0..s.key_len as u8).collect();
        (mac, key)
    }

    fn hdr(len: usize) -> [u8; 13] {
        let mut h = [0, 1, 0, 0, 0, 0, 0, 7, 23, 0xfe, 0xfd, 0, 0];
        h[11..].copy_from_slice(&(len as u16).to_be_bytes());
        h
    }

    fn sealed(k: &CbcKey, pt: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let h = hdr(CbcKey::iv_and_ciphertext_len(pt.len()));
        k.seal(0x0001_0000_0000_0007, &h, pt, &mut out);
        out
    }

    #[test]
    fn padding_fills_the_last_block() {
        assert_eq!(CbcKey::iv_and_ciphertext_len(0), 32);
        assert_eq!(CbcKey::iv_and_ciphertext_len(15), 32);
        assert_eq!(CbcKey::iv_and_ciphertext_len(16), 48);
    }

    /// Independent check with OpenSSL: the ciphertext is AES-CBC (no OpenSSL padding) of
    /// content ‖ TLS padding under the IV on the wire, and the MAC is HMAC over the RFC 7366
    /// input. Every length 0..=33 exercises each padding length.
    #[test]
    fn matches_openssl_and_round_trips() {
        use openssl::hash::MessageDigest;
        use openssl::pkey::PKey;
        use openssl::sign::Signer;
        use openssl::symm::{Cipher, Crypter, Mode};
        for s in SUITES {
            let (mac_key, key) = keys(s);
            let k = CbcKey::new(s, &mac_key, &key).unwrap();
            for n in 0..=33usize {
                let pt: Vec<u8> = (0..n as u8).collect();
                let mut rec = sealed(&k, &pt);
                assert_eq!(rec.len(), k.body_len(n));
                let ct_len = rec.len() - k.mac_len();
                let (cipher, md) = match (s.key_len, s.mac_key_len()) {
                    (16, 20) => (Cipher::aes_128_cbc(), MessageDigest::sha1()),
                    (32, 20) => (Cipher::aes_256_cbc(), MessageDigest::sha1()),
                    (16, 32) => (Cipher::aes_128_cbc(), MessageDigest::sha256()),
                    _ => (Cipher::aes_256_cbc(), MessageDigest::sha384()),
                };
                let mut padded = pt.clone();
                let pad = ct_len - 16 - n;
                padded.resize(ct_len - 16, (pad - 1) as u8);
                let mut c = Crypter::new(cipher, Mode::Encrypt, &key, Some(&rec[..16])).unwrap();
                c.pad(false);
                let mut ct = vec![0u8; padded.len() + 16];
                let w = c.update(&padded, &mut ct).unwrap();
                assert_eq!(&ct[..w], &rec[16..ct_len], "{} n={n}", s.openssl_name);
                let pkey = PKey::hmac(&mac_key).unwrap();
                let mut signer = Signer::new(md, &pkey).unwrap();
                signer.update(&hdr(ct_len)).unwrap();
                signer.update(&rec[..ct_len]).unwrap();
                assert_eq!(signer.sign_to_vec().unwrap(), &rec[ct_len..]);
                assert_eq!(k.open(&mut rec, hdr).unwrap(), &pt[..]);
            }
        }
    }

    #[test]
    fn iv_is_the_enciphered_record_number() {
        let s = &TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256;
        let (mac, key) = keys(s);
        let k = CbcKey::new(s, &mac, &key).unwrap();
        let a = sealed(&k, b"x");
        let mut out = Vec::new();
        k.seal(0x0001_0000_0000_0008, &hdr(32), b"x", &mut out);
        assert_ne!(a[..16], out[..16], "a new IV per record");
        let mut iv = [0u8; 16];
        iv[..8].copy_from_slice(&0x0001_0000_0000_0007u64.to_be_bytes());
        Aes128::new_from_slice(&key)
            .unwrap()
            .encrypt_block(GenericArray::from_mut_slice(&mut iv));
        assert_eq!(a[..16], iv);
    }

    #[test]
    fn tampering_is_dropped_before_decryption() {
        for s in SUITES {
            let (mac, key) = keys(s);
            let k = CbcKey::new(s, &mac, &key).unwrap();
            let rec = sealed(&k, b"payload");
            // Any flipped bit in IV, ciphertext or MAC fails.
            for i in 0..rec.len() {
                let mut t = rec.clone();
                t[i] ^= 0x80;
                assert!(k.open(&mut t, hdr).is_err(), "{} byte {i}", s.openssl_name);
                assert_eq!(
                    t[..],
                    {
                        let mut u = rec.clone();
                        u[i] ^= 0x80;
                        u
                    }[..],
                    "nothing decrypted when the MAC fails"
                );
            }
            // Another header (type, sequence) fails too.
            let mut t = rec.clone();
            assert!(k
                .open(&mut t, |l| {
                    let mut h = hdr(l);
                    h[8] = 22;
                    h
                })
                .is_err());
        }
    }

    #[test]
    fn bad_padding_is_dropped_even_with_a_good_mac() {
        // A peer that MACs a ciphertext whose padding is wrong: authenticated, still refused.
        let s = &TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256;
        let (mac_key, key) = keys(s);
        let k = CbcKey::new(s, &mac_key, &key).unwrap();
        let aes = Aes128::new_from_slice(&key).unwrap();
        for last in [[3u8; 16], [16; 16], {
            let mut b = [2u8; 16];
            b[14] = 7;
            b
        }] {
            let iv = [9u8; 16];
            let mut block = last;
            for (b, p) in block.iter_mut().zip(iv) {
                *b ^= p;
            }
            aes.encrypt_block(GenericArray::from_mut_slice(&mut block));
            let mut rec = iv.to_vec();
            rec.extend_from_slice(&block);
            let mac = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &mac_key), &{
                let mut m = hdr(32).to_vec();
                m.extend_from_slice(&rec);
                m
            });
            rec.extend_from_slice(mac.as_ref());
            let expect_ok = last == [3u8; 16];
            assert_eq!(k.open(&mut rec, hdr).is_ok(), expect_ok, "{last:?}");
        }
    }

    /// Through `RecordProtection`, as the record layer uses it: header fields authenticated
    /// (except the length, which the body gives), CID records refused.
    #[test]
    fn record_protection_seals_and_opens_cbc() {
        use crate::codec::Reader;
        use crate::enums::ContentType;
        use crate::record::header::{RecordHeader, RECORD_HEADER_LEN};
        use crate::record::protection::RecordProtection;
        for s in SUITES {
            let (mac, key) = keys(s);
            let p = RecordProtection::with_mac_key(s, &mac, &key, &[]).unwrap();
            assert!(
                RecordProtection::new(s, &key, &[]).is_err(),
                "MAC key required"
            );
            let mut out = vec![0xee];
            p.seal(
                ContentType::APPLICATION_DATA,
                0xfefd,
                1,
                5,
                b"hello",
                &mut out,
            )
            .unwrap();
            assert_eq!(out.len(), 1 + RECORD_HEADER_LEN + k_body(s, 5));
            assert!(out.len() - 1 <= RECORD_HEADER_LEN + s.record_overhead() + 5);
            for i in (1..out.len()).filter(|i| !(12..14).contains(i)) {
                let mut t = out[1..].to_vec();
                t[i - 1] ^= 1;
                let h = RecordHeader::decode(&mut Reader::new(&t)).unwrap();
                assert!(p.open(&h, &mut t[RECORD_HEADER_LEN..]).is_err(), "byte {i}");
            }
            let mut t = out[1..].to_vec();
            let h = RecordHeader::decode(&mut Reader::new(&t)).unwrap();
            assert_eq!(p.open(&h, &mut t[RECORD_HEADER_LEN..]).unwrap(), b"hello");
            let mut cid_out = Vec::new();
            assert!(p
                .seal_cid(
                    ContentType::APPLICATION_DATA,
                    0xfefd,
                    1,
                    5,
                    &[1],
                    b"x",
                    0,
                    &mut cid_out
                )
                .is_err());
        }
    }

    fn k_body(s: &CipherSuite, n: usize) -> usize {
        CbcKey::iv_and_ciphertext_len(n) + s.mac_key_len()
    }

    #[test]
    fn wrong_lengths_are_dropped() {
        let s = &TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA;
        let (mac, key) = keys(s);
        let k = CbcKey::new(s, &mac, &key).unwrap();
        // Shorter than IV + one block + MAC, or not a whole number of blocks.
        for n in [0, 1, 20, 31 + 20, 32 + 19, 33 + 20, 47 + 20] {
            let mut body = vec![0u8; n];
            assert!(k.open(&mut body, hdr).is_err(), "{n}");
        }
        assert!(CbcKey::new(s, &mac[1..], &key).is_err());
        assert!(CbcKey::new(s, &mac, &key[1..]).is_err());
        assert!(CbcKey::new(
            &crate::crypto::suites::TLS_PSK_WITH_AES_128_GCM_SHA256,
            &[],
            &[0; 16]
        )
        .is_err());
    }
}
