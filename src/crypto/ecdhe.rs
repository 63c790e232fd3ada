//! Ephemeral (EC)DH key agreement for ECDHE suites (RFC 8422 §5.4, RFC 7748 §6).

use ring::agreement::{self, EphemeralPrivateKey, PublicKey, UnparsedPublicKey};
use zeroize::Zeroizing;

use crate::enums::NamedGroup;
use crate::error::{AlertDescription, Error};

/// The `ring` algorithm for `group`, if we implement it.
fn algorithm(group: NamedGroup) -> Option<&'static agreement::Algorithm> {
    match group {
        NamedGroup::X25519 => Some(&agreement::X25519),
        NamedGroup::SECP256R1 => Some(&agreement::ECDH_P256),
        NamedGroup::SECP384R1 => Some(&agreement::ECDH_P384),
        _ => None,
    }
}

/// True if we can generate keys in `group`.
pub fn is_supported(group: NamedGroup) -> bool {
    algorithm(group).is_some()
}

/// A single-use key pair; consumed by [`EphemeralKeyPair::agree`].
pub struct EphemeralKeyPair {
    group: NamedGroup,
    private: EphemeralPrivateKey,
    public: PublicKey,
    /// Fuzzing builds: the seed a seeded key came from, so that
    /// [`Clone`] can re-derive the same key (ring's private keys cannot be copied).
    #[cfg(feature = "fuzzing")]
    seed: Option<Zeroizing<Vec<u8>>>,
}

/// Fuzzing builds only (the harness copies a connection prepared once per process): a key
/// from [`EphemeralKeyPair::from_seed`] is re-derived from its seed, so the copy is the same
/// key; a key from the OS RNG cannot be copied and the copy is a fresh key in the same group
/// (its public value differs: whatever the peer computed with the old one no longer agrees).
#[cfg(feature = "fuzzing")]
impl Clone for EphemeralKeyPair {
    fn clone(&self) -> Self {
        let copy = match &self.seed {
            Some(seed) => Self::from_seed(self.group, seed),
            None => Self::generate(self.group),
        };
        copy.expect("a key in this group was generated before")
    }
}

impl std::fmt::Debug for EphemeralKeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("EphemeralKeyPair")
            .field("group", &self.group)
            .finish_non_exhaustive()
    }
}

impl EphemeralKeyPair {
    /// Generates a fresh key pair in `group` from the OS RNG.
    pub fn generate(group: NamedGroup) -> Result<Self, Error> {
        let alg =
            algorithm(group).ok_or(Error::NoSharedParameters(crate::error::Unshared::Group))?;
        Self::generate_with(group, alg, &ring::rand::SystemRandom::new())
    }

    /// A key pair in `group` from `rng` (the OS RNG, or a test seed).
    fn generate_with(
        group: NamedGroup,
        alg: &'static agreement::Algorithm,
        rng: &dyn ring::rand::SecureRandom,
    ) -> Result<Self, Error> {
        let private = EphemeralPrivateKey::generate(alg, rng)
            .map_err(|_| Error::Crypto("ephemeral key generation"))?;
        let public = private
            .compute_public_key()
            .map_err(|_| Error::Crypto("ephemeral public key"))?;
        Ok(Self {
            group,
            private,
            public,
            #[cfg(feature = "fuzzing")]
            seed: None,
        })
    }

    /// A key pair whose private key is `seed` (test builds only: the `test-rng` feature's
    /// reproducible handshakes, which the fuzz harness replays). `seed` must be as long as
    /// the group's private key: 32 bytes for X25519 and P-256, 48 for P-384.
    #[cfg(any(test, feature = "test-rng"))]
    pub(crate) fn from_seed(group: NamedGroup, seed: &[u8]) -> Result<Self, Error> {
        let alg =
            algorithm(group).ok_or(Error::NoSharedParameters(crate::error::Unshared::Group))?;
        // ring takes caller randomness only through its (deprecated) fixed test source.
        #[allow(deprecated)]
        let rng = ring::test::rand::FixedSliceRandom { bytes: seed };
        #[cfg_attr(not(feature = "fuzzing"), allow(unused_mut))]
        let mut pair = Self::generate_with(group, alg, &rng)?;
        #[cfg(feature = "fuzzing")]
        {
            pair.seed = Some(Zeroizing::new(seed.to_vec()));
        }
        Ok(pair)
    }

