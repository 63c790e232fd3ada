//! A DTLS 1.3 association behind [`crate::Connection`]: a [`Client13`] or [`Server13`]
//! with what `Connection` promises on top of them (its events, partial reads, the send
//! refusals of [`SendError`], `pending_key_update`, counters). A client that offered both
//! versions also holds the 1.2 machine, its hello unsent, until the server answered
//! (`super::Engine` switches to it on a 1.2 answer).

use std::collections::VecDeque;
use std::time::Instant;

use crate::cid::ConnectionIds;
use crate::connection::{Event, Stats};
use crate::dtls13::channel::Log13;
use crate::dtls13::client::{Client13, Event13};
use crate::dtls13::server::{Server13, ServerEvent13};
use crate::error::{AlertDescription, AlertLevel, Error, SendError};
use crate::handshake::machine::Machine;
use crate::pki::X509_V_ERR_UNSPECIFIED;

#[cfg(feature = "fuzzing")]
#[path = "fuzz_copy.rs"]
mod fuzz_copy;

/// The 1.3 role.
pub(crate) enum Role13 {
    Client(Box<Client13>),
    Server(Box<Server13>),
}

/// Runs `$e` with `$x` bound to the role (both share the `role13_api!` methods).
macro_rules! role {
    ($r:expr, $x:ident => $e:expr) => {
        match $r {
            Role13::Client($x) => $e,
            Role13::Server($x) => $e,
        }
    };
}
pub(crate) use role;

/// A DTLS 1.3 connection.
pub(crate) struct Conn13 {
    pub(crate) role: Role13,
    /// A client that offered 1.2 too: the 1.2 machine (hello built, not sent) and the
    /// merged hello that was sent, until the server answered.
    pub(crate) fallback: Option<(Box<Machine>, Vec<u8>)>,
    events: VecDeque<Event>,
    /// The application record being read (`recv` with a short buffer), and how far.
    reading: Option<(Vec<u8>, usize)>,
    /// `key_update`'s request_peer, until the datagrams queued up to it are handed out.
    key_update: Option<(bool, usize)>,
    close_received: bool,
    /// The first fatal error was reported as events.
    failed_reported: bool,
    stats: Stats,
    pub(crate) server_name: Option<String>,
    /// The CIDs in use (RFC 9147 §9), as `Connection::connection_ids` shows them.
    cids: Option<ConnectionIds>,
    /// A dual client: fragments of the server's first ServerHello, until it is whole.
    pub(crate) held_answer: super::held::Held,
}

impl Conn13 {
    pub(crate) fn new(role: Role13, fallback: Option<(Box<Machine>, Vec<u8>)>) -> Self {
        Conn13 {
            role,
            fallback,
            events: VecDeque::new(),
            reading: None,
            key_update: None,
            close_received: false,
            failed_reported: false,
            stats: Stats::default(),
            server_name: None,
            cids: None,
            held_answer: super::held::Held::server_hello(),
        }
    }

