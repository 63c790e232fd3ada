/*
 * threaded_server.c - rdtls-threaded-server: one thread per DTLS client.
 *
 *   rdtls-threaded-server -accept host:port -cert f -key f [-CAfile f -verify n]
 *                         [-naccept n] [-max_clients n] [-idle_timeout s] [-quiet]
 *
 * The main thread owns an unconnected UDP socket and answers every ClientHello statelessly
 * with DTLSv1_listen() (HMAC cookies, RFC 6347 §4.2.1). When a ClientHello carries a valid
 * cookie it opens a NEW socket with SO_REUSEADDR/SO_REUSEPORT, binds it to the listening
 * address and connect()s it to the client: the kernel then delivers that client's datagrams
 * to the new socket (a connected socket is the more specific match). The SSL object that
 * listened, which holds the buffered ClientHello, is moved onto the new socket with
 * SSL_set_bio() and handed to a worker thread that finishes SSL_accept() and echoes every
 * datagram until close_notify. The SSL_CTX is shared by all threads.
 *
 * At most -max_clients workers run (default 64). When all are busy, a client with a valid
 * cookie evicts the oldest worker still in its handshake (a client that passed the cookie
 * and went quiet): its socket is shut down, which ends its blocking reads. A client whose
 * every worker is established is refused (it retransmits and gets in when one ends). A
 * worker drops a client silent for -idle_timeout seconds (default 30, 0 = never).
 *
 * With -naccept n the server stops listening after n verified clients, waits for their
 * threads and exits 0 when all of them ended cleanly.
 */
#include "common.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int active_workers;
static long clean_workers, failed_workers, evicted_workers;
static int quiet;
static struct common_server_opts limits = { 64, 30000 };

struct worker {
    SSL *ssl;
    int fd;
    common_addr peer;
    int slot;
    int evicted; /* set by the main thread, under lock */
};

/* The worker table: assoc[i] says whether slot i is used and established; workers[i] is
 * its worker. Both under lock. */
static struct common_assoc *assoc;
static struct worker **workers;

static int echo_session(struct worker *w, const char *who)
{
    char buf[COMMON_MAX_DATAGRAM];
    SSL *ssl = w->ssl;
    int idle_ticks = 0;

    if (!common_handshake(ssl, w->fd, 0, SSL_accept))
        return 0;
    pthread_mutex_lock(&lock);
    assoc[w->slot].established = 1;
    pthread_mutex_unlock(&lock);
    if (!quiet) {
        fprintf(stderr, "rdtls-threaded-server: %s: handshake done\n", who);
        common_print_summary(ssl, 1);
    }
    for (;;) {
        int r = SSL_read(ssl, buf, (int)sizeof(buf)), err;

        if (r > 0) {
            idle_ticks = 0;
            fwrite(buf, 1, (size_t)r, stdout);
            fflush(stdout);
            if (SSL_write(ssl, buf, r) != r) {
                common_fail("SSL_write failed");
                return 0;
            }
            continue;
        }
        err = SSL_get_error(ssl, r);
        if (err == SSL_ERROR_ZERO_RETURN) {
            if (!quiet)
                fprintf(stderr, "rdtls-threaded-server: %s: close_notify\n", who);
            SSL_shutdown(ssl);
            return 1;
        }
        if (err == SSL_ERROR_WANT_READ) {
            /* The 1 s socket receive timeout fired. */
            if (limits.idle_ms > 0 && ++idle_ticks >= (limits.idle_ms + 999) / 1000) {
                fprintf(stderr, "rdtls-threaded-server: %s: idle, giving up\n", who);
                return 0;
            }
            if (DTLSv1_handle_timeout(ssl) < 0)
                return 0;
            continue;
        }
        fprintf(stderr, "rdtls-threaded-server: %s: SSL_read failed (%s)\n", who,
                common_ssl_error_name(err));
        ERR_print_errors_fp(stderr);
        return 0;
    }
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    char who[80];
    int ok;

    common_addr_str(&w->peer, who, sizeof(who));
    ok = echo_session(w, who);
    pthread_mutex_lock(&lock);
    /* Under the lock: the main thread may shut fd down while evicting. */
    SSL_free(w->ssl); /* frees the BIO, which closes fd */
    active_workers--;
    if (w->evicted) {
        if (!quiet)
            fprintf(stderr, "rdtls-threaded-server: %s: evicted (half-open, table full)\n", who);
        evicted_workers++;
    } else if (ok)
        clean_workers++;
    else
        failed_workers++;
    memset(&assoc[w->slot], 0, sizeof(assoc[w->slot]));
    workers[w->slot] = NULL;
    free(w);
    pthread_cond_broadcast(&done_cond);
    pthread_mutex_unlock(&lock);
    return NULL;
}

