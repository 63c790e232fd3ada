//! The ClientHello hook (OpenSSL's client-hello, servername and certificate callbacks) on
//! a DTLS 1.3 server (issue 13): both stages run on the ClientHello the server answers,
//! pause / resume, refusal and a configuration swap work as on 1.2.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{config, handshake, V12, V13};
use crate::common::fixtures::Spec;
use crate::common::link::{LinkConfig, Pair};
use crate::common::ours::{our_builder, Ours, PEER_ADDR};
use rdtls::client_hello_hook::{
    ClientHelloInfo, EarlyDecision, EarlyHello, HelloDecision, HelloRejection,
};
use rdtls::{AlertDescription, ClientHelloHook, ClientOptions, Config, Connection};

#[derive(Clone, Default)]
struct Recorder {
    log: Arc<Mutex<Vec<String>>>,
    pauses: Arc<Mutex<usize>>,
    swap: Option<Arc<Config>>,
    refuse: bool,
    /// Answer as OpenSSL's SSL_TLSEXT_ERR_NOACK: the name is not acknowledged.
    no_ack: bool,
}

impl ClientHelloHook for Recorder {
    fn early(&mut self, h: &EarlyHello<'_>) -> Result<EarlyDecision, HelloRejection> {
        self.log.lock().unwrap().push(format!(
            "early {:02x}{:02x} cookie={}",
            h.body[0], h.body[1], h.cookie_exchange
        ));
        let mut p = self.pauses.lock().unwrap();
        if *p > 0 {
            *p -= 1;
            return Ok(EarlyDecision {
                pause: true,
                ..EarlyDecision::default()
            });
        }
        Ok(EarlyDecision::default())
    }

    fn client_hello(
        &mut self,
        info: &ClientHelloInfo<'_>,
    ) -> Result<HelloDecision, HelloRejection> {
        self.log.lock().unwrap().push(format!(
            "hello {:?} resuming={} suites={}",
            info.server_name,
            info.resuming,
            info.cipher_suites.contains(&0x1301)
        ));
        if self.refuse {
            return Err(HelloRejection {
                alert: AlertDescription::UNRECOGNIZED_NAME,
                reason: "no such host".into(),
            });
        }
        Ok(HelloDecision {
            config: self.swap.clone(),
            acknowledge_server_name: !self.no_ack,
            ..HelloDecision::default()
        })
    }
}

fn pair_with(hook: Recorder, seed: u64) -> Pair<Ours, Ours> {
    let spec = Spec::default_ecdsa();
    let now = Instant::now();
    let opts = ClientOptions {
        server_name: Some("localhost".into()),
        ..ClientOptions::default()
    };
    let ccfg = our_builder(&spec, false)
        .versions(V12, V13)
        .unwrap()
        .alpn_protocols(&[b"coap".to_vec()])
        .message_events(true)
        .build()
        .unwrap();
    let c = Ours::client(ccfg, now, opts);
    let mut s = Connection::server(config(&spec, true, V12, V13), now, PEER_ADDR);
    s.set_client_hello_hook(Box::new(hook));
    Pair::new_at(
        now,
        c,
        Ours::wrap(s, "rdtls server"),
        LinkConfig::PERFECT,
        seed,
    )
}

#[test]
fn client_hello_hook_runs_on_13() {
    let spec = Spec::default_ecdsa();
    // The second stage swaps in a configuration with ALPN: the answer shows it took effect.
    let swap = our_builder(&spec, true)
        .versions(V12, V13)
        .unwrap()
        .alpn_protocols(&[b"coap".to_vec()])
        .build()
        .unwrap();
    let hook = Recorder {
        swap: Some(swap),
        ..Recorder::default()
    };
    let mut p = pair_with(hook.clone(), 41);
    handshake(&mut p);
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    assert_eq!(
        *hook.log.lock().unwrap(),
        [
            // legacy_version 0xFEFD (RFC 9147 §5.3), after the HRR cookie check.
            "early fefd cookie=true",
            "hello Some(\"localhost\") resuming=false suites=true",
        ]
    );
    assert_eq!(p.client.conn.alpn_protocol(), Some(&b"coap"[..]));
    p.exchange(b"after the hook", b"yes").unwrap();
}

#[test]
fn client_hello_hook_pause_and_resume_on_13() {
    let hook = Recorder {
        pauses: Arc::new(Mutex::new(1)),
        ..Recorder::default()
    };
    let mut p = pair_with(hook.clone(), 42);
    p.run_until(200, Duration::from_secs(5), |p| {
        p.server.conn.client_hello_pending()
    })
    .unwrap();
    let now = p.now;
    p.server.conn.resume_client_hello(now).unwrap();
    assert!(!p.server.conn.client_hello_pending());
    handshake(&mut p);
    assert_eq!(p.server.conn.protocol_version(), Some(V13));
    let log = hook.log.lock().unwrap().clone();
    assert_eq!(
        log.first().map(String::as_str),
        Some("early fefd cookie=true")
    );
    assert!(
        log.iter().filter(|l| l.starts_with("early")).count() >= 2,
        "{log:?}"
    );
    assert_eq!(
        log.iter().filter(|l| l.starts_with("hello")).count(),
        1,
        "{log:?}"
    );
}

#[test]
fn client_hello_hook_refusal_on_13() {
    let hook = Recorder {
        refuse: true,
        ..Recorder::default()
    };
    let mut p = pair_with(hook, 43);
    assert!(p.handshake(500, Duration::from_secs(60)).is_err());
    let e = p
        .server
        .conn
        .error()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("no such host"), "{e}");
    assert_ne!(p.server.conn.protocol_version(), Some(V12));
}

/// The extension types of the EncryptedExtensions the client received (message events:
/// 12-byte DTLS handshake header, then the extension list).
fn encrypted_extensions(o: &Ours) -> Vec<u16> {
    let ee = o
        .events
        .iter()
        .find_map(|e| match e {
            rdtls::Event::HandshakeMessage {
                sent: false,
                msg_type,
                bytes,
            } if msg_type.0 == 8 => Some(bytes.clone()),
            _ => None,
        })
        .expect("EncryptedExtensions received");
    let mut types = Vec::new();
    let mut i = 12 + 2;
    while i + 4 <= ee.len() {
        types.push(u16::from_be_bytes([ee[i], ee[i + 1]]));
        i += 4 + usize::from(u16::from_be_bytes([ee[i + 2], ee[i + 3]]));
    }
    types
}

/// The hook's server_name acknowledgement (OpenSSL's servername callback returning
/// SSL_TLSEXT_ERR_OK) goes into the 1.3 EncryptedExtensions as an empty server_name
/// (RFC 8446 §4.2, RFC 6066 §3), where 1.2 puts it in the ServerHello; with NOACK none.
#[test]
fn client_hello_hook_sni_ack_on_13() {
    for (no_ack, seed) in [(false, 44), (true, 45)] {
        let hook = Recorder {
            no_ack,
            ..Recorder::default()
        };
        let mut p = pair_with(hook, seed);
        handshake(&mut p);
        assert_eq!(p.server.conn.protocol_version(), Some(V13));
        p.run_until(1000, Duration::from_secs(60), |p| p.next_event().is_none())
            .ok();
        assert_eq!(
            encrypted_extensions(&p.client).contains(&0),
            !no_ack,
            "no_ack={no_ack}"
        );
    }
}
