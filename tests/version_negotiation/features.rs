//! Version negotiation, continued: tickets, message events, verifier, hooks and settings
//! our 1.3 path lacks, and OpenSSL 3.0 as a DTLS 1.2 server (issue 13).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{config, handshake, pair, V12, V13};
use crate::common::fixtures::Spec;
use crate::common::link::{Dir, Endpoint, LinkConfig, Pair};
use crate::common::ours::{our_builder, Ours};
use rdtls::ClientOptions;

#[test]
fn ticket_resumption_through_session() {
    let spec = Spec::default_ecdsa();
    let ccfg = config(&spec, false, V12, V13);
    let scfg = config(&spec, true, V12, V13);
    let now = Instant::now();
    let c = Ours::client(ccfg.clone(), now, ClientOptions::default());
    let s = Ours::server(scfg.clone(), now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 11);
    handshake(&mut p);
    p.run_until(1000, Duration::from_secs(60), |p| {
        p.client.events.contains(&rdtls::Event::NewSessionTicket)
    })
    .unwrap();
    assert!(!p.client.conn.session_reused());
    // Both tickets (tls13_tickets 2) in: the server reports the session of the last one it
    // issued, which is the client's (issue 13: it used to report none).
    p.exchange(b"tickets", b"in").unwrap();
    let session = p.client.conn.session().expect("session with a ticket");
    let issued = p
        .server
        .conn
        .session()
        .expect("the server's session once it issued a ticket");
    assert!(session.tls13_ticket.is_some());
    assert_eq!(session.suite, 0x1301);
    assert!(!session.peer_certificates.is_empty());
    let (ct, st) = (
        session.tls13_ticket.as_ref().unwrap(),
        issued.tls13_ticket.as_ref().unwrap(),
    );
    assert_eq!(issued.id, session.id, "the same ticket");
    assert_eq!((st.ticket.clone(), st.suite), (ct.ticket.clone(), ct.suite));
    assert_eq!(st.psk, ct.psk, "the same resumption PSK (RFC 8446 §4.6.1)");
    assert_eq!(issued.suite, session.suite);
    assert_eq!(issued.id_context, session.id_context);
    // The server's peer is the client: no client certificate in this configuration.
    assert_eq!(issued.peer_certificates, p.server.conn.peer_certificates());

    let now = p.now;
    let opts = ClientOptions {
        resume: Some(session),
        ..ClientOptions::default()
    };
    let c2 = Ours::client(ccfg, now, opts);
    let s2 = Ours::server(scfg, now);
    let mut p2 = Pair::new_at(now, c2, s2, LinkConfig::PERFECT, 12);
    handshake(&mut p2);
    assert_eq!(p2.client.conn.protocol_version(), Some(V13));
    assert!(
        p2.client.conn.session_reused(),
        "PSK resumption (RFC 8446 §2.2)"
    );
    assert!(p2.server.conn.session_reused());
    assert!(!p2.client.conn.peer_certificates().is_empty());
    assert_eq!(p2.client.conn.verify_result(), 0);
    p2.exchange(b"resumed", b"yes").unwrap();
}

#[test]
fn message_and_ack_events_on_13() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let ccfg = our_builder(&spec, false)
        .versions(V12, V13)
        .unwrap()
        .message_events(true)
        .build()
        .unwrap();
    let scfg = our_builder(&spec, true)
        .versions(V12, V13)
        .unwrap()
        .message_events(true)
        .build()
        .unwrap();
    let c = Ours::client(ccfg, now, ClientOptions::default());
    let s = Ours::server(scfg, now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 13);
    handshake(&mut p);
    p.run_until(1000, Duration::from_secs(60), |p| p.next_event().is_none())
        .ok();
    let msgs = |o: &Ours, sent: bool| -> Vec<u8> {
        o.events
            .iter()
            .filter_map(|e| match e {
                rdtls::Event::HandshakeMessage {
                    sent: s,
                    msg_type,
                    bytes,
                } if *s == sent => {
                    assert_eq!(bytes[0], msg_type.0);
                    assert_eq!(
                        bytes.len(),
                        12 + (u32::from_be_bytes([0, bytes[1], bytes[2], bytes[3]]) as usize)
                    );
                    Some(msg_type.0)
                }
                _ => None,
            })
            .collect()
    };
    // ClientHello, (HRR) ClientHello2, Finished.
    assert_eq!(msgs(&p.client, true), vec![1, 1, 20]);
    // HRR, ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished.
    assert_eq!(msgs(&p.client, false)[..6], [2, 2, 8, 11, 15, 20]);
    assert_eq!(msgs(&p.server, false), vec![1, 1, 20]);
    let acks = |o: &Ours, sent: bool| {
        o.events
            .iter()
            .filter(|e| matches!(e, rdtls::Event::Ack { sent: s, records } if *s == sent && !records.is_empty()))
            .count()
    };
    assert!(
        acks(&p.server, true) >= 1,
        "server ACKs the client's Finished"
    );
    assert!(acks(&p.client, false) >= 1);
}

