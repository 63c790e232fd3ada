//! `EVP_PKEY`: a private signing key (from PEM/DER) or a certificate's public key.
use std::ffi::{c_int, c_long, c_uchar};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use rdtls::pki::keys::{KeyAlgorithm, SigningKey};

use crate::entry::entry;
use crate::error::{
    put_error, ERR_LIB_EVP, EVP_R_DECODE_ERROR, EVP_R_UNSUPPORTED_PRIVATE_KEY_ALGORITHM,
};
use crate::x509::der::{self, EVP_PKEY_EC, EVP_PKEY_ED25519, EVP_PKEY_RSA};

enum Kind {
    Private(Arc<SigningKey>),
    Public { spki: Vec<u8> },
}

/// `EVP_PKEY` (reference counted).
pub struct EVP_PKEY {
    refs: AtomicU32,
    kind: Kind,
    /// (EVP_PKEY_* id, bits), 0 when unknown.
    info: (c_int, c_int),
    /// The PKCS#8 encoding of a key generated here (EVP_PKEY_keygen), for
    /// PEM_write_bio_PrivateKey; keys loaded from files do not keep theirs.
    pkcs8: Option<zeroize::Zeroizing<Vec<u8>>>,
}

impl EVP_PKEY {
    /// The signing key, None for a public-only key.
    pub fn signing_key(&self) -> Option<Arc<SigningKey>> {
        match &self.kind {
            Kind::Private(k) => Some(k.clone()),
            Kind::Public { .. } => None,
        }
    }

    /// The DER SubjectPublicKeyInfo of a public key (None for private keys).
    pub fn spki(&self) -> Option<&[u8]> {
        match &self.kind {
            Kind::Public { spki } => Some(spki),
            Kind::Private(_) => None,
        }
    }

    /// A new EVP_PKEY (one reference) holding `key`.
    pub fn from_signing_key(key: Arc<SigningKey>) -> *mut EVP_PKEY {
        let info = private_info(&key);
        Box::into_raw(Box::new(EVP_PKEY {
            refs: AtomicU32::new(1),
            kind: Kind::Private(key),
            info,
            pkcs8: None,
        }))
    }

    /// A new public EVP_PKEY (one reference) from a DER SubjectPublicKeyInfo.
    pub fn from_spki(spki: &[u8]) -> *mut EVP_PKEY {
        let info = der::spki_key_info(spki).unwrap_or((0, 0));
        Box::into_raw(Box::new(EVP_PKEY {
            refs: AtomicU32::new(1),
            kind: Kind::Public {
                spki: spki.to_vec(),
            },
            info,
            pkcs8: None,
        }))
    }

    /// A private key from its PKCS#8 encoding, which it keeps (for PEM output); NULL and an
    /// ERR entry when the key cannot be loaded.
    pub fn from_pkcs8_keeping(pkcs8: &[u8]) -> *mut EVP_PKEY {
        let k = private_from_der(pkcs8);
        if let Some(p) = pkey_mut(k) {
            p.pkcs8 = Some(zeroize::Zeroizing::new(pkcs8.to_vec()));
        }
        k
    }

    /// The PKCS#8 encoding, for keys generated here.
    pub fn pkcs8(&self) -> Option<&[u8]> {
        self.pkcs8.as_deref().map(|v| v.as_slice())
    }

    /// `EVP_PKEY_get_id`.
    pub fn id(&self) -> c_int {
        self.info.0
    }

    /// `EVP_PKEY_get_bits`.
    pub fn bits(&self) -> c_int {
        self.info.1
    }

    /// `EVP_PKEY_get_size`: the largest signature the key makes, in bytes.
    pub fn max_signature_size(&self) -> c_int {
        match self.info {
            (EVP_PKEY_RSA, bits) => (bits + 7) / 8,
            // DER ECDSA-Sig-Value: SEQUENCE of two INTEGERs, each up to the order size + 1.
            (EVP_PKEY_EC, bits) => 2 * ((bits + 7) / 8 + 3) + 3,
            (EVP_PKEY_ED25519, _) => 64,
            _ => 0,
        }
    }
}

