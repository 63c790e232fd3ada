//! The DTLSCiphertext unified header (RFC 9147 §4), record-number reconstruction (§4.2.2)
//! and record-number encryption (§4.2.3).
//!
//! ```text
//!  0 1 2 3 4 5 6 7
//! +-+-+-+-+-+-+-+-+
//! |0|0|1|C|S|L|E E|   C: Connection ID present, S: 16-bit (1) or 8-bit (0) sequence number,
//! +-+-+-+-+-+-+-+-+   L: 16-bit length present, EE: low two bits of the epoch
//! | Connection ID |   (negotiated length, only when C)
//! | 8/16 bit seq  |   (encrypted on the wire, §4.2.3)
//! | 16 bit length |   (only when L; otherwise the record runs to the end of the datagram)
//! +-+-+-+-+-+-+-+-+
//! ```

use ring::aead::quic;

/// The three fixed high bits `001` of a unified header (RFC 9147 §4).
pub const FIXED_BITS: u8 = 0b0010_0000;
const FIXED_MASK: u8 = 0b1110_0000;
/// C: a Connection ID follows the first byte.
pub const C_BIT: u8 = 0b0001_0000;
/// S: the sequence number field is 16 bits (else 8).
pub const S_BIT: u8 = 0b0000_1000;
/// L: a 16-bit length field is present.
pub const L_BIT: u8 = 0b0000_0100;
/// EE: the low two bits of the epoch.
pub const EPOCH_MASK: u8 = 0b0000_0011;

/// RFC 9147 §4.2.3: the mask is computed over the first 16 bytes of the ciphertext, so a
/// protected record shorter than this cannot be deprotected and is dropped.
pub const SN_SAMPLE_LEN: usize = 16;

/// Why bytes are not a usable unified-header record. All are dropped silently by the
/// record layer (RFC 9147 §4.5.2: invalid records are discarded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderError {
    /// The first byte is not `001xxxxx`.
    NotUnifiedHeader,
    /// The datagram ends inside the header.
    Truncated,
    /// The C bit is set but no Connection ID was negotiated for receiving.
    UnexpectedCid,
    /// The length field runs past the end of the datagram.
    LengthExceedsDatagram,
    /// The ciphertext is shorter than the 16-byte record-number mask sample.
    CiphertextTooShort,
    /// A caller asked to encode a field that does not fit (CID > 255 bytes, length > 65535).
    FieldTooLarge,
}

/// The decoded fields of a unified header. `seq_bits` is as found on the wire (still
/// encrypted until [`SnKey::apply`] runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnifiedHeader {
    /// C bit.
    pub cid_present: bool,
    /// S bit: 16-bit sequence number field.
    pub seq_16: bool,
    /// L bit: explicit length.
    pub length_present: bool,
    /// EE: low two bits of the epoch.
    pub epoch_bits: u8,
    /// The low 8 or 16 bits of the record sequence number.
    pub seq_bits: u16,
}

impl UnifiedHeader {
    /// Width of the sequence number field in bits.
    pub fn seq_len_bits(&self) -> u32 {
        if self.seq_16 {
            16
        } else {
            8
        }
    }
}

/// One record located in a datagram: header fields and where its parts lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordView {
    /// The decoded header.
    pub header: UnifiedHeader,
    /// Length of the CID in the header (0 without C).
    pub cid_len: usize,
    /// Header length: 1 + CID + 1|2 + 0|2.
    pub header_len: usize,
    /// Header plus ciphertext: the bytes of this record; the next record starts here.
    pub record_len: usize,
}

impl RecordView {
    /// Offset of the sequence number field in the record.
    pub fn seq_offset(&self) -> usize {
        1 + self.cid_len
    }

    /// The CID bytes of `record` (empty without C).
    pub fn cid<'a>(&self, record: &'a [u8]) -> &'a [u8] {
        record.get(1..1 + self.cid_len).unwrap_or(&[])
    }
}

/// True if a datagram's first byte starts a DTLSCiphertext with a unified header
/// (RFC 9147 §4.1 demultiplexing: 0x20..=0x3F).
pub fn is_unified_header(first_byte: u8) -> bool {
    first_byte & FIXED_MASK == FIXED_BITS
}

