//! Fuzzing builds only (the `fuzzing` feature): a copy of a DTLS 1.3 client or server, the
//! 1.3 half of `rdtls::fuzzing::copy_connection` (the 1.2 half and the contract are in
//! `crate::handshake::fuzz_copy`; the wrappers of `crate::version` in its `fuzz_copy`).
//!
//! The copy is the same endpoint in every respect the input can observe: handshake state
//! and transcript, key schedule and secrets, every epoch's record keys (re-keyed from the
//! same bytes: ring's keys cannot be copied), next record numbers and replay windows, AEAD
//! usage counters, key-update state, ACK state (records of the peer's flight, the partial
//! ACK timer, our flight's acknowledged records), reassembly, held-back records, our flight
//! and its timer, CIDs, queues, the RNG's position, and an ECDHE key re-derived from its
//! `test-rng` seed. Exceptions:
//! * the application's hooks (verifier, timer, cookie, ClientHello, ALPN) cannot be copied:
//!   an endpoint with any of them set has no copy;
//! * the configuration is copied as `Config::fuzz_copy` does (own session cache, cookie
//!   keys and 1.3 ticket key); a ticket key given in `ServerOptions13` rather than by the
//!   configuration is shared with the original;
//! * an ECDHE key from the OS RNG is replaced by a fresh one (see `EphemeralKeyPair`).
use std::sync::Arc;

use super::channel::Channel13;
use super::client::Client13;
use super::server::Server13;
use crate::config::Config;

impl<S: Clone, E: Clone> Channel13<S, E> {
    /// A copy on `cfg` (a copy of this channel's configuration); `None` when a hook is set.
    pub(crate) fn fuzz_copy(&self, cfg: Arc<Config>) -> Option<Self> {
        if self.verifier.is_some() || self.timer_hook.is_some() {
            return None;
        }
        Some(Channel13 {
            cfg,
            rl: self.rl.clone(),
            flight: self.flight.clone(),
            reasm: self.reasm.clone(),
            msg_epochs: self.msg_epochs.clone(),
            hs_records: self.hs_records.clone(),
            ack_at: self.ack_at,
            state: self.state.clone(),
            next_msg_seq: self.next_msg_seq,
            send_epoch: self.send_epoch,
            out: self.out.clone(),
            events: self.events.clone(),
            app_in: self.app_in.clone(),
            pending: self.pending.clone(),
            error: self.error.clone(),
            peer_certs: self.peer_certs.clone(),
            last_now: self.last_now,
            resumed: self.resumed,
            write_closed: self.write_closed,
            srtp_profile: self.srtp_profile,
            cid: self.cid.clone(),
            verifier: None,
            verify_code: self.verify_code,
            mtu: self.mtu,
            log: self.log.clone(),
            group: self.group,
            randoms: self.randoms,
            timer_hook: None,
            retransmits: self.retransmits,
        })
    }
}

impl Client13 {
    /// A copy on `cfg` (see the module comment); `None` when a hook is set.
    pub(crate) fn fuzz_copy(&self, cfg: Arc<Config>) -> Option<Self> {
        Some(Client13 {
            opts: self.opts.clone(),
            rng: self.rng.clone(),
            ch: self.ch.fuzz_copy(cfg)?,
            plain_records: self.plain_records.clone(),
            tickets: self.tickets.clone(),
            alpn: self.alpn.clone(),
            own_cid: self.own_cid.clone(),
            sni_acked: self.sni_acked,
            legacy: self.legacy.clone(),
            peer_groups: self.peer_groups.clone(),
        })
    }
}

impl Server13 {
    /// A copy on `cfg` (see the module comment); `None` when a hook is set.
    pub(crate) fn fuzz_copy(&self, cfg: Arc<Config>) -> Option<Self> {
        if self.cookie_hooks.is_some()
            || self.alpn_hook.is_some()
            || self.client_hello_hook.is_some()
        {
            return None;
        }
        let mut opts = self.opts.clone();
        // The ticket key taken from the configuration is its copy's (own first-use origin).
        if let (Some(k), Some(from_cfg)) = (&self.opts.ticket_key, &self.ch.cfg.ticket_key13) {
            if Arc::ptr_eq(k, from_cfg) {
                opts.ticket_key = cfg.ticket_key13.clone();
            }
        }
        Some(Server13 {
            opts,
            rng: self.rng.clone(),
            ch: self.ch.fuzz_copy(cfg)?,
            suite: self.suite,
            client_psk_dhe: self.client_psk_dhe,
            plain_in_seq: self.plain_in_seq,
            own_cid: self.own_cid.clone(),
            sni: self.sni.clone(),
            alpn: self.alpn.clone(),
            cookie_hooks: None,
            alpn_hook: None,
            client_hello_hook: None,
            parked_hello: self.parked_hello.clone(),
            hook_sni_ack: self.hook_sni_ack,
            issued: self.issued.clone(),
            peer_groups: self.peer_groups.clone(),
        })
    }
}
