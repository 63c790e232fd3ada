//! `X509_NAME`: a certificate's subject or issuer, and its text forms.
use std::ffi::{c_char, c_int, c_ulong};

use crate::entry::entry;

/// `XN_FLAG_SEP_MASK`.
pub const XN_FLAG_SEP_MASK: c_ulong = 0xf << 16;
/// `XN_FLAG_SEP_COMMA_PLUS`.
pub const XN_FLAG_SEP_COMMA_PLUS: c_ulong = 1 << 16;
/// `XN_FLAG_SEP_CPLUS_SPC`.
pub const XN_FLAG_SEP_CPLUS_SPC: c_ulong = 2 << 16;
/// `XN_FLAG_SEP_SPLUS_SPC`.
pub const XN_FLAG_SEP_SPLUS_SPC: c_ulong = 3 << 16;
/// `XN_FLAG_SEP_MULTILINE`.
pub const XN_FLAG_SEP_MULTILINE: c_ulong = 4 << 16;
/// `XN_FLAG_DN_REV`.
pub const XN_FLAG_DN_REV: c_ulong = 1 << 20;
/// `XN_FLAG_SPC_EQ`.
pub const XN_FLAG_SPC_EQ: c_ulong = 1 << 23;
/// `ASN1_STRFLGS_ESC_2253`.
pub const ASN1_STRFLGS_ESC_2253: c_ulong = 1;

/// (short name, NID) of the attributes we name (OpenSSL's obj_mac.h values).
const NIDS: &[(&str, c_int)] = &[
    ("CN", 13),
    ("C", 14),
    ("L", 15),
    ("ST", 16),
    ("O", 17),
    ("OU", 18),
    ("emailAddress", 48),
    ("serialNumber", 105),
    ("title", 106),
    ("GN", 99),
    ("SN", 100),
    ("DC", 391),
    ("UID", 102),
];

/// Long names (OpenSSL's LN_*) of the attributes in [`NIDS`], same order.
const LONG_NAMES: &[&str] = &[
    "commonName",
    "countryName",
    "localityName",
    "stateOrProvinceName",
    "organizationName",
    "organizationalUnitName",
    "emailAddress",
    "serialNumber",
    "title",
    "givenName",
    "surname",
    "domainComponent",
    "userId",
];

/// The short name of attribute `field` (short name, long name or NID as text).
pub(crate) fn short_name(field: &str) -> Option<&'static str> {
    NIDS.iter()
        .zip(LONG_NAMES)
        .find(|((s, _), l)| s.eq_ignore_ascii_case(field) || l.eq_ignore_ascii_case(field))
        .map(|((s, _), _)| *s)
}

/// The short name of attribute `nid`.
pub(crate) fn short_name_by_nid(nid: c_int) -> Option<&'static str> {
    NIDS.iter().find(|(_, n)| *n == nid).map(|(s, _)| *s)
}

/// `X509_NAME`: (attribute short name, value) pairs in certificate order.
pub struct X509_NAME {
    entries: Vec<(String, String)>,
}

impl X509_NAME {
    /// A name with these entries.
    pub fn new(entries: Vec<(String, String)>) -> Self {
        X509_NAME { entries }
    }

    /// The entries.
    pub fn entries(&self) -> &[(String, String)] {
        &self.entries
    }

    /// Replaces the entries.
    pub(crate) fn set_entries(&mut self, entries: Vec<(String, String)>) {
        self.entries = entries;
    }

    /// Inserts an entry at `loc` (appends when `loc` is -1 or past the end).
    pub(crate) fn insert(&mut self, loc: c_int, short: &str, value: String) {
        let at = usize::try_from(loc)
            .ok()
            .filter(|&i| i <= self.entries.len())
            .unwrap_or(self.entries.len());
        self.entries.insert(at, (short.to_string(), value));
    }

    /// "/C=US/O=x/CN=y" (`X509_NAME_oneline`).
    pub fn oneline(&self) -> String {
        self.entries
            .iter()
            .map(|(k, v)| format!("/{k}={v}"))
            .collect()
    }

    /// The text `X509_NAME_print_ex` writes for `flags` (without the leading indent).
    pub fn print_ex(&self, indent: usize, flags: c_ulong) -> String {
        if flags == 0 {
            // XN_FLAG_COMPAT: the traditional X509_NAME_print layout.
            return self
                .entries
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(", ");
        }
        let pad = " ".repeat(indent);
        let multiline = format!("\n{pad}");
        let sep = match flags & XN_FLAG_SEP_MASK {
            XN_FLAG_SEP_COMMA_PLUS => ",",
            XN_FLAG_SEP_CPLUS_SPC => ", ",
            XN_FLAG_SEP_SPLUS_SPC => "; ",
            XN_FLAG_SEP_MULTILINE => multiline.as_str(),
            _ => ", ",
        };
        let eq = if flags & XN_FLAG_SPC_EQ != 0 {
            " = "
        } else {
            "="
        };
        let mut parts: Vec<String> = self
            .entries
            .iter()
            .map(|(k, v)| {
                let v = if flags & ASN1_STRFLGS_ESC_2253 != 0 {
                    escape_2253(v)
                } else {
                    v.clone()
                };
                format!("{k}{eq}{v}")
            })
            .collect();
        if flags & XN_FLAG_DN_REV != 0 {
            parts.reverse();
        }
        parts.join(sep)
    }

