/*
 * rdtls: <openssl/srtp.h> -- DTLS-SRTP protection profiles (RFC 5764, RFC 7714) with
 * OpenSSL 3.0's names and values. Profiles are negotiated with the use_srtp extension; the
 * keys come from SSL_export_keying_material(s, out, len, "EXTRACTOR-dtls_srtp", 19, NULL,
 * 0, 0). OpenSSL 3.0 (and rdtls) accept only the AES-CM and AEAD profiles by name.
 */
#ifndef OPENSSL_SRTP_H
#define OPENSSL_SRTP_H
#define HEADER_D1_SRTP_H

#include <openssl/ssl.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SRTP_AES128_CM_SHA1_80 0x0001
#define SRTP_AES128_CM_SHA1_32 0x0002
#define SRTP_AES128_F8_SHA1_80 0x0003
#define SRTP_AES128_F8_SHA1_32 0x0004
#define SRTP_NULL_SHA1_80 0x0005
#define SRTP_NULL_SHA1_32 0x0006
#define SRTP_AEAD_AES_128_GCM 0x0007
#define SRTP_AEAD_AES_256_GCM 0x0008

/* Both return 0 on success and 1 on error (OpenSSL's convention for these two). */
int SSL_CTX_set_tlsext_use_srtp(SSL_CTX *ctx, const char *profiles);
int SSL_set_tlsext_use_srtp(SSL *ssl, const char *profiles);
SRTP_PROTECTION_PROFILE *SSL_get_selected_srtp_profile(SSL *s);
STACK_OF(SRTP_PROTECTION_PROFILE) *SSL_get_srtp_profiles(SSL *ssl);

#ifdef __cplusplus
}
#endif
#endif /* OPENSSL_SRTP_H */
