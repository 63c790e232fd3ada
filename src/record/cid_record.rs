//! The DTLS 1.2 `tls12_cid` record (RFC 9146 §4, §5): the header codec with the connection
//! ID, the additional data its AEAD authenticates, and the DTLSInnerPlaintext that hides the
//! real content type behind optional zero padding.
//!
//! ```text
//! header  = tls12_cid(1) ‖ version(2) ‖ epoch(2) ‖ sequence(6) ‖ cid ‖ length(2)
//! inner   = content ‖ real_type(1) ‖ zeros
//! AAD     = 8 × 0xff ‖ tls12_cid ‖ cid_length(1) ‖ tls12_cid ‖ version(2) ‖ epoch(2)
//!           ‖ sequence(6) ‖ cid ‖ length_of_inner(2)
//! ```
//!
//! The AAD is RFC 9146's final form. Draft -05 (Mbed TLS 2.x, extension type 254) used
//! sequence ‖ tls12_cid ‖ version ‖ cid ‖ cid_length ‖ length instead; a peer speaking it
//! fails authentication on every record, which is why the placeholder leads: an old-format
//! MAC can never collide with a new one.

use crate::cid::MAX_CID_LEN;
use crate::codec::{put_u16, put_u48, put_u8};
use crate::enums::ContentType;

/// Bytes of a `tls12_cid` header without the CID: type, version, epoch, sequence, length.
pub const FIXED_HEADER_LEN: usize = 13;
/// Offset of the CID in the header (after type, version, epoch and sequence).
pub const CID_OFFSET: usize = 11;
/// Largest DTLSInnerPlaintext: 2^14 of content plus the type and padding (RFC 8446 §5.2's
/// bound for TLSInnerPlaintext, which RFC 9146 §4 follows).
pub const MAX_INNER_LEN: usize = (1 << 14) + 256;
/// RFC 9146 §5: `seq_num_placeholder`, 8 bytes of 0xff.
const SEQ_NUM_PLACEHOLDER: [u8; 8] = [0xff; 8];
/// AAD bytes besides the CID.
const AAD_FIXED_LEN: usize = 8 + 1 + 1 + 1 + 2 + 2 + 6 + 2;

/// Header length for a CID of `cid_len` bytes.
pub const fn header_len(cid_len: usize) -> usize {
    FIXED_HEADER_LEN + cid_len
}

/// Appends the header of a `tls12_cid` record.
pub fn encode_header(out: &mut Vec<u8>, version: u16, epoch: u16, seq: u64, cid: &[u8], len: u16) {
    put_u8(out, ContentType::TLS12_CID.0);
    put_u16(out, version);
    put_u16(out, epoch);
    put_u48(out, seq);
    out.extend_from_slice(cid);
    put_u16(out, len);
}

/// RFC 9146 §5 additional data, built on the stack (no allocation per record).
pub struct Aad {
    buf: [u8; AAD_FIXED_LEN + MAX_CID_LEN],
    len: usize,
}

impl Aad {
    /// The additional data of a record with `cid` whose DTLSInnerPlaintext is `inner_len`
    /// bytes. `cid` is at most [`MAX_CID_LEN`] bytes (longer is cut, which then fails
    /// authentication rather than panicking).
    pub fn new(version: u16, epoch: u16, seq: u64, cid: &[u8], inner_len: usize) -> Self {
        let cid = &cid[..cid.len().min(MAX_CID_LEN)];
        let mut a = Self {
            buf: [0; AAD_FIXED_LEN + MAX_CID_LEN],
            len: 0,
        };
        a.put(&SEQ_NUM_PLACEHOLDER);
        a.put(&[
            ContentType::TLS12_CID.0,
            cid.len() as u8,
            ContentType::TLS12_CID.0,
        ]);
        a.put(&version.to_be_bytes());
        a.put(&epoch.to_be_bytes());
        a.put(&seq.to_be_bytes()[2..]);
        a.put(cid);
        // Callers bound inner_len by 2^14 (or a u16 record length).
        a.put(&(inner_len as u16).to_be_bytes());
        a
    }

    fn put(&mut self, b: &[u8]) {
        self.buf[self.len..self.len + b.len()].copy_from_slice(b);
        self.len += b.len();
    }
}

impl AsRef<[u8]> for Aad {
    fn as_ref(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// Splits a decrypted DTLSInnerPlaintext into content length and real type: the real type
/// is the last non-zero byte (RFC 9146 §4, as RFC 8446 §5.4). `None` when it is all zeros,
/// or the type is not one DTLS 1.2 defines (a nested `tls12_cid` included): the record is
/// dropped.
pub fn split_inner(inner: &[u8]) -> Option<(usize, ContentType)> {
    let pos = inner.iter().rposition(|&b| b != 0)?;
    let t = ContentType(inner[pos]);
    t.is_known().then_some((pos, t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_layout() {
        let mut out = Vec::new();
        encode_header(&mut out, 0xfefd, 1, 0x0203_0405_0607, &[0xaa, 0xbb], 0x0102);
        assert_eq!(
            out,
            [25, 0xfe, 0xfd, 0, 1, 2, 3, 4, 5, 6, 7, 0xaa, 0xbb, 1, 2],
            "RFC 9146 §4: the CID sits between sequence number and length"
        );
        assert_eq!(out.len(), header_len(2));
        assert_eq!(&out[CID_OFFSET..CID_OFFSET + 2], &[0xaa, 0xbb]);
    }

    /// RFC 9146 §5 field by field, written out by hand.
    #[test]
    fn aad_is_rfc9146_final_form() {
        let a = Aad::new(0xfefd, 1, 5, &[0xc1, 0xc2, 0xc3], 0x0011);
        let want: &[u8] = &[
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // seq_num_placeholder
            25,   // tls12_cid
            3,    // cid_length
            25,   // tls12_cid
            0xfe, 0xfd, // version
            0, 1, // epoch
            0, 0, 0, 0, 0, 5, // sequence_number
            0xc1, 0xc2, 0xc3, // cid
            0, 0x11, // length_of_DTLSInnerPlaintext
        ];
        assert_eq!(a.as_ref(), want);
        let max = Aad::new(0xfefd, 1, 5, &[7; MAX_CID_LEN], 1);
        assert_eq!(max.as_ref().len(), AAD_FIXED_LEN + MAX_CID_LEN);
    }

    #[test]
    fn inner_plaintext() {
        assert_eq!(
            split_inner(b"hi\x17\0\0"),
            Some((2, ContentType::APPLICATION_DATA))
        );
        assert_eq!(split_inner(b"\x15"), Some((0, ContentType::ALERT)));
        assert_eq!(split_inner(b"ab\x16"), Some((2, ContentType::HANDSHAKE)));
        assert_eq!(split_inner(b""), None);
        assert_eq!(split_inner(&[0; 40]), None, "all padding: no real type");
        assert_eq!(split_inner(b"x\x19\0"), None, "tls12_cid is no inner type");
        assert_eq!(split_inner(b"x\x63"), None, "unknown inner type");
    }
}
