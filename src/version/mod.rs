//! Version negotiation inside [`crate::Connection`] (RFC 8446 §4.2.1, RFC 9147 §5.3): a
//! connection is the DTLS 1.2 machine or a DTLS 1.3 [`conn13::Conn13`] ([`Engine`]).
//!
//! * A client with `max_version` 1.3 sends ONE ClientHello offering both versions (the 1.2
//!   machine builds its hello without sending it; the 1.3 client merges it in, see
//!   [`dual_hello`]) and continues as whichever the server picks: a 1.2 ServerHello or a
//!   HelloVerifyRequest hands the connection to the 1.2 machine with the hello that was
//!   sent. With `min_version` 1.3 it offers 1.3 only.
//! * A server with `max_version` 1.3 reads the first ClientHello's `supported_versions`
//!   and becomes a 1.3 server or the 1.2 machine, which then puts the RFC 8446 §4.1.3
//!   downgrade sentinel in its random; with `min_version` 1.3 a 1.2-only ClientHello gets
//!   a protocol_version alert.
//! * A configuration or connection using a feature our 1.3 path lacks
//!   ([`select::config_blocker`], `Machine::tls13_hook_blocker`) runs 1.2 as before, or
//!   fails with `Error::Config` when `min_version` is 1.3 (src/deviations.rs).
//!
//! * Connection IDs (RFC 9146 / RFC 9147 §9): the Config's `connection_id` becomes the 1.3
//!   options' CID; a dual client's 1.3 hello asks for the CID its 1.2 hello chose, so either
//!   version uses the one that was sent. The 1.3-only CID updates are in `cid13.rs`.
//! * A dual client holds a ServerHello split across datagrams until it is whole
//!   ([`held`]), then continues in the version it names.
//!
//! The per-method mapping is in `engine_api.rs`.

mod cid13;
pub(crate) mod conn13;
pub(crate) mod dual_hello;
mod engine_api;
mod held;
pub(crate) mod select;

use std::sync::Arc;
use std::time::Instant;

use crate::config::{Config, LocalConnectionId, VerifyMode, DTLS1_3_VERSION};
use crate::connection::ClientOptions;
use crate::dtls13::client::{Client13, Options13};
use crate::dtls13::server::{Server13, ServerOptions13};
use crate::error::{AlertDescription, Error};
use crate::handshake::machine::Machine;
use crate::pki::verifier::{CertVerifier, Verdict, VerifyInput};
use conn13::{Conn13, Role13};
use held::Held;
use select::Offer;

/// What a [`crate::Connection`] runs.
pub(crate) enum Engine {
    /// DTLS 1.2; with `Some(held)`, a server that may still do 1.3, before its first
    /// whole ClientHello: the machine takes the application's settings meanwhile, and
    /// `held` the datagrams of a ClientHello not complete yet.
    V12(Box<Machine>, Option<Held>),
    /// DTLS 1.3 (for a dual client, until the server answered, also the 1.2 machine).
    V13(Box<Conn13>),
}

/// A verifier shared between the 1.2 machine (which takes a Box) and the 1.3 channel.
struct SharedVerifier(Arc<dyn CertVerifier>);

impl CertVerifier for SharedVerifier {
    fn verify(&self, input: &VerifyInput<'_>) -> Verdict {
        self.0.verify(input)
    }

    fn leaf_matches_names(
        &self,
        leaf: &[u8],
        names: crate::pki::verify::ExpectedNames<'_>,
    ) -> bool {
        self.0.leaf_matches_names(leaf, names)
    }
}

fn min_is_13(cfg: &Config) -> bool {
    cfg.min_version == DTLS1_3_VERSION
}

/// The 1.3 client's options from the connection's.
fn options13(cfg: &Config, opts: &ClientOptions) -> Options13 {
    Options13 {
        server_name: opts.server_name.clone(),
        verify_names: opts.verify_names.clone(),
        suites: cfg.tls13_suites.clone(),
        // RFC 8446 §4.2.11: a 1.3 ticket is offered as a PSK.
        resume: opts.resume.as_ref().and_then(|s| s.tls13_ticket.clone()),
        cid_len: cid_len13(cfg),
        cid: cid13(cfg),
    }
}

/// RFC 9147 §9 (the `connection_id` extension of RFC 9146 §3): a configured random CID
/// of this length (0: zero-length, "send me none").
fn cid_len13(cfg: &Config) -> Option<usize> {
    match &cfg.connection_id {
        Some(LocalConnectionId::Random(n)) => Some(usize::from(*n)),
        _ => None,
    }
}

/// A configured fixed CID.
fn cid13(cfg: &Config) -> Option<Vec<u8>> {
    match &cfg.connection_id {
        Some(LocalConnectionId::Fixed(c)) => Some(c.clone()),
        _ => None,
    }
}

