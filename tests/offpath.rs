//! The off-path attacker suite (issue 9 item 5): for every handshake state of both roles,
//! inject each kind of spoofed, unauthenticated record — alerts of every level and
//! description, ChangeCipherSpec variants, handshake fragments with every field at its
//! extremes, application data, records of past and future epochs, maximum sequence numbers,
//! garbage — and check that the genuine handshake still completes over a link that loses 10%
//! of datagrams, with both sides agreeing on exactly the messages the genuine peer sent.
//!
//! An off-path attacker cannot see the handshake, so everything injected here is blind: only
//! well-known values (small sequence numbers, epoch 0, the DTLS 1.2 version) and extremes.
//! A well-formed forged message at the exact `message_seq` the victim expects next is out of
//! scope: DTLS 1.2 authenticates the handshake only at Finished (RFC 6347 §4.2.4, RFC 5246
//! §7.4.9), so such a forgery can always break a handshake (see `rdtls::input_policy`).
//!
//! The driver delivers one record per datagram, one datagram at a time, so the victim is
//! observed in every intermediate state; the injection goes in the moment a side enters a
//! state. `OFFPATH_ROUNDS` (default 1) runs each injection with that many link seeds.

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use common::fixtures::Spec;
use common::link::{Dir, Endpoint};
use common::ours::{our_builder, Ours};
use common::wire::*;
use rdtls::{ClientOptions, Event};

/// Handshakes per injection (different link seeds) to meet every state.
const MAX_ATTEMPTS: u64 = 12;
/// Share of datagrams the link loses.
const LOSS: f64 = 0.10;
/// 2^48 - 1, the largest record sequence number.
const MAX_SEQ: u64 = (1 << 48) - 1;
/// Every alert description of RFC 5246 §7.2, RFC 6066, RFC 7301, RFC 8446 §6.
const DESCRIPTIONS: [u8; 35] = [
    0, 10, 20, 21, 22, 30, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 60, 70, 71, 80, 86, 90,
    100, 109, 110, 111, 112, 113, 114, 115, 116, 120, 255,
];
/// Every handshake type of RFC 5246 / RFC 6347, plus unknown ones.
const MSG_TYPES: [u8; 15] = [0, 1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 20, 21, 22, 255];

/// Every state a client passes through in a full handshake with client authentication
/// (OpenSSL's state names, `Connection::state_name`).
const CLIENT_STATES: [&str; 8] = [
    "SSLv3/TLS write client hello",
    "SSLv3/TLS read server hello",
    "SSLv3/TLS read server certificate",
    "SSLv3/TLS read server key exchange",
    "SSLv3/TLS read server certificate request",
    "SSLv3/TLS read change cipher spec",
    "SSLv3/TLS read finished",
    "SSL negotiation finished successfully",
];
/// Every state a server passes through in the same handshake.
const SERVER_STATES: [&str; 7] = [
    "before SSL initialization",
    "SSLv3/TLS write server done",
    "SSLv3/TLS read client certificate",
    "SSLv3/TLS read client key exchange",
    "SSLv3/TLS read change cipher spec",
    "SSLv3/TLS read finished",
    "SSL negotiation finished successfully",
];

