//! Engine errors as OpenSSL error-queue entries: the closest `SSL_R_*` reason code plus a
//! sentence that says what went wrong ("peer sent alert handshake_failure").
use std::ffi::c_int;

use rdtls::{AlertDescription, Error, Unshared};

use crate::error::ssl_reasons::*;
use crate::error::{put_error, ERR_LIB_SSL, ERR_R_INTERNAL_ERROR, ERR_R_PASSED_INVALID_ARGUMENT};

use super::consts::SSL_AD_REASON_OFFSET;

/// The `SSL_R_*` reason for an alert we send because of a protocol violation.
fn reason_for_sent_alert(alert: AlertDescription, why: &str) -> c_int {
    // Reasons named by the error text (servername.rs, the engine's session policy).
    for (prefix, reason) in [
        ("callback failed", SSL_R_CALLBACK_FAILED),
        ("cert cb error", SSL_R_CERT_CB_ERROR),
        ("PSK identity not found", SSL_R_PSK_IDENTITY_NOT_FOUND),
        ("inconsistent extms", SSL_R_INCONSISTENT_EXTMS),
        (
            "session id context uninitialized",
            SSL_R_SESSION_ID_CONTEXT_UNINITIALIZED,
        ),
    ] {
        if why.starts_with(prefix) {
            return reason;
        }
    }
    match alert {
        AlertDescription::UNEXPECTED_MESSAGE => SSL_R_UNEXPECTED_MESSAGE,
        AlertDescription::BAD_RECORD_MAC => SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC,
        AlertDescription::RECORD_OVERFLOW => SSL_R_DATA_LENGTH_TOO_LONG,
        AlertDescription::HANDSHAKE_FAILURE if why.contains("cipher") => SSL_R_NO_SHARED_CIPHER,
        AlertDescription::HANDSHAKE_FAILURE => SSL_R_SSL_HANDSHAKE_FAILURE,
        AlertDescription::BAD_CERTIFICATE
        | AlertDescription::UNSUPPORTED_CERTIFICATE
        | AlertDescription::CERTIFICATE_REVOKED
        | AlertDescription::CERTIFICATE_EXPIRED
        | AlertDescription::CERTIFICATE_UNKNOWN
        | AlertDescription::UNKNOWN_CA => SSL_R_CERTIFICATE_VERIFY_FAILED,
        AlertDescription::DECODE_ERROR => SSL_R_LENGTH_MISMATCH,
        AlertDescription::DECRYPT_ERROR if why.contains("inished") => SSL_R_DIGEST_CHECK_FAILED,
        AlertDescription::DECRYPT_ERROR => SSL_R_BAD_SIGNATURE,
        AlertDescription::PROTOCOL_VERSION => SSL_R_UNSUPPORTED_PROTOCOL,
        AlertDescription::INSUFFICIENT_SECURITY => SSL_R_INSUFFICIENT_SECURITY,
        AlertDescription::UNSUPPORTED_EXTENSION => SSL_R_BAD_EXTENSION,
        AlertDescription::NO_RENEGOTIATION => SSL_R_NO_RENEGOTIATION,
        AlertDescription::ILLEGAL_PARAMETER => SSL_R_BAD_PACKET,
        AlertDescription::INTERNAL_ERROR => ERR_R_INTERNAL_ERROR,
        _ => SSL_R_SSL_HANDSHAKE_FAILURE,
    }
}

