//! `X509_VERIFY_PARAM` of an `SSL_CTX` and of an `SSL` (`SSL_CTX_get0_param`,
//! `SSL_get0_param`, `SSL_CTX_set1_param`, `SSL_set1_param`, `SSL_set_hostflags`).
//!
//! In the drop-in build they are libcrypto's objects, handed to `X509_verify_cert` as
//! OpenSSL's libssl does (host names, host flags, purpose, depth, flags such as
//! `X509_V_FLAG_PARTIAL_CHAIN` or `X509_V_FLAG_CRL_CHECK`). In the standalone build they
//! are `crate::x509::verify_param`'s (host names, depth and the CRL flags act; other flags
//! are refused there).
use std::ffi::{c_int, c_uint};

use crate::entry::*;
use crate::error::{put_error, ERR_LIB_SSL, ERR_R_UNSUPPORTED};
use crate::host::{self, X509_VERIFY_PARAM};

use super::ctx::SSL_CTX;
use super::ssl::SSL;

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

/// NULL with an error when the object could not be made.
fn param_or_error(p: *mut X509_VERIFY_PARAM, name: &str) -> *mut X509_VERIFY_PARAM {
    if p.is_null() {
        put_error(
            ERR_LIB_SSL,
            ERR_R_UNSUPPORTED,
            format!("{name}: no X509_VERIFY_PARAM (allocation failed)"),
        );
    }
    p
}

entry! {
    /// SSL_CTX_get0_param: the context's verification parameters (inherited by SSL_new).
    fn SSL_CTX_get0_param(ctx: *mut SSL_CTX) -> *mut X509_VERIFY_PARAM {
        let ctx = try_ref!(ctx, std::ptr::null_mut());
        param_or_error(ctx.param.ptr(), "SSL_CTX_get0_param")
    }

    /// SSL_get0_param: this connection's verification parameters.
    fn SSL_get0_param(s: *mut SSL) -> *mut X509_VERIFY_PARAM {
        let s = try_ref!(s, std::ptr::null_mut());
        param_or_error(s.param.ptr(), "SSL_get0_param")
    }

    /// SSL_CTX_set1_param copies the set fields of `vpm` into the context's parameters.
    fn SSL_CTX_set1_param(ctx: *mut SSL_CTX, vpm: *const X509_VERIFY_PARAM) -> c_int {
        let ctx = try_ref!(ctx, 0);
        if param_or_error(ctx.param.ptr(), "SSL_CTX_set1_param").is_null() {
            return 0;
        }
        c_int::from(host::param_set1(ctx.param.ptr(), vpm))
    }

    /// SSL_set1_param copies the set fields of `vpm` into this connection's parameters.
    fn SSL_set1_param(s: *mut SSL, vpm: *const X509_VERIFY_PARAM) -> c_int {
        let s = try_ref!(s, 0);
        if param_or_error(s.param.ptr(), "SSL_set1_param").is_null() {
            return 0;
        }
        c_int::from(host::param_set1(s.param.ptr(), vpm))
    }

    /// SSL_set_hostflags sets X509_CHECK_FLAG_* for the host name check.
    fn SSL_set_hostflags(s: *mut SSL, flags: c_uint) {
        let s = try_ref!(s, ());
        if !param_or_error(s.param.ptr(), "SSL_set_hostflags").is_null() {
            host::param_set_hostflags(s.param.ptr(), flags);
        }
    }
}
