//! Negotiating encrypt_then_mac (RFC 7366) and, with it, the CBC suites.
//!
//! rdtls uses CBC only with encrypt_then_mac: the MAC covers the ciphertext and is checked
//! before decryption, so there is no padding oracle (Lucky13 and relatives). Hence:
//! * a client offers the CBC suites, and the extension with them, only while
//!   encrypt_then_mac is enabled (`ConfigBuilder::encrypt_then_mac`,
//!   `SSL_OP_NO_ENCRYPT_THEN_MAC`);
//! * a server selects a CBC suite only when the ClientHello carries the extension, and
//!   answers it only then (RFC 7366 §2: never with an AEAD suite);
//! * a client that gets a CBC suite without the extension aborts with handshake_failure.
//!
//! CBC records in the RFC 9146 `tls12_cid` format are not implemented, so a server that
//! uses connection IDs does not select a CBC suite, and a client refuses both together.

use super::extensions::Extensions;
use super::machine::Machine;
use super::messages::ClientHello;
use crate::crypto::suites::{suite_by_id, CipherSuite};
use crate::error::{AlertDescription, Error};

impl Machine {
    /// Client: whether the ClientHello carries encrypt_then_mac: when it offers a CBC suite
    /// (`offered_suite_ids` leaves them out when the extension is disabled).
    pub(crate) fn client_offers_etm(&self, offered: &[u16]) -> bool {
        self.config.encrypt_then_mac
            && offered
                .iter()
                .any(|id| suite_by_id(*id).is_some_and(|s| s.aead.is_cbc()))
    }

    /// Client: the ServerHello's encrypt_then_mac against our offer and its suite.
    pub(crate) fn client_check_etm(
        &self,
        suite: &CipherSuite,
        ext: &Extensions,
    ) -> Result<(), Error> {
        if ext.encrypt_then_mac && !self.client_offers_etm(&self.offered_suite_ids()) {
            return Err(Error::alert(
                AlertDescription::UNSUPPORTED_EXTENSION,
                "server sent encrypt_then_mac we did not offer",
            ));
        }
        if !suite.aead.is_cbc() {
            // RFC 7366 §2 forbids the answer with an AEAD suite; like OpenSSL, ignore it.
            return Ok(());
        }
        if !ext.encrypt_then_mac {
            return Err(Error::alert(
                AlertDescription::HANDSHAKE_FAILURE,
                "CBC suite without encrypt_then_mac (MAC-then-encrypt is not supported)",
            ));
        }
        if ext.connection_id.is_some() {
            return Err(Error::alert(
                AlertDescription::HANDSHAKE_FAILURE,
                "connection IDs with a CBC suite are not supported",
            ));
        }
        Ok(())
    }

    /// Server: whether suite `s` may answer `ch`: any AEAD suite; a CBC suite only when
    /// the client asked for encrypt_then_mac, we allow it, and no connection ID is in use.
    pub(crate) fn server_suite_allowed(&self, s: &CipherSuite, ch: &ClientHello) -> bool {
        !s.aead.is_cbc()
            || (self.config.encrypt_then_mac
                && ch.extensions.encrypt_then_mac
                && self.hs.cid.is_none())
    }

    /// Server: the ServerHello answers encrypt_then_mac exactly when the suite is CBC
    /// (which `server_suite_allowed` admitted only with the client's extension).
    pub(crate) fn server_answers_etm(&self, suite: &CipherSuite, ch: &ClientHello) -> bool {
        suite.aead.is_cbc() && ch.extensions.encrypt_then_mac
    }
}
