//! Fuzz target bodies for the engine: `Connection::handle_datagram` as client and as server
//! in each handshake state, and the cookie listener.
//!
//! Shared by the libFuzzer binaries (`fuzz/fuzz_targets/`, nightly, `cargo fuzz`) and the
//! stable regression test `tests/fuzz_corpus.rs`, which replays `fuzz/corpus/<target>/` and
//! `fuzz/regressions/<target>/`. Needs rdtls's `fuzzing` feature: the target state is
//! reached once per process by a genuine handshake (seeded randoms and cookie secrets,
//! Ed25519 signatures, virtual time), replaying the recorded peer; every input then starts
//! from a copy of that connection (`rdtls::fuzzing::copy_connection`, DTLS 1.2 and 1.3
//! alike, which also copies the configuration's session cache and cookie keys, so nothing
//! carries over from one input to the next), so an input that crashes once crashes every
//! time. [`outcome`] can still replay the handshake for an input; the regression test
//! checks both paths agree.
//!
//! Input format (engine targets): a sequence of `[u16 big-endian length][bytes]` records,
//! each one datagram for the target connection; length `0xffff` means "the retransmission
//! timer fires" (time moves 2 s on, `handle_timeout`); a length longer than what is left
//! takes the rest. The seed corpus holds the genuine rest of the handshake in this form.
use std::cell::RefCell;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rdtls::cookie::{CookieHooks, CookieKeys, CookieListener, ListenOutcome};
use rdtls::fuzzing::{
    copy_connection, load_certificates, suite_by_name, NamedGroup, SignatureScheme, SigningKey,
    TrustStore,
};
use rdtls::{ClientOptions, Config, Connection, VerifyMode};

#[path = "states.rs"]
mod states;
pub use states::State;

/// The address our servers see the client at (cookies cover it).
pub const PEER_ADDR: &[u8] = b"192.0.2.1:4433";

/// Datagrams the target may answer one input datagram with (a retransmitted flight at the
/// configured MTU is far below this): more would be amplification.
const MAX_ANSWER_DATAGRAMS: usize = 64;

/// Receive buffer: larger than any record.
const RECV_BUF: usize = 1 << 14;

