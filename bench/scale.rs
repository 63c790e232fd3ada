//! `make bench-scale` (issue 12 item 5): many cores, many associations, engine only.
//!
//! Usage: scale CERTDIR [SECONDS] [COUNTS] [--udp SERVER_BIN UDP_HOLD]   (SECONDS per rate
//! run, default 3; COUNTS: comma-separated association counts for the memory runs, default
//! 10000,100000, `none` for no memory run; --udp: also over loopback UDP against
//! SERVER_BIN, examples/udp_mt_server, see scale_udp.rs, holding UDP_HOLD associations:
//! comma-separated counts, one run each)
//!
//! 1. Full handshakes per second with 1 and 2 worker threads. Each worker runs complete
//!    handshakes through memory, both ends in the worker (ECDHE-ECDSA-AES128-GCM-SHA256,
//!    X25519, cookie exchange through the stateless `CookieListener`, server verified), so a
//!    worker's rate is that of a server whose clients cost as much as it does; the ratio of
//!    the two runs is the scaling across cores (the config and cookie keys are shared).
//! 2. Memory of N established associations, kept alive: N client/server pairs handshake
//!    (two threads), are held in a table keyed by peer address, and each then exchanges one
//!    application record both ways: the RSS growth divided by N is the memory per pair.
//!    First, N server ends alone (each client dropped as soon as its handshake ends): the
//!    memory per server association. Each memory run is a child process of its own
//!    (`scale CERTDIR --memory N servers|pairs`), so no run reuses another's freed heap.
//!
//! Output: "name value" lines.

#[path = "scale_udp.rs"]
mod udp;
#[path = "udp_mux.rs"]
mod udp_mux;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdtls::cookie::{CookieListener, ListenOutcome};
use rdtls::pki::keys::SigningKey;
use rdtls::pki::pem::load_certificates;
use rdtls::pki::verify::TrustStore;
use rdtls::{ClientOptions, Config, Connection, VerifyMode};

/// A client (None once dropped) and its server.
type Pair = (Option<Connection>, Connection);

struct Setup {
    client: Arc<Config>,
    server: Arc<Config>,
    listener: CookieListener,
}

fn setup(dir: &str) -> Result<Setup, Box<dyn std::error::Error>> {
    let read = |f: &str| std::fs::read(format!("{dir}/{f}"));
    let chain = load_certificates(&read("server.pem")?)?;
    let key = SigningKey::from_pem(&read("server.key")?)?;
    let server = Config::builder()
        .identity(chain, Arc::new(key))
        .cookie_exchange(true)
        .build()?;
    let mut trust = TrustStore::new();
    trust.add_pem(&read("ca.pem")?)?;
    let client = Config::builder()
        .trust_store(Arc::new(trust))
        .verify_mode(VerifyMode::Peer)
        .dangerous()
        .disable_hostname_verification()
        .build()?;
    let listener = CookieListener::new(server.cookie_keys().clone());
    Ok(Setup {
        client,
        server,
        listener,
    })
}

/// One full handshake between a new client and a new server for peer `addr`.
fn handshake(
    s: &Setup,
    addr: &[u8],
    buf: &mut Vec<u8>,
    hvr: &mut Vec<u8>,
) -> (Connection, Connection) {
    let now = Instant::now();
    let mut c = Connection::client(s.client.clone(), now, ClientOptions::default())
        .expect("client connection");
    let mut srv: Option<Connection> = None;
    for _ in 0..16 {
        while c.poll_transmit(now, buf).is_some() {
            match srv.as_mut() {
                Some(conn) => conn.handle_datagram(now, buf).expect("server input"),
                None => match s.listener.handle(now, addr, buf, None, hvr) {
                    ListenOutcome::HelloVerifyRequest => {
                        c.handle_datagram(now, hvr).expect("HelloVerifyRequest")
                    }
                    ListenOutcome::Drop => panic!("front door dropped a ClientHello"),
                    ListenOutcome::Verified => {
                        let mut conn = Connection::server(s.server.clone(), now, addr);
                        conn.handle_datagram(now, buf).expect("server input");
                        srv = Some(conn);
                    }
                    other => panic!("front door: unexpected {other:?}"),
                },
            }
        }
        if let Some(conn) = srv.as_mut() {
            while conn.poll_transmit(now, buf).is_some() {
                c.handle_datagram(now, buf).expect("client input");
            }
            if c.is_established() && conn.is_established() {
                return (c, srv.take().expect("server"));
            }
        }
    }
    panic!("handshake did not complete");
}

