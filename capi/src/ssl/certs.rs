//! Our certificate and key (`SSL_CTX_use_*`, `SSL_use_*`) and the trust anchors
//! (`SSL_CTX_load_verify_locations`, the certificate store).
//!
//! Certificates and keys are parsed once, when loaded, and kept in the settings as DER plus
//! a parsed [`SigningKey`]; engine configs built from them are shared by every handshake.
use std::ffi::{c_char, c_int, c_long, c_uchar};
use std::sync::Arc;

use rdtls::pki::keys::SigningKey;
use rdtls::pki::pem::load_certificates;

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{
    put_error, put_sys_error, ERR_LIB_SSL, ERR_LIB_X509, ERR_R_ASN1_LIB, ERR_R_PEM_LIB,
    ERR_R_SYS_LIB, X509_R_KEY_VALUES_MISMATCH,
};
use crate::host::{self, EVP_PKEY, X509};

use super::consts::*;
use super::objects::{Settings, SSL, SSL_CTX};

/// Largest certificate, key or CA file we read (a full system CA bundle is ~250 KiB).
pub const MAX_PEM_FILE_LEN: u64 = 16 * 1024 * 1024;

/// Reads a file named by a C string, raising OpenSSL-style errors on failure.
pub(crate) fn read_file(path: &str) -> Option<Vec<u8>> {
    let meta = std::fs::metadata(path);
    if let Ok(m) = &meta {
        if m.len() > MAX_PEM_FILE_LEN {
            put_error(
                ERR_LIB_SSL,
                SSL_R_BAD_VALUE,
                format!("'{path}' is larger than {MAX_PEM_FILE_LEN} bytes"),
            );
            return None;
        }
    }
    match std::fs::read(path) {
        Ok(d) => Some(d),
        Err(e) => {
            put_sys_error(
                e.raw_os_error().unwrap_or(0),
                format!("calling fopen({path}, r)"),
            );
            put_error(
                ERR_LIB_SSL,
                ERR_R_SYS_LIB,
                format!("cannot read '{path}': {e}"),
            );
            None
        }
    }
}

/// The certificates in `data` per `SSL_FILETYPE_*`.
pub(crate) fn parse_certs(data: &[u8], filetype: c_int, what: &str) -> Option<Vec<Vec<u8>>> {
    match filetype {
        SSL_FILETYPE_PEM => match load_certificates(data) {
            Ok(v) if !v.is_empty() => Some(v),
            Ok(_) => {
                put_error(
                    ERR_LIB_SSL,
                    ERR_R_PEM_LIB,
                    format!("no certificate found in {what}"),
                );
                None
            }
            Err(e) => {
                put_error(
                    ERR_LIB_SSL,
                    ERR_R_PEM_LIB,
                    format!("bad certificate in {what}: {e}"),
                );
                None
            }
        },
        SSL_FILETYPE_ASN1 => Some(vec![data.to_vec()]),
        _ => {
            put_error(
                ERR_LIB_SSL,
                SSL_R_BAD_SSL_FILETYPE,
                format!("file type {filetype} (use SSL_FILETYPE_PEM or SSL_FILETYPE_ASN1)"),
            );
            None
        }
    }
}

/// The private key in `data` per `SSL_FILETYPE_*`.
pub(crate) fn parse_key(data: &[u8], filetype: c_int, what: &str) -> Option<Arc<SigningKey>> {
    let r = match filetype {
        SSL_FILETYPE_PEM => SigningKey::from_pem(data),
        SSL_FILETYPE_ASN1 => SigningKey::from_der(data),
        _ => {
            put_error(
                ERR_LIB_SSL,
                SSL_R_BAD_SSL_FILETYPE,
                format!("file type {filetype} (use SSL_FILETYPE_PEM or SSL_FILETYPE_ASN1)"),
            );
            return None;
        }
    };
    match r {
        Ok(k) => Some(Arc::new(k)),
        Err(e) => {
            let lib_reason = if filetype == SSL_FILETYPE_PEM {
                ERR_R_PEM_LIB
            } else {
                ERR_R_ASN1_LIB
            };
            put_error(
                ERR_LIB_SSL,
                lib_reason,
                format!("cannot use the private key in {what}: {e}"),
            );
            None
        }
    }
}

