//! The thread-local error queue (OpenSSL 3.0 `ERR_*` semantics and code values).
//!
//! A packed error code is `ERR_PACK(lib, 0, reason) = (lib & 0xFF) << 23 | (reason & 0x7FFFFF)`;
//! system errors are `ERR_SYSTEM_FLAG | errno`. Each thread holds at most
//! [`ERR_NUM_ERRORS`] entries; pushing onto a full queue drops the oldest, as OpenSSL does.
//!
//! Rust API for the rest of the crate:
//! * [`put_error`]`(lib, reason, detail)` — raise an error (file/line of the caller and the
//!   exported function currently running are recorded; `detail` becomes the entry's data
//!   string, printed after the reason by `ERR_print_errors`);
//! * [`put_sys_error`]`(errno, detail)` — raise a system (errno) error;
//! * [`clear`], [`has_error`], [`peek_code`], [`take_entry`].
//!
//! Where the queue lives depends on the build: a thread-local queue of this crate
//! (standalone, `queue.rs`), or the process's own `libcrypto.so.3` queue, filled through its
//! public `ERR_new` / `ERR_set_debug` / `ERR_set_error` (drop-in, `libcrypto.rs`), so a
//! program's `ERR_get_error` sees our errors next to libcrypto's.
//!
//! Reason strings: [`strings`] (BIO/PEM/X509/EVP/common) and [`ssl_reasons`] (`SSL_R_*`).
use std::collections::BTreeMap;
use std::ffi::{c_char, c_int, c_ulong, CStr, CString};
use std::sync::{Mutex, OnceLock};

// The queue itself: this crate's thread-local one (standalone), or the process's libcrypto
// queue reached through its public ERR_* functions (drop-in). Both provide put_error_in,
// put_sys_error_at, clear, has_error, peek_code, peek_last_code, take_entry, snapshot.
#[cfg(not(feature = "dropin"))]
#[path = "queue.rs"]
mod backend;
#[cfg(feature = "dropin")]
#[path = "libcrypto.rs"]
mod backend;

#[cfg(not(feature = "dropin"))]
pub mod exports;
pub mod ssl_reasons;
pub mod strings;

#[cfg(feature = "dropin")]
pub(crate) use backend::load_ssl_strings;
pub use backend::{
    clear, has_error, peek_code, peek_last_code, put_error_in, snapshot, take_entry,
};
pub use strings::*;

