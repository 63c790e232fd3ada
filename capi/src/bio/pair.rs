//! `BIO_s_dgram_pair` / `BIO_new_bio_dgram_pair` (OpenSSL 3.2 API): two connected in-process
//! datagram BIOs. Each write is one datagram; each read returns one datagram (truncated to
//! the read buffer, the rest of it discarded, as with UDP).
use std::collections::VecDeque;
use std::ffi::{c_int, c_long, c_void};
use std::sync::{Arc, Mutex};

use super::addr::BIO_ADDR;
use super::consts::*;
use super::{BioImpl, BIO, BIO_METHOD};
use crate::error::{put_error, BIO_R_BROKEN_PIPE, BIO_R_LENGTH_TOO_LONG, ERR_LIB_BIO};

/// Default bytes each direction may buffer (OpenSSL 3.2's default, 9 × 64 KiB).
pub const DEFAULT_PAIR_BUF: usize = 9 * 65536;
/// The MTU a pair reports before `BIO_dgram_set_mtu` (OpenSSL 3.2's default).
pub const DEFAULT_PAIR_MTU: c_long = 1472;

#[derive(Default)]
struct Direction {
    dgrams: VecDeque<Vec<u8>>,
    bytes: usize,
    cap: usize,
    /// The writer called BIO_shutdown_wr or was freed: the reader sees EOF once drained.
    closed: bool,
}

#[derive(Default)]
struct Shared {
    /// `dir[i]`: datagrams written by side i, read by side 1 - i.
    dir: [Direction; 2],
    /// Whether side i has been freed.
    gone: [bool; 2],
}

/// One end of a datagram pair. Made unpaired by `BIO_new(BIO_s_dgram_pair())`; usable once
/// joined by [`new_pair`].
pub struct PairBio {
    shared: Option<Arc<Mutex<Shared>>>,
    side: usize,
    mtu: c_long,
    peer: BIO_ADDR,
}

fn ctor() -> (Box<dyn BioImpl>, bool) {
    let p = PairBio {
        shared: None,
        side: 0,
        mtu: DEFAULT_PAIR_MTU,
        peer: BIO_ADDR::zeroed(),
    };
    (Box::new(p), false)
}

/// The method of `BIO_s_dgram_pair()`.
pub static METHOD: BIO_METHOD = BIO_METHOD::builtin(BIO_TYPE_DGRAM_PAIR, b"BIO dgram pair\0", ctor);

impl PairBio {
    fn with<R>(&self, f: impl FnOnce(&mut Shared) -> R) -> Option<R> {
        let shared = self.shared.as_ref()?;
        let mut g = shared.lock().unwrap_or_else(|p| p.into_inner());
        Some(f(&mut g))
    }
}

impl BioImpl for PairBio {
    fn read(&mut self, bio: &BIO, out: &mut [u8]) -> c_int {
        bio.clear_retry_flags();
        let me = self.side;
        let r = self.with(|s| {
            let d = &mut s.dir[1 - me];
            match d.dgrams.pop_front() {
                Some(dg) => {
                    d.bytes -= dg.len();
                    let n = dg.len().min(out.len());
                    out[..n].copy_from_slice(&dg[..n]);
                    n as c_int
                }
                None if d.closed => 0,
                None => -1,
            }
        });
        let r = r.unwrap_or(-1);
        if r < 0 {
            bio.set_retry_read();
        }
        r
    }

    fn write(&mut self, bio: &BIO, data: &[u8]) -> c_int {
        bio.clear_retry_flags();
        let me = self.side;
        let r = self.with(|s| {
            if s.gone[1 - me] {
                put_error(
                    ERR_LIB_BIO,
                    BIO_R_BROKEN_PIPE,
                    "the other end of the pair was freed",
                );
                return -1;
            }
            let d = &mut s.dir[me];
            if data.len() > d.cap {
                put_error(
                    ERR_LIB_BIO,
                    BIO_R_LENGTH_TOO_LONG,
                    "datagram larger than the pair buffer",
                );
                return -1;
            }
            if d.bytes + data.len() > d.cap {
                return -2;
            }
            d.bytes += data.len();
            d.dgrams.push_back(data.to_vec());
            data.len() as c_int
        });
        match r {
            Some(-2) => {
                bio.set_retry_write();
                -1
            }
            Some(n) => n,
            None => -1,
        }
    }

    fn gets(&mut self, _bio: &BIO, _buf: &mut [u8]) -> c_int {
        -2
    }

