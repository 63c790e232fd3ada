//! Certificate chain verification (rustls-webpki) with OpenSSL-compatible results, and
//! verification of handshake signatures made by a certificate's key.
//!
//! Trust anchors are parsed once when added to a [`TrustStore`] (one per `SSL_CTX`), never
//! per handshake. Failures are reported as OpenSSL `X509_V_ERR_*` codes with the depth
//! OpenSSL would report, so `SSL_get_verify_result` and verify callbacks see familiar
//! values.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls_pki_types::UnixTime;
use rustls_pki_types::{CertificateDer, ServerName, SignatureVerificationAlgorithm, TrustAnchor};
use webpki::{EndEntityCert, KeyUsage};

use super::cert_cache::{CertCache, ParsedCert};
use super::x509::{self, CertInfo};
use super::*;
use crate::enums::SignatureScheme;
use crate::error::{AlertDescription, Error};

/// Debian/Ubuntu's system CA bundle, loaded by [`TrustStore::add_system_defaults`].
pub const SYSTEM_CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Most certificates of a presented chain we examine when explaining a failure; longer
/// chains are cut here (webpki bounds its own path building separately).
pub const MAX_CHAIN_ANALYSIS: usize = 16;

/// A set of trust anchors, parsed once.
#[derive(Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor<'static>>,
    certs: Vec<Vec<u8>>,
    subjects: Vec<Vec<u8>>,
    /// The anchors' parsed fields, for the OpenSSL-compatible verifier.
    infos: Vec<CertInfo>,
    /// Certificates peers presented, parsed once for every handshake that sees them.
    presented: CertCache,
}

impl std::fmt::Debug for TrustStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustStore")
            .field("anchors", &self.anchors.len())
            .finish()
    }
}

impl TrustStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one DER certificate as a trust anchor. Adding a certificate twice is a no-op.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), Error> {
        if self.contains(der) {
            return Ok(());
        }
        let info = x509::parse_certificate(der)?;
        let cd = CertificateDer::from(der);
        let anchor = webpki::anchor_from_trusted_cert(&cd)
            .map_err(|e| Error::BadKeyMaterial(format!("unusable trust anchor: {e}")))?
            .to_owned();
        self.anchors.push(anchor);
        self.certs.push(der.to_vec());
        self.subjects.push(info.subject_der.clone());
        self.infos.push(info);
        Ok(())
    }

    /// Adds every certificate in PEM (or single DER) `data`; returns how many were new.
    /// Fails on the first certificate that cannot be used.
    pub fn add_pem(&mut self, data: &[u8]) -> Result<usize, Error> {
        let before = self.len();
        for der in super::pem::load_certificates(data)? {
            self.add_der(&der)?;
        }
        Ok(self.len() - before)
    }

    /// Loads [`SYSTEM_CA_BUNDLE`] if present, skipping certificates webpki cannot use;
    /// returns how many anchors were added.
    pub fn add_system_defaults(&mut self) -> usize {
        let Ok(data) = std::fs::read(SYSTEM_CA_BUNDLE) else {
            return 0;
        };
        let before = self.len();
        for der in super::pem::load_certificates(&data).unwrap_or_default() {
            let _ = self.add_der(&der);
        }
        self.len() - before
    }

    /// Number of trust anchors.
    pub fn len(&self) -> usize {
        self.anchors.len()
    }

    /// True when the store has no anchors.
    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty()
    }

    /// The anchors' certificates (DER), in the order added.
    pub fn certificates(&self) -> &[Vec<u8>] {
        &self.certs
    }

    /// The anchors' subject Names (full DER), e.g. for a CertificateRequest's
    /// certificate_authorities list (RFC 5246 §7.4.4).
    pub fn subjects(&self) -> &[Vec<u8>] {
        &self.subjects
    }

    /// The anchors' parsed fields, in the order added (parsed once, when added).
    pub fn infos(&self) -> &[CertInfo] {
        &self.infos
    }

    /// Whether exactly this certificate is a trust anchor.
    pub fn contains(&self, der: &[u8]) -> bool {
        self.certs.iter().any(|c| c == der)
    }

    /// The fields of a certificate a peer presented, parsed once per store for every
    /// handshake that presents it (see [`CertCache`]).
    pub fn presented(&self, der: &[u8]) -> Result<Arc<ParsedCert>, Error> {
        self.presented.parse(der)
    }
}

