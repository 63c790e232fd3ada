//! The UDP half of `make bench-scale`: a load generator against examples/udp_mt_server
//! over loopback. Client threads run full handshakes back to back (each on a fresh socket,
//! so a fresh association); then N associations are opened and held, each echoes one
//! record, and the server's RSS growth divided by N is its memory per association. The
//! held associations share two sockets (one per client thread), each association with a
//! loopback address of its own (udp_mux.rs): 100k of them need no 100k descriptors.

use std::net::{SocketAddr, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdtls::{ClientOptions, Config, Connection};

/// One client association over its own connected socket, established (None: it failed
/// within `limit`).
pub fn connect(
    cfg: &Arc<Config>,
    server: SocketAddr,
    limit: Duration,
) -> Option<(UdpSocket, Connection)> {
    let sock = UdpSocket::bind("127.0.0.1:0").ok()?;
    sock.connect(server).ok()?;
    sock.set_read_timeout(Some(Duration::from_millis(20)))
        .ok()?;
    let start = Instant::now();
    let mut c = Connection::client(cfg.clone(), start, ClientOptions::default()).ok()?;
    let (mut out, mut buf) = (Vec::new(), vec![0u8; 65536]);
    while start.elapsed() < limit {
        let now = Instant::now();
        c.handle_timeout(now).ok()?;
        while c.poll_transmit(now, &mut out).is_some() {
            let _ = sock.send(&out);
        }
        if c.is_established() {
            return Some((sock, c));
        }
        if let Ok(n) = sock.recv(&mut buf) {
            c.handle_datagram(Instant::now(), &buf[..n]).ok()?;
        }
    }
    None
}

/// The server's resident set (VmRSS) in bytes.
fn server_rss(child: &Child) -> u64 {
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", child.id())).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Starts the server with `threads` workers on a free loopback port, for at most `life`
/// seconds.
fn start_server(
    bin: &str,
    dir: &str,
    threads: usize,
    life: u64,
) -> Result<(Child, SocketAddr), Box<dyn std::error::Error>> {
    // --seconds bounds the server's life should this process die before killing it.
    let mut child = Command::new(bin)
        .arg("127.0.0.1:0")
        .arg(format!("{dir}/server.pem"))
        .arg(format!("{dir}/server.key"))
        .args([
            "--threads",
            &threads.to_string(),
            "--seconds",
            &life.to_string(),
        ])
        .stdout(Stdio::piped())
        .spawn()?;
    let mut line = String::new();
    let mut out = std::io::BufReader::new(child.stdout.take().ok_or("no server stdout")?);
    std::io::BufRead::read_line(&mut out, &mut line)?;
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .ok_or("no listening line")?
        .parse()?;
    Ok((child, addr))
}

/// Handshakes per second with `threads` server workers and `clients` client threads.
pub fn rate(
    bin: &str,
    dir: &str,
    cfg: &Arc<Config>,
    threads: usize,
    clients: usize,
    secs: f64,
) -> Result<f64, Box<dyn std::error::Error>> {
    let (mut child, addr) = start_server(bin, dir, threads, 300)?;
    let t0 = Instant::now();
    let stop = t0 + Duration::from_secs_f64(secs);
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let cfg = cfg.clone();
            std::thread::spawn(move || {
                let mut n = 0u64;
                while Instant::now() < stop {
                    if connect(&cfg, addr, Duration::from_secs(5)).is_some() {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let total: u64 = workers.into_iter().map(|w| w.join().unwrap_or(0)).sum();
    let r = total as f64 / t0.elapsed().as_secs_f64();
    let _ = child.kill();
    let _ = child.wait();
    Ok(r)
}

/// Opens and holds `n` associations; prints how many are alive and the server's memory.
pub fn hold(
    bin: &str,
    dir: &str,
    cfg: &Arc<Config>,
    n: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    // A handshake costs a few ms here: the server lives long enough for the whole run.
    let (mut child, addr) = start_server(bin, dir, 2, 300 + n as u64 / 50)?;
    let base = server_rss(&child);
    let t0 = Instant::now();
    // Two client threads (the machine's cores), each with one socket and its share.
    let parts: Vec<_> = (0..2usize)
        .map(|t| {
            let cfg = cfg.clone();
            std::thread::spawn(move || -> Option<(crate::udp_mux::MuxClient, usize)> {
                let mut mux = crate::udp_mux::MuxClient::new(addr).ok()?;
                let addrs: Vec<_> = (t..n).step_by(2).map(crate::udp_mux::mux_address).collect();
                let failed = mux.establish(&cfg, &addrs, Duration::from_secs(10));
                Some((mux, failed))
            })
        })
        .collect();
    let mut muxes = Vec::new();
    for p in parts {
        muxes.push(
            p.join()
                .map_err(|_| "client thread panicked")?
                .ok_or("client socket setup failed")?,
        );
    }
    let took = t0.elapsed().as_secs_f64();
    let established: usize = muxes.iter().map(|(m, _)| m.len()).sum();
    let alive: usize = muxes.iter_mut().map(|(m, _)| m.ping_all()).sum();
    let grew = server_rss(&child).saturating_sub(base);
    println!("udp_assoc_{n}_established {established} in {took:.1} s");
    println!("udp_assoc_{n}_alive_after_ping {alive}");
    println!(
        "udp_assoc_{n}_server_rss_delta_mib {:.1}",
        grew as f64 / 1048576.0
    );
    println!(
        "udp_assoc_{n}_server_bytes_per_assoc {}",
        grew / n.max(1) as u64
    );
    let _ = child.kill();
    let _ = child.wait();
    Ok(())
}
