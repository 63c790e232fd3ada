//! DER primitives of OpenSSL's `SSL_SESSION_ASN1` sequence (ssl_asn1.c), shared by the
//! session writer (`session_io`), reader (`session_read`) and their DTLS 1.3 part
//! (`session_der13`): one-byte tags, definite lengths, non-negative INTEGERs, EXPLICIT tags.

/// Universal tag of an INTEGER.
pub const INTEGER: u8 = 0x02;
/// Universal tag of an OCTET STRING.
pub const OCTET_STRING: u8 = 0x04;
/// Universal tag of a (constructed) SEQUENCE.
pub const SEQUENCE: u8 = 0x30;

/// Appends a DER tag-length-value.
pub fn tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// A DER INTEGER's content for a non-negative value (minimal, with a leading 0 when the top
/// bit is set).
pub fn uint(v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count().min(7);
    let mut out = Vec::with_capacity(9);
    if bytes[skip] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&bytes[skip..]);
    out
}

/// `[n] EXPLICIT` around one element.
pub fn explicit(out: &mut Vec<u8>, n: u8, inner_tag: u8, content: &[u8]) {
    let mut inner = Vec::with_capacity(content.len() + 4);
    tlv(&mut inner, inner_tag, content);
    tlv(out, 0xA0 | n, &inner);
}

/// A DER reader over one level of content.
pub struct Der<'a> {
    /// What is left to read.
    pub data: &'a [u8],
}

impl<'a> Der<'a> {
    /// Reads one tag-length-value with a one-byte tag and a definite length: (tag, content,
    /// whole encoding).
    pub fn tlv(&mut self) -> Result<(u8, &'a [u8], &'a [u8]), &'static str> {
        let d = self.data;
        let (&tag, rest) = d.split_first().ok_or("truncated DER")?;
        if tag & 0x1f == 0x1f {
            return Err("multi-byte DER tags are not used in sessions");
        }
        let (&first, rest) = rest.split_first().ok_or("truncated DER length")?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 4 || rest.len() < n {
                return Err("bad DER length");
            }
            let len = rest[..n]
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, &rest[n..])
        };
        if len > rest.len() {
            return Err("DER length beyond the input");
        }
        let header = d.len() - rest.len();
        let whole = &d[..header + len];
        self.data = &rest[len..];
        Ok((tag, &rest[..len], whole))
    }

    /// Reads an element that must have `tag`.
    pub fn expect(&mut self, tag: u8, what: &'static str) -> Result<&'a [u8], &'static str> {
        match self.tlv()? {
            (t, content, _) if t == tag => Ok(content),
            _ => Err(what),
        }
    }
}

/// A non-negative DER INTEGER that fits in 64 bits.
pub fn read_uint(content: &[u8]) -> Result<u64, &'static str> {
    if content.is_empty() || content[0] & 0x80 != 0 {
        return Err("negative or empty INTEGER");
    }
    let digits = if content.len() > 1 && content[0] == 0 {
        &content[1..]
    } else {
        content
    };
    if digits.len() > 8 {
        return Err("INTEGER too large");
    }
    Ok(digits
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// The content of a `[n] EXPLICIT` element's single inner element of type `tag`.
pub fn explicit_inner(content: &[u8], tag: u8) -> Result<&[u8], &'static str> {
    let mut inner = Der { data: content };
    let v = inner.expect(tag, "unexpected type inside a tagged session field")?;
    if !inner.data.is_empty() {
        return Err("trailing data inside a tagged session field");
    }
    Ok(v)
}
