//! The crypto floor for `make bench`: what the ring operations one handshake (or one
//! record) needs cost on this machine right now, so bench/run.sh can print how close each
//! library gets to the limit the primitives set.
//!
//! Built as a shared library (build/libcrypto_floor.so) that bench/bench.c loads with
//! dlopen and runs inside its own process, just before its metrics: the floor and the
//! rates it is compared with come from one process and one run (issue 12), on the same
//! core, caches and load. `rdtls_bench_crypto_floor(seconds)` measures for `seconds` in
//! total; the server certificate chain is read from `$RDTLS_FLOOR_CERTDIR/server.pem`.
//!
//! Output (stdout): "name value" lines, like bench/bench.c:
//!   op_<operation>_us                 microseconds per single operation
//!   floor_full_handshakes_per_s       ECDHE-ECDSA-AES128-GCM-SHA256 with X25519, both ends
//!   floor_resumed_handshakes_per_s    abbreviated handshake (RFC 5246 §7.3), both ends
//!   floor_throughput_mb_per_s         seal + open of one 1,200-byte AES-128-GCM record
//!   floor_psk_ccm8_handshakes_per_s   PSK (no public-key operation): PRF and hashing only
//!   floor_ecdhe_ccm8_handshakes_per_s same public-key work as the full handshake
//!
//! A full handshake run by one process playing both ends (as bench.c does) needs: one ECDSA
//! P-256 signature (ServerKeyExchange, RFC 4492 §5.4); one verification per certificate of
//! the server's chain plus one for ServerKeyExchange; two X25519 key pairs and two
//! agreements; four PRF calls per end (extended master secret, key block, two Finished,
//! RFC 5246 §8.1, §6.3, §7.4.9; RFC 7627 §4); the transcript hashed by each end; and the
//! two Finished records sealed and opened. A resumed one needs the key block and the two
//! Finished per end, hashing and the two Finished records.

use std::time::Instant;

use rdtls::__internal::crypto::prf::prf;
use rdtls::suites::HashAlg;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};
use ring::agreement::{self, EphemeralPrivateKey, UnparsedPublicKey, X25519};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair};

/// Payload of one benchmark record (bench.c's PAYLOAD).
const PAYLOAD: usize = 1200;
/// DTLS record header, the AEAD's additional data (RFC 5246 §6.2.3.3).
const AAD_LEN: usize = 13;
/// Approximate bytes of a full handshake's transcript (ClientHello twice is not hashed;
/// one ClientHello, ServerHello, a one-certificate chain, ServerKeyExchange,
/// ServerHelloDone, ClientKeyExchange, two Finished).
const FULL_TRANSCRIPT: usize = 1400;
/// Approximate transcript of a resumed handshake (ClientHello, ServerHello, two Finished).
const RESUMED_TRANSCRIPT: usize = 500;
/// A Finished record's plaintext (12-byte header + 12-byte verify_data).
const FINISHED_RECORD: usize = 24;

/// Seconds per call of `f`: the fastest of five rounds sharing `budget` seconds, after a
/// short warm-up. The machine is shared and noisy; the fastest round is the repeatable
/// figure (so the fraction of the floor reached errs low, never high).
fn per_op(budget: f64, mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let round = budget / 5.0;
    let mut best = f64::INFINITY;
    for _ in 0..5 {
        let mut n = 0u64;
        let mut batch = 1u64;
        let t0 = Instant::now();
        loop {
            for _ in 0..batch {
                f();
            }
            n += batch;
            let t = t0.elapsed().as_secs_f64();
            if t >= round {
                best = best.min(t / n as f64);
                break;
            }
            batch = (batch * 2).min(1 << 16);
        }
    }
    best
}

/// Number of certificates in a PEM file (each is verified once by the client).
fn pem_certs(path: &str) -> usize {
    std::fs::read_to_string(path)
        .map(|s| s.matches("-----BEGIN CERTIFICATE-----").count())
        .unwrap_or(1)
        .max(1)
}

/// Measures the floor for `seconds` in total (2 when not positive) and prints it. The one
/// symbol bench.c looks up; a panic (a failed ring call) stops here, not in C.
#[no_mangle]
pub extern "C" fn rdtls_bench_crypto_floor(seconds: f64) -> i32 {
    let dir = std::env::var("RDTLS_FLOOR_CERTDIR").unwrap_or_else(|_| ".".into());
    let total = if seconds > 0.0 { seconds } else { 2.0 };
    match std::panic::catch_unwind(|| measure(&dir, total)) {
        Ok(()) => {
            use std::io::Write;
            let _ = std::io::stdout().flush();
            0
        }
        Err(_) => -1,
    }
}

