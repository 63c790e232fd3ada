//! A seeded, simulated datagram network between two endpoints, with virtual time.
//!
//! Modelled on quinn-proto's test `Pair`: [`Pair::step`] lets both endpoints react to whatever
//! is due (arrivals, expired timers), puts their output on the wire (where the link may lose,
//! duplicate, delay or reorder it, or drop it for exceeding the MTU), then advances time to
//! the next event. Time is virtual: an hour of retransmission timers takes microseconds.
//!
//! OpenSSL peers keep their own wall-clock retransmission timer, so a pair containing one runs
//! in *real-time mode*: virtual instants are real instants and advancing the clock sleeps.
//! Every datagram ever transmitted is logged (before loss), so tests can check sizes and
//! capture datagrams for replay.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Longest single sleep of a real-time pair.
pub const MAX_REAL_SLEEP: Duration = Duration::from_millis(500);

/// One side of a [`Pair`]: something that speaks DTLS over datagrams, with explicit time.
pub trait Endpoint {
    /// A datagram arrived.
    fn handle_datagram(&mut self, now: Instant, datagram: &[u8]);
    /// `now` has reached (or passed) the deadline from `poll_timeout`.
    fn handle_timeout(&mut self, now: Instant);
    /// The next datagram to put on the wire.
    fn poll_transmit(&mut self, now: Instant) -> Option<Vec<u8>>;
    /// When `handle_timeout` must next be called.
    fn poll_timeout(&self) -> Option<Instant>;
    /// True once the handshake completed.
    fn is_established(&self) -> bool;
    /// The fatal error that ended this endpoint, as text.
    fn failure(&self) -> Option<String>;
    /// Queues one application-data record.
    fn send_app(&mut self, now: Instant, data: &[u8]) -> Result<(), String>;
    /// Drains the application-data records received so far (one entry per record).
    fn take_received(&mut self) -> Vec<Vec<u8>>;
    /// The negotiated cipher suite, OpenSSL spelling.
    fn suite_name(&self) -> Option<String>;
    /// True when the handshake resumed a session.
    fn session_reused(&self) -> bool;
    /// The ECDHE group of the last full handshake (OpenSSL spelling: `X25519`, `P-256`).
    fn group_name(&self) -> Option<String>;
    /// True when this endpoint needs wall-clock time (OpenSSL).
    fn needs_real_time(&self) -> bool {
        false
    }
    /// Short description for failure messages.
    fn label(&self) -> String;
}

/// Which way a datagram travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Client to server.
    ToServer,
    /// Server to client.
    ToClient,
}

/// Impairments of the simulated link (both directions).
#[derive(Debug, Clone, Copy)]
pub struct LinkConfig {
    /// Probability that a datagram is lost.
    pub drop_rate: f64,
    /// Probability that a datagram is delivered twice.
    pub duplicate_rate: f64,
    /// Maximum random extra delay per datagram (reorders datagrams when non-zero).
    pub reorder: Duration,
    /// Fixed one-way delay.
    pub latency: Duration,
    /// Datagrams longer than this are dropped by the link.
    pub mtu: Option<usize>,
}

impl LinkConfig {
    /// A perfect link: no loss, no delay.
    pub const PERFECT: LinkConfig = LinkConfig {
        drop_rate: 0.0,
        duplicate_rate: 0.0,
        reorder: Duration::ZERO,
        latency: Duration::ZERO,
        mtu: None,
    };

    /// Loss `drop_rate`, 5% duplication, 1-31 ms delay (reordering).
    pub fn lossy(drop_rate: f64) -> LinkConfig {
        LinkConfig {
            drop_rate,
            duplicate_rate: 0.05,
            reorder: Duration::from_millis(30),
            latency: Duration::from_millis(1),
            mtu: None,
        }
    }
}

/// What the link did with a transmitted datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Scheduled for delivery (possibly twice).
    Delivered,
    /// Lost at random.
    Lost,
    /// Larger than the link MTU.
    TooBig,
    /// Removed by a tamper hook.
    Tampered,
    /// Taken off the endpoint by the test ([`Pair::take`]), not put on the wire.
    Taken,
}

