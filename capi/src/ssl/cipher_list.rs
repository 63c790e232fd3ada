//! OpenSSL cipher strings (`SSL_CTX_set_cipher_list`, `ciphers(1)`) over rdtls's suites.
//!
//! The model follows OpenSSL's documented rule language and reproduces its observable order:
//! every suite sits in one ordered list and is either active or not. Items are separated by
//! `:`, `,`, `;` or space. An item is a name, or several joined by `+` (all must match), with
//! an optional prefix:
//!
//! * none: append matching inactive suites to the end, in list order;
//! * `-`: deactivate matching suites (they move to the front and may be added again later);
//! * `+`: move matching active suites to the end;
//! * `!`: remove matching suites for good;
//! * `@STRENGTH`: sort active suites by symmetric key bits, strongest first (stable);
//!   `@SECLEVEL=n` (0..=5) is accepted and ignored.
//!
//! `DEFAULT` is special only at the very start of the string, as in OpenSSL. Unknown names
//! are ignored; a list that ends up empty fails with "no cipher match"; a character that is
//! neither a separator, a prefix nor part of a name fails with "invalid command".

use rdtls::suites::{self, AeadKind, AuthKind, CipherSuite};

/// OpenSSL reason `SSL_R_NO_CIPHER_MATCH`.
pub const SSL_R_NO_CIPHER_MATCH: i32 = 185;
/// OpenSSL reason `SSL_R_INVALID_COMMAND`.
pub const SSL_R_INVALID_COMMAND: i32 = 280;

/// Longest cipher string we parse; OpenSSL has no limit, but nothing sensible is this long.
pub const MAX_CIPHER_STRING_LEN: usize = 64 * 1024;

/// Every suite in the order OpenSSL's own list places them (`openssl ciphers -s ALL`):
/// AES-256-GCM, ChaCha20, AES-256-CCM8/CCM, AES-128-GCM, AES-128-CCM8/CCM, ECDSA before
/// RSA. Aliases add suites in this order, so `ECDHE` yields the same order under rdtls as
/// under OpenSSL.
static UNIVERSE: [&CipherSuite; 18] = [
    &suites::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    &suites::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    &suites::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    &suites::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    &suites::TLS_ECDHE_ECDSA_WITH_AES_256_CCM_8,
    &suites::TLS_ECDHE_ECDSA_WITH_AES_256_CCM,
    &suites::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    &suites::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    &suites::TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8,
    &suites::TLS_ECDHE_ECDSA_WITH_AES_128_CCM,
    // `openssl ciphers -s -psk ALL` puts the PSK suites after every certificate suite.
    &suites::TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
    &suites::TLS_PSK_WITH_AES_256_GCM_SHA384,
    &suites::TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
    &suites::TLS_PSK_WITH_AES_256_CCM_8,
    &suites::TLS_PSK_WITH_AES_256_CCM,
    &suites::TLS_PSK_WITH_AES_128_GCM_SHA256,
    &suites::TLS_PSK_WITH_AES_128_CCM_8,
    &suites::TLS_PSK_WITH_AES_128_CCM,
];

/// The C API's `DEFAULT` list: the engine's defaults (in its order), then the PSK suites
/// OpenSSL 3.0's `DEFAULT` holds (neither CCM nor CBC; offered only with a PSK callback).
pub static OPENSSL_DEFAULT: [&CipherSuite; 10] = [
    suites::DEFAULT_SUITES[0],
    suites::DEFAULT_SUITES[1],
    suites::DEFAULT_SUITES[2],
    suites::DEFAULT_SUITES[3],
    suites::DEFAULT_SUITES[4],
    suites::DEFAULT_SUITES[5],
    &suites::TLS_ECDHE_PSK_WITH_CHACHA20_POLY1305_SHA256,
    &suites::TLS_PSK_WITH_AES_256_GCM_SHA384,
    &suites::TLS_PSK_WITH_CHACHA20_POLY1305_SHA256,
    &suites::TLS_PSK_WITH_AES_128_GCM_SHA256,
];

/// A set of suites: bit `i` stands for `UNIVERSE[i]`.
type Mask = u32;

