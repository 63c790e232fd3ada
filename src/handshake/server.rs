//! Server-side handshake: one handler per expected client message (RFC 5246 §7.3,
//! RFC 6347 §4.2). Flights: 2 HelloVerifyRequest, 4 ServerHello Certificate
//! ServerKeyExchange [CertificateRequest] ServerHelloDone (full) or ServerHello
//! ChangeCipherSpec Finished (resumed), 6 ChangeCipherSpec Finished. The ClientHello's
//! checks are in `server_client_hello.rs`, the full handshake's choices (suite, group,
//! signature scheme) in `server_choice.rs`.

use std::time::Instant;

use super::agreement::Agreement;
use super::extensions::Extensions;
use super::machine::Machine;
use super::messages::{
    ecdhe_params, Certificate, CertificateRequest, CertificateVerify, ClientHello,
    ClientKeyExchange, Finished, ServerHello, ServerHelloDone, ServerKeyExchange,
};
use super::server_choice::certificate_curve;
use super::step::{Next, Step};
use crate::config::VerifyMode;
use crate::crypto::suites::{AuthKind, CipherSuite};
use crate::enums::{HandshakeType, DTLS1_2_VERSION};
use crate::error::{AlertDescription, Error};
use crate::pki::keys::KeyAlgorithm;
use crate::pki::verify::verify_presented_signature;
use crate::session::cache::Session;
use crate::srtp::UseSrtp;

fn unexpected(what: &str) -> Error {
    Error::alert(
        AlertDescription::UNEXPECTED_MESSAGE,
        format!("unexpected {what}"),
    )
}

/// Certificate types we accept from clients (RFC 5246 §7.4.4): ecdsa_sign, rsa_sign.
const CLIENT_CERT_TYPES: [u8; 2] = [64, 1];

impl Machine {
    /// Handles the client's message `msg_type` (message_seq `seq`), completed by the
    /// record numbered `record_seq`, in `step`, which it consumes (`Machine::advance`).
    pub(crate) fn server_handle_message(
        &mut self,
        now: Instant,
        step: Step,
        msg_type: HandshakeType,
        seq: u16,
        body: &[u8],
        record_seq: u64,
    ) -> Result<Next, Error> {
        match (step, msg_type) {
            (Step::ServerAwaitClientHello { first_flight_floor }, HandshakeType::CLIENT_HELLO) => {
                // Answered with a HelloVerifyRequest, or parked: still awaiting a ClientHello.
                let next = self.server_client_hello(now, seq, body, record_seq)?;
                Ok(Next::Step(next.unwrap_or(Step::ServerAwaitClientHello {
                    first_flight_floor,
                })))
            }
            (Step::ServerAwaitClientCertificate { ecdhe }, HandshakeType::CERTIFICATE) => {
                let cert = Certificate::decode(body)?;
                self.peer_flight_received();
                self.add_received(msg_type, seq, body);
                if cert.chain.is_empty() {
                    if self.config.verify_mode == VerifyMode::RequirePeerCertificate {
                        return Err(Error::alert(
                            AlertDescription::HANDSHAKE_FAILURE,
                            "peer did not return a certificate",
                        ));
                    }
                } else {
                    self.hs.peer_certs = cert.chain;
                    self.verify_peer(false)?;
                }
                Ok(Next::Step(Step::ServerAwaitClientKeyExchange { ecdhe }))
            }
            (
                step @ Step::ServerAwaitClientCertificate { .. },
                HandshakeType::CLIENT_KEY_EXCHANGE,
            ) => {
                if self.config.verify_mode == VerifyMode::RequirePeerCertificate {
                    return Err(Error::alert(
                        AlertDescription::HANDSHAKE_FAILURE,
                        "peer did not return a certificate",
                    ));
                }
                self.server_client_key_exchange(step, seq, body)
            }
            (
                step @ (Step::ServerAwaitClientKeyExchange { .. }
                | Step::ServerAwaitPskClientKeyExchange { .. }),
                HandshakeType::CLIENT_KEY_EXCHANGE,
            ) => self.server_client_key_exchange(step, seq, body),
            (
                Step::ServerAwaitCertificateVerify { keys, agreement },
                HandshakeType::CERTIFICATE_VERIFY,
            ) => {
                let cv = CertificateVerify::decode(body)?;
                if !self.config.sig_schemes.contains(&cv.scheme) {
                    return Err(Error::alert(
                        AlertDescription::ILLEGAL_PARAMETER,
                        "client used a signature scheme we did not offer",
                    ));
                }
                let leaf = self
                    .hs
                    .peer_certs
                    .first()
                    .ok_or(Error::InvalidState("no client certificate"))?;
                let transcript = self
                    .life
                    .handshake()
                    .ok_or(Error::InvalidState("handshake not running"))?
                    .transcript
                    .buffer();
                verify_presented_signature(
                    &self.config.trust,
                    leaf,
                    cv.scheme,
                    transcript,
                    &cv.signature,
                )?;
                self.hs.peer_sig_scheme = Some(cv.scheme);
                self.add_received(msg_type, seq, body);
                Ok(Next::Step(Step::AwaitChangeCipherSpec {
                    read: keys.read,
                    write: Some(keys.write),
                    agreement,
                }))
            }
            (Step::AwaitFinished { write, agreement }, HandshakeType::FINISHED) => {
                let fin = Finished::decode(body)?;
                self.check_peer_finished(&fin.verify_data, &agreement)?;
                self.add_received(msg_type, seq, body);
                if let Some(write) = write {
                    // Flight 6, the final flight: kept to answer retransmissions.
                    self.begin_flight();
                    self.queue_ccs_and_finished(write, &agreement)?;
                    self.send_flight(now, true)?;
                    self.cache_session(&agreement);
                }
                Ok(Next::Complete(agreement))
            }
            (step, t) => Err(unexpected(&format!(
                "{} in state {:?}",
                t.name(),
                step.kind()
            ))),
        }
    }

