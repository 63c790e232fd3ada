//! Chain verification with OpenSSL 3.0's observable behaviour (`X509_verify_cert`), for the
//! standalone C library: which certificates are accepted (X.509 v1 included), which
//! `X509_V_ERR_*` codes are reported at which depth, and in what order the verify callback
//! sees them. The result is the list of callback invocations ([`Step`]s) made when the
//! callback accepts everything; a caller stops at the first step its callback refuses.
//!
//! The order is OpenSSL's `verify_chain`: build the chain (issuer errors 18/19/20),
//! check each certificate's CA flags and purpose (79, 26), check the expected names (62,
//! 64), then walk the chain from the top down checking signatures (21, 7) and validity
//! periods (9, 10), with one "ok" call per depth, the trust anchor included. The cases
//! this reproduces are those of the certificate matrix (ctests/t_verify_matrix.sh); CRLs,
//! policies, name constraints and path-length limits are not evaluated.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use rustls_pki_types::SignatureVerificationAlgorithm;

use super::cert_cache::ParsedCert;
use super::keys::spki_parts;
use super::verify::{ExpectedNames, TrustStore};
use super::x509::CertInfo;
use super::*;

/// One verify-callback invocation of `X509_verify_cert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// An error at a depth: the callback sees `preverify_ok` 0 and this code.
    Error {
        /// Chain depth (0 = leaf).
        depth: usize,
        /// `X509_V_ERR_*`.
        code: i32,
    },
    /// The certificate at `depth` is done: the callback sees `preverify_ok` 1 and the
    /// last error reported so far (OpenSSL keeps it in the context).
    Ok {
        /// Chain depth.
        depth: usize,
    },
}

/// extKeyUsage id-kp-serverAuth (1.3.6.1.5.5.7.3.1).
const OID_KP_SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
/// extKeyUsage id-kp-clientAuth (1.3.6.1.5.5.7.3.2).
const OID_KP_CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
/// keyUsage digitalSignature | keyEncipherment | keyAgreement (OpenSSL's SSL leaf check).
const KU_TLS: u16 = 0x8000 | 0x2000 | 0x0800;
/// keyUsage digitalSignature | keyAgreement (OpenSSL's SSL client leaf check).
const KU_TLS_CLIENT: u16 = 0x8000 | 0x0800;
/// keyUsage keyCertSign.
const KU_KEY_CERT_SIGN: u16 = 0x0400;

/// Longest chain built (presented certificates plus anchors).
pub const MAX_BUILT_CHAIN: usize = 2 * verify::MAX_CHAIN_ANALYSIS;

/// The certificate chain OpenSSL builds, and how its top ended. It borrows the parsed
/// certificates (the peer's, parsed once per verification, and the store's, parsed once
/// per store) rather than copying them.
struct Built<'a> {
    certs: Vec<&'a CertInfo>,
    ders: Vec<&'a [u8]>,
    /// Number of certificates taken from the peer (the rest are trust anchors).
    untrusted: usize,
    trusted: bool,
}

fn self_issued(c: &CertInfo) -> bool {
    c.subject_der == c.issuer_der
}

/// `X509_check_ca`: 1 for a v3 CA, 3 for a self-signed v1 certificate, 4 for keyCertSign
/// without basicConstraints, 0 otherwise.
fn check_ca(c: &CertInfo) -> i32 {
    if c.key_usage.is_some_and(|ku| ku & KU_KEY_CERT_SIGN == 0) {
        return 0;
    }
    if c.has_basic_constraints {
        return i32::from(c.is_ca);
    }
    if c.version == 0 && self_issued(c) {
        return 3;
    }
    if c.key_usage.is_some() {
        return 4;
    }
    0
}

/// `X509_check_purpose` for SSL server/client: extKeyUsage and keyUsage.
fn purpose_ok(c: &CertInfo, server: bool, ca: bool) -> bool {
    let kp = if server {
        OID_KP_SERVER_AUTH
    } else {
        OID_KP_CLIENT_AUTH
    };
    if let Some(ekus) = &c.ext_key_usage {
        if !ekus.iter().any(|o| o == kp) {
            return false;
        }
    }
    if ca {
        return check_ca(c) != 0;
    }
    // check_purpose_ssl_server / _ssl_client: the keyUsage bits each side's key needs.
    let ku_needed = if server { KU_TLS } else { KU_TLS_CLIENT };
    c.key_usage.is_none_or(|ku| ku & ku_needed != 0)
}

