//! Library initialisation (`OPENSSL_init_ssl`; `SSL_library_init` and
//! `SSL_load_error_strings` are macros over it in OpenSSL 3.0's `ssl.h`).
use std::ffi::{c_int, c_void};

use crate::entry::*;

entry! {
    /// OPENSSL_init_ssl: nothing needs initialising (error strings are static); returns 1.
    fn OPENSSL_init_ssl(_opts: u64, _settings: *const c_void) -> c_int {
        1
    }
}
