//! The certificate-verification seam: the engine hands the peer's chain, the names the
//! certificate must match (kept apart from the SNI name it sent) and the time to a
//! [`CertVerifier`], and gets back a [`Verdict`]. It does the handshake signatures itself.
//!
//! The shape follows rustls' `ServerCertVerifier`/`ClientCertVerifier`. The default,
//! [`WebpkiVerifier`], is rustls-webpki (secure, strict). The C API plugs in verifiers
//! with OpenSSL's observable behaviour (verify callbacks, error codes, v1 certificates).

use std::time::SystemTime;

use super::verify::{verify_chain, ExpectedNames, TrustStore};
use super::X509_V_OK;

/// What a verifier is asked to check.
#[derive(Debug, Clone, Copy)]
pub struct VerifyInput<'a> {
    /// The peer's chain as received, leaf first (DER).
    pub chain: &'a [Vec<u8>],
    /// The configured trust anchors.
    pub trust: &'a TrustStore,
    /// Names the leaf must match (any one of them): `None` for no hostname check,
    /// `Some(&[])` for a check with no name, which must fail.
    pub names: ExpectedNames<'a>,
    /// True when verifying a server's certificate (serverAuth purpose), false for a
    /// client's (clientAuth).
    pub server_cert: bool,
    /// The time certificates must be valid at.
    pub now: SystemTime,
    /// Most intermediates allowed between the leaf and the trust anchor.
    pub max_depth: usize,
    /// True when the configured verify mode asks for verification (OpenSSL's
    /// `SSL_VERIFY_PEER`); false when the result is only recorded (`SSL_VERIFY_NONE`).
    pub enforce: bool,
}

/// A verifier's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Whether the handshake may continue with this certificate (when verification is
    /// enforced; see [`VerifyInput::enforce`]).
    pub accept: bool,
    /// The `X509_V_*` value to report (`SSL_get_verify_result`): `X509_V_OK` or the last
    /// error the verification reported.
    pub code: i32,
    /// Depth of the certificate `code` applies to.
    pub depth: usize,
    /// Explanation for the fatal error when the certificate is refused.
    pub reason: String,
}

impl Verdict {
    /// A verdict that accepts the chain with `X509_V_OK`.
    pub fn ok() -> Self {
        Self {
            accept: true,
            code: X509_V_OK,
            depth: 0,
            reason: String::new(),
        }
    }
}

/// Checks a peer's certificate chain. Implementations must not panic on any input.
pub trait CertVerifier: Send + Sync {
    /// Verifies `input.chain`; called once per received Certificate message.
    fn verify(&self, input: &VerifyInput<'_>) -> Verdict;

    /// On a resumption: whether `leaf`, verified in the connection the session or ticket
    /// came from, is valid for this connection's `names` (RFC 8446 §4.6.1: "Clients SHOULD
    /// only resume if the new SNI value is valid for the server certificate presented in
    /// the original session"). A host-name match only, nothing cryptographic. `None`
    /// names: no hostname check was asked for. The default matches as [`verify_chain`]
    /// does (subjectAltName); a verifier with other name rules should match with those.
    fn leaf_matches_names(&self, leaf: &[u8], names: ExpectedNames<'_>) -> bool {
        names.is_none_or(|n| super::verify::leaf_matches_names(leaf, n))
    }
}

/// The default verifier: rustls-webpki path validation against the trust store, the
/// purpose's extended key usage, the verify depth and the expected names.
#[derive(Debug, Default, Clone, Copy)]
pub struct WebpkiVerifier;

impl CertVerifier for WebpkiVerifier {
    fn verify(&self, input: &VerifyInput<'_>) -> Verdict {
        let o = verify_chain(
            input.trust,
            input.chain,
            input.now,
            input.names,
            input.server_cert,
            input.max_depth,
        );
        Verdict {
            accept: o.is_ok(),
            code: o.code,
            depth: o.depth,
            reason: o.reason,
        }
    }
}
