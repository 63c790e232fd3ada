//! Library and reason strings for `ERR_error_string` and friends (OpenSSL 3.0 texts).
//!
//! Lookup order for a packed code (OpenSSL 3.0 behaviour): system errors (`ERR_SYSTEM_FLAG`)
//! use `strerror`; otherwise the exact (lib, reason) row; otherwise, for a reason carrying
//! `ERR_RFLAG_COMMON`, the library-independent row; otherwise `"reason(N)"`.
//!
//! **Adding reasons:** SSL reasons live in [`super::ssl_reasons`]; reasons of other libraries
//! are rows of [`OTHER_REASONS`] below (`NAME = ERR_LIB_X, value => "text",`).
#![allow(missing_docs)]
use std::ffi::c_int;

use super::ssl_reasons::SSL_REASON_STRINGS;
use super::*;

/// The name printed for library `lib`, or `None` ("lib(N)") when unknown.
pub fn lib_string(lib: c_int) -> Option<&'static str> {
    Some(match lib {
        ERR_LIB_NONE => "unknown library",
        ERR_LIB_SYS => "system library",
        ERR_LIB_BN => "bignum routines",
        ERR_LIB_RSA => "rsa routines",
        ERR_LIB_DH => "Diffie-Hellman routines",
        ERR_LIB_EVP => "digital envelope routines",
        ERR_LIB_BUF => "memory buffer routines",
        ERR_LIB_OBJ => "object identifier routines",
        ERR_LIB_PEM => "PEM routines",
        ERR_LIB_DSA => "dsa routines",
        ERR_LIB_X509 => "x509 certificate routines",
        ERR_LIB_ASN1 => "asn1 encoding routines",
        ERR_LIB_CONF => "configuration file routines",
        ERR_LIB_CRYPTO => "common libcrypto routines",
        ERR_LIB_EC => "elliptic curve routines",
        ERR_LIB_SSL => "SSL routines",
        ERR_LIB_BIO => "BIO routines",
        ERR_LIB_X509V3 => "X509 V3 routines",
        ERR_LIB_RAND => "random number generator",
        ERR_LIB_ENGINE => "engine routines",
        ERR_LIB_ECDSA => "ECDSA routines",
        ERR_LIB_OSSL_STORE => "STORE routines",
        ERR_LIB_HMAC => "HMAC routines",
        ERR_LIB_PROV => "Provider routines",
        _ => return None,
    })
}

/// Library-independent reasons (`ERR_R_*`, full value including the flag bits).
static COMMON_REASONS: &[(c_int, &str)] = &[
    (ERR_R_SYS_LIB, "system lib"),
    (ERR_LIB_BN | ERR_RFLAG_COMMON, "BN lib"),
    (ERR_R_EVP_LIB, "EVP lib"),
    (ERR_LIB_BUF | ERR_RFLAG_COMMON, "BUF lib"),
    (ERR_R_PEM_LIB, "PEM lib"),
    (ERR_R_X509_LIB, "X509 lib"),
    (ERR_R_ASN1_LIB, "ASN1 lib"),
    (ERR_R_CRYPTO_LIB, "CRYPTO lib"),
    (ERR_LIB_EC | ERR_RFLAG_COMMON, "EC lib"),
    (ERR_R_BIO_LIB, "BIO lib"),
    (ERR_LIB_X509V3 | ERR_RFLAG_COMMON, "X509V3 lib"),
    (ERR_R_MALLOC_FAILURE, "malloc failure"),
    (
        ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED,
        "called a function you should not call",
    ),
    (ERR_R_PASSED_NULL_PARAMETER, "passed a null parameter"),
    (ERR_R_INTERNAL_ERROR, "internal error"),
    (
        ERR_R_DISABLED,
        "called a function that was disabled at compile-time",
    ),
    (ERR_R_INIT_FAIL, "init fail"),
    (ERR_R_PASSED_INVALID_ARGUMENT, "passed invalid argument"),
    (ERR_R_OPERATION_FAIL, "operation fail"),
    (265 | ERR_RFLAG_COMMON, "interrupted or cancelled"),
    (ERR_R_NESTED_ASN1_ERROR, "nested asn1 error"),
    (267 | ERR_RFLAG_COMMON, "missing asn1 eos"),
    (ERR_R_UNSUPPORTED, "unsupported"),
    (269 | ERR_RFLAG_COMMON, "fetch failed"),
    (270 | ERR_RFLAG_COMMON, "invalid property definition"),
    (271 | ERR_R_FATAL, "unable to get read lock"),
    (272 | ERR_R_FATAL, "unable to get write lock"),
];

