//! Connection IDs in DTLS 1.3 (RFC 9147 §9, with the `connection_id` extension of RFC 9146
//! §3): the extension body, the NewConnectionId and RequestConnectionId messages, and what
//! a connection does with them once a CID was negotiated.
//!
//! Each side names in its hello the CID it wants to *receive*; once both hellos carried the
//! extension, every protected record carries the CID the peer asked for (the unified
//! header's C bit, RFC 9147 §4), and a received record must carry one of ours (else it is
//! dropped, [`super::record_layer`]). A zero-length CID means "send me none". After the
//! handshake either side may hand the other new CIDs of its own (NewConnectionId, to use at
//! once or to keep as spares) or ask for some (RequestConnectionId); both are handshake
//! messages of the current epoch, acknowledged and retransmitted like KeyUpdate (§7, §5.8).

use std::collections::VecDeque;
use std::time::Instant;

use super::channel::{Channel13, Events13, Phase13};
use super::hello::msg_type as hs;
use crate::codec::{put_nested, put_u8, put_vec, DecodeError, Reader};
use crate::error::{AlertDescription as AD, Error};

/// Longest CID of ours a configuration may ask for (the options take 0..=20 bytes, as
/// QUIC's connection IDs; RFC 9146 §3 allows up to 255).
pub const MAX_OWN_CID_LEN: usize = 20;
/// Spare CIDs of the peer kept (NewConnectionId with `cid_spare`); later ones are ignored.
pub const MAX_PEER_SPARE_CIDS: usize = 8;
/// CIDs we issue in one NewConnectionId, whatever a RequestConnectionId asks for
/// (RFC 9147 §9: the peer MAY send fewer than requested).
pub const MAX_CIDS_PER_MESSAGE: usize = 4;

/// `ConnectionIdUsage` (RFC 9147 §9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CidUsage {
    /// `cid_immediate(0)`: one of the new CIDs must be used for all future records.
    Immediate,
    /// `cid_spare(1)`: the new CIDs may be used later.
    Spare,
}

/// The `connection_id` extension body: `opaque cid<0..2^8-1>` (RFC 9146 §3).
pub fn encode_extension(out: &mut Vec<u8>, cid: &[u8]) {
    put_vec(out, 1, cid);
}

/// Parses the `connection_id` extension body.
pub fn decode_extension(body: &[u8]) -> Result<&[u8], DecodeError> {
    let mut r = Reader::new(body);
    let cid = r.vec(1, "connection_id")?;
    r.finish("connection_id")?;
    Ok(cid)
}

/// NewConnectionId (RFC 9147 §9): `ConnectionId cids<0..2^16-1>; ConnectionIdUsage usage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewConnectionId {
    /// The CIDs the sender will accept, in the order they should be used.
    pub cids: Vec<Vec<u8>>,
    /// Use one at once, or keep them as spares.
    pub usage: CidUsage,
}

impl NewConnectionId {
    /// Appends the message body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_nested(out, 2, |o| {
            for c in &self.cids {
                put_vec(o, 1, c);
            }
        });
        put_u8(
            out,
            match self.usage {
                CidUsage::Immediate => 0,
                CidUsage::Spare => 1,
            },
        );
    }

    /// Parses the message body. An empty CID in the list is refused: a sender that
    /// receives an empty CID must not send this message at all (§9).
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(body);
        let mut list = r.sub(2, "NewConnectionId.cids")?;
        let mut cids = Vec::new();
        while !list.is_empty() {
            let c = list.vec(1, "ConnectionId")?;
            if c.is_empty() {
                return Err(DecodeError::new("empty ConnectionId"));
            }
            // Bounded: at most 2^16 bytes of list, so at most 2^15 entries; only the
            // first few are kept.
            if cids.len() < MAX_PEER_SPARE_CIDS + 1 {
                cids.push(c.to_vec());
            }
        }
        let usage = match r.u8("ConnectionIdUsage")? {
            0 => CidUsage::Immediate,
            1 => CidUsage::Spare,
            _ => return Err(DecodeError::new("ConnectionIdUsage")),
        };
        r.finish("NewConnectionId")?;
        Ok(NewConnectionId { cids, usage })
    }
}

