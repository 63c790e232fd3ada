# shellcheck shell=bash
# ctests/lib.sh - helpers for the C-level tests (sourced by ctests/run.sh).
#
# Every test is a shell function test_NAME run by `run_test NAME` in a subshell, inside its
# own work directory. Background processes are started with start_bg (always under
# `timeout`) and killed when the test ends. A test passes when its function returns 0,
# is skipped when it exits 77, and fails otherwise (its log and the output of its processes
# are then printed).

: "${RDTLS_BACKEND:=rdtls}"
CT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

abspath() {
    case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s\n' "$CT_ROOT/$1" ;;
    esac
}

if [ "$RDTLS_BACKEND" = openssl ]; then
    BINDIR="$(abspath "${BINDIR:-build/bin-openssl}")"
    CTDIR="$(abspath "${CTDIR:-build/ctests-openssl}")"
else
    BINDIR="$(abspath "${BINDIR:-build/bin}")"
    CTDIR="$(abspath "${CTDIR:-build/ctests}")"
fi
CERTDIR="$(abspath "${CERTDIR:-build/demo-certs}")"
BUILD="$(abspath "${BUILD:-build}")"
# Upper bound for any one process of a test (seconds); valgrind runs get more.
PROC_TIMEOUT="${PROC_TIMEOUT:-30}"
# shellcheck disable=SC2034 # used by t_valgrind.sh
# valgrind/ring-ghash-avx.supp: a proven Memcheck false positive in ring's AES-GCM assembly
# (analysis and a reproduction without rdtls code in valgrind/README.md and valgrind/repro/).
VALGRIND=(valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite
    "--suppressions=$CT_ROOT/valgrind/ring-ghash-avx.supp")
export BINDIR CTDIR CERTDIR BUILD RDTLS_BACKEND

# ours_version: what two of our programs negotiate when neither pins a version: DTLS 1.3
# on the rdtls backend (DTLS_method's default), DTLS 1.2 when they are built against
# OpenSSL 3.0 or RDTLS_MAX_PROTO=DTLSv1.2 pins it.
ours_version() {
    if [ "$RDTLS_BACKEND" = rdtls ] && [ "${RDTLS_MAX_PROTO:-}" != DTLSv1.2 ]; then
        echo DTLSv1.3
    else
        echo DTLSv1.2
    fi
}

T_PASS=0
T_FAIL=0
T_SKIP=0
T_FAILED_NAMES=""
T_SKIPPED_NAMES=""
WORKROOT="$(mktemp -d "${TMPDIR:-/tmp}/rdtls-ctests.XXXXXX")"

# fail MESSAGE: ends the current test as failed.
fail() {
    echo "FAIL: $*"
    exit 1
}

# skip REASON: ends the current test as skipped.
skip() {
    echo "SKIP: $*"
    exit 77
}

# start_bg NAME [--stdin FILE] CMD...: runs CMD in the background under `timeout`, stdout
# to NAME.out, stderr to NAME.err, stdin from FILE (default /dev/null). Sets NAME_pid.
start_bg() {
    local name="$1" in=/dev/null pid
    shift
    if [ "$1" = --stdin ]; then
        in="$2"
        shift 2
    fi
    timeout -k 5 "$PROC_TIMEOUT" "$@" < "$in" > "$name.out" 2> "$name.err" &
    pid=$!
    echo "$pid" >> pids
    printf -v "${name}_pid" '%s' "$pid"
    echo "started $name (pid $pid): $*"
}

# with_fifo NAME: creates NAME.in, a FIFO to use as --stdin of start_bg.
with_fifo() {
    rm -f "$1.in"
    mkfifo "$1.in"
}

# feed_open NAME: opens NAME.in for writing (after start_bg NAME --stdin NAME.in).
feed_open() {
    local fd
    exec {fd}> "$1.in"
    printf -v "${1}_fd" '%s' "$fd"
}

# send NAME LINE: writes LINE and a newline to the process fed by NAME.in.
send() {
    local v="${1}_fd"
    printf '%s\n' "$2" >&"${!v}"
}

