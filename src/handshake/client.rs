//! Client-side handshake: one handler per expected server message (RFC 5246 §7.3,
//! RFC 6347 §4.2). Flights: 1/3 ClientHello, 5 [Certificate] ClientKeyExchange
//! [CertificateVerify] ChangeCipherSpec Finished (full) or ChangeCipherSpec Finished (resumed).

use std::time::Instant;

use super::agreement::Agreement;
use super::extensions::Extensions;
use super::header::{full_message, HandshakeHeader};
use super::machine::Machine;
use super::messages::{
    Certificate, CertificateRequest, CertificateVerify, ClientHello, ClientKeyExchange, Finished,
    HelloVerifyRequest, ServerHello, ServerHelloDone, ServerKeyExchange,
};
use super::step::{Next, Step};
use crate::crypto::ecdhe;
use crate::crypto::suites::suite_by_id;
use crate::enums::{HandshakeType, SignatureScheme, DTLS1_2_VERSION};
use crate::error::{AlertDescription, Error};
use crate::pki::verify::verify_presented_signature;
use crate::srtp::UseSrtp;

fn unexpected(what: &str) -> Error {
    Error::alert(
        AlertDescription::UNEXPECTED_MESSAGE,
        format!("unexpected {what}"),
    )
}

impl Machine {
    /// Sends the ClientHello of a handshake awaiting its ServerHello (flight 1, or the
    /// first of a renegotiation), with the step's cookie; the step keeps it as sent.
    pub(crate) fn client_send_hello(&mut self, now: Instant) -> Result<(), Error> {
        let cookie = self.step_cookie()?;
        let sent = self.send_client_hello(now, &cookie)?;
        if let Some(Step::ClientAwaitServerHello {
            last_client_hello, ..
        }) = self.hsk()?.step_mut()
        {
            *last_client_hello = sent;
        }
        Ok(())
    }

    /// The cookie of a step awaiting the ServerHello.
    fn step_cookie(&mut self) -> Result<Vec<u8>, Error> {
        match self.hsk()?.step_mut() {
            Some(Step::ClientAwaitServerHello { cookie, .. }) => Ok(cookie.clone()),
            _ => Err(Error::InvalidState("no ClientHello to send")),
        }
    }

    /// Sends a ClientHello with `cookie` (flight 1 or 3); returns it as sent (full DTLS
    /// form), with which the transcript starts when the ServerHello answers it (RFC 6347
    /// §4.2.1).
    fn send_client_hello(&mut self, now: Instant, cookie: &[u8]) -> Result<Vec<u8>, Error> {
        let mut body = self.client_hello_body_with(cookie)?;
        if let Some(dual) = &self.dual_hello {
            // The 1.3-capable hello, with the HelloVerifyRequest cookie (if any) of ours.
            body = crate::version::dual_hello::with_cookie(dual, &body)?;
        }
        self.begin_flight();
        let seq = self.hsk()?.send_seq;
        let sent = full_message(HandshakeType::CLIENT_HELLO, seq, &body);
        // Not in the transcript yet: it is added when the ServerHello arrives.
        self.queue_handshake(HandshakeType::CLIENT_HELLO, body, false);
        self.send_flight(now, false)?;
        Ok(sent)
    }

    /// The ClientHello body this client sends now (initial or renegotiating).
    pub(crate) fn client_hello_body(&mut self) -> Result<Vec<u8>, Error> {
        let cookie = self.step_cookie()?;
        self.client_hello_body_with(&cookie)
    }

