//! The client's handshake states (RFC 8446 §4, Appendix A.1), each holding exactly what
//! the next message needs, and their dispatch (post-handshake messages are handled in
//! `client_post.rs`). A message of the wrong type or epoch for the state is fatal with
//! unexpected_message.

use std::time::Instant;

use super::client::{Client13, Event13, Ticket13};
use super::epoch::TrafficEpoch;
use super::extensions::{self as ext, ext_type, DTLS1_3};
use super::handshake13 as hs13;
use super::hello::{msg_type as hs, ServerHello};
use super::key_schedule::{labels, KeySchedule, Secret};
use super::messages::{self, Certificate, CertificateRequest};
use super::psk;
use super::record_protection::Suite13;
use super::transcript::{Transcript, TranscriptHash};
use crate::crypto::ecdhe::EphemeralKeyPair;
use crate::error::{AlertDescription as AD, Error};

/// Waiting for ServerHello or HelloRetryRequest.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct ExpectServerHello {
    pub(crate) random: [u8; 32],
    pub(crate) share: EphemeralKeyPair,
    /// ClientHello1 (or message_hash ‖ HRR ‖ ClientHello2) in transcript form.
    pub(crate) transcript: Vec<u8>,
    /// Suite chosen by a HelloRetryRequest, which the ServerHello must repeat.
    pub(crate) hrr_suite: Option<Suite13>,
    /// The ticket offered in the last ClientHello (`pre_shared_key`).
    pub(crate) psk: Option<Ticket13>,
}

/// Between ServerHello and the server's Finished: the handshake secrets and transcript.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct Handshaking {
    pub(crate) suite: Suite13,
    pub(crate) ks: KeySchedule,
    pub(crate) transcript: Transcript,
    pub(crate) handshake_secret: Secret,
    pub(crate) c_hs: Secret,
    pub(crate) s_hs: Secret,
    /// The server asked for a certificate.
    pub(crate) cert_request: Option<CertificateRequest>,
    /// The server accepted our PSK: no Certificate / CertificateVerify follow (§2.2).
    pub(crate) resumed: bool,
    /// On a resumption, the ticket's verify result, reported once the server's Finished
    /// verified (client_resume.rs).
    pub(crate) ticket_verify_code: Option<i32>,
}

impl Handshaking {
    pub(crate) fn add(&mut self, typ: u8, body: &[u8]) {
        self.transcript.add(typ, body);
    }

    fn hash(&self) -> TranscriptHash {
        self.transcript.hash()
    }
}

/// After the handshake (the same for both roles).
pub use super::key_update::Established;

/// The client's state.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub enum State {
    ExpectServerHello(Box<ExpectServerHello>),
    ExpectEncryptedExtensions(Box<Handshaking>),
    ExpectCertificate(Box<Handshaking>),
    ExpectCertificateVerify(Box<Handshaking>),
    ExpectFinished(Box<Handshaking>),
    Established(Box<Established>),
    Closed,
    Failed,
}

impl State {
    /// A short name for logs and tests.
    pub fn name(&self) -> &'static str {
        match self {
            State::ExpectServerHello(_) => "ExpectServerHello",
            State::ExpectEncryptedExtensions(_) => "ExpectEncryptedExtensions",
            State::ExpectCertificate(_) => "ExpectCertificate",
            State::ExpectCertificateVerify(_) => "ExpectCertificateVerify",
            State::ExpectFinished(_) => "ExpectFinished",
            State::Established(_) => "Established",
            State::Closed => "Closed",
            State::Failed => "Failed",
        }
    }

    pub(crate) fn is_established(&self) -> bool {
        matches!(self, State::Established(_))
    }

    /// Epoch-0 records are accepted only before ServerHello.
    pub(crate) fn expects_plaintext(&self) -> bool {
        matches!(self, State::ExpectServerHello(_))
    }

    /// Receiving the server's encrypted flight.
    pub(crate) fn awaits_server_flight(&self) -> bool {
        matches!(
            self,
            State::ExpectEncryptedExtensions(_)
                | State::ExpectCertificate(_)
                | State::ExpectCertificateVerify(_)
                | State::ExpectFinished(_)
        )
    }
}

pub(super) use super::handshake13::{crypto, decode_err, unexpected};

