//! Handshake message reassembly (RFC 6347 §4.2.2, §4.2.3).
//!
//! Fragments arrive in any order, overlapping, duplicated or from a retransmitted older
//! flight. The [`Reassembler`] buffers at most [`MAX_FUTURE_MESSAGES`] messages starting at
//! `next_seq`, tracks which bytes of each it holds with a bitmap, and hands complete messages
//! out strictly in `message_seq` order. Every allocation is bounded by the constants below
//! and checked before it happens: the peer is unauthenticated during the handshake.

use crate::enums::HandshakeType;

use super::header::HandshakeHeader;

/// Largest declared handshake message length we accept. Larger lengths are rejected before
/// any allocation; 64 KiB fits realistic certificate chains.
pub const MAX_HANDSHAKE_MESSAGE_LEN: usize = 65536;

/// Total bytes (message bodies plus bitmaps) we hold for incomplete or not-yet-consumed
/// messages. Twice the largest message, so one full message plus the rest of its flight fit.
pub const MAX_BUFFERED_BYTES: usize = 131072;

/// How many message_seq values starting at `next_seq` we buffer. RFC 6347 §4.2.2 lets a
/// receiver queue future messages; the longest DTLS 1.2 flight is 5 messages (server
/// flight 4 with a CertificateRequest), so 8 leaves room without letting a peer make us
/// track arbitrarily many.
pub const MAX_FUTURE_MESSAGES: u16 = 8;

/// What [`Reassembler::add_fragment`] did with a fragment.
#[derive(Debug, PartialEq, Eq)]
pub enum FragmentOutcome {
    /// The fragment contributed new bytes (or completed a message).
    Accepted,
    /// Every byte of the fragment was already held; nothing changed.
    Duplicate,
    /// `message_seq < next_seq`: the peer retransmitted a message we already consumed
    /// (RFC 6347 §4.2.4: the caller may treat this as a sign our last flight was lost).
    Old,
    /// `message_seq` is beyond the buffering window; dropped.
    TooFarAhead,
    /// A message with this `message_seq` is buffered with another type or length; the
    /// fragment was dropped. Which of the two is genuine is the caller's decision
    /// ([`Reassembler::discard`] lets a later fragment replace an unauthenticated one).
    Conflict,
    /// The fragment is inconsistent or would exceed a limit; dropped. The reason is static
    /// text for logs. Whether this is fatal is the caller's decision.
    Rejected(&'static str),
}

/// One message being reassembled (or complete and waiting to be popped).
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct Incoming {
    seq: u16,
    msg_type: HandshakeType,
    /// Declared body length; `body.len()` once allocated.
    length: usize,
    /// The body, allocated on the first fragment with data.
    body: Vec<u8>,
    /// One bit per body byte (LSB first within each byte); empty once complete.
    bitmap: Vec<u8>,
    /// Body bytes received so far (set bits in `bitmap`).
    received: usize,
    /// A conflicting fragment (other type or length) arrived for this message.
    contested: bool,
}

impl Incoming {
    fn is_complete(&self) -> bool {
        self.received == self.length
    }

    /// Bytes this entry holds for the buffer budget.
    fn cost(&self) -> usize {
        self.body.len() + self.bitmap.len()
    }
}

/// Reassembles handshake fragments into whole messages, in sequence order.
#[derive(Debug, Default)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct Reassembler {
    /// Next message_seq to hand out. u32 so that popping seq 65535 cannot wrap to 0.
    next: u32,
    /// At most MAX_FUTURE_MESSAGES entries, each with seq in [next, next + window).
    messages: Vec<Incoming>,
    /// Sum of `cost()` over `messages`.
    buffered: usize,
}

impl Reassembler {
    /// An empty reassembler expecting message_seq 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// The message_seq the next popped message will carry (saturates at `u16::MAX` once
    /// every sequence number has been consumed).
    pub fn next_seq(&self) -> u16 {
        u16::try_from(self.next).unwrap_or(u16::MAX)
    }

