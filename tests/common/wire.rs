//! An independent, test-only codec for DTLS 1.2 records and handshake fragments
//! (RFC 6347 §4.1, §4.2.2), used to inspect and forge datagrams between endpoints.
//!
//! Deliberately written apart from the engine's codecs so a bug there cannot hide here.

/// Record header: type(1) version(2) epoch(2) sequence_number(6) length(2).
pub const RECORD_HEADER_LEN: usize = 13;
/// Handshake header: type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3).
pub const HS_HEADER_LEN: usize = 12;
/// DTLS 1.2 on the wire.
pub const DTLS12: u16 = 0xfefd;
/// DTLS 1.0 on the wire (allowed in ClientHello / HelloVerifyRequest records).
pub const DTLS10: u16 = 0xfeff;

/// ChangeCipherSpec content type.
pub const CT_CCS: u8 = 20;
/// Alert content type.
pub const CT_ALERT: u8 = 21;
/// Handshake content type.
pub const CT_HANDSHAKE: u8 = 22;
/// Application data content type.
pub const CT_APP: u8 = 23;

/// ClientHello.
pub const HT_CLIENT_HELLO: u8 = 1;
/// ServerHello.
pub const HT_SERVER_HELLO: u8 = 2;
/// HelloVerifyRequest.
pub const HT_HELLO_VERIFY_REQUEST: u8 = 3;
/// NewSessionTicket.
pub const HT_NEW_SESSION_TICKET: u8 = 4;
/// Certificate.
pub const HT_CERTIFICATE: u8 = 11;
/// ServerKeyExchange.
pub const HT_SERVER_KEY_EXCHANGE: u8 = 12;
/// CertificateRequest.
pub const HT_CERTIFICATE_REQUEST: u8 = 13;
/// ServerHelloDone.
pub const HT_SERVER_HELLO_DONE: u8 = 14;
/// CertificateVerify.
pub const HT_CERTIFICATE_VERIFY: u8 = 15;
/// ClientKeyExchange.
pub const HT_CLIENT_KEY_EXCHANGE: u8 = 16;
/// Finished.
pub const HT_FINISHED: u8 = 20;

fn be(b: &[u8]) -> u64 {
    b.iter().fold(0, |a, x| (a << 8) | u64::from(*x))
}

fn put_be(out: &mut Vec<u8>, v: u64, n: usize) {
    for i in (0..n).rev() {
        out.push((v >> (8 * i)) as u8);
    }
}

/// One DTLS record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Content type.
    pub ctype: u8,
    /// Record version.
    pub version: u16,
    /// Epoch.
    pub epoch: u16,
    /// 48-bit sequence number.
    pub seq: u64,
    /// The fragment (plaintext at epoch 0, ciphertext after).
    pub body: Vec<u8>,
}

impl Record {
    /// A DTLS 1.2 record.
    pub fn new(ctype: u8, epoch: u16, seq: u64, body: Vec<u8>) -> Record {
        Record {
            ctype,
            version: DTLS12,
            epoch,
            seq,
            body,
        }
    }

    /// Appends the encoded record; the length field is `body.len()`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.encode_with_len(out, self.body.len());
    }

    /// Appends the record with an arbitrary (possibly lying) length field.
    pub fn encode_with_len(&self, out: &mut Vec<u8>, len: usize) {
        out.push(self.ctype);
        put_be(out, u64::from(self.version), 2);
        put_be(out, u64::from(self.epoch), 2);
        put_be(out, self.seq, 6);
        put_be(out, len as u64, 2);
        out.extend_from_slice(&self.body);
    }

    /// The encoded record alone.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }
}

/// Parses every record of a datagram; `Err(offset)` where a header or body is short.
pub fn parse_records(d: &[u8]) -> Result<Vec<Record>, usize> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < d.len() {
        let h = d.get(at..at + RECORD_HEADER_LEN).ok_or(at)?;
        let len = be(&h[11..13]) as usize;
        let body = d
            .get(at + RECORD_HEADER_LEN..at + RECORD_HEADER_LEN + len)
            .ok_or(at)?;
        out.push(Record {
            ctype: h[0],
            version: be(&h[1..3]) as u16,
            epoch: be(&h[3..5]) as u16,
            seq: be(&h[5..11]),
            body: body.to_vec(),
        });
        at += RECORD_HEADER_LEN + len;
    }
    Ok(out)
}

