//! Private keys that sign our handshake messages (ServerKeyExchange, CertificateVerify).
//!
//! Accepted encodings: PKCS#8 `PRIVATE KEY` (RFC 5208; RSA, ECDSA P-256/P-384, Ed25519 in
//! v1 or v2 form per RFC 8410), SEC1 `EC PRIVATE KEY` (RFC 5915) and PKCS#1
//! `RSA PRIVATE KEY` (RFC 8017 §A.1.2). ring holds the key material.

use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};

use zeroize::Zeroizing;

use super::der::{self, DerReader};
use crate::enums::SignatureScheme;
use crate::error::Error;

/// OID 1.2.840.113549.1.1.1 rsaEncryption.
pub const OID_RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
/// OID 1.2.840.10045.2.1 id-ecPublicKey.
pub const OID_EC_PUBLIC_KEY: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
/// OID 1.2.840.10045.3.1.7 prime256v1 (P-256).
pub const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// OID 1.3.132.0.34 secp384r1 (P-384).
pub const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
/// OID 1.3.101.112 id-Ed25519.
pub const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];

/// The algorithm of a [`SigningKey`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// ECDSA on NIST P-256.
    EcdsaP256,
    /// ECDSA on NIST P-384.
    EcdsaP384,
    /// RSA (2048 to 8192 bits, ring's limits).
    Rsa,
    /// Ed25519 (RFC 8422 §5.1.3 for TLS 1.2).
    Ed25519,
}

enum Inner {
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair),
    Ed25519(Ed25519KeyPair),
}

/// A private key able to sign TLS 1.2 handshake messages. Shared through `Arc`.
pub struct SigningKey {
    alg: KeyAlgorithm,
    inner: Inner,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

const P256_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ECDSA_SECP256R1_SHA256];
const P384_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ECDSA_SECP384R1_SHA384];
const ED25519_SCHEMES: &[SignatureScheme] = &[SignatureScheme::ED25519];
const RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_RSAE_SHA256,
    SignatureScheme::RSA_PSS_RSAE_SHA384,
    SignatureScheme::RSA_PSS_RSAE_SHA512,
    SignatureScheme::RSA_PKCS1_SHA256,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA512,
];

fn bad(what: impl Into<String>) -> Error {
    Error::BadKeyMaterial(what.into())
}

