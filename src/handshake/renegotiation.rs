//! Secure renegotiation (RFC 5746) of an established connection, both directions.
//!
//! * **Who starts.** A client renegotiates with [`crate::Connection::renegotiate`] (a new ClientHello
//!   in the current epoch); a server asks with a HelloRequest (RFC 5246 §7.4.1.1), which it
//!   retransmits on its timer until the ClientHello comes (OpenSSL sends it once).
//! * **Policy** ([`RenegotiationPolicy`], OpenSSL 3.0's defaults): a server refuses a
//!   client-initiated renegotiation unless `allow_client` (`SSL_OP_ALLOW_CLIENT_RENEGOTIATION`);
//!   a client accepts a HelloRequest; `refuse_all` (`SSL_OP_NO_RENEGOTIATION`) refuses both.
//!   A peer that did not signal RFC 5746 support in the initial handshake is never
//!   renegotiated with (RFC 5746 §4.2, §4.4). A refusal is a `no_renegotiation` warning
//!   alert (RFC 5246 §7.2.2); the connection goes on. A refusal we receive abandons our
//!   renegotiation and the connection goes on too (the RFC lets the initiator continue), as
//!   does a first flight the peer never answers (a client may ignore a HelloRequest).
//! * **Binding** (RFC 5746 §3.5-§3.7): the renegotiating ClientHello carries the previous
//!   client verify_data in `renegotiation_info`, the ServerHello the client's and the
//!   server's; anything else, or the SCSV in a renegotiating ClientHello, is a fatal
//!   handshake_failure.
//! * **message_seq** starts again at 0 in each handshake (RFC 6347 §4.2.2: "The first
//!   message each side transmits in each handshake always has message_seq = 0"), as in
//!   OpenSSL, which resets both counters when a handshake finishes. A HelloRequest counts:
//!   it carries 0 and the ServerHello then 1 (the RFC's example; OpenSSL's client expects
//!   exactly that). A renegotiating peer's first message is authenticated, so its
//!   message_seq is taken as it comes.
//! * **Epochs.** The new handshake runs protected by the current epoch; each side switches
//!   to the next at its ChangeCipherSpec. Application data flows throughout: records of
//!   the next epoch that arrive before the peer's ChangeCipherSpec are held
//!   (`record::layer::MAX_NEXT_EPOCH_RECORDS`), and the previous epoch stays readable for
//!   `input_policy::PREVIOUS_EPOCH_LINGER` after the handshake (RFC 6347 §4.1), so nothing
//!   is lost to the epoch change (OpenSSL 3.0 drops the connection there).
//!
//! The request is always protected (an epoch-0 one is someone else's: crate::input_policy
//! and crate::handshake::new_association), so it is authenticated input.

use std::time::Instant;

use super::agreement::Agreement;
use super::lifecycle::{Established, Lifecycle};
use super::machine::{Machine, State};
use super::step::Step;
use crate::enums::HandshakeType;
use crate::error::{AlertDescription, AlertLevel, Error};

/// Whether (and from whom) renegotiation is accepted (OpenSSL's `SSL_OP_NO_RENEGOTIATION`
/// and `SSL_OP_ALLOW_CLIENT_RENEGOTIATION`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RenegotiationPolicy {
    /// Refuse every renegotiation, and do not start one (`SSL_OP_NO_RENEGOTIATION`).
    pub refuse_all: bool,
    /// A server accepts client-initiated renegotiation
    /// (`SSL_OP_ALLOW_CLIENT_RENEGOTIATION`; off by default, as in OpenSSL 3.0).
    pub allow_client: bool,
}

/// What a renegotiation handshake keeps from the handshake before it (RFC 5746 §3.1).
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Renegotiation {
    /// The client's verify_data of the previous handshake.
    pub client_verify_data: Vec<u8>,
    /// The server's verify_data of the previous handshake.
    pub server_verify_data: Vec<u8>,
    /// The peer's first message of this handshake arrived (its message_seq is then fixed).
    pub peer_started: bool,
    /// The session established before, still the connection's session meanwhile.
    pub previous_session: Option<crate::session::cache::Session>,
    /// The established connection's master secret: the connection goes back to it if the
    /// renegotiation is refused or abandoned (the new handshake's lives in its steps).
    pub established: Agreement,
}