/// Secure by default: a client that checks the server's name must be told the name (both
/// versions' clients, `Machine::client` included).
pub(crate) fn check_client(cfg: &Config, opts: &ClientOptions) -> Result<(), Error> {
    if cfg.verify_mode != VerifyMode::None
        && cfg.verify_hostname
        && opts.server_name.is_none()
        && opts.verify_names.is_empty()
    {
        return Err(Error::Config(
            "a verifying client needs the server's name (ClientOptions::server_name or \
             verify_names), or ConfigBuilder::dangerous().disable_hostname_verification()"
                .into(),
        ));
    }
    Ok(())
}

impl Engine {
    /// A client (see the module doc).
    pub(crate) fn client(
        cfg: Arc<Config>,
        now: Instant,
        opts: ClientOptions,
    ) -> Result<Self, Error> {
        if cfg.max_version != DTLS1_3_VERSION {
            return Ok(Engine::V12(
                Box::new(Machine::client(cfg, now, opts)?),
                None,
            ));
        }
        let blocker = select::config_blocker(&cfg, true)
            .or_else(|| opts.psk.is_some().then_some("PSK-callback suites"));
        if let Some(what) = blocker {
            if min_is_13(&cfg) {
                return Err(Error::Config(format!("DTLS 1.3 does not support {what}")));
            }
            return Ok(Engine::V12(
                Box::new(Machine::client(cfg, now, opts)?),
                None,
            ));
        }
        check_client(&cfg, &opts)?;
        let o13 = options13(&cfg, &opts);
        let server_name = opts.server_name.clone();
        let mut conn = if min_is_13(&cfg) {
            Conn13::new(
                Role13::Client(Box::new(Client13::new(cfg, o13, now)?)),
                None,
            )
        } else {
            if cfg.suites.is_empty() {
                return Err(Error::Config("no cipher suites".into()));
            }
            let mut m = Machine::client_unsent(cfg.clone(), now, opts);
            let legacy = dual_hello::LegacyOffer::from_hello(&m.client_hello_body()?)?;
            let mut o13 = o13;
            if let Some(cid) = legacy.connection_id() {
                // One hello, one CID (RFC 9146 §3): the 1.3 client asks for the one the
                // 1.2 machine chose, so either version finds it in the peer's records.
                o13.cid = Some(cid);
            }
            let c = Client13::with_legacy(cfg, o13, now, Some(legacy))?;
            let sent = client_hello1(&c)?;
            Conn13::new(Role13::Client(Box::new(c)), Some((Box::new(m), sent)))
        };
        conn.server_name = server_name;
        Ok(Engine::V13(Box::new(conn)))
    }

    /// A server (see the module doc).
    pub(crate) fn server(cfg: Arc<Config>, now: Instant, peer_addr: &[u8]) -> Self {
        let capable = cfg.max_version == DTLS1_3_VERSION;
        let mut m = Machine::server(cfg, now, peer_addr);
        m.downgrade_sentinel = capable;
        Engine::V12(Box::new(m), capable.then(Held::default))
    }

    /// The 1.2 machine, when this is (or may still become) a 1.2 connection.
    #[allow(dead_code)] // tests
    pub(crate) fn machine(&self) -> Option<&Machine> {
        match self {
            Engine::V12(m, _) => Some(m),
            Engine::V13(_) => None,
        }
    }

    pub(crate) fn machine_mut(&mut self) -> Option<&mut Machine> {
        match self {
            Engine::V12(m, _) => Some(m),
            Engine::V13(c) => c.fallback.as_mut().map(|(m, _)| &mut **m),
        }
    }

    /// Routes one datagram: decides the version where it is still open, then hands the
    /// datagram to the engine that handles it.
    pub(crate) fn route(&mut self, now: Instant, datagram: &[u8]) -> Result<Route, Error> {
        match self {
            Engine::V12(_, None) => Ok(Route::Machine),
            Engine::V13(c) => {
                if c.fallback.is_none() {
                    return Ok(Route::Conn13);
                }
                if select::answer_is_tls12(datagram) {
                    c.held_answer.take();
                    self.fall_back(now)?;
                    return Ok(Route::Machine);
                }
                if !c.held_answer.is_fragment(datagram) {
                    return Ok(Route::Conn13);
                }
                // A ServerHello split across datagrams (RFC 6347 §4.2.3): only the whole
                // message says which version the server chose; held until then.
                let Some(body) = c.held_answer.add_body(datagram) else {
                    return Ok(Route::Nothing);
                };
                let earlier = c.held_answer.take();
                if select::server_hello_is_tls12(&body) {
                    self.fall_back(now)?;
                }
                Ok(Route::Replay(earlier))
            }
            Engine::V12(m, Some(held)) => {
                let offer = match select::client_offer(datagram) {
                    Offer::Unknown => match held.add(datagram) {
                        Some(o) => o,
                        // Not a ClientHello yet: noise goes to the machine, which drops
                        // it; a ClientHello fragment is held (a 1.3-only server drops
                        // anything else).
                        None if held.is_empty() && !min_is_13(&m.config) => {
                            return Ok(Route::Machine)
                        }
                        None => return Ok(Route::Nothing),
                    },
                    o => o,
                };
                let earlier = held.take();
                self.decide(now, offer)?;
                Ok(Route::Replay(earlier))
            }
        }
    }

