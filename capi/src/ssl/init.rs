//! Library initialisation (`OPENSSL_init_ssl`; `SSL_library_init` and
//! `SSL_load_error_strings` are macros over it in OpenSSL 3.0's `ssl.h`).
use std::ffi::{c_int, c_void};

use crate::entry::*;
use crate::host;

entry! {
    /// OPENSSL_init_ssl initialises what the crypto side needs (standalone: nothing, the
    /// error strings are static; drop-in: `OPENSSL_init_crypto(opts, settings)` and the SSL
    /// reason strings registered with libcrypto); 1 on success, 0 on failure.
    fn OPENSSL_init_ssl(opts: u64, settings: *const c_void) -> c_int {
        c_int::from(host::library_init(opts, settings))
    }
}
