//! BIO: OpenSSL's I/O abstraction — objects with a method table, reference counts, retry flags.
//!
//! A [`BIO`] is a heap object handed to C as an opaque pointer. Its method ([`BIO_METHOD`]) is
//! either built in (memory, fd, socket, datagram, FILE, null, datagram pair: one file each,
//! implementing [`BioImpl`]) or made by the application with `BIO_meth_new` and C callbacks
//! ([`meth`]). Mutable state sits in `Cell`/`RefCell` because C callbacks may re-enter the
//! library with the same `BIO*` (e.g. `BIO_get_data` inside a custom read callback) while an
//! operation on it is running; no `&mut BIO` is ever formed.
//!
//! The Rust API used by the rest of the crate ([`read`], [`write`], [`ctrl`], [`free`], ...)
//! has the C functions' semantics and return values.
use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_long, c_void};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::{put_error, ERR_LIB_BIO, ERR_R_PASSED_NULL_PARAMETER};
use crate::error::{BIO_R_INVALID_ARGUMENT, BIO_R_UNINITIALIZED, BIO_R_UNSUPPORTED_METHOD};
use crate::exdata::{ExData, CRYPTO_EX_INDEX_BIO};

pub mod addr;
pub mod connect;
pub mod consts;
pub mod dgram;
pub mod fd;
pub mod file;
pub mod mem;
pub mod meth;
pub mod null;
pub mod pair;

pub mod exports;
#[cfg(test)]
mod tests;

use consts::*;

/// Custom-method callback types (the C prototypes of `BIO_meth_set_*`).
pub type WriteFn = unsafe extern "C" fn(*mut BIO, *const c_char, c_int) -> c_int;
/// `bwrite_ex`.
pub type WriteExFn = unsafe extern "C" fn(*mut BIO, *const c_char, usize, *mut usize) -> c_int;
/// `bread`.
pub type ReadFn = unsafe extern "C" fn(*mut BIO, *mut c_char, c_int) -> c_int;
/// `bread_ex`.
pub type ReadExFn = unsafe extern "C" fn(*mut BIO, *mut c_char, usize, *mut usize) -> c_int;
/// `bputs`.
pub type PutsFn = unsafe extern "C" fn(*mut BIO, *const c_char) -> c_int;
/// `bgets`.
pub type GetsFn = unsafe extern "C" fn(*mut BIO, *mut c_char, c_int) -> c_int;
/// `ctrl`.
pub type CtrlFn = unsafe extern "C" fn(*mut BIO, c_int, c_long, *mut c_void) -> c_long;
/// `create` / `destroy`.
pub type LifeFn = unsafe extern "C" fn(*mut BIO) -> c_int;
/// `BIO_info_cb`.
pub type InfoCb = unsafe extern "C" fn(*mut BIO, c_int, c_int) -> c_int;
/// `callback_ctrl`.
pub type CallbackCtrlFn = unsafe extern "C" fn(*mut BIO, c_int, Option<InfoCb>) -> c_long;

/// Constructor of a built-in kind: its state and whether the BIO starts initialised.
pub type BuiltinCtor = fn() -> (Box<dyn BioImpl>, bool);

/// A BIO method table (`BIO_METHOD`).
pub struct BIO_METHOD {
    pub(crate) type_: c_int,
    pub(crate) name: *const c_char,
    /// Keeps a custom method's name alive (`name` points into it).
    pub(crate) name_buf: Option<std::ffi::CString>,
    pub(crate) builtin: Option<BuiltinCtor>,
    pub(crate) write: Option<WriteFn>,
    pub(crate) write_ex: Option<WriteExFn>,
    pub(crate) read: Option<ReadFn>,
    pub(crate) read_ex: Option<ReadExFn>,
    pub(crate) puts: Option<PutsFn>,
    pub(crate) gets: Option<GetsFn>,
    pub(crate) ctrl: Option<CtrlFn>,
    pub(crate) create: Option<LifeFn>,
    pub(crate) destroy: Option<LifeFn>,
    pub(crate) callback_ctrl: Option<CallbackCtrlFn>,
}

