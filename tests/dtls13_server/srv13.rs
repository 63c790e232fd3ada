//! Our sans-IO DTLS 1.3 server (`rdtls::dtls13::server::Server13`) as an [`Endpoint`] of
//! the simulated link, wrapped as the client is (`crate::ours13::wrap13!`).
//!
//! [`Endpoint`]: crate::common::link::Endpoint

use rdtls::dtls13::server::{Server13, ServerEvent13, ServerOptions13};

crate::ours13::wrap13!(
    OursS13,
    s,
    Server13,
    ServerEvent13,
    ServerOptions13,
    "server"
);