/* Reserves a worker slot for a verified client: a free one, or the slot of the oldest
 * half-open worker, which is evicted (its socket shut down) and waited for. Returns the slot
 * (marked used), or -1 when every worker is established. Called with lock held. */
static int reserve_slot(void)
{
    int slot, victim;

    for (;;) {
        slot = common_assoc_free_slot(assoc, (int)limits.max_clients);
        if (slot >= 0)
            break;
        victim = common_assoc_victim(assoc, (int)limits.max_clients);
        if (victim < 0)
            return -1;
        if (workers[victim] != NULL && !workers[victim]->evicted) {
            workers[victim]->evicted = 1;
            /* Ends the worker's blocking reads: its handshake fails and the slot frees. */
            (void)shutdown(workers[victim]->fd, SHUT_RDWR);
        }
        pthread_cond_wait(&done_cond, &lock);
    }
    assoc[slot].used = 1;
    assoc[slot].established = 0;
    assoc[slot].started_ms = common_now_ms();
    return slot;
}

/* Hands a verified client to a new thread in `slot`. Consumes ssl and the slot in every
 * case. */
static int start_worker(SSL *ssl, const common_addr *local, const common_addr *peer, int slot)
{
    struct worker *w;
    pthread_t tid;
    BIO *bio;
    struct timeval tv;
    int fd = common_udp_socket_for_peer(local, peer);

    if (fd < 0) {
        SSL_free(ssl);
        pthread_mutex_lock(&lock);
        memset(&assoc[slot], 0, sizeof(assoc[slot]));
        pthread_mutex_unlock(&lock);
        return 0;
    }
    bio = BIO_new_dgram(fd, BIO_CLOSE);
    w = malloc(sizeof(*w));
    if (bio == NULL || w == NULL) {
        if (bio != NULL)
            BIO_free(bio);
        else
            close(fd);
        free(w);
        SSL_free(ssl);
        pthread_mutex_lock(&lock);
        memset(&assoc[slot], 0, sizeof(assoc[slot]));
        pthread_mutex_unlock(&lock);
        return 0;
    }
    (void)BIO_ctrl_set_connected(bio, peer);
    tv.tv_sec = 1;
    tv.tv_usec = 0;
    BIO_ctrl(bio, BIO_CTRL_DGRAM_SET_RECV_TIMEOUT, 0, &tv);
    /* Replaces (and frees) the listening BIO; the buffered ClientHello stays in ssl. */
    SSL_set_bio(ssl, bio, bio);
    w->ssl = ssl;
    w->fd = fd;
    w->peer = *peer;
    w->slot = slot;
    w->evicted = 0;
    pthread_mutex_lock(&lock);
    active_workers++;
    workers[slot] = w;
    pthread_mutex_unlock(&lock);
    if (pthread_create(&tid, NULL, worker_main, w) != 0) {
        perror("rdtls-threaded-server: pthread_create");
        SSL_free(ssl);
        free(w);
        pthread_mutex_lock(&lock);
        active_workers--;
        workers[slot] = NULL;
        memset(&assoc[slot], 0, sizeof(assoc[slot]));
        pthread_mutex_unlock(&lock);
        return 0;
    }
    pthread_detach(tid);
    return 1;
}

