//! `OPENSSL_STACK` and the `OPENSSL_sk_*` functions every typed `STACK_OF(T)` is built on
//! (our safestack.h defines `sk_X509_num` etc. as inline wrappers over these, as 3.0 does).
use std::ffi::{c_int, c_void};

use super::X509;
use crate::entry::entry;

/// `OPENSSL_sk_compfunc`: compares two *pointers to* elements.
pub type CompFn = unsafe extern "C" fn(*const c_void, *const c_void) -> c_int;
/// `OPENSSL_sk_freefunc`.
pub type FreeFn = unsafe extern "C" fn(*mut c_void);
/// `OPENSSL_sk_copyfunc`.
pub type CopyFn = unsafe extern "C" fn(*const c_void) -> *mut c_void;

/// Most elements a stack may hold (bounds growth driven by C callers).
pub const MAX_STACK: usize = c_int::MAX as usize;

/// A stack of opaque pointers.
#[derive(Clone)]
pub struct OPENSSL_STACK {
    data: Vec<*mut c_void>,
    comp: Option<CompFn>,
    sorted: bool,
}

impl OPENSSL_STACK {
    fn new(comp: Option<CompFn>) -> *mut OPENSSL_STACK {
        Box::into_raw(Box::new(OPENSSL_STACK {
            data: Vec::new(),
            comp,
            sorted: false,
        }))
    }

    /// The elements.
    pub fn items(&self) -> &[*mut c_void] {
        &self.data
    }

    fn index(&self, i: c_int) -> Option<usize> {
        usize::try_from(i).ok().filter(|&i| i < self.data.len())
    }

    fn cmp(&self, a: &*mut c_void, b: &*mut c_void) -> std::cmp::Ordering {
        match self.comp {
            Some(f) => {
                // SAFETY: the application's comparator receives pointers to two elements.
                let r = unsafe {
                    f(
                        (a as *const *mut c_void).cast(),
                        (b as *const *mut c_void).cast(),
                    )
                };
                r.cmp(&0)
            }
            None => (*a as usize).cmp(&(*b as usize)),
        }
    }
}

fn sk_ref<'a>(sk: *const OPENSSL_STACK) -> Option<&'a OPENSSL_STACK> {
    // SAFETY: NULL or a live stack from this library (API contract).
    unsafe { sk.as_ref() }
}

fn sk_mut<'a>(sk: *mut OPENSSL_STACK) -> Option<&'a mut OPENSSL_STACK> {
    // SAFETY: NULL or a live stack from this library; a stack is used by one thread at a
    // time and no callback runs while this reference is live.
    unsafe { sk.as_mut() }
}

/// A new stack owning new X509 objects parsed from `chain_der` (bad entries are skipped).
pub fn of_x509_der(chain_der: &[Vec<u8>]) -> *mut OPENSSL_STACK {
    let sk = OPENSSL_STACK::new(None);
    if let Some(s) = sk_mut(sk) {
        s.data = chain_der
            .iter()
            .map(|d| X509::new_raw(d))
            .filter(|p| !p.is_null())
            .map(|p| p.cast())
            .collect();
    }
    sk
}

/// A new stack holding one new reference to each of `certs`.
pub fn of_x509_refs(certs: &[*mut X509]) -> *mut OPENSSL_STACK {
    let sk = OPENSSL_STACK::new(None);
    if let Some(s) = sk_mut(sk) {
        for &c in certs {
            if super::up_ref(c) {
                s.data.push(c.cast());
            }
        }
    }
    sk
}

/// DER of every X509 in a stack of X509.
pub fn x509_der_list(sk: *const OPENSSL_STACK) -> Vec<Vec<u8>> {
    sk_ref(sk).map_or_else(Vec::new, |s| {
        s.data
            .iter()
            .filter_map(|&p| super::x509_ref(p.cast()).map(|x| x.der().to_vec()))
            .collect()
    })
}

/// `sk_X509_pop_free(sk, X509_free)`.
pub fn free_x509(sk: *mut OPENSSL_STACK) {
    if sk.is_null() {
        return;
    }
    // SAFETY: `sk` came from Box::into_raw in this module.
    let s = unsafe { Box::from_raw(sk) };
    for p in s.data {
        super::free(p.cast());
    }
}

