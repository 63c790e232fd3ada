//! The server's post-handshake messages: KeyUpdate both ways (RFC 8446 §4.6.3, RFC 9147
//! §8: our sending keys move on only once our KeyUpdate is acknowledged) and the exporter
//! (RFC 8446 §7.5).

use std::time::Instant;

use super::hello::msg_type as hs;
use super::messages::KeyUpdate;
use super::server::{Server13, ServerEvent13};
use super::server_states::{decode_err, SEstablished, SState};
use crate::error::Error;

impl Server13 {
    /// RFC 9147 §8: the client's KeyUpdate must be in its current epoch; its next
    /// epoch's keys are installed at once; a requested update is answered with ours.
    pub(crate) fn on_key_update(
        &mut self,
        now: Instant,
        mut e: Box<SEstablished>,
        epoch: u64,
        body: &[u8],
    ) -> Result<SState, Error> {
        let ku = KeyUpdate::decode(body).map_err(decode_err)?;
        if epoch != e.recv.epoch {
            // An older epoch's KeyUpdate is a retransmission already processed.
            return Ok(SState::Established(e));
        }
        let next = e.recv.next(&e.ks).map_err(|_| Error::SequenceExhausted)?;
        self.ch
            .rl
            .install_recv(&e.ks, e.suite, next.epoch, &next.secret)?;
        self.ch
            .events
            .push_back(ServerEvent13::RecvKeyUpdated(next.epoch));
        e.recv = next;
        let busy = self.ch.flight.as_ref().is_some_and(|f| f.is_pending());
        if ku.update_requested && e.send_next.is_none() && !self.ch.write_closed && !busy {
            self.start_key_update(now, &mut e, false)?;
        }
        Ok(SState::Established(e))
    }

    fn start_key_update(
        &mut self,
        now: Instant,
        e: &mut SEstablished,
        request: bool,
    ) -> Result<(), Error> {
        let mut b = Vec::new();
        KeyUpdate {
            update_requested: request,
        }
        .encode(&mut b);
        let m = self.ch.next_msg(self.ch.send_epoch, hs::KEY_UPDATE, b);
        self.ch.send_flight(now, vec![m])?;
        e.send_next = Some(e.send.next(&e.ks).map_err(|_| Error::SequenceExhausted)?);
        Ok(())
    }

    /// Sends a KeyUpdate (RFC 8446 §4.6.3); our sending epoch moves on once it is
    /// acknowledged. Refused while another flight of ours is unacknowledged.
    pub fn key_update(&mut self, now: Instant, request_peer: bool) -> Result<(), Error> {
        if self.ch.flight.as_ref().is_some_and(|f| f.is_pending()) {
            return Err(Error::InvalidState("a flight is in progress"));
        }
        if self.ch.write_closed {
            return Err(Error::InvalidState("close_notify sent"));
        }
        let SState::Established(mut e) = std::mem::replace(&mut self.ch.state, SState::Failed)
        else {
            return Err(Error::InvalidState("handshake not complete"));
        };
        let r = self.start_key_update(now, &mut e, request_peer);
        self.ch.state = SState::Established(e);
        r
    }

    /// RFC 9147 §4.5.3: once our sending key nears its confidentiality limit, a KeyUpdate
    /// (not requesting the peer's) starts as soon as no other flight of ours is pending.
    pub(crate) fn auto_key_update(&mut self, now: Instant) -> Result<(), Error> {
        let idle =
            !self.ch.flight.as_ref().is_some_and(|f| f.is_pending()) && !self.ch.write_closed;
        let due = matches!(&self.ch.state, SState::Established(e) if e.send_next.is_none())
            && self.ch.rl.key_update_due(self.ch.send_epoch);
        if idle && due {
            self.key_update(now, false)?;
        }
        Ok(())
    }

    /// After an ACK: a fully acknowledged KeyUpdate switches our sending keys.
    pub(crate) fn on_flight_acked(&mut self) -> Result<(), Error> {
        if self.ch.flight.as_ref().is_some_and(|f| f.is_pending()) {
            return Ok(());
        }
        if let SState::Established(e) = &mut self.ch.state {
            if let Some(next) = e.send_next.take() {
                self.ch
                    .rl
                    .install_send(&e.ks, e.suite, next.epoch, &next.secret)?;
                self.ch.send_epoch = next.epoch;
                self.ch
                    .events
                    .push_back(ServerEvent13::SendKeyUpdated(next.epoch));
                e.send = next;
            }
        }
        Ok(())
    }

    /// RFC 8446 §7.5 (with RFC 9147's "dtls13" labels): keying material from the
    /// exporter master secret, once the handshake has completed.
    pub fn export_keying_material(
        &self,
        label: &[u8],
        context: &[u8],
        out: &mut [u8],
    ) -> Result<(), Error> {
        let SState::Established(e) = &self.ch.state else {
            return Err(Error::InvalidState("handshake not complete"));
        };
        e.ks.export(&e.exporter_master, label, context, out)
            .map_err(|_| Error::Config("exporter label or length too long".into()))
    }
}
