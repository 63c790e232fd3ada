//! Tests for cipher strings: orders and aliases as `openssl ciphers -s` (OpenSSL 3.0)
//! prints them, rule actions, separators and errors.

use super::*;

/// Short names: "E256" = ECDHE-ECDSA-AES256-GCM-SHA384, "RC" = ECDHE-RSA-CHACHA20-...
/// The GCM/ChaCha tests predate CCM and PSK: those suites are left out of this view (the
/// relative order of the others is unchanged by them); `ccm_aliases_follow_openssl` and
/// `psk_aliases_follow_openssl` cover them.
fn short(list: &[&CipherSuite]) -> Vec<&'static str> {
    list.iter()
        .filter(|s| !s.aead.is_ccm() && !s.auth.is_psk())
        .map(|s| match s.id {
            0xC02C => "E256",
            0xC030 => "R256",
            0xCCA9 => "EC",
            0xCCA8 => "RC",
            0xC02B => "E128",
            0xC02F => "R128",
            _ => "?",
        })
        .collect()
}

fn names(s: &str) -> Vec<&'static str> {
    parse_cipher_list(s.as_bytes())
        .unwrap_or_else(|e| panic!("{s}: {e:?}"))
        .suites
        .iter()
        .map(|s| s.openssl_name)
        .collect()
}

/// Orders from `openssl ciphers -s -tls1_2 '<string>'` (OpenSSL 3.0), our suites only.
#[test]
fn ccm_aliases_follow_openssl() {
    let (e256, r256, ec, rc) = (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "ECDHE-RSA-CHACHA20-POLY1305",
    );
    let (e128, r128) = (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
    );
    let (c256_8, c256, c128_8, c128) = (
        "ECDHE-ECDSA-AES256-CCM8",
        "ECDHE-ECDSA-AES256-CCM",
        "ECDHE-ECDSA-AES128-CCM8",
        "ECDHE-ECDSA-AES128-CCM",
    );
    // The certificate suites only (psk_aliases_follow_openssl covers the PSK ones).
    let names = |s: &str| -> Vec<&'static str> {
        names(s)
            .into_iter()
            .filter(|n| !n.contains("PSK"))
            .collect()
    };
    assert_eq!(
        names("ALL"),
        [e256, r256, ec, rc, c256_8, c256, e128, r128, c128_8, c128]
    );
    assert_eq!(names("AESCCM"), [c256_8, c256, c128_8, c128]);
    assert_eq!(names("AESCCM8"), [c256_8, c128_8]);
    assert_eq!(names("AES128"), [e128, r128, c128_8, c128]);
    assert_eq!(names("AES256"), [e256, r256, c256_8, c256]);
    assert_eq!(
        names("AES"),
        [e256, r256, c256_8, c256, e128, r128, c128_8, c128]
    );
    assert_eq!(names("FIPS"), [e256, r256, e128, r128]);
    assert_eq!(names("AESGCM"), [e256, r256, e128, r128]);
    assert_eq!(
        names("aECDSA"),
        [e256, ec, c256_8, c256, e128, c128_8, c128]
    );
    assert_eq!(names("ECDHE-ECDSA-AES128-CCM8"), [c128_8]);
    assert_eq!(err("CCM8"), SSL_R_NO_CIPHER_MATCH);
    assert_eq!(err("CCM"), SSL_R_NO_CIPHER_MATCH);
    // DEFAULT leaves CCM out, as OpenSSL 3.0's does.
    assert!(!names("DEFAULT").iter().any(|n| n.contains("CCM")));
}

