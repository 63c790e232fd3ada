//! Certificate creation (create.rs) and key generation (crypto/keygen.rs) from Rust, through
//! the exported functions: the happy path and the failures a C caller can cause.
use std::ffi::{c_int, c_uint};
use std::ptr::{null, null_mut};

use super::asn1::{ASN1_INTEGER_get, ASN1_INTEGER_set, ASN1_STRING, V_ASN1_INTEGER};
use super::create::*;
use super::validity::*;
use super::*;
use crate::crypto::digest::{EVP_sha256, EVP_sha384};
use crate::crypto::keygen::*;
use crate::crypto::pkey::EVP_PKEY_free;
use crate::error::ERR_R_UNSUPPORTED;

const MBSTRING_ASC: c_int = 0x1001;

fn p256_key() -> *mut EVP_PKEY {
    let ctx = EVP_PKEY_CTX_new_id(crate::x509::der::EVP_PKEY_EC, null_mut());
    assert!(!ctx.is_null());
    assert_eq!(EVP_PKEY_keygen_init(ctx), 1);
    assert_eq!(
        EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_PRIME256V1),
        1
    );
    let mut k = null_mut();
    assert_eq!(EVP_PKEY_keygen(ctx, &mut k), 1);
    EVP_PKEY_CTX_free(ctx);
    assert!(!k.is_null());
    k
}

/// A certificate with every field set, not yet signed.
fn draft(k: *mut EVP_PKEY, cn: &str) -> *mut X509 {
    let x = X509_new();
    assert_eq!(X509_set_version(x, 2), 1);
    assert_eq!(ASN1_INTEGER_set(X509_get_serialNumber(x), 0x1234_5678), 1);
    assert!(!X509_gmtime_adj(X509_getm_notBefore(x), -60).is_null());
    assert!(!X509_gmtime_adj(X509_getm_notAfter(x), 86400).is_null());
    assert_eq!(X509_set_pubkey(x, k), 1);
    let name = X509_get_subject_name(x);
    let v = format!("{cn}\0");
    assert_eq!(
        X509_NAME_add_entry_by_txt(name, c"CN".as_ptr(), MBSTRING_ASC, v.as_ptr(), -1, -1, 0),
        1
    );
    assert_eq!(X509_set_issuer_name(x, name), 1);
    x
}

#[test]
fn self_signed_p256_round_trips() {
    crate::error::clear();
    let k = p256_key();
    let x = draft(k, "WebRTC");
    assert!(
        X509_sign(x, k, EVP_sha256()) > 0,
        "{:?}",
        crate::error::snapshot()
    );
    let c = x509_ref(x).unwrap();
    // The stored DER parses to the fields that were set, and the key matches.
    let info = rdtls::pki::x509::parse_certificate(c.der()).unwrap();
    assert_eq!(info.subject, vec![("CN".to_string(), "WebRTC".to_string())]);
    assert_eq!(info.issuer, info.subject);
    assert_eq!(info.serial, vec![0x12, 0x34, 0x56, 0x78]);
    assert_eq!(info.version, 2);
    assert!(info.not_after - info.not_before >= 86400);
    assert_eq!(ASN1_INTEGER_get(X509_get_serialNumber(x)), 0x1234_5678);
    assert_eq!(X509_check_private_key(x, k), 1);
    let mut md = [0u8; 64];
    let mut n: c_uint = 0;
    assert_eq!(X509_digest(x, EVP_sha256(), md.as_mut_ptr(), &mut n), 1);
    assert_eq!(n, 32);
    X509_free(x);
    EVP_PKEY_free(k);
}

#[test]
fn sign_failures_are_reported() {
    let k = p256_key();
    // No public key, no validity: refused with an error entry, not a panic.
    let x = X509_new();
    crate::error::clear();
    assert_eq!(X509_sign(x, k, EVP_sha256()), 0);
    assert!(crate::error::take_entry()
        .unwrap()
        .data()
        .contains("no public key"));
    assert_eq!(X509_set_pubkey(x, k), 1);
    assert_eq!(X509_sign(x, k, EVP_sha256()), 0);
    assert!(crate::error::take_entry()
        .unwrap()
        .data()
        .contains("notBefore"));
    X509_free(x);
    // A P-256 key cannot sign with SHA-384 (OpenSSL could; rcgen's algorithms cannot).
    let x = draft(k, "a");
    crate::error::clear();
    assert_eq!(X509_sign(x, k, EVP_sha384()), 0);
    assert_eq!(
        crate::error::take_entry().unwrap().reason(),
        ERR_R_UNSUPPORTED & 0x7fffff
    );
    // A NULL key or certificate is a NULL-argument error.
    assert_eq!(X509_sign(x, null_mut(), EVP_sha256()), 0);
    assert_eq!(X509_sign(null_mut(), k, EVP_sha256()), 0);
    X509_free(x);
    EVP_PKEY_free(k);
}

