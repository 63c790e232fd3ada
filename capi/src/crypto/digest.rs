//! Message digests: `EVP_MD` objects, `EVP_Digest` and `EVP_MD_CTX`.
use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

use ring::digest;

use crate::entry::entry;
use crate::error::{put_error, ERR_LIB_EVP, EVP_R_INVALID_DIGEST};

/// `EVP_MAX_MD_SIZE`.
pub const EVP_MAX_MD_SIZE: usize = 64;
/// `NID_sha1`.
pub const NID_SHA1: c_int = 64;
/// `NID_sha256`.
pub const NID_SHA256: c_int = 672;
/// `NID_sha384`.
pub const NID_SHA384: c_int = 673;
/// `NID_sha512`.
pub const NID_SHA512: c_int = 674;

/// A digest algorithm (`EVP_MD`); only static instances exist.
pub struct EVP_MD {
    nid: c_int,
    name: &'static [u8],
    alg: &'static digest::Algorithm,
    hmac: &'static ring::hmac::Algorithm,
}

impl EVP_MD {
    /// ring's digest algorithm.
    pub fn algorithm(&self) -> &'static digest::Algorithm {
        self.alg
    }
    /// ring's HMAC algorithm over this digest.
    pub fn hmac_algorithm(&self) -> ring::hmac::Algorithm {
        *self.hmac
    }
    /// Output bytes.
    pub fn size(&self) -> usize {
        self.alg.output_len()
    }
    /// The NID (`EVP_MD_get_type`).
    pub fn nid(&self) -> c_int {
        self.nid
    }
    /// Digest of `data`.
    pub fn digest(&self, data: &[u8]) -> digest::Digest {
        digest::digest(self.alg, data)
    }
}

/// SHA-1 (kept for certificate fingerprints and legacy HMAC only).
pub static SHA1_MD: EVP_MD = EVP_MD {
    nid: NID_SHA1,
    name: b"SHA1\0",
    alg: &digest::SHA1_FOR_LEGACY_USE_ONLY,
    hmac: &ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
};
/// SHA-256.
pub static SHA256_MD: EVP_MD = EVP_MD {
    nid: NID_SHA256,
    name: b"SHA256\0",
    alg: &digest::SHA256,
    hmac: &ring::hmac::HMAC_SHA256,
};
/// SHA-384.
pub static SHA384_MD: EVP_MD = EVP_MD {
    nid: NID_SHA384,
    name: b"SHA384\0",
    alg: &digest::SHA384,
    hmac: &ring::hmac::HMAC_SHA384,
};
/// SHA-512.
pub static SHA512_MD: EVP_MD = EVP_MD {
    nid: NID_SHA512,
    name: b"SHA512\0",
    alg: &digest::SHA512,
    hmac: &ring::hmac::HMAC_SHA512,
};

/// The digest named `name` (OpenSSL spellings: "SHA256", "sha256", "SHA2-256", "SHA-256").
pub fn by_name(name: &str) -> Option<&'static EVP_MD> {
    let n = name.to_ascii_uppercase().replace(['-', '_'], "");
    match n.as_str() {
        "SHA1" => Some(&SHA1_MD),
        "SHA256" | "SHA2256" => Some(&SHA256_MD),
        "SHA384" | "SHA2384" => Some(&SHA384_MD),
        "SHA512" | "SHA2512" => Some(&SHA512_MD),
        _ => None,
    }
}

/// `EVP_MD_CTX`: a running digest.
pub struct EVP_MD_CTX {
    md: Option<&'static EVP_MD>,
    ctx: Option<digest::Context>,
}

/// The EVP_MD behind a C pointer (None for NULL).
pub(crate) fn md_ref(md: *const EVP_MD) -> Option<&'static EVP_MD> {
    // SAFETY: NULL or one of the static EVP_MDs above (the only ones handed out).
    unsafe { md.as_ref() }
}

/// Writes `d` to the C output buffer `md` (EVP_MAX_MD_SIZE bytes) and its length to `s`.
pub(crate) fn write_digest(bytes: &[u8], md: *mut u8, s: *mut c_uint) {
    // SAFETY: callers pass a buffer of at least the digest's size (API contract: EVP_MAX_MD_SIZE).
    unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), md, bytes.len()) };
    if !s.is_null() {
        // SAFETY: non-NULL out pointer.
        unsafe { s.write(bytes.len() as c_uint) };
    }
}

