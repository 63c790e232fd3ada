# shellcheck shell=bash
# Issue 8 item 1: build/libssl.so.3 exports every function OpenSSL's libssl.so.3 exports,
# every program of this machine that imports libssl resolves against it, legacy programs
# start with BIND_NOW, and the functions they call behave as OpenSSL's (ctests/dropin_api.c
# run on both libraries, outputs compared).

# The system libssl's exported functions, one per line.
sys_libssl_functions() {
    nm -D --defined-only "$(system_libssl)" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' |
        sort -u
}

test_dropin_no_absent_symbol() {
    local missing
    dropin_need
    sys_libssl_functions > theirs
    nm -D --defined-only "$DROPIN_SO" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' |
        sort -u > ours
    echo "system libssl exports $(wc -l < theirs) functions; build/libssl.so.3 $(wc -l < ours)"
    missing=$(comm -23 theirs ours | tr '\n' ' ')
    [ -z "$missing" ] || fail "missing from build/libssl.so.3: $missing"
}

# Every ELF file under /usr/bin, /usr/sbin and /usr/lib that needs libssl.so.3: each libssl
# symbol it imports (the OPENSSL_3.* versioned ones OpenSSL's libssl defines) is exported
# by build/libssl.so.3.
test_dropin_elf_importers() {
    local f n=0 bad=0 imports missing
    dropin_need
    sys_libssl_functions > libssl
    nm -D --defined-only "$DROPIN_SO" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' |
        sort -u > ours
    find /usr/bin /usr/sbin /usr/lib -xdev -type f \( -perm -u+x -o -name '*.so*' \) \
        2> /dev/null | sort > candidates
    while read -r f; do
        # Only ELF objects that record libssl.so.3 as a dependency.
        readelf -d "$f" 2> /dev/null | grep -q 'NEEDED.*\[libssl\.so\.3\]' || continue
        n=$((n + 1))
        nm -D --undefined-only "$f" 2> /dev/null | awk '{ sub(/@.*/, "", $2); print $2 }' |
            sort -u > imports
        imports=$(comm -12 imports libssl | wc -l)
        missing=$(comm -12 imports libssl | comm -23 - ours | tr '\n' ' ')
        if [ -n "$missing" ]; then
            bad=$((bad + 1))
            echo "MISSING $f: $missing"
        else
            echo "ok $f ($imports libssl symbols)"
        fi
    done < candidates
    echo "$n ELF files import libssl.so.3; $((n - bad)) resolve every libssl symbol against build/libssl.so.3"
    [ "$n" -gt 0 ] || fail "no ELF file imports libssl.so.3 (is OpenSSL installed?)"
    [ "$bad" = 0 ] || fail "$bad ELF files import symbols build/libssl.so.3 lacks"
}

# legacy_start NAME EXPECTED_RC CMD...: CMD starts and ends the same way on the drop-in
# with LD_BIND_NOW as on the system libssl (exit status EXPECTED_RC, e.g. a usage message),
# and the loader shows build/libssl.so.3 initialised.
legacy_start() {
    local name="$1" want="$2" rc
    shift 2
    timeout 10 env LD_BIND_NOW=1 "$@" > "$name-sys.out" 2>&1
    rc=$?
    [ "$rc" = "$want" ] || fail "$name on the system libssl exited $rc, expected $want"
    timeout 10 env LD_BIND_NOW=1 LD_LIBRARY_PATH="$BUILD" LD_DEBUG=libs \
        LD_DEBUG_OUTPUT="$PWD/ld-$name" "$@" > "$name.out" 2>&1
    rc=$?
    if grep -q 'symbol lookup error\|undefined symbol' "$name.out"; then
        cat "$name.out"
        fail "$name: unresolved symbol on build/libssl.so.3"
    fi
    [ "$rc" = "$want" ] || { tail -n 5 "$name.out"; fail "$name exited $rc on the drop-in"; }
    ld_log_check "ld-$name"
    echo "$name starts on build/libssl.so.3 (exit $rc, as on the system libssl)"
}

test_dropin_coturn_starts() {
    need turnserver turnutils_uclient
    dropin_need
    legacy_start turnserver 0 turnserver -h
    legacy_start turnutils_uclient 255 turnutils_uclient
}

test_dropin_libcoap_starts() {
    need coap-client-openssl coap-server-openssl
    dropin_need
    legacy_start coap-client 1 coap-client-openssl
    legacy_start coap-server 1 coap-server-openssl -h
}

# ctests/dropin_api.c on the system libssl and on the drop-in: the same observations.
test_dropin_api_same_as_openssl() {
    dropin_need
    [ -x "$CTDIR/dropin_api" ] || fail "missing $CTDIR/dropin_api (make ctest-progs)"
    timeout "$PROC_TIMEOUT" "$CTDIR/dropin_api" "$CERTDIR" > sys.out 2> sys.err ||
        { cat sys.out sys.err; fail "dropin_api fails on the system libssl"; }
    timeout "$PROC_TIMEOUT" env LD_PRELOAD="$DROPIN_SO" LD_DEBUG=libs \
        LD_DEBUG_OUTPUT="$PWD/ld" "$CTDIR/dropin_api" "$CERTDIR" > ours.out 2> ours.err ||
        { cat ours.out ours.err; fail "dropin_api fails on the drop-in"; }
    ld_log_check ld
    cat ours.out
    diff -u sys.out ours.out || fail "the drop-in answers differently from OpenSSL"
}

# dropin_cipher_choice SERVER_ARGS...: the cipher stock s_client ends with against s_server
# (with SERVER_ARGS) on the system libssl and on the drop-in; prints it, fails on a
# difference. The client offers AES-128 first, so -serverpref decides.
dropin_cipher_choice() {
    local lib port out=() senv=()
    need openssl
    dropin_need
    for lib in system ours; do
        senv=()
        [ "$lib" = ours ] && senv=(env LD_LIBRARY_PATH="$BUILD")
        with_fifo "srv_$lib"
        start_bg "srv_$lib" --stdin "srv_$lib.in" "${senv[@]}" openssl s_server -dtls1_2 \
            -accept 127.0.0.1:0 -naccept 1 "${DSRV_CERT[@]}" "$@"
        feed_open "srv_$lib"
        port=$(wait_port "srv_$lib.out") || fail "s_server ($lib) did not start"
        expect_lib "srv_$lib" "$lib"
        timeout "$PROC_TIMEOUT" openssl s_client -dtls1_2 -connect "127.0.0.1:$port" \
            -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384' \
            < /dev/null > "cli_$lib.out" 2>&1
        out+=("$(sed -n 's/.*Cipher is \(.*\)/\1/p' "cli_$lib.out" | head -n 1)")
        feed_close "srv_$lib"
        echo "$lib s_server $*: client got ${out[-1]}"
    done
    [ -n "${out[0]}" ] || fail "no cipher with the system libssl"
    [ "${out[0]}" = "${out[1]}" ] || fail "the drop-in chose ${out[1]}, OpenSSL ${out[0]}"
}

test_dropin_serverpref_same_as_openssl() {
    dropin_cipher_choice -serverpref
}

test_dropin_client_order_same_as_openssl() {
    dropin_cipher_choice
}

# dropin_importers_list: prints the ELF files test_dropin_elf_importers checked and their
# count (run by run.sh after it, so the list is in the test output).
dropin_importers_list() {
    local log="$WORKROOT/dropin_elf_importers/log"
    [ -f "$log" ] || return 0
    echo "ELF files importing libssl.so.3, checked against build/libssl.so.3:"
    grep -E '^(ok|MISSING) |ELF files import' "$log" | sed 's/^/  /'
}
