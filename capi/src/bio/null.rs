//! `BIO_s_null`: discards writes, reads return EOF.
use std::ffi::{c_int, c_long, c_void};

use super::consts::*;
use super::{BioImpl, BIO, BIO_METHOD};

/// State of a null BIO (none).
pub struct NullBio;

fn ctor() -> (Box<dyn BioImpl>, bool) {
    (Box::new(NullBio), true)
}

/// The method of `BIO_s_null()`.
pub static METHOD: BIO_METHOD = BIO_METHOD::builtin(BIO_TYPE_NULL, b"NULL\0", ctor);

impl BioImpl for NullBio {
    fn read(&mut self, _bio: &BIO, _out: &mut [u8]) -> c_int {
        0
    }
    fn write(&mut self, _bio: &BIO, data: &[u8]) -> c_int {
        data.len() as c_int
    }
    fn ctrl(&mut self, _bio: &BIO, cmd: c_int, _larg: c_long, _parg: *mut c_void) -> c_long {
        match cmd {
            BIO_CTRL_RESET | BIO_CTRL_EOF | BIO_CTRL_FLUSH | BIO_CTRL_DUP => 1,
            _ => 0,
        }
    }
}
