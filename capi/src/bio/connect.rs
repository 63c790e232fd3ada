//! `BIO_s_connect`: a TCP client socket that connects by itself on first use, as OpenSSL's
//! bss_conn.c. The address is given as "host:port" (`BIO_set_conn_hostname`), a port
//! (`BIO_set_conn_port`) or a `BIO_ADDR` (`BIO_set_conn_address`); `BIO_do_connect` (or the
//! first read/write) resolves it and connects, trying each resolved address in turn. A
//! non-blocking BIO (`BIO_set_nbio(b, 1)`, before connecting) returns -1 with the retry
//! flags and `BIO_RR_CONNECT` while the connection is in progress. Once connected it reads
//! and writes like a socket BIO.
use std::ffi::{c_char, c_int, c_long, c_void, CStr, CString};
use std::net::{SocketAddr, ToSocketAddrs};

use super::addr::BIO_ADDR;
use super::consts::*;
use super::{errno, errno_is_retriable, BioImpl, BIO, BIO_METHOD};
use crate::entry::entry;
use crate::error::{put_error, put_sys_error, ERR_LIB_BIO};
use crate::error::{
    BIO_R_CONNECT_ERROR, BIO_R_LOOKUP_RETURNED_NOTHING, BIO_R_MALFORMED_HOST_OR_SERVICE,
    BIO_R_NBIO_CONNECT_ERROR, BIO_R_NO_HOSTNAME_OR_SERVICE_SPECIFIED,
};

/// `BIO_TYPE_CONNECT`.
pub const BIO_TYPE_CONNECT: c_int = 12 | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR;
/// `BIO_C_SET_CONNECT`: larg 0 hostname, 1 port, 2 address, 3 IP family.
pub const BIO_C_SET_CONNECT: c_int = 100;
/// `BIO_C_DO_STATE_MACHINE` (`BIO_do_connect`).
pub const BIO_C_DO_STATE_MACHINE: c_int = 101;
/// `BIO_C_GET_CONNECT`: larg as for BIO_C_SET_CONNECT.
pub const BIO_C_GET_CONNECT: c_int = 123;
/// `BIO_C_SET_CONNECT_MODE` (`BIO_set_conn_mode`, BIO_SOCK_* flags).
pub const BIO_C_SET_CONNECT_MODE: c_int = 155;
const BIO_SOCK_NONBLOCK: c_long = 0x08;
const BIO_SOCK_NODELAY: c_long = 0x10;
const BIO_FAMILY_IPV4: c_int = 4;
const BIO_FAMILY_IPV6: c_int = 6;
const BIO_FAMILY_IPANY: c_int = 256;
const BIO_RR_CONNECT: c_int = 0x02;

/// Where the connection stands.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Phase {
    /// Not started (or reset).
    Idle,
    /// A non-blocking connect to `addrs[next - 1]` is in progress.
    Connecting,
    /// Connected: reads and writes go to the socket.
    Connected,
}

/// State of a connect BIO.
pub struct ConnectBio {
    hostname: Option<CString>,
    service: Option<CString>,
    family: c_int,
    mode: c_long,
    fd: c_int,
    phase: Phase,
    addrs: Vec<SocketAddr>,
    next: usize,
    peer: BIO_ADDR,
}

fn ctor() -> (Box<dyn BioImpl>, bool) {
    (
        Box::new(ConnectBio {
            hostname: None,
            service: None,
            family: BIO_FAMILY_IPANY,
            mode: 0,
            fd: -1,
            phase: Phase::Idle,
            addrs: Vec::new(),
            next: 0,
            peer: BIO_ADDR::zeroed(),
        }),
        false,
    )
}

/// The method of `BIO_s_connect()`.
pub static METHOD: BIO_METHOD = BIO_METHOD::builtin(BIO_TYPE_CONNECT, b"socket connect\0", ctor);

/// Splits "host:service", "[v6]:service", "host" (service None) as BIO_parse_hostserv does
/// with BIO_PARSE_PRIO_HOST; None when malformed.
fn parse_hostserv(s: &str) -> Option<(String, Option<String>)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, tail) = rest.split_once(']')?;
        return match tail {
            "" => Some((host.to_string(), None)),
            t => Some((host.to_string(), Some(t.strip_prefix(':')?.to_string()))),
        };
    }
    match s.split_once(':') {
        // More than one colon: a bare IPv6 address, all host.
        Some((_, svc)) if svc.contains(':') => Some((s.to_string(), None)),
        Some((h, svc)) => Some((h.to_string(), Some(svc.to_string()))),
        None => Some((s.to_string(), None)),
    }
}