/// Orders from `openssl ciphers -s -psk -tls1_2 '<string>'` (OpenSSL 3.0), ours only.
#[test]
fn psk_aliases_follow_openssl() {
    let psk_all = [
        "ECDHE-PSK-CHACHA20-POLY1305",
        "PSK-AES256-GCM-SHA384",
        "PSK-CHACHA20-POLY1305",
        "PSK-AES256-CCM8",
        "PSK-AES256-CCM",
        "PSK-AES128-GCM-SHA256",
        "PSK-AES128-CCM8",
        "PSK-AES128-CCM",
        "ECDHE-PSK-AES256-CBC-SHA384",
        "ECDHE-PSK-AES256-CBC-SHA",
        "ECDHE-PSK-AES128-CBC-SHA256",
        "ECDHE-PSK-AES128-CBC-SHA",
    ];
    assert_eq!(names("PSK"), psk_all);
    assert_eq!(names("aPSK"), psk_all);
    assert_eq!(names("kPSK"), psk_all[1..8]);
    assert_eq!(
        names("kECDHEPSK"),
        [
            "ECDHE-PSK-CHACHA20-POLY1305",
            "ECDHE-PSK-AES256-CBC-SHA384",
            "ECDHE-PSK-AES256-CBC-SHA",
            "ECDHE-PSK-AES128-CBC-SHA256",
            "ECDHE-PSK-AES128-CBC-SHA"
        ]
    );
    assert_eq!(names("PSK-AES128-CCM8"), ["PSK-AES128-CCM8"]);
    assert_eq!(names("PSK+AESCCM8"), ["PSK-AES256-CCM8", "PSK-AES128-CCM8"]);
    assert_eq!(
        names("AESGCM+PSK"),
        ["PSK-AES256-GCM-SHA384", "PSK-AES128-GCM-SHA256"]
    );
    assert!(!names("ECDHE").iter().any(|n| n.contains("PSK")));
    assert_eq!(&names("ALL")[10..], psk_all);
    assert_eq!(
        &names("DEFAULT")[6..],
        [
            "ECDHE-PSK-CHACHA20-POLY1305",
            "PSK-AES256-GCM-SHA384",
            "PSK-CHACHA20-POLY1305",
            "PSK-AES128-GCM-SHA256",
            "ECDHE-PSK-AES256-CBC-SHA384",
            "ECDHE-PSK-AES256-CBC-SHA",
            "ECDHE-PSK-AES128-CBC-SHA256",
            "ECDHE-PSK-AES128-CBC-SHA"
        ]
    );
    // "ECDHE-PSK" is no alias in OpenSSL 3.0 either.
    assert_eq!(err("ECDHE-PSK"), SSL_R_NO_CIPHER_MATCH);
}

/// The CBC suites under OpenSSL 3.0's aliases (`openssl ciphers -s -psk -tls1_2`,
/// CBC suites of ours only): MAC aliases, `CBC`, `TLSv1`, `FIPS`, `AES128`/`AES256`.
#[test]
fn cbc_aliases_follow_openssl() {
    let (c256_384, c256_1, c128_256, c128_1) = (
        "ECDHE-PSK-AES256-CBC-SHA384",
        "ECDHE-PSK-AES256-CBC-SHA",
        "ECDHE-PSK-AES128-CBC-SHA256",
        "ECDHE-PSK-AES128-CBC-SHA",
    );
    let all = [c256_384, c256_1, c128_256, c128_1];
    let cbc = |s: &str| -> Vec<&'static str> {
        names(s).into_iter().filter(|n| n.contains("CBC")).collect()
    };
    for s in [
        "CBC",
        "TLSv1",
        "TLSv1.0",
        "ALL",
        "HIGH",
        "AES",
        "FIPS",
        "kECDHEPSK",
        "PSK+AES",
    ] {
        assert_eq!(cbc(s), all, "{s}");
    }
    // Every alias above puts the CBC suites after all the others.
    assert_eq!(&names("ALL")[18..], all);
    assert_eq!(&names("FIPS")[6..], all);
    assert_eq!(cbc("AES128"), [c128_256, c128_1]);
    assert_eq!(cbc("AES256"), [c256_384, c256_1]);
    assert_eq!(names("SHA1"), [c256_1, c128_1]);
    assert_eq!(names("SHA"), [c256_1, c128_1]);
    assert_eq!(names("SHA256"), [c128_256]);
    assert_eq!(names("SHA384"), [c256_384]);
    assert_eq!(names("kECDHEPSK+AES256"), [c256_384, c256_1]);
    assert_eq!(names("CBC+SHA256"), [c128_256]);
    assert_eq!(names("ECDHE-PSK-AES128-CBC-SHA"), [c128_1]);
    // Neither `TLSv1.2` (needs TLS 1.2) nor `ECDHE` (certificates) nor AEAD aliases.
    for s in ["TLSv1.2", "ECDHE", "AESGCM", "AESCCM", "CHACHA20"] {
        assert!(cbc(s).is_empty(), "{s}");
    }
    assert_eq!(err("ECDHE+CBC"), SSL_R_NO_CIPHER_MATCH);
}

fn ok(s: &str) -> Vec<&'static str> {
    match parse_cipher_list(s.as_bytes()) {
        Ok(l) => short(&l.suites),
        Err(e) => panic!("{s}: {e:?}"),
    }
}

fn err(s: &str) -> i32 {
    match parse_cipher_list(s.as_bytes()) {
        Ok(l) => panic!("{s}: unexpectedly parsed to {:?}", short(&l.suites)),
        Err(e) => e.reason,
    }
}

