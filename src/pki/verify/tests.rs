//! Chain verification tests against the fixtures in tests/certs (codes and depths as
//! reported by `openssl verify` on the same files).

use std::time::Duration;

use super::*;
use crate::pki::pem::load_certificates;

fn certs(name: &str) -> Vec<Vec<u8>> {
    let path = format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"));
    load_certificates(&std::fs::read(&path).unwrap()).unwrap()
}

fn store(names: &[&str]) -> TrustStore {
    let mut s = TrustStore::new();
    for n in names {
        for c in certs(n) {
            s.add_der(&c).unwrap();
        }
    }
    s
}

/// A fixed time inside every fixture's validity: a day after the server cert's start.
fn now() -> SystemTime {
    let info = x509::parse_certificate(&certs("server-ecdsa.pem")[0]).unwrap();
    UNIX_EPOCH + Duration::from_secs(info.not_before as u64 + 86_400)
}

fn check(
    s: &TrustStore,
    chain: &[Vec<u8>],
    host: Option<&str>,
    server: bool,
    depth: usize,
) -> (i32, usize) {
    let names: Vec<String> = host.iter().map(|h| h.to_string()).collect();
    let o = verify_chain(
        s,
        chain,
        now(),
        host.map(|_| names.as_slice()),
        server,
        depth,
    );
    (o.code, o.depth)
}

#[test]
fn good_chains_verify() {
    let ec = store(&["ca-ecdsa.pem"]);
    let rsa = store(&["ca-rsa.pem"]);
    for leaf in ["server-ecdsa.pem", "server-ed25519.pem", "server-p384.pem"] {
        assert_eq!(
            check(&ec, &certs(leaf), Some("localhost"), true, 100),
            (0, 0),
            "{leaf}"
        );
    }
    assert_eq!(
        check(&rsa, &certs("server-rsa.pem"), Some("localhost"), true, 100),
        (0, 0)
    );
    assert_eq!(
        check(
            &ec,
            &certs("server-ecdsa.pem"),
            Some("127.0.0.1"),
            true,
            100
        ),
        (0, 0)
    );
    assert_eq!(
        check(&ec, &certs("client-ecdsa.pem"), None, false, 100),
        (0, 0)
    );
    assert_eq!(
        check(&rsa, &certs("client-rsa.pem"), None, false, 100),
        (0, 0)
    );
    let o = verify_chain(&ec, &certs("server-ecdsa.pem"), now(), None, true, 100);
    assert!(o.is_ok());
    assert_eq!(o.reason, "ok");
}

#[test]
fn long_chain_and_depth_limit() {
    // Same codes and depths as `openssl verify -verify_depth N` on these fixtures.
    let s = store(&["long-chain-root.pem"]);
    let chain = certs("long-chain.pem");
    assert_eq!(check(&s, &chain, Some("localhost"), true, 3), (0, 0));
    assert_eq!(check(&s, &chain, None, false, 100), (0, 0));
    assert_eq!(
        check(&s, &chain, None, true, 2),
        (X509_V_ERR_CERT_CHAIN_TOO_LONG, 3)
    );
    assert_eq!(
        check(&s, &chain, None, true, 0),
        (X509_V_ERR_CERT_CHAIN_TOO_LONG, 1)
    );
    // Intermediates in any order still build.
    let mut shuffled = chain.clone();
    shuffled[1..].reverse();
    assert_eq!(check(&s, &shuffled, None, true, 100), (0, 0));
    // A missing intermediate: the issuer of intermediate 2 cannot be found.
    let gap = vec![chain[0].clone(), chain[1].clone(), chain[2].clone()];
    assert_eq!(
        check(&s, &gap, None, true, 100).0,
        X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
    );
    assert_eq!(check(&s, &gap, None, true, 100).1, 2);
}

#[test]
fn unknown_ca_and_self_signed() {
    let ec = store(&["ca-ecdsa.pem"]);
    let rsa = store(&["ca-rsa.pem"]);
    assert_eq!(
        check(&rsa, &certs("server-ecdsa.pem"), None, true, 100),
        (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0)
    );
    assert_eq!(
        check(
            &TrustStore::new(),
            &certs("server-ecdsa.pem"),
            None,
            true,
            100
        ),
        (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 0)
    );
    assert_eq!(
        check(&ec, &certs("self-signed.pem"), None, true, 100),
        (X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0)
    );
    // The long chain with its root presented but trusted nowhere: 19 at depth 4.
    let mut chain = certs("long-chain.pem");
    chain.extend(certs("long-chain-root.pem"));
    assert_eq!(
        check(&ec, &chain, None, true, 100),
        (X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, 4)
    );
    // A self-signed certificate that is itself trusted verifies (as in OpenSSL).
    let trusted = store(&["self-signed.pem"]);
    assert_eq!(
        check(
            &trusted,
            &certs("self-signed.pem"),
            Some("localhost"),
            true,
            0
        ),
        (0, 0)
    );
    assert_eq!(
        check(
            &trusted,
            &certs("self-signed.pem"),
            Some("example.com"),
            true,
            0
        ),
        (X509_V_ERR_HOSTNAME_MISMATCH, 0)
    );
}

