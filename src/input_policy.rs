//! The one input policy: what a received record may do before it reaches the handshake or
//! the connection's lifecycle.
//!
//! DTLS runs over an unauthenticated transport. Until a record arrives in an epoch whose keys
//! were agreed (RFC 6347 §4.1), anyone who can send a datagram to the port could have written
//! it. The rule, written once here and applied by `handshake::machine` and `record::layer`:
//!
//! * **Unauthenticated input may be dropped, or may advance the handshake as the RFC allows,
//!   and nothing else.** It never closes the connection, fails it, stops its timer, moves a
//!   replay window beyond [`MAX_UNPROTECTED_SEQ_JUMP`], or moves the expected `message_seq`
//!   beyond the reassembly window ([`crate::handshake::reassembly::MAX_FUTURE_MESSAGES`]).
//!   RFC 6347 §4.1.2.7: invalid records SHOULD be silently discarded; an attacker who could
//!   end an association with one forged packet makes DTLS worthless over UDP.
//! * **A plaintext alert during the handshake is remembered, not obeyed** (RFC 5246 §7.2 says
//!   a fatal alert ends the connection; RFC 6347 §4.1.2.7 says a forged one must not). The
//!   same holds for a plaintext message that the handshake would reject (wrong type for the
//!   state, or undecodable). While a verdict is pending we **probe**: the retransmission
//!   timer runs every [`VERDICT_PROBE_INTERVAL`] (200 ms) instead of its period, each expiry
//!   resending our last flight, to which a live peer answers (RFC 6347 §4.2.4: a peer that
//!   receives a retransmitted flight retransmits its own). The verdict ends the handshake,
//!   with that alert named in the error, only while the genuine handshake makes no progress
//!   (no handshake message processed, no ChangeCipherSpec accepted), in one of two ways:
//!   - **confirmed**: after at least one probe the peer sends another alert or rejected
//!     message. RFC 6347 §4.2.7: a peer that would issue an alert SHOULD generate a new one
//!     when the offending record is received again (our retransmitted flight), and SHOULD
//!     terminate on persistent bad messages. An off-path forger does not see our probes.
//!   - **silent peer**: [`VERDICT_EXPIRIES`] (5) expiries pass, four of them probes, with no
//!     progress: 1 s after the verdict, the RFC's initial timer period (RFC 6347
//!     §4.2.4.1). OpenSSL 3.0, which sends its alert once and then ignores our
//!     retransmissions, is rejected this way. A genuine peer whose flight raced a forged
//!     alert answers the probes, so under 10% loss a forged alert is obeyed only if the link
//!     loses the genuine flight and the round trip of every probe (~0.1 x 0.19^4, about
//!     10^-4 per injection).
//!
//!   A peer's retransmission of an earlier flight is not progress: a genuine peer whose
//!   flight we reject retransmits it too. (Loss alone can never be told from a silent
//!   rejecting peer; the count only makes the forged case improbable, RFC 6347 §4.1.2.7.)
//! * **A forged fragment cannot lock out the genuine message.** A partial plaintext message
//!   at the expected `message_seq` of a type the step cannot take is not buffered; when two
//!   plaintext versions of one message conflict, a whole message (else the one with more
//!   bytes) wins, and contested partials are dropped at the next timer expiry.
//! * **A malformed ClientHello with nothing to protect gets the RFC's fatal alert.** A
//!   ClientHello that does not decode (for instance a `use_srtp` profile list of odd length
//!   or an MKI running past the extension, RFC 5764 §4.1.1, or an empty ALPN list or name,
//!   RFC 7301 §3.1) is answered with a fatal decode_error alert (RFC 5246 §7.2.2 names
//!   decode_error for a message that cannot be decoded; OpenSSL 3.0 sends it for each of
//!   these) and the connection fails -- but only when no genuine handshake can be harmed:
//!   without a cookie exchange, when the server still awaits its first ClientHello (no
//!   state yet; an off-path sender could as well start a handshake of its own there); with
//!   one, when the ClientHello carries a valid cookie, which only a sender that received
//!   our HelloVerifyRequest holds (RFC 6347 §4.2.1). One that is intact up to an empty
//!   cookie is answered, statelessly, with a HelloVerifyRequest, as OpenSSL does before it
//!   reads the extensions (as any cookie-less ClientHello is). Any other malformed
//!   ClientHello -- a wrong cookie or broken framing where a cookie exchange is on (it may
//!   be a forgery racing the genuine client, about which our HelloVerifyRequest kept no
//!   state), or one arriving after a genuine one moved the handshake on (it is not the
//!   expected message) -- is dropped and remembered like any other (see
//!   [`malformed_client_hello_action`]).
//! * **Only authenticated records change a connection's lifecycle**: alerts in a protected
//!   epoch are obeyed at once; the replay window of a protected epoch moves only after the
//!   record's AEAD tag verified (RFC 6347 §4.1.2.6).
//!
//! Replay windows of unprotected epochs (RFC 6347 §4.1.2.6) are advisory: they drop exact
//! duplicates, are marked only by records the handshake accepted, and never drop a record
//! for being "too old" (reassembly de-duplicates epoch-0 handshake messages by `message_seq`,
//! RFC 6347 §4.2.2). A spoofed record with a huge sequence number, or a run of empty records,
//! therefore cannot make genuine records look stale.