// SAFETY: a BIO_METHOD is immutable once BIOs use it (C programs set the callbacks before
// the first BIO_new); `name` points to a static string or into `name_buf`.
unsafe impl Sync for BIO_METHOD {}
// SAFETY: as above; nothing in it is tied to a thread.
unsafe impl Send for BIO_METHOD {}

impl BIO_METHOD {
    /// A built-in method; `name` must be NUL-terminated.
    pub(crate) const fn builtin(type_: c_int, name: &'static [u8], ctor: BuiltinCtor) -> Self {
        let mut m = Self::bare(type_, name.as_ptr() as *const c_char);
        m.builtin = Some(ctor);
        m
    }

    /// A method with no behaviour yet: no constructor and no callbacks.
    pub(crate) const fn bare(type_: c_int, name: *const c_char) -> Self {
        BIO_METHOD {
            type_,
            name,
            name_buf: None,
            builtin: None,
            write: None,
            write_ex: None,
            read: None,
            read_ex: None,
            puts: None,
            gets: None,
            ctrl: None,
            create: None,
            destroy: None,
            callback_ctrl: None,
        }
    }
}

/// The behaviour of a built-in BIO kind. Return values follow the C functions: bytes (>0),
/// 0 for EOF, -1 for error or "retry" (with the retry flags set on `bio`), -2 unsupported.
pub trait BioImpl {
    /// `BIO_read` into `buf` (never empty).
    fn read(&mut self, bio: &BIO, buf: &mut [u8]) -> c_int;
    /// `BIO_write` of `data` (never empty).
    fn write(&mut self, bio: &BIO, data: &[u8]) -> c_int;
    /// `BIO_gets`: at most `buf.len() - 1` bytes up to and including '\n', NUL-terminated.
    fn gets(&mut self, bio: &BIO, buf: &mut [u8]) -> c_int {
        gets_by_read(self, bio, buf)
    }
    /// `BIO_ctrl` for commands other than GET_CLOSE/SET_CLOSE; unknown commands return 0.
    fn ctrl(&mut self, bio: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long;
    /// Sends several datagrams in one system call (`sendmmsg`); returns how many went out
    /// whole. Kinds without a batch path keep the default: none (the caller writes them one
    /// by one, which also reports any error the usual way).
    fn write_batch(&mut self, _bio: &BIO, _datagrams: &[&[u8]]) -> usize {
        0
    }
    /// The memory BIO's state, for the SSL layer's copy-free paths (see [`mem_append`]).
    fn as_mem(&mut self) -> Option<&mut mem::MemBio> {
        None
    }
    /// Releases resources when the last reference goes (`bio.shutdown()` says whether the
    /// underlying descriptor/FILE is ours to close).
    fn destroy(&mut self, _bio: &BIO) {}
}

/// `gets` for kinds without line buffering: reads one byte at a time.
pub(crate) fn gets_by_read<T: BioImpl + ?Sized>(imp: &mut T, bio: &BIO, buf: &mut [u8]) -> c_int {
    let Some(room) = buf.len().checked_sub(1) else {
        return 0;
    };
    let mut n = 0;
    while n < room {
        let mut byte = [0u8; 1];
        if imp.read(bio, &mut byte) <= 0 {
            break;
        }
        buf[n] = byte[0];
        n += 1;
        if byte[0] == b'\n' {
            break;
        }
    }
    buf[n] = 0;
    n as c_int
}

/// A BIO object. Create with [`new`], release with [`free`].
pub struct BIO {
    method: *const BIO_METHOD,
    refs: AtomicU32,
    flags: Cell<c_int>,
    init: Cell<c_int>,
    shutdown: Cell<c_int>,
    data: Cell<*mut c_void>,
    next: Cell<*mut BIO>,
    prev: Cell<*mut BIO>,
    retry_reason: Cell<c_int>,
    num_read: Cell<u64>,
    num_write: Cell<u64>,
    imp: RefCell<Option<Box<dyn BioImpl>>>,
    pub(crate) ex_data: ExData,
}

impl BIO {
    /// The method table.
    pub fn method(&self) -> &BIO_METHOD {
        // SAFETY: `method` is a static built-in or a BIO_METHOD the application keeps alive
        // while BIOs use it (OpenSSL's contract for BIO_meth_free).
        unsafe { &*self.method }
    }
    /// `BIO_set_flags`.
    pub fn set_flags(&self, f: c_int) {
        self.flags.set(self.flags.get() | f);
    }
    /// `BIO_clear_flags`.
    pub fn clear_flags(&self, f: c_int) {
        self.flags.set(self.flags.get() & !f);
    }
    /// `BIO_test_flags`.
    pub fn test_flags(&self, f: c_int) -> c_int {
        self.flags.get() & f
    }
    /// `BIO_set_retry_read`.
    pub fn set_retry_read(&self) {
        self.set_flags(BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
    }
    /// `BIO_set_retry_write`.
    pub fn set_retry_write(&self) {
        self.set_flags(BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY);
    }
    /// `BIO_clear_retry_flags`.
    pub fn clear_retry_flags(&self) {
        self.clear_flags(BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
    }
    /// `BIO_get_shutdown`: whether freeing the BIO closes the underlying resource.
    pub fn shutdown(&self) -> c_int {
        self.shutdown.get()
    }
    /// `BIO_set_shutdown`.
    pub fn set_shutdown(&self, s: c_int) {
        self.shutdown.set(s);
    }
    /// `BIO_get_init`.
    pub fn init(&self) -> c_int {
        self.init.get()
    }
    /// `BIO_set_init`.
    pub fn set_init(&self, i: c_int) {
        self.init.set(i);
    }

    fn with_imp<R>(&self, f: impl FnOnce(&mut dyn BioImpl) -> R) -> Option<R> {
        let mut guard = self.imp.try_borrow_mut().ok()?;
        let imp = guard.as_mut()?;
        Some(f(imp.as_mut()))
    }
}

/// A shared reference to a C `BIO*`, None for NULL.
pub(crate) fn bio_ref<'a>(b: *const BIO) -> Option<&'a BIO> {
    // SAFETY: NULL or a live BIO from this library (the C caller's contract).
    unsafe { b.as_ref() }
}

fn unsupported() -> c_int {
    put_error(ERR_LIB_BIO, BIO_R_UNSUPPORTED_METHOD, "");
    -2
}

fn re_entered() -> c_int {
    put_error(
        ERR_LIB_BIO,
        crate::error::ERR_R_INTERNAL_ERROR,
        "BIO re-entered during an operation",
    );
    -1
}

/// `BIO_new`: a new BIO of `method` (one reference), NULL if a custom `create` fails.
pub fn new(method: *const BIO_METHOD) -> *mut BIO {
    // SAFETY: NULL or a method from BIO_s_*() / BIO_meth_new (kept alive by the caller).
    let Some(m) = (unsafe { method.as_ref() }) else {
        put_error(ERR_LIB_BIO, ERR_R_PASSED_NULL_PARAMETER, "method is NULL");
        return std::ptr::null_mut();
    };
    let (imp, init) = match m.builtin {
        Some(ctor) => {
            let (imp, init) = ctor();
            (Some(imp), init)
        }
        None => (None, false),
    };
    let bio = Box::into_raw(Box::new(BIO {
        method,
        refs: AtomicU32::new(1),
        flags: Cell::new(0),
        init: Cell::new(init as c_int),
        shutdown: Cell::new(1),
        data: Cell::new(std::ptr::null_mut()),
        next: Cell::new(std::ptr::null_mut()),
        prev: Cell::new(std::ptr::null_mut()),
        retry_reason: Cell::new(0),
        num_read: Cell::new(0),
        num_write: Cell::new(0),
        imp: RefCell::new(imp),
        ex_data: ExData::new(CRYPTO_EX_INDEX_BIO, std::ptr::null_mut()),
    }));
    if let Some(create) = m.create {
        // SAFETY: `create` is the application's callback for this method; `bio` is live.
        if unsafe { create(bio) } <= 0 {
            // SAFETY: `bio` came from Box::into_raw above and nobody else holds it.
            drop(unsafe { Box::from_raw(bio) });
            return std::ptr::null_mut();
        }
    }
    bio
}

/// `BIO_up_ref`.
pub fn up_ref(b: *mut BIO) -> bool {
    match bio_ref(b) {
        Some(bio) => {
            bio.refs.fetch_add(1, Ordering::Relaxed);
            true
        }
        None => false,
    }
}

/// `BIO_free`: drops one reference; the last one destroys the BIO. False for NULL.
pub fn free(b: *mut BIO) -> bool {
    let Some(bio) = bio_ref(b) else { return false };
    if bio.refs.fetch_sub(1, Ordering::AcqRel) != 1 {
        return true;
    }
    let m = bio.method();
    if let Some(destroy) = m.destroy {
        // SAFETY: the application's destroy callback for this method; `b` is still live.
        unsafe { destroy(b) };
    }
    if let Ok(mut imp) = bio.imp.try_borrow_mut() {
        if let Some(imp) = imp.as_mut() {
            imp.destroy(bio);
        }
    }
    bio.ex_data.free(b.cast());
    // SAFETY: the reference count reached zero, so this is the last user; `b` came from
    // Box::into_raw in `new`.
    drop(unsafe { Box::from_raw(b) });
    true
}

/// `BIO_free_all`: frees `b` and the BIOs after it in its chain, stopping at one that is
/// still referenced elsewhere.
pub fn free_all(mut b: *mut BIO) {
    while let Some(bio) = bio_ref(b) {
        let refs = bio.refs.load(Ordering::Acquire);
        let next = bio.next.get();
        free(b);
        if refs > 1 {
            break;
        }
        b = next;
    }
}

fn check_io(b: *mut BIO) -> Result<&'static BIO, c_int> {
    let Some(bio) = bio_ref(b) else {
        put_error(ERR_LIB_BIO, ERR_R_PASSED_NULL_PARAMETER, "bio is NULL");
        return Err(-1);
    };
    if bio.init.get() == 0 {
        put_error(ERR_LIB_BIO, BIO_R_UNINITIALIZED, "");
        return Err(-1);
    }
    Ok(bio)
}

/// `BIO_read` into `buf`: bytes read (>0), 0 at EOF, <0 on error or when the caller should
/// retry (see the retry flags).
pub fn read(b: *mut BIO, buf: &mut [u8]) -> c_int {
    let bio = match check_io(b) {
        Ok(bio) => bio,
        Err(e) => return e,
    };
    if buf.is_empty() {
        return 0;
    }
    let cap = buf.len().min(c_int::MAX as usize);
    let buf = &mut buf[..cap];
    let m = bio.method();
    let n = if m.builtin.is_some() {
        bio.with_imp(|imp| imp.read(bio, buf))
            .unwrap_or_else(re_entered)
    } else if let Some(f) = m.read_ex {
        let mut got = 0usize;
        // SAFETY: application callback; buf is writable for its length.
        let rc = unsafe { f(b, buf.as_mut_ptr().cast(), buf.len(), &mut got) };
        ex_result(rc, got, buf.len())
    } else if let Some(f) = m.read {
        // SAFETY: application callback; buf is writable for its length (<= INT_MAX).
        unsafe { f(b, buf.as_mut_ptr().cast(), buf.len() as c_int) }
    } else {
        unsupported()
    };
    counted(&bio.num_read, n)
}

/// `BIO_write` of `data`: bytes written (>0), <=0 on error or retry.
pub fn write(b: *mut BIO, data: &[u8]) -> c_int {
    if data.is_empty() {
        return 0;
    }
    let bio = match check_io(b) {
        Ok(bio) => bio,
        Err(e) => return e,
    };
    let data = &data[..data.len().min(c_int::MAX as usize)];
    let m = bio.method();
    let n = if m.builtin.is_some() {
        bio.with_imp(|imp| imp.write(bio, data))
            .unwrap_or_else(re_entered)
    } else if let Some(f) = m.write_ex {
        let mut put = 0usize;
        // SAFETY: application callback; data is readable for its length.
        let rc = unsafe { f(b, data.as_ptr().cast(), data.len(), &mut put) };
        ex_result(rc, put, data.len())
    } else if let Some(f) = m.write {
        // SAFETY: application callback; data is readable for its length (<= INT_MAX).
        unsafe { f(b, data.as_ptr().cast(), data.len() as c_int) }
    } else {
        unsupported()
    };
    counted(&bio.num_write, n)
}

/// Our memory BIO (`BIO_s_mem`) behind `b`, if it is one and not in use.
fn with_mem<R>(b: *mut BIO, f: impl FnOnce(&BIO, &mut mem::MemBio) -> R) -> Option<R> {
    let bio = bio_ref(b)?;
    if bio.init.get() == 0 || bio.method().builtin.is_none() {
        return None;
    }
    let mut guard = bio.imp.try_borrow_mut().ok()?;
    let m = guard.as_mut()?.as_mem()?;
    Some(f(bio, m))
}

/// When `b` is our writable memory BIO: runs `f` on its buffer, to which `f` appends what a
/// `BIO_write` would have written (one datagram), with the same effect on the BIO (retry
/// flags, byte count). None, without calling `f`, for any other BIO.
pub fn mem_append<R>(b: *mut BIO, f: impl FnOnce(&mut Vec<u8>) -> R) -> Option<R> {
    let (r, n) = with_mem(b, |bio, m| m.append_with(bio, f))??;
    if let Some(bio) = bio_ref(b) {
        counted(&bio.num_write, n.min(c_int::MAX as usize) as c_int);
    }
    Some(r)
}

/// When `b` is our memory BIO holding 1..=`max` bytes from its start: a `BIO_read` of all
/// of them that hands the BIO's buffer over, swapped with `spare`, instead of copying it
/// (see `MemBio::take_all`). The bytes are then `spare[..]`. False when not done.
pub fn mem_take(b: *mut BIO, spare: &mut Vec<u8>, max: usize) -> bool {
    let done = with_mem(b, |bio, m| m.take_all(bio, spare, max)).unwrap_or(false);
    if done {
        if let Some(bio) = bio_ref(b) {
            counted(&bio.num_read, spare.len().min(c_int::MAX as usize) as c_int);
        }
    }
    done
}

/// The C result of an application `read_ex`/`write_ex` callback: the byte count `done`
/// (at most `len`) on success, otherwise the callback's own return value.
fn ex_result(rc: c_int, done: usize, len: usize) -> c_int {
    if rc > 0 {
        done.min(len) as c_int
    } else {
        rc
    }
}

/// Adds a successful transfer of `n` bytes to a BIO byte counter; returns `n`.
fn counted(counter: &Cell<u64>, n: c_int) -> c_int {
    if n > 0 {
        counter.set(counter.get() + n as u64);
    }
    n
}

/// Writes several datagrams with one system call where the BIO kind can (the datagram
/// BIO's `sendmmsg`); returns how many went out whole, 0 when the kind has no batch path or
/// the first failed (the caller then writes the rest with [`write`], which sets the retry
/// flags and errno as usual).
pub fn write_batch(b: *mut BIO, datagrams: &[&[u8]]) -> usize {
    let Ok(bio) = check_io(b) else {
        return 0;
    };
    if bio.method().builtin.is_none() {
        return 0;
    }
    let n = bio
        .with_imp(|imp| imp.write_batch(bio, datagrams))
        .unwrap_or(0)
        .min(datagrams.len());
    let bytes: usize = datagrams[..n].iter().map(|d| d.len()).sum();
    bio.num_write.set(bio.num_write.get() + bytes as u64);
    n
}

/// Writes all of `data` (for ERR_print_errors and PEM output); false on any failure.
pub fn write_all(b: *mut BIO, mut data: &[u8]) -> bool {
    while !data.is_empty() {
        let n = write(b, data);
        if n <= 0 {
            return false;
        }
        data = &data[(n as usize).min(data.len())..];
    }
    true
}

/// `BIO_gets`.
pub fn gets(b: *mut BIO, buf: &mut [u8]) -> c_int {
    let bio = match check_io(b) {
        Ok(bio) => bio,
        Err(e) => return e,
    };
    if buf.is_empty() {
        return 0;
    }
    let cap = buf.len().min(c_int::MAX as usize);
    let buf = &mut buf[..cap];
    let m = bio.method();
    let n = if m.builtin.is_some() {
        bio.with_imp(|imp| imp.gets(bio, buf))
            .unwrap_or_else(re_entered)
    } else if let Some(f) = m.gets {
        // SAFETY: application callback; buf is writable for its length.
        unsafe { f(b, buf.as_mut_ptr().cast(), buf.len() as c_int) }
    } else {
        unsupported()
    };
    counted(&bio.num_read, n)
}

/// `BIO_puts` of a string's bytes.
pub fn puts(b: *mut BIO, s: &[u8], cstr: *const c_char) -> c_int {
    let bio = match check_io(b) {
        Ok(bio) => bio,
        Err(e) => return e,
    };
    let m = bio.method();
    if m.builtin.is_some() {
        return write(b, s);
    }
    match m.puts {
        // SAFETY: application callback; cstr is the caller's NUL-terminated string.
        Some(f) => unsafe { f(b, cstr) },
        None if m.write.is_some() || m.write_ex.is_some() => write(b, s),
        None => unsupported(),
    }
}

/// `BIO_ctrl`; 0 for a NULL BIO, -2 (and an ERR entry) for a custom method without `ctrl`.
pub fn ctrl(b: *mut BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    ctrl_inner(b, cmd, larg, parg, true)
}

/// `BIO_ctrl` without the "unsupported method" ERR entry (for probes by the SSL layer).
pub fn ctrl_quiet(b: *mut BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
    ctrl_inner(b, cmd, larg, parg, false)
}

fn ctrl_inner(b: *mut BIO, cmd: c_int, larg: c_long, parg: *mut c_void, loud: bool) -> c_long {
    let Some(bio) = bio_ref(b) else { return 0 };
    let m = bio.method();
    if m.builtin.is_some() {
        return match cmd {
            BIO_CTRL_GET_CLOSE => bio.shutdown.get() as c_long,
            BIO_CTRL_SET_CLOSE => {
                bio.shutdown.set(larg as c_int);
                1
            }
            _ => bio
                .with_imp(|imp| imp.ctrl(bio, cmd, larg, parg))
                .unwrap_or_else(|| re_entered() as c_long),
        };
    }
    match m.ctrl {
        // SAFETY: application callback with the caller's arguments.
        Some(f) => unsafe { f(b, cmd, larg, parg) },
        None if loud => unsupported() as c_long,
        None => -2,
    }
}

/// `BIO_callback_ctrl`.
pub fn callback_ctrl(b: *mut BIO, cmd: c_int, fp: Option<InfoCb>) -> c_long {
    let Some(bio) = bio_ref(b) else { return 0 };
    match bio.method().callback_ctrl {
        // SAFETY: application callback with the caller's arguments.
        Some(f) => unsafe { f(b, cmd, fp) },
        None => unsupported() as c_long,
    }
}

/// `BIO_test_flags`; 0 for NULL.
pub fn test_flags(b: *mut BIO, flags: c_int) -> c_int {
    bio_ref(b).map_or(0, |bio| bio.test_flags(flags))
}

/// `BIO_method_type`; 0 for NULL.
pub fn method_type(b: *mut BIO) -> c_int {
    bio_ref(b).map_or(0, |bio| bio.method().type_)
}

/// Validates a C length argument (negative → BIO_R_INVALID_ARGUMENT).
pub(crate) fn c_len(n: c_int) -> Option<usize> {
    let r = usize::try_from(n).ok();
    if r.is_none() {
        put_error(ERR_LIB_BIO, BIO_R_INVALID_ARGUMENT, "negative length");
    }
    r
}

/// The last OS error number.
pub(crate) fn errno() -> c_int {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

/// Whether an errno means "try again later" (OpenSSL's BIO_sock_non_fatal_error set).
pub(crate) fn errno_is_retriable(e: c_int) -> bool {
    matches!(
        e,
        libc::EINTR
            | libc::EAGAIN
            | libc::EINPROGRESS
            | libc::EALREADY
            | libc::ENOTCONN
            | libc::EPROTO
    ) || e == libc::EWOULDBLOCK
}
