//! Tests of `reassembly.rs`: fragments in every order, overlaps, conflicts and bounds
//! (RFC 6347 §4.2.3), and seeded property tests (random fragments never panic and keep the
//! byte accounting; shuffled overlapping fragments reassemble).

use super::*;
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, RngSeed};

const T: HandshakeType = HandshakeType::CERTIFICATE;

fn hdr(seq: u16, length: u32, offset: u32, frag_len: u32) -> HandshakeHeader {
    HandshakeHeader {
        msg_type: T,
        length,
        message_seq: seq,
        fragment_offset: offset,
        fragment_length: frag_len,
    }
}

/// Adds `body[offset..offset+len]` of message `seq`.
fn add(r: &mut Reassembler, seq: u16, body: &[u8], offset: usize, len: usize) -> FragmentOutcome {
    let h = hdr(seq, body.len() as u32, offset as u32, len as u32);
    r.add_fragment(&h, &body[offset..offset + len])
}

fn body(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 3) as u8).collect()
}

#[test]
fn in_order_fragments() {
    let b = body(1000);
    let mut r = Reassembler::new();
    for off in (0..1000).step_by(100) {
        assert_eq!(r.pop_message(), None);
        assert_eq!(add(&mut r, 0, &b, off, 100), FragmentOutcome::Accepted);
    }
    assert_eq!(r.pop_message(), Some((T, 0, b)));
    assert_eq!(r.next_seq(), 1);
    assert_eq!(r.buffered_bytes(), 0);
}

#[test]
fn reverse_order_fragments() {
    let b = body(1001);
    let mut r = Reassembler::new();
    let mut off: usize = 1001;
    while off > 0 {
        let start = off.saturating_sub(13);
        assert_eq!(
            add(&mut r, 0, &b, start, off - start),
            FragmentOutcome::Accepted
        );
        off = start;
    }
    assert_eq!(r.pop_message(), Some((T, 0, b)));
}

#[test]
fn overlapping_fragments() {
    let b = body(100);
    let mut r = Reassembler::new();
    assert_eq!(add(&mut r, 0, &b, 0, 40), FragmentOutcome::Accepted);
    assert_eq!(add(&mut r, 0, &b, 30, 40), FragmentOutcome::Accepted);
    assert_eq!(add(&mut r, 0, &b, 5, 10), FragmentOutcome::Duplicate);
    assert_eq!(r.pop_message(), None);
    assert_eq!(add(&mut r, 0, &b, 60, 40), FragmentOutcome::Accepted);
    assert_eq!(r.pop_message(), Some((T, 0, b)));
}

#[test]
fn duplicate_fragments() {
    let b = body(50);
    let mut r = Reassembler::new();
    assert_eq!(add(&mut r, 0, &b, 0, 20), FragmentOutcome::Accepted);
    assert_eq!(add(&mut r, 0, &b, 0, 20), FragmentOutcome::Duplicate);
    assert_eq!(add(&mut r, 0, &b, 20, 30), FragmentOutcome::Accepted);
    // Complete but not yet popped: any further fragment is a duplicate.
    assert_eq!(add(&mut r, 0, &b, 0, 50), FragmentOutcome::Duplicate);
    assert_eq!(r.pop_message(), Some((T, 0, b.clone())));
    // Consumed: now old.
    assert_eq!(add(&mut r, 0, &b, 0, 50), FragmentOutcome::Old);
}

#[test]
fn fragment_past_length_rejected() {
    let mut r = Reassembler::new();
    let h = hdr(0, 10, 5, 6);
    assert_eq!(
        r.add_fragment(&h, &[0; 6]),
        FragmentOutcome::Rejected("fragment past message length")
    );
    // fragment_length disagreeing with the data is rejected first.
    assert!(matches!(
        r.add_fragment(&hdr(0, 10, 0, 4), &[0; 3]),
        FragmentOutcome::Rejected(_)
    ));
    assert_eq!(r.buffered_bytes(), 0);
}

#[test]
fn same_seq_different_length_rejected() {
    let mut r = Reassembler::new();
    assert_eq!(
        r.add_fragment(&hdr(0, 100, 0, 10), &[1; 10]),
        FragmentOutcome::Accepted
    );
    assert_eq!(
        r.add_fragment(&hdr(0, 200, 10, 10), &[1; 10]),
        FragmentOutcome::Conflict
    );
    let mut other_type = hdr(0, 100, 10, 10);
    other_type.msg_type = HandshakeType::FINISHED;
    assert_eq!(
        r.add_fragment(&other_type, &[1; 10]),
        FragmentOutcome::Conflict
    );
}

