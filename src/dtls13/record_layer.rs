//! The DTLS 1.3 record layer of one endpoint: epoch-0 DTLSPlaintext records, protected
//! DTLSCiphertext records per epoch (RFC 9147 §4), per-epoch receive windows checked after
//! deprotection (§4.5.1), silent dropping of anything that does not authenticate
//! (§4.5.2), and the AEAD usage limits of each key (§4.5.3): records sealed, and records
//! that failed authentication.

use super::ack::RecordNumber;
use super::epoch::KeyUsage;
use super::key_schedule::{KeySchedule, Secret};
use super::record_protection::{HeaderShape, RecordKeys, Suite13};
use super::unified_header;

/// DTLSPlaintext header length (RFC 9147 §4: type, legacy version, epoch, 48-bit seq, len).
pub const PLAINTEXT_HEADER_LEN: usize = 13;
/// Overhead of a protected record we send: 1 + 2 (seq) + 2 (length) header, the content
/// type byte and a 16-byte tag.
pub const CIPHERTEXT_OVERHEAD: usize = 5 + 1 + 16;
/// Receive epochs kept at once (the current one, the previous one for reordered records,
/// and the handshake epoch).
const MAX_RECV_EPOCHS: usize = 3;
/// Our CIDs the peer may use at once (the negotiated one and those we issued since in
/// NewConnectionId, RFC 9147 §9); the oldest is forgotten beyond this.
pub const MAX_OWN_CIDS: usize = 8;

/// Content types (RFC 8446 §5.1, RFC 9147 §7).
pub mod content {
    /// alert(21)
    pub const ALERT: u8 = 21;
    /// handshake(22)
    pub const HANDSHAKE: u8 = 22;
    /// application_data(23)
    pub const APPLICATION_DATA: u8 = 23;
    /// ack(26)
    pub const ACK: u8 = 26;
}

/// One authenticated record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InRecord {
    /// Its record number (epoch, sequence).
    pub rn: RecordNumber,
    /// The (inner) content type.
    pub content_type: u8,
    /// The plaintext content.
    pub content: Vec<u8>,
}

/// A 64-record anti-replay window (RFC 9147 §4.5.1).
#[derive(Debug, Clone, Copy, Default)]
struct ReplayWindow {
    /// One more than the highest sequence number accepted.
    next: u64,
    /// Bit i set: `next - 1 - i` was received.
    bits: u64,
}

impl ReplayWindow {
    fn is_fresh(&self, seq: u64) -> bool {
        if seq >= self.next {
            return true;
        }
        let back = self.next - 1 - seq;
        back < 64 && self.bits & (1 << back) == 0
    }

    fn mark(&mut self, seq: u64) {
        if seq >= self.next {
            let shift = seq - self.next + 1;
            self.bits = if shift >= 64 { 0 } else { self.bits << shift };
            self.bits |= 1;
            self.next = seq + 1;
        } else {
            self.bits |= 1 << (self.next - 1 - seq);
        }
    }
}

#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct RecvEpoch {
    epoch: u64,
    keys: RecordKeys,
    window: ReplayWindow,
    usage: KeyUsage,
}

#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct SendEpoch {
    epoch: u64,
    keys: RecordKeys,
    next_seq: u64,
    usage: KeyUsage,
}

/// Keys and counters of both directions.
#[derive(Default)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct RecordLayer {
    plain_send_seq: u64,
    plain_window: ReplayWindow,
    send: Vec<SendEpoch>,
    recv: Vec<RecvEpoch>,
    /// Records that failed deprotection, all epochs together.
    pub failed_records: u64,
    /// Set once the records failing authentication under one key reach the suite's
    /// integrity limit: the connection must end (RFC 9147 §4.5.3).
    pub integrity_limit_reached: bool,
    /// The CID our protected records carry (the peer's, RFC 9147 §9); empty: none.
    send_cid: Vec<u8>,
    /// The CIDs a protected record we receive must carry, all of `own_cid_len` bytes;
    /// empty: records carry none (no CID negotiated, or a zero-length one).
    own_cids: Vec<Vec<u8>>,
    own_cid_len: usize,
    /// The CID of the latest authenticated record (kept when old CIDs are forgotten).
    cid_in_use: Vec<u8>,
    /// Records dropped because their CID was not one of ours (or missing).
    pub wrong_cid_records: u64,
    /// The highest (epoch, sequence) that authenticated so far.
    newest: Option<(u64, u64)>,
    /// The datagram opened last held a protected record newer than every record before
    /// it (RFC 9146 §6, RFC 9147 §9: only then may the peer's address be updated).
    pub last_datagram_newest: bool,
    /// With record-header events on: the headers of records sealed (`true`) and of
    /// records received that authenticated (`false`), as on the wire (a unified header's
    /// sequence number still encrypted, RFC 9147 §4.2.3), in order; taken by the channel.
    pub(crate) headers: Option<Vec<(bool, Vec<u8>)>>,
}

