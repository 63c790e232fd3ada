//! PEM I/O: `PEM_read_bio_X509`, `PEM_read_bio_PrivateKey`, `PEM_write_bio_X509` and their
//! FILE variants.
//!
//! Reading consumes the BIO line by line up to and including the END line of the first
//! matching block, so repeated calls return successive certificates (a chain file), as in
//! OpenSSL. Blocks with other labels (e.g. "EC PARAMETERS") are skipped. Encrypted keys are
//! refused with PEM_R_UNSUPPORTED_ENCRYPTION; the password callback is never called.
use std::ffi::{c_int, c_void};

use super::{free, x509_ref, X509};
use crate::bio::{self, BIO};
use crate::crypto::pkey::{self, EVP_PKEY};
use crate::entry::entry;
use crate::error::{put_error, ERR_LIB_PEM};
use crate::error::{
    PEM_R_BAD_BASE64_DECODE, PEM_R_BAD_END_LINE, PEM_R_NO_START_LINE, PEM_R_UNSUPPORTED_ENCRYPTION,
};

/// `pem_password_cb *` (accepted, never called).
pub type PemPasswordCb =
    Option<unsafe extern "C" fn(*mut std::ffi::c_char, c_int, c_int, *mut c_void) -> c_int>;

/// Longest PEM block read (base64 text), in bytes.
pub const MAX_PEM_BYTES: usize = 1 << 20;
/// Line buffer size for reading (longer lines are read in pieces).
const LINE_BUF: usize = 1024;

const CERT_LABELS: &[&str] = &["CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"];
const KEY_LABELS: &[&str] = &[
    "PRIVATE KEY",
    "EC PRIVATE KEY",
    "RSA PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
];

/// A decoded PEM block.
pub struct Block {
    /// The label between "BEGIN " and the dashes.
    pub label: String,
    /// The decoded body.
    pub der: Vec<u8>,
    /// The block re-assembled as PEM text (BEGIN line to END line).
    pub text: Vec<u8>,
    /// Whether an RFC 1421 "Proc-Type: 4,ENCRYPTED" header was present.
    pub encrypted: bool,
}

fn read_line(b: *mut BIO) -> Option<String> {
    let mut buf = [0u8; LINE_BUF];
    let n = bio::gets(b, &mut buf);
    if n <= 0 {
        return None;
    }
    let n = (n as usize).min(buf.len());
    Some(String::from_utf8_lossy(&buf[..n]).into_owned())
}

/// Reads the next block whose label is in `labels`; pushes an ERR entry and returns None
/// when there is none or it is malformed.
pub fn read_block(b: *mut BIO, labels: &[&str]) -> Option<Block> {
    loop {
        let label = loop {
            let Some(line) = read_line(b) else {
                put_error(
                    ERR_LIB_PEM,
                    PEM_R_NO_START_LINE,
                    format!("Expecting: {}", labels[0]),
                );
                return None;
            };
            let t = line.trim_end();
            if let Some(l) = t
                .strip_prefix("-----BEGIN ")
                .and_then(|r| r.strip_suffix("-----"))
            {
                break l.to_owned();
            }
        };
        let end = format!("-----END {label}-----");
        let mut body = String::new();
        let mut encrypted = false;
        loop {
            let Some(line) = read_line(b) else {
                put_error(ERR_LIB_PEM, PEM_R_BAD_END_LINE, format!("missing '{end}'"));
                return None;
            };
            let t = line.trim();
            if t == end {
                break;
            }
            if t.contains(':') {
                encrypted |= t.starts_with("Proc-Type:") && t.contains("ENCRYPTED");
                continue; // RFC 1421 header line
            }
            if body.len() + t.len() > MAX_PEM_BYTES {
                put_error(ERR_LIB_PEM, PEM_R_BAD_BASE64_DECODE, "PEM block too large");
                return None;
            }
            body.push_str(t);
        }
        if !labels.contains(&label.as_str()) {
            continue;
        }
        let Some(der) = super::base64::decode(body.as_bytes()) else {
            put_error(ERR_LIB_PEM, PEM_R_BAD_BASE64_DECODE, "");
            return None;
        };
        let text = format!(
            "-----BEGIN {label}-----\n{}{end}\n",
            super::base64::encode_lines(&der)
        );
        return Some(Block {
            label,
            der,
            text: text.into_bytes(),
            encrypted,
        });
    }
}

/// Stores `obj` in `*out` (when `out` is non-NULL), releasing what was there.
fn store_out<T>(out: *mut *mut T, obj: *mut T, release: fn(*mut T)) {
    if !out.is_null() && !obj.is_null() {
        // SAFETY: non-NULL out pointer holding NULL or an object we may release.
        unsafe {
            release(*out);
            *out = obj;
        }
    }
}

fn read_x509(bp: *mut BIO, x: *mut *mut X509) -> *mut X509 {
    let Some(block) = read_block(bp, CERT_LABELS) else {
        return std::ptr::null_mut();
    };
    // A TRUSTED CERTIFICATE carries trust settings after the certificate: take the first
    // DER element only.
    let len = super::der::element_len(&block.der).unwrap_or(block.der.len());
    let cert = X509::new_raw(&block.der[..len]);
    store_out(x, cert, free);
    cert
}

fn read_key(bp: *mut BIO, x: *mut *mut EVP_PKEY) -> *mut EVP_PKEY {
    let Some(block) = read_block(bp, KEY_LABELS) else {
        return std::ptr::null_mut();
    };
    if block.encrypted || block.label == "ENCRYPTED PRIVATE KEY" {
        put_error(
            ERR_LIB_PEM,
            PEM_R_UNSUPPORTED_ENCRYPTION,
            "encrypted private keys are not supported",
        );
        return std::ptr::null_mut();
    }
    let k = pkey::private_from_pem(&block.text);
    store_out(x, k, pkey::free);
    k
}

