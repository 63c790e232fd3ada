//! DTLS over DCCP (RFC 5238): the record size follows DCCP's current maximum packet size.
//!
//! A DCCP socket is a connected datagram socket, so both builds drive it through the ordinary
//! datagram BIO (`BIO_new_dgram`, or `SSL_set_fd`, which picks the datagram BIO for it). What
//! differs from UDP is the size limit: DCCP refuses a datagram larger than its MPS (RFC 4340
//! §14), which also follows the congestion control state (CCMPS) and so may change during a
//! connection (RFC 5238 §3.5: "MUST NOT use a DTLS record size that is greater than the DCCP
//! MPS currently in force"). The driver therefore asks the socket itself, through its
//! descriptor, which works the same whether the BIO is ours or libcrypto's:
//! * at connection setup and before every flush (each flight, each application record), the
//!   engine's MTU is set to `min(application MTU, MPS - 16)` when that differs from the
//!   current one (16 bytes of Ack Vector headroom, see [`ACK_VECTOR_HEADROOM`]);
//! * after `EMSGSIZE` the MPS is read again and the refused datagram is retransmitted by the
//!   handshake timer (handshake) or dropped (application data, as over UDP).
//!
//! The service code (`DCCP_SOCKOPT_SERVICE`) belongs to the application (RFC 5238 §3.6): it is
//! set before `connect`/`listen`, and nothing here reads or changes it.
use std::ffi::c_int;

use crate::error::ssl_reasons::SSL_R_DTLS_MESSAGE_TOO_BIG;
use crate::error::{put_error, ERR_LIB_SSL};
use crate::host;

use super::consts::MAX_ENGINE_MTU;
use super::objects::SSL;

/// `SOCK_DCCP` (Linux `bits/socket_type.h`).
pub const SOCK_DCCP: c_int = 6;
/// `SOL_DCCP` (Linux `bits/socket.h`).
pub const SOL_DCCP: c_int = 269;
/// `DCCP_SOCKOPT_SERVICE` (`linux/dccp.h`): the service code, the application's to set.
pub const DCCP_SOCKOPT_SERVICE: c_int = 2;
/// `DCCP_SOCKOPT_GET_CUR_MPS` (`linux/dccp.h`): the current maximum packet size.
pub const DCCP_SOCKOPT_GET_CUR_MPS: c_int = 5;

/// Reads an `int` socket option; None when the call fails.
pub(crate) fn int_sockopt(fd: c_int, level: c_int, opt: c_int) -> Option<c_int> {
    if fd < 0 {
        return None;
    }
    let mut v: c_int = 0;
    let mut len = std::mem::size_of::<c_int>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes into `v`; a bad fd just fails.
    let r = unsafe { libc::getsockopt(fd, level, opt, (&mut v as *mut c_int).cast(), &mut len) };
    (r == 0).then_some(v)
}

/// True when `fd` is a DCCP socket.
pub fn is_dccp(fd: c_int) -> bool {
    int_sockopt(fd, libc::SOL_SOCKET, libc::SO_TYPE) == Some(SOCK_DCCP)
}

/// DCCP's current maximum packet size for `fd` (application payload bytes), or None when
/// `fd` is not a DCCP socket or the kernel does not say.
pub fn current_mps(fd: c_int) -> Option<usize> {
    if !is_dccp(fd) {
        return None;
    }
    mps_of_dccp_socket(fd)
}

/// The MPS of a descriptor already known to be a DCCP socket.
pub fn mps_of_dccp_socket(fd: c_int) -> Option<usize> {
    int_sockopt(fd, SOL_DCCP, DCCP_SOCKOPT_GET_CUR_MPS)
        .and_then(|v| usize::try_from(v).ok())
        .filter(|&v| v > 0)
}