/// CPU seconds this process has used (user + system, /proc/self/stat, 100 Hz ticks).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at ") ".
    let rest = stat.rsplit_once(") ").map_or("", |(_, r)| r);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    (f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0)) as f64 / 100.0
}

/// The calling thread's time on a CPU and time runnable but waiting for one, in seconds
/// (/proc/thread-self/schedstat: the scheduler's own accounting, in nanoseconds).
fn thread_sched() -> (f64, f64) {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let mut f = s.split_whitespace().map(|v| v.parse::<u64>().unwrap_or(0));
    let on = f.next().unwrap_or(0) as f64 / 1e9;
    let wait = f.next().unwrap_or(0) as f64 / 1e9;
    (on, wait)
}

/// Handshakes per second of `threads` workers running for `secs`, and the CPU cores the
/// process actually got meanwhile (the machine is shared). Each worker's handshakes per
/// second of its own CPU time is printed too: with no lock or cache-line contention
/// between workers it stays flat from 1 to 2 threads whatever the machine's load, which
/// wall-clock rates on a loaded machine cannot show.
fn rate(s: &Arc<Setup>, threads: usize, secs: f64) -> (f64, f64) {
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let stop = t0 + Duration::from_secs_f64(secs);
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                let (mut buf, mut hvr, mut n) = (Vec::new(), Vec::new(), 0u64);
                let (on0, wait0) = thread_sched();
                while Instant::now() < stop {
                    let addr = format!("10.{t}.{}.{}:{}", n >> 16, n & 0xff, n & 0xffff);
                    drop(handshake(&s, addr.as_bytes(), &mut buf, &mut hvr));
                    n += 1;
                }
                let (on1, wait1) = thread_sched();
                (n, on1 - on0, wait1 - wait0)
            })
        })
        .collect();
    let mut total = 0;
    for (t, w) in workers.into_iter().enumerate() {
        let (n, on, wait) = w.join().expect("worker");
        total += n;
        println!(
            "threads_{threads}_worker_{t} handshakes {n} on_cpu_s {on:.2} waiting_for_cpu_s \
             {wait:.2} handshakes_per_cpu_s {:.0}",
            n as f64 / on.max(1e-3)
        );
    }
    let wall = t0.elapsed().as_secs_f64();
    (total as f64 / wall, (cpu_seconds() - cpu0) / wall)
}

