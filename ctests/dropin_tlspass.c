/* ctests/dropin_tlspass.c - one process, one TLS and one DTLS connection (issue 8 item 2).
 *
 * Usage: dropin_tlspass CERTDIR
 *
 * Built against the system OpenSSL headers and libraries; t_tlspass.sh runs it on the system
 * libssl and with LD_PRELOAD=build/libssl.so.3. Both connections are set up side by side,
 * their handshakes interleaved in one loop, then a line goes each way over each. It prints:
 *   MAP PATH            every libssl.so mapped into the process (/proc/self/maps)
 *   SERVED NAME PATH    the file that defines the SSL_METHOD of each SSL object
 *   OK tls|dtls VERSION CIPHER   after data went both ways
 * Exit 0 when everything worked.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define CHECK(cond, ...)                                                                    \
    do {                                                                                    \
        if (!(cond)) {                                                                      \
            fprintf(stderr, "FAIL: " __VA_ARGS__);                                          \
            fprintf(stderr, "\n");                                                          \
            ERR_print_errors_fp(stderr);                                                    \
            exit(1);                                                                        \
        }                                                                                   \
    } while (0)

static const char *certdir;
/* The client SSLs, and how often the verify callback found each through the SSL index. */
static SSL *tls_client, *dtls_client;
static int seen_tls, seen_dtls;

/* A verify callback that finds its SSL the documented way, whichever library verifies. */
static int verify_cb(int ok, X509_STORE_CTX *x)
{
    SSL *s = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());

    seen_tls += s != NULL && s == tls_client;
    seen_dtls += s != NULL && s == dtls_client;
    return ok;
}

static SSL_CTX *make_ctx(const SSL_METHOD *m, int server)
{
    char cert[1024], key[1024], ca[1024];
    SSL_CTX *ctx = SSL_CTX_new(m);

    CHECK(ctx != NULL, "SSL_CTX_new");
    snprintf(cert, sizeof cert, "%s/server.pem", certdir);
    snprintf(key, sizeof key, "%s/server.key", certdir);
    snprintf(ca, sizeof ca, "%s/ca.pem", certdir);
    if (server) {
        CHECK(SSL_CTX_use_certificate_chain_file(ctx, cert) == 1, "certificate %s", cert);
        CHECK(SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1, "key %s", key);
    } else {
        CHECK(SSL_CTX_load_verify_locations(ctx, ca, NULL) == 1, "CA %s", ca);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_cb);
    }
    return ctx;
}

/* The file that defines address p (a static SSL_METHOD), or "?". */
static const char *lib_of(const void *p)
{
    Dl_info info;

    if (p != NULL && dladdr(p, &info) != 0 && info.dli_fname != NULL)
        return info.dli_fname;
    return "?";
}

static void nonblock(int fd)
{
    CHECK(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == 0, "O_NONBLOCK");
}

/* Two UDP sockets on 127.0.0.1 connected to each other, wrapped in connected dgram BIOs. */
static void udp_pair(SSL *a, SSL *b)
{
    struct sockaddr_in sa[2];
    socklen_t len = sizeof sa[0];
    int fd[2], i;
    SSL *s[2] = { a, b };

    for (i = 0; i < 2; i++) {
        fd[i] = socket(AF_INET, SOCK_DGRAM, 0);
        CHECK(fd[i] >= 0, "socket");
        memset(&sa[i], 0, sizeof sa[i]);
        sa[i].sin_family = AF_INET;
        sa[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK(bind(fd[i], (struct sockaddr *)&sa[i], sizeof sa[i]) == 0, "bind");
        CHECK(getsockname(fd[i], (struct sockaddr *)&sa[i], &len) == 0, "getsockname");
        nonblock(fd[i]);
    }
    for (i = 0; i < 2; i++) {
        BIO *bio;

        CHECK(connect(fd[i], (struct sockaddr *)&sa[1 - i], sizeof sa[0]) == 0, "connect");
        bio = BIO_new_dgram(fd[i], BIO_CLOSE);
        CHECK(bio != NULL, "BIO_new_dgram");
        BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &sa[1 - i]);
        SSL_set_bio(s[i], bio, bio);
    }
}