/// RequestConnectionId (RFC 9147 §9): `uint8 num_cids`.
pub fn decode_request(body: &[u8]) -> Result<u8, DecodeError> {
    let mut r = Reader::new(body);
    let n = r.u8("num_cids")?;
    r.finish("RequestConnectionId")?;
    Ok(n)
}

/// What a connection knows about CIDs beyond what its record layer uses.
#[derive(Debug, Default)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct CidState {
    /// Both hellos carried the extension.
    pub(crate) negotiated: bool,
    /// The peer's spare CIDs, in the order it gave them.
    pub(crate) peer_spares: VecDeque<Vec<u8>>,
    /// CIDs of ours to announce as spares, in answer to a RequestConnectionId that came
    /// while another flight of ours was pending.
    pub(crate) to_issue: Vec<Vec<u8>>,
}

/// A fresh random CID of ours of `len` bytes (0..=[`MAX_OWN_CID_LEN`]).
pub(crate) fn fresh_own_cid(rng: &mut impl rand::RngCore, len: usize) -> Result<Vec<u8>, Error> {
    if len > MAX_OWN_CID_LEN {
        return Err(Error::Config(format!(
            "CID length {len} exceeds {MAX_OWN_CID_LEN}"
        )));
    }
    let mut c = vec![0u8; len];
    rng.fill_bytes(&mut c);
    Ok(c)
}

fn unexpected(why: &str) -> Error {
    Error::alert(AD::UNEXPECTED_MESSAGE, why.to_string())
}

fn decode_err(e: DecodeError) -> Error {
    Error::alert(AD::DECODE_ERROR, format!("{e}"))
}

impl<S: Phase13, E: Events13> Channel13<S, E> {
    /// Both hellos carried the extension: records we send carry `peer` (what the peer asked
    /// for), records we receive must carry `own` (none when either is empty).
    pub(crate) fn negotiate_cids(&mut self, own: &[u8], peer: &[u8]) -> Result<(), Error> {
        self.cid.negotiated = true;
        self.rl.set_send_cid(peer);
        self.rl.clear_own_cids();
        self.rl.add_own_cid(own)
    }

    /// NewConnectionId from the peer (RFC 9147 §9): only after a CID was negotiated and
    /// only from a peer that receives a non-empty one (else unexpected_message). With
    /// `cid_immediate` our records carry its first CID from now on; spares are kept.
    pub(crate) fn on_new_connection_id(&mut self, body: &[u8]) -> Result<(), Error> {
        if !self.cid.negotiated || self.rl.send_cid().is_empty() {
            return Err(unexpected("NewConnectionId without a negotiated CID"));
        }
        let m = NewConnectionId::decode(body).map_err(decode_err)?;
        let mut cids = m.cids.into_iter();
        if m.usage == CidUsage::Immediate {
            let first = cids.next().ok_or_else(|| {
                Error::alert(AD::ILLEGAL_PARAMETER, "cid_immediate without a CID")
            })?;
            self.rl.set_send_cid(&first);
        }
        for c in cids {
            if self.cid.peer_spares.len() < MAX_PEER_SPARE_CIDS
                && !self.cid.peer_spares.contains(&c)
                && c != self.rl.send_cid()
            {
                self.cid.peer_spares.push_back(c);
            }
        }
        Ok(())
    }

    /// RequestConnectionId from the peer (§9): only after a CID was negotiated and when we
    /// receive a non-empty one (a peer sending an empty CID must not ask, else
    /// unexpected_message). Answered with up to [`MAX_CIDS_PER_MESSAGE`] fresh CIDs of
    /// ours (made by `fresh(len)`) as spares, at once or when our pending flight is done.
    pub(crate) fn on_request_connection_id(
        &mut self,
        now: Instant,
        body: &[u8],
        fresh: &mut dyn FnMut(usize) -> Vec<u8>,
    ) -> Result<(), Error> {
        let len = self.rl.own_cids().first().map_or(0, Vec::len);
        if !self.cid.negotiated || len == 0 {
            return Err(unexpected("RequestConnectionId without a negotiated CID"));
        }
        let n = usize::from(decode_request(body).map_err(decode_err)?);
        let n = n.min(MAX_CIDS_PER_MESSAGE - self.cid.to_issue.len().min(MAX_CIDS_PER_MESSAGE));
        for _ in 0..n {
            let c = fresh(len);
            self.cid.to_issue.push(c);
        }
        self.flush_cid_answer(now)
    }

