//! A multi-threaded DTLS echo server over UDP (issue 12 items 4 and 5): one socket per
//! worker thread on the same port (`SO_REUSEPORT`: the kernel spreads peers over the
//! sockets by their address, so a peer always reaches the same worker), each worker with
//! its own table of associations keyed by peer address (O(1) per datagram) and a timer
//! heap (O(log n) per timer), the stateless cookie front door sharing one set of cookie
//! keys. A flight leaves as one batch (`Connection::poll_transmit_batch`) in one UDP GSO
//! send (`UDP_SEGMENT`); where the kernel refuses GSO, one `send_to` per datagram.
//!
//! `cargo run --release --example udp_mt_server -- 127.0.0.1:4433 cert.pem key.pem
//!  [--threads N] [--seconds S] [--no-gso]`
//!
//! Prints "listening on ADDR" once every worker is bound; with `--seconds`, exits after S
//! seconds printing "handshakes N datagrams_sent N send_calls N".

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};
use std::io::IoSlice;
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::sys::socket::{
    bind, sendmsg, setsockopt, socket, sockopt, AddressFamily, ControlMessage, MsgFlags, SockFlag,
    SockType, SockaddrStorage,
};
use rdtls::cookie::{CookieListener, ListenOutcome};
use rdtls::pki::{keys::SigningKey, pem::load_certificates};
use rdtls::transmit::MAX_BATCH_SEGMENTS;
use rdtls::{Config, Connection, Event, Transmit};

/// How much shorter than needed the receive timeout may be before it is set again: a
/// worker wakes at most this much early for a timer (then waits again), never late.
const TIMEOUT_SLACK: Duration = Duration::from_millis(5);

#[derive(Default)]
struct Counters {
    handshakes: AtomicU64,
    datagrams: AtomicU64,
    send_calls: AtomicU64,
}

/// A UDP socket bound to `addr` with SO_REUSEPORT, so every worker can bind the same port.
fn reuseport_socket(addr: SocketAddr) -> Result<UdpSocket, Box<dyn std::error::Error>> {
    let family = if addr.is_ipv4() {
        AddressFamily::Inet
    } else {
        AddressFamily::Inet6
    };
    let fd = socket(family, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None)?;
    setsockopt(&fd, sockopt::ReusePort, &true)?;
    bind(fd.as_raw_fd(), &SockaddrStorage::from(addr))?;
    Ok(UdpSocket::from(fd))
}

/// Sends one batch: one GSO send while the kernel takes them, else one send per datagram.
fn send_batch(
    sock: &UdpSocket,
    peer: SocketAddr,
    buf: &[u8],
    t: Transmit,
    gso: &mut bool,
    n: &Counters,
) {
    n.datagrams.fetch_add(t.segments as u64, Ordering::Relaxed);
    if t.segments > 1 && *gso {
        let size = u16::try_from(t.segment_size).unwrap_or(u16::MAX);
        let cmsg = [ControlMessage::UdpGsoSegments(&size)];
        let iov = [IoSlice::new(&buf[..t.len])];
        n.send_calls.fetch_add(1, Ordering::Relaxed);
        let to = SockaddrStorage::from(peer);
        match sendmsg(sock.as_raw_fd(), &iov, &cmsg, MsgFlags::empty(), Some(&to)) {
            Ok(_) => return,
            // EIO/EINVAL/ENOPROTOOPT: no GSO here (old kernel, device without checksum
            // offload); any other error is a lost datagram, which DTLS retransmits.
            Err(nix::errno::Errno::EIO)
            | Err(nix::errno::Errno::EINVAL)
            | Err(nix::errno::Errno::ENOPROTOOPT) => *gso = false,
            Err(_) => return,
        }
    }
    for d in t.datagrams(buf) {
        n.send_calls.fetch_add(1, Ordering::Relaxed);
        let _ = sock.send_to(d, peer);
    }
}

/// An epoch-0 handshake record carrying a ClientHello (RFC 6347 §4.1: content type 22,
/// epoch in bytes 3..5, handshake type 1 after the 13-byte record header).
fn is_initial_client_hello(d: &[u8]) -> bool {
    d.len() > 13 && d[0] == 22 && d[3] == 0 && d[4] == 0 && d[13] == 1
}

struct Worker {
    sock: UdpSocket,
    config: Arc<Config>,
    listener: CookieListener,
    conns: HashMap<SocketAddr, Connection>,
    timers: BinaryHeap<Reverse<(Instant, SocketAddr)>>,
    gso: bool,
    out: Vec<u8>,
    counters: Arc<Counters>,
}

impl Worker {
    /// Events, echo, output and the next timer of the association with `peer`.
    fn service(&mut self, peer: SocketAddr, now: Instant) {
        let Some(c) = self.conns.get_mut(&peer) else {
            return;
        };
        while let Some(ev) = c.poll_event() {
            if ev == Event::HandshakeComplete {
                self.counters.handshakes.fetch_add(1, Ordering::Relaxed);
            }
        }
        let mut data = [0u8; 2048];
        while let Some(n) = c.recv(&mut data) {
            let _ = c.send(&data[..n]);
        }
        while let Some(t) = c.poll_transmit_batch(now, &mut self.out, MAX_BATCH_SEGMENTS) {
            send_batch(
                &self.sock,
                peer,
                &self.out,
                t,
                &mut self.gso,
                &self.counters,
            );
        }
        if c.close_received() || c.error().is_some() {
            self.conns.remove(&peer);
        } else if let Some(d) = c.poll_timeout() {
            self.timers.push(Reverse((d, peer)));
        }
    }

