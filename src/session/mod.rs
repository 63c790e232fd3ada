//! Session resumption state: the server-side session cache (RFC 5246 §7.4.1.2 session IDs).

pub mod cache;
