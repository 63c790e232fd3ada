//! Pre-shared keys for C callers (OpenSSL 3.0's PSK API, RFC 4279): the client and server
//! callbacks, the server's identity hint, and the negotiated identity / received hint.
//!
//! As in OpenSSL, the callbacks are copied from the `SSL_CTX` into each `SSL` at `SSL_new`,
//! a PSK suite is offered or accepted only while a callback is set, and the callbacks get
//! the `SSL *`: the engine sees them as a per-connection [`PskProvider`].
use std::ffi::{c_char, c_int, c_uint, CStr, CString};
use std::sync::Arc;

use rdtls::psk::{PskProvider, PSK_MAX_IDENTITY_LEN, PSK_MAX_PSK_LEN};
use zeroize::Zeroizing;

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{put_error, ERR_LIB_SSL};

use super::objects::{PskClientCallback, PskServerCallback, SslPtr, SSL, SSL_CTX};

/// The C callbacks of one connection, as the engine's provider.
struct CallbackPsk {
    ssl: SslPtr,
    client: Option<PskClientCallback>,
    server: Option<PskServerCallback>,
}

impl PskProvider for CallbackPsk {
    fn client_psk(&self, hint: Option<&[u8]>) -> Option<(Vec<u8>, Zeroizing<Vec<u8>>)> {
        let cb = self.client?;
        // A hint with an embedded NUL reaches C as what precedes it (OpenSSL strndup's it).
        let hint = hint.map(|h| {
            let end = h.iter().position(|&b| b == 0).unwrap_or(h.len());
            CString::new(&h[..end]).unwrap_or_default()
        });
        let mut identity = [0 as c_char; PSK_MAX_IDENTITY_LEN + 1];
        let mut psk = Zeroizing::new(vec![0u8; PSK_MAX_PSK_LEN]);
        // SAFETY: the application's callback with OpenSSL's arguments: a NUL-terminated hint
        // or NULL, an identity buffer of max_identity_len + 1 bytes and a key buffer of
        // max_psk_len bytes, all alive for the call.
        let n = unsafe {
            cb(
                self.ssl.0,
                hint.as_ref().map_or(std::ptr::null(), |h| h.as_ptr()),
                identity.as_mut_ptr(),
                PSK_MAX_IDENTITY_LEN as c_uint,
                psk.as_mut_ptr(),
                PSK_MAX_PSK_LEN as c_uint,
            )
        } as usize;
        if n == 0 || n > PSK_MAX_PSK_LEN {
            return None;
        }
        // The callback may have filled the whole buffer: never read past it.
        identity[PSK_MAX_IDENTITY_LEN] = 0;
        // SAFETY: NUL-terminated within the array just above.
        let id = unsafe { CStr::from_ptr(identity.as_ptr()) }
            .to_bytes()
            .to_vec();
        psk.truncate(n);
        Some((id, psk))
    }

    fn server_psk(&self, identity: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let cb = self.server?;
        // An identity with an embedded NUL cannot be a C string: unknown identity.
        let id = CString::new(identity).ok()?;
        let mut psk = Zeroizing::new(vec![0u8; PSK_MAX_PSK_LEN]);
        // SAFETY: the application's callback with a NUL-terminated identity and a key
        // buffer of max_psk_len bytes, alive for the call.
        let n = unsafe {
            cb(
                self.ssl.0,
                id.as_ptr(),
                psk.as_mut_ptr(),
                PSK_MAX_PSK_LEN as c_uint,
            )
        } as usize;
        if n == 0 || n > PSK_MAX_PSK_LEN {
            return None;
        }
        psk.truncate(n);
        Some(psk)
    }
}

/// The provider for `s`'s connection, when a PSK callback for its side is set.
pub fn provider_for(s: &SSL, server: bool) -> Option<Arc<dyn PskProvider>> {
    let st = s.settings.try_borrow().ok()?;
    let (client, server_cb) = (st.psk_client_callback, st.psk_server_callback);
    if (server && server_cb.is_none()) || (!server && client.is_none()) {
        return None;
    }
    Some(Arc::new(CallbackPsk {
        ssl: SslPtr(s.as_ptr()),
        client,
        server: server_cb,
    }))
}

