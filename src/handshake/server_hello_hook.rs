//! Applying the application's ClientHello hook (`crate::client_hello_hook`) on a server.

use super::machine::Machine;
use super::messages::ClientHello;
use crate::client_hello_hook::ClientHelloInfo;
use crate::error::{AlertLevel, Error};

impl Machine {
    /// Runs the hook, if any, for `ch` and applies its decision: a warning alert, a new
    /// configuration, the server_name acknowledgement, or a fatal rejection.
    pub(crate) fn run_client_hello_hook(
        &mut self,
        ch: &ClientHello,
        resuming: bool,
    ) -> Result<(), Error> {
        self.hs.ack_server_name = false;
        let Some(hook) = self.client_hello_hook.as_mut() else {
            return Ok(());
        };
        let info = ClientHelloInfo {
            server_name: ch.extensions.server_name.as_deref(),
            signature_schemes: &self.hs.peer_sig_schemes,
            cipher_suites: &ch.cipher_suites,
            resuming,
        };
        let decision = hook
            .client_hello(&info)
            .map_err(|r| Error::alert(r.alert, r.reason))?;
        if let Some(alert) = decision.warning {
            self.send_alert(AlertLevel::Warning, alert);
        }
        if let Some(config) = decision.config {
            // The session stays with the cache (and ID context) it was looked up in.
            let old = std::mem::replace(&mut self.config, config);
            self.session_home.get_or_insert(old);
        }
        self.hs.ack_server_name =
            decision.acknowledge_server_name && !resuming && ch.extensions.server_name.is_some();
        Ok(())
    }
}
