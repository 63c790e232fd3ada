//! The server's answer to a ClientHello (RFC 5246 §7.4.1.2, RFC 6347 §4.2.1): the
//! ClientHello hook's early stage, the cookie exchange (HelloVerifyRequest, stateful
//! here; `crate::cookie` for the stateless listener), version, renegotiation_info
//! (RFC 5746), SRTP and ALPN checks, then the session lookup and the abbreviated or full
//! handshake (`server.rs`). A malformed ClientHello is refused, verified or remembered
//! under the input policy.

use std::time::Instant;

use super::extensions::{Extensions, MAX_HOST_NAME_LEN};
use super::machine::Machine;
use super::messages::ClientHello;
use super::step::Step;
use crate::cookie;
use crate::enums::{HandshakeType, DTLS1_2_VERSION, EMPTY_RENEGOTIATION_INFO_SCSV};
use crate::error::{AlertDescription, Error};
use crate::input_policy::{HelloCookie, MalformedClientHello};
use crate::srtp;

impl Machine {
    /// A ClientHello: the step that follows, or `None` while a ClientHello is still awaited
    /// (answered with a HelloVerifyRequest, or parked for the application's hook).
    pub(super) fn server_client_hello(
        &mut self,
        now: Instant,
        seq: u16,
        body: &[u8],
        record_seq: u64,
    ) -> Result<Option<Step>, Error> {
        let ch = ClientHello::decode(body)?;
        // OpenSSL's client-hello callback: first, for every ClientHello (a renegotiating
        // one too), except a cookie-less initial one of a server that asks for cookies
        // (tls_process_client_hello returns early there: it only gets a
        // HelloVerifyRequest).
        let cookie_less = self.renegotiation().is_none()
            && self.session_config().cookie_exchange
            && ch.cookie.is_empty();
        if !cookie_less && !self.run_early_hello_hook(seq, body, record_seq)? {
            return Ok(None);
        }
        // DTLS versions count down: 0xfefd (1.2) < 0xfeff (1.0).
        if ch.client_version > DTLS1_2_VERSION {
            return Err(Error::alert(
                AlertDescription::PROTOCOL_VERSION,
                "client does not offer DTLS 1.2",
            ));
        }
        if !ch.compression_methods.contains(&0) {
            return Err(Error::alert(
                AlertDescription::ILLEGAL_PARAMETER,
                "no null compression",
            ));
        }
        // A renegotiating ClientHello is protected: no cookie exchange (RFC 6347 §4.2.1
        // concerns the initial handshake; OpenSSL does not ask either).
        if self.session_config().cookie_exchange && self.renegotiation().is_none() {
            if !self.client_hello_cookie_ok(now, body) {
                self.send_hello_verify_request(now, seq, body, record_seq);
                return Ok(None);
            }
            // Continue the record sequence from the ClientHello, as a stateless listener
            // would, so the client's replay window sees increasing numbers (RFC 6347
            // §4.2.1) -- unless the peer picked one that leaves no room.
            if let Some(rs) = crate::input_policy::server_write_seq_after_cookie(record_seq) {
                self.set_record_write_sequence(rs);
            }
        }
        self.peer_flight_received();
        // Our ServerHello answers with the ClientHello's message_seq (after a
        // HelloVerifyRequest both are 1), or continues after our HelloRequest (RFC 6347
        // §4.2.2: HelloRequest 0, ServerHello 1).
        let h = self.hsk()?;
        h.send_seq = if h.renegotiation.is_some() {
            h.send_seq.max(seq)
        } else {
            seq
        };
        self.hs.client_random = ch.random;
        let mut sr = [0u8; 32];
        self.random_bytes(&mut sr);
        if self.downgrade_sentinel {
            // RFC 8446 §4.1.3: a 1.3-capable server negotiating 1.2 says so in its random.
            sr[24..].copy_from_slice(&crate::dtls13::hello::DOWNGRADE_SENTINEL_12);
        }
        self.hs.server_random = sr;
        // RFC 6066 §3 allows HostName up to 2^16-1 bytes, but DNS names end at 255 and the
        // name is kept with the session: refuse longer ones as OpenSSL does.
        if let Some(name) = &ch.extensions.server_name {
            if name.len() > MAX_HOST_NAME_LEN {
                return Err(Error::alert(
                    AlertDescription::UNRECOGNIZED_NAME,
                    format!(
                        "server_name of {} bytes exceeds {MAX_HOST_NAME_LEN}",
                        name.len()
                    ),
                ));
            }
        }
        self.hs.server_name = ch.extensions.server_name.clone();
        if let Some(r) = self.renegotiation() {
            // RFC 5746 §3.7: the SCSV must not appear, and the extension must carry the
            // client's previous verify_data.
            let ok =
                !ch.cipher_suites.contains(&EMPTY_RENEGOTIATION_INFO_SCSV)
                    && ch.extensions.renegotiation_info.as_ref().is_some_and(|ri| {
                        crate::crypto::constant_time_eq(ri, &r.client_verify_data)
                    });
            if !ok {
                return Err(Error::alert(
                    AlertDescription::HANDSHAKE_FAILURE,
                    "renegotiation_info mismatch in renegotiating ClientHello",
                ));
            }
        } else {
            if let Some(ri) = &ch.extensions.renegotiation_info {
                if !ri.is_empty() {
                    return Err(Error::alert(
                        AlertDescription::HANDSHAKE_FAILURE,
                        "non-empty renegotiation_info in initial handshake",
                    ));
                }
            }
            self.hs.secure_renegotiation = ch.extensions.renegotiation_info.is_some()
                || ch.cipher_suites.contains(&EMPTY_RENEGOTIATION_INFO_SCSV);
        }
        let client_ems = ch.extensions.extended_master_secret;
        self.server_negotiate_srtp(&ch.extensions);
        self.server_negotiate_alpn(&ch.extensions)?;
        self.server_negotiate_cid(&ch.extensions);
        self.hsk()?.transcript.clear();
        self.add_received(HandshakeType::CLIENT_HELLO, seq, body);

        self.answer_client_hello(now, ch, client_ems)
    }

