#!/usr/bin/env bash
# Checks the public headers in include/openssl (and rdtls's own, include/rdtls):
#   1. a translation unit including every header compiles as C99 (-Wall -Wextra -Werror
#      -pedantic) and as C++ (-Wall -Wextra -Werror);
#   2. every function they declare is exported by the library (default
#      target/release/librdtls.so, or the path given as $1), so no program compiled against
#      them can fail to link.
# Prototypes are collected with GCC's -aux-info (the compiler's own view of each declaration),
# not by parsing header text. Exit status 0 when both checks pass.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
lib=${1:-$root/target/release/librdtls.so}
inc=$root/include
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ ! -f "$lib" ]; then
    echo "check-headers: $lib not found (run: cargo build --release -p rdtls-capi)" >&2
    exit 1
fi

{
    for h in "$inc"/openssl/*.h; do
        echo "#include <openssl/$(basename "$h")>"
    done
    for h in "$inc"/rdtls/*.h; do
        echo "#include <rdtls/$(basename "$h")>"
    done
    echo "int main(void) { return 0; }"
} >"$tmp/all.c"
cp "$tmp/all.c" "$tmp/all.cpp"

# Every <openssl/...> include must resolve inside include/: a header missing there would
# silently fall back to the system's OpenSSL headers.
leaked=$(cc -std=c99 -I"$inc" -M "$tmp/all.c" | tr ' \\' '\n\n' | grep '/openssl/' | grep -v "^$inc/openssl/" || true)
if [ -n "$leaked" ]; then
    echo "check-headers: headers resolved outside $inc (missing from include/openssl?):" >&2
    echo "$leaked" | sort -u | sed 's/^/  /' >&2
    exit 1
fi

echo "check-headers: C99 (-std=c99 -Wall -Wextra -Werror -pedantic)"
timeout 120 cc -std=c99 -Wall -Wextra -Werror -pedantic -I"$inc" -c "$tmp/all.c" -o "$tmp/all_c.o" \
    -aux-info "$tmp/aux.txt"
echo "check-headers: C++ (-Wall -Wextra -Werror)"
timeout 120 g++ -Wall -Wextra -Werror -I"$inc" -c "$tmp/all.cpp" -o "$tmp/all_cpp.o"

# Declarations (not definitions: static inline helpers are "OF"/"NF" and carry "static") that
# come from our headers.
grep -E "^/\* $inc/(openssl|rdtls)/[^:]+:[0-9]+:NC \*/ extern " "$tmp/aux.txt" \
    | sed -E 's|^/\* [^*]*\*/ extern ||' \
    | sed -E '/^[^(]*\(\*[A-Za-z_][A-Za-z0-9_]* \(/{s|^[^(]*\(\*([A-Za-z_][A-Za-z0-9_]*) \(.*|\1|;b};s| \(.*||; s|.*[ *]||' \
    | sort -u >"$tmp/declared.txt"
nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' | sort -u >"$tmp/exported.txt"

missing=$(comm -23 "$tmp/declared.txt" "$tmp/exported.txt")
declared=$(wc -l <"$tmp/declared.txt")
if [ -n "$missing" ]; then
    echo "check-headers: declared in include/openssl but not exported by $lib:" >&2
    echo "$missing" | sed 's/^/  /' >&2
    echo "check-headers: $(echo "$missing" | wc -l) of $declared declared functions missing" >&2
    exit 1
fi
echo "check-headers: all $declared declared functions are exported by $(basename "$lib")"
