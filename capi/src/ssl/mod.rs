//! The SSL layer: OpenSSL's libssl API (`SSL_CTX_*`, `SSL_*`, `DTLSv1_*`) over the rdtls
//! engine. One concept per file:
//!
//! * [`objects`] — the `SSL_CTX`, `SSL` and `Settings` structs and the C callback types they
//!   hold; [`state`] — the plain state they hold (caches, I/O state, `SSL_SESSION`);
//! * [`method`] — `SSL_METHOD`s; [`ctx`] — `SSL_CTX` lifetime and config caching;
//!   [`settings`] — turning what a context configures into an engine config;
//! * [`ssl`] — the `SSL` object; [`bio`] — attaching BIOs (`SSL_set_bio` ownership rules);
//! * [`driver`] — moving datagrams between BIOs and the engine, the retransmission timer;
//!   [`io`] — `SSL_connect` / `SSL_read` / `SSL_write` / `SSL_shutdown` / `SSL_get_error`;
//! * [`listen`] — `DTLSv1_listen`; [`timer`] — `DTLSv1_get_timeout` & co, MTU;
//! * [`events`] — info / message / key log callbacks; [`info`] — state and alert strings;
//!   [`ossl_state`] — OpenSSL's handshake state per message;
//! * [`verify`] — verify callbacks; [`certs`] — our certificate and key; [`trust`] —
//!   trust anchors and the certificate store;
//! * [`cipher_list`] — OpenSSL cipher strings; [`cipher`] — `SSL_CIPHER`;
//!   [`params`] — group / sigalg lists; [`setters`] — plain settings functions;
//!   [`srtp`] — DTLS-SRTP profiles (RFC 5764); [`alpn`] — ALPN (RFC 7301);
//! * [`ctrl`] — `SSL_ctrl` / `SSL_CTX_ctrl`; [`session`] — `SSL_SESSION`;
//!   [`getters`] — what a handshake established; [`errors`] — engine errors as ERR entries;
//!   [`init`] — `OPENSSL_init_ssl`; [`consts`] — libssl constant values;
//! * [`conf`] — `SSL_CONF_*`; [`session_io`] — writing sessions out (DER, PEM, text);
//!   [`own_cert`] — our certificate as an object, the certificate callback;
//!   [`servername`] — server-side SNI and certificate callbacks after the ClientHello;
//!   [`hello_finish`] — the configuration those callbacks leave;
//!   [`negotiation`] — `SSL_group_to_name`, `SSL_select_next_proto`;
//!   [`poison`] — a panic marks the interrupted object failed;
//!   [`renegotiate`] — `SSL_renegotiate` & co (RFC 5746);
//! * [`compat`] — small
//!   OpenSSL 3.0 accessors legacy programs import (cipher NIDs, `SSL_get_state`, ...);
//! * [`stubs`], [`stubs_legacy`] — honest stubs for the rest of OpenSSL's libssl exports
//!   (listed in MATRIX.md).

/// `cstr!("text")`: a `&'static CStr` from a literal, checked at compile time.
macro_rules! cstr {
    ($s:expr) => {
        match ::std::ffi::CStr::from_bytes_with_nul(concat!($s, "\0").as_bytes()) {
            Ok(c) => c,
            Err(_) => panic!("string literal contains a NUL byte"),
        }
    };
}

pub mod alpn;
pub mod bio;
pub mod bio_ssl;
pub mod ca_list;
pub mod certs;
pub mod cid;
pub mod cipher;
pub mod cipher_list;
pub mod client_hello;
pub mod compat;
pub mod conf;
pub mod consts;
pub mod ctrl;
pub mod ctx;
pub mod dccp;
pub mod driver;
pub mod errors;
pub mod events;
pub mod getters;
pub mod hello_finish;
pub mod info;
pub mod init;
pub mod io;
pub mod key_update;
pub mod listen;
pub mod method;
pub mod negotiation;
pub mod objects;
pub mod ossl_state;
pub mod own_cert;
pub mod params;
pub mod poison;
pub mod psk;
pub mod read_express;
pub mod renegotiate;
pub mod servername;
pub mod session;
pub mod session_asn1;
pub mod session_der13;
pub mod session_extras;
pub mod session_io;
pub mod session_lookup;
pub mod session_read;
pub mod session_remove;
pub mod setters;
pub mod settings;
pub mod shared_groups;
pub mod srtp;
#[allow(clippy::module_inception)]
pub mod ssl;
pub mod state;
pub mod stream;
pub mod stubs;
pub mod stubs_legacy;
pub mod timer;
pub mod trust;
pub mod verify;
pub mod verify_param;

// The unit tests drive pairs of SSLs over BIO_new_bio_dgram_pair, which the drop-in build
// takes from libcrypto 3.0 (it has none); the drop-in is tested by ctests/t_dropin.sh.
#[cfg(all(test, not(feature = "dropin")))]
mod tests;