use std::time::Duration;

use crate::enums::{ContentType, HandshakeType};
use crate::error::{AlertDescription, AlertLevel, Error};
use crate::handshake::machine::State;
use crate::record::header::MAX_SEQUENCE;

/// Timer expiries (every [`VERDICT_PROBE_INTERVAL`]) an unconfirmed verdict must survive,
/// with no handshake progress, before it is obeyed (a confirmed one is obeyed at once, see
/// `PendingVerdict::confirmed`). Each expiry but the last retransmits our flight, so a
/// live genuine peer gets four chances to answer. Measured on `tests/offpath.rs` under 10%
/// loss (2,500 attacked handshakes, one retransmission per 1 s period): with two expiries a
/// forged alert was obeyed in about 2.5% of them; three 0.3%, four 0.08%, five none. With
/// 200 ms probes and five expiries: none of 7,600 (OFFPATH_ROUNDS=30).
pub const VERDICT_EXPIRIES: u32 = 5;

/// The timer period while a verdict is pending: our flight is retransmitted this often
/// (a probe a live peer answers), so the VERDICT_EXPIRIES - 1 probes and the final expiry
/// fit in one initial timer period (1 s, RFC 6347 §4.2.4.1) after the verdict. Faster than
/// RFC 6347 §4.2.4.1's 1 s minimum, but at most four small datagrams per verdict, only
/// during a handshake, and not counted as timeouts (no back-off, give-up or MTU fallback).
/// The peer side answers retransmitted flights at most every eighth of its initial timeout
/// (125 ms), so each probe gets its answer.
pub const VERDICT_PROBE_INTERVAL: Duration = Duration::from_millis(200);

/// Largest step an accepted record of an unprotected epoch may move that epoch's replay
/// window forward. A genuine peer's epoch-0 sequence numbers advance by the records of its
/// handshake flights and their retransmissions: a handful of records per flight, a dozen
/// retransmissions at most. 4096 leaves ample room for fragmented flights.
pub const MAX_UNPROTECTED_SEQ_JUMP: u64 = 4096;

/// Epoch-0 write sequence numbers a server keeps in reserve when it continues from a
/// ClientHello's record sequence number (RFC 6347 §4.2.1). A peer that picks a number
/// closer to 2^48 than this gets our own counter instead, so it cannot exhaust the space.
pub const EPOCH0_WRITE_SEQ_HEADROOM: u64 = 1 << 16;

