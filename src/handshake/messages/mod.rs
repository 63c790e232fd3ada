//! Handshake message bodies (RFC 5246 §7.4, RFC 6347 §4.2/§4.3.2), one file per message.
//!
//! Each type encodes and decodes only the body, without the 12-byte DTLS header
//! ([`super::header`]). Decoders are strict: they reject trailing bytes, out-of-range
//! lengths and values the TLS 1.2 grammar forbids, and never panic.

mod certificate;
mod certificate_request;
mod certificate_verify;
mod client_hello;
mod client_key_exchange;
mod finished;
mod hello_verify_request;
mod server_hello;
mod server_hello_done;
mod server_key_exchange;

pub use certificate::Certificate;
pub use certificate_request::CertificateRequest;
pub use certificate_verify::CertificateVerify;
pub use client_hello::ClientHello;
pub use client_key_exchange::ClientKeyExchange;
pub use finished::{Finished, VERIFY_DATA_LEN};
pub use hello_verify_request::HelloVerifyRequest;
pub use server_hello::ServerHello;
pub use server_hello_done::ServerHelloDone;
pub use server_key_exchange::{ecdhe_params, ServerKeyExchange, CURVE_TYPE_NAMED_CURVE};

/// Longest session_id (RFC 5246 §7.4.1.2: `SessionID<0..32>`).
pub const MAX_SESSION_ID_LEN: usize = 32;

#[cfg(test)]
pub(crate) mod test_util {
    use crate::codec::DecodeError;

    /// Asserts that `decode` accepts `good` and rejects every strict prefix and `good`
    /// followed by one extra byte.
    pub fn check_strict<T: std::fmt::Debug>(
        good: &[u8],
        decode: fn(&[u8]) -> Result<T, DecodeError>,
    ) {
        check_strict_except(good, decode, &[]);
    }

    /// As [`check_strict`], but prefixes of the lengths in `whole` are themselves valid
    /// messages (a hello without its optional extensions block).
    pub fn check_strict_except<T: std::fmt::Debug>(
        good: &[u8],
        decode: fn(&[u8]) -> Result<T, DecodeError>,
        whole: &[usize],
    ) {
        assert!(decode(good).is_ok());
        for n in 0..good.len() {
            if !whole.contains(&n) {
                assert!(decode(&good[..n]).is_err(), "prefix of {n} bytes accepted");
            }
        }
        let mut long = good.to_vec();
        long.push(0);
        assert!(decode(&long).is_err(), "trailing byte accepted");
    }
}