# feed_close NAME: closes NAME.in (the process sees EOF on stdin).
feed_close() {
    local v="${1}_fd" fd
    fd="${!v}"
    exec {fd}>&-
}

# wait_grep FILE REGEX [SECONDS]: waits until FILE has a line matching REGEX (grep -E).
wait_grep() {
    local file="$1" re="$2" secs="${3:-15}" i=0
    while [ "$i" -lt $((secs * 20)) ]; do
        grep -qE -- "$re" "$file" 2> /dev/null && return 0
        sleep 0.05
        i=$((i + 1))
    done
    echo "timed out after ${secs}s waiting for /$re/ in $file"
    return 1
}

# wait_port FILE: waits for an "ACCEPT host:port" line in FILE and prints the port.
wait_port() {
    wait_grep "$1" '^ACCEPT .*:[0-9]+$' "${2:-15}" > /dev/null || return 1
    sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$1" | head -n 1
}

# expect_exit NAME CODE: waits for NAME (bounded by its timeout) and checks its status.
expect_exit() {
    local v="${1}_pid" rc
    wait "${!v}"
    rc=$?
    if [ "$rc" != "$2" ]; then
        echo "$1 exited with $rc, expected $2"
        return 1
    fi
}

# free_port: a UDP port on 127.0.0.1 that was free a moment ago.
free_port() {
    "$CTDIR/freeport"
}

# need CMD...: fails the test when a required tool is missing (make test installs them).
need() {
    local c
    for c in "$@"; do
        command -v "$c" > /dev/null 2>&1 || fail "required tool '$c' is not installed"
    done
}

cleanup_pids() {
    local p
    [ -f pids ] || return 0
    while read -r p; do
        kill "$p" 2> /dev/null
    done < pids
    wait 2> /dev/null
}

show_failure() {
    local w="$1" f
    sed 's/^/    | /' "$w/log"
    for f in "$w"/*.out "$w"/*.err; do
        [ -s "$f" ] || continue
        echo "    --- ${f##*/} (last 25 lines)"
        tail -n 25 "$f" | sed 's/^/    | /'
    done
}

# run_test NAME: runs test_NAME unless CTEST_FILTER (a grep -E regex) excludes it.
run_test() {
    local name="$1" w rc start
    if [ -n "${CTEST_FILTER:-}" ] && ! printf '%s\n' "$name" | grep -qE -- "$CTEST_FILTER"; then
        return 0
    fi
    w="$WORKROOT/$name"
    mkdir -p "$w"
    start=$(date +%s)
    (
        cd "$w" || exit 1
        trap cleanup_pids EXIT
        "test_$name"
    ) > "$w/log" 2>&1 < /dev/null
    rc=$?
    if [ "$rc" = 0 ]; then
        T_PASS=$((T_PASS + 1))
        printf 'ok   %-40s %3ss\n' "$name" "$(($(date +%s) - start))"
    elif [ "$rc" = 77 ]; then
        T_SKIP=$((T_SKIP + 1))
        T_SKIPPED_NAMES="$T_SKIPPED_NAMES $name"
        printf 'skip %-40s %s\n' "$name" "$(tail -n 1 "$w/log")"
    else
        T_FAIL=$((T_FAIL + 1))
        T_FAILED_NAMES="$T_FAILED_NAMES $name"
        printf 'FAIL %-40s %3ss (exit %s)\n' "$name" "$(($(date +%s) - start))" "$rc"
        show_failure "$w"
    fi
}

# summary: prints the closing "N passed, M failed" line (skips on the line before it);
# returns non-zero on failure.
summary() {
    echo
    if [ "$T_FAIL" -gt 0 ]; then
        echo "failed:$T_FAILED_NAMES (work files kept in $WORKROOT)"
    elif [ -z "${KEEP_WORK:-}" ]; then
        rm -rf "$WORKROOT"
    fi
    [ "$T_SKIP" -gt 0 ] && echo "($T_SKIP skipped:$T_SKIPPED_NAMES)"
    echo "$T_PASS passed, $T_FAIL failed"
    [ "$T_FAIL" = 0 ]
}
