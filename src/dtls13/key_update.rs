//! What an established DTLS 1.3 connection keeps, for either role, and KeyUpdate both
//! ways (RFC 8446 §4.6.3, RFC 9147 §8: our sending keys move on only once our KeyUpdate
//! is acknowledged; by ourselves near the AEAD limit, §4.5.3), and the exporter (RFC 8446
//! §7.5).

use std::time::Instant;

use super::channel::{Channel13, Events13, Phase13};
use super::epoch::TrafficEpoch;
use super::hello::msg_type as hs;
use super::key_schedule::{KeySchedule, Secret};
use super::messages::KeyUpdate;
use super::record_protection::Suite13;
use crate::error::{AlertDescription as AD, Error};

/// After the handshake.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub struct Established {
    pub(crate) suite: Suite13,
    pub(crate) ks: KeySchedule,
    pub(crate) send: TrafficEpoch,
    pub(crate) recv: TrafficEpoch,
    pub(crate) resumption_master: Secret,
    /// `exporter_master_secret` (RFC 8446 §7.1).
    pub(crate) exporter_master: Secret,
    /// Our next sending epoch, used once our KeyUpdate is acknowledged (§8).
    pub(crate) send_next: Option<TrafficEpoch>,
}

impl<S: Phase13, E: Events13> Channel13<S, E> {
    /// RFC 9147 §8: the peer's KeyUpdate must be in its current epoch; its next epoch's
    /// keys are installed at once; a requested update is answered with ours.
    pub(crate) fn on_key_update(
        &mut self,
        now: Instant,
        e: &mut Established,
        epoch: u64,
        body: &[u8],
    ) -> Result<(), Error> {
        let ku = KeyUpdate::decode(body)
            .map_err(|err| Error::alert(AD::DECODE_ERROR, format!("{err}")))?;
        if epoch != e.recv.epoch {
            // A KeyUpdate of an older epoch is a retransmission already processed.
            return Ok(());
        }
        let next = e.recv.next(&e.ks).map_err(|_| Error::SequenceExhausted)?;
        self.rl
            .install_recv(&e.ks, e.suite, next.epoch, &next.secret)?;
        self.events.push_back(E::recv_key_updated(next.epoch));
        e.recv = next;
        let busy = self.flight.as_ref().is_some_and(|f| f.is_pending());
        if ku.update_requested && e.send_next.is_none() && !self.write_closed && !busy {
            self.start_key_update(now, e, false)?;
        }
        Ok(())
    }

    fn start_key_update(
        &mut self,
        now: Instant,
        e: &mut Established,
        request: bool,
    ) -> Result<(), Error> {
        let mut b = Vec::new();
        KeyUpdate {
            update_requested: request,
        }
        .encode(&mut b);
        let m = self.next_msg(self.send_epoch, hs::KEY_UPDATE, b);
        self.send_flight(now, vec![m])?;
        e.send_next = Some(e.send.next(&e.ks).map_err(|_| Error::SequenceExhausted)?);
        Ok(())
    }

    /// Sends a KeyUpdate (RFC 8446 §4.6.3); our sending epoch moves on once it is
    /// acknowledged. Refused while another flight of ours is unacknowledged.
    pub(crate) fn key_update(&mut self, now: Instant, request_peer: bool) -> Result<(), Error> {
        if self.flight.as_ref().is_some_and(|f| f.is_pending()) {
            return Err(Error::InvalidState("a flight is in progress"));
        }
        if self.write_closed {
            return Err(Error::InvalidState("close_notify sent"));
        }
        let mut state = std::mem::replace(&mut self.state, S::failed());
        let r = match state.established_mut() {
            Some(e) => self.start_key_update(now, e, request_peer),
            None => Err(Error::InvalidState("handshake not complete")),
        };
        self.state = state;
        r
    }

    /// RFC 9147 §4.5.3: once our sending key nears its confidentiality limit, a KeyUpdate
    /// (not requesting the peer's) starts as soon as no other flight of ours is pending.
    pub(crate) fn auto_key_update(&mut self, now: Instant) -> Result<(), Error> {
        let idle = !self.flight.as_ref().is_some_and(|f| f.is_pending()) && !self.write_closed;
        let due = self
            .state
            .established()
            .is_some_and(|e| e.send_next.is_none())
            && self.rl.key_update_due(self.send_epoch);
        if idle && due {
            self.key_update(now, false)?;
        }
        Ok(())
    }

    /// After an ACK: a fully acknowledged KeyUpdate switches our sending keys.
    pub(crate) fn on_flight_acked(&mut self) -> Result<(), Error> {
        if self.flight.as_ref().is_some_and(|f| f.is_pending()) {
            return Ok(());
        }
        if let Some(e) = self.state.established_mut() {
            if let Some(next) = e.send_next.take() {
                self.rl
                    .install_send(&e.ks, e.suite, next.epoch, &next.secret)?;
                self.send_epoch = next.epoch;
                self.events.push_back(E::send_key_updated(next.epoch));
                e.send = next;
            }
        }
        Ok(())
    }

    /// RFC 8446 §7.5 (with RFC 9147's "dtls13" labels): keying material from the
    /// exporter master secret, once the handshake has completed.
    pub(crate) fn export_keying_material(
        &self,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        let Some(e) = self.state.established() else {
            return Err(Error::InvalidState("handshake not complete"));
        };
        e.ks.export(&e.exporter_master, label, context, out)
            .map_err(|_| Error::Config("exporter label or length too long".into()))
    }
}
