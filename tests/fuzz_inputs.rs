//! Property tests: random and mutated datagrams (bit flips, byte overwrites, truncations,
//! splices and concatenations of real captured datagrams) fed to a client and a server in
//! every handshake state. Each case first drives a real handshake to the state under test,
//! so the mutations start from that connection's own traffic (plus a second handshake's).
//!
//! Properties: nothing panics; an `Err` is sticky (`error()` reports it); counters stay
//! within what the input could justify; no application data appears that was not sent by
//! the peer; the connection never answers one datagram with a burst (no amplification); an
//! established connection is never killed by unauthenticated input and still carries data.
//! Cases are few and seeded (deterministic, well under 30 s in debug builds).

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use common::fixtures::Spec;
use common::link::{Dir, LinkConfig};
use common::{ours_pair, OursPair};
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, RngSeed};

/// Datagrams a connection may send in answer to one input datagram (a retransmitted
/// flight at the smallest MTU is well under this).
const MAX_ANSWER_DATAGRAMS: usize = 40;

/// Cases per state.
const CASES: u32 = 256;

/// How one fuzz datagram is made.
#[derive(Debug, Clone)]
enum Input {
    /// Uniformly random bytes.
    Random(Vec<u8>),
    /// A captured datagram with mutations applied in order.
    Mutated { base: usize, ops: Vec<Op> },
    /// Two captured datagrams glued: the head of one and the tail of the other.
    Splice {
        a: usize,
        b: usize,
        cut_a: usize,
        cut_b: usize,
    },
}

/// A mutation of a captured datagram (positions are reduced modulo its length).
#[derive(Debug, Clone)]
enum Op {
    FlipBit(usize, u8),
    SetByte(usize, u8),
    Truncate(usize),
    /// Overwrite a 16-bit field (lengths, epochs, message_seq) with a chosen value.
    SetU16(usize, u16),
    Append(Vec<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(p, b)| Op::FlipBit(p, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, v)| Op::SetByte(p, v)),
        any::<usize>().prop_map(Op::Truncate),
        (
            any::<usize>(),
            prop_oneof![
                Just(0u16),
                Just(1),
                Just(0xffff),
                Just(0x7fff),
                any::<u16>()
            ]
        )
            .prop_map(|(p, v)| Op::SetU16(p, v)),
        prop::collection::vec(any::<u8>(), 1..64).prop_map(Op::Append),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..600).prop_map(Input::Random),
        4 => (any::<usize>(), prop::collection::vec(op(), 1..4))
            .prop_map(|(base, ops)| Input::Mutated { base, ops }),
        1 => (any::<usize>(), any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(a, b, cut_a, cut_b)| Input::Splice { a, b, cut_a, cut_b }),
    ]
}

fn build(input: &Input, corpus: &[Vec<u8>]) -> Vec<u8> {
    let pick = |i: usize| corpus[i % corpus.len()].clone();
    match input {
        Input::Random(v) => v.clone(),
        Input::Splice { a, b, cut_a, cut_b } => {
            let a = pick(*a);
            let b = pick(*b);
            let mut out = a[..cut_a % (a.len() + 1)].to_vec();
            out.extend_from_slice(&b[cut_b % (b.len() + 1)..]);
            out
        }
        Input::Mutated { base, ops } => {
            let mut d = pick(*base);
            for op in ops {
                let n = d.len().max(1);
                match op {
                    Op::FlipBit(p, b) => {
                        if let Some(x) = d.get_mut(p % n) {
                            *x ^= 1 << b;
                        }
                    }
                    Op::SetByte(p, v) => {
                        if let Some(x) = d.get_mut(p % n) {
                            *x = *v;
                        }
                    }
                    Op::Truncate(p) => d.truncate(p % n),
                    Op::SetU16(p, v) => {
                        let at = p % n;
                        if at + 2 <= d.len() {
                            d[at..at + 2].copy_from_slice(&v.to_be_bytes());
                        }
                    }
                    Op::Append(v) => d.extend_from_slice(v),
                }
            }
            d
        }
    }
}

