/*
 * s_server.c - rdtls-s_server: a DTLS 1.2 port of OpenSSL's `openssl s_server -dtls1_2`.
 *
 * Serves one connection at a time on one UDP socket. Every datagram of application data is
 * printed to stdout and sent back (reversed with -rev). The peer's close_notify is answered
 * with ours and ends the connection; after -naccept n connections the server exits with 0
 * when every connection completed its handshake and closed cleanly, 1 otherwise.
 *
 * Like OpenSSL's s_server it always enables the cookie exchange (SSL_OP_COOKIE_EXCHANGE)
 * with HMAC cookies; -listen answers ClientHellos statelessly with DTLSv1_listen() first and
 * moves the verified client to its own connected socket (see serve_one). Status goes to stderr, starting with
 * "ACCEPT host:port" (the real port when -accept 0 was given).
 *
 * As in OpenSSL's s_server, -servername name with -cert2/-key2 serves a second certificate
 * by SNI: a servername callback (SSL_CTX_set_tlsext_servername_callback) prints the name the
 * client asked for and, when it matches (case-insensitively), switches the connection to the
 * second SSL_CTX with SSL_set_SSL_CTX; a different name gets an unrecognized_name warning
 * alert (a fatal one with -servername_fatal), no name keeps the first certificate.
 */
#include "common.h"
#include "dccp_sock.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <unistd.h>

struct options {
    struct common_opts c;
    const char *accept;
    int verify_mode;  /* SSL_VERIFY_* flags */
    int verify_depth;
    long naccept;     /* 0: serve forever */
    int listen;
    int rev;
    int no_cookie;
    const char *servername; /* -servername: the name served with -cert2/-key2 */
    const char *cert2;
    const char *key2;
    int servername_fatal;
    long idle_s;      /* -idle_timeout; -1: not given */
    int serverpref;   /* SSL_OP_CIPHER_SERVER_PREFERENCE */
    int dccp;              /* -dccp: DTLS over DCCP (RFC 5238) */
    unsigned long service; /* -service_code: the DCCP service code */
};

/* What the servername callback needs (OpenSSL's s_server calls it tlsextctx). */
struct sni_ctx {
    const char *servername;
    SSL_CTX *ctx2;
    int extension_error; /* SSL_TLSEXT_ERR_ALERT_WARNING or _FATAL */
    int quiet;
};

/* Default -idle_timeout with -listen: a client that completes and disappears must not hold
 * the server forever (it serves one connection at a time). */
#define DEFAULT_LISTEN_IDLE_S 60

