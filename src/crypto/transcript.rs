//! The handshake transcript: every handshake message covered by Finished, CertificateVerify
//! and the extended master secret, in DTLS form (RFC 6347 §4.2.6).

use super::HashAlg;

/// Buffered handshake messages. Each is added whole, with its 12-byte DTLS header rewritten as
/// an unfragmented message (fragment_offset 0, fragment_length = length), RFC 6347 §4.2.6.
///
/// The raw bytes are kept (not a running hash) because the PRF hash is only known after
/// ServerHello and TLS 1.2 CertificateVerify signs the messages themselves (RFC 5246 §7.4.8).
#[derive(Debug, Default, Clone)]
pub struct Transcript {
    buf: Vec<u8>,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one complete handshake message (header + body).
    pub fn add(&mut self, msg: &[u8]) {
        self.buf.extend_from_slice(msg);
    }

    /// Digest of every message added so far.
    pub fn hash(&self, h: HashAlg) -> Vec<u8> {
        h.digest(&self.buf)
    }

    /// The raw concatenated messages.
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }

    /// Forgets every message (e.g. after HelloVerifyRequest, RFC 6347 §4.2.1: the first
    /// ClientHello and the HelloVerifyRequest are excluded).
    pub fn clear(&mut self) {
        self.buf.clear();
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
        t.clear();
        assert!(t.buffer().is_empty());
        assert_eq!(t.hash(HashAlg::Sha256), HashAlg::Sha256.digest(b""));
    }
}
