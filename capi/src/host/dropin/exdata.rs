//! ex_data slots of `SSL`, `SSL_CTX` and `SSL_SESSION` kept in libcrypto.
//!
//! `SSL_get_ex_new_index` and friends are macros over libcrypto's `CRYPTO_get_ex_new_index`,
//! so a program allocates its indices (and registers its new/free callbacks) in libcrypto.
//! Each object therefore embeds a real libcrypto `CRYPTO_EX_DATA` (`struct
//! crypto_ex_data_st { OSSL_LIB_CTX *ctx; STACK_OF(void) *sk; }`, public in OpenSSL 3.0's
//! `crypto.h`), boxed so the address handed to callbacks never moves, and uses
//! `CRYPTO_new_ex_data` / `CRYPTO_get_ex_data` / `CRYPTO_set_ex_data` / `CRYPTO_free_ex_data`.
use std::cell::UnsafeCell;
use std::ffi::{c_int, c_void};
use std::sync::Mutex;

use super::ffi;

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

/// Highest index + 1 an object accepts: libcrypto grows the slot array up to the index, so
/// an absurd index from C must not become an absurd allocation.
pub const MAX_EX_INDICES: c_int = 1024;

/// libcrypto's `struct crypto_ex_data_st`.
#[repr(C)]
struct RawExData {
    ctx: *mut c_void,
    sk: *mut c_void,
}

/// The ex_data of one object: a libcrypto `CRYPTO_EX_DATA` at a fixed address.
pub struct ExData {
    class: c_int,
    raw: Box<UnsafeCell<RawExData>>,
    /// Serialises get/set from several threads (an `SSL_CTX` is shared); never held while
    /// application callbacks run, since they may call `*_set_ex_data` themselves.
    lock: Mutex<()>,
}

// SAFETY: the slots are opaque application pointers; every access from Rust is serialised
// by `lock`, and libcrypto's new/free run once, at creation and destruction of the parent.
unsafe impl Send for ExData {}
// SAFETY: as above.
unsafe impl Sync for ExData {}

impl ExData {
    /// Empty slots for an object of `class`. Registered `new_func`s run only when `parent` is
    /// non-NULL (pass NULL while the object is not built yet and call [`ExData::run_new`]).
    pub fn new(class: c_int, parent: *mut c_void) -> Self {
        let d = ExData {
            class,
            raw: Box::new(UnsafeCell::new(RawExData {
                ctx: std::ptr::null_mut(),
                sk: std::ptr::null_mut(),
            })),
            lock: Mutex::new(()),
        };
        if !parent.is_null() {
            d.run_new(parent);
        }
        d
    }

    /// `CRYPTO_new_ex_data`: binds the slots to libcrypto and runs the class's `new_func`s.
    pub fn run_new(&self, parent: *mut c_void) {
        // SAFETY: our boxed CRYPTO_EX_DATA, alive as long as self.
        unsafe { ffi::CRYPTO_new_ex_data(self.class, parent, self.as_ptr()) };
    }

    /// The `CRYPTO_EX_DATA *` for C.
    pub fn as_ptr(&self) -> *mut c_void {
        self.raw.get().cast()
    }

    /// The pointer stored at `idx`, NULL when unset (`CRYPTO_get_ex_data`).
    pub fn get(&self, idx: c_int) -> *mut c_void {
        let _g = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: our CRYPTO_EX_DATA; libcrypto bounds-checks idx.
        unsafe { ffi::CRYPTO_get_ex_data(self.as_ptr(), idx) }
    }

    /// Stores `ptr` at `idx` (`CRYPTO_set_ex_data`); false for a negative index or one of
    /// [`MAX_EX_INDICES`] or more.
    pub fn set(&self, idx: c_int, ptr: *mut c_void) -> bool {
        if !(0..MAX_EX_INDICES).contains(&idx) {
            return false;
        }
        let _g = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: our CRYPTO_EX_DATA; libcrypto grows the slot stack as needed.
        unsafe { ffi::CRYPTO_set_ex_data(self.as_ptr(), idx, ptr) == 1 }
    }

    /// `CRYPTO_free_ex_data`: runs the class's `free_func`s for `parent` and releases the
    /// slots. Call once, when the parent object is destroyed.
    pub fn free(&self, parent: *mut c_void) {
        // SAFETY: our CRYPTO_EX_DATA; libcrypto leaves it empty (sk NULL) afterwards.
        unsafe { ffi::CRYPTO_free_ex_data(self.class, parent, self.as_ptr()) };
    }
}
