//! The certificate extensions a program sets before `X509_sign` when it makes a CA, server
//! or device certificate: `X509V3_EXT_conf_nid` / `X509V3_EXT_nconf_nid` (or `_conf` /
//! `_nconf` by name) with OpenSSL's configuration syntax, then `X509_add_ext`:
//!
//! * basicConstraints "critical,CA:TRUE,pathlen:0" (RFC 5280 §4.2.1.9)
//! * keyUsage "critical,digitalSignature,keyCertSign" (§4.2.1.3)
//! * extendedKeyUsage "serverAuth,clientAuth" or dotted OIDs (§4.2.1.12)
//! * subjectAltName "DNS:host,IP:127.0.0.1,email:a@b,URI:coap://x" (§4.2.1.6)
//! * subjectKeyIdentifier "hash" (§4.2.1.2, method 1: SHA-1 of the subjectPublicKey)
//! * authorityKeyIdentifier "keyid" / "keyid:always" (§4.2.1.1: the issuer key's
//!   identifier, computed the same way from the key X509_sign signs with)
//!
//! Each is written as given, "critical" included, in the order added; the DER of the values
//! comes from RustCrypto's x509-cert types. The key identifiers are computed at X509_sign,
//! when the subject and issuer keys are known (OpenSSL computes them at X509V3_EXT_conf_nid
//! from the X509V3_CTX certificates: the same values for keys identified by "hash").
use std::ffi::{c_char, c_int, c_void, CStr};
use std::net::IpAddr;

use x509_cert::der::asn1::{Ia5String, ObjectIdentifier, OctetString};
use x509_cert::der::flagset::FlagSet;
use x509_cert::der::oid::AssociatedOid;
use x509_cert::der::Encode;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectAltName, SubjectKeyIdentifier,
};

use super::X509;
use crate::entry::entry;
use crate::error::{put_error, ERR_LIB_X509, ERR_R_PASSED_INVALID_ARGUMENT, ERR_R_UNSUPPORTED};

/// `NID_basic_constraints`.
pub const NID_BASIC_CONSTRAINTS: c_int = 87;
/// `NID_key_usage`.
pub const NID_KEY_USAGE: c_int = 83;
/// `NID_subject_alt_name`.
pub const NID_SUBJECT_ALT_NAME: c_int = 85;
/// `NID_ext_key_usage`.
pub const NID_EXT_KEY_USAGE: c_int = 126;
/// `NID_subject_key_identifier`.
pub const NID_SUBJECT_KEY_IDENTIFIER: c_int = 82;
/// `NID_authority_key_identifier`.
pub const NID_AUTHORITY_KEY_IDENTIFIER: c_int = 90;

/// The names X509V3_EXT_conf / _nconf accept (long and short), with their NIDs.
const NAMES: [(&str, c_int); 6] = [
    ("basicConstraints", NID_BASIC_CONSTRAINTS),
    ("keyUsage", NID_KEY_USAGE),
    ("subjectAltName", NID_SUBJECT_ALT_NAME),
    ("extendedKeyUsage", NID_EXT_KEY_USAGE),
    ("subjectKeyIdentifier", NID_SUBJECT_KEY_IDENTIFIER),
    ("authorityKeyIdentifier", NID_AUTHORITY_KEY_IDENTIFIER),
];

/// An extension's value.
#[derive(Clone, Debug)]
pub enum Body {
    /// The DER of the extnValue contents.
    Der(Vec<u8>),
    /// subjectKeyIdentifier=hash: computed from the subject key at signing.
    SubjectKeyHash,
    /// authorityKeyIdentifier=keyid: computed from the issuer key at signing.
    AuthorityKeyId,
}

/// One extension, parsed from its configuration string.
#[derive(Clone, Debug)]
pub struct Ext {
    /// The extnID.
    pub oid: ObjectIdentifier,
    /// The "critical," prefix.
    pub critical: bool,
    /// The value.
    pub body: Body,
}