/// Record-header events on 1.3 (RFC 9147 §4): the 13-byte DTLSPlaintext headers of the
/// epoch-0 records, then unified headers (first bits 001, 16-bit sequence number, length:
/// 5 bytes without a CID), in both directions; each received one belongs to a record that
/// authenticated, so a forged record adds none.
#[test]
fn record_header_events_on_13() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let cfg = |server| {
        our_builder(&spec, server)
            .versions(V12, V13)
            .unwrap()
            .record_headers(true)
            .build()
            .unwrap()
    };
    let c = Ours::client(cfg(false), now, ClientOptions::default());
    let s = Ours::server(cfg(true), now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 14);
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V13));
    p.exchange(b"with headers", b"back").unwrap();
    let headers = |o: &Ours, sent: bool| -> Vec<Vec<u8>> {
        o.events
            .iter()
            .filter_map(|e| match e {
                rdtls::Event::RecordHeader13 { sent: s, header } if *s == sent => {
                    Some(header.clone())
                }
                _ => None,
            })
            .collect()
    };
    for (o, who) in [(&p.client, "client"), (&p.server, "server")] {
        for sent in [true, false] {
            let h = headers(o, sent);
            assert!(h.len() >= 2, "{who} sent={sent}: {h:02x?}");
            // The first record each way is epoch 0: ClientHello / HelloRetryRequest.
            assert_eq!(h[0].len(), 13, "{who} sent={sent}: plaintext header");
            assert_eq!(&h[0][..5], &[22, 0xfe, 0xfd, 0, 0]);
            let unified: Vec<_> = h.iter().filter(|h| h[0] & 0xe0 == 0x20).collect();
            assert!(!unified.is_empty(), "{who} sent={sent}: no unified header");
            for u in unified {
                // Flags 001CSLEE: no CID, 16-bit sequence number, length present.
                assert_eq!((u.len(), u[0] & 0x1c), (5, 0x0c), "{who}: {u:02x?}");
            }
        }
        assert!(
            !o.events
                .iter()
                .any(|e| matches!(e, rdtls::Event::RecordHeader { .. })),
            "{who}: 1.2 header events on a 1.3 connection"
        );
    }
    // Application data goes in epoch 3: its headers say so (low epoch bits 11).
    let last = headers(&p.server, false).pop().unwrap();
    assert_eq!(last[0] & 3, 3, "{last:02x?}");
}

#[test]
fn unsupported_feature_keeps_12_or_fails_with_min_13() {
    let spec = Spec::default_ecdsa();
    let psk: Arc<dyn rdtls::psk::PskProvider> = Arc::new(rdtls::psk::StaticPsk {
        identity: b"id".to_vec(),
        key: zeroize::Zeroizing::new(vec![7; 16]),
    });
    let cfg = our_builder(&spec, false)
        .versions(V12, V13)
        .unwrap()
        .psk(psk.clone())
        .build()
        .unwrap();
    let now = Instant::now();
    let c = Ours::client(cfg, now, ClientOptions::default());
    let s = Ours::server(config(&spec, true, V12, V13), now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 14);
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V12));
    let only13 = our_builder(&spec, false)
        .versions(V13, V13)
        .unwrap()
        .psk(psk)
        .build()
        .unwrap();
    match rdtls::Connection::client(only13, now, ClientOptions::default()) {
        Err(rdtls::Error::Config(why)) => assert!(why.contains("PSK"), "{why}"),
        other => panic!("expected Error::Config, got {:?}", other.err()),
    }
}

