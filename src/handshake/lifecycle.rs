//! The connection's lifecycle as one enum whose variants own exactly their data (issue 9
//! item 2). A handshake in progress owns its step (with that step's own data, see
//! `step.rs`), retransmission timer, transcript and pending verdict; once it ends the
//! variant is replaced and everything it owned is dropped. Combinations such as
//! "close_notify received while the handshake goes on", "failed with the timer armed" or
//! "failed, yet still established" cannot be represented: close and failure are variants,
//! not flags beside a state.

use std::time::Instant;

use super::agreement::Agreement;
use super::flight::{Flight, FlightEntry, RetransmitTimer};
use super::machine::State;
use super::step::Step;
use crate::crypto::transcript::Transcript;
use crate::error::Error;
use crate::input_policy::PendingVerdict;

/// Where a connection is in its life.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) enum Lifecycle {
    /// The handshake runs (RFC 6347 §4.2.4: PREPARING, SENDING, WAITING).
    Handshaking(Box<Handshake>),
    /// Both Finished messages verified; application data flows (RFC 6347 §4.2.4 FINISHED).
    Established(Established),
    /// After the handshake, close_notify was sent, received, or both (RFC 5246 §7.2.1).
    Closing(Closing),
    /// A fatal error ended the connection (RFC 5246 §7.2.2); nothing is processed any more.
    Failed(Failed),
}

/// What only a running handshake has: dropped (freed) as soon as it ends.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Handshake {
    /// The message the handshake waits for, with that step's own data. Always present
    /// except inside `Machine::advance`, which takes it out for the message's handler and
    /// puts the next one back (or ends the handshake); the handler gets it by value.
    step: Option<Step>,
    /// The retransmission timer (RFC 6347 §4.2.4.1): only a running handshake has one.
    pub timer: RetransmitTimer,
    /// The messages so far (RFC 5246 §7.4.9, RFC 6347 §4.2.6).
    pub transcript: Transcript,
    /// The next message_seq we send (RFC 6347 §4.2.2): each handshake, a renegotiation
    /// too, starts at 0.
    pub send_seq: u16,
    /// The flight being built.
    pub building: Vec<FlightEntry>,
    /// The last flight sent, retransmitted when the timer fires (RFC 6347 §4.2.4).
    pub flight: Flight,
    /// That flight is the handshake's final flight (RFC 6347 §4.2.4 FINISHED state): it is
    /// kept after completion to answer the peer's retransmissions.
    pub sent_final: bool,
    /// When we last answered the peer's retransmission with that flight (answers are
    /// spaced, `Machine::on_peer_retransmit`).
    pub last_answer: Option<Instant>,
    /// A verdict on unauthenticated input, obeyed if the handshake stalls
    /// (crate::input_policy).
    pub pending_verdict: Option<PendingVerdict>,
    /// This handshake renegotiates an established connection (RFC 5746): the previous
    /// handshake's verify_data, and application data keeps flowing meanwhile.
    pub renegotiation: Option<super::renegotiation::Renegotiation>,
    /// Server: a ClientHello the application's hook paused on, answered by
    /// `resume_client_hello`; a handshake that ends drops it.
    pub parked: Option<ParkedHello>,
    /// The CID we ask for, chosen once per handshake (a ClientHello repeated after
    /// HelloVerifyRequest offers the same one, RFC 9146 §3); the CIDs in use once both
    /// hellos carried one live in the record layer.
    pub local_cid: Option<Vec<u8>>,
    /// Server: the ClientHello hook asked to acknowledge the client's server_name in the
    /// ServerHello (RFC 6066 §3); read once, when the ServerHello is built.
    pub ack_server_name: bool,
}

impl Handshake {
    fn new(step: Step, timer: RetransmitTimer) -> Self {
        Self {
            step: Some(step),
            timer,
            transcript: Transcript::new(),
            send_seq: 0,
            building: Vec::new(),
            flight: Flight::default(),
            sent_final: false,
            last_answer: None,
            pending_verdict: None,
            renegotiation: None,
            parked: None,
            local_cid: None,
            ack_server_name: false,
        }
    }

    /// The step (`None` only inside `Machine::advance`).
    pub fn step(&self) -> Option<&Step> {
        self.step.as_ref()
    }

    /// The step, mutably (its data is changed in place only before the handshake's first
    /// message is handled: the first-flight floor, the ClientHello sent).
    pub fn step_mut(&mut self) -> Option<&mut Step> {
        self.step.as_mut()
    }

