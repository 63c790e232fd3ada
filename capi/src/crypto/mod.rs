//! The libcrypto subset of the standalone build: memory, version/init, RAND, digests, HMAC,
//! keys.
pub mod digest;
pub mod hmac;
pub mod init;
pub mod keygen;
pub mod legacy;
pub mod mem;
pub mod pkey;
pub mod rand;
