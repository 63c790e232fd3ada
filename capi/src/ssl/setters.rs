//! Context and connection settings that are plain functions in OpenSSL 3.0: options, cipher
//! lists, session settings, cookie callbacks, host names
//! (SRTP and ALPN lists: srtp.rs, alpn.rs).
use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, CString};

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{put_error, ERR_LIB_SSL};

use super::cipher_list::{parse_cipher_list, parse_tls13_ciphersuites};
use super::consts::*;
use super::objects::{
    CookieGenerateCallback, CookieVerifyCallback, NewSessionCallback, SSL, SSL_CTX,
};
use super::settings::session_lifetime;
use super::state::session::SSL_SESSION;

/// Parses the C cipher string `str_`, raising OpenSSL's errors on failure (NULL included).
#[track_caller]
fn cipher_list(str_: *const c_char) -> Option<Vec<&'static rdtls::suites::CipherSuite>> {
    if str_.is_null() {
        crate::entry::on_null("str");
        return None;
    }
    // SAFETY: non-NULL, NUL-terminated (API contract).
    let bytes = unsafe { std::ffi::CStr::from_ptr(str_) }.to_bytes();
    match parse_cipher_list(bytes) {
        Ok(l) => Some(l.suites),
        Err(e) => {
            put_error(ERR_LIB_SSL, e.reason, e.detail);
            None
        }
    }
}

/// Validates a session ID context (at most 32 bytes).
fn sid_ctx(p: *const c_uchar, len: c_uint) -> Option<Vec<u8>> {
    let n = usize::try_from(len).ok()?;
    if n > SSL_MAX_SID_CTX_LENGTH {
        put_error(
            ERR_LIB_SSL,
            SSL_R_SSL_SESSION_ID_CONTEXT_TOO_LONG,
            format!("{n} bytes (at most {SSL_MAX_SID_CTX_LENGTH})"),
        );
        return None;
    }
    if n == 0 {
        return Some(Vec::new());
    }
    if p.is_null() {
        crate::entry::on_null("sid_ctx");
        return None;
    }
    // SAFETY: the caller passes `len` readable bytes.
    Some(unsafe { std::slice::from_raw_parts(p, n) }.to_vec())
}

