/*
 * common.h - helpers shared by the rdtls C example programs.
 *
 * Everything here uses only the standard OpenSSL 3.0 DTLS API, so the same sources build
 * against the system OpenSSL (-lssl -lcrypto) or against librdtls (-Iinclude -lrdtls).
 * Conventions of every program: application data goes to stdout, everything else (status,
 * handshake summary, -msg trace, errors) to stderr, so scripts can compare stdout exactly.
 */
#ifndef RDTLS_EXAMPLES_COMMON_H
#define RDTLS_EXAMPLES_COMMON_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cid_opts.h"
#include "psk_opts.h"
#include "webrtc_opts.h"

/* Largest UDP payload we ever read or write (a DTLS record is at most 2^14 + overhead). */
#define COMMON_MAX_DATAGRAM 18432

/* A socket address large enough for IPv4 and IPv6; also passed to DTLSv1_listen() and
 * BIO_dgram_get_peer(), which write at most sizeof(BIO_ADDR) <= sizeof(sockaddr_storage). */
typedef union {
    struct sockaddr sa;
    struct sockaddr_in s4;
    struct sockaddr_in6 s6;
    struct sockaddr_storage ss;
} common_addr;

/* Name used as the prefix of every diagnostic line ("rdtls-s_client: ..."). */
extern const char *common_prog;

/* Splits "host:port", "[v6addr]:port" or "port" into malloc'd host (NULL when absent) and
 * port strings. Returns 1 on success, 0 on a malformed spec. */
int common_split_hostport(const char *spec, char **host, char **port);

/* Creates a UDP socket bound to host:port (host NULL = any address). With reuse set,
 * SO_REUSEADDR and SO_REUSEPORT are enabled first. Stores the bound address (with the
 * real port when port was "0"). Returns the fd or -1 (message on stderr). */
int common_udp_bind(const char *host, const char *port, int reuse, common_addr *bound);

/* Creates a UDP socket with SO_REUSEADDR/SO_REUSEPORT, bound to local (the address of a
 * listening socket that was bound with reuse) and connect()ed to peer: the kernel then
 * delivers peer's datagrams to it rather than to the listening socket. Returns fd or -1. */
int common_udp_socket_for_peer(const common_addr *local, const common_addr *peer);

/* Creates a UDP socket connect()ed to host:port. Returns the fd or -1. */
int common_udp_connect(const char *host, const char *port, common_addr *peer);

/* Length of the sockaddr held in a. */
socklen_t common_addr_len(const common_addr *a);

/* Formats a as "1.2.3.4:port" or "[::1]:port". */
void common_addr_str(const common_addr *a, char *buf, size_t len);

/* 1 when a and b hold the same family, address and port. */
int common_addr_equal(const common_addr *a, const common_addr *b);

/* Puts fd in non-blocking mode. Returns 1 on success. */
int common_set_nonblocking(int fd);

/* Picks the random cookie secret; call once before any handshake. Returns 1 on success. */
int common_cookie_init(void);

/* Cookie callbacks for SSL_CTX_set_cookie_generate_cb / _verify_cb: HMAC-SHA256 over the
 * peer address under the random secret. The peer is SSL_get_app_data(ssl) when the program
 * set it to a common_addr (memory-BIO servers), otherwise BIO_dgram_get_peer(rbio). */
int common_generate_cookie(SSL *ssl, unsigned char *cookie, unsigned int *cookie_len);
int common_verify_cookie(SSL *ssl, const unsigned char *cookie, unsigned int cookie_len);

/* SSL_set_msg_callback target: prints ">>> DTLS 1.2, Handshake [length 00be], ClientHello"
 * style lines plus a hex dump to stderr. */
void common_msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
                   SSL *ssl, void *arg);

/* Opens path for appending and installs an NSS key log callback on ctx. Returns 1 on
 * success. The file stays open until exit. */
int common_set_keylog_file(SSL_CTX *ctx, const char *path);

/* Sets the initial DTLS retransmission timeout (milliseconds) used by common_timer_cb. */
void common_set_initial_timer_ms(unsigned int ms);

/* DTLS_set_timer_cb target: starts at the configured value and doubles up to 8 times it
 * (RFC 6347 §4.2.4.1 back-off, but with a short start so tests run quickly). */
unsigned int common_timer_cb(SSL *ssl, unsigned int timer_us);

/* Prints the one-line handshake summary
 *   "Protocol: DTLSv1.2  Cipher: NAME  Peer certificate: SUBJECT|none"
 * then "Verify return code: N (text)" and, on servers, "Server name: NAME". */
void common_print_summary(SSL *ssl, int is_server);

/* Name of an SSL_get_error() value ("SSL_ERROR_WANT_READ"). */
const char *common_ssl_error_name(int err);

/* Waits for `events` on fd, for at most max_ms (-1: no limit), waking early when the DTLS
 * timer of ssl (may be NULL) expires, in which case DTLSv1_handle_timeout() is called.
 * Returns 1 when fd is ready, 0 on timer or max_ms expiry, -1 when the connection failed
 * (too many retransmissions) or poll() failed. */
int common_wait(SSL *ssl, int fd, short events, int max_ms);

/* Runs step (SSL_connect, SSL_accept or SSL_do_handshake) to completion. Blocking sockets:
 * the library retransmits by itself; a WANT_READ caused by a socket receive timeout is
 * answered with DTLSv1_handle_timeout() and a new attempt. Non-blocking sockets: poll() with
 * DTLSv1_get_timeout(). Returns 1 on success, 0 on failure (reason on stderr). */
