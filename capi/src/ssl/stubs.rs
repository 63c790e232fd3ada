//! Honest stubs: the libssl functions programs import (the stock `openssl` binary imports
//! about 205) that rdtls does not implement, so such programs load and run (`LD_BIND_NOW`
//! included) and say plainly when they ask for something we do not do.
//!
//! Every function in this file is a stub, and `scripts/gen-matrix.sh` lists them as such in
//! `MATRIX.md`; a function that gets a real implementation moves to another file. Three kinds:
//!
//! * `accept` — a harmless setter: it succeeds and changes nothing that matters for DTLS 1.2
//!   (OpenSSL itself ignores these settings for DTLS, or the setting is a pure hint);
//! * `none` — a getter for something DTLS 1.2 under rdtls never negotiates (NPN, SCTs, DANE,
//!   early data, SRP, async jobs): it answers "none" the way OpenSSL does when the feature was
//!   not used, and raises no error (programs call these after every handshake, and an error
//!   left on the queue would turn their next `SSL_read` into `SSL_ERROR_SSL`);
//! * `refuse` — anything that would change behaviour: it fails with its documented failure
//!   value and an `ERR_R_UNSUPPORTED` error ("SSL routines::unsupported") naming the function.
//!
//! Set `RDTLS_STUB_TRACE=1` in the environment to have every stub call reported on stderr.
use std::ffi::{c_char, c_int, c_uchar, c_uint, c_ulong, c_void};
use std::sync::OnceLock;

use crate::entry::*;
use crate::error::{put_error, ERR_LIB_SSL, ERR_R_UNSUPPORTED};
use crate::host::{EVP_PKEY, OPENSSL_STACK, X509};

use super::cipher::SSL_CIPHER;
use super::objects::{SSL, SSL_CTX};
use super::state::session::SSL_SESSION;

/// An opaque libcrypto or libssl type these stubs only pass around (BIGNUM, ENGINE,
/// X509_VERIFY_PARAM, CTLOG_STORE, COMP_METHOD, BIO_METHOD, EVP_MD, X509_NAME stacks).
type Opaque = c_void;
/// Any C callback pointer a stub accepts without calling it.
type Callback = Option<unsafe extern "C" fn()>;

/// Reports a stub call on stderr when `RDTLS_STUB_TRACE` is set.
pub(crate) fn trace(name: &str) {
    static ON: OnceLock<bool> = OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("RDTLS_STUB_TRACE").is_some_and(|v| v != "0")) {
        eprintln!("rdtls: stub {name} called");
    }
}

/// The error a `refuse` stub raises.
pub(crate) fn unsupported(name: &str) {
    put_error(
        ERR_LIB_SSL,
        ERR_R_UNSUPPORTED,
        format!("{name} is not supported by rdtls (DTLS 1.2 only)"),
    );
}