    /// The ClientHello body with the cookie of a HelloVerifyRequest (empty: none).
    fn client_hello_body_with(&mut self, cookie: &[u8]) -> Result<Vec<u8>, Error> {
        // PSK suites count only with a PSK provider (psk_flow.rs); OpenSSL fails the same way.
        let cipher_suites = self.offered_suite_ids();
        if cipher_suites.is_empty() {
            return Err(Error::Config(
                "no ciphers available (PSK suites need a PSK callback)".into(),
            ));
        }
        let session_id = match &self.opts.resume {
            Some(s) if !s.id.is_empty() && self.config.suites.iter().any(|c| c.id == s.suite) => {
                s.id.clone()
            }
            _ => Vec::new(),
        };
        // RFC 6066 §3: literal IP addresses are not permitted in server_name.
        let sni = self
            .hs
            .server_name
            .clone()
            .filter(|n| n.parse::<std::net::IpAddr>().is_err() && !n.is_empty());
        let extensions = Extensions {
            server_name: sni,
            supported_groups: Some(self.config.groups.clone()),
            ec_point_formats: Some(vec![0]),
            signature_algorithms: Some(self.config.sig_schemes.clone()),
            encrypt_then_mac: self.client_offers_etm(&cipher_suites),
            extended_master_secret: self.config.extended_master_secret,
            // RFC 5746 §3.5: empty initially, our previous verify_data when renegotiating.
            renegotiation_info: Some(
                self.renegotiation()
                    .map(|r| r.client_verify_data.clone())
                    .unwrap_or_default(),
            ),
            // RFC 5764 §4.1.1: we never send an MKI (OpenSSL does not either).
            use_srtp: (!self.config.srtp_profiles.is_empty()).then(|| UseSrtp {
                profiles: self.config.srtp_profiles.clone(),
                mki: Vec::new(),
            }),
            alpn: (!self.config.alpn_protocols.is_empty())
                .then(|| self.config.alpn_protocols.clone()),
            connection_id: self.local_cid(),
            ..Extensions::default()
        };
        let renegotiating = self.renegotiation().is_some();
        let initial_cookie = self.hs.initial_cookie().to_vec();
        let hello = ClientHello {
            client_version: DTLS1_2_VERSION,
            random: self.hs.client_random,
            session_id,
            cookie: match cookie {
                // A renegotiating ClientHello repeats the cookie of the initial handshake,
                // as OpenSSL's client does: OpenSSL's server (SSL_OP_COOKIE_EXCHANGE)
                // otherwise skips processing the ClientHello and answers with the old
                // randoms, so its ServerKeyExchange signature does not verify.
                [] if renegotiating => initial_cookie,
                c => c.to_vec(),
            },
            cipher_suites,
            compression_methods: vec![0],
            extensions,
        };
        let mut body = Vec::new();
        hello.encode(&mut body);
        Ok(body)
    }

