//! The cipher suites rdtls implements: ECDHE key exchange with AEAD record protection
//! (RFC 5289 AES-GCM, RFC 7905 ChaCha20-Poly1305, RFC 7251 AES-CCM), PSK key exchanges
//! (RFC 4279, RFC 5489), and the four ECDHE-PSK AES-CBC suites OpenSSL 3.0 offers (RFC 5489
//! §3.2/§4), which rdtls negotiates only with encrypt_then_mac (RFC 7366): no padding oracle.

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
    /// AES-128-CCM, 16-byte tag (RFC 6655).
    Aes128Ccm,
    /// AES-256-CCM, 16-byte tag (RFC 6655).
    Aes256Ccm,
    /// AES-128-CCM_8, 8-byte tag (RFC 6655).
    Aes128Ccm8,
    /// AES-256-CCM_8, 8-byte tag (RFC 6655).
    Aes256Ccm8,
    /// AES-128-CBC with an HMAC (RFC 5246 §6.2.3.2), only with encrypt_then_mac (RFC 7366).
    Aes128Cbc,
    /// AES-256-CBC with an HMAC, only with encrypt_then_mac.
    Aes256Cbc,
}

impl AeadKind {
    /// True for the AES-CCM family (RFC 6655), served by [`super::ccm`] rather than ring.
    pub fn is_ccm(self) -> bool {
        matches!(
            self,
            AeadKind::Aes128Ccm | AeadKind::Aes256Ccm | AeadKind::Aes128Ccm8 | AeadKind::Aes256Ccm8
        )
    }

    /// True for AES-CBC + HMAC ([`crate::record::cbc`]), the only non-AEAD protection.
    pub fn is_cbc(self) -> bool {
        matches!(self, AeadKind::Aes128Cbc | AeadKind::Aes256Cbc)
    }
}

/// HMAC of a CBC suite's records (RFC 5246 §6.2.3.2); AEAD suites have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MacAlg {
    /// HMAC-SHA1 (the `...-SHA` suites).
    Sha1,
    /// HMAC-SHA256.
    Sha256,
    /// HMAC-SHA384.
    Sha384,
}

impl MacAlg {
    /// MAC (and MAC key) length in bytes: RFC 5246 §6.2.3.1 uses the full HMAC output.
    pub const fn output_len(self) -> usize {
        match self {
            MacAlg::Sha1 => 20,
            MacAlg::Sha256 => 32,
            MacAlg::Sha384 => 48,
        }
    }

    /// The matching `ring` HMAC algorithm.
    pub fn hmac_algorithm(self) -> ring::hmac::Algorithm {
        match self {
            MacAlg::Sha1 => ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
            MacAlg::Sha256 => ring::hmac::HMAC_SHA256,
            MacAlg::Sha384 => ring::hmac::HMAC_SHA384,
        }
    }
}

/// Kind of server certificate key the suite authenticates with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthKind {
    /// ECDSA certificates (`ECDHE-ECDSA-*`).
    Ecdsa,
    /// RSA certificates (`ECDHE-RSA-*`).
    Rsa,
    /// Plain pre-shared key, no certificate, no ECDHE (RFC 4279 `PSK-*`).
    Psk,
    /// ECDHE key agreement authenticated by a pre-shared key (RFC 5489 `ECDHE-PSK-*`).
    EcdhePsk,
}

impl AuthKind {
    /// True for the suites authenticated by a pre-shared key (no certificate).
    pub fn is_psk(self) -> bool {
        matches!(self, AuthKind::Psk | AuthKind::EcdhePsk)
    }
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
    /// Record HMAC of a CBC suite (`None` for AEAD suites); its key comes first in the key
    /// block (RFC 5246 §6.3).
    pub mac: Option<MacAlg>,
}

impl CipherSuite {
    /// Bytes a protected record adds beyond its header, at most: explicit nonce + tag, or
    /// for CBC the explicit IV (16), up to a block of padding and the MAC.
    pub fn record_overhead(&self) -> usize {
        match self.mac {
            Some(mac) => self.explicit_nonce_len + CBC_BLOCK_LEN + mac.output_len(),
            None => self.explicit_nonce_len + self.tag_len,
        }
    }

    /// MAC key length in the key block (0 for AEAD suites).
    pub fn mac_key_len(&self) -> usize {
        self.mac.map_or(0, MacAlg::output_len)
    }
}

/// AES block size: the CBC explicit IV length and padding unit.
pub const CBC_BLOCK_LEN: usize = 16;

