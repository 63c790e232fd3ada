//! Hello extensions (RFC 5246 §7.4.1.4) for ClientHello and ServerHello.
//!
//! The codec is deliberately role-agnostic: it parses every extension it knows into a typed
//! field and keeps the rest, in order, in `unknown`. Whether an extension is allowed in a
//! given message (e.g. a ServerHello answering with one the client never offered, RFC 5246
//! §7.4.1.4) is the state machine's decision, not this module's.

use crate::codec::{put_nested, put_u16, put_u8, put_vec, DecodeError, Reader};
use crate::enums::{ExtensionType, NamedGroup, SignatureScheme};
use crate::srtp::UseSrtp;

/// RFC 6066 §3: the only defined ServerName `name_type`.
const NAME_TYPE_HOST_NAME: u8 = 0;
/// Longest server name a server accepts (a DNS name's limit, RFC 1035 §2.3.4; OpenSSL's
/// `TLSEXT_MAXLEN_host_name`); longer ones get `unrecognized_name` (RFC 6066 §3).
pub const MAX_HOST_NAME_LEN: usize = 255;

/// The extensions block of a hello message, decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extensions {
    /// RFC 6066 §3 `server_name`, host_name only. `Some("")` is the empty extension a server
    /// sends to acknowledge SNI; a non-empty name is encoded as a one-entry ServerNameList.
    pub server_name: Option<String>,
    /// RFC 8422 §5.1.1 `supported_groups` (non-empty list).
    pub supported_groups: Option<Vec<NamedGroup>>,
    /// RFC 8422 §5.1.2 `ec_point_formats` (non-empty list).
    pub ec_point_formats: Option<Vec<u8>>,
    /// RFC 5246 §7.4.1.4.1 `signature_algorithms` (non-empty list).
    pub signature_algorithms: Option<Vec<SignatureScheme>>,
    /// RFC 7366 `encrypt_then_mac`; its extension_data is always empty.
    pub encrypt_then_mac: bool,
    /// RFC 7627 `extended_master_secret`; its extension_data is always empty.
    pub extended_master_secret: bool,
    /// RFC 5746 §3.2 `renegotiation_info`: the inner `renegotiated_connection<0..255>`.
    pub renegotiation_info: Option<Vec<u8>>,
    /// RFC 5077 `SessionTicket`: the raw ticket (possibly empty).
    pub session_ticket: Option<Vec<u8>>,
    /// RFC 5764 §4.1.1 `use_srtp`.
    pub use_srtp: Option<UseSrtp>,
    /// RFC 7301 `application_layer_protocol_negotiation`: the protocol names (a client's
    /// offer, or the server's one choice).
    pub alpn: Option<Vec<Vec<u8>>>,
    /// RFC 9146 §3 `connection_id`: the CID the sender wants to receive (may be empty).
    pub connection_id: Option<Vec<u8>>,
    /// Every other extension as `(type, extension_data)`, in received order.
    pub unknown: Vec<(u16, Vec<u8>)>,
}

impl Extensions {
    /// True when encoding would write nothing (every field empty/None/false).
    pub fn is_empty(&self) -> bool {
        self.server_name.is_none()
            && self.supported_groups.is_none()
            && self.ec_point_formats.is_none()
            && self.signature_algorithms.is_none()
            && !self.encrypt_then_mac
            && !self.extended_master_secret
            && self.renegotiation_info.is_none()
            && self.session_ticket.is_none()
            && self.use_srtp.is_none()
            && self.alpn.is_none()
            && self.connection_id.is_none()
            && self.unknown.is_empty()
    }

