/*
 * The server callbacks a legacy DTLS server sets, on DTLS 1.3 (issue 13): a server using
 * DTLSv1_listen with cookie callbacks, a client-hello callback and an ALPN select callback,
 * both ends with a key log callback, over loopback UDP in one process (non-blocking, both
 * ends driven in turn). Prints which callbacks ran and what they saw, the version and ALPN
 * of both ends, and the key log labels of both ends.
 *
 * Usage: hooks13 CERTDIR 13|12
 *   13: both ends SSL_CTX_set_max_proto_version(ctx, 0xFEFC) (DTLS 1.3; rdtls only)
 *   12: both ends capped at DTLS 1.2: the output must equal the system OpenSSL build's.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define DTLS13 0xFEFC
#define MAX_LABELS 8

static const unsigned char app_cookie[] = "hooks13-app-cookie";
static int ran_generate, ran_verify, ran_verify_ok, ran_client_hello, ran_alpn;
static unsigned int hello_legacy_version;
static int hello_sni, hello_alpn, hello_versions;
static char alpn_offered[64];
static int first_server_msg = -1;

struct labels {
    int n;
    char name[MAX_LABELS][40];
};
static struct labels client_labels, server_labels;

static int cookie_generate(SSL *s, unsigned char *cookie, unsigned int *len)
{
    (void)s;
    ran_generate++;
    memcpy(cookie, app_cookie, sizeof(app_cookie) - 1);
    *len = (unsigned int)(sizeof(app_cookie) - 1);
    return 1;
}

static int cookie_verify(SSL *s, const unsigned char *cookie, unsigned int len)
{
    (void)s;
    ran_verify++;
    if (len == sizeof(app_cookie) - 1 && memcmp(cookie, app_cookie, len) == 0) {
        ran_verify_ok++;
        return 1;
    }
    return 0;
}

static int client_hello_cb(SSL *s, int *al, void *arg)
{
    const unsigned char *p;
    size_t len;

    (void)al;
    (void)arg;
    ran_client_hello = 1;
    hello_legacy_version = SSL_client_hello_get0_legacy_version(s);
    hello_sni = SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &p, &len) == 1;
    hello_alpn = SSL_client_hello_get0_ext(s, TLSEXT_TYPE_application_layer_protocol_negotiation,
                                           &p, &len) == 1;
    hello_versions = SSL_client_hello_get0_ext(s, TLSEXT_TYPE_supported_versions, &p, &len) == 1;
    return SSL_CLIENT_HELLO_SUCCESS;
}

static int ran_servername;
static char servername_seen[64];

/* The servername callback: what SNI programs use to pick a certificate. */
static int servername_cb(SSL *s, int *al, void *arg)
{
    const char *name = SSL_get_servername(s, TLSEXT_NAMETYPE_host_name);

    (void)al;
    (void)arg;
    ran_servername = 1;
    snprintf(servername_seen, sizeof(servername_seen), "%s", name != NULL ? name : "(none)");
    return SSL_TLSEXT_ERR_OK;
}

