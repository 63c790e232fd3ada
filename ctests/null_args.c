/*
 * null_args.c - calls exported functions with NULL (or otherwise absent) arguments and
 * checks that they fail the way OpenSSL 3.0 documents/behaves: NULL, 0 or -1, never a crash.
 *
 * Only calls that OpenSSL 3.0 itself survives are listed (many OpenSSL functions
 * dereference NULL); the point is that librdtls, a drop-in for them, never crashes either.
 * Each check runs in its own fork()ed child so that one crash is reported by name and does
 * not hide the others. Usage: null_args CERTDIR. Exit 0 when every check passed.
 */
#define _GNU_SOURCE 1
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static int checks, failures;
static const char *certdir;

/* Runs body in a child; the child exits 0 when body returned 1. */
static void run_check(const char *name, int (*body)(void))
{
    pid_t pid;
    int st = 0;

    checks++;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    if (pid < 0) {
        perror("fork");
        failures++;
        return;
    }
    if (pid == 0) {
        alarm(10);
        _exit(body() ? 0 : 1);
    }
    while (waitpid(pid, &st, 0) < 0)
        ;
    if (WIFSIGNALED(st)) {
        printf("CRASH  %s (signal %d)\n", name, WTERMSIG(st));
        failures++;
    } else if (WEXITSTATUS(st) != 0) {
        printf("FAIL   %s\n", name);
        failures++;
    } else {
        printf("ok     %s\n", name);
    }
}

#define EXPECT(cond)                                                      \
    do {                                                                  \
        if (!(cond)) {                                                    \
            fprintf(stderr, "  expected %s (line %d)\n", #cond, __LINE__); \
            return 0;                                                     \
        }                                                                 \
    } while (0)

static SSL_CTX *client_ctx(void)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());
    if (ctx == NULL)
        exit(3);
    return ctx;
}

/* A client SSL with no BIO attached. */
static SSL *bare_ssl(void)
{
    SSL *ssl = SSL_new(client_ctx());
    if (ssl == NULL)
        exit(3);
    return ssl;
}

/* ---- constructors and destructors ---------------------------------------------------- */
static int t_ctx_new_null(void) { EXPECT(SSL_CTX_new(NULL) == NULL); return 1; }
static int t_ssl_new_null(void) { EXPECT(SSL_new(NULL) == NULL); return 1; }
static int t_ssl_free_null(void) { SSL_free(NULL); return 1; }
static int t_ctx_free_null(void) { SSL_CTX_free(NULL); return 1; }
static int t_bio_free_null(void) { EXPECT(BIO_free(NULL) == 0); return 1; }
static int t_bio_free_all_null(void) { BIO_free_all(NULL); return 1; }
static int t_x509_free_null(void) { X509_free(NULL); return 1; }
static int t_session_free_null(void) { SSL_SESSION_free(NULL); return 1; }

/* ---- BIO I/O on NULL ----------------------------------------------------------------- */
static int t_bio_read_null(void)
{
    char b[4];
    EXPECT(BIO_read(NULL, b, (int)sizeof(b)) <= 0);
    return 1;
}
static int t_bio_write_null(void) { EXPECT(BIO_write(NULL, "x", 1) <= 0); return 1; }
static int t_bio_ctrl_null(void) { EXPECT(BIO_ctrl(NULL, BIO_CTRL_PENDING, 0, NULL) <= 0); return 1; }
static int t_bio_pending_null(void) { EXPECT(BIO_ctrl_pending(NULL) == 0); return 1; }
static int t_mem_write_null_buf(void)
{
    BIO *b = BIO_new(BIO_s_mem());
    EXPECT(b != NULL);
    EXPECT(BIO_write(b, NULL, 0) <= 0);
    BIO_free(b);
    return 1;
}