    /// Takes the step out; only `Machine::advance` does, and it puts the next one back.
    pub(super) fn take_step(&mut self) -> Option<Step> {
        self.step.take()
    }

    /// Puts the next step in; see [`Handshake::take_step`].
    pub(super) fn put_step(&mut self, step: Step) {
        self.step = Some(step);
    }
}

/// A ClientHello waiting for the application's hook (crate::client_hello_hook): one at
/// most, paused at one of the hook's two stages.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) enum ParkedHello {
    /// The early stage paused: the message as received (message_seq, body) and its
    /// record's sequence number, which a HelloVerifyRequest echoes (RFC 6347 §4.2.1).
    Early {
        seq: u16,
        body: Vec<u8>,
        record_seq: u64,
    },
    /// The second stage paused: the decoded ClientHello and whether it offered
    /// extended_master_secret (RFC 7627 §5.1).
    Decoded {
        hello: Box<super::messages::ClientHello>,
        ems: bool,
    },
}

/// An established connection.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Established {
    /// On the side that sent the final flight, until the peer shows it finished (or may be
    /// assumed to have): that flight and when it completed the handshake.
    pub final_flight: Option<FinalFlight>,
    /// The master secret and its suite (exporters, RFC 5705; the session).
    pub agreement: Agreement,
}

impl Established {
    /// Established on `agreement`, keeping no flight.
    pub fn new(agreement: Agreement) -> Self {
        Self {
            final_flight: None,
            agreement,
        }
    }
}

/// The final flight, kept by its sender after the handshake to answer the peer's
/// retransmissions (RFC 6347 §4.2.4): the flight and the completion time exist together.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct FinalFlight {
    pub flight: Flight,
    /// When we last answered the peer's retransmission with it.
    pub last_answer: Option<Instant>,
    /// When the handshake completed: the flight and the previous read epoch are let go
    /// `input_policy::PREVIOUS_EPOCH_LINGER` later at the latest.
    pub completed_at: Instant,
}

/// Who has sent close_notify (RFC 5246 §7.2.1): at least one side has, or the connection
/// would not be closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CloseNotify {
    /// We sent it: nothing more may be sent.
    Sent,
    /// The peer sent it: nothing more is processed.
    Received,
    Both,
}

impl CloseNotify {
    fn sent(self) -> bool {
        matches!(self, CloseNotify::Sent | CloseNotify::Both)
    }

    fn received(self) -> bool {
        matches!(self, CloseNotify::Received | CloseNotify::Both)
    }

    fn new(sent: bool) -> Self {
        if sent {
            CloseNotify::Sent
        } else {
            CloseNotify::Received
        }
    }

    /// This and the close_notify just `sent` or received.
    fn and(self, sent: bool) -> Self {
        if self == CloseNotify::new(sent) {
            self
        } else {
            CloseNotify::Both
        }
    }
}

/// A connection being closed after its handshake.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Closing {
    pub close_notify: CloseNotify,
    /// See [`Established::final_flight`].
    pub final_flight: Option<FinalFlight>,
    /// See [`Established::agreement`].
    pub agreement: Agreement,
}

/// A connection ended by an error.
#[derive(Debug)]
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct Failed {
    /// The fatal error.
    pub error: Error,
    /// Who had sent close_notify: we (a handshake abandoned with `close`), the peer (its
    /// close_notify ended the handshake), or both (a closing connection that then failed).
    pub close_notify: Option<CloseNotify>,
}

impl Lifecycle {
    /// A handshake starting at `step`.
    pub fn handshaking(step: Step, timer: RetransmitTimer) -> Self {
        Lifecycle::Handshaking(Box::new(Handshake::new(step, timer)))
    }

    /// The running handshake's retransmission timer.
    pub fn timer(&self) -> Option<&RetransmitTimer> {
        self.handshake().map(|h| &h.timer)
    }

    /// The running handshake's retransmission timer, mutably.
    pub fn timer_mut(&mut self) -> Option<&mut RetransmitTimer> {
        self.handshake_mut().map(|h| &mut h.timer)
    }

    /// The running handshake's data.
    pub fn handshake(&self) -> Option<&Handshake> {
        match self {
            Lifecycle::Handshaking(h) => Some(h),
            _ => None,
        }
    }

    /// The running handshake's data, mutably.
    pub fn handshake_mut(&mut self) -> Option<&mut Handshake> {
        match self {
            Lifecycle::Handshaking(h) => Some(h),
            _ => None,
        }
    }

