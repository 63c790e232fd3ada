//! Record-layer state: write and read epochs, per-epoch sequence numbers and anti-replay
//! windows, and counters of what was dropped (RFC 6347 §4.1, §4.1.2.6, §4.1.2.7).

use super::cid_record;
use super::header::{
    RecordHeader, MAX_CIPHERTEXT_LEN, MAX_PLAINTEXT_LEN, MAX_SEQUENCE, RECORD_HEADER_LEN,
};
use super::protection::RecordProtection;
use super::replay::ReplayWindow;
use crate::codec::Reader;
use crate::enums::{ContentType, DTLS1_0_VERSION, DTLS1_2_VERSION};
use crate::error::Error;

/// Most records we process from one datagram; the rest is dropped. Bounds the AEAD work one
/// datagram can demand (a 64 KiB datagram could frame ~1,700 empty AEAD records). A flight
/// needs far fewer, but a memory BIO hands out everything written to it as one datagram
/// (OpenSSL reads it the same way, up to its 16 KiB buffer): hundreds of small application
/// records written before the peer reads must all arrive.
pub const MAX_RECORDS_PER_DATAGRAM: usize = 1024;

/// Most records of the next read epoch held back during a renegotiation until the peer's
/// ChangeCipherSpec installs that epoch's keys (RFC 6347 §4.1 allows buffering them). The
/// peer switches to the new epoch right after its ChangeCipherSpec, so the application
/// data it sends next would otherwise be lost whenever that flight is lost or reordered.
pub const MAX_NEXT_EPOCH_RECORDS: usize = 256;
/// Bytes held by those records (as much as the application data buffered for `recv`,
/// `input_policy::MAX_BUFFERED_APP_BYTES`).
pub const MAX_NEXT_EPOCH_BYTES: usize = 256 * 1024;

/// Counters of received records. Drops are silent on the wire (RFC 6347 §4.1.2.7).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RecordStats {
    /// Records that passed every check and were delivered.
    pub received: u64,
    /// Truncated or inconsistent headers, unknown content types or versions, oversized
    /// records.
    pub dropped_malformed: u64,
    /// Records of an epoch we cannot read (not the current or previous read epoch).
    pub dropped_epoch: u64,
    /// Duplicates and records older than the replay window.
    pub dropped_replay: u64,
    /// AEAD failures, and application data in an unprotected epoch.
    pub dropped_auth: u64,
}

/// One authenticated record handed to the caller; `payload` is the plaintext.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordView<'b> {
    /// Content type.
    pub content_type: ContentType,
    /// Epoch the record arrived in.
    pub epoch: u16,
    /// Its sequence number.
    pub sequence: u64,
    /// Wire version from the header.
    pub version: u16,
    /// Decrypted payload.
    pub payload: &'b [u8],
    /// True when the record's epoch is protected and its tag verified.
    pub authenticated: bool,
}

/// Sending state of one epoch.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct WriteEpoch {
    epoch: u16,
    next_seq: u64,
    /// Boxed: keys are large (AES key schedule, GHASH table) and most epochs held have none
    /// (epoch 0 kept as the previous epoch for the whole connection).
    protection: Option<Box<RecordProtection>>,
}

/// Receiving state of one epoch.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct ReadEpoch {
    epoch: u16,
    window: ReplayWindow,
    /// Boxed, as in `WriteEpoch`.
    protection: Option<Box<RecordProtection>>,
}

/// Position inside a datagram for [`RecordLayer::open_next`].
#[derive(Debug, Default, Clone, Copy)]
pub struct DatagramCursor {
    offset: usize,
    records: usize,
    done: bool,
}

/// A record opened in place: its plaintext is `datagram[start..end]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenedRecord {
    /// Record content type.
    pub content_type: ContentType,
    /// Epoch from the record header.
    pub epoch: u16,
    /// 48-bit sequence number from the record header.
    pub sequence: u64,
    /// Version from the record header.
    pub version: u16,
    /// Offset of the 13-byte record header in the datagram.
    pub header_start: usize,
    /// Plaintext start offset in the datagram.
    pub start: usize,
    /// Plaintext end offset in the datagram.
    pub end: usize,
    /// True when the record's epoch is protected and its AEAD tag verified. Unprotected
    /// records are not marked in the replay window here: the caller marks them with
    /// [`RecordLayer::mark_unprotected`] once the handshake accepted them.
    pub authenticated: bool,
}

