//! Attaching BIOs to an `SSL`, with OpenSSL's reference-ownership rules.
//!
//! Each of the two slots (read, write) owns one reference. `SSL_set_bio` adopts the caller's
//! references: when `rbio == wbio` the caller hands over one reference for two slots, so one is
//! added; when only one side changes only that side's reference is adopted (with OpenSSL's
//! historical asymmetry for the read side, kept so programs that rely on it do not leak or
//! double-free).
use std::ffi::c_int;

use crate::entry::*;
use crate::error::ssl_reasons::SSL_R_BIO_NOT_SET;
use crate::error::{put_error, ERR_LIB_SSL, ERR_R_BIO_LIB};
use crate::host::{self, BIO};

use super::ssl::SSL;

/// BIO_NOCLOSE: the socket BIOs we create for `SSL_set_fd` never close the descriptor.
const BIO_NOCLOSE: c_int = 0;

/// `SSL_set_bio`'s ownership logic.
pub fn set_bio(s: &SSL, rbio: *mut BIO, wbio: *mut BIO) {
    let cur_r = s.rbio.get();
    let cur_w = s.wbio.get();
    if rbio == cur_r && wbio == cur_w {
        return;
    }
    // The caller granted one reference for two slots.
    if !rbio.is_null() && rbio == wbio {
        host::bio_up_ref(rbio);
    }
    // Only the write side changes: adopt just that reference.
    if rbio == cur_r {
        s.set0_wbio(wbio);
        return;
    }
    // Only the read side changes and the two were different: adopt just that reference.
    if wbio == cur_w && cur_r != cur_w {
        s.set0_rbio(rbio);
        return;
    }
    s.set0_rbio(rbio);
    s.set0_wbio(wbio);
}

/// A new datagram BIO over `fd` (not closing it), or NULL with an error.
fn fd_bio(fd: c_int) -> *mut BIO {
    // A datagram BIO rather than OpenSSL 3.0's stream socket BIO: the same system calls on a
    // connected UDP socket, plus the retransmission deadline and MTU controls DTLS needs.
    let b = host::bio_new_dgram(fd, BIO_NOCLOSE);
    if b.is_null() {
        put_error(
            ERR_LIB_SSL,
            ERR_R_BIO_LIB,
            format!("cannot create a BIO for fd {fd}"),
        );
    }
    b
}

entry! {
    /// SSL_set_bio attaches `rbio` and `wbio`, taking ownership of the caller's references.
    fn SSL_set_bio(s: *mut SSL, rbio: *mut BIO, wbio: *mut BIO) {
        let s = try_ref!(s, ());
        set_bio(s, rbio, wbio);
    }

    /// SSL_set0_rbio replaces the read BIO, taking ownership of `rbio`.
    fn SSL_set0_rbio(s: *mut SSL, rbio: *mut BIO) {
        let s = try_ref!(s, ());
        s.set0_rbio(rbio);
    }

    /// SSL_set0_wbio replaces the write BIO, taking ownership of `wbio`.
    fn SSL_set0_wbio(s: *mut SSL, wbio: *mut BIO) {
        let s = try_ref!(s, ());
        s.set0_wbio(wbio);
    }

    /// SSL_get_rbio returns the read BIO (no new reference).
    fn SSL_get_rbio(s: *const SSL) -> *mut BIO {
        let s = try_ref!(s, std::ptr::null_mut());
        s.rbio.get()
    }

    /// SSL_get_wbio returns the write BIO (no new reference).
    fn SSL_get_wbio(s: *const SSL) -> *mut BIO {
        let s = try_ref!(s, std::ptr::null_mut());
        s.wbio.get()
    }

    /// SSL_set_fd uses socket `fd` for reading and writing; 1 on success.
    fn SSL_set_fd(s: *mut SSL, fd: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let b = fd_bio(fd);
        if b.is_null() {
            return 0;
        }
        set_bio(s, b, b);
        1
    }

    /// SSL_set_rfd uses socket `fd` for reading; 1 on success.
    fn SSL_set_rfd(s: *mut SSL, fd: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let w = s.wbio.get();
        if !w.is_null() && host::bio_fd(w) == fd {
            // Share the write BIO, as OpenSSL does when the descriptors match.
            host::bio_up_ref(w);
            s.set0_rbio(w);
            return 1;
        }
        let b = fd_bio(fd);
        if b.is_null() {
            return 0;
        }
        s.set0_rbio(b);
        1
    }

    /// SSL_set_wfd uses socket `fd` for writing; 1 on success.
    fn SSL_set_wfd(s: *mut SSL, fd: c_int) -> c_int {
        let s = try_ref!(s, 0);
        let r = s.rbio.get();
        if !r.is_null() && host::bio_fd(r) == fd {
            host::bio_up_ref(r);
            s.set0_wbio(r);
            return 1;
        }
        let b = fd_bio(fd);
        if b.is_null() {
            return 0;
        }
        s.set0_wbio(b);
        1
    }

    /// SSL_get_fd returns the read BIO's descriptor, or -1.
    fail = -1;
    fn SSL_get_fd(s: *const SSL) -> c_int {
        let s = try_ref!(s, -1);
        host::bio_fd(s.rbio.get())
    }

    /// SSL_get_rfd returns the read BIO's descriptor, or -1.
    fail = -1;
    fn SSL_get_rfd(s: *const SSL) -> c_int {
        let s = try_ref!(s, -1);
        host::bio_fd(s.rbio.get())
    }

    /// SSL_get_wfd returns the write BIO's descriptor, or -1.
    fail = -1;
    fn SSL_get_wfd(s: *const SSL) -> c_int {
        let s = try_ref!(s, -1);
        host::bio_fd(s.wbio.get())
    }
}

/// Raises "BIO not set" for an operation that needs `which` BIO.
pub fn bio_not_set(which: &str) {
    put_error(
        ERR_LIB_SSL,
        SSL_R_BIO_NOT_SET,
        format!("no {which} BIO: call SSL_set_bio or SSL_set_fd first"),
    );
}
