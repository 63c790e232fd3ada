//! Minimal X.509 (RFC 5280 §4.1) field extraction for the C API: serial, names, validity,
//! public key and subjectAltName. Path validation is rustls-webpki's job (see `verify`);
//! this module only reads fields so `X509_get_subject_name` and friends can answer.

use std::ops::Range;

use super::der::{self, DerReader};
use crate::error::Error;

/// OID 2.5.29.17 subjectAltName.
const OID_SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
/// OID 2.5.29.19 basicConstraints.
const OID_BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
/// OID 2.5.29.15 keyUsage.
const OID_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
/// OID 2.5.29.37 extKeyUsage.
const OID_EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];

/// The fields of a certificate that the C API exposes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertInfo {
    /// X.509 version as encoded (0 = v1, 2 = v3).
    pub version: u8,
    /// Contents of the serialNumber INTEGER (big-endian, as encoded).
    pub serial: Vec<u8>,
    /// Subject attributes in encoding order: (short name such as `CN`, or a dotted OID; value).
    pub subject: Vec<(String, String)>,
    /// Issuer attributes, like `subject`.
    pub issuer: Vec<(String, String)>,
    /// The subject Name's full DER (SEQUENCE included), for comparisons and hashing.
    pub subject_der: Vec<u8>,
    /// The issuer Name's full DER.
    pub issuer_der: Vec<u8>,
    /// notBefore, seconds since the Unix epoch.
    pub not_before: i64,
    /// notAfter, seconds since the Unix epoch.
    pub not_after: i64,
    /// The SubjectPublicKeyInfo's full DER.
    pub spki_der: Vec<u8>,
    /// Dotted OID of the outer signatureAlgorithm.
    pub signature_algorithm: String,
    /// Byte range of the TBSCertificate (the signed part) within the certificate DER.
    pub tbs_range: Range<usize>,
    /// dNSName entries of subjectAltName.
    pub san_dns: Vec<String>,
    /// iPAddress entries of subjectAltName (4 or 16 bytes each).
    pub san_ip: Vec<Vec<u8>>,
    /// basicConstraints cA flag.
    pub is_ca: bool,
    /// basicConstraints is present (any value).
    pub has_basic_constraints: bool,
    /// keyUsage bits as encoded (bit 0 = digitalSignature is the first bit), when present.
    pub key_usage: Option<u16>,
    /// extKeyUsage purpose OIDs (contents), when the extension is present.
    pub ext_key_usage: Option<Vec<Vec<u8>>>,
    /// Contents of the outer signatureAlgorithm OID.
    pub signature_oid: Vec<u8>,
    /// The signatureValue's bytes.
    pub signature: Vec<u8>,
}

fn bad(what: &str) -> Error {
    Error::BadKeyMaterial(format!("malformed certificate: {what}"))
}

/// Parses the fields of a DER certificate. Extensions other than subjectAltName and
/// basicConstraints are skipped.
pub fn parse_certificate(cert: &[u8]) -> Result<CertInfo, Error> {
    parse::<true>(cert).map(|(info, _)| info)
}

/// The SubjectPublicKeyInfo (full DER) of `cert`, after the checks [`parse_certificate`]
/// makes (it fails exactly when that does), without building the fields: a handshake
/// signature needs only the key (RFC 5246 §7.4.3).
pub fn certificate_spki(cert: &[u8]) -> Result<&[u8], Error> {
    parse::<false>(cert).map(|(_, spki)| spki)
}

