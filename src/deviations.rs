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
//!   is remembered and, while it is pending, our last flight is resent every 200 ms
//!   (`input_policy::VERDICT_PROBE_INTERVAL`, faster than RFC 6347 §4.2.4.1's 1 s: a second
//!   deviation, at most four datagrams per alert, not counted as timeouts). It ends the
//!   handshake (naming that alert) only without progress: at once when the peer repeats a
//!   rejection after a probe (RFC 6347 §4.2.7), else after `input_policy::VERDICT_EXPIRIES`
//!   (5) expiries, 1 s after the alert (OpenSSL 3.0 sends its alert once: its rejections
//!   take this path). After the handshake it is dropped. A plaintext handshake message of
//!   the wrong type for the state, or that does not decode, is treated the same way. See
//!   `crate::input_policy`. Residual risk: a forged alert is obeyed if the link loses the
//!   genuine flight and the round trip of every probe (about 10^-4 per injection under 10%
//!   loss; none in 7,600 attacked handshakes of tests/offpath.rs, OFFPATH_ROUNDS=30).
//!   A peer answers a retransmitted flight at most every eighth of its initial timeout.
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