    /// Length of a private key seed in `group` (see [`EphemeralKeyPair::from_seed`]).
    #[cfg(any(test, feature = "test-rng"))]
    pub(crate) fn seed_len(group: NamedGroup) -> usize {
        if group == NamedGroup::SECP384R1 {
            48
        } else {
            32
        }
    }

    /// The group this key belongs to.
    pub fn group(&self) -> NamedGroup {
        self.group
    }

    /// Our public value as sent in ServerKeyExchange / ClientKeyExchange: 32 bytes for X25519
    /// (RFC 8422 §5.4.1), an uncompressed point `04 ‖ x ‖ y` for the NIST curves.
    pub fn public_key(&self) -> &[u8] {
        self.public.as_ref()
    }

    /// Computes the shared secret (the premaster secret, RFC 8422 §5.10) with the peer's
    /// public value. An invalid point, or an X25519 result of all zeros (RFC 7748 §6.1),
    /// fails with an `illegal_parameter` alert.
    pub fn agree(self, peer_public: &[u8]) -> Result<Zeroizing<Vec<u8>>, Error> {
        let alg = self.private.algorithm();
        let peer = UnparsedPublicKey::new(alg, peer_public);
        agreement::agree_ephemeral(self.private, &peer, |secret| {
            Zeroizing::new(secret.to_vec())
        })
        .map_err(|_| {
            Error::alert(
                AlertDescription::ILLEGAL_PARAMETER,
                "invalid peer key share",
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_agree_for_every_group() {
        for group in NamedGroup::SUPPORTED {
            assert!(is_supported(group));
            let a = EphemeralKeyPair::generate(group).unwrap();
            let b = EphemeralKeyPair::generate(group).unwrap();
            assert_eq!(a.group(), group);
            let expected_len = match group {
                NamedGroup::X25519 => 32,
                NamedGroup::SECP256R1 => 65,
                _ => 97,
            };
            assert_eq!(a.public_key().len(), expected_len);
            if group != NamedGroup::X25519 {
                assert_eq!(a.public_key()[0], 0x04, "uncompressed point");
            }
            let a_pub = a.public_key().to_vec();
            let b_pub = b.public_key().to_vec();
            let s1 = a.agree(&b_pub).unwrap();
            let s2 = b.agree(&a_pub).unwrap();
            assert_eq!(*s1, *s2);
            assert!(!s1.is_empty());
        }
    }

    #[test]
    fn garbage_peer_keys_fail_with_illegal_parameter() {
        for group in NamedGroup::SUPPORTED {
            let pk_len = EphemeralKeyPair::generate(group)
                .unwrap()
                .public_key()
                .len();
            // Wrong lengths, an all-zero value (X25519 low-order point / NIST point at
            // infinity encoding error) and, for NIST curves, a bad point-format byte.
            let mut bads = vec![
                vec![],
                vec![0x04; 3],
                vec![0x04; pk_len + 1],
                vec![0u8; pk_len],
            ];
            if group != NamedGroup::X25519 {
                bads.push(vec![0xff; pk_len]);
            }
            for bad in bads {
                let kp = EphemeralKeyPair::generate(group).unwrap();
                let err = kp.agree(&bad).unwrap_err();
                assert_eq!(
                    err.alert_to_send(),
                    Some(AlertDescription::ILLEGAL_PARAMETER)
                );
            }
        }
    }

    #[test]
    fn unsupported_group_is_rejected() {
        let g = NamedGroup(25); // secp521r1: not implemented.
        assert!(!is_supported(g));
        assert_eq!(
            EphemeralKeyPair::generate(g).unwrap_err(),
            Error::NoSharedParameters(crate::error::Unshared::Group)
        );
    }
}
