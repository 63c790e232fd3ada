//! ClientHello (RFC 5246 §7.4.1.2 with the DTLS cookie of RFC 6347 §4.2.1).

use crate::codec::{put_nested, put_u16, put_vec, DecodeError, Reader};
use crate::handshake::extensions::Extensions;

use super::MAX_SESSION_ID_LEN;

/// ClientHello, including the DTLS `cookie` field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// Highest version the client offers (0xfefd for DTLS 1.2).
    pub client_version: u16,
    /// Client random (RFC 5246 §7.4.1.2).
    pub random: [u8; 32],
    /// `SessionID<0..32>`: non-empty when resuming.
    pub session_id: Vec<u8>,
    /// `opaque cookie<0..2^8-1>` (RFC 6347 §4.2.1): empty on the first ClientHello.
    pub cookie: Vec<u8>,
    /// `CipherSuite cipher_suites<2..2^16-2>`: non-empty.
    pub cipher_suites: Vec<u16>,
    /// `CompressionMethod compression_methods<1..2^8-1>`: non-empty.
    pub compression_methods: Vec<u8>,
    /// Extensions; an empty set encodes as an absent block.
    pub extensions: Extensions,
}

impl ClientHello {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.client_version);
        out.extend_from_slice(&self.random);
        put_vec(out, 1, &self.session_id);
        put_vec(out, 1, &self.cookie);
        put_nested(out, 2, |out| {
            self.cipher_suites.iter().for_each(|s| put_u16(out, *s))
        });
        put_vec(out, 1, &self.compression_methods);
        self.extensions.encode(out);
    }

    /// Decodes a body. Rejects a session_id over 32 bytes, an empty or odd-length cipher
    /// suite list and an empty compression list.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "ClientHello";
        let mut r = Reader::new(body);
        let client_version = r.u16(WHAT)?;
        let random = r.array::<32>(WHAT)?;
        let session_id = r.vec(1, WHAT)?;
        if session_id.len() > MAX_SESSION_ID_LEN {
            return Err(DecodeError::new("ClientHello session_id"));
        }
        let cookie = r.vec(1, WHAT)?.to_vec();
        let mut suites = r.sub(2, WHAT)?;
        if suites.is_empty() || suites.remaining() % 2 != 0 {
            return Err(DecodeError::new("ClientHello cipher_suites"));
        }
        let mut cipher_suites = Vec::with_capacity(suites.remaining() / 2);
        while !suites.is_empty() {
            cipher_suites.push(suites.u16(WHAT)?);
        }
        let compression_methods = r.vec(1, WHAT)?.to_vec();
        if compression_methods.is_empty() {
            return Err(DecodeError::new("ClientHello compression_methods"));
        }
        let extensions = Extensions::decode(&mut r)?;
        r.finish(WHAT)?;
        Ok(Self {
            client_version,
            random,
            session_id: session_id.to_vec(),
            cookie,
            cipher_suites,
            compression_methods,
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::{NamedGroup, SignatureScheme};
    use crate::handshake::messages::test_util::check_strict_except;

    fn sample() -> ClientHello {
        ClientHello {
            client_version: crate::enums::DTLS1_2_VERSION,
            random: [0x5a; 32],
            session_id: vec![],
            cookie: vec![0xcc; 32],
            cipher_suites: vec![0xc02b, 0xc02f, 0x00ff],
            compression_methods: vec![0],
            extensions: Extensions {
                server_name: Some("localhost".into()),
                supported_groups: Some(vec![NamedGroup::X25519, NamedGroup::SECP256R1]),
                ec_point_formats: Some(vec![0]),
                signature_algorithms: Some(SignatureScheme::SUPPORTED.to_vec()),
                extended_master_secret: true,
                session_ticket: Some(vec![]),
                ..Default::default()
            },
        }
    }

    fn encode(m: &ClientHello) -> Vec<u8> {
        let mut out = Vec::new();
        m.encode(&mut out);
        out
    }

    #[test]
    fn roundtrip() {
        let m = sample();
        let out = encode(&m);
        assert_eq!(ClientHello::decode(&out), Ok(m));
        let bare = ClientHello {
            extensions: Extensions::default(),
            ..sample()
        };
        let bare_bytes = encode(&bare);
        assert_eq!(ClientHello::decode(&bare_bytes), Ok(bare));
        check_strict_except(&out, ClientHello::decode, &[bare_bytes.len()]);
    }

    #[test]
    fn malformed_rejected() {
        let long_sid = ClientHello {
            session_id: vec![1; 33],
            ..sample()
        };
        assert!(ClientHello::decode(&encode(&long_sid)).is_err());
        let no_suites = ClientHello {
            cipher_suites: vec![],
            ..sample()
        };
        assert!(ClientHello::decode(&encode(&no_suites)).is_err());
        let no_comp = ClientHello {
            compression_methods: vec![],
            ..sample()
        };
        assert!(ClientHello::decode(&encode(&no_comp)).is_err());
        // Odd-length suite list: version, random, sid 0, cookie 0, suites len 3.
        let mut odd = vec![0xfe, 0xfd];
        odd.extend_from_slice(&[0; 32]);
        odd.extend_from_slice(&[0, 0, 0, 3, 0xc0, 0x2b, 0x00, 1, 0]);
        assert!(ClientHello::decode(&odd).is_err());
    }

    /// One datagram from `openssl s_client -dtls1_2 -servername example.com` (OpenSSL
    /// 3.0.19), captured by a UDP listener on 127.0.0.1: record header, handshake header,
    /// ClientHello body.
    const OPENSSL_CLIENT_HELLO: &str = concat!(
        "16feff000000000000000000d4010000c800000000000000c8fefdcc12085e366e1e6123ef90b64f",
        "af623f7d0add33c97484f482560df44f4a143c00000038c02cc030009fcca9cca8ccaac02bc02f00",
        "9ec024c028006bc023c0270067c00ac0140039c009c0130033009d009c003d003c0035002f00ff01",
        "00006600000010000e00000b6578616d706c652e636f6d000b000403000102000a000c000a001d00",
        "17001e00190018002300000016000000170000000d002a0028040305030603080708080809080a08",
        "0b080408050806040105010601030303010302040205020602",
    );

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn decodes_openssl_client_hello() {
        use crate::handshake::header::parse_fragments;
        let dgram = unhex(OPENSSL_CLIENT_HELLO);
        // DTLS record header (RFC 6347 §4.1): handshake, DTLS 1.0 version, epoch 0, len.
        assert_eq!(&dgram[..3], &[22, 0xfe, 0xff]);
        let record_len = usize::from(u16::from_be_bytes([dgram[11], dgram[12]]));
        let payload = &dgram[13..];
        assert_eq!(payload.len(), record_len);
        let frags: Vec<_> = parse_fragments(payload).collect();
        assert_eq!(frags.len(), 1);
        let (h, body) = frags[0].unwrap();
        assert_eq!(h.msg_type, crate::enums::HandshakeType::CLIENT_HELLO);
        assert_eq!((h.message_seq, h.fragment_offset), (0, 0));
        assert_eq!(h.length as usize, body.len());

        let ch = ClientHello::decode(body).unwrap();
        assert_eq!(ch.client_version, crate::enums::DTLS1_2_VERSION);
        assert!(ch.session_id.is_empty());
        assert!(ch.cookie.is_empty());
        assert_eq!(ch.cipher_suites.len(), 28);
        assert!(ch.cipher_suites.contains(&0xc02b));
        assert_eq!(
            ch.cipher_suites.last(),
            Some(&crate::enums::EMPTY_RENEGOTIATION_INFO_SCSV)
        );
        assert_eq!(ch.compression_methods, vec![0]);
        let e = &ch.extensions;
        assert_eq!(e.server_name.as_deref(), Some("example.com"));
        assert_eq!(e.ec_point_formats, Some(vec![0, 1, 2]));
        let groups = e.supported_groups.as_ref().unwrap();
        assert_eq!(&groups[..2], &[NamedGroup::X25519, NamedGroup::SECP256R1]);
        assert_eq!(e.session_ticket, Some(vec![]));
        assert!(e.extended_master_secret);
        let schemes = e.signature_algorithms.as_ref().unwrap();
        assert_eq!(
            schemes.first(),
            Some(&SignatureScheme::ECDSA_SECP256R1_SHA256)
        );
        assert_eq!(schemes.len(), 20);
        // encrypt_then_mac (RFC 7366, type 22): OpenSSL offers it by default.
        assert!(e.encrypt_then_mac);
        assert!(e.unknown.is_empty());

        // Our encoding orders extensions differently, but means the same thing.
        let again = ClientHello::decode(&encode(&ch)).unwrap();
        assert_eq!(again, ch);
    }
}