static void usage(void)
{
    fprintf(stderr,
            "usage: rdtls-s_server [options]\n"
            " -accept [host:]port  address to listen on (default 4433; 0 = any free port)\n"
            " -port n              same as -accept n\n"
            " -dccp                DTLS over DCCP (RFC 5238): accept DCCP connections\n"
            " -service_code n      DCCP service code (default 1)\n"
            " -cert file -key file server certificate chain and key (default server.pem)\n"
            " -CAfile file         CA certificates trusted for client certificates\n"
            " -verify n            request a client certificate (depth n)\n"
            " -Verify n            require a client certificate (depth n)\n"
            " -cipher list         cipher list (OpenSSL syntax)\n"
            " -psk hex             pre-shared key (hex); enables the PSK server callback\n"
            " -psk_identity id     identity expected from clients (default Client_identity)\n"
            " -psk_hint hint       PSK identity hint sent in ServerKeyExchange\n"
            " -nocert              no certificate (PSK suites only)\n"
            " -mtu n               link MTU (disables MTU discovery)\n"
            " -cid n               connection IDs (RFC 9146), ask for an n-byte CID (rdtls)\n"
            " -timeout             enable 250 ms socket receive/send timeouts\n"
            " -timer_ms n          initial DTLS retransmission timer (rdtls extension)\n"
            " -nbio                non-blocking I/O with poll()\n"
            " -listen              stateless cookie exchange with DTLSv1_listen()\n"
            " -no_cookie           no HelloVerifyRequest without -listen (rdtls extension)\n"
            " -serverpref          our cipher, group and signature order, not the client's\n"
            " -rev                 send every datagram back reversed\n"
            " -servername name     serve -cert2/-key2 to clients asking for name (SNI)\n"
            " -cert2 file -key2 file  second certificate chain and key (default server2.pem)\n"
            " -servername_fatal    fatal alert (not warning) for another name\n"
            " -naccept n           exit after n connections\n"
            " -idle_timeout s      drop a connection silent for s seconds (0 = never;\n"
            "                      default 60 with -listen, never without)\n"
            " -keylogfile file     append NSS key log lines to file\n"
            " -use_srtp profiles   accept DTLS-SRTP profiles (colon-separated, ours first)\n"
            " -alpn list           select ALPN protocols (comma-separated)\n"
            " -keymatexport label  print keying material exported with label\n"
            " -keymatexportlen n   bytes of keying material (default 20)\n"
            " -msg                 trace protocol messages on stderr\n"
            " -client_renegotiation allow client-initiated renegotiation\n"
            " -no_renegotiation    refuse renegotiation (SSL_OP_NO_RENEGOTIATION)\n"
            " -no_etm              no encrypt_then_mac (SSL_OP_NO_ENCRYPT_THEN_MAC)\n"
            " (a line \"R\" on stdin renegotiates; other lines go to the client)\n"
            " -quiet               no status output\n"
            " -dtls1_2             DTLS 1.2 only\n"
            " -dtls1_3             DTLS 1.3 only (RFC 9147; rdtls, not OpenSSL 3.0)\n"
            " -dtls                any version (the default): DTLS 1.3 and 1.2 (1.2 only when\n"
            "                      RDTLS_MAX_PROTO=DTLSv1.2)\n");
}

static int parse_args(int argc, char **argv, struct options *o)
{
    int i;

    memset(o, 0, sizeof(*o));
    o->accept = "4433";
    o->c.cert = "server.pem";
    o->verify_mode = SSL_VERIFY_NONE;
    o->idle_s = -1;
    o->service = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];

        const char *v;
        int r;

        if (a[0] == '-' && a[1] == '-')
            a++;
        r = common_parse_opt(&o->c, a, argc, argv, &i, usage);
        if (r < 0)
            return 0;
        if (r > 0)
            continue;
        if (strcmp(a, "-accept") == 0 || strcmp(a, "-port") == 0 || strcmp(a, "-verify") == 0
            || strcmp(a, "-Verify") == 0 || strcmp(a, "-naccept") == 0
            || strcmp(a, "-servername") == 0 || strcmp(a, "-cert2") == 0
            || strcmp(a, "-key2") == 0 || strcmp(a, "-service_code") == 0
            || strcmp(a, "-idle_timeout") == 0) {
            v = common_opt_arg(a, argc, argv, &i);
            if (v == NULL)
                return 0;
            if (strcmp(a, "-naccept") == 0)
                o->naccept = atol(v);
            else if (strcmp(a, "-service_code") == 0) {
                if (!dccp_sock_parse_service(v, &o->service)) {
                    fprintf(stderr, "%s: bad -service_code %s\n", common_prog, v);
                    return 0;
                }
            }
            else if (strcmp(a, "-servername") == 0)
                o->servername = v;
            else if (strcmp(a, "-cert2") == 0)
                o->cert2 = v;
            else if (strcmp(a, "-key2") == 0)
                o->key2 = v;
            else if (strcmp(a, "-idle_timeout") == 0)
                o->idle_s = atol(v);
            else if (strcmp(a, "-verify") == 0 || strcmp(a, "-Verify") == 0) {
                o->verify_mode = SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE;
                if (a[1] == 'V')
                    o->verify_mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
                o->verify_depth = atoi(v);
            } else
                o->accept = v;
        }
        else if (strcmp(a, "-listen") == 0) o->listen = 1;
        else if (strcmp(a, "-dccp") == 0) o->dccp = 1;
        else if (strcmp(a, "-no_cookie") == 0) o->no_cookie = 1;
        else if (strcmp(a, "-rev") == 0) o->rev = 1;
        else if (strcmp(a, "-servername_fatal") == 0) o->servername_fatal = 1;
        else if (strcmp(a, "-serverpref") == 0) o->serverpref = 1;
        else {
            fprintf(stderr, "%s: unknown option %s\n", common_prog, argv[i]);
            usage();
            return 0;
        }
    }
    if (o->c.mtu < 0 || o->naccept < 0 || o->c.timer_ms < 0 || o->c.timer_ms > 60000
        || o->idle_s < -1 || o->idle_s > 86400) {
        fprintf(stderr, "%s: bad -mtu, -naccept, -timer_ms or -idle_timeout value\n",
                common_prog);
        return 0;
    }
    if (o->dccp && o->listen) {
        /* DCCP's own handshake precedes DTLS's; accept() gives a connected socket. */
        fprintf(stderr, "%s: -listen is for UDP; -dccp accepts connections itself\n",
                common_prog);
        return 0;
    }
    if (o->idle_s < 0)
        o->idle_s = o->listen ? DEFAULT_LISTEN_IDLE_S : 0;
    return 1;
}