/// The (reason, detail) an engine error is reported with.
pub fn describe(e: &Error) -> (c_int, String) {
    let detail = e.to_string();
    let reason = match e {
        Error::AlertSent { alert, reason } => reason_for_sent_alert(*alert, reason),
        Error::AlertReceived(a) => {
            return (
                SSL_AD_REASON_OFFSET + c_int::from(a.0),
                format!("peer sent alert {}", a.name()),
            )
        }
        Error::HandshakeTimeout => SSL_R_READ_TIMEOUT_EXPIRED,
        Error::NewAssociation => SSL_R_UNEXPECTED_MESSAGE,
        Error::NoSharedParameters(Unshared::SignatureAlgorithm) => {
            SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS
        }
        Error::NoSharedParameters(Unshared::Group) => SSL_R_NO_SUITABLE_KEY_SHARE,
        Error::NoSharedParameters(_) => SSL_R_NO_SHARED_CIPHER,
        Error::CertificateVerify { .. } => SSL_R_CERTIFICATE_VERIFY_FAILED,
        Error::MessageTooLarge { .. } => SSL_R_EXCEEDS_MAX_FRAGMENT_SIZE,
        Error::SequenceExhausted => SSL_R_RECORD_LENGTH_MISMATCH,
        Error::InvalidState(w) if w.contains("clos") => SSL_R_PROTOCOL_IS_SHUTDOWN,
        Error::InvalidState(_) => SSL_R_UNINITIALIZED,
        Error::Config(w) if w.starts_with("no ciphers available") => SSL_R_NO_CIPHERS_AVAILABLE,
        Error::Config(_) => ERR_R_PASSED_INVALID_ARGUMENT,
        Error::BadKeyMaterial(_) => SSL_R_BAD_VALUE,
        Error::Crypto(_) => ERR_R_INTERNAL_ERROR,
        // A variant newer than this mapping: its text still says what happened.
        _ => ERR_R_INTERNAL_ERROR,
    };
    (reason, detail)
}

/// Pushes `e` onto the error queue and returns what was pushed.
#[track_caller]
pub fn raise(e: &Error) -> (c_int, String) {
    let (reason, detail) = describe(e);
    put_error(ERR_LIB_SSL, reason, detail.clone());
    (reason, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_received_use_the_alert_offset() {
        let (r, d) = describe(&Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE));
        assert_eq!(r, SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE);
        assert_eq!(d, "peer sent alert handshake_failure");
        let (r, _) = describe(&Error::AlertReceived(AlertDescription::UNKNOWN_CA));
        assert_eq!(r, SSL_R_TLSV1_ALERT_UNKNOWN_CA);
    }

    #[test]
    fn reasons_say_what_went_wrong() {
        let (r, d) = describe(&Error::HandshakeTimeout);
        assert_eq!(r, SSL_R_READ_TIMEOUT_EXPIRED);
        assert!(d.contains("handshake timed out"));
        let (r, d) = describe(&Error::CertificateVerify {
            code: 20,
            reason: "unable to get local issuer certificate".into(),
        });
        assert_eq!(r, SSL_R_CERTIFICATE_VERIFY_FAILED);
        assert!(d.starts_with("certificate verify failed"));
        let (r, d) = describe(&Error::NoSharedParameters(Unshared::CipherSuite));
        assert_eq!(r, SSL_R_NO_SHARED_CIPHER);
        assert!(d.contains("no shared cipher"));
        let (r, _) = describe(&Error::alert(
            AlertDescription::HANDSHAKE_FAILURE,
            "no shared cipher",
        ));
        assert_eq!(r, SSL_R_NO_SHARED_CIPHER);
        let (r, _) = describe(&Error::MessageTooLarge { max: 1000 });
        assert_eq!(r, SSL_R_EXCEEDS_MAX_FRAGMENT_SIZE);
    }

    #[test]
    fn psk_failures_name_the_psk() {
        // Server: unknown identity (unknown_psk_identity); client: callback gave no key.
        for alert in [
            AlertDescription::UNKNOWN_PSK_IDENTITY,
            AlertDescription::HANDSHAKE_FAILURE,
        ] {
            let (r, d) = describe(&Error::alert(alert, "PSK identity not found: \"x\""));
            assert_eq!(r, SSL_R_PSK_IDENTITY_NOT_FOUND);
            assert!(d.contains("PSK identity not found"), "{d}");
        }
        let (r, _) = describe(&Error::AlertReceived(
            AlertDescription::UNKNOWN_PSK_IDENTITY,
        ));
        assert_eq!(r, SSL_R_TLSV1_ALERT_UNKNOWN_PSK_IDENTITY);
        let (r, _) = describe(&Error::Config(
            "no ciphers available (PSK suites need a PSK callback)".into(),
        ));
        assert_eq!(r, SSL_R_NO_CIPHERS_AVAILABLE);
    }
}
