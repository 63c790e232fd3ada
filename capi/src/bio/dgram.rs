//! `BIO_s_datagram`: a UDP socket, one datagram per read/write.
//!
//! Reads use `recvfrom` and remember the sender as the peer while the BIO is not connected;
//! writes use `send` when connected and `sendto(peer)` otherwise; the SSL layer hands a
//! flight of several datagrams to [`BioImpl::write_batch`], one `sendmmsg`.
//!
//! **Blocking-mode retransmission** (OpenSSL's mechanism): the SSL layer passes its next
//! retransmission deadline with `BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT` (an absolute
//! `struct timeval` on the `gettimeofday` clock; all-zero clears it). While a deadline is
//! set, each read shortens `SO_RCVTIMEO` so a blocking `recvfrom` returns by the deadline;
//! it then fails with EAGAIN, the BIO sets the retry-read flag and
//! `BIO_dgram_recv_timedout` (`BIO_CTRL_DGRAM_GET_RECV_TIMER_EXP`) reports 1 once, so the
//! caller knows to run its timer. The application's own `SO_RCVTIMEO` is restored after.
use std::ffi::{c_int, c_long, c_void};

use super::addr::BIO_ADDR;
use super::consts::*;
use super::fd::{close_if_owned, fd_ctrl};
use super::{errno, BioImpl, BIO, BIO_METHOD};

/// IPv4 + UDP header bytes.
pub const UDP4_OVERHEAD: c_long = 20 + 8;
/// IPv6 + UDP header bytes.
pub const UDP6_OVERHEAD: c_long = 40 + 8;
/// The minimum IPv4 datagram every host must accept (RFC 791).
pub const IPV4_MIN_MTU: c_long = 576;
/// The minimum IPv6 link MTU (RFC 8200 §5).
pub const IPV6_MIN_MTU: c_long = 1280;

/// Most datagrams one `sendmmsg` carries (a flight needs far fewer; Linux's UIO_MAXIOV is
/// larger).
const MAX_BATCH: usize = 64;

/// State of a datagram BIO.
pub struct DgramBio {
    fd: c_int,
    peer: BIO_ADDR,
    connected: bool,
    mtu: c_long,
    /// errno of the last failed read or write (timer expiry, EMSGSIZE).
    last_errno: c_int,
    /// Absolute retransmission deadline (gettimeofday clock).
    next_timeout: Option<libc::timeval>,
    peek: bool,
}

fn ctor() -> (Box<dyn BioImpl>, bool) {
    let d = DgramBio {
        fd: -1,
        peer: BIO_ADDR::zeroed(),
        connected: false,
        mtu: 0,
        last_errno: 0,
        next_timeout: None,
        peek: false,
    };
    (Box::new(d), false)
}

/// The method of `BIO_s_datagram()`.
pub static METHOD: BIO_METHOD = BIO_METHOD::builtin(BIO_TYPE_DGRAM, b"datagram socket\0", ctor);

/// `BIO_new_dgram`.
pub fn new_dgram(fd: c_int, close_flag: c_int) -> *mut BIO {
    let b = super::new(&METHOD);
    let mut fd = fd;
    super::ctrl(
        b,
        BIO_C_SET_FD,
        close_flag as c_long,
        (&mut fd as *mut c_int).cast(),
    );
    b
}

/// `BIO_dgram_non_fatal_error`: errors after which a datagram operation may be retried.
pub fn dgram_non_fatal(e: c_int) -> bool {
    matches!(
        e,
        libc::EINTR | libc::EAGAIN | libc::EINPROGRESS | libc::EALREADY
    ) || e == libc::EWOULDBLOCK
}

fn now_timeval() -> libc::timeval {
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    // SAFETY: tv is a valid out pointer; a NULL timezone is allowed.
    unsafe { libc::gettimeofday(&mut tv, std::ptr::null_mut()) };
    tv
}

