/*
 * threads16.c - 16 threads share one client SSL_CTX and one server SSL_CTX. Each thread runs
 * a full DTLS handshake between its own client and server SSL over memory BIOs, exchanges
 * ECHOES messages of 1200 bytes (client -> server -> back), closes with close_notify on both
 * sides and frees everything. Several rounds run so that SSL objects are created and freed
 * while other threads use the shared contexts (reference counts, session cache, error queue
 * per thread).
 *
 * Usage: threads16 CERTDIR   (server.pem, server.key, ca.pem from make-demo-certs.sh)
 * Exit 0 when every thread in every round succeeded.
 */
#define _GNU_SOURCE 1
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "mem_pair.h"

#define THREADS 16
#define ROUNDS 3
#define ECHOES 20
#define MSG_LEN 1200
#define MAX_PUMPS 200

static SSL_CTX *client_ctx, *server_ctx;

struct peer {
    SSL *ssl;
    BIO *in;
    BIO *out;
};

struct job {
    int id;
    int ok;
    char why[160];
};

static int new_peer(struct peer *p, SSL_CTX *ctx, int server)
{
    p->ssl = SSL_new(ctx);
    p->in = BIO_new(BIO_s_mem());
    p->out = BIO_new(BIO_s_mem());
    if (p->ssl == NULL || p->in == NULL || p->out == NULL) {
        BIO_free(p->in);
        BIO_free(p->out);
        SSL_free(p->ssl);
        p->ssl = NULL;
        return 0;
    }
    (void)BIO_set_mem_eof_return(p->in, -1);
    (void)BIO_set_mem_eof_return(p->out, -1);
    SSL_set_bio(p->ssl, p->in, p->out);
    SSL_set_options(p->ssl, SSL_OP_NO_QUERY_MTU);
    (void)DTLS_set_link_mtu(p->ssl, 1500);
    if (server)
        SSL_set_accept_state(p->ssl);
    else
        SSL_set_connect_state(p->ssl);
    return 1;
}

/* Moves what `from` wrote into `to`'s read BIO, one DTLS record per BIO_write. */
static int move(struct peer *from, struct peer *to)
{
    unsigned char buf[16384 + 2048];
    int moved = 0, n;

    while ((n = BIO_read(from->out, buf, (int)sizeof(buf))) > 0) {
        int off = 0;
        while (off < n) {
            int rec = mem_pair_record_len(buf + off, n - off);
            BIO_write(to->in, buf + off, rec);
            off += rec;
            moved++;
        }
    }
    return moved;
}

