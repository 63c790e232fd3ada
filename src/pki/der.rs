//! A minimal DER reader (X.690 §10) for the few structures we parse by hand: keys,
//! certificate fields and names. Only single-byte tags and definite lengths up to four
//! length octets are accepted; anything else is malformed. Never panics.

use crate::codec::Reader;
use crate::error::Error;

/// Universal tag BOOLEAN.
pub const BOOLEAN: u8 = 0x01;
/// Universal tag INTEGER.
pub const INTEGER: u8 = 0x02;
/// Universal tag BIT STRING.
pub const BIT_STRING: u8 = 0x03;
/// Universal tag OCTET STRING.
pub const OCTET_STRING: u8 = 0x04;
/// Universal tag NULL.
pub const NULL: u8 = 0x05;
/// Universal tag OBJECT IDENTIFIER.
pub const OID: u8 = 0x06;
/// Universal tag UTF8String.
pub const UTF8_STRING: u8 = 0x0c;
/// Universal tag PrintableString.
pub const PRINTABLE_STRING: u8 = 0x13;
/// Universal tag T61String (TeletexString).
pub const T61_STRING: u8 = 0x14;
/// Universal tag IA5String.
pub const IA5_STRING: u8 = 0x16;
/// Universal tag UTCTime.
pub const UTC_TIME: u8 = 0x17;
/// Universal tag GeneralizedTime.
pub const GENERALIZED_TIME: u8 = 0x18;
/// Universal tag UniversalString (UCS-4).
pub const UNIVERSAL_STRING: u8 = 0x1c;
/// Universal tag BMPString (UCS-2).
pub const BMP_STRING: u8 = 0x1e;
/// Constructed SEQUENCE.
pub const SEQUENCE: u8 = 0x30;
/// Constructed SET.
pub const SET: u8 = 0x31;

/// Largest length field we accept, in octets (4 GiB is far beyond any certificate or key).
pub const MAX_LENGTH_OCTETS: usize = 4;

/// One tag-length-value element.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The identifier octet.
    pub tag: u8,
    /// The contents octets.
    pub value: &'a [u8],
    /// The whole encoding: identifier, length and contents.
    pub raw: &'a [u8],
}

/// A bounds-checked cursor over DER elements.
#[derive(Debug, Clone)]
pub struct DerReader<'a> {
    r: Reader<'a>,
}

fn malformed(what: &str) -> Error {
    Error::BadKeyMaterial(format!("malformed DER: {what}"))
}

impl<'a> DerReader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self {
            r: Reader::new(data),
        }
    }

    /// True when nothing is left.
    pub fn is_empty(&self) -> bool {
        self.r.is_empty()
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.r.position()
    }

    /// The identifier octet of the next element, if any.
    pub fn peek_tag(&self) -> Option<u8> {
        self.r.peek_rest().first().copied()
    }

    /// Reads the next element of any tag.
    pub fn tlv(&mut self) -> Result<Tlv<'a>, Error> {
        let all = self.r.peek_rest();
        let start = self.r.position();
        let tag = self
            .r
            .u8("DER tag")
            .map_err(|_| malformed("truncated tag"))?;
        if tag & 0x1f == 0x1f {
            return Err(malformed("multi-byte tags are not supported"));
        }
        let first = self
            .r
            .u8("DER length")
            .map_err(|_| malformed("truncated length"))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > MAX_LENGTH_OCTETS {
                return Err(malformed("indefinite or oversized length"));
            }
            let v = self
                .r
                .uint(n, "DER length")
                .map_err(|_| malformed("truncated length"))?;
            usize::try_from(v).map_err(|_| malformed("length overflow"))?
        };
        let value = self
            .r
            .take(len, "DER value")
            .map_err(|_| malformed("truncated value"))?;
        let used = self.r.position() - start;
        let raw = all
            .get(..used)
            .ok_or_else(|| malformed("internal bounds"))?;
        Ok(Tlv { tag, value, raw })
    }

    /// Reads the next element and requires its tag to be `tag`; returns the contents.
    pub fn expect(&mut self, tag: u8, what: &str) -> Result<&'a [u8], Error> {
        Ok(self.expect_tlv(tag, what)?.value)
    }

    /// Like [`DerReader::expect`] but returns the whole element.
    pub fn expect_tlv(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, Error> {
        let t = self.tlv()?;
        if t.tag != tag {
            return Err(malformed(&format!("expected {what}")));
        }
        Ok(t)
    }

    /// Reads the next element only if its tag is `tag`.
    pub fn optional(&mut self, tag: u8) -> Result<Option<Tlv<'a>>, Error> {
        if self.peek_tag() == Some(tag) {
            self.tlv().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Fails unless every byte was consumed.
    pub fn finish(&self, what: &str) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(malformed(&format!("trailing data after {what}")))
        }
    }
}

