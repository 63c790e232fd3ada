//! The server's handshake states (RFC 8446 §4, Appendix A.2) and their dispatch, and the
//! client's final flight: optional Certificate and CertificateVerify, then Finished
//! (RFC 8446 §4.4). ClientHello and our flight are in `server_hello.rs`, KeyUpdate
//! (shared with the client) in `key_update.rs`. A message of the wrong type or epoch for the state is
//! fatal with unexpected_message.

use std::time::Instant;

use super::client_hello::TLS13_SCHEMES;
use super::epoch::TrafficEpoch;
use super::handshake13 as hs13;
use super::hello::msg_type as hs;
use super::key_schedule::{labels, KeySchedule, Secret};
use super::messages::Certificate;
use super::record_protection::Suite13;
use super::server::{Server13, ServerEvent13};
use super::transcript::{Transcript, TranscriptHash};
use crate::config::VerifyMode;
use crate::error::{AlertDescription as AD, Error};

/// After our flight, waiting for the client's: the secrets it needs.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct SHandshaking {
    pub(crate) suite: Suite13,
    pub(crate) ks: KeySchedule,
    /// Through our Finished, then the client's messages as they arrive.
    pub(crate) transcript: Transcript,
    pub(crate) c_hs: Secret,
    pub(crate) master: Secret,
    pub(crate) c_ap: Secret,
    pub(crate) s_ap: Secret,
    pub(crate) exporter_master: Secret,
    /// The context of our CertificateRequest, when we sent one.
    pub(crate) cert_context: Option<Vec<u8>>,
}

impl SHandshaking {
    pub(crate) fn add(&mut self, typ: u8, body: &[u8]) {
        self.transcript.add(typ, body);
    }

    pub(crate) fn hash(&self) -> TranscriptHash {
        self.transcript.hash()
    }
}

/// After the handshake (the same for both roles).
pub use super::key_update::Established as SEstablished;

/// The server's state.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub enum SState {
    /// Waiting for a ClientHello (also after a stateless HelloRetryRequest: nothing of
    /// ClientHello1 is kept but what the cookie carries).
    ExpectClientHello,
    ExpectCertificate(Box<SHandshaking>),
    ExpectCertificateVerify(Box<SHandshaking>),
    ExpectFinished(Box<SHandshaking>),
    Established(Box<SEstablished>),
    Closed,
    Failed,
}

impl SState {
    /// A short name for logs and tests.
    pub fn name(&self) -> &'static str {
        match self {
            SState::ExpectClientHello => "ExpectClientHello",
            SState::ExpectCertificate(_) => "ExpectCertificate",
            SState::ExpectCertificateVerify(_) => "ExpectCertificateVerify",
            SState::ExpectFinished(_) => "ExpectFinished",
            SState::Established(_) => "Established",
            SState::Closed => "Closed",
            SState::Failed => "Failed",
        }
    }

    pub(crate) fn is_established(&self) -> bool {
        matches!(self, SState::Established(_))
    }

    /// Receiving the client's final flight (its Certificate, CertificateVerify, Finished).
    pub(crate) fn awaits_client_flight(&self) -> bool {
        matches!(
            self,
            SState::ExpectCertificate(_)
                | SState::ExpectCertificateVerify(_)
                | SState::ExpectFinished(_)
        )
    }

    /// Epoch-0 records are accepted only before our ServerHello.
    pub(crate) fn expects_plaintext(&self) -> bool {
        matches!(self, SState::ExpectClientHello)
    }
}

pub(super) use super::handshake13::{crypto, decode_err, unexpected};

impl Server13 {
    /// Dispatches one reassembled handshake message that arrived in `epoch` with
    /// message_seq `seq`.
    pub(crate) fn on_handshake_message(
        &mut self,
        now: Instant,
        epoch: u64,
        seq: u16,
        typ: u8,
        body: &[u8],
    ) -> Result<(), Error> {
        let state = std::mem::replace(&mut self.ch.state, SState::Failed);
        self.ch.state = match (state, typ) {
            (SState::ExpectClientHello, hs::CLIENT_HELLO) if epoch == 0 => {
                self.on_client_hello(now, seq, body)?
            }
            (SState::ExpectCertificate(h), hs::CERTIFICATE) if epoch == 2 => {
                self.on_client_certificate(h, body)?
            }
            (SState::ExpectCertificateVerify(h), hs::CERTIFICATE_VERIFY) if epoch == 2 => {
                self.on_client_certificate_verify(h, body)?
            }
            (SState::ExpectFinished(h), hs::FINISHED) if epoch == 2 => {
                self.on_client_finished(now, h, body)?
            }
            (SState::Established(mut e), hs::KEY_UPDATE) if epoch >= 3 => {
                self.ch.on_key_update(now, &mut e, epoch, body)?;
                SState::Established(e)
            }
            (SState::Established(e), hs::NEW_CONNECTION_ID) if epoch >= 3 => {
                self.ch.on_new_connection_id(body)?;
                SState::Established(e)
            }
            (SState::Established(e), hs::REQUEST_CONNECTION_ID) if epoch >= 3 => {
                let rng = &mut self.rng;
                self.ch.on_request_connection_id(now, body, &mut |len| {
                    let mut c = vec![0u8; len];
                    rand::RngCore::fill_bytes(rng, &mut c);
                    c
                })?;
                SState::Established(e)
            }
            (s @ SState::Closed, _) => s,
            (s, _) => {
                return Err(unexpected(&format!(
                    "handshake message {typ} in epoch {epoch} in state {}",
                    s.name()
                )))
            }
        };
        Ok(())
    }

