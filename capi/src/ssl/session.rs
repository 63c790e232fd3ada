//! `SSL_SESSION`: a resumable session, reference counted (`Arc`) like OpenSSL's.
use std::ffi::{c_int, c_long, c_uchar, c_uint, c_void};
use std::time::Duration;

use rdtls::session::cache::Session;

use crate::entry::*;
use crate::error::ssl_reasons::SSL_R_SSL_SESSION_ID_TOO_LONG;
use crate::error::{put_error, ERR_LIB_SSL};

use super::cipher::{for_suite, SSL_CIPHER};
use super::consts::*;
use super::objects::SSL;
use super::state::session::{session_free, session_new, session_up_ref, SSL_SESSION};

entry! {
    /// SSL_get_session returns the connection's session (no new reference), NULL if none.
    fn SSL_get_session(s: *const SSL) -> *mut SSL_SESSION {
        let s = try_ref!(s, std::ptr::null_mut());
        s.session_handle()
    }

    /// SSL_get1_session returns the connection's session with a new reference.
    fn SSL_get1_session(s: *mut SSL) -> *mut SSL_SESSION {
        let s = try_ref!(s, std::ptr::null_mut());
        let p = s.session_handle();
        session_up_ref(p);
        p
    }

    /// SSL_set_session offers `sess` for resumption on the next client handshake; 1 on
    /// success (NULL clears it).
    fn SSL_set_session(s: *mut SSL, sess: *mut SSL_SESSION) -> c_int {
        let s = try_ref!(s, 0);
        session_up_ref(sess);
        session_free(s.resume.replace(sess));
        1
    }

    /// SSL_session_reused: 1 when the handshake resumed a session.
    fn SSL_session_reused(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        c_int::from(s.with_conn(|c| c.session_reused()).unwrap_or(false))
    }

    /// SSL_SESSION_new: an empty session (not resumable).
    fn SSL_SESSION_new() -> *mut SSL_SESSION {
        session_new(Session {
            id: Vec::new(),
            suite: 0,
            master_secret: [0u8; 48].into(),
            extended_master_secret: false,
            peer_certificates: Vec::new(),
            verify_result: 0,
            server_name: None,
            id_context: Vec::new(),
            created: std::time::Instant::now(),
            created_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            lifetime: Duration::from_secs(300),
            tls13_ticket: None,
        })
    }

    /// SSL_SESSION_up_ref adds a reference; 1 on success.
    fn SSL_SESSION_up_ref(sess: *mut SSL_SESSION) -> c_int {
        let _ = try_ref!(sess, 0);
        session_up_ref(sess);
        1
    }

    /// SSL_SESSION_free drops one reference. NULL is a no-op.
    fn SSL_SESSION_free(sess: *mut SSL_SESSION) {
        session_free(sess);
    }

    /// SSL_SESSION_get_id returns the session id and stores its length in `*len`.
    fn SSL_SESSION_get_id(sess: *const SSL_SESSION, len: *mut c_uint) -> *const c_uchar {
        let sess = try_ref!(sess, std::ptr::null());
        let id = super::state::lock(&sess.id);
        // SAFETY: NULL or a writable unsigned int from the caller.
        if let Some(l) = unsafe { len.as_mut() } {
            *l = c_uint::try_from(id.len()).unwrap_or(0);
        }
        // The Vec is only replaced by SSL_SESSION_set1_id, as OpenSSL's buffer is.
        id.as_ptr()
    }

    /// SSL_SESSION_set1_id replaces the session id (at most 32 bytes); 1 on success.
    fn SSL_SESSION_set1_id(sess: *mut SSL_SESSION, id: *const c_uchar, len: c_uint) -> c_int {
        let sess = try_ref!(sess, 0);
        let Ok(n) = usize::try_from(len) else { return 0 };
        if n > SSL_MAX_SSL_SESSION_ID_LENGTH {
            put_error(ERR_LIB_SSL, SSL_R_SSL_SESSION_ID_TOO_LONG, format!("{n} bytes (max 32)"));
            return 0;
        }
        let bytes = try_slice!(id, n, 0).to_vec();
        super::state::lock(&sess.session).id = bytes.clone();
        *super::state::lock(&sess.id) = bytes;
        1
    }

    /// SSL_SESSION_get_time returns the creation time (seconds since the epoch).
    fn SSL_SESSION_get_time(sess: *const SSL_SESSION) -> c_long {
        let sess = try_ref!(sess, 0);
        c_long::try_from(super::state::lock(&sess.session).created_unix).unwrap_or(c_long::MAX)
    }

    /// SSL_SESSION_get_timeout returns the lifetime in seconds.
    fn SSL_SESSION_get_timeout(sess: *const SSL_SESSION) -> c_long {
        let sess = try_ref!(sess, 0);
        c_long::try_from(super::state::lock(&sess.session).lifetime.as_secs()).unwrap_or(c_long::MAX)
    }

    /// SSL_SESSION_set_timeout sets the lifetime in seconds; 1 on success.
    fn SSL_SESSION_set_timeout(sess: *mut SSL_SESSION, t: c_long) -> c_long {
        let sess = try_ref!(sess, 0);
        let Ok(secs) = u64::try_from(t) else { return 0 };
        super::state::lock(&sess.session).lifetime = Duration::from_secs(secs);
        1
    }

    /// SSL_SESSION_is_resumable: 1 when the session can be offered for resumption.
    fn SSL_SESSION_is_resumable(sess: *const SSL_SESSION) -> c_int {
        let sess = try_ref!(sess, 0);
        let s = super::state::lock(&sess.session);
        c_int::from(!s.id.is_empty() && s.suite != 0 && !s.is_expired(std::time::Instant::now()))
    }

    /// SSL_SESSION_get_protocol_version: DTLS1_3_VERSION for a session carrying a DTLS 1.3
    /// ticket, DTLS1_2_VERSION for another established session, else 0.
    fn SSL_SESSION_get_protocol_version(sess: *const SSL_SESSION) -> c_int {
        let sess = try_ref!(sess, 0);
        let s = super::state::lock(&sess.session);
        if s.tls13_ticket.is_some() {
            super::consts::DTLS1_3_VERSION
        } else if s.suite != 0 {
            DTLS1_2_VERSION
        } else {
            0
        }
    }

    /// SSL_SESSION_get0_cipher returns the session's cipher (NULL when unknown).
    fn SSL_SESSION_get0_cipher(sess: *const SSL_SESSION) -> *const SSL_CIPHER {
        let sess = try_ref!(sess, std::ptr::null());
        let s = super::state::lock(&sess.session);
        let c = if s.tls13_ticket.is_some() {
            super::cipher::for_suite13(s.suite)
        } else {
            rdtls::suites::suite_by_id(s.suite).and_then(for_suite)
        };
        c.map_or(std::ptr::null(), |c| c as *const SSL_CIPHER)
    }

    /// SSL_SESSION_get_master_key copies up to `outlen` bytes of the master secret to `out`
    /// and returns the secret's length (48), or copies nothing when `outlen` is 0.
    fn SSL_SESSION_get_master_key(sess: *const SSL_SESSION, out: *mut c_uchar, outlen: usize) -> usize {
        let sess = try_ref!(sess, 0);
        let s = super::state::lock(&sess.session);
        let key = &s.master_secret[..];
        if outlen == 0 {
            return key.len();
        }
        let n = outlen.min(key.len());
        let dst = try_slice_mut!(out, n, 0);
        dst.copy_from_slice(&key[..n]);
        n
    }

    /// SSL_SESSION_set_ex_data stores `arg` at `idx`; 1 on success.
    fn SSL_SESSION_set_ex_data(sess: *mut SSL_SESSION, idx: c_int, arg: *mut c_void) -> c_int {
        let sess = try_ref!(sess, 0);
        c_int::from(sess.ex_data.set(idx, arg))
    }

    /// SSL_SESSION_get_ex_data returns the pointer at `idx`.
    fn SSL_SESSION_get_ex_data(sess: *const SSL_SESSION, idx: c_int) -> *mut c_void {
        let sess = try_ref!(sess, std::ptr::null_mut());
        sess.ex_data.get(idx)
    }
}
