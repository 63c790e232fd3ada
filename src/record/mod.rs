//! The DTLS record layer (RFC 6347 §4.1): header codec (`header`), anti-replay window
//! (`replay`), AEAD record protection (`protection`) and epoch/sequence bookkeeping
//! (`layer`).

pub mod header;
pub mod layer;
pub mod protection;
pub mod replay;
