/*
 * rdtls: <openssl/ssl.h> -- the libssl API as implemented by rdtls (DTLS 1.2).
 *
 * Names, prototypes and constant values are those of OpenSSL 3.0, so a program compiles
 * unchanged against either library and a binary built with either set of headers runs on
 * either. Only what rdtls implements is declared. Many "functions" are macros over
 * SSL_ctrl() / SSL_CTX_ctrl() with numeric commands, exactly as in OpenSSL 3.0.
 */
#ifndef OPENSSL_SSL_H
#define OPENSSL_SSL_H
#define HEADER_SSL_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/e_os2.h>
#include <openssl/opensslconf.h>
#include <openssl/macros.h>
#include <openssl/types.h>
#include <openssl/safestack.h>
#include <openssl/symhacks.h>
#include <openssl/crypto.h>
#include <openssl/buffer.h>
#include <openssl/lhash.h>
#include <openssl/comp.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/pem.h>
#include <openssl/hmac.h>
#include <openssl/async.h>
#include <openssl/ct.h>
#include <openssl/sslerr.h>
#include <openssl/prov_ssl.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Sizes ---------------------------------------------------------------------------- */

#define SSL_SESSION_ASN1_VERSION 0x0001
#define SSL_MAX_SSL_SESSION_ID_LENGTH 32
#define SSL_MAX_SID_CTX_LENGTH 32
#define SSL_MIN_RSA_MODULUS_LENGTH_IN_BYTES (512 / 8)
#define SSL_MAX_KEY_ARG_LENGTH 8
#define SSL_MAX_PIPELINES 32
#define SSL_MAX_CERT_LIST_DEFAULT (1024 * 100)
#define SSL_SESSION_CACHE_MAX_SIZE_DEFAULT (1024 * 20)
#define SSL_COOKIE_LENGTH 4096

/* ---- Cipher-string words (SSL_CTX_set_cipher_list) ------------------------------------ */

#define SSL_TXT_LOW "LOW"
#define SSL_TXT_MEDIUM "MEDIUM"
#define SSL_TXT_HIGH "HIGH"
#define SSL_TXT_FIPS "FIPS"
#define SSL_TXT_aNULL "aNULL"
#define SSL_TXT_eNULL "eNULL"
#define SSL_TXT_NULL "NULL"
#define SSL_TXT_kRSA "kRSA"
#define SSL_TXT_kEDH "kEDH"
#define SSL_TXT_kDHE "kDHE"
#define SSL_TXT_kEECDH "kEECDH"
#define SSL_TXT_kECDHE "kECDHE"
#define SSL_TXT_kPSK "kPSK"
#define SSL_TXT_aRSA "aRSA"
#define SSL_TXT_aDSS "aDSS"
#define SSL_TXT_aECDSA "aECDSA"
#define SSL_TXT_aPSK "aPSK"
#define SSL_TXT_DSS "DSS"
#define SSL_TXT_DH "DH"
#define SSL_TXT_DHE "DHE"
#define SSL_TXT_EDH "EDH"
#define SSL_TXT_ADH "ADH"
#define SSL_TXT_RSA "RSA"
#define SSL_TXT_ECDH "ECDH"
#define SSL_TXT_EECDH "EECDH"
#define SSL_TXT_ECDHE "ECDHE"
#define SSL_TXT_AECDH "AECDH"
#define SSL_TXT_ECDSA "ECDSA"
#define SSL_TXT_PSK "PSK"
#define SSL_TXT_SRP "SRP"
#define SSL_TXT_DES "DES"
#define SSL_TXT_3DES "3DES"
#define SSL_TXT_RC4 "RC4"
#define SSL_TXT_AES128 "AES128"
#define SSL_TXT_AES256 "AES256"
#define SSL_TXT_AES "AES"
#define SSL_TXT_AES_GCM "AESGCM"
#define SSL_TXT_AES_CCM "AESCCM"
#define SSL_TXT_CHACHA20 "CHACHA20"
#define SSL_TXT_CBC "CBC"
#define SSL_TXT_MD5 "MD5"
#define SSL_TXT_SHA1 "SHA1"
#define SSL_TXT_SHA "SHA"
#define SSL_TXT_SHA256 "SHA256"
#define SSL_TXT_SHA384 "SHA384"
#define SSL_TXT_SSLV3 "SSLv3"
#define SSL_TXT_TLSV1 "TLSv1"
#define SSL_TXT_TLSV1_1 "TLSv1.1"
#define SSL_TXT_TLSV1_2 "TLSv1.2"
#define SSL_TXT_ALL "ALL"
#define SSL_TXT_CMPALL "COMPLEMENTOFALL"
#define SSL_TXT_CMPDEF "COMPLEMENTOFDEFAULT"
#define SSL_DEFAULT_CIPHER_LIST "ALL:!COMPLEMENTOFDEFAULT:!eNULL"
#define TLS_DEFAULT_CIPHERSUITES \
    "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"

/* ---- Shutdown flags, file types ------------------------------------------------------- */

#define SSL_SENT_SHUTDOWN 1
#define SSL_RECEIVED_SHUTDOWN 2

#define SSL_FILETYPE_ASN1 X509_FILETYPE_ASN1
#define SSL_FILETYPE_PEM X509_FILETYPE_PEM

/* ---- Types ---------------------------------------------------------------------------- */

typedef struct ssl_method_st SSL_METHOD;
typedef struct ssl_cipher_st SSL_CIPHER;
typedef struct ssl_session_st SSL_SESSION;
typedef struct tls_sigalgs_st TLS_SIGALGS;
typedef struct ssl_conf_ctx_st SSL_CONF_CTX;
typedef struct ssl_comp_st SSL_COMP;

/* An SRTP protection profile (RFC 5764). */
typedef struct srtp_protection_profile_st {
    const char *name;
    unsigned long id;
} SRTP_PROTECTION_PROFILE;

DEFINE_STACK_OF(SRTP_PROTECTION_PROFILE)
DEFINE_STACK_OF_CONST(SSL_CIPHER)

typedef int (*SSL_verify_cb)(int preverify_ok, X509_STORE_CTX *x509_ctx);
typedef void (*SSL_CTX_keylog_cb_func)(const SSL *ssl, const char *line);
typedef unsigned int (*DTLS_timer_cb)(SSL *s, unsigned int timer_us);

/* ---- Options (uint64_t in OpenSSL 3.0) ------------------------------------------------ */

#define SSL_OP_BIT(n) ((uint64_t)1 << (uint64_t)n)

#define SSL_OP_NO_EXTENDED_MASTER_SECRET SSL_OP_BIT(0)
#define SSL_OP_CLEANSE_PLAINTEXT SSL_OP_BIT(1)
#define SSL_OP_LEGACY_SERVER_CONNECT SSL_OP_BIT(2)
#define SSL_OP_ENABLE_KTLS SSL_OP_BIT(3)
#define SSL_OP_TLSEXT_PADDING SSL_OP_BIT(4)
#define SSL_OP_SAFARI_ECDHE_ECDSA_BUG SSL_OP_BIT(6)
#define SSL_OP_IGNORE_UNEXPECTED_EOF SSL_OP_BIT(7)
#define SSL_OP_ALLOW_CLIENT_RENEGOTIATION SSL_OP_BIT(8)
#define SSL_OP_DISABLE_TLSEXT_CA_NAMES SSL_OP_BIT(9)
#define SSL_OP_ALLOW_NO_DHE_KEX SSL_OP_BIT(10)
#define SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS SSL_OP_BIT(11)
/* DTLS: do not ask the socket for the path MTU (use SSL_set_mtu / DTLS_set_link_mtu). */
#define SSL_OP_NO_QUERY_MTU SSL_OP_BIT(12)
/* DTLS server: demand a cookie (HelloVerifyRequest) before continuing a handshake. */
#define SSL_OP_COOKIE_EXCHANGE SSL_OP_BIT(13)
#define SSL_OP_NO_TICKET SSL_OP_BIT(14)
#define SSL_OP_CISCO_ANYCONNECT SSL_OP_BIT(15)
#define SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION SSL_OP_BIT(16)
#define SSL_OP_NO_COMPRESSION SSL_OP_BIT(17)
#define SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION SSL_OP_BIT(18)
#define SSL_OP_NO_ENCRYPT_THEN_MAC SSL_OP_BIT(19)
#define SSL_OP_ENABLE_MIDDLEBOX_COMPAT SSL_OP_BIT(20)
#define SSL_OP_PRIORITIZE_CHACHA SSL_OP_BIT(21)
#define SSL_OP_CIPHER_SERVER_PREFERENCE SSL_OP_BIT(22)
#define SSL_OP_TLS_ROLLBACK_BUG SSL_OP_BIT(23)
#define SSL_OP_NO_ANTI_REPLAY SSL_OP_BIT(24)
#define SSL_OP_NO_SSLv3 SSL_OP_BIT(25)
#define SSL_OP_NO_TLSv1 SSL_OP_BIT(26)
#define SSL_OP_NO_TLSv1_2 SSL_OP_BIT(27)
#define SSL_OP_NO_TLSv1_1 SSL_OP_BIT(28)
#define SSL_OP_NO_TLSv1_3 SSL_OP_BIT(29)
#define SSL_OP_NO_DTLSv1 SSL_OP_BIT(26)
#define SSL_OP_NO_DTLSv1_2 SSL_OP_BIT(27)
#define SSL_OP_NO_RENEGOTIATION SSL_OP_BIT(30)
#define SSL_OP_CRYPTOPRO_TLSEXT_BUG SSL_OP_BIT(31)
#define SSL_OP_NO_SSL_MASK \
    (SSL_OP_NO_SSLv3 | SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_NO_TLSv1_2 | SSL_OP_NO_TLSv1_3)
