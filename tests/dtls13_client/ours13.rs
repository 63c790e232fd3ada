//! Our sans-IO DTLS 1.3 client (`rdtls::dtls13::client::Client13`) as an [`Endpoint`] of
//! the simulated link, and the `wrap13!` macro that wraps either role of ours the same way
//! (the server's wrapper, `dtls13_server/srv13.rs`, uses it too).

use rdtls::dtls13::client::{Client13, Event13, Options13};

/// `wrap13!(Name, field, Role, Event, Options, "role")`: a struct `Name` holding our
/// DTLS 1.3 `Role` in `field` plus what it reported, and its [`Endpoint`] impl.
///
/// [`Endpoint`]: crate::common::link::Endpoint
macro_rules! wrap13 {
    ($name:ident, $field:ident, $role:ty, $event:ty, $opts:ty, $what:literal) => {
        #[doc = concat!("The ", $what, " plus what it reported.")]
        pub struct $name {
            #[doc = concat!("The ", $what, " under test.")]
            pub $field: $role,
            /// Every event, in order.
            pub events: Vec<$event>,
            /// Application records received and not yet taken.
            pub received: Vec<Vec<u8>>,
            /// The first error returned.
            pub error: Option<String>,
        }

        impl $name {
            #[doc = concat!("A ", $what, " on `cfg` with `opts`.")]
            pub fn new(
                cfg: std::sync::Arc<rdtls::Config>,
                opts: $opts,
                now: std::time::Instant,
            ) -> Self {
                let $field =
                    <$role>::new(cfg, opts, now).expect(concat!("creating the DTLS 1.3 ", $what));
                $name {
                    $field,
                    events: Vec::new(),
                    received: Vec::new(),
                    error: None,
                }
            }

            /// Collects events and data after a call.
            pub fn after(&mut self, r: Result<(), rdtls::Error>) {
                if let Err(e) = r {
                    if self.error.is_none() {
                        self.error = Some(format!("{e:?}"));
                    }
                }
                while let Some(e) = self.$field.poll_event() {
                    self.events.push(e);
                }
                while let Some(d) = self.$field.recv() {
                    self.received.push(d);
                }
            }
        }

        impl crate::common::link::Endpoint for $name {
            fn handle_datagram(&mut self, now: std::time::Instant, datagram: &[u8]) {
                let r = self.$field.handle_datagram(now, datagram);
                self.after(r);
            }

            fn handle_timeout(&mut self, now: std::time::Instant) {
                let r = self.$field.handle_timeout(now);
                self.after(r);
            }

            fn poll_transmit(&mut self, _now: std::time::Instant) -> Option<Vec<u8>> {
                self.$field.poll_transmit()
            }

            fn poll_timeout(&self) -> Option<std::time::Instant> {
                self.$field.poll_timeout()
            }

            fn is_established(&self) -> bool {
                self.$field.is_established()
            }

            fn failure(&self) -> Option<String> {
                self.error.clone()
            }

            fn send_app(&mut self, _now: std::time::Instant, data: &[u8]) -> Result<(), String> {
                self.$field.send(data).map_err(|e| format!("{e:?}"))
            }

            fn take_received(&mut self) -> Vec<Vec<u8>> {
                std::mem::take(&mut self.received)
            }

            fn suite_name(&self) -> Option<String> {
                None
            }

            fn session_reused(&self) -> bool {
                false
            }

            fn group_name(&self) -> Option<String> {
                None
            }

            fn label(&self) -> String {
                format!(concat!("rdtls 1.3 ", $what, " {:?}"), self.$field)
            }
        }
    };
}

// Used by `dtls13_server/srv13.rs`, which only the dtls13_server test includes.
#[allow(unused_imports)]
pub(crate) use wrap13;

wrap13!(Ours13, c, Client13, Event13, Options13, "client");
