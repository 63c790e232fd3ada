//! TLS passthrough (drop-in build only): TLS objects are served by the system's real libssl.
//!
//! rdtls speaks DTLS only. A process that loads our `libssl.so.3` for DTLS may also speak TLS
//! (socat `OPENSSL:`, coturn's TLS listener, libcurl). When it asks for a TLS method
//! (`TLS_method`, `SSLv23_client_method`, `TLSv1_2_server_method`, ...) and makes a context
//! from it, `SSL_CTX_new` loads OpenSSL's own
//! `libssl.so.3` privately — `dlopen` of its full path with `RTLD_LOCAL | RTLD_DEEPBIND`, so its
//! internal calls bind to itself while it shares the process's `libcrypto.so.3` (BIOs, X509,
//! EVP_PKEY, the error queue) — and returns the context the real library makes with *its*
//! method of the same name. Every object made from that context is the real library's. (The
//! method functions themselves return our statics: `openssl s_server -dtls1_2` calls
//! `TLS_server_method()` before it picks DTLS, and must not load anything.)
//!
//! Dispatch is generic, in [`crate::entry!`]: every exported function looks at its arguments
//! whose type is one of the libssl object pointers (`SSL`, `SSL_CTX`, `SSL_SESSION`,
//! `SSL_METHOD`, `SSL_CIPHER`, `SSL_CONF_CTX`). If any of them was not made by us, the call
//! goes to the real function of the same name (`dlsym`, cached per function). "Made by us"
//! is a registry of our heap objects (registered when created, removed in their `Drop`) plus
//! the address ranges of our static methods and ciphers. Nothing is looked up until the real
//! library has been loaded, so a DTLS-only process pays one atomic load per call.
//!
//! `SSL_CONF_CTX` has no method: ours is made first and gets a real twin (with the same
//! flags) the first time it is used with a real object (`SSL_CONF_CTX_set_ssl_ctx` on a TLS
//! context); from then on its calls go to the twin.
//!
//! Limits (see README "TLS passthrough"): mixing one library's object into the other's
//! function (our `SSL_SESSION` on a TLS `SSL`, `SSL_set_SSL_CTX` across families) is not
//! supported; `BIO_f_ssl()` and `SSL_get_ex_data_X509_STORE_CTX_idx()` take no object and are
//! ours, so they serve DTLS objects only.

#[cfg(feature = "dropin")]
pub use imp::*;

/// Records a heap object made by us (no-op in the standalone build).
#[cfg(not(feature = "dropin"))]
#[inline]
pub fn register<T>(_p: *const T) {}

/// Forgets a heap object made by us, called from its `Drop` (no-op in the standalone build).
#[cfg(not(feature = "dropin"))]
#[inline]
pub fn forget<T>(_p: *const T) {}

/// Registers how to read our `SSL_CONF_CTX`'s flags (no-op in the standalone build).
#[cfg(not(feature = "dropin"))]
#[inline]
pub fn register_conf_flags(_read: fn(usize) -> std::ffi::c_uint) {}

#[cfg(feature = "dropin")]
mod imp {
    use std::collections::{HashMap, HashSet};
    use std::ffi::{c_char, c_uint, c_void, CStr, CString};
    use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
    use std::sync::{Mutex, OnceLock};

    /// Set once the real libssl is loaded; until then no call is dispatched.
    static ACTIVE: AtomicBool = AtomicBool::new(false);
    /// The `dlopen` handle of the real libssl (stored as usize: raw pointers are not Sync).
    static REAL: OnceLock<Option<usize>> = OnceLock::new();
    /// Addresses of our live `SSL`, `SSL_CTX`, `SSL_SESSION` and `SSL_CONF_CTX` objects.
    static OURS: Mutex<Option<HashSet<usize>>> = Mutex::new(None);
    /// Our `SSL_CONF_CTX` -> its real twin, once bound to a real object.
    static TWINS: Mutex<Option<HashMap<usize, usize>>> = Mutex::new(None);

    /// Where OpenSSL's libssl.so.3 lives on common systems (the soname alone may name us).
    const CANDIDATES: &[&str] = &[
        "/usr/lib/x86_64-linux-gnu/libssl.so.3",
        "/lib/x86_64-linux-gnu/libssl.so.3",
        "/usr/lib/aarch64-linux-gnu/libssl.so.3",
        "/usr/lib64/libssl.so.3",
        "/usr/lib/libssl.so.3",
    ];

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a heap object made by us.
    pub fn register<T>(p: *const T) {
        if !p.is_null() {
            lock(&OURS)
                .get_or_insert_with(HashSet::new)
                .insert(p as usize);
        }
    }