/// Runs `f` on a temporary BIO over `fp` (not closed afterwards).
fn with_fp<R>(fp: *mut libc::FILE, fail: R, f: impl FnOnce(*mut BIO) -> R) -> R {
    if fp.is_null() {
        crate::entry::on_null("fp");
        return fail;
    }
    let b = bio::file::new_fp(fp, crate::bio::consts::BIO_NOCLOSE);
    let r = f(b);
    bio::free(b);
    r
}

fn write_x509(bp: *mut BIO, x: *const X509) -> c_int {
    let Some(cert) = x509_ref(x) else {
        crate::entry::on_null("x");
        return 0;
    };
    let text = format!(
        "-----BEGIN CERTIFICATE-----\n{}-----END CERTIFICATE-----\n",
        super::base64::encode_lines(cert.der())
    );
    bio::write_all(bp, text.as_bytes()) as c_int
}

/// PEM_write_bio_PrivateKey's work: an unencrypted PKCS#8 "PRIVATE KEY" block.
fn write_key(bp: *mut BIO, k: *const EVP_PKEY, enc: *const c_void) -> c_int {
    // SAFETY: NULL or a live EVP_PKEY (API contract).
    let Some(key) = (unsafe { k.as_ref() }) else {
        crate::entry::on_null("x");
        return 0;
    };
    if !enc.is_null() {
        put_error(
            ERR_LIB_PEM,
            PEM_R_UNSUPPORTED_ENCRYPTION,
            "encrypted key output is not supported",
        );
        return 0;
    }
    let Some(der) = key.pkcs8() else {
        put_error(
            ERR_LIB_PEM,
            crate::error::ERR_R_UNSUPPORTED,
            "only keys generated by this library (EVP_PKEY_keygen) can be written",
        );
        return 0;
    };
    let text = zeroize::Zeroizing::new(format!(
        "-----BEGIN PRIVATE KEY-----\n{}-----END PRIVATE KEY-----\n",
        super::base64::encode_lines(der)
    ));
    bio::write_all(bp, text.as_bytes()) as c_int
}

entry! {
    /// PEM_write_bio_PrivateKey writes `x` as an unencrypted PKCS#8 PRIVATE KEY block
    /// (`enc` must be NULL); 1 on success.
    fn PEM_write_bio_PrivateKey(bp: *mut BIO, x: *const EVP_PKEY, enc: *const c_void, _kstr: *const u8,
                                _klen: c_int, _cb: PemPasswordCb, _u: *mut c_void) -> c_int {
        write_key(bp, x, enc)
    }

    /// PEM_write_PrivateKey: PEM_write_bio_PrivateKey to a FILE.
    fn PEM_write_PrivateKey(fp: *mut libc::FILE, x: *const EVP_PKEY, enc: *const c_void, _kstr: *const u8,
                            _klen: c_int, _cb: PemPasswordCb, _u: *mut c_void) -> c_int {
        with_fp(fp, 0, |b| write_key(b, x, enc))
    }
}

entry! {
    /// PEM_read_bio_X509 reads the next certificate from `bp`; stores it in `*x` too when `x`
    /// is non-NULL. NULL (and PEM_R_NO_START_LINE) when there is none.
    fn PEM_read_bio_X509(bp: *mut BIO, x: *mut *mut X509, _cb: PemPasswordCb, _u: *mut c_void) -> *mut X509 {
        read_x509(bp, x)
    }

    /// PEM_read_bio_X509_AUX: as PEM_read_bio_X509 (trust settings are not kept).
    fn PEM_read_bio_X509_AUX(bp: *mut BIO, x: *mut *mut X509, _cb: PemPasswordCb, _u: *mut c_void) -> *mut X509 {
        read_x509(bp, x)
    }

    /// PEM_read_X509: PEM_read_bio_X509 from a FILE.
    fn PEM_read_X509(fp: *mut libc::FILE, x: *mut *mut X509, _cb: PemPasswordCb, _u: *mut c_void) -> *mut X509 {
        with_fp(fp, std::ptr::null_mut(), |b| read_x509(b, x))
    }

    /// PEM_read_bio_PrivateKey reads the next unencrypted private key (PKCS#8, SEC1 or
    /// PKCS#1) from `bp`; stores it in `*x` too when `x` is non-NULL.
    fn PEM_read_bio_PrivateKey(bp: *mut BIO, x: *mut *mut EVP_PKEY, _cb: PemPasswordCb, _u: *mut c_void) -> *mut EVP_PKEY {
        read_key(bp, x)
    }

    /// PEM_read_PrivateKey: PEM_read_bio_PrivateKey from a FILE.
    fn PEM_read_PrivateKey(fp: *mut libc::FILE, x: *mut *mut EVP_PKEY, _cb: PemPasswordCb, _u: *mut c_void) -> *mut EVP_PKEY {
        with_fp(fp, std::ptr::null_mut(), |b| read_key(b, x))
    }

    /// PEM_write_bio_X509 writes `x` as a PEM CERTIFICATE block; 1 on success.
    fn PEM_write_bio_X509(bp: *mut BIO, x: *const X509) -> c_int { write_x509(bp, x) }

    /// PEM_write_X509: PEM_write_bio_X509 to a FILE.
    fn PEM_write_X509(fp: *mut libc::FILE, x: *const X509) -> c_int {
        with_fp(fp, 0, |b| write_x509(b, x))
    }
}
