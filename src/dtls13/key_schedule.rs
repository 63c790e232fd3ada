//! The TLS 1.3 key schedule (RFC 8446 §7.1) with DTLS 1.3's label prefix (RFC 9147 §5.9).
//!
//! DTLS 1.3 reuses TLS 1.3's schedule unchanged except that every `HkdfLabel.label` starts
//! with `"dtls13"` instead of `"tls13 "` (RFC 9147 §5.9), so a DTLS 1.3 secret never equals
//! the TLS 1.3 secret of the same inputs. The prefix is a field of [`KeySchedule`] so the
//! very same code is checked against RFC 8448's TLS 1.3 traces ([`TLS13_LABEL_PREFIX`]) and
//! against an independent DTLS 1.3 peer ([`DTLS13_LABEL_PREFIX`], `tests/dimpl_interop.rs`).
//!
//! HKDF-Extract is HMAC(salt, IKM) (RFC 5869 §2.2), computed with `ring::hmac` so the secret
//! bytes stay available (traffic secrets are re-derived on key update, RFC 8446 §7.2);
//! HKDF-Expand is `ring::hkdf`.

use ring::{hkdf, hmac};
use zeroize::Zeroize;

use crate::crypto::HashAlg;

/// RFC 9147 §5.9: the label prefix of DTLS 1.3 (six bytes, no trailing space).
pub const DTLS13_LABEL_PREFIX: &[u8] = b"dtls13";
/// RFC 8446 §7.1: the label prefix of TLS 1.3 (used to check against RFC 8448's traces).
pub const TLS13_LABEL_PREFIX: &[u8] = b"tls13 ";

/// RFC 8446 §7.1 Derive-Secret labels.
pub mod labels {
    /// `binder_key` of an external PSK.
    pub const EXT_BINDER: &[u8] = b"ext binder";
    /// `binder_key` of a resumption PSK.
    pub const RES_BINDER: &[u8] = b"res binder";
    /// `client_early_traffic_secret` (0-RTT, epoch 1).
    pub const C_E_TRAFFIC: &[u8] = b"c e traffic";
    /// `early_exporter_master_secret`.
    pub const E_EXP_MASTER: &[u8] = b"e exp master";
    /// The salt of the next Extract.
    pub const DERIVED: &[u8] = b"derived";
    /// `client_handshake_traffic_secret` (epoch 2).
    pub const C_HS_TRAFFIC: &[u8] = b"c hs traffic";
    /// `server_handshake_traffic_secret` (epoch 2).
    pub const S_HS_TRAFFIC: &[u8] = b"s hs traffic";
    /// `client_application_traffic_secret_0` (epoch 3).
    pub const C_AP_TRAFFIC: &[u8] = b"c ap traffic";
    /// `server_application_traffic_secret_0` (epoch 3).
    pub const S_AP_TRAFFIC: &[u8] = b"s ap traffic";
    /// `exporter_master_secret`.
    pub const EXP_MASTER: &[u8] = b"exp master";
    /// `resumption_master_secret`.
    pub const RES_MASTER: &[u8] = b"res master";
}

/// Largest hash output (SHA-384).
pub const MAX_HASH_LEN: usize = 48;

/// A secret of the schedule (one hash length), wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    bytes: [u8; MAX_HASH_LEN],
    len: usize,
}

impl Secret {
    fn from_slice(b: &[u8]) -> Self {
        let mut bytes = [0u8; MAX_HASH_LEN];
        bytes[..b.len()].copy_from_slice(b);
        Secret {
            bytes,
            len: b.len(),
        }
    }

    /// A secret from its bytes (at most [`MAX_HASH_LEN`]), e.g. a resumption secret
    /// restored from a session.
    pub fn from_bytes(b: &[u8]) -> Result<Self, KeyScheduleError> {
        if b.len() > MAX_HASH_LEN {
            return Err(KeyScheduleError::WrongLength);
        }
        Ok(Secret::from_slice(b))
    }

    /// The secret's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({} bytes)", self.len)
    }
}

