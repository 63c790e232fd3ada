//! The drop-in host: BIO, X509, EVP_PKEY, X509_STORE, ERR and ex_data objects belong to the
//! process's own `libcrypto.so.3` and are driven only through its public functions.
//!
//! This is what lets `libssl.so.3` built from this crate replace OpenSSL's libssl under an
//! unmodified program: the program's `BIO_s_datagram` (or its own `BIO_METHOD`), its
//! in-memory certificates and its error queue are libcrypto's, and we call libcrypto's
//! `BIO_read` / `BIO_ctrl` / `d2i_X509` / `CRYPTO_get_ex_data` on them exactly as OpenSSL's
//! libssl would. All DTLS work and record crypto stay ours (the rdtls engine and ring).
//!
//! Queries that OpenSSL's libssl makes only opportunistically (peer address, MTU, timeouts)
//! run between `ERR_set_mark` and `ERR_pop_to_mark`: an application `BIO_METHOD` without a
//! `ctrl` makes libcrypto raise "unsupported method", which must not turn the next
//! `SSL_get_error` into `SSL_ERROR_SSL`.
use std::ffi::{c_int, c_long, c_void};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::SystemTime;

#[path = "../bio/consts.rs"]
#[allow(dead_code)]
mod bio_consts;
mod exdata;
pub(crate) mod ffi;
mod legacy;
mod store;
#[cfg(test)]
mod tests;
mod verify;
mod x509;

use bio_consts::*;
pub use exdata::{
    ExData, CRYPTO_EX_INDEX_BIO, CRYPTO_EX_INDEX_SSL, CRYPTO_EX_INDEX_SSL_CTX,
    CRYPTO_EX_INDEX_SSL_SESSION, CRYPTO_EX_INDEX_X509, CRYPTO_EX_INDEX_X509_STORE,
    CRYPTO_EX_INDEX_X509_STORE_CTX,
};
pub use ffi::{
    BIO, BIO_ADDR, EVP_PKEY, OPENSSL_STACK, X509, X509_NAME, X509_STORE, X509_STORE_CTX,
};
pub use legacy::*;
pub use store::*;
pub use verify::{
    native_verify, param_free, param_hosts_flags_depth, param_inherit, param_new, param_set1,
    param_set_hostflags, store_crls_and_flags, store_set_default_paths, NativeVerdict,
    X509_VERIFY_PARAM,
};
pub use x509::*;

/// Runs `f` and drops whatever errors it left on the queue (see the module documentation).
fn quietly<R>(f: impl FnOnce() -> R) -> R {
    // SAFETY: libcrypto's mark functions take no pointers. With an empty queue no mark is
    // set and ERR_pop_to_mark removes everything f raised, which is still what we want.
    unsafe { ffi::ERR_set_mark() };
    let r = f();
    // SAFETY: as above.
    unsafe { ffi::ERR_pop_to_mark() };
    r
}

/// `BIO_ctrl` with errors suppressed; 0 for a NULL BIO.
fn ctrl_quiet(b: *mut BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    if b.is_null() {
        return 0;
    }
    // SAFETY: a live libcrypto BIO (host contract); parg matches what `cmd` expects.
    quietly(|| unsafe { ffi::BIO_ctrl(b, cmd, larg, parg) })
}

/// Initialises libcrypto the way `OPENSSL_init_ssl` does (`OPENSSL_init_crypto` with the
/// caller's options) and registers the SSL reason strings; false on failure.
pub fn library_init(opts: u64, settings: *const c_void) -> bool {
    crate::error::load_ssl_strings();
    // SAFETY: libcrypto's public initialiser; settings is NULL or the caller's settings.
    unsafe { ffi::OPENSSL_init_crypto(opts, settings) == 1 }
}