int main(int argc, char **argv)
{
    const char *accept_spec = "4433", *cert = "server.pem", *key = NULL, *cafile = NULL;
    int verify_depth = -1, lfd = -1, i, status = 1;
    long naccept = 0, accepted = 0;
    char *host = NULL, *port = NULL, addr[80];
    common_addr local;
    SSL_CTX *ctx = NULL;

    common_prog = "rdtls-threaded-server";
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "-quiet") == 0) { quiet = 1; continue; }
        if (strcmp(a, "-dtls1_2") == 0 || strcmp(a, "-dtls") == 0) continue;
        if (v == NULL) {
            fprintf(stderr, "%s: bad or incomplete option %s\n", common_prog, a);
            return 1;
        }
        i++;
        if (strcmp(a, "-accept") == 0 || strcmp(a, "-port") == 0) accept_spec = v;
        else if (strcmp(a, "-cert") == 0) cert = v;
        else if (strcmp(a, "-key") == 0) key = v;
        else if (strcmp(a, "-CAfile") == 0) cafile = v;
        else if (strcmp(a, "-verify") == 0) verify_depth = atoi(v);
        else if (strcmp(a, "-naccept") == 0) naccept = atol(v);
        else if (common_parse_server_opt(&limits, a, v)) continue;
        else {
            fprintf(stderr, "%s: unknown option %s\n", common_prog, a);
            return 1;
        }
    }
    if (!common_split_hostport(accept_spec, &host, &port) || naccept < 0) {
        fprintf(stderr, "%s: bad -accept or -naccept value\n", common_prog);
        return 1;
    }
    if (!common_server_opts_ok(&limits))
        return 1;
    assoc = calloc((size_t)limits.max_clients, sizeof(*assoc));
    workers = calloc((size_t)limits.max_clients, sizeof(*workers));
    if (assoc == NULL || workers == NULL) {
        fprintf(stderr, "%s: out of memory\n", common_prog);
        goto done;
    }
    if (!common_cookie_init()) {
        common_fail("RAND_bytes failed");
        goto done;
    }
    ctx = SSL_CTX_new(DTLS_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1
        || SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1) {
        common_fail("cannot set up the server certificate or key");
        goto done;
    }
    if (cafile != NULL && SSL_CTX_load_verify_locations(ctx, cafile, NULL) != 1) {
        common_fail("cannot load the CA file");
        goto done;
    }
    if (verify_depth >= 0) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, NULL);
        SSL_CTX_set_verify_depth(ctx, verify_depth);
    }
    SSL_CTX_set_cookie_generate_cb(ctx, common_generate_cookie);
    SSL_CTX_set_cookie_verify_cb(ctx, common_verify_cookie);
    lfd = common_udp_bind(host, port, 1, &local);
    if (lfd < 0)
        goto done;
    common_addr_str(&local, addr, sizeof(addr));
    fprintf(stderr, "ACCEPT %s\n", addr);
    fflush(stderr);

    while (naccept == 0 || accepted < naccept) {
        SSL *ssl = SSL_new(ctx);
        BIO *bio = BIO_new_dgram(lfd, BIO_NOCLOSE);
        common_addr peer;
        int r, slot;

        if (ssl == NULL || bio == NULL) {
            BIO_free(bio);
            SSL_free(ssl);
            common_fail("cannot create the listening SSL object");
            goto done;
        }
        SSL_set_bio(ssl, bio, bio);
        SSL_set_options(ssl, SSL_OP_COOKIE_EXCHANGE);
        do {
            memset(&peer, 0, sizeof(peer));
            r = DTLSv1_listen(ssl, (BIO_ADDR *)&peer);
        } while (r == 0);
        if (r < 0) {
            common_fail("DTLSv1_listen failed");
            SSL_free(ssl);
            continue;
        }
        pthread_mutex_lock(&lock);
        slot = reserve_slot();
        pthread_mutex_unlock(&lock);
        if (slot < 0) {
            /* Every worker is established: refuse; the client will retransmit. */
            SSL_free(ssl);
            continue;
        }
        if (!quiet) {
            common_addr_str(&peer, addr, sizeof(addr));
            fprintf(stderr, "%s: verified ClientHello from %s\n", common_prog, addr);
        }
        if (!start_worker(ssl, &local, &peer, slot)) {
            pthread_mutex_lock(&lock);
            failed_workers++;
            pthread_mutex_unlock(&lock);
        }
        accepted++;
    }
    pthread_mutex_lock(&lock);
    while (active_workers > 0)
        pthread_cond_wait(&done_cond, &lock);
    pthread_mutex_unlock(&lock);
    if (!quiet)
        fprintf(stderr, "%s: %ld client(s) clean, %ld failed, %ld half-open evicted\n",
                common_prog, clean_workers, failed_workers, evicted_workers);
    status = failed_workers == 0 ? 0 : 1;
done:
    free(assoc);
    free(workers);
    if (lfd >= 0)
        close(lfd);
    SSL_CTX_free(ctx);
    free(host);
    free(port);
    return status;
}
