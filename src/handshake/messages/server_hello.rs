//! ServerHello (RFC 5246 §7.4.1.3).

use crate::codec::{put_u16, put_u8, put_vec, DecodeError, Reader};
use crate::handshake::extensions::Extensions;

use super::MAX_SESSION_ID_LEN;

/// ServerHello: the server's choice of version, suite and extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// Negotiated version (0xfefd for DTLS 1.2).
    pub server_version: u16,
    /// Server random (RFC 5246 §7.4.1.2).
    pub random: [u8; 32],
    /// `SessionID<0..32>`.
    pub session_id: Vec<u8>,
    /// The selected cipher suite.
    pub cipher_suite: u16,
    /// The selected compression method (always 0, null, in practice).
    pub compression_method: u8,
    /// Extensions; an empty set encodes as an absent block.
    pub extensions: Extensions,
}

impl ServerHello {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.server_version);
        out.extend_from_slice(&self.random);
        put_vec(out, 1, &self.session_id);
        put_u16(out, self.cipher_suite);
        put_u8(out, self.compression_method);
        self.extensions.encode(out);
    }

    /// Decodes a body; rejects a session_id longer than 32 bytes.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "ServerHello";
        let mut r = Reader::new(body);
        let server_version = r.u16(WHAT)?;
        let random = r.array::<32>(WHAT)?;
        let session_id = r.vec(1, WHAT)?;
        if session_id.len() > MAX_SESSION_ID_LEN {
            return Err(DecodeError::new("ServerHello session_id"));
        }
        let cipher_suite = r.u16(WHAT)?;
        let compression_method = r.u8(WHAT)?;
        let extensions = Extensions::decode(&mut r)?;
        r.finish(WHAT)?;
        Ok(Self {
            server_version,
            random,
            session_id: session_id.to_vec(),
            cipher_suite,
            compression_method,
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::messages::test_util::{check_strict, check_strict_except};

    fn sample() -> ServerHello {
        ServerHello {
            server_version: crate::enums::DTLS1_2_VERSION,
            random: [0x11; 32],
            session_id: vec![0x22; 32],
            cipher_suite: 0xc02b,
            compression_method: 0,
            extensions: Extensions {
                extended_master_secret: true,
                renegotiation_info: Some(vec![]),
                ec_point_formats: Some(vec![0]),
                ..Default::default()
            },
        }
    }

    fn encode(m: &ServerHello) -> Vec<u8> {
        let mut out = Vec::new();
        m.encode(&mut out);
        out
    }

    #[test]
    fn roundtrip() {
        let m = sample();
        let out = encode(&m);
        assert_eq!(ServerHello::decode(&out), Ok(m));
        let bare = ServerHello {
            extensions: Extensions::default(),
            ..sample()
        };
        let bare_bytes = encode(&bare);
        assert_eq!(ServerHello::decode(&bare_bytes), Ok(bare));
        // The bare hello is a valid prefix; every other prefix is not.
        check_strict_except(&out, ServerHello::decode, &[bare_bytes.len()]);
        check_strict(&bare_bytes, ServerHello::decode);
    }

    #[test]
    fn long_session_id_rejected() {
        let mut out = Vec::new();
        ServerHello {
            session_id: vec![0; 33],
            ..sample()
        }
        .encode(&mut out);
        assert!(ServerHello::decode(&out).is_err());
    }

    #[test]
    fn duplicate_extension_rejected() {
        let mut out = Vec::new();
        ServerHello {
            extensions: Extensions::default(),
            ..sample()
        }
        .encode(&mut out);
        out.extend_from_slice(&[0, 8, 0, 23, 0, 0, 0, 23, 0, 0]);
        assert!(ServerHello::decode(&out).is_err());
    }
}
