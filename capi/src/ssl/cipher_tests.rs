//! Tests of the `SSL_CIPHER` table and accessors (cipher.rs).
use super::*;

#[test]
fn description_matches_openssl_layout() {
    let c = CIPHERS.iter().find(|c| c.suite.id == 0xC02C).unwrap();
    assert_eq!(
        description(c),
        "ECDHE-ECDSA-AES256-GCM-SHA384  TLSv1.2 Kx=ECDH     Au=ECDSA Enc=AESGCM(256)            Mac=AEAD\n"
    );
    let c = CIPHERS.iter().find(|c| c.suite.id == 0xCCA8).unwrap();
    assert_eq!(
        description(c),
        "ECDHE-RSA-CHACHA20-POLY1305    TLSv1.2 Kx=ECDH     Au=RSA   Enc=CHACHA20/POLY1305(256) Mac=AEAD\n"
    );
    let c = CIPHERS.iter().find(|c| c.suite.id == 0xC0AE).unwrap();
    assert_eq!(
        description(c),
        "ECDHE-ECDSA-AES128-CCM8        TLSv1.2 Kx=ECDH     Au=ECDSA Enc=AESCCM8(128)           Mac=AEAD\n"
    );
    let c = CIPHERS.iter().find(|c| c.suite.id == 0xC0A8).unwrap();
    assert_eq!(
        description(c),
        "PSK-AES128-CCM8                TLSv1.2 Kx=PSK      Au=PSK   Enc=AESCCM8(128)           Mac=AEAD\n"
    );
    let c = CIPHERS.iter().find(|c| c.suite.id == 0xCCAC).unwrap();
    assert_eq!(
        description(c),
        "ECDHE-PSK-CHACHA20-POLY1305    TLSv1.2 Kx=ECDHEPSK Au=PSK   Enc=CHACHA20/POLY1305(256) Mac=AEAD\n"
    ); // `openssl ciphers -v -psk ECDHE-PSK-AES128-CBC-SHA256:ECDHE-PSK-AES256-CBC-SHA`.
    let c = CIPHERS.iter().find(|c| c.suite.id == 0xC037).unwrap();
    assert_eq!(
        description(c),
        "ECDHE-PSK-AES128-CBC-SHA256    TLSv1   Kx=ECDHEPSK Au=PSK   Enc=AES(128)               Mac=SHA256\n"
    );
    let c = CIPHERS.iter().find(|c| c.suite.id == 0xC036).unwrap();
    assert_eq!(
        description(c),
        "ECDHE-PSK-AES256-CBC-SHA       TLSv1   Kx=ECDHEPSK Au=PSK   Enc=AES(256)               Mac=SHA1\n"
    );
}

/// Every engine suite has an `SSL_CIPHER`, and the CBC ones answer as OpenSSL's:
/// not AEAD, version "TLSv1.0".
#[test]
fn every_suite_has_a_cipher_and_cbc_getters() {
    for s in suites::all_suites() {
        let c = for_suite(s).unwrap_or_else(|| panic!("{}", s.openssl_name));
        assert_eq!(c.name.to_str().unwrap(), s.openssl_name);
        assert_eq!(c.standard_name.to_str().unwrap(), s.iana_name);
        assert_eq!(SSL_CIPHER_is_aead(c), c_int::from(!s.aead.is_cbc()));
        // SAFETY: SSL_CIPHER_get_version returns one of our NUL-terminated statics.
        let v = unsafe { CStr::from_ptr(SSL_CIPHER_get_version(c)) };
        assert_eq!(
            v.to_str().unwrap(),
            if s.aead.is_cbc() {
                "TLSv1.0"
            } else {
                "TLSv1.2"
            }
        );
    }
}

#[test]
fn every_suite_has_a_cipher_and_names_match() {
    for s in suites::DEFAULT_SUITES {
        let c = for_suite(s).unwrap();
        assert_eq!(c.name.to_str().unwrap(), s.openssl_name);
        assert_eq!(c.standard_name.to_str().unwrap(), s.iana_name);
    }
}

/// The TLS 1.3 suites answer as OpenSSL 3.0's (`openssl ciphers -v -s -tls1_3`).
#[test]
fn tls13_suites_answer_as_openssl() {
    // SAFETY: the functions return static NUL-terminated strings.
    let s = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned();
    let c = for_suite13(0x1302).unwrap();
    assert_eq!(
        description(c),
        "TLS_AES_256_GCM_SHA384         TLSv1.3 Kx=any      Au=any   Enc=AESGCM(256)            Mac=AEAD\n"
    );
    assert_eq!(s(SSL_CIPHER_get_name(c)), "TLS_AES_256_GCM_SHA384");
    assert_eq!(s(SSL_CIPHER_standard_name(c)), "TLS_AES_256_GCM_SHA384");
    assert_eq!(s(SSL_CIPHER_get_version(c)), "TLSv1.3");
    assert_eq!(SSL_CIPHER_get_id(c), 0x0300_1302);
    assert_eq!(SSL_CIPHER_get_protocol_id(c), 0x1302);
    assert_eq!(SSL_CIPHER_get_bits(c, std::ptr::null_mut()), 256);
    assert_eq!(SSL_CIPHER_get_kx_nid(c), 1063);
    assert_eq!(SSL_CIPHER_get_auth_nid(c), 1064);
    assert_eq!(SSL_CIPHER_is_aead(c), 1);
    let c = for_suite13(0x1303).unwrap();
    assert_eq!(
        description(c),
        "TLS_CHACHA20_POLY1305_SHA256   TLSv1.3 Kx=any      Au=any   Enc=CHACHA20/POLY1305(256) Mac=AEAD\n"
    );
    for (id, name) in [
        (0x1301, "TLS_AES_128_GCM_SHA256"),
        (0x1304, "TLS_AES_128_CCM_SHA256"),
        (0x1305, "TLS_AES_128_CCM_8_SHA256"),
    ] {
        assert!(crate::ssl::cipher_list::TLS13_NAMES.contains(&(name, id)));
        assert_eq!(s(SSL_CIPHER_get_name(for_suite13(id).unwrap())), name);
    }
    // 1.3 suites are never taken for 1.2 ones.
    assert!(suites::all_suites().all(|s| !for_suite(s).unwrap().tls13));
}

#[test]
fn accessors_and_null() {
    let c = &CIPHERS[0];
    assert_eq!(SSL_CIPHER_get_id(c), 0x0300_C02B);
    let mut alg = 0;
    assert_eq!(SSL_CIPHER_get_bits(c, &mut alg), 128);
    assert_eq!(alg, 128);
    assert_eq!(SSL_CIPHER_get_bits(std::ptr::null(), &mut alg), 0);
    // SAFETY: the functions return static NUL-terminated strings.
    let s = |p: *const c_char| unsafe { CStr::from_ptr(p) }.to_str().unwrap().to_owned();
    assert_eq!(s(SSL_CIPHER_get_name(std::ptr::null())), "(NONE)");
    assert_eq!(s(SSL_CIPHER_get_version(c)), "TLSv1.2");
    assert_eq!(SSL_CIPHER_get_id(std::ptr::null()), 0);
    crate::error::clear();
    let mut small = [0 as c_char; 16];
    assert!(SSL_CIPHER_description(c, small.as_mut_ptr(), 16).is_null());
    let mut buf = [0 as c_char; 128];
    let p = SSL_CIPHER_description(c, buf.as_mut_ptr(), 128);
    assert!(s(p).starts_with("ECDHE-ECDSA-AES128-GCM-SHA256"));
}
