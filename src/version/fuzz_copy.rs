//! Fuzzing builds only (the `fuzzing` feature): copies of [`Engine`] and [`Conn13`] for
//! `rdtls::fuzzing::copy_connection`, with the contract of `crate::handshake::fuzz_copy`
//! (the 1.3 endpoints' part and its exceptions are in `crate::dtls13::fuzz_copy`).
//!
//! Everything `Connection` keeps on top of the engines is copied: events not yet taken,
//! a partly read record, the pending KeyUpdate, counters, CIDs, a server's held
//! ClientHello fragments and a dual client's held ServerHello fragments. A dual client's
//! 1.3 client and its 1.2 fallback machine share one configuration, and so do their
//! copies (one copy of its session cache and cookie keys for both). `None` when an
//! application hook is set on either engine.
use std::sync::Arc;

use super::{Conn13, Role13};
use crate::version::Engine;

impl Engine {
    /// A copy of this connection (see the module comment); `None` when a hook is set.
    pub(crate) fn fuzz_copy(&self) -> Option<Engine> {
        Some(match self {
            Engine::V12(m, held) => Engine::V12(Box::new(m.fuzz_copy()?), held.clone()),
            Engine::V13(c) => Engine::V13(Box::new(c.fuzz_copy()?)),
        })
    }
}

impl Conn13 {
    /// A copy of this connection (see the module comment); `None` when a hook is set.
    pub(crate) fn fuzz_copy(&self) -> Option<Conn13> {
        let cfg = self.config();
        let cfg_copy = Arc::new(cfg.fuzz_copy());
        let role = match &self.role {
            Role13::Client(c) => Role13::Client(Box::new(c.fuzz_copy(cfg_copy.clone())?)),
            Role13::Server(s) => Role13::Server(Box::new(s.fuzz_copy(cfg_copy.clone())?)),
        };
        let fallback = match &self.fallback {
            None => None,
            Some((m, sent)) => {
                let m = if Arc::ptr_eq(&m.config, cfg) {
                    m.fuzz_copy_on(cfg_copy)?
                } else {
                    m.fuzz_copy()?
                };
                Some((Box::new(m), sent.clone()))
            }
        };
        Some(Conn13 {
            role,
            fallback,
            events: self.events.clone(),
            reading: self.reading.clone(),
            key_update: self.key_update,
            close_received: self.close_received,
            failed_reported: self.failed_reported,
            stats: self.stats,
            server_name: self.server_name.clone(),
            cids: self.cids.clone(),
            held_answer: self.held_answer.clone(),
        })
    }
}
