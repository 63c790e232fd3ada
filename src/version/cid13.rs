//! The DTLS 1.3 connection-ID operations of [`crate::Connection`] (RFC 9147 §9): asking the
//! peer for more CIDs, issuing ours, and moving our records to one of the peer's spares
//! (e.g. before a client changes its address, so the new path is not linkable to the old).
//! DTLS 1.2 (RFC 9146) has no such messages: there they are refused.

use std::time::Instant;

use super::conn13::{role, Conn13, Role13};
use super::Engine;
use crate::dtls13::connection_id::CidUsage;
use crate::error::Error;

const ONLY_13: Error = Error::InvalidState("CID updates need DTLS 1.3 (RFC 9147 §9)");

impl Conn13 {
    /// Runs a CID operation of the role: refusals (InvalidState) leave the connection as it
    /// is; anything else is the role's fatal error and reported as events.
    fn cid_op(&mut self, f: impl FnOnce(&mut Conn13) -> Result<(), Error>) -> Result<(), Error> {
        let r = f(self);
        if !matches!(r, Err(Error::InvalidState(_))) {
            self.collect(&r);
        }
        r
    }
}

impl Engine {
    fn conn13(&mut self) -> Result<&mut Conn13, Error> {
        match self {
            Engine::V13(c) if c.fallback.is_none() => Ok(c),
            Engine::V13(_) => Err(Error::InvalidState("handshake not complete")),
            Engine::V12(..) => Err(ONLY_13),
        }
    }

    /// RequestConnectionId for `n` CIDs (see `Connection::request_connection_ids`).
    pub(crate) fn request_connection_ids(&mut self, now: Instant, n: u8) -> Result<(), Error> {
        self.conn13()?
            .cid_op(|c| role!(&mut c.role, x => x.request_connection_ids(now, n)))
    }

    /// NewConnectionId with `count` fresh CIDs of ours (see
    /// `Connection::issue_connection_ids`).
    pub(crate) fn issue_connection_ids(
        &mut self,
        now: Instant,
        count: usize,
        immediate: bool,
    ) -> Result<(), Error> {
        let usage = if immediate {
            CidUsage::Immediate
        } else {
            CidUsage::Spare
        };
        self.conn13()?
            .cid_op(|c| role!(&mut c.role, x => x.issue_connection_ids(now, count, usage)))
    }

    /// Moves our records to the peer's next spare CID; false without one (or on 1.2).
    pub(crate) fn use_spare_connection_id(&mut self) -> bool {
        match self.conn13() {
            Ok(c) => {
                let moved = role!(&mut c.role, x => x.use_spare_cid());
                c.refresh_cids();
                moved
            }
            Err(_) => false,
        }
    }

    /// Spare CIDs the peer gave us (NewConnectionId with `cid_spare`), not used yet.
    pub(crate) fn spare_peer_connection_ids(&self) -> usize {
        match self {
            Engine::V13(c) => role!(&c.role, x => x.ch.cid.peer_spares.len()),
            Engine::V12(..) => 0,
        }
    }
}