/// One step of the genuine exchange: who sends what.
#[derive(Clone, Copy)]
enum Step {
    /// Everything the client has ready goes to the server.
    ClientFlight,
    /// Everything the server has ready goes to the client.
    ServerFlight,
    /// The client sends one application record, then its output goes to the server.
    ClientData(&'static [u8]),
    /// The server sends one application record, then its output goes to the client.
    ServerData(&'static [u8]),
    /// The client closes (close_notify), its output goes to the server.
    ClientClose,
    /// The server closes, its output goes to the client.
    ServerClose,
}

/// The genuine exchange: flights 1-6 (RFC 6347 §4.2.4, with cookie exchange), data both
/// ways, more data and close_notify both ways.
const TRACE: [Step; 12] = [
    Step::ClientFlight,
    Step::ServerFlight,
    Step::ClientFlight,
    Step::ServerFlight,
    Step::ClientFlight,
    Step::ServerFlight,
    Step::ClientData(b"client ping"),
    Step::ServerData(b"server pong"),
    Step::ClientData(b"client data after the handshake"),
    Step::ServerData(b"server data after the handshake"),
    Step::ServerClose,
    Step::ClientClose,
];

/// Certificates and keys, parsed once per process.
struct Fixtures {
    server_chain: Vec<Vec<u8>>,
    server_key: Arc<SigningKey>,
    client_chain: Vec<Vec<u8>>,
    client_key: Arc<SigningKey>,
    trust: Arc<TrustStore>,
}

fn fixtures() -> &'static Fixtures {
    static F: OnceLock<Fixtures> = OnceLock::new();
    F.get_or_init(|| {
        let chain = |pem: &[u8]| load_certificates(pem).expect("fixture chain");
        let key = |pem: &[u8]| Arc::new(SigningKey::from_pem(pem).expect("fixture key"));
        let mut trust = TrustStore::new();
        trust
            .add_pem(include_bytes!("../../tests/certs/ca-ecdsa.pem"))
            .expect("fixture CA");
        Fixtures {
            server_chain: chain(include_bytes!("../../tests/certs/server-ed25519.pem")),
            server_key: key(include_bytes!("../../tests/certs/server-ed25519.key")),
            client_chain: chain(include_bytes!("../certs/client-ed25519.pem")),
            client_key: key(include_bytes!("../certs/client-ed25519.key")),
            trust: Arc::new(trust),
        }
    })
}

/// Fixed cookie secrets, shared by the server config and the listener target.
fn cookie_keys() -> Arc<CookieKeys> {
    Arc::new(CookieKeys::with_seed(0x0c00_c1e5))
}

/// Configs built fresh for every run (so no session cache carries state between runs):
/// ECDHE-ECDSA-AES128-GCM-SHA256 and CHACHA20, X25519 and P-256, mutual authentication
/// with Ed25519 certificates: Ed25519 signatures are deterministic (RFC 8032 §5.1.6) where
/// ECDSA's are not, so a re-run reproduces the recorded transcript and its Finished.
fn configs(dtls13: bool) -> (Arc<Config>, Arc<Config>) {
    let f = fixtures();
    let suites = [
        suite_by_name("ECDHE-ECDSA-AES128-GCM-SHA256").expect("suite"),
        suite_by_name("ECDHE-ECDSA-CHACHA20-POLY1305").expect("suite"),
    ];
    let groups = [NamedGroup::X25519, NamedGroup::SECP256R1];
    let base = || {
        Config::builder()
            .cipher_suites(&suites)
            .groups(&groups)
            .signature_schemes(&[SignatureScheme::ED25519])
            .trust_store(f.trust.clone())
            .cookie_exchange(true)
            .session_id_context(b"rdtls-fuzz")
            .mtu(1400)
    };
    // DTLS 1.3 targets: both ends offer 1.3 and 1.2 (RFC 9147 §5.3 supported_versions).
    let versions = |b: rdtls::ConfigBuilder| {
        if dtls13 {
            b.versions(rdtls::DTLS1_2_VERSION, rdtls::DTLS1_3_VERSION)
                .expect("version range")
        } else {
            b
        }
    };
    let base = || versions(base());
    let client = base()
        .identity(f.client_chain.clone(), f.client_key.clone())
        .verify_mode(VerifyMode::Peer)
        .rng_seed(1)
        .dangerous()
        .disable_hostname_verification()
        .build()
        .expect("client config");
    let server = base()
        .identity(f.server_chain.clone(), f.server_key.clone())
        .verify_mode(VerifyMode::RequirePeerCertificate)
        .cookie_keys(cookie_keys())
        .rng_seed(2)
        .build()
        .expect("server config");
    (client, server)
}

/// Both ends of one genuine handshake, on virtual time.
struct Pair {
    client: Connection,
    server: Connection,
    now: Instant,
    buf: Vec<u8>,
    rbuf: Vec<u8>,
}

impl Pair {
    fn new(dtls13: bool) -> Pair {
        let (ccfg, scfg) = configs(dtls13);
        let start = Instant::now();
        let client =
            Connection::client(ccfg, start, ClientOptions::default()).expect("client connection");
        let server = Connection::server(scfg, start, PEER_ADDR);
        Pair {
            client,
            server,
            now: start,
            buf: Vec::new(),
            rbuf: vec![0; RECV_BUF],
        }
    }

