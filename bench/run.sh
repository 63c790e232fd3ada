#!/bin/sh
# bench/run.sh OPENSSL_BENCH RDTLS_BENCH CERTDIR [SECONDS_PER_METRIC [CRYPTO_FLOOR_LIB]]
# Runs the same benchmark built against OpenSSL and against librdtls, one after the other on
# the same machine. With CRYPTO_FLOOR_LIB (build/libcrypto_floor.so, bench/crypto_floor.rs:
# what ring's operations for one handshake / one record cost right now) each bench process
# first measures the floor itself, so rdtls's rates and the floor they are divided by come
# from one process and one run. Prints both results, the ratio rdtls/openssl, the floor,
# the fraction of the floor rdtls reaches and issue 12's targets; then datagrams and bytes
# per handshake (counted through a datagram-queue BIO).
set -u
A="$1"
B="$2"
CERTS="$3"
SECS="${4:-2}"
FLOOR="${5:-}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT INT TERM

run() {
    echo "running $2 ..."
    if ! BENCH_FLOOR_LIB="$FLOOR" timeout 300 "$2" "$CERTS" "$SECS" > "$out/$1" \
        2> "$out/$1.err"; then
        echo "  $1 failed:"
        sed 's/^/    /' "$out/$1.err" | head -n 20
    fi
}

run openssl "$A"
run rdtls "$B"
# The floor measured inside the rdtls run.
grep -E '^(op_|floor_|server_chain_certificates)' "$out/rdtls" > "$out/floor"

val() { sed -n "s/^$2 //p" "$out/$1" | head -n 1; }
# div A B FORMAT [SCALE]: B / A * SCALE, or n/a.
div() {
    awk -v a="${1:-0}" -v b="${2:-}" -v f="$3" -v k="${4:-1}" \
        'BEGIN { if (a > 0 && b != "") printf f, b / a * k; else print "n/a" }'
}

echo
printf '%-30s %10s %10s %7s %10s %8s   %s\n' metric openssl rdtls ratio floor of-floor \
    'target (issue 12)'
for m in full_handshakes_per_s:'>= 95% of floor' resumed_handshakes_per_s:'>= 3x openssl' \
    resumed_fraction:'' throughput_mb_per_s:'>= 80% of floor (2.5x)' \
    bytes_per_connection:'<= 0.15x openssl' server_bytes_per_connection:'' \
    psk_ccm8_handshakes_per_s:'' ecdhe_ccm8_handshakes_per_s:'' \
    ccm8_64b_throughput_mb_per_s:''; do
    name="${m%%:*}"
    target="${m#*:}"
    a="$(val openssl "$name")"
    b="$(val rdtls "$name")"
    f="$(val floor "floor_$name")"
    ratio="$(div "$a" "$b" '%.2fx')"
    frac="$(div "$f" "$b" '%.0f%%' 100)"
    printf '%-30s %10s %10s %7s %10s %8s   %s\n' "$name" "${a:-n/a}" "${b:-n/a}" "$ratio" \
        "${f:-n/a}" "$frac" "$target"
done

echo
printf '%-30s %10s %10s %7s   %s\n' 'per handshake (MTU 1500)' openssl rdtls ratio target
for m in full_handshake_datagrams:'<= 0.5x openssl' full_handshake_bytes:'<= 1x openssl' \
    resumed_handshake_datagrams:'' resumed_handshake_bytes:'' \
    cookie_handshake_datagrams:'' cookie_handshake_bytes:''; do
    name="${m%%:*}"
    target="${m#*:}"
    a="$(val openssl "$name")"
    b="$(val rdtls "$name")"
    printf '%-30s %10s %10s %7s   %s\n' "$name" "${a:-n/a}" "${b:-n/a}" \
        "$(div "$a" "$b" '%.2fx')" "$target"
done

# DTLS 1.3 (issue 13): OpenSSL 3.0 has none, so no ratio; rdtls's DTLS 1.2 figure beside it
# (memory BIO for the rates, datagram queue for the counts; 1.3 rates use the queue).
echo
printf '%-36s %10s %12s %12s\n' 'DTLS 1.3 (TLS_AES_128_GCM_SHA256)' openssl 'rdtls 1.3' \
    'rdtls 1.2'
for m in full_handshakes_per_s resumed_handshakes_per_s resumed_fraction \
    full_handshake_datagrams full_handshake_bytes resumed_handshake_datagrams \
    resumed_handshake_bytes; do
    printf '%-36s %10s %12s %12s\n' "dtls13_$m" "$(val openssl "dtls13_$m")" \
        "$(val rdtls "dtls13_$m")" "$(val rdtls "$m")"
done

if [ -s "$out/floor" ]; then
    echo
    echo "crypto floor (ring, measured inside the rdtls bench process; a full handshake = 1 sign +" \
        "$(($(val floor server_chain_certificates) + 1)) verify + 2 X25519 + PRF/hash/AEAD):"
    grep -E '^(op_|floor_(full|resumed)_us)' "$out/floor" | sed 's/^/  /'
fi
