//! `X509_VERIFY_PARAM` (standalone build): the expected host names, host flags,
//! verification flags and depth an `SSL_CTX`/`SSL` carries (`SSL_get0_param`), read by the
//! verifier at handshake time. Host names and `X509_V_FLAG_CRL_CHECK(_ALL)` act; the other
//! fields are kept and returned by their getters.
use std::ffi::{c_char, c_int, c_uint, c_ulong, CStr, CString};
use std::net::IpAddr;
use std::sync::Mutex;

use crate::entry::*;

/// Most host names one parameter object keeps.
pub const MAX_PARAM_HOSTS: usize = 64;
/// Longest host name accepted.
pub const MAX_PARAM_HOST_LEN: usize = 255;

/// The fields (behind a lock: an `SSL_CTX`'s object may be read by several threads).
#[derive(Debug, Clone, Default)]
pub struct ParamFields {
    /// Expected DNS names (any one must match) and IP literals (CStrings so that
    /// `X509_VERIFY_PARAM_get0_host` can lend them, valid until the list changes).
    pub hosts: Vec<CString>,
    /// `X509_CHECK_FLAG_*`.
    pub hostflags: c_uint,
    /// `X509_V_FLAG_*`.
    pub flags: u64,
    /// Verify depth (-1: unset).
    pub depth: c_int,
    /// `X509_PURPOSE_*` (0: unset).
    pub purpose: c_int,
}

/// `X509_VERIFY_PARAM` (opaque to C).
pub struct X509_VERIFY_PARAM {
    fields: Mutex<ParamFields>,
}

impl X509_VERIFY_PARAM {
    /// The expected host names.
    pub fn hosts(&self) -> Vec<String> {
        self.update(|d| {
            d.hosts
                .iter()
                .filter_map(|h| h.to_str().ok().map(str::to_owned))
                .collect()
        })
    }