/// The result of [`verify_chain`]: the first OpenSSL `X509_V_ERR_*` code, the depth it
/// applies to (0 = leaf), a human-readable reason, and every error found, in the order
/// OpenSSL reports them to a verify callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyOutcome {
    /// `X509_V_OK` or the first `X509_V_ERR_*` value.
    pub code: i32,
    /// Chain depth of the certificate the code applies to.
    pub depth: usize,
    /// Explanation for logs and error strings.
    pub reason: String,
    /// Every (depth, code) found, first one first; empty when the chain verified.
    pub errors: Vec<(usize, i32)>,
}

impl VerifyOutcome {
    fn ok() -> Self {
        Self {
            code: X509_V_OK,
            depth: 0,
            reason: verify_code_string(X509_V_OK).into(),
            errors: Vec::new(),
        }
    }

    fn fail(code: i32, depth: usize, detail: impl std::fmt::Display) -> Self {
        Self {
            code,
            depth,
            reason: format!("{}: {detail}", verify_code_string(code)),
            errors: vec![(depth, code)],
        }
    }

    /// This outcome followed by `later` (each error is kept; the first one stays the code).
    fn then(mut self, later: Option<VerifyOutcome>) -> Self {
        if let Some(l) = later {
            if self.is_ok() {
                return l;
            }
            self.errors.extend(l.errors);
        }
        self
    }

    /// True for `X509_V_OK`.
    pub fn is_ok(&self) -> bool {
        self.code == X509_V_OK
    }
}

/// The names a server certificate must match: `None` asks for no hostname check; `Some`
/// of an empty list asks for one with no name to check, which fails with
/// `X509_V_ERR_HOSTNAME_MISMATCH` (as OpenSSL's client with no usable name does not pass).
pub type ExpectedNames<'a> = Option<&'a [String]>;

/// Verifies `chain` (leaf first, then any intermediates in any order) against `store`.
///
/// `server` selects the purpose: true checks a server certificate (serverAuth EKU), false
/// a client certificate (clientAuth). `names`, when given, must include one that matches
/// the leaf's subjectAltName (DNS name or IP address). `max_depth` is OpenSSL's verify
/// depth: the number of intermediates allowed between the leaf and the trust anchor.
///
/// Every error is reported (issuer errors do not hide a hostname mismatch), in OpenSSL's
/// order: issuer lookup (20, 18, 19), purpose (26), chain length (22), hostname (62/64),
/// then validity periods (9, 10) and signatures (7).
pub fn verify_chain(
    store: &TrustStore,
    chain: &[Vec<u8>],
    now: SystemTime,
    names: ExpectedNames<'_>,
    server: bool,
    max_depth: usize,
) -> VerifyOutcome {
    let Some(leaf) = chain.first() else {
        return VerifyOutcome::fail(X509_V_ERR_UNSPECIFIED, 0, "no certificate presented");
    };
    let unix = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let time = UnixTime::since_unix_epoch(unix);
    let leaf_cd = CertificateDer::from(leaf.as_slice());
    let ee = match EndEntityCert::try_from(&leaf_cd) {
        Ok(ee) => ee,
        Err(e) => return map_error(&e, chain, store, unix.as_secs()),
    };

    // OpenSSL trusts a certificate found in its store as is (typically a self-signed
    // server certificate given to the client as its CA file); webpki has no such notion,
    // so only the validity period and the name are checked here.
    if store.contains(leaf) {
        let host = check_hostname(&ee, names);
        let time = x509::parse_certificate(leaf)
            .ok()
            .and_then(|info| validity_error(&info, unix.as_secs()))
            .map(|code| VerifyOutcome::fail(code, 0, "trusted certificate"));
        return match host {
            Some(h) => h.then(time),
            None => time.unwrap_or_else(VerifyOutcome::ok),
        };
    }

    let intermediates: Vec<CertificateDer<'_>> = chain
        .iter()
        .skip(1)
        .map(|c| CertificateDer::from(c.as_slice()))
        .collect();
    let usage = if server {
        KeyUsage::server_auth()
    } else {
        KeyUsage::client_auth()
    };
    let result = ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &store.anchors,
        &intermediates,
        time,
        usage,
        None,
        None,
    );
    let host = check_hostname(&ee, names);
    match result {
        Ok(path) => {
            let n = path.intermediate_certificates().count();
            if n > max_depth {
                return VerifyOutcome::fail(
                    X509_V_ERR_CERT_CHAIN_TOO_LONG,
                    max_depth + 1,
                    format!("{n} intermediates, verify depth {max_depth}"),
                )
                .then(host);
            }
            host.unwrap_or_else(VerifyOutcome::ok)
        }
        Err(e) => {
            let mapped = map_error(&e, chain, store, unix.as_secs());
            let before_hostname = matches!(
                mapped.code,
                X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
                    | X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT
                    | X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
                    | X509_V_ERR_INVALID_PURPOSE
                    | X509_V_ERR_CERT_CHAIN_TOO_LONG
            );
            match host {
                Some(h) if !before_hostname => h.then(Some(mapped)),
                h => mapped.then(h),
            }
        }
    }
}

