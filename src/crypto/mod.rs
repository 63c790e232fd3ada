//! Cryptographic building blocks: cipher suites (`suites`), the TLS 1.2 PRF and key schedule
//! (`prf`), AES-CCM record AEADs (`ccm`), the handshake transcript (`transcript`) and
//! ephemeral key agreement (`ecdhe`).

pub mod ccm;
pub mod ecdhe;
pub mod prf;
pub mod suites;
pub mod transcript;

/// Hash function of a cipher suite's PRF (RFC 5246 §5) and transcript hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlg {
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
}

impl HashAlg {
    /// Digest length in bytes.
    pub fn output_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha384 => 48,
        }
    }

    /// One-shot digest of `data`.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        ring::digest::digest(self.digest_algorithm(), data)
            .as_ref()
            .to_vec()
    }

    /// The matching `ring` digest algorithm.
    pub fn digest_algorithm(self) -> &'static ring::digest::Algorithm {
        match self {
            HashAlg::Sha256 => &ring::digest::SHA256,
            HashAlg::Sha384 => &ring::digest::SHA384,
        }
    }

    /// The matching `ring` HMAC algorithm.
    pub fn hmac_algorithm(self) -> ring::hmac::Algorithm {
        match self {
            HashAlg::Sha256 => ring::hmac::HMAC_SHA256,
            HashAlg::Sha384 => ring::hmac::HMAC_SHA384,
        }
    }
}

/// Compares two byte strings in time independent of their contents (lengths are public).
/// Used for Finished verify_data, MACs and cookies.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // black_box keeps the optimiser from short-circuiting the fold.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_contents_and_lengths() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn digest_lengths_match_output_len() {
        for h in [HashAlg::Sha256, HashAlg::Sha384] {
            assert_eq!(h.digest(b"abc").len(), h.output_len());
        }
        // FIPS 180-2 "abc" vector, first bytes.
        assert_eq!(
            &HashAlg::Sha256.digest(b"abc")[..4],
            &[0xba, 0x78, 0x16, 0xbf]
        );
        assert_eq!(
            &HashAlg::Sha384.digest(b"abc")[..4],
            &[0xcb, 0x00, 0x75, 0x3f]
        );
    }
}
