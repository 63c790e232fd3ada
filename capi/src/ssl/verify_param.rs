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

use super::objects::{SSL, SSL_CTX};

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
