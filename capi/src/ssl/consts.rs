//! libssl constant values used by the SSL layer (OpenSSL 3.0's numbers: `ssl.h`, `tls1.h`,
//! `dtls1.h`, `prov_ssl.h`). The headers in `include/openssl/` carry the same values.
#![allow(non_upper_case_globals)]
#![allow(missing_docs)]
use std::ffi::{c_int, c_long};

/// Largest MTU the engine accepts (UDP payload limit).
pub const MAX_ENGINE_MTU: usize = 65507;

// Versions (prov_ssl.h, tls1.h, dtls1.h).
pub const SSL3_VERSION: c_int = 0x0300;
pub const TLS1_VERSION: c_int = 0x0301;
pub const TLS1_1_VERSION: c_int = 0x0302;
pub const TLS1_2_VERSION: c_int = 0x0303;
pub const TLS1_3_VERSION: c_int = 0x0304;
pub const DTLS1_VERSION: c_int = 0xFEFF;
pub const DTLS1_2_VERSION: c_int = 0xFEFD;
/// DTLS 1.3 (RFC 9147 §5.3; OpenSSL 3.0's headers lack it, 3.5+ define it so).
pub const DTLS1_3_VERSION: c_int = 0xFEFC;
pub const DTLS1_BAD_VER: c_int = 0x0100;
pub const TLS_ANY_VERSION: c_int = 0x10000;
pub const DTLS_ANY_VERSION: c_int = 0x1FFFF;

/// The ACK record's content type (RFC 9147 §7; BoringSSL's name), as the message callback
/// reports ACKs.
pub const SSL3_RT_ACK: c_int = 26;

// SSL_key_update types (ssl.h).
pub const SSL_KEY_UPDATE_NONE: c_int = -1;
pub const SSL_KEY_UPDATE_NOT_REQUESTED: c_int = 0;
pub const SSL_KEY_UPDATE_REQUESTED: c_int = 1;

// SSL_get_error results.
pub const SSL_ERROR_NONE: c_int = 0;
pub const SSL_ERROR_SSL: c_int = 1;
pub const SSL_ERROR_WANT_READ: c_int = 2;
pub const SSL_ERROR_WANT_WRITE: c_int = 3;
pub const SSL_ERROR_WANT_X509_LOOKUP: c_int = 4;
pub const SSL_ERROR_SYSCALL: c_int = 5;
pub const SSL_ERROR_ZERO_RETURN: c_int = 6;
pub const SSL_ERROR_WANT_CONNECT: c_int = 7;
pub const SSL_ERROR_WANT_ACCEPT: c_int = 8;
pub const SSL_ERROR_WANT_CLIENT_HELLO_CB: c_int = 11;

// SSL_want results.
pub const SSL_NOTHING: c_int = 1;
pub const SSL_WRITING: c_int = 2;
pub const SSL_READING: c_int = 3;
pub const SSL_CLIENT_HELLO_CB: c_int = 7;
/// `SSL_X509_LOOKUP` (`SSL_want`): the certificate callback asked to be called again.
pub const SSL_X509_LOOKUP: c_int = 4;

// Shutdown flags.
pub const SSL_SENT_SHUTDOWN: c_int = 1;
pub const SSL_RECEIVED_SHUTDOWN: c_int = 2;

// Verify modes.
pub const SSL_VERIFY_NONE: c_int = 0x00;
pub const SSL_VERIFY_PEER: c_int = 0x01;
pub const SSL_VERIFY_FAIL_IF_NO_PEER_CERT: c_int = 0x02;
pub const SSL_VERIFY_CLIENT_ONCE: c_int = 0x04;
pub const SSL_VERIFY_POST_HANDSHAKE: c_int = 0x08;

// File types.
pub const SSL_FILETYPE_PEM: c_int = 1;
pub const SSL_FILETYPE_ASN1: c_int = 2;