    /// Appends the u16-length-prefixed extensions block, or nothing at all when
    /// [`is_empty`](Self::is_empty) (RFC 5246 §7.4.1.2: the block is optional).
    ///
    /// Known extensions are written in a fixed order, then `unknown` in its order. The caller
    /// supplies well-formed values (lists within their length limits).
    pub fn encode(&self, out: &mut Vec<u8>) {
        if self.is_empty() {
            return;
        }
        put_nested(out, 2, |out| {
            if let Some(name) = &self.server_name {
                put_ext(out, ExtensionType::SERVER_NAME, |out| {
                    if !name.is_empty() {
                        put_nested(out, 2, |out| {
                            put_u8(out, NAME_TYPE_HOST_NAME);
                            put_vec(out, 2, name.as_bytes());
                        });
                    }
                });
            }
            if let Some(groups) = &self.supported_groups {
                put_ext(out, ExtensionType::SUPPORTED_GROUPS, |out| {
                    put_nested(out, 2, |out| groups.iter().for_each(|g| put_u16(out, g.0)));
                });
            }
            if let Some(formats) = &self.ec_point_formats {
                put_ext(out, ExtensionType::EC_POINT_FORMATS, |out| {
                    put_vec(out, 1, formats)
                });
            }
            if let Some(schemes) = &self.signature_algorithms {
                put_ext(out, ExtensionType::SIGNATURE_ALGORITHMS, |out| {
                    put_nested(out, 2, |out| schemes.iter().for_each(|s| put_u16(out, s.0)));
                });
            }
            if self.encrypt_then_mac {
                put_ext(out, ExtensionType::ENCRYPT_THEN_MAC, |_| {});
            }
            if self.extended_master_secret {
                put_ext(out, ExtensionType::EXTENDED_MASTER_SECRET, |_| {});
            }
            if let Some(info) = &self.renegotiation_info {
                put_ext(out, ExtensionType::RENEGOTIATION_INFO, |out| {
                    put_vec(out, 1, info)
                });
            }
            if let Some(ticket) = &self.session_ticket {
                put_ext(out, ExtensionType::SESSION_TICKET, |out| {
                    out.extend_from_slice(ticket)
                });
            }
            if let Some(srtp) = &self.use_srtp {
                put_ext(out, ExtensionType::USE_SRTP, |out| srtp.encode(out));
            }
            if let Some(names) = &self.alpn {
                put_ext(out, ExtensionType::ALPN, |out| {
                    crate::alpn::encode(names, out)
                });
            }
            if let Some(cid) = &self.connection_id {
                put_ext(out, ExtensionType::CONNECTION_ID, |out| {
                    put_vec(out, 1, cid)
                });
            }
            for (typ, data) in &self.unknown {
                put_ext(out, ExtensionType(*typ), |out| out.extend_from_slice(data));
            }
        });
    }

    /// Reads the extensions block. An absent block (`r` already empty) gives the default.
    ///
    /// Rejects: a block whose length runs past the input, an extension whose length runs
    /// past the block, a repeated extension type (RFC 5246 §7.4.1.4: "MUST NOT be more than
    /// one extension of the same type"), and malformed contents of a known extension.
    /// Bytes after the block are left for the caller's `finish`.
    pub fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        let mut exts = Self::default();
        if r.is_empty() {
            return Ok(exts);
        }
        let mut block = r.sub(2, "extensions block")?;
        let mut seen: Vec<u16> = Vec::new();
        while !block.is_empty() {
            let typ = block.u16("extension type")?;
            let data = block.vec(2, "extension data")?;
            seen.push(typ);
            exts.decode_one(ExtensionType(typ), data)?;
        }
        // Sort once rather than scan per extension: a 64 KiB block can hold 16k extensions.
        seen.sort_unstable();
        if seen.windows(2).any(|w| w[0] == w[1]) {
            return Err(DecodeError::new("duplicate extension"));
        }
        Ok(exts)
    }

    /// Parses one extension's data into its field.
    fn decode_one(&mut self, typ: ExtensionType, data: &[u8]) -> Result<(), DecodeError> {
        let mut r = Reader::new(data);
        match typ {
            ExtensionType::SERVER_NAME => {
                self.server_name = Some(decode_server_name(&mut r)?);
            }
            ExtensionType::SUPPORTED_GROUPS => {
                let list = decode_u16_list(&mut r, "supported_groups")?;
                self.supported_groups = Some(list.into_iter().map(NamedGroup).collect());
            }
            ExtensionType::EC_POINT_FORMATS => {
                let list = r.vec(1, "ec_point_formats")?;
                if list.is_empty() {
                    return Err(DecodeError::new("ec_point_formats"));
                }
                self.ec_point_formats = Some(list.to_vec());
            }
            ExtensionType::SIGNATURE_ALGORITHMS => {
                let list = decode_u16_list(&mut r, "signature_algorithms")?;
                self.signature_algorithms = Some(list.into_iter().map(SignatureScheme).collect());
            }
            // RFC 7366 §2: "The extension_data field of this extension SHALL be empty."
            ExtensionType::ENCRYPT_THEN_MAC => self.encrypt_then_mac = true,
            ExtensionType::EXTENDED_MASTER_SECRET => {
                // RFC 7627 §5.1: "The extension_data field of this extension is empty".
                self.extended_master_secret = true;
            }
            ExtensionType::RENEGOTIATION_INFO => {
                self.renegotiation_info = Some(r.vec(1, "renegotiation_info")?.to_vec());
            }
            ExtensionType::SESSION_TICKET => self.session_ticket = Some(r.rest().to_vec()),
            ExtensionType::USE_SRTP => self.use_srtp = Some(UseSrtp::decode(&mut r)?),
            ExtensionType::ALPN => self.alpn = Some(crate::alpn::decode(&mut r)?),
            ExtensionType::CONNECTION_ID => {
                self.connection_id = Some(r.vec(1, "connection_id")?.to_vec());
            }
            ExtensionType(other) => self.unknown.push((other, r.rest().to_vec())),
        }
        r.finish("extension data")
    }
}