/* ---- files that are not there -------------------------------------------------------- */
static int t_chain_file_null(void)
{
    SSL_CTX *ctx = client_ctx();
    EXPECT(SSL_CTX_use_certificate_chain_file(ctx, NULL) == 0);
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return 1;
}
static int t_key_file_null(void)
{
    SSL_CTX *ctx = client_ctx();
    EXPECT(SSL_CTX_use_PrivateKey_file(ctx, NULL, SSL_FILETYPE_PEM) == 0);
    SSL_CTX_free(ctx);
    return 1;
}
static int t_chain_file_missing(void)
{
    SSL_CTX *ctx = client_ctx();
    EXPECT(SSL_CTX_use_certificate_chain_file(ctx, "/nonexistent/rdtls.pem") == 0);
    EXPECT(ERR_peek_error() != 0);
    SSL_CTX_free(ctx);
    return 1;
}
static int t_key_file_missing(void)
{
    SSL_CTX *ctx = client_ctx();
    EXPECT(SSL_CTX_use_PrivateKey_file(ctx, "/nonexistent/rdtls.key", SSL_FILETYPE_PEM) == 0);
    SSL_CTX_free(ctx);
    return 1;
}
static int t_verify_locations_null(void)
{
    SSL_CTX *ctx = client_ctx();
    EXPECT(SSL_CTX_load_verify_locations(ctx, NULL, NULL) == 0);
    SSL_CTX_free(ctx);
    return 1;
}
static int t_verify_locations_missing(void)
{
    SSL_CTX *ctx = client_ctx();
    EXPECT(SSL_CTX_load_verify_locations(ctx, "/nonexistent/ca.pem", NULL) == 0);
    SSL_CTX_free(ctx);
    return 1;
}
static int t_check_key_without_cert(void)
{
    SSL_CTX *ctx = client_ctx();
    EXPECT(SSL_CTX_check_private_key(ctx) == 0);
    SSL_CTX_free(ctx);
    return 1;
}
static int t_key_mismatch(void)
{
    char cert[4096], key[4096];
    SSL_CTX *ctx = SSL_CTX_new(DTLS_server_method());
    snprintf(cert, sizeof(cert), "%s/server.pem", certdir);
    snprintf(key, sizeof(key), "%s/client.key", certdir);
    EXPECT(ctx != NULL);
    EXPECT(SSL_CTX_use_certificate_chain_file(ctx, cert) == 1);
    /* OpenSSL rejects a key that does not match the certificate already at load time. */
    EXPECT(SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 0
           || SSL_CTX_check_private_key(ctx) == 0);
    SSL_CTX_free(ctx);
    return 1;
}
static int t_bad_cipher_list(void)
{
    SSL_CTX *ctx = client_ctx();
    EXPECT(SSL_CTX_set_cipher_list(ctx, "NO-SUCH-CIPHER") == 0);
    SSL_CTX_free(ctx);
    return 1;
}

