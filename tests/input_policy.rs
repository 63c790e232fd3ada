//! Regression tests for the input policy (`rdtls::__internal::input_policy`, issue 9 item 1 and issue 15
//! items 2 and 6): unauthenticated input may be dropped or advance the handshake, and nothing
//! else. One test per finding; each failed before the policy existed.

mod common;

use std::time::{Duration, Instant};

use common::fixtures::Spec;
use common::flights::*;
use common::link::{Dir, Endpoint};
use common::ours::{our_config, Ours};
use common::wire::*;
use rdtls::__internal::input_policy::MAX_BUFFERED_APP_BYTES;
use rdtls::{AlertDescription, ClientOptions, Connection, Error};

/// 2^48 - 1, the largest record sequence number.
const MAX_SEQ: u64 = (1 << 48) - 1;

fn alert(seq: u64, level: u8, desc: u8) -> Vec<u8> {
    Record::new(CT_ALERT, 0, seq, vec![level, desc]).to_bytes()
}

// ------------------------------------------------------------- alerts during the handshake

#[test]
fn spoofed_plaintext_alerts_during_handshake_are_not_obeyed() {
    for (level, desc) in [(1u8, 0u8), (2, 40), (2, 10), (2, 0)] {
        // Toward the client, before it heard anything from the server.
        let mut p = pair();
        p.deliver(Dir::ToClient, &[alert(0, level, desc)]);
        assert!(p.client.error.is_none(), "alert {level}/{desc} obeyed");
        assert!(!p.client.conn.close_received());
        assert!(
            p.client.conn.poll_timeout().is_some(),
            "the timer keeps running"
        );
        completes(&mut p, "spoofed alert toward the client");

        // Toward the server, while it waits for flight 5.
        let mut p = pair();
        let f4 = to_flight4(&mut p);
        p.deliver(Dir::ToServer, &[alert(77, level, desc)]);
        assert!(p.server.error.is_none(), "alert {level}/{desc} obeyed");
        p.deliver(Dir::ToClient, &f4);
        completes(&mut p, "spoofed alert toward the server");
    }
}

#[test]
fn genuine_plaintext_rejection_repeated_after_our_retransmission_fails_within_a_period() {
    // The server rejects the ClientHello and, as RFC 6347 §4.2.7 asks, alerts again when the
    // retransmitted ClientHello comes in: the repeat confirms the alert.
    let mut p = pair();
    let _ch = p.take(Dir::ToServer);
    let start = p.now;
    p.deliver(Dir::ToClient, &[alert(0, 2, 40)]);
    assert!(p.client.error.is_none(), "remembered, not obeyed at once");
    let at = p.client.conn.poll_timeout().expect("timer armed");
    assert!(
        at - start <= Duration::from_secs(1),
        "the initial 1 s timer"
    );
    Endpoint::handle_timeout(&mut p.client, at);
    assert!(p.client.error.is_none(), "an expiry alone obeys nothing");
    assert!(
        !p.take(Dir::ToServer).is_empty(),
        "the ClientHello is retransmitted"
    );
    p.now = at + Duration::from_millis(5);
    p.deliver(Dir::ToClient, &[alert(1, 2, 40)]);
    assert_eq!(
        p.client.error,
        Some(Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE)),
        "the repeated alert ends the handshake one probe after the first, naming it"
    );
    assert_eq!(p.client.conn.poll_timeout(), None);
}

#[test]
fn repeated_forged_alert_before_any_retransmission_confirms_nothing() {
    let mut p = pair();
    let _ch = p.take(Dir::ToServer);
    for seq in 0..10 {
        p.deliver(Dir::ToClient, &[alert(seq, 2, 40)]);
    }
    assert!(p.client.error.is_none(), "a burst is not a confirmation");
    let at = p.client.conn.poll_timeout().expect("timer armed");
    Endpoint::handle_timeout(&mut p.client, at);
    assert!(p.client.error.is_none());
    completes(&mut p, "a burst of forged alerts");
}

