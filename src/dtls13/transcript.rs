//! The handshake transcript as a running hash (RFC 8446 §4.4.1): each message is hashed
//! once, as it is added, in its TLS form (RFC 9147 §5.2: type and 24-bit length, without
//! message_seq and the fragment fields, as `messages::transcript_message` writes it); a
//! Transcript-Hash finishes a copy of the running state. Hashing the whole transcript
//! again at each of a handshake's Transcript-Hash points (five or six per side, the
//! certificate chain included) cost several times the hash of the messages once.

use ring::digest::Context;

use super::key_schedule::KeySchedule;

/// A running Transcript-Hash.
#[derive(Clone)]
pub(crate) struct Transcript {
    ctx: Context,
}

impl Transcript {
    /// A transcript of `ks`'s hash starting with `prefix` (bytes in transcript form).
    pub(crate) fn new(ks: &KeySchedule, prefix: &[u8]) -> Self {
        let mut ctx = Context::new(ks.hash().digest_algorithm());
        ctx.update(prefix);
        Transcript { ctx }
    }

    /// Adds one handshake message.
    pub(crate) fn add(&mut self, typ: u8, body: &[u8]) {
        let len = (body.len() as u32).to_be_bytes();
        self.ctx.update(&[typ, len[1], len[2], len[3]]);
        self.ctx.update(body);
    }

    /// Transcript-Hash of the messages so far.
    pub(crate) fn hash(&self) -> TranscriptHash {
        TranscriptHash(self.ctx.clone().finish())
    }
}

/// A Transcript-Hash value (no allocation), read as its bytes.
pub(crate) struct TranscriptHash(ring::digest::Digest);

impl std::ops::Deref for TranscriptHash {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        self.0.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::HashAlg;
    use crate::dtls13::messages::transcript_message;

    /// The running hash equals the hash of the transcript bytes at every point.
    #[test]
    fn running_hash_equals_hash_of_the_bytes() {
        for h in [HashAlg::Sha256, HashAlg::Sha384] {
            let ks = KeySchedule::dtls13(h);
            let mut bytes = vec![0xfe; 70];
            let mut t = Transcript::new(&ks, &bytes);
            assert_eq!(&*t.hash(), ks.transcript_hash(&bytes).as_bytes());
            for (typ, len) in [(2u8, 90usize), (8, 0), (11, 1500), (15, 72), (20, 48)] {
                let body: Vec<u8> = (0..len).map(|i| i as u8).collect();
                t.add(typ, &body);
                transcript_message(&mut bytes, typ, &body);
                assert_eq!(&*t.hash(), ks.transcript_hash(&bytes).as_bytes(), "{typ}");
            }
        }
    }
}
