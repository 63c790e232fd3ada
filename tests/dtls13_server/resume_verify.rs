//! What our resuming client verifies and reports (RFC 8446 §4.6.1), against our server: a
//! ticket keeps the verify result of the connection it came from, and a resumption
//! reports that result without running the verifier again (as OpenSSL restores a
//! session's verify_result); only the stored leaf's names are matched against the new
//! connection's. A verifier counting its calls shows the chain is verified once, in the
//! full handshake.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdtls::dtls13::client::{Options13, Ticket13};
use rdtls::dtls13::server::{Server13, ServerOptions13};
use rdtls::dtls13::server_ticket::TicketKey13;
use rdtls::pki::verifier::{CertVerifier, Verdict, VerifyInput, WebpkiVerifier};
use rdtls::{Config, VerifyMode};

use crate::common::link::{LinkConfig, Pair};
use crate::ours13::Ours13;
use crate::srv13::OursS13;
use crate::{handshake_and_data, server_config, SUITES};

/// Counts its calls; verifies with webpki, or refuses with `refuse` when set.
struct Counting {
    calls: Arc<AtomicUsize>,
    refuse: Option<i32>,
}

impl CertVerifier for Counting {
    fn verify(&self, input: &VerifyInput<'_>) -> Verdict {
        self.calls.fetch_add(1, Ordering::SeqCst);
        match self.refuse {
            None => WebpkiVerifier.verify(input),
            Some(code) => Verdict {
                accept: false,
                code,
                depth: 0,
                reason: "refused by the test".into(),
            },
        }
    }
}

/// A client configuration with a counting verifier, and its counter.
fn client(seed: u64, mode: VerifyMode, refuse: Option<i32>) -> (Arc<Config>, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let cfg = Config::builder()
        .trust_store(crate::common::ours::trust_all())
        .verify_mode(mode)
        .verifier(Arc::new(Counting {
            calls: calls.clone(),
            refuse,
        }))
        .mtu(1150)
        .rng_seed(seed)
        .build()
        .expect("client config");
    (cfg, calls)
}

/// A connection of `cfg` to `name` (offering `resume`) with a server of `key` whose suite
/// is `SUITES[seed % 3]`, run to the handshake's end and until both tickets arrived.
fn connect(
    cfg: &Arc<Config>,
    seed: u64,
    key: &Arc<TicketKey13>,
    name: &str,
    resume: Option<Ticket13>,
) -> Pair<Ours13, OursS13> {
    let now = Instant::now();
    let opts = Options13 {
        server_name: Some(name.into()),
        resume,
        ..Options13::default()
    };
    let server = Server13::new(
        server_config(seed, 1150),
        ServerOptions13 {
            suites: vec![SUITES[seed as usize % 3]],
            tickets: 2,
            ticket_key: Some(key.clone()),
            ..ServerOptions13::default()
        },
        now,
    )
    .unwrap();
    let server = OursS13 {
        s: server,
        events: Vec::new(),
        received: Vec::new(),
        error: None,
    };
    let client = Ours13::new(cfg.clone(), opts, now);
    let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, seed);
    handshake_and_data(&mut p, name);
    p.run_until(100, Duration::from_secs(30), |p| {
        p.client.c.tickets().len() == 2
    })
    .expect("two tickets");
    p
}

fn key(seed: u8) -> Arc<TicketKey13> {
    Arc::new(TicketKey13::from_bytes(&[seed; 32], Instant::now()).unwrap())
}

/// Enforced verification: the full handshake verifies once and its tickets keep
/// `X509_V_OK`; resuming with one, then with a ticket of the resumed connection, reports
/// `X509_V_OK` and never calls the verifier again.
#[test]
fn resumption_reports_the_original_result_without_verifying_again() {
    let key = key(150);
    let (cfg, calls) = client(150, VerifyMode::Peer, None);
    let p = connect(&cfg, 150, &key, "localhost", None);
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the full handshake");
    assert_eq!(p.client.c.verify_result(), Some(0));
    let t = p.client.c.tickets()[0].clone();
    assert_eq!(t.verify_code, Some(0));
    let p = connect(&cfg, 150, &key, "localhost", Some(t));
    assert!(p.client.c.resumed() && p.server.s.resumed());
    assert_eq!(p.client.c.verify_result(), Some(0), "the ticket's result");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "no verification on resumption"
    );
    let t = p.client.c.tickets()[1].clone();
    assert_eq!(t.verify_code, Some(0), "carried on to the next ticket");
    let p = connect(&cfg, 150, &key, "localhost", Some(t));
    assert!(p.client.c.resumed());
    assert_eq!(p.client.c.verify_result(), Some(0));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

/// Unenforced verification (`SSL_VERIFY_NONE`): the full handshake's error is what the
/// ticket keeps and what the resumption reports, again without the verifier.
#[test]
fn resumption_reports_the_original_error_unenforced() {
    let key = key(151);
    let (cfg, calls) = client(151, VerifyMode::None, Some(20));
    let p = connect(&cfg, 151, &key, "localhost", None);
    assert_eq!(p.client.c.verify_result(), Some(20));
    let t = p.client.c.tickets()[0].clone();
    assert_eq!(t.verify_code, Some(20));
    let p = connect(&cfg, 151, &key, "localhost", Some(t));
    assert!(p.client.c.resumed());
    assert_eq!(p.client.c.verify_result(), Some(20), "the ticket's result");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        1,
        "no verification on resumption"
    );
}

/// A ticket whose result is not known (a session read back without one) has its chain
/// verified once, before it is offered, and reports that verdict.
#[test]
fn a_ticket_without_a_result_is_verified_once() {
    let key = key(152);
    let (cfg, calls) = client(152, VerifyMode::Peer, None);
    let p = connect(&cfg, 152, &key, "localhost", None);
    let mut t = p.client.c.tickets()[0].clone();
    t.verify_code = None;
    let p = connect(&cfg, 152, &key, "localhost", Some(t));
    assert!(p.client.c.resumed());
    assert_eq!(p.client.c.verify_result(), Some(0));
    assert_eq!(calls.load(Ordering::SeqCst), 2, "once per connection");
}

/// Unenforced, a ticket is offered for a name its leaf does not cover (as before), but its
/// stored `X509_V_OK` is not reported for that name: the hostname mismatch is.
#[test]
fn an_unenforced_resumption_for_another_name_reports_the_mismatch() {
    let key = key(153);
    let (cfg, calls) = client(153, VerifyMode::None, None);
    let p = connect(&cfg, 153, &key, "localhost", None);
    let t = p.client.c.tickets()[0].clone();
    assert_eq!(t.verify_code, Some(0));
    let p = connect(&cfg, 153, &key, "example.com", Some(t));
    assert!(p.client.c.resumed());
    assert_eq!(
        p.client.c.verify_result(),
        Some(rdtls::pki::X509_V_ERR_HOSTNAME_MISMATCH)
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}