/// The hint to store for `SSL_*use_psk_identity_hint`: `Some(None)` clears (NULL), `None`
/// when too long (error queued).
fn hint_arg(hint: *const c_char) -> Option<Option<Vec<u8>>> {
    if hint.is_null() {
        return Some(None);
    }
    // SAFETY: a non-NULL hint is a NUL-terminated string (API contract).
    let h = unsafe { CStr::from_ptr(hint) }.to_bytes();
    if h.len() > PSK_MAX_IDENTITY_LEN {
        put_error(
            ERR_LIB_SSL,
            SSL_R_DATA_LENGTH_TOO_LONG,
            format!("PSK identity hint longer than {PSK_MAX_IDENTITY_LEN} bytes"),
        );
        return None;
    }
    Some(Some(h.to_vec()))
}

/// A C string for `bytes` kept in `slot` (valid until the next call or the SSL is freed).
fn cached(slot: &std::cell::RefCell<Option<CString>>, bytes: Option<Vec<u8>>) -> *const c_char {
    let Some(c) = bytes.and_then(|b| CString::new(b).ok()) else {
        return std::ptr::null();
    };
    let Ok(mut slot) = slot.try_borrow_mut() else {
        return std::ptr::null();
    };
    if slot.as_deref() != Some(c.as_c_str()) {
        *slot = Some(c);
    }
    slot.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

entry! {
    /// SSL_CTX_set_psk_client_callback sets (NULL: clears) the client's PSK callback;
    /// PSK suites are offered only while one is set.
    fn SSL_CTX_set_psk_client_callback(ctx: *mut SSL_CTX, cb: Option<PskClientCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update(|s| s.psk_client_callback = cb);
    }

    /// SSL_set_psk_client_callback: as SSL_CTX_set_psk_client_callback, for one connection.
    fn SSL_set_psk_client_callback(s: *mut SSL, cb: Option<PskClientCallback>) {
        let s = try_ref!(s, ());
        let _ = s.update_settings(|st| st.psk_client_callback = cb);
    }

    /// SSL_CTX_set_psk_server_callback sets (NULL: clears) the server's PSK callback; PSK
    /// suites are negotiated only while one is set.
    fn SSL_CTX_set_psk_server_callback(ctx: *mut SSL_CTX, cb: Option<PskServerCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update(|s| s.psk_server_callback = cb);
    }

    /// SSL_set_psk_server_callback: as SSL_CTX_set_psk_server_callback, for one connection.
    fn SSL_set_psk_server_callback(s: *mut SSL, cb: Option<PskServerCallback>) {
        let s = try_ref!(s, ());
        let _ = s.update_settings(|st| st.psk_server_callback = cb);
    }

    /// SSL_CTX_use_psk_identity_hint sets the hint a server sends (NULL: none; a plain-PSK
    /// server then sends no ServerKeyExchange). 1 on success, 0 when longer than 128 bytes.
    fn SSL_CTX_use_psk_identity_hint(ctx: *mut SSL_CTX, hint: *const c_char) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let Some(h) = hint_arg(hint) else { return 0 };
        ctx.update(|s| s.psk_identity_hint = h);
        1
    }

    /// SSL_use_psk_identity_hint: as SSL_CTX_use_psk_identity_hint, for one connection.
    fn SSL_use_psk_identity_hint(s: *mut SSL, hint: *const c_char) -> c_int {
        let s = try_ref!(s, 0);
        let Some(h) = hint_arg(hint) else { return 0 };
        match s.update_settings(|st| st.psk_identity_hint = h) {
            Some(()) => 1,
            None => 0,
        }
    }

    /// SSL_get_psk_identity: the identity the client sent (both sides), NULL before the
    /// ClientKeyExchange or without PSK.
    fn SSL_get_psk_identity(s: *const SSL) -> *const c_char {
        let s = try_ref!(s, std::ptr::null());
        let id = s.with_conn(|c| c.psk_identity().map(<[u8]>::to_vec)).flatten();
        cached(&s.psk_strings.0, id)
    }

    /// SSL_get_psk_identity_hint: the hint the server sent (client side), NULL when none
    /// or empty (as OpenSSL).
    fn SSL_get_psk_identity_hint(s: *const SSL) -> *const c_char {
        let s = try_ref!(s, std::ptr::null());
        let hint = s.with_conn(|c| c.psk_identity_hint().map(<[u8]>::to_vec)).flatten();
        cached(&s.psk_strings.1, hint)
    }
}
