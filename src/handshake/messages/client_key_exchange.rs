//! ClientKeyExchange for ECDHE suites (RFC 8422 §5.7).

use crate::codec::{put_vec, DecodeError, Reader};

/// ClientKeyExchange carrying the client's ephemeral ECDH public value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientKeyExchange {
    /// `ECPoint.point<1..2^8-1>`: uncompressed point or X25519 u-coordinate.
    pub public: Vec<u8>,
}

impl ClientKeyExchange {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, 1, &self.public);
    }

    /// Decodes a body; an empty point is an error.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "ClientKeyExchange";
        let mut r = Reader::new(body);
        let public = r.vec(1, WHAT)?;
        r.finish(WHAT)?;
        if public.is_empty() {
            return Err(DecodeError::new(WHAT));
        }
        Ok(Self {
            public: public.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::messages::test_util::check_strict;

    #[test]
    fn roundtrip() {
        let m = ClientKeyExchange {
            public: vec![0x42; 32],
        };
        let mut out = Vec::new();
        m.encode(&mut out);
        assert_eq!(out[0], 32);
        assert_eq!(ClientKeyExchange::decode(&out), Ok(m));
        check_strict(&out, ClientKeyExchange::decode);
    }

    #[test]
    fn empty_point_rejected() {
        assert!(ClientKeyExchange::decode(&[0]).is_err());
    }
}
