//! The 13-byte DTLS record header (RFC 6347 §4.1).

use crate::codec::{DecodeError, Reader};
use crate::enums::ContentType;

/// Bytes in a DTLS 1.2 record header: type(1) version(2) epoch(2) sequence(6) length(2).
pub const RECORD_HEADER_LEN: usize = 13;
/// Largest 48-bit record sequence number (RFC 6347 §4.1).
pub const MAX_SEQUENCE: u64 = (1 << 48) - 1;
/// Largest plaintext fragment, 2^14 (RFC 5246 §6.2.1).
pub const MAX_PLAINTEXT_LEN: usize = 16384;
/// Largest expansion a protected record may add to its plaintext (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT_EXPANSION: usize = 2048;
/// Largest record body we accept on the wire: 2^14 + 2048 (RFC 5246 §6.2.3).
pub const MAX_CIPHERTEXT_LEN: usize = MAX_PLAINTEXT_LEN + MAX_CIPHERTEXT_EXPANSION;

/// A parsed DTLS record header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Content type of the (protected) payload.
    pub content_type: ContentType,
    /// Wire version, e.g. 0xfefd for DTLS 1.2.
    pub version: u16,
    /// Epoch: incremented on every ChangeCipherSpec.
    pub epoch: u16,
    /// 48-bit sequence number within the epoch.
    pub sequence: u64,
    /// Length of the record body that follows.
    pub length: u16,
}

impl RecordHeader {
    /// Appends the 13-byte header.
    pub fn encode(&self, out: &mut Vec<u8>) {
        // One append of the whole header (every record sent goes through here).
        let mut h = [0u8; 13];
        h[0] = self.content_type.0;
        h[1..3].copy_from_slice(&self.version.to_be_bytes());
        h[3..5].copy_from_slice(&self.epoch.to_be_bytes());
        h[5..11].copy_from_slice(&(self.sequence & MAX_SEQUENCE).to_be_bytes()[2..]);
        h[11..13].copy_from_slice(&self.length.to_be_bytes());
        out.extend_from_slice(&h);
    }

    /// The header at the start of `bytes` (None when shorter than a header): the same as
    /// [`RecordHeader::decode`], read at fixed offsets (every received record).
    #[inline]
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let h: &[u8; RECORD_HEADER_LEN] = bytes.get(..RECORD_HEADER_LEN)?.try_into().ok()?;
        Some(Self {
            content_type: ContentType(h[0]),
            version: u16::from_be_bytes([h[1], h[2]]),
            epoch: u16::from_be_bytes([h[3], h[4]]),
            sequence: u64::from_be_bytes([0, 0, h[5], h[6], h[7], h[8], h[9], h[10]]),
            length: u16::from_be_bytes([h[11], h[12]]),
        })
    }

    /// Reads a header; the body is not consumed or checked.
    pub fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        Ok(Self {
            content_type: ContentType(r.u8("record type")?),
            version: r.u16("record version")?,
            epoch: r.u16("record epoch")?,
            sequence: r.u48("record sequence")?,
            length: r.u16("record length")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip_and_layout() {
        let h = RecordHeader {
            content_type: ContentType::HANDSHAKE,
            version: 0xfefd,
            epoch: 0x0102,
            sequence: 0x0304_0506_0708,
            length: 0x090a,
        };
        let mut out = Vec::new();
        h.encode(&mut out);
        assert_eq!(
            out,
            [22, 0xfe, 0xfd, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "RFC 6347 §4.1 field order"
        );
        assert_eq!(out.len(), RECORD_HEADER_LEN);
        let mut r = Reader::new(&out);
        assert_eq!(RecordHeader::decode(&mut r), Ok(h));
        assert!(r.is_empty());
        assert_eq!(RecordHeader::parse(&out), Some(h));
        out.push(0xff);
        assert_eq!(
            RecordHeader::parse(&out),
            Some(h),
            "what follows is the body's"
        );
    }

    #[test]
    fn truncated_header_is_an_error() {
        for n in 0..RECORD_HEADER_LEN {
            let bytes = [0u8; RECORD_HEADER_LEN];
            assert!(RecordHeader::decode(&mut Reader::new(&bytes[..n])).is_err());
            assert_eq!(RecordHeader::parse(&bytes[..n]), None);
        }
    }

    #[test]
    fn limits() {
        assert_eq!(MAX_SEQUENCE, 0xffff_ffff_ffff);
        assert_eq!(MAX_PLAINTEXT_LEN, 1 << 14);
        assert_eq!(MAX_CIPHERTEXT_LEN, (1 << 14) + 2048);
    }
}
