//! DTLS 1.3 (RFC 9147) building blocks.

pub mod ack;
pub mod extensions;
pub mod key_schedule;
pub mod record_protection;
pub mod unified_header;
