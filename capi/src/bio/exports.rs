//! The exported `BIO_*` functions (OpenSSL 3.0 `bio.h`, plus 3.2's datagram pair).
use std::ffi::{c_char, c_int, c_long, c_void, CStr};

use super::consts::*;
use super::*;
use crate::entry::entry;
use crate::{try_ref, try_slice, try_slice_mut};

fn c_bool(b: bool) -> c_int {
    b as c_int
}

entry! {
    /// BIO_new returns a new BIO of `type_` (one reference), NULL on failure.
    fn BIO_new(type_: *const BIO_METHOD) -> *mut BIO { new(type_) }

    /// BIO_free drops one reference (the last one destroys the BIO); 1, or 0 for NULL.
    fn BIO_free(a: *mut BIO) -> c_int { c_bool(free(a)) }

    /// BIO_vfree is BIO_free without a result.
    fn BIO_vfree(a: *mut BIO) { free(a); }

    /// BIO_free_all frees a whole chain (stopping at a BIO referenced elsewhere).
    fn BIO_free_all(a: *mut BIO) { free_all(a) }

    /// BIO_up_ref adds a reference; 1 on success.
    fn BIO_up_ref(a: *mut BIO) -> c_int { c_bool(up_ref(a)) }

    /// BIO_read reads up to `dlen` bytes: >0 bytes, 0 EOF, <0 error/retry.
    fail = -1;
    fn BIO_read(b: *mut BIO, data: *mut c_void, dlen: c_int) -> c_int {
        let Some(n) = c_len(dlen) else { return -1 };
        let buf = try_slice_mut!(data, n, -1);
        read(b, buf)
    }

    /// BIO_read_ex: 1 and `*readbytes` on success, 0 otherwise.
    fn BIO_read_ex(b: *mut BIO, data: *mut c_void, dlen: usize, readbytes: *mut usize) -> c_int {
        let buf = try_slice_mut!(data, dlen, 0);
        let n = read(b, buf);
        let got = if n > 0 { n as usize } else { 0 };
        if !readbytes.is_null() {
            // SAFETY: non-NULL out pointer from the caller.
            unsafe { readbytes.write(got) };
        }
        c_bool(n > 0)
    }

    /// BIO_write writes `dlen` bytes: bytes written, <=0 on error/retry (0 when dlen <= 0).
    fail = -1;
    fn BIO_write(b: *mut BIO, data: *const c_void, dlen: c_int) -> c_int {
        if dlen <= 0 {
            return 0;
        }
        let buf = try_slice!(data, dlen, -1);
        write(b, buf)
    }

    /// BIO_write_ex: 1 and `*written` on success, 0 otherwise.
    fn BIO_write_ex(b: *mut BIO, data: *const c_void, dlen: usize, written: *mut usize) -> c_int {
        let buf = try_slice!(data, dlen, 0);
        let n = if buf.is_empty() { 0 } else { write(b, buf) };
        let put = if n > 0 { n as usize } else { 0 };
        if !written.is_null() {
            // SAFETY: non-NULL out pointer from the caller.
            unsafe { written.write(put) };
        }
        c_bool(n > 0 || buf.is_empty())
    }

    /// BIO_puts writes a NUL-terminated string; bytes written or <=0.
    fail = -1;
    fn BIO_puts(bp: *mut BIO, buf: *const c_char) -> c_int {
        if buf.is_null() {
            crate::entry::on_null("buf");
            return -1;
        }
        // SAFETY: non-NULL, NUL-terminated per the API contract.
        let s = unsafe { CStr::from_ptr(buf) }.to_bytes();
        puts(bp, s, buf)
    }

    /// BIO_gets reads one line (up to `size - 1` bytes, NUL-terminated); bytes read or <=0.
    fail = -1;
    fn BIO_gets(bp: *mut BIO, buf: *mut c_char, size: c_int) -> c_int {
        let Some(n) = c_len(size) else { return -1 };
        let out = try_slice_mut!(buf, n, -1);
        gets(bp, out)
    }

    /// BIO_ctrl performs control operation `cmd`; its meaning and result depend on the BIO
    /// kind (0 for NULL or an unknown command).
    fn BIO_ctrl(bp: *mut BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        ctrl(bp, cmd, larg, parg)
    }

    /// BIO_int_ctrl is BIO_ctrl with `parg` pointing to the int `iarg`.
    fn BIO_int_ctrl(bp: *mut BIO, cmd: c_int, larg: c_long, iarg: c_int) -> c_long {
        let mut i = iarg;
        ctrl(bp, cmd, larg, (&mut i as *mut c_int).cast())
    }

    /// BIO_ptr_ctrl is BIO_ctrl filling a pointer; NULL when the ctrl returns <= 0.
    fn BIO_ptr_ctrl(bp: *mut BIO, cmd: c_int, larg: c_long) -> *mut c_void {
        let mut p: *mut c_void = std::ptr::null_mut();
        if ctrl(bp, cmd, larg, (&mut p as *mut *mut c_void).cast()) <= 0 {
            return std::ptr::null_mut();
        }
        p
    }

    /// BIO_callback_ctrl passes a callback to the BIO's method.
    fn BIO_callback_ctrl(b: *mut BIO, cmd: c_int, fp: Option<InfoCb>) -> c_long {
        callback_ctrl(b, cmd, fp)
    }

    /// BIO_ctrl_pending: bytes (for a datagram pair: the next datagram's size) readable now.
    fn BIO_ctrl_pending(b: *mut BIO) -> usize {
        ctrl(b, BIO_CTRL_PENDING, 0, std::ptr::null_mut()).max(0) as usize
    }

    /// BIO_ctrl_wpending: bytes written but not yet consumed.
    fn BIO_ctrl_wpending(b: *mut BIO) -> usize {
        ctrl(b, BIO_CTRL_WPENDING, 0, std::ptr::null_mut()).max(0) as usize
    }

    /// BIO_ctrl_get_write_guarantee: bytes that can be written without blocking (pairs).
    fn BIO_ctrl_get_write_guarantee(b: *mut BIO) -> usize {
        ctrl(b, BIO_C_GET_WRITE_GUARANTEE, 0, std::ptr::null_mut()).max(0) as usize
    }

    /// BIO_ctrl_get_read_request: bytes the peer tried to read (0 for datagram pairs).
    fn BIO_ctrl_get_read_request(b: *mut BIO) -> usize {
        ctrl(b, BIO_C_GET_READ_REQUEST, 0, std::ptr::null_mut()).max(0) as usize
    }

    /// BIO_push appends `append` to the end of `b`'s chain; returns `b` (or `append` when
    /// `b` is NULL).
    fn BIO_push(b: *mut BIO, append: *mut BIO) -> *mut BIO {
        let Some(first) = bio_ref(b) else { return append };
        let mut last = first;
        let mut last_ptr = b;
        while let Some(n) = bio_ref(last.next.get()) {
            last_ptr = last.next.get();
            last = n;
        }
        last.next.set(append);
        if let Some(a) = bio_ref(append) {
            a.prev.set(last_ptr);
        }
        ctrl_quiet(b, BIO_CTRL_PUSH, 0, last_ptr.cast());
        b
    }

    /// BIO_pop removes `b` from its chain and returns the BIO that followed it.
    fn BIO_pop(b: *mut BIO) -> *mut BIO {
        let Some(bio) = bio_ref(b) else { return std::ptr::null_mut() };
        let next = bio.next.get();
        ctrl_quiet(b, BIO_CTRL_POP, 0, b.cast());
        if let Some(p) = bio_ref(bio.prev.get()) {
            p.next.set(next);
        }
        if let Some(n) = bio_ref(next) {
            n.prev.set(bio.prev.get());
        }
        bio.next.set(std::ptr::null_mut());
        bio.prev.set(std::ptr::null_mut());
        next
    }

    /// BIO_next returns the BIO after `b` in its chain.
    fn BIO_next(b: *mut BIO) -> *mut BIO {
        bio_ref(b).map_or(std::ptr::null_mut(), |bio| bio.next.get())
    }

    /// BIO_set_next sets the BIO after `b` without touching reference counts.
    fn BIO_set_next(b: *mut BIO, next: *mut BIO) {
        if let Some(bio) = bio_ref(b) {
            bio.next.set(next);
        }
    }

    /// BIO_find_type returns the first BIO in `b`'s chain of type `bio_type` (or, when
    /// `bio_type` has no number bits, of that category).
    fn BIO_find_type(b: *mut BIO, bio_type: c_int) -> *mut BIO {
        let mut cur = b;
        while let Some(bio) = bio_ref(cur) {
            let t = bio.method().type_;
            let hit = if bio_type & 0xFF != 0 { t == bio_type } else { t & bio_type != 0 };
            if hit {
                return cur;
            }
            cur = bio.next.get();
        }
        std::ptr::null_mut()
    }

    /// BIO_get_retry_BIO returns the BIO that caused the retry (here `bio` itself) and its
    /// retry reason.
    fn BIO_get_retry_BIO(bio: *mut BIO, reason: *mut c_int) -> *mut BIO {
        let b = try_ref!(bio, std::ptr::null_mut());
        if !reason.is_null() {
            // SAFETY: non-NULL out pointer from the caller.
            unsafe { reason.write(b.retry_reason.get()) };
        }
        bio
    }

    /// BIO_get_retry_reason.
    fn BIO_get_retry_reason(bio: *mut BIO) -> c_int {
        bio_ref(bio).map_or(0, |b| b.retry_reason.get())
    }

    /// BIO_set_retry_reason.
    fn BIO_set_retry_reason(bio: *mut BIO, reason: c_int) {
        if let Some(b) = bio_ref(bio) {
            b.retry_reason.set(reason);
        }
    }

    /// BIO_copy_next_retry copies the retry flags and reason of the next BIO in the chain.
    fn BIO_copy_next_retry(b: *mut BIO) {
        let Some(bio) = bio_ref(b) else { return };
        let Some(next) = bio_ref(bio.next.get()) else { return };
        bio.set_flags(next.test_flags(BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY));
        bio.retry_reason.set(next.retry_reason.get());
    }

    /// BIO_s_mem: the memory BIO method.
    fn BIO_s_mem() -> *const BIO_METHOD { &mem::METHOD }
    /// BIO_s_datagram: the UDP socket BIO method.
    fn BIO_s_datagram() -> *const BIO_METHOD { &dgram::METHOD }
    /// BIO_s_fd: the file-descriptor BIO method.
    fn BIO_s_fd() -> *const BIO_METHOD { &fd::FD_METHOD }
    /// BIO_s_socket: the stream-socket BIO method.
    fn BIO_s_socket() -> *const BIO_METHOD { &fd::SOCKET_METHOD }
    /// BIO_s_file: the stdio FILE BIO method.
    fn BIO_s_file() -> *const BIO_METHOD { &file::METHOD }
    /// BIO_s_null: the discarding BIO method.
    fn BIO_s_null() -> *const BIO_METHOD { &null::METHOD }
    /// BIO_s_dgram_pair: the in-process datagram pair method (OpenSSL 3.2).
    fn BIO_s_dgram_pair() -> *const BIO_METHOD { &pair::METHOD }

    /// BIO_new_mem_buf: a read-only memory BIO over `buf` (`len` -1: strlen(buf)).
    fn BIO_new_mem_buf(buf: *const c_void, len: c_int) -> *mut BIO {
        let data: &[u8] = if len < 0 {
            if buf.is_null() {
                crate::entry::on_null("buf");
                return std::ptr::null_mut();
            }
            // SAFETY: len -1 means a NUL-terminated string (API contract).
            unsafe { CStr::from_ptr(buf.cast()) }.to_bytes()
        } else {
            try_slice!(buf, len, std::ptr::null_mut())
        };
        mem::new_mem_buf(data)
    }

    /// BIO_new_dgram: a datagram BIO on socket `fd` (closed on free when `close_flag` is
    /// BIO_CLOSE).
    fn BIO_new_dgram(fd: c_int, close_flag: c_int) -> *mut BIO { dgram::new_dgram(fd, close_flag) }
    /// BIO_new_fd: a BIO on descriptor `fd`.
    fn BIO_new_fd(fd: c_int, close_flag: c_int) -> *mut BIO { fd::new_fd(fd, close_flag) }
    /// BIO_new_socket: a BIO on stream socket `sock`.
    fn BIO_new_socket(sock: c_int, close_flag: c_int) -> *mut BIO { fd::new_socket(sock, close_flag) }

    /// BIO_new_fp: a BIO on an open FILE.
    fn BIO_new_fp(stream: *mut libc::FILE, close_flag: c_int) -> *mut BIO {
        if stream.is_null() {
            crate::entry::on_null("stream");
            return std::ptr::null_mut();
        }
        file::new_fp(stream, close_flag)
    }

    /// BIO_new_file: opens `filename` with fopen `mode`.
    fn BIO_new_file(filename: *const c_char, mode: *const c_char) -> *mut BIO {
        if filename.is_null() || mode.is_null() {
            crate::entry::on_null("filename/mode");
            return std::ptr::null_mut();
        }
        file::new_file(filename, mode)
    }

    /// BIO_new_bio_dgram_pair makes two joined datagram BIOs (OpenSSL 3.2); 1 on success.
    fn BIO_new_bio_dgram_pair(bio1: *mut *mut BIO, writebuf1: usize, bio2: *mut *mut BIO,
                              writebuf2: usize) -> c_int {
        if bio1.is_null() || bio2.is_null() {
            crate::entry::on_null("bio1/bio2");
            return 0;
        }
        let (a, b) = pair::new_pair(writebuf1, writebuf2)
            .unwrap_or((std::ptr::null_mut(), std::ptr::null_mut()));
        // SAFETY: both out pointers are non-NULL (checked above).
        unsafe {
            bio1.write(a);
            bio2.write(b);
        }
        c_bool(!a.is_null())
    }

    /// BIO_set_data stores the custom method's state pointer.
    fn BIO_set_data(a: *mut BIO, ptr: *mut c_void) {
        try_ref!(a, ()).data.set(ptr);
    }
    /// BIO_get_data returns the custom method's state pointer.
    fn BIO_get_data(a: *mut BIO) -> *mut c_void {
        try_ref!(a, std::ptr::null_mut()).data.get()
    }
    /// BIO_set_init marks the BIO (un)initialised; reads and writes need it set.
    fn BIO_set_init(a: *mut BIO, init: c_int) {
        try_ref!(a, ()).set_init(init);
    }
    /// BIO_get_init.
    fn BIO_get_init(a: *mut BIO) -> c_int {
        try_ref!(a, 0).init()
    }
    /// BIO_set_shutdown sets whether freeing the BIO closes its resource.
    fn BIO_set_shutdown(a: *mut BIO, shut: c_int) {
        try_ref!(a, ()).set_shutdown(shut);
    }
    /// BIO_get_shutdown.
    fn BIO_get_shutdown(a: *mut BIO) -> c_int {
        try_ref!(a, 0).shutdown()
    }
    /// BIO_set_flags ORs `flags` into the BIO's flags (BIO_set_retry_read etc. use it).
    fn BIO_set_flags(b: *mut BIO, flags: c_int) {
        try_ref!(b, ()).set_flags(flags);
    }
    /// BIO_clear_flags clears `flags`.
    fn BIO_clear_flags(b: *mut BIO, flags: c_int) {
        try_ref!(b, ()).clear_flags(flags);
    }
    /// BIO_test_flags returns the BIO's flags masked by `flags` (BIO_should_retry etc.).
    fn BIO_test_flags(b: *const BIO, flags: c_int) -> c_int {
        bio_ref(b).map_or(0, |bio| bio.test_flags(flags))
    }
    /// BIO_method_type returns the BIO_TYPE_* of the BIO.
    fn BIO_method_type(b: *const BIO) -> c_int {
        try_ref!(b, 0).method().type_
    }
    /// BIO_method_name returns the method's name.
    fn BIO_method_name(b: *const BIO) -> *const c_char {
        try_ref!(b, std::ptr::null()).method().name
    }
    /// BIO_set_ex_data; 1 on success.
    fn BIO_set_ex_data(bio: *mut BIO, idx: c_int, data: *mut c_void) -> c_int {
        c_bool(try_ref!(bio, 0).ex_data.set(idx, data))
    }
    /// BIO_get_ex_data.
    fn BIO_get_ex_data(bio: *const BIO, idx: c_int) -> *mut c_void {
        try_ref!(bio, std::ptr::null_mut()).ex_data.get(idx)
    }
    /// BIO_number_read: total bytes read through the BIO.
    fn BIO_number_read(bio: *mut BIO) -> u64 {
        bio_ref(bio).map_or(0, |b| b.num_read.get())
    }
    /// BIO_number_written: total bytes written through the BIO.
    fn BIO_number_written(bio: *mut BIO) -> u64 {
        bio_ref(bio).map_or(0, |b| b.num_write.get())
    }

    /// BIO_dgram_non_fatal_error: 1 when errno value `error` allows a retry.
    fn BIO_dgram_non_fatal_error(error: c_int) -> c_int { c_bool(dgram::dgram_non_fatal(error)) }
    /// BIO_sock_non_fatal_error: 1 when errno value `error` allows a retry.
    fn BIO_sock_non_fatal_error(error: c_int) -> c_int { c_bool(errno_is_retriable(error)) }
    /// BIO_fd_non_fatal_error: 1 when errno value `error` allows a retry.
    fn BIO_fd_non_fatal_error(error: c_int) -> c_int { c_bool(errno_is_retriable(error)) }
    /// BIO_sock_should_retry: for a result of 0 or -1, whether errno allows a retry.
    fn BIO_sock_should_retry(i: c_int) -> c_int {
        c_bool((i == 0 || i == -1) && errno_is_retriable(errno()))
    }
    /// BIO_fd_should_retry: for a result of 0 or -1, whether errno allows a retry.
    fn BIO_fd_should_retry(i: c_int) -> c_int {
        c_bool((i == 0 || i == -1) && errno_is_retriable(errno()))
    }
    /// BIO_sock_init: nothing to initialise on POSIX; returns 1.
    fn BIO_sock_init() -> c_int { 1 }
    /// BIO_closesocket closes `sock`; 1 on success.
    fn BIO_closesocket(sock: c_int) -> c_int {
        // SAFETY: closing the caller's descriptor at its request.
        c_bool(unsafe { libc::close(sock) } == 0)
    }
    /// BIO_socket_nbio sets (mode != 0) or clears O_NONBLOCK on `fd`; 1 on success.
    fn BIO_socket_nbio(fd: c_int, mode: c_int) -> c_int {
        // SAFETY: fcntl on the caller's descriptor.
        let fl = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if fl < 0 {
            return 0;
        }
        let fl = if mode != 0 { fl | libc::O_NONBLOCK } else { fl & !libc::O_NONBLOCK };
        // SAFETY: as above.
        c_bool(unsafe { libc::fcntl(fd, libc::F_SETFL, fl) } == 0)
    }
}
