//! The `pre_shared_key` extension and PSK binders (RFC 8446 §4.2.11, §4.2.11.2), for
//! resumption with a ticket (DTLS 1.3 keeps TLS 1.3's rules, RFC 9147 §5; binders hash the
//! ClientHello in its TLS form, §5.2).
//!
//! In a ClientHello the extension must come last, and its binders list last inside it, so
//! the bytes the binder covers ("the partial ClientHello up to and including the
//! PreSharedKeyExtension.identities field") are the message minus a suffix of known length.

use crate::codec::{put_nested, put_u16, put_uint, put_vec, DecodeError, Reader};

use super::key_schedule::{labels, KeySchedule, KeyScheduleError, Secret};
use super::messages::transcript_message;

/// One offered identity: the ticket and its obfuscated age.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PskIdentity {
    /// `identity<1..2^16-1>` (the ticket).
    pub identity: Vec<u8>,
    /// `obfuscated_ticket_age`: age in ms plus `ticket_age_add`, mod 2^32.
    pub obfuscated_ticket_age: u32,
}

/// The ClientHello form: identities and their binders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfferedPsks {
    /// The identities, in preference order.
    pub identities: Vec<PskIdentity>,
    /// One binder per identity.
    pub binders: Vec<Vec<u8>>,
}

impl OfferedPsks {
    /// Appends the extension body.
    pub fn encode(&self, out: &mut Vec<u8>) {
        put_nested(out, 2, |o| {
            for id in &self.identities {
                put_vec(o, 2, &id.identity);
                put_uint(o, u64::from(id.obfuscated_ticket_age), 4);
            }
        });
        put_nested(out, 2, |o| {
            for b in &self.binders {
                put_vec(o, 1, b);
            }
        });
    }

    /// Length of the binders list as encoded (its 2-byte length included): the suffix of
    /// the ClientHello the binders do not cover.
    pub fn binders_len(&self) -> usize {
        2 + self.binders.iter().map(|b| 1 + b.len()).sum::<usize>()
    }

    /// Decodes the extension body; an empty list, a count mismatch or a binder shorter
    /// than 32 bytes is an error (RFC 8446 §4.2.11: `PskBinderEntry<32..255>`).
    pub fn decode(body: &[u8]) -> Result<Self, DecodeError> {
        const WHAT: &str = "pre_shared_key";
        let mut r = Reader::new(body);
        let mut ids = r.sub(2, WHAT)?;
        let mut bs = r.sub(2, WHAT)?;
        r.finish(WHAT)?;
        let mut identities = Vec::new();
        while !ids.is_empty() {
            let identity = ids.vec(2, WHAT)?.to_vec();
            let age = ids.u32(WHAT)?;
            if identity.is_empty() {
                return Err(DecodeError::new(WHAT));
            }
            identities.push(PskIdentity {
                identity,
                obfuscated_ticket_age: age,
            });
        }
        let mut binders = Vec::new();
        while !bs.is_empty() {
            let b = bs.vec(1, WHAT)?;
            if b.len() < 32 {
                return Err(DecodeError::new(WHAT));
            }
            binders.push(b.to_vec());
        }
        if identities.is_empty() || identities.len() != binders.len() {
            return Err(DecodeError::new(WHAT));
        }
        Ok(OfferedPsks {
            identities,
            binders,
        })
    }
}

/// The ServerHello form: `uint16 selected_identity`.
pub fn encode_selected(out: &mut Vec<u8>, index: u16) {
    put_u16(out, index);
}

/// Decodes the ServerHello form.
pub fn decode_selected(body: &[u8]) -> Result<u16, DecodeError> {
    let mut r = Reader::new(body);
    let i = r.u16("pre_shared_key")?;
    r.finish("pre_shared_key")?;
    Ok(i)
}

/// `obfuscated_ticket_age` for a ticket received `age_ms` ago (RFC 8446 §4.2.11.1).
pub fn obfuscated_age(age_ms: u64, age_add: u32) -> u32 {
    (age_ms as u32).wrapping_add(age_add)
}