/// One walk of a certificate for both: with `KEEP` the fields are copied into the
/// returned `CertInfo`; without, every structure is checked the same way, in the same
/// order (so the same first error), and nothing is allocated.
fn parse<const KEEP: bool>(cert: &[u8]) -> Result<(CertInfo, &[u8]), Error> {
    let body = der::single(cert, der::SEQUENCE, "Certificate")?;
    // single() guarantees no trailing data, so the contents end where the input ends.
    let body_start = cert.len() - body.len();
    let mut c = DerReader::new(body);
    let tbs = c.expect_tlv(der::SEQUENCE, "TBSCertificate")?;
    let mut sig_alg = DerReader::new(c.expect(der::SEQUENCE, "signatureAlgorithm")?);
    let sig_oid = sig_alg.expect(der::OID, "signature algorithm OID")?;
    let signature = der::bit_string_bytes(c.expect(der::BIT_STRING, "signatureValue")?)?;
    c.finish("Certificate")?;

    let mut info = CertInfo {
        tbs_range: body_start..body_start + tbs.raw.len(),
        ..CertInfo::default()
    };
    if KEEP {
        info.signature_algorithm = der::oid_to_string(sig_oid);
        info.signature_oid = sig_oid.to_vec();
        info.signature = signature.to_vec();
    }
    let mut t = DerReader::new(tbs.value);
    if let Some(v) = t.optional(0xa0)? {
        match der::single(v.value, der::INTEGER, "version")? {
            [n @ 0..=2] => info.version = *n,
            _ => return Err(bad("unsupported version")),
        }
    }
    let serial = t.expect(der::INTEGER, "serialNumber")?;
    t.expect(der::SEQUENCE, "signature")?;
    let issuer = t.expect_tlv(der::SEQUENCE, "issuer")?;
    let mut validity = DerReader::new(t.expect(der::SEQUENCE, "validity")?);
    info.not_before = parse_time(validity.tlv()?)?;
    info.not_after = parse_time(validity.tlv()?)?;
    validity.finish("validity")?;
    let subject = t.expect_tlv(der::SEQUENCE, "subject")?;
    let spki = t.expect_tlv(der::SEQUENCE, "subjectPublicKeyInfo")?.raw;
    info.issuer = walk_name::<KEEP>(issuer.value)?;
    info.subject = walk_name::<KEEP>(subject.value)?;
    if KEEP {
        info.serial = serial.to_vec();
        info.spki_der = spki.to_vec();
        info.issuer_der = issuer.raw.to_vec();
        info.subject_der = subject.raw.to_vec();
    }
    t.optional(0x81)?; // issuerUniqueID
    t.optional(0x82)?; // subjectUniqueID
    if let Some(ext) = t.optional(0xa3)? {
        parse_extensions::<KEEP>(
            der::single(ext.value, der::SEQUENCE, "extensions")?,
            &mut info,
        )?;
    }
    t.finish("TBSCertificate")?;
    Ok((info, spki))
}

/// The extensions' checks; with `KEEP`, what they say goes into `info` (the flags and
/// key usage bits are kept either way: they allocate nothing).
fn parse_extensions<const KEEP: bool>(exts: &[u8], info: &mut CertInfo) -> Result<(), Error> {
    let mut r = DerReader::new(exts);
    while !r.is_empty() {
        let mut e = DerReader::new(r.expect(der::SEQUENCE, "Extension")?);
        let oid = e.expect(der::OID, "extnID")?;
        e.optional(der::BOOLEAN)?;
        let value = e.expect(der::OCTET_STRING, "extnValue")?;
        e.finish("Extension")?;
        if oid == OID_SUBJECT_ALT_NAME {
            let mut names = DerReader::new(der::single(value, der::SEQUENCE, "GeneralNames")?);
            while !names.is_empty() {
                let n = names.tlv()?;
                match n.tag {
                    0x82 if KEEP => info
                        .san_dns
                        .push(String::from_utf8_lossy(n.value).into_owned()),
                    0x87 if KEEP => info.san_ip.push(n.value.to_vec()),
                    _ => {}
                }
            }
        } else if oid == OID_KEY_USAGE {
            let bits = der::single(value, der::BIT_STRING, "KeyUsage")?;
            let b = |i: usize| u16::from(bits.get(i).copied().unwrap_or(0));
            // RFC 5280 §4.2.1.3: a BIT STRING whose first content octet counts unused bits.
            info.key_usage = Some((b(1) << 8) | b(2));
        } else if oid == OID_EXT_KEY_USAGE {
            let mut r = DerReader::new(der::single(value, der::SEQUENCE, "ExtKeyUsage")?);
            let mut oids = Vec::new();
            while !r.is_empty() {
                let oid = r.expect(der::OID, "KeyPurposeId")?;
                if KEEP {
                    oids.push(oid.to_vec());
                }
            }
            info.ext_key_usage = Some(oids);
        } else if oid == OID_BASIC_CONSTRAINTS {
            info.has_basic_constraints = true;
            let mut bc = DerReader::new(der::single(value, der::SEQUENCE, "BasicConstraints")?);
            if let Some(ca) = bc.optional(der::BOOLEAN)? {
                info.is_ca = ca.value.first().is_some_and(|b| *b != 0);
            }
        }
    }
    Ok(())
}