/// Our 1.3-capable client against OpenSSL 3.0's DTLS 1.2 server (cookie exchange on): it
/// falls back to 1.2, completes, and resumes the 1.2 session through a merged hello.
#[test]
fn dual_client_with_openssl_12_server() {
    use crate::common::ossl::{ossl_context, OsslPeer};
    let spec = Spec::default_ecdsa();
    let ccfg = config(&spec, false, V12, V13);
    let sctx = ossl_context(&spec, true).expect("OpenSSL server context");
    let start = Instant::now();
    let client = Ours::client(ccfg.clone(), start, ClientOptions::default());
    let server = OsslPeer::new(&sctx, true, spec.mtu, None).expect("OpenSSL server");
    let mut p = Pair::new_at(start, client, server, LinkConfig::PERFECT, 21);
    p.handshake(2_000, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(p.client.conn.protocol_version(), Some(V12));
    assert_eq!(p.client.conn.verify_result(), 0);
    p.exchange(b"hello openssl", b"hello rdtls").unwrap();
    let session = p.client.conn.session().expect("1.2 session");
    assert!(session.tls13_ticket.is_none());

    let opts = ClientOptions {
        resume: Some(session),
        ..ClientOptions::default()
    };
    let start = Instant::now();
    let client = Ours::client(ccfg, start, opts);
    let server = OsslPeer::new(&sctx, true, spec.mtu, None).expect("OpenSSL server");
    let mut p = Pair::new_at(start, client, server, LinkConfig::PERFECT, 22);
    p.handshake(2_000, Duration::from_secs(20))
        .unwrap_or_else(|e| panic!("resumption: {e}"));
    assert_eq!(p.client.conn.protocol_version(), Some(V12));
    assert!(
        p.client.conn.session_reused(),
        "1.2 session resumed after a merged hello"
    );
    p.exchange(b"again", b"yes").unwrap();
}

/// A per-connection verifier (what the C API's verify callback goes through) also decides
/// a 1.3 handshake, and a dual client's fallback to 1.2.
#[test]
fn set_verifier_reaches_13_and_the_fallback() {
    use rdtls::pki::verifier::{CertVerifier, Verdict, VerifyInput};
    struct Refuse(std::sync::Arc<std::sync::atomic::AtomicUsize>);
    impl CertVerifier for Refuse {
        fn verify(&self, _input: &VerifyInput<'_>) -> Verdict {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Verdict {
                accept: false,
                code: 50,
                depth: 0,
                reason: "refused by the test".into(),
            }
        }
    }
    for server_max in [V13, V12] {
        let mut p = pair((V12, V13), (V12, server_max));
        let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        p.client.conn.set_verifier(Box::new(Refuse(calls.clone())));
        assert!(p.handshake(2_000, Duration::from_secs(60)).is_err());
        assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 1);
        assert!(!p.client.conn.is_established());
        assert_eq!(p.client.conn.verify_result(), 50, "the verifier's code");
        assert!(p
            .client
            .alerts_sent()
            .iter()
            .any(|(l, _)| *l == rdtls::AlertLevel::Fatal));
    }
}

/// A setting our 1.3 path lacks, given to a dual client before its hello went out, makes
/// it offer 1.2 only; given to a 1.3 server, it fails the connection (never ignored).
#[test]
fn late_unsupported_settings() {
    let mut p = pair((V12, V13), (V12, V13));
    let psk: Arc<dyn rdtls::psk::PskProvider> = Arc::new(rdtls::psk::StaticPsk {
        identity: b"id".to_vec(),
        key: zeroize::Zeroizing::new(vec![7; 16]),
    });
    p.client.conn.set_psk_provider(psk);
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V12));
    assert_eq!(p.server.conn.protocol_version(), Some(V12));

    let mut p = pair((V12, V13), (V12, V13));
    handshake(&mut p);
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    let psk: Arc<dyn rdtls::psk::PskProvider> = Arc::new(rdtls::psk::StaticPsk {
        identity: b"id".to_vec(),
        key: zeroize::Zeroizing::new(vec![7; 16]),
    });
    p.server.conn.set_psk_provider(psk);
    match p.server.conn.error() {
        Some(rdtls::Error::Config(why)) => assert!(why.contains("PSK"), "{why}"),
        other => panic!("expected a Config error, got {other:?}"),
    }
    // A server-only hook on a client changes nothing, as in 1.2.
    p.client
        .conn
        .set_alpn_select_hook(Box::new(|_offered: &[u8]| {
            rdtls::alpn::AlpnSelection::NoAck
        }));
    assert!(p.client.conn.error().is_none());
}

