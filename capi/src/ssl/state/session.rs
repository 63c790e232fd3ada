//! `SSL_SESSION`: the object and its lifetime (the exported functions are in `session.rs`,
//! `session_extras.rs`, `session_io.rs`, `session_read.rs`).
use std::ffi::CString;
use std::sync::{Arc, Mutex};

use rdtls::session::cache::Session;

use crate::host::{ExData, CRYPTO_EX_INDEX_SSL_SESSION};

use super::lock;

/// `SSL_SESSION` (opaque to C).
pub struct SSL_SESSION {
    pub(crate) session: Mutex<Session>,
    /// A stable copy of the session id for `SSL_SESSION_get_id`.
    pub(crate) id: Mutex<Vec<u8>>,
    /// Stable C copies for `SSL_SESSION_get0_hostname` / `get0_id_context` (see
    /// `session_extras.rs`).
    pub(crate) fixed: std::sync::OnceLock<Fixed>,
    pub(crate) ex_data: ExData,
}

impl Drop for SSL_SESSION {
    fn drop(&mut self) {
        let me = self as *mut SSL_SESSION;
        crate::passthru::forget(me);
        self.ex_data.free(me.cast());
    }
}

/// A new `SSL_SESSION` handle holding one reference.
pub fn session_new(s: Session) -> *mut SSL_SESSION {
    let id = s.id.clone();
    let p = Arc::into_raw(Arc::new(SSL_SESSION {
        session: Mutex::new(s),
        id: Mutex::new(id),
        fixed: std::sync::OnceLock::new(),
        ex_data: ExData::new(CRYPTO_EX_INDEX_SSL_SESSION, std::ptr::null_mut()),
    })) as *mut SSL_SESSION;
    crate::passthru::register(p);
    // SAFETY: just created.
    unsafe { (*p).ex_data.run_new(p.cast()) };
    p
}

/// Drops one reference (NULL is a no-op).
pub fn session_free(p: *mut SSL_SESSION) {
    if !p.is_null() {
        // SAFETY: a live handle from session_new; consumes one reference.
        drop(unsafe { Arc::from_raw(p as *const SSL_SESSION) });
    }
}

/// Adds a reference.
pub(crate) fn session_up_ref(p: *mut SSL_SESSION) {
    if !p.is_null() {
        // SAFETY: a live handle from session_new.
        unsafe { Arc::increment_strong_count(p as *const SSL_SESSION) };
    }
}

/// A copy of the engine session behind a handle.
pub fn session_value(p: *mut SSL_SESSION) -> Option<Session> {
    // SAFETY: NULL or a live handle from session_new.
    let s = unsafe { p.as_ref() }?;
    Some(lock(&s.session).clone())
}

/// Copies made on first use and kept as long as the session (sessions do not change their
/// host name or ID context after they are made).
pub struct Fixed {
    pub(crate) hostname: Option<CString>,
    pub(crate) id_context: Vec<u8>,
}