    fn cache_session(&mut self, agreement: &Agreement) {
        // SSL_SESS_CACHE_NO_INTERNAL_STORE: the session has an ID but is not kept here.
        if self.hs.session_id.is_empty() || !self.session_config().server_session_store {
            return;
        }
        let s = self.session_of(agreement);
        self.session_config().session_cache.insert(s);
    }

    /// The abbreviated handshake (RFC 5246 §7.3) for a session `find_resumable` accepted.
    pub(super) fn resume(
        &mut self,
        now: Instant,
        ch: &ClientHello,
        s: Session,
        suite: &'static CipherSuite,
    ) -> Result<Step, Error> {
        self.hs.resumed = true;
        self.hs.suite = Some(suite);
        let agreement = Agreement::new(suite, s.master_secret.clone());
        self.hs.session_id = s.id.clone();
        self.hs.peer_certs = s.peer_certificates.clone();
        self.hs.verify_result = s.verify_result;
        self.hs.ems = s.extended_master_secret;
        self.begin_flight();
        let sh = self.server_hello_message(suite, ch);
        self.queue_handshake(HandshakeType::SERVER_HELLO, sh, true);
        let keys = self.derive_keys(&agreement)?;
        self.queue_ccs_and_finished(keys.write, &agreement)?;
        self.send_flight(now, false)?;
        Ok(Step::AwaitChangeCipherSpec {
            read: keys.read,
            write: None,
            agreement,
        })
    }

    pub(super) fn server_hello_message(
        &self,
        suite: &'static CipherSuite,
        ch: &ClientHello,
    ) -> Vec<u8> {
        let extensions = Extensions {
            // RFC 6066 §3: an empty server_name acknowledges the name; never on resumption.
            server_name: (self.life.handshake().is_some_and(|h| h.ack_server_name)
                && !self.hs.resumed)
                .then(String::new),
            // RFC 5746 §3.6/§3.7: empty initially, both verify_data when renegotiating.
            renegotiation_info: self.hs.secure_renegotiation.then(|| {
                self.renegotiation()
                    .map(|r| r.server_binding())
                    .unwrap_or_default()
            }),
            encrypt_then_mac: self.server_answers_etm(suite, ch),
            extended_master_secret: self.hs.ems,
            ec_point_formats: ch.extensions.ec_point_formats.as_ref().map(|_| vec![0]),
            // RFC 5764 §4.1.1: one profile; our MKI is empty (the client's is ignored).
            use_srtp: self.hs.srtp_profile.map(|p| UseSrtp {
                profiles: vec![p],
                mki: Vec::new(),
            }),
            alpn: self.hs.alpn.clone().map(|n| vec![n]),
            connection_id: self.hs.cid.as_ref().map(|c| c.own.clone()),
            ..Extensions::default()
        };
        let sh = ServerHello {
            server_version: DTLS1_2_VERSION,
            random: self.hs.server_random,
            session_id: self.hs.session_id.clone(),
            cipher_suite: suite.id,
            compression_method: 0,
            extensions,
        };
        let mut b = Vec::new();
        sh.encode(&mut b);
        b
    }