#[test]
fn huge_declared_length_rejected_without_allocation() {
    let mut r = Reassembler::new();
    let h = hdr(0, 16 * 1024 * 1024 - 1, 0, 4);
    assert!(matches!(
        r.add_fragment(&h, &[0; 4]),
        FragmentOutcome::Rejected(_)
    ));
    assert_eq!(r.buffered_bytes(), 0);
    let limit = MAX_HANDSHAKE_MESSAGE_LEN as u32;
    assert!(matches!(
        r.add_fragment(&hdr(0, limit + 1, 0, 1), &[0]),
        FragmentOutcome::Rejected(_)
    ));
    assert_eq!(
        r.add_fragment(&hdr(0, limit, 0, 1), &[0]),
        FragmentOutcome::Accepted
    );
}

#[test]
fn future_flood_stays_within_budget() {
    let mut r = Reassembler::new();
    let limit = MAX_HANDSHAKE_MESSAGE_LEN as u32;
    for seq in 0..1000u16 {
        let _ = r.add_fragment(&hdr(seq, limit, 1, 1), &[0]);
        assert!(r.buffered_bytes() <= MAX_BUFFERED_BYTES);
    }
    // Smaller messages fill every slot of the window, and no more.
    let mut r = Reassembler::new();
    let mut accepted = 0;
    for seq in 0..100u16 {
        if r.add_fragment(&hdr(seq, 100, 1, 1), &[0]) == FragmentOutcome::Accepted {
            accepted += 1;
        }
    }
    assert_eq!(accepted, MAX_FUTURE_MESSAGES);
    assert_eq!(
        r.add_fragment(&hdr(MAX_FUTURE_MESSAGES, 1, 0, 1), &[0]),
        FragmentOutcome::TooFarAhead
    );
}

#[test]
fn budget_boundary_is_exact() {
    // Whole-message fragments cost exactly their length, so two maximal messages fill
    // the budget to the byte and a third (even one byte) does not fit.
    let max = MAX_HANDSHAKE_MESSAGE_LEN;
    assert_eq!(2 * max, MAX_BUFFERED_BYTES);
    let big = vec![1u8; max];
    let mut r = Reassembler::new();
    assert_eq!(add(&mut r, 1, &big, 0, max), FragmentOutcome::Accepted);
    assert_eq!(add(&mut r, 2, &big, 0, max), FragmentOutcome::Accepted);
    assert_eq!(r.buffered_bytes(), MAX_BUFFERED_BYTES);
    assert_eq!(
        r.add_fragment(&hdr(0, 1, 0, 1), &[0]),
        FragmentOutcome::Rejected("reassembly buffer full")
    );
}

#[test]
fn zero_length_message_completes() {
    let mut r = Reassembler::new();
    let mut h = hdr(0, 0, 0, 0);
    h.msg_type = HandshakeType::SERVER_HELLO_DONE;
    assert_eq!(r.add_fragment(&h, &[]), FragmentOutcome::Accepted);
    assert_eq!(r.add_fragment(&h, &[]), FragmentOutcome::Duplicate);
    assert_eq!(
        r.pop_message(),
        Some((HandshakeType::SERVER_HELLO_DONE, 0, vec![]))
    );
}

#[test]
fn out_of_order_messages_pop_in_sequence() {
    let mut r = Reassembler::new();
    r.set_next_seq(1);
    assert_eq!(r.add_fragment(&hdr(0, 1, 0, 1), &[0]), FragmentOutcome::Old);
    assert_eq!(
        r.add_fragment(&hdr(3, 1, 0, 1), &[3]),
        FragmentOutcome::Accepted
    );
    assert_eq!(
        r.add_fragment(&hdr(2, 1, 0, 1), &[2]),
        FragmentOutcome::Accepted
    );
    assert_eq!(r.pop_message(), None);
    assert_eq!(
        r.add_fragment(&hdr(1, 1, 0, 1), &[1]),
        FragmentOutcome::Accepted
    );
    for s in 1..=3u16 {
        assert_eq!(r.pop_message(), Some((T, s, vec![s as u8])));
    }
    assert_eq!(r.pop_message(), None);
    assert_eq!(r.buffered_bytes(), 0);
}

#[test]
fn set_next_seq_and_clear_drop_buffers() {
    let mut r = Reassembler::new();
    assert_eq!(
        r.add_fragment(&hdr(0, 10, 0, 5), &[0; 5]),
        FragmentOutcome::Accepted
    );
    assert_eq!(
        r.add_fragment(&hdr(2, 10, 0, 5), &[0; 5]),
        FragmentOutcome::Accepted
    );
    r.set_next_seq(1);
    assert_eq!(r.buffered_bytes(), 10 + 2);
    r.clear();
    assert_eq!(r.buffered_bytes(), 0);
    assert_eq!(r.next_seq(), 1);
}

