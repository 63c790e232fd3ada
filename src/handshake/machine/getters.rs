//! Getters and the application's hooks and settings: what the C layer's `SSL_get_*`
//! family reads. Parameters come from the handshake's negotiated state; the session is
//! the one in use (the previous one while a renegotiation runs, RFC 5746).

use std::sync::Arc;

use super::{Machine, State};
use crate::client_hello_hook::ClientHelloHook;
use crate::config::Config;
use crate::connection::Stats;
use crate::cookie::CookieHooks;
use crate::crypto::prf;
use crate::crypto::suites::CipherSuite;
use crate::enums::{NamedGroup, SignatureScheme, DTLS1_2_VERSION};
use crate::error::Error;
use crate::handshake::agreement::Agreement;
use crate::handshake::lifecycle::Lifecycle;
use crate::pki::verifier::CertVerifier;
use crate::session::cache::Session;

impl Machine {
    #[inline]
    pub fn is_established(&self) -> bool {
        self.life.app_open()
    }

    pub fn is_handshaking(&self) -> bool {
        self.life.is_handshaking()
    }

    pub fn close_sent(&self) -> bool {
        self.life.close_sent()
    }

    #[inline]
    pub fn close_received(&self) -> bool {
        self.life.close_received()
    }

    #[inline]
    pub fn error(&self) -> Option<&Error> {
        self.life.error()
    }

    pub fn is_client(&self) -> bool {
        self.is_client
    }

