//! Trust anchors: `SSL_CTX_load_verify_locations` and friends, the context's certificate
//! store (`X509_STORE`, reached through the host seam), the system bundle, and the PEM
//! password callback settings.
use std::ffi::{c_char, c_int, c_void};

use rdtls::pki::pem::load_certificates;

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{
    put_error, put_sys_error, ERR_LIB_SSL, ERR_LIB_X509, ERR_R_PEM_LIB, ERR_R_SYS_LIB,
};
use crate::host::{self, X509_STORE};

use super::certs::read_file;
use super::objects::{PasswordCallback, SSL_CTX};
use super::state::AppPtr;

/// `X509_R_NO_CERTIFICATE_OR_CRL_FOUND`.
const X509_R_NO_CERTIFICATE_OR_CRL_FOUND: c_int = 136;
/// Most files read from one CA directory.
pub const MAX_CA_DIR_FILES: usize = 10_000;

/// Adds every certificate of a PEM file to the store; the number added.
fn add_file_to_store(st: *mut X509_STORE, path: &str) -> Option<usize> {
    let data = read_file(path)?;
    let certs = match load_certificates(&data) {
        Ok(c) => c,
        Err(e) => {
            put_error(
                ERR_LIB_SSL,
                ERR_R_PEM_LIB,
                format!("bad certificate in '{path}': {e}"),
            );
            return None;
        }
    };
    let mut added = 0;
    for der in certs {
        let x = host::x509_from_der(&der);
        if x.is_null() {
            continue;
        }
        if host::store_add_cert(st, x) {
            added += 1;
        }
        host::x509_free(x);
    }
    Some(added)
}

/// Adds the certificates of every readable PEM file in a directory.
fn add_dir_to_store(st: *mut X509_STORE, dir: &str) -> Option<usize> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            put_sys_error(
                e.raw_os_error().unwrap_or(0),
                format!("calling opendir({dir})"),
            );
            put_error(
                ERR_LIB_SSL,
                ERR_R_SYS_LIB,
                format!("cannot read CA directory '{dir}': {e}"),
            );
            return None;
        }
    };
    let mut added = 0;
    for entry in entries.flatten().take(MAX_CA_DIR_FILES) {
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let Ok(data) = std::fs::read(&path) else {
            continue;
        };
        if let Ok(certs) = load_certificates(&data) {
            for der in certs {
                let x = host::x509_from_der(&der);
                if !x.is_null() {
                    added += usize::from(host::store_add_cert(st, x));
                    host::x509_free(x);
                }
            }
        }
    }
    // Files that were not certificates leave errors behind; they are not failures here.
    Some(added)
}

fn load_verify(ctx: &SSL_CTX, file: Option<&str>, dir: Option<&str>) -> c_int {
    if file.is_none() && dir.is_none() {
        return 0;
    }
    let st = ctx.cert_store_ref();
    let st = st.ptr();
    if let Some(f) = file {
        match add_file_to_store(st, f) {
            Some(0) => {
                put_error(
                    ERR_LIB_X509,
                    X509_R_NO_CERTIFICATE_OR_CRL_FOUND,
                    format!("no certificate in '{f}'"),
                );
                return 0;
            }
            Some(_) => {}
            None => return 0,
        }
    }
    if let Some(d) = dir {
        if add_dir_to_store(st, d).is_none() {
            return 0;
        }
    }
    1
}

/// An optional C string argument.
fn opt_str<'a>(p: *const c_char) -> Result<Option<&'a str>, ()> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL and NUL-terminated (API contract).
    let c = unsafe { std::ffi::CStr::from_ptr(p) };
    c.to_str().map(Some).map_err(|_| {
        put_error(ERR_LIB_SSL, SSL_R_BAD_VALUE, "path is not UTF-8");
    })
}