    /// The value of the first entry with `nid`.
    pub fn text_by_nid(&self, nid: c_int) -> Option<&str> {
        let short = NIDS.iter().find(|(_, n)| *n == nid)?.0;
        self.entries
            .iter()
            .find(|(k, _)| k == short)
            .map(|(_, v)| v.as_str())
    }
}

/// RFC 2253 §2.4 escaping of an attribute value.
fn escape_2253(v: &str) -> String {
    let last = v.chars().count().saturating_sub(1);
    let mut out = String::with_capacity(v.len());
    for (i, c) in v.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && (c == '#' || c == ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn name_ref<'a>(n: *const X509_NAME) -> Option<&'a X509_NAME> {
    // SAFETY: NULL or a name owned by a live X509 (API contract).
    unsafe { n.as_ref() }
}

entry! {
    /// X509_NAME_oneline writes "/C=US/O=x/CN=y" into `buf` (at most `size` bytes, NUL
    /// included) and returns `buf`; with `buf` NULL returns an OPENSSL_malloc'd string.
    fn X509_NAME_oneline(a: *const X509_NAME, buf: *mut c_char, size: c_int) -> *mut c_char {
        let text = name_ref(a).map_or_else(|| "NO X509_NAME".to_owned(), X509_NAME::oneline);
        if buf.is_null() {
            return crate::crypto::mem::alloc_cstring(text.as_bytes());
        }
        let Ok(size) = usize::try_from(size) else { return std::ptr::null_mut() };
        let Some(room) = size.checked_sub(1) else { return buf };
        let n = text.len().min(room);
        // SAFETY: the caller's buffer holds `size` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(text.as_ptr(), buf as *mut u8, n);
            *buf.add(n) = 0;
        }
        buf
    }

    /// X509_NAME_print_ex writes the name to BIO `out` in the layout `flags` selects
    /// (XN_FLAG_ONELINE, XN_FLAG_RFC2253, ...); bytes written (1 for XN_FLAG_COMPAT), -1 on
    /// error.
    fail = -1;
    fn X509_NAME_print_ex(out: *mut crate::bio::BIO, nm: *const X509_NAME, indent: c_int,
                          flags: c_ulong) -> c_int {
        let name = crate::try_ref!(nm, -1);
        let indent = usize::try_from(indent).unwrap_or(0);
        let text = format!("{}{}", " ".repeat(indent), name.print_ex(indent, flags));
        if !crate::bio::write_all(out, text.as_bytes()) {
            return -1;
        }
        if flags == 0 { 1 } else { text.len() as c_int }
    }

    /// X509_NAME_print_ex_fp: X509_NAME_print_ex to a FILE.
    fail = -1;
    fn X509_NAME_print_ex_fp(fp: *mut libc::FILE, nm: *const X509_NAME, indent: c_int,
                             flags: c_ulong) -> c_int {
        let name = crate::try_ref!(nm, -1);
        if fp.is_null() {
            crate::entry::on_null("fp");
            return -1;
        }
        let indent = usize::try_from(indent).unwrap_or(0);
        let text = format!("{}{}", " ".repeat(indent), name.print_ex(indent, flags));
        // SAFETY: fp is a live FILE from the caller; text is a valid buffer.
        let n = unsafe { libc::fwrite(text.as_ptr().cast(), 1, text.len(), fp) };
        if n != text.len() {
            return -1;
        }
        if flags == 0 { 1 } else { text.len() as c_int }
    }

    /// X509_NAME_entry_count: number of attributes.
    fn X509_NAME_entry_count(name: *const X509_NAME) -> c_int {
        name_ref(name).map_or(0, |n| n.entries.len() as c_int)
    }

    /// X509_NAME_get_text_by_NID copies the first attribute with `nid` (e.g. NID_commonName
    /// 13) into `buf` (at most `len` bytes, NUL included); returns its length, -1 if absent.
    fail = -1;
    fn X509_NAME_get_text_by_NID(name: *const X509_NAME, nid: c_int, buf: *mut c_char,
                                 len: c_int) -> c_int {
        let n = crate::try_ref!(name, -1);
        let Some(v) = n.text_by_nid(nid) else { return -1 };
        if buf.is_null() {
            return v.len() as c_int;
        }
        let Ok(size) = usize::try_from(len) else { return -1 };
        let Some(room) = size.checked_sub(1) else { return -1 };
        let k = v.len().min(room);
        // SAFETY: the caller's buffer holds `len` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(v.as_ptr(), buf as *mut u8, k);
            *buf.add(k) = 0;
        }
        k as c_int
    }
}
