//! More honest stubs (issue 8 item 1): the rest of OpenSSL 3.0's libssl exports, so no
//! program linked with `BIND_NOW` dies before `main` on a symbol we lack. The same three
//! kinds as [`super::stubs`] (`accept`, `none`, `refuse`); `scripts/gen-matrix.sh` lists
//! every function of `stubs*.rs` as a stub in MATRIX.md.
//!
//! What these cover is TLS-only (tickets, early data, PSK, record padding, SRP, CT, DANE,
//! async, custom extensions) or object surgery rdtls does not offer (duplicating `SSL`s,
//! sessions built by hand).
use std::ffi::{c_char, c_int, c_long, c_uchar, c_uint, c_ulong, c_void};

use crate::entry::*;
use crate::host::{EVP_PKEY, OPENSSL_STACK, X509};

use super::method::SSL_METHOD;
use super::objects::{SSL, SSL_CTX};
use super::state::session::SSL_SESSION;
use super::stubs::{stubs, trace, unsupported};

/// An opaque libcrypto or libssl type these stubs only pass around.
type Opaque = c_void;
/// Any C callback pointer a stub accepts without calling it.
type Callback = Option<unsafe extern "C" fn()>;

/// Writes `v` through a caller's output pointer when it is not NULL.
fn out<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: a non-NULL output pointer from the caller, valid for one T.
        unsafe { p.write(v) };
    }
}

stubs! {
    // ---- harmless: the setting does not exist for DTLS 1.2 ------------------------------------
    /// SSL_CTX_set_post_handshake_auth: accepted; post-handshake authentication is TLS 1.3.
    accept(()) fn SSL_CTX_set_post_handshake_auth(_ctx: *mut SSL_CTX, _val: c_int);
    /// SSL_set_default_read_buffer_len: accepted; datagrams are read whole anyway.
    accept(()) fn SSL_set_default_read_buffer_len(_s: *mut SSL, _len: usize);
    /// SSL_set0_security_ex_data: accepted (no security callback is ever called).
    accept(()) fn SSL_set0_security_ex_data(_s: *mut SSL, _ex: *mut c_void);
    /// SSL_alloc_buffers: 1; rdtls has no separately allocated record buffers.
    accept(1) fn SSL_alloc_buffers(_s: *mut SSL) -> c_int;
    /// SSL_free_buffers: 1 (nothing to free, as above).
    accept(1) fn SSL_free_buffers(_s: *mut SSL) -> c_int;
    /// SSL_set_debug: does nothing (a no-op in OpenSSL 3.0 too).
    accept(()) fn SSL_set_debug(_s: *mut SSL, _debug: c_int);
    /// SSL_add_ssl_module: does nothing (as in OpenSSL 3.0, where it is a no-op).
    accept(()) fn SSL_add_ssl_module();
    /// ERR_load_SSL_strings: registers the SSL reason strings (as OPENSSL_init_ssl does); 1.
    accept(c_int::from(crate::host::library_init(0, std::ptr::null())))
        fn ERR_load_SSL_strings() -> c_int;
    /// SSL_set_num_tickets: accepted and ignored, as OpenSSL does below TLS 1.3; 1.
    accept(1) fn SSL_set_num_tickets(_s: *mut SSL, _n: usize) -> c_int;
    /// SSL_CTX_set_num_tickets: as SSL_set_num_tickets.
    accept(1) fn SSL_CTX_set_num_tickets(_ctx: *mut SSL_CTX, _n: usize) -> c_int;
    /// SSL_set_max_early_data: accepted and ignored (early data is TLS 1.3); 1.
    accept(1) fn SSL_set_max_early_data(_s: *mut SSL, _max: u32) -> c_int;
    /// SSL_set_recv_max_early_data: as above.
    accept(1) fn SSL_set_recv_max_early_data(_s: *mut SSL, _max: u32) -> c_int;
    /// SSL_SESSION_set_max_early_data: accepted and ignored; 1.
    accept(1) fn SSL_SESSION_set_max_early_data(_s: *mut SSL_SESSION, _max: u32) -> c_int;
    /// SSL_CTX_set_allow_early_data_cb: accepted; never called (no early data in DTLS 1.2).
    accept(()) fn SSL_CTX_set_allow_early_data_cb(_ctx: *mut SSL_CTX, _cb: Callback,
                                                  _arg: *mut c_void);
    /// SSL_set_allow_early_data_cb: as above.
    accept(()) fn SSL_set_allow_early_data_cb(_s: *mut SSL, _cb: Callback, _arg: *mut c_void);
    /// SSL_set_psk_find_session_callback: accepted; TLS 1.3 PSK sessions only.
    accept(()) fn SSL_set_psk_find_session_callback(_s: *mut SSL, _cb: Callback);
    /// SSL_set_psk_use_session_callback: accepted; TLS 1.3 PSK sessions only.
    accept(()) fn SSL_set_psk_use_session_callback(_s: *mut SSL, _cb: Callback);

}

