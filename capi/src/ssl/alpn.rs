//! ALPN (RFC 7301) for C callers: `SSL_CTX_set_alpn_protos` / `SSL_set_alpn_protos` (what a
//! client offers), `SSL_CTX_set_alpn_select_cb` (how a server chooses) and
//! `SSL_get0_alpn_selected`. `SSL_select_next_proto` lives in negotiation.rs.
use std::ffi::{c_int, c_uchar, c_uint, c_void};

use rdtls::alpn::{parse_wire_list, AlpnSelection};
use rdtls::Connection;

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{put_error, ERR_LIB_SSL};

use super::objects::{AlpnSelectCallback, SslPtr, SSL, SSL_CTX};
use super::state::AppPtr;

/// `SSL_TLSEXT_ERR_OK`.
const SSL_TLSEXT_ERR_OK: c_int = 0;
/// `SSL_TLSEXT_ERR_NOACK`.
const SSL_TLSEXT_ERR_NOACK: c_int = 3;

/// The wire list to store for `SSL_*_set_alpn_protos`: `Some(empty)` clears (a NULL or
/// empty list, as OpenSSL), None when malformed (error queued).
fn alpn_list(protos: *const c_uchar, len: c_uint) -> Option<Vec<u8>> {
    if protos.is_null() || len == 0 {
        return Some(Vec::new());
    }
    // SAFETY: the caller passes `len` readable bytes (API contract).
    let p = unsafe { std::slice::from_raw_parts(protos, len as usize) };
    if parse_wire_list(p).is_none() {
        put_error(
            ERR_LIB_SSL,
            SSL_R_BAD_VALUE,
            "malformed ALPN protocol list (each name: a length byte 1..255, then the name)",
        );
        return None;
    }
    Some(p.to_vec())
}

/// Installs the context's ALPN select callback on a server connection (OpenSSL calls the
/// `SSL_CTX`'s callback, there is no per-`SSL` one).
pub fn install_select_hook(s: &SSL, conn: &mut Connection) {
    let live = s.ctx().live();
    let Some(cb) = live.alpn_select_callback else {
        return;
    };
    let arg = live.alpn_select_arg;
    let ssl = SslPtr(s.as_ptr());
    conn.set_alpn_select_hook(Box::new(move |wire: &[u8]| {
        let ssl = &ssl;
        let arg = &arg;
        let mut out: *const c_uchar = std::ptr::null();
        let mut outlen: c_uchar = 0;
        let Ok(inlen) = c_uint::try_from(wire.len()) else {
            return AlpnSelection::Fatal;
        };
        // SAFETY: the application's callback with OpenSSL's arguments; `wire` outlives it.
        let r = unsafe { cb(ssl.0, &mut out, &mut outlen, wire.as_ptr(), inlen, arg.0) };
        match r {
            SSL_TLSEXT_ERR_OK if !out.is_null() && outlen > 0 => {
                // SAFETY: the callback points `out` at `outlen` bytes (into `wire` or its own
                // memory) valid until it returns to us; copied at once.
                let chosen = unsafe { std::slice::from_raw_parts(out, usize::from(outlen)) };
                AlpnSelection::Selected(chosen.to_vec())
            }
            SSL_TLSEXT_ERR_NOACK => AlpnSelection::NoAck,
            _ => AlpnSelection::Fatal,
        }
    }));
}

entry! {
    /// SSL_CTX_set_alpn_protos sets the protocols a client offers (wire format: each name
    /// prefixed by its length). Returns 0 on success, 1 on error (OpenSSL's inverted
    /// convention); a NULL or empty list turns ALPN off.
    fn SSL_CTX_set_alpn_protos(ctx: *mut SSL_CTX, protos: *const c_uchar, len: c_uint) -> c_int {
        let ctx = try_ref!(ctx, 1);
        let Some(list) = alpn_list(protos, len) else { return 1 };
        ctx.update(|s| s.alpn = list);
        0
    }

    /// SSL_set_alpn_protos: as SSL_CTX_set_alpn_protos, for one connection.
    fn SSL_set_alpn_protos(s: *mut SSL, protos: *const c_uchar, len: c_uint) -> c_int {
        let s = try_ref!(s, 1);
        let Some(list) = alpn_list(protos, len) else { return 1 };
        match s.update_settings(|st| st.alpn = list) {
            Some(()) => 0,
            None => 1,
        }
    }

    /// SSL_CTX_set_alpn_select_cb sets the server's ALPN selection callback. It returns
    /// SSL_TLSEXT_ERR_OK with a protocol chosen, SSL_TLSEXT_ERR_NOACK to ignore ALPN, and
    /// anything else to abort with a no_application_protocol alert (OpenSSL 3.0).
    fn SSL_CTX_set_alpn_select_cb(ctx: *mut SSL_CTX, cb: Option<AlpnSelectCallback>,
                                  arg: *mut c_void) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| {
            l.alpn_select_callback = cb;
            l.alpn_select_arg = AppPtr(arg);
        });
    }

    /// SSL_get0_alpn_selected: the negotiated protocol (`*len` = 0 and `*data` = NULL when
    /// none); the bytes belong to the connection.
    fn SSL_get0_alpn_selected(s: *const SSL, data: *mut *const c_uchar, len: *mut c_uint) {
        let s = try_ref!(s, ());
        let (p, n) = s
            .with_conn(|c| c.alpn_protocol().map(|a| (a.as_ptr(), a.len())))
            .flatten()
            .unwrap_or((std::ptr::null(), 0));
        // SAFETY: NULL or writable pointers from the caller; the protocol bytes live as
        // long as the connection (kept after the handshake).
        unsafe {
            if let Some(d) = data.as_mut() {
                *d = p;
            }
            if let Some(l) = len.as_mut() {
                *l = n as c_uint;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        let l = |b: &[u8]| alpn_list(b.as_ptr(), b.len() as c_uint);
        assert_eq!(
            l(b"\x02h2\x08http/1.1"),
            Some(b"\x02h2\x08http/1.1".to_vec())
        );
        assert_eq!(l(b""), Some(Vec::new()));
        assert_eq!(alpn_list(std::ptr::null(), 5), Some(Vec::new()));
        assert_eq!(l(b"\x05h2"), None);
        assert_eq!(l(b"\x00"), None);
        crate::error::clear();
    }
}
