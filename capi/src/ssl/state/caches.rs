//! C objects made for getters and owned by an `SSL` or `SSL_CTX` (an `EVP_PKEY`, name and
//! cipher stacks, our certificate as an `X509`, an `X509_VERIFY_PARAM`), freed with it.
use std::sync::{Arc, Mutex};

use rdtls::pki::keys::SigningKey;

use crate::host::{self, EVP_PKEY, OPENSSL_STACK, X509, X509_VERIFY_PARAM};

use super::{lock, AppPtr};

/// An `EVP_PKEY` handed out by a `get0`-style getter for one signing key, owned here.
#[derive(Default)]
pub struct PkeyCache {
    /// (identity of the `Arc<SigningKey>`, the object; NULL when none was made).
    slot: Option<(usize, AppPtr)>,
}

impl PkeyCache {
    /// The `EVP_PKEY` for `key` (made once per key and kept), NULL with an error when the
    /// host cannot make one.
    pub fn get(&mut self, key: &Arc<SigningKey>) -> *mut EVP_PKEY {
        let id = Arc::as_ptr(key) as usize;
        if let Some((k, p)) = self.slot {
            if k == id {
                return p.0.cast();
            }
        }
        self.clear();
        let p = host::pkey_from_signing_key(key.clone());
        if !p.is_null() {
            self.slot = Some((id, AppPtr(p.cast())));
        }
        p
    }

    fn clear(&mut self) {
        if let Some((_, p)) = self.slot.take() {
            host::pkey_free(p.0.cast());
        }
    }
}

impl Drop for PkeyCache {
    fn drop(&mut self) {
        self.clear();
    }
}

/// A `STACK_OF(X509_NAME)` handed out by a getter and owned by the object, rebuilt only
/// when the list it shows changed (so a pointer the application holds stays valid until
/// the list is replaced, as with OpenSSL), freed with the object.
#[derive(Default)]
pub struct NameStack(Option<(usize, AppPtr)>);

impl NameStack {
    /// The stack for the list with identity `id`, made by `make` when not cached.
    pub fn get(
        &mut self,
        id: usize,
        make: impl FnOnce() -> *mut OPENSSL_STACK,
    ) -> *mut OPENSSL_STACK {
        if let Some((k, p)) = self.0 {
            if k == id {
                return p.0.cast();
            }
        }
        self.clear();
        let sk = make();
        if !sk.is_null() {
            self.0 = Some((id, AppPtr(sk.cast())));
        }
        sk
    }

    fn clear(&mut self) {
        if let Some((_, old)) = self.0.take() {
            host::stack_free_x509_names(old.0.cast());
        }
    }
}

impl Drop for NameStack {
    fn drop(&mut self) {
        self.clear();
    }
}

/// A `STACK_OF(SSL_CIPHER)` handed out by `SSL_get_ciphers` / `SSL_CTX_get_ciphers`, owned by
/// the object and rebuilt only when the suite list changed (the ciphers are static).
#[derive(Default)]
pub struct CipherStack(Option<(Vec<u16>, AppPtr)>);

#[allow(improper_ctypes)]
extern "C" {
    fn OPENSSL_sk_new_null() -> *mut OPENSSL_STACK;
    fn OPENSSL_sk_push(sk: *mut OPENSSL_STACK, p: *const std::ffi::c_void) -> std::ffi::c_int;
    fn OPENSSL_sk_free(sk: *mut OPENSSL_STACK);
}

impl CipherStack {
    /// The stack for `suites` (IANA ids, in order), made when the list changed.
    pub fn get(&mut self, suites: &[u16]) -> *mut OPENSSL_STACK {
        if let Some((ids, p)) = &self.0 {
            if ids == suites {
                return p.0.cast();
            }
        }
        self.clear();
        // SAFETY: the host's stack constructor.
        let sk = unsafe { OPENSSL_sk_new_null() };
        if sk.is_null() {
            return sk;
        }
        for id in suites {
            if let Some(c) = crate::ssl::cipher::CIPHERS
                .iter()
                .find(|c| c.suite.id == *id)
            {
                // SAFETY: a live stack; the SSL_CIPHER is a static.
                unsafe { OPENSSL_sk_push(sk, (c as *const crate::ssl::cipher::SSL_CIPHER).cast()) };
            }
        }
        self.0 = Some((suites.to_vec(), AppPtr(sk.cast())));
        sk
    }

    fn clear(&mut self) {
        if let Some((_, p)) = self.0.take() {
            // SAFETY: our own stack; its elements are statics, so only the stack goes.
            unsafe { OPENSSL_sk_free(p.0.cast()) };
        }
    }
}

impl Drop for CipherStack {
    fn drop(&mut self) {
        self.clear();
    }
}

/// The `X509` made from our certificate DER (see the module documentation).
#[derive(Default)]
pub struct CertObject {
    slot: Mutex<Option<(Arc<Vec<u8>>, AppPtr)>>,
}

impl CertObject {
    /// The object for `der` (NULL for None), made again only when `der` changed.
    pub fn get(&self, der: Option<Arc<Vec<u8>>>) -> *mut X509 {
        // X509_new/X509_free run application ex_data callbacks, which may call back into
        // this object (SSL_get_certificate): neither runs with the lock held.
        let old = {
            let mut slot = lock(&self.slot);
            if let (Some((held, obj)), Some(d)) = (slot.as_ref(), der.as_ref()) {
                if Arc::ptr_eq(held, d) {
                    return obj.0.cast();
                }
            }
            slot.take()
        };
        if let Some((_, old)) = old {
            host::x509_free(old.0.cast());
        }
        let Some(d) = der else {
            return std::ptr::null_mut();
        };
        let x = host::x509_from_der(&d);
        let mut slot = lock(&self.slot);
        if let Some((held, obj)) = slot.as_ref() {
            if Arc::ptr_eq(held, &d) {
                // A re-entrant call made the same object meanwhile: keep that one.
                let kept = obj.0.cast();
                drop(slot);
                host::x509_free(x);
                return kept;
            }
        }
        let displaced = slot.replace((d, AppPtr(x.cast())));
        drop(slot);
        if let Some((_, other)) = displaced {
            host::x509_free(other.0.cast());
        }
        x
    }
}

impl Drop for CertObject {
    fn drop(&mut self) {
        let held = lock(&self.slot).take();
        if let Some((_, obj)) = held {
            host::x509_free(obj.0.cast());
        }
    }
}

/// An owned parameter object (NULL in the standalone build), freed on drop.
pub struct ParamSlot(*mut X509_VERIFY_PARAM);

// SAFETY: the pointer is only handed to libcrypto, whose parameter objects may move between
// threads; concurrent mutation through SSL_CTX_get0_param is the application's business, as
// in OpenSSL.
unsafe impl Send for ParamSlot {}
// SAFETY: as above.
unsafe impl Sync for ParamSlot {}

impl ParamSlot {
    /// A fresh object (an `SSL_CTX`'s).
    pub fn new() -> Self {
        ParamSlot(host::param_new())
    }

    /// A fresh object inheriting `from`'s settings (what `SSL_new` does).
    pub fn inheriting(from: &ParamSlot) -> Self {
        let p = ParamSlot::new();
        host::param_inherit(p.0, from.0);
        p
    }

    /// The object (NULL in the standalone build).
    pub fn ptr(&self) -> *mut X509_VERIFY_PARAM {
        self.0
    }
}

impl Default for ParamSlot {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for ParamSlot {
    fn drop(&mut self) {
        host::param_free(self.0);
    }
}