// Info callback `where` bits.
pub const SSL_ST_CONNECT: c_int = 0x1000;
pub const SSL_ST_ACCEPT: c_int = 0x2000;
pub const SSL_CB_LOOP: c_int = 0x01;
pub const SSL_CB_EXIT: c_int = 0x02;
pub const SSL_CB_READ: c_int = 0x04;
pub const SSL_CB_WRITE: c_int = 0x08;
pub const SSL_CB_ALERT: c_int = 0x4000;
pub const SSL_CB_READ_ALERT: c_int = SSL_CB_ALERT | SSL_CB_READ;
pub const SSL_CB_WRITE_ALERT: c_int = SSL_CB_ALERT | SSL_CB_WRITE;
pub const SSL_CB_HANDSHAKE_START: c_int = 0x10;
pub const SSL_CB_HANDSHAKE_DONE: c_int = 0x20;
pub const SSL_CB_CONNECT_LOOP: c_int = SSL_ST_CONNECT | SSL_CB_LOOP;
pub const SSL_CB_CONNECT_EXIT: c_int = SSL_ST_CONNECT | SSL_CB_EXIT;
pub const SSL_CB_ACCEPT_LOOP: c_int = SSL_ST_ACCEPT | SSL_CB_LOOP;
pub const SSL_CB_ACCEPT_EXIT: c_int = SSL_ST_ACCEPT | SSL_CB_EXIT;

// Record content types for the message callback.
pub const SSL3_RT_CHANGE_CIPHER_SPEC: c_int = 20;
pub const SSL3_RT_ALERT: c_int = 21;
pub const SSL3_RT_HANDSHAKE: c_int = 22;
pub const SSL3_RT_APPLICATION_DATA: c_int = 23;
/// `SSL3_RT_HEADER`: the msg callback's content type for a record header.
pub const SSL3_RT_HEADER: c_int = 0x100;

// Alert levels.
pub const SSL3_AL_WARNING: c_int = 1;
pub const SSL3_AL_FATAL: c_int = 2;
/// `SSL_AD_REASON_OFFSET`: `SSL_R_*` value of a received alert = offset + description.
pub const SSL_AD_REASON_OFFSET: c_int = 1000;

// Options (uint64_t in 3.0).
pub const SSL_OP_NO_EXTENDED_MASTER_SECRET: u64 = 1 << 0;
pub const SSL_OP_NO_QUERY_MTU: u64 = 1 << 12;
pub const SSL_OP_COOKIE_EXCHANGE: u64 = 1 << 13;
pub const SSL_OP_NO_TICKET: u64 = 1 << 14;
/// No encrypt_then_mac (RFC 7366): rdtls then neither offers nor selects CBC suites.
pub const SSL_OP_NO_ENCRYPT_THEN_MAC: u64 = 1 << 19;
pub const SSL_OP_CIPHER_SERVER_PREFERENCE: u64 = 1 << 22;
pub const SSL_OP_NO_DTLSv1: u64 = 1 << 26;
pub const SSL_OP_NO_DTLSv1_2: u64 = 1 << 27;
pub const SSL_OP_NO_RENEGOTIATION: u64 = 1 << 30;

// Modes.
pub const SSL_MODE_ENABLE_PARTIAL_WRITE: c_long = 0x1;
pub const SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER: c_long = 0x2;
pub const SSL_MODE_AUTO_RETRY: c_long = 0x4;

// Session cache modes.
pub const SSL_SESS_CACHE_OFF: c_long = 0x0;
pub const SSL_SESS_CACHE_CLIENT: c_long = 0x1;
pub const SSL_SESS_CACHE_SERVER: c_long = 0x2;
pub const SSL_SESS_CACHE_NO_AUTO_CLEAR: c_long = 0x80;
pub const SSL_SESS_CACHE_NO_INTERNAL_LOOKUP: c_long = 0x100;
pub const SSL_SESS_CACHE_NO_INTERNAL_STORE: c_long = 0x200;
pub const SSL_SESSION_CACHE_MAX_SIZE_DEFAULT: c_long = 1024 * 20;
pub const SSL_MAX_SID_CTX_LENGTH: usize = 32;
pub const SSL_MAX_SSL_SESSION_ID_LENGTH: usize = 32;
pub const SSL_MAX_MASTER_KEY_LENGTH: usize = 48;
pub const SSL_MAX_CERT_LIST_DEFAULT: c_long = 1024 * 100;

