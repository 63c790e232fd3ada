//! `RAND_*`: the operating system's CSPRNG (through ring).
use std::ffi::{c_double, c_int, c_uchar, c_void};

use ring::rand::{SecureRandom, SystemRandom};

use crate::entry::entry;
use crate::error::{put_error, ERR_LIB_RAND, RAND_R_ERROR_RETRIEVING_ENTROPY};

/// Fills `out` from the OS CSPRNG; false (with an ERR entry) when that fails.
pub fn fill(out: &mut [u8]) -> bool {
    if SystemRandom::new().fill(out).is_ok() {
        return true;
    }
    put_error(ERR_LIB_RAND, RAND_R_ERROR_RETRIEVING_ENTROPY, "");
    false
}

entry! {
    /// RAND_bytes writes `num` random bytes; 1 on success, 0 on failure (or negative num).
    fn RAND_bytes(buf: *mut c_uchar, num: c_int) -> c_int {
        let Ok(n) = usize::try_from(num) else { return 0 };
        let out = crate::try_slice_mut!(buf, n, 0);
        fill(out) as c_int
    }

    /// RAND_priv_bytes: as RAND_bytes (the OS generator serves both).
    fn RAND_priv_bytes(buf: *mut c_uchar, num: c_int) -> c_int {
        let Ok(n) = usize::try_from(num) else { return 0 };
        let out = crate::try_slice_mut!(buf, n, 0);
        fill(out) as c_int
    }

    /// RAND_pseudo_bytes (deprecated): as RAND_bytes.
    fn RAND_pseudo_bytes(buf: *mut c_uchar, num: c_int) -> c_int {
        let Ok(n) = usize::try_from(num) else { return 0 };
        let out = crate::try_slice_mut!(buf, n, 0);
        fill(out) as c_int
    }

    /// RAND_status: 1, the OS generator is always seeded.
    fn RAND_status() -> c_int { 1 }
    /// RAND_poll: 1 (nothing to do).
    fn RAND_poll() -> c_int { 1 }
    /// RAND_seed: ignored (the OS generator needs no seeding).
    fn RAND_seed(_buf: *const c_void, _num: c_int) {}
    /// RAND_add: ignored (the OS generator needs no seeding).
    fn RAND_add(_buf: *const c_void, _num: c_int, _randomness: c_double) {}
}