fn record_keys(
    ks: &KeySchedule,
    suite: Suite13,
    secret: &Secret,
) -> Result<RecordKeys, crate::error::Error> {
    let keys = ks
        .traffic_keys(secret, suite.key_len())
        .map_err(|_| crate::error::Error::Crypto("traffic keys"))?;
    RecordKeys::new(suite, &keys).map_err(|_| crate::error::Error::Crypto("record keys"))
}

/// Adds an epoch's keys, replacing any of the same epoch and dropping the oldest beyond
/// [`MAX_RECV_EPOCHS`].
fn install<T>(v: &mut Vec<T>, item: T, epoch_of: fn(&T) -> u64) {
    let epoch = epoch_of(&item);
    v.retain(|e| epoch_of(e) != epoch);
    if v.len() >= MAX_RECV_EPOCHS {
        v.remove(0);
    }
    v.push(item);
}

impl RecordLayer {
    /// Installs the keys we send `epoch` with (kept alongside older ones: a flight of an
    /// older epoch may still need retransmitting).
    pub fn install_send(
        &mut self,
        ks: &KeySchedule,
        suite: Suite13,
        epoch: u64,
        secret: &Secret,
    ) -> Result<(), crate::error::Error> {
        let keys = record_keys(ks, suite, secret)?;
        let e = SendEpoch {
            epoch,
            keys,
            next_seq: 0,
            usage: KeyUsage::new(suite),
        };
        install(&mut self.send, e, |e| e.epoch);
        Ok(())
    }

    /// Installs the keys the peer protects `epoch` with.
    pub fn install_recv(
        &mut self,
        ks: &KeySchedule,
        suite: Suite13,
        epoch: u64,
        secret: &Secret,
    ) -> Result<(), crate::error::Error> {
        let keys = record_keys(ks, suite, secret)?;
        let e = RecvEpoch {
            epoch,
            keys,
            window: ReplayWindow::default(),
            usage: KeyUsage::new(suite),
        };
        install(&mut self.recv, e, |e| e.epoch);
        Ok(())
    }

    /// True once keys for receiving `epoch` are installed.
    pub fn has_recv(&self, epoch: u64) -> bool {
        self.recv.iter().any(|e| e.epoch == epoch)
    }

    /// True once the key we send `epoch` with has sealed enough records that a KeyUpdate is
    /// due (seven eighths of the suite's confidentiality limit, §4.5.3).
    pub fn key_update_due(&self, epoch: u64) -> bool {
        self.send
            .iter()
            .any(|e| e.epoch == epoch && e.usage.key_update_due())
    }

    /// The CID our protected records carry from now on (RFC 9147 §9: the peer's choice).
    pub fn set_send_cid(&mut self, cid: &[u8]) {
        self.send_cid = cid.to_vec();
    }

    /// The CID our protected records carry.
    pub fn send_cid(&self) -> &[u8] {
        &self.send_cid
    }

    /// Adds a CID of ours the peer may put in its records; all must have the length of the
    /// first (the length is not on the wire). An empty one (or none) means no CID in
    /// received records. Beyond [`MAX_OWN_CIDS`] the oldest is forgotten.
    pub fn add_own_cid(&mut self, cid: &[u8]) -> Result<(), crate::error::Error> {
        if cid.is_empty() {
            return Ok(());
        }
        if !self.own_cids.is_empty() && cid.len() != self.own_cid_len {
            return Err(crate::error::Error::InvalidState("CID length differs"));
        }
        if self.own_cids.iter().any(|c| c == cid) {
            return Ok(());
        }
        if self.own_cids.len() >= MAX_OWN_CIDS {
            // The oldest, unless the peer is using it right now (then the next oldest).
            let i = usize::from(self.own_cids[0] == self.cid_in_use);
            self.own_cids.remove(i);
        }
        self.own_cid_len = cid.len();
        self.own_cids.push(cid.to_vec());
        Ok(())
    }

    /// Forgets our CIDs: received records carry none (the CID was not negotiated).
    pub fn clear_own_cids(&mut self) {
        self.own_cids.clear();
        self.own_cid_len = 0;
    }

    /// Our CIDs the peer may use, oldest first.
    pub fn own_cids(&self) -> &[Vec<u8>] {
        &self.own_cids
    }

