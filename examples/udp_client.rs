//! Drives a `rdtls::Connection` over a real UDP socket: the minimal sans-IO event loop.
//!
//! `cargo run --example udp_client -- 127.0.0.1:4433 "hello"` sends one message and prints
//! the reply. Optional third argument: a CA file to verify the server against.

use std::net::UdpSocket;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdtls::pki::verify::TrustStore;
use rdtls::{ClientOptions, Config, Connection, VerifyMode};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let addr = args.get(1).map(String::as_str).unwrap_or("127.0.0.1:4433");
    let msg = args.get(2).cloned().unwrap_or_else(|| "hello".into());
    // Usage: udp_client ADDR [MESSAGE] [CA_FILE [SERVER_NAME]]. Without a CA file the
    // server is not authenticated (an explicit VerifyMode::None).
    let mut builder = Config::builder();
    let mut opts = ClientOptions::default();
    if let Some(ca) = args.get(3) {
        let mut trust = TrustStore::new();
        trust.add_pem(&std::fs::read(ca)?)?;
        builder = builder
            .trust_store(Arc::new(trust))
            .verify_mode(VerifyMode::Peer);
        opts.server_name = Some(args.get(4).cloned().unwrap_or_else(|| "localhost".into()));
    } else {
        builder = builder.verify_mode(VerifyMode::None);
    }
    let config = builder.build()?;
    let sock = UdpSocket::bind("127.0.0.1:0")?;
    sock.connect(addr)?;
    let mut conn = Connection::client(config, Instant::now(), opts)?;
    let mut out = Vec::new();
    let mut inbuf = vec![0u8; 65536];
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut sent = false;
    while Instant::now() < deadline {
        while conn.poll_transmit(Instant::now(), &mut out).is_some() {
            sock.send(&out)?;
        }
        if conn.is_established() && !sent {
            let s = conn.cipher_suite().map(|s| s.openssl_name).unwrap_or("?");
            println!("handshake complete: DTLSv1.2 {s}");
            conn.send(msg.as_bytes())?;
            sent = true;
            continue;
        }
        let mut buf = [0u8; 2048];
        if let Some(n) = conn.recv(&mut buf) {
            println!("received: {}", String::from_utf8_lossy(&buf[..n]));
            conn.close();
            while conn.poll_transmit(Instant::now(), &mut out).is_some() {
                sock.send(&out)?;
            }
            return Ok(());
        }
        let wait = conn
            .poll_timeout()
            .map(|t| t.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_millis(200))
            .max(Duration::from_millis(1));
        sock.set_read_timeout(Some(wait))?;
        match sock.recv(&mut inbuf) {
            Ok(n) => conn.handle_datagram(Instant::now(), &inbuf[..n])?,
            Err(_) => conn.handle_timeout(Instant::now())?,
        }
    }
    Err("timed out".into())
}