entry! {
    /// SSL_CTX_set_options adds `op` (SSL_OP_*) and returns the new options.
    fn SSL_CTX_set_options(ctx: *mut SSL_CTX, op: u64) -> u64 {
        let ctx = try_ref!(ctx, 0);
        ctx.update(|s| {
            s.options |= op;
            s.options
        })
    }

    /// SSL_CTX_clear_options removes `op` and returns the new options.
    fn SSL_CTX_clear_options(ctx: *mut SSL_CTX, op: u64) -> u64 {
        let ctx = try_ref!(ctx, 0);
        ctx.update(|s| {
            s.options &= !op;
            s.options
        })
    }

    /// SSL_CTX_get_options returns the options.
    fn SSL_CTX_get_options(ctx: *const SSL_CTX) -> u64 {
        let ctx = try_ref!(ctx, 0);
        ctx.with_settings(|s| s.options)
    }

    /// SSL_CTX_set_cipher_list selects the DTLS 1.2 suites with an OpenSSL cipher string;
    /// 1 on success, 0 ("no cipher match") when nothing usable remains.
    fn SSL_CTX_set_cipher_list(ctx: *mut SSL_CTX, str_: *const c_char) -> c_int {
        let ctx = try_ref!(ctx, 0);
        cipher_list(str_).map_or(0, |suites| {
            ctx.update(|s| s.suites = suites);
            1
        })
    }

    /// SSL_set_cipher_list: as SSL_CTX_set_cipher_list for one connection.
    fn SSL_set_cipher_list(s: *mut SSL, str_: *const c_char) -> c_int {
        let s = try_ref!(s, 0);
        cipher_list(str_).map_or(0, |suites| {
            s.update_settings(|st| st.suites = suites);
            1
        })
    }

    /// SSL_CTX_set_ciphersuites selects the TLS 1.3 suites DTLS 1.3 uses (OpenSSL's rules:
    /// unknown names skipped, "" means none, 0 with "no cipher match" when a non-empty list
    /// names no known suite). The DTLS 1.2 suites stay SSL_CTX_set_cipher_list's.
    fn SSL_CTX_set_ciphersuites(ctx: *mut SSL_CTX, str_: *const c_char) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let s = try_cstr!(str_, 0);
        match parse_tls13_ciphersuites(s) {
            Ok(ids) => {
                ctx.update(|st| st.tls13_suites = ids);
                1
            }
            Err(why) => {
                put_error(ERR_LIB_SSL, SSL_R_NO_CIPHER_MATCH, why);
                0
            }
        }
    }

    /// SSL_set_ciphersuites: as SSL_CTX_set_ciphersuites for one connection.
    fn SSL_set_ciphersuites(s: *mut SSL, str_: *const c_char) -> c_int {
        let s = try_ref!(s, 0);
        let st = try_cstr!(str_, 0);
        match parse_tls13_ciphersuites(st) {
            Ok(ids) => {
                s.update_settings(|set| set.tls13_suites = ids);
                1
            }
            Err(why) => {
                put_error(ERR_LIB_SSL, SSL_R_NO_CIPHER_MATCH, why);
                0
            }
        }
    }

    /// SSL_get_cipher_list returns the name of the `n`th enabled suite, NULL past the end.
    fn SSL_get_cipher_list(s: *const SSL, n: c_int) -> *const c_char {
        let s = try_ref!(s, std::ptr::null());
        let Ok(i) = usize::try_from(n) else { return std::ptr::null() };
        s.with_settings(|st| st.suites.get(i).copied())
            .and_then(super::cipher::for_suite)
            .map_or(std::ptr::null(), |c| super::cipher::SSL_CIPHER_get_name(c))
    }

    /// SSL_CTX_set_session_id_context sets the context sessions resume under; 1 on success.
    fn SSL_CTX_set_session_id_context(ctx: *mut SSL_CTX, sid: *const c_uchar, len: c_uint) -> c_int {
        let ctx = try_ref!(ctx, 0);
        match sid_ctx(sid, len) {
            Some(v) => {
                ctx.update(|s| s.sid_ctx = v);
                1
            }
            None => 0,
        }
    }

    /// SSL_set_session_id_context: as SSL_CTX_set_session_id_context for one connection.
    fn SSL_set_session_id_context(s: *mut SSL, sid: *const c_uchar, len: c_uint) -> c_int {
        let s = try_ref!(s, 0);
        match sid_ctx(sid, len) {
            Some(v) => {
                s.update_settings(|st| st.sid_ctx = v);
                1
            }
            None => 0,
        }
    }

    /// SSL_CTX_set_timeout sets the session lifetime (seconds) and returns the previous one.
    fn SSL_CTX_set_timeout(ctx: *mut SSL_CTX, t: c_long) -> c_long {
        let ctx = try_ref!(ctx, 0);
        ctx.session_cache.set_lifetime(session_lifetime(t));
        ctx.update_live(|l| std::mem::replace(&mut l.session_timeout, t))
    }

    /// SSL_CTX_get_timeout returns the session lifetime in seconds.
    fn SSL_CTX_get_timeout(ctx: *const SSL_CTX) -> c_long {
        let ctx = try_ref!(ctx, 0);
        ctx.live().session_timeout
    }

    /// SSL_CTX_set_cookie_generate_cb sets the DTLS cookie generation callback.
    fn SSL_CTX_set_cookie_generate_cb(ctx: *mut SSL_CTX, cb: Option<CookieGenerateCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| l.cookie_generate = cb);
    }

    /// SSL_CTX_set_cookie_verify_cb sets the DTLS cookie verification callback.
    fn SSL_CTX_set_cookie_verify_cb(ctx: *mut SSL_CTX, cb: Option<CookieVerifyCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| l.cookie_verify = cb);
    }

    /// SSL_CTX_set_security_level records the level (0-5). Every suite, group and signature
    /// algorithm rdtls offers meets level 3 (128-bit security), so the level changes
    /// nothing.
    fn SSL_CTX_set_security_level(ctx: *mut SSL_CTX, level: c_int) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| l.security_level = level);
    }

    /// SSL_CTX_get_security_level returns the recorded level (OpenSSL's default is 1).
    fn SSL_CTX_get_security_level(ctx: *const SSL_CTX) -> c_int {
        let ctx = try_ref!(ctx, 0);
        ctx.live().security_level
    }

    /// SSL_set_security_level: as SSL_CTX_set_security_level (recorded on the context's
    /// copy for this connection; it changes nothing).
    fn SSL_set_security_level(s: *mut SSL, level: c_int) {
        let s = try_ref!(s, ());
        s.security_level.set(Some(level));
    }

    /// SSL_get_security_level returns the connection's level (else the context's).
    fn SSL_get_security_level(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.security_level.get().unwrap_or_else(|| s.ctx().live().security_level)
    }

    /// SSL_CTX_set_quiet_shutdown: with 1, SSL_shutdown of new SSLs sends nothing.
    fn SSL_CTX_set_quiet_shutdown(ctx: *mut SSL_CTX, mode: c_int) {
        let ctx = try_ref!(ctx, ());
        ctx.update(|s| s.quiet_shutdown = mode != 0);
    }

    /// SSL_CTX_get_quiet_shutdown returns the quiet-shutdown flag.
    fn SSL_CTX_get_quiet_shutdown(ctx: *const SSL_CTX) -> c_int {
        let ctx = try_ref!(ctx, 0);
        ctx.with_settings(|s| c_int::from(s.quiet_shutdown))
    }

    /// SSL_CTX_sess_set_new_cb sets the callback given each new session (client and server
    /// side per the session cache mode).
    fn SSL_CTX_sess_set_new_cb(ctx: *mut SSL_CTX, cb: Option<NewSessionCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| l.new_session_callback = cb);
    }

    /// SSL_CTX_sess_get_new_cb returns the new-session callback.
    fn SSL_CTX_sess_get_new_cb(ctx: *const SSL_CTX) -> Option<NewSessionCallback> {
        let ctx = try_ref!(ctx, None);
        ctx.live().new_session_callback
    }

    /// SSL_CTX_add_session: sessions enter the cache by themselves; accepted (1).
    fn SSL_CTX_add_session(ctx: *mut SSL_CTX, sess: *mut SSL_SESSION) -> c_int {
        let _ = try_ref!(ctx, 0);
        let _ = try_ref!(sess, 0);
        1
    }

    /// SSL_set1_host makes `name` the only name the peer certificate must match (NULL or
    /// "" clears the list: no hostname check). It does not set SNI, as in OpenSSL; 1 on
    /// success.
    fn SSL_set1_host(s: *mut SSL, name: *const c_char) -> c_int {
        let s = try_ref!(s, 0);
        set_verify_name(s, name, true)
    }

    /// SSL_add1_host adds `name` to the names the peer certificate may match (any one
    /// suffices); NULL or "" adds nothing. 1 on success.
    fn SSL_add1_host(s: *mut SSL, name: *const c_char) -> c_int {
        let s = try_ref!(s, 0);
        set_verify_name(s, name, false)
    }

    /// SSL_get_servername: the SNI name (sent by us as client, received as server), or NULL.
    fn SSL_get_servername(s: *const SSL, type_: c_int) -> *const c_char {
        let s = try_ref!(s, std::ptr::null());
        if type_ != TLSEXT_NAMETYPE_HOST_NAME {
            return std::ptr::null();
        }
        if s.is_server() {
            // What the ClientHello carried (servername.rs), also inside its callbacks.
            if let Ok(seen) = s.hello_seen.try_borrow() {
                if let Some(n) = seen.server_name.as_ref() {
                    return n.as_ptr();
                }
            }
        }
        let name = s
            .with_conn(|c| c.server_name().map(str::to_owned))
            .flatten()
            .or_else(|| {
                if s.is_server() {
                    None
                } else {
                    s.hostname.borrow().as_ref().and_then(|h| h.to_str().ok().map(str::to_owned))
                }
            });
        let Some(name) = name else { return std::ptr::null() };
        let Ok(c) = CString::new(name) else { return std::ptr::null() };
        let mut slot = s.servername.borrow_mut();
        if slot.as_deref() != Some(c.as_c_str()) {
            *slot = Some(c);
        }
        slot.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
    }

    /// SSL_get_servername_type: TLSEXT_NAMETYPE_host_name when a name is known, else -1.
    fail = -1;
    fn SSL_get_servername_type(s: *const SSL) -> c_int {
        let _ = try_ref!(s, -1);
        if SSL_get_servername(s, TLSEXT_NAMETYPE_HOST_NAME).is_null() { -1 } else { TLSEXT_NAMETYPE_HOST_NAME }
    }
}

