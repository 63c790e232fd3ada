/*
 * s_client.c - rdtls-s_client: a DTLS 1.2 port of OpenSSL's `openssl s_client -dtls1_2`.
 *
 * Reads stdin and sends each line (newline included) with one SSL_write(); prints whatever
 * the server sends to stdout. On stdin EOF it sends close_notify and exits 0 (with -ign_eof
 * it keeps running until the server closes). Status, the handshake summary and the -msg
 * trace go to stderr. Exit status: 0 success, 1 failure (OpenSSL error queue on stderr).
 */
#include "common.h"
#include "dccp_sock.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

struct options {
    struct common_opts c;
    const char *connect;
    const char *servername;
    int verify;       /* -1: no verification required; otherwise the depth */
    int ign_eof;
    const char *sess_in;  /* PEM session to offer for resumption */
    const char *sess_out; /* where to save the session after the handshake */
    int dccp;              /* -dccp: DTLS over DCCP (RFC 5238) */
    unsigned long service; /* -service_code: the DCCP service code */
};

static void usage(void)
{
    fprintf(stderr,
            "usage: rdtls-s_client [options]\n"
            " -connect host:port   server to contact (default localhost:4433)\n"
            " -dccp                DTLS over DCCP (RFC 5238) instead of UDP\n"
            " -service_code n      DCCP service code (default 1)\n"
            " -port n              port of localhost to contact\n"
            " -cert file -key file client certificate chain and key (PEM)\n"
            " -CAfile file         trusted CA certificates (PEM)\n"
            " -verify n            require a valid server chain, depth n\n"
            " -sess_in file        offer the PEM session in file for resumption\n"
            " -sess_out file       save the session to file (PEM) after the handshake\n"
            " -cipher list         cipher list (OpenSSL syntax)\n"
            " -psk hex             pre-shared key (hex); enables the PSK client callback\n"
            " -psk_identity id     PSK identity to send (default Client_identity)\n"
            " -mtu n               link MTU (disables MTU discovery)\n"
            " -cid n               connection IDs (RFC 9146), ask for an n-byte CID (rdtls)\n"
            " -timeout             enable 250 ms socket receive/send timeouts\n"
            " -timer_ms n          initial DTLS retransmission timer (rdtls extension)\n"
            " -nbio                non-blocking I/O with poll()\n"
            " -servername name     SNI host name\n"
            " -keylogfile file     append NSS key log lines to file\n"
            " -use_srtp profiles   offer DTLS-SRTP profiles (colon-separated)\n"
            " -alpn list           offer ALPN protocols (comma-separated)\n"
            " -keymatexport label  print keying material exported with label\n"
            " -keymatexportlen n   bytes of keying material (default 20)\n"
            " -msg                 trace protocol messages on stderr\n"
            " -no_renegotiation    refuse renegotiation (SSL_OP_NO_RENEGOTIATION)\n"
            " -no_etm              no encrypt_then_mac (SSL_OP_NO_ENCRYPT_THEN_MAC)\n"
            " (a line \"R\" on stdin renegotiates, as in openssl s_client)\n"
            " -quiet               no status output\n"
            " -ign_eof             keep running after stdin EOF until the server closes\n"
            " -dtls1_2             DTLS 1.2 only\n"
            " -dtls1_3             DTLS 1.3 only (RFC 9147; rdtls, not OpenSSL 3.0)\n"
            " -dtls                any version (the default): DTLS 1.3 and 1.2 (1.2 only when\n"
            "                      RDTLS_MAX_PROTO=DTLSv1.2)\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    static char portspec[64];
    int i;

    memset(o, 0, sizeof(*o));
    o->connect = "localhost:4433";
    o->verify = -1;
    o->service = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        int r;

        if (a[0] == '-' && a[1] == '-')
            a++;
        r = common_parse_opt(&o->c, a, argc, argv, &i, usage);
        if (r < 0)
            return 0;
        if (r > 0)
            continue;
        if (strcmp(a, "-connect") == 0 || strcmp(a, "-port") == 0 || strcmp(a, "-verify") == 0
            || strcmp(a, "-Verify") == 0 || strcmp(a, "-servername") == 0
            || strcmp(a, "-sess_in") == 0 || strcmp(a, "-sess_out") == 0
            || strcmp(a, "-service_code") == 0) {
            const char *v = common_opt_arg(a, argc, argv, &i);

            if (v == NULL)
                return 0;
            if (strcmp(a, "-connect") == 0)
                o->connect = v;
            else if (strcmp(a, "-service_code") == 0) {
                if (!dccp_sock_parse_service(v, &o->service)) {
                    fprintf(stderr, "%s: bad -service_code %s\n", common_prog, v);
                    return 0;
                }
            }
            else if (strcmp(a, "-port") == 0) {
                snprintf(portspec, sizeof(portspec), "localhost:%s", v);
                o->connect = portspec;
            } else if (strcmp(a, "-servername") == 0)
                o->servername = v;
            else if (strcmp(a, "-sess_in") == 0)
                o->sess_in = v;
            else if (strcmp(a, "-sess_out") == 0)
                o->sess_out = v;
            else
                o->verify = atoi(v);
        }
        else if (strcmp(a, "-dccp") == 0) o->dccp = 1;
        else if (strcmp(a, "-ign_eof") == 0) o->ign_eof = 1;
        else if (strcmp(a, "-no_ign_eof") == 0) o->ign_eof = 0;
        else if (strcmp(a, "-verify_return_error") == 0) { /* accepted, always on */ }
        else {
            fprintf(stderr, "%s: unknown option %s\n", common_prog, argv[i]);
            usage();
            return 0;
        }
    }
    if (o->c.mtu < 0 || o->c.timer_ms < 0 || o->c.timer_ms > 60000) {
        fprintf(stderr, "%s: bad -mtu or -timer_ms value\n", common_prog);
        return 0;
    }
    return 1;
}