/* ---- SSL objects without BIOs or handshake ------------------------------------------- */
static int t_set_bio_null(void)
{
    SSL *ssl = bare_ssl();
    SSL_set_bio(ssl, NULL, NULL);
    EXPECT(SSL_get_rbio(ssl) == NULL);
    EXPECT(SSL_get_wbio(ssl) == NULL);
    SSL_free(ssl);
    return 1;
}
static int t_read_without_bio(void)
{
    SSL *ssl = bare_ssl();
    char b[16];
    int r;
    SSL_set_connect_state(ssl);
    r = SSL_read(ssl, b, (int)sizeof(b));
    EXPECT(r <= 0);
    EXPECT(SSL_get_error(ssl, r) != SSL_ERROR_NONE);
    SSL_free(ssl);
    return 1;
}
static int t_write_without_bio(void)
{
    SSL *ssl = bare_ssl();
    int r;
    SSL_set_connect_state(ssl);
    r = SSL_write(ssl, "x", 1);
    EXPECT(r <= 0);
    EXPECT(SSL_get_error(ssl, r) != SSL_ERROR_NONE);
    SSL_free(ssl);
    return 1;
}
static int t_connect_without_bio(void)
{
    SSL *ssl = bare_ssl();
    int r = SSL_connect(ssl);
    EXPECT(r <= 0);
    EXPECT(SSL_get_error(ssl, r) != SSL_ERROR_NONE);
    SSL_free(ssl);
    return 1;
}
static int t_read_uninitialised(void)
{
    SSL *ssl = bare_ssl();
    char b[16];
    /* Neither connect nor accept state set. */
    EXPECT(SSL_read(ssl, b, (int)sizeof(b)) <= 0);
    SSL_free(ssl);
    return 1;
}
static int t_shutdown_before_handshake(void)
{
    SSL *ssl = bare_ssl();
    SSL_set_connect_state(ssl);
    EXPECT(SSL_shutdown(ssl) <= 0 || SSL_shutdown(ssl) == 1);
    SSL_free(ssl);
    return 1;
}
static int t_peer_cert_before_handshake(void)
{
    SSL *ssl = bare_ssl();
    EXPECT(SSL_get1_peer_certificate(ssl) == NULL);
    SSL_free(ssl);
    return 1;
}
static int t_cipher_before_handshake(void)
{
    SSL *ssl = bare_ssl();
    EXPECT(SSL_get_current_cipher(ssl) == NULL);
    SSL_free(ssl);
    return 1;
}
static int t_cipher_name_null(void)
{
    const char *n = SSL_CIPHER_get_name(NULL);
    EXPECT(n != NULL);
    return 1;
}
static int t_get_timeout_idle(void)
{
    SSL *ssl = bare_ssl();
    struct timeval tv;
    EXPECT(DTLSv1_get_timeout(ssl, &tv) == 0);
    SSL_free(ssl);
    return 1;
}
static int t_handle_timeout_idle(void)
{
    SSL *ssl = bare_ssl();
    EXPECT(DTLSv1_handle_timeout(ssl) == 0);
    SSL_free(ssl);
    return 1;
}
static int t_session_before_handshake(void)
{
    SSL *ssl = bare_ssl();
    EXPECT(SSL_get1_session(ssl) == NULL);
    SSL_free(ssl);
    return 1;
}
static int t_set_session_null(void)
{
    SSL *ssl = bare_ssl();
    EXPECT(SSL_set_session(ssl, NULL) == 1);
    SSL_free(ssl);
    return 1;
}
static int t_pending_idle(void)
{
    SSL *ssl = bare_ssl();
    EXPECT(SSL_pending(ssl) == 0);
    SSL_free(ssl);
    return 1;
}
static int t_servername_unset(void)
{
    SSL *ssl = bare_ssl();
    EXPECT(SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name) == NULL);
    SSL_free(ssl);
    return 1;
}
static int t_set_host_name_null(void)
{
    SSL *ssl = bare_ssl();
    /* NULL clears the name; OpenSSL returns 1. */
    EXPECT(SSL_set_tlsext_host_name(ssl, NULL) == 1);
    SSL_free(ssl);
    return 1;
}
static int t_unknown_ctrl(void)
{
    SSL *ssl = bare_ssl();
    /* Unknown commands fail harmlessly with 0. */
    EXPECT(SSL_ctrl(ssl, 9999, 0, NULL) == 0);
    EXPECT(SSL_CTX_ctrl(SSL_get_SSL_CTX(ssl), 9999, 0, NULL) == 0);
    SSL_free(ssl);
    return 1;
}
static int t_mtu_too_small(void)
{
    SSL *ssl = bare_ssl();
    EXPECT(DTLS_set_link_mtu(ssl, 10) == 0);
    SSL_free(ssl);
    return 1;
}
static int t_listen_without_bio(void)
{
    SSL *ssl = SSL_new(SSL_CTX_new(DTLS_server_method()));
    BIO_ADDR *addr = BIO_ADDR_new();
    EXPECT(ssl != NULL && addr != NULL);
    EXPECT(DTLSv1_listen(ssl, addr) <= 0);
    BIO_ADDR_free(addr);
    SSL_free(ssl);
    return 1;
}
static int t_listen_no_data(void)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_server_method());
    SSL *ssl = SSL_new(ctx);
    BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
    BIO_ADDR *addr = BIO_ADDR_new();
    EXPECT(ssl != NULL && in != NULL && out != NULL && addr != NULL);
    (void)BIO_set_mem_eof_return(in, -1);
    SSL_set_bio(ssl, in, out);
    /* Nothing to read: 0 (try again), not a crash; fails (<0) without cookie callbacks. */
    EXPECT(DTLSv1_listen(ssl, addr) <= 0);
    BIO_ADDR_free(addr);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}
