/* compat corpus: the classic threaded DTLS echo server (the dtls_udp_echo.c pattern) with a
 * 1.0-era CRYPTO_LOCK locking callback, and its client.
 *
 *   dtls_echo server NCLIENTS   serves NCLIENTS clients, one thread each, then exits; prints
 *                               "ACCEPT 127.0.0.1:PORT" when listening
 *   dtls_echo client PORT COUNT sends COUNT messages and checks each echo; "client ok"
 *
 * The server makes its ECDSA certificate in memory at start-up (no files), listens with
 * DTLSv1_listen (stateless cookie exchange, RFC 6347 §4.2.1), then moves each client to its
 * own connected socket bound to the same port (SO_REUSEADDR) and a thread. The client does
 * not verify the self-signed certificate but prints its SHA-256 fingerprint, as a WebRTC
 * peer would compare it with the SDP. */
#define OPENSSL_API_COMPAT 0x10000000L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

static pthread_mutex_t *lock_array;
static unsigned char cookie_secret[16];

static void die(const char *what)
{
    fprintf(stderr, "dtls_echo: %s failed\n", what);
    ERR_print_errors_fp(stderr);
    exit(1);
}

/* The 1.0-era thread set-up: one mutex per lock, a locking callback. OpenSSL 3.0 and
 * librdtls lock internally and never call it. */
static void locking_cb(int mode, int n, const char *file, int line)
{
    (void)file;
    (void)line;
    if (mode & CRYPTO_LOCK)
        pthread_mutex_lock(&lock_array[n]);
    else
        pthread_mutex_unlock(&lock_array[n]);
}

static unsigned long thread_id_cb(void)
{
    return (unsigned long)pthread_self();
}

static void thread_setup(void)
{
    int i;

    lock_array = OPENSSL_malloc(CRYPTO_num_locks() * sizeof(pthread_mutex_t));
    if (lock_array == NULL)
        die("OPENSSL_malloc");
    for (i = 0; i < CRYPTO_num_locks(); i++)
        pthread_mutex_init(&lock_array[i], NULL);
    CRYPTO_set_id_callback(thread_id_cb);
    CRYPTO_set_locking_callback(locking_cb);
    (void)locking_cb;
    (void)thread_id_cb;
}

static void thread_cleanup(void)
{
    int i;

    CRYPTO_set_locking_callback(NULL);
    for (i = 0; i < CRYPTO_num_locks(); i++)
        pthread_mutex_destroy(&lock_array[i]);
    OPENSSL_free(lock_array);
}

/* Cookie = HMAC-SHA256(secret, peer address), as the classic server computes it. */
static int peer_cookie(SSL *ssl, unsigned char *out, unsigned int *outlen)
{
    struct sockaddr_storage peer;

    memset(&peer, 0, sizeof(peer));
    (void)BIO_dgram_get_peer(SSL_get_rbio(ssl), &peer);
    if (HMAC(EVP_sha256(), cookie_secret, sizeof(cookie_secret), (unsigned char *)&peer,
            sizeof(struct sockaddr_in), out, outlen) == NULL)
        return 0;
    return 1;
}

static int generate_cookie(SSL *ssl, unsigned char *cookie, unsigned int *len)
{
    return peer_cookie(ssl, cookie, len);
}

static int verify_cookie(SSL *ssl, const unsigned char *cookie, unsigned int len)
{
    unsigned char expect[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    return peer_cookie(ssl, expect, &n) && n == len && memcmp(expect, cookie, n) == 0;
}

static void make_identity(SSL_CTX *ctx)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509_NAME *name;

    if (key == NULL || x == NULL)
        die("EVP_EC_gen/X509_new");
    name = X509_get_subject_name(x);
    if (!X509_set_version(x, 2) || !ASN1_INTEGER_set(X509_get_serialNumber(x), 1)
        || !X509_gmtime_adj(X509_get_notBefore(x), -3600)
        || !X509_gmtime_adj(X509_get_notAfter(x), 3600L * 24)
        || !X509_set_pubkey(x, key)
        || !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
            (const unsigned char *)"dtls_echo", -1, -1, 0)
        || !X509_set_issuer_name(x, name) || !X509_sign(x, key, EVP_sha256()))
        die("certificate");
    if (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1)
        die("SSL_CTX_use_certificate");
    X509_free(x);
    EVP_PKEY_free(key);
}

struct client {
    SSL *ssl;
    int fd;
};

static void *serve(void *arg)
{
    struct client *c = arg;
    char buf[2048];
    int n, echoed = 0;
    struct timeval tv = { 10, 0 };

    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (SSL_accept(c->ssl) != 1) {
        fprintf(stderr, "SSL_accept failed\n");
        ERR_print_errors_fp(stderr);
    } else {
        while ((n = SSL_read(c->ssl, buf, sizeof(buf))) > 0) {
            if (SSL_write(c->ssl, buf, n) != n)
                break;
            echoed++;
        }
        if (SSL_get_error(c->ssl, n) == SSL_ERROR_ZERO_RETURN)
            SSL_shutdown(c->ssl);
        printf("echoed %d\n", echoed);
        fflush(stdout);
    }
    SSL_free(c->ssl);
    close(c->fd);
    free(c);
    return NULL;
}