    /// Turns the role's events and a new fatal error into `Connection` events.
    pub(crate) fn collect(&mut self, r: &Result<(), Error>) {
        self.refresh_cids();
        let (log, headers) = role!(&mut self.role, x => (
            std::mem::take(&mut x.ch.log),
            x.ch.rl.headers.as_mut().map(std::mem::take).unwrap_or_default()
        ));
        // Within one call, records are received before anything is answered: received
        // headers, then messages and ACKs in order, then the headers of what we sealed
        // (a message is logged when built, before its records, as OpenSSL reports it).
        let (sent_headers, received_headers): (Vec<_>, Vec<_>) =
            headers.into_iter().partition(|(sent, _)| *sent);
        for (sent, header) in received_headers {
            self.events
                .push_back(Event::RecordHeader13 { sent, header });
        }
        for l in log {
            self.events.push_back(match l {
                Log13::Msg {
                    sent,
                    msg_type,
                    bytes,
                } => Event::HandshakeMessage {
                    sent,
                    msg_type: crate::enums::HandshakeType(msg_type),
                    bytes,
                },
                Log13::Ack { sent, records } => Event::Ack { sent, records },
                Log13::KeyLog(line) => Event::KeyLog(line),
            });
        }
        for (sent, header) in sent_headers {
            self.events
                .push_back(Event::RecordHeader13 { sent, header });
        }
        match &mut self.role {
            Role13::Client(c) => {
                while let Some(e) = c.poll_event() {
                    match e {
                        Event13::HandshakeComplete => {
                            self.events.push_back(Event::HandshakeComplete)
                        }
                        Event13::NewSessionTicket => self.events.push_back(Event::NewSessionTicket),
                        Event13::PeerClosed => {
                            peer_closed(&mut self.events, &mut self.close_received)
                        }
                        _ => {}
                    }
                }
            }
            Role13::Server(s) => {
                while let Some(e) = s.poll_event() {
                    match e {
                        ServerEvent13::HandshakeComplete => {
                            self.events.push_back(Event::HandshakeComplete)
                        }
                        ServerEvent13::PeerClosed => {
                            peer_closed(&mut self.events, &mut self.close_received)
                        }
                        _ => {}
                    }
                }
            }
        }
        if let Err(e) = r {
            if !self.failed_reported {
                self.failed_reported = true;
                if let Error::AlertReceived(d) = e {
                    self.events.push_back(Event::AlertReceived {
                        level: AlertLevel::Fatal,
                        description: *d,
                    });
                }
                if let Some(a) = e.alert_to_send() {
                    self.events.push_back(Event::AlertSent {
                        level: AlertLevel::Fatal,
                        description: a,
                    });
                }
            }
        }
    }

    pub(crate) fn handle_datagram(&mut self, now: Instant, datagram: &[u8]) -> Result<(), Error> {
        let before = role!(&self.role, x => x.records_failed());
        let r = role!(&mut self.role, x => x.handle_datagram(now, datagram));
        let after = role!(&self.role, x => x.records_failed());
        self.stats.records_dropped += after - before;
        self.stats.records_bad_auth += after - before;
        self.collect(&r);
        r
    }

    /// A server's ClientHello waits for a paused hook.
    pub(crate) fn client_hello_pending(&self) -> bool {
        match &self.role {
            Role13::Server(s) => s.client_hello_pending(),
            Role13::Client(_) => false,
        }
    }

    /// Runs a paused ClientHello hook again (`Server13::resume_client_hello`).
    pub(crate) fn resume_client_hello(&mut self, now: Instant) -> Result<(), Error> {
        let r = match &mut self.role {
            Role13::Server(s) => s.resume_client_hello(now),
            Role13::Client(_) => Ok(()),
        };
        self.collect(&r);
        r
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) -> Result<(), Error> {
        let r = role!(&mut self.role, x => x.handle_timeout(now));
        self.collect(&r);
        r
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        role!(&self.role, x => x.poll_timeout())
    }

    /// The next datagram, as a Vec.
    pub(crate) fn pop_datagram(&mut self) -> Option<Vec<u8>> {
        let d = role!(&mut self.role, x => x.poll_transmit())?;
        self.stats.datagrams_sent += 1;
        if let Some((_, left)) = &mut self.key_update {
            *left = left.saturating_sub(1);
            if *left == 0 {
                self.key_update = None;
            }
        }
        Some(d)
    }

    pub(crate) fn front_len(&self) -> Option<usize> {
        role!(&self.role, x => x.ch.out.front().map(Vec::len))
    }

    pub(crate) fn has_transmit(&self) -> bool {
        self.front_len().is_some()
    }

    pub(crate) fn poll_event(&mut self) -> Option<Event> {
        if self.events.is_empty() {
            // What the role logged outside a datagram or timer call (its first flight).
            self.collect(&Ok(()));
        }
        self.events.pop_front()
    }

    pub(crate) fn is_established(&self) -> bool {
        role!(&self.role, x => x.ch.state.is_established())
    }

    pub(crate) fn is_handshaking(&self) -> bool {
        role!(&self.role, x => x.ch.error.is_none()
            && !x.ch.state.is_established()
            && !x.ch.write_closed
            && !self.close_received)
    }

    pub(crate) fn error(&self) -> Option<&Error> {
        role!(&self.role, x => x.error())
    }

    pub(crate) fn close_sent(&self) -> bool {
        role!(&self.role, x => x.ch.write_closed)
    }

    pub(crate) fn close_received(&self) -> bool {
        self.close_received
    }