/// Builds a suite descriptor; the AEAD fixes key, IV, nonce and tag sizes.
const fn suite(
    id: u16,
    openssl_name: &'static str,
    iana_name: &'static str,
    auth: AuthKind,
    aead: AeadKind,
) -> CipherSuite {
    // CCM (RFC 6655 §3): salt and explicit nonce as GCM; every CCM suite uses the SHA-256 PRF.
    let (prf, key_len, fixed_iv_len, explicit_nonce_len, tag_len, bits) = match aead {
        AeadKind::Aes128Gcm => (HashAlg::Sha256, 16, 4, 8, 16, 128),
        AeadKind::Aes256Gcm => (HashAlg::Sha384, 32, 4, 8, 16, 256),
        AeadKind::Chacha20Poly1305 => (HashAlg::Sha256, 32, 12, 0, 16, 256),
        AeadKind::Aes128Ccm => (HashAlg::Sha256, 16, 4, 8, 16, 128),
        AeadKind::Aes256Ccm => (HashAlg::Sha256, 32, 4, 8, 16, 256),
        AeadKind::Aes128Ccm8 => (HashAlg::Sha256, 16, 4, 8, 8, 128),
        AeadKind::Aes256Ccm8 => (HashAlg::Sha256, 32, 4, 8, 8, 256),
        // CBC (RFC 5246 §6.2.3.2): a 16-byte explicit IV per record, no implicit IV; the
        // tag length is unused (the MAC is `mac`); `cbc_suite` sets PRF and MAC.
        AeadKind::Aes128Cbc => (HashAlg::Sha256, 16, 0, CBC_BLOCK_LEN, 0, 128),
        AeadKind::Aes256Cbc => (HashAlg::Sha256, 32, 0, CBC_BLOCK_LEN, 0, 256),
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
        tag_len,
        bits,
        mac: None,
    }
}

