//! Keeps the C-variadic entry points of `csrc/variadic.c` linked into the library.
//!
//! They are defined in C (stable Rust cannot define C-variadic functions) and call back into
//! `rdtls_err_set_error_text`, `rdtls_err_add_error_text` and `BIO_write`. Referencing them
//! from a `#[used]` static makes the linker pull the object file in; `build.rs` exports them.
use std::ffi::{c_char, c_int};

use std::ffi::c_void;

extern "C" {
    fn ERR_set_error(lib: c_int, reason: c_int, fmt: *const c_char, ...);
    fn ERR_add_error_data(num: c_int, ...);
    fn ERR_add_error_txt(sep: *const c_char, txt: *const c_char);
    fn BIO_printf(bio: *mut c_void, format: *const c_char, ...) -> c_int;
    fn BIO_snprintf(buf: *mut c_char, n: usize, format: *const c_char, ...) -> c_int;
    fn EVP_PKEY_Q_keygen(
        libctx: *mut c_void,
        propq: *const c_char,
        type_: *const c_char,
        ...
    ) -> *mut c_void;
}

/// Addresses of the C functions, kept so the linker includes `variadic.o`.
#[used]
#[allow(clippy::type_complexity)]
static KEEP: (
    unsafe extern "C" fn(c_int, c_int, *const c_char, ...),
    unsafe extern "C" fn(c_int, ...),
    unsafe extern "C" fn(*const c_char, *const c_char),
    unsafe extern "C" fn(*mut c_void, *const c_char, ...) -> c_int,
    unsafe extern "C" fn(*mut c_char, usize, *const c_char, ...) -> c_int,
    unsafe extern "C" fn(*mut c_void, *const c_char, *const c_char, ...) -> *mut c_void,
) = (
    ERR_set_error,
    ERR_add_error_data,
    ERR_add_error_txt,
    BIO_printf,
    BIO_snprintf,
    EVP_PKEY_Q_keygen,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn err_set_error_formats_data() {
        crate::error::clear();
        // SAFETY: calling the C functions with matching format arguments.
        unsafe {
            ERR_set_error(
                20,
                134,
                b"peer %s sent %d\0".as_ptr().cast(),
                b"x\0".as_ptr() as *const c_char,
                7 as c_int,
            );
            ERR_add_error_data(
                2,
                b" and\0".as_ptr() as *const c_char,
                b" more\0".as_ptr() as *const c_char,
            );
        }
        let e = crate::error::take_entry().expect("entry");
        assert_eq!(e.code(), crate::error::pack(20, 134));
        assert_eq!(e.data(), "peer x sent 7 and more");
    }

    #[test]
    fn bio_printf_writes_to_bio() {
        let b = crate::bio::new(&crate::bio::mem::METHOD);
        // SAFETY: valid BIO and matching format arguments.
        let n = unsafe {
            BIO_printf(
                b.cast(),
                b"%s=%05d\n\0".as_ptr().cast(),
                b"port\0".as_ptr() as *const c_char,
                443 as c_int,
            )
        };
        assert_eq!(n, 11);
        let mut out = [0u8; 32];
        assert_eq!(crate::bio::read(b, &mut out), 11);
        assert_eq!(&out[..11], b"port=00443\n");
        let mut small = [0 as c_char; 4];
        // SAFETY: buffer of 4 bytes, truncation expected.
        assert_eq!(
            unsafe {
                BIO_snprintf(
                    small.as_mut_ptr(),
                    4,
                    b"%d\0".as_ptr().cast(),
                    12345 as c_int,
                )
            },
            -1
        );
        crate::bio::free(b);
    }
}