    /// An undecided server saw a whole ClientHello offering `offer`.
    fn decide(&mut self, now: Instant, offer: Offer) -> Result<(), Error> {
        let Engine::V12(m, undecided) = self else {
            return Ok(());
        };
        *undecided = None;
        let blocker = select::config_blocker(&m.config, false).or_else(|| m.tls13_hook_blocker());
        if blocker.is_some() {
            // This server cannot do 1.3 with its settings: no downgrade to signal (RFC 8446
            // §4.1.3 is for servers that support 1.3), else every dual client aborts.
            m.downgrade_sentinel = false;
        }
        if offer == Offer::Tls13 && blocker.is_none() {
            if let Some(s) = server13(m, now) {
                *self = Engine::V13(Box::new(Conn13::new(Role13::Server(Box::new(s)), None)));
                return Ok(());
            }
            // No 1.3 server with these settings (no identity before a certificate
            // callback supplies one to the 1.2 machine): 1.2 is not a downgrade either.
            m.downgrade_sentinel = false;
        }
        if min_is_13(&m.config) {
            // RFC 8446 §4.2.1: no version in common.
            let why = match blocker {
                Some(what) => format!("DTLS 1.3 does not support {what}"),
                None => "the client does not offer DTLS 1.3".into(),
            };
            return Err(m.fail(Error::alert(AlertDescription::PROTOCOL_VERSION, why)));
        }
        Ok(())
    }

    /// A dual client's server answered in 1.2: the machine takes over with the hello that
    /// was sent.
    fn fall_back(&mut self, now: Instant) -> Result<(), Error> {
        let Engine::V13(c) = self else {
            return Ok(());
        };
        let Some((mut m, sent)) = c.fallback.take() else {
            return Ok(());
        };
        let next_seq = match &c.role {
            Role13::Client(c13) => c13.ch.rl.plain_send_seq(),
            Role13::Server(_) => 0,
        };
        let carried = std::iter::from_fn(|| c.poll_event()).collect::<Vec<_>>();
        m.adopt_sent_hello(now, sent, next_seq, carried)?;
        *self = Engine::V12(m, None);
        Ok(())
    }

    /// After the 1.3 client processed a datagram: once the server answered in 1.3 (a
    /// ServerHello or a HelloRetryRequest), the 1.2 fallback is dropped.
    pub(crate) fn settle_dual(&mut self) {
        if let Engine::V13(c) = self {
            if let (Some(_), Role13::Client(c13)) = (&c.fallback, &c.role) {
                let answered = c13.ch.next_msg_seq > 1 || !c13.ch.state.expects_plaintext();
                if answered {
                    c.fallback = None;
                }
            }
        }
    }

    /// Sets the verifier on every engine the connection may run.
    pub(crate) fn set_verifier(&mut self, v: Box<dyn CertVerifier>) {
        let shared: Arc<dyn CertVerifier> = Arc::from(v);
        if let Engine::V13(c) = self {
            c.set_verifier(shared.clone());
        }
        if let Some(m) = self.machine_mut() {
            m.set_verifier(Box::new(SharedVerifier(shared)));
        }
    }
}

/// Where a datagram goes after [`Engine::route`].
pub(crate) enum Route {
    Machine,
    Conn13,
    /// Held (part of a ClientHello not complete yet): nothing to do.
    Nothing,
    /// The version was just decided: these held datagrams first, then this one.
    Replay(Vec<Vec<u8>>),
}

/// The ClientHello1 body a 1.3 client sent (from its transcript).
fn client_hello1(c: &Client13) -> Result<Vec<u8>, Error> {
    match &c.ch.state {
        crate::dtls13::client_states::State::ExpectServerHello(s) if s.transcript.len() > 4 => {
            Ok(s.transcript[4..].to_vec())
        }
        _ => Err(Error::InvalidState("no ClientHello sent")),
    }
}

/// A 1.3 server taking over from an undecided server's machine (its settings: peer
/// address, verifier, MTU); None when the configuration cannot serve 1.3 (no identity).
fn server13(m: &mut Machine, now: Instant) -> Option<Server13> {
    let cfg = m.config.clone();
    let opts = ServerOptions13 {
        suites: cfg.tls13_suites.clone(),
        cookie: cfg.cookie_exchange,
        peer_addr: m.peer_addr.clone(),
        request_client_cert: cfg.verify_mode != VerifyMode::None,
        tickets: cfg.tls13_tickets,
        ticket_key: cfg.ticket_key13.clone(),
        cid_len: cid_len13(&cfg),
        cid: cid13(&cfg),
        // No SNI acknowledgement, ALPN as the configuration says.
        ..ServerOptions13::default()
    };
    let mut s = Server13::new(cfg, opts, now).ok()?;
    s.ch.verifier = m.verifier.take().map(Arc::from);
    s.ch.timer_hook = m.take_timer_hook();
    s.cookie_hooks = m.take_cookie_hooks();
    s.alpn_hook = m.take_alpn_hook();
    s.client_hello_hook = m.take_client_hello_hook();
    s.ch.mtu = m.mtu();
    Some(s)
}
