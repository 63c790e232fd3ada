//! Changing a server's configuration before it has seen a ClientHello (and the CA names a
//! server asked a client for, which the same OpenSSL-compatibility layer reports).
//!
//! OpenSSL calls an application's client-hello callback right after parsing a ClientHello
//! and before any other processing (cookie check, session lookup, server name callback); a
//! CoAP or TURN server loads its certificate there. The C layer runs that callback before
//! handing the datagram to the engine and then installs the configuration the callback left
//! behind with [`Connection::reconfigure_before_hello`].

use std::sync::Arc;

use crate::config::Config;
use crate::connection::Connection;
use crate::error::{AlertDescription, Error};
use crate::handshake::machine::State;

impl Connection {
    /// The configuration this connection currently uses.
    pub fn config(&self) -> &Arc<Config> {
        &self.inner.config
    }

    /// A server still waiting for its first (cookie-verified) ClientHello: nothing has been
    /// negotiated, so a new configuration can take the old one's place.
    pub fn awaiting_client_hello(&self) -> bool {
        !self.inner.is_client && self.inner.life.step() == Some(State::ServerAwaitClientHello)
    }

    /// Replaces the configuration of a server that is still waiting for its ClientHello
    /// (see [`Self::awaiting_client_hello`]); false (and nothing changes) otherwise.
    pub fn reconfigure_before_hello(&mut self, config: Arc<Config>) -> bool {
        if !self.awaiting_client_hello() {
            return false;
        }
        self.inner.config = config;
        true
    }

    /// Ends the handshake of a server that has not yet processed its ClientHello with the
    /// fatal `alert` (OpenSSL's answer when the client-hello callback returns an error);
    /// the alert datagram is queued for `poll_transmit`. Returns the error recorded.
    pub fn refuse_client_hello(&mut self, alert: AlertDescription, reason: &str) -> Error {
        self.inner.fail(Error::alert(alert, reason))
    }

    /// The CA names (DER) the server listed in its CertificateRequest (RFC 5246 §7.4.4);
    /// empty on a server, or when no certificate was requested or no name was listed.
    pub fn peer_ca_names(&self) -> &[Vec<u8>] {
        &self.inner.hs.peer_ca_names
    }
}