/// What [`RecordLayer::open_next`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextRecord {
    /// An authenticated record.
    Record(OpenedRecord),
    /// A record was dropped (and counted); call again for the next one.
    Dropped,
    /// No more records in this datagram.
    End,
}

/// Epochs, sequence numbers and replay windows for one association.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct RecordLayer {
    write: WriteEpoch,
    /// Kept so the last handshake flight of the old epoch can be retransmitted.
    prev_write: Option<WriteEpoch>,
    read: ReadEpoch,
    /// Kept so retransmitted handshake records of the old epoch still arrive.
    prev_read: Option<ReadEpoch>,
    write_version: u16,
    stats: RecordStats,
    /// Connection IDs once negotiated (RFC 9146): protected records we send carry `peer`
    /// (when non-empty) in the `tls12_cid` format; those we receive must carry `own` (when
    /// non-empty). Unprotected epochs never use them (RFC 9146 §3).
    cid: Option<crate::cid::ConnectionIds>,
    /// Hold records of the next read epoch (only while a renegotiation runs, when the
    /// current read epoch is protected): see [`MAX_NEXT_EPOCH_RECORDS`].
    hold_next_epoch: bool,
    /// Those records, whole (header and ciphertext), still unauthenticated.
    next_epoch: Vec<Vec<u8>>,
    next_epoch_bytes: usize,
}

impl Default for RecordLayer {
    fn default() -> Self {
        Self::new()
    }
}

impl RecordLayer {
    /// Read and write epoch 0, no protection, records sent as DTLS 1.2.
    pub fn new() -> Self {
        Self {
            write: WriteEpoch {
                epoch: 0,
                next_seq: 0,
                protection: None,
            },
            prev_write: None,
            read: ReadEpoch {
                epoch: 0,
                window: ReplayWindow::new(),
                protection: None,
            },
            prev_read: None,
            write_version: DTLS1_2_VERSION,
            stats: RecordStats::default(),
            cid: None,
            hold_next_epoch: false,
            next_epoch: Vec::new(),
            next_epoch_bytes: 0,
        }
    }

    /// The epoch new records are sent in.
    pub fn write_epoch(&self) -> u16 {
        self.write.epoch
    }

    /// The newest epoch we can read.
    pub fn read_epoch(&self) -> u16 {
        self.read.epoch
    }

    /// True when the current read epoch has keys (its records authenticate).
    pub fn read_epoch_protected(&self) -> bool {
        self.read.protection.is_some()
    }

    /// The version written into record headers (default 0xfefd).
    pub fn write_version(&self) -> u16 {
        self.write_version
    }

    /// Sets the version written into record headers, e.g. 0xfeff for a ClientHello sent
    /// before the version is negotiated.
    pub fn set_write_version(&mut self, version: u16) {
        self.write_version = version;
    }

    /// Installs keys for the next write epoch (epoch += 1, seq = 0). The previous write epoch
    /// stays usable for retransmitting older records.
    /// (Boxed keys are kept as they are, not copied into a new box.)
    pub fn install_write_protection(&mut self, p: impl Into<Box<RecordProtection>>) {
        // Renegotiation stops before u16::MAX (handshake::renegotiation), so no wrap.
        let next = WriteEpoch {
            epoch: self.write.epoch.wrapping_add(1),
            next_seq: 0,
            protection: Some(p.into()),
        };
        self.prev_write = Some(std::mem::replace(&mut self.write, next));
    }

    /// Installs keys for the next read epoch. Records of the previous read epoch remain
    /// accepted (retransmitted handshake) until [`Self::retire_previous_read_epoch`].
    pub fn install_read_protection(&mut self, p: impl Into<Box<RecordProtection>>) {
        let next = ReadEpoch {
            epoch: self.read.epoch.wrapping_add(1),
            window: ReplayWindow::new(),
            protection: Some(p.into()),
        };
        self.prev_read = Some(std::mem::replace(&mut self.read, next));
    }