/// After a fallback to 1.2, the message events report the merged hello once per send.
#[test]
fn message_events_across_fallback() {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let ccfg = our_builder(&spec, false)
        .versions(V12, V13)
        .unwrap()
        .message_events(true)
        .build()
        .unwrap();
    let c = Ours::client(ccfg, now, ClientOptions::default());
    let s = Ours::server(config(&spec, true, V12, V12), now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 15);
    handshake(&mut p);
    let sent: Vec<u8> = p
        .client
        .events
        .iter()
        .filter_map(|e| match e {
            rdtls::Event::HandshakeMessage {
                sent: true,
                msg_type,
                ..
            } => Some(msg_type.0),
            _ => None,
        })
        .collect();
    // ClientHello, ClientHello with the HelloVerifyRequest cookie, ClientKeyExchange,
    // Finished.
    assert_eq!(sent, vec![1, 1, 16, 20]);
}

/// The timer hook (OpenSSL's `DTLS_set_timer_cb`) drives 1.3 retransmissions too: a lost
/// first flight is resent after the hook's timeout, which gets the expired one back.
#[test]
fn timer_hook_on_13() {
    use std::sync::{Arc as StdArc, Mutex};
    let mut p = pair((V12, V13), (V12, V13));
    let calls: StdArc<Mutex<Vec<u32>>> = StdArc::new(Mutex::new(Vec::new()));
    let log = calls.clone();
    p.client.conn.set_timer_hook(Box::new(move |prev| {
        log.lock().unwrap().push(prev);
        if prev == 0 {
            50_000
        } else {
            prev * 3
        }
    }));
    // The hook applies from the next flight on: lose the HelloRetryRequest so ClientHello1
    // is resent by the timer, then let everything through.
    let hello = p.take(Dir::ToServer);
    p.deliver(Dir::ToServer, &hello);
    let _lost_hrr = p.take(Dir::ToClient);
    let start = p.now;
    handshake(&mut p);
    assert_eq!(p.client.conn.protocol_version(), Some(V13));
    let seen = calls.lock().unwrap().clone();
    assert!(!seen.is_empty(), "hook used");
    // ClientHello1's resend: the expired default timeout (1 s) comes in; ClientHello2 and
    // Finished are new flights, which start from 0.
    assert_eq!(seen[0], 1_000_000, "{seen:?}");
    assert_eq!(seen[1..], [0, 0], "{seen:?}");
    assert!(p.now - start < Duration::from_millis(1100));
}

/// A client's ticket from a server built from `first`, offered to a server built from
/// `second`: whether the second server resumed it.
fn ticket_resumes_across(first: Arc<rdtls::Config>, second: Arc<rdtls::Config>) -> bool {
    let spec = Spec::default_ecdsa();
    let ccfg = config(&spec, false, V12, V13);
    let now = Instant::now();
    let c = Ours::client(ccfg.clone(), now, ClientOptions::default());
    let s = Ours::server(first, now);
    let mut p = Pair::new_at(now, c, s, LinkConfig::PERFECT, 21);
    handshake(&mut p);
    p.run_until(1000, Duration::from_secs(60), |p| {
        p.client.events.contains(&rdtls::Event::NewSessionTicket)
    })
    .unwrap();
    let session = p.client.conn.session().expect("session with a ticket");
    let now = p.now;
    let opts = ClientOptions {
        resume: Some(session),
        ..ClientOptions::default()
    };
    let c2 = Ours::client(ccfg, now, opts);
    let s2 = Ours::server(second, now);
    let mut p2 = Pair::new_at(now, c2, s2, LinkConfig::PERFECT, 22);
    handshake(&mut p2);
    assert_eq!(p2.client.conn.protocol_version(), Some(V13));
    p2.exchange(b"second", b"server").unwrap();
    assert_eq!(
        p2.client.conn.session_reused(),
        p2.server.conn.session_reused()
    );
    p2.server.conn.session_reused()
}