/// How long the side that sent the handshake's final flight keeps the previous read epoch
/// after completion, unless an authenticated record of the new epoch shows earlier that the
/// peer finished: the peer's retransmissions of its last flight need it (RFC 6347 §4.2.4).
/// RFC 6347 §4.1 lets old-epoch keys live up to the TCP MSL (two minutes).
pub const PREVIOUS_EPOCH_LINGER: Duration = Duration::from_secs(120);

/// Bytes of application data (counted as the memory held, not the payload) buffered for an
/// application that does not call `recv`. Past it new records are dropped, as a datagram
/// socket drops when its receive buffer is full.
pub const MAX_BUFFERED_APP_BYTES: usize = 256 * 1024;

/// Whether a record came from an epoch with agreed keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Provenance {
    /// AEAD-verified under keys negotiated by this handshake.
    Authenticated,
    /// Plaintext epoch (epoch 0, or the retired-soon previous epoch when it was epoch 0).
    Unauthenticated,
}

/// What to do with a received alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AlertAction {
    /// Act on it now (close_notify or fatal alert ends the connection, RFC 5246 §7.2).
    Obey,
    /// Keep it as the pending verdict; obey only if the handshake stalls until its next timer.
    Remember,
    /// Drop it (counted): an unauthenticated alert after the handshake, or a warning.
    Drop,
}

/// The alert rule: authenticated alerts are obeyed; unauthenticated ones during the
/// handshake are remembered; unauthenticated ones afterwards are dropped.
pub(crate) fn alert_action(
    provenance: Provenance,
    handshaking: bool,
    level: AlertLevel,
    description: AlertDescription,
) -> AlertAction {
    match provenance {
        Provenance::Authenticated => AlertAction::Obey,
        Provenance::Unauthenticated if !handshaking => AlertAction::Drop,
        Provenance::Unauthenticated => {
            if level == AlertLevel::Fatal || description == AlertDescription::CLOSE_NOTIFY {
                AlertAction::Remember
            } else {
                // A warning changes nothing; it is reported when obeyed-style events would be.
                AlertAction::Drop
            }
        }
    }
}

/// A handshake fragment of an unauthenticated epoch that carries a message we have not yet
/// consumed, arriving after the peer's ChangeCipherSpec moved us to a protected epoch: only
/// retransmissions of old messages may still come in the old epoch, so it is dropped
/// (RFC 6347 §4.1.2.7), never fatal.
pub(crate) fn old_epoch_fragment_is_new(
    fragment_epoch: u16,
    read_epoch: u16,
    message_seq: u16,
    next_seq: u16,
) -> bool {
    fragment_epoch != read_epoch && message_seq >= next_seq
}

/// Whether an unauthenticated first-flight fragment may move the expected `message_seq`
/// from `next` to `seq` (RFC 6347 §4.2.2: after a HelloVerifyRequest exchange the first
/// message carries a non-zero `message_seq`). Only within the reassembly window.
pub(crate) fn first_flight_may_move(next: u16, seq: u16) -> bool {
    seq > next
        && u32::from(seq)
            < u32::from(next) + u32::from(crate::handshake::reassembly::MAX_FUTURE_MESSAGES)
}

/// Whether `seq` lies in the reassembly window starting at `floor`.
pub(crate) fn first_flight_in_window(floor: u16, seq: u16) -> bool {
    seq >= floor
        && u32::from(seq)
            < u32::from(floor) + u32::from(crate::handshake::reassembly::MAX_FUTURE_MESSAGES)
}

/// Whether a window hit in an unprotected epoch drops a record of this content type. Not
/// for handshake records: a forged fragment that reassembly accepted may have marked the
/// sequence number the genuine peer uses next, and reassembly de-duplicates handshake
/// messages by `message_seq` anyway (RFC 6347 §4.2.2).
pub(crate) fn unprotected_duplicate_drops(content_type: ContentType) -> bool {
    content_type != ContentType::HANDSHAKE
}

