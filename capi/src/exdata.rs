//! Application data slots on objects (`CRYPTO_get_ex_new_index`, `*_set_ex_data`).
//!
//! Indices are allocated per class (SSL, SSL_CTX, X509, BIO, ...) from a process-wide
//! registry; index 0 of every class is reserved so `SSL_get_app_data` (= ex_data index 0)
//! never collides with an allocated index, as in OpenSSL. Each object embeds an [`ExData`];
//! its `CRYPTO_EX_DATA *` for C callbacks is [`ExData::as_ptr`].
use std::ffi::{c_int, c_long, c_void};
use std::sync::Mutex;

use crate::entry::entry;

/// `CRYPTO_EX_INDEX_SSL`.
pub const CRYPTO_EX_INDEX_SSL: c_int = 0;
/// `CRYPTO_EX_INDEX_SSL_CTX`.
pub const CRYPTO_EX_INDEX_SSL_CTX: c_int = 1;
/// `CRYPTO_EX_INDEX_SSL_SESSION`.
pub const CRYPTO_EX_INDEX_SSL_SESSION: c_int = 2;
/// `CRYPTO_EX_INDEX_X509`.
pub const CRYPTO_EX_INDEX_X509: c_int = 3;
/// `CRYPTO_EX_INDEX_X509_STORE`.
pub const CRYPTO_EX_INDEX_X509_STORE: c_int = 4;
/// `CRYPTO_EX_INDEX_X509_STORE_CTX`.
pub const CRYPTO_EX_INDEX_X509_STORE_CTX: c_int = 5;
/// `CRYPTO_EX_INDEX_BIO`.
pub const CRYPTO_EX_INDEX_BIO: c_int = 12;
/// `CRYPTO_EX_INDEX_APP`.
pub const CRYPTO_EX_INDEX_APP: c_int = 13;
/// `CRYPTO_EX_INDEX_EVP_PKEY`.
pub const CRYPTO_EX_INDEX_EVP_PKEY: c_int = 17;
/// `CRYPTO_EX_INDEX__COUNT`: number of classes.
pub const CRYPTO_EX_INDEX_COUNT: usize = 18;
/// Most indices one class may allocate (bounds the per-object slot vector).
pub const MAX_EX_INDICES: usize = 1024;

/// `CRYPTO_EX_new`.
pub type ExNewFn =
    unsafe extern "C" fn(*mut c_void, *mut c_void, *mut CRYPTO_EX_DATA, c_int, c_long, *mut c_void);
/// `CRYPTO_EX_free`.
pub type ExFreeFn = ExNewFn;
/// `CRYPTO_EX_dup`.
pub type ExDupFn = unsafe extern "C" fn(
    *mut CRYPTO_EX_DATA,
    *const CRYPTO_EX_DATA,
    *mut *mut c_void,
    c_int,
    c_long,
    *mut c_void,
) -> c_int;

#[derive(Clone, Copy)]
struct Callbacks {
    argl: c_long,
    argp: usize,
    new_func: Option<ExNewFn>,
    free_func: Option<ExFreeFn>,
    freed: bool,
}

/// Per-class callback lists; slot 0 is the reserved app-data index.
static REGISTRY: Mutex<Vec<Vec<Callbacks>>> = Mutex::new(Vec::new());

fn with_registry<R>(f: impl FnOnce(&mut Vec<Vec<Callbacks>>) -> R) -> R {
    let mut g = REGISTRY.lock().unwrap_or_else(|p| p.into_inner());
    if g.is_empty() {
        let reserved = Callbacks {
            argl: 0,
            argp: 0,
            new_func: None,
            free_func: None,
            freed: false,
        };
        *g = vec![vec![reserved]; CRYPTO_EX_INDEX_COUNT];
    }
    f(&mut g)
}

fn class_index(class: c_int) -> Option<usize> {
    usize::try_from(class)
        .ok()
        .filter(|&c| c < CRYPTO_EX_INDEX_COUNT)
}

