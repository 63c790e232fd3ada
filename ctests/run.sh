#!/usr/bin/env bash
# ctests/run.sh - the C-level tests of rdtls (run by `make ctest` / `make test`).
#
# Environment: RDTLS_BACKEND=rdtls|openssl (which build of the programs to test: build/bin
# or build/bin-openssl), BINDIR, CTDIR, CERTDIR, BUILD (set by the Makefile), CTEST_FILTER
# (grep -E regex of test names to run), KEEP_WORK=1 (keep the work directories).
# Loopback only; every process runs under `timeout`; ports are chosen at run time.
# Ends with the line "N passed, M failed" and exits non-zero when a test failed.
set -u

here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=ctests/lib.sh
. "$here/lib.sh"
for f in "$here"/t_*.sh; do
    # shellcheck disable=SC1090
    . "$f"
done

echo "C-level tests: backend $RDTLS_BACKEND, programs in $BINDIR"
for p in rdtls-s_server rdtls-s_client rdtls-threaded-server rdtls-poll-server rdtls-mem-bio \
    rdtls-echo-client; do
    [ -x "$BINDIR/$p" ] || { echo "missing $BINDIR/$p (run make first)"; exit 2; }
done
for p in threads16 null_args freeport udp_sink; do
    [ -x "$CTDIR/$p" ] || { echo "missing $CTDIR/$p (run make ctest-progs first)"; exit 2; }
done
[ -f "$CERTDIR/ca.pem" ] || { echo "missing certificates in $CERTDIR (make certs)"; exit 2; }

# In-process programs.
run_test mem_bio
run_test mem_bio_fragmented
run_test threads16
run_test null_args
run_test bench_runs

# Our client against our server.
run_test ours_blocking
run_test ours_nbio
run_test ours_listen
run_test ours_listen_nbio
run_test ours_timeout_flag
run_test ours_no_cookie
run_test ours_rev
run_test ours_rsa_cert
run_test ours_cipher
run_test ours_sni
run_test ours_client_cert_required
run_test ours_client_cert_missing
run_test ours_wrong_ca
run_test ours_mtu_big_chain
run_test ours_msg_keylog
run_test ours_two_connections
run_test ours_two_connections_listen
run_test ours_ipv6

# Interoperability with OpenSSL's and GnuTLS's command-line tools.
run_test openssl_server_blocking
run_test openssl_server_nbio
run_test openssl_server_mtu
run_test openssl_server_client_cert
run_test openssl_client_blocking
run_test openssl_client_listen_nbio
run_test openssl_client_client_cert
run_test gnutls_server
run_test gnutls_server_nbio
run_test gnutls_client
run_test gnutls_client_listen

# Multi-client servers.
run_test threaded_server_3_clients
run_test poll_server_6_clients
run_test poll_server_openssl_client

# Nobody answers.
run_test blackhole_nbio
run_test blackhole_blocking

# Unauthenticated junk before the first ClientHello (t_policy.sh).
run_test policy_s_server_empty_record_seq1000
run_test policy_s_server_fifty_empty_records

# Memory checking.
run_test valgrind_mem_bio
run_test valgrind_mem_bio_13
run_test valgrind_client_server

# Installation and pkg-config.
run_test install_pkg_config