/// Whether an unauthenticated handshake fragment may be buffered. A partial message at the
/// expected `message_seq` (`at_next`) of a type the current step cannot take is dropped:
/// buffering it could only block the genuine message. Whole messages always pass (they are
/// screened, and remembered as a verdict, when processed); so do fragments of later
/// messages, whose type cannot be judged yet.
/// `expected`: the current step takes a message of this type (`message_expected`, widened
/// for PSK suites by the machine).
pub(crate) fn partial_fragment_admissible(expected: bool, whole: bool, at_next: bool) -> bool {
    whole || !at_next || expected
}

/// Whether an unauthenticated fragment that conflicts with a buffered plaintext version of
/// the same message replaces it: a whole message wins, else the one with more bytes, so a
/// forged partial cannot lock the genuine message out (RFC 6347 §4.1.2.7: invalid input is
/// discarded, never allowed to block).
pub(crate) fn plaintext_conflict_replaces(whole: bool, buffered: usize, incoming: usize) -> bool {
    whole || buffered < incoming
}

/// Whether an accepted record of an unprotected epoch may mark `seq` in a window whose
/// newest entry is `top` (`None`: empty window).
pub(crate) fn unprotected_mark_allowed(top: Option<u64>, seq: u64) -> bool {
    match top {
        None => true,
        Some(top) => seq <= top || seq - top <= MAX_UNPROTECTED_SEQ_JUMP,
    }
}

/// The epoch-0 write sequence number a server continues from after a verified cookie
/// (RFC 6347 §4.2.1: the ClientHello's record sequence number), unless the peer chose one
/// that leaves no room for the rest of the handshake.
pub(crate) fn server_write_seq_after_cookie(client_hello_record_seq: u64) -> Option<u64> {
    (client_hello_record_seq <= MAX_SEQUENCE - EPOCH0_WRITE_SEQ_HEADROOM)
        .then_some(client_hello_record_seq)
}

/// A verdict reached on unauthenticated input, kept until it is confirmed or the peer
/// stayed silent across [`VERDICT_EXPIRIES`] timer expiries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingVerdict {
    /// The error the handshake ends with if it makes no progress first.
    pub error: Error,
    /// Set for an alert, so its event can be reported when it is obeyed.
    pub alert: Option<(AlertLevel, AlertDescription)>,
    /// Timer expiries survived so far without progress.
    pub expiries: u32,
    /// It repeats a pending verdict after our retransmission (see [`Self::confirmed`]).
    confirms: bool,
}

impl PendingVerdict {
    /// A fresh verdict; it inherits the expiries of the one it replaces (`previous`), and
    /// confirms it when at least one timer expiry (so one retransmission of ours) came
    /// between them with no progress.
    pub fn new(
        error: Error,
        alert: Option<(AlertLevel, AlertDescription)>,
        previous: Option<&PendingVerdict>,
    ) -> Self {
        Self {
            error,
            alert,
            expiries: previous.map_or(0, |p| p.expiries),
            confirms: previous.is_some_and(|p| p.expiries >= 1),
        }
    }

    /// Whether to obey this verdict at once: the peer answered our retransmission with
    /// another rejection instead of progress. RFC 6347 §4.2.7: a peer that would issue an
    /// alert SHOULD generate a new one when the offending record is received again (as a
    /// retransmitted flight), and an implementation SHOULD terminate when the peer
    /// persistently sends bad messages. A forged verdict is not repeated: an off-path
    /// sender does not see our retransmission.
    pub fn confirmed(&self) -> bool {
        self.confirms
    }

    /// Counts one timer expiry; true when the verdict is now to be obeyed.
    pub fn expire(&mut self) -> bool {
        self.expiries += 1;
        self.expiries >= VERDICT_EXPIRIES
    }
}