/// The binder of a resumption PSK (RFC 8446 §4.2.11.2): the Finished construction with
/// `binder_key = Derive-Secret(Early Secret(psk), "res binder", "")` over
/// `Transcript-Hash(prefix ‖ Truncate(ClientHello))`. `prefix` is the transcript before
/// this ClientHello (empty, or `message_hash ‖ HelloRetryRequest` after an HRR),
/// `client_hello` the whole body with the binders present (their values are not read),
/// `binders_len` the length [`OfferedPsks::binders_len`] reports.
pub fn binder(
    ks: &KeySchedule,
    psk: &[u8],
    prefix: &[u8],
    client_hello: &[u8],
    binders_len: usize,
) -> Result<Secret, KeyScheduleError> {
    let mut t = prefix.to_vec();
    // The message header carries the full length, as in the transcript (§4.2.11.2).
    transcript_message(&mut t, super::hello::msg_type::CLIENT_HELLO, client_hello);
    let cut = t
        .len()
        .checked_sub(binders_len)
        .ok_or(KeyScheduleError::WrongLength)?;
    t.truncate(cut);
    let early = ks.early_secret(Some(psk));
    let binder_key = ks.derive_secret(&early, labels::RES_BINDER, ks.empty_hash())?;
    let finished = ks.finished_key(&binder_key)?;
    Ok(ks.verify_data(&finished, ks.transcript_hash(&t).as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HashAlg;

    #[test]
    fn offered_psks_round_trip_and_refusals() {
        let o = OfferedPsks {
            identities: vec![PskIdentity {
                identity: vec![9; 40],
                obfuscated_ticket_age: 0xdead_beef,
            }],
            binders: vec![vec![1; 32]],
        };
        let mut b = Vec::new();
        o.encode(&mut b);
        assert_eq!(OfferedPsks::decode(&b).unwrap(), o);
        assert_eq!(o.binders_len(), 2 + 1 + 32);
        assert_eq!(&b[b.len() - o.binders_len()..][..3], &[0, 33, 32]);
        for n in 0..b.len() {
            assert!(OfferedPsks::decode(&b[..n]).is_err(), "{n}");
        }
        // A short binder, no identity, more binders than identities.
        let mut short = o.clone();
        short.binders[0].truncate(31);
        let mut s = Vec::new();
        short.encode(&mut s);
        assert!(OfferedPsks::decode(&s).is_err());
        assert!(OfferedPsks::decode(&[0, 0, 0, 0]).is_err());
        let mut two = o.clone();
        two.binders.push(vec![2; 32]);
        let mut t = Vec::new();
        two.encode(&mut t);
        assert!(OfferedPsks::decode(&t).is_err());
        let mut sel = Vec::new();
        encode_selected(&mut sel, 3);
        assert_eq!(decode_selected(&sel), Ok(3));
        assert!(decode_selected(&[0]).is_err());
        assert_eq!(obfuscated_age(1000, u32::MAX), 999);
    }

    /// The binder covers everything but the binders: changing a binder value leaves it
    /// unchanged, changing any covered byte (or the prefix, or the PSK) changes it.
    #[test]
    fn binder_covers_the_truncated_client_hello() {
        let ks = KeySchedule::dtls13(HashAlg::Sha256);
        let o = OfferedPsks {
            identities: vec![PskIdentity {
                identity: vec![5; 20],
                obfuscated_ticket_age: 7,
            }],
            binders: vec![vec![0; 32]],
        };
        let mut ch = vec![0xab; 50];
        o.encode(&mut ch);
        let n = o.binders_len();
        let base = binder(&ks, &[1; 32], b"", &ch, n).unwrap();
        let mut other_binder = ch.clone();
        *other_binder.last_mut().unwrap() ^= 1;
        assert_eq!(binder(&ks, &[1; 32], b"", &other_binder, n).unwrap(), base);
        let mut covered = ch.clone();
        let i = ch.len() - n - 1; // the last byte of obfuscated_ticket_age
        covered[i] ^= 1;
        assert_ne!(binder(&ks, &[1; 32], b"", &covered, n).unwrap(), base);
        assert_ne!(binder(&ks, &[1; 32], b"x", &ch, n).unwrap(), base);
        assert_ne!(binder(&ks, &[2; 32], b"", &ch, n).unwrap(), base);
        assert!(binder(&ks, &[1; 32], b"", &ch, 10_000).is_err());
    }
}