/// Resident set size in bytes (Linux /proc/self/statm).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Establishes `n` associations on two threads and keeps them in a table keyed by peer
/// address: pairs, or (`servers_only`) the server ends, each client dropped when done.
fn establish(s: &Arc<Setup>, n: usize, servers_only: bool) -> HashMap<String, Pair> {
    let halves: Vec<_> = (0..2)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                let (mut buf, mut hvr) = (Vec::new(), Vec::new());
                (0..n)
                    .skip(t)
                    .step_by(2)
                    .map(|i| {
                        let addr = format!(
                            "10.{}.{}.{}:{}",
                            i >> 24,
                            (i >> 16) & 0xff,
                            (i >> 8) & 0xff,
                            1024 + (i & 0xff)
                        );
                        let (c, srv) = handshake(&s, addr.as_bytes(), &mut buf, &mut hvr);
                        (addr, ((!servers_only).then_some(c), srv))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut table = HashMap::with_capacity(n);
    for h in halves {
        table.extend(h.join().expect("establishing thread"));
    }
    table
}

/// One record each way on every association: all of them are alive. Returns the count.
fn ping_all(table: &mut HashMap<String, Pair>) -> usize {
    let now = Instant::now();
    let (mut buf, mut data) = (Vec::new(), [0u8; 64]);
    let mut alive = 0;
    for (c, s) in table.values_mut() {
        let Some(c) = c.as_mut() else { continue };
        c.send(b"ping").expect("client send");
        while c.poll_transmit(now, &mut buf).is_some() {
            let _ = s.handle_datagram(now, &buf);
        }
        if s.recv(&mut data).is_some() {
            s.send(b"pong").expect("server send");
        }
        while s.poll_transmit(now, &mut buf).is_some() {
            let _ = c.handle_datagram(now, &buf);
        }
        if c.recv(&mut data).is_some_and(|n| &data[..n] == b"pong") {
            alive += 1;
        }
    }
    alive
}

/// One memory run: `n` associations (server ends alone, or pairs) established and held.
fn memory(s: &Arc<Setup>, n: usize, servers_only: bool) -> Result<(), Box<dyn std::error::Error>> {
    let base = rss();
    let t0 = Instant::now();
    let mut table = establish(s, n, servers_only);
    let took = t0.elapsed().as_secs_f64();
    let alive = ping_all(&mut table);
    let grew = rss().saturating_sub(base);
    let (what, one) = if servers_only {
        ("servers", "server")
    } else {
        ("pairs", "pair")
    };
    println!(
        "assoc_{n}_{what}_established {} in {took:.1} s",
        table.len()
    );
    if !servers_only {
        println!("assoc_{n}_pairs_alive_after_ping {alive}");
    }
    println!(
        "assoc_{n}_{what}_rss_delta_mib {:.1}",
        grew as f64 / 1048576.0
    );
    println!("assoc_{n}_bytes_per_{one} {}", grew / n as u64);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let dir = args
        .get(1)
        .ok_or("usage: scale CERTDIR [SECONDS] [COUNTS]")?;
    let secs: f64 = match args.get(2).map(String::as_str) {
        Some("--memory") | None => 3.0,
        Some(v) => v.parse()?,
    };
    let counts: Vec<usize> = args
        .get(3)
        .filter(|a| !a.starts_with("--"))
        .map_or("10000,100000", String::as_str)
        .split(',')
        .filter(|c| *c != "none")
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let s = Arc::new(setup(dir)?);
    if args.get(2).map(String::as_str) == Some("--memory") {
        let n: usize = args.get(3).ok_or("--memory N MODE")?.parse()?;
        return memory(&s, n, args.get(4).map(String::as_str) == Some("servers"));
    }
    let (one, cpu1) = rate(&s, 1, secs);
    let (two, cpu2) = rate(&s, 2, secs);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().next().unwrap_or("?");
    println!(
        "cores_available {} (load average {load})",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("handshakes_per_s_1_thread {one:.0} (cores used {cpu1:.2})");
    println!("handshakes_per_s_2_threads {two:.0} (cores used {cpu2:.2})");
    println!("scaling_2_over_1 {:.2}", two / one);
    println!(
        "handshakes_per_cpu_s_1_thread {:.0} 2_threads {:.0}",
        one / cpu1.max(0.01),
        two / cpu2.max(0.01)
    );
    if let Some(i) = args.iter().position(|a| a == "--udp") {
        let bin = args.get(i + 1).ok_or("--udp SERVER_BIN UDP_HOLD")?;
        let holds: Vec<usize> = args
            .get(i + 2)
            .map_or("1000", String::as_str)
            .split(',')
            .map(str::parse)
            .collect::<Result<_, _>>()?;
        for threads in [1, 2] {
            let r = udp::rate(bin, dir, &s.client, threads, 2, secs)?;
            println!("udp_handshakes_per_s_{threads}_server_threads {r:.0} (2 client threads)");
        }
        for hold in holds {
            udp::hold(bin, dir, &s.client, hold)?;
        }
    }
    let me = std::env::current_exe()?;
    for n in counts {
        for what in ["servers", "pairs"] {
            let out = std::process::Command::new(&me)
                .args([dir.as_str(), "--memory", &n.to_string(), what])
                .output()?;
            print!("{}", String::from_utf8_lossy(&out.stdout));
            if !out.status.success() {
                return Err(format!(
                    "memory run {n} {what} failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
                .into());
            }
        }
    }
    Ok(())
}