/// Locates the unified-header record at the start of `datagram`. `cid_len` is the length
/// of the Connection ID this endpoint asked the peer to use (0 when none). Without the L
/// bit the record extends to the end of the datagram (RFC 9147 §4).
pub fn parse(datagram: &[u8], cid_len: usize) -> Result<RecordView, HeaderError> {
    let first = *datagram.first().ok_or(HeaderError::Truncated)?;
    if !is_unified_header(first) {
        return Err(HeaderError::NotUnifiedHeader);
    }
    let cid_present = first & C_BIT != 0;
    let seq_16 = first & S_BIT != 0;
    let length_present = first & L_BIT != 0;
    let cid_len = if cid_present {
        if cid_len == 0 {
            return Err(HeaderError::UnexpectedCid);
        }
        cid_len
    } else {
        0
    };
    let seq_off = 1 + cid_len;
    let seq_len = if seq_16 { 2 } else { 1 };
    let len_off = seq_off + seq_len;
    let header_len = len_off + if length_present { 2 } else { 0 };
    if datagram.len() < header_len {
        return Err(HeaderError::Truncated);
    }
    let seq_bits = if seq_16 {
        u16::from_be_bytes([datagram[seq_off], datagram[seq_off + 1]])
    } else {
        u16::from(datagram[seq_off])
    };
    let body_len = if length_present {
        let n = usize::from(u16::from_be_bytes([
            datagram[len_off],
            datagram[len_off + 1],
        ]));
        if datagram.len() - header_len < n {
            return Err(HeaderError::LengthExceedsDatagram);
        }
        n
    } else {
        datagram.len() - header_len
    };
    if body_len < SN_SAMPLE_LEN {
        return Err(HeaderError::CiphertextTooShort);
    }
    Ok(RecordView {
        header: UnifiedHeader {
            cid_present,
            seq_16,
            length_present,
            epoch_bits: first & EPOCH_MASK,
            seq_bits,
        },
        cid_len,
        header_len,
        record_len: header_len + body_len,
    })
}

/// Appends a unified header carrying the plaintext low bits of `seq`; `length` is the
/// ciphertext length when the L bit is wanted. A non-empty `cid` sets the C bit
/// (RFC 9147 §9: a zero-length CID is sent as no CID).
pub fn encode(
    out: &mut Vec<u8>,
    cid: &[u8],
    epoch: u64,
    seq: u64,
    seq_16: bool,
    length: Option<usize>,
) -> Result<(), HeaderError> {
    if cid.len() > 255 {
        return Err(HeaderError::FieldTooLarge);
    }
    let length = match length {
        Some(n) => Some(u16::try_from(n).map_err(|_| HeaderError::FieldTooLarge)?),
        None => None,
    };
    let mut first = FIXED_BITS | (epoch as u8 & EPOCH_MASK);
    if !cid.is_empty() {
        first |= C_BIT;
    }
    if seq_16 {
        first |= S_BIT;
    }
    if length.is_some() {
        first |= L_BIT;
    }
    out.push(first);
    out.extend_from_slice(cid);
    if seq_16 {
        out.extend_from_slice(&(seq as u16).to_be_bytes());
    } else {
        out.push(seq as u8);
    }
    if let Some(n) = length {
        out.extend_from_slice(&n.to_be_bytes());
    }
    Ok(())
}

/// The CID of the first record of `datagram` when it is a unified-header record with the C
/// bit, for a receiver whose CIDs are `cid_len` bytes long (the length is not on the wire:
/// the receiver knows its own, RFC 9146 §3). A server uses it to find the association of a
/// datagram from an unknown address (RFC 9147 §9); nothing is authenticated here, the
/// association then opens the record (or drops it) itself.
pub fn peek_cid(datagram: &[u8], cid_len: usize) -> Option<&[u8]> {
    let first = *datagram.first()?;
    if cid_len == 0 || !is_unified_header(first) || first & C_BIT == 0 {
        return None;
    }
    datagram.get(1..1 + cid_len)
}

