//! `BIO_s_fd` (read/write on any descriptor) and `BIO_s_socket` (a stream socket).
use std::ffi::{c_int, c_long, c_void};

use super::consts::*;
use super::{errno, errno_is_retriable, BioImpl, BIO, BIO_METHOD};

/// State of an fd or socket BIO.
pub struct FdBio {
    fd: c_int,
    socket: bool,
}

fn fd_ctor() -> (Box<dyn BioImpl>, bool) {
    (
        Box::new(FdBio {
            fd: -1,
            socket: false,
        }),
        false,
    )
}

fn socket_ctor() -> (Box<dyn BioImpl>, bool) {
    (
        Box::new(FdBio {
            fd: -1,
            socket: true,
        }),
        false,
    )
}

/// The method of `BIO_s_fd()`.
pub static FD_METHOD: BIO_METHOD = BIO_METHOD::builtin(BIO_TYPE_FD, b"file descriptor\0", fd_ctor);
/// The method of `BIO_s_socket()`.
pub static SOCKET_METHOD: BIO_METHOD =
    BIO_METHOD::builtin(BIO_TYPE_SOCKET, b"socket\0", socket_ctor);

/// Handles BIO_C_SET_FD / BIO_C_GET_FD for descriptor-based kinds; None for other commands.
pub(crate) fn fd_ctrl(
    fd: &mut c_int,
    bio: &BIO,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> Option<c_long> {
    match cmd {
        BIO_C_SET_FD => {
            if parg.is_null() {
                return Some(0);
            }
            close_if_owned(*fd, bio);
            // SAFETY: BIO_set_fd (BIO_int_ctrl) passes a pointer to an int.
            *fd = unsafe { *(parg as *const c_int) };
            bio.set_shutdown(larg as c_int);
            bio.set_init(1);
            Some(1)
        }
        BIO_C_GET_FD => {
            if bio.init() == 0 {
                return Some(-1);
            }
            if !parg.is_null() {
                // SAFETY: BIO_get_fd passes NULL or a pointer to an int.
                unsafe { (parg as *mut c_int).write(*fd) };
            }
            Some(*fd as c_long)
        }
        _ => None,
    }
}

/// Closes `fd` when the BIO owns it.
pub(crate) fn close_if_owned(fd: c_int, bio: &BIO) {
    if bio.shutdown() != 0 && bio.init() != 0 && fd >= 0 {
        // SAFETY: the BIO owns this descriptor (BIO_CLOSE) and nothing else uses it now.
        unsafe { libc::close(fd) };
    }
}

impl BioImpl for FdBio {
    fn read(&mut self, bio: &BIO, out: &mut [u8]) -> c_int {
        // SAFETY: out is writable for its length; fd is the caller's descriptor.
        let n = unsafe { libc::read(self.fd, out.as_mut_ptr().cast(), out.len()) };
        bio.clear_retry_flags();
        if n < 0 {
            if errno_is_retriable(errno()) {
                bio.set_retry_read();
            }
            return -1;
        }
        if n == 0 {
            bio.set_flags(BIO_FLAGS_IN_EOF);
        }
        n as c_int
    }

    fn write(&mut self, bio: &BIO, data: &[u8]) -> c_int {
        let n = if self.socket {
            // SAFETY: data is readable for its length. MSG_NOSIGNAL: a closed peer gives
            // EPIPE rather than killing the process.
            unsafe {
                libc::send(
                    self.fd,
                    data.as_ptr().cast(),
                    data.len(),
                    libc::MSG_NOSIGNAL,
                )
            }
        } else {
            // SAFETY: data is readable for its length.
            unsafe { libc::write(self.fd, data.as_ptr().cast(), data.len()) }
        };
        bio.clear_retry_flags();
        if n < 0 {
            if errno_is_retriable(errno()) {
                bio.set_retry_write();
            }
            return -1;
        }
        n as c_int
    }

    fn ctrl(&mut self, bio: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        if let Some(r) = fd_ctrl(&mut self.fd, bio, cmd, larg, parg) {
            return r;
        }
        match cmd {
            BIO_CTRL_RESET | BIO_C_FILE_SEEK if !self.socket => {
                let off = if cmd == BIO_CTRL_RESET { 0 } else { larg };
                // SAFETY: lseek on the caller's descriptor.
                unsafe { libc::lseek(self.fd, off as libc::off_t, libc::SEEK_SET) as c_long }
            }
            // SAFETY: lseek on the caller's descriptor.
            BIO_C_FILE_TELL if !self.socket => unsafe {
                libc::lseek(self.fd, 0, libc::SEEK_CUR) as c_long
            },
            BIO_CTRL_EOF => (bio.test_flags(BIO_FLAGS_IN_EOF) != 0) as c_long,
            BIO_CTRL_PENDING | BIO_CTRL_WPENDING => 0,
            BIO_CTRL_FLUSH | BIO_CTRL_DUP => 1,
            _ => 0,
        }
    }

    fn destroy(&mut self, bio: &BIO) {
        close_if_owned(self.fd, bio);
    }
}

fn new_with(method: &'static BIO_METHOD, fd: c_int, close_flag: c_int) -> *mut BIO {
    let b = super::new(method);
    let mut fd = fd;
    super::ctrl(
        b,
        BIO_C_SET_FD,
        close_flag as c_long,
        (&mut fd as *mut c_int).cast(),
    );
    b
}

/// `BIO_new_fd`.
pub fn new_fd(fd: c_int, close_flag: c_int) -> *mut BIO {
    new_with(&FD_METHOD, fd, close_flag)
}

/// `BIO_new_socket`.
pub fn new_socket(fd: c_int, close_flag: c_int) -> *mut BIO {
    new_with(&SOCKET_METHOD, fd, close_flag)
}
