//! `SSL_CTX`: shared configuration, safe to use from many threads at once.
//!
//! The C handle is an `Arc<SSL_CTX>` turned into a raw pointer: `SSL_CTX_up_ref` adds a strong
//! count, `SSL_CTX_free` drops one, and every `SSL` holds its own `Arc`. Settings sit behind a
//! mutex with a generation counter; engine [`Config`]s are built lazily from them and cached per
//! generation, so concurrent handshakes share one parsed configuration. The struct is in
//! `objects.rs`; its behaviour is here.
use std::ffi::{c_int, c_long, c_void};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rdtls::config::TicketKey13;
use rdtls::cookie::CookieKeys;
use rdtls::pki::verify::TrustStore;
use rdtls::session::cache::SessionCache;
use rdtls::Config;

use crate::entry::*;
use crate::error::ssl_reasons::SSL_R_NULL_SSL_METHOD_PASSED;
use crate::error::{put_error, ERR_LIB_SSL, ERR_R_INTERNAL_ERROR};
use crate::host::{self, ExData, CRYPTO_EX_INDEX_SSL_CTX, X509_STORE};

use super::consts::*;
use super::method::SSL_METHOD;
use super::objects::{CachedConfig, CtxLive, Settings, SSL_CTX};
use super::settings::*;
use super::state::values::{CtxStats, Variant};
use super::state::{lock, AppPtr};

/// Most config variants kept per context (cookie × message events × keylog).
pub const MAX_CACHED_CONFIGS: usize = 8;

/// A counted reference to an `X509_STORE`, released on drop (see
/// [`SSL_CTX::cert_store_ref`]).
pub struct StoreRef(*mut X509_STORE);

impl StoreRef {
    /// The store (NULL when there is none).
    pub fn ptr(&self) -> *mut X509_STORE {
        self.0
    }
}

impl Drop for StoreRef {
    fn drop(&mut self) {
        if !self.0.is_null() {
            host::store_free(self.0);
        }
    }
}

/// Whether a context whose application sets no maximum version offers DTLS 1.3: yes (as
/// OpenSSL 4.x's `DTLS_method`), unless the operator pins DTLS 1.2 for legacy binaries
/// with `RDTLS_MAX_PROTO=DTLSv1.2` (read at each `SSL_CTX_new`, so it applies to contexts
/// created afterwards). `DTLSv1.3`, unset or any other value keep the default.
fn dtls13_by_environment() -> bool {
    std::env::var_os("RDTLS_MAX_PROTO").is_none_or(|v| v != "DTLSv1.2")
}

impl SSL_CTX {
    fn new(method: &'static SSL_METHOD) -> Self {
        let live = CtxLive {
            session_cache_mode: SSL_SESS_CACHE_SERVER,
            // OpenSSL 3.0's DTLS methods default to two hours (dtls1_default_timeout).
            session_timeout: 7200,
            session_cache_size: SSL_SESSION_CACHE_MAX_SIZE_DEFAULT,
            security_level: 1,
            ..CtxLive::default()
        };
        SSL_CTX {
            method,
            settings: Mutex::new(Arc::new(Settings {
                // A version-specific method pins its version (DTLSv1_2_method: 1.2 only).
                dtls13_method: method.version == DTLS_ANY_VERSION,
                dtls13_by_default: dtls13_by_environment(),
                ..Settings::default()
            })),
            live: Mutex::new(live),
            generation: AtomicU64::new(1),
            configs: Mutex::new(Vec::new()),
            trust: Mutex::new(None),
            cert_store: Mutex::new(AppPtr(host::store_new().cast())),
            session_cache: Arc::new(SessionCache::new(
                cache_capacity(SSL_SESSION_CACHE_MAX_SIZE_DEFAULT),
                session_lifetime(7200),
            )),
            cookie_keys: Arc::new(CookieKeys::new()),
            ticket_key13: TicketKey13::new(std::time::Instant::now())
                .ok()
                .map(Arc::new),
            ex_data: ExData::new(CRYPTO_EX_INDEX_SSL_CTX, std::ptr::null_mut()),
            stats: CtxStats::default(),
            extras: Default::default(),
            own_cert: Default::default(),
            param: Default::default(),
        }
    }

