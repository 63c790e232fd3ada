//! Base64 (RFC 4648 §4) for PEM bodies.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

fn value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Decodes base64, ignoring ASCII whitespace; None on any other invalid input.
pub fn decode(text: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut acc = 0u32;
    let mut n = 0;
    let mut pad = 0;
    for &c in text.iter().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            pad += 1;
            if pad > 2 {
                return None;
            }
            continue;
        }
        if pad > 0 {
            return None; // data after padding
        }
        acc = (acc << 6) | value(c)?;
        n += 1;
        if n == 4 {
            out.extend_from_slice(&[(acc >> 16) as u8, (acc >> 8) as u8, acc as u8]);
            acc = 0;
            n = 0;
        }
    }
    match (n, pad) {
        (0, 0) => {}
        (2, _) if pad <= 2 => out.push((acc >> 4) as u8),
        (3, _) if pad <= 1 => out.extend_from_slice(&[(acc >> 10) as u8, (acc >> 2) as u8]),
        _ => return None,
    }
    Some(out)
}

/// Encodes `data` as base64 in lines of 64 characters, each ending in '\n' (PEM layout).
pub fn encode_lines(data: &[u8]) -> String {
    let mut line = Vec::with_capacity(64);
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 48 + 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                line.push(ALPHABET[((v >> (18 - 6 * i)) & 63) as usize]);
            } else {
                line.push(b'=');
            }
        }
        if line.len() == 64 {
            out.push_str(std::str::from_utf8(&line).unwrap_or_default());
            out.push('\n');
            line.clear();
        }
    }
    if !line.is_empty() {
        out.push_str(std::str::from_utf8(&line).unwrap_or_default());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(decode(enc.as_bytes()).as_deref(), Some(plain.as_bytes()));
            let lines = encode_lines(plain.as_bytes());
            assert_eq!(lines.trim_end(), enc);
        }
        assert_eq!(decode(b"Zm9v\nYmFy\n").as_deref(), Some(&b"foobar"[..]));
        assert!(decode(b"Zm9v!").is_none());
        assert!(decode(b"Zg==Zg").is_none());
        assert!(decode(b"Z").is_none());
        let long = vec![7u8; 100];
        let enc = encode_lines(&long);
        assert!(enc.lines().all(|l| l.len() <= 64));
        assert_eq!(decode(enc.as_bytes()), Some(long));
    }
}
