#!/usr/bin/env python3
"""tinydtls peer for the interop tests (ctests/t_tinydtls.sh), through PyPI's DTLSSocket.

tinydtls is the DTLS stack most constrained devices run; it speaks exactly the RFC 7925
suites. DTLSSocket's `dtls.DTLS` object is sans-IO: we own the UDP socket, feed it datagrams
with handleMessageAddr() and it calls back write (datagram out), read (application data in)
and event (0x1de = DTLS_EVENT_CONNECTED). PSK: pskId is the identity the client sends,
pskStore maps identity -> key (used by both roles).

  tinydtls_peer.py client HOST PORT IDENTITY KEYHEX LINE
      handshake, send LINE, wait for its echo, print it; exit 0 when the echo matches.
  tinydtls_peer.py server IDENTITY KEYHEX
      bind 127.0.0.1 on a free port ("ACCEPT 127.0.0.1:PORT" on stdout), complete one
      handshake, echo the first application record back and print it; exit 0.

Every wait is bounded (WAIT seconds); exit 2 when DTLSSocket cannot be imported so the
shell test can skip.
"""
import socket
import sys
import time

try:
    from DTLSSocket import dtls
except ImportError as e:  # the test skips on exit status 2
    print("DTLSSocket not importable: %s" % e, file=sys.stderr)
    sys.exit(2)

WAIT = 15.0
EVENT_CONNECTED = 0x1DE


class Peer:
    def __init__(self, identity, key):
        # Dual-stack IPv6 socket: tinydtls sessions are sockaddr_in6, so the IPv4 loopback
        # peer is addressed as ::ffff:127.0.0.1.
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        self.events = []
        self.received = []
        self.d = dtls.DTLS(read=self._read, write=self._write, event=self._event,
                           pskId=identity, pskStore={identity: key})

    def _read(self, addr, data):
        self.received.append((addr, bytes(data)))
        return len(data)

    def _write(self, addr, data):
        return self.sock.sendto(data, addr)

    def _event(self, level, code):
        print("event level=%d code=%#x" % (level, code), file=sys.stderr)
        self.events.append(code)

    def pump(self, until, what):
        """Feeds datagrams to tinydtls until until() holds; fails after WAIT seconds."""
        deadline = time.monotonic() + WAIT
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                print("timed out waiting for %s (events %s)" % (what, self.events),
                      file=sys.stderr)
                sys.exit(1)
            self.sock.settimeout(min(left, 1.0))
            try:
                data, src = self.sock.recvfrom(2048)
            except socket.timeout:
                self.d.checkRetransmit()
                continue
            self.last_src = src
            ret = self.d.handleMessageAddr(src[0].split("%")[0], src[1], data)
            if ret != 0:
                print("handleMessageAddr returned %d" % ret, file=sys.stderr)
            if any(c != EVENT_CONNECTED and c < 0x100 for c in self.events):
                # tinydtls reports alerts as events with the alert code (< 0x100).
                print("alert event %s" % self.events, file=sys.stderr)
                sys.exit(1)


def client(host, port, identity, key, line):
    p = Peer(identity, key)
    session = p.d.connect("::ffff:" + host, int(port), 0, 0)
    if not session:
        print("connect failed", file=sys.stderr)
        return 1
    p.pump(lambda: EVENT_CONNECTED in p.events, "the handshake")
    print("CONNECTED", flush=True)
    p.d.write(session, line.encode() + b"\n")
    want = line.encode()
    got = b""

    def echoed():
        nonlocal got
        got = b"".join(d for _, d in p.received)
        return want in got

    p.pump(echoed, "the echo")
    print("RECEIVED %s" % got.decode(errors="replace").rstrip("\n"), flush=True)
    p.d.close(session)
    return 0


def server(identity, key):
    p = Peer(identity, key)
    p.sock.bind(("::ffff:127.0.0.1", 0))
    print("ACCEPT 127.0.0.1:%d" % p.sock.getsockname()[1], flush=True)
    p.pump(lambda: EVENT_CONNECTED in p.events, "the handshake")
    print("CONNECTED", flush=True)
    p.pump(lambda: p.received, "application data")
    addr, data = p.received[0]
    print("RECEIVED %s" % data.decode(errors="replace").rstrip("\n"), flush=True)
    session = dtls.Session(p.last_src[0].split("%")[0], p.last_src[1], 0, 0)
    p.d.write(session, data)
    # Give the echo a moment to be acknowledged by the peer's close_notify (bounded); the
    # echo itself is already sent, so a missing close is not a failure here.
    deadline = time.monotonic() + 2.0
    p.sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            data, src = p.sock.recvfrom(2048)
        except socket.timeout:
            continue
        p.d.handleMessageAddr(src[0].split("%")[0], src[1], data)
    return 0


def main(argv):
    if len(argv) == 6 and argv[0] == "client":
        return client(argv[1], argv[2], argv[3].encode(), bytes.fromhex(argv[4]), argv[5])
    if len(argv) == 3 and argv[0] == "server":
        return server(argv[1].encode(), bytes.fromhex(argv[2]))
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
