//! The server's answer to a ClientHello (RFC 8446 §4.1, RFC 9147 §5): version, suite,
//! group and signature scheme selection; a stateless HelloRetryRequest whose cookie
//! carries (authenticated by the configuration's cookie HMAC key) the hash of ClientHello1
//! and the choices made, so nothing is kept until ClientHello2 (RFC 9147 §5.1, RFC 8446
//! §4.2.2); then our flight: ServerHello, EncryptedExtensions, (CertificateRequest),
//! Certificate, CertificateVerify, Finished.

use std::time::Instant;

use rand::RngCore;

use super::client_hello::TLS13_SCHEMES;
use super::extensions::{self as ext, ext_type, KeyShareEntry, DTLS1_3};
use super::flight::OutFlight;
use super::handshake13 as hs13;
use super::hello::{find_extension, msg_type as hs, ClientHello, ServerHello};
use super::hrr_cookie::{self, ChoiceError, CookieState};
use super::key_schedule::KeySchedule;
use super::messages::{self, CertificateRequest};
use super::record_protection::Suite13;
use super::server::{Server13, ServerEvent13};
use super::server_states::{crypto, decode_err, SHandshaking, SState};
use super::transcript::Transcript;
use crate::crypto::ecdhe::EphemeralKeyPair;
use crate::enums::SignatureScheme;
use crate::error::{AlertDescription as AD, Error};

/// The `certificate_authorities` extension body (RFC 8446 §4.2.4): the configured CA names
/// as `DistinguishedName authorities<3..2^16-1>`, each `opaque DistinguishedName<1..2^16-1>`;
/// None without names. Names that would overflow the list are left out (a hint only).
fn certificate_authorities(names: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut list = Vec::new();
    for n in names {
        if n.is_empty() || list.len() + 2 + n.len() > usize::from(u16::MAX) {
            continue;
        }
        list.extend_from_slice(&(n.len() as u16).to_be_bytes());
        list.extend_from_slice(n);
    }
    if list.is_empty() {
        return None;
    }
    let mut b = (list.len() as u16).to_be_bytes().to_vec();
    b.extend_from_slice(&list);
    Some(b)
}

fn failure(what: &str) -> Error {
    Error::alert(AD::HANDSHAKE_FAILURE, what.to_string())
}

impl Server13 {
    /// Groups we do key exchange in: the configuration's TLS 1.3-capable ones.
    fn our_groups(&self) -> Vec<u16> {
        hs13::tls13_groups(&self.ch.cfg)
    }

    /// A fresh key pair in `group` (from the seeded RNG in test builds).
    fn key_pair(&mut self, group: u16) -> Result<EphemeralKeyPair, Error> {
        hs13::key_pair(&self.ch.cfg, &mut self.rng, group)
    }

    /// Checks ClientHello2's cookie: ours for this peer and random, and, with
    /// application cookie hooks and the return-routability check on, the application's
    /// part accepted by its verify callback (as a 1.2 cookie would be).
    fn check_cookie(
        &mut self,
        now: Instant,
        cookie: &[u8],
        random: &[u8; 32],
    ) -> Option<CookieState> {
        let keys = self.ch.cfg.cookie_keys().clone();
        let st = hrr_cookie::check(&keys, now, &self.opts.peer_addr, cookie, random)?;
        match (&st.app, self.cookie_hooks.as_mut()) {
            (Some(app), Some(h)) => h.verify(app).then_some(st),
            // Our cookie with no application part: fine unless the application wants to
            // judge return-routability itself.
            (None, Some(_)) if self.opts.cookie => None,
            (None, _) => Some(st),
            // An application part nobody here can judge: fail closed.
            (Some(_), None) => None,
        }
    }