# The drop-in libssl.so.3 (t_dropin.sh): ELF interface, the stock openssl binary on it,
# programs built against the system OpenSSL with LD_PRELOAD.
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test dropin_elf
    run_test dropin_bind_now
    run_test dropin_matrix_fresh
    run_test dropin_c_program
    run_test dropin_s_server_openssl_client
    run_test dropin_s_server_listen_nbio_timeout
    run_test dropin_s_server_verify_client
    run_test dropin_s_server_cipher
    run_test dropin_s_server_mtu
    run_test dropin_s_server_gnutls_client
    run_test dropin_s_client_openssl_server
    run_test dropin_s_client_nbio_timeout_listen
    run_test dropin_s_client_verify_client
    run_test dropin_s_client_cipher
    run_test dropin_s_client_mtu
    run_test dropin_s_client_gnutls_server
    run_test dropin_s_client_both_ours
    run_test dropin_s_client_retransmits
    run_test dropin_s_client_tls_refused
    run_test dropin_prog_ours_blocking
    run_test dropin_prog_ours_nbio
    run_test dropin_prog_ours_listen
    run_test dropin_prog_ours_listen_nbio
    run_test dropin_prog_ours_timeout_flag
    run_test dropin_prog_client_cert_required
    run_test dropin_prog_mtu_big_chain
    run_test dropin_prog_mem_bio
    run_test dropin_prog_blackhole_blocking
    run_test dropin_prog_blackhole_nbio
    run_test dropin_prog_poll_server
    run_test dropin_prog_threaded_server
    run_test dropin_policy_s_server_empty_record_seq1000
    run_test dropin_policy_s_server_fifty_empty_records
fi

# Issue 15 items 3, 4, 5, 7 (t_hardening.sh).
run_test hard_client_survives_econnrefused
run_test hard_client_survives_econnrefused_nbio
run_test hard_ecdsa_server_x25519_only_client
run_test hard_poll_server_halfopen_flood
run_test hard_threaded_server_halfopen_flood
run_test hard_s_server_idle_timeout
run_test hard_s_server_idle_timeout_nbio
run_test hard_s_client_sess_out_in
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test hard_dropin_s_client_reconnect
    run_test hard_dropin_s_client_survives_econnrefused
    run_test hard_valgrind_dropin_load
    run_test hard_valgrind_dropin_s_server_s_client
    run_test hard_dropin_s_client_sess_out_in
fi

# The certificate matrix (t_verify_matrix.sh): OpenSSL vs standalone vs drop-in.
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test verify_matrix
    run_test verify_dropin_s_client_hostname
    run_test verify_param_host
    run_test verify_server_side
    run_test verify_partial_chain
    # The table is part of the test output whether the test passed or not.
    [ -f "$WORKROOT/verify_matrix/table.txt" ] && cat "$WORKROOT/verify_matrix/table.txt"
fi

# Server-side SNI and the session policy (t_sni.sh, issue 7 items 4 and 5).
run_test sni_openssl_s_client
run_test sni_gnutls_cli
run_test sni_servername_fatal
run_test sni_resumption_same_name_only
run_test sni_callbacks_c_program
run_test sni_callbacks_c_program_13
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test dropin_sni_openssl_s_server
    run_test dropin_sni_callbacks_c_program
fi

# Legacy programs from Debian's archive on the drop-in (t_dropin_api.sh, t_legacy.sh,
# issue 8).
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test dropin_no_absent_symbol
    run_test dropin_elf_importers
    dropin_importers_list
    run_test dropin_coturn_starts
    run_test dropin_libcoap_starts
    run_test dropin_api_same_as_openssl
    run_test dropin_serverpref_same_as_openssl
    run_test dropin_client_order_same_as_openssl
    run_test legacy_socat_client_stock_server
    run_test legacy_socat_client_dropin_server
    run_test legacy_ncat_client_stock_server
    run_test legacy_ncat_client_dropin_server
    run_test legacy_socat_listen_stock_client
    run_test legacy_socat_listen_dropin_client
    run_test legacy_socat_client_cert_stock_server
    run_test legacy_coturn_dropin_server
    run_test legacy_coturn_dropin_client
    run_test legacy_coturn_both_dropin
    run_test legacy_coap_dropin_server
    run_test legacy_coap_dropin_client
    legacy_table
fi


