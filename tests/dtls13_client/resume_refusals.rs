//! The client refusing a hand-driven server that bends the resumption, and garbage that
//! authenticates (sealed with the server's real keys) after the handshake; the server is
//! the one of `resume.rs`; and what a stored verify result decides about the offer.

use std::time::{Duration, Instant};

use rdtls::dtls13::client::{Client13, Options13, Ticket13};
use rdtls::AlertDescription;

use crate::c13;
use crate::resume::{
    made_up_ticket, resume_with_hand_driven_server, resuming_client, server_flight, Deviation,
};

/// A resuming client offering ALPN `coap` and `webrtc`.
fn resuming_client_alpn(seed: u64, now: Instant, ticket: Ticket13) -> Client13 {
    let opts = Options13 {
        server_name: Some("localhost".into()),
        resume: Some(ticket),
        ..Options13::default()
    };
    let cfg = rdtls::Config::builder()
        .trust_store(crate::common::ours::trust_all())
        .verify_mode(rdtls::VerifyMode::Peer)
        .alpn_protocols(&[b"coap".to_vec(), b"webrtc".to_vec()])
        .rng_seed(seed)
        .build()
        .unwrap();
    Client13::new(cfg, opts, now).unwrap()
}

/// A server that bends the resumption is refused with the RFC 8446 alert: an identity we
/// did not offer (§4.2.11: illegal_parameter), an EncryptedExtensions answer we did not
/// ask for (ALPN; §4.2: unsupported_extension), a Certificate after accepting the PSK
/// (§2.2: none is sent; unexpected_message). No Finished of ours goes out.
#[test]
fn bent_resumptions_are_refused() {
    let cases = [
        (
            Deviation {
                selected: 1,
                ..Deviation::default()
            },
            AlertDescription::ILLEGAL_PARAMETER,
        ),
        (
            Deviation {
                ee_extension: Some((16, b"\x00\x07\x06webrtc")),
                ..Deviation::default()
            },
            AlertDescription::UNSUPPORTED_EXTENSION,
        ),
        (
            Deviation {
                certificate: true,
                ..Deviation::default()
            },
            AlertDescription::UNEXPECTED_MESSAGE,
        ),
    ];
    for (i, (dev, alert)) in cases.into_iter().enumerate() {
        let t0 = Instant::now();
        let now = t0 + Duration::from_millis(10);
        let psk = [0x24u8; 32];
        let mut c = resuming_client(90 + i as u64, now, made_up_ticket(t0, &psk, b"bent"));
        let f = server_flight(&mut c, &psk, b"bent", 3, dev);
        let err = c.handle_datagram(now, &f.datagram).unwrap_err();
        assert_eq!(err.alert_to_send(), Some(alert), "{dev:?}: {err}");
        assert!(!c.is_established() && !c.resumed());
        // The ticket's verify result is reported only once the server's Finished verified.
        assert_eq!(c.verify_result(), None, "{dev:?}");
        // Only the alert goes out (protected once handshake keys exist).
        let out: Vec<Vec<u8>> = std::iter::from_fn(|| c.poll_transmit()).collect();
        assert_eq!(out.len(), 1, "{dev:?}: one alert datagram");
    }
}

/// The SNI acknowledgement in EncryptedExtensions (RFC 8446 §4.2, RFC 6066 §3): an empty
/// server_name after our SNI is taken; one with a body is a decode_error (as OpenSSL 3.0
/// answers it); one when we sent no SNI is unsupported_extension (§4.2: not solicited).
#[test]
fn server_name_ack_in_encrypted_extensions() {
    let psk = [0x31u8; 32];
    let ee = |name: &'static [u8]| Deviation {
        ee_extension: Some((0, name)),
        ..Deviation::default()
    };
    let t0 = Instant::now();
    let now = t0 + Duration::from_millis(10);
    // Accepted: the flight is taken and the client knows the server used the name.
    let mut c = resuming_client(120, now, made_up_ticket(t0, &psk, b"sni"));
    let f = server_flight(&mut c, &psk, b"sni", 3, ee(b""));
    c.handle_datagram(now, &f.datagram).unwrap();
    assert!(c.sni_acknowledged());
    // A ServerNameList where the empty acknowledgement belongs.
    let mut c = resuming_client(121, now, made_up_ticket(t0, &psk, b"sni"));
    let f = server_flight(&mut c, &psk, b"sni", 3, ee(b"\x00\x05\x00\x00\x02ab"));
    let err = c.handle_datagram(now, &f.datagram).unwrap_err();
    assert_eq!(
        err.alert_to_send(),
        Some(AlertDescription::DECODE_ERROR),
        "{err}"
    );
    // No SNI sent: the acknowledgement was not asked for.
    let opts = Options13 {
        resume: Some(made_up_ticket(t0, &psk, b"sni")),
        ..Options13::default()
    };
    let mut c = Client13::new(crate::our13_config(122, 1150, false), opts, now).unwrap();
    let f = server_flight(&mut c, &psk, b"sni", 3, ee(b""));
    let err = c.handle_datagram(now, &f.datagram).unwrap_err();
    assert_eq!(
        err.alert_to_send(),
        Some(AlertDescription::UNSUPPORTED_EXTENSION),
        "{err}"
    );
    assert!(!c.sni_acknowledged());
}

