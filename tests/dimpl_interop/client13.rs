//! A hand-driven DTLS 1.3 client made only of `rdtls::dtls13` building blocks (no state
//! machine exists yet), used to check those blocks against dimpl's DTLS 1.3 server.
//!
//! Wire formats used here: DTLSPlaintext (13-byte header) for the epoch-0 hellos, the DTLS
//! handshake header (12 bytes: type, length, message_seq, fragment offset and length), and
//! the TLS 1.3 four-byte header for the transcript (RFC 9147 §5.2: the transcript omits
//! message_seq and the fragment fields).

use std::collections::BTreeMap;

use rdtls::dtls13::extensions::{self as ext, ext_type, group, KeyShareEntry, DTLS1_3};
use rdtls::dtls13::key_schedule::{labels, KeySchedule, Secret};
use rdtls::dtls13::record_protection::{HeaderShape, RecordKeys, Suite13};
use rdtls::dtls13::unified_header;
use ring::agreement;

/// RFC 8446 §4.1.3: the random of a HelloRetryRequest, SHA-256("HelloRetryRequest").
pub const HRR_RANDOM: [u8; 32] = [
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
];

/// Handshake message types (RFC 8446 §4).
pub mod hs {
    pub const CLIENT_HELLO: u8 = 1;
    pub const ENCRYPTED_EXTENSIONS: u8 = 8;
    pub const CERTIFICATE: u8 = 11;
    pub const CERTIFICATE_VERIFY: u8 = 15;
    pub const FINISHED: u8 = 20;
    pub const MESSAGE_HASH: u8 = 254;
}

const ECDSA_SECP256R1_SHA256: u16 = 0x0403;

/// One reassembled handshake message.
#[derive(Debug, Clone)]
pub struct Msg {
    pub typ: u8,
    pub seq: u16,
    pub body: Vec<u8>,
}

impl Msg {
    /// TLS 1.3 form for the transcript: type ‖ uint24 length ‖ body.
    pub fn tls(&self) -> Vec<u8> {
        tls_msg(self.typ, &self.body)
    }
}

pub fn tls_msg(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut v = vec![typ];
    v.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    v.extend_from_slice(body);
    v
}

/// DTLS handshake message, unfragmented.
pub fn dtls_msg(typ: u8, message_seq: u16, body: &[u8]) -> Vec<u8> {
    let len = (body.len() as u32).to_be_bytes();
    let mut v = vec![typ];
    v.extend_from_slice(&len[1..]);
    v.extend_from_slice(&message_seq.to_be_bytes());
    v.extend_from_slice(&[0, 0, 0]);
    v.extend_from_slice(&len[1..]);
    v.extend_from_slice(body);
    v
}

/// DTLSPlaintext record of epoch 0.
pub fn plaintext_record(content_type: u8, seq: u64, fragment: &[u8]) -> Vec<u8> {
    let mut v = vec![content_type, 0xfe, 0xfd, 0, 0];
    v.extend_from_slice(&seq.to_be_bytes()[2..]);
    v.extend_from_slice(&(fragment.len() as u16).to_be_bytes());
    v.extend_from_slice(fragment);
    v
}

