//! The ACK message (RFC 9147 §7) and the bookkeeping around it.
//!
//! ```text
//! struct { uint64 epoch; uint64 sequence_number; } RecordNumber;
//! struct { RecordNumber record_numbers<0..2^16-1>; } ACK;
//! ```
//!
//! ACK is its own content type (26), sent in a protected record. Two sides use it:
//! * [`ReceivedRecords`]: the records of the peer's current flight this endpoint received,
//!   to be listed in the next ACK (§7.1);
//! * [`SentFlight`]: which parts of our own flight are acknowledged, so a retransmission
//!   resends only the rest (§5.8.1 partial-flight retransmission, §7.2).

use std::collections::BTreeSet;

use crate::codec::{put_u16, put_uint, DecodeError, Reader};

/// RFC 9147 §7 content type of an ACK record.
pub const CONTENT_TYPE_ACK: u8 = 26;

/// Record numbers remembered for the next ACK. At 16 bytes each, 64 fill 1026 bytes: one
/// ACK fits a 1200-byte datagram. When full, the lowest (oldest) is forgotten (§7.1 lets an
/// implementation omit records; the peer then just retransmits them).
pub const MAX_ACK_RECORDS: usize = 64;

/// Parts (handshake fragments) of one flight tracked for acknowledgement. A flight larger
/// than this is refused by [`SentFlight::add_part`] rather than tracked without bound.
pub const MAX_FLIGHT_PARTS: usize = 256;

/// Record numbers remembered per part: the first transmission and retransmissions. Older
/// ones are forgotten; an ACK naming them is then ignored and the part resent once more.
pub const MAX_SENDS_PER_PART: usize = 8;

/// A DTLS 1.3 record number: full epoch and sequence number (RFC 9147 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RecordNumber {
    /// Epoch (0 = plaintext, 1 = early data, 2 = handshake, 3+ = application).
    pub epoch: u64,
    /// Sequence number within the epoch.
    pub seq: u64,
}

/// An ACK message body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Ack {
    /// The acknowledged records.
    pub record_numbers: Vec<RecordNumber>,
}

impl Ack {
    /// Appends the ACK body. §7: "in numerically increasing order", so the list is sorted
    /// and deduplicated first; at most 4095 entries fit the 16-bit length.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let set: BTreeSet<RecordNumber> = self.record_numbers.iter().copied().collect();
        let n = set.len().min(usize::from(u16::MAX) / 16);
        put_u16(out, (n * 16) as u16);
        for rn in set.iter().rev().take(n).rev() {
            put_uint(out, rn.epoch, 8);
            put_uint(out, rn.seq, 8);
        }
    }

    /// Decodes an ACK body; rejects a length that is not a multiple of 16 and trailing
    /// bytes (RFC 8446 §4: decode_error).
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "ACK";
        let mut r = Reader::new(body);
        let mut list = r.sub(2, WHAT)?;
        r.finish(WHAT)?;
        if list.remaining() % 16 != 0 {
            return Err(DecodeError::new(WHAT));
        }
        let mut record_numbers = Vec::with_capacity(list.remaining() / 16);
        while !list.is_empty() {
            let epoch = list.uint(8, WHAT)?;
            let seq = list.uint(8, WHAT)?;
            record_numbers.push(RecordNumber { epoch, seq });
        }
        Ok(Ack { record_numbers })
    }
}

/// The peer's records to acknowledge (RFC 9147 §7.1). Only records that authenticated and
/// carried handshake data of the current flight are added.
#[derive(Debug, Clone, Default)]
pub struct ReceivedRecords {
    set: BTreeSet<RecordNumber>,
}

impl ReceivedRecords {
    /// Remembers `rn`; beyond [`MAX_ACK_RECORDS`] the lowest is dropped.
    pub fn add(&mut self, rn: RecordNumber) {
        self.set.insert(rn);
        while self.set.len() > MAX_ACK_RECORDS {
            self.set.pop_first();
        }
    }

    /// True when there is nothing to acknowledge.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// The ACK listing every remembered record.
    pub fn to_ack(&self) -> Ack {
        Ack {
            record_numbers: self.set.iter().copied().collect(),
        }
    }

