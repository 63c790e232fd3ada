//! Deviations from RFC 6347 and the RFCs it builds on, each with its reason.
//!
//! * **Renegotiation is not supported.** A ClientHello (server side) or HelloRequest (client
//!   side) after the handshake is answered with a `no_renegotiation` warning alert (RFC 5746
//!   §4.5 allows refusing; BoringSSL does the same). When the 48-bit sequence space of an
//!   epoch is exhausted the connection is closed instead of rekeyed.
//! * **Records of a future epoch are dropped, not buffered** (RFC 6347 §4.1 permits either).
//!   The peer's retransmission recovers them.
//! * **Only AEAD cipher suites** (AES-GCM, ChaCha20-Poly1305); no CBC, no RC4, no NULL.
//! * **ECDHE and signatures use the OS RNG** even when a test seeds the engine RNG, because
//!   `ring` does not accept a caller-supplied RNG.
