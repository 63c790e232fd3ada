# shellcheck shell=bash
# `make install PREFIX=...` then `cc prog.c $(pkg-config --cflags --libs rdtls)` and run it.

test_install_pkg_config() {
    local prefix="$PWD/prefix"
    [ "$RDTLS_BACKEND" = rdtls ] || skip "needs librdtls (backend $RDTLS_BACKEND)"
    need pkg-config
    make -s -C "$CT_ROOT" install PREFIX="$prefix" > install.log 2>&1 ||
        { cat install.log; fail "make install failed"; }
    [ -f "$prefix/include/rdtls/openssl/ssl.h" ] || fail "headers not installed"
    [ -f "$prefix/lib/librdtls.a" ] || fail "static library not installed"
    cat > prog.c <<'C'
#include <stdio.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
int main(void)
{
    SSL_CTX *ctx = SSL_CTX_new(DTLS_client_method());
    SSL *ssl = ctx ? SSL_new(ctx) : NULL;
    if (ssl == NULL) { ERR_print_errors_fp(stderr); return 1; }
    printf("pkg-config build works: %s\n", SSL_get_version(ssl));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    return 0;
}
C
    # shellcheck disable=SC2046
    cc -std=c99 -Wall -Wextra -Werror -o prog prog.c \
        $(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs rdtls) ||
        fail "compiling with pkg-config flags failed"
    ldd prog | grep -q "$prefix/lib/librdtls.so" || { ldd prog; fail "prog does not use the installed librdtls"; }
    ldd prog | grep -q 'libssl\.so' && fail "prog also links the system libssl"
    timeout 10 ./prog || fail "prog failed"
}
