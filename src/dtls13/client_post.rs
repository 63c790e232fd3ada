//! The client's post-handshake messages: NewSessionTicket (RFC 8446 §4.6.1), KeyUpdate
//! (RFC 8446 §4.6.3, RFC 9147 §8: our sending keys move on only once our KeyUpdate is
//! acknowledged), and the implicit acknowledgement of our Finished by the server's first
//! post-handshake message (RFC 9147 §7.1).

use std::time::Instant;

use super::client::{Client13, Event13, Ticket13};
use super::client_states::{crypto, decode_err, Established, State};
use super::hello::msg_type as hs;
use super::messages::NewSessionTicket;
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
            verify_code: self.ch.verify_code,
        });
        self.ch.events.push_back(Event13::NewSessionTicket);
        Ok(())
    }

    /// A KeyUpdate from the server (RFC 9147 §8); as a post-handshake message it also
    /// acknowledges our Finished (§7.1).
    pub(crate) fn on_key_update(
        &mut self,
        now: Instant,
        mut e: Box<Established>,
        epoch: u64,
        body: &[u8],
    ) -> Result<State, Error> {
        self.finished_implicitly_acked();
        self.ch.on_key_update(now, &mut e, epoch, body)?;
        Ok(State::Established(e))
    }

    /// NewConnectionId or RequestConnectionId from the server (RFC 9147 §9); as a
    /// post-handshake message it also acknowledges our Finished (§7.1).
    pub(crate) fn on_cid_message(
        &mut self,
        now: Instant,
        typ: u8,
        body: &[u8],
    ) -> Result<(), Error> {
        self.finished_implicitly_acked();
        if typ == hs::NEW_CONNECTION_ID {
            return self.ch.on_new_connection_id(body);
        }
        let rng = &mut self.rng;
        self.ch.on_request_connection_id(now, body, &mut |len| {
            let mut c = vec![0u8; len];
            rand::RngCore::fill_bytes(rng, &mut c);
            c
        })
    }

    /// Only the flight holding our Finished is acknowledged by the server's post-handshake
    /// messages (a KeyUpdate or NewConnectionId of ours needs its own ACK).
    fn finished_implicitly_acked(&mut self) {
        if let Some(f) = self.ch.flight.as_mut() {
            if f.messages().iter().any(|m| m.msg_type == hs::FINISHED) {
                f.implicitly_acked();
            }
        }
    }
}
