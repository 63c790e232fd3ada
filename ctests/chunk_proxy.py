#!/usr/bin/env python3
"""A TCP relay that re-cuts the byte stream: every chunk it forwards is at most CHUNK bytes,
sent with TCP_NODELAY and a short pause, so the receiver's reads split DTLS records (used by
t_compat.sh to check that DTLS over a stream takes records out by their headers).

    chunk_proxy.py TARGET_PORT CHUNK    prints "ACCEPT 127.0.0.1:PORT", relays one
                                        connection to 127.0.0.1:TARGET_PORT, exits when
                                        both directions are closed (at most 30 s).
"""
import selectors
import socket
import sys
import time


def main() -> int:
    target, chunk = int(sys.argv[1]), int(sys.argv[2])
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(1)
    lsock.settimeout(20)
    print(f"ACCEPT 127.0.0.1:{lsock.getsockname()[1]}", flush=True)
    a, _ = lsock.accept()
    b = socket.create_connection(("127.0.0.1", target), timeout=20)
    for s in (a, b):
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.setblocking(True)
    peer = {a: b, b: a}
    sel = selectors.DefaultSelector()
    sel.register(a, selectors.EVENT_READ)
    sel.register(b, selectors.EVENT_READ)
    open_dirs, forwarded = 2, 0
    deadline = time.monotonic() + 30
    while open_dirs and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=1):
            src = key.fileobj
            try:
                data = src.recv(65536)
                for i in range(0, len(data), chunk):
                    peer[src].sendall(data[i:i + chunk])
                    forwarded += 1
                    time.sleep(0.0005)
                if data:
                    continue
                peer[src].shutdown(socket.SHUT_WR)
            except OSError:
                # The other end already closed (a close_notify answered after the peer
                # went away): this direction is over.
                pass
            sel.unregister(src)
            open_dirs -= 1
    print(f"proxy forwarded {forwarded} chunks", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
