/*
 * cid_client.c - a DTLS client with connection IDs (RFC 9146; RFC 9147 section 9 on DTLS
 * 1.3) that changes its address mid-session, as a NAT rebinding does (ctests/t_cid.sh).
 *
 *   cid_client PORT CAFILE CID_LEN [dtls1_3]
 *
 * With "dtls1_3" the client offers DTLS 1.3 too (SSL_CTX_set_max_proto_version 0xFEFC) and
 * prints the version negotiated ("version: DTLSv1.3").
 * Connects from one UDP socket asking for a CID_LEN-byte CID (0: zero-length), checks
 * that CIDs were negotiated, sends "one" and reads its echo; then moves to a second socket
 * (a new source port), sends "two" and must get the echo there: the server found the
 * association by CID and followed it. Closes with close_notify. Prints the CIDs; exit 0 on
 * success.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <rdtls/cid.h>

static int fail(const char *what)
{
    fprintf(stderr, "cid_client: %s\n", what);
    ERR_print_errors_fp(stderr);
    return 1;
}

/* A UDP socket connected to 127.0.0.1:port, with a 5 s receive timeout. */
static int udp_to(int port)
{
    struct sockaddr_in peer;
    struct timeval tv = { 5, 0 };
    int fd = socket(AF_INET, SOCK_DGRAM, 0);

    memset(&peer, 0, sizeof(peer));
    peer.sin_family = AF_INET;
    peer.sin_port = htons((unsigned short)port);
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&peer, sizeof(peer)) != 0
        || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) {
        perror("cid_client: socket");
        exit(1);
    }
    return fd;
}

static void print_cid(const char *label, const unsigned char *cid, int n)
{
    int i;

    printf("%s (%d bytes):", label, n);
    for (i = 0; i < n; i++)
        printf(" %02x", cid[i]);
    printf("\n");
}

/* Sends msg and expects it echoed. */
static int echo(SSL *ssl, const char *msg)
{
    char buf[256];
    int n = (int)strlen(msg), r;

    if (SSL_write(ssl, msg, n) != n)
        return 0;
    r = SSL_read(ssl, buf, (int)sizeof(buf) - 1);
    if (r != n || memcmp(buf, msg, (size_t)n) != 0)
        return 0;
    buf[r] = '\0';
    printf("echo: %s\n", buf);
    return 1;
}

int main(int argc, char **argv)
{
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *bio;
    unsigned char cid[RDTLS_MAX_CID_LEN];
    int port, len, fd1, fd2, n;

    if (argc != 4 && !(argc == 5 && strcmp(argv[4], "dtls1_3") == 0))
        return fail("usage: cid_client PORT CAFILE CID_LEN [dtls1_3]");
    port = atoi(argv[1]);
    len = atoi(argv[3]);
    ctx = SSL_CTX_new(DTLS_client_method());
    if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, argv[2], NULL) != 1)
        return fail("context");
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    /* DTLS1_3_VERSION: OpenSSL 3.0's headers have no name for it. */
    if (argc == 5 && SSL_CTX_set_max_proto_version(ctx, 0xFEFC) != 1)
        return fail("SSL_CTX_set_max_proto_version(DTLS 1.3)");
    /* Caller errors are refused with an error queued. */
    if (rdtls_SSL_CTX_set_connection_id_len(ctx, 256) != 0 || ERR_get_error() == 0)
        return fail("a 256-byte CID was accepted");
    if (rdtls_SSL_CTX_set_connection_id_len(ctx, len) != 1)
        return fail("rdtls_SSL_CTX_set_connection_id_len");
    ssl = SSL_new(ctx);
    if (ssl == NULL || rdtls_SSL_cid_negotiated(ssl) != 0
        || rdtls_SSL_get_connection_id(ssl, cid, sizeof(cid)) != -1)
        return fail("CID state before the handshake");
    ERR_clear_error();
    fd1 = udp_to(port);
    bio = BIO_new_dgram(fd1, BIO_NOCLOSE);
    if (bio == NULL)
        return fail("BIO_new_dgram");
    SSL_set_bio(ssl, bio, bio);
    if (SSL_connect(ssl) != 1)
        return fail("SSL_connect");
    printf("version: %s\n", SSL_get_version(ssl));
    if (rdtls_SSL_cid_negotiated(ssl) != 1)
        return fail("no connection ID negotiated");
    n = rdtls_SSL_get_connection_id(ssl, cid, sizeof(cid));
    if (n != len)
        return fail("own CID has the wrong length");
    print_cid("own CID", cid, n);
    n = rdtls_SSL_get_peer_connection_id(ssl, NULL, 0);
    if (n < 0 || rdtls_SSL_get_peer_connection_id(ssl, cid, sizeof(cid)) != n)
        return fail("peer CID");
    print_cid("peer CID", cid, n);
    if (n > 0 && rdtls_SSL_get_peer_connection_id(ssl, cid, (size_t)n - 1) != -1)
        return fail("a short buffer was accepted");
    ERR_clear_error();
    if (!echo(ssl, "one"))
        return fail("echo from the first address");

    /* The rebinding: same association, new source port. */
    fd2 = udp_to(port);
    bio = BIO_new_dgram(fd2, BIO_NOCLOSE);
    if (bio == NULL)
        return fail("BIO_new_dgram");
    SSL_set_bio(ssl, bio, bio); /* frees the first BIO */
    close(fd1);
    printf("moved to a new source port\n");
    if (!echo(ssl, "two"))
        return fail("echo after the address change");
    if (SSL_shutdown(ssl) < 0)
        return fail("SSL_shutdown");
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    close(fd2);
    printf("done\n");
    return 0;
}