    /// Sends the CIDs a RequestConnectionId asked for once no other flight of ours is
    /// pending (one flight at a time, §5.8).
    pub(crate) fn flush_cid_answer(&mut self, now: Instant) -> Result<(), Error> {
        if self.cid.to_issue.is_empty() || !self.cid_flight_allowed() {
            return Ok(());
        }
        let cids = std::mem::take(&mut self.cid.to_issue);
        self.send_new_connection_id(now, cids, CidUsage::Spare)
    }

    fn cid_flight_allowed(&self) -> bool {
        let busy = self.flight.as_ref().is_some_and(|f| f.is_pending());
        self.state.is_established() && !busy && !self.write_closed && self.send_epoch >= 3
    }

    /// Announces `cids` (ours, each as long as the negotiated one) in a NewConnectionId:
    /// we accept them from now on (the peer may use them as soon as it has the message).
    pub(crate) fn send_new_connection_id(
        &mut self,
        now: Instant,
        cids: Vec<Vec<u8>>,
        usage: CidUsage,
    ) -> Result<(), Error> {
        for c in &cids {
            self.rl.add_own_cid(c)?;
        }
        let mut b = Vec::new();
        NewConnectionId { cids, usage }.encode(&mut b);
        let m = self.next_msg(self.send_epoch, hs::NEW_CONNECTION_ID, b);
        self.send_flight(now, vec![m])
    }

    /// Checks that we may issue CIDs now: negotiated, a non-empty CID of ours (§9: an
    /// endpoint receiving an empty CID must not send NewConnectionId), handshake done and
    /// no other flight of ours pending. Returns the length new CIDs must have.
    pub(crate) fn can_issue_cids(&self) -> Result<usize, Error> {
        let len = self.rl.own_cids().first().map_or(0, Vec::len);
        if !self.cid.negotiated || len == 0 {
            return Err(Error::InvalidState("no non-empty CID of ours negotiated"));
        }
        if !self.cid_flight_allowed() {
            return Err(Error::InvalidState(
                "handshake not complete or a flight is in progress",
            ));
        }
        Ok(len)
    }

    /// Asks the peer for `n` (1..=255) more CIDs (RequestConnectionId, §9): only when we
    /// send a non-empty CID, after the handshake, with no other flight of ours pending.
    pub(crate) fn request_connection_ids(&mut self, now: Instant, n: u8) -> Result<(), Error> {
        if !self.cid.negotiated || self.rl.send_cid().is_empty() {
            return Err(Error::InvalidState(
                "no non-empty CID of the peer negotiated",
            ));
        }
        if n == 0 {
            return Err(Error::InvalidState("asking for no CID"));
        }
        if !self.cid_flight_allowed() {
            return Err(Error::InvalidState(
                "handshake not complete or a flight is in progress",
            ));
        }
        let m = self.next_msg(self.send_epoch, hs::REQUEST_CONNECTION_ID, vec![n]);
        self.send_flight(now, vec![m])
    }

