//! The datagrams a server that may do DTLS 1.3 holds while the first ClientHello arrives
//! in fragments (a small MTU; RFC 9147 §5.5): the version is chosen from the whole
//! ClientHello, then the held datagrams are replayed into the chosen engine. A dual client
//! holds the fragments of the server's first ServerHello the same way (a 1.2 server may
//! split it, RFC 6347 §4.2.3), since only the whole message tells 1.2 from 1.3. Bounded: at
//! most [`MAX_HELD`] datagrams and [`MAX_HELD_BYTES`] bytes; beyond that a datagram is
//! dropped (the peer retransmits).

use super::select::{client_offer_of_body, Offer};
use crate::codec::Reader;
use crate::dtls13::hello::msg_type;

/// Datagrams held at most.
const MAX_HELD: usize = 8;
/// Bytes held at most (a ClientHello is far smaller in practice).
const MAX_HELD_BYTES: usize = 1 << 15;

/// Fragments of one handshake message (a ClientHello unless made by
/// [`Held::server_hello`]), not yet complete.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Held {
    msg_type: u8,
    datagrams: Vec<Vec<u8>>,
}

impl Default for Held {
    fn default() -> Self {
        Held {
            msg_type: msg_type::CLIENT_HELLO,
            datagrams: Vec::new(),
        }
    }
}

/// The epoch-0 fragments of type `typ` in a datagram: (message_seq, length, offset, bytes).
fn fragments(datagram: &[u8], typ: u8) -> Vec<(u16, usize, usize, &[u8])> {
    let mut out = Vec::new();
    let mut r = Reader::new(datagram);
    while !r.is_empty() {
        let Ok(hdr) = r.take(11, "record header") else {
            break;
        };
        let Ok(payload) = r.vec(2, "record") else {
            break;
        };
        if hdr[0] != 22 || hdr[3..5] != [0, 0] {
            continue;
        }
        let mut h = Reader::new(payload);
        while !h.is_empty() {
            let (Ok(msg), Ok(len), Ok(seq), Ok(off), Ok(frag)) = (
                h.u8("msg_type"),
                h.u24("length"),
                h.u16("message_seq"),
                h.u24("fragment_offset"),
                h.vec(3, "fragment"),
            ) else {
                break;
            };
            if msg == typ {
                out.push((seq, len as usize, off as usize, frag));
            }
        }
    }
    out
}

/// The ClientHello body once `frags` (of the first message_seq seen) cover it whole.
fn assemble(frags: &[(u16, usize, usize, &[u8])]) -> Option<Vec<u8>> {
    let &(seq, len, _, _) = frags.first()?;
    if len > MAX_HELD_BYTES {
        return None;
    }
    let mut body = vec![0u8; len];
    let mut have = vec![false; len];
    for &(s, l, off, bytes) in frags {
        if s != seq || l != len || off + bytes.len() > len {
            continue;
        }
        body[off..off + bytes.len()].copy_from_slice(bytes);
        have[off..off + bytes.len()]
            .iter_mut()
            .for_each(|h| *h = true);
    }
    have.iter().all(|h| *h).then_some(body)
}

impl Held {
    /// A dual client's holder of ServerHello fragments.
    pub(crate) fn server_hello() -> Self {
        Held {
            msg_type: msg_type::SERVER_HELLO,
            datagrams: Vec::new(),
        }
    }

    /// Adds `datagram`: `Some(offer)` when it completes the ClientHello (it is then not
    /// held: the caller feeds it after [`Held::take`]'s), `None` when it was held (a
    /// ClientHello fragment) or dropped (anything else, or over the bounds).
    pub(crate) fn add(&mut self, datagram: &[u8]) -> Option<Offer> {
        self.add_body(datagram).map(|b| client_offer_of_body(&b))
    }

    /// True when `datagram` holds a fragment of the awaited message.
    pub(crate) fn is_fragment(&self, datagram: &[u8]) -> bool {
        !fragments(datagram, self.msg_type).is_empty()
    }

    /// As [`Held::add`], returning the whole message body once complete.
    pub(crate) fn add_body(&mut self, datagram: &[u8]) -> Option<Vec<u8>> {
        let typ = self.msg_type;
        if fragments(datagram, typ).is_empty() {
            return None;
        }
        let mut all: Vec<_> = self
            .datagrams
            .iter()
            .flat_map(|d| fragments(d, typ))
            .collect();
        all.extend(fragments(datagram, typ));
        if let Some(body) = assemble(&all) {
            return Some(body);
        }
        let bytes: usize = self.datagrams.iter().map(Vec::len).sum();
        if self.datagrams.len() < MAX_HELD && bytes + datagram.len() <= MAX_HELD_BYTES {
            self.datagrams.push(datagram.to_vec());
        }
        None
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.datagrams.is_empty()
    }

    /// The held datagrams, in arrival order.
    pub(crate) fn take(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.datagrams)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frag(seq: u16, len: usize, off: usize, bytes: &[u8]) -> Vec<u8> {
        let mut p = vec![1];
        p.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
        p.extend_from_slice(&seq.to_be_bytes());
        p.extend_from_slice(&(off as u32).to_be_bytes()[1..]);
        p.extend_from_slice(&(bytes.len() as u32).to_be_bytes()[1..]);
        p.extend_from_slice(bytes);
        let mut d = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 1];
        d.extend_from_slice(&(p.len() as u16).to_be_bytes());
        d.extend_from_slice(&p);
        d
    }

    #[test]
    fn fragments_assemble() {
        let mut h = Held::default();
        assert_eq!(h.add(&frag(0, 6, 0, &[1, 2, 3])), None);
        assert!(!h.is_empty());
        assert_eq!(h.add(&[1, 2, 3]), None, "noise is not held");
        // Complete but not a ClientHello body: decided as "no 1.3".
        assert_eq!(h.add(&frag(0, 6, 3, &[4, 5, 6])), Some(Offer::Tls12Only));
        assert_eq!(h.take().len(), 1);
        assert!(h.is_empty());
    }

    #[test]
    fn bounded() {
        let mut h = Held::default();
        for _ in 0..20 {
            assert_eq!(h.add(&frag(0, 100, 0, &[0; 10])), None);
        }
        assert_eq!(h.take().len(), MAX_HELD);
    }
}