fn private_info(key: &SigningKey) -> (c_int, c_int) {
    match key.algorithm() {
        KeyAlgorithm::EcdsaP256 => (EVP_PKEY_EC, 256),
        KeyAlgorithm::EcdsaP384 => (EVP_PKEY_EC, 384),
        KeyAlgorithm::Ed25519 => (EVP_PKEY_ED25519, 253),
        KeyAlgorithm::Rsa => {
            let pk = key.public_key_der();
            let bits = der::spki_key_info(&pk)
                .map(|(_, b)| b)
                .or_else(|| der::rsa_public_key_bits(&pk))
                .unwrap_or(0);
            (EVP_PKEY_RSA, bits)
        }
        // A key type added to the engine later: EVP_PKEY_NONE, as an unknown SPKI.
        _ => (0, 0),
    }
}

fn pkey_ref<'a>(k: *const EVP_PKEY) -> Option<&'a EVP_PKEY> {
    // SAFETY: NULL or a live EVP_PKEY from this library.
    unsafe { k.as_ref() }
}

fn pkey_mut<'a>(k: *mut EVP_PKEY) -> Option<&'a mut EVP_PKEY> {
    // SAFETY: NULL or a freshly made EVP_PKEY no one else references yet.
    unsafe { k.as_mut() }
}

/// `EVP_PKEY_up_ref`.
pub fn up_ref(k: *mut EVP_PKEY) -> bool {
    pkey_ref(k)
        .map(|p| p.refs.fetch_add(1, Ordering::Relaxed))
        .is_some()
}

/// `EVP_PKEY_free`: drops one reference.
pub fn free(k: *mut EVP_PKEY) {
    if let Some(p) = pkey_ref(k) {
        if p.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            // SAFETY: last reference; `k` came from Box::into_raw.
            drop(unsafe { Box::from_raw(k) });
        }
    }
}

/// Parses a DER private key (PKCS#8, SEC1 or PKCS#1) into a new EVP_PKEY; NULL and an ERR
/// entry on failure.
pub fn private_from_der(der: &[u8]) -> *mut EVP_PKEY {
    match SigningKey::from_der(der) {
        Ok(k) => EVP_PKEY::from_signing_key(Arc::new(k)),
        Err(e) => {
            put_error(
                ERR_LIB_EVP,
                EVP_R_UNSUPPORTED_PRIVATE_KEY_ALGORITHM,
                format!("cannot load key: {e}"),
            );
            std::ptr::null_mut()
        }
    }
}

/// Parses a PEM private key block (whole text, label included) into a new EVP_PKEY.
pub fn private_from_pem(pem: &[u8]) -> *mut EVP_PKEY {
    match SigningKey::from_pem(pem) {
        Ok(k) => EVP_PKEY::from_signing_key(Arc::new(k)),
        Err(e) => {
            put_error(
                ERR_LIB_EVP,
                EVP_R_DECODE_ERROR,
                format!("cannot load key: {e}"),
            );
            std::ptr::null_mut()
        }
    }
}

/// The d2i convention: parse at `*pp` (up to `length` bytes), advance `*pp`, and store the
/// result in `*a` when `a` is non-NULL (freeing what was there).
fn d2i_private(a: *mut *mut EVP_PKEY, pp: *mut *const c_uchar, length: c_long) -> *mut EVP_PKEY {
    if pp.is_null() {
        crate::entry::on_null("pp");
        return std::ptr::null_mut();
    }
    // SAFETY: pp is non-NULL; *pp points to `length` readable bytes (API contract).
    let start = unsafe { *pp };
    let Ok(len) = usize::try_from(length) else {
        return std::ptr::null_mut();
    };
    let input = crate::try_slice!(start, len, std::ptr::null_mut());
    let Some(used) = der::element_len(input) else {
        put_error(ERR_LIB_EVP, EVP_R_DECODE_ERROR, "not a DER element");
        return std::ptr::null_mut();
    };
    let k = private_from_der(&input[..used]);
    if k.is_null() {
        return k;
    }
    // SAFETY: advancing within the caller's buffer by the bytes consumed.
    unsafe { *pp = start.add(used) };
    if !a.is_null() {
        // SAFETY: non-NULL out pointer; it holds NULL or an EVP_PKEY we may replace.
        unsafe {
            free(*a);
            *a = k;
        }
    }
    k
}

