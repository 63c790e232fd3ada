//! ServerKeyExchange for ECDHE suites (RFC 8422 §5.4, signed per RFC 5246 §7.4.3).

use crate::codec::{put_u16, put_u8, put_vec, DecodeError, Reader};
use crate::enums::{NamedGroup, SignatureScheme};

/// `ECCurveType.named_curve` (RFC 8422 §5.4); the only curve type we accept.
pub const CURVE_TYPE_NAMED_CURVE: u8 = 3;

/// ServerKeyExchange for ECDHE_ECDSA / ECDHE_RSA: signed ephemeral ECDH parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerKeyExchange {
    /// The named group of the ephemeral key.
    pub group: NamedGroup,
    /// `ECPoint.point<1..2^8-1>`.
    pub public: Vec<u8>,
    /// The SignatureAndHashAlgorithm used for `signature`.
    pub scheme: SignatureScheme,
    /// `opaque signature<0..2^16-1>` over client_random ‖ server_random ‖ params.
    pub signature: Vec<u8>,
}

/// `ServerECDHParams` bytes: curve_type ‖ group ‖ u8 len ‖ public. This is what the server
/// signs, after client_random ‖ server_random (RFC 8422 §5.4).
pub fn ecdhe_params(group: NamedGroup, public: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + public.len());
    put_u8(&mut out, CURVE_TYPE_NAMED_CURVE);
    put_u16(&mut out, group.0);
    put_vec(&mut out, 1, public);
    out
}

impl ServerKeyExchange {
    /// The signed `ServerECDHParams` bytes (see [`ecdhe_params`]).
    pub fn params_bytes(&self) -> Vec<u8> {
        ecdhe_params(self.group, &self.public)
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.params_bytes());
        put_u16(out, self.scheme.0);
        put_vec(out, 2, &self.signature);
    }

    /// Decodes a body. Rejects curve types other than named_curve (explicit curves are
    /// deprecated by RFC 8422 §5.4) and an empty point.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "ServerKeyExchange";
        let mut r = Reader::new(body);
        if r.u8(WHAT)? != CURVE_TYPE_NAMED_CURVE {
            return Err(DecodeError::new("ServerKeyExchange curve_type"));
        }
        let group = NamedGroup(r.u16(WHAT)?);
        let public = r.vec(1, WHAT)?.to_vec();
        if public.is_empty() {
            return Err(DecodeError::new(WHAT));
        }
        let scheme = SignatureScheme(r.u16(WHAT)?);
        let signature = r.vec(2, WHAT)?.to_vec();
        r.finish(WHAT)?;
        Ok(Self {
            group,
            public,
            scheme,
            signature,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::messages::test_util::check_strict;

    fn sample() -> ServerKeyExchange {
        ServerKeyExchange {
            group: NamedGroup::X25519,
            public: vec![9; 32],
            scheme: SignatureScheme::ECDSA_SECP256R1_SHA256,
            signature: vec![0x30; 70],
        }
    }

    #[test]
    fn roundtrip() {
        let m = sample();
        let mut out = Vec::new();
        m.encode(&mut out);
        assert_eq!(&out[..4], &[3, 0, 29, 32]);
        assert!(out.starts_with(&m.params_bytes()));
        assert_eq!(m.params_bytes(), ecdhe_params(m.group, &m.public));
        assert_eq!(m.params_bytes().len(), 36);
        assert_eq!(ServerKeyExchange::decode(&out), Ok(m));
        check_strict(&out, ServerKeyExchange::decode);
    }

    #[test]
    fn bad_curve_type_and_empty_point_rejected() {
        let mut out = Vec::new();
        sample().encode(&mut out);
        out[0] = 1; // explicit_prime
        assert!(ServerKeyExchange::decode(&out).is_err());
        assert!(ServerKeyExchange::decode(&[3, 0, 23, 0, 4, 3, 0, 0]).is_err());
    }
}
