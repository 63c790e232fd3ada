//! Reassembling a ClientHello that arrives in several fragments (RFC 6347 §4.2.3), for the
//! client-hello callback only (`client_hello.rs`): OpenSSL calls it once the whole message
//! is in, so a large ClientHello (many suites or extensions, a long server name, a small
//! MTU) must be put together here before the datagram that completes it reaches the
//! engine, which reassembles on its own and answers at once.
//!
//! Only epoch-0 handshake fragments of type client_hello are looked at; anything
//! inconsistent is ignored (the engine's own reassembly judges the input). Bounded: a
//! message no longer than the engine accepts, and at most [`MAX_RANGES`] disjoint pieces.
use std::ops::Range;

use rdtls::handshake::reassembly::MAX_HANDSHAKE_MESSAGE_LEN;

/// DTLS record header: type(1) version(2) epoch(2) sequence(6) length(2).
const RECORD_HEADER: usize = 13;
/// DTLS handshake header: type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3).
const HANDSHAKE_HEADER: usize = 12;
const CONTENT_HANDSHAKE: u8 = 22;
const CLIENT_HELLO: u8 = 1;
/// Disjoint pieces kept for one ClientHello: a peer sending many tiny, non-adjacent
/// fragments gets the rest ignored rather than a growing list.
pub const MAX_RANGES: usize = 32;

/// One ClientHello fragment as it appears in a record.
struct Fragment<'a> {
    msg_len: usize,
    seq: u16,
    offset: usize,
    data: &'a [u8],
}

/// The fragments of one ClientHello (one message_seq) received so far.
#[derive(Default)]
pub struct HelloAssembly {
    seq: u16,
    body: Vec<u8>,
    /// Received byte ranges of `body`, sorted, disjoint and not adjacent.
    have: Vec<Range<usize>>,
}

impl HelloAssembly {
    fn new(seq: u16, len: usize) -> Self {
        HelloAssembly {
            seq,
            body: vec![0; len],
            have: Vec::new(),
        }
    }

    fn complete(&self) -> bool {
        self.have.len() == 1 && self.have[0] == (0..self.body.len())
    }

    /// Copies `f` in; false when it does not belong to this message or does not fit.
    fn add(&mut self, f: &Fragment<'_>) -> bool {
        if f.seq != self.seq || f.msg_len != self.body.len() {
            return false;
        }
        let Some(end) = f.offset.checked_add(f.data.len()) else {
            return false;
        };
        if end > self.body.len() || f.data.is_empty() {
            return false;
        }
        let mut r = f.offset..end;
        // Merge every range that overlaps or touches the new one.
        let mut kept = Vec::with_capacity(self.have.len() + 1);
        for h in self.have.drain(..) {
            if h.end < r.start || h.start > r.end {
                kept.push(h);
            } else {
                r = h.start.min(r.start)..h.end.max(r.end);
            }
        }
        kept.push(r);
        kept.sort_by_key(|h| h.start);
        if kept.len() > MAX_RANGES {
            // Too scattered: forget the new piece (the ranges before it are intact in
            // `body`, but the merged list is not: start this message over).
            *self = HelloAssembly::new(self.seq, self.body.len());
            return false;
        }
        self.have = kept;
        self.body[f.offset..end].copy_from_slice(f.data);
        true
    }
}

/// The epoch-0 ClientHello fragments in `datagram`, in order.
fn fragments(datagram: &[u8]) -> Vec<Fragment<'_>> {
    let mut out = Vec::new();
    let mut rest = datagram;
    while rest.len() >= RECORD_HEADER {
        let len = usize::from(u16::from_be_bytes([rest[11], rest[12]]));
        let Some(mut rec) = rest.get(RECORD_HEADER..RECORD_HEADER + len) else {
            break;
        };
        let epoch = u16::from_be_bytes([rest[3], rest[4]]);
        if rest[0] == CONTENT_HANDSHAKE && epoch == 0 {
            // A record may carry several handshake fragments (RFC 6347 §4.2.3).
            while rec.len() >= HANDSHAKE_HEADER {
                let u24 = |i: usize| {
                    (usize::from(rec[i]) << 16)
                        | (usize::from(rec[i + 1]) << 8)
                        | usize::from(rec[i + 2])
                };
                let (msg_len, offset, frag_len) = (u24(1), u24(6), u24(9));
                let Some(data) = rec.get(HANDSHAKE_HEADER..HANDSHAKE_HEADER + frag_len) else {
                    break;
                };
                if rec[0] == CLIENT_HELLO {
                    out.push(Fragment {
                        msg_len,
                        seq: u16::from_be_bytes([rec[4], rec[5]]),
                        offset,
                        data,
                    });
                }
                rec = &rec[HANDSHAKE_HEADER + frag_len..];
            }
        }
        rest = &rest[RECORD_HEADER + len..];
    }
    out
}

