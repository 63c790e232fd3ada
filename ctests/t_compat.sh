# shellcheck shell=bash
# The compat corpus (issue 16): programs under ctests/compat/ written the way real OpenSSL
# DTLS programs are, each built unmodified with -Wall -Wextra -Werror against librdtls alone
# (-Iinclude -lrdtls, no -lssl -lcrypto) and against the system OpenSSL, run, and run against
# each other. Plus the header checks: every declared function is exported
# (scripts/check-headers.sh) and the prototypes agree with the Rust exports
# (scripts/check-prototypes.sh).

COMPAT_CFLAGS=(-Wall -Wextra -Werror -O1 -g)

# compat_build NAME [LIBS...]: builds ctests/compat/NAME.c into ./NAME-rdtls and
# ./NAME-openssl (in the test's work directory).
compat_build() {
    local name="$1" src="$CT_ROOT/ctests/compat/$1.c"
    shift
    [ -f "$BUILD/librdtls.so" ] || fail "$BUILD/librdtls.so not built"
    timeout 120 cc "${COMPAT_CFLAGS[@]}" -I"$CT_ROOT/include" -o "$name-rdtls" "$src" \
        -L"$BUILD" -lrdtls -Wl,-rpath,"$BUILD" "$@" || fail "$name: build against librdtls"
    timeout 120 cc "${COMPAT_CFLAGS[@]}" -o "$name-openssl" "$src" -lssl -lcrypto "$@" \
        || fail "$name: build against OpenSSL"
    # "librdtls alone": no libssl/libcrypto in the rdtls build's dependencies.
    if ldd "$name-rdtls" | grep -qE 'lib(ssl|crypto)\.so'; then
        fail "$name-rdtls links the system OpenSSL"
    fi
}

# compat_only_rdtls: these tests build both flavours themselves; run them once, in the
# rdtls backend run.
compat_only_rdtls() {
    [ "$RDTLS_BACKEND" = rdtls ] || skip "compat corpus runs in the rdtls backend run"
}

test_compat_headers_exported() {
    compat_only_rdtls
    timeout 300 bash "$CT_ROOT/scripts/check-headers.sh" "$BUILD/librdtls.so"
}

test_compat_legacy_init() {
    compat_only_rdtls
    compat_build legacy_init
    local b
    for b in rdtls openssl; do
        timeout 20 "./legacy_init-$b" > "li-$b.out" || fail "legacy_init-$b failed"
        grep -qx 'legacy_init ok' "li-$b.out" || fail "legacy_init-$b: no 'ok' line"
    done
}

# compat_fp_of PEM: the SHA-256 fingerprint as `openssl x509` prints it.
compat_fp_of() {
    timeout 20 openssl x509 -noout -fingerprint -sha256 -in "$1" | sed 's/^.*Fingerprint=//'
}

# A certificate made in memory by librdtls (ECDSA P-256, self-signed, X509_sign with
# EVP_sha256) verifies with `openssl verify`, its X509_digest fingerprint equals the one
# `openssl x509 -fingerprint -sha256` prints, and its key reads back with `openssl pkey`;
# a P-384 CA (basicConstraints, keyUsage) signs a leaf (subjectAltName) that verifies; an
# RSA-2048 (EVP_RSA_gen) self-signed certificate verifies.
# The OpenSSL build of the same program does the same.
test_compat_webrtc_cert() {
    compat_only_rdtls
    need openssl
    compat_build webrtc_cert
    local b fp
    for b in rdtls openssl; do
        mkdir -p "out-$b"
        timeout 20 "./webrtc_cert-$b" "out-$b" > "wc-$b.out" || fail "webrtc_cert-$b failed"
        grep -qx 'webrtc_cert ok' "wc-$b.out" || fail "webrtc_cert-$b: no 'ok' line"
        timeout 20 openssl verify -CAfile "out-$b/self.pem" "out-$b/self.pem" \
            || fail "$b: self-signed certificate does not verify"
        fp=$(sed -n 's/^fingerprint sha-256 //p' "wc-$b.out")
        [ -n "$fp" ] && [ "$fp" = "$(compat_fp_of "out-$b/self.pem")" ] \
            || fail "$b: X509_digest fingerprint '$fp' differs from openssl x509's"
        timeout 20 openssl verify -CAfile "out-$b/ca.pem" "out-$b/leaf.pem" \
            || fail "$b: CA-signed certificate does not verify"
        timeout 20 openssl verify -CAfile "out-$b/rsa.pem" "out-$b/rsa.pem" \
            || fail "$b: RSA certificate does not verify"
        timeout 20 openssl pkey -in "out-$b/self.key" -noout || fail "$b: key unreadable"
        [ "$(openssl pkey -in "out-$b/self.key" -pubout)" = \
            "$(openssl x509 -in "out-$b/self.pem" -noout -pubkey)" ] \
            || fail "$b: key does not match the certificate"
    done
}