    /// The CID of ours the peer uses now: that of the latest authenticated record, else
    /// the first of ours (empty: none).
    pub fn own_cid_in_use(&self) -> &[u8] {
        if self.cid_in_use.is_empty() {
            self.own_cids.first().map_or(&[], Vec::as_slice)
        } else {
            &self.cid_in_use
        }
    }

    /// Overhead of a protected record we send: header with our sending CID, content type
    /// byte, tag.
    pub fn ciphertext_overhead(&self) -> usize {
        CIPHERTEXT_OVERHEAD + self.send_cid.len()
    }

    /// Sets the sequence number of our next epoch-0 record: a stateless server answers a
    /// ClientHello with the record number it came in (RFC 9147 §5.1), so a server that
    /// kept nothing between HelloRetryRequest and ServerHello still never repeats one.
    pub fn set_plain_send_seq(&mut self, seq: u64) {
        self.plain_send_seq = seq;
    }

    /// The sequence number of our next epoch-0 record.
    pub fn plain_send_seq(&self) -> u64 {
        self.plain_send_seq
    }

    /// Test support: counts `sealed` records against the key of sending `epoch` and `failed`
    /// ones against the newest receive key, as if they had been processed.
    #[cfg(any(test, feature = "test-rng"))]
    pub fn count_usage_for_test(&mut self, epoch: u64, sealed: u64, failed: u64) {
        if let Some(e) = self.send.iter_mut().find(|e| e.epoch == epoch) {
            e.usage.count_for_test(sealed, 0);
        }
        if let Some(e) = self.recv.last_mut() {
            e.usage.count_for_test(0, failed);
        }
    }

    /// Forgets the receive keys of epochs below `epoch`.
    pub fn retire_recv_below(&mut self, epoch: u64) {
        self.recv.retain(|e| e.epoch >= epoch);
    }

    /// Appends one record of `epoch` (0: DTLSPlaintext) to `out`; returns its number.
    pub fn seal(
        &mut self,
        out: &mut Vec<u8>,
        epoch: u64,
        content_type: u8,
        payload: &[u8],
    ) -> Result<RecordNumber, crate::error::Error> {
        let start = out.len();
        if epoch == 0 {
            let seq = self.plain_send_seq;
            self.plain_send_seq += 1;
            out.push(content_type);
            out.extend_from_slice(&[0xfe, 0xfd, 0, 0]);
            out.extend_from_slice(&seq.to_be_bytes()[2..]);
            out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
            out.extend_from_slice(payload);
            self.log_header(true, out.get(start..start + PLAINTEXT_HEADER_LEN));
            return Ok(RecordNumber { epoch, seq });
        }
        let e = self
            .send
            .iter_mut()
            .find(|e| e.epoch == epoch)
            .ok_or(crate::error::Error::InvalidState("no keys for the epoch"))?;
        if e.next_seq >= 1 << 48 {
            return Err(crate::error::Error::SequenceExhausted);
        }
        if e.usage.exhausted() {
            // §4.5.3: no record beyond the confidentiality limit; a KeyUpdate must move
            // the epoch on first.
            return Err(crate::error::Error::InvalidState(
                "AEAD usage limit of the sending key reached",
            ));
        }
        let seq = e.next_seq;
        // RFC 9147 §9 / RFC 9146 §3: once negotiated, every protected record carries the
        // CID the peer asked for (C bit set); a zero-length one is sent as none.
        let shape = HeaderShape {
            cid: &self.send_cid,
            seq_16: true,
            with_length: true,
        };
        e.keys
            .seal(out, shape, epoch, seq, content_type, payload, 0)
            .map_err(|_| crate::error::Error::Crypto("record seal"))?;
        e.next_seq += 1;
        e.usage.on_sealed();
        // Flags, the CID, a 16-bit sequence number and the length (the shape above).
        let header_len = 1 + self.send_cid.len() + 2 + 2;
        self.log_header(true, out.get(start..start + header_len));
        Ok(RecordNumber { epoch, seq })
    }

    /// Notes a record header for the record-header events (when they are on).
    fn log_header(&mut self, sent: bool, header: Option<&[u8]>) {
        if let (Some(log), Some(h)) = (self.headers.as_mut(), header) {
            log.push((sent, h.to_vec()));
        }
    }

