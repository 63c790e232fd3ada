//! Moving a handshake from one step to the next. A message's handler takes the step by
//! value, with the data only that step holds, and returns what follows ([`Next`]): the
//! next step, or the end of the handshake. This is the only place a step leaves the
//! Handshaking variant, so no placeholder step exists and nothing outside the handler can
//! see a step half-moved.

use super::Machine;
use crate::error::Error;
use crate::handshake::step::{Next, Step};

impl Machine {
    /// Runs `handler` on the running handshake's step and installs what it returns. An
    /// error ends the connection here (RFC 5246 §7.2.2: the handshake cannot go on), so a
    /// handshake never outlives the step its handler consumed.
    pub(crate) fn advance(
        &mut self,
        handler: impl FnOnce(&mut Self, Step) -> Result<Next, Error>,
    ) -> Result<(), Error> {
        let step = self
            .life
            .handshake_mut()
            .and_then(|h| h.take_step())
            .ok_or(Error::InvalidState("handshake not running"))?;
        match handler(self, step) {
            Ok(Next::Step(next)) => {
                if let Some(h) = self.life.handshake_mut() {
                    h.put_step(next);
                }
                Ok(())
            }
            Ok(Next::Complete(agreement)) => {
                self.complete_handshake(agreement);
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }
}
