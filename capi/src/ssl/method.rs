//! `SSL_METHOD`: which protocol family and role an `SSL_CTX` is for.
//!
//! rdtls speaks DTLS 1.2 only. The DTLS 1.0 and TLS (stream) methods exist so programs link
//! and create contexts, but their handshakes fail at once with an error that says why. In the
//! drop-in, `SSL_CTX_new` with a TLS method makes the system libssl's context instead (TLS
//! passthrough, `crate::passthru`): loading is deferred to that point, because programs like
//! `openssl s_server -dtls1_2` call `TLS_server_method()` before choosing DTLS.
use crate::entry::*;

use super::consts::{
    DTLS1_2_VERSION, DTLS1_VERSION, DTLS_ANY_VERSION, TLS1_1_VERSION, TLS1_2_VERSION, TLS1_VERSION,
    TLS_ANY_VERSION,
};

/// The protocol a method speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// DTLS 1.2 (also what the version-flexible `DTLS_method` negotiates).
    Dtls12,
    /// DTLS 1.0 only (`DTLSv1_method`): not supported.
    Dtls10,
    /// TLS over streams (`TLS_method`): not supported.
    Tls,
}

/// Which side(s) a method allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Either, chosen by `SSL_set_connect_state` / `SSL_set_accept_state` or the first call.
    Any,
    /// Client only.
    Client,
    /// Server only.
    Server,
}

/// `SSL_METHOD` (opaque to C; the exported functions return pointers to statics).
#[derive(Debug)]
pub struct SSL_METHOD {
    /// Protocol family.
    pub family: Family,
    /// Allowed role.
    pub role: Role,
    /// `SSL_version` before negotiation (OpenSSL's method version).
    pub version: i32,
    /// The function that returns this method, NUL-terminated (the drop-in's TLS
    /// passthrough asks the system libssl's function of that name for its method).
    pub fn_name: &'static str,
}

impl SSL_METHOD {
    /// Why a handshake with this method cannot run, or `None` when it can.
    pub fn unsupported_reason(&self) -> Option<&'static str> {
        match self.family {
            Family::Dtls12 => None,
            Family::Dtls10 => Some("DTLS 1.0 not supported: rdtls implements DTLS 1.2 only"),
            Family::Tls => Some(
                "TLS over streams is not supported: rdtls implements DTLS 1.2 (use DTLS_method)",
            ),
        }
    }
}

