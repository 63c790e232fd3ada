//! Our engine as a [`Endpoint`], and `Config`s built from the fixtures.

use std::sync::Arc;
use std::time::Instant;

use rdtls::enums::NamedGroup;
use rdtls::pki::keys::SigningKey;
use rdtls::pki::pem::load_certificates;
use rdtls::pki::verify::TrustStore;
use rdtls::suites::suite_by_name;
use rdtls::{
    AlertDescription, AlertLevel, ClientOptions, Config, ConfigBuilder, Connection, Error, Event,
    VerifyMode,
};

use super::fixtures::{read_fixture, Cred, Group, Spec, CA_FILES};
use super::link::Endpoint;

/// The peer address our servers are given (any stable bytes; used for cookies).
pub const PEER_ADDR: &[u8] = b"127.0.0.1:40001";

/// Receive buffer size: larger than any record.
const RECV_BUF: usize = 1 << 16;

/// Every certificate (DER) of a PEM fixture.
pub fn load_chain(file: &str) -> Vec<Vec<u8>> {
    let chain = load_certificates(&read_fixture(file))
        .unwrap_or_else(|e| panic!("loading certificates from {file}: {e}"));
    assert!(!chain.is_empty(), "no certificate in {file}");
    chain
}

/// The private key of a PEM fixture.
pub fn load_key(file: &str) -> Arc<SigningKey> {
    Arc::new(
        SigningKey::from_pem(&read_fixture(file))
            .unwrap_or_else(|e| panic!("loading key from {file}: {e}")),
    )
}

/// A trust store with every test CA.
pub fn trust_all() -> Arc<TrustStore> {
    let mut t = TrustStore::new();
    for ca in CA_FILES {
        let n = t
            .add_pem(&read_fixture(ca))
            .unwrap_or_else(|e| panic!("adding trust anchor {ca}: {e}"));
        assert_eq!(n, 1, "{ca} holds one certificate");
    }
    Arc::new(t)
}

/// Our code point for a test group.
pub fn named_group(g: Group) -> NamedGroup {
    match g {
        Group::X25519 => NamedGroup::X25519,
        Group::P256 => NamedGroup::SECP256R1,
    }
}

/// Our groups for `spec`: the group under test first, then P-256 (OpenSSL rejects an ECDSA
/// P-256 certificate whose curve the client does not list; RFC 8422 §5.1).
pub fn groups_for(spec: &Spec) -> Vec<NamedGroup> {
    let mut v = vec![named_group(spec.group)];
    if spec.group != Group::P256 {
        v.push(NamedGroup::SECP256R1);
    }
    v
}

/// A builder for one side of `spec`: one suite, the spec's groups, every test CA trusted,
/// cookie exchange on; servers present `server_cred` and (mutual) require a client
/// certificate; clients verify the server and (mutual) present `client_cred`.
pub fn our_builder(spec: &Spec, server: bool) -> ConfigBuilder {
    let suite = suite_by_name(spec.suite).unwrap_or_else(|| panic!("unknown suite {}", spec.suite));
    let mut b = Config::builder()
        .cipher_suites(&[suite])
        .groups(&groups_for(spec))
        .trust_store(trust_all())
        .mtu(spec.mtu)
        .cookie_exchange(true)
        .session_id_context(b"rdtls-tests");
    let identity = |cred: Cred, server: bool| {
        let (chain, key) = if server {
            cred.server_files()
        } else {
            cred.client_files()
        };
        (load_chain(chain), load_key(key))
    };
    if server {
        let (chain, key) = identity(spec.server_cred, true);
        b = b.identity(chain, key).verify_mode(if spec.mutual {
            VerifyMode::RequirePeerCertificate
        } else {
            VerifyMode::None
        });
    } else {
        // Most tests connect without a server name; the hostname check has its own tests.
        b = b
            .verify_mode(VerifyMode::Peer)
            .dangerous()
            .disable_hostname_verification();
        if spec.mutual {
            let (chain, key) = identity(spec.client_cred, false);
            b = b.identity(chain, key);
        }
    }
    b
}

/// A built config for one side of `spec`.
pub fn our_config(spec: &Spec, server: bool) -> Arc<Config> {
    our_builder(spec, server)
        .build()
        .unwrap_or_else(|e| panic!("building config for {spec:?}: {e}"))
}

/// Our [`Connection`] plus everything it reported, as an [`Endpoint`].
pub struct Ours {
    /// The connection under test.
    pub conn: Connection,
    /// The first fatal error returned by the connection.
    pub error: Option<Error>,
    /// Every event, in order.
    pub events: Vec<Event>,
    /// Application records received and not yet taken.
    pub received: Vec<Vec<u8>>,
    /// Every `handle_datagram` result, in order.
    pub results: Vec<Result<(), Error>>,
    label: String,
}

impl Ours {
    /// A client on `cfg`.
    pub fn client(cfg: Arc<Config>, now: Instant, opts: ClientOptions) -> Self {
        let conn = Connection::client(cfg, now, opts).expect("creating client connection");
        Self::wrap(conn, "rdtls client")
    }

