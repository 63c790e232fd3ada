//! Wire code points, as open newtypes so unknown values survive a round trip.

/// DTLS 1.2 version on the wire ({254, 253}, RFC 6347 §4.1).
pub const DTLS1_2_VERSION: u16 = 0xfefd;
/// DTLS 1.0 version on the wire ({254, 255}).
pub const DTLS1_0_VERSION: u16 = 0xfeff;

/// Record content type (RFC 5246 §6.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentType(pub u8);

impl ContentType {
    /// `change_cipher_spec` (20).
    pub const CHANGE_CIPHER_SPEC: Self = Self(20);
    /// `alert` (21).
    pub const ALERT: Self = Self(21);
    /// `handshake` (22).
    pub const HANDSHAKE: Self = Self(22);
    /// `application_data` (23).
    pub const APPLICATION_DATA: Self = Self(23);
    /// `tls12_cid` (25, RFC 9146 §4): the outer type of a record carrying a connection ID;
    /// the real type travels encrypted inside. Never a real (inner) type itself.
    pub const TLS12_CID: Self = Self(25);

    /// True for the four content types DTLS 1.2 defines.
    pub fn is_known(self) -> bool {
        (20..=23).contains(&self.0)
    }
}

/// Handshake message type (RFC 5246 §7.4, RFC 6347 §4.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandshakeType(pub u8);

impl HandshakeType {
    /// `hello_request` (0).
    pub const HELLO_REQUEST: Self = Self(0);
    /// `client_hello` (1).
    pub const CLIENT_HELLO: Self = Self(1);
    /// `server_hello` (2).
    pub const SERVER_HELLO: Self = Self(2);
    /// `hello_verify_request` (3).
    pub const HELLO_VERIFY_REQUEST: Self = Self(3);
    /// `new_session_ticket` (4).
    pub const NEW_SESSION_TICKET: Self = Self(4);
    /// `certificate` (11).
    pub const CERTIFICATE: Self = Self(11);
    /// `server_key_exchange` (12).
    pub const SERVER_KEY_EXCHANGE: Self = Self(12);
    /// `certificate_request` (13).
    pub const CERTIFICATE_REQUEST: Self = Self(13);
    /// `server_hello_done` (14).
    pub const SERVER_HELLO_DONE: Self = Self(14);
    /// `certificate_verify` (15).
    pub const CERTIFICATE_VERIFY: Self = Self(15);
    /// `client_key_exchange` (16).
    pub const CLIENT_KEY_EXCHANGE: Self = Self(16);
    /// `finished` (20).
    pub const FINISHED: Self = Self(20);

    /// Name for traces (`-msg`) and error strings.
    pub fn name(self) -> &'static str {
        match self.0 {
            0 => "HelloRequest",
            1 => "ClientHello",
            2 => "ServerHello",
            3 => "HelloVerifyRequest",
            4 => "NewSessionTicket",
            11 => "Certificate",
            12 => "ServerKeyExchange",
            13 => "CertificateRequest",
            14 => "ServerHelloDone",
            15 => "CertificateVerify",
            16 => "ClientKeyExchange",
            20 => "Finished",
            _ => "Unknown",
        }
    }
}

/// Named (EC)DHE group (RFC 8422 §5.1.1, RFC 7919).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NamedGroup(pub u16);

impl NamedGroup {
    /// `secp256r1` (23).
    pub const SECP256R1: Self = Self(23);
    /// `secp384r1` (24).
    pub const SECP384R1: Self = Self(24);
    /// `x25519` (29).
    pub const X25519: Self = Self(29);

    /// Groups we implement, in default preference order.
    pub const SUPPORTED: [NamedGroup; 3] = [Self::X25519, Self::SECP256R1, Self::SECP384R1];

    /// OpenSSL's name for the group (`X25519`, `P-256`, `P-384`).
    pub fn name(self) -> &'static str {
        match self.0 {
            23 => "P-256",
            24 => "P-384",
            29 => "X25519",
            _ => "unknown",
        }
    }
}

/// TLS 1.2 SignatureAndHashAlgorithm as a 16-bit SignatureScheme (RFC 8446 §4.2.3 values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SignatureScheme(pub u16);

