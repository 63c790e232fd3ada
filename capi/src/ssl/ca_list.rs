//! Client CA lists: the distinguished names a server puts in its CertificateRequest's
//! `certificate_authorities` (RFC 5246 §7.4.4) so a client can pick a certificate.
//!
//! OpenSSL 3.0 keeps two lists per context and connection: the client CA list
//! (`SSL_CTX_set_client_CA_list`, `SSL_CTX_add_client_CA`) and the general CA list
//! (`SSL_CTX_set0_CA_list`, `SSL_CTX_add1_to_CA_list`); a server sends the first when it is
//! set, else the second. Names are kept as DER and turned into `X509_NAME` stacks only for
//! the getters (the drop-in build; the standalone build has no free-standing names).
use std::ffi::{c_char, c_int, c_void};
use std::sync::Arc;

use crate::entry::*;
use crate::error::{put_error, ERR_LIB_SSL, ERR_R_UNSUPPORTED};
use crate::host::{self, OPENSSL_STACK, X509};

use super::consts::SSL_FILETYPE_PEM;
use super::objects::{SSL, SSL_CTX};
use super::state::lock;
use super::state::values::CaNames;

/// Which of the two lists.
#[derive(Clone, Copy)]
enum Which {
    Client,
    Ca,
}

fn slot(n: &mut CaNames, w: Which) -> &mut Option<Arc<Vec<Vec<u8>>>> {
    match w {
        Which::Client => &mut n.client,
        Which::Ca => &mut n.ca,
    }
}

/// Adds `x`'s subject to a list (no duplicates, as `SSL_add_client_CA` keeps none);
/// 1 on success.
fn add_cert(names: &mut CaNames, w: Which, x: *const X509) -> c_int {
    let Some(der) = host::x509_subject_der(x) else {
        put_error(
            ERR_LIB_SSL,
            ERR_R_UNSUPPORTED,
            "cannot read the certificate's subject name",
        );
        return 0;
    };
    let list = slot(names, w).get_or_insert_with(Default::default);
    if !list.contains(&der) {
        Arc::make_mut(list).push(der);
    }
    1
}

/// Takes ownership of a `STACK_OF(X509_NAME)` and returns its names as DER.
fn take_stack(fname: &str, sk: *mut OPENSSL_STACK) -> Option<Arc<Vec<Vec<u8>>>> {
    if sk.is_null() {
        return None;
    }
    let ders = host::x509_name_stack_der(sk);
    if ders.len() < host::stack_len(sk) {
        put_error(
            ERR_LIB_SSL,
            ERR_R_UNSUPPORTED,
            format!("{fname}: names that cannot be encoded were dropped"),
        );
    }
    host::stack_free_x509_names(sk);
    Some(Arc::new(ders))
}

/// The identity of a list for the getters' caches (0: none).
fn id(list: &Option<Arc<Vec<Vec<u8>>>>) -> usize {
    list.as_ref().map_or(0, |l| Arc::as_ptr(l) as usize)
}

/// The owned stack a getter returns for `list` (NULL when the list was never set).
fn stack_for(
    cache: &mut super::state::caches::NameStack,
    list: &Option<Arc<Vec<Vec<u8>>>>,
) -> *mut OPENSSL_STACK {
    match list {
        None => std::ptr::null_mut(),
        Some(l) => cache.get(id(list), || host::x509_name_stack(l)),
    }
}

/// The subjects of the certificates in PEM `file`, deduplicated; None with an error.
fn file_subjects(file: &str) -> Option<Vec<Vec<u8>>> {
    let data = super::certs::read_file(file)?;
    let certs = super::certs::parse_certs(&data, SSL_FILETYPE_PEM, &format!("'{file}'"))?;
    let mut names: Vec<Vec<u8>> = Vec::new();
    for c in certs {
        if let Ok(i) = rdtls::pki::x509::parse_certificate(&c) {
            if !names.contains(&i.subject_der) {
                names.push(i.subject_der);
            }
        }
    }
    Some(names)
}

