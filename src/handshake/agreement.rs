//! What a DTLS 1.2 key exchange agrees on: the master secret (RFC 5246 §8.1, RFC 7627 §4),
//! or a resumed session's (RFC 5246 §7.3), with the cipher suite it is used with. An
//! [`Agreement`] exists only where the master secret is known and needed: in the steps
//! after the key exchange (`step.rs`: the server awaiting CertificateVerify, either side
//! awaiting ChangeCipherSpec or Finished), then in the established or closing connection
//! (exporters, the session; `lifecycle.rs`), and during a renegotiation the established
//! one is kept with it (RFC 5746) until it completes. Before the key exchange a step has
//! no field for it; a master secret without the suite it belongs to cannot be represented.

use crate::crypto::prf::MasterSecret;
use crate::crypto::suites::CipherSuite;

/// The master secret and the suite it was agreed for.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Agreement {
    pub suite: &'static CipherSuite,
    pub master: MasterSecret,
}

impl Agreement {
    /// A copy, for the places that keep it beyond its step: the renegotiation that may
    /// fall back to the established connection, and a session.
    pub fn duplicate(&self) -> Self {
        Self {
            suite: self.suite,
            master: self.master.clone(),
        }
    }

    /// An agreement for unit tests of the lifecycle.
    #[cfg(test)]
    pub fn for_tests() -> Self {
        Self {
            suite: crate::suites::DEFAULT_SUITES[0],
            master: MasterSecret::new([7; 48]),
        }
    }
}

impl std::fmt::Debug for Agreement {
    /// The suite only: the secret stays out of logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agreement")
            .field("suite", &self.suite.openssl_name)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_master_secret() {
        let a = Agreement::for_tests();
        let s = format!("{a:?}");
        assert!(
            s.contains(a.suite.openssl_name) && !s.contains("7, 7"),
            "{s}"
        );
    }
}
