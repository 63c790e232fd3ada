//! `SSL_CIPHER`: one static object per suite rdtls implements, and its accessors.
use std::ffi::{c_char, c_int, c_void, CStr};

use rdtls::suites::HashAlg;
use rdtls::suites::{self, AeadKind, AuthKind, CipherSuite, MacAlg};

use crate::entry::*;

/// `SSL_CIPHER` (opaque to C): a suite plus NUL-terminated copies of its names.
#[derive(Debug)]
pub struct SSL_CIPHER {
    /// The engine's suite.
    pub suite: &'static CipherSuite,
    name: &'static CStr,
    standard_name: &'static CStr,
    /// A TLS 1.3 suite (RFC 8446 §B.4): key exchange and authentication are not part of
    /// it, and OpenSSL names it by its IANA name.
    pub tls13: bool,
}

macro_rules! cipher {
    ($suite:path, $name:literal, $std:literal) => {
        SSL_CIPHER {
            suite: &$suite,
            name: cstr!($name),
            standard_name: cstr!($std),
            tls13: false,
        }
    };
}

/// A TLS 1.3 suite: `$suite` describes its AEAD and hash (`AuthKind` is unused).
macro_rules! cipher13 {
    ($suite:ident, $name:literal) => {
        SSL_CIPHER {
            suite: &$suite,
            name: cstr!($name),
            standard_name: cstr!($name),
            tls13: true,
        }
    };
}

/// The TLS 1.3 suites as the engine's suite type describes them (for the getters only:
/// the 1.3 record layer uses `rdtls::dtls13::record_protection::Suite13`).
macro_rules! suite13 {
    ($static:ident, $id:literal, $name:literal, $aead:ident, $prf:ident, $key:literal, $tag:literal) => {
        static $static: CipherSuite = CipherSuite {
            id: $id,
            openssl_name: $name,
            iana_name: $name,
            // Unused: a TLS 1.3 suite says nothing about authentication (RFC 8446 §4.1.1).
            auth: AuthKind::Ecdsa,
            aead: AeadKind::$aead,
            prf: HashAlg::$prf,
            key_len: $key,
            // RFC 8446 §5.3: a 12-byte IV from the key schedule, no explicit nonce.
            fixed_iv_len: 12,
            explicit_nonce_len: 0,
            tag_len: $tag,
            bits: $key * 8,
            mac: None,
        };
    };
}

suite13!(
    TLS13_AES_128_GCM,
    0x1301,
    "TLS_AES_128_GCM_SHA256",
    Aes128Gcm,
    Sha256,
    16,
    16
);
suite13!(
    TLS13_AES_256_GCM,
    0x1302,
    "TLS_AES_256_GCM_SHA384",
    Aes256Gcm,
    Sha384,
    32,
    16
);
suite13!(
    TLS13_CHACHA20,
    0x1303,
    "TLS_CHACHA20_POLY1305_SHA256",
    Chacha20Poly1305,
    Sha256,
    32,
    16
);
suite13!(
    TLS13_AES_128_CCM,
    0x1304,
    "TLS_AES_128_CCM_SHA256",
    Aes128Ccm,
    Sha256,
    16,
    16
);
suite13!(
    TLS13_AES_128_CCM_8,
    0x1305,
    "TLS_AES_128_CCM_8_SHA256",
    Aes128Ccm8,
    Sha256,
    16,
    8
);

/// True when `a` is the address of one of our [`CIPHERS`].
pub fn is_ours(a: usize) -> bool {
    let start = CIPHERS.as_ptr() as usize;
    a >= start && a < start + std::mem::size_of_val(&CIPHERS)
}

