//! PSK and ECDHE_PSK handshakes (RFC 4279 §2, RFC 5489 §2) on top of the machine: no
//! Certificate, an optional (PSK) or mandatory (ECDHE_PSK) ServerKeyExchange carrying the
//! identity hint, and a ClientKeyExchange naming the client's identity. Hooked into
//! client.rs / server.rs at three points; everything else (Finished, keys, resumption) is
//! shared with the certificate suites.

use std::sync::Arc;
use std::time::Instant;

use super::machine::{Machine, State};
use super::messages::ServerHelloDone;
use super::psk::{
    psk_premaster, PskClientKeyExchange, PskProvider, PskServerKeyExchange, PSK_MAX_IDENTITY_LEN,
    PSK_MAX_PSK_LEN,
};
use super::step::{Next, Step};
use crate::crypto::ecdhe;
use crate::crypto::suites::{AuthKind, CipherSuite};
use crate::enums::HandshakeType;
use crate::error::{AlertDescription, Error};
use crate::handshake::messages::ClientHello;
use crate::input_policy;
use crate::pki::keys::KeyAlgorithm;

/// What a PSK handshake learned (kept with the other negotiated parameters).
#[derive(Default, Clone)]
pub(crate) struct PskNegotiated {
    /// A per-connection provider ([`crate::Connection::set_psk_provider`]), used instead
    /// of the configuration's (OpenSSL's per-`SSL` PSK callbacks).
    pub provider: Option<Arc<dyn PskProvider>>,
    /// The identity: the one we sent (client) or the client's (server).
    pub identity: Option<Vec<u8>>,
    /// Client: the server's identity hint, when it sent one.
    pub hint: Option<Vec<u8>>,
}

fn unexpected(what: String) -> Error {
    Error::alert(
        AlertDescription::UNEXPECTED_MESSAGE,
        format!("unexpected {what}"),
    )
}

