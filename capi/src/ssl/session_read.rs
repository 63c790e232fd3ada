//! Reading saved sessions back: `d2i_SSL_SESSION` and `PEM_read_bio_SSL_SESSION`, so
//! `openssl s_client -sess_in` (and any program that stores sessions) can resume
//! (issue 15 item 7c).
//!
//! The input is OpenSSL's `SSL_SESSION_ASN1` DER sequence (ssl_asn1.c), the form
//! `session_io.rs` writes: version 1, protocol version (DTLS 1.2 only), two cipher suite
//! bytes, session id, master key, then optional context-tagged fields in increasing order.
//! We take `[1]` time, `[2]` timeout, `[3]` peer certificate, `[4]` session id context,
//! `[5]` verify result, `[6]` host name and `[13]` flags (extended master secret), and skip
//! the others (`[0]` key_arg, PSK, ticket, ALPN, ... fields OpenSSL may write). Every length
//! is checked against the input and a named bound: bad input is an error, never a panic.
use std::ffi::{c_long, c_uchar, c_void};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rdtls::session::cache::Session;

use crate::entry::*;
use crate::error::ssl_reasons::SSL_R_BAD_DATA;
use crate::error::{put_error, ERR_LIB_SSL};
use crate::host::{self, BIO};

use super::cipher::CIPHERS;
use super::consts::{DTLS1_2_VERSION, DTLS1_3_VERSION};
use super::session_asn1::{
    explicit_inner, read_uint as uint, Der, INTEGER, OCTET_STRING, SEQUENCE,
};
use super::session_der13::TicketFields;
use super::state::session::{session_free, session_new, SSL_SESSION};

/// Largest DER session accepted (a session holds at most one certificate).
pub const MAX_SESSION_DER: usize = 64 * 1024;
/// Most bytes `PEM_read_bio_SSL_SESSION` reads from its BIO.
pub const MAX_SESSION_PEM: usize = 256 * 1024;
/// Lifetime given to a session that carries no `[2]` timeout (OpenSSL's default, 300 s).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);
/// `SSL_SESS_FLAG_EXTMS`.
const SSL_SESS_FLAG_EXTMS: u64 = 0x1;
/// PEM label OpenSSL uses for sessions.
const PEM_LABEL: &str = "SSL SESSION PARAMETERS";

/// Parses one DER session from the start of `der`: the session and the bytes it used.
pub fn session_from_der(der: &[u8]) -> Result<(Session, usize), &'static str> {
    let input = &der[..der.len().min(MAX_SESSION_DER)];
    let mut outer = Der { data: input };
    let (tag, body, whole) = outer.tlv().map_err(|_| {
        if der.len() > MAX_SESSION_DER {
            "session larger than MAX_SESSION_DER"
        } else {
            "not a DER session"
        }
    })?;
    if tag != SEQUENCE {
        return Err("not a DER session (no SEQUENCE)");
    }
    let mut r = Der { data: body };
    if uint(r.expect(INTEGER, "missing session version")?)? != 1 {
        return Err("unknown session version");
    }
    let version = uint(r.expect(INTEGER, "missing protocol version")?)?;
    let is13 = match version {
        v if v == DTLS1_2_VERSION as u64 => false,
        v if v == DTLS1_3_VERSION as u64 => true,
        _ => return Err("not a DTLS 1.2 or DTLS 1.3 session"),
    };
    let cipher = r.expect(OCTET_STRING, "missing cipher")?;
    let suite = match cipher {
        [a, b] => u16::from_be_bytes([*a, *b]),
        _ => return Err("cipher is not two bytes"),
    };
    // A DTLS 1.2 session takes a 1.2 suite, a DTLS 1.3 one a TLS 1.3 suite.
    if !CIPHERS
        .iter()
        .any(|c| c.tls13 == is13 && c.suite.id == suite)
    {
        return Err("session cipher suite not supported");
    }
    let id = r.expect(OCTET_STRING, "missing session id")?;
    if id.len() > 32 {
        return Err("session id longer than 32 bytes");
    }
    let master_key = r.expect(OCTET_STRING, "missing master key")?;
    // DTLS 1.3: the resumption PSK, checked against the suite's hash in `finish`.
    let master: [u8; 48] = if is13 {
        [0; 48]
    } else {
        master_key
            .try_into()
            .map_err(|_| "master key is not 48 bytes")?
    };

    let now_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut s = Session {
        id: id.to_vec(),
        suite,
        master_secret: master.into(),
        extended_master_secret: false,
        peer_certificates: Vec::new(),
        verify_result: 0,
        server_name: None,
        id_context: Vec::new(),
        created: Instant::now(),
        created_unix: now_unix,
        lifetime: DEFAULT_LIFETIME,
        tls13_ticket: None,
    };
    let mut ticket = TicketFields::default();
    let mut has_timeout = false;
    let mut last = None;
    while !r.data.is_empty() {
        let (tag, content, _) = r.tlv()?;
        if tag & 0xc0 != 0x80 {
            return Err("unexpected untagged session field");
        }
        let n = tag & 0x1f;
        if last.is_some_and(|l| n <= l) {
            return Err("session fields out of order");
        }
        last = Some(n);
        if tag & 0x20 == 0 {
            continue; // [0] key_arg and other IMPLICIT primitives we do not use
        }
        if is13 && ticket.take(n, content)? {
            continue;
        }
        match n {
            1 => s.created_unix = uint(explicit_inner(content, INTEGER)?)?,
            2 => {
                has_timeout = true;
                let secs = uint(explicit_inner(content, INTEGER)?)?;
                s.lifetime = Duration::from_secs(secs.min(u64::from(u32::MAX)));
            }
            3 => {
                let mut inner = Der { data: content };
                let (t, _, cert) = inner.tlv()?;
                if t != SEQUENCE || !inner.data.is_empty() {
                    return Err("peer certificate is not one DER SEQUENCE");
                }
                s.peer_certificates = vec![cert.to_vec()];
            }
            4 => {
                let ctx = explicit_inner(content, OCTET_STRING)?;
                if ctx.len() > 32 {
                    return Err("session id context longer than 32 bytes");
                }
                s.id_context = ctx.to_vec();
            }
            5 => {
                let v = uint(explicit_inner(content, INTEGER)?)?;
                s.verify_result = i32::try_from(v).map_err(|_| "verify result out of range")?;
                ticket.verify_result_present = true;
            }
            6 => {
                let name = explicit_inner(content, OCTET_STRING)?;
                if name.len() > 255 {
                    return Err("host name longer than 255 bytes");
                }
                let name = std::str::from_utf8(name).map_err(|_| "host name is not text")?;
                s.server_name = Some(name.to_string());
            }
            13 if !is13 => {
                let flags = uint(explicit_inner(content, INTEGER)?)?;
                s.extended_master_secret = flags & SSL_SESS_FLAG_EXTMS != 0;
            }
            _ => {} // PSK, tickets, ALPN, ...: not ours to resume with
        }
    }
    // Age the monotonic creation time so expiry counts from when the session was made.
    let age = Duration::from_secs(now_unix.saturating_sub(s.created_unix));
    s.created = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
    if is13 {
        ticket.finish(&mut s, master_key)?;
        if !has_timeout {
            // OpenSSL sets a 1.3 session's timeout to the ticket lifetime hint.
            s.lifetime = Duration::from_secs(
                s.tls13_ticket
                    .as_ref()
                    .map_or(0, |t| u64::from(t.ticket.lifetime)),
            );
        }
    }
    Ok((s, whole.len()))
}