    /// The settings (shared, not copied) and their generation (what `SSL_new` snapshots).
    pub fn snapshot(&self) -> (Arc<Settings>, u64) {
        let s = lock(&self.settings);
        (s.clone(), self.generation.load(Ordering::Acquire))
    }

    /// Reads the settings.
    pub fn with_settings<R>(&self, f: impl FnOnce(&Settings) -> R) -> R {
        f(&lock(&self.settings))
    }

    /// Changes the settings (and invalidates cached configs).
    pub fn update<R>(&self, f: impl FnOnce(&mut Settings) -> R) -> R {
        let mut s = lock(&self.settings);
        let r = f(Arc::make_mut(&mut s));
        self.generation.fetch_add(1, Ordering::AcqRel);
        r
    }

    /// The current settings generation.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// A copy of the live callbacks.
    pub fn live(&self) -> CtxLive {
        lock(&self.live).clone()
    }

    /// Reads the live callbacks without copying them all (the info callback is looked up
    /// for every state transition of every handshake).
    pub fn with_live<R>(&self, f: impl FnOnce(&CtxLive) -> R) -> R {
        f(&lock(&self.live))
    }

    /// Changes the live callbacks.
    pub fn update_live<R>(&self, f: impl FnOnce(&mut CtxLive) -> R) -> R {
        f(&mut lock(&self.live))
    }

    /// The certificate store (`SSL_CTX_get_cert_store`): a borrowed pointer for C, which
    /// stays valid until the application replaces the store. Code in this crate uses
    /// [`SSL_CTX::cert_store_ref`] instead.
    pub fn cert_store(&self) -> *mut X509_STORE {
        lock(&self.cert_store).0.cast()
    }

    /// The certificate store with a reference of its own, taken under the lock, so a
    /// concurrent `SSL_CTX_set_cert_store` on another thread cannot free it while in use.
    pub fn cert_store_ref(&self) -> StoreRef {
        let slot = lock(&self.cert_store);
        let st: *mut X509_STORE = slot.0.cast();
        if st.is_null() || !host::store_up_ref(st) {
            return StoreRef(std::ptr::null_mut());
        }
        StoreRef(st)
    }

    /// Replaces the certificate store, taking ownership of `st` (`SSL_CTX_set_cert_store`).
    pub fn set_cert_store(&self, st: *mut X509_STORE) {
        let old = std::mem::replace(&mut *lock(&self.cert_store), AppPtr(st.cast()));
        if old.0 != st.cast() {
            host::store_free(old.0.cast());
        }
    }

    /// The trust anchors for verification: the store's certificates (plus the system bundle
    /// after `SSL_CTX_set_default_verify_paths`), parsed once per store generation.
    pub fn trust_store(&self) -> (Arc<TrustStore>, u64) {
        let st = self.cert_store_ref();
        let st = st.ptr();
        let gen = host::store_generation(st);
        let system = lock(&self.live).system_trust;
        let mut cache = lock(&self.trust);
        if let Some((g, sys, t)) = cache.as_ref() {
            if *g == gen && *sys == system {
                return (t.clone(), gen);
            }
        }
        let mut t = TrustStore::new();
        for der in host::store_anchors_der(st) {
            // A certificate the store accepted but the engine cannot use is skipped; the
            // handshake reports "unable to get local issuer certificate" if it was needed.
            let _ = t.add_der(&der);
        }
        if system {
            t.add_system_defaults();
        }
        let t = Arc::new(t);
        *cache = Some((gen, system, t.clone()));
        (t, gen)
    }

