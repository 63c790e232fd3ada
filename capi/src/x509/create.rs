//! Making certificates in memory, the way WebRTC programs do at start-up: `X509_new`, the
//! setters (version, serial, validity, subject/issuer names, public key) and `X509_sign`.
//!
//! The DER is written by rcgen (a maintained X.509 writer) from the fields set here; the
//! signature comes from our own `SigningKey` (ring). After signing, the certificate is
//! re-parsed so every reader (`i2d_X509`, `X509_digest`, PEM output, use as an SSL
//! certificate) sees exactly the signed bytes.
//!
//! The version is the one set with X509_set_version (none set: v1, as OpenSSL's X509_new);
//! rcgen writes v3, so a v1/v2 certificate is re-encoded by x509-cert and signed again.
//! Extensions are written as added (ext.rs), also on a v1 certificate, as OpenSSL does.
//! Differences from OpenSSL, by construction of the writer: a name holds one value per
//! attribute type (a second `OU` replaces the first) and multi-valued RDNs are refused; only
//! the extensions of ext.rs are written, and re-signing a parsed certificate keeps none of
//! its own.
use std::ffi::{c_char, c_int, c_long, c_uchar, CStr};
use std::sync::atomic::AtomicU32;
use std::sync::{Arc, OnceLock};

use rcgen::{
    CertificateParams, CustomExtension, DistinguishedName, DnType, DnValue, Issuer, PublicKeyData,
    SerialNumber, SignatureAlgorithm,
};
use rdtls::enums::SignatureScheme;
use rdtls::pki::keys::{
    spki_parts, KeyAlgorithm, SigningKey, OID_EC_PUBLIC_KEY, OID_ED25519, OID_P256, OID_P384,
    OID_RSA_ENCRYPTION,
};
use rdtls::pki::x509::{parse_certificate, CertInfo};

use super::asn1::{ASN1_STRING, V_ASN1_INTEGER, V_ASN1_NEG_INTEGER};
use super::name::{self, X509_NAME};
use super::validity::{parse_time, V_ASN1_UTCTIME};
use super::{x509_mut, x509_ref, X509};
use crate::crypto::digest::{md_ref, EVP_MD};
use crate::crypto::pkey::{self, EVP_PKEY};
use crate::entry::entry;
use crate::error::{put_error, ERR_LIB_X509, ERR_R_PASSED_INVALID_ARGUMENT, ERR_R_UNSUPPORTED};
use crate::exdata::{ExData, CRYPTO_EX_INDEX_X509};

/// `NID_sha256`, `NID_sha384`, `NID_sha512`.
const NID_SHA256: c_int = 672;
const NID_SHA384: c_int = 673;
const NID_SHA512: c_int = 674;
/// `MBSTRING_FLAG`: the MBSTRING_* input types (asn1.h).
const MBSTRING_FLAG: c_int = 0x1000;
/// `V_ASN1_UTF8STRING`, `V_ASN1_PRINTABLESTRING`, `V_ASN1_IA5STRING`.
const TEXT_TYPES: [c_int; 3] = [12, 19, 22];

fn blank_info() -> CertInfo {
    CertInfo {
        version: 0,
        serial: Vec::new(),
        subject: Vec::new(),
        issuer: Vec::new(),
        subject_der: Vec::new(),
        issuer_der: Vec::new(),
        not_before: 0,
        not_after: 0,
        spki_der: Vec::new(),
        signature_algorithm: String::new(),
        tbs_range: 0..0,
        san_dns: Vec::new(),
        san_ip: Vec::new(),
        is_ca: false,
        has_basic_constraints: false,
        key_usage: None,
        ext_key_usage: None,
        signature_oid: Vec::new(),
        signature: Vec::new(),
    }
}

/// An unsigned certificate (`X509_new`): no DER until X509_sign.
fn new_blank() -> *mut X509 {
    Box::into_raw(Box::new(X509 {
        refs: AtomicU32::new(1),
        der: Vec::new(),
        info: blank_info(),
        subject: X509_NAME::new(Vec::new()),
        issuer: X509_NAME::new(Vec::new()),
        serial: ASN1_STRING::empty(V_ASN1_INTEGER),
        times: [
            ASN1_STRING::empty(V_ASN1_UTCTIME),
            ASN1_STRING::empty(V_ASN1_UTCTIME),
        ],
        exts: Vec::new(),
        pubkey: OnceLock::new(),
        ex_data: ExData::new(CRYPTO_EX_INDEX_X509, std::ptr::null_mut()),
    }))
}

