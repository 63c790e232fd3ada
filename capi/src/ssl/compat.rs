//! Small OpenSSL 3.0 accessors that legacy programs import (issue 8 item 1): cipher NIDs,
//! `SSL_get_state`, the private key getters, RSA key loaders, the (empty) compression
//! method list, and friends. Each answers what OpenSSL 3.0 answers for a DTLS object.
use std::ffi::{c_char, c_int, c_long, c_uchar, c_void};
use std::sync::{Arc, Mutex};

use rdtls::pki::keys::{KeyAlgorithm, SigningKey};
use rdtls::suites::{AeadKind, MacAlg};

use crate::entry::*;
use crate::error::ssl_reasons::SSL_R_UNKNOWN_PKEY_TYPE;
use crate::error::{put_error, ERR_LIB_SSL, ERR_R_UNSUPPORTED};
use crate::host::{self, EVP_PKEY, OPENSSL_STACK};

use super::cipher::{CIPHERS, SSL_CIPHER};
use super::consts::SSL_FILETYPE_ASN1;
use super::method::SSL_METHOD;
use super::objects::{PasswordCallback, SSL, SSL_CTX};
use super::state::lock;
use super::state::AppPtr;

/// OpenSSL's NIDs (obj_mac.h) of the record ciphers.
const NID_AES_128_GCM: c_int = 895;
const NID_AES_256_GCM: c_int = 901;
const NID_CHACHA20_POLY1305: c_int = 1018;
const NID_AES_128_CCM: c_int = 896;
const NID_AES_128_CBC: c_int = 419;
const NID_AES_256_CBC: c_int = 427;
const NID_SHA1: c_int = 64;
const NID_SHA256: c_int = 672;
const NID_SHA384: c_int = 673;
const NID_AES_256_CCM: c_int = 902;

/// `dtls1_default_timeout`: two hours.
const DTLS_DEFAULT_TIMEOUT: c_long = 2 * 60 * 60;

#[allow(improper_ctypes)]
extern "C" {
    fn OPENSSL_sk_new_null() -> *mut OPENSSL_STACK;
}

/// `OSSL_HANDSHAKE_STATE` of an OpenSSL state name (the names `SSL_state_string_long`
/// prints, which the engine reports); `server` picks the side of the shared names.
fn handshake_state(name: &str, server: bool) -> c_int {
    // Values in enum order (ssl.h): TLS_ST_BEFORE = 0, TLS_ST_OK = 1, ...
    match name {
        "SSL negotiation finished successfully" => 1,
        "DTLS1 read hello verify request" => 2,
        "SSLv3/TLS read server hello" => 3,
        "SSLv3/TLS read server certificate" => 4,
        "SSLv3/TLS read server key exchange" => 6,
        "SSLv3/TLS read server certificate request" => 7,
        "SSLv3/TLS read server done" => 8,
        "SSLv3/TLS write client hello" => 12,
        "SSLv3/TLS write client certificate" => 13,
        "SSLv3/TLS write client key exchange" => 14,
        "SSLv3/TLS write certificate verify" => 15,
        "SSLv3/TLS read client hello" => 20,
        "DTLS1 write hello verify request" => 21,
        "SSLv3/TLS write server hello" => 22,
        "SSLv3/TLS write certificate" => 23,
        "SSLv3/TLS write key exchange" => 24,
        "SSLv3/TLS write certificate request" => 25,
        "SSLv3/TLS write server done" => 26,
        "SSLv3/TLS read client certificate" => 27,
        "SSLv3/TLS read client key exchange" => 28,
        "SSLv3/TLS read certificate verify" => 29,
        // TLS_ST_SR_CHANGE / TLS_ST_CR_CHANGE, TLS_ST_SR_FINISHED / TLS_ST_CR_FINISHED.
        "SSLv3/TLS read change cipher spec" => {
            if server {
                31
            } else {
                10
            }
        }
        "SSLv3/TLS read finished" => {
            if server {
                32
            } else {
                11
            }
        }
        "SSLv3/TLS write change cipher spec" => {
            if server {
                35
            } else {
                16
            }
        }
        "SSLv3/TLS write finished" => {
            if server {
                36
            } else {
                18
            }
        }
        _ => 0,
    }
}

