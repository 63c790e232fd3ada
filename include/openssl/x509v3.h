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
 * ("critical,CA:TRUE,pathlen:0"), keyUsage ("critical,keyCertSign,cRLSign"),
 * extendedKeyUsage ("serverAuth,clientAuth"), subjectAltName ("DNS:host,IP:127.0.0.1"),
 * subjectKeyIdentifier ("hash") and authorityKeyIdentifier ("keyid"). conf is not used (may
 * be NULL); the key identifiers are computed by X509_sign from the subject key and the
 * signing key. */
typedef struct X509V3_CONF_METHOD_st X509V3_CONF_METHOD;
struct v3_ext_ctx {
#define X509V3_CTX_TEST 0x1
#define CTX_TEST X509V3_CTX_TEST
#define X509V3_CTX_REPLACE 0x2
    int flags;
    X509 *issuer_cert;
    X509 *subject_cert;
    X509_REQ *subject_req;
    X509_CRL *crl;
    X509V3_CONF_METHOD *db_meth;
    void *db;
    EVP_PKEY *issuer_pkey;
};
void X509V3_set_ctx(X509V3_CTX *ctx, X509 *issuer, X509 *subject, X509_REQ *req, X509_CRL *crl,
                    int flags);
#define X509V3_set_ctx_test(ctx) X509V3_set_ctx(ctx, NULL, NULL, NULL, NULL, X509V3_CTX_TEST)
#define X509V3_set_ctx_nodb(ctx) (ctx)->db = NULL;
struct lhash_st_CONF_VALUE;
X509_EXTENSION *X509V3_EXT_conf_nid(struct lhash_st_CONF_VALUE *conf, X509V3_CTX *ctx, int ext_nid,
                                    const char *value);
X509_EXTENSION *X509V3_EXT_nconf_nid(CONF *conf, X509V3_CTX *ctx, int ext_nid, const char *value);
X509_EXTENSION *X509V3_EXT_conf(struct lhash_st_CONF_VALUE *conf, X509V3_CTX *ctx, const char *name,
                                const char *value);
X509_EXTENSION *X509V3_EXT_nconf(CONF *conf, X509V3_CTX *ctx, const char *name, const char *value);

#ifdef __cplusplus
}
#endif
#endif
