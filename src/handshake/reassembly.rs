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
#[path = "reassembly_tests.rs"]
mod tests;