    /// From the session lookup on: the ClientHello hook, then the abbreviated or full
    /// handshake. A hook that pauses parks the ClientHello here (`resume_client_hello`):
    /// `None`, a ClientHello is still awaited.
    pub(crate) fn answer_client_hello(
        &mut self,
        now: Instant,
        ch: ClientHello,
        client_ems: bool,
    ) -> Result<Option<Step>, Error> {
        self.hs
            .set_peer_groups(ch.extensions.supported_groups.clone().unwrap_or_default());
        let session = self.find_resumable(now, &ch, client_ems)?;
        if !self.run_client_hello_hook(&ch, session.is_some())? {
            self.hsk()?.parked = Some(super::lifecycle::ParkedHello::Decoded {
                hello: Box::new(ch),
                ems: client_ems,
            });
            return Ok(None);
        }
        match session {
            Some((s, suite)) => self.resume(now, &ch, s, suite),
            None => self.server_full_handshake(now, &ch, client_ems),
        }
        .map(Some)
    }

    /// RFC 5764 §4.1.1: the first of our profiles the client offered (OpenSSL's rule). A
    /// server with no profiles ignores the extension; the client's MKI is not used.
    fn server_negotiate_srtp(&mut self, ext: &Extensions) {
        self.hs.srtp_profile = ext
            .use_srtp
            .as_ref()
            .and_then(|u| srtp::server_select(&self.config.srtp_profiles, &u.profiles));
    }

    /// RFC 7301 §3.2: the selection hook picks a protocol from the client's list; without
    /// a hook, or when it declines to answer, there is no ALPN in the ServerHello.
    fn server_negotiate_alpn(&mut self, ext: &Extensions) -> Result<(), Error> {
        self.hs.alpn = None;
        let (Some(names), Some(hook)) = (&ext.alpn, self.alpn_hook.as_mut()) else {
            return Ok(());
        };
        match hook(&crate::alpn::to_wire_list(names)) {
            crate::alpn::AlpnSelection::Selected(p) if !p.is_empty() && p.len() <= 255 => {
                self.hs.alpn = Some(p);
                Ok(())
            }
            crate::alpn::AlpnSelection::NoAck => Ok(()),
            _ => Err(Error::alert(
                AlertDescription::NO_APPLICATION_PROTOCOL,
                "no application protocol in common (ALPN)",
            )),
        }
    }

