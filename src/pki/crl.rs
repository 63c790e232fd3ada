//! Certificate revocation lists (RFC 5280 §5.1): the fields the OpenSSL-compatible
//! verifier needs (issuer, update times, revoked serial numbers, signature).

use std::ops::Range;

use super::der::{self, DerReader};
use super::x509::parse_time;
use crate::error::Error;

/// Most revoked entries read from one CRL (a bound on memory for hostile input).
pub const MAX_CRL_ENTRIES: usize = 100_000;

/// The fields of a CRL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CrlInfo {
    /// The issuer Name's full DER.
    pub issuer_der: Vec<u8>,
    /// thisUpdate, seconds since the Unix epoch.
    pub this_update: i64,
    /// nextUpdate, when present.
    pub next_update: Option<i64>,
    /// serialNumber contents of every revoked certificate.
    pub revoked: Vec<Vec<u8>>,
    /// Byte range of the TBSCertList within the DER.
    pub tbs_range: Range<usize>,
    /// Dotted OID of the signatureAlgorithm.
    pub signature_algorithm: String,
    /// The signatureValue's bytes.
    pub signature: Vec<u8>,
}

fn bad(what: &str) -> Error {
    Error::BadKeyMaterial(format!("malformed CRL: {what}"))
}

/// Parses a DER CertificateList.
pub fn parse_crl(crl: &[u8]) -> Result<CrlInfo, Error> {
    let body = der::single(crl, der::SEQUENCE, "CertificateList")?;
    let body_start = crl.len() - body.len();
    let mut c = DerReader::new(body);
    let tbs = c.expect_tlv(der::SEQUENCE, "TBSCertList")?;
    let mut alg = DerReader::new(c.expect(der::SEQUENCE, "signatureAlgorithm")?);
    let oid = alg.expect(der::OID, "signature algorithm OID")?;
    let signature = der::bit_string_bytes(c.expect(der::BIT_STRING, "signatureValue")?)?;
    c.finish("CertificateList")?;
    let mut info = CrlInfo {
        tbs_range: body_start..body_start + tbs.raw.len(),
        signature_algorithm: der::oid_to_string(oid),
        signature: signature.to_vec(),
        ..CrlInfo::default()
    };
    let mut t = DerReader::new(tbs.value);
    t.optional(der::INTEGER)?; // version (v2)
    t.expect(der::SEQUENCE, "signature")?;
    info.issuer_der = t.expect_tlv(der::SEQUENCE, "issuer")?.raw.to_vec();
    info.this_update = parse_time(t.tlv()?)?;
    if matches!(t.peek_tag(), Some(der::UTC_TIME | der::GENERALIZED_TIME)) {
        info.next_update = Some(parse_time(t.tlv()?)?);
    }
    if let Some(list) = t.optional(der::SEQUENCE)? {
        let mut r = DerReader::new(list.value);
        while !r.is_empty() {
            if info.revoked.len() >= MAX_CRL_ENTRIES {
                return Err(bad("too many revoked certificates"));
            }
            let mut e = DerReader::new(r.expect(der::SEQUENCE, "revokedCertificate")?);
            info.revoked
                .push(e.expect(der::INTEGER, "userCertificate")?.to_vec());
        }
    }
    t.optional(0xa0)?; // crlExtensions
    t.finish("TBSCertList")?;
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_and_truncations_are_errors() {
        assert!(parse_crl(&[]).is_err());
        assert!(parse_crl(&[0x30, 0x00]).is_err());
        assert!(parse_crl(&[0x30, 0x03, 0x30, 0x01, 0x00]).is_err());
    }
}
