//! DTLS 1.2 connection IDs (RFC 9146) for C callers, declared in `include/rdtls/cid.h`.
//! OpenSSL 3.0 has no CID API, so every name carries the `rdtls_` prefix: the drop-in
//! exports them beside OpenSSL's names without clashing with any of them.
use std::ffi::c_int;

use rdtls::cid::{datagram_cid, MAX_CID_LEN};
use rdtls::config::LocalConnectionId;

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{put_error, ERR_LIB_SSL};

use super::ctx::SSL_CTX;
use super::ssl::SSL;

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

    /// rdtls_DTLS_get_datagram_connection_id: the CID of the first `tls12_cid` record of
    /// the datagram `dgram` of `len` bytes, for a receiver whose own CIDs are `cid_len`
    /// bytes long (the length is not on the wire), copied to `out` (`outlen` bytes). Returns
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
}
