//! The client-hello callback (`SSL_CTX_set_client_hello_cb`) and the `SSL_client_hello_*`
//! accessors it uses, called where OpenSSL 3.0 calls it: on a server, right after a
//! ClientHello is parsed and before anything else looks at it (cookie check, session
//! lookup, server name callback). A CoAP server (libcoap) reads the SNI extension here and
//! loads its certificate.
//!
//! The callback is the first stage of the engine's ClientHello hook
//! (`rdtls::ClientHelloHook::early`, [`on_early`]): the engine calls it once it has the
//! whole ClientHello (reassembled from its fragments, RFC 6347 §4.2.3), before the cookie
//! check; the servername and certificate callbacks are the hook's second stage
//! (`servername.rs`), as OpenSSL runs them after this one.
use std::ffi::{c_int, c_uchar, c_uint, c_void};

use crate::entry::*;
use crate::error::ssl_reasons::{
    SSL_R_BAD_LENGTH, SSL_R_ERROR_IN_RECEIVED_CIPHER_LIST, SSL_R_NO_CIPHERS_SPECIFIED,
};
use crate::error::{put_error, ERR_LIB_SSL};
use crate::host::{self, OPENSSL_STACK};

use std::sync::Arc;

use rdtls::{AlertDescription, EarlyDecision, EarlyHello, HelloRejection};

use super::hello_finish::finish;
use super::objects::{ClientHelloCallback, SSL, SSL_CTX};
use super::state::hello::HelloView;
use super::state::lock;
use super::state::values::Variant;
use super::state::AppPtr;

/// `SSL_CLIENT_HELLO_SUCCESS`.
const SSL_CLIENT_HELLO_SUCCESS: c_int = 1;
/// `SSL_CLIENT_HELLO_RETRY`.
const SSL_CLIENT_HELLO_RETRY: c_int = -1;
/// `SSL_AD_INTERNAL_ERROR`: the alert the callback's `*al` starts as.
const SSL_AD_INTERNAL_ERROR: c_int = 80;

#[allow(improper_ctypes)]
extern "C" {
    fn OPENSSL_sk_new_null() -> *mut OPENSSL_STACK;
    fn OPENSSL_sk_push(sk: *mut OPENSSL_STACK, data: *const c_void) -> c_int;
}

/// The engine hook's early stage (`rdtls::ClientHelloHook::early`, installed with the
/// servername and certificate stages by `servername::install_client_hello_hook`): runs the
/// client-hello callback, if any, on the whole ClientHello and hands the engine the
/// configuration the callback left behind (`finish` as after the servername callback).
pub(crate) fn on_early(
    s: &SSL,
    session_ctx: &Arc<SSL_CTX>,
    variant: Variant,
    h: &EarlyHello<'_>,
) -> Result<EarlyDecision, HelloRejection> {
    let Some((cb, arg)) = s.ctx().extras.client_hello_cb() else {
        return Ok(EarlyDecision::default());
    };
    let Some(view) = HelloView::parse(h.body) else {
        return Ok(EarlyDecision::default());
    };
    // The new ClientHello's server name is not known yet: SSL_get_servername answers NULL
    // in the callback, also when renegotiating (as OpenSSL; the second stage sets it).
    if let Ok(mut seen) = s.hello_seen.try_borrow_mut() {
        seen.server_name = None;
        seen.sigalgs.clear();
    }
    let Ok(mut shown) = s.extras.client_hello.try_borrow_mut() else {
        return Ok(EarlyDecision::default());
    };
    *shown = Some(view);
    drop(shown);
    let ctx_before = s.ctx();
    let own_before = s.own_settings.replace(false);
    let mut al = SSL_AD_INTERNAL_ERROR;
    // SAFETY: the application's callback with its own argument; `s` outlives the call and
    // no RefCell of `s` is borrowed across it (the engine, busy, is not reachable from it).
    let r = unsafe { cb(s.as_ptr(), &mut al, arg.0) };
    if let Ok(mut shown) = s.extras.client_hello.try_borrow_mut() {
        shown.take();
    }
    match r {
        SSL_CLIENT_HELLO_SUCCESS => {
            let d = finish(
                s,
                session_ctx,
                variant,
                ctx_before,
                own_before,
                Default::default(),
            )?;
            Ok(EarlyDecision {
                config: d.config,
                pause: false,
            })
        }
        SSL_CLIENT_HELLO_RETRY => {
            // The engine keeps the ClientHello; the driver reports
            // SSL_ERROR_WANT_CLIENT_HELLO_CB and the next handshake call shows it again.
            s.own_settings.set(own_before || s.own_settings.get());
            s.extras.client_hello_cb_wanted.set(true);
            Ok(EarlyDecision {
                config: None,
                pause: true,
            })
        }
        // OpenSSL sends the alert the callback chose (RFC 5246 §7.2.2: a fatal alert).
        _ => {
            s.own_settings.set(own_before || s.own_settings.get());
            Err(HelloRejection {
                alert: AlertDescription(u8::try_from(al).unwrap_or(80)),
                reason: format!(
                    "callback failed: the client hello callback refused the ClientHello (alert {al})"
                ),
            })
        }
    }
}