/// Installs our certificate; a key that does not match it is dropped (OpenSSL does so).
fn set_cert(s: &mut Settings, der: Vec<u8>) {
    if let Some(k) = &s.key {
        if !k.matches_certificate(&der) {
            s.key = None;
        }
    }
    s.cert = Some(Arc::new(der));
}

/// Installs our key; fails (0) when it does not match the certificate already set.
pub(crate) fn set_key(s: &mut Settings, key: Arc<SigningKey>) -> c_int {
    if let Some(c) = &s.cert {
        if !key.matches_certificate(c) {
            put_error(
                ERR_LIB_X509,
                X509_R_KEY_VALUES_MISMATCH,
                "the private key does not match the certificate",
            );
            return 0;
        }
    }
    s.key = Some(key);
    1
}

/// `SSL_CTX_check_private_key` / `SSL_check_private_key`.
fn check_key(s: &Settings) -> c_int {
    let Some(cert) = &s.cert else {
        put_error(
            ERR_LIB_SSL,
            SSL_R_NO_CERTIFICATE_ASSIGNED,
            "no certificate loaded",
        );
        return 0;
    };
    let Some(key) = &s.key else {
        put_error(
            ERR_LIB_SSL,
            SSL_R_NO_PRIVATE_KEY_ASSIGNED,
            "no private key loaded",
        );
        return 0;
    };
    if !key.matches_certificate(cert) {
        put_error(
            ERR_LIB_X509,
            X509_R_KEY_VALUES_MISMATCH,
            "the private key does not match the certificate",
        );
        return 0;
    }
    1
}

/// Where a loader stores what it loaded: a context (shared) or one connection.
enum Target<'a> {
    Ctx(&'a SSL_CTX),
    Ssl(&'a SSL),
}

impl Target<'_> {
    fn update<R: Default>(&self, f: impl FnOnce(&mut Settings) -> R) -> R {
        match self {
            Target::Ctx(c) => c.update(f),
            Target::Ssl(s) => s.update_settings(f).unwrap_or_default(),
        }
    }

    fn read<R>(&self, f: impl FnOnce(&Settings) -> R) -> R {
        match self {
            Target::Ctx(c) => c.with_settings(f),
            Target::Ssl(s) => s.with_settings(f),
        }
    }

    fn use_cert_der(&self, der: &[u8]) -> c_int {
        if let Err(e) = rdtls::pki::x509::parse_certificate(der) {
            put_error(ERR_LIB_SSL, ERR_R_ASN1_LIB, format!("bad certificate: {e}"));
            return 0;
        }
        let der = der.to_vec();
        self.update(|s| set_cert(s, der));
        1
    }

    fn use_cert_file(&self, path: &str, filetype: c_int) -> c_int {
        let Some(data) = read_file(path) else {
            return 0;
        };
        let Some(certs) = parse_certs(&data, filetype, &format!("'{path}'")) else {
            return 0;
        };
        match certs.into_iter().next() {
            Some(leaf) => self.use_cert_der(&leaf),
            None => 0,
        }
    }

    fn use_chain_file(&self, path: &str) -> c_int {
        let Some(data) = read_file(path) else {
            return 0;
        };
        let Some(mut certs) = parse_certs(&data, SSL_FILETYPE_PEM, &format!("'{path}'")) else {
            return 0;
        };
        let leaf = certs.remove(0);
        if self.use_cert_der(&leaf) == 0 {
            return 0;
        }
        self.update(|s| s.chain = Arc::new(certs));
        1
    }

    fn use_key_file(&self, path: &str, filetype: c_int) -> c_int {
        let Some(data) = read_file(path) else {
            return 0;
        };
        match parse_key(&data, filetype, &format!("'{path}'")) {
            Some(k) => self.update(|s| set_key(s, k)),
            None => 0,
        }
    }

    fn use_pkey(&self, k: *mut EVP_PKEY) -> c_int {
        match host::pkey_signing_key(k) {
            Some(key) => self.update(|s| set_key(s, key)),
            None => {
                put_error(
                    ERR_LIB_SSL,
                    SSL_R_UNKNOWN_PKEY_TYPE,
                    "the EVP_PKEY holds no usable private key",
                );
                0
            }
        }
    }

    fn use_x509(&self, x: *mut X509) -> c_int {
        match host::x509_der(x) {
            Some(der) => self.use_cert_der(&der),
            None => {
                put_error(ERR_LIB_SSL, ERR_R_ASN1_LIB, "no certificate");
                0
            }
        }
    }
}

