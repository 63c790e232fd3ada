//! Every exported libcrypto-side function, called with NULL for each pointer argument, returns
//! its documented failure value and does not crash (DESIGN: "no input from a C caller ever
//! panics, crashes, reads out of bounds").
use std::ffi::{c_char, c_void};
use std::ptr::{null, null_mut};

use crate::bio::addr::*;
use crate::bio::exports::*;
use crate::bio::meth::*;
use crate::crypto::digest::*;
use crate::crypto::hmac::*;
use crate::crypto::mem::*;
use crate::crypto::pkey::*;
use crate::crypto::rand::*;
use crate::error::exports::*;
use crate::exdata::*;
use crate::x509::asn1::*;
use crate::x509::name::*;
use crate::x509::pem::*;
use crate::x509::stack::*;
use crate::x509::store::*;
use crate::x509::*;

const N: *mut c_void = null_mut();

#[test]
fn bio_functions_tolerate_null() {
    assert!(BIO_new(null()).is_null());
    assert_eq!(BIO_free(null_mut()), 0);
    BIO_vfree(null_mut());
    BIO_free_all(null_mut());
    assert_eq!(BIO_up_ref(null_mut()), 0);
    assert_eq!(BIO_read(null_mut(), N, 10), -1);
    let mut buf = [0u8; 4];
    assert_eq!(BIO_read(null_mut(), buf.as_mut_ptr().cast(), 4), -1);
    assert_eq!(
        BIO_read_ex(null_mut(), buf.as_mut_ptr().cast(), 4, null_mut()),
        0
    );
    assert_eq!(BIO_write(null_mut(), buf.as_ptr().cast(), 4), -1);
    assert_eq!(BIO_write(null_mut(), null(), 4), -1);
    assert_eq!(
        BIO_write_ex(null_mut(), buf.as_ptr().cast(), 4, null_mut()),
        0
    );
    assert_eq!(BIO_puts(null_mut(), null()), -1);
    assert_eq!(BIO_puts(null_mut(), b"x\0".as_ptr().cast()), -1);
    assert_eq!(BIO_gets(null_mut(), null_mut(), 4), -1);
    assert_eq!(BIO_ctrl(null_mut(), 1, 0, N), 0);
    assert_eq!(BIO_int_ctrl(null_mut(), 1, 0, 0), 0);
    assert!(BIO_ptr_ctrl(null_mut(), 1, 0).is_null());
    assert_eq!(BIO_callback_ctrl(null_mut(), 14, None), 0);
    assert_eq!(BIO_ctrl_pending(null_mut()), 0);
    assert_eq!(BIO_ctrl_wpending(null_mut()), 0);
    assert_eq!(BIO_ctrl_get_write_guarantee(null_mut()), 0);
    assert_eq!(BIO_ctrl_get_read_request(null_mut()), 0);
    assert!(BIO_push(null_mut(), null_mut()).is_null());
    assert!(BIO_pop(null_mut()).is_null());
    assert!(BIO_next(null_mut()).is_null());
    BIO_set_next(null_mut(), null_mut());
    assert!(BIO_find_type(null_mut(), 0).is_null());
    assert!(BIO_get_retry_BIO(null_mut(), null_mut()).is_null());
    assert_eq!(BIO_get_retry_reason(null_mut()), 0);
    BIO_set_retry_reason(null_mut(), 1);
    BIO_copy_next_retry(null_mut());
    assert!(BIO_new_mem_buf(null(), -1).is_null());
    assert!(BIO_new_mem_buf(null(), 5).is_null());
    assert!(BIO_new_fp(null_mut(), 0).is_null());
    assert!(BIO_new_file(null(), null()).is_null());
    assert!(BIO_new_file(
        b"/nonexistent/rdtls\0".as_ptr().cast(),
        b"r\0".as_ptr().cast()
    )
    .is_null());
    assert_eq!(BIO_new_bio_dgram_pair(null_mut(), 0, null_mut(), 0), 0);
    BIO_set_data(null_mut(), N);
    assert!(BIO_get_data(null_mut()).is_null());
    BIO_set_init(null_mut(), 1);
    assert_eq!(BIO_get_init(null_mut()), 0);
    BIO_set_shutdown(null_mut(), 1);
    assert_eq!(BIO_get_shutdown(null_mut()), 0);
    BIO_set_flags(null_mut(), 1);
    BIO_clear_flags(null_mut(), 1);
    assert_eq!(BIO_test_flags(null(), 1), 0);
    assert_eq!(BIO_method_type(null()), 0);
    assert!(BIO_method_name(null()).is_null());
    assert_eq!(BIO_set_ex_data(null_mut(), 1, N), 0);
    assert!(BIO_get_ex_data(null(), 1).is_null());
    assert_eq!(BIO_number_read(null_mut()), 0);
    assert_eq!(BIO_number_written(null_mut()), 0);
    let m = BIO_meth_new(1, null());
    assert!(!m.is_null());
    BIO_meth_free(m);
    BIO_meth_free(null_mut());
    assert_eq!(BIO_meth_set_write(null_mut(), None), 0);
    assert_eq!(BIO_meth_set_write_ex(null_mut(), None), 0);
    assert_eq!(BIO_meth_set_read(null_mut(), None), 0);
    assert_eq!(BIO_meth_set_read_ex(null_mut(), None), 0);
    assert_eq!(BIO_meth_set_puts(null_mut(), None), 0);
    assert_eq!(BIO_meth_set_gets(null_mut(), None), 0);
    assert_eq!(BIO_meth_set_ctrl(null_mut(), None), 0);
    assert_eq!(BIO_meth_set_create(null_mut(), None), 0);
    assert_eq!(BIO_meth_set_destroy(null_mut(), None), 0);
    assert_eq!(BIO_meth_set_callback_ctrl(null_mut(), None), 0);
    BIO_ADDR_free(null_mut());
    BIO_ADDR_clear(null_mut());
    assert_eq!(BIO_ADDR_family(null()), -1);
    assert_eq!(BIO_ADDR_rawaddress(null(), N, null_mut()), 0);
    assert_eq!(BIO_ADDR_rawport(null()), 0);
    assert_eq!(BIO_ADDR_rawmake(null_mut(), libc::AF_INET, null(), 4, 0), 0);
    let a = BIO_ADDR_new();
    assert_eq!(BIO_ADDR_rawmake(a, libc::AF_INET, null(), 4, 0), 0);
    BIO_ADDR_free(a);
    crate::error::clear();
}

