//! `X509_VERIFY_PARAM` objects of contexts and connections (`SSL_get0_param`,
//! `SSL_set1_param`, ...): programs set the expected host name or the depth limit there, and
//! a handshake applies what the engine's verifier checks (host name, depth) when it starts.
//! The objects are libcrypto's (drop-in build); the standalone build has none.
use std::ffi::c_int;
use std::ffi::c_void;

use crate::entry::*;
use crate::error::{put_error, ERR_LIB_SSL, ERR_R_UNSUPPORTED};
use crate::host;

use super::ctx::{lock, SSL_CTX};
use super::settings::AppPtr;
use super::ssl::SSL;

/// An owned parameter object, freed with its holder.
#[derive(Default)]
pub struct ParamSlot(Option<AppPtr>);

impl ParamSlot {
    /// The object, made on first use (`inherit_from`: copied in from the context's);
    /// NULL with an error where the build has none.
    pub fn get(&mut self, inherit_from: *const c_void) -> *mut c_void {
        if let Some(p) = self.0 {
            return p.0;
        }
        let p = host::param_new();
        if p.is_null() {
            put_error(
                ERR_LIB_SSL,
                ERR_R_UNSUPPORTED,
                "X509_VERIFY_PARAM objects need the drop-in build",
            );
            return p;
        }
        if !inherit_from.is_null() {
            host::param_copy(p, inherit_from, true);
        }
        self.0 = Some(AppPtr(p));
        p
    }

    /// The object if one was made.
    pub fn peek(&self) -> *mut c_void {
        self.0.map_or(std::ptr::null_mut(), |p| p.0)
    }
}

impl Drop for ParamSlot {
    fn drop(&mut self) {
        if let Some(p) = self.0.take() {
            host::param_free(p.0);
        }
    }
}

/// Applies the expected host name and depth limit of `s`'s parameters (or its context's)
/// to its settings before a handshake starts.
pub(crate) fn apply(s: &SSL) {
    let own = s
        .extras
        .param
        .try_borrow()
        .map(|p| p.peek())
        .unwrap_or(std::ptr::null_mut());
    let p = if own.is_null() {
        lock(&s.ctx().extras.param).peek()
    } else {
        own
    };
    let (host_name, depth) = host::param_host_depth(p);
    if let Some(c) = host_name.and_then(|h| std::ffi::CString::new(h).ok()) {
        // The names the server certificate must match, kept apart from SNI as OpenSSL does.
        super::setters::SSL_set1_host(s.as_ptr(), c.as_ptr());
    }
    if depth >= 0 {
        s.update_settings(|st| st.verify_depth = depth);
    }
}

entry! {
    /// SSL_CTX_get0_param: the context's verification parameters (owned by the context).
    fn SSL_CTX_get0_param(ctx: *mut SSL_CTX) -> *mut c_void {
        let ctx = try_ref!(ctx, std::ptr::null_mut());
        lock(&ctx.extras.param).get(std::ptr::null())
    }

    /// SSL_get0_param: the connection's verification parameters (owned by `s`; starts as a
    /// copy of the context's).
    fn SSL_get0_param(s: *mut SSL) -> *mut c_void {
        let s = try_ref!(s, std::ptr::null_mut());
        let from = lock(&s.ctx().extras.param).peek();
        match s.extras.param.try_borrow_mut() {
            Ok(mut p) => p.get(from),
            Err(_) => std::ptr::null_mut(),
        }
    }

    /// SSL_CTX_set1_param copies `vpm` into the context's parameters; 1 on success.
    fn SSL_CTX_set1_param(ctx: *mut SSL_CTX, vpm: *mut c_void) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let _ = try_ref!(vpm, 0);
        let p = lock(&ctx.extras.param).get(std::ptr::null());
        c_int::from(host::param_copy(p, vpm, false))
    }

    /// SSL_set1_param copies `vpm` into the connection's parameters; 1 on success.
    fn SSL_set1_param(s: *mut SSL, vpm: *mut c_void) -> c_int {
        let s = try_ref!(s, 0);
        let _ = try_ref!(vpm, 0);
        let p = SSL_get0_param(s.as_ptr());
        c_int::from(host::param_copy(p, vpm, false))
    }
}
