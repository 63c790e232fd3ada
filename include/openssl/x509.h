/* rdtls: <openssl/x509.h> — certificates and names (OpenSSL 3.0 API). */
#ifndef OPENSSL_X509_H
#define OPENSSL_X509_H
#define HEADER_X509_H

#include <stdio.h>
#include <openssl/e_os2.h>
#include <openssl/types.h>
#include <openssl/asn1.h>
#include <openssl/safestack.h>
#include <openssl/evp.h>
#include <openssl/bio.h>
#include <openssl/buffer.h>
#include <openssl/crypto.h>
#include <openssl/objects.h>
#include <openssl/x509err.h>

#ifdef __cplusplus
extern "C" {
#endif

DEFINE_STACK_OF(X509)
DEFINE_STACK_OF(X509_NAME)

/* X509_NAME_print_ex layouts. */
#define XN_FLAG_SEP_MASK (0xf << 16)
#define XN_FLAG_COMPAT 0
#define XN_FLAG_SEP_COMMA_PLUS (1 << 16)
#define XN_FLAG_SEP_CPLUS_SPC (2 << 16)
#define XN_FLAG_SEP_SPLUS_SPC (3 << 16)
#define XN_FLAG_SEP_MULTILINE (4 << 16)
#define XN_FLAG_DN_REV (1 << 20)
#define XN_FLAG_FN_MASK (0x3 << 21)
#define XN_FLAG_FN_SN 0
#define XN_FLAG_FN_LN (1 << 21)
#define XN_FLAG_FN_OID (2 << 21)
#define XN_FLAG_FN_NONE (3 << 21)
#define XN_FLAG_SPC_EQ (1 << 23)
#define XN_FLAG_DUMP_UNKNOWN_FIELDS (1 << 24)
#define XN_FLAG_FN_ALIGN (1 << 25)
#define XN_FLAG_RFC2253 (ASN1_STRFLGS_RFC2253 | XN_FLAG_SEP_COMMA_PLUS | XN_FLAG_DN_REV | XN_FLAG_FN_SN \
    | XN_FLAG_DUMP_UNKNOWN_FIELDS)
#define XN_FLAG_ONELINE (ASN1_STRFLGS_RFC2253 | ASN1_STRFLGS_ESC_QUOTE | XN_FLAG_SEP_CPLUS_SPC | XN_FLAG_SPC_EQ \
    | XN_FLAG_FN_SN)
#define XN_FLAG_MULTILINE (ASN1_STRFLGS_ESC_CTRL | ASN1_STRFLGS_ESC_MSB | XN_FLAG_SEP_MULTILINE | XN_FLAG_SPC_EQ \
    | XN_FLAG_FN_LN | XN_FLAG_FN_ALIGN)

#define X509_FILETYPE_PEM 1
#define X509_FILETYPE_ASN1 2
#define X509_FILETYPE_DEFAULT 3

void X509_free(X509 *a);
void X509_CRL_free(X509_CRL *a);
int X509_CRL_up_ref(X509_CRL *crl);
int X509_up_ref(X509 *x);
X509 *X509_dup(const X509 *a);
X509 *d2i_X509(X509 **a, const unsigned char **in, long len);
int i2d_X509(const X509 *a, unsigned char **out);
X509_NAME *X509_get_subject_name(const X509 *a);
X509_NAME *X509_get_issuer_name(const X509 *a);
ASN1_INTEGER *X509_get_serialNumber(X509 *x);

/* Making certificates (X509_new, the setters, X509_sign): v3, or v1 after
 * X509_set_version(x, 0) (then without extensions). */
X509 *X509_new(void);
int X509_set_version(X509 *x, long version);
long X509_get_version(const X509 *x);
ASN1_TIME *X509_getm_notBefore(const X509 *x);
ASN1_TIME *X509_getm_notAfter(const X509 *x);
const ASN1_TIME *X509_get0_notBefore(const X509 *x);
const ASN1_TIME *X509_get0_notAfter(const X509 *x);
#define X509_get_notBefore X509_getm_notBefore
#define X509_get_notAfter X509_getm_notAfter
int X509_set_serialNumber(X509 *x, ASN1_INTEGER *serial);
int X509_set1_notBefore(X509 *x, const ASN1_TIME *tm);
int X509_set1_notAfter(X509 *x, const ASN1_TIME *tm);
#define X509_set_notBefore X509_set1_notBefore
#define X509_set_notAfter X509_set1_notAfter
/* With s NULL these return a new ASN1_TIME (free it with ASN1_TIME_free). */
ASN1_TIME *X509_gmtime_adj(ASN1_TIME *s, long adj);
ASN1_TIME *X509_time_adj(ASN1_TIME *s, long adj, time_t *t);
ASN1_TIME *X509_time_adj_ex(ASN1_TIME *s, int offset_day, long offset_sec, time_t *t);
int X509_set_pubkey(X509 *x, EVP_PKEY *pkey);
int X509_set_subject_name(X509 *x, const X509_NAME *name);
int X509_set_issuer_name(X509 *x, const X509_NAME *name);
int X509_NAME_add_entry_by_txt(X509_NAME *name, const char *field, int type,
                               const unsigned char *bytes, int len, int loc, int set);
int X509_NAME_add_entry_by_NID(X509_NAME *name, int nid, int type, const unsigned char *bytes,
                               int len, int loc, int set);
int X509_sign(X509 *x, EVP_PKEY *pkey, const EVP_MD *md);
/* Extensions for X509_sign: see X509V3_EXT_conf_nid in <openssl/x509v3.h>. */
typedef struct X509_extension_st X509_EXTENSION;
int X509_add_ext(X509 *x, X509_EXTENSION *ex, int loc);
void X509_EXTENSION_free(X509_EXTENSION *a);
const ASN1_INTEGER *X509_get0_serialNumber(const X509 *x);
EVP_PKEY *X509_get0_pubkey(const X509 *x);
EVP_PKEY *X509_get_pubkey(X509 *x);
int X509_check_private_key(const X509 *x509, const EVP_PKEY *pkey);
int X509_digest(const X509 *data, const EVP_MD *type, unsigned char *md, unsigned int *len);
int X509_pubkey_digest(const X509 *data, const EVP_MD *type, unsigned char *md, unsigned int *len);
int X509_cmp(const X509 *a, const X509 *b);
int X509_set_ex_data(X509 *r, int idx, void *arg);
void *X509_get_ex_data(const X509 *r, int idx);
#define X509_get_ex_new_index(l, p, newf, dupf, freef) \
    CRYPTO_get_ex_new_index(CRYPTO_EX_INDEX_X509, l, p, newf, dupf, freef)

char *X509_NAME_oneline(const X509_NAME *a, char *buf, int size);
int X509_NAME_print_ex(BIO *out, const X509_NAME *nm, int indent, unsigned long flags);
int X509_NAME_print_ex_fp(FILE *fp, const X509_NAME *nm, int indent, unsigned long flags);
int X509_NAME_entry_count(const X509_NAME *name);
int X509_NAME_get_text_by_NID(const X509_NAME *name, int nid, char *buf, int len);

#ifdef __cplusplus
}
#endif

#include <openssl/x509_vfy.h>
#endif