static int run_server(int nclients)
{
    SSL_CTX *ctx;
    struct sockaddr_in local;
    socklen_t len = sizeof(local);
    int fd, on = 1, i;
    pthread_t *threads = calloc((size_t)nclients, sizeof(pthread_t));

    if (threads == NULL || RAND_bytes(cookie_secret, sizeof(cookie_secret)) != 1)
        die("setup");
    ctx = SSL_CTX_new(DTLS_server_method());
    if (ctx == NULL)
        die("SSL_CTX_new");
    make_identity(ctx);
    SSL_CTX_set_options(ctx, SSL_OP_COOKIE_EXCHANGE);
    SSL_CTX_set_cookie_generate_cb(ctx, generate_cookie);
    SSL_CTX_set_cookie_verify_cb(ctx, verify_cookie);
    SSL_CTX_set_read_ahead(ctx, 1);

    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&local, 0, sizeof(local));
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
    if (fd < 0 || bind(fd, (struct sockaddr *)&local, sizeof(local)) != 0
        || getsockname(fd, (struct sockaddr *)&local, &len) != 0)
        die("bind");
    printf("ACCEPT 127.0.0.1:%d\n", ntohs(local.sin_port));
    fflush(stdout);

    for (i = 0; i < nclients; i++) {
        struct sockaddr_storage peer;
        struct client *c = malloc(sizeof(*c));
        SSL *ssl = SSL_new(ctx);
        BIO *bio = BIO_new_dgram(fd, BIO_NOCLOSE);
        int cfd;

        if (c == NULL || ssl == NULL || bio == NULL)
            die("SSL_new");
        SSL_set_bio(ssl, bio, bio);
        memset(&peer, 0, sizeof(peer));
        while (DTLSv1_listen(ssl, (BIO_ADDR *)&peer) <= 0)
            ;
        /* A socket of the client's own, connected to it, on the listening port. */
        cfd = socket(AF_INET, SOCK_DGRAM, 0);
        setsockopt(cfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (cfd < 0 || bind(cfd, (struct sockaddr *)&local, sizeof(local)) != 0
            || connect(cfd, (struct sockaddr *)&peer, sizeof(struct sockaddr_in)) != 0)
            die("connect");
        BIO_set_fd(SSL_get_rbio(ssl), cfd, BIO_NOCLOSE);
        BIO_ctrl(SSL_get_rbio(ssl), BIO_CTRL_DGRAM_SET_CONNECTED, 0, &peer);
        c->ssl = ssl;
        c->fd = cfd;
        if (pthread_create(&threads[i], NULL, serve, c) != 0)
            die("pthread_create");
    }
    for (i = 0; i < nclients; i++)
        pthread_join(threads[i], NULL);
    free(threads);
    close(fd);
    SSL_CTX_free(ctx);
    printf("server done\n");
    return 0;
}

static int run_client(int port, int count)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());
    struct sockaddr_in peer;
    struct timeval tv = { 10, 0 };
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, k;
    SSL *ssl;
    BIO *bio;
    X509 *cert;
    int fd, i;

    if (ctx == NULL)
        die("SSL_CTX_new");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&peer, 0, sizeof(peer));
    peer.sin_family = AF_INET;
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    peer.sin_port = htons((unsigned short)port);
    if (fd < 0 || connect(fd, (struct sockaddr *)&peer, sizeof(peer)) != 0)
        die("connect");
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ssl = SSL_new(ctx);
    bio = BIO_new_dgram(fd, BIO_CLOSE);
    if (ssl == NULL || bio == NULL)
        die("SSL_new");
    BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_CONNECTED, 0, &peer);
    SSL_set_bio(ssl, bio, bio);
    if (SSL_connect(ssl) != 1)
        die("SSL_connect");
    cert = SSL_get_peer_certificate(ssl);
    if (cert == NULL || !X509_digest(cert, EVP_sha256(), md, &mdlen))
        die("peer certificate");
    printf("server fingerprint sha-256 ");
    for (k = 0; k < mdlen; k++)
        printf("%02X%s", md[k], k + 1 < mdlen ? ":" : "\n");
    X509_free(cert);
    for (i = 0; i < count; i++) {
        char msg[64], back[64];
        int n = snprintf(msg, sizeof(msg), "message %d", i), r;

        if (SSL_write(ssl, msg, n) != n)
            die("SSL_write");
        r = SSL_read(ssl, back, sizeof(back));
        if (r != n || memcmp(msg, back, (size_t)n) != 0)
            die("echo");
    }
    SSL_shutdown(ssl);
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    printf("client ok %d\n", count);
    return 0;
}

int main(int argc, char **argv)
{
    int r;

    SSL_library_init();
    SSL_load_error_strings();
    thread_setup();
    if (argc == 3 && strcmp(argv[1], "server") == 0)
        r = run_server(atoi(argv[2]));
    else if (argc == 4 && strcmp(argv[1], "client") == 0)
        r = run_client(atoi(argv[2]), atoi(argv[3]));
    else {
        fprintf(stderr, "usage: dtls_echo server NCLIENTS | client PORT COUNT\n");
        r = 2;
    }
    thread_cleanup();
    return r;
}
