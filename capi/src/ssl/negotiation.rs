//! Negotiation helpers programs call around a handshake: `SSL_group_to_name` (for printing
//! `SSL_get1_groups` / `SSL_get_shared_group` results) and `SSL_select_next_proto` (the
//! ALPN / NPN selection rule applications use inside their own callbacks).
use std::ffi::{c_char, c_int, c_uchar, c_uint, CStr};

use rdtls::enums::NamedGroup;

use crate::entry::*;

use super::objects::SSL;
use super::params::group_from_nid;

/// `OPENSSL_NPN_NEGOTIATED`: a protocol both lists contain was chosen.
pub const OPENSSL_NPN_NEGOTIATED: c_int = 1;
/// `OPENSSL_NPN_NO_OVERLAP`: no common protocol; the client's first one is returned.
pub const OPENSSL_NPN_NO_OVERLAP: c_int = 2;

/// OpenSSL's name of a group (as `SSL_group_to_name` prints it).
fn group_name(g: NamedGroup) -> Option<&'static CStr> {
    Some(match g {
        NamedGroup::X25519 => cstr!("x25519"),
        NamedGroup::SECP256R1 => cstr!("secp256r1"),
        NamedGroup::SECP384R1 => cstr!("secp384r1"),
        _ => return None,
    })
}

/// The protocols of a wire-format list (each one length-prefixed); None when malformed
/// (an empty entry or one running past the end), as OpenSSL rejects such lists.
fn protocols(list: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = list;
    while let Some((&len, tail)) = rest.split_first() {
        let len = usize::from(len);
        if len == 0 || len > tail.len() {
            return None;
        }
        out.push(&tail[..len]);
        rest = &tail[len..];
    }
    Some(out)
}

entry! {
    /// SSL_group_to_name returns the name of the group with NID `nid`, NULL when unknown.
    fn SSL_group_to_name(_s: *mut SSL, nid: c_int) -> *const c_char {
        group_from_nid(nid)
            .and_then(group_name)
            .map_or(std::ptr::null(), CStr::as_ptr)
    }

    /// SSL_select_next_proto picks the first protocol of `server` that `client` also lists
    /// (OPENSSL_NPN_NEGOTIATED), else the client's first protocol (OPENSSL_NPN_NO_OVERLAP);
    /// `*out` points into the chosen list. With an unusable client list `*out` is NULL and
    /// `*outlen` 0 (OPENSSL_NPN_NO_OVERLAP).
    fn SSL_select_next_proto(out: *mut *mut c_uchar, outlen: *mut c_uchar,
                             server: *const c_uchar, server_len: c_uint,
                             client: *const c_uchar, client_len: c_uint) -> c_int {
        let set = |p: *const u8, n: usize| {
            // SAFETY: out/outlen are the caller's output pointers (checked non-NULL below);
            // n <= 255 (a protocol length byte).
            unsafe {
                *out = p.cast_mut();
                *outlen = n as c_uchar;
            }
        };
        if out.is_null() || outlen.is_null() {
            crate::entry::on_null("out");
            return OPENSSL_NPN_NO_OVERLAP;
        }
        let srv = try_slice!(server, server_len, OPENSSL_NPN_NO_OVERLAP);
        let cli = try_slice!(client, client_len, OPENSSL_NPN_NO_OVERLAP);
        let Some(cli_list) = protocols(cli).filter(|l| !l.is_empty()) else {
            set(std::ptr::null(), 0);
            return OPENSSL_NPN_NO_OVERLAP;
        };
        for s in protocols(srv).unwrap_or_default() {
            if cli_list.contains(&s) {
                set(s.as_ptr(), s.len());
                return OPENSSL_NPN_NEGOTIATED;
            }
        }
        set(cli_list[0].as_ptr(), cli_list[0].len());
        OPENSSL_NPN_NO_OVERLAP
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn select(server: &[u8], client: &[u8]) -> (c_int, Vec<u8>) {
        let mut out = std::ptr::null_mut();
        let mut len = 0;
        let r = SSL_select_next_proto(
            &mut out,
            &mut len,
            server.as_ptr(),
            server.len() as c_uint,
            client.as_ptr(),
            client.len() as c_uint,
        );
        let chosen = if out.is_null() {
            Vec::new()
        } else {
            // SAFETY: out points into one of the lists with len bytes.
            unsafe { std::slice::from_raw_parts(out, usize::from(len)) }.to_vec()
        };
        (r, chosen)
    }

    #[test]
    fn selection_follows_server_preference() {
        let srv = b"\x02h2\x08http/1.1";
        assert_eq!(select(srv, b"\x08http/1.1\x02h2"), (1, b"h2".to_vec()));
        assert_eq!(select(srv, b"\x03foo\x03bar"), (2, b"foo".to_vec()));
        assert_eq!(select(srv, b""), (2, Vec::new()));
        assert_eq!(
            select(srv, b"\x09short"),
            (2, Vec::new()),
            "malformed client list"
        );
        assert_eq!(select(b"\x05oops", b"\x02h2"), (2, b"h2".to_vec()));
    }

    #[test]
    fn group_names() {
        use super::super::consts::*;
        // SAFETY: static NUL-terminated names.
        let name = |nid| unsafe { CStr::from_ptr(SSL_group_to_name(std::ptr::null_mut(), nid)) };
        assert_eq!(name(NID_X25519).to_str().unwrap(), "x25519");
        assert_eq!(name(NID_X9_62_PRIME256V1).to_str().unwrap(), "secp256r1");
        assert!(SSL_group_to_name(std::ptr::null_mut(), 1).is_null());
    }
}