impl Client13 {
    /// RFC 8446 §4.4.2–§4.4.3: our Certificate (echoing the request context) and, when we
    /// have an identity whose key can sign with a scheme the server accepts (TLS 1.3
    /// schemes only), our CertificateVerify over the transcript through that Certificate.
    /// Without one, an empty Certificate: the server decides whether to go on.
    fn client_auth(
        &mut self,
        h: &mut Handshaking,
        cr: CertificateRequest,
        flight: &mut Vec<super::flight::OutMsg>,
    ) -> Result<(), Error> {
        let accepted = hs13::tls13_sig_schemes(&cr.schemes);
        let cfg = self.ch.cfg.clone();
        let signer = cfg.identity().and_then(|id| {
            let scheme = if accepted.is_empty() {
                None
            } else {
                id.key.choose_scheme(&accepted)
            };
            scheme.map(|s| (id, s))
        });
        let chain = signer
            .map(|(id, _)| id.chain.as_slice())
            .unwrap_or_default();
        let c = hs13::certificate_body(cr.context, chain);
        h.add(hs::CERTIFICATE, &c);
        flight.push(self.ch.next_msg(2, hs::CERTIFICATE, c));
        if let Some((id, scheme)) = signer {
            let cv = hs13::certificate_verify_body(&id.key, scheme, false, &h.hash())?;
            h.add(hs::CERTIFICATE_VERIFY, &cv);
            flight.push(self.ch.next_msg(2, hs::CERTIFICATE_VERIFY, cv));
        }
        Ok(())
    }

    /// Sends ClientHello1.
    pub(crate) fn start(&mut self, now: Instant) -> Result<State, Error> {
        let group = self.offered_groups()[0];
        let share = self.key_pair(group)?;
        let random = match &self.legacy {
            Some(l) => l.random,
            None => self.random(),
        };
        let psk = self.ticket_to_offer(now);
        let body = self.client_hello_body(
            random,
            &share,
            None,
            psk.as_ref().map(|t| (t, now, &[][..])),
        )?;
        let mut transcript = Vec::new();
        messages::transcript_message(&mut transcript, hs::CLIENT_HELLO, &body);
        let m = self.ch.next_msg(0, hs::CLIENT_HELLO, body);
        self.ch.send_flight(now, vec![m])?;
        Ok(State::ExpectServerHello(Box::new(ExpectServerHello {
            random,
            share,
            transcript,
            hrr_suite: None,
            psk,
        })))
    }

    /// Dispatches one reassembled handshake message that arrived in `epoch`.
    pub(crate) fn on_handshake_message(
        &mut self,
        now: Instant,
        epoch: u64,
        typ: u8,
        body: &[u8],
    ) -> Result<(), Error> {
        let state = std::mem::replace(&mut self.ch.state, State::Failed);
        self.ch.state = match (state, typ) {
            (State::ExpectServerHello(s), hs::SERVER_HELLO) if epoch == 0 => {
                self.on_server_hello(now, *s, body)?
            }
            (State::ExpectEncryptedExtensions(h), hs::ENCRYPTED_EXTENSIONS) if epoch == 2 => {
                self.on_encrypted_extensions(h, body)?
            }
            (State::ExpectCertificate(mut h), hs::CERTIFICATE_REQUEST)
                if epoch == 2 && h.cert_request.is_none() =>
            {
                // RFC 8446 §4.3.2; answered after the server's Finished (§4.4.2).
                h.cert_request = Some(CertificateRequest::decode(body).map_err(decode_err)?);
                h.add(typ, body);
                State::ExpectCertificate(h)
            }
            (State::ExpectCertificate(h), hs::CERTIFICATE) if epoch == 2 => {
                self.on_certificate(h, body)?
            }
            (State::ExpectCertificateVerify(h), hs::CERTIFICATE_VERIFY) if epoch == 2 => {
                self.on_certificate_verify(h, body)?
            }
            (State::ExpectFinished(h), hs::FINISHED) if epoch == 2 => {
                self.on_finished(now, h, body)?
            }
            (State::Established(e), hs::NEW_SESSION_TICKET) if epoch >= 3 => {
                self.on_new_session_ticket(now, &e, body)?;
                State::Established(e)
            }
            (State::Established(e), hs::KEY_UPDATE) if epoch >= 3 => {
                self.on_key_update(now, e, epoch, body)?
            }
            (State::Established(e), hs::NEW_CONNECTION_ID | hs::REQUEST_CONNECTION_ID)
                if epoch >= 3 =>
            {
                self.on_cid_message(now, typ, body)?;
                State::Established(e)
            }
            (s @ State::Closed, _) => s,
            (s, _) => {
                return Err(unexpected(&format!(
                    "handshake message {typ} in epoch {epoch} in state {}",
                    s.name()
                )))
            }
        };
        Ok(())
    }

