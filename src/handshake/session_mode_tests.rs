//! Engine tests of the server session cache switches behind OpenSSL's
//! SSL_SESS_CACHE_NO_INTERNAL_STORE and SSL_SESS_CACHE_NO_INTERNAL_LOOKUP.

use std::sync::Arc;
use std::time::Instant;

use crate::config::{Config, ConfigBuilder, VerifyMode};
use crate::connection::{ClientOptions, Connection};
use crate::pki::keys::SigningKey;
use crate::pki::pem::load_certificates;
use crate::session::cache::Session;
use crate::session::SessionLookupHook;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Two server configs over one session cache, with different RNG seeds: a second handshake
/// from the same seed would issue the first one's session ID again.
fn servers(b: impl Fn() -> ConfigBuilder) -> (Arc<Config>, Arc<Config>) {
    let build = |b: ConfigBuilder, seed| {
        let chain = load_certificates(&fixture("server-ecdsa.pem")).unwrap();
        let key = SigningKey::from_pem(&fixture("server-ecdsa.key")).unwrap();
        b.identity(chain, Arc::new(key))
            .cookie_exchange(false)
            .rng_seed(seed)
            .build()
            .unwrap()
    };
    let first = build(b(), 1);
    let second = build(b().shared_session_cache(first.session_cache().clone()), 3);
    (first, second)
}

/// One handshake; returns (client's session, resumed, server's cache miss flag).
fn handshake(s_cfg: &Arc<Config>, resume: Option<Session>) -> (Session, bool, bool) {
    handshake_with(s_cfg, resume, None)
}

/// As `handshake`, the server with an external session store.
fn handshake_with(
    s_cfg: &Arc<Config>,
    resume: Option<Session>,
    store: Option<SessionLookupHook>,
) -> (Session, bool, bool) {
    let now = Instant::now();
    let c_cfg = Config::builder()
        .verify_mode(VerifyMode::None)
        .rng_seed(2)
        .build()
        .unwrap();
    let opts = ClientOptions {
        resume,
        ..ClientOptions::default()
    };
    let mut c = Connection::client(c_cfg, now, opts).unwrap();
    let mut s = Connection::server(s_cfg.clone(), now, b"peer");
    if let Some(hook) = store {
        s.set_session_lookup_hook(hook);
    }
    let mut buf = Vec::new();
    for _ in 0..50 {
        let mut moved = false;
        while c.poll_transmit(now, &mut buf).is_some() {
            moved = true;
            let _ = s.handle_datagram(now, &buf);
        }
        while s.poll_transmit(now, &mut buf).is_some() {
            moved = true;
            let _ = c.handle_datagram(now, &buf);
        }
        if !moved {
            break;
        }
    }
    assert!(c.is_established() && s.is_established());
    assert_eq!(c.session_reused(), s.session_reused());
    (
        c.session().unwrap(),
        s.session_reused(),
        s.session_cache_miss(),
    )
}

#[test]
fn default_stores_and_looks_up() {
    let (cfg, again) = servers(Config::builder);
    let (sess, reused, miss) = handshake(&cfg, None);
    assert!(
        !reused && !miss,
        "no session offered: neither a hit nor a miss"
    );
    assert_eq!(cfg.session_cache().len(), 1);
    let (_, reused, miss) = handshake(&again, Some(sess));
    assert!(reused && !miss);
}

#[test]
fn no_store_keeps_nothing_but_issues_an_id() {
    let (cfg, again) = servers(|| Config::builder().server_session_store(false));
    let (sess, _, _) = handshake(&cfg, None);
    assert!(
        !sess.id.is_empty(),
        "the session still has an ID for external caches"
    );
    assert_eq!(cfg.session_cache().len(), 0);
    let (_, reused, miss) = handshake(&again, Some(sess));
    assert!(!reused && miss, "looked up and not found");
    assert_eq!(cfg.session_cache().len(), 0);
}

#[test]
fn no_lookup_stores_but_never_resumes() {
    let (cfg, again) = servers(|| Config::builder().server_session_lookup(false));
    let (sess, _, _) = handshake(&cfg, None);
    assert_eq!(cfg.session_cache().len(), 1);
    let (_, reused, miss) = handshake(&again, Some(sess));
    assert!(
        !reused && !miss,
        "the cache is not consulted, so no miss either"
    );
    assert_eq!(cfg.session_cache().len(), 2);
}

#[test]
fn the_external_store_answers_when_the_cache_does_not() {
    let (cfg, again) = servers(|| {
        Config::builder()
            .server_session_lookup(false)
            .server_session_store(false)
    });
    let (sess, _, _) = handshake(&cfg, None);
    assert_eq!(cfg.session_cache().len(), 0);
    // A store that knows nothing: a full handshake.
    let none: SessionLookupHook = Box::new(|_| None);
    let (_, reused, _) = handshake_with(&again, Some(sess.clone()), Some(none));
    assert!(!reused);
    // A store that has the session (by ID): it resumes, and stays out of the cache.
    let kept = sess.clone();
    let store: SessionLookupHook = Box::new(move |id| (id == kept.id).then(|| kept.clone()));
    let (_, reused, miss) = handshake_with(&again, Some(sess), Some(store));
    assert!(reused && !miss);
    assert_eq!(cfg.session_cache().len(), 0);
}