/// Adds the ClientHello fragments of `datagram` to `asm` and returns the whole ClientHello
/// body once every byte of it has arrived (an unfragmented one at once). `asm` keeps the
/// message until the caller clears it, so feeding the same datagram again (the callback
/// asked to be called again) gives the body again.
pub fn client_hello_in(datagram: &[u8], asm: &mut Option<HelloAssembly>) -> Option<Vec<u8>> {
    for f in fragments(datagram) {
        if f.msg_len > MAX_HANDSHAKE_MESSAGE_LEN {
            continue;
        }
        if f.offset == 0 && f.data.len() == f.msg_len {
            return Some(f.data.to_vec());
        }
        // A later ClientHello (after a HelloVerifyRequest) replaces an earlier one.
        if asm.as_ref().is_none_or(|a| f.seq > a.seq) {
            *asm = Some(HelloAssembly::new(f.seq, f.msg_len));
        }
        if let Some(a) = asm.as_mut() {
            if a.add(&f) && a.complete() {
                return Some(a.body.clone());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One epoch-0 record carrying the ClientHello fragment `body[off..off + n]`.
    fn record(body: &[u8], seq: u16, off: usize, n: usize, epoch: u16) -> Vec<u8> {
        let mut hs = vec![CLIENT_HELLO];
        hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&seq.to_be_bytes());
        hs.extend_from_slice(&(off as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&(n as u32).to_be_bytes()[1..]);
        hs.extend_from_slice(&body[off..off + n]);
        let mut r = vec![CONTENT_HANDSHAKE, 0xfe, 0xfd];
        r.extend_from_slice(&epoch.to_be_bytes());
        r.extend_from_slice(&[0; 6]);
        r.extend_from_slice(&(hs.len() as u16).to_be_bytes());
        r.extend_from_slice(&hs);
        r
    }

    fn body() -> Vec<u8> {
        (0..300u16).map(|i| (i % 251) as u8).collect()
    }

    #[test]
    fn whole_hello_at_once() {
        let b = body();
        let mut asm = None;
        assert_eq!(
            client_hello_in(&record(&b, 0, 0, 300, 0), &mut asm),
            Some(b)
        );
    }

    #[test]
    fn fragments_in_any_order_with_overlap_and_repeats() {
        let b = body();
        let mut asm = None;
        assert_eq!(client_hello_in(&record(&b, 1, 200, 100, 0), &mut asm), None);
        assert_eq!(client_hello_in(&record(&b, 1, 200, 100, 0), &mut asm), None);
        assert_eq!(client_hello_in(&record(&b, 1, 0, 120, 0), &mut asm), None);
        assert_eq!(
            client_hello_in(&record(&b, 1, 100, 101, 0), &mut asm),
            Some(b.clone())
        );
        // Fed again (a retried callback): the body again.
        assert_eq!(
            client_hello_in(&record(&b, 1, 0, 120, 0), &mut asm),
            Some(b)
        );
    }

    #[test]
    fn two_fragments_in_one_datagram() {
        let b = body();
        let mut dg = record(&b, 0, 0, 150, 0);
        dg.extend_from_slice(&record(&b, 0, 150, 150, 0));
        assert_eq!(client_hello_in(&dg, &mut None), Some(b));
    }

    #[test]
    fn whole_hello_after_another_record() {
        let b = body();
        let mut dg = record(&b, 0, 0, 300, 1);
        dg.extend_from_slice(&record(&b, 0, 0, 300, 0));
        assert_eq!(client_hello_in(&dg, &mut None), Some(b.clone()));
        assert_eq!(
            client_hello_in(&dg[..dg.len() - 1], &mut None),
            None,
            "truncated"
        );
    }

    #[test]
    fn ignores_other_epochs_mismatched_lengths_and_older_seqs() {
        let b = body();
        let mut asm = None;
        assert_eq!(client_hello_in(&record(&b, 2, 0, 150, 0), &mut asm), None);
        assert_eq!(
            client_hello_in(&record(&b, 2, 150, 150, 1), &mut asm),
            None,
            "epoch 1"
        );
        assert_eq!(
            client_hello_in(&record(&b[..299], 2, 150, 149, 0), &mut asm),
            None,
            "another length"
        );
        assert_eq!(
            client_hello_in(&record(&b, 1, 150, 150, 0), &mut asm),
            None,
            "older"
        );
        assert_eq!(
            client_hello_in(&record(&b, 2, 150, 150, 0), &mut asm),
            Some(b)
        );
    }

    #[test]
    fn scattered_pieces_are_bounded() {
        let b = body();
        let mut asm = None;
        for i in 0..100 {
            let _ = client_hello_in(&record(&b, 0, i * 3, 1, 0), &mut asm);
        }
        assert!(asm.as_ref().is_some_and(|a| a.have.len() <= MAX_RANGES));
    }

    #[test]
    fn truncated_input_never_panics() {
        let b = body();
        let mut dg = record(&b, 0, 0, 150, 0);
        dg.extend_from_slice(&record(&b, 0, 150, 150, 0));
        for n in 0..dg.len() {
            let _ = client_hello_in(&dg[..n], &mut None);
        }
    }
}