# Every prototype in include/openssl that names an exported Rust function agrees with it on
# return type, arity and argument types (scripts/check-prototypes.py).
test_compat_prototypes() {
    compat_only_rdtls
    need python3 cc
    timeout 120 python3 "$CT_ROOT/scripts/check-prototypes.py" "$CT_ROOT"
}

# compat_echo SERVER CLIENT: the threaded DTLSv1_listen echo server built against SERVER
# (rdtls|openssl) serves two clients built against CLIENT, one after the other, each on
# its own thread; both clients see every message echoed, the server reports each.
compat_echo() {
    compat_only_rdtls
    compat_build dtls_echo -pthread
    start_bg srv "./dtls_echo-$1" server 2
    local port
    port=$(wait_port srv.out) || fail "dtls_echo-$1 server did not start"
    timeout 20 "./dtls_echo-$2" client "$port" 5 > c1.out 2>&1 || fail "client 1 failed"
    timeout 20 "./dtls_echo-$2" client "$port" 3 > c2.out 2>&1 || fail "client 2 failed"
    grep -qx 'client ok 5' c1.out && grep -qx 'client ok 3' c2.out || fail "client output"
    expect_exit srv 0 || fail "server failed"
    grep -qx 'echoed 5' srv.out && grep -qx 'echoed 3' srv.out || fail "server did not echo"
    grep -qx 'server done' srv.out || fail "server did not finish"
}

test_compat_echo_rdtls_server_openssl_client() { compat_echo rdtls openssl; }
test_compat_echo_openssl_server_rdtls_client() { compat_echo openssl rdtls; }
test_compat_echo_rdtls_both() { compat_echo rdtls rdtls; }

# compat_bio_method SERVER CLIENT: DTLS over an application-defined BIO_METHOD (a UDP
# "transport" reached only through the BIO callbacks), server built against SERVER, client
# against CLIENT.
compat_bio_method() {
    compat_only_rdtls
    compat_build bio_method
    start_bg srv "./bio_method-$1" server
    local port
    port=$(wait_port srv.out) || fail "bio_method-$1 server did not start"
    timeout 20 "./bio_method-$2" client "$port" 5 > c.out 2>&1 || fail "client failed"
    grep -qx 'client ok 5' c.out || fail "client output"
    expect_exit srv 0 || fail "server failed"
    grep -qx 'server echoed 5' srv.out || fail "server did not echo"
}

test_compat_bio_method_rdtls_server_openssl_client() { compat_bio_method rdtls openssl; }
test_compat_bio_method_openssl_server_rdtls_client() { compat_bio_method openssl rdtls; }

# compat_ssl_bio SERVER CLIENT: the SSL filter BIO (BIO_new_ssl on a datagram BIO,
# BIO_do_handshake, BIO_read/BIO_write, BIO_free_all), server against SERVER, client
# against CLIENT.
compat_ssl_bio() {
    compat_only_rdtls
    compat_build ssl_bio
    start_bg srv "./ssl_bio-$1" server
    local port
    port=$(wait_port srv.out) || fail "ssl_bio-$1 server did not start"
    timeout 20 "./ssl_bio-$2" client "$port" 5 > c.out 2>&1 || fail "client failed"
    grep -qx 'client ok 5' c.out || fail "client output"
    expect_exit srv 0 || fail "server failed"
    grep -qx 'server echoed 5' srv.out || fail "server did not echo"
}

test_compat_ssl_bio_rdtls_server_openssl_client() { compat_ssl_bio rdtls openssl; }
test_compat_ssl_bio_openssl_server_rdtls_client() { compat_ssl_bio openssl rdtls; }

# compat_ssl_stream SERVER CLIENT: DTLS through the SSL BIO over TCP (BIO_new_ssl_connect,
# BIO_set_conn_hostname, BIO_do_connect on the client; BIO_new_socket behind BIO_new_ssl on
# the server), in bursts of records of 1..4000 bytes; server built against SERVER, client
# against CLIENT. OpenSSL 3.0 runs DTLS over a stream this way (one record per write).
compat_ssl_stream() {
    compat_only_rdtls
    compat_build ssl_stream
    start_bg srv "./ssl_stream-$1" server
    local port
    port=$(wait_port srv.out) || fail "ssl_stream-$1 server did not start"
    timeout 30 "./ssl_stream-$2" client "$port" 25 > c.out 2>&1 || fail "client failed"
    grep -qx 'client ok 100' c.out || fail "client output"
    expect_exit srv 0 || fail "server failed"
    grep -qx 'server echoed 100' srv.out || fail "server did not echo"
}

