//! The SSL filter BIO (`BIO_f_ssl`) and its constructors: a BIO whose reads and writes are
//! `SSL_read` / `SSL_write` on an `SSL`, chained in front of the BIO that carries the
//! records, as OpenSSL's `bio_ssl.c` provides.
//!
//! The method is made with the host's own `BIO_meth_new`, so the BIO is an ordinary
//! libcrypto BIO in the drop-in build (and one of ours in the standalone build): `BIO_read`,
//! `BIO_push`, `BIO_free_all` and `BIO_get_ssl` work on it as on OpenSSL's.
use std::ffi::{c_char, c_int, c_long, c_void, CStr};
use std::sync::OnceLock;

use crate::entry::*;
use crate::host::BIO;

use super::objects::{SSL, SSL_CTX};

/// `BIO_TYPE_SSL` (7 | BIO_TYPE_FILTER).
const BIO_TYPE_SSL: c_int = 7 | 0x0200;
const BIO_NOCLOSE: c_int = 0;
const BIO_CLOSE: c_int = 1;
const BIO_FLAGS_READ: c_int = 0x01;
const BIO_FLAGS_WRITE: c_int = 0x02;
const BIO_FLAGS_IO_SPECIAL: c_int = 0x04;
const BIO_FLAGS_SHOULD_RETRY: c_int = 0x08;
const BIO_CTRL_RESET: c_int = 1;
const BIO_CTRL_PUSH: c_int = 6;
const BIO_CTRL_POP: c_int = 7;
const BIO_CTRL_GET_CLOSE: c_int = 8;
const BIO_CTRL_SET_CLOSE: c_int = 9;
const BIO_CTRL_PENDING: c_int = 10;
const BIO_CTRL_DUP: c_int = 12;
const BIO_C_DO_STATE_MACHINE: c_int = 101;
const BIO_C_SET_SSL: c_int = 109;
const BIO_C_GET_SSL: c_int = 110;
const BIO_C_SSL_MODE: c_int = 119;
const SSL_ERROR_WANT_READ: c_int = 2;
const SSL_ERROR_WANT_WRITE: c_int = 3;
const SSL_ERROR_WANT_CONNECT: c_int = 7;
const BIO_RR_CONNECT: c_int = 0x02;

