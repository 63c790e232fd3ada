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
    /// HMAC key of `master` for the suite's PRF hash, set up once: the key block, both
    /// Finished messages and the exporter use it (each setup costs two hash blocks).
    /// Boxed: a few hundred bytes that would otherwise grow every step holding one.
    prf_key: Box<ring::hmac::Key>,
}

impl Agreement {
    /// The agreement on `master` for `suite`.
    pub fn new(suite: &'static CipherSuite, master: MasterSecret) -> Self {
        let prf_key = Box::new(ring::hmac::Key::new(
            suite.prf.hmac_algorithm(),
            &master[..],
        ));
        Self {
            suite,
            master,
            prf_key,
        }
    }

    /// The master secret's PRF key (see the field).
    pub fn prf_key(&self) -> &ring::hmac::Key {
        &self.prf_key
    }

    /// A copy, for the places that keep it beyond its step: the renegotiation that may
    /// fall back to the established connection, and a session.
    pub fn duplicate(&self) -> Self {
        Self {
            suite: self.suite,
            master: self.master.clone(),
            prf_key: self.prf_key.clone(),
        }
    }

    /// An agreement for unit tests of the lifecycle.
    #[cfg(test)]
    pub fn for_tests() -> Self {
        Self::new(crate::suites::DEFAULT_SUITES[0], MasterSecret::new([7; 48]))
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
