//! What leaves the engine: queued datagrams (one or a batch, crate::transmit), events, and
//! application data in both directions (RFC 6347 §4.1.1: one record of up to 2^14 bytes),
//! and close_notify (RFC 5246 §7.2.1).

use std::time::Instant;

use super::Machine;
use crate::app_data::AppData;
use crate::connection::Event;
use crate::enums::ContentType;
use crate::error::{AlertDescription, AlertLevel, SendError};
use crate::record::header::{MAX_PLAINTEXT_LEN, RECORD_HEADER_LEN};

impl Machine {
    #[inline]
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

    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    pub fn send(&mut self, data: &[u8]) -> Result<(), SendError> {
        if self.out_queue.len() >= crate::transmit::MAX_QUEUED_DATAGRAMS {
            self.check_sendable(data)?;
            return Err(SendError::Full);
        }
        let mut dg = self.pool.pop().unwrap_or_default();
        dg.clear();
        let r = self.seal_app(data, &mut dg);
        if r.is_ok() {
            self.out_queue.push_back(dg);
        } else if self.pool.len() < 16 {
            self.pool.push(dg);
        }
        r
    }

    /// Like [`Machine::send`], but the record is appended to `out` (the caller's transmit
    /// buffer) instead of queued: no pooled buffer, no copy out of the queue. Only when
    /// nothing is queued before it, so datagrams keep their order; otherwise the record is
    /// queued as `send` does and `Ok(false)` says so.
    pub fn send_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<bool, SendError> {
        if !self.out_queue.is_empty() {
            return self.send(data).map(|()| false);
        }
        self.seal_app(data, out)?;
        self.stats.datagrams_sent += 1;
        Ok(true)
    }

    /// The refusals of `send` that come before the queue's limit.
    fn check_sendable(&self, data: &[u8]) -> Result<(), SendError> {
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
        Ok(())
    }

    /// Checks and seals one application data record, appended to `out`.
    fn seal_app(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<(), SendError> {
        self.check_sendable(data)?;
        let start = out.len();
        let epoch = self.records.write_epoch();
        match self
            .records
            .seal_record(ContentType::APPLICATION_DATA, epoch, data, out)
        {
            Ok(()) => {
                if self.config.emit_record_headers {
                    self.record_header_event(true, out.get(start..start + RECORD_HEADER_LEN));
                }
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

    #[inline]
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
}