impl Ext {
    /// The extnValue contents, given the subject and issuer public keys (BIT STRING
    /// contents of their SubjectPublicKeyInfo).
    pub fn value(&self, subject_key: &[u8], issuer_key: &[u8]) -> Result<Vec<u8>, String> {
        let id = |k: &[u8]| {
            let d = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, k);
            OctetString::new(d.as_ref().to_vec()).map_err(|e| e.to_string())
        };
        let der = match &self.body {
            Body::Der(d) => return Ok(d.clone()),
            Body::SubjectKeyHash => SubjectKeyIdentifier(id(subject_key)?).to_der(),
            Body::AuthorityKeyId => AuthorityKeyIdentifier {
                key_identifier: Some(id(issuer_key)?),
                authority_cert_issuer: None,
                authority_cert_serial_number: None,
            }
            .to_der(),
        };
        der.map_err(|e| e.to_string())
    }
}

/// `X509_EXTENSION`.
pub struct X509_EXTENSION {
    ext: Ext,
}

fn der_of(v: impl Encode) -> Result<Vec<u8>, String> {
    v.to_der().map_err(|e| e.to_string())
}

fn parse_basic(items: &[&str]) -> Result<Vec<u8>, String> {
    let mut ca = false;
    let mut pathlen = None;
    for it in items {
        let (k, v) = it
            .split_once(':')
            .ok_or_else(|| format!("bad item '{it}'"))?;
        match (k.trim(), v.trim().to_ascii_uppercase().as_str()) {
            ("CA", "TRUE") => ca = true,
            ("CA", "FALSE") => ca = false,
            ("pathlen", n) => pathlen = Some(n.parse::<u8>().map_err(|_| "bad pathlen")?),
            _ => return Err(format!("unsupported item '{it}'")),
        }
    }
    if pathlen.is_some() && !ca {
        return Err("pathlen without CA:TRUE".into());
    }
    der_of(BasicConstraints {
        ca,
        path_len_constraint: pathlen,
    })
}

fn parse_key_usage(items: &[&str]) -> Result<Vec<u8>, String> {
    let mut bits = FlagSet::<KeyUsages>::default();
    for it in items {
        bits |= match *it {
            "digitalSignature" => KeyUsages::DigitalSignature,
            "nonRepudiation" => KeyUsages::NonRepudiation,
            "keyEncipherment" => KeyUsages::KeyEncipherment,
            "dataEncipherment" => KeyUsages::DataEncipherment,
            "keyAgreement" => KeyUsages::KeyAgreement,
            "keyCertSign" => KeyUsages::KeyCertSign,
            "cRLSign" => KeyUsages::CRLSign,
            "encipherOnly" => KeyUsages::EncipherOnly,
            "decipherOnly" => KeyUsages::DecipherOnly,
            other => return Err(format!("unknown key usage '{other}'")),
        };
    }
    der_of(KeyUsage(bits))
}

fn parse_ext_key_usage(items: &[&str]) -> Result<Vec<u8>, String> {
    let mut oids = Vec::new();
    for it in items {
        // OpenSSL's short names (objects.txt) of the RFC 5280 §4.2.1.12 purposes.
        let dotted = match *it {
            "serverAuth" => "1.3.6.1.5.5.7.3.1",
            "clientAuth" => "1.3.6.1.5.5.7.3.2",
            "codeSigning" => "1.3.6.1.5.5.7.3.3",
            "emailProtection" => "1.3.6.1.5.5.7.3.4",
            "timeStamping" => "1.3.6.1.5.5.7.3.8",
            "OCSPSigning" => "1.3.6.1.5.5.7.3.9",
            "ipsecIKE" => "1.3.6.1.5.5.7.3.17",
            "anyExtendedKeyUsage" => "2.5.29.37.0",
            other => other,
        };
        oids.push(
            ObjectIdentifier::new(dotted)
                .map_err(|_| format!("unknown extended key usage '{it}'"))?,
        );
    }
    der_of(ExtendedKeyUsage(oids))
}

fn ia5(v: &str) -> Result<Ia5String, String> {
    Ia5String::new(v).map_err(|_| format!("'{v}' is not an IA5String"))
}

