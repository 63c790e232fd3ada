//! Certificates and keys: PEM/DER loading ([`pem`]), signing keys ([`keys`]), chain
//! verification against trust anchors ([`verify`]) and X.509 field extraction ([`x509`]).
//!
//! Verification results use OpenSSL's `X509_V_ERR_*` numbers (OpenSSL 3.0 `x509_vfy.h`)
//! so the C API can return them from `SSL_get_verify_result` unchanged.

pub mod cert_cache;
pub mod crl;
pub(crate) mod der;
pub mod keys;
pub mod ossl_verify;
pub mod pem;
pub mod verifier;
pub mod verify;
pub mod x509;

use crate::error::AlertDescription;

/// The certificate verified (`X509_V_OK`).
pub const X509_V_OK: i32 = 0;
/// `X509_V_ERR_UNSPECIFIED`: a failure with no closer code.
pub const X509_V_ERR_UNSPECIFIED: i32 = 1;
/// `X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT`.
pub const X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT: i32 = 2;
/// `X509_V_ERR_UNABLE_TO_GET_CRL`.
pub const X509_V_ERR_UNABLE_TO_GET_CRL: i32 = 3;
/// `X509_V_ERR_CRL_SIGNATURE_FAILURE`.
pub const X509_V_ERR_CRL_SIGNATURE_FAILURE: i32 = 8;
/// `X509_V_ERR_CRL_NOT_YET_VALID`.
pub const X509_V_ERR_CRL_NOT_YET_VALID: i32 = 11;
/// `X509_V_ERR_CRL_HAS_EXPIRED`.
pub const X509_V_ERR_CRL_HAS_EXPIRED: i32 = 12;
/// `X509_V_ERR_KEYUSAGE_NO_CRL_SIGN`.
pub const X509_V_ERR_KEYUSAGE_NO_CRL_SIGN: i32 = 35;
/// `X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY`.
pub const X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY: i32 = 6;
/// `X509_V_ERR_CERT_SIGNATURE_FAILURE`.
pub const X509_V_ERR_CERT_SIGNATURE_FAILURE: i32 = 7;
/// `X509_V_ERR_CERT_NOT_YET_VALID`.
pub const X509_V_ERR_CERT_NOT_YET_VALID: i32 = 9;
/// `X509_V_ERR_CERT_HAS_EXPIRED`.
pub const X509_V_ERR_CERT_HAS_EXPIRED: i32 = 10;
/// `X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD`.
pub const X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD: i32 = 13;
/// `X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT`: the leaf is self-signed and not trusted.
pub const X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT: i32 = 18;
/// `X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN`: the chain ends in an untrusted self-signed root.
pub const X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN: i32 = 19;
/// `X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY`: no trust anchor issued the chain.
pub const X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY: i32 = 20;
/// `X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE`.
pub const X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: i32 = 21;
/// `X509_V_ERR_CERT_CHAIN_TOO_LONG`: more intermediates than the verify depth allows.
pub const X509_V_ERR_CERT_CHAIN_TOO_LONG: i32 = 22;
/// `X509_V_ERR_CERT_REVOKED`.
pub const X509_V_ERR_CERT_REVOKED: i32 = 23;
/// `X509_V_ERR_PATH_LENGTH_EXCEEDED`: a pathLenConstraint was violated.
pub const X509_V_ERR_PATH_LENGTH_EXCEEDED: i32 = 25;
/// `X509_V_ERR_INVALID_PURPOSE`: wrong extendedKeyUsage for this side.
pub const X509_V_ERR_INVALID_PURPOSE: i32 = 26;
/// `X509_V_ERR_CERT_UNTRUSTED`.
pub const X509_V_ERR_CERT_UNTRUSTED: i32 = 27;
/// `X509_V_ERR_CERT_REJECTED`.
pub const X509_V_ERR_CERT_REJECTED: i32 = 28;
/// `X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION`.
pub const X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION: i32 = 34;
/// `X509_V_ERR_INVALID_NON_CA`: a non-CA certificate was used as an issuer.
pub const X509_V_ERR_INVALID_NON_CA: i32 = 37;
/// `X509_V_ERR_INVALID_EXTENSION`.
pub const X509_V_ERR_INVALID_EXTENSION: i32 = 41;
/// `X509_V_ERR_PERMITTED_VIOLATION`: a name constraint was violated.
pub const X509_V_ERR_PERMITTED_VIOLATION: i32 = 47;
/// `X509_V_ERR_APPLICATION_VERIFICATION`: the application's verify callback refused.
pub const X509_V_ERR_APPLICATION_VERIFICATION: i32 = 50;
/// `X509_V_ERR_HOSTNAME_MISMATCH`.
pub const X509_V_ERR_HOSTNAME_MISMATCH: i32 = 62;
/// `X509_V_ERR_IP_ADDRESS_MISMATCH`.
pub const X509_V_ERR_IP_ADDRESS_MISMATCH: i32 = 64;
/// `X509_V_ERR_EE_KEY_TOO_SMALL`.
pub const X509_V_ERR_EE_KEY_TOO_SMALL: i32 = 66;
/// `X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM`.
pub const X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM: i32 = 76;
/// `X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH`.
pub const X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH: i32 = 77;
/// `X509_V_ERR_INVALID_CA`.
pub const X509_V_ERR_INVALID_CA: i32 = 79;