/// Verifies `cert`'s signature with `issuer`'s key.
fn signed_by(cert: &CertInfo, cert_der: &[u8], issuer: &CertInfo) -> bool {
    let Some(tbs) = cert_der.get(cert.tbs_range.clone()) else {
        return false;
    };
    signature_ok(&cert.signature_algorithm, tbs, &cert.signature, issuer)
}

/// Verifies a signature (`alg` is the dotted signatureAlgorithm OID) with `issuer`'s key.
fn signature_ok(alg: &str, tbs: &[u8], signature: &[u8], issuer: &CertInfo) -> bool {
    use webpki::ring as w;
    let Ok(spki) = spki_parts(&issuer.spki_der) else {
        return false;
    };
    let algs: &[&dyn SignatureVerificationAlgorithm] = match alg {
        "1.2.840.113549.1.1.11" => &[w::RSA_PKCS1_2048_8192_SHA256],
        "1.2.840.113549.1.1.12" => &[w::RSA_PKCS1_2048_8192_SHA384],
        "1.2.840.113549.1.1.13" => &[w::RSA_PKCS1_2048_8192_SHA512],
        "1.2.840.10045.4.3.2" => &[w::ECDSA_P256_SHA256, w::ECDSA_P384_SHA256],
        "1.2.840.10045.4.3.3" => &[w::ECDSA_P384_SHA384, w::ECDSA_P256_SHA384],
        "1.3.101.112" => &[w::ED25519],
        _ => &[],
    };
    algs.iter()
        .any(|a| a.verify_signature(spki.key, tbs, signature).is_ok())
}

/// CRLs to check revocation against (OpenSSL's `X509_V_FLAG_CRL_CHECK`, and with
/// `all`, `X509_V_FLAG_CRL_CHECK_ALL`).
#[derive(Debug, Clone, Copy)]
pub struct Revocation<'a> {
    /// The store's CRLs (DER).
    pub crls: &'a [Vec<u8>],
    /// Check every certificate of the chain, not only the leaf.
    pub all: bool,
}

/// keyUsage cRLSign.
const KU_CRL_SIGN: u16 = 0x0200;

/// Store and parameter flags the verifier honours besides the expected names.
#[derive(Debug, Clone, Copy, Default)]
pub struct ChainOptions<'a> {
    /// `X509_V_FLAG_CRL_CHECK(_ALL)` with the store's CRLs.
    pub revocation: Option<Revocation<'a>>,
    /// `X509_V_FLAG_PARTIAL_CHAIN`: any certificate of the store is a trust anchor, even
    /// one that is not self-signed (the leaf included).
    pub partial_chain: bool,
}

/// `check_revocation`: for each checked depth, the issuer's CRL (3 when there is none),
/// its key usage (35), signature (8) and dates (11, 12), then the serial number (23).
fn check_revocation(b: &Built<'_>, rev: &Revocation<'_>, secs: i64, steps: &mut Vec<Step>) {
    let crls: Vec<(Vec<u8>, super::crl::CrlInfo)> = rev
        .crls
        .iter()
        .filter_map(|d| super::crl::parse_crl(d).ok().map(|c| (d.clone(), c)))
        .collect();
    let last = if rev.all { b.certs.len() - 1 } else { 0 };
    for (depth, cert) in b.certs.iter().enumerate().take(last + 1) {
        let issuer = b.certs.get(depth + 1).copied().unwrap_or(cert);
        let Some((der, crl)) = crls.iter().find(|(_, c)| c.issuer_der == cert.issuer_der) else {
            steps.push(Step::Error {
                depth,
                code: X509_V_ERR_UNABLE_TO_GET_CRL,
            });
            continue;
        };
        if issuer.key_usage.is_some_and(|ku| ku & KU_CRL_SIGN == 0) {
            steps.push(Step::Error {
                depth,
                code: X509_V_ERR_KEYUSAGE_NO_CRL_SIGN,
            });
        }
        let tbs = der.get(crl.tbs_range.clone()).unwrap_or(&[]);
        if !signature_ok(&crl.signature_algorithm, tbs, &crl.signature, issuer) {
            steps.push(Step::Error {
                depth,
                code: X509_V_ERR_CRL_SIGNATURE_FAILURE,
            });
        }
        if secs < crl.this_update {
            steps.push(Step::Error {
                depth,
                code: X509_V_ERR_CRL_NOT_YET_VALID,
            });
        }
        if crl.next_update.is_some_and(|n| secs > n) {
            steps.push(Step::Error {
                depth,
                code: X509_V_ERR_CRL_HAS_EXPIRED,
            });
        }
        if crl.revoked.contains(&cert.serial) {
            steps.push(Step::Error {
                depth,
                code: X509_V_ERR_CERT_REVOKED,
            });
        }
    }
}

