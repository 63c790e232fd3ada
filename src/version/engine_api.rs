//! [`Engine`]'s side of every [`crate::Connection`] method: the 1.2 machine's answer, or
//! the DTLS 1.3 connection's. Getters of 1.2-only notions answer "none" on 1.3; setters
//! reach every engine the connection may still run (a dual client's 1.2 fallback, an
//! undecided server's machine).

use std::time::Instant;

use super::conn13::{role, Role13};
use super::{Engine, Route};
use crate::connection::{Event, Stats};
use crate::crypto::suites::CipherSuite;
use crate::enums::{NamedGroup, SignatureScheme};
use crate::error::{Error, SendError};
use crate::session::cache::Session;

/// One timer hook called from two engines (a dual client's 1.3 flights and 1.2 fallback).
type SharedTimerHook = std::sync::Arc<std::sync::Mutex<Box<dyn FnMut(u32) -> u32 + Send>>>;

/// `by!(engine, m => 1.2 expression, c => 1.3 expression)`.
macro_rules! by {
    ($s:expr, $m:ident => $a:expr, $c:ident => $b:expr) => {
        match $s {
            Engine::V12($m, _) => $a,
            Engine::V13($c) => $b,
        }
    };
}

impl Engine {
    /// Hands one datagram to the engine that handles it.
    fn feed(&mut self, now: Instant, d: &[u8]) -> Result<(), Error> {
        let r = by!(self, m => m.handle_datagram(now, d), c => c.handle_datagram(now, d));
        self.settle_dual();
        r
    }

    fn replay(&mut self, now: Instant, earlier: Vec<Vec<u8>>) -> Result<(), Error> {
        for d in earlier {
            self.feed(now, &d)?;
        }
        Ok(())
    }

    pub(crate) fn handle_datagram(&mut self, now: Instant, d: &[u8]) -> Result<(), Error> {
        match self.route(now, d)? {
            Route::Nothing => Ok(()),
            Route::Replay(earlier) => {
                self.replay(now, earlier)?;
                self.feed(now, d)
            }
            Route::Machine | Route::Conn13 => self.feed(now, d),
        }
    }

    pub(crate) fn handle_datagram_owned(&mut self, now: Instant, d: Vec<u8>) -> Result<(), Error> {
        match self.route(now, &d)? {
            Route::Nothing => Ok(()),
            Route::Replay(earlier) => {
                self.replay(now, earlier)?;
                self.feed(now, &d)
            }
            Route::Machine => {
                by!(self, m => m.handle_datagram_owned(now, d), c => c.handle_datagram(now, &d))
            }
            Route::Conn13 => self.feed(now, &d),
        }
    }

    #[inline]
    pub(crate) fn handle_datagram_into(
        &mut self,
        now: Instant,
        d: &mut [u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        // A decided 1.2 connection (every record after the handshake): no routing.
        if let Engine::V12(m, None) = self {
            return m.handle_datagram_into(now, d, out);
        }
        self.handle_datagram_into_routed(now, d, out)
    }

    fn handle_datagram_into_routed(
        &mut self,
        now: Instant,
        d: &mut [u8],
        out: &mut [u8],
    ) -> Result<usize, Error> {
        match self.route(now, d)? {
            Route::Nothing => return Ok(0),
            Route::Replay(earlier) => self.replay(now, earlier)?,
            Route::Machine => {
                if let Engine::V12(m, _) = self {
                    return m.handle_datagram_into(now, d, out);
                }
            }
            Route::Conn13 => {}
        }
        let had = self.has_pending();
        self.feed(now, d)?;
        if had || out.is_empty() {
            return Ok(0);
        }
        Ok(self.recv(out, false).unwrap_or(0))
    }

    #[inline]
    pub(crate) fn poll_transmit(&mut self, now: Instant, buf: &mut Vec<u8>) -> Option<usize> {
        by!(self, m => m.poll_transmit(now, buf), c => {
            let d = c.pop_datagram()?;
            buf.clear();
            buf.extend_from_slice(&d);
            Some(d.len())
        })
    }

    #[inline]
    pub(crate) fn has_transmit(&self) -> bool {
        by!(self, m => m.has_transmit(), c => c.has_transmit())
    }

    #[inline]
    pub(crate) fn poll_transmit_batch(
        &mut self,
        now: Instant,
        buf: &mut Vec<u8>,
        max_segments: usize,
    ) -> Option<crate::transmit::Transmit> {
        match self {
            Engine::V12(m, _) => m.poll_transmit_batch(now, buf, max_segments),
            Engine::V13(c) => poll_transmit_batch13(c, buf, max_segments),
        }
    }

    #[inline]
    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        by!(self, m => m.poll_timeout(), c => c.poll_timeout())
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        by!(self, m => m.handle_timeout(now), c => c.handle_timeout(now))
    }

