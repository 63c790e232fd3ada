# shellcheck shell=bash
# The drop-in libssl.so.3 (build/libssl.so.3, `make dropin`): its ELF interface, the stock
# `openssl` binary running on it (LD_LIBRARY_PATH=build) against OpenSSL and GnuTLS peers,
# and programs built against the system OpenSSL run with LD_PRELOAD=build/libssl.so.3.
# Every test proves which libssl the process under test loaded (/proc/PID/maps while it
# runs, or the dynamic loader's own log for short-lived processes), so a pass can never come
# from the system libssl.

DROPIN_SO="$BUILD/libssl.so.3"

# dropin_need: the library (and its real path in DROPIN_REAL) or a failure.
dropin_need() {
    [ -f "$DROPIN_SO" ] || fail "$DROPIN_SO missing (make dropin)"
    DROPIN_REAL="$(readlink -f "$DROPIN_SO")"
}

# system_libssl: the path of OpenSSL's own libssl.so.3 (what a program loads without us).
system_libssl() {
    local f
    for f in /usr/lib/x86_64-linux-gnu/libssl.so.3 /usr/lib64/libssl.so.3 /usr/lib/libssl.so.3; do
        [ -f "$f" ] && { readlink -f "$f"; return 0; }
    done
    fail "the system libssl.so.3 was not found"
}

# dyn_defs LIB: "name version" of every function LIB defines.
dyn_defs() {
    readelf --dyn-syms -W "$1" | awk '$4 == "FUNC" && $7 != "UND" {
        n = $8; v = $8; sub(/@.*/, "", n); sub(/^[^@]*@@?/, "", v); if (n == v) v = "-";
        print n, v }' | sort -u
}

test_dropin_elf() {
    local sys soname needed bad
    dropin_need
    sys="$(system_libssl)"
    soname=$(readelf -d "$DROPIN_SO" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
    [ "$soname" = libssl.so.3 ] || fail "SONAME is '$soname'"
    needed=$(readelf -d "$DROPIN_SO" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
    echo "NEEDED: $needed"
    case " $needed " in *" libcrypto.so.3 "*) ;; *) fail "does not link libcrypto.so.3" ;; esac
    if echo "$needed" | grep -q 'libssl'; then fail "links a second libssl: $needed"; fi
    dyn_defs "$DROPIN_SO" > all_defs
    dyn_defs "$sys" > theirs
    echo "$(wc -l < all_defs) functions exported"
    # rdtls's own extensions (include/rdtls/*.h, e.g. connection IDs) are the one exception:
    # rdtls_-prefixed, under their own version node RDTLS_1, never an OpenSSL name.
    bad=$(awk '$1 ~ /^rdtls_/ && $2 != "RDTLS_1"' all_defs)
    [ -z "$bad" ] || fail "rdtls extensions outside RDTLS_1: $bad"
    awk '$1 !~ /^rdtls_/' all_defs > ours
    [ "$(wc -l < ours)" -ge 200 ] || fail "too few exports"
    # Every export is versioned OPENSSL_3.x.y, and is one of OpenSSL's libssl functions
    # with the same version node.
    bad=$(awk '$2 !~ /^OPENSSL_3\.[0-9]+\.[0-9]+$/' ours)
    [ -z "$bad" ] || fail "unversioned or foreign-versioned exports: $bad"
    bad=$(comm -23 ours theirs)
    [ -z "$bad" ] || fail "exports that are not OpenSSL libssl's (name version): $bad"
    # No libcrypto name (ours would interpose libcrypto's own calls).
    nm -D --defined-only "$(dirname "$sys")/libcrypto.so.3" \
        | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u > crypto
    nm -D --defined-only "$DROPIN_SO" | awk '{ sub(/@.*/, "", $3); print $3 }' | sort -u > all
    bad=$(comm -12 all crypto)
    [ -z "$bad" ] || fail "libcrypto symbols exported: $bad"
    # Nothing else leaks (Rust std, ring, our helpers): every symbol is a libssl function or
    # the version definition itself.
    bad=$(nm -D --defined-only "$DROPIN_SO" | awk '$2 != "T" && $2 != "A"')
    [ -z "$bad" ] || fail "non-function exports: $bad"
}

