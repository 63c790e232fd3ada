//! Many client associations on one UDP socket, for holding 100k associations over loopback
//! UDP (issue 12 item 5) without one file descriptor each: the process's limit here is
//! 20,000 and cannot be raised without CAP_SYS_RESOURCE.
//!
//! The socket is bound to the wildcard address on one port, and association `i` speaks from
//! its own loopback address (all of 127.0.0.0/8 is local on Linux): each datagram leaves
//! with that source address set through `IP_PKTINFO`, and the `IP_PKTINFO` of a received
//! datagram (its destination address) names the association it is for. The server sees
//! every association as a distinct peer address, as it would distinct hosts.

use std::collections::HashMap;
use std::io::{IoSlice, IoSliceMut};
use std::net::{Ipv4Addr, SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::time::{Duration, Instant};

use nix::libc;
use nix::sys::socket::{
    recvmsg, sendmsg, setsockopt, sockopt, ControlMessage, ControlMessageOwned, MsgFlags,
    SockaddrIn,
};
use rdtls::{ClientOptions, Config, Connection};

/// Handshakes in flight at once per socket (bounded so the flights of the server's replies
/// fit the socket's receive buffer).
const WINDOW: usize = 32;

/// The loopback address association `i` speaks from: 127.2.0.1, 127.2.0.2, ... (hosts 1 to
/// 250 of each /24).
pub fn mux_address(i: usize) -> Ipv4Addr {
    let (block, host) = (i / 250, (i % 250) as u8 + 1);
    Ipv4Addr::new(127, 2 + (block / 256) as u8, (block % 256) as u8, host)
}

/// Associations sharing one socket.
pub struct MuxClient {
    sock: UdpSocket,
    server: SockaddrIn,
    conns: Vec<(Ipv4Addr, Connection)>,
    by_addr: HashMap<Ipv4Addr, usize>,
    buf: Vec<u8>,
    out: Vec<u8>,
}

impl MuxClient {
    pub fn new(server: SocketAddr) -> Result<Self, Box<dyn std::error::Error>> {
        let SocketAddr::V4(v4) = server else {
            return Err("the multiplexing client speaks IPv4 loopback only".into());
        };
        let sock = UdpSocket::bind("0.0.0.0:0")?;
        setsockopt(&sock, sockopt::Ipv4PacketInfo, &true)?;
        sock.set_read_timeout(Some(Duration::from_millis(5)))?;
        Ok(Self {
            sock,
            server: SockaddrIn::from(v4),
            conns: Vec::new(),
            by_addr: HashMap::new(),
            buf: vec![0u8; 65536],
            out: Vec::new(),
        })
    }

    /// Associations established and held.
    pub fn len(&self) -> usize {
        self.conns.len()
    }

    /// Sends `data` from `from` (the source address set per datagram with IP_PKTINFO).
    fn send_from(&self, from: Ipv4Addr, data: &[u8]) {
        let info = libc::in_pktinfo {
            ipi_ifindex: 0,
            ipi_spec_dst: libc::in_addr {
                s_addr: u32::from(from).to_be(),
            },
            ipi_addr: libc::in_addr { s_addr: 0 },
        };
        let iov = [IoSlice::new(data)];
        let cmsg = [ControlMessage::Ipv4PacketInfo(&info)];
        // A full socket buffer drops the datagram, as a network may: DTLS retransmits.
        let _ = sendmsg(
            self.sock.as_raw_fd(),
            &iov,
            &cmsg,
            MsgFlags::empty(),
            Some(&self.server),
        );
    }

    /// Sends everything `c` has queued, from `from`.
    fn flush(&mut self, from: Ipv4Addr, c: &mut Connection, now: Instant) {
        let mut out = std::mem::take(&mut self.out);
        while c.poll_transmit(now, &mut out).is_some() {
            self.send_from(from, &out);
        }
        self.out = out;
    }

    /// Receives one datagram (waiting up to the socket's 5 ms timeout): its length and the
    /// local address it was sent to.
    fn recv(&mut self) -> Option<(usize, Ipv4Addr)> {
        let mut cmsg = nix::cmsg_space!(libc::in_pktinfo);
        let mut iov = [IoSliceMut::new(&mut self.buf)];
        let msg = recvmsg::<SockaddrIn>(
            self.sock.as_raw_fd(),
            &mut iov,
            Some(&mut cmsg),
            MsgFlags::empty(),
        )
        .ok()?;
        let to = msg.cmsgs().ok()?.find_map(|c| match c {
            ControlMessageOwned::Ipv4PacketInfo(info) => {
                Some(Ipv4Addr::from(u32::from_be(info.ipi_addr.s_addr)))
            }
            _ => None,
        })?;
        Some((msg.bytes, to))
    }

    /// Runs the handshakes of `addrs`, `WINDOW` at a time, each given up after `limit`;
    /// the established ones are kept. Returns how many failed.
    pub fn establish(&mut self, cfg: &Arc<Config>, addrs: &[Ipv4Addr], limit: Duration) -> usize {
        // In flight: address, connection, start.
        let mut pending: HashMap<Ipv4Addr, (Connection, Instant)> = HashMap::new();
        let (mut next, mut failed) = (0, 0);
        while next < addrs.len() || !pending.is_empty() {
            let now = Instant::now();
            while pending.len() < WINDOW && next < addrs.len() {
                let from = addrs[next];
                next += 1;
                match Connection::client(cfg.clone(), now, ClientOptions::default()) {
                    Ok(mut c) => {
                        self.flush(from, &mut c, now);
                        pending.insert(from, (c, now));
                    }
                    Err(_) => failed += 1,
                }
            }
            if let Some((n, to)) = self.recv() {
                let now = Instant::now();
                if let Some((mut c, started)) = pending.remove(&to) {
                    let ok = c.handle_datagram(now, &self.buf[..n]).is_ok();
                    self.flush(to, &mut c, now);
                    if !ok {
                        failed += 1;
                    } else if c.is_established() {
                        self.by_addr.insert(to, self.conns.len());
                        self.conns.push((to, c));
                    } else {
                        pending.insert(to, (c, started));
                    }
                }
            }
            // Retransmission timers, and the handshakes that took too long.
            let now = Instant::now();
            let addrs_pending: Vec<Ipv4Addr> = pending.keys().copied().collect();
            for from in addrs_pending {
                let Some((mut c, started)) = pending.remove(&from) else {
                    continue;
                };
                if now.duration_since(started) > limit || c.handle_timeout(now).is_err() {
                    failed += 1;
                    continue;
                }
                self.flush(from, &mut c, now);
                pending.insert(from, (c, started));
            }
        }
        failed
    }

    /// Sends one record on every held association, 64 at a time, and counts the echoes.
    pub fn ping_all(&mut self) -> usize {
        let mut alive = 0;
        let mut data = [0u8; 64];
        let total = self.conns.len();
        let mut start = 0;
        while start < total {
            let end = (start + 64).min(total);
            let now = Instant::now();
            let mut conns = std::mem::take(&mut self.conns);
            for (from, c) in &mut conns[start..end] {
                let _ = c.send(b"ping");
                self.flush(*from, c, now);
            }
            let (mut got, deadline) = (0, Instant::now() + Duration::from_secs(2));
            while got < end - start && Instant::now() < deadline {
                let Some((n, to)) = self.recv() else { continue };
                let Some(&i) = self.by_addr.get(&to) else {
                    continue;
                };
                let c = &mut conns[i].1;
                let _ = c.handle_datagram(Instant::now(), &self.buf[..n]);
                while let Some(k) = c.recv(&mut data) {
                    if &data[..k] == b"ping" && (start..end).contains(&i) {
                        got += 1;
                    }
                }
            }
            self.conns = conns;
            alive += got;
            start = end;
        }
        alive
    }
}
