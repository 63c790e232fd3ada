#!/bin/sh
# bench/run.sh OPENSSL_BENCH RDTLS_BENCH CERTDIR [SECONDS_PER_METRIC]
# Runs the same benchmark built against OpenSSL and against librdtls, one after the other on
# the same machine, and prints both results with the ratio rdtls/openssl and the targets
# (DESIGN.md: >= 3x full handshakes/s, >= 2.5x record throughput, <= 1/3 memory).
set -u
A="$1"
B="$2"
CERTS="$3"
SECS="${4:-2}"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT INT TERM

for side in openssl rdtls; do
    if [ "$side" = openssl ]; then bin="$A"; else bin="$B"; fi
    echo "running $bin ..."
    if ! timeout 300 "$bin" "$CERTS" "$SECS" > "$out/$side" 2> "$out/$side.err"; then
        echo "  $side benchmark failed:"
        sed 's/^/    /' "$out/$side.err" | head -n 20
    fi
done

val() { sed -n "s/^$2 //p" "$out/$1" | head -n 1; }

echo
printf '%-34s %14s %14s %10s   %s\n' metric openssl rdtls ratio target
for m in full_handshakes_per_s:'>= 3' resumed_handshakes_per_s:'' \
    resumed_fraction:'' throughput_mb_per_s:'>= 2.5' bytes_per_connection:'<= 0.33' \
    server_bytes_per_connection:'' psk_ccm8_handshakes_per_s:'' \
    ecdhe_ccm8_handshakes_per_s:'' ccm8_64b_throughput_mb_per_s:''; do
    name="${m%%:*}"
    target="${m#*:}"
    a="$(val openssl "$name")"
    b="$(val rdtls "$name")"
    ratio="$(awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN { if (a > 0 && b != "") printf "%.2fx", b / a; else print "n/a" }')"
    printf '%-34s %14s %14s %10s   %s\n' "$name" "${a:-n/a}" "${b:-n/a}" "$ratio" "$target"
done