#[test]
fn bitmap_freed_on_completion() {
    let b = body(80);
    let mut r = Reassembler::new();
    add(&mut r, 0, &b, 0, 40);
    assert_eq!(r.buffered_bytes(), 80 + 10);
    add(&mut r, 0, &b, 40, 40);
    assert_eq!(r.buffered_bytes(), 80);
}

#[test]
fn sequence_space_exhaustion_does_not_wrap() {
    let mut r = Reassembler::new();
    r.set_next_seq(u16::MAX);
    assert_eq!(
        r.add_fragment(&hdr(u16::MAX, 1, 0, 1), &[9]),
        FragmentOutcome::Accepted
    );
    assert!(r.pop_message().is_some());
    assert_eq!(r.next_seq(), u16::MAX);
    assert_eq!(r.add_fragment(&hdr(0, 1, 0, 1), &[9]), FragmentOutcome::Old);
    assert_eq!(
        r.add_fragment(&hdr(u16::MAX, 1, 0, 1), &[9]),
        FragmentOutcome::Old
    );
}

proptest! {
    // Seeded and without regression files: deterministic, and writes nothing to the tree.
    #![proptest_config(ProptestConfig {
        cases: 512,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(0x6474_6c73),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]
    #[test]
    fn random_fragments_never_panic(
        frags in proptest::collection::vec(
            (0u16..12, 0u32..(1 << 24), 0u32..(1 << 24), 0usize..300, any::<bool>(), 0u8..3),
            0..60,
        )
    ) {
        let mut r = Reassembler::new();
        for (seq, length, offset, flen, honest, typ) in frags {
            // Half the time make the header consistent with a small message.
            let (length, offset) = if honest {
                let length = length % 600;
                (length, offset % (length + 1))
            } else {
                (length, offset)
            };
            let flen = if honest { flen.min((length - offset) as usize) } else { flen };
            let mut h = hdr(seq, length, offset, flen as u32);
            h.msg_type = HandshakeType(typ);
            let _ = r.add_fragment(&h, &vec![0xab; flen]);
            prop_assert!(r.buffered_bytes() <= MAX_BUFFERED_BYTES);
            while let Some((_, s, body)) = r.pop_message() {
                prop_assert_eq!(s.wrapping_add(1), r.next_seq());
                prop_assert!(body.len() <= MAX_HANDSHAKE_MESSAGE_LEN);
            }
            prop_assert_eq!(r.buffered_bytes(), r.messages.iter().map(Incoming::cost).sum::<usize>());
        }
    }

    #[test]
    fn shuffled_overlapping_fragments_reassemble(
        bodies in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..400), 1..6),
        sizes in proptest::collection::vec(1usize..120, 6),
        extra in proptest::collection::vec((0usize..6, 0usize..400, 0usize..200), 0..20),
        order_seed in any::<u64>(),
    ) {
        let mut frags: Vec<(u16, usize, usize)> = Vec::new();
        for (i, b) in bodies.iter().enumerate() {
            let step = sizes[i];
            let mut off = 0;
            loop {
                let len = (b.len() - off).min(step);
                frags.push((i as u16, off, len));
                off += len;
                if off >= b.len() {
                    break;
                }
            }
        }
        // Overlapping and duplicate fragments at arbitrary places.
        for (i, start, len) in extra {
            if let Some(b) = bodies.get(i) {
                let start = start.min(b.len());
                frags.push((i as u16, start, len.min(b.len() - start)));
            }
        }
        // Deterministic shuffle from the generated seed (Fisher-Yates with an LCG).
        let mut x = order_seed | 1;
        for k in (1..frags.len()).rev() {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            frags.swap(k, (x >> 33) as usize % (k + 1));
        }
        let mut r = Reassembler::new();
        let mut out = Vec::new();
        for (seq, off, len) in frags {
            let outcome = add(&mut r, seq, &bodies[usize::from(seq)], off, len);
            prop_assert!(matches!(outcome, FragmentOutcome::Accepted | FragmentOutcome::Duplicate | FragmentOutcome::Old));
            while let Some((_, s, body)) = r.pop_message() {
                out.push((s, body));
            }
        }
        prop_assert_eq!(out.len(), bodies.len());
        for (s, body) in out {
            prop_assert_eq!(&body, &bodies[usize::from(s)]);
        }
        prop_assert_eq!(r.buffered_bytes(), 0);
    }
}
