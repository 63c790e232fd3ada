//! The server's view of the client's groups: `SSL_get1_groups` (the client's
//! supported_groups) and `SSL_get_shared_group` (the groups both sides have, in the order
//! the server chooses from), as OpenSSL 3.0's SSL_CTRL_GET_GROUPS and tls1_shared_group.
use std::ffi::{c_int, c_long, c_void};

use rdtls::enums::NamedGroup;

use super::consts::*;
use super::objects::SSL;
use super::params::group_nid;

/// `TLSEXT_nid_unknown`: ORed with the code point of a group without a NID.
const TLSEXT_NID_UNKNOWN: c_int = 0x0100_0000;
/// NIDs of groups OpenSSL 3.0 knows and we do not implement (X448, P-521).
const NID_X448: c_int = 1035;
const NID_SECP521R1: c_int = 716;

/// The NID `SSL_get1_groups` reports for a code point.
fn reported_nid(g: NamedGroup) -> c_int {
    match g.0 {
        25 => NID_SECP521R1,
        30 => NID_X448,
        _ => match group_nid(g) {
            0 => TLSEXT_NID_UNKNOWN | c_int::from(g.0),
            nid => nid,
        },
    }
}

impl SSL {
    /// The peer's supported_groups: the client's on a server; on a client, a 1.3 server's
    /// from EncryptedExtensions (TLS 1.2 servers send none), as OpenSSL 3.0 keeps them.
    fn peer_groups(&self) -> Vec<NamedGroup> {
        self.with_conn(|c| c.peer_groups().to_vec())
            .unwrap_or_default()
    }

    /// `SSL_get1_groups`: the number of the client's groups; with `parg`, an `int` array
    /// of at least that many entries, their NIDs.
    pub(crate) fn get1_groups(&self, parg: *mut c_void) -> c_long {
        let groups = self.peer_groups();
        if !parg.is_null() {
            for (i, g) in groups.iter().enumerate() {
                // SAFETY: the caller's array holds at least as many ints as the count
                // returned by a first call with NULL (OpenSSL's contract).
                unsafe { *(parg as *mut c_int).add(i) = reported_nid(*g) };
            }
        }
        c_long::try_from(groups.len()).unwrap_or(0)
    }

    /// `SSL_get_shared_group(s, n)`: the `n`th group both sides have (a NID), in the
    /// client's order or, with SSL_OP_CIPHER_SERVER_PREFERENCE, ours; `n == -1`: how many.
    /// 0 on a client and when there is no such group.
    pub(crate) fn shared_group(&self, n: c_long) -> c_long {
        if !self.is_server() {
            return 0;
        }
        let peer = self.peer_groups();
        let (ours, server_pref) = self.with_settings(|st| {
            (
                st.groups.clone(),
                st.options & SSL_OP_CIPHER_SERVER_PREFERENCE != 0,
            )
        });
        let (pref, allow) = if server_pref {
            (&ours, &peer)
        } else {
            (&peer, &ours)
        };
        let shared: Vec<NamedGroup> = pref
            .iter()
            .copied()
            .filter(|g| allow.contains(g) && group_nid(*g) != 0)
            .collect();
        if n == -1 {
            return c_long::try_from(shared.len()).unwrap_or(0);
        }
        usize::try_from(n)
            .ok()
            .and_then(|i| shared.get(i))
            .map_or(0, |g| c_long::from(group_nid(*g)))
    }
}
