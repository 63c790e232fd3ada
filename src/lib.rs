//! # rdtls — DTLS 1.2 (RFC 6347) as a sans-IO engine
//!
//! The engine has no sockets and no clock. The caller drives a [`Connection`]:
//!
//! * **input**: [`Connection::handle_datagram`] with each received UDP payload, and
//!   [`Connection::handle_timeout`] when the deadline from [`Connection::poll_timeout`] passes;
//! * **output**: [`Connection::poll_transmit`] until it returns `None` (each call yields one
//!   datagram), then [`Connection::poll_timeout`], then [`Connection::poll_event`];
//! * **application data**: [`Connection::send`] (one record, one datagram) and
//!   [`Connection::recv`].
//!
//! Time is always an argument and must be monotonic. Every [`Error`] returned is fatal for
//! the connection; [`Connection::send`] refusing data ([`SendError`], e.g. a full output
//! queue) is not, unless it says the connection failed ([`SendError::Failed`]). Malformed,
//! unauthenticated or replayed records are dropped silently and counted in [`Stats`]
//! (RFC 6347 §4.1.2.7), never returned as errors.
//!
//! A server normally sits behind [`cookie::CookieListener`], the stateless front door that
//! answers ClientHellos with HelloVerifyRequest and allocates nothing until a cookie verifies
//! (RFC 6347 §4.2.1).
//!
//! ## Certificates
//! [`Config::builder`] is secure by default: the peer's chain is verified
//! ([`VerifyMode::Peer`], rustls-webpki through [`pki::verifier::WebpkiVerifier`]) and a
//! client checks the server's name: [`ClientOptions::verify_names`], or the SNI
//! `server_name` when that list is empty; with neither, [`Connection::client`] refuses to
//! start. Opting out is explicit:
//! `ConfigBuilder::dangerous().disable_hostname_verification()`, or `VerifyMode::None`
//! (the result is then only recorded). [`ConfigBuilder::verifier`] and
//! [`Connection::set_verifier`] plug in another [`pki::verifier::CertVerifier`].
//!
//! ## Deviations from RFC 6347
//! Listed in [`deviations`].
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod alpn;
mod app_data;
pub mod cid;
pub mod client_hello_hook;
pub(crate) mod codec;
pub mod config;
pub mod connection;
pub mod cookie;
pub(crate) mod crypto;
pub mod deviations;
#[doc(hidden)]
pub mod dtls13;
pub mod enums;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub(crate) mod handshake;
pub(crate) mod input_policy;
pub mod pki;
mod reconfigure;
pub(crate) mod record;
pub mod session;
pub mod srtp;
pub mod transmit;
pub(crate) mod version;

/// Cipher suites: what [`ConfigBuilder::cipher_suites`] takes and
/// [`Connection::cipher_suite`] reports.
pub mod suites {
    pub use crate::crypto::suites::*;
    pub use crate::crypto::HashAlg;
}

/// Pre-shared keys (RFC 4279): the provider a client or server looks keys up in.
pub mod psk {
    pub use crate::handshake::psk::{
        PskProvider, StaticPsk, PSK_MAX_IDENTITY_LEN, PSK_MAX_PSK_LEN,
    };
}

/// Engine internals for the fuzz targets, benches, integration tests and the C ABI crate
/// (`capi/`). Not part of the API: no stability promise, may change in any release.
#[doc(hidden)]
pub mod __internal {
    /// Byte readers and writers.
    pub mod codec {
        pub use crate::codec::*;
    }
    /// PRF, key schedule, record AEADs, transcript, key agreement.
    pub mod crypto {
        pub use crate::crypto::*;
    }
    /// Handshake messages, fragmentation, reassembly and the state machine.
    pub mod handshake {
        pub use crate::handshake::*;
    }
    /// The DER walker under the certificate and key parsers.
    pub mod der {
        pub use crate::pki::der::*;
    }
    /// The unauthenticated-input policy and its bounds.
    pub mod input_policy {
        pub use crate::input_policy::*;
    }
    /// Record layer: headers, protection, replay window.
    pub mod record {
        pub use crate::record::*;
    }
}

pub use app_data::AppData;
pub use client_hello_hook::{
    ClientHelloHook, ClientHelloInfo, EarlyDecision, EarlyHello, HelloDecision, HelloRejection,
};
pub use config::{Config, ConfigBuilder, VerifyMode, DTLS1_2_VERSION, DTLS1_3_VERSION};
pub use connection::{ClientOptions, Connection, Event, Stats};
pub use dtls13::record_protection::Suite13;
pub use error::{AlertDescription, AlertLevel, Error, SendError, Unshared};
pub use handshake::renegotiation::RenegotiationPolicy;
pub use transmit::Transmit;