#[test]
fn genuine_plaintext_rejection_by_a_silent_peer_fails_after_verdict_expiries() {
    let mut p = pair();
    let _ch = p.take(Dir::ToServer);
    let start = p.now;
    p.deliver(Dir::ToClient, &[alert(0, 2, 40)]);
    // Each expiry retransmits (a probe), giving a live peer the chance to answer; this one
    // is silent.
    for i in 1..rdtls::__internal::input_policy::VERDICT_EXPIRIES {
        let at = p.client.conn.poll_timeout().expect("timer armed");
        Endpoint::handle_timeout(&mut p.client, at);
        assert!(p.client.error.is_none(), "obeyed after only {i} expiries");
        assert!(
            !p.take(Dir::ToServer).is_empty(),
            "the ClientHello is retransmitted"
        );
    }
    let at = p.client.conn.poll_timeout().expect("timer armed");
    assert!(
        at - start <= Duration::from_secs(1),
        "within the initial timer period (probes every VERDICT_PROBE_INTERVAL)"
    );
    Endpoint::handle_timeout(&mut p.client, at);
    assert_eq!(
        p.client.error,
        Some(Error::AlertReceived(AlertDescription::HANDSHAKE_FAILURE)),
        "no answer across the expiries: the handshake ends, naming the alert"
    );
    assert_eq!(p.client.conn.poll_timeout(), None);
}

#[test]
fn remembered_alert_is_void_once_the_handshake_progresses() {
    // The forged alert arrives while the genuine HelloVerifyRequest is lost; the peer
    // answers the retransmitted ClientHello, so the alert is forgotten.
    let mut p = pair();
    let _ch = p.take(Dir::ToServer);
    let _lost_hvr = p.take(Dir::ToClient);
    p.deliver(Dir::ToClient, &[alert(0, 2, 40)]);
    let at = p.client.conn.poll_timeout().expect("timer armed");
    Endpoint::handle_timeout(&mut p.client, at);
    assert!(p.client.error.is_none());
    completes(&mut p, "forged alert, then a lost flight");
}

#[test]
fn plaintext_close_notify_without_progress_ends_the_handshake() {
    let mut p = pair();
    let _ch = p.take(Dir::ToServer);
    p.deliver(Dir::ToClient, &[alert(0, 1, 0)]);
    expire_verdict(&mut p.client);
    assert_eq!(
        p.client.error,
        Some(Error::AlertReceived(AlertDescription::CLOSE_NOTIFY))
    );
    assert!(p.client.conn.close_received());
}

// --------------------------------------------------------------- epoch-0 replay window

#[test]
fn epoch0_max_sequence_number_does_not_move_the_window() {
    // A plausible partial ServerHello (accepted by reassembly) and garbage, both at 2^48-1.
    let partial = HsFrag {
        msg_type: HT_SERVER_HELLO,
        length: 1000,
        message_seq: 0,
        offset: 0,
        body: vec![0; 10],
    };
    let mut p = pair();
    p.deliver(
        Dir::ToClient,
        &[
            Record::new(CT_HANDSHAKE, 0, MAX_SEQ, partial.to_bytes()).to_bytes(),
            Record::new(CT_HANDSHAKE, 0, MAX_SEQ - 1, vec![0xff; 7]).to_bytes(),
        ],
    );
    completes(&mut p, "2^48-1 toward the client");

    let mut p = pair();
    let mut ch = partial.clone();
    ch.msg_type = HT_CLIENT_HELLO;
    p.deliver(
        Dir::ToServer,
        &[Record::new(CT_HANDSHAKE, 0, MAX_SEQ, ch.to_bytes()).to_bytes()],
    );
    completes(&mut p, "2^48-1 toward the server");
}

// ------------------------------------------------------------- handshake fragments

#[test]
fn old_epoch_fragment_after_ccs_is_dropped_not_fatal() {
    let mut p = pair();
    let f5 = to_flight5(&mut p);
    p.deliver(Dir::ToServer, &f5);
    let f6 = p.take(Dir::ToClient);
    let recs: Vec<Record> = f6.iter().flat_map(|d| records(d)).collect();
    let ccs = recs
        .iter()
        .find(|r| r.ctype == CT_CCS)
        .expect("CCS")
        .clone();
    p.deliver(Dir::ToClient, &[ccs.to_bytes()]);
    // The server's Finished carries the next message_seq after its plaintext messages.
    let next = handshake_messages(p.bytes(Dir::ToClient))
        .iter()
        .map(|m| m.message_seq)
        .max()
        .expect("server messages")
        + 1;
    let plain_finished = HsFrag::whole(HT_FINISHED, next, vec![0; 12]);
    p.deliver(
        Dir::ToClient,
        &[Record::new(CT_HANDSHAKE, 0, ccs.seq + 50, plain_finished.to_bytes()).to_bytes()],
    );
    assert!(
        p.client.error.is_none(),
        "old-epoch fragment was fatal: {:?}",
        p.client.error
    );
    p.deliver(Dir::ToClient, &f6);
    completes(&mut p, "old-epoch Finished after CCS");
}

