# rdtls top-level Makefile: builds librdtls (cargo), the C example programs, the C-level
# tests and the benchmark. See README.md.
#
#   make                 librdtls + the drop-in build/libssl.so.3 + programs in build/bin/
#   make dropin          only the drop-in libssl.so.3 (see README "Drop-in libssl.so.3")
#   make matrix          regenerate MATRIX.md (libssl symbols: implemented / stub / absent)
#   make demo            s_server + s_client on loopback, printing the handshake summary
#   make test            cargo fmt/clippy/test + C-level tests (ctests/run.sh) + fuzz-short
#   make ctest           only the C-level tests
#   make test-dccp       DTLS over DCCP in a Linux 6.1 VM (scripts/dccp-vm.sh)
#   make bench           bench/bench.c against OpenSSL and rdtls, with ratios and the crypto floor
#   make bench-scale     handshakes/s on 1 and 2 threads, memory at 10k/100k associations
#   make fuzz            each libFuzzer target for FUZZ_SECONDS (cargo-fuzz, stable toolchain)
#   make fuzz-short      each target for FUZZ_SHORT_SECONDS (part of make test; skipped,
#                        saying why, without cargo-fuzz)
#   make asan            C programs with -fsanitize=address through the C-level tests, and
#                        the C API fuzz targets under ASan (scripts/asan.sh)
#   make install PREFIX=/opt/rdtls
#   make examples RDTLS_BACKEND=openssl   same programs against the system OpenSSL,
#                                         into build/bin-openssl/ (also: ctest, demo)

RDTLS_BACKEND ?= rdtls
PREFIX ?= /usr/local
DESTDIR ?=
CARGO ?= cargo
BENCH_SECONDS ?= 2
CAPI_PKG ?= rdtls-capi
VERSION ?= 0.1.0
BUILD := build

CC ?= cc
CFLAGS ?= -O2 -g
WARN := -std=c99 -Wall -Wextra -Werror -pedantic
PTHREAD := -pthread

ifeq ($(RDTLS_BACKEND),openssl)
BINDIR := $(BUILD)/bin-openssl
CTDIR := $(BUILD)/ctests-openssl
BACKEND_CFLAGS :=
BACKEND_LIBS := -lssl -lcrypto
BACKEND_DEP :=
HEADER_CHECK :=
else ifeq ($(RDTLS_BACKEND),rdtls)
BINDIR := $(BUILD)/bin
CTDIR := $(BUILD)/ctests
BACKEND_CFLAGS := -Iinclude
# rpath: build/bin/* and build/ctests/* find build/librdtls.so one directory up.
BACKEND_LIBS := -L$(BUILD) -lrdtls -Wl,-rpath,'$$ORIGIN/..'
BACKEND_DEP := $(BUILD)/librdtls.so
HEADER_CHECK := header-check
else
$(error RDTLS_BACKEND must be rdtls or openssl, not '$(RDTLS_BACKEND)')
endif

EXAMPLES := s_server:rdtls-s_server s_client:rdtls-s_client \
	threaded_server:rdtls-threaded-server poll_server:rdtls-poll-server \
	mem_bio:rdtls-mem-bio echo_client:rdtls-echo-client dccp_echo:rdtls-dccp-echo
EXAMPLE_BINS := $(foreach e,$(EXAMPLES),$(BINDIR)/$(word 2,$(subst :, ,$(e))))
COMMON_SRC := c-examples/common.c c-examples/webrtc_opts.c c-examples/psk_opts.c \
	c-examples/cid_opts.c c-examples/dccp_sock.c c-examples/slot_index.c
COMMON_HDR := c-examples/common.h c-examples/webrtc_opts.h c-examples/psk_opts.h \
	c-examples/cid_opts.h c-examples/dccp_sock.h c-examples/slot_index.h

CTEST_SSL_BINS := $(CTDIR)/threads16 $(CTDIR)/null_args $(CTDIR)/verify_matrix $(CTDIR)/sni_prog \
	$(CTDIR)/srtp_media $(CTDIR)/info_seq $(CTDIR)/halfopen_flood $(CTDIR)/psk_unknown \
	$(CTDIR)/sess_cache_mode $(CTDIR)/group_choice $(CTDIR)/client_hello_frag \
	$(CTDIR)/cipher_cbc $(CTDIR)/sess_remove $(CTDIR)/write_block $(CTDIR)/hooks13 \
	$(CTDIR)/bench