/// Parses an RDNSequence's contents into (short name, value) pairs, flattening
/// multi-valued RDNs in encoding order.
pub fn parse_name(rdns: &[u8]) -> Result<Vec<(String, String)>, Error> {
    walk_name::<true>(rdns)
}

/// [`parse_name`]'s checks; the pairs only with `KEEP` (otherwise an empty vector, which
/// allocates nothing).
fn walk_name<const KEEP: bool>(rdns: &[u8]) -> Result<Vec<(String, String)>, Error> {
    let mut out = Vec::new();
    let mut r = DerReader::new(rdns);
    while !r.is_empty() {
        let mut set = DerReader::new(r.expect(der::SET, "RelativeDistinguishedName")?);
        while !set.is_empty() {
            let mut atv = DerReader::new(set.expect(der::SEQUENCE, "AttributeTypeAndValue")?);
            let oid = atv.expect(der::OID, "attribute type")?;
            let value = atv.tlv()?;
            atv.finish("AttributeTypeAndValue")?;
            if KEEP {
                out.push((
                    attribute_short_name(oid),
                    decode_string(value.tag, value.value),
                ));
            }
        }
    }
    Ok(out)
}

/// OpenSSL's short name for a name attribute OID, or the dotted OID when it has none.
pub fn attribute_short_name(oid: &[u8]) -> String {
    let name = match oid {
        [0x55, 0x04, n] => match n {
            3 => "CN",
            4 => "SN",
            5 => "serialNumber",
            6 => "C",
            7 => "L",
            8 => "ST",
            9 => "street",
            10 => "O",
            11 => "OU",
            12 => "title",
            13 => "description",
            15 => "businessCategory",
            17 => "postalCode",
            41 => "name",
            42 => "GN",
            43 => "initials",
            44 => "generationQualifier",
            46 => "dnQualifier",
            65 => "pseudonym",
            _ => "",
        },
        [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01] => "emailAddress",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19] => "DC",
        [0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01] => "UID",
        _ => "",
    };
    if name.is_empty() {
        der::oid_to_string(oid)
    } else {
        name.to_string()
    }
}