#[test]
fn forged_partial_message_cannot_block_the_genuine_one() {
    // A partial plaintext message of a type the server cannot take at message_seq 0, and
    // a partial ClientHello with more bytes than the genuine (whole) ClientHello: neither
    // may lock out the genuine ClientHello (the server has no timer yet to clear them).
    let partial = |t, len: usize| {
        HsFrag {
            msg_type: t,
            length: 1200,
            message_seq: 0,
            offset: 0,
            body: vec![0x5a; len],
        }
        .to_bytes()
    };
    for (t, len) in [
        (0u8, 200),
        (HT_SERVER_HELLO_DONE, 1000),
        (HT_CLIENT_HELLO, 1000),
    ] {
        let mut p = pair();
        p.deliver(
            Dir::ToServer,
            &[Record::new(CT_HANDSHAKE, 0, 0, partial(t, len)).to_bytes()],
        );
        pass(&mut p, Dir::ToServer);
        let hvr = p.take(Dir::ToClient);
        assert!(
            hvr.iter()
                .any(|d| has_handshake(d, HT_HELLO_VERIFY_REQUEST)),
            "forged partial type {t}: the genuine ClientHello is answered at once"
        );
        p.deliver(Dir::ToClient, &hvr);
        completes(&mut p, &format!("forged partial type {t}"));
    }
}

#[test]
fn forged_record_sequence_does_not_drop_the_genuine_record() {
    // A forged fragment the reassembler accepts (a partial ServerHello) at the record
    // sequence number the server's ServerHello will use must not make that genuine record
    // look like a replay.
    let mut p = pair();
    let f4 = to_flight4(&mut p);
    let sh_seq = f4
        .iter()
        .flat_map(|d| records(d))
        .find(|r| parse_handshake(&r.body).is_some_and(|f| f[0].msg_type == HT_SERVER_HELLO))
        .expect("ServerHello record")
        .seq;
    let forged = HsFrag {
        msg_type: HT_SERVER_HELLO,
        length: 1000,
        message_seq: 1,
        offset: 0,
        body: vec![0; 10],
    };
    p.deliver(
        Dir::ToClient,
        &[Record::new(CT_HANDSHAKE, 0, sh_seq, forged.to_bytes()).to_bytes()],
    );
    p.deliver(Dir::ToClient, &f4);
    let f5 = p.take(Dir::ToServer);
    assert!(
        f5.iter().any(|d| has_handshake(d, HT_CLIENT_KEY_EXCHANGE)),
        "flight 4 processed without waiting for a retransmission"
    );
    p.deliver(Dir::ToServer, &f5);
    completes(&mut p, "forged record sequence number");
}

#[test]
fn unauthenticated_first_fragment_cannot_fix_message_seq() {
    for seq in [3u16, 7, 8, 60_000, u16::MAX] {
        let frag = |t| {
            HsFrag {
                msg_type: t,
                length: 500,
                message_seq: seq,
                offset: 0,
                body: vec![1; 5],
            }
            .to_bytes()
        };
        let mut p = pair();
        p.deliver(
            Dir::ToClient,
            &[Record::new(CT_HANDSHAKE, 0, 3, frag(HT_SERVER_HELLO)).to_bytes()],
        );
        completes(&mut p, &format!("forged ServerHello message_seq {seq}"));

        let mut p = pair();
        p.deliver(
            Dir::ToServer,
            &[Record::new(CT_HANDSHAKE, 0, 3, frag(HT_CLIENT_HELLO)).to_bytes()],
        );
        completes(&mut p, &format!("forged ClientHello message_seq {seq}"));
    }
}

// ------------------------------------------------------------- previous read epoch