/// Parses `data` as exactly one element with tag `tag` and returns its contents.
pub fn single<'a>(data: &'a [u8], tag: u8, what: &str) -> Result<&'a [u8], Error> {
    let mut r = DerReader::new(data);
    let v = r.expect(tag, what)?;
    r.finish(what)?;
    Ok(v)
}

/// Strips the leading zero octets of a non-negative INTEGER's contents.
pub fn unsigned_integer(value: &[u8]) -> &[u8] {
    let zeros = value.iter().take_while(|b| **b == 0).count();
    value.get(zeros..).unwrap_or(&[])
}

/// The contents of a BIT STRING with no unused bits (keys and signatures).
pub fn bit_string_bytes(value: &[u8]) -> Result<&[u8], Error> {
    match value.split_first() {
        Some((0, rest)) => Ok(rest),
        _ => Err(malformed("BIT STRING with unused bits")),
    }
}

/// The dotted-decimal form of an OBJECT IDENTIFIER's contents, e.g. `"2.5.4.3"`.
pub fn oid_to_string(value: &[u8]) -> String {
    use std::fmt::Write;
    // Written straight into one string (a certificate's signature algorithm is named
    // for every certificate parsed, so every handshake).
    let mut out = String::with_capacity(value.len() * 3 + 2);
    let mut acc: u64 = 0;
    for b in value {
        // Saturate rather than overflow on absurd arcs; the text is informational only.
        acc = acc.saturating_mul(128).saturating_add(u64::from(b & 0x7f));
        if b & 0x80 == 0 {
            if out.is_empty() {
                let first = if acc < 40 {
                    0
                } else if acc < 80 {
                    1
                } else {
                    2
                };
                let _ = write!(out, "{first}.{}", acc - 40 * first);
            } else {
                let _ = write!(out, ".{acc}");
            }
            acc = 0;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_short_and_long_lengths() {
        let mut data = vec![0x04, 0x81, 0x80];
        data.extend_from_slice(&[7; 0x80]);
        data.extend([0x05, 0x00]);
        let mut r = DerReader::new(&data);
        let t = r.tlv().unwrap();
        assert_eq!(
            (t.tag, t.value.len(), t.raw.len()),
            (OCTET_STRING, 0x80, 0x83)
        );
        assert_eq!(r.expect(NULL, "null").unwrap(), b"");
        assert!(r.finish("x").is_ok());
    }

    #[test]
    fn rejects_bad_encodings() {
        for bad in [
            &[0x30, 0x80, 0x00, 0x00][..],    // indefinite length
            &[0x30, 0x85, 1, 1, 1, 1, 1][..], // more than MAX_LENGTH_OCTETS
            &[0x1f, 0x01, 0x00][..],          // multi-byte tag
            &[0x30, 0x03, 0x00][..],          // truncated
            &[0x30][..],
        ] {
            assert!(DerReader::new(bad).tlv().is_err(), "{bad:?}");
        }
        assert!(single(&[0x05, 0x00, 0x00], NULL, "null").is_err());
    }

    #[test]
    fn oid_text() {
        assert_eq!(oid_to_string(&[0x55, 0x04, 0x03]), "2.5.4.3");
        assert_eq!(
            oid_to_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01]),
            "1.2.840.113549.1.9.1"
        );
        assert_eq!(unsigned_integer(&[0, 0, 5]), &[5]);
    }
}