#[test]
fn name_entries_are_checked() {
    let x = X509_new();
    let n = X509_get_subject_name(x);
    let v = b"value\0".as_ptr();
    crate::error::clear();
    assert_eq!(
        X509_NAME_add_entry_by_txt(n, c"noSuchAttr".as_ptr(), MBSTRING_ASC, v, -1, -1, 0),
        0
    );
    assert_eq!(
        X509_NAME_add_entry_by_txt(n, c"CN".as_ptr(), MBSTRING_ASC, v, -1, -1, 1),
        0
    );
    let bad = [0xffu8, 0xfe];
    assert_eq!(
        X509_NAME_add_entry_by_txt(n, c"CN".as_ptr(), MBSTRING_ASC, bad.as_ptr(), 2, -1, 0),
        0
    );
    assert_eq!(
        X509_NAME_add_entry_by_NID(n, 99999, MBSTRING_ASC, v, -1, -1, 0),
        0
    );
    // Long names and NIDs map to the short names; loc 0 inserts first.
    assert_eq!(
        X509_NAME_add_entry_by_txt(n, c"organizationName".as_ptr(), MBSTRING_ASC, v, -1, -1, 0),
        1
    );
    assert_eq!(
        X509_NAME_add_entry_by_NID(n, 14, MBSTRING_ASC, b"US\0".as_ptr(), -1, 0, 0),
        1
    );
    // SAFETY: n is the live subject name of x.
    let e = unsafe { &*n }.entries().to_vec();
    assert_eq!(
        e,
        vec![("C".into(), "US".into()), ("O".into(), "value".into())]
    );
    X509_free(x);
}

#[test]
fn asn1_integer_set_values() {
    let mut a = ASN1_STRING::empty(V_ASN1_INTEGER);
    for v in [0, 1, 255, 256, -1, -65536, 0x7fff_ffff] {
        assert_eq!(ASN1_INTEGER_set(&mut a, v), 1);
        assert_eq!(ASN1_INTEGER_get(&a), v);
    }
    a.release();
    assert_eq!(ASN1_INTEGER_set(null_mut(), 1), 0);
}

#[test]
fn times_switch_to_generalized_after_2049() {
    // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
    let mut t = asn1_time(2_524_607_999); // 2049-12-31T23:59:59Z
    assert_eq!(t.type_, V_ASN1_UTCTIME);
    assert_eq!(t.bytes(), b"491231235959Z");
    t.release();
    let mut t = asn1_time(2_524_608_000); // 2050-01-01T00:00:00Z
    assert_eq!(t.type_, V_ASN1_GENERALIZEDTIME);
    assert_eq!(t.bytes(), b"20500101000000Z");
    t.release();
}

#[test]
fn keygen_failures_are_reported() {
    crate::error::clear();
    assert!(EVP_PKEY_CTX_new_id(12345, null_mut()).is_null());
    assert!(EVP_PKEY_CTX_new_from_name(null_mut(), c"DSA".as_ptr(), null()).is_null());
    let ctx = EVP_PKEY_CTX_new_from_name(null_mut(), c"EC".as_ptr(), null());
    let mut k = null_mut();
    assert_eq!(EVP_PKEY_keygen(ctx, &mut k), 0, "keygen without init");
    assert_eq!(EVP_PKEY_keygen_init(ctx), 1);
    assert_eq!(EVP_PKEY_keygen(ctx, &mut k), 0, "no curve");
    assert_eq!(EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, 716), 0, "P-521");
    assert_eq!(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 2048), 0, "not RSA");
    assert_eq!(
        EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_SECP384R1),
        1
    );
    assert_eq!(EVP_PKEY_keygen(ctx, &mut k), 1);
    assert_eq!(EVP_PKEY_keygen(ctx, &mut k), 0, "*ppkey must be NULL");
    EVP_PKEY_free(k);
    EVP_PKEY_CTX_free(ctx);
    // RSA below ring's 2048-bit minimum: refused at generation. (Generation itself is
    // exercised by ctests/compat/webrtc_cert.c against the release build: slow in debug.)
    let ctx = EVP_PKEY_CTX_new_from_name(null_mut(), c"RSA".as_ptr(), null());
    assert_eq!(EVP_PKEY_keygen_init(ctx), 1);
    assert_eq!(EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, 1024), 1);
    let mut k = null_mut();
    crate::error::clear();
    assert_eq!(EVP_PKEY_keygen(ctx, &mut k), 0);
    assert_eq!(
        crate::error::take_entry().unwrap().reason(),
        ERR_R_UNSUPPORTED & 0x7fffff
    );
    EVP_PKEY_CTX_free(ctx);
    // EVP_EC_gen's body.
    let k = rdtls_pkey_q_keygen(c"EC".as_ptr(), c"P-384".as_ptr(), 0);
    assert!(!k.is_null());
    EVP_PKEY_free(k);
    assert!(rdtls_pkey_q_keygen(c"EC".as_ptr(), c"P-521".as_ptr(), 0).is_null());
}

