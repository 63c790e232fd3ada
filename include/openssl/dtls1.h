/*
 * rdtls: <openssl/dtls1.h> -- DTLS sizes and version helpers (OpenSSL 3.0 names and
 * values; the DTLS*_VERSION numbers themselves are in prov_ssl.h).
 */
#ifndef OPENSSL_DTLS1_H
#define OPENSSL_DTLS1_H
#define HEADER_DTLS1_H

#include <openssl/macros.h>
#include <openssl/prov_ssl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DTLS_MIN_VERSION DTLS1_VERSION
#define DTLS_MAX_VERSION DTLS1_2_VERSION
#define DTLS1_VERSION_MAJOR 0xFE

/* The "any DTLS version" value of the version-flexible DTLS_method(). */
#define DTLS_ANY_VERSION 0x1FFFF

/* Longest cookie a HelloVerifyRequest may carry (RFC 6347 section 4.2.1). */
#define DTLS1_COOKIE_LENGTH 255

/* Record header: type, version, epoch, 48-bit sequence number, length. */
#define DTLS1_RT_HEADER_LENGTH 13

/* Handshake header: type, length, message_seq, fragment_offset, fragment_length. */
#define DTLS1_HM_HEADER_LENGTH 12

#define DTLS1_HM_BAD_FRAGMENT -2
#define DTLS1_HM_FRAGMENT_RETRY -3
#define DTLS1_CCS_HEADER_LENGTH 1
#define DTLS1_AL_HEADER_LENGTH 2

/* Retransmissions of one flight before a handshake gives up. */
#define DTLS1_TMO_ALERT_COUNT 12

#ifdef __cplusplus
}
#endif
#endif /* OPENSSL_DTLS1_H */
