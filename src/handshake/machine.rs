//! The connection state machine shared by both roles: record dispatch, flights, timers,
//! alerts and application data. Role-specific message handling lives in `client.rs` and
//! `server.rs` (one handler per expected message).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};

use super::flight::{Flight, FlightEntry, RetransmitTimer};
use super::fragmenter::encode_fragment;
use super::header::{full_message, parse_fragments, HANDSHAKE_HEADER_LEN};
use super::lifecycle::{Established, Handshake, Lifecycle};
use super::messages::Finished;
use super::reassembly::{FragmentOutcome, Reassembler};
use super::step::{PendingKeys, Step};
use crate::app_data::AppData;
use crate::client_hello_hook::ClientHelloHook;
use crate::config::{Config, MTU_FALLBACK_AFTER_TIMEOUTS};
use crate::connection::{ClientOptions, Event, Stats};
use crate::cookie::CookieHooks;
use crate::crypto::prf::{self, MasterSecret};
use crate::crypto::suites::CipherSuite;
use crate::enums::{ContentType, HandshakeType, NamedGroup, SignatureScheme, DTLS1_2_VERSION};
use crate::error::{AlertDescription, AlertLevel, Error, SendError};
use crate::input_policy::{self, AlertAction, PendingVerdict, Provenance};
use crate::pki::verifier::CertVerifier;
use crate::record::header::{MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN};
use crate::record::layer::{DatagramCursor, NextRecord, RecordLayer};
use crate::record::protection::RecordProtection;
use crate::session::cache::Session;

/// Most application data records buffered before `recv` drains them; beyond it new records
/// are dropped (the application is not reading; DTLS may lose data). The real bound is
/// [`input_policy::MAX_BUFFERED_APP_BYTES`]; this one only caps the per-record bookkeeping of
/// tiny records, high enough that a datagram packed with small records (a memory BIO hands
/// out everything written to it at once) is delivered whole.
pub const MAX_BUFFERED_APP_RECORDS: usize = 1024;
/// Fallback path MTU after repeated timeouts (RFC 6347 §4.1.1.1: back off to a smaller size).
pub const FALLBACK_MTU: usize = 548;

/// Where a running handshake is: one variant per message we wait for. What comes after
/// (established, closing, failed) is a [`Lifecycle`] variant, not a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    ClientAwaitServerHello,
    ClientAwaitCertificate,
    ClientAwaitServerKeyExchange,
    ClientAwaitCertificateRequestOrDone,
    ClientAwaitServerHelloDone,
    ServerAwaitClientHello,
    ServerAwaitClientCertificate,
    ServerAwaitClientKeyExchange,
    ServerAwaitCertificateVerify,
    AwaitChangeCipherSpec,
    AwaitFinished,
}

/// Negotiated parameters and in-progress secrets of the current handshake.
#[derive(Default)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Negotiated {
    pub client_random: [u8; 32],
    pub server_random: [u8; 32],
    pub session_id: Vec<u8>,
    pub suite: Option<&'static CipherSuite>,
    pub group: Option<NamedGroup>,
    pub peer_certs: Vec<Vec<u8>>,
    pub peer_sig_scheme: Option<SignatureScheme>,
    pub master: Option<MasterSecret>,
    pub ems: bool,
    pub resumed: bool,
    /// Server: the client offered a session ID the session cache did not have.
    pub session_cache_miss: bool,
    /// Server: the client's supported_groups, in its order (RFC 8422 §5.1.1).
    pub peer_groups: Vec<NamedGroup>,
    pub verify_result: i32,
    pub server_name: Option<String>,
    pub local_finished: Vec<u8>,
    pub peer_finished: Vec<u8>,
    pub secure_renegotiation: bool,
    /// The CA names of the server's CertificateRequest (RFC 5246 §7.4.4; clients only).
    pub peer_ca_names: Vec<Vec<u8>>,
    /// Server: acknowledge the client's server_name in the ServerHello (RFC 6066 §3).
    pub ack_server_name: bool,
    /// The negotiated SRTP protection profile (RFC 5764 §4.1.1).
    pub srtp_profile: Option<u16>,
    /// The negotiated ALPN protocol (RFC 7301 §3.1).
    pub alpn: Option<Vec<u8>>,
    /// PSK suites: identity and hint (crate::handshake::psk_flow).
    pub psk: super::psk_flow::PskNegotiated,
    /// The CID we ask for, chosen once per handshake (crate::handshake::cid_negotiation).
    pub local_cid: Option<Vec<u8>>,
    /// Both CIDs, when both hellos carried `connection_id` (RFC 9146 §3).
    pub cid: Option<crate::cid::ConnectionIds>,
}

#[cfg(feature = "fuzzing")]
#[path = "fuzz_copy.rs"]
mod fuzz_copy;

/// One received application data record, kept in the buffer it was decrypted in.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct AppRecord {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

/// A received datagram: borrowed (copied into a pooled buffer), owned by the engine, or
/// lent for in-place decryption with a destination for its application data.
enum Input<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
    Lent(&'a mut [u8], &'a mut [u8]),
}

impl Input<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Input::Borrowed(b) => b,
            Input::Owned(b) => b,
            Input::Lent(b, _) => b,
        }
    }
}

/// The engine behind [`crate::Connection`].
pub struct Machine {
    pub(crate) config: Arc<Config>,
    pub(crate) is_client: bool,
    /// Handshaking, established, closing or failed, each with its own data.
    pub(crate) life: Lifecycle,
    pub(crate) records: RecordLayer,
    pub(crate) reasm: Reassembler,
    pub(crate) hs: Negotiated,
    pub(crate) opts: ClientOptions,
    pub(crate) peer_addr: Vec<u8>,
    pub(crate) rng: StdRng,
    pub(crate) send_seq: u16,
    /// A 1.3-capable client's merged ClientHello (DTLS 1.3 + 1.2 offer, built in
    /// `crate::version`), sent in place of our own 1.2 hello; also arms the RFC 8446
    /// §4.1.3 downgrade check. On a server: put the downgrade sentinel in our random.
    pub(crate) dual_hello: Option<Vec<u8>>,
    pub(crate) downgrade_sentinel: bool,
    timer_hook: Option<Box<dyn FnMut(u32) -> u32 + Send>>,
    last_rtx_response: Option<Instant>,
    out_queue: VecDeque<Vec<u8>>,
    pool: Vec<Vec<u8>>,
    app_in: VecDeque<AppRecord>,
    /// Memory held by `app_in` (buffer capacities), bounded by MAX_BUFFERED_APP_BYTES.
    app_in_bytes: usize,
    events: VecDeque<Event>,
    mtu: usize,
    stats: Stats,
    pub(crate) verifier: Option<Box<dyn CertVerifier>>,
    pub(crate) cookie_hooks: Option<Box<dyn CookieHooks + Send>>,
    /// Server: the application's ClientHello hook (crate::client_hello_hook).
    pub(crate) client_hello_hook: Option<Box<dyn ClientHelloHook>>,
    /// Server: the application's external session store (crate::session::SessionLookupHook).
    pub(crate) session_lookup_hook: Option<crate::session::SessionLookupHook>,
    /// Server: the configuration the session cache and session ID context come from, when
    /// the ClientHello hook replaced `config` (a session stays with the cache it was looked
    /// up in).
    pub(crate) session_home: Option<Arc<Config>>,
    pub(crate) alpn_hook: Option<crate::alpn::AlpnSelectHook>,
    /// `emit_flight` is sending the current flight for the first time (not retransmitting):
    /// message and record header events are reported.
    first_transmission: bool,
    /// Record sequence number of the handshake record being processed (HelloVerifyRequest
    /// echoes it, RFC 6347 §4.2.1).
    pub(crate) current_record_seq: u64,
    pub(crate) now: Instant,
    /// Epoch and sequence number of the newest record that authenticated (RFC 9146 §6).
    newest_authenticated: Option<(u16, u64)>,
    /// The last datagram held a record that authenticated and was newer than any before:
    /// only then may a peer's new address be adopted (RFC 9146 §6).
    last_datagram_newest: bool,
    /// Who may renegotiate (crate::handshake::renegotiation).
    pub(crate) reneg_policy: super::renegotiation::RenegotiationPolicy,
    /// Renegotiation handshakes started so far (either side).
    pub(crate) renegotiations: u64,
    /// When the previous, protected read epoch stops being accepted after a renegotiation
    /// (RFC 6347 §4.1: kept for reordered records, `input_policy::PREVIOUS_EPOCH_LINGER`).
    pub(crate) prev_read_retire_at: Option<Instant>,
    /// Client: the cookie of the initial handshake's HelloVerifyRequest, repeated in a
    /// renegotiating ClientHello (crate::handshake::renegotiation).
    pub(crate) initial_cookie: Vec<u8>,
}

