//! CertificateVerify (RFC 5246 §7.4.8).

use crate::codec::{put_u16, put_vec, DecodeError, Reader};
use crate::enums::SignatureScheme;

/// CertificateVerify: a signature over the handshake transcript so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateVerify {
    /// The SignatureAndHashAlgorithm used.
    pub scheme: SignatureScheme,
    /// `opaque signature<0..2^16-1>`.
    pub signature: Vec<u8>,
}

impl CertificateVerify {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.scheme.0);
        put_vec(out, 2, &self.signature);
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "CertificateVerify";
        let mut r = Reader::new(body);
        let scheme = SignatureScheme(r.u16(WHAT)?);
        let signature = r.vec(2, WHAT)?.to_vec();
        r.finish(WHAT)?;
        Ok(Self { scheme, signature })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::messages::test_util::check_strict;

    #[test]
    fn roundtrip() {
        let m = CertificateVerify {
            scheme: SignatureScheme::ED25519,
            signature: vec![5; 64],
        };
        let mut out = Vec::new();
        m.encode(&mut out);
        assert_eq!(&out[..4], &[0x08, 0x07, 0, 64]);
        assert_eq!(CertificateVerify::decode(&out), Ok(m));
        check_strict(&out, CertificateVerify::decode);
    }

    #[test]
    fn overlong_signature_length_rejected() {
        assert!(CertificateVerify::decode(&[4, 3, 0, 5, 1, 2]).is_err());
    }
}