/// A public key as rcgen writes it into the SubjectPublicKeyInfo.
struct PubKey {
    key: Vec<u8>,
    alg: &'static SignatureAlgorithm,
}

impl PublicKeyData for PubKey {
    fn der_bytes(&self) -> &[u8] {
        &self.key
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg
    }
}

/// The issuer's key: rcgen asks it for signatures over the TBSCertificate.
struct Signer {
    key: Arc<SigningKey>,
    public: Vec<u8>,
    alg: &'static SignatureAlgorithm,
    scheme: SignatureScheme,
}

impl PublicKeyData for Signer {
    fn der_bytes(&self) -> &[u8] {
        &self.public
    }
    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.alg
    }
}

impl rcgen::SigningKey for Signer {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.key
            .sign(self.scheme, msg)
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

/// The rcgen algorithm that writes a key of this type into an SPKI.
fn spki_algorithm(alg: KeyAlgorithm) -> Result<&'static SignatureAlgorithm, String> {
    Ok(match alg {
        KeyAlgorithm::EcdsaP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
        KeyAlgorithm::EcdsaP384 => &rcgen::PKCS_ECDSA_P384_SHA384,
        KeyAlgorithm::Rsa => &rcgen::PKCS_RSA_SHA256,
        KeyAlgorithm::Ed25519 => &rcgen::PKCS_ED25519,
        other => return Err(format!("unsupported public key type {other:?}")),
    })
}

/// The signature algorithm for a key and digest (X509_sign's `md`).
fn signature_algorithm(
    alg: KeyAlgorithm,
    md: Option<c_int>,
) -> Result<(&'static SignatureAlgorithm, SignatureScheme), String> {
    Ok(match (alg, md) {
        (KeyAlgorithm::EcdsaP256, Some(NID_SHA256)) => (
            &rcgen::PKCS_ECDSA_P256_SHA256,
            SignatureScheme::ECDSA_SECP256R1_SHA256,
        ),
        (KeyAlgorithm::EcdsaP384, Some(NID_SHA384)) => (
            &rcgen::PKCS_ECDSA_P384_SHA384,
            SignatureScheme::ECDSA_SECP384R1_SHA384,
        ),
        (KeyAlgorithm::Rsa, Some(NID_SHA256)) => {
            (&rcgen::PKCS_RSA_SHA256, SignatureScheme::RSA_PKCS1_SHA256)
        }
        (KeyAlgorithm::Rsa, Some(NID_SHA384)) => {
            (&rcgen::PKCS_RSA_SHA384, SignatureScheme::RSA_PKCS1_SHA384)
        }
        (KeyAlgorithm::Rsa, Some(NID_SHA512)) => {
            (&rcgen::PKCS_RSA_SHA512, SignatureScheme::RSA_PKCS1_SHA512)
        }
        (KeyAlgorithm::Ed25519, None) => (&rcgen::PKCS_ED25519, SignatureScheme::ED25519),
        (a, m) => {
            return Err(format!(
                "signing with {a:?} and digest NID {} is not supported (P-256/SHA-256, \
                 P-384/SHA-384, RSA/SHA-2, Ed25519/no digest are)",
                m.unwrap_or(0)
            ))
        }
    })
}

/// The certificate's subject public key, from the EVP_PKEY set with X509_set_pubkey.
fn subject_key(k: &EVP_PKEY) -> Result<PubKey, String> {
    if let Some(sk) = k.signing_key() {
        return Ok(PubKey {
            key: sk.public_key_der(),
            alg: spki_algorithm(sk.algorithm())?,
        });
    }
    let spki = k.spki().ok_or("no public key")?;
    let p = spki_parts(spki).map_err(|e| e.to_string())?;
    let alg = if p.algorithm == OID_EC_PUBLIC_KEY && p.parameter == Some(OID_P256) {
        KeyAlgorithm::EcdsaP256
    } else if p.algorithm == OID_EC_PUBLIC_KEY && p.parameter == Some(OID_P384) {
        KeyAlgorithm::EcdsaP384
    } else if p.algorithm == OID_RSA_ENCRYPTION {
        KeyAlgorithm::Rsa
    } else if p.algorithm == OID_ED25519 {
        KeyAlgorithm::Ed25519
    } else {
        return Err("unsupported public key type".into());
    };
    Ok(PubKey {
        key: p.key.to_vec(),
        alg: spki_algorithm(alg)?,
    })
}