impl SigningKey {
    /// Loads the first private key found in PEM `data` (other blocks, such as certificates
    /// or `EC PARAMETERS`, are skipped). DER input is passed to [`SigningKey::from_der`].
    pub fn from_pem(data: &[u8]) -> Result<Self, Error> {
        // Wrap every decoded block at once so key bytes are wiped whichever block we use.
        let blocks: Vec<(String, Zeroizing<Vec<u8>>)> = super::pem::pem_blocks(data)?
            .into_iter()
            .map(|(label, der)| (label, Zeroizing::new(der)))
            .collect();
        if blocks.is_empty() {
            return Self::from_der(data);
        }
        for (label, der) in &blocks {
            match label.as_str() {
                "PRIVATE KEY" => return Self::from_pkcs8(der),
                "EC PRIVATE KEY" => return Self::from_sec1(der, None),
                "RSA PRIVATE KEY" => return Self::from_pkcs1(der),
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(bad("encrypted private keys are not supported"))
                }
                _ => {}
            }
        }
        Err(bad(
            "no PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block in PEM input",
        ))
    }

    /// Loads a DER private key: PKCS#8, then SEC1, then PKCS#1 are tried in turn.
    pub fn from_der(der: &[u8]) -> Result<Self, Error> {
        Self::from_pkcs8(der)
            .or_else(|_| Self::from_sec1(der, None))
            .or_else(|_| Self::from_pkcs1(der))
            .map_err(|_| bad("not a PKCS#8, SEC1 or PKCS#1 private key we support"))
    }

    /// PKCS#8 PrivateKeyInfo / OneAsymmetricKey (RFC 5208 §5, RFC 5958 §2).
    fn from_pkcs8(der: &[u8]) -> Result<Self, Error> {
        let body = der::single(der, der::SEQUENCE, "PrivateKeyInfo")?;
        let mut r = DerReader::new(body);
        let version = r.expect(der::INTEGER, "version")?;
        if version != [0] && version != [1] {
            return Err(bad("unsupported PKCS#8 version"));
        }
        let mut alg = DerReader::new(r.expect(der::SEQUENCE, "AlgorithmIdentifier")?);
        let oid = alg.expect(der::OID, "algorithm")?;
        let private = r.expect(der::OCTET_STRING, "privateKey")?;
        if oid == OID_RSA_ENCRYPTION {
            Self::from_pkcs1(private)
        } else if oid == OID_EC_PUBLIC_KEY {
            let curve = alg.expect(der::OID, "namedCurve")?;
            Self::from_sec1(private, Some(curve))
        } else if oid == OID_ED25519 {
            // ring parses both v1 (no public key) and v2 documents itself.
            let kp = Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
                .map_err(|e| bad(format!("Ed25519 key rejected: {e}")))?;
            Ok(Self::new(KeyAlgorithm::Ed25519, Inner::Ed25519(kp)))
        } else {
            Err(bad(format!(
                "unsupported private key algorithm {}",
                der::oid_to_string(oid)
            )))
        }
    }

    /// SEC1 ECPrivateKey (RFC 5915 §3). The curve comes from `curve_oid` (PKCS#8) or the
    /// key's own `parameters`; the public key must be present (OpenSSL always writes it).
    fn from_sec1(der: &[u8], curve_oid: Option<&[u8]>) -> Result<Self, Error> {
        let body = der::single(der, der::SEQUENCE, "ECPrivateKey")?;
        let mut r = DerReader::new(body);
        if r.expect(der::INTEGER, "version")? != [1] {
            return Err(bad("unsupported ECPrivateKey version"));
        }
        let private = r.expect(der::OCTET_STRING, "privateKey")?;
        let mut curve = curve_oid;
        let mut public = None;
        if let Some(params) = r.optional(0xa0)? {
            let inner = der::single(params.value, der::OID, "ECParameters")?;
            if curve.is_some_and(|c| c != inner) {
                return Err(bad("EC key curve does not match its PKCS#8 algorithm"));
            }
            curve = Some(inner);
        }
        if let Some(pk) = r.optional(0xa1)? {
            let bits = der::single(pk.value, der::BIT_STRING, "publicKey")?;
            public = Some(der::bit_string_bytes(bits)?);
        }
        let (alg, ring_alg) = match curve {
            Some(c) if c == OID_P256 => (
                KeyAlgorithm::EcdsaP256,
                &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
            ),
            Some(c) if c == OID_P384 => (
                KeyAlgorithm::EcdsaP384,
                &signature::ECDSA_P384_SHA384_ASN1_SIGNING,
            ),
            Some(c) => {
                return Err(bad(format!(
                    "unsupported EC curve {}",
                    der::oid_to_string(c)
                )))
            }
            None => return Err(bad("EC private key does not name its curve")),
        };
        let public =
            public.ok_or_else(|| bad("EC private key without its public key is not supported"))?;
        let rng = SystemRandom::new();
        let kp = EcdsaKeyPair::from_private_key_and_public_key(ring_alg, private, public, &rng)
            .map_err(|e| bad(format!("EC key rejected: {e}")))?;
        Ok(Self::new(alg, Inner::Ecdsa(kp)))
    }

    /// PKCS#1 RSAPrivateKey.
    fn from_pkcs1(der: &[u8]) -> Result<Self, Error> {
        let kp = RsaKeyPair::from_der(der).map_err(|e| bad(format!("RSA key rejected: {e}")))?;
        Ok(Self::new(KeyAlgorithm::Rsa, Inner::Rsa(kp)))
    }

    fn new(alg: KeyAlgorithm, inner: Inner) -> Self {
        Self {
            alg,
            inner,
            rng: SystemRandom::new(),
        }
    }

    /// The key's algorithm.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.alg
    }

    /// The schemes this key can sign with, in our preference order.
    pub fn supported_schemes(&self) -> &'static [SignatureScheme] {
        match self.alg {
            KeyAlgorithm::EcdsaP256 => P256_SCHEMES,
            KeyAlgorithm::EcdsaP384 => P384_SCHEMES,
            KeyAlgorithm::Ed25519 => ED25519_SCHEMES,
            KeyAlgorithm::Rsa => RSA_SCHEMES,
        }
    }

    /// The first of our schemes that the peer offered.
    ///
    /// An empty `offered` means the peer sent no signature_algorithms extension; RFC 5246
    /// §7.4.1.4.1 then implies SHA-1, which we do not support, so we use SHA-256 with the
    /// key's own algorithm (what OpenSSL does at security level 1+ as well). Ed25519 has no
    /// such default and needs the extension (RFC 8422 §5.1.1).
    pub fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<SignatureScheme> {
        if offered.is_empty() {
            return match self.alg {
                KeyAlgorithm::EcdsaP256 => Some(SignatureScheme::ECDSA_SECP256R1_SHA256),
                KeyAlgorithm::EcdsaP384 => Some(SignatureScheme::ECDSA_SECP384R1_SHA384),
                KeyAlgorithm::Rsa => Some(SignatureScheme::RSA_PKCS1_SHA256),
                KeyAlgorithm::Ed25519 => None,
            };
        }
        self.supported_schemes()
            .iter()
            .copied()
            .find(|s| offered.contains(s))
    }

    /// Signs `message` with `scheme`, which must be one of [`SigningKey::supported_schemes`].
    pub fn sign(&self, scheme: SignatureScheme, message: &[u8]) -> Result<Vec<u8>, Error> {
        if !self.supported_schemes().contains(&scheme) {
            return Err(Error::alert(
                crate::error::AlertDescription::HANDSHAKE_FAILURE,
                format!("key cannot sign with {}", scheme.name()),
            ));
        }
        match &self.inner {
            Inner::Ecdsa(kp) => kp
                .sign(&self.rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| Error::Crypto("ECDSA signing failed")),
            Inner::Ed25519(kp) => Ok(kp.sign(message).as_ref().to_vec()),
            Inner::Rsa(kp) => {
                let padding: &'static dyn signature::RsaEncoding = match scheme {
                    SignatureScheme::RSA_PSS_RSAE_SHA256 => &signature::RSA_PSS_SHA256,
                    SignatureScheme::RSA_PSS_RSAE_SHA384 => &signature::RSA_PSS_SHA384,
                    SignatureScheme::RSA_PSS_RSAE_SHA512 => &signature::RSA_PSS_SHA512,
                    SignatureScheme::RSA_PKCS1_SHA256 => &signature::RSA_PKCS1_SHA256,
                    SignatureScheme::RSA_PKCS1_SHA384 => &signature::RSA_PKCS1_SHA384,
                    _ => &signature::RSA_PKCS1_SHA512,
                };
                let mut sig = vec![0u8; kp.public().modulus_len()];
                kp.sign(padding, &self.rng, message, &mut sig)
                    .map_err(|_| Error::Crypto("RSA signing failed"))?;
                Ok(sig)
            }
        }
    }

    /// The public key as it appears inside a certificate's SubjectPublicKeyInfo BIT STRING:
    /// an uncompressed EC point, the 32-byte Ed25519 key, or a DER RSAPublicKey.
    pub fn public_key_der(&self) -> Vec<u8> {
        match &self.inner {
            Inner::Ecdsa(kp) => kp.public_key().as_ref().to_vec(),
            Inner::Rsa(kp) => kp.public().as_ref().to_vec(),
            Inner::Ed25519(kp) => kp.public_key().as_ref().to_vec(),
        }
    }

    /// Whether `cert_der` certifies this key (OpenSSL's `SSL_CTX_check_private_key`).
    pub fn matches_certificate(&self, cert_der: &[u8]) -> bool {
        let Ok(info) = super::x509::parse_certificate(cert_der) else {
            return false;
        };
        let Ok(SpkiParts {
            algorithm: alg_oid,
            parameter: param,
            key,
        }) = spki_parts(&info.spki_der)
        else {
            return false;
        };
        match self.alg {
            KeyAlgorithm::EcdsaP256 => {
                alg_oid == OID_EC_PUBLIC_KEY
                    && param == Some(OID_P256)
                    && key == self.public_key_der().as_slice()
            }
            KeyAlgorithm::EcdsaP384 => {
                alg_oid == OID_EC_PUBLIC_KEY
                    && param == Some(OID_P384)
                    && key == self.public_key_der().as_slice()
            }
            KeyAlgorithm::Ed25519 => {
                alg_oid == OID_ED25519 && key == self.public_key_der().as_slice()
            }
            KeyAlgorithm::Rsa => {
                // Compare the numbers, not the bytes, so non-minimal encodings still match.
                alg_oid == OID_RSA_ENCRYPTION
                    && matches!(
                        (rsa_numbers(key), rsa_numbers(&self.public_key_der())),
                        (Ok(a), Ok(b)) if a == b
                    )
            }
        }
    }
}