#[test]
fn err_functions_tolerate_null() {
    crate::error::clear();
    crate::error::put_error(20, 1, "x");
    assert_ne!(
        ERR_peek_error_all(null_mut(), null_mut(), null_mut(), null_mut(), null_mut()),
        0
    );
    assert_ne!(
        ERR_get_error_line_data(null_mut(), null_mut(), null_mut(), null_mut()),
        0
    );
    ERR_error_string_n(1, null_mut(), 10);
    ERR_error_string_n(1, null_mut(), 0);
    ERR_print_errors_cb(None, N);
    ERR_print_errors_fp(null_mut());
    ERR_print_errors(null_mut());
    ERR_set_debug(null(), 0, null());
    ERR_set_error_data(null_mut(), 1);
    rdtls_err_set_error_text(1, 1, null());
    rdtls_err_add_error_text(null());
    ERR_put_error(1, 0, 1, null(), 0);
    assert_eq!(ERR_load_strings(0, N), 1);
    ERR_remove_thread_state(N);
    crate::error::clear();
}

#[test]
fn crypto_functions_tolerate_null() {
    crate::error::clear();
    CRYPTO_free(N, null(), 0);
    CRYPTO_clear_free(N, 10, null(), 0);
    assert!(CRYPTO_strdup(null(), null(), 0).is_null());
    assert!(CRYPTO_strndup(null(), 3, null(), 0).is_null());
    assert!(CRYPTO_memdup(null(), 3, null(), 0).is_null());
    assert!(CRYPTO_realloc(N, 0, null(), 0).is_null());
    OPENSSL_cleanse(N, 10);
    assert_eq!(CRYPTO_memcmp(null(), null(), 4), 1);
    assert_eq!(CRYPTO_memcmp(null(), null(), 0), 0);
    assert_eq!(RAND_bytes(null_mut(), 4), 0);
    assert_eq!(RAND_bytes(null_mut(), -1), 0);
    assert_eq!(RAND_priv_bytes(null_mut(), 4), 0);
    assert_eq!(RAND_pseudo_bytes(null_mut(), 4), 0);
    RAND_seed(null(), 4);
    assert!(EVP_get_digestbyname(null()).is_null());
    assert!(EVP_get_digestbyname(b"md4\0".as_ptr().cast()).is_null());
    assert_eq!(EVP_MD_get_size(null()), -1);
    assert_eq!(EVP_MD_get_block_size(null()), -1);
    assert_eq!(EVP_MD_get_type(null()), 0);
    assert!(EVP_MD_get0_name(null()).is_null());
    assert_eq!(EVP_Digest(null(), 0, null_mut(), null_mut(), null(), N), 0);
    assert_eq!(
        EVP_Digest(
            null(),
            3,
            [0u8; 64].as_mut_ptr(),
            null_mut(),
            EVP_sha256(),
            N
        ),
        0
    );
    EVP_MD_CTX_free(null_mut());
    assert_eq!(EVP_DigestInit_ex(null_mut(), EVP_sha256(), N), 0);
    assert_eq!(EVP_DigestUpdate(null_mut(), null(), 0), 0);
    assert_eq!(EVP_DigestFinal_ex(null_mut(), null_mut(), null_mut()), 0);
    let ctx = EVP_MD_CTX_new();
    assert_eq!(
        EVP_DigestUpdate(ctx, b"x".as_ptr().cast(), 1),
        0,
        "update before init"
    );
    assert_eq!(EVP_DigestInit(ctx, null()), 0);
    EVP_MD_CTX_free(ctx);
    assert!(EVP_MD_CTX_get0_md(null()).is_null());
    assert!(HMAC(null(), null(), 0, null(), 0, null_mut(), null_mut()).is_null());
    assert!(HMAC(EVP_sha256(), null(), 4, null(), 0, null_mut(), null_mut()).is_null());
    HMAC_CTX_free(null_mut());
    assert_eq!(HMAC_CTX_reset(null_mut()), 0);
    assert_eq!(HMAC_Init_ex(null_mut(), null(), 0, null(), N), 0);
    let h = HMAC_CTX_new();
    assert_eq!(HMAC_Init_ex(h, null(), 0, EVP_sha256(), N), 0, "no key yet");
    assert_eq!(HMAC_Update(h, null(), 0), 0);
    assert_eq!(HMAC_Final(h, null_mut(), null_mut()), 0);
    HMAC_CTX_free(h);
    assert_eq!(HMAC_Update(null_mut(), null(), 0), 0);
    assert_eq!(HMAC_Final(null_mut(), null_mut(), null_mut()), 0);
    assert_eq!(HMAC_size(null()), 0);
    assert!(HMAC_CTX_get_md(null()).is_null());
    assert!(crate::crypto::digest::SHA256(null(), 3, null_mut()).is_null());
    EVP_PKEY_free(null_mut());
    assert_eq!(EVP_PKEY_up_ref(null_mut()), 0);
    assert_eq!(EVP_PKEY_get_id(null()), 0);
    assert_eq!(EVP_PKEY_get_base_id(null()), 0);
    assert_eq!(EVP_PKEY_get_bits(null()), 0);
    assert_eq!(EVP_PKEY_get_size(null()), 0);
    assert_eq!(EVP_PKEY_get_security_bits(null()), 0);
    assert!(d2i_PrivateKey(6, null_mut(), null_mut(), 10).is_null());
    assert!(d2i_AutoPrivateKey(null_mut(), null_mut(), 10).is_null());
    let mut p: *const u8 = null();
    assert!(d2i_AutoPrivateKey(null_mut(), &mut p, 10).is_null());
    let junk = [0xFFu8; 8];
    let mut q = junk.as_ptr();
    assert!(d2i_AutoPrivateKey(null_mut(), &mut q, 8).is_null());
    assert!(d2i_AutoPrivateKey(null_mut(), &mut q, -1).is_null());
    assert_eq!(CRYPTO_set_ex_data(null_mut(), 1, N), 0);
    assert!(CRYPTO_get_ex_data(null(), 1).is_null());
    assert_eq!(CRYPTO_free_ex_index(99, 1), 0);
    crate::error::clear();
}

