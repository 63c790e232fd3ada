//! Regression tests for the C-layer findings of issue 9: getters that fail closed while the
//! engine is busy, randoms that never leave the caller's buffer uninitialised, the
//! certificate store kept alive while in use, no lock held across `X509_free`, one stack per
//! `SSL_get0_verified_chain`, a panic marking the object failed, the error queue during
//! thread teardown, and `OPENSSL_sk_sort` with a comparator that looks at the stack.
use std::cell::Cell;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use super::*;
use crate::exdata::{CRYPTO_EX_DATA, CRYPTO_EX_INDEX_X509, CRYPTO_EX_INDEX_X509_STORE};
use crate::host::X509_STORE_CTX;
use crate::ssl::consts::*;
use crate::ssl::io::*;
use crate::x509::stack::{self, OPENSSL_STACK};

/// The `SSL*` a verify callback was called for.
fn ssl_of(store: *mut X509_STORE_CTX) -> *mut SSL {
    #[allow(improper_ctypes)]
    extern "C" {
        fn X509_STORE_CTX_get_ex_data(ctx: *mut X509_STORE_CTX, idx: c_int) -> *mut c_void;
    }
    let idx = crate::ssl::verify::SSL_get_ex_data_X509_STORE_CTX_idx();
    // SAFETY: test callback; the library passes a live store context.
    unsafe { X509_STORE_CTX_get_ex_data(store, idx) as *mut SSL }
}

thread_local! {
    /// What the busy getters returned inside the verify callback (result, random bytes).
    static SEEN_IN_CALLBACK: Cell<Option<(c_long, [u8; 32], usize)>> = const { Cell::new(None) };
}

unsafe extern "C" fn probe_getters(_ok: c_int, store: *mut X509_STORE_CTX) -> c_int {
    let ssl = ssl_of(store);
    let v = crate::ssl::verify::SSL_get_verify_result(ssl);
    let mut r = [0xAAu8; 32];
    let n = crate::ssl::getters::SSL_get_client_random(ssl, r.as_mut_ptr(), r.len());
    SEEN_IN_CALLBACK.with(|s| s.set(Some((v, r, n))));
    1
}

#[test]
fn security_getters_fail_closed_while_the_engine_is_busy() {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    // Wrong CA: verification fails, the callback accepts anyway.
    let cctx = client_ctx(Some("ca-rsa.pem"));
    crate::ssl::verify::SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, Some(probe_getters));
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1), "{:?}", take_errors());
    let (v, random, n) = SEEN_IN_CALLBACK.with(Cell::get).expect("callback ran");
    // Inside the callback the engine is busy: the result is unknown, so not X509_V_OK.
    assert_ne!(v, 0, "SSL_get_verify_result said X509_V_OK while busy");
    // And the random buffer was written (zeros), never left as it was.
    assert_eq!(n, 32);
    assert!(!random.contains(&0xAA), "{random:?}");
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn randoms_before_the_hello_are_zeros_as_in_openssl() {
    let cctx = client_ctx(None);
    let s = SSL_new(cctx);
    let mut buf = [0xAAu8; 40];
    // OpenSSL 3.0 copies min(outlen, 32) bytes of its zero-initialised random.
    let n = crate::ssl::getters::SSL_get_client_random(s, buf.as_mut_ptr(), buf.len());
    assert_eq!(n, 32);
    assert_eq!(&buf[..32], &[0u8; 32]);
    assert_eq!(&buf[32..], &[0xAAu8; 8], "wrote past the random");
    let mut small = [0xAAu8; 8];
    let n = crate::ssl::getters::SSL_get_server_random(s, small.as_mut_ptr(), small.len());
    assert_eq!(n, 8);
    assert_eq!(small, [0u8; 8]);
    assert_eq!(
        crate::ssl::getters::SSL_get_server_random(s, null_mut(), 0),
        32
    );
    SSL_free(s);
    SSL_CTX_free(cctx);
}