/// `check_issued`: the names chain (and, when several candidates fit, the signature).
fn find_issuer<'a>(
    cur: &CertInfo,
    cur_der: &[u8],
    candidates: impl Iterator<Item = (usize, &'a CertInfo)>,
) -> Option<usize> {
    let fits: Vec<(usize, &CertInfo)> = candidates
        .filter(|(_, c)| c.subject_der == cur.issuer_der)
        .collect();
    // One candidate is the issuer whatever its signature says (internal_verify checks the
    // signature later): verifying it here too would double the costliest step of a
    // handshake's chain check.
    if let [(i, _)] = fits.as_slice() {
        return Some(*i);
    }
    fits.iter()
        .find(|(_, c)| signed_by(cur, cur_der, c))
        .or(fits.first())
        .map(|(i, _)| *i)
}

/// The presented certificates, parsed (None: unparsable), at most
/// `verify::MAX_CHAIN_ANALYSIS`; the store keeps those it saw before parsed.
fn parse_presented(chain: &[Vec<u8>], store: &TrustStore) -> Vec<Option<Arc<ParsedCert>>> {
    chain
        .iter()
        .take(verify::MAX_CHAIN_ANALYSIS)
        .map(|c| store.presented(c).ok())
        .collect()
}

/// `build_chain` with trusted-first lookup over `infos` (the parsed `chain`); issuer
/// errors go to `steps`.
fn build<'a>(
    chain: &'a [Vec<u8>],
    infos: &'a [Option<Arc<ParsedCert>>],
    store: &'a TrustStore,
    partial_chain: bool,
    steps: &mut Vec<Step>,
) -> Option<Built<'a>> {
    // Anchors were parsed once when added to the store (one per SSL_CTX).
    let anchor_ders = store.certificates();
    let anchor_infos = store.infos();
    let mut anchor_used: Vec<usize> = Vec::new();
    let leaf = &infos.first()?.as_ref()?.info;
    let mut b = Built {
        certs: vec![leaf],
        ders: vec![chain.first()?.as_slice()],
        untrusted: 1,
        trusted: false,
    };
    let mut used = vec![false; infos.len()];
    if let Some(u) = used.first_mut() {
        *u = true;
    }
    // A self-signed leaf found in the store is trusted as is (any leaf found there with
    // X509_V_FLAG_PARTIAL_CHAIN).
    if (partial_chain || self_issued(b.certs[0])) && store.contains(b.ders[0]) {
        b.trusted = true;
        return Some(b);
    }
    loop {
        let (cur, cur_der) = match (b.certs.last(), b.ders.last()) {
            (Some(c), Some(d)) => (*c, *d),
            _ => return None,
        };
        if self_issued(cur) {
            break;
        }
        // Each anchor is used once, and the chain is bounded, so issuer loops among the
        // anchors (A issued B, B issued A) end.
        if b.certs.len() >= MAX_BUILT_CHAIN {
            break;
        }
        let from_store = find_issuer(
            cur,
            cur_der,
            anchor_infos
                .iter()
                .enumerate()
                .filter(|(i, _)| !anchor_used.contains(i)),
        );
        if let Some(i) = from_store {
            anchor_used.push(i);
            let (d, info) = (anchor_ders.get(i)?.as_slice(), anchor_infos.get(i)?);
            let top_self_issued = self_issued(info);
            b.certs.push(info);
            b.ders.push(d);
            if top_self_issued || partial_chain {
                b.trusted = true;
                return Some(b);
            }
            continue;
        }
        if b.certs.len() > b.untrusted {
            // The chain went into the store and left it again: not OpenSSL's path.
            break;
        }
        let from_peer = find_issuer(
            cur,
            cur_der,
            infos
                .iter()
                .enumerate()
                .filter(|(i, _)| !used.get(*i).copied().unwrap_or(true))
                .filter_map(|(i, c)| c.as_ref().map(|c| (i, &c.info))),
        );
        let Some(i) = from_peer else { break };
        if let Some(u) = used.get_mut(i) {
            *u = true;
        }
        b.certs.push(&infos.get(i)?.as_ref()?.info);
        b.ders.push(chain.get(i)?.as_slice());
        b.untrusted += 1;
    }
    let top = b.certs.len() - 1;
    let code = match b.certs.last() {
        Some(c) if self_issued(c) && top == 0 => X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
        Some(c) if self_issued(c) => X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
        _ if b.untrusted < b.certs.len() => X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
        _ => X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
    };
    steps.push(Step::Error { depth: top, code });
    Some(b)
}

