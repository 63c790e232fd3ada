//! Server-side resumption (RFC 8446 §4.6.1, §4.2.11): stateless tickets sealed with a
//! key shared by the server's connections ([`TicketKey13`], AES-256-GCM), issued as
//! NewSessionTickets after the handshake, and the `pre_shared_key` of a ClientHello
//! accepted for PSK + ECDHE (`psk_dhe_ke`) once its binder verifies over the truncated
//! ClientHello (§4.2.11.2).

use std::sync::OnceLock;
use std::time::Instant;

use rand::RngCore;
use ring::aead;

use super::client::Ticket13;
use super::extensions::{self as ext, ext_type, psk_mode};
use super::hello::{find_extension, msg_type as hs, ClientHello};
use super::key_schedule::KeySchedule;
use super::messages::NewSessionTicket;
use super::psk::{self, OfferedPsks};
use super::record_protection::Suite13;
use super::server::Server13;
use super::server_states::{crypto, decode_err, SEstablished};
use crate::error::{AlertDescription as AD, Error};

/// Lifetime we give tickets (RFC 8446 §4.6.1 allows up to seven days).
pub const TICKET_LIFETIME_SECS: u32 = 7200;

/// Identities of one ClientHello we try to open (a bound on work per hello).
const MAX_IDENTITIES_TRIED: usize = 4;

/// The key tickets are sealed with, shared by the connections of one server.
pub struct TicketKey13 {
    key: aead::LessSafeKey,
    /// Time zero of the issue times sealed into tickets (a Config's key: its first use,
    /// so virtual time works as the caller's clock does).
    origin: OnceLock<Instant>,
}

impl std::fmt::Debug for TicketKey13 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TicketKey13").finish_non_exhaustive()
    }
}

/// What a ticket of ours holds.
pub(crate) struct TicketContents {
    pub(crate) suite: Suite13,
    pub(crate) age_add: u32,
    pub(crate) issued_ms: u64,
    pub(crate) psk: Vec<u8>,
}

impl TicketKey13 {
    /// A fresh random key; issue times count from `now`.
    pub fn new(now: Instant) -> Result<Self, Error> {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        Self::from_bytes(&k, now)
    }

    /// A key from 32 given bytes (tests; or a key shared by several processes).
    pub fn from_bytes(k: &[u8; 32], now: Instant) -> Result<Self, Error> {
        let key = Self::unstarted(k)?;
        let _ = key.origin.set(now);
        Ok(key)
    }

    /// A key whose issue times count from its first use.
    fn unstarted(k: &[u8; 32]) -> Result<Self, Error> {
        let key = aead::UnboundKey::new(&aead::AES_256_GCM, k)
            .map_err(|_| Error::Crypto("ticket key"))?;
        Ok(TicketKey13 {
            key: aead::LessSafeKey::new(key),
            origin: OnceLock::new(),
        })
    }

    /// A Config's key: random, or with the `test-rng` feature and a seed, from the seed
    /// (reproducible tickets for the fuzz harness); issue times count from its first use.
    pub(crate) fn for_config(cfg: &crate::config::Config) -> Result<Self, Error> {
        let mut k = zeroize::Zeroizing::new([0u8; 32]);
        #[cfg(any(test, feature = "test-rng"))]
        if let Some(seed) = cfg.rng_seed {
            use rand::SeedableRng;
            rand::rngs::StdRng::seed_from_u64(seed ^ 0x7113).fill_bytes(&mut *k);
            return Self::unstarted(&k);
        }
        let _ = cfg;
        rand::rngs::OsRng.fill_bytes(&mut *k);
        Self::unstarted(&k)
    }

    /// Fuzzing builds: an independent key in the same state (its origin), for
    /// `rdtls::fuzzing::copy_connection`.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn fuzz_copy(&self) -> Self {
        TicketKey13 {
            key: self.key.clone(),
            origin: self.origin.clone(),
        }
    }

    fn seal(&self, nonce: [u8; 12], t: &TicketContents) -> Result<Vec<u8>, Error> {
        let mut buf = Vec::with_capacity(64);
        buf.extend_from_slice(&t.suite.to_u16().to_be_bytes());
        buf.extend_from_slice(&t.age_add.to_be_bytes());
        buf.extend_from_slice(&t.issued_ms.to_be_bytes());
        buf.extend_from_slice(&t.psk);
        self.key
            .seal_in_place_append_tag(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(b"rdtls dtls13 ticket"),
                &mut buf,
            )
            .map_err(|_| Error::Crypto("ticket seal"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&buf);
        Ok(out)
    }

    /// The contents of a ticket we sealed; None for anything else.
    pub(crate) fn open(&self, ticket: &[u8]) -> Option<TicketContents> {
        if ticket.len() < 12 + 14 + 32 + 16 {
            return None;
        }
        let mut nonce = [0u8; 12];
        nonce.copy_from_slice(&ticket[..12]);
        let mut buf = ticket[12..].to_vec();
        let plain = self
            .key
            .open_in_place(
                aead::Nonce::assume_unique_for_key(nonce),
                aead::Aad::from(b"rdtls dtls13 ticket"),
                &mut buf,
            )
            .ok()?;
        let suite = Suite13::from_u16(u16::from_be_bytes([plain[0], plain[1]]))?;
        let age_add = u32::from_be_bytes(plain[2..6].try_into().ok()?);
        let issued_ms = u64::from_be_bytes(plain[6..14].try_into().ok()?);
        let psk = plain[14..].to_vec();
        (psk.len() == suite.hash().output_len()).then_some(TicketContents {
            suite,
            age_add,
            issued_ms,
            psk,
        })
    }

    fn ms_since_origin(&self, now: Instant) -> u64 {
        let origin = *self.origin.get_or_init(|| now);
        now.saturating_duration_since(origin).as_millis() as u64
    }
}