static int want_more(SSL *ssl, int r)
{
    int e = SSL_get_error(ssl, r);
    return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

static void *run(void *arg)
{
    struct job *job = arg;
    struct peer c = {0}, s = {0};
    unsigned char msg[MSG_LEN], got[MSG_LEN + 1];
    int i, k, r, cdone = 0, sdone = 0;

    job->ok = 0;
    if (!new_peer(&c, client_ctx, 0) || !new_peer(&s, server_ctx, 1)) {
        snprintf(job->why, sizeof(job->why), "cannot create SSL objects");
        goto out;
    }
    for (i = 0; i < MAX_PUMPS && !(cdone && sdone); i++) {
        if (!cdone) {
            r = SSL_do_handshake(c.ssl);
            if (r == 1)
                cdone = 1;
            else if (!want_more(c.ssl, r)) {
                snprintf(job->why, sizeof(job->why), "client handshake failed");
                goto out;
            }
        }
        move(&c, &s);
        if (!sdone) {
            r = SSL_do_handshake(s.ssl);
            if (r == 1)
                sdone = 1;
            else if (!want_more(s.ssl, r)) {
                snprintf(job->why, sizeof(job->why), "server handshake failed");
                goto out;
            }
        }
        move(&s, &c);
    }
    if (!(cdone && sdone)) {
        snprintf(job->why, sizeof(job->why), "handshake did not finish");
        goto out;
    }
    for (k = 0; k < ECHOES; k++) {
        memset(msg, 'a' + (job->id + k) % 26, sizeof(msg));
        msg[0] = (unsigned char)job->id;
        msg[1] = (unsigned char)k;
        if (SSL_write(c.ssl, msg, MSG_LEN) != MSG_LEN) {
            snprintf(job->why, sizeof(job->why), "client SSL_write failed");
            goto out;
        }
        move(&c, &s);
        r = SSL_read(s.ssl, got, (int)sizeof(got));
        if (r != MSG_LEN || memcmp(got, msg, MSG_LEN) != 0) {
            snprintf(job->why, sizeof(job->why), "server read %d bytes, wrong data", r);
            goto out;
        }
        if (SSL_write(s.ssl, got, r) != r) {
            snprintf(job->why, sizeof(job->why), "server SSL_write failed");
            goto out;
        }
        move(&s, &c);
        r = SSL_read(c.ssl, got, (int)sizeof(got));
        if (r != MSG_LEN || memcmp(got, msg, MSG_LEN) != 0) {
            snprintf(job->why, sizeof(job->why), "client read %d bytes, wrong echo", r);
            goto out;
        }
    }
    /* close_notify both ways. */
    if (SSL_shutdown(c.ssl) != 0) {
        snprintf(job->why, sizeof(job->why), "client SSL_shutdown != 0");
        goto out;
    }
    move(&c, &s);
    r = SSL_read(s.ssl, got, (int)sizeof(got));
    if (r != 0 || SSL_get_error(s.ssl, r) != SSL_ERROR_ZERO_RETURN) {
        snprintf(job->why, sizeof(job->why), "server did not see close_notify");
        goto out;
    }
    if (SSL_shutdown(s.ssl) != 1) {
        snprintf(job->why, sizeof(job->why), "server SSL_shutdown != 1");
        goto out;
    }
    move(&s, &c);
    if (SSL_shutdown(c.ssl) != 1) {
        snprintf(job->why, sizeof(job->why), "client second SSL_shutdown != 1");
        goto out;
    }
    job->ok = 1;
out:
    if (!job->ok) {
        /* Keep the error queue of this thread for the report. */
        unsigned long e = ERR_get_error();
        if (e != 0) {
            size_t l = strlen(job->why);
            snprintf(job->why + l, sizeof(job->why) - l, ": ");
            l = strlen(job->why);
            ERR_error_string_n(e, job->why + l, sizeof(job->why) - l);
        }
    }
    ERR_clear_error();
    SSL_free(c.ssl);
    SSL_free(s.ssl);
    return NULL;
}

int main(int argc, char **argv)
{
    char path[4096], key[4096], ca[4096];
    pthread_t tid[THREADS];
    struct job jobs[THREADS];
    int i, round, failures = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: threads16 CERTDIR\n");
        return 2;
    }
    snprintf(path, sizeof(path), "%s/server.pem", argv[1]);
    snprintf(key, sizeof(key), "%s/server.key", argv[1]);
    snprintf(ca, sizeof(ca), "%s/ca.pem", argv[1]);
    server_ctx = SSL_CTX_new(DTLS_server_method());
    client_ctx = SSL_CTX_new(DTLS_client_method());
    if (server_ctx == NULL || client_ctx == NULL
        || SSL_CTX_use_certificate_chain_file(server_ctx, path) != 1
        || SSL_CTX_use_PrivateKey_file(server_ctx, key, SSL_FILETYPE_PEM) != 1
        || SSL_CTX_load_verify_locations(client_ctx, ca, NULL) != 1) {
        fprintf(stderr, "threads16: context setup failed\n");
        ERR_print_errors_fp(stderr);
        return 1;
    }
    SSL_CTX_set_verify(client_ctx, SSL_VERIFY_PEER, NULL);
    for (round = 0; round < ROUNDS; round++) {
        for (i = 0; i < THREADS; i++) {
            jobs[i].id = i;
            jobs[i].ok = 0;
            jobs[i].why[0] = '\0';
            if (pthread_create(&tid[i], NULL, run, &jobs[i]) != 0) {
                fprintf(stderr, "threads16: pthread_create failed\n");
                return 1;
            }
        }
        for (i = 0; i < THREADS; i++) {
            pthread_join(tid[i], NULL);
            if (!jobs[i].ok) {
                failures++;
                fprintf(stderr, "threads16: round %d thread %d: %s\n", round, i, jobs[i].why);
            }
        }
    }
    SSL_CTX_free(client_ctx);
    SSL_CTX_free(server_ctx);
    printf("threads16: %d handshakes+echo sessions, %d failed\n", ROUNDS * THREADS, failures);
    return failures == 0 ? 0 : 1;
}