fn old_epoch_junk(p: &OursPairAlias, dir: Dir) -> Vec<Vec<u8>> {
    let base = max_seq(p, dir, 0) + 30;
    let old = HsFrag::whole(HT_CLIENT_KEY_EXCHANGE, 1, vec![0; 33]);
    vec![
        Record::new(CT_CCS, 0, base, vec![1]).to_bytes(),
        Record::new(CT_HANDSHAKE, 0, base + 1, old.to_bytes()).to_bytes(),
    ]
}

type OursPairAlias = common::OursPair;

#[test]
fn previous_read_epoch_retired_once_peer_sends_in_new_epoch() {
    let mut p = established(&Spec::default_ecdsa());
    p.exchange(b"c2s", b"s2c").expect("data");
    for dir in [Dir::ToServer, Dir::ToClient] {
        for _ in 0..3 {
            p.now += Duration::from_secs(2);
            let junk = old_epoch_junk(&p, dir);
            p.deliver(dir, &junk);
            let back = p.take(match dir {
                Dir::ToServer => Dir::ToClient,
                Dir::ToClient => Dir::ToServer,
            });
            assert!(
                back.is_empty(),
                "old-epoch records made the {dir:?} side retransmit"
            );
        }
    }
    assert_eq!(p.server.conn.stats().retransmits, 0);
    assert_eq!(p.client.conn.stats().retransmits, 0);
}

#[test]
fn previous_read_epoch_retired_after_linger_without_data() {
    let mut p = established(&Spec::default_ecdsa());
    let _ = p.take(Dir::ToClient);
    p.now += rdtls::__internal::input_policy::PREVIOUS_EPOCH_LINGER + Duration::from_secs(1);
    let junk = old_epoch_junk(&p, Dir::ToServer);
    p.deliver(Dir::ToServer, &junk);
    assert!(
        p.take(Dir::ToClient).is_empty(),
        "old-epoch CCS after the linger made the server retransmit"
    );
}

// ------------------------------------------------------------- HelloVerifyRequest size

struct BigCookie;
impl rdtls::cookie::CookieHooks for BigCookie {
    fn generate(&mut self) -> Option<Vec<u8>> {
        Some(vec![0xab; 255])
    }
    fn verify(&mut self, cookie: &[u8]) -> bool {
        cookie == [0xab; 255]
    }
}

#[test]
fn stateful_hello_verify_request_never_larger_than_client_hello() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let mut client = Ours::client(our_config(&spec, false), now, ClientOptions::default());
    let ch = client.drain(now);
    assert_eq!(ch.len(), 1);
    let mut server = Connection::server(our_config(&spec, true), now, b"peer");
    server.set_cookie_hooks(Box::new(BigCookie));
    server.handle_datagram(now, &ch[0]).expect("no error");
    let mut out = Vec::new();
    while server.poll_transmit(now, &mut out).is_some() {
        assert!(
            out.len() <= ch[0].len(),
            "HelloVerifyRequest of {} bytes answers a {}-byte ClientHello",
            out.len(),
            ch[0].len()
        );
    }
    assert!(server.stats().records_dropped > 0, "counted as dropped");
}

// ------------------------------------------------------------- buffered application data

#[test]
fn buffered_application_data_is_bounded_by_bytes() {
    let mut p = established(&Spec::default_ecdsa());
    for i in 0..64u8 {
        let mut d = client_app_datagram(&mut p, &[i; 10]);
        // Pad the datagram with garbage: the small record sits in a 60 KB receive buffer.
        d.resize(60_000, 0);
        // Straight to the connection: the `Ours` wrapper would drain it with `recv`.
        let now = p.now;
        p.server.conn.handle_datagram(now, &d).expect("no error");
    }
    let held = p.server.conn.buffered_app_bytes();
    assert!(
        held <= 64 * 2048,
        "64 ten-byte records hold {held} bytes (limit {MAX_BUFFERED_APP_BYTES})"
    );
    assert!(held <= MAX_BUFFERED_APP_BYTES);
    let mut buf = [0u8; 64];
    for i in 0..64u8 {
        assert_eq!(p.server.conn.recv(&mut buf), Some(10), "record {i}");
        assert_eq!(buf[..10], [i; 10]);
    }
    assert_eq!(p.server.conn.buffered_app_bytes(), 0);
}

