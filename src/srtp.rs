//! DTLS-SRTP (RFC 5764): the protection profiles, the `use_srtp` extension codec and the
//! server's choice of profile.
//!
//! The keys themselves come from the RFC 5705 exporter with the label
//! [`EXPORTER_LABEL`] (RFC 5764 §4.2); their layout is given by [`SrtpProfile`].

use crate::codec::{put_nested, put_u16, put_vec, DecodeError, Reader};

/// The exporter label for SRTP keying material (RFC 5764 §4.2).
pub const EXPORTER_LABEL: &[u8] = b"EXTRACTOR-dtls_srtp";

/// Largest srtp_mki (RFC 5764 §4.1.1: `opaque srtp_mki<0..255>`).
pub const MAX_MKI_LEN: usize = 255;

/// An SRTP protection profile: its IANA id, OpenSSL's name, and the key sizes the exporter
/// output is cut into (RFC 5764 §4.1.2, RFC 7714 §14.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SrtpProfile {
    /// The `SRTPProtectionProfile` code point.
    pub id: u16,
    /// OpenSSL's name (`SRTP_AES128_CM_SHA1_80`, ...).
    pub name: &'static str,
    /// Master key length in bytes.
    pub key_len: usize,
    /// Master salt length in bytes.
    pub salt_len: usize,
}

impl SrtpProfile {
    /// Exporter output length for this profile: 2 × (key + salt) (RFC 5764 §4.2).
    pub fn keying_material_len(&self) -> usize {
        2 * (self.key_len + self.salt_len)
    }
}

/// The profiles OpenSSL 3.0 knows by name, in its order. The NULL-cipher profiles
/// (0x0005/0x0006) are absent: OpenSSL 3.0 refuses their names.
pub const PROFILES: [SrtpProfile; 4] = [
    SrtpProfile {
        id: 0x0001,
        name: "SRTP_AES128_CM_SHA1_80",
        key_len: 16,
        salt_len: 14,
    },
    SrtpProfile {
        id: 0x0002,
        name: "SRTP_AES128_CM_SHA1_32",
        key_len: 16,
        salt_len: 14,
    },
    SrtpProfile {
        id: 0x0007,
        name: "SRTP_AEAD_AES_128_GCM",
        key_len: 16,
        salt_len: 12,
    },
    SrtpProfile {
        id: 0x0008,
        name: "SRTP_AEAD_AES_256_GCM",
        key_len: 32,
        salt_len: 12,
    },
];

/// The profile with code point `id`, if we know it.
pub fn profile_by_id(id: u16) -> Option<&'static SrtpProfile> {
    PROFILES.iter().find(|p| p.id == id)
}

/// The profile named `name` (OpenSSL's spelling, case-sensitive as OpenSSL).
pub fn profile_by_name(name: &str) -> Option<&'static SrtpProfile> {
    PROFILES.iter().find(|p| p.name == name)
}

/// The `use_srtp` extension_data (RFC 5764 §4.1.1): `UseSRTPData`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UseSrtp {
    /// `SRTPProtectionProfiles<2..2^16-1>`: the client's offer, or the server's one choice.
    pub profiles: Vec<u16>,
    /// `srtp_mki<0..255>`.
    pub mki: Vec<u8>,
}

impl UseSrtp {
    /// Appends the extension_data.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_nested(out, 2, |out| {
            self.profiles.iter().for_each(|p| put_u16(out, *p))
        });
        put_vec(out, 1, &self.mki);
    }

    /// Parses the extension_data; the whole of `r` must be consumed by the caller's
    /// `finish`. An odd-length profile list is malformed, as is an MKI running past the
    /// data: decode_error. An empty list, though RFC 5764 §4.1.1 gives it a minimum length
    /// of 2, is taken as offering nothing, as OpenSSL 3.0 takes it (its server answers such
    /// a ClientHello without use_srtp; a client still refuses it, needing one profile).
    pub(crate) fn decode(r: &mut Reader) -> Result<Self, DecodeError> {
        const WHAT: &str = "use_srtp";
        let mut list = r.sub(2, WHAT)?;
        if list.remaining() % 2 != 0 {
            return Err(DecodeError::new(WHAT));
        }
        let mut profiles = Vec::with_capacity(list.remaining() / 2);
        while !list.is_empty() {
            profiles.push(list.u16(WHAT)?);
        }
        let mki = r.vec(1, WHAT)?.to_vec();
        Ok(Self { profiles, mki })
    }
}

/// The server's choice (RFC 5764 §4.1.1 leaves the rule to the server): the first profile
/// of the server's own list that the client offered, as OpenSSL picks. `None` when there
/// is nothing in common, in which case the server omits the extension.
pub(crate) fn server_select(ours: &[u16], offered: &[u16]) -> Option<u16> {
    ours.iter().copied().find(|p| offered.contains(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> Result<UseSrtp, DecodeError> {
        let mut r = Reader::new(bytes);
        let v = UseSrtp::decode(&mut r)?;
        r.finish("trailing")?;
        Ok(v)
    }

    #[test]
    fn roundtrip_and_wire_bytes() {
        let v = UseSrtp {
            profiles: vec![1, 7],
            mki: vec![],
        };
        let mut out = Vec::new();
        v.encode(&mut out);
        assert_eq!(out, [0, 4, 0, 1, 0, 7, 0]);
        assert_eq!(decode(&out).unwrap(), v);
        let with_mki = decode(&[0, 2, 0, 2, 3, 9, 9, 9]).unwrap();
        assert_eq!(with_mki.mki, [9, 9, 9]);
    }

    #[test]
    fn malformed_rejected() {
        for bad in [
            &[][..],
            &[0, 3, 0, 1, 0, 0], // odd length
            &[0, 2, 0, 1],       // no MKI length
            &[0, 2, 0, 1, 2, 1], // MKI runs past the end
            &[0, 4, 0, 1],       // list runs past the end
        ] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
        assert!(decode(&[0, 2, 0, 1, 0, 5]).is_err(), "trailing byte");
        // OpenSSL 3.0 accepts an empty list (and then has nothing in common).
        assert_eq!(decode(&[0, 0, 0]).unwrap().profiles, Vec::<u16>::new());
    }

    #[test]
    fn server_prefers_its_own_order() {
        assert_eq!(server_select(&[8, 1], &[1, 2, 8]), Some(8));
        assert_eq!(server_select(&[1, 8], &[8, 1]), Some(1));
        assert_eq!(server_select(&[2], &[1, 7]), None);
        assert_eq!(server_select(&[], &[1]), None);
    }

    #[test]
    fn profile_table() {
        let lens: Vec<usize> = PROFILES.iter().map(|p| p.keying_material_len()).collect();
        assert_eq!(lens, [60, 60, 56, 88]);
        assert_eq!(profile_by_name("SRTP_AEAD_AES_256_GCM").unwrap().id, 8);
        assert!(profile_by_name("SRTP_NULL_SHA1_80").is_none());
        assert!(profile_by_id(5).is_none());
    }
}
