//! A ClientHello parsed for the client-hello callback's accessors (`client_hello.rs`).
use std::ops::Range;

/// A parsed ClientHello body (RFC 6347 §4.2.1 / RFC 5246 §7.4.1.2): ranges into `body`.
pub struct HelloView {
    pub(crate) body: Vec<u8>,
    pub(crate) legacy_version: u16,
    pub(crate) random: Range<usize>,
    pub(crate) session_id: Range<usize>,
    pub(crate) ciphers: Range<usize>,
    pub(crate) compression: Range<usize>,
    /// (type, data) of each extension, in the client's order.
    pub(crate) extensions: Vec<(u16, Range<usize>)>,
}

/// A cursor over a byte string that never reads past its end.
struct Cursor<'a> {
    b: &'a [u8],
    at: usize,
}

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Option<Range<usize>> {
        let end = self.at.checked_add(n)?;
        if end > self.b.len() {
            return None;
        }
        let r = self.at..end;
        self.at = end;
        Some(r)
    }

    fn uint(&mut self, n: usize) -> Option<usize> {
        let r = self.take(n)?;
        Some(
            self.b[r]
                .iter()
                .fold(0usize, |v, &x| (v << 8) | usize::from(x)),
        )
    }

    /// A vector with an `n`-byte length prefix.
    fn vec(&mut self, n: usize) -> Option<Range<usize>> {
        let len = self.uint(n)?;
        self.take(len)
    }
}

impl HelloView {
    /// Parses a ClientHello body; None when it is malformed (the engine then rejects it).
    pub fn parse(body: &[u8]) -> Option<Self> {
        let mut c = Cursor { b: body, at: 0 };
        let legacy_version = u16::try_from(c.uint(2)?).ok()?;
        let random = c.take(32)?;
        let session_id = c.vec(1)?;
        let _cookie = c.vec(1)?;
        let ciphers = c.vec(2)?;
        let compression = c.vec(1)?;
        let mut extensions = Vec::new();
        if c.at < body.len() {
            let all = c.vec(2)?;
            let mut e = Cursor {
                b: &body[..all.end],
                at: all.start,
            };
            while e.at < all.end {
                let t = u16::try_from(e.uint(2)?).ok()?;
                extensions.push((t, e.vec(2)?));
            }
        }
        Some(HelloView {
            body: body.to_vec(),
            legacy_version,
            random,
            session_id,
            ciphers,
            compression,
            extensions,
        })
    }

    pub(crate) fn bytes(&self, r: &Range<usize>) -> &[u8] {
        &self.body[r.clone()]
    }
}