# ld_log_check PREFIX [tls]: every loader log PREFIX.* shows build/libssl.so.3 initialised and
# no other libssl loaded; with `tls`, the system libssl may also be loaded, but only by its
# full path (TLS passthrough's dlopen), never found as the program's libssl.so.3.
ld_log_check() {
    local f n=0 sys
    sys="$(system_libssl)"
    for f in "$1".*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        grep -q "calling init: $DROPIN_REAL\$" "$f" || fail "$f: build/libssl.so.3 not loaded"
        if [ "${2:-}" = tls ]; then
            if grep -E 'calling init: .*libssl' "$f" | grep -vqF -e "$DROPIN_REAL" -e "$sys" ||
                grep -E 'trying file=.*libssl' "$f" | grep -vqF "$DROPIN_REAL"; then
                fail "$f: another libssl was loaded as the program's libssl.so.3"
            fi
        elif grep -E 'calling init: .*libssl' "$f" | grep -vqF "$DROPIN_REAL"; then
            fail "$f: another libssl was loaded"
        fi
    done
    [ "$n" -gt 0 ] || fail "no loader log $1.*"
    echo "$n process(es) ran on $DROPIN_REAL"
}

test_dropin_bind_now() {
    local missing
    need openssl
    dropin_need
    # Every libssl function the stock binary imports resolves in ours ...
    nm -D --undefined-only "$(command -v openssl)" | awk '{ sub(/@.*/, "", $2); print $2 }' \
        | sort -u > imports
    dyn_defs "$(system_libssl)" | awk '{ print $1 }' > libssl
    dyn_defs "$DROPIN_SO" | awk '{ print $1 }' > ours
    comm -12 imports libssl > wanted
    echo "openssl imports $(wc -l < wanted) libssl functions"
    missing=$(comm -23 wanted ours | tr '\n' ' ')
    [ -z "$missing" ] || fail "not exported: $missing"
    # ... so it starts with every symbol bound up front.
    timeout "$PROC_TIMEOUT" env LD_BIND_NOW=1 LD_LIBRARY_PATH="$BUILD" LD_DEBUG=libs \
        LD_DEBUG_OUTPUT="$PWD/ld" openssl version > version.out 2>&1 ||
        { cat version.out; fail "openssl does not start on build/libssl.so.3 with LD_BIND_NOW"; }
    cat version.out
    ld_log_check ld
}

test_dropin_matrix_fresh() {
    dropin_need
    sh "$CT_ROOT/scripts/gen-matrix.sh" > matrix.md || fail "gen-matrix.sh failed"
    diff -u "$CT_ROOT/MATRIX.md" matrix.md > matrix.diff ||
        { head -n 40 matrix.diff; fail "MATRIX.md is stale: run make matrix"; }
    grep '^Totals:' matrix.md
    # A symbol the stock openssl binary imports must never be absent.
    # shellcheck disable=SC2016 # backquotes are literal Markdown here
    ! grep -E '^\| `[^`]*` \| absent \| yes \|' matrix.md || fail "openssl imports absent symbols"
}

# ---- a C program built against the system OpenSSL, with LD_PRELOAD ------------------------