    #[inline]
    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        by!(self, m => m.poll_event(), c => c.poll_event())
    }

    #[inline]
    pub(crate) fn send(&mut self, data: &[u8]) -> Result<(), SendError> {
        by!(self, m => m.send(data), c => c.send(data))
    }

    #[inline]
    pub(crate) fn send_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<bool, SendError> {
        by!(self, m => m.send_into(data, out), c => c.send_into(data, out))
    }

    #[inline]
    pub(crate) fn recv(&mut self, buf: &mut [u8], peek: bool) -> Option<usize> {
        by!(self, m => m.recv(buf, peek), c => c.recv(buf, peek))
    }

    #[inline]
    pub(crate) fn recv_record(&mut self) -> Option<crate::app_data::AppData> {
        by!(self, m => m.recv_record(), c => c.recv_record())
    }

    #[inline]
    pub(crate) fn pending(&self) -> usize {
        by!(self, m => m.pending(), c => c.pending())
    }

    pub(crate) fn buffered_app_bytes(&self) -> usize {
        by!(self, m => m.buffered_app_bytes(), c => c.buffered_app_bytes())
    }

    #[inline]
    pub(crate) fn has_pending(&self) -> bool {
        by!(self, m => m.has_pending(), c => c.has_pending())
    }

    pub(crate) fn close(&mut self) {
        by!(self, m => m.close(), c => c.close())
    }

    #[inline]
    pub(crate) fn is_established(&self) -> bool {
        by!(self, m => m.is_established(), c => c.is_established())
    }

    pub(crate) fn is_handshaking(&self) -> bool {
        by!(self, m => m.is_handshaking(), c => c.is_handshaking())
    }

    pub(crate) fn close_sent(&self) -> bool {
        by!(self, m => m.close_sent(), c => c.close_sent())
    }

    #[inline]
    pub(crate) fn close_received(&self) -> bool {
        by!(self, m => m.close_received(), c => c.close_received())
    }

    #[inline]
    pub(crate) fn error(&self) -> Option<&Error> {
        by!(self, m => m.error(), c => c.error())
    }

    pub(crate) fn is_client(&self) -> bool {
        by!(self, m => m.is_client(), c => c.is_client())
    }

    pub(crate) fn state_name(&self) -> &'static str {
        by!(self, m => m.state_name(), c => c.state_name())
    }

    #[inline]
    pub(crate) fn protocol_version(&self) -> Option<u16> {
        by!(self, m => m.protocol_version(), c => c.protocol_version())
    }

    pub(crate) fn cipher_suite(&self) -> Option<&'static CipherSuite> {
        by!(self, m => m.cipher_suite(), _c => None)
    }

    pub(crate) fn tls13_suite(&self) -> Option<crate::Suite13> {
        by!(self, _m => None, c => c.tls13_suite())
    }

    pub(crate) fn group(&self) -> Option<NamedGroup> {
        by!(self, m => m.group(), c => role!(&c.role, x => x.ch.group.map(NamedGroup)))
    }

    pub(crate) fn peer_signature_scheme(&self) -> Option<SignatureScheme> {
        by!(self, m => m.peer_signature_scheme(), _c => None)
    }

    pub(crate) fn peer_certificates(&self) -> &[Vec<u8>] {
        by!(self, m => m.peer_certificates(), c => c.peer_certificates())
    }

    pub(crate) fn psk_identity(&self) -> Option<&[u8]> {
        by!(self, m => m.psk_identity(), _c => None)
    }

    pub(crate) fn psk_identity_hint(&self) -> Option<&[u8]> {
        by!(self, m => m.psk_identity_hint(), _c => None)
    }

    pub(crate) fn verify_result(&self) -> i32 {
        by!(self, m => m.verify_result(), c => c.verify_result())
    }

    pub(crate) fn client_hello_pending(&self) -> bool {
        by!(self, m => m.client_hello_pending(), c => c.client_hello_pending())
    }

    pub(crate) fn resume_client_hello(&mut self, now: Instant) -> Result<(), Error> {
        by!(self, m => m.resume_client_hello(now), c => c.resume_client_hello(now))
    }

    pub(crate) fn session(&self) -> Option<Session> {
        by!(self, m => m.session(), c => c.session())
    }

    pub(crate) fn session_reused(&self) -> bool {
        by!(self, m => m.session_reused(), c => c.session_reused())
    }

    pub(crate) fn peer_groups(&self) -> &[NamedGroup] {
        by!(self, m => m.peer_groups(), c => role!(&c.role, x => &x.peer_groups[..]))
    }

    pub(crate) fn session_cache_miss(&self) -> bool {
        by!(self, m => m.session_cache_miss(), _c => false)
    }

    pub(crate) fn server_name(&self) -> Option<&str> {
        by!(self, m => m.server_name(), c => c.server_name.as_deref())
    }

    pub(crate) fn extended_master_secret(&self) -> bool {
        by!(self, m => m.extended_master_secret(), _c => false)
    }

    pub(crate) fn finished(&self) -> (&[u8], &[u8]) {
        by!(self, m => m.finished(), _c => (&[][..], &[][..]))
    }

    pub(crate) fn randoms(&self) -> Option<([u8; 32], [u8; 32])> {
        by!(self, m => m.randoms(), c => role!(&c.role, x => x.ch.randoms))
    }

    pub(crate) fn srtp_profile(&self) -> Option<u16> {
        by!(self, m => m.srtp_profile(), c => c.srtp_profile())
    }

    #[inline]
    pub(crate) fn connection_ids(&self) -> Option<&crate::cid::ConnectionIds> {
        by!(self, m => m.records.connection_ids(), c => c.connection_ids())
    }

    #[inline]
    pub(crate) fn last_datagram_newest(&self) -> bool {
        by!(self, m => m.last_datagram_newest(), c => c.last_datagram_newest())
    }

    pub(crate) fn alpn_protocol(&self) -> Option<&[u8]> {
        by!(self, m => m.alpn_protocol(), c => c.alpn_protocol())
    }

    pub(crate) fn export_keying_material(
        &self,
        out: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        by!(self, m => m.export_keying_material(out, label, context),
            c => c.export_keying_material(out, label, context))
    }

    pub(crate) fn set_mtu(&mut self, mtu: usize) -> Result<(), Error> {
        if let Engine::V13(c) = self {
            if !(crate::config::MIN_MTU..=65507).contains(&mtu) {
                return Err(Error::Config(format!("MTU {mtu} out of range")));
            }
            c.set_mtu(mtu);
        }
        match self.machine_mut() {
            Some(m) => m.set_mtu(mtu),
            None => Ok(()),
        }
    }

    pub(crate) fn mtu(&self) -> usize {
        by!(self, m => m.mtu(), c => c.mtu())
    }

    pub(crate) fn data_mtu(&self) -> usize {
        by!(self, m => m.data_mtu(), c => c.data_mtu())
    }

    pub(crate) fn renegotiate(&mut self, now: Instant, abbreviated: bool) -> Result<(), Error> {
        by!(self, m => m.renegotiate(now, abbreviated),
            // RFC 8446 §4.1.2: DTLS 1.3 has no renegotiation.
            _c => Err(Error::InvalidState("no renegotiation in DTLS 1.3")))
    }

    #[inline]
    pub(crate) fn is_renegotiating(&self) -> bool {
        by!(self, m => m.life.renegotiating(), _c => false)
    }

    pub(crate) fn renegotiations(&self) -> u64 {
        by!(self, m => m.renegotiations, _c => 0)
    }

    pub(crate) fn secure_renegotiation(&self) -> bool {
        by!(self, m => m.hs.secure_renegotiation, _c => false)
    }

    pub(crate) fn stats(&self) -> Stats {
        by!(self, m => m.stats(), c => c.stats())
    }

    pub(crate) fn key_update(&mut self, now: Instant, request_peer: bool) -> Result<(), SendError> {
        by!(self, m => {
            if let Some(e) = m.error() {
                return Err(SendError::Failed(e.clone()));
            }
            if m.is_established() {
                Err(SendError::WrongVersion)
            } else {
                Err(SendError::NotEstablished)
            }
        }, c => c.key_update(now, request_peer))
    }

    pub(crate) fn pending_key_update(&self) -> Option<bool> {
        by!(self, _m => None, c => c.pending_key_update())
    }

    /// The latest time the connection was given.
    fn last_now(&self) -> Instant {
        by!(self, m => m.now, c => role!(&c.role, x => x.ch.last_now))
    }

    pub(crate) fn config(&self) -> &std::sync::Arc<crate::Config> {
        by!(self, m => &m.config, c => c.config())
    }

    pub(crate) fn peer_ca_names(&self) -> &[Vec<u8>] {
        by!(self, m => m.hs.peer_ca_names(), _c => &[])
    }
}

