//! Renegotiation requests after the handshake (RFC 5246 §7.4.1.1, §7.4.1.2; RFC 5746).
//!
//! rdtls does not renegotiate (`crate::deviations`): a request is refused with a
//! `no_renegotiation` warning alert (RFC 5246 §7.2.2, RFC 5746 §4.2 and §4.4), which is what
//! OpenSSL 3.0 answers for a client-initiated request by default (no
//! `SSL_OP_ALLOW_CLIENT_RENEGOTIATION`) and for any request under `SSL_OP_NO_RENEGOTIATION`.
//! The connection stays usable; a peer that insists ends it itself (OpenSSL's client fails
//! with `no renegotiation`).
//!
//! A request is an authenticated ClientHello reaching a server, or an authenticated
//! HelloRequest reaching a client, once the handshake completed. Its `message_seq` says
//! nothing: each handshake starts again at 0 (RFC 6347 §4.2.2; OpenSSL resets both counters
//! when a handshake finishes), so a request usually carries a number lower than the
//! messages already consumed and must not be taken for a retransmission of the finished
//! handshake (which answered it with our last flight instead). A plaintext one is someone
//! else's (crate::handshake::new_association, crate::input_policy).

use super::machine::Machine;
use crate::enums::HandshakeType;
use crate::error::{AlertDescription, AlertLevel};

/// Whether an authenticated handshake message of `msg_type` after completion asks us to
/// renegotiate.
pub(crate) fn is_request(is_client: bool, msg_type: HandshakeType) -> bool {
    if is_client {
        msg_type == HandshakeType::HELLO_REQUEST
    } else {
        msg_type == HandshakeType::CLIENT_HELLO
    }
}

impl Machine {
    /// Refuses one renegotiation request (answered once per message, at its first
    /// fragment): a warning, not fatal (RFC 5746 §4.2, §4.4).
    pub(crate) fn refuse_renegotiation(&mut self) {
        self.send_alert(AlertLevel::Warning, AlertDescription::NO_RENEGOTIATION);
    }
}