/// Longest name accepted by SSL_set1_host/SSL_add1_host (a DNS name fits in 253).
const MAX_VERIFY_NAME_LEN: usize = 255;
/// Most names SSL_add1_host keeps.
const MAX_VERIFY_NAMES: usize = 64;

/// `SSL_set1_host` (`replace`) / `SSL_add1_host`: the expected-name list of
/// `X509_VERIFY_PARAM`, never the SNI name.
fn set_verify_name(s: &SSL, name: *const c_char, replace: bool) -> c_int {
    let n = if name.is_null() {
        String::new()
    } else {
        // SAFETY: non-NULL, NUL-terminated (API contract).
        let c = unsafe { std::ffi::CStr::from_ptr(name) };
        match c.to_str() {
            Ok(n) if n.len() <= MAX_VERIFY_NAME_LEN => n.to_owned(),
            _ => {
                put_error(
                    ERR_LIB_SSL,
                    SSL_R_BAD_VALUE,
                    "host name is not a UTF-8 name of at most 255 bytes",
                );
                return 0;
            }
        }
    };
    let mut names = s.verify_names.borrow_mut();
    if replace {
        names.clear();
    }
    if !n.is_empty() {
        if names.len() >= MAX_VERIFY_NAMES {
            put_error(ERR_LIB_SSL, SSL_R_BAD_VALUE, "too many host names");
            return 0;
        }
        names.push(n);
    }
    let on = !names.is_empty();
    drop(names);
    s.update_settings(|st| st.verify_hostname = on);
    1
}

/// `SSL_set_tlsext_host_name` (ctrl 55): the SNI name a client sends; 1 on success.
pub fn set_host_name(s: &SSL, name_type: c_long, name: *const c_char) -> c_long {
    if name_type != c_long::from(TLSEXT_NAMETYPE_HOST_NAME) {
        put_error(ERR_LIB_SSL, SSL_R_BAD_VALUE, "unsupported server name type");
        return 0;
    }
    if name.is_null() {
        *s.hostname.borrow_mut() = None;
        return 1;
    }
    // SAFETY: non-NULL, NUL-terminated (API contract).
    let c = unsafe { std::ffi::CStr::from_ptr(name) };
    if c.to_bytes().is_empty() || c.to_bytes().len() > TLSEXT_MAXLEN_HOST_NAME {
        put_error(
            ERR_LIB_SSL,
            SSL_R_BAD_VALUE,
            format!(
                "server name of {} bytes (1 to 255 allowed)",
                c.to_bytes().len()
            ),
        );
        return 0;
    }
    *s.hostname.borrow_mut() = Some(c.to_owned());
    1
}
