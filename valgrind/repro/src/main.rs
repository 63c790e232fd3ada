//! Standalone reproduction (ring only, no rdtls code) of the Memcheck false positive that
//! `../ring-ghash-avx.supp` suppresses: "Conditional jump or move depends on uninitialised
//! value(s) at ring::aead::algorithm::Algorithm::open_within".
//!
//! Usage: `ghash-avx-valgrind-repro [clean|poison|random]`
//! - `clean`: seal and open a 24-byte record (13-byte AAD) with nothing special in the xmm
//!   registers. Under valgrind: 0 errors.
//! - `poison`: before the open, load 48 never-written bytes into xmm0-xmm2 (caller-saved, so
//!   dead at the call: by the ABI their content cannot matter). Under valgrind: the report.
//! - `poison-seal`: the same before the seal instead; the tag goes through a loopback UDP
//!   socket to ourselves. Under valgrind: "Syscall param socketcall.sendto(msg) points to
//!   uninitialised byte(s)"; the tag read back from the kernel equals the clean reference.
//! - `random`: 1000 rounds with defined random bytes in xmm0-xmm2 before both seal and open.
//!   Every tag equals the clean reference and every open succeeds, also under valgrind (which
//!   runs the same gcm_ghash_avx code): the result never depends on those registers.
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_128_GCM};
use std::arch::asm;
use std::mem::MaybeUninit;

/// Loads the 48 bytes at `src` into xmm0, xmm1 and xmm2.
#[inline(never)]
fn fill_xmm012(src: *const u8) {
    // SAFETY: the callers pass a 48-byte buffer; xmm0-2 are declared clobbered.
    unsafe {
        asm!(
            "movdqu xmm0, [{p}]",
            "movdqu xmm1, [{p} + 16]",
            "movdqu xmm2, [{p} + 32]",
            p = in(reg) src,
            out("xmm0") _, out("xmm1") _, out("xmm2") _,
            options(nostack, readonly),
        );
    }
}

/// Leaves uninitialised bytes in xmm0-2, as moving an enum whose unused bytes were never
/// written (or a struct with padding) through SSE registers does.
#[inline(never)]
fn poison_uninit() {
    let junk = Box::new(MaybeUninit::<[u8; 48]>::uninit());
    fill_xmm012(junk.as_ptr().cast());
}

fn prepare(mode: &str, r: &[u8; 48]) {
    match mode {
        "poison" => poison_uninit(),
        "random" => fill_xmm012(r.as_ptr()),
        _ => {}
    }
}

#[inline(never)]
fn seal(key: &LessSafeKey, buf: &mut [u8], mode: &str, r: &[u8; 48]) -> [u8; 16] {
    prepare(mode, r);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key([7; 12]),
            Aad::from([1u8; 13]),
            buf,
        )
        .unwrap();
    tag.as_ref().try_into().unwrap()
}

#[inline(never)]
fn open(key: &LessSafeKey, buf: &mut [u8], mode: &str, r: &[u8; 48]) -> bool {
    prepare(mode, r);
    key.open_in_place(
        Nonce::assume_unique_for_key([7; 12]),
        Aad::from([1u8; 13]),
        buf,
    )
    .is_ok()
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "clean".into());
    let key = LessSafeKey::new(UnboundKey::new(&AES_128_GCM, &[0x42; 16]).unwrap());
    let mut reference = vec![0x55u8; 24];
    let ref_tag = seal(&key, &mut reference, "clean", &[0; 48]);
    if mode == "poison-seal" {
        let mut buf = vec![0x55u8; 24];
        let tag = seal(&key, &mut buf, "poison", &[0; 48]);
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.connect(sock.local_addr().unwrap()).unwrap();
        sock.send(&tag).unwrap();
        let mut echoed = [0u8; 16];
        assert_eq!(sock.recv(&mut echoed).unwrap(), 16);
        assert_eq!(echoed, ref_tag, "the tag depends on the xmm registers");
        println!("poison-seal: the tag sent equals the clean reference");
        return;
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let rounds = if mode == "random" { 1000 } else { 1 };
    for _ in 0..rounds {
        let mut r = [0u8; 48];
        for b in r.iter_mut() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            *b = seed as u8;
        }
        // A DTLS Finished record body: one whole block and one partial block.
        let mut buf = vec![0x55u8; 24];
        // In `poison` mode only the open is poisoned, so the report is at ring's tag check.
        let seal_mode = if mode == "poison" {
            "clean"
        } else {
            mode.as_str()
        };
        let tag = seal(&key, &mut buf, seal_mode, &r);
        assert_eq!(tag, ref_tag, "the tag depends on the xmm registers");
        buf.extend_from_slice(&tag);
        assert!(open(&key, &mut buf, &mode, &r), "open failed");
    }
    println!("{mode}: {rounds} round(s), every tag equals the clean reference, open ok");
}