/// Setters that reach every engine the connection may run, and refuse on 1.3 what 1.3
/// does not do (hooks a 1.3 connection would silently ignore are set on the fallback
/// machine only; see src/deviations.rs).
impl Engine {
    /// A dual client whose merged hello has not been handed out yet, given a setting our
    /// 1.3 path does not use: it offers 1.2 only instead (its own 1.2 hello).
    fn drop_13_if_unsent(&mut self, now: Instant) {
        let Engine::V13(c) = self else { return };
        if c.stats().datagrams_sent > 0 {
            return;
        }
        let Some((mut m, _)) = c.fallback.take() else {
            return;
        };
        if m.client_send_hello(now).is_ok() {
            *self = Engine::V12(m, None);
        } else {
            c.fallback = Some((m, Vec::new()));
        }
    }

    /// Hands a setting our 1.3 path lacks to the 1.2 machine: a dual client that has not
    /// sent its hello yet offers 1.2 only; a connection already (or only) on 1.3 fails
    /// closed with `Error::Config` naming the feature.
    /// `for_client`: the setting matters to a client too (server-only hooks on a client
    /// do nothing in 1.2 either, and change nothing here).
    fn set_12_only(
        &mut self,
        what: &str,
        for_client: bool,
        set: impl FnOnce(&mut crate::handshake::machine::Machine),
    ) {
        let client = self.is_client();
        if client && for_client {
            let now = self.last_now();
            self.drop_13_if_unsent(now);
        }
        if let Engine::V13(c) = self {
            if c.fallback.is_none() && (for_client || !client) {
                c.refuse(what);
                return;
            }
        }
        if let Some(m) = self.machine_mut() {
            set(m);
        }
    }