macro_rules! methods {
    ($($(#[$m:meta])* $fname:ident => $static:ident ($fam:ident, $role:ident, $ver:expr);)*) => {
        $(
            static $static: SSL_METHOD = SSL_METHOD {
                family: Family::$fam,
                role: Role::$role,
                version: $ver,
                fn_name: concat!(stringify!($fname), "\0"),
            };
            entry! {
                $(#[$m])*
                fn $fname() -> *const SSL_METHOD {
                    &$static
                }
            }
        )*

        /// Our method at address `a`, if it is one.
        pub fn ours_at(a: usize) -> Option<&'static SSL_METHOD> {
            [$(&$static),*].into_iter().find(|m| *m as *const SSL_METHOD as usize == a)
        }
    };
}

methods! {
    /// DTLS_method: version-flexible DTLS (negotiates DTLS 1.2), either role.
    DTLS_method => DTLS_ANY (Dtls12, Any, DTLS_ANY_VERSION);
    /// DTLS_client_method: version-flexible DTLS, client.
    DTLS_client_method => DTLS_ANY_CLIENT (Dtls12, Client, DTLS_ANY_VERSION);
    /// DTLS_server_method: version-flexible DTLS, server.
    DTLS_server_method => DTLS_ANY_SERVER (Dtls12, Server, DTLS_ANY_VERSION);
    /// DTLSv1_2_method: DTLS 1.2, either role.
    DTLSv1_2_method => DTLS12 (Dtls12, Any, DTLS1_2_VERSION);
    /// DTLSv1_2_client_method: DTLS 1.2, client.
    DTLSv1_2_client_method => DTLS12_CLIENT (Dtls12, Client, DTLS1_2_VERSION);
    /// DTLSv1_2_server_method: DTLS 1.2, server.
    DTLSv1_2_server_method => DTLS12_SERVER (Dtls12, Server, DTLS1_2_VERSION);
    /// DTLSv1_method: DTLS 1.0 (handshakes fail: not supported).
    DTLSv1_method => DTLS10 (Dtls10, Any, DTLS1_VERSION);
    /// DTLSv1_client_method: DTLS 1.0 client (handshakes fail: not supported).
    DTLSv1_client_method => DTLS10_CLIENT (Dtls10, Client, DTLS1_VERSION);
    /// DTLSv1_server_method: DTLS 1.0 server (handshakes fail: not supported).
    DTLSv1_server_method => DTLS10_SERVER (Dtls10, Server, DTLS1_VERSION);
    /// TLS_method: TLS over streams (handshakes fail: not supported).
    TLS_method => TLS_ANY (Tls, Any, TLS_ANY_VERSION);
    /// TLS_client_method: TLS client (handshakes fail: not supported).
    TLS_client_method => TLS_ANY_CLIENT (Tls, Client, TLS_ANY_VERSION);
    /// TLS_server_method: TLS server (handshakes fail: not supported).
    TLS_server_method => TLS_ANY_SERVER (Tls, Server, TLS_ANY_VERSION);
    /// TLSv1_method: TLS 1.0 (deprecated; handshakes fail: not supported).
    TLSv1_method => TLS10 (Tls, Any, TLS1_VERSION);
    /// TLSv1_client_method: TLS 1.0 client (handshakes fail: not supported).
    TLSv1_client_method => TLS10_CLIENT (Tls, Client, TLS1_VERSION);
    /// TLSv1_server_method: TLS 1.0 server (handshakes fail: not supported).
    TLSv1_server_method => TLS10_SERVER (Tls, Server, TLS1_VERSION);
    /// TLSv1_1_method: TLS 1.1 (handshakes fail: not supported).
    TLSv1_1_method => TLS11 (Tls, Any, TLS1_1_VERSION);
    /// TLSv1_1_client_method: TLS 1.1 client (handshakes fail: not supported).
    TLSv1_1_client_method => TLS11_CLIENT (Tls, Client, TLS1_1_VERSION);
    /// TLSv1_1_server_method: TLS 1.1 server (handshakes fail: not supported).
    TLSv1_1_server_method => TLS11_SERVER (Tls, Server, TLS1_1_VERSION);
    /// TLSv1_2_method: TLS 1.2 (handshakes fail: not supported).
    TLSv1_2_method => TLS12 (Tls, Any, TLS1_2_VERSION);
    /// TLSv1_2_client_method: TLS 1.2 client (handshakes fail: not supported).
    TLSv1_2_client_method => TLS12_CLIENT (Tls, Client, TLS1_2_VERSION);
    /// TLSv1_2_server_method: TLS 1.2 server (handshakes fail: not supported).
    TLSv1_2_server_method => TLS12_SERVER (Tls, Server, TLS1_2_VERSION);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_have_the_right_family_and_role() {
        // SAFETY: the functions return pointers to statics.
        let m = |f: extern "C" fn() -> *const SSL_METHOD| unsafe { &*f() };
        assert_eq!(m(DTLS_method).family, Family::Dtls12);
        assert_eq!(m(DTLS_client_method).role, Role::Client);
        assert_eq!(m(DTLSv1_2_server_method).role, Role::Server);
        assert_eq!(m(DTLSv1_2_method).version, DTLS1_2_VERSION);
        assert!(m(DTLSv1_method)
            .unsupported_reason()
            .unwrap()
            .contains("DTLS 1.0"));
        assert!(m(TLS_client_method)
            .unsupported_reason()
            .unwrap()
            .contains("TLS over streams"));
        assert!(m(DTLS_server_method).unsupported_reason().is_none());
    }
}
