//! Certificates, private keys and `STACK_OF(X509)` as libcrypto objects.
//!
//! Certificates cross the seam as DER (`d2i_X509` / `i2d_X509`). A private key is exported
//! once, when the application hands it over (`SSL_CTX_use_PrivateKey`), with
//! `i2d_PrivateKey` (SEC1, PKCS#1 or PKCS#8 DER), and becomes a ring signing key; the
//! `EVP_PKEY` it came from is remembered so `SSL_CTX_get0_privatekey` and friends can give
//! the application back its own object.
use std::ffi::{c_int, c_long, c_void};
use std::sync::{Arc, Mutex, Weak};

use rdtls::pki::keys::SigningKey;
use zeroize::Zeroizing;

use super::ffi::{self, EVP_PKEY, OPENSSL_STACK, X509};
use super::quietly;
use crate::error::{put_error, ERR_LIB_EVP, ERR_R_UNSUPPORTED};

/// Parses DER into a new libcrypto `X509` (NULL and libcrypto's ERR entry on failure).
pub fn x509_from_der(der: &[u8]) -> *mut X509 {
    let Ok(len) = c_long::try_from(der.len()) else {
        return std::ptr::null_mut();
    };
    let mut p = der.as_ptr();
    // SAFETY: p points to len readable bytes; d2i allocates a new object.
    unsafe { ffi::d2i_X509(std::ptr::null_mut(), &mut p, len) }
}

/// The certificate's DER (`i2d_X509`).
pub fn x509_der(x: *const X509) -> Option<Vec<u8>> {
    if x.is_null() {
        return None;
    }
    // SAFETY: a live X509; with a NULL output i2d only returns the length.
    let n = unsafe { ffi::i2d_X509(x, std::ptr::null_mut()) };
    let len = usize::try_from(n).ok().filter(|&n| n > 0)?;
    let mut out = vec![0u8; len];
    let mut p = out.as_mut_ptr();
    // SAFETY: out has exactly the length i2d reported.
    let written = unsafe { ffi::i2d_X509(x, &mut p) };
    (written == n).then_some(out)
}

/// `X509_up_ref`.
pub fn x509_up_ref(x: *mut X509) -> bool {
    // SAFETY: a live X509 (NULL checked).
    !x.is_null() && unsafe { ffi::X509_up_ref(x) } == 1
}

/// `X509_free`.
pub fn x509_free(x: *mut X509) {
    if !x.is_null() {
        // SAFETY: the caller owns one reference.
        unsafe { ffi::X509_free(x) }
    }
}

/// Signing keys made from application `EVP_PKEY`s, each with one reference to its source.
struct Origin {
    key: Weak<SigningKey>,
    pkey: usize,
}

static ORIGINS: Mutex<Vec<Origin>> = Mutex::new(Vec::new());

fn origins() -> std::sync::MutexGuard<'static, Vec<Origin>> {
    ORIGINS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Drops the `EVP_PKEY` references of signing keys nobody uses any more.
fn sweep(list: &mut Vec<Origin>) {
    list.retain(|o| {
        let alive = o.key.strong_count() > 0;
        if !alive {
            pkey_free(o.pkey as *mut EVP_PKEY);
        }
        alive
    });
}

/// The private key inside `k` as a signing key; None for NULL, a public-only key or an
/// algorithm the engine does not sign with.
pub fn pkey_signing_key(k: *const EVP_PKEY) -> Option<Arc<SigningKey>> {
    if k.is_null() {
        return None;
    }
    // A public-only key makes i2d_PrivateKey raise an error: that is an answer, not a
    // failure of the caller's call.
    let der = quietly(|| {
        // SAFETY: a live EVP_PKEY; with a NULL output i2d only returns the length.
        let n = unsafe { ffi::i2d_PrivateKey(k, std::ptr::null_mut()) };
        let len = usize::try_from(n).ok().filter(|&n| n > 0)?;
        let mut out = Zeroizing::new(vec![0u8; len]);
        let mut p = out.as_mut_ptr();
        // SAFETY: out has exactly the length i2d reported.
        let written = unsafe { ffi::i2d_PrivateKey(k, &mut p) };
        (written == n).then_some(out)
    })?;
    let key = Arc::new(SigningKey::from_der(&der).ok()?);
    if pkey_up_ref(k.cast_mut()) {
        let mut list = origins();
        sweep(&mut list);
        list.push(Origin {
            key: Arc::downgrade(&key),
            pkey: k as usize,
        });
    }
    Some(key)
}

/// The application `EVP_PKEY` (one new reference) that `key` was made from; NULL with an
/// "unsupported" error for a key loaded from a file by this library, which libcrypto never saw.
pub fn pkey_from_signing_key(key: Arc<SigningKey>) -> *mut EVP_PKEY {
    let found = origins()
        .iter()
        .find(|o| std::ptr::eq(o.key.as_ptr(), Arc::as_ptr(&key)))
        .map(|o| o.pkey as *mut EVP_PKEY);
    match found {
        Some(k) if pkey_up_ref(k) => k,
        _ => {
            put_error(
                ERR_LIB_EVP,
                ERR_R_UNSUPPORTED,
                "the private key was loaded from a file and has no libcrypto EVP_PKEY",
            );
            std::ptr::null_mut()
        }
    }
}

/// Parses a DER private key into a new `EVP_PKEY` (`d2i_AutoPrivateKey`).
pub fn pkey_from_der(der: &[u8]) -> *mut EVP_PKEY {
    let Ok(len) = c_long::try_from(der.len()) else {
        return std::ptr::null_mut();
    };
    let mut p = der.as_ptr();
    // SAFETY: p points to len readable bytes.
    unsafe { ffi::d2i_AutoPrivateKey(std::ptr::null_mut(), &mut p, len) }
}

