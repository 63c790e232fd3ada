use std::ffi::{c_char, c_int, c_uint, CStr};

use super::pem::*;
use super::stack::*;
use super::store::*;
use super::*;
use crate::bio::exports::*;
use crate::crypto::digest::*;
use crate::crypto::pkey::*;

fn fixture(name: &str) -> Vec<u8> {
    let p = format!("{}/../tests/certs/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&p).unwrap_or_else(|e| panic!("{p}: {e}"))
}

fn load_cert(name: &str) -> *mut X509 {
    let pem = fixture(name);
    let b = BIO_new_mem_buf(pem.as_ptr().cast(), pem.len() as c_int);
    let x = PEM_read_bio_X509(b, std::ptr::null_mut(), None, std::ptr::null_mut());
    BIO_free(b);
    assert!(!x.is_null(), "{name}: {:?}", crate::error::snapshot());
    x
}

fn s(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: NUL-terminated string from the library.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[test]
fn subject_issuer_serial_and_fingerprint() {
    let x = load_cert("server-ecdsa.pem");
    let subj = X509_get_subject_name(x);
    assert_eq!(
        s(name::X509_NAME_oneline(subj, std::ptr::null_mut(), 0)),
        "/C=US/O=rdtls test/CN=localhost"
    );
    let mut buf = [0 as c_char; 12];
    name::X509_NAME_oneline(X509_get_issuer_name(x), buf.as_mut_ptr(), 12);
    assert_eq!(s(buf.as_ptr()), "/C=US/O=rdt", "truncated to the buffer");
    let n = &unsafe { &*subj };
    assert_eq!(
        n.print_ex(0, 0x82031f | (2 << 16) | (1 << 23)),
        "C = US, O = rdtls test, CN = localhost"
    );
    // XN_FLAG_RFC2253
    assert_eq!(
        n.print_ex(0, 0x1172ff | (1 << 16) | (1 << 20) | (1 << 24)),
        "CN=localhost,O=rdtls test,C=US"
    );
    let mut cn = [0 as c_char; 64];
    assert_eq!(
        name::X509_NAME_get_text_by_NID(subj, 13, cn.as_mut_ptr(), 64),
        9
    );
    assert_eq!(s(cn.as_ptr()), "localhost");
    assert_eq!(asn1::ASN1_INTEGER_get(X509_get0_serialNumber(x)), 0x1002);
    // `openssl x509 -fingerprint -sha256` of the fixture, computed independently below.
    let der_len = i2d_X509(x, std::ptr::null_mut());
    assert!(der_len > 0);
    let mut md = [0u8; 64];
    let mut len: c_uint = 0;
    assert_eq!(X509_digest(x, EVP_sha256(), md.as_mut_ptr(), &mut len), 1);
    assert_eq!(len, 32);
    let der = unsafe { &*x }.der().to_vec();
    assert_eq!(
        &md[..32],
        ring::digest::digest(&ring::digest::SHA256, &der).as_ref()
    );
    assert_eq!(hex(&md[..32]).len(), 95);
    X509_free(x);
}

#[test]
fn fingerprint_matches_openssl_cli() {
    let Ok(out) = std::process::Command::new("timeout")
        .args([
            "10",
            "openssl",
            "x509",
            "-noout",
            "-fingerprint",
            "-sha256",
            "-in",
        ])
        .arg(format!(
            "{}/../tests/certs/server-rsa.pem",
            env!("CARGO_MANIFEST_DIR")
        ))
        .output()
    else {
        eprintln!("skipped: openssl CLI not available");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let want = text
        .trim()
        .split('=')
        .nth(1)
        .expect("fingerprint line")
        .to_owned();
    let x = load_cert("server-rsa.pem");
    let mut md = [0u8; 64];
    let mut len: c_uint = 0;
    assert_eq!(X509_digest(x, EVP_sha256(), md.as_mut_ptr(), &mut len), 1);
    assert_eq!(hex(&md[..len as usize]), want);
    X509_free(x);
}

#[test]
fn pubkey_and_private_key_match() {
    let x = load_cert("server-rsa.pem");
    let k = X509_get0_pubkey(x);
    assert_eq!(
        (EVP_PKEY_get_id(k), EVP_PKEY_get_bits(k)),
        (der::EVP_PKEY_RSA, 2048)
    );
    let kp = X509_get_pubkey(x);
    assert_eq!(kp, k);
    EVP_PKEY_free(kp);
    let key = fixture("server-rsa.key");
    let b = BIO_new_mem_buf(key.as_ptr().cast(), key.len() as c_int);
    let pk = PEM_read_bio_PrivateKey(b, std::ptr::null_mut(), None, std::ptr::null_mut());
    BIO_free(b);
    assert!(!pk.is_null(), "{:?}", crate::error::snapshot());
    assert_eq!(
        (EVP_PKEY_get_id(pk), EVP_PKEY_get_bits(pk)),
        (der::EVP_PKEY_RSA, 2048)
    );
    assert_eq!(X509_check_private_key(x, pk), 1);
    assert!(crate::host::pkey_signing_key(pk).is_some());
    let other = load_cert("server-ecdsa.pem");
    assert_eq!(X509_check_private_key(other, pk), 0);
    crate::error::clear();
    assert_eq!(
        (
            EVP_PKEY_get_id(X509_get0_pubkey(other)),
            EVP_PKEY_get_bits(X509_get0_pubkey(other))
        ),
        (der::EVP_PKEY_EC, 256)
    );
    EVP_PKEY_free(pk);
    X509_free(x);
    X509_free(other);
}

#[test]
fn private_key_formats() {
    for (file, id) in [
        ("server-ecdsa.key", der::EVP_PKEY_EC),
        ("client-ecdsa.key", der::EVP_PKEY_EC),
        ("server-ed25519.key", der::EVP_PKEY_ED25519),
        ("server-p384.key", der::EVP_PKEY_EC),
    ] {
        let key = fixture(file);
        let b = BIO_new_mem_buf(key.as_ptr().cast(), key.len() as c_int);
        let mut out: *mut EVP_PKEY = std::ptr::null_mut();
        let pk = PEM_read_bio_PrivateKey(b, &mut out, None, std::ptr::null_mut());
        BIO_free(b);
        assert!(!pk.is_null(), "{file}: {:?}", crate::error::snapshot());
        assert_eq!(out, pk);
        assert_eq!(EVP_PKEY_get_id(pk), id, "{file}");
        EVP_PKEY_free(pk);
    }
}

#[test]
fn encrypted_key_is_refused_clearly() {
    crate::error::clear();
    let pem = b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let b = BIO_new_mem_buf(pem.as_ptr().cast(), pem.len() as c_int);
    let pk = PEM_read_bio_PrivateKey(b, std::ptr::null_mut(), None, std::ptr::null_mut());
    BIO_free(b);
    assert!(pk.is_null());
    let e = crate::error::take_entry().expect("error");
    assert_eq!(
        (e.lib(), e.reason()),
        (
            crate::error::ERR_LIB_PEM,
            crate::error::PEM_R_UNSUPPORTED_ENCRYPTION
        )
    );
}

#[test]
fn chain_file_reads_successive_certificates_then_no_start_line() {
    crate::error::clear();
    let pem = fixture("long-chain.pem");
    let b = BIO_new_mem_buf(pem.as_ptr().cast(), pem.len() as c_int);
    let mut n = 0;
    loop {
        let x = PEM_read_bio_X509(b, std::ptr::null_mut(), None, std::ptr::null_mut());
        if x.is_null() {
            break;
        }
        n += 1;
        X509_free(x);
    }
    BIO_free(b);
    assert_eq!(n, 4);
    let e = crate::error::take_entry().expect("end of file error");
    assert_eq!(e.reason(), crate::error::PEM_R_NO_START_LINE);
}

#[test]
fn der_round_trip_and_d2i_advances() {
    let x = load_cert("ca-ecdsa.pem");
    let mut out: *mut u8 = std::ptr::null_mut();
    let n = i2d_X509(x, &mut out);
    assert!(n > 0 && !out.is_null());
    // SAFETY: i2d allocated n bytes.
    let mut bytes = unsafe { std::slice::from_raw_parts(out, n as usize) }.to_vec();
    crate::crypto::mem::free(out.cast());
    bytes.extend_from_slice(b"trailing");
    let mut p = bytes.as_ptr();
    let y = d2i_X509(std::ptr::null_mut(), &mut p, bytes.len() as _);
    assert!(!y.is_null());
    assert_eq!(
        p as usize - bytes.as_ptr() as usize,
        n as usize,
        "d2i advances past one certificate"
    );
    assert_eq!(X509_cmp(x, y), 0);
    let garbage = [0x30u8, 0x03, 1, 2, 3];
    let mut q = garbage.as_ptr();
    assert!(d2i_X509(std::ptr::null_mut(), &mut q, 5).is_null());
    assert_eq!(q, garbage.as_ptr(), "failure does not advance");
    crate::error::clear();
    X509_free(x);
    X509_free(y);
}

#[test]
fn store_and_store_ctx() {
    let st = X509_STORE_new();
    let ca = load_cert("ca-ecdsa.pem");
    assert_eq!(X509_STORE_add_cert(st, ca), 1);
    assert_eq!(X509_STORE_add_cert(st, ca), 1, "duplicates are accepted");
    assert_eq!(crate::host::store_anchors_der(st).len(), 1);
    let g = crate::host::store_generation(st);
    let leaf = load_cert("server-ecdsa.pem");
    let ctx = X509_STORE_CTX_new();
    assert_eq!(X509_STORE_CTX_init(ctx, st, leaf, std::ptr::null_mut()), 1);
    assert_eq!(
        X509_verify_cert(ctx),
        1,
        "error {}",
        X509_STORE_CTX_get_error(ctx)
    );
    let chain = X509_STORE_CTX_get1_chain(ctx);
    assert!(OPENSSL_sk_num(chain) >= 1);
    crate::host::stack_free_x509(chain);
    X509_STORE_CTX_free(ctx);
    // The SSL layer's context: ex_data carries the SSL pointer.
    let chain_der = vec![
        unsafe { &*leaf }.der().to_vec(),
        unsafe { &*ca }.der().to_vec(),
    ];
    let fake_ssl = 0x1234 as *mut std::ffi::c_void;
    let c = crate::host::store_ctx_new(&chain_der, 1, 20, fake_ssl);
    assert_eq!(
        X509_STORE_CTX_get_ex_data(c, crate::host::ssl_ex_data_x509_store_ctx_idx()),
        fake_ssl
    );
    assert_eq!(
        (
            X509_STORE_CTX_get_error(c),
            X509_STORE_CTX_get_error_depth(c)
        ),
        (20, 1)
    );
    assert_eq!(X509_cmp(X509_STORE_CTX_get_current_cert(c), ca), 0);
    assert_eq!(OPENSSL_sk_num(X509_STORE_CTX_get0_chain(c)), 2);
    X509_STORE_CTX_set_error(c, 0);
    assert_eq!(crate::host::store_ctx_error(c), 0);
    crate::host::store_ctx_set_verifier(
        c,
        Box::new(|chain| (if chain.len() == 2 { 0 } else { 1 }, 0)),
    );
    assert_eq!(X509_verify_cert(c), 1);
    crate::host::store_ctx_free(c);
    assert_eq!(crate::host::store_generation(st), g);
    X509_STORE_free(st);
    X509_free(ca);
    X509_free(leaf);
    assert!(!s(X509_verify_cert_error_string(20)).is_empty());
}

#[test]
fn stacks() {
    let sk = OPENSSL_sk_new_null();
    assert_eq!(OPENSSL_sk_num(sk), 0);
    for v in [3usize, 1, 2] {
        OPENSSL_sk_push(sk, v as *const std::ffi::c_void);
    }
    assert_eq!(OPENSSL_sk_value(sk, 0) as usize, 3);
    assert!(OPENSSL_sk_value(sk, 3).is_null());
    assert!(OPENSSL_sk_value(sk, -1).is_null());
    assert_eq!(OPENSSL_sk_find(sk, 2 as *const std::ffi::c_void), 2);
    assert_eq!(OPENSSL_sk_shift(sk) as usize, 3);
    assert_eq!(OPENSSL_sk_pop(sk) as usize, 2);
    assert_eq!(OPENSSL_sk_num(sk), 1);
    OPENSSL_sk_free(sk);
    assert_eq!(OPENSSL_sk_num(std::ptr::null()), -1);
    let chain = crate::host::stack_of_x509(&[fixture("self-signed.pem")]);
    assert_eq!(OPENSSL_sk_num(chain), 0, "PEM is not DER: skipped");
    crate::host::stack_free_x509(chain);
    crate::error::clear();
}

#[test]
fn hmac_and_digest_vectors() {
    // RFC 4231 test case 2.
    let mut out = [0u8; 64];
    let mut len: c_uint = 0;
    let r = crate::crypto::hmac::HMAC(
        EVP_sha256(),
        b"Jefe".as_ptr().cast(),
        4,
        b"what do ya want for nothing?".as_ptr(),
        28,
        out.as_mut_ptr(),
        &mut len,
    );
    assert_eq!(r, out.as_mut_ptr());
    assert_eq!(
        hex(&out[..len as usize]).replace(':', "").to_lowercase(),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(EVP_MD_get_size(EVP_sha384()), 48);
    assert_eq!(EVP_MD_get_size(std::ptr::null()), -1);
    assert_eq!(
        EVP_get_digestbyname(b"sha256\0".as_ptr().cast()),
        EVP_sha256()
    );
}

#[test]
fn check_host_and_ip() {
    let x = load_cert("server-ecdsa.pem");
    let mut peer: *mut c_char = std::ptr::null_mut();
    assert_eq!(
        check::X509_check_host(x, b"LOCALHOST\0".as_ptr().cast(), 0, 0, &mut peer),
        1
    );
    assert_eq!(s(peer), "localhost");
    crate::crypto::mem::free(peer.cast());
    assert_eq!(
        check::X509_check_host(
            x,
            b"example.com\0".as_ptr().cast(),
            0,
            0,
            std::ptr::null_mut()
        ),
        0
    );
    assert_eq!(
        check::X509_check_host(
            x,
            b"local\0host".as_ptr().cast(),
            10,
            0,
            std::ptr::null_mut()
        ),
        -1
    );
    assert_eq!(
        check::X509_check_ip_asc(x, b"127.0.0.1\0".as_ptr().cast(), 0),
        1
    );
    assert_eq!(
        check::X509_check_ip_asc(x, b"127.0.0.2\0".as_ptr().cast(), 0),
        0
    );
    assert_eq!(
        check::X509_check_ip_asc(x, b"nonsense\0".as_ptr().cast(), 0),
        -1
    );
    assert_eq!(
        check::X509_check_host(
            std::ptr::null_mut(),
            std::ptr::null(),
            0,
            0,
            std::ptr::null_mut()
        ),
        -1
    );
    crate::error::clear();
    X509_free(x);
}