/// The ClientHello body: DTLS 1.3 only, one suite, X25519 share, optional HRR cookie.
pub fn client_hello_body(
    suite: Suite13,
    random: &[u8; 32],
    x25519_pub: &[u8],
    cookie: Option<&[u8]>,
) -> Vec<u8> {
    let mut b = vec![0xfe, 0xfd]; // legacy_version = DTLS 1.2 (RFC 9147 §5.3)
    b.extend_from_slice(random);
    b.push(0); // legacy_session_id
    b.push(0); // legacy_cookie: empty in DTLS 1.3
    b.extend_from_slice(&[0, 2]);
    b.extend_from_slice(&suite.to_u16().to_be_bytes());
    b.extend_from_slice(&[1, 0]); // null compression
    ext::encode_list(&mut b, |o| {
        ext::put_extension(o, ext_type::SUPPORTED_VERSIONS, |o| {
            ext::encode_versions_client(o, &[DTLS1_3])
        });
        ext::put_extension(o, ext_type::SUPPORTED_GROUPS, |o| {
            ext::encode_u16_list(o, &[group::X25519])
        });
        ext::put_extension(o, ext_type::SIGNATURE_ALGORITHMS, |o| {
            ext::encode_u16_list(o, &[ECDSA_SECP256R1_SHA256])
        });
        ext::put_extension(o, ext_type::KEY_SHARE, |o| {
            ext::encode_key_share_client(
                o,
                &[KeyShareEntry {
                    group: group::X25519,
                    key_exchange: x25519_pub.to_vec(),
                }],
            )
        });
        if let Some(c) = cookie {
            ext::put_extension(o, ext_type::COOKIE, |o| ext::encode_cookie(o, c));
        }
    });
    b
}

/// A parsed ServerHello / HelloRetryRequest.
#[derive(Debug)]
pub struct ServerHello {
    pub random: [u8; 32],
    pub suite: u16,
    pub version: Option<u16>,
    pub key_share: Option<Vec<u8>>,
    pub cookie: Option<Vec<u8>>,
}

pub fn parse_server_hello(body: &[u8]) -> ServerHello {
    assert_eq!(&body[..2], &[0xfe, 0xfd], "legacy_version");
    let random: [u8; 32] = body[2..34].try_into().unwrap();
    let sid_len = usize::from(body[34]);
    let at = 35 + sid_len;
    let suite = u16::from_be_bytes([body[at], body[at + 1]]);
    assert_eq!(body[at + 2], 0, "legacy_compression_method");
    let list = ext::decode_list(&body[at + 3..]).unwrap();
    let mut sh = ServerHello {
        random,
        suite,
        version: None,
        key_share: None,
        cookie: None,
    };
    for e in list {
        match e.typ {
            ext_type::SUPPORTED_VERSIONS => {
                sh.version = Some(ext::decode_version_server(e.data).unwrap())
            }
            ext_type::KEY_SHARE if random != HRR_RANDOM => {
                let s = ext::decode_key_share_server(e.data).unwrap();
                assert_eq!(s.group, group::X25519);
                sh.key_share = Some(s.key_exchange);
            }
            ext_type::KEY_SHARE => {
                assert_eq!(ext::decode_key_share_hrr(e.data).unwrap(), group::X25519)
            }
            ext_type::COOKIE => sh.cookie = Some(ext::decode_cookie(e.data).unwrap().to_vec()),
            other => panic!("unexpected ServerHello extension {other}"),
        }
    }
    sh
}

/// Splits a datagram into its records: `(true, bytes)` for unified-header ciphertexts,
/// `(false, bytes)` for DTLSPlaintext.
pub fn split_records(mut d: &[u8]) -> Vec<(bool, Vec<u8>)> {
    let mut out = Vec::new();
    while !d.is_empty() {
        if unified_header::is_unified_header(d[0]) {
            let v = unified_header::parse(d, 0).expect("dimpl's unified header parses");
            out.push((true, d[..v.record_len].to_vec()));
            d = &d[v.record_len..];
        } else {
            assert!(d.len() >= 13, "short DTLSPlaintext");
            let n = 13 + usize::from(u16::from_be_bytes([d[11], d[12]]));
            out.push((false, d[..n].to_vec()));
            d = &d[n..];
        }
    }
    out
}

/// The fragments of one message: type, total length, (offset, bytes) pieces.
type Pieces = (u8, usize, Vec<(usize, Vec<u8>)>);

/// Reassembles DTLS handshake fragments (any order) into whole messages by message_seq.
#[derive(Default)]
pub struct Reassembler {
    parts: BTreeMap<u16, Pieces>,
}

