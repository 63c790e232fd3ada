//! Epochs, key updates and per-key usage limits (RFC 9147 §6.1, §8, §4.5.3).
//!
//! Epoch 0 carries the unprotected hellos, 1 0-RTT data, 2 the encrypted handshake, 3 the
//! first application keys; every KeyUpdate moves one direction to the next epoch with
//! `application_traffic_secret_N+1` (RFC 8446 §7.2). Epochs are 64-bit and never wrap.

use super::key_schedule::{KeySchedule, KeyScheduleError, Secret};
use super::record_protection::Suite13;

/// Epoch of the unprotected ClientHello / ServerHello / HelloRetryRequest records.
pub const EPOCH_INITIAL: u64 = 0;
/// Epoch of 0-RTT application data (`client_early_traffic_secret`).
pub const EPOCH_EARLY_DATA: u64 = 1;
/// Epoch of the encrypted handshake (`[sender]_handshake_traffic_secret`).
pub const EPOCH_HANDSHAKE: u64 = 2;
/// First application epoch (`[sender]_application_traffic_secret_0`).
pub const EPOCH_APPLICATION: u64 = 3;

/// The usage limits of one key (RFC 8446 §5.5, RFC 9147 §4.5.3 and its Appendix B).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AeadLimits {
    /// Records one key may protect before a key update is required (confidentiality).
    pub max_sealed: u64,
    /// Records failing authentication under one key before the connection must close
    /// (integrity; RFC 9147 §4.5.3).
    pub max_failed: u64,
}

/// The limits of `suite`'s AEAD: AES-GCM 2^24.5 sealed / 2^36 failed, ChaCha20-Poly1305 no
/// practical sealing limit / 2^36, AES-CCM 2^23.5 / 2^23.5, AES-CCM_8 2^23.5 / 2^7.
pub fn limits(suite: Suite13) -> AeadLimits {
    const TWO_POW_24_5: u64 = 23_726_566;
    const TWO_POW_23_5: u64 = 11_863_283;
    const TWO_POW_36: u64 = 1 << 36;
    match suite {
        Suite13::Aes128GcmSha256 | Suite13::Aes256GcmSha384 => AeadLimits {
            max_sealed: TWO_POW_24_5,
            max_failed: TWO_POW_36,
        },
        Suite13::ChaCha20Poly1305Sha256 => AeadLimits {
            max_sealed: u64::MAX,
            max_failed: TWO_POW_36,
        },
        Suite13::Aes128CcmSha256 => AeadLimits {
            max_sealed: TWO_POW_23_5,
            max_failed: TWO_POW_23_5,
        },
        Suite13::Aes128Ccm8Sha256 => AeadLimits {
            max_sealed: TWO_POW_23_5,
            max_failed: 1 << 7,
        },
    }
}

/// Why an epoch cannot advance or a key may no longer be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EpochError {
    /// The epoch is at its maximum and may not wrap.
    EpochExhausted,
    /// The schedule rejected the secret (wrong length).
    KeySchedule(KeyScheduleError),
}

/// One direction's application traffic secret and the epoch it keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrafficEpoch {
    /// The epoch.
    pub epoch: u64,
    /// `application_traffic_secret_N` of this epoch.
    pub secret: Secret,
}

impl TrafficEpoch {
    /// The first application epoch (3) with `application_traffic_secret_0`.
    pub fn application(secret: Secret) -> Self {
        TrafficEpoch {
            epoch: EPOCH_APPLICATION,
            secret,
        }
    }

    /// The epoch after a KeyUpdate: epoch + 1 with the "traffic upd" secret (RFC 8446 §7.2,
    /// RFC 9147 §8).
    pub fn next(&self, ks: &KeySchedule) -> Result<TrafficEpoch, EpochError> {
        let epoch = self
            .epoch
            .checked_add(1)
            .ok_or(EpochError::EpochExhausted)?;
        let secret = ks
            .next_traffic_secret(&self.secret)
            .map_err(EpochError::KeySchedule)?;
        Ok(TrafficEpoch { epoch, secret })
    }
}

