//! The public methods [`super::client::Client13`] and [`super::server::Server13`] share,
//! all delegating to their [`super::channel::Channel13`], written once as a macro so both
//! roles keep the same inherent API (callers need no trait in scope).

/// `role13_api!(Role, State, Event, awaits_peer_flight)`: the channel traits for the
/// role's state and event types, the shared public methods and `Debug` for the role.
macro_rules! role13_api {
    ($role:ident, $state:ident, $event:ident, $awaits:ident) => {
        impl $crate::dtls13::channel::Phase13 for $state {
            fn closed() -> Self {
                $state::Closed
            }
            fn failed() -> Self {
                $state::Failed
            }
            fn is_established(&self) -> bool {
                $state::is_established(self)
            }
            fn expects_plaintext(&self) -> bool {
                $state::expects_plaintext(self)
            }
            fn awaits_peer_flight(&self) -> bool {
                self.$awaits()
            }
            fn established(&self) -> Option<&$crate::dtls13::key_update::Established> {
                match self {
                    $state::Established(e) => Some(e),
                    _ => None,
                }
            }
            fn established_mut(&mut self) -> Option<&mut $crate::dtls13::key_update::Established> {
                match self {
                    $state::Established(e) => Some(e),
                    _ => None,
                }
            }
        }

        impl $crate::dtls13::channel::Events13 for $event {
            fn peer_closed() -> Self {
                $event::PeerClosed
            }
            fn send_key_updated(epoch: u64) -> Self {
                $event::SendKeyUpdated(epoch)
            }
            fn recv_key_updated(epoch: u64) -> Self {
                $event::RecvKeyUpdated(epoch)
            }
        }

        impl $role {
            /// Processes one received datagram. Records that do not authenticate are
            /// dropped silently (RFC 9147 §4.5.2); a protocol violation in an
            /// authenticated record is fatal: the alert is queued and the error returned
            /// (and every later call fails).
            pub fn handle_datagram(
                &mut self,
                now: ::std::time::Instant,
                datagram: &[u8],
            ) -> Result<(), $crate::error::Error> {
                self.ch.check_alive()?;
                let r = self
                    .ch
                    .open_datagram(now, datagram)
                    .and_then(|records| $crate::dtls13::channel::on_records(self, now, records))
                    .and_then(|()| self.ch.auto_key_update(now))
                    .and_then(|()| self.ch.flush_cid_answer(now));
                self.ch.settle(r)
            }

            /// The next datagram to send.
            pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
                self.ch.out.pop_front()
            }

            /// When [`handle_timeout`](Self::handle_timeout) must be called next.
            pub fn poll_timeout(&self) -> Option<::std::time::Instant> {
                self.ch.poll_timeout()
            }

            /// Fires the timers that are due: a delayed (partial) ACK, a retransmission
            /// (§5.8).
            pub fn handle_timeout(
                &mut self,
                now: ::std::time::Instant,
            ) -> Result<(), $crate::error::Error> {
                self.ch.check_alive()?;
                let r = self
                    .ch
                    .fire_timers(now)
                    .and_then(|()| self.ch.auto_key_update(now))
                    .and_then(|()| self.ch.flush_cid_answer(now));
                self.ch.settle(r)
            }

            /// Sends application data in one record of the current epoch.
            pub fn send(&mut self, data: &[u8]) -> Result<(), $crate::error::Error> {
                self.ch.seal_app_data(data)?;
                // The KeyUpdate flight's timer starts at the last time we were given.
                let r = self.ch.auto_key_update(self.ch.last_now);
                self.ch.settle(r)
            }

            /// [`Self::send`] with the record appended to `out` instead of queued (the
            /// caller sends it now; only when nothing is queued before it).
            pub fn send_into(
                &mut self,
                data: &[u8],
                out: &mut Vec<u8>,
            ) -> Result<(), $crate::error::Error> {
                self.ch.seal_app_data_into(data, out)?;
                let r = self.ch.auto_key_update(self.ch.last_now);
                self.ch.settle(r)
            }

            /// The next application record received.
            pub fn recv(&mut self) -> Option<Vec<u8>> {
                self.ch.app_in.pop_front()
            }

            /// The next event.
            pub fn poll_event(&mut self) -> Option<$event> {
                self.ch.events.pop_front()
            }

            /// Sends close_notify, which closes our write side (RFC 8446 §6.1): nothing
            /// more is sent, but the peer's data, KeyUpdate and close_notify are still
            /// received until it closes too. During the handshake it abandons the
            /// connection.
            pub fn close(&mut self) -> Result<(), $crate::error::Error> {
                self.ch.close()
            }

            /// True once the handshake completed and neither side has closed.
            pub fn is_established(&self) -> bool {
                self.ch.is_established()
            }

            /// True when the handshake resumed a ticket: PSK + ECDHE, without the
            /// server's certificate (RFC 8446 §2.2).
            pub fn resumed(&self) -> bool {
                self.ch.resumed
            }

            /// The peer's chain (leaf first). The client's: as received, or after a
            /// resumption the one the ticket's original connection authenticated; the
            /// server's: the client's, when one was requested and sent.
            pub fn peer_certificates(&self) -> &[Vec<u8>] {
                &self.ch.peer_certs
            }

            /// The first fatal error, if any.
            pub fn error(&self) -> Option<&$crate::error::Error> {
                self.ch.error.as_ref()
            }

            /// Records dropped because they failed authentication (RFC 9147 §4.5.3
            /// counts them against the AEAD limit).
            pub fn records_failed(&self) -> u64 {
                self.ch.rl.failed_records
            }

            /// Test support: counts `sealed` records against our sending key and
            /// `failed` ones against the newest receive key, to reach the AEAD limits
            /// (§4.5.3) in a test.
            #[cfg(any(test, feature = "test-rng"))]
            #[doc(hidden)]
            pub fn count_key_usage_for_test(&mut self, sealed: u64, failed: u64) {
                self.ch
                    .rl
                    .count_usage_for_test(self.ch.send_epoch, sealed, failed);
            }

            /// Our current sending epoch.
            pub fn send_epoch(&self) -> u64 {
                self.ch.send_epoch
            }

            /// Sends a KeyUpdate (RFC 8446 §4.6.3); our sending epoch moves on once it
            /// is acknowledged. Refused while another flight of ours is unacknowledged.
            pub fn key_update(
                &mut self,
                now: ::std::time::Instant,
                request_peer: bool,
            ) -> Result<(), $crate::error::Error> {
                self.ch.key_update(now, request_peer)
            }

            /// True when both hellos carried `connection_id` (RFC 9146 §3, RFC 9147 §9).
            pub fn cid_negotiated(&self) -> bool {
                self.ch.cid.negotiated
            }

            /// The CID our protected records carry (the peer's choice; empty: none).
            pub fn peer_cid(&self) -> &[u8] {
                self.ch.rl.send_cid()
            }

            /// Our CIDs a received protected record may carry (the negotiated one and
            /// those issued since), oldest first; empty when records carry none.
            pub fn own_cids(&self) -> &[Vec<u8>] {
                self.ch.rl.own_cids()
            }

            /// Protected records dropped because they did not carry one of our CIDs.
            pub fn wrong_cid_records(&self) -> u64 {
                self.ch.rl.wrong_cid_records
            }

            /// Issues `count` (1..=4) fresh CIDs of ours in a NewConnectionId (RFC 9147
            /// §9); we accept them at once. `Immediate` makes the peer use the first for
            /// all its later records. Refused without a non-empty CID of ours, before
            /// the handshake completed or while another flight of ours is pending.
            pub fn issue_connection_ids(
                &mut self,
                now: ::std::time::Instant,
                count: usize,
                usage: $crate::dtls13::connection_id::CidUsage,
            ) -> Result<(), $crate::error::Error> {
                self.ch.check_alive()?;
                let len = self.ch.can_issue_cids()?;
                if count == 0 || count > $crate::dtls13::connection_id::MAX_CIDS_PER_MESSAGE {
                    return Err($crate::error::Error::InvalidState("CID count not in 1..=4"));
                }
                let mut cids = Vec::with_capacity(count);
                for _ in 0..count {
                    let mut c = vec![0u8; len];
                    ::rand::RngCore::fill_bytes(&mut self.rng, &mut c);
                    cids.push(c);
                }
                let r = self.ch.send_new_connection_id(now, cids, usage);
                self.ch.settle(r)
            }

            /// Asks the peer for `n` more CIDs (RequestConnectionId, RFC 9147 §9); its
            /// answer arrives as spares ([`use_spare_cid`](Self::use_spare_cid)).
            /// Refused unless we send a non-empty CID, after the handshake, with no
            /// other flight of ours pending.
            pub fn request_connection_ids(
                &mut self,
                now: ::std::time::Instant,
                n: u8,
            ) -> Result<(), $crate::error::Error> {
                self.ch.check_alive()?;
                let r = self.ch.request_connection_ids(now, n);
                if matches!(r, Err($crate::error::Error::InvalidState(_))) {
                    return r;
                }
                self.ch.settle(r)
            }

            /// Moves our records to the peer's next spare CID (RFC 9147 §9: a fresh
            /// CID for a new path); false when the peer gave us none.
            pub fn use_spare_cid(&mut self) -> bool {
                self.ch.use_spare_cid()
            }

            /// The SRTP protection profile negotiated through use_srtp (RFC 5764), if any.
            pub fn srtp_profile(&self) -> Option<u16> {
                self.ch.srtp_profile
            }

            /// RFC 8446 §7.5 (with RFC 9147's "dtls13" labels): `out.len()` bytes of
            /// keying material for `label` and `context` from the exporter master
            /// secret; for DTLS-SRTP the label is [`crate::srtp::EXPORTER_LABEL`] with an
            /// empty context. Only once the handshake has completed.
            pub fn export_keying_material(
                &self,
                label: &[u8],
                context: &[u8],
                out: &mut [u8],
            ) -> Result<(), $crate::error::Error> {
                self.ch.export_keying_material(label, context, out)
            }
        }

        impl ::std::fmt::Debug for $role {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($role))
                    .field("state", &self.ch.state.name())
                    .field("send_epoch", &self.ch.send_epoch)
                    .finish_non_exhaustive()
            }
        }
    };
}

pub(crate) use role13_api;