/// Allocates an index in `class` (what `CRYPTO_get_ex_new_index` does); -1 on failure.
pub fn new_index(
    class: c_int,
    argl: c_long,
    argp: *mut c_void,
    new_func: Option<ExNewFn>,
    free_func: Option<ExFreeFn>,
) -> c_int {
    let Some(c) = class_index(class) else {
        return -1;
    };
    with_registry(|r| {
        let list = &mut r[c];
        if list.len() >= MAX_EX_INDICES {
            return -1;
        }
        list.push(Callbacks {
            argl,
            argp: argp as usize,
            new_func,
            free_func,
            freed: false,
        });
        (list.len() - 1) as c_int
    })
}

/// `CRYPTO_EX_DATA`: the ex_data slots of one object (opaque to C).
pub struct CRYPTO_EX_DATA {
    class: c_int,
    slots: Mutex<Vec<*mut c_void>>,
}

/// The slots embedded in an object; `ExData` is what Rust code names it.
pub type ExData = CRYPTO_EX_DATA;

// SAFETY: the slots are opaque application pointers only stored and returned, under a lock.
unsafe impl Send for CRYPTO_EX_DATA {}
// SAFETY: as above; all access goes through the mutex.
unsafe impl Sync for CRYPTO_EX_DATA {}

impl CRYPTO_EX_DATA {
    /// Empty slots for an object of `class`. Registered `new_func`s run only when `parent` is
    /// non-NULL (pass NULL when the object is not constructed yet and call
    /// [`ExData::run_new`] after).
    pub fn new(class: c_int, parent: *mut c_void) -> Self {
        let d = CRYPTO_EX_DATA {
            class,
            slots: Mutex::new(Vec::new()),
        };
        if !parent.is_null() {
            d.run_new(parent);
        }
        d
    }

    /// Runs the class's `new_func` callbacks for a freshly built `parent`.
    pub fn run_new(&self, parent: *mut c_void) {
        let Some(c) = class_index(self.class) else {
            return;
        };
        // Copied out (callbacks run without the lock) only when one is registered: every
        // SSL and BIO comes through here.
        let cbs = with_registry(|r| {
            r[c].iter()
                .any(|cb| cb.new_func.is_some() && !cb.freed)
                .then(|| r[c].clone())
        })
        .unwrap_or_default();
        for (idx, cb) in cbs.iter().enumerate() {
            if let (Some(f), false) = (cb.new_func, cb.freed) {
                let me = self.as_ptr();
                // SAFETY: the application's callback with OpenSSL's documented arguments.
                unsafe {
                    f(
                        parent,
                        std::ptr::null_mut(),
                        me,
                        idx as c_int,
                        cb.argl,
                        cb.argp as *mut c_void,
                    )
                };
            }
        }
    }

    /// The `CRYPTO_EX_DATA *` for C.
    pub fn as_ptr(&self) -> *mut CRYPTO_EX_DATA {
        self as *const CRYPTO_EX_DATA as *mut CRYPTO_EX_DATA
    }

    /// The pointer stored at `idx`, NULL when unset.
    pub fn get(&self, idx: c_int) -> *mut c_void {
        let slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        usize::try_from(idx)
            .ok()
            .and_then(|i| slots.get(i).copied())
            .unwrap_or(std::ptr::null_mut())
    }

    /// Stores `ptr` at `idx`; false for a negative or absurd index.
    pub fn set(&self, idx: c_int, ptr: *mut c_void) -> bool {
        let Some(i) = usize::try_from(idx).ok().filter(|&i| i < MAX_EX_INDICES) else {
            return false;
        };
        let mut slots = self.slots.lock().unwrap_or_else(|p| p.into_inner());
        if slots.len() <= i {
            slots.resize(i + 1, std::ptr::null_mut());
        }
        slots[i] = ptr;
        true
    }

