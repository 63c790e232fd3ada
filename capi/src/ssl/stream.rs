//! DTLS over a byte stream (a TCP socket, a connect BIO, a pipe): the transport OpenSSL's
//! DTLS methods get when a program puts them on `BIO_new_ssl_connect` or `BIO_new_socket`.
//!
//! OpenSSL 3.0 runs DTLS over such a BIO with its datagram code unchanged: every record is
//! one `BIO_write`, and one `BIO_read` (up to 16 KiB) is taken as a datagram that may hold
//! several records. On loopback TCP that works because reads return whole records, but a
//! record split across two reads is lost there (and the stream with it). Here the records
//! are taken out of the stream by their headers (RFC 6347 §4.1: 13 bytes ending in the
//! 16-bit length; DTLS 1.3's unified header, RFC 9147 §4, with its length field): only
//! complete records go to the engine, and the tail of a split record
//! waits for the next read. A record the BIO accepts only in part is finished before
//! anything else is written, so records never interleave on the stream.
use std::ffi::c_int;

use crate::host;

/// DTLS record header length (type, version, epoch, sequence number, length).
const HEADER: usize = 13;
/// Largest record body a peer may send (2^14 plaintext + 2048 expansion, RFC 6347 §4.1 /
/// RFC 5246 §6.2.3): a longer length field means the stream is not DTLS records.
const MAX_BODY: usize = (1 << 14) + 2048;

const BIO_TYPE_SOURCE_SINK: c_int = 0x0400;
const BIO_TYPE_DESCRIPTOR: c_int = 0x0100;
/// `BIO_TYPE_FD`, `BIO_TYPE_SOCKET`, `BIO_TYPE_CONNECT`, `BIO_TYPE_ACCEPT`.
const STREAM_TYPES: [c_int; 4] = [
    4 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
    5 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
    12 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
    13 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR,
];

const BIO_TYPE_CONNECT: c_int = 12 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;

/// True when `b` carries a byte stream rather than datagrams: a connect BIO, or a socket/fd
/// BIO whose descriptor is not a datagram socket (OpenSSL's own SSL_set_fd puts DTLS on a
/// socket BIO over UDP, where each read is still one datagram).
pub(crate) fn is_stream_bio(b: *mut host::BIO) -> bool {
    if b.is_null() {
        return false;
    }
    let t = host::bio_method_type(b);
    if !STREAM_TYPES.contains(&t) {
        return false;
    }
    let fd = host::bio_fd(b);
    if t == BIO_TYPE_CONNECT || fd < 0 {
        return true;
    }
    super::dccp::int_sockopt(fd, libc::SOL_SOCKET, libc::SO_TYPE) != Some(libc::SOCK_DGRAM)
}

impl super::objects::SSL {
    /// [`is_stream_bio`] for this SSL's BIO `b`, asked once per BIO.
    pub(crate) fn stream_transport(&self, b: *mut host::BIO) -> bool {
        let key = b as usize;
        if let Some((k, v)) = self.io.borrow().stream_kind {
            if k == key {
                return v;
            }
        }
        let v = is_stream_bio(b);
        self.io.borrow_mut().stream_kind = Some((key, v));
        v
    }
}

/// Length of the longest prefix of `buf` made of whole records. When a header announces a
/// body longer than any DTLS record, the stream is not records: all of `buf` is returned
/// (the engine drops what it cannot parse) so the caller never waits for bytes that will
/// not complete a record.
pub(crate) fn complete_prefix(buf: &[u8]) -> usize {
    let mut off = 0;
    while let Some(&first) = buf.get(off) {
        let (header, len_at) = if first & UNIFIED_MASK == UNIFIED_BITS {
            // A DTLS 1.3 unified header (RFC 9147 §4: 001CSLEE). Without its length field
            // (L) the record runs to the datagram's end, and a CID's length is the
            // connection's: neither can be cut out of a stream (we always send L, no CID).
            if first & (UNIFIED_C | UNIFIED_L) != UNIFIED_L {
                return buf.len();
            }
            let seq = if first & UNIFIED_S != 0 { 2 } else { 1 };
            (1 + seq + 2, 1 + seq)
        } else {
            (HEADER, HEADER - 2)
        };
        let Some(h) = buf.get(off..off + header) else {
            break;
        };
        let body = usize::from(u16::from_be_bytes([h[len_at], h[len_at + 1]]));
        if body > MAX_BODY {
            return buf.len();
        }
        if buf.len() - off < header + body {
            break;
        }
        off += header + body;
    }
    off
}

