//! A client facing a server whose use_srtp / ALPN answer breaks RFC 5764 §4.1.1 or RFC 7301
//! §3.1: the ServerHello of flight 4 is rewritten and the client's alert checked.

mod common;

use common::fixtures::Spec;
use common::flights::{fatal_sent, rebuild_flight, to_flight4};
use common::link::{Dir, Endpoint, LinkConfig};
use common::ours::our_builder;
use common::ours_pair_with;
use common::wire::{HT_CLIENT_HELLO, HT_SERVER_HELLO};
use rdtls::handshake::messages::{ClientHello, ServerHello};
use rdtls::srtp::UseSrtp;
use rdtls::{AlertDescription, ClientOptions};

/// Runs to flight 4 with SRTP (profile 1) and ALPN ("webrtc") offered and accepted, lets
/// `edit` change the ServerHello's extensions, delivers it and returns the client's alert.
fn client_alert_after(
    edit: impl FnOnce(&mut rdtls::handshake::extensions::Extensions),
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
    // A verdict on plaintext input is acted on when the timer fires (rdtls::input_policy).
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

/// A ClientHello with a malformed use_srtp or ALPN extension (RFC 5764 §4.1.1 / RFC 7301
/// §3.1 give the lists minimum lengths) does not decode, so the server does not answer it.
/// OpenSSL would send decode_error; rdtls's input policy (`rdtls::input_policy`) remembers
/// a verdict on unauthenticated input and acts only when a timer expires without progress,
/// and a server has no timer before its first valid ClientHello: the datagram is dropped.
/// Returns whether the server answered (a ServerHello flight) and any alert it sent.
fn server_answer_to_client_hello_extension(
    typ: u16,
    data: &[u8],
) -> (bool, Option<AlertDescription>) {
    let spec = Spec::default_ecdsa();
    let c = our_builder(&spec, false)
        .srtp_profiles(&[1])
        .build()
        .expect("config");
    let s = our_builder(&spec, true)
        .srtp_profiles(&[1])
        .cookie_exchange(false)
        .build()
        .expect("config");
    let mut p = ours_pair_with(c, s, ClientOptions::default(), LinkConfig::PERFECT, 5);
    let f1 = p.take(Dir::ToServer);
    let f1 = rebuild_flight(&f1, |msgs| {
        let ch = msgs
            .iter_mut()
            .find(|m| m.msg_type == HT_CLIENT_HELLO)
            .expect("ClientHello");
        let mut hello = ClientHello::decode(&ch.body).expect("our ClientHello decodes");
        hello.extensions.use_srtp = None;
        hello.extensions.unknown.push((typ, data.to_vec()));
        ch.body.clear();
        hello.encode(&mut ch.body);
    });
    p.deliver(Dir::ToServer, &f1);
    let answer = p.take(Dir::ToClient);
    let answered = answer
        .iter()
        .any(|d| common::wire::has_handshake(d, HT_SERVER_HELLO));
    (answered, fatal_sent(&p.server))
}

#[test]
fn malformed_client_hello_extensions_are_not_answered() {
    for (typ, data, what) in [
        (14u16, &b"\x00\x00\x00"[..], "empty SRTP profile list"),
        (14, b"\x00\x03\x00\x01\x00\x00", "odd SRTP profile list"),
        (14, b"\x00\x02\x00\x01\x02\x00", "MKI past the end"),
        (16, b"\x00\x00", "empty ALPN list"),
        (16, b"\x00\x02\x00\x00", "empty ALPN name"),
    ] {
        assert_eq!(
            server_answer_to_client_hello_extension(typ, data),
            (false, None),
            "{what}"
        );
    }
    // The same ClientHello with well-formed extensions is answered.
    assert_eq!(
        server_answer_to_client_hello_extension(14, b"\x00\x02\x00\x01\x00"),
        (true, None)
    );
    assert_eq!(
        server_answer_to_client_hello_extension(16, b"\x00\x05\x04coap"),
        (true, None)
    );
}
