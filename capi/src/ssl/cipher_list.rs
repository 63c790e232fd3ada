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

use rdtls::suites::{self, AeadKind, AuthKind, CipherSuite, MacAlg};

/// OpenSSL reason `SSL_R_NO_CIPHER_MATCH`.
pub const SSL_R_NO_CIPHER_MATCH: i32 = 185;
/// OpenSSL reason `SSL_R_INVALID_COMMAND`.
pub const SSL_R_INVALID_COMMAND: i32 = 280;

/// Longest cipher string we parse; OpenSSL has no limit, but nothing sensible is this long.
pub const MAX_CIPHER_STRING_LEN: usize = 64 * 1024;

/// Every suite in the order OpenSSL's own list places them (`openssl ciphers -s ALL`):
/// AES-256-GCM, ChaCha20, AES-256-CCM8/CCM, AES-128-GCM, AES-128-CCM8/CCM, ECDSA before
/// RSA, then the PSK suites, the CBC ones last. Aliases add suites in this order, so `ECDHE`
/// yields the same order under rdtls as under OpenSSL.
static UNIVERSE: [&CipherSuite; 22] = [
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
    // The RFC 5489 CBC suites (min. version TLSv1) follow every AEAD suite.
    &suites::TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384,
    &suites::TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA,
    &suites::TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
    &suites::TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA,
];

/// The C API's `DEFAULT` list: the engine's defaults (in its order), then the PSK suites
/// OpenSSL 3.0's `DEFAULT` holds (no CCM, but the ECDHE-PSK CBC suites; offered only with a
/// PSK callback, the CBC ones only with encrypt_then_mac).
pub static OPENSSL_DEFAULT: [&CipherSuite; 14] = [
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
    &suites::TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA384,
    &suites::TLS_ECDHE_PSK_WITH_AES_256_CBC_SHA,
    &suites::TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA256,
    &suites::TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA,
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
/// our suites (e.g. `MEDIUM`, `kRSA`, `SSLv3`) behave like unknown names: they match nothing.
/// `SHA1`/`SHA`, `SHA256`, `SHA384` mean the record MAC, so only CBC suites match them.
fn name_mask(name: &str) -> Option<Mask> {
    let by = |f: &dyn Fn(&CipherSuite) -> bool| -> Mask {
        UNIVERSE
            .iter()
            .enumerate()
            .filter(|(_, s)| f(s))
            .fold(0, |m, (i, _)| m | (1 << i))
    };
    let mask = match name {
        // Every suite is "HIGH" strength; the CBC ones date from TLS 1.0 (OpenSSL's
        // `TLSv1.2` alias means "needs TLS 1.2", so it leaves them out).
        "ALL" | "HIGH" => by(&|_| true),
        "TLSv1.2" => by(&|s| !s.aead.is_cbc()),
        "TLSv1" | "TLSv1.0" => by(&|s| s.aead.is_cbc()),
        "CBC" => by(&|s| s.aead.is_cbc()),
        "SHA1" | "SHA" => by(&|s| s.mac == Some(MacAlg::Sha1)),
        "SHA256" => by(&|s| s.mac == Some(MacAlg::Sha256)),
        "SHA384" => by(&|s| s.mac == Some(MacAlg::Sha384)),
        // ECDHE with certificates; ECDHE-PSK is only kECDHEPSK in OpenSSL.
        "ECDH" | "ECDHE" | "EECDH" | "kECDHE" | "kEECDH" => by(&|s| !s.auth.is_psk()),
        "PSK" | "aPSK" => by(&|s| s.auth.is_psk()),
        "kPSK" => by(&|s| s.auth == AuthKind::Psk),
        "kECDHEPSK" => by(&|s| s.auth == AuthKind::EcdhePsk),
        "aECDSA" | "ECDSA" => by(&|s| s.auth == AuthKind::Ecdsa),
        "aRSA" => by(&|s| s.auth == AuthKind::Rsa),
        // OpenSSL's FIPS alias covers AES-GCM and AES-CBC (not ChaCha20, not CCM).
        "FIPS" => {
            by(&|s| s.aead.is_cbc() || matches!(s.aead, AeadKind::Aes128Gcm | AeadKind::Aes256Gcm))
        }
        "AESGCM" => by(&|s| matches!(s.aead, AeadKind::Aes128Gcm | AeadKind::Aes256Gcm)),
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

/// OpenSSL 3.0's default TLS 1.3 suites ("TLS_AES_256_GCM_SHA384:
/// TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256"), used by DTLS 1.3.
pub static TLS13_DEFAULT: [u16; 3] = [0x1302, 0x1303, 0x1301];

/// The TLS 1.3 suites by OpenSSL's (= IANA) name (RFC 8446 §B.4).
pub static TLS13_NAMES: [(&str, u16); 5] = [
    ("TLS_AES_128_GCM_SHA256", 0x1301),
    ("TLS_AES_256_GCM_SHA384", 0x1302),
    ("TLS_CHACHA20_POLY1305_SHA256", 0x1303),
    ("TLS_AES_128_CCM_SHA256", 0x1304),
    ("TLS_AES_128_CCM_8_SHA256", 0x1305),
];

/// Parses a TLS 1.3 ciphersuite string (`SSL_CTX_set_ciphersuites`) with OpenSSL's rules:
/// IANA names separated by `:` (spaces around a name ignored), unknown names skipped,
/// duplicates kept once; the empty string is allowed (no TLS 1.3 suite, so no DTLS 1.3),
/// a non-empty string that names no known suite is an error.
pub fn parse_tls13_ciphersuites(s: &str) -> Result<Vec<u16>, String> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids = Vec::new();
    for name in s.split(':').map(str::trim) {
        if let Some(&(_, id)) = TLS13_NAMES.iter().find(|(n, _)| *n == name) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    if ids.is_empty() {
        return Err(format!("no cipher match: no TLS 1.3 ciphersuite in '{s}'"));
    }
    Ok(ids)
}

#[cfg(test)]
#[path = "cipher_list_tests.rs"]
mod tests;
