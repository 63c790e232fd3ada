//! The plain state the objects of [`super::objects`] hold: values, caches of C objects handed
//! out by getters, the driver's I/O state, the parsed ClientHello, `SSL_SESSION`. Nothing
//! here names `SSL`, `SSL_CTX` or `Settings`, and nothing here imports a module above this
//! layer (only the engine, `crate::host`, `crate::entry`, `crate::passthru`, `ssl::cipher`).
use std::ffi::c_void;
use std::sync::{Mutex, MutexGuard};

pub mod caches;
pub mod hello;
pub mod io;
pub mod session;
pub mod values;

/// An application pointer stored for a callback (never dereferenced by us).
#[derive(Debug, Clone, Copy)]
pub struct AppPtr(pub *mut c_void);

impl Default for AppPtr {
    fn default() -> Self {
        AppPtr(std::ptr::null_mut())
    }
}

// SAFETY: an opaque application pointer only stored and handed back to the application's
// own callbacks; thread-safety of what it points to is the application's contract.
unsafe impl Send for AppPtr {}
// SAFETY: as above.
unsafe impl Sync for AppPtr {}

/// Locks a mutex, recovering from poisoning (a panic elsewhere must not wedge the context).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