/// Builds a CBC suite descriptor: `suite`'s sizes plus the record MAC and PRF hash (RFC 5489
/// §4 / RFC 5246 §5: SHA-256 for the `_SHA` and `_SHA256` suites, SHA-384 for `_SHA384`).
const fn cbc_suite(
    id: u16,
    openssl_name: &'static str,
    iana_name: &'static str,
    aead: AeadKind,
    mac: MacAlg,
) -> CipherSuite {
    let mut s = suite(id, openssl_name, iana_name, AuthKind::EcdhePsk, aead);
    s.mac = Some(mac);
    s.prf = match mac {
        MacAlg::Sha384 => HashAlg::Sha384,
        _ => HashAlg::Sha256,
    };
    s
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

/// 0xC0AC (RFC 7251).
pub static TLS_ECDHE_ECDSA_WITH_AES_128_CCM: CipherSuite = suite(
    0xC0AC,
    "ECDHE-ECDSA-AES128-CCM",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CCM",
    AuthKind::Ecdsa,
    AeadKind::Aes128Ccm,
);
/// 0xC0AD (RFC 7251).
pub static TLS_ECDHE_ECDSA_WITH_AES_256_CCM: CipherSuite = suite(
    0xC0AD,
    "ECDHE-ECDSA-AES256-CCM",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CCM",
    AuthKind::Ecdsa,
    AeadKind::Aes256Ccm,
);
/// 0xC0AE (RFC 7251; mandatory in the RFC 7925 IoT profile).
pub static TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8: CipherSuite = suite(
    0xC0AE,
    "ECDHE-ECDSA-AES128-CCM8",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8",
    AuthKind::Ecdsa,
    AeadKind::Aes128Ccm8,
);
/// 0xC0AF (RFC 7251).
pub static TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8: CipherSuite = suite(
    0xC0AF,
    "ECDHE-ECDSA-AES256-CCM8",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8",
    AuthKind::Ecdsa,
    AeadKind::Aes256Ccm8,
);

/// 0x00A8 (RFC 5487).
pub static TLS_PSK_WITH_AES_128_GCM_SHA256: CipherSuite = suite(
    0x00A8,
    "PSK-AES128-GCM-SHA256",
    "TLS_PSK_WITH_AES_128_GCM_SHA256",
    AuthKind::Psk,
    AeadKind::Aes128Gcm,
);
/// 0x00A9 (RFC 5487).
pub static TLS_PSK_WITH_AES_256_GCM_SHA384: CipherSuite = suite(
    0x00A9,
    "PSK-AES256-GCM-SHA384",
    "TLS_PSK_WITH_AES_256_GCM_SHA384",
    AuthKind::Psk,
    AeadKind::Aes256Gcm,
);
/// 0xC0A4 (RFC 6655).
pub static TLS_PSK_WITH_AES_128_CCM: CipherSuite = suite(
    0xC0A4,
    "PSK-AES128-CCM",
    "TLS_PSK_WITH_AES_128_CCM",
    AuthKind::Psk,
    AeadKind::Aes128Ccm,
);
/// 0xC0A5 (RFC 6655).
pub static TLS_PSK_WITH_AES_256_CCM: CipherSuite = suite(
    0xC0A5,
    "PSK-AES256-CCM",
    "TLS_PSK_WITH_AES_256_CCM",
    AuthKind::Psk,
    AeadKind::Aes256Ccm,
);
/// 0xC0A8 (RFC 6655; mandatory in the RFC 7925 IoT profile).
pub static TLS_PSK_WITH_AES_128_CCM_8: CipherSuite = suite(
    0xC0A8,
    "PSK-AES128-CCM8",
    "TLS_PSK_WITH_AES_128_CCM_8",
    AuthKind::Psk,
    AeadKind::Aes128Ccm8,
);
/// 0xC0A9 (RFC 6655).
pub static TLS_PSK_WITH_AES_256_CCM_8: CipherSuite = suite(
    0xC0A9,
    "PSK-AES256-CCM8",
    "TLS_PSK_WITH_AES_256_CCM_8",
    AuthKind::Psk,
    AeadKind::Aes256Ccm8,
);
/// 0xCCAB (RFC 7905).
pub static TLS_PSK_WITH_CHACHA20_POLY1305_SHA256: CipherSuite = suite(
    0xCCAB,
    "PSK-CHACHA20-POLY1305",
    "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256",
    AuthKind::Psk,
    AeadKind::Chacha20Poly1305,
);
/// 0xCCAC (RFC 7905).
pub static TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256: CipherSuite = suite(
    0xCCAC,
    "ECDHE-PSK-CHACHA20-POLY1305",
    "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256",
    AuthKind::EcdhePsk,
    AeadKind::Chacha20Poly1305,
);

/// 0xC035 (RFC 5489 §3.2).
pub static TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA: CipherSuite = cbc_suite(
    0xC035,
    "ECDHE-PSK-AES128-CBC-SHA",
    "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA",
    AeadKind::Aes128Cbc,
    MacAlg::Sha1,
);
/// 0xC036 (RFC 5489 §3.2).
pub static TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA: CipherSuite = cbc_suite(
    0xC036,
    "ECDHE-PSK-AES256-CBC-SHA",
    "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA",
    AeadKind::Aes256Cbc,
    MacAlg::Sha1,
);
/// 0xC037 (RFC 5489 §4).
pub static TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256: CipherSuite = cbc_suite(
    0xC037,
    "ECDHE-PSK-AES128-CBC-SHA256",
    "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256",
    AeadKind::Aes128Cbc,
    MacAlg::Sha256,
);
/// 0xC038 (RFC 5489 §4).
pub static TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384: CipherSuite = cbc_suite(
    0xC038,
    "ECDHE-PSK-AES256-CBC-SHA384",
    "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384",
    AeadKind::Aes256Cbc,
    MacAlg::Sha384,
);

/// The PSK suites (RFC 4279/5489 key exchange), in OpenSSL's `ciphers -s PSK` order. Not
/// enabled by default; offered only with a PSK provider (`ConfigBuilder::psk`). The CBC
/// ones are negotiated only with encrypt_then_mac (RFC 7366).
pub static PSK_SUITES: [&CipherSuite; 12] = [
    &TLS_PSK_WITH_AES_256_GCM_SHA384,
    &TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
    &TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
    &TLS_PSK_WITH_AES_256_CCM_8,
    &TLS_PSK_WITH_AES_256_CCM,
    &TLS_PSK_WITH_AES_128_GCM_SHA256,
    &TLS_PSK_WITH_AES_128_CCM_8,
    &TLS_PSK_WITH_AES_128_CCM,
    &TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384,
    &TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA,
    &TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
    &TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA,
];

/// Suites we implement but do not enable by default (OpenSSL's `DEFAULT` leaves CCM out
/// too); a configuration or cipher string enables them.
pub static EXTRA_SUITES: [&CipherSuite; 4] = [
    &TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
    &TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
    &TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
    &TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
];

/// Every suite we implement: the defaults, the extras, then the PSK suites.
pub fn all_suites() -> impl Iterator<Item = &'static CipherSuite> {
    DEFAULT_SUITES
        .iter()
        .chain(EXTRA_SUITES.iter())
        .chain(PSK_SUITES.iter())
        .copied()
}

