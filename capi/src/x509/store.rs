//! `X509_STORE` (trust anchors) and `X509_STORE_CTX` (one verification, as verify callbacks
//! see it).
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_ulong, c_void, CStr};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use super::stack::{self, OPENSSL_STACK};
use super::{x509_ref, X509};
use crate::bio;
use crate::entry::entry;
use crate::exdata::{self, ExData, CRYPTO_EX_INDEX_X509_STORE, CRYPTO_EX_INDEX_X509_STORE_CTX};

/// Most certificates one store holds (bounds loading a huge bundle or directory).
pub const MAX_STORE_CERTS: usize = 100_000;
/// `X509_V_OK`.
pub const X509_V_OK: c_int = 0;
/// `X509_V_ERR_INVALID_PURPOSE`.
pub const X509_V_ERR_INVALID_PURPOSE: c_int = 26;
/// `X509_V_ERR_UNSPECIFIED`.
pub const X509_V_ERR_UNSPECIFIED: c_int = 1;
/// Chain depth `X509_verify_cert` allows when nothing else is configured (OpenSSL's 100).
pub const DEFAULT_VERIFY_DEPTH: usize = 100;

/// A NUL-terminated copy of a static string, made once per distinct text.
pub fn static_text(s: &str) -> *const c_char {
    crate::error::static_cstr(s)
}

/// `X509_STORE`: trust anchors shared by `SSL_CTX`s (reference counted, thread-safe).
pub struct X509_STORE {
    refs: AtomicU32,
    certs: Mutex<Vec<usize>>,
    /// CRLs (DER), `X509_STORE_add_crl`.
    crls: Mutex<Vec<Vec<u8>>>,
    /// `X509_STORE_set_flags` (X509_V_FLAG_*).
    flags: AtomicU64,
    generation: AtomicU64,
    pub(crate) ex_data: ExData,
}

/// Most CRLs one store keeps.
pub const MAX_STORE_CRLS: usize = 1024;

impl X509_STORE {
    /// Adds a CRL (DER) unless the same one is present; false when the store is full.
    pub fn add_crl(&self, der: &[u8]) -> bool {
        let mut crls = self.crls.lock().unwrap_or_else(|p| p.into_inner());
        if crls.iter().any(|c| c == der) {
            return true;
        }
        if crls.len() >= MAX_STORE_CRLS {
            return false;
        }
        crls.push(der.to_vec());
        true
    }

    /// Every CRL (DER).
    pub fn crls_der(&self) -> Vec<Vec<u8>> {
        self.crls.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The verification flags.
    pub fn flags(&self) -> u64 {
        self.flags.load(Ordering::Acquire)
    }

    /// DER of every certificate, in insertion order.
    pub fn anchors_der(&self) -> Vec<Vec<u8>> {
        let certs = self.certs.lock().unwrap_or_else(|p| p.into_inner());
        certs
            .iter()
            .filter_map(|&p| x509_ref(p as *const X509).map(|x| x.der().to_vec()))
            .collect()
    }

    /// Changes whenever a certificate is added.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Adds a reference to `x` unless a certificate with the same DER is present.
    pub fn add(&self, x: *mut X509) -> bool {
        let Some(cert) = x509_ref(x) else {
            return false;
        };
        let mut certs = self.certs.lock().unwrap_or_else(|p| p.into_inner());
        let dup = certs
            .iter()
            .any(|&p| x509_ref(p as *const X509).is_some_and(|c| c.der() == cert.der()));
        if dup {
            return true; // OpenSSL 1.1.1+: adding a duplicate succeeds
        }
        if certs.len() >= MAX_STORE_CERTS || !super::up_ref(x) {
            return false;
        }
        certs.push(x as usize);
        self.generation.fetch_add(1, Ordering::AcqRel);
        true
    }

    /// Loads every PEM certificate from `file`; the number added, None if unreadable.
    pub fn load_file(&self, file: &CStr) -> Option<usize> {
        let b = bio::file::new_file(file.as_ptr(), b"r\0".as_ptr().cast());
        if b.is_null() {
            return None;
        }
        let mut n = 0;
        loop {
            let x = super::pem::read_block(b, &["CERTIFICATE", "TRUSTED CERTIFICATE"]).map(|blk| {
                X509::new_raw(
                    &blk.der[..super::der::element_len(&blk.der).unwrap_or(blk.der.len())],
                )
            });
            match x {
                Some(x) if !x.is_null() => {
                    n += self.add(x) as usize;
                    super::free(x);
                }
                _ => break,
            }
        }
        bio::free(b);
        // Running out of blocks ends every load; only a file with none is an error.
        if n > 0 {
            crate::error::clear();
        }
        Some(n)
    }
}

impl Drop for X509_STORE {
    fn drop(&mut self) {
        let certs = self.certs.get_mut().unwrap_or_else(|p| p.into_inner());
        for &p in certs.iter() {
            super::free(p as *mut X509);
        }
    }
}

fn store_ref<'a>(st: *const X509_STORE) -> Option<&'a X509_STORE> {
    // SAFETY: NULL or a live store from this library (API contract).
    unsafe { st.as_ref() }
}

/// `X509_STORE_new`.
pub fn store_new() -> *mut X509_STORE {
    Box::into_raw(Box::new(X509_STORE {
        refs: AtomicU32::new(1),
        certs: Mutex::new(Vec::new()),
        crls: Mutex::new(Vec::new()),
        flags: AtomicU64::new(0),
        generation: AtomicU64::new(0),
        ex_data: ExData::new(CRYPTO_EX_INDEX_X509_STORE, std::ptr::null_mut()),
    }))
}

/// `X509_STORE_up_ref`.
pub fn store_up_ref(st: *mut X509_STORE) -> bool {
    store_ref(st)
        .map(|s| s.refs.fetch_add(1, Ordering::Relaxed))
        .is_some()
}

/// `X509_STORE_free`.
pub fn store_free(st: *mut X509_STORE) {
    if let Some(s) = store_ref(st) {
        if s.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            s.ex_data.free(st.cast());
            // SAFETY: last reference; from Box::into_raw in store_new.
            drop(unsafe { Box::from_raw(st) });
        }
    }
}