    /// Forgets a heap object made by us (from its `Drop`, before the memory is released).
    pub fn forget<T>(p: *const T) {
        if let Some(set) = lock(&OURS).as_mut() {
            set.remove(&(p as usize));
        }
    }

    /// True once the real libssl is loaded (cheap: checked by every exported function).
    #[inline]
    pub fn active() -> bool {
        ACTIVE.load(Ordering::Acquire)
    }

    /// The canonical path of the file that defines `addr`, via `dladdr`.
    fn file_of(addr: *const c_void) -> Option<std::path::PathBuf> {
        // SAFETY: Dl_info is plain data; dladdr only reads the address.
        let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
        // SAFETY: as above; info is a valid out-parameter.
        if unsafe { libc::dladdr(addr, &mut info) } == 0 || info.dli_fname.is_null() {
            return None;
        }
        // SAFETY: dladdr returned a NUL-terminated path owned by the loader.
        let name = unsafe { CStr::from_ptr(info.dli_fname) }.to_str().ok()?;
        std::fs::canonicalize(name).ok()
    }

    /// Why passthrough is off, or the path to load.
    fn choose_path() -> Result<String, String> {
        if std::env::var("RDTLS_NO_TLS_PASSTHROUGH").is_ok_and(|v| v == "1") {
            return Err("TLS passthrough disabled by RDTLS_NO_TLS_PASSTHROUGH=1".into());
        }
        let me = file_of(crate::ssl::method::TLS_method as *const c_void);
        let explicit = std::env::var("RDTLS_SYSTEM_LIBSSL").ok();
        for cand in explicit
            .iter()
            .map(String::as_str)
            .chain(CANDIDATES.iter().copied())
        {
            let Ok(real) = std::fs::canonicalize(cand) else {
                continue;
            };
            if me.as_ref() == Some(&real) {
                continue; // that file is us
            }
            return Ok(cand.to_string());
        }
        Err("no system libssl.so.3 found for TLS passthrough".into())
    }

    /// Loads the real libssl once; its handle, or None (with the reason on stderr when
    /// RDTLS_TRACE is set, and on the error queue by the caller).
    fn real_handle() -> Option<*mut c_void> {
        let h = REAL.get_or_init(|| match load() {
            Ok(h) => {
                ACTIVE.store(true, Ordering::Release);
                Some(h as usize)
            }
            Err(why) => {
                if std::env::var_os("RDTLS_TRACE").is_some() {
                    eprintln!("rdtls: {why}");
                }
                None
            }
        });
        h.map(|h| h as *mut c_void)
    }

    fn load() -> Result<*mut c_void, String> {
        let path = choose_path()?;
        let c = CString::new(path.clone()).map_err(|_| "bad path".to_string())?;
        // SAFETY: a NUL-terminated path; RTLD_DEEPBIND keeps the real library's own calls
        // inside it (our exports of the same names must not interpose), RTLD_LOCAL keeps its
        // names out of the global scope.
        let h = unsafe {
            libc::dlopen(
                c.as_ptr(),
                libc::RTLD_NOW | libc::RTLD_LOCAL | libc::RTLD_DEEPBIND,
            )
        };
        if h.is_null() {
            return Err(format!("cannot load {path} for TLS passthrough"));
        }
        // Verify what we got is not ourselves (an LD_PRELOADed copy at that path).
        // SAFETY: a live handle and a NUL-terminated name.
        let sym = unsafe { libc::dlsym(h, c"TLS_method".as_ptr()) };
        if sym.is_null() || sym == crate::ssl::method::TLS_method as *mut c_void {
            // SAFETY: the handle came from dlopen above.
            unsafe { libc::dlclose(h) };
            return Err(format!("{path} is rdtls itself, not OpenSSL's libssl"));
        }
        Ok(h)
    }

    /// The real library's function `name` (NUL-terminated), cached in `slot`.
    pub fn real_fn(name: &'static str, slot: &AtomicPtr<c_void>) -> Option<*mut c_void> {
        let cached = slot.load(Ordering::Acquire);
        if !cached.is_null() {
            return Some(cached);
        }
        let h = real_handle()?;
        // SAFETY: a live handle and a NUL-terminated name (the macro appends "\0").
        let f = unsafe { libc::dlsym(h, name.as_ptr() as *const c_char) };
        if f.is_null() {
            return None;
        }
        slot.store(f, Ordering::Release);
        Some(f)
    }

