//! What an `SSL_CTX` configures and each `SSL` copies at `SSL_new` (OpenSSL copies options,
//! verify mode and callback, cipher list, certificate and key, ... into every new `SSL`):
//! its defaults and turning it into an engine [`Config`] (the struct and the C callback
//! types it holds are in `objects.rs`).
use std::ffi::c_long;
use std::sync::Arc;
use std::time::Duration;

use rdtls::config::TicketKey13;
use rdtls::cookie::CookieKeys;
use rdtls::enums::{NamedGroup, SignatureScheme};
use rdtls::pki::verify::TrustStore;
use rdtls::session::cache::SessionCache;
use rdtls::{Config, VerifyMode};

use super::consts::*;
use super::objects::Settings;
use super::state::values::Variant;
use super::state::AppPtr;

impl Default for Settings {
    fn default() -> Self {
        Settings {
            options: 0,
            mode: SSL_MODE_AUTO_RETRY,
            verify_mode: SSL_VERIFY_NONE,
            verify_depth: -1,
            verify_callback: None,
            // OpenSSL's default list, PSK suites included (offered only with a callback).
            suites: super::cipher_list::OPENSSL_DEFAULT.to_vec(),
            groups: NamedGroup::SUPPORTED.to_vec(),
            sigalgs: SignatureScheme::SUPPORTED.to_vec(),
            cert: None,
            chain: Arc::new(Vec::new()),
            key: None,
            min_proto: 0,
            max_proto: 0,
            dtls13_method: true,
            dtls13_by_default: true,
            tls13_suites: super::cipher_list::TLS13_DEFAULT.to_vec(),
            sid_ctx: Vec::new(),
            read_ahead: false,
            quiet_shutdown: false,
            msg_callback: None,
            msg_callback_arg: AppPtr::default(),
            max_cert_list: SSL_MAX_CERT_LIST_DEFAULT,
            verify_hostname: false,
            ca_names: Default::default(),
            max_send_fragment: 16384,
            srtp_profiles: Vec::new(),
            srtp_own: false,
            alpn: Vec::new(),
            psk_client_callback: None,
            psk_server_callback: None,
            psk_identity_hint: None,
            connection_id: None,
        }
    }
}

/// Chain depth used when the application set none (OpenSSL's effective default is 100).
pub const DEFAULT_VERIFY_DEPTH: usize = 100;

/// Objects shared by every config built for one `SSL_CTX`.
pub struct Shared<'a> {
    /// Trust anchors.
    pub trust: Arc<TrustStore>,
    /// Cookie secrets.
    pub cookie_keys: &'a Arc<CookieKeys>,
    /// Server session cache.
    pub session_cache: &'a Arc<SessionCache>,
    /// The context's DTLS 1.3 ticket key.
    pub ticket_key13: Option<&'a Arc<TicketKey13>>,
}

impl Settings {
    /// The engine verify mode for `SSL_VERIFY_*` bits.
    pub fn engine_verify_mode(&self) -> VerifyMode {
        if self.verify_mode & SSL_VERIFY_PEER == 0 {
            VerifyMode::None
        } else if self.verify_mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT != 0 {
            VerifyMode::RequirePeerCertificate
        } else {
            VerifyMode::Peer
        }
    }