/// Writes one extension: type, then `f`'s bytes with a u16 length.
fn put_ext(out: &mut Vec<u8>, typ: ExtensionType, f: impl FnOnce(&mut Vec<u8>)) {
    put_u16(out, typ.0);
    put_nested(out, 2, f);
}

/// RFC 6066 §3 ServerNameList, or empty (the server's acknowledgement).
fn decode_server_name(r: &mut Reader) -> Result<String, DecodeError> {
    const WHAT: &str = "server_name";
    if r.is_empty() {
        return Ok(String::new());
    }
    let mut list = r.sub(2, WHAT)?;
    let mut host: Option<String> = None;
    if list.is_empty() {
        return Err(DecodeError::new(WHAT));
    }
    while !list.is_empty() {
        // Only host_name is defined, and other types' layout is unknown, so they cannot be
        // skipped: reject. "MUST NOT contain more than one name of the same name_type."
        if list.u8(WHAT)? != NAME_TYPE_HOST_NAME || host.is_some() {
            return Err(DecodeError::new(WHAT));
        }
        let name = list.vec(2, WHAT)?;
        // HostName<1..2^16-1>: ASCII, no trailing dot, and no NUL that C callers would cut at.
        let valid = !name.is_empty()
            && name.iter().all(|b| b.is_ascii() && *b != 0)
            && name.last() != Some(&b'.');
        if !valid {
            return Err(DecodeError::new(WHAT));
        }
        host = Some(name.iter().map(|b| char::from(*b)).collect());
    }
    host.ok_or(DecodeError::new(WHAT))
}

