//! The engine fuzz targets' states: which side is fuzzed, at which point of the genuine
//! exchange (`engine.rs`'s `TRACE`), in DTLS 1.2 or DTLS 1.3.

/// The engine targets: which side is fuzzed, in which state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Fresh server (stateful cookie exchange in the engine).
    ServerAwaitClientHello,
    /// Client that sent its first ClientHello.
    ClientAwaitHvr,
    /// Server that answered with HelloVerifyRequest.
    ServerAwaitCookie,
    /// Client that sent the ClientHello with the cookie (awaits flight 4).
    ClientAwaitFlight4,
    /// Server that sent flight 4 (awaits Certificate..Finished).
    ServerAwaitFlight5,
    /// Client that sent flight 5 (awaits CCS + Finished).
    ClientAwaitFlight6,
    /// Client with the handshake done and data exchanged.
    ClientEstablished,
    /// Server with the handshake done and data exchanged.
    ServerEstablished,
    /// DTLS 1.3 (RFC 9147), both ends offering 1.3 and 1.2: a fresh server.
    ServerAwaitClientHello13,
    /// DTLS 1.3: a client that sent its first (dual-version) ClientHello.
    ClientAwaitHrr13,
    /// DTLS 1.3: a server that answered with a cookie HelloRetryRequest.
    ServerAwaitCookie13,
    /// DTLS 1.3: a client that sent ClientHello2 (awaits ServerHello..Finished).
    ClientAwaitServerFlight13,
    /// DTLS 1.3: a server that sent ServerHello..Finished (awaits the client's flight).
    ServerAwaitClientFlight13,
    /// DTLS 1.3: a client that sent Certificate..Finished (awaits the ACK, tickets).
    ClientAwaitAck13,
    /// DTLS 1.3: client with the handshake done and data exchanged.
    ClientEstablished13,
    /// DTLS 1.3: server with the handshake done and data exchanged.
    ServerEstablished13,
}

impl State {
    /// Every engine target, in handshake order: DTLS 1.2, then DTLS 1.3.
    pub const ALL: [State; 16] = [
        State::ServerAwaitClientHello,
        State::ClientAwaitHvr,
        State::ServerAwaitCookie,
        State::ClientAwaitFlight4,
        State::ServerAwaitFlight5,
        State::ClientAwaitFlight6,
        State::ClientEstablished,
        State::ServerEstablished,
        State::ServerAwaitClientHello13,
        State::ClientAwaitHrr13,
        State::ServerAwaitCookie13,
        State::ClientAwaitServerFlight13,
        State::ServerAwaitClientFlight13,
        State::ClientAwaitAck13,
        State::ClientEstablished13,
        State::ServerEstablished13,
    ];

    /// The target's name (fuzz/fuzz_targets/<name>.rs, fuzz/corpus/<name>/).
    pub fn name(self) -> &'static str {
        match self {
            State::ServerAwaitClientHello => "server_await_client_hello",
            State::ClientAwaitHvr => "client_await_hvr",
            State::ServerAwaitCookie => "server_await_cookie",
            State::ClientAwaitFlight4 => "client_await_flight4",
            State::ServerAwaitFlight5 => "server_await_flight5",
            State::ClientAwaitFlight6 => "client_await_flight6",
            State::ClientEstablished => "client_established",
            State::ServerEstablished => "server_established",
            State::ServerAwaitClientHello13 => "dtls13_server_await_client_hello",
            State::ClientAwaitHrr13 => "dtls13_client_await_hrr",
            State::ServerAwaitCookie13 => "dtls13_server_await_cookie",
            State::ClientAwaitServerFlight13 => "dtls13_client_await_server_flight",
            State::ServerAwaitClientFlight13 => "dtls13_server_await_client_flight",
            State::ClientAwaitAck13 => "dtls13_client_await_ack",
            State::ClientEstablished13 => "dtls13_client_established",
            State::ServerEstablished13 => "dtls13_server_established",
        }
    }

    /// A DTLS 1.3 target: both ends offer 1.3 and 1.2 (so the server's version choice and
    /// the client's fallback to 1.2 are in reach of the input).
    pub fn is_dtls13(self) -> bool {
        self.base() != self
    }

    /// The DTLS 1.2 state at the same point of [`TRACE`] (the 1.3 handshake with a cookie
    /// HelloRetryRequest has the same shape: three round trips, RFC 9147 §5.1).
    fn base(self) -> State {
        match self {
            State::ServerAwaitClientHello13 => State::ServerAwaitClientHello,
            State::ClientAwaitHrr13 => State::ClientAwaitHvr,
            State::ServerAwaitCookie13 => State::ServerAwaitCookie,
            State::ClientAwaitServerFlight13 => State::ClientAwaitFlight4,
            State::ServerAwaitClientFlight13 => State::ServerAwaitFlight5,
            State::ClientAwaitAck13 => State::ClientAwaitFlight6,
            State::ClientEstablished13 => State::ClientEstablished,
            State::ServerEstablished13 => State::ServerEstablished,
            s => s,
        }
    }

    pub(super) fn is_client(self) -> bool {
        matches!(
            self.base(),
            State::ClientAwaitHvr
                | State::ClientAwaitFlight4
                | State::ClientAwaitFlight6
                | State::ClientEstablished
        )
    }

    /// Steps of [`TRACE`] performed before the input is fed.
    pub(super) fn steps(self) -> usize {
        match self.base() {
            State::ServerAwaitClientHello => 0,
            State::ClientAwaitHvr => 1,
            State::ServerAwaitCookie => 2,
            State::ClientAwaitFlight4 => 3,
            State::ServerAwaitFlight5 => 4,
            State::ClientAwaitFlight6 => 5,
            State::ClientEstablished | State::ServerEstablished => 8,
            _ => unreachable!("base() is a DTLS 1.2 state"),
        }
    }

    pub(super) fn established(self) -> bool {
        self.steps() == 8
    }
}