/// `EVP_PKEY_up_ref`.
pub fn pkey_up_ref(k: *mut EVP_PKEY) -> bool {
    // SAFETY: a live EVP_PKEY (NULL checked).
    !k.is_null() && unsafe { ffi::EVP_PKEY_up_ref(k) } == 1
}

/// `EVP_PKEY_free`.
pub fn pkey_free(k: *mut EVP_PKEY) {
    if !k.is_null() {
        // SAFETY: the caller owns one reference.
        unsafe { ffi::EVP_PKEY_free(k) }
    }
}

/// The `X509` pointers of a stack, in order (borrowed: no references are taken).
pub(super) fn stack_items(sk: *const OPENSSL_STACK) -> Vec<*mut X509> {
    if sk.is_null() {
        return Vec::new();
    }
    // SAFETY: a live STACK_OF(X509); indices are within 0..num.
    let n = unsafe { ffi::OPENSSL_sk_num(sk) };
    (0..n.max(0))
        // SAFETY: as above.
        .map(|i| unsafe { ffi::OPENSSL_sk_value(sk, i) }.cast::<X509>())
        .collect()
}

fn push(sk: *mut OPENSSL_STACK, x: *mut X509) -> bool {
    // SAFETY: a live stack; it stores the pointer.
    unsafe { ffi::OPENSSL_sk_push(sk, x.cast_const().cast::<c_void>()) > 0 }
}

/// A new `STACK_OF(X509)` owning new X509 objects parsed from `chain_der` (bad entries are
/// skipped, leaving libcrypto's ERR entry).
pub fn stack_of_x509(chain_der: &[Vec<u8>]) -> *mut OPENSSL_STACK {
    // SAFETY: no arguments.
    let sk = unsafe { ffi::OPENSSL_sk_new_null() };
    if sk.is_null() {
        return sk;
    }
    for der in chain_der {
        let x = x509_from_der(der);
        if !x.is_null() && !push(sk, x) {
            x509_free(x);
        }
    }
    sk
}

/// A new `STACK_OF(X509)` holding one new reference to each of `certs`.
pub fn stack_of_x509_refs(certs: &[*mut X509]) -> *mut OPENSSL_STACK {
    // SAFETY: no arguments.
    let sk = unsafe { ffi::OPENSSL_sk_new_null() };
    if sk.is_null() {
        return sk;
    }
    for &x in certs {
        if x509_up_ref(x) && !push(sk, x) {
            x509_free(x);
        }
    }
    sk
}

/// DER of every X509 in a `STACK_OF(X509)`.
pub fn stack_x509_der(sk: *const OPENSSL_STACK) -> Vec<Vec<u8>> {
    stack_items(sk)
        .into_iter()
        .filter_map(|x| x509_der(x))
        .collect()
}

/// `sk_X509_pop_free(sk, X509_free)`.
pub fn stack_free_x509(sk: *mut OPENSSL_STACK) {
    if sk.is_null() {
        return;
    }
    for x in stack_items(sk) {
        x509_free(x);
    }
    // SAFETY: a live stack we own; its entries were released above.
    unsafe { ffi::OPENSSL_sk_free(sk) }
}

/// Number of entries of a stack (0 for NULL).
pub(super) fn stack_count(sk: *const OPENSSL_STACK) -> c_int {
    if sk.is_null() {
        return 0;
    }
    // SAFETY: a live stack.
    unsafe { ffi::OPENSSL_sk_num(sk) }
}

/// Number of entries of any `STACK_OF(T)` (0 for NULL).
pub fn stack_len(sk: *const OPENSSL_STACK) -> usize {
    usize::try_from(stack_count(sk)).unwrap_or(0)
}

/// `sk_X509_NAME_pop_free(sk, X509_NAME_free)`: releases a stack of names handed over.
pub fn stack_free_x509_names(sk: *mut OPENSSL_STACK) {
    if sk.is_null() {
        return;
    }
    for name in stack_items(sk) {
        // SAFETY: each entry is a name the stack owns.
        unsafe { ffi::X509_NAME_free(name.cast()) };
    }
    // SAFETY: a live stack we own, emptied of its references above.
    unsafe { ffi::OPENSSL_sk_free(sk) }
}

/// `OPENSSL_malloc(len)` from libcrypto (the caller releases it with `OPENSSL_free`).
pub fn crypto_malloc(len: usize) -> *mut c_void {
    // SAFETY: libcrypto's allocator; file/line are only used for its debugging.
    unsafe { ffi::CRYPTO_malloc(len, b"rdtls\0".as_ptr().cast(), 0) }
}

/// A new stack holding the given pointers (not owned: the stack only lists them); NULL when
/// libcrypto cannot allocate.
pub fn stack_of_ptrs(ptrs: &[*const c_void]) -> *mut OPENSSL_STACK {
    // SAFETY: libcrypto's stack constructor.
    let sk = unsafe { ffi::OPENSSL_sk_new_null() };
    for p in ptrs {
        // SAFETY: a live stack; the pointer is stored, never dereferenced by libcrypto.
        if !sk.is_null() && unsafe { ffi::OPENSSL_sk_push(sk, *p) } == 0 {
            // SAFETY: the stack we just made (its entries are not owned).
            unsafe { ffi::OPENSSL_sk_free(sk) };
            return std::ptr::null_mut();
        }
    }
    sk
}
