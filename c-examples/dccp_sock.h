/*
 * dccp_sock.h - DCCP sockets for the example programs (DTLS over DCCP, RFC 5238).
 *
 * DCCP is connection-oriented: a server listen()s and accept()s, a client connect()s, and
 * each connection is a connected datagram socket that the OpenSSL DTLS API drives through
 * BIO_new_dgram() (or SSL_set_fd() with rdtls). The service code (RFC 4340 §8.1.2) is the
 * application's: it is set here, on the socket, before listen()/connect(); the TLS library
 * never touches it (RFC 5238 §3.6). Linux has DCCP up to 6.15 (module dccp_ipv4).
 */
#ifndef RDTLS_EXAMPLES_DCCP_SOCK_H
#define RDTLS_EXAMPLES_DCCP_SOCK_H

#include "common.h"

/* Linux values (bits/socket_type.h, bits/socket.h, netinet/in.h, linux/dccp.h). */
#ifndef SOCK_DCCP
#define SOCK_DCCP 6
#endif
#ifndef IPPROTO_DCCP
#define IPPROTO_DCCP 33
#endif
#ifndef SOL_DCCP
#define SOL_DCCP 269
#endif
#define DCCP_SOCK_OPT_SERVICE 2
#define DCCP_SOCK_OPT_GET_CUR_MPS 5

/* Creates a DCCP socket bound to host:port (host NULL = any address) listening with
 * service code `service`. Stores the bound address (real port when port is "0").
 * Returns the fd or -1 (message on stderr). */
int dccp_sock_listen(const char *host, const char *port, unsigned long service,
                     common_addr *bound);

/* Accepts one connection on lfd; stores the peer. Returns the fd or -1. */
int dccp_sock_accept(int lfd, common_addr *peer);

/* Creates a DCCP socket connect()ed to host:port with service code `service`.
 * Returns the fd or -1. */
int dccp_sock_connect(const char *host, const char *port, unsigned long service,
                      common_addr *peer);

/* DCCP's current maximum packet size on fd, or -1. */
long dccp_sock_mps(int fd);

/* Parses a service code (decimal or 0x hex, 32 bits). Returns 1 on success. */
int dccp_sock_parse_service(const char *s, unsigned long *out);

#endif
