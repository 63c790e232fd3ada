//! Just enough DER reading for key metadata (algorithm, size) and d2i length accounting.
use std::ffi::c_int;

/// `EVP_PKEY_RSA` (= NID_rsaEncryption).
pub const EVP_PKEY_RSA: c_int = 6;
/// `EVP_PKEY_EC` (= NID_X9_62_id_ecPublicKey).
pub const EVP_PKEY_EC: c_int = 408;
/// `EVP_PKEY_RSA_PSS`.
pub const EVP_PKEY_RSA_PSS: c_int = 912;
/// `EVP_PKEY_ED25519`.
pub const EVP_PKEY_ED25519: c_int = 1087;
/// `EVP_PKEY_ED448`.
pub const EVP_PKEY_ED448: c_int = 1088;
/// Longest DER length field we accept (4 bytes: objects up to 4 GiB).
pub const MAX_LENGTH_OCTETS: usize = 4;

const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_RSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];
const OID_EC: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x23];
const OID_ED25519: &[u8] = &[0x2B, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2B, 0x65, 0x71];

/// One DER element.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The identifier octet.
    pub tag: u8,
    /// The contents.
    pub value: &'a [u8],
    /// Header plus contents length.
    pub total_len: usize,
}

/// Reads the element at the start of `input`; returns it and the bytes after it.
pub fn read_tlv(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1F == 0x1F {
        return None; // high tag numbers never occur in what we parse
    }
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7F);
        if n == 0 || n > MAX_LENGTH_OCTETS || rest.len() < n {
            return None; // indefinite or absurd lengths
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((
        Tlv {
            tag,
            value: &rest[..len],
            total_len: header + len,
        },
        &rest[len..],
    ))
}

/// Length of the complete DER element at the start of `input`.
pub fn element_len(input: &[u8]) -> Option<usize> {
    read_tlv(input).map(|(t, _)| t.total_len)
}

fn integer_bits(v: &[u8]) -> c_int {
    let v = match v.iter().position(|&b| b != 0) {
        Some(i) => &v[i..],
        None => return 0,
    };
    (v.len() * 8 - v[0].leading_zeros() as usize) as c_int
}

/// Bits of the modulus of a DER `RSAPublicKey`.
pub fn rsa_public_key_bits(der: &[u8]) -> Option<c_int> {
    let (seq, _) = read_tlv(der)?;
    if seq.tag != 0x30 {
        return None;
    }
    let (n, _) = read_tlv(seq.value)?;
    (n.tag == 0x02).then(|| integer_bits(n.value))
}

/// (EVP_PKEY_* id, bits) of a DER SubjectPublicKeyInfo.
pub fn spki_key_info(spki: &[u8]) -> Option<(c_int, c_int)> {
    let (outer, _) = read_tlv(spki)?;
    if outer.tag != 0x30 {
        return None;
    }
    let (alg, rest) = read_tlv(outer.value)?;
    let (bits, _) = read_tlv(rest)?;
    if alg.tag != 0x30 || bits.tag != 0x03 {
        return None;
    }
    let (oid, params) = read_tlv(alg.value)?;
    let key = bits.value.get(1..)?; // skip the unused-bits octet
    match oid.value {
        OID_RSA => Some((EVP_PKEY_RSA, rsa_public_key_bits(key)?)),
        OID_RSA_PSS => Some((EVP_PKEY_RSA_PSS, rsa_public_key_bits(key)?)),
        OID_EC => {
            let (curve, _) = read_tlv(params)?;
            let b = match curve.value {
                OID_P256 => 256,
                OID_P384 => 384,
                OID_P521 => 521,
                _ => return None,
            };
            Some((EVP_PKEY_EC, b))
        }
        OID_ED25519 => Some((EVP_PKEY_ED25519, 253)),
        OID_ED448 => Some((EVP_PKEY_ED448, 456)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlv_bounds() {
        assert!(read_tlv(&[]).is_none());
        assert!(read_tlv(&[0x30]).is_none());
        assert!(read_tlv(&[0x30, 0x05, 1, 2]).is_none());
        assert!(read_tlv(&[0x30, 0x80]).is_none(), "indefinite length");
        assert!(
            read_tlv(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none(),
            "length too long"
        );
        let (t, rest) = read_tlv(&[0x02, 0x01, 0x05, 0xFF]).expect("tlv");
        assert_eq!(
            (t.tag, t.value, t.total_len, rest),
            (0x02, &[5u8][..], 3, &[0xFFu8][..])
        );
        let mut long = vec![0x04, 0x81, 200];
        long.extend(std::iter::repeat_n(0, 200));
        assert_eq!(element_len(&long), Some(203));
    }

    #[test]
    fn rsa_bits() {
        // SEQUENCE { INTEGER 0x00C1.. (2 bytes of modulus: 16 bits), INTEGER 3 }
        let der = [0x30, 0x07, 0x02, 0x03, 0x00, 0xC1, 0x01, 0x02, 0x01, 0x03];
        assert_eq!(rsa_public_key_bits(&der), Some(16));
    }
}