entry! {
    /// EVP_PKEY_free drops one reference; NULL is a no-op.
    fn EVP_PKEY_free(pkey: *mut EVP_PKEY) { free(pkey) }
    /// EVP_PKEY_up_ref adds a reference; 1 on success.
    fn EVP_PKEY_up_ref(pkey: *mut EVP_PKEY) -> c_int { up_ref(pkey) as c_int }
    /// EVP_PKEY_get_id (EVP_PKEY_id): EVP_PKEY_RSA, EVP_PKEY_EC, EVP_PKEY_ED25519, ...
    fn EVP_PKEY_get_id(pkey: *const EVP_PKEY) -> c_int { crate::try_ref!(pkey, 0).id() }
    /// EVP_PKEY_get_base_id (EVP_PKEY_base_id).
    fn EVP_PKEY_get_base_id(pkey: *const EVP_PKEY) -> c_int { crate::try_ref!(pkey, 0).id() }
    /// EVP_PKEY_get_bits (EVP_PKEY_bits): key size in bits.
    fn EVP_PKEY_get_bits(pkey: *const EVP_PKEY) -> c_int { crate::try_ref!(pkey, 0).bits() }
    /// EVP_PKEY_get_size (EVP_PKEY_size): maximum signature size in bytes.
    fn EVP_PKEY_get_size(pkey: *const EVP_PKEY) -> c_int {
        crate::try_ref!(pkey, 0).max_signature_size()
    }
    /// EVP_PKEY_get_security_bits (EVP_PKEY_security_bits), per NIST SP 800-57.
    fn EVP_PKEY_get_security_bits(pkey: *const EVP_PKEY) -> c_int {
        let k = crate::try_ref!(pkey, 0);
        match (k.id(), k.bits()) {
            (EVP_PKEY_RSA, b) if b >= 15360 => 256,
            (EVP_PKEY_RSA, b) if b >= 7680 => 192,
            (EVP_PKEY_RSA, b) if b >= 3072 => 128,
            (EVP_PKEY_RSA, b) if b >= 2048 => 112,
            (EVP_PKEY_RSA, _) => 80,
            (EVP_PKEY_ED25519, _) => 128,
            (_, b) => b / 2,
        }
    }

    /// d2i_PrivateKey: a DER private key of type `type_` (checked) at `*pp`.
    fn d2i_PrivateKey(type_: c_int, a: *mut *mut EVP_PKEY, pp: *mut *const c_uchar,
                      length: c_long) -> *mut EVP_PKEY {
        let k = d2i_private(std::ptr::null_mut(), pp, length);
        match pkey_ref(k) {
            Some(p) if p.id() != type_ => {
                free(k);
                put_error(ERR_LIB_EVP, crate::error::EVP_R_UNSUPPORTED_KEY_TYPE, "key type mismatch");
                std::ptr::null_mut()
            }
            Some(_) => {
                if !a.is_null() {
                    // SAFETY: non-NULL out pointer holding NULL or an EVP_PKEY.
                    unsafe {
                        free(*a);
                        *a = k;
                    }
                }
                k
            }
            None => k,
        }
    }

    /// d2i_AutoPrivateKey: a DER private key of any supported type at `*pp`.
    fn d2i_AutoPrivateKey(a: *mut *mut EVP_PKEY, pp: *mut *const c_uchar, length: c_long) -> *mut EVP_PKEY {
        d2i_private(a, pp, length)
    }
}
