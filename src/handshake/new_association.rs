//! A server's answer to a ClientHello that starts a new association (RFC 6347 §4.2.8).
//!
//! A server past its first ClientHello (mid-handshake or established) may receive an
//! epoch-0 ClientHello with a client random other than the one it is serving: the client
//! lost its state (it aborted the handshake, crashed, or a new client took over the
//! address on an unconnected socket). Answering it from the running handshake is wrong:
//! its message_seq looks old, so the reassembler would take it for a retransmission and
//! resend our flight, whose ServerHello the new client then takes as its own.
//!
//! The RFC's rule, written here once:
//! * Without a valid cookie the ClientHello is answered statelessly with a
//!   HelloVerifyRequest, as the stateless listener would (never larger than the
//!   ClientHello, RFC 6347 §4.2.1); the existing association is not touched, so a forged
//!   ClientHello changes nothing (crate::input_policy).
//! * With a valid cookie the peer has shown it receives at its address: the existing
//!   association "MUST NOT be destroyed until the client has demonstrated reachability", and
//!   now it has. The old association ends: with the plaintext fatal alert it was
//!   remembering (the old client's rejection was genuine after all), else with
//!   [`Error::NewAssociation`]. No alert is sent: the peer address now belongs to the new
//!   client. The new client retransmits its ClientHello, and the application's next server
//!   object (`s_server`'s accept loop) answers it.
//!
//! Only whole, unfragmented ClientHellos are considered (as by the stateless listener); a
//! ClientHello that carries our current client random is the genuine peer's retransmission
//! and takes the normal path.

use std::time::Instant;

use super::machine::{Machine, State};
use crate::cookie::{self, CookieHooks};
use crate::enums::HandshakeType;
use crate::error::Error;

/// What the front door did with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NewAssociation {
    /// Not a new association's ClientHello: process the datagram as usual.
    NotNew,
    /// Answered statelessly (or dropped); the datagram is consumed.
    Answered,
    /// A verified new association: the existing one ends with this error.
    Abandon,
}

impl Machine {
    /// Whether this server is past its first ClientHello (so a new client random means a new
    /// association).
    fn serving_a_client_hello(&self) -> bool {
        if self.is_client {
            return false;
        }
        if self.life.completed() {
            return true;
        }
        matches!(self.life.step(), Some(s) if s != State::ServerAwaitClientHello)
    }

    /// RFC 6347 §4.2.8 front door, run on every datagram a server receives.
    #[inline(never)]
    pub(crate) fn new_association_front_door(
        &mut self,
        now: Instant,
        datagram: &[u8],
    ) -> NewAssociation {
        if !self.serving_a_client_hello() {
            return NewAssociation::NotNew;
        }
        let Some(ch) = cookie::parse_first_client_hello(datagram) else {
            return NewAssociation::NotNew;
        };
        let Some((params, offered)) = cookie::split_client_hello_cookie(ch.body) else {
            return NewAssociation::NotNew;
        };
        // params start with client_version (2 bytes) and the random (32 bytes).
        if params.get(2..34) == Some(&self.hs.client_random[..]) {
            return NewAssociation::NotNew;
        }
        let peer = self.peer_addr.clone();
        let keys = self.session_config().cookie_keys.clone();
        let hooks = self
            .cookie_hooks
            .as_deref_mut()
            .map(|h| h as &mut dyn CookieHooks);
        if cookie::check_cookie(&keys, now, &peer, &params, offered, hooks) {
            return NewAssociation::Abandon;
        }
        let fresh = match self.cookie_hooks.as_mut() {
            Some(h) => match h.generate() {
                Some(c) if !c.is_empty() && c.len() <= cookie::MAX_COOKIE_LEN => c,
                _ => {
                    self.stats_dropped();
                    return NewAssociation::Answered;
                }
            },
            None => keys.generate(now, &peer, &params).to_vec(),
        };
        let mut dg = Vec::new();
        cookie::build_hello_verify_request(ch.record_seq, ch.message_seq, &fresh, &mut dg);
        if dg.len() > datagram.len() {
            // Never answer with more than we received (RFC 6347 §4.2.1).
            self.stats_dropped();
        } else {
            self.message_event(false, HandshakeType::CLIENT_HELLO, ch.message_seq, ch.body);
            // Reported as the stateful exchange reports its HelloVerifyRequest.
            let header = dg.get(..cookie::RECORD_HEADER_LEN).map(<[u8]>::to_vec);
            self.record_header_event(true, header.as_deref());
            let hvr_body = cookie::RECORD_HEADER_LEN + cookie::HANDSHAKE_HEADER_LEN;
            if let Some(b) = dg.get(hvr_body..).map(<[u8]>::to_vec) {
                let seq = ch.message_seq;
                self.message_event(true, HandshakeType::HELLO_VERIFY_REQUEST, seq, &b);
            }
            self.push_datagram(dg);
        }
        NewAssociation::Answered
    }

    /// Ends the existing association for a verified new one: with the plaintext alert the
    /// handshake was remembering, if any (it was genuine), else [`Error::NewAssociation`].
    #[inline(never)]
    pub(crate) fn abandon_for_new_association(&mut self) -> Error {
        let remembered = self
            .life
            .handshake_mut()
            .and_then(|h| h.pending_verdict.take())
            .and_then(|v| v.alert);
        if let Some((level, description)) = remembered {
            if let Err(e) = self.obey_alert(level, description) {
                return e;
            }
        }
        self.fail(Error::NewAssociation)
    }
}