/// Authenticated garbage after the handshake (sealed with the server's real epoch-3 keys,
/// so it reaches the post-handshake parsers): handshake messages of every type with
/// random or truncated bodies (NewSessionTicket, KeyUpdate, others), random ACKs, alerts,
/// unknown content types. Seeded; nothing may panic, each outcome is Ok or a clean error
/// that sticks.
#[test]
fn authenticated_garbage_after_the_handshake_fails_cleanly() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    let mut rng = StdRng::seed_from_u64(0xa11);
    let psk = [0x5au8; 32];
    let (mut errors, mut accepted) = (0, 0);
    for i in 0..120u64 {
        let t0 = Instant::now();
        let now = t0 + Duration::from_millis(5);
        let mut c = resuming_client(300 + i, now, made_up_ticket(t0, &psk, b"fuzz"));
        let r = resume_with_hand_driven_server(&mut c, now, &psk, b"fuzz", 5);
        for seq in r.next_seq..r.next_seq + 4 {
            let noise: Vec<u8> = (0..rng.gen_range(0..48)).map(|_| rng.gen()).collect();
            let (ct, body) = match rng.gen_range(0..6) {
                0 | 1 => {
                    let typ = [4u8, 24, 1, 2, 8, 11, 15, 20, 255][rng.gen_range(0..9)];
                    let mut m = c13::dtls_msg(typ, 4 + rng.gen_range(0..3), &noise);
                    if rng.gen_bool(0.3) {
                        // A wrong length field or a fragment beyond the message.
                        let j = rng.gen_range(1..12);
                        m[j] = rng.gen();
                    }
                    (22, m)
                }
                2 => {
                    // A well-formed KeyUpdate with a bad request value, or a good one.
                    let v = if rng.gen_bool(0.5) {
                        rng.gen_range(2..=255)
                    } else {
                        1
                    };
                    (22, c13::dtls_msg(24, 4, &[v]))
                }
                3 => (26, noise),
                4 => (21, noise[..noise.len().min(rng.gen_range(0..4))].to_vec()),
                _ => (rng.gen_range(0..=255), noise),
            };
            let mut d = Vec::new();
            r.s_ap_keys
                .seal(&mut d, c13::SHAPE, 3, seq, ct, &body, 0)
                .unwrap();
            match c.handle_datagram(now, &d) {
                Ok(()) => accepted += 1,
                Err(_) => {
                    errors += 1;
                    assert!(c.handle_datagram(now, &d).is_err(), "errors stick");
                    break;
                }
            }
            let _ = c.handle_timeout(now + Duration::from_secs(1));
        }
    }
    assert!(
        errors > 30 && accepted > 30,
        "{errors} errors, {accepted} accepted"
    );
}

/// ALPN (RFC 7301) in the 1.3 handshake: offered from the configuration; the server's one
/// choice among ours is taken from EncryptedExtensions; a protocol we did not offer, or
/// two, are refused with decode_error (as OpenSSL 3.0 and our 1.2 client do).
#[test]
fn alpn_answer_in_encrypted_extensions() {
    let psk = [0x61u8; 32];
    let answers: [(&'static [u8], Option<&[u8]>); 3] = [
        (b"\x00\x07\x06webrtc", Some(b"webrtc")),
        (b"\x00\x04\x03xmp", None),
        (b"\x00\x0c\x04coap\x06webrtc", None),
    ];
    for (i, (body, chosen)) in answers.into_iter().enumerate() {
        let t0 = Instant::now();
        let now = t0 + Duration::from_millis(10);
        let mut c = resuming_client_alpn(400 + i as u64, now, made_up_ticket(t0, &psk, b"alpn"));
        let dev = Deviation {
            ee_extension: Some((16, body)),
            ..Deviation::default()
        };
        let f = server_flight(&mut c, &psk, b"alpn", 4, dev);
        let r = c.handle_datagram(now, &f.datagram);
        match chosen {
            Some(name) => {
                r.unwrap();
                assert!(c.is_established() && c.resumed());
                assert_eq!(c.alpn_protocol(), Some(name));
            }
            None => {
                let err = r.unwrap_err();
                assert_eq!(
                    err.alert_to_send(),
                    Some(AlertDescription::DECODE_ERROR),
                    "{err}"
                );
                assert_eq!(c.alpn_protocol(), None);
            }
        }
    }
}

/// What decides the offer (RFC 8446 §4.6.1): a ticket's stored verify result stands as the
/// original connection left it (an expired leaf is not checked again, as OpenSSL does not
/// verify a resumed session again); a ticket without one has its chain verified first,
/// and under enforced verification an expired chain is not offered.
#[test]
fn a_stored_result_stands_an_unknown_one_is_verified() {
    use rdtls::dtls13::extensions::ext_type;
    use rdtls::dtls13::hello::{find_extension, ClientHello};
    let t0 = Instant::now();
    let now = t0 + Duration::from_secs(1);
    for (code, offered) in [(Some(0), true), (None, false)] {
        let mut t = made_up_ticket(t0, &[1; 32], b"expired");
        t.peer_certs = crate::common::ours::load_chain("expired.pem");
        t.verify_code = code;
        let mut c = resuming_client(85, now, t);
        let d = c.poll_transmit().unwrap();
        let ch = ClientHello::decode(&d[25..]).unwrap();
        let psk = find_extension(&ch.extensions, ext_type::PRE_SHARED_KEY);
        assert_eq!(psk.is_some(), offered, "{code:?}");
    }
}
