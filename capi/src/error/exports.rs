//! The exported `ERR_*` functions (OpenSSL 3.0 `err.h`) of the standalone build (the drop-in
//! build uses libcrypto's own).
use std::ffi::{c_char, c_int, c_ulong, c_void, CStr, CString};

use super::backend::{push, with_queue};
use super::*;
use crate::entry::entry;

const EMPTY: *const c_char = b"\0".as_ptr() as *const c_char;

/// Which end of the queue an `ERR_get/peek` call reads.
#[derive(Clone, Copy, PartialEq)]
enum End {
    First,
    Last,
}

/// Where a caller wants the fields of the entry it reads.
struct Out {
    file: *mut *const c_char,
    line: *mut c_int,
    func: *mut *const c_char,
    data: *mut *const c_char,
    flags: *mut c_int,
}

const NO_OUT: Out = Out {
    file: std::ptr::null_mut(),
    line: std::ptr::null_mut(),
    func: std::ptr::null_mut(),
    data: std::ptr::null_mut(),
    flags: std::ptr::null_mut(),
};

fn put<T>(p: *mut T, v: T) {
    if !p.is_null() {
        // SAFETY: non-NULL output pointers from C point to writable storage of type T.
        unsafe { p.write(v) }
    }
}

fn cptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(EMPTY, |c| c.as_ptr())
}

/// Reads (and with `remove`, takes) one entry, skipping the empty slots `ERR_new` leaves.
fn fetch(end: End, remove: bool, out: Out) -> c_ulong {
    with_queue(|q| {
        // Entries whose code is still 0 (ERR_new without ERR_set_error) are not errors.
        if remove {
            while q.entries.front().is_some_and(|e| e.code == 0) && end == End::First {
                q.entries.pop_front();
            }
        }
        let entry = match (end, remove) {
            (End::First, true) => {
                let e = q.entries.pop_front();
                q.taken = e;
                q.taken.as_ref()
            }
            (End::First, false) => q.entries.iter().find(|e| e.code != 0),
            (End::Last, _) => q.entries.iter().rev().find(|e| e.code != 0),
        };
        let Some(e) = entry else { return 0 };
        put(out.file, cptr(&e.file));
        put(out.line, e.line);
        put(out.func, cptr(&e.func));
        put(out.data, cptr(&e.data));
        put(out.flags, if e.data.is_some() { ERR_TXT_STRING } else { 0 });
        e.code
    })
}

/// Appends `extra` to the latest entry's data (ERR_add_error_data and friends).
fn append_data(extra: &str) {
    with_queue(|q| {
        if let Some(e) = q.entries.back_mut() {
            let mut s = e.data().to_owned();
            s.push_str(extra);
            e.data = Some(cstring(&s));
        }
    });
}

fn set_error(lib: c_int, reason: c_int, data: Option<&str>) {
    with_queue(|q| {
        if q.entries.is_empty() {
            q.entries.push_back(Entry::default());
        }
        if let Some(e) = q.entries.back_mut() {
            e.code = if lib == ERR_LIB_SYS {
                ERR_SYSTEM_FLAG | (reason as c_ulong & ERR_SYSTEM_MASK)
            } else {
                pack(lib, reason)
            };
            e.data = data.filter(|d| !d.is_empty()).map(cstring);
        }
    });
}

