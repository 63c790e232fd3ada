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