    /// Forgets everything: the peer's next flight starts (§7.1: ACKs cover the current
    /// flight only).
    pub fn clear(&mut self) {
        self.set.clear();
    }
}

/// Why a part could not be tracked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlightError {
    /// More than [`MAX_FLIGHT_PARTS`] parts.
    TooManyParts,
    /// No part with that id.
    UnknownPart,
}

#[derive(Debug, Clone)]
struct Part {
    sent_in: Vec<RecordNumber>,
    acked: bool,
}

/// Acknowledgement state of the flight this endpoint sent (RFC 9147 §5.8.1, §7.2).
///
/// The caller splits its flight into parts (one per handshake fragment it can resend on
/// its own), registers each with [`add_part`](Self::add_part) and reports every record it
/// puts a part in with [`sent`](Self::sent). An ACK marks acknowledged every part sent in
/// one of the listed records; a retransmission resends [`unacked`](Self::unacked) only, in
/// new records with new numbers (§5.8.1).
#[derive(Debug, Clone, Default)]
pub struct SentFlight {
    parts: Vec<Part>,
}

impl SentFlight {
    /// Registers a part and returns its id (0, 1, 2, … in order of registration).
    pub fn add_part(&mut self) -> Result<usize, FlightError> {
        if self.parts.len() >= MAX_FLIGHT_PARTS {
            return Err(FlightError::TooManyParts);
        }
        self.parts.push(Part {
            sent_in: Vec::new(),
            acked: false,
        });
        Ok(self.parts.len() - 1)
    }

    /// Records that part `id` went out in record `rn`.
    pub fn sent(&mut self, id: usize, rn: RecordNumber) -> Result<(), FlightError> {
        let p = self.parts.get_mut(id).ok_or(FlightError::UnknownPart)?;
        if p.sent_in.len() >= MAX_SENDS_PER_PART {
            p.sent_in.remove(0);
        }
        p.sent_in.push(rn);
        Ok(())
    }

    /// Applies a received ACK; returns how many parts became acknowledged. Unknown record
    /// numbers are ignored (§7.2: an ACK for records never sent is not an error).
    pub fn on_ack(&mut self, ack: &Ack) -> usize {
        let acked: BTreeSet<RecordNumber> = ack.record_numbers.iter().copied().collect();
        let mut newly = 0;
        for p in self.parts.iter_mut().filter(|p| !p.acked) {
            if p.sent_in.iter().any(|rn| acked.contains(rn)) {
                p.acked = true;
                newly += 1;
            }
        }
        newly
    }