fn tv_micros(tv: &libc::timeval) -> i128 {
    i128::from(tv.tv_sec) * 1_000_000 + i128::from(tv.tv_usec)
}

fn micros_tv(us: i128) -> libc::timeval {
    libc::timeval {
        tv_sec: (us / 1_000_000) as libc::time_t,
        tv_usec: (us % 1_000_000) as libc::suseconds_t,
    }
}

/// Reads a socket address the caller passed as `BIO_ADDR *` or `struct sockaddr *`, copying
/// only as many bytes as its family needs.
///
/// # Safety
/// `p` must be NULL or point to a sockaddr of the family its first field names.
unsafe fn read_caller_addr(p: *const c_void) -> BIO_ADDR {
    if p.is_null() {
        return BIO_ADDR::zeroed();
    }
    // SAFETY: every sockaddr starts with sa_family_t (read unaligned: caller memory).
    let family = c_int::from(unsafe { (p as *const libc::sa_family_t).read_unaligned() });
    let len = match family {
        libc::AF_INET => std::mem::size_of::<libc::sockaddr_in>(),
        libc::AF_INET6 => std::mem::size_of::<libc::sockaddr_in6>(),
        libc::AF_UNIX => std::mem::size_of::<libc::sockaddr_un>(),
        _ => std::mem::size_of::<libc::sa_family_t>(),
    };
    // SAFETY: the family says the caller's object holds `len` bytes.
    unsafe { BIO_ADDR::from_raw(p.cast(), len) }
}

impl DgramBio {
    fn getsockopt_tv(&self, opt: c_int) -> Option<libc::timeval> {
        let mut tv = libc::timeval {
            tv_sec: 0,
            tv_usec: 0,
        };
        let mut len = std::mem::size_of::<libc::timeval>() as libc::socklen_t;
        // SAFETY: tv/len are valid out pointers of the right size.
        let rc = unsafe {
            libc::getsockopt(
                self.fd,
                libc::SOL_SOCKET,
                opt,
                (&mut tv as *mut libc::timeval).cast(),
                &mut len,
            )
        };
        (rc == 0).then_some(tv)
    }

    fn setsockopt_tv(&self, opt: c_int, tv: &libc::timeval) -> bool {
        // SAFETY: tv is a valid timeval for the given length.
        let rc = unsafe {
            libc::setsockopt(
                self.fd,
                libc::SOL_SOCKET,
                opt,
                (tv as *const libc::timeval).cast(),
                std::mem::size_of::<libc::timeval>() as libc::socklen_t,
            )
        };
        rc == 0
    }

    /// Shortens SO_RCVTIMEO to the time left before `next_timeout`; returns the value to
    /// restore afterwards when it changed it.
    fn adjust_rcv_timeout(&self) -> Option<libc::timeval> {
        let deadline = self.next_timeout?;
        let current = self.getsockopt_tv(libc::SO_RCVTIMEO)?;
        // Already due: wait 1µs rather than 0 (0 would mean "block forever").
        let left = (tv_micros(&deadline) - tv_micros(&now_timeval())).max(1);
        let cur = tv_micros(&current);
        if cur == 0 || left < cur {
            self.setsockopt_tv(libc::SO_RCVTIMEO, &micros_tv(left))
                .then_some(current)
        } else {
            None
        }
    }

    /// The socket's address family: the peer's, else the bound address's.
    fn family(&self) -> c_int {
        let f = self.peer.family();
        if f != libc::AF_UNSPEC {
            return f;
        }
        let mut local = BIO_ADDR::zeroed();
        let mut len = std::mem::size_of::<BIO_ADDR>() as libc::socklen_t;
        // SAFETY: local/len are valid out pointers of the right size.
        let rc =
            unsafe { libc::getsockname(self.fd, (&mut local as *mut BIO_ADDR).cast(), &mut len) };
        if rc == 0 {
            local.family()
        } else {
            libc::AF_UNSPEC
        }
    }