/// RFC 9147 §4: the first byte of a unified header is 001CSLEE.
const UNIFIED_MASK: u8 = 0xE0;
const UNIFIED_BITS: u8 = 0x20;
/// Connection ID present.
const UNIFIED_C: u8 = 0x10;
/// 16-bit sequence number (else 8).
const UNIFIED_S: u8 = 0x08;
/// Length field present.
const UNIFIED_L: u8 = 0x04;

/// Adds `fresh` bytes to the partial record kept in `pending` and returns the whole
/// records now available (empty when still within one record).
pub(crate) fn take_records(pending: &mut Vec<u8>, fresh: &[u8]) -> Vec<u8> {
    if pending.is_empty() {
        let k = complete_prefix(fresh);
        pending.extend_from_slice(&fresh[k..]);
        return fresh[..k].to_vec();
    }
    pending.extend_from_slice(fresh);
    let k = complete_prefix(pending);
    pending.drain(..k).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(body: usize, fill: u8) -> Vec<u8> {
        let mut r = vec![23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 7];
        r.extend_from_slice(&(body as u16).to_be_bytes());
        r.extend(std::iter::repeat_n(fill, body));
        r
    }

    #[test]
    fn records_are_cut_out_of_any_split_of_the_stream() {
        let stream: Vec<u8> =
            [record(1, 1), record(100, 2), record(4000, 3), record(0, 4)].concat();
        // Every split point, in chunks of every size from 1 byte up: the records come out
        // whole and in order, and nothing is left over.
        for chunk in [1, 2, 12, 13, 14, 113, 1000, 5000] {
            let mut pending = Vec::new();
            let mut out = Vec::new();
            for c in stream.chunks(chunk) {
                let got = take_records(&mut pending, c);
                assert_eq!(complete_prefix(&got), got.len(), "chunk {chunk}");
                out.extend(got);
            }
            assert_eq!(out, stream, "chunk {chunk}");
            assert!(pending.is_empty());
        }
    }

    /// A DTLS 1.3 record with a unified header (RFC 9147 §4): 16- or 8-bit sequence
    /// number, length present.
    fn record13(body: usize, seq16: bool) -> Vec<u8> {
        let mut r = vec![0x20 | 0x04 | 0x03 | if seq16 { 0x08 } else { 0 }, 0x5a];
        if seq16 {
            r.push(0xa5);
        }
        r.extend_from_slice(&(body as u16).to_be_bytes());
        r.extend(std::iter::repeat_n(9, body));
        r
    }

    #[test]
    fn unified_header_records_are_cut_out_too() {
        let stream: Vec<u8> = [
            record(50, 1),
            record13(30, true),
            record13(0, false),
            record13(3000, true),
            record(7, 2),
        ]
        .concat();
        for chunk in [1, 2, 4, 5, 13, 31, 1000, 5000] {
            let mut pending = Vec::new();
            let mut out = Vec::new();
            for c in stream.chunks(chunk) {
                out.extend(take_records(&mut pending, c));
            }
            assert_eq!(out, stream, "chunk {chunk}");
            assert!(pending.is_empty());
        }
        // No length field (runs to the datagram's end) or a CID: not a stream of records.
        let no_len = [0x2b, 1, 2, 3, 4, 5, 6];
        assert_eq!(complete_prefix(&no_len), no_len.len());
        let cid = [0x3f, 1, 2, 0, 1, 9, 9];
        assert_eq!(complete_prefix(&cid), cid.len());
    }

    #[cfg(not(feature = "dropin"))]
    #[test]
    fn stream_bios_are_told_from_datagram_ones() {
        use std::os::fd::AsRawFd;
        let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let tcp = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let cases = [
            // A socket BIO over UDP (as OpenSSL's SSL_set_fd makes): datagrams.
            (crate::bio::fd::new_socket(udp.as_raw_fd(), 0), false),
            (crate::bio::dgram::new_dgram(udp.as_raw_fd(), 0), false),
            (crate::bio::fd::new_socket(tcp.as_raw_fd(), 0), true),
            (crate::bio::fd::new_fd(0, 0), true),
            (crate::bio::connect::new_connect(std::ptr::null()), true),
            (crate::bio::new(&crate::bio::mem::METHOD), false),
        ];
        for (i, (b, stream)) in cases.into_iter().enumerate() {
            assert_eq!(is_stream_bio(b.cast()), stream, "case {i}");
            crate::bio::free(b);
        }
        assert!(!is_stream_bio(std::ptr::null_mut()));
    }

    #[test]
    fn a_length_no_record_has_is_not_waited_for() {
        let mut junk = record(10, 9);
        junk[11] = 0xff;
        let mut pending = Vec::new();
        assert_eq!(take_records(&mut pending, &junk[..14]), junk[..14].to_vec());
        assert!(pending.is_empty());
        assert_eq!(complete_prefix(&junk[..12]), 0);
    }
}