    /// The engine config for `settings`, shared with every `SSL` whose settings give the
    /// same config (see `Settings::same_config_inputs`): per-`SSL` changes that do not
    /// alter it (or that several `SSL`s make alike, such as `SSL_set_options` right after
    /// `SSL_new`) still share one config, so the certificate chain and the other per-config
    /// data are prepared once, not per handshake.
    pub fn config_for(
        &self,
        settings: &Settings,
        variant: Variant,
    ) -> Result<Arc<Config>, rdtls::Error> {
        let (trust, store_gen) = self.trust_store();
        {
            let cache = lock(&self.configs);
            if let Some(c) = cache.iter().find(|c| {
                c.store_generation == store_gen
                    && c.variant == variant
                    && c.settings.same_config_inputs(settings)
            }) {
                return Ok(c.config.clone());
            }
        }
        let shared = Shared {
            trust,
            cookie_keys: &self.cookie_keys,
            session_cache: &self.session_cache,
            ticket_key13: self.ticket_key13.as_ref(),
        };
        let config = settings.build_config(shared, variant)?;
        let mut cache = lock(&self.configs);
        cache.retain(|c| c.store_generation == store_gen);
        if cache.len() >= MAX_CACHED_CONFIGS {
            cache.remove(0);
        }
        cache.push(CachedConfig {
            settings: settings.clone(),
            store_generation: store_gen,
            variant,
            config: config.clone(),
        });
        Ok(config)
    }
}

// The session cache's state (the exported calls are in session_remove.rs).

/// The number of sessions OpenSSL 3.0's cache holds with `SSL_CTX_sess_set_cache_size(size)`
/// (0: unlimited): one less than `size`, but at least one. SSL_CTX_add_session inserts the
/// new session, then evicts while the count is at least `size`; the new session is not yet
/// in the eviction list, so it survives a size of 1.
pub(crate) fn cache_capacity(size: c_long) -> usize {
    match usize::try_from(size) {
        Ok(0) | Err(_) => 0,
        Ok(n) => (n - 1).max(1),
    }
}

/// `SSL_CTX_free` (the last reference): every cached session is flushed, the callback told
/// of each (OpenSSL's `SSL_CTX_flush_sessions(ctx, 0)`, before the context's ex_data go),
/// then the hook is cleared.
pub(crate) fn flush_on_free(ctx: &SSL_CTX) {
    ctx.session_cache.flush_all();
    ctx.session_cache.set_removal_hook(None);
}

impl Drop for SSL_CTX {
    fn drop(&mut self) {
        // The handle C code saw is the address of this struct (Arc::into_raw points at it).
        let me = self as *mut SSL_CTX;
        // The remove-session callback hears of every cached session first (it may use the
        // context's ex_data, as in OpenSSL's SSL_CTX_free).
        flush_on_free(self);
        crate::passthru::forget(me);
        self.ex_data.free(me.cast());
        let st = lock(&self.cert_store).0;
        host::store_free(st.cast());
    }
}

/// Borrows the context behind a C handle without taking a reference.
///
/// # Safety
/// `ctx` must be NULL or a live handle from [`SSL_CTX_new`].
pub unsafe fn ctx_ref<'a>(ctx: *const SSL_CTX) -> Option<&'a SSL_CTX> {
    // SAFETY: per the function contract.
    unsafe { ctx.as_ref() }
}

/// A new strong reference to the context behind a C handle.
///
/// # Safety
/// `ctx` must be a live, non-NULL handle from [`SSL_CTX_new`].
pub unsafe fn ctx_arc(ctx: *const SSL_CTX) -> Arc<SSL_CTX> {
    // SAFETY: the handle came from Arc::into_raw and is alive (caller's contract), so adding
    // a strong count and rebuilding one Arc is balanced.
    unsafe {
        Arc::increment_strong_count(ctx);
        Arc::from_raw(ctx)
    }
}

/// The C handle for an `Arc` held elsewhere (no reference is transferred).
pub fn ctx_ptr(ctx: &Arc<SSL_CTX>) -> *mut SSL_CTX {
    Arc::as_ptr(ctx) as *mut SSL_CTX
}

