//! One DTLS 1.3 connection over a loopback UDP socket, driven by the sans-IO state
//! machines of `rdtls::dtls13` (RFC 9147): the peer program of `ctests/t_dtls13.sh`.
//!
//! ```text
//! dtls13_udp server [OPTIONS]        binds 127.0.0.1:0, prints "PORT n", serves one client
//! dtls13_udp client PORT [OPTIONS]   connects to 127.0.0.1:PORT as "localhost"
//! OPTIONS: --certs DIR (ca.pem, server.pem/key, default build/demo-certs)
//!          --suite NAME (offer / accept only this TLS 1.3 suite)
//!          --no-cookie (server: no HelloRetryRequest unless the key share needs one)
//!          --group x25519|p256|p384 (the only key exchange group: its share is the first)
//!          --mtu N   --key-update (client: after the first answer, a KeyUpdate and a
//!          second line, answered too; for an echoing server)
//!          --resume (server: a ticket, then a second client; client: a second
//!          connection offering the first one's ticket)
//!          --cid N (ask for an N-byte connection ID, RFC 9147 §9; 0: zero-length)
//!          --new-cid (client, with --cid N > 0: after the first answer, a NewConnectionId
//!          with cid_immediate, then once it is acknowledged a second line; the CIDs of
//!          the server's records are printed as `received CID: HEX` when they change)
//! ```
//!
//! Both print `Protocol: DTLSv1.3` and `Cipher: NAME` once the handshake completes (the
//! client `Resumed: yes|no` too; with --cid, `Connection ID: ours HEX|(empty) peer
//! HEX|(empty)` or `Connection ID: none`). The
//! client sends one line and waits for an answer; the server prints what it receives and
//! answers each record with `rdtls heard: ...`. Exit status 0 on success, 1 with a message
//! on stderr otherwise; everything is bounded by a 10 s deadline.

use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdtls::dtls13::client::{Client13, Event13, Options13, Ticket13};
use rdtls::dtls13::connection_id::CidUsage;
use rdtls::dtls13::hello::HRR_RANDOM;
use rdtls::dtls13::record_protection::Suite13;
use rdtls::dtls13::server::{Server13, ServerEvent13, ServerOptions13};
use rdtls::dtls13::server_ticket::TicketKey13;
use rdtls::dtls13::unified_header::peek_cid;
use rdtls::enums::NamedGroup;
use rdtls::pki::verify::TrustStore;
use rdtls::pki::{keys::SigningKey, pem::load_certificates};
use rdtls::{Config, VerifyMode};

const DEADLINE: Duration = Duration::from_secs(10);
/// How long the server stays after answering, for the client's retransmissions and its
/// close_notify.
const LINGER: Duration = Duration::from_millis(1500);

const LINE: &[u8] = b"hello from rdtls\n";
/// How long the client waits for an answer to [`LINE`] before sending it again.
const LINE_RESEND: Duration = Duration::from_secs(1);
const LINE2: &[u8] = b"after a KeyUpdate\n";
const LINE_NEW_CID: &[u8] = b"after a NewConnectionId\n";

const SUITES: [(&str, Suite13); 5] = [
    ("TLS_AES_128_GCM_SHA256", Suite13::Aes128GcmSha256),
    ("TLS_AES_256_GCM_SHA384", Suite13::Aes256GcmSha384),
    (
        "TLS_CHACHA20_POLY1305_SHA256",
        Suite13::ChaCha20Poly1305Sha256,
    ),
    ("TLS_AES_128_CCM_SHA256", Suite13::Aes128CcmSha256),
    ("TLS_AES_128_CCM_8_SHA256", Suite13::Aes128Ccm8Sha256),
];

struct Args {
    server: bool,
    port: u16,
    certs: String,
    suite: Option<Suite13>,
    cookie: bool,
    mtu: Option<usize>,
    group: Option<NamedGroup>,
    key_update: bool,
    resume: bool,
    cid: Option<usize>,
    new_cid: bool,
}