/// `X509_check_host` / `X509_check_ip_asc` for one expected name (RFC 6125 §6.4: DNS
/// names in subjectAltName, one leftmost wildcard label; the subject CN only when the
/// certificate has no DNS name).
fn name_matches(c: &CertInfo, name: &str) -> bool {
    if let Ok(ip) = name.parse::<IpAddr>() {
        let want = match ip {
            IpAddr::V4(a) => a.octets().to_vec(),
            IpAddr::V6(a) => a.octets().to_vec(),
        };
        return c.san_ip.contains(&want);
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    let dns_match = |pattern: &str| {
        let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
        if pattern.eq_ignore_ascii_case(name) {
            return true;
        }
        match (pattern.strip_prefix("*."), name.split_once('.')) {
            (Some(suffix), Some((label, rest))) => {
                !label.is_empty() && suffix.contains('.') && suffix.eq_ignore_ascii_case(rest)
            }
            _ => false,
        }
    };
    if !c.san_dns.is_empty() {
        return c.san_dns.iter().any(|p| dns_match(p));
    }
    c.subject
        .iter()
        .filter(|(k, _)| k == "CN")
        .any(|(_, v)| dns_match(v))
}

/// Whether `leaf` passes `X509_check_host` / `X509_check_ip_asc` for one of `names`
/// (OpenSSL's name rules, [`name_matches`]): no path, validity or signature checks. For a
/// resumption, whose certificate was verified in the original connection (RFC 8446 §4.6.1).
pub fn leaf_matches_host(leaf: &[u8], names: &[String]) -> bool {
    super::x509::parse_certificate(leaf).is_ok_and(|c| names.iter().any(|n| name_matches(&c, n)))
}

/// The callback invocations `X509_verify_cert` makes for `chain` when the callback
/// accepts everything. `server` selects the purpose (SSL server or client certificate).
pub fn openssl_steps(
    store: &TrustStore,
    chain: &[Vec<u8>],
    now: SystemTime,
    names: ExpectedNames<'_>,
    server: bool,
    max_depth: usize,
) -> Vec<Step> {
    openssl_steps_with_crls(
        store,
        chain,
        now,
        names,
        server,
        max_depth,
        &ChainOptions::default(),
    )
    .steps
}

/// The outcome of [`openssl_steps_with_crls`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsslVerification {
    /// The callback invocations, in order.
    pub steps: Vec<Step>,
    /// The chain OpenSSL would build (DER, leaf first, trust anchor included): what the
    /// verify callback's context shows at each depth (`X509_STORE_CTX_get_current_cert`,
    /// `X509_STORE_CTX_get1_chain`).
    pub chain: Vec<Vec<u8>>,
}

