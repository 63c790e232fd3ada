/* rdtls: portability macros of OpenSSL's <openssl/e_os2.h> (values as in OpenSSL 3.0). */
#ifndef OPENSSL_E_OS2_H
#define OPENSSL_E_OS2_H
#define HEADER_E_OS2_H

#include <openssl/opensslconf.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>

#define OPENSSL_SYS_UNIX
#define OPENSSL_UNISTD <unistd.h>
#define OPENSSL_EXPORT extern
#define OPENSSL_EXTERN OPENSSL_IMPORT
#define OPENSSL_IMPORT extern
#define OPENSSL_GLOBAL

#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define ossl_inline inline
#else
#define ossl_inline __inline
#endif

#if defined(__GNUC__) || defined(__clang__)
#define ossl_noreturn __attribute__((noreturn))
#define ossl_unused __attribute__((unused))
#else
#define ossl_noreturn
#define ossl_unused
#endif

/* "Check the result": only with UNUSEDRESULT_DEBUG, as in OpenSSL. */
#ifndef __owur
#if defined(UNUSEDRESULT_DEBUG)
#define __owur __attribute__((__warn_unused_result__))
#else
#define __owur
#endif
#endif

#define ossl_ssize_t ssize_t
#define OSSL_SSIZE_MAX SSIZE_MAX

#endif
