//! Splitting one handshake message into DTLS fragments (RFC 6347 §4.2.3).
//!
//! Each fragment carries the full 12-byte header with the message's total length and its
//! own offset, so the receiver can reassemble fragments that arrive in any order.

use crate::enums::HandshakeType;

use super::header::{HandshakeHeader, HANDSHAKE_HEADER_LEN};

/// Calls `emit` once per fragment with the header plus fragment bytes.
///
/// Each fragment body is at most `max_fragment_len` bytes (a value of 0 is treated as 1 so
/// the loop always makes progress). An empty body yields exactly one fragment with
/// `fragment_length` 0 (ServerHelloDone). One scratch buffer is reused for every fragment;
/// the slice passed to `emit` is only valid for that call.
pub fn fragment_message(
    msg_type: HandshakeType,
    message_seq: u16,
    body: &[u8],
    max_fragment_len: usize,
    mut emit: impl FnMut(&[u8]),
) {
    let max = max_fragment_len.max(1);
    let mut scratch = Vec::with_capacity(HANDSHAKE_HEADER_LEN + body.len().min(max));
    let mut offset = 0usize;
    loop {
        let len = (body.len() - offset).min(max);
        scratch.clear();
        HandshakeHeader {
            msg_type,
            length: body.len() as u32,
            message_seq,
            fragment_offset: offset as u32,
            fragment_length: len as u32,
        }
        .encode(&mut scratch);
        scratch.extend_from_slice(&body[offset..offset + len]);
        emit(&scratch);
        offset += len;
        if offset >= body.len() {
            break;
        }
    }
}

/// Writes into `out` (cleared first) the fragment of `body` at `offset` of `len` bytes, with
/// its 12-byte header. `offset + len` must not exceed `body.len()`.
pub fn encode_fragment(
    msg_type: HandshakeType,
    message_seq: u16,
    body: &[u8],
    offset: usize,
    len: usize,
    out: &mut Vec<u8>,
) {
    out.clear();
    HandshakeHeader {
        msg_type,
        length: body.len() as u32,
        message_seq,
        fragment_offset: offset as u32,
        fragment_length: len as u32,
    }
    .encode(out);
    out.extend_from_slice(&body[offset..offset + len]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handshake::header::parse_fragments;

    fn collect(body: &[u8], max: usize) -> Vec<Vec<u8>> {
        let mut frags = Vec::new();
        fragment_message(HandshakeType::CERTIFICATE, 5, body, max, |f| {
            frags.push(f.to_vec())
        });
        frags
    }

    #[test]
    fn fragments_reassemble_and_respect_size() {
        let body: Vec<u8> = (0..1000u32).map(|i| i as u8).collect();
        for max in [1usize, 7, 100, 333, 999, 1000, 5000] {
            let frags = collect(&body, max);
            assert_eq!(frags.len(), body.len().div_ceil(max));
            let mut rebuilt = vec![0u8; body.len()];
            let mut covered = 0;
            for f in &frags {
                let v: Vec<_> = parse_fragments(f).collect();
                assert_eq!(v.len(), 1);
                let (h, frag) = v[0].unwrap();
                assert!(frag.len() <= max);
                assert_eq!(h.length as usize, body.len());
                assert_eq!(h.message_seq, 5);
                assert_eq!(h.msg_type, HandshakeType::CERTIFICATE);
                let off = h.fragment_offset as usize;
                assert_eq!(off, covered);
                rebuilt[off..off + frag.len()].copy_from_slice(frag);
                covered += frag.len();
            }
            assert_eq!(rebuilt, body);
        }
    }

    #[test]
    fn empty_body_yields_one_fragment() {
        let frags = collect(&[], 100);
        assert_eq!(frags.len(), 1);
        assert_eq!(frags[0], [11, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0]);
    }

    #[test]
    fn zero_max_still_terminates() {
        assert_eq!(collect(b"abc", 0).len(), 3);
    }
}
