//! Application-Layer Protocol Negotiation (RFC 7301): the `ProtocolNameList` codec and the
//! server-side selection hook.

use crate::codec::{put_nested, put_vec, DecodeError, Reader};

/// What a server's selection hook decided (OpenSSL's `SSL_TLSEXT_ERR_*` from an ALPN
/// select callback).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AlpnSelection {
    /// Use this protocol (`SSL_TLSEXT_ERR_OK`).
    Selected(Vec<u8>),
    /// Do not answer with ALPN at all (`SSL_TLSEXT_ERR_NOACK`).
    NoAck,
    /// Abort with `no_application_protocol` (RFC 7301 §3.2; any other return value).
    Fatal,
}

/// The server's selection hook: gets the client's list in wire form (each name prefixed by
/// its length byte, as OpenSSL hands it to callbacks).
pub type AlpnSelectHook = Box<dyn FnMut(&[u8]) -> AlpnSelection + Send>;

/// Splits a wire-form list into names; `None` when it is empty or has an empty name or a
/// name running past the end (RFC 7301 §3.1: `ProtocolName<1..2^8-1>`,
/// `protocol_name_list<2..2^16-1>`).
pub fn parse_wire_list(mut list: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    while let Some((&len, rest)) = list.split_first() {
        let len = usize::from(len);
        if len == 0 || len > rest.len() {
            return None;
        }
        out.push(rest[..len].to_vec());
        list = &rest[len..];
    }
    (!out.is_empty()).then_some(out)
}

/// The wire form of a list of names (each 1..=255 bytes; longer or empty ones are skipped).
pub fn to_wire_list(names: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for n in names.iter().filter(|n| !n.is_empty() && n.len() <= 255) {
        put_vec(&mut out, 1, n);
    }
    out
}

/// Appends the extension_data: `ProtocolNameList`.
pub(crate) fn encode(names: &[Vec<u8>], out: &mut Vec<u8>) {
    put_nested(out, 2, |out| out.extend_from_slice(&to_wire_list(names)));
}

/// Parses the extension_data; malformed lists are a decode_error (RFC 7301 §3.1).
pub(crate) fn decode(r: &mut Reader) -> Result<Vec<Vec<u8>>, DecodeError> {
    let list = r.vec(2, "application_layer_protocol_negotiation")?;
    parse_wire_list(list).ok_or(DecodeError::new("application_layer_protocol_negotiation"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_lists() {
        let names = vec![b"webrtc".to_vec(), b"c-webrtc".to_vec()];
        let wire = to_wire_list(&names);
        assert_eq!(wire, b"\x06webrtc\x08c-webrtc");
        assert_eq!(parse_wire_list(&wire).unwrap(), names);
        assert!(parse_wire_list(b"").is_none());
        assert!(parse_wire_list(b"\x00").is_none());
        assert!(parse_wire_list(b"\x05coap").is_none());
    }

    #[test]
    fn extension_roundtrip_and_malformed() {
        let names = vec![b"coap".to_vec()];
        let mut out = Vec::new();
        encode(&names, &mut out);
        assert_eq!(out, b"\x00\x05\x04coap");
        let mut r = Reader::new(&out);
        assert_eq!(decode(&mut r).unwrap(), names);
        for bad in [
            &b"\x00\x00"[..],
            b"\x00\x01\x00",
            b"\x00\x03\x04co",
            b"\x00",
        ] {
            let mut r = Reader::new(bad);
            assert!(decode(&mut r).is_err(), "{bad:?}");
        }
    }
}
