//! `X509` certificates: DER in, parsed fields out (subject, issuer, serial, public key,
//! digests), plus names, stores, stacks and PEM I/O in the submodules.
use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_void};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use rdtls::pki::x509::{parse_certificate, CertInfo};

use crate::crypto::digest::{write_digest, EVP_MD};
use crate::crypto::pkey::{self, EVP_PKEY};
use crate::entry::entry;
use crate::error::{put_error, ERR_LIB_X509, ERR_R_NESTED_ASN1_ERROR};
use crate::exdata::{ExData, CRYPTO_EX_INDEX_X509};

pub mod asn1;
pub mod base64;
pub mod check;
pub mod create;
pub mod crl;
pub mod der;
pub mod ext;
pub mod name;
pub mod pem;
pub mod stack;
pub mod store;
pub mod validity;
pub mod verify_param;

#[cfg(test)]
mod create_tests;
#[cfg(test)]
mod tests;

pub use name::X509_NAME;

/// Largest certificate accepted, in bytes (bounds what a C caller can make us parse).
pub const MAX_CERT_DER: usize = 1 << 20;

/// A certificate (`X509`), reference counted.
pub struct X509 {
    refs: AtomicU32,
    der: Vec<u8>,
    info: CertInfo,
    subject: X509_NAME,
    issuer: X509_NAME,
    serial: asn1::ASN1_STRING,
    /// notBefore and notAfter as ASN1_TIME (owned strings; `X509_getm_notBefore`).
    times: [asn1::ASN1_STRING; 2],
    /// Extensions added with X509_add_ext, written by X509_sign.
    exts: Vec<ext::Ext>,
    /// The public key, built on first use (`X509_get0_pubkey`); holds one reference.
    pubkey: OnceLock<usize>,
    pub(crate) ex_data: ExData,
}

impl X509 {
    /// Parses `der` into a new X509 (one reference); NULL and an ERR entry on failure.
    pub fn new_raw(der: &[u8]) -> *mut X509 {
        if der.len() > MAX_CERT_DER {
            put_error(
                ERR_LIB_X509,
                ERR_R_NESTED_ASN1_ERROR,
                "certificate too large",
            );
            return std::ptr::null_mut();
        }
        let info = match parse_certificate(der) {
            Ok(i) => i,
            Err(e) => {
                put_error(
                    ERR_LIB_X509,
                    ERR_R_NESTED_ASN1_ERROR,
                    format!("bad certificate: {e}"),
                );
                return std::ptr::null_mut();
            }
        };
        let subject = X509_NAME::new(info.subject.clone());
        let issuer = X509_NAME::new(info.issuer.clone());
        let mut x = Box::new(X509 {
            refs: AtomicU32::new(1),
            der: der.to_vec(),
            serial: asn1::ASN1_STRING::empty(asn1::V_ASN1_INTEGER),
            times: [
                validity::asn1_time(info.not_before),
                validity::asn1_time(info.not_after),
            ],
            exts: Vec::new(),
            info,
            subject,
            issuer,
            pubkey: OnceLock::new(),
            ex_data: ExData::new(CRYPTO_EX_INDEX_X509, std::ptr::null_mut()),
        });
        x.serial = asn1::ASN1_STRING::over(asn1::V_ASN1_INTEGER, &x.info.serial);
        Box::into_raw(x)
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The parsed fields.
    pub fn info(&self) -> &CertInfo {
        &self.info
    }

    /// The public key (owned by the certificate).
    pub fn pubkey(&self) -> *mut EVP_PKEY {
        *self
            .pubkey
            .get_or_init(|| EVP_PKEY::from_spki(&self.info.spki_der) as usize)
            as *mut EVP_PKEY
    }
}

impl Drop for X509 {
    fn drop(&mut self) {
        self.serial.release();
        for t in &mut self.times {
            t.release();
        }
        if let Some(&k) = self.pubkey.get() {
            pkey::free(k as *mut EVP_PKEY);
        }
    }
}

pub(crate) fn x509_ref<'a>(x: *const X509) -> Option<&'a X509> {
    // SAFETY: NULL or a live X509 from this library (the C caller's contract).
    unsafe { x.as_ref() }
}

/// The certificate being built at `x` (X509_set_*, X509_sign).
pub(crate) fn x509_mut<'a>(x: *mut X509) -> Option<&'a mut X509> {
    // SAFETY: NULL or a live X509; a certificate being built is used by one thread, and the
    // caller holds no other reference into it during the call (API contract).
    unsafe { x.as_mut() }
}

/// `X509_up_ref`.
pub fn up_ref(x: *mut X509) -> bool {
    x509_ref(x)
        .map(|c| c.refs.fetch_add(1, Ordering::Relaxed))
        .is_some()
}

/// `X509_free`: drops one reference.
pub fn free(x: *mut X509) {
    if let Some(c) = x509_ref(x) {
        if c.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            c.ex_data.free(x.cast());
            // SAFETY: last reference; `x` came from Box::into_raw.
            drop(unsafe { Box::from_raw(x) });
        }
    }
}

