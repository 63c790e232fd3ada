//! Tests of `cookie.rs` (kept apart so that file stays short).
use super::*;
use crate::codec::put_nested;

const PEER: &[u8] = &[127, 0, 0, 1, 0x30, 0x39];
const OTHER_PEER: &[u8] = &[127, 0, 0, 1, 0x30, 0x3a];

/// A DTLS 1.2 ClientHello datagram with `cookie`, `seq` as both record sequence and
/// message_seq, and `ext` as extension bytes.
fn client_hello(cookie: &[u8], seq: u16, random_byte: u8, ext: &[u8]) -> Vec<u8> {
    let mut body = Vec::new();
    put_u16(&mut body, 0xfefd);
    body.extend_from_slice(&[random_byte; 32]);
    put_vec(&mut body, 1, &[]);
    put_vec(&mut body, 1, cookie);
    put_vec(&mut body, 2, &[0xc0, 0x2b, 0xc0, 0x2f]);
    put_vec(&mut body, 1, &[0]);
    put_vec(&mut body, 2, ext);
    let mut d = Vec::new();
    put_u8(&mut d, 22);
    put_u16(&mut d, 0xfeff);
    put_u16(&mut d, 0);
    put_u48(&mut d, u64::from(seq));
    put_nested(&mut d, 2, |h| {
        put_u8(h, 1);
        put_u24(h, body.len() as u32);
        put_u16(h, seq);
        put_u24(h, 0);
        put_u24(h, body.len() as u32);
        h.extend_from_slice(&body);
    });
    d
}

fn hvr_cookie(hvr: &[u8]) -> Vec<u8> {
    let mut r = Reader::new(hvr);
    r.take(RECORD_HEADER_LEN + HANDSHAKE_HEADER_LEN + 2, "hdr")
        .unwrap();
    r.vec(1, "cookie").unwrap().to_vec()
}

#[test]
fn hello_verify_request_layout_and_size() {
    let keys = Arc::new(CookieKeys::with_seed(1));
    let l = CookieListener::new(keys);
    let now = Instant::now();
    let ch = client_hello(&[], 5, 9, &[0, 23, 0, 0]);
    let mut out = Vec::new();
    assert_eq!(
        l.handle(now, PEER, &ch, None, &mut out),
        ListenOutcome::HelloVerifyRequest
    );
    assert!(out.len() <= ch.len());
    assert_eq!(
        out.len(),
        RECORD_HEADER_LEN + HANDSHAKE_HEADER_LEN + 3 + COOKIE_LEN
    );
    let mut r = Reader::new(&out);
    assert_eq!(r.u8("t").unwrap(), 22);
    assert_eq!(r.u16("v").unwrap(), 0xfeff);
    assert_eq!(r.u16("e").unwrap(), 0);
    assert_eq!(
        r.u48("s").unwrap(),
        5,
        "record seq mirrors the ClientHello's"
    );
    assert_eq!(r.u16("l").unwrap() as usize, out.len() - RECORD_HEADER_LEN);
    assert_eq!(r.u8("mt").unwrap(), 3);
    let len = r.u24("len").unwrap();
    assert_eq!(r.u16("mseq").unwrap(), 5);
    assert_eq!(r.u24("off").unwrap(), 0);
    assert_eq!(r.u24("flen").unwrap(), len);
    assert_eq!(r.u16("sv").unwrap(), 0xfeff);
    assert_eq!(r.vec(1, "c").unwrap().len(), COOKIE_LEN);
    assert!(r.finish("end").is_ok());
}

#[test]
fn roundtrip_verifies_and_ignores_extensions_and_seq() {
    let l = CookieListener::new(Arc::new(CookieKeys::with_seed(2)));
    let now = Instant::now();
    let mut out = Vec::new();
    l.handle(now, PEER, &client_hello(&[], 0, 7, &[]), None, &mut out);
    let cookie = hvr_cookie(&out);
    let second = client_hello(&cookie, 1, 7, &[0xff, 0x01, 0, 1, 0]);
    assert_eq!(
        l.handle(now, PEER, &second, None, &mut out),
        ListenOutcome::Verified
    );
    assert!(out.is_empty());
    // The body-level helper agrees.
    let body = &second[RECORD_HEADER_LEN + HANDSHAKE_HEADER_LEN..];
    assert!(verify_client_hello_cookie(l.keys(), now, PEER, body, None));
    // Wrong peer, or a different random: a new HelloVerifyRequest, not Verified.
    assert_eq!(
        l.handle(now, OTHER_PEER, &second, None, &mut out),
        ListenOutcome::HelloVerifyRequest
    );
    let changed = client_hello(&cookie, 1, 8, &[]);
    assert_eq!(
        l.handle(now, PEER, &changed, None, &mut out),
        ListenOutcome::HelloVerifyRequest
    );
    // Another listener's secret does not accept it.
    let l2 = CookieListener::new(Arc::new(CookieKeys::with_seed(3)));
    assert_eq!(
        l2.handle(now, PEER, &second, None, &mut out),
        ListenOutcome::HelloVerifyRequest
    );
}

