//! Finished (RFC 5246 §7.4.9).

use crate::codec::{DecodeError, Reader};

/// `verify_data` length for every TLS 1.2 cipher suite we implement (RFC 5246 §7.4.9).
pub const VERIFY_DATA_LEN: usize = 12;

/// Finished: the PRF over the transcript.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// Exactly [`VERIFY_DATA_LEN`] bytes.
    pub verify_data: Vec<u8>,
}

impl Finished {
    /// Appends the body (the raw verify_data, no length prefix).
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.verify_data);
    }

    /// Decodes a body; any length other than [`VERIFY_DATA_LEN`] is an error.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let verify_data = r.take(VERIFY_DATA_LEN, "Finished")?.to_vec();
        r.finish("Finished")?;
        Ok(Self { verify_data })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::messages::test_util::check_strict;

    #[test]
    fn roundtrip() {
        let m = Finished {
            verify_data: (1..=12).collect(),
        };
        let mut out = Vec::new();
        m.encode(&mut out);
        assert_eq!(out.len(), VERIFY_DATA_LEN);
        assert_eq!(Finished::decode(&out), Ok(m));
    }

    #[test]
    fn wrong_lengths_rejected() {
        check_strict(&[7u8; VERIFY_DATA_LEN], Finished::decode);
        assert!(Finished::decode(&[0u8; 32]).is_err());
    }
}