    /// Holds (true) or drops (false, the default) records of the next read epoch; turning
    /// it off forgets what was held except records the current read epoch can open (the
    /// handshake that installed it may complete before they are taken).
    pub fn hold_next_epoch(&mut self, hold: bool) {
        self.hold_next_epoch = hold;
        if !hold {
            let epoch = self.read.epoch.to_be_bytes();
            let before = self.next_epoch.len();
            self.next_epoch.retain(|r| r.get(3..5) == Some(&epoch[..]));
            self.stats.dropped_epoch += (before - self.next_epoch.len()) as u64;
            self.next_epoch_bytes = self.next_epoch.iter().map(Vec::len).sum();
        }
    }

    /// The held records that the current read epoch can now open (each a one-record
    /// datagram for [`Self::open_next`]); the rest stay held.
    #[inline]
    pub fn take_held_records(&mut self) -> Vec<Vec<u8>> {
        if self.next_epoch.is_empty() {
            return Vec::new();
        }
        self.take_held_records_slow()
    }

    fn take_held_records_slow(&mut self) -> Vec<Vec<u8>> {
        let epoch = self.read.epoch.to_be_bytes();
        let (ready, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut self.next_epoch)
            .into_iter()
            .partition(|r| r.get(3..5) == Some(&epoch[..]));
        self.next_epoch_bytes = rest.iter().map(Vec::len).sum();
        self.next_epoch = rest;
        ready
    }

    /// Stops accepting records of the previous read epoch.
    pub fn retire_previous_read_epoch(&mut self) {
        self.prev_read = None;
    }

    /// Uses `ids` for every protected record from now on (RFC 9146 §3: once both hellos
    /// carried the extension; records of epoch 0 stay in the plain format).
    pub fn set_connection_ids(&mut self, ids: Option<crate::cid::ConnectionIds>) {
        self.cid = ids;
    }

    /// The negotiated connection IDs, if any.
    pub fn connection_ids(&self) -> Option<&crate::cid::ConnectionIds> {
        self.cid.as_ref()
    }

    /// Length of the CID received records carry (0 without one).
    fn rx_cid_len(&self) -> usize {
        self.cid.as_ref().map_or(0, |c| c.own.len())
    }

    fn write_state(&self, epoch: u16) -> Option<&WriteEpoch> {
        if epoch == self.write.epoch {
            return Some(&self.write);
        }
        self.prev_write.as_ref().filter(|w| w.epoch == epoch)
    }

    #[cfg(test)]
    fn write_state_mut(&mut self, epoch: u16) -> Option<&mut WriteEpoch> {
        if epoch == self.write.epoch {
            return Some(&mut self.write);
        }
        self.prev_write.as_mut().filter(|w| w.epoch == epoch)
    }

    /// Encodes one record in `epoch` (current or the previous write epoch) with the next
    /// sequence number of that epoch. Fails with `SequenceExhausted` past `MAX_SEQUENCE`,
    /// `InvalidState` for an unknown epoch and `MessageTooLarge` for a payload over 2^14.
    pub fn seal_record(
        &mut self,
        content_type: ContentType,
        epoch: u16,
        payload: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), Error> {
        if payload.len() > MAX_PLAINTEXT_LEN {
            return Err(Error::MessageTooLarge {
                max: MAX_PLAINTEXT_LEN,
            });
        }
        let version = self.write_version;
        // Field by field, so the CID can be borrowed beside the epoch state.
        let tx_cid = self
            .cid
            .as_ref()
            .map(|c| c.peer.as_slice())
            .filter(|c| !c.is_empty());
        let w = if epoch == self.write.epoch {
            Some(&mut self.write)
        } else {
            self.prev_write.as_mut().filter(|w| w.epoch == epoch)
        }
        .ok_or(Error::InvalidState("no keys for this write epoch"))?;
        let seq = w.next_seq;
        if seq > MAX_SEQUENCE {
            // RFC 6347 §4.1: a sequence number must never wrap.
            return Err(Error::SequenceExhausted);
        }
        match &w.protection {
            Some(p) => match tx_cid {
                Some(cid) => p.seal_cid(content_type, version, epoch, seq, cid, payload, 0, out)?,
                None => p.seal(content_type, version, epoch, seq, payload, out)?,
            },
            None => {
                out.reserve(RECORD_HEADER_LEN + payload.len());
                RecordHeader {
                    content_type,
                    version,
                    epoch,
                    sequence: seq,
                    length: payload.len() as u16,
                }
                .encode(out);
                out.extend_from_slice(payload);
            }
        }
        w.next_seq = seq + 1;
        Ok(())
    }