    /// ClientHello: a HelloRetryRequest (stateless, state unchanged) or our flight.
    pub(crate) fn on_client_hello(
        &mut self,
        now: Instant,
        seq: u16,
        body: &[u8],
    ) -> Result<SState, Error> {
        if self.parked_hello.is_some() {
            // A retransmitted ClientHello while the hook is paused: the parked one is
            // answered when the application resumes it.
            return Ok(SState::ExpectClientHello);
        }
        let ch = ClientHello::decode(body).map_err(decode_err)?;
        let exts = &ch.extensions;
        let versions = find_extension(exts, ext_type::SUPPORTED_VERSIONS)
            .map(ext::decode_versions_client)
            .transpose()
            .map_err(decode_err)?
            .unwrap_or_default();
        if !versions.contains(&DTLS1_3) {
            return Err(Error::alert(AD::PROTOCOL_VERSION, "DTLS 1.3 not offered"));
        }
        // RFC 9147 §5.3: the DTLS 1.2 cookie field is empty in DTLS 1.3 (the cookie is an
        // extension now).
        if !ch.legacy_cookie.is_empty() {
            return Err(Error::alert(
                AD::ILLEGAL_PARAMETER,
                "legacy_cookie not empty",
            ));
        }
        let (suite, hrr_group) = hrr_cookie::choose(&self.opts.suites, &self.our_groups(), &ch)
            .map_err(|e| match e {
                ChoiceError::Decode => decode_err("key_share or supported_groups"),
                ChoiceError::NoSuite => failure("no common cipher suite"),
                ChoiceError::MissingKeyShare => Error::alert(AD(109), "key_share"),
                ChoiceError::MissingGroups => Error::alert(AD(109), "supported_groups"),
                ChoiceError::NoGroup => failure("no common group"),
            })?;
        let shares = find_extension(exts, ext_type::KEY_SHARE)
            .map(ext::decode_key_share_client)
            .transpose()
            .map_err(decode_err)?
            .unwrap_or_default();
        let schemes = find_extension(exts, ext_type::SIGNATURE_ALGORITHMS)
            .map(ext::decode_u16_list)
            .transpose()
            .map_err(decode_err)?
            .ok_or_else(|| Error::alert(AD(109), "signature_algorithms"))?;
        let ours = self.our_groups();
        let share = ours
            .iter()
            .find_map(|g| shares.iter().find(|s| s.group == *g))
            .cloned();
        let cookie = find_extension(exts, ext_type::COOKIE)
            .map(ext::decode_cookie)
            .transpose()
            .map_err(decode_err)?;
        let ks = KeySchedule::dtls13(suite.hash());
        let mut transcript = Vec::new();
        if let Some(cookie) = cookie {
            // ClientHello2: everything about ClientHello1 comes from the cookie.
            let st = self
                .check_cookie(now, cookie, &ch.random)
                .ok_or_else(|| Error::alert(AD::ILLEGAL_PARAMETER, "invalid cookie"))?;
            if st.suite != suite {
                return Err(Error::alert(
                    AD::ILLEGAL_PARAMETER,
                    "suite changed after HRR",
                ));
            }
            if st.group != 0 && share.as_ref().map(|s| s.group) != Some(st.group) {
                return Err(Error::alert(
                    AD::ILLEGAL_PARAMETER,
                    "HRR key_share not used",
                ));
            }
            messages::transcript_message(&mut transcript, hs::MESSAGE_HASH, &st.ch1_hash);
            let hrr = hrr_cookie::hrr_body(&st, cookie);
            messages::transcript_message(&mut transcript, hs::SERVER_HELLO, &hrr);
        } else if hrr_group != 0 || self.opts.cookie {
            // The application's cookie rides inside ours when it checks
            // return-routability itself (SSL_CTX_set_cookie_generate_cb); a generate
            // callback that fails drops the ClientHello, as in 1.2.
            let app = match (self.opts.cookie, self.cookie_hooks.as_mut()) {
                (true, Some(h)) => match h.generate() {
                    Some(a) if !a.is_empty() && a.len() <= crate::cookie::MAX_COOKIE_LEN => Some(a),
                    _ => return Ok(SState::ExpectClientHello),
                },
                _ => None,
            };
            let st = hrr_cookie::state_for(suite, hrr_group, body, app);
            let keys = self.ch.cfg.cookie_keys().clone();
            let c = hrr_cookie::make(&keys, now, &self.opts.peer_addr, &st, &ch.random);
            let hrr = hrr_cookie::hrr_body(&st, &c);
            self.send_stateless(now, seq, hrr)?;
            self.ch
                .events
                .push_back(ServerEvent13::HelloRetryRequest(self.opts.cookie));
            return Ok(SState::ExpectClientHello);
        }
        let share = share.ok_or_else(|| Error::alert(AD::ILLEGAL_PARAMETER, "key_share"))?;
        // Kept for the group getters as on 1.2 (`hrr_cookie::choose` decoded it already).
        self.peer_groups = find_extension(exts, ext_type::SUPPORTED_GROUPS)
            .map(ext::decode_u16_list)
            .transpose()
            .map_err(decode_err)?
            .unwrap_or_default()
            .into_iter()
            .map(crate::enums::NamedGroup)
            .collect();
        // The application's ClientHello hook, early stage (OpenSSL's client-hello
        // callback): on the ClientHello we answer, after the cookie check, as in 1.2.
        if !self.run_early_hook(seq, body)? {
            return Ok(SState::ExpectClientHello);
        }
        messages::transcript_message(&mut transcript, hs::CLIENT_HELLO, body);
        let accepted = hs13::tls13_sig_schemes(&schemes);
        self.ch.next_msg_seq = seq;
        // After a stateless HelloRetryRequest (which took ClientHello1's record number)
        // ClientHello2's number is higher: ServerHello never repeats the HRR's.
        self.ch.rl.set_plain_send_seq(self.plain_in_seq);
        self.suite = Some(suite);
        self.client_psk_dhe = Self::offers_psk_dhe(&ch)?;
        // The binder covers the transcript before this ClientHello (RFC 8446 §4.2.11.2).
        let prefix_len = transcript.len() - 4 - body.len();
        let psk = self.accept_psk(now, &ch, body, &transcript[..prefix_len], (suite, &ks))?;
        // Second stage (servername and certificate callbacks), after the PSK lookup: it
        // may swap the configuration (certificate) the rest of the handshake uses.
        if !self.run_second_hook(seq, body, &ch, &accepted, psk.is_some())? {
            return Ok(SState::ExpectClientHello);
        }
        let cfg = self.ch.cfg.clone();
        let id = cfg.identity().ok_or_else(|| failure("no identity"))?;
        let scheme = id
            .key
            .choose_scheme(&accepted)
            .ok_or_else(|| failure("no common signature scheme"))?;
        self.server_flight(now, (suite, ks), &ch, (share, psk), transcript, scheme)
    }