#[test]
fn extensions_parse_and_reach_the_certificate() {
    use super::ext::*;
    crate::error::clear();
    for (nid, bad) in [
        (NID_BASIC_CONSTRAINTS, "CA:maybe"),
        (NID_BASIC_CONSTRAINTS, "pathlen:1"),
        (NID_KEY_USAGE, "signEverything"),
        (NID_SUBJECT_ALT_NAME, "IP:300.1.1.1"),
        (NID_SUBJECT_ALT_NAME, "dirName:x"),
        (86, "anything"),
    ] {
        let v = format!("{bad}\0");
        assert!(
            X509V3_EXT_conf_nid(null_mut(), null_mut(), nid, v.as_ptr().cast()).is_null(),
            "{bad}"
        );
    }
    assert!(X509V3_EXT_conf_nid(null_mut(), null_mut(), NID_KEY_USAGE, null()).is_null());
    let k = p256_key();
    let x = draft(k, "ca");
    for (nid, v) in [
        (NID_BASIC_CONSTRAINTS, c"critical,CA:TRUE,pathlen:0"),
        (NID_KEY_USAGE, c"critical, keyCertSign, cRLSign"),
        (NID_SUBJECT_ALT_NAME, c"DNS:localhost,IP:::1"),
    ] {
        let e = X509V3_EXT_nconf_nid(null_mut(), null_mut(), nid, v.as_ptr());
        assert!(!e.is_null(), "{v:?}: {:?}", crate::error::snapshot());
        assert_eq!(X509_add_ext(x, e, -1), 1);
        X509_EXTENSION_free(e);
    }
    assert!(
        X509_sign(x, k, EVP_sha256()) > 0,
        "{:?}",
        crate::error::snapshot()
    );
    let info = x509_ref(x).unwrap().info().clone();
    assert!(info.is_ca && info.has_basic_constraints);
    assert_eq!(info.san_dns, vec!["localhost".to_string()]);
    assert_eq!(info.san_ip.len(), 1);
    assert!(info.key_usage.is_some());
    X509_free(x);
    EVP_PKEY_free(k);
}

#[test]
fn time_functions_allocate_when_given_null() {
    crate::error::clear();
    // X509_gmtime_adj(NULL, …) returns a new ASN1_TIME, as OpenSSL does.
    let t = X509_gmtime_adj(null_mut(), 3600);
    assert!(!t.is_null(), "{:?}", crate::error::snapshot());
    // SAFETY: a live ASN1_TIME just returned.
    let (ty, len) = unsafe { ((*t).type_, (*t).length) };
    assert_eq!((ty, len), (V_ASN1_UTCTIME, 13));
    let k = p256_key();
    let x = draft(k, "times");
    assert_eq!(X509_set1_notAfter(x, t), 1);
    ASN1_TIME_free(t);
    // A fixed instant through ASN1_TIME_adj(NULL, …) and X509_time_adj_ex with a base.
    let t = ASN1_TIME_adj(null_mut(), 0, 1, 60);
    // SAFETY: as above.
    assert_eq!(unsafe { (*t).bytes() }, b"700102000100Z");
    let mut base: libc::time_t = 2_524_607_999;
    assert_eq!(X509_time_adj_ex(t, 0, 1, &mut base), t);
    // SAFETY: as above.
    assert_eq!(
        unsafe { ((*t).type_, (*t).bytes()) },
        (V_ASN1_GENERALIZEDTIME, &b"20500101000000Z"[..])
    );
    assert_eq!(X509_set1_notBefore(x, t), 1);
    assert_eq!(X509_get0_notBefore(x).cast_mut(), X509_getm_notBefore(x));
    ASN1_TIME_free(t);
    // Out of range: NULL and an error, nothing leaked.
    assert!(ASN1_TIME_adj(null_mut(), 0, i32::MAX, 0).is_null());
    assert!(crate::error::take_entry().is_some());
    // A time inside a certificate is not the caller's to free: refused, not a crash.
    ASN1_TIME_free(X509_getm_notBefore(x));
    assert!(crate::error::take_entry().is_some());
    ASN1_TIME_free(null_mut());
    let s = ASN1_INTEGER_new();
    assert_eq!(ASN1_INTEGER_set(s, 77), 1);
    assert_eq!(X509_set_serialNumber(x, s), 1);
    ASN1_INTEGER_free(s);
    assert_eq!(ASN1_INTEGER_get(X509_get_serialNumber(x)), 77);
    X509_free(x);
    EVP_PKEY_free(k);
}