/* -sess_out: saves a session with PEM_write_bio_SSL_SESSION. */
static int write_session(SSL_SESSION *sess, const char *path)
{
    BIO *out = BIO_new_file(path, "w");
    int ok = out != NULL && sess != NULL && PEM_write_bio_SSL_SESSION(out, sess) == 1;

    if (!ok)
        common_fail("cannot save the session to -sess_out");
    BIO_free(out);
    return ok;
}

static const char *sess_out_path;

/* The new-session callback, as OpenSSL's s_client: a DTLS 1.3 session exists only once a
 * NewSessionTicket arrived after the handshake (RFC 8446 §4.6.1), so -sess_out saves every
 * new session (the newest ticket wins). Returns 0: we keep no reference. */
static int new_session_cb(SSL *ssl, SSL_SESSION *sess)
{
    (void)ssl;
    if (sess_out_path != NULL)
        (void)write_session(sess, sess_out_path);
    return 0;
}

static SSL_CTX *make_ctx(const struct options *o)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());

    if (ctx == NULL) {
        common_fail("SSL_CTX_new failed");
        return NULL;
    }
    /* We poll() the blocking socket and stdin together: a datagram that carries no
     * application data (e.g. the server retransmitting its last handshake flight) must make
     * SSL_read return WANT_READ, not wait for the next datagram and starve stdin
     * (SSL_CTX_set_mode(3), SSL_MODE_AUTO_RETRY). */
    SSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
    if (!common_ctx_load(ctx, &o->c, "client")) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (o->verify >= 0) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_verify_depth(ctx, o->verify);
    }
    if (o->sess_out != NULL) {
        sess_out_path = o->sess_out;
        SSL_CTX_set_session_cache_mode(ctx,
                                       SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
        SSL_CTX_sess_set_new_cb(ctx, new_session_cb);
    }
    return ctx;
}
/* Sends one line, waiting on WANT_WRITE / WANT_READ. Returns 1 on success. */
static int send_line(SSL *ssl, int fd, const char *buf, size_t len, int commands)
{
    /* As OpenSSL's s_client: a line "R" renegotiates instead of being sent (not with
     * -ign_eof). */
    if (commands && common_stdin_command(ssl, buf, len))
        return 1;
    return common_ssl_write(ssl, fd, buf, (int)len, 1);
}

