//! Deviations from RFC 6347 and the RFCs it builds on, each with its reason.
//!
//! * **Renegotiation is not supported.** A ClientHello (server side) or HelloRequest (client
//!   side) after the handshake is answered with a `no_renegotiation` warning alert (RFC 5746
//!   §4.5 allows refusing; BoringSSL does the same), whatever its `message_seq`
//!   (`handshake::renegotiation`). This is OpenSSL 3.0's default for client-initiated
//!   requests; OpenSSL's client accepts a server's HelloRequest unless
//!   `SSL_OP_NO_RENEGOTIATION` is set, and `SSL_OP_ALLOW_CLIENT_RENEGOTIATION` makes its
//!   server accept: rdtls refuses in both cases. When the 48-bit sequence space of an
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
//! * **Plaintext alerts during the handshake are not obeyed at once** (RFC 5246 §7.2 says a
//!   fatal alert closes the connection immediately). An epoch-0 alert is unauthenticated: it
//!   is remembered and ends the handshake (naming that alert) only if the handshake makes no
//!   progress across `input_policy::VERDICT_EXPIRIES` (2) retransmission timer expiries;
//!   after the handshake it is dropped. A plaintext handshake message of the wrong type for
//!   the state, or that does not decode, is treated the same way. See `crate::input_policy`.
//!   A genuine rejection therefore fails about two seconds later than in OpenSSL (the timer
//!   is not doubled while a verdict is pending, a second deviation from RFC 6347 §4.2.4.1).
//!   Residual risk: a forged alert is obeyed if the link also loses everything the genuine
//!   peer sends for those two periods (about 2% of handshakes under 10% loss when the
//!   attacker injects at every state, tests/offpath.rs).
//! * **Plaintext handshake fragments are screened before buffering:** a partial message of
//!   a type the current state cannot take at the expected `message_seq` is dropped, and when
//!   two plaintext versions of one message conflict a whole message (else the one with more
//!   bytes) wins, so a forged partial cannot lock out the genuine message.
//! * **Replay windows of unprotected epochs are advisory** (RFC 6347 §4.1.2.6 describes one
//!   window per epoch): in epoch 0 nothing is dropped as too old, a record marks the window
//!   only once the handshake accepted it, by at most `input_policy::MAX_UNPROTECTED_SEQ_JUMP`,
//!   and a window hit drops only non-handshake records (a forged fragment may have marked the
//!   number the genuine peer uses next). Handshake reassembly de-duplicates epoch-0 messages
//!   by `message_seq`.
//! * **A server continues from the ClientHello's record sequence number** (RFC 6347 §4.2.1)
//!   only when that leaves `input_policy::EPOCH0_WRITE_SEQ_HEADROOM` numbers of room;
//!   otherwise it uses its own counter.
//! * **The previous read epoch is retired** as soon as the handshake's final flight was
//!   received, or, on the side that sent it, when the peer's first authenticated
//!   non-handshake record of the new epoch arrives, at the latest
//!   `input_policy::PREVIOUS_EPOCH_LINGER` (the TCP MSL, RFC 6347 §4.1) after completion.
//!   Our last flight is freed at the same moment: retransmissions of the peer's last flight
//!   after that are no longer answered.
//! * **A new association's ClientHello on a live one** (RFC 6347 §4.2.8): an epoch-0
//!   ClientHello with another client random reaching a server mid-handshake or established
//!   is answered statelessly with a HelloVerifyRequest; when it returns a valid cookie the
//!   old association ends (with the plaintext alert it was remembering, if any, else
//!   `Error::NewAssociation`). OpenSSL 3.0 instead drops it once established (checked with
//!   two clients on `s_server` without `-listen`: the second hangs) and does not look for
//!   a new association mid-handshake. See `handshake::new_association`.
//! * **A session resumes only under the server name it was made for** (RFC 6066 §3 "MUST
//!   NOT accept the request to resume the session if the server_name extension contains a
//!   different name"). This follows the RFC, not OpenSSL 3.0, which resumes a TLS 1.2 / DTLS
//!   session whatever name the new ClientHello carries (checked with `openssl s_server
//!   -dtls1_2` and `s_client -sess_in -servername`). See `handshake::server_resumption`.
//! * **Connection IDs (RFC 9146) are fixed by the initial handshake.** A renegotiation (or
//!   a resumption on the same association) keeps the CIDs already in use (RFC 9146 §3 has
//!   them negotiated afresh): the old epoch's records keep flowing until the new keys are
//!   in place. Once CIDs are negotiated a protected record in the plain format, or a
//!   `tls12_cid` record naming another CID, is dropped; no padding is added to records we
//!   send. The peer address is never changed by the engine: `Connection::last_datagram_newest`
//!   tells the caller when RFC 9146 §6 allows it. See `handshake::cid_negotiation`.