/// Runs `f` on the ClientHello the callback is looking at; `none` outside the callback.
fn with_view<R>(s: &SSL, none: R, f: impl FnOnce(&HelloView) -> R) -> R {
    match s.extras.client_hello.try_borrow() {
        Ok(v) => v.as_ref().map_or(none, f),
        Err(_) => none,
    }
}

/// Writes a pointer to `bytes` (kept alive by the `SSL` until the callback returns) to `out`
/// and returns the length.
fn point(out: *mut *const c_uchar, bytes: &[u8]) -> usize {
    if !out.is_null() {
        // SAFETY: a non-NULL output pointer from the caller.
        unsafe { *out = bytes.as_ptr() };
    }
    bytes.len()
}

entry! {
    /// SSL_CTX_set_client_hello_cb installs the callback OpenSSL calls right after parsing
    /// each ClientHello (NULL removes it).
    fn SSL_CTX_set_client_hello_cb(c: *mut SSL_CTX, cb: Option<ClientHelloCallback>, arg: *mut c_void) {
        let c = try_ref!(c, ());
        *lock(&c.extras.client_hello_cb) = cb.map(|f| (f, AppPtr(arg)));
    }

    /// SSL_client_hello_isv2: 0 (an SSLv2-format ClientHello never reaches a DTLS server).
    fn SSL_client_hello_isv2(s: *mut SSL) -> c_int {
        let s = try_ref!(s, 0);
        with_view(s, 0, |_| 0)
    }

    /// SSL_client_hello_get0_legacy_version: the ClientHello's client_version (0 outside the
    /// callback).
    fn SSL_client_hello_get0_legacy_version(s: *mut SSL) -> c_uint {
        let s = try_ref!(s, 0);
        with_view(s, 0, |v| c_uint::from(v.legacy_version))
    }

    /// SSL_client_hello_get0_random: points `*out` at the 32-byte client random; its length.
    fn SSL_client_hello_get0_random(s: *mut SSL, out: *mut *const c_uchar) -> usize {
        let s = try_ref!(s, 0);
        with_view(s, 0, |v| point(out, v.bytes(&v.random)))
    }

    /// SSL_client_hello_get0_session_id: the offered session ID and its length.
    fn SSL_client_hello_get0_session_id(s: *mut SSL, out: *mut *const c_uchar) -> usize {
        let s = try_ref!(s, 0);
        with_view(s, 0, |v| point(out, v.bytes(&v.session_id)))
    }

    /// SSL_client_hello_get0_ciphers: the raw cipher_suites bytes (2 per suite) and their
    /// length.
    fn SSL_client_hello_get0_ciphers(s: *mut SSL, out: *mut *const c_uchar) -> usize {
        let s = try_ref!(s, 0);
        with_view(s, 0, |v| point(out, v.bytes(&v.ciphers)))
    }

    /// SSL_client_hello_get0_compression_methods: the compression method bytes.
    fn SSL_client_hello_get0_compression_methods(s: *mut SSL, out: *mut *const c_uchar) -> usize {
        let s = try_ref!(s, 0);
        with_view(s, 0, |v| point(out, v.bytes(&v.compression)))
    }

    /// SSL_client_hello_get0_ext: 1 and the extension's data when the client sent
    /// extension `type`, else 0.
    fn SSL_client_hello_get0_ext(s: *mut SSL, type_: c_uint, out: *mut *const c_uchar, outlen: *mut usize) -> c_int {
        let s = try_ref!(s, 0);
        with_view(s, 0, |v| {
            let Some((_, r)) = v.extensions.iter().find(|(t, _)| c_uint::from(*t) == type_) else {
                return 0;
            };
            let n = point(out, v.bytes(r));
            if !outlen.is_null() {
                // SAFETY: a non-NULL output pointer from the caller.
                unsafe { *outlen = n };
            }
            1
        })
    }

    /// SSL_client_hello_get1_extensions_present: a new array (freed with OPENSSL_free) of
    /// the extension types the client sent, in its order; 1 on success (NULL and 0 when
    /// there are none), 0 outside the callback.
    fn SSL_client_hello_get1_extensions_present(s: *mut SSL, out: *mut *mut c_int, outlen: *mut usize) -> c_int {
        let s = try_ref!(s, 0);
        if out.is_null() || outlen.is_null() {
            return 0;
        }
        with_view(s, 0, |v| {
            let n = v.extensions.len();
            let mut p: *mut c_int = std::ptr::null_mut();
            if n > 0 {
                p = host::crypto_malloc(n * std::mem::size_of::<c_int>()).cast();
                if p.is_null() {
                    return 0;
                }
                for (i, (t, _)) in v.extensions.iter().enumerate() {
                    // SAFETY: p holds n ints.
                    unsafe { *p.add(i) = c_int::from(*t) };
                }
            }
            // SAFETY: non-NULL output pointers from the caller.
            unsafe {
                *out = p;
                *outlen = n;
            }
            1
        })
    }

    /// SSL_bytes_to_cipher_list turns wire cipher suite ids (2 bytes each, 3 with
    /// `isv2format`) into a new `STACK_OF(SSL_CIPHER)` of the suites rdtls knows (unknown ones
    /// are skipped, as OpenSSL skips what it does not implement) and, if asked, a stack of
    /// signalling suites (always empty: rdtls has no SCSV objects). 1 on success.
    fn SSL_bytes_to_cipher_list(s: *mut SSL, bytes: *const c_uchar, len: usize, isv2format: c_int, sk: *mut *mut OPENSSL_STACK, scsvs: *mut *mut OPENSSL_STACK) -> c_int {
        let _ = try_ref!(s, 0);
        let n = if isv2format != 0 { 3 } else { 2 };
        if len == 0 {
            put_error(ERR_LIB_SSL, SSL_R_NO_CIPHERS_SPECIFIED, "empty cipher list");
            return 0;
        }
        let data = try_slice!(bytes, len, 0);
        if !len.is_multiple_of(n) {
            put_error(
                ERR_LIB_SSL,
                SSL_R_ERROR_IN_RECEIVED_CIPHER_LIST,
                format!("cipher list of {len} bytes is not a multiple of {n}"),
            );
            return 0;
        }
        // SAFETY: libcrypto's stack constructor.
        let list = unsafe { OPENSSL_sk_new_null() };
        // SAFETY: as above.
        let signalling = unsafe { OPENSSL_sk_new_null() };
        if list.is_null() || signalling.is_null() {
            put_error(ERR_LIB_SSL, SSL_R_BAD_LENGTH, "cannot allocate the cipher stacks");
            return 0;
        }
        for id in data.chunks(n) {
            // An SSLv2-format entry with a non-zero first byte is an SSLv2 cipher: skipped.
            if n == 3 && id[0] != 0 {
                continue;
            }
            let id = u16::from_be_bytes([id[n - 2], id[n - 1]]);
            if let Some(c) = super::cipher::CIPHERS.iter().find(|c| c.suite.id == id) {
                // SAFETY: a live stack; the SSL_CIPHER is static.
                unsafe { OPENSSL_sk_push(list, (c as *const super::cipher::SSL_CIPHER).cast()) };
            }
        }
        // SAFETY: the caller's output pointers (NULL: the stack is not wanted and freed).
        unsafe {
            give_stack(sk, list);
            give_stack(scsvs, signalling);
        }
        1
    }
}