    /// The handshake's step, while it runs.
    pub fn step(&self) -> Option<State> {
        match self {
            Lifecycle::Handshaking(h) => {
                debug_assert!(h.step.is_some(), "a step observed inside Machine::advance");
                h.step().map(Step::kind)
            }
            _ => None,
        }
    }

    /// The master secret in use once the handshake completed (established or closing).
    pub fn agreement(&self) -> Option<&Agreement> {
        match self {
            Lifecycle::Established(e) => Some(&e.agreement),
            Lifecycle::Closing(c) => Some(&c.agreement),
            Lifecycle::Handshaking(_) | Lifecycle::Failed(_) => None,
        }
    }

    pub fn is_handshaking(&self) -> bool {
        matches!(self, Lifecycle::Handshaking(_))
    }

    pub fn is_failed(&self) -> bool {
        matches!(self, Lifecycle::Failed(_))
    }

    /// The handshake completed (the connection is established or closing).
    pub fn completed(&self) -> bool {
        matches!(self, Lifecycle::Established(_) | Lifecycle::Closing(_))
    }

    /// Application data may flow: the handshake completed, or a renegotiation runs on an
    /// established connection (the old epoch's keys stay in use until ChangeCipherSpec).
    pub fn app_open(&self) -> bool {
        match self {
            Lifecycle::Handshaking(h) => h.renegotiation.is_some(),
            _ => self.completed(),
        }
    }

    /// A renegotiation handshake is running.
    pub fn renegotiating(&self) -> bool {
        matches!(self, Lifecycle::Handshaking(h) if h.renegotiation.is_some())
    }

    pub fn close_sent(&self) -> bool {
        match self {
            Lifecycle::Closing(c) => c.close_notify.sent(),
            Lifecycle::Failed(f) => f.close_notify.is_some_and(CloseNotify::sent),
            _ => false,
        }
    }

    pub fn close_received(&self) -> bool {
        match self {
            Lifecycle::Closing(c) => c.close_notify.received(),
            Lifecycle::Failed(f) => f.close_notify.is_some_and(CloseNotify::received),
            _ => false,
        }
    }

    pub fn error(&self) -> Option<&Error> {
        match self {
            Lifecycle::Failed(f) => Some(&f.error),
            _ => None,
        }
    }

    /// The last flight we sent, while it may still have to be sent again.
    pub fn last_flight(&self) -> Option<&Flight> {
        match self {
            Lifecycle::Handshaking(h) => Some(&h.flight),
            Lifecycle::Established(e) => e.final_flight.as_ref().map(|f| &f.flight),
            Lifecycle::Closing(c) => c.final_flight.as_ref().map(|f| &f.flight),
            Lifecycle::Failed(_) => None,
        }
    }

    /// [`Lifecycle::last_flight`], mutably.
    pub fn last_flight_mut(&mut self) -> Option<&mut Flight> {
        match self {
            Lifecycle::Handshaking(h) => Some(&mut h.flight),
            Lifecycle::Established(e) => e.final_flight.as_mut().map(|f| &mut f.flight),
            Lifecycle::Closing(c) => c.final_flight.as_mut().map(|f| &mut f.flight),
            Lifecycle::Failed(_) => None,
        }
    }

    /// When we last answered a retransmission with the flight we keep, while we keep one.
    pub fn last_answer_mut(&mut self) -> Option<&mut Option<Instant>> {
        match self {
            Lifecycle::Handshaking(h) => Some(&mut h.last_answer),
            Lifecycle::Established(Established {
                final_flight: Some(f),
                ..
            })
            | Lifecycle::Closing(Closing {
                final_flight: Some(f),
                ..
            }) => Some(&mut f.last_answer),
            _ => None,
        }
    }

    /// Forgets the final flight once the peer can no longer need it.
    pub fn drop_final_flight(&mut self) {
        // Called for every record received once established: only a held flight is dropped
        // (assigning None would run the Option's drop glue each time).
        match self {
            Lifecycle::Established(e) if e.final_flight.is_some() => e.final_flight = None,
            Lifecycle::Closing(c) if c.final_flight.is_some() => c.final_flight = None,
            _ => {}
        }
    }

    /// When the side that sent the final flight completed, while it keeps that flight.
    pub fn final_flight_completed_at(&self) -> Option<Instant> {
        match self {
            Lifecycle::Established(e) => e.final_flight.as_ref().map(|f| f.completed_at),
            Lifecycle::Closing(c) => c.final_flight.as_ref().map(|f| f.completed_at),
            _ => None,
        }
    }