fn parse_args() -> Result<Args, String> {
    let usage = "usage: dtls13_udp server|client PORT [--certs DIR] [--suite NAME] \
                 [--no-cookie] [--group G] [--mtu N] [--key-update] [--resume] [--cid N] [--new-cid]";
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        server: false,
        port: 0,
        certs: "build/demo-certs".into(),
        suite: None,
        cookie: true,
        mtu: None,
        group: None,
        key_update: false,
        resume: false,
        cid: None,
        new_cid: false,
    };
    match it.next().as_deref() {
        Some("server") => a.server = true,
        Some("client") => {
            let p = it.next().ok_or(usage)?;
            a.port = p.parse().map_err(|_| format!("bad port {p}"))?;
        }
        _ => return Err(usage.into()),
    }
    while let Some(opt) = it.next() {
        let mut value = || it.next().ok_or(format!("{opt} needs a value"));
        match opt.as_str() {
            "--certs" => a.certs = value()?,
            "--suite" => {
                let v = value()?;
                let s = SUITES.iter().find(|(n, _)| *n == v);
                a.suite = Some(s.ok_or(format!("unknown suite {v}"))?.1);
            }
            "--mtu" => {
                let v = value()?;
                a.mtu = Some(v.parse().map_err(|_| format!("bad MTU {v}"))?);
            }
            "--group" => {
                a.group = Some(match value()?.as_str() {
                    "x25519" => NamedGroup::X25519,
                    "p256" => NamedGroup::SECP256R1,
                    "p384" => NamedGroup::SECP384R1,
                    g => return Err(format!("unknown group {g}")),
                })
            }
            "--cid" => {
                let v = value()?;
                a.cid = Some(v.parse().map_err(|_| format!("bad CID length {v}"))?);
            }
            "--new-cid" => a.new_cid = true,
            "--no-cookie" => a.cookie = false,
            "--key-update" => a.key_update = true,
            "--resume" => a.resume = true,
            _ => return Err(format!("unknown option {opt}\n{usage}")),
        }
    }
    Ok(a)
}

fn suite_name(s: Option<Suite13>) -> &'static str {
    SUITES
        .iter()
        .find(|(_, x)| Some(*x) == s)
        .map_or("(none)", |(n, _)| n)
}

fn read(dir: &str, file: &str) -> Result<Vec<u8>, String> {
    std::fs::read(format!("{dir}/{file}")).map_err(|e| format!("{dir}/{file}: {e}"))
}

fn config(a: &Args) -> Result<Arc<Config>, String> {
    let mut b = Config::builder();
    if a.server {
        let chain = load_certificates(&read(&a.certs, "server.pem")?).map_err(|e| e.to_string())?;
        let key =
            SigningKey::from_pem(&read(&a.certs, "server.key")?).map_err(|e| e.to_string())?;
        b = b.identity(chain, Arc::new(key));
    } else {
        let mut trust = TrustStore::new();
        trust
            .add_pem(&read(&a.certs, "ca.pem")?)
            .map_err(|e| e.to_string())?;
        b = b.trust_store(Arc::new(trust)).verify_mode(VerifyMode::Peer);
    }
    if let Some(m) = a.mtu {
        b = b.mtu(m);
    }
    if let Some(g) = a.group {
        b = b.groups(&[g]);
    }
    b.build().map_err(|e| e.to_string())
}

/// Either role behind the same calls.
enum Peer {
    Client(Box<Client13>),
    Server(Box<Server13>),
}

/// What the loop cares about in either role's events.
enum Ev {
    Done,
    Closed,
    Other(String),
}

macro_rules! both {
    ($p:expr, $c:ident => $e:expr) => {
        match $p {
            Peer::Client($c) => $e,
            Peer::Server($c) => $e,
        }
    };
}

impl Peer {
    fn event(&mut self) -> Option<Ev> {
        match self {
            Peer::Client(c) => c.poll_event().map(|e| match e {
                Event13::HandshakeComplete => Ev::Done,
                Event13::PeerClosed => Ev::Closed,
                Event13::PeerCertificate(der) => {
                    Ev::Other(format!("PeerCertificate ({} bytes)", der.len()))
                }
                other => Ev::Other(format!("{other:?}")),
            }),
            Peer::Server(s) => s.poll_event().map(|e| match e {
                ServerEvent13::HandshakeComplete => Ev::Done,
                ServerEvent13::PeerClosed => Ev::Closed,
                other => Ev::Other(format!("{other:?}")),
            }),
        }
    }

