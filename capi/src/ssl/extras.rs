//! Per-object state of the functions legacy programs import (issue 8): kept in one field of
//! `SSL` and one of `SSL_CTX` so those structs stay as they were.
use std::cell::{Cell, RefCell};
use std::sync::{Arc, Mutex};

use rdtls::pki::keys::SigningKey;

use crate::host::{self, EVP_PKEY, OPENSSL_STACK};

use super::ctx::lock;
use super::settings::AppPtr;

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
            if let Some(c) = super::cipher::CIPHERS.iter().find(|c| c.suite.id == *id) {
                // SAFETY: a live stack; the SSL_CIPHER is a static.
                unsafe { OPENSSL_sk_push(sk, (c as *const super::cipher::SSL_CIPHER).cast()) };
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

/// The extra state of an `SSL`.
#[derive(Default)]
pub struct SslExtras {
    /// `SSL_get_privatekey`'s object.
    pub pkey: RefCell<PkeyCache>,
    /// The ClientHello the client-hello callback is looking at (see `client_hello.rs`).
    pub client_hello: RefCell<Option<super::client_hello::HelloView>>,
    /// The client-hello callback asked to be called again (`SSL_CLIENT_HELLO_RETRY`) during
    /// the current call: the driver reports `SSL_ERROR_WANT_CLIENT_HELLO_CB`.
    pub client_hello_cb_wanted: std::cell::Cell<bool>,
    /// `SSL_get_client_CA_list`'s stack.
    pub client_ca_stack: RefCell<NameStack>,
    /// `SSL_get0_CA_list`'s stack.
    pub ca_stack: RefCell<NameStack>,
    /// `SSL_get_ciphers`' stack.
    pub ciphers: RefCell<CipherStack>,
    /// `SSL_set_cert_cb`: this connection's certificate callback and argument (None: not
    /// set, the context's applies).
    pub cert_cb: Cell<Option<(Option<super::own_cert::CertCallback>, AppPtr)>>,
    /// The stack of CA names the server sent (client side, `SSL_get0_peer_CA_list`).
    pub peer_ca_stack: RefCell<NameStack>,
}

/// The extra state of an `SSL_CTX` (shared between threads: behind locks).
#[derive(Default)]
pub struct CtxExtras {
    /// `SSL_CTX_get0_privatekey`'s object.
    pub pkey: Mutex<PkeyCache>,
    /// `SSL_CTX_set_client_hello_cb` and its argument.
    pub client_hello_cb: Mutex<Option<(super::client_hello::ClientHelloCallback, AppPtr)>>,
    /// `SSL_CTX_get_ciphers`' stack.
    pub ciphers: Mutex<CipherStack>,
    /// `SSL_CTX_get_client_CA_list`'s stack.
    pub client_ca_stack: Mutex<NameStack>,
    /// `SSL_CTX_get0_CA_list`'s stack.
    pub ca_stack: Mutex<NameStack>,
}

impl CtxExtras {
    /// The client-hello callback, if set.
    pub fn client_hello_cb(&self) -> Option<(super::client_hello::ClientHelloCallback, AppPtr)> {
        *lock(&self.client_hello_cb)
    }
}
