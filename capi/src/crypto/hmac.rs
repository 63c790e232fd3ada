//! HMAC: the one-shot `HMAC()` and the (3.0-deprecated, still widely used) `HMAC_CTX` API.
use std::cell::RefCell;
use std::ffi::{c_int, c_uint, c_void};

use zeroize::Zeroizing;

use super::digest::{finish_into, md_ref, write_digest, EVP_MAX_MD_SIZE, EVP_MD};
use crate::entry::entry;
use crate::error::{put_error, ERR_LIB_EVP, EVP_R_INVALID_DIGEST, EVP_R_NO_KEY_SET};

/// `HMAC_CTX`.
pub struct HMAC_CTX {
    md: Option<&'static EVP_MD>,
    key: Zeroizing<Vec<u8>>,
    ctx: Option<ring::hmac::Context>,
}

thread_local! {
    /// Where HMAC() writes when the caller passes md = NULL (OpenSSL uses a static buffer).
    static HMAC_OUT: RefCell<[u8; EVP_MAX_MD_SIZE]> = const { RefCell::new([0; EVP_MAX_MD_SIZE]) };
}

entry! {
    /// HMAC computes HMAC(`evp_md`, key, data) into `md` (or a per-thread buffer when NULL),
    /// its length into `md_len`; returns the output pointer, NULL on error.
    fn HMAC(evp_md: *const EVP_MD, key: *const c_void, key_len: c_int, d: *const u8, n: usize,
            md: *mut u8, md_len: *mut c_uint) -> *mut u8 {
        let Some(m) = md_ref(evp_md) else {
            put_error(ERR_LIB_EVP, EVP_R_INVALID_DIGEST, "");
            return std::ptr::null_mut();
        };
        let Ok(kl) = usize::try_from(key_len) else { return std::ptr::null_mut() };
        let k = crate::try_slice!(key, kl, std::ptr::null_mut());
        let data = crate::try_slice!(d, n, std::ptr::null_mut());
        let tag = ring::hmac::sign(&ring::hmac::Key::new(m.hmac_algorithm(), k), data);
        if md.is_null() {
            return HMAC_OUT.with(|b| {
                let mut b = b.borrow_mut();
                write_digest(tag.as_ref(), b.as_mut_ptr(), md_len);
                b.as_mut_ptr()
            });
        }
        write_digest(tag.as_ref(), md, md_len);
        md
    }

    /// HMAC_CTX_new.
    fn HMAC_CTX_new() -> *mut HMAC_CTX {
        Box::into_raw(Box::new(HMAC_CTX { md: None, key: Zeroizing::new(Vec::new()), ctx: None }))
    }
    /// HMAC_CTX_free; NULL is a no-op (the key is wiped).
    fn HMAC_CTX_free(ctx: *mut HMAC_CTX) {
        if !ctx.is_null() {
            // SAFETY: from HMAC_CTX_new.
            drop(unsafe { Box::from_raw(ctx) });
        }
    }
    /// HMAC_CTX_reset forgets key and state; 1.
    fn HMAC_CTX_reset(ctx: *mut HMAC_CTX) -> c_int {
        let c = crate::try_mut!(ctx, 0);
        *c = HMAC_CTX { md: None, key: Zeroizing::new(Vec::new()), ctx: None };
        1
    }
    /// HMAC_Init_ex (re)starts with `key` (NULL: keep the previous key) and `md` (NULL: keep
    /// the previous digest); 1 on success.
    fn HMAC_Init_ex(ctx: *mut HMAC_CTX, key: *const c_void, len: c_int, md: *const EVP_MD,
                    _impl_: *mut c_void) -> c_int {
        let c = crate::try_mut!(ctx, 0);
        let Some(m) = md_ref(md).or(c.md) else {
            put_error(ERR_LIB_EVP, EVP_R_INVALID_DIGEST, "");
            return 0;
        };
        if !key.is_null() {
            let Ok(kl) = usize::try_from(len) else { return 0 };
            let k = crate::try_slice!(key, kl, 0);
            c.key = Zeroizing::new(k.to_vec());
        } else if c.md.is_none() {
            put_error(ERR_LIB_EVP, EVP_R_NO_KEY_SET, "");
            return 0;
        }
        c.md = Some(m);
        c.ctx = Some(ring::hmac::Context::with_key(&ring::hmac::Key::new(m.hmac_algorithm(), &c.key)));
        1
    }
    /// HMAC_Update adds `len` bytes; 1 on success.
    fn HMAC_Update(ctx: *mut HMAC_CTX, data: *const u8, len: usize) -> c_int {
        let c = crate::try_mut!(ctx, 0);
        let d = crate::try_slice!(data, len, 0);
        c.ctx.as_mut().map_or(0, |h| {
            h.update(d);
            1
        })
    }
    /// HMAC_Final writes the MAC to `md` and its length to `len`; 1 on success.
    fn HMAC_Final(ctx: *mut HMAC_CTX, md: *mut u8, len: *mut c_uint) -> c_int {
        finish_into(&mut crate::try_mut!(ctx, 0).ctx, md, len, |h| h.sign())
    }
    /// HMAC_size: the MAC length of the context's digest (0 before Init).
    fn HMAC_size(ctx: *const HMAC_CTX) -> usize {
        crate::try_ref!(ctx, 0).md.map_or(0, |m| m.size())
    }
    /// HMAC_CTX_get_md.
    fn HMAC_CTX_get_md(ctx: *const HMAC_CTX) -> *const EVP_MD {
        crate::try_ref!(ctx, std::ptr::null()).md.map_or(std::ptr::null(), |m| m as *const EVP_MD)
    }
}