# DTLS-SRTP and ALPN interop (t_srtp.sh, t_alpn.sh): every profile both ways against OpenSSL,
# the AES-CM profiles against GnuTLS, identical exported keying material.
for t in openssl_server_aes128_cm_80 openssl_server_aes128_cm_32 openssl_server_aead_128 \
    openssl_server_aead_256 openssl_server_preference openssl_client_aes128_cm_80 \
    openssl_client_aes128_cm_32 openssl_client_aead_128 openssl_client_aead_256 \
    openssl_client_preference openssl_no_common_profile gnutls_server_aes128_cm_80 \
    gnutls_server_aes128_cm_32 gnutls_client_aes128_cm_80 gnutls_client_aes128_cm_32 \
    mbedtls_client_aes128_cm_80 mbedtls_client_aes128_cm_32; do
    run_test "srtp_$t"
done
for t in openssl_server openssl_server_mismatch openssl_client openssl_client_mismatch \
    gnutls_server; do
    run_test "alpn_$t"
done
# The info callback sequence and state strings as OpenSSL's (t_info.sh).
run_test info_callback_sequence
run_test info_callback_sequence_cookie
run_test info_callback_failure
run_test info_msg_callback_sequence
run_test info_callback_sequence_read
run_test info_callback_sequence_listen
# SRTP media through libsrtp2 (t_srtp_media.sh): 1000 RTP packets each way per profile.
for t in ours ours_server ours_client; do
    for p in SRTP_AES128_CM_SHA1_80 SRTP_AES128_CM_SHA1_32 SRTP_AEAD_AES_128_GCM \
        SRTP_AEAD_AES_256_GCM; do
        run_test "srtp_media_${t}_$p"
    done
done
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test dropin_srtp_s_server
    run_test dropin_srtp_s_client
fi
# TLS passthrough to the system libssl under the drop-in (t_tlspass.sh, issue 8 item 2).
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test tlspass_s_server_s_client
    run_test tlspass_tls_and_dtls_one_process
    run_test tlspass_disabled_by_env
    run_test tlspass_socat_tls_to_dtls
    run_test tlspass_coturn_tls_and_dtls
fi

# A new client after an aborted one on one socket, RFC 6347 4.2.8 (t_newassoc.sh).
run_test newassoc_s_server_ours_clients
run_test newassoc_s_server_openssl_clients
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test dropin_newassoc_openssl_s_server
fi
# Renegotiation requests from stock OpenSSL peers, refused (t_reneg.sh).
run_test reneg_openssl_client_refused
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test reneg_openssl_server_refused
fi
# Renegotiation that happens, with OpenSSL and GnuTLS peers (t_reneg2.sh).
for t in openssl_client_R rdtls_server_R rdtls_client_R openssl_server_R \
    gnutls_server_rehandshake openssl_client_R_data_in_flight; do
    run_test "reneg2_$t"
done
run_test info_callback_sequence_reneg
if [ "$RDTLS_BACKEND" = rdtls ]; then
    # OpenSSL 3.0 answers gnutls-cli's renegotiating ClientHello by resending its final
    # flight (gnutls-cli hangs): rdtls only.
    run_test reneg2_gnutls_client_rehandshake
fi

# Malformed use_srtp / ALPN in a ClientHello: the same alert as openssl s_server (t_bad_hello.sh).
for t in srtp_odd_list srtp_mki_overrun srtp_empty_list alpn_empty_list alpn_empty_name \
    srtp_well_formed; do
    run_test "bad_hello_$t"
done

# PSK and AES-CCM against OpenSSL / GnuTLS tools (t_psk.sh).
for s in $PSK_SUITES $CCM_SUITES; do
    n=${s//-/_}
    case $s in
    PSK-* | ECDHE-PSK-*) k=psk ;;
    *) k=ccm ;;
    esac
    run_test "${k}_openssl_server_$n"
    run_test "${k}_openssl_client_$n"
done
for s in $PSK_SUITES; do
    run_test "psk_gnutls_server_${s//-/_}"
    run_test "psk_gnutls_client_${s//-/_}"
    run_test "psk_mbedtls_client_${s//-/_}"
done
run_test psk_without_callback_offers_nothing
run_test psk_unknown_identity_alert
run_test wolfssl_client_ECDHE_ECDSA_AES128_CCM8
run_test wolfssl_client_PSK_CHACHA20_POLY1305
for s in $PSK_SUITES; do
    run_test "psk_mbedtls_server_${s//-/_}"
