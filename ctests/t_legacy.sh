# shellcheck shell=bash
# Legacy programs from Debian's archive, unmodified, on the drop-in build/libssl.so.3
# (LD_LIBRARY_PATH=build) against stock peers and against themselves, each process's libssl
# proven from /proc/PID/maps while it runs (expect_lib, t_dropin.sh). Every test ends by
# printing one "LEGACY-ROW|program|role|peer" line; test_legacy_table prints them as the
# results table (program x role x result).

# legacy_row PROGRAM ROLE PEER: records a passed row for the results table.
legacy_row() {
    echo "LEGACY-ROW|$1|$2|$3"
}

# lib_env ours|system: the environment prefix that makes a process load that libssl.
lib_env() {
    LIBENV=()
    [ "$1" = ours ] && LIBENV=(env LD_LIBRARY_PATH="$BUILD")
    return 0
}

# legacy_s_server LIB: openssl s_server -dtls1_2 on LIB, one connection; sets PORT.
legacy_s_server() {
    need openssl
    lib_env "$1"
    with_fifo osrv
    start_bg osrv --stdin osrv.in "${LIBENV[@]}" openssl s_server -dtls1_2 \
        -accept 127.0.0.1:0 -naccept 1 "${DSRV_CERT[@]}"
    feed_open osrv
    PORT=$(wait_port osrv.out) || fail "s_server did not start"
    expect_lib osrv "$1"
}

# legacy_exchange CLIENT [noclose]: a line each way between s_server (osrv) and CLIENT (fed
# by CLIENT.in, printing what it receives on stdout), then the client ends at EOF on its
# stdin: with close_notify, unless `noclose` (ncat over UDP just exits, with the system
# libssl too).
legacy_exchange() {
    send "$1" "hello from $1"
    wait_grep osrv.out "^hello from $1\$" || fail "s_server got nothing from $1"
    send osrv "hello from s_server"
    wait_grep "$1.out" '^hello from s_server$' || fail "$1 got nothing"
    feed_close "$1"
    expect_exit "$1" 0 || fail "$1 failed"
    [ "${2:-}" = noclose ] && return 0
    wait_grep osrv.out 'CONNECTION CLOSED' || fail "s_server saw no close"
    feed_close osrv
    expect_exit osrv 0 || fail "s_server failed"
}

# legacy_socat_client SERVER_LIB: socat on the drop-in as a DTLS client of s_server on
# SERVER_LIB, over a connect()ed UDP socket handed to SSL_set_fd (issue 8 item 3).
legacy_socat_client() {
    need socat
    dropin_need
    legacy_s_server "$1"
    with_fifo socat
    start_bg socat --stdin socat.in env LD_LIBRARY_PATH="$BUILD" socat -d -d - \
        "DTLS:127.0.0.1:$PORT,cafile=$CERTDIR/ca.pem,commonname=localhost"
    feed_open socat
    wait_grep socat.err 'SSL connection using' || fail "socat: no handshake"
    grep -E 'SSL (proto version used|connection using)' socat.err
    expect_lib socat ours
    legacy_exchange socat
}

test_legacy_socat_client_stock_server() {
    legacy_socat_client system
    legacy_row socat "DTLS client (verify)" "stock openssl s_server"
}

test_legacy_socat_client_dropin_server() {
    legacy_socat_client ours
    legacy_row socat "DTLS client (verify)" "openssl s_server on drop-in"
}

# legacy_ncat_client SERVER_LIB: ncat --udp --ssl on the drop-in, verifying the server.
legacy_ncat_client() {
    need ncat
    dropin_need
    legacy_s_server "$1"
    with_fifo ncat
    start_bg ncat --stdin ncat.in env LD_LIBRARY_PATH="$BUILD" ncat -v --udp --ssl \
        --ssl-verify --ssl-trustfile "$CERTDIR/ca.pem" localhost "$PORT"
    feed_open ncat
    wait_grep ncat.err '^Ncat: SSL connection to' || fail "ncat: no handshake"
    expect_lib ncat ours
    legacy_exchange ncat noclose
}

test_legacy_ncat_client_stock_server() {
    legacy_ncat_client system
    legacy_row ncat "DTLS client (--ssl-verify)" "stock openssl s_server"
}

test_legacy_ncat_client_dropin_server() {
    legacy_ncat_client ours
    legacy_row ncat "DTLS client (--ssl-verify)" "openssl s_server on drop-in"
}

# legacy_table: prints the results table of the legacy tests that ran (from their work
# directories' logs; run by run.sh after them, not a test itself).
legacy_table() {
    local d row
    for d in "$WORKROOT"/legacy_*; do
        [ -d "$d" ] || continue
        row=$(grep -m1 '^LEGACY-ROW|' "$d/log" 2> /dev/null || true)
        if [ -n "$row" ]; then
            echo "$row" | awk -F'|' '{ printf "  %-10s | %-30s | %-30s | pass\n", $2, $3, $4 }'
        else
            printf '  %-10s | %-30s | %-30s | FAIL\n' "${d##*/}" "" ""
        fi
    done > "$WORKROOT/legacy-table"
    [ -s "$WORKROOT/legacy-table" ] || return 0
    echo "Legacy programs on the drop-in:"
    printf '  %-10s | %-30s | %-30s | %s\n' program role peer result
    cat "$WORKROOT/legacy-table"
}
