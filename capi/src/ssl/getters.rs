//! What a finished handshake established: peer certificates, Finished messages, randoms,
//! exported keying material.
use std::ffi::{c_char, c_int, c_uchar, c_void};

use rdtls::Connection;

use crate::entry::*;
use crate::error::ssl_reasons::SSL_R_UNINITIALIZED;
use crate::error::{put_error, ERR_LIB_SSL};
use crate::host::{self, OPENSSL_STACK, X509};

use super::objects::SSL;

/// Copies as much of `src` as fits into the C buffer and returns `src.len()`.
fn copy_out(src: &[u8], buf: *mut c_void, count: usize) -> usize {
    let n = src.len().min(count);
    if n > 0 && !buf.is_null() {
        // SAFETY: the caller passes `count` writable bytes at `buf`.
        unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), buf.cast::<u8>(), n) };
    }
    src.len()
}

/// Size of a hello random (RFC 5246 §7.4.1.2).
const RANDOM_LEN: usize = 32;

/// Copies one of the randoms (zeros when unknown) into the C buffer; see
/// `SSL_get_client_random`.
fn copy_random(
    s: &SSL,
    out: *mut c_uchar,
    outlen: usize,
    pick: impl FnOnce(([u8; RANDOM_LEN], [u8; RANDOM_LEN])) -> [u8; RANDOM_LEN],
) -> usize {
    if outlen == 0 {
        return RANDOM_LEN;
    }
    let r = s
        .with_conn(Connection::randoms)
        .flatten()
        .map_or([0u8; RANDOM_LEN], pick);
    copy_out(&r, out.cast(), outlen).min(outlen)
}

impl SSL {
    /// The peer's chain (leaf first), empty when none or the connection is busy.
    fn peer_chain_der(&self) -> Vec<Vec<u8>> {
        self.with_conn(|c| c.peer_certificates().to_vec())
            .unwrap_or_default()
    }
}

entry! {
    /// SSL_get1_peer_certificate returns the peer's certificate with a new reference (the
    /// caller frees it with X509_free), or NULL.
    fn SSL_get1_peer_certificate(s: *const SSL) -> *mut X509 {
        let s = try_ref!(s, std::ptr::null_mut());
        match s.peer_chain_der().first() {
            Some(der) => host::x509_from_der(der),
            None => std::ptr::null_mut(),
        }
    }

    /// SSL_get_peer_certificate: the OpenSSL 1.1 name of SSL_get1_peer_certificate (3.0
    /// keeps the symbol for old binaries).
    fn SSL_get_peer_certificate(s: *const SSL) -> *mut X509 {
        SSL_get1_peer_certificate(s)
    }

    /// SSL_get0_peer_certificate returns the peer's certificate, owned by `s`, or NULL.
    fn SSL_get0_peer_certificate(s: *const SSL) -> *mut X509 {
        let s = try_ref!(s, std::ptr::null_mut());
        let cur = s.peer_cert.get();
        if !cur.is_null() {
            return cur;
        }
        let x = match s.peer_chain_der().first() {
            Some(der) => host::x509_from_der(der),
            None => return std::ptr::null_mut(),
        };
        s.peer_cert.set(x);
        x
    }

    /// SSL_get_peer_cert_chain returns the peer's chain, owned by `s` (on a server the
    /// client's own certificate is left out, as OpenSSL does), or NULL.
    fn SSL_get_peer_cert_chain(s: *const SSL) -> *mut OPENSSL_STACK {
        let s = try_ref!(s, std::ptr::null_mut());
        let cur = s.peer_chain.get();
        if !cur.is_null() {
            return cur;
        }
        let mut chain = s.peer_chain_der();
        if chain.is_empty() {
            return std::ptr::null_mut();
        }
        if s.is_server() {
            chain.remove(0);
        }
        let sk = host::stack_of_x509(&chain);
        s.peer_chain.set(sk);
        sk
    }

    /// SSL_get0_verified_chain returns the peer's full chain (leaf first), owned by `s`.
    fn SSL_get0_verified_chain(s: *const SSL) -> *mut OPENSSL_STACK {
        let s = try_ref!(s, std::ptr::null_mut());
        if s.is_server() {
            // The peer-chain stack leaves the leaf out on servers; build the full one once
            // and keep it (a get0 result is owned by `s`, freed with its handshake objects).
            let cur = s.verified_chain.get();
            if !cur.is_null() {
                return cur;
            }
            let chain = s.peer_chain_der();
            if chain.is_empty() {
                return std::ptr::null_mut();
            }
            let sk = host::stack_of_x509(&chain);
            s.verified_chain.set(sk);
            return sk;
        }
        SSL_get_peer_cert_chain(s)
    }

    /// SSL_get_finished copies our latest Finished verify_data (up to `count` bytes) and
    /// returns its length.
    fn SSL_get_finished(s: *const SSL, buf: *mut c_void, count: usize) -> usize {
        let s = try_ref!(s, 0);
        s.with_conn(|c| copy_out(c.finished().0, buf, count)).unwrap_or(0)
    }

    /// SSL_get_peer_finished copies the peer's latest Finished verify_data and returns its
    /// length.
    fn SSL_get_peer_finished(s: *const SSL, buf: *mut c_void, count: usize) -> usize {
        let s = try_ref!(s, 0);
        s.with_conn(|c| copy_out(c.finished().1, buf, count)).unwrap_or(0)
    }

    /// SSL_get_client_random copies the client random (up to `outlen` bytes) and returns the
    /// number copied; with `outlen` 0 returns its size (32). Before the random exists, or
    /// while the engine is busy, it copies zeros, as OpenSSL 3.0 does before its hello
    /// (its randoms start zeroed): the caller's buffer is never left uninitialised.
    fn SSL_get_client_random(s: *const SSL, out: *mut c_uchar, outlen: usize) -> usize {
        let s = try_ref!(s, 0);
        copy_random(s, out, outlen, |(c, _)| c)
    }

    /// SSL_get_server_random: as SSL_get_client_random for the server random.
    fn SSL_get_server_random(s: *const SSL, out: *mut c_uchar, outlen: usize) -> usize {
        let s = try_ref!(s, 0);
        copy_random(s, out, outlen, |(_, r)| r)
    }

    /// SSL_export_keying_material derives `olen` bytes per RFC 5705 (DTLS-SRTP keys and the
    /// like); 1 on success, 0 before the handshake completed or on error.
    fn SSL_export_keying_material(s: *mut SSL, out: *mut c_uchar, olen: usize,
                                  label: *const c_char, llen: usize,
                                  context: *const c_uchar, contextlen: usize,
                                  use_context: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let out = try_slice_mut!(out, olen, 0);
        let label = try_slice!(label, llen, 0);
        let ctx = if use_context != 0 { Some(try_slice!(context, contextlen, 0)) } else { None };
        let r = s.with_conn(|c| c.export_keying_material(out, label, ctx));
        match r {
            Some(Ok(())) => 1,
            Some(Err(e)) => {
                super::errors::raise(&e);
                0
            }
            None => {
                put_error(ERR_LIB_SSL, SSL_R_UNINITIALIZED, "no handshake yet");
                0
            }
        }
    }
}

/// `SSL_get_extms_support` (ctrl 122): 1 when extended master secret was negotiated, 0
/// when not, -1 before a handshake.
pub fn extms_support(s: &SSL) -> std::ffi::c_long {
    s.with_conn(|c| std::ffi::c_long::from(c.extended_master_secret()))
        .unwrap_or(-1)
}
