//! Bodies of the DTLS 1.3 handshake messages after the hellos (RFC 8446 §4.3–§4.6) and the
//! transcript form of a message (RFC 9147 §5.2).

use crate::codec::{put_nested, put_u16, put_u24, put_u8, put_uint, put_vec, DecodeError, Reader};

use super::extensions::{decode_list, RawExtension};
use super::hello::msg_type;
use super::key_schedule::KeySchedule;

/// Largest certificate_list this codec accepts (the u24 field allows 16 MiB; a DTLS peer
/// sending more than this is refused before anything is copied).
pub const MAX_CERTIFICATE_LIST: usize = 64 * 1024;

/// RFC 9147 §5.2: the transcript hashes each message as TLS 1.3 would carry it — type and
/// 24-bit length, then the body — without message_seq and the fragment fields.
pub fn transcript_message(out: &mut Vec<u8>, typ: u8, body: &[u8]) {
    put_u8(out, typ);
    put_u24(out, body.len() as u32);
    out.extend_from_slice(body);
}

/// RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced in the transcript
/// by `message_hash(Hash(ClientHello1))`; returns those transcript bytes.
pub fn message_hash(ks: &KeySchedule, client_hello1_transcript: &[u8]) -> Vec<u8> {
    let h = ks.transcript_hash(client_hello1_transcript);
    let mut out = Vec::with_capacity(4 + h.as_bytes().len());
    transcript_message(&mut out, msg_type::MESSAGE_HASH, h.as_bytes());
    out
}

/// EncryptedExtensions: `Extension extensions<0..2^16-1>` (RFC 8446 §4.3.1).
pub fn decode_encrypted_extensions(body: &[u8]) -> Result<Vec<RawExtension<'_>>, DecodeError> {
    decode_list(body)
}

/// One `CertificateEntry` (RFC 8446 §4.4.2), X.509 form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateEntry {
    /// `cert_data<1..2^24-1>` (DER).
    pub cert_data: Vec<u8>,
    /// `extensions<0..2^16-1>` (raw block without its length).
    pub extensions: Vec<u8>,
}

/// The Certificate message (RFC 8446 §4.4.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Certificate {
    /// `certificate_request_context<0..2^8-1>` (empty from a server).
    pub request_context: Vec<u8>,
    /// Leaf first.
    pub entries: Vec<CertificateEntry>,
}

impl Certificate {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, 1, &self.request_context);
        put_nested(out, 3, |o| {
            for e in &self.entries {
                put_vec(o, 3, &e.cert_data);
                put_vec(o, 2, &e.extensions);
            }
        });
    }

    /// Decodes a body; a list over [`MAX_CERTIFICATE_LIST`], an empty certificate or
    /// trailing bytes are decode errors.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "Certificate";
        let mut r = Reader::new(body);
        let request_context = r.vec(1, WHAT)?.to_vec();
        let mut list = r.sub(3, WHAT)?;
        r.finish(WHAT)?;
        if list.remaining() > MAX_CERTIFICATE_LIST {
            return Err(DecodeError::new(WHAT));
        }
        let mut entries = Vec::new();
        while !list.is_empty() {
            let cert = list.vec(3, WHAT)?;
            if cert.is_empty() {
                return Err(DecodeError::new(WHAT));
            }
            let extensions = list.vec(2, WHAT)?.to_vec();
            entries.push(CertificateEntry {
                cert_data: cert.to_vec(),
                extensions,
            });
        }
        Ok(Certificate {
            request_context,
            entries,
        })
    }
}

/// CertificateVerify (RFC 8446 §4.4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateVerify {
    /// `SignatureScheme algorithm`.
    pub scheme: u16,
    /// `signature<0..2^16-1>`.
    pub signature: Vec<u8>,
}

impl CertificateVerify {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.scheme);
        put_vec(out, 2, &self.signature);
    }

    /// Decodes a body.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "CertificateVerify";
        let mut r = Reader::new(body);
        let scheme = r.u16(WHAT)?;
        let signature = r.vec(2, WHAT)?.to_vec();
        r.finish(WHAT)?;
        Ok(CertificateVerify { scheme, signature })
    }

    /// The bytes signed (RFC 8446 §4.4.3): 64 spaces, the context string of the signer's
    /// role, a zero byte, then Transcript-Hash(ClientHello … Certificate). DTLS 1.3 keeps
    /// TLS 1.3's context strings.
    pub fn signed_content(server: bool, transcript_hash: &[u8]) -> Vec<u8> {
        let context: &[u8] = if server {
            b"TLS 1.3, server CertificateVerify"
        } else {
            b"TLS 1.3, client CertificateVerify"
        };
        let mut v = vec![0x20u8; 64];
        v.extend_from_slice(context);
        v.push(0);
        v.extend_from_slice(transcript_hash);
        v
    }
}