impl Reassembler {
    pub fn add_fragments(&mut self, mut data: &[u8]) {
        while !data.is_empty() {
            let typ = data[0];
            let len = u32::from_be_bytes([0, data[1], data[2], data[3]]) as usize;
            let seq = u16::from_be_bytes([data[4], data[5]]);
            let off = u32::from_be_bytes([0, data[6], data[7], data[8]]) as usize;
            let flen = u32::from_be_bytes([0, data[9], data[10], data[11]]) as usize;
            let frag = data[12..12 + flen].to_vec();
            self.parts
                .entry(seq)
                .or_insert((typ, len, Vec::new()))
                .2
                .push((off, frag));
            data = &data[12 + flen..];
        }
    }

    /// Every message that is complete, in message_seq order.
    pub fn complete(&self) -> Vec<Msg> {
        let mut out = Vec::new();
        for (seq, (typ, len, frags)) in &self.parts {
            let mut body = vec![0u8; *len];
            let mut have = vec![false; *len];
            for (off, f) in frags {
                body[*off..off + f.len()].copy_from_slice(f);
                have[*off..off + f.len()].iter_mut().for_each(|h| *h = true);
            }
            if have.iter().all(|h| *h) {
                out.push(Msg {
                    typ: *typ,
                    seq: *seq,
                    body,
                });
            }
        }
        out
    }
}

/// The client's ephemeral X25519 key from a fixed seed (deterministic test).
pub fn x25519_key(seed: &[u8; 32]) -> (agreement::EphemeralPrivateKey, Vec<u8>) {
    #[allow(deprecated)]
    let rng = ring::test::rand::FixedSliceRandom { bytes: seed };
    let k = agreement::EphemeralPrivateKey::generate(&agreement::X25519, &rng).unwrap();
    let p = k.compute_public_key().unwrap().as_ref().to_vec();
    (k, p)
}

/// Transcript of the handshake as TLS 1.3 messages, with the RFC 8446 §4.4.1 rewrite of
/// ClientHello1 to message_hash after a HelloRetryRequest.
pub struct Transcript {
    pub suite: Suite13,
    pub ks: KeySchedule,
    pub bytes: Vec<u8>,
}

impl Transcript {
    pub fn new(suite: Suite13) -> Self {
        Transcript {
            suite,
            ks: KeySchedule::dtls13(suite.hash()),
            bytes: Vec::new(),
        }
    }

    pub fn add(&mut self, tls_message: &[u8]) {
        self.bytes.extend_from_slice(tls_message);
    }

    pub fn hash(&self) -> Vec<u8> {
        self.ks.transcript_hash(&self.bytes).as_bytes().to_vec()
    }

    /// Replaces ClientHello1 with `message_hash(Hash(ClientHello1))`.
    pub fn replace_with_message_hash(&mut self) {
        let h = self.hash();
        self.bytes = tls_msg(hs::MESSAGE_HASH, &h);
    }
}

/// The handshake secrets of one connection.
pub struct Secrets {
    pub handshake: Secret,
    pub c_hs: Secret,
    pub s_hs: Secret,
}

pub fn handshake_secrets(t: &Transcript, shared: &[u8]) -> Secrets {
    let ks = t.ks;
    let early = ks.early_secret(None);
    let handshake = ks.handshake_secret(&early, shared).unwrap();
    let h = t.hash();
    Secrets {
        c_hs: ks
            .derive_secret(&handshake, labels::C_HS_TRAFFIC, &h)
            .unwrap(),
        s_hs: ks
            .derive_secret(&handshake, labels::S_HS_TRAFFIC, &h)
            .unwrap(),
        handshake,
    }
}

pub fn record_keys(t: &Transcript, secret: &Secret) -> RecordKeys {
    let keys = t.ks.traffic_keys(secret, t.suite.key_len()).unwrap();
    RecordKeys::new(t.suite, &keys).unwrap()
}

/// A record with a 16-bit sequence field and a length, as most stacks send.
pub const SHAPE: HeaderShape<'static> = HeaderShape {
    cid: b"",
    seq_16: true,
    with_length: true,
};
