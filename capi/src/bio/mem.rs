//! `BIO_s_mem`: a growable in-memory buffer; `BIO_new_mem_buf`: a read-only one.
use std::ffi::{c_char, c_int, c_long, c_void};

use super::consts::*;
use super::{BioImpl, BIO, BIO_METHOD};
use crate::error::{put_error, BIO_R_WRITE_TO_READ_ONLY_BIO, ERR_LIB_BIO};

/// `BUF_MEM` (`struct buf_mem_st`), as `BIO_get_mem_ptr` returns it.
#[repr(C)]
pub struct BUF_MEM {
    /// Bytes of data.
    pub length: usize,
    /// The data.
    pub data: *mut c_char,
    /// Allocated size.
    pub max: usize,
    /// Flags.
    pub flags: libc::c_ulong,
}

/// Compact the buffer once this many bytes have been consumed from its front.
const COMPACT_AFTER: usize = 4096;

/// State of a memory BIO.
pub struct MemBio {
    buf: Vec<u8>,
    /// Bytes already read from the front of `buf`.
    off: usize,
    read_only: bool,
    /// What a read of an empty buffer returns (`BIO_set_mem_eof_return`; -1 = retry).
    eof_return: c_int,
    view: BUF_MEM,
}

impl MemBio {
    fn new() -> Self {
        MemBio {
            buf: Vec::new(),
            off: 0,
            read_only: false,
            eof_return: -1,
            view: BUF_MEM {
                length: 0,
                data: std::ptr::null_mut(),
                max: 0,
                flags: 0,
            },
        }
    }
    fn pending(&self) -> usize {
        self.buf.len() - self.off
    }
    fn consume(&mut self, n: usize) {
        self.off += n;
        if self.off == self.buf.len() {
            if !self.read_only {
                self.buf.clear();
                self.off = 0;
            }
        } else if !self.read_only && self.off >= COMPACT_AFTER && self.off * 2 >= self.buf.len() {
            self.buf.drain(..self.off);
            self.off = 0;
        }
    }
}

/// The SSL layer's copy-free access (issue 12: a record is sealed straight into the write
/// BIO's memory, and decrypted in the read BIO's). Both have exactly the effect of the
/// `BIO_write` / `BIO_read` they replace.
impl MemBio {
    /// `BIO_write` of what `f` appends to the buffer; None for a read-only BIO.
    pub(crate) fn append_with<R>(
        &mut self,
        bio: &BIO,
        f: impl FnOnce(&mut Vec<u8>) -> R,
    ) -> Option<(R, usize)> {
        if self.read_only {
            return None;
        }
        bio.clear_retry_flags();
        let before = self.buf.len();
        let r = f(&mut self.buf);
        Some((r, self.buf.len().saturating_sub(before)))
    }

    /// `BIO_read` of everything buffered when that is 1..=`max` bytes from the start of
    /// the buffer: instead of copying them out, the buffer itself is handed over in
    /// exchange for `spare` (emptied), which keeps its capacity for the next writes.
    /// False (nothing changed) otherwise.
    pub(crate) fn take_all(&mut self, bio: &BIO, spare: &mut Vec<u8>, max: usize) -> bool {
        let n = self.pending();
        if self.read_only || self.off != 0 || n == 0 || n > max {
            return false;
        }
        bio.clear_retry_flags();
        // The BIO gets no buffer much larger than what it held: capacity must not migrate
        // from a BIO that took large datagrams (a handshake flight) to every BIO read from
        // later, which would raise the memory an idle connection holds. A larger spare is
        // dropped; the BIO then grows its own buffer again as it is written to.
        if spare.capacity() > self.buf.capacity().max(2 * n) {
            *spare = Vec::new();
        }
        spare.clear();
        std::mem::swap(&mut self.buf, spare);
        true
    }
}

fn ctor() -> (Box<dyn BioImpl>, bool) {
    (Box::new(MemBio::new()), true)
}

/// The method of `BIO_s_mem()`.
pub static METHOD: BIO_METHOD = BIO_METHOD::builtin(BIO_TYPE_MEM, b"memory buffer\0", ctor);

impl BioImpl for MemBio {
    fn as_mem(&mut self) -> Option<&mut MemBio> {
        Some(self)
    }

    fn read(&mut self, bio: &BIO, out: &mut [u8]) -> c_int {
        bio.clear_retry_flags();
        let n = out.len().min(self.pending());
        if n == 0 {
            if self.eof_return != 0 {
                bio.set_retry_read();
            }
            return self.eof_return;
        }
        out[..n].copy_from_slice(&self.buf[self.off..self.off + n]);
        self.consume(n);
        n as c_int
    }

    fn write(&mut self, bio: &BIO, data: &[u8]) -> c_int {
        bio.clear_retry_flags();
        if self.read_only {
            put_error(ERR_LIB_BIO, BIO_R_WRITE_TO_READ_ONLY_BIO, "");
            return -1;
        }
        self.buf.extend_from_slice(data);
        data.len() as c_int
    }

    fn gets(&mut self, bio: &BIO, out: &mut [u8]) -> c_int {
        bio.clear_retry_flags();
        let Some(room) = out.len().checked_sub(1) else {
            return 0;
        };
        let avail = &self.buf[self.off..];
        if avail.is_empty() {
            out[0] = 0;
            if self.eof_return != 0 {
                bio.set_retry_read();
            }
            return self.eof_return.min(0);
        }
        let line = avail
            .iter()
            .position(|&b| b == b'\n')
            .map_or(avail.len(), |i| i + 1);
        let n = line.min(room);
        out[..n].copy_from_slice(&avail[..n]);
        out[n] = 0;
        self.consume(n);
        n as c_int
    }

