/*
 * group_choice.c - the server's ECDHE group choice as OpenSSL 3.0 makes it (issue 8 item 5):
 * the client's supported_groups order, or with SSL_OP_CIPHER_SERVER_PREFERENCE the server's
 * (tls1_shared_group). For several client group lists, without and with server preference,
 * a handshake over memory BIOs; prints the negotiated group on both sides
 * (SSL_get_negotiated_group), the server's SSL_get_shared_group list and count, the
 * client's groups as the server saw them (SSL_get1_groups) and the client's
 * SSL_get_shared_group(-1), so that t_server_choice.sh can diff the build against system
 * OpenSSL and the build against rdtls. The server keeps its default group list; the client
 * lists only groups rdtls implements (X25519, P-256, P-384).
 *
 *   group_choice CERT KEY
 *
 * Exit status: 0 when every handshake completed, 1 otherwise.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mem_pair.h"


static const char *name(SSL *s, long nid)
{
    const char *n = nid != 0 ? SSL_group_to_name(s, (int)nid) : NULL;

    return n != NULL ? n : "(none)";
}

static int run(const char *cert, const char *key, const char *client_groups, int serverpref)
{
    SSL_CTX *cctx = SSL_CTX_new(DTLS_client_method());
    SSL_CTX *sctx = SSL_CTX_new(DTLS_server_method());
    BIO *c_out, *s_out;
    SSL *c, *s;
    int done, ok = 0, groups[16];
    long i, n;

    if (cctx == NULL || sctx == NULL || SSL_CTX_use_certificate_chain_file(sctx, cert) != 1
        || SSL_CTX_use_PrivateKey_file(sctx, key, SSL_FILETYPE_PEM) != 1
        || SSL_CTX_set1_groups_list(cctx, client_groups) != 1) {
        ERR_print_errors_fp(stderr);
        return 0;
    }
    if (serverpref)
        SSL_CTX_set_options(sctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    c = mem_pair_end(cctx, &c_out, 0);
    s = mem_pair_end(sctx, &s_out, 1);
    if (c == NULL || s == NULL)
        return 0;
    done = mem_pair_handshake(c, c_out, s, s_out);
    printf("client %s, server preference %s:\n", client_groups, serverpref ? "on" : "off");
    if (done) {
        /* The protocol on stderr, out of the compared output (t_server_choice.sh). */
        fprintf(stderr, "%s: %s\n", client_groups, SSL_get_version(c));
        printf("  negotiated: server %s, client %s\n", name(s, SSL_get_negotiated_group(s)),
               name(c, SSL_get_negotiated_group(c)));
        n = SSL_get_shared_group(s, -1);
        printf("  server shared groups (%ld):", n);
        for (i = 0; i < n && i < 16; i++)
            printf(" %s", name(s, SSL_get_shared_group(s, i)));
        printf("; past the end: %ld\n", SSL_get_shared_group(s, n));
        n = SSL_get1_groups(s, NULL);
        printf("  client groups seen by the server (%ld):", n);
        if (n > 0 && n <= 16 && SSL_get1_groups(s, groups) == n)
            for (i = 0; i < n; i++)
                printf(" %s", name(s, groups[i]));
        printf("\n  client's SSL_get_shared_group(-1): %ld\n", SSL_get_shared_group(c, -1));
        ok = 1;
    } else {
        printf("  handshake failed\n");
        ERR_print_errors_fp(stdout);
    }
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
    return ok;
}

int main(int argc, char **argv)
{
    static const char *lists[] = {"P-384:P-256:X25519", "P-256:P-384", "X25519:P-384",
                                  "P-384:X25519:P-256", "P-256"};
    size_t i;
    int ok = 1, pref;

    if (argc != 3) {
        fprintf(stderr, "usage: group_choice CERT KEY\n");
        return 2;
    }
    for (pref = 0; pref <= 1; pref++)
        for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
            ok &= run(argv[1], argv[2], lists[i], pref);
    return ok ? 0 : 1;
}
