//! Fuzzing builds only (the `fuzzing` feature): a copy of a connection, so the fuzz harness
//! drives a genuine handshake to its target state once per process and starts every input
//! from a copy instead of replaying the handshake each time. This is the DTLS 1.2 machine's
//! copy and the contract; DTLS 1.3 connections follow it in `crate::dtls13::fuzz_copy`
//! (the endpoints) and `crate::version`'s `fuzz_copy` (the connection around them).
//!
//! The copy is the same connection in every respect the input can observe — keys,
//! transcript, sequence numbers, replay windows, reassembly, flights, timers, the RNG's
//! position — with these exceptions:
//! * application hooks (timer, verifier, cookie, ClientHello, session lookup, ALPN) are
//!   boxed closures that cannot be copied: a connection with any of them set has no copy;
//! * the configuration is copied, its session cache and cookie keys as independent copies
//!   (so one input's sessions or cookie-key rotation never reach the next input); the
//!   trust store, identity and PSK provider behind `Arc`s are shared (immutable);
//! * an ECDHE private key from the OS RNG cannot be copied and is replaced by a fresh one
//!   (one from a `test-rng` seed, as the harness uses, is re-derived and so identical).
//!
//! The copy holds the original's secrets: this is why it exists only in fuzzing builds.
use std::sync::Arc;

use super::Machine;
use crate::config::Config;

impl Machine {
    /// A copy of this connection (see the module comment); `None` when a hook is set.
    pub(crate) fn fuzz_copy(&self) -> Option<Machine> {
        self.fuzz_copy_on(Arc::new(self.config.fuzz_copy()))
    }

    /// A copy on `config`, a copy of this machine's configuration (a dual-version client's
    /// 1.2 machine and its 1.3 client share one, and so do their copies).
    pub(crate) fn fuzz_copy_on(&self, config: Arc<Config>) -> Option<Machine> {
        if self.timer_hook.is_some()
            || self.verifier.is_some()
            || self.cookie_hooks.is_some()
            || self.client_hello_hook.is_some()
            || self.session_lookup_hook.is_some()
            || self.alpn_hook.is_some()
        {
            return None;
        }
        Some(Machine {
            config,
            is_client: self.is_client,
            life: self.life.clone(),
            records: self.records.clone(),
            reasm: self.reasm.clone(),
            hs: self.hs.clone(),
            opts: self.opts.clone(),
            peer_addr: self.peer_addr.clone(),
            rng: self.rng.clone(),
            dual_hello: self.dual_hello.clone(),
            downgrade_sentinel: self.downgrade_sentinel,
            timer_hook: None,
            out_queue: self.out_queue.clone(),
            pool: self.pool.clone(),
            app_in: self.app_in.clone(),
            app_in_bytes: self.app_in_bytes,
            events: self.events.clone(),
            mtu: self.mtu,
            stats: self.stats,
            verifier: None,
            cookie_hooks: None,
            client_hello_hook: None,
            session_lookup_hook: None,
            session_home: self.session_home.as_ref().map(|c| Arc::new(c.fuzz_copy())),
            alpn_hook: None,
            now: self.now,
            newest_authenticated: self.newest_authenticated,
            last_datagram_newest: self.last_datagram_newest,
            reneg_policy: self.reneg_policy,
            renegotiations: self.renegotiations,
            prev_read_retire_at: self.prev_read_retire_at,
        })
    }
}