    /// Performs `step`; returns the datagrams it carried and whether they went to the client.
    fn step(&mut self, step: Step) -> (bool, Vec<Vec<u8>>) {
        self.now += Duration::from_millis(10);
        let (from_client, data) = match step {
            Step::ClientFlight => (true, None),
            Step::ServerFlight => (false, None),
            Step::ClientData(d) => (true, Some(d)),
            Step::ServerData(d) => (false, Some(d)),
            Step::ClientClose => {
                self.client.close();
                (true, None)
            }
            Step::ServerClose => {
                self.server.close();
                (false, None)
            }
        };
        let (src, dst) = if from_client {
            (&mut self.client, &mut self.server)
        } else {
            (&mut self.server, &mut self.client)
        };
        if let Some(d) = data {
            src.send(d).expect("genuine send");
        }
        let mut out = Vec::new();
        self.buf.clear();
        while src.poll_transmit(self.now, &mut self.buf).is_some() {
            out.push(std::mem::take(&mut self.buf));
        }
        for d in &out {
            // The genuine exchange must not fail; if it does the harness is wrong.
            dst.handle_datagram(self.now, d).expect("genuine datagram");
        }
        drain(dst, &mut self.rbuf);
        drain(src, &mut self.rbuf);
        (!from_client, out)
    }
}

/// Takes every event and application record `c` has ready.
fn drain(c: &mut Connection, rbuf: &mut [u8]) {
    while c.poll_event().is_some() {}
    // Bounded: a broken engine must not hang the fuzzer.
    for _ in 0..1024 {
        if c.recv(rbuf).is_none() {
            break;
        }
    }
}

/// One decoded input operation.
enum Op<'a> {
    Datagram(&'a [u8]),
    Timer,
}

/// Splits `data` into operations (format in the module comment).
fn ops(mut data: &[u8]) -> Vec<Op<'_>> {
    let mut v = Vec::new();
    while !data.is_empty() {
        if data.len() < 2 {
            v.push(Op::Datagram(data));
            break;
        }
        let len = u16::from_be_bytes([data[0], data[1]]);
        data = &data[2..];
        if len == 0xffff {
            v.push(Op::Timer);
            continue;
        }
        let n = usize::from(len).min(data.len());
        v.push(Op::Datagram(&data[..n]));
        data = &data[n..];
    }
    v
}

/// Encodes datagrams in the input format (for seeds).
pub fn encode(datagrams: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for d in datagrams {
        let n = d.len().min(0xfffe);
        out.extend_from_slice(&(n as u16).to_be_bytes());
        out.extend_from_slice(&d[..n]);
    }
    out
}

/// The genuine exchange, recorded once per process: for each step of [`TRACE`], whether
/// its datagrams went to the client, and the datagrams.
fn recorded(dtls13: bool) -> &'static [(bool, Vec<Vec<u8>>)] {
    type Trace = Vec<(bool, Vec<Vec<u8>>)>;
    static T12: OnceLock<Trace> = OnceLock::new();
    static T13: OnceLock<Trace> = OnceLock::new();
    let record = || {
        let mut p = Pair::new(dtls13);
        // The harness must drive the version it names (a silent fallback to 1.2 would
        // leave the 1.3 targets fuzzing DTLS 1.2): checked once both ends are established.
        let want = if dtls13 {
            rdtls::DTLS1_3_VERSION
        } else {
            rdtls::DTLS1_2_VERSION
        };
        let mut checked = false;
        let trace = TRACE
            .iter()
            .map(|s| {
                let out = p.step(*s);
                if p.client.is_established() && p.server.is_established() {
                    assert_eq!(p.client.protocol_version(), Some(want), "client version");
                    assert_eq!(p.server.protocol_version(), Some(want), "server version");
                    checked = true;
                }
                out
            })
            .collect();
        assert!(checked, "the genuine exchange never established both ends");
        trace
    };
    if dtls13 {
        T13.get_or_init(record)
    } else {
        T12.get_or_init(record)
    }
}

/// The seed input for `state`: the genuine rest of the exchange toward the target.
pub fn seed(state: State) -> Vec<u8> {
    let rest: Vec<Vec<u8>> = recorded(state.is_dtls13())[state.steps()..]
        .iter()
        .filter(|(to_client, _)| *to_client == state.is_client())
        .flat_map(|(_, d)| d.iter().cloned())
        .collect();
    encode(&rest)
}