/// RFC 9147 §4.2.2: the full value whose low `bits` bits are `truncated` and which is
/// numerically closest to `expected` (one more than the highest value deprotected so far).
/// The same rule serves sequence numbers (8 or 16 bits) and epochs (2 bits).
pub fn reconstruct(expected: u64, truncated: u64, bits: u32) -> u64 {
    let win = 1u64 << bits;
    let half = win / 2;
    let mask = win - 1;
    let candidate = (expected & !mask) | (truncated & mask);
    if candidate.saturating_add(half) <= expected && candidate <= u64::MAX - win {
        candidate + win
    } else if candidate > expected.saturating_add(half) && candidate >= win {
        candidate - win
    } else {
        candidate
    }
}

/// The epoch of a received record from its two low bits, nearest to the epoch currently
/// expected from the peer (RFC 9147 §4.2.2). The caller still needs keys for the result.
pub fn reconstruct_epoch(expected: u64, epoch_bits: u8) -> u64 {
    reconstruct(expected, u64::from(epoch_bits & EPOCH_MASK), 2)
}

/// The record-number encryption algorithm of a cipher suite (RFC 9147 §4.2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnAlgorithm {
    /// AES-128-ECB (AES-128-GCM, AES-128-CCM and CCM_8 suites).
    Aes128,
    /// AES-256-ECB (AES-256-GCM suites).
    Aes256,
    /// The ChaCha20 block function (ChaCha20-Poly1305 suites).
    ChaCha20,
}

/// A record-number encryption key (`sn_key`, RFC 9147 §4.2.3).
///
/// The mask is AES-ECB(sn_key, ciphertext[0..16]) or ChaCha20 with the first 4 ciphertext
/// bytes as block counter and the next 12 as nonce: exactly QUIC's header protection
/// (RFC 9001 §5.4.3/§5.4.4), so `ring::aead::quic` computes it.
pub struct SnKey(
    quic::HeaderProtectionKey,
    /// Fuzzing builds: the algorithm and key bytes, so that [`Clone`] can key a copy
    /// (ring's key cannot be copied; `rdtls::fuzzing::copy_connection`).
    #[cfg(feature = "fuzzing")]
    (SnAlgorithm, zeroize::Zeroizing<Vec<u8>>),
);

#[cfg(feature = "fuzzing")]
impl Clone for SnKey {
    fn clone(&self) -> Self {
        let (alg, key) = &self.1;
        SnKey::new(*alg, key).expect("the same key was accepted before")
    }
}

impl std::fmt::Debug for SnKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SnKey")
    }
}

/// An `sn_key` of the wrong length for its algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BadSnKey;

impl SnKey {
    /// Keys record-number encryption with `sn_key` (16 or 32 bytes as the algorithm needs).
    pub fn new(alg: SnAlgorithm, sn_key: &[u8]) -> Result<Self, BadSnKey> {
        let a = match alg {
            SnAlgorithm::Aes128 => &quic::AES_128,
            SnAlgorithm::Aes256 => &quic::AES_256,
            SnAlgorithm::ChaCha20 => &quic::CHACHA20,
        };
        let k = quic::HeaderProtectionKey::new(a, sn_key).map_err(|_| BadSnKey)?;
        Ok(SnKey(
            k,
            #[cfg(feature = "fuzzing")]
            (alg, zeroize::Zeroizing::new(sn_key.to_vec())),
        ))
    }

    /// The first two mask bytes for a record whose ciphertext is `ciphertext`.
    pub fn mask(&self, ciphertext: &[u8]) -> Result<[u8; 2], HeaderError> {
        let sample = ciphertext
            .get(..SN_SAMPLE_LEN)
            .ok_or(HeaderError::CiphertextTooShort)?;
        let m = self
            .0
            .new_mask(sample)
            .map_err(|_| HeaderError::CiphertextTooShort)?;
        Ok([m[0], m[1]])
    }

    /// XORs the mask over the sequence number field of `record` (header ‖ ciphertext) in
    /// place. Encryption and decryption are the same operation.
    pub fn apply(&self, record: &mut [u8], view: &RecordView) -> Result<(), HeaderError> {
        let ct = record
            .get(view.header_len..view.record_len)
            .ok_or(HeaderError::Truncated)?;
        let m = self.mask(ct)?;
        let off = view.seq_offset();
        let n = if view.header.seq_16 { 2 } else { 1 };
        let field = record.get_mut(off..off + n).ok_or(HeaderError::Truncated)?;
        for (b, k) in field.iter_mut().zip(m) {
            *b ^= k;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "unified_header_tests.rs"]
mod tests;