    /// A ClientHello that does not decode, received while awaiting one: refused with the
    /// decode error's alert when no genuine handshake can be harmed, answered with a
    /// HelloVerifyRequest when it has an empty cookie and a cookie exchange is on, else
    /// dropped and remembered (crate::input_policy).
    pub(crate) fn server_malformed_client_hello(
        &mut self,
        now: Instant,
        seq: u16,
        body: &[u8],
        error: Error,
        record_seq: u64,
    ) -> Result<(), Error> {
        let cookie =
            self.session_config()
                .cookie_exchange
                .then(|| match cookie::split_client_hello_cookie(body) {
                    Some((_, [])) => HelloCookie::Empty,
                    Some(_) => {
                        if self.client_hello_cookie_ok(now, body) {
                            HelloCookie::Valid
                        } else {
                            HelloCookie::Other
                        }
                    }
                    None => HelloCookie::Other,
                });
        match crate::input_policy::malformed_client_hello_action(cookie) {
            MalformedClientHello::Refuse => Err(error),
            MalformedClientHello::VerifyFirst => {
                self.send_hello_verify_request(now, seq, body, record_seq);
                Ok(())
            }
            MalformedClientHello::Remember => {
                self.reasm.set_next_seq(seq);
                self.stats_dropped();
                self.remember_verdict(error, None)
            }
        }
    }

    /// Answers ClientHello `seq` (in record `record_seq`, which the answer echoes, RFC 6347
    /// §4.2.1) with a HelloVerifyRequest.
    /// Whether the ClientHello `body` carries a cookie of ours (or one the application's
    /// cookie hooks accept) for this peer (RFC 6347 §4.2.1).
    fn client_hello_cookie_ok(&mut self, now: Instant, body: &[u8]) -> bool {
        let peer = self.peer_addr.clone();
        let keys = self.session_config().cookie_keys.clone();
        let hooks = self
            .cookie_hooks
            .as_deref_mut()
            .map(|h| h as &mut dyn cookie::CookieHooks);
        cookie::verify_client_hello_cookie(&keys, now, &peer, body, hooks)
    }

    fn send_hello_verify_request(&mut self, now: Instant, seq: u16, body: &[u8], record_seq: u64) {
        let peer = self.peer_addr.clone();
        let cookie = match self.cookie_hooks.as_mut() {
            Some(h) => match h.generate() {
                Some(c) if c.len() <= 255 => c,
                _ => return,
            },
            None => {
                let params = cookie::client_hello_cookie_params(body).unwrap_or_default();
                self.session_config()
                    .cookie_keys
                    .generate(now, &peer, &params)
                    .to_vec()
            }
        };
        let mut dg = Vec::new();
        cookie::build_hello_verify_request(record_seq, seq, &cookie, &mut dg);
        // Never answer with more than we received (no amplification of a spoofed source,
        // RFC 6347 §4.2.1), as the stateless listener: the smallest record that carried
        // this ClientHello is its body plus the record and handshake headers.
        if dg.len() > cookie::RECORD_HEADER_LEN + cookie::HANDSHAKE_HEADER_LEN + body.len() {
            self.stats_dropped();
        } else {
            let hvr_body = cookie::RECORD_HEADER_LEN + cookie::HANDSHAKE_HEADER_LEN;
            let header = dg.get(..cookie::RECORD_HEADER_LEN).map(<[u8]>::to_vec);
            self.record_header_event(true, header.as_deref());
            if let Some(b) = dg.get(hvr_body..) {
                let b = b.to_vec();
                self.message_event(true, HandshakeType::HELLO_VERIFY_REQUEST, seq, &b);
            }
            self.push_datagram(dg);
        }
        // The cookie-less ClientHello is not part of the transcript (RFC 6347 §4.2.1), and we
        // keep no flight: a retransmitted cookie-less ClientHello (our HelloVerifyRequest was
        // lost) must be processed again, so its message_seq stays acceptable.
        if let Some(h) = self.life.handshake_mut() {
            h.transcript.clear();
        }
        self.reasm.set_next_seq(seq);
    }
}