fn parse_alt_names(items: &[&str]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for it in items {
        let (k, v) = it
            .split_once(':')
            .ok_or_else(|| format!("bad item '{it}'"))?;
        let v = v.trim();
        out.push(match k.trim() {
            "DNS" => GeneralName::DnsName(ia5(v)?),
            "IP" => {
                let octets = match v.parse::<IpAddr>().map_err(|_| "bad IP")? {
                    IpAddr::V4(a) => a.octets().to_vec(),
                    IpAddr::V6(a) => a.octets().to_vec(),
                };
                GeneralName::IpAddress(OctetString::new(octets).map_err(|e| e.to_string())?)
            }
            "email" if v == "copy" || v == "move" => {
                return Err(format!("'email:{v}' is not supported"))
            }
            "email" => GeneralName::Rfc822Name(ia5(v)?),
            "URI" => GeneralName::UniformResourceIdentifier(ia5(v)?),
            other => return Err(format!("unsupported name type '{other}'")),
        });
    }
    if out.is_empty() {
        return Err("no names".into());
    }
    der_of(SubjectAltName(out))
}

fn parse_ski(items: &[&str]) -> Result<Body, String> {
    match items {
        ["hash"] => Ok(Body::SubjectKeyHash),
        [hex] => {
            let digits: String = hex.chars().filter(|c| *c != ':').collect();
            let bytes = (0..digits.len())
                .step_by(2)
                .map(|i| {
                    digits
                        .get(i..i + 2)
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                })
                .collect::<Option<Vec<u8>>>()
                .filter(|b| !b.is_empty())
                .ok_or_else(|| format!("bad key identifier '{hex}'"))?;
            let o = OctetString::new(bytes).map_err(|e| e.to_string())?;
            Ok(Body::Der(der_of(SubjectKeyIdentifier(o))?))
        }
        _ => Err("expected 'hash' or a hex key identifier".into()),
    }
}

fn parse_aki(items: &[&str]) -> Result<Body, String> {
    let mut keyid = false;
    for it in items {
        match *it {
            "keyid" | "keyid:always" => keyid = true,
            // The issuer name and serial go in only when no key identifier can be had.
            "issuer" => {}
            other => return Err(format!("unsupported item '{other}'")),
        }
    }
    if !keyid {
        return Err("only 'keyid' is supported".into());
    }
    Ok(Body::AuthorityKeyId)
}

/// Parses `value` for extension `nid`.
fn parse(nid: c_int, value: &str) -> Result<Ext, String> {
    let all: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let critical = all.first() == Some(&"critical");
    let items = &all[usize::from(critical)..];
    let (oid, body) = match nid {
        NID_BASIC_CONSTRAINTS => (BasicConstraints::OID, Body::Der(parse_basic(items)?)),
        NID_KEY_USAGE => (KeyUsage::OID, Body::Der(parse_key_usage(items)?)),
        NID_SUBJECT_ALT_NAME => (SubjectAltName::OID, Body::Der(parse_alt_names(items)?)),
        NID_EXT_KEY_USAGE => (
            ExtendedKeyUsage::OID,
            Body::Der(parse_ext_key_usage(items)?),
        ),
        NID_SUBJECT_KEY_IDENTIFIER => (SubjectKeyIdentifier::OID, parse_ski(items)?),
        NID_AUTHORITY_KEY_IDENTIFIER => (AuthorityKeyIdentifier::OID, parse_aki(items)?),
        _ => {
            return Err(format!(
                "extension NID {nid} is not supported (basicConstraints, keyUsage, \
                 extendedKeyUsage, subjectAltName, subjectKeyIdentifier, \
                 authorityKeyIdentifier are)"
            ))
        }
    };
    Ok(Ext {
        oid,
        critical,
        body,
    })
}

fn conf_nid(nid: c_int, value: *const c_char) -> *mut X509_EXTENSION {
    if value.is_null() {
        crate::entry::on_null("value");
        return std::ptr::null_mut();
    }
    // SAFETY: non-NULL `value` is a NUL-terminated string (API contract).
    let v = unsafe { CStr::from_ptr(value) }.to_string_lossy();
    match parse(nid, &v) {
        Ok(ext) => Box::into_raw(Box::new(X509_EXTENSION { ext })),
        Err(e) => {
            let reason = if e.contains("not supported") {
                ERR_R_UNSUPPORTED
            } else {
                ERR_R_PASSED_INVALID_ARGUMENT
            };
            put_error(ERR_LIB_X509, reason, format!("extension value '{v}': {e}"));
            std::ptr::null_mut()
        }
    }
}