/// Whether the handshake in `state` can take a message of type `t` next (RFC 5246 §7.3,
/// RFC 6347 §4.2). An unauthenticated message that fails this, or that does not decode, is
/// dropped and kept as the pending verdict instead of failing the handshake.
pub(crate) fn message_expected(state: State, t: HandshakeType) -> bool {
    use HandshakeType as H;
    match state {
        State::ClientAwaitServerHello => t == H::SERVER_HELLO || t == H::HELLO_VERIFY_REQUEST,
        State::ClientAwaitCertificate => t == H::CERTIFICATE,
        State::ClientAwaitServerKeyExchange => t == H::SERVER_KEY_EXCHANGE,
        State::ClientAwaitCertificateRequestOrDone => {
            t == H::CERTIFICATE_REQUEST || t == H::SERVER_HELLO_DONE
        }
        State::ClientAwaitServerHelloDone => t == H::SERVER_HELLO_DONE,
        State::ServerAwaitClientHello => t == H::CLIENT_HELLO,
        State::ServerAwaitClientCertificate => t == H::CERTIFICATE || t == H::CLIENT_KEY_EXCHANGE,
        State::ServerAwaitClientKeyExchange => t == H::CLIENT_KEY_EXCHANGE,
        State::ServerAwaitCertificateVerify => t == H::CERTIFICATE_VERIFY,
        State::AwaitFinished => t == H::FINISHED,
        State::AwaitChangeCipherSpec => false,
    }
}

/// Whether `body` decodes as a message of type `t` (the codecs' own checks).
pub(crate) fn message_decodes(t: HandshakeType, body: &[u8]) -> Result<(), Error> {
    use crate::handshake::messages as m;
    use HandshakeType as H;
    match t {
        H::CLIENT_HELLO => m::ClientHello::decode(body).map(drop),
        H::SERVER_HELLO => m::ServerHello::decode(body).map(drop),
        H::HELLO_VERIFY_REQUEST => m::HelloVerifyRequest::decode(body).map(drop),
        H::CERTIFICATE => m::Certificate::decode(body).map(drop),
        H::SERVER_KEY_EXCHANGE => m::ServerKeyExchange::decode(body).map(drop),
        H::CERTIFICATE_REQUEST => m::CertificateRequest::decode(body).map(drop),
        H::SERVER_HELLO_DONE => m::ServerHelloDone::decode(body).map(drop),
        H::CLIENT_KEY_EXCHANGE => m::ClientKeyExchange::decode(body).map(drop),
        H::CERTIFICATE_VERIFY => m::CertificateVerify::decode(body).map(drop),
        H::FINISHED => m::Finished::decode(body).map(drop),
        _ => Ok(()),
    }
    .map_err(Error::from)
}

/// The check an unauthenticated handshake message passes before its handler runs.
pub(crate) fn screen_unauthenticated_message(
    state: State,
    t: HandshakeType,
    body: &[u8],
) -> Result<(), Error> {
    if !message_expected(state, t) {
        return Err(Error::alert(
            AlertDescription::UNEXPECTED_MESSAGE,
            format!("unexpected {} in state {state:?}", t.name()),
        ));
    }
    message_decodes(t, body)
}

/// What a server awaiting a ClientHello does with one that does not decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MalformedClientHello {
    /// Fail the connection with the decode error's fatal alert (RFC 5246 §7.2.2).
    Refuse,
    /// Answer with a HelloVerifyRequest (the cookie exchange comes first, RFC 6347 §4.2.1).
    VerifyFirst,
    /// Drop it and remember the verdict, as for any unauthenticated message we reject.
    Remember,
}

/// What a malformed ClientHello's cookie is, when a cookie exchange is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HelloCookie {
    /// The hello is intact up to an empty cookie field.
    Empty,
    /// A cookie we issued to this peer.
    Valid,
    /// A wrong cookie, or framing broken before the cookie ends.
    Other,
}