/// Every `SSL_CIPHER` we hand out.
pub static CIPHERS: [SSL_CIPHER; 27] = [
    cipher!(
        suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
    ),
    cipher!(
        suites::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
    ),
    cipher!(
        suites::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"
    ),
    cipher!(
        suites::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        "ECDHE-RSA-AES128-GCM-SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"
    ),
    cipher!(
        suites::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        "ECDHE-RSA-AES256-GCM-SHA384",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    ),
    cipher!(
        suites::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        "ECDHE-RSA-CHACHA20-POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"
    ),
    cipher!(
        suites::TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
        "ECDHE-ECDSA-AES128-CCM",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"
    ),
    cipher!(
        suites::TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
        "ECDHE-ECDSA-AES256-CCM",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"
    ),
    cipher!(
        suites::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
        "ECDHE-ECDSA-AES128-CCM8",
        "TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8"
    ),
    cipher!(
        suites::TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
        "ECDHE-ECDSA-AES256-CCM8",
        "TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8"
    ),
    cipher!(
        suites::TLS_PSK_WITH_AES_128_GCM_SHA256,
        "PSK-AES128-GCM-SHA256",
        "TLS_PSK_WITH_AES_128_GCM_SHA256"
    ),
    cipher!(
        suites::TLS_PSK_WITH_AES_256_GCM_SHA384,
        "PSK-AES256-GCM-SHA384",
        "TLS_PSK_WITH_AES_256_GCM_SHA384"
    ),
    cipher!(
        suites::TLS_PSK_WITH_AES_128_CCM,
        "PSK-AES128-CCM",
        "TLS_PSK_WITH_AES_128_CCM"
    ),
    cipher!(
        suites::TLS_PSK_WITH_AES_256_CCM,
        "PSK-AES256-CCM",
        "TLS_PSK_WITH_AES_256_CCM"
    ),
    cipher!(
        suites::TLS_PSK_WITH_AES_128_CCM_8,
        "PSK-AES128-CCM8",
        "TLS_PSK_WITH_AES_128_CCM_8"
    ),
    cipher!(
        suites::TLS_PSK_WITH_AES_256_CCM_8,
        "PSK-AES256-CCM8",
        "TLS_PSK_WITH_AES_256_CCM_8"
    ),
    cipher!(
        suites::TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
        "PSK-CHACHA20-POLY1305",
        "TLS_PSK_WITH_CHACHA20_POLY1305_SHA256"
    ),
    cipher!(
        suites::TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
        "ECDHE-PSK-CHACHA20-POLY1305",
        "TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256"
    ),
    cipher!(
        suites::TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA,
        "ECDHE-PSK-AES128-CBC-SHA",
        "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA"
    ),
    cipher!(
        suites::TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA,
        "ECDHE-PSK-AES256-CBC-SHA",
        "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA"
    ),
    cipher!(
        suites::TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
        "ECDHE-PSK-AES128-CBC-SHA256",
        "TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256"
    ),
    cipher!(
        suites::TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384,
        "ECDHE-PSK-AES256-CBC-SHA384",
        "TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384"
    ),
    cipher13!(TLS13_AES_128_GCM, "TLS_AES_128_GCM_SHA256"),
    cipher13!(TLS13_AES_256_GCM, "TLS_AES_256_GCM_SHA384"),
    cipher13!(TLS13_CHACHA20, "TLS_CHACHA20_POLY1305_SHA256"),
    cipher13!(TLS13_AES_128_CCM, "TLS_AES_128_CCM_SHA256"),
    cipher13!(TLS13_AES_128_CCM_8, "TLS_AES_128_CCM_8_SHA256"),
];

/// The `SSL_CIPHER` for an engine suite.
pub fn for_suite(suite: &CipherSuite) -> Option<&'static SSL_CIPHER> {
    CIPHERS.iter().find(|c| !c.tls13 && c.suite.id == suite.id)
}

/// The `SSL_CIPHER` for a TLS 1.3 suite code point (0x1301..=0x1305).
pub fn for_suite13(id: u16) -> Option<&'static SSL_CIPHER> {
    CIPHERS.iter().find(|c| c.tls13 && c.suite.id == id)
}

/// `SSL_CIPHER_get_id`: `0x03000000 | IANA id`.
pub fn openssl_id(c: &SSL_CIPHER) -> u32 {
    0x0300_0000 | u32::from(c.suite.id)
}

/// One `SSL_CIPHER_description` line (OpenSSL's column layout, newline included).
pub fn description(c: &SSL_CIPHER) -> String {
    let (kx, au) = if c.tls13 {
        ("any", "any")
    } else {
        (kx_name(c), au_name(c))
    };
    let enc = match c.suite.aead {
        AeadKind::Aes128Gcm => "AESGCM(128)",
        AeadKind::Aes256Gcm => "AESGCM(256)",
        AeadKind::Chacha20Poly1305 => "CHACHA20/POLY1305(256)",
        AeadKind::Aes128Ccm => "AESCCM(128)",
        AeadKind::Aes256Ccm => "AESCCM(256)",
        AeadKind::Aes128Ccm8 => "AESCCM8(128)",
        AeadKind::Aes256Ccm8 => "AESCCM8(256)",
        AeadKind::Aes128Cbc => "AES(128)",
        AeadKind::Aes256Cbc => "AES(256)",
    };
    let mac = match c.suite.mac {
        None => "AEAD",
        Some(MacAlg::Sha1) => "SHA1",
        Some(MacAlg::Sha256) => "SHA256",
        Some(MacAlg::Sha384) => "SHA384",
    };
    format!(
        "{:<30} {:<7} Kx={:<8} Au={:<5} Enc={:<22} Mac={:<4}\n",
        c.suite.openssl_name,
        // The description's column says "TLSv1" where SSL_CIPHER_get_version says
        // "TLSv1.0" (OpenSSL 3.0 prints both so).
        if c.tls13 {
            "TLSv1.3"
        } else if c.suite.aead.is_cbc() {
            "TLSv1"
        } else {
            "TLSv1.2"
        },
        kx,
        au,
        enc,
        mac
    )
}