static int alpn_select(SSL *s, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
    static const unsigned char ours[] = "\x04" "coap";
    unsigned int i = 0;
    size_t o = 0;

    (void)s;
    (void)arg;
    ran_alpn = 1;
    while (i < inlen && o + in[i] + 2 < sizeof(alpn_offered)) {
        if (o > 0)
            alpn_offered[o++] = ',';
        memcpy(alpn_offered + o, in + i + 1, in[i]);
        o += in[i];
        i += 1u + in[i];
    }
    alpn_offered[o] = '\0';
    if (SSL_select_next_proto((unsigned char **)out, outlen, ours, sizeof(ours) - 1, in, inlen)
        != OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    return SSL_TLSEXT_ERR_OK;
}

static void add_label(struct labels *l, const char *line)
{
    char name[40];
    size_t n = strcspn(line, " ");
    int i;

    if (n >= sizeof(name))
        n = sizeof(name) - 1;
    memcpy(name, line, n);
    name[n] = '\0';
    for (i = 0; i < l->n; i++)
        if (strcmp(l->name[i], name) == 0)
            return;
    if (l->n < MAX_LABELS)
        strcpy(l->name[l->n++], name);
}

static void keylog_client(const SSL *s, const char *line)
{
    (void)s;
    add_label(&client_labels, line);
}

static void keylog_server(const SSL *s, const char *line)
{
    (void)s;
    add_label(&server_labels, line);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp((const char *)a, (const char *)b);
}

static void print_labels(const char *who, struct labels *l)
{
    int i;

    qsort(l->name, (size_t)l->n, sizeof(l->name[0]), cmp_str);
    printf("keylog %s:", who);
    for (i = 0; i < l->n; i++)
        printf(" %s", l->name[i]);
    printf("\n");
}

/* The first handshake message the client receives: HelloVerifyRequest (3) in DTLS 1.2,
 * the HelloRetryRequest (a ServerHello, 2) of the 1.3 cookie exchange. */
static void client_msg(int write_p, int version, int content_type, const void *buf, size_t len,
                       SSL *s, void *arg)
{
    (void)version;
    (void)s;
    (void)arg;
    if (!write_p && content_type == 22 && len > 0 && first_server_msg < 0)
        first_server_msg = ((const unsigned char *)buf)[0];
}

static int udp_socket(struct sockaddr_in *addr)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    socklen_t alen = sizeof(*addr);

    if (fd < 0)
        return -1;
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) != 0
        || getsockname(fd, (struct sockaddr *)addr, &alen) != 0
        || fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static SSL_CTX *make_ctx(int server, int v13, const char *certdir)
{
    SSL_CTX *ctx = SSL_CTX_new(server ? DTLS_server_method() : DTLS_client_method());
    char path[512];

    if (ctx == NULL)
        return NULL;
    if (!SSL_CTX_set_max_proto_version(ctx, v13 ? DTLS13 : DTLS1_2_VERSION)) {
        fprintf(stderr, "SSL_CTX_set_max_proto_version refused\n");
        return NULL;
    }
    if (server) {
        snprintf(path, sizeof(path), "%s/server.pem", certdir);
        if (SSL_CTX_use_certificate_chain_file(ctx, path) != 1)
            return NULL;
        snprintf(path, sizeof(path), "%s/server.key", certdir);
        if (SSL_CTX_use_PrivateKey_file(ctx, path, SSL_FILETYPE_PEM) != 1)
            return NULL;
        SSL_CTX_set_options(ctx, SSL_OP_COOKIE_EXCHANGE);
        SSL_CTX_set_cookie_generate_cb(ctx, cookie_generate);
        SSL_CTX_set_cookie_verify_cb(ctx, cookie_verify);
        SSL_CTX_set_client_hello_cb(ctx, client_hello_cb, NULL);
        SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
        SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
        SSL_CTX_set_keylog_callback(ctx, keylog_server);
    } else {
        snprintf(path, sizeof(path), "%s/ca.pem", certdir);
        if (SSL_CTX_load_verify_locations(ctx, path, NULL) != 1)
            return NULL;
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        if (SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)"\x02" "h2" "\x04" "coap", 8) != 0)
            return NULL;
        SSL_CTX_set_keylog_callback(ctx, keylog_client);
        SSL_CTX_set_msg_callback(ctx, client_msg);
    }
    return ctx;
}

static int die(const char *what)
{
    fprintf(stderr, "hooks13: %s (errno %d)\n", what, errno);
    ERR_print_errors_fp(stderr);
    return 1;
}