    /// Runs the class's `free_func` callbacks for `parent` and clears the slots. Call once,
    /// when the parent object is destroyed.
    pub fn free(&self, parent: *mut c_void) {
        let Some(c) = class_index(self.class) else {
            return;
        };
        let cbs = with_registry(|r| {
            r[c].iter()
                .any(|cb| cb.free_func.is_some() && !cb.freed)
                .then(|| r[c].clone())
        })
        .unwrap_or_default();
        for (idx, cb) in cbs.iter().enumerate() {
            if let (Some(f), false) = (cb.free_func, cb.freed) {
                let ptr = self.get(idx as c_int);
                let me = self.as_ptr();
                // SAFETY: the application's callback with OpenSSL's documented arguments.
                unsafe {
                    f(
                        parent,
                        ptr,
                        me,
                        idx as c_int,
                        cb.argl,
                        cb.argp as *mut c_void,
                    )
                };
            }
        }
        self.slots.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }
}

entry! {
    /// CRYPTO_get_ex_new_index allocates an ex_data index in `class_index`; -1 on failure.
    /// `dup_func` is accepted and ignored (objects here are never duplicated).
    fail = -1;
    fn CRYPTO_get_ex_new_index(class: c_int, argl: c_long, argp: *mut c_void,
                               new_func: Option<ExNewFn>, _dup_func: Option<ExDupFn>,
                               free_func: Option<ExFreeFn>) -> c_int {
        new_index(class, argl, argp, new_func, free_func)
    }

    /// CRYPTO_free_ex_index stops the callbacks of an index; 1 on success.
    fn CRYPTO_free_ex_index(class: c_int, idx: c_int) -> c_int {
        let (Some(c), Ok(i)) = (class_index(class), usize::try_from(idx)) else { return 0 };
        with_registry(|r| match r[c].get_mut(i) {
            Some(cb) if i > 0 => {
                cb.freed = true;
                1
            }
            _ => 0,
        })
    }

    /// CRYPTO_set_ex_data stores `val` at `idx` of `ad`; 1 on success.
    fn CRYPTO_set_ex_data(ad: *mut CRYPTO_EX_DATA, idx: c_int, val: *mut c_void) -> c_int {
        let ad = crate::try_ref!(ad, 0);
        ad.set(idx, val) as c_int
    }

    /// CRYPTO_get_ex_data returns the pointer at `idx` of `ad`, NULL when unset.
    fn CRYPTO_get_ex_data(ad: *const CRYPTO_EX_DATA, idx: c_int) -> *mut c_void {
        let ad = crate::try_ref!(ad, std::ptr::null_mut());
        ad.get(idx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    static FREED: AtomicUsize = AtomicUsize::new(0);
    unsafe extern "C" fn on_free(
        _parent: *mut c_void,
        ptr: *mut c_void,
        _ad: *mut CRYPTO_EX_DATA,
        _idx: c_int,
        argl: c_long,
        _argp: *mut c_void,
    ) {
        assert_eq!(argl, 42);
        FREED.fetch_add(ptr as usize, Ordering::SeqCst);
    }

    #[test]
    fn indices_start_at_one_and_free_runs() {
        let idx = CRYPTO_get_ex_new_index(
            CRYPTO_EX_INDEX_APP,
            42,
            std::ptr::null_mut(),
            None,
            None,
            Some(on_free),
        );
        assert!(idx >= 1, "index 0 is reserved for app data");
        let d = ExData::new(CRYPTO_EX_INDEX_APP, std::ptr::null_mut());
        assert!(d.get(idx).is_null());
        assert_eq!(CRYPTO_set_ex_data(d.as_ptr(), idx, 5 as *mut c_void), 1);
        assert_eq!(CRYPTO_get_ex_data(d.as_ptr(), idx) as usize, 5);
        assert_eq!(CRYPTO_set_ex_data(d.as_ptr(), -1, std::ptr::null_mut()), 0);
        d.free(std::ptr::null_mut());
        assert_eq!(FREED.load(Ordering::SeqCst), 5);
        assert_eq!(
            CRYPTO_get_ex_new_index(99, 0, std::ptr::null_mut(), None, None, None),
            -1
        );
        assert!(CRYPTO_get_ex_data(std::ptr::null(), 1).is_null());
    }
}