    /// Ids of the parts still unacknowledged, in order: what a retransmission resends.
    pub fn unacked(&self) -> impl Iterator<Item = usize> + '_ {
        self.parts
            .iter()
            .enumerate()
            .filter(|(_, p)| !p.acked)
            .map(|(i, _)| i)
    }

    /// True when every part is acknowledged: the flight needs no more retransmission.
    pub fn is_complete(&self) -> bool {
        self.parts.iter().all(|p| p.acked)
    }

    /// True if `id` is acknowledged.
    pub fn is_acked(&self, id: usize) -> bool {
        self.parts.get(id).is_some_and(|p| p.acked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rn(epoch: u64, seq: u64) -> RecordNumber {
        RecordNumber { epoch, seq }
    }

    #[test]
    fn ack_roundtrip_is_sorted_and_exact_bytes() {
        let ack = Ack {
            record_numbers: vec![rn(2, 5), rn(0, 1), rn(2, 5), rn(3, 1 << 40)],
        };
        let mut out = Vec::new();
        ack.encode(&mut out);
        assert_eq!(&out[..2], &[0, 48]);
        // First entry: epoch 0, seq 1, as two big-endian u64.
        assert_eq!(
            &out[2..18],
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
        );
        let back = Ack::decode(&out).unwrap();
        assert_eq!(
            back.record_numbers,
            vec![rn(0, 1), rn(2, 5), rn(3, 1 << 40)]
        );
        let mut empty = Vec::new();
        Ack::default().encode(&mut empty);
        assert_eq!(empty, [0, 0]);
        assert_eq!(Ack::decode(&empty).unwrap(), Ack::default());
    }

    #[test]
    fn ack_decode_rejects_malformed() {
        assert!(Ack::decode(&[]).is_err());
        assert!(Ack::decode(&[0]).is_err());
        assert!(Ack::decode(&[0, 15]).is_err());
        let mut bad = vec![0, 15];
        bad.extend_from_slice(&[0; 15]);
        assert!(Ack::decode(&bad).is_err(), "not a multiple of 16");
        let mut trailing = vec![0, 0, 9];
        assert!(Ack::decode(&trailing).is_err());
        trailing.truncate(2);
        assert!(Ack::decode(&trailing).is_ok());
        // Seeded random bodies: decode never panics.
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut ok = 0;
        for _ in 0..5000 {
            let len = rng.gen_range(0..70);
            let mut b: Vec<u8> = (0..len).map(|_| rng.gen()).collect();
            if b.len() >= 2 && rng.gen_bool(0.5) {
                let n = ((b.len() - 2) / 16 * 16) as u16;
                b[..2].copy_from_slice(&n.to_be_bytes());
                b.truncate(2 + usize::from(n));
            }
            ok += usize::from(Ack::decode(&b).is_ok());
        }
        assert!(ok > 100);
    }

    #[test]
    fn received_records_are_bounded_and_keep_the_newest() {
        let mut r = ReceivedRecords::default();
        assert!(r.is_empty());
        for s in 0..(MAX_ACK_RECORDS as u64 + 10) {
            r.add(rn(2, s));
        }
        r.add(rn(2, 20)); // duplicate
        let ack = r.to_ack();
        assert_eq!(ack.record_numbers.len(), MAX_ACK_RECORDS);
        assert_eq!(ack.record_numbers[0], rn(2, 10));
        let mut out = Vec::new();
        ack.encode(&mut out);
        assert!(out.len() <= 1200);
        r.clear();
        assert!(r.is_empty());
    }

    /// §5.8.1: a flight of 4 records where the second is lost; the ACK lists 0, 2, 3 and
    /// only part 1 is left to resend. Its retransmission (new record number 4) being acked
    /// completes the flight; an ACK of the old number of a resent part also counts.
    #[test]
    fn partial_flight_ack_leaves_only_the_lost_part() {
        let mut f = SentFlight::default();
        let ids: Vec<usize> = (0..4).map(|_| f.add_part().unwrap()).collect();
        for (i, id) in ids.iter().enumerate() {
            f.sent(*id, rn(2, i as u64)).unwrap();
        }
        let ack = Ack {
            record_numbers: vec![rn(2, 0), rn(2, 2), rn(2, 3), rn(2, 99), rn(3, 1)],
        };
        assert_eq!(f.on_ack(&ack), 3);
        assert_eq!(f.unacked().collect::<Vec<_>>(), vec![1]);
        assert!(!f.is_complete() && f.is_acked(0) && !f.is_acked(1));
        f.sent(1, rn(2, 4)).unwrap();
        assert_eq!(f.on_ack(&ack), 0, "a repeated ACK changes nothing");
        let late = Ack {
            record_numbers: vec![rn(2, 1)],
        };
        assert_eq!(f.on_ack(&late), 1);
        assert!(f.is_complete());
        assert_eq!(f.sent(9, rn(2, 5)), Err(FlightError::UnknownPart));
    }

    #[test]
    fn flight_tracking_is_bounded() {
        let mut f = SentFlight::default();
        for _ in 0..MAX_FLIGHT_PARTS {
            f.add_part().unwrap();
        }
        assert_eq!(f.add_part(), Err(FlightError::TooManyParts));
        for s in 0..(MAX_SENDS_PER_PART as u64 + 3) {
            f.sent(0, rn(2, s)).unwrap();
        }
        // The oldest numbers were forgotten; an ACK of them no longer counts.
        let old = Ack {
            record_numbers: vec![rn(2, 0)],
        };
        assert_eq!(f.on_ack(&old), 0);
        let new = Ack {
            record_numbers: vec![rn(2, MAX_SENDS_PER_PART as u64 + 2)],
        };
        assert_eq!(f.on_ack(&new), 1);
    }
}
