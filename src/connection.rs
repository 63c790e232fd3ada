//! `Connection`: one DTLS association, driven by the caller (sans-IO).
//!
//!
//! A thin handle over the state machine in `handshake::machine`; see the crate docs for
//! the calling contract (input, output, timers, events).

use std::sync::Arc;
use std::time::Instant;

use crate::config::Config;
use crate::crypto::suites::CipherSuite;
use crate::enums::{HandshakeType, NamedGroup, SignatureScheme};
use crate::error::{AlertDescription, AlertLevel, Error, SendError};
use crate::session::cache::Session;

/// Options for a client connection.
#[derive(Default, Clone)]
pub struct ClientOptions {
    /// Sent as SNI (RFC 6066 §3); also the name the certificate is checked against when
    /// `verify_names` is empty and the config checks hostnames.
    pub server_name: Option<String>,
    /// Names the server certificate must match (any one of them), kept apart from the SNI
    /// name (OpenSSL's `SSL_set1_host`/`SSL_add1_host`). Empty: `server_name` is used.
    pub verify_names: Vec<String>,
    /// A session to resume (abbreviated handshake, RFC 5246 §7.3).
    pub resume: Option<Session>,
    /// This connection's PSK provider (OpenSSL's per-`SSL` PSK client callback), used
    /// instead of the configuration's; with one, the configuration's PSK suites are offered.
    pub psk: Option<std::sync::Arc<dyn crate::handshake::psk::PskProvider>>,
}

/// Something that happened, for the application (drained with [`Connection::poll_event`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The handshake completed; application data may flow.
    HandshakeComplete,
    /// The peer sent close_notify.
    PeerClosed,
    /// An alert arrived from the peer.
    AlertReceived {
        /// Warning or fatal.
        level: AlertLevel,
        /// What the alert says.
        description: AlertDescription,
    },
    /// We sent an alert.
    AlertSent {
        /// Warning or fatal.
        level: AlertLevel,
        /// What the alert says.
        description: AlertDescription,
    },
    /// A handshake message was sent or received (only with `message_events`).
    HandshakeMessage {
        /// True when we sent it.
        sent: bool,
        /// The handshake message type.
        msg_type: HandshakeType,
        /// The whole message, 12-byte DTLS header included (as OpenSSL's msg callback);
        /// empty on DTLS 1.2 with `message_event_bodies(false)`.
        bytes: Vec<u8>,
    },
    /// The 13-byte header of a record sent or received (only with `record_headers`; what
    /// OpenSSL reports to its message callback as `SSL3_RT_HEADER`).
    RecordHeader {
        /// True when we sent it.
        sent: bool,
        /// The header as on the wire.
        header: [u8; 13],
    },
    /// The header of a DTLS 1.3 record sent or received (only with `record_headers`): the
    /// 13-byte DTLSPlaintext header of an epoch-0 record, or the unified header of a
    /// protected one (RFC 9147 §4) as on the wire, its sequence number still encrypted.
    /// Received headers are reported for records that authenticated.
    RecordHeader13 {
        /// True when we sent it.
        sent: bool,
        /// The header bytes.
        header: Vec<u8>,
    },
    /// An NSS key log line, without trailing newline (only with `keylog`).
    KeyLog(String),
    /// DTLS 1.3: an ACK (RFC 9147 §7) sent or received (only with `message_events`).
    Ack {
        /// True when we sent it.
        sent: bool,
        /// The acknowledged record numbers, (epoch, sequence number).
        records: Vec<(u64, u64)>,
    },
    /// DTLS 1.3 client: the server sent a ticket (RFC 8446 §4.6.1); [`Connection::session`]
    /// now returns a session that resumes with it.
    NewSessionTicket,
}

/// Counters of dropped input and retransmissions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Records that authenticated and were processed.
    pub records_received: u64,
    /// Records dropped for any reason (malformed, wrong epoch, replay, bad MAC, policy).
    pub records_dropped: u64,
    /// Of those, replays caught by the anti-replay window (RFC 6347 §4.1.2.6).
    pub records_replayed: u64,
    /// Of those, records whose AEAD tag did not verify.
    pub records_bad_auth: u64,
    /// Flight retransmissions (timer expiries and answers to peer retransmissions).
    pub retransmits: u64,
    /// Datagrams handed out by `poll_transmit`.
    pub datagrams_sent: u64,
}

