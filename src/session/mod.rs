//! Session resumption state: the server-side session cache (RFC 5246 §7.4.1.2 session IDs).

pub mod cache;

/// A server's external session store, asked for a session ID the session cache does not
/// have (or is not consulted for): OpenSSL's `SSL_CTX_sess_set_get_cb`. It returns the
/// session to resume, if it has one; the usual resumption checks still apply.
pub type SessionLookupHook = Box<dyn FnMut(&[u8]) -> Option<cache::Session> + Send>;
