//! Codecs of the TLS 1.3 extensions a DTLS 1.3 handshake needs first (RFC 8446 §4.2,
//! RFC 9147 §5.3): `supported_versions`, `key_share`, `cookie`,
//! `psk_key_exchange_modes`, plus the generic extension list. Only bodies are coded here
//! (what follows `extension_type` and `extension_data`'s length).

use crate::codec::{put_nested, put_u16, put_u8, put_vec, DecodeError, Reader};

/// RFC 9147 §5.3: the DTLS 1.3 version code point in `supported_versions`.
pub const DTLS1_3: u16 = 0xfefc;
/// DTLS 1.2 (RFC 6347).
pub const DTLS1_2: u16 = 0xfefd;

/// Extension type code points (RFC 8446 §4.2, RFC 9146 §3).
pub mod ext_type {
    /// server_name.
    pub const SERVER_NAME: u16 = 0;
    /// supported_groups.
    pub const SUPPORTED_GROUPS: u16 = 10;
    /// signature_algorithms.
    pub const SIGNATURE_ALGORITHMS: u16 = 13;
    /// RFC 8446 §4.2.4.
    pub const CERTIFICATE_AUTHORITIES: u16 = 47;
    /// pre_shared_key.
    pub const PRE_SHARED_KEY: u16 = 41;
    /// early_data.
    pub const EARLY_DATA: u16 = 42;
    /// supported_versions.
    pub const SUPPORTED_VERSIONS: u16 = 43;
    /// cookie.
    pub const COOKIE: u16 = 44;
    /// psk_key_exchange_modes.
    pub const PSK_KEY_EXCHANGE_MODES: u16 = 45;
    /// key_share.
    pub const KEY_SHARE: u16 = 51;
    /// connection_id (RFC 9146).
    pub const CONNECTION_ID: u16 = 54;
}

/// Named groups (RFC 8446 §4.2.7).
pub mod group {
    /// secp256r1.
    pub const SECP256R1: u16 = 0x0017;
    /// secp384r1.
    pub const SECP384R1: u16 = 0x0018;
    /// x25519.
    pub const X25519: u16 = 0x001d;
}

/// `psk_key_exchange_modes` values (RFC 8446 §4.2.9).
pub mod psk_mode {
    /// PSK-only key establishment.
    pub const PSK_KE: u8 = 0;
    /// PSK with (EC)DHE.
    pub const PSK_DHE_KE: u8 = 1;
}

/// One extension of a list: type and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawExtension<'a> {
    /// extension_type.
    pub typ: u16,
    /// extension_data.
    pub data: &'a [u8],
}

/// Decodes `Extension extensions<0..2^16-1>`: `block` is the length prefix and the list,
/// nothing after. RFC 8446 §4.2: "There MUST NOT be more than one extension of the same
/// type", so a duplicate is a decode error.
pub fn decode_list(block: &[u8]) -> Result<Vec<RawExtension<'_>>, DecodeError> {
    const WHAT: &str = "extensions";
    let mut r = Reader::new(block);
    let mut list = r.sub(2, WHAT)?;
    r.finish(WHAT)?;
    let mut out: Vec<RawExtension<'_>> = Vec::new();
    while !list.is_empty() {
        let typ = list.u16(WHAT)?;
        let data = list.vec(2, WHAT)?;
        if out.iter().any(|e| e.typ == typ) {
            return Err(DecodeError::new("duplicate extension"));
        }
        out.push(RawExtension { typ, data });
    }
    Ok(out)
}

/// Appends an extension list: a 16-bit length, then whatever `f` appends (one
/// [`put_extension`] per extension).
pub fn encode_list(out: &mut Vec<u8>, f: impl FnOnce(&mut Vec<u8>)) {
    put_nested(out, 2, f);
}