/// The genuine rest for `state` reshaped: every record its own datagram, in order, with
/// the timer firing after each, and reversed (so a flight arrives in parts, a partial ACK
/// is due, and encrypted records come before their keys).
pub fn seed_by_record(state: State) -> [Vec<u8>; 3] {
    let rest: Vec<Vec<u8>> = recorded(state.is_dtls13())[state.steps()..]
        .iter()
        .filter(|(to_client, _)| *to_client == state.is_client())
        .flat_map(|(_, d)| d.iter().flat_map(|d| records(d)))
        .collect();
    let reversed: Vec<Vec<u8>> = rest.iter().rev().cloned().collect();
    let mut timed = Vec::new();
    for r in &rest {
        timed.extend(encode(std::slice::from_ref(r)));
        timed.extend([0xff, 0xff]);
    }
    [encode(&rest), timed, encode(&reversed)]
}

/// The records of a datagram: DTLSPlaintext / DTLS 1.2 records (13-byte header) and DTLS
/// 1.3 unified headers (RFC 9147 §4; no CID in the harness), each with its header.
fn records(mut d: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !d.is_empty() {
        let n = if d[0] & 0xe0 == 0x20 {
            let seq = if d[0] & 0x08 != 0 { 2 } else { 1 };
            let head = 1 + seq;
            if d[0] & 0x04 == 0 || d.len() < head + 2 {
                d.len()
            } else {
                head + 2 + usize::from(u16::from_be_bytes([d[head], d[head + 1]]))
            }
        } else if d.len() >= 13 {
            13 + usize::from(u16::from_be_bytes([d[11], d[12]]))
        } else {
            d.len()
        };
        let n = n.min(d.len());
        out.push(d[..n].to_vec());
        d = &d[n..];
    }
    out
}

/// Everything the target in `state` received while it was driven there, as an input: fed
/// again, it must be recognised as old (replay windows, reassembly, ACK state).
pub fn history(state: State) -> Vec<u8> {
    let before: Vec<Vec<u8>> = recorded(state.is_dtls13())[..state.steps()]
        .iter()
        .filter(|(to_client, _)| *to_client == state.is_client())
        .flat_map(|(_, d)| d.iter().cloned())
        .collect();
    encode(&before)
}

/// A fresh target connection driven to `state` by replaying the recorded peer's
/// datagrams (the exchange is deterministic, so the peer need not run again).
fn prepare(state: State, now: &mut Instant, rbuf: &mut [u8]) -> Connection {
    let (ccfg, scfg) = configs(state.is_dtls13());
    let mut target = if state.is_client() {
        Connection::client(ccfg, *now, ClientOptions::default()).expect("client connection")
    } else {
        Connection::server(scfg, *now, PEER_ADDR)
    };
    let mut buf = Vec::new();
    let trace = recorded(state.is_dtls13());
    for (step, (to_client, dgrams)) in TRACE[..state.steps()].iter().zip(trace) {
        *now += Duration::from_millis(10);
        match (step, state.is_client()) {
            (Step::ClientData(d), true) | (Step::ServerData(d), false) => {
                target.send(d).expect("genuine send");
            }
            (Step::ClientClose, true) | (Step::ServerClose, false) => target.close(),
            _ => {}
        }
        buf.clear();
        while target.poll_transmit(*now, &mut buf).is_some() {
            buf.clear();
        }
        if *to_client == state.is_client() {
            for d in dgrams {
                target.handle_datagram(*now, d).expect("genuine datagram");
            }
        }
        drain(&mut target, rbuf);
    }
    target
}

/// The target connection in each state, prepared once per thread (the fuzzer's), with the
/// virtual time it was left at.
fn prepared_copy(state: State) -> (Connection, Instant) {
    thread_local! {
        static PREPARED: RefCell<Vec<(State, Connection, Instant)>> = const { RefCell::new(Vec::new()) };
    }
    PREPARED.with(|p| {
        let mut p = p.borrow_mut();
        if !p.iter().any(|(s, _, _)| *s == state) {
            let (c, now) = replayed(state);
            p.push((state, c, now));
        }
        let (_, c, now) = p.iter().find(|(s, _, _)| *s == state).expect("prepared");
        let copy = copy_connection(c).expect("the harness sets no hooks");
        (copy, *now)
    })
}

/// A connection in `state` whose handshake was replayed (for tests of the copy itself).
pub fn replayed_connection(state: State) -> Connection {
    replayed(state).0
}

