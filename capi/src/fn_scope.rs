//! The exported function the current thread is inside: the bottom of the crate's layers, so
//! that both the error queue (which labels entries with it) and [`crate::entry`] (which sets
//! it) depend on it and not on each other.
use std::cell::Cell;

thread_local! {
    /// The exported function this thread is currently inside (innermost), for error entries.
    static CURRENT_FN: Cell<&'static str> = const { Cell::new("") };
}

/// Marks the current thread as being inside exported function `name` until dropped.
///
/// Restores the previous name on drop, so a C callback that calls back into the library
/// (for example a verify callback calling `X509_STORE_CTX_get_error`) does not relabel the
/// outer call's later errors.
pub struct FnScope {
    /// This thread's `CURRENT_FN` (NULL when it was not reachable), so dropping does not
    /// look the thread-local up a second time (a `__tls_get_addr` call in a shared library,
    /// twice per exported call).
    slot: *const Cell<&'static str>,
    prev: &'static str,
}

impl FnScope {
    /// Enters `name`.
    #[inline]
    pub fn enter(name: &'static str) -> Self {
        // try_with: exported functions may run from thread-local destructors.
        let (slot, prev) = CURRENT_FN
            .try_with(|c| (c as *const Cell<&'static str>, c.replace(name)))
            .unwrap_or((std::ptr::null(), ""));
        FnScope { slot, prev }
    }
}

impl Drop for FnScope {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: `slot` is NULL or this thread's CURRENT_FN (FnScope holds a raw pointer,
        // so it is neither Send nor Sync and is dropped on the thread that made it). The
        // Cell is const-initialised and has no destructor, so it stays valid for the
        // thread's whole life.
        if let Some(c) = unsafe { self.slot.as_ref() } {
            c.set(self.prev);
        }
    }
}

/// The exported function the current thread is inside, or "" outside any.
pub fn current_function() -> &'static str {
    CURRENT_FN.try_with(|c| c.get()).unwrap_or("")
}
