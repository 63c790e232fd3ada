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
//! Time is always an argument and must be monotonic. Every `Err` returned is fatal for the
//! connection; malformed, unauthenticated or replayed records are dropped silently and
//! counted in [`Stats`] (RFC 6347 §4.1.2.7), never returned as errors.
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
pub mod app_data;
pub mod cid;
pub mod client_hello_hook;
pub mod codec;
pub mod config;
pub mod connection;
pub mod cookie;
pub mod crypto;
pub mod deviations;
#[doc(hidden)]
pub mod dtls13;
pub mod enums;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod handshake;
pub mod input_policy;
pub mod pki;
mod reconfigure;
pub mod record;
pub mod session;
pub mod srtp;
pub mod transmit;

pub use client_hello_hook::{
    ClientHelloHook, ClientHelloInfo, EarlyDecision, EarlyHello, HelloDecision, HelloRejection,
};
pub use config::{Config, ConfigBuilder, VerifyMode};
pub use connection::{ClientOptions, Connection, Event, Stats};
pub use error::{AlertDescription, AlertLevel, Error};
pub use handshake::renegotiation::RenegotiationPolicy;
pub use transmit::Transmit;