/// `BIO_read`.
pub fn bio_read(b: *mut BIO, buf: &mut [u8]) -> c_int {
    if b.is_null() {
        return -1;
    }
    let n = c_int::try_from(buf.len()).unwrap_or(c_int::MAX);
    // SAFETY: buf is writable for n bytes; b is a live libcrypto BIO.
    unsafe { ffi::BIO_read(b, buf.as_mut_ptr().cast(), n) }
}

/// `BIO_write`.
pub fn bio_write(b: *mut BIO, data: &[u8]) -> c_int {
    if b.is_null() {
        return -1;
    }
    let n = c_int::try_from(data.len()).unwrap_or(c_int::MAX);
    // SAFETY: data is readable for n bytes; b is a live libcrypto BIO.
    unsafe { ffi::BIO_write(b, data.as_ptr().cast(), n) }
}

/// Direct access to a memory BIO's buffer: none here (libcrypto's BIOs are opaque).
pub fn bio_mem_append<R>(_b: *mut BIO, _f: impl FnOnce(&mut Vec<u8>) -> R) -> Option<R> {
    None
}

/// Taking a memory BIO's buffer: none here (libcrypto's BIOs are opaque).
pub fn bio_mem_take(_b: *mut BIO, _spare: &mut Vec<u8>, _max: usize) -> bool {
    false
}

/// Batched datagram writes: none here. OpenSSL 3.0's BIO has no batch call (BIO_sendmmsg
/// came in 3.2), and the application's BIO must see every datagram through `BIO_write`.
pub fn bio_write_batch(_b: *mut BIO, _datagrams: &[&[u8]]) -> usize {
    0
}

/// `BIO_ctrl`.
pub fn bio_ctrl(b: *mut BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    if b.is_null() {
        return 0;
    }
    // SAFETY: a live libcrypto BIO; parg is what the caller's `cmd` expects.
    unsafe { ffi::BIO_ctrl(b, cmd, larg, parg) }
}

fn test_flags(b: *mut BIO, flags: c_int) -> bool {
    // SAFETY: a live libcrypto BIO (NULL checked).
    !b.is_null() && unsafe { ffi::BIO_test_flags(b, flags) } != 0
}

/// `BIO_should_retry`.
pub fn bio_should_retry(b: *mut BIO) -> bool {
    test_flags(b, BIO_FLAGS_SHOULD_RETRY)
}

/// `BIO_should_read`.
pub fn bio_should_read(b: *mut BIO) -> bool {
    test_flags(b, BIO_FLAGS_READ)
}

/// `BIO_should_write`.
pub fn bio_should_write(b: *mut BIO) -> bool {
    test_flags(b, BIO_FLAGS_WRITE)
}

/// `BIO_get_retry_reason` when the BIO asks for a retry of a special operation only (no
/// read/write flag), as OpenSSL's SSL_get_error checks it.
pub fn bio_special_retry_reason(b: *mut BIO) -> Option<c_int> {
    if !test_flags(b, BIO_FLAGS_IO_SPECIAL) || test_flags(b, BIO_FLAGS_READ | BIO_FLAGS_WRITE) {
        return None;
    }
    // SAFETY: a live libcrypto BIO (non-NULL: test_flags checked it).
    Some(unsafe { ffi::BIO_get_retry_reason(b) })
}

/// `BIO_up_ref`.
pub fn bio_up_ref(b: *mut BIO) -> bool {
    // SAFETY: a live libcrypto BIO (NULL checked).
    !b.is_null() && unsafe { ffi::BIO_up_ref(b) } == 1
}

/// `BIO_free` (one reference).
pub fn bio_free(b: *mut BIO) {
    if !b.is_null() {
        // SAFETY: the caller owns one reference to a live BIO.
        unsafe { ffi::BIO_free(b) };
    }
}

/// `BIO_free_all`.
pub fn bio_free_all(b: *mut BIO) {
    if !b.is_null() {
        // SAFETY: the caller owns one reference to a live BIO chain.
        unsafe { ffi::BIO_free_all(b) };
    }
}