    fn on_server_hello(
        &mut self,
        now: Instant,
        mut s: ExpectServerHello,
        body: &[u8],
    ) -> Result<State, Error> {
        let sh = ServerHello::decode(body).map_err(decode_err)?;
        let mut version = None;
        let mut key_share = None;
        let mut cookie = None;
        let mut hrr_group = None;
        let mut selected_psk = None;
        let mut peer_cid = None;
        let is_hrr = sh.is_hello_retry_request();
        for (typ, data) in &sh.extensions {
            match *typ {
                ext_type::SUPPORTED_VERSIONS => {
                    version = Some(ext::decode_version_server(data).map_err(decode_err)?)
                }
                ext_type::KEY_SHARE if is_hrr => {
                    hrr_group = Some(ext::decode_key_share_hrr(data).map_err(decode_err)?)
                }
                ext_type::KEY_SHARE => {
                    key_share = Some(ext::decode_key_share_server(data).map_err(decode_err)?)
                }
                ext_type::COOKIE if is_hrr => {
                    cookie = Some(ext::decode_cookie(data).map_err(decode_err)?.to_vec())
                }
                ext_type::PRE_SHARED_KEY if !is_hrr => {
                    selected_psk = Some(psk::decode_selected(data).map_err(decode_err)?)
                }
                // RFC 9146 §3: only in answer to ours, never in a HelloRetryRequest.
                ext_type::CONNECTION_ID if !is_hrr && self.own_cid.is_some() => {
                    let c = super::connection_id::decode_extension(data).map_err(decode_err)?;
                    peer_cid = Some(c.to_vec())
                }
                _ => return Err(Error::alert(AD::UNSUPPORTED_EXTENSION, "in ServerHello")),
            }
        }
        // RFC 8446 §4.1.3: no supported_versions means (D)TLS 1.2, which this client does
        // not speak (version fallback is the Connection's job).
        if version != Some(DTLS1_3) {
            return Err(Error::alert(
                AD::PROTOCOL_VERSION,
                "server did not select DTLS 1.3",
            ));
        }
        let suite = Suite13::from_u16(sh.cipher_suite)
            .filter(|s| self.opts.suites.contains(s))
            .ok_or_else(|| Error::alert(AD::ILLEGAL_PARAMETER, "suite not offered"))?;
        if !sh.legacy_session_id_echo.is_empty() {
            return Err(Error::alert(AD::ILLEGAL_PARAMETER, "session id echo"));
        }
        if s.hrr_suite.is_some_and(|h| h != suite) {
            return Err(Error::alert(
                AD::ILLEGAL_PARAMETER,
                "suite differs from HRR",
            ));
        }
        let ks = KeySchedule::dtls13(suite.hash());
        if is_hrr {
            return self.on_hello_retry(now, s, (suite, ks), body, hrr_group, cookie);
        }
        let share = key_share.ok_or_else(|| Error::alert(AD(109), "key_share"))?;
        if share.group != s.share.group().0 {
            return Err(Error::alert(AD::ILLEGAL_PARAMETER, "key_share group"));
        }
        let shared = s
            .share
            .agree(&share.key_exchange)
            .map_err(|_| Error::alert(AD::ILLEGAL_PARAMETER, "bad key share"))?;
        if let Some(f) = self.ch.flight.as_mut() {
            f.implicitly_acked(); // §7.1: ServerHello acknowledges ClientHello
        }
        self.ch.group = Some(share.group);
        self.ch.randoms = Some((s.random, sh.random));
        messages::transcript_message(&mut s.transcript, hs::SERVER_HELLO, body);
        // RFC 8446 §4.2.11: the server may pick only an identity we offered, with a suite
        // of the PSK's hash; otherwise the handshake is a full one.
        let psk = match (selected_psk, &s.psk) {
            (None, _) => None,
            (Some(0), Some(t)) if t.suite.hash() == suite.hash() => Some(t.psk.as_slice()),
            (Some(_), _) => return Err(Error::alert(AD::ILLEGAL_PARAMETER, "selected_identity")),
        };
        let resumed = psk.is_some();
        let mut ticket_verify_code = None;
        if let (true, Some(t)) = (resumed, &s.psk) {
            // The original connection's chain and verify result (client_resume.rs).
            self.ch.peer_certs = t.peer_certs.clone();
            ticket_verify_code = t.verify_code;
        }
        // RFC 9147 §9: CIDs are used from the first protected record on when both
        // hellos carried the extension.
        match (&self.own_cid, peer_cid) {
            (Some(own), Some(peer)) => {
                let own = own.clone();
                self.ch.negotiate_cids(&own, &peer)?
            }
            _ => self.ch.rl.clear_own_cids(),
        }
        // From here on the transcript is only hashed: a running hash.
        let transcript = Transcript::new(&ks, &s.transcript);
        let (handshake_secret, c_hs, s_hs) =
            hs13::handshake_secrets(&ks, psk, &shared, &transcript.hash())?;
        self.ch
            .log_handshake_secrets(c_hs.as_bytes(), s_hs.as_bytes());
        self.ch.rl.install_recv(&ks, suite, 2, &s_hs)?;
        self.ch.rl.install_send(&ks, suite, 2, &c_hs)?;
        self.ch.send_epoch = 2;
        Ok(State::ExpectEncryptedExtensions(Box::new(Handshaking {
            suite,
            ks,
            transcript,
            handshake_secret,
            c_hs,
            s_hs,
            cert_request: None,
            resumed,
            ticket_verify_code,
        })))
    }