    fn is_v6(&self) -> bool {
        match self.peer.to_socket_addr() {
            Some(std::net::SocketAddr::V6(v6)) => v6.ip().to_ipv4_mapped().is_none(),
            Some(_) => false,
            None => self.family() == libc::AF_INET6,
        }
    }

    fn overhead(&self) -> c_long {
        if self.is_v6() {
            UDP6_OVERHEAD
        } else {
            UDP4_OVERHEAD
        }
    }

    fn set_int_opt(&self, level: c_int, opt: c_int, v: c_int) -> c_long {
        // SAFETY: v is a valid int for the given length.
        let rc = unsafe {
            libc::setsockopt(
                self.fd,
                level,
                opt,
                (&v as *const c_int).cast(),
                std::mem::size_of::<c_int>() as libc::socklen_t,
            )
        };
        rc as c_long
    }

    fn set_pmtu_discovery(&self, on: bool) -> c_long {
        if self.family() == libc::AF_INET6 {
            let v = if on {
                libc::IPV6_PMTUDISC_DO
            } else {
                libc::IPV6_PMTUDISC_DONT
            };
            self.set_int_opt(libc::IPPROTO_IPV6, libc::IPV6_MTU_DISCOVER, v)
        } else {
            let v = if on {
                libc::IP_PMTUDISC_DO
            } else {
                libc::IP_PMTUDISC_DONT
            };
            self.set_int_opt(libc::IPPROTO_IP, libc::IP_MTU_DISCOVER, v)
        }
    }

    fn query_mtu(&mut self) -> c_long {
        let (level, opt) = if self.family() == libc::AF_INET6 {
            (libc::IPPROTO_IPV6, libc::IPV6_MTU)
        } else {
            (libc::IPPROTO_IP, libc::IP_MTU)
        };
        let mut v: c_int = 0;
        let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
        // SAFETY: v/len are valid out pointers of the right size.
        let rc = unsafe {
            libc::getsockopt(self.fd, level, opt, (&mut v as *mut c_int).cast(), &mut len)
        };
        if rc != 0 || c_long::from(v) <= self.overhead() {
            return 0;
        }
        self.mtu = c_long::from(v) - self.overhead();
        self.mtu
    }
}

impl BioImpl for DgramBio {
    fn read(&mut self, bio: &BIO, out: &mut [u8]) -> c_int {
        let restore = self.adjust_rcv_timeout();
        let mut from = BIO_ADDR::zeroed();
        let mut from_len = std::mem::size_of::<BIO_ADDR>() as libc::socklen_t;
        let flags = if self.peek { libc::MSG_PEEK } else { 0 };
        // SAFETY: out is writable for its length; from/from_len are valid out pointers.
        let n = unsafe {
            libc::recvfrom(
                self.fd,
                out.as_mut_ptr().cast(),
                out.len(),
                flags,
                (&mut from as *mut BIO_ADDR).cast(),
                &mut from_len,
            )
        };
        let e = errno();
        if let Some(tv) = restore {
            self.setsockopt_tv(libc::SO_RCVTIMEO, &tv);
        }
        bio.clear_retry_flags();
        if n < 0 {
            self.last_errno = e;
            if dgram_non_fatal(e) {
                bio.set_retry_read();
            }
            return -1;
        }
        if !self.connected && from.family() != libc::AF_UNSPEC {
            self.peer = from;
        }
        n as c_int
    }

    fn write(&mut self, bio: &BIO, data: &[u8]) -> c_int {
        let n = if self.connected || self.peer.family() == libc::AF_UNSPEC {
            // SAFETY: data is readable for its length.
            unsafe { libc::send(self.fd, data.as_ptr().cast(), data.len(), 0) }
        } else {
            // SAFETY: data is readable; peer holds a sockaddr of the given length.
            unsafe {
                libc::sendto(
                    self.fd,
                    data.as_ptr().cast(),
                    data.len(),
                    0,
                    self.peer.as_sockaddr(),
                    self.peer.sockaddr_len() as libc::socklen_t,
                )
            }
        };
        let e = errno();
        bio.clear_retry_flags();
        if n < 0 {
            self.last_errno = e;
            if dgram_non_fatal(e) {
                bio.set_retry_write();
            }
            return -1;
        }
        n as c_int
    }