#define SSL_OP_NO_DTLS_MASK (SSL_OP_NO_DTLSv1 | SSL_OP_NO_DTLSv1_2)
#define SSL_OP_ALL                                                    \
    (SSL_OP_CRYPTOPRO_TLSEXT_BUG | SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS \
        | SSL_OP_TLSEXT_PADDING | SSL_OP_SAFARI_ECDHE_ECDSA_BUG)
/* Options that no longer do anything (kept so old code compiles). */
#define SSL_OP_MICROSOFT_SESS_ID_BUG 0x0
#define SSL_OP_NETSCAPE_CHALLENGE_BUG 0x0
#define SSL_OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG 0x0
#define SSL_OP_SSLREF2_REUSE_CERT_TYPE_BUG 0x0
#define SSL_OP_MICROSOFT_BIG_SSLV3_BUFFER 0x0
#define SSL_OP_MSIE_SSLV2_RSA_PADDING 0x0
#define SSL_OP_SSLEAY_080_CLIENT_DH_BUG 0x0
#define SSL_OP_TLS_D5_BUG 0x0
#define SSL_OP_TLS_BLOCK_PADDING_BUG 0x0
#define SSL_OP_SINGLE_ECDH_USE 0x0
#define SSL_OP_SINGLE_DH_USE 0x0
#define SSL_OP_EPHEMERAL_RSA 0x0
#define SSL_OP_NO_SSLv2 0x0
#define SSL_OP_PKCS1_CHECK_1 0x0
#define SSL_OP_PKCS1_CHECK_2 0x0
#define SSL_OP_NETSCAPE_CA_DN_BUG 0x0
#define SSL_OP_NETSCAPE_DEMO_CIPHER_CHANGE_BUG 0x0

/* ---- Modes ---------------------------------------------------------------------------- */

#define SSL_MODE_ENABLE_PARTIAL_WRITE 0x00000001U
#define SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER 0x00000002U
#define SSL_MODE_AUTO_RETRY 0x00000004U
#define SSL_MODE_NO_AUTO_CHAIN 0x00000008U
#define SSL_MODE_RELEASE_BUFFERS 0x00000010U
#define SSL_MODE_SEND_CLIENTHELLO_TIME 0x00000020U
#define SSL_MODE_SEND_SERVERHELLO_TIME 0x00000040U
#define SSL_MODE_SEND_FALLBACK_SCSV 0x00000080U
#define SSL_MODE_ASYNC 0x00000100U
#define SSL_MODE_DTLS_SCTP_LABEL_LENGTH_BUG 0x00000400U

#define SSL_CERT_FLAG_TLS_STRICT 0x00000001U
#define SSL_CERT_FLAG_SUITEB_128_LOS_ONLY 0x10000
#define SSL_CERT_FLAG_SUITEB_192_LOS 0x20000
#define SSL_CERT_FLAG_SUITEB_128_LOS 0x30000
#define SSL_CERT_FLAG_BROKEN_PROTOCOL 0x10000000

#define SSL_BUILD_CHAIN_FLAG_UNTRUSTED 0x1
#define SSL_BUILD_CHAIN_FLAG_NO_ROOT 0x2
#define SSL_BUILD_CHAIN_FLAG_CHECK 0x4
#define SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR 0x8
#define SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR 0x10

/* ---- Session cache modes -------------------------------------------------------------- */

#define SSL_SESS_CACHE_OFF 0x0000
#define SSL_SESS_CACHE_CLIENT 0x0001
#define SSL_SESS_CACHE_SERVER 0x0002
#define SSL_SESS_CACHE_BOTH (SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_SERVER)
#define SSL_SESS_CACHE_NO_AUTO_CLEAR 0x0080
#define SSL_SESS_CACHE_NO_INTERNAL_LOOKUP 0x0100
#define SSL_SESS_CACHE_NO_INTERNAL_STORE 0x0200
#define SSL_SESS_CACHE_NO_INTERNAL \
    (SSL_SESS_CACHE_NO_INTERNAL_LOOKUP | SSL_SESS_CACHE_NO_INTERNAL_STORE)
#define SSL_SESS_CACHE_UPDATE_TIME 0x0400

/* ---- SSL_want / SSL_get_error ---------------------------------------------------------- */

#define SSL_NOTHING 1
#define SSL_WRITING 2
#define SSL_READING 3
#define SSL_X509_LOOKUP 4
#define SSL_ASYNC_PAUSED 5
#define SSL_ASYNC_NO_JOBS 6
#define SSL_CLIENT_HELLO_CB 7
#define SSL_RETRY_VERIFY 8

#define SSL_want_nothing(s) (SSL_want(s) == SSL_NOTHING)
#define SSL_want_read(s) (SSL_want(s) == SSL_READING)
#define SSL_want_write(s) (SSL_want(s) == SSL_WRITING)
#define SSL_want_x509_lookup(s) (SSL_want(s) == SSL_X509_LOOKUP)
#define SSL_want_retry_verify(s) (SSL_want(s) == SSL_RETRY_VERIFY)
#define SSL_want_async(s) (SSL_want(s) == SSL_ASYNC_PAUSED)
#define SSL_want_async_job(s) (SSL_want(s) == SSL_ASYNC_NO_JOBS)
#define SSL_want_client_hello_cb(s) (SSL_want(s) == SSL_CLIENT_HELLO_CB)

#define SSL_ERROR_NONE 0
#define SSL_ERROR_SSL 1
#define SSL_ERROR_WANT_READ 2
#define SSL_ERROR_WANT_WRITE 3
#define SSL_ERROR_WANT_X509_LOOKUP 4
#define SSL_ERROR_SYSCALL 5
#define SSL_ERROR_ZERO_RETURN 6
#define SSL_ERROR_WANT_CONNECT 7
#define SSL_ERROR_WANT_ACCEPT 8
#define SSL_ERROR_WANT_ASYNC 9
#define SSL_ERROR_WANT_ASYNC_JOB 10
#define SSL_ERROR_WANT_CLIENT_HELLO_CB 11
#define SSL_ERROR_WANT_RETRY_VERIFY 12

/* ---- Info callback ("where") ----------------------------------------------------------- */

#define SSL_ST_CONNECT 0x1000
#define SSL_ST_ACCEPT 0x2000
#define SSL_ST_MASK 0x0FFF
#define SSL_CB_LOOP 0x01
#define SSL_CB_EXIT 0x02
#define SSL_CB_READ 0x04
#define SSL_CB_WRITE 0x08
#define SSL_CB_ALERT 0x4000
#define SSL_CB_READ_ALERT (SSL_CB_ALERT | SSL_CB_READ)
#define SSL_CB_WRITE_ALERT (SSL_CB_ALERT | SSL_CB_WRITE)
#define SSL_CB_ACCEPT_LOOP (SSL_ST_ACCEPT | SSL_CB_LOOP)
#define SSL_CB_ACCEPT_EXIT (SSL_ST_ACCEPT | SSL_CB_EXIT)
#define SSL_CB_CONNECT_LOOP (SSL_ST_CONNECT | SSL_CB_LOOP)
#define SSL_CB_CONNECT_EXIT (SSL_ST_CONNECT | SSL_CB_EXIT)
#define SSL_CB_HANDSHAKE_START 0x10
#define SSL_CB_HANDSHAKE_DONE 0x20

#define SSL_in_connect_init(a) (SSL_in_init(a) && !SSL_is_server(a))
#define SSL_in_accept_init(a) (SSL_in_init(a) && SSL_is_server(a))

/* ---- Verify modes ---------------------------------------------------------------------- */

#define SSL_VERIFY_NONE 0x00
#define SSL_VERIFY_PEER 0x01
#define SSL_VERIFY_FAIL_IF_NO_PEER_CERT 0x02
#define SSL_VERIFY_CLIENT_ONCE 0x04
#define SSL_VERIFY_POST_HANDSHAKE 0x08

