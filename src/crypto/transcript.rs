//! The handshake transcript: every handshake message covered by Finished, CertificateVerify
//! and the extended master secret, in DTLS form (RFC 6347 §4.2.6).

use super::HashAlg;

/// Bytes reserved with the first message: a full DTLS 1.2 handshake with a one- or
/// two-certificate chain fits (about 1.3 to 2 KiB).
const TYPICAL_TRANSCRIPT: usize = 2048;

/// Buffered handshake messages. Each is added whole, with its 12-byte DTLS header rewritten as
/// an unfragmented message (fragment_offset 0, fragment_length = length), RFC 6347 §4.2.6.
///
/// The raw bytes are kept because the PRF hash is only known after ServerHello and TLS 1.2
/// CertificateVerify signs the messages themselves (RFC 5246 §7.4.8). Digests are computed
/// incrementally: each hash algorithm asked for keeps a running context that absorbs only
/// the bytes added since its last use, so a handshake hashes each message once per
/// algorithm rather than once per Finished / session-hash computation.
#[derive(Clone, Default)]
pub struct Transcript {
    buf: Vec<u8>,
    running: Vec<(HashAlg, ring::digest::Context, usize)>,
}

impl std::fmt::Debug for Transcript {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transcript")
            .field("len", &self.buf.len())
            .finish()
    }
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one complete handshake message (header + body).
    pub fn add(&mut self, msg: &[u8]) {
        self.reserve(msg.len());
        self.buf.extend_from_slice(msg);
    }

    /// Appends one message given as its 12-byte header and its body (no copy of the two
    /// joined first).
    pub fn add_parts(&mut self, header: &[u8], body: &[u8]) {
        self.reserve(header.len() + body.len());
        self.buf.extend_from_slice(header);
        self.buf.extend_from_slice(body);
    }

    /// Room for `more` bytes; the first message reserves what a full handshake with one
    /// certificate needs, so the buffer is not regrown message by message.
    fn reserve(&mut self, more: usize) {
        if self.buf.capacity() == 0 {
            self.buf.reserve(more.max(TYPICAL_TRANSCRIPT));
        } else {
            self.buf.reserve(more);
        }
    }

    /// Digest of every message added so far.
    pub fn hash(&mut self, h: HashAlg) -> Vec<u8> {
        let i = match self.running.iter().position(|(alg, _, _)| *alg == h) {
            Some(i) => i,
            None => {
                self.running
                    .push((h, ring::digest::Context::new(h.digest_algorithm()), 0));
                self.running.len() - 1
            }
        };
        let (_, ctx, upto) = &mut self.running[i];
        ctx.update(&self.buf[*upto..]);
        *upto = self.buf.len();
        ctx.clone().finish().as_ref().to_vec()
    }

    /// The raw concatenated messages.
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }

    /// Forgets every message (e.g. after HelloVerifyRequest, RFC 6347 §4.2.1: the first
    /// ClientHello and the HelloVerifyRequest are excluded).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.running.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_covers_all_added_messages_and_clear_resets() {
        let mut t = Transcript::new();
        t.add(b"ab");
        t.add(b"c");
        assert_eq!(t.buffer(), b"abc");
        assert_eq!(t.hash(HashAlg::Sha256), HashAlg::Sha256.digest(b"abc"));
        assert_eq!(t.hash(HashAlg::Sha384), HashAlg::Sha384.digest(b"abc"));
        // Incremental: later additions are absorbed on the next call.
        t.add(b"de");
        assert_eq!(t.hash(HashAlg::Sha256), HashAlg::Sha256.digest(b"abcde"));
        assert_eq!(t.hash(HashAlg::Sha384), HashAlg::Sha384.digest(b"abcde"));
        t.clear();
        assert!(t.buffer().is_empty());
        assert_eq!(t.hash(HashAlg::Sha256), HashAlg::Sha256.digest(b""));
    }
}
