//! Writing sessions out: `i2d_SSL_SESSION`, `PEM_write_bio_SSL_SESSION`,
//! `SSL_SESSION_print` and `SSL_SESSION_print_keylog` (what `openssl s_server` prints after
//! every handshake and `s_client` in its summary).
//!
//! The DER form is OpenSSL's `SSL_SESSION_ASN1` sequence (ssl_asn1.c layout, fields we have):
//! version 1, protocol version, the two cipher suite bytes, session id, master key, then the
//! optional `[1]` time, `[2]` timeout, `[3]` peer certificate, `[4]` session id context,
//! `[5]` verify result, `[6]` host name and `[13]` flags (extended master secret), each
//! EXPLICIT-tagged and omitted when empty or zero, as OpenSSL writes them. A DTLS 1.3 session
//! is written as OpenSSL 3.x writes a TLS 1.3 one: protocol DTLS1_3_VERSION, the 1.3 suite
//! (0x13xx), master key = the resumption PSK already derived from the resumption master
//! secret and the ticket nonce (RFC 8446 §4.6.1), plus `[9]` ticket lifetime hint, `[10]`
//! ticket, `[14]` ticket_age_add and `[15]` max_early_data (`session_der13.rs`). Reading
//! sessions back is `session_read.rs`.
use std::ffi::{c_char, c_int, c_long, c_uchar, CStr};

use rdtls::session::cache::Session;

use crate::entry::*;
use crate::host::{self, BIO};

use super::cipher::{SSL_CIPHER_get_name, CIPHERS};
use super::consts::{DTLS1_2_VERSION, DTLS1_3_VERSION};
use super::session_asn1::{explicit, tlv, uint, INTEGER, OCTET_STRING, SEQUENCE};
use super::state::session::{session_value, SSL_SESSION};

extern "C" {
    // libcrypto's (drop-in) or this library's (standalone) X509_V_* text.
    fn X509_verify_cert_error_string(n: c_long) -> *const c_char;
}

/// `SSL_SESS_FLAG_EXTMS`: the session used the extended master secret (RFC 7627).
const SSL_SESS_FLAG_EXTMS: u64 = 0x1;
/// PEM label OpenSSL uses for sessions.
const PEM_LABEL: &str = "SSL SESSION PARAMETERS";

/// The DER encoding of `s` (see the module documentation).
pub fn session_der(s: &Session) -> Vec<u8> {
    let t13 = s.tls13_ticket.as_ref();
    let mut body = Vec::with_capacity(160 + t13.map_or(0, |t| t.ticket.ticket.len()));
    tlv(&mut body, INTEGER, &uint(1));
    let (version, suite, master) = match t13 {
        Some(t) => (DTLS1_3_VERSION, t.suite.to_u16(), &t.psk[..]),
        None => (DTLS1_2_VERSION, s.suite, &s.master_secret[..]),
    };
    tlv(&mut body, INTEGER, &uint(version as u64));
    tlv(&mut body, OCTET_STRING, &suite.to_be_bytes());
    tlv(&mut body, OCTET_STRING, &s.id);
    tlv(&mut body, OCTET_STRING, master);
    if s.created_unix != 0 {
        explicit(&mut body, 1, INTEGER, &uint(s.created_unix));
    }
    if !s.lifetime.is_zero() {
        explicit(&mut body, 2, INTEGER, &uint(s.lifetime.as_secs()));
    }
    if let Some(leaf) = s.peer_certificates.first() {
        // The certificate is itself a DER SEQUENCE: wrap it as is.
        tlv(&mut body, 0xA3, leaf);
    }
    if !s.id_context.is_empty() {
        explicit(&mut body, 4, OCTET_STRING, &s.id_context);
    }
    // OpenSSL omits a zero verify_result (ZINT32); a 1.3 ticket's known result is written
    // even when 0 (OpenSSL reads it), so that reading it back tells "verified" from "not
    // recorded" (session_der13).
    let verify = match t13.and_then(|t| t.verify_code) {
        Some(code) => Some(code),
        None => (s.verify_result != 0).then_some(s.verify_result),
    };
    if let Some(v) = verify {
        explicit(&mut body, 5, INTEGER, &uint(u64::from(v.unsigned_abs())));
    }
    if let Some(name) = &s.server_name {
        explicit(&mut body, 6, OCTET_STRING, name.as_bytes());
    }
    if let Some(t) = t13 {
        super::session_der13::write_ticket(&mut body, t);
    }
    if s.extended_master_secret && t13.is_none() {
        explicit(&mut body, 13, INTEGER, &uint(SSL_SESS_FLAG_EXTMS));
    }
    if let Some(t) = t13 {
        super::session_der13::write_ticket_extras(&mut body, t);
    }
    let mut out = Vec::with_capacity(body.len() + 4);
    tlv(&mut out, SEQUENCE, &body);
    out
}

/// Standard base64 (RFC 4648 §4) in lines of 64 characters, each ending in '\n'.
fn base64_lines(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut text = String::with_capacity(data.len() * 4 / 3 + 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                text.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                text.push('=');
            }
        }
    }
    let mut out = String::with_capacity(text.len() + text.len() / 64 + 1);
    for line in text.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out
}

fn hex_upper(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02X}")).collect()
}

/// The session behind a C handle (const in most prototypes).
fn value(sess: *const SSL_SESSION) -> Option<Session> {
    session_value(sess.cast_mut())
}

/// Writes all of `text` to `bp`; 1 on success, 0 on failure.
fn write_all(bp: *mut BIO, text: &str) -> c_int {
    c_int::from(host::bio_write(bp, text.as_bytes()) == text.len() as c_int)
}