/* ---- Alerts (the SSL3_AD_* / TLS1_AD_* values live in ssl3.h and tls1.h) --------------- */

#define SSL_AD_REASON_OFFSET 1000
#define SSL_AD_CLOSE_NOTIFY SSL3_AD_CLOSE_NOTIFY
#define SSL_AD_UNEXPECTED_MESSAGE SSL3_AD_UNEXPECTED_MESSAGE
#define SSL_AD_BAD_RECORD_MAC SSL3_AD_BAD_RECORD_MAC
#define SSL_AD_DECRYPTION_FAILED TLS1_AD_DECRYPTION_FAILED
#define SSL_AD_RECORD_OVERFLOW TLS1_AD_RECORD_OVERFLOW
#define SSL_AD_DECOMPRESSION_FAILURE SSL3_AD_DECOMPRESSION_FAILURE
#define SSL_AD_HANDSHAKE_FAILURE SSL3_AD_HANDSHAKE_FAILURE
#define SSL_AD_NO_CERTIFICATE SSL3_AD_NO_CERTIFICATE
#define SSL_AD_BAD_CERTIFICATE SSL3_AD_BAD_CERTIFICATE
#define SSL_AD_UNSUPPORTED_CERTIFICATE SSL3_AD_UNSUPPORTED_CERTIFICATE
#define SSL_AD_CERTIFICATE_REVOKED SSL3_AD_CERTIFICATE_REVOKED
#define SSL_AD_CERTIFICATE_EXPIRED SSL3_AD_CERTIFICATE_EXPIRED
#define SSL_AD_CERTIFICATE_UNKNOWN SSL3_AD_CERTIFICATE_UNKNOWN
#define SSL_AD_ILLEGAL_PARAMETER SSL3_AD_ILLEGAL_PARAMETER
#define SSL_AD_UNKNOWN_CA TLS1_AD_UNKNOWN_CA
#define SSL_AD_ACCESS_DENIED TLS1_AD_ACCESS_DENIED
#define SSL_AD_DECODE_ERROR TLS1_AD_DECODE_ERROR
#define SSL_AD_DECRYPT_ERROR TLS1_AD_DECRYPT_ERROR
#define SSL_AD_EXPORT_RESTRICTION TLS1_AD_EXPORT_RESTRICTION
#define SSL_AD_PROTOCOL_VERSION TLS1_AD_PROTOCOL_VERSION
#define SSL_AD_INSUFFICIENT_SECURITY TLS1_AD_INSUFFICIENT_SECURITY
#define SSL_AD_INTERNAL_ERROR TLS1_AD_INTERNAL_ERROR
#define SSL_AD_USER_CANCELLED TLS1_AD_USER_CANCELLED
#define SSL_AD_NO_RENEGOTIATION TLS1_AD_NO_RENEGOTIATION
#define SSL_AD_MISSING_EXTENSION TLS13_AD_MISSING_EXTENSION
#define SSL_AD_CERTIFICATE_REQUIRED TLS13_AD_CERTIFICATE_REQUIRED
#define SSL_AD_UNSUPPORTED_EXTENSION TLS1_AD_UNSUPPORTED_EXTENSION
#define SSL_AD_CERTIFICATE_UNOBTAINABLE TLS1_AD_CERTIFICATE_UNOBTAINABLE
#define SSL_AD_UNRECOGNIZED_NAME TLS1_AD_UNRECOGNIZED_NAME
#define SSL_AD_BAD_CERTIFICATE_STATUS_RESPONSE TLS1_AD_BAD_CERTIFICATE_STATUS_RESPONSE
#define SSL_AD_BAD_CERTIFICATE_HASH_VALUE TLS1_AD_BAD_CERTIFICATE_HASH_VALUE
#define SSL_AD_UNKNOWN_PSK_IDENTITY TLS1_AD_UNKNOWN_PSK_IDENTITY
#define SSL_AD_INAPPROPRIATE_FALLBACK TLS1_AD_INAPPROPRIATE_FALLBACK
#define SSL_AD_NO_APPLICATION_PROTOCOL TLS1_AD_NO_APPLICATION_PROTOCOL

/* ---- Control commands (SSL_ctrl / SSL_CTX_ctrl) --------------------------------------- */

#define SSL_CTRL_SET_TMP_DH 3
#define SSL_CTRL_SET_TMP_ECDH 4
#define SSL_CTRL_SET_TMP_DH_CB 6
#define SSL_CTRL_GET_CLIENT_CERT_REQUEST 9
#define SSL_CTRL_GET_NUM_RENEGOTIATIONS 10
#define SSL_CTRL_CLEAR_NUM_RENEGOTIATIONS 11
#define SSL_CTRL_GET_TOTAL_RENEGOTIATIONS 12
#define SSL_CTRL_GET_FLAGS 13
#define SSL_CTRL_EXTRA_CHAIN_CERT 14
#define SSL_CTRL_SET_MSG_CALLBACK 15
#define SSL_CTRL_SET_MSG_CALLBACK_ARG 16
#define SSL_CTRL_SET_MTU 17
#define SSL_CTRL_SESS_NUMBER 20
#define SSL_CTRL_SESS_CONNECT 21
#define SSL_CTRL_SESS_CONNECT_GOOD 22
#define SSL_CTRL_SESS_CONNECT_RENEGOTIATE 23
#define SSL_CTRL_SESS_ACCEPT 24
#define SSL_CTRL_SESS_ACCEPT_GOOD 25
#define SSL_CTRL_SESS_ACCEPT_RENEGOTIATE 26
#define SSL_CTRL_SESS_HIT 27
#define SSL_CTRL_SESS_CB_HIT 28
#define SSL_CTRL_SESS_MISSES 29
#define SSL_CTRL_SESS_TIMEOUTS 30
#define SSL_CTRL_SESS_CACHE_FULL 31
#define SSL_CTRL_MODE 33
#define SSL_CTRL_GET_READ_AHEAD 40
#define SSL_CTRL_SET_READ_AHEAD 41
#define SSL_CTRL_SET_SESS_CACHE_SIZE 42
#define SSL_CTRL_GET_SESS_CACHE_SIZE 43
#define SSL_CTRL_SET_SESS_CACHE_MODE 44
#define SSL_CTRL_GET_SESS_CACHE_MODE 45
#define SSL_CTRL_GET_MAX_CERT_LIST 50
#define SSL_CTRL_SET_MAX_CERT_LIST 51
#define SSL_CTRL_SET_MAX_SEND_FRAGMENT 52
#define SSL_CTRL_SET_TLSEXT_SERVERNAME_CB 53
#define SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG 54
#define SSL_CTRL_SET_TLSEXT_HOSTNAME 55
#define SSL_CTRL_SET_TLSEXT_DEBUG_CB 56
#define SSL_CTRL_SET_TLSEXT_DEBUG_ARG 57
#define SSL_CTRL_GET_TLSEXT_TICKET_KEYS 58
#define SSL_CTRL_SET_TLSEXT_TICKET_KEYS 59
#define SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB 63
#define SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG 64
#define SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE 65
#define SSL_CTRL_GET_TLSEXT_STATUS_REQ_EXTS 66
#define SSL_CTRL_SET_TLSEXT_STATUS_REQ_EXTS 67
#define SSL_CTRL_GET_TLSEXT_STATUS_REQ_IDS 68
#define SSL_CTRL_SET_TLSEXT_STATUS_REQ_IDS 69
#define SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP 70
#define SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP 71
#define SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB 72
#define DTLS_CTRL_GET_TIMEOUT 73
#define DTLS_CTRL_HANDLE_TIMEOUT 74
#define SSL_CTRL_GET_RI_SUPPORT 76
#define SSL_CTRL_CLEAR_MODE 78
#define SSL_CTRL_SET_NOT_RESUMABLE_SESS_CB 79
#define SSL_CTRL_GET_EXTRA_CHAIN_CERTS 82
#define SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS 83
#define SSL_CTRL_CHAIN 88
#define SSL_CTRL_CHAIN_CERT 89
#define SSL_CTRL_GET_GROUPS 90
#define SSL_CTRL_SET_GROUPS 91
#define SSL_CTRL_SET_GROUPS_LIST 92
#define SSL_CTRL_GET_SHARED_GROUP 93
#define SSL_CTRL_SET_SIGALGS 97
#define SSL_CTRL_SET_SIGALGS_LIST 98
#define SSL_CTRL_CERT_FLAGS 99
#define SSL_CTRL_CLEAR_CERT_FLAGS 100
#define SSL_CTRL_SET_CLIENT_SIGALGS 101
#define SSL_CTRL_SET_CLIENT_SIGALGS_LIST 102
#define SSL_CTRL_GET_CLIENT_CERT_TYPES 103
#define SSL_CTRL_SET_CLIENT_CERT_TYPES 104
#define SSL_CTRL_BUILD_CERT_CHAIN 105
#define SSL_CTRL_SET_VERIFY_CERT_STORE 106
#define SSL_CTRL_SET_CHAIN_CERT_STORE 107
#define SSL_CTRL_GET_PEER_SIGNATURE_NID 108
#define SSL_CTRL_GET_PEER_TMP_KEY 109
#define SSL_CTRL_GET_RAW_CIPHERLIST 110
#define SSL_CTRL_GET_EC_POINT_FORMATS 111
#define SSL_CTRL_GET_CHAIN_CERTS 115
#define SSL_CTRL_SELECT_CURRENT_CERT 116
#define SSL_CTRL_SET_CURRENT_CERT 117
#define SSL_CTRL_SET_DH_AUTO 118
#define DTLS_CTRL_SET_LINK_MTU 120
#define DTLS_CTRL_GET_LINK_MIN_MTU 121
#define SSL_CTRL_GET_EXTMS_SUPPORT 122
#define SSL_CTRL_SET_MIN_PROTO_VERSION 123
#define SSL_CTRL_SET_MAX_PROTO_VERSION 124
#define SSL_CTRL_SET_SPLIT_SEND_FRAGMENT 125
#define SSL_CTRL_SET_MAX_PIPELINES 126
#define SSL_CTRL_GET_TLSEXT_STATUS_REQ_TYPE 127
#define SSL_CTRL_GET_TLSEXT_STATUS_REQ_CB 128
#define SSL_CTRL_GET_TLSEXT_STATUS_REQ_CB_ARG 129
#define SSL_CTRL_GET_MIN_PROTO_VERSION 130
#define SSL_CTRL_GET_MAX_PROTO_VERSION 131
#define SSL_CTRL_GET_SIGNATURE_NID 132
#define SSL_CTRL_GET_TMP_KEY 133
#define SSL_CTRL_GET_NEGOTIATED_GROUP 134
#define SSL_CTRL_SET_RETRY_VERIFY 136
#define SSL_CTRL_GET_VERIFY_CERT_STORE 137
#define SSL_CTRL_GET_CHAIN_CERT_STORE 138
#define SSL_CERT_SET_FIRST 1
#define SSL_CERT_SET_NEXT 2
#define SSL_CERT_SET_SERVER 3
#define SSL_CTRL_GET_SERVER_TMP_KEY SSL_CTRL_GET_PEER_TMP_KEY
#define SSL_CTRL_GET_CURVES SSL_CTRL_GET_GROUPS
#define SSL_CTRL_SET_CURVES SSL_CTRL_SET_GROUPS
#define SSL_CTRL_SET_CURVES_LIST SSL_CTRL_SET_GROUPS_LIST
#define SSL_CTRL_GET_SHARED_CURVE SSL_CTRL_GET_SHARED_GROUP

