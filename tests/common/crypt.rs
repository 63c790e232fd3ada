//! Test-only record protection: derives an association's traffic keys from its NSS key log
//! line and the hello randoms, so tests can decrypt captured records and forge authentic
//! ones (RFC 5246 §6.3 key block, RFC 5288 AES-GCM nonces, RFC 7905 ChaCha20-Poly1305).
//!
//! Written independently of the engine's crypto so the two check each other.

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hmac;

use super::wire::{Record, DTLS12};

/// TLS 1.2 PRF (RFC 5246 §5) with HMAC-`alg`.
pub fn prf(alg: hmac::Algorithm, secret: &[u8], label: &[u8], seed: &[u8], out: &mut [u8]) {
    let key = hmac::Key::new(alg, secret);
    let mut full_seed = label.to_vec();
    full_seed.extend_from_slice(seed);
    let mut a = hmac::sign(&key, &full_seed).as_ref().to_vec();
    let mut at = 0;
    while at < out.len() {
        let mut ctx = hmac::Context::with_key(&key);
        ctx.update(&a);
        ctx.update(&full_seed);
        let chunk = ctx.sign();
        let n = chunk.as_ref().len().min(out.len() - at);
        out[at..at + n].copy_from_slice(&chunk.as_ref()[..n]);
        at += n;
        a = hmac::sign(&key, &a).as_ref().to_vec();
    }
}

/// Parses `CLIENT_RANDOM <hex 32> <hex 48>`; returns (client_random, master_secret).
pub fn parse_keylog(line: &str) -> Option<([u8; 32], [u8; 48])> {
    let mut it = line.split_whitespace();
    if it.next()? != "CLIENT_RANDOM" {
        return None;
    }
    let cr = hex(it.next()?)?;
    let ms = hex(it.next()?)?;
    Some((cr.try_into().ok()?, ms.try_into().ok()?))
}

fn hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Which AEAD a suite uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Gcm,
    Chacha,
}

/// One direction's write keys.
pub struct DirectionKeys {
    key: LessSafeKey,
    iv: Vec<u8>,
    kind: Kind,
}

/// Both directions' epoch-1 keys of an association.
pub struct TrafficKeys {
    /// Keys the client writes with (the server reads with).
    pub client: DirectionKeys,
    /// Keys the server writes with.
    pub server: DirectionKeys,
}

/// Derives both directions' keys for suite `suite_id` (IANA code point).
pub fn derive(
    suite_id: u16,
    master: &[u8; 48],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> TrafficKeys {
    let (alg, prf_alg, key_len, iv_len, kind): (&'static aead::Algorithm, _, usize, usize, Kind) =
        match suite_id {
            0xC02B | 0xC02F => (&aead::AES_128_GCM, hmac::HMAC_SHA256, 16, 4, Kind::Gcm),
            0xC02C | 0xC030 => (&aead::AES_256_GCM, hmac::HMAC_SHA384, 32, 4, Kind::Gcm),
            0xCCA9 | 0xCCA8 => (
                &aead::CHACHA20_POLY1305,
                hmac::HMAC_SHA256,
                32,
                12,
                Kind::Chacha,
            ),
            other => panic!("suite {other:#06x} not supported by the test crypto"),
        };
    let mut seed = server_random.to_vec();
    seed.extend_from_slice(client_random);
    let mut kb = vec![0u8; 2 * key_len + 2 * iv_len];
    prf(prf_alg, master, b"key expansion", &seed, &mut kb);
    let (ck, rest) = kb.split_at(key_len);
    let (sk, rest) = rest.split_at(key_len);
    let (civ, siv) = rest.split_at(iv_len);
    let mk = |k: &[u8], iv: &[u8]| DirectionKeys {
        key: LessSafeKey::new(UnboundKey::new(alg, k).expect("key length")),
        iv: iv.to_vec(),
        kind,
    };
    TrafficKeys {
        client: mk(ck, civ),
        server: mk(sk, siv),
    }
}

impl DirectionKeys {
    fn nonce(&self, explicit: &[u8; 8]) -> Nonce {
        let mut n = [0u8; 12];
        match self.kind {
            Kind::Gcm => {
                n[..4].copy_from_slice(&self.iv);
                n[4..].copy_from_slice(explicit);
            }
            Kind::Chacha => {
                n.copy_from_slice(&self.iv);
                for i in 0..8 {
                    n[4 + i] ^= explicit[i];
                }
            }
        }
        Nonce::assume_unique_for_key(n)
    }

    fn aad(ctype: u8, version: u16, epoch: u16, seq: u64, len: usize) -> [u8; 13] {
        let mut a = [0u8; 13];
        a[..2].copy_from_slice(&epoch.to_be_bytes());
        a[2..8].copy_from_slice(&seq.to_be_bytes()[2..]);
        a[8] = ctype;
        a[9..11].copy_from_slice(&version.to_be_bytes());
        a[11..13].copy_from_slice(&(len as u16).to_be_bytes());
        a
    }

    fn seq_bytes(epoch: u16, seq: u64) -> [u8; 8] {
        let mut s = [0u8; 8];
        s[..2].copy_from_slice(&epoch.to_be_bytes());
        s[2..].copy_from_slice(&seq.to_be_bytes()[2..]);
        s
    }

    /// Encrypts `plaintext` into an authentic record of `ctype` at (epoch, seq).
    pub fn seal(&self, ctype: u8, epoch: u16, seq: u64, plaintext: &[u8]) -> Record {
        let explicit = Self::seq_bytes(epoch, seq);
        let aad = Self::aad(ctype, DTLS12, epoch, seq, plaintext.len());
        let mut buf = plaintext.to_vec();
        self.key
            .seal_in_place_append_tag(self.nonce(&explicit), Aad::from(aad), &mut buf)
            .expect("seal");
        let body = match self.kind {
            Kind::Gcm => {
                let mut b = explicit.to_vec();
                b.extend_from_slice(&buf);
                b
            }
            Kind::Chacha => buf,
        };
        Record::new(ctype, epoch, seq, body)
    }

    /// Decrypts a protected record; `None` when it does not authenticate.
    pub fn open(&self, rec: &Record) -> Option<Vec<u8>> {
        let (explicit, ct) = match self.kind {
            Kind::Gcm => {
                let e: [u8; 8] = rec.body.get(..8)?.try_into().ok()?;
                (e, rec.body.get(8..)?)
            }
            Kind::Chacha => (Self::seq_bytes(rec.epoch, rec.seq), &rec.body[..]),
        };
        let pt_len = ct.len().checked_sub(16)?;
        let aad = Self::aad(rec.ctype, rec.version, rec.epoch, rec.seq, pt_len);
        let mut buf = ct.to_vec();
        let pt = self
            .key
            .open_in_place(self.nonce(&explicit), Aad::from(aad), &mut buf)
            .ok()?;
        Some(pt.to_vec())
    }
}
