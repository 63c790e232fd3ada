//! Secrets and keys of the DTLS 1.2 handshake: master secret (RFC 5246 §8.1, RFC 7627 §4),
//! key block (RFC 5246 §6.3), Finished verify_data (RFC 5246 §7.4.9), ephemeral keys and
//! randoms.

use rand::RngCore;

use super::Machine;
use crate::crypto::prf;
use crate::error::{AlertDescription, Error};
use crate::handshake::agreement::Agreement;
use crate::handshake::step::PendingKeys;
use crate::record::protection::RecordProtection;

impl Machine {
    /// Computes the master secret from the premaster secret: extended (RFC 7627 §4, session
    /// hash = transcript through ClientKeyExchange) when negotiated, else RFC 5246 §8.1.
    /// The caller keeps it in the next step.
    pub(crate) fn agree_master_secret(&mut self, pms: &[u8]) -> Result<Agreement, Error> {
        let suite = self.hs.suite.ok_or(Error::InvalidState("no suite"))?;
        let master = if self.hs.ems {
            let session_hash = self.hsk()?.transcript.hash(suite.prf);
            prf::extended_master_secret(suite.prf, pms, &session_hash)
        } else {
            prf::master_secret(
                suite.prf,
                pms,
                &self.hs.client_random,
                &self.hs.server_random,
            )
        };
        Ok(Agreement::new(suite, master))
    }

    /// Derives record keys from the master secret (RFC 5246 §6.3), for the caller to keep
    /// in the next step until they are installed.
    pub(crate) fn derive_keys(&mut self, agreement: &Agreement) -> Result<PendingKeys, Error> {
        let suite = agreement.suite;
        let kb = prf::key_block_keyed(
            suite,
            agreement.prf_key(),
            &self.hs.client_random,
            &self.hs.server_random,
        );
        let client = RecordProtection::with_mac_key(
            suite,
            &kb.client_write_mac_key,
            &kb.client_write_key,
            &kb.client_write_iv,
        )?;
        let server = RecordProtection::with_mac_key(
            suite,
            &kb.server_write_mac_key,
            &kb.server_write_key,
            &kb.server_write_iv,
        )?;
        let (write, read) = if self.is_client {
            (client, server)
        } else {
            (server, client)
        };
        Ok(PendingKeys {
            read: Box::new(read),
            write: Box::new(write),
        })
    }

    /// verify_data for a Finished sent by the client (`client`) or server.
    pub(crate) fn finished_data(
        &mut self,
        client: bool,
        agreement: &Agreement,
    ) -> Result<[u8; 12], Error> {
        let hash = self.hsk()?.transcript.hash(agreement.suite.prf);
        Ok(prf::finished_verify_data_keyed(
            agreement.prf_key(),
            client,
            &hash,
        ))
    }

    /// Checks the peer's Finished (RFC 5246 §7.4.9) in constant time.
    pub(crate) fn check_peer_finished(
        &mut self,
        verify_data: &[u8],
        agreement: &Agreement,
    ) -> Result<(), Error> {
        let expected = self.finished_data(!self.is_client, agreement)?;
        if !crate::crypto::constant_time_eq(&expected, verify_data) {
            return Err(Error::alert(
                AlertDescription::DECRYPT_ERROR,
                "Finished verify_data mismatch",
            ));
        }
        self.hs.peer_finished = expected.to_vec();
        Ok(())
    }

    /// A fresh ECDHE key pair in `group`: from the OS RNG, or from the seeded RNG when the
    /// config has a test seed, so a seeded handshake is reproducible byte for byte.
    pub(crate) fn ephemeral_key(
        &mut self,
        group: crate::enums::NamedGroup,
    ) -> Result<crate::crypto::ecdhe::EphemeralKeyPair, Error> {
        use crate::crypto::ecdhe::EphemeralKeyPair;
        #[cfg(any(test, feature = "test-rng"))]
        if self.config.rng_seed.is_some() {
            let mut seed = [0u8; 48];
            let seed = &mut seed[..EphemeralKeyPair::seed_len(group)];
            self.rng.fill_bytes(seed);
            return EphemeralKeyPair::from_seed(group, seed);
        }
        EphemeralKeyPair::generate(group)
    }

    /// Fills `out` from the connection's RNG (seeded in tests, OS entropy otherwise).
    pub(crate) fn random_bytes(&mut self, out: &mut [u8]) {
        self.rng.fill_bytes(out);
    }
}