#[test]
fn expired_and_not_yet_valid() {
    let ec = store(&["ca-ecdsa.pem"]);
    assert_eq!(
        check(&ec, &certs("expired.pem"), Some("localhost"), true, 100),
        (X509_V_ERR_CERT_HAS_EXPIRED, 0)
    );
    let info = x509::parse_certificate(&certs("server-ecdsa.pem")[0]).unwrap();
    let early = UNIX_EPOCH + Duration::from_secs(info.not_before as u64 - 10);
    let o = verify_chain(&ec, &certs("server-ecdsa.pem"), early, None, true, 100);
    assert_eq!(o.code, X509_V_ERR_CERT_NOT_YET_VALID);
    assert!(
        o.reason.starts_with("certificate is not yet valid"),
        "{}",
        o.reason
    );
    let late = UNIX_EPOCH + Duration::from_secs(info.not_after as u64 + 10);
    let o = verify_chain(&ec, &certs("server-ecdsa.pem"), late, None, true, 100);
    assert_eq!(o.code, X509_V_ERR_CERT_HAS_EXPIRED);
    // A trusted self-signed certificate is still checked for expiry.
    let t = store(&["self-signed.pem"]);
    let ss = x509::parse_certificate(&certs("self-signed.pem")[0]).unwrap();
    let late = UNIX_EPOCH + Duration::from_secs(ss.not_after as u64 + 1);
    let o = verify_chain(&t, &certs("self-signed.pem"), late, None, true, 100);
    assert_eq!(o.code, X509_V_ERR_CERT_HAS_EXPIRED);
}

#[test]
fn hostname_and_purpose() {
    let ec = store(&["ca-ecdsa.pem"]);
    let leaf = certs("server-ecdsa.pem");
    assert_eq!(
        check(&ec, &leaf, Some("example.com"), true, 100),
        (X509_V_ERR_HOSTNAME_MISMATCH, 0)
    );
    assert_eq!(
        check(&ec, &leaf, Some("10.0.0.1"), true, 100),
        (X509_V_ERR_IP_ADDRESS_MISMATCH, 0)
    );
    assert_eq!(
        check(&ec, &leaf, Some("not a name!"), true, 100),
        (X509_V_ERR_HOSTNAME_MISMATCH, 0)
    );
    // openssl verify -purpose sslserver client-ecdsa.pem: error 26 at 0.
    assert_eq!(
        check(&ec, &certs("client-ecdsa.pem"), None, true, 100),
        (X509_V_ERR_INVALID_PURPOSE, 0)
    );
    assert_eq!(
        check(&ec, &leaf, None, false, 100),
        (X509_V_ERR_INVALID_PURPOSE, 0)
    );
    // Unknown issuer outranks a hostname mismatch, as in OpenSSL.
    let rsa = store(&["ca-rsa.pem"]);
    assert_eq!(check(&rsa, &leaf, Some("example.com"), true, 100).0, 20);
    // A hostname mismatch outranks expiry.
    assert_eq!(
        check(&ec, &certs("expired.pem"), Some("example.com"), true, 100).0,
        62
    );
}

#[test]
fn bad_signature_and_garbage() {
    let ec = store(&["ca-ecdsa.pem"]);
    let mut leaf = certs("server-ecdsa.pem");
    let n = leaf[0].len();
    leaf[0][n - 5] ^= 0x55; // inside the signature value
    assert_eq!(
        check(&ec, &leaf, None, true, 100).0,
        X509_V_ERR_CERT_SIGNATURE_FAILURE
    );
    assert_eq!(check(&ec, &[], None, true, 100).0, X509_V_ERR_UNSPECIFIED);
    assert_eq!(
        check(&ec, &[vec![0x30, 0x00]], None, true, 100).0,
        X509_V_ERR_UNSPECIFIED
    );
    let good = certs("server-rsa.pem").remove(0);
    for cut in (0..good.len()).step_by(7) {
        assert_ne!(check(&ec, &[good[..cut].to_vec()], None, true, 100).0, 0);
    }
}