/// A port number or a TCP service name (/etc/services).
fn port_of(service: &CStr) -> Option<u16> {
    let s = service.to_str().ok()?;
    if let Ok(p) = s.parse::<u16>() {
        return Some(p);
    }
    // SAFETY: both arguments are NUL-terminated strings; the result is read at once.
    let ent = unsafe { libc::getservbyname(service.as_ptr(), c"tcp".as_ptr()) };
    // SAFETY: NULL or a valid servent (static storage of libc).
    unsafe { ent.as_ref() }.map(|e| u16::from_be(e.s_port as u16))
}

impl ConnectBio {
    fn close(&mut self) {
        if self.fd >= 0 {
            // SAFETY: our own socket, closed once (fd is reset below).
            unsafe { libc::close(self.fd) };
        }
        self.fd = -1;
        self.phase = Phase::Idle;
    }

    /// Resolves the host and service into `addrs`.
    fn resolve(&mut self) -> bool {
        let (Some(host), Some(service)) = (&self.hostname, &self.service) else {
            put_error(
                ERR_LIB_BIO,
                BIO_R_NO_HOSTNAME_OR_SERVICE_SPECIFIED,
                "set the address with BIO_set_conn_hostname(b, \"host:port\")",
            );
            return false;
        };
        let Some(port) = port_of(service) else {
            put_error(
                ERR_LIB_BIO,
                BIO_R_MALFORMED_HOST_OR_SERVICE,
                format!("unknown service '{}'", service.to_string_lossy()),
            );
            return false;
        };
        let host = host.to_string_lossy().into_owned();
        let found = match (host.as_str(), port).to_socket_addrs() {
            Ok(it) => it,
            Err(e) => {
                put_error(
                    ERR_LIB_BIO,
                    BIO_R_LOOKUP_RETURNED_NOTHING,
                    format!("host '{host}': {e}"),
                );
                return false;
            }
        };
        let family = self.family;
        self.addrs = found
            .filter(|a| match family {
                BIO_FAMILY_IPV4 => a.is_ipv4(),
                BIO_FAMILY_IPV6 => a.is_ipv6(),
                _ => true,
            })
            .collect();
        self.next = 0;
        if self.addrs.is_empty() {
            put_error(
                ERR_LIB_BIO,
                BIO_R_LOOKUP_RETURNED_NOTHING,
                format!("host '{host}': no address of the requested family"),
            );
            return false;
        }
        true
    }

    /// Starts a connection to the next address; Ok(true) connected, Ok(false) in progress.
    fn start_next(&mut self) -> Result<bool, c_int> {
        let Some(&addr) = self.addrs.get(self.next) else {
            return Err(errno());
        };
        self.next += 1;
        self.peer = BIO_ADDR::from_socket_addr(&addr);
        let af = if addr.is_ipv4() {
            libc::AF_INET
        } else {
            libc::AF_INET6
        };
        let mut ty = libc::SOCK_STREAM | libc::SOCK_CLOEXEC;
        if self.mode & BIO_SOCK_NONBLOCK != 0 {
            ty |= libc::SOCK_NONBLOCK;
        }
        // SAFETY: plain socket creation.
        let fd = unsafe { libc::socket(af, ty, 0) };
        if fd < 0 {
            return Err(errno());
        }
        self.fd = fd;
        if self.mode & BIO_SOCK_NODELAY != 0 {
            let one: c_int = 1;
            // SAFETY: setsockopt on our socket with an int option.
            unsafe {
                libc::setsockopt(
                    fd,
                    libc::IPPROTO_TCP,
                    libc::TCP_NODELAY,
                    (&one as *const c_int).cast(),
                    std::mem::size_of::<c_int>() as libc::socklen_t,
                )
            };
        }
        let len = if addr.is_ipv4() {
            std::mem::size_of::<libc::sockaddr_in>()
        } else {
            std::mem::size_of::<libc::sockaddr_in6>()
        };
        // SAFETY: `peer` holds a sockaddr of `len` bytes for this family.
        let rc = unsafe {
            libc::connect(
                fd,
                (&self.peer as *const BIO_ADDR).cast(),
                len as libc::socklen_t,
            )
        };
        if rc == 0 {
            return Ok(true);
        }
        let e = errno();
        if e == libc::EINPROGRESS || e == libc::EINTR {
            return Ok(false);
        }
        self.close();
        Err(e)
    }