// Expected orders below were taken from `openssl ciphers -s -tls1_2 '<string>'` (OpenSSL
// 3.0), keeping only our six suites.
const OPENSSL_ALL: [&str; 6] = ["E256", "R256", "EC", "RC", "E128", "R128"];

#[test]
fn aliases_for_everything_follow_openssl_order() {
    for s in [
        "ALL", "HIGH", "ECDHE", "EECDH", "kEECDH", "kECDHE", "ECDH", "TLSv1.2",
    ] {
        assert_eq!(ok(s), OPENSSL_ALL, "{s}");
    }
}

#[test]
fn default_is_the_engine_default_order() {
    let expected = short(&suites::DEFAULT_SUITES);
    assert_eq!(ok("DEFAULT"), expected);
    assert_eq!(ok("DEFAULT:"), expected);
    let mut no_128 = expected.clone();
    no_128.retain(|n| !n.ends_with("128"));
    assert_eq!(ok("DEFAULT:-AES128"), no_128);
    // In the middle, DEFAULT is just an unknown name (OpenSSL behaves the same).
    assert_eq!(ok("ECDHE-RSA-AES128-GCM-SHA256:DEFAULT"), ["R128"]);
    assert_eq!(ok("aRSA:DEFAULT"), ["R256", "RC", "R128"]);
}

#[test]
fn single_aliases() {
    assert_eq!(ok("AESGCM"), ["E256", "R256", "E128", "R128"]);
    assert_eq!(ok("AES"), ["E256", "R256", "E128", "R128"]);
    assert_eq!(ok("FIPS"), ["E256", "R256", "E128", "R128"]);
    assert_eq!(ok("aRSA"), ["R256", "RC", "R128"]);
    assert_eq!(ok("aECDSA"), ["E256", "EC", "E128"]);
    assert_eq!(ok("ECDSA"), ["E256", "EC", "E128"]);
    assert_eq!(ok("AES128"), ["E128", "R128"]);
    assert_eq!(ok("AES256"), ["E256", "R256"]);
    assert_eq!(ok("CHACHA20"), ["EC", "RC"]);
    assert_eq!(ok("ECDHE-ECDSA-CHACHA20-POLY1305"), ["EC"]);
}

#[test]
fn add_delete_order_kill() {
    assert_eq!(ok("CHACHA20:AES128"), ["EC", "RC", "E128", "R128"]);
    assert_eq!(ok("ECDHE+AESGCM:+aRSA"), ["E256", "E128", "R256", "R128"]);
    assert_eq!(
        ok("AES128:-ECDSA:ECDHE"),
        ["R128", "E128", "E256", "R256", "EC", "RC"]
    );
    assert_eq!(ok("AES128:!ECDSA:ECDHE"), ["R128", "R256", "RC"]);
    assert_eq!(
        ok("ALL:-AES256:AES"),
        ["EC", "RC", "E128", "R128", "E256", "R256"]
    );
    assert_eq!(ok("ALL:+AES128"), OPENSSL_ALL);
    assert_eq!(
        ok("ECDHE:+CHACHA20"),
        ["E256", "R256", "E128", "R128", "EC", "RC"]
    );
    assert_eq!(
        ok("ECDHE:-aRSA:aRSA"),
        ["E256", "EC", "E128", "R256", "RC", "R128"]
    );
    assert_eq!(ok("ECDHE:!aRSA:aRSA"), ["E256", "EC", "E128"]);
    assert_eq!(ok("ALL:-ALL:AES128"), ["E128", "R128"]);
    assert_eq!(
        ok("ECDHE-ECDSA-AES128-GCM-SHA256:ALL"),
        ["E128", "E256", "R256", "EC", "RC", "R128"]
    );
    assert_eq!(ok("DEFAULT:!aRSA").len(), 3);
}

#[test]
fn plus_means_all_must_match() {
    assert_eq!(ok("EECDH+AES256"), ["E256", "R256"]);
    assert_eq!(ok("AES256+ECDSA:AES128"), ["E256", "E128", "R128"]);
    assert_eq!(ok("ECDHE-RSA-AES128-GCM-SHA256+aRSA"), ["R128"]);
    assert_eq!(
        err("ECDHE-RSA-AES128-GCM-SHA256+ECDSA"),
        SSL_R_NO_CIPHER_MATCH
    );
    // An unknown part voids the whole item.
    assert_eq!(ok("FOO+ECDHE:aRSA"), ["R256", "RC", "R128"]);
}

