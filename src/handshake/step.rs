//! A running handshake's step, holding what only that step needs (as rustls'
//! `ExpectServerKx`, `ExpectClientKx`): the client keeps the server's ECDHE share only from
//! ServerKeyExchange to ServerHelloDone, the server keeps its ECDHE key pair only until the
//! ClientKeyExchange, and the master secret exists from the key exchange on, in the steps
//! that need it. Leaving the step drops the data; a step that has no use for a key cannot
//! hold one. [`State`] is the data-free tag used for matching and names.
//!
//! A message's handler takes its step by value and returns what follows ([`Next`]), see
//! `Machine::advance`: there is no placeholder step.

use super::agreement::Agreement;
use crate::crypto::ecdhe::EphemeralKeyPair;
use crate::enums::SignatureScheme;
use crate::record::protection::RecordProtection;

/// Where a running handshake is: one variant per message we wait for. What comes after
/// (established, closing, failed) is a [`Lifecycle`](super::lifecycle::Lifecycle) variant,
/// not a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    ClientAwaitServerHello,
    ClientAwaitCertificate,
    ClientAwaitServerKeyExchange,
    ClientAwaitCertificateRequestOrDone,
    ClientAwaitServerHelloDone,
    ServerAwaitClientHello,
    ServerAwaitClientCertificate,
    ServerAwaitClientKeyExchange,
    ServerAwaitCertificateVerify,
    AwaitChangeCipherSpec,
    AwaitFinished,
}

/// Record keys derived from the master secret, not yet in use (RFC 5246 §6.3). Boxed,
/// as the record layer keeps them: a step is moved a few times per message handled
/// (`Machine::advance`), and every move copies the whole enum, so unboxed keys (an AES-GCM
/// key schedule with its GHASH table each) would make every move of every step copy a
/// kilobyte or more.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) struct PendingKeys {
    /// Installed when the peer's ChangeCipherSpec arrives.
    pub read: Box<RecordProtection>,
    /// Installed when we send ours.
    pub write: Box<RecordProtection>,
}

/// The message a running handshake waits for, with that step's own data.
#[cfg_attr(feature = "fuzzing", derive(Clone))]
pub(crate) enum Step {
    /// Until ServerHello: the cookie of the last HelloVerifyRequest (RFC 6347 §4.2.1) and
    /// the last ClientHello sent (full DTLS form), with which the transcript starts.
    ClientAwaitServerHello {
        cookie: Vec<u8>,
        last_client_hello: Vec<u8>,
        first_flight_floor: Option<u16>,
    },
    ClientAwaitCertificate,
    ClientAwaitServerKeyExchange,
    /// After ServerKeyExchange (RFC 5246 §7.4.3): the server's ECDHE public key.
    ClientAwaitCertificateRequestOrDone {
        peer_public: Vec<u8>,
    },
    /// After CertificateRequest (RFC 5246 §7.4.4): also the schemes the server accepts.
    ClientAwaitServerHelloDone {
        peer_public: Vec<u8>,
        cert_requested: Vec<SignatureScheme>,
    },
    /// Waiting for the client's first flight (RFC 6347 §4.2.2: its first message_seq).
    ServerAwaitClientHello {
        first_flight_floor: Option<u16>,
    },
    /// Flight 4 sent with a CertificateRequest: our ECDHE key pair.
    ServerAwaitClientCertificate {
        ecdhe: EphemeralKeyPair,
    },
    /// Waiting for ClientKeyExchange (RFC 5246 §7.4.7): our ECDHE key pair.
    ServerAwaitClientKeyExchange {
        ecdhe: EphemeralKeyPair,
    },
    /// PSK suites (RFC 4279 §2, RFC 5489 §2): our ECDHE key pair for ECDHE_PSK, none for
    /// plain PSK.
    ServerAwaitPskClientKeyExchange {
        ecdhe: Option<EphemeralKeyPair>,
    },
    /// Keys are agreed (ClientKeyExchange processed); the client's CertificateVerify comes
    /// before its ChangeCipherSpec.
    ServerAwaitCertificateVerify {
        keys: PendingKeys,
        agreement: Agreement,
    },
    /// Waiting for the peer's ChangeCipherSpec (RFC 6347 §4.1): the read keys it switches
    /// to, and our write keys unless our own ChangeCipherSpec is already sent; the master
    /// secret both Finished messages are computed from (RFC 5246 §7.4.9).
    AwaitChangeCipherSpec {
        read: Box<RecordProtection>,
        write: Option<Box<RecordProtection>>,
        agreement: Agreement,
    },
    /// Waiting for the peer's Finished; our write keys if we still have to send ours.
    AwaitFinished {
        write: Option<Box<RecordProtection>>,
        agreement: Agreement,
    },
}

/// What handling a message makes of the handshake: its next step, or its end with the
/// agreement the established connection keeps.
// Returned once per handshake message and moved straight into the (boxed) Handshaking
// variant, never stored: boxing the step would only add an allocation per message.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Next {
    Step(Step),
    Complete(Agreement),
}

impl Step {
    /// The master secret, in the steps after the key exchange.
    #[cfg(test)]
    pub fn agreement(&self) -> Option<&Agreement> {
        match self {
            Step::ServerAwaitCertificateVerify { agreement, .. }
            | Step::AwaitChangeCipherSpec { agreement, .. }
            | Step::AwaitFinished { agreement, .. } => Some(agreement),
            _ => None,
        }
    }

    /// A client's first step.
    pub fn client_start() -> Self {
        Step::ClientAwaitServerHello {
            cookie: Vec::new(),
            last_client_hello: Vec::new(),
            first_flight_floor: None,
        }
    }

    /// A server's first step.
    pub fn server_start() -> Self {
        Step::ServerAwaitClientHello {
            first_flight_floor: None,
        }
    }

    /// While waiting for the peer's first flight: the expected message_seq before an
    /// unauthenticated first fragment moved it, so a later first-flight fragment can move
    /// it again (a forged fragment must not fix it; crate::input_policy). Only the two
    /// first-flight steps have one: it goes when the first flight is processed.
    pub fn first_flight_floor_mut(&mut self) -> Option<&mut Option<u16>> {
        match self {
            Step::ClientAwaitServerHello {
                first_flight_floor, ..
            }
            | Step::ServerAwaitClientHello { first_flight_floor } => Some(first_flight_floor),
            _ => None,
        }
    }

    /// The data-free tag of this step.
    pub fn kind(&self) -> State {
        match self {
            Step::ClientAwaitServerHello { .. } => State::ClientAwaitServerHello,
            Step::ClientAwaitCertificate => State::ClientAwaitCertificate,
            Step::ClientAwaitServerKeyExchange => State::ClientAwaitServerKeyExchange,
            Step::ClientAwaitCertificateRequestOrDone { .. } => {
                State::ClientAwaitCertificateRequestOrDone
            }
            Step::ClientAwaitServerHelloDone { .. } => State::ClientAwaitServerHelloDone,
            Step::ServerAwaitClientHello { .. } => State::ServerAwaitClientHello,
            Step::ServerAwaitClientCertificate { .. } => State::ServerAwaitClientCertificate,
            Step::ServerAwaitClientKeyExchange { .. }
            | Step::ServerAwaitPskClientKeyExchange { .. } => State::ServerAwaitClientKeyExchange,
            Step::ServerAwaitCertificateVerify { .. } => State::ServerAwaitCertificateVerify,
            Step::AwaitChangeCipherSpec { .. } => State::AwaitChangeCipherSpec,
            Step::AwaitFinished { .. } => State::AwaitFinished,
        }
    }
}