macro_rules! consts {
    ($($(#[$m:meta])* $name:ident = $v:expr;)*) => { $($(#[$m])* pub const $name: c_int = $v;)* };
}

consts! {
    /// `ERR_LIB_NONE`.
    ERR_LIB_NONE = 1;
    /// `ERR_LIB_SYS` (errno values).
    ERR_LIB_SYS = 2;
    /// `ERR_LIB_BN`.
    ERR_LIB_BN = 3;
    /// `ERR_LIB_RSA`.
    ERR_LIB_RSA = 4;
    /// `ERR_LIB_DH`.
    ERR_LIB_DH = 5;
    /// `ERR_LIB_EVP`.
    ERR_LIB_EVP = 6;
    /// `ERR_LIB_BUF`.
    ERR_LIB_BUF = 7;
    /// `ERR_LIB_OBJ`.
    ERR_LIB_OBJ = 8;
    /// `ERR_LIB_PEM`.
    ERR_LIB_PEM = 9;
    /// `ERR_LIB_DSA`.
    ERR_LIB_DSA = 10;
    /// `ERR_LIB_X509`.
    ERR_LIB_X509 = 11;
    /// `ERR_LIB_ASN1`.
    ERR_LIB_ASN1 = 13;
    /// `ERR_LIB_CONF`.
    ERR_LIB_CONF = 14;
    /// `ERR_LIB_CRYPTO`.
    ERR_LIB_CRYPTO = 15;
    /// `ERR_LIB_EC`.
    ERR_LIB_EC = 16;
    /// `ERR_LIB_SSL`.
    ERR_LIB_SSL = 20;
    /// `ERR_LIB_BIO`.
    ERR_LIB_BIO = 32;
    /// `ERR_LIB_X509V3`.
    ERR_LIB_X509V3 = 34;
    /// `ERR_LIB_RAND`.
    ERR_LIB_RAND = 36;
    /// `ERR_LIB_ENGINE`.
    ERR_LIB_ENGINE = 38;
    /// `ERR_LIB_ECDSA`.
    ERR_LIB_ECDSA = 42;
    /// `ERR_LIB_OSSL_STORE`.
    ERR_LIB_OSSL_STORE = 44;
    /// `ERR_LIB_HMAC`.
    ERR_LIB_HMAC = 48;
    /// `ERR_LIB_PROV`.
    ERR_LIB_PROV = 57;
    /// `ERR_LIB_USER`.
    ERR_LIB_USER = 128;

    /// `ERR_RFLAG_FATAL`.
    ERR_RFLAG_FATAL = 0x1 << 18;
    /// `ERR_RFLAG_COMMON`.
    ERR_RFLAG_COMMON = 0x2 << 18;
    /// `ERR_R_FATAL`.
    ERR_R_FATAL = ERR_RFLAG_FATAL | ERR_RFLAG_COMMON;
    /// `ERR_R_SYS_LIB`.
    ERR_R_SYS_LIB = ERR_LIB_SYS | ERR_RFLAG_COMMON;
    /// `ERR_R_EVP_LIB`.
    ERR_R_EVP_LIB = ERR_LIB_EVP | ERR_RFLAG_COMMON;
    /// `ERR_R_PEM_LIB`.
    ERR_R_PEM_LIB = ERR_LIB_PEM | ERR_RFLAG_COMMON;
    /// `ERR_R_X509_LIB`.
    ERR_R_X509_LIB = ERR_LIB_X509 | ERR_RFLAG_COMMON;
    /// `ERR_R_ASN1_LIB`.
    ERR_R_ASN1_LIB = ERR_LIB_ASN1 | ERR_RFLAG_COMMON;
    /// `ERR_R_CRYPTO_LIB`.
    ERR_R_CRYPTO_LIB = ERR_LIB_CRYPTO | ERR_RFLAG_COMMON;
    /// `ERR_R_BIO_LIB`.
    ERR_R_BIO_LIB = ERR_LIB_BIO | ERR_RFLAG_COMMON;
    /// `ERR_R_MALLOC_FAILURE`.
    ERR_R_MALLOC_FAILURE = 256 | ERR_R_FATAL;
    /// `ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED`.
    ERR_R_SHOULD_NOT_HAVE_BEEN_CALLED = 257 | ERR_R_FATAL;
    /// `ERR_R_PASSED_NULL_PARAMETER`.
    ERR_R_PASSED_NULL_PARAMETER = 258 | ERR_R_FATAL;
    /// `ERR_R_INTERNAL_ERROR`.
    ERR_R_INTERNAL_ERROR = 259 | ERR_R_FATAL;
    /// `ERR_R_DISABLED`.
    ERR_R_DISABLED = 260 | ERR_R_FATAL;
    /// `ERR_R_INIT_FAIL`.
    ERR_R_INIT_FAIL = 261 | ERR_R_FATAL;
    /// `ERR_R_PASSED_INVALID_ARGUMENT`.
    ERR_R_PASSED_INVALID_ARGUMENT = 262 | ERR_RFLAG_COMMON;
    /// `ERR_R_OPERATION_FAIL`.
    ERR_R_OPERATION_FAIL = 263 | ERR_R_FATAL;
    /// `ERR_R_NESTED_ASN1_ERROR`.
    ERR_R_NESTED_ASN1_ERROR = 266 | ERR_RFLAG_COMMON;
    /// `ERR_R_UNSUPPORTED`.
    ERR_R_UNSUPPORTED = 268 | ERR_RFLAG_COMMON;
}

/// `ERR_LIB_OFFSET`: the library number sits above bit 23.
pub const ERR_LIB_OFFSET: u32 = 23;
/// `ERR_LIB_MASK`.
pub const ERR_LIB_MASK: c_ulong = 0xFF;
/// `ERR_REASON_MASK`.
pub const ERR_REASON_MASK: c_ulong = 0x7F_FFFF;
/// `ERR_SYSTEM_FLAG`: set on codes whose low bits are an errno value.
pub const ERR_SYSTEM_FLAG: c_ulong = 0x8000_0000;
/// `ERR_SYSTEM_MASK`.
pub const ERR_SYSTEM_MASK: c_ulong = 0x7FFF_FFFF;
/// `ERR_NUM_ERRORS`: the queue depth per thread.
pub const ERR_NUM_ERRORS: usize = 16;
/// `ERR_MAX_DATA_SIZE`: longest data string kept per entry (longer ones are cut).
pub const ERR_MAX_DATA_SIZE: usize = 1024;
/// `ERR_TXT_MALLOCED`.
pub const ERR_TXT_MALLOCED: c_int = 0x01;
/// `ERR_TXT_STRING`.
pub const ERR_TXT_STRING: c_int = 0x02;

/// `ERR_PACK(lib, 0, reason)`.
pub const fn pack(lib: c_int, reason: c_int) -> c_ulong {
    (((lib as c_ulong) & ERR_LIB_MASK) << ERR_LIB_OFFSET) | ((reason as c_ulong) & ERR_REASON_MASK)
}

/// `ERR_GET_LIB(code)`.
pub const fn get_lib(code: c_ulong) -> c_int {
    if code & ERR_SYSTEM_FLAG != 0 {
        return ERR_LIB_SYS;
    }
    ((code >> ERR_LIB_OFFSET) & ERR_LIB_MASK) as c_int
}

/// `ERR_GET_REASON(code)`.
pub const fn get_reason(code: c_ulong) -> c_int {
    if code & ERR_SYSTEM_FLAG != 0 {
        return (code & ERR_SYSTEM_MASK) as c_int;
    }
    (code & ERR_REASON_MASK) as c_int
}

/// One queued error.
#[derive(Debug, Clone, Default)]
pub struct Entry {
    code: c_ulong,
    file: Option<CString>,
    line: c_int,
    func: Option<CString>,
    data: Option<CString>,
    /// `ERR_set_mark` marks (standalone queue only; libcrypto keeps its own).
    #[cfg_attr(feature = "dropin", allow(dead_code))]
    marks: u32,
}

fn cstring(s: &str) -> CString {
    let cut = s.len().min(ERR_MAX_DATA_SIZE);
    let mut end = cut;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    CString::new(s[..end].replace('\0', " ")).unwrap_or_default()
}

/// A NUL-terminated copy of a string, made once per distinct string and kept for the process
/// (for C callers that keep the pointer: function and file names of error entries, table
/// strings). Callers pass strings from a bounded set (names, static tables). A B-tree, not a
/// hash map: its nodes are referenced from their start, so valgrind counts the strings as
/// still reachable at exit rather than "possibly lost" (issue 15 item 4).
pub(crate) fn static_cstr(s: &str) -> *const c_char {
    static INTERNED: OnceLock<Mutex<BTreeMap<String, &'static CStr>>> = OnceLock::new();
    let map = INTERNED.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(c) = map.get(s) {
        return c.as_ptr();
    }
    let leaked: &'static CStr = Box::leak(cstring(s).into_boxed_c_str());
    map.insert(s.to_owned(), leaked);
    leaked.as_ptr()
}

impl Entry {
    /// The packed code.
    pub fn code(&self) -> c_ulong {
        self.code
    }
    /// `ERR_GET_LIB` of the code.
    pub fn lib(&self) -> c_int {
        get_lib(self.code)
    }
    /// `ERR_GET_REASON` of the code.
    pub fn reason(&self) -> c_int {
        get_reason(self.code)
    }
    /// The data string ("" when none).
    pub fn data(&self) -> &str {
        self.data
            .as_deref()
            .and_then(|c| c.to_str().ok())
            .unwrap_or("")
    }
    /// The function name ("" when none).
    pub fn func(&self) -> &str {
        self.func
            .as_deref()
            .and_then(|c| c.to_str().ok())
            .unwrap_or("")
    }
    /// The source file ("" when none).
    pub fn file(&self) -> &str {
        self.file
            .as_deref()
            .and_then(|c| c.to_str().ok())
            .unwrap_or("")
    }
    /// The source line.
    pub fn line(&self) -> c_int {
        self.line
    }
}

/// Raises `ERR_PACK(lib, 0, reason)` with `detail` as data, from the caller's file/line.
#[track_caller]
pub fn put_error(lib: c_int, reason: c_int, detail: impl Into<String>) {
    let loc = std::panic::Location::caller();
    put_error_in(
        crate::fn_scope::current_function(),
        lib,
        reason,
        detail.into(),
        loc.file(),
        loc.line(),
    );
}

/// Raises a system error (`ERR_SYSTEM_FLAG | errno`), e.g. after a failed `recvfrom`.
#[track_caller]
pub fn put_sys_error(errno: c_int, detail: impl Into<String>) {
    let loc = std::panic::Location::caller();
    backend::put_sys_error_at(errno, detail.into(), loc.file(), loc.line());
}

/// The `ERR_LIB_*` an exported function's errors belong to, from its name prefix.
pub fn lib_for_function(name: &str) -> c_int {
    const PREFIXES: &[(&str, c_int)] = &[
        ("SSL", ERR_LIB_SSL),
        ("DTLS", ERR_LIB_SSL),
        ("TLS", ERR_LIB_SSL),
        ("OPENSSL_init_ssl", ERR_LIB_SSL),
        ("BIO", ERR_LIB_BIO),
        ("X509", ERR_LIB_X509),
        ("d2i_X509", ERR_LIB_X509),
        ("i2d_X509", ERR_LIB_X509),
        ("PEM", ERR_LIB_PEM),
        ("EVP", ERR_LIB_EVP),
        ("d2i_", ERR_LIB_ASN1),
        ("i2d_", ERR_LIB_ASN1),
        ("HMAC", ERR_LIB_HMAC),
        ("RAND", ERR_LIB_RAND),
    ];
    PREFIXES
        .iter()
        .find(|(p, _)| name.starts_with(p))
        .map_or(ERR_LIB_CRYPTO, |&(_, lib)| lib)
}

/// The OpenSSL 3.0 one-line text of `code`: `error:0A000086:SSL routines::certificate verify
/// failed` (the function field is empty in 3.0's `ERR_error_string`).
pub fn error_string(code: c_ulong) -> String {
    error_string_with_func(code, "")
}

fn error_string_with_func(code: c_ulong, func: &str) -> String {
    let lib = get_lib(code);
    let reason = get_reason(code);
    let lib_s = lib_string(lib).map_or_else(|| format!("lib({lib})"), str::to_owned);
    let reason_s = if code & ERR_SYSTEM_FLAG != 0 {
        system_error_string(reason)
    } else {
        reason_string(lib, reason).map_or_else(|| format!("reason({reason})"), str::to_owned)
    };
    format!("error:{code:08X}:{lib_s}:{func}:{reason_s}")
}

/// One `ERR_print_errors` line for `e` (without the thread-id prefix and newline):
/// `error:CODE:LIB:FUNC:REASON:FILE:LINE:DATA`.
fn print_line(e: &Entry) -> String {
    format!(
        "{}:{}:{}:{}",
        error_string_with_func(e.code, e.func()),
        e.file(),
        e.line,
        e.data()
    )
}

/// The calling thread's id as OpenSSL 3.0 prints it: the bytes of `pthread_self()` in memory
/// order, upper-case hex.
fn thread_id_hex() -> String {
    // SAFETY: pthread_self has no preconditions.
    let tid = unsafe { libc::pthread_self() };
    tid.to_ne_bytes()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Removes every entry, earliest first, giving each formatted `ERR_print_errors` line (with
/// the thread-id prefix and a trailing newline) to `sink`; stops early when `sink` says false.
pub fn drain_lines(mut sink: impl FnMut(&str) -> bool) {
    let tid = thread_id_hex();
    while let Some(e) = take_entry() {
        if e.code == 0 {
            continue;
        }
        let line = format!("{tid}:{}\n", print_line(&e));
        if !sink(&line) {
            break;
        }
    }
}

#[cfg(all(test, not(feature = "dropin")))]
mod tests;