    pub(super) fn server_full_handshake(
        &mut self,
        now: Instant,
        ch: &ClientHello,
        client_ems: bool,
    ) -> Result<Step, Error> {
        // PSK suites (psk_flow.rs): no certificate involved.
        if let Some(suite) = self.server_choose_psk_suite(ch) {
            return self.server_psk_flight(now, ch, suite, client_ems);
        }
        // Borrowed through our own handle on the config: nothing of the identity is copied.
        let config = self.config.clone();
        let identity = config.identity.as_ref().ok_or_else(|| {
            if self.psk_provider().is_some() {
                // A PSK-only server (s_server -nocert -psk) with no usable suite: OpenSSL
                // says "no shared cipher" (e.g. CBC offered without encrypt_then_mac).
                return Error::NoSharedParameters(crate::error::Unshared::CipherSuite);
            }
            Error::alert(
                AlertDescription::HANDSHAKE_FAILURE,
                "no certificate configured",
            )
        })?;
        let auth = match identity.key.algorithm() {
            KeyAlgorithm::Rsa => AuthKind::Rsa,
            KeyAlgorithm::EcdsaP256 | KeyAlgorithm::EcdsaP384 | KeyAlgorithm::Ed25519 => {
                AuthKind::Ecdsa
            }
        };
        // RFC 8422 §5.1: a client that sends supported_groups can only verify an ECDSA
        // certificate on a curve it listed. With this certificate's curve missing, no ECDSA
        // suite is usable; with one certificate that is "no shared cipher", as OpenSSL 3.0
        // (tls1_check_cert_param) answers, not a handshake the client must abort.
        if let (Some(curve), Some(groups)) = (
            certificate_curve(identity.key.algorithm()),
            ch.extensions.supported_groups.as_ref(),
        ) {
            if !groups.contains(&curve) {
                return Err(Error::NoSharedParameters(
                    crate::error::Unshared::CipherSuite,
                ));
            }
        }
        let suite = self
            .choose_suite(ch, auth)
            .ok_or(Error::NoSharedParameters(
                crate::error::Unshared::CipherSuite,
            ))?;
        let group = self.server_choose_group(ch)?;
        let scheme =
            self.server_choose_scheme(&identity.key, ch)
                .ok_or(Error::NoSharedParameters(
                    crate::error::Unshared::SignatureAlgorithm,
                ))?;
        self.server_commit_full_handshake(suite, Some(group), client_ems);

        self.begin_flight();
        let sh = self.server_hello_message(suite, ch);
        self.queue_handshake(HandshakeType::SERVER_HELLO, sh, true);
        self.queue_handshake(
            HandshakeType::CERTIFICATE,
            identity.certificate_body.clone(),
            true,
        );

        let kp = self.ephemeral_key(group)?;
        let params = ecdhe_params(group, kp.public_key());
        let mut signed = Vec::with_capacity(64 + params.len());
        signed.extend_from_slice(&self.hs.client_random);
        signed.extend_from_slice(&self.hs.server_random);
        signed.extend_from_slice(&params);
        let signature = identity.key.sign(scheme, &signed)?;
        let ske = ServerKeyExchange {
            group,
            public: kp.public_key().to_vec(),
            scheme,
            signature,
        };
        let mut b = Vec::new();
        ske.encode(&mut b);
        self.queue_handshake(HandshakeType::SERVER_KEY_EXCHANGE, b, true);

        let request_cert = self.config.verify_mode != VerifyMode::None;
        if request_cert {
            let cr = CertificateRequest {
                certificate_types: CLIENT_CERT_TYPES.to_vec(),
                signature_schemes: self.config.sig_schemes.clone(),
                authorities: self.config.certificate_authorities.clone(),
            };
            let mut b = Vec::new();
            cr.encode(&mut b);
            self.queue_handshake(HandshakeType::CERTIFICATE_REQUEST, b, true);
        }
        let mut b = Vec::new();
        ServerHelloDone.encode(&mut b);
        self.queue_handshake(HandshakeType::SERVER_HELLO_DONE, b, true);
        self.send_flight(now, false)?;
        Ok(if request_cert {
            Step::ServerAwaitClientCertificate { ecdhe: kp }
        } else {
            Step::ServerAwaitClientKeyExchange { ecdhe: kp }
        })
    }

    /// The ClientKeyExchange, in `step` (which holds our key pair), which it consumes.
    fn server_client_key_exchange(
        &mut self,
        step: Step,
        seq: u16,
        body: &[u8],
    ) -> Result<Next, Error> {
        if let Some(suite) = self.psk_suite_in_use() {
            return self.server_psk_cke(suite, step, seq, body);
        }
        let cke = ClientKeyExchange::decode(body)?;
        self.peer_flight_received();
        // Leaving the step releases our key pair: it is used once, here.
        let kp = match step {
            Step::ServerAwaitClientCertificate { ecdhe }
            | Step::ServerAwaitClientKeyExchange { ecdhe } => ecdhe,
            _ => return Err(Error::InvalidState("no ECDHE key")),
        };
        let pms = kp.agree(&cke.public)?;
        self.add_received(HandshakeType::CLIENT_KEY_EXCHANGE, seq, body);
        let agreement = self.agree_master_secret(&pms)?;
        let keys = self.derive_keys(&agreement)?;
        Ok(Next::Step(if self.hs.peer_certs.is_empty() {
            Step::AwaitChangeCipherSpec {
                read: keys.read,
                write: Some(keys.write),
                agreement,
            }
        } else {
            Step::ServerAwaitCertificateVerify { keys, agreement }
        }))
    }
}
