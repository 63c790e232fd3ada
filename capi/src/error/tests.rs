use std::ffi::{c_char, c_int, c_void, CStr};

use super::exports::*;
use super::ssl_reasons::*;
use super::*;

fn s(p: *const c_char) -> String {
    assert!(!p.is_null());
    // SAFETY: non-NULL NUL-terminated string from the library.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

#[test]
fn pack_matches_openssl() {
    assert_eq!(
        pack(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED),
        0x0A00_0086
    );
    assert_eq!(pack(ERR_LIB_SSL, ERR_R_INTERNAL_ERROR), 0x0A0C_0103);
    assert_eq!(get_lib(0x0A00_0086), ERR_LIB_SSL);
    assert_eq!(get_reason(0x0A00_0086), 134);
    assert_eq!(get_lib(ERR_SYSTEM_FLAG | 111), ERR_LIB_SYS);
    assert_eq!(get_reason(ERR_SYSTEM_FLAG | 111), 111);
}

#[test]
fn fifo_order_peek_and_get() {
    clear();
    assert_eq!(ERR_get_error(), 0);
    put_error(ERR_LIB_SSL, 1, "first");
    put_error(ERR_LIB_BIO, 2, "");
    put_error(ERR_LIB_PEM, 3, "third");
    assert!(has_error());
    assert_eq!(ERR_peek_error(), pack(ERR_LIB_SSL, 1));
    assert_eq!(ERR_peek_last_error(), pack(ERR_LIB_PEM, 3));
    assert_eq!(ERR_get_error(), pack(ERR_LIB_SSL, 1));
    assert_eq!(ERR_get_error(), pack(ERR_LIB_BIO, 2));
    assert_eq!(ERR_get_error(), pack(ERR_LIB_PEM, 3));
    assert_eq!(ERR_get_error(), 0);
    assert!(!has_error());
}

#[test]
fn queue_keeps_newest_sixteen() {
    clear();
    for r in 1..=20 {
        put_error(ERR_LIB_SSL, r, "");
    }
    assert_eq!(snapshot().len(), ERR_NUM_ERRORS);
    assert_eq!(ERR_get_error(), pack(ERR_LIB_SSL, 5));
    ERR_clear_error();
    assert_eq!(ERR_peek_error(), 0);
}

#[test]
fn error_string_shape_is_openssl_3() {
    assert_eq!(
        error_string(0x0A00_0086),
        "error:0A000086:SSL routines::certificate verify failed"
    );
    assert_eq!(
        error_string(0x0A0C_0103),
        "error:0A0C0103:SSL routines::internal error"
    );
    assert_eq!(
        error_string(0x8000_006F),
        "error:8000006F:system library::Connection refused"
    );
    assert_eq!(
        error_string(0x3180_0001),
        "error:31800001:lib(99)::reason(1)"
    );
    let mut buf = [0 as c_char; 256];
    ERR_error_string_n(0x0A00_0086, buf.as_mut_ptr(), buf.len());
    assert_eq!(
        s(buf.as_ptr()),
        "error:0A000086:SSL routines::certificate verify failed"
    );
    // Too short: OpenSSL's compact fallback, still NUL-terminated within the buffer.
    let mut small = [0x7f as c_char; 16];
    ERR_error_string_n(0x0A00_0086, small.as_mut_ptr(), 16);
    assert_eq!(s(small.as_ptr()), "err:a000086:14:");
    assert_eq!(
        s(ERR_error_string(0x0A00_0086, std::ptr::null_mut())),
        error_string(0x0A00_0086)
    );
    assert_eq!(s(ERR_lib_error_string(0x0A00_0086)), "SSL routines");
    assert_eq!(
        s(ERR_reason_error_string(0x0A00_0086)),
        "certificate verify failed"
    );
    assert!(ERR_reason_error_string(0x0A00_7FFF).is_null());
    assert!(ERR_func_error_string(0x0A00_0086).is_null());
}

#[test]
fn get_error_all_returns_location_and_data() {
    clear();
    put_error(
        ERR_LIB_SSL,
        SSL_R_UNKNOWN_PROTOCOL,
        "unknown cipher name 'FOO'",
    );
    let (mut file, mut line, mut func, mut data, mut flags) = (
        std::ptr::null(),
        0 as c_int,
        std::ptr::null(),
        std::ptr::null(),
        0 as c_int,
    );
    let code = ERR_get_error_all(&mut file, &mut line, &mut func, &mut data, &mut flags);
    assert_eq!(code, pack(ERR_LIB_SSL, SSL_R_UNKNOWN_PROTOCOL));
    assert!(s(file).ends_with("tests.rs"));
    assert!(line > 0);
    assert_eq!(s(data), "unknown cipher name 'FOO'");
    assert_eq!(flags & ERR_TXT_STRING, ERR_TXT_STRING);
    // The strings stay valid after removal (until the next get).
    assert_eq!(s(data), "unknown cipher name 'FOO'");
    assert_eq!(s(func), "");
}

#[test]
fn err_raise_building_blocks() {
    clear();
    ERR_new();
    ERR_set_debug(b"prog.c\0".as_ptr().cast(), 42, b"main\0".as_ptr().cast());
    rdtls_err_set_error_text(ERR_LIB_USER, 7, b"detail\0".as_ptr().cast());
    rdtls_err_add_error_text(b" more\0".as_ptr().cast());
    let (mut file, mut line, mut func, mut data, mut flags) = (
        std::ptr::null(),
        0 as c_int,
        std::ptr::null(),
        std::ptr::null(),
        0 as c_int,
    );
    let code = ERR_peek_error_all(&mut file, &mut line, &mut func, &mut data, &mut flags);
    assert_eq!(code, pack(ERR_LIB_USER, 7));
    assert_eq!(
        (s(file), line, s(func), s(data)),
        ("prog.c".into(), 42, "main".into(), "detail more".into())
    );
    ERR_put_error(ERR_LIB_SYS, 0, libc::ENOENT, b"x.c\0".as_ptr().cast(), 1);
    assert_eq!(
        ERR_peek_last_error(),
        ERR_SYSTEM_FLAG | libc::ENOENT as c_ulong
    );
    clear();
}

extern "C" fn collect(str_: *const c_char, len: usize, u: *mut c_void) -> c_int {
    // SAFETY: u is the Vec<String> passed by the test.
    let out = unsafe { &mut *(u as *mut Vec<String>) };
    let line = s(str_);
    assert_eq!(line.len(), len);
    out.push(line);
    1
}

#[test]
fn print_errors_format() {
    clear();
    crate::entry::on_panic("SSL_foo");
    let mut lines: Vec<String> = Vec::new();
    ERR_print_errors_cb(Some(collect), (&mut lines as *mut Vec<String>).cast());
    assert_eq!(lines.len(), 1);
    // "<tid>:error:0A0C0103:SSL routines:SSL_foo:internal error:<file>:<line>:panic in SSL_foo\n"
    let parts: Vec<&str> = lines[0].trim_end().split(':').collect();
    assert_eq!(
        parts[1..6],
        [
            "error",
            "0A0C0103",
            "SSL routines",
            "SSL_foo",
            "internal error"
        ]
    );
    assert_eq!(parts[8], "panic in SSL_foo");
    assert!(lines[0].ends_with('\n'));
    assert_eq!(ERR_peek_error(), 0, "printing empties the queue");
}

#[test]
fn marks() {
    clear();
    assert_eq!(ERR_set_mark(), 0);
    put_error(ERR_LIB_SSL, 1, "");
    assert_eq!(ERR_set_mark(), 1);
    put_error(ERR_LIB_SSL, 2, "");
    put_error(ERR_LIB_SSL, 3, "");
    assert_eq!(ERR_pop_to_mark(), 1);
    assert_eq!(snapshot().len(), 1);
    assert_eq!(ERR_pop_to_mark(), 0);
    assert_eq!(snapshot().len(), 0);
}

#[test]
fn queue_is_per_thread() {
    clear();
    put_error(ERR_LIB_SSL, 1, "");
    let other = std::thread::spawn(|| {
        (ERR_peek_error(), {
            put_error(ERR_LIB_BIO, 2, "");
            ERR_peek_error()
        })
    })
    .join()
    .expect("thread");
    assert_eq!(other, (0, pack(ERR_LIB_BIO, 2)));
    assert_eq!(ERR_get_error(), pack(ERR_LIB_SSL, 1));
    assert_eq!(ERR_get_error(), 0);
}

#[test]
fn long_data_is_cut() {
    clear();
    put_error(ERR_LIB_SSL, 1, "x".repeat(5000));
    assert_eq!(take_entry().expect("entry").data().len(), ERR_MAX_DATA_SIZE);
}