    /// Sets the expected message_seq, e.g. to 1 after a HelloVerifyRequest exchange
    /// (RFC 6347 §4.2.2). Buffered messages outside the new window are dropped.
    pub fn set_next_seq(&mut self, seq: u16) {
        self.next = u32::from(seq);
        let next = self.next;
        self.messages
            .retain(|m| (next..next + u32::from(MAX_FUTURE_MESSAGES)).contains(&u32::from(m.seq)));
        self.recount();
    }

    /// Total bytes currently allocated for buffered messages.
    pub fn buffered_bytes(&self) -> usize {
        self.buffered
    }

    /// Drops the buffered (partial or complete) message `seq`, if any.
    pub fn discard(&mut self, seq: u16) {
        self.messages.retain(|m| m.seq != seq);
        self.recount();
    }

    /// Body bytes held of message `seq`, if it is buffered.
    pub fn received_bytes(&self, seq: u16) -> Option<usize> {
        self.messages
            .iter()
            .find(|m| m.seq == seq)
            .map(|m| m.received)
    }

    /// Drops incomplete messages that a conflicting fragment contested: one of the two
    /// versions was forged, and the peer's retransmission brings the genuine one again.
    pub fn discard_contested_partials(&mut self) {
        self.messages.retain(|m| !m.contested || m.is_complete());
        self.recount();
    }

    /// Drops every buffered message; `next_seq` is unchanged.
    pub fn clear(&mut self) {
        self.messages.clear();
        self.buffered = 0;
    }

    /// Adds one fragment. Checks, in order: the header's fragment_length matches the data;
    /// the fragment lies within the declared length; the sequence number is not old and
    /// within the window; the declared length is within [`MAX_HANDSHAKE_MESSAGE_LEN`]; it
    /// agrees with earlier fragments of the same message; the allocation fits in
    /// [`MAX_BUFFERED_BYTES`].
    pub fn add_fragment(&mut self, header: &HandshakeHeader, fragment: &[u8]) -> FragmentOutcome {
        if header.fragment_length as usize != fragment.len() {
            return FragmentOutcome::Rejected("fragment length mismatch");
        }
        let start = header.fragment_offset as usize;
        let end = start + fragment.len(); // Both < 2^24: no overflow.
        let length = header.length as usize;
        if end > length {
            return FragmentOutcome::Rejected("fragment past message length");
        }
        let seq = u32::from(header.message_seq);
        if seq < self.next {
            return FragmentOutcome::Old;
        }
        if seq >= self.next + u32::from(MAX_FUTURE_MESSAGES) {
            return FragmentOutcome::TooFarAhead;
        }
        if length > MAX_HANDSHAKE_MESSAGE_LEN {
            return FragmentOutcome::Rejected("handshake message too long");
        }

        let idx = match self
            .messages
            .iter()
            .position(|m| m.seq == header.message_seq)
        {
            Some(i) => {
                let m = &self.messages[i];
                if m.msg_type != header.msg_type || m.length != length {
                    self.messages[i].contested = true;
                    return FragmentOutcome::Conflict;
                }
                i
            }
            None => {
                // A zero-length fragment of a non-empty message carries nothing to keep.
                if fragment.is_empty() && length > 0 {
                    return FragmentOutcome::Duplicate;
                }
                // Common case: the whole message in one fragment needs no bitmap.
                let whole = start == 0 && end == length;
                let cost = if whole {
                    length
                } else {
                    length + length.div_ceil(8)
                };
                if self.buffered + cost > MAX_BUFFERED_BYTES {
                    return FragmentOutcome::Rejected("reassembly buffer full");
                }
                let (body, bitmap, received) = if whole {
                    (fragment.to_vec(), Vec::new(), length)
                } else {
                    (vec![0u8; length], vec![0u8; length.div_ceil(8)], 0)
                };
                self.buffered += cost;
                self.messages.push(Incoming {
                    seq: header.message_seq,
                    msg_type: header.msg_type,
                    length,
                    body,
                    bitmap,
                    received,
                    contested: false,
                });
                if whole {
                    return FragmentOutcome::Accepted;
                }
                self.messages.len() - 1
            }
        };

        let Some(m) = self.messages.get_mut(idx) else {
            return FragmentOutcome::Rejected("internal reassembly error");
        };
        if m.is_complete() {
            return FragmentOutcome::Duplicate;
        }
        let new = mark_range(&mut m.bitmap, start, end);
        if new == 0 {
            return FragmentOutcome::Duplicate;
        }
        if let Some(dst) = m.body.get_mut(start..end) {
            dst.copy_from_slice(fragment);
        }
        m.received += new;
        if m.is_complete() {
            // The bitmap is no longer needed: give its bytes back to the budget.
            self.buffered -= m.bitmap.len();
            m.bitmap = Vec::new();
        }
        FragmentOutcome::Accepted
    }