    fn suite(&self) -> Option<Suite13> {
        both!(self, p => p.suite())
    }
}

/// One connection; a client returns the newest ticket it was given.
/// The socket (not connected: a server serves one client after another on it) and a
/// datagram from another address than the current peer's, kept for the next connection.
struct Link {
    sock: UdpSocket,
    held: Option<(Vec<u8>, SocketAddr)>,
}

fn run(
    a: &Args,
    link: &mut Link,
    resume: Option<Ticket13>,
    ticket_key: Option<Arc<TicketKey13>>,
) -> Result<Option<Ticket13>, String> {
    let cfg = config(a)?;
    // The first connection of a --resume client waits for a ticket too.
    let want_ticket = a.resume && !a.server && resume.is_none();
    let start = Instant::now();
    let sock = &link.sock;
    let suites = match a.suite {
        Some(s) => vec![s],
        None => Options13::default().suites,
    };
    let mut buf = vec![0u8; 65536];
    let (mut peer, addr): (Peer, SocketAddr) = if a.server {
        // The ClientHello tells us who the client is; the cookie binds that address.
        let (hello, from) = match link.held.take() {
            Some(h) => h,
            None => {
                sock.set_read_timeout(Some(DEADLINE))
                    .map_err(|e| e.to_string())?;
                let (n, from) = sock
                    .recv_from(&mut buf)
                    .map_err(|e| format!("no ClientHello within {DEADLINE:?}: {e}"))?;
                (buf[..n].to_vec(), from)
            }
        };
        let opts = ServerOptions13 {
            suites,
            cookie: a.cookie,
            peer_addr: from.to_string().into_bytes(),
            tickets: u8::from(ticket_key.is_some()),
            ticket_key,
            cid_len: a.cid,
            ..ServerOptions13::default()
        };
        let now = Instant::now();
        let mut s = Server13::new(cfg, opts, now).map_err(|e| e.to_string())?;
        s.handle_datagram(now, &hello)
            .map_err(|e| format!("ClientHello: {e}"))?;
        (Peer::Server(Box::new(s)), from)
    } else {
        let opts = Options13 {
            server_name: Some("localhost".into()),
            suites,
            resume,
            cid_len: a.cid,
            ..Options13::default()
        };
        let c = Client13::new(cfg, opts, Instant::now()).map_err(|e| e.to_string())?;
        (
            Peer::Client(Box::new(c)),
            SocketAddr::from(([127, 0, 0, 1], a.port)),
        )
    };

    let mut established = false;
    let mut answered: Option<Instant> = None;
    let mut peer_closed = false;
    let mut replies = 0;
    let mut second_sent = false;
    // When our first line went out: DTLS does not retransmit application data, so a client
    // that heard nothing for LINE_RESEND sends it again (a line sent while the server
    // still waited for our Finished is lost, RFC 9147 §5.8 covers only handshake flights).
    let mut line_sent_at: Option<Instant> = None;
    let mut key_updated = false;
    let mut ku_pending = false;
    let mut ku_error = String::new();
    // --new-cid: 0 nothing yet, 1 to send, 2 sent (waiting for its ACK), 3 second line sent.
    let mut ncid = 0u8;
    let mut rx_cid: Vec<u8> = Vec::new();
    loop {
        while let Some(d) = both!(&mut peer, p => p.poll_transmit()) {
            // A refused send (nobody listening yet) is retransmitted by the timers.
            let _ = sock.send_to(&d, addr);
        }
        while let Some(ev) = peer.event() {
            match ev {
                Ev::Done => {
                    established = true;
                    println!("Protocol: DTLSv1.3");
                    println!("Cipher: {}", suite_name(peer.suite()));
                    let resumed = both!(&peer, p => p.resumed());
                    println!("Resumed: {}", if resumed { "yes" } else { "no" });
                    if a.cid.is_some() {
                        println!(
                            "Connection ID: {}",
                            both!(&peer, p => cid_summary(p.cid_negotiated(), p.own_cids(), p.peer_cid()))
                        );
                    }
                    if let Peer::Client(c) = &mut peer {
                        c.send(LINE).map_err(|e| format!("send: {e}"))?;
                        line_sent_at = Some(Instant::now());
                    }
                }
                Ev::Closed => {
                    eprintln!("peer sent close_notify");
                    peer_closed = true;
                }
                Ev::Other(s) => {
                    key_updated |= s.starts_with("SendKeyUpdated");
                    eprintln!("event: {s}");
                }
            }
        }
        while let Some(data) = both!(&mut peer, p => p.recv()) {
            let line = String::from_utf8_lossy(&data);
            println!("received: {}", line.trim_end());
            match &mut peer {
                Peer::Client(_) => {
                    replies += 1;
                    ku_pending = a.key_update && replies == 1;
                    if a.new_cid && replies == 1 {
                        ncid = 1;
                    }
                }
                Peer::Server(s) => {
                    let reply = format!("rdtls heard: {}\n", line.trim_end());
                    s.send(reply.as_bytes()).map_err(|e| format!("send: {e}"))?;
                    answered.get_or_insert_with(Instant::now);
                }
            }
        }
        // With --key-update, after the first answer: a KeyUpdate (it waits until our
        // Finished flight is acknowledged, one flight at a time, RFC 9147 §8), and once the
        // server acknowledged it, a second line in the new epoch.
        if let (Peer::Client(c), true) = (&mut peer, ku_pending) {
            match c.key_update(Instant::now(), true) {
                Ok(()) => {
                    ku_pending = false;
                    continue;
                }
                Err(e) => ku_error = e.to_string(),
            }
        }
        // With --new-cid, after the first answer: our new CID for immediate use (once our
        // Finished flight is acknowledged), then once that is acknowledged (no timer
        // left) a second line, whose answer must carry the new CID.
        if let Peer::Client(c) = &mut peer {
            if ncid == 1 {
                let now = Instant::now();
                if c.issue_connection_ids(now, 1, CidUsage::Immediate).is_ok() {
                    let new = c.own_cids().last().cloned().unwrap_or_default();
                    println!("NewConnectionId: {}", hex(&new));
                    ncid = 2;
                    continue;
                }
            } else if ncid == 2 && c.poll_timeout().is_none() {
                ncid = 3;
                c.send(LINE_NEW_CID).map_err(|e| format!("send: {e}"))?;
                continue;
            }
        }
        if let (Peer::Client(c), Some(t)) = (&mut peer, line_sent_at) {
            if replies == 0 && Instant::now() >= t + LINE_RESEND {
                eprintln!("no answer yet: sending the line again");
                c.send(LINE).map_err(|e| format!("send: {e}"))?;
                line_sent_at = Some(Instant::now());
                continue;
            }
        }
        if let (Peer::Client(c), true) = (&mut peer, key_updated && !second_sent) {
            second_sent = true;
            c.send(LINE2).map_err(|e| format!("send: {e}"))?;
            continue;
        }
        // The client is done once answered (twice with --key-update): then it closes and
        // sends the close_notify.
        if let Peer::Client(c) = &mut peer {
            if replies >= if a.key_update || a.new_cid { 2 } else { 1 }
                && !(want_ticket && c.tickets().is_empty())
            {
                c.close().map_err(|e| format!("close: {e}"))?;
                while let Some(d) = c.poll_transmit() {
                    let _ = sock.send_to(&d, addr);
                }
                return Ok(c.tickets().last().cloned());
            }
        }
        let now = Instant::now();
        if let Some(t) = answered {
            if peer_closed || now >= t + LINGER {
                return Ok(None);
            }
        } else if peer_closed {
            let what = if replies > 0 {
                "without a NewSessionTicket"
            } else {
                "before sending data"
            };
            return Err(format!("the peer closed {what}"));
        }
        if now >= start + DEADLINE {
            let what = if want_ticket && replies > 0 {
                "no NewSessionTicket".into()
            } else if ku_pending {
                format!("no KeyUpdate sent ({ku_error})")
            } else if replies == 1 && a.key_update {
                format!("after our KeyUpdate: {} answer(s)", replies)
            } else if established {
                "no data exchanged".into()
            } else {
                "handshake not complete".into()
            };
            return Err(format!("timed out after {DEADLINE:?}: {what}"));
        }
        let mut wait = start + DEADLINE - now;
        if let Some(t) = both!(&peer, p => p.poll_timeout()) {
            wait = wait.min(t.saturating_duration_since(now));
        }
        if let Some(t) = answered {
            wait = wait.min((t + LINGER).saturating_duration_since(now));
        }
        if let (Some(t), 0) = (line_sent_at, replies) {
            wait = wait.min((t + LINE_RESEND).saturating_duration_since(now));
        }
        sock.set_read_timeout(Some(wait.max(Duration::from_millis(1))))
            .map_err(|e| e.to_string())?;
        match sock.recv_from(&mut buf) {
            // Another client (the next one of a server): its datagram waits.
            Ok((n, from)) if from != addr => {
                if a.server {
                    link.held = Some((buf[..n].to_vec(), from));
                }
            }
            Ok((n, _)) if !a.server && is_hello_retry_request(&buf[..n]) => {
                eprintln!("HelloRetryRequest received");
                both!(&mut peer, p => p.handle_datagram(Instant::now(), &buf[..n]))
                    .map_err(|e| format!("HelloRetryRequest: {e}"))?
            }
            Ok((n, _)) => {
                if let Some(cid) = a.cid.and_then(|len| peek_cid(&buf[..n], len)) {
                    if cid != rx_cid {
                        rx_cid = cid.to_vec();
                        println!("received CID: {}", hex(cid));
                    }
                }
                both!(&mut peer, p => p.handle_datagram(Instant::now(), &buf[..n]))
                    .map_err(|e| format!("handshake/record error: {e}"))?
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            // ECONNREFUSED from an earlier send: the peer is not there (yet).
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {}
            Err(e) => return Err(format!("recv: {e}")),
        }
        let now = Instant::now();
        if both!(&peer, p => p.poll_timeout()).is_some_and(|t| t <= now) {
            both!(&mut peer, p => p.handle_timeout(now)).map_err(|e| format!("timer: {e}"))?;
        }
    }
}

fn hex(b: &[u8]) -> String {
    if b.is_empty() {
        return "(empty)".into();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// `ours HEX peer HEX` once CIDs were negotiated (what we receive, what we send), else
/// `none`.
fn cid_summary(negotiated: bool, own: &[Vec<u8>], peer: &[u8]) -> String {
    if !negotiated {
        return "none".into();
    }
    let own = own.first().map_or(&[][..], |c| &c[..]);
    format!("ours {} peer {}", hex(own), hex(peer))
}

/// The client cannot tell a HelloRetryRequest from its events: the test wants to know, so
/// look at the first epoch-0 record (RFC 9147 §4: 13-byte DTLSPlaintext header, 12-byte
/// handshake header, then legacy_version and the random that marks an HRR, RFC 8446 §4.1.3).
fn is_hello_retry_request(d: &[u8]) -> bool {
    d.len() >= 59 && d[0] == 22 && d[13] == 2 && d[27..59] == HRR_RANDOM
}

fn serve_or_connect(a: &Args) -> Result<(), String> {
    let sock = UdpSocket::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    if a.server {
        let port = sock.local_addr().map_err(|e| e.to_string())?.port();
        println!("PORT {port}");
    }
    let mut link = Link { sock, held: None };
    if !a.resume {
        return run(a, &mut link, None, None).map(drop);
    }
    // --resume (RFC 8446 §2.2): a server issues a ticket and serves a second client that
    // may resume it; a client's second connection offers the first one's ticket.
    if a.server {
        let key = TicketKey13::new(Instant::now()).map_err(|e| e.to_string())?;
        let key = Arc::new(key);
        run(a, &mut link, None, Some(key.clone()))?;
        return run(a, &mut link, None, Some(key)).map(drop);
    }
    let t = run(a, &mut link, None, None)?.ok_or("no ticket")?;
    run(a, &mut link, Some(t), None).map(drop)
}

fn main() -> ExitCode {
    let a = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let r = serve_or_connect(&a);
    match r {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("dtls13_udp: {e}");
            ExitCode::FAILURE
        }
    }
}