test_dropin_c_program() {
    local sys
    dropin_need
    sys="$(system_libssl)"
    [ -x "$CTDIR/dropin_prog" ] || fail "missing $CTDIR/dropin_prog (make ctest-progs)"
    # Control run on the system libssl: the checks themselves are right.
    timeout "$PROC_TIMEOUT" "$CTDIR/dropin_prog" "$CERTDIR" > control.out 2>&1 ||
        { cat control.out; fail "the program fails on the system libssl"; }
    grep -q '^LIBSSL /.*libssl\.so\.3$' control.out || fail "control: no LIBSSL line"
    if grep -qF "$DROPIN_REAL" control.out; then fail "the control run loaded the drop-in"; fi
    grep -q "^MAP $sys\$" control.out || fail "the control run did not map $sys"
    # The same binary on the drop-in, TLS passthrough off (tls_refused checks that TLS then
    # fails clearly; t_tlspass.sh covers TLS served by the system libssl).
    RDTLS_NO_TLS_PASSTHROUGH=1 LD_PRELOAD="$DROPIN_SO" timeout "$PROC_TIMEOUT" "$CTDIR/dropin_prog" "$CERTDIR" -dropin \
        > dropin.out 2>&1
    rc=$?
    cat dropin.out
    [ "$rc" = 0 ] || fail "dropin_prog failed on build/libssl.so.3 (exit $rc)"
    grep -q "^LIBSSL \($DROPIN_SO\|$DROPIN_REAL\)\$" dropin.out || fail "SSL_new is not ours"
    if grep '^MAP ' dropin.out | grep -vqF "$DROPIN_REAL"; then
        fail "another libssl is mapped"
    fi
    for t in custom_bio memory_bios tls_refused; do
        grep -q "^ok $t\$" dropin.out || fail "check $t did not pass"
    done
}

# ---- the stock openssl binary on build/libssl.so.3 ---------------------------------------

# child_pid NAME: the pid of the command started by `start_bg NAME` (a child of timeout).
child_pid() {
    local v="${1}_pid"
    ps -o pid= --ppid "${!v}" | tr -d ' ' | head -n 1
}

# expect_lib NAME ours|system|ours+tls: the running process NAME maps only build/libssl.so.3
# (ours) or only the system libssl.so.3 (system); ours+tls: build/libssl.so.3 and the system
# libssl that TLS passthrough loaded (a program that also makes TLS contexts).
expect_lib() {
    local pid maps want
    pid=$(child_pid "$1")
    if [ -z "$pid" ] || [ ! -r "/proc/$pid/maps" ]; then fail "$1: process not running"; fi
    maps=$(grep -o '/[^ ]*libssl[^ ]*$' "/proc/$pid/maps" | sort -u | tr '\n' ' ')
    echo "$1 (pid $pid) maps: $maps"
    case "$2" in
    ours) want="$DROPIN_REAL " ;;
    ours+tls) want=$(printf '%s\n%s\n' "$DROPIN_REAL" "$(system_libssl)" | sort -u | tr '\n' ' ') ;;
    *) want="$(system_libssl) " ;;
    esac
    [ "$maps" = "$want" ] || fail "$1 does not run on $want"
}

DSRV_CERT=(-cert "$CERTDIR/server.pem" -key "$CERTDIR/server.key")
DCLI_CERT=(-cert "$CERTDIR/client.pem" -key "$CERTDIR/client.key")

# split_args ARGS...: SARGS = before `--`, CARGS = after.
split_args() {
    local side=s a
    SARGS=()
    CARGS=()
    for a in "$@"; do
        if [ "$side" = s ] && [ "$a" = -- ]; then
            side=c
        elif [ "$side" = s ]; then
            SARGS+=("$a")
        else
            CARGS+=("$a")
        fi
    done
}

