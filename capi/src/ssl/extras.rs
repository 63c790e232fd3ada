//! Per-object state of the functions legacy programs import (issue 8): kept in one field of
//! `SSL` and one of `SSL_CTX` so those structs stay as they were.
use std::cell::{Cell, RefCell};
use std::sync::Mutex;

use super::state::caches::{CipherStack, NameStack, PkeyCache};
use super::state::lock;
use super::state::AppPtr;

/// The extra state of an `SSL`.
#[derive(Default)]
pub struct SslExtras {
    /// `SSL_get_privatekey`'s object.
    pub pkey: RefCell<PkeyCache>,
    /// The ClientHello the client-hello callback is looking at (see `client_hello.rs`).
    pub client_hello: RefCell<Option<super::state::hello::HelloView>>,
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
