//! Accessors the OpenSSL-compatibility layer reads from a connection: the configuration in
//! use and the CA names a server asked a client for.
//!
//! (A server's configuration is changed after a ClientHello only through the
//! [`crate::client_hello_hook`]: its early stage, where OpenSSL calls the client-hello
//! callback, and its later stage for the servername and certificate callbacks.)

use std::sync::Arc;

use crate::config::Config;
use crate::connection::Connection;

impl Connection {
    /// The configuration this connection currently uses.
    pub fn config(&self) -> &Arc<Config> {
        self.inner.config()
    }

    /// The CA names (DER) the server listed in its CertificateRequest (RFC 5246 §7.4.4);
    /// empty on a server, or when no certificate was requested or no name was listed.
    pub fn peer_ca_names(&self) -> &[Vec<u8>] {
        self.inner.peer_ca_names()
    }
}