    /// RFC 8446 §4.1.4: a HelloRetryRequest must change something (cookie or group), the
    /// group must be one we support and did not already share; then ClientHello2 with
    /// the same random and, after the message_hash rewrite (§4.4.1), a new transcript.
    fn on_hello_retry(
        &mut self,
        now: Instant,
        s: ExpectServerHello,
        (suite, ks): (Suite13, KeySchedule),
        body: &[u8],
        hrr_group: Option<u16>,
        cookie: Option<Vec<u8>>,
    ) -> Result<State, Error> {
        if s.hrr_suite.is_some() {
            return Err(unexpected("second HelloRetryRequest"));
        }
        let share = match hrr_group {
            Some(g) if g == s.share.group().0 => {
                return Err(Error::alert(
                    AD::ILLEGAL_PARAMETER,
                    "HRR asks for our group",
                ))
            }
            Some(g) if self.offered_groups().contains(&g) => self.key_pair(g)?,
            Some(_) => return Err(Error::alert(AD::ILLEGAL_PARAMETER, "HRR group not offered")),
            None if cookie.is_some() => s.share,
            None => return Err(Error::alert(AD::ILLEGAL_PARAMETER, "HRR changes nothing")),
        };
        self.ch.events.push_back(Event13::HelloRetryRequest {
            cookie: cookie.is_some(),
            group: hrr_group,
        });
        // ClientHello2 acknowledges the HelloRetryRequest implicitly (RFC 9147 §7.1).
        self.plain_records.clear();
        let mut transcript = messages::message_hash(&ks, &s.transcript);
        messages::transcript_message(&mut transcript, hs::SERVER_HELLO, body);
        // The ticket again, with its binder over the new transcript, if its hash still fits
        // the suite the HelloRetryRequest chose (§4.1.4).
        let psk = s.psk.filter(|t| t.suite.hash() == suite.hash());
        let offer = psk.as_ref().map(|t| (t, now, transcript.as_slice()));
        let ch2 = self.client_hello_body(s.random, &share, cookie.as_deref(), offer)?;
        messages::transcript_message(&mut transcript, hs::CLIENT_HELLO, &ch2);
        let m = self.ch.next_msg(0, hs::CLIENT_HELLO, ch2);
        self.ch.send_flight(now, vec![m])?;
        Ok(State::ExpectServerHello(Box::new(ExpectServerHello {
            random: s.random,
            share,
            transcript,
            hrr_suite: Some(suite),
            psk,
        })))
    }

