/* rdtls: <openssl/pem.h> — reading certificates and unencrypted keys, writing certificates. */
#ifndef OPENSSL_PEM_H
#define OPENSSL_PEM_H
#define HEADER_PEM_H

#include <openssl/e_os2.h>
#include <openssl/bio.h>
#include <openssl/safestack.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/pemerr.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PEM_STRING_X509 "CERTIFICATE"
#define PEM_STRING_X509_TRUSTED "TRUSTED CERTIFICATE"
#define PEM_STRING_EVP_PKEY "ANY PRIVATE KEY"
#define PEM_STRING_PKCS8 "ENCRYPTED PRIVATE KEY"
#define PEM_STRING_PKCS8INF "PRIVATE KEY"
#define PEM_STRING_RSA "RSA PRIVATE KEY"
#define PEM_STRING_ECPRIVATEKEY "EC PRIVATE KEY"

/* The password callback is accepted but never called: encrypted keys are refused. */
X509 *PEM_read_bio_X509(BIO *bp, X509 **x, pem_password_cb *cb, void *u);
X509_CRL *PEM_read_bio_X509_CRL(BIO *bp, X509_CRL **x, pem_password_cb *cb, void *u);
X509 *PEM_read_bio_X509_AUX(BIO *bp, X509 **x, pem_password_cb *cb, void *u);
X509 *PEM_read_X509(FILE *fp, X509 **x, pem_password_cb *cb, void *u);
EVP_PKEY *PEM_read_bio_PrivateKey(BIO *bp, EVP_PKEY **x, pem_password_cb *cb, void *u);
EVP_PKEY *PEM_read_PrivateKey(FILE *fp, EVP_PKEY **x, pem_password_cb *cb, void *u);
int PEM_write_bio_X509(BIO *bp, const X509 *x);
int PEM_write_X509(FILE *fp, const X509 *x);

#ifdef __cplusplus
}
#endif
#endif