/// rcgen's attribute type for a short name (or dotted OID) of ours.
fn dn_type(short: &str) -> Result<DnType, String> {
    Ok(match short {
        "CN" => DnType::CommonName,
        "C" => DnType::CountryName,
        "L" => DnType::LocalityName,
        "ST" => DnType::StateOrProvinceName,
        "O" => DnType::OrganizationName,
        "OU" => DnType::OrganizationalUnitName,
        other => {
            let oid: &[u64] = match other {
                "emailAddress" => &[1, 2, 840, 113549, 1, 9, 1],
                "serialNumber" => &[2, 5, 4, 5],
                "title" => &[2, 5, 4, 12],
                "GN" => &[2, 5, 4, 42],
                "SN" => &[2, 5, 4, 4],
                "DC" => &[0, 9, 2342, 19200300, 100, 1, 25],
                "UID" => &[0, 9, 2342, 19200300, 100, 1, 1],
                dotted => {
                    let arcs: Result<Vec<u64>, _> = dotted.split('.').map(str::parse).collect();
                    return arcs
                        .ok()
                        .filter(|a| a.len() >= 2)
                        .map(DnType::CustomDnType)
                        .ok_or_else(|| format!("unknown name attribute '{dotted}'"));
                }
            };
            DnType::CustomDnType(oid.to_vec())
        }
    })
}

fn distinguished_name(n: &X509_NAME) -> Result<DistinguishedName, String> {
    let mut dn = DistinguishedName::new();
    for (k, v) in n.entries() {
        // PrintableString when the value allows it (as OpenSSL's default string mask does
        // for country names), UTF8String otherwise.
        let value = match rcgen::string::PrintableString::try_from(v.as_str()) {
            Ok(p) if k == "C" => DnValue::PrintableString(p),
            _ => DnValue::Utf8String(v.clone()),
        };
        dn.push(dn_type(k)?, value);
    }
    Ok(dn)
}

/// X509_sign's work: returns the signature length.
fn sign(x: &mut X509, k: &EVP_PKEY, md: Option<&EVP_MD>) -> Result<c_int, String> {
    let sk = k
        .signing_key()
        .ok_or("the signing key has no private part")?;
    let (alg, scheme) = signature_algorithm(sk.algorithm(), md.map(EVP_MD::nid))?;
    let subject = match x.pubkey.get() {
        Some(&p) => subject_key(pkey_of(p).ok_or("no public key")?)?,
        None if !x.info.spki_der.is_empty() => {
            subject_key(pkey_of(x.pubkey() as usize).ok_or("no public key")?)?
        }
        None => return Err("no public key set (X509_set_pubkey)".into()),
    };
    let mut params = CertificateParams::default();
    params.not_before = parse_time(&x.times[0]).ok_or("notBefore is not set")?;
    params.not_after = parse_time(&x.times[1]).ok_or("notAfter is not set")?;
    if x.serial.type_ == V_ASN1_NEG_INTEGER {
        return Err("negative serial numbers are not supported".into());
    }
    let serial = match x.serial.bytes() {
        [] => vec![0],
        b => b.to_vec(),
    };
    params.serial_number = Some(SerialNumber::from_slice(&serial));
    params.distinguished_name = distinguished_name(&x.subject)?;
    // The extensions as added (X509_add_ext), each with its own criticality (ext.rs); rcgen
    // adds none of its own (is_ca and key_usages stay at their defaults).
    let issuer_public = sk.public_key_der();
    for e in &x.exts {
        let value = e.value(&subject.key, &issuer_public)?;
        let arcs: Vec<u64> = e.oid.arcs().map(u64::from).collect();
        let mut ce = CustomExtension::from_oid_content(&arcs, value);
        ce.set_criticality(e.critical);
        params.custom_extensions.push(ce);
    }
    let mut issuer_params = CertificateParams::default();
    issuer_params.distinguished_name = distinguished_name(&x.issuer)?;
    let key = sk.clone();
    let signer = Signer {
        public: issuer_public,
        key: sk,
        alg,
        scheme,
    };
    let issuer = Issuer::new(issuer_params, signer);
    let cert = params
        .signed_by(&subject, &issuer)
        .map_err(|e| e.to_string())?;
    let mut der = cert.der().to_vec();
    if x.info.version < 2 {
        der = with_version(&der, x.info.version, &key, scheme)?;
    }
    let info = parse_certificate(&der).map_err(|e| e.to_string())?;
    // The serial may be a view into the old parsed fields: own it before replacing them.
    let (t, s) = (x.serial.type_, x.serial.bytes().to_vec());
    x.serial.set_owned(t, &s);
    x.subject.set_entries(info.subject.clone());
    x.issuer.set_entries(info.issuer.clone());
    let sig_len = c_int::try_from(info.signature.len()).unwrap_or(0);
    x.der = der;
    x.info = info;
    Ok(sig_len)
}

