/* compat corpus: a WebRTC-style start-up. Makes a fresh ECDSA P-256 key and a self-signed
 * certificate in memory, prints its SHA-256 fingerprint the way an SDP "a=fingerprint" line
 * carries it, loads both into a DTLS context, and also makes a small CA and a certificate
 * it signs, and an RSA certificate. Writes OUTDIR/{self.pem,self.key,ca.pem,leaf.pem,
 * rsa.pem}; prints "fingerprint sha-256 AB:CD:..." and "webrtc_cert ok".
 * Usage: webrtc_cert OUTDIR */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static void die(const char *what)
{
    fprintf(stderr, "webrtc_cert: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* The EVP_PKEY_CTX way (as libwebrtc's OpenSSLKeyPair does). */
static EVP_PKEY *make_key_ctx(void)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);

    if (ctx == NULL || EVP_PKEY_keygen_init(ctx) <= 0
        || EVP_PKEY_CTX_set_ec_paramgen_curve_nid(ctx, NID_X9_62_prime256v1) <= 0
        || EVP_PKEY_keygen(ctx, &pkey) <= 0)
        die("EVP_PKEY_keygen");
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

static X509 *make_cert(EVP_PKEY *subject_key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key)
{
    X509 *x = X509_new();
    X509_NAME *name;
    unsigned char serial_bytes[4];
    long serial;

    if (x == NULL)
        die("X509_new");
    if (RAND_bytes(serial_bytes, sizeof(serial_bytes)) != 1)
        die("RAND_bytes");
    serial = ((long)(serial_bytes[0] & 0x7f) << 24) | ((long)serial_bytes[1] << 16)
        | ((long)serial_bytes[2] << 8) | serial_bytes[3];
    if (!X509_set_version(x, 2)
        || !ASN1_INTEGER_set(X509_get_serialNumber(x), serial)
        || !X509_gmtime_adj(X509_getm_notBefore(x), -60 * 60 * 24)
        || !X509_gmtime_adj(X509_get_notAfter(x), 60L * 60 * 24 * 30)
        || !X509_set_pubkey(x, subject_key))
        die("certificate fields");
    name = X509_get_subject_name(x);
    if (!X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"US", -1,
            -1, 0)
        || !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
            (const unsigned char *)"rdtls compat", -1, -1, 0)
        || !X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_ASC,
            (const unsigned char *)cn, -1, -1, 0))
        die("X509_NAME_add_entry");
    if (!X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : name))
        die("X509_set_issuer_name");
    if (X509_sign(x, issuer_key != NULL ? issuer_key : subject_key, EVP_sha256()) <= 0)
        die("X509_sign");
    return x;
}

static void add_ext(X509 *x, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, NULL, nid, value);

    if (ext == NULL || !X509_add_ext(x, ext, -1))
        die(value);
    X509_EXTENSION_free(ext);
}

static void write_pem(const char *dir, const char *file, X509 *x, EVP_PKEY *k)
{
    char path[4096];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    fp = fopen(path, "w");
    if (fp == NULL)
        die(path);
    if ((x != NULL && PEM_write_X509(fp, x) != 1)
        || (k != NULL && PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL) != 1))
        die("PEM_write");
    fclose(fp);
}

int main(int argc, char **argv)
{
    EVP_PKEY *key, *ca_key;
    X509 *cert, *ca, *leaf;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0, i;
    unsigned char *der = NULL;
    int der_len;
    BIO *mem;
    SSL_CTX *ctx;

    if (argc != 2) {
        fprintf(stderr, "usage: webrtc_cert OUTDIR\n");
        return 2;
    }
    key = make_key_ctx();
    cert = make_cert(key, "WebRTC", NULL, NULL);

    if (!X509_digest(cert, EVP_sha256(), md, &md_len) || md_len != 32)
        die("X509_digest");
    printf("fingerprint sha-256 ");
    for (i = 0; i < md_len; i++)
        printf("%02X%s", md[i], i + 1 < md_len ? ":" : "\n");

    der_len = i2d_X509(cert, &der);
    if (der_len <= 0)
        die("i2d_X509");
    OPENSSL_free(der);
    mem = BIO_new(BIO_s_mem());
    if (mem == NULL || PEM_write_bio_X509(mem, cert) != 1
        || PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL) != 1)
        die("PEM_write_bio");
    BIO_free(mem);

    /* The certificate and key serve a DTLS context as they are. */
    ctx = SSL_CTX_new(DTLS_method());
    if (ctx == NULL || SSL_CTX_use_certificate(ctx, cert) != 1
        || SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1)
        die("SSL_CTX_use_certificate");
    SSL_CTX_free(ctx);
    write_pem(argv[1], "self.pem", cert, NULL);
    write_pem(argv[1], "self.key", NULL, key);

    /* A CA (P-384, made with EVP_EC_gen) and a certificate it signs. */
    ca_key = EVP_EC_gen("P-384");
    if (ca_key == NULL)
        die("EVP_EC_gen");
    ca = X509_new();
    if (ca == NULL)
        die("X509_new");
    X509_free(ca);
    {
        /* make_cert signs with SHA-256; a P-384 CA signs with SHA-384. */
        X509 *c = X509_new();
        X509_NAME *n;
        if (c == NULL || !X509_set_version(c, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(c), 1)
            || !X509_gmtime_adj(X509_getm_notBefore(c), -3600)
            || !X509_gmtime_adj(X509_getm_notAfter(c), 3600L * 24 * 365)
            || !X509_set_pubkey(c, ca_key))
            die("CA fields");
        n = X509_get_subject_name(c);
        if (!X509_NAME_add_entry_by_txt(n, "commonName", MBSTRING_UTF8,
                (const unsigned char *)"rdtls compat CA", -1, -1, 0)
            || !X509_set_issuer_name(c, n))
            die("CA name");
        add_ext(c, NID_basic_constraints, "critical,CA:TRUE");
        add_ext(c, NID_key_usage, "critical,keyCertSign,cRLSign");
        if (X509_sign(c, ca_key, EVP_sha384()) <= 0)
            die("CA sign");
        ca = c;
    }
    {
        X509 *l = X509_new();
        if (l == NULL || !X509_set_version(l, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(l), 2)
            || !X509_gmtime_adj(X509_getm_notBefore(l), -3600)
            || !X509_gmtime_adj(X509_getm_notAfter(l), 3600L * 24 * 30)
            || !X509_set_pubkey(l, key)
            || !X509_NAME_add_entry_by_txt(X509_get_subject_name(l), "CN", MBSTRING_ASC,
                (const unsigned char *)"leaf", -1, -1, 0)
            || !X509_set_issuer_name(l, X509_get_subject_name(ca)))
            die("leaf fields");
        add_ext(l, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
        if (X509_sign(l, ca_key, EVP_sha384()) <= 0)
            die("leaf sign");
        leaf = l;
    }
    /* An RSA-2048 self-signed certificate (EVP_RSA_gen, SHA-256). */
    {
        EVP_PKEY *rk = EVP_RSA_gen(2048);
        X509 *r;

        if (rk == NULL)
            die("EVP_RSA_gen");
        r = make_cert(rk, "rsa", NULL, NULL);
        write_pem(argv[1], "rsa.pem", r, NULL);
        X509_free(r);
        EVP_PKEY_free(rk);
    }
    write_pem(argv[1], "ca.pem", ca, NULL);
    write_pem(argv[1], "leaf.pem", leaf, NULL);

    X509_free(leaf);
    X509_free(ca);
    X509_free(cert);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(key);
    printf("webrtc_cert ok\n");
    return 0;
}