    /// A copy of the fields.
    pub fn fields(&self) -> ParamFields {
        self.fields
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn update<R>(&self, f: impl FnOnce(&mut ParamFields) -> R) -> R {
        f(&mut self.fields.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The X509_V_FLAG_* the standalone verifier acts on: CRL_CHECK | CRL_CHECK_ALL.
pub const SUPPORTED_FLAGS: u64 = 0x4 | 0x8;

fn unsupported_flags(kind: &str, flags: u64) {
    crate::error::put_error(
        crate::error::ERR_LIB_X509,
        crate::error::ERR_R_UNSUPPORTED,
        format!("{kind} {flags:#x} not supported by the standalone rdtls verifier"),
    );
}

/// A new, empty parameter object.
pub fn param_new() -> *mut X509_VERIFY_PARAM {
    Box::into_raw(Box::new(X509_VERIFY_PARAM {
        fields: Mutex::new(ParamFields {
            depth: -1,
            ..ParamFields::default()
        }),
    }))
}

/// Frees an object from [`param_new`] (NULL tolerated).
pub fn param_free(p: *mut X509_VERIFY_PARAM) {
    if !p.is_null() {
        // SAFETY: from Box::into_raw in param_new, freed once (API contract).
        drop(unsafe { Box::from_raw(p) });
    }
}

/// Copies `from`'s set fields into `to`; with `overwrite` every set field, otherwise only
/// where `to`'s is unset (X509_VERIFY_PARAM_set1 / _inherit).
pub fn param_copy(to: &X509_VERIFY_PARAM, from: &X509_VERIFY_PARAM, overwrite: bool) {
    if std::ptr::eq(to, from) {
        return;
    }
    let src = from.fields();
    to.update(|d| {
        if !src.hosts.is_empty() && (overwrite || d.hosts.is_empty()) {
            d.hosts = src.hosts.clone();
        }
        if src.hostflags != 0 && (overwrite || d.hostflags == 0) {
            d.hostflags = src.hostflags;
        }
        d.flags |= src.flags;
        if src.depth != -1 && (overwrite || d.depth == -1) {
            d.depth = src.depth;
        }
        if src.purpose != 0 && (overwrite || d.purpose == 0) {
            d.purpose = src.purpose;
        }
    });
}

/// Adds (or with `replace`, sets) a host name; NULL or "" with `replace` clears the list.
fn set_host(p: &X509_VERIFY_PARAM, name: *const c_char, len: usize, replace: bool) -> c_int {
    let n = if name.is_null() {
        String::new()
    } else {
        // SAFETY: NUL-terminated, or `len` readable bytes (API contract).
        let bytes = unsafe {
            if len == 0 {
                CStr::from_ptr(name).to_bytes()
            } else {
                std::slice::from_raw_parts(name.cast::<u8>(), len)
            }
        };
        match std::str::from_utf8(bytes) {
            Ok(s) if s.len() <= MAX_PARAM_HOST_LEN && !s.contains('\0') => s.to_owned(),
            _ => return 0,
        }
    };
    let Ok(n) = CString::new(n) else {
        return 0;
    };
    p.update(|d| {
        if replace {
            d.hosts.clear();
        }
        if n.as_bytes().is_empty() {
            return 1;
        }
        if d.hosts.len() >= MAX_PARAM_HOSTS {
            return 0;
        }
        d.hosts.push(n);
        1
    })
}

entry! {
    /// X509_VERIFY_PARAM_new: an empty parameter object.
    fn X509_VERIFY_PARAM_new() -> *mut X509_VERIFY_PARAM {
        param_new()
    }

    /// X509_VERIFY_PARAM_free; NULL is a no-op.
    fn X509_VERIFY_PARAM_free(p: *mut X509_VERIFY_PARAM) {
        param_free(p)
    }

    /// X509_VERIFY_PARAM_set1 copies every set field of `from`; 1 on success.
    fn X509_VERIFY_PARAM_set1(to: *mut X509_VERIFY_PARAM, from: *const X509_VERIFY_PARAM) -> c_int {
        let (to, from) = (try_ref!(to, 0), try_ref!(from, 0));
        param_copy(to, from, true);
        1
    }

    /// X509_VERIFY_PARAM_inherit copies the fields of `from` that `to` has not set.
    fn X509_VERIFY_PARAM_inherit(to: *mut X509_VERIFY_PARAM, from: *const X509_VERIFY_PARAM) -> c_int {
        let to = try_ref!(to, 0);
        // SAFETY: NULL or a live object (OpenSSL accepts a NULL source).
        if let Some(from) = unsafe { from.as_ref() } {
            param_copy(to, from, false);
        }
        1
    }

    /// X509_VERIFY_PARAM_set1_host makes `name` the only expected host (NULL clears).
    fn X509_VERIFY_PARAM_set1_host(p: *mut X509_VERIFY_PARAM, name: *const c_char, len: usize) -> c_int {
        set_host(try_ref!(p, 0), name, len, true)
    }

    /// X509_VERIFY_PARAM_add1_host adds an expected host.
    fn X509_VERIFY_PARAM_add1_host(p: *mut X509_VERIFY_PARAM, name: *const c_char, len: usize) -> c_int {
        set_host(try_ref!(p, 0), name, len, false)
    }

    /// X509_VERIFY_PARAM_set1_ip_asc expects the IP address `ip` (text form).
    fn X509_VERIFY_PARAM_set1_ip_asc(p: *mut X509_VERIFY_PARAM, ip: *const c_char) -> c_int {
        let p = try_ref!(p, 0);
        let s = try_cstr!(ip, 0);
        if s.parse::<IpAddr>().is_err() {
            return 0;
        }
        let Ok(c) = CString::new(s) else { return 0 };
        p.update(|d| d.hosts = vec![c]);
        1
    }

    /// X509_VERIFY_PARAM_get0_host: the idx-th expected host, NULL past the end.
    fn X509_VERIFY_PARAM_get0_host(p: *mut X509_VERIFY_PARAM, idx: c_int) -> *const c_char {
        let p = try_ref!(p, std::ptr::null());
        let Ok(i) = usize::try_from(idx) else { return std::ptr::null() };
        // The pointer stays valid until the host list changes, as in OpenSSL.
        p.update(|d| d.hosts.get(i).map_or(std::ptr::null(), |h| h.as_ptr()))
    }

    /// X509_VERIFY_PARAM_set_hostflags: only the default matching (0) is supported; other
    /// X509_CHECK_FLAG_* values raise "unsupported" and are not kept.
    fn X509_VERIFY_PARAM_set_hostflags(p: *mut X509_VERIFY_PARAM, flags: c_uint) {
        let p = try_ref!(p, ());
        if flags != 0 {
            unsupported_flags("X509_CHECK_FLAG_*", u64::from(flags));
            return;
        }
        p.update(|d| d.hostflags = 0);
    }

    /// X509_VERIFY_PARAM_get_hostflags.
    fn X509_VERIFY_PARAM_get_hostflags(p: *const X509_VERIFY_PARAM) -> c_uint {
        try_ref!(p, 0).fields().hostflags
    }

    /// X509_VERIFY_PARAM_set_flags adds X509_V_FLAG_CRL_CHECK / _CRL_CHECK_ALL (which the
    /// verifier acts on); any other flag fails with "unsupported" (0) and nothing is set.
    fn X509_VERIFY_PARAM_set_flags(p: *mut X509_VERIFY_PARAM, flags: c_ulong) -> c_int {
        // c_ulong is u64 here but u32 on other targets.
        #[allow(clippy::useless_conversion)]
        let flags = u64::from(flags);
        let p = try_ref!(p, 0);
        if flags & !SUPPORTED_FLAGS != 0 {
            unsupported_flags("X509_V_FLAG_*", flags & !SUPPORTED_FLAGS);
            return 0;
        }
        p.update(|d| d.flags |= flags);
        1
    }

    /// X509_VERIFY_PARAM_clear_flags removes X509_V_FLAG_*.
    fn X509_VERIFY_PARAM_clear_flags(p: *mut X509_VERIFY_PARAM, flags: c_ulong) -> c_int {
        #[allow(clippy::useless_conversion)]
        let flags = u64::from(flags);
        try_ref!(p, 0).update(|d| d.flags &= !flags);
        1
    }

    /// X509_VERIFY_PARAM_get_flags.
    fn X509_VERIFY_PARAM_get_flags(p: *const X509_VERIFY_PARAM) -> c_ulong {
        let f = try_ref!(p, 0).fields().flags;
        c_ulong::try_from(f).unwrap_or(c_ulong::MAX)
    }

    /// X509_VERIFY_PARAM_set_depth sets the verify depth.
    fn X509_VERIFY_PARAM_set_depth(p: *mut X509_VERIFY_PARAM, depth: c_int) {
        try_ref!(p, ()).update(|d| d.depth = depth);
    }

    /// X509_VERIFY_PARAM_get_depth (-1 when unset).
    fn X509_VERIFY_PARAM_get_depth(p: *const X509_VERIFY_PARAM) -> c_int {
        try_ref!(p, -1).fields().depth
    }
}