/// Why a cipher string was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherListError {
    /// OpenSSL reason code (`SSL_R_NO_CIPHER_MATCH` or `SSL_R_INVALID_COMMAND`).
    pub reason: i32,
    /// What went wrong, in words, for the error queue.
    pub detail: String,
}

/// A successfully parsed cipher string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CipherList {
    /// The selected suites in preference order (never empty).
    pub suites: Vec<&'static CipherSuite>,
    /// Names that matched nothing we know and were ignored (as OpenSSL ignores them).
    pub ignored: Vec<String>,
}

/// The set of suites a single name stands for, or `None` for an unknown name.
///
/// Names are case-sensitive, as in OpenSSL. Aliases that exist in OpenSSL but cover none of
/// our suites (e.g. `MEDIUM`, `kRSA`, `SHA256`, which means HMAC-SHA256 suites) behave like
/// unknown names: they match nothing.
fn name_mask(name: &str) -> Option<Mask> {
    let by = |f: &dyn Fn(&CipherSuite) -> bool| -> Mask {
        UNIVERSE
            .iter()
            .enumerate()
            .filter(|(_, s)| f(s))
            .fold(0, |m, (i, _)| m | (1 << i))
    };
    let mask = match name {
        // Every suite is AEAD, TLS 1.2, "HIGH" strength.
        "ALL" | "HIGH" | "TLSv1.2" => by(&|_| true),
        // ECDHE with certificates; ECDHE-PSK is only kECDHEPSK in OpenSSL.
        "ECDH" | "ECDHE" | "EECDH" | "kECDHE" | "kEECDH" => by(&|s| !s.auth.is_psk()),
        "PSK" | "aPSK" => by(&|s| s.auth.is_psk()),
        "kPSK" => by(&|s| s.auth == AuthKind::Psk),
        "kECDHEPSK" => by(&|s| s.auth == AuthKind::EcdhePsk),
        "aECDSA" | "ECDSA" => by(&|s| s.auth == AuthKind::Ecdsa),
        "aRSA" => by(&|s| s.auth == AuthKind::Rsa),
        // OpenSSL's FIPS alias covers AES-GCM only (not ChaCha20, not CCM).
        "AESGCM" | "FIPS" => by(&|s| matches!(s.aead, AeadKind::Aes128Gcm | AeadKind::Aes256Gcm)),
        "AES" => by(&|s| s.aead != AeadKind::Chacha20Poly1305),
        "AES128" => by(&|s| s.bits == 128 && s.aead != AeadKind::Chacha20Poly1305),
        "AES256" => by(&|s| s.bits == 256 && s.aead != AeadKind::Chacha20Poly1305),
        // AESCCM covers CCM and CCM_8; AESCCM8 only CCM_8. (OpenSSL 3.0 has no plain `CCM`
        // or `CCM8` alias: those are unknown names there and here.)
        "AESCCM" => by(&|s| s.aead.is_ccm()),
        "AESCCM8" => by(&|s| matches!(s.aead, AeadKind::Aes128Ccm8 | AeadKind::Aes256Ccm8)),
        "CHACHA20" => by(&|s| s.aead == AeadKind::Chacha20Poly1305),
        _ => {
            // An explicit suite, by OpenSSL name only (IANA names contain '_', which the
            // rule syntax does not allow in a name).
            let i = UNIVERSE.iter().position(|s| s.openssl_name == name)?;
            1 << i
        }
    };
    Some(mask)
}

/// A rule's action (OpenSSL's CIPHER_ADD / DEL / ORD / KILL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Add,
    Delete,
    Order,
    Kill,
}

/// What a rule matches: a set of suites, or one strength in bits (used by `@STRENGTH`).
#[derive(Debug, Clone, Copy)]
enum Matcher {
    Set(Mask),
    Strength(i32),
}

/// One suite in the working list.
#[derive(Debug, Clone, Copy)]
struct Entry {
    index: usize,
    active: bool,
}

/// The working list: order plus active flags; killed suites are removed.
struct WorkList {
    entries: Vec<Entry>,
}

impl WorkList {
    fn new() -> Self {
        Self {
            entries: (0..UNIVERSE.len())
                .map(|index| Entry {
                    index,
                    active: false,
                })
                .collect(),
        }
    }

