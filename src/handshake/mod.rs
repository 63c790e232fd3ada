//! The DTLS handshake: message codecs (`header`, `messages`, `extensions`), fragmentation
//! (`fragmenter`) and reassembly (`reassembly`), and the state machine (`machine`, split by
//! concern under `machine/`, with the per-role logic in `client` and `server`, flights and
//! retransmission in `flight`). Where a connection is lives in `lifecycle` (handshaking,
//! established, closing, failed, each owning its data) and `step` (the message a handshake
//! awaits, with that step's data); the master secret a key exchange agrees in `agreement`
//! (held by the steps after it, then by the established connection).

pub mod extensions;
pub mod fragmenter;
pub mod header;
pub mod messages;
pub mod reassembly;

mod agreement;
mod cid_negotiation;
mod client;
mod etm;
mod flight;
pub(crate) mod lifecycle;
pub(crate) mod machine;
mod new_association;
mod peer_verify;
pub mod psk;
mod psk_flow;
pub mod renegotiation;
mod server;
mod server_choice;
mod server_client_hello;
mod server_hello_hook;
mod server_resumption;
mod step;

#[cfg(test)]
mod choice_tests;
#[cfg(test)]
mod lifecycle_tests;
#[cfg(test)]
mod machine_tests;
#[cfg(test)]
mod negotiation_tests;
#[cfg(test)]
mod session_mode_tests;
#[cfg(test)]
mod step_tests;
