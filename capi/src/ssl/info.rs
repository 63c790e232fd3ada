//! Human-readable state: state and alert strings, the negotiated version and cipher, and the
//! info / message / key log callback setters.
use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::sync::Mutex;

use crate::entry::*;

use super::cipher::{for_suite, for_suite13, SSL_CIPHER};
use super::consts::*;
use super::objects::{InfoCallback, KeylogCallback, MsgCallback, SSL, SSL_CTX};
use super::state::AppPtr;

/// OpenSSL 3.0's long state names and their six-letter short forms (`SSL_state_string`).
static STATE_SHORT: &[(&str, &CStr)] = &[
    ("before SSL initialization", cstr!("PINIT")),
    ("SSL negotiation finished successfully", cstr!("SSLOK")),
    ("SSLv3/TLS write client hello", cstr!("TWCH")),
    ("SSLv3/TLS read server hello", cstr!("TRSH")),
    ("SSLv3/TLS read server certificate", cstr!("TRSC")),
    ("SSLv3/TLS read server key exchange", cstr!("TRSKE")),
    ("SSLv3/TLS read server certificate request", cstr!("TRCR")),
    ("SSLv3/TLS read server done", cstr!("TRSD")),
    ("SSLv3/TLS write client certificate", cstr!("TWCC")),
    ("SSLv3/TLS write client key exchange", cstr!("TWCKE")),
    ("SSLv3/TLS write certificate verify", cstr!("TWCV")),
    ("SSLv3/TLS write change cipher spec", cstr!("TWCCS")),
    ("SSLv3/TLS write finished", cstr!("TWFIN")),
    ("SSLv3/TLS read change cipher spec", cstr!("TRCCS")),
    ("SSLv3/TLS read finished", cstr!("TRFIN")),
    ("SSLv3/TLS read client hello", cstr!("TRCH")),
    ("SSLv3/TLS write server hello", cstr!("TWSH")),
    ("SSLv3/TLS write certificate", cstr!("TWSC")),
    ("SSLv3/TLS write key exchange", cstr!("TWSKE")),
    ("SSLv3/TLS write certificate request", cstr!("TWCR")),
    ("SSLv3/TLS write server done", cstr!("TWSD")),
    ("SSLv3/TLS read client certificate", cstr!("TRCC")),
    ("SSLv3/TLS read client key exchange", cstr!("TRCKE")),
    ("SSLv3/TLS read certificate verify", cstr!("TRCV")),
    ("DTLS1 read hello verify request", cstr!("DRCHV")),
    ("DTLS1 write hello verify request", cstr!("DWCHV")),
    ("error", cstr!("SSLERR")),
];

/// NUL-terminated copies of the engine's (finitely many, `'static`) state names.
static INTERNED: Mutex<Option<HashMap<&'static str, &'static CStr>>> = Mutex::new(None);

/// A `'static` C string for a `'static` engine string. The engine has a fixed set of state
/// names, so the leaked copies are bounded.
fn intern(s: &'static str) -> &'static CStr {
    let mut g = super::state::lock(&INTERNED);
    let map = g.get_or_insert_with(HashMap::new);
    if let Some(c) = map.get(s) {
        return c;
    }
    let c: &'static CStr = Box::leak(
        CString::new(s.replace('\0', " "))
            .unwrap_or_default()
            .into_boxed_c_str(),
    );
    map.insert(s, c);
    c
}

/// The long state name of `s`: OpenSSL's state as tracked from the handshake messages
/// (events.rs), "error" after a failure.
pub(crate) fn state_long(s: &SSL) -> &'static str {
    if s.failed.try_borrow().map(|f| f.is_some()).unwrap_or(false) {
        return "error";
    }
    match s.io.try_borrow().map(|io| io.last_state) {
        Ok(st) if !st.is_empty() => st,
        _ => super::ossl_state::STATE_BEFORE,
    }
}

