//! `CRYPTO_malloc` and friends (`OPENSSL_malloc` / `OPENSSL_free` are macros over them).
//!
//! Memory comes from the C allocator, so blocks the library hands out (`OPENSSL_malloc`'d
//! strings from `X509_NAME_oneline`, `i2d_X509` output, ...) can be released with either
//! `OPENSSL_free` or `free`.
use std::ffi::{c_char, c_int, c_void, CStr};

use crate::entry::entry;

/// `malloc(n)` (n = 0 allocates one byte so the result is a unique non-NULL pointer).
pub fn alloc(n: usize) -> *mut c_void {
    // SAFETY: plain C allocation.
    unsafe { libc::malloc(n.max(1)) }
}

/// `free(p)`; NULL is a no-op.
pub fn free(p: *mut c_void) {
    // SAFETY: p is NULL or came from alloc / the C allocator (OPENSSL_free's contract).
    unsafe { libc::free(p) }
}

/// A C-allocated copy of `bytes`, NUL-terminated.
pub fn alloc_cstring(bytes: &[u8]) -> *mut c_char {
    let p = alloc(bytes.len() + 1) as *mut u8;
    if !p.is_null() {
        // SAFETY: p has room for len + 1 bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, bytes.len());
            *p.add(bytes.len()) = 0;
        }
    }
    p.cast()
}

/// Overwrites `len` bytes at `p` with zeros in a way the compiler cannot elide.
pub fn cleanse(p: *mut c_void, len: usize) {
    if p.is_null() {
        return;
    }
    let p = p as *mut u8;
    for i in 0..len {
        // SAFETY: the caller's buffer holds `len` bytes; volatile stops the store being
        // optimised away.
        unsafe { std::ptr::write_volatile(p.add(i), 0) };
    }
    std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
}

entry! {
    /// CRYPTO_malloc (OPENSSL_malloc) allocates `num` bytes.
    fn CRYPTO_malloc(num: usize, _file: *const c_char, _line: c_int) -> *mut c_void { alloc(num) }

    /// CRYPTO_zalloc (OPENSSL_zalloc) allocates `num` zeroed bytes.
    fn CRYPTO_zalloc(num: usize, _file: *const c_char, _line: c_int) -> *mut c_void {
        // SAFETY: plain C allocation.
        unsafe { libc::calloc(1, num.max(1)) }
    }

    /// CRYPTO_realloc (OPENSSL_realloc); `num` 0 frees `addr` and returns NULL.
    fn CRYPTO_realloc(addr: *mut c_void, num: usize, _file: *const c_char, _line: c_int) -> *mut c_void {
        if num == 0 {
            free(addr);
            return std::ptr::null_mut();
        }
        // SAFETY: addr is NULL or from the C allocator.
        unsafe { libc::realloc(addr, num) }
    }

    /// CRYPTO_clear_realloc: like CRYPTO_realloc but wipes the old block.
    fn CRYPTO_clear_realloc(addr: *mut c_void, old_num: usize, num: usize, _file: *const c_char,
                            _line: c_int) -> *mut c_void {
        let p = alloc(num);
        if p.is_null() {
            return p;
        }
        if !addr.is_null() {
            // SAFETY: both blocks are at least min(old_num, num) bytes.
            unsafe { std::ptr::copy_nonoverlapping(addr as *const u8, p as *mut u8, old_num.min(num)) };
            cleanse(addr, old_num);
            free(addr);
        }
        p
    }

    /// CRYPTO_free (OPENSSL_free); NULL is a no-op.
    fn CRYPTO_free(ptr: *mut c_void, _file: *const c_char, _line: c_int) { free(ptr) }

    /// CRYPTO_clear_free (OPENSSL_clear_free) wipes `num` bytes, then frees.
    fn CRYPTO_clear_free(ptr: *mut c_void, num: usize, _file: *const c_char, _line: c_int) {
        cleanse(ptr, num);
        free(ptr);
    }

    /// CRYPTO_strdup (OPENSSL_strdup).
    fn CRYPTO_strdup(s: *const c_char, _file: *const c_char, _line: c_int) -> *mut c_char {
        if s.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: non-NULL, NUL-terminated per the API contract.
        alloc_cstring(unsafe { CStr::from_ptr(s) }.to_bytes())
    }

    /// CRYPTO_strndup (OPENSSL_strndup): at most `siz` bytes of `s`.
    fn CRYPTO_strndup(s: *const c_char, siz: usize, _file: *const c_char, _line: c_int) -> *mut c_char {
        if s.is_null() {
            return std::ptr::null_mut();
        }
        // SAFETY: s is readable up to its NUL or `siz` bytes, whichever comes first.
        let n = (0..siz).position(|i| unsafe { *s.add(i) } == 0).unwrap_or(siz);
        // SAFETY: the first n bytes are readable (checked above).
        alloc_cstring(unsafe { std::slice::from_raw_parts(s as *const u8, n) })
    }

    /// CRYPTO_memdup (OPENSSL_memdup).
    fn CRYPTO_memdup(data: *const c_void, siz: usize, _file: *const c_char, _line: c_int) -> *mut c_void {
        if data.is_null() {
            return std::ptr::null_mut();
        }
        let p = alloc(siz);
        if !p.is_null() {
            // SAFETY: data readable and p writable for siz bytes.
            unsafe { std::ptr::copy_nonoverlapping(data as *const u8, p as *mut u8, siz) };
        }
        p
    }

    /// OPENSSL_cleanse zeroes `len` bytes at `ptr` (not optimised away).
    fn OPENSSL_cleanse(ptr: *mut c_void, len: usize) { cleanse(ptr, len) }

    /// CRYPTO_memcmp compares in time independent of the contents: 0 when equal.
    fn CRYPTO_memcmp(in_a: *const c_void, in_b: *const c_void, len: usize) -> c_int {
        let a = crate::try_slice!(in_a, len, 1);
        let b = crate::try_slice!(in_b, len, 1);
        let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
        c_int::from(diff != 0)
    }

    /// OPENSSL_die prints "file:line: OpenSSL internal error: message" and aborts.
    fn OPENSSL_die(message: *const c_char, file: *const c_char, line: c_int) {
        let s = |p: *const c_char| if p.is_null() {
            String::new()
        } else {
            // SAFETY: non-NULL, NUL-terminated.
            unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
        };
        eprintln!("{}:{}: OpenSSL internal error: {}", s(file), line, s(message));
        std::process::abort();
    }
}
