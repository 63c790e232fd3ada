/* rdtls: version of the OpenSSL API this library implements (3.0). */
#ifndef OPENSSL_OPENSSLV_H
#define OPENSSL_OPENSSLV_H
#define HEADER_OPENSSLV_H

#ifdef __cplusplus
extern "C" {
#endif

#define OPENSSL_VERSION_MAJOR 3
#define OPENSSL_VERSION_MINOR 0
#define OPENSSL_VERSION_PATCH 19
#define OPENSSL_VERSION_PRE_RELEASE ""
#define OPENSSL_VERSION_BUILD_METADATA "+rdtls"
#define OPENSSL_SHLIB_VERSION 3
#define OPENSSL_VERSION_PREREQ(maj, min) \
    ((OPENSSL_VERSION_MAJOR << 16) + OPENSSL_VERSION_MINOR >= ((maj) << 16) + (min))
#define OPENSSL_VERSION_STR "3.0.19"
#define OPENSSL_FULL_VERSION_STR "3.0.19+rdtls"
#define OPENSSL_RELEASE_DATE ""
#define OPENSSL_VERSION_TEXT "OpenSSL 3.0.19 compatible (rdtls 0.1.0)"

/* MAJOR << 28 | MINOR << 20 | PATCH << 4 (release): must equal OpenSSL_version_num(). */
#define OPENSSL_VERSION_NUMBER 0x30000130L

#ifdef __cplusplus
}
#endif
#endif