    /// Handles the server's message `msg_type` (message_seq `seq`) in `step`, which it
    /// consumes (`Machine::advance`).
    pub(crate) fn client_handle_message(
        &mut self,
        now: Instant,
        step: Step,
        msg_type: HandshakeType,
        seq: u16,
        body: &[u8],
    ) -> Result<Next, Error> {
        if self.is_psk_step(step.kind()) {
            return self.client_psk_message(now, step, msg_type, seq, body);
        }
        match (step, msg_type) {
            (
                Step::ClientAwaitServerHello {
                    first_flight_floor, ..
                },
                HandshakeType::HELLO_VERIFY_REQUEST,
            ) => {
                let hvr = HelloVerifyRequest::decode(body)?;
                self.peer_flight_received();
                if self.renegotiation().is_none() {
                    self.hs.set_initial_cookie(&hvr.cookie);
                }
                let last_client_hello = self.send_client_hello(now, &hvr.cookie)?;
                Ok(Next::Step(Step::ClientAwaitServerHello {
                    cookie: hvr.cookie,
                    last_client_hello,
                    first_flight_floor,
                }))
            }
            (_, HandshakeType::HELLO_VERIFY_REQUEST) => {
                Err(unexpected("HelloVerifyRequest after ServerHello"))
            }
            (
                Step::ClientAwaitServerHello {
                    last_client_hello, ..
                },
                HandshakeType::SERVER_HELLO,
            ) => self.client_server_hello(seq, body, last_client_hello),
            (Step::ClientAwaitCertificate, HandshakeType::CERTIFICATE) => {
                let cert = Certificate::decode(body)?;
                if cert.chain.is_empty() {
                    return Err(Error::alert(
                        AlertDescription::DECODE_ERROR,
                        "server sent an empty certificate chain",
                    ));
                }
                self.add_received(msg_type, seq, body);
                self.hs.peer_certs = cert.chain;
                self.verify_peer(true)?;
                Ok(Next::Step(Step::ClientAwaitServerKeyExchange))
            }
            (Step::ClientAwaitServerKeyExchange, HandshakeType::SERVER_KEY_EXCHANGE) => {
                self.client_server_key_exchange(seq, body)
            }
            (Step::ClientAwaitServerKeyExchange, _) => Err(unexpected(&format!(
                "{} (ECDHE suite without ServerKeyExchange)",
                msg_type.name()
            ))),
            (
                Step::ClientAwaitCertificateRequestOrDone { peer_public },
                HandshakeType::CERTIFICATE_REQUEST,
            ) => {
                let cr = CertificateRequest::decode(body)?;
                self.add_received(msg_type, seq, body);
                self.hs.set_peer_ca_names(cr.authorities);
                Ok(Next::Step(Step::ClientAwaitServerHelloDone {
                    peer_public,
                    cert_requested: cr.signature_schemes,
                }))
            }
            (
                step @ (Step::ClientAwaitCertificateRequestOrDone { .. }
                | Step::ClientAwaitServerHelloDone { .. }),
                HandshakeType::SERVER_HELLO_DONE,
            ) => {
                ServerHelloDone::decode(body)?;
                self.add_received(msg_type, seq, body);
                self.peer_flight_received();
                // Leaving the step hands its data to flight 5.
                let (peer_public, cert_requested) = match step {
                    Step::ClientAwaitServerHelloDone {
                        peer_public,
                        cert_requested,
                    } => (peer_public, Some(cert_requested)),
                    Step::ClientAwaitCertificateRequestOrDone { peer_public } => {
                        (peer_public, None)
                    }
                    _ => return Err(Error::InvalidState("no server key share")),
                };
                self.client_send_key_exchange(now, &peer_public, cert_requested)
            }
            (Step::AwaitFinished { write, agreement }, HandshakeType::FINISHED) => {
                let fin = Finished::decode(body)?;
                self.check_peer_finished(&fin.verify_data, &agreement)?;
                self.add_received(msg_type, seq, body);
                if let Some(write) = write {
                    // Abbreviated handshake: our CCS + Finished is the final flight.
                    self.begin_flight();
                    self.queue_ccs_and_finished(write, &agreement)?;
                    self.send_flight(now, true)?;
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

    /// Adds a received message to the transcript.
    pub(crate) fn add_received(&mut self, msg_type: HandshakeType, seq: u16, body: &[u8]) {
        if let Some(h) = self.life.handshake_mut() {
            let header = HandshakeHeader::unfragmented(msg_type, seq, body.len() as u32);
            h.transcript.add_parts(&header.to_bytes(), body);
        }
    }

    /// The ServerHello, answering `last_client_hello` (the ClientHello as sent).
    fn client_server_hello(
        &mut self,
        seq: u16,
        body: &[u8],
        last_client_hello: Vec<u8>,
    ) -> Result<Next, Error> {
        let sh = ServerHello::decode(body)?;
        // Once answered, the merged hello is done with (a renegotiation offers 1.2 only).
        if self.dual_hello.take().is_some() {
            crate::version::dual_hello::check_downgrade(&sh.random)?;
        }
        if sh.server_version != DTLS1_2_VERSION {
            return Err(Error::alert(
                AlertDescription::PROTOCOL_VERSION,
                format!(
                    "server chose unsupported version {:#06x}",
                    sh.server_version
                ),
            ));
        }
        let suite = suite_by_id(sh.cipher_suite)
            .filter(|s| self.offered_suite_ids().contains(&s.id))
            .ok_or_else(|| {
                Error::alert(
                    AlertDescription::ILLEGAL_PARAMETER,
                    "server chose a suite we did not offer",
                )
            })?;
        if sh.compression_method != 0 {
            return Err(Error::alert(
                AlertDescription::ILLEGAL_PARAMETER,
                "compression is not supported",
            ));
        }
        if let Some(r) = self.renegotiation() {
            // RFC 5746 §3.5: the server must echo both verify_data values.
            let expected = r.server_binding();
            match &sh.extensions.renegotiation_info {
                Some(ri) if crate::crypto::constant_time_eq(ri, &expected) => {}
                _ => {
                    return Err(Error::alert(
                        AlertDescription::HANDSHAKE_FAILURE,
                        "renegotiation_info mismatch in renegotiating ServerHello",
                    ))
                }
            }
        } else if let Some(ri) = &sh.extensions.renegotiation_info {
            if !ri.is_empty() {
                return Err(Error::alert(
                    AlertDescription::HANDSHAKE_FAILURE,
                    "non-empty renegotiation_info in initial handshake",
                ));
            }
            self.hs.secure_renegotiation = true;
        }
        self.client_check_srtp(&sh.extensions)?;
        self.client_check_alpn(&sh.extensions)?;
        self.client_check_cid(&sh.extensions)?;
        self.client_check_etm(suite, &sh.extensions)?;
        self.peer_flight_received();
        self.hs.server_random = sh.random;
        self.hs.suite = Some(suite);
        self.hs.ems = self.config.extended_master_secret && sh.extensions.extended_master_secret;
        if sh.extensions.extended_master_secret && !self.config.extended_master_secret {
            return Err(Error::alert(
                AlertDescription::UNSUPPORTED_EXTENSION,
                "server sent extended_master_secret we did not offer",
            ));
        }
        // Transcript: the ClientHello this answers, then the ServerHello (RFC 6347 §4.2.1).
        let h = self.hsk()?;
        h.transcript.clear();
        h.transcript.add(&last_client_hello);
        self.add_received(HandshakeType::SERVER_HELLO, seq, body);

        let resume = self.opts.resume.clone();
        match resume {
            Some(s) if !sh.session_id.is_empty() && sh.session_id == s.id => {
                if s.suite != suite.id {
                    return Err(Error::alert(
                        AlertDescription::ILLEGAL_PARAMETER,
                        "resumed session with a different cipher suite",
                    ));
                }
                // RFC 7627 §5.3: the EMS state of a resumed session must not change.
                if s.extended_master_secret != self.hs.ems {
                    return Err(Error::alert(
                        AlertDescription::HANDSHAKE_FAILURE,
                        "extended_master_secret changed on resumption",
                    ));
                }
                self.hs.resumed = true;
                self.hs.session_id = s.id.clone();
                let agreement = Agreement::new(suite, s.master_secret.clone());
                self.hs.peer_certs = s.peer_certificates.clone();
                self.hs.verify_result = s.verify_result;
                let keys = self.derive_keys(&agreement)?;
                Ok(Next::Step(Step::AwaitChangeCipherSpec {
                    read: keys.read,
                    write: Some(keys.write),
                    agreement,
                }))
            }
            _ => {
                self.hs.session_id = sh.session_id;
                Ok(Next::Step(Step::ClientAwaitCertificate))
            }
        }
    }

    /// The server's `use_srtp` answer (RFC 5764 §4.1.1): exactly one profile, one we
    /// offered, and no MKI (we never offer one).
    fn client_check_srtp(&mut self, ext: &Extensions) -> Result<(), Error> {
        self.hs.srtp_profile = None;
        let Some(srtp) = &ext.use_srtp else {
            return Ok(());
        };
        if self.config.srtp_profiles.is_empty() {
            return Err(Error::alert(
                AlertDescription::UNSUPPORTED_EXTENSION,
                "server sent use_srtp we did not offer",
            ));
        }
        let [profile] = srtp.profiles[..] else {
            return Err(Error::alert(
                AlertDescription::DECODE_ERROR,
                "use_srtp answer must hold exactly one profile",
            ));
        };
        // "If the client detects a nonzero-length MKI in the server's response that is
        // different than the one the client offered, then the client MUST abort the
        // handshake and SHOULD send an invalid_parameter alert."
        if !srtp.mki.is_empty() {
            return Err(Error::alert(
                AlertDescription::ILLEGAL_PARAMETER,
                "server sent an SRTP MKI we did not offer",
            ));
        }
        // RFC 5764 §4.1.1 names no alert for a profile the client did not offer; OpenSSL
        // 3.0 answers decode_error (SSL_R_BAD_SRTP_PROTECTION_PROFILE_LIST), as we do.
        if !self.config.srtp_profiles.contains(&profile) {
            return Err(Error::alert(
                AlertDescription::DECODE_ERROR,
                format!("server chose SRTP profile {profile:#06x} we did not offer"),
            ));
        }
        self.hs.srtp_profile = Some(profile);
        Ok(())
    }

    /// The server's ALPN answer (RFC 7301 §3.1): one protocol, one we offered.
    fn client_check_alpn(&mut self, ext: &Extensions) -> Result<(), Error> {
        self.hs.alpn = None;
        let Some(names) = &ext.alpn else {
            return Ok(());
        };
        if self.config.alpn_protocols.is_empty() {
            return Err(Error::alert(
                AlertDescription::UNSUPPORTED_EXTENSION,
                "server sent ALPN we did not offer",
            ));
        }
        let [name] = &names[..] else {
            return Err(Error::alert(
                AlertDescription::DECODE_ERROR,
                "ALPN answer must hold exactly one protocol",
            ));
        };
        // RFC 7301 names no client alert here; OpenSSL 3.0 sends decode_error, as we do.
        if !self.config.alpn_protocols.contains(name) {
            return Err(Error::alert(
                AlertDescription::DECODE_ERROR,
                "server chose an ALPN protocol we did not offer",
            ));
        }
        self.hs.alpn = Some(name.clone());
        Ok(())
    }

    fn client_server_key_exchange(&mut self, seq: u16, body: &[u8]) -> Result<Next, Error> {
        let ske = ServerKeyExchange::decode(body)?;
        if !self.config.groups.contains(&ske.group) || !ecdhe::is_supported(ske.group) {
            return Err(Error::alert(
                AlertDescription::ILLEGAL_PARAMETER,
                "server chose a group we did not offer",
            ));
        }
        if !self.config.sig_schemes.contains(&ske.scheme) {
            return Err(Error::alert(
                AlertDescription::ILLEGAL_PARAMETER,
                "server used a signature scheme we did not offer",
            ));
        }
        let leaf = self
            .hs
            .peer_certs
            .first()
            .ok_or(Error::InvalidState("no server certificate"))?;
        let mut signed = Vec::with_capacity(64 + ske.public.len() + 4);
        signed.extend_from_slice(&self.hs.client_random);
        signed.extend_from_slice(&self.hs.server_random);
        signed.extend_from_slice(&ske.params_bytes());
        verify_presented_signature(
            &self.config.trust,
            leaf,
            ske.scheme,
            &signed,
            &ske.signature,
        )?;
        self.add_received(HandshakeType::SERVER_KEY_EXCHANGE, seq, body);
        self.hs.group = Some(ske.group);
        self.hs.peer_sig_scheme = Some(ske.scheme);
        Ok(Next::Step(Step::ClientAwaitCertificateRequestOrDone {
            peer_public: ske.public,
        }))
    }

    /// Flight 5 of a full handshake.
    fn client_send_key_exchange(
        &mut self,
        now: Instant,
        peer_public: &[u8],
        cert_requested: Option<Vec<SignatureScheme>>,
    ) -> Result<Next, Error> {
        let group = self.hs.group.ok_or(Error::InvalidState("no group"))?;
        self.begin_flight();
        // Client certificate, if asked for (RFC 5246 §7.4.6): an empty list when we have
        // none the server can accept.
        let mut sign_with = None;
        if let Some(requested) = cert_requested {
            let mut body = None;
            let config = self.config.clone();
            if let Some(id) = config.identity.as_ref() {
                let acceptable: Vec<_> = requested
                    .iter()
                    .copied()
                    .filter(|s| self.config.sig_schemes.contains(s))
                    .collect();
                if let Some(scheme) = id.key.choose_scheme(&acceptable) {
                    body = Some(id.certificate_body.clone());
                    sign_with = Some((id.key.clone(), scheme));
                }
            }
            let b = body.unwrap_or_else(|| {
                let mut b = Vec::new();
                Certificate { chain: Vec::new() }.encode(&mut b);
                b
            });
            self.queue_handshake(HandshakeType::CERTIFICATE, b, true);
        }
        let kp = self.ephemeral_key(group)?;
        let mut b = Vec::new();
        ClientKeyExchange {
            public: kp.public_key().to_vec(),
        }
        .encode(&mut b);
        self.queue_handshake(HandshakeType::CLIENT_KEY_EXCHANGE, b, true);
        let pms = kp.agree(peer_public)?;
        let agreement = self.agree_master_secret(&pms)?;
        if let Some((key, scheme)) = sign_with {
            let signature = key.sign(scheme, self.hsk()?.transcript.buffer())?;
            let mut b = Vec::new();
            CertificateVerify { scheme, signature }.encode(&mut b);
            self.queue_handshake(HandshakeType::CERTIFICATE_VERIFY, b, true);
        }
        let keys = self.derive_keys(&agreement)?;
        self.queue_ccs_and_finished(keys.write, &agreement)?;
        self.send_flight(now, false)?;
        Ok(Next::Step(Step::AwaitChangeCipherSpec {
            read: keys.read,
            write: None,
            agreement,
        }))
    }
}