    /// RFC 8446 §4.4.2: the client's chain, echoing our context; empty is allowed unless
    /// the configuration requires a certificate (certificate_required, §4.4.2.4).
    fn on_client_certificate(
        &mut self,
        mut h: Box<SHandshaking>,
        body: &[u8],
    ) -> Result<SState, Error> {
        let cert = Certificate::decode(body).map_err(decode_err)?;
        if Some(&cert.request_context) != h.cert_context.as_ref() {
            return Err(Error::alert(
                AD::ILLEGAL_PARAMETER,
                "certificate_request_context",
            ));
        }
        h.add(hs::CERTIFICATE, body);
        if cert.entries.is_empty() {
            if self.ch.cfg.verify_mode == VerifyMode::RequirePeerCertificate {
                return Err(Error::alert(AD(116), "no client certificate"));
            }
            return Ok(SState::ExpectFinished(h));
        }
        let chain: Vec<Vec<u8>> = cert.entries.into_iter().map(|e| e.cert_data).collect();
        let code =
            hs13::verify_chain(&self.ch.cfg, self.ch.verifier.as_ref(), &chain, None, false)?;
        self.ch.verify_code = Some(code);
        self.ch
            .events
            .push_back(ServerEvent13::PeerCertificate(chain[0].clone()));
        self.ch.peer_certs = chain;
        Ok(SState::ExpectCertificateVerify(h))
    }

    /// RFC 8446 §4.4.3: the client's signature over the transcript through its
    /// Certificate, with a TLS 1.3 scheme, by its leaf's key.
    fn on_client_certificate_verify(
        &mut self,
        mut h: Box<SHandshaking>,
        body: &[u8],
    ) -> Result<SState, Error> {
        hs13::check_certificate_verify(
            &TLS13_SCHEMES,
            &self.ch.peer_certs,
            false,
            &h.hash(),
            body,
        )?;
        h.add(hs::CERTIFICATE_VERIFY, body);
        Ok(SState::ExpectFinished(h))
    }

    /// RFC 8446 §4.4.4: the client's Finished; then its application keys, our sending
    /// moves to epoch 3, and its final flight is acknowledged (RFC 9147 §7).
    fn on_client_finished(
        &mut self,
        now: Instant,
        mut h: Box<SHandshaking>,
        body: &[u8],
    ) -> Result<SState, Error> {
        let ks = h.ks;
        hs13::check_finished(&ks, &h.c_hs, &h.hash(), body, "client Finished")?;
        h.add(hs::FINISHED, body);
        let resumption_master = ks
            .derive_secret(&h.master, labels::RES_MASTER, &h.hash())
            .map_err(crypto)?;
        self.ch.rl.install_recv(&ks, h.suite, 3, &h.c_ap)?;
        self.ch.send_epoch = 3;
        // The client's flight acknowledges ours (§7.1).
        if let Some(f) = self.ch.flight.as_mut() {
            f.implicitly_acked();
        }
        self.ch.flight = None;
        self.ch.ack_at = None;
        let rns = self.ch.hs_records.to_ack().record_numbers;
        self.ch.send_ack(rns)?;
        self.ch.events.push_back(ServerEvent13::HandshakeComplete);
        let mut e = Box::new(SEstablished {
            suite: h.suite,
            ks,
            send: TrafficEpoch::application(h.s_ap.clone()),
            recv: TrafficEpoch::application(h.c_ap.clone()),
            resumption_master,
            exporter_master: h.exporter_master.clone(),
            send_next: None,
        });
        self.send_tickets(now, &mut e)?;
        Ok(SState::Established(e))
    }
}