/// Bytes kept free below the MPS for an Ack Vector option.
///
/// Linux (6.1) computes a socket's MPS when the connection is set up; on the client that is
/// before feature negotiation enables Ack Vectors, so its MPS lacks the 16-byte Ack Vector
/// headroom the server's has (seen in `make test-dccp`: client MPS 540, server 524 on a
/// 600-byte link). A DataAck of exactly that MPS then exceeds the path MTU and is dropped,
/// and application data is not retransmitted. Staying 16 bytes below is always allowed
/// (RFC 5238 §3.5 only forbids exceeding the MPS).
pub const ACK_VECTOR_HEADROOM: usize = 16;

/// The datagram size the engine must use: the application's MTU (`SSL_set_mtu`) when it has
/// one, never more than the MPS less [`ACK_VECTOR_HEADROOM`], and within the engine's
/// accepted range `[min, max]`.
///
/// An MPS below the engine's minimum yields `min`: the engine cannot build a flight in less,
/// and the kernel's `EMSGSIZE` then reports the problem instead of a silent stall.
pub fn effective_mtu(app_mtu: Option<usize>, mps: usize, min: usize, max: usize) -> usize {
    let room = mps.saturating_sub(ACK_VECTOR_HEADROOM);
    app_mtu.map_or(room, |m| m.min(room)).clamp(min, max)
}

/// `BIO_TYPE_MEM` and `BIO_TYPE_BIO` (OpenSSL's bio.h): source/sink BIOs without a
/// descriptor.
const NO_DESCRIPTOR: [c_int; 2] = [1 | 0x0400, 19 | 0x0400];

impl SSL {
    /// The write BIO's descriptor when it is a DCCP socket (the `SO_TYPE` answer is cached
    /// per write BIO and descriptor, not asked on every flush).
    fn dccp_fd(&self) -> Option<c_int> {
        let wbio = self.wbio.get();
        // A memory BIO or BIO pair has no descriptor: skip the BIO_get_fd call (every
        // SSL_write asks).
        if wbio.is_null() || NO_DESCRIPTOR.contains(&host::bio_method_type(wbio)) {
            return None;
        }
        let fd = host::bio_fd(wbio);
        let key = (wbio as usize, fd);
        if let Some((k, dccp)) = self.io.borrow().dccp_fd {
            if k == key {
                return dccp.then_some(fd);
            }
        }
        let dccp = is_dccp(fd);
        self.io.borrow_mut().dccp_fd = Some((key, dccp));
        dccp.then_some(fd)
    }

    /// The engine MTU for a DCCP write BIO (None for any other transport: the UDP path keeps
    /// its IP-MTU logic).
    pub(crate) fn dccp_mtu(&self) -> Option<usize> {
        let mps = mps_of_dccp_socket(self.dccp_fd()?)?;
        Some(effective_mtu(
            self.mtu.get(),
            mps,
            rdtls::config::MIN_MTU,
            MAX_ENGINE_MTU,
        ))
    }

    /// Refuses an `SSL_write` whose record cannot fit in one DCCP packet at the MPS now in
    /// force (RFC 5238 §3: a record MUST NOT span packets, and DCCP drops nothing silently
    /// but refuses the send with `EMSGSIZE`, so the record would be lost for good). Puts the
    /// error on the queue and returns true when refused; the connection stays usable.
    pub(crate) fn dccp_refuses_write(&self, len: usize) -> bool {
        if self.dccp_mtu().is_none() {
            return false;
        }
        self.refresh_dccp_mtu();
        let Some(room) = self.with_conn(|c| c.data_mtu()) else {
            return false;
        };
        if len <= room {
            return false;
        }
        put_error(
            ERR_LIB_SSL,
            SSL_R_DTLS_MESSAGE_TOO_BIG,
            format!(
                "{len} bytes do not fit in one DCCP packet: at most {room} per SSL_write at the \
                 current DCCP MPS (DTLS_get_data_mtu)"
            ),
        );
        true
    }

