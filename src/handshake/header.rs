//! The 12-byte DTLS handshake message header (RFC 6347 §4.2.2).
//!
//! DTLS extends the TLS handshake header with `message_seq`, `fragment_offset` and
//! `fragment_length` so that a message can be split across records and reordered.

use crate::codec::{put_u16, put_u24, put_u8, DecodeError, Reader};
use crate::enums::HandshakeType;

/// Bytes in a DTLS handshake header: type(1) length(3) message_seq(2) offset(3) frag_len(3).
pub const HANDSHAKE_HEADER_LEN: usize = 12;

/// One DTLS handshake header (RFC 6347 §4.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandshakeHeader {
    /// The handshake message type.
    pub msg_type: HandshakeType,
    /// Length of the whole message body (u24 on the wire).
    pub length: u32,
    /// Per-direction message counter (RFC 6347 §4.2.2).
    pub message_seq: u16,
    /// Where this fragment starts within the body (u24).
    pub fragment_offset: u32,
    /// Bytes of body in this fragment (u24).
    pub fragment_length: u32,
}

impl HandshakeHeader {
    /// The 12 header bytes (as [`HandshakeHeader::encode`] appends them).
    pub fn to_bytes(&self) -> [u8; HANDSHAKE_HEADER_LEN] {
        let l = self.length.to_be_bytes();
        let s = self.message_seq.to_be_bytes();
        let o = self.fragment_offset.to_be_bytes();
        let f = self.fragment_length.to_be_bytes();
        [
            self.msg_type.0,
            l[1],
            l[2],
            l[3],
            s[0],
            s[1],
            o[1],
            o[2],
            o[3],
            f[1],
            f[2],
            f[3],
        ]
    }

    /// Appends the 12 header bytes. The u24 fields are truncated to 24 bits.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u8(out, self.msg_type.0);
        put_u24(out, self.length);
        put_u16(out, self.message_seq);
        put_u24(out, self.fragment_offset);
        put_u24(out, self.fragment_length);
    }

    /// Reads 12 header bytes. Does not check the fragment against the length; callers
    /// (reassembly) do that.
    pub fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Self {
            msg_type: HandshakeType(r.u8("handshake type")?),
            length: r.u24("handshake length")?,
            message_seq: r.u16("handshake message_seq")?,
            fragment_offset: r.u24("handshake fragment_offset")?,
            fragment_length: r.u24("handshake fragment_length")?,
        })
    }

    /// The header of an unfragmented message: offset 0, fragment_length == length.
    pub fn unfragmented(msg_type: HandshakeType, message_seq: u16, length: u32) -> Self {
        Self {
            msg_type,
            length,
            message_seq,
            fragment_offset: 0,
            fragment_length: length,
        }
    }
}

/// The whole message in unfragmented DTLS form (header with offset 0, fragment_length =
/// length, then body): what goes into the handshake transcript (RFC 6347 §4.2.6).
pub fn full_message(msg_type: HandshakeType, message_seq: u16, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HANDSHAKE_HEADER_LEN + body.len());
    HandshakeHeader::unfragmented(msg_type, message_seq, body.len() as u32).encode(&mut out);
    out.extend_from_slice(body);
    out
}

/// Splits a handshake record payload into `(header, fragment)` pairs, lazily.
///
/// A record may carry several handshake fragments back to back (RFC 6347 §4.2.3). The
/// iterator yields `Ok` for each complete fragment; a truncated header or a
/// `fragment_length` that runs past the payload yields one `Err` and then the iterator ends.
/// Nothing here checks `fragment_offset + fragment_length <= length`; reassembly does.
pub fn parse_fragments(payload: &[u8]) -> Fragments<'_> {
    Fragments {
        r: Reader::new(payload),
        failed: false,
    }
}

/// Iterator returned by [`parse_fragments`].
#[derive(Debug, Clone)]
pub struct Fragments<'a> {
    r: Reader<'a>,
    failed: bool,
}

impl<'a> Iterator for Fragments<'a> {
    type Item = Result<(HandshakeHeader, &'a [u8]), DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.r.is_empty() {
            return None;
        }
        let item = HandshakeHeader::decode(&mut self.r).and_then(|h| {
            let frag = self
                .r
                .take(h.fragment_length as usize, "handshake fragment")?;
            Ok((h, frag))
        });
        if item.is_err() {
            self.failed = true;
        }
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_roundtrip() {
        let h = HandshakeHeader {
            msg_type: HandshakeType::CERTIFICATE,
            length: 0x01_0203,
            message_seq: 0x0405,
            fragment_offset: 0x06_0708,
            fragment_length: 0x09_0a0b,
        };
        let mut out = Vec::new();
        h.encode(&mut out);
        assert_eq!(out.len(), HANDSHAKE_HEADER_LEN);
        assert_eq!(out, [11, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert_eq!(h.to_bytes()[..], out[..]);
        let mut r = Reader::new(&out);
        assert_eq!(HandshakeHeader::decode(&mut r), Ok(h));
        assert!(r.is_empty());
    }

    #[test]
    fn header_short_input_is_error() {
        for n in 0..HANDSHAKE_HEADER_LEN {
            let buf = vec![0u8; n];
            assert!(HandshakeHeader::decode(&mut Reader::new(&buf)).is_err());
        }
    }

    #[test]
    fn full_message_layout() {
        let m = full_message(HandshakeType::FINISHED, 7, &[0xaa; 12]);
        assert_eq!(&m[..12], &[20, 0, 0, 12, 0, 7, 0, 0, 0, 0, 0, 12]);
        assert_eq!(&m[12..], &[0xaa; 12]);
    }

    #[test]
    fn parse_two_fragments() {
        let mut p = full_message(HandshakeType::SERVER_HELLO_DONE, 3, &[]);
        p.extend_from_slice(&full_message(HandshakeType::FINISHED, 4, b"abc"));
        let v: Vec<_> = parse_fragments(&p).collect();
        assert_eq!(v.len(), 2);
        let (h0, f0) = v[0].unwrap();
        assert_eq!(h0.msg_type, HandshakeType::SERVER_HELLO_DONE);
        assert!(f0.is_empty());
        let (h1, f1) = v[1].unwrap();
        assert_eq!((h1.message_seq, f1), (4, &b"abc"[..]));
    }

    #[test]
    fn parse_overrunning_fragment_ends_with_error() {
        let mut p = full_message(HandshakeType::FINISHED, 0, b"abcd");
        p.extend_from_slice(&full_message(HandshakeType::FINISHED, 1, b"abcd"));
        p.truncate(p.len() - 1);
        let v: Vec<_> = parse_fragments(&p).collect();
        assert_eq!(v.len(), 2);
        assert!(v[0].is_ok());
        assert!(v[1].is_err());
        // A trailing partial header is also an error, once.
        let v: Vec<_> = parse_fragments(&[1, 0, 0]).collect();
        assert_eq!(v.len(), 1);
        assert!(v[0].is_err());
        assert_eq!(parse_fragments(&[]).count(), 0);
    }
}
