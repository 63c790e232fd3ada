//! The client's address changes mid-session (NAT rebinding): a sans-IO connection has no
//! addresses, so the test plays the server's demultiplexer. It routes a datagram by its
//! source address, and one from an unknown address by the CID of its unified header
//! (`unified_header::peek_cid`, RFC 9147 §9) to the association that issued that CID; the
//! association's return address moves only once a record from the new address
//! authenticated (RFC 9146 §6). Without CIDs the same move loses the association.

use std::collections::{HashMap, VecDeque};
use std::time::Instant;

use rdtls::dtls13::client::{Client13, Options13};
use rdtls::dtls13::connection_id::CidUsage;
use rdtls::dtls13::server::{Server13, ServerOptions13};
use rdtls::dtls13::unified_header::peek_cid;

use crate::{client_config, server_config};

type Addr = u32;

/// Our CIDs' length at the server.
const CID_LEN: usize = 6;

struct Assoc {
    server: Server13,
    /// Where its datagrams go (the client's latest authenticated address).
    peer: Addr,
    received: Vec<Vec<u8>>,
}

struct Client {
    c: Client13,
    addr: Addr,
    received: Vec<Vec<u8>>,
}

/// The server side: associations and the routing tables in front of them.
struct Demux {
    assocs: Vec<Assoc>,
    by_addr: HashMap<Addr, usize>,
    cid: bool,
    seed: u64,
}

enum To {
    Server(Addr),
    Client(Addr),
}

struct Net {
    demux: Demux,
    clients: Vec<Client>,
    wire: VecDeque<(To, Vec<u8>)>,
    now: Instant,
    /// Datagrams addressed to nobody (a client's old address after it moved).
    lost: usize,
}

impl Demux {
    /// The association of a datagram from `from`: by address, else by CID, else a new
    /// one (which only a ClientHello can start).
    fn route(&mut self, now: Instant, from: Addr, d: &[u8]) -> usize {
        if let Some(&i) = self.by_addr.get(&from) {
            return i;
        }
        if let Some(cid) = peek_cid(d, CID_LEN) {
            if let Some(i) = self
                .assocs
                .iter()
                .position(|a| a.server.own_cids().iter().any(|c| c == cid))
            {
                return i;
            }
        }
        let opts = ServerOptions13 {
            cid_len: self.cid.then_some(CID_LEN),
            peer_addr: from.to_be_bytes().to_vec(),
            ..ServerOptions13::default()
        };
        let seed = self.seed + self.assocs.len() as u64;
        let server = Server13::new(server_config(seed), opts, now).expect("server");
        self.assocs.push(Assoc {
            server,
            peer: from,
            received: Vec::new(),
        });
        self.by_addr.insert(from, self.assocs.len() - 1);
        self.assocs.len() - 1
    }

    fn on_datagram(&mut self, now: Instant, from: Addr, d: &[u8]) {
        let i = self.route(now, from, d);
        let a = &mut self.assocs[i];
        let dropped = |s: &Server13| s.records_failed() + s.wrong_cid_records();
        let before = (dropped(&a.server), a.received.len());
        // A new association fed a stray protected record just drops it.
        let _ = a.server.handle_datagram(now, d);
        while let Some(m) = a.server.recv() {
            a.received.push(m);
        }
        // RFC 9146 §6: only an authenticated record (here: new data, nothing dropped)
        // moves the return path.
        let authenticated = dropped(&a.server) == before.0 && a.received.len() > before.1;
        if from != a.peer && authenticated {
            self.by_addr.remove(&a.peer);
            a.peer = from;
            self.by_addr.insert(from, i);
        }
    }
}

impl Net {
    fn new(seed: u64, clients: &[(Addr, Option<usize>)], server_cid: bool) -> Net {
        let now = Instant::now();
        let clients = clients
            .iter()
            .enumerate()
            .map(|(i, &(addr, cid_len))| {
                let opts = Options13 {
                    server_name: Some("localhost".into()),
                    cid_len,
                    ..Options13::default()
                };
                let c =
                    Client13::new(client_config(seed + 50 + i as u64), opts, now).expect("client");
                Client {
                    c,
                    addr,
                    received: Vec::new(),
                }
            })
            .collect();
        Net {
            demux: Demux {
                assocs: Vec::new(),
                by_addr: HashMap::new(),
                cid: server_cid,
                seed,
            },
            clients,
            wire: VecDeque::new(),
            now,
            lost: 0,
        }
    }

