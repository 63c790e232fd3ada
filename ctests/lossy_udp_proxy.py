#!/usr/bin/env python3
"""A UDP relay that loses handshake datagrams, for DTLS 1.3 retransmission tests against
independent peers (t_dtls13.sh).

    lossy_udp_proxy.py TARGET_PORT LOSS SEED   prints "PORT n", relays between the first
                                               peer that writes to it and 127.0.0.1:TARGET_PORT

A datagram whose first record is a handshake-phase record is dropped with probability LOSS
(random.Random(SEED): the same seed drops the same positions of the stream): a DTLSPlaintext
handshake record (epoch 0, RFC 9147 §4) or a unified-header record of epoch 2 (low epoch bits
10: handshake traffic keys, which also carry ACKs of the handshake). Application data
(epoch 3) passes: DTLS does not retransmit it, so losing it would test the application, not
the handshake's retransmission (RFC 9147 §5.8). Exits after 5 s without traffic or 60 s in
all, printing "relayed N dropped M" to stderr.
"""
import random
import selectors
import socket
import sys
import time


def handshake_phase(d: bytes) -> bool:
    if not d:
        return False
    if d[0] & 0xE0 == 0x20:  # unified header: 001CSLEE
        return d[0] & 3 == 2
    return d[0] == 22 and len(d) >= 5 and d[3:5] == b"\x00\x00"


def main() -> int:
    target = ("127.0.0.1", int(sys.argv[1]))
    loss, rng = float(sys.argv[2]), random.Random(int(sys.argv[3]))
    front = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    front.bind(("127.0.0.1", 0))
    back = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    back.bind(("127.0.0.1", 0))
    print(f"PORT {front.getsockname()[1]}", flush=True)
    sel = selectors.DefaultSelector()
    sel.register(front, selectors.EVENT_READ)
    sel.register(back, selectors.EVENT_READ)
    peer = None
    relayed = dropped = 0
    start = last = time.monotonic()
    while time.monotonic() - start < 60 and (peer is None or time.monotonic() - last < 5):
        for key, _ in sel.select(timeout=0.5):
            d, addr = key.fileobj.recvfrom(65535)
            last = time.monotonic()
            if key.fileobj is front:
                peer = peer or addr
                if addr != peer:
                    continue
                out, dest = back, target
            else:
                if peer is None:
                    continue
                out, dest = front, peer
            if handshake_phase(d) and rng.random() < loss:
                dropped += 1
                continue
            relayed += 1
            out.sendto(d, dest)
    print(f"relayed {relayed} dropped {dropped}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
