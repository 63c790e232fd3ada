//! Connection IDs (RFC 9146 for DTLS 1.2, RFC 9147 §9 for DTLS 1.3) for C callers,
//! declared in `include/rdtls/cid.h`. OpenSSL 3.0 has no CID API, so every name carries the
//! `rdtls_` prefix: the drop-in exports them beside OpenSSL's names without clashing with
//! any of them. The setters and getters work on either version; the CID updates
//! (RequestConnectionId, NewConnectionId, a spare CID for a new path) exist in DTLS 1.3
//! only.
use std::ffi::c_int;

use rdtls::cid::{datagram_cid, MAX_CID_LEN};
use rdtls::config::LocalConnectionId;

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{put_error, ERR_LIB_SSL};
use rdtls::Connection;

use super::objects::{SSL, SSL_CTX};

/// `len` as a CID choice: negative disables CIDs, 0..=255 asks for a random CID of that
/// length. `None` (after queueing an error) when larger.
fn cid_len_choice(len: c_int) -> Option<Option<LocalConnectionId>> {
    match u8::try_from(len) {
        Ok(n) => Some(Some(LocalConnectionId::Random(n))),
        Err(_) if len < 0 => Some(None),
        Err(_) => {
            put_error(
                ERR_LIB_SSL,
                SSL_R_BAD_LENGTH,
                format!("connection ID length {len} exceeds {MAX_CID_LEN}"),
            );
            None
        }
    }
}

/// Changes an SSL's CID choice; fails once its handshake has started (the hello that
/// carries the CID is already out).
fn set_ssl_choice(s: &SSL, choice: Option<LocalConnectionId>) -> c_int {
    if s.with_conn(|_| ()).is_some() {
        put_error(
            ERR_LIB_SSL,
            SSL_R_BAD_LENGTH,
            "connection ID set after the handshake started",
        );
        return 0;
    }
    match s.update_settings(|st| st.connection_id = choice) {
        Some(()) => 1,
        None => 0,
    }
}

/// Copies `cid` into `out` (capacity `outlen`); its length, or -1 (error queued) when it
/// does not fit. `out` may be NULL to ask for the length.
fn copy_out(cid: &[u8], out: *mut u8, outlen: usize) -> c_int {
    if !out.is_null() {
        if outlen < cid.len() {
            put_error(
                ERR_LIB_SSL,
                SSL_R_BAD_LENGTH,
                format!("buffer of {outlen} bytes for a {}-byte CID", cid.len()),
            );
            return -1;
        }
        let dst = try_slice_mut!(out, cid.len(), -1);
        dst.copy_from_slice(cid);
    }
    // At most 255.
    cid.len() as c_int
}

/// Runs a DTLS 1.3 CID update on the SSL's connection: 1, or 0 with an error queued
/// (SSL_R_WRONG_SSL_VERSION off DTLS 1.3, SSL_R_STILL_IN_INIT when the engine refuses for
/// now: handshake not complete, a flight of ours unacknowledged, no usable CID).
fn cid_update(
    s: &SSL,
    what: &str,
    f: impl FnOnce(&mut Connection) -> Result<(), rdtls::Error>,
) -> c_int {
    let version = s.with_conn(|c| c.protocol_version()).flatten();
    if version != Some(rdtls::DTLS1_3_VERSION) {
        put_error(
            ERR_LIB_SSL,
            SSL_R_WRONG_SSL_VERSION,
            format!("{what} needs a DTLS 1.3 connection (RFC 9147 section 9)"),
        );
        return 0;
    }
    let r = match s.conn.try_borrow_mut() {
        Ok(mut c) => c.as_mut().map(f),
        Err(_) => None,
    };
    match r {
        Some(Ok(())) => 1,
        Some(Err(e)) => {
            put_error(
                ERR_LIB_SSL,
                SSL_R_STILL_IN_INIT,
                format!("{what} refused: {e}"),
            );
            0
        }
        None => {
            put_error(
                ERR_LIB_SSL,
                SSL_R_STILL_IN_INIT,
                format!("{what}: SSL busy"),
            );
            0
        }
    }
}