/// The alert sent when verification fails with `code`, following OpenSSL 3.0's mapping
/// (RFC 5246 §7.2.2 descriptions). `X509_V_OK` is never passed in practice.
pub fn alert_for_verify_code(code: i32) -> AlertDescription {
    match code {
        X509_V_OK | X509_V_ERR_UNSPECIFIED => AlertDescription::HANDSHAKE_FAILURE,
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT
        | X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        | X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
        | X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
        | X509_V_ERR_PATH_LENGTH_EXCEEDED
        | X509_V_ERR_INVALID_CA
        | X509_V_ERR_INVALID_NON_CA => AlertDescription::UNKNOWN_CA,
        // 4..=8: the signature on a certificate (or CRL) did not check out.
        4..=8 => AlertDescription::DECRYPT_ERROR,
        X509_V_ERR_CERT_HAS_EXPIRED => AlertDescription::CERTIFICATE_EXPIRED,
        X509_V_ERR_CERT_NOT_YET_VALID
        | 11..=16
        | X509_V_ERR_CERT_CHAIN_TOO_LONG
        | X509_V_ERR_CERT_UNTRUSTED
        | X509_V_ERR_CERT_REJECTED => AlertDescription::BAD_CERTIFICATE,
        X509_V_ERR_CERT_REVOKED => AlertDescription::CERTIFICATE_REVOKED,
        X509_V_ERR_INVALID_PURPOSE => AlertDescription::UNSUPPORTED_CERTIFICATE,
        17 => AlertDescription::INTERNAL_ERROR,
        X509_V_ERR_APPLICATION_VERIFICATION
        | X509_V_ERR_HOSTNAME_MISMATCH
        | 63
        | X509_V_ERR_IP_ADDRESS_MISMATCH => AlertDescription::HANDSHAKE_FAILURE,
        _ => AlertDescription::CERTIFICATE_UNKNOWN,
    }
}

