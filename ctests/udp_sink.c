/*
 * udp_sink.c - a UDP "black hole" on 127.0.0.1: binds a free port, prints it on stdout,
 * then reads and discards every datagram (never answers, so no ICMP either) for the given
 * number of seconds. At exit it prints "received N datagrams" on stderr, which lets a test
 * check that a client retransmitted. Usage: udp_sink SECONDS
 */
#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    long seconds = argc > 1 ? atol(argv[1]) : 30, count = 0;
    time_t end;
    char buf[65536];

    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0
        || getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("udp_sink");
        return 1;
    }
    printf("%u\n", (unsigned)ntohs(a.sin_port));
    fflush(stdout);
    end = time(NULL) + seconds;
    while (time(NULL) < end) {
        struct pollfd p;
        p.fd = fd;
        p.events = POLLIN;
        p.revents = 0;
        if (poll(&p, 1, 200) > 0 && recv(fd, buf, sizeof(buf), 0) >= 0) {
            count++;
            fprintf(stderr, "received %ld datagrams\n", count);
        }
    }
    close(fd);
    return 0;
}