    fn matches(m: Matcher, index: usize) -> bool {
        match m {
            Matcher::Set(mask) => mask & (1 << index) != 0,
            Matcher::Strength(bits) => UNIVERSE.get(index).map(|s| s.bits) == Some(bits),
        }
    }

    fn position(&self, index: usize) -> Option<usize> {
        self.entries.iter().position(|e| e.index == index)
    }

    /// Applies one rule. Deletions walk the list backwards and move matches to the front,
    /// which keeps deleted suites in their relative order; additions and reorderings walk
    /// forwards and move matches to the back.
    fn apply(&mut self, action: Action, m: Matcher) {
        let mut order: Vec<usize> = self.entries.iter().map(|e| e.index).collect();
        if action == Action::Delete {
            order.reverse();
        }
        for index in order {
            if !Self::matches(m, index) {
                continue;
            }
            let Some(pos) = self.position(index) else {
                continue;
            };
            let active = self.entries.get(pos).is_some_and(|e| e.active);
            let moved = match action {
                Action::Add => !active,
                Action::Order | Action::Delete => active,
                Action::Kill => true,
            };
            if !moved {
                continue;
            }
            self.entries.remove(pos);
            match action {
                Action::Add => self.entries.push(Entry {
                    index,
                    active: true,
                }),
                Action::Order => self.entries.push(Entry { index, active }),
                Action::Delete => self.entries.insert(
                    0,
                    Entry {
                        index,
                        active: false,
                    },
                ),
                Action::Kill => {}
            }
        }
    }

    /// `@STRENGTH`: active suites sorted by bits, strongest first, ties keep their order.
    fn sort_by_strength(&mut self) {
        let mut bits: Vec<i32> = UNIVERSE.iter().map(|s| s.bits).collect();
        bits.sort_unstable_by(|a, b| b.cmp(a));
        bits.dedup();
        for b in bits {
            self.apply(Action::Order, Matcher::Strength(b));
        }
    }

    fn active(&self) -> Vec<&'static CipherSuite> {
        self.entries
            .iter()
            .filter(|e| e.active)
            .filter_map(|e| UNIVERSE.get(e.index).copied())
            .collect()
    }
}

/// Item separators (OpenSSL's `ITEM_SEP`).
fn is_separator(c: u8) -> bool {
    matches!(c, b':' | b' ' | b';' | b',')
}

/// Characters allowed in a name.
fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'=')
}

fn invalid_command(rule: &[u8]) -> CipherListError {
    CipherListError {
        reason: SSL_R_INVALID_COMMAND,
        detail: format!(
            "invalid command in cipher string near '{}'",
            String::from_utf8_lossy(rule)
        ),
    }
}

/// Applies the rules in `s` (without a leading `DEFAULT`) to `list`.
fn process_rules(
    s: &[u8],
    list: &mut WorkList,
    ignored: &mut Vec<String>,
) -> Result<(), CipherListError> {
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if is_separator(c) {
            i += 1;
            continue;
        }
        let rule_start = i;
        let (action, special) = match c {
            b'-' => (Action::Delete, false),
            b'+' => (Action::Order, false),
            b'!' => (Action::Kill, false),
            b'@' => (Action::Add, true),
            _ => (Action::Add, false),
        };
        if special || matches!(c, b'-' | b'+' | b'!') {
            i += 1;
        }
        // Read one or more names joined by '+'.
        let mut mask: Mask = Mask::MAX;
        let mut known = true;
        let mut first_name: &[u8] = &[];
        loop {
            let start = i;
            while i < s.len() && is_name_char(s[i]) {
                i += 1;
            }
            let name = &s[start..i];
            if name.is_empty() {
                let end = (i + 1).min(s.len());
                return Err(invalid_command(&s[rule_start..end]));
            }
            if first_name.is_empty() {
                first_name = name;
            }
            if special {
                break;
            }
            let name_str = String::from_utf8_lossy(name);
            match name_mask(&name_str) {
                Some(m) if known => mask &= m,
                Some(_) => {}
                None => {
                    if known {
                        ignored.push(name_str.into_owned());
                    }
                    known = false;
                }
            }
            if i < s.len() && s[i] == b'+' {
                i += 1;
                continue;
            }
            break;
        }
        if special {
            match first_name {
                b"STRENGTH" => list.sort_by_strength(),
                n if matches!(n.strip_prefix(b"SECLEVEL="), Some([b'0'..=b'5'])) => {}
                _ => return Err(invalid_command(&s[rule_start..i])),
            }
        } else if known {
            list.apply(action, Matcher::Set(mask));
        }
        // Anything after a special command or an unknown name, up to the next separator,
        // is skipped, as OpenSSL does.
        while i < s.len() && !is_separator(s[i]) {
            i += 1;
        }
    }
    Ok(())
}