/* ---- Control-command wrappers ---------------------------------------------------------- */

#define SSL_CTX_set_mode(ctx, op) SSL_CTX_ctrl((ctx), SSL_CTRL_MODE, (op), NULL)
#define SSL_CTX_clear_mode(ctx, op) SSL_CTX_ctrl((ctx), SSL_CTRL_CLEAR_MODE, (op), NULL)
#define SSL_CTX_get_mode(ctx) SSL_CTX_ctrl((ctx), SSL_CTRL_MODE, 0, NULL)
#define SSL_clear_mode(ssl, op) SSL_ctrl((ssl), SSL_CTRL_CLEAR_MODE, (op), NULL)
#define SSL_set_mode(ssl, op) SSL_ctrl((ssl), SSL_CTRL_MODE, (op), NULL)
#define SSL_get_mode(ssl) SSL_ctrl((ssl), SSL_CTRL_MODE, 0, NULL)
/* DTLS: the MTU for payloads (UDP data, without IP/UDP headers). */
#define SSL_set_mtu(ssl, mtu) SSL_ctrl((ssl), SSL_CTRL_SET_MTU, (mtu), NULL)
/* DTLS: the link MTU, IP/UDP headers included. */
#define DTLS_set_link_mtu(ssl, mtu) SSL_ctrl((ssl), DTLS_CTRL_SET_LINK_MTU, (mtu), NULL)
#define DTLS_get_link_min_mtu(ssl) SSL_ctrl((ssl), DTLS_CTRL_GET_LINK_MIN_MTU, 0, NULL)
#define SSL_get_secure_renegotiation_support(ssl) \
    SSL_ctrl((ssl), SSL_CTRL_GET_RI_SUPPORT, 0, NULL)
#define SSL_CTX_set_cert_flags(ctx, op) SSL_CTX_ctrl((ctx), SSL_CTRL_CERT_FLAGS, (op), NULL)
#define SSL_set_cert_flags(s, op) SSL_ctrl((s), SSL_CTRL_CERT_FLAGS, (op), NULL)
#define SSL_CTX_clear_cert_flags(ctx, op) SSL_CTX_ctrl((ctx), SSL_CTRL_CLEAR_CERT_FLAGS, (op), NULL)
#define SSL_clear_cert_flags(s, op) SSL_ctrl((s), SSL_CTRL_CLEAR_CERT_FLAGS, (op), NULL)
#define SSL_CTX_set_msg_callback_arg(ctx, arg) \
    SSL_CTX_ctrl((ctx), SSL_CTRL_SET_MSG_CALLBACK_ARG, 0, (arg))
#define SSL_set_msg_callback_arg(ssl, arg) SSL_ctrl((ssl), SSL_CTRL_SET_MSG_CALLBACK_ARG, 0, (arg))
#define SSL_get_extms_support(s) SSL_ctrl((s), SSL_CTRL_GET_EXTMS_SUPPORT, 0, NULL)

#define SSL_CTX_sess_number(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_NUMBER, 0, NULL)
#define SSL_CTX_sess_connect(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_CONNECT, 0, NULL)
#define SSL_CTX_sess_connect_good(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_CONNECT_GOOD, 0, NULL)
#define SSL_CTX_sess_connect_renegotiate(ctx) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_CONNECT_RENEGOTIATE, 0, NULL)
#define SSL_CTX_sess_accept(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_ACCEPT, 0, NULL)
#define SSL_CTX_sess_accept_renegotiate(ctx) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_ACCEPT_RENEGOTIATE, 0, NULL)
#define SSL_CTX_sess_accept_good(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_ACCEPT_GOOD, 0, NULL)
#define SSL_CTX_sess_hits(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_HIT, 0, NULL)
#define SSL_CTX_sess_cb_hits(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_CB_HIT, 0, NULL)
#define SSL_CTX_sess_misses(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_MISSES, 0, NULL)
#define SSL_CTX_sess_timeouts(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_TIMEOUTS, 0, NULL)
#define SSL_CTX_sess_cache_full(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_SESS_CACHE_FULL, 0, NULL)

/* DTLS timers for non-blocking programs: time left until the next retransmission, and
 * "the timer expired: retransmit now". */
#define DTLSv1_get_timeout(ssl, arg) SSL_ctrl(ssl, DTLS_CTRL_GET_TIMEOUT, 0, (void *)(arg))
#define DTLSv1_handle_timeout(ssl) SSL_ctrl(ssl, DTLS_CTRL_HANDLE_TIMEOUT, 0, NULL)

#define SSL_num_renegotiations(ssl) SSL_ctrl((ssl), SSL_CTRL_GET_NUM_RENEGOTIATIONS, 0, NULL)
#define SSL_clear_num_renegotiations(ssl) \
    SSL_ctrl((ssl), SSL_CTRL_CLEAR_NUM_RENEGOTIATIONS, 0, NULL)
#define SSL_total_renegotiations(ssl) SSL_ctrl((ssl), SSL_CTRL_GET_TOTAL_RENEGOTIATIONS, 0, NULL)

#define SSL_CTX_set_tmp_dh(ctx, dh) SSL_CTX_ctrl(ctx, SSL_CTRL_SET_TMP_DH, 0, (char *)(dh))
#define SSL_CTX_set_dh_auto(ctx, onoff) SSL_CTX_ctrl(ctx, SSL_CTRL_SET_DH_AUTO, onoff, NULL)
#define SSL_set_dh_auto(s, onoff) SSL_ctrl(s, SSL_CTRL_SET_DH_AUTO, onoff, NULL)
#define SSL_set_tmp_dh(ssl, dh) SSL_ctrl(ssl, SSL_CTRL_SET_TMP_DH, 0, (char *)(dh))
#define SSL_CTX_set_tmp_ecdh(ctx, ecdh) SSL_CTX_ctrl(ctx, SSL_CTRL_SET_TMP_ECDH, 0, (char *)(ecdh))
#define SSL_set_tmp_ecdh(ssl, ecdh) SSL_ctrl(ssl, SSL_CTRL_SET_TMP_ECDH, 0, (char *)(ecdh))
#define SSL_CTX_set_ecdh_auto(dummy, onoff) ((onoff) != 0)
#define SSL_set_ecdh_auto(dummy, onoff) ((onoff) != 0)