#[test]
fn x509_functions_tolerate_null() {
    crate::error::clear();
    X509_free(null_mut());
    assert_eq!(X509_up_ref(null_mut()), 0);
    assert!(X509_dup(null()).is_null());
    assert!(d2i_X509(null_mut(), null_mut(), 10).is_null());
    let mut p: *const u8 = null();
    assert!(d2i_X509(null_mut(), &mut p, 10).is_null());
    assert_eq!(i2d_X509(null(), null_mut()), -1);
    assert!(X509_get_subject_name(null()).is_null());
    assert!(X509_get_issuer_name(null()).is_null());
    assert!(X509_get_serialNumber(null_mut()).is_null());
    assert!(X509_get0_serialNumber(null()).is_null());
    assert!(X509_get0_pubkey(null()).is_null());
    assert!(X509_get_pubkey(null_mut()).is_null());
    assert_eq!(X509_check_private_key(null(), null()), 0);
    assert_eq!(X509_digest(null(), null(), null_mut(), null_mut()), 0);
    assert_eq!(
        X509_pubkey_digest(null(), null(), null_mut(), null_mut()),
        0
    );
    assert_eq!(X509_cmp(null(), null()), 0);
    assert_eq!(X509_set_ex_data(null_mut(), 1, N), 0);
    assert!(X509_get_ex_data(null(), 1).is_null());
    assert!(!X509_verify_cert_error_string(-5).is_null());
    let text = X509_NAME_oneline(null(), null_mut(), 0);
    assert!(!text.is_null());
    crate::crypto::mem::free(text.cast());
    assert_eq!(X509_NAME_print_ex(null_mut(), null(), 0, 0), -1);
    assert_eq!(X509_NAME_print_ex_fp(null_mut(), null(), 0, 0), -1);
    assert_eq!(X509_NAME_entry_count(null()), 0);
    assert_eq!(X509_NAME_get_text_by_NID(null(), 13, null_mut(), 0), -1);
    assert_eq!(ASN1_INTEGER_get(null()), 0);
    assert_eq!(ASN1_STRING_length(null()), 0);
    assert!(ASN1_STRING_get0_data(null()).is_null());
    assert_eq!(ASN1_STRING_type(null()), 0);
    assert!(PEM_read_bio_X509(null_mut(), null_mut(), None, N).is_null());
    assert!(PEM_read_bio_X509_AUX(null_mut(), null_mut(), None, N).is_null());
    assert!(PEM_read_X509(null_mut(), null_mut(), None, N).is_null());
    assert!(PEM_read_bio_PrivateKey(null_mut(), null_mut(), None, N).is_null());
    assert!(PEM_read_PrivateKey(null_mut(), null_mut(), None, N).is_null());
    assert_eq!(PEM_write_bio_X509(null_mut(), null()), 0);
    assert_eq!(PEM_write_X509(null_mut(), null()), 0);
    X509_STORE_free(null_mut());
    assert_eq!(X509_STORE_up_ref(null_mut()), 0);
    assert_eq!(X509_STORE_add_cert(null_mut(), null_mut()), 0);
    let st = X509_STORE_new();
    assert_eq!(X509_STORE_add_cert(st, null_mut()), 0);
    assert_eq!(X509_STORE_load_file(st, null()), 0);
    assert_eq!(
        X509_STORE_load_file(st, b"/nonexistent\0".as_ptr().cast()),
        0
    );
    assert_eq!(X509_STORE_load_locations(st, null(), null()), 0);
    X509_STORE_free(st);
    assert_eq!(X509_STORE_load_file(null_mut(), null()), 0);
    assert_eq!(X509_STORE_load_locations(null_mut(), null(), null()), 0);
    assert_eq!(X509_STORE_set_default_paths(null_mut()), 0);
    assert_eq!(X509_STORE_set_flags(null_mut(), 0), 0);
    assert_eq!(X509_STORE_set_ex_data(null_mut(), 1, N), 0);
    assert!(X509_STORE_get_ex_data(null(), 1).is_null());
    X509_STORE_CTX_free(null_mut());
    assert_eq!(
        X509_STORE_CTX_init(null_mut(), null_mut(), null_mut(), null_mut()),
        0
    );
    X509_STORE_CTX_cleanup(null_mut());
    assert_eq!(X509_verify_cert(null_mut()), -1);
    let ctx = X509_STORE_CTX_new();
    assert_eq!(X509_verify_cert(ctx), -1, "nothing to verify");
    X509_STORE_CTX_free(ctx);
    assert!(X509_STORE_CTX_get_current_cert(null()).is_null());
    assert!(X509_STORE_CTX_get0_cert(null()).is_null());
    assert_eq!(X509_STORE_CTX_get_error(null()), 0);
    X509_STORE_CTX_set_error(null_mut(), 1);
    assert_eq!(X509_STORE_CTX_get_error_depth(null()), 0);
    X509_STORE_CTX_set_error_depth(null_mut(), 1);
    assert!(X509_STORE_CTX_get_ex_data(null(), 1).is_null());
    assert_eq!(X509_STORE_CTX_set_ex_data(null_mut(), 1, N), 0);
    assert!(X509_STORE_CTX_get0_store(null()).is_null());
    assert!(X509_STORE_CTX_get0_chain(null()).is_null());
    assert!(X509_STORE_CTX_get1_chain(null()).is_null());
    crate::error::clear();
}

