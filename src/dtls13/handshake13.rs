//! Handshake steps the DTLS 1.3 client and server take alike (RFC 8446 §4, §7.1): the
//! groups and key shares they use, the handshake and application secrets, the peer's
//! chain through the configured verifier, Certificate / CertificateVerify / Finished
//! built and checked, and the alerts they fail with.

use rand::rngs::StdRng;
#[cfg(any(test, feature = "test-rng"))]
use rand::RngCore;

use super::client_hello::{TLS13_GROUPS, TLS13_SCHEMES};
use super::key_schedule::{labels, KeySchedule, Secret};
use super::messages::{Certificate, CertificateEntry, CertificateVerify};
use crate::config::{Config, VerifyMode};
use crate::crypto::ecdhe::EphemeralKeyPair;
use crate::enums::{NamedGroup, SignatureScheme};
use crate::error::{AlertDescription as AD, Error};
use crate::pki::keys::SigningKey;
use crate::pki::verifier::VerifyInput;
use std::sync::Arc;
use std::time::SystemTime;

pub(super) fn unexpected(what: &str) -> Error {
    Error::alert(AD::UNEXPECTED_MESSAGE, what.to_string())
}

pub(super) fn decode_err(e: impl std::fmt::Display) -> Error {
    Error::alert(AD::DECODE_ERROR, format!("{e}"))
}

pub(super) fn crypto(_: impl std::fmt::Debug) -> Error {
    Error::Crypto("key schedule")
}

/// The configuration's entries of `configured` that are in `tls13`, in its order; all of
/// `tls13` when none is.
pub(crate) fn tls13_subset(configured: impl Iterator<Item = u16>, tls13: &[u16]) -> Vec<u16> {
    let v: Vec<u16> = configured.filter(|x| tls13.contains(x)).collect();
    if v.is_empty() {
        tls13.to_vec()
    } else {
        v
    }
}

/// The peer's signature schemes that TLS 1.3 allows (RFC 8446 §4.2.3), in its order.
pub(crate) fn tls13_sig_schemes(peer: &[u16]) -> Vec<SignatureScheme> {
    peer.iter()
        .filter(|s| TLS13_SCHEMES.contains(s))
        .map(|s| SignatureScheme(*s))
        .collect()
}

/// The groups we do key exchange in: the configuration's TLS 1.3-capable ones.
pub(crate) fn tls13_groups(cfg: &Config) -> Vec<u16> {
    tls13_subset(cfg.groups.iter().map(|g| g.0), &TLS13_GROUPS)
}

/// A fresh key pair in `group` (from the seeded RNG in test builds).
pub(crate) fn key_pair(
    cfg: &Config,
    rng: &mut StdRng,
    group: u16,
) -> Result<EphemeralKeyPair, Error> {
    #[cfg(any(test, feature = "test-rng"))]
    if cfg.rng_seed.is_some() {
        let mut seed = vec![0u8; EphemeralKeyPair::seed_len(NamedGroup(group))];
        rng.fill_bytes(&mut seed);
        return EphemeralKeyPair::from_seed(NamedGroup(group), &seed);
    }
    let _ = (cfg, rng);
    EphemeralKeyPair::generate(NamedGroup(group))
}

/// The handshake secrets (RFC 8446 §7.1): handshake secret, client and server
/// handshake traffic secrets, over the transcript hash through ServerHello.
pub(crate) fn handshake_secrets(
    ks: &KeySchedule,
    psk: Option<&[u8]>,
    shared: &[u8],
    th: &[u8],
) -> Result<(Secret, Secret, Secret), Error> {
    let early = ks.early_secret(psk);
    let handshake_secret = ks.handshake_secret(&early, shared).map_err(crypto)?;
    let c_hs = ks
        .derive_secret(&handshake_secret, labels::C_HS_TRAFFIC, th)
        .map_err(crypto)?;
    let s_hs = ks
        .derive_secret(&handshake_secret, labels::S_HS_TRAFFIC, th)
        .map_err(crypto)?;
    Ok((handshake_secret, c_hs, s_hs))
}

/// The secrets of the master secret (RFC 8446 §7.1), over the transcript hash through
/// the server's Finished.
pub(crate) struct AppSecrets {
    pub(crate) master: Secret,
    pub(crate) c_ap: Secret,
    pub(crate) s_ap: Secret,
    pub(crate) exporter_master: Secret,
}

