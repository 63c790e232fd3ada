//! The client's first flight: ClientHello with `supported_versions` (DTLS 1.3 only),
//! `supported_groups`, `signature_algorithms`, one `key_share`, `psk_key_exchange_modes`,
//! SNI, after a HelloRetryRequest the echoed cookie (RFC 8446 §4.1.2, RFC 9147 §5.3), and
//! when resuming a ticket's `pre_shared_key` with its binder, last (RFC 8446 §4.2.11).

use rand::RngCore;

use std::time::Instant;

use super::client::{Client13, Ticket13};
use super::extensions::{self as ext, ext_type, group, psk_mode, KeyShareEntry, DTLS1_3};
use super::handshake13 as hs13;
use super::hello::ClientHello;
use super::key_schedule::KeySchedule;
use super::psk::{self, OfferedPsks, PskIdentity};
use crate::crypto::ecdhe::EphemeralKeyPair;
use crate::enums::ExtensionType;
use crate::error::Error;
use crate::srtp::UseSrtp;

/// Signature schemes allowed in a TLS 1.3 CertificateVerify (RFC 8446 §4.2.3): ECDSA with
/// the matching curve, RSA-PSS, Ed25519.
pub const TLS13_SCHEMES: [u16; 7] = [0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807];

/// The groups we can do a key share in.
pub const TLS13_GROUPS: [u16; 3] = [group::X25519, group::SECP256R1, group::SECP384R1];

impl Client13 {
    /// Groups offered: the configuration's, in its order, among [`TLS13_GROUPS`].
    pub(crate) fn offered_groups(&self) -> Vec<u16> {
        hs13::tls13_groups(&self.ch.cfg)
    }

    /// Signature schemes offered: the configuration's TLS 1.3-capable ones.
    pub(crate) fn offered_schemes(&self) -> Vec<u16> {
        hs13::tls13_subset(self.ch.cfg.sig_schemes.iter().map(|s| s.0), &TLS13_SCHEMES)
    }

    /// A fresh key pair in `group` (from the seeded RNG in test builds).
    pub(crate) fn key_pair(&mut self, group: u16) -> Result<EphemeralKeyPair, Error> {
        hs13::key_pair(&self.ch.cfg, &mut self.rng, group)
    }

    /// A random.
    pub(crate) fn random(&mut self) -> [u8; 32] {
        let mut r = [0u8; 32];
        self.rng.fill_bytes(&mut r);
        r
    }

    /// The name sent as SNI: RFC 6066 §3 allows one host_name, never an IP literal.
    pub(crate) fn sni_name(&self) -> Option<&str> {
        self.opts
            .server_name
            .as_deref()
            .filter(|n| !n.is_empty() && n.len() < 256 && n.parse::<std::net::IpAddr>().is_err())
    }