#[test]
fn oversized_presented_chain_is_bounded() {
    let s = store(&["long-chain-root.pem"]);
    let mut chain = certs("long-chain.pem");
    let junk = certs("client-ecdsa.pem").remove(0);
    chain.extend(vec![junk; 2 * MAX_CHAIN_ANALYSIS]);
    assert_eq!(check(&s, &chain, None, true, 100), (0, 0));
    // Without the anchor, the explanation walks at most MAX_CHAIN_ANALYSIS certificates.
    let o = verify_chain(&TrustStore::new(), &chain, now(), None, true, 100);
    assert_eq!(
        (o.code, o.depth),
        (X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, 3)
    );
    assert!(presented_path(&chain, &TrustStore::new()).len() <= MAX_CHAIN_ANALYSIS);
}

#[test]
fn trust_store_loading() {
    let mut s = TrustStore::new();
    let pem = std::fs::read(format!(
        "{}/tests/certs/ca-ecdsa.pem",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    assert_eq!(s.add_pem(&pem).unwrap(), 1);
    assert_eq!(s.add_pem(&pem).unwrap(), 0, "duplicates are ignored");
    assert_eq!(s.len(), 1);
    assert!(!s.is_empty());
    assert_eq!(s.subjects().len(), 1);
    assert!(s.add_pem(b"nonsense").is_err());
    assert!(s.add_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
    // The system bundle, when present, contributes anchors; absent, nothing happens.
    let mut sys = TrustStore::new();
    let n = sys.add_system_defaults();
    assert_eq!(n, sys.len());
    if std::path::Path::new(SYSTEM_CA_BUNDLE).exists() {
        assert!(n > 10, "system bundle gave {n} anchors");
    }
}

#[test]
fn signature_errors_carry_alerts() {
    let c = certs("server-ecdsa.pem").remove(0);
    let err = verify_signature(&c, SignatureScheme::ECDSA_SECP256R1_SHA256, b"m", b"sig");
    assert_eq!(
        err.unwrap_err().alert_to_send(),
        Some(AlertDescription::DECRYPT_ERROR)
    );
    let err = verify_signature(&c, SignatureScheme(0x0203), b"m", b"sig");
    assert_eq!(
        err.unwrap_err().alert_to_send(),
        Some(AlertDescription::ILLEGAL_PARAMETER)
    );
    let err = verify_signature(b"junk", SignatureScheme::ED25519, b"m", b"sig");
    assert_eq!(
        err.unwrap_err().alert_to_send(),
        Some(AlertDescription::BAD_CERTIFICATE)
    );
    // An RSA scheme against an ECDSA key fails as a bad signature, not a panic.
    let err = verify_signature(&c, SignatureScheme::RSA_PKCS1_SHA256, b"m", &[0; 256]);
    assert!(err.is_err());
}

/// Issue 7: issuer errors must not hide a hostname mismatch. OpenSSL reports 20 and then
/// 62, so a verify callback tolerating 20 still sees (and can refuse) the wrong host.
#[test]
fn issuer_error_does_not_skip_hostname_check() {
    let rsa = store(&["ca-rsa.pem"]);
    let leaf = certs("server-ecdsa.pem");
    let names = vec!["evil.example".to_string()];
    let o = verify_chain(&rsa, &leaf, now(), Some(&names), true, 100);
    assert_eq!(o.code, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    assert_eq!(
        o.errors.iter().map(|e| e.1).collect::<Vec<_>>(),
        [
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
            X509_V_ERR_HOSTNAME_MISMATCH
        ]
    );
    // A hostname mismatch comes before expiry, and expiry is still reported.
    let ec = store(&["ca-ecdsa.pem"]);
    let names = vec!["example.com".to_string()];
    let o = verify_chain(&ec, &certs("expired.pem"), now(), Some(&names), true, 100);
    assert_eq!(o.errors.first(), Some(&(0, X509_V_ERR_HOSTNAME_MISMATCH)));
    assert_eq!(o.errors.len(), 2);
}

/// Issue 7: a hostname check asked for with no name fails with 62 (never skipped).
#[test]
fn hostname_check_without_a_name_fails() {
    let ec = store(&["ca-ecdsa.pem"]);
    let o = verify_chain(&ec, &certs("server-ecdsa.pem"), now(), Some(&[]), true, 100);
    assert_eq!((o.code, o.depth), (X509_V_ERR_HOSTNAME_MISMATCH, 0));
    // Any one of several names may match (SSL_add1_host).
    let names = vec!["evil.example".to_string(), "localhost".to_string()];
    let o = verify_chain(
        &ec,
        &certs("server-ecdsa.pem"),
        now(),
        Some(&names),
        true,
        100,
    );
    assert!(o.is_ok(), "{o:?}");
}