/* The servername callback: runs after the ClientHello, before the certificate is chosen. */
static int servername_cb(SSL *ssl, int *al, void *arg)
{
    const struct sni_ctx *p = arg;
    const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);

    (void)al; /* the default, unrecognized_name, is the alert we want */
    if (name != NULL && !p->quiet)
        fprintf(stderr, "Hostname in TLS extension: \"%s\"\n", name);
    if (p->servername == NULL)
        return SSL_TLSEXT_ERR_NOACK;
    if (name != NULL) {
        if (strcasecmp(name, p->servername) != 0)
            return p->extension_error;
        if (p->ctx2 != NULL) {
            if (!p->quiet)
                fprintf(stderr, "Switching server context.\n");
            SSL_set_SSL_CTX(ssl, p->ctx2);
        }
    }
    return SSL_TLSEXT_ERR_OK;
}

static SSL_CTX *make_ctx(const struct options *o, const char *cert, const char *key)
{
    static const unsigned char sid_ctx[] = "rdtls-s_server";
    SSL_CTX *ctx = SSL_CTX_new(DTLS_server_method());

    if (ctx == NULL) {
        common_fail("SSL_CTX_new failed");
        return NULL;
    }
    struct common_opts c = o->c;

    c.cert = cert;
    c.key = key;
    if (!common_ctx_load(ctx, &c, "server")) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    SSL_CTX_set_verify(ctx, o->verify_mode, NULL);
    if (o->serverpref)
        SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (o->verify_mode != SSL_VERIFY_NONE)
        SSL_CTX_set_verify_depth(ctx, o->verify_depth);
    /* Sessions carrying a client certificate may only resume under the same context. */
    SSL_CTX_set_session_id_context(ctx, sid_ctx, (unsigned int)(sizeof(sid_ctx) - 1));
    /* Application cookies: DTLS 1.2's HelloVerifyRequest; on DTLS 1.3 rdtls carries them
     * inside its HelloRetryRequest cookie (RFC 9147 section 5.1), DTLSv1_listen included. */
    SSL_CTX_set_cookie_generate_cb(ctx, common_generate_cookie);
    SSL_CTX_set_cookie_verify_cb(ctx, common_verify_cookie);
    return ctx;
}

/* Reverses buf in place, keeping a trailing "\n" or "\r\n" at the end. */
static void reverse_datagram(char *buf, size_t len)
{
    size_t i, j;

    if (len > 0 && buf[len - 1] == '\n')
        len--;
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    for (i = 0, j = len; i + 1 < j; i++, j--) {
        char t = buf[i];
        buf[i] = buf[j - 1];
        buf[j - 1] = t;
    }
}

/* stdin has not reached EOF (kept across connections). */
static int g_stdin_open = 1;

/* Reads stdin lines as OpenSSL's s_server does: "R" renegotiates, any other line is sent
 * to the client. EOF (or an error) stops reading stdin. Returns 0 when a write failed. */