/// `X509_STORE_add_cert`.
pub fn store_add_cert(st: *mut X509_STORE, x: *mut X509) -> bool {
    store_ref(st).is_some_and(|s| s.add(x))
}

/// The verification `X509_verify_cert` runs: chain (leaf first) → (X509_V_* code, depth).
pub type Verifier = Box<dyn Fn(&[Vec<u8>]) -> (c_int, usize)>;

/// `X509_STORE_CTX`.
pub struct X509_STORE_CTX {
    store: Cell<*mut X509_STORE>,
    /// Owned references, leaf first.
    chain: RefCell<Vec<*mut X509>>,
    depth: Cell<usize>,
    error: Cell<c_int>,
    error_depth: Cell<c_int>,
    verifier: RefCell<Option<Verifier>>,
    /// The stack `X509_STORE_CTX_get0_chain` returned (elements not owned), freed with us.
    chain_stack: Cell<*mut OPENSSL_STACK>,
    pub(crate) ex_data: ExData,
}

impl X509_STORE_CTX {
    fn new() -> Self {
        X509_STORE_CTX {
            store: Cell::new(std::ptr::null_mut()),
            chain: RefCell::new(Vec::new()),
            depth: Cell::new(0),
            error: Cell::new(X509_V_OK),
            error_depth: Cell::new(0),
            verifier: RefCell::new(None),
            chain_stack: Cell::new(std::ptr::null_mut()),
            ex_data: ExData::new(CRYPTO_EX_INDEX_X509_STORE_CTX, std::ptr::null_mut()),
        }
    }

    /// Moves to `depth` with result `error` (current cert = chain[depth]).
    pub fn set_position(&self, depth: usize, error: c_int) {
        self.depth.set(depth);
        self.error.set(error);
        self.error_depth
            .set(c_int::try_from(depth).unwrap_or(c_int::MAX));
    }

    /// `X509_STORE_CTX_get_error`.
    pub fn error(&self) -> c_int {
        self.error.get()
    }

    /// `X509_STORE_CTX_get_error_depth`.
    pub fn error_depth(&self) -> c_int {
        self.error_depth.get()
    }

    /// Installs what `X509_verify_cert` runs.
    pub fn set_verifier(&self, v: Verifier) {
        *self.verifier.borrow_mut() = Some(v);
    }

    fn chain_der(&self) -> Vec<Vec<u8>> {
        self.chain
            .borrow()
            .iter()
            .filter_map(|&p| x509_ref(p).map(|x| x.der().to_vec()))
            .collect()
    }