CTEST_TOOL_BINS := $(CTDIR)/freeport $(CTDIR)/udp_sink $(CTDIR)/slot_index_check $(CTDIR)/mbedtls_srtp_client $(CTDIR)/bad_hello \
	$(CTDIR)/mbedtls_psk_client $(CTDIR)/wolfssl_client $(CTDIR)/mbedtls_psk_server
# rdtls's own API (include/rdtls/cid.h): connection IDs (ctests/t_cid.sh); DTLS 1.3 through
# the OpenSSL API (include/rdtls/dtls13.h, ctests/t_dtls13_capi.sh).
ifeq ($(RDTLS_BACKEND),rdtls)
CTEST_SSL_BINS += $(CTDIR)/cid_client $(CTDIR)/dtls13_api
endif
# Built against the system OpenSSL headers and libraries whatever the backend: the drop-in
# tests run them with LD_PRELOAD=build/libssl.so.3.
CTEST_DROPIN_BINS := $(CTDIR)/dropin_prog $(CTDIR)/dropin_sni_prog $(CTDIR)/dropin_api \
	$(CTDIR)/dropin_tlspass
DEMO_CERTS := $(BUILD)/demo-certs/ca.pem

.PHONY: all lib dropin matrix examples ctest-progs ctest test deps demo bench bench-scale certs install clean \
	api-used header-check fuzz fuzz-short asan FORCE

ifeq ($(RDTLS_BACKEND),rdtls)
all: lib dropin examples
else
all: examples
endif

# ---- librdtls --------------------------------------------------------------------------
# cargo decides what to rebuild; the copies only change (and relink users) when the
# library did.
lib: $(BUILD)/librdtls.so $(BUILD)/librdtls.a

$(BUILD)/librdtls.a: $(BUILD)/librdtls.so
	@:

$(BUILD)/librdtls.so: FORCE
	@mkdir -p $(BUILD)
	$(CARGO) build --release -p $(CAPI_PKG)
	@for f in librdtls.so librdtls.a; do \
		cmp -s target/release/$$f $(BUILD)/$$f || cp target/release/$$f $(BUILD)/$$f; \
	done

FORCE:

# ---- drop-in libssl.so.3 ---------------------------------------------------------------
# The same capi source with --features dropin, built as a static library in its own target
# directory (so the standalone artifacts above are not clobbered) and linked here: rustc's
# cdylib version script cannot carry symbol versions, ours does (scripts/dropin-map.sh:
# exactly OpenSSL's libssl names that we define, at OpenSSL's version nodes, all else local).
DROPIN_TARGET_DIR ?= target/dropin
DROPIN_ARCHIVE := $(DROPIN_TARGET_DIR)/release/librdtls.a
DROPIN_LDFLAGS := -shared -Wl,-soname,libssl.so.3 -Wl,-z,defs -Wl,--gc-sections \
	-Wl,-z,relro,-z,now
DROPIN_LIBS := -lcrypto -lpthread -ldl -lm

dropin: $(BUILD)/libssl.so.3

$(BUILD)/libssl.so.3: FORCE
	@mkdir -p $(BUILD)/dropin
	CARGO_TARGET_DIR=$(DROPIN_TARGET_DIR) $(CARGO) rustc --release -p $(CAPI_PKG) \
		--features dropin --crate-type staticlib
	sh scripts/dropin-map.sh $(DROPIN_ARCHIVE) > $(BUILD)/dropin/libssl.map
	$(CC) $(DROPIN_LDFLAGS) -o $(BUILD)/dropin/libssl.so.3 \
		-Wl,--whole-archive $(DROPIN_ARCHIVE) -Wl,--no-whole-archive \
		-Wl,--version-script=$(BUILD)/dropin/libssl.map $(DROPIN_LIBS)
	@cmp -s $(BUILD)/dropin/libssl.so.3 $@ || cp $(BUILD)/dropin/libssl.so.3 $@

matrix: dropin
	sh scripts/gen-matrix.sh > MATRIX.md

# ---- programs --------------------------------------------------------------------------
examples: $(EXAMPLE_BINS)

