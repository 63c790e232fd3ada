/* compat corpus: certificates as IoT and WebRTC programs make them at start-up, with the
 * extension calls of OpenSSL's demos (X509V3_set_ctx, X509V3_EXT_conf_nid/nconf_nid/nconf,
 * X509_add_ext) and the free-standing validity times (X509_gmtime_adj(NULL, ...),
 * X509_set1_notBefore/After, ASN1_TIME_free) and serial (ASN1_INTEGER_new,
 * X509_set_serialNumber):
 *   ca.pem    P-256 CA: basicConstraints critical CA:TRUE pathlen:0, keyUsage critical,
 *             subjectKeyIdentifier hash, authorityKeyIdentifier keyid:always
 *   leaf.pem  signed by the CA: basicConstraints CA:FALSE, keyUsage critical,
 *             extendedKeyUsage serverAuth+clientAuth, subjectAltName DNS+IPv4+IPv6,
 *             subjectKeyIdentifier hash, authorityKeyIdentifier keyid
 *   v1.pem    self-signed X509_set_version(x, 0): a v1 certificate without extensions
 * Prints "version NAME N" for each and "cert_ext ok".
 * Usage: cert_ext OUTDIR */
#include <stdio.h>
#include <stdlib.h>
#include <openssl/asn1.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static void die(const char *what)
{
    fprintf(stderr, "cert_ext: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* Version, serial (a free-standing ASN1_INTEGER), validity (free-standing ASN1_TIMEs),
 * subject, public key and issuer name. */
static X509 *draft(long version, long serial, const char *cn, EVP_PKEY *key, X509 *issuer)
{
    X509 *x = X509_new();
    ASN1_INTEGER *sn = ASN1_INTEGER_new();
    ASN1_TIME *from = X509_gmtime_adj(NULL, -3600);
    ASN1_TIME *until = X509_gmtime_adj(NULL, 60L * 60 * 24 * 365);

    if (x == NULL || sn == NULL || from == NULL || until == NULL)
        die("allocation");
    if (!X509_set_version(x, version) || !ASN1_INTEGER_set(sn, serial)
        || !X509_set_serialNumber(x, sn) || !X509_set1_notBefore(x, from)
        || !X509_set1_notAfter(x, until) || !X509_set_pubkey(x, key)
        || !X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
            (const unsigned char *)cn, -1, -1, 0)
        || !X509_set_issuer_name(x, X509_get_subject_name(issuer != NULL ? issuer : x)))
        die("certificate fields");
    ASN1_INTEGER_free(sn);
    ASN1_TIME_free(from);
    ASN1_TIME_free(until);
    return x;
}

static void add_nid(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);

    if (ext == NULL || !X509_add_ext(x, ext, -1))
        die(value);
    X509_EXTENSION_free(ext);
}

static void add_named(X509 *x, X509V3_CTX *ctx, const char *name, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf(NULL, ctx, name, value);

    if (ext == NULL || !X509_add_ext(x, ext, -1))
        die(value);
    X509_EXTENSION_free(ext);
}

static void write_pem(const char *dir, const char *file, X509 *x)
{
    char path[4096];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", dir, file);
    fp = fopen(path, "w");
    if (fp == NULL || PEM_write_X509(fp, x) != 1)
        die(path);
    fclose(fp);
    printf("version %s %ld\n", file, X509_get_version(x));
}

int main(int argc, char **argv)
{
    EVP_PKEY *ca_key, *leaf_key, *v1_key;
    X509 *ca, *leaf, *v1;
    X509V3_CTX ctx;

    if (argc != 2) {
        fprintf(stderr, "usage: cert_ext OUTDIR\n");
        return 2;
    }
    ca_key = EVP_EC_gen("P-256");
    leaf_key = EVP_EC_gen("P-256");
    v1_key = EVP_EC_gen("P-256");
    if (ca_key == NULL || leaf_key == NULL || v1_key == NULL)
        die("EVP_EC_gen");

    ca = draft(2, 1, "cert_ext CA", ca_key, NULL);
    X509V3_set_ctx(&ctx, ca, ca, NULL, NULL, 0);
    X509V3_set_ctx_nodb(&ctx);
    add_nid(ca, &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
    add_nid(ca, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    add_nid(ca, &ctx, NID_subject_key_identifier, "hash");
    add_nid(ca, &ctx, NID_authority_key_identifier, "keyid:always");
    if (X509_sign(ca, ca_key, EVP_sha256()) <= 0)
        die("X509_sign CA");

    leaf = draft(2, 2, "device.local", leaf_key, ca);
    X509V3_set_ctx(&ctx, ca, leaf, NULL, NULL, 0);
    add_nid(leaf, &ctx, NID_basic_constraints, "CA:FALSE");
    add_nid(leaf, &ctx, NID_key_usage, "critical,digitalSignature,keyAgreement");
    add_named(leaf, &ctx, "extendedKeyUsage", "serverAuth,clientAuth");
    add_nid(leaf, &ctx, NID_subject_alt_name, "DNS:device.local,IP:127.0.0.1,IP:::1");
    add_nid(leaf, &ctx, NID_subject_key_identifier, "hash");
    add_nid(leaf, &ctx, NID_authority_key_identifier, "keyid");
    if (X509_sign(leaf, ca_key, EVP_sha256()) <= 0)
        die("X509_sign leaf");

    v1 = draft(0, 3, "cert_ext v1", v1_key, NULL);
    if (X509_sign(v1, v1_key, EVP_sha256()) <= 0)
        die("X509_sign v1");

    write_pem(argv[1], "ca.pem", ca);
    write_pem(argv[1], "leaf.pem", leaf);
    write_pem(argv[1], "v1.pem", v1);
    X509_free(ca);
    X509_free(leaf);
    X509_free(v1);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(leaf_key);
    EVP_PKEY_free(v1_key);
    printf("cert_ext ok\n");
    return 0;
}
