//! Plain values the objects hold: the config variant switches, the CA name lists, the
//! handshake counters of an `SSL_CTX`.
use std::sync::atomic::AtomicI64;
use std::sync::Arc;

/// Per-handshake switches that select a [`rdtls::Config`] variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Variant {
    /// Servers demand a cookie (`SSL_OP_COOKIE_EXCHANGE` without a prior `DTLSv1_listen`).
    pub cookie_exchange: bool,
    /// Emit handshake message events (a message callback is installed).
    pub message_events: bool,
    /// Emit key log lines (a key log callback is installed).
    pub keylog: bool,
    /// Servers issue session IDs and cache sessions (`SSL_SESS_CACHE_SERVER` is set).
    pub server_session_cache: bool,
    /// Servers add sessions to the internal cache (no `SSL_SESS_CACHE_NO_INTERNAL_STORE`).
    pub server_session_store: bool,
    /// Servers look sessions up there (no `SSL_SESS_CACHE_NO_INTERNAL_LOOKUP`).
    pub server_session_lookup: bool,
    /// Emit record headers (a message callback is installed: `SSL3_RT_HEADER`).
    pub record_headers: bool,
    /// Message events carry the messages' bytes (a message callback is installed;
    /// without one the events only name OpenSSL's states, events.rs).
    pub message_bodies: bool,
}

/// The two name lists (DER names, shared so copying settings stays cheap).
#[derive(Clone, Default, Debug)]
pub struct CaNames {
    /// The client CA list (None: never set, OpenSSL's NULL list).
    pub client: Option<Arc<Vec<Vec<u8>>>>,
    /// The CA list.
    pub ca: Option<Arc<Vec<Vec<u8>>>>,
}

impl CaNames {
    /// What a server sends in CertificateRequest: the client CA list when set, else the CA
    /// list (OpenSSL's `get_ca_names`).
    pub fn for_certificate_request(&self) -> &[Vec<u8>] {
        match (&self.client, &self.ca) {
            (Some(c), _) => c,
            (None, Some(c)) => c,
            (None, None) => &[],
        }
    }
}

/// Handshake counters (`SSL_CTX_sess_*`).
#[derive(Default)]
pub struct CtxStats {
    /// Client handshakes started.
    pub connect: AtomicI64,
    /// Client handshakes completed.
    pub connect_good: AtomicI64,
    /// Server handshakes started.
    pub accept: AtomicI64,
    /// Server handshakes completed.
    pub accept_good: AtomicI64,
    /// Resumed handshakes.
    pub hits: AtomicI64,
    /// Offered session IDs the internal cache lacked.
    pub misses: AtomicI64,
    /// Sessions the get-session callback supplied.
    pub cb_hits: AtomicI64,
}