C_SOURCES := $(wildcard c-examples/*.c) ctests/threads16.c ctests/null_args.c ctests/sni_prog.c \
	ctests/halfopen_flood.c ctests/psk_unknown.c ctests/cipher_cbc.c bench/bench.c

# With -Iinclude a header missing from include/openssl/ silently falls back to the system
# OpenSSL's, mixing two sets of declarations: refuse to build when that would happen.
header-check:
	@for f in $(C_SOURCES); do \
		deps=$$($(CC) -std=c99 -Iinclude -M $$f 2>/dev/null | tr ' \\' '\n\n' \
			| grep -E '^/usr(/local)?/include/(x86_64-linux-gnu/)?openssl/'); \
		if [ -n "$$deps" ]; then \
			echo "$$f would use system OpenSSL headers missing from include/openssl/:"; \
			echo "$$deps" | sed 's/^/    /'; exit 1; \
		fi; \
	done

# The OpenSSL functions the C programs call (what librdtls must export for them).
api-used:
	@$(MAKE) -s examples ctest-progs $(BUILD)/bench-openssl RDTLS_BACKEND=openssl
	@nm -u $(BUILD)/bin-openssl/* $(BUILD)/ctests-openssl/threads16 \
		$(BUILD)/ctests-openssl/null_args $(BUILD)/bench-openssl | awk '{print $$2}' \
		| sed 's/@.*//' | grep -E '^(SSL|BIO|DTLS|ERR|X509|EVP|HMAC|RAND|OPENSSL|CRYPTO)' \
		| sort -u

define example_rule
$(BINDIR)/$(2): c-examples/$(1).c $(COMMON_SRC) $(COMMON_HDR) $(BACKEND_DEP) | $(HEADER_CHECK)
	@mkdir -p $$(BINDIR)
	$$(CC) $$(WARN) $$(CFLAGS) $$(BACKEND_CFLAGS) -o $$@ c-examples/$(1).c $$(COMMON_SRC) \
		$$(BACKEND_LIBS) $$(PTHREAD)
endef
$(foreach e,$(EXAMPLES),$(eval $(call example_rule,$(word 1,$(subst :, ,$(e))),$(word 2,$(subst :, ,$(e))))))

ctest-progs: $(CTEST_SSL_BINS) $(CTEST_TOOL_BINS) $(CTEST_DROPIN_BINS)

$(CTDIR)/%: ctests/%.c $(BACKEND_DEP) | $(HEADER_CHECK)
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) $(BACKEND_CFLAGS) -o $@ $< $(BACKEND_LIBS) $(PTHREAD)
# make bench's program, run for a moment by ctests (test_bench_runs) so a change that breaks
# the benchmark fails make test, not only the next make bench.
$(CTDIR)/bench: bench/bench.c $(BACKEND_DEP) | $(HEADER_CHECK)
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) $(BACKEND_CFLAGS) -o $@ $< $(BACKEND_LIBS) -ldl
# The C tests that join a client and a server by memory BIOs share ctests/mem_pair.h.
$(CTDIR)/sess_remove $(CTDIR)/sess_cache_mode $(CTDIR)/group_choice $(CTDIR)/psk_unknown: \
	ctests/mem_pair.h
$(CTDIR)/write_block $(CTDIR)/threads16 $(CTDIR)/sni_prog: ctests/mem_pair.h

# DTLS-SRTP media through libsrtp2 (Debian libsrtp2-dev).
$(CTDIR)/srtp_media: ctests/srtp_media.c $(BACKEND_DEP) | $(HEADER_CHECK)
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) $(BACKEND_CFLAGS) -o $@ $< $(BACKEND_LIBS) -lsrtp2 $(PTHREAD)

# The helpers use no TLS at all.
$(CTDIR)/freeport: ctests/freeport.c
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) -o $@ $<

$(CTDIR)/udp_sink: ctests/udp_sink.c
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) -o $@ $<

$(CTDIR)/slot_index_check: ctests/slot_index_check.c c-examples/slot_index.c c-examples/slot_index.h
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) -o $@ ctests/slot_index_check.c c-examples/slot_index.c

$(CTDIR)/bad_hello: ctests/bad_hello.c
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) -o $@ $<

$(CTDIR)/dropin_sni_prog: ctests/sni_prog.c
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) -o $@ $< -lssl -lcrypto