/// The parts of a SubjectPublicKeyInfo (RFC 5280 §4.1.2.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpkiParts<'a> {
    /// Contents of the algorithm OID.
    pub algorithm: &'a [u8],
    /// Contents of the parameters when they are an OID (the named curve for EC keys).
    pub parameter: Option<&'a [u8]>,
    /// The subjectPublicKey BIT STRING's bytes.
    pub key: &'a [u8],
}

/// Splits a SubjectPublicKeyInfo into its algorithm, OID parameter and key bytes.
pub fn spki_parts(spki: &[u8]) -> Result<SpkiParts<'_>, Error> {
    let mut r = DerReader::new(der::single(spki, der::SEQUENCE, "SubjectPublicKeyInfo")?);
    let mut alg = DerReader::new(r.expect(der::SEQUENCE, "AlgorithmIdentifier")?);
    let oid = alg.expect(der::OID, "algorithm")?;
    let param = alg.optional(der::OID)?.map(|t| t.value);
    let key = der::bit_string_bytes(r.expect(der::BIT_STRING, "subjectPublicKey")?)?;
    r.finish("SubjectPublicKeyInfo")?;
    Ok(SpkiParts {
        algorithm: oid,
        parameter: param,
        key,
    })
}

/// (modulus, exponent) of a DER RSAPublicKey, without leading zeros.
fn rsa_numbers(der: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    let mut r = DerReader::new(der::single(der, der::SEQUENCE, "RSAPublicKey")?);
    let n = der::unsigned_integer(r.expect(der::INTEGER, "modulus")?);
    let e = der::unsigned_integer(r.expect(der::INTEGER, "publicExponent")?);
    r.finish("RSAPublicKey")?;
    Ok((n, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::pem::{load_certificates, pem_blocks};

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn cert(name: &str) -> Vec<u8> {
        load_certificates(&fixture(name)).unwrap().remove(0)
    }

    const PAIRS: &[(&str, &str, KeyAlgorithm)] = &[
        (
            "server-ecdsa.key",
            "server-ecdsa.pem",
            KeyAlgorithm::EcdsaP256,
        ),
        (
            "client-ecdsa.key",
            "client-ecdsa.pem",
            KeyAlgorithm::EcdsaP256,
        ),
        ("server-rsa.key", "server-rsa.pem", KeyAlgorithm::Rsa),
        ("client-rsa.key", "client-rsa.pem", KeyAlgorithm::Rsa),
        (
            "server-ed25519.key",
            "server-ed25519.pem",
            KeyAlgorithm::Ed25519,
        ),
        (
            "server-p384.key",
            "server-p384.pem",
            KeyAlgorithm::EcdsaP384,
        ),
        (
            "long-chain-leaf.key",
            "long-chain.pem",
            KeyAlgorithm::EcdsaP256,
        ),
        ("ca-ecdsa.key", "ca-ecdsa.pem", KeyAlgorithm::EcdsaP256),
        ("ca-rsa.key", "ca-rsa.pem", KeyAlgorithm::Rsa),
    ];

    #[test]
    fn loads_every_fixture_in_pem_and_der() {
        for (key, crt, alg) in PAIRS {
            let pem = fixture(key);
            let k = SigningKey::from_pem(&pem).unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(k.algorithm(), *alg, "{key}");
            let der = pem_blocks(&pem).unwrap().remove(0).1;
            let k2 = SigningKey::from_der(&der).unwrap_or_else(|e| panic!("{key} DER: {e}"));
            assert_eq!(k2.public_key_der(), k.public_key_der());
            assert!(k.matches_certificate(&cert(crt)), "{key} vs {crt}");
        }
        // The fixtures cover all three encodings.
        assert!(String::from_utf8(fixture("server-ecdsa.key"))
            .unwrap()
            .contains("EC PRIVATE"));
        assert!(String::from_utf8(fixture("server-rsa.key"))
            .unwrap()
            .contains("RSA PRIVATE"));
    }

    #[test]
    fn sign_verify_roundtrip_every_scheme() {
        for (key, crt, _) in PAIRS {
            let k = SigningKey::from_pem(&fixture(key)).unwrap();
            let c = cert(crt);
            for scheme in k.supported_schemes() {
                let sig = k.sign(*scheme, b"handshake transcript").unwrap();
                crate::pki::verify::verify_signature(&c, *scheme, b"handshake transcript", &sig)
                    .unwrap_or_else(|e| panic!("{key} {}: {e}", scheme.name()));
                assert!(crate::pki::verify::verify_signature(&c, *scheme, b"other", &sig).is_err());
            }
        }
    }

    #[test]
    fn mismatched_certificate_is_detected() {
        let k = SigningKey::from_pem(&fixture("server-ecdsa.key")).unwrap();
        for other in [
            "client-ecdsa.pem",
            "server-rsa.pem",
            "server-p384.pem",
            "ca-ecdsa.pem",
        ] {
            assert!(!k.matches_certificate(&cert(other)), "{other}");
        }
        assert!(!k.matches_certificate(b"\x30\x00"));
        let r = SigningKey::from_pem(&fixture("server-rsa.key")).unwrap();
        assert!(!r.matches_certificate(&cert("client-rsa.pem")));
        assert!(!r.matches_certificate(&cert("server-ecdsa.pem")));
    }

    #[test]
    fn scheme_choice() {
        let ec = SigningKey::from_pem(&fixture("server-ecdsa.key")).unwrap();
        let rsa = SigningKey::from_pem(&fixture("server-rsa.key")).unwrap();
        let ed = SigningKey::from_pem(&fixture("server-ed25519.key")).unwrap();
        use SignatureScheme as S;
        assert_eq!(ec.choose_scheme(&[]), Some(S::ECDSA_SECP256R1_SHA256));
        assert_eq!(rsa.choose_scheme(&[]), Some(S::RSA_PKCS1_SHA256));
        assert_eq!(ed.choose_scheme(&[]), None);
        assert_eq!(ec.choose_scheme(&[S::RSA_PKCS1_SHA256]), None);
        assert_eq!(
            rsa.choose_scheme(&[S::RSA_PKCS1_SHA256, S::RSA_PSS_RSAE_SHA384]),
            Some(S::RSA_PSS_RSAE_SHA384)
        );
        assert_eq!(ed.choose_scheme(&[S::ED25519]), Some(S::ED25519));
        assert!(ec.sign(S::RSA_PKCS1_SHA256, b"x").is_err());
    }

    #[test]
    fn ed25519_pkcs8_v2_from_ring() {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let k = SigningKey::from_der(doc.as_ref()).unwrap();
        assert_eq!(k.algorithm(), KeyAlgorithm::Ed25519);
        assert_eq!(k.public_key_der().len(), 32);
    }

    #[test]
    fn garbage_keys_are_errors_not_panics() {
        let good = pem_blocks(&fixture("server-ecdsa.key"))
            .unwrap()
            .remove(0)
            .1;
        for cut in 0..good.len() {
            assert!(SigningKey::from_der(&good[..cut]).is_err());
        }
        let mut flipped = good.clone();
        for i in 0..flipped.len() {
            flipped[i] ^= 0x41;
            let _ = SigningKey::from_der(&flipped);
            flipped[i] ^= 0x41;
        }
        assert!(SigningKey::from_pem(
            b"-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n"
        )
        .is_err());
        assert!(matches!(
            SigningKey::from_pem(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMAA=\n-----END ENCRYPTED PRIVATE KEY-----\n"),
            Err(Error::BadKeyMaterial(m)) if m.contains("encrypted")
        ));
    }
}