    /// The connect state machine: 1 connected, -1 with retry flags while a non-blocking
    /// connect is in progress, -1 (or 0) with an error entry on failure.
    fn connect(&mut self, bio: &BIO) -> c_int {
        bio.clear_retry_flags();
        loop {
            match self.phase {
                Phase::Connected => return 1,
                Phase::Idle => {
                    if !self.resolve() {
                        return -1;
                    }
                    self.phase = Phase::Connecting;
                    match self.attempt_all() {
                        Ok(true) => self.phase = Phase::Connected,
                        Ok(false) => return self.want_connect(bio),
                        Err(e) => return self.failed(e),
                    }
                }
                Phase::Connecting => {
                    let mut err: c_int = 0;
                    let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
                    // SAFETY: SO_ERROR into an int on our socket.
                    unsafe {
                        libc::getsockopt(
                            self.fd,
                            libc::SOL_SOCKET,
                            libc::SO_ERROR,
                            (&mut err as *mut c_int).cast(),
                            &mut len,
                        )
                    };
                    if err == 0 && self.is_connected() {
                        self.phase = Phase::Connected;
                        continue;
                    }
                    if err == 0 {
                        return self.want_connect(bio);
                    }
                    // This address failed: try the next one.
                    // SAFETY: our own socket.
                    unsafe { libc::close(self.fd) };
                    self.fd = -1;
                    match self.attempt_all() {
                        Ok(true) => self.phase = Phase::Connected,
                        Ok(false) => return self.want_connect(bio),
                        Err(_) => {
                            self.phase = Phase::Idle;
                            put_sys_error(err, "connect() failed");
                            put_error(ERR_LIB_BIO, BIO_R_NBIO_CONNECT_ERROR, self.target());
                            return -1;
                        }
                    }
                }
            }
        }
    }

