//! The UDP half of `make bench-scale`: a load generator against examples/udp_mt_server
//! over loopback. Client threads run full handshakes back to back (each on a fresh socket,
//! so a fresh association); then N associations are opened and held, each echoes one
//! record, and the server's RSS growth divided by N is its memory per association.

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

/// Sends one record on every held association and counts the echoes. In rounds of 64, so
/// the server's socket buffer never overflows (a burst of thousands of datagrams would be
/// dropped by the kernel, not by DTLS).
pub fn ping_all(held: &mut [(UdpSocket, Connection)]) -> usize {
    let (mut out, mut buf, mut data) = (Vec::new(), vec![0u8; 65536], [0u8; 64]);
    let mut alive = 0;
    for round in held.chunks_mut(64) {
        let now = Instant::now();
        for (sock, c) in round.iter_mut() {
            let _ = c.send(b"ping");
            while c.poll_transmit(now, &mut out).is_some() {
                let _ = sock.send(&out);
            }
        }
        for (sock, c) in round.iter_mut() {
            let deadline = Instant::now() + Duration::from_secs(2);
            while Instant::now() < deadline {
                if let Ok(n) = sock.recv(&mut buf) {
                    let _ = c.handle_datagram(Instant::now(), &buf[..n]);
                    if c.recv(&mut data).is_some_and(|n| &data[..n] == b"ping") {
                        alive += 1;
                        break;
                    }
                }
            }
        }
    }
    alive
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

/// Starts the server with `threads` workers on a free loopback port.
fn start_server(
    bin: &str,
    dir: &str,
    threads: usize,
) -> Result<(Child, SocketAddr), Box<dyn std::error::Error>> {
    // --seconds bounds the server's life should this process die before killing it.
    let mut child = Command::new(bin)
        .arg("127.0.0.1:0")
        .arg(format!("{dir}/server.pem"))
        .arg(format!("{dir}/server.key"))
        .args(["--threads", &threads.to_string(), "--seconds", "300"])
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
    let (mut child, addr) = start_server(bin, dir, threads)?;
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
    let (mut child, addr) = start_server(bin, dir, 2)?;
    let base = server_rss(&child);
    let t0 = Instant::now();
    let mut held = Vec::with_capacity(n);
    for _ in 0..n {
        if let Some(a) = connect(cfg, addr, Duration::from_secs(5)) {
            held.push(a);
        }
    }
    let took = t0.elapsed().as_secs_f64();
    let alive = ping_all(&mut held);
    let grew = server_rss(&child).saturating_sub(base);
    println!("udp_assoc_{n}_established {} in {took:.1} s", held.len());
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