    fn release(&self) {
        for p in self.chain.borrow_mut().drain(..) {
            super::free(p);
        }
        let sk = self.chain_stack.replace(std::ptr::null_mut());
        if !sk.is_null() {
            stack::OPENSSL_sk_free(sk);
        }
    }

    /// The default verification: the store's anchors through the engine's path validation.
    fn verify_default(&self, chain: &[Vec<u8>]) -> (c_int, usize) {
        let mut ts = rdtls::pki::verify::TrustStore::new();
        if let Some(st) = store_ref(self.store.get()) {
            for a in st.anchors_der() {
                let _ = ts.add_der(&a);
            }
        }
        // X509_verify_cert has no purpose by default; the engine always checks one, so a
        // chain passes when it is valid for either TLS purpose.
        let run = |server| {
            rdtls::pki::verify::verify_chain(
                &ts,
                chain,
                std::time::SystemTime::now(),
                None,
                server,
                DEFAULT_VERIFY_DEPTH,
            )
        };
        let mut out = run(true);
        if out.code == X509_V_ERR_INVALID_PURPOSE {
            out = run(false);
        }
        (out.code, out.depth)
    }
}

impl Drop for X509_STORE_CTX {
    fn drop(&mut self) {
        self.release();
    }
}

fn ctx_ref<'a>(ctx: *const X509_STORE_CTX) -> Option<&'a X509_STORE_CTX> {
    // SAFETY: NULL or a live context from this library (API contract).
    unsafe { ctx.as_ref() }
}

/// The ex_data index under which a context made for an SSL verify callback holds the `SSL*`.
pub fn ssl_idx() -> c_int {
    static IDX: OnceLock<c_int> = OnceLock::new();
    *IDX.get_or_init(|| {
        exdata::new_index(
            CRYPTO_EX_INDEX_X509_STORE_CTX,
            0,
            std::ptr::null_mut(),
            None,
            None,
        )
    })
}

/// A context over `chain_der` positioned at `depth` with result `error`, carrying `ssl`.
pub fn store_ctx_for_chain(
    chain_der: &[Vec<u8>],
    depth: usize,
    error: c_int,
    ssl: *mut c_void,
) -> *mut X509_STORE_CTX {
    let ctx = X509_STORE_CTX::new();
    *ctx.chain.borrow_mut() = chain_der
        .iter()
        .map(|d| X509::new_raw(d))
        .filter(|p| !p.is_null())
        .collect();
    ctx.set_position(depth, error);
    ctx.ex_data.set(ssl_idx(), ssl);
    Box::into_raw(Box::new(ctx))
}

/// Frees a context.
pub fn store_ctx_free(ctx: *mut X509_STORE_CTX) {
    if let Some(c) = ctx_ref(ctx) {
        c.ex_data.free(ctx.cast());
        // SAFETY: from Box::into_raw in this module.
        drop(unsafe { Box::from_raw(ctx) });
    }
}