/// The records of a datagram known to be well formed.
pub fn records(d: &[u8]) -> Vec<Record> {
    parse_records(d).unwrap_or_else(|at| panic!("malformed datagram at byte {at}: {d:02x?}"))
}

/// Concatenates records into one datagram.
pub fn datagram(recs: &[Record]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in recs {
        r.encode(&mut out);
    }
    out
}

/// One handshake fragment; `fragment_length` is `body.len()` unless overridden on encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsFrag {
    /// Message type.
    pub msg_type: u8,
    /// Declared length of the whole message body.
    pub length: u32,
    /// message_seq.
    pub message_seq: u16,
    /// fragment_offset.
    pub offset: u32,
    /// Fragment bytes.
    pub body: Vec<u8>,
}

impl HsFrag {
    /// An unfragmented message.
    pub fn whole(msg_type: u8, message_seq: u16, body: Vec<u8>) -> HsFrag {
        HsFrag {
            msg_type,
            length: body.len() as u32,
            message_seq,
            offset: 0,
            body,
        }
    }

    /// True when this fragment is the complete message.
    pub fn is_whole(&self) -> bool {
        self.offset == 0 && self.body.len() as u32 == self.length
    }

    /// Appends header and body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        self.encode_with_frag_len(out, self.body.len() as u32);
    }

    /// Appends header (with an arbitrary fragment_length) and body.
    pub fn encode_with_frag_len(&self, out: &mut Vec<u8>, frag_len: u32) {
        out.push(self.msg_type);
        put_be(out, u64::from(self.length), 3);
        put_be(out, u64::from(self.message_seq), 2);
        put_be(out, u64::from(self.offset), 3);
        put_be(out, u64::from(frag_len), 3);
        out.extend_from_slice(&self.body);
    }

    /// Header and body as bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::new();
        self.encode(&mut v);
        v
    }
}

/// Parses the handshake fragments of one record body; `None` if malformed.
pub fn parse_handshake(body: &[u8]) -> Option<Vec<HsFrag>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < body.len() {
        let h = body.get(at..at + HS_HEADER_LEN)?;
        let frag_len = be(&h[9..12]) as usize;
        let frag = body.get(at + HS_HEADER_LEN..at + HS_HEADER_LEN + frag_len)?;
        out.push(HsFrag {
            msg_type: h[0],
            length: be(&h[1..4]) as u32,
            message_seq: be(&h[4..6]) as u16,
            offset: be(&h[6..9]) as u32,
            body: frag.to_vec(),
        });
        at += HS_HEADER_LEN + frag_len;
    }
    Some(out)
}

/// A reassembled plaintext handshake message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// Message type.
    pub msg_type: u8,
    /// message_seq.
    pub message_seq: u16,
    /// Whole body.
    pub body: Vec<u8>,
}

/// Reassembles the epoch-0 handshake messages carried by `datagrams`, in order of first
/// appearance; retransmitted copies (same message_seq and type) are ignored.
pub fn handshake_messages<'a>(datagrams: impl IntoIterator<Item = &'a [u8]>) -> Vec<Msg> {
    let mut partial: Vec<(u8, u16, Vec<u8>, Vec<bool>)> = Vec::new();
    let mut order: Vec<(u8, u16)> = Vec::new();
    for d in datagrams {
        let Ok(recs) = parse_records(d) else { continue };
        for r in recs
            .iter()
            .filter(|r| r.epoch == 0 && r.ctype == CT_HANDSHAKE)
        {
            for f in parse_handshake(&r.body).unwrap_or_default() {
                let end = f.offset as usize + f.body.len();
                if end > f.length as usize {
                    continue;
                }
                let key = (f.msg_type, f.message_seq);
                let slot = match partial
                    .iter_mut()
                    .find(|p| (p.0, p.1) == key && p.2.len() == f.length as usize)
                {
                    Some(s) => s,
                    None => {
                        order.push(key);
                        partial.push((
                            f.msg_type,
                            f.message_seq,
                            vec![0; f.length as usize],
                            vec![false; f.length as usize],
                        ));
                        partial.last_mut().expect("just pushed")
                    }
                };
                slot.2[f.offset as usize..end].copy_from_slice(&f.body);
                slot.3[f.offset as usize..end]
                    .iter_mut()
                    .for_each(|b| *b = true);
            }
        }
    }
    let mut out = Vec::new();
    for key in order {
        if out.iter().any(|m: &Msg| (m.msg_type, m.message_seq) == key) {
            continue;
        }
        if let Some(p) = partial
            .iter()
            .find(|p| (p.0, p.1) == key && p.3.iter().all(|b| *b))
        {
            out.push(Msg {
                msg_type: p.0,
                message_seq: p.1,
                body: p.2.clone(),
            });
        }
    }
    out
}