/// Why an HKDF-Expand-Label could not be computed (caller errors; never network input).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScheduleError {
    /// `prefix ‖ label` is longer than 255 bytes (RFC 8446 §7.1: `opaque label<7..255>`).
    LabelTooLong,
    /// The context is longer than 255 bytes (`opaque context<0..255>`).
    ContextTooLong,
    /// More than 255 × Hash.length bytes, or more than 65535 (RFC 5869 §2.3, `uint16 length`).
    OutputTooLong,
    /// A secret or transcript hash whose length is not Hash.length.
    WrongLength,
}

/// Per-epoch record keys (RFC 8446 §7.3, RFC 9147 §4.2.3), wiped on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct TrafficKeys {
    /// `[sender]_write_key`.
    pub key: Vec<u8>,
    /// `[sender]_write_iv` (12 bytes for every TLS 1.3 suite).
    pub iv: [u8; 12],
    /// `[sender]_sn_key`: the record-number encryption key, same length as `key`.
    pub sn_key: Vec<u8>,
}

impl Drop for TrafficKeys {
    fn drop(&mut self) {
        self.key.zeroize();
        self.iv.zeroize();
        self.sn_key.zeroize();
    }
}

impl std::fmt::Debug for TrafficKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TrafficKeys(key {} bytes)", self.key.len())
    }
}

/// HKDF output length as a `ring::hkdf::KeyType`.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// The key schedule of one hash function and one label prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeySchedule {
    hash: HashAlg,
    prefix: &'static [u8],
}

impl KeySchedule {
    /// The DTLS 1.3 schedule (RFC 9147 §5.9) of a suite's hash.
    pub fn dtls13(hash: HashAlg) -> Self {
        KeySchedule {
            hash,
            prefix: DTLS13_LABEL_PREFIX,
        }
    }

    /// The TLS 1.3 schedule (RFC 8446 §7.1); exists to check against RFC 8448.
    pub fn tls13(hash: HashAlg) -> Self {
        KeySchedule {
            hash,
            prefix: TLS13_LABEL_PREFIX,
        }
    }

    /// The hash function.
    pub fn hash(&self) -> HashAlg {
        self.hash
    }

    fn hkdf_alg(&self) -> hkdf::Algorithm {
        match self.hash {
            HashAlg::Sha256 => hkdf::HKDF_SHA256,
            HashAlg::Sha384 => hkdf::HKDF_SHA384,
        }
    }