    fn ctrl(&mut self, _bio: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        match cmd {
            BIO_CTRL_RESET => {
                if self.read_only {
                    self.off = 0;
                } else {
                    self.buf.clear();
                    self.off = 0;
                }
                1
            }
            BIO_CTRL_EOF => (self.pending() == 0) as c_long,
            BIO_C_SET_BUF_MEM_EOF_RETURN => {
                self.eof_return = larg as c_int;
                1
            }
            BIO_CTRL_INFO => {
                if !parg.is_null() {
                    let p = self.buf[self.off..].as_ptr() as *mut c_char;
                    // SAFETY: BIO_get_mem_data passes a `char **` to fill.
                    unsafe { (parg as *mut *mut c_char).write(p) };
                }
                self.pending() as c_long
            }
            BIO_C_GET_BUF_MEM_PTR => {
                if !parg.is_null() {
                    let rest = &mut self.buf[self.off..];
                    self.view = BUF_MEM {
                        length: rest.len(),
                        data: rest.as_mut_ptr().cast(),
                        max: rest.len(),
                        flags: 0,
                    };
                    // SAFETY: BIO_get_mem_ptr passes a `BUF_MEM **` to fill.
                    unsafe { (parg as *mut *mut BUF_MEM).write(&mut self.view) };
                }
                1
            }
            BIO_CTRL_PENDING => self.pending() as c_long,
            BIO_CTRL_WPENDING => 0,
            BIO_CTRL_FLUSH | BIO_CTRL_DUP => 1,
            _ => 0,
        }
    }
}

/// `BIO_new_mem_buf`: a read-only memory BIO over a copy of `data`.
pub fn new_mem_buf(data: &[u8]) -> *mut BIO {
    let b = super::new(&METHOD);
    if let Some(bio) = super::bio_ref(b) {
        bio.set_flags(BIO_FLAGS_MEM_RDONLY);
        if let Ok(mut imp) = bio.imp.try_borrow_mut() {
            let mem = MemBio {
                buf: data.to_vec(),
                read_only: true,
                // A read-only buffer reports EOF (0) when drained, as OpenSSL's does.
                eof_return: 0,
                ..MemBio::new()
            };
            *imp = Some(Box::new(mem));
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::super::{bio_ref, free, mem_append, mem_take, new, read, with_mem, write};
    use super::*;

    fn capacity(b: *mut BIO) -> usize {
        with_mem(b, |_, m| m.buf.capacity()).unwrap()
    }

    #[test]
    fn take_hands_over_everything_buffered_as_a_read_would() {
        let b = new(&METHOD);
        assert_eq!(write(b, &[7u8; 100]), 100);
        let mut spare = Vec::with_capacity(150);
        assert!(!mem_take(b, &mut spare, 99), "more than the caller takes");
        assert!(mem_take(b, &mut spare, 100));
        assert_eq!(spare, [7u8; 100]);
        let bio = bio_ref(b).unwrap();
        assert_eq!(bio.num_read.get(), 100);
        assert_eq!(capacity(b), 150, "the spare's capacity went to the BIO");
        // Empty now: a read says retry, and the BIO takes writes as before.
        let mut out = [0u8; 8];
        assert_eq!(read(b, &mut out), -1);
        assert!(!mem_take(b, &mut spare, 100), "nothing to take");
        assert_eq!(write(b, b"abc"), 3);
        assert_eq!(read(b, &mut out), 3);
        assert_eq!(&out[..3], b"abc");
        free(b);
    }

    #[test]
    fn take_refuses_part_read_and_read_only_buffers() {
        let b = new(&METHOD);
        assert_eq!(write(b, &[1u8; 10]), 10);
        let mut one = [0u8; 1];
        assert_eq!(read(b, &mut one), 1);
        let mut spare = Vec::new();
        assert!(!mem_take(b, &mut spare, 100), "not at the buffer's start");
        free(b);
        let ro = new_mem_buf(&[2u8; 10]);
        assert!(
            !mem_take(ro, &mut spare, 100),
            "read-only: kept for BIO_reset"
        );
        free(ro);
    }

    #[test]
    fn a_large_spare_does_not_migrate_into_a_small_bio() {
        let b = new(&METHOD);
        assert_eq!(write(b, &[3u8; 100]), 100);
        let small = capacity(b);
        let mut spare = Vec::with_capacity(1 << 16);
        assert!(mem_take(b, &mut spare, 1 << 16));
        assert!(capacity(b) <= small, "{} > {small}", capacity(b));
        free(b);
    }

    #[test]
    fn append_counts_what_it_wrote() {
        let b = new(&METHOD);
        assert_eq!(
            mem_append(b, |buf| buf.extend_from_slice(b"hello")),
            Some(())
        );
        assert_eq!(bio_ref(b).unwrap().num_write.get(), 5);
        let mut out = [0u8; 8];
        assert_eq!(read(b, &mut out), 5);
        free(b);
        let ro = new_mem_buf(b"x");
        assert_eq!(mem_append(ro, |buf| buf.push(1)), None, "read-only");
        free(ro);
    }
}