    /// Moves every queued datagram, then fires due timers, until nothing is left to do
    /// or `steps` run out.
    fn run(&mut self, steps: usize) {
        for _ in 0..steps {
            for c in &mut self.clients {
                while let Some(d) = c.c.poll_transmit() {
                    self.wire.push_back((To::Server(c.addr), d));
                }
            }
            for a in &mut self.demux.assocs {
                while let Some(d) = a.server.poll_transmit() {
                    self.wire.push_back((To::Client(a.peer), d));
                }
            }
            if let Some((to, d)) = self.wire.pop_front() {
                match to {
                    To::Server(from) => self.demux.on_datagram(self.now, from, &d),
                    To::Client(addr) => match self.clients.iter_mut().find(|c| c.addr == addr) {
                        Some(c) => {
                            let _ = c.c.handle_datagram(self.now, &d);
                            while let Some(m) = c.c.recv() {
                                c.received.push(m);
                            }
                        }
                        None => self.lost += 1,
                    },
                }
                continue;
            }
            let next = self
                .clients
                .iter()
                .filter_map(|c| c.c.poll_timeout())
                .chain(
                    self.demux
                        .assocs
                        .iter()
                        .filter_map(|a| a.server.poll_timeout()),
                )
                .min();
            let Some(t) = next else { return };
            self.now = self.now.max(t);
            for c in &mut self.clients {
                let _ = c.c.handle_timeout(self.now);
            }
            for a in &mut self.demux.assocs {
                let _ = a.server.handle_timeout(self.now);
            }
        }
    }

    /// Index of the association that completed a handshake with client `i` (by its CID or
    /// its address).
    fn assoc_of(&self, i: usize) -> Option<usize> {
        let c = &self.clients[i].c;
        self.demux.assocs.iter().position(|a| {
            (c.cid_negotiated() && a.server.own_cids().iter().any(|x| x == c.peer_cid()))
                || a.peer == self.clients[i].addr
        })
    }

    /// Client `i` and its association exchange one record each way.
    fn exchange(&mut self, i: usize, up: &[u8], down: &[u8]) -> bool {
        self.clients[i].c.send(up).expect("client send");
        self.run(200);
        let Some(a) = self.assoc_of(i) else {
            return false;
        };
        let got = std::mem::take(&mut self.demux.assocs[a].received);
        if got != [up.to_vec()] {
            return false;
        }
        self.demux.assocs[a].server.send(down).expect("server send");
        self.run(200);
        std::mem::take(&mut self.clients[i].received) == [down.to_vec()]
    }
}

#[test]
fn client_address_change_keeps_the_session_by_cid() {
    // Two clients with CIDs behind one demultiplexer.
    let mut net = Net::new(300, &[(1, Some(0)), (2, Some(4))], true);
    net.run(2_000);
    assert!(net.clients.iter().all(|c| c.c.is_established()));
    assert!(net.exchange(0, b"x before", b"x ok"));
    assert!(net.exchange(1, b"y before", b"y ok"));
    let ax = net.assoc_of(0).unwrap();
    // Before moving, client x gets spare CIDs, to use a fresh one on the new path
    // (RFC 9147 §9); the association accepts them all.
    let now = net.now;
    net.clients[0].c.request_connection_ids(now, 2).unwrap();
    net.run(500);
    assert_eq!(net.demux.assocs[ax].server.own_cids().len(), 3);
    // NAT rebinding: x's address changes; what is sent to the old one is lost.
    net.clients[0].addr = 11;
    assert!(net.clients[0].c.use_spare_cid());
    assert!(net.exchange(0, b"x after the move", b"x still here"));
    assert_eq!(net.assoc_of(0), Some(ax), "the same association");
    assert_eq!(net.demux.assocs[ax].peer, 11, "return path moved");
    assert_eq!(net.demux.by_addr.get(&11), Some(&ax));
    assert!(!net.demux.by_addr.contains_key(&1));
    assert_eq!(net.demux.assocs.len(), 2, "no new association");
    // The other client is unaffected, and x can switch CIDs again on its new path.
    assert!(net.exchange(1, b"y after", b"y ok"));
    let now = net.now;
    net.demux.assocs[ax]
        .server
        .issue_connection_ids(now, 1, CidUsage::Immediate)
        .unwrap();
    net.run(500);
    net.clients[0].addr = 12;
    assert!(net.exchange(0, b"x moved again", b"x fine"));
    assert_eq!(net.demux.assocs[ax].peer, 12);
    assert!(net.clients.iter().all(|c| c.c.error().is_none()));
    assert!(net.demux.assocs.iter().all(|a| a.server.error().is_none()));
}

/// Without CIDs the demultiplexer can only go by address: after the move the client's
/// records reach no association (a fresh one drops them), and the session is lost.
#[test]
fn without_cids_an_address_change_loses_the_session() {
    let mut net = Net::new(310, &[(1, None)], false);
    net.run(2_000);
    assert!(net.clients[0].c.is_established());
    assert!(net.exchange(0, b"before", b"ok"));
    net.clients[0].addr = 11;
    net.clients[0].c.send(b"after the move").unwrap();
    net.run(200);
    assert_eq!(
        net.demux.assocs.len(),
        2,
        "a stray association for the new address"
    );
    assert!(net.demux.assocs.iter().all(|a| a.received.is_empty()));
}