/// `stubs! { KIND(VALUE) fn NAME(ARGS) -> RET; ... }`: each stub returns VALUE; `refuse`
/// stubs raise the "unsupported" error first.
macro_rules! stubs {
    () => {};
    ($(#[$m:meta])* accept($v:expr) fn $name:ident($($a:ident: $t:ty),* $(,)?) $(-> $r:ty)?;
     $($rest:tt)*) => {
        entry! {
            $(#[$m])*
            fn $name($($a: $t),*) $(-> $r)? {
                trace(stringify!($name));
                $v
            }
        }
        stubs! { $($rest)* }
    };
    ($(#[$m:meta])* none($v:expr) fn $name:ident($($a:ident: $t:ty),* $(,)?) $(-> $r:ty)?;
     $($rest:tt)*) => {
        entry! {
            $(#[$m])*
            fn $name($($a: $t),*) $(-> $r)? {
                trace(stringify!($name));
                $v
            }
        }
        stubs! { $($rest)* }
    };
    ($(#[$m:meta])* refuse($v:expr) fn $name:ident($($a:ident: $t:ty),* $(,)?) $(-> $r:ty)?;
     $($rest:tt)*) => {
        entry! {
            $(#[$m])*
            fn $name($($a: $t),*) $(-> $r)? {
                trace(stringify!($name));
                unsupported(stringify!($name));
                $v
            }
        }
        stubs! { $($rest)* }
    };
}

pub(crate) use stubs;

const NULL: *mut c_void = std::ptr::null_mut();

stubs! {
    // ---- harmless setters ------------------------------------------------------------------
    /// SSL_CTX_set_default_read_buffer_len: accepted; rdtls reads whole datagrams anyway.
    accept(()) fn SSL_CTX_set_default_read_buffer_len(_ctx: *mut SSL_CTX, _len: usize);
    /// SSL_CTX_set_stateless_cookie_generate_cb: accepted; TLS 1.3 stateless cookies never
    /// apply to DTLS 1.2 (its cookies are `SSL_CTX_set_cookie_generate_cb`'s).
    accept(()) fn SSL_CTX_set_stateless_cookie_generate_cb(_ctx: *mut SSL_CTX, _cb: Callback);
    /// SSL_CTX_set_stateless_cookie_verify_cb: accepted (TLS 1.3 only, as above).
    accept(()) fn SSL_CTX_set_stateless_cookie_verify_cb(_ctx: *mut SSL_CTX, _cb: Callback);
    /// SSL_CTX_set_max_early_data: accepted and ignored, as OpenSSL does for DTLS (early data
    /// is TLS 1.3); returns 1.
    accept(1) fn SSL_CTX_set_max_early_data(_ctx: *mut SSL_CTX, _max: u32) -> c_int;
    /// SSL_CTX_set_recv_max_early_data: accepted and ignored (TLS 1.3 only); returns 1.
    accept(1) fn SSL_CTX_set_recv_max_early_data(_ctx: *mut SSL_CTX, _max: u32) -> c_int;
    /// SSL_set_post_handshake_auth: accepted; post-handshake authentication is TLS 1.3 only.
    accept(()) fn SSL_set_post_handshake_auth(_s: *mut SSL, _val: c_int);
    /// SSL_CTX_set0_security_ex_data: accepted (no security callback is ever called).
    accept(()) fn SSL_CTX_set0_security_ex_data(_ctx: *mut SSL_CTX, _ex: *mut c_void);
    /// SSL_trace: a message callback that prints nothing (protocol tracing is not built in).
    accept(()) fn SSL_trace(_write_p: c_int, _version: c_int, _content_type: c_int,
                            _buf: *const c_void, _len: usize, _s: *mut SSL, _arg: *mut c_void);
    /// SSL_CTX_set0_tmp_dh_pkey: takes the DH parameters and succeeds; rdtls offers no DHE
    /// suites (ECDHE only), so they are never used.
    accept({
        crate::host::pkey_free(dhpkey);
        1
    }) fn SSL_CTX_set0_tmp_dh_pkey(_ctx: *mut SSL_CTX, dhpkey: *mut EVP_PKEY) -> c_int;

    // ---- nothing to report ------------------------------------------------------------------
    /// SSL_get0_next_proto_negotiated: NPN is never negotiated: `*data` NULL, `*len` 0.
    none({
        if !data.is_null() {
            // SAFETY: non-NULL output pointer from the caller.
            unsafe { *data = std::ptr::null() };
        }
        if !len.is_null() {
            // SAFETY: as above.
            unsafe { *len = 0 };
        }
    }) fn SSL_get0_next_proto_negotiated(_s: *const SSL, data: *mut *const c_uchar, len: *mut c_uint);
    /// SSL_get_current_compression: no compression: NULL.
    none(std::ptr::null()) fn SSL_get_current_compression(_s: *const SSL) -> *const Opaque;
    /// SSL_get_current_expansion: no compression: NULL.
    none(std::ptr::null()) fn SSL_get_current_expansion(_s: *const SSL) -> *const Opaque;
    /// SSL_COMP_get_name: no compression methods exist: NULL.
    none(std::ptr::null()) fn SSL_COMP_get_name(_comp: *const Opaque) -> *const c_char;
    /// SSL_get_early_data_status: SSL_EARLY_DATA_NOT_SENT (early data is TLS 1.3).
    none(0) fn SSL_get_early_data_status(_s: *const SSL) -> c_int;
    /// SSL_SESSION_get_max_early_data: 0 (no early data).
    none(0) fn SSL_SESSION_get_max_early_data(_sess: *const SSL_SESSION) -> u32;
    /// SSL_get0_peer_scts: Certificate Transparency is not enabled: NULL.
    none(std::ptr::null()) fn SSL_get0_peer_scts(_s: *mut SSL) -> *const OPENSSL_STACK;
    /// SSL_ct_is_enabled: 0.
    none(0) fn SSL_ct_is_enabled(_s: *const SSL) -> c_int;
    /// SSL_CTX_get0_ctlog_store: no CT log store: NULL.
    none(std::ptr::null()) fn SSL_CTX_get0_ctlog_store(_ctx: *const SSL_CTX) -> *const Opaque;
    /// SSL_get0_peername: no DANE or host name matching was set up: NULL.
    none(std::ptr::null()) fn SSL_get0_peername(_s: *mut SSL) -> *const c_char;
    /// SSL_get0_dane_authority: DANE is not enabled: -1.
    none(-1) fn SSL_get0_dane_authority(_s: *mut SSL, _mcert: *mut *mut X509,
                                        _mspki: *mut *mut EVP_PKEY) -> c_int;
    /// SSL_get0_dane_tlsa: DANE is not enabled: -1.
    none(-1) fn SSL_get0_dane_tlsa(_s: *mut SSL, _usage: *mut u8, _selector: *mut u8,
                                   _mtype: *mut u8, _data: *mut *const c_uchar,
                                   _dlen: *mut usize) -> c_int;
    /// SSL_get_srp_N: SRP is never used: NULL.
    none(NULL) fn SSL_get_srp_N(_s: *mut SSL) -> *mut Opaque;
    /// SSL_get_srp_g: NULL.
    none(NULL) fn SSL_get_srp_g(_s: *mut SSL) -> *mut Opaque;
    /// SSL_get_srp_username: NULL.
    none(std::ptr::null_mut()) fn SSL_get_srp_username(_s: *mut SSL) -> *mut c_char;
    /// SSL_waiting_for_async: there are no async jobs: 0.
    none(0) fn SSL_waiting_for_async(_s: *mut SSL) -> c_int;
    /// SSL_get_all_async_fds: no async jobs: 1 with `*numfds` 0.
    none({
        if !numfds.is_null() {
            // SAFETY: non-NULL output pointer from the caller.
            unsafe { *numfds = 0 };
        }
        1
    }) fn SSL_get_all_async_fds(_s: *mut SSL, _fds: *mut c_int, numfds: *mut usize) -> c_int;
    /// SSL_CTX_get_security_callback: no security callback: NULL.
    none(None) fn SSL_CTX_get_security_callback(_ctx: *const SSL_CTX) -> Callback;
    /// SSL_get_peer_signature_type_nid: not reported: 0.
    none(0) fn SSL_get_peer_signature_type_nid(_s: *const SSL, _pnid: *mut c_int) -> c_int;
    /// SSL_get_shared_sigalgs: not kept: 0.
    none(0) fn SSL_get_shared_sigalgs(_s: *mut SSL, _idx: c_int, _psign: *mut c_int,
                                      _phash: *mut c_int, _psignhash: *mut c_int,
                                      _rsig: *mut c_uchar, _rhash: *mut c_uchar) -> c_int;
    /// SSL_get_shared_ciphers: the client's offer is not kept: NULL.
    none(std::ptr::null_mut()) fn SSL_get_shared_ciphers(_s: *const SSL, _buf: *mut c_char,
                                                         _size: c_int) -> *mut c_char;
    /// SSL_has_matching_session_id: 0 (session ids are generated by the engine).
    none(0) fn SSL_has_matching_session_id(_s: *const SSL, _id: *const c_uchar,
                                           _id_len: c_uint) -> c_int;
    /// SSL_SESSION_get0_peer: not kept as an X509 object: NULL (use
    /// `SSL_get0_peer_certificate`).
    none(std::ptr::null_mut()) fn SSL_SESSION_get0_peer(_sess: *mut SSL_SESSION) -> *mut X509;
    /// SSL_get1_supported_ciphers: NULL.
    none(std::ptr::null_mut()) fn SSL_get1_supported_ciphers(_s: *mut SSL) -> *mut OPENSSL_STACK;

    // ---- refused -------------------------------------------------------------------------
    /// SSL_SESSION_set1_id_context: building sessions by hand is not supported: 0.
    refuse(0) fn SSL_SESSION_set1_id_context(_s: *mut SSL_SESSION, _ctx: *const c_uchar,
                                             _len: c_uint) -> c_int;
    /// SSL_SESSION_set1_master_key: 0.
    refuse(0) fn SSL_SESSION_set1_master_key(_s: *mut SSL_SESSION, _key: *const c_uchar,
                                             _len: usize) -> c_int;
    /// SSL_SESSION_set_cipher: 0.
    refuse(0) fn SSL_SESSION_set_cipher(_s: *mut SSL_SESSION, _c: *const SSL_CIPHER) -> c_int;
    /// SSL_SESSION_set_protocol_version: 0.
    refuse(0) fn SSL_SESSION_set_protocol_version(_s: *mut SSL_SESSION, _v: c_int) -> c_int;
    /// SSL_CTX_set_generate_session_id: not supported: 0.
    refuse(0) fn SSL_CTX_set_generate_session_id(_ctx: *mut SSL_CTX, _cb: Callback) -> c_int;
    /// SSL_CTX_set_not_resumable_session_callback: not supported.
    refuse(()) fn SSL_CTX_set_not_resumable_session_callback(_ctx: *mut SSL_CTX, _cb: Callback);
    /// SSL_CTX_set_next_proto_select_cb: NPN is not supported.
    refuse(()) fn SSL_CTX_set_next_proto_select_cb(_ctx: *mut SSL_CTX, _cb: Callback,
                                                   _arg: *mut c_void);
    /// SSL_CTX_set_next_protos_advertised_cb: NPN is not supported.
    refuse(()) fn SSL_CTX_set_next_protos_advertised_cb(_ctx: *mut SSL_CTX, _cb: Callback,
                                                        _arg: *mut c_void);
    /// SSL_CTX_add_client_custom_ext: custom extensions are not supported: 0.
    refuse(0) fn SSL_CTX_add_client_custom_ext(_ctx: *mut SSL_CTX, _ext_type: c_uint,
                                               _add_cb: Callback, _free_cb: Callback,
                                               _add_arg: *mut c_void, _parse_cb: Callback,
                                               _parse_arg: *mut c_void) -> c_int;
    /// SSL_CTX_use_serverinfo_file: not supported: 0.
    refuse(0) fn SSL_CTX_use_serverinfo_file(_ctx: *mut SSL_CTX, _file: *const c_char) -> c_int;
    /// SSL_CTX_set_tlsext_max_fragment_length: the extension is not supported: 0.
    refuse(0) fn SSL_CTX_set_tlsext_max_fragment_length(_ctx: *mut SSL_CTX, _mode: u8) -> c_int;
    /// SSL_CTX_set_client_cert_engine: engines are not supported: 0.
    refuse(0) fn SSL_CTX_set_client_cert_engine(_ctx: *mut SSL_CTX, _e: *mut Opaque) -> c_int;
    /// SSL_CTX_config: configuration-file sections are not supported: 0.
    refuse(0) fn SSL_CTX_config(_ctx: *mut SSL_CTX, _name: *const c_char) -> c_int;
    /// SSL_CTX_load_verify_store: OSSL_STORE URIs are not supported: 0.
    refuse(0) fn SSL_CTX_load_verify_store(_ctx: *mut SSL_CTX, _uri: *const c_char) -> c_int;
    /// SSL_CTX_set_security_callback: not supported.
    refuse(()) fn SSL_CTX_set_security_callback(_ctx: *mut SSL_CTX, _cb: Callback);
    /// SSL_CTX_enable_ct: Certificate Transparency is not supported: 0.
    refuse(0) fn SSL_CTX_enable_ct(_ctx: *mut SSL_CTX, _mode: c_int) -> c_int;
    /// SSL_CTX_set_ctlog_list_file: 0.
    refuse(0) fn SSL_CTX_set_ctlog_list_file(_ctx: *mut SSL_CTX, _path: *const c_char) -> c_int;
    /// SSL_CTX_set_default_ctlog_list_file: 0.
    refuse(0) fn SSL_CTX_set_default_ctlog_list_file(_ctx: *mut SSL_CTX) -> c_int;
    /// SSL_CTX_dane_enable: DANE is not supported: -1.
    refuse(-1) fn SSL_CTX_dane_enable(_ctx: *mut SSL_CTX) -> c_int;
    /// SSL_dane_enable: -1.
    refuse(-1) fn SSL_dane_enable(_s: *mut SSL, _basedomain: *const c_char) -> c_int;
    /// SSL_dane_tlsa_add: -1.
    refuse(-1) fn SSL_dane_tlsa_add(_s: *mut SSL, _usage: u8, _selector: u8, _mtype: u8,
                                    _data: *const c_uchar, _dlen: usize) -> c_int;
    /// SSL_dane_set_flags: 0 (no flags were set).
    refuse(0) fn SSL_dane_set_flags(_s: *mut SSL, _flags: c_ulong) -> c_ulong;
    /// SSL_CTX_set_psk_find_session_callback: not supported.
    refuse(()) fn SSL_CTX_set_psk_find_session_callback(_ctx: *mut SSL_CTX, _cb: Callback);
    /// SSL_CTX_set_psk_use_session_callback: not supported.
    refuse(()) fn SSL_CTX_set_psk_use_session_callback(_ctx: *mut SSL_CTX, _cb: Callback);
    /// SSL_CTX_set_srp_username: SRP is not supported: 0.
    refuse(0) fn SSL_CTX_set_srp_username(_ctx: *mut SSL_CTX, _name: *mut c_char) -> c_int;
    /// SSL_CTX_set_srp_strength: 0.
    refuse(0) fn SSL_CTX_set_srp_strength(_ctx: *mut SSL_CTX, _strength: c_int) -> c_int;
    /// SSL_CTX_set_srp_cb_arg: 0.
    refuse(0) fn SSL_CTX_set_srp_cb_arg(_ctx: *mut SSL_CTX, _arg: *mut c_void) -> c_int;
    /// SSL_CTX_set_srp_client_pwd_callback: 0.
    refuse(0) fn SSL_CTX_set_srp_client_pwd_callback(_ctx: *mut SSL_CTX, _cb: Callback) -> c_int;
    /// SSL_CTX_set_srp_username_callback: 0.
    refuse(0) fn SSL_CTX_set_srp_username_callback(_ctx: *mut SSL_CTX, _cb: Callback) -> c_int;
    /// SSL_CTX_set_srp_verify_param_callback: 0.
    refuse(0) fn SSL_CTX_set_srp_verify_param_callback(_ctx: *mut SSL_CTX, _cb: Callback) -> c_int;
    /// SSL_set_srp_server_param: -1.
    refuse(-1) fn SSL_set_srp_server_param(_s: *mut SSL, _n: *const Opaque, _g: *const Opaque,
                                           _sa: *mut Opaque, _v: *mut Opaque,
                                           _info: *mut c_char) -> c_int;
    /// SSL_stateless: TLS 1.3 stateless HelloRetryRequest: -1.
    refuse(-1) fn SSL_stateless(_s: *mut SSL) -> c_int;
    /// SSL_read_early_data: SSL_READ_EARLY_DATA_ERROR (0).
    refuse(0) fn SSL_read_early_data(_s: *mut SSL, _buf: *mut c_void, _num: usize,
                                     _readbytes: *mut usize) -> c_int;
    /// SSL_write_early_data: 0.
    refuse(0) fn SSL_write_early_data(_s: *mut SSL, _buf: *const c_void, _num: usize,
                                      _written: *mut usize) -> c_int;
    /// SSL_verify_client_post_handshake: TLS 1.3 only: 0.
    refuse(0) fn SSL_verify_client_post_handshake(_s: *mut SSL) -> c_int;
    /// SSL_sendfile: kernel TLS is not supported: -1.
    refuse(-1) fn SSL_sendfile(_s: *mut SSL, _fd: c_int, _offset: libc::off_t, _size: usize,
                               _flags: c_int) -> isize;
    /// SSL_add_file_cert_subjects_to_stack: 0.
    refuse(0) fn SSL_add_file_cert_subjects_to_stack(_stack: *mut OPENSSL_STACK,
                                                     _file: *const c_char) -> c_int;
    /// SSL_check_chain: 0 (no usable-chain flags).
    refuse(0) fn SSL_check_chain(_s: *mut SSL, _x: *mut X509, _pk: *mut EVP_PKEY,
                                 _chain: *mut OPENSSL_STACK) -> c_int;
}