    fn gets(&mut self, _bio: &BIO, _buf: &mut [u8]) -> c_int {
        -2
    }

    fn write_batch(&mut self, bio: &BIO, datagrams: &[&[u8]]) -> usize {
        let count = datagrams.len().min(MAX_BATCH);
        if count < 2 {
            return 0;
        }
        let named = !(self.connected || self.peer.family() == libc::AF_UNSPEC);
        // SAFETY: all-zero iovec/mmsghdr values are valid (null pointers, zero lengths).
        let mut iov: [libc::iovec; MAX_BATCH] = unsafe { std::mem::zeroed() };
        // SAFETY: as above.
        let mut msgs: [libc::mmsghdr; MAX_BATCH] = unsafe { std::mem::zeroed() };
        for (i, d) in datagrams[..count].iter().enumerate() {
            iov[i].iov_base = d.as_ptr() as *mut c_void;
            iov[i].iov_len = d.len();
            let h = &mut msgs[i].msg_hdr;
            h.msg_iov = &mut iov[i];
            h.msg_iovlen = 1;
            if named {
                h.msg_name = self.peer.as_sockaddr() as *mut c_void;
                h.msg_namelen = self.peer.sockaddr_len() as libc::socklen_t;
            }
        }
        // SAFETY: msgs[..count] point at iovecs over live, readable datagrams and at the
        // peer address, all of which outlive the call; the kernel only reads them.
        let n = unsafe { libc::sendmmsg(self.fd, msgs.as_mut_ptr(), count as libc::c_uint, 0) };
        bio.clear_retry_flags();
        if n < 0 {
            // Nothing sent: the single-datagram path repeats the send and reports the error.
            return 0;
        }
        // A datagram socket sends each message whole or not at all.
        n as usize
    }