/// `SSL_COMP_get_compression_methods`' stack: empty, as OpenSSL 3.0 built without zlib.
static COMP_METHODS: Mutex<Option<AppPtr>> = Mutex::new(None);

fn comp_methods() -> *mut OPENSSL_STACK {
    let mut g = lock(&COMP_METHODS);
    if g.is_none() {
        // SAFETY: libcrypto's stack constructor.
        let sk = unsafe { OPENSSL_sk_new_null() };
        if sk.is_null() {
            return sk;
        }
        *g = Some(AppPtr(sk.cast()));
    }
    g.map_or(std::ptr::null_mut(), |p| p.0.cast())
}

/// An RSA key from `data` (PEM or DER per `filetype`); other key types are refused as
/// OpenSSL's `PEM_read_bio_RSAPrivateKey` refuses them.
fn rsa_key(data: &[u8], filetype: c_int, what: &str) -> Option<Arc<SigningKey>> {
    let k = super::certs::parse_key(data, filetype, what)?;
    if k.algorithm() != KeyAlgorithm::Rsa {
        put_error(
            ERR_LIB_SSL,
            SSL_R_UNKNOWN_PKEY_TYPE,
            format!("{what} holds no RSA key"),
        );
        return None;
    }
    Some(k)
}

/// Installs an RSA key read from `file` into a context or connection.
fn use_rsa_file(install: impl FnOnce(Arc<SigningKey>) -> c_int, file: &str, ft: c_int) -> c_int {
    let Some(data) = super::certs::read_file(file) else {
        return 0;
    };
    match rsa_key(&data, ft, &format!("'{file}'")) {
        Some(k) => install(k),
        None => 0,
    }
}

/// Installs an RSA key given as DER (`RSAPrivateKey` or PKCS#8).
fn use_rsa_der(install: impl FnOnce(Arc<SigningKey>) -> c_int, d: &[u8]) -> c_int {
    match rsa_key(d, SSL_FILETYPE_ASN1, "the DER buffer") {
        Some(k) => install(k),
        None => 0,
    }
}

/// `SSL_copy_session_id`: `to` resumes `from`'s session under the same session ID
/// context; 1 on success.
pub fn copy_session_id(to: *mut SSL, from: *const SSL) -> c_int {
    let sess = super::session::SSL_get_session(from);
    if !sess.is_null() && super::session::SSL_set_session(to, sess) != 1 {
        return 0;
    }
    // SAFETY: live handles from the caller (checked by the callers' entry wrappers).
    let (Some(t), Some(f)) = (unsafe { to.as_ref() }, unsafe { from.as_ref() }) else {
        return 0;
    };
    let sid = f.with_settings(|st| st.sid_ctx.clone());
    c_int::from(t.update_settings(|st| st.sid_ctx = sid).is_some())
}