macro_rules! other_reasons {
    ($($name:ident = $lib:expr, $value:expr => $text:expr,)*) => {
        $(#[doc = $text] pub const $name: c_int = $value;)*
        /// (lib, reason, text) of the non-SSL reasons this library raises.
        pub static OTHER_REASONS: &[(c_int, c_int, &str)] = &[$(($lib, $value, $text),)*];
    };
}

other_reasons! {
    BIO_R_ADDRINFO_ADDR_IS_NOT_AF_INET = ERR_LIB_BIO, 141 => "addrinfo addr is not af inet",
    BIO_R_BROKEN_PIPE = ERR_LIB_BIO, 124 => "broken pipe",
    BIO_R_CONNECT_ERROR = ERR_LIB_BIO, 103 => "connect error",
    BIO_R_INVALID_ARGUMENT = ERR_LIB_BIO, 125 => "invalid argument",
    BIO_R_IN_USE = ERR_LIB_BIO, 123 => "in use",
    BIO_R_LENGTH_TOO_LONG = ERR_LIB_BIO, 102 => "length too long",
    BIO_R_LOOKUP_RETURNED_NOTHING = ERR_LIB_BIO, 142 => "lookup returned nothing",
    BIO_R_MALFORMED_HOST_OR_SERVICE = ERR_LIB_BIO, 130 => "malformed host or service",
    BIO_R_NBIO_CONNECT_ERROR = ERR_LIB_BIO, 110 => "nbio connect error",
    BIO_R_NO_HOSTNAME_OR_SERVICE_SPECIFIED = ERR_LIB_BIO, 144 => "no hostname or service specified",
    BIO_R_NO_SUCH_FILE = ERR_LIB_BIO, 128 => "no such file",
    BIO_R_TRANSFER_ERROR = ERR_LIB_BIO, 104 => "transfer error",
    BIO_R_UNABLE_TO_CREATE_SOCKET = ERR_LIB_BIO, 118 => "unable to create socket",
    BIO_R_UNINITIALIZED = ERR_LIB_BIO, 120 => "uninitialized",
    BIO_R_UNSUPPORTED_IP_FAMILY = ERR_LIB_BIO, 146 => "unsupported ip family",
    BIO_R_UNSUPPORTED_METHOD = ERR_LIB_BIO, 121 => "unsupported method",
    BIO_R_UNSUPPORTED_PROTOCOL_FAMILY = ERR_LIB_BIO, 131 => "unsupported protocol family",
    BIO_R_WRITE_TO_READ_ONLY_BIO = ERR_LIB_BIO, 126 => "write to read only BIO",
    PEM_R_BAD_BASE64_DECODE = ERR_LIB_PEM, 100 => "bad base64 decode",
    PEM_R_BAD_DECRYPT = ERR_LIB_PEM, 101 => "bad decrypt",
    PEM_R_BAD_END_LINE = ERR_LIB_PEM, 102 => "bad end line",
    PEM_R_NO_START_LINE = ERR_LIB_PEM, 108 => "no start line",
    PEM_R_PROBLEMS_GETTING_PASSWORD = ERR_LIB_PEM, 109 => "problems getting password",
    PEM_R_READ_KEY = ERR_LIB_PEM, 111 => "read key",
    PEM_R_SHORT_HEADER = ERR_LIB_PEM, 112 => "short header",
    PEM_R_UNSUPPORTED_ENCRYPTION = ERR_LIB_PEM, 114 => "unsupported encryption",
    PEM_R_UNSUPPORTED_KEY_COMPONENTS = ERR_LIB_PEM, 126 => "unsupported key components",
    X509_R_CERT_ALREADY_IN_HASH_TABLE = ERR_LIB_X509, 101 => "cert already in hash table",
    X509_R_INVALID_FIELD_NAME = ERR_LIB_X509, 119 => "invalid field name",
    X509_R_KEY_VALUES_MISMATCH = ERR_LIB_X509, 116 => "key values mismatch",
    X509_R_NO_CERT_SET_FOR_US_TO_VERIFY = ERR_LIB_X509, 105 => "no cert set for us to verify",
    X509_R_UNABLE_TO_GET_CERTS_PUBLIC_KEY = ERR_LIB_X509, 108 => "unable to get certs public key",
    X509_R_UNKNOWN_KEY_TYPE = ERR_LIB_X509, 117 => "unknown key type",
    X509_R_UNSUPPORTED_ALGORITHM = ERR_LIB_X509, 111 => "unsupported algorithm",
    EVP_R_BUFFER_TOO_SMALL = ERR_LIB_EVP, 155 => "buffer too small",
    EVP_R_DECODE_ERROR = ERR_LIB_EVP, 114 => "decode error",
    EVP_R_INVALID_DIGEST = ERR_LIB_EVP, 152 => "invalid digest",
    EVP_R_INVALID_KEY_LENGTH = ERR_LIB_EVP, 130 => "invalid key length",
    EVP_R_NO_KEY_SET = ERR_LIB_EVP, 154 => "no key set",
    EVP_R_OPERATION_NOT_SUPPORTED_FOR_THIS_KEYTYPE = ERR_LIB_EVP, 150 => "operation not supported for this keytype",
    EVP_R_UNSUPPORTED_ALGORITHM = ERR_LIB_EVP, 156 => "unsupported algorithm",
    EVP_R_UNSUPPORTED_KEY_SIZE = ERR_LIB_EVP, 108 => "unsupported key size",
    EVP_R_UNSUPPORTED_KEY_TYPE = ERR_LIB_EVP, 224 => "unsupported key type",
    EVP_R_UNSUPPORTED_PRIVATE_KEY_ALGORITHM = ERR_LIB_EVP, 118 => "unsupported private key algorithm",
    ASN1_R_BAD_OBJECT_HEADER = ERR_LIB_ASN1, 102 => "bad object header",
    ASN1_R_DECODE_ERROR = ERR_LIB_ASN1, 110 => "decode error",
    ASN1_R_HEADER_TOO_LONG = ERR_LIB_ASN1, 123 => "header too long",
    ASN1_R_NOT_ENOUGH_DATA = ERR_LIB_ASN1, 142 => "not enough data",
    ASN1_R_TOO_LONG = ERR_LIB_ASN1, 155 => "too long",
    ASN1_R_WRONG_TAG = ERR_LIB_ASN1, 168 => "wrong tag",
    RAND_R_ERROR_RETRIEVING_ENTROPY = ERR_LIB_RAND, 110 => "error retrieving entropy",
    RAND_R_GENERATE_ERROR = ERR_LIB_RAND, 112 => "generate error",
    CRYPTO_R_INVALID_NULL_ARGUMENT = ERR_LIB_CRYPTO, 109 => "invalid null argument",
    CRYPTO_R_SECURE_MALLOC_FAILURE = ERR_LIB_CRYPTO, 111 => "secure malloc failure",
    CRYPTO_R_TOO_MANY_RECORDS = ERR_LIB_CRYPTO, 114 => "too many records",
}

/// The reason text of a non-system packed code, or `None` ("reason(N)").
pub fn reason_string(lib: c_int, reason: c_int) -> Option<&'static str> {
    if lib == ERR_LIB_SSL {
        if let Some((_, t)) = SSL_REASON_STRINGS.iter().find(|(r, _)| *r == reason) {
            return Some(t);
        }
    }
    if let Some((_, _, t)) = OTHER_REASONS
        .iter()
        .find(|(l, r, _)| *l == lib && *r == reason)
    {
        return Some(t);
    }
    if reason & ERR_RFLAG_COMMON != 0 {
        if let Some((_, t)) = COMMON_REASONS.iter().find(|(r, _)| *r == reason) {
            return Some(t);
        }
    }
    None
}

/// `strerror(errno)` without the " (os error N)" suffix std adds.
pub fn system_error_string(errno: c_int) -> String {
    let mut buf = [0u8; 256];
    // SAFETY: buf is writable for its length; strerror_r (XSI) NUL-terminates on success.
    let rc = unsafe { libc::strerror_r(errno, buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return format!("reason({errno})");
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::super::ssl_reasons::*;
    use super::*;

    #[test]
    fn known_strings() {
        assert_eq!(lib_string(ERR_LIB_SSL), Some("SSL routines"));
        assert_eq!(lib_string(99), None);
        assert_eq!(
            reason_string(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED),
            Some("certificate verify failed")
        );
        assert_eq!(
            reason_string(ERR_LIB_SSL, ERR_R_PASSED_NULL_PARAMETER),
            Some("passed a null parameter")
        );
        // Common reasons only match with their flag bits, as in OpenSSL 3.0.
        assert_eq!(reason_string(ERR_LIB_OBJ, 258), None);
        assert_eq!(
            reason_string(ERR_LIB_PEM, PEM_R_NO_START_LINE),
            Some("no start line")
        );
        assert_eq!(
            system_error_string(libc::ECONNREFUSED),
            "Connection refused"
        );
    }
}