    fn ctrl(&mut self, bio: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        if let Some(r) = fd_ctrl(&mut self.fd, bio, cmd, larg, parg) {
            if cmd == BIO_C_SET_FD {
                self.peer = BIO_ADDR::zeroed();
                self.connected = false;
            }
            return r;
        }
        match cmd {
            BIO_CTRL_RESET => 0,
            BIO_CTRL_PENDING | BIO_CTRL_WPENDING => 0,
            BIO_CTRL_FLUSH | BIO_CTRL_DUP => 1,
            BIO_C_SET_NBIO => {
                // SAFETY: fcntl on the caller's descriptor.
                let fl = unsafe { libc::fcntl(self.fd, libc::F_GETFL) };
                if fl < 0 {
                    return 0;
                }
                let fl = if larg != 0 {
                    fl | libc::O_NONBLOCK
                } else {
                    fl & !libc::O_NONBLOCK
                };
                // SAFETY: as above.
                (unsafe { libc::fcntl(self.fd, libc::F_SETFL, fl) } == 0) as c_long
            }
            BIO_CTRL_DGRAM_CONNECT | BIO_CTRL_DGRAM_SET_PEER => {
                // SAFETY: the caller passes a BIO_ADDR / sockaddr (or NULL).
                self.peer = unsafe { read_caller_addr(parg) };
                1
            }
            BIO_CTRL_DGRAM_SET_CONNECTED => {
                self.connected = !parg.is_null();
                // SAFETY: the caller passes a BIO_ADDR / sockaddr (or NULL).
                self.peer = unsafe { read_caller_addr(parg) };
                1
            }
            BIO_CTRL_DGRAM_GET_PEER => {
                if parg.is_null() {
                    return 0;
                }
                let full = self.peer.sockaddr_len();
                let n = match usize::try_from(larg) {
                    Ok(l) if l > 0 && l < full => l,
                    _ => full,
                };
                // SAFETY: the caller's buffer holds a BIO_ADDR / sockaddr_storage, or `larg`
                // bytes when it says so.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        (&self.peer as *const BIO_ADDR).cast::<u8>(),
                        parg.cast::<u8>(),
                        n,
                    )
                };
                n as c_long
            }
            BIO_CTRL_DGRAM_SET_RECV_TIMEOUT | BIO_CTRL_DGRAM_SET_SEND_TIMEOUT => {
                if parg.is_null() {
                    return -1;
                }
                let opt = if cmd == BIO_CTRL_DGRAM_SET_RECV_TIMEOUT {
                    libc::SO_RCVTIMEO
                } else {
                    libc::SO_SNDTIMEO
                };
                // SAFETY: the caller passes a struct timeval.
                let tv = unsafe { (parg as *const libc::timeval).read_unaligned() };
                if self.setsockopt_tv(opt, &tv) {
                    1
                } else {
                    -1
                }
            }
            BIO_CTRL_DGRAM_GET_RECV_TIMEOUT | BIO_CTRL_DGRAM_GET_SEND_TIMEOUT => {
                let opt = if cmd == BIO_CTRL_DGRAM_GET_RECV_TIMEOUT {
                    libc::SO_RCVTIMEO
                } else {
                    libc::SO_SNDTIMEO
                };
                match (self.getsockopt_tv(opt), parg.is_null()) {
                    (Some(tv), false) => {
                        // SAFETY: the caller passes room for a struct timeval.
                        unsafe { (parg as *mut libc::timeval).write_unaligned(tv) };
                        std::mem::size_of::<libc::timeval>() as c_long
                    }
                    _ => -1,
                }
            }
            BIO_CTRL_DGRAM_GET_RECV_TIMER_EXP | BIO_CTRL_DGRAM_GET_SEND_TIMER_EXP
                if self.last_errno == libc::EAGAIN || self.last_errno == libc::EWOULDBLOCK =>
            {
                self.last_errno = 0;
                1
            }
            BIO_CTRL_DGRAM_GET_RECV_TIMER_EXP | BIO_CTRL_DGRAM_GET_SEND_TIMER_EXP => 0,
            BIO_CTRL_DGRAM_MTU_DISCOVER => self.set_pmtu_discovery(true),
            BIO_CTRL_DGRAM_SET_DONT_FRAG => self.set_pmtu_discovery(larg != 0),
            BIO_CTRL_DGRAM_QUERY_MTU => self.query_mtu(),
            BIO_CTRL_DGRAM_GET_FALLBACK_MTU => {
                if self.is_v6() {
                    IPV6_MIN_MTU - UDP6_OVERHEAD
                } else {
                    IPV4_MIN_MTU - UDP4_OVERHEAD
                }
            }
            BIO_CTRL_DGRAM_GET_MTU => self.mtu,
            BIO_CTRL_DGRAM_SET_MTU => {
                self.mtu = larg;
                larg
            }
            BIO_CTRL_DGRAM_MTU_EXCEEDED if self.last_errno == libc::EMSGSIZE => {
                self.last_errno = 0;
                1
            }
            BIO_CTRL_DGRAM_MTU_EXCEEDED => 0,
            BIO_CTRL_DGRAM_GET_MTU_OVERHEAD => self.overhead(),
            BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT => {
                self.next_timeout = if parg.is_null() {
                    None
                } else {
                    // SAFETY: the caller passes a struct timeval.
                    let tv = unsafe { (parg as *const libc::timeval).read_unaligned() };
                    (tv.tv_sec != 0 || tv.tv_usec != 0).then_some(tv)
                };
                1
            }
            BIO_CTRL_DGRAM_SET_PEEK_MODE => {
                self.peek = larg != 0;
                1
            }
            _ => 0,
        }
    }

    fn destroy(&mut self, bio: &BIO) {
        close_if_owned(self.fd, bio);
    }
}