    fn handle(&mut self, peer: SocketAddr, datagram: &[u8], now: Instant) {
        // RFC 6347 §4.2.8: a new ClientHello from the address of an established association
        // (the client restarted, or the kernel gave its port to a new client) goes through
        // the cookie exchange; only with a valid cookie does it replace the old association.
        let restart = is_initial_client_hello(datagram)
            && self.conns.get(&peer).is_some_and(|c| !c.is_handshaking());
        if !self.conns.contains_key(&peer) || restart {
            // No state for this peer until its ClientHello carries a valid cookie.
            let key = peer.to_string();
            match self
                .listener
                .handle(now, key.as_bytes(), datagram, None, &mut self.out)
            {
                ListenOutcome::HelloVerifyRequest => {
                    self.counters.send_calls.fetch_add(1, Ordering::Relaxed);
                    self.counters.datagrams.fetch_add(1, Ordering::Relaxed);
                    let _ = self.sock.send_to(&self.out, peer);
                    return;
                }
                ListenOutcome::Drop if restart => {}
                ListenOutcome::Drop => return,
                ListenOutcome::Verified => {
                    let c = Connection::server(self.config.clone(), now, key.as_bytes());
                    self.conns.insert(peer, c);
                }
                // ListenOutcome is #[non_exhaustive]: an outcome added later keeps no state.
                _ => return,
            }
        }
        if let Some(c) = self.conns.get_mut(&peer) {
            let _ = c.handle_datagram(now, datagram);
        }
        self.service(peer, now);
    }

    /// Fires the timers that are due; stale heap entries (the deadline moved) are skipped.
    fn fire_timers(&mut self, now: Instant) {
        while let Some(Reverse((at, peer))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            let due = self
                .conns
                .get(&peer)
                .and_then(Connection::poll_timeout)
                .is_some_and(|d| d == at);
            if due {
                if let Some(c) = self.conns.get_mut(&peer) {
                    let _ = c.handle_timeout(now);
                }
                self.service(peer, now);
            }
        }
    }

    fn run(mut self, until: Option<Instant>) {
        let mut buf = vec![0u8; 65536];
        // The receive timeout last set: changed only when the wait needed differs from it
        // by more than TIMEOUT_SLACK, not with a setsockopt before every receive (with
        // timers a second or more away the wait is the 100 ms cap nearly always).
        let mut timeout_set: Option<Duration> = None;
        loop {
            let now = Instant::now();
            if until.is_some_and(|u| now >= u) {
                return;
            }
            self.fire_timers(now);
            let next = self.timers.peek().map(|Reverse((at, _))| *at);
            let wait = next
                .map_or(Duration::from_millis(100), |t| {
                    t.saturating_duration_since(now)
                })
                .clamp(Duration::from_millis(1), Duration::from_millis(100));
            let stale = timeout_set.is_none_or(|set| set > wait || wait - set > TIMEOUT_SLACK);
            if stale && self.sock.set_read_timeout(Some(wait)).is_ok() {
                timeout_set = Some(wait);
            }
            if let Ok((n, peer)) = self.sock.recv_from(&mut buf) {
                self.handle(peer, &buf[..n], Instant::now());
            }
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        return Err(
            "usage: udp_mt_server ADDR CERT KEY [--threads N] [--seconds S] [--no-gso]".into(),
        );
    }
    let opt = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(String::as_str)
    };
    let threads: usize = opt("--threads").map_or(Ok(1), str::parse)?;
    let seconds: Option<f64> = opt("--seconds").map(str::parse).transpose()?;
    let gso = !args.iter().any(|a| a == "--no-gso");
    let chain = load_certificates(&std::fs::read(&args[2])?)?;
    let key = SigningKey::from_pem(&std::fs::read(&args[3])?)?;
    let config = Config::builder()
        .identity(chain, Arc::new(key))
        .cookie_exchange(true)
        .build()?;
    let mut addr: SocketAddr = args[1].parse()?;
    let counters = Arc::new(Counters::default());
    let mut workers = Vec::new();
    for _ in 0..threads.max(1) {
        let sock = reuseport_socket(addr)?;
        // Port 0: the first bind picks the port, every other worker binds that one.
        addr = sock.local_addr()?;
        workers.push(Worker {
            sock,
            config: config.clone(),
            listener: CookieListener::for_config(&config),
            conns: HashMap::new(),
            timers: BinaryHeap::new(),
            gso,
            out: Vec::new(),
            counters: counters.clone(),
        });
    }
    println!("listening on {addr}");
    let until = seconds.map(|s| Instant::now() + Duration::from_secs_f64(s));
    let handles: Vec<_> = workers
        .into_iter()
        .map(|w| std::thread::spawn(move || w.run(until)))
        .collect();
    for h in handles {
        h.join().map_err(|_| "worker panicked")?;
    }
    println!(
        "handshakes {} datagrams_sent {} send_calls {}",
        counters.handshakes.load(Ordering::Relaxed),
        counters.datagrams.load(Ordering::Relaxed),
        counters.send_calls.load(Ordering::Relaxed)
    );
    Ok(())
}