    /// The ClientHello body with a share for `share`, the HRR `cookie`, and `psk`: a
    /// ticket offered at `now` after the transcript `prefix` (empty for ClientHello1).
    pub(crate) fn client_hello_body(
        &self,
        random: [u8; 32],
        share: &EphemeralKeyPair,
        cookie: Option<&[u8]>,
        psk: Option<(&Ticket13, Instant, &[u8])>,
    ) -> Result<Vec<u8>, Error> {
        let mut exts: Vec<(u16, Vec<u8>)> = Vec::new();
        let mut put = |typ: u16, f: &dyn Fn(&mut Vec<u8>)| {
            let mut b = Vec::new();
            f(&mut b);
            exts.push((typ, b));
        };
        if let Some(name) = self.sni_name() {
            put(ext_type::SERVER_NAME, &|o| {
                let n = name.as_bytes();
                o.extend_from_slice(&((n.len() + 3) as u16).to_be_bytes());
                o.push(0);
                o.extend_from_slice(&(n.len() as u16).to_be_bytes());
                o.extend_from_slice(n);
            });
        }
        if !self.ch.cfg.alpn_protocols.is_empty() {
            let names = &self.ch.cfg.alpn_protocols;
            put(ExtensionType::ALPN.0, &|o| crate::alpn::encode(names, o));
        }
        if !self.ch.cfg.srtp_profiles.is_empty() {
            // RFC 5764 §4.1.1: our profiles, no MKI.
            let u = UseSrtp {
                profiles: self.ch.cfg.srtp_profiles.clone(),
                mki: Vec::new(),
            };
            put(ExtensionType::USE_SRTP.0, &|o| u.encode(o));
        }
        // RFC 9147 §5.3: with a 1.2 offer merged in, both versions, ours first.
        let versions: &[u16] = if self.legacy.is_some() {
            &[DTLS1_3, crate::config::DTLS1_2_VERSION]
        } else {
            &[DTLS1_3]
        };
        put(ext_type::SUPPORTED_VERSIONS, &|o| {
            ext::encode_versions_client(o, versions)
        });
        let groups = self.offered_groups();
        put(ext_type::SUPPORTED_GROUPS, &|o| {
            ext::encode_u16_list(o, &groups)
        });
        let schemes = self.offered_schemes();
        put(ext_type::SIGNATURE_ALGORITHMS, &|o| {
            ext::encode_u16_list(o, &schemes)
        });
        put(ext_type::KEY_SHARE, &|o| {
            ext::encode_key_share_client(
                o,
                &[KeyShareEntry {
                    group: share.group().0,
                    key_exchange: share.public_key().to_vec(),
                }],
            )
        });
        // psk_dhe_ke: lets the server send tickets for a later resumption (§4.2.9).
        put(ext_type::PSK_KEY_EXCHANGE_MODES, &|o| {
            ext::encode_psk_modes(o, &[psk_mode::PSK_DHE_KE])
        });
        if let Some(c) = cookie {
            put(ext_type::COOKIE, &|o| ext::encode_cookie(o, c));
        }
        if let Some(cid) = &self.own_cid {
            // RFC 9146 §3: the CID we want the server's records to carry.
            put(ext_type::CONNECTION_ID, &|o| {
                super::connection_id::encode_extension(o, cid)
            });
        }
        let mut offered = None;
        if let Some((t, now, _)) = psk {
            let age = now.saturating_duration_since(t.received).as_millis();
            let o = OfferedPsks {
                identities: vec![PskIdentity {
                    identity: t.ticket.ticket.clone(),
                    obfuscated_ticket_age: psk::obfuscated_age(age as u64, t.ticket.age_add),
                }],
                binders: vec![vec![0; t.suite.hash().output_len()]],
            };
            put(ext_type::PRE_SHARED_KEY, &|b| o.encode(b));
            offered = Some(o);
        }
        if let Some(l) = &self.legacy {
            l.merge_extensions(&mut exts);
            // pre_shared_key stays last (RFC 8446 §4.2.11).
            if let Some(i) = exts
                .iter()
                .position(|(t, _)| *t == ext_type::PRE_SHARED_KEY)
            {
                let psk = exts.remove(i);
                exts.push(psk);
            }
        }
        let mut suites: Vec<u16> = self.opts.suites.iter().map(|s| s.to_u16()).collect();
        let mut hello = ClientHello::new(random, Vec::new(), exts);
        if let Some(l) = &self.legacy {
            // The 1.2 suites after ours (RFC 8446 §4.1.2), and the 1.2 session to resume.
            suites.extend_from_slice(&l.suites);
            hello.legacy_session_id = l.session_id.clone();
        }
        hello.cipher_suites = suites;
        let mut b = Vec::new();
        hello.encode(&mut b);
        if let (Some((t, _, prefix)), Some(o)) = (psk, offered) {
            // The extension is last and its binders last inside it: the binder value is
            // the final hash-length bytes of the message.
            let ks = KeySchedule::dtls13(t.suite.hash());
            let binder = psk::binder(&ks, &t.psk, prefix, &b, o.binders_len())
                .map_err(|_| Error::Crypto("PSK binder"))?;
            let at = b.len() - binder.as_bytes().len();
            b[at..].copy_from_slice(binder.as_bytes());
        }
        Ok(b)
    }
}
