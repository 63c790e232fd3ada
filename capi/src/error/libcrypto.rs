//! The drop-in error queue: the process's own `libcrypto.so.3` queue, driven only through its
//! public `ERR_*` functions, so a program's `ERR_get_error` / `ERR_print_errors` see our
//! errors in order with libcrypto's (and `SSL_get_error` sees what the program raised).
//!
//! Raising is what OpenSSL 3.0's `ERR_raise_data` macro expands to: `ERR_new()`,
//! `ERR_set_debug(file, line, func)`, `ERR_set_error(lib, reason, fmt, ...)`. The SSL reason
//! strings are registered once with `ERR_load_strings_const`, as libssl does, so libcrypto
//! prints "SSL routines::certificate verify failed" rather than "reason(134)".
use std::ffi::{c_char, c_int, c_ulong, CStr, CString};
use std::sync::Once;

use super::ssl_reasons::SSL_REASON_CSTRINGS;
use super::{cstring, pack, static_cstr, Entry, ERR_LIB_SSL, ERR_LIB_SYS};

/// `ERR_STRING_DATA`: one (packed code, text) row of a string table.
#[repr(C)]
#[derive(Clone, Copy)]
struct ErrStringData {
    error: c_ulong,
    string: *const c_char,
}

/// Rows of the SSL reason table, without the terminating row.
const SSL_ROWS: usize = SSL_REASON_CSTRINGS.len();

/// The SSL reason string table in static storage, as libssl's own (`ERR_load_strings_const`
/// keeps pointers to the rows; static rows are never "lost" under valgrind, issue 15 item 4).
struct StringTable([ErrStringData; SSL_ROWS + 1]);

// SAFETY: the table is immutable and its pointers point to string literals.
unsafe impl Sync for StringTable {}

static SSL_STRING_TABLE: StringTable = StringTable(ssl_string_rows());

/// Builds the NUL-row-terminated table at compile time.
const fn ssl_string_rows() -> [ErrStringData; SSL_ROWS + 1] {
    let mut rows = [ErrStringData {
        error: 0,
        string: std::ptr::null(),
    }; SSL_ROWS + 1];
    let mut i = 0;
    while i < SSL_ROWS {
        let (reason, text) = SSL_REASON_CSTRINGS[i];
        rows[i] = ErrStringData {
            error: pack(ERR_LIB_SSL, reason),
            string: text.as_ptr().cast(),
        };
        i += 1;
    }
    rows
}

extern "C" {
    fn ERR_new();
    fn ERR_set_debug(file: *const c_char, line: c_int, func: *const c_char);
    fn ERR_set_error(lib: c_int, reason: c_int, fmt: *const c_char, ...);
    fn ERR_clear_error();
    fn ERR_peek_error() -> c_ulong;
    fn ERR_peek_last_error() -> c_ulong;
    fn ERR_get_error_all(
        file: *mut *const c_char,
        line: *mut c_int,
        func: *mut *const c_char,
        data: *mut *const c_char,
        flags: *mut c_int,
    ) -> c_ulong;
    fn ERR_load_strings_const(table: *const ErrStringData) -> c_int;
}

/// Registers the `SSL_R_*` reason strings with libcrypto (once per process) from the static
/// table.
pub(crate) fn load_ssl_strings() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: a NUL-row-terminated table in static storage of NUL-terminated literals.
        unsafe { ERR_load_strings_const(SSL_STRING_TABLE.0.as_ptr()) };
    });
}

/// `ERR_new` + `ERR_set_debug` + `ERR_set_error(lib, reason, "%s", detail)`.
fn raise(lib: c_int, reason: c_int, detail: &str, file: &str, line: u32, func: &str) {
    load_ssl_strings();
    // File and function names come from a bounded set (source locations, exported
    // function names): intern them so the pointers libcrypto may keep stay valid.
    let file = static_cstr(file);
    let func = static_cstr(func);
    let line = c_int::try_from(line).unwrap_or(c_int::MAX);
    // SAFETY: libcrypto's public error functions with valid NUL-terminated strings; "%s"
    // consumes exactly the one string argument passed.
    unsafe {
        ERR_new();
        ERR_set_debug(file, line, func);
        if detail.is_empty() {
            ERR_set_error(lib, reason, std::ptr::null());
        } else {
            let data = cstring(detail);
            ERR_set_error(
                lib,
                reason,
                b"%s\0".as_ptr().cast::<c_char>(),
                data.as_ptr(),
            );
        }
    }
}

/// Raises an error with every field given explicitly.
pub fn put_error_in(func: &str, lib: c_int, reason: c_int, detail: String, file: &str, line: u32) {
    raise(lib, reason, &detail, file, line, func);
}

/// Raises a system error: libcrypto's `ERR_set_error(ERR_LIB_SYS, errno, ..)` stores
/// `ERR_SYSTEM_FLAG | errno`.
pub(super) fn put_sys_error_at(errno: c_int, detail: String, file: &str, line: u32) {
    raise(
        ERR_LIB_SYS,
        errno,
        &detail,
        file,
        line,
        crate::fn_scope::current_function(),
    );
}

/// `ERR_clear_error`.
pub fn clear() {
    // SAFETY: no arguments.
    unsafe { ERR_clear_error() }
}

/// True when this thread's queue holds at least one error.
pub fn has_error() -> bool {
    peek_code() != 0
}

/// `ERR_peek_error`.
pub fn peek_code() -> c_ulong {
    // SAFETY: no arguments.
    unsafe { ERR_peek_error() }
}

/// `ERR_peek_last_error`.
pub fn peek_last_code() -> c_ulong {
    // SAFETY: no arguments.
    unsafe { ERR_peek_last_error() }
}

fn owned(p: *const c_char) -> Option<CString> {
    // SAFETY: libcrypto hands out NULL or NUL-terminated strings valid until the next
    // ERR call on this thread; we copy them at once.
    (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_owned())
}

/// Removes and returns the earliest entry (`ERR_get_error_all`), with copies of its strings.
pub fn take_entry() -> Option<Entry> {
    let mut file = std::ptr::null();
    let mut func = std::ptr::null();
    let mut data = std::ptr::null();
    let mut line = 0;
    let mut flags = 0;
    // SAFETY: every output pointer is a valid local.
    let code = unsafe { ERR_get_error_all(&mut file, &mut line, &mut func, &mut data, &mut flags) };
    if code == 0 {
        return None;
    }
    // ERR_TXT_STRING: the data is text (otherwise it is not ours to interpret).
    let data = if flags & super::ERR_TXT_STRING != 0 {
        owned(data).filter(|d| !d.as_bytes().is_empty())
    } else {
        None
    };
    Some(Entry {
        code,
        file: owned(file),
        line,
        func: owned(func),
        data,
        marks: 0,
    })
}

/// Every queued entry, earliest first. libcrypto cannot list its queue without removing
/// entries, so they are taken and raised again in the same order (for tests and
/// diagnostics only).
pub fn snapshot() -> Vec<Entry> {
    let mut all = Vec::new();
    while let Some(e) = take_entry() {
        all.push(e);
    }
    for e in &all {
        let lib = super::get_lib(e.code);
        let line = u32::try_from(e.line).unwrap_or(0);
        raise(
            lib,
            super::get_reason(e.code),
            e.data(),
            e.file(),
            line,
            e.func(),
        );
    }
    all
}
