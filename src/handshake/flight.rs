//! Outgoing flights and the retransmission timer (RFC 6347 §4.2.4).
//!
//! A flight is the group of messages one side sends before waiting for the peer. We keep the
//! last flight so it can be sent again, with fresh record sequence numbers, when the timer
//! fires or when the peer retransmits its previous flight.

use std::time::{Duration, Instant};

use crate::enums::HandshakeType;

/// One message of a flight, remembered with the epoch it must be sent in.
#[derive(Debug, Clone)]
pub(crate) enum FlightEntry {
    Handshake {
        epoch: u16,
        msg_type: HandshakeType,
        seq: u16,
        body: Vec<u8>,
    },
    ChangeCipherSpec {
        epoch: u16,
    },
}

/// The last flight we sent.
#[derive(Debug, Default)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Flight {
    pub entries: Vec<FlightEntry>,
}

impl Flight {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Retransmission timer state (RFC 6347 §4.2.4.1): starts at the initial value, doubles on
/// each expiry up to the cap, and is reset once the peer's next flight arrives.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct RetransmitTimer {
    pub deadline: Option<Instant>,
    /// When the current deadline was armed (to re-time it if the timer hook changes).
    pub armed_at: Option<Instant>,
    pub current: Duration,
    pub initial: Duration,
    pub max: Duration,
    /// Expiries of the current flight (drives give-up and MTU fallback).
    pub expiries: u32,
}

impl RetransmitTimer {
    pub fn new(initial: Duration, max: Duration) -> Self {
        Self {
            deadline: None,
            armed_at: None,
            current: initial,
            initial,
            max,
            expiries: 0,
        }
    }

    /// Arms the timer for a freshly sent flight.
    pub fn start(&mut self, now: Instant) {
        self.armed_at = Some(now);
        self.deadline = Some(now + self.current);
    }

    /// The peer's flight arrived: back to the initial value, disarmed.
    pub fn reset(&mut self) {
        self.deadline = None;
        self.current = self.initial;
        self.expiries = 0;
    }

    /// True when the deadline has passed.
    pub fn expired(&self, now: Instant) -> bool {
        self.deadline.is_some_and(|d| now >= d)
    }

    /// Doubles the timeout (capped) after an expiry.
    pub fn back_off(&mut self) {
        self.expiries += 1;
        self.current = (self.current * 2).min(self.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_doubles_to_cap_and_resets() {
        let now = Instant::now();
        let mut t = RetransmitTimer::new(Duration::from_secs(1), Duration::from_secs(60));
        t.start(now);
        assert!(!t.expired(now));
        assert!(t.expired(now + Duration::from_secs(1)));
        for _ in 0..10 {
            t.back_off();
        }
        assert_eq!(t.current, Duration::from_secs(60));
        t.reset();
        assert_eq!(t.current, Duration::from_secs(1));
        assert_eq!(t.deadline, None);
    }
}
