//! DTLS 1.3 ClientHello and ServerHello / HelloRetryRequest bodies (RFC 9147 §5.3, §5.4;
//! RFC 8446 §4.1.2, §4.1.3). Bodies only: the 12-byte DTLS handshake header is the same as
//! DTLS 1.2's (`crate::handshake::header`).

use crate::codec::{put_u16, put_u8, put_vec, DecodeError, Reader};

use super::extensions::{decode_list, RawExtension};

/// `legacy_version` of every DTLS 1.3 hello: DTLS 1.2 (RFC 9147 §5.3).
pub const LEGACY_VERSION: u16 = 0xfefd;

/// RFC 8446 §4.1.3: the `random` of a HelloRetryRequest, SHA-256("HelloRetryRequest").
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// RFC 8446 §4.1.3: the last eight bytes of ServerHello.random of a 1.3-capable server that
/// negotiates (D)TLS 1.2; a 1.3 client seeing it aborts with illegal_parameter.
pub const DOWNGRADE_SENTINEL_12: [u8; 8] = *b"DOWNGRD\x01";

/// Handshake message types of DTLS 1.3 (RFC 8446 §4, RFC 9147 §5.1).
pub mod msg_type {
    /// client_hello.
    pub const CLIENT_HELLO: u8 = 1;
    /// server_hello (and hello_retry_request).
    pub const SERVER_HELLO: u8 = 2;
    /// new_session_ticket.
    pub const NEW_SESSION_TICKET: u8 = 4;
    /// end_of_early_data (not used by DTLS 1.3, RFC 9147 §5.6).
    pub const END_OF_EARLY_DATA: u8 = 5;
    /// encrypted_extensions.
    pub const ENCRYPTED_EXTENSIONS: u8 = 8;
    /// request_connection_id (RFC 9147 §9).
    pub const REQUEST_CONNECTION_ID: u8 = 9;
    /// new_connection_id (RFC 9147 §9).
    pub const NEW_CONNECTION_ID: u8 = 10;
    /// certificate.
    pub const CERTIFICATE: u8 = 11;
    /// certificate_request.
    pub const CERTIFICATE_REQUEST: u8 = 13;
    /// certificate_verify.
    pub const CERTIFICATE_VERIFY: u8 = 15;
    /// finished.
    pub const FINISHED: u8 = 20;
    /// key_update.
    pub const KEY_UPDATE: u8 = 24;
    /// message_hash: the synthetic message replacing ClientHello1 after an HRR.
    pub const MESSAGE_HASH: u8 = 254;
}

/// A DTLS 1.3 ClientHello body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    /// `legacy_version` (DTLS 1.2 for a 1.3 client).
    pub legacy_version: u16,
    /// `random`.
    pub random: [u8; 32],
    /// `legacy_session_id<0..32>`.
    pub legacy_session_id: Vec<u8>,
    /// `legacy_cookie<0..2^8-1>`: empty from a 1.3 client (RFC 9147 §5.3; a 1.3 server
    /// aborts on a non-empty one); kept so the caller can check it.
    pub legacy_cookie: Vec<u8>,
    /// `cipher_suites<2..2^16-2>`.
    pub cipher_suites: Vec<u16>,
    /// `legacy_compression_methods<1..2^8-1>`.
    pub compression_methods: Vec<u8>,
    /// `extensions<8..2^16-1>`: (type, body) in wire order.
    pub extensions: Vec<(u16, Vec<u8>)>,
}

fn put_extensions(out: &mut Vec<u8>, exts: &[(u16, Vec<u8>)]) {
    crate::codec::put_nested(out, 2, |o| {
        for (t, body) in exts {
            put_u16(o, *t);
            put_vec(o, 2, body);
        }
    });
}

fn owned(list: Vec<RawExtension<'_>>) -> Vec<(u16, Vec<u8>)> {
    list.into_iter().map(|e| (e.typ, e.data.to_vec())).collect()
}

/// The body of extension `typ`, if present.
pub fn find_extension(exts: &[(u16, Vec<u8>)], typ: u16) -> Option<&[u8]> {
    exts.iter()
        .find(|(t, _)| *t == typ)
        .map(|(_, b)| b.as_slice())
}

impl ClientHello {
    /// A DTLS 1.3 ClientHello with an empty session id and cookie and null compression.
    pub fn new(random: [u8; 32], cipher_suites: Vec<u16>, extensions: Vec<(u16, Vec<u8>)>) -> Self {
        ClientHello {
            legacy_version: LEGACY_VERSION,
            random,
            legacy_session_id: Vec::new(),
            legacy_cookie: Vec::new(),
            cipher_suites,
            compression_methods: vec![0],
            extensions,
        }
    }

    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.legacy_version);
        out.extend_from_slice(&self.random);
        put_vec(out, 1, &self.legacy_session_id);
        put_vec(out, 1, &self.legacy_cookie);
        crate::codec::put_nested(out, 2, |o| {
            self.cipher_suites.iter().for_each(|s| put_u16(o, *s))
        });
        put_vec(out, 1, &self.compression_methods);
        put_extensions(out, &self.extensions);
    }

    /// Decodes a body; rejects trailing bytes, odd suite lists, an over-long session id and
    /// duplicate extensions.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "ClientHello";
        let mut r = Reader::new(body);
        let legacy_version = r.u16(WHAT)?;
        let random = r.array(WHAT)?;
        let legacy_session_id = r.vec(1, WHAT)?;
        if legacy_session_id.len() > 32 {
            return Err(DecodeError::new(WHAT));
        }
        let legacy_cookie = r.vec(1, WHAT)?.to_vec();
        let suites = r.vec(2, WHAT)?;
        if suites.is_empty() || suites.len() % 2 != 0 {
            return Err(DecodeError::new(WHAT));
        }
        let compression_methods = r.vec(1, WHAT)?.to_vec();
        if compression_methods.is_empty() {
            return Err(DecodeError::new(WHAT));
        }
        let extensions = owned(decode_list(r.rest())?);
        Ok(ClientHello {
            legacy_version,
            random,
            legacy_session_id: legacy_session_id.to_vec(),
            legacy_cookie,
            cipher_suites: suites
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect(),
            compression_methods,
            extensions,
        })
    }
}