/// A datagram as transmitted by an endpoint (before loss or tampering).
#[derive(Debug, Clone)]
pub struct Sent {
    /// Direction.
    pub dir: Dir,
    /// Time of transmission.
    pub at: Instant,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// What the link did with it.
    pub fate: Fate,
    /// How many copies the link will deliver (0 when lost, 2 when duplicated).
    pub copies: u8,
}

/// Rewrites datagrams in flight: returns the datagrams to deliver instead (empty = drop).
pub type Tamper = Box<dyn FnMut(Dir, Vec<u8>) -> Vec<Vec<u8>>>;

/// Two endpoints joined by a simulated link.
pub struct Pair<C: Endpoint, S: Endpoint> {
    /// The client side.
    pub client: C,
    /// The server side.
    pub server: S,
    /// Current (virtual or, in real-time mode, real) time.
    pub now: Instant,
    /// Link impairments; may be changed between steps.
    pub link: LinkConfig,
    /// Every datagram transmitted, in order.
    pub log: Vec<Sent>,
    /// Optional in-flight rewriting (adversarial tests).
    pub tamper: Option<Tamper>,
    /// Datagrams in flight to the server: (deliver_at, order, bytes).
    pub to_server: VecDeque<(Instant, u64, Vec<u8>)>,
    /// Datagrams in flight to the client.
    pub to_client: VecDeque<(Instant, u64, Vec<u8>)>,
    /// Steps taken so far.
    pub steps: usize,
    /// Total time slept in real-time mode.
    pub slept: Duration,
    rng: StdRng,
    order: u64,
    real_time: bool,
    start: Instant,
}

impl<C: Endpoint, S: Endpoint> Pair<C, S> {
    /// Joins `client` and `server` with `link`; `seed` drives every random link decision.
    /// The virtual clock starts at `now`, the instant the endpoints were created with:
    /// building them may take long (key generation in a debug build on a loaded machine),
    /// and a clock starting later would find their first retransmission timer already due.
    /// (There is no constructor reading the wall clock, so no test depends on it.)
    pub fn new_at(now: Instant, client: C, server: S, link: LinkConfig, seed: u64) -> Self {
        let real_time = client.needs_real_time() || server.needs_real_time();
        Self {
            client,
            server,
            now,
            link,
            log: Vec::new(),
            tamper: None,
            to_server: VecDeque::new(),
            to_client: VecDeque::new(),
            steps: 0,
            slept: Duration::ZERO,
            rng: StdRng::seed_from_u64(seed),
            order: 0,
            real_time,
            start: now,
        }
    }

    /// Virtual time elapsed since the pair was created.
    pub fn elapsed(&self) -> Duration {
        self.now - self.start
    }

    /// True when this pair sleeps to let wall-clock time pass.
    pub fn is_real_time(&self) -> bool {
        self.real_time
    }

    /// Puts every pending datagram of both endpoints on the wire.
    pub fn flush(&mut self) {
        while let Some(d) = self.client.poll_transmit(self.now) {
            self.put_on_wire(Dir::ToServer, d);
        }
        while let Some(d) = self.server.poll_transmit(self.now) {
            self.put_on_wire(Dir::ToClient, d);
        }
    }

    /// Schedules `datagram` for delivery at `now` with no impairment and no logging (used to
    /// inject crafted or replayed datagrams).
    pub fn inject(&mut self, dir: Dir, datagram: Vec<u8>) {
        let at = self.now;
        self.schedule(dir, at, datagram);
    }

    fn schedule(&mut self, dir: Dir, at: Instant, datagram: Vec<u8>) {
        self.order += 1;
        let q = match dir {
            Dir::ToServer => &mut self.to_server,
            Dir::ToClient => &mut self.to_client,
        };
        // Keep the queue sorted by (deliver_at, order): stable for equal times.
        let pos = q.iter().position(|(t, _, _)| *t > at).unwrap_or(q.len());
        q.insert(pos, (at, self.order, datagram));
    }

    fn delay(&mut self) -> Duration {
        let extra = if self.link.reorder.is_zero() {
            Duration::ZERO
        } else {
            let max = self.link.reorder.as_micros() as u64;
            Duration::from_micros(self.rng.gen_range(0..=max))
        };
        self.link.latency + extra
    }

