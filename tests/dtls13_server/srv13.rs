//! Our sans-IO DTLS 1.3 server (`rdtls::dtls13::server::Server13`) as an [`Endpoint`] of
//! the simulated link.

use std::sync::Arc;
use std::time::Instant;

use rdtls::dtls13::server::{Server13, ServerEvent13, ServerOptions13};
use rdtls::Config;

use crate::common::link::Endpoint;

/// The server plus what it reported.
pub struct OursS13 {
    /// The server under test.
    pub s: Server13,
    /// Every event, in order.
    pub events: Vec<ServerEvent13>,
    /// Application records received and not yet taken.
    pub received: Vec<Vec<u8>>,
    /// The first error returned.
    pub error: Option<String>,
}

impl OursS13 {
    /// A server on `cfg` with `opts`.
    pub fn new(cfg: Arc<Config>, opts: ServerOptions13, now: Instant) -> Self {
        let s = Server13::new(cfg, opts, now).expect("creating the DTLS 1.3 server");
        OursS13 {
            s,
            events: Vec::new(),
            received: Vec::new(),
            error: None,
        }
    }

    /// Collects events and data after a call.
    pub fn after(&mut self, r: Result<(), rdtls::Error>) {
        if let Err(e) = r {
            if self.error.is_none() {
                self.error = Some(format!("{e:?}"));
            }
        }
        while let Some(e) = self.s.poll_event() {
            self.events.push(e);
        }
        while let Some(d) = self.s.recv() {
            self.received.push(d);
        }
    }
}

impl Endpoint for OursS13 {
    fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        let r = self.s.handle_datagram(now, datagram);
        self.after(r);
    }

    fn handle_timeout(&mut self, now: Instant) {
        let r = self.s.handle_timeout(now);
        self.after(r);
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Vec<u8>> {
        self.s.poll_transmit()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.s.poll_timeout()
    }

    fn is_established(&self) -> bool {
        self.s.is_established()
    }

    fn failure(&self) -> Option<String> {
        self.error.clone()
    }

    fn send_app(&mut self, _now: Instant, data: &[u8]) -> Result<(), String> {
        self.s.send(data).map_err(|e| format!("{e:?}"))
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
        format!("rdtls 1.3 server {:?}", self.s)
    }
}
