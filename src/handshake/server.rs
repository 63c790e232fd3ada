//! Server-side handshake: one handler per expected client message (RFC 5246 §7.3,
//! RFC 6347 §4.2). Flights: 2 HelloVerifyRequest, 4 ServerHello Certificate
//! ServerKeyExchange [CertificateRequest] ServerHelloDone (full) or ServerHello
//! ChangeCipherSpec Finished (resumed), 6 ChangeCipherSpec Finished.

use std::time::Instant;

use super::agreement::Agreement;
use super::extensions::{Extensions, MAX_HOST_NAME_LEN};
use super::machine::Machine;
use super::messages::{
    ecdhe_params, Certificate, CertificateRequest, CertificateVerify, ClientHello,
    ClientKeyExchange, Finished, ServerHello, ServerHelloDone, ServerKeyExchange,
};
use super::step::{Next, Step};
use crate::config::VerifyMode;
use crate::cookie;
use crate::crypto::ecdhe;
use crate::crypto::suites::{AuthKind, CipherSuite};
use crate::enums::{
    HandshakeType, NamedGroup, SignatureScheme, DTLS1_2_VERSION, EMPTY_RENEGOTIATION_INFO_SCSV,
};
use crate::error::{AlertDescription, Error};
use crate::input_policy::{HelloCookie, MalformedClientHello};
use crate::pki::keys::{KeyAlgorithm, SigningKey};
use crate::pki::verify::verify_signature;
use crate::session::cache::Session;
use crate::srtp::{self, UseSrtp};

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
                verify_signature(leaf, cv.scheme, transcript, &cv.signature)?;
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

    /// A ClientHello: the step that follows, or `None` while a ClientHello is still awaited
    /// (answered with a HelloVerifyRequest, or parked for the application's hook).
    pub(super) fn server_client_hello(
        &mut self,
        now: Instant,
        seq: u16,
        body: &[u8],
        record_seq: u64,
    ) -> Result<Option<Step>, Error> {
        let ch = ClientHello::decode(body)?;
        // OpenSSL's client-hello callback: first, for every ClientHello (a renegotiating
        // one too), except a cookie-less initial one of a server that asks for cookies
        // (tls_process_client_hello returns early there: it only gets a
        // HelloVerifyRequest).
        let cookie_less = self.renegotiation().is_none()
            && self.session_config().cookie_exchange
            && ch.cookie.is_empty();
        if !cookie_less && !self.run_early_hello_hook(seq, body, record_seq)? {
            return Ok(None);
        }
        // DTLS versions count down: 0xfefd (1.2) < 0xfeff (1.0).
        if ch.client_version > DTLS1_2_VERSION {
            return Err(Error::alert(
                AlertDescription::PROTOCOL_VERSION,
                "client does not offer DTLS 1.2",
            ));
        }
        if !ch.compression_methods.contains(&0) {
            return Err(Error::alert(
                AlertDescription::ILLEGAL_PARAMETER,
                "no null compression",
            ));
        }
        // A renegotiating ClientHello is protected: no cookie exchange (RFC 6347 §4.2.1
        // concerns the initial handshake; OpenSSL does not ask either).
        if self.session_config().cookie_exchange && self.renegotiation().is_none() {
            let peer = self.peer_addr.clone();
            let keys = self.session_config().cookie_keys.clone();
            let hooks = self
                .cookie_hooks
                .as_deref_mut()
                .map(|h| h as &mut dyn cookie::CookieHooks);
            if !cookie::verify_client_hello_cookie(&keys, now, &peer, body, hooks) {
                self.send_hello_verify_request(now, seq, body, record_seq);
                return Ok(None);
            }
            // Continue the record sequence from the ClientHello, as a stateless listener
            // would, so the client's replay window sees increasing numbers (RFC 6347
            // §4.2.1) -- unless the peer picked one that leaves no room.
            if let Some(rs) = crate::input_policy::server_write_seq_after_cookie(record_seq) {
                self.set_record_write_sequence(rs);
            }
        }
        self.peer_flight_received();
        // Our ServerHello answers with the ClientHello's message_seq (after a
        // HelloVerifyRequest both are 1), or continues after our HelloRequest (RFC 6347
        // §4.2.2: HelloRequest 0, ServerHello 1).
        let h = self.hsk()?;
        h.send_seq = if h.renegotiation.is_some() {
            h.send_seq.max(seq)
        } else {
            seq
        };
        self.hs.client_random = ch.random;
        let mut sr = [0u8; 32];
        self.random_bytes(&mut sr);
        if self.downgrade_sentinel {
            // RFC 8446 §4.1.3: a 1.3-capable server negotiating 1.2 says so in its random.
            sr[24..].copy_from_slice(&crate::dtls13::hello::DOWNGRADE_SENTINEL_12);
        }
        self.hs.server_random = sr;
        // RFC 6066 §3 allows HostName up to 2^16-1 bytes, but DNS names end at 255 and the
        // name is kept with the session: refuse longer ones as OpenSSL does.
        if let Some(name) = &ch.extensions.server_name {
            if name.len() > MAX_HOST_NAME_LEN {
                return Err(Error::alert(
                    AlertDescription::UNRECOGNIZED_NAME,
                    format!(
                        "server_name of {} bytes exceeds {MAX_HOST_NAME_LEN}",
                        name.len()
                    ),
                ));
            }
        }
        self.hs.server_name = ch.extensions.server_name.clone();
        if let Some(r) = self.renegotiation() {
            // RFC 5746 §3.7: the SCSV must not appear, and the extension must carry the
            // client's previous verify_data.
            let ok =
                !ch.cipher_suites.contains(&EMPTY_RENEGOTIATION_INFO_SCSV)
                    && ch.extensions.renegotiation_info.as_ref().is_some_and(|ri| {
                        crate::crypto::constant_time_eq(ri, &r.client_verify_data)
                    });
            if !ok {
                return Err(Error::alert(
                    AlertDescription::HANDSHAKE_FAILURE,
                    "renegotiation_info mismatch in renegotiating ClientHello",
                ));
            }
        } else {
            if let Some(ri) = &ch.extensions.renegotiation_info {
                if !ri.is_empty() {
                    return Err(Error::alert(
                        AlertDescription::HANDSHAKE_FAILURE,
                        "non-empty renegotiation_info in initial handshake",
                    ));
                }
            }
            self.hs.secure_renegotiation = ch.extensions.renegotiation_info.is_some()
                || ch.cipher_suites.contains(&EMPTY_RENEGOTIATION_INFO_SCSV);
        }
        let client_ems = ch.extensions.extended_master_secret;
        self.server_negotiate_srtp(&ch.extensions);
        self.server_negotiate_alpn(&ch.extensions)?;
        self.server_negotiate_cid(&ch.extensions);
        self.hsk()?.transcript.clear();
        self.add_received(HandshakeType::CLIENT_HELLO, seq, body);

        self.answer_client_hello(now, ch, client_ems)
    }

    /// From the session lookup on: the ClientHello hook, then the abbreviated or full
    /// handshake. A hook that pauses parks the ClientHello here (`resume_client_hello`):
    /// `None`, a ClientHello is still awaited.
    pub(crate) fn answer_client_hello(
        &mut self,
        now: Instant,
        ch: ClientHello,
        client_ems: bool,
    ) -> Result<Option<Step>, Error> {
        self.hs
            .set_peer_groups(ch.extensions.supported_groups.clone().unwrap_or_default());
        let session = self.find_resumable(now, &ch, client_ems)?;
        if !self.run_client_hello_hook(&ch, session.is_some())? {
            self.hsk()?.parked = Some(super::lifecycle::ParkedHello::Decoded {
                hello: Box::new(ch),
                ems: client_ems,
            });
            return Ok(None);
        }
        match session {
            Some((s, suite)) => self.resume(now, &ch, s, suite),
            None => self.server_full_handshake(now, &ch, client_ems),
        }
        .map(Some)
    }

    /// RFC 5764 §4.1.1: the first of our profiles the client offered (OpenSSL's rule). A
    /// server with no profiles ignores the extension; the client's MKI is not used.
    fn server_negotiate_srtp(&mut self, ext: &Extensions) {
        self.hs.srtp_profile = ext
            .use_srtp
            .as_ref()
            .and_then(|u| srtp::server_select(&self.config.srtp_profiles, &u.profiles));
    }

    /// RFC 7301 §3.2: the selection hook picks a protocol from the client's list; without
    /// a hook, or when it declines to answer, there is no ALPN in the ServerHello.
    fn server_negotiate_alpn(&mut self, ext: &Extensions) -> Result<(), Error> {
        self.hs.alpn = None;
        let (Some(names), Some(hook)) = (&ext.alpn, self.alpn_hook.as_mut()) else {
            return Ok(());
        };
        match hook(&crate::alpn::to_wire_list(names)) {
            crate::alpn::AlpnSelection::Selected(p) if !p.is_empty() && p.len() <= 255 => {
                self.hs.alpn = Some(p);
                Ok(())
            }
            crate::alpn::AlpnSelection::NoAck => Ok(()),
            _ => Err(Error::alert(
                AlertDescription::NO_APPLICATION_PROTOCOL,
                "no application protocol in common (ALPN)",
            )),
        }
    }

    /// A ClientHello that does not decode, received while awaiting one: refused with the
    /// decode error's alert when no genuine handshake can be harmed, answered with a
    /// HelloVerifyRequest when it has an empty cookie and a cookie exchange is on, else
    /// dropped and remembered (crate::input_policy).
    pub(crate) fn server_malformed_client_hello(
        &mut self,
        now: Instant,
        seq: u16,
        body: &[u8],
        error: Error,
        record_seq: u64,
    ) -> Result<(), Error> {
        let cookie =
            self.session_config()
                .cookie_exchange
                .then(|| match cookie::split_client_hello_cookie(body) {
                    Some((_, [])) => HelloCookie::Empty,
                    Some(_) => {
                        let peer = self.peer_addr.clone();
                        let keys = self.session_config().cookie_keys.clone();
                        let hooks = self
                            .cookie_hooks
                            .as_deref_mut()
                            .map(|h| h as &mut dyn cookie::CookieHooks);
                        if cookie::verify_client_hello_cookie(&keys, now, &peer, body, hooks) {
                            HelloCookie::Valid
                        } else {
                            HelloCookie::Other
                        }
                    }
                    None => HelloCookie::Other,
                });
        match crate::input_policy::malformed_client_hello_action(cookie) {
            MalformedClientHello::Refuse => Err(error),
            MalformedClientHello::VerifyFirst => {
                self.send_hello_verify_request(now, seq, body, record_seq);
                Ok(())
            }
            MalformedClientHello::Remember => {
                self.reasm.set_next_seq(seq);
                self.stats_dropped();
                self.remember_verdict(error, None)
            }
        }
    }

    /// Answers ClientHello `seq` (in record `record_seq`, which the answer echoes, RFC 6347
    /// §4.2.1) with a HelloVerifyRequest.
    fn send_hello_verify_request(&mut self, now: Instant, seq: u16, body: &[u8], record_seq: u64) {
        let peer = self.peer_addr.clone();
        let cookie = match self.cookie_hooks.as_mut() {
            Some(h) => match h.generate() {
                Some(c) if c.len() <= 255 => c,
                _ => return,
            },
            None => {
                let params = cookie::client_hello_cookie_params(body).unwrap_or_default();
                self.session_config()
                    .cookie_keys
                    .generate(now, &peer, &params)
                    .to_vec()
            }
        };
        let mut dg = Vec::new();
        cookie::build_hello_verify_request(record_seq, seq, &cookie, &mut dg);
        // Never answer with more than we received (no amplification of a spoofed source,
        // RFC 6347 §4.2.1), as the stateless listener: the smallest record that carried
        // this ClientHello is its body plus the record and handshake headers.
        if dg.len() > cookie::RECORD_HEADER_LEN + cookie::HANDSHAKE_HEADER_LEN + body.len() {
            self.stats_dropped();
        } else {
            let hvr_body = cookie::RECORD_HEADER_LEN + cookie::HANDSHAKE_HEADER_LEN;
            let header = dg.get(..cookie::RECORD_HEADER_LEN).map(<[u8]>::to_vec);
            self.record_header_event(true, header.as_deref());
            if let Some(b) = dg.get(hvr_body..) {
                let b = b.to_vec();
                self.message_event(true, HandshakeType::HELLO_VERIFY_REQUEST, seq, &b);
            }
            self.push_datagram(dg);
        }
        // The cookie-less ClientHello is not part of the transcript (RFC 6347 §4.2.1), and we
        // keep no flight: a retransmitted cookie-less ClientHello (our HelloVerifyRequest was
        // lost) must be processed again, so its message_seq stays acceptable.
        if let Some(h) = self.life.handshake_mut() {
            h.transcript.clear();
        }
        self.reasm.set_next_seq(seq);
    }

    /// The abbreviated handshake (RFC 5246 §7.3) for a session `find_resumable` accepted.
    fn resume(
        &mut self,
        now: Instant,
        ch: &ClientHello,
        s: Session,
        suite: &'static CipherSuite,
    ) -> Result<Step, Error> {
        self.hs.resumed = true;
        self.hs.suite = Some(suite);
        let agreement = Agreement {
            suite,
            master: s.master_secret.clone(),
        };
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

    fn server_full_handshake(
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

    fn choose_suite(&self, ch: &ClientHello, auth: AuthKind) -> Option<&'static CipherSuite> {
        let ours = |id: u16| {
            self.config
                .suites
                .iter()
                .copied()
                .find(|s| s.id == id && s.auth == auth)
        };
        if self.config.server_preference {
            self.config
                .suites
                .iter()
                .copied()
                .find(|s| s.auth == auth && ch.cipher_suites.contains(&s.id))
        } else {
            ch.cipher_suites.iter().find_map(|id| ours(*id))
        }
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

/// The named curve an ECDSA certificate key lives on (None for RSA and Ed25519, which
/// supported_groups does not constrain in TLS 1.2).
fn certificate_curve(alg: KeyAlgorithm) -> Option<NamedGroup> {
    match alg {
        KeyAlgorithm::EcdsaP256 => Some(NamedGroup::SECP256R1),
        KeyAlgorithm::EcdsaP384 => Some(NamedGroup::SECP384R1),
        KeyAlgorithm::Rsa | KeyAlgorithm::Ed25519 => None,
    }
}

/// The signature schemes the client offered (RFC 5246 §7.4.1.4.1); the defaults for a
/// missing extension use SHA-1, which we do not support, so SHA-256 is assumed instead.
pub(crate) fn client_sig_schemes(ch: &ClientHello) -> Vec<SignatureScheme> {
    ch.extensions
        .signature_algorithms
        .clone()
        .unwrap_or_else(|| {
            vec![
                SignatureScheme::ECDSA_SECP256R1_SHA256,
                SignatureScheme::RSA_PKCS1_SHA256,
            ]
        })
}

impl Machine {
    /// The ECDHE group for a full handshake, among the client's supported_groups (RFC 8422
    /// §5.1; P-256 when the extension is absent). As OpenSSL 3.0 (tls1_shared_group): the
    /// client's first group we also have, or with server preference
    /// (SSL_OP_CIPHER_SERVER_PREFERENCE) our first group the client also has.
    pub(crate) fn server_choose_group(&self, ch: &ClientHello) -> Result<NamedGroup, Error> {
        let client_groups = ch
            .extensions
            .supported_groups
            .clone()
            .unwrap_or_else(|| vec![NamedGroup::SECP256R1]);
        let ours = &self.config.groups;
        let usable = |g: &NamedGroup| ecdhe::is_supported(*g);
        let chosen = if self.config.server_preference {
            ours.iter().find(|g| client_groups.contains(g) && usable(g))
        } else {
            client_groups.iter().find(|g| ours.contains(g) && usable(g))
        };
        chosen
            .copied()
            .ok_or(Error::NoSharedParameters(crate::error::Unshared::Group))
    }

    /// The ServerKeyExchange signature scheme: as OpenSSL 3.0 (tls1_set_shared_sigalgs,
    /// tls_choose_sigalg), the first of the shared schemes the key can sign with, the shared
    /// list in the client's order, or in ours with server preference.
    pub(crate) fn server_choose_scheme(
        &self,
        key: &SigningKey,
        ch: &ClientHello,
    ) -> Option<SignatureScheme> {
        let peer = client_sig_schemes(ch);
        let ours = &self.config.sig_schemes;
        let (pref, allow) = if self.config.server_preference {
            (ours, &peer)
        } else {
            (&peer, ours)
        };
        let shared: Vec<SignatureScheme> =
            pref.iter().copied().filter(|s| allow.contains(s)).collect();
        if shared.is_empty() {
            // Nothing shared: the key's SHA-256 default, as before (see choose_scheme).
            return key.choose_scheme(&[]);
        }
        let can = key.supported_schemes();
        shared.into_iter().find(|s| can.contains(s))
    }

    /// Records a full handshake's choices, and a fresh session ID when sessions are
    /// cached (RFC 5246 §7.4.1.3).
    pub(crate) fn server_commit_full_handshake(
        &mut self,
        suite: &'static CipherSuite,
        group: Option<NamedGroup>,
        client_ems: bool,
    ) {
        self.hs.suite = Some(suite);
        self.hs.group = group;
        self.hs.ems = client_ems && self.config.extended_master_secret;
        if self.session_config().server_session_cache {
            let mut id = vec![0u8; 32];
            self.random_bytes(&mut id);
            self.hs.session_id = id;
        }
    }
}