stubs! {
    // ---- nothing to report ----------------------------------------------------------------
    /// SSL_CTX_get_max_early_data: 0.
    none(0) fn SSL_CTX_get_max_early_data(_ctx: *const SSL_CTX) -> u32;
    /// SSL_CTX_get_recv_max_early_data: 0.
    none(0) fn SSL_CTX_get_recv_max_early_data(_ctx: *const SSL_CTX) -> u32;
    /// SSL_get_max_early_data: 0.
    none(0) fn SSL_get_max_early_data(_s: *const SSL) -> u32;
    /// SSL_get_recv_max_early_data: 0.
    none(0) fn SSL_get_recv_max_early_data(_s: *const SSL) -> u32;
    /// SSL_CTX_get_num_tickets: 0 tickets are sent (DTLS 1.2 under rdtls has no tickets).
    none(0) fn SSL_CTX_get_num_tickets(_ctx: *const SSL_CTX) -> usize;
    /// SSL_get_num_tickets: 0.
    none(0) fn SSL_get_num_tickets(_s: *const SSL) -> usize;
    /// SSL_CTX_ct_is_enabled: 0.
    none(0) fn SSL_CTX_ct_is_enabled(_ctx: *const SSL_CTX) -> c_int;
    /// SSL_CTX_get0_security_ex_data: NULL.
    none(std::ptr::null_mut()) fn SSL_CTX_get0_security_ex_data(_ctx: *const SSL_CTX) -> *mut c_void;
    /// SSL_get0_security_ex_data: NULL.
    none(std::ptr::null_mut()) fn SSL_get0_security_ex_data(_s: *const SSL) -> *mut c_void;
    /// SSL_get_security_callback: no security callback: NULL.
    none(None) fn SSL_get_security_callback(_s: *const SSL) -> Callback;
    /// SSL_CTX_get_client_cert_cb: client certificate callbacks are refused: NULL.
    none(None) fn SSL_CTX_get_client_cert_cb(_ctx: *mut SSL_CTX) -> Callback;
    /// SSL_CTX_get_record_padding_callback_arg: record padding is TLS 1.3: NULL.
    none(std::ptr::null_mut()) fn SSL_CTX_get_record_padding_callback_arg(_ctx: *const SSL_CTX)
        -> *mut c_void;
    /// SSL_get_record_padding_callback_arg: NULL.
    none(std::ptr::null_mut()) fn SSL_get_record_padding_callback_arg(_s: *const SSL) -> *mut c_void;
    /// SSL_get_srp_userinfo: SRP is never used: NULL.
    none(std::ptr::null_mut()) fn SSL_get_srp_userinfo(_s: *mut SSL) -> *mut c_char;
    /// SSL_get0_dane: DANE is not enabled: NULL.
    none(std::ptr::null_mut()) fn SSL_get0_dane(_s: *mut SSL) -> *mut Opaque;
    /// SSL_get_async_status: no async job: 1 with ASYNC_STATUS_UNSUPPORTED (0).
    none({
        out(status, 0);
        1
    }) fn SSL_get_async_status(_s: *mut SSL, status: *mut c_int) -> c_int;
    /// SSL_get_changed_async_fds: no async jobs: 1 with both counts 0.
    none({
        out(numaddfds, 0);
        out(numdelfds, 0);
        1
    }) fn SSL_get_changed_async_fds(_s: *mut SSL, _addfd: *mut c_int, numaddfds: *mut usize,
                                    _delfd: *mut c_int, numdelfds: *mut usize) -> c_int;
    /// SSL_SESSION_get0_ticket: no ticket: `*tick` NULL, `*len` 0.
    none({
        out(tick, std::ptr::null());
        out(len, 0);
    }) fn SSL_SESSION_get0_ticket(_s: *const SSL_SESSION, tick: *mut *const c_uchar,
                                  len: *mut usize);
    /// SSL_SESSION_has_ticket: 0.
    none(0) fn SSL_SESSION_has_ticket(_s: *const SSL_SESSION) -> c_int;
    /// SSL_SESSION_get_ticket_lifetime_hint: 0 (no ticket).
    none(0) fn SSL_SESSION_get_ticket_lifetime_hint(_s: *const SSL_SESSION) -> c_ulong;
    /// SSL_SESSION_get0_ticket_appdata: no application data: 1 with NULL and 0.
    none({
        out(data, std::ptr::null_mut());
        out(len, 0);
        1
    }) fn SSL_SESSION_get0_ticket_appdata(_s: *mut SSL_SESSION, data: *mut *mut c_void,
                                          len: *mut usize) -> c_int;
    /// SSL_SESSION_get_max_fragment_length: the extension is never negotiated: 0 (none).
    none(0) fn SSL_SESSION_get_max_fragment_length(_s: *const SSL_SESSION) -> u8;
    /// SSL_SESSION_get_compress_id: no compression: 0.
    none(0) fn SSL_SESSION_get_compress_id(_s: *const SSL_SESSION) -> c_uint;
    /// SSL_rstate_string: "RH" (between records, waiting for a header), what OpenSSL 3.0
    /// answers outside a read.
    none(cstr!("RH").as_ptr()) fn SSL_rstate_string(_s: *const SSL) -> *const c_char;
    /// SSL_rstate_string_long: "read header".
    none(cstr!("read header").as_ptr()) fn SSL_rstate_string_long(_s: *const SSL) -> *const c_char;
    /// SSL_get_signature_type_nid: our own signature type is not reported: 0.
    none(0) fn SSL_get_signature_type_nid(_s: *const SSL, _pnid: *mut c_int) -> c_int;
    /// SSL_extension_supported: 0 (no custom extension types are reserved).
    none(0) fn SSL_extension_supported(_ext_type: c_uint) -> c_int;
    /// SSL_CTX_has_client_custom_ext: 0 (custom extensions are refused).
    none(0) fn SSL_CTX_has_client_custom_ext(_ctx: *const SSL_CTX, _ext_type: c_uint) -> c_int;
    /// SSL_test_functions: OpenSSL's internal unit-test hooks: NULL.
    none(std::ptr::null()) fn SSL_test_functions() -> *const Opaque;
    /// SSL_get_client_ciphers: the client's offer is not kept: NULL.
    none(std::ptr::null_mut()) fn SSL_get_client_ciphers(_s: *const SSL) -> *mut OPENSSL_STACK;
    /// SSL_SESSION_get0_alpn_selected: sessions do not record ALPN: `*alpn` NULL, `*len` 0.
    none({
        out(alpn, std::ptr::null());
        out(len, 0);
    }) fn SSL_SESSION_get0_alpn_selected(_s: *const SSL_SESSION, alpn: *mut *const c_uchar,
                                         len: *mut usize);
    /// SSL_CTX_sessions: the cache is not an LHASH object: NULL.
    none(std::ptr::null_mut()) fn SSL_CTX_sessions(_ctx: *mut SSL_CTX) -> *mut Opaque;

}