/// The certificate re-signed as v1 (`version` 0) or v2 (1), which rcgen cannot write: the
/// TBSCertificate is decoded and re-encoded by x509-cert with the version changed (RFC 5280
/// §4.1.2.1: the field is absent for v1) and signed again with the same algorithm.
fn with_version(
    der: &[u8],
    version: u8,
    key: &SigningKey,
    scheme: SignatureScheme,
) -> Result<Vec<u8>, String> {
    use x509_cert::der::{asn1::BitString, Decode, Encode};
    let mut cert = x509_cert::Certificate::from_der(der).map_err(|e| e.to_string())?;
    cert.tbs_certificate.version = match version {
        0 => x509_cert::Version::V1,
        _ => x509_cert::Version::V2,
    };
    let tbs = cert.tbs_certificate.to_der().map_err(|e| e.to_string())?;
    let sig = key.sign(scheme, &tbs).map_err(|e| e.to_string())?;
    cert.signature = BitString::from_bytes(&sig).map_err(|e| e.to_string())?;
    cert.to_der().map_err(|e| e.to_string())
}

fn pkey_of<'a>(p: usize) -> Option<&'a EVP_PKEY> {
    // SAFETY: NULL or a live EVP_PKEY the certificate holds a reference to.
    unsafe { (p as *const EVP_PKEY).as_ref() }
}

/// The text of an X509_NAME_add_entry_by_* value (`len` -1: NUL-terminated).
fn entry_text(type_: c_int, bytes: *const c_uchar, len: c_int) -> Option<String> {
    if type_ & MBSTRING_FLAG == 0 && !TEXT_TYPES.contains(&type_) {
        put_error(
            ERR_LIB_X509,
            ERR_R_UNSUPPORTED,
            format!("name entry type {type_} is not supported"),
        );
        return None;
    }
    if bytes.is_null() {
        crate::entry::on_null("bytes");
        return None;
    }
    let raw: &[u8] = if len < 0 {
        // SAFETY: len -1 means `bytes` is a NUL-terminated string (API contract).
        unsafe { CStr::from_ptr(bytes.cast::<c_char>()) }.to_bytes()
    } else {
        // SAFETY: `bytes` points to `len` readable bytes (API contract).
        unsafe { std::slice::from_raw_parts(bytes, len as usize) }
    };
    match std::str::from_utf8(raw) {
        Ok(s) => Some(s.to_string()),
        Err(_) => {
            put_error(
                ERR_LIB_X509,
                ERR_R_PASSED_INVALID_ARGUMENT,
                "name entry value is not UTF-8",
            );
            None
        }
    }
}

fn add_entry(
    name: *mut X509_NAME,
    short: &str,
    type_: c_int,
    bytes: *const c_uchar,
    len: c_int,
    loc: c_int,
    set: c_int,
) -> c_int {
    // SAFETY: NULL or a live X509_NAME used by one thread (API contract).
    let Some(n) = (unsafe { name.as_mut() }) else {
        crate::entry::on_null("name");
        return 0;
    };
    if set != 0 {
        put_error(
            ERR_LIB_X509,
            ERR_R_UNSUPPORTED,
            "multi-valued RDNs (set != 0) are not supported",
        );
        return 0;
    }
    let Some(v) = entry_text(type_, bytes, len) else {
        return 0;
    };
    n.insert(loc, short, v);
    1
}

fn time_field(x: *mut X509, i: usize) -> *mut ASN1_STRING {
    match x509_mut(x) {
        Some(c) => &mut c.times[i],
        None => {
            crate::entry::on_null("x");
            std::ptr::null_mut()
        }
    }
}

