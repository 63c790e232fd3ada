//! HelloVerifyRequest (RFC 6347 §4.2.1).

use crate::codec::{put_u16, put_vec, DecodeError, Reader};

/// HelloVerifyRequest: the server's stateless cookie challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloVerifyRequest {
    /// RFC 6347 §4.2.1: DTLS 1.0 (0xfeff) regardless of the version to be negotiated.
    pub server_version: u16,
    /// `opaque cookie<0..2^8-1>`.
    pub cookie: Vec<u8>,
}

impl HelloVerifyRequest {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.server_version);
        put_vec(out, 1, &self.cookie);
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "HelloVerifyRequest";
        let mut r = Reader::new(body);
        let server_version = r.u16(WHAT)?;
        let cookie = r.vec(1, WHAT)?.to_vec();
        r.finish(WHAT)?;
        Ok(Self {
            server_version,
            cookie,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::messages::test_util::check_strict;

    #[test]
    fn roundtrip() {
        let m = HelloVerifyRequest {
            server_version: crate::enums::DTLS1_0_VERSION,
            cookie: vec![0xc0; 20],
        };
        let mut out = Vec::new();
        m.encode(&mut out);
        assert_eq!(&out[..3], &[0xfe, 0xff, 20]);
        assert_eq!(HelloVerifyRequest::decode(&out), Ok(m));
        check_strict(&out, HelloVerifyRequest::decode);
    }

    #[test]
    fn cookie_overrun_rejected() {
        assert!(HelloVerifyRequest::decode(&[0xfe, 0xff, 3, 1, 2]).is_err());
    }
}
