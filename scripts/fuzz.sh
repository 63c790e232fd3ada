#!/bin/sh
# `make fuzz`: runs each libFuzzer target (fuzz/fuzz_targets/) for FUZZ_SECONDS seconds, one
# after the other (one job: the machine is shared), with cargo-fuzz. libFuzzer's coverage
# instrumentation (SanitizerCoverage) is a stable codegen option, so the default build runs
# on the stable toolchain; only FUZZ_SANITIZER=address needs nightly (-Zsanitizer).
#
#   FUZZ_SECONDS=60          time per target
#   FUZZ_RUNS=10000000       also stop a target after this many executions (libFuzzer -runs)
#   FUZZ_TARGETS="a b"       only these targets (default: every target)
#   FUZZ_SANITIZER=none      none (fastest; the engine has no unsafe) or address (capi)
#   FUZZ_SHORT=1             the bounded pass of `make test`: without a fuzzer, say so and
#                            succeed (the corpus replay in `cargo test` still runs)
#
# New corpus entries go to fuzz/work/<target>/ (not committed); the committed seeds in
# fuzz/corpus/<target>/ are read. A crash stops the run: copy the input from
# fuzz/artifacts/<target>/ into fuzz/regressions/<target>/, fix it; `make test` replays
# both directories on stable (tests/fuzz_corpus.rs, capi's fuzz_corpus test).
set -eu
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-60}
san=${FUZZ_SANITIZER:-none}
if [ "$san" = none ]; then
    toolchain=stable
    need="cargo install cargo-fuzz"
else
    toolchain=nightly
    need="rustup toolchain install nightly && cargo install cargo-fuzz"
fi
if ! cargo +$toolchain fuzz --version >/dev/null 2>&1; then
    if [ "${FUZZ_SHORT:-0}" = 1 ]; then
        echo "fuzz-short: skipped: libFuzzer needs cargo-fuzz ($need);" \
            "the saved corpus and crash inputs were replayed by cargo test" >&2
        exit 0
    fi
    echo "make fuzz: no fuzzer here: needs cargo-fuzz on the $toolchain toolchain" >&2
    echo "  ($need)." >&2
    echo "  The saved corpus and crash inputs are still replayed by 'make test'." >&2
    exit 1
fi
targets=${FUZZ_TARGETS:-$(cd fuzz && cargo +$toolchain fuzz list)}
flags="-O --debug-assertions -s $san --target-dir target/$san"
# Only the targets asked for (an ASan build of every target takes much longer).
for t in $targets; do
    (cd fuzz && cargo +$toolchain fuzz build $flags "$t")
done
summary=fuzz/work/summary.txt
mkdir -p fuzz/work
for t in $targets; do
    mkdir -p "fuzz/work/$t" "fuzz/corpus/$t"
    log="fuzz/work/$t.log"
    runs_flag=""
    if [ -n "${FUZZ_RUNS:-}" ]; then
        runs_flag="-runs=$FUZZ_RUNS"
    fi
    echo "== $t: ${secs}s ${runs_flag}"
    # -timeout: one input taking 10 s is a hang; the outer timeout bounds the whole run.
    if ! (cd fuzz && timeout $((secs + 300)) cargo +$toolchain fuzz run $flags "$t" \
        "work/$t" "corpus/$t" -- -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
        $runs_flag >"../$log" 2>&1); then
        tail -40 "$log" >&2
        echo "make fuzz: $t failed; the input is in fuzz/artifacts/$t/" >&2
        exit 1
    fi
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    line="$t: $runs executions, $rate exec/s, ${secs}s limit, sanitizer $san"
    echo "$line"
    echo "$(date -u +%FT%TZ) $line" >>"$summary"
done
