//! Byte-level reading and writing shared by every wire codec.
//!
//! `Reader` never panics: every read is bounds-checked and returns `DecodeError` on short
//! input. Writers append to a caller-owned `Vec<u8>` so the hot path can reuse buffers.

use std::fmt;

/// A wire structure could not be decoded (short, over-long or trailing bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    /// What was being decoded, for logs and error strings.
    pub what: &'static str,
}

impl DecodeError {
    /// A decode error while reading `what`.
    pub const fn new(what: &'static str) -> Self {
        Self { what }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed {}", self.what)
    }
}

impl std::error::Error for DecodeError {}

/// A bounds-checked cursor over a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader positioned at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    /// Bytes not yet read.
    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// True when every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// The unread bytes, without consuming them.
    pub fn peek_rest(&self) -> &'a [u8] {
        &self.buf[self.pos..]
    }

    /// Consumes and returns every unread byte.
    pub fn rest(&mut self) -> &'a [u8] {
        let r = &self.buf[self.pos..];
        self.pos = self.buf.len();
        r
    }

    /// Consumes exactly `n` bytes.
    pub fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::new(what));
        }
        let r = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(r)
    }

    /// Reads a fixed-size array.
    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Reads a big-endian unsigned integer of `n` bytes (n <= 8).
    pub fn uint(&mut self, n: usize, what: &'static str) -> Result<u64, DecodeError> {
        debug_assert!(n <= 8);
        let s = self.take(n, what)?;
        Ok(s.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// Reads one byte.
    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.take(1, what)?[0])
    }

    /// Reads a big-endian u16.
    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(self.uint(2, what)? as u16)
    }

    /// Reads a big-endian 24-bit integer.
    pub fn u24(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(self.uint(3, what)? as u32)
    }

    /// Reads a big-endian u32.
    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(self.uint(4, what)? as u32)
    }

    /// Reads a big-endian 48-bit integer (DTLS record sequence numbers).
    pub fn u48(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        self.uint(6, what)
    }

    /// Reads a vector with a `len_bytes`-wide length prefix and returns its body.
    pub fn vec(&mut self, len_bytes: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let n = self.uint(len_bytes, what)? as usize;
        self.take(n, what)
    }

    /// Reads a length-prefixed body and returns a sub-reader over it.
    pub fn sub(&mut self, len_bytes: usize, what: &'static str) -> Result<Reader<'a>, DecodeError> {
        Ok(Reader::new(self.vec(len_bytes, what)?))
    }

    /// Fails with `what` unless every byte was consumed (rejects trailing data).
    pub fn finish(&self, what: &'static str) -> Result<(), DecodeError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DecodeError::new(what))
        }
    }
}

/// Appends a big-endian integer of `n` bytes.
pub fn put_uint(out: &mut Vec<u8>, v: u64, n: usize) {
    for i in (0..n).rev() {
        out.push((v >> (8 * i)) as u8);
    }
}

/// Appends one byte.
pub fn put_u8(out: &mut Vec<u8>, v: u8) {
    out.push(v);
}

/// Appends a big-endian u16.
pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends a big-endian 24-bit integer.
pub fn put_u24(out: &mut Vec<u8>, v: u32) {
    put_uint(out, u64::from(v), 3);
}

/// Appends a big-endian 48-bit integer.
pub fn put_u48(out: &mut Vec<u8>, v: u64) {
    put_uint(out, v, 6);
}

/// Appends `body` with a `len_bytes`-wide length prefix.
pub fn put_vec(out: &mut Vec<u8>, len_bytes: usize, body: &[u8]) {
    put_uint(out, body.len() as u64, len_bytes);
    out.extend_from_slice(body);
}

/// Writes a `len_bytes`-wide length prefix, lets `f` append the body, then patches the length.
pub fn put_nested(out: &mut Vec<u8>, len_bytes: usize, f: impl FnOnce(&mut Vec<u8>)) {
    let at = out.len();
    out.resize(at + len_bytes, 0);
    f(out);
    let len = (out.len() - at - len_bytes) as u64;
    for i in 0..len_bytes {
        out[at + i] = (len >> (8 * (len_bytes - 1 - i))) as u8;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_roundtrip_and_bounds() {
        let mut out = Vec::new();
        put_u8(&mut out, 1);
        put_u16(&mut out, 0x0203);
        put_u24(&mut out, 0x040506);
        put_u48(&mut out, 0x0708_090a_0b0c);
        let mut r = Reader::new(&out);
        assert_eq!(r.u8("a").unwrap(), 1);
        assert_eq!(r.u16("b").unwrap(), 0x0203);
        assert_eq!(r.u24("c").unwrap(), 0x040506);
        assert_eq!(r.u48("d").unwrap(), 0x0708_090a_0b0c);
        assert!(r.finish("end").is_ok());
        assert_eq!(r.u8("past end"), Err(DecodeError::new("past end")));
    }

    #[test]
    fn nested_patches_length_and_vec_rejects_overrun() {
        let mut out = Vec::new();
        put_nested(&mut out, 2, |o| o.extend_from_slice(b"abc"));
        assert_eq!(out, [0, 3, b'a', b'b', b'c']);
        let mut r = Reader::new(&[0, 5, 1, 2]);
        assert!(r.vec(2, "v").is_err());
    }
}
