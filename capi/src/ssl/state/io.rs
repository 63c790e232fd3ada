//! The driver's per-connection state an `SSL` holds (see `driver.rs`, `io.rs`).
use std::ffi::c_int;
use std::time::Instant;

/// The side of the handshake an `SSL` plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `SSL_connect` / `SSL_set_connect_state`.
    Client,
    /// `SSL_accept` / `SSL_set_accept_state`.
    Server,
}

/// A ClientHello that `DTLSv1_listen` verified, kept for the following `SSL_accept`.
pub struct ListenedHello {
    /// The whole datagram.
    pub datagram: Vec<u8>,
    /// The peer address bytes the cookie was bound to.
    pub peer: Vec<u8>,
}

/// I/O state of the driver.
#[derive(Default)]
pub struct IoState {
    /// A datagram the write BIO refused with a retry: sent before anything else.
    pub blocked_datagram: Option<Vec<u8>>,
    /// Datagrams of a batch after `blocked_datagram`, sent after it, in order.
    pub blocked_more: std::collections::VecDeque<Vec<u8>>,
    /// A stream transport's bytes of a record not yet complete (stream.rs).
    pub stream_rx: Vec<u8>,
    /// Whether the BIO (by address) last asked about carries a stream (stream.rs).
    pub stream_kind: Option<(usize, bool)>,
    /// `SSL_write` length whose record is queued but not yet written to the BIO.
    pub pending_write: Option<usize>,
    /// `SSL_key_update` the engine could not queue yet (an earlier flight of ours is not
    /// acknowledged): `Some(request_peer)`, queued by a later flush (key_update.rs).
    pub deferred_key_update: Option<bool>,
    /// The deadline last given to the read BIO with `BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT`.
    pub bio_deadline: Option<(Option<Instant>, usize)>,
    /// OpenSSL's handshake state (`SSL_state_string_long`), tracked from the messages sent
    /// and received as OpenSSL's state machine would move ("" before the handshake).
    pub last_state: &'static str,
    /// A flight we wrote awaits the transition that switches OpenSSL to reading.
    pub flight_end_pending: bool,
    /// A fatal error being reported: it becomes `SSL::failed` (state "error") at the fatal
    /// alert, after the state transitions that preceded it were reported (as OpenSSL's
    /// SSLfatal does).
    pub pending_failure: Option<(c_int, String)>,
    /// Headers of records we wrote, reported with the message they carry (OpenSSL reports
    /// a message after its records).
    pub sent_headers: Vec<[u8; 13]>,
    /// The peer's ChangeCipherSpec was reported from its record header.
    pub read_ccs_reported: bool,
    /// `SSL_CB_HANDSHAKE_START` was reported for the current handshake.
    pub start_reported: bool,
    /// The handshake completion was processed (callbacks, counters).
    pub done_reported: bool,
    /// ((write BIO, its descriptor), whether that is a DCCP socket), see `dccp.rs`.
    pub dccp_fd: Option<((usize, c_int), bool)>,
    /// A renegotiation handshake is being reported (renegotiate.rs).
    pub renegotiating: bool,
    /// `SSL_renegotiate` succeeded and its handshake has not been reported started yet.
    pub local_renegotiate: bool,
    /// `SSL_num_renegotiations` (renegotiate.rs).
    pub renegotiations_num: u64,
    /// `SSL_total_renegotiations`.
    pub renegotiations_total: u64,
    /// The events of the last dispatch, emptied: its allocation serves the next one while
    /// a handshake runs (events.rs), and is dropped once it is reported done.
    pub event_buf: Vec<rdtls::Event>,
}
