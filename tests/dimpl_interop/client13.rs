//! A hand-driven DTLS 1.3 client made only of `rdtls::dtls13` building blocks (no state
//! machine exists yet), used to check those blocks against dimpl's DTLS 1.3 server. The
//! only wire code here is test plumbing: DTLSPlaintext framing, the DTLS handshake header
//! and a simple reassembler.
//!
//! Wire formats used here: DTLSPlaintext (13-byte header) for the epoch-0 hellos, the DTLS
//! handshake header (12 bytes: type, length, message_seq, fragment offset and length), and
//! the TLS 1.3 four-byte header for the transcript (RFC 9147 §5.2: the transcript omits
//! message_seq and the fragment fields).

use std::collections::BTreeMap;

use rdtls::dtls13::extensions::{self as ext, ext_type, group, KeyShareEntry, DTLS1_3};
use rdtls::dtls13::hello::ClientHello;
use rdtls::dtls13::key_schedule::{labels, KeySchedule, Secret};
use rdtls::dtls13::messages;
use rdtls::dtls13::record_protection::{HeaderShape, RecordKeys, Suite13};
use rdtls::dtls13::unified_header;
use ring::agreement;

pub use rdtls::dtls13::hello::msg_type as hs;
pub use rdtls::dtls13::hello::HRR_RANDOM;

const ECDSA_SECP256R1_SHA256: u16 = 0x0403;
const USE_SRTP: u16 = 14;

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
    let mut v = Vec::new();
    messages::transcript_message(&mut v, typ, body);
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

/// The ClientHello body (our `hello::ClientHello` codec): DTLS 1.3 only, one suite, an
/// X25519 share, the optional HRR cookie.
pub fn client_hello_body(
    suite: Suite13,
    random: &[u8; 32],
    x25519_pub: &[u8],
    cookie: Option<&[u8]>,
) -> Vec<u8> {
    let mut exts = Vec::new();
    let mut put = |typ: u16, f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = Vec::new();
        f(&mut b);
        exts.push((typ, b));
    };
    put(ext_type::SUPPORTED_VERSIONS, &|o| {
        ext::encode_versions_client(o, &[DTLS1_3])
    });
    put(ext_type::SUPPORTED_GROUPS, &|o| {
        ext::encode_u16_list(o, &[group::X25519])
    });
    put(ext_type::SIGNATURE_ALGORITHMS, &|o| {
        ext::encode_u16_list(o, &[ECDSA_SECP256R1_SHA256])
    });
    put(ext_type::KEY_SHARE, &|o| {
        ext::encode_key_share_client(
            o,
            &[KeyShareEntry {
                group: group::X25519,
                key_exchange: x25519_pub.to_vec(),
            }],
        )
    });
    // use_srtp (RFC 5764 §4.1.1): SRTP_AEAD_AES_128_GCM (RFC 7714), no MKI; dimpl then
    // exports DTLS-SRTP keys with the RFC 8446 §7.5 exporter, which we recompute.
    put(USE_SRTP, &|o| o.extend_from_slice(&[0, 2, 0, 7, 0]));
    if let Some(c) = cookie {
        put(ext_type::COOKIE, &|o| ext::encode_cookie(o, c));
    }
    let mut b = Vec::new();
    ClientHello::new(*random, vec![suite.to_u16()], exts).encode(&mut b);
    // Our decoder reads back what our encoder wrote.
    assert_eq!(
        ClientHello::decode(&b).unwrap().cipher_suites,
        vec![suite.to_u16()]
    );
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
    let parsed = rdtls::dtls13::hello::ServerHello::decode(body).expect("ServerHello decodes");
    let random = parsed.random;
    let mut sh = ServerHello {
        random,
        suite: parsed.cipher_suite,
        version: None,
        key_share: None,
        cookie: None,
    };
    for (typ, data) in &parsed.extensions {
        let e = ext::RawExtension { typ: *typ, data };
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
        self.bytes = messages::message_hash(&self.ks, &self.bytes);
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