entry! {
    /// SSL_CIPHER_find returns the suite whose two code point bytes are at `ptr`, or NULL.
    fn SSL_CIPHER_find(_s: *mut SSL, ptr: *const u8) -> *const SSL_CIPHER {
        let b = try_slice!(ptr, 2, std::ptr::null());
        let id = u16::from_be_bytes([b[0], b[1]]);
        CIPHERS
            .iter()
            .find(|c| c.suite.id == id)
            .map_or(std::ptr::null(), |c| c as *const SSL_CIPHER)
    }

    /// SSL_copy_session_id makes `to` resume `from`'s session (same session ID context);
    /// 1 on success.
    fn SSL_copy_session_id(to: *mut SSL, from: *const SSL) -> c_int {
        let _ = try_ref!(to, 0);
        let _ = try_ref!(from, 0);
        copy_session_id(to, from)
    }

    /// SSL_CIPHER_get_cipher_nid: the NID of the record cipher (NID_aes_128_gcm,
    /// NID_aes_256_gcm, NID_chacha20_poly1305); NID_undef (0) for NULL.
    fn SSL_CIPHER_get_cipher_nid(c: *const SSL_CIPHER) -> c_int {
        let c = try_ref!(c, 0);
        match c.suite.aead {
            AeadKind::Aes128Gcm => NID_AES_128_GCM,
            AeadKind::Aes256Gcm => NID_AES_256_GCM,
            AeadKind::Chacha20Poly1305 => NID_CHACHA20_POLY1305,
            AeadKind::Aes128Ccm | AeadKind::Aes128Ccm8 => NID_AES_128_CCM,
            AeadKind::Aes256Ccm | AeadKind::Aes256Ccm8 => NID_AES_256_CCM,
            AeadKind::Aes128Cbc => NID_AES_128_CBC,
            AeadKind::Aes256Cbc => NID_AES_256_CBC,
        }
    }

    /// SSL_CIPHER_get_digest_nid: the record MAC's digest (NID_sha1, NID_sha256,
    /// NID_sha384) for a CBC suite; NID_undef (0) for AEAD suites, which have no record
    /// MAC, as OpenSSL answers.
    fn SSL_CIPHER_get_digest_nid(c: *const SSL_CIPHER) -> c_int {
        let c = try_ref!(c, 0);
        match c.suite.mac {
            None => 0,
            Some(MacAlg::Sha1) => NID_SHA1,
            Some(MacAlg::Sha256) => NID_SHA256,
            Some(MacAlg::Sha384) => NID_SHA384,
        }
    }

    /// SSL_CTX_get_ciphers: the context's cipher suites in preference order, as a
    /// `STACK_OF(SSL_CIPHER)` owned by the context.
    fn SSL_CTX_get_ciphers(ctx: *const SSL_CTX) -> *mut OPENSSL_STACK {
        let ctx = try_ref!(ctx, std::ptr::null_mut());
        let ids: Vec<u16> = ctx.with_settings(|st| st.suites.iter().map(|c| c.id).collect());
        lock(&ctx.extras.ciphers).get(&ids)
    }

    /// SSL_get_ciphers: the connection's cipher suites in preference order, owned by `s`.
    fn SSL_get_ciphers(s: *const SSL) -> *mut OPENSSL_STACK {
        let s = try_ref!(s, std::ptr::null_mut());
        let ids: Vec<u16> = s.with_settings(|st| st.suites.iter().map(|c| c.id).collect());
        match s.extras.ciphers.try_borrow_mut() {
            Ok(mut c) => c.get(&ids),
            Err(_) => std::ptr::null_mut(),
        }
    }

    /// SSL_get_state: the `OSSL_HANDSHAKE_STATE` of the last handshake step (TLS_ST_BEFORE
    /// before any, TLS_ST_OK once complete).
    fn SSL_get_state(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        handshake_state(super::info::state_long(s), s.is_server())
    }

    /// SSL_get_default_timeout: the session lifetime DTLS uses by default, 7200 seconds.
    fn SSL_get_default_timeout(s: *const SSL) -> c_long {
        let _ = try_ref!(s, 0);
        DTLS_DEFAULT_TIMEOUT
    }

    /// SSL_get_ssl_method: the method of the connection's context.
    fn SSL_get_ssl_method(s: *const SSL) -> *const SSL_METHOD {
        let s = try_ref!(s, std::ptr::null());
        s.ctx().method
    }

    /// SSL_get_privatekey: our private key as an `EVP_PKEY` owned by `s` (NULL when none is
    /// set). In the drop-in build only a key given as an `EVP_PKEY` (or `RSA`) has one; a key
    /// read from a file yields NULL with an error.
    fn SSL_get_privatekey(s: *const SSL) -> *mut EVP_PKEY {
        let s = try_ref!(s, std::ptr::null_mut());
        let Some(key) = s.with_settings(|st| st.key.clone()) else {
            return std::ptr::null_mut();
        };
        match s.extras.pkey.try_borrow_mut() {
            Ok(mut c) => c.get(&key),
            Err(_) => std::ptr::null_mut(),
        }
    }

    /// SSL_CTX_get0_privatekey: the context's key, as SSL_get_privatekey.
    fn SSL_CTX_get0_privatekey(ctx: *const SSL_CTX) -> *mut EVP_PKEY {
        let ctx = try_ref!(ctx, std::ptr::null_mut());
        let Some(key) = ctx.with_settings(|st| st.key.clone()) else {
            return std::ptr::null_mut();
        };
        lock(&ctx.extras.pkey).get(&key)
    }

    /// SSL_CTX_use_RSAPrivateKey sets our key from an `RSA` object; 1 on success.
    fn SSL_CTX_use_RSAPrivateKey(ctx: *mut SSL_CTX, rsa: *mut c_void) -> c_int {
        let _ = try_ref!(ctx, 0);
        let _ = try_ref!(rsa, 0);
        let k = host::pkey_from_rsa(rsa);
        if k.is_null() {
            return 0;
        }
        let r = super::certs::SSL_CTX_use_PrivateKey(ctx, k);
        host::pkey_free(k);
        r
    }

    /// SSL_use_RSAPrivateKey sets this connection's key from an `RSA` object; 1 on success.
    fn SSL_use_RSAPrivateKey(s: *mut SSL, rsa: *mut c_void) -> c_int {
        let _ = try_ref!(s, 0);
        let _ = try_ref!(rsa, 0);
        let k = host::pkey_from_rsa(rsa);
        if k.is_null() {
            return 0;
        }
        let r = super::certs::SSL_use_PrivateKey(s, k);
        host::pkey_free(k);
        r
    }

    /// SSL_CTX_use_RSAPrivateKey_file loads an RSA key (PEM or DER); 1 on success.
    fn SSL_CTX_use_RSAPrivateKey_file(ctx: *mut SSL_CTX, file: *const c_char, filetype: c_int) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let path = try_cstr!(file, 0);
        use_rsa_file(|k| ctx.update(|st| super::certs::set_key(st, k)), path, filetype)
    }

    /// SSL_use_RSAPrivateKey_file: as SSL_CTX_use_RSAPrivateKey_file, for one connection.
    fn SSL_use_RSAPrivateKey_file(s: *mut SSL, file: *const c_char, filetype: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let path = try_cstr!(file, 0);
        use_rsa_file(
            |k| s.update_settings(|st| super::certs::set_key(st, k)).unwrap_or(0),
            path,
            filetype,
        )
    }

    /// SSL_CTX_use_RSAPrivateKey_ASN1 sets an RSA key from DER; 1 on success.
    fn SSL_CTX_use_RSAPrivateKey_ASN1(ctx: *mut SSL_CTX, d: *const c_uchar, len: c_long) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let der = try_slice!(d, usize::try_from(len).unwrap_or(0), 0);
        use_rsa_der(|k| ctx.update(|st| super::certs::set_key(st, k)), der)
    }

    /// SSL_use_RSAPrivateKey_ASN1: as above, for one connection.
    fn SSL_use_RSAPrivateKey_ASN1(s: *mut SSL, d: *const c_uchar, len: c_long) -> c_int {
        let s = try_ref!(s, 0);
        let der = try_slice!(d, usize::try_from(len).unwrap_or(0), 0);
        use_rsa_der(
            |k| s.update_settings(|st| super::certs::set_key(st, k)).unwrap_or(0),
            der,
        )
    }

    /// SSL_CTX_get_default_passwd_cb: the PEM password callback set on the context.
    fn SSL_CTX_get_default_passwd_cb(ctx: *mut SSL_CTX) -> Option<PasswordCallback> {
        let ctx = try_ref!(ctx, None);
        ctx.live().passwd_callback
    }

    /// SSL_CTX_get_default_passwd_cb_userdata: its argument.
    fn SSL_CTX_get_default_passwd_cb_userdata(ctx: *mut SSL_CTX) -> *mut c_void {
        let ctx = try_ref!(ctx, std::ptr::null_mut());
        ctx.live().passwd_userdata.0
    }

    /// SSL_get_default_passwd_cb: the context's callback (connections keep none of their own).
    fn SSL_get_default_passwd_cb(s: *mut SSL) -> Option<PasswordCallback> {
        let s = try_ref!(s, None);
        s.ctx().live().passwd_callback
    }

    /// SSL_get_default_passwd_cb_userdata: the context's callback argument.
    fn SSL_get_default_passwd_cb_userdata(s: *mut SSL) -> *mut c_void {
        let s = try_ref!(s, std::ptr::null_mut());
        s.ctx().live().passwd_userdata.0
    }

    /// SSL_COMP_get_compression_methods: the (empty, never NULL) list of compression
    /// methods, as OpenSSL 3.0 built without zlib.
    fn SSL_COMP_get_compression_methods() -> *mut OPENSSL_STACK {
        comp_methods()
    }

    /// SSL_COMP_set0_compression_methods: installs `meths` as the list and returns the
    /// previous one (the caller owns it), as OpenSSL does; compression is still never used.
    fn SSL_COMP_set0_compression_methods(meths: *mut OPENSSL_STACK) -> *mut OPENSSL_STACK {
        let old = comp_methods();
        *lock(&COMP_METHODS) = (!meths.is_null()).then_some(AppPtr(meths.cast()));
        old
    }

    /// SSL_COMP_add_compression_method: compression is not supported. A NULL method is
    /// accepted (1, as OpenSSL returns for it); a real one is refused with an error. This
    /// function returns 0 on success and 1 on failure.
    fn SSL_COMP_add_compression_method(_id: c_int, cm: *mut c_void) -> c_int {
        if !cm.is_null() {
            put_error(ERR_LIB_SSL, ERR_R_UNSUPPORTED, "compression is not supported by rdtls");
        }
        1
    }

    /// SSL_COMP_get0_name: NULL, as OpenSSL 3.0 without compression.
    fn SSL_COMP_get0_name(_comp: *const c_void) -> *const c_char {
        std::ptr::null()
    }

    /// SSL_COMP_get_id: -1, as OpenSSL 3.0 without compression.
    fn SSL_COMP_get_id(_comp: *const c_void) -> c_int {
        -1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_to_openssl_values() {
        assert_eq!(handshake_state("before SSL initialization", true), 0);
        assert_eq!(
            handshake_state("SSL negotiation finished successfully", false),
            1
        );
        assert_eq!(handshake_state("SSLv3/TLS write client hello", false), 12);
        assert_eq!(handshake_state("SSLv3/TLS read finished", true), 32);
        assert_eq!(handshake_state("SSLv3/TLS read finished", false), 11);
        assert_eq!(handshake_state("error", false), 0);
    }

    #[test]
    fn cipher_nids_are_openssls() {
        let nids: Vec<(u16, c_int)> = super::super::cipher::CIPHERS
            .iter()
            .map(|c| (c.suite.id, SSL_CIPHER_get_cipher_nid(c)))
            .collect();
        assert!(nids.contains(&(0xc02b, 895)));
        assert!(nids.contains(&(0xc030, 901)));
        assert!(nids.contains(&(0xcca9, 1018)));
        assert!(nids.contains(&(0xc0ae, 896)));
        assert!(nids.contains(&(0xc0ad, 902)));
        assert_eq!(
            SSL_CIPHER_get_digest_nid(&super::super::cipher::CIPHERS[0]),
            0
        );
        assert_eq!(SSL_CIPHER_get_cipher_nid(std::ptr::null()), 0);
    }

    #[test]
    fn compression_list_is_empty_not_null() {
        let m = SSL_COMP_get_compression_methods();
        assert!(!m.is_null());
        assert_eq!(host::stack_len(m), 0);
        assert_eq!(
            SSL_COMP_add_compression_method(200, std::ptr::null_mut()),
            1
        );
        assert_eq!(SSL_COMP_get_id(std::ptr::null()), -1);
    }
}
