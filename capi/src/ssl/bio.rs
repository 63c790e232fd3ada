//! Attaching BIOs to an `SSL`, with OpenSSL's reference-ownership rules.
//!
//! Each of the two slots (read, write) owns one reference. `SSL_set_bio` adopts the caller's
//! references: when `rbio == wbio` the caller hands over one reference for two slots, so one is
//! added; when only one side changes only that side's reference is adopted (with OpenSSL's
//! historical asymmetry for the read side, kept so programs that rely on it do not leak or
//! double-free).
use std::ffi::c_int;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};

use crate::entry::*;
use crate::error::ssl_reasons::SSL_R_BIO_NOT_SET;
use crate::error::{put_error, ERR_LIB_SSL, ERR_R_BIO_LIB};
use crate::host::{self, BIO};

use super::objects::SSL;

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

/// What kind of descriptor `SSL_set_fd` was given.
enum FdKind {
    /// A datagram socket, with its peer when it is `connect()`ed.
    Datagram(Option<SocketAddr>),
    /// A stream socket, or not a socket at all (a pipe, a tty): OpenSSL's socket BIO
    /// (plain `read`/`write`).
    Stream,
}

/// Reads a `sockaddr_storage` filled by the kernel as an IP socket address.
fn sockaddr_to_std(ss: &libc::sockaddr_storage) -> Option<SocketAddr> {
    match c_int::from(ss.ss_family) {
        libc::AF_INET => {
            // SAFETY: the family says the storage holds a sockaddr_in, which it can contain.
            let sin =
                unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr));
            Some(SocketAddr::new(ip.into(), u16::from_be(sin.sin_port)))
        }
        libc::AF_INET6 => {
            // SAFETY: as above, for sockaddr_in6.
            let sin6 =
                unsafe { &*(ss as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>() };
            let ip = Ipv6Addr::from(sin6.sin6_addr.s6_addr);
            Some(SocketAddr::new(ip.into(), u16::from_be(sin6.sin6_port)))
        }
        _ => None,
    }
}

/// Asks the kernel whether `fd` is a datagram socket and, if so, whether it is connected.
fn fd_kind(fd: c_int) -> FdKind {
    let ty = super::dccp::int_sockopt(fd, libc::SOL_SOCKET, libc::SO_TYPE);
    // A DCCP socket is a (connected) datagram socket too (RFC 5238, see dccp.rs).
    if ty != Some(libc::SOCK_DGRAM) && ty != Some(super::dccp::SOCK_DCCP) {
        return FdKind::Stream;
    }
    // SAFETY: all-zero is a valid sockaddr_storage.
    let mut ss: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut sl = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    // SAFETY: getpeername writes at most `sl` bytes into `ss`; ENOTCONN leaves it alone.
    let r =
        unsafe { libc::getpeername(fd, (&mut ss as *mut libc::sockaddr_storage).cast(), &mut sl) };
    FdKind::Datagram(if r == 0 { sockaddr_to_std(&ss) } else { None })
}

/// A new BIO over `fd` (not closing it), or NULL with an error.
///
/// A datagram socket gets a datagram BIO (the retransmission deadline and MTU controls DTLS
/// needs); when the socket is `connect()`ed the BIO is marked connected to that peer, as a
/// program would with `BIO_ctrl_set_connected`, so writes go out with `send` instead of a
/// `sendto` to an unset address. Anything else gets OpenSSL's socket BIO, as
/// OpenSSL 3.0's `SSL_set_fd` always does.
fn fd_bio(fd: c_int) -> *mut BIO {
    let b = match fd_kind(fd) {
        FdKind::Datagram(peer) => {
            let b = host::bio_new_dgram(fd, BIO_NOCLOSE);
            if let (false, Some(peer)) = (b.is_null(), peer) {
                host::bio_dgram_set_connected(b, &peer);
            }
            b
        }
        FdKind::Stream => host::bio_new_socket(fd, BIO_NOCLOSE),
    };
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