/// The OpenSSL name of suite `id`, or "(NONE)".
fn suite_name(id: u16) -> String {
    CIPHERS
        .iter()
        .find(|c| c.suite.id == id)
        .map(|c| {
            // SAFETY: SSL_CIPHER_get_name returns a static NUL-terminated name.
            unsafe { CStr::from_ptr(SSL_CIPHER_get_name(c)) }
                .to_string_lossy()
                .into_owned()
        })
        .unwrap_or_else(|| "(NONE)".to_owned())
}

/// `SSL_SESSION_print`'s text.
fn session_text(s: &Session) -> String {
    // SAFETY: X509_verify_cert_error_string returns a static NUL-terminated string.
    let verify =
        unsafe { CStr::from_ptr(X509_verify_cert_error_string(c_long::from(s.verify_result))) }
            .to_string_lossy()
            .into_owned();
    // OpenSSL names a TLS 1.3 session's master key "Resumption PSK" (ssl_txt.c).
    let (protocol, key_label, key) = match &s.tls13_ticket {
        Some(t) => ("DTLSv1.3", "Resumption PSK", &t.psk[..]),
        None => ("DTLSv1.2", "Master-Key", &s.master_secret[..]),
    };
    format!(
        "SSL-Session:\n    Protocol  : {protocol}\n    Cipher    : {}\n    Session-ID: {}\n    \
         Session-ID-ctx: {}\n    {key_label}: {}\n    PSK identity: None\n    \
         PSK identity hint: None\n    SRP username: None\n    Start Time: {}\n    \
         Timeout   : {} (sec)\n    Verify return code: {} ({})\n    \
         Extended master secret: {}\n",
        suite_name(s.suite),
        hex_upper(&s.id),
        hex_upper(&s.id_context),
        hex_upper(key),
        s.created_unix,
        s.lifetime.as_secs(),
        s.verify_result,
        verify,
        if s.extended_master_secret {
            "yes"
        } else {
            "no"
        },
    )
}

entry! {
    /// i2d_SSL_SESSION: the session's DER length; with `pp` it also writes the DER at `*pp`
    /// and advances it, allocating with OPENSSL_malloc when `*pp` is NULL. 0 on failure.
    fn i2d_SSL_SESSION(sess: *const SSL_SESSION, pp: *mut *mut c_uchar) -> c_int {
        let Some(s) = value(sess) else {
            crate::entry::on_null("in");
            return 0;
        };
        let der = session_der(&s);
        let Ok(n) = c_int::try_from(der.len()) else { return 0 };
        if pp.is_null() {
            return n;
        }
        // SAFETY: pp is a valid pointer to the caller's output pointer.
        let out = unsafe { *pp };
        if out.is_null() {
            let p = host::crypto_malloc(der.len()).cast::<c_uchar>();
            if p.is_null() {
                return 0;
            }
            // SAFETY: p has room for der.len() bytes; ownership goes to the caller.
            unsafe {
                std::ptr::copy_nonoverlapping(der.as_ptr(), p, der.len());
                *pp = p;
            }
        } else {
            // SAFETY: the caller provides room for the length a first call returned.
            unsafe {
                std::ptr::copy_nonoverlapping(der.as_ptr(), out, der.len());
                *pp = out.add(der.len());
            }
        }
        n
    }

    /// PEM_write_bio_SSL_SESSION writes the session as "SSL SESSION PARAMETERS" PEM; 1 on
    /// success.
    fn PEM_write_bio_SSL_SESSION(bp: *mut BIO, sess: *const SSL_SESSION) -> c_int {
        let Some(s) = value(sess) else {
            crate::entry::on_null("x");
            return 0;
        };
        let pem = format!(
            "-----BEGIN {PEM_LABEL}-----\n{}-----END {PEM_LABEL}-----\n",
            base64_lines(&session_der(&s))
        );
        write_all(bp, &pem)
    }

    /// SSL_SESSION_print writes a readable summary of the session to `bp`; 1 on success.
    fn SSL_SESSION_print(bp: *mut BIO, sess: *const SSL_SESSION) -> c_int {
        match value(sess) {
            Some(s) => write_all(bp, &session_text(&s)),
            None => 0,
        }
    }

    /// SSL_SESSION_print_keylog writes "RSA Session-ID:<hex> Master-Key:<hex>"; 1 on success.
    fn SSL_SESSION_print_keylog(bp: *mut BIO, sess: *const SSL_SESSION) -> c_int {
        match value(sess) {
            Some(s) if !s.id.is_empty() => write_all(
                bp,
                &format!(
                    "RSA Session-ID:{} Master-Key:{}\n",
                    hex_upper(&s.id),
                    hex_upper(&s.master_secret[..])
                ),
            ),
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn der_integers_and_lengths() {
        assert_eq!(uint(1), [1]);
        assert_eq!(uint(0xFEFD), [0, 0xFE, 0xFD]);
        assert_eq!(uint(0), [0]);
        let mut out = Vec::new();
        tlv(&mut out, OCTET_STRING, &[7u8; 200]);
        assert_eq!(&out[..3], &[0x04, 0x81, 200]);
        let mut out = Vec::new();
        tlv(&mut out, OCTET_STRING, &[7u8; 300]);
        assert_eq!(&out[..4], &[0x04, 0x82, 0x01, 0x2C]);
    }

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64_lines(b"foobar"), "Zm9vYmFy\n");
        assert_eq!(base64_lines(b"fooba"), "Zm9vYmE=\n");
        assert_eq!(base64_lines(b"foob"), "Zm9vYg==\n");
        let long = base64_lines(&[0u8; 60]);
        assert_eq!(long.lines().map(str::len).collect::<Vec<_>>(), [64, 16]);
    }
}
