//! A client facing a server whose use_srtp / ALPN answer breaks RFC 5764 §4.1.1 or RFC 7301
//! §3.1: the ServerHello of flight 4 is rewritten and the client's alert checked.

mod common;

use common::fixtures::Spec;
use common::flights::{completes, fatal_sent, rebuild_flight, to_flight4};
use common::link::{Dir, Endpoint, LinkConfig};
use common::ours::our_builder;
use common::ours_pair_with;
use common::wire::{HT_CLIENT_HELLO, HT_HELLO_VERIFY_REQUEST, HT_SERVER_HELLO};
use rdtls::__internal::handshake::messages::{ClientHello, ServerHello};
use rdtls::srtp::UseSrtp;
use rdtls::{AlertDescription, ClientOptions};

/// Runs to flight 4 with SRTP (profile 1) and ALPN ("webrtc") offered and accepted, lets
/// `edit` change the ServerHello's extensions, delivers it and returns the client's alert.
fn client_alert_after(
    edit: impl FnOnce(&mut rdtls::__internal::handshake::extensions::Extensions),
) -> Option<AlertDescription> {
    let spec = Spec::default_ecdsa();
    let c = our_builder(&spec, false)
        .srtp_profiles(&[1, 2])
        .alpn_protocols(&[b"webrtc".to_vec(), b"coap".to_vec()])
        .build()
        .expect("config");
    let s = our_builder(&spec, true)
        .srtp_profiles(&[1])
        .build()
        .expect("config");
    let mut p = ours_pair_with(c, s, ClientOptions::default(), LinkConfig::PERFECT, 3);
    let f4 = to_flight4(&mut p);
    let f4 = rebuild_flight(&f4, |msgs| {
        let sh = msgs
            .iter_mut()
            .find(|m| m.msg_type == HT_SERVER_HELLO)
            .expect("ServerHello");
        let mut hello = ServerHello::decode(&sh.body).expect("our ServerHello decodes");
        edit(&mut hello.extensions);
        sh.body.clear();
        hello.encode(&mut sh.body);
    });
    p.deliver(Dir::ToClient, &f4);
    // A verdict on plaintext input is acted on when the timer fires (rdtls::__internal::input_policy).
    if p.client.error.is_none() {
        if let Some(at) = p.client.conn.poll_timeout() {
            Endpoint::handle_timeout(&mut p.client, at);
        }
    }
    fatal_sent(&p.client)
}

fn srtp(profiles: &[u16], mki: &[u8]) -> Option<UseSrtp> {
    Some(UseSrtp {
        profiles: profiles.to_vec(),
        mki: mki.to_vec(),
    })
}

#[test]
fn unmodified_server_hello_is_accepted() {
    assert_eq!(client_alert_after(|_| {}), None);
}