# ossl_pair SERVER_LIB CLIENT_LIB [SERVER_ARGS...] -- [CLIENT_ARGS...]: openssl s_server and
# s_client -dtls1_2, each on `ours` (LD_LIBRARY_PATH=build) or the `system` libssl; checks
# the libraries, the handshake, a line each way and the close.
ossl_pair() {
    local slib="$1" clib="$2" port senv=() cenv=()
    shift 2
    split_args "$@"
    need openssl
    dropin_need
    [ "$slib" = ours ] && senv=(env LD_LIBRARY_PATH="$BUILD")
    [ "$clib" = ours ] && cenv=(env LD_LIBRARY_PATH="$BUILD")
    with_fifo osrv
    start_bg osrv --stdin osrv.in "${senv[@]}" openssl s_server -dtls1_2 \
        -accept 127.0.0.1:0 -naccept 1 "${DSRV_CERT[@]}" "${SARGS[@]}"
    feed_open osrv
    port=$(wait_port osrv.out) || fail "s_server did not start"
    expect_lib osrv "$slib"
    with_fifo ocli
    start_bg ocli --stdin ocli.in "${cenv[@]}" openssl s_client -dtls1_2 \
        -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" -verify_return_error \
        -no_ign_eof "${CARGS[@]}"
    feed_open ocli
    wait_grep ocli.out '^ *Verify return code: 0 \(ok\)' || fail "no verified handshake"
    grep -E '^(New|Reused), .*Cipher is' ocli.out
    expect_lib ocli "$clib"
    send ocli "hello from s_client"
    wait_grep osrv.out '^hello from s_client$' || fail "s_server got nothing"
    send osrv "hello from s_server"
    wait_grep ocli.out '^hello from s_server$' || fail "s_client got nothing"
    feed_close ocli
    expect_exit ocli 0 || fail "s_client failed"
    wait_grep osrv.out 'CONNECTION CLOSED' || fail "s_server saw no close"
    feed_close osrv
    expect_exit osrv 0 || fail "s_server failed"
}

test_dropin_s_server_openssl_client() {
    ossl_pair ours system --
}

test_dropin_s_server_listen_nbio_timeout() {
    ossl_pair ours system -listen -nbio -timeout -- -timeout
}

test_dropin_s_server_verify_client() {
    ossl_pair ours system -Verify 2 -CAfile "$CERTDIR/ca.pem" -verify_return_error -- \
        "${DCLI_CERT[@]}"
    grep -q 'CN *= *rdtls demo client' osrv.out || fail "s_server did not show the client"
}

test_dropin_s_server_cipher() {
    ossl_pair ours system -cipher ECDHE-ECDSA-AES128-GCM-SHA256 --
    grep -q 'Cipher is ECDHE-ECDSA-AES128-GCM-SHA256' ocli.out || fail "cipher not chosen"
}

# max_read_size FILE: the largest datagram an -debug s_client/s_server read.
max_read_size() {
    sed -n 's/^read from .* bytes => \([0-9]*\) .*/\1/p' "$1" | sort -n | tail -n 1
}

test_dropin_s_server_mtu() {
    local max
    DSRV_CERT=(-cert "$CERTDIR/big-chain.pem" -key "$CERTDIR/big.key"
        -cert_chain "$CERTDIR/big-chain.pem")
    ossl_pair ours system -mtu 500 -- -mtu 500 -debug
    max=$(max_read_size ocli.out)
    echo "largest datagram the client read: $max"
    if [ -z "$max" ] || [ "$max" -gt 500 ]; then
        fail "s_server on rdtls sent datagrams over 500 bytes"
    fi
    [ "$(grep -c '^read from ' ocli.out)" -ge 8 ] || fail "the flight was not fragmented"
}

test_dropin_s_client_openssl_server() {
    ossl_pair system ours --
}

test_dropin_s_client_nbio_timeout_listen() {
    ossl_pair system ours -listen -- -nbio -timeout -msg
    # OpenSSL 3.0's -msg printer does not name DTLS 1.2 records ("Not TLS data or unknown
    # version"), so look for the received handshake message of type 3 (HelloVerifyRequest).
    grep -A1 '^<<< .*content_type=22)' ocli.out | grep -q '^    03 ' ||
        fail "no HelloVerifyRequest received (cookie exchange)"
}

test_dropin_s_client_verify_client() {
    ossl_pair system ours -Verify 2 -CAfile "$CERTDIR/ca.pem" -verify_return_error -- \
        "${DCLI_CERT[@]}"
}

test_dropin_s_client_cipher() {
    ossl_pair system ours -- -cipher ECDHE-ECDSA-AES128-GCM-SHA256
    grep -q 'Cipher is ECDHE-ECDSA-AES128-GCM-SHA256' ocli.out || fail "cipher not chosen"
}