/// Decodes a directory string to text: UTF-8 and ASCII types as is, T61 as Latin-1, BMP as
/// UTF-16BE, Universal as UTF-32BE; anything undecodable is replaced, never an error.
fn decode_string(tag: u8, v: &[u8]) -> String {
    match tag {
        der::BMP_STRING => {
            let units: Vec<u16> = v
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
        }
        der::UNIVERSAL_STRING => v
            .chunks_exact(4)
            .map(|c| {
                char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
        der::T61_STRING => v.iter().map(|b| char::from(*b)).collect(),
        _ => String::from_utf8_lossy(v).into_owned(),
    }
}

/// Parses UTCTime (YYMMDDHHMMSSZ, RFC 5280 §4.1.2.5.1) or GeneralizedTime
/// (YYYYMMDDHHMMSSZ, §4.1.2.5.2) into Unix seconds.
pub(crate) fn parse_time(t: der::Tlv<'_>) -> Result<i64, Error> {
    let digits = |s: &[u8]| -> Result<i64, Error> {
        s.iter().try_fold(0i64, |acc, c| {
            if c.is_ascii_digit() {
                Ok(acc * 10 + i64::from(c - b'0'))
            } else {
                Err(bad("time is not numeric"))
            }
        })
    };
    let (year, rest) = match (t.tag, t.value.len()) {
        (der::UTC_TIME, 13) => {
            let yy = digits(&t.value[..2])?;
            // RFC 5280: YY >= 50 means 19YY, otherwise 20YY.
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, &t.value[2..])
        }
        (der::GENERALIZED_TIME, 15) => (digits(&t.value[..4])?, &t.value[4..]),
        _ => return Err(bad("unsupported time encoding")),
    };
    if rest.last() != Some(&b'Z') {
        return Err(bad("time is not in UTC"));
    }
    let f = |i: usize| digits(rest.get(i..i + 2).unwrap_or(b"xx"));
    let (month, day, hour, min, sec) = (f(0)?, f(2)?, f(4)?, f(6)?, f(8)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || min > 59 || sec > 60 {
        return Err(bad("time out of range"));
    }
    Ok(days_from_civil(year, month, day) * 86_400 + hour * 3600 + min * 60 + sec)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (the well-known era-based method).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) for days since 1970-01-01; inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Formats Unix seconds as OpenSSL's `ASN1_TIME_print` does: `"Jan  1 00:00:00 2000 GMT"`.
pub fn format_time(unix: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (y, m, d) = civil_from_days(unix.div_euclid(86_400));
    let s = unix.rem_euclid(86_400);
    let month = usize::try_from(m - 1)
        .ok()
        .and_then(|i| MONTHS.get(i))
        .unwrap_or(&"???");
    format!(
        "{month} {d:2} {:02}:{:02}:{:02} {y} GMT",
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// `X509_NAME_oneline` style: `"/C=US/O=x/CN=y"`. `/` and `+` inside values are
/// backslash-escaped and bytes outside printable ASCII become `\xHH`, as in OpenSSL 3.0.
pub fn name_oneline(name: &[(String, String)]) -> String {
    let mut out = String::new();
    for (k, v) in name {
        out.push('/');
        out.push_str(k);
        out.push('=');
        for b in v.bytes() {
            match b {
                b'/' | b'+' => {
                    out.push('\\');
                    out.push(char::from(b));
                }
                0x20..=0x7e => out.push(char::from(b)),
                _ => out.push_str(&format!("\\x{b:02X}")),
            }
        }
    }
    out
}

/// `X509_NAME_print_ex(.., XN_FLAG_ONELINE)` style: `"C = US, O = x, CN = y"`. A value with
/// RFC 2253 special characters is quoted; `"` and `\` are backslash-escaped; control and
/// non-ASCII bytes become `\HH`.
pub fn name_print_oneline(name: &[(String, String)]) -> String {
    name.iter()
        .map(|(k, v)| format!("{k} = {}", escape_value(v, true)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `X509_NAME_print_ex(.., XN_FLAG_RFC2253)` style: `"CN=y,O=x,C=US"` (reverse order,
/// RFC 2253 §2.4 backslash escaping).
pub fn name_rfc2253(name: &[(String, String)]) -> String {
    name.iter()
        .rev()
        .map(|(k, v)| format!("{k}={}", escape_value(v, false)))
        .collect::<Vec<_>>()
        .join(",")
}

/// RFC 2253 §2.4 escaping of one attribute value. With `quote`, special characters are
/// kept literally and the whole value is wrapped in double quotes instead.
fn escape_value(v: &str, quote: bool) -> String {
    let bytes = v.as_bytes();
    let mut out = String::new();
    let mut needs_quotes = false;
    for (i, &b) in bytes.iter().enumerate() {
        let special = matches!(b, b',' | b'+' | b'<' | b'>' | b';')
            || (i == 0 && (b == b'#' || b == b' '))
            || (i + 1 == bytes.len() && b == b' ');
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            _ if special && quote => {
                needs_quotes = true;
                out.push(char::from(b));
            }
            _ if special => {
                out.push('\\');
                out.push(char::from(b));
            }
            0x20..=0x7e => out.push(char::from(b)),
            _ => out.push_str(&format!("\\{b:02X}")),
        }
    }
    if needs_quotes {
        format!("\"{out}\"")
    } else {
        out
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::pki::pem::load_certificates;

    /// The first certificate of `tests/certs/<name>` (DER).
    pub(crate) fn cert(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/certs/{name}", env!("CARGO_MANIFEST_DIR"));
        load_certificates(&std::fs::read(path).unwrap())
            .unwrap()
            .remove(0)
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn server_fields_match_openssl() {
        let der = cert("server-ecdsa.pem");
        let c = parse_certificate(&der).unwrap();
        // `openssl x509 -noout -subject -nameopt {oneline,RFC2253,compat}` output.
        assert_eq!(
            name_print_oneline(&c.subject),
            "C = US, O = rdtls test, CN = localhost"
        );
        assert_eq!(
            name_rfc2253(&c.issuer),
            "CN=rdtls test ECDSA CA,O=rdtls test,C=US"
        );
        assert_eq!(name_oneline(&c.subject), "/C=US/O=rdtls test/CN=localhost");
        assert_eq!(c.serial, [0x10, 0x02]);
        assert_eq!(c.version, 2);
        assert_eq!(c.not_after - c.not_before, 36_500 * 86_400);
        assert_eq!(c.san_dns, ["localhost"]);
        assert_eq!(c.san_ip, [vec![127, 0, 0, 1]]);
        assert!(!c.is_ca);
        assert_eq!(c.signature_algorithm, "1.2.840.10045.4.3.2");
        assert_eq!(der.get(c.tbs_range.clone()).unwrap().first(), Some(&0x30));
        let ca = parse_certificate(&cert("ca-ecdsa.pem")).unwrap();
        assert!(ca.is_ca);
        assert_eq!(ca.subject_der, c.issuer_der);
    }

    #[test]
    fn expired_dates_match_openssl() {
        // notBefore=Jan  1 00:00:00 2000 GMT, notAfter=Jan  1 00:00:00 2001 GMT.
        let c = parse_certificate(&cert("expired.pem")).unwrap();
        assert_eq!(c.not_before, 946_684_800);
        assert_eq!(c.not_after, 978_307_200);
        assert_eq!(format_time(c.not_before), "Jan  1 00:00:00 2000 GMT");
        assert_eq!(format_time(1_700_000_000), "Nov 14 22:13:20 2023 GMT");
        assert_eq!(c.serial, [0x40, 0x01]);
    }

    #[test]
    fn escaping_matches_openssl() {
        // Subject of a certificate made with
        // -subj '/C=DE/O=#x /OU=café ;<>/CN=a, b\+c"d\\e/emailAddress=e@x/DC=example',
        // printed by OpenSSL 3.0's three formatters.
        let n = pairs(&[
            ("C", "DE"),
            ("O", "#x "),
            ("OU", "café ;<>"),
            ("CN", "a, b+c\"d\\e"),
            ("emailAddress", "e@x"),
            ("DC", "example"),
        ]);
        assert_eq!(
            name_print_oneline(&n),
            r##"C = DE, O = "#x ", OU = "caf\C3\A9 ;<>", CN = "a, b+c\"d\\e", emailAddress = e@x, DC = example"##
        );
        assert_eq!(
            name_rfc2253(&n),
            r##"DC=example,emailAddress=e@x,CN=a\, b\+c\"d\\e,OU=caf\C3\A9 \;\<\>,O=\#x\ ,C=DE"##
        );
        assert_eq!(
            name_oneline(&n),
            r##"/C=DE/O=#x /OU=caf\xC3\xA9 ;<>/CN=a, b\+c"d\e/emailAddress=e@x/DC=example"##
        );
        let n = pairs(&[("CN", "a/b"), ("O", "x\\y"), ("OU", "tab\tx")]);
        assert_eq!(name_oneline(&n), r"/CN=a\/b/O=x\y/OU=tab\x09x");
        assert_eq!(name_print_oneline(&n), r"CN = a/b, O = x\\y, OU = tab\09x");
    }

    #[test]
    fn string_types_and_oids() {
        assert_eq!(decode_string(der::BMP_STRING, &[0, b'h', 0, 0xe9]), "hé");
        assert_eq!(decode_string(der::UNIVERSAL_STRING, &[0, 0, 0, b'A']), "A");
        assert_eq!(decode_string(der::T61_STRING, &[0xe9]), "é");
        assert_eq!(attribute_short_name(&[0x2a, 0x03, 0x04]), "1.2.3.4");
    }

    #[test]
    fn truncated_or_mutated_certificates_never_panic() {
        let der = cert("server-rsa.pem");
        for cut in 0..der.len() {
            assert!(parse_certificate(&der[..cut]).is_err());
            assert!(certificate_spki(&der[..cut]).is_err());
        }
        let mut m = der.clone();
        for i in 0..m.len() {
            for x in [0x01, 0x80, 0xff] {
                m[i] ^= x;
                // The key-only walk fails exactly when the full parse does, and agrees
                // with it on the key.
                match (parse_certificate(&m), certificate_spki(&m)) {
                    (Ok(info), Ok(spki)) => assert_eq!(info.spki_der, spki),
                    (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                    (a, b) => panic!("byte {i} ^ {x:#x}: {a:?} vs {b:?}"),
                }
                m[i] ^= x;
            }
        }
    }
}