#[test]
fn srtp_answer_with_mki_is_illegal_parameter() {
    // RFC 5764 §4.1.1: an MKI the client did not offer -> abort, illegal_parameter.
    assert_eq!(
        client_alert_after(|e| e.use_srtp = srtp(&[1], &[0xaa])),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
}

/// OpenSSL 3.0.19's client, given a ServerHello whose use_srtp profile it did not offer
/// (rewritten on the wire between `openssl s_server` and `openssl s_client -use_srtp`),
/// sends decode_error ("bad srtp protection profile list"); so do we.
#[test]
fn srtp_answer_with_unoffered_profile_is_decode_error() {
    assert_eq!(
        client_alert_after(|e| e.use_srtp = srtp(&[8], &[])),
        Some(AlertDescription::DECODE_ERROR)
    );
}

#[test]
fn srtp_answer_with_two_profiles_is_decode_error() {
    assert_eq!(
        client_alert_after(|e| e.use_srtp = srtp(&[1, 2], &[])),
        Some(AlertDescription::DECODE_ERROR)
    );
}

#[test]
fn alpn_answers_that_break_rfc_7301() {
    assert_eq!(
        client_alert_after(|e| e.alpn = Some(vec![b"h2".to_vec()])),
        Some(AlertDescription::DECODE_ERROR),
        "a protocol we did not offer (OpenSSL 3.0.19: decode_error)"
    );
    assert_eq!(
        client_alert_after(|e| e.alpn = Some(vec![b"webrtc".to_vec(), b"coap".to_vec()])),
        Some(AlertDescription::DECODE_ERROR),
        "two protocols"
    );
    assert_eq!(
        client_alert_after(|e| e.alpn = Some(vec![b"coap".to_vec()])),
        None
    );
}

/// The malformed extensions of the server-side tests, with what each is: OpenSSL 3.0.19's
/// `s_server -dtls1_2 -use_srtp SRTP_AES128_CM_SHA1_80` answers each such ClientHello (after
/// its HelloVerifyRequest) with a fatal decode_error alert.
const MALFORMED: [(u16, &[u8], &str); 4] = [
    (14, b"\x00\x03\x00\x01\x00\x00", "odd SRTP profile list"),
    (14, b"\x00\x02\x00\x01\x02\x00", "MKI past the end"),
    (16, b"\x00\x00", "empty ALPN list"),
    (16, b"\x00\x02\x00\x00", "empty ALPN name"),
];

/// A pair whose server, with or without a cookie exchange, is offered SRTP profile 1.
fn server_pair(cookie: bool) -> common::OursPair {
    let spec = Spec::default_ecdsa();
    let c = our_builder(&spec, false)
        .srtp_profiles(&[1])
        .build()
        .expect("config");
    let s = our_builder(&spec, true)
        .srtp_profiles(&[1])
        .cookie_exchange(cookie)
        .build()
        .expect("config");
    ours_pair_with(c, s, ClientOptions::default(), LinkConfig::PERFECT, 5)
}

/// `flight`, its ClientHello's use_srtp replaced by extension `typ` with `data`.
fn with_extension(flight: &[Vec<u8>], typ: u16, data: &[u8]) -> Vec<Vec<u8>> {
    rebuild_flight(flight, |msgs| {
        let ch = msgs
            .iter_mut()
            .find(|m| m.msg_type == HT_CLIENT_HELLO)
            .expect("ClientHello");
        let mut hello = ClientHello::decode(&ch.body).expect("our ClientHello decodes");
        hello.extensions.use_srtp = None;
        hello.extensions.unknown.push((typ, data.to_vec()));
        ch.body.clear();
        hello.encode(&mut ch.body);
    })
}

/// Whether any datagram of `answer` carries a handshake message of type `t`.
fn carries(answer: &[Vec<u8>], t: u8) -> bool {
    answer.iter().any(|d| common::wire::has_handshake(d, t))
}

/// A server without a cookie exchange, awaiting its first ClientHello, given one with
/// extension `typ`/`data`: whether it answered with a ServerHello, and its fatal alert.
fn fresh_server_answer(typ: u16, data: &[u8]) -> (bool, Option<AlertDescription>) {
    let mut p = server_pair(false);
    let f1 = p.take(Dir::ToServer);
    p.deliver(Dir::ToServer, &with_extension(&f1, typ, data));
    let answer = p.take(Dir::ToClient);
    (carries(&answer, HT_SERVER_HELLO), fatal_sent(&p.server))
}

/// A malformed first ClientHello has no handshake to protect (rdtls::__internal::input_policy): the
/// server answers decode_error at once and fails, as OpenSSL does (RFC 5246 §7.2.2).
#[test]
fn malformed_first_client_hello_gets_decode_error() {
    for (typ, data, what) in MALFORMED {
        assert_eq!(
            fresh_server_answer(typ, data),
            (false, Some(AlertDescription::DECODE_ERROR)),
            "{what}"
        );
    }
    // The same ClientHello with well-formed extensions is answered.
    assert_eq!(
        fresh_server_answer(14, b"\x00\x02\x00\x01\x00"),
        (true, None)
    );
    assert_eq!(fresh_server_answer(16, b"\x00\x05\x04coap"), (true, None));
    // An empty profile list is taken as offering nothing, as OpenSSL 3.0's server takes it.
    assert_eq!(fresh_server_answer(14, b"\x00\x00\x00"), (true, None));
}

/// With a cookie exchange, as OpenSSL's: a cookie-less malformed ClientHello gets a
/// HelloVerifyRequest (statelessly, extensions unread); the one with a valid cookie --
/// which only a sender that saw our HelloVerifyRequest holds -- gets decode_error. One with
/// a wrong cookie could be a forgery racing the genuine client: dropped and remembered
/// (rdtls::__internal::input_policy).
#[test]
fn malformed_client_hello_with_cookie_exchange() {
    for (typ, data, what) in MALFORMED {
        let mut p = server_pair(true);
        let f1 = p.take(Dir::ToServer);
        p.deliver(Dir::ToServer, &with_extension(&f1, typ, data));
        let hvr = p.take(Dir::ToClient);
        assert!(carries(&hvr, HT_HELLO_VERIFY_REQUEST), "{what}: HVR first");
        assert_eq!(fatal_sent(&p.server), None, "{what}");
        // The client answers the HelloVerifyRequest; its cookie-bearing ClientHello is made
        // malformed (the cookie does not cover the extensions).
        p.deliver(Dir::ToClient, &hvr);
        let f3 = p.take(Dir::ToServer);
        // First with a wrong cookie (one byte of it flipped): dropped, no alert.
        let wrong = rebuild_flight(&with_extension(&f3, typ, data), |msgs| {
            let ch = &mut msgs[0];
            let cookie_at = 35 + usize::from(ch.body[34]);
            assert!(ch.body[cookie_at] > 0, "a cookie");
            ch.body[cookie_at + 1] ^= 0x55;
        });
        p.deliver(Dir::ToServer, &wrong);
        assert!(p.take(Dir::ToClient).is_empty(), "{what}: wrong cookie");
        assert_eq!(fatal_sent(&p.server), None, "{what}: wrong cookie");
        p.deliver(Dir::ToServer, &with_extension(&f3, typ, data));
        let answer = p.take(Dir::ToClient);
        assert!(!carries(&answer, HT_SERVER_HELLO), "{what}");
        assert_eq!(
            fatal_sent(&p.server),
            Some(AlertDescription::DECODE_ERROR),
            "{what}"
        );
    }
}

/// A forged malformed ClientHello arriving after the genuine one moved the handshake on
/// cannot end it (rdtls::__internal::input_policy, RFC 6347 §4.1.2.7): it is unexpected there, so
/// remembered, and the genuine handshake's progress voids it.
#[test]
fn forged_malformed_client_hello_mid_handshake_is_harmless() {
    for cookie in [false, true] {
        for (typ, data, what) in MALFORMED {
            let mut p = server_pair(cookie);
            let mut f1 = p.take(Dir::ToServer);
            if cookie {
                p.deliver(Dir::ToServer, &f1);
                let hvr = p.take(Dir::ToClient);
                p.deliver(Dir::ToClient, &hvr);
                f1 = p.take(Dir::ToServer);
            }
            p.deliver(Dir::ToServer, &f1);
            let f2 = p.take(Dir::ToClient);
            assert!(carries(&f2, HT_SERVER_HELLO), "{what}");
            // The forgery: the genuine ClientHello (cookie and all), made malformed.
            p.deliver(Dir::ToServer, &with_extension(&f1, typ, data));
            assert_eq!(fatal_sent(&p.server), None, "{what} (cookie {cookie})");
            p.deliver(Dir::ToClient, &f2);
            completes(&mut p, what);
        }
    }
}
