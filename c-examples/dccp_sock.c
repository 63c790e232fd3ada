/*
 * dccp_sock.c - DCCP sockets for the example programs (see dccp_sock.h).
 */
#include "dccp_sock.h"

#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>

/* The service code travels in network byte order (RFC 4340 §5.2; Linux dccp(7)). */
static int set_service(int fd, unsigned long service)
{
    uint32_t code = htonl((uint32_t)service);

    if (setsockopt(fd, SOL_DCCP, DCCP_SOCK_OPT_SERVICE, &code, sizeof(code)) != 0) {
        fprintf(stderr, "%s: DCCP_SOCKOPT_SERVICE: %s\n", common_prog, strerror(errno));
        return 0;
    }
    return 1;
}

/* Resolves host:port, creates a DCCP socket with the service code, then binds+listens
 * (listen_it) or connects. */
static int dccp_socket(const char *host, const char *port, unsigned long service,
                       int listen_it, common_addr *addr)
{
    struct addrinfo hints, *res = NULL, *ai;
    int fd = -1, rc, one = 1;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = listen_it ? AI_PASSIVE : 0;
    /* getaddrinfo knows no DCCP socket type: resolve as UDP, then make DCCP sockets. */
    hints.ai_socktype = SOCK_DGRAM;
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        fprintf(stderr, "%s: %s:%s: %s\n", common_prog, host ? host : "*", port,
                gai_strerror(rc));
        return -1;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, SOCK_DCCP, IPPROTO_DCCP);
        if (fd < 0)
            continue;
        if (!set_service(fd, service)) {
            close(fd);
            fd = -1;
            break;
        }
        if (listen_it) {
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
            if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 8) == 0)
                break;
        } else if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
            break;
        }
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        fprintf(stderr, "%s: DCCP %s %s:%s: %s\n", common_prog, listen_it ? "listen" : "connect",
                host ? host : "*", port, strerror(errno));
    } else if (addr != NULL) {
        socklen_t len = sizeof(*addr);

        memset(addr, 0, sizeof(*addr));
        if (listen_it)
            getsockname(fd, &addr->sa, &len);
        else
            getpeername(fd, &addr->sa, &len);
    }
    freeaddrinfo(res);
    return fd;
}

int dccp_sock_listen(const char *host, const char *port, unsigned long service,
                     common_addr *bound)
{
    return dccp_socket(host, port, service, 1, bound);
}

int dccp_sock_connect(const char *host, const char *port, unsigned long service,
                      common_addr *peer)
{
    return dccp_socket(host, port, service, 0, peer);
}

int dccp_sock_accept(int lfd, common_addr *peer)
{
    socklen_t len = sizeof(*peer);
    int fd;

    memset(peer, 0, sizeof(*peer));
    do {
        fd = accept(lfd, &peer->sa, &len);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0)
        fprintf(stderr, "%s: DCCP accept: %s\n", common_prog, strerror(errno));
    return fd;
}

long dccp_sock_mps(int fd)
{
    int mps = 0;
    socklen_t len = sizeof(mps);

    if (getsockopt(fd, SOL_DCCP, DCCP_SOCK_OPT_GET_CUR_MPS, &mps, &len) != 0)
        return -1;
    return mps;
}

int dccp_sock_parse_service(const char *s, unsigned long *out)
{
    char *end = NULL;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || v > 0xffffffffUL)
        return 0;
    *out = v;
    return 1;
}