#define SSL_CTX_add_extra_chain_cert(ctx, x509) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_EXTRA_CHAIN_CERT, 0, (char *)(x509))
#define SSL_CTX_get_extra_chain_certs(ctx, px509) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_GET_EXTRA_CHAIN_CERTS, 0, px509)
#define SSL_CTX_get_extra_chain_certs_only(ctx, px509) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_GET_EXTRA_CHAIN_CERTS, 1, px509)
#define SSL_CTX_clear_extra_chain_certs(ctx) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS, 0, NULL)
#define SSL_CTX_set0_chain(ctx, sk) SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN, 0, (char *)(sk))
#define SSL_CTX_set1_chain(ctx, sk) SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN, 1, (char *)(sk))
#define SSL_CTX_add0_chain_cert(ctx, x509) SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN_CERT, 0, (char *)(x509))
#define SSL_CTX_add1_chain_cert(ctx, x509) SSL_CTX_ctrl(ctx, SSL_CTRL_CHAIN_CERT, 1, (char *)(x509))
#define SSL_set0_chain(s, sk) SSL_ctrl(s, SSL_CTRL_CHAIN, 0, (char *)(sk))
#define SSL_set1_chain(s, sk) SSL_ctrl(s, SSL_CTRL_CHAIN, 1, (char *)(sk))
#define SSL_add0_chain_cert(s, x509) SSL_ctrl(s, SSL_CTRL_CHAIN_CERT, 0, (char *)(x509))
#define SSL_add1_chain_cert(s, x509) SSL_ctrl(s, SSL_CTRL_CHAIN_CERT, 1, (char *)(x509))

#define SSL_CTX_set1_groups(ctx, glist, glistlen) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_GROUPS, glistlen, (int *)(glist))
#define SSL_CTX_set1_groups_list(ctx, s) SSL_CTX_ctrl(ctx, SSL_CTRL_SET_GROUPS_LIST, 0, (char *)(s))
#define SSL_set1_groups(s, glist, glistlen) \
    SSL_ctrl(s, SSL_CTRL_SET_GROUPS, glistlen, (char *)(glist))
#define SSL_set1_groups_list(s, str) SSL_ctrl(s, SSL_CTRL_SET_GROUPS_LIST, 0, (char *)(str))
#define SSL_get_shared_group(s, n) SSL_ctrl(s, SSL_CTRL_GET_SHARED_GROUP, n, NULL)
#define SSL_get_negotiated_group(s) SSL_ctrl(s, SSL_CTRL_GET_NEGOTIATED_GROUP, 0, NULL)
#define SSL_get1_groups(s, glist) SSL_ctrl(s, SSL_CTRL_GET_GROUPS, 0, (int *)(glist))
#define SSL_CTX_set1_curves SSL_CTX_set1_groups
#define SSL_CTX_set1_curves_list SSL_CTX_set1_groups_list
#define SSL_set1_curves SSL_set1_groups
#define SSL_set1_curves_list SSL_set1_groups_list
#define SSL_get_shared_curve SSL_get_shared_group
#define SSL_get1_curves SSL_get1_groups
const char *SSL_group_to_name(SSL *s, int id);

#define SSL_CTX_set1_sigalgs(ctx, slist, slistlen) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SIGALGS, slistlen, (int *)(slist))
#define SSL_CTX_set1_sigalgs_list(ctx, s) SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SIGALGS_LIST, 0, (char *)(s))
#define SSL_set1_sigalgs(s, slist, slistlen) \
    SSL_ctrl(s, SSL_CTRL_SET_SIGALGS, slistlen, (int *)(slist))
#define SSL_set1_sigalgs_list(s, str) SSL_ctrl(s, SSL_CTRL_SET_SIGALGS_LIST, 0, (char *)(str))
#define SSL_CTX_set1_client_sigalgs(ctx, slist, slistlen) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_CLIENT_SIGALGS, slistlen, (int *)(slist))
#define SSL_CTX_set1_client_sigalgs_list(ctx, s) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_CLIENT_SIGALGS_LIST, 0, (char *)(s))
#define SSL_set1_client_sigalgs(s, slist, slistlen) \
    SSL_ctrl(s, SSL_CTRL_SET_CLIENT_SIGALGS, slistlen, (int *)(slist))
#define SSL_set1_client_sigalgs_list(s, str) \
    SSL_ctrl(s, SSL_CTRL_SET_CLIENT_SIGALGS_LIST, 0, (char *)(str))
#define SSL_get_peer_signature_nid(s, pn) SSL_ctrl(s, SSL_CTRL_GET_PEER_SIGNATURE_NID, 0, pn)

#define SSL_CTX_set_min_proto_version(ctx, version) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, version, NULL)
#define SSL_CTX_set_max_proto_version(ctx, version) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, version, NULL)
#define SSL_CTX_get_min_proto_version(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, NULL)
#define SSL_CTX_get_max_proto_version(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, NULL)
#define SSL_set_min_proto_version(s, version) \
    SSL_ctrl(s, SSL_CTRL_SET_MIN_PROTO_VERSION, version, NULL)
#define SSL_set_max_proto_version(s, version) \
    SSL_ctrl(s, SSL_CTRL_SET_MAX_PROTO_VERSION, version, NULL)
#define SSL_get_min_proto_version(s) SSL_ctrl(s, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, NULL)
#define SSL_get_max_proto_version(s) SSL_ctrl(s, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, NULL)

#define SSL_CTX_sess_set_cache_size(ctx, t) SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_SIZE, t, NULL)
#define SSL_CTX_sess_get_cache_size(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_GET_SESS_CACHE_SIZE, 0, NULL)
#define SSL_CTX_set_session_cache_mode(ctx, m) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SESS_CACHE_MODE, m, NULL)
#define SSL_CTX_get_session_cache_mode(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_GET_SESS_CACHE_MODE, 0, NULL)
#define SSL_CTX_get_default_read_ahead(ctx) SSL_CTX_get_read_ahead(ctx)
#define SSL_CTX_set_default_read_ahead(ctx, m) SSL_CTX_set_read_ahead(ctx, m)
#define SSL_CTX_get_read_ahead(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_GET_READ_AHEAD, 0, NULL)
#define SSL_CTX_set_read_ahead(ctx, m) SSL_CTX_ctrl(ctx, SSL_CTRL_SET_READ_AHEAD, m, NULL)
#define SSL_CTX_get_max_cert_list(ctx) SSL_CTX_ctrl(ctx, SSL_CTRL_GET_MAX_CERT_LIST, 0, NULL)
#define SSL_CTX_set_max_cert_list(ctx, m) SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_CERT_LIST, m, NULL)
#define SSL_get_max_cert_list(ssl) SSL_ctrl(ssl, SSL_CTRL_GET_MAX_CERT_LIST, 0, NULL)
#define SSL_set_max_cert_list(ssl, m) SSL_ctrl(ssl, SSL_CTRL_SET_MAX_CERT_LIST, m, NULL)
#define SSL_CTX_set_max_send_fragment(ctx, m) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_SEND_FRAGMENT, m, NULL)
#define SSL_set_max_send_fragment(ssl, m) SSL_ctrl(ssl, SSL_CTRL_SET_MAX_SEND_FRAGMENT, m, NULL)
#define SSL_CTX_set_split_send_fragment(ctx, m) \
    SSL_CTX_ctrl(ctx, SSL_CTRL_SET_SPLIT_SEND_FRAGMENT, m, NULL)
#define SSL_set_split_send_fragment(ssl, m) SSL_ctrl(ssl, SSL_CTRL_SET_SPLIT_SEND_FRAGMENT, m, NULL)
#define SSL_CTX_set_max_pipelines(ctx, m) SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PIPELINES, m, NULL)
#define SSL_set_max_pipelines(ssl, m) SSL_ctrl(ssl, SSL_CTRL_SET_MAX_PIPELINES, m, NULL)
#define SSL_set_retry_verify(ssl) (SSL_ctrl(ssl, SSL_CTRL_SET_RETRY_VERIFY, 0, NULL) > 0)

/* ---- Application data and ex_data ------------------------------------------------------ */