/// Parses an OpenSSL cipher string into rdtls suites, in preference order.
pub fn parse_cipher_list(s: &[u8]) -> Result<CipherList, CipherListError> {
    if s.len() > MAX_CIPHER_STRING_LEN {
        return Err(CipherListError {
            reason: SSL_R_INVALID_COMMAND,
            detail: format!("cipher string longer than {MAX_CIPHER_STRING_LEN} bytes"),
        });
    }
    let mut list = WorkList::new();
    let mut ignored = Vec::new();
    let mut rest = s;
    if let Some(after) = rest.strip_prefix(b"DEFAULT") {
        // The library default, in the engine's preference order.
        for suite in OPENSSL_DEFAULT.iter() {
            if let Some(i) = UNIVERSE.iter().position(|u| u.id == suite.id) {
                list.apply(Action::Add, Matcher::Set(1 << i));
            }
        }
        rest = after.strip_prefix(b":").unwrap_or(after);
    }
    process_rules(rest, &mut list, &mut ignored)?;
    let suites = list.active();
    if suites.is_empty() {
        let detail = match ignored.first() {
            Some(name) => format!("no cipher match: unknown cipher name '{name}'"),
            None => format!(
                "no cipher match for '{}': no DTLS 1.2 suite selected",
                String::from_utf8_lossy(s)
            ),
        };
        return Err(CipherListError {
            reason: SSL_R_NO_CIPHER_MATCH,
            detail,
        });
    }
    Ok(CipherList { suites, ignored })
}