#[allow(improper_ctypes)]
extern "C" {
    fn BIO_meth_new(type_: c_int, name: *const c_char) -> *mut c_void;
    fn BIO_meth_set_write(m: *mut c_void, f: Option<WriteFn>) -> c_int;
    fn BIO_meth_set_read(m: *mut c_void, f: Option<ReadFn>) -> c_int;
    fn BIO_meth_set_puts(m: *mut c_void, f: Option<PutsFn>) -> c_int;
    fn BIO_meth_set_ctrl(m: *mut c_void, f: Option<CtrlFn>) -> c_int;
    fn BIO_meth_set_create(m: *mut c_void, f: Option<LifeFn>) -> c_int;
    fn BIO_meth_set_destroy(m: *mut c_void, f: Option<LifeFn>) -> c_int;
    fn BIO_new(m: *const c_void) -> *mut BIO;
    fn BIO_get_data(b: *mut BIO) -> *mut c_void;
    fn BIO_set_data(b: *mut BIO, p: *mut c_void);
    fn BIO_set_init(b: *mut BIO, init: c_int);
    fn BIO_get_shutdown(b: *mut BIO) -> c_int;
    fn BIO_set_shutdown(b: *mut BIO, shut: c_int);
    fn BIO_set_flags(b: *mut BIO, flags: c_int);
    fn BIO_clear_flags(b: *mut BIO, flags: c_int);
    fn BIO_set_retry_reason(b: *mut BIO, reason: c_int);
    fn BIO_next(b: *mut BIO) -> *mut BIO;
    fn BIO_push(b: *mut BIO, append: *mut BIO) -> *mut BIO;
    fn BIO_ctrl(b: *mut BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long;
    fn BIO_find_type(b: *mut BIO, t: c_int) -> *mut BIO;
    fn BIO_free(b: *mut BIO) -> c_int;
    fn BIO_set_next(b: *mut BIO, next: *mut BIO);
    fn BIO_up_ref(b: *mut BIO) -> c_int;
}

type WriteFn = unsafe extern "C" fn(*mut BIO, *const c_char, c_int) -> c_int;
type ReadFn = unsafe extern "C" fn(*mut BIO, *mut c_char, c_int) -> c_int;
type PutsFn = unsafe extern "C" fn(*mut BIO, *const c_char) -> c_int;
type CtrlFn = unsafe extern "C" fn(*mut BIO, c_int, c_long, *mut c_void) -> c_long;
type LifeFn = unsafe extern "C" fn(*mut BIO) -> c_int;

/// The `SSL` an SSL BIO drives (its BIO data; NULL before `BIO_set_ssl`).
fn ssl_of(b: *mut BIO) -> *mut SSL {
    if b.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: an SSL BIO made by this module; its data is an SSL pointer or NULL.
    unsafe { BIO_get_data(b) }.cast()
}

/// Sets the BIO's retry flags from `SSL_get_error` after an operation returned `ret`.
///
/// # Safety
/// `b` is a live SSL BIO and `s` its SSL.
unsafe fn set_retry(b: *mut BIO, s: *mut SSL, ret: c_int) {
    // SAFETY: per the function contract.
    unsafe {
        BIO_clear_flags(
            b,
            BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY,
        );
    }
    if ret > 0 {
        return;
    }
    let flag = match super::io::SSL_get_error(s, ret) {
        SSL_ERROR_WANT_READ => BIO_FLAGS_READ,
        SSL_ERROR_WANT_WRITE => BIO_FLAGS_WRITE,
        SSL_ERROR_WANT_CONNECT => {
            // The connect BIO behind us is still connecting (OpenSSL's bio_ssl.c).
            // SAFETY: per the function contract.
            unsafe { BIO_set_retry_reason(b, BIO_RR_CONNECT) };
            BIO_FLAGS_IO_SPECIAL
        }
        _ => return,
    };
    // SAFETY: per the function contract.
    unsafe { BIO_set_flags(b, flag | BIO_FLAGS_SHOULD_RETRY) };
}

unsafe extern "C" fn ssl_bio_write(b: *mut BIO, data: *const c_char, len: c_int) -> c_int {
    let s = ssl_of(b);
    if s.is_null() || data.is_null() || len <= 0 {
        return 0;
    }
    let r = super::io::SSL_write(s, data.cast(), len);
    // SAFETY: b is this SSL BIO and s its SSL.
    unsafe { set_retry(b, s, r) };
    r
}

unsafe extern "C" fn ssl_bio_read(b: *mut BIO, buf: *mut c_char, len: c_int) -> c_int {
    let s = ssl_of(b);
    if s.is_null() || buf.is_null() || len <= 0 {
        return 0;
    }
    let r = super::io::SSL_read(s, buf.cast(), len);
    // SAFETY: b is this SSL BIO and s its SSL.
    unsafe { set_retry(b, s, r) };
    r
}

unsafe extern "C" fn ssl_bio_puts(b: *mut BIO, text: *const c_char) -> c_int {
    if text.is_null() {
        return 0;
    }
    // SAFETY: a NUL-terminated string from the caller.
    let n = unsafe { CStr::from_ptr(text) }.to_bytes().len();
    // SAFETY: text is readable for n bytes.
    unsafe { ssl_bio_write(b, text, c_int::try_from(n).unwrap_or(c_int::MAX)) }
}

unsafe extern "C" fn ssl_bio_create(b: *mut BIO) -> c_int {
    // SAFETY: the BIO being created.
    unsafe {
        BIO_set_data(b, std::ptr::null_mut());
        BIO_set_init(b, 0);
    }
    1
}

unsafe extern "C" fn ssl_bio_destroy(b: *mut BIO) -> c_int {
    let s = ssl_of(b);
    // SAFETY: the BIO being destroyed; with BIO_CLOSE it owns its SSL (OpenSSL's ssl_free).
    unsafe {
        if !s.is_null() && BIO_get_shutdown(b) != 0 {
            super::ssl::SSL_free(s);
        }
        BIO_set_data(b, std::ptr::null_mut());
        BIO_set_init(b, 0);
    }
    1
}

unsafe extern "C" fn ssl_bio_ctrl(
    b: *mut BIO,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> c_long {
    let s = ssl_of(b);
    // SAFETY: b is a live SSL BIO; the commands' arguments are as bio.h documents.
    unsafe {
        let next = BIO_next(b);
        match cmd {
            BIO_C_SET_SSL => {
                let old = ssl_of(b);
                if !old.is_null() && BIO_get_shutdown(b) != 0 {
                    super::ssl::SSL_free(old);
                }
                BIO_set_shutdown(b, c_int::try_from(larg).unwrap_or(BIO_NOCLOSE));
                BIO_set_data(b, parg);
                let ssl: *mut SSL = parg.cast();
                if !ssl.is_null() {
                    // The SSL's own transport becomes the BIO's next in the chain.
                    let rbio = super::bio::SSL_get_rbio(ssl);
                    if !rbio.is_null() {
                        if !next.is_null() {
                            BIO_push(rbio, next);
                        }
                        BIO_set_next(b, rbio);
                        BIO_up_ref(rbio);
                    }
                }
                BIO_set_init(b, 1);
                1
            }
            BIO_C_GET_SSL => {
                if parg.is_null() {
                    return 0;
                }
                *(parg as *mut *mut SSL) = s;
                c_long::from(!s.is_null())
            }
            _ if s.is_null() => 0,
            BIO_CTRL_PUSH => {
                // A transport pushed behind us becomes the SSL's BIO (one more reference).
                if !next.is_null() && next != super::bio::SSL_get_rbio(s) {
                    BIO_up_ref(next);
                    super::bio::SSL_set_bio(s, next, next);
                }
                1
            }
            BIO_CTRL_POP => {
                if b == parg.cast() {
                    super::bio::SSL_set_bio(s, std::ptr::null_mut(), std::ptr::null_mut());
                }
                1
            }
            BIO_C_SSL_MODE => {
                if larg != 0 {
                    super::ssl::SSL_set_connect_state(s);
                } else {
                    super::ssl::SSL_set_accept_state(s);
                }
                1
            }
            BIO_C_DO_STATE_MACHINE => {
                let r = super::io::SSL_do_handshake(s);
                set_retry(b, s, r);
                c_long::from(r)
            }
            BIO_CTRL_PENDING => {
                let n = super::io::SSL_pending(s);
                if n > 0 {
                    c_long::from(n)
                } else if next.is_null() {
                    0
                } else {
                    BIO_ctrl(next, cmd, larg, parg)
                }
            }
            BIO_CTRL_GET_CLOSE => c_long::from(BIO_get_shutdown(b)),
            BIO_CTRL_SET_CLOSE => {
                BIO_set_shutdown(b, c_int::try_from(larg).unwrap_or(BIO_NOCLOSE));
                1
            }
            BIO_CTRL_RESET => {
                super::io::SSL_shutdown(s);
                if next.is_null() {
                    1
                } else {
                    BIO_ctrl(next, cmd, larg, parg)
                }
            }
            // Duplicating an SSL is not supported (SSL_dup is a stub).
            BIO_CTRL_DUP => 0,
            // Everything else (BIO_set_conn_hostname, flush, ...) is for the transport.
            _ if next.is_null() => 0,
            _ => BIO_ctrl(next, cmd, larg, parg),
        }
    }
}

/// The method, made once.
fn method() -> *const c_void {
    static METHOD: OnceLock<usize> = OnceLock::new();
    *METHOD.get_or_init(|| {
        // SAFETY: the host's method constructor and setters with our callbacks.
        unsafe {
            let m = BIO_meth_new(BIO_TYPE_SSL, cstr!("ssl").as_ptr());
            if m.is_null() {
                return 0;
            }
            BIO_meth_set_write(m, Some(ssl_bio_write));
            BIO_meth_set_read(m, Some(ssl_bio_read));
            BIO_meth_set_puts(m, Some(ssl_bio_puts));
            BIO_meth_set_ctrl(m, Some(ssl_bio_ctrl));
            BIO_meth_set_create(m, Some(ssl_bio_create));
            BIO_meth_set_destroy(m, Some(ssl_bio_destroy));
            m as usize
        }
    }) as *const c_void
}

entry! {
    /// BIO_f_ssl: the SSL filter BIO method.
    fn BIO_f_ssl() -> *const c_void {
        method()
    }

    /// BIO_new_ssl: a new SSL BIO owning a new `SSL` of `ctx`, in client (`client` != 0) or
    /// server mode.
    fn BIO_new_ssl(ctx: *mut SSL_CTX, client: c_int) -> *mut BIO {
        let _ = try_ref!(ctx, std::ptr::null_mut());
        let s = super::ssl::SSL_new(ctx);
        if s.is_null() {
            return std::ptr::null_mut();
        }
        if client != 0 {
            super::ssl::SSL_set_connect_state(s);
        } else {
            super::ssl::SSL_set_accept_state(s);
        }
        // SAFETY: the host's BIO constructor with our method.
        let b = unsafe { BIO_new(method()) };
        if b.is_null() {
            super::ssl::SSL_free(s);
            return b;
        }
        // SAFETY: b is a new SSL BIO; it takes ownership of s.
        unsafe { BIO_ctrl(b, BIO_C_SET_SSL, c_long::from(BIO_CLOSE), s.cast()) };
        b
    }

    /// BIO_new_ssl_connect: an SSL client BIO in front of a connect BIO (address set with
    /// BIO_set_conn_hostname); NULL where the host has no connect BIO.
    fn BIO_new_ssl_connect(ctx: *mut SSL_CTX) -> *mut BIO {
        let _ = try_ref!(ctx, std::ptr::null_mut());
        let con = crate::host::bio_new_connect();
        if con.is_null() {
            return con;
        }
        let b = BIO_new_ssl(ctx, 1);
        if b.is_null() {
            // SAFETY: we own the connect BIO.
            unsafe { BIO_free(con) };
            return b;
        }
        // SAFETY: two live BIOs we own; the chain now owns both.
        unsafe { BIO_push(b, con) }
    }

    /// BIO_new_buffer_ssl_connect: a buffering BIO in front of BIO_new_ssl_connect's chain.
    fn BIO_new_buffer_ssl_connect(ctx: *mut SSL_CTX) -> *mut BIO {
        let _ = try_ref!(ctx, std::ptr::null_mut());
        let buf = crate::host::bio_new_buffer();
        if buf.is_null() {
            return buf;
        }
        let chain = BIO_new_ssl_connect(ctx);
        if chain.is_null() {
            // SAFETY: we own the buffer BIO.
            unsafe { BIO_free(buf) };
            return chain;
        }
        // SAFETY: two live BIOs we own.
        unsafe { BIO_push(buf, chain) }
    }

    /// BIO_ssl_copy_session_id copies the session of the SSL in chain `from` to the SSL in
    /// chain `to`; 1 on success.
    fn BIO_ssl_copy_session_id(to: *mut BIO, from: *mut BIO) -> c_int {
        // SAFETY: BIO chains from the caller.
        let (t, f) = unsafe { (BIO_find_type(to, BIO_TYPE_SSL), BIO_find_type(from, BIO_TYPE_SSL)) };
        let (ts, fs) = (ssl_of(t), ssl_of(f));
        // Drop-in: SSL BIOs of the system libssl (TLS passthrough) are its to handle.
        #[cfg(feature = "dropin")]
        if crate::passthru::foreign_ssl(ts) || crate::passthru::foreign_ssl(fs) {
            static REAL: std::sync::atomic::AtomicPtr<c_void> =
                std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());
            type CopyFn = extern "C" fn(*mut BIO, *mut BIO) -> c_int;
            return crate::passthru::real_as::<CopyFn>("BIO_ssl_copy_session_id\0", &REAL)
                .map_or(0, |real| real(to, from));
        }
        if ts.is_null() || fs.is_null() {
            return 0;
        }
        super::compat::copy_session_id(ts, fs)
    }

    /// BIO_ssl_shutdown sends close_notify on the first SSL BIO of the chain.
    fn BIO_ssl_shutdown(b: *mut BIO) {
        // SAFETY: a BIO chain from the caller.
        let sb = unsafe { BIO_find_type(b, BIO_TYPE_SSL) };
        let s = ssl_of(sb);
        #[cfg(feature = "dropin")]
        if crate::passthru::foreign_ssl(s) {
            static REAL: std::sync::atomic::AtomicPtr<c_void> =
                std::sync::atomic::AtomicPtr::new(std::ptr::null_mut());
            type ShutdownFn = extern "C" fn(*mut BIO);
            if let Some(real) = crate::passthru::real_as::<ShutdownFn>("BIO_ssl_shutdown\0", &REAL) {
                real(b);
            }
            return;
        }
        if !s.is_null() {
            super::io::SSL_shutdown(s);
        }
    }
}
