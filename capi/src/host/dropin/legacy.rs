//! Host functions for the legacy-program API of issue 8: RSA keys and X509_NAME lists as
//! libcrypto objects.
use std::ffi::{c_int, c_long, c_uchar, c_void};

use super::ffi::{X509_NAME_free, EVP_PKEY, OPENSSL_STACK, X509, X509_NAME};

#[allow(improper_ctypes)]
extern "C" {
    fn EVP_PKEY_new() -> *mut EVP_PKEY;
    fn EVP_PKEY_free(k: *mut EVP_PKEY);
    fn EVP_PKEY_set1_RSA(k: *mut EVP_PKEY, rsa: *mut c_void) -> c_int;
    fn i2d_X509_NAME(n: *const c_void, out: *mut *mut c_uchar) -> c_int;
    fn d2i_X509_NAME(a: *mut *mut c_void, pp: *mut *const c_uchar, len: c_long) -> *mut c_void;
    fn OPENSSL_sk_new_null() -> *mut OPENSSL_STACK;
    fn OPENSSL_sk_push(sk: *mut OPENSSL_STACK, p: *const c_void) -> c_int;
    fn OPENSSL_sk_num(sk: *const OPENSSL_STACK) -> c_int;
    fn OPENSSL_sk_value(sk: *const OPENSSL_STACK, i: c_int) -> *mut c_void;
}

/// A new `EVP_PKEY` holding (a reference to) the caller's `RSA`; NULL on failure.
pub fn pkey_from_rsa(rsa: *mut c_void) -> *mut EVP_PKEY {
    if rsa.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: libcrypto's constructor; set1 takes its own reference to a live RSA.
    unsafe {
        let k = EVP_PKEY_new();
        if k.is_null() || EVP_PKEY_set1_RSA(k, rsa) != 1 {
            EVP_PKEY_free(k);
            return std::ptr::null_mut();
        }
        k
    }
}

/// DER of an `X509_NAME` (None when it cannot be encoded).
fn name_der(n: *const c_void) -> Option<Vec<u8>> {
    if n.is_null() {
        return None;
    }
    // SAFETY: a live X509_NAME; the first call sizes, the second writes that many bytes.
    unsafe {
        let len = usize::try_from(i2d_X509_NAME(n, std::ptr::null_mut())).ok()?;
        let mut v = vec![0u8; len];
        let mut p = v.as_mut_ptr();
        (i2d_X509_NAME(n, &mut p) == c_int::try_from(len).ok()?).then_some(v)
    }
}

/// The DER subject name of a certificate.
pub fn x509_subject_der(x: *const X509) -> Option<Vec<u8>> {
    let der = super::x509_der(x)?;
    rdtls::pki::x509::parse_certificate(&der)
        .ok()
        .map(|i| i.subject_der)
}

/// DER of every name in a `STACK_OF(X509_NAME)` (unencodable ones are skipped).
pub fn x509_name_stack_der(sk: *const OPENSSL_STACK) -> Vec<Vec<u8>> {
    if sk.is_null() {
        return Vec::new();
    }
    // SAFETY: a live stack of X509_NAME.
    let n = unsafe { OPENSSL_sk_num(sk) };
    (0..n.max(0))
        // SAFETY: i is in range.
        .filter_map(|i| name_der(unsafe { OPENSSL_sk_value(sk, i) }))
        .collect()
}

/// A new `STACK_OF(X509_NAME)` owning new names decoded from `ders` (NULL on failure); the
/// caller frees it with `stack_free_x509_names`.
pub fn x509_name_stack(ders: &[Vec<u8>]) -> *mut OPENSSL_STACK {
    // SAFETY: libcrypto's constructor.
    let sk = unsafe { OPENSSL_sk_new_null() };
    if sk.is_null() {
        return sk;
    }
    for der in ders {
        let Ok(len) = c_long::try_from(der.len()) else {
            continue;
        };
        let mut p = der.as_ptr();
        // SAFETY: p points to len readable bytes; the new name is pushed or freed.
        unsafe {
            let n = d2i_X509_NAME(std::ptr::null_mut(), &mut p, len);
            if !n.is_null() && OPENSSL_sk_push(sk, n) == 0 {
                X509_NAME_free(n.cast::<X509_NAME>());
            }
        }
    }
    sk
}

#[allow(improper_ctypes)]
extern "C" {
    fn BIO_s_connect() -> *const c_void;
    fn BIO_f_buffer() -> *const c_void;
    fn BIO_new(m: *const c_void) -> *mut super::ffi::BIO;
}

/// A new connect BIO (`BIO_new(BIO_s_connect())`).
pub fn bio_new_connect() -> *mut super::ffi::BIO {
    // SAFETY: libcrypto's constructors.
    unsafe { BIO_new(BIO_s_connect()) }
}

/// A new buffering filter BIO (`BIO_new(BIO_f_buffer())`).
pub fn bio_new_buffer() -> *mut super::ffi::BIO {
    // SAFETY: libcrypto's constructors.
    unsafe { BIO_new(BIO_f_buffer()) }
}
