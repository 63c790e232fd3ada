//! PEM decoding (RFC 7468): `-----BEGIN LABEL-----`, base64 body, `-----END LABEL-----`.
//!
//! The base64 decoder tolerates line breaks (LF or CRLF) and other whitespace anywhere in the
//! body, and rejects every other character outside the RFC 4648 §4 alphabet. Text outside
//! the markers (comments, `openssl x509 -text` output) is ignored, as OpenSSL does.

use crate::error::Error;

/// Largest PEM input we decode. A CA bundle is about 220 KB; this leaves ample room while
/// bounding the work one call can do.
pub const MAX_PEM_INPUT: usize = 16 * 1024 * 1024;

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";
const DASHES: &[u8] = b"-----";

fn bad(what: impl Into<String>) -> Error {
    Error::BadKeyMaterial(what.into())
}

/// Every PEM block in `data`, in order, as `(label, DER)`.
///
/// Encrypted PEM (RFC 1421 `Proc-Type`/`DEK-Info` headers) is rejected with a clear error
/// because we have no passphrase support.
pub fn pem_blocks(data: &[u8]) -> Result<Vec<(String, Vec<u8>)>, Error> {
    if data.len() > MAX_PEM_INPUT {
        return Err(bad(format!("PEM input larger than {MAX_PEM_INPUT} bytes")));
    }
    let mut blocks = Vec::new();
    let mut rest = data;
    while let Some(at) = find(rest, BEGIN) {
        let after = &rest[at + BEGIN.len()..];
        let label_end = find(after, DASHES).ok_or_else(|| bad("PEM BEGIN line is not closed"))?;
        let label = &after[..label_end];
        if label.iter().any(|b| *b == b'\n' || *b == b'\r') {
            return Err(bad("PEM BEGIN line is not closed"));
        }
        let label = std::str::from_utf8(label)
            .map_err(|_| bad("PEM label is not text"))?
            .to_string();
        let body_and_more = &after[label_end + DASHES.len()..];
        let end_at = find(body_and_more, END)
            .ok_or_else(|| bad(format!("PEM block \"{label}\" has no END line")))?;
        let body = &body_and_more[..end_at];
        let after_end = &body_and_more[end_at + END.len()..];
        let end_label_len =
            find(after_end, DASHES).ok_or_else(|| bad("PEM END line is not closed"))?;
        if &after_end[..end_label_len] != label.as_bytes() {
            return Err(bad(format!(
                "PEM block \"{label}\" ends with a different label"
            )));
        }
        if body.contains(&b':') {
            return Err(bad(format!(
                "PEM block \"{label}\" has headers (encrypted PEM is not supported)"
            )));
        }
        let der = base64_decode(body).map_err(|e| bad(format!("PEM block \"{label}\": {e}")))?;
        blocks.push((label, der));
        rest = &after_end[end_label_len + DASHES.len()..];
    }
    Ok(blocks)
}

/// Every certificate in `data`, in order, as DER.
///
/// PEM input yields each `CERTIFICATE` (or legacy `X509 CERTIFICATE`) block and ignores
/// other blocks such as keys. Input without PEM markers is taken as one DER certificate if
/// it starts with a SEQUENCE.
pub fn load_certificates(data: &[u8]) -> Result<Vec<Vec<u8>>, Error> {
    if find(data, BEGIN).is_some() {
        let certs: Vec<Vec<u8>> = pem_blocks(data)?
            .into_iter()
            .filter(|(label, _)| label == "CERTIFICATE" || label == "X509 CERTIFICATE")
            .map(|(_, der)| der)
            .collect();
        if certs.is_empty() {
            return Err(bad("no CERTIFICATE block in PEM input"));
        }
        return Ok(certs);
    }
    match data.first() {
        Some(0x30) => {
            // One DER certificate: it must be exactly one well-formed SEQUENCE.
            super::der::single(data, super::der::SEQUENCE, "certificate")?;
            Ok(vec![data.to_vec()])
        }
        _ => Err(bad("input is neither PEM nor a DER certificate")),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn sextet(c: u8) -> Option<u8> {
    match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Decodes standard base64 (RFC 4648 §4), skipping ASCII whitespace.
///
/// Rejects characters outside the alphabet, data after padding, and a length that is not a
/// whole number of quanta once padding is counted.
pub(crate) fn base64_decode(text: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut n = 0usize; // sextets in the current quantum
    let mut pad = 0usize;
    for &c in text {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            pad += 1;
            if pad > 2 || n < 2 {
                return Err("misplaced base64 padding");
            }
            continue;
        }
        if pad > 0 {
            return Err("base64 data after padding");
        }
        let v = sextet(c).ok_or("invalid base64 character")?;
        acc = (acc << 6) | u32::from(v);
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    match (n, pad) {
        (0, 0) => {}
        (2, 2) | (2, 0) => out.push((acc >> 4) as u8),
        (3, 1) | (3, 0) => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => return Err("truncated base64"),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors_rfc4648() {
        // RFC 4648 §10 test vectors.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(
                base64_decode(enc.as_bytes()).unwrap(),
                plain.as_bytes(),
                "{enc}"
            );
        }
        assert_eq!(base64_decode(b"Zm9v\r\nYmFy\n").unwrap(), b"foobar");
        for bad in [&b"Zm9v!"[..], b"Z===", b"Zg==Zg==", b"Z", b"Zm9vY"] {
            assert!(base64_decode(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn blocks_with_crlf_and_junk() {
        let pem = b"junk\r\n-----BEGIN THING-----\r\nZm9v\r\nYmFy\r\n-----END THING-----\r\n\
                    -----BEGIN OTHER-----\nZg==\n-----END OTHER-----\n";
        let b = pem_blocks(pem).unwrap();
        assert_eq!(
            b,
            vec![
                ("THING".into(), b"foobar".to_vec()),
                ("OTHER".into(), b"f".to_vec())
            ]
        );
    }

    #[test]
    fn malformed_pem_is_an_error() {
        for bad in [
            &b"-----BEGIN X-----\nZm9v\n"[..],
            b"-----BEGIN X-----\nZm9v\n-----END Y-----\n",
            b"-----BEGIN X-----\nZm*v\n-----END X-----\n",
            b"-----BEGIN X\n",
            b"-----BEGIN X-----\nProc-Type: 4,ENCRYPTED\nZm9v\n-----END X-----\n",
        ] {
            assert!(
                matches!(pem_blocks(bad), Err(Error::BadKeyMaterial(_))),
                "{bad:?}"
            );
        }
        assert!(pem_blocks(&vec![b'a'; MAX_PEM_INPUT + 1]).is_err());
    }

    #[test]
    fn certificates_from_pem_and_der() {
        let pem = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/certs/long-chain.pem"
        ))
        .unwrap();
        let certs = load_certificates(&pem).unwrap();
        assert_eq!(certs.len(), 4);
        assert!(certs.iter().map(Vec::len).sum::<usize>() > 4096);
        let der = load_certificates(&certs[0]).unwrap();
        assert_eq!(der, vec![certs[0].clone()]);
        let mut trailing = certs[0].clone();
        trailing.push(0);
        assert!(load_certificates(&trailing).is_err());
        assert!(load_certificates(b"hello").is_err());
        let key = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/certs/ca-rsa.key"
        ))
        .unwrap();
        assert!(load_certificates(&key).is_err());
    }
}