/// The suites enabled by default, in default preference order: OpenSSL 3.0's `DEFAULT` order
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
    all_suites().find(|s| s.id == id)
}

/// The suite called `name` (OpenSSL or IANA spelling, case-sensitive like OpenSSL).
pub fn suite_by_name(name: &str) -> Option<&'static CipherSuite> {
    all_suites().find(|s| s.openssl_name == name || s.iana_name == name)
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
        for s in all_suites() {
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
                AeadKind::Aes128Ccm | AeadKind::Aes256Ccm => {
                    assert_eq!(
                        (s.fixed_iv_len, s.explicit_nonce_len, s.tag_len),
                        (4, 8, 16)
                    );
                    assert_eq!(s.prf, HashAlg::Sha256);
                }
                AeadKind::Aes128Ccm8 | AeadKind::Aes256Ccm8 => {
                    assert_eq!((s.fixed_iv_len, s.explicit_nonce_len, s.tag_len), (4, 8, 8));
                    assert_eq!(s.prf, HashAlg::Sha256);
                }
                AeadKind::Aes128Cbc | AeadKind::Aes256Cbc => {
                    assert_eq!((s.fixed_iv_len, s.explicit_nonce_len), (0, 16));
                    assert!(s.mac.is_some());
                }
            }
            assert_eq!(s.aead.is_ccm(), s.iana_name.contains("_CCM"));
            assert_eq!(s.aead.is_cbc(), s.iana_name.contains("_CBC"));
            assert_eq!(s.aead.is_cbc(), s.mac.is_some());
            if !s.aead.is_ccm() && !s.aead.is_cbc() {
                assert_eq!(s.tag_len, 16);
            }
        }
        // RFC 6655 §3 / RFC 7251: 8-byte explicit nonce + 8-byte tag.
        assert_eq!(TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8.record_overhead(), 16);
        assert_eq!(TLS_ECDHE_ECDSA_WITH_AES_256_CCM.record_overhead(), 24);
        assert_eq!(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.record_overhead(), 24);
        assert_eq!(
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256.record_overhead(),
            16
        );
    }

    #[test]
    fn psk_suites_parameters() {
        for s in PSK_SUITES {
            assert!(s.auth.is_psk());
            assert!(s.openssl_name.starts_with("PSK-") || s.openssl_name.starts_with("ECDHE-PSK-"));
            assert_eq!(s.iana_name.contains("_CCM"), s.aead.is_ccm());
        }
        assert_eq!(TLS_PSK_WITH_AES_128_CCM_8.record_overhead(), 16);
        assert_eq!(TLS_PSK_WITH_AES_256_GCM_SHA384.prf, HashAlg::Sha384);
        assert_eq!(TLS_PSK_WITH_AES_256_CCM.prf, HashAlg::Sha256);
    }

    /// RFC 5489 §3.2/§4 code points, MACs and PRF hashes (SHA-384 only for `_SHA384`), and
    /// the worst-case record expansion: IV 16 + a block of padding + MAC.
    #[test]
    fn cbc_suites_parameters() {
        let expect = [
            (0xC035, MacAlg::Sha1, HashAlg::Sha256, 16, 52),
            (0xC036, MacAlg::Sha1, HashAlg::Sha256, 32, 52),
            (0xC037, MacAlg::Sha256, HashAlg::Sha256, 16, 64),
            (0xC038, MacAlg::Sha384, HashAlg::Sha384, 32, 80),
        ];
        for (id, mac, prf, key_len, overhead) in expect {
            let s = suite_by_id(id).unwrap();
            assert_eq!((s.mac, s.prf, s.key_len), (Some(mac), prf, key_len));
            assert_eq!(s.mac_key_len(), mac.output_len());
            assert_eq!(s.record_overhead(), overhead, "{}", s.openssl_name);
            assert_eq!(s.auth, AuthKind::EcdhePsk);
        }
        assert_eq!(TLS_PSK_WITH_AES_128_GCM_SHA256.mac_key_len(), 0);
    }

    #[test]
    fn lookup_by_id_and_both_names() {
        assert_eq!(
            suite_by_id(0xCCA8),
            Some(&TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256)
        );
        assert_eq!(suite_by_id(0x002F), None);
        assert_eq!(
            suite_by_id(0xC0AE),
            Some(&TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8)
        );
        for s in all_suites() {
            assert_eq!(suite_by_name(s.openssl_name), Some(s));
            assert_eq!(suite_by_name(s.iana_name), Some(s));
        }
        assert_eq!(suite_by_name("AES128-SHA"), None);
    }
}