/// The stack of the CA names the server sent to this client (NULL when none arrived).
fn peer_ca_list(s: &SSL) -> *mut OPENSSL_STACK {
    let names = s
        .with_conn(|c| c.peer_ca_names().to_vec())
        .unwrap_or_default();
    if names.is_empty() {
        return std::ptr::null_mut();
    }
    let list = Some(Arc::new(names));
    match s.extras.peer_ca_stack.try_borrow_mut() {
        // Keyed by content: the same list keeps the same stack pointer.
        Ok(mut c) => c.get(content_id(&list), || stack_for_new(&list)),
        Err(_) => std::ptr::null_mut(),
    }
}

/// A content key for a list (a simple hash; a collision only reuses a stack of the same
/// length and first bytes, never reads out of bounds).
fn content_id(list: &Option<Arc<Vec<Vec<u8>>>>) -> usize {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    list.as_deref().hash(&mut h);
    h.finish() as usize
}

fn stack_for_new(list: &Option<Arc<Vec<Vec<u8>>>>) -> *mut OPENSSL_STACK {
    list.as_ref()
        .map_or(std::ptr::null_mut(), |l| host::x509_name_stack(l))
}

fn ctx_update(ctx: &SSL_CTX, f: impl FnOnce(&mut CaNames) -> c_int) -> c_int {
    ctx.update(|s| f(&mut s.ca_names))
}

fn ssl_update(s: &SSL, f: impl FnOnce(&mut CaNames) -> c_int) -> c_int {
    s.update_settings(|st| f(&mut st.ca_names)).unwrap_or(0)
}