/* A connected stream socket pair. */
static void tcp_pair(SSL *a, SSL *b)
{
    int fd[2];

    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fd) == 0, "socketpair");
    nonblock(fd[0]);
    nonblock(fd[1]);
    CHECK(SSL_set_fd(a, fd[0]) == 1 && SSL_set_fd(b, fd[1]) == 1, "SSL_set_fd");
}

/* One step of s; 1 when it is done, 0 to retry, exits on an error. */
static int step(SSL *s, const char *name)
{
    int r = SSL_do_handshake(s), e;

    if (r == 1)
        return 1;
    e = SSL_get_error(s, r);
    CHECK(e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE, "%s handshake error %d", name,
          e);
    return 0;
}

/* Sends msg from a to b and reads it back out of b. */
static void transfer(SSL *a, SSL *b, const char *msg)
{
    char buf[256];
    int n = -1, i;

    CHECK(SSL_write(a, msg, (int)strlen(msg)) == (int)strlen(msg), "SSL_write %s", msg);
    for (i = 0; i < 100000 && n <= 0; i++) {
        n = SSL_read(b, buf, sizeof buf - 1);
        if (n <= 0)
            CHECK(SSL_get_error(b, n) == SSL_ERROR_WANT_READ, "SSL_read %s", msg);
    }
    CHECK(n == (int)strlen(msg) && memcmp(buf, msg, (size_t)n) == 0, "received %s", msg);
}

static void show_maps(void)
{
    char line[4096];
    FILE *maps = fopen("/proc/self/maps", "r");
    char seen[8][1024];
    int nseen = 0, i;

    CHECK(maps != NULL, "/proc/self/maps");
    while (fgets(line, sizeof line, maps) != NULL) {
        char *path = strchr(line, '/');
        int dup = 0;

        if (path == NULL || strstr(path, "libssl") == NULL)
            continue;
        path[strcspn(path, "\n")] = '\0';
        for (i = 0; i < nseen; i++)
            dup |= strcmp(seen[i], path) == 0;
        if (dup || nseen == 8)
            continue;
        snprintf(seen[nseen++], sizeof seen[0], "%s", path);
        printf("MAP %s\n", path);
    }
    fclose(maps);
}

