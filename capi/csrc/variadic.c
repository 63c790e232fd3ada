/*
 * The variadic entry points of the C API. Stable Rust cannot define C-variadic functions,
 * so these few are written in C: each formats its arguments with vsnprintf and hands the
 * result to a plain Rust function (rdtls_err_* / BIO_write). Nothing else lives here.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bio_st BIO;

/* Rust side (capi/src/error/exports.rs, capi/src/bio). */
void rdtls_err_set_error_text(int lib, int reason, const char *text);
void rdtls_err_add_error_text(const char *text);
int BIO_write(BIO *b, const void *data, int dlen);
typedef struct evp_pkey_st EVP_PKEY;
EVP_PKEY *rdtls_pkey_q_keygen(const char *type, const char *curve, size_t bits);

/* Longest data string an error entry keeps (ERR_MAX_DATA_SIZE). */
#define RDTLS_ERR_DATA_MAX 1024

void ERR_vset_error(int lib, int reason, const char *fmt, va_list args)
{
    char buf[RDTLS_ERR_DATA_MAX];

    if (fmt == NULL) {
        rdtls_err_set_error_text(lib, reason, NULL);
        return;
    }
    vsnprintf(buf, sizeof(buf), fmt, args);
    rdtls_err_set_error_text(lib, reason, buf);
}

void ERR_set_error(int lib, int reason, const char *fmt, ...)
{
    va_list args;

    va_start(args, fmt);
    ERR_vset_error(lib, reason, fmt, args);
    va_end(args);
}

void ERR_add_error_vdata(int num, va_list args)
{
    char buf[RDTLS_ERR_DATA_MAX];
    size_t used = 0;
    int i;

    buf[0] = '\0';
    for (i = 0; i < num; i++) {
        const char *s = va_arg(args, const char *);
        size_t n;

        if (s == NULL)
            continue;
        n = strlen(s);
        if (n > sizeof(buf) - 1 - used)
            n = sizeof(buf) - 1 - used;
        memcpy(buf + used, s, n);
        used += n;
        buf[used] = '\0';
    }
    rdtls_err_add_error_text(buf);
}

void ERR_add_error_data(int num, ...)
{
    va_list args;

    va_start(args, num);
    ERR_add_error_vdata(num, args);
    va_end(args);
}

void ERR_add_error_txt(const char *sep, const char *txt)
{
    if (txt == NULL)
        return;
    (void)sep;
    rdtls_err_add_error_text(txt);
}

int BIO_vsnprintf(char *buf, size_t n, const char *format, va_list args)
{
    int r;

    if (buf == NULL || format == NULL || n == 0)
        return -1;
    r = vsnprintf(buf, n, format, args);
    /* OpenSSL returns -1 when the output was truncated. */
    if (r < 0 || (size_t)r >= n)
        return -1;
    return r;
}

int BIO_snprintf(char *buf, size_t n, const char *format, ...)
{
    va_list args;
    int r;

    va_start(args, format);
    r = BIO_vsnprintf(buf, n, format, args);
    va_end(args);
    return r;
}

int BIO_vprintf(BIO *bio, const char *format, va_list args)
{
    char small[512];
    char *p = small;
    va_list copy;
    int n, w;

    if (format == NULL)
        return -1;
    va_copy(copy, args);
    n = vsnprintf(small, sizeof(small), format, copy);
    va_end(copy);
    if (n < 0)
        return -1;
    if ((size_t)n >= sizeof(small)) {
        p = malloc((size_t)n + 1);
        if (p == NULL)
            return -1;
        vsnprintf(p, (size_t)n + 1, format, args);
    }
    w = n == 0 ? 0 : BIO_write(bio, p, n);
    if (p != small)
        free(p);
    return w;
}

int BIO_printf(BIO *bio, const char *format, ...)
{
    va_list args;
    int r;

    va_start(args, format);
    r = BIO_vprintf(bio, format, args);
    va_end(args);
    return r;
}

/* EVP_PKEY_Q_keygen (behind EVP_EC_gen and EVP_RSA_gen): the variadic argument is the curve
 * name (char *) for "EC", the modulus size (size_t) for "RSA", nothing otherwise, as in
 * OpenSSL 3.0. The library context and property query are ignored. */
EVP_PKEY *EVP_PKEY_Q_keygen(void *libctx, const char *propq, const char *type, ...)
{
    va_list args;
    const char *curve = NULL;
    size_t bits = 0;

    (void)libctx;
    (void)propq;
    va_start(args, type);
    if (type != NULL && (strcmp(type, "EC") == 0 || strcmp(type, "ec") == 0))
        curve = va_arg(args, const char *);
    else if (type != NULL && (strcmp(type, "RSA") == 0 || strcmp(type, "rsa") == 0))
        bits = va_arg(args, size_t);
    va_end(args);
    return rdtls_pkey_q_keygen(type, curve, bits);
}