    /// Moves our records to the peer's next spare CID (RFC 9147 §9: a new CID for a new
    /// path); false when it gave us none.
    pub(crate) fn use_spare_cid(&mut self) -> bool {
        match self.cid.peer_spares.pop_front() {
            Some(c) => {
                self.rl.set_send_cid(&c);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtls13::client::{Client13, Options13};
    use crate::{Config, VerifyMode};

    fn ncid(cids: &[&[u8]], usage: CidUsage) -> Vec<u8> {
        let mut b = Vec::new();
        NewConnectionId {
            cids: cids.iter().map(|c| c.to_vec()).collect(),
            usage,
        }
        .encode(&mut b);
        b
    }

    fn alert(r: Result<(), Error>) -> Option<u8> {
        r.err().and_then(|e| e.alert_to_send()).map(|a| a.0)
    }

    /// RFC 9147 §9: NewConnectionId / RequestConnectionId without a negotiated CID, a
    /// NewConnectionId from a peer that receives an empty CID, a RequestConnectionId from
    /// a peer that sends one: unexpected_message. Otherwise cid_immediate switches our
    /// sending CID and spares are kept for later.
    #[test]
    fn cid_messages_follow_the_negotiation() {
        let cfg = Config::builder()
            .verify_mode(VerifyMode::None)
            .build()
            .unwrap();
        let now = Instant::now();
        let mut c = Client13::new(cfg, Options13::default(), now).unwrap();
        let fresh = &mut |n: usize| vec![9; n];
        let m = ncid(&[&[1, 2]], CidUsage::Immediate);
        assert_eq!(alert(c.ch.on_new_connection_id(&m)), Some(10));
        assert_eq!(
            alert(c.ch.on_request_connection_id(now, &[1], fresh)),
            Some(10)
        );
        // We receive [7, 7], the peer receives nothing.
        c.ch.negotiate_cids(&[7, 7], &[]).unwrap();
        assert_eq!(alert(c.ch.on_new_connection_id(&m)), Some(10));
        c.ch.on_request_connection_id(now, &[9], fresh).unwrap();
        assert_eq!(
            c.ch.cid.to_issue.len(),
            MAX_CIDS_PER_MESSAGE,
            "capped, queued"
        );
        // We receive nothing, the peer receives [5, 5].
        c.ch.negotiate_cids(&[], &[5, 5]).unwrap();
        assert_eq!(
            alert(c.ch.on_request_connection_id(now, &[1], fresh)),
            Some(10)
        );
        let spare = ncid(&[&[3, 3, 3], &[4, 4, 4]], CidUsage::Spare);
        c.ch.on_new_connection_id(&spare).unwrap();
        assert_eq!(c.ch.rl.send_cid(), [5, 5], "spares only");
        c.ch.on_new_connection_id(&m).unwrap();
        assert_eq!(c.ch.rl.send_cid(), [1, 2], "immediate");
        assert!(c.ch.use_spare_cid());
        assert_eq!(c.ch.rl.send_cid(), [3, 3, 3]);
        let empty = ncid(&[], CidUsage::Immediate);
        assert_eq!(alert(c.ch.on_new_connection_id(&empty)), Some(47));
        assert_eq!(alert(c.ch.on_new_connection_id(&[0, 0])), Some(50));
    }

    #[test]
    fn new_connection_id_roundtrip_and_refusals() {
        let m = NewConnectionId {
            cids: vec![vec![1, 2, 3], vec![4, 5, 6]],
            usage: CidUsage::Spare,
        };
        let mut b = Vec::new();
        m.encode(&mut b);
        assert_eq!(b, [0, 8, 3, 1, 2, 3, 3, 4, 5, 6, 1]);
        assert_eq!(NewConnectionId::decode(&b).unwrap(), m);
        for bad in [
            &[0, 1, 0, 0][..],             // an empty CID
            &[0, 4, 3, 1, 2, 3, 2][..],    // unknown usage
            &[0, 4, 3, 1, 2, 3][..],       // no usage
            &[0, 5, 3, 1, 2, 3, 0][..],    // list overruns
            &[0, 4, 3, 1, 2, 3, 0, 9][..], // trailing byte
        ] {
            assert!(NewConnectionId::decode(bad).is_err(), "{bad:?}");
        }
        assert_eq!(decode_request(&[3]).unwrap(), 3);
        assert!(decode_request(&[]).is_err() && decode_request(&[1, 2]).is_err());
        let mut e = Vec::new();
        encode_extension(&mut e, &[9, 9]);
        assert_eq!(decode_extension(&e).unwrap(), &[9, 9]);
        assert_eq!(decode_extension(&[0]).unwrap(), b"");
        assert!(decode_extension(&[2, 1]).is_err());
    }
}