/// The system libssl's context for our TLS method `m` (its `SSL_CTX_new` with its method of
/// the same name), or None when TLS passthrough is unavailable.
#[cfg(feature = "dropin")]
fn tls_passthrough_ctx(m: &SSL_METHOD) -> Option<*mut SSL_CTX> {
    use std::sync::atomic::AtomicPtr;
    static NEW: AtomicPtr<c_void> = AtomicPtr::new(std::ptr::null_mut());
    let real_m = crate::passthru::real_method(m.fn_name)?;
    let f = crate::passthru::real_fn("SSL_CTX_new\0", &NEW)?;
    type NewFn = extern "C" fn(*const c_void) -> *mut SSL_CTX;
    // SAFETY: OpenSSL's SSL_CTX_new prototype.
    let f = unsafe { std::mem::transmute::<*mut c_void, NewFn>(f) };
    Some(f(real_m))
}

entry! {
    /// SSL_CTX_new creates a context for `method`; NULL on failure.
    fn SSL_CTX_new(method: *const SSL_METHOD) -> *mut SSL_CTX {
        // SAFETY: NULL or one of our static methods.
        let Some(m) = (unsafe { method.as_ref() }) else {
            put_error(ERR_LIB_SSL, SSL_R_NULL_SSL_METHOD_PASSED, "SSL_CTX_new(NULL)");
            return std::ptr::null_mut();
        };
        // SAFETY: `m` came from a static, so it lives for 'static.
        let m: &'static SSL_METHOD = unsafe { &*(m as *const SSL_METHOD) };
        // Drop-in: a TLS context is the system libssl's (TLS passthrough).
        #[cfg(feature = "dropin")]
        if m.family == super::method::Family::Tls {
            if let Some(ctx) = tls_passthrough_ctx(m) {
                return ctx;
            }
        }
        let ctx = Arc::new(SSL_CTX::new(m));
        if ctx.cert_store().is_null() {
            put_error(ERR_LIB_SSL, ERR_R_INTERNAL_ERROR, "cannot create the certificate store");
            return std::ptr::null_mut();
        }
        let p = Arc::into_raw(ctx) as *mut SSL_CTX;
        crate::passthru::register(p);
        // SAFETY: just created, alive.
        unsafe { (*p).ex_data.run_new(p.cast()) };
        p
    }

    /// SSL_CTX_new_ex: as SSL_CTX_new (library context and properties are ignored).
    fn SSL_CTX_new_ex(_libctx: *mut c_void, _propq: *const std::ffi::c_char,
                      method: *const SSL_METHOD) -> *mut SSL_CTX {
        SSL_CTX_new(method)
    }

    /// SSL_CTX_up_ref adds a reference; 1 on success.
    fn SSL_CTX_up_ref(ctx: *mut SSL_CTX) -> c_int {
        let _ = try_ref!(ctx, 0);
        // SAFETY: a live handle from SSL_CTX_new.
        unsafe { Arc::increment_strong_count(ctx as *const SSL_CTX) };
        1
    }

    /// SSL_CTX_free drops one reference; the last one frees the context. NULL is a no-op.
    fn SSL_CTX_free(ctx: *mut SSL_CTX) {
        if ctx.is_null() {
            return;
        }
        // SAFETY: a live handle from SSL_CTX_new; this consumes the caller's reference (the
        // last one runs Drop, which frees ex_data and the store).
        drop(unsafe { Arc::from_raw(ctx as *const SSL_CTX) });
    }

    /// SSL_CTX_get_ssl_method returns the context's method.
    fn SSL_CTX_get_ssl_method(ctx: *const SSL_CTX) -> *const SSL_METHOD {
        let ctx = try_ref!(ctx, std::ptr::null());
        ctx.method
    }

    /// SSL_CTX_set_ex_data stores `arg` at `idx`; 1 on success.
    fn SSL_CTX_set_ex_data(ctx: *mut SSL_CTX, idx: c_int, arg: *mut c_void) -> c_int {
        let ctx = try_ref!(ctx, 0);
        c_int::from(ctx.ex_data.set(idx, arg))
    }

    /// SSL_CTX_get_ex_data returns the pointer at `idx` (NULL when unset).
    fn SSL_CTX_get_ex_data(ctx: *const SSL_CTX, idx: c_int) -> *mut c_void {
        let ctx = try_ref!(ctx, std::ptr::null_mut());
        ctx.ex_data.get(idx)
    }
}
