//! The drop-in host against the real libcrypto (`cargo test -p rdtls-capi --features dropin
//! --lib host::`).
use std::ffi::{c_char, c_int, c_long, c_void, CStr};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::ffi::*;
use super::*;
use crate::error;

extern "C" {
    fn BIO_new(m: *const c_void) -> *mut BIO;
    fn BIO_s_mem() -> *const c_void;
    fn BIO_new_mem_buf(buf: *const c_void, len: c_int) -> *mut BIO;
    fn BIO_meth_new(t: c_int, name: *const c_char) -> *mut c_void;
    fn BIO_meth_free(m: *mut c_void);
    fn BIO_meth_set_write(
        m: *mut c_void,
        f: unsafe extern "C" fn(*mut BIO, *const c_char, c_int) -> c_int,
    ) -> c_int;
    fn BIO_set_init(b: *mut BIO, init: c_int);
    fn BIO_ADDR_new() -> *mut BIO_ADDR;
    fn BIO_ADDR_free(a: *mut BIO_ADDR);
    fn PEM_read_bio_X509(b: *mut BIO, x: *mut c_void, cb: *mut c_void, u: *mut c_void)
        -> *mut X509;
    fn PEM_read_bio_PrivateKey(
        b: *mut BIO,
        x: *mut c_void,
        cb: *mut c_void,
        u: *mut c_void,
    ) -> *mut EVP_PKEY;
    fn X509_STORE_CTX_get_current_cert(ctx: *const X509_STORE_CTX) -> *mut X509;
    fn X509_cmp(a: *const X509, b: *const X509) -> c_int;
    fn ERR_peek_error() -> std::ffi::c_ulong;
    fn ERR_reason_error_string(e: std::ffi::c_ulong) -> *const c_char;
}

const CERTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/certs/");

fn mem_bio(data: &[u8]) -> *mut BIO {
    // SAFETY: libcrypto copies nothing; the BIO reads `data`, which outlives its use here.
    unsafe { BIO_new_mem_buf(data.as_ptr().cast(), data.len() as c_int) }
}