#[test]
fn verified_chain_on_a_server_is_owned_by_the_ssl() {
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    assert_eq!(
        crate::ssl::trust::SSL_CTX_load_verify_locations(
            sctx,
            cert_path("ca-ecdsa.pem").as_ptr(),
            std::ptr::null()
        ),
        1
    );
    crate::ssl::verify::SSL_CTX_set_verify(
        sctx,
        SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
        None,
    );
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    assert_eq!(
        crate::ssl::certs::SSL_CTX_use_certificate_chain_file(
            cctx,
            cert_path("client-ecdsa.pem").as_ptr()
        ),
        1
    );
    assert_eq!(
        crate::ssl::certs::SSL_CTX_use_PrivateKey_file(
            cctx,
            cert_path("client-ecdsa.key").as_ptr(),
            SSL_FILETYPE_PEM
        ),
        1
    );
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1), "{:?}", take_errors());
    let a = crate::ssl::getters::SSL_get0_verified_chain(p.server);
    let b = crate::ssl::getters::SSL_get0_verified_chain(p.server);
    assert!(!a.is_null());
    // A get0 result belongs to the SSL: the same stack every call, not a new one (leak).
    assert_eq!(a, b);
    // The full chain: the client's leaf comes first.
    assert!(stack::OPENSSL_sk_num(a) >= 1);
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

// ---- ex_data callbacks that re-enter the library -------------------------------------

thread_local! {
    /// What the X509 free callback does on this thread (other tests' threads: nothing).
    static ON_X509_FREE: Cell<FreeAction> = const { Cell::new(FreeAction::Nothing) };
    /// Set by the store free callback when a store of this thread is destroyed.
    static STORE_FREED: Cell<usize> = const { Cell::new(0) };
    /// STORE_FREED right after the store was replaced inside the X509 free callback.
    static FREED_AT_REPLACE: Cell<usize> = const { Cell::new(usize::MAX) };
}

#[derive(Clone, Copy, PartialEq)]
enum FreeAction {
    Nothing,
    /// Call SSL_CTX_get0_certificate on CTX (re-enters the certificate object).
    GetCertificate,
    /// Replace CTX's certificate store (frees the old one unless someone holds it).
    ReplaceStore,
}

static CTX: AtomicPtr<SSL_CTX> = AtomicPtr::new(null_mut());
static X509_INDEX: AtomicUsize = AtomicUsize::new(usize::MAX);
static STORE_INDEX: AtomicUsize = AtomicUsize::new(usize::MAX);

unsafe extern "C" fn x509_freed(
    _parent: *mut c_void,
    _ptr: *mut c_void,
    _ad: *mut CRYPTO_EX_DATA,
    _idx: c_int,
    _argl: c_long,
    _argp: *mut c_void,
) {
    let action = ON_X509_FREE.with(|a| a.replace(FreeAction::Nothing));
    let ctx = CTX.load(Ordering::SeqCst);
    match action {
        FreeAction::Nothing => {}
        FreeAction::GetCertificate => {
            let _ = crate::ssl::own_cert::SSL_CTX_get0_certificate(ctx);
        }
        FreeAction::ReplaceStore => {
            crate::ssl::trust::SSL_CTX_set_cert_store(ctx, crate::host::store_new());
            FREED_AT_REPLACE.with(|f| f.set(STORE_FREED.with(Cell::get)));
        }
    }
}

unsafe extern "C" fn store_freed(
    _parent: *mut c_void,
    _ptr: *mut c_void,
    _ad: *mut CRYPTO_EX_DATA,
    _idx: c_int,
    _argl: c_long,
    _argp: *mut c_void,
) {
    STORE_FREED.with(|n| n.set(n.get() + 1));
}

/// Registers the free callbacks once per process.
fn register_free_callbacks() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let i =
            crate::exdata::new_index(CRYPTO_EX_INDEX_X509, 0, null_mut(), None, Some(x509_freed));
        assert!(i > 0);
        X509_INDEX.store(i as usize, Ordering::SeqCst);
        let j = crate::exdata::new_index(
            CRYPTO_EX_INDEX_X509_STORE,
            0,
            null_mut(),
            None,
            Some(store_freed),
        );
        assert!(j > 0);
        STORE_INDEX.store(j as usize, Ordering::SeqCst);
    });
}