entry! {
    /// SSL_CTX_load_verify_locations adds trust anchors from a PEM file and/or a directory
    /// of PEM files; 1 on success.
    fn SSL_CTX_load_verify_locations(ctx: *mut SSL_CTX, file: *const c_char, dir: *const c_char) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let (Ok(f), Ok(d)) = (opt_str(file), opt_str(dir)) else { return 0 };
        load_verify(ctx, f, d)
    }

    /// SSL_CTX_load_verify_file adds the trust anchors of a PEM file; 1 on success.
    fn SSL_CTX_load_verify_file(ctx: *mut SSL_CTX, file: *const c_char) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let f = try_cstr!(file, 0);
        load_verify(ctx, Some(f), None)
    }

    /// SSL_CTX_load_verify_dir adds the trust anchors of a directory; 1 on success.
    fn SSL_CTX_load_verify_dir(ctx: *mut SSL_CTX, dir: *const c_char) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let d = try_cstr!(dir, 0);
        load_verify(ctx, None, Some(d))
    }

    /// SSL_CTX_set_default_verify_paths trusts the system's CA bundle too; 1.
    fn SSL_CTX_set_default_verify_paths(ctx: *mut SSL_CTX) -> c_int {
        let ctx = try_ref!(ctx, 0);
        ctx.update_live(|l| l.system_trust = true);
        // The drop-in's store is libcrypto's, which verifies chains there: give it the
        // default locations too.
        c_int::from(host::store_set_default_paths(ctx.cert_store_ref().ptr()))
    }

    /// SSL_CTX_set_default_verify_file: the system's CA bundle (the default file), as
    /// SSL_CTX_set_default_verify_paths; 1.
    fn SSL_CTX_set_default_verify_file(ctx: *mut SSL_CTX) -> c_int {
        SSL_CTX_set_default_verify_paths(ctx)
    }

    /// SSL_CTX_set_default_verify_dir: the system's trust anchors, as
    /// SSL_CTX_set_default_verify_paths (the engine reads the system store as a whole); 1.
    fn SSL_CTX_set_default_verify_dir(ctx: *mut SSL_CTX) -> c_int {
        SSL_CTX_set_default_verify_paths(ctx)
    }

    /// SSL_CTX_set_default_verify_store: the system's trust anchors, as
    /// SSL_CTX_set_default_verify_paths; 1.
    fn SSL_CTX_set_default_verify_store(ctx: *mut SSL_CTX) -> c_int {
        SSL_CTX_set_default_verify_paths(ctx)
    }

    /// SSL_CTX_get_cert_store returns the trust store (owned by the context).
    fn SSL_CTX_get_cert_store(ctx: *const SSL_CTX) -> *mut X509_STORE {
        let ctx = try_ref!(ctx, std::ptr::null_mut());
        ctx.cert_store()
    }

    /// SSL_CTX_set_cert_store replaces the trust store, taking ownership of `st`.
    fn SSL_CTX_set_cert_store(ctx: *mut SSL_CTX, st: *mut X509_STORE) {
        let ctx = try_ref!(ctx, ());
        if st.is_null() {
            ctx.set_cert_store(host::store_new());
        } else {
            ctx.set_cert_store(st);
        }
    }

    /// SSL_CTX_set1_cert_store replaces the trust store, adding a reference to `st`.
    fn SSL_CTX_set1_cert_store(ctx: *mut SSL_CTX, st: *mut X509_STORE) {
        let ctx = try_ref!(ctx, ());
        if st.is_null() {
            ctx.set_cert_store(host::store_new());
        } else {
            host::store_up_ref(st);
            ctx.set_cert_store(st);
        }
    }

    /// SSL_CTX_set_default_passwd_cb stores the PEM password callback (encrypted keys are
    /// not supported: load unencrypted PKCS#8, PKCS#1 or SEC1 keys).
    fn SSL_CTX_set_default_passwd_cb(ctx: *mut SSL_CTX, cb: Option<PasswordCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| l.passwd_callback = cb);
    }

    /// SSL_CTX_set_default_passwd_cb_userdata stores the password callback's argument.
    fn SSL_CTX_set_default_passwd_cb_userdata(ctx: *mut SSL_CTX, u: *mut c_void) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| l.passwd_userdata = AppPtr(u));
    }
}