/// The `*Final` step shared by digests and HMAC: takes the running state out of `running`,
/// finishes it and writes the result to `md`/`s`. 1 on success; 0 when `md` is NULL or
/// nothing was started (or it was already finished).
pub(crate) fn finish_into<T, O: AsRef<[u8]>>(
    running: &mut Option<T>,
    md: *mut u8,
    s: *mut c_uint,
    finish: impl FnOnce(T) -> O,
) -> c_int {
    if md.is_null() {
        crate::entry::on_null("md");
        return 0;
    }
    match running.take() {
        Some(h) => {
            write_digest(finish(h).as_ref(), md, s);
            1
        }
        None => 0,
    }
}

entry! {
    /// EVP_sha1.
    fn EVP_sha1() -> *const EVP_MD { &SHA1_MD }
    /// EVP_sha256.
    fn EVP_sha256() -> *const EVP_MD { &SHA256_MD }
    /// EVP_sha384.
    fn EVP_sha384() -> *const EVP_MD { &SHA384_MD }
    /// EVP_sha512.
    fn EVP_sha512() -> *const EVP_MD { &SHA512_MD }

    /// EVP_get_digestbyname: the digest called `name`, NULL when unknown.
    fn EVP_get_digestbyname(name: *const c_char) -> *const EVP_MD {
        let name = crate::try_cstr!(name, std::ptr::null());
        by_name(name).map_or(std::ptr::null(), |m| m as *const EVP_MD)
    }

    /// EVP_MD_get_size (EVP_MD_size): output bytes, -1 for NULL.
    fail = -1;
    fn EVP_MD_get_size(md: *const EVP_MD) -> c_int {
        md_ref(md).map_or(-1, |m| m.size() as c_int)
    }
    /// EVP_MD_get_block_size (EVP_MD_block_size), -1 for NULL.
    fail = -1;
    fn EVP_MD_get_block_size(md: *const EVP_MD) -> c_int {
        md_ref(md).map_or(-1, |m| m.alg.block_len() as c_int)
    }
    /// EVP_MD_get_type (EVP_MD_type, EVP_MD_nid): the digest's NID.
    fn EVP_MD_get_type(md: *const EVP_MD) -> c_int {
        md_ref(md).map_or(0, |m| m.nid)
    }
    /// EVP_MD_get0_name: "SHA256" etc.
    fn EVP_MD_get0_name(md: *const EVP_MD) -> *const c_char {
        md_ref(md).map_or(std::ptr::null(), |m| m.name.as_ptr().cast())
    }

    /// EVP_Digest: one-shot digest of `count` bytes into `md` (EVP_MAX_MD_SIZE bytes), its
    /// length into `size` when non-NULL; 1 on success.
    fn EVP_Digest(data: *const c_void, count: usize, md: *mut u8, size: *mut c_uint,
                  type_: *const EVP_MD, _impl_: *mut c_void) -> c_int {
        let Some(m) = md_ref(type_) else {
            put_error(ERR_LIB_EVP, EVP_R_INVALID_DIGEST, "");
            return 0;
        };
        let input = crate::try_slice!(data, count, 0);
        if md.is_null() {
            crate::entry::on_null("md");
            return 0;
        }
        write_digest(m.digest(input).as_ref(), md, size);
        1
    }

    /// EVP_MD_CTX_new.
    fn EVP_MD_CTX_new() -> *mut EVP_MD_CTX {
        Box::into_raw(Box::new(EVP_MD_CTX { md: None, ctx: None }))
    }
    /// EVP_MD_CTX_free; NULL is a no-op.
    fn EVP_MD_CTX_free(ctx: *mut EVP_MD_CTX) {
        if !ctx.is_null() {
            // SAFETY: from EVP_MD_CTX_new.
            drop(unsafe { Box::from_raw(ctx) });
        }
    }
    /// EVP_DigestInit_ex starts a digest of `type_`; 1 on success.
    fn EVP_DigestInit_ex(ctx: *mut EVP_MD_CTX, type_: *const EVP_MD, _impl_: *mut c_void) -> c_int {
        let c = crate::try_mut!(ctx, 0);
        let Some(m) = md_ref(type_).or(c.md) else {
            put_error(ERR_LIB_EVP, EVP_R_INVALID_DIGEST, "");
            return 0;
        };
        c.md = Some(m);
        c.ctx = Some(digest::Context::new(m.alg));
        1
    }
    /// EVP_DigestInit: as EVP_DigestInit_ex.
    fn EVP_DigestInit(ctx: *mut EVP_MD_CTX, type_: *const EVP_MD) -> c_int {
        EVP_DigestInit_ex(ctx, type_, std::ptr::null_mut())
    }
    /// EVP_DigestUpdate adds `cnt` bytes; 1 on success.
    fn EVP_DigestUpdate(ctx: *mut EVP_MD_CTX, d: *const c_void, cnt: usize) -> c_int {
        let c = crate::try_mut!(ctx, 0);
        let data = crate::try_slice!(d, cnt, 0);
        c.ctx.as_mut().map_or(0, |h| {
            h.update(data);
            1
        })
    }
    /// EVP_DigestFinal_ex writes the digest to `md` and its length to `s`; 1 on success.
    fn EVP_DigestFinal_ex(ctx: *mut EVP_MD_CTX, md: *mut u8, s: *mut c_uint) -> c_int {
        finish_into(&mut crate::try_mut!(ctx, 0).ctx, md, s, |h| h.finish())
    }
    /// EVP_DigestFinal: as EVP_DigestFinal_ex.
    fn EVP_DigestFinal(ctx: *mut EVP_MD_CTX, md: *mut u8, s: *mut c_uint) -> c_int {
        EVP_DigestFinal_ex(ctx, md, s)
    }
    /// EVP_MD_CTX_get0_md (EVP_MD_CTX_md): the context's digest.
    fn EVP_MD_CTX_get0_md(ctx: *const EVP_MD_CTX) -> *const EVP_MD {
        crate::try_ref!(ctx, std::ptr::null()).md.map_or(std::ptr::null(), |m| m as *const EVP_MD)
    }
}

