//! What a server chooses for a full handshake from the ClientHello: the cipher suite,
//! the ECDHE group (RFC 8422 §5.1) and the ServerKeyExchange signature scheme
//! (RFC 5246 §7.4.1.4.1), as OpenSSL 3.0 chooses them, and the session ID that records
//! the choice.

use super::machine::Machine;
use super::messages::ClientHello;
use crate::crypto::ecdhe;
use crate::crypto::suites::{AuthKind, CipherSuite};
use crate::enums::{NamedGroup, SignatureScheme};
use crate::error::Error;
use crate::pki::keys::{KeyAlgorithm, SigningKey};

impl Machine {
    /// The first suite with certificate key type `auth` both sides have: in the client's
    /// order, or in ours with server preference (SSL_OP_CIPHER_SERVER_PREFERENCE).
    pub(super) fn choose_suite(
        &self,
        ch: &ClientHello,
        auth: AuthKind,
    ) -> Option<&'static CipherSuite> {
        let ours = |id: u16| {
            self.config
                .suites
                .iter()
                .copied()
                .find(|s| s.id == id && s.auth == auth)
        };
        if self.config.server_preference {
            self.config
                .suites
                .iter()
                .copied()
                .find(|s| s.auth == auth && ch.cipher_suites.contains(&s.id))
        } else {
            ch.cipher_suites.iter().find_map(|id| ours(*id))
        }
    }
}

/// The named curve an ECDSA certificate key lives on (None for RSA and Ed25519, which
/// supported_groups does not constrain in TLS 1.2).
pub(super) fn certificate_curve(alg: KeyAlgorithm) -> Option<NamedGroup> {
    match alg {
        KeyAlgorithm::EcdsaP256 => Some(NamedGroup::SECP256R1),
        KeyAlgorithm::EcdsaP384 => Some(NamedGroup::SECP384R1),
        KeyAlgorithm::Rsa | KeyAlgorithm::Ed25519 => None,
    }
}

/// The signature schemes the client offered (RFC 5246 §7.4.1.4.1); the defaults for a
/// missing extension use SHA-1, which we do not support, so SHA-256 is assumed instead.
pub(crate) fn client_sig_schemes(ch: &ClientHello) -> Vec<SignatureScheme> {
    ch.extensions
        .signature_algorithms
        .clone()
        .unwrap_or_else(|| {
            vec![
                SignatureScheme::ECDSA_SECP256R1_SHA256,
                SignatureScheme::RSA_PKCS1_SHA256,
            ]
        })
}

impl Machine {
    /// The ECDHE group for a full handshake, among the client's supported_groups (RFC 8422
    /// §5.1; P-256 when the extension is absent). As OpenSSL 3.0 (tls1_shared_group): the
    /// client's first group we also have, or with server preference
    /// (SSL_OP_CIPHER_SERVER_PREFERENCE) our first group the client also has.
    pub(crate) fn server_choose_group(&self, ch: &ClientHello) -> Result<NamedGroup, Error> {
        let client_groups = ch
            .extensions
            .supported_groups
            .clone()
            .unwrap_or_else(|| vec![NamedGroup::SECP256R1]);
        let ours = &self.config.groups;
        let usable = |g: &NamedGroup| ecdhe::is_supported(*g);
        let chosen = if self.config.server_preference {
            ours.iter().find(|g| client_groups.contains(g) && usable(g))
        } else {
            client_groups.iter().find(|g| ours.contains(g) && usable(g))
        };
        chosen
            .copied()
            .ok_or(Error::NoSharedParameters(crate::error::Unshared::Group))
    }

    /// The ServerKeyExchange signature scheme: as OpenSSL 3.0 (tls1_set_shared_sigalgs,
    /// tls_choose_sigalg), the first of the shared schemes the key can sign with, the shared
    /// list in the client's order, or in ours with server preference.
    pub(crate) fn server_choose_scheme(
        &self,
        key: &SigningKey,
        ch: &ClientHello,
    ) -> Option<SignatureScheme> {
        let peer = client_sig_schemes(ch);
        let ours = &self.config.sig_schemes;
        let (pref, allow) = if self.config.server_preference {
            (ours, &peer)
        } else {
            (&peer, ours)
        };
        let shared: Vec<SignatureScheme> =
            pref.iter().copied().filter(|s| allow.contains(s)).collect();
        if shared.is_empty() {
            // Nothing shared: the key's SHA-256 default, as before (see choose_scheme).
            return key.choose_scheme(&[]);
        }
        let can = key.supported_schemes();
        shared.into_iter().find(|s| can.contains(s))
    }

    /// Records a full handshake's choices, and a fresh session ID when sessions are
    /// cached (RFC 5246 §7.4.1.3).
    pub(crate) fn server_commit_full_handshake(
        &mut self,
        suite: &'static CipherSuite,
        group: Option<NamedGroup>,
        client_ems: bool,
    ) {
        self.hs.suite = Some(suite);
        self.hs.group = group;
        self.hs.ems = client_ems && self.config.extended_master_secret;
        if self.session_config().server_session_cache {
            let mut id = vec![0u8; 32];
            self.random_bytes(&mut id);
            self.hs.session_id = id;
        }
    }
}
