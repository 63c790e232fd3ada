//! Spoofed, unauthenticated records an off-path attacker can send blind (issue 9 item 5):
//! alerts of every level and description, ChangeCipherSpec variants, handshake fragments
//! with every field at its extremes, application data, past and future epochs, maximum
//! sequence numbers, empty records, garbage. Used by tests/offpath.rs.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::wire::*;

/// 2^48 - 1, the largest record sequence number.
pub const MAX_SEQ: u64 = (1 << 48) - 1;
/// Every alert description of RFC 5246 §7.2, RFC 6066, RFC 7301, RFC 8446 §6.
pub const DESCRIPTIONS: [u8; 35] = [
    0, 10, 20, 21, 22, 30, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 60, 70, 71, 80, 86, 90,
    100, 109, 110, 111, 112, 113, 114, 115, 116, 120, 255,
];
/// Every handshake type of RFC 5246 / RFC 6347, plus unknown ones.
pub const MSG_TYPES: [u8; 15] = [0, 1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20, 21, 22, 255];

/// One kind of spoofed input: a name and the datagrams injected at every state.
pub struct Injection {
    /// What it is.
    pub name: String,
    /// The datagrams, injected together.
    pub datagrams: Vec<Vec<u8>>,
}

/// One record with this body, in its own datagram.
pub fn rec(ctype: u8, epoch: u16, seq: u64, body: Vec<u8>) -> Vec<u8> {
    Record::new(ctype, epoch, seq, body).to_bytes()
}

/// One handshake fragment with explicit (possibly lying) fields, in its own epoch-0 record.
pub fn frag(t: u8, len: u32, mseq: u16, off: u32, body: Vec<u8>, flen: Option<u32>) -> Vec<u8> {
    frag_at(0, 3, t, len, mseq, off, body, flen)
}

/// [`frag`] in a record of the given epoch and sequence number.
#[allow(clippy::too_many_arguments)]
pub fn frag_at(
    epoch: u16,
    seq: u64,
    t: u8,
    len: u32,
    mseq: u16,
    off: u32,
    body: Vec<u8>,
    flen: Option<u32>,
) -> Vec<u8> {
    let f = HsFrag {
        msg_type: t,
        length: len,
        message_seq: mseq,
        offset: off,
        body,
    };
    let mut out = Vec::new();
    f.encode_with_frag_len(&mut out, flen.unwrap_or(f.body.len() as u32));
    rec(CT_HANDSHAKE, epoch, seq, out)
}