/// Configs built separately seal tickets with different keys unless they share one
/// (`ConfigBuilder::tls13_ticket_key`, what an `SSL_CTX` does for all its `SSL`s).
#[test]
fn ticket_key_shared_between_configs() {
    let spec = Spec::default_ecdsa();
    let server = |key: Option<Arc<rdtls::config::TicketKey13>>| {
        let b = our_builder(&spec, true).versions(V12, V13).unwrap();
        match key {
            Some(k) => b.tls13_ticket_key(k),
            None => b,
        }
        .build()
        .unwrap()
    };
    assert!(
        !ticket_resumes_across(server(None), server(None)),
        "a ticket sealed under another Config's key is refused (full handshake)"
    );
    let key = Arc::new(rdtls::config::TicketKey13::new(Instant::now()).unwrap());
    assert!(
        ticket_resumes_across(server(Some(key.clone())), server(Some(key))),
        "the shared key opens the other Config's ticket"
    );
}

/// `Stats::retransmits` counts DTLS 1.3 flight retransmissions as on 1.2 (issue 13): on
/// the retransmission timer, and in answer to the peer's retransmitted flight; a stateless
/// HelloRetryRequest answering a repeated ClientHello is a new answer, not one.
#[test]
fn retransmits_counted_on_13() {
    let mut p = pair((V13, V13), (V13, V13));
    let expire = |p: &mut Pair<Ours, Ours>, client: bool| {
        let t = if client {
            p.client.poll_timeout()
        } else {
            p.server.poll_timeout()
        };
        p.advance_to(t.expect("a flight on its timer"));
        let now = p.now;
        if client {
            p.client.handle_timeout(now)
        } else {
            p.server.handle_timeout(now)
        }
    };
    let retransmits = |p: &Pair<Ours, Ours>| {
        (
            p.client.conn.stats().retransmits,
            p.server.conn.stats().retransmits,
        )
    };
    // ClientHello lost: the client's timer resends it.
    assert_eq!(p.take(Dir::ToServer).len(), 1);
    expire(&mut p, true);
    assert_eq!(retransmits(&p), (1, 0));
    let ch1 = p.take(Dir::ToServer);
    assert_eq!(ch1.len(), 1, "the ClientHello again");
    p.deliver(Dir::ToServer, &ch1);
    let hrr = p.take(Dir::ToClient);
    p.deliver(Dir::ToClient, &hrr);
    let ch2 = p.take(Dir::ToServer);
    p.deliver(Dir::ToServer, &ch2);
    assert_eq!(
        retransmits(&p),
        (1, 0),
        "HelloRetryRequest, ClientHello2: new flights"
    );
    // The server's flight is lost: the client's timer resends ClientHello2, and the server
    // answers the repeated ClientHello with its flight again (RFC 9147 §5.8).
    assert!(!p.take(Dir::ToClient).is_empty());
    expire(&mut p, true);
    assert_eq!(retransmits(&p), (2, 0));
    let ch2 = p.take(Dir::ToServer);
    p.deliver(Dir::ToServer, &ch2);
    assert_eq!(retransmits(&p), (2, 1));
    assert!(!p.take(Dir::ToClient).is_empty(), "the flight again");
    // Lost again: now the server's own timer.
    expire(&mut p, false);
    assert_eq!(retransmits(&p), (2, 2));
    let flight = p.take(Dir::ToClient);
    p.deliver(Dir::ToClient, &flight);
    handshake(&mut p);
    p.exchange(b"after", b"loss").unwrap();
    assert_eq!(p.client.conn.protocol_version(), Some(V13));
    let (c, s) = retransmits(&p);
    assert!(c >= 2 && s >= 2, "counts never go back: {c} {s}");
}