test_compat_ssl_stream_rdtls_server_openssl_client() { compat_ssl_stream rdtls openssl; }
test_compat_ssl_stream_openssl_server_rdtls_client() { compat_ssl_stream openssl rdtls; }
test_compat_ssl_stream_rdtls_both() { compat_ssl_stream rdtls rdtls; }

# compat_ssl_stream_nbio SERVER CLIENT: the client non-blocking (BIO_set_nbio on the SSL BIO
# reaches the connect BIO; BIO_do_connect, the handshake and every read/write retried after
# poll() while SSL_get_error answers WANT_READ / WANT_WRITE / WANT_CONNECT).
compat_ssl_stream_nbio() {
    compat_only_rdtls
    compat_build ssl_stream
    start_bg srv "./ssl_stream-$1" server
    local port
    port=$(wait_port srv.out) || fail "ssl_stream-$1 server did not start"
    timeout 30 "./ssl_stream-$2" client "$port" 25 nbio > c.out 2>&1 || fail "client failed"
    grep -qx 'client ok 100' c.out || fail "client output"
    expect_exit srv 0 || fail "server failed"
    grep -qx 'server echoed 100' srv.out || fail "server did not echo"
}

test_compat_ssl_stream_nbio_rdtls_client() { compat_ssl_stream_nbio openssl rdtls; }
test_compat_ssl_stream_nbio_openssl_client() { compat_ssl_stream_nbio rdtls openssl; }

# The same through a relay that re-cuts the stream into 7-byte pieces: every record
# arrives split across reads. librdtls takes the records out by their headers and
# completes. (OpenSSL 3.0 does not: it takes each read as a datagram and drops a split
# record, so this runs librdtls on both sides.)
test_compat_ssl_stream_split_records() {
    compat_only_rdtls
    need python3
    compat_build ssl_stream
    start_bg srv ./ssl_stream-rdtls server
    local port pport
    port=$(wait_port srv.out) || fail "server did not start"
    start_bg px python3 "$CT_ROOT/ctests/chunk_proxy.py" "$port" 7
    pport=$(wait_port px.out) || fail "relay did not start"
    timeout 30 ./ssl_stream-rdtls client "$pport" 3 > c.out 2>&1 || fail "client failed"
    grep -qx 'client ok 12' c.out || fail "client output"
    expect_exit srv 0 || fail "server failed"
    grep -qx 'server echoed 12' srv.out || fail "server did not echo"
    expect_exit px 0 || fail "relay failed"
    grep -q '^proxy forwarded' px.out || fail "relay did not report"
}

# The OpenSSL build of the program on the drop-in libssl.so.3 (both sides, LD_PRELOAD),
# through the same re-cutting relay: the system libcrypto's connect and socket BIOs carry
# the stream, the drop-in frames the records. (The system libssl fails here, so passing
# also shows the drop-in served both sides.)
test_compat_ssl_stream_dropin_split_records() {
    compat_only_rdtls
    need python3
    [ -f "$BUILD/libssl.so.3" ] || fail "$BUILD/libssl.so.3 not built"
    compat_build ssl_stream
    start_bg srv env LD_PRELOAD="$BUILD/libssl.so.3" ./ssl_stream-openssl server
    local port pport
    port=$(wait_port srv.out) || fail "server did not start"
    start_bg px python3 "$CT_ROOT/ctests/chunk_proxy.py" "$port" 7
    pport=$(wait_port px.out) || fail "relay did not start"
    LD_PRELOAD="$BUILD/libssl.so.3" timeout 30 ./ssl_stream-openssl client "$pport" 3 \
        > c.out 2>&1 || fail "client failed"
    grep -qx 'client ok 12' c.out || fail "client output"
    expect_exit srv 0 || fail "server failed"
    grep -qx 'server echoed 12' srv.out || fail "server did not echo"
    expect_exit px 0 || fail "relay failed"
}

