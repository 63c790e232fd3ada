//! The application's ClientHello hook ([`crate::client_hello_hook`]) on the DTLS 1.3
//! server, in OpenSSL's order as on the 1.2 server: the early stage (OpenSSL's
//! client-hello callback) on the ClientHello we answer, after the HelloRetryRequest
//! cookie check; the second stage (servername and certificate callbacks) after the PSK
//! lookup, before the ServerHello. Either may swap the configuration, pause (the
//! ClientHello is parked until [`Server13::resume_client_hello`]) or refuse.

use std::sync::Arc;
use std::time::Instant;

use super::extensions::ext_type;
use super::hello::{find_extension, msg_type as hs, ClientHello};
use super::server::Server13;
use crate::client_hello_hook::{ClientHelloInfo, EarlyHello};
use crate::config::Config;
use crate::enums::SignatureScheme;
use crate::error::Error;

impl Server13 {
    /// The early stage; Ok(false) when the hook paused (the ClientHello is parked).
    pub(crate) fn run_early_hook(&mut self, seq: u16, body: &[u8]) -> Result<bool, Error> {
        let cookie_exchange = self.opts.cookie;
        let Some(hook) = self.client_hello_hook.as_mut() else {
            return Ok(true);
        };
        let d = hook
            .early(&EarlyHello {
                body,
                cookie_exchange,
            })
            .map_err(|r| Error::alert(r.alert, r.reason))?;
        if d.pause {
            self.parked_hello = Some((seq, body.to_vec(), self.plain_in_seq));
            return Ok(false);
        }
        if let Some(c) = d.config {
            self.swap_config(c);
        }
        Ok(true)
    }

    /// The second stage; Ok(false) when the hook paused. `schemes`: the client's TLS 1.3
    /// signature schemes; `resuming`: a PSK was accepted (no certificate will be sent).
    pub(crate) fn run_second_hook(
        &mut self,
        seq: u16,
        body: &[u8],
        ch: &ClientHello,
        schemes: &[SignatureScheme],
        resuming: bool,
    ) -> Result<bool, Error> {
        self.hook_sni_ack = None;
        if self.client_hello_hook.is_none() {
            return Ok(true);
        }
        let sni = match find_extension(&ch.extensions, ext_type::SERVER_NAME) {
            Some(data) => super::server_ext::decode_sni(data)?,
            None => None,
        };
        let Some(hook) = self.client_hello_hook.as_mut() else {
            return Ok(true);
        };
        let info = ClientHelloInfo {
            server_name: sni.as_deref(),
            signature_schemes: schemes,
            cipher_suites: &ch.cipher_suites,
            resuming,
        };
        let d = hook
            .client_hello(&info)
            .map_err(|r| Error::alert(r.alert, r.reason))?;
        if d.pause {
            self.parked_hello = Some((seq, body.to_vec(), self.plain_in_seq));
            return Ok(false);
        }
        // `d.warning` is not sent: TLS 1.3 has no warning-level alerts but close_notify
        // and user_canceled (RFC 8446 §6), and OpenSSL suppresses a servername callback's
        // SSL_TLSEXT_ERR_ALERT_WARNING on TLS 1.3 likewise.
        if let Some(c) = d.config {
            self.swap_config(c);
        }
        self.hook_sni_ack = Some(d.acknowledge_server_name && !resuming && sni.is_some());
        Ok(true)
    }

    /// The hook's configuration for the rest of the handshake (certificate and key,
    /// verify mode, ALPN, SRTP). The cookie and ticket keys stay the connection's: the
    /// cookie was checked and tickets are sealed with `ServerOptions13::ticket_key`.
    fn swap_config(&mut self, c: Arc<Config>) {
        self.ch.cfg = c;
    }

    /// True while a ClientHello waits for a paused hook.
    pub fn client_hello_pending(&self) -> bool {
        self.parked_hello.is_some()
    }

    /// Answers a parked ClientHello: the hook runs again from its early stage, as OpenSSL
    /// calls its client-hello callback again. Does nothing when none is parked.
    pub fn resume_client_hello(&mut self, now: Instant) -> Result<(), Error> {
        self.ch.check_alive()?;
        let Some((seq, body, record_seq)) = self.parked_hello.take() else {
            return Ok(());
        };
        self.plain_in_seq = record_seq;
        let r = self.on_handshake_message(now, 0, seq, hs::CLIENT_HELLO, &body);
        self.ch.settle(r)
    }
}
