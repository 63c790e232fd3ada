/* rdtls: helper macros of OpenSSL 3.0's <openssl/macros.h>. */
#ifndef OPENSSL_MACROS_H
#define OPENSSL_MACROS_H

#include <openssl/opensslv.h>

#define OPENSSL_MSTR_HELPER(x) #x
#define OPENSSL_MSTR(x) OPENSSL_MSTR_HELPER(x)

/* Deprecated functions stay available and do not warn. */
#define OSSL_DEPRECATED(since)
#define OSSL_DEPRECATED_FOR(since, message)
#define OSSL_DEPRECATEDIN_3_0
#define OSSL_DEPRECATEDIN_3_0_FOR(msg)
#define OSSL_DEPRECATEDIN_1_1_1
#define OSSL_DEPRECATEDIN_1_1_1_FOR(msg)
#define OSSL_DEPRECATEDIN_1_1_0
#define OSSL_DEPRECATEDIN_1_1_0_FOR(msg)
#define OSSL_DEPRECATEDIN_1_0_2
#define OSSL_DEPRECATEDIN_1_0_0
#define OSSL_DEPRECATEDIN_0_9_8

#ifndef OPENSSL_API_LEVEL
#define OPENSSL_API_LEVEL 30000
#endif
#define OPENSSL_API_COMPAT_LEVEL OPENSSL_API_LEVEL

#define OPENSSL_FILE __FILE__
#define OPENSSL_LINE __LINE__
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L
#define OPENSSL_FUNC __func__
#elif defined(__GNUC__)
#define OPENSSL_FUNC __FUNCTION__
#else
#define OPENSSL_FUNC "(unknown function)"
#endif

#define OSSL_CRYPTO_ALLOC

#endif
