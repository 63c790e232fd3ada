//! DTLS 1.3 (RFC 9147, handshake of RFC 8446): the building blocks that do not depend on a
//! handshake state machine. Nothing here is wired into [`crate::Connection`] yet; the module
//! is `#[doc(hidden)]` until it is.
//!
//! What exists, each checked against published vectors and against dimpl's DTLS 1.3 server
//! (`tests/dimpl_interop.rs`, which completes a handshake driven by hand from these parts):
//! * [`key_schedule`]: HKDF-Extract / Expand-Label with the `"dtls13"` prefix (§5.9),
//!   Derive-Secret, early / handshake / master secrets, traffic key / iv / sn key, finished
//!   key and verify_data, `"traffic upd"`, resumption PSK, exporter (RFC 8448 vectors with
//!   the `"tls13 "` prefix);
//! * [`unified_header`]: the DTLSCiphertext header codec (§4), record-number reconstruction
//!   (§4.2.2) and record-number encryption with AES-ECB or ChaCha20 masks (§4.2.3);
//! * [`record_protection`]: DTLSInnerPlaintext, per-record nonce, AEAD seal / open for the five
//!   TLS 1.3 suites (GCM, ChaCha20-Poly1305, CCM, CCM_8);
//! * [`epoch`]: epoch numbering 0–3 and beyond, KeyUpdate secret chain, AEAD usage limits;
//! * [`ack`]: the ACK message (§7), the set of received records to acknowledge and the
//!   per-part acknowledgement of a sent flight for partial retransmission (§5.8.1);
//! * [`extensions`]: `supported_versions` (0xFEFC), `key_share`, `cookie`,
//!   `psk_key_exchange_modes`, u16 lists and the extension list;
//! * [`hello`]: ClientHello and ServerHello / HelloRetryRequest bodies, the HRR random and
//!   the downgrade sentinel; [`messages`]: EncryptedExtensions, Certificate,
//!   CertificateVerify (with its signed content), KeyUpdate, NewSessionTicket, and the
//!   transcript form of a message with the HRR `message_hash` rewrite.
//!
//! What the state machine still needs (issue 13): version negotiation in the existing
//! ClientHello path (offer 1.3 + 1.2 from `DTLS_method`, the RFC 8446 §4.1.3 downgrade
//! sentinel), CertificateRequest and the signature-scheme checks, the
//! stateless HRR cookie in the listener, the per-epoch receive windows (anti-replay after
//! authentication) and key sets (previous epoch kept until the peer moves on), flights with
//! ACK-driven retransmission and the §5.8 timers, 0-RTT refusal, PSK binders and resumption,
//! the exporter behind `SSL_export_keying_material`, and RFC 9147 §9 connection IDs.

pub mod ack;
pub mod client;
mod client_hello;
pub mod client_states;
pub mod epoch;
pub mod extensions;
pub mod flight;
pub mod hello;
pub mod key_schedule;
pub mod messages;
pub mod record_layer;
pub mod record_protection;
pub mod unified_header;
