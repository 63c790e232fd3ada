//! A panic inside an `SSL` operation marks the object failed.
//!
//! The entry wrapper catches every panic at the C boundary, but the object the panic
//! interrupted may be half-updated (an engine call stopped midway). Running on from there
//! could send or accept data in a state nobody designed, so the operation's guard marks the
//! object failed while the panic unwinds: every later call re-raises "internal error" as
//! after any fatal error, and `SSL_clear` / `SSL_free` are what remains possible.
use crate::error::ERR_R_INTERNAL_ERROR;

use super::objects::SSL;

/// Text stored as the failure of an object a panic interrupted.
pub const PANIC_DETAIL: &str = "internal error: a panic interrupted an operation on this SSL";

/// Marks its `SSL` failed if dropped while the thread panics (see the module documentation).
pub struct PanicGuard<'a>(&'a SSL);

impl SSL {
    /// A guard for one operation on this object.
    pub(crate) fn panic_guard(&self) -> PanicGuard<'_> {
        PanicGuard(self)
    }

    /// True when a panic interrupted an earlier operation.
    pub(crate) fn poisoned(&self) -> bool {
        self.failed
            .try_borrow()
            .map(|f| matches!(&*f, Some((r, d)) if *r == ERR_R_INTERNAL_ERROR && d == PANIC_DETAIL))
            .unwrap_or(false)
    }
}

impl Drop for PanicGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            if let Ok(mut f) = self.0.failed.try_borrow_mut() {
                *f = Some((ERR_R_INTERNAL_ERROR, PANIC_DETAIL.to_owned()));
            }
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Test hook: the next datagram fed to the engine on this thread panics first.
    pub static PANIC_ON_NEXT_FEED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Panics when a test armed [`PANIC_ON_NEXT_FEED`] (compiled only in tests).
#[inline]
pub(crate) fn test_panic_point() {
    #[cfg(test)]
    if PANIC_ON_NEXT_FEED.with(|p| p.replace(false)) {
        panic!("panic injected by a test");
    }
}
