//! The other direction: dimpl's DTLS 1.3 *client* against a server driven by hand from
//! `rdtls::dtls13` (encoders this time: ServerHello, EncryptedExtensions, Certificate,
//! CertificateVerify signed by our `pki` signer over our signed content, Finished, ACK), with
//! several records per datagram and a last record without a length field.

use std::sync::Arc;
use std::time::Instant;

use dimpl::{Config, Dtls, NamedGroup};
use rdtls::dtls13::ack::{Ack, RecordNumber};
use rdtls::dtls13::extensions::{self as ext, ext_type, group, KeyShareEntry, DTLS1_3};
use rdtls::dtls13::hello::{find_extension, msg_type as hs, ClientHello, ServerHello};
use rdtls::dtls13::key_schedule::labels;
use rdtls::dtls13::messages::{Certificate, CertificateEntry, CertificateVerify};
use rdtls::dtls13::record_protection::{HeaderShape, Suite13};
use rdtls::dtls13::unified_header;
use rdtls::enums::SignatureScheme;
use ring::agreement;

use crate::c13;
use crate::common::link::Endpoint;
use crate::common::ours::{load_chain, load_key};
use crate::dimpl_peer::{credential, DimplPeer};

/// Everything dimpl's client sent in reply, split into records.
fn collect(peer: &mut DimplPeer, now: Instant) -> Vec<(bool, Vec<u8>)> {
    assert_eq!(peer.failure(), None, "dimpl failed");
    let mut records = Vec::new();
    while let Some(d) = peer.poll_transmit(now) {
        records.extend(c13::split_records(&d));
    }
    records
}