    pub(crate) fn set_psk_provider(
        &mut self,
        p: std::sync::Arc<dyn crate::handshake::psk::PskProvider>,
    ) {
        self.set_12_only("PSK-callback suites", true, |m| m.set_psk_provider(p));
    }

    /// The hooks reach the 1.3 server's HelloRetryRequest cookie (`dtls13::hrr_cookie`);
    /// on a client they do nothing, as in 1.2.
    pub(crate) fn set_cookie_hooks(&mut self, h: Box<dyn crate::cookie::CookieHooks + Send>) {
        match self {
            Engine::V13(c) => {
                if let Role13::Server(s) = &mut c.role {
                    s.cookie_hooks = Some(h);
                }
            }
            Engine::V12(m, _) => m.set_cookie_hooks(h),
        }
    }

    /// The hook runs on the 1.3 server too (`dtls13::server_hook`); on a client it does
    /// nothing, as in 1.2.
    pub(crate) fn set_client_hello_hook(&mut self, h: Box<dyn crate::ClientHelloHook>) {
        match self {
            Engine::V13(c) => {
                if let Role13::Server(s) = &mut c.role {
                    s.client_hello_hook = Some(h);
                }
            }
            Engine::V12(m, _) => m.set_client_hello_hook(h),
        }
    }