static int want_retry(SSL *s, int r)
{
    int e = SSL_get_error(s, r);

    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

static void tick(SSL *s)
{
    struct timeval tv;

    if (DTLSv1_get_timeout(s, &tv) && tv.tv_sec == 0 && tv.tv_usec == 0)
        DTLSv1_handle_timeout(s);
}

int main(int argc, char **argv)
{
    struct sockaddr_in saddr, caddr;
    int sfd, cfd, v13, listened = 0, cdone = 0, sdone = 0, i, r;
    SSL_CTX *sctx, *cctx;
    SSL *srv, *cli;
    BIO *sbio, *cbio;
    BIO_ADDR *peer;
    const unsigned char *proto;
    unsigned int plen;
    char buf[64];
    struct timespec pause = {0, 1000000};

    if (argc != 3) {
        fprintf(stderr, "usage: %s CERTDIR 13|12\n", argv[0]);
        return 2;
    }
    v13 = strcmp(argv[2], "13") == 0;
    sctx = make_ctx(1, v13, argv[1]);
    cctx = make_ctx(0, v13, argv[1]);
    sfd = udp_socket(&saddr);
    cfd = udp_socket(&caddr);
    peer = BIO_ADDR_new();
    if (sctx == NULL || cctx == NULL || sfd < 0 || cfd < 0 || peer == NULL
        || connect(cfd, (struct sockaddr *)&saddr, sizeof(saddr)) != 0)
        return die("setup (contexts, certificates, sockets)");
    srv = SSL_new(sctx);
    cli = SSL_new(cctx);
    sbio = BIO_new_dgram(sfd, BIO_NOCLOSE);
    cbio = BIO_new_dgram(cfd, BIO_NOCLOSE);
    if (srv == NULL || cli == NULL || sbio == NULL || cbio == NULL)
        return die("SSL_new / BIO_new_dgram");
    (void)BIO_ctrl(cbio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &saddr);
    SSL_set_bio(srv, sbio, sbio);
    SSL_set_bio(cli, cbio, cbio);
    SSL_set_tlsext_host_name(cli, "localhost");
    SSL_set_connect_state(cli);

    /* Bounded: 20 s of 1 ms turns. */
    for (i = 0; i < 20000 && !(cdone && sdone); i++) {
        if (!cdone) {
            r = SSL_connect(cli);
            if (r == 1)
                cdone = 1;
            else if (!want_retry(cli, r)) {
                fprintf(stderr, "client failed\n");
                ERR_print_errors_fp(stderr);
                return 1;
            }
            tick(cli);
        }
        if (!listened) {
            r = DTLSv1_listen(srv, peer);
            if (r < 0) {
                fprintf(stderr, "DTLSv1_listen failed\n");
                ERR_print_errors_fp(stderr);
                return 1;
            }
            if (r == 1) {
                listened = 1;
                if (connect(sfd, (struct sockaddr *)&caddr, sizeof(caddr)) != 0)
                    return die("connect");
                (void)BIO_ctrl(sbio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &caddr);
            }
        } else if (!sdone) {
            r = SSL_accept(srv);
            if (r == 1)
                sdone = 1;
            else if (!want_retry(srv, r)) {
                fprintf(stderr, "server failed\n");
                ERR_print_errors_fp(stderr);
                return 1;
            }
            tick(srv);
        }
        nanosleep(&pause, NULL);
    }
    if (!(cdone && sdone)) {
        fprintf(stderr, "no handshake\n");
        return 1;
    }
    /* One line each way. */
    if (SSL_write(cli, "ping", 4) != 4)
        return die("client SSL_write");
    for (i = 0, r = -1; i < 2000 && r <= 0; i++) {
        r = SSL_read(srv, buf, sizeof(buf));
        if (r <= 0)
            nanosleep(&pause, NULL);
    }
    if (r != 4 || memcmp(buf, "ping", 4) != 0 || SSL_write(srv, "pong", 4) != 4)
        return die("server read / write");
    for (i = 0, r = -1; i < 2000 && r <= 0; i++) {
        r = SSL_read(cli, buf, sizeof(buf));
        if (r <= 0)
            nanosleep(&pause, NULL);
    }
    if (r != 4 || memcmp(buf, "pong", 4) != 0)
        return die("client read");

    printf("version: client %s server %s\n", SSL_get_version(cli), SSL_get_version(srv));
    printf("first server message type: %d\n", first_server_msg);
    printf("cookie callbacks: generate %d verify %d verify_ok %d\n", ran_generate, ran_verify,
           ran_verify_ok);
    printf("client_hello callback: %d legacy_version 0x%04x sni %d alpn %d\n",
           ran_client_hello, hello_legacy_version, hello_sni, hello_alpn);
    printf("servername callback: %d name %s; after the handshake %s\n", ran_servername,
           servername_seen, SSL_get_servername(srv, TLSEXT_NAMETYPE_host_name));
    printf("alpn select callback: %d offered %s\n", ran_alpn, alpn_offered);
    SSL_get0_alpn_selected(cli, &proto, &plen);
    printf("alpn: client %.*s", (int)plen, (const char *)proto);
    SSL_get0_alpn_selected(srv, &proto, &plen);
    printf(" server %.*s\n", (int)plen, (const char *)proto);
    print_labels("client", &client_labels);
    print_labels("server", &server_labels);
    if (v13)
        printf("supported_versions in ClientHello: %d\n", hello_versions);
    printf("data: ok\n");
    SSL_shutdown(cli);
    SSL_shutdown(srv);
    SSL_free(cli);
    SSL_free(srv);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    BIO_ADDR_free(peer);
    close(sfd);
    close(cfd);
    return 0;
}
