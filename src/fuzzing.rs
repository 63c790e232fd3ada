//! Entry points for the fuzz targets in `fuzz/` (not part of the supported API).
//!
//! The fuzz harness (`fuzz/targets/`) drives [`crate::Connection`] and
//! [`crate::cookie::CookieListener`] through the public API; what it needs beyond that — the
//! certificate/key loaders for its fixtures and the DER, PEM and X.509 parsers as one call
//! each — is gathered here, so the parsers' own visibility can change without breaking it.
use crate::pki::{der, keys, pem, x509};

pub use crate::crypto::suites::suite_by_name;
pub use crate::enums::{NamedGroup, SignatureScheme};
pub use crate::pki::keys::SigningKey;
pub use crate::pki::pem::load_certificates;
pub use crate::pki::verify::TrustStore;

/// Walks `data` as nested DER: every constructed element (bit 0x20 of the tag) is entered,
/// so every element's length is checked against its parent's. Returns the number of
/// elements read before the first error.
pub fn der_walk(data: &[u8]) -> usize {
    fn walk(data: &[u8], depth: usize, count: &mut usize) -> bool {
        let mut r = der::DerReader::new(data);
        while !r.is_empty() {
            let Ok(t) = r.tlv() else {
                return false;
            };
            *count += 1;
            // Bounded recursion: the fuzzer may nest as deep as the input allows.
            if t.tag & 0x20 != 0 && depth < 64 && !walk(t.value, depth + 1, count) {
                return false;
            }
        }
        true
    }
    let mut count = 0;
    walk(data, 0, &mut count);
    // The helpers certificate parsing uses on element contents.
    let _ = der::bit_string_bytes(data);
    let _ = der::oid_to_string(data);
    let _ = der::unsigned_integer(data);
    count
}

/// Parses `data` as PEM: every block, the certificates among them, a private key and a
/// trust store built from them. Returns the number of blocks.
pub fn pem_parse(data: &[u8]) -> usize {
    let n = pem::pem_blocks(data).map(|b| b.len()).unwrap_or(0);
    let _ = pem::load_certificates(data);
    let _ = keys::SigningKey::from_pem(data);
    let _ = pem::base64_decode(data);
    let mut t = TrustStore::new();
    let _ = t.add_pem(data);
    n
}

/// Parses `data` as a DER certificate and formats what was read (names, times, the public
/// key), as the verifier and `X509_NAME_oneline` do; also tries it as a DER private key and
/// as a trust anchor. True when the certificate parsed.
pub fn x509_parse(data: &[u8]) -> bool {
    let _ = keys::SigningKey::from_der(data);
    let _ = keys::spki_parts(data);
    let mut t = TrustStore::new();
    let _ = t.add_der(data);
    let Ok(info) = x509::parse_certificate(data) else {
        return false;
    };
    let _ = x509::name_oneline(&info.subject);
    let _ = x509::name_print_oneline(&info.issuer);
    let _ = x509::name_rfc2253(&info.issuer);
    let _ = x509::format_time(info.not_before);
    let _ = x509::format_time(info.not_after);
    let _ = keys::spki_parts(&info.spki_der);
    let _ = x509::parse_name(&info.subject_der);
    true
}

/// A copy of `conn` in its current state, for the fuzz harness: it drives a handshake to
/// the target state once per process and starts each input from a copy. DTLS 1.2 and 1.3
/// (and a connection whose version is still open) alike. The copy has its own copy of the
/// configuration's session cache and cookie keys. Only with the `fuzzing` feature (the
/// copy holds the connection's secrets). What differs from the original — hooks,
/// OS-random ECDHE keys — is listed in `src/handshake/fuzz_copy.rs` and
/// `src/dtls13/fuzz_copy.rs`; `None` when `conn` has an application hook set.
#[cfg(feature = "fuzzing")]
pub fn copy_connection(conn: &crate::Connection) -> Option<crate::Connection> {
    Some(crate::Connection {
        inner: conn.inner.fuzz_copy()?,
    })
}