pub(crate) fn app_secrets(
    ks: &KeySchedule,
    handshake_secret: &Secret,
    th: &[u8],
) -> Result<AppSecrets, Error> {
    let master = ks.master_secret(handshake_secret).map_err(crypto)?;
    let c_ap = ks
        .derive_secret(&master, labels::C_AP_TRAFFIC, th)
        .map_err(crypto)?;
    let s_ap = ks
        .derive_secret(&master, labels::S_AP_TRAFFIC, th)
        .map_err(crypto)?;
    let exporter_master = ks
        .derive_secret(&master, labels::EXP_MASTER, th)
        .map_err(crypto)?;
    Ok(AppSecrets {
        master,
        c_ap,
        s_ap,
        exporter_master,
    })
}

/// The peer's chain through the configured verifier (the same call as the 1.2 roles'):
/// an error when it fails and verification is enforced, else the verdict's `X509_V_*`
/// code. `verifier` replaces the configuration's (a connection's `set_verifier`).
pub(crate) fn verify_chain(
    cfg: &Config,
    verifier: Option<&Arc<dyn crate::pki::verifier::CertVerifier>>,
    chain: &[Vec<u8>],
    names: Option<&[String]>,
    server_cert: bool,
) -> Result<i32, Error> {
    let enforce = cfg.verify_mode != VerifyMode::None;
    let input = VerifyInput {
        chain,
        trust: &cfg.trust,
        names,
        server_cert,
        now: SystemTime::now(),
        max_depth: cfg.verify_depth,
        enforce,
    };
    let verdict = verifier.unwrap_or(&cfg.verifier).verify(&input);
    if !verdict.accept && enforce {
        let code = if verdict.code == crate::pki::X509_V_OK {
            crate::pki::X509_V_ERR_APPLICATION_VERIFICATION
        } else {
            verdict.code
        };
        return Err(Error::CertificateVerify {
            code,
            reason: verdict.reason,
        });
    }
    Ok(if verdict.accept {
        verdict.code
    } else if verdict.code == crate::pki::X509_V_OK {
        // Fail closed: a rejected chain never reads as verified.
        crate::pki::X509_V_ERR_APPLICATION_VERIFICATION
    } else {
        verdict.code
    })
}

/// A Certificate message body with `context` and `chain` (RFC 8446 §4.4.2).
pub(crate) fn certificate_body(context: Vec<u8>, chain: &[Vec<u8>]) -> Vec<u8> {
    let mut c = Vec::new();
    Certificate {
        request_context: context,
        entries: chain
            .iter()
            .map(|der| CertificateEntry {
                cert_data: der.clone(),
                extensions: Vec::new(),
            })
            .collect(),
    }
    .encode(&mut c);
    c
}

/// A CertificateVerify body: `key`'s signature with `scheme` over the transcript hash
/// `th` (RFC 8446 §4.4.3; `by_server` picks the context string).
pub(crate) fn certificate_verify_body(
    key: &SigningKey,
    scheme: SignatureScheme,
    by_server: bool,
    th: &[u8],
) -> Result<Vec<u8>, Error> {
    let signed = CertificateVerify::signed_content(by_server, th);
    let mut cv = Vec::new();
    CertificateVerify {
        scheme: scheme.0,
        signature: key.sign(scheme, &signed)?,
    }
    .encode(&mut cv);
    Ok(cv)
}

/// RFC 8446 §4.4.3: the peer's signature over the transcript hash `th`, with one of
/// `schemes`, by the key of `leaf` (the first of its chain).
pub(crate) fn check_certificate_verify(
    schemes: &[u16],
    peer_certs: &[Vec<u8>],
    by_server: bool,
    th: &[u8],
    body: &[u8],
) -> Result<(), Error> {
    let cv = CertificateVerify::decode(body).map_err(decode_err)?;
    if !schemes.contains(&cv.scheme) {
        return Err(Error::alert(AD::ILLEGAL_PARAMETER, "scheme not offered"));
    }
    let leaf = peer_certs
        .first()
        .ok_or_else(|| unexpected("no certificate"))?;
    let signed = CertificateVerify::signed_content(by_server, th);
    crate::pki::verify::verify_signature(leaf, SignatureScheme(cv.scheme), &signed, &cv.signature)
}

/// RFC 8446 §4.4.4: the peer's Finished against its handshake traffic secret and the
/// transcript hash `th`; `what` names it in the decrypt_error alert.
pub(crate) fn check_finished(
    ks: &KeySchedule,
    peer_hs: &Secret,
    th: &[u8],
    body: &[u8],
    what: &'static str,
) -> Result<(), Error> {
    let key = ks.finished_key(peer_hs).map_err(crypto)?;
    let expected = ks.verify_data(&key, th);
    if !crate::crypto::constant_time_eq(expected.as_bytes(), body) {
        return Err(Error::alert(AD::DECRYPT_ERROR, what));
    }
    Ok(())
}