#[test]
fn rotation_accepts_previous_for_one_period_only() {
    let p = Duration::from_secs(60);
    let keys = CookieKeys::with_seed_and_rotation(4, p);
    let t0 = Instant::now();
    let c = keys.generate(t0, PEER, b"params");
    assert!(keys.verify(t0 + Duration::from_secs(30), PEER, b"params", &c));
    assert!(keys.verify(t0 + p + Duration::from_secs(1), PEER, b"params", &c));
    assert_ne!(
        keys.generate(t0 + p + Duration::from_secs(1), PEER, b"params"),
        c
    );
    assert!(!keys.verify(t0 + 2 * p + Duration::from_secs(1), PEER, b"params", &c));
    // A long quiet gap retires both secrets at once.
    let k2 = CookieKeys::with_seed_and_rotation(4, p);
    let c2 = k2.generate(t0, PEER, b"x");
    assert!(!k2.verify(t0 + 5 * p, PEER, b"x", &c2));
    // Time going backwards changes nothing.
    let k3 = CookieKeys::with_seed_and_rotation(5, p);
    let c3 = k3.generate(t0 + p, PEER, b"x");
    assert!(k3.verify(t0, PEER, b"x", &c3));
}

#[test]
fn threads_share_keys_across_a_rotation() {
    // Many listener threads on one SSL_CTX: each verifies its own cookies while others
    // cross the period boundary; all agree on the keys of each period.
    let p = Duration::from_secs(60);
    let keys = Arc::new(CookieKeys::with_seed_and_rotation(6, p));
    let t0 = Instant::now();
    let before = keys.generate(t0, PEER, b"params");
    let handles: Vec<_> = (0..4u8)
        .map(|i| {
            let keys = keys.clone();
            std::thread::spawn(move || {
                let mut ok = true;
                for j in 0..200u32 {
                    let now = t0 + Duration::from_millis(u64::from(j) * 500);
                    let params = [i, j as u8];
                    let c = keys.generate(now, PEER, &params);
                    ok &= keys.verify(now, PEER, &params, &c);
                    ok &= keys.verify(now, PEER, b"params", &before);
                }
                ok
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap());
    }
    assert!(!keys.verify(t0 + 2 * p, PEER, b"params", &before));
}

#[test]
fn seeded_keys_are_deterministic_and_cookie_lengths_checked() {
    let now = Instant::now();
    let a = CookieKeys::with_seed(9).generate(now, PEER, b"p");
    let b = CookieKeys::with_seed(9).generate(now, PEER, b"p");
    assert_eq!(a, b);
    let k = CookieKeys::with_seed(9);
    assert!(!k.verify(now, PEER, b"p", &a[..COOKIE_LEN - 1]));
    assert!(!k.verify(now, PEER, b"p", &[]));
    assert!(ct_eq(b"abc", b"abc") && !ct_eq(b"abc", b"abd") && !ct_eq(b"ab", b"abc"));
}

#[test]
fn garbage_never_panics_and_is_dropped() {
    let l = CookieListener::new(Arc::new(CookieKeys::with_seed(6)));
    let now = Instant::now();
    let mut out = Vec::new();
    let good = client_hello(&[1, 2, 3], 0, 1, &[0, 10, 0, 2, 0, 29]);
    for cut in 0..good.len() {
        // Every truncation is malformed: lengths no longer fit.
        assert_eq!(
            l.handle(now, PEER, &good[..cut], None, &mut out),
            ListenOutcome::Drop
        );
        assert!(out.is_empty());
    }
    // Deterministic pseudo-random mutations (xorshift).
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..20_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let mut d = good.clone();
        let i = (x % d.len() as u64) as usize;
        d[i] ^= (x >> 32) as u8 | 1;
        let _ = l.handle(now, PEER, &d, None, &mut out);
        assert!(out.len() <= d.len());
        let _ = verify_client_hello_cookie(l.keys(), now, PEER, &d, None);
    }
    for bad in [
        &[][..],
        &[22][..],
        &[23, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0][..],
    ] {
        assert_eq!(
            l.handle(now, PEER, bad, None, &mut out),
            ListenOutcome::Drop
        );
    }
    // Epoch 1, a fragment, and a non-ClientHello are all dropped.
    let mut epoch1 = good.clone();
    epoch1[4] = 1;
    assert_eq!(
        l.handle(now, PEER, &epoch1, None, &mut out),
        ListenOutcome::Drop
    );
    let mut frag = good.clone();
    frag[RECORD_HEADER_LEN + 11] ^= 1; // fragment_length != length
    assert_eq!(
        l.handle(now, PEER, &frag, None, &mut out),
        ListenOutcome::Drop
    );
    let mut sh = good.clone();
    sh[RECORD_HEADER_LEN] = 2;
    assert_eq!(
        l.handle(now, PEER, &sh, None, &mut out),
        ListenOutcome::Drop
    );
}

#[test]
fn session_id_limit() {
    let mut body = Vec::new();
    put_u16(&mut body, 0xfefd);
    body.extend_from_slice(&[0; 32]);
    put_vec(&mut body, 1, &[0; MAX_SESSION_ID_LEN + 1]);
    put_vec(&mut body, 1, &[]);
    put_vec(&mut body, 2, &[0xc0, 0x2b]);
    put_vec(&mut body, 1, &[0]);
    assert!(client_hello_cookie_params(&body).is_none());
    body[34] = MAX_SESSION_ID_LEN as u8;
    body.remove(35);
    assert!(client_hello_cookie_params(&body).is_some());
}

struct Hooks {
    cookie: Vec<u8>,
    generated: usize,
    verified: usize,
}

impl CookieHooks for Hooks {
    fn generate(&mut self) -> Option<Vec<u8>> {
        self.generated += 1;
        Some(self.cookie.clone())
    }
    fn verify(&mut self, cookie: &[u8]) -> bool {
        self.verified += 1;
        cookie == self.cookie.as_slice()
    }
}

#[test]
fn application_hooks_replace_keys() {
    let l = CookieListener::new(Arc::new(CookieKeys::with_seed(7)));
    let now = Instant::now();
    let mut h = Hooks {
        cookie: b"app-cookie".to_vec(),
        generated: 0,
        verified: 0,
    };
    let mut out = Vec::new();
    let ch = client_hello(&[], 0, 1, &[]);
    assert_eq!(
        l.handle(now, PEER, &ch, Some(&mut h), &mut out),
        ListenOutcome::HelloVerifyRequest
    );
    assert_eq!(hvr_cookie(&out), b"app-cookie");
    let ch2 = client_hello(b"app-cookie", 1, 1, &[]);
    assert_eq!(
        l.handle(now, PEER, &ch2, Some(&mut h), &mut out),
        ListenOutcome::Verified
    );
    assert_eq!((h.generated, h.verified), (1, 1));
    // Our own keys do not accept the application's cookie.
    assert_eq!(
        l.handle(now, PEER, &ch2, None, &mut out),
        ListenOutcome::HelloVerifyRequest
    );
    // An application cookie that would make the HelloVerifyRequest bigger than the
    // ClientHello is not sent (anti-amplification), nor is an oversized one.
    let mut big = Hooks {
        cookie: vec![7; MAX_COOKIE_LEN],
        generated: 0,
        verified: 0,
    };
    assert_eq!(
        l.handle(now, PEER, &ch, Some(&mut big), &mut out),
        ListenOutcome::Drop
    );
    assert!(out.is_empty());
    let mut huge = Hooks {
        cookie: vec![7; MAX_COOKIE_LEN + 1],
        generated: 0,
        verified: 0,
    };
    let padded = client_hello(&[], 0, 1, &[0; 600]);
    assert_eq!(
        l.handle(now, PEER, &padded, Some(&mut huge), &mut out),
        ListenOutcome::Drop
    );
    let mut big2 = Hooks {
        cookie: vec![7; MAX_COOKIE_LEN],
        generated: 0,
        verified: 0,
    };
    assert_eq!(
        l.handle(now, PEER, &padded, Some(&mut big2), &mut out),
        ListenOutcome::HelloVerifyRequest
    );
}