/* Reads what is available. Returns 1 to go on, 0 when the server closed, -1 on error. */
static int drain_socket(SSL *ssl, int nbio, int quiet)
{
    char buf[COMMON_MAX_DATAGRAM];

    for (;;) {
        int r = SSL_read(ssl, buf, (int)sizeof(buf)), err;

        if (r > 0) {
            fwrite(buf, 1, (size_t)r, stdout);
            fflush(stdout);
            /* A blocking SSL_read would wait for the next datagram: read once only. */
            if (!nbio && SSL_pending(ssl) == 0)
                return 1;
            continue;
        }
        err = SSL_get_error(ssl, r);
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
            return 1;
        if (err == SSL_ERROR_ZERO_RETURN) {
            if (!quiet)
                fprintf(stderr, "%s: server sent close_notify\n", common_prog);
            SSL_shutdown(ssl);
            return 0;
        }
        fprintf(stderr, "%s: SSL_read failed (%s)\n", common_prog, common_ssl_error_name(err));
        ERR_print_errors_fp(stderr);
        return -1;
    }
}

/* Interactive phase: stdin lines out, server data in. Returns the exit status. */
static int run_session(SSL *ssl, int fd, const struct options *o)
{
    static char line[65536];
    size_t have = 0;
    int stdin_open = 1;

    for (;;) {
        struct pollfd pfd[2];
        struct timeval tv;
        int ms = -1, timer = 0, n, nfds = 1;

        pfd[0].fd = fd;
        pfd[0].events = POLLIN;
        pfd[0].revents = 0;
        if (stdin_open) {
            pfd[1].fd = 0;
            pfd[1].events = POLLIN;
            pfd[1].revents = 0;
            nfds = 2;
        }
        if (DTLSv1_get_timeout(ssl, &tv) > 0) {
            ms = (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000);
            timer = 1;
        }
        n = poll(pfd, (nfds_t)nfds, ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            perror("poll");
            return 1;
        }
        if (n == 0) {
            if (timer && DTLSv1_handle_timeout(ssl) < 0) {
                common_fail("DTLS retransmission limit reached");
                return 1;
            }
            continue;
        }
        if (pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) {
            int r = drain_socket(ssl, o->c.nbio, o->c.quiet);
            if (r <= 0)
                return r == 0 ? 0 : 1;
        }
        if (nfds == 2 && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            ssize_t got = read(0, line + have, sizeof(line) - have);
            size_t start = 0, i;

            if (got < 0 && errno == EINTR)
                continue;
            if (got > 0) {
                have += (size_t)got;
                for (i = 0; i < have; i++) {
                    if (line[i] == '\n') {
                        if (!send_line(ssl, fd, line + start, i + 1 - start, !o->ign_eof))
                            return 1;
                        start = i + 1;
                    }
                }
                memmove(line, line + start, have - start);
                have -= start;
                /* A line longer than the buffer is sent in buffer-sized pieces. */
                if (have == sizeof(line)) {
                    if (!send_line(ssl, fd, line, have, !o->ign_eof))
                        return 1;
                    have = 0;
                }
                continue;
            }
            /* EOF (or a read error, treated alike as in OpenSSL's s_client). */
            if (have > 0 && !send_line(ssl, fd, line, have, !o->ign_eof))
                return 1;
            have = 0;
            stdin_open = 0;
            if (!o->ign_eof) {
                if (!o->c.quiet)
                    fprintf(stderr, "%s: stdin EOF, sending close_notify\n", common_prog);
                if (SSL_shutdown(ssl) < 0) {
                    common_fail("SSL_shutdown failed");
                    return 1;
                }
                return 0;
            }
        }
    }
}

