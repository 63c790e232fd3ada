//! Peer certificate verification during the handshake through the configured
//! [`CertVerifier`](crate::pki::verifier::CertVerifier): the result code is always
//! recorded; a refusal aborts the handshake only when the verify mode enforces it.

use std::time::SystemTime;

use super::machine::Machine;
use crate::config::VerifyMode;
use crate::error::Error;
use crate::pki::verifier::VerifyInput;

impl Machine {
    /// Verifies `hs.peer_certs`; `server_cert` selects the serverAuth usage and hostname.
    pub(crate) fn verify_peer(&mut self, server_cert: bool) -> Result<(), Error> {
        // The names come from the client's options, never from what the handshake
        // negotiated: the expected names are kept apart from SNI.
        let names: Option<Vec<String>> = (server_cert && self.config.verify_hostname).then(|| {
            if self.opts.verify_names.is_empty() {
                self.opts.server_name.iter().cloned().collect()
            } else {
                self.opts.verify_names.clone()
            }
        });
        let enforce = self.config.verify_mode != VerifyMode::None;
        // Certificate validity needs wall-clock time, which the caller cannot inject as an
        // `Instant`: this is the engine's one use of the system clock.
        let input = VerifyInput {
            chain: &self.hs.peer_certs,
            trust: &self.config.trust,
            names: names.as_deref(),
            server_cert,
            now: SystemTime::now(),
            max_depth: self.config.verify_depth,
            enforce,
        };
        let verdict = match self.verifier.as_deref() {
            Some(v) => v.verify(&input),
            None => self.config.verifier.verify(&input),
        };
        self.hs.verify_result = verdict.code;
        if !verdict.accept && enforce {
            let code = if verdict.code == crate::pki::X509_V_OK {
                crate::pki::X509_V_ERR_APPLICATION_VERIFICATION
            } else {
                verdict.code
            };
            return Err(Error::CertificateVerify {
                code,
                reason: verdict.reason,
            });
        }
        Ok(())
    }
}