/// A non-empty, even-length u16 list with a u16 length prefix.
fn decode_u16_list(r: &mut Reader, what: &'static str) -> Result<Vec<u16>, DecodeError> {
    let mut list = r.sub(2, what)?;
    if list.is_empty() || list.remaining() % 2 != 0 {
        return Err(DecodeError::new(what));
    }
    let mut out = Vec::with_capacity(list.remaining() / 2);
    while !list.is_empty() {
        out.push(list.u16(what)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Extensions {
        Extensions {
            server_name: Some("example.com".into()),
            supported_groups: Some(vec![NamedGroup::X25519, NamedGroup::SECP256R1]),
            ec_point_formats: Some(vec![0]),
            signature_algorithms: Some(vec![SignatureScheme::ECDSA_SECP256R1_SHA256]),
            encrypt_then_mac: true,
            extended_master_secret: true,
            renegotiation_info: Some(vec![]),
            session_ticket: Some(vec![1, 2, 3]),
            use_srtp: Some(UseSrtp {
                profiles: vec![1],
                mki: vec![],
            }),
            alpn: Some(vec![b"webrtc".to_vec()]),
            connection_id: Some(vec![1, 2, 3, 4]),
            unknown: vec![(0x1234, vec![9, 9]), (0x0012, vec![])],
        }
    }

    fn roundtrip(e: &Extensions) -> Vec<u8> {
        let mut out = Vec::new();
        e.encode(&mut out);
        let mut r = Reader::new(&out);
        assert_eq!(&Extensions::decode(&mut r).unwrap(), e);
        assert!(r.is_empty());
        out
    }

    /// Decodes a block built from raw `(type, data)` pairs.
    fn decode_raw(exts: &[(u16, &[u8])]) -> Result<Extensions, DecodeError> {
        let mut out = Vec::new();
        put_nested(&mut out, 2, |out| {
            for (t, d) in exts {
                put_u16(out, *t);
                put_vec(out, 2, d);
            }
        });
        let mut r = Reader::new(&out);
        let e = Extensions::decode(&mut r)?;
        r.finish("trailing")?;
        Ok(e)
    }

    #[test]
    fn roundtrip_all_fields() {
        roundtrip(&full());
        roundtrip(&Extensions {
            server_name: Some(String::new()),
            ..Default::default()
        });
        roundtrip(&Extensions {
            extended_master_secret: true,
            ..Default::default()
        });
    }

    #[test]
    fn empty_writes_nothing_and_absent_decodes_default() {
        let e = Extensions::default();
        assert!(e.is_empty());
        assert!(roundtrip(&e).is_empty());
        assert!(!full().is_empty());
        // A present but zero-length block is also the default.
        assert_eq!(decode_raw(&[]), Ok(Extensions::default()));
    }

    #[test]
    fn known_wire_bytes() {
        let e = Extensions {
            extended_master_secret: true,
            renegotiation_info: Some(vec![]),
            ..Default::default()
        };
        let mut out = Vec::new();
        e.encode(&mut out);
        assert_eq!(out, [0, 9, 0, 23, 0, 0, 0xff, 0x01, 0, 1, 0]);
        // RFC 7366 §2: type 22, empty data; anything inside is malformed.
        let e = Extensions {
            encrypt_then_mac: true,
            ..Default::default()
        };
        let mut out = Vec::new();
        e.encode(&mut out);
        assert_eq!(out, [0, 4, 0, 22, 0, 0]);
        assert_eq!(decode_raw(&[(22, b"")]), Ok(e));
        assert!(decode_raw(&[(22, b"\0")]).is_err());
    }

    #[test]
    fn duplicate_rejected() {
        assert!(decode_raw(&[(23, b""), (23, b"")]).is_err());
        assert!(decode_raw(&[(0x1234, b""), (5, b""), (0x1234, b"x")]).is_err());
        assert!(decode_raw(&[(0x1234, b""), (5, b"")]).is_ok());
    }

    #[test]
    fn malformed_contents_rejected() {
        let bad: &[(u16, &[u8])] = &[
            (23, b"\x00"),                              // EMS with data
            (10, b"\x00\x00"),                          // empty groups
            (10, b"\x00\x03\x00\x17\x00"),              // odd groups
            (10, b"\x00\x02\x00\x17\x00"),              // trailing byte
            (11, b"\x00"),                              // empty point formats
            (13, b"\x00\x01\x04"),                      // odd sigalgs
            (0xff01, b"\x02\x00"),                      // renegotiation_info overrun
            (0xff01, b"\x00\x00"),                      // renegotiation_info trailing
            (0, b"\x00\x00"),                           // empty ServerNameList
            (0, b"\x00\x04\x01\x00\x01a"),              // unknown name type
            (0, b"\x00\x03\x00\x00\x00"),               // empty host name
            (0, b"\x00\x04\x00\x00\x01\xff"),           // non-ASCII
            (0, b"\x00\x04\x00\x00\x01\x00"),           // NUL
            (0, b"\x00\x05\x00\x00\x02a."),             // trailing dot
            (0, b"\x00\x08\x00\x00\x01a\x00\x00\x01b"), // two host names
            (14, b"\x00\x02\x00\x01\x01"),              // SRTP MKI overrun
            (16, b"\x00\x01\x00"),                      // empty ALPN name
            (54, b""),                                  // connection_id without length
            (54, b"\x02\x01"),                          // connection_id overrun
            (54, b"\x00\x00"),                          // connection_id trailing
        ];
        for (t, d) in bad {
            assert!(decode_raw(&[(*t, d)]).is_err(), "type {t} data {d:?}");
        }
    }

    #[test]
    fn truncated_block_rejected() {
        let mut out = Vec::new();
        full().encode(&mut out);
        for n in 1..out.len() {
            let mut r = Reader::new(&out[..n]);
            let ok = Extensions::decode(&mut r).and_then(|_| r.finish("t"));
            assert!(ok.is_err(), "prefix {n}");
        }
        // Extension length running past the block (block says 4, extension says 1 more).
        let mut r = Reader::new(&[0, 4, 0, 23, 0, 1]);
        assert!(Extensions::decode(&mut r).is_err());
    }

    #[test]
    fn unknown_preserved_in_order() {
        let e = decode_raw(&[(0x7777, b"a"), (0x0001, b"bc"), (0x5555, b"")]).unwrap();
        assert_eq!(
            e.unknown,
            vec![
                (0x7777, b"a".to_vec()),
                (1, b"bc".to_vec()),
                (0x5555, vec![])
            ]
        );
    }
}