stubs! {
    // ---- refused -------------------------------------------------------------------------
    /// OSSL_default_cipher_list: the TLS 1.2 default string is the system libssl's to give.
    refuse(std::ptr::null()) fn OSSL_default_cipher_list() -> *const c_char;
    /// OSSL_default_ciphersuites: TLS 1.3 suites: NULL.
    refuse(std::ptr::null()) fn OSSL_default_ciphersuites() -> *const c_char;
    /// PEM_read_SSL_SESSION: reading saved sessions is not supported: NULL.
    refuse(std::ptr::null_mut()) fn PEM_read_SSL_SESSION(_fp: *mut Opaque,
                                                         _x: *mut *mut SSL_SESSION,
                                                         _cb: Callback, _u: *mut c_void)
        -> *mut SSL_SESSION;
    /// PEM_write_SSL_SESSION: use PEM_write_bio_SSL_SESSION: 0.
    refuse(0) fn PEM_write_SSL_SESSION(_fp: *mut Opaque, _x: *const SSL_SESSION) -> c_int;
    /// SSL_SESSION_print_fp: use SSL_SESSION_print on a BIO: 0.
    refuse(0) fn SSL_SESSION_print_fp(_fp: *mut Opaque, _x: *const SSL_SESSION) -> c_int;
    /// SRP_Calc_A_param: SRP is not supported: 0.
    refuse(0) fn SRP_Calc_A_param(_s: *mut SSL) -> c_int;
    /// SSL_CTX_SRP_CTX_init: 0.
    refuse(0) fn SSL_CTX_SRP_CTX_init(_ctx: *mut SSL_CTX) -> c_int;
    /// SSL_CTX_SRP_CTX_free: 0.
    refuse(0) fn SSL_CTX_SRP_CTX_free(_ctx: *mut SSL_CTX) -> c_int;
    /// SSL_SRP_CTX_init: 0.
    refuse(0) fn SSL_SRP_CTX_init(_s: *mut SSL) -> c_int;
    /// SSL_SRP_CTX_free: 0.
    refuse(0) fn SSL_SRP_CTX_free(_s: *mut SSL) -> c_int;
    /// SSL_CTX_set_srp_password: 0.
    refuse(0) fn SSL_CTX_set_srp_password(_ctx: *mut SSL_CTX, _pw: *mut c_char) -> c_int;
    /// SSL_set_srp_server_param_pw: -1.
    refuse(-1) fn SSL_set_srp_server_param_pw(_s: *mut SSL, _user: *const c_char,
                                              _pass: *const c_char, _grp: *const c_char) -> c_int;
    /// SSL_srp_server_param_with_username: SSL_AD_INTERNAL_ERROR's failure: -1.
    refuse(-1) fn SSL_srp_server_param_with_username(_s: *mut SSL, _ad: *mut c_int) -> c_int;
    /// SSL_CONF_CTX_set1_prefix: command prefixes are not supported: 0.
    refuse(0) fn SSL_CONF_CTX_set1_prefix(_cctx: *mut Opaque, _pre: *const c_char) -> c_int;
    /// SSL_CONF_cmd_argv: command-line parsing through SSL_CONF is not supported: -3.
    refuse(-3) fn SSL_CONF_cmd_argv(_cctx: *mut Opaque, _pargc: *mut c_int,
                                    _pargv: *mut *mut *mut c_char) -> c_int;
    /// SSL_CONF_cmd_value_type: SSL_CONF_TYPE_UNKNOWN (0).
    refuse(0) fn SSL_CONF_cmd_value_type(_cctx: *mut Opaque, _cmd: *const c_char) -> c_int;
    /// SSL_config: configuration-file sections are not supported: 0.
    refuse(0) fn SSL_config(_s: *mut SSL, _name: *const c_char) -> c_int;
    /// SSL_CTX_add_custom_ext: custom extensions are not supported: 0.
    refuse(0) fn SSL_CTX_add_custom_ext(_ctx: *mut SSL_CTX, _ext_type: c_uint, _context: c_uint,
                                        _add_cb: Callback, _free_cb: Callback,
                                        _add_arg: *mut c_void, _parse_cb: Callback,
                                        _parse_arg: *mut c_void) -> c_int;
    /// SSL_CTX_add_server_custom_ext: 0.
    refuse(0) fn SSL_CTX_add_server_custom_ext(_ctx: *mut SSL_CTX, _ext_type: c_uint,
                                               _add_cb: Callback, _free_cb: Callback,
                                               _add_arg: *mut c_void, _parse_cb: Callback,
                                               _parse_arg: *mut c_void) -> c_int;
    /// SSL_CTX_use_serverinfo: 0.
    refuse(0) fn SSL_CTX_use_serverinfo(_ctx: *mut SSL_CTX, _info: *const c_uchar,
                                        _len: usize) -> c_int;
    /// SSL_CTX_use_serverinfo_ex: 0.
    refuse(0) fn SSL_CTX_use_serverinfo_ex(_ctx: *mut SSL_CTX, _version: c_uint,
                                           _info: *const c_uchar, _len: usize) -> c_int;
    /// SSL_CTX_set0_ctlog_store: CT is not supported (the store is not taken).
    refuse(()) fn SSL_CTX_set0_ctlog_store(_ctx: *mut SSL_CTX, _logs: *mut Opaque);
    /// SSL_CTX_set_ct_validation_callback: 0.
    refuse(0) fn SSL_CTX_set_ct_validation_callback(_ctx: *mut SSL_CTX, _cb: Callback,
                                                    _arg: *mut c_void) -> c_int;
    /// SSL_set_ct_validation_callback: 0.
    refuse(0) fn SSL_set_ct_validation_callback(_s: *mut SSL, _cb: Callback,
                                                _arg: *mut c_void) -> c_int;
    /// SSL_enable_ct: 0.
    refuse(0) fn SSL_enable_ct(_s: *mut SSL, _mode: c_int) -> c_int;
    /// SSL_CTX_dane_set_flags: DANE is not supported: 0 (no flags were set).
    refuse(0) fn SSL_CTX_dane_set_flags(_ctx: *mut SSL_CTX, _flags: c_ulong) -> c_ulong;
    /// SSL_CTX_dane_clear_flags: 0.
    refuse(0) fn SSL_CTX_dane_clear_flags(_ctx: *mut SSL_CTX, _flags: c_ulong) -> c_ulong;
    /// SSL_dane_clear_flags: 0.
    refuse(0) fn SSL_dane_clear_flags(_s: *mut SSL, _flags: c_ulong) -> c_ulong;
    /// SSL_CTX_dane_mtype_set: -1.
    refuse(-1) fn SSL_CTX_dane_mtype_set(_ctx: *mut SSL_CTX, _md: *const Opaque, _mtype: u8,
                                         _ord: u8) -> c_int;
    /// SSL_CTX_set_async_callback: async jobs are not supported: 0.
    refuse(0) fn SSL_CTX_set_async_callback(_ctx: *mut SSL_CTX, _cb: Callback) -> c_int;
    /// SSL_CTX_set_async_callback_arg: 0.
    refuse(0) fn SSL_CTX_set_async_callback_arg(_ctx: *mut SSL_CTX, _arg: *mut c_void) -> c_int;
    /// SSL_set_async_callback: 0.
    refuse(0) fn SSL_set_async_callback(_s: *mut SSL, _cb: Callback) -> c_int;
    /// SSL_set_async_callback_arg: 0.
    refuse(0) fn SSL_set_async_callback_arg(_s: *mut SSL, _arg: *mut c_void) -> c_int;
}