int main(int argc, char **argv)
{
    SSL_CTX *tls_s, *tls_c, *dtls_s, *dtls_c;
    SSL *s[4];
    const char *names[4] = { "tls-server", "tls-client", "dtls-server", "dtls-client" };
    int done[4] = { 0, 0, 0, 0 }, i, round;
    SSL_CONF_CTX *cctx;
    SSL_SESSION *sess;

    CHECK(argc == 2, "usage: dropin_tlspass CERTDIR");
    certdir = argv[1];
    OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS, NULL);
    tls_s = make_ctx(TLS_server_method(), 1);
    tls_c = make_ctx(TLS_client_method(), 0);
    dtls_s = make_ctx(DTLS_server_method(), 1);
    dtls_c = make_ctx(DTLS_client_method(), 0);

    /* SSL_CONF on a TLS context: configured by the library that made the context. */
    cctx = SSL_CONF_CTX_new();
    CHECK(cctx != NULL, "SSL_CONF_CTX_new");
    SSL_CONF_CTX_set_flags(cctx, SSL_CONF_FLAG_FILE | SSL_CONF_FLAG_CLIENT);
    SSL_CONF_CTX_set_ssl_ctx(cctx, tls_c);
    CHECK(SSL_CONF_cmd(cctx, "MinProtocol", "TLSv1.2") == 2, "SSL_CONF_cmd MinProtocol");
    CHECK(SSL_CONF_CTX_finish(cctx) == 1, "SSL_CONF_CTX_finish");
    SSL_CONF_CTX_free(cctx);
    CHECK(SSL_CTX_get_min_proto_version(tls_c) == TLS1_2_VERSION, "MinProtocol applied");

    s[0] = SSL_new(tls_s);
    s[1] = SSL_new(tls_c);
    s[2] = SSL_new(dtls_s);
    s[3] = SSL_new(dtls_c);
    for (i = 0; i < 4; i++) {
        CHECK(s[i] != NULL, "SSL_new %s", names[i]);
        printf("SERVED %s %s\n", names[i], lib_of(SSL_get_ssl_method(s[i])));
        if (i % 2 == 0)
            SSL_set_accept_state(s[i]);
        else
            SSL_set_connect_state(s[i]);
    }
    tls_client = s[1];
    dtls_client = s[3];
    tcp_pair(s[0], s[1]);
    udp_pair(s[2], s[3]);
    CHECK(SSL_set1_host(s[1], "localhost") == 1, "SSL_set1_host tls");
    CHECK(SSL_set1_host(s[3], "localhost") == 1, "SSL_set1_host dtls");

    /* Both handshakes interleaved: the two libraries work side by side. */
    for (round = 0; round < 100000 && !(done[0] && done[1] && done[2] && done[3]); round++)
        for (i = 0; i < 4; i++)
            if (!done[i])
                done[i] = step(s[i], names[i]);
    CHECK(done[0] && done[1] && done[2] && done[3], "handshakes did not finish");
    CHECK(SSL_get_verify_result(s[1]) == X509_V_OK && SSL_get_verify_result(s[3]) == X509_V_OK,
          "peer verification");

    CHECK(seen_tls > 0 && seen_dtls > 0,
          "verify callbacks found their SSL through the index (TLS %d, DTLS %d)", seen_tls,
          seen_dtls);
    printf("VERIFY-CB tls %d dtls %d\n", seen_tls, seen_dtls);
    transfer(s[1], s[0], "hello over TLS");
    transfer(s[0], s[1], "reply over TLS");
    /* BIO_f_ssl() takes no object (ours under the drop-in) and wraps the TLS SSL. */
    {
        BIO *sb = BIO_new(BIO_f_ssl());
        const char *msg = "hello through BIO_f_ssl";
        char buf[64];
        int n = -1;

        CHECK(sb != NULL && BIO_set_ssl(sb, s[1], BIO_NOCLOSE) == 1, "BIO_set_ssl");
        CHECK(BIO_write(sb, msg, (int)strlen(msg)) == (int)strlen(msg), "BIO_write on SSL BIO");
        for (i = 0; i < 100000 && n <= 0; i++)
            n = SSL_read(s[0], buf, sizeof buf);
        CHECK(n == (int)strlen(msg) && memcmp(buf, msg, (size_t)n) == 0, "BIO_f_ssl data");
        BIO_free(sb);
    }
    transfer(s[3], s[2], "hello over DTLS");
    transfer(s[2], s[3], "reply over DTLS");
    for (i = 1; i < 4; i += 2) {
        sess = SSL_get1_session(s[i]);
        CHECK(sess != NULL && SSL_SESSION_get_protocol_version(sess) == SSL_version(s[i]),
              "session of %s", names[i]);
        SSL_SESSION_free(sess);
        printf("OK %s %s %s\n", i == 1 ? "tls" : "dtls", SSL_get_version(s[i]),
               SSL_CIPHER_get_name(SSL_get_current_cipher(s[i])));
    }
    show_maps();
    for (i = 0; i < 4; i++)
        SSL_free(s[i]);
    SSL_CTX_free(tls_s);
    SSL_CTX_free(tls_c);
    SSL_CTX_free(dtls_s);
    SSL_CTX_free(dtls_c);
    return 0;
}