/// `Au=` of a TLS 1.2 suite's description.
fn au_name(c: &SSL_CIPHER) -> &'static str {
    match c.suite.auth {
        AuthKind::Ecdsa => "ECDSA",
        AuthKind::Rsa => "RSA",
        AuthKind::Psk | AuthKind::EcdhePsk => "PSK",
    }
}

/// `Kx=` of a TLS 1.2 suite's description.
fn kx_name(c: &SSL_CIPHER) -> &'static str {
    match c.suite.auth {
        AuthKind::Ecdsa | AuthKind::Rsa => "ECDH",
        AuthKind::Psk => "PSK",
        AuthKind::EcdhePsk => "ECDHEPSK",
    }
}

/// The oldest protocol version that defines the suite, as OpenSSL 3.0's
/// SSL_CIPHER_get_version names it: "TLSv1.0" for the RFC 5489 CBC suites (usable from
/// TLS 1.0 / DTLS 1.0), "TLSv1.2" for the rest.
fn version(c: &SSL_CIPHER) -> &'static CStr {
    if c.tls13 {
        TLS13
    } else if c.suite.aead.is_cbc() {
        TLS1
    } else {
        TLS12
    }
}

static TLS13: &CStr = cstr!("TLSv1.3");
static TLS12: &CStr = cstr!("TLSv1.2");
static TLS1: &CStr = cstr!("TLSv1.0");
static NONE: &CStr = cstr!("(NONE)");

/// NID_kx_any and NID_auth_any: what OpenSSL reports for the TLS 1.3 suites.
const NID_KX_ANY: c_int = 1063;
const NID_AUTH_ANY: c_int = 1064;