    /// Re-reads the MPS and moves the engine to it when it changed (RFC 5238 §3.5).
    pub(crate) fn refresh_dccp_mtu(&self) {
        let Some(m) = self.dccp_mtu() else { return };
        if let Ok(mut c) = self.conn.try_borrow_mut() {
            if let Some(conn) = c.as_mut() {
                if conn.mtu() != m {
                    let _ = conn.set_mtu(m);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: usize = 256;
    const MAX: usize = 65507;

    #[test]
    fn mps_caps_the_application_mtu() {
        let room = 1400 - ACK_VECTOR_HEADROOM;
        assert_eq!(effective_mtu(None, 1400, MIN, MAX), room);
        assert_eq!(effective_mtu(Some(1200), 1400, MIN, MAX), 1200);
        assert_eq!(effective_mtu(Some(9000), 1400, MIN, MAX), room);
    }

    #[test]
    fn out_of_range_values_are_clamped() {
        assert_eq!(effective_mtu(None, 100, MIN, MAX), MIN);
        assert_eq!(effective_mtu(None, 1 << 20, MIN, MAX), MAX);
        assert_eq!(effective_mtu(None, 0, MIN, MAX), MIN);
    }

    #[test]
    fn a_udp_socket_is_not_dccp_and_has_no_mps() {
        let s = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let fd = std::os::fd::AsRawFd::as_raw_fd(&s);
        assert!(!is_dccp(fd));
        assert_eq!(current_mps(fd), None);
    }

    /// The UDP path is unchanged: an SSL over a connected UDP socket has no DCCP MTU, its
    /// engine MTU comes from the datagram BIO (IP_MTU less the UDP overhead), and the
    /// per-flush refresh leaves an application MTU alone.
    #[test]
    fn an_ssl_over_udp_keeps_the_ip_mtu_logic() {
        use crate::ssl::bio::SSL_set_fd;
        use crate::ssl::consts::{SSL_CTRL_SET_MTU, SSL_OP_NO_QUERY_MTU};
        use crate::ssl::ctrl::SSL_ctrl;
        use crate::ssl::ctx::{SSL_CTX_free, SSL_CTX_new};
        use crate::ssl::io::SSL_connect;
        use crate::ssl::ssl::{SSL_free, SSL_new, SSL_set_options};

        let peer = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let expected = {
            let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
            sock.connect(peer.local_addr().expect("addr"))
                .expect("connect");
            sock
        };
        let fd = std::os::fd::AsRawFd::as_raw_fd(&expected);
        let ip_mtu = int_sockopt(fd, libc::IPPROTO_IP, libc::IP_MTU).expect("IP_MTU") as usize - 28;
        for app_mtu in [None, Some(1000)] {
            let sock = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
            sock.connect(peer.local_addr().expect("addr"))
                .expect("connect");
            sock.set_nonblocking(true).expect("nonblocking");
            let ctx = SSL_CTX_new(crate::ssl::method::DTLS_client_method());
            let s = SSL_new(ctx);
            assert_eq!(SSL_set_fd(s, std::os::fd::AsRawFd::as_raw_fd(&sock)), 1);
            if let Some(m) = app_mtu {
                SSL_set_options(s, SSL_OP_NO_QUERY_MTU);
                assert!(SSL_ctrl(s, SSL_CTRL_SET_MTU, m, std::ptr::null_mut()) > 0);
            }
            // Sends the ClientHello (flush), then wants to read.
            assert_eq!(SSL_connect(s), -1);
            // SAFETY: `s` is a live SSL from SSL_new.
            let ssl = unsafe { &*s };
            assert_eq!(ssl.dccp_mtu(), None);
            let engine_mtu = ssl.with_conn(|c| c.mtu()).expect("connection");
            let want = app_mtu.map_or(ip_mtu.min(MAX_ENGINE_MTU), |m| m as usize);
            assert_eq!(engine_mtu, want);
            SSL_free(s);
            SSL_CTX_free(ctx);
        }
    }

    #[test]
    fn a_stream_socket_or_bad_fd_is_not_dccp() {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        assert!(!is_dccp(std::os::fd::AsRawFd::as_raw_fd(&l)));
        assert!(!is_dccp(-1));
        assert_eq!(current_mps(-1), None);
    }
}
