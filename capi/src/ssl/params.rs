//! Parsers for the group and signature-algorithm lists of `SSL_CTX_set1_groups_list` and
//! `SSL_CTX_set1_sigalgs_list` (OpenSSL's spellings).
use rdtls::enums::{NamedGroup, SignatureScheme};

/// Longest list string accepted.
pub const MAX_LIST_LEN: usize = 4096;

/// The group an OpenSSL group name stands for (names are case-insensitive, as in OpenSSL).
pub fn group_by_name(name: &str) -> Option<NamedGroup> {
    match name.to_ascii_lowercase().as_str() {
        "x25519" => Some(NamedGroup::X25519),
        "p-256" | "prime256v1" | "secp256r1" => Some(NamedGroup::SECP256R1),
        "p-384" | "secp384r1" => Some(NamedGroup::SECP384R1),
        _ => None,
    }
}

/// The OpenSSL NID of a group (for `SSL_get_negotiated_group`).
pub fn group_nid(g: NamedGroup) -> i32 {
    use super::consts::*;
    match g {
        NamedGroup::X25519 => NID_X25519,
        NamedGroup::SECP256R1 => NID_X9_62_PRIME256V1,
        NamedGroup::SECP384R1 => NID_SECP384R1,
        _ => 0,
    }
}

/// The group with OpenSSL NID `nid` (for `SSL_CTX_set1_groups`).
pub fn group_from_nid(nid: i32) -> Option<NamedGroup> {
    NamedGroup::SUPPORTED
        .iter()
        .copied()
        .find(|g| group_nid(*g) == nid)
}

/// Parses "X25519:P-256". An entry prefixed with `?` may be unknown (it is skipped), as in
/// OpenSSL 3.0; any other unknown name rejects the list. Err carries the offending name.
pub fn parse_groups(list: &str) -> Result<Vec<NamedGroup>, String> {
    if list.len() > MAX_LIST_LEN {
        return Err("list too long".into());
    }
    let mut out = Vec::new();
    for item in list.split(':') {
        let (optional, name) = match item.strip_prefix('?') {
            Some(n) => (true, n),
            None => (false, item),
        };
        match group_by_name(name) {
            Some(g) if !out.contains(&g) => out.push(g),
            Some(_) => {}
            None if optional => {}
            None => return Err(name.to_owned()),
        }
    }
    if out.is_empty() {
        return Err(list.to_owned());
    }
    Ok(out)
}

/// The scheme for one OpenSSL sigalg spelling: "ECDSA+SHA256", "RSA-PSS+SHA384",
/// "rsa_pss_rsae_sha256", "ed25519", ...
pub fn sigalg_by_name(name: &str) -> Option<SignatureScheme> {
    let lower = name.to_ascii_lowercase();
    let s = match lower.as_str() {
        "ecdsa+sha256" | "ecdsa_secp256r1_sha256" => SignatureScheme::ECDSA_SECP256R1_SHA256,
        "ecdsa+sha384" | "ecdsa_secp384r1_sha384" => SignatureScheme::ECDSA_SECP384R1_SHA384,
        "rsa+sha256" | "rsa_pkcs1_sha256" => SignatureScheme::RSA_PKCS1_SHA256,
        "rsa+sha384" | "rsa_pkcs1_sha384" => SignatureScheme::RSA_PKCS1_SHA384,
        "rsa+sha512" | "rsa_pkcs1_sha512" => SignatureScheme::RSA_PKCS1_SHA512,
        "rsa-pss+sha256" | "pss+sha256" | "rsa_pss_rsae_sha256" => {
            SignatureScheme::RSA_PSS_RSAE_SHA256
        }
        "rsa-pss+sha384" | "pss+sha384" | "rsa_pss_rsae_sha384" => {
            SignatureScheme::RSA_PSS_RSAE_SHA384
        }
        "rsa-pss+sha512" | "pss+sha512" | "rsa_pss_rsae_sha512" => {
            SignatureScheme::RSA_PSS_RSAE_SHA512
        }
        "ed25519" => SignatureScheme::ED25519,
        _ => return None,
    };
    SignatureScheme::SUPPORTED.contains(&s).then_some(s)
}

/// Parses a sigalgs list ("ECDSA+SHA256:RSA-PSS+SHA256:ed25519"). Unknown names reject it.
pub fn parse_sigalgs(list: &str) -> Result<Vec<SignatureScheme>, String> {
    if list.len() > MAX_LIST_LEN {
        return Err("list too long".into());
    }
    let mut out = Vec::new();
    for item in list.split(':') {
        match sigalg_by_name(item) {
            Some(s) if !out.contains(&s) => out.push(s),
            Some(_) => {}
            None => return Err(item.to_owned()),
        }
    }
    if out.is_empty() {
        return Err(list.to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups() {
        assert_eq!(
            parse_groups("X25519:P-256:secp384r1").unwrap(),
            [
                NamedGroup::X25519,
                NamedGroup::SECP256R1,
                NamedGroup::SECP384R1
            ]
        );
        assert_eq!(parse_groups("prime256v1").unwrap(), [NamedGroup::SECP256R1]);
        assert_eq!(
            parse_groups("x25519:?brainpoolP256r1").unwrap(),
            [NamedGroup::X25519]
        );
        assert_eq!(parse_groups("X25519:ffdhe2048").unwrap_err(), "ffdhe2048");
        assert!(parse_groups("").is_err());
        assert!(parse_groups("?foo").is_err());
        assert_eq!(group_from_nid(1034), Some(NamedGroup::X25519));
        assert_eq!(group_nid(NamedGroup::SECP384R1), 715);
    }

    #[test]
    fn sigalgs() {
        assert_eq!(
            parse_sigalgs("ECDSA+SHA256:RSA-PSS+SHA256:rsa_pkcs1_sha384:ed25519").unwrap(),
            [
                SignatureScheme::ECDSA_SECP256R1_SHA256,
                SignatureScheme::RSA_PSS_RSAE_SHA256,
                SignatureScheme::RSA_PKCS1_SHA384,
                SignatureScheme::ED25519
            ]
        );
        assert_eq!(
            parse_sigalgs("ECDSA+SHA256:DSA+SHA1").unwrap_err(),
            "DSA+SHA1"
        );
        assert!(parse_sigalgs("").is_err());
    }

    #[test]
    fn list_length_limit() {
        let long = "X25519:".repeat(MAX_LIST_LEN);
        assert!(parse_groups(&long).is_err());
        assert!(parse_sigalgs(&long).is_err());
    }
}
