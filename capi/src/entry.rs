//! The one door into the library: every exported C function is written with [`entry!`].
//!
//! # How to write an exported function
//!
//! ```ignore
//! use crate::entry::*;
//!
//! entry! {
//!     /// SSL_get_fd returns the file descriptor of `s`'s read BIO, or -1.
//!     fail = -1;
//!     fn SSL_get_fd(s: *const SSL) -> c_int {
//!         let s = try_ref!(s, -1);   // NULL → ERR entry "passed a null parameter", return -1
//!         s.fd()
//!     }
//! }
//!
//! entry! {
//!     /// SSL_free releases one reference; NULL is a no-op.
//!     fn SSL_free(s: *mut SSL) {
//!         if s.is_null() { return; }
//!         // ...
//!     }
//! }
//! ```
//!
//! The macro expands to `#[no_mangle] pub extern "C" fn NAME(..) -> RET` whose body runs inside
//! `std::panic::catch_unwind` (a panic must never unwind into C: that is undefined behaviour).
//! On panic it pushes an error-queue entry ("internal error", data "panic in NAME") and returns
//! the failure value:
//!
//! * `fail = EXPR;` before `fn` sets it explicitly (e.g. `-1`, `ptr::null_mut()`);
//! * otherwise it is [`FailureValue::FAILURE`] of the return type: `0` for integers, NULL for
//!   pointers, `()` for no return value.
//!
//! `return x;` inside the body returns from the C function as usual (the body is a closure).
//! Several functions may share one `entry! { .. }` block; each keeps its own optional `fail =`.
//! The macro also records the function name for the duration of the call, so errors pushed
//! with [`crate::error::put_error`] carry it (printed by `ERR_print_errors`).
//!
//! NULL checks: [`try_ref!`] / [`try_mut!`] turn a pointer argument into a reference or push
//! `ERR_R_PASSED_NULL_PARAMETER` and return the failure value you give. [`try_slice!`] does the
//! same for a (pointer, length) pair. Use `try_ref!` (shared reference) for objects that C code
//! may reach again through callbacks while you hold the reference; objects in this crate keep
//! their mutable state in `Cell`/`RefCell`/locks for that reason.

/// The value a C function returns when it fails before producing a result (panic, NULL input).
pub trait FailureValue {
    /// The failure value.
    const FAILURE: Self;
}

macro_rules! failure_zero {
    ($($t:ty),*) => { $(impl FailureValue for $t { const FAILURE: Self = 0; })* };
}
failure_zero!(i8, u8, i16, u16, i32, u32, i64, u64, isize, usize);

impl FailureValue for () {
    const FAILURE: Self = ();
}
impl<T> FailureValue for *mut T {
    const FAILURE: Self = std::ptr::null_mut();
}
impl<T> FailureValue for *const T {
    const FAILURE: Self = std::ptr::null();
}
impl<T> FailureValue for Option<T> {
    const FAILURE: Self = None;
}

pub use crate::fn_scope::{current_function, FnScope};

/// Called by [`entry!`] when the body panicked: records the panic on the error queue.
#[cold]
pub fn on_panic(name: &'static str) {
    crate::error::put_error_in(
        name,
        crate::error::lib_for_function(name),
        crate::error::ERR_R_INTERNAL_ERROR,
        format!("panic in {name}"),
        file!(),
        line!(),
    );
}

/// Called by [`try_ref!`] and friends: records a NULL argument on the error queue.
#[cold]
#[track_caller]
pub fn on_null(arg: &'static str) {
    let func = current_function();
    let loc = std::panic::Location::caller();
    crate::error::put_error_in(
        func,
        crate::error::lib_for_function(func),
        crate::error::ERR_R_PASSED_NULL_PARAMETER,
        format!("argument '{arg}' is NULL"),
        loc.file(),
        loc.line(),
    );
}