/// The rule for a malformed ClientHello received while the server awaits one (module
/// docs). `cookie` is `None` without a cookie exchange. A ClientHello in any later state
/// is not screened here: it is unexpected, so remembered.
pub(crate) fn malformed_client_hello_action(cookie: Option<HelloCookie>) -> MalformedClientHello {
    match cookie {
        None | Some(HelloCookie::Valid) => MalformedClientHello::Refuse,
        Some(HelloCookie::Empty) => MalformedClientHello::VerifyFirst,
        Some(HelloCookie::Other) => MalformedClientHello::Remember,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unauthenticated_alerts_are_remembered_during_handshake_and_dropped_after() {
        let u = Provenance::Unauthenticated;
        let fatal = AlertLevel::Fatal;
        let d = AlertDescription::HANDSHAKE_FAILURE;
        assert_eq!(alert_action(u, true, fatal, d), AlertAction::Remember);
        assert_eq!(
            alert_action(u, true, AlertLevel::Warning, AlertDescription::CLOSE_NOTIFY),
            AlertAction::Remember
        );
        assert_eq!(alert_action(u, false, fatal, d), AlertAction::Drop);
        assert_eq!(
            alert_action(Provenance::Authenticated, true, fatal, d),
            AlertAction::Obey
        );
    }

    #[test]
    fn malformed_client_hello_refused_only_with_nothing_to_protect() {
        use HelloCookie::{Empty, Other, Valid};
        use MalformedClientHello::{Refuse, Remember, VerifyFirst};
        assert_eq!(malformed_client_hello_action(None), Refuse);
        assert_eq!(malformed_client_hello_action(Some(Valid)), Refuse);
        assert_eq!(malformed_client_hello_action(Some(Empty)), VerifyFirst);
        assert_eq!(malformed_client_hello_action(Some(Other)), Remember);
    }

    #[test]
    fn bounds() {
        assert!(first_flight_may_move(0, 1));
        assert!(!first_flight_may_move(0, 8));
        assert!(!first_flight_may_move(3, 3));
        assert!(unprotected_mark_allowed(None, MAX_SEQUENCE));
        assert!(unprotected_mark_allowed(
            Some(5),
            5 + MAX_UNPROTECTED_SEQ_JUMP
        ));
        assert!(!unprotected_mark_allowed(
            Some(5),
            6 + MAX_UNPROTECTED_SEQ_JUMP
        ));
        assert!(!unprotected_duplicate_drops(ContentType::HANDSHAKE));
        assert!(unprotected_duplicate_drops(ContentType::CHANGE_CIPHER_SPEC));
        assert!(!partial_fragment_admissible(
            message_expected(State::ServerAwaitClientHello, HandshakeType::HELLO_REQUEST),
            false,
            true
        ));
        assert!(partial_fragment_admissible(
            message_expected(State::ServerAwaitClientHello, HandshakeType::CLIENT_HELLO),
            false,
            true
        ));
        assert!(partial_fragment_admissible(
            message_expected(State::ServerAwaitClientHello, HandshakeType::HELLO_REQUEST),
            true,
            true
        ));
        assert!(partial_fragment_admissible(
            message_expected(State::ServerAwaitClientHello, HandshakeType::FINISHED),
            false,
            false
        ));
        assert!(plaintext_conflict_replaces(true, 500, 90));
        assert!(!plaintext_conflict_replaces(false, 500, 90));
        assert_eq!(server_write_seq_after_cookie(7), Some(7));
        let first = PendingVerdict::new(Error::HandshakeTimeout, None, None);
        let mut v = PendingVerdict::new(Error::HandshakeTimeout, None, Some(&first));
        assert!(
            !v.confirmed(),
            "a repeat before any retransmission confirms nothing"
        );
        assert!(!v.expire());
        let w = PendingVerdict::new(Error::HandshakeTimeout, None, Some(&v));
        assert!(w.confirmed(), "a repeat after a retransmission confirms");
        assert_eq!(w.expiries, 1, "a replacement keeps the count");
        let mut silent = PendingVerdict::new(Error::HandshakeTimeout, None, None);
        for _ in 1..VERDICT_EXPIRIES {
            assert!(!silent.expire());
        }
        assert!(silent.expire(), "obeyed once the peer stayed silent");
        assert_eq!(server_write_seq_after_cookie(MAX_SEQUENCE), None);
    }
}