/// Whether `leaf` is valid for one of `names` (subjectAltName DNS name or IP address, as
/// [`verify_chain`] checks it): no path, validity or signature checks. For a resumption,
/// whose certificate was verified in the original connection (RFC 8446 §4.6.1).
pub fn leaf_matches_names(leaf: &[u8], names: &[String]) -> bool {
    let der = CertificateDer::from(leaf);
    EndEntityCert::try_from(&der).is_ok_and(|ee| check_hostname(&ee, Some(names)).is_none())
}

fn check_hostname(ee: &EndEntityCert<'_>, names: ExpectedNames<'_>) -> Option<VerifyOutcome> {
    let names = names?;
    let Some(first) = names.first() else {
        return Some(VerifyOutcome::fail(
            X509_V_ERR_HOSTNAME_MISMATCH,
            0,
            "a hostname check was asked for but no name was given",
        ));
    };
    let matches = |name: &str| match ServerName::try_from(name) {
        Ok(sn) => ee.verify_is_valid_for_subject_name(&sn).is_ok(),
        Err(_) => false,
    };
    if names.iter().any(|n| matches(n)) {
        return None;
    }
    let code = match ServerName::try_from(first.as_str()) {
        Ok(ServerName::IpAddress(_)) => X509_V_ERR_IP_ADDRESS_MISMATCH,
        _ => X509_V_ERR_HOSTNAME_MISMATCH,
    };
    Some(VerifyOutcome::fail(
        code,
        0,
        format!("certificate is not valid for {names:?}"),
    ))
}

fn validity_error(info: &CertInfo, now: u64) -> Option<i32> {
    let now = i64::try_from(now).unwrap_or(i64::MAX);
    if now < info.not_before {
        Some(X509_V_ERR_CERT_NOT_YET_VALID)
    } else if now > info.not_after {
        Some(X509_V_ERR_CERT_HAS_EXPIRED)
    } else {
        None
    }
}