    /// Splits `datagram` into records and returns those that authenticate and are fresh.
    /// Everything else is dropped silently (RFC 9147 §4.5.2); `undecryptable` receives
    /// protected records of an epoch whose keys are not installed yet.
    pub fn open_datagram(
        &mut self,
        datagram: &[u8],
        undecryptable: &mut Vec<Vec<u8>>,
    ) -> Vec<InRecord> {
        let mut out = Vec::new();
        self.last_datagram_newest = false;
        let mut d = datagram;
        while let Some(&first) = d.first() {
            if unified_header::is_unified_header(first) {
                let Ok(view) = unified_header::parse(d, self.own_cid_len) else {
                    break;
                };
                let Some(rec) = d.get(..view.record_len) else {
                    break;
                };
                if !self.cid_is_ours(rec, &view) {
                    // RFC 9147 §9: a record without one of our CIDs is not ours; dropped
                    // silently (§4.5.2), before any key is tried.
                    self.wrong_cid_records += 1;
                    d = &d[view.record_len..];
                    continue;
                }
                match self.open_protected(rec) {
                    Some(r) => out.push(r),
                    None if !self
                        .recv
                        .iter()
                        .any(|e| e.epoch & 3 == u64::from(first & 3)) =>
                    {
                        undecryptable.push(rec.to_vec())
                    }
                    None => {}
                }
                d = &d[view.record_len..];
            } else {
                if d.len() < PLAINTEXT_HEADER_LEN {
                    break;
                }
                let len = usize::from(u16::from_be_bytes([d[11], d[12]]));
                let Some(rec) = d.get(..PLAINTEXT_HEADER_LEN + len) else {
                    break;
                };
                let epoch = u16::from_be_bytes([rec[3], rec[4]]);
                let seq =
                    u64::from_be_bytes([0, 0, rec[5], rec[6], rec[7], rec[8], rec[9], rec[10]]);
                // Only handshake and alert records exist in epoch 0 (RFC 9147 §4).
                let ok_type = matches!(rec[0], content::HANDSHAKE | content::ALERT);
                if epoch == 0 && ok_type && rec[1] == 0xfe && self.plain_window.is_fresh(seq) {
                    self.plain_window.mark(seq);
                    self.log_header(false, rec.get(..PLAINTEXT_HEADER_LEN));
                    out.push(InRecord {
                        rn: RecordNumber { epoch: 0, seq },
                        content_type: rec[0],
                        content: rec[PLAINTEXT_HEADER_LEN..].to_vec(),
                    });
                }
                d = &d[rec.len()..];
            }
        }
        out
    }

    /// True when the record carries one of our CIDs, or none while we have none.
    fn cid_is_ours(&self, rec: &[u8], view: &unified_header::RecordView) -> bool {
        if self.own_cids.is_empty() {
            return !view.header.cid_present;
        }
        view.header.cid_present && self.own_cids.iter().any(|c| c[..] == *view.cid(rec))
    }

    /// Deprotects one unified-header record: the epoch is the installed one whose low bits
    /// match (§4.2.2); a failure is counted and the record dropped.
    pub fn open_protected(&mut self, rec: &[u8]) -> Option<InRecord> {
        let view = unified_header::parse(rec, self.own_cid_len).ok()?;
        if !self.cid_is_ours(rec, &view) {
            return None;
        }
        let bits = u64::from(view.header.epoch_bits);
        let e = self.recv.iter_mut().rev().find(|e| e.epoch & 3 == bits)?;
        let mut buf = rec.to_vec();
        let opened = match e.keys.open(&mut buf, &view, e.window.next) {
            Ok(o) => o,
            Err(_) => {
                self.failed_records += 1;
                if e.usage.on_failed() {
                    self.integrity_limit_reached = true;
                }
                return None;
            }
        };
        if !e.window.is_fresh(opened.seq) {
            return None;
        }
        e.window.mark(opened.seq);
        let rn = (e.epoch, opened.seq);
        if self.newest.is_none_or(|n| rn > n) {
            self.newest = Some(rn);
            self.last_datagram_newest = true;
        }
        let r = InRecord {
            rn: RecordNumber {
                epoch: e.epoch,
                seq: opened.seq,
            },
            content_type: opened.content_type,
            content: opened.content.to_vec(),
        };
        self.log_header(false, rec.get(..view.header_len));
        self.note_cid_used(view.cid(rec));
        Some(r)
    }

    /// Notes the CID of the latest authenticated record: the one the peer uses now is
    /// never forgotten when new ones are issued ([`MAX_OWN_CIDS`]).
    fn note_cid_used(&mut self, cid: &[u8]) {
        if self.cid_in_use != cid {
            self.cid_in_use.clear();
            self.cid_in_use.extend_from_slice(cid);
        }
    }
}

#[cfg(test)]
#[path = "record_layer_tests.rs"]
mod tests;
