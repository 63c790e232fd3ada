//! The DTLS 1.3 part of OpenSSL's `SSL_SESSION_ASN1` sequence (ssl_asn1.c), so that
//! `i2d_SSL_SESSION` / `d2i_SSL_SESSION` (and the PEM forms) carry a DTLS 1.3 client session
//! and its ticket, laid out as OpenSSL 3.x writes a TLS 1.3 session:
//!
//! * protocol version DTLS1_3_VERSION, cipher = the two bytes of the TLS 1.3 suite (0x13xx);
//! * master key = the resumption PSK, `HKDF-Expand-Label(resumption_master_secret,
//!   "resumption", ticket_nonce, Hash.length)` (RFC 8446 §4.6.1), already derived: the nonce
//!   itself is not kept (OpenSSL keeps none either);
//! * `[9]` ticket lifetime hint, `[10]` ticket, `[14]` ticket_age_add, `[15]` max_early_data
//!   (from the ticket's early_data extension, RFC 8446 §4.6.1), EXPLICIT, omitted when zero;
//! * `[1]` time is when the ticket arrived: the obfuscated ticket age of the next
//!   ClientHello counts from it (§4.2.11.1).
//!
//! * `[5]` verify_result: the original connection's verify result, which a resumption
//!   reports without verifying the chain again (`Ticket13::verify_code`). OpenSSL omits it
//!   when 0 (ZINT32) and reads it as 0 when absent; we write it whenever the ticket knows
//!   it, 0 included, and read a session without it as "not recorded": the client then
//!   runs its verifier on the stored chain before offering the ticket.
//!
//! Only the server's leaf certificate has a field (`[3]`); after `d2i` the ticket's chain is
//! that leaf alone, so when the verifier has to run (no `[5]`, see above) a chain needing
//! intermediates fails and the ticket is not offered (a full handshake, never an
//! unverified resumption).
use rdtls::dtls13::client::Ticket13;
use rdtls::dtls13::extensions::ext_type;
use rdtls::dtls13::messages::{NewSessionTicket, MAX_TICKET_LIFETIME};
use rdtls::dtls13::record_protection::Suite13;
use rdtls::session::cache::Session;

use super::session_asn1::{
    explicit, explicit_inner, read_uint as der_uint, uint, INTEGER, OCTET_STRING,
};

/// Writes `[9]` ticket lifetime hint and `[10]` ticket (they come before `[13]` flags).
pub(super) fn write_ticket(body: &mut Vec<u8>, t: &Ticket13) {
    if t.ticket.lifetime != 0 {
        explicit(body, 9, INTEGER, &uint(u64::from(t.ticket.lifetime)));
    }
    explicit(body, 10, OCTET_STRING, &t.ticket.ticket);
}

/// Writes `[14]` ticket_age_add and `[15]` max_early_data (after `[13]` flags).
pub(super) fn write_ticket_extras(body: &mut Vec<u8>, t: &Ticket13) {
    if t.ticket.age_add != 0 {
        explicit(body, 14, INTEGER, &uint(u64::from(t.ticket.age_add)));
    }
    let early = max_early_data(&t.ticket.extensions);
    if early != 0 {
        explicit(body, 15, INTEGER, &uint(u64::from(early)));
    }
}

/// The early_data extension's max_early_data_size in a NewSessionTicket's extension block
/// (0 when absent or malformed).
fn max_early_data(mut exts: &[u8]) -> u32 {
    while exts.len() >= 4 {
        let ty = u16::from_be_bytes([exts[0], exts[1]]);
        let len = usize::from(u16::from_be_bytes([exts[2], exts[3]]));
        let Some(data) = exts.get(4..4 + len) else {
            return 0;
        };
        if ty == ext_type::EARLY_DATA {
            return data.try_into().map_or(0, u32::from_be_bytes);
        }
        exts = &exts[4 + len..];
    }
    0
}

/// The ticket fields of a DTLS 1.3 session being read.
#[derive(Default)]
pub(super) struct TicketFields {
    lifetime: u64,
    ticket: Option<Vec<u8>>,
    age_add: u32,
    max_early_data: u32,
    /// `[5]` verify_result was present (read by the common session code).
    pub(super) verify_result_present: bool,
}