/// Every certificate of a PEM file, as libcrypto X509s.
fn load_certs(name: &str) -> Vec<*mut X509> {
    let data = std::fs::read(format!("{CERTS}{name}")).expect("test certificate");
    let b = mem_bio(&data);
    let mut out = Vec::new();
    loop {
        // SAFETY: a live memory BIO.
        let x = unsafe {
            PEM_read_bio_X509(
                b,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        };
        if x.is_null() {
            break;
        }
        out.push(x);
    }
    error::clear(); // the final "no start line"
    bio_free(b);
    out
}

fn load_key(name: &str) -> *mut EVP_PKEY {
    let data = std::fs::read(format!("{CERTS}{name}")).expect("test key");
    let b = mem_bio(&data);
    // SAFETY: a live memory BIO.
    let k = unsafe {
        PEM_read_bio_PrivateKey(
            b,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
        )
    };
    bio_free(b);
    assert!(!k.is_null());
    k
}

#[test]
fn errors_go_to_libcrypto_with_ssl_strings() {
    error::clear();
    error::put_error(error::ERR_LIB_SSL, 134, "chain rejected");
    // SAFETY: plain query.
    assert_eq!(
        unsafe { ERR_peek_error() },
        error::pack(error::ERR_LIB_SSL, 134)
    );
    // SAFETY: libcrypto returns a static string for a registered code.
    let text = unsafe { CStr::from_ptr(ERR_reason_error_string(0x0A00_0086)) };
    assert_eq!(text.to_str().unwrap(), "certificate verify failed");
    error::put_sys_error(libc::ECONNREFUSED, "");
    let snap = error::snapshot();
    assert_eq!(snap.len(), 2);
    let e = error::take_entry().expect("first entry");
    assert_eq!(e.data(), "chain rejected");
    assert!(e.file().ends_with("tests.rs"));
    let e = error::take_entry().expect("second entry");
    assert_eq!(e.lib(), error::ERR_LIB_SYS);
    assert_eq!(e.reason(), libc::ECONNREFUSED);
    assert!(!error::has_error());
}

#[test]
fn memory_bio_read_write_and_retry() {
    // SAFETY: libcrypto constructors.
    let b = unsafe { BIO_new(BIO_s_mem()) };
    assert_eq!(bio_write(b, b"datagram"), 8);
    let mut buf = [0u8; 16];
    assert_eq!(bio_read(b, &mut buf), 8);
    assert_eq!(&buf[..8], b"datagram");
    assert!(bio_read(b, &mut buf) <= 0);
    assert!(bio_should_retry(b) && bio_should_read(b));
    assert_eq!(bio_fd(b), -1, "a memory BIO has no descriptor");
    assert!(bio_dgram_peer(b).is_none());
    assert!(bio_up_ref(b));
    bio_free(b);
    bio_free_all(b);
    assert!(!error::has_error());
}

unsafe extern "C" fn sink_write(_b: *mut BIO, _d: *const c_char, n: c_int) -> c_int {
    n
}

#[test]
fn ctrl_less_method_leaves_no_errors() {
    error::clear();
    // SAFETY: a method with only a write function, as minimal applications make.
    unsafe {
        let m = BIO_meth_new(0x80 | 0x0400, b"sink\0".as_ptr().cast());
        BIO_meth_set_write(m, sink_write);
        let b = BIO_new(m);
        BIO_set_init(b, 1);
        assert_eq!(bio_write(b, b"abc"), 3);
        assert!(bio_dgram_mtu(b).is_none());
        assert_eq!(bio_dgram_mtu_overhead(b), 0);
        assert!(!bio_dgram_mtu_exceeded(b));
        assert!(!bio_dgram_recv_timedout(b));
        bio_dgram_set_next_timeout(b, Some(std::time::SystemTime::now()));
        assert_eq!(bio_fd(b), -1);
        assert_eq!(ERR_peek_error(), 0, "queries must not leave errors behind");
        bio_free(b);
        BIO_meth_free(m);
    }
}

#[test]
fn datagram_bio_peer_and_addresses() {
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let fd = std::os::fd::AsRawFd::as_raw_fd(&sock);
    let b = bio_new_dgram(fd, 0);
    assert_eq!(bio_method_type(b), BIO_TYPE_DGRAM);
    assert_eq!(bio_fd(b), fd);
    for peer in ["127.0.0.1:4433", "[::1]:5684"] {
        let peer: SocketAddr = peer.parse().unwrap();
        bio_dgram_set_peer(b, &peer);
        assert_eq!(bio_dgram_peer(b), Some(peer));
    }
    assert!(bio_dgram_mtu_overhead(b) > 0);
    bio_free(b);
    // SAFETY: libcrypto's own BIO_ADDR.
    unsafe {
        let a = BIO_ADDR_new();
        let sa: SocketAddr = "10.1.2.3:99".parse().unwrap();
        bio_addr_write(a, &sa);
        assert_eq!(bio_addr_read(a), Some(sa));
        BIO_ADDR_free(a);
    }
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let p = (&mut storage as *mut libc::sockaddr_storage).cast::<BIO_ADDR>();
    assert_eq!(bio_addr_read(p), None);
    let sa: SocketAddr = "[fe80::1]:1".parse().unwrap();
    bio_addr_write(p, &sa);
    assert_eq!(bio_addr_read(p), Some(sa));
}

#[test]
fn certificates_stacks_and_store() {
    let chain = load_certs("long-chain.pem");
    assert_eq!(chain.len(), 4);
    let ders: Vec<Vec<u8>> = chain.iter().map(|&x| x509_der(x).unwrap()).collect();
    let x = x509_from_der(&ders[0]);
    // SAFETY: live X509s.
    assert_eq!(unsafe { X509_cmp(x, chain[0]) }, 0);
    x509_free(x);
    assert!(x509_from_der(b"junk").is_null());
    assert!(error::has_error(), "libcrypto reports bad DER");
    error::clear();

    let sk = stack_of_x509(&ders);
    assert_eq!(stack_x509_der(sk), ders);
    stack_free_x509(sk);
    let sk = stack_of_x509_refs(&chain);
    assert_eq!(stack_x509_der(sk).len(), 4);
    stack_free_x509(sk);

    let st = store_new();
    let g0 = store_generation(st);
    assert!(store_add_cert(st, chain[3]));
    let g1 = store_generation(st);
    assert_ne!(g0, g1);
    assert!(store_add_cert(st, chain[3]), "a duplicate is accepted");
    assert_eq!(store_generation(st), g1);
    assert_eq!(store_anchors_der(st), vec![ders[3].clone()]);
    assert!(store_up_ref(st));
    store_free(st);
    store_free(st);
    chain.into_iter().for_each(x509_free);
}

#[test]
fn verify_context_for_callbacks() {
    let chain = load_certs("long-chain.pem");
    let ders: Vec<Vec<u8>> = chain.iter().map(|&x| x509_der(x).unwrap()).collect();
    let marker = 0x5a5a as *mut c_void;
    let ctx = store_ctx_new(&ders, 3, 0, std::ptr::null_mut());
    assert!(!ctx.is_null());
    // SAFETY: a live context.
    unsafe {
        assert_eq!(X509_cmp(X509_STORE_CTX_get_current_cert(ctx), chain[3]), 0);
        store_ctx_set_depth(ctx, 1, 20);
        assert_eq!(X509_cmp(X509_STORE_CTX_get_current_cert(ctx), chain[1]), 0);
        assert_eq!(store_ctx_error(ctx), 20);
        assert_eq!(store_ctx_error_depth(ctx), 1);
        assert!(X509_STORE_CTX_get_ex_data(ctx, ssl_ex_data_x509_store_ctx_idx()).is_null());
        X509_STORE_CTX_set_ex_data(ctx, ssl_ex_data_x509_store_ctx_idx(), marker);
        assert_eq!(
            X509_STORE_CTX_get_ex_data(ctx, ssl_ex_data_x509_store_ctx_idx()),
            marker
        );
    }
    store_ctx_set_verifier(ctx, Box::new(|_| (0, 0)));
    store_ctx_free(ctx);
    let empty = store_ctx_new(&[], 0, 50, std::ptr::null_mut());
    assert_eq!(store_ctx_error(empty), 50);
    store_ctx_free(empty);
    chain.into_iter().for_each(x509_free);
}

#[test]
fn private_keys_round_trip() {
    for name in ["server-ecdsa.key", "server-rsa.key", "server-ed25519.key"] {
        let k = load_key(name);
        let key = pkey_signing_key(k).unwrap_or_else(|| panic!("{name} usable"));
        let back = pkey_from_signing_key(key.clone());
        assert_eq!(back, k, "{name}: the application's own EVP_PKEY comes back");
        pkey_free(back);
        pkey_free(k);
        drop(key);
    }
    let cert = load_certs("server-ecdsa.pem")[0];
    assert!(pkey_signing_key(std::ptr::null()).is_none());
    assert!(pkey_from_der(b"not a key").is_null());
    error::clear();
    x509_free(cert);
}

static FREED: AtomicUsize = AtomicUsize::new(0);

unsafe extern "C" fn on_free(
    _parent: *mut c_void,
    ptr: *mut c_void,
    _ad: *mut c_void,
    _idx: c_int,
    argl: c_long,
    _argp: *mut c_void,
) {
    assert_eq!(argl, 7);
    FREED.fetch_add(ptr as usize, Ordering::SeqCst);
}

#[test]
fn ex_data_uses_libcrypto_indices() {
    // SAFETY: libcrypto's allocator, as SSL_get_ex_new_index expands to.
    let idx = unsafe {
        CRYPTO_get_ex_new_index(
            CRYPTO_EX_INDEX_SSL,
            7,
            std::ptr::null_mut(),
            None,
            std::ptr::null(),
            Some(on_free),
        )
    };
    assert!(idx >= 1);
    let d = ExData::new(CRYPTO_EX_INDEX_SSL, std::ptr::null_mut());
    d.run_new(0x1000 as *mut c_void);
    assert!(d.get(idx).is_null());
    assert!(d.set(idx, 40 as *mut c_void));
    assert!(d.set(0, 2 as *mut c_void), "index 0 is app data");
    assert_eq!(d.get(idx) as usize, 40);
    assert!(!d.set(-1, std::ptr::null_mut()));
    assert!(!d.set(exdata::MAX_EX_INDICES, std::ptr::null_mut()));
    // SAFETY: the C view of the same slots.
    assert_eq!(unsafe { CRYPTO_get_ex_data(d.as_ptr(), idx) } as usize, 40);
    d.free(0x1000 as *mut c_void);
    assert_eq!(FREED.load(Ordering::SeqCst), 40);
}