test_dropin_s_client_mtu() {
    local max
    DSRV_CERT=(-cert "$CERTDIR/big-chain.pem" -key "$CERTDIR/big.key"
        -cert_chain "$CERTDIR/big-chain.pem")
    ossl_pair system ours -mtu 500 -debug -- -mtu 500
    max=$(max_read_size osrv.out)
    echo "largest datagram the server read: $max"
    if [ -z "$max" ] || [ "$max" -gt 500 ]; then
        fail "s_client on rdtls sent datagrams over 500 bytes"
    fi
}

test_dropin_s_client_both_ours() {
    ossl_pair ours ours -listen -Verify 2 -CAfile "$CERTDIR/ca.pem" -- "${DCLI_CERT[@]}" -nbio
}

test_dropin_s_server_gnutls_client() {
    local port
    need openssl gnutls-cli
    dropin_need
    with_fifo osrv
    start_bg osrv --stdin osrv.in env LD_LIBRARY_PATH="$BUILD" openssl s_server -dtls1_2 \
        -accept 127.0.0.1:0 -naccept 1 "${DSRV_CERT[@]}" -listen
    feed_open osrv
    port=$(wait_port osrv.out) || fail "s_server did not start"
    expect_lib osrv ours
    with_fifo gcli
    start_bg gcli --stdin gcli.in gnutls-cli --udp -p "$port" --x509cafile "$CERTDIR/ca.pem" \
        --x509certfile "$CERTDIR/client.pem" --x509keyfile "$CERTDIR/client.key" 127.0.0.1
    feed_open gcli
    wait_grep gcli.out 'Handshake was completed' || fail "gnutls-cli: no handshake"
    send gcli "hello from gnutls-cli"
    wait_grep osrv.out '^hello from gnutls-cli$' || fail "s_server got nothing"
    send osrv "hello from s_server"
    wait_grep gcli.out '^hello from s_server$' || fail "gnutls-cli got nothing"
    feed_close gcli
    expect_exit gcli 0 || fail "gnutls-cli failed"
    wait_grep osrv.out 'CONNECTION CLOSED' || fail "s_server saw no close"
    feed_close osrv
    expect_exit osrv 0 || fail "s_server failed"
}

test_dropin_s_client_gnutls_server() {
    local port
    need openssl gnutls-serv
    dropin_need
    port=$(free_port) || fail "no free port"
    start_bg gsrv gnutls-serv --udp --echo -p "$port" \
        --x509certfile "$CERTDIR/server.pem" --x509keyfile "$CERTDIR/server.key"
    wait_grep gsrv.err "UDP Echo Server listening on IPv4" || fail "gnutls-serv did not start"
    with_fifo ocli
    start_bg ocli --stdin ocli.in env LD_LIBRARY_PATH="$BUILD" openssl s_client -dtls1_2 \
        -connect "127.0.0.1:$port" -CAfile "$CERTDIR/ca.pem" -verify_return_error \
        -no_ign_eof -nbio
    feed_open ocli
    wait_grep ocli.out '^ *Verify return code: 0 \(ok\)' || fail "no verified handshake"
    expect_lib ocli ours
    send ocli "hello gnutls"
    wait_grep ocli.out '^hello gnutls$' || fail "no echo from gnutls-serv"
    send ocli "second line"
    wait_grep ocli.out '^second line$' || fail "no second echo"
    feed_close ocli
    expect_exit ocli 0 || fail "s_client failed"
}