    fn put_on_wire(&mut self, dir: Dir, datagram: Vec<u8>) {
        let at = self.now;
        let outputs = match self.tamper.as_mut() {
            Some(t) => t(dir, datagram.clone()),
            None => vec![datagram.clone()],
        };
        let tampered_away = outputs.is_empty();
        let mut fate = if tampered_away {
            Fate::Tampered
        } else {
            Fate::Delivered
        };
        let mut copies = 0u8;
        for d in outputs {
            if self.link.mtu.is_some_and(|m| d.len() > m) {
                fate = Fate::TooBig;
                continue;
            }
            // Draw every random number in a fixed order so a seed fixes the link's behaviour.
            let lost = self.rng.gen_bool(self.link.drop_rate.clamp(0.0, 1.0));
            let dup = self.rng.gen_bool(self.link.duplicate_rate.clamp(0.0, 1.0));
            let d1 = self.delay();
            let d2 = self.delay();
            if lost {
                fate = Fate::Lost;
                continue;
            }
            if dup {
                self.schedule(dir, at + d2, d.clone());
                copies = copies.saturating_add(1);
            }
            self.schedule(dir, at + d1, d);
            copies = copies.saturating_add(1);
        }
        self.log.push(Sent {
            dir,
            at,
            bytes: datagram,
            fate,
            copies,
        });
    }