/// A target connection in `state` whose handshake was replayed for this input, with
/// what it would send next taken (not part of the experiment).
fn replayed(state: State) -> (Connection, Instant) {
    let mut now = Instant::now();
    let mut rbuf = vec![0u8; RECV_BUF];
    let mut c = prepare(state, &mut now, &mut rbuf);
    let mut buf = Vec::new();
    while c.poll_transmit(now, &mut buf).is_some() {
        buf.clear();
    }
    (c, now)
}

/// Runs one input against a copy of the target connection in `state` (the fuzz targets'
/// body).
///
/// Panics (a finding) when the engine panics, when an `Err` is not sticky in `error()`,
/// when one datagram is answered with a burst, or when input kills an established
/// connection (only a genuine authenticated alert may, and the fuzzer cannot forge one).
/// Returns whether the target completed the handshake (the seeds' check).
pub fn run(state: State, data: &[u8]) -> bool {
    let (mut target, mut now) = prepared_copy(state);
    feed(state, &mut target, &mut now, data, None)
}

/// What one input did, for comparing the copy with a replayed handshake: whether it
/// completed, and everything the target sent, its state, statistics and events.
pub fn outcome(state: State, data: &[u8], replayed: bool) -> (bool, Vec<String>) {
    let mut log = Vec::new();
    let (mut target, mut now) = if replayed {
        self::replayed(state)
    } else {
        prepared_copy(state)
    };
    let completed = feed(state, &mut target, &mut now, data, Some(&mut log));
    (completed, log)
}

/// What the rest of an input does on a connection and on a copy of it taken midway, for
/// checking the copy in the states inputs reach (a partly received flight, a key update,
/// a fallback to DTLS 1.2...): `data` is split after its first `ops_before` operations;
/// the first part goes to a connection replayed to `state`, which is then copied.
/// Returns `None` when `data` has no more operations than that.
#[allow(clippy::type_complexity)]
pub fn outcome_copied_midway(
    state: State,
    data: &[u8],
    ops_before: usize,
) -> Option<((bool, Vec<String>), (bool, Vec<String>))> {
    let at = op_boundaries(data).get(ops_before).copied()?;
    let (first, rest) = data.split_at(at);
    let (mut original, mut now) = replayed(state);
    feed(state, &mut original, &mut now, first, None);
    let mut copy = copy_connection(&original).expect("the harness sets no hooks");
    let mut outcomes = [(&mut original, Vec::new()), (&mut copy, Vec::new())]
        .map(|(c, mut log)| (feed(state, c, &mut now.clone(), rest, Some(&mut log)), log));
    let copied = std::mem::take(&mut outcomes[1]);
    Some((std::mem::take(&mut outcomes[0]), copied))
}

/// The byte offsets where each operation of `data` starts (format in the module comment).
fn op_boundaries(data: &[u8]) -> Vec<usize> {
    let mut v = Vec::new();
    let mut at = 0;
    while at < data.len() {
        v.push(at);
        if data.len() - at < 2 {
            break;
        }
        let len = u16::from_be_bytes([data[at], data[at + 1]]);
        at += 2;
        if len != 0xffff {
            at += usize::from(len).min(data.len() - at);
        }
    }
    v
}

