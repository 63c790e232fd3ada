//! A single-threaded DTLS echo server over UDP: the stateless cookie front door
//! (`CookieListener`) in front of one `Connection` per peer address.
//!
//! `cargo run --example udp_server -- 127.0.0.1:4433 cert.pem key.pem [--reverse]`

use std::collections::HashMap;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdtls::cookie::{CookieListener, ListenOutcome};
use rdtls::pki::{keys::SigningKey, pem::load_certificates};
use rdtls::{Config, Connection};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        return Err("usage: udp_server ADDR CERT KEY [--reverse]".into());
    }
    let reverse = args.iter().any(|a| a == "--reverse");
    let chain = load_certificates(&std::fs::read(&args[2])?)?;
    let key = SigningKey::from_pem(&std::fs::read(&args[3])?)?;
    let config = Config::builder().identity(chain, Arc::new(key)).build()?;
    // Answers a 1.3 ClientHello with the HRR cookie when the config allows 1.3.
    let listener = CookieListener::for_config(&config);
    let sock = UdpSocket::bind(&args[1])?;
    eprintln!("listening on {}", sock.local_addr()?);
    let mut conns: HashMap<SocketAddr, Connection> = HashMap::new();
    let mut buf = vec![0u8; 65536];
    let mut out = Vec::new();
    loop {
        let next = conns.values().filter_map(Connection::poll_timeout).min();
        let wait = next
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_secs(1))
            .max(Duration::from_millis(1));
        sock.set_read_timeout(Some(wait))?;
        let now = Instant::now();
        if let Ok((n, peer)) = sock.recv_from(&mut buf) {
            let key = peer.to_string();
            if let std::collections::hash_map::Entry::Vacant(slot) = conns.entry(peer) {
                // No state for this peer until its ClientHello carries a valid cookie.
                match listener.handle(now, key.as_bytes(), &buf[..n], None, &mut out) {
                    ListenOutcome::HelloVerifyRequest => {
                        sock.send_to(&out, peer)?;
                        continue;
                    }
                    ListenOutcome::Drop => continue,
                    ListenOutcome::Verified => {
                        slot.insert(Connection::server(config.clone(), now, key.as_bytes()));
                    }
                    // ListenOutcome is #[non_exhaustive]: an outcome added later keeps no
                    // state, as Drop.
                    _ => continue,
                }
            }
            if let Some(c) = conns.get_mut(&peer) {
                if let Err(e) = c.handle_datagram(now, &buf[..n]) {
                    eprintln!("{peer}: {e}");
                }
            }
        }
        let now = Instant::now();
        let mut dead = Vec::new();
        for (peer, c) in conns.iter_mut() {
            let _ = c.handle_timeout(now);
            while let Some(ev) = c.poll_event() {
                eprintln!("{peer}: {ev:?}");
            }
            let mut data = [0u8; 16384];
            while let Some(n) = c.recv(&mut data) {
                let msg = &mut data[..n];
                println!("{peer}: {}", String::from_utf8_lossy(msg));
                if reverse {
                    msg.reverse();
                }
                let _ = c.send(msg);
            }
            while c.poll_transmit(now, &mut out).is_some() {
                sock.send_to(&out, *peer)?;
            }
            if c.close_received() || c.error().is_some() {
                dead.push(*peer);
            }
        }
        for p in dead {
            conns.remove(&p);
        }
    }
}