# The Mbed TLS peers share their boilerplate (ctests/mbedtls_common.[ch]).
MBEDTLS_COMMON := ctests/mbedtls_common.c ctests/mbedtls_common.h

# A Mbed TLS peer (Debian libmbedtls-dev) for the DTLS-SRTP interop tests.
$(CTDIR)/mbedtls_srtp_client: ctests/mbedtls_srtp_client.c $(MBEDTLS_COMMON)
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) -o $@ $< ctests/mbedtls_common.c -lmbedtls -lmbedx509 -lmbedcrypto

# A Mbed TLS PSK client for the PSK interop tests (t_psk.sh).
$(CTDIR)/mbedtls_psk_client: ctests/mbedtls_psk_client.c $(MBEDTLS_COMMON)
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) -o $@ $< ctests/mbedtls_common.c -lmbedtls -lmbedx509 -lmbedcrypto

# A Mbed TLS PSK server for the PSK interop tests (t_psk.sh).
$(CTDIR)/mbedtls_psk_server: ctests/mbedtls_psk_server.c $(MBEDTLS_COMMON)
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) -o $@ $< ctests/mbedtls_common.c -lmbedtls -lmbedx509 -lmbedcrypto

# A wolfSSL client for the CCM_8 / PSK interop tests (t_psk.sh; Debian libwolfssl-dev).
$(CTDIR)/wolfssl_client: ctests/wolfssl_client.c
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) -o $@ $< -lwolfssl

$(CTDIR)/dropin_%: ctests/dropin_%.c
	@mkdir -p $(CTDIR)
	$(CC) $(WARN) $(CFLAGS) -o $@ $< -lssl -lcrypto -ldl

# ---- certificates ----------------------------------------------------------------------
certs: $(DEMO_CERTS)

$(DEMO_CERTS): scripts/make-demo-certs.sh
	sh scripts/make-demo-certs.sh $(BUILD)/demo-certs

# ---- demo and tests --------------------------------------------------------------------
demo: all certs
	RDTLS_BACKEND=$(RDTLS_BACKEND) BINDIR=$(BINDIR) CERTDIR=$(BUILD)/demo-certs \
		sh scripts/demo.sh

deps:
	sh scripts/install-deps.sh

# The drop-in tests also run the example programs built against the system OpenSSL
# (build/bin-openssl) with LD_PRELOAD=build/libssl.so.3.
ifeq ($(RDTLS_BACKEND),rdtls)
CTEST_EXTRA := dropin-progs
endif

.PHONY: dropin-progs
dropin-progs:
	$(MAKE) examples ctest-progs RDTLS_BACKEND=openssl

ctest: all ctest-progs certs $(BUILD)/dtls13_udp $(CTEST_EXTRA)
	RDTLS_BACKEND=$(RDTLS_BACKEND) BINDIR=$(BINDIR) CTDIR=$(CTDIR) \
		CERTDIR=$(BUILD)/demo-certs BUILD=$(BUILD) bash ctests/run.sh

# Our DTLS 1.3 state machines on a UDP socket (examples/dtls13_udp.rs), the rdtls peer of
# ctests/t_dtls13.sh.
$(BUILD)/dtls13_udp: FORCE
	@mkdir -p $(BUILD)
	$(CARGO) build --release --example dtls13_udp
	@cmp -s target/release/examples/dtls13_udp $@ || cp target/release/examples/dtls13_udp $@

test: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) test --workspace
	$(MAKE) ctest
	$(MAKE) fuzz-short

# DTLS over DCCP (RFC 5238) in a Linux 6.1 VM (scripts/dccp-vm.sh): not part of `make test`;
# installs qemu-system-x86 and busybox-static when missing, downloads the kernel to build/dccp/.
.PHONY: test-dccp
test-dccp: all certs
	$(MAKE) examples RDTLS_BACKEND=openssl
	sh scripts/dccp-vm.sh

# ---- fuzzing ---------------------------------------------------------------------------
# libFuzzer via cargo-fuzz on the stable toolchain (scripts/fuzz.sh; nightly only for
# FUZZ_SANITIZER=address); `make test` also replays the saved corpus and crash inputs.
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh scripts/fuzz.sh