/// `BIO_new_socket`.
pub fn bio_new_socket(fd: c_int, close_flag: c_int) -> *mut BIO {
    // SAFETY: plain values.
    unsafe { ffi::BIO_new_socket(fd, close_flag) }
}

/// `BIO_new_dgram`.
pub fn bio_new_dgram(fd: c_int, close_flag: c_int) -> *mut BIO {
    // SAFETY: plain values.
    unsafe { ffi::BIO_new_dgram(fd, close_flag) }
}

/// `BIO_method_type`.
pub fn bio_method_type(b: *mut BIO) -> c_int {
    if b.is_null() {
        return BIO_TYPE_NONE;
    }
    // SAFETY: a live libcrypto BIO.
    unsafe { ffi::BIO_method_type(b) }
}

/// The descriptor of the first descriptor BIO in `b`'s chain (`SSL_get_fd`'s rule), -1
/// when there is none.
pub fn bio_fd(b: *mut BIO) -> c_int {
    if b.is_null() {
        return -1;
    }
    // SAFETY: a live libcrypto BIO chain.
    let d = quietly(|| unsafe { ffi::BIO_find_type(b, BIO_TYPE_DESCRIPTOR) });
    if d.is_null() {
        return -1;
    }
    c_int::try_from(ctrl_quiet(d, BIO_C_GET_FD, 0, std::ptr::null_mut())).unwrap_or(-1)
}

/// Storage for one socket address that libcrypto reads and writes as a `BIO_ADDR` (a union
/// of socket addresses, never larger than `struct sockaddr_storage`).
struct AddrBuf(libc::sockaddr_storage);

impl AddrBuf {
    fn new() -> Self {
        // SAFETY: all-zero is a valid sockaddr_storage (family AF_UNSPEC).
        AddrBuf(unsafe { std::mem::zeroed() })
    }

    fn as_addr(&mut self) -> *mut BIO_ADDR {
        (&mut self.0 as *mut libc::sockaddr_storage).cast()
    }
}

/// `BIO_dgram_get_peer`, None when unset or not a datagram BIO.
pub fn bio_dgram_peer(b: *mut BIO) -> Option<SocketAddr> {
    let mut buf = AddrBuf::new();
    // larg 0: copy the whole address (at most sizeof(BIO_ADDR) <= sockaddr_storage).
    if ctrl_quiet(b, BIO_CTRL_DGRAM_GET_PEER, 0, buf.as_addr().cast()) <= 0 {
        return None;
    }
    bio_addr_read(buf.as_addr())
}

/// `BIO_dgram_set_peer`.
pub fn bio_dgram_set_peer(b: *mut BIO, peer: &SocketAddr) {
    let mut buf = AddrBuf::new();
    bio_addr_write(buf.as_addr(), peer);
    ctrl_quiet(b, BIO_CTRL_DGRAM_SET_PEER, 0, buf.as_addr().cast());
}

/// `BIO_ctrl_set_connected`: the datagram BIO sends to `peer` with `send` from now on.
pub fn bio_dgram_set_connected(b: *mut BIO, peer: &SocketAddr) {
    let mut buf = AddrBuf::new();
    bio_addr_write(buf.as_addr(), peer);
    ctrl_quiet(b, BIO_CTRL_DGRAM_SET_CONNECTED, 0, buf.as_addr().cast());
}

/// `BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT` with an absolute deadline (None clears it); libcrypto's
/// datagram BIO turns it into a receive timeout for blocking reads.
pub fn bio_dgram_set_next_timeout(b: *mut BIO, deadline: Option<SystemTime>) {
    let since = deadline.and_then(|d| d.duration_since(SystemTime::UNIX_EPOCH).ok());
    let mut tv = libc::timeval {
        tv_sec: since.map_or(0, |d| libc::time_t::try_from(d.as_secs()).unwrap_or(0)),
        tv_usec: since.map_or(0, |d| d.subsec_micros() as libc::suseconds_t),
    };
    ctrl_quiet(
        b,
        BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT,
        0,
        (&mut tv as *mut libc::timeval).cast(),
    );
}