impl Machine {
    fn new(config: Arc<Config>, now: Instant, is_client: bool) -> Self {
        #[cfg(any(test, feature = "test-rng"))]
        let rng = match config.rng_seed {
            Some(seed) => StdRng::seed_from_u64(seed ^ u64::from(is_client)),
            None => StdRng::from_entropy(),
        };
        #[cfg(not(any(test, feature = "test-rng")))]
        let rng = StdRng::from_entropy();
        let timer = RetransmitTimer::new(config.initial_timeout, config.max_timeout);
        let mtu = config.mtu;
        let reneg_policy = config.renegotiation;
        Self {
            config,
            is_client,
            life: Lifecycle::handshaking(
                if is_client {
                    Step::client_start()
                } else {
                    Step::ServerAwaitClientHello
                },
                timer,
            ),
            records: RecordLayer::new(),
            reasm: Reassembler::new(),
            hs: Negotiated::default(),
            opts: ClientOptions::default(),
            peer_addr: Vec::new(),
            rng,
            send_seq: 0,
            dual_hello: None,
            downgrade_sentinel: false,
            timer_hook: None,
            last_rtx_response: None,
            out_queue: VecDeque::new(),
            pool: Vec::new(),
            app_in: VecDeque::new(),
            app_in_bytes: 0,
            events: VecDeque::new(),
            mtu,
            stats: Stats::default(),
            verifier: None,
            cookie_hooks: None,
            client_hello_hook: None,
            session_lookup_hook: None,
            session_home: None,
            alpn_hook: None,
            first_transmission: false,
            current_record_seq: 0,
            now,
            newest_authenticated: None,
            last_datagram_newest: false,
            reneg_policy,
            renegotiations: 0,
            prev_read_retire_at: None,
            initial_cookie: Vec::new(),
        }
    }

    /// A client; queues the first ClientHello.
    pub fn client(config: Arc<Config>, now: Instant, opts: ClientOptions) -> Result<Self, Error> {
        if config.suites.is_empty() {
            return Err(Error::Config("no cipher suites".into()));
        }
        // Secure by default: a client that checks the server's name must be told the name.
        if config.verify_mode != crate::config::VerifyMode::None
            && config.verify_hostname
            && opts.server_name.is_none()
            && opts.verify_names.is_empty()
        {
            return Err(Error::Config(
                "a verifying client needs the server's name (ClientOptions::server_name or \
                 verify_names), or ConfigBuilder::dangerous().disable_hostname_verification()"
                    .into(),
            ));
        }
        let mut m = Self::client_unsent(config, now, opts);
        m.client_send_hello(now)?;
        Ok(m)
    }

    /// A client whose ClientHello is not sent yet (a 1.3-capable client builds its merged
    /// hello from [`Machine::client_hello_body`]); the caller checked the configuration.
    pub(crate) fn client_unsent(config: Arc<Config>, now: Instant, opts: ClientOptions) -> Self {
        let mut m = Self::new(config, now, true);
        m.opts = opts;
        m.hs.server_name = m.opts.server_name.clone();
        m.rng.fill_bytes(&mut m.hs.client_random);
        m
    }

    /// A server for `peer_addr`; waits for a ClientHello.
    pub fn server(config: Arc<Config>, now: Instant, peer_addr: &[u8]) -> Self {
        let mut m = Self::new(config, now, false);
        m.peer_addr = peer_addr.to_vec();
        m
    }

    // ----------------------------------------------------------------- input