# The bounded pass CI runs (make test): 23 targets x 6 s = 2.3 min of fuzzing, after the
# fuzz crate's release build (several minutes the first time).
FUZZ_SHORT_SECONDS ?= 6
fuzz-short:
	FUZZ_SECONDS=$(FUZZ_SHORT_SECONDS) FUZZ_SHORT=1 sh scripts/fuzz.sh

# ---- AddressSanitizer ------------------------------------------------------------------
# The C programs again, instrumented, into build/asan/ (scripts/asan.sh runs them).
# Not CFLAGS=... on the sub-make's command line: make exports command-line variables, and
# cargo's build scripts (ring's C code) would then be built with ASan into librdtls itself.
ifeq ($(RDTLS_ASAN),1)
CFLAGS := -O1 -g -fsanitize=address -fno-omit-frame-pointer
endif
asan: all certs dropin-progs
	$(MAKE) examples ctest-progs RDTLS_BACKEND=rdtls RDTLS_ASAN=1 BINDIR=$(BUILD)/asan/bin \
		CTDIR=$(BUILD)/asan/ctests
	sh scripts/asan.sh

# ---- benchmark -------------------------------------------------------------------------
bench: $(BUILD)/bench-openssl $(BUILD)/bench-rdtls $(BUILD)/libcrypto_floor.so certs
	sh bench/run.sh $(BUILD)/bench-openssl $(BUILD)/bench-rdtls $(BUILD)/demo-certs \
		$(BENCH_SECONDS) $(BUILD)/libcrypto_floor.so

# ring's cost of one handshake and one record (bench/crypto_floor.rs): a shared library each
# bench binary loads and runs in its own process before its metrics.
$(BUILD)/libcrypto_floor.so: FORCE
	@mkdir -p $(BUILD)
	$(CARGO) build --release --example crypto_floor
	@cmp -s target/release/examples/libcrypto_floor.so $@ || \
		cp target/release/examples/libcrypto_floor.so $@

# Issue 12 item 5 (not part of make test; a minute or two): handshakes/s on 1 and 2 worker
# threads, memory of 10k and 100k established associations (bench/scale.rs).
# Over UDP: bench/scale_udp.rs against examples/udp_mt_server (SO_REUSEPORT workers, GSO).
bench-scale: certs
	$(CARGO) build --release --example scale --example udp_mt_server
	target/release/examples/scale $(BUILD)/demo-certs $(BENCH_SECONDS) 10000,100000 \
		--udp target/release/examples/udp_mt_server 10000,100000

$(BUILD)/bench-openssl: bench/bench.c
	@mkdir -p $(BUILD)
	$(CC) $(WARN) -O2 -g -o $@ $< -lssl -lcrypto -ldl

$(BUILD)/bench-rdtls: bench/bench.c $(BUILD)/librdtls.so | header-check
	$(CC) $(WARN) -O2 -g -Iinclude -o $@ $< -L$(BUILD) -lrdtls -ldl -Wl,-rpath,'$$ORIGIN'

# ---- install ---------------------------------------------------------------------------
# Headers go to PREFIX/include/rdtls/openssl/ so they never shadow the system OpenSSL's
# (rdtls's own, e.g. <rdtls/cid.h>, to PREFIX/include/rdtls/rdtls/); rdtls.pc adds
# -I PREFIX/include/rdtls.
install: lib
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include/rdtls/openssl
	install -m 0755 $(BUILD)/librdtls.so $(DESTDIR)$(PREFIX)/lib/librdtls.so
	install -m 0644 $(BUILD)/librdtls.a $(DESTDIR)$(PREFIX)/lib/librdtls.a
	install -m 0644 include/openssl/*.h $(DESTDIR)$(PREFIX)/include/rdtls/openssl/
	install -d $(DESTDIR)$(PREFIX)/include/rdtls/rdtls
	install -m 0644 include/rdtls/*.h $(DESTDIR)$(PREFIX)/include/rdtls/rdtls/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' rdtls.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/rdtls.pc
	@echo "installed into $(DESTDIR)$(PREFIX); compile with:"
	@echo "  cc prog.c \$$(PKG_CONFIG_PATH=$(PREFIX)/lib/pkgconfig pkg-config --cflags --libs rdtls)"

clean:
	rm -rf $(BUILD)
