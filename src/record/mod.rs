//! The DTLS record layer (RFC 6347 §4.1): header codec (`header`), anti-replay window
//! (`replay`), AEAD record protection (`protection`), AES-CBC + HMAC with encrypt_then_mac (`cbc`), the RFC 9146 `tls12_cid` format (`cid_record`) and epoch/sequence bookkeeping
//! (`layer`).

pub mod cbc;
pub mod cid_record;
pub mod header;
pub mod layer;
pub mod protection;
pub mod replay;