stubs! {
    /// SSL_CTX_set_block_padding: record padding is TLS 1.3: 0.
    refuse(0) fn SSL_CTX_set_block_padding(_ctx: *mut SSL_CTX, _size: usize) -> c_int;
    /// SSL_set_block_padding: 0.
    refuse(0) fn SSL_set_block_padding(_s: *mut SSL, _size: usize) -> c_int;
    /// SSL_CTX_set_record_padding_callback: not supported.
    refuse(()) fn SSL_CTX_set_record_padding_callback(_ctx: *mut SSL_CTX, _cb: Callback);
    /// SSL_CTX_set_record_padding_callback_arg: not supported.
    refuse(()) fn SSL_CTX_set_record_padding_callback_arg(_ctx: *mut SSL_CTX, _arg: *mut c_void);
    /// SSL_set_record_padding_callback: 0.
    refuse(0) fn SSL_set_record_padding_callback(_s: *mut SSL, _cb: Callback) -> c_int;
    /// SSL_set_record_padding_callback_arg: not supported.
    refuse(()) fn SSL_set_record_padding_callback_arg(_s: *mut SSL, _arg: *mut c_void);
    /// SSL_CTX_set_session_ticket_cb: session tickets are not supported: 0.
    refuse(0) fn SSL_CTX_set_session_ticket_cb(_ctx: *mut SSL_CTX, _gen: Callback,
                                               _dec: Callback, _arg: *mut c_void) -> c_int;
    /// SSL_CTX_set_tlsext_ticket_key_evp_cb: 0.
    refuse(0) fn SSL_CTX_set_tlsext_ticket_key_evp_cb(_ctx: *mut SSL_CTX, _cb: Callback) -> c_int;
    /// SSL_set_session_ticket_ext: 0.
    refuse(0) fn SSL_set_session_ticket_ext(_s: *mut SSL, _data: *mut c_void,
                                            _len: c_int) -> c_int;
    /// SSL_set_session_ticket_ext_cb: 0.
    refuse(0) fn SSL_set_session_ticket_ext_cb(_s: *mut SSL, _cb: Callback,
                                               _arg: *mut c_void) -> c_int;
    /// SSL_SESSION_set1_ticket_appdata: 0.
    refuse(0) fn SSL_SESSION_set1_ticket_appdata(_s: *mut SSL_SESSION, _data: *const c_void,
                                                 _len: usize) -> c_int;
    /// SSL_new_session_ticket: TLS 1.3 only: 0.
    refuse(0) fn SSL_new_session_ticket(_s: *mut SSL) -> c_int;
    /// SSL_export_keying_material_early: TLS 1.3 only: 0.
    refuse(0) fn SSL_export_keying_material_early(_s: *mut SSL, _out: *mut c_uchar,
                                                  _olen: usize, _label: *const c_char,
                                                  _llen: usize, _context: *const c_uchar,
                                                  _contextlen: usize) -> c_int;
}