    /// The server's chain, verified by the configured verifier (the same call as the 1.2
    /// client's `verify_peer`: trust store, verify mode, depth, expected names).
    fn on_certificate(&mut self, mut h: Box<Handshaking>, body: &[u8]) -> Result<State, Error> {
        let cert = Certificate::decode(body).map_err(decode_err)?;
        if !cert.request_context.is_empty() {
            return Err(Error::alert(
                AD::ILLEGAL_PARAMETER,
                "certificate_request_context",
            ));
        }
        if cert.entries.is_empty() {
            // RFC 8446 §4.4.2.4: a server must send a certificate.
            return Err(decode_err("empty server Certificate"));
        }
        let chain: Vec<Vec<u8>> = cert.entries.into_iter().map(|e| e.cert_data).collect();
        let code = self.check_server_chain(&chain)?;
        self.ch.verify_code = Some(code);
        self.ch
            .events
            .push_back(Event13::PeerCertificate(chain[0].clone()));
        self.ch.peer_certs = chain;
        h.add(hs::CERTIFICATE, body);
        Ok(State::ExpectCertificateVerify(h))
    }

    /// The server's chain through the configured verifier (the same call as the 1.2
    /// client's `verify_peer`): an error when it fails and verification is enforced.
    pub(crate) fn check_server_chain(&self, chain: &[Vec<u8>]) -> Result<i32, Error> {
        hs13::verify_chain(
            &self.ch.cfg,
            self.ch.verifier.as_ref(),
            chain,
            self.expected_names(),
            true,
        )
    }

    /// The names the server certificate must match: `verify_names`, else the SNI name;
    /// `None` when no hostname check is configured.
    pub(crate) fn expected_names(&self) -> Option<&[String]> {
        let names = if self.opts.verify_names.is_empty() {
            self.opts.server_name.as_slice()
        } else {
            self.opts.verify_names.as_slice()
        };
        self.ch.cfg.verify_hostname.then_some(names)
    }

    /// RFC 8446 §4.4.3: the signature over the transcript through Certificate, with a
    /// scheme we offered, by the leaf's key.
    fn on_certificate_verify(
        &mut self,
        mut h: Box<Handshaking>,
        body: &[u8],
    ) -> Result<State, Error> {
        let schemes = self.offered_schemes();
        hs13::check_certificate_verify(&schemes, &self.ch.peer_certs, true, &h.hash(), body)?;
        h.add(hs::CERTIFICATE_VERIFY, body);
        Ok(State::ExpectFinished(h))
    }

    /// RFC 8446 §4.4.4: the server's Finished, then application secrets, then our
    /// (empty Certificate and) Finished at epoch 2; our sending moves to epoch 3.
    fn on_finished(
        &mut self,
        now: Instant,
        mut h: Box<Handshaking>,
        body: &[u8],
    ) -> Result<State, Error> {
        let ks = h.ks;
        hs13::check_finished(&ks, &h.s_hs, &h.hash(), body, "server Finished")?;
        h.add(hs::FINISHED, body);
        let hs13::AppSecrets {
            master,
            c_ap,
            s_ap,
            exporter_master,
        } = hs13::app_secrets(&ks, &h.handshake_secret, &h.hash())?;
        self.ch
            .log_app_secrets(c_ap.as_bytes(), s_ap.as_bytes(), exporter_master.as_bytes());
        let mut flight = Vec::new();
        if let Some(cr) = h.cert_request.take() {
            self.client_auth(&mut h, cr, &mut flight)?;
        }
        let c_key = ks.finished_key(&h.c_hs).map_err(crypto)?;
        let fin = ks.verify_data(&c_key, &h.hash());
        h.add(hs::FINISHED, fin.as_bytes());
        flight.push(self.ch.next_msg(2, hs::FINISHED, fin.as_bytes().to_vec()));
        let resumption_master = ks
            .derive_secret(&master, labels::RES_MASTER, &h.hash())
            .map_err(crypto)?;
        self.ch.rl.install_recv(&ks, h.suite, 3, &s_ap)?;
        self.ch.send_flight(now, flight)?;
        self.ch.rl.install_send(&ks, h.suite, 3, &c_ap)?;
        self.ch.send_epoch = 3;
        self.ch.ack_at = None;
        self.ch.hs_records.clear();
        self.ch.resumed = h.resumed;
        if h.resumed {
            self.ch.verify_code = h.ticket_verify_code;
        }
        self.ch.events.push_back(Event13::HandshakeComplete);
        Ok(State::Established(Box::new(Established {
            suite: h.suite,
            ks,
            send: TrafficEpoch::application(c_ap),
            recv: TrafficEpoch::application(s_ap),
            resumption_master,
            exporter_master,
            send_next: None,
        })))
    }
}