/// CertificateRequest (RFC 8446 §4.3.2): the request context and the extensions, of which
/// `signature_algorithms` is mandatory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// `certificate_request_context<0..2^8-1>`, echoed in the client's Certificate.
    pub context: Vec<u8>,
    /// The signature schemes the server accepts in our CertificateVerify.
    pub schemes: Vec<u16>,
    /// Every extension, type and body, in order.
    pub extensions: Vec<(u16, Vec<u8>)>,
}

impl CertificateRequest {
    /// Appends the body: the context, then `signature_algorithms` with `schemes` and the
    /// other `extensions`.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_vec(out, 1, &self.context);
        super::extensions::encode_list(out, |o| {
            super::extensions::put_extension(
                o,
                super::extensions::ext_type::SIGNATURE_ALGORITHMS,
                |b| super::extensions::encode_u16_list(b, &self.schemes),
            );
            for (t, body) in &self.extensions {
                super::extensions::put_extension(o, *t, |b| b.extend_from_slice(body));
            }
        });
    }

    /// Decodes a body; no `signature_algorithms` (or an empty one) is a decode error
    /// (RFC 8446 §4.3.2: missing_extension; reported as a decode error here).
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "CertificateRequest";
        let mut r = Reader::new(body);
        let context = r.vec(1, WHAT)?.to_vec();
        let rest = r.rest();
        let list = decode_list(rest)?;
        let mut schemes = None;
        let mut extensions = Vec::new();
        for e in list {
            if e.typ == super::extensions::ext_type::SIGNATURE_ALGORITHMS {
                schemes = Some(super::extensions::decode_u16_list(e.data)?);
            } else {
                extensions.push((e.typ, e.data.to_vec()));
            }
        }
        let schemes = schemes.filter(|s| !s.is_empty()).ok_or(DecodeError::new(
            "CertificateRequest without signature_algorithms",
        ))?;
        Ok(CertificateRequest {
            context,
            schemes,
            extensions,
        })
    }
}

/// KeyUpdate (RFC 8446 §4.6.3; RFC 9147 §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUpdate {
    /// `update_requested` (1) rather than `update_not_requested` (0).
    pub update_requested: bool,
}

impl KeyUpdate {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_u8(out, u8::from(self.update_requested));
    }

    /// Decodes a body; any value but 0 or 1 is illegal_parameter (a decode error here).
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        match body {
            [0] => Ok(KeyUpdate {
                update_requested: false,
            }),
            [1] => Ok(KeyUpdate {
                update_requested: true,
            }),
            _ => Err(DecodeError::new("KeyUpdate")),
        }
    }
}

/// NewSessionTicket (RFC 8446 §4.6.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSessionTicket {
    /// `ticket_lifetime` in seconds (at most 604800).
    pub lifetime: u32,
    /// `ticket_age_add`.
    pub age_add: u32,
    /// `ticket_nonce<0..255>`.
    pub nonce: Vec<u8>,
    /// `ticket<1..2^16-1>`.
    pub ticket: Vec<u8>,
    /// `extensions<0..2^16-2>` (raw block without its length).
    pub extensions: Vec<u8>,
}

/// RFC 8446 §4.6.1: servers MUST NOT use a lifetime over seven days.
pub const MAX_TICKET_LIFETIME: u32 = 604_800;