#[test]
fn strength_sort_is_stable() {
    assert_eq!(ok("ECDHE:@STRENGTH"), OPENSSL_ALL);
    assert_eq!(
        ok("AES128:CHACHA20:@STRENGTH"),
        ["EC", "RC", "E128", "R128"]
    );
    assert_eq!(ok("AES128:ECDHE:@STRENGTH"), OPENSSL_ALL);
    assert_eq!(
        ok("ECDHE:@STRENGTH:+aRSA"),
        ["E256", "EC", "E128", "R256", "RC", "R128"]
    );
    // Anything after a special command up to the separator is skipped.
    assert_eq!(ok("ECDHE:@STRENGTH+X"), OPENSSL_ALL);
    assert_eq!(ok("ECDHE:@SECLEVEL=2"), OPENSSL_ALL);
}

#[test]
fn separators() {
    assert_eq!(
        ok("aRSA ECDSA"),
        ["R256", "RC", "R128", "E256", "EC", "E128"]
    );
    assert_eq!(ok("aRSA,AES128"), ["R256", "RC", "R128", "E128"]);
    assert_eq!(ok("ECDHE;aRSA"), OPENSSL_ALL);
    assert_eq!(ok("ECDHE::aRSA"), OPENSSL_ALL);
    assert_eq!(ok(":ECDHE"), OPENSSL_ALL);
    assert_eq!(ok(" AES128 "), ["E128", "R128"]);
}

#[test]
fn unknown_names_are_ignored() {
    let l = parse_cipher_list(b"FOO:ECDHE-RSA-AES128-GCM-SHA256:BAR").unwrap();
    assert_eq!(short(&l.suites), ["R128"]);
    assert_eq!(l.ignored, ["FOO", "BAR"]);
    // Aliases that cover none of our suites behave alike.
    assert_eq!(ok("MEDIUM:SHA256:kRSA:CBC:AES128"), ["E128", "R128"]);
}

#[test]
fn no_cipher_match() {
    for s in [
        "FOO",
        "",
        "MEDIUM",
        "eNULL",
        "ecdhe",
        "AEAD",
        "ALL:!ALL:AES128",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        // (`SHA256` was here: it now matches ECDHE-PSK-AES128-CBC-SHA256, as in OpenSSL.)
        "kRSA",
    ] {
        assert_eq!(err(s), SSL_R_NO_CIPHER_MATCH, "{s}");
    }
    let e = parse_cipher_list(b"FOO").unwrap_err();
    assert!(
        e.detail.contains("unknown cipher name 'FOO'"),
        "{}",
        e.detail
    );
}

#[test]
fn invalid_commands() {
    for s in [
        "ECDHE:#",
        "@FOO",
        "ECDHE+",
        "ECDHE:!!",
        "ECDHE:@strength",
        "ECDHE:@SECLEVEL=9",
        "ECDHE:\u{e9}",
    ] {
        assert_eq!(err(s), SSL_R_INVALID_COMMAND, "{s}");
    }
}

#[test]
fn length_limit() {
    let long = vec![b':'; MAX_CIPHER_STRING_LEN + 1];
    assert_eq!(
        parse_cipher_list(&long).unwrap_err().reason,
        SSL_R_INVALID_COMMAND
    );
    let mut fine = vec![b':'; MAX_CIPHER_STRING_LEN - 5];
    fine.extend_from_slice(b"ECDHE");
    assert_eq!(
        short(&parse_cipher_list(&fine).unwrap().suites),
        OPENSSL_ALL
    );
}

#[test]
fn tls13_ciphersuites_openssl_rules() {
    assert_eq!(
        parse_tls13_ciphersuites("TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"),
        Ok(vec![0x1302, 0x1303])
    );
    // Unknown names are skipped; the empty string disables TLS 1.3 suites.
    assert_eq!(
        parse_tls13_ciphersuites("TLS_FOO:TLS_AES_128_CCM_8_SHA256: TLS_AES_128_GCM_SHA256"),
        Ok(vec![0x1305, 0x1301])
    );
    assert_eq!(parse_tls13_ciphersuites(""), Ok(vec![]));
    assert!(parse_tls13_ciphersuites("TLS_AES 128").is_err());
    assert!(parse_tls13_ciphersuites("ECDHE-ECDSA-AES128-GCM-SHA256").is_err());
    // Names are case-sensitive, as OpenSSL's lookup.
    assert!(parse_tls13_ciphersuites("tls_aes_128_gcm_sha256").is_err());
}
