//! Renegotiation (RFC 5746) through OpenSSL's API: `SSL_renegotiate`,
//! `SSL_renegotiate_abbreviated`, `SSL_renegotiate_pending`, the options
//! `SSL_OP_NO_RENEGOTIATION` / `SSL_OP_ALLOW_CLIENT_RENEGOTIATION` and the renegotiation
//! counters. The engine runs the new handshake (rdtls::RenegotiationPolicy and the engine's renegotiation module); here the
//! options become its policy and the new handshake is reported (events.rs) to the info and
//! message callbacks as OpenSSL reports a handshake: `SSL_CB_HANDSHAKE_START`, the states,
//! `SSL_CB_HANDSHAKE_DONE`. As in OpenSSL, `SSL_read`, `SSL_write` and `SSL_do_handshake`
//! drive it; unlike OpenSSL, `SSL_read` and `SSL_write` keep moving application data
//! meanwhile (`SSL_do_handshake` waits for the handshake).

use std::ffi::c_int;

use rdtls::{Connection, RenegotiationPolicy};

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{put_error, ERR_LIB_SSL};

use super::consts::*;
use super::objects::SSL;

/// `SSL_OP_ALLOW_CLIENT_RENEGOTIATION` (OpenSSL 3.0).
const SSL_OP_ALLOW_CLIENT_RENEGOTIATION: u64 = 1 << 8;

impl SSL {
    /// The engine policy the current options ask for.
    pub(crate) fn renegotiation_policy(&self) -> RenegotiationPolicy {
        let options = self.with_settings(|s| s.options);
        RenegotiationPolicy {
            refuse_all: options & SSL_OP_NO_RENEGOTIATION != 0,
            allow_client: options & SSL_OP_ALLOW_CLIENT_RENEGOTIATION != 0,
        }
    }

    /// Hands the current options to the engine (options may change at any time).
    pub(crate) fn sync_renegotiation_policy(&self, conn: &mut Connection) {
        conn.set_renegotiation_policy(self.renegotiation_policy());
    }

    /// Starts a renegotiation (`abbreviated`: offering to resume the current session).
    fn renegotiate(&self, abbreviated: bool) -> c_int {
        // DTLS 1.3 has no renegotiation (RFC 8446 §4.1.2: no new ClientHello on an
        // established connection). OpenSSL's can_renegotiate refuses TLS 1.3 the same way,
        // before looking at SSL_OP_NO_RENEGOTIATION; the connection stays usable.
        if self.with_conn(|c| c.protocol_version()).flatten() == Some(DTLS1_3_VERSION as u16) {
            put_error(
                ERR_LIB_SSL,
                SSL_R_WRONG_SSL_VERSION,
                "no renegotiation on DTLS 1.3 (use SSL_key_update)",
            );
            return 0;
        }
        let policy = self.renegotiation_policy();
        if policy.refuse_all {
            put_error(
                ERR_LIB_SSL,
                SSL_R_NO_RENEGOTIATION,
                "renegotiation is disabled (SSL_OP_NO_RENEGOTIATION)",
            );
            return 0;
        }
        let secure = self
            .with_conn(Connection::secure_renegotiation)
            .unwrap_or(false);
        let established = self.io.try_borrow().is_ok_and(|io| io.done_reported);
        if established && !secure {
            put_error(
                ERR_LIB_SSL,
                SSL_R_UNSAFE_LEGACY_RENEGOTIATION_DISABLED,
                "the peer does not support secure renegotiation (RFC 5746)",
            );
            return 0;
        }
        let now = self.now();
        let r = match self.conn.try_borrow_mut() {
            Ok(mut c) => match c.as_mut() {
                Some(conn) => {
                    self.sync_renegotiation_policy(conn);
                    conn.renegotiate(now, abbreviated)
                }
                None => Err(rdtls::Error::InvalidState("no handshake yet")),
            },
            Err(_) => Err(rdtls::Error::InvalidState("re-entrant SSL call")),
        };
        match r {
            // As in OpenSSL, the new handshake is reported (HANDSHAKE_START, states) and
            // its first flight leaves from the next SSL_do_handshake / SSL_read / SSL_write.
            Ok(()) => {
                if let Ok(mut io) = self.io.try_borrow_mut() {
                    io.local_renegotiate = true;
                }
                1
            }
            Err(e) => {
                put_error(
                    ERR_LIB_SSL,
                    SSL_R_NO_RENEGOTIATION,
                    format!("cannot renegotiate: {e}"),
                );
                0
            }
        }
    }

    /// `SSL_CTRL_GET_NUM_RENEGOTIATIONS` / `CLEAR` / `GET_TOTAL`: renegotiations this side
    /// started (see renegotiation_events_begin) since the last clear, or in total; a clear
    /// returns the count it clears, as OpenSSL's ctrl does.
    pub(crate) fn renegotiation_count(&self, clear: bool, total: bool) -> u64 {
        let Ok(mut io) = self.io.try_borrow_mut() else {
            return 0;
        };
        let n = if total {
            io.renegotiations_total
        } else {
            io.renegotiations_num
        };
        if clear {
            io.renegotiations_num = 0;
        }
        n
    }
}

entry! {
    /// SSL_renegotiate: starts a new handshake on an established connection (a client
    /// sends a ClientHello, a server a HelloRequest); 1 on success, 0 with an error when
    /// `SSL_OP_NO_RENEGOTIATION` is set, the peer did not signal RFC 5746 support, or no
    /// handshake completed yet; on a DTLS 1.3 connection 0 with `SSL_R_WRONG_SSL_VERSION`
    /// (as OpenSSL on TLS 1.3).
    fn SSL_renegotiate(s: *mut SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.renegotiate(false)
    }

    /// SSL_renegotiate_abbreviated: as SSL_renegotiate, offering to resume the current
    /// session (a server sends the same HelloRequest).
    fn SSL_renegotiate_abbreviated(s: *mut SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.renegotiate(true)
    }

    /// SSL_renegotiate_pending: 1 while a renegotiation handshake runs.
    fn SSL_renegotiate_pending(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        c_int::from(s.with_conn(Connection::is_renegotiating).unwrap_or(false))
    }
}
