//! The 1.0/1.1-era configuration and engine calls that old programs still make at start-up
//! and exit (`OPENSSL_config`, `CONF_modules_unload`, `ENGINE_load_builtin_engines`, ...).
//!
//! librdtls reads no configuration file and has no engines, so there is no module to load or
//! unload and no engine to register: doing nothing is the correct behaviour, and is what
//! OpenSSL 3.0 does when no module is configured. (`ENGINE_cleanup`, `CONF_modules_free`,
//! the locking callbacks are macros in the headers, as in OpenSSL 3.0.)
use std::ffi::{c_char, c_int};

use crate::entry::entry;

entry! {
    /// OPENSSL_config: no configuration file is read; nothing to do.
    fn OPENSSL_config(_config_name: *const c_char) {}
    /// CONF_modules_unload: no module was loaded; nothing to unload.
    fn CONF_modules_unload(_all: c_int) {}
    /// CONF_modules_finish: no module was loaded; nothing to finish.
    fn CONF_modules_finish() {}
    /// OPENSSL_load_builtin_modules: there are no configuration modules.
    fn OPENSSL_load_builtin_modules() {}
    /// ENGINE_load_builtin_engines: there are no engines to load.
    fn ENGINE_load_builtin_engines() {}
    /// ENGINE_register_all_complete: no engine to register; returns 1 (success), as
    /// OpenSSL's does when the engine list is empty.
    fn ENGINE_register_all_complete() -> c_int { 1 }
}
