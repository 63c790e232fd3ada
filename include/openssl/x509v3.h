/* rdtls: <openssl/x509v3.h> — host and address checks of certificates. */
#ifndef OPENSSL_X509V3_H
#define OPENSSL_X509V3_H
#define HEADER_X509V3_H

#include <openssl/bio.h>
#include <openssl/x509.h>

#ifdef __cplusplus
extern "C" {
#endif

#define X509_CHECK_FLAG_ALWAYS_CHECK_SUBJECT 0x1
#define X509_CHECK_FLAG_NO_WILDCARDS 0x2
#define X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS 0x4
#define X509_CHECK_FLAG_MULTI_LABEL_WILDCARDS 0x8
#define X509_CHECK_FLAG_SINGLE_LABEL_SUBDOMAINS 0x10
#define X509_CHECK_FLAG_NEVER_CHECK_SUBJECT 0x20
#define _X509_CHECK_FLAG_DOT_SUBDOMAINS 0x8000

int X509_check_host(X509 *x, const char *chk, size_t chklen, unsigned int flags, char **peername);
int X509_check_ip_asc(X509 *x, const char *address, unsigned int flags);

/* Making extensions for X509_add_ext from OpenSSL's configuration syntax: basicConstraints
 * ("critical,CA:TRUE,pathlen:0"), keyUsage ("critical,keyCertSign,cRLSign") and
 * subjectAltName ("DNS:host,IP:127.0.0.1"). conf and ctx are not used (may be NULL). */
struct lhash_st_CONF_VALUE;
X509_EXTENSION *X509V3_EXT_conf_nid(struct lhash_st_CONF_VALUE *conf, X509V3_CTX *ctx, int ext_nid,
                                    const char *value);
X509_EXTENSION *X509V3_EXT_nconf_nid(CONF *conf, X509V3_CTX *ctx, int ext_nid, const char *value);

#ifdef __cplusplus
}
#endif
#endif