/// Datagrams of a second, independent handshake (both directions, with application data).
fn foreign_corpus() -> &'static Vec<Vec<u8>> {
    static C: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    C.get_or_init(|| {
        let mut spec = Spec::default_ecdsa();
        spec.mutual = true;
        let mut p = ours_pair(&spec, LinkConfig::PERFECT, 99);
        p.handshake(1_000, Duration::from_secs(60))
            .expect("corpus handshake");
        p.exchange(b"corpus data c->s", b"corpus data s->c")
            .expect("corpus data");
        p.log.iter().map(|s| s.bytes.clone()).collect()
    })
}

/// Which connection is fuzzed, and after how many flights.
#[derive(Debug, Clone, Copy)]
enum Target {
    /// Client awaiting HelloVerifyRequest (flight 1 delivered).
    ClientAwaitHvr,
    /// Client awaiting ServerHello..ServerHelloDone (flights 1-3 delivered).
    ClientAwaitFlight4,
    /// Client awaiting the server's CCS + Finished (flights 1-5 delivered).
    ClientAwaitFlight6,
    /// Client with the handshake complete and data exchanged.
    ClientEstablished,
    /// Fresh server.
    ServerAwaitClientHello,
    /// Server that sent HelloVerifyRequest.
    ServerAwaitCookie,
    /// Server awaiting the client's flight 5.
    ServerAwaitFlight5,
    /// Server with the handshake complete and data exchanged.
    ServerEstablished,
}

impl Target {
    fn is_client(self) -> bool {
        matches!(
            self,
            Target::ClientAwaitHvr
                | Target::ClientAwaitFlight4
                | Target::ClientAwaitFlight6
                | Target::ClientEstablished
        )
    }

    /// Flights delivered before fuzzing (flight n goes to the server when n is odd).
    fn flights(self) -> usize {
        match self {
            Target::ServerAwaitClientHello => 0,
            Target::ClientAwaitHvr => 1,
            Target::ServerAwaitCookie => 2,
            Target::ClientAwaitFlight4 => 3,
            Target::ServerAwaitFlight5 => 4,
            Target::ClientAwaitFlight6 => 5,
            Target::ClientEstablished | Target::ServerEstablished => 6,
        }
    }

    fn established(self) -> bool {
        self.flights() == 6
    }
}

/// A pair driven to `target`'s state; the target's pending output has been taken.
fn prepare(target: Target, mutual: bool) -> OursPair {
    let mut spec = Spec::default_ecdsa();
    spec.mutual = mutual;
    let mut p = ours_pair(&spec, LinkConfig::PERFECT, 5);
    for n in 1..=target.flights() {
        let dir = if n % 2 == 1 {
            Dir::ToServer
        } else {
            Dir::ToClient
        };
        let f = p.take(dir);
        assert!(!f.is_empty(), "flight {n} missing");
        p.deliver(dir, &f);
    }
    if target.established() {
        assert!(p.client.conn.is_established() && p.server.conn.is_established());
        p.exchange(b"genuine c->s", b"genuine s->c").expect("data");
    }
    // Whatever the target would send next is not part of the experiment.
    let out = if target.is_client() {
        Dir::ToServer
    } else {
        Dir::ToClient
    };
    p.take(out);
    p
}