    fn next_arrival(&self) -> Option<Instant> {
        let a = self.to_server.front().map(|x| x.0);
        let b = self.to_client.front().map(|x| x.0);
        match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The earliest of the next arrival and both endpoints' timers.
    pub fn next_event(&self) -> Option<Instant> {
        [
            self.next_arrival(),
            self.client.poll_timeout(),
            self.server.poll_timeout(),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// One round: both endpoints handle due timers and arrivals and transmit; then time
    /// advances to the next event. Returns false when nothing is left to happen.
    pub fn step(&mut self) -> bool {
        self.steps += 1;
        if self.real_time {
            self.now = self.now.max(Instant::now());
        }
        let now = self.now;
        if self.client.poll_timeout().is_some_and(|t| t <= now) {
            self.client.handle_timeout(now);
        }
        while self.to_client.front().is_some_and(|x| x.0 <= now) {
            let (_, _, d) = self.to_client.pop_front().expect("front checked");
            self.client.handle_datagram(now, &d);
        }
        while let Some(d) = self.client.poll_transmit(now) {
            self.put_on_wire(Dir::ToServer, d);
        }
        if self.server.poll_timeout().is_some_and(|t| t <= now) {
            self.server.handle_timeout(now);
        }
        while self.to_server.front().is_some_and(|x| x.0 <= now) {
            let (_, _, d) = self.to_server.pop_front().expect("front checked");
            self.server.handle_datagram(now, &d);
        }
        while let Some(d) = self.server.poll_transmit(now) {
            self.put_on_wire(Dir::ToClient, d);
        }
        match self.next_event() {
            None => false,
            Some(t) if t <= self.now => true,
            Some(t) => {
                // In real time, wake at least every MAX_REAL_SLEEP so budgets are checked.
                let t = if self.real_time {
                    t.min(self.now + MAX_REAL_SLEEP)
                } else {
                    t
                };
                self.advance_to(t);
                true
            }
        }
    }

    /// Moves the clock to `t` (sleeping in real-time mode).
    pub fn advance_to(&mut self, t: Instant) {
        if self.real_time {
            let real = Instant::now();
            if t > real {
                std::thread::sleep(t - real);
                self.slept += t - real;
            }
            self.now = self.now.max(t).max(Instant::now());
        } else if t > self.now {
            self.now = t;
        }
    }

    /// Steps until nothing is left to happen or `max_steps` were taken; returns steps taken.
    pub fn drive_bounded(&mut self, max_steps: usize) -> usize {
        for i in 0..max_steps {
            if !self.step() {
                return i + 1;
            }
        }
        max_steps
    }

    /// Steps until `done(self)` holds; fails (with a description of both sides) when either
    /// endpoint fails, the network goes idle first, or `max_steps` / `max_time` (measured
    /// from this call) run out.
    pub fn run_until(
        &mut self,
        max_steps: usize,
        max_time: Duration,
        mut done: impl FnMut(&mut Self) -> bool,
    ) -> Result<(), String> {
        let started = self.now;
        for _ in 0..max_steps {
            if done(self) {
                return Ok(());
            }
            if self.client.failure().is_some() || self.server.failure().is_some() {
                return Err(self.describe("an endpoint failed"));
            }
            if self.now - started > max_time {
                return Err(self.describe("time budget exhausted"));
            }
            if !self.step() {
                if done(self) {
                    return Ok(());
                }
                return Err(self.describe("network idle"));
            }
        }
        if done(self) {
            return Ok(());
        }
        Err(self.describe("step budget exhausted"))
    }

    /// Runs until both sides are established (see [`Pair::run_until`]).
    pub fn handshake(&mut self, max_steps: usize, max_time: Duration) -> Result<(), String> {
        self.run_until(max_steps, max_time, |p| {
            p.client.is_established() && p.server.is_established()
        })
    }

    /// A one-paragraph description of the pair's state, for failure messages.
    pub fn describe(&self, why: &str) -> String {
        let count = |dir: Dir| self.log.iter().filter(|s| s.dir == dir).count();
        format!(
            "{why} after {} steps, {:?} virtual ({:?} slept): client [{}] established={} \
             failure={:?}; server [{}] established={} failure={:?}; datagrams sent c->s {} \
             s->c {}, in flight c->s {} s->c {}",
            self.steps,
            self.elapsed(),
            self.slept,
            self.client.label(),
            self.client.is_established(),
            self.client.failure(),
            self.server.label(),
            self.server.is_established(),
            self.server.failure(),
            count(Dir::ToServer),
            count(Dir::ToClient),
            self.to_server.len(),
            self.to_client.len(),
        )
    }

    /// Sends `data` from one side; fails with the endpoint's error text.
    pub fn send(&mut self, from: Dir, data: &[u8]) -> Result<(), String> {
        let now = self.now;
        match from {
            Dir::ToServer => self.client.send_app(now, data),
            Dir::ToClient => self.server.send_app(now, data),
        }
    }

    /// Sends `data` both ways, runs until each side received it, and checks the bytes.
    pub fn exchange(&mut self, c2s: &[u8], s2c: &[u8]) -> Result<(), String> {
        self.send(Dir::ToServer, c2s)?;
        self.send(Dir::ToClient, s2c)?;
        let mut got_s: Vec<Vec<u8>> = Vec::new();
        let mut got_c: Vec<Vec<u8>> = Vec::new();
        self.run_until(200, Duration::from_secs(60), |p| {
            got_s.extend(p.server.take_received());
            got_c.extend(p.client.take_received());
            !got_s.is_empty() && !got_c.is_empty()
        })?;
        if got_s != [c2s.to_vec()] {
            return Err(format!("server received {got_s:?}, expected [{c2s:?}]"));
        }
        if got_c != [s2c.to_vec()] {
            return Err(format!("client received {got_c:?}, expected [{s2c:?}]"));
        }
        Ok(())
    }

    /// Takes every datagram the sending side of `dir` has ready, bypassing the link (logged
    /// with [`Fate::Taken`]); hand them on with [`Pair::deliver`], possibly edited.
    pub fn take(&mut self, dir: Dir) -> Vec<Vec<u8>> {
        let now = self.now;
        let mut out = Vec::new();
        loop {
            let d = match dir {
                Dir::ToServer => self.client.poll_transmit(now),
                Dir::ToClient => self.server.poll_transmit(now),
            };
            let Some(d) = d else { break };
            self.log.push(Sent {
                dir,
                at: now,
                bytes: d.clone(),
                fate: Fate::Taken,
                copies: 0,
            });
            out.push(d);
        }
        out
    }

    /// Hands `dgrams` straight to the receiving side of `dir`, now.
    pub fn deliver(&mut self, dir: Dir, dgrams: &[Vec<u8>]) {
        let now = self.now;
        for d in dgrams {
            match dir {
                Dir::ToServer => self.server.handle_datagram(now, d),
                Dir::ToClient => self.client.handle_datagram(now, d),
            }
        }
    }

    /// Every datagram logged in direction `dir`, as byte slices.
    pub fn bytes(&self, dir: Dir) -> Vec<&[u8]> {
        self.log
            .iter()
            .filter(|s| s.dir == dir)
            .map(|s| &s.bytes[..])
            .collect()
    }

    /// Datagrams transmitted in direction `dir`, in order.
    pub fn sent(&self, dir: Dir) -> Vec<&Sent> {
        self.log.iter().filter(|s| s.dir == dir).collect()
    }
}