/// (short, long) description of an alert description code.
fn alert_desc(d: c_int) -> (&'static CStr, &'static CStr) {
    match d {
        0 => (cstr!("CN"), cstr!("close notify")),
        10 => (cstr!("UM"), cstr!("unexpected_message")),
        20 => (cstr!("BM"), cstr!("bad record mac")),
        21 => (cstr!("DC"), cstr!("decryption failed")),
        22 => (cstr!("RO"), cstr!("record overflow")),
        30 => (cstr!("DF"), cstr!("decompression failure")),
        40 => (cstr!("HF"), cstr!("handshake failure")),
        41 => (cstr!("NC"), cstr!("no certificate")),
        42 => (cstr!("BC"), cstr!("bad certificate")),
        43 => (cstr!("UC"), cstr!("unsupported certificate")),
        44 => (cstr!("CR"), cstr!("certificate revoked")),
        45 => (cstr!("CE"), cstr!("certificate expired")),
        46 => (cstr!("CU"), cstr!("certificate unknown")),
        47 => (cstr!("IP"), cstr!("illegal parameter")),
        48 => (cstr!("CA"), cstr!("unknown CA")),
        49 => (cstr!("AD"), cstr!("access denied")),
        50 => (cstr!("DE"), cstr!("decode error")),
        51 => (cstr!("CY"), cstr!("decrypt error")),
        60 => (cstr!("ER"), cstr!("export restriction")),
        70 => (cstr!("PV"), cstr!("protocol version")),
        71 => (cstr!("IS"), cstr!("insufficient security")),
        80 => (cstr!("IE"), cstr!("internal error")),
        90 => (cstr!("US"), cstr!("user canceled")),
        100 => (cstr!("NR"), cstr!("no renegotiation")),
        110 => (cstr!("UE"), cstr!("unsupported extension")),
        111 => (cstr!("CO"), cstr!("certificate unobtainable")),
        112 => (cstr!("UN"), cstr!("unrecognized name")),
        113 => (cstr!("BR"), cstr!("bad certificate status response")),
        114 => (cstr!("BH"), cstr!("bad certificate hash value")),
        115 => (cstr!("UP"), cstr!("unknown PSK identity")),
        120 => (cstr!("NP"), cstr!("no application protocol")),
        _ => (cstr!("UK"), cstr!("unknown")),
    }
}

/// The version string OpenSSL prints for a protocol version number.
fn version_name(v: c_int) -> &'static CStr {
    match v {
        DTLS1_3_VERSION => cstr!("DTLSv1.3"),
        DTLS1_2_VERSION => cstr!("DTLSv1.2"),
        DTLS1_VERSION => cstr!("DTLSv1"),
        DTLS1_BAD_VER => cstr!("DTLSv0.9"),
        TLS1_3_VERSION => cstr!("TLSv1.3"),
        TLS1_2_VERSION => cstr!("TLSv1.2"),
        TLS1_1_VERSION => cstr!("TLSv1.1"),
        TLS1_VERSION => cstr!("TLSv1"),
        SSL3_VERSION => cstr!("SSLv3"),
        _ => cstr!("unknown"),
    }
}

impl SSL {
    /// `SSL_version`: the negotiated version, else the method's.
    pub(crate) fn version(&self) -> c_int {
        self.with_conn(|c| c.protocol_version())
            .flatten()
            .map_or(self.ctx().method.version, c_int::from)
    }
}

