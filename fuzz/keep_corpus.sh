#!/bin/sh
# Adds a small minimized part of what `make fuzz` found (fuzz/work/<target>/) to the committed
# corpus fuzz/corpus/<target>/: libFuzzer's -merge keeps the inputs that add coverage beyond
# what the committed corpus already has, and of those the smallest are kept up to
# KEEP_BYTES (default 10000) per target, so the replay in `make test` stays fast.
#   sh fuzz/keep_corpus.sh [target...]        (after make fuzz; default: every target)
set -eu
cd "$(dirname "$0")"
keep=${KEEP_BYTES:-10000}
san=${FUZZ_SANITIZER:-none}
bindir=target/$san/x86_64-unknown-linux-gnu/release
targets=${*:-$(cargo +nightly fuzz list)}
for t in $targets; do
    [ -d "work/$t" ] && [ -x "$bindir/$t" ] || continue
    tmp=$(mktemp -d)
    cp corpus/"$t"/* "$tmp"/ 2>/dev/null || true
    before=$(ls "$tmp" | wc -l)
    timeout 600 "$bindir/$t" -merge=1 -timeout=10 "$tmp" "work/$t" >/dev/null 2>&1 || true
    total=0
    # New files only (merge adds them under their SHA-1 names), smallest first.
    for f in $(cd "$tmp" && ls -S -r); do
        [ -e "corpus/$t/$f" ] && continue
        case "$f" in seed-*) continue ;; esac
        size=$(wc -c <"$tmp/$f")
        [ $((total + size)) -le "$keep" ] || break
        cp "$tmp/$f" "corpus/$t/min-$f"
        total=$((total + size))
    done
    echo "$t: $(($(ls "$tmp" | wc -l) - before)) inputs add coverage; kept $total bytes"
    rm -rf "$tmp"
done
