//! Application-defined BIO methods: `BIO_meth_new` and the `BIO_meth_set_*` setters.
use std::ffi::{c_char, c_int, CStr};
use std::sync::atomic::{AtomicI32, Ordering};

use super::consts::{BIO_TYPE_MASK, BIO_TYPE_START};
use super::*;
use crate::entry::entry;

/// The method behind `biom` if it is an application's (built-in methods are immutable).
fn custom<'a>(biom: *mut BIO_METHOD) -> Option<&'a mut BIO_METHOD> {
    // SAFETY: NULL or a live method (API contract).
    let r = unsafe { biom.as_ref() };
    match r {
        Some(m) if m.builtin.is_none() => {
            // SAFETY: application methods are heap objects from BIO_meth_new that the
            // application configures before use; no other reference is live during the call.
            Some(unsafe { &mut *biom })
        }
        Some(_) => None,
        None => {
            crate::entry::on_null("biom");
            None
        }
    }
}

static NEXT_TYPE: AtomicI32 = AtomicI32::new(BIO_TYPE_START);

entry! {
    /// BIO_get_new_index returns a fresh BIO type number for BIO_meth_new, -1 when exhausted.
    fail = -1;
    fn BIO_get_new_index() -> c_int {
        let n = NEXT_TYPE.fetch_add(1, Ordering::Relaxed) + 1;
        if n > BIO_TYPE_MASK { -1 } else { n }
    }

    /// BIO_meth_new returns a method with no callbacks; free with BIO_meth_free once no BIO
    /// uses it. `name` is copied.
    fn BIO_meth_new(type_: c_int, name: *const c_char) -> *mut BIO_METHOD {
        let name_buf = if name.is_null() {
            std::ffi::CString::default()
        } else {
            // SAFETY: non-NULL, NUL-terminated per the API contract.
            unsafe { CStr::from_ptr(name) }.to_owned()
        };
        let mut m = BIO_METHOD {
            name_buf: Some(name_buf),
            ..BIO_METHOD::bare(type_, std::ptr::null())
        };
        m.name = m.name_buf.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        Box::into_raw(Box::new(m))
    }

    /// BIO_meth_free frees a method from BIO_meth_new; NULL is a no-op.
    fn BIO_meth_free(biom: *mut BIO_METHOD) {
        // SAFETY: NULL or a method from BIO_meth_new.
        if let Some(m) = unsafe { biom.as_ref() } {
            if m.builtin.is_none() {
                // SAFETY: custom methods come from Box::into_raw in BIO_meth_new.
                drop(unsafe { Box::from_raw(biom) });
            }
        }
    }

    /// BIO_meth_set_write; returns 1.
    fn BIO_meth_set_write(biom: *mut BIO_METHOD, f: Option<WriteFn>) -> c_int {
        let Some(m) = custom(biom) else { return 0 };
        m.write = f;
        1
    }
    /// BIO_meth_set_write_ex; returns 1.
    fn BIO_meth_set_write_ex(biom: *mut BIO_METHOD, f: Option<WriteExFn>) -> c_int {
        let Some(m) = custom(biom) else { return 0 };
        m.write_ex = f;
        1
    }
    /// BIO_meth_set_read; returns 1.
    fn BIO_meth_set_read(biom: *mut BIO_METHOD, f: Option<ReadFn>) -> c_int {
        let Some(m) = custom(biom) else { return 0 };
        m.read = f;
        1
    }
    /// BIO_meth_set_read_ex; returns 1.
    fn BIO_meth_set_read_ex(biom: *mut BIO_METHOD, f: Option<ReadExFn>) -> c_int {
        let Some(m) = custom(biom) else { return 0 };
        m.read_ex = f;
        1
    }
    /// BIO_meth_set_puts; returns 1.
    fn BIO_meth_set_puts(biom: *mut BIO_METHOD, f: Option<PutsFn>) -> c_int {
        let Some(m) = custom(biom) else { return 0 };
        m.puts = f;
        1
    }
    /// BIO_meth_set_gets; returns 1.
    fn BIO_meth_set_gets(biom: *mut BIO_METHOD, f: Option<GetsFn>) -> c_int {
        let Some(m) = custom(biom) else { return 0 };
        m.gets = f;
        1
    }
    /// BIO_meth_set_ctrl; returns 1.
    fn BIO_meth_set_ctrl(biom: *mut BIO_METHOD, f: Option<CtrlFn>) -> c_int {
        let Some(m) = custom(biom) else { return 0 };
        m.ctrl = f;
        1
    }
    /// BIO_meth_set_create; returns 1.
    fn BIO_meth_set_create(biom: *mut BIO_METHOD, f: Option<LifeFn>) -> c_int {
        let Some(m) = custom(biom) else { return 0 };
        m.create = f;
        1
    }
    /// BIO_meth_set_destroy; returns 1.
    fn BIO_meth_set_destroy(biom: *mut BIO_METHOD, f: Option<LifeFn>) -> c_int {
        let Some(m) = custom(biom) else { return 0 };
        m.destroy = f;
        1
    }
    /// BIO_meth_set_callback_ctrl; returns 1.
    fn BIO_meth_set_callback_ctrl(biom: *mut BIO_METHOD, f: Option<CallbackCtrlFn>) -> c_int {
        let Some(m) = custom(biom) else { return 0 };
        m.callback_ctrl = f;
        1
    }
}