    fn ctrl(&mut self, _bio: &BIO, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        let me = self.side;
        match cmd {
            BIO_CTRL_PENDING => self
                .with(|s| s.dir[1 - me].dgrams.front().map_or(0, Vec::len))
                .unwrap_or(0) as c_long,
            BIO_CTRL_WPENDING => self.with(|s| s.dir[me].bytes).unwrap_or(0) as c_long,
            BIO_C_GET_WRITE_GUARANTEE => {
                self.with(|s| s.dir[me].cap - s.dir[me].bytes).unwrap_or(0) as c_long
            }
            BIO_C_GET_READ_REQUEST => 0,
            BIO_C_GET_WRITE_BUF_SIZE => self.with(|s| s.dir[me].cap).unwrap_or(0) as c_long,
            BIO_C_SET_WRITE_BUF_SIZE => {
                let Ok(cap) = usize::try_from(larg) else {
                    return 0;
                };
                self.with(|s| {
                    let d = &mut s.dir[me];
                    if cap < d.bytes || cap == 0 {
                        return 0;
                    }
                    d.cap = cap;
                    1
                })
                .unwrap_or(0)
            }
            BIO_C_SHUTDOWN_WR => {
                self.with(|s| s.dir[me].closed = true);
                1
            }
            BIO_CTRL_EOF => self
                .with(|s| s.dir[1 - me].dgrams.is_empty() && s.dir[1 - me].closed)
                .unwrap_or(true) as c_long,
            BIO_CTRL_RESET => {
                self.with(|s| {
                    let d = &mut s.dir[1 - me];
                    d.dgrams.clear();
                    d.bytes = 0;
                });
                1
            }
            BIO_CTRL_FLUSH | BIO_CTRL_DUP => 1,
            BIO_CTRL_DGRAM_GET_MTU | BIO_CTRL_DGRAM_QUERY_MTU | BIO_CTRL_DGRAM_GET_FALLBACK_MTU => {
                self.mtu
            }
            BIO_CTRL_DGRAM_SET_MTU => {
                self.mtu = larg;
                1
            }
            BIO_CTRL_DGRAM_GET_MTU_OVERHEAD
            | BIO_CTRL_DGRAM_GET_RECV_TIMER_EXP
            | BIO_CTRL_DGRAM_MTU_EXCEEDED => 0,
            BIO_CTRL_DGRAM_SET_NEXT_TIMEOUT => 1,
            BIO_CTRL_DGRAM_SET_PEER | BIO_CTRL_DGRAM_CONNECT | BIO_CTRL_DGRAM_SET_CONNECTED => {
                self.peer = if parg.is_null() {
                    BIO_ADDR::zeroed()
                } else {
                    // SAFETY: the caller passes a BIO_ADDR.
                    unsafe { (parg as *const BIO_ADDR).read_unaligned() }
                };
                1
            }
            BIO_CTRL_DGRAM_GET_PEER => {
                if parg.is_null() || self.peer.family() == libc::AF_UNSPEC {
                    return 0;
                }
                let n = self.peer.sockaddr_len();
                // SAFETY: the caller passes room for a BIO_ADDR.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        (&self.peer as *const BIO_ADDR).cast::<u8>(),
                        parg.cast::<u8>(),
                        n,
                    )
                };
                n as c_long
            }
            _ => 0,
        }
    }

    fn destroy(&mut self, _bio: &BIO) {
        let me = self.side;
        self.with(|s| {
            s.gone[me] = true;
            s.dir[me].closed = true;
        });
    }
}

/// `BIO_new_bio_dgram_pair`: two joined BIOs; `w1`/`w2` are the bytes each may have
/// buffered towards the other (0 = [`DEFAULT_PAIR_BUF`]). Both NULL on failure.
pub fn new_pair(w1: usize, w2: usize) -> Option<(*mut BIO, *mut BIO)> {
    let b1 = super::new(&METHOD);
    let b2 = super::new(&METHOD);
    if b1.is_null() || b2.is_null() {
        super::free(b1);
        super::free(b2);
        return None;
    }
    let mut shared = Shared::default();
    shared.dir[0].cap = if w1 == 0 { DEFAULT_PAIR_BUF } else { w1 };
    shared.dir[1].cap = if w2 == 0 { DEFAULT_PAIR_BUF } else { w2 };
    let shared = Arc::new(Mutex::new(shared));
    for (side, b) in [b1, b2].into_iter().enumerate() {
        let bio = super::bio_ref(b)?;
        let p = PairBio {
            shared: Some(shared.clone()),
            side,
            mtu: DEFAULT_PAIR_MTU,
            peer: BIO_ADDR::zeroed(),
        };
        *bio.imp.try_borrow_mut().ok()? = Some(Box::new(p));
        bio.set_init(1);
    }
    Some((b1, b2))
}