int common_handshake(SSL *ssl, int fd, int nbio, int (*step)(SSL *));

/* Prints "prog: what" and the OpenSSL error queue to stderr. */
void common_fail(const char *what);

/* Options that rdtls-s_client and rdtls-s_server share (see their usage texts). */
struct common_opts {
    const char *cert;
    const char *key;
    const char *cafile;
    const char *cipher;
    const char *keylog;
    long mtu;
    long timer_ms;
    int timeout;
    int nbio;
    int quiet;
    int msg;
    int client_renegotiation; /* -client_renegotiation: SSL_OP_ALLOW_CLIENT_RENEGOTIATION */
    int no_renegotiation;     /* -no_renegotiation: SSL_OP_NO_RENEGOTIATION */
    int no_etm;               /* -no_etm: SSL_OP_NO_ENCRYPT_THEN_MAC */
    struct webrtc_opts webrtc; /* -use_srtp, -alpn, -keymatexport(len) */
    struct psk_opts psk;       /* -psk, -psk_identity, -psk_hint */
    long cid;                  /* -cid n, plus 1 (0: no connection IDs; see cid_opts.h) */
    int dtls13;                /* -dtls1_3: 1, DTLS 1.3 only (min = max = DTLS1_3_VERSION);
                                * -dtls1_2: -1, DTLS 1.2 only (max = DTLS1_2_VERSION) */
};

/* Returns the argument of option a (argv[*i + 1]) and advances *i, or prints
 * "prog: option a needs an argument" and returns NULL when there is none. */
const char *common_opt_arg(const char *a, int argc, char **argv, int *i);

/* Parses a (argv[*i] with a leading "--" reduced to "-") when it is one of the shared
 * options, consuming its argument. "-help"/"-h" calls usage() and exits 0. Returns 1 when
 * handled, 0 when a is no shared option, -1 when its argument is missing. */
int common_parse_opt(struct common_opts *c, const char *a, int argc, char **argv, int *i,
                     void (*usage)(void));

/* Loads into ctx the certificate chain and key (when c->cert is set; the key defaults to
 * the cert file), the CA file, the cipher list and the key log file of c. `role` names the
 * certificate in the error message ("client", "server"). Returns 1 on success. */
int common_ctx_load(SSL_CTX *ctx, const struct common_opts *c, const char *role);

/* With timeout set, gives the datagram BIO 250 ms receive and send timeouts (-timeout). */
void common_set_bio_timeouts(BIO *bio, int timeout);

/* A line "R" typed on stdin (OpenSSL's s_client/s_server command letter): prints
 * "RENEGOTIATING", starts a renegotiation with SSL_renegotiate() and drives it with
 * SSL_do_handshake() (printing its result, as openssl s_server does). "k" / "K" (DTLS 1.3):
 * prints "KEYUPDATE" and sends a KeyUpdate with SSL_key_update() (NOT_REQUESTED /
 * REQUESTED), sent by the SSL_do_handshake() that follows. Returns 1 when line (len bytes,
 * newline included) was one of these commands. */
int common_stdin_command(SSL *ssl, const char *line, size_t len);

/* Applies -timer_ms, -mtu, -msg and the renegotiation options of c to ssl. Returns 0 (message on stderr) when the
 * MTU is rejected. */
int common_apply_ssl_opts(SSL *ssl, const struct common_opts *c);

/* SSL_write()s buf in one record. On WANT_READ/WANT_WRITE waits with common_wait() and
 * retries when may_wait is set, otherwise fails. Returns 1 on success, 0 on failure
 * (reason on stderr). */
int common_ssl_write(SSL *ssl, int fd, const void *buf, int len, int may_wait);

/* ---- association tables of the multi-client servers (poll_server.c, threaded_server.c) --
 * A server that holds per-client state must not let clients that passed the cookie and went
 * quiet lock out new ones (a spoofed source cannot pass the cookie, but 64 real source ports
 * can): when the table is full, a new client with a valid cookie evicts the oldest half-open
 * association (handshake not finished); established clients are never evicted for a new
 * one, they end by close_notify or the idle timeout. */

/* Upper bound of -max_clients. */
#define COMMON_MAX_CLIENTS_LIMIT 4096

/* -max_clients n (table size, default 64) and -idle_timeout s (drop an association with no
 * datagram for s seconds; 0 = never; default 30). */
struct common_server_opts {
    long max_clients;
    long idle_ms;
};

/* One slot of an association table. */
struct common_assoc {
    int used;
    int established;      /* handshake finished */
    long long started_ms; /* when the verified ClientHello arrived (common_now_ms) */
};

/* Monotonic clock in milliseconds. */
long long common_now_ms(void);

/* Handles -max_clients and -idle_timeout (a with its argument v). Returns 1 when handled. */
int common_parse_server_opt(struct common_server_opts *s, const char *a, const char *v);

/* Checks the values; prints the reason and returns 0 when out of range. */
int common_server_opts_ok(const struct common_server_opts *s);

/* Index of an unused slot of tab[0..n), or -1 when the table is full. */
int common_assoc_free_slot(const struct common_assoc *tab, int n);

/* Index of the association a new verified client evicts from a full table: the oldest
 * half-open one; -1 when every association is established (the new client is refused). */
int common_assoc_victim(const struct common_assoc *tab, int n);

#endif