/// The i2d convention: with `out` NULL return the length; with `*out` NULL allocate (caller
/// frees with OPENSSL_free) and point `*out` at it; otherwise write at `*out` and advance it.
pub(crate) fn i2d_bytes(bytes: &[u8], out: *mut *mut c_uchar) -> c_int {
    let Ok(n) = c_int::try_from(bytes.len()) else {
        return -1;
    };
    if out.is_null() {
        return n;
    }
    // SAFETY: out is non-NULL; *out is NULL or points to room for n bytes (API contract).
    unsafe {
        if (*out).is_null() {
            let p = crate::crypto::mem::alloc(bytes.len()) as *mut c_uchar;
            if p.is_null() {
                return -1;
            }
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
            *out = p;
        } else {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), *out, bytes.len());
            *out = (*out).add(bytes.len());
        }
    }
    n
}

entry! {
    /// X509_free drops one reference; NULL is a no-op.
    fn X509_free(a: *mut X509) { free(a) }

    /// X509_up_ref adds a reference; 1 on success.
    fn X509_up_ref(a: *mut X509) -> c_int { up_ref(a) as c_int }

    /// X509_dup returns an independent copy (one reference).
    fn X509_dup(a: *const X509) -> *mut X509 {
        X509::new_raw(crate::try_ref!(a, std::ptr::null_mut()).der())
    }

    /// d2i_X509 parses a DER certificate at `*in_`, advancing `*in_` past it; stores the
    /// result in `*a` when `a` is non-NULL (freeing the previous one).
    fn d2i_X509(a: *mut *mut X509, in_: *mut *const c_uchar, len: c_long) -> *mut X509 {
        if in_.is_null() {
            crate::entry::on_null("in");
            return std::ptr::null_mut();
        }
        // SAFETY: in_ is non-NULL; *in_ points to `len` readable bytes (API contract).
        let start = unsafe { *in_ };
        let Ok(n) = usize::try_from(len) else { return std::ptr::null_mut() };
        let input = crate::try_slice!(start, n, std::ptr::null_mut());
        let Some(used) = der::element_len(input) else {
            put_error(ERR_LIB_X509, ERR_R_NESTED_ASN1_ERROR, "not a DER element");
            return std::ptr::null_mut();
        };
        let x = X509::new_raw(&input[..used]);
        if x.is_null() {
            return x;
        }
        // SAFETY: advancing within the caller's buffer by the bytes consumed.
        unsafe { *in_ = start.add(used) };
        if !a.is_null() {
            // SAFETY: non-NULL out pointer holding NULL or an X509 we may replace.
            unsafe {
                free(*a);
                *a = x;
            }
        }
        x
    }

    /// i2d_X509 encodes `a` as DER (see the i2d convention); its length, or -1.
    fail = -1;
    fn i2d_X509(a: *const X509, out: *mut *mut c_uchar) -> c_int {
        i2d_bytes(crate::try_ref!(a, -1).der(), out)
    }

    /// X509_get_subject_name: the subject, owned by the certificate.
    fn X509_get_subject_name(a: *const X509) -> *mut X509_NAME {
        let x = crate::try_ref!(a, std::ptr::null_mut());
        &x.subject as *const X509_NAME as *mut X509_NAME
    }

    /// X509_get_issuer_name: the issuer, owned by the certificate.
    fn X509_get_issuer_name(a: *const X509) -> *mut X509_NAME {
        let x = crate::try_ref!(a, std::ptr::null_mut());
        &x.issuer as *const X509_NAME as *mut X509_NAME
    }

    /// X509_get_serialNumber: the serial number, owned by the certificate.
    fn X509_get_serialNumber(x: *mut X509) -> *mut asn1::ASN1_STRING {
        let c = crate::try_ref!(x, std::ptr::null_mut());
        &c.serial as *const asn1::ASN1_STRING as *mut asn1::ASN1_STRING
    }

    /// X509_get0_serialNumber: as X509_get_serialNumber, const.
    fn X509_get0_serialNumber(x: *const X509) -> *const asn1::ASN1_STRING {
        &crate::try_ref!(x, std::ptr::null()).serial
    }

    /// X509_get0_pubkey: the certificate's public key, owned by the certificate.
    fn X509_get0_pubkey(x: *const X509) -> *mut EVP_PKEY {
        crate::try_ref!(x, std::ptr::null_mut()).pubkey()
    }

    /// X509_get_pubkey: the public key with a new reference (free with EVP_PKEY_free).
    fn X509_get_pubkey(x: *mut X509) -> *mut EVP_PKEY {
        let k = crate::try_ref!(x, std::ptr::null_mut()).pubkey();
        pkey::up_ref(k);
        k
    }

    /// X509_check_private_key: 1 when `k` is the private key of `x`'s public key.
    fn X509_check_private_key(x: *const X509, k: *const EVP_PKEY) -> c_int {
        let cert = crate::try_ref!(x, 0);
        let key = crate::try_ref!(k, 0);
        match key.signing_key() {
            Some(sk) if sk.matches_certificate(cert.der()) => 1,
            _ => {
                put_error(ERR_LIB_X509, crate::error::X509_R_KEY_VALUES_MISMATCH, "");
                0
            }
        }
    }

    /// X509_digest: digest of the DER certificate with `type_` into `md` (EVP_MAX_MD_SIZE
    /// bytes), its length into `len`; 1 on success (WebRTC fingerprints use SHA-256).
    fn X509_digest(data: *const X509, type_: *const EVP_MD, md: *mut c_uchar, len: *mut c_uint) -> c_int {
        let x = crate::try_ref!(data, 0);
        let m = crate::try_ref!(type_, 0);
        if md.is_null() {
            crate::entry::on_null("md");
            return 0;
        }
        write_digest(m.digest(x.der()).as_ref(), md, len);
        1
    }

    /// X509_pubkey_digest: digest of the certificate's public key bits (without the
    /// SubjectPublicKeyInfo header).
    fn X509_pubkey_digest(data: *const X509, type_: *const EVP_MD, md: *mut c_uchar, len: *mut c_uint) -> c_int {
        let x = crate::try_ref!(data, 0);
        let m = crate::try_ref!(type_, 0);
        if md.is_null() {
            crate::entry::on_null("md");
            return 0;
        }
        let bits = der::read_tlv(&x.info.spki_der)
            .and_then(|(spki, _)| der::read_tlv(spki.value))
            .and_then(|(_, rest)| der::read_tlv(rest))
            .and_then(|(b, _)| b.value.get(1..));
        let Some(bits) = bits else { return 0 };
        write_digest(m.digest(bits).as_ref(), md, len);
        1
    }

    /// X509_cmp: 0 when both certificates have the same DER (memcmp order otherwise).
    fn X509_cmp(a: *const X509, b: *const X509) -> c_int {
        match (x509_ref(a), x509_ref(b)) {
            (Some(a), Some(b)) => match a.der().cmp(b.der()) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            },
            (None, None) => 0,
            (None, _) => -1,
            (_, None) => 1,
        }
    }

    /// X509_set_ex_data; 1 on success.
    fn X509_set_ex_data(r: *mut X509, idx: c_int, arg: *mut c_void) -> c_int {
        crate::try_ref!(r, 0).ex_data.set(idx, arg) as c_int
    }

    /// X509_get_ex_data.
    fn X509_get_ex_data(r: *const X509, idx: c_int) -> *mut c_void {
        crate::try_ref!(r, std::ptr::null_mut()).ex_data.get(idx)
    }

    /// X509_verify_cert_error_string: the text of X509_V_* code `n`.
    fn X509_verify_cert_error_string(n: c_long) -> *const c_char {
        let code = c_int::try_from(n).unwrap_or(c_int::MAX);
        store::static_text(rdtls::pki::verify_code_string(code))
    }
}
