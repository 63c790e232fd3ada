"""Records a DTLS handshake's datagrams as fuzz seeds (how fuzz/corpus/*/seed-openssl-* and
seed-gnutls-* were made). A UDP proxy on 127.0.0.1:LPORT forwarding to a server on SPORT for
SECONDS; writes OUT.c2s and OUT.s2c (datagrams in the fuzz input format: u16 big-endian
length + bytes each) and OUT.ch (the first ClientHello, raw). Example:

  openssl s_server -dtls1_2 -accept 24431 -cert S.pem -key S.key -Verify 1 &
  python3 record_flights.py 24432 24431 /tmp/openssl 8 &
  openssl s_client -dtls1_2 -connect 127.0.0.1:24432 -cert C.pem -key C.key
"""
import socket, sys, select, time
lport, sport, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ls = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); ls.bind(("127.0.0.1", lport))
us = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); us.bind(("127.0.0.1", 0))
client = None; log = []
end = time.time() + float(sys.argv[4])
while time.time() < end:
    r, _, _ = select.select([ls, us], [], [], 0.2)
    for s in r:
        d, a = s.recvfrom(65536)
        if s is ls:
            client = a; log.append(("c2s", d)); us.sendto(d, ("127.0.0.1", sport))
        else:
            log.append(("s2c", d)); ls.sendto(d, client)
def enc(ds): return b"".join(len(d).to_bytes(2, "big") + d for d in ds)
open(out + ".c2s", "wb").write(enc([d for k, d in log if k == "c2s"]))
open(out + ".s2c", "wb").write(enc([d for k, d in log if k == "s2c"]))
open(out + ".ch", "wb").write(next((d for k, d in log if k == "c2s"), b""))
print(len(log), "datagrams")