#define SSL_set_app_data(s, arg) (SSL_set_ex_data(s, 0, (char *)(arg)))
#define SSL_get_app_data(s) (SSL_get_ex_data(s, 0))
#define SSL_SESSION_set_app_data(s, a) (SSL_SESSION_set_ex_data(s, 0, (char *)(a)))
#define SSL_SESSION_get_app_data(s) (SSL_SESSION_get_ex_data(s, 0))
#define SSL_CTX_get_app_data(ctx) (SSL_CTX_get_ex_data(ctx, 0))
#define SSL_CTX_set_app_data(ctx, arg) (SSL_CTX_set_ex_data(ctx, 0, (char *)(arg)))

#define SSL_get_ex_new_index(l, p, newf, dupf, freef) \
    CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL, l, p, newf, dupf, freef)
#define SSL_SESSION_get_ex_new_index(l, p, newf, dupf, freef) \
    CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_SESSION, l, p, newf, dupf, freef)
#define SSL_CTX_get_ex_new_index(l, p, newf, dupf, freef) \
    CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_SSL_CTX, l, p, newf, dupf, freef)

/* ---- Initialisation -------------------------------------------------------------------- */

#define OPENSSL_INIT_NO_LOAD_SSL_STRINGS 0x00100000L
#define OPENSSL_INIT_LOAD_SSL_STRINGS 0x00200000L
#define OPENSSL_INIT_SSL_DEFAULT (OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS)

int OPENSSL_init_ssl(uint64_t opts, const OPENSSL_INIT_SETTINGS *settings);
#define SSL_library_init() OPENSSL_init_ssl(0, NULL)
#define SSL_load_error_strings() \
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL)
#define OpenSSL_add_ssl_algorithms() SSL_library_init()
#define SSLeay_add_ssl_algorithms() SSL_library_init()

/* ---- Methods --------------------------------------------------------------------------- */

/* Version-flexible DTLS (rdtls negotiates DTLS 1.2). */
const SSL_METHOD *DTLS_method(void);
const SSL_METHOD *DTLS_server_method(void);
const SSL_METHOD *DTLS_client_method(void);
const SSL_METHOD *DTLSv1_2_method(void);
const SSL_METHOD *DTLSv1_2_server_method(void);
const SSL_METHOD *DTLSv1_2_client_method(void);
/* DTLS 1.0 only: a handshake fails ("DTLS 1.0 not supported"). */
const SSL_METHOD *DTLSv1_method(void);
const SSL_METHOD *DTLSv1_server_method(void);
const SSL_METHOD *DTLSv1_client_method(void);
/* TLS over streams: a handshake fails (rdtls implements DTLS only). */
const SSL_METHOD *TLS_method(void);
const SSL_METHOD *TLS_server_method(void);
const SSL_METHOD *TLS_client_method(void);

/* ---- SSL_CTX --------------------------------------------------------------------------- */

SSL_CTX *SSL_CTX_new(const SSL_METHOD *meth);
SSL_CTX *SSL_CTX_new_ex(OSSL_LIB_CTX *libctx, const char *propq, const SSL_METHOD *meth);
int SSL_CTX_up_ref(SSL_CTX *ctx);
void SSL_CTX_free(SSL_CTX *);
const SSL_METHOD *SSL_CTX_get_ssl_method(const SSL_CTX *ctx);
long SSL_CTX_ctrl(SSL_CTX *ctx, int cmd, long larg, void *parg);
long SSL_CTX_callback_ctrl(SSL_CTX *, int, void (*)(void));

uint64_t SSL_CTX_get_options(const SSL_CTX *ctx);
uint64_t SSL_CTX_clear_options(SSL_CTX *ctx, uint64_t op);
uint64_t SSL_CTX_set_options(SSL_CTX *ctx, uint64_t op);

int SSL_CTX_set_cipher_list(SSL_CTX *, const char *str);
int SSL_CTX_set_ciphersuites(SSL_CTX *ctx, const char *str);
void SSL_CTX_set_verify(SSL_CTX *ctx, int mode, SSL_verify_cb callback);
void SSL_CTX_set_verify_depth(SSL_CTX *ctx, int depth);
int SSL_CTX_get_verify_mode(const SSL_CTX *ctx);
int SSL_CTX_get_verify_depth(const SSL_CTX *ctx);
SSL_verify_cb SSL_CTX_get_verify_callback(const SSL_CTX *ctx);
void SSL_CTX_set_cert_verify_callback(SSL_CTX *ctx, int (*cb)(X509_STORE_CTX *, void *),
                                      void *arg);

int SSL_CTX_load_verify_locations(SSL_CTX *ctx, const char *CAfile, const char *CApath);
int SSL_CTX_load_verify_file(SSL_CTX *ctx, const char *CAfile);
int SSL_CTX_load_verify_dir(SSL_CTX *ctx, const char *CApath);
int SSL_CTX_set_default_verify_paths(SSL_CTX *ctx);
X509_STORE *SSL_CTX_get_cert_store(const SSL_CTX *);
void SSL_CTX_set_cert_store(SSL_CTX *, X509_STORE *);
void SSL_CTX_set1_cert_store(SSL_CTX *, X509_STORE *);

int SSL_CTX_use_certificate(SSL_CTX *ctx, X509 *x);
int SSL_CTX_use_certificate_ASN1(SSL_CTX *ctx, int len, const unsigned char *d);
int SSL_CTX_use_certificate_file(SSL_CTX *ctx, const char *file, int type);
int SSL_CTX_use_certificate_chain_file(SSL_CTX *ctx, const char *file);
int SSL_CTX_use_PrivateKey(SSL_CTX *ctx, EVP_PKEY *pkey);
int SSL_CTX_use_PrivateKey_ASN1(int pk, SSL_CTX *ctx, const unsigned char *d, long len);
int SSL_CTX_use_PrivateKey_file(SSL_CTX *ctx, const char *file, int type);
int SSL_CTX_check_private_key(const SSL_CTX *ctx);
void SSL_CTX_set_default_passwd_cb(SSL_CTX *ctx, pem_password_cb *cb);
void SSL_CTX_set_default_passwd_cb_userdata(SSL_CTX *ctx, void *u);

int SSL_CTX_set_session_id_context(SSL_CTX *ctx, const unsigned char *sid_ctx,
                                   unsigned int sid_ctx_len);
long SSL_CTX_set_timeout(SSL_CTX *ctx, long t);
long SSL_CTX_get_timeout(const SSL_CTX *ctx);
int SSL_CTX_add_session(SSL_CTX *ctx, SSL_SESSION *session);
int SSL_CTX_remove_session(SSL_CTX *ctx, SSL_SESSION *session);
void SSL_CTX_flush_sessions(SSL_CTX *ctx, long tm);
void SSL_CTX_sess_set_new_cb(SSL_CTX *ctx, int (*new_session_cb)(struct ssl_st *ssl, SSL_SESSION *sess));
int (*SSL_CTX_sess_get_new_cb(SSL_CTX *ctx))(struct ssl_st *ssl, SSL_SESSION *sess);
void SSL_CTX_sess_set_get_cb(SSL_CTX *ctx,
                             SSL_SESSION *(*get_session_cb)(struct ssl_st *ssl,
                                                            const unsigned char *data, int len,
                                                            int *copy));
SSL_SESSION *(*SSL_CTX_sess_get_get_cb(SSL_CTX *ctx))(struct ssl_st *ssl,
                                                      const unsigned char *data, int len,
                                                      int *copy);
void SSL_CTX_sess_set_remove_cb(SSL_CTX *ctx,
                                void (*remove_session_cb)(struct ssl_ctx_st *ctx,
                                                          SSL_SESSION *sess));
void (*SSL_CTX_sess_get_remove_cb(SSL_CTX *ctx))(struct ssl_ctx_st *ctx, SSL_SESSION *sess);

void SSL_CTX_set_cookie_generate_cb(SSL_CTX *ctx,
    int (*app_gen_cookie_cb)(SSL *ssl, unsigned char *cookie, unsigned int *cookie_len));
void SSL_CTX_set_cookie_verify_cb(SSL_CTX *ctx,
    int (*app_verify_cookie_cb)(SSL *ssl, const unsigned char *cookie, unsigned int cookie_len));

void SSL_CTX_set_info_callback(SSL_CTX *ctx, void (*cb)(const SSL *ssl, int type, int val));
void (*SSL_CTX_get_info_callback(SSL_CTX *ctx))(const SSL *ssl, int type, int val);
void SSL_CTX_set_msg_callback(SSL_CTX *ctx, void (*cb)(int write_p, int version,
    int content_type, const void *buf, size_t len, SSL *ssl, void *arg));
void SSL_CTX_set_keylog_callback(SSL_CTX *ctx, SSL_CTX_keylog_cb_func cb);
SSL_CTX_keylog_cb_func SSL_CTX_get_keylog_callback(const SSL_CTX *ctx);