#[test]
fn dimpl13_client_completes_with_a_server_built_from_dtls13_blocks() {
    let now = Instant::now();
    let suite = Suite13::Aes128GcmSha256;
    let cfg = Arc::new(
        Config::builder()
            .dangerously_set_rng_seed(61)
            .kx_groups(&[NamedGroup::X25519])
            .build()
            .expect("dimpl config"),
    );
    let mut dtls = Dtls::new_13(cfg, credential(false), now);
    dtls.set_active(true);
    let mut client = DimplPeer::wrap_for_test(dtls, now, "dimpl 1.3 client");

    // Its ClientHello, through our decoders.
    let records = collect(&mut client, now);
    let mut r = c13::Reassembler::default();
    for (protected, rec) in &records {
        assert!(!protected);
        r.add_fragments(&rec[13..]);
    }
    let ch_msg = r.complete().remove(0);
    assert_eq!(ch_msg.typ, hs::CLIENT_HELLO);
    let ch = ClientHello::decode(&ch_msg.body).expect("dimpl's ClientHello decodes");
    assert!(ch.legacy_cookie.is_empty());
    assert!(ch.cipher_suites.contains(&suite.to_u16()));
    let versions = ext::decode_versions_client(
        find_extension(&ch.extensions, ext_type::SUPPORTED_VERSIONS).unwrap(),
    )
    .unwrap();
    assert!(versions.contains(&DTLS1_3));
    let shares =
        ext::decode_key_share_client(find_extension(&ch.extensions, ext_type::KEY_SHARE).unwrap())
            .unwrap();
    let client_share = shares
        .iter()
        .find(|s| s.group == group::X25519)
        .expect("an X25519 share");

    let mut t = c13::Transcript::new(suite);
    t.add(&ch_msg.tls());
    let (eph, eph_pub) = c13::x25519_key(&[0x61; 32]);
    let shared = agreement::agree_ephemeral(
        eph,
        &agreement::UnparsedPublicKey::new(&agreement::X25519, &client_share.key_exchange),
        |s| s.to_vec(),
    )
    .unwrap();

    // ServerHello with our encoders.
    let mut sv = Vec::new();
    ext::encode_version_server(&mut sv, DTLS1_3);
    let mut ks_body = Vec::new();
    ext::encode_key_share_server(
        &mut ks_body,
        &KeyShareEntry {
            group: group::X25519,
            key_exchange: eph_pub,
        },
    );
    let sh = ServerHello {
        random: [0x5a; 32],
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: suite.to_u16(),
        extensions: vec![
            (ext_type::SUPPORTED_VERSIONS, sv),
            (ext_type::KEY_SHARE, ks_body),
        ],
    };
    let mut sh_body = Vec::new();
    sh.encode(&mut sh_body);
    t.add(&c13::tls_msg(hs::SERVER_HELLO, &sh_body));
    let secrets = c13::handshake_secrets(&t, &shared);
    let ks = t.ks;
    let s_hs = c13::record_keys(&t, &secrets.s_hs);

    // EncryptedExtensions (empty), Certificate, CertificateVerify, Finished.
    let ee_body = vec![0, 0];
    t.add(&c13::tls_msg(hs::ENCRYPTED_EXTENSIONS, &ee_body));
    let leaf = load_chain("server-ecdsa.pem").remove(0);
    let mut cert_body = Vec::new();
    Certificate {
        request_context: vec![],
        entries: vec![CertificateEntry {
            cert_data: leaf,
            extensions: vec![],
        }],
    }
    .encode(&mut cert_body);
    t.add(&c13::tls_msg(hs::CERTIFICATE, &cert_body));
    let key = load_key("server-ecdsa.key");
    let signature = key
        .sign(
            SignatureScheme(0x0403),
            &CertificateVerify::signed_content(true, &t.hash()),
        )
        .unwrap();
    let mut cv_body = Vec::new();
    CertificateVerify {
        scheme: 0x0403,
        signature,
    }
    .encode(&mut cv_body);
    t.add(&c13::tls_msg(hs::CERTIFICATE_VERIFY, &cv_body));
    let s_fin = ks.verify_data(&ks.finished_key(&secrets.s_hs).unwrap(), &t.hash());
    t.add(&c13::tls_msg(hs::FINISHED, s_fin.as_bytes()));
    let hash_through_server_finished = t.hash();

    // Datagram 1: ServerHello (plaintext) + EncryptedExtensions. Datagram 2: Certificate,
    // CertificateVerify and Finished, the last record without a length field.
    let mut d1 = c13::plaintext_record(22, 0, &c13::dtls_msg(hs::SERVER_HELLO, 0, &sh_body));
    let with_len = c13::SHAPE;
    let no_len = HeaderShape {
        with_length: false,
        seq_16: false,
        ..with_len
    };
    let msgs: [(u8, &[u8]); 3] = [
        (hs::CERTIFICATE, &cert_body),
        (hs::CERTIFICATE_VERIFY, &cv_body),
        (hs::FINISHED, s_fin.as_bytes()),
    ];
    s_hs.seal(
        &mut d1,
        with_len,
        2,
        0,
        22,
        &c13::dtls_msg(hs::ENCRYPTED_EXTENSIONS, 1, &ee_body),
        0,
    )
    .unwrap();
    let mut d2 = Vec::new();
    for (i, (typ, body)) in msgs.iter().enumerate() {
        let shape = if i == 2 { no_len } else { with_len };
        let seq = 1 + i as u64;
        s_hs.seal(
            &mut d2,
            shape,
            2,
            seq,
            22,
            &c13::dtls_msg(*typ, 2 + i as u16, body),
            0,
        )
        .unwrap();
    }
    client.handle_datagram(now, &d1);
    client.handle_datagram(now, &d2);
    assert_eq!(
        client.peer_cert.as_deref(),
        Some(&load_chain("server-ecdsa.pem")[0][..])
    );
    assert!(client.connected, "dimpl accepted our server flight");

    // Its Finished, opened with our client handshake keys and checked.
    let c_hs = c13::record_keys(&t, &secrets.c_hs);
    let c_fin = ks.verify_data(
        &ks.finished_key(&secrets.c_hs).unwrap(),
        &hash_through_server_finished,
    );
    let mut fin_rn = None;
    for (protected, mut rec) in collect(&mut client, now) {
        assert!(protected);
        let v = unified_header::parse(&rec, 0).unwrap();
        if unified_header::reconstruct_epoch(2, v.header.epoch_bits) != 2 {
            continue;
        }
        let o = c_hs.open(&mut rec, &v, 0).expect("client epoch-2 record");
        assert_eq!((o.content_type, o.content[0]), (22, hs::FINISHED));
        assert_eq!(&o.content[12..], c_fin.as_bytes(), "client Finished");
        fin_rn = Some(RecordNumber {
            epoch: 2,
            seq: o.seq,
        });
    }
    let fin_rn = fin_rn.expect("dimpl sent its Finished");

    // Application keys; our ACK of its Finished and data at epoch 3; its data back.
    let master = ks.master_secret(&secrets.handshake).unwrap();
    let c_ap = ks
        .derive_secret(&master, labels::C_AP_TRAFFIC, &hash_through_server_finished)
        .unwrap();
    let s_ap = ks
        .derive_secret(&master, labels::S_AP_TRAFFIC, &hash_through_server_finished)
        .unwrap();
    let s_ap_keys = c13::record_keys(&t, &s_ap);
    let mut ack = Vec::new();
    Ack {
        record_numbers: vec![fin_rn],
    }
    .encode(&mut ack);
    let mut d = Vec::new();
    s_ap_keys.seal(&mut d, with_len, 3, 0, 26, &ack, 0).unwrap();
    s_ap_keys
        .seal(&mut d, no_len, 3, 1, 23, b"from the dtls13 blocks", 0)
        .unwrap();
    client.handle_datagram(now, &d);
    assert_eq!(
        client.take_received(),
        vec![b"from the dtls13 blocks".to_vec()]
    );
    client.send_app(now, b"from dimpl's client").unwrap();
    let c_ap_keys = c13::record_keys(&t, &c_ap);
    let mut got = Vec::new();
    let mut next = 0;
    for (_, mut rec) in collect(&mut client, now) {
        let v = unified_header::parse(&rec, 0).unwrap();
        assert_eq!(unified_header::reconstruct_epoch(3, v.header.epoch_bits), 3);
        let o = c_ap_keys
            .open(&mut rec, &v, next)
            .expect("client epoch-3 record");
        next = o.seq + 1;
        if o.content_type == 23 {
            got.push(o.content.to_vec());
        }
    }
    assert_eq!(got, vec![b"from dimpl's client".to_vec()]);
}