static int read_stdin_lines(SSL *ssl, int fd, int *stdin_open)
{
    char line[4096];
    ssize_t got;

    do {
        got = read(0, line, sizeof(line));
    } while (got < 0 && errno == EINTR);
    if (got <= 0) {
        *stdin_open = 0;
        return 1;
    }
    /* stdin is in use: a datagram that carries no application data (a renegotiation
     * flight) must return to poll() instead of blocking in SSL_read (as s_client does). */
    SSL_clear_mode(ssl, SSL_MODE_AUTO_RETRY);
    if (common_stdin_command(ssl, line, (size_t)got))
        return 1;
    return common_ssl_write(ssl, fd, line, (int)got, 1);
}

/* Blocking mode: waits until the socket is readable (1), stdin was handled or the DTLS
 * timer fired / a second passed (0), or an error (-1). */
static int wait_socket_or_stdin(SSL *ssl, int fd, int *stdin_open)
{
    struct pollfd pfd[2];
    struct timeval tv;
    int ms = 1000, timer = 0, n;

    if (DTLSv1_get_timeout(ssl, &tv) > 0) {
        long t = (long)tv.tv_sec * 1000L + ((long)tv.tv_usec + 999L) / 1000L;
        if (t < ms) {
            ms = (int)t;
            timer = 1;
        }
    }
    pfd[0].fd = fd;
    pfd[0].events = POLLIN;
    pfd[0].revents = 0;
    pfd[1].fd = 0;
    pfd[1].events = POLLIN;
    pfd[1].revents = 0;
    do {
        n = poll(pfd, 2, ms);
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        fprintf(stderr, "%s: poll: %s\n", common_prog, strerror(errno));
        return -1;
    }
    if (n == 0) {
        if (timer && DTLSv1_handle_timeout(ssl) < 0) {
            common_fail("DTLS retransmission limit reached");
            return -1;
        }
        return 0;
    }
    if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
        if (!read_stdin_lines(ssl, fd, stdin_open))
            return -1;
        if (!(pfd[0].revents & (POLLIN | POLLERR)))
            return 0;
    }
    return 1;
}

/* Echo phase. Returns 1 when the client closed with close_notify, 0 otherwise (also when
 * the client stayed silent for -idle_timeout). stdin (blocking mode only) carries lines
 * for the client and the "R" command. */
static int echo_loop(SSL *ssl, int fd, const struct options *o, int *stdin_open)
{
    char buf[COMMON_MAX_DATAGRAM];
    long long idle_ms = (long long)o->idle_s * 1000, last = common_now_ms();

    if (idle_ms > 0 && !o->c.nbio && !o->c.timeout) {
        /* Blocking reads wake every second so the idle limit can be checked. */
        struct timeval tv;

        tv.tv_sec = 1;
        tv.tv_usec = 0;
        BIO_ctrl(SSL_get_rbio(ssl), BIO_CTRL_DGRAM_SET_RECV_TIMEOUT, 0, &tv);
    }
    for (;;) {
        int r, err;

        if (*stdin_open && !o->c.nbio && !SSL_has_pending(ssl)) {
            /* Blocking mode with stdin open: wait for the socket, stdin or the timer. */
            int w = wait_socket_or_stdin(ssl, fd, stdin_open);

            if (w < 0)
                return 0;
            if (w == 0) {
                if (idle_ms > 0 && common_now_ms() - last >= idle_ms) {
                    fprintf(stderr, "%s: client silent for %ld s, dropping the connection\n",
                            common_prog, o->idle_s);
                    return 0;
                }
                continue;
            }
        }
        r = SSL_read(ssl, buf, (int)sizeof(buf));
        if (r > 0) {
            last = common_now_ms();
            fwrite(buf, 1, (size_t)r, stdout);
            fflush(stdout);
            if (o->rev)
                reverse_datagram(buf, (size_t)r);
            if (!common_ssl_write(ssl, fd, buf, r, o->c.nbio))
                return 0;
            continue;
        }
        err = SSL_get_error(ssl, r);
        if (err == SSL_ERROR_ZERO_RETURN) {
            if (!o->c.quiet)
                fprintf(stderr, "%s: client sent close_notify\nCONNECTION CLOSED\n",
                        common_prog);
            /* Answer with our close_notify (RFC 5246 §7.2.1). */
            SSL_shutdown(ssl);
            return 1;
        }
        if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
            long long left = idle_ms > 0 ? last + idle_ms - common_now_ms() : -1;

            if (idle_ms > 0 && left <= 0) {
                fprintf(stderr, "%s: client silent for %ld s, dropping the connection\n",
                        common_prog, o->idle_s);
                return 0;
            }
            if (o->c.nbio) {
                if (common_wait(ssl, fd, POLLIN, (int)left) < 0)
                    return 0;
            } else if (DTLSv1_handle_timeout(ssl) < 0) {
                common_fail("DTLS retransmission limit reached");
                return 0;
            }
            continue;
        }
        fprintf(stderr, "%s: SSL_read failed (%s)\n", common_prog, common_ssl_error_name(err));
        ERR_print_errors_fp(stderr);
        return 0;
    }
}