fn check(target: Target, mutual: bool, inputs: &[Input]) -> Result<(), TestCaseError> {
    let mut p = prepare(target, mutual);
    let mut corpus: Vec<Vec<u8>> = p.log.iter().map(|s| s.bytes.clone()).collect();
    corpus.extend(foreign_corpus().iter().cloned());
    let (dir, answer_dir) = if target.is_client() {
        (Dir::ToClient, Dir::ToServer)
    } else {
        (Dir::ToServer, Dir::ToClient)
    };
    let mut fed_bytes = 0usize;
    let mut fed = 0usize;
    let mut prev = stats(&p, target);
    for input in inputs {
        let d = build(input, &corpus);
        fed_bytes += d.len();
        fed += 1;
        p.deliver(dir, &[d]);
        let answer = p.take(answer_dir);
        prop_assert!(
            answer.len() <= MAX_ANSWER_DATAGRAMS,
            "{} datagrams in answer to one input",
            answer.len()
        );
        let ep = if target.is_client() {
            &p.client
        } else {
            &p.server
        };
        if ep.error.is_some() {
            prop_assert!(
                ep.conn.error().is_some(),
                "an Err must be sticky in error()"
            );
        }
        let now = stats(&p, target);
        for (a, b) in prev.iter().zip(&now) {
            prop_assert!(b >= a, "a counter went backwards: {prev:?} -> {now:?}");
        }
        prev = now;
    }
    let ep = if target.is_client() {
        &mut p.client
    } else {
        &mut p.server
    };
    let s = ep.conn.stats();
    // Every counted record or fragment needs at least a 12-byte header of input.
    let bound = (fed_bytes / 12 + fed) as u64;
    prop_assert!(
        s.records_dropped <= bound + 64 && s.records_bad_auth <= bound,
        "counters exceed what {fed} datagrams / {fed_bytes} bytes justify: {s:?}"
    );
    ep.pump();
    let received = std::mem::take(&mut ep.received);
    prop_assert!(
        received.is_empty(),
        "unauthenticated input produced application data: {received:?}"
    );
    if target.established() {
        prop_assert!(
            ep.error.is_none(),
            "unauthenticated input killed an established connection: {:?}",
            ep.error
        );
        prop_assert!(ep.conn.is_established());
        let r = p.exchange(b"after fuzz c->s", b"after fuzz s->c");
        prop_assert!(r.is_ok(), "data after fuzzing: {r:?}");
    }
    Ok(())
}

fn stats(p: &OursPair, target: Target) -> [u64; 5] {
    let s = if target.is_client() {
        p.client.conn.stats()
    } else {
        p.server.conn.stats()
    };
    [
        s.records_received,
        s.records_dropped,
        s.records_replayed,
        s.records_bad_auth,
        s.retransmits,
    ]
}

fn config(seed: u64) -> PropConfig {
    PropConfig {
        cases: CASES,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        max_shrink_iters: 256,
        ..PropConfig::default()
    }
}

macro_rules! fuzz_state {
    ($name:ident, $target:expr, $mutual:expr, $seed:expr) => {
        proptest! {
            #![proptest_config(config($seed))]
            #[test]
            fn $name(inputs in prop::collection::vec(input(), 1..10)) {
                check($target, $mutual, &inputs)?;
            }
        }
    };
}

fuzz_state!(client_await_hvr_seed_1, Target::ClientAwaitHvr, false, 1);
fuzz_state!(
    client_await_flight4_seed_2,
    Target::ClientAwaitFlight4,
    false,
    2
);
fuzz_state!(
    client_await_flight4_mutual_seed_3,
    Target::ClientAwaitFlight4,
    true,
    3
);
fuzz_state!(
    client_await_flight6_seed_4,
    Target::ClientAwaitFlight6,
    false,
    4
);
fuzz_state!(
    client_established_seed_5,
    Target::ClientEstablished,
    false,
    5
);
fuzz_state!(
    server_await_client_hello_seed_6,
    Target::ServerAwaitClientHello,
    false,
    6
);
fuzz_state!(
    server_await_cookie_seed_7,
    Target::ServerAwaitCookie,
    false,
    7
);
fuzz_state!(
    server_await_flight5_seed_8,
    Target::ServerAwaitFlight5,
    false,
    8
);
fuzz_state!(
    server_await_flight5_mutual_seed_9,
    Target::ServerAwaitFlight5,
    true,
    9
);
fuzz_state!(
    server_established_seed_10,
    Target::ServerEstablished,
    false,
    10
);