/// Queues the error of a session that could not be read.
fn refuse(why: &str) {
    put_error(
        ERR_LIB_SSL,
        SSL_R_BAD_DATA,
        format!("cannot read the SSL_SESSION: {why}"),
    );
}

/// Stores a new session handle in `*a` (when given), releasing what it held, as OpenSSL's
/// d2i functions do.
fn store(a: *mut *mut SSL_SESSION, p: *mut SSL_SESSION) -> *mut SSL_SESSION {
    if !a.is_null() {
        // SAFETY: a points to the caller's session pointer (NULL or a live handle).
        unsafe {
            session_free(*a);
            *a = p;
        }
    }
    p
}

entry! {
    /// d2i_SSL_SESSION parses a DER session at `*pp` (at most `length` bytes), advances
    /// `*pp` past it and returns a new session (also stored in `*a` when `a` is given);
    /// NULL with an error queued when the input is not a DTLS 1.2 session we can use.
    fn d2i_SSL_SESSION(a: *mut *mut SSL_SESSION, pp: *mut *const c_uchar, length: c_long)
        -> *mut SSL_SESSION {
        // SAFETY: pp is NULL or points to the caller's input pointer.
        let start = if pp.is_null() { std::ptr::null() } else { unsafe { *pp } };
        if start.is_null() {
            crate::entry::on_null("pp");
            return std::ptr::null_mut();
        }
        let Ok(len) = usize::try_from(length) else {
            refuse("negative length");
            return std::ptr::null_mut();
        };
        // SAFETY: the caller guarantees `length` readable bytes at *pp; we read at most
        // MAX_SESSION_DER + a few header bytes of them.
        let der = unsafe { std::slice::from_raw_parts(start, len.min(MAX_SESSION_DER + 8)) };
        match session_from_der(der) {
            Ok((s, used)) => {
                // SAFETY: used <= der.len() <= length: *pp stays within the caller's input.
                unsafe { *pp = start.add(used) };
                store(a, session_new(s))
            }
            Err(why) => {
                refuse(why);
                std::ptr::null_mut()
            }
        }
    }

    /// PEM_read_bio_SSL_SESSION reads the first "SSL SESSION PARAMETERS" PEM block from `bp`
    /// (reading at most MAX_SESSION_PEM bytes) and returns the session (also stored in `*x`
    /// when given); NULL with an error queued otherwise. The password callback is unused
    /// (sessions are never encrypted).
    fn PEM_read_bio_SSL_SESSION(bp: *mut BIO, x: *mut *mut SSL_SESSION,
                                _cb: Option<unsafe extern "C" fn()>, _u: *mut c_void)
        -> *mut SSL_SESSION {
        if bp.is_null() {
            crate::entry::on_null("bp");
            return std::ptr::null_mut();
        }
        let mut text = Vec::new();
        let mut buf = [0u8; 4096];
        while text.len() < MAX_SESSION_PEM {
            let n = host::bio_read(bp, &mut buf);
            let Ok(n) = usize::try_from(n) else { break };
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n.min(buf.len())]);
        }
        let blocks = match rdtls::pki::pem::pem_blocks(&text) {
            Ok(b) => b,
            Err(e) => {
                refuse(&e.to_string());
                return std::ptr::null_mut();
            }
        };
        let Some((_, der)) = blocks.into_iter().find(|(label, _)| label == PEM_LABEL) else {
            refuse("no \"SSL SESSION PARAMETERS\" PEM block");
            return std::ptr::null_mut();
        };
        match session_from_der(&der) {
            Ok((s, _)) => store(x, session_new(s)),
            Err(why) => {
                refuse(why);
                std::ptr::null_mut()
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ssl::session_io::session_der;

    fn sample() -> Session {
        Session {
            id: vec![7; 32],
            suite: 0xC02B,
            master_secret: [9u8; 48].into(),
            extended_master_secret: true,
            peer_certificates: vec![vec![0x30, 0x03, 0x02, 0x01, 0x05]],
            verify_result: 20,
            server_name: Some("localhost".into()),
            id_context: b"ctx".to_vec(),
            created: Instant::now(),
            created_unix: 1_700_000_000,
            lifetime: Duration::from_secs(7200),
            tls13_ticket: None,
        }
    }

    #[test]
    fn der_round_trip_keeps_every_field() {
        let s = sample();
        let der = session_der(&s);
        let (back, used) = session_from_der(&der).expect("parse");
        assert_eq!(used, der.len());
        assert_eq!(back.id, s.id);
        assert_eq!(back.suite, s.suite);
        assert_eq!(back.master_secret[..], s.master_secret[..]);
        assert!(back.extended_master_secret);
        assert_eq!(back.peer_certificates, s.peer_certificates);
        assert_eq!(back.verify_result, 20);
        assert_eq!(back.server_name.as_deref(), Some("localhost"));
        assert_eq!(back.id_context, b"ctx");
        assert_eq!(back.created_unix, 1_700_000_000);
        assert_eq!(back.lifetime, Duration::from_secs(7200));
        // Re-encoding gives the same bytes.
        assert_eq!(session_der(&back), der);
    }

    /// Every proper prefix of `der` is an error, and no flipped bit panics.
    pub(crate) fn assert_damage_refused(der: &[u8]) {
        for n in 0..der.len() {
            assert!(session_from_der(&der[..n]).is_err(), "prefix {n}");
        }
        for i in 0..der.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = der.to_vec();
                bad[i] ^= bit;
                let _ = session_from_der(&bad);
            }
        }
    }

    #[test]
    fn every_truncation_and_corruption_is_an_error_not_a_panic() {
        assert_damage_refused(&session_der(&sample()));
        assert!(session_from_der(&[0x30, 0x00]).is_err());
        // Fields out of order are refused.
        let mut s = sample();
        s.server_name = None;
        s.extended_master_secret = false;
        let base = session_der(&s);
        let mut body = base[hdr_len(&base)..].to_vec();
        body.extend_from_slice(&[0xA2, 0x03, 0x02, 0x01, 0x05]);
        let mut full = vec![0x30, 0x82, (body.len() >> 8) as u8, body.len() as u8];
        full.extend_from_slice(&body);
        assert_eq!(
            session_from_der(&full).err(),
            Some("session fields out of order")
        );
    }

    #[test]
    fn skips_fields_we_do_not_use() {
        let s = sample();
        // A session without flags, then [9] EXPLICIT INTEGER (ticket lifetime hint),
        // [10] EXPLICIT OCTET STRING (ticket) and [13] flags, as OpenSSL writes them.
        let mut s2 = sample();
        s2.extended_master_secret = false;
        let base = session_der(&s2);
        let mut body = base[hdr_len(&base)..].to_vec();
        body.extend_from_slice(&[0xA9, 0x04, 0x02, 0x02, 0x1C, 0x20]);
        body.extend_from_slice(&[0xAA, 0x05, 0x04, 0x03, 1, 2, 3]);
        body.extend_from_slice(&[0xAD, 0x03, 0x02, 0x01, 0x01]);
        let mut full = vec![0x30, 0x82, (body.len() >> 8) as u8, body.len() as u8];
        full.extend_from_slice(&body);
        let (back, _) = session_from_der(&full).expect("parse with extra fields");
        assert!(back.extended_master_secret);
        assert_eq!(back.id, s.id);
    }

    /// Length of the outer SEQUENCE header.
    fn hdr_len(der: &[u8]) -> usize {
        if der[1] < 0x80 {
            2
        } else {
            2 + usize::from(der[1] & 0x7f)
        }
    }
}
