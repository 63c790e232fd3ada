/*
 * mbedtls_common.h - the Mbed TLS 2.28 DTLS 1.2 boilerplate shared by the ctests/mbedtls_*.c
 * interop peers: RNG, config defaults, one ciphersuite, PSK or certificates, the handshake
 * and read loops (DTLS needs the timer callbacks and WANT_READ/WANT_WRITE retries).
 */
#ifndef RDTLS_CTESTS_MBEDTLS_COMMON_H
#define RDTLS_CTESTS_MBEDTLS_COMMON_H

#include <stddef.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/timing.h>
#include <mbedtls/x509_crt.h>

struct mbed_peer {
    const char *prog; /* for error messages */
    mbedtls_net_context listen_fd;
    mbedtls_net_context fd;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_timing_delay_context timer;
    mbedtls_x509_crt crt; /* the CA (client) or our own certificate (server) */
    mbedtls_pk_context key;
    int suites[2];
    unsigned char psk[64];
};

/* Prints "PROG: WHAT: -0xNNNN text" to stderr; returns 1 (the peers' failure exit code). */
int mbed_failed(const struct mbed_peer *p, const char *what, int ret);

/*
 * Initialises everything, seeds the RNG and loads the DTLS defaults for ENDPOINT
 * (MBEDTLS_SSL_IS_CLIENT / _SERVER) with a 10 s read timeout. Returns 0 or an Mbed TLS error.
 */
int mbed_peer_init(struct mbed_peer *p, const char *prog, int endpoint);

/* Restricts the config to one suite by Mbed TLS name; 0, or -1 when the name is unknown. */
int mbed_peer_suite(struct mbed_peer *p, const char *name);

/* Sets the PSK and identity (HEXKEY in hex). 0, -1 on a bad key, or an Mbed TLS error. */
int mbed_peer_psk(struct mbed_peer *p, const char *identity, const char *hexkey);

/* Client: requires a server certificate chaining to the PEM file CAFILE. */
int mbed_peer_ca(struct mbed_peer *p, const char *cafile);

/* Server: presents the PEM certificate CERTFILE with private key KEYFILE. */
int mbed_peer_cert(struct mbed_peer *p, const char *certfile, const char *keyfile);

/* Client: connects the UDP socket to 127.0.0.1:PORT. */
int mbed_peer_connect(struct mbed_peer *p, const char *port);

/* Server: binds 127.0.0.1 on a free port and prints "ACCEPT 127.0.0.1:PORT" to stdout. */
int mbed_peer_listen(struct mbed_peer *p);

/* Server: waits for the first datagram (no cookie exchange: one client on loopback). */
int mbed_peer_accept(struct mbed_peer *p);

/* ssl_setup, optional SNI / verified name HOSTNAME, BIO and timers, then the handshake. */
int mbed_peer_handshake(struct mbed_peer *p, const char *hostname);

/* Reads one record into BUF (NUL-terminated); its length, or <= 0 (an Mbed TLS error). */
int mbed_peer_read(struct mbed_peer *p, unsigned char *buf, size_t size);

/* Frees everything mbed_peer_init set up. */
void mbed_peer_free(struct mbed_peer *p);

#endif
