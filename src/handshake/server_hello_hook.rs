//! Applying the application's ClientHello hook (`crate::client_hello_hook`) on a server.

use std::time::Instant;

use super::lifecycle::ParkedHello;
use super::machine::Machine;
use super::messages::ClientHello;
use super::step::Next;
use crate::client_hello_hook::{ClientHelloInfo, EarlyHello};
use crate::error::{AlertLevel, Error};

impl Machine {
    /// Runs the hook's early stage, if any, on a ClientHello `body` (message `seq`, in
    /// record `record_seq`): a new configuration, a pause (the ClientHello is parked), or
    /// a fatal rejection. Ok(false) when it paused.
    pub(crate) fn run_early_hello_hook(
        &mut self,
        seq: u16,
        body: &[u8],
        record_seq: u64,
    ) -> Result<bool, Error> {
        let cookie_exchange = self.session_config().cookie_exchange;
        let Some(hook) = self.client_hello_hook.as_mut() else {
            return Ok(true);
        };
        let hello = EarlyHello {
            body,
            cookie_exchange,
        };
        let decision = hook
            .early(&hello)
            .map_err(|r| Error::alert(r.alert, r.reason))?;
        if decision.pause {
            self.hsk()?.parked = Some(ParkedHello::Early {
                seq,
                body: body.to_vec(),
                record_seq,
            });
            return Ok(false);
        }
        if let Some(config) = decision.config {
            // As after the second stage: the session cache, session ID context and cookie
            // keys stay the connection's first configuration's.
            let old = std::mem::replace(&mut self.config, config);
            self.session_home.get_or_insert(old);
        }
        Ok(true)
    }

    /// Runs the hook, if any, for `ch` and applies its decision: a warning alert, a new
    /// configuration, the server_name acknowledgement, or a fatal rejection. Ok(false) when
    /// the hook paused (nothing of its decision is applied).
    pub(crate) fn run_client_hello_hook(
        &mut self,
        ch: &ClientHello,
        resuming: bool,
    ) -> Result<bool, Error> {
        if let Some(h) = self.life.handshake_mut() {
            h.ack_server_name = false;
        }
        let Some(hook) = self.client_hello_hook.as_mut() else {
            return Ok(true);
        };
        let schemes = super::server_choice::client_sig_schemes(ch);
        let info = ClientHelloInfo {
            server_name: ch.extensions.server_name.as_deref(),
            signature_schemes: &schemes,
            cipher_suites: &ch.cipher_suites,
            resuming,
        };
        let decision = hook
            .client_hello(&info)
            .map_err(|r| Error::alert(r.alert, r.reason))?;
        if decision.pause {
            return Ok(false);
        }
        if let Some(alert) = decision.warning {
            self.send_alert(AlertLevel::Warning, alert);
        }
        if let Some(config) = decision.config {
            // The session stays with the cache (and ID context) it was looked up in.
            let old = std::mem::replace(&mut self.config, config);
            self.session_home.get_or_insert(old);
        }
        let ack =
            decision.acknowledge_server_name && !resuming && ch.extensions.server_name.is_some();
        if let Some(h) = self.life.handshake_mut() {
            h.ack_server_name = ack;
        }
        Ok(true)
    }

    /// True while a ClientHello waits for a paused hook.
    pub fn client_hello_pending(&self) -> bool {
        self.life.handshake().is_some_and(|h| h.parked.is_some())
    }

    /// Answers a parked ClientHello: the session lookup and the hook run again. Does nothing
    /// when none is parked. `Err` is fatal, as from `handle_datagram`.
    pub fn resume_client_hello(&mut self, now: Instant) -> Result<(), Error> {
        if let Some(e) = self.error().cloned() {
            return Err(e);
        }
        self.now = now;
        let Some(parked) = self.life.handshake_mut().and_then(|h| h.parked.take()) else {
            return Ok(());
        };
        // The step awaits the ClientHello; it moves on unless the hook pauses again. An
        // error fails the connection (`Machine::advance`).
        self.advance(|m, step| {
            let next = match parked {
                // From the start, as OpenSSL calls its client-hello callback again.
                ParkedHello::Early {
                    seq,
                    body,
                    record_seq,
                } => m.server_client_hello(now, seq, &body, record_seq)?,
                ParkedHello::Decoded { hello, ems } => m.answer_client_hello(now, *hello, ems)?,
            };
            Ok(Next::Step(next.unwrap_or(step)))
        })
    }
}