/// Feeds `data` to `target` (at virtual time `now`, moved on by the timer operations),
/// checking the invariants of [`run`]; with `log`, records what the target did.
fn feed(
    state: State,
    target: &mut Connection,
    now: &mut Instant,
    data: &[u8],
    mut log: Option<&mut Vec<String>>,
) -> bool {
    let mut rbuf = vec![0u8; RECV_BUF];
    let mut buf = Vec::new();
    for op in ops(data) {
        let (r, limit) = match op {
            Op::Datagram(d) => (target.handle_datagram(*now, d), MAX_ANSWER_DATAGRAMS),
            Op::Timer => {
                *now += Duration::from_secs(2);
                (target.handle_timeout(*now), usize::MAX)
            }
        };
        if r.is_err() {
            assert!(target.error().is_some(), "an Err must be sticky: {r:?}");
        }
        if state.established() && !target.close_received() {
            assert!(
                r.is_ok(),
                "input killed an established connection: {r:?} ({})",
                target.state_name()
            );
        }
        let mut answers = 0usize;
        buf.clear();
        while target.poll_transmit(*now, &mut buf).is_some() {
            answers += 1;
            assert!(answers <= limit, "one datagram answered with a burst");
            if let Some(log) = log.as_deref_mut() {
                log.push(format!("sent {buf:02x?}"));
            }
            buf.clear();
        }
        if let Some(log) = log.as_deref_mut() {
            log.push(format!(
                "{r:?} {} {:?} {:?}",
                target.state_name(),
                target.stats(),
                target.poll_timeout().map(|t| t - *now)
            ));
            while let Some(e) = target.poll_event() {
                log.push(format!("{e:?}"));
            }
            // Application data delivered (a record accepted twice shows here).
            for _ in 0..1024 {
                let Some(n) = target.recv(&mut rbuf) else {
                    break;
                };
                log.push(format!("recv {:02x?}", &rbuf[..n]));
            }
        }
        drain(target, &mut rbuf);
        let _ = target.poll_timeout();
    }
    // Whatever state the input left: the getters and the send path must hold up.
    let _ = (
        target.is_established(),
        target.state_name(),
        target.session(),
    );
    let _ = (target.peer_certificates().len(), target.randoms());
    let completed = target.is_established() || target.close_received();
    if target.is_established() {
        let _ = target.send(b"after fuzz");
        buf.clear();
        while target.poll_transmit(*now, &mut buf).is_some() {
            if let Some(log) = log.as_deref_mut() {
                log.push(format!("sent {buf:02x?}"));
            }
            buf.clear();
        }
    }
    completed
}

/// Cookie-listener target: `data` is one datagram to the listener. Bit 0 of the first
/// byte selects application cookie callbacks instead of the listener's own secrets. A
/// verified ClientHello is handed to a new server connection, as `DTLSv1_listen` does.
pub fn cookie_listener(data: &[u8]) {
    struct Hooks;
    impl CookieHooks for Hooks {
        fn generate(&mut self) -> Option<Vec<u8>> {
            Some(b"application cookie".to_vec())
        }
        fn verify(&mut self, cookie: &[u8]) -> bool {
            cookie == b"application cookie"
        }
    }
    let listener = CookieListener::new(cookie_keys());
    let now = Instant::now();
    let mut out = Vec::new();
    let mut hooks = Hooks;
    let hooks: Option<&mut dyn CookieHooks> = match data.first() {
        Some(b) if b & 1 == 1 => Some(&mut hooks),
        _ => None,
    };
    match listener.handle(now, PEER_ADDR, data, hooks, &mut out) {
        ListenOutcome::Drop => assert!(out.is_empty(), "a dropped datagram got an answer"),
        ListenOutcome::HelloVerifyRequest => {
            // RFC 6347 §4.2.1: the HelloVerifyRequest must not amplify.
            assert!(!out.is_empty() && out.len() <= data.len(), "HVR amplifies");
        }
        ListenOutcome::Verified => {
            let (_, scfg) = configs(false);
            let mut server = Connection::server(scfg, now, PEER_ADDR);
            let r = server.handle_datagram(now, data);
            if r.is_err() {
                assert!(server.error().is_some(), "an Err must be sticky");
            }
            let mut buf = Vec::new();
            while server.poll_transmit(now, &mut buf).is_some() {
                buf.clear();
            }
        }
        // ListenOutcome is #[non_exhaustive]; every outcome the listener has is above.
        other => panic!("unexpected listener outcome {other:?}"),
    }
}

/// Seeds for the listener: the genuine first ClientHello and the one with the cookie.
pub fn cookie_listener_seeds() -> Vec<Vec<u8>> {
    let mut p = Pair::new(false);
    let (_, ch1) = p.step(TRACE[0]);
    p.step(TRACE[1]);
    let (_, ch2) = p.step(TRACE[2]);
    ch1.into_iter().chain(ch2).collect()
}