entry! {
    /// X509_new: an empty certificate to fill with the setters and X509_sign.
    fn X509_new() -> *mut X509 { new_blank() }

    /// X509_set_version sets the version X509_sign writes (0 = v1 .. 2 = v3); 1 on success.
    fn X509_set_version(x: *mut X509, version: c_long) -> c_int {
        let c = crate::try_mut!(x, 0);
        match u8::try_from(version) {
            Ok(v) if v <= 2 => {
                c.info.version = v;
                1
            }
            _ => {
                put_error(ERR_LIB_X509, ERR_R_PASSED_INVALID_ARGUMENT, "version must be 0..2");
                0
            }
        }
    }

    /// X509_get_version: 0 for v1 .. 2 for v3.
    fn X509_get_version(x: *const X509) -> c_long {
        c_long::from(crate::try_ref!(x, 0).info.version)
    }

    /// X509_getm_notBefore: the certificate's notBefore, modifiable (X509_gmtime_adj).
    fn X509_getm_notBefore(x: *const X509) -> *mut ASN1_STRING { time_field(x.cast_mut(), 0) }

    /// X509_getm_notAfter: the certificate's notAfter, modifiable.
    fn X509_getm_notAfter(x: *const X509) -> *mut ASN1_STRING { time_field(x.cast_mut(), 1) }

    /// X509_get0_notBefore.
    fn X509_get0_notBefore(x: *const X509) -> *const ASN1_STRING {
        &crate::try_ref!(x, std::ptr::null()).times[0]
    }

    /// X509_get0_notAfter.
    fn X509_get0_notAfter(x: *const X509) -> *const ASN1_STRING {
        &crate::try_ref!(x, std::ptr::null()).times[1]
    }

    /// X509_set_pubkey: the subject public key (a reference is taken); 1 on success.
    fn X509_set_pubkey(x: *mut X509, pkey: *mut EVP_PKEY) -> c_int {
        let c = crate::try_mut!(x, 0);
        if pkey.is_null() {
            crate::entry::on_null("pkey");
            return 0;
        }
        pkey::up_ref(pkey);
        if let Some(old) = c.pubkey.take() {
            pkey::free(old as *mut EVP_PKEY);
        }
        let _ = c.pubkey.set(pkey as usize);
        1
    }

    /// X509_set_subject_name copies `name` into the certificate's subject; 1 on success.
    fn X509_set_subject_name(x: *mut X509, name: *const X509_NAME) -> c_int {
        // Copy first: `name` may be this certificate's own issuer name.
        let e = crate::try_ref!(name, 0).entries().to_vec();
        crate::try_mut!(x, 0).subject.set_entries(e);
        1
    }

    /// X509_set_issuer_name copies `name` into the certificate's issuer; 1 on success.
    fn X509_set_issuer_name(x: *mut X509, name: *const X509_NAME) -> c_int {
        // Copy first: `name` is often X509_get_subject_name(x) (self-signed).
        let e = crate::try_ref!(name, 0).entries().to_vec();
        crate::try_mut!(x, 0).issuer.set_entries(e);
        1
    }

    /// X509_NAME_add_entry_by_txt adds attribute `field` (short or long name, or dotted
    /// OID) with value `bytes` (MBSTRING_ASC/UTF8 or a string type); 1 on success.
    fn X509_NAME_add_entry_by_txt(name: *mut X509_NAME, field: *const c_char, type_: c_int,
                                  bytes: *const c_uchar, len: c_int, loc: c_int, set: c_int) -> c_int {
        if field.is_null() {
            crate::entry::on_null("field");
            return 0;
        }
        // SAFETY: non-NULL `field` is a NUL-terminated string (API contract).
        let f = unsafe { CStr::from_ptr(field) }.to_string_lossy().into_owned();
        let short = match name::short_name(&f) {
            Some(s) => s.to_string(),
            None if dn_type(&f).is_ok() => f,
            None => {
                put_error(ERR_LIB_X509, ERR_R_UNSUPPORTED, format!("unknown name attribute '{f}'"));
                return 0;
            }
        };
        add_entry(name, &short, type_, bytes, len, loc, set)
    }

    /// X509_NAME_add_entry_by_NID: as X509_NAME_add_entry_by_txt for attribute `nid`.
    fn X509_NAME_add_entry_by_NID(name: *mut X509_NAME, nid: c_int, type_: c_int,
                                  bytes: *const c_uchar, len: c_int, loc: c_int, set: c_int) -> c_int {
        let Some(short) = name::short_name_by_nid(nid) else {
            put_error(ERR_LIB_X509, ERR_R_UNSUPPORTED, format!("unknown name attribute NID {nid}"));
            return 0;
        };
        add_entry(name, short, type_, bytes, len, loc, set)
    }

    /// X509_sign signs `x` with `pkey` using digest `md` (NULL for Ed25519): the signature
    /// length on success, 0 on failure.
    fn X509_sign(x: *mut X509, pkey: *mut EVP_PKEY, md: *const EVP_MD) -> c_int {
        if x509_ref(x).is_none() {
            crate::entry::on_null("x");
            return 0;
        }
        let Some(k) = pkey_of(pkey as usize) else {
            crate::entry::on_null("pkey");
            return 0;
        };
        let Some(c) = x509_mut(x) else { return 0 };
        match sign(c, k, md_ref(md)) {
            Ok(n) => n,
            Err(e) => {
                put_error(ERR_LIB_X509, ERR_R_UNSUPPORTED, format!("cannot sign: {e}"));
                0
            }
        }
    }
}