entry! {
    /// rdtls_SSL_CTX_set_connection_id_len: SSLs made from `ctx` afterwards offer / accept
    /// connection IDs and ask the peer for a fresh random CID of `len` bytes (0..=255; 0 is
    /// a zero-length CID: "send me none, I will send yours"). A negative `len` turns CIDs
    /// off (the default). Returns 1, or 0 with an error queued for `len` > 255.
    fn rdtls_SSL_CTX_set_connection_id_len(ctx: *mut SSL_CTX, len: c_int) -> c_int {
        let ctx = try_ref!(ctx, 0);
        let Some(choice) = cid_len_choice(len) else { return 0 };
        ctx.update(|st| st.connection_id = choice);
        1
    }

    /// rdtls_SSL_set_connection_id_len: as rdtls_SSL_CTX_set_connection_id_len for one SSL,
    /// before its handshake starts.
    fn rdtls_SSL_set_connection_id_len(s: *mut SSL, len: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let Some(choice) = cid_len_choice(len) else { return 0 };
        set_ssl_choice(s, choice)
    }

    /// rdtls_SSL_set_connection_id: this SSL asks its peer for exactly the `len` bytes at
    /// `cid` (0..=255; `cid` may be NULL when `len` is 0), e.g. a CID that encodes a
    /// server's routing data. Before the handshake starts. Returns 1 or 0 (error queued).
    fn rdtls_SSL_set_connection_id(s: *mut SSL, cid: *const u8, len: usize) -> c_int {
        let s = try_ref!(s, 0);
        if len > MAX_CID_LEN {
            put_error(
                ERR_LIB_SSL,
                SSL_R_BAD_LENGTH,
                format!("connection ID of {len} bytes exceeds {MAX_CID_LEN}"),
            );
            return 0;
        }
        let cid = try_slice!(cid, len, 0).to_vec();
        set_ssl_choice(s, Some(LocalConnectionId::Fixed(cid)))
    }

    /// rdtls_SSL_cid_negotiated: 1 when both hellos carried `connection_id` (the CIDs below
    /// are in use, either may be empty), else 0.
    fn rdtls_SSL_cid_negotiated(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        c_int::from(s.with_conn(|c| c.connection_ids().is_some()).unwrap_or(false))
    }

    /// rdtls_SSL_get_connection_id: copies our negotiated CID (the one the peer's records
    /// carry; what a server demultiplexes on) to `out` of `outlen` bytes and returns its
    /// length (0 for a zero-length CID; `out` may be NULL to ask the length). -1 when no
    /// CID was negotiated or `out` is too small.
    fn rdtls_SSL_get_connection_id(s: *const SSL, out: *mut u8, outlen: usize) -> c_int {
        let s = try_ref!(s, -1);
        let cid = s.with_conn(|c| c.connection_ids().map(|i| i.own.clone())).flatten();
        match cid {
            Some(cid) => copy_out(&cid, out, outlen),
            None => -1,
        }
    }

    /// rdtls_SSL_get_peer_connection_id: as rdtls_SSL_get_connection_id for the peer's CID
    /// (the one our records carry).
    fn rdtls_SSL_get_peer_connection_id(s: *const SSL, out: *mut u8, outlen: usize) -> c_int {
        let s = try_ref!(s, -1);
        let cid = s.with_conn(|c| c.connection_ids().map(|i| i.peer.clone())).flatten();
        match cid {
            Some(cid) => copy_out(&cid, out, outlen),
            None => -1,
        }
    }

    /// rdtls_SSL_cid_peer_moved_ok: 1 when the datagram this SSL read last held a record
    /// that authenticated and is newer than all before it: the application may now send to
    /// that datagram's source address (RFC 9146 §6). 0 otherwise, for replayed, reordered
    /// or forged datagrams.
    fn rdtls_SSL_cid_peer_moved_ok(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        c_int::from(s.with_conn(|c| c.last_datagram_newest()).unwrap_or(false))
    }

    /// rdtls_DTLS_get_datagram_connection_id: the CID of the first record of the datagram
    /// `dgram` of `len` bytes that carries one (a DTLS 1.2 `tls12_cid` record, RFC 9146 §4,
    /// or a DTLS 1.3 unified header with the C bit, RFC 9147 §4), for a receiver whose own
    /// CIDs are `cid_len` bytes long (the length is not on the wire), copied to `out`
    /// (`outlen` bytes). Returns
    /// `cid_len`, 0 when the datagram holds no such record (or `cid_len` is 0), -1 when
    /// `out` is too small. The record is not authenticated: use the CID only to find the
    /// association, which authenticates it.
    fn rdtls_DTLS_get_datagram_connection_id(
        dgram: *const u8,
        len: usize,
        cid_len: usize,
        out: *mut u8,
        outlen: usize,
    ) -> c_int {
        let dgram = try_slice!(dgram, len, -1);
        match datagram_cid(dgram, cid_len) {
            Some(cid) => {
                if out.is_null() {
                    crate::entry::on_null("out");
                    return -1;
                }
                copy_out(cid, out, outlen)
            }
            None => 0,
        }
    }

    /// rdtls_SSL_request_connection_ids: DTLS 1.3 only. Asks the peer for `n` (1..=255)
    /// more CIDs in a RequestConnectionId (RFC 9147 §9); it goes out with the next
    /// SSL_read / SSL_write / SSL_do_handshake, and the peer's answer arrives as spare CIDs
    /// (rdtls_SSL_get_spare_connection_id_count). Returns 1, or 0 with an error queued: not
    /// DTLS 1.3 (SSL_R_WRONG_SSL_VERSION), `n` out of range (SSL_R_BAD_VALUE), or refused
    /// for now (SSL_R_STILL_IN_INIT: handshake not complete, our previous flight not yet
    /// acknowledged, or the peer's CID is empty).
    fn rdtls_SSL_request_connection_ids(s: *mut SSL, n: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let Ok(n @ 1..=255) = u8::try_from(n) else {
            put_error(ERR_LIB_SSL, SSL_R_BAD_VALUE, format!("{n} connection IDs"));
            return 0;
        };
        let now = s.now();
        cid_update(s, "rdtls_SSL_request_connection_ids", |c| {
            c.request_connection_ids(now, n)
        })
    }

    /// rdtls_SSL_issue_connection_ids: DTLS 1.3 only. Hands the peer `count` (1..=4) fresh
    /// CIDs of ours, as long as the negotiated one, in a NewConnectionId (RFC 9147 §9); we
    /// accept them at once. With `immediate` non-zero the peer must use the first for all
    /// its later records (cid_immediate), else they are spares. Sent with the next I/O
    /// call. Returns 1, or 0 with an error queued as rdtls_SSL_request_connection_ids (also
    /// when our own CID is empty).
    fn rdtls_SSL_issue_connection_ids(s: *mut SSL, count: c_int, immediate: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let Ok(count @ 1..=4) = usize::try_from(count) else {
            put_error(ERR_LIB_SSL, SSL_R_BAD_VALUE, format!("{count} connection IDs"));
            return 0;
        };
        let now = s.now();
        cid_update(s, "rdtls_SSL_issue_connection_ids", |c| {
            c.issue_connection_ids(now, count, immediate != 0)
        })
    }

    /// rdtls_SSL_use_spare_connection_id: DTLS 1.3 only. Our records carry the peer's next
    /// spare CID from now on (RFC 9147 §9: a fresh CID for a new network path, so the old
    /// and new paths cannot be linked). Returns 1 when switched, 0 when the peer gave us no
    /// spare (or the connection is not DTLS 1.3); nothing is queued on the error queue for
    /// a missing spare.
    fn rdtls_SSL_use_spare_connection_id(s: *mut SSL) -> c_int {
        let s = try_ref!(s, 0);
        match s.conn.try_borrow_mut() {
            Ok(mut c) => c_int::from(c.as_mut().is_some_and(|c| c.use_spare_connection_id())),
            Err(_) => 0,
        }
    }

    /// rdtls_SSL_get_spare_connection_id_count: how many spare CIDs of the peer the SSL
    /// holds (DTLS 1.3; 0 on DTLS 1.2 or before the handshake).
    fn rdtls_SSL_get_spare_connection_id_count(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        // At most a few (the engine keeps 8).
        s.with_conn(|c| c.spare_peer_connection_ids()).unwrap_or(0).min(255) as c_int
    }
}