entry! {
    /// OPENSSL_sk_new_null: an empty stack.
    fn OPENSSL_sk_new_null() -> *mut OPENSSL_STACK { OPENSSL_STACK::new(None) }
    /// OPENSSL_sk_new: an empty stack with a comparison function.
    fn OPENSSL_sk_new(c: Option<CompFn>) -> *mut OPENSSL_STACK { OPENSSL_STACK::new(c) }
    /// OPENSSL_sk_new_reserve: an empty stack with room for `n` elements.
    fn OPENSSL_sk_new_reserve(c: Option<CompFn>, n: c_int) -> *mut OPENSSL_STACK {
        let sk = OPENSSL_STACK::new(c);
        if let (Some(s), Ok(n)) = (sk_mut(sk), usize::try_from(n)) {
            s.data.reserve(n.min(1 << 16));
        }
        sk
    }
    /// OPENSSL_sk_reserve: room for `n` more elements; 1 on success.
    fn OPENSSL_sk_reserve(st: *mut OPENSSL_STACK, n: c_int) -> c_int {
        let s = crate::try_mut!(st, 0);
        let Ok(n) = usize::try_from(n) else { return 0 };
        s.data.reserve(n.min(1 << 16));
        1
    }
    /// OPENSSL_sk_free frees the stack (not its elements); NULL is a no-op.
    fn OPENSSL_sk_free(st: *mut OPENSSL_STACK) {
        if !st.is_null() {
            // SAFETY: from Box::into_raw in this module.
            drop(unsafe { Box::from_raw(st) });
        }
    }
    /// OPENSSL_sk_pop_free calls `func` on every element, then frees the stack.
    fn OPENSSL_sk_pop_free(st: *mut OPENSSL_STACK, func: Option<FreeFn>) {
        if st.is_null() {
            return;
        }
        // SAFETY: from Box::into_raw in this module.
        let s = unsafe { Box::from_raw(st) };
        if let Some(f) = func {
            for p in s.data {
                // SAFETY: the application's free function for its own elements.
                unsafe { f(p) };
            }
        }
    }
    /// OPENSSL_sk_zero removes every element (without freeing them).
    fn OPENSSL_sk_zero(st: *mut OPENSSL_STACK) {
        if let Some(s) = sk_mut(st) {
            s.data.clear();
        }
    }
    /// OPENSSL_sk_num: number of elements, -1 for NULL.
    fail = -1;
    fn OPENSSL_sk_num(st: *const OPENSSL_STACK) -> c_int {
        sk_ref(st).map_or(-1, |s| s.data.len() as c_int)
    }
    /// OPENSSL_sk_value: element `i`, NULL when out of range.
    fn OPENSSL_sk_value(st: *const OPENSSL_STACK, i: c_int) -> *mut c_void {
        sk_ref(st).and_then(|s| s.index(i).map(|i| s.data[i])).unwrap_or(std::ptr::null_mut())
    }
    /// OPENSSL_sk_set replaces element `i`; returns the new value, NULL when out of range.
    fn OPENSSL_sk_set(st: *mut OPENSSL_STACK, i: c_int, data: *const c_void) -> *mut c_void {
        let Some(s) = sk_mut(st) else { return std::ptr::null_mut() };
        let Some(i) = s.index(i) else { return std::ptr::null_mut() };
        s.data[i] = data as *mut c_void;
        s.sorted = false;
        data as *mut c_void
    }
    /// OPENSSL_sk_insert puts `data` at `loc` (at the end when out of range); returns the
    /// new number of elements, 0 on failure.
    fn OPENSSL_sk_insert(sk: *mut OPENSSL_STACK, data: *const c_void, loc: c_int) -> c_int {
        let Some(s) = sk_mut(sk) else { return 0 };
        if s.data.len() >= MAX_STACK {
            return 0;
        }
        let at = usize::try_from(loc).ok().filter(|&l| l <= s.data.len()).unwrap_or(s.data.len());
        s.data.insert(at, data as *mut c_void);
        s.sorted = false;
        s.data.len() as c_int
    }
    /// OPENSSL_sk_push appends; returns the new number of elements, 0 on failure.
    fn OPENSSL_sk_push(st: *mut OPENSSL_STACK, data: *const c_void) -> c_int {
        OPENSSL_sk_insert(st, data, -1)
    }
    /// OPENSSL_sk_unshift prepends; returns the new number of elements, 0 on failure.
    fn OPENSSL_sk_unshift(st: *mut OPENSSL_STACK, data: *const c_void) -> c_int {
        OPENSSL_sk_insert(st, data, 0)
    }
    /// OPENSSL_sk_pop removes and returns the last element, NULL when empty.
    fn OPENSSL_sk_pop(st: *mut OPENSSL_STACK) -> *mut c_void {
        sk_mut(st).and_then(|s| s.data.pop()).unwrap_or(std::ptr::null_mut())
    }
    /// OPENSSL_sk_shift removes and returns the first element, NULL when empty.
    fn OPENSSL_sk_shift(st: *mut OPENSSL_STACK) -> *mut c_void {
        match sk_mut(st) {
            Some(s) if !s.data.is_empty() => s.data.remove(0),
            _ => std::ptr::null_mut(),
        }
    }
    /// OPENSSL_sk_delete removes and returns element `loc`, NULL when out of range.
    fn OPENSSL_sk_delete(st: *mut OPENSSL_STACK, loc: c_int) -> *mut c_void {
        let Some(s) = sk_mut(st) else { return std::ptr::null_mut() };
        match s.index(loc) {
            Some(i) => s.data.remove(i),
            None => std::ptr::null_mut(),
        }
    }
    /// OPENSSL_sk_delete_ptr removes the element equal to `p` (by pointer); returns it.
    fn OPENSSL_sk_delete_ptr(st: *mut OPENSSL_STACK, p: *const c_void) -> *mut c_void {
        let Some(s) = sk_mut(st) else { return std::ptr::null_mut() };
        match s.data.iter().position(|&e| std::ptr::eq(e, p)) {
            Some(i) => s.data.remove(i),
            None => std::ptr::null_mut(),
        }
    }
    /// OPENSSL_sk_find: index of the first element comparing equal to `data` (by the
    /// comparison function, or by pointer without one), -1 when absent.
    fail = -1;
    fn OPENSSL_sk_find(st: *mut OPENSSL_STACK, data: *const c_void) -> c_int {
        let Some(s) = sk_ref(st) else { return -1 };
        let key = data as *mut c_void;
        s.data.iter().position(|e| s.cmp(e, &key).is_eq()).map_or(-1, |i| i as c_int)
    }
    /// OPENSSL_sk_find_ex: as OPENSSL_sk_find.
    fail = -1;
    fn OPENSSL_sk_find_ex(st: *mut OPENSSL_STACK, data: *const c_void) -> c_int {
        OPENSSL_sk_find(st, data)
    }
    /// OPENSSL_sk_sort sorts with the comparison function (no-op without one).
    /// The C comparator may look at the stack (sk_num, sk_value), so it runs on a copy with
    /// no Rust reference to the stack alive, and the stack keeps its elements meanwhile.
    fn OPENSSL_sk_sort(st: *mut OPENSSL_STACK) {
        let (mut v, probe) = match sk_ref(st) {
            Some(s) if s.comp.is_some() && !s.sorted => (
                s.data.clone(),
                OPENSSL_STACK { data: Vec::new(), comp: s.comp, sorted: false },
            ),
            _ => return,
        };
        v.sort_by(|a, b| probe.cmp(a, b));
        let Some(s) = sk_mut(st) else { return };
        // Only a comparator that changed the stack under us could make these differ; then
        // the stack keeps what it now holds, unsorted.
        if s.data.len() == v.len() && s.comp.map(|f| f as usize) == probe.comp.map(|f| f as usize) {
            s.data = v;
            s.sorted = true;
        }
    }
    /// OPENSSL_sk_is_sorted.
    fn OPENSSL_sk_is_sorted(st: *const OPENSSL_STACK) -> c_int {
        sk_ref(st).map_or(1, |s| s.sorted as c_int)
    }
    /// OPENSSL_sk_set_cmp_func installs a comparison function; returns the previous one.
    fn OPENSSL_sk_set_cmp_func(sk: *mut OPENSSL_STACK, c: Option<CompFn>) -> Option<CompFn> {
        let s = sk_mut(sk)?;
        let old = s.comp;
        if old.map(|f| f as usize) != c.map(|f| f as usize) {
            s.sorted = false;
        }
        s.comp = c;
        old
    }
    /// OPENSSL_sk_dup: a shallow copy.
    fn OPENSSL_sk_dup(st: *const OPENSSL_STACK) -> *mut OPENSSL_STACK {
        match sk_ref(st) {
            Some(s) => Box::into_raw(Box::new(s.clone())),
            None => OPENSSL_STACK::new(None),
        }
    }
    /// OPENSSL_sk_deep_copy: a copy whose elements are `c(elem)`; on a failed copy, frees
    /// the copies made with `f` and returns NULL.
    fn OPENSSL_sk_deep_copy(st: *const OPENSSL_STACK, c: Option<CopyFn>, f: Option<FreeFn>) -> *mut OPENSSL_STACK {
        let Some(s) = sk_ref(st) else { return std::ptr::null_mut() };
        let Some(copy) = c else { return std::ptr::null_mut() };
        let mut out = OPENSSL_STACK { data: Vec::with_capacity(s.data.len()), comp: s.comp, sorted: s.sorted };
        for &e in &s.data {
            // SAFETY: the application's copy function for its own elements.
            let d = if e.is_null() { e } else { unsafe { copy(e) } };
            if d.is_null() && !e.is_null() {
                if let Some(free) = f {
                    for p in out.data {
                        // SAFETY: the application's free function for the copies.
                        unsafe { free(p) };
                    }
                }
                return std::ptr::null_mut();
            }
            out.data.push(d);
        }
        Box::into_raw(Box::new(out))
    }
}
