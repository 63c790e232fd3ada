//! Library initialisation and version information (`OPENSSL_init_crypto`, `OpenSSL_version`).
//!
//! **Version number.** `OPENSSL_VERSION_NUMBER` in our `opensslv.h` is `0x30000130L`, OpenSSL
//! 3.0.19's encoding (MAJOR << 28 | MINOR << 20 | PATCH << 4, release): MAJOR.MINOR = 3.0 is
//! the API and ABI we implement, and PATCH = 19 is the newest 3.0 release we check against
//! (the reference installation on the build machines), so a program compiled against a
//! system 3.0 header that checks "runtime >= compile-time version" also accepts us.
//! `OpenSSL_version_num()` returns the same value.
use std::ffi::{c_char, c_int, c_uint, c_ulong, c_void};

use crate::entry::entry;

/// `OPENSSL_VERSION_NUMBER` (must equal the value in include/openssl/opensslv.h).
pub const OPENSSL_VERSION_NUMBER: c_ulong = 0x3000_0130;
/// `OPENSSL_VERSION_MAJOR`.
pub const VERSION_MAJOR: c_uint = 3;
/// `OPENSSL_VERSION_MINOR`.
pub const VERSION_MINOR: c_uint = 0;
/// `OPENSSL_VERSION_PATCH`.
pub const VERSION_PATCH: c_uint = 19;
/// `OPENSSL_VERSION_TEXT` (must equal the header's).
pub const VERSION_TEXT: &[u8] = b"OpenSSL 3.0.19 compatible (rdtls 0.1.0)\0";

/// `OpenSSL_version` types.
pub const OPENSSL_VERSION: c_int = 0;
/// `OPENSSL_CFLAGS`.
pub const OPENSSL_CFLAGS: c_int = 1;
/// `OPENSSL_BUILT_ON`.
pub const OPENSSL_BUILT_ON: c_int = 2;
/// `OPENSSL_PLATFORM`.
pub const OPENSSL_PLATFORM: c_int = 3;
/// `OPENSSL_DIR`.
pub const OPENSSL_DIR: c_int = 4;
/// `OPENSSL_ENGINES_DIR`.
pub const OPENSSL_ENGINES_DIR: c_int = 5;
/// `OPENSSL_VERSION_STRING`.
pub const OPENSSL_VERSION_STRING: c_int = 6;
/// `OPENSSL_FULL_VERSION_STRING`.
pub const OPENSSL_FULL_VERSION_STRING: c_int = 7;
/// `OPENSSL_MODULES_DIR`.
pub const OPENSSL_MODULES_DIR: c_int = 8;
/// `OPENSSL_CPU_INFO`.
pub const OPENSSL_CPU_INFO: c_int = 9;

fn s(b: &'static [u8]) -> *const c_char {
    b.as_ptr().cast()
}

entry! {
    /// OPENSSL_init_crypto: nothing needs initialising; returns 1.
    fn OPENSSL_init_crypto(_opts: u64, _settings: *const c_void) -> c_int { 1 }
    /// OPENSSL_cleanup: nothing to release.
    fn OPENSSL_cleanup() {}
    /// OPENSSL_thread_stop: per-thread state is released at thread exit.
    fn OPENSSL_thread_stop() {}
    /// OpenSSL_version_num returns OPENSSL_VERSION_NUMBER.
    fn OpenSSL_version_num() -> c_ulong { OPENSSL_VERSION_NUMBER }
    /// OPENSSL_version_major.
    fn OPENSSL_version_major() -> c_uint { VERSION_MAJOR }
    /// OPENSSL_version_minor.
    fn OPENSSL_version_minor() -> c_uint { VERSION_MINOR }
    /// OPENSSL_version_patch.
    fn OPENSSL_version_patch() -> c_uint { VERSION_PATCH }
    /// OPENSSL_version_pre_release: "" (a release).
    fn OPENSSL_version_pre_release() -> *const c_char { s(b"\0") }
    /// OPENSSL_version_build_metadata: "+rdtls".
    fn OPENSSL_version_build_metadata() -> *const c_char { s(b"+rdtls\0") }

    /// OpenSSL_version returns the text for `type_` (OPENSSL_VERSION, ...).
    fn OpenSSL_version(type_: c_int) -> *const c_char {
        match type_ {
            OPENSSL_VERSION => s(VERSION_TEXT),
            OPENSSL_CFLAGS => s(b"compiler: rustc\0"),
            OPENSSL_BUILT_ON => s(b"built on: unknown\0"),
            OPENSSL_PLATFORM => s(b"platform: rdtls\0"),
            OPENSSL_DIR => s(b"OPENSSLDIR: \"/usr/lib/ssl\"\0"),
            OPENSSL_ENGINES_DIR => s(b"ENGINESDIR: \"\"\0"),
            OPENSSL_VERSION_STRING => s(b"3.0.19\0"),
            OPENSSL_FULL_VERSION_STRING => s(b"3.0.19+rdtls\0"),
            OPENSSL_MODULES_DIR => s(b"MODULESDIR: \"\"\0"),
            OPENSSL_CPU_INFO => s(b"CPUINFO: \0"),
            _ => s(b"not available\0"),
        }
    }
}