    pub fn state_name(&self) -> &'static str {
        let step = match &self.life {
            Lifecycle::Handshaking(_) => self.life.step(),
            Lifecycle::Established(_) | Lifecycle::Closing(_) => {
                return "SSL negotiation finished successfully"
            }
            Lifecycle::Failed(_) => return "error",
        };
        let Some(step) = step else {
            return "error";
        };
        match step {
            State::ClientAwaitServerHello => "SSLv3/TLS write client hello",
            State::ClientAwaitCertificate => "SSLv3/TLS read server hello",
            State::ClientAwaitServerKeyExchange => "SSLv3/TLS read server certificate",
            State::ClientAwaitCertificateRequestOrDone => "SSLv3/TLS read server key exchange",
            State::ClientAwaitServerHelloDone => "SSLv3/TLS read server certificate request",
            State::ServerAwaitClientHello => "before SSL initialization",
            State::ServerAwaitClientCertificate => "SSLv3/TLS write server done",
            State::ServerAwaitClientKeyExchange => "SSLv3/TLS read client certificate",
            State::ServerAwaitCertificateVerify => "SSLv3/TLS read client key exchange",
            State::AwaitChangeCipherSpec => "SSLv3/TLS read change cipher spec",
            State::AwaitFinished => "SSLv3/TLS read finished",
        }
    }

    pub fn protocol_version(&self) -> Option<u16> {
        self.hs.suite.map(|_| DTLS1_2_VERSION)
    }

    pub fn cipher_suite(&self) -> Option<&'static CipherSuite> {
        self.hs.suite
    }

    pub fn group(&self) -> Option<NamedGroup> {
        self.hs.group
    }

    pub fn peer_signature_scheme(&self) -> Option<SignatureScheme> {
        self.hs.peer_sig_scheme
    }

    pub fn peer_certificates(&self) -> &[Vec<u8>] {
        &self.hs.peer_certs
    }

    pub fn verify_result(&self) -> i32 {
        self.hs.verify_result
    }

    pub fn set_verifier(&mut self, verifier: Box<dyn CertVerifier>) {
        self.verifier = Some(verifier);
    }

    /// Application cookie hooks for the stateful cookie exchange (OpenSSL cookie callbacks).
    pub fn set_cookie_hooks(&mut self, hooks: Box<dyn CookieHooks + Send>) {
        self.cookie_hooks = Some(hooks);
    }

    /// The server's ClientHello hook (crate::client_hello_hook).
    pub fn set_client_hello_hook(&mut self, hook: Box<dyn ClientHelloHook>) {
        self.client_hello_hook = Some(hook);
    }

    /// The server's external session store (crate::session::SessionLookupHook).
    pub fn set_session_lookup_hook(&mut self, hook: crate::session::SessionLookupHook) {
        self.session_lookup_hook = Some(hook);
    }

    /// The configuration whose session cache and session ID context this connection uses.
    pub(crate) fn session_config(&self) -> &Arc<Config> {
        self.session_home.as_ref().unwrap_or(&self.config)
    }

    pub fn session(&self) -> Option<Session> {
        if let Some(r) = self.renegotiation() {
            // The session in use until the renegotiation completes.
            return r.previous_session.clone();
        }
        if !self.life.completed() {
            return None;
        }
        self.current_session()
    }

    /// The session of the established (or closing) connection.
    pub(crate) fn current_session(&self) -> Option<Session> {
        self.life.agreement().map(|a| self.session_of(a))
    }

    /// The session the handshake negotiated on `agreement` (the server caches it while
    /// sending its final flight, just before it becomes established).
    pub(crate) fn session_of(&self, agreement: &Agreement) -> Session {
        let now_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Session {
            id: self.hs.session_id.clone(),
            suite: agreement.suite.id,
            master_secret: agreement.master.clone(),
            extended_master_secret: self.hs.ems,
            peer_certificates: self.hs.peer_certs.clone(),
            verify_result: self.hs.verify_result,
            server_name: self.hs.server_name.clone(),
            id_context: self.session_config().session_id_context.clone(),
            created: self.now,
            created_unix: now_unix,
            lifetime: self.session_config().session_cache.lifetime(),
            tls13_ticket: None,
        }
    }

    pub fn set_alpn_hook(&mut self, hook: crate::alpn::AlpnSelectHook) {
        self.alpn_hook = Some(hook);
    }

    pub fn last_datagram_newest(&self) -> bool {
        self.last_datagram_newest
    }

    pub fn srtp_profile(&self) -> Option<u16> {
        self.hs.srtp_profile
    }

    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.hs.alpn.as_deref()
    }

    pub fn session_reused(&self) -> bool {
        self.hs.resumed
    }

    pub fn session_cache_miss(&self) -> bool {
        self.hs.session_cache_miss()
    }

    pub fn peer_groups(&self) -> &[NamedGroup] {
        self.hs.peer_groups()
    }

    pub fn server_name(&self) -> Option<&str> {
        self.hs.server_name.as_deref()
    }

    pub fn extended_master_secret(&self) -> bool {
        self.hs.ems
    }

    pub fn finished(&self) -> (&[u8], &[u8]) {
        (&self.hs.local_finished, &self.hs.peer_finished)
    }

    pub fn randoms(&self) -> Option<([u8; 32], [u8; 32])> {
        self.hs.suite?;
        Some((self.hs.client_random, self.hs.server_random))
    }

    pub fn export_keying_material(
        &self,
        out: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        // RFC 5705 §4: on the connection's master secret, once the handshake completed.
        let Some(agreement) = self.life.agreement() else {
            return Err(Error::InvalidState("handshake not complete"));
        };
        prf::export_keying_material(
            agreement.suite.prf,
            &agreement.master,
            &self.hs.client_random,
            &self.hs.server_random,
            label,
            context,
            out,
        )
    }

    pub fn set_mtu(&mut self, mtu: usize) -> Result<(), Error> {
        if !(crate::config::MIN_MTU..=65507).contains(&mtu) {
            return Err(Error::Config(format!("MTU {mtu} out of range")));
        }
        self.mtu = mtu;
        Ok(())
    }

    pub fn mtu(&self) -> usize {
        self.mtu
    }

    pub fn data_mtu(&self) -> usize {
        use crate::crypto::suites::CBC_BLOCK_LEN;
        let Some(space) = self
            .mtu
            .checked_sub(self.records.record_overhead(self.records.write_epoch()))
        else {
            return 0;
        };
        let space = match self.records.write_suite().filter(|s| s.aead.is_cbc()) {
            // CBC, as OpenSSL's DTLS_get_data_mtu: the room left after header, IV and MAC,
            // rounded down to whole blocks, less the padding-length byte (record_overhead
            // counted a whole block of padding).
            Some(_) => {
                let room = space + CBC_BLOCK_LEN;
                room - room % CBC_BLOCK_LEN - 1
            }
            None => space,
        };
        space.min(crate::record::header::MAX_PLAINTEXT_LEN)
    }

    pub fn set_timer_hook(&mut self, hook: Box<dyn FnMut(u32) -> u32 + Send>) {
        self.timer_hook = Some(hook);
        // A flight already waiting (the client's first ClientHello is queued at creation)
        // is re-timed with the hook, as if it had been installed before sending.
        let armed = self.life.timer().and_then(|t| t.deadline.and(t.armed_at));
        if let Some(at) = armed {
            self.arm_timer(at);
        }
    }

    pub fn stats(&self) -> Stats {
        self.stats
    }
}