    /// The next complete message in sequence order, removed from the buffer:
    /// `(type, message_seq, body)`. `None` until message `next_seq` is complete.
    pub fn pop_message(&mut self) -> Option<(HandshakeType, u16, Vec<u8>)> {
        let i = self
            .messages
            .iter()
            .position(|m| u32::from(m.seq) == self.next && m.is_complete())?;
        let m = self.messages.swap_remove(i);
        self.buffered -= m.cost();
        self.next += 1;
        Some((m.msg_type, m.seq, m.body))
    }

    fn recount(&mut self) {
        self.buffered = self.messages.iter().map(Incoming::cost).sum();
    }
}

/// Sets bits `[start, end)` and returns how many were newly set.
fn mark_range(bitmap: &mut [u8], start: usize, end: usize) -> usize {
    let mut new = 0;
    let mut i = start;
    while i < end {
        let Some(byte) = bitmap.get_mut(i / 8) else {
            break;
        };
        if i.is_multiple_of(8) && end - i >= 8 {
            new += byte.count_zeros() as usize;
            *byte = 0xff;
            i += 8;
        } else {
            let mask = 1u8 << (i % 8);
            if *byte & mask == 0 {
                *byte |= mask;
                new += 1;
            }
            i += 1;
        }
    }
    new
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{RngAlgorithm, RngSeed};

    const T: HandshakeType = HandshakeType::CERTIFICATE;

    fn hdr(seq: u16, length: u32, offset: u32, frag_len: u32) -> HandshakeHeader {
        HandshakeHeader {
            msg_type: T,
            length,
            message_seq: seq,
            fragment_offset: offset,
            fragment_length: frag_len,
        }
    }

    /// Adds `body[offset..offset+len]` of message `seq`.
    fn add(
        r: &mut Reassembler,
        seq: u16,
        body: &[u8],
        offset: usize,
        len: usize,
    ) -> FragmentOutcome {
        let h = hdr(seq, body.len() as u32, offset as u32, len as u32);
        r.add_fragment(&h, &body[offset..offset + len])
    }

    fn body(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + 3) as u8).collect()
    }

    #[test]
    fn in_order_fragments() {
        let b = body(1000);
        let mut r = Reassembler::new();
        for off in (0..1000).step_by(100) {
            assert_eq!(r.pop_message(), None);
            assert_eq!(add(&mut r, 0, &b, off, 100), FragmentOutcome::Accepted);
        }
        assert_eq!(r.pop_message(), Some((T, 0, b)));
        assert_eq!(r.next_seq(), 1);
        assert_eq!(r.buffered_bytes(), 0);
    }

    #[test]
    fn reverse_order_fragments() {
        let b = body(1001);
        let mut r = Reassembler::new();
        let mut off: usize = 1001;
        while off > 0 {
            let start = off.saturating_sub(13);
            assert_eq!(
                add(&mut r, 0, &b, start, off - start),
                FragmentOutcome::Accepted
            );
            off = start;
        }
        assert_eq!(r.pop_message(), Some((T, 0, b)));
    }

    #[test]
    fn overlapping_fragments() {
        let b = body(100);
        let mut r = Reassembler::new();
        assert_eq!(add(&mut r, 0, &b, 0, 40), FragmentOutcome::Accepted);
        assert_eq!(add(&mut r, 0, &b, 30, 40), FragmentOutcome::Accepted);
        assert_eq!(add(&mut r, 0, &b, 5, 10), FragmentOutcome::Duplicate);
        assert_eq!(r.pop_message(), None);
        assert_eq!(add(&mut r, 0, &b, 60, 40), FragmentOutcome::Accepted);
        assert_eq!(r.pop_message(), Some((T, 0, b)));
    }

    #[test]
    fn duplicate_fragments() {
        let b = body(50);
        let mut r = Reassembler::new();
        assert_eq!(add(&mut r, 0, &b, 0, 20), FragmentOutcome::Accepted);
        assert_eq!(add(&mut r, 0, &b, 0, 20), FragmentOutcome::Duplicate);
        assert_eq!(add(&mut r, 0, &b, 20, 30), FragmentOutcome::Accepted);
        // Complete but not yet popped: any further fragment is a duplicate.
        assert_eq!(add(&mut r, 0, &b, 0, 50), FragmentOutcome::Duplicate);
        assert_eq!(r.pop_message(), Some((T, 0, b.clone())));
        // Consumed: now old.
        assert_eq!(add(&mut r, 0, &b, 0, 50), FragmentOutcome::Old);
    }

    #[test]
    fn fragment_past_length_rejected() {
        let mut r = Reassembler::new();
        let h = hdr(0, 10, 5, 6);
        assert_eq!(
            r.add_fragment(&h, &[0; 6]),
            FragmentOutcome::Rejected("fragment past message length")
        );
        // fragment_length disagreeing with the data is rejected first.
        assert!(matches!(
            r.add_fragment(&hdr(0, 10, 0, 4), &[0; 3]),
            FragmentOutcome::Rejected(_)
        ));
        assert_eq!(r.buffered_bytes(), 0);
    }

    #[test]
    fn same_seq_different_length_rejected() {
        let mut r = Reassembler::new();
        assert_eq!(
            r.add_fragment(&hdr(0, 100, 0, 10), &[1; 10]),
            FragmentOutcome::Accepted
        );
        assert_eq!(
            r.add_fragment(&hdr(0, 200, 10, 10), &[1; 10]),
            FragmentOutcome::Conflict
        );
        let mut other_type = hdr(0, 100, 10, 10);
        other_type.msg_type = HandshakeType::FINISHED;
        assert_eq!(
            r.add_fragment(&other_type, &[1; 10]),
            FragmentOutcome::Conflict
        );
    }

    #[test]
    fn huge_declared_length_rejected_without_allocation() {
        let mut r = Reassembler::new();
        let h = hdr(0, 16 * 1024 * 1024 - 1, 0, 4);
        assert!(matches!(
            r.add_fragment(&h, &[0; 4]),
            FragmentOutcome::Rejected(_)
        ));
        assert_eq!(r.buffered_bytes(), 0);
        let limit = MAX_HANDSHAKE_MESSAGE_LEN as u32;
        assert!(matches!(
            r.add_fragment(&hdr(0, limit + 1, 0, 1), &[0]),
            FragmentOutcome::Rejected(_)
        ));
        assert_eq!(
            r.add_fragment(&hdr(0, limit, 0, 1), &[0]),
            FragmentOutcome::Accepted
        );
    }

    #[test]
    fn future_flood_stays_within_budget() {
        let mut r = Reassembler::new();
        let limit = MAX_HANDSHAKE_MESSAGE_LEN as u32;
        for seq in 0..1000u16 {
            let _ = r.add_fragment(&hdr(seq, limit, 1, 1), &[0]);
            assert!(r.buffered_bytes() <= MAX_BUFFERED_BYTES);
        }
        // Smaller messages fill every slot of the window, and no more.
        let mut r = Reassembler::new();
        let mut accepted = 0;
        for seq in 0..100u16 {
            if r.add_fragment(&hdr(seq, 100, 1, 1), &[0]) == FragmentOutcome::Accepted {
                accepted += 1;
            }
        }
        assert_eq!(accepted, MAX_FUTURE_MESSAGES);
        assert_eq!(
            r.add_fragment(&hdr(MAX_FUTURE_MESSAGES, 1, 0, 1), &[0]),
            FragmentOutcome::TooFarAhead
        );
    }

    #[test]
    fn budget_boundary_is_exact() {
        // Whole-message fragments cost exactly their length, so two maximal messages fill
        // the budget to the byte and a third (even one byte) does not fit.
        let max = MAX_HANDSHAKE_MESSAGE_LEN;
        assert_eq!(2 * max, MAX_BUFFERED_BYTES);
        let big = vec![1u8; max];
        let mut r = Reassembler::new();
        assert_eq!(add(&mut r, 1, &big, 0, max), FragmentOutcome::Accepted);
        assert_eq!(add(&mut r, 2, &big, 0, max), FragmentOutcome::Accepted);
        assert_eq!(r.buffered_bytes(), MAX_BUFFERED_BYTES);
        assert_eq!(
            r.add_fragment(&hdr(0, 1, 0, 1), &[0]),
            FragmentOutcome::Rejected("reassembly buffer full")
        );
    }

    #[test]
    fn zero_length_message_completes() {
        let mut r = Reassembler::new();
        let mut h = hdr(0, 0, 0, 0);
        h.msg_type = HandshakeType::SERVER_HELLO_DONE;
        assert_eq!(r.add_fragment(&h, &[]), FragmentOutcome::Accepted);
        assert_eq!(r.add_fragment(&h, &[]), FragmentOutcome::Duplicate);
        assert_eq!(
            r.pop_message(),
            Some((HandshakeType::SERVER_HELLO_DONE, 0, vec![]))
        );
    }

    #[test]
    fn out_of_order_messages_pop_in_sequence() {
        let mut r = Reassembler::new();
        r.set_next_seq(1);
        assert_eq!(r.add_fragment(&hdr(0, 1, 0, 1), &[0]), FragmentOutcome::Old);
        assert_eq!(
            r.add_fragment(&hdr(3, 1, 0, 1), &[3]),
            FragmentOutcome::Accepted
        );
        assert_eq!(
            r.add_fragment(&hdr(2, 1, 0, 1), &[2]),
            FragmentOutcome::Accepted
        );
        assert_eq!(r.pop_message(), None);
        assert_eq!(
            r.add_fragment(&hdr(1, 1, 0, 1), &[1]),
            FragmentOutcome::Accepted
        );
        for s in 1..=3u16 {
            assert_eq!(r.pop_message(), Some((T, s, vec![s as u8])));
        }
        assert_eq!(r.pop_message(), None);
        assert_eq!(r.buffered_bytes(), 0);
    }

    #[test]
    fn set_next_seq_and_clear_drop_buffers() {
        let mut r = Reassembler::new();
        assert_eq!(
            r.add_fragment(&hdr(0, 10, 0, 5), &[0; 5]),
            FragmentOutcome::Accepted
        );
        assert_eq!(
            r.add_fragment(&hdr(2, 10, 0, 5), &[0; 5]),
            FragmentOutcome::Accepted
        );
        r.set_next_seq(1);
        assert_eq!(r.buffered_bytes(), 10 + 2);
        r.clear();
        assert_eq!(r.buffered_bytes(), 0);
        assert_eq!(r.next_seq(), 1);
    }

    #[test]
    fn bitmap_freed_on_completion() {
        let b = body(80);
        let mut r = Reassembler::new();
        add(&mut r, 0, &b, 0, 40);
        assert_eq!(r.buffered_bytes(), 80 + 10);
        add(&mut r, 0, &b, 40, 40);
        assert_eq!(r.buffered_bytes(), 80);
    }

    #[test]
    fn sequence_space_exhaustion_does_not_wrap() {
        let mut r = Reassembler::new();
        r.set_next_seq(u16::MAX);
        assert_eq!(
            r.add_fragment(&hdr(u16::MAX, 1, 0, 1), &[9]),
            FragmentOutcome::Accepted
        );
        assert!(r.pop_message().is_some());
        assert_eq!(r.next_seq(), u16::MAX);
        assert_eq!(r.add_fragment(&hdr(0, 1, 0, 1), &[9]), FragmentOutcome::Old);
        assert_eq!(
            r.add_fragment(&hdr(u16::MAX, 1, 0, 1), &[9]),
            FragmentOutcome::Old
        );
    }

    proptest! {
        // Seeded and without regression files: deterministic, and writes nothing to the tree.
        #![proptest_config(ProptestConfig {
            cases: 512,
            rng_algorithm: RngAlgorithm::ChaCha,
            rng_seed: RngSeed::Fixed(0x6474_6c73),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]
        #[test]
        fn random_fragments_never_panic(
            frags in proptest::collection::vec(
                (0u16..12, 0u32..(1 << 24), 0u32..(1 << 24), 0usize..300, any::<bool>(), 0u8..3),
                0..60,
            )
        ) {
            let mut r = Reassembler::new();
            for (seq, length, offset, flen, honest, typ) in frags {
                // Half the time make the header consistent with a small message.
                let (length, offset) = if honest {
                    let length = length % 600;
                    (length, offset % (length + 1))
                } else {
                    (length, offset)
                };
                let flen = if honest { flen.min((length - offset) as usize) } else { flen };
                let mut h = hdr(seq, length, offset, flen as u32);
                h.msg_type = HandshakeType(typ);
                let _ = r.add_fragment(&h, &vec![0xab; flen]);
                prop_assert!(r.buffered_bytes() <= MAX_BUFFERED_BYTES);
                while let Some((_, s, body)) = r.pop_message() {
                    prop_assert_eq!(s.wrapping_add(1), r.next_seq());
                    prop_assert!(body.len() <= MAX_HANDSHAKE_MESSAGE_LEN);
                }
                prop_assert_eq!(r.buffered_bytes(), r.messages.iter().map(Incoming::cost).sum::<usize>());
            }
        }

        #[test]
        fn shuffled_overlapping_fragments_reassemble(
            bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 1..6),
            sizes in proptest::collection::vec(1usize..120, 6),
            extra in proptest::collection::vec((0usize..6, 0usize..400, 0usize..200), 0..20),
            order_seed in any::<u64>(),
        ) {
            let mut frags: Vec<(u16, usize, usize)> = Vec::new();
            for (i, b) in bodies.iter().enumerate() {
                let step = sizes[i];
                let mut off = 0;
                loop {
                    let len = (b.len() - off).min(step);
                    frags.push((i as u16, off, len));
                    off += len;
                    if off >= b.len() {
                        break;
                    }
                }
            }
            // Overlapping and duplicate fragments at arbitrary places.
            for (i, start, len) in extra {
                if let Some(b) = bodies.get(i) {
                    let start = start.min(b.len());
                    frags.push((i as u16, start, len.min(b.len() - start)));
                }
            }
            // Deterministic shuffle from the generated seed (Fisher-Yates with an LCG).
            let mut x = order_seed | 1;
            for k in (1..frags.len()).rev() {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                frags.swap(k, (x >> 33) as usize % (k + 1));
            }
            let mut r = Reassembler::new();
            let mut out = Vec::new();
            for (seq, off, len) in frags {
                let outcome = add(&mut r, seq, &bodies[usize::from(seq)], off, len);
                prop_assert!(matches!(outcome, FragmentOutcome::Accepted | FragmentOutcome::Duplicate | FragmentOutcome::Old));
                while let Some((_, s, body)) = r.pop_message() {
                    out.push((s, body));
                }
            }
            prop_assert_eq!(out.len(), bodies.len());
            for (s, body) in out {
                prop_assert_eq!(&body, &bodies[usize::from(s)]);
            }
            prop_assert_eq!(r.buffered_bytes(), 0);
        }
    }
}