/// The first reassembled message of type `msg_type`.
pub fn find_msg<'a>(datagrams: impl IntoIterator<Item = &'a [u8]>, msg_type: u8) -> Option<Msg> {
    handshake_messages(datagrams)
        .into_iter()
        .find(|m| m.msg_type == msg_type)
}

/// The named group in an ECDHE ServerKeyExchange body (curve_type 3 = named_curve).
pub fn ske_group(ske_body: &[u8]) -> Option<u16> {
    match ske_body {
        [3, a, b, ..] => Some(u16::from_be_bytes([*a, *b])),
        _ => None,
    }
}

/// OpenSSL's name for a named group code point.
pub fn group_name(id: u16) -> &'static str {
    match id {
        23 => "P-256",
        24 => "P-384",
        29 => "X25519",
        _ => "unknown",
    }
}

/// The 32-byte random of a ClientHello or ServerHello body.
pub fn hello_random(body: &[u8]) -> Option<[u8; 32]> {
    body.get(2..34)?.try_into().ok()
}

/// The cipher suite a ServerHello body selects.
pub fn server_hello_suite(body: &[u8]) -> Option<u16> {
    let sid_len = *body.get(34)? as usize;
    let at = 35 + sid_len;
    Some(u16::from_be_bytes(body.get(at..at + 2)?.try_into().ok()?))
}

/// Splits `msgs` into epoch-0 handshake records (one message fragment of at most
/// `max_frag` bytes per record, one record per datagram), numbering records from `first_seq`.
pub fn encode_flight(msgs: &[Msg], first_seq: u64, max_frag: usize) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut seq = first_seq;
    for m in msgs {
        let mut off = 0;
        loop {
            let end = (off + max_frag).min(m.body.len());
            let f = HsFrag {
                msg_type: m.msg_type,
                length: m.body.len() as u32,
                message_seq: m.message_seq,
                offset: off as u32,
                body: m.body[off..end].to_vec(),
            };
            out.push(Record::new(CT_HANDSHAKE, 0, seq, f.to_bytes()).to_bytes());
            seq += 1;
            off = end;
            if off >= m.body.len() {
                break;
            }
        }
    }
    out
}

/// Highest epoch-0 record sequence number in `datagrams`.
pub fn max_epoch0_seq<'a>(datagrams: impl IntoIterator<Item = &'a [u8]>) -> Option<u64> {
    datagrams
        .into_iter()
        .filter_map(|d| parse_records(d).ok())
        .flatten()
        .filter(|r| r.epoch == 0)
        .map(|r| r.seq)
        .max()
}

/// True when a datagram holds a record of `ctype` at `epoch`.
pub fn has_record(d: &[u8], ctype: u8, epoch: u16) -> bool {
    parse_records(d)
        .map(|v| v.iter().any(|r| r.ctype == ctype && r.epoch == epoch))
        .unwrap_or(false)
}

/// True when a datagram carries an epoch-0 handshake fragment of `msg_type`.
pub fn has_handshake(d: &[u8], msg_type: u8) -> bool {
    parse_records(d)
        .map(|v| {
            v.iter()
                .filter(|r| r.epoch == 0 && r.ctype == CT_HANDSHAKE)
                .filter_map(|r| parse_handshake(&r.body))
                .flatten()
                .any(|f| f.msg_type == msg_type)
        })
        .unwrap_or(false)
}