/* -sess_in: offers the saved session (PEM_read_bio_SSL_SESSION + SSL_set_session). */
static int load_session(SSL *ssl, const char *path)
{
    BIO *in = BIO_new_file(path, "r");
    SSL_SESSION *sess = in != NULL ? PEM_read_bio_SSL_SESSION(in, NULL, NULL, NULL) : NULL;
    int ok = sess != NULL && SSL_set_session(ssl, sess) == 1;

    if (!ok)
        common_fail("cannot load the session from -sess_in");
    SSL_SESSION_free(sess);
    BIO_free(in);
    return ok;
}


int main(int argc, char **argv)
{
    struct options o;
    SSL_CTX *ctx = NULL;
    SSL *ssl = NULL;
    BIO *bio;
    common_addr peer;
    char *host = NULL, *port = NULL;
    int fd = -1, status = 1;

    common_prog = "rdtls-s_client";
    if (!parse_args(argc, argv, &o))
        return 1;
    if (!common_split_hostport(o.connect, &host, &port)) {
        fprintf(stderr, "%s: bad -connect value %s\n", common_prog, o.connect);
        return 1;
    }
    ctx = make_ctx(&o);
    if (ctx == NULL)
        goto done;
    if (o.dccp)
        fd = dccp_sock_connect(host ? host : "localhost", port, o.service, &peer);
    else
        fd = common_udp_connect(host ? host : "localhost", port, &peer);
    if (fd < 0)
        goto done;
    if (!o.c.quiet) {
        char buf[80];
        common_addr_str(&peer, buf, sizeof(buf));
        fprintf(stderr, "CONNECTED(%d) to %s\n", fd, buf);
        if (o.dccp)
            fprintf(stderr, "DCCP service code %lu, MPS %ld\n", o.service, dccp_sock_mps(fd));
    }
    ssl = SSL_new(ctx);
    bio = BIO_new_dgram(fd, BIO_CLOSE);
    if (ssl == NULL || bio == NULL) {
        if (bio != NULL)
            BIO_free(bio); /* closes fd */
        else
            close(fd);
        common_fail("cannot create the SSL object or datagram BIO");
        goto done;
    }
    /* fd is now owned (closed) by bio. */
    (void)BIO_ctrl_set_connected(bio, &peer);
    SSL_set_bio(ssl, bio, bio);
    common_set_bio_timeouts(bio, o.c.timeout);
    if (!common_apply_ssl_opts(ssl, &o.c))
        goto done;
    if (o.servername != NULL && !SSL_set_tlsext_host_name(ssl, o.servername)) {
        common_fail("cannot set the server name");
        goto done;
    }
    if (o.c.nbio && !common_set_nonblocking(fd)) {
        perror("fcntl");
        goto done;
    }
    if (o.sess_in != NULL && !load_session(ssl, o.sess_in))
        goto done;
    if (!common_handshake(ssl, fd, o.c.nbio, SSL_connect))
        goto done;
    if (!o.c.quiet) {
        common_print_summary(ssl, 0);
        webrtc_print(ssl, &o.c.webrtc, 0);
        if (o.sess_in != NULL || o.sess_out != NULL)
            fprintf(stderr, "%s session\n", SSL_session_reused(ssl) ? "Reused" : "New");
    }
    /* DTLS 1.2: the session is complete now (the callback has saved it too). DTLS 1.3:
     * new_session_cb saves it when the server's ticket arrives. */
    if (o.sess_out != NULL && SSL_version(ssl) != 0xFEFC /* DTLS1_3_VERSION */
        && !write_session(SSL_get_session(ssl), o.sess_out))
        goto done;
    status = run_session(ssl, fd, &o);
done:
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    free(host);
    free(port);
    return status;
}
