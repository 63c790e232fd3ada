/* rdtls: protocol version numbers (OpenSSL 3.0 <openssl/prov_ssl.h> values). */
#ifndef OPENSSL_PROV_SSL_H
#define OPENSSL_PROV_SSL_H

#define SSL_MAX_MASTER_KEY_LENGTH 48

#define SSL3_VERSION 0x0300
#define TLS1_VERSION 0x0301
#define TLS1_1_VERSION 0x0302
#define TLS1_2_VERSION 0x0303
#define TLS1_3_VERSION 0x0304
#define DTLS1_VERSION 0xFEFF
#define DTLS1_2_VERSION 0xFEFD
/* rdtls: DTLS 1.3 (RFC 9147); OpenSSL 3.0 has no such constant (OpenSSL 3.5+ use this value).
 * Programs built against the system's OpenSSL 3.0 headers get it from <rdtls/dtls13.h>. */
#define DTLS1_3_VERSION 0xFEFC
#define DTLS1_BAD_VER 0x0100

#endif