/// The chain OpenSSL would build from the presented certificates: start at the leaf and
/// follow issuer names, stopping at a self-issued certificate, at one whose issuer is a
/// trust anchor, or when no presented certificate fits. Each certificate is used once.
fn presented_path(chain: &[Vec<u8>], store: &TrustStore) -> Vec<CertInfo> {
    let infos: Vec<Option<CertInfo>> = chain
        .iter()
        .take(MAX_CHAIN_ANALYSIS)
        .map(|c| x509::parse_certificate(c).ok())
        .collect();
    let mut used = vec![false; infos.len()];
    let mut path = Vec::new();
    let Some(Some(leaf)) = infos.first() else {
        return path;
    };
    path.push(leaf.clone());
    if let Some(u) = used.first_mut() {
        *u = true;
    }
    while let Some(cur) = path.last() {
        if cur.subject_der == cur.issuer_der || store.subjects.contains(&cur.issuer_der) {
            break;
        }
        let next = infos.iter().enumerate().position(|(i, c)| {
            !used.get(i).copied().unwrap_or(true)
                && c.as_ref().is_some_and(|c| c.subject_der == cur.issuer_der)
        });
        let Some(i) = next else { break };
        if let (Some(u), Some(Some(c))) = (used.get_mut(i), infos.get(i)) {
            *u = true;
            path.push(c.clone());
        } else {
            break;
        }
    }
    path
}

/// Maps a webpki error to an OpenSSL code and depth.
fn map_error(e: &webpki::Error, chain: &[Vec<u8>], store: &TrustStore, now: u64) -> VerifyOutcome {
    use webpki::Error as E;
    let path = || presented_path(chain, store);
    let time_depth = |code: i32| {
        path()
            .iter()
            .position(|c| validity_error(c, now) == Some(code))
            .unwrap_or(0)
    };
    #[allow(deprecated)]
    let code = match e {
        E::UnknownIssuer => {
            let p = path();
            let top = p.len().saturating_sub(1);
            let self_signed = p.last().is_some_and(|c| c.subject_der == c.issuer_der);
            return match (self_signed, top) {
                (true, 0) => VerifyOutcome::fail(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0, e),
                (true, d) => VerifyOutcome::fail(X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, d, e),
                (false, d) => {
                    VerifyOutcome::fail(X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, d, e)
                }
            };
        }
        E::CertExpired { .. } => {
            let d = time_depth(X509_V_ERR_CERT_HAS_EXPIRED);
            return VerifyOutcome::fail(X509_V_ERR_CERT_HAS_EXPIRED, d, e);
        }
        E::CertNotValidYet { .. } => {
            let d = time_depth(X509_V_ERR_CERT_NOT_YET_VALID);
            return VerifyOutcome::fail(X509_V_ERR_CERT_NOT_YET_VALID, d, e);
        }
        E::InvalidSignatureForPublicKey => X509_V_ERR_CERT_SIGNATURE_FAILURE,
        E::UnsupportedSignatureAlgorithm
        | E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKey
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            X509_V_ERR_UNSUPPORTED_SIGNATURE_ALGORITHM
        }
        E::SignatureAlgorithmMismatch => X509_V_ERR_SIGNATURE_ALGORITHM_MISMATCH,
        E::MaximumPathDepthExceeded => X509_V_ERR_CERT_CHAIN_TOO_LONG,
        E::PathLenConstraintViolated => X509_V_ERR_PATH_LENGTH_EXCEEDED,
        E::RequiredEkuNotFound | E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => {
            X509_V_ERR_INVALID_PURPOSE
        }
        // OpenSSL accepts a CA certificate as a leaf; webpki does not. The nearest code.
        E::CaUsedAsEndEntity => X509_V_ERR_INVALID_PURPOSE,
        E::EndEntityUsedAsCa => X509_V_ERR_INVALID_CA,
        E::CertRevoked => X509_V_ERR_CERT_REVOKED,
        E::CertDistrusted => X509_V_ERR_CERT_REJECTED,
        E::NameConstraintViolation => X509_V_ERR_PERMITTED_VIOLATION,
        E::UnsupportedCriticalExtension => X509_V_ERR_UNHANDLED_CRITICAL_EXTENSION,
        E::InvalidCertValidity | E::BadDerTime => X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD,
        E::ExtensionValueInvalid | E::MalformedExtensions => X509_V_ERR_INVALID_EXTENSION,
        E::CertNotValidForName(_) => X509_V_ERR_HOSTNAME_MISMATCH,
        _ => X509_V_ERR_UNSPECIFIED,
    };
    VerifyOutcome::fail(code, 0, e)
}