stubs! {
    /// SSL_set_default_passwd_cb: per-connection password callbacks are not supported (set
    /// it on the context before loading keys).
    refuse(()) fn SSL_set_default_passwd_cb(_s: *mut SSL, _cb: Callback);
    /// SSL_set_default_passwd_cb_userdata: not supported, as above.
    refuse(()) fn SSL_set_default_passwd_cb_userdata(_s: *mut SSL, _u: *mut c_void);
    /// SSL_set_session_secret_cb: not supported: 0.
    refuse(0) fn SSL_set_session_secret_cb(_s: *mut SSL, _cb: Callback, _arg: *mut c_void)
        -> c_int;
    /// SSL_set_generate_session_id: not supported: 0.
    refuse(0) fn SSL_set_generate_session_id(_s: *mut SSL, _cb: Callback) -> c_int;
    /// SSL_set_not_resumable_session_callback: not supported.
    refuse(()) fn SSL_set_not_resumable_session_callback(_s: *mut SSL, _cb: Callback);
    /// SSL_set_security_callback: not supported.
    refuse(()) fn SSL_set_security_callback(_s: *mut SSL, _cb: Callback);
    /// SSL_set_tlsext_max_fragment_length: the extension is not supported: 0.
    refuse(0) fn SSL_set_tlsext_max_fragment_length(_s: *mut SSL, _mode: u8) -> c_int;
    /// SSL_CTX_set_client_cert_cb: client certificate callbacks are not supported (load
    /// the certificate up front or use SSL_CTX_set_cert_cb).
    refuse(()) fn SSL_CTX_set_client_cert_cb(_ctx: *mut SSL_CTX, _cb: Callback);
    /// SSL_CTX_set_tmp_dh_callback: DHE suites are not offered (ECDHE only).
    refuse(()) fn SSL_CTX_set_tmp_dh_callback(_ctx: *mut SSL_CTX, _cb: Callback);
    /// SSL_set_tmp_dh_callback: as above.
    refuse(()) fn SSL_set_tmp_dh_callback(_s: *mut SSL, _cb: Callback);
    /// SSL_set0_tmp_dh_pkey: DHE is not offered; the key is freed: 0.
    refuse({
        crate::host::pkey_free(dhpkey);
        0
    }) fn SSL_set0_tmp_dh_pkey(_s: *mut SSL, dhpkey: *mut EVP_PKEY) -> c_int;
    /// SSL_CTX_set_purpose: X509 purposes are not configurable: 0.
    refuse(0) fn SSL_CTX_set_purpose(_ctx: *mut SSL_CTX, _purpose: c_int) -> c_int;
    /// SSL_set_purpose: 0.
    refuse(0) fn SSL_set_purpose(_s: *mut SSL, _purpose: c_int) -> c_int;
    /// SSL_CTX_set_trust: X509 trust settings are not configurable: 0.
    refuse(0) fn SSL_CTX_set_trust(_ctx: *mut SSL_CTX, _trust: c_int) -> c_int;
    /// SSL_set_trust: 0.
    refuse(0) fn SSL_set_trust(_s: *mut SSL, _trust: c_int) -> c_int;
    /// SSL_CTX_set_ssl_version: changing a context's method is not supported: 0.
    refuse(0) fn SSL_CTX_set_ssl_version(_ctx: *mut SSL_CTX, _meth: *const SSL_METHOD) -> c_int;
    /// SSL_set_ssl_method: changing an SSL's method is not supported: 0.
    refuse(0) fn SSL_set_ssl_method(_s: *mut SSL, _meth: *const SSL_METHOD) -> c_int;
    /// SSL_dup: duplicating an SSL is not supported: NULL.
    refuse(std::ptr::null_mut()) fn SSL_dup(_s: *mut SSL) -> *mut SSL;
    /// SSL_SESSION_dup: NULL.
    refuse(std::ptr::null_mut()) fn SSL_SESSION_dup(_s: *const SSL_SESSION) -> *mut SSL_SESSION;
    /// SSL_SESSION_set_time: sessions are not edited by hand: 0.
    refuse(0) fn SSL_SESSION_set_time(_s: *mut SSL_SESSION, _t: c_long) -> c_long;
    /// SSL_SESSION_set1_alpn_selected: sessions do not record ALPN: 0.
    refuse(0) fn SSL_SESSION_set1_alpn_selected(_s: *mut SSL_SESSION, _alpn: *const c_uchar,
                                                _len: usize) -> c_int;
    /// SSL_SESSION_set1_hostname: 0.
    refuse(0) fn SSL_SESSION_set1_hostname(_s: *mut SSL_SESSION, _h: *const c_char) -> c_int;
    /// SSL_CTX_use_cert_and_key: use SSL_CTX_use_certificate and SSL_CTX_use_PrivateKey: 0.
    refuse(0) fn SSL_CTX_use_cert_and_key(_ctx: *mut SSL_CTX, _x: *mut X509, _k: *mut EVP_PKEY,
                                          _chain: *mut OPENSSL_STACK, _ovr: c_int) -> c_int;
    /// SSL_use_cert_and_key: 0.
    refuse(0) fn SSL_use_cert_and_key(_s: *mut SSL, _x: *mut X509, _k: *mut EVP_PKEY,
                                      _chain: *mut OPENSSL_STACK, _ovr: c_int) -> c_int;
    /// SSL_add_dir_cert_subjects_to_stack: 0.
    refuse(0) fn SSL_add_dir_cert_subjects_to_stack(_sk: *mut OPENSSL_STACK,
                                                    _dir: *const c_char) -> c_int;
    /// SSL_add_store_cert_subjects_to_stack: OSSL_STORE URIs are not supported: 0.
    refuse(0) fn SSL_add_store_cert_subjects_to_stack(_sk: *mut OPENSSL_STACK,
                                                      _uri: *const c_char) -> c_int;
}