impl Renegotiation {
    /// `renegotiated_connection` of the ServerHello: client then server verify_data.
    pub fn server_binding(&self) -> Vec<u8> {
        let mut v = self.client_verify_data.clone();
        v.extend_from_slice(&self.server_verify_data);
        v
    }
}

/// Whether an authenticated handshake message of `msg_type` after completion asks us to
/// renegotiate.
pub(crate) fn is_request(is_client: bool, msg_type: HandshakeType) -> bool {
    if is_client {
        msg_type == HandshakeType::HELLO_REQUEST
    } else {
        msg_type == HandshakeType::CLIENT_HELLO
    }
}

impl Machine {
    /// Refuses one renegotiation request (answered once per message, at its first
    /// fragment): a warning, not fatal (RFC 5746 §4.2, §4.4).
    pub(crate) fn refuse_renegotiation(&mut self) {
        self.send_alert(AlertLevel::Warning, AlertDescription::NO_RENEGOTIATION);
    }

    /// Why we may not renegotiate now, if we may not.
    fn renegotiation_blocked(&self) -> Option<&'static str> {
        if !matches!(self.life, Lifecycle::Established(_)) {
            return Some("renegotiation needs an established connection");
        }
        if self.reneg_policy.refuse_all {
            return Some("renegotiation is disabled (SSL_OP_NO_RENEGOTIATION)");
        }
        if !self.hs.secure_renegotiation {
            return Some("the peer does not support secure renegotiation (RFC 5746)");
        }
        // Each handshake takes one epoch; epochs must not wrap (RFC 6347 §4.1).
        if self.records.write_epoch() >= u16::MAX - 1 || self.records.read_epoch() >= u16::MAX - 1 {
            return Some("no epoch left to renegotiate into");
        }
        None
    }

    /// Starts a renegotiation: a client sends a ClientHello (offering to resume the current
    /// session when `abbreviated`), a server a HelloRequest.
    pub(crate) fn renegotiate(&mut self, now: Instant, abbreviated: bool) -> Result<(), Error> {
        self.now = now;
        if let Some(why) = self.renegotiation_blocked() {
            return Err(Error::InvalidState(why));
        }
        if self.is_client {
            self.client_renegotiate(now, abbreviated)
        } else {
            self.begin_renegotiation(Step::server_start())?;
            self.begin_flight();
            // HelloRequest is not part of any transcript (RFC 5246 §7.4.1.1).
            self.queue_handshake(HandshakeType::HELLO_REQUEST, Vec::new(), false);
            // The ServerHello continues with message_seq 1 (RFC 6347 §4.2.2; OpenSSL's
            // client expects it, server_client_hello).
            self.send_flight(now, false)
        }
    }

    fn client_renegotiate(&mut self, now: Instant, abbreviated: bool) -> Result<(), Error> {
        self.opts.resume = if abbreviated {
            self.current_session()
        } else {
            None
        };
        self.begin_renegotiation(Step::client_start())?;
        let mut random = [0u8; 32];
        self.random_bytes(&mut random);
        self.hs.client_random = random;
        self.client_send_hello(now)
    }

    /// Replaces the established state by a renegotiation handshake at `step`.
    fn begin_renegotiation(&mut self, step: Step) -> Result<(), Error> {
        let established =
            self.life
                .agreement()
                .map(Agreement::duplicate)
                .ok_or(Error::InvalidState(
                    "renegotiation needs an established connection",
                ))?;
        let (client_verify_data, server_verify_data) = if self.is_client {
            (
                self.hs.local_finished.clone(),
                self.hs.peer_finished.clone(),
            )
        } else {
            (
                self.hs.peer_finished.clone(),
                self.hs.local_finished.clone(),
            )
        };
        let previous_session = self.current_session();
        let timer = super::flight::RetransmitTimer::new(
            self.config.initial_timeout,
            self.config.max_timeout,
        );
        // The previous handshake's final flight and old read epoch are no longer needed:
        // the peer is talking in the current epoch.
        self.records.retire_previous_read_epoch();
        self.prev_read_retire_at = None;
        let mut h = Lifecycle::handshaking(step, timer);
        if let Some(hs) = h.handshake_mut() {
            hs.renegotiation = Some(Renegotiation {
                client_verify_data,
                server_verify_data,
                peer_started: false,
                previous_session,
                established,
            });
        }
        // Our first message of the new handshake carries message_seq 0 (RFC 6347 §4.2.2):
        // the new Handshaking variant's counter starts there.
        self.life = h;
        self.hs.resumed = false;
        self.reasm.clear();
        self.reasm.set_next_seq(0);
        self.records.hold_next_epoch(true);
        self.renegotiations += 1;
        Ok(())
    }

    /// The renegotiation the running handshake performs, if it is one.
    pub(crate) fn renegotiation(&self) -> Option<&Renegotiation> {
        self.life.handshake().and_then(|h| h.renegotiation.as_ref())
    }

    /// An authenticated renegotiation request (`msg_type`, first fragment at
    /// `message_seq`) on an established connection: refused, or accepted. Returns true
    /// when the fragment belongs to the new handshake (a server's ClientHello).
    pub(crate) fn on_renegotiation_request(
        &mut self,
        now: Instant,
        msg_type: HandshakeType,
        message_seq: u16,
    ) -> Result<bool, Error> {
        let refused = self.renegotiation_blocked().is_some()
            || (!self.is_client && !self.reneg_policy.allow_client);
        if refused {
            self.refuse_renegotiation();
            return Ok(false);
        }
        if msg_type == HandshakeType::HELLO_REQUEST {
            self.client_renegotiate(now, false)?;
            return Ok(false);
        }
        self.begin_renegotiation(Step::server_start())?;
        self.reasm.set_next_seq(message_seq);
        if let Some(r) = self
            .life
            .handshake_mut()
            .and_then(|h| h.renegotiation.as_mut())
        {
            r.peer_started = true;
        }
        Ok(true)
    }

    /// During a renegotiation, the peer's first message of the new handshake (our
    /// HelloRequest's ClientHello, our ClientHello's ServerHello) is taken at the
    /// message_seq it carries: it is authenticated, and implementations differ on whether
    /// a HelloRequest consumed number 0 (module docs).
    pub(crate) fn renegotiation_first_message(&mut self, msg_type: HandshakeType, seq: u16) {
        let first = if self.is_client {
            HandshakeType::SERVER_HELLO
        } else {
            HandshakeType::CLIENT_HELLO
        };
        let Some(r) = self
            .life
            .handshake_mut()
            .and_then(|h| h.renegotiation.as_mut())
        else {
            return;
        };
        if r.peer_started || msg_type != first {
            return;
        }
        r.peer_started = true;
        self.reasm.set_next_seq(seq);
    }

    /// A client ignores a HelloRequest while it is negotiating (RFC 5246 §7.4.1.1).
    pub(crate) fn ignores_during_renegotiation(&self, msg_type: HandshakeType) -> bool {
        self.is_client && msg_type == HandshakeType::HELLO_REQUEST && self.renegotiation().is_some()
    }

    /// The peer refused our renegotiation with a `no_renegotiation` warning: the
    /// connection goes back to the established state it never really left.
    pub(crate) fn renegotiation_refused(&mut self) {
        let Some(r) = self
            .life
            .handshake_mut()
            .and_then(|h| h.renegotiation.take())
        else {
            return;
        };
        // Our ClientHello or HelloRequest went out in the current epoch; nothing changed.
        self.life = Lifecycle::Established(Established::new(r.established));
        self.records.hold_next_epoch(false);
        self.reasm.clear();
    }

    /// A renegotiation whose first flight (HelloRequest or ClientHello) the peer never
    /// answered.
    pub(crate) fn renegotiation_unanswered(&self) -> bool {
        self.renegotiation().is_some_and(|r| !r.peer_started)
            && matches!(
                self.life.step(),
                Some(State::ServerAwaitClientHello | State::ClientAwaitServerHello)
            )
    }

    /// A renegotiation handshake completed.
    pub(crate) fn renegotiation_done(&mut self) {
        self.records.hold_next_epoch(false);
    }
}
