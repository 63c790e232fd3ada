//! `SSL_key_update` / `SSL_get_key_update_type`: DTLS 1.3 KeyUpdate (RFC 9147 §8, RFC 8446
//! §4.6.3) with OpenSSL's semantics: the update is queued and goes out with the next
//! `SSL_write` / `SSL_read` / `SSL_do_handshake` (the engine hands it to the next flush).
use std::ffi::c_int;

use rdtls::SendError;

use crate::entry::*;
use crate::error::ssl_reasons::{
    SSL_R_BAD_WRITE_RETRY, SSL_R_INVALID_KEY_UPDATE_TYPE, SSL_R_PROTOCOL_IS_SHUTDOWN,
    SSL_R_STILL_IN_INIT, SSL_R_WRONG_SSL_VERSION,
};
use crate::error::{put_error, ERR_LIB_SSL};

use super::consts::{
    DTLS1_3_VERSION, SSL_KEY_UPDATE_NONE, SSL_KEY_UPDATE_NOT_REQUESTED, SSL_KEY_UPDATE_REQUESTED,
};
use super::objects::SSL;

impl SSL {
    /// `SSL_key_update`: 1 when queued, else 0 with OpenSSL's error (in OpenSSL's order:
    /// version, type, handshake state, pending write).
    fn key_update(&self, updatetype: c_int) -> c_int {
        let version = self.with_conn(|c| c.protocol_version()).flatten();
        if version != Some(DTLS1_3_VERSION as u16) {
            // OpenSSL: SSL_IS_TLS13 fails for a DTLS 1.2 connection and before the version
            // is known.
            put_error(
                ERR_LIB_SSL,
                SSL_R_WRONG_SSL_VERSION,
                "SSL_key_update needs a DTLS 1.3 connection",
            );
            return 0;
        }
        let request_peer = match updatetype {
            SSL_KEY_UPDATE_NOT_REQUESTED => false,
            SSL_KEY_UPDATE_REQUESTED => true,
            _ => {
                put_error(
                    ERR_LIB_SSL,
                    SSL_R_INVALID_KEY_UPDATE_TYPE,
                    format!("key update type {updatetype}"),
                );
                return 0;
            }
        };
        let busy = self
            .io
            .try_borrow()
            .map_or(true, |io| io.pending_write.is_some());
        if busy {
            put_error(
                ERR_LIB_SSL,
                SSL_R_BAD_WRITE_RETRY,
                "an SSL_write is still pending: retry it first",
            );
            return 0;
        }
        // As OpenSSL (which keeps one pending type): a second call before the deferred
        // update left replaces its type.
        if let Ok(mut io) = self.io.try_borrow_mut() {
            if io.deferred_key_update.is_some() {
                io.deferred_key_update = Some(request_peer);
                return 1;
            }
        }
        let now = self.now();
        let r = match self.conn.try_borrow_mut() {
            Ok(mut c) => c.as_mut().map(|conn| conn.key_update(now, request_peer)),
            Err(_) => None,
        };
        match r {
            Some(Ok(())) => 1,
            // RFC 9147 §8: one KeyUpdate at a time, after our last flight was acknowledged.
            // OpenSSL's SSL_key_update only schedules the update: keep it for a later flush.
            Some(Err(SendError::Full)) => {
                if let Ok(mut io) = self.io.try_borrow_mut() {
                    io.deferred_key_update = Some(request_peer);
                }
                1
            }
            Some(Err(SendError::NotEstablished)) => {
                put_error(
                    ERR_LIB_SSL,
                    SSL_R_STILL_IN_INIT,
                    "SSL_key_update before the handshake completed",
                );
                0
            }
            Some(Err(SendError::Closed)) => {
                put_error(
                    ERR_LIB_SSL,
                    SSL_R_PROTOCOL_IS_SHUTDOWN,
                    "SSL_key_update after close_notify was sent",
                );
                0
            }
            Some(Err(SendError::WrongVersion)) | None => {
                put_error(
                    ERR_LIB_SSL,
                    SSL_R_WRONG_SSL_VERSION,
                    "SSL_key_update needs a DTLS 1.3 connection",
                );
                0
            }
            Some(Err(e)) => {
                put_error(
                    ERR_LIB_SSL,
                    SSL_R_STILL_IN_INIT,
                    format!("SSL_key_update refused: {e}"),
                );
                0
            }
        }
    }
}

impl SSL {
    /// Queues a deferred `SSL_key_update` in the engine once it takes it (called by every
    /// flush, so the next `SSL_write` / `SSL_read` / `SSL_do_handshake` sends it).
    pub(crate) fn retry_deferred_key_update(&self) {
        let Some(request_peer) = self
            .io
            .try_borrow()
            .ok()
            .and_then(|io| io.deferred_key_update)
        else {
            return;
        };
        let now = self.now();
        let r = match self.conn.try_borrow_mut() {
            Ok(mut c) => c.as_mut().map(|conn| conn.key_update(now, request_peer)),
            Err(_) => return,
        };
        // Still busy: try again at the next flush. Anything else (queued, or the
        // connection failed or closed) ends the wait.
        if !matches!(r, Some(Err(SendError::Full))) {
            if let Ok(mut io) = self.io.try_borrow_mut() {
                io.deferred_key_update = None;
            }
        }
    }

    /// The update `SSL_get_key_update_type` reports: deferred here, or queued in the
    /// engine and not yet sent.
    fn key_update_type(&self) -> Option<bool> {
        self.io
            .try_borrow()
            .ok()
            .and_then(|io| io.deferred_key_update)
            .or_else(|| self.with_conn(|c| c.pending_key_update()).flatten())
    }
}

entry! {
    /// SSL_key_update queues a KeyUpdate (SSL_KEY_UPDATE_NOT_REQUESTED: ours only;
    /// SSL_KEY_UPDATE_REQUESTED: the peer updates too) on an established DTLS 1.3
    /// connection; it is sent with the next SSL_write, SSL_read or SSL_do_handshake.
    /// 1 on success; 0 with SSL_R_WRONG_SSL_VERSION on DTLS 1.2 or before the version is
    /// known, SSL_R_INVALID_KEY_UPDATE_TYPE, or SSL_R_STILL_IN_INIT during the handshake.
    fn SSL_key_update(s: *mut SSL, updatetype: c_int) -> c_int {
        let s = try_ref!(s, 0);
        s.key_update(updatetype)
    }

    /// SSL_get_key_update_type: the type of a KeyUpdate queued by SSL_key_update and not
    /// yet sent, else SSL_KEY_UPDATE_NONE.
    fn SSL_get_key_update_type(s: *const SSL) -> c_int {
        let s = try_ref!(s, SSL_KEY_UPDATE_NONE);
        match s.key_update_type() {
            Some(true) => SSL_KEY_UPDATE_REQUESTED,
            Some(false) => SSL_KEY_UPDATE_NOT_REQUESTED,
            None => SSL_KEY_UPDATE_NONE,
        }
    }
}
