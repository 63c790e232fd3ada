//! The TLS 1.2 PRF (RFC 5246 §5) and everything derived from it: master secret (RFC 5246
//! §8.1), extended master secret (RFC 7627 §4), Finished verify_data (RFC 5246 §7.4.9), the
//! key block (RFC 5246 §6.3) and exported keying material (RFC 5705 §4).

use zeroize::Zeroizing;

use super::suites::CipherSuite;
use super::HashAlg;
use crate::error::Error;

/// The 48-byte master secret, wiped on drop.
pub type MasterSecret = Zeroizing<[u8; 48]>;

/// Length of Finished verify_data for every TLS 1.2 suite we implement (RFC 5246 §7.4.9).
pub const VERIFY_DATA_LEN: usize = 12;

/// Largest exporter context: its length travels as a u16 (RFC 5705 §4).
pub const MAX_EXPORTER_CONTEXT_LEN: usize = u16::MAX as usize;

/// Labels an exporter must not use, because the handshake itself uses them (RFC 5705 §4,
/// RFC 7627 §4).
pub const RESERVED_EXPORTER_LABELS: [&[u8]; 5] = [
    b"client finished",
    b"server finished",
    b"master secret",
    b"key expansion",
    b"extended master secret",
];

/// PRF(secret, label, seed) = P_hash(secret, label ‖ seed) (RFC 5246 §5), where `seed` is the
/// concatenation of `seeds`. Fills `out` entirely.
pub fn prf(hash: HashAlg, secret: &[u8], label: &[u8], seeds: &[&[u8]], out: &mut [u8]) {
    prf_keyed(
        &ring::hmac::Key::new(hash.hmac_algorithm(), secret),
        label,
        seeds,
        out,
    );
}

/// [`prf`] with the secret's HMAC key already set up (a handshake uses the master secret's
/// three times: key block and two Finished).
pub fn prf_keyed(key: &ring::hmac::Key, label: &[u8], seeds: &[&[u8]], out: &mut [u8]) {
    let hash_len = key.algorithm().digest_algorithm().output_len();
    // A(1) = HMAC(secret, A(0)) with A(0) = label ‖ seed.
    let mut ctx = ring::hmac::Context::with_key(key);
    ctx.update(label);
    for s in seeds {
        ctx.update(s);
    }
    let mut a = ctx.sign();
    let mut chunks = out.chunks_mut(hash_len).peekable();
    while let Some(chunk) = chunks.next() {
        // Output block = HMAC(secret, A(i) ‖ label ‖ seed).
        let mut ctx = ring::hmac::Context::with_key(key);
        ctx.update(a.as_ref());
        ctx.update(label);
        for s in seeds {
            ctx.update(s);
        }
        let block = ctx.sign();
        chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
        // A(i+1) only when another block follows (a Finished needs one block, not two).
        if chunks.peek().is_some() {
            a = ring::hmac::sign(key, a.as_ref());
        }
    }
}