impl TicketFields {
    /// Takes the content of `[n]` when it is a ticket field (true), else leaves it (false).
    pub(super) fn take(&mut self, n: u8, content: &[u8]) -> Result<bool, &'static str> {
        match n {
            9 => self.lifetime = der_uint(explicit_inner(content, INTEGER)?)?,
            10 => {
                let t = explicit_inner(content, OCTET_STRING)?;
                // RFC 8446 §4.6.1: ticket<1..2^16-1>.
                if t.is_empty() || t.len() > 0xFFFF {
                    return Err("ticket length out of range");
                }
                self.ticket = Some(t.to_vec());
            }
            14 => {
                let v = der_uint(explicit_inner(content, INTEGER)?)?;
                self.age_add = u32::try_from(v).map_err(|_| "ticket_age_add out of range")?;
            }
            15 => {
                let v = der_uint(explicit_inner(content, INTEGER)?)?;
                self.max_early_data =
                    u32::try_from(v).map_err(|_| "max_early_data out of range")?;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Completes `s` (read with protocol DTLS1_3_VERSION and `master` as its master key) as
    /// a DTLS 1.3 session resuming with the ticket.
    pub(super) fn finish(self, s: &mut Session, master: &[u8]) -> Result<(), &'static str> {
        let suite = Suite13::from_u16(s.suite).ok_or("not a TLS 1.3 cipher suite")?;
        if master.len() != suite.hash().output_len() {
            return Err("resumption PSK length does not match the suite's hash");
        }
        let ticket = self.ticket.ok_or("DTLS 1.3 session without a ticket")?;
        // §4.6.1: at most seven days.
        let lifetime = u32::try_from(self.lifetime)
            .ok()
            .filter(|&l| l <= MAX_TICKET_LIFETIME)
            .ok_or("ticket lifetime over seven days")?;
        let mut extensions = Vec::new();
        if self.max_early_data != 0 {
            extensions.extend_from_slice(&ext_type::EARLY_DATA.to_be_bytes());
            extensions.extend_from_slice(&4u16.to_be_bytes());
            extensions.extend_from_slice(&self.max_early_data.to_be_bytes());
        }
        s.extended_master_secret = false;
        s.master_secret = [0u8; 48].into();
        s.tls13_ticket = Some(Ticket13 {
            ticket: NewSessionTicket {
                lifetime,
                age_add: self.age_add,
                nonce: Vec::new(),
                ticket,
                extensions,
            },
            suite,
            psk: master.to_vec(),
            received: s.created,
            peer_certs: s.peer_certificates.clone(),
            verify_code: self.verify_result_present.then_some(s.verify_result),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssl::session_io::session_der;
    use crate::ssl::session_read::session_from_der;
    use std::time::{Duration, Instant};

    fn sample13() -> Session {
        let t = Ticket13 {
            ticket: NewSessionTicket {
                lifetime: 7200,
                age_add: 0x8000_0001,
                nonce: vec![0, 1],
                ticket: vec![0xAB; 120],
                extensions: vec![0, 42, 0, 4, 0, 0, 0x40, 0],
            },
            suite: Suite13::Aes256GcmSha384,
            psk: vec![5; 48],
            received: Instant::now(),
            peer_certs: vec![vec![0x30, 0x03, 0x02, 0x01, 0x05]],
            verify_code: Some(0),
        };
        Session {
            id: vec![3; 32],
            suite: 0x1302,
            master_secret: [0u8; 48].into(),
            extended_master_secret: false,
            peer_certificates: t.peer_certs.clone(),
            verify_result: 0,
            server_name: Some("localhost".into()),
            id_context: Vec::new(),
            created: Instant::now(),
            created_unix: 1_800_000_000,
            lifetime: Duration::from_secs(7200),
            tls13_ticket: Some(t),
        }
    }

    #[test]
    fn round_trip_keeps_the_ticket() {
        let s = sample13();
        let der = session_der(&s);
        // version 1, then DTLS1_3_VERSION (0xFEFC) and the 1.3 suite as OpenSSL writes it.
        assert_eq!(
            &der[4..16],
            &[2, 1, 1, 2, 3, 0, 0xFE, 0xFC, 4, 2, 0x13, 0x02]
        );
        let (back, used) = session_from_der(&der).expect("parse");
        assert_eq!(used, der.len());
        let (t, t0) = (back.tls13_ticket.as_ref().unwrap(), s.tls13_ticket.unwrap());
        assert_eq!(t.suite, t0.suite);
        assert_eq!(t.psk, t0.psk);
        assert_eq!(t.ticket.ticket, t0.ticket.ticket);
        assert_eq!(t.ticket.lifetime, 7200);
        assert_eq!(t.ticket.age_add, 0x8000_0001);
        assert_eq!(t.ticket.extensions, t0.ticket.extensions);
        assert_eq!(t.peer_certs, t0.peer_certs);
        assert_eq!(t.verify_code, Some(0), "a known X509_V_OK is kept");
        assert_eq!(back.suite, 0x1302);
        assert_eq!(back.id, s.id);
        assert_eq!(back.server_name.as_deref(), Some("localhost"));
        assert_eq!(back.created_unix, 1_800_000_000);
        // Re-encoding gives the same bytes.
        assert_eq!(session_der(&back), der);
        if std::env::var_os("FUZZ_WRITE_SEEDS").is_some() {
            let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../fuzz/corpus/capi_session_der");
            std::fs::write(dir.join("seed-dtls13-ticket"), &der).unwrap();
        }
    }

    /// `[5]` carries the ticket's verify result: an error code and 0 come back as they
    /// were; a ticket that knows none writes none and reads back as not recorded.
    #[test]
    fn verify_result_round_trip() {
        for code in [Some(20), Some(0), None] {
            let mut s = sample13();
            s.verify_result = code.unwrap_or(0);
            s.tls13_ticket.as_mut().unwrap().verify_code = code;
            let der = session_der(&s);
            let (back, _) = session_from_der(&der).expect("parse");
            let t = back.tls13_ticket.as_ref().unwrap();
            assert_eq!(t.verify_code, code, "{code:?}");
            assert_eq!(back.verify_result, code.unwrap_or(0));
            // Explicit [5] INTEGER, present exactly when the code is known.
            let tag5 = der.windows(3).any(|w| w[0] == 0xA5 && w[2] == 0x02);
            assert_eq!(tag5, code.is_some(), "{code:?}");
        }
    }

    #[test]
    fn malformed_13_sessions_are_errors() {
        crate::ssl::session_read::tests::assert_damage_refused(&session_der(&sample13()));
        // A PSK of the wrong length for SHA-384.
        let mut s = sample13();
        s.tls13_ticket.as_mut().unwrap().psk = vec![5; 32];
        assert_eq!(
            session_from_der(&session_der(&s)).err(),
            Some("resumption PSK length does not match the suite's hash")
        );
        // A 1.2 suite under DTLS1_3_VERSION.
        let mut s = sample13();
        s.tls13_ticket.as_mut().unwrap().suite = Suite13::Aes128GcmSha256;
        let mut der = session_der(&s);
        der[14..16].copy_from_slice(&[0xC0, 0x2B]);
        assert!(session_from_der(&der).is_err());
        // Lifetime over seven days.
        let mut s = sample13();
        s.tls13_ticket.as_mut().unwrap().ticket.lifetime = MAX_TICKET_LIFETIME + 1;
        assert_eq!(
            session_from_der(&session_der(&s)).err(),
            Some("ticket lifetime over seven days")
        );
    }

    #[test]
    fn early_data_extension_is_found() {
        assert_eq!(max_early_data(&[0, 42, 0, 4, 0, 0, 1, 0]), 256);
        assert_eq!(max_early_data(&[0, 9, 0, 1, 7, 0, 42, 0, 4, 0, 0, 0, 9]), 9);
        assert_eq!(max_early_data(&[0, 42, 0, 9, 0]), 0);
        assert_eq!(max_early_data(&[]), 0);
    }
}
