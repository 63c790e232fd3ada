//! Which session a server resumes: the session policy applied to a ClientHello's
//! session_id before the abbreviated handshake (RFC 5246 §7.3) is chosen.
//!
//! A cached session resumes only when every rule below holds; otherwise the server runs a
//! full handshake, except for the one case RFC 7627 §5.3 makes fatal.
//! * **Same session ID context** (OpenSSL's `SSL_CTX_set_session_id_context`): a session
//!   made under another context is treated as a cache miss, as OpenSSL does.
//! * **Same extended master secret state** (RFC 7627 §5.3): "If the original session used
//!   the "extended_master_secret" extension but the new ClientHello does not contain it, the
//!   server MUST abort the abbreviated handshake" (handshake_failure, as OpenSSL's
//!   `SSL_R_INCONSISTENT_EXTMS`); "If the original session did not use the extension but
//!   the new ClientHello contains the extension, then the server MUST NOT perform the
//!   abbreviated handshake. Instead, it SHOULD continue with a full handshake".
//! * **Same server name** (RFC 6066 §3): "A server that implements this extension MUST NOT
//!   accept the request to resume the session if the server_name extension contains a
//!   different name. Instead, it proceeds with a full handshake to establish a new
//!   session." A name present on one side only counts as different. (OpenSSL 3.0 resumes
//!   across names; see `crate::deviations`.)
//! * **The session's cipher suite** is still enabled here and offered by the client.

use std::time::Instant;

use super::machine::Machine;
use super::messages::ClientHello;
use crate::crypto::suites::CipherSuite;
use crate::error::{AlertDescription, Error};
use crate::session::cache::Session;

impl Machine {
    /// The session cached under `id`: from the session cache unless its lookup is off
    /// (SSL_SESS_CACHE_NO_INTERNAL_LOOKUP), else from the external store, whose answer
    /// joins the cache unless storing is off (as OpenSSL's lookup_sess_in_cache).
    fn lookup_session(&mut self, now: Instant, id: &[u8]) -> Option<Session> {
        let home = self.session_config().clone();
        if home.server_session_lookup {
            if let Some(s) = home.session_cache.get(id, now) {
                return Some(s);
            }
            self.hs.set_session_cache_miss();
        }
        let s = self.session_lookup_hook.as_mut()?(id)?;
        // An expired session does not resume (OpenSSL: ssl_get_prev_session's timeout check).
        if s.is_expired(now) {
            return None;
        }
        if home.server_session_store {
            home.session_cache.insert(s.clone());
        }
        Some(s)
    }

    /// The cached session `ch` asks to resume and its suite, when the policy above allows
    /// it; `Err` when RFC 7627 §5.3 requires aborting the handshake.
    pub(crate) fn find_resumable(
        &mut self,
        now: Instant,
        ch: &ClientHello,
        client_ems: bool,
    ) -> Result<Option<(Session, &'static CipherSuite)>, Error> {
        if ch.session_id.is_empty() {
            return Ok(None);
        }
        let Some(s) = self.lookup_session(now, &ch.session_id) else {
            return Ok(None);
        };
        let home = self.session_config();
        if s.id_context != home.session_id_context {
            return Ok(None);
        }
        if s.extended_master_secret && !client_ems {
            return Err(Error::alert(
                AlertDescription::HANDSHAKE_FAILURE,
                "inconsistent extms: resumption of a session that used extended_master_secret \
                 without the extension (RFC 7627 §5.3)",
            ));
        }
        if s.extended_master_secret != (client_ems && self.config.extended_master_secret) {
            return Ok(None);
        }
        if s.server_name != ch.extensions.server_name {
            return Ok(None);
        }
        let suite = self.config.suites.iter().copied().find(|c| {
            c.id == s.suite
                    && ch.cipher_suites.contains(&c.id)
                    // A CBC session resumes only with encrypt_then_mac (etm.rs; RFC 7366
                    // §3.1 forbids the downgrade): else a full handshake.
                    && self.server_suite_allowed(c, ch)
        });
        Ok(suite.map(|suite| (s, suite)))
    }
}
