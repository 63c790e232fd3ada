//! `X509_check_host` / `X509_check_ip_asc`: does a certificate name this host or address?
//! (RFC 6125 §6.4: subjectAltName DNS names first, the subject CN only when there are none;
//! a wildcard is only a whole leftmost label and matches exactly one label.)
use std::ffi::{c_char, c_int, c_uint};
use std::net::IpAddr;

use super::X509;
use crate::entry::entry;

/// `X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT`.
pub const X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT: c_uint = 0x1;
/// `X509_CHECK_FLAG_NO_WILDCARDS`.
pub const X509_CHECK_FLAG_NO_WILDCARDS: c_uint = 0x2;
/// `X509_CHECK_FLAG_NEVER_CHECK_SUBJECT`.
pub const X509_CHECK_FLAG_NEVER_CHECK_SUBJECT: c_uint = 0x20;
/// Longest host name accepted (RFC 1035 §2.3.4).
pub const MAX_HOST_NAME: usize = 253;

/// Whether certificate name `pattern` matches `host` (both compared case-insensitively).
pub fn name_matches(pattern: &str, host: &str, wildcards: bool) -> bool {
    let p = pattern.trim_end_matches('.').to_ascii_lowercase();
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    if let (true, Some(rest)) = (wildcards, p.strip_prefix("*.")) {
        // The wildcard covers exactly one label, and never a public-suffix-like bare label.
        return rest.contains('.')
            && h.split_once('.')
                .is_some_and(|(first, tail)| !first.is_empty() && tail == rest);
    }
    p == h
}

fn check_host(x: &X509, host: &str, flags: c_uint) -> Option<String> {
    let wildcards = flags & X509_CHECK_FLAG_NO_WILDCARDS == 0;
    let info = x.info();
    if let Some(n) = info
        .san_dns
        .iter()
        .find(|n| name_matches(n, host, wildcards))
    {
        return Some(n.clone());
    }
    let use_subject = flags & X509_CHECK_FLAG_NEVER_CHECK_SUBJECT == 0
        && (info.san_dns.is_empty() || flags & X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT != 0);
    if use_subject {
        for (k, v) in &info.subject {
            if k == "CN" && name_matches(v, host, wildcards) {
                return Some(v.clone());
            }
        }
    }
    None
}

entry! {
    /// X509_check_host: 1 when `x` names host `chk` (`chklen` bytes, 0 = strlen), 0 when not,
    /// -1 on bad input. With a match and `peername` non-NULL, `*peername` gets an
    /// OPENSSL_malloc'd copy of the certificate name that matched.
    fail = -1;
    fn X509_check_host(x: *mut X509, chk: *const c_char, chklen: usize, flags: c_uint,
                       peername: *mut *mut c_char) -> c_int {
        let cert = crate::try_ref!(x, -1);
        let bytes: &[u8] = if chklen == 0 {
            crate::try_cstr!(chk, -1).as_bytes()
        } else {
            crate::try_slice!(chk, chklen, -1)
        };
        // A NUL inside the given length is an attack on C string handling: refuse.
        let Some(host) = std::str::from_utf8(bytes).ok().filter(|h| !h.contains('\0') && h.len() <= MAX_HOST_NAME) else {
            return -1;
        };
        match check_host(cert, host, flags) {
            Some(name) => {
                if !peername.is_null() {
                    // SAFETY: non-NULL out pointer from the caller.
                    unsafe { peername.write(crate::crypto::mem::alloc_cstring(name.as_bytes())) };
                }
                1
            }
            None => 0,
        }
    }

    /// X509_check_ip_asc: 1 when `x` has IP address `address` (text form) in its
    /// subjectAltName, 0 when not, -1 on bad input.
    fail = -1;
    fn X509_check_ip_asc(x: *mut X509, address: *const c_char, _flags: c_uint) -> c_int {
        let cert = crate::try_ref!(x, -1);
        let text = crate::try_cstr!(address, -1);
        let Ok(ip) = text.parse::<IpAddr>() else { return -1 };
        let raw: Vec<u8> = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        cert.info().san_ip.contains(&raw) as c_int
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc6125_matching() {
        assert!(name_matches("LocalHost", "localhost", true));
        assert!(name_matches("*.example.com", "a.example.com", true));
        assert!(!name_matches("*.example.com", "a.b.example.com", true));
        assert!(!name_matches("*.example.com", "example.com", true));
        assert!(!name_matches("*.com", "example.com", true));
        assert!(!name_matches("*.example.com", "a.example.com", false));
        assert!(name_matches("example.com.", "EXAMPLE.com", true));
    }
}
