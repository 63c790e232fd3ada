//! dimpl's `Dtls` as a [`Endpoint`] of the simulated link.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use dimpl::{Config, Dtls, DtlsCertificate, Output};

use crate::common::fixtures::read_fixture;
use crate::common::link::Endpoint;
use crate::common::ours::load_chain;

/// dimpl plus what it reported.
pub struct DimplPeer {
    /// The engine.
    pub dtls: Dtls,
    /// Datagrams ready to go.
    pub out: VecDeque<Vec<u8>>,
    /// Application records received and not yet taken.
    pub received: Vec<Vec<u8>>,
    /// The peer leaf certificate dimpl reported (DER).
    pub peer_cert: Option<Vec<u8>>,
    /// DTLS-SRTP keying material dimpl exported (RFC 5764), with its profile name.
    pub keying_material: Option<(Vec<u8>, String)>,
    /// `Output::Connected` was seen.
    pub connected: bool,
    /// `Output::CloseNotify` was seen: the peer closed its write side.
    pub peer_closed: bool,
    /// The first fatal error.
    pub error: Option<String>,
    next_timeout: Option<Instant>,
    label: &'static str,
}

/// The ECDSA P-256 credential of a role, as dimpl takes it: leaf DER and the key file
/// (dimpl reads PEM, PKCS#8 or SEC1).
pub fn credential(server: bool) -> DtlsCertificate {
    let (pem, key) = if server {
        ("server-ecdsa.pem", "server-ecdsa.key")
    } else {
        ("client-ecdsa.pem", "client-ecdsa.key")
    };
    DtlsCertificate {
        certificate: load_chain(pem).remove(0),
        private_key: read_fixture(key),
    }
}

/// A dimpl config with a seeded RNG.
pub fn config(seed: u64, require_client_cert: bool) -> Arc<Config> {
    Arc::new(
        Config::builder()
            .dangerously_set_rng_seed(seed)
            .require_client_certificate(require_client_cert)
            .build()
            .expect("dimpl config"),
    )
}

impl DimplPeer {
    /// Wraps a `Dtls` built by the caller.
    pub fn wrap_for_test(dtls: Dtls, now: Instant, label: &'static str) -> Self {
        Self::wrap(dtls, now, label)
    }

    fn wrap(dtls: Dtls, now: Instant, label: &'static str) -> Self {
        let mut p = DimplPeer {
            dtls,
            out: VecDeque::new(),
            received: Vec::new(),
            peer_cert: None,
            keying_material: None,
            connected: false,
            peer_closed: false,
            error: None,
            next_timeout: None,
            label,
        };
        let r = p.dtls.handle_timeout(now);
        p.check(r);
        p.pump();
        p
    }

    /// A DTLS 1.2 server (`Dtls::new_12`), optionally requiring a client certificate.
    pub fn server12(now: Instant, require_client_cert: bool, seed: u64) -> Self {
        let dtls = Dtls::new_12(config(seed, require_client_cert), credential(true), now);
        Self::wrap(dtls, now, "dimpl 1.2 server")
    }

    /// A DTLS 1.2 client presenting the client credential when asked.
    pub fn client12(now: Instant, seed: u64) -> Self {
        let mut dtls = Dtls::new_12(config(seed, false), credential(false), now);
        dtls.set_active(true);
        Self::wrap(dtls, now, "dimpl 1.2 client")
    }

    /// A version-sensing endpoint (`Dtls::new_auto`): as a client it sends a ClientHello
    /// offering DTLS 1.3 and 1.2; as a server it answers 1.3 or falls back to 1.2.
    pub fn auto(now: Instant, client: bool, seed: u64) -> Self {
        let mut dtls = Dtls::new_auto(config(seed, false), credential(!client), now);
        if client {
            dtls.set_active(true);
        }
        Self::wrap(
            dtls,
            now,
            if client {
                "dimpl auto client"
            } else {
                "dimpl auto server"
            },
        )
    }

    /// The negotiated version, once known (dimpl's `ProtocolVersion`, Debug form).
    pub fn version(&self) -> Option<String> {
        self.dtls.protocol_version().map(|v| format!("{v:?}"))
    }

    /// A DTLS 1.3 server (`Dtls::new_13`); with `cookie` it first answers a ClientHello
    /// with a HelloRetryRequest carrying a cookie (RFC 9147 §5.1).
    pub fn server13(now: Instant, cookie: bool, seed: u64) -> Self {
        let cfg = Arc::new(
            Config::builder()
                .dangerously_set_rng_seed(seed)
                .use_server_cookie(cookie)
                .require_client_certificate(false)
                .build()
                .expect("dimpl config"),
        );
        let dtls = Dtls::new_13(cfg, credential(true), now);
        Self::wrap(dtls, now, "dimpl 1.3 server")
    }

    fn check(&mut self, r: Result<(), dimpl::Error>) {
        if let Err(e) = r {
            if self.error.is_none() {
                self.error = Some(format!("{e:?}"));
            }
        }
    }

    /// Drains dimpl's output up to its `Timeout` (always the last of a poll cycle).
    pub fn pump(&mut self) {
        let mut buf = vec![0u8; 2048];
        // Bounded: a broken engine must not hang the test.
        for _ in 0..10_000 {
            match self.dtls.poll_output(&mut buf) {
                Output::Packet(p) => self.out.push_back(p.to_vec()),
                Output::BufferTooSmall { needed } => buf.resize(needed, 0),
                Output::Timeout(t) => {
                    self.next_timeout = Some(t);
                    return;
                }
                Output::Connected => self.connected = true,
                Output::PeerCert(c) => self.peer_cert = Some(c.to_vec()),
                Output::CloseNotify => self.peer_closed = true,
                Output::ApplicationData(d) => self.received.push(d.to_vec()),
                Output::KeyingMaterial(km, profile) => {
                    self.keying_material = Some((km.to_vec(), profile.to_string()))
                }
                _ => {}
            }
        }
        panic!("{}: poll_output never reached Timeout", self.label);
    }
}

impl Endpoint for DimplPeer {
    fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        // dimpl's clock moves only through handle_timeout; refresh it before the packet.
        let r = self.dtls.handle_timeout(now);
        self.check(r);
        let r = self.dtls.handle_packet(datagram);
        self.check(r);
        self.pump();
    }

    fn handle_timeout(&mut self, now: Instant) {
        let r = self.dtls.handle_timeout(now);
        self.check(r);
        self.pump();
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Vec<u8>> {
        self.out.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.next_timeout
    }

    fn is_established(&self) -> bool {
        self.connected
    }

    fn failure(&self) -> Option<String> {
        self.error.clone()
    }

    fn send_app(&mut self, _now: Instant, data: &[u8]) -> Result<(), String> {
        let n = self
            .dtls
            .send_application_data(data)
            .map_err(|e| format!("{e:?}"))?;
        if n != data.len() {
            return Err(format!("dimpl accepted {n} of {} bytes", data.len()));
        }
        self.pump();
        Ok(())
    }

    fn take_received(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.received)
    }

    fn suite_name(&self) -> Option<String> {
        None
    }

    fn session_reused(&self) -> bool {
        false
    }

    fn group_name(&self) -> Option<String> {
        None
    }

    fn label(&self) -> String {
        self.label.to_string()
    }
}