fn psk_suite(suite: Option<&'static CipherSuite>) -> Option<&'static CipherSuite> {
    suite.filter(|s| s.auth.is_psk())
}

impl Machine {
    /// Whether the current state takes a message of type `t` (crate::input_policy), with
    /// the PSK client's states widened: after a PSK ServerHello the next message is a
    /// ServerKeyExchange or the ServerHelloDone, never a Certificate.
    pub(crate) fn message_expected(&self, step: State, t: HandshakeType) -> bool {
        if psk_suite(self.hs.suite).is_some() && self.is_client {
            match step {
                State::ClientAwaitCertificate => {
                    return t == HandshakeType::SERVER_KEY_EXCHANGE
                        || t == HandshakeType::SERVER_HELLO_DONE
                }
                State::ClientAwaitServerHelloDone => return t == HandshakeType::SERVER_HELLO_DONE,
                _ => {}
            }
        }
        input_policy::message_expected(step, t)
    }

    /// The unauthenticated-message screen (crate::input_policy) with PSK codecs for the
    /// key-exchange messages of a PSK suite.
    pub(crate) fn screen_unauthenticated(
        &self,
        step: State,
        t: HandshakeType,
        body: &[u8],
    ) -> Result<(), Error> {
        let Some(suite) = psk_suite(self.hs.suite) else {
            return input_policy::screen_unauthenticated_message(step, t, body);
        };
        if !self.message_expected(step, t) {
            return Err(unexpected(format!("{} in state {step:?}", t.name())));
        }
        let ecdhe = suite.auth == AuthKind::EcdhePsk;
        match t {
            HandshakeType::SERVER_KEY_EXCHANGE => {
                PskServerKeyExchange::decode(body, ecdhe).map(drop)?
            }
            HandshakeType::CLIENT_KEY_EXCHANGE => {
                PskClientKeyExchange::decode(body, ecdhe).map(drop)?
            }
            _ => input_policy::message_decodes(t, body)?,
        }
        Ok(())
    }

    /// Client: the suites the ClientHello may offer (PSK ones only with a provider).
    pub(crate) fn offered_suite_ids(&self) -> Vec<u16> {
        self.config
            .suites
            .iter()
            .filter(|s| !s.auth.is_psk() || self.psk_provider().is_some())
            // CBC only with encrypt_then_mac (etm.rs).
            .filter(|s| !s.aead.is_cbc() || self.config.encrypt_then_mac)
            .map(|s| s.id)
            .collect()
    }

    /// Client: whether the server's messages in `step` follow the PSK path (between a PSK
    /// ServerHello and ServerHelloDone: `client_psk_message`).
    pub(crate) fn is_psk_step(&self, step: State) -> bool {
        self.is_client
            && psk_suite(self.hs.suite).is_some()
            && matches!(
                step,
                State::ClientAwaitCertificate | State::ClientAwaitServerHelloDone
            )
    }

    /// Client: handles the server's messages between ServerHello and ServerHelloDone for
    /// a PSK suite, in `step` (see `is_psk_step`), which it consumes.
    pub(crate) fn client_psk_message(
        &mut self,
        now: Instant,
        step: Step,
        msg_type: HandshakeType,
        seq: u16,
        body: &[u8],
    ) -> Result<Next, Error> {
        let suite = psk_suite(self.hs.suite).ok_or(Error::InvalidState("not a PSK suite"))?;
        let ecdhe = suite.auth == AuthKind::EcdhePsk;
        match (step, msg_type) {
            (Step::ClientAwaitCertificate, HandshakeType::SERVER_KEY_EXCHANGE) => {
                self.client_psk_ske(seq, body, ecdhe)
            }
            // Only a ServerKeyExchange moves the PSK path to ClientAwaitServerHelloDone: the
            // step says whether one arrived in this handshake (RFC 5489 §2: it is required
            // for ECDHE_PSK).
            (Step::ClientAwaitCertificate, HandshakeType::SERVER_HELLO_DONE) if ecdhe => Err(
                unexpected("ServerHelloDone (ECDHE_PSK suite without ServerKeyExchange)".into()),
            ),
            (step, HandshakeType::SERVER_HELLO_DONE) => {
                ServerHelloDone::decode(body)?;
                self.add_received(msg_type, seq, body);
                self.peer_flight_received();
                // Leaving the step hands its data (the server's ECDHE share) to flight 5.
                let peer_public = match step {
                    Step::ClientAwaitServerHelloDone { peer_public, .. } => peer_public,
                    _ => Vec::new(),
                };
                self.client_psk_send_key_exchange(now, ecdhe, &peer_public)
            }
            (step, t) => Err(unexpected(format!(
                "{} in state {:?} (PSK suite)",
                t.name(),
                step.kind()
            ))),
        }
    }

    fn client_psk_ske(&mut self, seq: u16, body: &[u8], ecdhe: bool) -> Result<Next, Error> {
        let ske = PskServerKeyExchange::decode(body, ecdhe)?;
        if ske.hint.len() > PSK_MAX_IDENTITY_LEN {
            return Err(Error::alert(
                AlertDescription::HANDSHAKE_FAILURE,
                "PSK identity hint too long",
            ));
        }
        let mut peer_public = Vec::new();
        if let Some((group, public)) = ske.ecdhe {
            if !self.config.groups.contains(&group) || !ecdhe::is_supported(group) {
                return Err(Error::alert(
                    AlertDescription::ILLEGAL_PARAMETER,
                    "server chose a group we did not offer",
                ));
            }
            self.hs.group = Some(group);
            peer_public = public;
        }
        self.add_received(HandshakeType::SERVER_KEY_EXCHANGE, seq, body);
        // RFC 4279 §2: an empty hint is the same as none (OpenSSL reports NULL for both).
        self.hs.psk.hint = (!ske.hint.is_empty()).then_some(ske.hint);
        // The server's ECDHE share (empty for plain PSK) lives in the step until flight 5.
        Ok(Next::Step(Step::ClientAwaitServerHelloDone {
            peer_public,
            cert_requested: Vec::new(),
        }))
    }

    /// Flight 5 of a PSK handshake: ClientKeyExchange, ChangeCipherSpec, Finished; the
    /// server's ECDHE share `peer_public` (empty for plain PSK).
    fn client_psk_send_key_exchange(
        &mut self,
        now: Instant,
        ecdhe: bool,
        peer_public: &[u8],
    ) -> Result<Next, Error> {
        let provider = self
            .psk_provider()
            .ok_or(Error::InvalidState("PSK suite without a PSK provider"))?;
        let (identity, psk) = provider
            .client_psk(self.hs.psk.hint.as_deref())
            .ok_or_else(|| {
                Error::alert(
                    AlertDescription::HANDSHAKE_FAILURE,
                    "PSK identity not found: the PSK client callback supplied no key",
                )
            })?;
        if identity.len() > PSK_MAX_IDENTITY_LEN || psk.len() > PSK_MAX_PSK_LEN || psk.is_empty() {
            return Err(Error::alert(
                AlertDescription::INTERNAL_ERROR,
                "PSK identity or key has an invalid length",
            ));
        }
        self.begin_flight();
        let (public, shared) = if ecdhe {
            let group = self.hs.group.ok_or(Error::InvalidState("no group"))?;
            let kp = self.ephemeral_key(group)?;
            let public = kp.public_key().to_vec();
            (Some(public), Some(kp.agree(peer_public)?))
        } else {
            (None, None)
        };
        let mut b = Vec::new();
        PskClientKeyExchange {
            identity: identity.clone(),
            public,
        }
        .encode(&mut b);
        self.queue_handshake(HandshakeType::CLIENT_KEY_EXCHANGE, b, true);
        let pms = psk_premaster(shared.as_deref().map(|s| &s[..]), &psk);
        let agreement = self.agree_master_secret(&pms)?;
        self.hs.psk.identity = Some(identity);
        let keys = self.derive_keys(&agreement)?;
        self.queue_ccs_and_finished(keys.write, &agreement)?;
        self.send_flight(now, false)?;
        Ok(Next::Step(Step::AwaitChangeCipherSpec {
            read: keys.read,
            write: None,
            agreement,
        }))
    }

    /// Server: the suite for a full handshake when a PSK provider is configured and a
    /// PSK suite ranks first among those usable; `None` leaves the choice to the
    /// certificate path.
    pub(crate) fn server_choose_psk_suite(&self, ch: &ClientHello) -> Option<&'static CipherSuite> {
        self.psk_provider()?;
        let cert_auth = self
            .config
            .identity
            .as_ref()
            .map(|id| match id.key.algorithm() {
                KeyAlgorithm::Rsa => AuthKind::Rsa,
                _ => AuthKind::Ecdsa,
            });
        let usable = |s: &CipherSuite| {
            (s.auth.is_psk() || Some(s.auth) == cert_auth) && self.server_suite_allowed(s, ch)
        };
        let chosen = if self.config.server_preference {
            self.config
                .suites
                .iter()
                .copied()
                .find(|s| usable(s) && ch.cipher_suites.contains(&s.id))
        } else {
            ch.cipher_suites.iter().find_map(|id| {
                self.config
                    .suites
                    .iter()
                    .copied()
                    .find(|s| s.id == *id && usable(s))
            })
        };
        psk_suite(chosen)
    }

    /// Server flight 4 for a PSK suite: ServerHello, [ServerKeyExchange], ServerHelloDone.
    pub(crate) fn server_psk_flight(
        &mut self,
        now: Instant,
        ch: &ClientHello,
        suite: &'static CipherSuite,
        client_ems: bool,
    ) -> Result<Step, Error> {
        let ecdhe = suite.auth == AuthKind::EcdhePsk;
        let group = if ecdhe {
            Some(self.server_choose_group(ch)?)
        } else {
            None
        };
        self.server_commit_full_handshake(suite, group, client_ems);
        self.begin_flight();
        let server_hello = self.server_hello_message(suite, ch);
        self.queue_handshake(HandshakeType::SERVER_HELLO, server_hello, true);
        let hint = self.config.psk_identity_hint.clone().unwrap_or_default();
        let mut key_pair = None;
        // OpenSSL sends a plain-PSK ServerKeyExchange only when it has a hint.
        if ecdhe || !hint.is_empty() {
            let params = match group {
                Some(g) => {
                    let kp = self.ephemeral_key(g)?;
                    let public = kp.public_key().to_vec();
                    key_pair = Some(kp);
                    Some((g, public))
                }
                None => None,
            };
            let mut b = Vec::new();
            PskServerKeyExchange {
                hint,
                ecdhe: params,
            }
            .encode(&mut b);
            self.queue_handshake(HandshakeType::SERVER_KEY_EXCHANGE, b, true);
        }
        let mut b = Vec::new();
        ServerHelloDone.encode(&mut b);
        self.queue_handshake(HandshakeType::SERVER_HELLO_DONE, b, true);
        self.send_flight(now, false)?;
        Ok(Step::ServerAwaitPskClientKeyExchange { ecdhe: key_pair })
    }

    /// Server: the suite, when it is a PSK one.
    pub(crate) fn psk_suite_in_use(&self) -> Option<&'static CipherSuite> {
        psk_suite(self.hs.suite)
    }

    /// Server: the ClientKeyExchange of the PSK `suite`, in `step`, which it consumes.
    pub(crate) fn server_psk_cke(
        &mut self,
        suite: &'static CipherSuite,
        step: Step,
        seq: u16,
        body: &[u8],
    ) -> Result<Next, Error> {
        let ecdhe = suite.auth == AuthKind::EcdhePsk;
        let cke = PskClientKeyExchange::decode(body, ecdhe)?;
        self.peer_flight_received();
        if cke.identity.len() > PSK_MAX_IDENTITY_LEN {
            return Err(Error::alert(
                AlertDescription::HANDSHAKE_FAILURE,
                "PSK identity too long",
            ));
        }
        let provider = self
            .psk_provider()
            .ok_or(Error::InvalidState("PSK suite without a PSK provider"))?;
        let psk = provider
            .server_psk(&cke.identity)
            .filter(|k| !k.is_empty() && k.len() <= PSK_MAX_PSK_LEN)
            .ok_or_else(|| {
                Error::alert(
                    AlertDescription::UNKNOWN_PSK_IDENTITY,
                    format!(
                        "PSK identity not found: {:?}",
                        String::from_utf8_lossy(&cke.identity)
                    ),
                )
            })?;
        // Leaving the step releases our key pair: it is used once, here.
        let key_pair = match step {
            Step::ServerAwaitPskClientKeyExchange { ecdhe } => ecdhe,
            _ => return Err(Error::InvalidState("no PSK key exchange step")),
        };
        let shared = match cke.public {
            Some(public) => {
                let kp = key_pair.ok_or(Error::InvalidState("no ECDHE key"))?;
                Some(kp.agree(&public)?)
            }
            None => None,
        };
        let pms = psk_premaster(shared.as_deref().map(|s| &s[..]), &psk);
        self.add_received(HandshakeType::CLIENT_KEY_EXCHANGE, seq, body);
        let agreement = self.agree_master_secret(&pms)?;
        self.hs.psk.identity = Some(cke.identity);
        let keys = self.derive_keys(&agreement)?;
        Ok(Next::Step(Step::AwaitChangeCipherSpec {
            read: keys.read,
            write: Some(keys.write),
            agreement,
        }))
    }

    /// The provider in force: the connection's own, else the configuration's.
    pub(crate) fn psk_provider(&self) -> Option<Arc<dyn PskProvider>> {
        self.hs
            .psk
            .provider
            .clone()
            .or_else(|| self.opts.psk.clone())
            .or_else(|| self.config.psk.clone())
    }

    /// Sets this connection's PSK provider (before the handshake starts).
    pub fn set_psk_provider(&mut self, provider: Arc<dyn PskProvider>) {
        self.hs.psk.provider = Some(provider);
    }

    /// The PSK identity of this connection (`SSL_get_psk_identity`).
    pub fn psk_identity(&self) -> Option<&[u8]> {
        self.hs.psk.identity.as_deref()
    }

    /// Client: the server's PSK identity hint (`SSL_get_psk_identity_hint`).
    pub fn psk_identity_hint(&self) -> Option<&[u8]> {
        self.hs.psk.hint.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Instant;

    use super::super::machine::{Machine, State};
    use super::super::step::Step;
    use crate::config::{Config, VerifyMode};
    use crate::connection::ClientOptions;
    use crate::enums::HandshakeType;
    use crate::error::AlertDescription;
    use crate::handshake::psk::StaticPsk;
    use crate::suites::suite_by_name;

    /// RFC 5489 §2: an ECDHE_PSK server must send ServerKeyExchange. Whether one arrived
    /// in this handshake is the step (only it moves the PSK path to
    /// ClientAwaitServerHelloDone), not a flag that could outlive the handshake.
    #[test]
    fn ecdhe_psk_server_hello_done_without_key_exchange_is_refused() {
        let suite = suite_by_name("ECDHE-PSK-CHACHA20-POLY1305").unwrap();
        let cfg = Config::builder()
            .verify_mode(VerifyMode::None)
            .cipher_suites(&[suite])
            .psk(Arc::new(StaticPsk {
                identity: b"id".to_vec(),
                key: zeroize::Zeroizing::new(vec![7; 16]),
            }))
            .rng_seed(3)
            .build()
            .unwrap();
        let now = Instant::now();
        let mut m = Machine::client(cfg, now, ClientOptions::default()).unwrap();
        m.hs.suite = Some(suite);
        assert!(m.is_psk_step(State::ClientAwaitCertificate));
        let r = m.client_psk_message(
            now,
            Step::ClientAwaitCertificate,
            HandshakeType::SERVER_HELLO_DONE,
            1,
            &[],
        );
        let Err(e) = r else {
            panic!("accepted");
        };
        assert_eq!(
            e.alert_to_send(),
            Some(AlertDescription::UNEXPECTED_MESSAGE)
        );
    }
}
