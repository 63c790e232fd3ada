//! Received application data handed out in the buffer it was decrypted in.
//!
//! [`crate::Connection::handle_datagram_owned`] opens the records of a datagram in place in
//! the caller's buffer; [`crate::Connection::recv_record`] then returns that same buffer as
//! an [`AppData`], so a Rust caller gets its plaintext with no copy at all (OpenSSL's
//! `SSL_read` copies once, into the application's buffer). The buffer can go back in as
//! the next datagram's with [`AppData::into_buffer`].

use std::ops::{Deref, Range};

/// One received application data record: the plaintext is `range` of `buf`.
#[derive(Debug)]
pub struct AppData {
    buf: Vec<u8>,
    range: Range<usize>,
}

impl AppData {
    pub(crate) fn new(buf: Vec<u8>, start: usize, end: usize) -> Self {
        // The engine only builds in-bounds ranges; clamp anyway so a bug cannot panic here.
        let end = end.min(buf.len());
        let start = start.min(end);
        Self {
            buf,
            range: start..end,
        }
    }

    /// The whole buffer back (record header and tag included), to receive the next
    /// datagram into.
    pub fn into_buffer(self) -> Vec<u8> {
        self.buf
    }

    /// The plaintext as its own vector (moved to the front of the same allocation).
    pub fn into_vec(mut self) -> Vec<u8> {
        self.buf.truncate(self.range.end);
        self.buf.drain(..self.range.start);
        self.buf
    }
}

impl Deref for AppData {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.buf[self.range.clone()]
    }
}

impl AsRef<[u8]> for AppData {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_and_conversions() {
        let d = AppData::new(b"hdr-payload-tag".to_vec(), 4, 11);
        assert_eq!(&*d, b"payload");
        assert_eq!(d.into_vec(), b"payload");
        let d = AppData::new(b"abc".to_vec(), 1, 9);
        assert_eq!(&*d, b"bc");
        assert_eq!(d.into_buffer(), b"abc");
        assert!(AppData::new(Vec::new(), 5, 2).is_empty());
    }
}