    /// A HelloRetryRequest sent once and forgotten: the client's retransmitted
    /// ClientHello gets a fresh one (RFC 9147 §5.1).
    fn send_stateless(&mut self, now: Instant, seq: u16, hrr: Vec<u8>) -> Result<(), Error> {
        self.ch.log_msg(true, hs::SERVER_HELLO, seq, &hrr);
        let m = super::flight::OutMsg {
            epoch: 0,
            msg_type: hs::SERVER_HELLO,
            seq,
            body: hrr,
        };
        let cfg = &self.ch.cfg;
        let timers = (cfg.initial_timeout, cfg.max_timeout, cfg.max_retransmits);
        let mtu = self.ch.mtu;
        let mut f = OutFlight::new(vec![m], mtu, timers)?;
        // RFC 9147 §5.1: the HelloRetryRequest takes the ClientHello's record number.
        self.ch.rl.set_plain_send_seq(self.plain_in_seq);
        let mut dgrams = Vec::new();
        f.transmit(&mut self.ch.rl, now, mtu, true, &mut dgrams)?;
        self.ch.out.extend(dgrams);
        self.ch.reasm.clear();
        self.ch.reasm.set_next_seq(seq.wrapping_add(1));
        Ok(())
    }

    /// ServerHello with our share, the handshake keys, then EncryptedExtensions,
    /// (CertificateRequest), Certificate, CertificateVerify and Finished at epoch 2.
    fn server_flight(
        &mut self,
        now: Instant,
        (suite, ks): (Suite13, KeySchedule),
        ch: &ClientHello,
        (share, psk): (KeyShareEntry, Option<(u16, Vec<u8>)>),
        prefix: Vec<u8>,
        scheme: SignatureScheme,
    ) -> Result<SState, Error> {
        let eph = self.key_pair(share.group)?;
        let our_pub = eph.public_key().to_vec();
        let shared = eph
            .agree(&share.key_exchange)
            .map_err(|_| Error::alert(AD::ILLEGAL_PARAMETER, "bad key share"))?;
        let mut random = [0u8; 32];
        self.rng.fill_bytes(&mut random);
        self.ch.group = Some(share.group);
        self.ch.randoms = Some((ch.random, random));
        let mut sv = Vec::new();
        ext::encode_version_server(&mut sv, DTLS1_3);
        let mut ksb = Vec::new();
        ext::encode_key_share_server(
            &mut ksb,
            &KeyShareEntry {
                group: share.group,
                key_exchange: our_pub,
            },
        );
        let mut extensions = vec![
            (ext_type::SUPPORTED_VERSIONS, sv),
            (ext_type::KEY_SHARE, ksb),
        ];
        if let Some((index, _)) = &psk {
            let mut b = Vec::new();
            super::psk::encode_selected(&mut b, *index);
            extensions.push((ext_type::PRE_SHARED_KEY, b));
        }
        // RFC 9146 §3 / RFC 9147 §9: our CID in answer to the client's; from epoch 2 on
        // our records carry the client's CID and its records must carry ours.
        let client_cid = find_extension(&ch.extensions, ext_type::CONNECTION_ID)
            .map(super::connection_id::decode_extension)
            .transpose()
            .map_err(decode_err)?;
        if let (Some(own), Some(peer)) = (self.own_cid.clone(), client_cid) {
            let mut b = Vec::new();
            super::connection_id::encode_extension(&mut b, &own);
            extensions.push((ext_type::CONNECTION_ID, b));
            self.ch.negotiate_cids(&own, peer)?;
        }
        let mut sh = Vec::new();
        ServerHello {
            random,
            // RFC 9147 §5: never echoed (wolfSSL's client refuses a non-empty echo).
            legacy_session_id_echo: Vec::new(),
            cipher_suite: suite.to_u16(),
            extensions,
        }
        .encode(&mut sh);
        // From here on the transcript is only hashed: a running hash.
        let mut transcript = Transcript::new(&ks, &prefix);
        transcript.add(hs::SERVER_HELLO, &sh);
        let mut flight = vec![self.ch.next_msg(0, hs::SERVER_HELLO, sh)];
        self.ch.resumed = psk.is_some();
        let (handshake_secret, c_hs, s_hs) = hs13::handshake_secrets(
            &ks,
            psk.as_ref().map(|p| p.1.as_slice()),
            &shared,
            &transcript.hash(),
        )?;
        self.ch
            .log_handshake_secrets(c_hs.as_bytes(), s_hs.as_bytes());
        self.ch.rl.install_send(&ks, suite, 2, &s_hs)?;
        self.ch.rl.install_recv(&ks, suite, 2, &c_hs)?;
        let add = |s: &mut Self, t: &mut Transcript, typ: u8, body: Vec<u8>| {
            t.add(typ, &body);
            s.ch.next_msg(2, typ, body)
        };
        let ee = self.encrypted_extensions(ch)?;
        flight.push(add(self, &mut transcript, hs::ENCRYPTED_EXTENSIONS, ee));
        // A resumed handshake authenticates with the PSK: no certificates (§2.2).
        let cert_context = (self.opts.request_client_cert && !self.ch.resumed).then(Vec::new);
        if let Some(ctx) = &cert_context {
            let mut b = Vec::new();
            CertificateRequest {
                context: ctx.clone(),
                schemes: TLS13_SCHEMES.to_vec(),
                extensions: certificate_authorities(&self.ch.cfg.certificate_authorities)
                    .map(|b| (ext_type::CERTIFICATE_AUTHORITIES, b))
                    .into_iter()
                    .collect(),
            }
            .encode(&mut b);
            flight.push(add(self, &mut transcript, hs::CERTIFICATE_REQUEST, b));
        }
        if !self.ch.resumed {
            self.certificate_and_verify(&mut flight, &mut transcript, scheme)?;
        }
        let s_key = ks.finished_key(&s_hs).map_err(crypto)?;
        let fin = ks.verify_data(&s_key, &transcript.hash());
        flight.push(add(
            self,
            &mut transcript,
            hs::FINISHED,
            fin.as_bytes().to_vec(),
        ));
        let th = transcript.hash();
        let hs13::AppSecrets {
            master,
            c_ap,
            s_ap,
            exporter_master,
        } = hs13::app_secrets(&ks, &handshake_secret, &th)?;
        self.ch
            .log_app_secrets(c_ap.as_bytes(), s_ap.as_bytes(), exporter_master.as_bytes());
        self.ch.send_epoch = 2;
        self.ch.send_flight(now, flight)?;
        // Epoch 3 keys are ready; they are used once the client's Finished verified.
        self.ch.rl.install_send(&ks, suite, 3, &s_ap)?;
        let h = SHandshaking {
            suite,
            ks,
            transcript,
            c_hs,
            master,
            c_ap,
            s_ap,
            exporter_master,
            cert_context,
        };
        Ok(if h.cert_context.is_some() {
            SState::ExpectCertificate(Box::new(h))
        } else {
            SState::ExpectFinished(Box::new(h))
        })
    }

    /// Certificate (our chain) and CertificateVerify over the transcript through it
    /// (RFC 8446 §4.4.2–§4.4.3), signed with the configured key.
    fn certificate_and_verify(
        &mut self,
        flight: &mut Vec<super::flight::OutMsg>,
        transcript: &mut Transcript,
        scheme: SignatureScheme,
    ) -> Result<(), Error> {
        let cfg = self.ch.cfg.clone();
        let id = cfg.identity().ok_or_else(|| failure("no identity"))?;
        let cert = hs13::certificate_body(Vec::new(), &id.chain);
        transcript.add(hs::CERTIFICATE, &cert);
        flight.push(self.ch.next_msg(2, hs::CERTIFICATE, cert));
        let cv = hs13::certificate_verify_body(&id.key, scheme, true, &transcript.hash())?;
        transcript.add(hs::CERTIFICATE_VERIFY, &cv);
        flight.push(self.ch.next_msg(2, hs::CERTIFICATE_VERIFY, cv));
        Ok(())
    }
}
