//! Connection IDs (RFC 9146): what each side negotiated, and finding the CID of a datagram
//! so a server can route it to its association when the peer's address changed.
//!
//! Each side names, in its hello's `connection_id` extension, the CID it wants to *receive*;
//! records it sends carry the CID the peer asked for (RFC 9146 §3). CIDs are in use only when
//! both hellos carry the extension. A zero-length CID means "I do not need one, but I will
//! send yours". The record format lives in [`crate::record::cid_record`]; this module is
//! version-neutral so DTLS 1.3 (RFC 9147 §9) can reuse the negotiated pair and the lookup.

use crate::dtls13::unified_header;
use crate::enums::ContentType;
use crate::record::cid_record;
use crate::record::header::RECORD_HEADER_LEN;
use crate::record::layer::MAX_RECORDS_PER_DATAGRAM;

/// Longest CID: the extension's `opaque cid<0..2^8-1>` (RFC 9146 §3).
pub const MAX_CID_LEN: usize = 255;

/// The CIDs of an association once both hellos carried the extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionIds {
    /// What the peer puts in records it sends us (we asked for it); may be empty.
    pub own: Vec<u8>,
    /// What we put in records we send (the peer asked for it); may be empty.
    pub peer: Vec<u8>,
}

/// The CID of the first record in `datagram` that carries one, for a receiver whose own CIDs
/// are `cid_len` bytes long (the length is not on the wire, RFC 9146 §3: the receiver knows
/// its own): a DTLS 1.2 `tls12_cid` record (RFC 9146 §4) or a DTLS 1.3 unified header with
/// the C bit (RFC 9147 §4). Earlier records without one are skipped by their length. `None` when no such
/// record is found or the datagram is truncated. The record is not authenticated here: a
/// server uses the CID only to find the association, which then authenticates the record
/// before anything (its peer address included, RFC 9146 §6) changes.
pub fn datagram_cid(datagram: &[u8], cid_len: usize) -> Option<&[u8]> {
    if cid_len == 0 || cid_len > MAX_CID_LEN {
        return None;
    }
    let mut rest = datagram;
    for _ in 0..MAX_RECORDS_PER_DATAGRAM {
        let typ = *rest.first()?;
        if unified_header::is_unified_header(typ) {
            // RFC 9147 §4.1: 0x20..=0x3F is a DTLSCiphertext; its CID follows the first byte.
            let view = unified_header::parse(rest, cid_len).ok()?;
            if view.header.cid_present {
                return Some(view.cid(rest));
            }
            rest = rest.get(view.record_len..)?;
            continue;
        }
        if typ == ContentType::TLS12_CID.0 {
            let hlen = cid_record::header_len(cid_len);
            if rest.len() < hlen {
                return None;
            }
            return Some(&rest[cid_record::CID_OFFSET..cid_record::CID_OFFSET + cid_len]);
        }
        if rest.len() < RECORD_HEADER_LEN {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([rest[11], rest[12]]));
        rest = rest.get(RECORD_HEADER_LEN + len..)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cid_record(cid: &[u8], body: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        cid_record::encode_header(&mut out, 0xfefd, 1, 9, cid, body.len() as u16);
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn finds_cid_of_first_cid_record() {
        let r = cid_record(&[1, 2, 3, 4], b"xyz");
        assert_eq!(datagram_cid(&r, 4), Some(&[1, 2, 3, 4][..]));
        // After a plain record (e.g. a retransmitted epoch-0 handshake record).
        let mut dg = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2, 0xaa, 0xbb];
        dg.extend_from_slice(&r);
        assert_eq!(datagram_cid(&dg, 4), Some(&[1, 2, 3, 4][..]));
    }

    #[test]
    fn nothing_found_is_none() {
        let r = cid_record(&[1, 2, 3, 4], b"");
        assert_eq!(
            datagram_cid(&r, 0),
            None,
            "zero-length CIDs identify nothing"
        );
        assert_eq!(datagram_cid(&r[..14], 4), None, "truncated header");
        assert_eq!(datagram_cid(&[23, 0xfe, 0xfd], 4), None);
        let plain = [23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0];
        assert_eq!(datagram_cid(&plain, 4), None);
        assert_eq!(datagram_cid(&[], 4), None);
        // A length running past the end stops the walk.
        let bad = [22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0xff];
        assert_eq!(datagram_cid(&bad, 4), None);
        assert_eq!(datagram_cid(&r, MAX_CID_LEN + 1), None);
    }

    /// RFC 9147 §4: a DTLS 1.3 record's CID follows the unified header's first byte (C
    /// bit), after a plaintext record or a 1.3 record without one.
    #[test]
    fn finds_cid_of_unified_header() {
        // C, S and L bits, epoch 3: CID, 16-bit sequence, length 16, 16 bytes of body (the
        // shortest ciphertext: the record-number mask samples 16 bytes, §4.2.3).
        let mut r13 = vec![0x3f, 7, 8, 9, 0, 1, 0, 16];
        r13.extend_from_slice(&[0xaa; 16]);
        assert_eq!(datagram_cid(&r13, 3), Some(&[7, 8, 9][..]));
        let mut dg = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0xcc];
        // A record without C: skipped by its length.
        dg.extend_from_slice(&[0x2f, 0, 2, 0, 16]);
        dg.extend_from_slice(&[0xdd; 16]);
        dg.extend_from_slice(&r13);
        assert_eq!(datagram_cid(&dg, 3), Some(&[7, 8, 9][..]));
        // Truncated, C bit with a zero length, no C bit (and no length: runs to the end).
        assert_eq!(datagram_cid(&r13[..3], 3), None);
        assert_eq!(datagram_cid(&r13[..20], 3), None);
        assert_eq!(datagram_cid(&r13, 0), None);
        r13[0] = 0x23;
        assert_eq!(
            datagram_cid(&r13, 3),
            None,
            "no C bit, no L: runs to the end"
        );
    }

    #[test]
    fn record_walk_is_bounded() {
        // MAX_RECORDS_PER_DATAGRAM empty plain records, then a CID record: not looked at.
        let mut dg = Vec::new();
        for _ in 0..MAX_RECORDS_PER_DATAGRAM {
            dg.extend_from_slice(&[22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
        }
        dg.extend_from_slice(&cid_record(&[5; 4], b""));
        assert_eq!(datagram_cid(&dg, 4), None);
    }
}