/// One DTLS 1.2 or 1.3 association (the version is negotiated, see `crate::version`).
pub struct Connection {
    /// The 1.2 machine or the 1.3 connection, each boxed: the state is a few KiB, and a
    /// handle that moves cheaply matters to callers that keep connections in maps or move
    /// them across threads.
    pub(crate) inner: crate::version::Engine,
}

impl Connection {
    /// A client connection; the first flight (ClientHello) is ready in `poll_transmit`.
    /// With `max_version` DTLS 1.3 the one ClientHello offers 1.3 and (unless
    /// `min_version` is 1.3) 1.2, and the connection continues as the server picks.
    pub fn client(config: Arc<Config>, now: Instant, opts: ClientOptions) -> Result<Self, Error> {
        Ok(Self {
            inner: crate::version::Engine::client(config, now, opts)?,
        })
    }

    /// A server connection for the peer identified by `peer_addr` (any stable bytes, used
    /// for cookies). Feed it the ClientHello datagram with `handle_datagram`. With
    /// `max_version` DTLS 1.3 the first ClientHello decides the version.
    pub fn server(config: Arc<Config>, now: Instant, peer_addr: &[u8]) -> Self {
        Self {
            inner: crate::version::Engine::server(config, now, peer_addr),
        }
    }

    /// Processes one received datagram. Noise is dropped silently and counted; `Err` is fatal.
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        self.inner.handle_datagram(now, datagram)
    }

    /// Like `handle_datagram`, but the records are decrypted in place in `datagram` (no copy
    /// into an engine buffer); the buffer then comes back from [`Connection::recv_record`]
    /// when it held application data, else it is kept for reuse. Size it to the datagram
    /// (a buffer much larger than a record's payload is copied out of, to bound the memory
    /// held by buffered records).
    pub fn handle_datagram_owned(&mut self, now: Instant, datagram: Vec<u8>) -> Result<(), Error> {
        self.inner.handle_datagram_owned(now, datagram)
    }

    /// Like `handle_datagram`, but the records are decrypted in place in `datagram` (its
    /// bytes are overwritten) and, when the datagram brings application data while none is
    /// buffered, the first record's plaintext is copied straight into `out`: the only copy
    /// between the caller's receive buffer and its read buffer (OpenSSL's `SSL_read` copies
    /// once too). Returns the bytes written to `out`; a record longer than `out` keeps its
    /// rest for [`Connection::recv`], and other records are buffered as with
    /// `handle_datagram`. An empty `out` takes nothing.
    #[inline]
    pub fn handle_datagram_into(
        &mut self,
        now: Instant,
        datagram: &mut [u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        self.inner.handle_datagram_into(now, datagram, out)
    }

    /// Writes the next datagram to send into `buf` (cleared first) and returns its length.
    #[inline]
    #[must_use]
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        self.inner.poll_transmit(now, buf)
    }

    /// True when `poll_transmit` has a datagram to hand out (a cheap check before setting up
    /// a send).
    #[inline]
    #[must_use]
    pub fn has_transmit(&self) -> bool {
        self.inner.has_transmit()
    }

    /// Writes the next batch of datagrams into `buf` (cleared first), back to back, at most
    /// `max_segments` of them (capped at [`crate::transmit::MAX_BATCH_SEGMENTS`]): a whole
    /// flight comes out in one call when its datagrams fit the GSO rule (all of one size but
    /// the last, which may be shorter). Send it with one `sendmmsg` or one `UDP_SEGMENT`
    /// send; [`crate::transmit::Transmit::datagrams`] splits it. Mixes freely with
    /// [`Connection::poll_transmit`], which hands out one datagram.
    #[inline]
    #[must_use]
    pub fn poll_transmit_batch(
        &mut self,
        now: Instant,
        buf: &mut Vec<u8>,
        max_segments: usize,
    ) -> Option<crate::transmit::Transmit> {
        self.inner.poll_transmit_batch(now, buf, max_segments)
    }

    /// When `handle_timeout` must next be called, if a timer is armed.
    #[inline]
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.inner.poll_timeout()
    }

    /// Fires expired timers (retransmission, give-up). Spurious calls do nothing.
    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.inner.handle_timeout(now)
    }

    /// Next application-visible event.
    #[inline]
    #[must_use]
    pub fn poll_event(&mut self) -> Option<Event> {
        self.inner.poll_event()
    }

    /// Queues `data` as one application data record (one datagram). Up to 2^14 bytes are
    /// accepted whatever the MTU (as OpenSSL does): a record over [`Connection::data_mtu`]
    /// leaves as one datagram larger than the MTU, which IP fragments. Larger `data` is
    /// refused with [`SendError::TooLarge`]. Only [`SendError::Failed`] is fatal; after the
    /// other refusals the connection stays usable.
    #[inline]
    pub fn send(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.inner.send(data)
    }

    /// Like [`Connection::send`], but the record is appended to `out` (the caller's
    /// transmit buffer, e.g. the memory its transport writes from) instead of queued for
    /// `poll_transmit`: sealed in place there, one copy of `data` in all. Returns
    /// `Ok(true)` when it went into `out`, `Ok(false)` when it was queued as `send` does
    /// because datagrams were already waiting (order is kept): then drain `poll_transmit`
    /// as usual (also after `Ok(true)`: DTLS 1.3 may queue a KeyUpdate behind the record).
    /// `out` is unchanged on error.
    #[inline]
    pub fn send_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<bool, SendError> {
        self.inner.send_into(data, out)
    }

    /// Reads received application data into `buf`; a record larger than `buf` is returned
    /// over several calls. `None` when nothing is buffered.
    #[inline]
    pub fn recv(&mut self, buf: &mut [u8]) -> Option<usize> {
        self.inner.recv(buf, false)
    }

    /// The next received application data record, whole, in the buffer it was decrypted in
    /// (no copy; what `recv` already returned of it is skipped). `None` when nothing is
    /// buffered.
    #[inline]
    pub fn recv_record(&mut self) -> Option<crate::app_data::AppData> {
        self.inner.recv_record()
    }

    /// Like `recv` but leaves the data buffered.
    #[inline]
    pub fn peek(&mut self, buf: &mut [u8]) -> Option<usize> {
        self.inner.recv(buf, true)
    }

    /// Bytes of application data buffered in the current record.
    #[inline]
    pub fn pending(&self) -> usize {
        self.inner.pending()
    }

    /// Memory held by received application data waiting for `recv`, in bytes (bounded by
    /// [`crate::input_policy::MAX_BUFFERED_APP_BYTES`]).
    pub fn buffered_app_bytes(&self) -> usize {
        self.inner.buffered_app_bytes()
    }

    /// True when any received application data is buffered.
    #[inline]
    pub fn has_pending(&self) -> bool {
        self.inner.has_pending()
    }

    /// Sends close_notify (once). Further `send` calls fail.
    pub fn close(&mut self) {
        self.inner.close()
    }

    /// True once the handshake has completed (also while a renegotiation runs: data
    /// flows meanwhile).
    #[inline]
    pub fn is_established(&self) -> bool {
        self.inner.is_established()
    }

    /// True while a handshake is in progress.
    pub fn is_handshaking(&self) -> bool {
        self.inner.is_handshaking()
    }

    /// True when we sent close_notify.
    pub fn close_sent(&self) -> bool {
        self.inner.close_sent()
    }

    /// True when the peer sent close_notify.
    #[inline]
    pub fn close_received(&self) -> bool {
        self.inner.close_received()
    }

    /// The fatal error that ended the connection, if any.
    #[inline]
    pub fn error(&self) -> Option<&Error> {
        self.inner.error()
    }

    /// True for a client.
    pub fn is_client(&self) -> bool {
        self.inner.is_client()
    }

    /// Short state name (OpenSSL `SSL_state_string_long` style).
    pub fn state_name(&self) -> &'static str {
        self.inner.state_name()
    }

    /// Negotiated version (0xfefd, or 0xfefc for DTLS 1.3) once known.
    #[inline]
    pub fn protocol_version(&self) -> Option<u16> {
        self.inner.protocol_version()
    }

    /// Negotiated DTLS 1.2 suite once known (None on DTLS 1.3: see `tls13_suite`).
    pub fn cipher_suite(&self) -> Option<&'static CipherSuite> {
        self.inner.cipher_suite()
    }

    /// Negotiated TLS 1.3 suite of a DTLS 1.3 connection, once known.
    pub fn tls13_suite(&self) -> Option<crate::Suite13> {
        self.inner.tls13_suite()
    }

    /// DTLS 1.3: queues a KeyUpdate (RFC 9147 §8, RFC 8446 §4.6.3), asking the peer to
    /// update its keys too when `request_peer`. [`SendError::WrongVersion`] on DTLS 1.2,
    /// [`SendError::NotEstablished`] before the handshake completed, [`SendError::Full`]
    /// while an earlier flight of ours (or KeyUpdate) is unacknowledged (retry later).
    pub fn key_update(&mut self, now: Instant, request_peer: bool) -> Result<(), SendError> {
        self.inner.key_update(now, request_peer)
    }

    /// `Some(request_peer)` from [`Connection::key_update`] until that KeyUpdate has been
    /// handed out by `poll_transmit`, else None (OpenSSL's `SSL_get_key_update_type`).
    pub fn pending_key_update(&self) -> Option<bool> {
        self.inner.pending_key_update()
    }

    /// Negotiated ECDHE group (full handshakes).
    pub fn group(&self) -> Option<NamedGroup> {
        self.inner.group()
    }

    /// Signature scheme the peer used in its handshake signature.
    pub fn peer_signature_scheme(&self) -> Option<SignatureScheme> {
        self.inner.peer_signature_scheme()
    }

    /// The peer's certificate chain, leaf first (DER). Empty when none.
    pub fn peer_certificates(&self) -> &[Vec<u8>] {
        self.inner.peer_certificates()
    }

    /// PSK suites: the identity the client sent (both sides; `SSL_get_psk_identity`).
    pub fn psk_identity(&self) -> Option<&[u8]> {
        self.inner.psk_identity()
    }

    /// Uses `provider` for this connection's PSK suites instead of the configuration's
    /// (OpenSSL's per-`SSL` PSK callbacks); call before the handshake starts. With a
    /// provider, the configuration's PSK suites are offered / negotiable.
    pub fn set_psk_provider(
        &mut self,
        provider: std::sync::Arc<dyn crate::handshake::psk::PskProvider>,
    ) {
        self.inner.set_psk_provider(provider);
    }

    /// PSK client: the server's identity hint, if it sent a non-empty one.
    pub fn psk_identity_hint(&self) -> Option<&[u8]> {
        self.inner.psk_identity_hint()
    }

    /// OpenSSL `X509_V_*` result of verifying the peer (0 = ok; 0 also when not verified).
    pub fn verify_result(&self) -> i32 {
        self.inner.verify_result()
    }

    /// Replaces the config's certificate verifier for this connection only (the C API
    /// uses this to reach the application's verify callback).
    pub fn set_verifier(&mut self, verifier: Box<dyn crate::pki::verifier::CertVerifier>) {
        self.inner.set_verifier(verifier)
    }

    /// Installs application cookie hooks used when this server performs the cookie
    /// exchange itself (OpenSSL's cookie generate/verify callbacks with `SSL_accept`).
    pub fn set_cookie_hooks(&mut self, hooks: Box<dyn crate::cookie::CookieHooks + Send>) {
        self.inner.set_cookie_hooks(hooks)
    }

    /// Installs a server's ClientHello hook: called once per ClientHello after the cookie
    /// check and session lookup, before the ServerHello (see [`crate::client_hello_hook`]).
    pub fn set_client_hello_hook(&mut self, hook: Box<dyn crate::ClientHelloHook>) {
        self.inner.set_client_hello_hook(hook)
    }

    /// Installs a server's external session store, asked for offered session IDs the
    /// session cache lacks or is not consulted for (OpenSSL's get-session callback).
    pub fn set_session_lookup_hook(&mut self, hook: crate::session::SessionLookupHook) {
        self.inner.set_session_lookup_hook(hook)
    }

    /// True while a server waits for its paused ClientHello hook (see
    /// [`crate::HelloDecision::pause`]).
    pub fn client_hello_pending(&self) -> bool {
        self.inner.client_hello_pending()
    }

    /// Runs a paused ClientHello hook again and, when it decides, answers the ClientHello.
    /// Does nothing when no ClientHello is parked. `Err` is fatal.
    pub fn resume_client_hello(&mut self, now: Instant) -> Result<(), Error> {
        self.inner.resume_client_hello(now)
    }

    /// The session, for resumption (clients) or inspection, once established.
    pub fn session(&self) -> Option<Session> {
        self.inner.session()
    }

    /// True when the handshake resumed a session.
    pub fn session_reused(&self) -> bool {
        self.inner.session_reused()
    }

    /// Server: the groups of the client's supported_groups extension, in its order (empty
    /// without one; OpenSSL's `SSL_get1_groups`). A 1.3 client: the server's list from
    /// EncryptedExtensions, if it sent one (RFC 8446 §4.2.7).
    pub fn peer_groups(&self) -> &[NamedGroup] {
        self.inner.peer_groups()
    }

    /// Server: true when the client offered a session ID that the session cache was asked
    /// for and did not have (OpenSSL's `SSL_CTX_sess_misses` counts these).
    pub fn session_cache_miss(&self) -> bool {
        self.inner.session_cache_miss()
    }

    /// SNI the client asked for (server side) or sent (client side).
    pub fn server_name(&self) -> Option<&str> {
        self.inner.server_name()
    }

    /// True when extended_master_secret was negotiated (RFC 7627).
    pub fn extended_master_secret(&self) -> bool {
        self.inner.extended_master_secret()
    }

    /// Our and the peer's Finished verify_data (latest handshake).
    pub fn finished(&self) -> (&[u8], &[u8]) {
        self.inner.finished()
    }

    /// The 32-byte client random and server random.
    pub fn randoms(&self) -> Option<([u8; 32], [u8; 32])> {
        self.inner.randoms()
    }

    /// The SRTP protection profile negotiated with `use_srtp` (RFC 5764 §4.1.1), if any.
    pub fn srtp_profile(&self) -> Option<&'static crate::srtp::SrtpProfile> {
        self.inner
            .srtp_profile()
            .and_then(crate::srtp::profile_by_id)
    }

    /// The connection IDs in use (RFC 9146; on DTLS 1.3 RFC 9147 §9), once both hellos
    /// carried `connection_id`: `own` is what the peer's records carry (on 1.3 the one of
    /// ours it uses now), `peer` what ours carry (either may be empty).
    #[inline]
    pub fn connection_ids(&self) -> Option<&crate::cid::ConnectionIds> {
        self.inner.connection_ids()
    }

    /// True when the datagram last given to `handle_datagram` held a record that
    /// authenticated and is newer (epoch, sequence) than every record before it. RFC 9146
    /// §6: only then may the caller move the association to the datagram's source address;
    /// replayed, reordered or forged datagrams from a new address leave it where it is.
    #[inline]
    pub fn last_datagram_newest(&self) -> bool {
        self.inner.last_datagram_newest()
    }

    /// DTLS 1.3 (RFC 9147 §9): asks the peer for `n` (1..=255) more CIDs with a
    /// RequestConnectionId; they arrive as spares (see
    /// [`use_spare_connection_id`](Self::use_spare_connection_id)). Refused
    /// (`Error::InvalidState`, the connection is unchanged) on DTLS 1.2, before the
    /// handshake completed, when the peer's CID is empty or not negotiated, or while
    /// another flight of ours is unacknowledged.
    pub fn request_connection_ids(&mut self, now: Instant, n: u8) -> Result<(), Error> {
        self.inner.request_connection_ids(now, n)
    }

    /// DTLS 1.3 (RFC 9147 §9): hands the peer `count` (1..=4) fresh CIDs of ours in a
    /// NewConnectionId; with `immediate` the peer must use the first from now on
    /// (`cid_immediate`), else they are spares. Refused as
    /// [`request_connection_ids`](Self::request_connection_ids) is, and when our CID is
    /// empty.
    pub fn issue_connection_ids(
        &mut self,
        now: Instant,
        count: usize,
        immediate: bool,
    ) -> Result<(), Error> {
        self.inner.issue_connection_ids(now, count, immediate)
    }

    /// DTLS 1.3 (RFC 9147 §9): our records carry the peer's next spare CID from now on
    /// (a fresh CID for a new path, so the paths cannot be linked). False when the peer
    /// gave us no spare (or on DTLS 1.2).
    pub fn use_spare_connection_id(&mut self) -> bool {
        self.inner.use_spare_connection_id()
    }

    /// DTLS 1.3: how many spare CIDs of the peer we hold (0 on DTLS 1.2).
    pub fn spare_peer_connection_ids(&self) -> usize {
        self.inner.spare_peer_connection_ids()
    }

    /// The application protocol negotiated with ALPN (RFC 7301), if any.
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.inner.alpn_protocol()
    }

    /// Server: the hook that chooses an ALPN protocol from the client's offer. Without one a
    /// server ignores ALPN (as OpenSSL without `SSL_CTX_set_alpn_select_cb`).
    pub fn set_alpn_select_hook(&mut self, hook: crate::alpn::AlpnSelectHook) {
        self.inner.set_alpn_hook(hook);
    }

    /// RFC 5705 keying material exporter.
    pub fn export_keying_material(
        &self,
        out: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        self.inner.export_keying_material(out, label, context)
    }

    /// Changes the path MTU (UDP payload bytes) for future datagrams.
    pub fn set_mtu(&mut self, mtu: usize) -> Result<(), Error> {
        self.inner.set_mtu(mtu)
    }

    /// Current path MTU.
    pub fn mtu(&self) -> usize {
        self.inner.mtu()
    }

    /// Largest application payload one record can carry at the current MTU without IP
    /// fragmentation (`DTLS_get_data_mtu`).
    pub fn data_mtu(&self) -> usize {
        self.inner.data_mtu()
    }

    /// Overrides the retransmission timeout computation (OpenSSL `DTLS_set_timer_cb`):
    /// the hook gets the previous timeout in microseconds (0 initially) and returns the next.
    pub fn set_timer_hook(&mut self, hook: Box<dyn FnMut(u32) -> u32 + Send>) {
        self.inner.set_timer_hook(hook)
    }

    /// Starts a renegotiation (RFC 5746): a client sends a new ClientHello (offering to
    /// resume the current session when `abbreviated`), a server a HelloRequest. Application
    /// data keeps flowing. Fails (the connection stays usable) when the connection is not
    /// established, is already renegotiating, the policy refuses, or the peer did not
    /// signal secure renegotiation.
    pub fn renegotiate(&mut self, now: Instant, abbreviated: bool) -> Result<(), Error> {
        self.inner.renegotiate(now, abbreviated)
    }

    /// True while a renegotiation handshake runs.
    #[inline]
    pub fn is_renegotiating(&self) -> bool {
        self.inner.is_renegotiating()
    }

    /// Renegotiation handshakes started so far, by either side.
    pub fn renegotiations(&self) -> u64 {
        self.inner.renegotiations()
    }

    /// True when the peer signalled RFC 5746 secure renegotiation.
    pub fn secure_renegotiation(&self) -> bool {
        self.inner.secure_renegotiation()
    }

    /// Replaces this connection's renegotiation policy (the config's by default).
    pub fn set_renegotiation_policy(&mut self, policy: crate::RenegotiationPolicy) {
        self.inner.set_renegotiation_policy(policy);
    }

    /// Drop and retransmission counters.
    pub fn stats(&self) -> Stats {
        self.inner.stats()
    }
}
