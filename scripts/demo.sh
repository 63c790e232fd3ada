#!/bin/sh
# scripts/demo.sh - `make demo`: rdtls-s_server on a loopback port chosen by the kernel
# (-accept 127.0.0.1:0), rdtls-s_client sends one line, both handshake summaries and the
# echoed text are printed, then the client closes with close_notify and the server exits.
# Environment: BINDIR (build/bin), CERTDIR (build/demo-certs).
set -eu

BINDIR="${BINDIR:-build/bin}"
CERTDIR="${CERTDIR:-build/demo-certs}"
LINE="Hello over DTLS from rdtls!"
work="$(mktemp -d)"
srv_pid=""
cleanup() {
    [ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

timeout 30 "$BINDIR/rdtls-s_server" -accept 127.0.0.1:0 -naccept 1 \
    -cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key" \
    > "$work/srv.out" 2> "$work/srv.err" &
srv_pid=$!
i=0
until grep -q '^ACCEPT ' "$work/srv.err" 2> /dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 100 ]; then
        cat "$work/srv.err"
        echo "demo: the server did not start" >&2
        exit 1
    fi
    sleep 0.1
done
port="$(sed -n 's/^ACCEPT .*:\([0-9]*\)$/\1/p' "$work/srv.err")"
echo "== rdtls-s_server is listening on 127.0.0.1:$port (backend ${RDTLS_BACKEND:-rdtls})"
echo "== rdtls-s_client -connect 127.0.0.1:$port -CAfile ca.pem -verify 2, sending: $LINE"
# Keep the client's stdin open until the echo has arrived (at most 10 s), then EOF makes it
# send close_notify and exit. (Reading cli.out while the client writes it is the point.)
# shellcheck disable=SC2094
{
    echo "$LINE"
    i=0
    while [ "$i" -lt 100 ] && ! grep -q . "$work/cli.out" 2> /dev/null; do
        sleep 0.1
        i=$((i + 1))
    done
} | timeout 20 "$BINDIR/rdtls-s_client" -connect "127.0.0.1:$port" \
    -CAfile "$CERTDIR/ca.pem" -verify 2 > "$work/cli.out" 2> "$work/cli.err" || {
    cat "$work/cli.err"
    echo "demo: the client failed" >&2
    exit 1
}
echo
echo "-- client side --"
sed 's/^/   /' "$work/cli.err"
echo "   echoed text: $(cat "$work/cli.out")"
wait "$srv_pid" || {
    cat "$work/srv.err"
    echo "demo: the server failed" >&2
    exit 1
}
srv_pid=""
echo
echo "-- server side --"
sed 's/^/   /' "$work/srv.err"
echo "   received text: $(cat "$work/srv.out")"
echo
if [ "$(cat "$work/cli.out")" = "$LINE" ]; then
    # The version both ends agreed (DTLS 1.3 by default, 1.2 with RDTLS_MAX_PROTO=DTLSv1.2).
    proto="$(sed -n 's/^Protocol: \(DTLSv[0-9.]*\) .*/\1/p' "$work/cli.err" | head -n 1)"
    echo "demo OK: the line went through ${proto:-DTLS} and came back."
else
    echo "demo FAILED: the echo differs" >&2
    exit 1
fi