    /// A server on `cfg` for peer [`PEER_ADDR`].
    pub fn server(cfg: Arc<Config>, now: Instant) -> Self {
        Self::wrap(Connection::server(cfg, now, PEER_ADDR), "rdtls server")
    }

    /// Wraps an existing connection.
    pub fn wrap(conn: Connection, label: &str) -> Self {
        let mut s = Self {
            conn,
            error: None,
            events: Vec::new(),
            received: Vec::new(),
            results: Vec::new(),
            label: label.to_string(),
        };
        s.pump();
        s
    }

    /// Drains events and received application data.
    pub fn pump(&mut self) {
        while let Some(ev) = self.conn.poll_event() {
            self.events.push(ev);
        }
        let mut buf = vec![0u8; RECV_BUF];
        // Bounded: a broken engine must not hang the test.
        for _ in 0..100_000 {
            match self.conn.recv(&mut buf) {
                Some(n) => self.received.push(buf[..n].to_vec()),
                None => break,
            }
        }
    }

    fn record(&mut self, r: Result<(), Error>) {
        if let Err(e) = &r {
            if self.error.is_none() {
                self.error = Some(e.clone());
            }
        }
        self.results.push(r);
    }

    /// Alerts we sent, from the events.
    pub fn alerts_sent(&self) -> Vec<(AlertLevel, AlertDescription)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::AlertSent { level, description } => Some((*level, *description)),
                _ => None,
            })
            .collect()
    }

    /// Fails the test unless we sent an alert with `description` (any level).
    #[track_caller]
    pub fn assert_alert_sent(&self, description: AlertDescription) {
        let sent = self.alerts_sent();
        assert!(
            sent.iter().any(|(_, d)| *d == description),
            "{description:?} not among the alerts sent: {sent:?}"
        );
    }

    /// The connection's fatal error as text ("" while there is none).
    pub fn error_text(&self) -> String {
        self.conn.error().map(|e| e.to_string()).unwrap_or_default()
    }

    /// Alerts we received, from the events.
    pub fn alerts_received(&self) -> Vec<(AlertLevel, AlertDescription)> {
        self.events
            .iter()
            .filter_map(|e| match e {
                Event::AlertReceived { level, description } => Some((*level, *description)),
                _ => None,
            })
            .collect()
    }

    /// The first NSS key log line (config needs `keylog(true)`).
    pub fn keylog(&self) -> Option<String> {
        self.events.iter().find_map(|e| match e {
            Event::KeyLog(l) if l.starts_with("CLIENT_RANDOM") => Some(l.clone()),
            _ => None,
        })
    }

    /// Number of `HandshakeComplete` events.
    pub fn completions(&self) -> usize {
        self.events
            .iter()
            .filter(|e| **e == Event::HandshakeComplete)
            .count()
    }

    /// Every datagram the connection has ready now.
    pub fn drain(&mut self, now: Instant) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(d) = self.poll_transmit(now) {
            out.push(d);
        }
        out
    }

    /// Feeds every datagram of `dgrams`.
    pub fn feed(&mut self, now: Instant, dgrams: &[Vec<u8>]) {
        for d in dgrams {
            self.handle_datagram(now, d);
        }
    }
}

impl Endpoint for Ours {
    fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        let r = self.conn.handle_datagram(now, datagram);
        self.record(r);
        self.pump();
    }

    fn handle_timeout(&mut self, now: Instant) {
        let r = self.conn.handle_timeout(now);
        if let Err(e) = r {
            if self.error.is_none() {
                self.error = Some(e);
            }
        }
        self.pump();
    }

    fn poll_transmit(&mut self, now: Instant) -> Option<Vec<u8>> {
        let mut buf = Vec::new();
        let n = self.conn.poll_transmit(now, &mut buf)?;
        assert_eq!(n, buf.len(), "poll_transmit length vs buffer");
        self.pump();
        Some(buf)
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.conn.poll_timeout()
    }

    fn is_established(&self) -> bool {
        self.conn.is_established()
    }

    fn failure(&self) -> Option<String> {
        self.error.as_ref().map(|e| format!("{e:?}"))
    }

    fn send_app(&mut self, _now: Instant, data: &[u8]) -> Result<(), String> {
        self.conn.send(data).map_err(|e| format!("{e:?}"))
    }

    fn take_received(&mut self) -> Vec<Vec<u8>> {
        self.pump();
        std::mem::take(&mut self.received)
    }

    fn suite_name(&self) -> Option<String> {
        self.conn.cipher_suite().map(|s| s.openssl_name.to_string())
    }

    fn session_reused(&self) -> bool {
        self.conn.session_reused()
    }

    fn group_name(&self) -> Option<String> {
        self.conn.group().map(|g| g.name().to_string())
    }

    fn label(&self) -> String {
        format!("{} in state {}", self.label, self.conn.state_name())
    }
}