# Nothing listens: BIO_do_connect fails with an error on the queue, in both builds.
test_compat_ssl_stream_connect_refused() {
    compat_only_rdtls
    need python3
    compat_build ssl_stream
    local b port
    # A TCP port that was free a moment ago (bound, read back, closed).
    port=$(timeout 10 python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    for b in rdtls openssl; do
        if timeout 20 "./ssl_stream-$b" client "$port" 1 > "cr-$b.out" 2>&1; then
            fail "ssl_stream-$b connected to a closed port"
        fi
        grep -q 'BIO_do_connect failed' "cr-$b.out" || fail "$b: no BIO_do_connect failure"
        # ERR_print_errors_fp printed at least one entry after the failure line.
        [ "$(grep -c ':error:' "cr-$b.out")" -ge 1 ] || fail "$b: no error queue entry printed"
    done
}

# compat_ext_text PEM: the version line and the extensions as `openssl x509 -text` prints
# them, key identifier values left out (the keys are fresh in every run).
compat_ext_text() {
    timeout 20 openssl x509 -in "$1" -noout -text \
        | sed -n '/Version:/p;/X509v3 extensions/,/Signature Algorithm/p' \
        | grep -vE '^ +([0-9A-F]{2}:){19}[0-9A-F]{2}$'
}

# compat_keyid PEM NAME: the hex of extension NAME's key identifier.
compat_keyid() {
    timeout 20 openssl x509 -in "$1" -noout -ext "$2" | sed -n '2p' | tr -d ' :'
}

# Certificates with the extensions IoT/WebRTC programs add (X509V3_set_ctx,
# X509V3_EXT_nconf_nid / X509V3_EXT_nconf, X509_add_ext), free-standing validity times
# (X509_gmtime_adj(NULL, ...)) and a v1 certificate (X509_set_version(x, 0)): the librdtls
# build's certificates verify (-x509_strict for the CA-signed one), print the same
# extensions and versions as the OpenSSL build's, each subjectKeyIdentifier is the SHA-1 of
# the public key (RFC 5280 §4.2.1.2 method 1) and the leaf's authorityKeyIdentifier is the
# CA's subjectKeyIdentifier.
test_compat_cert_ext() {
    compat_only_rdtls
    need openssl sha1sum
    compat_build cert_ext
    local b f point
    for b in rdtls openssl; do
        mkdir -p "ce-$b"
        timeout 20 "./cert_ext-$b" "ce-$b" > "ce-$b.out" || fail "cert_ext-$b failed"
        grep -qx 'cert_ext ok' "ce-$b.out" || fail "cert_ext-$b: no 'ok' line"
        grep -qx 'version v1.pem 0' "ce-$b.out" || fail "cert_ext-$b: v1 version"
        timeout 20 openssl verify -x509_strict -CAfile "ce-$b/ca.pem" "ce-$b/leaf.pem" \
            || fail "$b: leaf does not verify"
        timeout 20 openssl verify -CAfile "ce-$b/v1.pem" "ce-$b/v1.pem" \
            || fail "$b: v1 certificate does not verify"
        for f in ca leaf v1; do
            compat_ext_text "ce-$b/$f.pem" > "ce-$b/$f.txt"
        done
        for f in ca leaf; do
            point=$(timeout 20 openssl x509 -in "ce-$b/$f.pem" -noout -pubkey \
                | openssl pkey -pubin -outform DER | tail -c 65 | sha1sum | cut -c1-40)
            [ "$(compat_keyid "ce-$b/$f.pem" subjectKeyIdentifier | tr 'A-F' 'a-f')" = "$point" ] \
                || fail "$b: $f subjectKeyIdentifier is not the SHA-1 of its key"
        done
        [ "$(compat_keyid "ce-$b/leaf.pem" authorityKeyIdentifier)" = \
            "$(compat_keyid "ce-$b/ca.pem" subjectKeyIdentifier)" ] \
            || fail "$b: leaf authorityKeyIdentifier differs from the CA's key identifier"
    done
    for f in ca leaf v1; do
        diff "ce-openssl/$f.txt" "ce-rdtls/$f.txt" || fail "$f.pem differs from OpenSSL's"
    done
    grep -q 'Version: 1 (0x0)' ce-rdtls/v1.txt && ! grep -q X509v3 ce-rdtls/v1.txt \
        || fail "v1.pem is not a v1 certificate without extensions"
}

# The connect BIO, the SSL BIO over TCP and the certificate calls under valgrind: no
# invalid access, no definite leak (librdtls on both sides, the client non-blocking).
test_compat_ssl_stream_valgrind() {
    compat_only_rdtls
    need valgrind
    compat_build ssl_stream
    compat_build cert_ext
    local port
    PROC_TIMEOUT=300 start_bg srv "${VALGRIND[@]}" ./ssl_stream-rdtls server
    port=$(wait_port srv.out 120) || fail "server did not start"
    timeout 300 "${VALGRIND[@]}" ./ssl_stream-rdtls client "$port" 3 nbio > c.out 2> c.err \
        || { cat c.err; fail "client: valgrind errors or failure"; }
    grep -qx 'client ok 12' c.out || fail "client output"
    expect_exit srv 0 || { cat srv.err; fail "server: valgrind errors or failure"; }
    mkdir -p ce
    timeout 300 "${VALGRIND[@]}" ./cert_ext-rdtls ce > ce.out 2> ce.err \
        || { cat ce.err; fail "cert_ext: valgrind errors or failure"; }
}