/// Usage of one key in one direction, checked against [`AeadLimits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyUsage {
    limits: AeadLimits,
    sealed: u64,
    failed: u64,
}

impl KeyUsage {
    /// A fresh key of `suite`.
    pub fn new(suite: Suite13) -> Self {
        KeyUsage {
            limits: limits(suite),
            sealed: 0,
            failed: 0,
        }
    }

    /// Counts one record sealed.
    pub fn on_sealed(&mut self) {
        self.sealed = self.sealed.saturating_add(1);
    }

    /// Counts one record that failed authentication; returns true when the integrity limit
    /// is reached and the connection must end (RFC 9147 §4.5.3).
    pub fn on_failed(&mut self) -> bool {
        self.failed = self.failed.saturating_add(1);
        self.failed >= self.limits.max_failed
    }

    /// True once a KeyUpdate is due: seven eighths of the sealing limit, leaving room for
    /// the update to be acknowledged before the hard limit.
    pub fn key_update_due(&self) -> bool {
        self.sealed >= self.limits.max_sealed / 8 * 7
    }

    /// Test support: counts records without processing them.
    #[cfg(any(test, feature = "test-rng"))]
    pub fn count_for_test(&mut self, sealed: u64, failed: u64) {
        self.sealed = self.sealed.saturating_add(sealed);
        self.failed = self.failed.saturating_add(failed);
    }

    /// True when the sealing limit is reached: no more records under this key.
    pub fn exhausted(&self) -> bool {
        self.sealed >= self.limits.max_sealed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HashAlg;

    #[test]
    fn key_update_chain_moves_one_epoch_per_update() {
        let ks = KeySchedule::dtls13(HashAlg::Sha256);
        let e3 = TrafficEpoch::application(Secret::from_bytes(&[5; 32]).unwrap());
        let e4 = e3.next(&ks).unwrap();
        let e5 = e4.next(&ks).unwrap();
        assert_eq!((e4.epoch, e5.epoch), (4, 5));
        assert_eq!(e4.secret, ks.next_traffic_secret(&e3.secret).unwrap());
        assert_ne!(e4.secret, e5.secret);
        let last = TrafficEpoch {
            epoch: u64::MAX,
            secret: Secret::from_bytes(&[5; 32]).unwrap(),
        };
        assert_eq!(last.next(&ks), Err(EpochError::EpochExhausted));
        let bad = TrafficEpoch {
            epoch: 3,
            secret: Secret::from_bytes(&[5; 20]).unwrap(),
        };
        assert!(matches!(bad.next(&ks), Err(EpochError::KeySchedule(_))));
    }

    #[test]
    fn usage_limits_per_suite() {
        let ccm8 = limits(Suite13::Aes128Ccm8Sha256);
        let mut u = KeyUsage::new(Suite13::Aes128Ccm8Sha256);
        for _ in 0..ccm8.max_failed - 1 {
            assert!(!u.on_failed());
        }
        assert!(u.on_failed(), "128th forgery ends a CCM_8 connection");
        let mut g = KeyUsage::new(Suite13::Aes128GcmSha256);
        assert!(!g.key_update_due() && !g.exhausted());
        g.sealed = limits(Suite13::Aes128GcmSha256).max_sealed / 8 * 7;
        assert!(g.key_update_due() && !g.exhausted());
        g.sealed = limits(Suite13::Aes128GcmSha256).max_sealed - 1;
        g.on_sealed();
        assert!(g.exhausted());
        assert_eq!(limits(Suite13::Aes256GcmSha384).max_failed, 1 << 36);
        assert!(limits(Suite13::Aes128CcmSha256).max_failed < 1 << 24);
        let mut c = KeyUsage::new(Suite13::ChaCha20Poly1305Sha256);
        c.sealed = u64::MAX - 1;
        c.on_sealed();
        c.on_sealed();
        assert!(c.key_update_due());
    }
}