entry! {
    /// SSL_state_string_long: the handshake state in words.
    fn SSL_state_string_long(s: *const SSL) -> *const c_char {
        let s = try_ref!(s, cstr!("unknown state").as_ptr());
        let long = state_long(s);
        intern(long).as_ptr()
    }

    /// SSL_state_string: the six-letter state code ("UNKWN " when unknown).
    fn SSL_state_string(s: *const SSL) -> *const c_char {
        let s = try_ref!(s, cstr!("UNKWN ").as_ptr());
        let long = state_long(s);
        STATE_SHORT
            .iter()
            .find(|(l, _)| *l == long)
            .map_or(cstr!("UNKWN ").as_ptr(), |(_, short)| short.as_ptr())
    }

    /// SSL_alert_type_string_long: "warning", "fatal" or "unknown" for `value >> 8`.
    fn SSL_alert_type_string_long(value: c_int) -> *const c_char {
        match value >> 8 {
            SSL3_AL_WARNING => cstr!("warning").as_ptr(),
            SSL3_AL_FATAL => cstr!("fatal").as_ptr(),
            _ => cstr!("unknown").as_ptr(),
        }
    }

    /// SSL_alert_type_string: "W", "F" or "U".
    fn SSL_alert_type_string(value: c_int) -> *const c_char {
        match value >> 8 {
            SSL3_AL_WARNING => cstr!("W").as_ptr(),
            SSL3_AL_FATAL => cstr!("F").as_ptr(),
            _ => cstr!("U").as_ptr(),
        }
    }

    /// SSL_alert_desc_string_long: the alert description (`value & 0xff`) in words.
    fn SSL_alert_desc_string_long(value: c_int) -> *const c_char {
        alert_desc(value & 0xff).1.as_ptr()
    }

    /// SSL_alert_desc_string: the two-letter alert description code.
    fn SSL_alert_desc_string(value: c_int) -> *const c_char {
        alert_desc(value & 0xff).0.as_ptr()
    }

    /// SSL_get_version: "DTLSv1.2" once negotiated, else the method's version name.
    fn SSL_get_version(s: *const SSL) -> *const c_char {
        let s = try_ref!(s, cstr!("unknown").as_ptr());
        version_name(s.version()).as_ptr()
    }

    /// SSL_version: the protocol version number (DTLS1_2_VERSION once negotiated).
    fn SSL_version(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.version()
    }

    /// SSL_client_version: DTLS1_2_VERSION once a handshake ran, else 0.
    fn SSL_client_version(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.with_conn(|c| c.protocol_version()).flatten().map_or(0, c_int::from)
    }

    /// SSL_get_current_cipher: the negotiated cipher, a TLS 1.3 suite on DTLS 1.3 (NULL
    /// before the handshake chose one).
    fn SSL_get_current_cipher(s: *const SSL) -> *const SSL_CIPHER {
        let s = try_ref!(s, std::ptr::null());
        s.with_conn(|c| {
            c.cipher_suite()
                .and_then(for_suite)
                .or_else(|| c.tls13_suite().and_then(|t| for_suite13(t.to_u16())))
        })
        .flatten()
        .map_or(std::ptr::null(), |c| c as *const SSL_CIPHER)
    }

    /// SSL_get_pending_cipher: as SSL_get_current_cipher.
    fn SSL_get_pending_cipher(s: *const SSL) -> *const SSL_CIPHER {
        SSL_get_current_cipher(s)
    }

    /// SSL_CTX_set_info_callback sets the info callback for every SSL without its own.
    fn SSL_CTX_set_info_callback(ctx: *mut SSL_CTX, cb: Option<InfoCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| l.info_callback = cb);
    }

    /// SSL_CTX_get_info_callback returns the context's info callback.
    fn SSL_CTX_get_info_callback(ctx: *const SSL_CTX) -> Option<InfoCallback> {
        let ctx = try_ref!(ctx, None);
        ctx.live().info_callback
    }

    /// SSL_set_info_callback sets this connection's info callback.
    fn SSL_set_info_callback(s: *mut SSL, cb: Option<InfoCallback>) {
        let s = try_ref!(s, ());
        s.info_callback.set(cb);
    }

    /// SSL_get_info_callback returns this connection's info callback (NULL when it uses the
    /// context's).
    fn SSL_get_info_callback(s: *const SSL) -> Option<InfoCallback> {
        let s = try_ref!(s, None);
        s.info_callback.get()
    }

    /// SSL_CTX_set_msg_callback sets the protocol message callback of new SSLs.
    fn SSL_CTX_set_msg_callback(ctx: *mut SSL_CTX, cb: Option<MsgCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update(|s| s.msg_callback = cb);
    }

    /// SSL_set_msg_callback sets this connection's protocol message callback.
    fn SSL_set_msg_callback(s: *mut SSL, cb: Option<MsgCallback>) {
        let s = try_ref!(s, ());
        s.update_settings(|st| st.msg_callback = cb);
    }

    /// SSL_CTX_set_keylog_callback sets the NSS key log callback ("CLIENT_RANDOM <hex> <hex>").
    fn SSL_CTX_set_keylog_callback(ctx: *mut SSL_CTX, cb: Option<KeylogCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| l.keylog_callback = cb);
    }

    /// SSL_CTX_get_keylog_callback returns the key log callback.
    fn SSL_CTX_get_keylog_callback(ctx: *const SSL_CTX) -> Option<KeylogCallback> {
        let ctx = try_ref!(ctx, None);
        ctx.live().keylog_callback
    }
}

/// Sets the message callback argument (ctrl `SSL_CTRL_SET_MSG_CALLBACK_ARG`).
pub fn set_msg_arg_ctx(ctx: &SSL_CTX, arg: *mut c_void) {
    ctx.update(|s| s.msg_callback_arg = AppPtr(arg));
}

/// Sets the message callback argument of one SSL.
pub fn set_msg_arg_ssl(s: &SSL, arg: *mut c_void) {
    s.update_settings(|st| st.msg_callback_arg = AppPtr(arg));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(p: *const c_char) -> String {
        // SAFETY: the functions return static NUL-terminated strings.
        unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
    }

    #[test]
    fn alert_strings() {
        assert_eq!(s(SSL_alert_type_string_long(2 << 8 | 40)), "fatal");
        assert_eq!(s(SSL_alert_type_string(1 << 8)), "W");
        assert_eq!(
            s(SSL_alert_desc_string_long(2 << 8 | 40)),
            "handshake failure"
        );
        assert_eq!(s(SSL_alert_desc_string_long(48)), "unknown CA");
        assert_eq!(s(SSL_alert_desc_string(0)), "CN");
        assert_eq!(s(SSL_alert_desc_string_long(255)), "unknown");
    }

    #[test]
    fn interning_is_stable() {
        let a = intern("SSLv3/TLS read server hello");
        let b = intern("SSLv3/TLS read server hello");
        assert_eq!(a.as_ptr(), b.as_ptr());
        assert_eq!(a.to_str().unwrap(), "SSLv3/TLS read server hello");
    }

    #[test]
    fn null_ssl_gets_defaults() {
        assert_eq!(s(SSL_state_string_long(std::ptr::null())), "unknown state");
        assert_eq!(s(SSL_get_version(std::ptr::null())), "unknown");
        assert!(SSL_get_current_cipher(std::ptr::null()).is_null());
        crate::error::clear();
    }
}