fn set(states: &[&'static str]) -> BTreeSet<&'static str> {
    states.iter().copied().collect()
}

/// One kind of spoofed input: a name and the datagrams injected at every state.
struct Injection {
    name: String,
    datagrams: Vec<Vec<u8>>,
}

fn rec(ctype: u8, epoch: u16, seq: u64, body: Vec<u8>) -> Vec<u8> {
    Record::new(ctype, epoch, seq, body).to_bytes()
}

/// One handshake fragment with explicit (possibly lying) fields, in its own epoch-0 record.
fn frag(t: u8, len: u32, mseq: u16, off: u32, body: Vec<u8>, flen: Option<u32>) -> Vec<u8> {
    frag_at(0, 3, t, len, mseq, off, body, flen)
}

/// [`frag`] in a record of the given epoch and sequence number.
#[allow(clippy::too_many_arguments)]
fn frag_at(
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
fn injections() -> Vec<Injection> {
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

/// States in which an injection went in, per role.
#[derive(Default)]
struct Coverage {
    client: BTreeSet<&'static str>,
    server: BTreeSet<&'static str>,
}

/// A lossy link with virtual time that delivers one datagram at a time (one record per
/// datagram), so every intermediate handshake state can be observed.
struct Run {
    client: Ours,
    server: Ours,
    now: Instant,
    queue: VecDeque<(Instant, Dir, Vec<u8>)>,
    rng: StdRng,
    /// Per side (client, server): when the last injection and the last genuine datagram
    /// reached it.
    injected_at: [Option<Instant>; 2],
    genuine_at: [Option<Instant>; 2],
}

/// How a handshake under attack ended, if not established.
enum Outcome {
    /// An endpoint failed although the genuine peer reached it after the last injection.
    Failed(String),
    /// A side obeyed a remembered verdict after the link had lost every genuine datagram
    /// sent to it since the last injection: indistinguishable from a real rejection
    /// followed by silence (see `rdtls::input_policy::VERDICT_EXPIRIES`).
    LinkSilenced(String),
}

impl Run {
    fn new(seed: u64) -> Self {
        let spec = Spec::new(
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            Spec::default_ecdsa().group,
            true,
        );
        let c = our_builder(&spec, false).message_events(true).build();
        let s = our_builder(&spec, true).message_events(true).build();
        let now = Instant::now();
        Self {
            client: Ours::client(c.expect("client config"), now, ClientOptions::default()),
            server: Ours::server(s.expect("server config"), now),
            now,
            queue: VecDeque::new(),
            rng: StdRng::seed_from_u64(seed),
            injected_at: [None; 2],
            genuine_at: [None; 2],
        }
    }

    /// Puts everything both sides transmit on the link, one record per datagram, losing
    /// LOSS of them; the rest arrive in order, 1 ms later.
    fn flush(&mut self) {
        for dir in [Dir::ToServer, Dir::ToClient] {
            loop {
                let d = match dir {
                    Dir::ToServer => self.client.poll_transmit(self.now),
                    Dir::ToClient => self.server.poll_transmit(self.now),
                };
                let Some(d) = d else { break };
                for r in records(&d) {
                    if self.rng.gen_bool(LOSS) {
                        continue;
                    }
                    // In order (time only moves forward): loss alone decides the schedule.
                    let at = self.now + Duration::from_millis(1);
                    self.queue.push_back((at, dir, r.to_bytes()));
                }
            }
        }
    }

    /// Runs the handshake; `inject` is called whenever a side enters a new state.
    fn handshake(
        &mut self,
        mut inject: impl FnMut(&mut Ours, bool, Instant),
    ) -> Result<(), Outcome> {
        let mut last = (None, None);
        for _ in 0..20_000 {
            for client in [true, false] {
                let ep = if client {
                    &mut self.client
                } else {
                    &mut self.server
                };
                let state = Some(ep.conn.state_name());
                let seen = if client { &mut last.0 } else { &mut last.1 };
                if *seen != state {
                    if std::env::var("OFFPATH_TRACE").is_ok() {
                        eprintln!(
                            "  {} -> {:?}",
                            if client { "client" } else { "server" },
                            state
                        );
                    }
                    *seen = state;
                    inject(ep, client, self.now);
                    self.injected_at[usize::from(!client)] = Some(self.now);
                }
            }
            self.flush();
            for (i, ep) in [&self.client, &self.server].into_iter().enumerate() {
                if let Some(e) = ep.failure() {
                    // Only an obeyed verdict can be explained by the link; a timeout cannot.
                    let verdict = !matches!(ep.error, Some(rdtls::Error::HandshakeTimeout));
                    let silenced = verdict
                        && match (self.injected_at[i], self.genuine_at[i]) {
                            (Some(inj), Some(gen)) => gen < inj,
                            (Some(_), None) => true,
                            (None, _) => false,
                        };
                    let e = format!("{} failed: {e}", ep.label());
                    return Err(if silenced {
                        Outcome::LinkSilenced(e)
                    } else {
                        Outcome::Failed(e)
                    });
                }
            }
            if self.client.is_established() && self.server.is_established() {
                return Ok(());
            }
            let next = [
                self.queue.front().map(|q| q.0),
                self.client.poll_timeout(),
                self.server.poll_timeout(),
            ]
            .into_iter()
            .flatten()
            .min()
            .ok_or_else(|| Outcome::Failed("network idle".into()))?;
            self.now = self.now.max(next);
            let now = self.now;
            if self.client.poll_timeout().is_some_and(|t| t <= now) {
                self.client.handle_timeout(now);
            } else if self.server.poll_timeout().is_some_and(|t| t <= now) {
                self.server.handle_timeout(now);
            } else if let Some((_, dir, d)) = self.queue.pop_front() {
                if std::env::var("OFFPATH_TRACE").is_ok() {
                    eprintln!("  deliver {dir:?} {:?}", &d[..d.len().min(16)]);
                }
                self.genuine_at[usize::from(dir == Dir::ToServer)] = Some(now);
                match dir {
                    Dir::ToServer => self.server.handle_datagram(now, &d),
                    Dir::ToClient => self.client.handle_datagram(now, &d),
                }
            }
        }
        Err(Outcome::Failed("step budget exhausted".into()))
    }
}

/// The handshake messages `ep` sent or received, in order, each once.
fn messages(ep: &Ours, sent: bool) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for e in &ep.events {
        if let Event::HandshakeMessage { sent: s, bytes, .. } = e {
            if *s == sent && !out.contains(bytes) {
                out.push(bytes.clone());
            }
        }
    }
    out
}

/// Message types of a list of whole DTLS handshake messages.
fn types(msgs: &[Vec<u8>]) -> Vec<u8> {
    msgs.iter().map(|m| m[0]).collect()
}

/// The genuine handshake completed with one transcript: each side processed exactly the
/// messages the other sent, and the Finished messages agree.
fn check_transcript(r: &Run, what: &str) {
    for (rx, tx, who) in [
        (&r.client, &r.server, "client"),
        (&r.server, &r.client, "server"),
    ] {
        // The server's HelloVerifyRequest is stateless (no message event); the reference
        // comparison below covers it.
        let mut got = messages(rx, false);
        got.retain(|m| m[0] != HT_HELLO_VERIFY_REQUEST);
        let sent = messages(tx, true);
        assert!(
            sent.ends_with(&got) || got == sent,
            "{what}: the {who} processed {:?}, the peer sent {:?}",
            types(&got),
            types(&sent)
        );
    }
    let (c_local, c_peer) = r.client.conn.finished();
    let (s_local, s_peer) = r.server.conn.finished();
    assert!(!c_local.is_empty(), "{what}: Finished recorded");
    assert_eq!(c_local, s_peer, "{what}: client Finished");
    assert_eq!(s_local, c_peer, "{what}: server Finished");
}

fn rounds() -> u64 {
    std::env::var("OFFPATH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1)
}

/// The reference transcript (message types each side processed) without injections.
fn reference() -> (Vec<u8>, Vec<u8>) {
    let mut r = Run::new(1);
    if r.handshake(|_, _, _| {}).is_err() {
        panic!("reference handshake failed");
    }
    (
        types(&messages(&r.client, false)),
        types(&messages(&r.server, false)),
    )
}

#[test]
fn every_spoofed_record_in_every_state_of_both_roles() {
    let reference = reference();
    let want = Coverage {
        client: set(&CLIENT_STATES),
        server: set(&SERVER_STATES),
    };
    let mut failures = Vec::new();
    let mut silenced = Vec::new();
    let mut runs = 0u64;
    let injections = injections();
    for round in 0..rounds() {
        for (i, inj) in injections.iter().enumerate() {
            if std::env::var("OFFPATH_ONLY").is_ok_and(|o| !inj.name.contains(&o)) {
                continue;
            }
            // Loss and reordering can make a side skip a state (a flight processed at
            // once); further seeds run until this injection has met every state.
            let mut cov = Coverage::default();
            for attempt in 0..MAX_ATTEMPTS {
                if cov.client.is_superset(&want.client) && cov.server.is_superset(&want.server) {
                    break;
                }
                let seed = 0x5eed_0000 + (round * 1000 + i as u64) * 16 + attempt;
                let what = format!("{} (seed {seed:#x})", inj.name);
                runs += 1;
                let mut run = Run::new(seed);
                let mut seen = Coverage::default();
                let res = run.handshake(|ep, client, now| {
                    let state = ep.conn.state_name();
                    if client {
                        seen.client.insert(state);
                    } else {
                        seen.server.insert(state);
                    }
                    for d in &inj.datagrams {
                        ep.handle_datagram(now, d);
                    }
                });
                match res {
                    Err(Outcome::LinkSilenced(e)) => {
                        if std::env::var("OFFPATH_DEBUG").is_ok() {
                            eprintln!(
                                "silenced: {what}: {e}: client {:?} server {:?} {:?}",
                                run.client.conn.stats(),
                                run.server.conn.stats(),
                                run.server.events
                            );
                        }
                        silenced.push(format!("{what}: {e}"))
                    }
                    Err(Outcome::Failed(e)) => failures.push(format!(
                        "{what}: {e}; client {} {:?}; server {} {:?}",
                        run.client.conn.state_name(),
                        run.client.conn.stats(),
                        run.server.conn.state_name(),
                        run.server.conn.stats()
                    )),
                    Ok(()) => {
                        check_transcript(&run, &what);
                        let got = (
                            types(&messages(&run.client, false)),
                            types(&messages(&run.server, false)),
                        );
                        assert_eq!(
                            got, reference,
                            "{what}: same messages as without injections"
                        );
                        if std::env::var("OFFPATH_DEBUG").is_ok() {
                            eprintln!("{what}: {:?} {:?}", seen.client, seen.server);
                        }
                        cov.client.extend(seen.client);
                        cov.server.extend(seen.server);
                    }
                }
            }
            if !(cov.client.is_superset(&want.client) && cov.server.is_superset(&want.server)) {
                failures.push(format!(
                    "{}: states not reached in {MAX_ATTEMPTS} handshakes: client {:?}, server {:?}",
                    inj.name,
                    want.client.difference(&cov.client).collect::<Vec<_>>(),
                    want.server.difference(&cov.server).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {runs} handshakes failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // A few seeds lose every genuine datagram to a victim for two timer periods right after
    // an injection (e.g. the HelloVerifyRequest and the retransmitted ClientHello): then a
    // forged alert is indistinguishable from a real rejection followed by silence, and is
    // obeyed; that is the price of failing a real rejection in bounded time. Each such
    // failure was checked to be explained by the link; they must stay rare (about 3%:
    // a verdict met in the first flight needs the HelloVerifyRequest and then one of the
    // retransmitted ClientHello or its answer lost, 0.1 x 0.19).
    assert!(
        silenced.len() as u64 * 20 <= runs,
        "{} of {runs} handshakes failed after the link silenced the peer:\n{}",
        silenced.len(),
        silenced.join("\n")
    );
    println!(
        "{} injections x {} rounds: {runs} handshakes, {} failed on a verdict after the link \
         silenced the peer",
        injections.len(),
        rounds(),
        silenced.len()
    );
}
