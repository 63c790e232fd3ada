//! Alerts (RFC 5246 §7.2) and verdicts on unauthenticated input (crate::input_policy): a
//! protected alert is obeyed, a plaintext one during the handshake is remembered and obeyed
//! only if the handshake then stalls, and a fatal error sends its alert and ends the
//! connection.

use std::time::Instant;

use crate::enums::ContentType;
use crate::error::{AlertDescription, AlertLevel, Error};
use crate::input_policy::{self, AlertAction, PendingVerdict, Provenance};
use crate::record::header::RECORD_HEADER_LEN;

use super::Machine;
use crate::connection::Event;

impl Machine {
    /// Handles an alert under the input policy: obeyed when authenticated, remembered when
    /// plaintext during the handshake, dropped when plaintext afterwards.
    #[inline(never)]
    pub(super) fn handle_alert(
        &mut self,
        _epoch: u16,
        provenance: Provenance,
        payload: &[u8],
    ) -> Result<(), Error> {
        if payload.len() != 2 {
            self.stats.records_dropped += 1;
            return Ok(());
        }
        let level = if payload[0] == 2 {
            AlertLevel::Fatal
        } else {
            AlertLevel::Warning
        };
        let description = AlertDescription(payload[1]);
        match input_policy::alert_action(provenance, self.is_handshaking(), level, description) {
            AlertAction::Drop => {
                self.stats.records_dropped += 1;
                Ok(())
            }
            AlertAction::Remember => self.remember_verdict(
                Error::AlertReceived(description),
                Some((level, description)),
            ),
            AlertAction::Obey => self.obey_alert(level, description),
        }
    }

    /// Keeps a verdict on unauthenticated input until the timer, or obeys it at once when
    /// it confirms the pending one: the peer rejected our retransmission again
    /// (crate::input_policy).
    pub(crate) fn remember_verdict(
        &mut self,
        error: Error,
        alert: Option<(AlertLevel, AlertDescription)>,
    ) -> Result<(), Error> {
        let Some(h) = self.life.handshake_mut() else {
            return Ok(());
        };
        let fresh = h.pending_verdict.is_none();
        let v = PendingVerdict::new(error, alert, h.pending_verdict.as_ref());
        if !v.confirmed() {
            h.pending_verdict = Some(v);
            if fresh {
                // Probe the peer (crate::input_policy): the next expiry comes sooner.
                let at = self.now + input_policy::VERDICT_PROBE_INTERVAL;
                if let Some(timer) = self.life.timer_mut() {
                    timer.deadline = timer.deadline.map(|d| d.min(at));
                }
            }
            return Ok(());
        }
        h.pending_verdict = None;
        self.obey_verdict(v)
    }

    /// The handshake progressed: a pending verdict is void, and the timer goes back from
    /// probing to the flight's own period (unless the handler re-armed or stopped it).
    pub(super) fn void_verdict(&mut self, now: Instant) {
        let Some(h) = self.life.handshake_mut() else {
            return;
        };
        if h.pending_verdict.take().is_none() {
            return;
        }
        if let Some(timer) = self.life.timer_mut() {
            if let Some(d) = timer.deadline {
                timer.deadline = Some(d.max(now + timer.current));
            }
        }
    }

    /// Ends the handshake on a verdict reached on unauthenticated input.
    pub(super) fn obey_verdict(&mut self, v: PendingVerdict) -> Result<(), Error> {
        match v.alert {
            Some((level, description)) => self.obey_alert(level, description),
            None => Err(self.fail(v.error)),
        }
    }

    /// Acts on an alert: close_notify closes, a fatal alert fails (RFC 5246 §7.2).
    pub(crate) fn obey_alert(
        &mut self,
        level: AlertLevel,
        description: AlertDescription,
    ) -> Result<(), Error> {
        self.events
            .push_back(Event::AlertReceived { level, description });
        if description == AlertDescription::CLOSE_NOTIFY {
            self.events.push_back(Event::PeerClosed);
            // A handshake the peer closed cannot complete: it fails, naming the alert.
            self.life.close(false);
            return match self.life.error() {
                Some(e) => Err(e.clone()),
                None => Ok(()),
            };
        }
        if level == AlertLevel::Fatal {
            self.life.fail(Error::AlertReceived(description));
            return Err(Error::AlertReceived(description));
        }
        if description == AlertDescription::NO_RENEGOTIATION {
            self.renegotiation_refused();
        }
        Ok(())
    }

    /// Records a fatal error: sends the alert it carries (if any) and stops.
    pub(crate) fn fail(&mut self, e: Error) -> Error {
        if !self.life.is_failed() {
            if let Some(alert) = e.alert_to_send() {
                self.send_alert(AlertLevel::Fatal, alert);
            }
            // The timer went with the Handshaking variant.
            self.life.fail(e.clone());
        }
        e
    }

    /// Queues an alert record in the current write epoch.
    pub(crate) fn send_alert(&mut self, level: AlertLevel, description: AlertDescription) {
        let epoch = self.records.write_epoch();
        let mut dg = self.pool.pop().unwrap_or_default();
        dg.clear();
        if self
            .records
            .seal_record(
                ContentType::ALERT,
                epoch,
                &[level as u8, description.0],
                &mut dg,
            )
            .is_ok()
        {
            self.record_header_event(true, dg.get(..RECORD_HEADER_LEN));
            self.out_queue.push_back(dg);
            self.events
                .push_back(Event::AlertSent { level, description });
        }
    }
}