    /// The suite protecting records we send now (`None` in epoch 0).
    pub fn write_suite(&self) -> Option<&'static crate::crypto::suites::CipherSuite> {
        self.write.protection.as_ref().map(|p| p.suite())
    }

    /// Overhead (header + AEAD) of a record in `epoch`; an unknown epoch is costed like the
    /// current one.
    pub fn record_overhead(&self, epoch: u16) -> usize {
        let w = self.write_state(epoch).unwrap_or(&self.write);
        let Some(p) = &w.protection else {
            return RECORD_HEADER_LEN;
        };
        // tls12_cid adds the CID to the header and the real type inside (RFC 9146 §4).
        let cid = self
            .cid
            .as_ref()
            .filter(|c| !c.peer.is_empty())
            .map_or(0, |c| c.peer.len() + 1);
        RECORD_HEADER_LEN + p.overhead() + cid
    }

    /// The largest [`record_overhead`](Self::record_overhead) of the epochs we may still
    /// send in (the current one and the previous): an upper bound for any queued record.
    pub fn max_record_overhead(&self) -> usize {
        let prev = self
            .prev_write
            .as_ref()
            .map_or(0, |w| self.record_overhead(w.epoch));
        self.record_overhead(self.write.epoch).max(prev)
    }

    /// Splits a datagram into records, authenticates each, and calls `on_record` for each
    /// valid one, in order. Invalid records are dropped silently and counted
    /// (RFC 6347 §4.1.2.7). A truncated header, a length past the datagram's end or more than
    /// [`MAX_RECORDS_PER_DATAGRAM`] records drops the rest of the datagram, keeping earlier
    /// records. Decrypts in place in `datagram`.
    pub fn open_datagram(
        &mut self,
        datagram: &mut [u8],
        mut on_record: impl FnMut(RecordView<'_>),
    ) {
        let mut cursor = DatagramCursor::default();
        loop {
            match self.open_next(datagram, &mut cursor) {
                NextRecord::End => return,
                NextRecord::Dropped => {}
                NextRecord::Record(r) => on_record(RecordView {
                    authenticated: r.authenticated,
                    content_type: r.content_type,
                    epoch: r.epoch,
                    sequence: r.sequence,
                    version: r.version,
                    payload: &datagram[r.start..r.end],
                }),
            }
        }
    }

    /// Opens the next record of `datagram` at `cursor` (decrypting in place). Callers that
    /// must act between records (a ChangeCipherSpec installs the keys the next record of the
    /// same datagram needs) use this instead of [`RecordLayer::open_datagram`].
    pub fn open_next(&mut self, datagram: &mut [u8], cursor: &mut DatagramCursor) -> NextRecord {
        if cursor.done || cursor.offset >= datagram.len() {
            return NextRecord::End;
        }
        if cursor.records == MAX_RECORDS_PER_DATAGRAM {
            self.stats.dropped_malformed += 1;
            cursor.done = true;
            return NextRecord::End;
        }
        cursor.records += 1;
        let rest = &mut datagram[cursor.offset..];
        let Some((header, header_len)) = self.decode_header(rest) else {
            self.stats.dropped_malformed += 1;
            cursor.done = true;
            return NextRecord::End;
        };
        let body_len = usize::from(header.length);
        if rest.len() - header_len < body_len {
            self.stats.dropped_malformed += 1;
            cursor.done = true;
            return NextRecord::End;
        }
        let header_start = cursor.offset;
        let body_start = cursor.offset + header_len;
        cursor.offset = body_start + body_len;
        let (head, tail) = datagram.split_at_mut(body_start);
        let cid = &head[header_start + cid_record::CID_OFFSET..];
        let cid = (header.content_type == ContentType::TLS12_CID).then_some(cid);
        let body = &mut tail[..body_len];
        let body_ptr = body.as_ptr() as usize;
        match self.open_record(&header, cid, body) {
            Some((payload, content_type, authenticated)) => {
                self.stats.received += 1;
                let start = body_start + (payload.as_ptr() as usize - body_ptr);
                NextRecord::Record(OpenedRecord {
                    content_type,
                    epoch: header.epoch,
                    sequence: header.sequence,
                    version: header.version,
                    header_start,
                    start,
                    end: start + payload.len(),
                    authenticated,
                })
            }
            None => NextRecord::Dropped,
        }
    }

    /// Reads a plain header, or a `tls12_cid` one when we negotiated a non-empty CID (its
    /// length is ours, not on the wire). Returns the header and its length; the CID, checked
    /// later, stays in the datagram. `None` when the header is truncated or is a
    /// `tls12_cid` header we cannot size: the rest of the datagram cannot be split.
    fn decode_header(&self, rest: &[u8]) -> Option<(RecordHeader, usize)> {
        let cid_len = self.rx_cid_len();
        if rest.first() != Some(&ContentType::TLS12_CID.0) {
            return Some((RecordHeader::parse(rest)?, RECORD_HEADER_LEN));
        }
        if cid_len == 0 {
            return None;
        }
        let mut r = Reader::new(rest);
        let content_type = ContentType(r.u8("record type").ok()?);
        let version = r.u16("record version").ok()?;
        let epoch = r.u16("record epoch").ok()?;
        let sequence = r.u48("record sequence").ok()?;
        r.take(cid_len, "record cid").ok()?;
        let length = r.u16("record length").ok()?;
        let h = RecordHeader {
            content_type,
            version,
            epoch,
            sequence,
            length,
        };
        Some((h, cid_record::header_len(cid_len)))
    }

    /// Checks and decrypts one record whose body is complete; counts why it was dropped.
    /// `cid` starts at the CID of a `tls12_cid` record (None for a plain one). Returns the
    /// plaintext, its (real) content type and whether it authenticated.
    fn open_record<'b>(
        &mut self,
        header: &RecordHeader,
        cid: Option<&[u8]>,
        body: &'b mut [u8],
    ) -> Option<(&'b [u8], ContentType, bool)> {
        let stats = &mut self.stats;
        let own_cid = self
            .cid
            .as_ref()
            .map(|c| c.own.as_slice())
            .filter(|c| !c.is_empty());
        let cid = match (cid, own_cid) {
            // A CID record must name this association (RFC 9146 §3).
            (Some(got), Some(own)) if got.get(..own.len()) == Some(own) => Some(own),
            (None, _) => None,
            _ => {
                stats.dropped_malformed += 1;
                return None;
            }
        };
        if !(cid.is_some() || header.content_type.is_known())
            || !(header.version == DTLS1_2_VERSION || header.version == DTLS1_0_VERSION)
            || body.len() > MAX_CIPHERTEXT_LEN
        {
            stats.dropped_malformed += 1;
            return None;
        }
        let state = if header.epoch == self.read.epoch {
            &mut self.read
        } else if let Some(prev) = self.prev_read.as_mut().filter(|p| p.epoch == header.epoch) {
            prev
        } else {
            let next = header.epoch == self.read.epoch.wrapping_add(1);
            let size = RECORD_HEADER_LEN + body.len();
            if next
                && self.hold_next_epoch
                && self.read.protection.is_some()
                && self.next_epoch.len() < MAX_NEXT_EPOCH_RECORDS
                && self.next_epoch_bytes + size <= MAX_NEXT_EPOCH_BYTES
            {
                // Opened (and authenticated) once its epoch's keys are installed.
                let mut raw = Vec::with_capacity(size);
                header.encode(&mut raw);
                raw.extend_from_slice(body);
                self.next_epoch_bytes += size;
                self.next_epoch.push(raw);
            } else {
                stats.dropped_epoch += 1;
            }
            return None;
        };
        let Some(p) = &state.protection else {
            if cid.is_some() {
                // RFC 9146 §3: CIDs are used only once encryption is on.
                stats.dropped_malformed += 1;
                return None;
            }
            // Unprotected epoch: anyone could have sent this, so its window is advisory
            // (crate::input_policy): nothing is "too old", nothing is marked until the
            // handshake accepts the record, and a hit drops only what the policy says.
            if crate::input_policy::unprotected_duplicate_drops(header.content_type)
                && state.window.is_duplicate(header.sequence)
            {
                stats.dropped_replay += 1;
                return None;
            }
            // Application data is never sent unprotected (RFC 5246 §7.1): only an
            // attacker could have produced it.
            if header.content_type == ContentType::APPLICATION_DATA {
                stats.dropped_auth += 1;
                return None;
            }
            if body.len() > MAX_PLAINTEXT_LEN {
                stats.dropped_malformed += 1;
                return None;
            }
            return Some((body, header.content_type, false));
        };
        if cid.is_none() && own_cid.is_some() {
            // RFC 9146 §3: with a negotiated CID every protected record uses tls12_cid.
            stats.dropped_malformed += 1;
            return None;
        }
        // RFC 6347 §4.1.2.6: check before decrypting, mark only once authenticated.
        if !state.window.check(header.sequence) {
            stats.dropped_replay += 1;
            return None;
        }
        let opened = match cid {
            Some(cid) => p.open_cid(header, cid, body),
            None => p.open(header, body),
        };
        let Ok(plaintext) = opened else {
            stats.dropped_auth += 1;
            return None;
        };
        state.window.mark(header.sequence);
        if cid.is_none() {
            if plaintext.len() > MAX_PLAINTEXT_LEN {
                stats.dropped_malformed += 1;
                return None;
            }
            return Some((plaintext, header.content_type, true));
        }
        // RFC 9146 §4: content ‖ real type ‖ zeros. An inner plaintext with no real type
        // authenticated, so only its sender can have made it: dropped, as malformed.
        match cid_record::split_inner(plaintext) {
            Some((len, real_type))
                if len <= MAX_PLAINTEXT_LEN && plaintext.len() <= cid_record::MAX_INNER_LEN =>
            {
                Some((&plaintext[..len], real_type, true))
            }
            _ => {
                stats.dropped_malformed += 1;
                None
            }
        }
    }

    /// Marks `seq` in the replay window of unprotected read `epoch` once the handshake
    /// accepted the record, within [`crate::input_policy::MAX_UNPROTECTED_SEQ_JUMP`] of
    /// the newest mark. Protected epochs are marked on authentication instead.
    pub fn mark_unprotected(&mut self, epoch: u16, seq: u64) {
        let state = if epoch == self.read.epoch {
            &mut self.read
        } else if let Some(prev) = self.prev_read.as_mut().filter(|p| p.epoch == epoch) {
            prev
        } else {
            return;
        };
        if state.protection.is_none()
            && crate::input_policy::unprotected_mark_allowed(state.window.top(), seq)
        {
            state.window.mark(seq);
        }
    }

    /// True while records of the previous read epoch are still accepted.
    pub fn has_previous_read_epoch(&self) -> bool {
        self.prev_read.is_some()
    }

    /// Counters since creation.
    pub fn stats(&self) -> RecordStats {
        self.stats
    }

    /// Advances the current write epoch's next sequence number to `seq`. A server answering a
    /// ClientHello after HelloVerifyRequest uses this to continue from the ClientHello's record
    /// sequence number (RFC 6347 §4.2.1). Never moves backwards: a reused sequence number
    /// would reuse an AEAD nonce.
    pub fn set_next_write_sequence(&mut self, seq: u64) {
        let w = &mut self.write;
        w.next_seq = w.next_seq.max(seq.min(MAX_SEQUENCE + 1));
    }

    /// Test hook: jump any write epoch's next sequence number (for exhaustion tests).
    #[cfg(test)]
    pub(crate) fn force_next_write_sequence(&mut self, epoch: u16, seq: u64) {
        if let Some(w) = self.write_state_mut(epoch) {
            w.next_seq = seq;
        }
    }
}

#[cfg(test)]
#[path = "layer_tests.rs"]
mod tests;