/// Appends one extension (type, then its body with a 16-bit length).
pub fn put_extension(out: &mut Vec<u8>, typ: u16, f: impl FnOnce(&mut Vec<u8>)) {
    put_u16(out, typ);
    put_nested(out, 2, f);
}

/// `supported_versions` in a ClientHello: `ProtocolVersion versions<2..254>`.
pub fn encode_versions_client(out: &mut Vec<u8>, versions: &[u16]) {
    put_nested(out, 1, |o| {
        for v in versions.iter().take(127) {
            put_u16(o, *v);
        }
    });
}

/// Decodes the ClientHello form of `supported_versions`.
pub fn decode_versions_client(body: &[u8]) -> Result<Vec<u16>, DecodeError> {
    const WHAT: &str = "supported_versions";
    let mut r = Reader::new(body);
    let mut list = r.sub(1, WHAT)?;
    r.finish(WHAT)?;
    if list.remaining() < 2 || list.remaining() % 2 != 0 {
        return Err(DecodeError::new(WHAT));
    }
    let mut v = Vec::with_capacity(list.remaining() / 2);
    while !list.is_empty() {
        v.push(list.u16(WHAT)?);
    }
    Ok(v)
}

/// `supported_versions` in a ServerHello / HelloRetryRequest: `selected_version`.
pub fn encode_version_server(out: &mut Vec<u8>, version: u16) {
    put_u16(out, version);
}

/// Decodes the ServerHello form of `supported_versions`.
pub fn decode_version_server(body: &[u8]) -> Result<u16, DecodeError> {
    let mut r = Reader::new(body);
    let v = r.u16("selected_version")?;
    r.finish("selected_version")?;
    Ok(v)
}

/// `KeyShareEntry { NamedGroup group; opaque key_exchange<1..2^16-1>; }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyShareEntry {
    /// The named group.
    pub group: u16,
    /// The public key (X25519: 32 bytes; P-256/P-384: uncompressed point).
    pub key_exchange: Vec<u8>,
}

impl KeyShareEntry {
    fn encode(&self, out: &mut Vec<u8>) {
        put_u16(out, self.group);
        put_vec(out, 2, &self.key_exchange);
    }

    fn read(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        const WHAT: &str = "KeyShareEntry";
        let group = r.u16(WHAT)?;
        let key = r.vec(2, WHAT)?;
        if key.is_empty() {
            return Err(DecodeError::new(WHAT));
        }
        Ok(KeyShareEntry {
            group,
            key_exchange: key.to_vec(),
        })
    }
}

/// `key_share` in a ClientHello: `KeyShareEntry client_shares<0..2^16-1>`.
pub fn encode_key_share_client(out: &mut Vec<u8>, shares: &[KeyShareEntry]) {
    put_nested(out, 2, |o| shares.iter().for_each(|s| s.encode(o)));
}

/// Decodes the ClientHello form; RFC 8446 §4.2.8: each group at most once.
pub fn decode_key_share_client(body: &[u8]) -> Result<Vec<KeyShareEntry>, DecodeError> {
    const WHAT: &str = "key_share";
    let mut r = Reader::new(body);
    let mut list = r.sub(2, WHAT)?;
    r.finish(WHAT)?;
    let mut shares: Vec<KeyShareEntry> = Vec::new();
    while !list.is_empty() {
        let e = KeyShareEntry::read(&mut list)?;
        if shares.iter().any(|s| s.group == e.group) {
            return Err(DecodeError::new("duplicate key share group"));
        }
        shares.push(e);
    }
    Ok(shares)
}

/// `key_share` in a ServerHello: one `KeyShareEntry server_share`.
pub fn encode_key_share_server(out: &mut Vec<u8>, share: &KeyShareEntry) {
    share.encode(out);
}

/// Decodes the ServerHello form.
pub fn decode_key_share_server(body: &[u8]) -> Result<KeyShareEntry, DecodeError> {
    let mut r = Reader::new(body);
    let e = KeyShareEntry::read(&mut r)?;
    r.finish("key_share")?;
    Ok(e)
}

