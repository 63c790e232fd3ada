//! Bad input to our DTLS 1.3 client: dimpl's genuine first answer (HelloRetryRequest, or
//! ServerHello with the encrypted flight) mutated at random, each version fed to a fresh
//! client with the same seed (so unmutated parts stay consistent and parsing goes deep).
//! Nothing may panic; every outcome is a clean error or a silent drop.

use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use rdtls::dtls13::client::{Client13, Options13};

use crate::common::link::Endpoint;
use crate::{dimpl13, our13_config};

fn client(now: Instant) -> Client13 {
    let opts = Options13 {
        server_name: Some("localhost".into()),
        ..Options13::default()
    };
    Client13::new(our13_config(31, 1150, true), opts, now).unwrap()
}

/// dimpl's answer to our ClientHello (with or without its cookie round).
fn server_answer(now: Instant, cookie: bool) -> Vec<u8> {
    let mut c = client(now);
    let ch = c.poll_transmit().unwrap();
    let mut s = dimpl13(now, 31, cookie, &[], 1150);
    s.handle_datagram(now, &ch);
    let answer = s.poll_transmit(now).expect("dimpl answers");
    assert!(s.poll_transmit(now).is_none(), "one datagram");
    answer
}

fn mutate(rng: &mut StdRng, d: &[u8]) -> Vec<u8> {
    let mut m = d.to_vec();
    // Aim at the plaintext record (the first one) most of the time: that is where the
    // parser runs; the encrypted records only ever fail authentication.
    let first = 13 + usize::from(u16::from_be_bytes([d[11], d[12]]));
    let span = if rng.gen_bool(0.8) { first } else { m.len() };
    match rng.gen_range(0..5) {
        0 => {
            for _ in 0..rng.gen_range(1..4) {
                let i = rng.gen_range(0..span);
                m[i] ^= 1 << rng.gen_range(0..8);
            }
        }
        1 => m.truncate(rng.gen_range(0..m.len())),
        2 => {
            let i = rng.gen_range(0..span);
            m[i] = rng.gen();
        }
        3 => {
            // A length field of the record or the handshake header.
            let i = [11usize, 12, 14, 15, 16, 22, 23, 24][rng.gen_range(0..8)];
            m[i] = rng.gen();
        }
        _ => {
            let i = rng.gen_range(0..span);
            let extra: Vec<u8> = (0..rng.gen_range(1..20)).map(|_| rng.gen()).collect();
            m.splice(i..i, extra);
        }
    }
    m
}

#[test]
fn mutated_server_answers_fail_cleanly() {
    let now = Instant::now();
    for cookie in [false, true] {
        let genuine = server_answer(now, cookie);
        // The genuine answer moves the client on: ClientHello2, or to the end.
        let mut c = client(now);
        while c.poll_transmit().is_some() {}
        c.handle_datagram(now, &genuine).unwrap();
        if cookie {
            assert_eq!(c.poll_transmit().expect("ClientHello2")[0], 22);
        } else {
            assert!(
                c.is_established(),
                "the whole server flight in one datagram"
            );
        }
        let mut rng = StdRng::seed_from_u64(if cookie { 0x5eed } else { 0xbad });
        let (mut errors, mut silent) = (0, 0);
        for _ in 0..400 {
            let mut c = client(now);
            while c.poll_transmit().is_some() {}
            let m = mutate(&mut rng, &genuine);
            match c.handle_datagram(now, &m) {
                Err(_) => {
                    errors += 1;
                    assert!(c.handle_datagram(now, &genuine).is_err(), "errors stick");
                }
                Ok(()) => {
                    silent += 1;
                    // Whatever state it reached, timers and later input stay safe.
                    let later = now + Duration::from_secs(2);
                    let _ = c.handle_timeout(later);
                    let _ = c.handle_datagram(later, &genuine);
                }
            }
        }
        assert!(
            errors > 20 && silent > 20,
            "cookie={cookie}: {errors} errors, {silent} silent"
        );
    }
}

/// RFC 9147 §5.8.2 against a silent server: ClientHello resent (the same message under a
/// new record number) on a timer that doubles up to the maximum, nothing early, and after
/// the configured retransmissions the handshake fails with a timeout that sticks.
#[test]
fn silent_server_doubling_timer_then_timeout() {
    let now = Instant::now();
    let cfg = rdtls::Config::builder()
        .initial_timeout(Duration::from_secs(1))
        .max_timeout(Duration::from_secs(8))
        .max_retransmits(4)
        .rng_seed(33)
        .build()
        .unwrap();
    let mut c = Client13::new(cfg, Options13::default(), now).unwrap();
    let ch = c.poll_transmit().unwrap();
    let mut t = now;
    let mut gaps = Vec::new();
    loop {
        let due = c.poll_timeout().expect("a timer while the handshake waits");
        // Nothing before the deadline.
        c.handle_timeout(due - Duration::from_millis(1)).unwrap();
        assert!(c.poll_transmit().is_none(), "no early retransmission");
        gaps.push((due - t).as_secs());
        t = due;
        match c.handle_timeout(t) {
            Ok(()) => {
                let again = c.poll_transmit().expect("ClientHello resent");
                assert_eq!(again[13..], ch[13..], "same message");
                assert_ne!(again[5..11], ch[5..11], "new record number");
                assert!(c.poll_transmit().is_none());
            }
            Err(e) => {
                assert_eq!(e, rdtls::Error::HandshakeTimeout);
                break;
            }
        }
        assert!(gaps.len() < 10, "bounded");
    }
    assert_eq!(gaps, [1, 2, 4, 8, 8]);
    assert!(c.handle_timeout(t + Duration::from_secs(60)).is_err());
    assert_eq!(c.poll_timeout(), None);
    assert!(c.poll_transmit().is_none());
}