// SNI.
pub const TLSEXT_NAMETYPE_HOST_NAME: c_int = 0;
pub const TLSEXT_MAXLEN_HOST_NAME: usize = 255;

// DTLS sizes (dtls1.h).
pub const DTLS1_COOKIE_LENGTH: usize = 255;
pub const DTLS1_RT_HEADER_LENGTH: usize = 13;
pub const DTLS1_HM_HEADER_LENGTH: usize = 12;
/// OpenSSL's smallest link MTU (`DTLS_get_link_min_mtu`).
pub const DTLS1_LINK_MIN_MTU: c_long = 256;

// SSL_ctrl / SSL_CTX_ctrl commands (ssl.h, tls1.h).
pub const SSL_CTRL_SET_TMP_DH: c_int = 3;
pub const SSL_CTRL_SET_TMP_ECDH: c_int = 4;
pub const SSL_CTRL_SET_TMP_DH_CB: c_int = 6;
pub const SSL_CTRL_GET_CLIENT_CERT_REQUEST: c_int = 9;
pub const SSL_CTRL_GET_NUM_RENEGOTIATIONS: c_int = 10;
pub const SSL_CTRL_CLEAR_NUM_RENEGOTIATIONS: c_int = 11;
pub const SSL_CTRL_GET_TOTAL_RENEGOTIATIONS: c_int = 12;
pub const SSL_CTRL_GET_FLAGS: c_int = 13;
pub const SSL_CTRL_EXTRA_CHAIN_CERT: c_int = 14;
pub const SSL_CTRL_SET_MSG_CALLBACK: c_int = 15;
pub const SSL_CTRL_SET_MSG_CALLBACK_ARG: c_int = 16;
pub const SSL_CTRL_SET_MTU: c_int = 17;
pub const SSL_CTRL_SESS_NUMBER: c_int = 20;
pub const SSL_CTRL_SESS_CONNECT: c_int = 21;
pub const SSL_CTRL_SESS_CONNECT_GOOD: c_int = 22;
pub const SSL_CTRL_SESS_CONNECT_RENEGOTIATE: c_int = 23;
pub const SSL_CTRL_SESS_ACCEPT: c_int = 24;
pub const SSL_CTRL_SESS_ACCEPT_GOOD: c_int = 25;
pub const SSL_CTRL_SESS_ACCEPT_RENEGOTIATE: c_int = 26;
pub const SSL_CTRL_SESS_HIT: c_int = 27;
pub const SSL_CTRL_SESS_CB_HIT: c_int = 28;
pub const SSL_CTRL_SESS_MISSES: c_int = 29;
pub const SSL_CTRL_SESS_TIMEOUTS: c_int = 30;
pub const SSL_CTRL_SESS_CACHE_FULL: c_int = 31;
pub const SSL_CTRL_MODE: c_int = 33;
pub const SSL_CTRL_GET_READ_AHEAD: c_int = 40;
pub const SSL_CTRL_SET_READ_AHEAD: c_int = 41;
pub const SSL_CTRL_SET_SESS_CACHE_SIZE: c_int = 42;
pub const SSL_CTRL_GET_SESS_CACHE_SIZE: c_int = 43;
pub const SSL_CTRL_SET_SESS_CACHE_MODE: c_int = 44;
pub const SSL_CTRL_GET_SESS_CACHE_MODE: c_int = 45;
pub const SSL_CTRL_GET_MAX_CERT_LIST: c_int = 50;
pub const SSL_CTRL_SET_MAX_CERT_LIST: c_int = 51;
pub const SSL_CTRL_SET_MAX_SEND_FRAGMENT: c_int = 52;
pub const SSL_CTRL_SET_TLSEXT_SERVERNAME_CB: c_int = 53;
pub const SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG: c_int = 54;
pub const SSL_CTRL_SET_TLSEXT_HOSTNAME: c_int = 55;
pub const SSL_CTRL_SET_TLSEXT_DEBUG_CB: c_int = 56;
pub const SSL_CTRL_SET_TLSEXT_DEBUG_ARG: c_int = 57;
pub const SSL_CTRL_GET_TLSEXT_TICKET_KEYS: c_int = 58;
pub const SSL_CTRL_SET_TLSEXT_TICKET_KEYS: c_int = 59;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB: c_int = 63;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG: c_int = 64;
pub const SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE: c_int = 65;
pub const SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB: c_int = 72;
pub const DTLS_CTRL_GET_TIMEOUT: c_int = 73;
pub const DTLS_CTRL_HANDLE_TIMEOUT: c_int = 74;
pub const SSL_CTRL_GET_RI_SUPPORT: c_int = 76;
pub const SSL_CTRL_CLEAR_MODE: c_int = 78;
pub const SSL_CTRL_GET_EXTRA_CHAIN_CERTS: c_int = 82;
pub const SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS: c_int = 83;
pub const SSL_CTRL_CHAIN: c_int = 88;
pub const SSL_CTRL_CHAIN_CERT: c_int = 89;
pub const SSL_CTRL_GET_GROUPS: c_int = 90;
pub const SSL_CTRL_SET_GROUPS: c_int = 91;
pub const SSL_CTRL_SET_GROUPS_LIST: c_int = 92;
pub const SSL_CTRL_GET_SHARED_GROUP: c_int = 93;
pub const SSL_CTRL_SET_SIGALGS: c_int = 97;
pub const SSL_CTRL_SET_SIGALGS_LIST: c_int = 98;
pub const SSL_CTRL_CERT_FLAGS: c_int = 99;
pub const SSL_CTRL_CLEAR_CERT_FLAGS: c_int = 100;
pub const SSL_CTRL_SET_CLIENT_SIGALGS: c_int = 101;
pub const SSL_CTRL_SET_CLIENT_SIGALGS_LIST: c_int = 102;
pub const SSL_CTRL_BUILD_CERT_CHAIN: c_int = 105;
pub const SSL_CTRL_GET_PEER_SIGNATURE_NID: c_int = 108;
pub const SSL_CTRL_GET_PEER_TMP_KEY: c_int = 109;
pub const SSL_CTRL_GET_EC_POINT_FORMATS: c_int = 111;
pub const SSL_CTRL_GET_CHAIN_CERTS: c_int = 115;
pub const SSL_CTRL_SET_DH_AUTO: c_int = 118;
pub const DTLS_CTRL_SET_LINK_MTU: c_int = 120;
pub const DTLS_CTRL_GET_LINK_MIN_MTU: c_int = 121;
pub const SSL_CTRL_GET_EXTMS_SUPPORT: c_int = 122;
pub const SSL_CTRL_SET_MIN_PROTO_VERSION: c_int = 123;
pub const SSL_CTRL_SET_MAX_PROTO_VERSION: c_int = 124;
pub const SSL_CTRL_SET_SPLIT_SEND_FRAGMENT: c_int = 125;
pub const SSL_CTRL_SET_MAX_PIPELINES: c_int = 126;
pub const SSL_CTRL_GET_MIN_PROTO_VERSION: c_int = 130;
pub const SSL_CTRL_GET_MAX_PROTO_VERSION: c_int = 131;
pub const SSL_CTRL_GET_SIGNATURE_NID: c_int = 132;
pub const SSL_CTRL_GET_TMP_KEY: c_int = 133;
pub const SSL_CTRL_GET_NEGOTIATED_GROUP: c_int = 134;

// NIDs the group / signature controls report (obj_mac.h).
pub const NID_X9_62_PRIME256V1: c_int = 415;
pub const NID_SECP384R1: c_int = 715;
pub const NID_X25519: c_int = 1034;
pub const NID_SHA256: c_int = 672;
pub const NID_SHA384: c_int = 673;
pub const NID_SHA512: c_int = 674;
pub const NID_RSA_ENCRYPTION: c_int = 6;
pub const NID_RSASSA_PSS: c_int = 912;
pub const NID_X9_62_ID_EC_PUBLIC_KEY: c_int = 408;
pub const NID_ED25519: c_int = 1087;