#[allow(improper_ctypes)]
extern "C" {
    fn OPENSSL_sk_free(sk: *mut OPENSSL_STACK);
}

/// Hands `list` to the caller through `out`, or frees it when `out` is NULL.
///
/// # Safety
/// `out` is NULL or writable; `list` is a live stack the caller now owns.
unsafe fn give_stack(out: *mut *mut OPENSSL_STACK, list: *mut OPENSSL_STACK) {
    if out.is_null() {
        // SAFETY: per the function contract.
        unsafe { OPENSSL_sk_free(list) };
    } else {
        // SAFETY: per the function contract.
        unsafe { *out = list };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DTLS ClientHello body: version, random, session id, cookie, suites, compression,
    /// extensions (server_name "a", extended_master_secret).
    fn hello_body() -> Vec<u8> {
        let mut b = vec![0xfe, 0xfd];
        b.extend_from_slice(&[7; 32]);
        b.extend_from_slice(&[2, 0xaa, 0xbb]); // session id
        b.extend_from_slice(&[0]); // cookie
        b.extend_from_slice(&[0, 4, 0xc0, 0x2b, 0x00, 0xff]); // suites
        b.extend_from_slice(&[1, 0]); // compression
        let sni = [0u8, 4, 0, 1, 0, 1, b'a'];
        let mut ext = vec![0, 0, 0, sni.len() as u8];
        ext.extend_from_slice(&sni);
        ext.extend_from_slice(&[0, 23, 0, 0]);
        b.extend_from_slice(&(ext.len() as u16).to_be_bytes());
        b.extend_from_slice(&ext);
        b
    }

    #[test]
    fn parses_every_field() {
        let body = hello_body();
        let v = HelloView::parse(&body).expect("parsed");
        assert_eq!(v.legacy_version, 0xfefd);
        assert_eq!(v.bytes(&v.random), &[7; 32]);
        assert_eq!(v.bytes(&v.session_id), &[0xaa, 0xbb]);
        assert_eq!(v.bytes(&v.ciphers), &[0xc0, 0x2b, 0x00, 0xff]);
        assert_eq!(v.bytes(&v.compression), &[0]);
        let types: Vec<u16> = v.extensions.iter().map(|e| e.0).collect();
        assert_eq!(types, [0, 23]);
        assert_eq!(v.bytes(&v.extensions[0].1), &[0, 4, 0, 1, 0, 1, b'a']);
    }

    #[test]
    fn every_truncation_is_rejected_not_panicking() {
        let body = hello_body();
        for n in 0..body.len() {
            let _ = HelloView::parse(&body[..n]);
        }
        assert!(HelloView::parse(&body[..body.len() - 1]).is_none());
    }
}