thread_local! {
    /// Where SHA1()/SHA256()/... write when the caller passes md = NULL.
    static ONE_SHOT_OUT: std::cell::RefCell<[u8; EVP_MAX_MD_SIZE]> =
        const { std::cell::RefCell::new([0; EVP_MAX_MD_SIZE]) };
}

fn one_shot(m: &EVP_MD, d: *const u8, n: usize, md: *mut u8) -> *mut u8 {
    let input = crate::try_slice!(d, n, std::ptr::null_mut());
    let out = m.digest(input);
    if md.is_null() {
        return ONE_SHOT_OUT.with(|b| {
            let mut b = b.borrow_mut();
            write_digest(out.as_ref(), b.as_mut_ptr(), std::ptr::null_mut());
            b.as_mut_ptr()
        });
    }
    write_digest(out.as_ref(), md, std::ptr::null_mut());
    md
}

entry! {
    /// SHA1 writes the SHA-1 of `n` bytes to `md` (a per-thread buffer when NULL).
    fn SHA1(d: *const u8, n: usize, md: *mut u8) -> *mut u8 { one_shot(&SHA1_MD, d, n, md) }
    /// SHA256 writes the SHA-256 of `n` bytes to `md` (a per-thread buffer when NULL).
    fn SHA256(d: *const u8, n: usize, md: *mut u8) -> *mut u8 { one_shot(&SHA256_MD, d, n, md) }
    /// SHA384 writes the SHA-384 of `n` bytes to `md` (a per-thread buffer when NULL).
    fn SHA384(d: *const u8, n: usize, md: *mut u8) -> *mut u8 { one_shot(&SHA384_MD, d, n, md) }
    /// SHA512 writes the SHA-512 of `n` bytes to `md` (a per-thread buffer when NULL).
    fn SHA512(d: *const u8, n: usize, md: *mut u8) -> *mut u8 { one_shot(&SHA512_MD, d, n, md) }
}

/// `CStr` of a digest's name (for tests and diagnostics).
pub fn name_of(md: &EVP_MD) -> &'static CStr {
    CStr::from_bytes_with_nul(md.name).unwrap_or_default()
}