    /// Session-ID resumption only: a 1.3 server never consults it (OpenSSL does not call
    /// SSL_CTX_sess_set_get_cb for TLS 1.3 either; see Machine::tls13_hook_blocker).
    pub(crate) fn set_session_lookup_hook(&mut self, h: crate::session::SessionLookupHook) {
        if let Some(m) = self.machine_mut() {
            m.set_session_lookup_hook(h);
        }
    }

    /// The hook answers in the 1.3 server's EncryptedExtensions (`dtls13::server_ext`);
    /// on a client it does nothing, as in 1.2.
    pub(crate) fn set_alpn_hook(&mut self, h: crate::alpn::AlpnSelectHook) {
        match self {
            Engine::V13(c) => {
                if let Role13::Server(s) = &mut c.role {
                    s.alpn_hook = Some(h);
                }
            }
            Engine::V12(m, _) => m.set_alpn_hook(h),
        }
    }

    /// The hook reaches the 1.3 flights (RFC 9147 §5.8 timers) and, for a dual client,
    /// the 1.2 fallback too (one hook shared by both).
    pub(crate) fn set_timer_hook(&mut self, h: Box<dyn FnMut(u32) -> u32 + Send>) {
        match self {
            Engine::V12(m, _) => m.set_timer_hook(h),
            Engine::V13(c) => {
                let shared = std::sync::Arc::new(std::sync::Mutex::new(h));
                let call = |s: SharedTimerHook| {
                    move |prev: u32| match s.lock() {
                        Ok(mut h) => h(prev),
                        Err(p) => (p.into_inner())(prev),
                    }
                };
                if let Some((m, _)) = c.fallback.as_mut() {
                    m.set_timer_hook(Box::new(call(shared.clone())));
                }
                role!(&mut c.role, x => x.ch.timer_hook = Some(Box::new(call(shared))));
            }
        }
    }

    pub(crate) fn set_renegotiation_policy(&mut self, p: crate::RenegotiationPolicy) {
        if let Some(m) = self.machine_mut() {
            m.reneg_policy = p;
        }
    }
}

/// [`Engine::poll_transmit_batch`] on DTLS 1.3: the queued datagrams under the GSO rule.
fn poll_transmit_batch13(
    c: &mut super::conn13::Conn13,
    buf: &mut Vec<u8>,
    max_segments: usize,
) -> Option<crate::transmit::Transmit> {
    let first = c.pop_datagram()?;
    let segment_size = first.len();
    buf.clear();
    buf.extend_from_slice(&first);
    let limit = max_segments.clamp(1, crate::transmit::MAX_BATCH_SEGMENTS);
    let (mut segments, mut last) = (1, segment_size);
    // The GSO rule: all datagrams of one size but the last, which may be shorter.
    while segments < limit && last == segment_size {
        match c.front_len() {
            Some(l) if l > 0 && l <= segment_size => {}
            _ => break,
        }
        let Some(d) = c.pop_datagram() else { break };
        buf.extend_from_slice(&d);
        last = d.len();
        segments += 1;
    }
    Some(crate::transmit::Transmit {
        segment_size,
        segments,
        len: buf.len(),
    })
}
