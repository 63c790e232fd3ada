//! The standalone error queue: one bounded queue per thread, owned by this crate.
use std::cell::RefCell;
use std::collections::VecDeque;
use std::ffi::{c_int, c_ulong};

use super::{cstring, Entry, ERR_NUM_ERRORS, ERR_SYSTEM_FLAG, ERR_SYSTEM_MASK};

/// A thread's queue plus the last entry handed out by an `ERR_get_*` call (its strings must
/// stay valid after removal, as OpenSSL's do, until the next call that removes one).
#[derive(Default)]
pub(super) struct Queue {
    pub(super) entries: VecDeque<Entry>,
    pub(super) taken: Option<Entry>,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
}

/// Runs `f` on this thread's queue. During thread teardown (the queue already destroyed)
/// or on re-entry, `f` gets a scratch queue instead: an error raised then is lost, but
/// nothing panics (a panic in a thread-local destructor aborts the process).
pub(super) fn with_queue<R>(f: impl FnOnce(&mut Queue) -> R) -> R {
    let mut f = Some(f);
    let done = QUEUE.try_with(|q| match (q.try_borrow_mut(), f.take()) {
        (Ok(mut q), Some(f)) => Ok(f(&mut q)),
        (_, f) => Err(f),
    });
    match done {
        Ok(Ok(r)) => r,
        Ok(Err(Some(f))) => f(&mut Queue::default()),
        Ok(Err(None)) => unreachable!("the closure is taken once"),
        Err(_) => match f.take() {
            Some(f) => f(&mut Queue::default()),
            None => unreachable!("try_with failed before running the closure"),
        },
    }
}

/// Appends `entry`, dropping the oldest one when the queue is full (as OpenSSL does).
pub(super) fn push(entry: Entry) {
    with_queue(|q| {
        if q.entries.len() == ERR_NUM_ERRORS {
            q.entries.pop_front();
        }
        q.entries.push_back(entry);
    });
}

/// Raises an error with every field given explicitly.
pub fn put_error_in(func: &str, lib: c_int, reason: c_int, detail: String, file: &str, line: u32) {
    push(Entry {
        code: super::pack(lib, reason),
        file: Some(cstring(file)),
        line: line.try_into().unwrap_or(c_int::MAX),
        func: Some(cstring(func)),
        data: (!detail.is_empty()).then(|| cstring(&detail)),
        marks: 0,
    });
}

/// Raises `ERR_SYSTEM_FLAG | errno` with `detail` as data.
pub(super) fn put_sys_error_at(errno: c_int, detail: String, file: &str, line: u32) {
    push(Entry {
        code: ERR_SYSTEM_FLAG | (errno as c_ulong & ERR_SYSTEM_MASK),
        file: Some(cstring(file)),
        line: line.try_into().unwrap_or(c_int::MAX),
        func: Some(cstring(crate::fn_scope::current_function())),
        data: Some(cstring(&detail)).filter(|d| !d.is_empty()),
        marks: 0,
    });
}

/// Empties this thread's queue (`ERR_clear_error`).
pub fn clear() {
    with_queue(|q| q.entries.clear());
}

/// True when this thread's queue holds at least one error.
pub fn has_error() -> bool {
    with_queue(|q| q.entries.iter().any(|e| e.code != 0))
}

/// The earliest queued code without removing it, 0 when empty (`ERR_peek_error`).
pub fn peek_code() -> c_ulong {
    with_queue(|q| q.entries.front().map_or(0, |e| e.code))
}

/// The latest queued code without removing it, 0 when empty (`ERR_peek_last_error`).
pub fn peek_last_code() -> c_ulong {
    with_queue(|q| q.entries.back().map_or(0, |e| e.code))
}

/// Removes and returns the earliest entry (`ERR_get_error` for Rust callers and tests).
pub fn take_entry() -> Option<Entry> {
    with_queue(|q| q.entries.pop_front())
}

/// Every queued entry, earliest first, without removing them (for tests and diagnostics).
pub fn snapshot() -> Vec<Entry> {
    with_queue(|q| q.entries.iter().cloned().collect())
}