impl Server13 {
    /// The client offered `psk_dhe_ke` (the only mode we resume with, RFC 8446 §4.2.9).
    pub(crate) fn offers_psk_dhe(ch: &ClientHello) -> Result<bool, Error> {
        Ok(
            find_extension(&ch.extensions, ext_type::PSK_KEY_EXCHANGE_MODES)
                .map(ext::decode_psk_modes)
                .transpose()
                .map_err(decode_err)?
                .is_some_and(|m| m.contains(&psk_mode::PSK_DHE_KE)),
        )
    }

    /// RFC 8446 §4.2.11: the first offered identity that is a live ticket of ours for a
    /// suite of `ks`'s hash, once its binder verifies over `prefix` (the transcript before
    /// this ClientHello) and the truncated `body`. Returns its index and PSK. A wrong
    /// binder is fatal (decrypt_error); unknown tickets mean a full handshake.
    pub(crate) fn accept_psk(
        &mut self,
        now: Instant,
        ch: &ClientHello,
        body: &[u8],
        prefix: &[u8],
        (suite, ks): (Suite13, &KeySchedule),
    ) -> Result<Option<(u16, Vec<u8>)>, Error> {
        let Some(data) = find_extension(&ch.extensions, ext_type::PRE_SHARED_KEY) else {
            return Ok(None);
        };
        if ch.extensions.last().map(|e| e.0) != Some(ext_type::PRE_SHARED_KEY) {
            return Err(Error::alert(
                AD::ILLEGAL_PARAMETER,
                "pre_shared_key not last",
            ));
        }
        if !Self::offers_psk_dhe(ch)? {
            return Ok(None);
        }
        let offered = OfferedPsks::decode(data).map_err(decode_err)?;
        let Some(key) = self.opts.ticket_key.clone() else {
            return Ok(None);
        };
        let now_ms = key.ms_since_origin(now);
        for (i, id) in offered
            .identities
            .iter()
            .enumerate()
            .take(MAX_IDENTITIES_TRIED)
        {
            let Some(t) = key.open(&id.identity) else {
                continue;
            };
            let age = now_ms.saturating_sub(t.issued_ms);
            if t.suite.hash() != suite.hash() || age >= u64::from(TICKET_LIFETIME_SECS) * 1000 {
                continue;
            }
            let expected = psk::binder(ks, &t.psk, prefix, body, offered.binders_len())
                .map_err(|_| Error::alert(AD::ILLEGAL_PARAMETER, "PSK binder"))?;
            if !crate::crypto::constant_time_eq(expected.as_bytes(), &offered.binders[i]) {
                return Err(Error::alert(AD::DECRYPT_ERROR, "PSK binder"));
            }
            return Ok(Some((i as u16, t.psk)));
        }
        Ok(None)
    }

    /// NewSessionTickets after the handshake (RFC 8446 §4.6.1), one flight at epoch 3,
    /// when we have a ticket key and the client can resume with `psk_dhe_ke`.
    pub(crate) fn send_tickets(&mut self, now: Instant, e: &mut SEstablished) -> Result<(), Error> {
        let Some(key) = self.opts.ticket_key.clone() else {
            return Ok(());
        };
        if self.opts.tickets == 0 || !self.client_psk_dhe {
            return Ok(());
        }
        let mut msgs = Vec::new();
        for i in 0..self.opts.tickets {
            let nonce = vec![i];
            let psk =
                e.ks.resumption_psk(&e.resumption_master, &nonce)
                    .map_err(crypto)?;
            let age_add = self.rng.next_u32();
            let mut n = [0u8; 12];
            self.rng.fill_bytes(&mut n);
            let ticket = key.seal(
                n,
                &TicketContents {
                    suite: e.suite,
                    age_add,
                    issued_ms: key.ms_since_origin(now),
                    psk: psk.as_bytes().to_vec(),
                },
            )?;
            let nst = NewSessionTicket {
                lifetime: TICKET_LIFETIME_SECS,
                age_add,
                nonce,
                ticket,
                extensions: Vec::new(),
            };
            let mut b = Vec::new();
            nst.encode(&mut b);
            msgs.push(self.ch.next_msg(3, hs::NEW_SESSION_TICKET, b));
            // The session `Connection::session` reports: the one this ticket resumes.
            self.issued = Some(Ticket13 {
                ticket: nst,
                suite: e.suite,
                psk: psk.as_bytes().to_vec(),
                received: now,
                peer_certs: self.ch.peer_certs.clone(),
                verify_code: self.ch.verify_code,
            });
        }
        self.ch.send_flight(now, msgs)
    }
}