impl SignatureScheme {
    /// `rsa_pkcs1_sha256` (0x0401).
    pub const RSA_PKCS1_SHA256: Self = Self(0x0401);
    /// `rsa_pkcs1_sha384` (0x0501).
    pub const RSA_PKCS1_SHA384: Self = Self(0x0501);
    /// `rsa_pkcs1_sha512` (0x0601).
    pub const RSA_PKCS1_SHA512: Self = Self(0x0601);
    /// `ecdsa_secp256r1_sha256` (0x0403).
    pub const ECDSA_SECP256R1_SHA256: Self = Self(0x0403);
    /// `ecdsa_secp384r1_sha384` (0x0503).
    pub const ECDSA_SECP384R1_SHA384: Self = Self(0x0503);
    /// `rsa_pss_rsae_sha256` (0x0804).
    pub const RSA_PSS_RSAE_SHA256: Self = Self(0x0804);
    /// `rsa_pss_rsae_sha384` (0x0805).
    pub const RSA_PSS_RSAE_SHA384: Self = Self(0x0805);
    /// `rsa_pss_rsae_sha512` (0x0806).
    pub const RSA_PSS_RSAE_SHA512: Self = Self(0x0806);
    /// `ed25519` (0x0807).
    pub const ED25519: Self = Self(0x0807);

    /// Schemes we implement, in default preference order.
    pub const SUPPORTED: [SignatureScheme; 9] = [
        Self::ECDSA_SECP256R1_SHA256,
        Self::ECDSA_SECP384R1_SHA384,
        Self::ED25519,
        Self::RSA_PSS_RSAE_SHA256,
        Self::RSA_PSS_RSAE_SHA384,
        Self::RSA_PSS_RSAE_SHA512,
        Self::RSA_PKCS1_SHA256,
        Self::RSA_PKCS1_SHA384,
        Self::RSA_PKCS1_SHA512,
    ];

    /// OpenSSL's sigalgs-list name (`ECDSA+SHA256`, `rsa_pss_rsae_sha256`, `ed25519`, ...).
    pub fn name(self) -> &'static str {
        match self.0 {
            0x0401 => "RSA+SHA256",
            0x0501 => "RSA+SHA384",
            0x0601 => "RSA+SHA512",
            0x0403 => "ECDSA+SHA256",
            0x0503 => "ECDSA+SHA384",
            0x0804 => "rsa_pss_rsae_sha256",
            0x0805 => "rsa_pss_rsae_sha384",
            0x0806 => "rsa_pss_rsae_sha512",
            0x0807 => "ed25519",
            _ => "unknown",
        }
    }
}

/// Hello extension type (IANA registry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExtensionType(pub u16);

impl ExtensionType {
    /// `server_name` (0).
    pub const SERVER_NAME: Self = Self(0);
    /// `supported_groups` (10).
    pub const SUPPORTED_GROUPS: Self = Self(10);
    /// `ec_point_formats` (11).
    pub const EC_POINT_FORMATS: Self = Self(11);
    /// `signature_algorithms` (13).
    pub const SIGNATURE_ALGORITHMS: Self = Self(13);
    /// `use_srtp` (14).
    pub const USE_SRTP: Self = Self(14);
    /// `application_layer_protocol_negotiation` (16, RFC 7301).
    pub const ALPN: Self = Self(16);
    /// `encrypt_then_mac` (22, RFC 7366).
    pub const ENCRYPT_THEN_MAC: Self = Self(22);
    /// `extended_master_secret` (23).
    pub const EXTENDED_MASTER_SECRET: Self = Self(23);
    /// `connection_id` (54, RFC 9146 §3; the draft's 53 and Mbed TLS 2.x's 254 differ).
    pub const CONNECTION_ID: Self = Self(54);
    /// `session_ticket` (35).
    pub const SESSION_TICKET: Self = Self(35);
    /// `renegotiation_info` (0xff01).
    pub const RENEGOTIATION_INFO: Self = Self(0xff01);
}

/// TLS_EMPTY_RENEGOTIATION_INFO_SCSV (RFC 5746 §3.3).
pub const EMPTY_RENEGOTIATION_INFO_SCSV: u16 = 0x00ff;
