//! Our sans-IO DTLS 1.3 client (`rdtls::dtls13::client::Client13`) as an [`Endpoint`] of
//! the simulated link.

use std::sync::Arc;
use std::time::Instant;

use rdtls::dtls13::client::{Client13, Event13, Options13};
use rdtls::Config;

use crate::common::link::Endpoint;

/// The client plus what it reported.
pub struct Ours13 {
    /// The client under test.
    pub c: Client13,
    /// Every event, in order.
    pub events: Vec<Event13>,
    /// Application records received and not yet taken.
    pub received: Vec<Vec<u8>>,
    /// The first error returned.
    pub error: Option<String>,
}

impl Ours13 {
    /// A client on `cfg` with `opts`.
    pub fn new(cfg: Arc<Config>, opts: Options13, now: Instant) -> Self {
        let c = Client13::new(cfg, opts, now).expect("creating the DTLS 1.3 client");
        Ours13 {
            c,
            events: Vec::new(),
            received: Vec::new(),
            error: None,
        }
    }

    fn after(&mut self, r: Result<(), rdtls::Error>) {
        if let Err(e) = r {
            if self.error.is_none() {
                self.error = Some(format!("{e:?}"));
            }
        }
        while let Some(e) = self.c.poll_event() {
            self.events.push(e);
        }
        while let Some(d) = self.c.recv() {
            self.received.push(d);
        }
    }
}

impl Endpoint for Ours13 {
    fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) {
        let r = self.c.handle_datagram(now, datagram);
        self.after(r);
    }

    fn handle_timeout(&mut self, now: Instant) {
        let r = self.c.handle_timeout(now);
        self.after(r);
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Vec<u8>> {
        self.c.poll_transmit()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        self.c.poll_timeout()
    }

    fn is_established(&self) -> bool {
        self.c.is_established()
    }

    fn failure(&self) -> Option<String> {
        self.error.clone()
    }

    fn send_app(&mut self, _now: Instant, data: &[u8]) -> Result<(), String> {
        self.c.send(data).map_err(|e| format!("{e:?}"))
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
        format!("rdtls 1.3 client {:?}", self.c)
    }
}