/// The webpki algorithms that may verify `scheme` (TLS 1.2 ECDSA schemes name only the
/// hash, so either curve can appear, RFC 5246 §7.4.1.4.1).
fn algorithms_for(scheme: SignatureScheme) -> Vec<&'static dyn SignatureVerificationAlgorithm> {
    use webpki::ring as w;
    match scheme {
        SignatureScheme::ECDSA_SECP256R1_SHA256 => vec![w::ECDSA_P256_SHA256, w::ECDSA_P384_SHA256],
        SignatureScheme::ECDSA_SECP384R1_SHA384 => vec![w::ECDSA_P384_SHA384, w::ECDSA_P256_SHA384],
        SignatureScheme::ED25519 => vec![w::ED25519],
        SignatureScheme::RSA_PKCS1_SHA256 => vec![w::RSA_PKCS1_2048_8192_SHA256],
        SignatureScheme::RSA_PKCS1_SHA384 => vec![w::RSA_PKCS1_2048_8192_SHA384],
        SignatureScheme::RSA_PKCS1_SHA512 => vec![w::RSA_PKCS1_2048_8192_SHA512],
        SignatureScheme::RSA_PSS_RSAE_SHA256 => vec![w::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        SignatureScheme::RSA_PSS_RSAE_SHA384 => vec![w::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        SignatureScheme::RSA_PSS_RSAE_SHA512 => vec![w::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        _ => Vec::new(),
    }
}

/// [`verify_signature`] for a certificate the peer presented, its key taken from
/// `store`'s parsed certificates (the chain's verification parsed it already).
pub fn verify_presented_signature(
    store: &TrustStore,
    cert_der: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let algs = scheme_algorithms(scheme)?;
    let cert = store.presented(cert_der).map_err(bad_certificate)?;
    verify_with_spki(&algs, &cert.info.spki_der, message, signature)
}

/// The verification algorithms of `scheme`; an unknown scheme is illegal_parameter.
fn scheme_algorithms(
    scheme: SignatureScheme,
) -> Result<Vec<&'static dyn SignatureVerificationAlgorithm>, Error> {
    let algs = algorithms_for(scheme);
    if algs.is_empty() {
        return Err(Error::alert(
            AlertDescription::ILLEGAL_PARAMETER,
            format!("unsupported signature scheme {:#06x}", scheme.0),
        ));
    }
    Ok(algs)
}

fn bad_certificate(e: Error) -> Error {
    Error::alert(AlertDescription::BAD_CERTIFICATE, format!("{e}"))
}

fn verify_with_spki(
    algs: &[&'static dyn SignatureVerificationAlgorithm],
    spki_der: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let spki = super::keys::spki_parts(spki_der).map_err(bad_certificate)?;
    if algs
        .iter()
        .any(|alg| alg.verify_signature(spki.key, message, signature).is_ok())
    {
        Ok(())
    } else {
        Err(Error::alert(
            AlertDescription::DECRYPT_ERROR,
            "bad signature",
        ))
    }
}

/// Verifies a handshake signature (ServerKeyExchange or CertificateVerify) made with the
/// key of certificate `cert_der`. A bad signature is a fatal decrypt_error alert
/// (RFC 5246 §7.4.8); an unknown scheme is illegal_parameter.
pub fn verify_signature(
    cert_der: &[u8],
    scheme: SignatureScheme,
    message: &[u8],
    signature: &[u8],
) -> Result<(), Error> {
    let algs = scheme_algorithms(scheme)?;
    // The key is taken from the certificate with our own parser, not webpki's: a
    // certificate that parses is usable for the handshake signature whatever its version
    // (webpki refuses X.509 v1, which OpenSSL accepts; whether to trust it is the
    // verifier's decision, not this function's).
    let spki_der = x509::certificate_spki(cert_der).map_err(bad_certificate)?;
    verify_with_spki(&algs, spki_der, message, signature)
}

#[cfg(test)]
mod tests;
