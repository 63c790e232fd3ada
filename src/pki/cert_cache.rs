//! Parsed peer certificates shared across handshakes: a client reconnecting to one server
//! (or a server seeing one client again) receives the same certificate each time, and
//! parsing it is the costliest non-cryptographic step of a full handshake. Go's
//! crypto/tls keeps such a cache for the same reason.
//!
//! The cache maps a certificate's exact DER to its parsed fields; parsing is a pure
//! function of those bytes, so a hit gives exactly what parsing would. Only successful
//! parses are kept. It is bounded by entries and by certificate size, and lives in a
//! [`TrustStore`](super::verify::TrustStore), so it goes when the trust anchors change.

use std::sync::{Arc, Mutex};

use super::x509::{parse_certificate, CertInfo};
use crate::error::Error;

/// Most certificates kept (a client's servers, a server's returning clients).
pub const MAX_CACHED_CERTS: usize = 16;

/// Largest certificate kept, in bytes (a typical one is 0.5 to 2 KiB).
pub const MAX_CACHED_CERT_LEN: usize = 8192;

/// One parsed certificate with the DER it came from.
#[derive(Debug)]
pub struct ParsedCert {
    /// The certificate as received.
    pub der: Vec<u8>,
    /// Its fields.
    pub info: CertInfo,
}

/// The cache (see the module documentation).
#[derive(Debug, Default)]
pub struct CertCache {
    /// Most recently used last.
    entries: Mutex<Vec<Arc<ParsedCert>>>,
}

impl CertCache {
    /// The parsed fields of `der`, from the cache or parsed now (and then cached).
    pub fn parse(&self, der: &[u8]) -> Result<Arc<ParsedCert>, Error> {
        if let Some(hit) = self.lookup(der) {
            return Ok(hit);
        }
        // Parsed without the lock held: other handshakes go on meanwhile.
        let parsed = Arc::new(ParsedCert {
            der: der.to_vec(),
            info: parse_certificate(der)?,
        });
        if der.len() <= MAX_CACHED_CERT_LEN {
            let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            // Another handshake may have added it meanwhile: keep one copy.
            if !e.iter().any(|c| c.der == der) {
                if e.len() >= MAX_CACHED_CERTS {
                    e.remove(0);
                }
                e.push(parsed.clone());
            }
        }
        Ok(parsed)
    }

    fn lookup(&self, der: &[u8]) -> Option<Arc<ParsedCert>> {
        let mut e = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let i = e.iter().rposition(|c| c.der == der)?;
        let hit = e.remove(i);
        e.push(hit.clone());
        Some(hit)
    }

    /// Number of certificates cached.
    pub fn len(&self) -> usize {
        self.entries.lock().map_or(0, |e| e.len())
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::x509::tests::cert;

    #[test]
    fn a_hit_is_what_parsing_gives_and_is_shared() {
        let c = CertCache::default();
        let der = cert("server-ecdsa.pem");
        let a = c.parse(&der).unwrap();
        assert_eq!(a.info, parse_certificate(&der).unwrap());
        assert_eq!(a.der, der);
        let b = c.parse(&der).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn failures_are_not_cached_and_size_is_bounded() {
        let c = CertCache::default();
        let der = cert("server-rsa.pem");
        assert!(c.parse(&der[..der.len() - 1]).is_err());
        assert!(c.is_empty());
        // Distinct certificates (one byte of the signature changed) past the bound: the
        // oldest goes, the newest stay.
        let mut last = Vec::new();
        for i in 0..MAX_CACHED_CERTS + 3 {
            let mut d = der.clone();
            let n = d.len();
            d[n - 1] = i as u8;
            d[n - 2] = 0x5a;
            c.parse(&d).unwrap();
            last = d;
        }
        assert_eq!(c.len(), MAX_CACHED_CERTS);
        let again = c.parse(&last).unwrap();
        assert_eq!(again.der, last);
        assert_eq!(c.len(), MAX_CACHED_CERTS);
    }
}