entry! {
    /// X509_STORE_new returns an empty store (one reference).
    fn X509_STORE_new() -> *mut X509_STORE { store_new() }
    /// X509_STORE_free drops one reference; NULL is a no-op.
    fn X509_STORE_free(v: *mut X509_STORE) { store_free(v) }
    /// X509_STORE_up_ref adds a reference; 1 on success.
    fn X509_STORE_up_ref(v: *mut X509_STORE) -> c_int { store_up_ref(v) as c_int }
    /// X509_STORE_add_cert adds a trust anchor (the store takes its own reference); 1 on
    /// success, also when it was already present.
    fn X509_STORE_add_cert(xs: *mut X509_STORE, x: *mut X509) -> c_int {
        let s = crate::try_ref!(xs, 0);
        crate::try_ref!(x, 0);
        s.add(x) as c_int
    }
    /// X509_STORE_load_file adds every certificate of a PEM file; 1 on success.
    fn X509_STORE_load_file(xs: *mut X509_STORE, file: *const c_char) -> c_int {
        let s = crate::try_ref!(xs, 0);
        crate::try_cstr!(file, 0);
        // SAFETY: checked non-NULL and NUL-terminated above.
        let f = unsafe { CStr::from_ptr(file) };
        s.load_file(f).is_some_and(|n| n > 0) as c_int
    }
    /// X509_STORE_load_locations adds the certificates of PEM `file` and of every file in
    /// directory `dir` (either may be NULL); 1 when anything was loaded.
    fn X509_STORE_load_locations(xs: *mut X509_STORE, file: *const c_char, dir: *const c_char) -> c_int {
        let s = crate::try_ref!(xs, 0);
        let mut loaded = 0;
        if !file.is_null() {
            // SAFETY: non-NULL, NUL-terminated (API contract).
            loaded += s.load_file(unsafe { CStr::from_ptr(file) }).unwrap_or(0);
        }
        if !dir.is_null() {
            // SAFETY: non-NULL, NUL-terminated (API contract).
            let d = unsafe { CStr::from_ptr(dir) }.to_string_lossy().into_owned();
            if let Ok(rd) = std::fs::read_dir(&d) {
                for e in rd.flatten().take(MAX_STORE_CERTS) {
                    if let Ok(c) = std::ffi::CString::new(e.path().to_string_lossy().as_bytes()) {
                        loaded += s.load_file(&c).unwrap_or(0);
                    }
                }
            }
        }
        (loaded > 0) as c_int
    }
    /// X509_STORE_set_default_paths loads $SSL_CERT_FILE or the system bundle; 1.
    fn X509_STORE_set_default_paths(xs: *mut X509_STORE) -> c_int {
        let s = crate::try_ref!(xs, 0);
        let file = std::env::var("SSL_CERT_FILE").unwrap_or_else(|_| "/etc/ssl/certs/ca-certificates.crt".into());
        if let Ok(c) = std::ffi::CString::new(file) {
            if s.load_file(&c).is_none() {
                crate::error::clear();
            }
        }
        1
    }
    /// X509_STORE_set_flags adds verification flags (X509_V_FLAG_*); the verifier acts on
    /// X509_V_FLAG_CRL_CHECK and X509_V_FLAG_CRL_CHECK_ALL. 1 on success.
    fn X509_STORE_set_flags(xs: *mut X509_STORE, flags: c_ulong) -> c_int {
        let st = crate::try_ref!(xs, 0);
        // c_ulong is u64 here but u32 on other targets.
        #[allow(clippy::useless_conversion)]
        let flags = u64::from(flags);
        st.flags.fetch_or(flags, Ordering::AcqRel);
        1
    }
    /// X509_STORE_set_ex_data; 1 on success.
    fn X509_STORE_set_ex_data(xs: *mut X509_STORE, idx: c_int, data: *mut c_void) -> c_int {
        crate::try_ref!(xs, 0).ex_data.set(idx, data) as c_int
    }
    /// X509_STORE_get_ex_data.
    fn X509_STORE_get_ex_data(xs: *const X509_STORE, idx: c_int) -> *mut c_void {
        crate::try_ref!(xs, std::ptr::null_mut()).ex_data.get(idx)
    }

    /// X509_STORE_CTX_new returns an empty context.
    fn X509_STORE_CTX_new() -> *mut X509_STORE_CTX { Box::into_raw(Box::new(X509_STORE_CTX::new())) }
    /// X509_STORE_CTX_free frees a context; NULL is a no-op.
    fn X509_STORE_CTX_free(ctx: *mut X509_STORE_CTX) { store_ctx_free(ctx) }
    /// X509_STORE_CTX_init prepares to verify `x509` (with untrusted intermediates `chain`)
    /// against `store`; 1 on success.
    fn X509_STORE_CTX_init(ctx: *mut X509_STORE_CTX, store: *mut X509_STORE, x509: *mut X509,
                           chain: *mut OPENSSL_STACK) -> c_int {
        let c = crate::try_ref!(ctx, 0);
        c.release();
        c.store.set(store);
        let mut v = Vec::new();
        if super::up_ref(x509) {
            v.push(x509);
        }
        // SAFETY: NULL or a live STACK_OF(X509) (API contract).
        if let Some(sk) = unsafe { chain.as_ref() } {
            for &p in sk.items() {
                if super::up_ref(p.cast()) {
                    v.push(p.cast());
                }
            }
        }
        *c.chain.borrow_mut() = v;
        c.set_position(0, X509_V_OK);
        1
    }
    /// X509_STORE_CTX_cleanup forgets the chain.
    fn X509_STORE_CTX_cleanup(ctx: *mut X509_STORE_CTX) {
        if let Some(c) = ctx_ref(ctx) {
            c.release();
        }
    }
    /// X509_verify_cert verifies the context's chain; 1 when valid, 0 otherwise (see
    /// X509_STORE_CTX_get_error).
    fail = -1;
    fn X509_verify_cert(ctx: *mut X509_STORE_CTX) -> c_int {
        let c = crate::try_ref!(ctx, -1);
        let chain = c.chain_der();
        if chain.is_empty() {
            crate::error::put_error(crate::error::ERR_LIB_X509, crate::error::X509_R_NO_CERT_SET_FOR_US_TO_VERIFY, "");
            return -1;
        }
        let (code, depth) = match c.verifier.borrow().as_ref() {
            Some(v) => v(&chain),
            None => c.verify_default(&chain),
        };
        c.set_position(depth, code);
        (code == X509_V_OK) as c_int
    }
    /// X509_STORE_CTX_get_current_cert: the certificate at the current depth (not owned).
    fn X509_STORE_CTX_get_current_cert(ctx: *const X509_STORE_CTX) -> *mut X509 {
        let c = crate::try_ref!(ctx, std::ptr::null_mut());
        c.chain.borrow().get(c.depth.get()).copied().unwrap_or(std::ptr::null_mut())
    }
    /// X509_STORE_CTX_get0_cert: the certificate being verified (the leaf; not owned).
    fn X509_STORE_CTX_get0_cert(ctx: *const X509_STORE_CTX) -> *mut X509 {
        let c = crate::try_ref!(ctx, std::ptr::null_mut());
        c.chain.borrow().first().copied().unwrap_or(std::ptr::null_mut())
    }
    /// X509_STORE_CTX_get_error: the X509_V_* result at the current depth.
    fn X509_STORE_CTX_get_error(ctx: *const X509_STORE_CTX) -> c_int {
        crate::try_ref!(ctx, 0).error()
    }
    /// X509_STORE_CTX_set_error overrides the result (a verify callback may clear it).
    fn X509_STORE_CTX_set_error(ctx: *mut X509_STORE_CTX, s: c_int) {
        crate::try_ref!(ctx, ()).error.set(s);
    }
    /// X509_STORE_CTX_get_error_depth: depth of the certificate the result is about.
    fn X509_STORE_CTX_get_error_depth(ctx: *const X509_STORE_CTX) -> c_int {
        crate::try_ref!(ctx, 0).error_depth()
    }
    /// X509_STORE_CTX_set_error_depth.
    fn X509_STORE_CTX_set_error_depth(ctx: *mut X509_STORE_CTX, depth: c_int) {
        crate::try_ref!(ctx, ()).error_depth.set(depth);
    }
    /// X509_STORE_CTX_get_ex_data (index SSL_get_ex_data_X509_STORE_CTX_idx() holds the SSL).
    fn X509_STORE_CTX_get_ex_data(ctx: *const X509_STORE_CTX, idx: c_int) -> *mut c_void {
        crate::try_ref!(ctx, std::ptr::null_mut()).ex_data.get(idx)
    }
    /// X509_STORE_CTX_set_ex_data; 1 on success.
    fn X509_STORE_CTX_set_ex_data(ctx: *mut X509_STORE_CTX, idx: c_int, data: *mut c_void) -> c_int {
        crate::try_ref!(ctx, 0).ex_data.set(idx, data) as c_int
    }
    /// X509_STORE_CTX_get0_store.
    fn X509_STORE_CTX_get0_store(ctx: *const X509_STORE_CTX) -> *mut X509_STORE {
        crate::try_ref!(ctx, std::ptr::null_mut()).store.get()
    }
    /// X509_STORE_CTX_get0_chain: the chain (leaf first), owned by the context.
    fn X509_STORE_CTX_get0_chain(ctx: *const X509_STORE_CTX) -> *mut OPENSSL_STACK {
        let c = crate::try_ref!(ctx, std::ptr::null_mut());
        if !c.chain_stack.get().is_null() {
            return c.chain_stack.get();
        }
        let sk = stack::OPENSSL_sk_new_null();
        for &p in c.chain.borrow().iter() {
            stack::OPENSSL_sk_push(sk, p as *const c_void);
        }
        c.chain_stack.set(sk);
        sk
    }
    /// X509_STORE_CTX_get1_chain: a new stack holding new references (free with
    /// sk_X509_pop_free(sk, X509_free)).
    fn X509_STORE_CTX_get1_chain(ctx: *const X509_STORE_CTX) -> *mut OPENSSL_STACK {
        let c = crate::try_ref!(ctx, std::ptr::null_mut());
        stack::of_x509_refs(&c.chain.borrow())
    }
}
