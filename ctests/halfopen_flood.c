/*
 * halfopen_flood.c - holds N half-open DTLS associations on a server (issue 15 item 5).
 *
 *   halfopen_flood PORT N SECONDS
 *
 * Opens N UDP sockets on 127.0.0.1 (N source ports), each with a DTLS client that sends its
 * ClientHello, answers the HelloVerifyRequest with the cookie (so the server creates an
 * association) and, once the server's next flight has arrived, goes quiet: it never reads
 * that flight nor answers. The clients work on memory BIOs and this program moves the
 * datagrams, so a client only ever sees the HelloVerifyRequest. Prints "HELD N" on stdout when all N are held, then keeps the
 * sockets open (no ICMP) for SECONDS and exits 0; exits 1 when not all N got that far
 * within 10 seconds.
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/ssl.h>

#define MAX_FLOOD 1024

struct fake {
    int fd;
    SSL *ssl;
    BIO *in, *out;
    int stage; /* 1: ClientHello sent, 2: cookie ClientHello sent, 3: held */
    unsigned char last[2048]; /* the last datagram sent, resent when unanswered */
    int last_len;
    long long last_ms;
};

static struct fake fakes[MAX_FLOOD];

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One handshake step, then sends what the client wrote (one datagram per flight here).
 * Returns 1 unless the client failed. */
static int step(struct fake *f)
{
    int r = SSL_do_handshake(f->ssl), n;

    if (r != 1 && SSL_get_error(f->ssl, r) != SSL_ERROR_WANT_READ)
        return 0;
    n = BIO_read(f->out, f->last, (int)sizeof(f->last));
    f->last_len = n > 0 ? n : 0;
    f->last_ms = now_ms();
    if (n > 0 && send(f->fd, f->last, (size_t)n, 0) != n)
        return 0;
    return 1;
}

/* A loaded server may drop a datagram (full receive buffer): resend the last one after
 * 500 ms without an answer, as a real client's retransmission timer would. */
static void resend_if_unanswered(struct fake *f)
{
    if (f->last_len > 0 && now_ms() - f->last_ms >= 500) {
        f->last_ms = now_ms();
        (void)send(f->fd, f->last, (size_t)f->last_len, 0);
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in srv;
    SSL_CTX *ctx;
    int port = argc > 3 ? atoi(argv[1]) : 0, n = argc > 3 ? atoi(argv[2]) : 0;
    long hold = argc > 3 ? atol(argv[3]) : 0;
    int i, held = 0;
    long long deadline;

    if (port <= 0 || port > 65535 || n <= 0 || n > MAX_FLOOD || hold < 0) {
        fprintf(stderr, "usage: halfopen_flood PORT N SECONDS\n");
        return 2;
    }
    ctx = SSL_CTX_new(DTLS_client_method());
    if (ctx == NULL)
        return 1;
    memset(&srv, 0, sizeof(srv));
    srv.sin_family = AF_INET;
    srv.sin_port = htons((unsigned short)port);
    srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (i = 0; i < n; i++) {
        struct fake *f = &fakes[i];

        f->fd = socket(AF_INET, SOCK_DGRAM, 0);
        if (f->fd < 0 || connect(f->fd, (struct sockaddr *)&srv, sizeof(srv)) != 0
            || fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) | O_NONBLOCK) != 0) {
            perror("halfopen_flood: socket");
            return 1;
        }
        f->ssl = SSL_new(ctx);
        f->in = BIO_new(BIO_s_mem());
        f->out = BIO_new(BIO_s_mem());
        if (f->ssl == NULL || f->in == NULL || f->out == NULL)
            return 1;
        (void)BIO_set_mem_eof_return(f->in, -1);
        (void)BIO_set_mem_eof_return(f->out, -1);
        SSL_set_bio(f->ssl, f->in, f->out);
        SSL_set_options(f->ssl, SSL_OP_NO_QUERY_MTU);
        (void)DTLS_set_link_mtu(f->ssl, 1400);
        SSL_set_connect_state(f->ssl);
        if (!step(f))
            return 1;
        f->stage = 1;
    }
    deadline = now_ms() + 10000;
    while (held < n && now_ms() < deadline) {
        struct pollfd pfd[MAX_FLOOD];

        for (i = 0; i < n; i++) {
            pfd[i].fd = fakes[i].stage < 3 ? fakes[i].fd : -1;
            pfd[i].events = POLLIN;
            pfd[i].revents = 0;
        }
        if (poll(pfd, (nfds_t)n, 100) < 0)
            return 1;
        for (i = 0; i < n; i++) {
            struct fake *f = &fakes[i];

            if (f->stage == 3)
                continue;
            /* The library is never asked to retransmit (this program resends), so it
             * cannot read the server's flight behind our back. */
            if (!(pfd[i].revents & POLLIN)) {
                resend_if_unanswered(f);
                continue;
            }
            if (f->stage == 2) {
                /* The server's flight arrived: it holds an association. Go quiet. */
                f->stage = 3;
                held++;
                continue;
            }
            {
                unsigned char d[4096];
                ssize_t got = recv(f->fd, d, sizeof(d), 0);

                if (got <= 0)
                    continue;
                BIO_write(f->in, d, (int)got); /* the HelloVerifyRequest */
            }
            if (!step(f)) /* sends the ClientHello with the cookie */
                return 1;
            f->stage = 2;
        }
    }
    if (held < n) {
        fprintf(stderr, "halfopen_flood: only %d of %d associations held\n", held, n);
        return 1;
    }
    printf("HELD %d\n", held);
    fflush(stdout);
    sleep((unsigned int)hold);
    for (i = 0; i < n; i++) {
        SSL_free(fakes[i].ssl);
        close(fakes[i].fd);
    }
    SSL_CTX_free(ctx);
    return 0;
}