done

# The compat corpus and header checks (t_compat.sh, issue 16).
for t in headers_exported prototypes legacy_init webrtc_cert echo_rdtls_server_openssl_client \
    echo_openssl_server_rdtls_client echo_rdtls_both bio_method_rdtls_server_openssl_client \
    bio_method_openssl_server_rdtls_client ssl_bio_rdtls_server_openssl_client \
    ssl_bio_openssl_server_rdtls_client; do
    run_test "compat_$t"
done
# The SSL BIO over a TCP stream: the connect BIO, DTLS record framing (issue 16 item 1);
# certificates with more extensions, v1, free-standing times (items 2, 3).
for t in ssl_stream_rdtls_server_openssl_client ssl_stream_openssl_server_rdtls_client \
    ssl_stream_rdtls_both ssl_stream_nbio_rdtls_client ssl_stream_nbio_openssl_client \
    ssl_stream_split_records ssl_stream_dropin_split_records \
    ssl_stream_connect_refused cert_ext ssl_stream_valgrind; do
    run_test "compat_$t"
done

# tinydtls through DTLSSocket (t_tinydtls.sh, issue 11).
run_test tinydtls_client_PSK_AES128_CCM8
run_test tinydtls_server_PSK_AES128_CCM8

# ECDHE-ECDSA AES-CCM(_8) vs GnuTLS and Mbed TLS, both directions (t_ccm_ecdsa_interop.sh).
for s in $CCM_ECDSA_SUITES; do
    for t in gnutls_server gnutls_client mbedtls_server mbedtls_client; do
        run_test "ccm_ecdsa_${t}_${s//-/_}"
    done
done

# Group / signature algorithm / cipher choice as stock s_server (t_server_choice.sh, issue 8).
for t in groups_clientpref groups_serverpref sigalgs_clientpref sigalgs_serverpref ciphers \
    group_api_as_openssl group_api_13; do
    run_test "server_choice_$t"
done
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test server_choice_groups_unimplemented_skipped
fi

# Connection IDs (t_cid.sh, issue 13).
run_test cid_poll_server_rebind
run_test cid_poll_server_rebind_zero_length
run_test cid_poll_server_rebind_dtls13
run_test cid_poll_server_rebind_dtls13_zero_length
run_test cid_wolfssl_client
run_test cid_wolfssl_client_zero_length
run_test cid_wolfssl_client_dtls13
run_test cid_wolfssl_client_dtls13_zero_length
run_test cid_wolfssl_server
run_test cid_wolfssl_server_zero_length
run_test cid_s_server_rebind
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test dropin_prog_cid_poll_server
    run_test dropin_prog_cid_poll_server_dtls13
    run_test dropin_prog_cid_s_server
fi
# SSL_SESS_CACHE_NO_INTERNAL_STORE / _LOOKUP as OpenSSL (t_sess_cache_mode.sh).
run_test sess_cache_mode_as_openssl
# DTLS over DCCP on the host (t_dccp.sh, issue 14; the VM runs are `make test-dccp`).
run_test dccp_echo_pair
run_test dccp_options
# The client-hello callback on a fragmented and a one-datagram ClientHello, as OpenSSL
# (t_client_hello_frag.sh, issue 8).
run_test client_hello_frag_fragmented
run_test client_hello_frag_one_datagram
run_test client_hello_frag_cookie
run_test client_hello_frag_reneg
run_test client_hello_frag_retry
# SSL_CTX_sess_set_remove_cb and SSL_SESS_CACHE_NO_AUTO_CLEAR as OpenSSL (t_sess_remove.sh,
# issue 8).
run_test sess_remove_as_openssl

