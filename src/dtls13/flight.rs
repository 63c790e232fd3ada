//! The flight an endpoint sent and must retransmit until it is acknowledged (RFC 9147
//! §5.8): its handshake messages cut into fragments that fit the MTU, one record each,
//! the record numbers each fragment went out in (for ACK processing, §7), and the
//! retransmission timer (§5.8.2: doubled on every expiry, reset on progress).

use std::time::{Duration, Instant};

use super::ack::{Ack, SentFlight};
use super::record_layer::{content, RecordLayer, CIPHERTEXT_OVERHEAD, PLAINTEXT_HEADER_LEN};
use crate::enums::HandshakeType;
use crate::error::Error;
use crate::handshake::fragmenter::encode_fragment;
use crate::handshake::header::HANDSHAKE_HEADER_LEN;

/// Smallest fragment we cut (a tiny MTU must still make progress).
const MIN_FRAGMENT: usize = 16;

/// One handshake message of the flight.
#[derive(Debug, Clone)]
pub struct OutMsg {
    /// Epoch whose keys protect it (0: plaintext).
    pub epoch: u64,
    /// Handshake type.
    pub msg_type: u8,
    /// message_seq.
    pub seq: u16,
    /// The body.
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Copy)]
struct Frag {
    msg: usize,
    offset: usize,
    len: usize,
    part: usize,
}

/// A flight being delivered.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct OutFlight {
    msgs: Vec<OutMsg>,
    frags: Vec<Frag>,
    acks: SentFlight,
    /// When the timer fires (None: the flight needs no more retransmission).
    deadline: Option<Instant>,
    timeout: Duration,
    /// The timeout that expired before the current one (for the application's hook).
    expired_timeout: Duration,
    max_timeout: Duration,
    retransmits: u32,
    max_retransmits: u32,
}

impl OutFlight {
    /// A flight of `msgs` cut for `mtu`; the timer starts at `initial`.
    pub fn new(
        msgs: Vec<OutMsg>,
        mtu: usize,
        (initial, max_timeout, max_retransmits): (Duration, Duration, u32),
    ) -> Result<Self, Error> {
        let mut frags = Vec::new();
        let mut acks = SentFlight::default();
        for (i, m) in msgs.iter().enumerate() {
            let overhead = HANDSHAKE_HEADER_LEN
                + if m.epoch == 0 {
                    PLAINTEXT_HEADER_LEN
                } else {
                    CIPHERTEXT_OVERHEAD
                };
            let max = mtu.saturating_sub(overhead).max(MIN_FRAGMENT);
            let mut offset = 0;
            loop {
                let len = (m.body.len() - offset).min(max);
                let part = acks
                    .add_part()
                    .map_err(|_| Error::InvalidState("flight too large"))?;
                frags.push(Frag {
                    msg: i,
                    offset,
                    len,
                    part,
                });
                offset += len;
                if offset >= m.body.len() {
                    break;
                }
            }
        }
        Ok(OutFlight {
            msgs,
            frags,
            acks,
            deadline: None,
            timeout: initial,
            expired_timeout: initial,
            max_timeout,
            retransmits: 0,
            max_retransmits,
        })
    }

    /// Replaces the timeout just armed by [`OutFlight::transmit`] with the application's
    /// choice (OpenSSL's `DTLS_set_timer_cb`: the previous timeout in µs, 0 for a flight's
    /// first transmission, in; the next out, at least 1 µs).
    pub fn override_timeout(&mut self, now: Instant, hook: &mut dyn FnMut(u32) -> u32) {
        let prev = if self.retransmits == 0 {
            0
        } else {
            self.expired_timeout.as_micros().min(u128::from(u32::MAX)) as u32
        };
        self.timeout = Duration::from_micros(u64::from(hook(prev).max(1)));
        if self.deadline.is_some() {
            self.deadline = Some(now + self.timeout);
        }
    }

