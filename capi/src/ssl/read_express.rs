//! `SSL_read`'s common case in one step (issue 12): an established connection with nothing
//! buffered, nothing to send, no timer and a memory read BIO holding a datagram. The
//! general loop (`wait_readable_into`) would check the same things one by one, find
//! nothing to do for each (fire timers, flush, tell the BIO the deadline), then read the
//! datagram; here they are checked in one look and the datagram is read at once. Anything
//! else, and any result but data, goes to the general path with the same outcome.
use std::ffi::c_int;

use super::consts::SSL_MODE_AUTO_RETRY;
use super::driver::Stop;
use super::objects::SSL;

/// What the express path did.
pub(crate) enum Express {
    /// Not taken: nothing was read.
    NotTaken,
    /// A datagram was read and brought this many bytes into the caller's buffer.
    Read(usize),
    /// A datagram was read and brought no data: the caller returns as the general loop
    /// does after such a datagram (`Ok(())`: look at what is buffered now).
    Processed(Result<(), Stop>),
}

impl SSL {
    /// Reads the next datagram straight into `out` when the connection is quiet.
    pub(crate) fn read_express(&self, out: &mut [u8]) -> Express {
        if out.is_empty() {
            return Express::NotTaken;
        }
        let quiet_io = self.io.try_borrow().is_ok_and(|io| {
            io.done_reported
                && !io.renegotiating
                && io.blocked_datagram.is_none()
                && io.deferred_key_update.is_none()
        });
        let quiet = quiet_io
            && self
                .with_conn(|c| {
                    !c.is_renegotiating()
                        && !c.has_pending()
                        && !c.close_received()
                        && c.error().is_none()
                        && c.poll_timeout().is_none()
                        && !c.has_transmit()
                })
                .unwrap_or(false);
        if !quiet {
            return Express::NotTaken;
        }
        match self.feed_from_memory_bio(self.rbio.get(), out) {
            None => Express::NotTaken,
            Some(Ok(n)) if n > 0 => Express::Read(n),
            Some(Ok(_)) => {
                let auto_retry = self.with_settings(|s| s.mode & SSL_MODE_AUTO_RETRY != 0);
                Express::Processed(self.after_dataless_datagram(auto_retry))
            }
            Some(Err(stop)) => Express::Processed(Err(stop)),
        }
    }
}

/// The `c_int` an express read returns.
pub(crate) fn read_len(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}
