//! Pre-shared-key key exchange (RFC 4279 PSK, RFC 5489 ECDHE_PSK): the premaster secret and
//! the PSK forms of ServerKeyExchange and ClientKeyExchange.
//!
//! PSK suites carry no Certificate; the server may send a ServerKeyExchange holding only an
//! identity hint (RFC 4279 §2: omitted when there is no hint, as OpenSSL does), and the
//! client names its identity in ClientKeyExchange. ECDHE_PSK always sends the
//! ServerKeyExchange: hint ‖ unsigned ServerECDHParams (RFC 5489 §2).

use zeroize::Zeroizing;

use crate::codec::{put_u16, put_u8, put_vec, DecodeError, Reader};
use crate::enums::NamedGroup;
use crate::handshake::messages::CURVE_TYPE_NAMED_CURVE;

/// Longest identity or hint OpenSSL accepts (`PSK_MAX_IDENTITY_LEN`).
pub const PSK_MAX_IDENTITY_LEN: usize = 128;
/// Longest PSK OpenSSL accepts (`PSK_MAX_PSK_LEN`).
pub const PSK_MAX_PSK_LEN: usize = 256;

/// Where the pre-shared keys come from (OpenSSL's PSK client and server callbacks).
///
/// A client offers PSK suites only when its configuration has a provider (OpenSSL offers
/// them only with a PSK callback set); a server negotiates them likewise.
pub trait PskProvider: Send + Sync {
    /// Client: the identity to send and the key, given the server's identity hint (`None`
    /// when the server sent none). `None` aborts the handshake.
    fn client_psk(&self, hint: Option<&[u8]>) -> Option<(Vec<u8>, Zeroizing<Vec<u8>>)>;
    /// Server: the key for `identity`; `None` for an unknown identity
    /// (`unknown_psk_identity`, RFC 4279 §2).
    fn server_psk(&self, identity: &[u8]) -> Option<Zeroizing<Vec<u8>>>;
}

/// One identity and key, usable on both sides (a server knows only this identity).
pub struct StaticPsk {
    /// The identity the client sends / the server accepts.
    pub identity: Vec<u8>,
    /// The key.
    pub key: Zeroizing<Vec<u8>>,
}

impl PskProvider for StaticPsk {
    fn client_psk(&self, _hint: Option<&[u8]>) -> Option<(Vec<u8>, Zeroizing<Vec<u8>>)> {
        Some((self.identity.clone(), self.key.clone()))
    }

    fn server_psk(&self, identity: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        (identity == self.identity.as_slice()).then(|| self.key.clone())
    }
}

/// The premaster secret (RFC 4279 §2): `uint16 N ‖ other_secret ‖ uint16 len ‖ psk`, where
/// other_secret is N zero bytes for plain PSK (N = psk length) and the ECDH shared secret
/// for ECDHE_PSK (RFC 5489 §2).
pub fn psk_premaster(ecdh_secret: Option<&[u8]>, psk: &[u8]) -> Zeroizing<Vec<u8>> {
    let zeros = Zeroizing::new(vec![0u8; psk.len()]);
    let other: &[u8] = ecdh_secret.unwrap_or(&zeros);
    let mut out = Zeroizing::new(Vec::with_capacity(4 + other.len() + psk.len()));
    put_vec(&mut out, 2, other);
    put_vec(&mut out, 2, psk);
    out
}

/// ServerKeyExchange of a PSK or ECDHE_PSK suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PskServerKeyExchange {
    /// `psk_identity_hint<0..2^16-1>` (may be empty).
    pub hint: Vec<u8>,
    /// ECDHE_PSK only: the server's ephemeral group and public value (not signed).
    pub ecdhe: Option<(NamedGroup, Vec<u8>)>,
}

impl PskServerKeyExchange {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, 2, &self.hint);
        if let Some((group, public)) = &self.ecdhe {
            put_u8(out, CURVE_TYPE_NAMED_CURVE);
            put_u16(out, group.0);
            put_vec(out, 1, public);
        }
    }

    /// Decodes a body; `ecdhe` says whether the suite is ECDHE_PSK.
    pub fn decode(body: &[u8], ecdhe: bool) -> Result<Self, DecodeError> {
        const WHAT: &str = "PSK ServerKeyExchange";
        let mut r = Reader::new(body);
        let hint = r.vec(2, WHAT)?.to_vec();
        let params = if ecdhe {
            if r.u8(WHAT)? != CURVE_TYPE_NAMED_CURVE {
                return Err(DecodeError::new(WHAT));
            }
            let group = NamedGroup(r.u16(WHAT)?);
            let public = r.vec(1, WHAT)?;
            if public.is_empty() {
                return Err(DecodeError::new(WHAT));
            }
            Some((group, public.to_vec()))
        } else {
            None
        };
        r.finish(WHAT)?;
        Ok(Self {
            hint,
            ecdhe: params,
        })
    }
}

