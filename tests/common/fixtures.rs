//! Test fixtures (tests/certs, see its README.md) and the parameters of one test handshake.

/// Absolute path of a file in tests/certs.
pub fn cert_path(name: &str) -> String {
    format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// Contents of a file in tests/certs.
pub fn read_fixture(name: &str) -> Vec<u8> {
    let p = cert_path(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading fixture {p}: {e}"))
}

/// Trust anchors every test trusts: both test CAs and the long chain's root.
pub const CA_FILES: [&str; 3] = ["ca-ecdsa.pem", "ca-rsa.pem", "long-chain-root.pem"];

/// The ECDHE group of a test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    /// X25519.
    X25519,
    /// secp256r1.
    P256,
}

impl Group {
    /// OpenSSL's groups-list name.
    pub fn openssl_name(self) -> &'static str {
        match self {
            Group::X25519 => "X25519",
            Group::P256 => "P-256",
        }
    }
}

/// Which certificate chain and key an endpoint presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cred {
    /// P-256 leaf under the ECDSA CA.
    Ecdsa,
    /// RSA-2048 leaf under the RSA CA.
    Rsa,
    /// P-256 leaf + three RSA-4096 intermediates (> 4 KB of DER); usable by both roles.
    LongChain,
}

impl Cred {
    /// (chain PEM, key PEM) file names for a server.
    pub fn server_files(self) -> (&'static str, &'static str) {
        match self {
            Cred::Ecdsa => ("server-ecdsa.pem", "server-ecdsa.key"),
            Cred::Rsa => ("server-rsa.pem", "server-rsa.key"),
            Cred::LongChain => ("long-chain.pem", "long-chain-leaf.key"),
        }
    }

    /// (chain PEM, key PEM) file names for a client.
    pub fn client_files(self) -> (&'static str, &'static str) {
        match self {
            Cred::Ecdsa => ("client-ecdsa.pem", "client-ecdsa.key"),
            Cred::Rsa => ("client-rsa.pem", "client-rsa.key"),
            Cred::LongChain => ("long-chain.pem", "long-chain-leaf.key"),
        }
    }
}

/// True for an `ECDHE-ECDSA-*` suite (OpenSSL or IANA spelling).
pub fn suite_is_ecdsa(name: &str) -> bool {
    name.contains("ECDSA")
}

/// Everything both implementations need to agree on for one handshake.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The only suite offered/accepted, OpenSSL spelling.
    pub suite: &'static str,
    /// The only group offered/accepted.
    pub group: Group,
    /// Server requires a client certificate; client presents one.
    pub mutual: bool,
    /// Server chain.
    pub server_cred: Cred,
    /// Client chain (when `mutual`).
    pub client_cred: Cred,
    /// Path MTU of both endpoints.
    pub mtu: usize,
}

impl Spec {
    /// A spec whose credentials match the suite's authentication (ECDSA or RSA).
    pub fn new(suite: &'static str, group: Group, mutual: bool) -> Spec {
        let cred = if suite_is_ecdsa(suite) {
            Cred::Ecdsa
        } else {
            Cred::Rsa
        };
        Spec {
            suite,
            group,
            mutual,
            server_cred: cred,
            client_cred: cred,
            mtu: 1400,
        }
    }

    /// The default test spec: ECDHE-ECDSA-AES128-GCM-SHA256, X25519, no client auth.
    pub fn default_ecdsa() -> Spec {
        Spec::new("ECDHE-ECDSA-AES128-GCM-SHA256", Group::X25519, false)
    }
}