/// `key_share` in a HelloRetryRequest: `NamedGroup selected_group`.
pub fn decode_key_share_hrr(body: &[u8]) -> Result<u16, DecodeError> {
    let mut r = Reader::new(body);
    let g = r.u16("selected_group")?;
    r.finish("selected_group")?;
    Ok(g)
}

/// `cookie`: `opaque cookie<1..2^16-1>` (RFC 8446 §4.2.2).
pub fn encode_cookie(out: &mut Vec<u8>, cookie: &[u8]) {
    put_vec(out, 2, cookie);
}

/// Decodes a `cookie` body; an empty cookie is malformed.
pub fn decode_cookie(body: &[u8]) -> Result<&[u8], DecodeError> {
    let mut r = Reader::new(body);
    let c = r.vec(2, "cookie")?;
    r.finish("cookie")?;
    if c.is_empty() {
        return Err(DecodeError::new("cookie"));
    }
    Ok(c)
}

/// `psk_key_exchange_modes`: `PskKeyExchangeMode ke_modes<1..255>`.
pub fn encode_psk_modes(out: &mut Vec<u8>, modes: &[u8]) {
    put_nested(out, 1, |o| {
        modes.iter().take(255).for_each(|m| put_u8(o, *m));
    });
}

/// Decodes a `psk_key_exchange_modes` body.
pub fn decode_psk_modes(body: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let mut r = Reader::new(body);
    let m = r.vec(1, "psk_key_exchange_modes")?;
    r.finish("psk_key_exchange_modes")?;
    if m.is_empty() {
        return Err(DecodeError::new("psk_key_exchange_modes"));
    }
    Ok(m.to_vec())
}

/// A list of u16 code points with a 16-bit length (`supported_groups`,
/// `signature_algorithms`).
pub fn encode_u16_list(out: &mut Vec<u8>, items: &[u16]) {
    put_nested(out, 2, |o| items.iter().for_each(|v| put_u16(o, *v)));
}