/// ClientKeyExchange of a PSK or ECDHE_PSK suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PskClientKeyExchange {
    /// `psk_identity<0..2^16-1>`.
    pub identity: Vec<u8>,
    /// ECDHE_PSK only: the client's ephemeral public value.
    pub public: Option<Vec<u8>>,
}

impl PskClientKeyExchange {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, 2, &self.identity);
        if let Some(p) = &self.public {
            put_vec(out, 1, p);
        }
    }

    /// Decodes a body; `ecdhe` says whether the suite is ECDHE_PSK.
    pub fn decode(body: &[u8], ecdhe: bool) -> Result<Self, DecodeError> {
        const WHAT: &str = "PSK ClientKeyExchange";
        let mut r = Reader::new(body);
        let identity = r.vec(2, WHAT)?.to_vec();
        let public = if ecdhe {
            let p = r.vec(1, WHAT)?;
            if p.is_empty() {
                return Err(DecodeError::new(WHAT));
            }
            Some(p.to_vec())
        } else {
            None
        };
        r.finish(WHAT)?;
        Ok(Self { identity, public })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4279 §2 layout for a 4-byte PSK: 0004 00000000 0004 psk.
    #[test]
    fn plain_psk_premaster_known_answer() {
        let pms = psk_premaster(None, &[0x01, 0x02, 0x03, 0x04]);
        assert_eq!(
            &pms[..],
            [0, 4, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4],
            "uint16 N, N zeros, uint16 N, psk"
        );
        let pms = psk_premaster(None, &[]);
        assert_eq!(&pms[..], [0, 0, 0, 0]);
    }

    /// RFC 5489 §2: other_secret is the ECDH shared secret (here 32 bytes, X25519-sized).
    #[test]
    fn ecdhe_psk_premaster_known_answer() {
        let z = [0xabu8; 32];
        let pms = psk_premaster(Some(&z), b"key");
        let mut want = vec![0, 32];
        want.extend_from_slice(&z);
        want.extend_from_slice(&[0, 3, b'k', b'e', b'y']);
        assert_eq!(&pms[..], &want[..]);
    }

    #[test]
    fn server_key_exchange_roundtrip_and_strictness() {
        for ecdhe in [None, Some((NamedGroup::X25519, vec![9u8; 32]))] {
            let m = PskServerKeyExchange {
                hint: b"gateway-7".to_vec(),
                ecdhe: ecdhe.clone(),
            };
            let mut b = Vec::new();
            m.encode(&mut b);
            assert_eq!(&b[..2], [0, 9]);
            assert_eq!(PskServerKeyExchange::decode(&b, ecdhe.is_some()), Ok(m));
            // Truncations and trailing bytes fail.
            for n in 0..b.len() {
                assert!(PskServerKeyExchange::decode(&b[..n], ecdhe.is_some()).is_err());
            }
            b.push(0);
            assert!(PskServerKeyExchange::decode(&b, ecdhe.is_some()).is_err());
        }
        // ECDHE_PSK with an explicit-curve type or an empty point.
        assert!(PskServerKeyExchange::decode(&[0, 0, 1, 0, 29, 1, 0], true).is_err());
        assert!(PskServerKeyExchange::decode(&[0, 0, 3, 0, 29, 0], true).is_err());
    }

    #[test]
    fn client_key_exchange_roundtrip_and_strictness() {
        for public in [None, Some(vec![4u8; 65])] {
            let m = PskClientKeyExchange {
                identity: b"Client_identity".to_vec(),
                public: public.clone(),
            };
            let mut b = Vec::new();
            m.encode(&mut b);
            assert_eq!(PskClientKeyExchange::decode(&b, public.is_some()), Ok(m));
            for n in 0..b.len() {
                assert!(PskClientKeyExchange::decode(&b[..n], public.is_some()).is_err());
            }
            b.push(0);
            assert!(PskClientKeyExchange::decode(&b, public.is_some()).is_err());
        }
        assert!(PskClientKeyExchange::decode(&[0, 0, 0], true).is_err());
    }
}