fn c_to_string(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: non-NULL C strings passed to ERR functions are NUL-terminated.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

thread_local! {
    static STRING_BUF: std::cell::RefCell<[u8; 256]> = const { std::cell::RefCell::new([0; 256]) };
}

fn write_truncated(s: &str, buf: &mut [u8]) {
    let Some(room) = buf.len().checked_sub(1) else {
        return;
    };
    let n = s.len().min(room);
    buf[..n].copy_from_slice(&s.as_bytes()[..n]);
    buf[n] = 0;
}

entry! {
    /// ERR_get_error removes the earliest error and returns its code, 0 when none.
    fn ERR_get_error() -> c_ulong { fetch(End::First, true, NO_OUT) }

    /// ERR_get_error_all: ERR_get_error plus the entry's file, line, function, data, flags.
    fn ERR_get_error_all(file: *mut *const c_char, line: *mut c_int, func: *mut *const c_char,
                         data: *mut *const c_char, flags: *mut c_int) -> c_ulong {
        fetch(End::First, true, Out { file, line, func, data, flags })
    }

    /// ERR_get_error_line (deprecated in 3.0).
    fn ERR_get_error_line(file: *mut *const c_char, line: *mut c_int) -> c_ulong {
        fetch(End::First, true, Out { file, line, ..NO_OUT })
    }

    /// ERR_get_error_line_data (deprecated in 3.0).
    fn ERR_get_error_line_data(file: *mut *const c_char, line: *mut c_int,
                               data: *mut *const c_char, flags: *mut c_int) -> c_ulong {
        fetch(End::First, true, Out { file, line, data, flags, ..NO_OUT })
    }

    /// ERR_peek_error returns the earliest error's code without removing it.
    fn ERR_peek_error() -> c_ulong { fetch(End::First, false, NO_OUT) }

    /// ERR_peek_error_line.
    fn ERR_peek_error_line(file: *mut *const c_char, line: *mut c_int) -> c_ulong {
        fetch(End::First, false, Out { file, line, ..NO_OUT })
    }

    /// ERR_peek_error_func.
    fn ERR_peek_error_func(func: *mut *const c_char) -> c_ulong {
        fetch(End::First, false, Out { func, ..NO_OUT })
    }

    /// ERR_peek_error_data.
    fn ERR_peek_error_data(data: *mut *const c_char, flags: *mut c_int) -> c_ulong {
        fetch(End::First, false, Out { data, flags, ..NO_OUT })
    }

    /// ERR_peek_error_all.
    fn ERR_peek_error_all(file: *mut *const c_char, line: *mut c_int, func: *mut *const c_char,
                          data: *mut *const c_char, flags: *mut c_int) -> c_ulong {
        fetch(End::First, false, Out { file, line, func, data, flags })
    }

    /// ERR_peek_error_line_data (deprecated in 3.0).
    fn ERR_peek_error_line_data(file: *mut *const c_char, line: *mut c_int,
                                data: *mut *const c_char, flags: *mut c_int) -> c_ulong {
        fetch(End::First, false, Out { file, line, data, flags, ..NO_OUT })
    }

    /// ERR_peek_last_error returns the latest error's code without removing it.
    fn ERR_peek_last_error() -> c_ulong { fetch(End::Last, false, NO_OUT) }

    /// ERR_peek_last_error_line.
    fn ERR_peek_last_error_line(file: *mut *const c_char, line: *mut c_int) -> c_ulong {
        fetch(End::Last, false, Out { file, line, ..NO_OUT })
    }

    /// ERR_peek_last_error_func.
    fn ERR_peek_last_error_func(func: *mut *const c_char) -> c_ulong {
        fetch(End::Last, false, Out { func, ..NO_OUT })
    }

    /// ERR_peek_last_error_data.
    fn ERR_peek_last_error_data(data: *mut *const c_char, flags: *mut c_int) -> c_ulong {
        fetch(End::Last, false, Out { data, flags, ..NO_OUT })
    }

    /// ERR_peek_last_error_all.
    fn ERR_peek_last_error_all(file: *mut *const c_char, line: *mut c_int,
                               func: *mut *const c_char, data: *mut *const c_char,
                               flags: *mut c_int) -> c_ulong {
        fetch(End::Last, false, Out { file, line, func, data, flags })
    }

    /// ERR_peek_last_error_line_data (deprecated in 3.0).
    fn ERR_peek_last_error_line_data(file: *mut *const c_char, line: *mut c_int,
                                     data: *mut *const c_char, flags: *mut c_int) -> c_ulong {
        fetch(End::Last, false, Out { file, line, data, flags, ..NO_OUT })
    }

    /// ERR_clear_error empties the calling thread's queue.
    fn ERR_clear_error() { clear() }

    /// ERR_error_string_n writes at most `len` bytes (NUL included) of `e`'s text to `buf`.
    /// When the text does not fit, the short form "err:LIB:0:REASON" (hex) is used instead,
    /// as OpenSSL does.
    fn ERR_error_string_n(e: c_ulong, buf: *mut c_char, len: usize) {
        let out = crate::try_slice_mut!(buf, len, ());
        let s = error_string(e);
        if s.len() < out.len() {
            write_truncated(&s, out);
        } else {
            let short = format!("err:{:x}:{:x}:{:x}:{:x}", e, get_lib(e), 0, get_reason(e));
            write_truncated(&short, out);
        }
    }

    /// ERR_error_string writes `e`'s text into `buf` (at least 256 bytes) or, when `buf` is
    /// NULL, into a per-thread buffer, and returns it.
    fn ERR_error_string(e: c_ulong, buf: *mut c_char) -> *mut c_char {
        let s = error_string(e);
        if buf.is_null() {
            // During thread teardown the buffer is gone: NULL, as for an allocation failure.
            return STRING_BUF
                .try_with(|b| match b.try_borrow_mut() {
                    Ok(mut b) => {
                        write_truncated(&s, &mut b[..]);
                        b.as_mut_ptr() as *mut c_char
                    }
                    Err(_) => std::ptr::null_mut(),
                })
                .unwrap_or(std::ptr::null_mut());
        }
        // SAFETY: the documented contract of ERR_error_string is a buffer of 256 bytes.
        let out = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, 256) };
        write_truncated(&s, out);
        buf
    }

    /// ERR_lib_error_string: the library name of `e`, or NULL when unknown.
    fn ERR_lib_error_string(e: c_ulong) -> *const c_char {
        lib_string(get_lib(e)).map_or(std::ptr::null(), static_cstr)
    }

    /// ERR_reason_error_string: the reason text of `e`, or NULL when unknown.
    fn ERR_reason_error_string(e: c_ulong) -> *const c_char {
        if e & ERR_SYSTEM_FLAG != 0 {
            return static_cstr(&system_error_string(get_reason(e)));
        }
        reason_string(get_lib(e), get_reason(e)).map_or(std::ptr::null(), static_cstr)
    }

    /// ERR_func_error_string: always NULL in OpenSSL 3.0.
    fn ERR_func_error_string(_e: c_ulong) -> *const c_char { std::ptr::null() }

    /// ERR_print_errors_cb hands each queued error, formatted as ERR_print_errors prints it,
    /// to `cb(str, strlen(str), u)`, emptying the queue; stops when `cb` returns <= 0.
    fn ERR_print_errors_cb(cb: Option<extern "C" fn(*const c_char, usize, *mut c_void) -> c_int>,
                           u: *mut c_void) {
        let Some(cb) = cb else {
            crate::entry::on_null("cb");
            return;
        };
        drain_lines(|line| {
            let c = cstring(line);
            cb(c.as_ptr(), c.as_bytes().len(), u) > 0
        });
    }

    /// ERR_print_errors_fp writes and removes every queued error, one line each, to `fp`.
    fn ERR_print_errors_fp(fp: *mut libc::FILE) {
        if fp.is_null() {
            return;
        }
        drain_lines(|line| {
            // SAFETY: fp is a non-NULL FILE* from the caller; line is a valid buffer.
            unsafe { libc::fwrite(line.as_ptr().cast(), 1, line.len(), fp) };
            true
        });
    }

    /// ERR_print_errors writes and removes every queued error, one line each, to BIO `bp`.
    fn ERR_print_errors(bp: *mut crate::bio::BIO) {
        if bp.is_null() {
            return;
        }
        drain_lines(|line| crate::bio::write_all(bp, line.as_bytes()));
    }

    /// ERR_new opens a new, empty entry; ERR_set_debug and ERR_set_error fill it
    /// (3.0's ERR_raise macro is `ERR_new(), ERR_set_debug(..), ERR_set_error(..)`).
    fn ERR_new() { push(Entry::default()) }

    /// ERR_set_debug records file, line and function on the latest entry.
    fn ERR_set_debug(file: *const c_char, line: c_int, func: *const c_char) {
        with_queue(|q| {
            if let Some(e) = q.entries.back_mut() {
                e.file = c_to_string(file).map(|s| cstring(&s));
                e.line = line;
                e.func = c_to_string(func).map(|s| cstring(&s));
            }
        });
    }

    /// Called by the C shim behind the variadic ERR_set_error/ERR_vset_error with the
    /// formatted data (NULL when there was no format).
    fn rdtls_err_set_error_text(lib: c_int, reason: c_int, text: *const c_char) {
        set_error(lib, reason, c_to_string(text).as_deref());
    }

    /// Called by the C shim behind ERR_add_error_data/ERR_add_error_vdata/ERR_add_error_txt.
    fn rdtls_err_add_error_text(text: *const c_char) {
        if let Some(t) = c_to_string(text) {
            append_data(&t);
        }
    }

    /// ERR_set_error_data replaces the latest entry's data; with ERR_TXT_MALLOCED in `flags`
    /// the library takes ownership of `data` (an OPENSSL_malloc'd string) and frees it.
    fn ERR_set_error_data(data: *mut c_char, flags: c_int) {
        let s = c_to_string(data);
        with_queue(|q| {
            if let Some(e) = q.entries.back_mut() {
                e.data = s.as_deref().map(cstring);
            }
        });
        if flags & ERR_TXT_MALLOCED != 0 && !data.is_null() {
            crate::crypto::mem::free(data.cast());
        }
    }

    /// ERR_put_error (1.1.x ABI; a macro in 3.0 headers): raises `(lib, reason)` at file:line.
    fn ERR_put_error(lib: c_int, _func: c_int, reason: c_int, file: *const c_char, line: c_int) {
        push(Entry {
            file: c_to_string(file).map(|s| cstring(&s)),
            line,
            ..Entry::default()
        });
        set_error(lib, reason, None);
    }

    /// ERR_set_mark marks the latest entry; ERR_pop_to_mark removes entries back to it.
    fn ERR_set_mark() -> c_int {
        with_queue(|q| match q.entries.back_mut() {
            Some(e) => {
                e.marks += 1;
                1
            }
            None => 0,
        })
    }

    /// ERR_pop_to_mark removes entries newer than the latest mark (and the mark); returns 0
    /// and empties the queue when there is no mark.
    fn ERR_pop_to_mark() -> c_int {
        with_queue(|q| {
            while let Some(e) = q.entries.back_mut() {
                if e.marks > 0 {
                    e.marks -= 1;
                    return 1;
                }
                q.entries.pop_back();
            }
            0
        })
    }

    /// ERR_clear_last_mark removes the latest mark, keeping the entries.
    fn ERR_clear_last_mark() -> c_int {
        with_queue(|q| {
            for e in q.entries.iter_mut().rev() {
                if e.marks > 0 {
                    e.marks -= 1;
                    return 1;
                }
            }
            0
        })
    }

    /// ERR_get_next_error_library hands out library numbers for applications' own errors.
    fn ERR_get_next_error_library() -> c_int {
        static NEXT: std::sync::atomic::AtomicI32 = std::sync::atomic::AtomicI32::new(ERR_LIB_USER);
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    /// ERR_load_strings: accepted and ignored (returns 1).
    fn ERR_load_strings(_lib: c_int, _str: *mut c_void) -> c_int { 1 }
    /// ERR_load_strings_const: accepted and ignored (returns 1).
    fn ERR_load_strings_const(_str: *const c_void) -> c_int { 1 }
    /// ERR_unload_strings: accepted and ignored (returns 1).
    fn ERR_unload_strings(_lib: c_int, _str: *mut c_void) -> c_int { 1 }
    /// ERR_load_ERR_strings: strings are built in; returns 1.
    fn ERR_load_ERR_strings() -> c_int { 1 }
    /// ERR_load_CRYPTO_strings: strings are built in; returns 1.
    fn ERR_load_CRYPTO_strings() -> c_int { 1 }
    /// ERR_load_BIO_strings: strings are built in; returns 1.
    fn ERR_load_BIO_strings() -> c_int { 1 }
    /// ERR_load_PEM_strings: strings are built in; returns 1.
    fn ERR_load_PEM_strings() -> c_int { 1 }
    /// ERR_load_X509_strings: strings are built in; returns 1.
    fn ERR_load_X509_strings() -> c_int { 1 }
    /// ERR_load_EVP_strings: strings are built in; returns 1.
    fn ERR_load_EVP_strings() -> c_int { 1 }
    /// ERR_remove_state: per-thread state is freed at thread exit; no-op.
    fn ERR_remove_state(_pid: c_ulong) {}
    /// ERR_remove_thread_state: per-thread state is freed at thread exit; no-op.
    fn ERR_remove_thread_state(_tid: *mut c_void) {}
}
