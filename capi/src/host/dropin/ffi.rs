//! The public libcrypto 3.0 functions the drop-in host calls, and its opaque types.
//!
//! Linked against the process's `libcrypto.so.3` (build.rs adds `-lcrypto`); prototypes are
//! those of OpenSSL 3.0's `bio.h`, `x509.h`, `x509_vfy.h`, `evp.h`, `crypto.h`, `stack.h`.
use std::ffi::{c_char, c_int, c_long, c_uchar, c_ushort, c_void};
use std::marker::{PhantomData, PhantomPinned};

macro_rules! opaque {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[repr(C)]
        pub struct $name {
            _private: [u8; 0],
            _marker: PhantomData<(*mut u8, PhantomPinned)>,
        }
    )*};
}

opaque! {
    /// libcrypto's `BIO`.
    BIO;
    /// libcrypto's `BIO_ADDR` (a union of socket addresses; `struct sockaddr_storage` is
    /// large enough to hold one, which is how pre-1.1 programs call `DTLSv1_listen`).
    BIO_ADDR;
    /// libcrypto's `X509`.
    X509;
    /// libcrypto's `X509_NAME`.
    X509_NAME;
    /// libcrypto's `X509_STORE`.
    X509_STORE;
    /// libcrypto's `X509_STORE_CTX`.
    X509_STORE_CTX;
    /// libcrypto's `X509_OBJECT`.
    X509_OBJECT;
    /// libcrypto's `EVP_PKEY`.
    EVP_PKEY;
    /// libcrypto's `OPENSSL_STACK` (every `STACK_OF(T)`).
    OPENSSL_STACK;
}

/// `CRYPTO_EX_new` / `CRYPTO_EX_free`.
pub type ExNewFn =
    unsafe extern "C" fn(*mut c_void, *mut c_void, *mut c_void, c_int, c_long, *mut c_void);

/// `X509_LU_X509`: an `X509_OBJECT` holding a certificate.
pub const X509_LU_X509: c_int = 1;

