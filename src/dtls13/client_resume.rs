//! What a resuming client checks before offering a ticket (RFC 8446 §4.6.1), and what it
//! reports. The server's certificate was verified in the connection the ticket came from,
//! and the PSK binds the resumed server to that connection, so, as OpenSSL does for a
//! resumed session, nothing cryptographic is verified again: the ticket carries that
//! connection's verify result, which the resumption reports. What is checked is §4.6.1's
//! "Clients SHOULD only resume if the new SNI value is valid for the server certificate
//! presented in the original session": a host-name match of the stored leaf against this
//! connection's names (the verifier's name rules, no signatures).

use std::time::Instant;

use super::client::{Client13, Ticket13};
use crate::config::VerifyMode;
use crate::pki::{X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH, X509_V_OK};

impl Client13 {
    /// The ticket to offer at `now`, if any: not past its lifetime (§4.6.1), of a suite we
    /// offer, and valid for this connection's names; its `verify_code` is what the
    /// resumption will report.
    pub(crate) fn ticket_to_offer(&self, now: Instant) -> Option<Ticket13> {
        let t = self.opts.resume.as_ref()?;
        let age = now.saturating_duration_since(t.received);
        let fresh = age.as_secs() < u64::from(t.ticket.lifetime);
        if !fresh || !self.opts.suites.contains(&t.suite) {
            return None;
        }
        let code = self.resumption_verify_code(t)?;
        Some(Ticket13 {
            verify_code: Some(code),
            ..t.clone()
        })
    }

    /// The verify result a resumption with `t` reports, or `None` when `t` must not be
    /// offered.
    fn resumption_verify_code(&self, t: &Ticket13) -> Option<i32> {
        let enforce = self.ch.cfg.verify_mode != VerifyMode::None;
        match t.verify_code {
            // The original connection's result stands; only the names are checked.
            Some(code) if code == X509_V_OK || !enforce => {
                let names = self.expected_names();
                let verifier = self
                    .ch
                    .verifier
                    .as_deref()
                    .unwrap_or(&*self.ch.cfg.verifier);
                let leaf = t.peer_certs.first().map_or(&[][..], Vec::as_slice);
                if verifier.leaf_matches_names(leaf, names) {
                    Some(code)
                } else if enforce {
                    None // not valid for this name: a full handshake instead
                } else if code == X509_V_OK {
                    // Unenforced, the ticket is offered (as before), but a stored "ok"
                    // must not read as valid for a name the certificate does not cover.
                    Some(mismatch_code(names.unwrap_or_default()))
                } else {
                    Some(code)
                }
            }
            // Unknown (a session read back without its result), or an error the original
            // connection let pass (a verify callback's choice) where verification is now
            // enforced: the verifier decides on the stored chain, once.
            _ => self.check_server_chain(&t.peer_certs).ok(),
        }
    }
}

/// OpenSSL's code for a certificate that matches none of `names` (the first decides
/// between host name and IP address, as in the verifier).
fn mismatch_code(names: &[String]) -> i32 {
    match names.first() {
        Some(n) if n.parse::<std::net::IpAddr>().is_ok() => X509_V_ERR_IP_ADDRESS_MISMATCH,
        _ => X509_V_ERR_HOSTNAME_MISMATCH,
    }
}
