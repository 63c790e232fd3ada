//! Peer certificate verification during the handshake, with OpenSSL's verify-callback
//! semantics: the result code is always recorded; a failure aborts the handshake only when
//! verification was asked for and the application's hook does not override it.

use std::time::SystemTime;

use super::machine::Machine;
use crate::config::VerifyMode;
use crate::connection::PeerVerification;
use crate::error::Error;
use crate::pki::verify::verify_chain;

impl Machine {
    /// Verifies `hs.peer_certs`; `server_cert` selects the serverAuth usage and hostname.
    pub(crate) fn verify_peer(&mut self, server_cert: bool) -> Result<(), Error> {
        let hostname = if !server_cert {
            None
        } else if let Some(h) = &self.config.expected_host {
            Some(h.clone())
        } else if self.config.verify_hostname {
            self.hs.server_name.clone()
        } else {
            None
        };
        // Certificate validity needs wall-clock time, which the caller cannot inject as an
        // `Instant`: this is the engine's one use of the system clock.
        let outcome = verify_chain(
            &self.config.trust,
            &self.hs.peer_certs,
            SystemTime::now(),
            hostname.as_deref(),
            server_cert,
            self.config.verify_depth,
        );
        self.hs.verify_result = outcome.code;
        let mut accept = outcome.code == crate::pki::X509_V_OK;
        if let Some(hook) = self.verify_hook.as_mut() {
            accept = hook(&PeerVerification {
                chain: &self.hs.peer_certs,
                code: outcome.code,
                depth: outcome.depth,
            });
        }
        if !accept && self.config.verify_mode != VerifyMode::None {
            return Err(Error::CertificateVerify {
                code: outcome.code,
                reason: outcome.reason,
            });
        }
        Ok(())
    }
}