fn conf_name(name: *const c_char, value: *const c_char) -> *mut X509_EXTENSION {
    if name.is_null() {
        crate::entry::on_null("name");
        return std::ptr::null_mut();
    }
    // SAFETY: non-NULL `name` is a NUL-terminated string (API contract).
    let n = unsafe { CStr::from_ptr(name) }.to_string_lossy();
    match NAMES.iter().find(|(long, _)| *long == n) {
        Some(&(_, nid)) => conf_nid(nid, value),
        None => {
            put_error(
                ERR_LIB_X509,
                ERR_R_UNSUPPORTED,
                format!("extension '{n}' is not supported"),
            );
            std::ptr::null_mut()
        }
    }
}

/// `struct v3_ext_ctx` (public in OpenSSL 3.0's x509v3.h; programs keep it on the stack).
#[repr(C)]
pub struct X509V3_CTX {
    flags: c_int,
    issuer_cert: *mut X509,
    subject_cert: *mut X509,
    subject_req: *mut c_void,
    crl: *mut c_void,
    db_meth: *mut c_void,
    db: *mut c_void,
    issuer_pkey: *mut c_void,
}

entry! {
    /// X509V3_EXT_conf_nid makes extension `ext_nid` from its configuration string (`conf`
    /// may be NULL; the key identifiers are computed at X509_sign, see the module notes).
    fn X509V3_EXT_conf_nid(_conf: *mut c_void, _ctx: *mut X509V3_CTX, ext_nid: c_int,
                           value: *const c_char) -> *mut X509_EXTENSION {
        conf_nid(ext_nid, value)
    }

    /// X509V3_EXT_nconf_nid: as X509V3_EXT_conf_nid.
    fn X509V3_EXT_nconf_nid(_conf: *mut c_void, _ctx: *mut X509V3_CTX, ext_nid: c_int,
                            value: *const c_char) -> *mut X509_EXTENSION {
        conf_nid(ext_nid, value)
    }

    /// X509V3_EXT_conf: as X509V3_EXT_conf_nid, the extension given by name.
    fn X509V3_EXT_conf(_conf: *mut c_void, _ctx: *mut X509V3_CTX, name: *const c_char,
                       value: *const c_char) -> *mut X509_EXTENSION {
        conf_name(name, value)
    }

    /// X509V3_EXT_nconf: as X509V3_EXT_conf.
    fn X509V3_EXT_nconf(_conf: *mut c_void, _ctx: *mut X509V3_CTX, name: *const c_char,
                        value: *const c_char) -> *mut X509_EXTENSION {
        conf_name(name, value)
    }

    /// X509V3_set_ctx fills `ctx` with the certificates the extensions are made for.
    fn X509V3_set_ctx(ctx: *mut X509V3_CTX, issuer: *mut X509, subject: *mut X509,
                      req: *mut c_void, crl: *mut c_void, flags: c_int) {
        let c = crate::try_mut!(ctx, ());
        *c = X509V3_CTX {
            flags,
            issuer_cert: issuer,
            subject_cert: subject,
            subject_req: req,
            crl,
            db_meth: std::ptr::null_mut(),
            db: std::ptr::null_mut(),
            issuer_pkey: std::ptr::null_mut(),
        };
    }

    /// X509_EXTENSION_free; NULL is a no-op.
    fn X509_EXTENSION_free(ex: *mut X509_EXTENSION) {
        if !ex.is_null() {
            // SAFETY: an extension from conf_nid (Box::into_raw), freed once by its owner.
            drop(unsafe { Box::from_raw(ex) });
        }
    }

    /// X509_add_ext copies `ex` into the certificate (written by X509_sign) at `loc` (-1:
    /// last); 1 on success.
    fn X509_add_ext(x: *mut X509, ex: *mut X509_EXTENSION, loc: c_int) -> c_int {
        let e = crate::try_ref!(ex, 0).ext.clone();
        let c = crate::try_mut!(x, 0);
        let at = usize::try_from(loc).map_or(c.exts.len(), |l| l.min(c.exts.len()));
        c.exts.insert(at, e);
        1
    }
}
