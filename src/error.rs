//! Errors and alert code points.
//!
//! Contract (as in dimpl): an [`Error`] is fatal for that connection. The one per-call error
//! is [`SendError`]: [`crate::Connection::send`] refusing data leaves the connection as it was,
//! unless the connection has failed ([`SendError::Failed`]). Noise from the network (bad
//! records, replays, bad MACs) is dropped silently and counted (RFC 6347 §4.1.2.7); it never
//! becomes an `Err`.

use std::fmt;

use crate::codec::DecodeError;

/// An alert description code point (RFC 5246 §7.2). Open: unknown values survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlertDescription(pub u8);

impl AlertDescription {
    /// `close_notify` (0).
    pub const CLOSE_NOTIFY: Self = Self(0);
    /// `unexpected_message` (10).
    pub const UNEXPECTED_MESSAGE: Self = Self(10);
    /// `bad_record_mac` (20).
    pub const BAD_RECORD_MAC: Self = Self(20);
    /// `record_overflow` (22).
    pub const RECORD_OVERFLOW: Self = Self(22);
    /// `handshake_failure` (40).
    pub const HANDSHAKE_FAILURE: Self = Self(40);
    /// `bad_certificate` (42).
    pub const BAD_CERTIFICATE: Self = Self(42);
    /// `unsupported_certificate` (43).
    pub const UNSUPPORTED_CERTIFICATE: Self = Self(43);
    /// `certificate_revoked` (44).
    pub const CERTIFICATE_REVOKED: Self = Self(44);
    /// `certificate_expired` (45).
    pub const CERTIFICATE_EXPIRED: Self = Self(45);
    /// `certificate_unknown` (46).
    pub const CERTIFICATE_UNKNOWN: Self = Self(46);
    /// `illegal_parameter` (47).
    pub const ILLEGAL_PARAMETER: Self = Self(47);
    /// `unknown_ca` (48).
    pub const UNKNOWN_CA: Self = Self(48);
    /// `access_denied` (49).
    pub const ACCESS_DENIED: Self = Self(49);
    /// `decode_error` (50).
    pub const DECODE_ERROR: Self = Self(50);
    /// `decrypt_error` (51).
    pub const DECRYPT_ERROR: Self = Self(51);
    /// `protocol_version` (70).
    pub const PROTOCOL_VERSION: Self = Self(70);
    /// `insufficient_security` (71).
    pub const INSUFFICIENT_SECURITY: Self = Self(71);
    /// `internal_error` (80).
    pub const INTERNAL_ERROR: Self = Self(80);
    /// `user_canceled` (90).
    pub const USER_CANCELED: Self = Self(90);
    /// `no_renegotiation` (100).
    pub const NO_RENEGOTIATION: Self = Self(100);
    /// `unsupported_extension` (110).
    pub const UNSUPPORTED_EXTENSION: Self = Self(110);
    /// `unrecognized_name` (112).
    pub const UNRECOGNIZED_NAME: Self = Self(112);
    /// `unknown_psk_identity` (115, RFC 4279 §2).
    pub const UNKNOWN_PSK_IDENTITY: Self = Self(115);
    /// `no_application_protocol` (120, RFC 7301 §3.2).
    pub const NO_APPLICATION_PROTOCOL: Self = Self(120);

    /// The lowercase RFC name, e.g. `"handshake_failure"`.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "close_notify",
            10 => "unexpected_message",
            20 => "bad_record_mac",
            21 => "decryption_failed",
            22 => "record_overflow",
            30 => "decompression_failure",
            40 => "handshake_failure",
            42 => "bad_certificate",
            43 => "unsupported_certificate",
            44 => "certificate_revoked",
            45 => "certificate_expired",
            46 => "certificate_unknown",
            47 => "illegal_parameter",
            48 => "unknown_ca",
            49 => "access_denied",
            50 => "decode_error",
            51 => "decrypt_error",
            60 => "export_restriction",
            70 => "protocol_version",
            71 => "insufficient_security",
            80 => "internal_error",
            86 => "inappropriate_fallback",
            90 => "user_canceled",
            100 => "no_renegotiation",
            110 => "unsupported_extension",
            112 => "unrecognized_name",
            115 => "unknown_psk_identity",
            120 => "no_application_protocol",
            _ => "unknown",
        }
    }
}