entry! {
    /// SSL_CTX_use_certificate sets our certificate from an X509; 1 on success.
    fn SSL_CTX_use_certificate(ctx: *mut SSL_CTX, x: *mut X509) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let _ = try_ref!(x, 0);
        Target::Ctx(ctx).use_x509(x)
    }

    /// SSL_CTX_use_certificate_ASN1 sets our certificate from DER; 1 on success.
    fn SSL_CTX_use_certificate_ASN1(ctx: *mut SSL_CTX, len: c_int, d: *const c_uchar) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let der = try_slice!(d, usize::try_from(len).unwrap_or(0), 0);
        Target::Ctx(ctx).use_cert_der(der)
    }

    /// SSL_CTX_use_certificate_file loads our certificate (first in a PEM file); 1 on success.
    fn SSL_CTX_use_certificate_file(ctx: *mut SSL_CTX, file: *const c_char, filetype: c_int) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let path = try_cstr!(file, 0);
        Target::Ctx(ctx).use_cert_file(path, filetype)
    }

    /// SSL_CTX_use_certificate_chain_file loads our certificate and the chain after it (PEM);
    /// 1 on success.
    fn SSL_CTX_use_certificate_chain_file(ctx: *mut SSL_CTX, file: *const c_char) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let path = try_cstr!(file, 0);
        Target::Ctx(ctx).use_chain_file(path)
    }

    /// SSL_CTX_use_PrivateKey sets our key from an EVP_PKEY; 1 on success.
    fn SSL_CTX_use_PrivateKey(ctx: *mut SSL_CTX, k: *mut EVP_PKEY) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let _ = try_ref!(k, 0);
        Target::Ctx(ctx).use_pkey(k)
    }

    /// SSL_CTX_use_PrivateKey_ASN1 sets our key from DER (`pk_type` is ignored: the DER says
    /// which algorithm); 1 on success.
    fn SSL_CTX_use_PrivateKey_ASN1(_pk_type: c_int, ctx: *mut SSL_CTX, d: *const c_uchar, len: c_long) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let der = try_slice!(d, usize::try_from(len).unwrap_or(0), 0);
        match parse_key(der, SSL_FILETYPE_ASN1, "the DER buffer") {
            Some(k) => ctx.update(|s| set_key(s, k)),
            None => 0,
        }
    }

    /// SSL_CTX_use_PrivateKey_file loads our key; 1 on success.
    fn SSL_CTX_use_PrivateKey_file(ctx: *mut SSL_CTX, file: *const c_char, filetype: c_int) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let path = try_cstr!(file, 0);
        Target::Ctx(ctx).use_key_file(path, filetype)
    }

    /// SSL_CTX_check_private_key: 1 when the key matches the certificate.
    fn SSL_CTX_check_private_key(ctx: *const SSL_CTX) -> c_int {
        let ctx = try_ref!(ctx, 0);
        Target::Ctx(ctx).read(check_key)
    }

    /// SSL_use_certificate sets this connection's certificate; 1 on success.
    fn SSL_use_certificate(s: *mut SSL, x: *mut X509) -> c_int {
        let s = try_ref!(s, 0);
        let _ = try_ref!(x, 0);
        Target::Ssl(s).use_x509(x)
    }

    /// SSL_use_certificate_ASN1 sets this connection's certificate from DER.
    fn SSL_use_certificate_ASN1(s: *mut SSL, d: *const c_uchar, len: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let der = try_slice!(d, usize::try_from(len).unwrap_or(0), 0);
        Target::Ssl(s).use_cert_der(der)
    }

    /// SSL_use_certificate_file loads this connection's certificate.
    fn SSL_use_certificate_file(s: *mut SSL, file: *const c_char, filetype: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let path = try_cstr!(file, 0);
        Target::Ssl(s).use_cert_file(path, filetype)
    }

    /// SSL_use_certificate_chain_file loads this connection's certificate and chain.
    fn SSL_use_certificate_chain_file(s: *mut SSL, file: *const c_char) -> c_int {
        let s = try_ref!(s, 0);
        let path = try_cstr!(file, 0);
        Target::Ssl(s).use_chain_file(path)
    }

    /// SSL_use_PrivateKey sets this connection's key.
    fn SSL_use_PrivateKey(s: *mut SSL, k: *mut EVP_PKEY) -> c_int {
        let s = try_ref!(s, 0);
        let _ = try_ref!(k, 0);
        Target::Ssl(s).use_pkey(k)
    }

    /// SSL_use_PrivateKey_file loads this connection's key.
    fn SSL_use_PrivateKey_file(s: *mut SSL, file: *const c_char, filetype: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let path = try_cstr!(file, 0);
        Target::Ssl(s).use_key_file(path, filetype)
    }

    /// SSL_use_PrivateKey_ASN1 sets this connection's key from DER.
    fn SSL_use_PrivateKey_ASN1(_pk_type: c_int, s: *mut SSL, d: *const c_uchar, len: c_long) -> c_int {
        let s = try_ref!(s, 0);
        let der = try_slice!(d, usize::try_from(len).unwrap_or(0), 0);
        match parse_key(der, SSL_FILETYPE_ASN1, "the DER buffer") {
            Some(k) => s.update_settings(|st| set_key(st, k)).unwrap_or(0),
            None => 0,
        }
    }

    /// SSL_check_private_key: 1 when this connection's key matches its certificate.
    fn SSL_check_private_key(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        Target::Ssl(s).read(check_key)
    }

}