/// A DTLS 1.3 ServerHello or HelloRetryRequest body (same structure, RFC 8446 §4.1.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// `random` ([`HRR_RANDOM`] for a HelloRetryRequest).
    pub random: [u8; 32],
    /// `legacy_session_id_echo<0..32>`.
    pub legacy_session_id_echo: Vec<u8>,
    /// `cipher_suite`.
    pub cipher_suite: u16,
    /// `extensions<6..2^16-1>`.
    pub extensions: Vec<(u16, Vec<u8>)>,
}

impl ServerHello {
    /// True for a HelloRetryRequest.
    pub fn is_hello_retry_request(&self) -> bool {
        self.random == HRR_RANDOM
    }

    /// True when the random carries the RFC 8446 §4.1.3 "negotiated 1.2" sentinel.
    pub fn has_downgrade_sentinel(&self) -> bool {
        self.random[24..] == DOWNGRADE_SENTINEL_12
    }

    /// Appends the body (legacy_version DTLS 1.2, null compression).
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, LEGACY_VERSION);
        out.extend_from_slice(&self.random);
        put_vec(out, 1, &self.legacy_session_id_echo);
        put_u16(out, self.cipher_suite);
        put_u8(out, 0);
        put_extensions(out, &self.extensions);
    }

    /// Decodes a body; RFC 8446 §4.1.3: legacy_version must be DTLS 1.2's and compression
    /// null, else a decode error (the caller sends illegal_parameter).
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "ServerHello";
        let mut r = Reader::new(body);
        if r.u16(WHAT)? != LEGACY_VERSION {
            return Err(DecodeError::new(WHAT));
        }
        let random = r.array(WHAT)?;
        let sid = r.vec(1, WHAT)?;
        if sid.len() > 32 {
            return Err(DecodeError::new(WHAT));
        }
        let cipher_suite = r.u16(WHAT)?;
        if r.u8(WHAT)? != 0 {
            return Err(DecodeError::new(WHAT));
        }
        let extensions = owned(decode_list(r.rest())?);
        Ok(ServerHello {
            random,
            legacy_session_id_echo: sid.to_vec(),
            cipher_suite,
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtls13::extensions::{self as ext, ext_type, DTLS1_3};

    fn sample_ch() -> ClientHello {
        let mut sv = Vec::new();
        ext::encode_versions_client(&mut sv, &[DTLS1_3]);
        ClientHello::new(
            [7; 32],
            vec![0x1301, 0x1303],
            vec![(ext_type::SUPPORTED_VERSIONS, sv)],
        )
    }

    #[test]
    fn client_hello_roundtrip_and_layout() {
        let ch = sample_ch();
        let mut b = Vec::new();
        ch.encode(&mut b);
        assert_eq!(&b[..2], &[0xfe, 0xfd]);
        assert_eq!(&b[34..36], &[0, 0], "empty session id and cookie");
        assert_eq!(ClientHello::decode(&b).unwrap(), ch);
        assert_eq!(
            find_extension(&ch.extensions, ext_type::SUPPORTED_VERSIONS),
            Some(&[2, 0xfe, 0xfc][..])
        );
        for cut in 0..b.len() {
            assert!(ClientHello::decode(&b[..cut]).is_err(), "cut at {cut}");
        }
        let mut trailing = b.clone();
        trailing.push(0);
        assert!(ClientHello::decode(&trailing).is_err());
    }

    #[test]
    fn server_hello_hrr_and_sentinel() {
        let mut sh = ServerHello {
            random: HRR_RANDOM,
            legacy_session_id_echo: vec![],
            cipher_suite: 0x1301,
            extensions: vec![(ext_type::SUPPORTED_VERSIONS, vec![0xfe, 0xfc])],
        };
        assert!(sh.is_hello_retry_request());
        let mut b = Vec::new();
        sh.encode(&mut b);
        assert_eq!(ServerHello::decode(&b).unwrap(), sh);
        sh.random = [1; 32];
        sh.random[24..].copy_from_slice(&DOWNGRADE_SENTINEL_12);
        assert!(!sh.is_hello_retry_request() && sh.has_downgrade_sentinel());
        let mut bad = b.clone();
        bad[1] = 0xff;
        assert!(
            ServerHello::decode(&bad).is_err(),
            "legacy_version must be 1.2's"
        );
        let mut bad = b.clone();
        bad[2 + 32 + 1 + 2] = 1;
        assert!(
            ServerHello::decode(&bad).is_err(),
            "compression must be null"
        );
        for cut in 0..b.len() {
            assert!(ServerHello::decode(&b[..cut]).is_err());
        }
    }
}