# The ECDHE-PSK AES-CBC suites with encrypt_then_mac, and -no_etm peers (t_psk_cbc.sh).
for s in $CBC_SUITES; do
    run_test "psk_cbc_openssl_server_${s//-/_}"
    run_test "psk_cbc_openssl_client_${s//-/_}"
    run_test "psk_cbc_gnutls_server_${s//-/_}"
    run_test "psk_cbc_gnutls_client_${s//-/_}"
    run_test "psk_cbc_mbedtls_client_${s//-/_}"
    run_test "psk_cbc_mbedtls_server_${s//-/_}"
done
run_test psk_cbc_no_etm_openssl_client
run_test psk_cbc_no_etm_openssl_server
run_test psk_cbc_our_client_no_etm
run_test psk_cbc_our_server_no_etm
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test psk_cbc_dropin_s_server
    run_test psk_cbc_dropin_s_client
fi
run_test psk_cbc_cipher_api_as_openssl
# The poll server's indexes: CID hash, deadline heap, slot lists (t_slot_index.sh, issue 12).
run_test slot_index_against_models
# SSL_write into a BIO that cannot take data: WANT_WRITE and retry, as OpenSSL
# (t_write_block.sh, issue 9 item 6).
run_test write_block_as_openssl
# DTLS 1.3 against wolfSSL's example client and server (t_dtls13.sh, issue 13).
for s in $DTLS13_SUITES; do
    for t in server_${s}_hrr server_${s}_no_hrr client_${s}_cookie client_${s}_no_cookie; do
        run_test "dtls13_wolfssl_$t"
    done
done
run_test dtls13_wolfssl_server_p256_no_hrr
run_test dtls13_wolfssl_server_group_hrr
run_test dtls13_wolfssl_client_group_hrr
run_test dtls13_wolfssl_client_key_update
run_test dtls13_wolfssl_client_loss_10
run_test dtls13_wolfssl_client_loss_30
run_test dtls13_wolfssl_server_loss_10
run_test dtls13_wolfssl_server_loss_30
run_test dtls13_wolfssl_server_key_update
run_test dtls13_wolfssl_client_small_mtu
run_test dtls13_wolfssl_server_resumption
run_test dtls13_wolfssl_client_resumption
run_test dtls13_wolfssl_client_resumption_cookie
run_test dtls13_wolfssl_server_cid
run_test dtls13_wolfssl_server_cid_zero_length
run_test dtls13_wolfssl_client_cid
run_test dtls13_wolfssl_client_cid_zero_length
run_test dtls13_wolfssl_server_new_connection_id
# DTLS 1.3 from C: the OpenSSL API, the ports (-dtls1_3), 1.3-enabled clients against 1.2
# peers (t_dtls13_capi.sh, issue 13).
run_test dtls13_capi_api
run_test hooks13_listen_callbacks_13
run_test hooks13_listen_callbacks_12_like_openssl
run_test hooks13_s_server_listen_13
run_test hooks13_s_server_listen_dual
run_test dtls13_capi_resumption
run_test dtls13_capi_s_client_sess_out_in
run_test dtls13_ports_ours
run_test dtls13_ports_ours_env
run_test dtls13_ports_default_is_13
run_test dtls13_ports_wolfssl_server
run_test dtls13_ports_wolfssl_client
run_test dtls13_enabled_client_openssl_server
run_test dtls13_enabled_client_gnutls_server
run_test dtls13_ports_openssl_refuses
if [ "$RDTLS_BACKEND" = rdtls ]; then
    run_test dtls13_dropin_openssl_s_client_env
    run_test dtls13_dropin_openssl_sess_out_in
    run_test dtls13_dropin_ports_env
fi
# DTLS 1.3 by default on DTLS_method, the fallback to 1.2 with OpenSSL 3.0 and GnuTLS, and
# RDTLS_MAX_PROTO=DTLSv1.2 as the operator's pin (t_default13.sh, issue 13).
if [ "$RDTLS_BACKEND" = rdtls ]; then
    for t in dropin_openssl_s_client client_openssl_server_dtls \
        dropin_openssl_s_client_openssl_server client_gnutls_server env_pins_12_client \
        env_pins_12_server dropin_env_pins_12; do
        run_test "default13_$t"
    done
fi

summary