    /// Processes one datagram (see [`crate::Connection::handle_datagram`]).
    pub fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        self.handle_input(now, Input::Borrowed(datagram)).map(drop)
    }

    /// Processes one datagram in the caller's buffer, decrypted in place (see
    /// [`crate::Connection::handle_datagram_owned`]).
    pub fn handle_datagram_owned(&mut self, now: Instant, datagram: Vec<u8>) -> Result<(), Error> {
        self.handle_input(now, Input::Owned(datagram)).map(drop)
    }

    /// Processes one datagram decrypted in place in `datagram`, its first application
    /// record copied straight into `out` (see [`crate::Connection::handle_datagram_into`]).
    pub fn handle_datagram_into(
        &mut self,
        now: Instant,
        datagram: &mut [u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        self.handle_input(now, Input::Lent(datagram, out))
    }

    /// The bytes copied into a lent destination (0 for the other inputs).
    fn handle_input(&mut self, now: Instant, input: Input<'_>) -> Result<usize, Error> {
        self.now = now;
        self.last_datagram_newest = false;
        if self.life.is_failed() || self.life.close_received() {
            // Nothing is processed after a fatal alert or close_notify (RFC 5246 §7.2.1).
            return Ok(0);
        }
        self.retire_previous_epoch_if_due(now);
        match self.new_association_front_door(now, input.bytes()) {
            super::new_association::NewAssociation::NotNew => {}
            super::new_association::NewAssociation::Answered => return Ok(0),
            super::new_association::NewAssociation::Abandon => {
                return Err(self.abandon_for_new_association())
            }
        }
        // Records are opened in place: in the caller's lent slice, or in one owned buffer
        // (the caller's, or a pooled copy).
        let mut owned = Vec::new();
        let (buf, out): (&mut [u8], Option<&mut [u8]>) = match input {
            Input::Lent(d, out) => (d, Some(out)),
            Input::Owned(b) => {
                owned = b;
                (&mut owned[..], None)
            }
            Input::Borrowed(datagram) => {
                owned = self.pool.pop().unwrap_or_default();
                owned.clear();
                owned.extend_from_slice(datagram);
                (&mut owned[..], None)
            }
        };
        let before = self.records.stats();
        let mut cursor = DatagramCursor::default();
        let mut result = Ok(());
        let mut app_ranges: Option<(usize, usize)> = None;
        let mut app_multi = false;
        loop {
            let r = match self.records.open_next(buf, &mut cursor) {
                NextRecord::End => break,
                NextRecord::Dropped => continue,
                NextRecord::Record(r) => r,
            };
            if self.life.is_failed() || self.life.close_received() {
                break;
            }
            if r.authenticated
                && self
                    .newest_authenticated
                    .is_none_or(|n| (r.epoch, r.sequence) > n)
            {
                self.newest_authenticated = Some((r.epoch, r.sequence));
                self.last_datagram_newest = true;
            }
            if self.config.emit_record_headers {
                let h = r.header_start;
                self.record_header_event(false, buf.get(h..h + RECORD_HEADER_LEN));
            }
            let provenance = if r.authenticated {
                Provenance::Authenticated
            } else {
                Provenance::Unauthenticated
            };
            if r.authenticated
                && self.life.completed()
                && r.epoch == self.records.read_epoch()
                && r.content_type != ContentType::HANDSHAKE
            {
                // The peer sends data or alerts in the new epoch only once it has finished:
                // it will not retransmit its old-epoch flight any more.
                self.peer_finished();
            }
            let payload = &buf[r.start..r.end];
            let res = match r.content_type {
                ContentType::HANDSHAKE => {
                    self.current_record_seq = r.sequence;
                    match self.handle_handshake_record(now, r.epoch, provenance, payload) {
                        Ok(true) if !r.authenticated => {
                            self.records.mark_unprotected(r.epoch, r.sequence);
                            Ok(())
                        }
                        other => other.map(drop),
                    }
                }
                ContentType::CHANGE_CIPHER_SPEC => match self.handle_ccs(now, r.epoch, payload) {
                    Ok(true) => {
                        self.records.mark_unprotected(r.epoch, r.sequence);
                        Ok(())
                    }
                    other => other.map(drop),
                },
                ContentType::ALERT => self.handle_alert(r.epoch, provenance, payload),
                ContentType::APPLICATION_DATA => {
                    let cost = r.end - r.start;
                    if !self.accepts_app_data(r.epoch, r.authenticated) {
                        // Epoch-0 (unprotected) application data is never delivered.
                        self.stats.records_dropped += 1;
                    } else if self.app_in.len() >= MAX_BUFFERED_APP_RECORDS
                        || self.app_in_bytes + cost > input_policy::MAX_BUFFERED_APP_BYTES
                    {
                        self.stats.records_dropped += 1;
                    } else if app_ranges.is_none() && !app_multi {
                        // Keep the first one in place; copied out only if another follows.
                        app_ranges = Some((r.start, r.end));
                    } else {
                        app_multi = true;
                        if let Some((s0, e0)) = app_ranges.take() {
                            let b = copy_exact(&buf[s0..e0]);
                            self.push_app(b);
                        }
                        let b = copy_exact(payload);
                        self.push_app(b);
                    }
                    Ok(())
                }
                _ => Ok(()),
            };
            if let Err(e) = res {
                result = Err(e);
                break;
            }
        }
        self.account_record_stats(before);
        let mut delivered = 0;
        match (app_ranges, out) {
            (Some((start, end)), Some(out)) if result.is_ok() => {
                // The lent buffer goes back to the caller: the record's plaintext is copied
                // once, into `out` when the application waits for it and nothing is queued
                // before it (order kept), else into a buffer of its own.
                let payload = &buf[start..end];
                if !out.is_empty()
                    && !payload.is_empty()
                    && self.app_in.is_empty()
                    && self.life.app_open()
                {
                    delivered = out.len().min(payload.len());
                    out[..delivered].copy_from_slice(&payload[..delivered]);
                    if delivered < payload.len() {
                        // A short read keeps the rest of the record for the next one, as
                        // OpenSSL's dtls1_read_bytes does.
                        self.push_app(copy_exact(&payload[delivered..]));
                    }
                } else {
                    self.push_app(copy_exact(payload));
                }
            }
            (_, Some(_)) => {}
            (Some((start, end)), None) if result.is_ok() => {
                // The datagram buffer becomes the application record (no second copy),
                // unless it is much larger than the payload: the buffered bytes are
                // bounded by memory held, so a small record in a big buffer is copied out.
                let len = end - start;
                if owned.capacity() <= 2 * len + 1024
                    && self.app_in_bytes + owned.capacity() <= input_policy::MAX_BUFFERED_APP_BYTES
                {
                    self.push_app(AppRecord {
                        buf: owned,
                        start,
                        end,
                    });
                } else {
                    let b = copy_exact(&owned[start..end]);
                    self.push_app(b);
                    self.recycle(owned);
                }
            }
            _ => self.recycle(owned),
        }
        if let Err(e) = result {
            return Err(self.fail(e));
        }
        // A ChangeCipherSpec of a renegotiation may have installed the epoch of records
        // held back (record::layer::MAX_NEXT_EPOCH_RECORDS): open them now.
        for held in self.records.take_held_records() {
            self.handle_datagram(now, &held)?;
        }
        Ok(delivered)
    }

    /// Keeps a buffer for reuse; the pool is bounded in count and in buffer size (callers'
    /// own buffers come in too, possibly sized for any UDP datagram).
    fn recycle(&mut self, buf: Vec<u8>) {
        if self.pool.len() < 16 && buf.capacity() <= MAX_PLAINTEXT_LEN + 2048 {
            self.pool.push(buf);
        }
    }

    fn push_app(&mut self, rec: AppRecord) {
        self.app_in_bytes += rec.buf.capacity();
        self.app_in.push_back(rec);
    }

    /// Retires the previous read epoch once the side that sent the final flight has
    /// lingered long enough (RFC 6347 §4.1, §4.2.4).
    fn retire_previous_epoch_if_due(&mut self, now: Instant) {
        if self.prev_read_retire_at.is_some_and(|t| now >= t) {
            self.prev_read_retire_at = None;
            self.records.retire_previous_read_epoch();
        }
        if let Some(at) = self.life.completed_at_mut() {
            if at.is_some_and(|t| now >= t + input_policy::PREVIOUS_EPOCH_LINGER) {
                *at = None;
                self.peer_finished();
            }
        }
    }

    /// The peer has finished the handshake (or may be assumed to have): it retransmits
    /// nothing more, so the previous read epoch is retired and our last flight, kept only
    /// to answer its retransmissions (RFC 6347 §4.2.4), is freed.
    fn peer_finished(&mut self) {
        if self.records.read_epoch() > 1 {
            // After a renegotiation the previous epoch is protected: its application data
            // may still arrive reordered, so it is read a while longer (RFC 6347 §4.1).
            if self.records.has_previous_read_epoch() && self.prev_read_retire_at.is_none() {
                self.prev_read_retire_at = Some(self.now + input_policy::PREVIOUS_EPOCH_LINGER);
            }
        } else {
            self.records.retire_previous_read_epoch();
        }
        self.life.drop_final_flight();
    }

    /// True while we keep a flight to send again (tests).
    #[cfg(test)]
    pub(crate) fn holds_flight(&self) -> bool {
        self.life.last_flight().is_some_and(|f| !f.is_empty())
    }

    fn account_record_stats(&mut self, before: crate::record::layer::RecordStats) {
        let after = self.records.stats();
        self.stats.records_received += after.received - before.received;
        self.stats.records_replayed += after.dropped_replay - before.dropped_replay;
        self.stats.records_bad_auth += after.dropped_auth - before.dropped_auth;
        self.stats.records_dropped += (after.dropped_malformed - before.dropped_malformed)
            + (after.dropped_epoch - before.dropped_epoch)
            + (after.dropped_replay - before.dropped_replay)
            + (after.dropped_auth - before.dropped_auth);
    }

    /// Application data is accepted from protected epochs once the handshake completed,
    /// during a renegotiation (old and new epoch alike), and in the initial handshake
    /// once the peer's ChangeCipherSpec is in (its Finished may be lost or reordered).
    fn accepts_app_data(&self, epoch: u16, authenticated: bool) -> bool {
        epoch != 0
            && authenticated
            && (self.life.app_open()
                || (epoch == self.records.read_epoch()
                    && self.life.step() == Some(State::AwaitFinished)))
    }

    fn handshake_done(&self) -> bool {
        self.life.completed()
    }

    /// Handles the handshake fragments of one record. Returns whether any fragment was
    /// accepted (new bytes for the reassembler), which is what lets an unauthenticated
    /// record mark its epoch's replay window (crate::input_policy).
    fn handle_handshake_record(
        &mut self,
        now: Instant,
        epoch: u16,
        provenance: Provenance,
        payload: &[u8],
    ) -> Result<bool, Error> {
        let mut saw_old = false;
        let mut accepted = false;
        let unauthenticated = provenance == Provenance::Unauthenticated;
        for frag in parse_fragments(payload) {
            let Ok((h, body)) = frag else {
                // A fragment running past its record: drop the rest of the record.
                self.stats.records_dropped += 1;
                break;
            };
            if h.fragment_length as usize != body.len()
                || u64::from(h.fragment_offset) + u64::from(h.fragment_length) > u64::from(h.length)
            {
                self.stats.records_dropped += 1;
                continue;
            }
            if self.handshake_done() {
                let mut starts = false;
                if !unauthenticated && super::renegotiation::is_request(self.is_client, h.msg_type)
                {
                    // Whatever its message_seq (super::renegotiation): refused or accepted
                    // at its first fragment; the rest of a refused one is dropped.
                    if h.fragment_offset == 0 {
                        starts = self.on_renegotiation_request(now, h.msg_type, h.message_seq)?;
                    }
                } else if h.message_seq < self.reasm.next_seq() {
                    saw_old = true;
                } else {
                    self.stats.records_dropped += 1;
                }
                if !starts {
                    continue;
                }
            }
            if unauthenticated {
                self.first_flight_seq(&h);
            } else if self.ignores_during_renegotiation(h.msg_type) {
                continue;
            } else {
                self.renegotiation_first_message(h.msg_type, h.message_seq);
            }
            if input_policy::old_epoch_fragment_is_new(
                epoch,
                self.records.read_epoch(),
                h.message_seq,
                self.reasm.next_seq(),
            ) {
                // A new message in the old (plaintext) epoch after ChangeCipherSpec: only
                // an attacker sends that. Dropped, RFC 6347 §4.1.2.7.
                self.stats.records_dropped += 1;
                continue;
            }
            let whole = h.fragment_offset == 0 && h.fragment_length == h.length;
            // Only unauthenticated fragments are screened; protected ones skip the lookup.
            if unauthenticated {
                let expected = self
                    .life
                    .step()
                    .is_some_and(|st| self.message_expected(st, h.msg_type));
                let at_next = h.message_seq == self.reasm.next_seq();
                if !input_policy::partial_fragment_admissible(expected, whole, at_next) {
                    self.stats.records_dropped += 1;
                    continue;
                }
            }
            let mut outcome = self.reasm.add_fragment(&h, body);
            if outcome == FragmentOutcome::Conflict
                && unauthenticated
                && input_policy::plaintext_conflict_replaces(
                    whole,
                    self.reasm.received_bytes(h.message_seq).unwrap_or(0),
                    body.len(),
                )
            {
                // The loser, if it stays, is dropped at the next timer expiry.
                self.reasm.discard(h.message_seq);
                outcome = self.reasm.add_fragment(&h, body);
            }
            match outcome {
                FragmentOutcome::Accepted => accepted = true,
                FragmentOutcome::Duplicate => {}
                FragmentOutcome::Old => saw_old = true,
                FragmentOutcome::TooFarAhead
                | FragmentOutcome::Conflict
                | FragmentOutcome::Rejected(_) => {
                    self.stats.records_dropped += 1;
                }
            }
        }
        while let Some(step) = self.life.step() {
            let Some((msg_type, seq, body)) = self.reasm.pop_message() else {
                break;
            };
            if !self.records.read_epoch_protected() {
                // Unauthenticated: a message the handshake would reject is dropped and
                // remembered, not acted on (crate::input_policy).
                if let Err(e) = self.screen_unauthenticated(step, msg_type, &body) {
                    if !self.is_client
                        && step == State::ServerAwaitClientHello
                        && msg_type == HandshakeType::CLIENT_HELLO
                    {
                        // Nothing to protect yet: the RFC's alert (crate::input_policy).
                        self.server_malformed_client_hello(now, seq, &body, e)?;
                        break;
                    }
                    self.reasm.set_next_seq(seq);
                    self.stats.records_dropped += 1;
                    self.remember_verdict(e, None)?;
                    break;
                }
            }
            self.message_event(false, msg_type, seq, &body);
            if self.is_client {
                self.client_handle_message(now, msg_type, seq, &body)?;
            } else {
                self.server_handle_message(now, msg_type, seq, &body)?;
            }
            // Progress: a remembered verdict on unauthenticated input is void.
            self.void_verdict(now);
            if let Some(h) = self.life.handshake_mut() {
                h.first_flight_floor = None;
            }
        }
        if saw_old {
            self.on_peer_retransmit(now);
        }
        Ok(accepted)
    }

    /// RFC 6347 §4.2.2: the peer's first message may carry a non-zero message_seq (after a
    /// HelloVerifyRequest exchange). An unauthenticated first-flight fragment may move the
    /// expected message_seq, within the reassembly window only, and a later one may move it
    /// again until a message has been processed, so a forged fragment cannot fix it.
    fn first_flight_seq(&mut self, h: &super::header::HandshakeHeader) {
        let step = self.life.step();
        let first_flight = (step == Some(State::ServerAwaitClientHello)
            && h.msg_type == HandshakeType::CLIENT_HELLO)
            || (step == Some(State::ClientAwaitServerHello)
                && (h.msg_type == HandshakeType::SERVER_HELLO
                    || h.msg_type == HandshakeType::HELLO_VERIFY_REQUEST));
        let next = self.reasm.next_seq();
        if !first_flight || h.message_seq == next {
            return;
        }
        let Some(hs) = self.life.handshake_mut() else {
            return;
        };
        match hs.first_flight_floor {
            None if input_policy::first_flight_may_move(next, h.message_seq) => {
                hs.first_flight_floor = Some(next);
                self.reasm.set_next_seq(h.message_seq);
            }
            Some(floor) if input_policy::first_flight_in_window(floor, h.message_seq) => {
                self.reasm.set_next_seq(h.message_seq);
            }
            _ => {}
        }
    }

    /// Handles a ChangeCipherSpec; returns whether it advanced the handshake.
    fn handle_ccs(&mut self, now: Instant, epoch: u16, payload: &[u8]) -> Result<bool, Error> {
        let expected = self.life.step() == Some(State::AwaitChangeCipherSpec)
            && epoch == self.records.read_epoch();
        if expected && payload == [1] {
            let Some(Step::AwaitChangeCipherSpec { read, write }) =
                self.life.replace_step(Step::transit())
            else {
                return Err(Error::InvalidState("no read keys"));
            };
            self.records.install_read_protection(read);
            // Anything still buffered came in the plaintext epoch and was not consumed:
            // from here on only messages of the protected epoch are new.
            self.reasm.clear();
            self.life.set_step(Step::AwaitFinished { write });
            // Progress: a remembered verdict on unauthenticated input is void.
            self.void_verdict(now);
            return Ok(true);
        } else if payload != [1] {
            // Malformed: an invalid record, silently discarded (RFC 6347 §4.1.2.7).
            self.stats.records_dropped += 1;
        } else if self.handshake_done() || epoch < self.records.read_epoch() {
            // The peer is retransmitting its final flight: ours was lost.
            self.on_peer_retransmit(now);
        } else {
            // Early (reordered) or spurious ChangeCipherSpec: dropped; the peer retransmits
            // (see `crate::deviations`).
            self.stats.records_dropped += 1;
        }
        Ok(false)
    }

    /// Handles an alert under the input policy: obeyed when authenticated, remembered when
    /// plaintext during the handshake, dropped when plaintext afterwards.
    fn handle_alert(
        &mut self,
        _epoch: u16,
        provenance: Provenance,
        payload: &[u8],
    ) -> Result<(), Error> {
        if payload.len() != 2 {
            self.stats.records_dropped += 1;
            return Ok(());
        }
        let level = if payload[0] == 2 {
            AlertLevel::Fatal
        } else {
            AlertLevel::Warning
        };
        let description = AlertDescription(payload[1]);
        match input_policy::alert_action(provenance, self.is_handshaking(), level, description) {
            AlertAction::Drop => {
                self.stats.records_dropped += 1;
                Ok(())
            }
            AlertAction::Remember => self.remember_verdict(
                Error::AlertReceived(description),
                Some((level, description)),
            ),
            AlertAction::Obey => self.obey_alert(level, description),
        }
    }

    /// Keeps a verdict on unauthenticated input until the timer, or obeys it at once when
    /// it confirms the pending one: the peer rejected our retransmission again
    /// (crate::input_policy).
    pub(crate) fn remember_verdict(
        &mut self,
        error: Error,
        alert: Option<(AlertLevel, AlertDescription)>,
    ) -> Result<(), Error> {
        let Some(h) = self.life.handshake_mut() else {
            return Ok(());
        };
        let fresh = h.pending_verdict.is_none();
        let v = PendingVerdict::new(error, alert, h.pending_verdict.as_ref());
        if !v.confirmed() {
            h.pending_verdict = Some(v);
            if fresh {
                // Probe the peer (crate::input_policy): the next expiry comes sooner.
                let at = self.now + input_policy::VERDICT_PROBE_INTERVAL;
                if let Some(timer) = self.life.timer_mut() {
                    timer.deadline = timer.deadline.map(|d| d.min(at));
                }
            }
            return Ok(());
        }
        h.pending_verdict = None;
        self.obey_verdict(v)
    }

    /// The handshake progressed: a pending verdict is void, and the timer goes back from
    /// probing to the flight's own period (unless the handler re-armed or stopped it).
    fn void_verdict(&mut self, now: Instant) {
        let Some(h) = self.life.handshake_mut() else {
            return;
        };
        if h.pending_verdict.take().is_none() {
            return;
        }
        if let Some(timer) = self.life.timer_mut() {
            if let Some(d) = timer.deadline {
                timer.deadline = Some(d.max(now + timer.current));
            }
        }
    }

    /// Ends the handshake on a verdict reached on unauthenticated input.
    fn obey_verdict(&mut self, v: PendingVerdict) -> Result<(), Error> {
        match v.alert {
            Some((level, description)) => self.obey_alert(level, description),
            None => Err(self.fail(v.error)),
        }
    }

    /// Acts on an alert: close_notify closes, a fatal alert fails (RFC 5246 §7.2).
    pub(crate) fn obey_alert(
        &mut self,
        level: AlertLevel,
        description: AlertDescription,
    ) -> Result<(), Error> {
        self.events
            .push_back(Event::AlertReceived { level, description });
        if description == AlertDescription::CLOSE_NOTIFY {
            self.events.push_back(Event::PeerClosed);
            // A handshake the peer closed cannot complete: it fails, naming the alert.
            self.life.close(false);
            return match self.life.error() {
                Some(e) => Err(e.clone()),
                None => Ok(()),
            };
        }
        if level == AlertLevel::Fatal {
            self.life.fail(Error::AlertReceived(description));
            return Err(Error::AlertReceived(description));
        }
        if description == AlertDescription::NO_RENEGOTIATION {
            self.renegotiation_refused();
        }
        Ok(())
    }

    /// Records a fatal error: sends the alert it carries (if any) and stops.
    /// (`crate::version` uses it to refuse a 1.2-only ClientHello on a 1.3-only server.)
    pub(crate) fn fail(&mut self, e: Error) -> Error {
        if !self.life.is_failed() {
            if let Some(alert) = e.alert_to_send() {
                self.send_alert(AlertLevel::Fatal, alert);
            }
            // The timer went with the Handshaking variant.
            self.life.fail(e.clone());
        }
        e
    }

    /// A 1.3-capable client's server answered in 1.2 (`crate::version`): take over with
    /// the merged hello that was sent (`dual`) as our ClientHello, as if we had sent it;
    /// our epoch-0 records continue after the 1.3 client's (`next_record_seq`); the 1.3
    /// client's events not yet polled (`carried`, which report that hello) come first.
    pub(crate) fn adopt_sent_hello(
        &mut self,
        now: Instant,
        dual: Vec<u8>,
        next_record_seq: u64,
        carried: impl IntoIterator<Item = Event>,
    ) -> Result<(), Error> {
        self.dual_hello = Some(dual);
        self.client_send_hello(now)?;
        self.out_queue.clear();
        self.events.clear();
        self.events.extend(carried);
        self.records.set_next_write_sequence(next_record_seq);
        Ok(())
    }

    /// The application hook set on this connection that our DTLS 1.3 path does not use,
    /// if any: with one, the connection stays on 1.2 (`crate::version`).
    pub(crate) fn tls13_hook_blocker(&self) -> Option<&'static str> {
        // Cookie hooks ride inside the 1.3 HelloRetryRequest cookie (dtls13::hrr_cookie),
        // the ALPN select hook answers in EncryptedExtensions (dtls13::server_ext), the
        // ClientHello hook runs on the 1.3 server too (dtls13::server_hook).
        // The session lookup hook (SSL_CTX_sess_set_get_cb) is not a blocker: OpenSSL
        // consults it only for session-ID resumption, which TLS/DTLS 1.3 does not have
        // (RFC 8446 §2.2: resumption is by PSK; our 1.3 tickets are stateless, sealed
        // with the Config's ticket key), so a 1.3 server never calls it, as OpenSSL's
        // with its default stateless TLS 1.3 tickets (it consults the external cache only
        // for the stateful tickets of SSL_OP_NO_TICKET, which rdtls does not issue).
        (self.hs.psk.provider.is_some() || self.opts.psk.is_some()).then_some("PSK-callback suites")
    }

    /// The application's ClientHello hook, for the 1.3 server that takes over.
    pub(crate) fn take_client_hello_hook(&mut self) -> Option<Box<dyn ClientHelloHook>> {
        self.client_hello_hook.take()
    }

    /// The application's ALPN selection hook, for the 1.3 server that takes over.
    pub(crate) fn take_alpn_hook(&mut self) -> Option<crate::alpn::AlpnSelectHook> {
        self.alpn_hook.take()
    }

    /// The application's cookie hooks, for the 1.3 server that takes over.
    pub(crate) fn take_cookie_hooks(&mut self) -> Option<Box<dyn CookieHooks + Send>> {
        self.cookie_hooks.take()
    }

    /// The application's timer hook, for the 1.3 server that takes over (`crate::version`).
    pub(crate) fn take_timer_hook(&mut self) -> Option<Box<dyn FnMut(u32) -> u32 + Send>> {
        self.timer_hook.take()
    }

    /// Queues an alert record in the current write epoch.
    pub(crate) fn send_alert(&mut self, level: AlertLevel, description: AlertDescription) {
        let epoch = self.records.write_epoch();
        let mut dg = self.pool.pop().unwrap_or_default();
        dg.clear();
        if self
            .records
            .seal_record(
                ContentType::ALERT,
                epoch,
                &[level as u8, description.0],
                &mut dg,
            )
            .is_ok()
        {
            self.record_header_event(true, dg.get(..RECORD_HEADER_LEN));
            self.out_queue.push_back(dg);
            self.events
                .push_back(Event::AlertSent { level, description });
        }
    }

    // ----------------------------------------------------------------- flights

    /// Starts building a new flight (the previous one is forgotten).
    pub(crate) fn begin_flight(&mut self) {
        if let Some(h) = self.life.handshake_mut() {
            h.building.clear();
        }
    }

    /// Adds a handshake message to the flight being built, assigning its message_seq.
    /// `in_transcript` is false only for the cookie-less ClientHello and HelloVerifyRequest.
    pub(crate) fn queue_handshake(
        &mut self,
        msg_type: HandshakeType,
        body: Vec<u8>,
        in_transcript: bool,
    ) {
        let seq = self.send_seq;
        self.send_seq = self.send_seq.wrapping_add(1);
        let epoch = self.records.write_epoch();
        let Some(h) = self.life.handshake_mut() else {
            return;
        };
        let full = full_message(msg_type, seq, &body);
        if in_transcript {
            h.transcript.add(&full);
        }
        if let Step::ClientAwaitServerHello {
            last_client_hello, ..
        } = &mut h.step
        {
            if msg_type == HandshakeType::CLIENT_HELLO {
                *last_client_hello = full;
            }
        }
        h.building.push(FlightEntry::Handshake {
            epoch,
            msg_type,
            seq,
            body,
        });
    }

    /// Adds ChangeCipherSpec and switches the write side to `write`.
    fn queue_ccs_and_switch(&mut self, write: RecordProtection) -> Result<(), Error> {
        let epoch = self.records.write_epoch();
        self.hsk()?
            .building
            .push(FlightEntry::ChangeCipherSpec { epoch });
        self.records.install_write_protection(write);
        Ok(())
    }

    /// Adds ChangeCipherSpec, switches to the new keys `write` and adds our Finished
    /// (RFC 5246 §7.4.9): the tail of flights 4 (resumed), 5 and 6.
    pub(crate) fn queue_ccs_and_finished(&mut self, write: RecordProtection) -> Result<(), Error> {
        self.queue_ccs_and_switch(write)?;
        let vd = self.finished_data(self.is_client)?;
        self.hs.local_finished = vd.to_vec();
        let mut b = Vec::new();
        Finished {
            verify_data: vd.to_vec(),
        }
        .encode(&mut b);
        self.queue_handshake(HandshakeType::FINISHED, b, true);
        Ok(())
    }

    /// Computes the master secret from the premaster secret: extended (RFC 7627 §4, session
    /// hash = transcript through ClientKeyExchange) when negotiated, else RFC 5246 §8.1.
    pub(crate) fn set_master_secret(&mut self, pms: &[u8]) -> Result<(), Error> {
        let suite = self.hs.suite.ok_or(Error::InvalidState("no suite"))?;
        self.hs.master = Some(if self.hs.ems {
            let session_hash = self.hsk()?.transcript.hash(suite.prf);
            prf::extended_master_secret(suite.prf, pms, &session_hash)
        } else {
            prf::master_secret(
                suite.prf,
                pms,
                &self.hs.client_random,
                &self.hs.server_random,
            )
        });
        Ok(())
    }

    /// Sends the flight just built. `final_flight` flights are not timed (the peer's
    /// retransmission triggers ours, RFC 6347 §4.2.4).
    pub(crate) fn send_flight(&mut self, now: Instant, final_flight: bool) -> Result<(), Error> {
        let h = self.hsk()?;
        h.flight.entries = std::mem::take(&mut h.building);
        h.sent_final = final_flight;
        if let Some(t) = self.life.timer_mut() {
            t.reset();
        }
        self.first_transmission = true;
        let r = self.emit_flight();
        self.first_transmission = false;
        r?;
        if !final_flight {
            self.arm_timer(now);
        }
        Ok(())
    }

    fn arm_timer(&mut self, now: Instant) {
        let Some(timer) = self.life.timer_mut() else {
            return;
        };
        if let Some(hook) = self.timer_hook.as_mut() {
            let prev = if timer.expiries == 0 {
                0
            } else {
                timer.current.as_micros().min(u128::from(u32::MAX)) as u32
            };
            let us = hook(prev).max(1);
            timer.current = Duration::from_micros(u64::from(us));
        }
        timer.start(now);
    }

    fn effective_mtu(&self) -> usize {
        if self.life.timer().map_or(0, |t| t.expiries) >= MTU_FALLBACK_AFTER_TIMEOUTS {
            self.mtu.min(FALLBACK_MTU)
        } else {
            self.mtu
        }
    }

    /// Encodes the current flight into datagrams (new record sequence numbers each time).
    fn emit_flight(&mut self) -> Result<(), Error> {
        let mtu = self.effective_mtu();
        let entries = self
            .life
            .last_flight_mut()
            .map(|f| std::mem::take(&mut f.entries))
            .unwrap_or_default();
        let mut dg = self.pool.pop().unwrap_or_default();
        dg.clear();
        // One scratch buffer for every fragment of the flight, sized once (no allocation per
        // fragment, per transmission).
        let mut frag = Vec::with_capacity(mtu);
        let mut result = Ok(());
        for entry in &entries {
            match entry {
                FlightEntry::ChangeCipherSpec { epoch } => {
                    let need = self.records.record_overhead(*epoch) + 1;
                    if !dg.is_empty() && dg.len() + need > mtu {
                        self.out_queue.push_back(std::mem::take(&mut dg));
                    }
                    let at = dg.len();
                    if let Err(e) = self.records.seal_record(
                        ContentType::CHANGE_CIPHER_SPEC,
                        *epoch,
                        &[1],
                        &mut dg,
                    ) {
                        result = Err(e);
                        break;
                    }
                    if self.first_transmission {
                        self.record_header_event(true, dg.get(at..at + RECORD_HEADER_LEN));
                    }
                }
                FlightEntry::Handshake {
                    epoch,
                    msg_type,
                    seq,
                    body,
                } => {
                    // Fill each datagram before starting the next (as OpenSSL's dtls1_do_write):
                    // a message that does not fit whole in the room left goes out as a
                    // fragment sized to that room, the rest in the next datagrams
                    // (RFC 6347 §4.2.3). So ServerHello and the first Certificate fragment
                    // share a datagram.
                    let overhead = self.records.record_overhead(*epoch) + HANDSHAKE_HEADER_LEN;
                    let mut offset = 0usize;
                    loop {
                        let mut room = mtu.saturating_sub(dg.len() + overhead);
                        if room == 0 && !dg.is_empty() {
                            self.out_queue.push_back(std::mem::take(&mut dg));
                            room = mtu.saturating_sub(overhead);
                        }
                        // At least one byte per fragment so the loop always progresses.
                        let len = (body.len() - offset).min(room.max(1));
                        encode_fragment(*msg_type, *seq, body, offset, len, &mut frag);
                        let at = dg.len();
                        if let Err(e) =
                            self.records
                                .seal_record(ContentType::HANDSHAKE, *epoch, &frag, &mut dg)
                        {
                            result = Err(e);
                            break;
                        }
                        if self.first_transmission {
                            self.record_header_event(true, dg.get(at..at + RECORD_HEADER_LEN));
                        }
                        offset += len;
                        if offset >= body.len() {
                            break;
                        }
                    }
                    if result.is_err() {
                        break;
                    }
                    // Reported once written, after its records (as OpenSSL's dtls1_do_write).
                    if self.first_transmission {
                        self.message_event(true, *msg_type, *seq, body);
                    }
                }
            }
        }
        if !dg.is_empty() {
            self.out_queue.push_back(dg);
        }
        if let Some(f) = self.life.last_flight_mut() {
            f.entries = entries;
        }
        result
    }

    fn on_peer_retransmit(&mut self, now: Instant) {
        // After completion only the sender of the final flight still has one: a receiver
        // of the final flight answering its duplicates would make both sides retransmit to
        // each other forever.
        if self.life.last_flight().is_none_or(|f| f.is_empty()) {
            return;
        }
        // Answer a retransmitted flight at most once per eighth of the initial timeout, so a
        // flight spread over many datagrams (or duplicated by the network) does not cause a
        // storm, while a peer probing with a verdict pending (every
        // input_policy::VERDICT_PROBE_INTERVAL) gets an answer to each probe.
        let gap = self.config.initial_timeout / 8;
        if let Some(last) = self.last_rtx_response {
            if now < last + gap {
                return;
            }
        }
        self.last_rtx_response = Some(now);
        self.stats.retransmits += 1;
        let _ = self.emit_flight();
        if self.life.timer().is_some_and(|t| t.deadline.is_some()) {
            self.arm_timer(now);
        }
    }

    /// The peer's next flight has started arriving. The timer keeps running until that
    /// flight is complete (we then send our next flight, which re-arms it): if the rest of
    /// the peer's flight is lost, our expiry prompts the peer to resend (RFC 6347 §4.2.4).
    pub(crate) fn peer_flight_received(&mut self) {
        self.last_rtx_response = None;
    }

    /// The handshake is complete.
    pub(crate) fn complete_handshake(&mut self) {
        if self.life.renegotiating() {
            self.renegotiation_done();
        }
        // Replacing the Handshaking variant drops what it owned: transcript, flight being
        // built, timer, pending keys, verdicts (each step's own data went with the step).
        let (flight, sent_final) = match self.life.handshake_mut() {
            Some(h) => (std::mem::take(&mut h.flight), h.sent_final),
            None => (Flight::default(), false),
        };
        // The peer may still retransmit its last flight, partly in the old epoch, until it
        // sees our final flight: keep both until it shows it finished, or a while.
        self.life = Lifecycle::Established(Established {
            completed_at: sent_final.then_some(self.now),
            final_flight: sent_final.then_some(flight),
        });
        if !sent_final {
            // We received the final flight: the peer retransmits nothing the old epoch
            // carries that we need, and ours needs no answer (RFC 6347 §4.2.4).
            self.peer_finished();
        }
        self.free_handshake_state();
        self.events.push_back(Event::HandshakeComplete);
        if self.config.emit_keylog {
            if let Some(master) = &self.hs.master {
                let line = format!(
                    "CLIENT_RANDOM {} {}",
                    hex(&self.hs.client_random),
                    hex(&master[..])
                );
                self.events.push_back(Event::KeyLog(line));
            }
        }
    }

    /// Frees what only the handshake needed (the final flight stays, for retransmission).
    /// (The rest of the handshake-only state went with the Handshaking variant.)
    fn free_handshake_state(&mut self) {
        // The reassembler keeps next_seq (old messages are recognised as retransmissions).
        self.reasm.clear();
    }

    /// Reports a record header (only with `record_headers`).
    pub(crate) fn record_header_event(&mut self, sent: bool, header: Option<&[u8]>) {
        if !self.config.emit_record_headers {
            return;
        }
        if let Some(Ok(header)) = header.map(<[u8; RECORD_HEADER_LEN]>::try_from) {
            self.events.push_back(Event::RecordHeader { sent, header });
        }
    }

    pub(crate) fn message_event(
        &mut self,
        sent: bool,
        msg_type: HandshakeType,
        seq: u16,
        body: &[u8],
    ) {
        if self.config.emit_message_events {
            self.events.push_back(Event::HandshakeMessage {
                sent,
                msg_type,
                bytes: full_message(msg_type, seq, body),
            });
        }
    }

    // ----------------------------------------------------------------- keys

    /// Derives record keys from the master secret (RFC 5246 §6.3), for the caller to keep
    /// in the next step until they are installed.
    pub(crate) fn derive_keys(&mut self) -> Result<PendingKeys, Error> {
        let suite = self.hs.suite.ok_or(Error::InvalidState("no suite"))?;
        let master = self
            .hs
            .master
            .as_ref()
            .ok_or(Error::InvalidState("no master secret"))?;
        let kb = prf::key_block(
            suite,
            master,
            &self.hs.client_random,
            &self.hs.server_random,
        );
        let client = RecordProtection::with_mac_key(
            suite,
            &kb.client_write_mac_key,
            &kb.client_write_key,
            &kb.client_write_iv,
        )?;
        let server = RecordProtection::with_mac_key(
            suite,
            &kb.server_write_mac_key,
            &kb.server_write_key,
            &kb.server_write_iv,
        )?;
        let (write, read) = if self.is_client {
            (client, server)
        } else {
            (server, client)
        };
        Ok(PendingKeys { read, write })
    }

    /// verify_data for a Finished sent by the client (`client`) or server.
    pub(crate) fn finished_data(&mut self, client: bool) -> Result<[u8; 12], Error> {
        let suite = self.hs.suite.ok_or(Error::InvalidState("no suite"))?;
        let hash = self.hsk()?.transcript.hash(suite.prf);
        let master = self
            .hs
            .master
            .as_ref()
            .ok_or(Error::InvalidState("no master secret"))?;
        Ok(prf::finished_verify_data(suite.prf, master, client, &hash))
    }

    /// Checks the peer's Finished (RFC 5246 §7.4.9) in constant time.
    pub(crate) fn check_peer_finished(&mut self, verify_data: &[u8]) -> Result<(), Error> {
        let expected = self.finished_data(!self.is_client)?;
        if !crate::crypto::constant_time_eq(&expected, verify_data) {
            return Err(Error::alert(
                AlertDescription::DECRYPT_ERROR,
                "Finished verify_data mismatch",
            ));
        }
        self.hs.peer_finished = expected.to_vec();
        Ok(())
    }

    /// The running handshake's data; an error once it ended.
    pub(crate) fn hsk(&mut self) -> Result<&mut Handshake, Error> {
        self.life
            .handshake_mut()
            .ok_or(Error::InvalidState("handshake not running"))
    }

    /// A fresh ECDHE key pair in `group`: from the OS RNG, or from the seeded RNG when the
    /// config has a test seed, so a seeded handshake is reproducible byte for byte.
    pub(crate) fn ephemeral_key(
        &mut self,
        group: crate::enums::NamedGroup,
    ) -> Result<crate::crypto::ecdhe::EphemeralKeyPair, Error> {
        use crate::crypto::ecdhe::EphemeralKeyPair;
        #[cfg(any(test, feature = "test-rng"))]
        if self.config.rng_seed.is_some() {
            let mut seed = [0u8; 48];
            let seed = &mut seed[..EphemeralKeyPair::seed_len(group)];
            self.rng.fill_bytes(seed);
            return EphemeralKeyPair::from_seed(group, seed);
        }
        EphemeralKeyPair::generate(group)
    }

    /// Fills `out` from the connection's RNG (seeded in tests, OS entropy otherwise).
    pub(crate) fn random_bytes(&mut self, out: &mut [u8]) {
        self.rng.fill_bytes(out);
    }

    /// Queues a datagram built outside the flight machinery (HelloVerifyRequest).
    pub(crate) fn push_datagram(&mut self, dg: Vec<u8>) {
        self.out_queue.push_back(dg);
    }

    /// Counts one dropped input that no record-layer counter covers.
    pub(crate) fn stats_dropped(&mut self) {
        self.stats.records_dropped += 1;
    }

    pub(crate) fn set_record_write_sequence(&mut self, seq: u64) {
        self.records.set_next_write_sequence(seq);
    }

    // ----------------------------------------------------------------- output

    pub fn has_transmit(&self) -> bool {
        !self.out_queue.is_empty()
    }

    pub fn poll_transmit(&mut self, _now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        let mut dg = self.out_queue.pop_front()?;
        std::mem::swap(&mut dg, buf);
        dg.clear();
        if self.pool.len() < 16 {
            self.pool.push(dg);
        }
        self.stats.datagrams_sent += 1;
        Some(buf.len())
    }

    /// Moves queued datagrams into `buf` back to back as one batch (crate::transmit): the
    /// first datagram sets the segment size; the batch ends at `max_segments`, at a datagram
    /// larger than the segment size, or after one shorter than it (GSO's rule: only the
    /// last segment may be short).
    pub fn poll_transmit_batch(
        &mut self,
        now: Instant,
        buf: &mut Vec<u8>,
        max_segments: usize,
    ) -> Option<crate::transmit::Transmit> {
        let segment_size = self.poll_transmit(now, buf)?;
        let limit = max_segments.clamp(1, crate::transmit::MAX_BATCH_SEGMENTS);
        let mut segments = 1;
        let mut last = segment_size;
        while segments < limit && last == segment_size {
            match self.out_queue.front() {
                Some(dg) if !dg.is_empty() && dg.len() <= segment_size => {}
                _ => break,
            }
            let Some(mut dg) = self.out_queue.pop_front() else {
                break;
            };
            buf.extend_from_slice(&dg);
            last = dg.len();
            dg.clear();
            if self.pool.len() < 16 {
                self.pool.push(dg);
            }
            self.stats.datagrams_sent += 1;
            segments += 1;
        }
        Some(crate::transmit::Transmit {
            segment_size,
            segments,
            len: buf.len(),
        })
    }

    pub fn poll_timeout(&self) -> Option<Instant> {
        self.life.timer().and_then(|t| t.deadline)
    }

    pub fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        self.now = now;
        if !self.life.timer().is_some_and(|t| t.expired(now)) {
            return Ok(());
        }
        let verdict = self.life.handshake_mut().map(|h| &mut h.pending_verdict);
        let mut probing = false;
        let obeyed = verdict.and_then(|v| {
            probing = v.is_some();
            if v.as_mut().is_some_and(|v| v.expire()) {
                v.take()
            } else {
                None
            }
        });
        if let Some(v) = obeyed {
            // The handshake made no progress across VERDICT_EXPIRIES probe expiries, each
            // with a retransmission, since the unauthenticated input that earned this
            // verdict: the peer is silent, so it was probably genuine (crate::input_policy).
            return self.obey_verdict(v);
        }
        self.reasm.discard_contested_partials();
        if probing {
            // A probe (crate::input_policy): our flight again, a live peer answers it. Not
            // a timeout of the flight: no back-off, no count toward give-up or MTU fallback.
            self.stats.retransmits += 1;
            if let Err(e) = self.emit_flight() {
                return Err(self.fail(e));
            }
            if let Some(timer) = self.life.timer_mut() {
                timer.deadline = Some(now + input_policy::VERDICT_PROBE_INTERVAL);
            }
            return Ok(());
        }
        let expiries = self.life.timer().map_or(0, |t| t.expiries);
        if expiries >= self.config.max_retransmits && self.renegotiation_unanswered() {
            // The peer may ignore a HelloRequest (RFC 5246 §7.4.1.1), or never answer our
            // renegotiating ClientHello: the renegotiation is abandoned, not the connection.
            self.renegotiation_refused();
            return Ok(());
        }
        if expiries >= self.config.max_retransmits {
            self.life.fail(Error::HandshakeTimeout);
            return Err(Error::HandshakeTimeout);
        }
        let hooked = self.timer_hook.is_some();
        if let Some(timer) = self.life.timer_mut() {
            if hooked {
                // The hook computes the next value from the previous one
                // (DTLS_set_timer_cb).
                timer.expiries += 1;
            } else {
                timer.back_off();
            }
        }
        self.stats.retransmits += 1;
        if let Err(e) = self.emit_flight() {
            return Err(self.fail(e));
        }
        self.arm_timer(now);
        Ok(())
    }

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    // ----------------------------------------------------------------- app data

    pub fn send(&mut self, data: &[u8]) -> Result<(), SendError> {
        if let Some(e) = self.life.error() {
            return Err(SendError::Failed(e.clone()));
        }
        if !self.life.app_open() {
            return Err(SendError::NotEstablished);
        }
        if self.life.close_sent() {
            return Err(SendError::Closed);
        }
        // One record of up to 2^14 bytes (RFC 6347 §4.1.1), whatever the MTU: a record larger
        // than the path MTU goes out as one datagram and IP fragments it, as OpenSSL 3.0 does.
        // `data_mtu` is the largest write that avoids IP fragmentation. Refusing is not fatal.
        if data.len() > MAX_PLAINTEXT_LEN {
            return Err(SendError::TooLarge {
                max: MAX_PLAINTEXT_LEN,
            });
        }
        if self.out_queue.len() >= crate::transmit::MAX_QUEUED_DATAGRAMS {
            return Err(SendError::Full);
        }
        let mut dg = self.pool.pop().unwrap_or_default();
        dg.clear();
        let epoch = self.records.write_epoch();
        match self
            .records
            .seal_record(ContentType::APPLICATION_DATA, epoch, data, &mut dg)
        {
            Ok(()) => {
                if self.config.emit_record_headers {
                    self.record_header_event(true, dg.get(..RECORD_HEADER_LEN));
                }
                self.out_queue.push_back(dg);
                Ok(())
            }
            Err(e) => Err(SendError::Failed(self.fail(e))),
        }
    }

    /// The next received record, in the buffer it was decrypted in (no copy).
    pub fn recv_record(&mut self) -> Option<AppData> {
        if !self.life.completed() {
            return None;
        }
        let r = self.app_in.pop_front()?;
        self.app_in_bytes -= r.buf.capacity();
        Some(AppData::new(r.buf, r.start, r.end))
    }

    pub fn recv(&mut self, out: &mut [u8], peek: bool) -> Option<usize> {
        if !self.life.app_open() {
            return None;
        }
        let rec = self.app_in.front_mut()?;
        let n = out.len().min(rec.end - rec.start);
        out[..n].copy_from_slice(&rec.buf[rec.start..rec.start + n]);
        if !peek {
            rec.start += n;
            if rec.start >= rec.end {
                if let Some(r) = self.app_in.pop_front() {
                    self.app_in_bytes -= r.buf.capacity();
                    if self.pool.len() < 16 {
                        self.pool.push(r.buf);
                    }
                }
            }
        }
        Some(n)
    }

    pub fn pending(&self) -> usize {
        if !self.life.app_open() {
            return 0;
        }
        self.app_in.front().map_or(0, |r| r.end - r.start)
    }

    pub fn buffered_app_bytes(&self) -> usize {
        self.app_in_bytes
    }

    pub fn has_pending(&self) -> bool {
        self.life.app_open() && !self.app_in.is_empty()
    }

    pub fn close(&mut self) {
        if self.life.close_sent() || self.life.is_failed() {
            return;
        }
        self.send_alert(AlertLevel::Warning, AlertDescription::CLOSE_NOTIFY);
        // Closing abandons a running handshake, and its timer (see Lifecycle::close).
        self.life.close(true);
    }

    // ----------------------------------------------------------------- getters

    pub fn is_established(&self) -> bool {
        self.life.app_open()
    }
    pub fn is_handshaking(&self) -> bool {
        self.life.is_handshaking()
    }
    pub fn close_sent(&self) -> bool {
        self.life.close_sent()
    }
    pub fn close_received(&self) -> bool {
        self.life.close_received()
    }
    pub fn error(&self) -> Option<&Error> {
        self.life.error()
    }
    pub fn is_client(&self) -> bool {
        self.is_client
    }
    pub fn state_name(&self) -> &'static str {
        let step = match &self.life {
            Lifecycle::Handshaking(h) => h.step.kind(),
            Lifecycle::Established(_) | Lifecycle::Closing(_) => {
                return "SSL negotiation finished successfully"
            }
            Lifecycle::Failed(_) => return "error",
        };
        match step {
            State::ClientAwaitServerHello => "SSLv3/TLS write client hello",
            State::ClientAwaitCertificate => "SSLv3/TLS read server hello",
            State::ClientAwaitServerKeyExchange => "SSLv3/TLS read server certificate",
            State::ClientAwaitCertificateRequestOrDone => "SSLv3/TLS read server key exchange",
            State::ClientAwaitServerHelloDone => "SSLv3/TLS read server certificate request",
            State::ServerAwaitClientHello => "before SSL initialization",
            State::ServerAwaitClientCertificate => "SSLv3/TLS write server done",
            State::ServerAwaitClientKeyExchange => "SSLv3/TLS read client certificate",
            State::ServerAwaitCertificateVerify => "SSLv3/TLS read client key exchange",
            State::AwaitChangeCipherSpec => "SSLv3/TLS read change cipher spec",
            State::AwaitFinished => "SSLv3/TLS read finished",
        }
    }
    pub fn protocol_version(&self) -> Option<u16> {
        self.hs.suite.map(|_| DTLS1_2_VERSION)
    }
    pub fn cipher_suite(&self) -> Option<&'static CipherSuite> {
        self.hs.suite
    }
    pub fn group(&self) -> Option<NamedGroup> {
        self.hs.group
    }
    pub fn peer_signature_scheme(&self) -> Option<SignatureScheme> {
        self.hs.peer_sig_scheme
    }
    pub fn peer_certificates(&self) -> &[Vec<u8>] {
        &self.hs.peer_certs
    }
    pub fn verify_result(&self) -> i32 {
        self.hs.verify_result
    }
    pub fn set_verifier(&mut self, verifier: Box<dyn CertVerifier>) {
        self.verifier = Some(verifier);
    }
    /// Application cookie hooks for the stateful cookie exchange (OpenSSL cookie callbacks).
    pub fn set_cookie_hooks(&mut self, hooks: Box<dyn CookieHooks + Send>) {
        self.cookie_hooks = Some(hooks);
    }
    /// The server's ClientHello hook (crate::client_hello_hook).
    pub fn set_client_hello_hook(&mut self, hook: Box<dyn ClientHelloHook>) {
        self.client_hello_hook = Some(hook);
    }
    /// The server's external session store (crate::session::SessionLookupHook).
    pub fn set_session_lookup_hook(&mut self, hook: crate::session::SessionLookupHook) {
        self.session_lookup_hook = Some(hook);
    }
    /// The configuration whose session cache and session ID context this connection uses.
    pub(crate) fn session_config(&self) -> &Arc<Config> {
        self.session_home.as_ref().unwrap_or(&self.config)
    }
    pub fn session(&self) -> Option<Session> {
        if let Some(r) = self.renegotiation() {
            // The session in use until the renegotiation completes.
            return r.previous_session.clone();
        }
        if !self.life.completed() {
            return None;
        }
        self.current_session()
    }

    /// The session the current handshake negotiated, whatever the state (the server caches
    /// it while sending its final flight, just before it becomes established).
    pub(crate) fn current_session(&self) -> Option<Session> {
        let suite = self.hs.suite?;
        let master = self.hs.master.as_ref()?;
        let now_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Some(Session {
            id: self.hs.session_id.clone(),
            suite: suite.id,
            master_secret: master.clone(),
            extended_master_secret: self.hs.ems,
            peer_certificates: self.hs.peer_certs.clone(),
            verify_result: self.hs.verify_result,
            server_name: self.hs.server_name.clone(),
            id_context: self.session_config().session_id_context.clone(),
            created: self.now,
            created_unix: now_unix,
            lifetime: self.session_config().session_cache.lifetime(),
            tls13_ticket: None,
        })
    }
    pub fn set_alpn_hook(&mut self, hook: crate::alpn::AlpnSelectHook) {
        self.alpn_hook = Some(hook);
    }
    pub fn last_datagram_newest(&self) -> bool {
        self.last_datagram_newest
    }
    pub fn srtp_profile(&self) -> Option<u16> {
        self.hs.srtp_profile
    }
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.hs.alpn.as_deref()
    }
    pub fn session_reused(&self) -> bool {
        self.hs.resumed
    }
    pub fn session_cache_miss(&self) -> bool {
        self.hs.session_cache_miss
    }
    pub fn peer_groups(&self) -> &[NamedGroup] {
        &self.hs.peer_groups
    }
    pub fn server_name(&self) -> Option<&str> {
        self.hs.server_name.as_deref()
    }
    pub fn extended_master_secret(&self) -> bool {
        self.hs.ems
    }
    pub fn finished(&self) -> (&[u8], &[u8]) {
        (&self.hs.local_finished, &self.hs.peer_finished)
    }
    pub fn randoms(&self) -> Option<([u8; 32], [u8; 32])> {
        self.hs.suite?;
        Some((self.hs.client_random, self.hs.server_random))
    }
    pub fn export_keying_material(
        &self,
        out: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        if !self.life.completed() {
            return Err(Error::InvalidState("handshake not complete"));
        }
        let suite = self.hs.suite.ok_or(Error::InvalidState("no suite"))?;
        let master = self
            .hs
            .master
            .as_ref()
            .ok_or(Error::InvalidState("no master secret"))?;
        prf::export_keying_material(
            suite.prf,
            master,
            &self.hs.client_random,
            &self.hs.server_random,
            label,
            context,
            out,
        )
    }
    pub fn set_mtu(&mut self, mtu: usize) -> Result<(), Error> {
        if !(crate::config::MIN_MTU..=65507).contains(&mtu) {
            return Err(Error::Config(format!("MTU {mtu} out of range")));
        }
        self.mtu = mtu;
        Ok(())
    }
    pub fn mtu(&self) -> usize {
        self.mtu
    }
    pub fn data_mtu(&self) -> usize {
        use crate::crypto::suites::CBC_BLOCK_LEN;
        let Some(space) = self
            .mtu
            .checked_sub(self.records.record_overhead(self.records.write_epoch()))
        else {
            return 0;
        };
        let space = match self.records.write_suite().filter(|s| s.aead.is_cbc()) {
            // CBC, as OpenSSL's DTLS_get_data_mtu: the room left after header, IV and MAC,
            // rounded down to whole blocks, less the padding-length byte (record_overhead
            // counted a whole block of padding).
            Some(_) => {
                let room = space + CBC_BLOCK_LEN;
                room - room % CBC_BLOCK_LEN - 1
            }
            None => space,
        };
        space.min(crate::record::header::MAX_PLAINTEXT_LEN)
    }
    pub fn set_timer_hook(&mut self, hook: Box<dyn FnMut(u32) -> u32 + Send>) {
        self.timer_hook = Some(hook);
        // A flight already waiting (the client's first ClientHello is queued at creation)
        // is re-timed with the hook, as if it had been installed before sending.
        let armed = self.life.timer().and_then(|t| t.deadline.and(t.armed_at));
        if let Some(at) = armed {
            self.arm_timer(at);
        }
    }
    pub fn stats(&self) -> Stats {
        self.stats
    }
}

/// An application record in a buffer of exactly its size.
fn copy_exact(data: &[u8]) -> AppRecord {
    AppRecord {
        buf: data.to_vec(),
        start: 0,
        end: data.len(),
    }
}

/// Lowercase hex, for key log lines.
pub(crate) fn hex(b: &[u8]) -> String {
    const D: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for x in b {
        s.push(D[usize::from(x >> 4)] as char);
        s.push(D[usize::from(x & 15)] as char);
    }
    s
}
