//! The cipher suites rdtls implements: ECDHE key exchange with AEAD record protection only
//! (RFC 5289 AES-GCM, RFC 7905 ChaCha20-Poly1305). No CBC suites: no padding oracles.

use super::HashAlg;

/// AEAD algorithm protecting records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AeadKind {
    /// AES-128-GCM (RFC 5288).
    Aes128Gcm,
    /// AES-256-GCM (RFC 5288).
    Aes256Gcm,
    /// ChaCha20-Poly1305 (RFC 7905).
    Chacha20Poly1305,
}

/// Kind of server certificate key the suite authenticates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// ECDSA certificates (`ECDHE-ECDSA-*`).
    Ecdsa,
    /// RSA certificates (`ECDHE-RSA-*`).
    Rsa,
}

/// One TLS 1.2 cipher suite and the record-layer parameters it implies.
#[derive(Debug, PartialEq, Eq)]
pub struct CipherSuite {
    /// IANA code point.
    pub id: u16,
    /// OpenSSL's name, e.g. `ECDHE-ECDSA-AES128-GCM-SHA256`.
    pub openssl_name: &'static str,
    /// IANA name, e.g. `TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256`.
    pub iana_name: &'static str,
    /// Certificate key type.
    pub auth: AuthKind,
    /// Record AEAD.
    pub aead: AeadKind,
    /// PRF hash (RFC 5246 §5).
    pub prf: HashAlg,
    /// AEAD key length in bytes.
    pub key_len: usize,
    /// Implicit IV from the key block: 4 for GCM (RFC 5288 §3), 12 for ChaCha (RFC 7905 §2).
    pub fixed_iv_len: usize,
    /// Explicit per-record nonce on the wire: 8 for GCM, 0 for ChaCha.
    pub explicit_nonce_len: usize,
    /// AEAD tag length.
    pub tag_len: usize,
    /// Symmetric strength in bits (`SSL_CIPHER_get_bits`).
    pub bits: i32,
}

impl CipherSuite {
    /// Bytes a protected record adds beyond its header: explicit nonce + tag.
    pub fn record_overhead(&self) -> usize {
        self.explicit_nonce_len + self.tag_len
    }
}

/// Builds a suite descriptor; the AEAD fixes key, IV, nonce and tag sizes.
const fn suite(
    id: u16,
    openssl_name: &'static str,
    iana_name: &'static str,
    auth: AuthKind,
    aead: AeadKind,
) -> CipherSuite {
    let (prf, key_len, fixed_iv_len, explicit_nonce_len, bits) = match aead {
        AeadKind::Aes128Gcm => (HashAlg::Sha256, 16, 4, 8, 128),
        AeadKind::Aes256Gcm => (HashAlg::Sha384, 32, 4, 8, 256),
        AeadKind::Chacha20Poly1305 => (HashAlg::Sha256, 32, 12, 0, 256),
    };
    CipherSuite {
        id,
        openssl_name,
        iana_name,
        auth,
        aead,
        prf,
        key_len,
        fixed_iv_len,
        explicit_nonce_len,
        tag_len: 16,
        bits,
    }
}

/// 0xC02B (RFC 5289).
pub static TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: CipherSuite = suite(
    0xC02B,
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    AuthKind::Ecdsa,
    AeadKind::Aes128Gcm,
);
/// 0xC02C (RFC 5289).
pub static TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: CipherSuite = suite(
    0xC02C,
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    AuthKind::Ecdsa,
    AeadKind::Aes256Gcm,
);
/// 0xCCA9 (RFC 7905).
pub static TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: CipherSuite = suite(
    0xCCA9,
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    AuthKind::Ecdsa,
    AeadKind::Chacha20Poly1305,
);
/// 0xC02F (RFC 5289).
pub static TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: CipherSuite = suite(
    0xC02F,
    "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    AuthKind::Rsa,
    AeadKind::Aes128Gcm,
);
/// 0xC030 (RFC 5289).
pub static TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: CipherSuite = suite(
    0xC030,
    "ECDHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    AuthKind::Rsa,
    AeadKind::Aes256Gcm,
);
/// 0xCCA8 (RFC 7905).
pub static TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: CipherSuite = suite(
    0xCCA8,
    "ECDHE-RSA-CHACHA20-POLY1305",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    AuthKind::Rsa,
    AeadKind::Chacha20Poly1305,
);

/// Every suite we implement, in default preference order: OpenSSL 3.0's `DEFAULT` order
/// (strongest first; a client's offer and `-serverpref` choices match stock OpenSSL).
pub static DEFAULT_SUITES: [&CipherSuite; 6] = [
    &TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    &TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    &TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    &TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    &TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    &TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
];

/// The suite with IANA code point `id`, if we implement it.
pub fn suite_by_id(id: u16) -> Option<&'static CipherSuite> {
    DEFAULT_SUITES.iter().copied().find(|s| s.id == id)
}

/// The suite called `name` (OpenSSL or IANA spelling, case-sensitive like OpenSSL).
pub fn suite_by_name(name: &str) -> Option<&'static CipherSuite> {
    DEFAULT_SUITES
        .iter()
        .copied()
        .find(|s| s.openssl_name == name || s.iana_name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenSSL 3.0's `DEFAULT` order restricted to these suites (`openssl ciphers -v
    /// DEFAULT`): AES-256-GCM, then ChaCha20-Poly1305, then AES-128-GCM, ECDSA before RSA.
    #[test]
    fn default_order_and_ids() {
        let ids: Vec<u16> = DEFAULT_SUITES.iter().map(|s| s.id).collect();
        assert_eq!(ids, [0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC02B, 0xC02F]);
    }

    #[test]
    fn parameters_follow_the_aead() {
        for s in DEFAULT_SUITES {
            assert_eq!(s.tag_len, 16);
            match s.aead {
                AeadKind::Aes128Gcm => {
                    assert_eq!(
                        (s.key_len, s.fixed_iv_len, s.explicit_nonce_len),
                        (16, 4, 8)
                    );
                    assert_eq!(s.prf, HashAlg::Sha256);
                }
                AeadKind::Aes256Gcm => {
                    assert_eq!(
                        (s.key_len, s.fixed_iv_len, s.explicit_nonce_len),
                        (32, 4, 8)
                    );
                    assert_eq!(s.prf, HashAlg::Sha384);
                }
                AeadKind::Chacha20Poly1305 => {
                    assert_eq!(
                        (s.key_len, s.fixed_iv_len, s.explicit_nonce_len),
                        (32, 12, 0)
                    );
                    assert_eq!(s.prf, HashAlg::Sha256);
                }
            }
        }
        assert_eq!(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.record_overhead(), 24);
        assert_eq!(
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256.record_overhead(),
            16
        );
    }

    #[test]
    fn lookup_by_id_and_both_names() {
        assert_eq!(
            suite_by_id(0xCCA8),
            Some(&TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256)
        );
        assert_eq!(suite_by_id(0x002F), None);
        for s in DEFAULT_SUITES {
            assert_eq!(suite_by_name(s.openssl_name), Some(s));
            assert_eq!(suite_by_name(s.iana_name), Some(s));
        }
        assert_eq!(suite_by_name("AES128-SHA"), None);
    }
}
