//! ServerHelloDone (RFC 5246 §7.4.5).

use crate::codec::DecodeError;

/// ServerHelloDone: an empty body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHelloDone;

impl ServerHelloDone {
    /// Appends the (empty) body.
    pub fn encode(&self, _out: &mut Vec<u8>) {}

    /// Decodes a body; anything but zero bytes is an error.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        if body.is_empty() {
            Ok(Self)
        } else {
            Err(DecodeError::new("ServerHelloDone"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let mut out = Vec::new();
        ServerHelloDone.encode(&mut out);
        assert!(out.is_empty());
        assert_eq!(ServerHelloDone::decode(&out), Ok(ServerHelloDone));
    }

    #[test]
    fn non_empty_rejected() {
        assert!(ServerHelloDone::decode(&[0]).is_err());
    }
}