/// [`openssl_steps`] with revocation checking against `revocation`'s CRLs, and the chain
/// the steps' depths refer to.
pub fn openssl_steps_with_crls(
    store: &TrustStore,
    chain: &[Vec<u8>],
    now: SystemTime,
    names: ExpectedNames<'_>,
    server: bool,
    max_depth: usize,
    options: &ChainOptions<'_>,
) -> OsslVerification {
    let mut steps = Vec::new();
    let infos = parse_presented(chain, store);
    let Some(b) = build(chain, &infos, store, options.partial_chain, &mut steps) else {
        return OsslVerification {
            steps: vec![Step::Error {
                depth: 0,
                code: X509_V_ERR_UNSPECIFIED,
            }],
            chain: chain.iter().take(1).cloned().collect(),
        };
    };
    let num = b.certs.len();
    // OpenSSL's depth limit counts the certificates above the leaf, anchor excluded.
    if num > max_depth.saturating_add(2) {
        steps.push(Step::Error {
            depth: num - 1,
            code: X509_V_ERR_CERT_CHAIN_TOO_LONG,
        });
    }
    // check_extensions: CA flags, then purpose (trust anchors are trusted for it).
    for (i, &c) in b.certs.iter().enumerate() {
        if i > 0 {
            let ret = check_ca(c);
            if ret == 0 || (i + 1 < num && ret != 1) {
                steps.push(Step::Error {
                    depth: i,
                    code: X509_V_ERR_INVALID_CA,
                });
            }
        }
        let anchor = b.trusted && i >= b.untrusted;
        if !anchor && !purpose_ok(c, server, i > 0) {
            steps.push(Step::Error {
                depth: i,
                code: X509_V_ERR_INVALID_PURPOSE,
            });
        }
    }
    // check_id: the expected names.
    if let Some(names) = names {
        if let Some(&leaf) = b.certs.first() {
            if !names.iter().any(|n| name_matches(leaf, n)) {
                let ip = names.first().is_some_and(|n| n.parse::<IpAddr>().is_ok());
                steps.push(Step::Error {
                    depth: 0,
                    code: if ip {
                        X509_V_ERR_IP_ADDRESS_MISMATCH
                    } else {
                        X509_V_ERR_HOSTNAME_MISMATCH
                    },
                });
            }
        }
    }
    let secs = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    if let Some(rev) = &options.revocation {
        check_revocation(&b, rev, secs, &mut steps);
    }
    // internal_verify: from the top down, signatures then validity, one ok per depth.
    let mut n = num - 1;
    let top_self_issued = b.certs.get(n).is_some_and(|c| self_issued(c));
    // With X509_V_FLAG_PARTIAL_CHAIN the top is checked for its dates only, trusted or
    // not (OpenSSL's internal_verify tests the flag, not the trust).
    let mut skip_sig = top_self_issued || options.partial_chain;
    if !skip_sig {
        if n == 0 {
            steps.push(Step::Error {
                depth: 0,
                code: X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
            });
            skip_sig = true;
        } else {
            // The incomplete chain's top certificate gets no checks of its own.
            n -= 1;
        }
    }
    while let (Some(&xs), Some(&der)) = (b.certs.get(n), b.ders.get(n)) {
        if !skip_sig {
            let issuer = b.certs.get(n + 1).copied().unwrap_or(xs);
            if !signed_by(xs, der, issuer) {
                steps.push(Step::Error {
                    depth: n,
                    code: X509_V_ERR_CERT_SIGNATURE_FAILURE,
                });
            }
        }
        skip_sig = false;
        if secs < xs.not_before {
            steps.push(Step::Error {
                depth: n,
                code: X509_V_ERR_CERT_NOT_YET_VALID,
            });
        }
        if secs > xs.not_after {
            steps.push(Step::Error {
                depth: n,
                code: X509_V_ERR_CERT_HAS_EXPIRED,
            });
        }
        steps.push(Step::Ok { depth: n });
        if n == 0 {
            break;
        }
        n -= 1;
    }
    OsslVerification {
        steps,
        chain: b.ders.iter().map(|d| d.to_vec()).collect(),
    }
}

#[cfg(test)]
mod tests;