    /// The real library's function `name` (NUL-terminated) as the function pointer type `F`
    /// (which must be OpenSSL's prototype of it), cached in `slot`.
    pub fn real_as<F: Copy>(name: &'static str, slot: &AtomicPtr<c_void>) -> Option<F> {
        let f = real_fn(name, slot)?;
        if std::mem::size_of::<F>() != std::mem::size_of::<*mut c_void>() {
            return None;
        }
        // SAFETY: F is a pointer-sized function pointer type with the real prototype (the
        // caller's contract); f is that function's address.
        Some(unsafe { std::mem::transmute_copy::<*mut c_void, F>(&f) })
    }

    /// True when `s`, an `SSL *` found inside a BIO, belongs to the real library (then the
    /// BIO is the real library's `BIO_f_ssl` and the whole call must go there).
    pub fn foreign_ssl<T>(s: *mut T) -> bool {
        active() && is_foreign("*mut SSL", &s)
    }

    /// The real library's `SSL_get_ex_data_X509_STORE_CTX_idx()` once it is loaded. Our
    /// exported function answers with it then, and our verify contexts hold their `SSL *`
    /// under it as well as under ours, so a callback finds its `SSL` through the index it
    /// asks for whichever library runs the verification.
    pub fn real_store_ctx_idx() -> Option<std::ffi::c_int> {
        static IDX: OnceLock<Option<std::ffi::c_int>> = OnceLock::new();
        if !active() {
            return None;
        }
        *IDX.get_or_init(|| {
            static REAL: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());
            type IdxFn = extern "C" fn() -> std::ffi::c_int;
            let f = real_as::<IdxFn>("SSL_get_ex_data_X509_STORE_CTX_idx\0", &REAL)?;
            Some(f()).filter(|&i| i >= 0)
        })
    }

    /// The real library's method `name` (a TLS method function, NUL-terminated), loading the
    /// library on first use; None when passthrough is unavailable (our own method then
    /// fails as before).
    pub fn real_method(name: &'static str) -> Option<*const c_void> {
        static CACHE: Mutex<Vec<(&'static str, usize)>> = Mutex::new(Vec::new());
        if let Some(&(_, m)) = lock(&CACHE).iter().find(|(n, _)| *n == name) {
            return Some(m as *const c_void);
        }
        let slot = AtomicPtr::new(std::ptr::null_mut());
        let f = real_fn(name, &slot)?;
        // SAFETY: an SSL_METHOD constructor of OpenSSL's libssl: no arguments, returns a
        // pointer to a static method.
        let f: extern "C" fn() -> *const c_void = unsafe { std::mem::transmute(f) };
        let m = f();
        if m.is_null() {
            return None;
        }
        lock(&CACHE).push((name, m as usize));
        Some(m)
    }

    /// Which libssl object an argument type names.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Kind {
        Heap,
        Method,
        Cipher,
        Conf,
    }

    /// Classifies `ty` (the argument's type as written: `*mut SSL`, `*const SSL_CTX`, ...).
    fn kind_of(ty: &str) -> Option<Kind> {
        let t = ty.trim();
        let rest = t
            .strip_prefix("*mut")
            .or_else(|| t.strip_prefix("*const"))?;
        if rest.contains('*') {
            return None; // out-parameters (SSL_SESSION **) are not objects
        }
        let last = rest.rsplit([':', ' ']).next()?.trim();
        match last {
            "SSL" | "SSL_CTX" | "SSL_SESSION" => Some(Kind::Heap),
            "SSL_METHOD" => Some(Kind::Method),
            "SSL_CIPHER" => Some(Kind::Cipher),
            "SSL_CONF_CTX" => Some(Kind::Conf),
            _ => None,
        }
    }

    /// The pointer value of `v` when it is a pointer-sized value.
    fn addr_of<T>(v: &T) -> usize {
        if std::mem::size_of::<T>() != std::mem::size_of::<usize>() {
            return 0;
        }
        // SAFETY: T is pointer-sized (checked) and, by its classified type, a raw pointer.
        unsafe { std::mem::transmute_copy::<T, usize>(v) }
    }

    /// True when argument `v` of type `ty` is a libssl object the real library made.
    pub fn is_foreign<T>(ty: &'static str, v: &T) -> bool {
        let Some(kind) = kind_of(ty) else {
            return false;
        };
        let a = addr_of(v);
        if a == 0 {
            return false;
        }
        match kind {
            Kind::Heap => !lock(&OURS).as_ref().is_some_and(|s| s.contains(&a)),
            Kind::Method => crate::ssl::method::ours_at(a).is_none(),
            Kind::Cipher => !crate::ssl::cipher::is_ours(a),
            Kind::Conf => lock(&TWINS).as_ref().is_some_and(|m| m.contains_key(&a)),
        }
    }

    /// Argument `v` as the real library must see it: our `SSL_CONF_CTX` becomes its real
    /// twin (made on first use), our TLS method the real library's; everything else is
    /// passed unchanged.
    pub fn map_arg<T: Copy>(ty: &'static str, v: T) -> T {
        let kind = kind_of(ty);
        let a = addr_of(&v);
        if a == 0 {
            return v;
        }
        let twin = match kind {
            Some(Kind::Conf) => conf_twin(a),
            Some(Kind::Method) => match crate::ssl::method::ours_at(a) {
                Some(m) if m.family == crate::ssl::method::Family::Tls => {
                    real_method(m.fn_name).map_or(0, |p| p as usize)
                }
                _ => 0,
            },
            _ => 0,
        };
        if twin == 0 {
            return v;
        }
        // SAFETY: T is a pointer-sized raw pointer (Conf or Method); usize -> pointer.
        unsafe { std::mem::transmute_copy::<usize, T>(&twin) }
    }

    /// Reads the flags of our `SSL_CONF_CTX` at an address. `ssl::conf` registers it when it
    /// makes one, so that this module, below the `ssl` modules (lib.rs), names none of
    /// their types.
    static CONF_FLAGS: OnceLock<fn(usize) -> c_uint> = OnceLock::new();

    /// Called by `SSL_CONF_CTX_new` (ours) before the object can reach `map_arg`.
    pub fn register_conf_flags(read: fn(usize) -> c_uint) {
        let _ = CONF_FLAGS.set(read);
    }

    /// The real twin of our `SSL_CONF_CTX` at `a`, created with its flags on first use.
    fn conf_twin(a: usize) -> usize {
        if let Some(&t) = lock(&TWINS).as_ref().and_then(|m| m.get(&a)) {
            return t;
        }
        static NEW: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());
        static FLAGS: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());
        let (Some(newf), Some(flagsf)) = (
            real_fn("SSL_CONF_CTX_new\0", &NEW),
            real_fn("SSL_CONF_CTX_set_flags\0", &FLAGS),
        ) else {
            return 0;
        };
        type NewFn = extern "C" fn() -> *mut c_void;
        type FlagsFn = extern "C" fn(*mut c_void, c_uint) -> c_uint;
        // SAFETY: OpenSSL's prototypes of these two functions.
        let newf = unsafe { std::mem::transmute::<*mut c_void, NewFn>(newf) };
        // SAFETY: as above.
        let flagsf = unsafe { std::mem::transmute::<*mut c_void, FlagsFn>(flagsf) };
        let twin = newf();
        if twin.is_null() {
            return 0;
        }
        let flags = CONF_FLAGS.get().map_or(0, |read| read(a));
        flagsf(twin, flags);
        lock(&TWINS)
            .get_or_insert_with(HashMap::new)
            .insert(a, twin as usize);
        twin as usize
    }

    /// After `SSL_CONF_CTX_free` went to the twin: forget it (ours is freed next).
    pub fn conf_freed<T>(ty: &'static str, v: &T) {
        if kind_of(ty) == Some(Kind::Conf) {
            let a = addr_of(v);
            if let Some(m) = lock(&TWINS).as_mut() {
                m.remove(&a);
            }
        }
    }

    /// Functions that run in both libraries (ours after the real one): the ones that take no
    /// object but initialise or configure library-wide state, and `SSL_CONF_CTX_free` (the
    /// twin and ours are both released).
    pub fn runs_in_both(name: &str) -> bool {
        matches!(
            name,
            "OPENSSL_init_ssl"
                | "SSL_library_init"
                | "SSL_load_error_strings"
                | "ERR_load_SSL_strings"
                | "SSL_add_ssl_module"
                | "SSL_CONF_CTX_free"
        )
    }

    /// True when any of `types` is a libssl object pointer type.
    pub fn takes_object(types: &[&str]) -> bool {
        types.iter().any(|t| kind_of(t).is_some())
    }

    /// Queues the error for a real-library object whose function the real library lacks.
    #[cold]
    pub fn missing(name: &'static str) {
        crate::error::put_error(
            crate::error::lib_for_function(name),
            crate::error::ERR_R_UNSUPPORTED,
            format!("{name}: object of the system libssl, which has no such function"),
        );
    }
}