    /// The engine's (min, max) wire versions for these settings, or why no version is
    /// left. A version-flexible method offers DTLS 1.3 and 1.2 unless the maximum is
    /// `DTLS1_2_VERSION` (set by the application, or `RDTLS_MAX_PROTO=DTLSv1.2` when none
    /// is set) or no TLS 1.3 suite is left; a version-specific method never offers 1.3.
    pub fn engine_versions(&self) -> Result<(u16, u16), &'static str> {
        // DTLS version numbers count downwards: 1.0 = 0xFEFF > 1.2 = 0xFEFD > 1.3 = 0xFEFC.
        if self.max_proto == DTLS1_VERSION {
            return Err("maximum protocol version is DTLS 1.0 (rdtls speaks DTLS 1.2 and 1.3)");
        }
        // SSL_*_set_ciphersuites("") leaves no TLS 1.3 suite: DTLS 1.3 is off.
        let max13 = self.dtls13_method
            && !self.tls13_suites.is_empty()
            && match self.max_proto {
                0 => self.dtls13_by_default,
                v => v == DTLS1_3_VERSION,
            };
        let min13 = self.min_proto == DTLS1_3_VERSION || self.options & SSL_OP_NO_DTLSv1_2 != 0;
        match (min13, max13) {
            (false, false) => Ok((0xFEFD, 0xFEFD)),
            (false, true) => Ok((0xFEFD, 0xFEFC)),
            (true, true) => Ok((0xFEFC, 0xFEFC)),
            (true, false) if !self.dtls13_method => Err(
                "DTLS 1.2 is excluded (minimum DTLS 1.3 or SSL_OP_NO_DTLSv1_2) and the method \
                 is DTLS 1.2 only (use DTLS_method for DTLS 1.3)",
            ),
            (true, false) if self.tls13_suites.is_empty() => Err(
                "DTLS 1.2 is excluded (minimum DTLS 1.3 or SSL_OP_NO_DTLSv1_2) and no TLS 1.3 \
                 ciphersuite is enabled (SSL_CTX_set_ciphersuites)",
            ),
            (true, false) => Err(
                "DTLS 1.2 is excluded (minimum DTLS 1.3 or SSL_OP_NO_DTLSv1_2) and the \
                 maximum is DTLS 1.2 (SSL_CTX_set_max_proto_version or RDTLS_MAX_PROTO)",
            ),
        }
    }

    /// DTLS 1.3 may be negotiated (the maximum is DTLS 1.3).
    pub fn dtls13_enabled(&self) -> bool {
        self.engine_versions().is_ok_and(|(_, max)| max == 0xFEFC)
    }

    /// Why no protocol version is left, if none is.
    pub fn dtls12_disabled(&self) -> Option<&'static str> {
        self.engine_versions().err()
    }

    /// Whether `build_config` gives the same configuration for `self` and `other` (same
    /// shared objects and variant): every field it reads is equal, shared certificate and
    /// key objects by identity. Keep in step with `build_config`.
    pub fn same_config_inputs(&self, other: &Settings) -> bool {
        fn same_arc<T>(a: &Option<Arc<T>>, b: &Option<Arc<T>>) -> bool {
            match (a, b) {
                (Some(a), Some(b)) => Arc::ptr_eq(a, b),
                (None, None) => true,
                _ => false,
            }
        }
        self.suites.len() == other.suites.len()
            && self
                .suites
                .iter()
                .zip(&other.suites)
                .all(|(a, b)| std::ptr::eq(*a, *b))
            && self.groups == other.groups
            && self.sigalgs == other.sigalgs
            && self.options == other.options
            && self.engine_versions() == other.engine_versions()
            && self.tls13_suites == other.tls13_suites
            && self.verify_mode == other.verify_mode
            && self.verify_depth == other.verify_depth
            && self.verify_hostname == other.verify_hostname
            && self.sid_ctx == other.sid_ctx
            && self.srtp_profiles == other.srtp_profiles
            && self.alpn == other.alpn
            && self.psk_identity_hint == other.psk_identity_hint
            && same_arc(&self.cert, &other.cert)
            && Arc::ptr_eq(&self.chain, &other.chain)
            && same_arc(&self.key, &other.key)
            && self.ca_names.for_certificate_request() == other.ca_names.for_certificate_request()
    }

    /// Builds the engine configuration.
    pub fn build_config(
        &self,
        shared: Shared<'_>,
        v: Variant,
    ) -> Result<Arc<Config>, rdtls::Error> {
        let depth = usize::try_from(self.verify_depth).unwrap_or(DEFAULT_VERIFY_DEPTH);
        let (min_version, max_version) = self
            .engine_versions()
            .map_err(|why| rdtls::Error::Config(why.to_owned()))?;
        let tls13_suites = self
            .tls13_suites
            .iter()
            .filter_map(|&id| rdtls::Suite13::from_u16(id))
            .collect();
        let mut b = Config::builder()
            .versions(min_version, max_version)?
            .tls13_suites(tls13_suites)
            .cipher_suites(&self.suites)
            .groups(&self.groups)
            .signature_schemes(&self.sigalgs)
            .trust_store(shared.trust)
            .verify_mode(self.engine_verify_mode())
            .verify_depth(depth)
            .dangerous()
            .hostname_verification(self.verify_hostname)
            .cookie_exchange(v.cookie_exchange)
            .cookie_keys(shared.cookie_keys.clone())
            .extended_master_secret(self.options & SSL_OP_NO_EXTENDED_MASTER_SECRET == 0)
            // Without encrypt_then_mac rdtls uses no CBC suite (no MAC-then-encrypt).
            .encrypt_then_mac(self.options & SSL_OP_NO_ENCRYPT_THEN_MAC == 0)
            // OpenSSL honours the client's order unless SSL_OP_CIPHER_SERVER_PREFERENCE.
            .server_preference(self.options & SSL_OP_CIPHER_SERVER_PREFERENCE != 0)
            .shared_session_cache(shared.session_cache.clone())
            .session_id_context(&self.sid_ctx)
            .server_session_cache(v.server_session_cache)
            .server_session_store(v.server_session_store)
            .server_session_lookup(v.server_session_lookup)
            .message_events(v.message_events)
            .message_event_bodies(v.message_bodies)
            .keylog(v.keylog)
            .record_headers(v.record_headers)
            .certificate_authorities(self.ca_names.for_certificate_request())
            .srtp_profiles(&self.srtp_profiles)
            .alpn_protocols(&rdtls::alpn::parse_wire_list(&self.alpn).unwrap_or_default());
        if let Some(hint) = &self.psk_identity_hint {
            b = b.psk_identity_hint(hint);
        }
        b = match &self.connection_id {
            Some(rdtls::config::LocalConnectionId::Fixed(cid)) => {
                b.connection_id(Some(cid.clone()))
            }
            Some(rdtls::config::LocalConnectionId::Random(n)) => b.connection_id_len(Some(*n)),
            None => b,
        };
        if let (Some(cert), Some(key)) = (&self.cert, &self.key) {
            let mut chain = Vec::with_capacity(1 + self.chain.len());
            chain.push(cert.as_ref().clone());
            chain.extend(self.chain.iter().cloned());
            b = b.identity(chain, key.clone());
        }
        if let Some(key) = shared.ticket_key13 {
            b = b.tls13_ticket_key(key.clone());
        }
        b.build()
    }
}

/// Session lifetime from `SSL_CTX_set_timeout` seconds (negative or zero: OpenSSL's 300 s).
pub fn session_lifetime(secs: c_long) -> Duration {
    match u64::try_from(secs) {
        Ok(s) if s > 0 => Duration::from_secs(s),
        _ => Duration::from_secs(300),
    }
}
