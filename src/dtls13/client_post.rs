//! The client's post-handshake messages: NewSessionTicket (RFC 8446 §4.6.1), KeyUpdate
//! (RFC 8446 §4.6.3, RFC 9147 §8: our sending keys move on only once our KeyUpdate is
//! acknowledged), and the implicit acknowledgement of our Finished by the server's first
//! post-handshake message (RFC 9147 §7.1).

use std::time::Instant;

use super::client::{Client13, Event13, Ticket13};
use super::client_states::{crypto, decode_err, Established, State};
use super::hello::msg_type as hs;
use super::messages::{KeyUpdate, NewSessionTicket};
use crate::error::Error;

impl Client13 {
    pub(crate) fn on_new_session_ticket(
        &mut self,
        now: Instant,
        e: &Established,
        body: &[u8],
    ) -> Result<(), Error> {
        // A post-handshake message implies the server has our Finished (§7.1).
        self.finished_implicitly_acked();
        let t = NewSessionTicket::decode(body).map_err(decode_err)?;
        let psk =
            e.ks.resumption_psk(&e.resumption_master, &t.nonce)
                .map_err(crypto)?;
        if self.tickets.len() >= 8 {
            self.tickets.remove(0);
        }
        self.tickets.push(Ticket13 {
            ticket: t,
            suite: e.suite,
            psk: psk.as_bytes().to_vec(),
            received: now,
            peer_certs: self.ch.peer_certs.clone(),
        });
        self.ch.events.push_back(Event13::NewSessionTicket);
        Ok(())
    }

    /// RFC 9147 §8: the peer's KeyUpdate must be in its current epoch; its next epoch's
    /// keys are installed at once; a requested update is answered with ours.
    pub(crate) fn on_key_update(
        &mut self,
        now: Instant,
        mut e: Box<Established>,
        epoch: u64,
        body: &[u8],
    ) -> Result<State, Error> {
        self.finished_implicitly_acked();
        let ku = KeyUpdate::decode(body).map_err(decode_err)?;
        if epoch != e.recv.epoch {
            // A KeyUpdate of an older epoch is a retransmission already processed.
            return Ok(State::Established(e));
        }
        let next = e.recv.next(&e.ks).map_err(|_| Error::SequenceExhausted)?;
        self.ch
            .rl
            .install_recv(&e.ks, e.suite, next.epoch, &next.secret)?;
        self.ch
            .events
            .push_back(Event13::RecvKeyUpdated(next.epoch));
        e.recv = next;
        if ku.update_requested && e.send_next.is_none() && !self.ch.write_closed {
            self.start_key_update(now, &mut e, false)?;
        }
        Ok(State::Established(e))
    }

    fn finished_implicitly_acked(&mut self) {
        if let Some(f) = self.ch.flight.as_mut() {
            if f.messages().iter().all(|m| m.msg_type != hs::KEY_UPDATE) {
                f.implicitly_acked();
            }
        }
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
        if !self.ch.state.is_established() {
            return Err(Error::InvalidState("handshake not complete"));
        }
        let State::Established(mut e) = std::mem::replace(&mut self.ch.state, State::Failed) else {
            unreachable!("checked above");
        };
        let r = self.start_key_update(now, &mut e, request_peer);
        self.ch.state = State::Established(e);
        r
    }

    /// RFC 9147 §4.5.3: once our sending key nears its confidentiality limit, a KeyUpdate
    /// (not requesting the peer's) starts as soon as no other flight of ours is pending.
    pub(crate) fn auto_key_update(&mut self, now: Instant) -> Result<(), Error> {
        let idle =
            !self.ch.flight.as_ref().is_some_and(|f| f.is_pending()) && !self.ch.write_closed;
        let due = matches!(&self.ch.state, State::Established(e) if e.send_next.is_none())
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
        if let State::Established(e) = &mut self.ch.state {
            if let Some(next) = e.send_next.take() {
                self.ch
                    .rl
                    .install_send(&e.ks, e.suite, next.epoch, &next.secret)?;
                self.ch.send_epoch = next.epoch;
                self.ch
                    .events
                    .push_back(Event13::SendKeyUpdated(next.epoch));
                e.send = next;
            }
        }
        Ok(())
    }
}