/// One test at a time uses the CTX slot.
static SLOT: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[test]
fn x509_free_runs_without_the_certificate_lock_held() {
    let _slot = SLOT.lock().unwrap_or_else(|p| p.into_inner());
    register_free_callbacks();
    let ctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    CTX.store(ctx, Ordering::SeqCst);
    assert!(!crate::ssl::own_cert::SSL_CTX_get0_certificate(ctx).is_null());
    // Another certificate: the next get0 frees the old object, whose ex_data free callback
    // calls back into SSL_CTX_get0_certificate. With the lock held across X509_free that
    // deadlocks; run it on a thread and give it a generous bound.
    assert_eq!(
        crate::ssl::certs::SSL_CTX_use_certificate_chain_file(
            ctx,
            cert_path("server-rsa.pem").as_ptr()
        ),
        1
    );
    let (tx, rx) = std::sync::mpsc::channel();
    let ctx_addr = ctx as usize;
    std::thread::spawn(move || {
        ON_X509_FREE.with(|a| a.set(FreeAction::GetCertificate));
        let x = crate::ssl::own_cert::SSL_CTX_get0_certificate(ctx_addr as *mut SSL_CTX);
        let _ = tx.send(x as usize);
    });
    let x = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("X509_free's ex_data callback deadlocked on the certificate lock");
    assert_ne!(x, 0);
    CTX.store(null_mut(), Ordering::SeqCst);
    SSL_CTX_free(ctx);
}

#[test]
fn certificate_store_stays_alive_while_the_library_uses_it() {
    let _slot = SLOT.lock().unwrap_or_else(|p| p.into_inner());
    register_free_callbacks();
    let ctx = client_ctx(None);
    CTX.store(ctx, Ordering::SeqCst);
    // A file holding the same certificate twice: the duplicate is freed during the load, and
    // its free callback replaces the context's store (as another thread could at any time).
    let pem = std::fs::read(cert_path("ca-ecdsa.pem").to_str().unwrap()).unwrap();
    let path = std::env::temp_dir().join(format!("rdtls-dup-ca-{}.pem", std::process::id()));
    std::fs::write(&path, [pem.clone(), pem].concat()).unwrap();
    STORE_FREED.with(|n| n.set(0));
    let old = crate::ssl::trust::SSL_CTX_get_cert_store(ctx);
    ON_X509_FREE.with(|a| a.set(FreeAction::ReplaceStore));
    // Inside the load the free callback fires; the store being filled must survive it.
    let r = crate::ssl::trust::SSL_CTX_load_verify_locations(
        ctx,
        c(path.to_str().unwrap()).as_ptr(),
        std::ptr::null(),
    );
    let _ = std::fs::remove_file(&path);
    assert_eq!(r, 1);
    assert_eq!(
        ON_X509_FREE.with(Cell::get) as u8,
        FreeAction::Nothing as u8,
        "the duplicate certificate was not freed during the load"
    );
    assert_ne!(crate::ssl::trust::SSL_CTX_get_cert_store(ctx), old);
    // The old store was freed once the load released it, not while it was being filled.
    assert_eq!(
        FREED_AT_REPLACE.with(Cell::get),
        0,
        "the store was freed while the load was filling it"
    );
    assert_eq!(STORE_FREED.with(Cell::get), 1);
    CTX.store(null_mut(), Ordering::SeqCst);
    SSL_CTX_free(ctx);
}