/// master_secret = PRF(pms, "master secret", client_random ‖ server_random)[0..48]
/// (RFC 5246 §8.1).
pub fn master_secret(
    hash: HashAlg,
    pms: &[u8],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> MasterSecret {
    let mut ms = Zeroizing::new([0u8; 48]);
    prf(
        hash,
        pms,
        b"master secret",
        &[client_random, server_random],
        &mut ms[..],
    );
    ms
}

/// master_secret = PRF(pms, "extended master secret", session_hash)[0..48] (RFC 7627 §4),
/// where `session_hash` is the transcript hash through ClientKeyExchange.
pub fn extended_master_secret(hash: HashAlg, pms: &[u8], session_hash: &[u8]) -> MasterSecret {
    let mut ms = Zeroizing::new([0u8; 48]);
    prf(
        hash,
        pms,
        b"extended master secret",
        &[session_hash],
        &mut ms[..],
    );
    ms
}

/// verify_data = PRF(master, finished_label, Hash(handshake_messages))[0..12]
/// (RFC 5246 §7.4.9). `client` selects "client finished" vs "server finished".
pub fn finished_verify_data(
    hash: HashAlg,
    master: &[u8; 48],
    client: bool,
    handshake_hash: &[u8],
) -> [u8; VERIFY_DATA_LEN] {
    let key = ring::hmac::Key::new(hash.hmac_algorithm(), master);
    finished_verify_data_keyed(&key, client, handshake_hash)
}

/// [`finished_verify_data`] with the master secret's HMAC key.
pub fn finished_verify_data_keyed(
    master: &ring::hmac::Key,
    client: bool,
    handshake_hash: &[u8],
) -> [u8; VERIFY_DATA_LEN] {
    let label: &[u8] = if client {
        b"client finished"
    } else {
        b"server finished"
    };
    let mut out = [0u8; VERIFY_DATA_LEN];
    prf_keyed(master, label, &[handshake_hash], &mut out);
    out
}

/// Traffic keys and implicit IVs for both directions (RFC 5246 §6.3). AEAD suites have no
/// MAC keys (empty); CBC suites have no implicit IV (empty).
pub struct KeyBlock {
    /// Key the client MACs with (CBC suites).
    pub client_write_mac_key: Zeroizing<Vec<u8>>,
    /// Key the server MACs with (CBC suites).
    pub server_write_mac_key: Zeroizing<Vec<u8>>,
    /// Key the client encrypts with.
    pub client_write_key: Zeroizing<Vec<u8>>,
    /// Key the server encrypts with.
    pub server_write_key: Zeroizing<Vec<u8>>,
    /// Client implicit IV (GCM salt or ChaCha IV).
    pub client_write_iv: Zeroizing<Vec<u8>>,
    /// Server implicit IV (GCM salt or ChaCha IV).
    pub server_write_iv: Zeroizing<Vec<u8>>,
}

/// Expands the master secret into a [`KeyBlock`]:
/// PRF(master, "key expansion", server_random ‖ client_random), split as client MAC key,
/// server MAC key, client key, server key, client IV, server IV (RFC 5246 §6.3; MAC keys have
/// length 0 for AEAD suites). A CBC suite's per-record IV is explicit, so we stop before the
/// IV part that OpenSSL also derives and never uses: the bytes before it are the same.
pub fn key_block(
    suite: &CipherSuite,
    master: &[u8; 48],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> KeyBlock {
    let key = ring::hmac::Key::new(suite.prf.hmac_algorithm(), master);
    key_block_keyed(suite, &key, client_random, server_random)
}

/// [`key_block`] with the master secret's HMAC key.
pub fn key_block_keyed(
    suite: &CipherSuite,
    master: &ring::hmac::Key,
    client_random: &[u8; 32],
    server_random: &[u8; 32],
) -> KeyBlock {
    let m = suite.mac_key_len();
    let k = suite.key_len;
    let iv = suite.fixed_iv_len;
    let mut block = Zeroizing::new(vec![0u8; 2 * m + 2 * k + 2 * iv]);
    prf_keyed(
        master,
        b"key expansion",
        &[server_random, client_random],
        &mut block[..],
    );
    let (client_mac, rest) = block.split_at(m);
    let (server_mac, rest) = rest.split_at(m);
    let (client_key, rest) = rest.split_at(k);
    let (server_key, rest) = rest.split_at(k);
    let (client_iv, server_iv) = rest.split_at(iv);
    KeyBlock {
        client_write_mac_key: Zeroizing::new(client_mac.to_vec()),
        server_write_mac_key: Zeroizing::new(server_mac.to_vec()),
        client_write_key: Zeroizing::new(client_key.to_vec()),
        server_write_key: Zeroizing::new(server_key.to_vec()),
        client_write_iv: Zeroizing::new(client_iv.to_vec()),
        server_write_iv: Zeroizing::new(server_iv.to_vec()),
    }
}

/// Keying material exporter (RFC 5705 §4): PRF(master, label, client_random ‖ server_random
/// [‖ context_length(2) ‖ context]). A missing context and an empty one give different output.
/// Reserved labels and over-long contexts are rejected with `Error::Config`.
#[allow(clippy::too_many_arguments)]
pub fn export_keying_material(
    hash: HashAlg,
    master: &[u8; 48],
    client_random: &[u8; 32],
    server_random: &[u8; 32],
    label: &[u8],
    context: Option<&[u8]>,
    out: &mut [u8],
) -> Result<(), Error> {
    if RESERVED_EXPORTER_LABELS.contains(&label) {
        return Err(Error::Config("reserved exporter label".into()));
    }
    match context {
        None => prf(hash, master, label, &[client_random, server_random], out),
        Some(ctx) => {
            let len = u16::try_from(ctx.len())
                .map_err(|_| Error::Config("exporter context too long".into()))?;
            prf(
                hash,
                master,
                label,
                &[client_random, server_random, &len.to_be_bytes(), ctx],
                out,
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::suites::{
        TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    };

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    fn range<const N: usize>(start: u8) -> [u8; N] {
        std::array::from_fn(|i| start.wrapping_add(i as u8))
    }

    // Fixed inputs for the derived-secret vectors. Every expected value below was produced
    // independently with OpenSSL 3.0's `openssl kdf ... TLS1-PRF` using the same inputs
    // (seed = label ‖ seeds, in the order each RFC prescribes).
    fn pms() -> [u8; 48] {
        range(0x00)
    }
    fn master() -> [u8; 48] {
        range(0x30)
    }
    fn client_random() -> [u8; 32] {
        range(0xc0)
    }
    fn server_random() -> [u8; 32] {
        range(0xe0)
    }

    /// The widely published TLS 1.2 PRF-SHA256 vector (100 bytes), confirmed with
    /// `openssl kdf -keylen 100 -kdfopt digest:SHA256 ... TLS1-PRF`.
    #[test]
    fn prf_sha256_published_vector() {
        let mut out = [0u8; 100];
        prf(
            HashAlg::Sha256,
            &hex("9bbe436ba940f017b17652849a71db35"),
            b"test label",
            &[&hex("a0ba9f936cda311827a6f796ffd5198c")],
            &mut out,
        );
        let expected = hex(
            "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a\
             6b301791e90d35c9c9a46b4e14baf9af0fa022f7077def17abfd3797c0564bab\
             4fbc91666e9def9b97fce34f796789baa48082d122ee42c5a72e5a5110fff701\
             87347b66",
        );
        assert_eq!(out.to_vec(), expected);
    }

    /// The widely published TLS 1.2 PRF-SHA384 vector (148 bytes), confirmed with
    /// `openssl kdf -keylen 148 -kdfopt digest:SHA384 ... TLS1-PRF`.
    #[test]
    fn prf_sha384_published_vector() {
        let mut out = [0u8; 148];
        prf(
            HashAlg::Sha384,
            &hex("b80b733d6ceefcdc71566ea48e5567df"),
            b"test label",
            &[&hex("cd665cf6a8447dd6ff8b27555edb7465")],
            &mut out,
        );
        let expected = hex(
            "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cd\
             e9ca0faa60be9fe34f82b1233c9146a0e534cb400fed2700884f9dc236f80edd\
             8bfa961144c9e8d792eca722a7b32fc3d416d473ebc2c5fd4abfdad05d918425\
             9b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9aee6\
             91c8f3a26854308d5eaa3be85e0990703d73e56f",
        );
        assert_eq!(out.to_vec(), expected);
    }

    #[test]
    fn seeds_are_concatenated() {
        let (mut a, mut b) = ([0u8; 40], [0u8; 40]);
        prf(HashAlg::Sha256, b"k", b"l", &[b"ab", b"cd"], &mut a);
        prf(HashAlg::Sha256, b"k", b"l", &[b"abcd"], &mut b);
        assert_eq!(a, b);
    }

    #[test]
    fn master_secret_vector() {
        let ms = master_secret(HashAlg::Sha256, &pms(), &client_random(), &server_random());
        assert_eq!(
            ms.to_vec(),
            hex(
                "879715986f9f92e6aaa44dc72620221097bbd1bc5e04e0df8cf1c95a6930f07a\
                 6af7e56d00d779fba726f81a72b05e15"
            )
        );
    }

    /// RFC 7627 §4, cross-checked with `openssl kdf` for both PRF hashes.
    #[test]
    fn extended_master_secret_vectors() {
        let sh256: [u8; 32] = range(0x40);
        let sh384: [u8; 48] = range(0x60);
        assert_eq!(
            extended_master_secret(HashAlg::Sha256, &pms(), &sh256).to_vec(),
            hex(
                "d8932ce1860ee4f1874a7535032cceccf17730a5a26fb0172619bf6438949f9d\
                 9a51a1c1f7d8c9ef19119217fef56b27"
            )
        );
        assert_eq!(
            extended_master_secret(HashAlg::Sha384, &pms(), &sh384).to_vec(),
            hex(
                "90bd413398a183624fe15f22b8d32e06a2babd8e2e07e891c92d7e3e2bff5949\
                 361097a3d6aa5b2a9117fa7f1c774adc"
            )
        );
    }

    #[test]
    fn finished_vectors() {
        let sh256: [u8; 32] = range(0x40);
        let sh384: [u8; 48] = range(0x60);
        assert_eq!(
            finished_verify_data(HashAlg::Sha384, &master(), true, &sh384).to_vec(),
            hex("d75fa72cf89ae7675b48142b")
        );
        assert_eq!(
            finished_verify_data(HashAlg::Sha256, &master(), false, &sh256).to_vec(),
            hex("f269249e705078cf8b974137")
        );
    }

    /// Key block split order: client key, server key, client IV, server IV (RFC 5246 §6.3),
    /// with seed server_random ‖ client_random.
    #[test]
    fn key_block_vectors() {
        let kb = key_block(
            &TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            &master(),
            &client_random(),
            &server_random(),
        );
        let all = hex(
            "96a824a93d367734b738e4a7f9aa446ae8f69536e31dffbf54f211fa466f4772\
                       eb83ff88d4b7ebaf",
        );
        assert_eq!(*kb.client_write_key, all[..16]);
        assert_eq!(*kb.server_write_key, all[16..32]);
        assert_eq!(*kb.client_write_iv, all[32..36]);
        assert_eq!(*kb.server_write_iv, all[36..40]);

        let kb = key_block(
            &TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            &master(),
            &client_random(),
            &server_random(),
        );
        let all = hex(
            "96a824a93d367734b738e4a7f9aa446ae8f69536e31dffbf54f211fa466f4772\
                       eb83ff88d4b7ebaf8519096292de16cc6b66648181071bebaa31473ab6031fef\
                       59bb7b6a57e1f026e2a44ed3256e9b4855610c570315e524",
        );
        assert_eq!(*kb.client_write_key, all[..32]);
        assert_eq!(*kb.server_write_key, all[32..64]);
        assert_eq!(*kb.client_write_iv, all[64..76]);
        assert_eq!(*kb.server_write_iv, all[76..88]);

        // CBC: the two MAC keys come first, then the keys; no implicit IV (same PRF stream).
        let kb = key_block(
            &crate::crypto::suites::TLS_ECDHE_PSK_WITH_AES_128_CBC_SHA,
            &master(),
            &client_random(),
            &server_random(),
        );
        assert_eq!(*kb.client_write_mac_key, all[..20]);
        assert_eq!(*kb.server_write_mac_key, all[20..40]);
        assert_eq!(*kb.client_write_key, all[40..56]);
        assert_eq!(*kb.server_write_key, all[56..72]);
        assert!(kb.client_write_iv.is_empty() && kb.server_write_iv.is_empty());
    }

    /// RFC 5705 §4: no context, empty context and a context all differ.
    #[test]
    fn exporter_vectors() {
        let cases: [(Option<&[u8]>, &str); 3] = [
            (None, "d33a6b904d2af96d20134df10d995fdf5dc90f31"),
            (Some(b""), "e4537ccc538a62bd48187e08f73098a327253732"),
            (Some(b"ctx"), "7e4e4cfa0d444b61fe426182d5a3a6351778fc26"),
        ];
        for (ctx, expected) in cases {
            let mut out = [0u8; 20];
            export_keying_material(
                HashAlg::Sha256,
                &master(),
                &client_random(),
                &server_random(),
                b"EXPORTER-test",
                ctx,
                &mut out,
            )
            .unwrap();
            assert_eq!(out.to_vec(), hex(expected));
        }
    }

    #[test]
    fn exporter_rejects_reserved_labels_and_long_context() {
        let mut out = [0u8; 16];
        for label in RESERVED_EXPORTER_LABELS {
            assert!(export_keying_material(
                HashAlg::Sha256,
                &master(),
                &client_random(),
                &server_random(),
                label,
                None,
                &mut out,
            )
            .is_err());
        }
        let long = vec![0u8; MAX_EXPORTER_CONTEXT_LEN + 1];
        assert!(export_keying_material(
            HashAlg::Sha256,
            &master(),
            &client_random(),
            &server_random(),
            b"EXPORTER-x",
            Some(&long),
            &mut out,
        )
        .is_err());
        let max = vec![0u8; MAX_EXPORTER_CONTEXT_LEN];
        assert!(export_keying_material(
            HashAlg::Sha256,
            &master(),
            &client_random(),
            &server_random(),
            b"EXPORTER-x",
            Some(&max),
            &mut out,
        )
        .is_ok());
    }
}