void SSL_CTX_set_security_level(SSL_CTX *ctx, int level);
int SSL_CTX_get_security_level(const SSL_CTX *ctx);
void SSL_CTX_set_quiet_shutdown(SSL_CTX *ctx, int mode);
int SSL_CTX_get_quiet_shutdown(const SSL_CTX *ctx);
int SSL_CTX_set_alpn_protos(SSL_CTX *ctx, const unsigned char *protos, unsigned int protos_len);
/* ALPN (RFC 7301): the server's selection callback returns SSL_TLSEXT_ERR_OK,
 * SSL_TLSEXT_ERR_NOACK, or anything else for a fatal no_application_protocol alert. */
typedef int (*SSL_CTX_alpn_select_cb_func)(SSL *ssl, const unsigned char **out,
                                           unsigned char *outlen, const unsigned char *in,
                                           unsigned int inlen, void *arg);
void SSL_CTX_set_alpn_select_cb(SSL_CTX *ctx, SSL_CTX_alpn_select_cb_func cb, void *arg);
#define OPENSSL_NPN_UNSUPPORTED 0
#define OPENSSL_NPN_NEGOTIATED 1
#define OPENSSL_NPN_NO_OVERLAP 2
int SSL_select_next_proto(unsigned char **out, unsigned char *outlen, const unsigned char *in,
                          unsigned int inlen, const unsigned char *client,
                          unsigned int client_len);

int SSL_CTX_set_ex_data(SSL_CTX *ssl, int idx, void *data);
void *SSL_CTX_get_ex_data(const SSL_CTX *ssl, int idx);

/* ---- SSL ------------------------------------------------------------------------------- */

SSL *SSL_new(SSL_CTX *ctx);
int SSL_up_ref(SSL *s);
void SSL_free(SSL *ssl);
int SSL_clear(SSL *s);
SSL_CTX *SSL_get_SSL_CTX(const SSL *ssl);
SSL_CTX *SSL_set_SSL_CTX(SSL *ssl, SSL_CTX *ctx);
long SSL_ctrl(SSL *ssl, int cmd, long larg, void *parg);
long SSL_callback_ctrl(SSL *, int, void (*)(void));

uint64_t SSL_get_options(const SSL *s);
uint64_t SSL_clear_options(SSL *s, uint64_t op);
uint64_t SSL_set_options(SSL *s, uint64_t op);

/* BIOs. SSL_set_bio takes ownership of the caller's references (one for both when
 * rbio == wbio). SSL_set_fd wraps a datagram socket in a BIO that does not close it. */
void SSL_set_bio(SSL *s, BIO *rbio, BIO *wbio);
void SSL_set0_rbio(SSL *s, BIO *rbio);
void SSL_set0_wbio(SSL *s, BIO *wbio);
BIO *SSL_get_rbio(const SSL *s);
BIO *SSL_get_wbio(const SSL *s);
int SSL_set_fd(SSL *s, int fd);
int SSL_set_rfd(SSL *s, int fd);
int SSL_set_wfd(SSL *s, int fd);
int SSL_get_fd(const SSL *s);
int SSL_get_rfd(const SSL *s);
int SSL_get_wfd(const SSL *s);

void SSL_set_connect_state(SSL *s);
void SSL_set_accept_state(SSL *s);
int SSL_is_server(const SSL *s);
int SSL_is_dtls(const SSL *s);

/* Handshake and I/O. In non-blocking mode they return -1 with SSL_ERROR_WANT_READ or
 * SSL_ERROR_WANT_WRITE; blocking datagram BIOs retransmit by themselves. */
int SSL_connect(SSL *ssl);
int SSL_accept(SSL *ssl);
int SSL_do_handshake(SSL *s);
int SSL_read(SSL *ssl, void *buf, int num);
int SSL_read_ex(SSL *ssl, void *buf, size_t num, size_t *readbytes);
int SSL_peek(SSL *ssl, void *buf, int num);
int SSL_peek_ex(SSL *ssl, void *buf, size_t num, size_t *readbytes);
/* One SSL_write is one record in one datagram (at most DTLS_get_data_mtu() bytes). */
int SSL_write(SSL *ssl, const void *buf, int num);
int SSL_write_ex(SSL *s, const void *buf, size_t num, size_t *written);
int SSL_pending(const SSL *s);
int SSL_has_pending(const SSL *s);
int SSL_shutdown(SSL *s);
int SSL_get_shutdown(const SSL *ssl);
void SSL_set_shutdown(SSL *ssl, int mode);
void SSL_set_quiet_shutdown(SSL *ssl, int mode);
int SSL_get_quiet_shutdown(const SSL *ssl);
int SSL_get_error(const SSL *s, int ret_code);
int SSL_want(const SSL *s);
void SSL_set_read_ahead(SSL *s, int yes);
int SSL_get_read_ahead(const SSL *s);
int SSL_renegotiate(SSL *s);
int SSL_renegotiate_abbreviated(SSL *s);
int SSL_renegotiate_pending(const SSL *s);

/* DTLS specifics. */
int DTLSv1_listen(SSL *s, BIO_ADDR *client);
void DTLS_set_timer_cb(SSL *s, DTLS_timer_cb cb);
size_t DTLS_get_data_mtu(const SSL *s);

/* State. */
int SSL_in_init(const SSL *s);
int SSL_in_before(const SSL *s);
int SSL_is_init_finished(const SSL *s);
const char *SSL_state_string(const SSL *s);
const char *SSL_state_string_long(const SSL *s);
const char *SSL_alert_type_string_long(int value);
const char *SSL_alert_type_string(int value);
const char *SSL_alert_desc_string_long(int value);
const char *SSL_alert_desc_string(int value);
const char *SSL_get_version(const SSL *s);
int SSL_version(const SSL *ssl);
int SSL_client_version(const SSL *s);

/* DTLS 1.3 KeyUpdate (RFC 9147 section 8, RFC 8446 section 4.6.3): SSL_key_update() queues
 * one, sent by the next SSL_write/SSL_read/SSL_do_handshake; 0 on a DTLS 1.2 connection or
 * before the handshake completes. SSL_get_key_update_type() tells what is still pending. */
#define SSL_KEY_UPDATE_NONE -1
#define SSL_KEY_UPDATE_NOT_REQUESTED 0
#define SSL_KEY_UPDATE_REQUESTED 1
int SSL_key_update(SSL *s, int updatetype);
int SSL_get_key_update_type(const SSL *s);

/* Settings of one connection. */
int SSL_set_cipher_list(SSL *s, const char *str);
int SSL_set_ciphersuites(SSL *s, const char *str);
const char *SSL_get_cipher_list(const SSL *s, int n);
void SSL_set_verify(SSL *s, int mode, SSL_verify_cb callback);
void SSL_set_verify_depth(SSL *s, int depth);
int SSL_get_verify_mode(const SSL *s);
int SSL_get_verify_depth(const SSL *s);
SSL_verify_cb SSL_get_verify_callback(const SSL *s);
int SSL_set_session_id_context(SSL *ssl, const unsigned char *sid_ctx, unsigned int sid_ctx_len);
int SSL_set1_host(SSL *s, const char *hostname);
int SSL_add1_host(SSL *s, const char *hostname);
void SSL_set_hostflags(SSL *s, unsigned int flags);
X509_VERIFY_PARAM *SSL_CTX_get0_param(SSL_CTX *ctx);
X509_VERIFY_PARAM *SSL_get0_param(SSL *ssl);
int SSL_CTX_set1_param(SSL_CTX *ctx, X509_VERIFY_PARAM *vpm);
int SSL_set1_param(SSL *ssl, X509_VERIFY_PARAM *vpm);
void SSL_set_security_level(SSL *s, int level);
int SSL_get_security_level(const SSL *s);
int SSL_set_alpn_protos(SSL *ssl, const unsigned char *protos, unsigned int protos_len);
void SSL_get0_alpn_selected(const SSL *ssl, const unsigned char **data, unsigned int *len);
void SSL_set_info_callback(SSL *ssl, void (*cb)(const SSL *ssl, int type, int val));
void (*SSL_get_info_callback(const SSL *ssl))(const SSL *ssl, int type, int val);
void SSL_set_msg_callback(SSL *ssl, void (*cb)(int write_p, int version, int content_type,
    const void *buf, size_t len, SSL *ssl, void *arg));

int SSL_use_certificate(SSL *ssl, X509 *x);
int SSL_use_certificate_ASN1(SSL *ssl, const unsigned char *d, int len);
int SSL_use_certificate_file(SSL *ssl, const char *file, int type);
int SSL_use_certificate_chain_file(SSL *ssl, const char *file);
int SSL_use_PrivateKey(SSL *ssl, EVP_PKEY *pkey);
int SSL_use_PrivateKey_ASN1(int pk, SSL *ssl, const unsigned char *d, long len);
int SSL_use_PrivateKey_file(SSL *ssl, const char *file, int type);
int SSL_check_private_key(const SSL *ctx);