    /// Ends the connection with `error`, keeping what is known about close_notify.
    pub fn fail(&mut self, error: Error) {
        let close_notify = match self {
            Lifecycle::Closing(c) => Some(c.close_notify),
            Lifecycle::Failed(f) => f.close_notify,
            Lifecycle::Handshaking(_) | Lifecycle::Established(_) => None,
        };
        *self = Lifecycle::Failed(Failed {
            error,
            close_notify,
        });
    }

    /// Records a close_notify sent (`sent`) or received. During the handshake this ends
    /// the connection: a handshake closed by either side cannot complete.
    pub fn close(&mut self, sent: bool) {
        match self {
            Lifecycle::Handshaking(h) if h.renegotiation.is_some() => {
                // Closing abandons a renegotiation; the connection itself was established,
                // on the agreement the renegotiation kept.
                if let Some(r) = h.renegotiation.take() {
                    *self = Lifecycle::Closing(Closing {
                        close_notify: CloseNotify::new(sent),
                        final_flight: None,
                        agreement: r.established,
                    });
                }
            }
            Lifecycle::Handshaking(_) => {
                let error = if sent {
                    Error::InvalidState("closed during the handshake")
                } else {
                    Error::AlertReceived(crate::error::AlertDescription::CLOSE_NOTIFY)
                };
                *self = Lifecycle::Failed(Failed {
                    error,
                    close_notify: Some(CloseNotify::new(sent)),
                });
            }
            Lifecycle::Established(e) => {
                // The established variant is replaced here: its agreement is copied over (48
                // bytes; the old copy is zeroized as it drops).
                *self = Lifecycle::Closing(Closing {
                    close_notify: CloseNotify::new(sent),
                    final_flight: e.final_flight.take(),
                    agreement: e.agreement.duplicate(),
                });
            }
            Lifecycle::Closing(c) => c.close_notify = c.close_notify.and(sent),
            Lifecycle::Failed(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_and_failure_are_states_not_flags() {
        let timer = RetransmitTimer::new(
            std::time::Duration::from_secs(1),
            std::time::Duration::from_secs(60),
        );
        let mut l = Lifecycle::handshaking(Step::client_start(), timer);
        l.close(false);
        assert!(l.is_failed() && l.close_received() && !l.is_handshaking());
        assert_eq!(l.step(), None);

        let mut l = Lifecycle::Established(Established::new(Agreement::for_tests()));
        assert!(l.agreement().is_some());
        l.close(true);
        assert!(l.completed() && l.close_sent() && !l.close_received());
        assert!(
            l.agreement().is_some(),
            "a closing connection still exports"
        );
        l.close(false);
        assert!(l.close_sent() && l.close_received());
        l.fail(Error::HandshakeTimeout);
        assert!(l.is_failed() && !l.completed() && l.close_sent() && l.close_received());
        assert!(
            l.agreement().is_none(),
            "a failed connection keeps no master secret"
        );
        assert_eq!(l.error(), Some(&Error::HandshakeTimeout));
    }

    /// A closing connection has sent or received close_notify, or both: "closing, neither
    /// side closed" has no value. Repeating a side changes nothing.
    #[test]
    fn close_notify_names_at_least_one_side() {
        for sent in [true, false] {
            let c = CloseNotify::new(sent);
            assert_eq!((c.sent(), c.received()), (sent, !sent));
            assert_eq!(c.and(sent), c);
            assert_eq!(c.and(!sent), CloseNotify::Both);
            assert_eq!(CloseNotify::Both.and(sent), CloseNotify::Both);
        }
    }

    /// The final flight and its completion time come and go together.
    #[test]
    fn the_final_flight_carries_its_completion_time() {
        let at = Instant::now();
        let mut l = Lifecycle::Established(Established {
            final_flight: Some(FinalFlight {
                flight: Flight::default(),
                last_answer: None,
                completed_at: at,
            }),
            agreement: Agreement::for_tests(),
        });
        assert_eq!(l.final_flight_completed_at(), Some(at));
        l.close(true);
        assert_eq!(
            l.final_flight_completed_at(),
            Some(at),
            "kept while closing"
        );
        l.drop_final_flight();
        assert!(l.final_flight_completed_at().is_none() && l.last_flight().is_none());
    }
}