/// `SSL_CTX_add_extra_chain_cert` (ctrl 14): appends to the chain, taking ownership of `x`.
pub fn add_extra_chain_cert(ctx: &SSL_CTX, x: *mut X509) -> c_long {
    let Some(der) = host::x509_der(x) else {
        return 0;
    };
    ctx.update(|s| Arc::make_mut(&mut s.chain).push(der));
    host::x509_free(x);
    1
}

/// `SSL_CTX_clear_extra_chain_certs` (ctrl 83).
pub fn clear_extra_chain_certs(ctx: &SSL_CTX) -> c_long {
    ctx.update(|s| s.chain = Arc::new(Vec::new()));
    1
}

/// `SSL_CTX_add0/1_chain_cert` / `SSL_add0/1_chain_cert` (ctrl 89): appends `x` to the
/// chain; `add1` keeps the caller's reference, `add0` takes it.
pub fn add_chain_cert(target: ChainTarget<'_>, x: *mut X509, add1: bool) -> c_long {
    let Some(der) = host::x509_der(x) else {
        return 0;
    };
    match target {
        ChainTarget::Ctx(c) => c.update(|s| Arc::make_mut(&mut s.chain).push(der)),
        ChainTarget::Ssl(s) => {
            s.update_settings(|st| Arc::make_mut(&mut st.chain).push(der));
        }
    }
    if !add1 {
        host::x509_free(x);
    }
    1
}

/// Where a chain control applies.
pub enum ChainTarget<'a> {
    /// The context.
    Ctx(&'a SSL_CTX),
    /// One connection.
    Ssl(&'a SSL),
}