    /// Why `data` cannot be sent now, if it cannot (failed, closed, not established,
    /// longer than a record's plaintext, RFC 8446 §5.1).
    fn check_send(&self, data: &[u8]) -> Result<(), SendError> {
        if let Some(e) = self.error() {
            return Err(SendError::Failed(e.clone()));
        }
        if self.close_sent() {
            return Err(SendError::Closed);
        }
        if !self.is_established() {
            return Err(SendError::NotEstablished);
        }
        if data.len() > 1 << 14 {
            return Err(SendError::TooLarge { max: 1 << 14 });
        }
        Ok(())
    }

    pub(crate) fn send(&mut self, data: &[u8]) -> Result<(), SendError> {
        self.check_send(data)?;
        if role!(&self.role, x => x.ch.out.len()) >= crate::transmit::MAX_QUEUED_DATAGRAMS {
            return Err(SendError::Full);
        }
        let r = role!(&mut self.role, x => x.send(data));
        self.collect(&r);
        r.map_err(SendError::Failed)
    }

    /// [`Self::send`] appending the record to `out` when nothing is queued before it
    /// (`Ok(true)`); otherwise queued as `send` does (`Ok(false)`).
    pub(crate) fn send_into(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<bool, SendError> {
        if role!(&self.role, x => !x.ch.out.is_empty()) {
            return self.send(data).map(|()| false);
        }
        self.check_send(data)?;
        let r = role!(&mut self.role, x => x.send_into(data, out));
        self.collect(&r);
        // A failure after sealing (an automatic KeyUpdate that could not be built) leaves
        // the record in `out`, as `send` leaves it queued to go out with the alert.
        r.map_err(SendError::Failed)?;
        // Handed out here rather than by pop_datagram: counted the same way.
        self.stats.datagrams_sent += 1;
        Ok(true)
    }

    /// Moves the next record into `reading` when none is being read.
    fn fill(&mut self) {
        if self.reading.is_none() {
            self.reading = role!(&mut self.role, x => x.recv()).map(|r| (r, 0));
        }
    }

    pub(crate) fn recv(&mut self, out: &mut [u8], peek: bool) -> Option<usize> {
        self.fill();
        let (rec, at) = self.reading.as_mut()?;
        let n = out.len().min(rec.len() - *at);
        out[..n].copy_from_slice(&rec[*at..*at + n]);
        if !peek {
            *at += n;
            if *at >= rec.len() {
                self.reading = None;
            }
        }
        Some(n)
    }

    pub(crate) fn recv_record(&mut self) -> Option<crate::app_data::AppData> {
        self.fill();
        let (rec, at) = self.reading.take()?;
        let end = rec.len();
        Some(crate::app_data::AppData::new(rec, at, end))
    }

    pub(crate) fn pending(&self) -> usize {
        match &self.reading {
            Some((r, at)) => r.len() - at,
            None => role!(&self.role, x => x.ch.app_in.front().map_or(0, Vec::len)),
        }
    }

    pub(crate) fn buffered_app_bytes(&self) -> usize {
        let queued: usize = role!(&self.role, x => x.ch.app_in.iter().map(Vec::capacity).sum());
        queued + self.reading.as_ref().map_or(0, |(r, _)| r.capacity())
    }

    pub(crate) fn has_pending(&self) -> bool {
        self.pending() > 0 || role!(&self.role, x => !x.ch.app_in.is_empty())
    }

    pub(crate) fn close(&mut self) {
        if self.close_sent() || self.error().is_some() {
            return;
        }
        let r = role!(&mut self.role, x => x.close());
        if r.is_ok() {
            self.events.push_back(Event::AlertSent {
                level: AlertLevel::Warning,
                description: AlertDescription::CLOSE_NOTIFY,
            });
        }
        self.collect(&r);
    }

    pub(crate) fn state_name(&self) -> &'static str {
        if self.error().is_some() {
            return "error";
        }
        match &self.role {
            _ if self.is_established() => "SSL negotiation finished successfully",
            Role13::Client(c) => match c.ch.state.name() {
                "ExpectServerHello" => "SSLv3/TLS write client hello",
                "ExpectEncryptedExtensions" => "SSLv3/TLS read server hello",
                "ExpectCertificate" => "TLSv1.3 read encrypted extensions",
                "ExpectCertificateVerify" => "SSLv3/TLS read server certificate",
                "ExpectFinished" => "TLSv1.3 read server certificate verify",
                _ => "SSL negotiation finished successfully",
            },
            Role13::Server(s) => match s.state_name() {
                "ExpectClientHello" => "before SSL initialization",
                _ => "SSLv3/TLS write finished",
            },
        }
    }