    /// Seals every fragment not yet acknowledged, one record each, packed into datagrams
    /// of at most `mtu` bytes, and arms the timer. `first` is false for a retransmission,
    /// which counts against the limit and doubles the timeout (§5.8.2).
    pub fn transmit(
        &mut self,
        rl: &mut RecordLayer,
        now: Instant,
        mtu: usize,
        first: bool,
        out: &mut Vec<Vec<u8>>,
    ) -> Result<(), Error> {
        if !first {
            self.retransmits += 1;
            if self.retransmits > self.max_retransmits {
                return Err(Error::HandshakeTimeout);
            }
            self.expired_timeout = self.timeout;
            self.timeout = (self.timeout * 2).min(self.max_timeout);
        }
        let mut dgram = Vec::new();
        let mut scratch = Vec::new();
        let unacked: Vec<Frag> = self
            .frags
            .iter()
            .filter(|f| !self.acks.is_acked(f.part))
            .copied()
            .collect();
        for f in unacked {
            let m = &self.msgs[f.msg];
            encode_fragment(
                HandshakeType(m.msg_type),
                m.seq,
                &m.body,
                f.offset,
                f.len,
                &mut scratch,
            );
            let mut rec = Vec::new();
            let rn = rl.seal(&mut rec, m.epoch, content::HANDSHAKE, &scratch)?;
            // A part id always exists: it was registered by `new`.
            let _ = self.acks.sent(f.part, rn);
            if !dgram.is_empty() && dgram.len() + rec.len() > mtu {
                out.push(std::mem::take(&mut dgram));
            }
            dgram.extend_from_slice(&rec);
        }
        if !dgram.is_empty() {
            out.push(dgram);
        }
        self.deadline = Some(now + self.timeout);
        Ok(())
    }

    /// Applies an ACK; once every fragment is acknowledged the timer stops. Progress
    /// resets the retransmission budget.
    pub fn on_ack(&mut self, ack: &Ack) {
        if self.acks.on_ack(ack) > 0 {
            self.retransmits = 0;
        }
        if self.acks.is_complete() {
            self.deadline = None;
        }
    }

    /// The peer's answer acknowledged the whole flight implicitly (RFC 9147 §7.1).
    pub fn implicitly_acked(&mut self) {
        self.deadline = None;
    }

    /// True while the flight still waits for acknowledgement.
    pub fn is_pending(&self) -> bool {
        self.deadline.is_some()
    }

    /// When the retransmission timer fires.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The messages of the flight.
    pub fn messages(&self) -> &[OutMsg] {
        &self.msgs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtls13::ack::RecordNumber;

    #[test]
    fn a_large_message_is_cut_for_the_mtu_and_only_unacked_parts_are_resent() {
        let now = Instant::now();
        let msg = OutMsg {
            epoch: 0,
            msg_type: 1,
            seq: 0,
            body: vec![7; 1000],
        };
        let timers = (Duration::from_secs(1), Duration::from_secs(8), 3);
        let mut f = OutFlight::new(vec![msg], 300, timers).unwrap();
        let mut rl = RecordLayer::default();
        let mut out = Vec::new();
        f.transmit(&mut rl, now, 300, true, &mut out).unwrap();
        assert!(out.len() >= 4 && out.iter().all(|d| d.len() <= 300));
        assert_eq!(f.deadline(), Some(now + Duration::from_secs(1)));
        // Records 0..n-1 went out; acknowledge all but record 1.
        let n = out.len() as u64;
        f.on_ack(&Ack {
            record_numbers: (0..n)
                .filter(|s| *s != 1)
                .map(|seq| RecordNumber { epoch: 0, seq })
                .collect(),
        });
        let mut again = Vec::new();
        f.transmit(&mut rl, now, 300, false, &mut again).unwrap();
        assert_eq!(again.len(), 1, "one fragment resent");
        assert_eq!(
            &again[0][5..11],
            &n.to_be_bytes()[2..],
            "under a new number"
        );
        f.on_ack(&Ack {
            record_numbers: vec![RecordNumber { epoch: 0, seq: n }],
        });
        assert!(!f.is_pending());
        // The retransmission budget is bounded.
        let mut g = OutFlight::new(f.messages().to_vec(), 1200, timers).unwrap();
        let mut sink = Vec::new();
        g.transmit(&mut rl, now, 1200, true, &mut sink).unwrap();
        for _ in 0..3 {
            g.transmit(&mut rl, now, 1200, false, &mut sink).unwrap();
        }
        assert_eq!(
            g.transmit(&mut rl, now, 1200, false, &mut sink),
            Err(Error::HandshakeTimeout)
        );
    }
}
