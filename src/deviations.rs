//! Deviations from RFC 6347 and the RFCs it builds on, each with its reason.
//!
//! * **Renegotiation** (RFC 5746, `handshake::renegotiation`) follows OpenSSL 3.0's policy
//!   (a server refuses client-initiated renegotiation unless allowed, a client accepts a
//!   HelloRequest, `SSL_OP_NO_RENEGOTIATION` refuses both with a `no_renegotiation`
//!   warning) with two differences: a server retransmits its HelloRequest until the
//!   ClientHello comes (OpenSSL sends it once), and a `no_renegotiation` warning answering
//!   our request abandons the renegotiation and keeps the connection (OpenSSL fails it), as
//!   does a HelloRequest or renegotiating ClientHello the peer never answers (after
//!   `max_retransmits` timer expiries).
//!   When the 48-bit sequence space of an epoch is exhausted the connection is closed
//!   instead of rekeyed.
//! * **Records of a future epoch are dropped, not buffered** (RFC 6347 §4.1 permits either),
//!   in the initial handshake; the peer's retransmission recovers them. During a
//!   renegotiation, records of the next epoch are held (`record::layer::
//!   MAX_NEXT_EPOCH_RECORDS`) so application data survives the epoch change.
//! * **CBC only with encrypt_then_mac** (RFC 7366). Besides the AEAD suites (AES-GCM,
//!   ChaCha20-Poly1305, AES-CCM) rdtls has only the four ECDHE-PSK AES-CBC suites (RFC 5489),
//!   and negotiates them only with encrypt_then_mac: a server does not select a CBC suite
//!   (nor resume a CBC session) for a ClientHello without the extension, and a client given
//!   a CBC suite without it aborts with handshake_failure. RFC 7366 allows MAC-then-encrypt
//!   as the fallback; we refuse it so that no padding oracle (Lucky13 class) exists. A client
//!   sends the extension only when it offers a CBC suite (OpenSSL always sends it);
//!   `SSL_OP_NO_ENCRYPT_THEN_MAC` removes the CBC suites from the offer. CBC records in the
//!   RFC 9146 `tls12_cid` format (§5.2) are not implemented: a server using connection IDs
//!   does not select CBC, a client refuses the combination. The per-record explicit IV is
//!   the record number enciphered under the record key (NIST SP 800-38A Appendix C), not
//!   RNG output. No RC4, no NULL, no certificate-authenticated CBC suites.
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
//! * **Connection IDs (RFC 9146) are fixed by the initial handshake.** A renegotiation
//!   offers the CID in use again and keeps the CIDs whatever the peer answers (RFC 9146 §3
//!   has them negotiated afresh): the old epoch's records keep flowing until the new keys
//!   are in place. Once CIDs are negotiated a protected record in the plain format, or a
//!   `tls12_cid` record naming another CID, is dropped; no padding is added to records we
//!   send. The peer address is never changed by the engine: `Connection::last_datagram_newest`
//!   tells the caller when RFC 9146 §6 allows it. See `handshake::cid_negotiation`.
//!
//! ## DTLS over DCCP (RFC 5238)
//!
//! The engine is transport-blind; the DCCP specifics live in the C layer
//! (`capi/src/ssl/dccp.rs`) and are exercised on a real DCCP stack by `make test-dccp`.
//! What RFC 5238 asks of a DTLS implementation, and how rdtls meets it:
//! * **§3 one record per packet, several records per packet allowed** — met: a record is
//!   never split across datagrams, each datagram is one `send` (one DCCP-Data packet), and a
//!   flight packs several records into one datagram up to the MTU.
//! * **§3.5 MUST NOT use a record size greater than the DCCP MPS in force** — met: on a
//!   `SOCK_DCCP` write BIO the engine MTU is `min(SSL_set_mtu value, MPS - 16)` with the MPS
//!   from `DCCP_SOCKOPT_GET_CUR_MPS`, re-read before every flush and after `EMSGSIZE` (the
//!   MPS follows the congestion state). The 16 bytes are Ack Vector headroom that Linux 6.1
//!   leaves out of a client's MPS (computed before feature negotiation): a packet of the
//!   full client MPS is dropped on a link that is exactly that small. An `SSL_write` larger
//!   than `DTLS_get_data_mtu` is refused (`SSL_R_DTLS_MESSAGE_TOO_BIG`, the connection
//!   stays usable): DCCP cannot carry it and app data is not retransmitted.
//!   rdtls does no PMTU discovery of its own over DCCP (the "MAY use the DCCP-managed value"
//!   option); the RFC 6347 §4.1.1.1 back-off to smaller datagrams on repeated handshake
//!   timeouts still applies (the SHOULD of §3.5).
//! * **§3.5 SHOULD reset DCCP's PMTU estimate when the application resets DTLS's** — not
//!   done: Linux offers no socket call to reset DCCP's PMTU estimate.
//! * **§3.5 SHOULD drive DCCP's DF bit from the application** — as over UDP: the datagram
//!   BIO's `BIO_CTRL_DGRAM_SET_DONT_FRAG` / `MTU_DISCOVER` set `IP_MTU_DISCOVER` on the
//!   socket, an IP-level option DCCP sockets share (not exercised by the VM test).
//! * **§3.2 MUST wait for the DCCP handshake before restarting the DTLS timer** — met by
//!   construction: rdtls sends nothing in DCCP-Request packets (that is a MAY it does not
//!   use); the application hands over a connected socket (`connect`/`accept` return after
//!   the DCCP handshake), so the DTLS handshake and its timer start afterwards. A socket
//!   whose non-blocking `connect` is still in progress makes sends fail with `EAGAIN`, which
//!   rdtls reports as `SSL_ERROR_WANT_WRITE` and retries.
//! * **§3.3 SHOULD NOT retransmit a message DCCP still holds in its queue** — not done:
//!   Linux does not tell when a queued DCCP packet leaves for the IP layer. The timer starts
//!   when the datagram is handed to the socket; a full DCCP transmit queue (`EAGAIN`, even
//!   on a blocking socket) keeps the datagram in rdtls (`SSL_ERROR_WANT_WRITE`) instead of
//!   queueing more behind it.
//! * **§3.4 MUST NOT mix unprotected data with DTLS on one DCCP connection; SHOULD limit
//!   repeated DTLS connections over one DCCP connection** — the application's duty: rdtls
//!   only ever writes DTLS records to the socket and starts no connection by itself.
//! * **§3.6 service codes** — the application's (`DCCP_SOCKOPT_SERVICE`, set before
//!   `connect`/`listen`); rdtls never reads or sets it.
//! * **§3.1 sequence numbers, §3.7 versions** — nothing to do: DTLS record sequence numbers
//!   and anti-replay are independent of DCCP's, and the encapsulation is version-blind.
//!
//! ## DTLS 1.3 through `Connection` (issue 13, `crate::version`)
//!
//! * **Features our DTLS 1.3 path does not do.** A configuration or connection that uses
//!   one never runs 1.3 silently without it: it does not offer (client) or accept (server)
//!   1.3 and runs 1.2 as before, or, with `min_version` 1.3, `Connection::client` fails with
//!   `Error::Config` naming the feature and a server answers protocol_version. The list:
//!   PSK-callback suites (RFC 4279: `ConfigBuilder::psk`, a PSK identity hint,
//!   `ClientOptions::psk`, `set_psk_provider`); connection IDs longer than 20 bytes
//!   (`connection_id`; shorter ones run on 1.3, RFC 9147 §9). Renegotiation does
//!   not exist in 1.3 (`renegotiate` fails on a 1.3 connection). The timer hook
//!   (`set_timer_hook`) drives the 1.3 flights' retransmission timeout as it does 1.2's.
//! * **Server hooks on 1.3.** Application cookie hooks (`set_cookie_hooks`) ride inside
//!   the RFC 9147 §5.1 HelloRetryRequest cookie: the application's cookie is carried in
//!   ours (ours authenticated by the Config's cookie keys over the peer address and client
//!   random, the application's part handed to its verify callback), so its callbacks run
//!   as in 1.2; `CookieListener::for_config` does the same statelessly for a ClientHello
//!   offering 1.3 (`dtls13::hrr_cookie`). A ClientHello2 whose cookie is bad is dropped
//!   by the listener (a second HelloRetryRequest would abort the client, RFC 8446 §4.1.4)
//!   and fails the handshake in the engine (illegal_parameter). The ClientHello hook runs
//!   both stages on the ClientHello the server answers (after the cookie check, as in
//!   1.2; a cookie-less ClientHello1 answered by a HelloRetryRequest sees no hook), may
//!   pause, refuse or swap the configuration (certificate, ALPN, SRTP; the cookie and
//!   ticket keys stay the first configuration's); its warning alert is not sent on 1.3
//!   (TLS 1.3 has no warning alerts, RFC 8446 §6; OpenSSL suppresses it too). Its
//!   server_name acknowledgement goes into EncryptedExtensions, never on a PSK resumption
//!   (RFC 6066 §3's rule for resumption, kept on 1.3; OpenSSL's TLS 1.3 sends it). The ALPN
//!   select hook answers in EncryptedExtensions. The session lookup hook
//!   (`set_session_lookup_hook`, OpenSSL's `SSL_CTX_sess_set_get_cb`) is for session-ID
//!   resumption, which 1.3 does not have (RFC 8446 §2.2: resumption by PSK; our tickets
//!   are stateless, sealed with the Config's ticket key): a 1.3 server never calls it, as
//!   OpenSSL's TLS 1.3 server does not for stateless tickets. Key log lines on 1.3 are
//!   NSS's TLS 1.3 labels (CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET,
//!   CLIENT/SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET), emitted as each secret is derived.
//!   A server's CA list goes into the 1.3 CertificateRequest as `certificate_authorities`
//!   (RFC 8446 §4.2.4); our 1.3 client does not report the names it receives.
//! * **Setters after the offer.** A client that offered 1.3 may be given
//!   `set_psk_provider` later: before its ClientHello was handed out by `poll_transmit` it
//!   then offers 1.2 only; afterwards the setting reaches the 1.2 fallback. Once the
//!   connection is on 1.3 (or offers only 1.3), `set_psk_provider` fails the connection
//!   with `Error::Config` naming the feature (fail closed, never ignored). The server
//!   hooks set on a 1.3 server reach it (they matter only before its ServerHello).
//! * **1.2-only getters on a 1.3 connection** answer "none": `cipher_suite` (see
//!   `tls13_suite`), `peer_signature_scheme`, `psk_identity(_hint)`,
//!   `finished` (empty), `extended_master_secret`, `secure_renegotiation`. `peer_groups`
//!   and `group` do answer: the client's supported_groups (on a client, the server's from
//!   EncryptedExtensions, if any) and the key share's group (RFC 8446 §4.2.7, §4.2.8).
//!   `connection_ids` and `last_datagram_newest` do answer on 1.3 (RFC 9147 §9; `own` is
//!   the CID of ours the peer uses now, one of several after a NewConnectionId). Security
//!   getters fail closed: `verify_result` is `X509_V_ERR_UNSPECIFIED` until our verifier
//!   accepted the peer's chain, or until a handshake completed in which the peer presented
//!   none (a server that asked for no client certificate): that reads `X509_V_OK`, as in
//!   OpenSSL ("no verification error"), so a server checking it does not refuse 1.3 peers.
//! * **A 1.3-capable server decides on the first whole ClientHello.** Fragments of a first
//!   ClientHello are held (at most 8 datagrams / 32 KiB) until it is whole; other datagrams
//!   before it go to the 1.2 machine (dropped there), or are dropped by a 1.3-only server.
//! * **A dual client's 1.2 fallback** happens on a HelloVerifyRequest or a ServerHello
//!   without `supported_versions`; a ServerHello fragmented across datagrams is held (at
//!   most 8 datagrams / 32 KiB) until it is whole, then decides as a whole one does.
//! * **A 1.3 `Session`** (client side, from the newest ticket) has the TLS 1.3 suite in
//!   `suite`, SHA-256 of the ticket as `id`, an unused zero `master_secret` and the ticket
//!   in `tls13_ticket`; a 1.3 server reports no session. The C API saves it in OpenSSL's
//!   TLS 1.3 `SSL_SESSION` layout (PSK as master key, no nonce, leaf certificate only): read
//!   back, its ticket's `peer_certs` is the leaf alone and its `received` comes from the
//!   saved time in whole seconds (the obfuscated ticket age, RFC 8446 §4.2.11.1, may be off
//!   by under a second; servers tolerate that).
//! * **A 1.3 resumption verifies nothing cryptographic** (as OpenSSL restores a session's
//!   `verify_result`): the ticket keeps its connection's verify result and the resumption
//!   reports it. Unlike OpenSSL, the client matches the stored leaf against this
//!   connection's names first (RFC 8446 §4.6.1): under enforced verification a ticket
//!   whose leaf does not cover the name is not offered; unenforced it is, and a stored
//!   `X509_V_OK` reads as the hostname mismatch (62/64) instead. A stored error under
//!   enforced verification (a verify callback let it pass) runs the verifier again before
//!   the offer. The saved `SSL_SESSION` writes `[5]` verify_result even when 0 (OpenSSL
//!   omits 0 and reads either form); one read back without it is "not recorded": its
//!   chain is verified once before the ticket is offered.