extern "C" {
    // bio.h
    pub fn BIO_read(b: *mut BIO, data: *mut c_void, dlen: c_int) -> c_int;
    pub fn BIO_write(b: *mut BIO, data: *const c_void, dlen: c_int) -> c_int;
    pub fn BIO_ctrl(b: *mut BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long;
    pub fn BIO_test_flags(b: *const BIO, flags: c_int) -> c_int;
    pub fn BIO_get_retry_reason(b: *mut BIO) -> c_int;
    pub fn BIO_up_ref(b: *mut BIO) -> c_int;
    pub fn BIO_free(b: *mut BIO) -> c_int;
    pub fn BIO_free_all(b: *mut BIO);
    pub fn BIO_new_socket(fd: c_int, close_flag: c_int) -> *mut BIO;
    pub fn BIO_new_dgram(fd: c_int, close_flag: c_int) -> *mut BIO;
    pub fn BIO_method_type(b: *const BIO) -> c_int;
    pub fn BIO_find_type(b: *mut BIO, bio_type: c_int) -> *mut BIO;
    pub fn BIO_ADDR_rawmake(
        ap: *mut BIO_ADDR,
        family: c_int,
        addr: *const c_void,
        len: usize,
        port: c_ushort,
    ) -> c_int;
    pub fn BIO_ADDR_family(ap: *const BIO_ADDR) -> c_int;
    pub fn BIO_ADDR_rawaddress(ap: *const BIO_ADDR, p: *mut c_void, l: *mut usize) -> c_int;
    pub fn BIO_ADDR_rawport(ap: *const BIO_ADDR) -> c_ushort;

    // x509.h / evp.h
    pub fn d2i_X509(a: *mut *mut X509, pp: *mut *const c_uchar, len: c_long) -> *mut X509;
    pub fn i2d_X509(x: *const X509, out: *mut *mut c_uchar) -> c_int;
    pub fn X509_up_ref(x: *mut X509) -> c_int;
    pub fn X509_free(x: *mut X509);
    pub fn X509_NAME_free(n: *mut X509_NAME);
    pub fn X509_chain_up_ref(sk: *mut OPENSSL_STACK) -> *mut OPENSSL_STACK;
    pub fn i2d_PrivateKey(k: *const EVP_PKEY, out: *mut *mut c_uchar) -> c_int;
    pub fn d2i_AutoPrivateKey(
        a: *mut *mut EVP_PKEY,
        pp: *mut *const c_uchar,
        len: c_long,
    ) -> *mut EVP_PKEY;
    pub fn EVP_PKEY_up_ref(k: *mut EVP_PKEY) -> c_int;
    pub fn EVP_PKEY_free(k: *mut EVP_PKEY);

    // x509_vfy.h
    pub fn X509_STORE_new() -> *mut X509_STORE;
    pub fn X509_STORE_up_ref(st: *mut X509_STORE) -> c_int;
    pub fn X509_STORE_free(st: *mut X509_STORE);
    pub fn X509_STORE_add_cert(st: *mut X509_STORE, x: *mut X509) -> c_int;
    pub fn X509_STORE_lock(st: *mut X509_STORE) -> c_int;
    pub fn X509_STORE_unlock(st: *mut X509_STORE) -> c_int;
    pub fn X509_STORE_get0_objects(st: *const X509_STORE) -> *mut OPENSSL_STACK;
    pub fn X509_OBJECT_get_type(o: *const X509_OBJECT) -> c_int;
    pub fn X509_OBJECT_get0_X509(o: *const X509_OBJECT) -> *mut X509;
    pub fn X509_STORE_CTX_new() -> *mut X509_STORE_CTX;
    pub fn X509_STORE_CTX_free(ctx: *mut X509_STORE_CTX);
    pub fn X509_STORE_CTX_init(
        ctx: *mut X509_STORE_CTX,
        st: *mut X509_STORE,
        x: *mut X509,
        chain: *mut OPENSSL_STACK,
    ) -> c_int;
    pub fn X509_STORE_CTX_set0_verified_chain(ctx: *mut X509_STORE_CTX, sk: *mut OPENSSL_STACK);
    pub fn X509_STORE_CTX_set_cert(ctx: *mut X509_STORE_CTX, x: *mut X509);
    pub fn X509_STORE_CTX_set0_untrusted(ctx: *mut X509_STORE_CTX, sk: *mut OPENSSL_STACK);
    pub fn X509_STORE_CTX_set_current_cert(ctx: *mut X509_STORE_CTX, x: *mut X509);
    pub fn X509_STORE_CTX_set_error(ctx: *mut X509_STORE_CTX, err: c_int);
    pub fn X509_STORE_CTX_set_error_depth(ctx: *mut X509_STORE_CTX, depth: c_int);
    pub fn X509_STORE_CTX_get_error(ctx: *const X509_STORE_CTX) -> c_int;
    pub fn X509_STORE_CTX_get_error_depth(ctx: *const X509_STORE_CTX) -> c_int;
    pub fn X509_STORE_CTX_set_ex_data(
        ctx: *mut X509_STORE_CTX,
        idx: c_int,
        data: *mut c_void,
    ) -> c_int;
    pub fn X509_STORE_CTX_get_ex_data(ctx: *const X509_STORE_CTX, idx: c_int) -> *mut c_void;

    // stack.h
    pub fn OPENSSL_sk_new_null() -> *mut OPENSSL_STACK;
    pub fn OPENSSL_sk_push(sk: *mut OPENSSL_STACK, data: *const c_void) -> c_int;
    pub fn OPENSSL_sk_num(sk: *const OPENSSL_STACK) -> c_int;
    pub fn OPENSSL_sk_value(sk: *const OPENSSL_STACK, i: c_int) -> *mut c_void;
    pub fn OPENSSL_sk_free(sk: *mut OPENSSL_STACK);

    // crypto.h
    pub fn CRYPTO_get_ex_new_index(
        class_index: c_int,
        argl: c_long,
        argp: *mut c_void,
        new_func: Option<ExNewFn>,
        dup_func: *const c_void,
        free_func: Option<ExNewFn>,
    ) -> c_int;
    pub fn CRYPTO_new_ex_data(class_index: c_int, obj: *mut c_void, ad: *mut c_void) -> c_int;
    pub fn CRYPTO_free_ex_data(class_index: c_int, obj: *mut c_void, ad: *mut c_void);
    pub fn CRYPTO_set_ex_data(ad: *mut c_void, idx: c_int, val: *mut c_void) -> c_int;
    pub fn CRYPTO_get_ex_data(ad: *const c_void, idx: c_int) -> *mut c_void;
    pub fn OPENSSL_init_crypto(opts: u64, settings: *const c_void) -> c_int;
    pub fn CRYPTO_malloc(num: usize, file: *const c_char, line: c_int) -> *mut c_void;

    // err.h (marks keep queries on application BIOs from leaving errors behind)
    pub fn ERR_set_mark() -> c_int;
    pub fn ERR_pop_to_mark() -> c_int;
}
