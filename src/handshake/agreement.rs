//! What a DTLS 1.2 handshake has agreed on for record protection, as one enum: nothing
//! before the hellos are exchanged, the cipher suite from ServerHello on (RFC 5246 §7.4.1.3),
//! and with it the master secret from ClientKeyExchange (RFC 5246 §8.1, RFC 7627 §4) or from
//! a resumed session's ServerHello (RFC 5246 §7.3) on. A master secret without the suite it
//! belongs to cannot be represented, and choosing a suite (a renegotiation's ServerHello)
//! drops the previous handshake's master secret with the previous suite.

use crate::crypto::prf::MasterSecret;
use crate::crypto::suites::CipherSuite;
use crate::error::Error;

/// The suite and master secret agreed so far (see the module comment).
#[derive(Default)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) enum Agreement {
    /// Before ServerHello: nothing agreed.
    #[default]
    Hello,
    /// ServerHello chose the suite; the key exchange has not produced the master secret.
    Suite(&'static CipherSuite),
    /// The master secret, with the suite it is used with.
    Keyed {
        suite: &'static CipherSuite,
        master: MasterSecret,
        /// HMAC key of `master` for the suite's PRF hash, set up once: the key block and
        /// both Finished messages use it (each setup costs two hash blocks). Boxed: a few
        /// hundred bytes, against the other variants' one pointer.
        prf_key: Box<ring::hmac::Key>,
    },
}

impl Agreement {
    /// The suite, from ServerHello on.
    pub fn suite(&self) -> Option<&'static CipherSuite> {
        match self {
            Agreement::Hello => None,
            Agreement::Suite(s) | Agreement::Keyed { suite: s, .. } => Some(s),
        }
    }

    /// The suite and the master secret, once both are known.
    pub fn keyed(&self) -> Option<(&'static CipherSuite, &MasterSecret)> {
        match self {
            Agreement::Keyed { suite, master, .. } => Some((suite, master)),
            _ => None,
        }
    }

    /// The master secret's PRF key (see `Keyed::prf_key`), once the master secret is known.
    pub fn prf_key(&self) -> Result<&ring::hmac::Key, Error> {
        match self {
            Agreement::Keyed { prf_key, .. } => Ok(prf_key),
            _ => Err(Error::InvalidState("no master secret")),
        }
    }

    /// As [`Agreement::keyed`], an error (not a panic) when the master secret is not known.
    pub fn require_keyed(&self) -> Result<(&'static CipherSuite, &MasterSecret), Error> {
        self.keyed().ok_or(Error::InvalidState("no master secret"))
    }

    /// ServerHello chose `suite` (a full handshake): any earlier master secret is dropped.
    pub fn choose(&mut self, suite: &'static CipherSuite) {
        *self = Agreement::Suite(suite);
    }

    /// The key exchange produced `master` for the chosen suite; an error before ServerHello.
    pub fn key(&mut self, master: MasterSecret) -> Result<(), Error> {
        let suite = self.suite().ok_or(Error::InvalidState("no suite"))?;
        self.resume(suite, master);
        Ok(())
    }

    /// A resumed session's suite and master secret, both known at its ServerHello.
    pub fn resume(&mut self, suite: &'static CipherSuite, master: MasterSecret) {
        let prf_key = Box::new(ring::hmac::Key::new(
            suite.prf.hmac_algorithm(),
            &master[..],
        ));
        *self = Agreement::Keyed {
            suite,
            master,
            prf_key,
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suites::DEFAULT_SUITES;

    #[test]
    fn a_master_secret_needs_its_suite() {
        let mut a = Agreement::default();
        assert!(a.suite().is_none() && a.keyed().is_none());
        // Before ServerHello there is no suite to key: refused, nothing stored.
        let master = MasterSecret::new([7; 48]);
        assert!(a.key(master.clone()).is_err());
        assert!(a.keyed().is_none() && a.require_keyed().is_err());

        let suite = DEFAULT_SUITES[0];
        a.choose(suite);
        assert_eq!(a.suite().map(|s| s.id), Some(suite.id));
        assert!(a.keyed().is_none());
        a.key(master).unwrap();
        let (s, m) = a.keyed().unwrap();
        assert_eq!((s.id, m[0]), (suite.id, 7));

        // A renegotiation's ServerHello chooses again: the old master secret goes with the
        // old suite, it is never paired with the new one.
        let other = DEFAULT_SUITES[1];
        a.choose(other);
        assert_eq!(a.suite().map(|s| s.id), Some(other.id));
        assert!(a.keyed().is_none());
    }
}