/// Checks a TLS 1.3 ciphersuite string (`SSL_CTX_set_ciphersuites`): names separated by
/// `:`. DTLS 1.2 never uses these, so a well-formed list is accepted and ignored.
pub fn check_tls13_ciphersuites(s: &[u8]) -> bool {
    s.split(|&c| c == b':')
        .all(|n| n.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short names: "E256" = ECDHE-ECDSA-AES256-GCM-SHA384, "RC" = ECDHE-RSA-CHACHA20-...
    /// The GCM/ChaCha tests predate CCM and PSK: those suites are left out of this view (the
    /// relative order of the others is unchanged by them); `ccm_aliases_follow_openssl` and
    /// `psk_aliases_follow_openssl` cover them.
    fn short(list: &[&CipherSuite]) -> Vec<&'static str> {
        list.iter()
            .filter(|s| !s.aead.is_ccm() && !s.auth.is_psk())
            .map(|s| match s.id {
                0xC02C => "E256",
                0xC030 => "R256",
                0xCCA9 => "EC",
                0xCCA8 => "RC",
                0xC02B => "E128",
                0xC02F => "R128",
                _ => "?",
            })
            .collect()
    }

    fn names(s: &str) -> Vec<&'static str> {
        parse_cipher_list(s.as_bytes())
            .unwrap_or_else(|e| panic!("{s}: {e:?}"))
            .suites
            .iter()
            .map(|s| s.openssl_name)
            .collect()
    }

    /// Orders from `openssl ciphers -s -tls1_2 '<string>'` (OpenSSL 3.0), our suites only.
    #[test]
    fn ccm_aliases_follow_openssl() {
        let (e256, r256, ec, rc) = (
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305",
            "ECDHE-RSA-CHACHA20-POLY1305",
        );
        let (e128, r128) = (
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-RSA-AES128-GCM-SHA256",
        );
        let (c256_8, c256, c128_8, c128) = (
            "ECDHE-ECDSA-AES256-CCM8",
            "ECDHE-ECDSA-AES256-CCM",
            "ECDHE-ECDSA-AES128-CCM8",
            "ECDHE-ECDSA-AES128-CCM",
        );
        // The certificate suites only (psk_aliases_follow_openssl covers the PSK ones).
        let names = |s: &str| -> Vec<&'static str> {
            names(s)
                .into_iter()
                .filter(|n| !n.contains("PSK"))
                .collect()
        };
        assert_eq!(
            names("ALL"),
            [e256, r256, ec, rc, c256_8, c256, e128, r128, c128_8, c128]
        );
        assert_eq!(names("AESCCM"), [c256_8, c256, c128_8, c128]);
        assert_eq!(names("AESCCM8"), [c256_8, c128_8]);
        assert_eq!(names("AES128"), [e128, r128, c128_8, c128]);
        assert_eq!(names("AES256"), [e256, r256, c256_8, c256]);
        assert_eq!(
            names("AES"),
            [e256, r256, c256_8, c256, e128, r128, c128_8, c128]
        );
        assert_eq!(names("FIPS"), [e256, r256, e128, r128]);
        assert_eq!(names("AESGCM"), [e256, r256, e128, r128]);
        assert_eq!(
            names("aECDSA"),
            [e256, ec, c256_8, c256, e128, c128_8, c128]
        );
        assert_eq!(names("ECDHE-ECDSA-AES128-CCM8"), [c128_8]);
        assert_eq!(err("CCM8"), SSL_R_NO_CIPHER_MATCH);
        assert_eq!(err("CCM"), SSL_R_NO_CIPHER_MATCH);
        // DEFAULT leaves CCM out, as OpenSSL 3.0's does.
        assert!(!names("DEFAULT").iter().any(|n| n.contains("CCM")));
    }

    /// Orders from `openssl ciphers -s -psk -tls1_2 '<string>'` (OpenSSL 3.0), ours only.
    #[test]
    fn psk_aliases_follow_openssl() {
        let psk_all = [
            "ECDHE-PSK-CHACHA20-POLY1305",
            "PSK-AES256-GCM-SHA384",
            "PSK-CHACHA20-POLY1305",
            "PSK-AES256-CCM8",
            "PSK-AES256-CCM",
            "PSK-AES128-GCM-SHA256",
            "PSK-AES128-CCM8",
            "PSK-AES128-CCM",
        ];
        assert_eq!(names("PSK"), psk_all);
        assert_eq!(names("aPSK"), psk_all);
        assert_eq!(names("kPSK"), psk_all[1..]);
        assert_eq!(names("kECDHEPSK"), ["ECDHE-PSK-CHACHA20-POLY1305"]);
        assert_eq!(names("PSK-AES128-CCM8"), ["PSK-AES128-CCM8"]);
        assert_eq!(names("PSK+AESCCM8"), ["PSK-AES256-CCM8", "PSK-AES128-CCM8"]);
        assert_eq!(
            names("AESGCM+PSK"),
            ["PSK-AES256-GCM-SHA384", "PSK-AES128-GCM-SHA256"]
        );
        assert!(!names("ECDHE").iter().any(|n| n.contains("PSK")));
        assert_eq!(&names("ALL")[10..], psk_all);
        assert_eq!(
            &names("DEFAULT")[6..],
            [
                "ECDHE-PSK-CHACHA20-POLY1305",
                "PSK-AES256-GCM-SHA384",
                "PSK-CHACHA20-POLY1305",
                "PSK-AES128-GCM-SHA256"
            ]
        );
        // "ECDHE-PSK" is no alias in OpenSSL 3.0 either.
        assert_eq!(err("ECDHE-PSK"), SSL_R_NO_CIPHER_MATCH);
    }

    fn ok(s: &str) -> Vec<&'static str> {
        match parse_cipher_list(s.as_bytes()) {
            Ok(l) => short(&l.suites),
            Err(e) => panic!("{s}: {e:?}"),
        }
    }

    fn err(s: &str) -> i32 {
        match parse_cipher_list(s.as_bytes()) {
            Ok(l) => panic!("{s}: unexpectedly parsed to {:?}", short(&l.suites)),
            Err(e) => e.reason,
        }
    }

    // Expected orders below were taken from `openssl ciphers -s -tls1_2 '<string>'` (OpenSSL
    // 3.0), keeping only our six suites.
    const OPENSSL_ALL: [&str; 6] = ["E256", "R256", "EC", "RC", "E128", "R128"];

    #[test]
    fn aliases_for_everything_follow_openssl_order() {
        for s in [
            "ALL", "HIGH", "ECDHE", "EECDH", "kEECDH", "kECDHE", "ECDH", "TLSv1.2",
        ] {
            assert_eq!(ok(s), OPENSSL_ALL, "{s}");
        }
    }

    #[test]
    fn default_is_the_engine_default_order() {
        let expected = short(&suites::DEFAULT_SUITES);
        assert_eq!(ok("DEFAULT"), expected);
        assert_eq!(ok("DEFAULT:"), expected);
        let mut no_128 = expected.clone();
        no_128.retain(|n| !n.ends_with("128"));
        assert_eq!(ok("DEFAULT:-AES128"), no_128);
        // In the middle, DEFAULT is just an unknown name (OpenSSL behaves the same).
        assert_eq!(ok("ECDHE-RSA-AES128-GCM-SHA256:DEFAULT"), ["R128"]);
        assert_eq!(ok("aRSA:DEFAULT"), ["R256", "RC", "R128"]);
    }

    #[test]
    fn single_aliases() {
        assert_eq!(ok("AESGCM"), ["E256", "R256", "E128", "R128"]);
        assert_eq!(ok("AES"), ["E256", "R256", "E128", "R128"]);
        assert_eq!(ok("FIPS"), ["E256", "R256", "E128", "R128"]);
        assert_eq!(ok("aRSA"), ["R256", "RC", "R128"]);
        assert_eq!(ok("aECDSA"), ["E256", "EC", "E128"]);
        assert_eq!(ok("ECDSA"), ["E256", "EC", "E128"]);
        assert_eq!(ok("AES128"), ["E128", "R128"]);
        assert_eq!(ok("AES256"), ["E256", "R256"]);
        assert_eq!(ok("CHACHA20"), ["EC", "RC"]);
        assert_eq!(ok("ECDHE-ECDSA-CHACHA20-POLY1305"), ["EC"]);
    }

    #[test]
    fn add_delete_order_kill() {
        assert_eq!(ok("CHACHA20:AES128"), ["EC", "RC", "E128", "R128"]);
        assert_eq!(ok("ECDHE+AESGCM:+aRSA"), ["E256", "E128", "R256", "R128"]);
        assert_eq!(
            ok("AES128:-ECDSA:ECDHE"),
            ["R128", "E128", "E256", "R256", "EC", "RC"]
        );
        assert_eq!(ok("AES128:!ECDSA:ECDHE"), ["R128", "R256", "RC"]);
        assert_eq!(
            ok("ALL:-AES256:AES"),
            ["EC", "RC", "E128", "R128", "E256", "R256"]
        );
        assert_eq!(ok("ALL:+AES128"), OPENSSL_ALL);
        assert_eq!(
            ok("ECDHE:+CHACHA20"),
            ["E256", "R256", "E128", "R128", "EC", "RC"]
        );
        assert_eq!(
            ok("ECDHE:-aRSA:aRSA"),
            ["E256", "EC", "E128", "R256", "RC", "R128"]
        );
        assert_eq!(ok("ECDHE:!aRSA:aRSA"), ["E256", "EC", "E128"]);
        assert_eq!(ok("ALL:-ALL:AES128"), ["E128", "R128"]);
        assert_eq!(
            ok("ECDHE-ECDSA-AES128-GCM-SHA256:ALL"),
            ["E128", "E256", "R256", "EC", "RC", "R128"]
        );
        assert_eq!(ok("DEFAULT:!aRSA").len(), 3);
    }

    #[test]
    fn plus_means_all_must_match() {
        assert_eq!(ok("EECDH+AES256"), ["E256", "R256"]);
        assert_eq!(ok("AES256+ECDSA:AES128"), ["E256", "E128", "R128"]);
        assert_eq!(ok("ECDHE-RSA-AES128-GCM-SHA256+aRSA"), ["R128"]);
        assert_eq!(
            err("ECDHE-RSA-AES128-GCM-SHA256+ECDSA"),
            SSL_R_NO_CIPHER_MATCH
        );
        // An unknown part voids the whole item.
        assert_eq!(ok("FOO+ECDHE:aRSA"), ["R256", "RC", "R128"]);
    }

    #[test]
    fn strength_sort_is_stable() {
        assert_eq!(ok("ECDHE:@STRENGTH"), OPENSSL_ALL);
        assert_eq!(
            ok("AES128:CHACHA20:@STRENGTH"),
            ["EC", "RC", "E128", "R128"]
        );
        assert_eq!(ok("AES128:ECDHE:@STRENGTH"), OPENSSL_ALL);
        assert_eq!(
            ok("ECDHE:@STRENGTH:+aRSA"),
            ["E256", "EC", "E128", "R256", "RC", "R128"]
        );
        // Anything after a special command up to the separator is skipped.
        assert_eq!(ok("ECDHE:@STRENGTH+X"), OPENSSL_ALL);
        assert_eq!(ok("ECDHE:@SECLEVEL=2"), OPENSSL_ALL);
    }

    #[test]
    fn separators() {
        assert_eq!(
            ok("aRSA ECDSA"),
            ["R256", "RC", "R128", "E256", "EC", "E128"]
        );
        assert_eq!(ok("aRSA,AES128"), ["R256", "RC", "R128", "E128"]);
        assert_eq!(ok("ECDHE;aRSA"), OPENSSL_ALL);
        assert_eq!(ok("ECDHE::aRSA"), OPENSSL_ALL);
        assert_eq!(ok(":ECDHE"), OPENSSL_ALL);
        assert_eq!(ok(" AES128 "), ["E128", "R128"]);
    }

    #[test]
    fn unknown_names_are_ignored() {
        let l = parse_cipher_list(b"FOO:ECDHE-RSA-AES128-GCM-SHA256:BAR").unwrap();
        assert_eq!(short(&l.suites), ["R128"]);
        assert_eq!(l.ignored, ["FOO", "BAR"]);
        // Aliases that cover none of our suites behave alike.
        assert_eq!(ok("MEDIUM:SHA256:kRSA:CBC:AES128"), ["E128", "R128"]);
    }

    #[test]
    fn no_cipher_match() {
        for s in [
            "FOO",
            "",
            "MEDIUM",
            "eNULL",
            "ecdhe",
            "AEAD",
            "ALL:!ALL:AES128",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "SHA256",
        ] {
            assert_eq!(err(s), SSL_R_NO_CIPHER_MATCH, "{s}");
        }
        let e = parse_cipher_list(b"FOO").unwrap_err();
        assert!(
            e.detail.contains("unknown cipher name 'FOO'"),
            "{}",
            e.detail
        );
    }

    #[test]
    fn invalid_commands() {
        for s in [
            "ECDHE:#",
            "@FOO",
            "ECDHE+",
            "ECDHE:!!",
            "ECDHE:@strength",
            "ECDHE:@SECLEVEL=9",
            "ECDHE:\u{e9}",
        ] {
            assert_eq!(err(s), SSL_R_INVALID_COMMAND, "{s}");
        }
    }

    #[test]
    fn length_limit() {
        let long = vec![b':'; MAX_CIPHER_STRING_LEN + 1];
        assert_eq!(
            parse_cipher_list(&long).unwrap_err().reason,
            SSL_R_INVALID_COMMAND
        );
        let mut fine = vec![b':'; MAX_CIPHER_STRING_LEN - 5];
        fine.extend_from_slice(b"ECDHE");
        assert_eq!(
            short(&parse_cipher_list(&fine).unwrap().suites),
            OPENSSL_ALL
        );
    }

    #[test]
    fn tls13_ciphersuites_syntax() {
        assert!(check_tls13_ciphersuites(
            b"TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
        ));
        assert!(check_tls13_ciphersuites(b""));
        assert!(!check_tls13_ciphersuites(b"TLS_AES 128"));
    }
}
