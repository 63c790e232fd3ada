//! `Connection::send` refusals are per-call errors (`SendError`), not the connection's fatal
//! `Error`: before the handshake, over 2^14 bytes, with the output queue full and after our
//! close_notify the call fails and the connection is left as it was; only a failed
//! connection answers `Failed`.

mod common;

use std::sync::Arc;
use std::time::Instant;

use rdtls::transmit::MAX_QUEUED_DATAGRAMS;
use rdtls::{ClientOptions, Config, Connection, Error, SendError};

use common::fixtures::Spec;
use common::ours::{our_builder, PEER_ADDR};

fn config(server: bool) -> Arc<Config> {
    our_builder(&Spec::default_ecdsa(), server)
        .rng_seed(if server { 31 } else { 32 })
        .build()
        .expect("config")
}

fn drain(from: &mut Connection, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = Vec::new();
    while let Some(n) = from.poll_transmit(now, &mut buf) {
        out.push(buf[..n].to_vec());
    }
    out
}

fn run(c: &mut Connection, s: &mut Connection, now: Instant) {
    for _ in 0..20 {
        let to_s = drain(c, now);
        for d in &to_s {
            let _ = s.handle_datagram(now, d);
        }
        let to_c = drain(s, now);
        for d in &to_c {
            let _ = c.handle_datagram(now, d);
        }
        if to_s.is_empty() && to_c.is_empty() {
            break;
        }
    }
}

#[test]
fn refusals_are_not_fatal() {
    let now = Instant::now();
    let mut c = Connection::client(config(false), now, ClientOptions::default()).expect("client");
    let mut s = Connection::server(config(true), now, PEER_ADDR);

    // Before the handshake: refused, and the handshake still completes.
    let e = c.send(b"early").unwrap_err();
    assert_eq!(e, SendError::NotEstablished);
    assert!(!e.is_fatal());
    assert_eq!(Error::from(e).to_string(), "handshake not complete");
    assert!(c.error().is_none());
    run(&mut c, &mut s, now);
    assert!(c.is_established() && s.is_established());

    // Over one record: refused; the next send goes through and arrives.
    let e = c.send(&vec![0; (1 << 14) + 1]).unwrap_err();
    assert_eq!(e, SendError::TooLarge { max: 1 << 14 });
    assert!(!e.is_fatal());
    c.send(b"after").expect("still usable");
    run(&mut c, &mut s, now);
    let mut buf = [0u8; 16];
    assert_eq!(s.recv(&mut buf), Some(5));
    assert_eq!(&buf[..5], b"after");

    // Sending without draining the output: refused once the queue is full, not fatal; the
    // queued records all arrive once drained, and sending works again.
    let mut queued = 0;
    let e = loop {
        match c.send(&[queued as u8]) {
            Ok(()) => queued += 1,
            Err(e) => break e,
        }
        assert!(queued <= MAX_QUEUED_DATAGRAMS, "the queue is bounded");
    };
    assert_eq!(e, SendError::Full);
    assert!(!e.is_fatal());
    assert_eq!(queued, MAX_QUEUED_DATAGRAMS);
    // The receiver reads as the records arrive (it buffers a bounded amount itself).
    let mut got = 0;
    let mut dg = Vec::new();
    while let Some(n) = c.poll_transmit(now, &mut dg) {
        s.handle_datagram(now, &dg[..n]).expect("server input");
        while let Some(n) = s.recv(&mut buf) {
            assert_eq!((n, buf[0]), (1, got as u8));
            got += 1;
        }
    }
    assert_eq!(got, queued);
    c.send(b"again").expect("drained: sends again");

    // After our close_notify: refused as closed, not failed.
    c.close();
    let e = c.send(b"late").unwrap_err();
    assert_eq!(e, SendError::Closed);
    assert!(!e.is_fatal());
    assert!(c.error().is_none());
}

#[test]
fn a_failed_connection_says_failed() {
    let now = Instant::now();
    let mut c = Connection::client(config(false), now, ClientOptions::default()).expect("client");
    // No server answers: the handshake gives up after its retransmissions (fatal).
    let mut t = now;
    let mut failed = None;
    for _ in 0..64 {
        let _ = drain(&mut c, t);
        match c.poll_timeout() {
            Some(d) => t = d,
            None => break,
        }
        if let Err(e) = c.handle_timeout(t) {
            failed = Some(e);
            break;
        }
    }
    let fatal = failed.expect("the handshake times out");
    assert_eq!(fatal, Error::HandshakeTimeout);
    let e = c.send(b"x").unwrap_err();
    assert!(e.is_fatal());
    assert_eq!(e, SendError::Failed(Error::HandshakeTimeout));
}
