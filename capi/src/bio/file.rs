//! `BIO_s_file`: a stdio `FILE *` (`BIO_new_file`, `BIO_new_fp`, `BIO_read_filename`).
use std::ffi::{c_char, c_int, c_long, c_void, CStr};

use super::consts::*;
use super::{BioImpl, BIO, BIO_METHOD};
use crate::error::{put_error, put_sys_error, BIO_R_NO_SUCH_FILE, ERR_LIB_BIO};

/// State of a FILE BIO.
pub struct FileBio {
    fp: *mut libc::FILE,
}

fn ctor() -> (Box<dyn BioImpl>, bool) {
    (
        Box::new(FileBio {
            fp: std::ptr::null_mut(),
        }),
        false,
    )
}

/// The method of `BIO_s_file()`.
pub static METHOD: BIO_METHOD = BIO_METHOD::builtin(BIO_TYPE_FILE, b"FILE pointer\0", ctor);

impl FileBio {
    fn close_if_owned(&mut self, bio: &BIO) {
        if !self.fp.is_null() && bio.shutdown() != 0 && bio.init() != 0 {
            // SAFETY: the BIO owns this FILE (BIO_CLOSE) and nothing else uses it now.
            unsafe { libc::fclose(self.fp) };
        }
        self.fp = std::ptr::null_mut();
    }
}

impl BioImpl for FileBio {
    fn read(&mut self, bio: &BIO, out: &mut [u8]) -> c_int {
        bio.clear_retry_flags();
        // SAFETY: fp is a live FILE (init is checked by the caller); out is writable.
        let n = unsafe { libc::fread(out.as_mut_ptr().cast(), 1, out.len(), self.fp) };
        // SAFETY: as above.
        if n == 0 && unsafe { libc::ferror(self.fp) } != 0 {
            put_sys_error(super::errno(), "calling fread()");
            return -1;
        }
        n as c_int
    }

    fn write(&mut self, bio: &BIO, data: &[u8]) -> c_int {
        bio.clear_retry_flags();
        // SAFETY: fp is a live FILE; data is readable.
        let n = unsafe { libc::fwrite(data.as_ptr().cast(), 1, data.len(), self.fp) };
        if n == 0 {
            return -1;
        }
        n as c_int
    }

    fn gets(&mut self, bio: &BIO, out: &mut [u8]) -> c_int {
        bio.clear_retry_flags();
        let size = out.len().min(c_int::MAX as usize) as c_int;
        // SAFETY: fp is a live FILE; out is writable for `size` bytes.
        let p = unsafe { libc::fgets(out.as_mut_ptr().cast(), size, self.fp) };
        if p.is_null() {
            out[0] = 0;
            return 0;
        }
        // SAFETY: fgets NUL-terminated the buffer.
        unsafe { CStr::from_ptr(out.as_ptr().cast()) }
            .to_bytes()
            .len() as c_int
    }

    fn ctrl(&mut self, bio: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        let live = !self.fp.is_null();
        match cmd {
            BIO_C_SET_FILE_PTR => {
                self.close_if_owned(bio);
                self.fp = parg.cast();
                bio.set_shutdown(larg as c_int & BIO_CLOSE);
                bio.set_init(1);
                1
            }
            BIO_C_GET_FILE_PTR => {
                if !parg.is_null() {
                    // SAFETY: BIO_get_fp passes a `FILE **`.
                    unsafe { (parg as *mut *mut libc::FILE).write(self.fp) };
                }
                1
            }
            BIO_C_SET_FILENAME => {
                self.close_if_owned(bio);
                let fl = larg as c_int;
                let mode: &[u8] = if fl & BIO_FP_APPEND != 0 {
                    if fl & BIO_FP_READ != 0 {
                        b"a+\0"
                    } else {
                        b"a\0"
                    }
                } else if fl & BIO_FP_READ != 0 && fl & BIO_FP_WRITE != 0 {
                    b"r+\0"
                } else if fl & BIO_FP_WRITE != 0 {
                    b"w\0"
                } else {
                    b"r\0"
                };
                // SAFETY: parg is the caller's NUL-terminated file name; mode is static.
                let fp = unsafe { libc::fopen(parg as *const c_char, mode.as_ptr().cast()) };
                if fp.is_null() {
                    put_sys_error(super::errno(), "calling fopen()");
                    return 0;
                }
                self.fp = fp;
                bio.set_shutdown(larg as c_int & BIO_CLOSE);
                bio.set_init(1);
                1
            }
            // SAFETY (these arms): fp is a live FILE when `live`.
            BIO_CTRL_RESET | BIO_C_FILE_SEEK if live => {
                let off = if cmd == BIO_CTRL_RESET { 0 } else { larg };
                unsafe { libc::fseek(self.fp, off, libc::SEEK_SET) as c_long }
            }
            BIO_C_FILE_TELL if live => unsafe { libc::ftell(self.fp) },
            BIO_CTRL_EOF if live => unsafe { (libc::feof(self.fp) != 0) as c_long },
            BIO_CTRL_FLUSH if live => unsafe { (libc::fflush(self.fp) == 0) as c_long },
            BIO_CTRL_PENDING | BIO_CTRL_WPENDING => 0,
            BIO_CTRL_DUP => 1,
            _ => 0,
        }
    }

    fn destroy(&mut self, bio: &BIO) {
        self.close_if_owned(bio);
    }
}

/// `BIO_new_fp`: wraps an open `FILE *`; `close_flag & BIO_CLOSE` makes the BIO fclose it.
pub fn new_fp(fp: *mut libc::FILE, close_flag: c_int) -> *mut BIO {
    let b = super::new(&METHOD);
    super::ctrl(b, BIO_C_SET_FILE_PTR, close_flag as c_long, fp.cast());
    b
}

/// `BIO_new_file`: opens `filename` with stdio `mode`; NULL and an ERR entry on failure.
pub fn new_file(filename: *const c_char, mode: *const c_char) -> *mut BIO {
    // SAFETY: both are the caller's NUL-terminated strings (checked non-NULL by the caller).
    let fp = unsafe { libc::fopen(filename, mode) };
    if fp.is_null() {
        let e = super::errno();
        // SAFETY: as above.
        let name = unsafe { CStr::from_ptr(filename) }
            .to_string_lossy()
            .into_owned();
        put_sys_error(e, format!("calling fopen({name})"));
        if e == libc::ENOENT {
            put_error(ERR_LIB_BIO, BIO_R_NO_SUCH_FILE, "");
        } else {
            put_error(ERR_LIB_BIO, crate::error::ERR_R_SYS_LIB, "");
        }
        return std::ptr::null_mut();
    }
    new_fp(fp, BIO_CLOSE)
}