/* Waits for a ClientHello with a valid cookie. Returns 1 with *client set, 0 on error. */
static int listen_for_client(SSL *ssl, int fd, const struct options *o, common_addr *client)
{
    for (;;) {
        int r;

        memset(client, 0, sizeof(*client));
        r = DTLSv1_listen(ssl, (BIO_ADDR *)client);
        if (r > 0)
            return 1;
        if (r < 0) {
            common_fail("DTLSv1_listen failed");
            return 0;
        }
        /* 0: nothing yet, a HelloVerifyRequest was sent, or a datagram was dropped. */
        if (o->c.nbio && common_wait(NULL, fd, POLLIN, -1) < 0)
            return 0;
    }
}

/*
 * Serves one connection arriving on the listening socket lfd (bound to local). Returns 1
 * when it ended cleanly.
 *
 * Without -listen the SSL works on lfd itself, which stays unconnected: the datagram BIO
 * answers whoever sent the last datagram, as in OpenSSL's s_server. With -listen, once
 * DTLSv1_listen() has verified a cookie, the connection moves to a new socket bound to the
 * same address and connect()ed to the client (see common_udp_socket_for_peer); lfd is never
 * connected, so it keeps receiving the next clients' ClientHellos. (Connecting lfd and
 * undoing it with connect(AF_UNSPEC) is not reliable: some Linux kernels then stop
 * delivering datagrams from other peers to the socket.)
 */
static int serve_one(SSL_CTX *ctx, int lfd, const common_addr *local, const struct options *o)
{
    SSL *ssl;
    BIO *bio;
    common_addr client;
    int ok = 0, fd = lfd;
    char who[80];

    if (o->dccp) {
        /* One DTLS connection per DCCP connection (RFC 5238 §3.4): the BIO owns it. */
        fd = dccp_sock_accept(lfd, &client);
        if (fd < 0)
            return 0;
        if (o->c.nbio && !common_set_nonblocking(fd)) {
            close(fd);
            return 0;
        }
    }
    ssl = SSL_new(ctx);
    bio = BIO_new_dgram(fd, o->dccp ? BIO_CLOSE : BIO_NOCLOSE);
    if (bio == NULL && fd != lfd)
        close(fd);
    if (bio != NULL && o->dccp)
        (void)BIO_ctrl_set_connected(bio, &client);
    if (ssl == NULL || bio == NULL) {
        BIO_free(bio);
        SSL_free(ssl);
        common_fail("cannot create the SSL object or datagram BIO");
        return 0;
    }
    SSL_set_bio(ssl, bio, bio);
    common_set_bio_timeouts(bio, o->c.timeout);
    if (!common_apply_ssl_opts(ssl, &o->c))
        goto out;
    if (o->listen || !o->no_cookie)
        SSL_set_options(ssl, SSL_OP_COOKIE_EXCHANGE);

    if (o->listen) {
        BIO *cbio;

        if (!listen_for_client(ssl, lfd, o, &client))
            goto out;
        fd = common_udp_socket_for_peer(local, &client);
        if (fd < 0)
            goto out;
        cbio = BIO_new_dgram(fd, BIO_CLOSE);
        if (cbio == NULL) {
            close(fd);
            common_fail("cannot create the datagram BIO");
            goto out;
        }
        if (o->c.nbio && !common_set_nonblocking(fd)) {
            BIO_free(cbio);
            goto out;
        }
        (void)BIO_ctrl_set_connected(cbio, &client);
        common_set_bio_timeouts(cbio, o->c.timeout);
        /* Frees the listening BIO (not lfd); the verified ClientHello stays buffered. */
        SSL_set_bio(ssl, cbio, cbio);
    }
    if (!common_handshake(ssl, fd, o->c.nbio, SSL_accept))
        goto out;
    if (!o->c.quiet) {
        memset(&client, 0, sizeof(client));
        (void)BIO_dgram_get_peer(SSL_get_rbio(ssl), &client);
        common_addr_str(&client, who, sizeof(who));
        fprintf(stderr, "%s: connection from %s\n", common_prog, who);
        if (o->dccp)
            fprintf(stderr, "DCCP service code %lu, MPS %ld\n", o->service,
                    dccp_sock_mps(fd));
        common_print_summary(ssl, 1);
        webrtc_print(ssl, &o->c.webrtc, 1);
    }
    ok = echo_loop(ssl, fd, o, &g_stdin_open);
out:
    SSL_free(ssl); /* with -listen also closes the per-client socket */
    return ok;
}

