/*
 * rdtls/dtls13.h - DTLS 1.3 (RFC 9147) for programs built against OpenSSL 3.0's headers.
 *
 * OpenSSL 3.0 has no DTLS 1.3, so its headers lack DTLS1_3_VERSION. With rdtls (librdtls or
 * the drop-in libssl.so.3) DTLS_method() offers DTLS 1.3 and 1.2 by default (as OpenSSL
 * 4.x): the client offers both in one ClientHello and the server picks 1.3 when the client
 * offers it, so an unmodified program gets 1.3 from a 1.3-capable peer and 1.2 from the
 * rest. A program pins DTLS 1.2 with
 *
 *     SSL_CTX_set_max_proto_version(ctx, DTLS1_2_VERSION);   (or SSL_set_max_proto_version)
 *
 * and an operator pins it for a binary that cannot be rebuilt with RDTLS_MAX_PROTO=DTLSv1.2
 * in the environment (read when each SSL_CTX is created; it applies to contexts whose
 * maximum the program does not set). DTLSv1_2_method() and its client/server forms never
 * offer DTLS 1.3. The TLS 1.3 suites DTLS 1.3 uses are set
 * with SSL_CTX_set_ciphersuites(); SSL_CTX_set_cipher_list() governs DTLS 1.2 only.
 *
 * On the system OpenSSL 3.0 SSL_CTX_set_max_proto_version(ctx, DTLS1_3_VERSION) fails
 * (returns 0): a program can use that to fall back to DTLS 1.2.
 */
#ifndef RDTLS_DTLS13_H
#define RDTLS_DTLS13_H

#include <openssl/ssl.h>

#ifndef DTLS1_3_VERSION
#define DTLS1_3_VERSION 0xFEFC
#endif

#ifndef SSL_KEY_UPDATE_NONE
#define SSL_KEY_UPDATE_NONE -1
#define SSL_KEY_UPDATE_NOT_REQUESTED 0
#define SSL_KEY_UPDATE_REQUESTED 1
#endif

#endif