    /// Tries the remaining addresses until one connects or is in progress.
    fn attempt_all(&mut self) -> Result<bool, c_int> {
        let mut last = libc::ECONNREFUSED;
        while self.next < self.addrs.len() {
            match self.start_next() {
                Ok(done) => return Ok(done),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn is_connected(&self) -> bool {
        let mut sa = BIO_ADDR::zeroed();
        let mut len = std::mem::size_of::<BIO_ADDR>() as libc::socklen_t;
        // SAFETY: getpeername into a buffer of `len` bytes.
        unsafe { libc::getpeername(self.fd, (&mut sa as *mut BIO_ADDR).cast(), &mut len) == 0 }
    }

    fn want_connect(&self, bio: &BIO) -> c_int {
        bio.set_flags(BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY);
        bio.retry_reason.set(BIO_RR_CONNECT);
        -1
    }

    fn failed(&mut self, e: c_int) -> c_int {
        self.close();
        put_sys_error(e, "connect() failed");
        put_error(ERR_LIB_BIO, BIO_R_CONNECT_ERROR, self.target());
        -1
    }

    fn target(&self) -> String {
        let h = self.hostname.as_deref().map(CStr::to_string_lossy);
        let s = self.service.as_deref().map(CStr::to_string_lossy);
        format!(
            "hostname={} service={}",
            h.unwrap_or_default(),
            s.unwrap_or_default()
        )
    }

    fn set_connect(&mut self, bio: &BIO, larg: c_long, parg: *mut c_void) -> c_long {
        if parg.is_null() {
            return 0;
        }
        bio.set_init(1);
        match larg {
            0 | 1 => {
                // SAFETY: BIO_set_conn_hostname / _port pass a NUL-terminated string.
                let text = unsafe { CStr::from_ptr(parg as *const c_char) };
                if larg == 1 {
                    self.service = Some(text.to_owned());
                    return 1;
                }
                let Some((h, s)) = text.to_str().ok().and_then(parse_hostserv) else {
                    put_error(
                        ERR_LIB_BIO,
                        BIO_R_MALFORMED_HOST_OR_SERVICE,
                        text.to_string_lossy(),
                    );
                    return 0;
                };
                self.hostname = CString::new(h).ok();
                if let Some(s) = s {
                    self.service = CString::new(s).ok();
                }
                1
            }
            2 => {
                // SAFETY: BIO_set_conn_address passes a BIO_ADDR.
                let a = unsafe { &*(parg as *const BIO_ADDR) };
                let Some(sa) = a.to_socket_addr() else {
                    return 0;
                };
                self.hostname = CString::new(sa.ip().to_string()).ok();
                self.service = CString::new(sa.port().to_string()).ok();
                1
            }
            3 => {
                // SAFETY: BIO_set_conn_ip_family (BIO_int_ctrl) passes a pointer to an int.
                self.family = unsafe { *(parg as *const c_int) };
                1
            }
            _ => 0,
        }
    }

    fn get_connect(&mut self, larg: c_long, parg: *mut c_void) -> c_long {
        let out = parg as *mut *const c_void;
        let p: *const c_void = match larg {
            0 => self
                .hostname
                .as_ref()
                .map_or(std::ptr::null(), |h| h.as_ptr().cast()),
            1 => self
                .service
                .as_ref()
                .map_or(std::ptr::null(), |s| s.as_ptr().cast()),
            2 if self.phase != Phase::Idle => (&self.peer as *const BIO_ADDR).cast(),
            2 => std::ptr::null(),
            3 => {
                return match self.peer.family() {
                    libc::AF_INET => c_long::from(BIO_FAMILY_IPV4),
                    libc::AF_INET6 => c_long::from(BIO_FAMILY_IPV6),
                    _ => c_long::from(self.family),
                }
            }
            _ => return 0,
        };
        if out.is_null() {
            return 0;
        }
        // SAFETY: BIO_ptr_ctrl / BIO_get_conn_* pass a pointer to a pointer.
        unsafe { out.write(p) };
        1
    }
}

impl BioImpl for ConnectBio {
    fn read(&mut self, bio: &BIO, out: &mut [u8]) -> c_int {
        if self.phase != Phase::Connected {
            let r = self.connect(bio);
            if r <= 0 {
                return r;
            }
        }
        // SAFETY: out is writable for its length; fd is our connected socket.
        let n = unsafe { libc::recv(self.fd, out.as_mut_ptr().cast(), out.len(), 0) };
        bio.clear_retry_flags();
        if n < 0 {
            if errno_is_retriable(errno()) {
                bio.set_retry_read();
            }
            return -1;
        }
        if n == 0 {
            bio.set_flags(BIO_FLAGS_IN_EOF);
        }
        n as c_int
    }

    fn write(&mut self, bio: &BIO, data: &[u8]) -> c_int {
        if self.phase != Phase::Connected {
            let r = self.connect(bio);
            if r <= 0 {
                return r;
            }
        }
        // SAFETY: data is readable for its length; MSG_NOSIGNAL: EPIPE, not SIGPIPE.
        let n = unsafe {
            libc::send(
                self.fd,
                data.as_ptr().cast(),
                data.len(),
                libc::MSG_NOSIGNAL,
            )
        };
        bio.clear_retry_flags();
        if n < 0 {
            if errno_is_retriable(errno()) {
                bio.set_retry_write();
            }
            return -1;
        }
        n as c_int
    }

    fn ctrl(&mut self, bio: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        match cmd {
            BIO_C_DO_STATE_MACHINE => c_long::from(self.connect(bio)),
            BIO_C_SET_CONNECT => self.set_connect(bio, larg, parg),
            BIO_C_GET_CONNECT => self.get_connect(larg, parg),
            BIO_C_SET_NBIO => {
                if larg != 0 {
                    self.mode |= BIO_SOCK_NONBLOCK;
                } else {
                    self.mode &= !BIO_SOCK_NONBLOCK;
                }
                1
            }
            BIO_C_SET_CONNECT_MODE => {
                self.mode = larg;
                1
            }
            BIO_C_GET_FD => {
                if self.fd < 0 {
                    return -1;
                }
                if !parg.is_null() {
                    // SAFETY: BIO_get_fd passes NULL or a pointer to an int.
                    unsafe { (parg as *mut c_int).write(self.fd) };
                }
                c_long::from(self.fd)
            }
            BIO_CTRL_RESET => {
                self.close();
                bio.clear_flags(BIO_FLAGS_IN_EOF);
                0
            }
            BIO_CTRL_EOF => c_long::from(bio.test_flags(BIO_FLAGS_IN_EOF) != 0),
            BIO_CTRL_FLUSH => 1,
            BIO_CTRL_PENDING | BIO_CTRL_WPENDING => 0,
            _ => 0,
        }
    }

    fn destroy(&mut self, bio: &BIO) {
        if bio.shutdown() != 0 {
            self.close();
        }
    }
}

/// `BIO_new_connect`: a connect BIO for "host:port" (NULL `host_port`: set it later).
pub fn new_connect(host_port: *const c_char) -> *mut BIO {
    let b = super::new(&METHOD);
    if b.is_null() || host_port.is_null() {
        return b;
    }
    if super::ctrl(b, BIO_C_SET_CONNECT, 0, host_port as *mut c_void) != 1 {
        super::free(b);
        return std::ptr::null_mut();
    }
    b
}

entry! {
    /// BIO_s_connect: a TCP client that connects on first use.
    fn BIO_s_connect() -> *const BIO_METHOD { &METHOD }

    /// BIO_new_connect: a connect BIO for "host:port".
    fn BIO_new_connect(host_port: *const c_char) -> *mut BIO { new_connect(host_port) }
}

#[cfg(test)]
#[path = "connect_tests.rs"]
mod tests;
