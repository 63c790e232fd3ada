//! OpenSSL 3.0's handshake states as `SSL_state_string_long` names them, and the state each
//! handshake message moves OpenSSL's state machine (statem) to. events.rs drives the info
//! callback and `SSL_state_string` from these.
use rdtls::enums::HandshakeType;

/// OpenSSL 3.0's state names (`SSL_state_string_long`) the handshake passes through.
pub const STATE_BEFORE: &str = "before SSL initialization";
/// The state after a completed handshake.
pub const STATE_OK: &str = "SSL negotiation finished successfully";
/// Writing a ChangeCipherSpec.
pub const WRITE_CCS: &str = "SSLv3/TLS write change cipher spec";
/// Reading a ChangeCipherSpec.
pub const READ_CCS: &str = "SSLv3/TLS read change cipher spec";

/// OpenSSL's state after sending (`sent`) or receiving a handshake message of `t`.
pub fn ossl_state(sent: bool, server: bool, t: HandshakeType) -> Option<&'static str> {
    Some(match (sent, t) {
        (true, HandshakeType::CLIENT_HELLO) => "SSLv3/TLS write client hello",
        (true, HandshakeType::HELLO_VERIFY_REQUEST) => "DTLS1 write hello verify request",
        (true, HandshakeType::SERVER_HELLO) => "SSLv3/TLS write server hello",
        (true, HandshakeType::CERTIFICATE) if server => "SSLv3/TLS write certificate",
        (true, HandshakeType::CERTIFICATE) => "SSLv3/TLS write client certificate",
        (true, HandshakeType::SERVER_KEY_EXCHANGE) => "SSLv3/TLS write key exchange",
        (true, HandshakeType::CERTIFICATE_REQUEST) => "SSLv3/TLS write certificate request",
        (true, HandshakeType::SERVER_HELLO_DONE) => "SSLv3/TLS write server done",
        (true, HandshakeType::CLIENT_KEY_EXCHANGE) => "SSLv3/TLS write client key exchange",
        (true, HandshakeType::CERTIFICATE_VERIFY) => "SSLv3/TLS write certificate verify",
        (true, HandshakeType::FINISHED) => "SSLv3/TLS write finished",
        (false, HandshakeType::CLIENT_HELLO) => "SSLv3/TLS read client hello",
        (false, HandshakeType::HELLO_VERIFY_REQUEST) => "DTLS1 read hello verify request",
        (false, HandshakeType::SERVER_HELLO) => "SSLv3/TLS read server hello",
        (false, HandshakeType::CERTIFICATE) if server => "SSLv3/TLS read client certificate",
        (false, HandshakeType::CERTIFICATE) => "SSLv3/TLS read server certificate",
        (false, HandshakeType::SERVER_KEY_EXCHANGE) => "SSLv3/TLS read server key exchange",
        (false, HandshakeType::CERTIFICATE_REQUEST) => "SSLv3/TLS read server certificate request",
        (false, HandshakeType::SERVER_HELLO_DONE) => "SSLv3/TLS read server done",
        (false, HandshakeType::CLIENT_KEY_EXCHANGE) => "SSLv3/TLS read client key exchange",
        (false, HandshakeType::CERTIFICATE_VERIFY) => "SSLv3/TLS read certificate verify",
        (false, HandshakeType::FINISHED) => "SSLv3/TLS read finished",
        _ => return None,
    })
}