static int t_garbage_datagram(void)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_server_method());
    SSL *ssl = SSL_new(ctx);
    BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
    static const unsigned char junk[] = { 22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
                                          1, 2, 3 };
    int r;
    EXPECT(ssl != NULL && in != NULL && out != NULL);
    (void)BIO_set_mem_eof_return(in, -1);
    SSL_set_bio(ssl, in, out);
    SSL_set_accept_state(ssl);
    BIO_write(in, junk, (int)sizeof(junk));
    r = SSL_do_handshake(ssl);
    /* A bad record is dropped silently (RFC 6347 §4.1.2.7): wait for more. */
    EXPECT(r <= 0);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}
static int t_verify_result_idle(void)
{
    SSL *ssl = bare_ssl();
    EXPECT(SSL_get_verify_result(ssl) == X509_V_OK);
    SSL_free(ssl);
    return 1;
}
static int t_err_empty(void)
{
    ERR_clear_error();
    EXPECT(ERR_get_error() == 0);
    EXPECT(ERR_peek_error() == 0);
    ERR_print_errors_fp(stderr);
    return 1;
}
static int t_callbacks_null(void)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_server_method());
    SSL *ssl;
    EXPECT(ctx != NULL);
    SSL_CTX_set_cookie_generate_cb(ctx, NULL);
    SSL_CTX_set_cookie_verify_cb(ctx, NULL);
    SSL_CTX_set_keylog_callback(ctx, NULL);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    ssl = SSL_new(ctx);
    EXPECT(ssl != NULL);
    SSL_set_msg_callback(ssl, NULL);
    DTLS_set_timer_cb(ssl, NULL);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 1;
}
static int t_dgram_bad_fd(void)
{
    BIO *b = BIO_new_dgram(-1, BIO_NOCLOSE);
    char buf[8];
    EXPECT(b != NULL);
    EXPECT(BIO_read(b, buf, (int)sizeof(buf)) <= 0);
    EXPECT(BIO_write(b, "x", 1) <= 0);
    BIO_free(b);
    return 1;
}
static int t_up_ref_free(void)
{
    SSL_CTX *ctx = client_ctx();
    EXPECT(SSL_CTX_up_ref(ctx) == 1);
    SSL_CTX_free(ctx);
    SSL_CTX_free(ctx);
    return 1;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(void);
    } all[] = {
#define C(f) { #f, f }
        C(t_ctx_new_null), C(t_ssl_new_null), C(t_ssl_free_null), C(t_ctx_free_null),
        C(t_bio_free_null), C(t_bio_free_all_null), C(t_x509_free_null),
        C(t_session_free_null), C(t_bio_read_null), C(t_bio_write_null), C(t_bio_ctrl_null),
        C(t_bio_pending_null), C(t_mem_write_null_buf), C(t_chain_file_null),
        C(t_key_file_null), C(t_chain_file_missing), C(t_key_file_missing),
        C(t_verify_locations_null), C(t_verify_locations_missing),
        C(t_check_key_without_cert), C(t_key_mismatch), C(t_bad_cipher_list),
        C(t_set_bio_null), C(t_read_without_bio), C(t_write_without_bio),
        C(t_connect_without_bio), C(t_read_uninitialised), C(t_shutdown_before_handshake),
        C(t_peer_cert_before_handshake), C(t_cipher_before_handshake), C(t_cipher_name_null),
        C(t_get_timeout_idle), C(t_handle_timeout_idle), C(t_session_before_handshake),
        C(t_set_session_null), C(t_pending_idle), C(t_servername_unset),
        C(t_set_host_name_null), C(t_unknown_ctrl), C(t_mtu_too_small),
        C(t_listen_without_bio), C(t_listen_no_data), C(t_garbage_datagram),
        C(t_verify_result_idle), C(t_err_empty), C(t_callbacks_null), C(t_dgram_bad_fd),
        C(t_up_ref_free),
#undef C
    };
    size_t i;

    if (argc != 2) {
        fprintf(stderr, "usage: null_args CERTDIR\n");
        return 2;
    }
    certdir = argv[1];
    signal(SIGPIPE, SIG_IGN);
    for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        run_check(all[i].name, all[i].fn);
    printf("null_args: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