int main(int argc, char **argv)
{
    struct options o;
    SSL_CTX *ctx = NULL, *ctx2 = NULL;
    struct sni_ctx sni;
    common_addr bound;
    char *host = NULL, *port = NULL, addr[80];
    long served = 0, failed = 0;
    int fd = -1;

    common_prog = "rdtls-s_server";
    if (!parse_args(argc, argv, &o))
        return 1;
    if (!common_split_hostport(o.accept, &host, &port)) {
        fprintf(stderr, "%s: bad -accept value %s\n", common_prog, o.accept);
        return 1;
    }
    if (!common_cookie_init()) {
        common_fail("RAND_bytes failed");
        goto done;
    }
    ctx = make_ctx(&o, o.c.cert, o.c.key);
    if (ctx == NULL)
        goto done;
    if (o.servername != NULL) {
        const char *cert2 = o.cert2 != NULL ? o.cert2 : "server2.pem";

        ctx2 = make_ctx(&o, cert2, o.key2 != NULL ? o.key2 : cert2);
        if (ctx2 == NULL) {
            SSL_CTX_free(ctx);
            ctx = NULL;
            goto done;
        }
        sni.servername = o.servername;
        sni.ctx2 = ctx2;
        sni.extension_error =
            o.servername_fatal ? SSL_TLSEXT_ERR_ALERT_FATAL : SSL_TLSEXT_ERR_ALERT_WARNING;
        sni.quiet = o.c.quiet;
        SSL_CTX_set_tlsext_servername_callback(ctx, servername_cb);
        SSL_CTX_set_tlsext_servername_arg(ctx, &sni);
        SSL_CTX_set_tlsext_servername_callback(ctx2, servername_cb);
        SSL_CTX_set_tlsext_servername_arg(ctx2, &sni);
    }
    /* Reuse flags: with -listen, per-client sockets share the address (see serve_one). */
    if (o.dccp)
        fd = dccp_sock_listen(host, port, o.service, &bound);
    else
        fd = common_udp_bind(host, port, o.listen, &bound);
    if (fd < 0)
        goto done;
    /* With -dccp the listening socket stays blocking (accept); connections get -nbio. */
    if (o.c.nbio && !o.dccp && !common_set_nonblocking(fd)) {
        perror("fcntl");
        goto done;
    }
    common_addr_str(&bound, addr, sizeof(addr));
    fprintf(stderr, "ACCEPT %s\n", addr);
    fflush(stderr);
    while (o.naccept == 0 || served < o.naccept) {
        if (!serve_one(ctx, fd, &bound, &o))
            failed++;
        served++;
    }
done:
    if (fd >= 0)
        close(fd);
    SSL_CTX_free(ctx);
    SSL_CTX_free(ctx2);
    free(host);
    free(port);
    if (ctx == NULL || fd < 0)
        return 1;
    if (!o.c.quiet)
        fprintf(stderr, "%s: %ld connection(s), %ld failed\n", common_prog, served, failed);
    return failed == 0 ? 0 : 1;
}