impl NewSessionTicket {
    /// Appends the body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_uint(out, u64::from(self.lifetime), 4);
        put_uint(out, u64::from(self.age_add), 4);
        put_vec(out, 1, &self.nonce);
        put_vec(out, 2, &self.ticket);
        put_vec(out, 2, &self.extensions);
    }

    /// Decodes a body; a lifetime over seven days or an empty ticket is an error.
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "NewSessionTicket";
        let mut r = Reader::new(body);
        let lifetime = r.u32(WHAT)?;
        let age_add = r.u32(WHAT)?;
        let nonce = r.vec(1, WHAT)?.to_vec();
        let ticket = r.vec(2, WHAT)?.to_vec();
        let extensions = r.vec(2, WHAT)?.to_vec();
        r.finish(WHAT)?;
        if lifetime > MAX_TICKET_LIFETIME || ticket.is_empty() {
            return Err(DecodeError::new(WHAT));
        }
        Ok(NewSessionTicket {
            lifetime,
            age_add,
            nonce,
            ticket,
            extensions,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HashAlg;

    #[test]
    fn certificate_request_round_trip_and_refusals() {
        let cr = CertificateRequest {
            context: vec![7, 7],
            schemes: vec![0x0403, 0x0804],
            extensions: vec![(47, vec![0, 0])],
        };
        let mut b = Vec::new();
        cr.encode(&mut b);
        assert_eq!(CertificateRequest::decode(&b).unwrap(), cr);
        // No signature_algorithms, an empty one, truncation, trailing bytes.
        let no_sa = [0u8, 0, 4, 0, 47, 0, 0];
        assert!(CertificateRequest::decode(&no_sa).is_err());
        let empty_sa = [0u8, 0, 6, 0, 13, 0, 2, 0, 0];
        assert!(CertificateRequest::decode(&empty_sa).is_err());
        for n in 0..b.len() {
            assert!(CertificateRequest::decode(&b[..n]).is_err(), "{n}");
        }
        b.push(0);
        assert!(CertificateRequest::decode(&b).is_err());
    }

    #[test]
    fn transcript_form_and_message_hash() {
        let mut t = Vec::new();
        transcript_message(&mut t, 1, &[0xaa; 3]);
        assert_eq!(t, [1, 0, 0, 3, 0xaa, 0xaa, 0xaa]);
        let ks = KeySchedule::dtls13(HashAlg::Sha256);
        let mh = message_hash(&ks, &t);
        assert_eq!(&mh[..4], &[254, 0, 0, 32]);
        assert_eq!(&mh[4..], ks.transcript_hash(&t).as_bytes());
    }

    #[test]
    fn certificate_roundtrip_and_limits() {
        let c = Certificate {
            request_context: vec![],
            entries: vec![
                CertificateEntry {
                    cert_data: vec![0x30, 1, 2],
                    extensions: vec![],
                },
                CertificateEntry {
                    cert_data: vec![0x30; 40],
                    extensions: vec![0, 5, 0, 0],
                },
            ],
        };
        let mut b = Vec::new();
        c.encode(&mut b);
        assert_eq!(Certificate::decode(&b).unwrap(), c);
        for cut in 0..b.len() {
            assert!(Certificate::decode(&b[..cut]).is_err());
        }
        // An empty cert_data, and a list over the limit.
        assert!(Certificate::decode(&[0, 0, 0, 5, 0, 0, 0, 0, 0]).is_err());
        let mut big = vec![0, 0x01, 0x00, 0x01];
        big.resize(4 + 0x10001, 0);
        assert!(Certificate::decode(&big).is_err());
    }

    #[test]
    fn certificate_verify_content_and_codec() {
        let h = [9u8; 32];
        let s = CertificateVerify::signed_content(true, &h);
        assert_eq!(s.len(), 64 + 33 + 1 + 32);
        assert!(s[..64].iter().all(|&b| b == 0x20));
        assert_eq!(&s[64..97], b"TLS 1.3, server CertificateVerify");
        assert_eq!(s[97], 0);
        assert_ne!(CertificateVerify::signed_content(false, &h), s);
        let cv = CertificateVerify {
            scheme: 0x0403,
            signature: vec![1, 2, 3],
        };
        let mut b = Vec::new();
        cv.encode(&mut b);
        assert_eq!(CertificateVerify::decode(&b).unwrap(), cv);
        assert!(CertificateVerify::decode(&b[..4]).is_err());
    }

    #[test]
    fn key_update_and_ticket() {
        for v in [false, true] {
            let mut b = Vec::new();
            KeyUpdate {
                update_requested: v,
            }
            .encode(&mut b);
            assert_eq!(KeyUpdate::decode(&b).unwrap().update_requested, v);
        }
        assert!(KeyUpdate::decode(&[2]).is_err());
        assert!(KeyUpdate::decode(&[]).is_err());
        assert!(KeyUpdate::decode(&[0, 0]).is_err());
        let t = NewSessionTicket {
            lifetime: 7200,
            age_add: 0xdead_beef,
            nonce: vec![0, 1],
            ticket: vec![5; 40],
            extensions: vec![],
        };
        let mut b = Vec::new();
        t.encode(&mut b);
        assert_eq!(NewSessionTicket::decode(&b).unwrap(), t);
        let mut long = t.clone();
        long.lifetime = MAX_TICKET_LIFETIME + 1;
        let mut b2 = Vec::new();
        long.encode(&mut b2);
        assert!(NewSessionTicket::decode(&b2).is_err());
        let mut empty = t;
        empty.ticket.clear();
        let mut b3 = Vec::new();
        empty.encode(&mut b3);
        assert!(NewSessionTicket::decode(&b3).is_err());
    }
}