/// Every kind of spoofed input the suite injects.
pub fn injections() -> Vec<Injection> {
    let mut v = Vec::new();
    let mut add = |name: String, datagrams: Vec<Vec<u8>>| v.push(Injection { name, datagrams });
    // Alerts of every level and description: plaintext (epoch 0) and pretending to be
    // protected (epoch 1, fails authentication).
    for level in [1u8, 2] {
        for d in DESCRIPTIONS {
            add(
                format!("alert {level}/{d}"),
                vec![
                    rec(CT_ALERT, 0, 1, vec![level, d]),
                    rec(CT_ALERT, 1, 1, vec![level, d]),
                ],
            );
        }
    }
    for level in [0u8, 3, 255] {
        add(
            format!("alert level {level}"),
            vec![
                rec(CT_ALERT, 0, 2, vec![level, 0]),
                rec(CT_ALERT, 0, 3, vec![level, 40]),
            ],
        );
    }
    add(
        "alert malformed lengths".into(),
        vec![
            rec(CT_ALERT, 0, 4, vec![]),
            rec(CT_ALERT, 0, 5, vec![2]),
            rec(CT_ALERT, 0, 6, vec![2, 40, 0]),
            rec(CT_ALERT, 0, 7, vec![2; 300]),
        ],
    );
    // ChangeCipherSpec: valid and malformed, in the plaintext, current and a future epoch.
    add(
        "ccs".into(),
        vec![
            rec(CT_CCS, 0, 0, vec![1]),
            rec(CT_CCS, 0, 9, vec![1]),
            rec(CT_CCS, 0, 10, vec![]),
            rec(CT_CCS, 0, 11, vec![2]),
            rec(CT_CCS, 0, 12, vec![1, 1]),
            rec(CT_CCS, 1, 0, vec![1]),
            rec(CT_CCS, 2, 0, vec![1]),
        ],
    );
    // Handshake fragments with every field at its extremes, one kind per message type.
    for t in MSG_TYPES {
        let mut d = Vec::new();
        for mseq in [0u16, 1, 2, 0x7fff, 0xffff] {
            d.push(frag(t, 0, mseq, 0, vec![], None));
            d.push(frag(t, 1, mseq, 0, vec![0xff], None));
            d.push(frag(t, 0xff_ffff, mseq, 0, vec![0xa5; 32], None));
            d.push(frag(t, 0xff_ffff, mseq, 0xff_fff7, vec![0xa5; 8], None));
            d.push(frag(t, 16, mseq, 0xff_ffff, vec![], None));
            d.push(frag(t, 16, mseq, 0, vec![0; 4], Some(0xff_ffff)));
            d.push(frag(t, 16, mseq, 0, vec![0; 16], Some(0)));
            d.push(frag(t, 16, mseq, 8, vec![0x5a; 8], None));
            d.push(frag(t, 300, mseq, 0, vec![0x5a; 200], None));
        }
        add(format!("handshake fragments type {t}"), d);
    }
    // Application data: unprotected, pretending to be protected, future epochs.
    let mut app = Vec::new();
    for epoch in [0u16, 1, 2, 0xffff] {
        for len in [0usize, 1, 24, 40, 1200] {
            app.push(rec(CT_APP, epoch, 20, vec![0x17; len]));
        }
    }
    add("application data".into(), app);
    // Records of future epochs and of the plaintext epoch after the keys changed.
    let mut epochs = Vec::new();
    for epoch in [0u16, 1, 2, 3, 0x8000, 0xffff] {
        epochs.push(rec(CT_ALERT, epoch, 30, vec![2, 40]));
        epochs.push(rec(CT_CCS, epoch, 31, vec![1]));
        epochs.push(frag_at(epoch, 32, HT_FINISHED, 12, 5, 0, vec![0; 12], None));
        epochs.push(frag_at(
            epoch,
            33,
            HT_CLIENT_HELLO,
            40,
            1,
            0,
            vec![0xfe; 40],
            None,
        ));
        epochs.push(rec(CT_APP, epoch, 34, vec![0; 40]));
    }
    add("past and future epochs".into(), epochs);
    // Maximum sequence numbers, every content type, plaintext and protected epochs.
    let mut maxseq = Vec::new();
    for epoch in [0u16, 1] {
        for seq in [MAX_SEQ, MAX_SEQ - 1] {
            maxseq.push(rec(CT_ALERT, epoch, seq, vec![1, 0]));
            maxseq.push(rec(CT_CCS, epoch, seq, vec![1]));
            maxseq.push(frag_at(
                epoch,
                seq,
                HT_SERVER_HELLO,
                1000,
                1,
                0,
                vec![0; 10],
                None,
            ));
            maxseq.push(frag_at(
                epoch,
                seq,
                HT_CLIENT_HELLO,
                1000,
                1,
                0,
                vec![0; 10],
                None,
            ));
            maxseq.push(rec(CT_APP, epoch, seq, vec![0; 40]));
        }
    }
    let mut hs_max = Vec::new();
    HsFrag::whole(HT_CLIENT_HELLO, 0, vec![0xfe; 40]).encode(&mut hs_max);
    maxseq.push(rec(CT_HANDSHAKE, 0, MAX_SEQ, hs_max));
    add("maximum sequence numbers".into(), maxseq);
    // Issue 15 item 6: empty epoch-0 handshake records (one at 1000, fifty at 0-49).
    let mut empty: Vec<Vec<u8>> = vec![rec(CT_HANDSHAKE, 0, 1000, vec![])];
    empty.extend((0..50).map(|s| rec(CT_HANDSHAKE, 0, s, vec![])));
    add("empty handshake records".into(), empty);
    // Garbage: short, header-only, lying lengths, wrong versions, unknown types, random.
    let mut g: Vec<Vec<u8>> = vec![vec![], vec![0x16], vec![0x16; 12]];
    for ct in [0u8, 19, CT_CCS, CT_ALERT, CT_HANDSHAKE, CT_APP, 24, 255] {
        g.push(rec(ct, 0, 40, vec![]));
        let mut r = Vec::new();
        Record::new(ct, 0, 41, vec![1, 2, 3, 4, 5]).encode_with_len(&mut r, 0xffff);
        g.push(r);
    }
    for version in [0x0303u16, 0xfeff, 0x0000, 0xffff] {
        let mut r = Record::new(CT_ALERT, 0, 42, vec![2, 40]);
        r.version = version;
        g.push(r.to_bytes());
    }
    let mut two = rec(CT_ALERT, 0, 43, vec![2, 40]);
    two.extend_from_slice(&rec(CT_ALERT, 0, 44, vec![2, 40])[..9]);
    g.push(two);
    let mut rng = StdRng::seed_from_u64(0x0ff_9a7);
    for len in [13usize, 25, 100, 1500] {
        g.push((0..len).map(|_| rng.gen()).collect());
    }
    add("garbage".into(), g);
    v
}
