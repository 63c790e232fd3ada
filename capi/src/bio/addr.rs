//! `BIO_ADDR`: a socket address big enough for any family, usable as `sockaddr_storage`.
use std::ffi::{c_int, c_uchar, c_ushort, c_void};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::entry::entry;

/// `union bio_addr_st` (opaque to C, but with the layout OpenSSL gives it: the largest
/// `struct sockaddr_*`), so code that passes a `struct sockaddr_storage *` where a
/// `BIO_ADDR *` is expected (common in DTLS servers calling `DTLSv1_listen`) works.
#[repr(C)]
#[derive(Clone, Copy)]
pub union BIO_ADDR {
    sa: libc::sockaddr,
    s_in: libc::sockaddr_in,
    s_in6: libc::sockaddr_in6,
    s_un: libc::sockaddr_un,
}

impl BIO_ADDR {
    /// An AF_UNSPEC (all zero) address.
    pub fn zeroed() -> Self {
        // SAFETY: every field is plain old data for which all-zero bytes are valid.
        unsafe { std::mem::zeroed() }
    }

    /// The address family (AF_INET, AF_INET6, AF_UNSPEC, ...).
    pub fn family(&self) -> c_int {
        // SAFETY: every variant starts with the sa_family field.
        c_int::from(unsafe { self.sa.sa_family })
    }

    /// An address holding `sa`.
    pub fn from_socket_addr(sa: &SocketAddr) -> Self {
        let mut a = Self::zeroed();
        // SAFETY: `a` is a full BIO_ADDR.
        unsafe { Self::write_to(&mut a, sa) };
        a
    }

    /// The socket address, None for families other than IPv4/IPv6.
    pub fn to_socket_addr(&self) -> Option<SocketAddr> {
        // SAFETY: the family field says which variant is initialised.
        unsafe {
            match self.family() {
                libc::AF_INET => {
                    let s = self.s_in;
                    let ip = Ipv4Addr::from(u32::from_be(s.sin_addr.s_addr));
                    Some(SocketAddr::V4(SocketAddrV4::new(
                        ip,
                        u16::from_be(s.sin_port),
                    )))
                }
                libc::AF_INET6 => {
                    let s = self.s_in6;
                    let ip = Ipv6Addr::from(s.sin6_addr.s6_addr);
                    Some(SocketAddr::V6(SocketAddrV6::new(
                        ip,
                        u16::from_be(s.sin6_port),
                        s.sin6_flowinfo,
                        s.sin6_scope_id,
                    )))
                }
                _ => None,
            }
        }
    }

    /// Bytes of the sockaddr for this family (`BIO_ADDR_sockaddr_size`).
    pub fn sockaddr_len(&self) -> usize {
        match self.family() {
            libc::AF_INET => std::mem::size_of::<libc::sockaddr_in>(),
            libc::AF_INET6 => std::mem::size_of::<libc::sockaddr_in6>(),
            libc::AF_UNIX => std::mem::size_of::<libc::sockaddr_un>(),
            _ => std::mem::size_of::<BIO_ADDR>(),
        }
    }

    /// Writes `sa` into `dst`, touching only the family's sockaddr bytes.
    ///
    /// # Safety
    /// `dst` must point to at least `sizeof(struct sockaddr_in6)` writable bytes (a BIO_ADDR or
    /// a sockaddr_storage) for IPv6, `sizeof(struct sockaddr_in)` for IPv4.
    pub unsafe fn write_to(dst: *mut BIO_ADDR, sa: &SocketAddr) {
        match sa {
            SocketAddr::V4(v4) => {
                // SAFETY: all-zero is a valid sockaddr_in.
                let mut s: libc::sockaddr_in = unsafe { std::mem::zeroed() };
                s.sin_family = libc::AF_INET as libc::sa_family_t;
                s.sin_port = v4.port().to_be();
                s.sin_addr.s_addr = u32::from(*v4.ip()).to_be();
                // SAFETY: the caller guarantees room for a sockaddr_in.
                unsafe { (dst as *mut libc::sockaddr_in).write_unaligned(s) };
            }
            SocketAddr::V6(v6) => {
                // SAFETY: all-zero is a valid sockaddr_in6.
                let mut s: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
                s.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                s.sin6_port = v6.port().to_be();
                s.sin6_addr.s6_addr = v6.ip().octets();
                s.sin6_flowinfo = v6.flowinfo();
                s.sin6_scope_id = v6.scope_id();
                // SAFETY: the caller guarantees room for a sockaddr_in6.
                unsafe { (dst as *mut libc::sockaddr_in6).write_unaligned(s) };
            }
        }
    }

