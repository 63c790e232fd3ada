//! Key schedule checks: RFC 8448 §3 (simple 1-RTT) and §4 (resumed) traces with the TLS 1.3
//! prefix, and the byte layout of a DTLS 1.3 HkdfLabel. The "dtls13" outputs themselves are
//! checked against dimpl in `tests/dimpl_interop.rs`.

use super::*;

fn h(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn secret(s: &str) -> Secret {
    Secret::from_bytes(&h(s)).unwrap()
}

// RFC 8448 §3 values.
const ECDHE: &str = "8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d";
const EARLY: &str = "33ad0a1c607ec03b09e6cd9893680ce210adf300aa1f2660e1b22e10f170f92a";
const HANDSHAKE: &str = "1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac";
const MASTER: &str = "18df06843d13a08bf2a449844c5f8a478001bc4d4c627984d5a41da8d0402919";
const HASH_CH_SH: &str = "860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8";
const HASH_CH_SF: &str = "9608102a0f1ccc6db6250b7b7e417b1a000eaada3daae4777a7686c9ff83df13";
const HASH_CH_CF: &str = "209145a96ee8e2a122ff810047cc952684658d6049e86429426db87c54ad143d";
const C_HS: &str = "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21";
const S_HS: &str = "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38";
const C_AP: &str = "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5";
const S_AP: &str = "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643";
const EXP_MASTER: &str = "fe22f881176eda18eb8f44529e6792c50c9a3f89452f68d8ae311b4309d3cf50";
const RES_MASTER: &str = "7df235f2031d2a051287d02b0241b0bfdaf86cc856231f2d5aba46c434ec196c";

#[test]
fn rfc8448_simple_1rtt_secrets() {
    let ks = KeySchedule::tls13(HashAlg::Sha256);
    let early = ks.early_secret(None);
    assert_eq!(early.as_bytes(), &h(EARLY)[..]);
    let hs = ks.handshake_secret(&early, &h(ECDHE)).unwrap();
    assert_eq!(hs.as_bytes(), &h(HANDSHAKE)[..]);
    let c_hs = ks
        .derive_secret(&hs, labels::C_HS_TRAFFIC, &h(HASH_CH_SH))
        .unwrap();
    let s_hs = ks
        .derive_secret(&hs, labels::S_HS_TRAFFIC, &h(HASH_CH_SH))
        .unwrap();
    assert_eq!(c_hs.as_bytes(), &h(C_HS)[..]);
    assert_eq!(s_hs.as_bytes(), &h(S_HS)[..]);
    let ms = ks.master_secret(&hs).unwrap();
    assert_eq!(ms.as_bytes(), &h(MASTER)[..]);
    for (label, hash, want) in [
        (labels::C_AP_TRAFFIC, HASH_CH_SF, C_AP),
        (labels::S_AP_TRAFFIC, HASH_CH_SF, S_AP),
        (labels::EXP_MASTER, HASH_CH_SF, EXP_MASTER),
        (labels::RES_MASTER, HASH_CH_CF, RES_MASTER),
    ] {
        let got = ks.derive_secret(&ms, label, &h(hash)).unwrap();
        assert_eq!(
            got.as_bytes(),
            &h(want)[..],
            "{}",
            String::from_utf8_lossy(label)
        );
    }
}

#[test]
fn rfc8448_traffic_keys_and_finished_keys() {
    let ks = KeySchedule::tls13(HashAlg::Sha256);
    for (sec, key, iv) in [
        (
            S_HS,
            "3fce516009c21727d0f2e4e86ee403bc",
            "5d313eb2671276ee13000b30",
        ),
        (
            C_HS,
            "dbfaa693d1762c5b666af5d950258d01",
            "5bd3c71b836e0b76bb73265f",
        ),
        (
            S_AP,
            "9f02283b6c9c07efc26bb9f2ac92e356",
            "cf782b88dd83549aadf1e984",
        ),
        (
            C_AP,
            "17422dda596ed5d9acd890e3c63f5051",
            "5b78923dee08579033e523d9",
        ),
    ] {
        let k = ks.traffic_keys(&secret(sec), 16).unwrap();
        assert_eq!(k.key, h(key));
        assert_eq!(&k.iv[..], &h(iv)[..]);
        // The sn key is a third, distinct expansion of the same secret (RFC 9147 §4.2.3).
        assert_eq!(k.sn_key.len(), 16);
        assert_ne!(k.sn_key, k.key);
    }
    let sfk = ks.finished_key(&secret(S_HS)).unwrap();
    assert_eq!(
        sfk.as_bytes(),
        &h("008d3b66f816ea559f96b537e885c31fc068bf492c652f01f288a1d8cdc19fc8")[..]
    );
    let cfk = ks.finished_key(&secret(C_HS)).unwrap();
    assert_eq!(
        cfk.as_bytes(),
        &h("b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4")[..]
    );
    // The client's Finished verify_data over Transcript-Hash(CH..server Finished).
    assert_eq!(
        ks.verify_data(&cfk, &h(HASH_CH_SF)).as_bytes(),
        &h("a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61")[..]
    );
}

#[test]
fn rfc8448_resumption_and_binder_chain() {
    let ks = KeySchedule::tls13(HashAlg::Sha256);
    let psk = ks.resumption_psk(&secret(RES_MASTER), &[0, 0]).unwrap();
    assert_eq!(
        psk.as_bytes(),
        &h("4ecd0eb6ec3b4d87f5d6028f922ca4c5851a277fd41311c9e62d2c9492e1c4f3")[..]
    );
    // RFC 8448 §4: early secret of the resumed handshake, binder key and its finished key.
    let early = ks.early_secret(Some(psk.as_bytes()));
    assert_eq!(
        early.as_bytes(),
        &h("9b2188e9b2fc6d64d71dc329900e20bb41915000f678aa839cbb797cb7d8332c")[..]
    );
    let empty = ks.transcript_hash(b"");
    let binder_key = ks
        .derive_secret(&early, labels::RES_BINDER, empty.as_bytes())
        .unwrap();
    assert_eq!(
        binder_key.as_bytes(),
        &h("69fe131a3bbad5d63c64eebcc30e395b9d8107726a13d074e389dbc8a4e47256")[..]
    );
    assert_eq!(
        ks.finished_key(&binder_key).unwrap().as_bytes(),
        &h("5588673e72cb59c87d220caffe94f2dea9a3b1609f7d50e90a48227db9ed7eaa")[..]
    );
}

/// The HkdfLabel of "dtls13" + "key", 16 bytes, empty context, is
/// `00 10 | 09 | "dtls13key" | 00` (RFC 9147 §5.9): the prefix has no trailing space.
#[test]
fn dtls13_label_layout_is_prefix_without_space() {
    let secret = [7u8; 32];
    let mut ours = [0u8; 16];
    KeySchedule::dtls13(HashAlg::Sha256)
        .expand_label(&secret, b"key", b"", &mut ours)
        .unwrap();
    let mut info = vec![0x00, 0x10, 0x09];
    info.extend_from_slice(b"dtls13key");
    info.push(0);
    let prk = hkdf::Prk::new_less_safe(hkdf::HKDF_SHA256, &secret);
    let mut want = [0u8; 16];
    prk.expand(&[&info], Len(16))
        .unwrap()
        .fill(&mut want)
        .unwrap();
    assert_eq!(ours, want);
    // And it differs from the TLS 1.3 expansion of the same secret.
    let mut tls = [0u8; 16];
    KeySchedule::tls13(HashAlg::Sha256)
        .expand_label(&secret, b"key", b"", &mut tls)
        .unwrap();
    assert_ne!(ours, tls);
}

#[test]
fn key_update_chain_and_exporter_are_deterministic_and_distinct() {
    let ks = KeySchedule::dtls13(HashAlg::Sha384);
    let s0 = Secret::from_bytes(&[3u8; 48]).unwrap();
    let s1 = ks.next_traffic_secret(&s0).unwrap();
    let s2 = ks.next_traffic_secret(&s1).unwrap();
    assert_eq!(s1.as_bytes().len(), 48);
    assert_ne!(s0, s1);
    assert_ne!(s1, s2);
    assert_eq!(ks.next_traffic_secret(&s0).unwrap(), s1);
    let keys = ks.traffic_keys(&s1, 32).unwrap();
    assert_eq!((keys.key.len(), keys.sn_key.len()), (32, 32));

    let mut a = [0u8; 40];
    let mut b = [0u8; 40];
    ks.export(&s0, b"EXPERIMENTAL-a", b"ctx", &mut a).unwrap();
    ks.export(&s0, b"EXPERIMENTAL-a", b"", &mut b).unwrap();
    assert_ne!(a, b);
}

#[test]
fn expand_label_rejects_bad_lengths() {
    let ks = KeySchedule::dtls13(HashAlg::Sha256);
    let s = [1u8; 32];
    let mut out = [0u8; 16];
    assert_eq!(
        ks.expand_label(&s, &[b'x'; 250], b"", &mut out),
        Err(KeyScheduleError::LabelTooLong)
    );
    assert_eq!(
        ks.expand_label(&s, b"key", &[0; 256], &mut out),
        Err(KeyScheduleError::ContextTooLong)
    );
    let mut big = vec![0u8; 255 * 32 + 1];
    assert_eq!(
        ks.expand_label(&s, b"key", b"", &mut big),
        Err(KeyScheduleError::OutputTooLong)
    );
    assert_eq!(
        ks.expand_label(&s[..31], b"key", b"", &mut out),
        Err(KeyScheduleError::WrongLength)
    );
    let sec = Secret::from_bytes(&s).unwrap();
    assert_eq!(
        ks.derive_secret(&sec, labels::C_HS_TRAFFIC, &[0; 31]),
        Err(KeyScheduleError::WrongLength)
    );
    assert!(Secret::from_bytes(&[0; 49]).is_err());
}

#[test]
fn empty_hash_is_the_hash_of_nothing() {
    for h in [HashAlg::Sha256, HashAlg::Sha384] {
        let ks = KeySchedule::dtls13(h);
        assert_eq!(ks.empty_hash(), ks.transcript_hash(b"").as_bytes());
    }
}