#[test]
fn a_panic_inside_an_operation_marks_the_ssl_failed() {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let p = Pair::new(cctx, sctx);
    // ClientHello out, HelloVerifyRequest or ServerHello flight back.
    assert_eq!(SSL_do_handshake(p.client), -1);
    assert_eq!(SSL_do_handshake(p.server), -1);
    crate::ssl::poison::PANIC_ON_NEXT_FEED.with(|f| f.set(true));
    let r = SSL_do_handshake(p.client);
    assert!(r <= 0);
    let errs = take_errors();
    assert!(errs.iter().any(|(_, d)| d.contains("panic")), "{errs:?}");
    // Everything after it fails, with the reason; the handshake does not go on.
    assert_eq!(p.handshake().0, -1);
    assert_eq!(SSL_get_error(p.client, -1), SSL_ERROR_SSL);
    let errs = take_errors();
    assert!(
        errs.iter().any(|(_, d)| d.contains("a panic interrupted")),
        "{errs:?}"
    );
    let mut buf = [0u8; 8];
    assert_eq!(SSL_write(p.client, buf.as_ptr().cast(), 8), -1);
    assert_eq!(SSL_read(p.client, buf.as_mut_ptr().cast(), 8), -1);
    take_errors();
    // SSL_clear gives a fresh start.
    assert_eq!(crate::ssl::ssl::SSL_clear(p.client), 1);
    assert!(!crate::ssl::ssl::SSL_get_shutdown(p.client) != 0);
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/// Uses the error queue from a thread-local destructor that runs after the queue's own.
struct LateErrors(std::sync::mpsc::Sender<(c_int, usize)>);

impl Drop for LateErrors {
    fn drop(&mut self) {
        crate::error::put_error(crate::error::ERR_LIB_SSL, 1, "from a destructor");
        let has = c_int::from(crate::error::has_error());
        let p = crate::error::exports::ERR_error_string(0x0A00_0001, null_mut());
        let _ = self.0.send((has, p as usize));
    }
}

#[test]
fn error_queue_survives_thread_teardown() {
    thread_local! {
        static LATE: Cell<Option<LateErrors>> = const { Cell::new(None) };
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let h = std::thread::spawn(move || {
        // Registered first, so destroyed after the queue (destructors run in reverse).
        LATE.with(|l| l.set(Some(LateErrors(tx))));
        crate::error::put_error(crate::error::ERR_LIB_SSL, 1, "touch the queue");
        let _ = crate::error::exports::ERR_error_string(0x0A00_0001, null_mut());
        crate::error::clear();
    });
    assert!(h.join().is_ok(), "thread teardown panicked");
    let (_has, _p) = rx
        .recv_timeout(std::time::Duration::from_secs(20))
        .expect("the destructor did not run to the end");
}

// ---- OPENSSL_sk_sort with a comparator that reads the stack ---------------------------

thread_local! {
    static SORTING: Cell<*mut OPENSSL_STACK> = const { Cell::new(null_mut()) };
    static MIN_SEEN: Cell<c_int> = const { Cell::new(c_int::MAX) };
}

unsafe extern "C" fn cmp_reading_the_stack(a: *const c_void, b: *const c_void) -> c_int {
    let sk = SORTING.with(Cell::get);
    let n = stack::OPENSSL_sk_num(sk);
    MIN_SEEN.with(|m| m.set(m.get().min(n)));
    // SAFETY: the comparator receives pointers to two elements.
    let (a, b) = unsafe { (*(a as *const usize), *(b as *const usize)) };
    a.cmp(&b) as c_int
}

#[test]
fn sk_sort_keeps_the_stack_whole_while_the_comparator_runs() {
    let sk = stack::OPENSSL_sk_new(Some(cmp_reading_the_stack));
    for v in [5usize, 3, 9, 1, 7] {
        assert!(stack::OPENSSL_sk_push(sk, v as *const c_void) > 0);
    }
    SORTING.with(|s| s.set(sk));
    stack::OPENSSL_sk_sort(sk);
    assert_eq!(
        MIN_SEEN.with(Cell::get),
        5,
        "the comparator saw a partial stack"
    );
    let got: Vec<usize> = (0..5)
        .map(|i| stack::OPENSSL_sk_value(sk, i) as usize)
        .collect();
    assert_eq!(got, [1, 3, 5, 7, 9]);
    assert_eq!(stack::OPENSSL_sk_is_sorted(sk), 1);
    stack::OPENSSL_sk_free(sk);
}