/// Decodes a non-empty list of u16 code points with a 16-bit length.
pub fn decode_u16_list(body: &[u8]) -> Result<Vec<u16>, DecodeError> {
    const WHAT: &str = "u16 list";
    let mut r = Reader::new(body);
    let mut list = r.sub(2, WHAT)?;
    r.finish(WHAT)?;
    if list.is_empty() || list.remaining() % 2 != 0 {
        return Err(DecodeError::new(WHAT));
    }
    let mut v = Vec::with_capacity(list.remaining() / 2);
    while !list.is_empty() {
        v.push(list.u16(WHAT)?);
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_versions_both_forms() {
        let mut b = Vec::new();
        encode_versions_client(&mut b, &[DTLS1_3, DTLS1_2]);
        assert_eq!(b, [4, 0xfe, 0xfc, 0xfe, 0xfd]);
        assert_eq!(decode_versions_client(&b).unwrap(), vec![DTLS1_3, DTLS1_2]);
        assert!(decode_versions_client(&[0]).is_err());
        assert!(decode_versions_client(&[3, 0xfe, 0xfc, 0]).is_err());
        assert!(decode_versions_client(&[2, 0xfe, 0xfc, 0]).is_err());
        let mut s = Vec::new();
        encode_version_server(&mut s, DTLS1_3);
        assert_eq!(decode_version_server(&s).unwrap(), DTLS1_3);
        assert!(decode_version_server(&[0xfe]).is_err());
    }

    #[test]
    fn key_share_forms() {
        let shares = vec![
            KeyShareEntry {
                group: group::X25519,
                key_exchange: vec![9; 32],
            },
            KeyShareEntry {
                group: group::SECP256R1,
                key_exchange: vec![4; 65],
            },
        ];
        let mut b = Vec::new();
        encode_key_share_client(&mut b, &shares);
        assert_eq!(&b[..4], &[0, 36 + 69, 0, 0x1d]);
        assert_eq!(decode_key_share_client(&b).unwrap(), shares);
        let mut dup = Vec::new();
        encode_key_share_client(&mut dup, &[shares[0].clone(), shares[0].clone()]);
        assert!(decode_key_share_client(&dup).is_err());
        let mut s = Vec::new();
        encode_key_share_server(&mut s, &shares[0]);
        assert_eq!(decode_key_share_server(&s).unwrap(), shares[0]);
        assert!(
            decode_key_share_server(&[0, 0x1d, 0, 0]).is_err(),
            "empty key"
        );
        assert_eq!(decode_key_share_hrr(&[0, 0x17]).unwrap(), group::SECP256R1);
        assert!(decode_key_share_hrr(&[0, 0x17, 0]).is_err());
    }

    #[test]
    fn cookie_modes_lists() {
        let mut b = Vec::new();
        encode_cookie(&mut b, b"opaque");
        assert_eq!(decode_cookie(&b).unwrap(), b"opaque");
        assert!(decode_cookie(&[0, 0]).is_err());
        let mut m = Vec::new();
        encode_psk_modes(&mut m, &[psk_mode::PSK_DHE_KE]);
        assert_eq!(m, [1, 1]);
        assert_eq!(decode_psk_modes(&m).unwrap(), vec![1]);
        assert!(decode_psk_modes(&[0]).is_err());
        let mut l = Vec::new();
        encode_u16_list(&mut l, &[0x0403, 0x0804]);
        assert_eq!(decode_u16_list(&l).unwrap(), vec![0x0403, 0x0804]);
        assert!(decode_u16_list(&[0, 0]).is_err());
    }

    #[test]
    fn extension_list_rejects_duplicates_and_truncation() {
        let mut b = Vec::new();
        put_nested(&mut b, 2, |o| {
            put_extension(o, ext_type::SUPPORTED_VERSIONS, |o| {
                encode_version_server(o, DTLS1_3)
            });
            put_extension(o, ext_type::COOKIE, |o| encode_cookie(o, b"c"));
        });
        let l = decode_list(&b).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].typ, ext_type::COOKIE);
        let mut d = Vec::new();
        put_nested(&mut d, 2, |o| {
            put_extension(o, 43, |_| {});
            put_extension(o, 43, |_| {});
        });
        assert!(decode_list(&d).is_err());
        assert!(decode_list(&b[..b.len() - 1]).is_err());
        let mut trailing = b.clone();
        trailing.push(0);
        assert!(decode_list(&trailing).is_err());
        // Seeded mutations of valid bodies through every decoder: no panic, and both
        // outcomes occur.
        use rand::{Rng, SeedableRng};
        let mut ks = Vec::new();
        encode_key_share_client(
            &mut ks,
            &[KeyShareEntry {
                group: group::X25519,
                key_exchange: vec![1; 4],
            }],
        );
        let seeds = [b.clone(), ks];
        let mut rng = rand::rngs::StdRng::seed_from_u64(45);
        let (mut accepted, mut rejected) = (0usize, 0usize);
        for i in 0..5000 {
            let mut x = seeds[i % 2].clone();
            for _ in 0..rng.gen_range(0..3) {
                let at = rng.gen_range(0..x.len());
                x[at] = rng.gen();
            }
            x.truncate(rng.gen_range(x.len() - 2..=x.len()));
            let ok = decode_list(&x).is_ok();
            let ok2 = decode_key_share_client(&x).is_ok();
            accepted += usize::from(ok || ok2);
            rejected += usize::from(!ok || !ok2);
            let _ = decode_versions_client(&x);
            let _ = decode_key_share_server(&x);
            let _ = decode_cookie(&x);
            let _ = decode_psk_modes(&x);
            let _ = decode_u16_list(&x);
        }
        assert!(accepted > 50 && rejected > 50);
    }
}