fn measure(dir: &str, total: f64) {
    // Nine measurements share the budget.
    let budget = total / 9.0;
    let chain_certs = pem_certs(&format!("{dir}/server.pem"));
    let rng = SystemRandom::new();

    // ECDSA P-256 over what ServerKeyExchange signs: randoms and the ECDHE parameters.
    let alg = &signature::ECDSA_P256_SHA256_ASN1_SIGNING;
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).expect("P-256 key generation");
    let kp = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).expect("P-256 key");
    let msg = [0x5au8; 64 + 4 + 32];
    let sig = kp.sign(&rng, &msg).expect("sign");
    let sign = per_op(budget, || {
        let _ = kp.sign(&rng, &msg);
    });
    let public =
        signature::UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, kp.public_key());
    let verify = per_op(budget, || {
        public.verify(&msg, sig.as_ref()).expect("verify");
    });

    // One end's key agreement: a fresh key pair, its public value, the shared secret.
    let ecdhe = |group: &'static agreement::Algorithm| {
        let peer = EphemeralPrivateKey::generate(group, &rng).expect("key");
        let peer_pub = peer.compute_public_key().expect("public");
        per_op(budget, || {
            let k = EphemeralPrivateKey::generate(group, &rng).expect("key");
            let _ = k.compute_public_key().expect("public");
            agreement::agree_ephemeral(k, &UnparsedPublicKey::new(group, &peer_pub), |s| s.len())
                .expect("agree");
        })
    };
    let x25519 = ecdhe(&X25519);
    let p256 = ecdhe(&agreement::ECDH_P256);

    // The PRF calls of one end, at their real output lengths (AES-128-GCM key block: two
    // 16-byte keys and two 4-byte salts).
    let secret = [7u8; 48];
    let seed = [9u8; 64];
    let prf_handshake_end = |full: bool| {
        let mut ms = [0u8; 48];
        let mut kb = [0u8; 40];
        let mut fin = [0u8; 12];
        per_op(budget, move || {
            if full {
                prf(
                    HashAlg::Sha256,
                    &secret[..32],
                    b"extended master secret",
                    &[&seed[..32]],
                    &mut ms,
                );
            }
            prf(
                HashAlg::Sha256,
                &secret,
                b"key expansion",
                &[&seed],
                &mut kb,
            );
            prf(
                HashAlg::Sha256,
                &secret,
                b"client finished",
                &[&seed[..32]],
                &mut fin,
            );
            prf(
                HashAlg::Sha256,
                &secret,
                b"server finished",
                &[&seed[..32]],
                &mut fin,
            );
        })
    };
    let prf_full = prf_handshake_end(true);
    let prf_resumed = prf_handshake_end(false);

    let transcript = vec![0x33u8; FULL_TRANSCRIPT];
    let hash_full = per_op(budget, || {
        let _ = ring::digest::digest(&ring::digest::SHA256, &transcript);
    });
    let hash_resumed = hash_full * RESUMED_TRANSCRIPT as f64 / FULL_TRANSCRIPT as f64;

    // AES-128-GCM seal + open of one record, in place (the least any library can do).
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &[1u8; 16]).expect("key"));
    let aad = [0x17u8; AAD_LEN];
    let seal_open = |len: usize| {
        let mut buf = vec![0x5au8; len];
        per_op(budget, || {
            let nonce = Nonce::assume_unique_for_key([3u8; 12]);
            let tag = key
                .seal_in_place_separate_tag(nonce, Aad::from(aad), &mut buf)
                .expect("seal");
            buf.extend_from_slice(tag.as_ref());
            let nonce = Nonce::assume_unique_for_key([3u8; 12]);
            let n = key
                .open_in_place(nonce, Aad::from(aad), &mut buf)
                .expect("open")
                .len();
            buf.truncate(n);
        })
    };
    let record = seal_open(PAYLOAD);
    let finished = seal_open(FINISHED_RECORD);

    let us = |s: f64| s * 1e6;
    println!("op_ecdsa_p256_sign_us {:.2}", us(sign));
    println!("op_ecdsa_p256_verify_us {:.2}", us(verify));
    println!("op_x25519_keypair_agree_us {:.2}", us(x25519));
    println!("op_p256_keypair_agree_us {:.2}", us(p256));
    println!("op_prf_full_handshake_end_us {:.2}", us(prf_full));
    println!("op_sha256_full_transcript_us {:.2}", us(hash_full));
    println!("op_aes128gcm_seal_open_1200_us {:.3}", us(record));
    println!("server_chain_certificates {chain_certs}");

    let pk = sign + verify * (chain_certs as f64 + 1.0) + 2.0 * x25519;
    let common = 2.0 * prf_full + 2.0 * hash_full + 2.0 * finished;
    let full = pk + common;
    let resumed = 2.0 * prf_resumed + 2.0 * hash_resumed + 2.0 * finished;
    println!("floor_full_us {:.1}", us(full));
    println!("floor_resumed_us {:.1}", us(resumed));
    println!("floor_full_handshakes_per_s {:.1}", 1.0 / full);
    println!("floor_resumed_handshakes_per_s {:.1}", 1.0 / resumed);
    println!(
        "floor_throughput_mb_per_s {:.1}",
        PAYLOAD as f64 / record / 1e6
    );
    // CCM is not ring's (RustCrypto's ccm); its two Finished records are noise here.
    println!("floor_psk_ccm8_handshakes_per_s {:.1}", 1.0 / common);
    println!("floor_ecdhe_ccm8_handshakes_per_s {:.1}", 1.0 / full);
}
