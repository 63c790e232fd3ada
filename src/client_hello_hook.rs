//! The server's ClientHello hook: the one point where an application sees what a client
//! asked for and may change how the server answers, before the server's first flight is
//! built.
//!
//! RFC 6066 §3: "servers MAY use the information contained in the extension to guide
//! their selection of an appropriate certificate chain to present to the client". A
//! virtual-hosting server therefore needs the client's `server_name` (and, to choose between
//! an RSA and an ECDSA certificate, its `signature_algorithms`) before it commits to a
//! certificate. The engine calls [`ClientHelloHook::client_hello`] synchronously while it
//! handles a ClientHello that passed the cookie check, after the session lookup and before
//! the ServerHello is built; the hook may swap the whole [`Config`] (certificate and key,
//! suites, verify mode, session ID context) for the rest of the handshake, ask for the
//! `server_name` acknowledgement, send a warning alert first, or refuse the handshake.
//! Before that, [`ClientHelloHook::early`] sees the raw ClientHello before the cookie check
//! and may swap the configuration, pause or refuse. OpenSSL's client-hello callback sits on
//! the early stage, its servername and certificate callbacks on the second: one mechanism,
//! in OpenSSL's order.

use std::sync::Arc;

use crate::config::Config;
use crate::enums::SignatureScheme;
use crate::error::AlertDescription;

/// What the server learned from a ClientHello, as shown to a [`ClientHelloHook`].
#[derive(Debug, Clone, Copy)]
pub struct ClientHelloInfo<'a> {
    /// The `host_name` of the client's `server_name` extension (RFC 6066 §3), if any.
    pub server_name: Option<&'a str>,
    /// The client's `signature_algorithms` (RFC 5246 §7.4.1.4.1), or the schemes assumed
    /// when it sent none.
    pub signature_schemes: &'a [SignatureScheme],
    /// The cipher suites the client offered, in its order of preference.
    pub cipher_suites: &'a [u16],
    /// The client offered a session this server will resume (abbreviated handshake): no
    /// certificate will be sent, so a certificate choice does not matter.
    pub resuming: bool,
}

/// How the server goes on after the hook (see [`ClientHelloHook`]).
#[derive(Clone, Default)]
pub struct HelloDecision {
    /// Use this configuration for the rest of the handshake instead of the connection's
    /// (a resumed session stays resumed). The session cache and cookie keys of the new
    /// configuration are ignored: the session belongs to the cache it was looked up in.
    pub config: Option<Arc<Config>>,
    /// Acknowledge the client's `server_name` with an empty extension in the ServerHello
    /// (RFC 6066 §3 "SHALL include" when the server used the name). Never sent on a resumed
    /// session ("MUST NOT include a server_name extension") or when the client sent no name.
    pub acknowledge_server_name: bool,
    /// Send this alert at warning level before the ServerHello (OpenSSL's
    /// `SSL_TLSEXT_ERR_ALERT_WARNING`, typically `unrecognized_name`, RFC 6066 §3).
    pub warning: Option<AlertDescription>,
    /// Not ready yet (e.g. a certificate is being fetched; OpenSSL's certificate callback
    /// returning -1): the server keeps the ClientHello and sends nothing;
    /// [`crate::Connection::client_hello_pending`] is true until the application calls
    /// [`crate::Connection::resume_client_hello`], which runs the hook again. The other
    /// fields are ignored.
    pub pause: bool,
}

/// The hook refused the ClientHello: the handshake fails with this fatal alert.
#[derive(Debug, Clone)]
pub struct HelloRejection {
    /// The alert sent to the client (RFC 6066 §3 suggests `unrecognized_name`).
    pub alert: AlertDescription,
    /// Why, for the error the connection reports.
    pub reason: String,
}

/// A ClientHello as it arrived (whole, after reassembly), shown to
/// [`ClientHelloHook::early`].
#[derive(Debug, Clone, Copy)]
pub struct EarlyHello<'a> {
    /// The ClientHello body (RFC 6347 §4.2.1), already known to parse.
    pub body: &'a [u8],
    /// The server asks for a cookie (its configuration's cookie exchange).
    pub cookie_exchange: bool,
}

/// How the server goes on after [`ClientHelloHook::early`].
#[derive(Clone, Default)]
pub struct EarlyDecision {
    /// Use this configuration for the rest of the handshake; as with
    /// [`HelloDecision::config`], its session cache, session ID context and cookie keys
    /// (and cookie policy) are ignored.
    pub config: Option<Arc<Config>>,
    /// Not ready yet: the server keeps the ClientHello and sends nothing;
    /// [`crate::Connection::resume_client_hello`] shows it to [`ClientHelloHook::early`]
    /// again.
    pub pause: bool,
}

/// Called by a server for each ClientHello it answers (see the module documentation).
///
/// Two stages, in OpenSSL's order: [`Self::early`] (OpenSSL's client-hello callback) right
/// after a ClientHello (initial or renegotiating) is parsed, before the cookie check, the
/// session lookup and any negotiation (not for a cookie-less ClientHello of a server that
/// asks for cookies, which only gets a HelloVerifyRequest); then [`Self::client_hello`]
/// (servername and certificate callbacks) after the session lookup.
pub trait ClientHelloHook: Send {
    /// The first stage; by default it changes nothing. An `Err` ends the handshake with
    /// its alert.
    fn early(&mut self, hello: &EarlyHello<'_>) -> Result<EarlyDecision, HelloRejection> {
        let _ = hello;
        Ok(EarlyDecision::default())
    }

    /// Decides how the server answers `hello`. An `Err` ends the handshake with its alert.
    fn client_hello(
        &mut self,
        hello: &ClientHelloInfo<'_>,
    ) -> Result<HelloDecision, HelloRejection>;
}

impl<F> ClientHelloHook for F
where
    F: FnMut(&ClientHelloInfo<'_>) -> Result<HelloDecision, HelloRejection> + Send,
{
    fn client_hello(
        &mut self,
        hello: &ClientHelloInfo<'_>,
    ) -> Result<HelloDecision, HelloRejection> {
        self(hello)
    }
}
