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
//! * **An early ChangeCipherSpec is dropped**, not buffered: one that arrives before the
//!   messages that precede it (reordering, loss) is discarded and the peer's retransmission
//!   delivers it again (RFC 6347 §4.2.5 allows either; OpenSSL also discards).
//! * **Certificate validity uses the system wall clock.** Everything else takes time as an
//!   argument; X.509 validity periods are calendar dates an `Instant` cannot express.
//! * **Sequence-number exhaustion is fatal.** `send` then fails with
//!   `Error::SequenceExhausted`; no close_notify can be sent without a sequence number.
//! * **HelloVerifyRequest is not retransmitted** by a server (RFC 6347 §4.2.1: the server
//!   stays stateless; the client's timer resends the ClientHello).