#[test]
fn stack_functions_tolerate_null() {
    OPENSSL_sk_free(null_mut());
    OPENSSL_sk_pop_free(null_mut(), None);
    OPENSSL_sk_zero(null_mut());
    assert_eq!(OPENSSL_sk_num(null()), -1);
    assert!(OPENSSL_sk_value(null(), 0).is_null());
    assert!(OPENSSL_sk_set(null_mut(), 0, null()).is_null());
    assert_eq!(OPENSSL_sk_insert(null_mut(), null(), 0), 0);
    assert_eq!(OPENSSL_sk_push(null_mut(), null()), 0);
    assert_eq!(OPENSSL_sk_unshift(null_mut(), null()), 0);
    assert!(OPENSSL_sk_pop(null_mut()).is_null());
    assert!(OPENSSL_sk_shift(null_mut()).is_null());
    assert!(OPENSSL_sk_delete(null_mut(), 0).is_null());
    assert!(OPENSSL_sk_delete_ptr(null_mut(), null()).is_null());
    assert_eq!(OPENSSL_sk_find(null_mut(), null()), -1);
    assert_eq!(OPENSSL_sk_find_ex(null_mut(), null()), -1);
    OPENSSL_sk_sort(null_mut());
    assert_eq!(OPENSSL_sk_is_sorted(null()), 1);
    assert!(OPENSSL_sk_set_cmp_func(null_mut(), None).is_none());
    assert!(OPENSSL_sk_deep_copy(null(), None, None).is_null());
    assert_eq!(OPENSSL_sk_reserve(null_mut(), 3), 0);
    let d = OPENSSL_sk_dup(null());
    assert_eq!(OPENSSL_sk_num(d), 0);
    OPENSSL_sk_free(d);
    let s: *const c_char = null();
    assert!(s.is_null());
    crate::error::clear();
}