    /// Copies the sockaddr at `src` (as filled by recvfrom) into a new BIO_ADDR.
    ///
    /// # Safety
    /// `src` must point to `len` readable bytes.
    pub unsafe fn from_raw(src: *const libc::sockaddr, len: usize) -> Self {
        let mut a = Self::zeroed();
        let n = len.min(std::mem::size_of::<BIO_ADDR>());
        // SAFETY: src readable for len >= n bytes; `a` has room for n bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(src.cast::<u8>(), (&mut a as *mut Self).cast::<u8>(), n)
        };
        a
    }

    /// The raw sockaddr pointer.
    pub fn as_sockaddr(&self) -> *const libc::sockaddr {
        (self as *const Self).cast()
    }
}

entry! {
    /// BIO_ADDR_new returns a new, AF_UNSPEC address.
    fn BIO_ADDR_new() -> *mut BIO_ADDR {
        Box::into_raw(Box::new(BIO_ADDR::zeroed()))
    }

    /// BIO_ADDR_free frees an address from BIO_ADDR_new; NULL is a no-op.
    fn BIO_ADDR_free(ap: *mut BIO_ADDR) {
        if !ap.is_null() {
            // SAFETY: `ap` came from BIO_ADDR_new (Box::into_raw).
            drop(unsafe { Box::from_raw(ap) });
        }
    }

    /// BIO_ADDR_clear resets the address to AF_UNSPEC.
    fn BIO_ADDR_clear(ap: *mut BIO_ADDR) {
        let ap = crate::try_mut!(ap, ());
        *ap = BIO_ADDR::zeroed();
    }

    /// BIO_ADDR_family returns AF_INET, AF_INET6, AF_UNIX or AF_UNSPEC; -1 for NULL.
    fail = -1;
    fn BIO_ADDR_family(ap: *const BIO_ADDR) -> c_int {
        crate::try_ref!(ap, -1).family()
    }

    /// BIO_ADDR_rawaddress copies the raw IP address (network order) into `p` (when non-NULL)
    /// and its length into `l` (when non-NULL); 0 for non-IP families.
    fn BIO_ADDR_rawaddress(ap: *const BIO_ADDR, p: *mut c_void, l: *mut usize) -> c_int {
        let ap = crate::try_ref!(ap, 0);
        let bytes: Vec<u8> = match ap.to_socket_addr() {
            Some(SocketAddr::V4(v4)) => v4.ip().octets().to_vec(),
            Some(SocketAddr::V6(v6)) => v6.ip().octets().to_vec(),
            None => return 0,
        };
        if !p.is_null() {
            // SAFETY: the caller provides room for the family's address length.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p.cast::<u8>(), bytes.len()) };
        }
        if !l.is_null() {
            // SAFETY: non-NULL out pointer from the caller.
            unsafe { l.write(bytes.len()) };
        }
        1
    }

    /// BIO_ADDR_rawport returns the port in network byte order (0 for non-IP families).
    fn BIO_ADDR_rawport(ap: *const BIO_ADDR) -> c_ushort {
        let ap = crate::try_ref!(ap, 0);
        ap.to_socket_addr().map_or(0, |sa| sa.port().to_be())
    }

    /// BIO_ADDR_rawmake fills `ap` from a raw address `where_` of `wherelen` bytes (4 for
    /// AF_INET, 16 for AF_INET6) and a port in network byte order; 1 on success.
    fn BIO_ADDR_rawmake(ap: *mut BIO_ADDR, family: c_int, where_: *const c_void,
                        wherelen: usize, port: c_ushort) -> c_int {
        let ap = crate::try_mut!(ap, 0);
        let raw: &[c_uchar] = crate::try_slice!(where_, wherelen, 0);
        let port = u16::from_be(port);
        let sa = match (family, raw.len()) {
            (libc::AF_INET, 4) => {
                let mut o = [0u8; 4];
                o.copy_from_slice(raw);
                SocketAddr::from((Ipv4Addr::from(o), port))
            }
            (libc::AF_INET6, 16) => {
                let mut o = [0u8; 16];
                o.copy_from_slice(raw);
                SocketAddr::from((Ipv6Addr::from(o), port))
            }
            _ => return 0,
        };
        *ap = BIO_ADDR::from_socket_addr(&sa);
        1
    }
}