/// OpenSSL 3.0's `X509_verify_cert_error_string` text for `code`.
pub fn verify_code_string(code: i32) -> &'static str {
    match code {
        0 => "ok",
        1 => "unspecified certificate verification error",
        2 => "unable to get issuer certificate",
        3 => "unable to get certificate CRL",
        4 => "unable to decrypt certificate's signature",
        5 => "unable to decrypt CRL's signature",
        6 => "unable to decode issuer public key",
        7 => "certificate signature failure",
        8 => "CRL signature failure",
        9 => "certificate is not yet valid",
        10 => "certificate has expired",
        11 => "CRL is not yet valid",
        12 => "CRL has expired",
        13 => "format error in certificate's notBefore field",
        14 => "format error in certificate's notAfter field",
        15 => "format error in CRL's lastUpdate field",
        16 => "format error in CRL's nextUpdate field",
        17 => "out of memory",
        18 => "self-signed certificate",
        19 => "self-signed certificate in certificate chain",
        20 => "unable to get local issuer certificate",
        21 => "unable to verify the first certificate",
        22 => "certificate chain too long",
        23 => "certificate revoked",
        24 => "issuer certificate doesn't have a public key",
        25 => "path length constraint exceeded",
        26 => "unsuitable certificate purpose",
        27 => "certificate not trusted",
        28 => "certificate rejected",
        29 => "subject issuer mismatch",
        30 => "authority and subject key identifier mismatch",
        31 => "authority and issuer serial number mismatch",
        32 => "key usage does not include certificate signing",
        33 => "unable to get CRL issuer certificate",
        34 => "unhandled critical extension",
        35 => "key usage does not include CRL signing",
        36 => "unhandled critical CRL extension",
        37 => "invalid non-CA certificate (has CA markings)",
        39 => "key usage does not include digital signature",
        41 => "invalid or inconsistent certificate extension",
        43 => "no explicit policy",
        47 => "permitted subtree violation",
        48 => "excluded subtree violation",
        50 => "application verification failure",
        53 => "unsupported or invalid name syntax",
        55 => "path loop",
        62 => "hostname mismatch",
        63 => "email address mismatch",
        64 => "IP address mismatch",
        66 => "EE certificate key too weak",
        67 => "CA certificate key too weak",
        68 => "CA signature digest algorithm too weak",
        69 => "invalid certificate verification context",
        70 => "issuer certificate lookup error",
        76 => "Cannot find certificate signature algorithm",
        77 => "subject signature algorithm and issuer public key algorithm mismatch",
        78 => "cert info signature and signature algorithm mismatch",
        79 => "invalid CA certificate",
        _ => "unknown certificate verification error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_match_openssl_3_0() {
        // Checked against X509_verify_cert_error_string from libcrypto 3.0.
        assert_eq!(verify_code_string(X509_V_OK), "ok");
        assert_eq!(
            verify_code_string(X509_V_ERR_CERT_HAS_EXPIRED),
            "certificate has expired"
        );
        assert_eq!(
            verify_code_string(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY),
            "unable to get local issuer certificate"
        );
        assert_eq!(
            verify_code_string(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT),
            "self-signed certificate"
        );
        assert_eq!(
            verify_code_string(X509_V_ERR_HOSTNAME_MISMATCH),
            "hostname mismatch"
        );
        assert_eq!(
            verify_code_string(-5),
            "unknown certificate verification error"
        );
    }

    #[test]
    fn alerts_follow_openssl() {
        assert_eq!(
            alert_for_verify_code(10),
            AlertDescription::CERTIFICATE_EXPIRED
        );
        assert_eq!(alert_for_verify_code(20), AlertDescription::UNKNOWN_CA);
        assert_eq!(alert_for_verify_code(18), AlertDescription::UNKNOWN_CA);
        assert_eq!(alert_for_verify_code(7), AlertDescription::DECRYPT_ERROR);
        assert_eq!(alert_for_verify_code(9), AlertDescription::BAD_CERTIFICATE);
        assert_eq!(
            alert_for_verify_code(26),
            AlertDescription::UNSUPPORTED_CERTIFICATE
        );
        assert_eq!(
            alert_for_verify_code(62),
            AlertDescription::HANDSHAKE_FAILURE
        );
        assert_eq!(
            alert_for_verify_code(999),
            AlertDescription::CERTIFICATE_UNKNOWN
        );
    }
}
