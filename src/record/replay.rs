//! The anti-replay sliding window (RFC 6347 §4.1.2.6), one per read epoch.
//!
//! A record is checked before decryption and marked only after it authenticates, so a forged
//! record with a huge sequence number cannot push the window forward and make genuine records
//! look stale.

/// Sequence numbers the window remembers behind the newest one seen. RFC 6347 §4.1.2.6 asks
/// for at least 32 and recommends 64; 256 tolerates more reordering for the same 32 bytes.
pub const REPLAY_WINDOW_SIZE: u64 = 256;

const WORDS: usize = (REPLAY_WINDOW_SIZE / 64) as usize;

/// A fixed-size bitmap of recently received sequence numbers. No allocation.
#[derive(Debug, Clone, Default)]
pub struct ReplayWindow {
    /// Highest sequence number marked so far; meaningless while `empty`.
    top: u64,
    /// True until the first `mark`.
    empty: bool,
    /// Bit `i` (word `i / 64`, bit `i % 64`) set means `top - i` was received.
    bits: [u64; WORDS],
}

impl ReplayWindow {
    /// A window that has seen nothing.
    pub fn new() -> Self {
        Self {
            top: 0,
            empty: true,
            bits: [0; WORDS],
        }
    }

    /// True if `seq` is new: not yet marked and not older than the window. Does not modify.
    pub fn check(&self, seq: u64) -> bool {
        if self.empty || seq > self.top {
            return true;
        }
        let age = self.top - seq;
        if age >= REPLAY_WINDOW_SIZE {
            return false;
        }
        !self.bit(age)
    }

    /// True if `seq` was already marked and is still inside the window. Records older than
    /// the window are not duplicates by this test: unprotected epochs use it alone (see
    /// `crate::input_policy`).
    pub fn is_duplicate(&self, seq: u64) -> bool {
        if self.empty || seq > self.top {
            return false;
        }
        let age = self.top - seq;
        age < REPLAY_WINDOW_SIZE && self.bit(age)
    }

    /// The newest sequence number marked, `None` before the first.
    pub fn top(&self) -> Option<u64> {
        (!self.empty).then_some(self.top)
    }

    /// Records `seq` as received. Call only after the record authenticated. A newer `seq`
    /// slides the window forward; one below the window is ignored.
    pub fn mark(&mut self, seq: u64) {
        if self.empty {
            self.empty = false;
            self.top = seq;
            self.bits = [0; WORDS];
            self.bits[0] = 1;
            return;
        }
        if seq > self.top {
            self.shift(seq - self.top);
            self.top = seq;
            self.bits[0] |= 1;
        } else {
            let age = self.top - seq;
            if age < REPLAY_WINDOW_SIZE {
                self.bits[(age / 64) as usize] |= 1 << (age % 64);
            }
        }
    }

    fn bit(&self, age: u64) -> bool {
        self.bits[(age / 64) as usize] & (1 << (age % 64)) != 0
    }

    /// Ages every remembered entry by `n` (bit i moves to bit i + n).
    fn shift(&mut self, n: u64) {
        if n >= REPLAY_WINDOW_SIZE {
            self.bits = [0; WORDS];
            return;
        }
        if n == 1 {
            // In-order records, the common case: one bit along the words.
            for i in (1..WORDS).rev() {
                self.bits[i] = (self.bits[i] << 1) | (self.bits[i - 1] >> 63);
            }
            self.bits[0] <<= 1;
            return;
        }
        let words = (n / 64) as usize;
        let bits = (n % 64) as u32;
        for i in (0..WORDS).rev() {
            let lo = i.checked_sub(words).map_or(0, |j| self.bits[j]);
            let carry = if bits == 0 {
                0
            } else {
                i.checked_sub(words + 1)
                    .map_or(0, |j| self.bits[j] >> (64 - bits))
            };
            self.bits[i] = (lo << bits) | carry;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_window_accepts_anything() {
        let w = ReplayWindow::new();
        assert!(w.check(0));
        assert!(w.check(super::super::header::MAX_SEQUENCE));
    }

    #[test]
    fn check_does_not_modify() {
        let w = ReplayWindow::new();
        assert!(w.check(5));
        assert!(w.check(5));
    }

    #[test]
    fn replay_inside_window_is_rejected() {
        let mut w = ReplayWindow::new();
        for s in [0, 1, 2, 10, 7] {
            assert!(w.check(s));
            w.mark(s);
            assert!(!w.check(s), "replay of {s}");
        }
        // Gaps inside the window are still acceptable (reordering).
        for s in [3, 4, 5, 6, 8, 9, 11] {
            assert!(w.check(s), "gap {s}");
        }
    }

    #[test]
    fn below_window_is_rejected() {
        let mut w = ReplayWindow::new();
        w.mark(1000);
        assert!(w.check(1000 - (REPLAY_WINDOW_SIZE - 1)), "oldest slot");
        assert!(!w.check(1000 - REPLAY_WINDOW_SIZE), "just below");
        assert!(!w.check(0));
    }

    #[test]
    fn far_future_jump_clears_history() {
        let mut w = ReplayWindow::new();
        for s in 0..300 {
            w.mark(s);
        }
        let far = 300 + 10 * REPLAY_WINDOW_SIZE;
        w.mark(far);
        assert!(!w.check(far));
        assert!(w.check(far - 1));
        assert!(w.check(far - (REPLAY_WINDOW_SIZE - 1)));
        assert!(!w.check(299), "old records now below the window");
    }

    #[test]
    fn shifts_across_word_boundaries_keep_bits() {
        // Mark every third sequence with varied step sizes, then compare with a model.
        let mut w = ReplayWindow::new();
        let mut seen = std::collections::BTreeSet::new();
        let mut s = 0u64;
        for step in [1u64, 63, 64, 65, 3, 127, 128, 1, 200, 255, 256, 257, 5, 70] {
            s += step;
            w.mark(s);
            seen.insert(s);
            // Also mark an older one inside the window.
            if s >= 40 {
                w.mark(s - 40);
                seen.insert(s - 40);
            }
            for q in s.saturating_sub(REPLAY_WINDOW_SIZE + 5)..=s + 2 {
                let expect = q > s || (s - q < REPLAY_WINDOW_SIZE && !seen.contains(&q));
                assert_eq!(w.check(q), expect, "top {s} q {q}");
            }
        }
    }

    #[test]
    fn mark_below_window_is_ignored() {
        let mut w = ReplayWindow::new();
        w.mark(500);
        w.mark(1);
        assert!(w.check(499));
        assert!(!w.check(500));
    }
}