entry! {
    /// SSL_CIPHER_get_name returns the OpenSSL name, or "(NONE)" for NULL.
    fn SSL_CIPHER_get_name(c: *const SSL_CIPHER) -> *const c_char {
        // SAFETY: NULL or one of our statics.
        match unsafe { c.as_ref() } {
            Some(c) => c.name.as_ptr(),
            None => NONE.as_ptr(),
        }
    }

    /// SSL_CIPHER_standard_name returns the IANA name, or "(NONE)" for NULL.
    fn SSL_CIPHER_standard_name(c: *const SSL_CIPHER) -> *const c_char {
        // SAFETY: NULL or one of our statics.
        match unsafe { c.as_ref() } {
            Some(c) => c.standard_name.as_ptr(),
            None => NONE.as_ptr(),
        }
    }

    /// SSL_CIPHER_get_version returns the oldest protocol version that defines the suite
    /// ("TLSv1.2", or "TLSv1.0" for the CBC suites), or "(NONE)" for NULL.
    fn SSL_CIPHER_get_version(c: *const SSL_CIPHER) -> *const c_char {
        // SAFETY: NULL or one of our statics.
        match unsafe { c.as_ref() } {
            Some(c) => version(c).as_ptr(),
            None => NONE.as_ptr(),
        }
    }

    /// SSL_CIPHER_get_bits returns the secret key bits and stores the algorithm bits in
    /// `*alg_bits` when non-NULL; 0 for NULL.
    fn SSL_CIPHER_get_bits(c: *const SSL_CIPHER, alg_bits: *mut c_int) -> c_int {
        // SAFETY: NULL or one of our statics.
        let Some(c) = (unsafe { c.as_ref() }) else { return 0 };
        // SAFETY: NULL or a writable int from the caller.
        if let Some(out) = unsafe { alg_bits.as_mut() } {
            *out = c.suite.bits;
        }
        c.suite.bits
    }

    /// SSL_CIPHER_get_id returns 0x03000000 | the IANA code point.
    fn SSL_CIPHER_get_id(c: *const SSL_CIPHER) -> u32 {
        let c = try_ref!(c, 0);
        openssl_id(c)
    }

    /// SSL_CIPHER_get_protocol_id returns the two-byte IANA code point.
    fn SSL_CIPHER_get_protocol_id(c: *const SSL_CIPHER) -> u16 {
        let c = try_ref!(c, 0);
        c.suite.id
    }

    /// SSL_CIPHER_is_aead: 1 for AEAD suites, 0 for the CBC ones.
    fn SSL_CIPHER_is_aead(c: *const SSL_CIPHER) -> c_int {
        let c = try_ref!(c, 0);
        c_int::from(c.suite.mac.is_none())
    }

    /// SSL_CIPHER_get_kx_nid: NID_kx_ecdhe (1038), NID_kx_psk or NID_kx_ecdhe_psk;
    /// NID_kx_any for a TLS 1.3 suite.
    fn SSL_CIPHER_get_kx_nid(c: *const SSL_CIPHER) -> c_int {
        let c = try_ref!(c, 0);
        if c.tls13 {
            return NID_KX_ANY;
        }
        // NID_kx_ecdhe, NID_kx_psk, NID_kx_ecdhe_psk.
        match c.suite.auth {
            AuthKind::Ecdsa | AuthKind::Rsa => 1038,
            AuthKind::Psk => 1043,
            AuthKind::EcdhePsk => 1040,
        }
    }

    /// SSL_CIPHER_get_auth_nid: NID_auth_ecdsa (1047), NID_auth_rsa (1046) or NID_auth_psk;
    /// NID_auth_any for a TLS 1.3 suite.
    fn SSL_CIPHER_get_auth_nid(c: *const SSL_CIPHER) -> c_int {
        let c = try_ref!(c, 0);
        if c.tls13 {
            return NID_AUTH_ANY;
        }
        match c.suite.auth {
            AuthKind::Ecdsa => 1047,
            AuthKind::Rsa => 1046,
            // NID_auth_psk.
            AuthKind::Psk | AuthKind::EcdhePsk => 1048,
        }
    }

    /// SSL_CIPHER_description writes the one-line description into `buf` (`size` bytes) and
    /// returns `buf`. With a NULL `buf` it allocates 128 bytes the caller frees with
    /// OPENSSL_free. NULL when `size` is too small (under 128) or `c` is NULL.
    fn SSL_CIPHER_description(c: *const SSL_CIPHER, buf: *mut c_char, size: c_int) -> *mut c_char {
        let c = try_ref!(c, std::ptr::null_mut());
        let text = description(c);
        let (out, cap) = if buf.is_null() {
            // The caller releases it with OPENSSL_free: allocate with OPENSSL_malloc.
            let p = crate::host::crypto_malloc(128).cast::<c_char>();
            if p.is_null() {
                return std::ptr::null_mut();
            }
            (p, 128usize)
        } else {
            match usize::try_from(size) {
                Ok(n) if n >= 128 => (buf, n),
                _ => return std::ptr::null_mut(),
            }
        };
        let bytes = text.as_bytes();
        let n = bytes.len().min(cap - 1);
        // SAFETY: `out` has `cap` writable bytes and n + 1 <= cap.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr().cast::<c_char>(), out, n);
            *out.add(n) = 0;
        }
        out
    }

    /// OPENSSL_cipher_name maps an IANA name ("TLS_ECDHE_...") to the OpenSSL name, or
    /// "(NONE)" for a suite rdtls does not have.
    fn OPENSSL_cipher_name(rfc_name: *const c_char) -> *const c_char {
        let name = try_cstr!(rfc_name, NONE.as_ptr());
        CIPHERS
            .iter()
            .find(|c| c.standard_name.to_bytes() == name.as_bytes())
            .map_or(NONE.as_ptr(), |c| c.name.as_ptr())
    }

    /// SSL_CIPHER_get_handshake_digest returns the suite's PRF hash (EVP_sha256 or
    /// EVP_sha384), NULL for NULL.
    fn SSL_CIPHER_get_handshake_digest(c: *const SSL_CIPHER) -> *const c_void {
        let c = try_ref!(c, std::ptr::null());
        // SAFETY: libcrypto's (drop-in) or this library's (standalone) static digests.
        unsafe {
            match c.suite.prf {
                HashAlg::Sha384 => EVP_sha384(),
                _ => EVP_sha256(),
            }
        }
    }
}

extern "C" {
    // The digest objects: libcrypto's in the drop-in build, this library's standalone.
    fn EVP_sha256() -> *const c_void;
    fn EVP_sha384() -> *const c_void;
}

#[cfg(test)]
#[path = "cipher_tests.rs"]
mod tests;