    pub(crate) fn is_client(&self) -> bool {
        matches!(self.role, Role13::Client(_))
    }

    /// Some(0xFEFC) once the server's choice of 1.3 is known.
    pub(crate) fn protocol_version(&self) -> Option<u16> {
        self.tls13_suite().map(|_| crate::config::DTLS1_3_VERSION)
    }

    pub(crate) fn tls13_suite(&self) -> Option<crate::Suite13> {
        match &self.role {
            Role13::Client(c) => c.suite(),
            Role13::Server(s) => s.suite(),
        }
    }

    pub(crate) fn peer_certificates(&self) -> &[Vec<u8>] {
        role!(&self.role, x => x.peer_certificates())
    }

    /// The verifier's code for the peer's chain. A handshake that completed without the
    /// peer presenting a chain (a server that asked for none) reads `X509_V_OK`, as in
    /// OpenSSL and our 1.2 machine ("no verification error", not "verified": the peer
    /// certificate getters say none). Until then it fails closed as unverified.
    pub(crate) fn verify_result(&self) -> i32 {
        match (role!(&self.role, x => x.ch.verify_code), self.error()) {
            (Some(code), _) => code,
            (None, Some(Error::CertificateVerify { code, .. })) if *code != 0 => *code,
            (None, None) if self.is_established() && self.peer_certificates().is_empty() => 0,
            _ => X509_V_ERR_UNSPECIFIED,
        }
    }

    /// A setting our 1.3 path cannot honour arrived on a 1.3 connection: fail closed
    /// rather than run without it (src/deviations.rs).
    pub(crate) fn refuse(&mut self, what: &str) {
        if self.error().is_some() {
            return;
        }
        let e = Error::Config(format!("DTLS 1.3 does not support {what}"));
        let r = role!(&mut self.role, x => x.ch.settle(Err(e)));
        self.collect(&r);
    }

    pub(crate) fn set_verifier(
        &mut self,
        v: std::sync::Arc<dyn crate::pki::verifier::CertVerifier>,
    ) {
        role!(&mut self.role, x => x.ch.verifier = Some(v));
    }

    pub(crate) fn session_reused(&self) -> bool {
        role!(&self.role, x => x.resumed())
    }

    /// RFC 9147 §9: the CIDs in use once both hellos carried `connection_id`: `own` is
    /// the one of ours the peer's records carry now, `peer` the one ours carry.
    pub(crate) fn connection_ids(&self) -> Option<&ConnectionIds> {
        self.cids.as_ref()
    }

    /// Copies the role's CIDs into `cids` (after anything that may change them).
    pub(crate) fn refresh_cids(&mut self) {
        let now = role!(&self.role, x => x.ch.cid.negotiated.then(|| (
            x.ch.rl.own_cid_in_use(),
            x.ch.rl.send_cid(),
        )));
        match (now, &mut self.cids) {
            (None, c) => *c = None,
            (Some((own, peer)), Some(c)) if c.own == own && c.peer == peer => {}
            (Some((own, peer)), c) => {
                *c = Some(ConnectionIds {
                    own: own.to_vec(),
                    peer: peer.to_vec(),
                })
            }
        }
    }

    /// The datagram handled last held an authenticated record newer than all before it.
    pub(crate) fn last_datagram_newest(&self) -> bool {
        role!(&self.role, x => x.ch.rl.last_datagram_newest)
    }

    pub(crate) fn alpn_protocol(&self) -> Option<&[u8]> {
        match &self.role {
            Role13::Client(c) => c.alpn.as_deref(),
            Role13::Server(s) => s.alpn_protocol(),
        }
    }

    pub(crate) fn srtp_profile(&self) -> Option<u16> {
        role!(&self.role, x => x.srtp_profile())
    }