/// `BIO_dgram_recv_timedout`.
pub fn bio_dgram_recv_timedout(b: *mut BIO) -> bool {
    ctrl_quiet(
        b,
        BIO_CTRL_DGRAM_GET_RECV_TIMER_EXP,
        0,
        std::ptr::null_mut(),
    ) > 0
}

/// The path MTU for payloads: `BIO_CTRL_DGRAM_QUERY_MTU`, else the cached `GET_MTU` value.
pub fn bio_dgram_mtu(b: *mut BIO) -> Option<usize> {
    let q = ctrl_quiet(b, BIO_CTRL_DGRAM_QUERY_MTU, 0, std::ptr::null_mut());
    if q > 0 {
        return usize::try_from(q).ok();
    }
    let m = ctrl_quiet(b, BIO_CTRL_DGRAM_GET_MTU, 0, std::ptr::null_mut());
    usize::try_from(m).ok().filter(|&m| m > 0)
}

/// `BIO_dgram_get_mtu_overhead`.
pub fn bio_dgram_mtu_overhead(b: *mut BIO) -> usize {
    let n = ctrl_quiet(b, BIO_CTRL_DGRAM_GET_MTU_OVERHEAD, 0, std::ptr::null_mut());
    usize::try_from(n).unwrap_or(0)
}

/// `BIO_CTRL_DGRAM_MTU_EXCEEDED`.
pub fn bio_dgram_mtu_exceeded(b: *mut BIO) -> bool {
    ctrl_quiet(b, BIO_CTRL_DGRAM_MTU_EXCEEDED, 0, std::ptr::null_mut()) > 0
}

/// Writes `sa` into a caller's `BIO_ADDR` (or `struct sockaddr_storage`) with
/// `BIO_ADDR_rawmake`.
pub fn bio_addr_write(addr: *mut BIO_ADDR, sa: &SocketAddr) {
    if addr.is_null() {
        return;
    }
    let port = sa.port().to_be();
    // SAFETY: addr is a BIO_ADDR or sockaddr_storage (API contract); the raw address
    // buffers are the right length for their family.
    unsafe {
        match sa.ip() {
            IpAddr::V4(ip) => {
                let raw = ip.octets();
                ffi::BIO_ADDR_rawmake(addr, libc::AF_INET, raw.as_ptr().cast(), raw.len(), port)
            }
            IpAddr::V6(ip) => {
                let raw = ip.octets();
                ffi::BIO_ADDR_rawmake(addr, libc::AF_INET6, raw.as_ptr().cast(), raw.len(), port)
            }
        }
    };
}

/// Reads a `BIO_ADDR` as a socket address (None for NULL or a non-IP family).
pub fn bio_addr_read(addr: *const BIO_ADDR) -> Option<SocketAddr> {
    if addr.is_null() {
        return None;
    }
    // SAFETY: a live BIO_ADDR (or sockaddr_storage); output buffers sized for the family.
    unsafe {
        let port = u16::from_be(ffi::BIO_ADDR_rawport(addr));
        match ffi::BIO_ADDR_family(addr) {
            libc::AF_INET => {
                let mut raw = [0u8; 4];
                let mut len = raw.len();
                (ffi::BIO_ADDR_rawaddress(addr, raw.as_mut_ptr().cast(), &mut len) == 1 && len == 4)
                    .then(|| SocketAddr::new(Ipv4Addr::from(raw).into(), port))
            }
            libc::AF_INET6 => {
                let mut raw = [0u8; 16];
                let mut len = raw.len();
                (ffi::BIO_ADDR_rawaddress(addr, raw.as_mut_ptr().cast(), &mut len) == 1
                    && len == 16)
                    .then(|| SocketAddr::new(Ipv6Addr::from(raw).into(), port))
            }
            _ => None,
        }
    }
}