int SSL_set_ex_data(SSL *ssl, int idx, void *data);
void *SSL_get_ex_data(const SSL *ssl, int idx);
int SSL_get_ex_data_X509_STORE_CTX_idx(void);

/* What the handshake established. */
const SSL_CIPHER *SSL_get_current_cipher(const SSL *s);
const SSL_CIPHER *SSL_get_pending_cipher(const SSL *s);
X509 *SSL_get1_peer_certificate(const SSL *s);
X509 *SSL_get0_peer_certificate(const SSL *s);
#define SSL_get_peer_certificate SSL_get1_peer_certificate
STACK_OF(X509) *SSL_get_peer_cert_chain(const SSL *s);
STACK_OF(X509) *SSL_get0_verified_chain(const SSL *s);
long SSL_get_verify_result(const SSL *ssl);
void SSL_set_verify_result(SSL *ssl, long v);
const char *SSL_get_servername(const SSL *s, const int type);
int SSL_get_servername_type(const SSL *s);
/* Server: the signature algorithms the client offered (also inside the servername and
 * certificate callbacks). */
int SSL_get_sigalgs(SSL *s, int idx, int *psign, int *phash, int *psignhash,
                    unsigned char *rsig, unsigned char *rhash);
/* Runs on a server after the ClientHello (it can choose a certificate by SNI). */
void SSL_CTX_set_cert_cb(SSL_CTX *c, int (*cb)(SSL *ssl, void *arg), void *arg);
size_t SSL_get_finished(const SSL *s, void *buf, size_t count);
size_t SSL_get_peer_finished(const SSL *s, void *buf, size_t count);
size_t SSL_get_client_random(const SSL *ssl, unsigned char *out, size_t outlen);
size_t SSL_get_server_random(const SSL *ssl, unsigned char *out, size_t outlen);
int SSL_export_keying_material(SSL *s, unsigned char *out, size_t olen, const char *label,
                               size_t llen, const unsigned char *context, size_t contextlen,
                               int use_context);

#define SSL_get_cipher(s) SSL_CIPHER_get_name(SSL_get_current_cipher(s))
#define SSL_get_cipher_bits(s, np) SSL_CIPHER_get_bits(SSL_get_current_cipher(s), np)
#define SSL_get_cipher_version(s) SSL_CIPHER_get_version(SSL_get_current_cipher(s))
#define SSL_get_cipher_name(s) SSL_CIPHER_get_name(SSL_get_current_cipher(s))

/* ---- Sessions -------------------------------------------------------------------------- */

SSL_SESSION *SSL_get_session(const SSL *ssl);
SSL_SESSION *SSL_get1_session(SSL *ssl);
#define SSL_get0_session SSL_get_session
int SSL_set_session(SSL *to, SSL_SESSION *session);
int SSL_session_reused(const SSL *s);
SSL_SESSION *SSL_SESSION_new(void);
int SSL_SESSION_up_ref(SSL_SESSION *ses);
void SSL_SESSION_free(SSL_SESSION *ses);
const unsigned char *SSL_SESSION_get_id(const SSL_SESSION *s, unsigned int *len);
int SSL_SESSION_set1_id(SSL_SESSION *s, const unsigned char *sid, unsigned int sid_len);
long SSL_SESSION_get_time(const SSL_SESSION *s);
long SSL_SESSION_get_timeout(const SSL_SESSION *s);
long SSL_SESSION_set_timeout(SSL_SESSION *s, long t);
int SSL_SESSION_is_resumable(const SSL_SESSION *s);
int SSL_SESSION_get_protocol_version(const SSL_SESSION *s);
const SSL_CIPHER *SSL_SESSION_get0_cipher(const SSL_SESSION *s);
size_t SSL_SESSION_get_master_key(const SSL_SESSION *sess, unsigned char *out, size_t outlen);
int SSL_SESSION_set_ex_data(SSL_SESSION *ss, int idx, void *data);
void *SSL_SESSION_get_ex_data(const SSL_SESSION *ss, int idx);
int i2d_SSL_SESSION(const SSL_SESSION *in, unsigned char **pp);
SSL_SESSION *d2i_SSL_SESSION(SSL_SESSION **a, const unsigned char **pp, long length);
SSL_SESSION *PEM_read_bio_SSL_SESSION(BIO *out, SSL_SESSION **x, pem_password_cb *cb, void *u);
int PEM_write_bio_SSL_SESSION(BIO *out, const SSL_SESSION *x);
#define SSL_get_time(a) SSL_SESSION_get_time(a)
#define SSL_get_timeout(a) SSL_SESSION_get_timeout(a)
#define SSL_set_timeout(a, b) SSL_SESSION_set_timeout((a), (b))

/* ---- Ciphers --------------------------------------------------------------------------- */

const char *SSL_CIPHER_get_name(const SSL_CIPHER *c);
const char *SSL_CIPHER_standard_name(const SSL_CIPHER *c);
const char *SSL_CIPHER_get_version(const SSL_CIPHER *c);
int SSL_CIPHER_get_bits(const SSL_CIPHER *c, int *alg_bits);
uint32_t SSL_CIPHER_get_id(const SSL_CIPHER *c);
uint16_t SSL_CIPHER_get_protocol_id(const SSL_CIPHER *c);
int SSL_CIPHER_get_kx_nid(const SSL_CIPHER *c);
int SSL_CIPHER_get_auth_nid(const SSL_CIPHER *c);
int SSL_CIPHER_is_aead(const SSL_CIPHER *c);
char *SSL_CIPHER_description(const SSL_CIPHER *, char *buf, int size);

/* Pre-shared keys (RFC 4279, RFC 5489). */
#define PSK_MAX_IDENTITY_LEN 128
#define PSK_MAX_PSK_LEN 256
typedef unsigned int (*SSL_psk_client_cb_func)(SSL *ssl, const char *hint, char *identity,
                                               unsigned int max_identity_len,
                                               unsigned char *psk, unsigned int max_psk_len);
typedef unsigned int (*SSL_psk_server_cb_func)(SSL *ssl, const char *identity,
                                               unsigned char *psk, unsigned int max_psk_len);
void SSL_CTX_set_psk_client_callback(SSL_CTX *ctx, SSL_psk_client_cb_func cb);
void SSL_set_psk_client_callback(SSL *ssl, SSL_psk_client_cb_func cb);
void SSL_CTX_set_psk_server_callback(SSL_CTX *ctx, SSL_psk_server_cb_func cb);
void SSL_set_psk_server_callback(SSL *ssl, SSL_psk_server_cb_func cb);
int SSL_CTX_use_psk_identity_hint(SSL_CTX *ctx, const char *identity_hint);
int SSL_use_psk_identity_hint(SSL *s, const char *identity_hint);
const char *SSL_get_psk_identity_hint(const SSL *s);
const char *SSL_get_psk_identity(const SSL *s);
/* Exported functions old programs call (issue 16): the default trust locations, the
 * compression list (empty: OpenSSL 3.0 built without zlib), the own certificate and key. */
DEFINE_STACK_OF(SSL_COMP)
int SSL_CTX_set_default_verify_file(SSL_CTX *ctx);
int SSL_CTX_set_default_verify_dir(SSL_CTX *ctx);
int SSL_CTX_set_default_verify_store(SSL_CTX *ctx);
STACK_OF(SSL_COMP) *SSL_COMP_get_compression_methods(void);
const char *SSL_COMP_get_name(const COMP_METHOD *comp);
const char *SSL_COMP_get0_name(const SSL_COMP *comp);
int SSL_COMP_get_id(const SSL_COMP *comp);
const COMP_METHOD *SSL_get_current_compression(const SSL *s);
const COMP_METHOD *SSL_get_current_expansion(const SSL *s);
X509 *SSL_get_certificate(const SSL *ssl);
EVP_PKEY *SSL_get_privatekey(const SSL *ssl);
X509 *SSL_CTX_get0_certificate(const SSL_CTX *ctx);
EVP_PKEY *SSL_CTX_get0_privatekey(const SSL_CTX *ctx);
STACK_OF(SSL_CIPHER) *SSL_get_ciphers(const SSL *s);
char *SSL_get_shared_ciphers(const SSL *s, char *buf, int size);
long SSL_get_default_timeout(const SSL *s);
int ERR_load_SSL_strings(void);

#ifdef __cplusplus
}
#endif

#include <openssl/ssl2.h>
#include <openssl/ssl3.h>
#include <openssl/tls1.h>
#include <openssl/dtls1.h>
#include <openssl/srtp.h>
#include <openssl/ssl_legacy.h>

#endif /* OPENSSL_SSL_H */
