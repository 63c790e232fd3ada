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
//! §7.4.9), so such a forgery can always break a handshake (see `rdtls::__internal::input_policy`).
//!
//! The driver delivers one record per datagram, one datagram at a time, so the victim is
//! observed in every intermediate state; the injection goes in the moment a side enters a
//! state. `OFFPATH_ROUNDS` (default 1) runs each injection with that many link seeds.

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use common::fixtures::Spec;
use common::link::{Dir, Endpoint};
use common::ours::{our_builder, Ours};
use common::spoof::injections;
use common::wire::*;
use rdtls::{ClientOptions, Config, Event};

/// Handshakes per injection (different link seeds) to meet every state.
const MAX_ATTEMPTS: u64 = 12;
/// Share of datagrams the link loses.
const LOSS: f64 = 0.10;
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

/// Every state a client passes through when resuming; a server's are the same but the first.
const RESUMED_STATES: [&str; 4] = [
    "SSLv3/TLS write client hello",
    "SSLv3/TLS read change cipher spec",
    "SSLv3/TLS read finished",
    "SSL negotiation finished successfully",
];

fn set(states: &[&'static str]) -> BTreeSet<&'static str> {
    states.iter().copied().collect()
}

/// One kind of handshake under attack: both configs, the client's options, the states
/// each role must be attacked in.
struct Setup {
    client: Arc<Config>,
    server: Arc<Config>,
    opts: ClientOptions,
    want: Coverage,
    /// Base of the link seeds.
    seed: u64,
}

impl Setup {
    /// A full handshake with client authentication and the cookie exchange.
    fn full() -> Self {
        let spec = Spec::new(
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            Spec::default_ecdsa().group,
            true,
        );
        let c = our_builder(&spec, false).message_events(true).build();
        let s = our_builder(&spec, true).message_events(true).build();
        Setup {
            client: c.expect("client config"),
            server: s.expect("server config"),
            opts: ClientOptions::default(),
            want: Coverage {
                client: set(&CLIENT_STATES),
                server: set(&SERVER_STATES),
            },
            seed: 0x5eed_0000,
        }
    }

    /// An abbreviated handshake resuming a session of [`Setup::full`]'s configs.
    fn resumed() -> Self {
        let full = Setup::full();
        let mut r = Run::new(7, &full);
        if r.handshake(|_, _, _| {}).is_err() {
            panic!("full handshake for the session failed");
        }
        let session = r.client.conn.session().expect("session");
        Setup {
            opts: ClientOptions {
                resume: Some(session),
                ..ClientOptions::default()
            },
            want: Coverage {
                client: set(&RESUMED_STATES),
                server: set(&RESUMED_STATES[1..])
                    .into_iter()
                    .chain(["before SSL initialization"])
                    .collect(),
            },
            seed: 0x7e5_0000,
            ..full
        }
    }
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
    /// followed by silence (see `rdtls::__internal::input_policy::VERDICT_EXPIRIES`). Reported
    /// separately, and a failure too.
    LinkSilenced(String),
}

impl Run {
    fn new(seed: u64, setup: &Setup) -> Self {
        let now = Instant::now();
        Self {
            client: Ours::client(setup.client.clone(), now, setup.opts.clone()),
            server: Ours::server(setup.server.clone(), now),
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
fn reference(setup: &Setup) -> (Vec<u8>, Vec<u8>) {
    let mut r = Run::new(1, setup);
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
    attack(&Setup::full());
}

#[test]
fn every_spoofed_record_in_every_state_of_a_resumed_handshake() {
    let setup = Setup::resumed();
    attack(&setup);
}

/// Runs every injection against `setup`'s handshake until it met every state of both
/// roles, and checks each handshake (see the module documentation).
fn attack(setup: &Setup) {
    let reference = reference(setup);
    let want = &setup.want;
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
                let seed = setup.seed + (round * 1000 + i as u64) * 16 + attempt;
                let what = format!("{} (seed {seed:#x})", inj.name);
                runs += 1;
                let mut run = Run::new(seed, setup);
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
                        assert_eq!(
                            run.client.conn.session_reused(),
                            setup.opts.resume.is_some(),
                            "{what}: resumption"
                        );
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
    // No tolerance: a forged verdict is obeyed only if the link loses the genuine flight and
    // the round trip of every probe (rdtls::__internal::input_policy); these seeds meet none (nor do
    // 7,600 handshakes with OFFPATH_ROUNDS=30).
    assert!(
        silenced.is_empty(),
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