    pub(crate) fn export_keying_material(
        &self,
        out: &mut [u8],
        label: &[u8],
        context: Option<&[u8]>,
    ) -> Result<(), Error> {
        // RFC 8446 §7.5: no context and an empty one are the same in TLS 1.3.
        let ctx = context.unwrap_or_default();
        role!(&self.role, x => x.export_keying_material(label, ctx, out))
    }

    pub(crate) fn set_mtu(&mut self, mtu: usize) {
        role!(&mut self.role, x => x.ch.mtu = mtu);
    }

    pub(crate) fn mtu(&self) -> usize {
        role!(&self.role, x => x.ch.mtu)
    }

    /// Application bytes that fit one record in one datagram: the MTU less the unified
    /// header (flags, 16-bit sequence, length), the content-type byte and the 16-byte tag.
    /// Application bytes that fit one record in one datagram: the MTU less our record's
    /// header (with the CID we send), content type byte and tag.
    pub(crate) fn data_mtu(&self) -> usize {
        let overhead = role!(&self.role, x => x.ch.rl.ciphertext_overhead());
        self.mtu().saturating_sub(overhead)
    }

    pub(crate) fn key_update(&mut self, now: Instant, request_peer: bool) -> Result<(), SendError> {
        if let Some(e) = self.error() {
            return Err(SendError::Failed(e.clone()));
        }
        if self.close_sent() {
            return Err(SendError::Closed);
        }
        if !self.is_established() {
            return Err(SendError::NotEstablished);
        }
        if self.key_update.is_some() {
            // One at a time: the previous one is still queued (RFC 9147 §8).
            return Err(SendError::Full);
        }
        match role!(&mut self.role, x => x.key_update(now, request_peer)) {
            Ok(()) => {
                let queued = role!(&self.role, x => x.ch.out.len());
                self.key_update = Some((request_peer, queued.max(1)));
                self.collect(&Ok(()));
                Ok(())
            }
            // Another flight of ours is unacknowledged: retry later, not fatal.
            Err(Error::InvalidState(_)) => Err(SendError::Full),
            Err(e) => {
                let r = Err(e);
                self.collect(&r);
                r.map_err(SendError::Failed)
            }
        }
    }

    pub(crate) fn pending_key_update(&self) -> Option<bool> {
        self.key_update.map(|(r, _)| r)
    }

    /// Client: a session resuming with the newest ticket received (RFC 8446 §4.6.1), once
    /// one arrived. Server: the session of the last ticket it issued (what a client
    /// resuming it holds: suite, resumption PSK, the client's chain, SNI), as OpenSSL's
    /// TLS 1.3 server reports one; None before a ticket was issued (tickets are
    /// self-contained: nothing is cached).
    pub(crate) fn session(&self) -> Option<crate::session::cache::Session> {
        let (t, server_name, cfg) = match &self.role {
            Role13::Client(c) => (c.tickets().last()?, self.server_name.clone(), &c.ch.cfg),
            Role13::Server(s) => (s.issued_ticket()?, s.sni.clone(), &s.ch.cfg),
        };
        let id = ring::digest::digest(&ring::digest::SHA256, &t.ticket.ticket);
        let created_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Some(crate::session::cache::Session {
            id: id.as_ref().to_vec(),
            suite: t.suite.id(),
            master_secret: zeroize::Zeroizing::new([0; 48]),
            extended_master_secret: false,
            peer_certificates: t.peer_certs.clone(),
            verify_result: self.verify_result(),
            server_name,
            id_context: cfg.session_id_context.clone(),
            created: t.received,
            created_unix,
            lifetime: std::time::Duration::from_secs(u64::from(t.ticket.lifetime)),
            tls13_ticket: Some(t.clone()),
        })
    }

    pub(crate) fn stats(&self) -> Stats {
        Stats {
            retransmits: role!(&self.role, x => x.ch.retransmits),
            ..self.stats
        }
    }

    pub(crate) fn config(&self) -> &std::sync::Arc<crate::Config> {
        role!(&self.role, x => &x.ch.cfg)
    }
}

/// The peer's close_notify: reported as the alert it is, then as the close.
fn peer_closed(events: &mut VecDeque<Event>, close_received: &mut bool) {
    *close_received = true;
    events.push_back(Event::AlertReceived {
        level: AlertLevel::Warning,
        description: AlertDescription::CLOSE_NOTIFY,
    });
    events.push_back(Event::PeerClosed);
}
