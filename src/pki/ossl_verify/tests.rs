//! Step sequences checked against `openssl s_client -verify_return_error` style runs of
//! OpenSSL 3.0 on the same fixtures (tests/certs), and against the certificate matrix.

use std::time::{Duration, UNIX_EPOCH};

use super::Step::{Error as E, Ok as K};
use super::*;
use crate::pki::pem::load_certificates;
use crate::pki::x509::parse_certificate;

fn certs(name: &str) -> Vec<Vec<u8>> {
    let p = format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"));
    load_certificates(&std::fs::read(p).unwrap()).unwrap()
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

fn now() -> SystemTime {
    let info = parse_certificate(&certs("server-ecdsa.pem")[0]).unwrap();
    UNIX_EPOCH + Duration::from_secs(info.not_before as u64 + 86_400)
}

fn steps(store: &TrustStore, chain: &[Vec<u8>], names: Option<&[&str]>) -> Vec<Step> {
    let names: Option<Vec<String>> = names.map(|n| n.iter().map(|s| s.to_string()).collect());
    openssl_steps(store, chain, now(), names.as_deref(), true, 100)
}

#[test]
fn good_chain_calls_every_depth_including_the_anchor() {
    let s = store(&["ca-ecdsa.pem"]);
    let got = steps(&s, &certs("server-ecdsa.pem"), Some(&["localhost"]));
    assert_eq!(got, [K { depth: 1 }, K { depth: 0 }]);
}

#[test]
fn unknown_issuer_then_leaf_signature_then_hostname() {
    // Only the leaf, issuer unknown: 20, then the hostname, then 21 (internal_verify).
    let s = store(&["ca-rsa.pem"]);
    let leaf = certs("server-ecdsa.pem");
    let got = steps(&s, &leaf[..1], Some(&["evil.example"]));
    assert_eq!(
        got,
        [
            E { depth: 0, code: 20 },
            E { depth: 0, code: 62 },
            E { depth: 0, code: 21 },
            K { depth: 0 }
        ]
    );
}

#[test]
fn self_signed_leaf_and_trusted_self_signed_leaf() {
    let leaf = certs("self-signed.pem");
    let got = steps(&TrustStore::new(), &leaf, None);
    assert_eq!(got.first(), Some(&E { depth: 0, code: 18 }));
    assert_eq!(got.last(), Some(&K { depth: 0 }));
    let s = store(&["self-signed.pem"]);
    assert_eq!(steps(&s, &leaf, None), [K { depth: 0 }]);
}

#[test]
fn wrong_purpose_and_empty_names() {
    let s = store(&["ca-ecdsa.pem"]);
    let got = steps(&s, &certs("client-ecdsa.pem"), None);
    assert_eq!(got.first(), Some(&E { depth: 0, code: 26 }));
    let got = steps(&s, &certs("server-ecdsa.pem"), Some(&[]));
    assert_eq!(got.first(), Some(&E { depth: 0, code: 62 }));
}

#[test]
fn hostnames_follow_openssl_rules() {
    let info = parse_certificate(&certs("server-ecdsa.pem")[0]).unwrap();
    assert!(name_matches(&info, "localhost"));
    assert!(name_matches(&info, "LOCALHOST."));
    assert!(!name_matches(&info, "evil.example"));
    let mut w = info.clone();
    w.san_dns = vec!["*.example.com".into()];
    assert!(name_matches(&w, "a.example.com"));
    assert!(!name_matches(&w, "a.b.example.com"));
    assert!(!name_matches(&w, "example.com"));
    // The CN counts only without DNS names.
    let mut cn = info;
    cn.san_dns.clear();
    assert!(name_matches(&cn, "localhost"));
}

#[test]
fn garbage_never_panics() {
    let s = store(&["ca-ecdsa.pem"]);
    assert_eq!(
        steps(&s, &[vec![0x30, 0x00]], None),
        [E { depth: 0, code: 1 }]
    );
    assert_eq!(steps(&s, &[], None), [E { depth: 0, code: 1 }]);
}

/// A certificate named `subject`, issued by `issuer` and signed with `key`.
fn cross_cert(
    subject: &str,
    issuer: &str,
    key: &openssl::pkey::PKey<openssl::pkey::Private>,
    public: &openssl::pkey::PKey<openssl::pkey::Private>,
) -> Vec<u8> {
    use openssl::asn1::Asn1Time;
    use openssl::x509::{X509Builder, X509NameBuilder};
    let name = |cn: &str| {
        let mut n = X509NameBuilder::new().unwrap();
        n.append_entry_by_text("CN", cn).unwrap();
        n.build()
    };
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_subject_name(&name(subject)).unwrap();
    b.set_issuer_name(&name(issuer)).unwrap();
    b.set_pubkey(public).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    b.sign(key, openssl::hash::MessageDigest::sha256()).unwrap();
    b.build().to_der().unwrap()
}

/// Anchors that issue each other (A issued by B, B issued by A, no self-signed root) must
/// not make chain building loop: each anchor is used once.
#[test]
fn issuer_loop_among_anchors_ends() {
    use openssl::ec::{EcGroup, EcKey};
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let ka = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let kb = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let kl = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let a = cross_cert("A", "B", &kb, &ka);
    let b = cross_cert("B", "A", &ka, &kb);
    let leaf = cross_cert("localhost", "A", &ka, &kl);
    let mut s = TrustStore::new();
    s.add_der(&a).unwrap();
    s.add_der(&b).unwrap();
    let got = openssl_steps(&s, &[leaf], SystemTime::now(), None, true, 100);
    assert!(got.len() < 16, "{got:?}");
    assert_eq!(got.last(), Some(&K { depth: 0 }));
}