#[test]
fn many_small_records_in_one_datagram_are_all_delivered() {
    // A memory BIO hands everything written to it out as one "datagram" (OpenSSL's DTLS reads
    // it the same way): 300 small records arrive together. The buffer is bounded by bytes,
    // so none of them is dropped for being one record too many.
    let mut p = established(&Spec::default_ecdsa());
    let mut d = Vec::new();
    for i in 0..300u16 {
        d.extend(client_app_datagram(&mut p, &i.to_be_bytes()));
    }
    let now = p.now;
    let before = p.server.conn.stats().records_dropped;
    p.server.conn.handle_datagram(now, &d).expect("no error");
    assert_eq!(p.server.conn.stats().records_dropped, before);
    let mut buf = [0u8; 16];
    for i in 0..300u16 {
        assert_eq!(p.server.conn.recv(&mut buf), Some(2), "record {i}");
        assert_eq!(buf[..2], i.to_be_bytes());
    }
    assert_eq!(p.server.conn.recv(&mut buf), None);
}

// ------------------------------------------------------------- issue 15 items 2 and 6

#[test]
fn client_hello_with_max_record_sequence_does_not_exhaust_server() {
    let mut p = pair();
    pass(&mut p, Dir::ToServer);
    pass(&mut p, Dir::ToClient);
    let f3 = p.take(Dir::ToServer);
    let edited: Vec<Vec<u8>> = f3
        .iter()
        .map(|d| {
            let recs: Vec<Record> = records(d)
                .into_iter()
                .map(|mut r| {
                    r.seq = MAX_SEQ;
                    r
                })
                .collect();
            datagram(&recs)
        })
        .collect();
    p.deliver(Dir::ToServer, &edited);
    assert!(p.server.error.is_none(), "{:?}", p.server.error);
    completes(&mut p, "ClientHello at 2^48-1");
    // RFC 6347 §4.2.1 is kept only with room: the server did not continue from 2^48-1.
    let top = max_seq(&p, Dir::ToClient, 0);
    assert!(
        top < MAX_SEQ - rdtls::__internal::input_policy::EPOCH0_WRITE_SEQ_HEADROOM,
        "server epoch-0 sequence numbers reached {top:#x}"
    );
}

#[test]
fn client_hello_record_sequence_with_room_is_continued() {
    // Below the headroom the RFC 6347 §4.2.1 rule holds: the server's ServerHello record
    // continues from the ClientHello's record sequence number.
    let start = MAX_SEQ - rdtls::__internal::input_policy::EPOCH0_WRITE_SEQ_HEADROOM - 100;
    let mut p = pair();
    pass(&mut p, Dir::ToServer);
    pass(&mut p, Dir::ToClient);
    let f3 = p.take(Dir::ToServer);
    let edited: Vec<Vec<u8>> = f3
        .iter()
        .map(|d| {
            let recs: Vec<Record> = records(d)
                .into_iter()
                .map(|mut r| {
                    r.seq = start;
                    r
                })
                .collect();
            datagram(&recs)
        })
        .collect();
    p.deliver(Dir::ToServer, &edited);
    let f4 = p.take(Dir::ToClient);
    let first = f4
        .iter()
        .flat_map(|d| records(d))
        .filter(|r| r.epoch == 0)
        .map(|r| r.seq)
        .min()
        .expect("flight 4 records");
    assert_eq!(first, start, "ServerHello continues from the ClientHello");
    p.deliver(Dir::ToClient, &f4);
    completes(&mut p, "ClientHello near the headroom");
}

#[test]
fn zero_length_epoch0_handshake_record_does_not_wedge_server() {
    let mut p = pair();
    let junk = Record::new(CT_HANDSHAKE, 0, 1000, Vec::new()).to_bytes();
    assert_eq!(junk.len(), 13);
    p.deliver(Dir::ToServer, &[junk]);
    completes(&mut p, "13-byte empty record at seq 1000");
}

#[test]
fn fifty_empty_epoch0_records_do_not_wedge_server() {
    let mut p = pair();
    let junk: Vec<Vec<u8>> = (0..50)
        .map(|s| Record::new(CT_HANDSHAKE, 0, s, Vec::new()).to_bytes())
        .collect();
    p.deliver(Dir::ToServer, &junk);
    completes(&mut p, "50 empty records at seq 0-49");
}
