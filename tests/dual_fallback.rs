//! A dual (DTLS 1.3 + 1.2) client whose 1.2 server splits its ServerHello across datagrams
//! (RFC 6347 §4.2.3; a peer with a small MTU may): the client holds the fragments until
//! the message is whole, then falls back to 1.2 instead of failing with protocol_version.
//! A 1.3 ServerHello split the same way still completes on 1.3. Virtual time.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::fixtures::Spec;
use common::link::{Dir, LinkConfig, Pair};
use common::ours::{our_builder, Ours};
use common::wire::{encode_flight, parse_handshake, parse_records, Msg};
use rdtls::{ClientOptions, Config, DTLS1_2_VERSION, DTLS1_3_VERSION};

const SERVER_HELLO: u8 = 2;

fn config(server: bool, max: u16) -> Arc<Config> {
    our_builder(&Spec::default_ecdsa(), server)
        .versions(DTLS1_2_VERSION, max)
        .unwrap()
        // No HelloVerifyRequest: the ServerHello is the server's first answer.
        .cookie_exchange(false)
        .build()
        .unwrap()
}

/// The whole ServerHello in the first (plaintext) record of `d`, and that record's
/// sequence number (1.3 flights continue with unified headers, which `parse_records`
/// does not read).
fn first_server_hello(d: &[u8]) -> Option<(u64, Msg)> {
    let rec = parse_records(d.get(..13 + usize::from(u16::from_be_bytes([d[11], d[12]])))?)
        .ok()?
        .into_iter()
        .next()?;
    let f = parse_handshake(&rec.body)?.into_iter().next()?;
    let whole = rec.epoch == 0 && f.msg_type == SERVER_HELLO && f.is_whole();
    whole.then_some((
        rec.seq,
        Msg {
            msg_type: f.msg_type,
            message_seq: f.message_seq,
            body: f.body,
        },
    ))
}

/// Runs the handshake, re-sending the server's first flight that holds a ServerHello as
/// one small fragment per datagram (`max_frag` bytes), in reverse order when `reverse`.
fn split_server_hello(server_max: u16, max_frag: usize, reverse: bool) -> Pair<Ours, Ours> {
    let now = Instant::now();
    let c = Ours::client(
        config(false, DTLS1_3_VERSION),
        now,
        ClientOptions::default(),
    );
    let s = Ours::server(config(true, server_max), now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 7);
    let mut split = false;
    for _ in 0..10 {
        let to_s = p.take(Dir::ToServer);
        p.deliver(Dir::ToServer, &to_s);
        let to_c = p.take(Dir::ToClient);
        if let (false, Some((first_seq, sh))) =
            (split, to_c.first().and_then(|d| first_server_hello(d)))
        {
            split = true;
            let only_sh = [sh];
            let mut dgs = encode_flight(&only_sh, first_seq, max_frag);
            assert!(dgs.len() >= 2, "the ServerHello is split");
            if reverse {
                dgs.reverse();
            }
            p.deliver(Dir::ToClient, &dgs);
            // The rest of the flight as the server sent it (the ServerHello again there is
            // a duplicate, dropped by either engine).
            p.deliver(Dir::ToClient, &to_c);
        } else {
            p.deliver(Dir::ToClient, &to_c);
        }
        if to_s.is_empty() && to_c.is_empty() {
            break;
        }
    }
    assert!(split, "no ServerHello seen");
    p.handshake(10_000, Duration::from_secs(600))
        .unwrap_or_else(|e| panic!("{e}"));
    p
}

#[test]
fn split_12_server_hello_falls_back() {
    for reverse in [false, true] {
        let mut p = split_server_hello(DTLS1_2_VERSION, 40, reverse);
        assert_eq!(p.client.conn.protocol_version(), Some(DTLS1_2_VERSION));
        assert_eq!(p.server.conn.protocol_version(), Some(DTLS1_2_VERSION));
        p.exchange(b"split hello", b"fine").unwrap();
    }
}

#[test]
fn split_13_server_hello_stays_13() {
    let mut p = split_server_hello(DTLS1_3_VERSION, 40, false);
    assert_eq!(p.client.conn.protocol_version(), Some(DTLS1_3_VERSION));
    p.exchange(b"split 1.3 hello", b"fine").unwrap();
}
