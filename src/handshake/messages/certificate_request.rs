//! CertificateRequest (RFC 5246 §7.4.4).

use crate::codec::{put_nested, put_u16, put_vec, DecodeError, Reader};
use crate::enums::SignatureScheme;

/// CertificateRequest: the server asks the client for a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// `ClientCertificateType certificate_types<1..2^8-1>` (1 = rsa_sign, 64 = ecdsa_sign).
    pub certificate_types: Vec<u8>,
    /// `supported_signature_algorithms<2..2^16-2>`.
    pub signature_schemes: Vec<SignatureScheme>,
    /// `DistinguishedName certificate_authorities<0..2^16-1>`, each DER, `<1..2^16-1>`.
    pub authorities: Vec<Vec<u8>>,
}

impl CertificateRequest {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, 1, &self.certificate_types);
        put_nested(out, 2, |out| {
            self.signature_schemes
                .iter()
                .for_each(|s| put_u16(out, s.0))
        });
        put_nested(out, 2, |out| {
            for dn in &self.authorities {
                put_vec(out, 2, dn);
            }
        });
    }

    /// Decodes a body. Rejects empty type or scheme lists, an odd scheme list and empty
    /// distinguished names.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "CertificateRequest";
        let mut r = Reader::new(body);
        let certificate_types = r.vec(1, WHAT)?.to_vec();
        let mut schemes = r.sub(2, WHAT)?;
        let mut cas = r.sub(2, WHAT)?;
        r.finish(WHAT)?;
        if certificate_types.is_empty() || schemes.is_empty() || schemes.remaining() % 2 != 0 {
            return Err(DecodeError::new(WHAT));
        }
        let mut signature_schemes = Vec::with_capacity(schemes.remaining() / 2);
        while !schemes.is_empty() {
            signature_schemes.push(SignatureScheme(schemes.u16(WHAT)?));
        }
        let mut authorities = Vec::new();
        while !cas.is_empty() {
            let dn = cas.vec(2, WHAT)?;
            if dn.is_empty() {
                return Err(DecodeError::new(WHAT));
            }
            authorities.push(dn.to_vec());
        }
        Ok(Self {
            certificate_types,
            signature_schemes,
            authorities,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::messages::test_util::check_strict;

    fn sample() -> CertificateRequest {
        CertificateRequest {
            certificate_types: vec![1, 64],
            signature_schemes: vec![
                SignatureScheme::ECDSA_SECP256R1_SHA256,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
            ],
            authorities: vec![vec![0x30, 0x00], vec![0x30, 0x01, 0x05]],
        }
    }

    #[test]
    fn roundtrip() {
        for m in [
            sample(),
            CertificateRequest {
                authorities: vec![],
                ..sample()
            },
        ] {
            let mut out = Vec::new();
            m.encode(&mut out);
            assert_eq!(CertificateRequest::decode(&out), Ok(m));
            check_strict(&out, CertificateRequest::decode);
        }
    }

    #[test]
    fn malformed_rejected() {
        // Empty certificate_types.
        assert!(CertificateRequest::decode(&[0, 0, 2, 4, 3, 0, 0]).is_err());
        // Empty scheme list.
        assert!(CertificateRequest::decode(&[1, 64, 0, 0, 0, 0]).is_err());
        // Odd scheme list.
        assert!(CertificateRequest::decode(&[1, 64, 0, 1, 4, 0, 0]).is_err());
        // Empty DistinguishedName.
        assert!(CertificateRequest::decode(&[1, 64, 0, 2, 4, 3, 0, 2, 0, 0]).is_err());
    }
}