/// Defines exported C functions with a panic boundary and a typed failure value.
/// See the [module documentation](self).
#[macro_export]
macro_rules! entry {
    () => {};
    (
        $(#[$meta:meta])*
        fail = $fail:expr;
        fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $(-> $ret:ty)? $body:block
        $($rest:tt)*
    ) => {
        $(#[$meta])*
        #[no_mangle]
        #[allow(clippy::not_unsafe_ptr_arg_deref, clippy::missing_safety_doc, non_snake_case)]
        pub extern "C" fn $name($($arg: $ty),*) $(-> $ret)? {
            let _scope = $crate::entry::FnScope::enter(stringify!($name));
            // Drop-in: objects of the system libssl (TLS passthrough) go to its function.
            #[cfg(feature = "dropin")]
            if $crate::passthru::active() {
                let both = $crate::passthru::runs_in_both(stringify!($name));
                let foreign = false $(|| $crate::passthru::is_foreign(stringify!($ty), &$arg))*;
                if foreign
                    || (both && !$crate::passthru::takes_object(&[$(stringify!($ty)),*]))
                {
                    static REAL_FN: ::std::sync::atomic::AtomicPtr<::std::ffi::c_void> =
                        ::std::sync::atomic::AtomicPtr::new(::std::ptr::null_mut());
                    match $crate::passthru::real_fn(concat!(stringify!($name), "\0"), &REAL_FN) {
                        Some(f) => {
                            // SAFETY: the system libssl's function of the same name has
                            // OpenSSL's prototype, which ours repeats.
                            let f: extern "C" fn($($ty),*) $(-> $ret)? =
                                unsafe { ::std::mem::transmute(f) };
                            let r = f($($crate::passthru::map_arg(stringify!($ty), $arg)),*);
                            if !both {
                                return r;
                            }
                            $($crate::passthru::conf_freed(stringify!($ty), &$arg);)*
                            let _ = r;
                        }
                        None if foreign => {
                            $crate::passthru::missing(stringify!($name));
                            return $fail;
                        }
                        None => {}
                    }
                }
            }
            #[allow(unused_mut)]
            let body = move || $(-> $ret)? { $body };
            match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(body)) {
                Ok(v) => v,
                Err(_) => {
                    $crate::entry::on_panic(stringify!($name));
                    $fail
                }
            }
        }
        $crate::entry! { $($rest)* }
    };
    (
        $(#[$meta:meta])*
        fn $name:ident($($arg:ident : $ty:ty),* $(,)?) -> $ret:ty $body:block
        $($rest:tt)*
    ) => {
        $crate::entry! {
            $(#[$meta])*
            fail = <$ret as $crate::entry::FailureValue>::FAILURE;
            fn $name($($arg : $ty),*) -> $ret $body
            $($rest)*
        }
    };
    (
        $(#[$meta:meta])*
        fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $body:block
        $($rest:tt)*
    ) => {
        $crate::entry! {
            $(#[$meta])*
            fail = ();
            fn $name($($arg : $ty),*) $body
            $($rest)*
        }
    };
}

/// `try_ref!(ptr, fail)`: `&*ptr`, or push "passed a null parameter" and `return fail`.
///
/// The pointer must be NULL or point to a live object of its type (the C caller's contract
/// for every handle argument); the macro only rules out NULL.
#[macro_export]
macro_rules! try_ref {
    ($ptr:expr, $fail:expr) => {{
        let p = $ptr;
        // SAFETY: C callers pass either NULL (checked here) or a pointer to a live object of
        // this type that they obtained from this library; that is the API's contract.
        match unsafe { p.as_ref() } {
            Some(r) => r,
            None => {
                $crate::entry::on_null(stringify!($ptr));
                return $fail;
            }
        }
    }};
}

/// `try_mut!(ptr, fail)`: `&mut *ptr`, or push "passed a null parameter" and `return fail`.
///
/// Only for plain C-owned memory or objects no callback can reach during the borrow.
#[macro_export]
macro_rules! try_mut {
    ($ptr:expr, $fail:expr) => {{
        let p = $ptr;
        // SAFETY: as for try_ref!, and the caller holds the only live reference for the
        // duration of the call (the object is used by one thread at a time).
        match unsafe { p.as_mut() } {
            Some(r) => r,
            None => {
                $crate::entry::on_null(stringify!($ptr));
                return $fail;
            }
        }
    }};
}

/// `try_slice!(ptr, len, fail)`: a `&[u8]` over C memory; `len == 0` gives an empty slice even
/// for NULL; a NULL pointer with a non-zero length pushes an error and returns `fail`.
#[macro_export]
macro_rules! try_slice {
    ($ptr:expr, $len:expr, $fail:expr) => {{
        let p = $ptr as *const u8;
        let n = $len as usize;
        if n == 0 {
            &[][..]
        } else if p.is_null() {
            $crate::entry::on_null(stringify!($ptr));
            return $fail;
        } else {
            // SAFETY: the C caller promises `p` points to `n` readable bytes (API contract).
            unsafe { ::std::slice::from_raw_parts(p, n) }
        }
    }};
}

/// `try_slice_mut!(ptr, len, fail)`: a `&mut [u8]` over a C output buffer (see [`try_slice!`]).
#[macro_export]
macro_rules! try_slice_mut {
    ($ptr:expr, $len:expr, $fail:expr) => {{
        let p = $ptr as *mut u8;
        let n = $len as usize;
        if n == 0 {
            &mut [][..]
        } else if p.is_null() {
            $crate::entry::on_null(stringify!($ptr));
            return $fail;
        } else {
            // SAFETY: the C caller promises `p` points to `n` writable bytes it does not use
            // during the call (API contract).
            unsafe { ::std::slice::from_raw_parts_mut(p, n) }
        }
    }};
}

/// `try_cstr!(ptr, fail)`: a `&str` from a NUL-terminated C string (lossy UTF-8 is rejected:
/// returns `fail` with an "invalid argument" error), or NULL-check failure.
#[macro_export]
macro_rules! try_cstr {
    ($ptr:expr, $fail:expr) => {{
        let p = $ptr as *const ::std::ffi::c_char;
        if p.is_null() {
            $crate::entry::on_null(stringify!($ptr));
            return $fail;
        }
        // SAFETY: non-NULL, and the C caller promises a NUL-terminated string.
        let c = unsafe { ::std::ffi::CStr::from_ptr(p) };
        match c.to_str() {
            Ok(s) => s,
            Err(_) => {
                $crate::error::put_error(
                    $crate::error::lib_for_function($crate::entry::current_function()),
                    $crate::error::ERR_R_PASSED_INVALID_ARGUMENT,
                    concat!("argument '", stringify!($ptr), "' is not UTF-8"),
                );
                return $fail;
            }
        }
    }};
}

pub use crate::{entry, try_cstr, try_mut, try_ref, try_slice, try_slice_mut};
pub use std::ffi::{c_char, c_int, c_long, c_uint, c_ulong, c_void};

#[cfg(test)]
mod tests {
    use super::*;

    entry! {
        fn rdtls_test_entry_panics(x: c_int) -> c_int {
            if x > 0 { panic!("boom") }
            7
        }
        fail = -1;
        fn rdtls_test_entry_panics_neg(x: c_int) -> c_int {
            if x > 0 { panic!("boom") }
            7
        }
        fn rdtls_test_entry_null(p: *const u32) -> *const u32 {
            let r = try_ref!(p, std::ptr::null());
            r as *const u32
        }
    }

    #[test]
    fn panic_becomes_failure_value_and_error() {
        crate::error::clear();
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        assert_eq!(rdtls_test_entry_panics(1), 0);
        assert_eq!(rdtls_test_entry_panics_neg(1), -1);
        std::panic::set_hook(prev);
        assert_eq!(rdtls_test_entry_panics(0), 7);
        let e = crate::error::take_entry().expect("panic recorded");
        assert_eq!(e.reason(), crate::error::ERR_R_INTERNAL_ERROR);
        assert_eq!(e.data(), "panic in rdtls_test_entry_panics");
        assert_eq!(e.func(), "rdtls_test_entry_panics");
        crate::error::clear();
    }

    #[test]
    fn null_check_records_error() {
        crate::error::clear();
        assert!(rdtls_test_entry_null(std::ptr::null()).is_null());
        let e = crate::error::take_entry().expect("null recorded");
        assert_eq!(e.reason(), crate::error::ERR_R_PASSED_NULL_PARAMETER);
        assert_eq!(e.func(), "rdtls_test_entry_null");
        let v = 5u32;
        assert_eq!(rdtls_test_entry_null(&v), &v as *const u32);
        assert_eq!(current_function(), "");
    }
}