    /// Hash("") (the context of Derive-Secret(., "derived", "") and of binder keys), a
    /// constant: SHA-256 and SHA-384 of the empty string (FIPS 180-4).
    pub fn empty_hash(&self) -> &'static [u8] {
        const SHA256_EMPTY: [u8; 32] = [
            0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f,
            0xb9, 0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b,
            0x78, 0x52, 0xb8, 0x55,
        ];
        const SHA384_EMPTY: [u8; 48] = [
            0x38, 0xb0, 0x60, 0xa7, 0x51, 0xac, 0x96, 0x38, 0x4c, 0xd9, 0x32, 0x7e, 0xb1, 0xb1,
            0xe3, 0x6a, 0x21, 0xfd, 0xb7, 0x11, 0x14, 0xbe, 0x07, 0x43, 0x4c, 0x0c, 0xc7, 0xbf,
            0x63, 0xf6, 0xe1, 0xda, 0x27, 0x4e, 0xde, 0xbf, 0xe7, 0x6f, 0x65, 0xfb, 0xd5, 0x1a,
            0xd2, 0xf1, 0x48, 0x98, 0xb9, 0x5b,
        ];
        match self.hash {
            HashAlg::Sha256 => &SHA256_EMPTY,
            HashAlg::Sha384 => &SHA384_EMPTY,
        }
    }

    /// Transcript-Hash / Hash(data).
    pub fn transcript_hash(&self, data: &[u8]) -> Secret {
        Secret::from_slice(ring::digest::digest(self.hash.digest_algorithm(), data).as_ref())
    }

    /// HKDF-Extract(salt, IKM) = HMAC-Hash(salt, IKM) (RFC 5869 §2.2). An empty salt is the
    /// same key as Hash.length zeros, since HMAC pads its key with zeros.
    pub fn extract(&self, salt: &[u8], ikm: &[u8]) -> Secret {
        let key = hmac::Key::new(self.hash.hmac_algorithm(), salt);
        Secret::from_slice(hmac::sign(&key, ikm).as_ref())
    }

    /// HKDF-Expand-Label(Secret, Label, Context, out.len()) (RFC 8446 §7.1), with this
    /// schedule's prefix prepended to `label`.
    pub fn expand_label(
        &self,
        secret: &[u8],
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), KeyScheduleError> {
        self.expand_label_prk(&self.prk(secret)?, label, context, out)
    }

    /// `secret` as HKDF's PRK: the HMAC key every expansion of it starts from (setting it
    /// up costs as much as one expansion, so expansions of one secret share it).
    fn prk(&self, secret: &[u8]) -> Result<hkdf::Prk, KeyScheduleError> {
        if secret.len() != self.hash.output_len() {
            return Err(KeyScheduleError::WrongLength);
        }
        Ok(hkdf::Prk::new_less_safe(self.hkdf_alg(), secret))
    }

    /// [`Self::expand_label`] from the PRK of the secret.
    fn expand_label_prk(
        &self,
        prk: &hkdf::Prk,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), KeyScheduleError> {
        let full_label_len = self.prefix.len() + label.len();
        if full_label_len > 255 {
            return Err(KeyScheduleError::LabelTooLong);
        }
        if context.len() > 255 {
            return Err(KeyScheduleError::ContextTooLong);
        }
        if out.len() > 255 * self.hash.output_len() || out.len() > usize::from(u16::MAX) {
            return Err(KeyScheduleError::OutputTooLong);
        }
        // struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel;
        // built in one buffer: HMAC takes it in one update.
        let mut info = [0u8; 2 + 1 + 255 + 1 + 255];
        let mut n = 0;
        for part in [
            &(out.len() as u16).to_be_bytes()[..],
            &[full_label_len as u8],
            self.prefix,
            label,
            &[context.len() as u8],
            context,
        ] {
            info[n..n + part.len()].copy_from_slice(part);
            n += part.len();
        }
        let info = [&info[..n]];
        let okm = prk
            .expand(&info, Len(out.len()))
            .map_err(|_| KeyScheduleError::OutputTooLong)?;
        okm.fill(out).map_err(|_| KeyScheduleError::OutputTooLong)
    }

    /// One-hash-length HKDF-Expand-Label.
    fn expand_secret(
        &self,
        secret: &Secret,
        label: &[u8],
        context: &[u8],
    ) -> Result<Secret, KeyScheduleError> {
        let mut out = [0u8; MAX_HASH_LEN];
        let n = self.hash.output_len();
        let r = self.expand_label(secret.as_bytes(), label, context, &mut out[..n]);
        let s = Secret::from_slice(&out[..n]);
        out.zeroize();
        r.map(|()| s)
    }

    /// Derive-Secret(Secret, Label, Messages) given Transcript-Hash(Messages)
    /// (RFC 8446 §7.1).
    pub fn derive_secret(
        &self,
        secret: &Secret,
        label: &[u8],
        transcript_hash: &[u8],
    ) -> Result<Secret, KeyScheduleError> {
        if transcript_hash.len() != self.hash.output_len() {
            return Err(KeyScheduleError::WrongLength);
        }
        self.expand_secret(secret, label, transcript_hash)
    }

    /// Early Secret = HKDF-Extract(0, PSK), with Hash.length zeros when there is no PSK.
    pub fn early_secret(&self, psk: Option<&[u8]>) -> Secret {
        let zeros = [0u8; MAX_HASH_LEN];
        let n = self.hash.output_len();
        self.extract(&zeros[..n], psk.unwrap_or(&zeros[..n]))
    }

    /// Derive-Secret(previous, "derived", "") — the salt of the next Extract.
    fn derived(&self, previous: &Secret) -> Result<Secret, KeyScheduleError> {
        self.derive_secret(previous, labels::DERIVED, self.empty_hash())
    }

    /// Handshake Secret = HKDF-Extract(Derive-Secret(Early, "derived", ""), (EC)DHE).
    pub fn handshake_secret(
        &self,
        early: &Secret,
        shared_secret: &[u8],
    ) -> Result<Secret, KeyScheduleError> {
        Ok(self.extract(self.derived(early)?.as_bytes(), shared_secret))
    }

    /// Master Secret = HKDF-Extract(Derive-Secret(Handshake, "derived", ""), 0).
    pub fn master_secret(&self, handshake: &Secret) -> Result<Secret, KeyScheduleError> {
        let zeros = [0u8; MAX_HASH_LEN];
        Ok(self.extract(
            self.derived(handshake)?.as_bytes(),
            &zeros[..self.hash.output_len()],
        ))
    }

    /// The record keys of a traffic secret: `key` and `iv` (RFC 8446 §7.3) and the record
    /// number key `sn` (RFC 9147 §4.2.3), `key_len` bytes like the write key.
    pub fn traffic_keys(
        &self,
        traffic_secret: &Secret,
        key_len: usize,
    ) -> Result<TrafficKeys, KeyScheduleError> {
        let prk = self.prk(traffic_secret.as_bytes())?;
        let mut keys = TrafficKeys {
            key: vec![0; key_len],
            iv: [0; 12],
            sn_key: vec![0; key_len],
        };
        self.expand_label_prk(&prk, b"key", b"", &mut keys.key)?;
        self.expand_label_prk(&prk, b"iv", b"", &mut keys.iv)?;
        self.expand_label_prk(&prk, b"sn", b"", &mut keys.sn_key)?;
        Ok(keys)
    }

    /// finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length) (RFC 8446 §4.4.4).
    pub fn finished_key(&self, base_key: &Secret) -> Result<Secret, KeyScheduleError> {
        self.expand_secret(base_key, b"finished", b"")
    }

    /// verify_data = HMAC(finished_key, Transcript-Hash(...)) (RFC 8446 §4.4.4); also the
    /// PSK binder over the truncated ClientHello's hash (§4.2.11.2).
    pub fn verify_data(&self, finished_key: &Secret, transcript_hash: &[u8]) -> Secret {
        let key = hmac::Key::new(self.hash.hmac_algorithm(), finished_key.as_bytes());
        Secret::from_slice(hmac::sign(&key, transcript_hash).as_ref())
    }

    /// application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "",
    /// Hash.length) (RFC 8446 §7.2; RFC 9147 §8: one epoch per update).
    pub fn next_traffic_secret(&self, current: &Secret) -> Result<Secret, KeyScheduleError> {
        self.expand_secret(current, b"traffic upd", b"")
    }

    /// The per-ticket PSK = HKDF-Expand-Label(resumption_master_secret, "resumption",
    /// ticket_nonce, Hash.length) (RFC 8446 §4.6.1).
    pub fn resumption_psk(
        &self,
        resumption_master: &Secret,
        ticket_nonce: &[u8],
    ) -> Result<Secret, KeyScheduleError> {
        self.expand_secret(resumption_master, b"resumption", ticket_nonce)
    }

    /// TLS-Exporter(label, context_value, key_length) = HKDF-Expand-Label(
    /// Derive-Secret(exporter_master_secret, label, ""), "exporter", Hash(context_value),
    /// key_length) (RFC 8446 §7.5). RFC 8446 treats an absent context as empty.
    pub fn export(
        &self,
        exporter_master: &Secret,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), KeyScheduleError> {
        let secret = self.derive_secret(exporter_master, label, self.empty_hash())?;
        let ctx_hash = self.transcript_hash(context);
        self.expand_label(secret.as_bytes(), b"exporter", ctx_hash.as_bytes(), out)
    }
}

#[cfg(test)]
#[path = "key_schedule_tests.rs"]
mod tests;