entry! {
    /// SSL_CTX_set_client_CA_list replaces the client CA list, taking ownership of `list`.
    fn SSL_CTX_set_client_CA_list(ctx: *mut SSL_CTX, list: *mut OPENSSL_STACK) {
        let ctx = try_ref!(ctx, ());
        let names = take_stack("SSL_CTX_set_client_CA_list", list);
        ctx_update(ctx, |n| {
            n.client = names;
            1
        });
    }

    /// SSL_set_client_CA_list: as SSL_CTX_set_client_CA_list, for one connection.
    fn SSL_set_client_CA_list(s: *mut SSL, list: *mut OPENSSL_STACK) {
        let s = try_ref!(s, ());
        let names = take_stack("SSL_set_client_CA_list", list);
        ssl_update(s, |n| {
            n.client = names;
            1
        });
    }

    /// SSL_CTX_set0_CA_list replaces the CA list, taking ownership of `list`.
    fn SSL_CTX_set0_CA_list(ctx: *mut SSL_CTX, list: *mut OPENSSL_STACK) {
        let ctx = try_ref!(ctx, ());
        let names = take_stack("SSL_CTX_set0_CA_list", list);
        ctx_update(ctx, |n| {
            n.ca = names;
            1
        });
    }

    /// SSL_set0_CA_list: as SSL_CTX_set0_CA_list, for one connection.
    fn SSL_set0_CA_list(s: *mut SSL, list: *mut OPENSSL_STACK) {
        let s = try_ref!(s, ());
        let names = take_stack("SSL_set0_CA_list", list);
        ssl_update(s, |n| {
            n.ca = names;
            1
        });
    }

    /// SSL_CTX_add_client_CA appends `x`'s subject to the client CA list; 1 on success.
    fn SSL_CTX_add_client_CA(ctx: *mut SSL_CTX, x: *mut X509) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let _ = try_ref!(x, 0);
        ctx_update(ctx, |n| add_cert(n, Which::Client, x))
    }

    /// SSL_add_client_CA: as SSL_CTX_add_client_CA, for one connection.
    fn SSL_add_client_CA(s: *mut SSL, x: *mut X509) -> c_int {
        let s = try_ref!(s, 0);
        let _ = try_ref!(x, 0);
        ssl_update(s, |n| add_cert(n, Which::Client, x))
    }

    /// SSL_CTX_add1_to_CA_list appends `x`'s subject to the CA list; 1 on success.
    fn SSL_CTX_add1_to_CA_list(ctx: *mut SSL_CTX, x: *const X509) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let _ = try_ref!(x, 0);
        ctx_update(ctx, |n| add_cert(n, Which::Ca, x))
    }

    /// SSL_add1_to_CA_list: as SSL_CTX_add1_to_CA_list, for one connection.
    fn SSL_add1_to_CA_list(s: *mut SSL, x: *const X509) -> c_int {
        let s = try_ref!(s, 0);
        let _ = try_ref!(x, 0);
        ssl_update(s, |n| add_cert(n, Which::Ca, x))
    }

    /// SSL_CTX_get_client_CA_list: the client CA list (owned by the context; NULL when
    /// never set).
    fn SSL_CTX_get_client_CA_list(ctx: *const SSL_CTX) -> *mut OPENSSL_STACK {
        let ctx = try_ref!(ctx, std::ptr::null_mut());
        let list = ctx.with_settings(|s| s.ca_names.client.clone());
        stack_for(&mut lock(&ctx.extras.client_ca_stack), &list)
    }

    /// SSL_get_client_CA_list: on a server, the client CA list it sends; on a client, the
    /// names the server's CertificateRequest listed (NULL before one arrived). Owned by `s`.
    fn SSL_get_client_CA_list(s: *const SSL) -> *mut OPENSSL_STACK {
        let s = try_ref!(s, std::ptr::null_mut());
        if !s.is_server() {
            return peer_ca_list(s);
        }
        let list = s.with_settings(|st| st.ca_names.client.clone());
        match s.extras.client_ca_stack.try_borrow_mut() {
            Ok(mut c) => stack_for(&mut c, &list),
            Err(_) => std::ptr::null_mut(),
        }
    }

    /// SSL_CTX_get0_CA_list: the CA list (owned by the context; NULL when never set).
    fn SSL_CTX_get0_CA_list(ctx: *const SSL_CTX) -> *const OPENSSL_STACK {
        let ctx = try_ref!(ctx, std::ptr::null());
        let list = ctx.with_settings(|s| s.ca_names.ca.clone());
        stack_for(&mut lock(&ctx.extras.ca_stack), &list)
    }

    /// SSL_get0_CA_list: the connection's CA list (owned by `s`).
    fn SSL_get0_CA_list(s: *const SSL) -> *const OPENSSL_STACK {
        let s = try_ref!(s, std::ptr::null());
        let list = s.with_settings(|st| st.ca_names.ca.clone());
        match s.extras.ca_stack.try_borrow_mut() {
            Ok(mut c) => stack_for(&mut c, &list),
            Err(_) => std::ptr::null(),
        }
    }

    /// SSL_get0_peer_CA_list: the CA names the peer sent (a client: the server's
    /// CertificateRequest list; NULL when none), owned by `s`.
    fn SSL_get0_peer_CA_list(s: *const SSL) -> *const OPENSSL_STACK {
        let s = try_ref!(s, std::ptr::null());
        peer_ca_list(s)
    }

    /// SSL_dup_CA_list: a new stack holding copies of the names in `sk`.
    fn SSL_dup_CA_list(sk: *const OPENSSL_STACK) -> *mut OPENSSL_STACK {
        let _ = try_ref!(sk, std::ptr::null_mut());
        let ders = host::x509_name_stack_der(sk);
        let out = host::x509_name_stack(&ders);
        if out.is_null() {
            put_error(ERR_LIB_SSL, ERR_R_UNSUPPORTED, "cannot copy the name list");
        }
        out
    }

    /// SSL_load_client_CA_file reads the subject names of the certificates in a PEM file
    /// into a new `STACK_OF(X509_NAME)` (duplicates dropped); NULL with an error.
    fn SSL_load_client_CA_file(file: *const c_char) -> *mut OPENSSL_STACK {
        let path = try_cstr!(file, std::ptr::null_mut());
        let Some(names) = file_subjects(path) else {
            return std::ptr::null_mut();
        };
        let sk = host::x509_name_stack(&names);
        if sk.is_null() {
            put_error(ERR_LIB_SSL, ERR_R_UNSUPPORTED, "CA name lists need the drop-in build");
        }
        sk
    }

    /// SSL_load_client_CA_file_ex: SSL_load_client_CA_file (the library context and property
    /// query select providers, which rdtls does not use).
    fn SSL_load_client_CA_file_ex(file: *const c_char, _libctx: *mut c_void, _propq: *const c_char) -> *mut OPENSSL_STACK {
        SSL_load_client_CA_file(file)
    }
}