impl fmt::Display for AlertDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Alert level (RFC 5246 §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertLevel {
    /// warning(1)
    Warning = 1,
    /// fatal(2)
    Fatal = 2,
}

/// A fatal engine error. The connection is unusable after one is returned.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// We found a protocol violation and sent this fatal alert to the peer.
    AlertSent {
        /// The alert sent.
        alert: AlertDescription,
        /// Why, in words.
        reason: String,
    },
    /// The peer sent this fatal alert.
    AlertReceived(AlertDescription),
    /// The handshake gave up after the configured number of retransmissions.
    HandshakeTimeout,
    /// A ClientHello with a valid cookie and a new client random started a new association
    /// at the peer's address; this one was abandoned (RFC 6347 §4.2.8).
    NewAssociation,
    /// No usable cipher suite, group or signature algorithm in common.
    NoSharedParameters(Unshared),
    /// Peer certificate verification failed; `code` is OpenSSL's `X509_V_ERR_*` value.
    CertificateVerify {
        /// OpenSSL `X509_V_ERR_*` code.
        code: i32,
        /// Why, in words.
        reason: String,
    },
    /// Application data larger than one record can carry at the current MTU.
    MessageTooLarge {
        /// Largest payload that fits.
        max: usize,
    },
    /// The 48-bit record sequence number space of an epoch is exhausted.
    SequenceExhausted,
    /// The operation needs a completed handshake, or the connection is closed.
    InvalidState(&'static str),
    /// A configuration value was rejected.
    Config(String),
    /// Certificate or key material could not be parsed.
    BadKeyMaterial(String),
    /// A cryptographic primitive failed unexpectedly.
    Crypto(&'static str),
}

impl Error {
    /// A fatal alert we send, with a human-readable reason.
    pub fn alert(alert: AlertDescription, reason: impl Into<String>) -> Self {
        Error::AlertSent {
            alert,
            reason: reason.into(),
        }
    }

    /// The alert this error should be reported to the peer with, if any.
    pub fn alert_to_send(&self) -> Option<AlertDescription> {
        match self {
            Error::AlertSent { alert, .. } => Some(*alert),
            Error::NoSharedParameters(_) => Some(AlertDescription::HANDSHAKE_FAILURE),
            Error::CertificateVerify { code, .. } => Some(crate::pki::alert_for_verify_code(*code)),
            _ => None,
        }
    }
}

impl From<DecodeError> for Error {
    fn from(e: DecodeError) -> Self {
        Error::alert(AlertDescription::DECODE_ERROR, e.to_string())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::AlertSent { alert, reason } => write!(f, "{reason} (sent alert {alert})"),
            Error::AlertReceived(a) => write!(f, "peer sent fatal alert {a}"),
            Error::HandshakeTimeout => f.write_str("handshake timed out: peer did not answer"),
            Error::NewAssociation => f.write_str(
                "a new client association replaced this one (ClientHello with a valid cookie, RFC 6347 4.2.8)",
            ),
            Error::NoSharedParameters(w) => write!(f, "no shared {}", w.name()),
            Error::CertificateVerify { reason, .. } => {
                write!(f, "certificate verify failed: {reason}")
            }
            Error::MessageTooLarge { max } => {
                write!(
                    f,
                    "data too large for one record at this MTU (max {max} bytes)"
                )
            }
            Error::SequenceExhausted => f.write_str("record sequence numbers exhausted"),
            Error::InvalidState(w) => f.write_str(w),
            Error::Config(w) => write!(f, "invalid configuration: {w}"),
            Error::BadKeyMaterial(w) => write!(f, "bad key material: {w}"),
            Error::Crypto(w) => write!(f, "crypto failure: {w}"),
        }
    }
}

impl std::error::Error for Error {}

/// What the peers have no common value of ([`Error::NoSharedParameters`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Unshared {
    /// Cipher suite.
    CipherSuite,
    /// Key exchange group (elliptic curve).
    Group,
    /// Signature algorithm.
    SignatureAlgorithm,
}

impl Unshared {
    /// The words in the error text: "no shared {name}".
    pub fn name(self) -> &'static str {
        match self {
            Unshared::CipherSuite => "cipher",
            Unshared::Group => "group",
            Unshared::SignatureAlgorithm => "signature algorithm",
        }
    }
}

/// Why [`crate::Connection::send`] refused data. Only [`SendError::Failed`] is fatal: after
/// the others the connection is as it was (a later `send` may succeed).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SendError {
    /// The handshake has not completed (or a renegotiation closed the application phase).
    NotEstablished,
    /// We sent close_notify: no more data may follow (RFC 5246 §7.2.1).
    Closed,
    /// [`crate::transmit::MAX_QUEUED_DATAGRAMS`] datagrams wait for
    /// [`crate::Connection::poll_transmit`]: drain them, then send again.
    Full,
    /// More than one record carries (2^14 bytes, RFC 6347 §4.1.1).
    TooLarge {
        /// Largest payload accepted.
        max: usize,
    },
    /// The connection has failed with this error (now or earlier).
    Failed(Error),
    /// The operation exists in another DTLS version only (e.g. `key_update` on DTLS 1.2).
    WrongVersion,
}

impl SendError {
    /// Whether the connection is unusable ([`SendError::Failed`]).
    pub fn is_fatal(&self) -> bool {
        matches!(self, SendError::Failed(_))
    }
}

impl From<SendError> for Error {
    /// The connection-level [`Error`] with the same text (what the C layer reports).
    fn from(e: SendError) -> Self {
        match e {
            SendError::NotEstablished => Error::InvalidState("handshake not complete"),
            SendError::Closed => Error::InvalidState("close_notify already sent"),
            SendError::Full => Error::InvalidState("send queue full: poll_transmit first"),
            SendError::TooLarge { max } => Error::MessageTooLarge { max },
            SendError::Failed(e) => e,
            SendError::WrongVersion => Error::InvalidState("not available in this DTLS version"),
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&Error::from(self.clone()), f)
    }
}

impl std::error::Error for SendError {}
