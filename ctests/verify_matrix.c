/* verify_matrix.c - one cell of the certificate matrix (ctests/t_verify_matrix.sh, issue 7).
 *
 *   verify_matrix MODE CHAIN KEY CAFILE [CRL|-] [HOST]
 *
 * A DTLS server presenting CHAIN/KEY and a client trusting CAFILE (checking HOST with
 * SSL_set1_host, default "localhost"; with CRL, X509_V_FLAG_CRL_CHECK) handshake over two
 * loopback UDP sockets in this one process. MODE is the client's verification:
 *   none    SSL_VERIFY_NONE, callback returns preverify_ok
 *   peer    SSL_VERIFY_PEER, callback returns preverify_ok (OpenSSL's default behaviour)
 *   all     SSL_VERIFY_PEER, callback accepts everything
 *   only20  SSL_VERIFY_PEER, callback accepts only X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
 * Prints one line: "hs=ok|fail result=N calls=depth:error:preverify,..." and exits 0 (the
 * script compares lines). With VM_PARAM_HOST set, HOST is given through
 * X509_VERIFY_PARAM_set1_host(SSL_get0_param()) instead. The same source builds against the system OpenSSL and rdtls;
 * CRL functions are looked up at run time, so a library without them reports "nocrl".
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

static char calls[4096];
static int mode_only20, mode_all;

static int record_cb(int ok, X509_STORE_CTX *ctx)
{
    int err = X509_STORE_CTX_get_error(ctx);
    int depth = X509_STORE_CTX_get_error_depth(ctx);
    size_t used = strlen(calls);
    if (used < sizeof(calls) - 32)
        snprintf(calls + used, sizeof(calls) - used, "%s%d:%d:%d", used ? "," : "", depth, err,
                 ok);
    if (mode_all)
        return 1;
    if (mode_only20)
        return ok || err == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY;
    return ok;
}

static int udp_socket(struct sockaddr_in *addr)
{
    socklen_t len = sizeof(*addr);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0)
        return -1;
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) != 0 ||
        getsockname(fd, (struct sockaddr *)addr, &len) != 0)
        return -1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

static BIO *connected_bio(int fd, struct sockaddr_in *peer)
{
    BIO *b;
    if (connect(fd, (struct sockaddr *)peer, sizeof(*peer)) != 0)
        return NULL;
    b = BIO_new_dgram(fd, BIO_CLOSE);
    if (b != NULL)
        BIO_ctrl(b, BIO_CTRL_DGRAM_SET_CONNECTED, 0, peer);
    return b;
}

/* Loads CRL into the client's store through functions looked up at run time. */
static const char *add_crl(SSL_CTX *ctx, const char *path)
{
    void *self = dlopen(NULL, RTLD_NOW);
    void *(*read_crl)(BIO *, void *, void *, void *) = NULL;
    int (*store_add)(X509_STORE *, void *) = NULL;
    BIO *in;
    void *crl;
    if (self == NULL)
        return "nocrl";
    *(void **)(&read_crl) = dlsym(self, "PEM_read_bio_X509_CRL");
    *(void **)(&store_add) = dlsym(self, "X509_STORE_add_crl");
    if (read_crl == NULL || store_add == NULL)
        return "nocrl";
    in = BIO_new_file(path, "r");
    if (in == NULL)
        return "crl-open";
    crl = read_crl(in, NULL, NULL, NULL);
    BIO_free(in);
    if (crl == NULL || store_add(SSL_CTX_get_cert_store(ctx), crl) != 1)
        return "crl-load";
    X509_STORE_set_flags(SSL_CTX_get_cert_store(ctx), X509_V_FLAG_CRL_CHECK);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *mode, *host = "localhost", *crl_note = "";
    SSL_CTX *sctx, *cctx;
    SSL *srv, *cli;
    struct sockaddr_in sa, ca;
    int sfd, cfd, cdone = 0, sdone = 0, cfail = 0, sfail = 0, i, vmode;
    struct pollfd pf[2];

    if (argc < 5) {
        fprintf(stderr, "usage: %s MODE CHAIN KEY CAFILE [CRL|-] [HOST]\n", argv[0]);
        return 2;
    }
    mode = argv[1];
    if (argc > 6)
        host = argv[6];
    mode_all = strcmp(mode, "all") == 0;
    mode_only20 = strcmp(mode, "only20") == 0;
    vmode = strcmp(mode, "none") == 0 ? SSL_VERIFY_NONE : SSL_VERIFY_PEER;

    sctx = SSL_CTX_new(DTLS_server_method());
    cctx = SSL_CTX_new(DTLS_client_method());
    if (sctx == NULL || cctx == NULL ||
        SSL_CTX_use_certificate_chain_file(sctx, argv[2]) != 1 ||
        SSL_CTX_use_PrivateKey_file(sctx, argv[3], SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_load_verify_locations(cctx, argv[4], NULL) != 1) {
        printf("setup-failed\n");
        ERR_print_errors_fp(stderr);
        return 1;
    }
    if (argc > 5 && strcmp(argv[5], "-") != 0) {
        const char *e = add_crl(cctx, argv[5]);
        if (e != NULL)
            crl_note = e;
    }
    SSL_CTX_set_verify(cctx, vmode, record_cb);

    sfd = udp_socket(&sa);
    cfd = udp_socket(&ca);
    if (sfd < 0 || cfd < 0) {
        printf("socket-failed\n");
        return 1;
    }
    srv = SSL_new(sctx);
    cli = SSL_new(cctx);
    {
        BIO *sb = connected_bio(sfd, &ca), *cb = connected_bio(cfd, &sa);
        if (srv == NULL || cli == NULL || sb == NULL || cb == NULL) {
            printf("setup-failed\n");
            return 1;
        }
        SSL_set_bio(srv, sb, sb);
        SSL_set_bio(cli, cb, cb);
    }
    SSL_set_tlsext_host_name(cli, host);
    /* VM_PARAM_HOST=1: the name goes through SSL_get0_param (the OpenSSL wiki's pattern). */
    if (getenv("VM_PARAM_HOST") != NULL)
        X509_VERIFY_PARAM_set1_host(SSL_get0_param(cli), host, 0);
    else
        SSL_set1_host(cli, host);
    SSL_set_accept_state(srv);
    SSL_set_connect_state(cli);

    pf[0].fd = sfd;
    pf[1].fd = cfd;
    pf[0].events = pf[1].events = POLLIN;
    /* Loopback delivers at once; 400 rounds of at most 50 ms bound a stuck handshake. */
    for (i = 0; i < 400 && !(cdone || cfail) ; i++) {
        int r;
        if (!cdone && !cfail) {
            r = SSL_do_handshake(cli);
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(cli, r) != SSL_ERROR_WANT_READ)
                cfail = 1;
        }
        if (!sdone && !sfail) {
            r = SSL_do_handshake(srv);
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(srv, r) != SSL_ERROR_WANT_READ)
                sfail = 1;
        }
        if (!(cdone || cfail))
            poll(pf, 2, 50);
    }
    ERR_clear_error();
    printf("hs=%s result=%ld calls=%s%s%s\n", cdone ? "ok" : "fail",
           SSL_get_verify_result(cli), calls[0] ? calls : "-", crl_note[0] ? " " : "",
           crl_note);
    SSL_free(cli);
    SSL_free(srv);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return 0;
}
