//! The certificate extensions a program sets before `X509_sign` when it makes a CA or a
//! server certificate: `X509V3_EXT_conf_nid` / `X509V3_EXT_nconf_nid` with OpenSSL's
//! configuration syntax for basicConstraints ("critical,CA:TRUE,pathlen:0"), keyUsage
//! ("critical,keyCertSign,cRLSign") and subjectAltName ("DNS:host,IP:127.0.0.1"), then
//! `X509_add_ext`. rcgen writes them (RFC 5280 §4.2.1.9, §4.2.1.3, §4.2.1.6) and chooses the
//! criticality itself: basicConstraints and keyUsage critical, subjectAltName not. A CA
//! certificate also gets a subjectKeyIdentifier (create.rs).
use std::ffi::{c_char, c_int, c_void, CStr};
use std::net::IpAddr;

use rcgen::{BasicConstraints, IsCa, KeyUsagePurpose, SanType};

use super::X509;
use crate::entry::entry;
use crate::error::{put_error, ERR_LIB_X509, ERR_R_PASSED_INVALID_ARGUMENT, ERR_R_UNSUPPORTED};

/// `NID_basic_constraints`.
pub const NID_BASIC_CONSTRAINTS: c_int = 87;
/// `NID_key_usage`.
pub const NID_KEY_USAGE: c_int = 83;
/// `NID_subject_alt_name`.
pub const NID_SUBJECT_ALT_NAME: c_int = 85;

/// One extension, parsed from its configuration string.
#[derive(Clone, Debug)]
pub enum Ext {
    /// basicConstraints.
    Basic(IsCa),
    /// keyUsage.
    KeyUsage(Vec<KeyUsagePurpose>),
    /// subjectAltName.
    AltNames(Vec<SanType>),
}

/// `X509_EXTENSION`.
pub struct X509_EXTENSION {
    ext: Ext,
}

fn parse_basic(items: &[&str]) -> Result<Ext, String> {
    let mut ca = None;
    let mut pathlen = None;
    for it in items {
        let (k, v) = it
            .split_once(':')
            .ok_or_else(|| format!("bad item '{it}'"))?;
        match (k.trim(), v.trim().to_ascii_uppercase().as_str()) {
            ("CA", "TRUE") => ca = Some(true),
            ("CA", "FALSE") => ca = Some(false),
            ("pathlen", n) => pathlen = Some(n.parse::<u8>().map_err(|_| "bad pathlen")?),
            _ => return Err(format!("unsupported item '{it}'")),
        }
    }
    Ok(Ext::Basic(match (ca, pathlen) {
        (Some(true), None) => IsCa::Ca(BasicConstraints::Unconstrained),
        (Some(true), Some(n)) => IsCa::Ca(BasicConstraints::Constrained(n)),
        (Some(false), None) | (None, None) => IsCa::ExplicitNoCa,
        _ => return Err("pathlen without CA:TRUE".into()),
    }))
}

fn parse_key_usage(items: &[&str]) -> Result<Ext, String> {
    let mut out = Vec::new();
    for it in items {
        out.push(match *it {
            "digitalSignature" => KeyUsagePurpose::DigitalSignature,
            "nonRepudiation" => KeyUsagePurpose::ContentCommitment,
            "keyEncipherment" => KeyUsagePurpose::KeyEncipherment,
            "dataEncipherment" => KeyUsagePurpose::DataEncipherment,
            "keyAgreement" => KeyUsagePurpose::KeyAgreement,
            "keyCertSign" => KeyUsagePurpose::KeyCertSign,
            "cRLSign" => KeyUsagePurpose::CrlSign,
            "encipherOnly" => KeyUsagePurpose::EncipherOnly,
            "decipherOnly" => KeyUsagePurpose::DecipherOnly,
            other => return Err(format!("unknown key usage '{other}'")),
        });
    }
    Ok(Ext::KeyUsage(out))
}

fn parse_alt_names(items: &[&str]) -> Result<Ext, String> {
    let mut out = Vec::new();
    for it in items {
        let (k, v) = it
            .split_once(':')
            .ok_or_else(|| format!("bad item '{it}'"))?;
        out.push(match k.trim() {
            "DNS" => SanType::DnsName(v.trim().try_into().map_err(|_| "bad DNS name")?),
            "IP" => SanType::IpAddress(v.trim().parse::<IpAddr>().map_err(|_| "bad IP")?),
            "email" => SanType::Rfc822Name(v.trim().try_into().map_err(|_| "bad email")?),
            "URI" => SanType::URI(v.trim().try_into().map_err(|_| "bad URI")?),
            other => return Err(format!("unsupported name type '{other}'")),
        });
    }
    Ok(Ext::AltNames(out))
}

/// Parses `value` for extension `nid` ("critical," is accepted and left to the writer).
fn parse(nid: c_int, value: &str) -> Result<Ext, String> {
    let items: Vec<&str> = value
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty() && *s != "critical")
        .collect();
    match nid {
        NID_BASIC_CONSTRAINTS => parse_basic(&items),
        NID_KEY_USAGE => parse_key_usage(&items),
        NID_SUBJECT_ALT_NAME => parse_alt_names(&items),
        _ => Err(format!(
            "extension NID {nid} is not supported (basicConstraints, keyUsage, subjectAltName are)"
        )),
    }
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

entry! {
    /// X509V3_EXT_conf_nid makes extension `ext_nid` from its configuration string (`conf`
    /// and `ctx` may be NULL and are not used).
    fn X509V3_EXT_conf_nid(_conf: *mut c_void, _ctx: *mut c_void, ext_nid: c_int,
                           value: *const c_char) -> *mut X509_EXTENSION {
        conf_nid(ext_nid, value)
    }

    /// X509V3_EXT_nconf_nid: as X509V3_EXT_conf_nid.
    fn X509V3_EXT_nconf_nid(_conf: *mut c_void, _ctx: *mut c_void, ext_nid: c_int,
                            value: *const c_char) -> *mut X509_EXTENSION {
        conf_nid(ext_nid, value)
    }

    /// X509_EXTENSION_free; NULL is a no-op.
    fn X509_EXTENSION_free(ex: *mut X509_EXTENSION) {
        if !ex.is_null() {
            // SAFETY: an extension from conf_nid (Box::into_raw), freed once by its owner.
            drop(unsafe { Box::from_raw(ex) });
        }
    }

    /// X509_add_ext copies `ex` into the certificate (written by X509_sign); `loc` is
    /// ignored (rcgen orders extensions). 1 on success.
    fn X509_add_ext(x: *mut X509, ex: *mut X509_EXTENSION, _loc: c_int) -> c_int {
        let e = crate::try_ref!(ex, 0).ext.clone();
        crate::try_mut!(x, 0).exts.push(e);
        1
    }
}