# The stock s_client on rdtls against a server that never answers: it must retransmit its
# ClientHello on the OpenSSL schedule (after 1 s, then 2 s more).
test_dropin_s_client_retransmits() {
    local port n
    need openssl
    dropin_need
    start_bg sink "$CTDIR/udp_sink" 5
    wait_grep sink.out '^[0-9]+$' || fail "udp_sink did not start"
    port=$(head -n 1 sink.out)
    start_bg ocli env LD_LIBRARY_PATH="$BUILD" openssl s_client -dtls1_2 -timeout \
        -connect "127.0.0.1:$port"
    sleep 1
    expect_lib ocli ours
    expect_exit sink 0 || fail "udp_sink failed"
    n=$(tail -n 1 sink.err | sed -n 's/^received \([0-9]*\) datagrams$/\1/p')
    echo "the sink received ${n:-0} datagrams in 5 s"
    if [ "${n:-0}" -lt 3 ] || [ "${n:-0}" -gt 4 ]; then
        fail "expected 3 ClientHellos (at 0, 1 and 3 s)"
    fi
}

# TLS over TCP is not ours to do: with TLS passthrough off (RDTLS_NO_TLS_PASSTHROUGH=1, or no
# system libssl) the stock s_client on rdtls must fail the handshake at once with a clear
# error, not hang or pretend.
test_dropin_s_client_tls_refused() {
    local port rc
    need openssl
    dropin_need
    start_bg tsrv openssl s_server -accept 127.0.0.1:0 -naccept 1 "${DSRV_CERT[@]}"
    port=$(wait_port tsrv.out) || fail "TLS s_server did not start"
    timeout "$PROC_TIMEOUT" env RDTLS_NO_TLS_PASSTHROUGH=1 LD_LIBRARY_PATH="$BUILD" \
        openssl s_client -connect "127.0.0.1:$port" < /dev/null > tcli.out 2> tcli.err
    rc=$?
    cat tcli.err
    if [ "$rc" = 0 ] || [ "$rc" = 124 ]; then
        fail "s_client exit status $rc (expected a quick failure)"
    fi
    grep -q 'SSL routines:.*unsupported protocol:.*TLS over streams is not supported' tcli.err ||
        fail "no clear 'unsupported protocol' error"
}

# ---- our example programs, built against the system OpenSSL, with LD_PRELOAD -------------

# dropin_reuse TEST: runs test_TEST (from the other t_*.sh) with the example programs of
# build/bin-openssl (compiled against the system OpenSSL) started through wrappers that
# preload build/libssl.so.3 and keep the loader's log, which then proves every one of them
# ran on it.
dropin_reuse() {
    local p obin="$BUILD/bin-openssl"
    dropin_need
    [ -x "$obin/rdtls-s_server" ] || fail "missing $obin (make examples RDTLS_BACKEND=openssl)"
    mkdir -p wrap
    for p in "$obin"/rdtls-*; do
        cat > "wrap/${p##*/}" << EOF
#!/bin/sh
LD_PRELOAD="$DROPIN_SO" LD_DEBUG=libs LD_DEBUG_OUTPUT="$PWD/ld" exec "$p" "\$@"
EOF
        chmod +x "wrap/${p##*/}"
    done
    BINDIR="$PWD/wrap" "test_$1" || return 1
    ld_log_check ld
}

test_dropin_prog_ours_blocking() { dropin_reuse ours_blocking; }
test_dropin_prog_ours_nbio() { dropin_reuse ours_nbio; }
test_dropin_prog_ours_listen() { dropin_reuse ours_listen; }
test_dropin_prog_ours_listen_nbio() { dropin_reuse ours_listen_nbio; }
test_dropin_prog_ours_timeout_flag() { dropin_reuse ours_timeout_flag; }
test_dropin_prog_client_cert_required() { dropin_reuse ours_client_cert_required; }
test_dropin_prog_mtu_big_chain() { dropin_reuse ours_mtu_big_chain; }
test_dropin_prog_mem_bio() { dropin_reuse mem_bio; }
test_dropin_prog_blackhole_blocking() { dropin_reuse blackhole_blocking; }
test_dropin_prog_blackhole_nbio() { dropin_reuse blackhole_nbio; }
test_dropin_prog_poll_server() { dropin_reuse poll_server_6_clients; }
test_dropin_prog_threaded_server() { dropin_reuse threaded_server_3_clients; }
