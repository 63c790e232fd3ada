//! Certificate (RFC 5246 §7.4.2, §7.4.6).

use crate::codec::{put_nested, put_vec, DecodeError, Reader};

/// Certificate: the sender's chain, leaf first, as DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// `ASN.1Cert certificate_list<0..2^24-1>`, each `opaque ASN.1Cert<1..2^24-1>`.
    /// An empty list is legal: a client without a certificate (RFC 5246 §7.4.6).
    pub chain: Vec<Vec<u8>>,
}

impl Certificate {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_nested(out, 3, |out| {
            for cert in &self.chain {
                put_vec(out, 3, cert);
            }
        });
    }

    /// Decodes a body; an empty certificate entry is an error. Certificates are not parsed.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "Certificate";
        let mut r = Reader::new(body);
        let mut list = r.sub(3, WHAT)?;
        r.finish(WHAT)?;
        let mut chain = Vec::new();
        while !list.is_empty() {
            let cert = list.vec(3, WHAT)?;
            if cert.is_empty() {
                return Err(DecodeError::new(WHAT));
            }
            chain.push(cert.to_vec());
        }
        Ok(Self { chain })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::messages::test_util::check_strict;

    #[test]
    fn roundtrip() {
        let m = Certificate {
            chain: vec![vec![0x30; 300], vec![0x31, 0x32]],
        };
        let mut out = Vec::new();
        m.encode(&mut out);
        assert_eq!(&out[..6], &[0, 1, 52, 0, 1, 44]);
        assert_eq!(Certificate::decode(&out), Ok(m));
        check_strict(&out, Certificate::decode);
    }

    #[test]
    fn empty_list_allowed_empty_entry_rejected() {
        let empty = Certificate { chain: vec![] };
        let mut out = Vec::new();
        empty.encode(&mut out);
        assert_eq!(out, [0, 0, 0]);
        assert_eq!(Certificate::decode(&out), Ok(empty));
        assert!(Certificate::decode(&[0, 0, 3, 0, 0, 0]).is_err());
        // Inner length runs past the list.
        assert!(Certificate::decode(&[0, 0, 4, 0, 0, 2, 1, 0]).is_err());
    }
}
