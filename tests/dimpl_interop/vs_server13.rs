//! Our hand-driven DTLS 1.3 client (`client13.rs`) against dimpl's DTLS 1.3 server.

use std::time::{Duration, Instant};

use rdtls::dtls13::ack::{Ack, ReceivedRecords, RecordNumber};
use rdtls::dtls13::epoch::TrafficEpoch;
use rdtls::dtls13::extensions::DTLS1_3;
use rdtls::dtls13::key_schedule::labels;
use rdtls::dtls13::key_schedule::Secret;
use rdtls::dtls13::messages::{Certificate, CertificateVerify, KeyUpdate};
use rdtls::dtls13::record_protection::Suite13;
use rdtls::dtls13::unified_header;
use ring::agreement;

use crate::c13;
use crate::common;
use crate::common::link::Endpoint;
use crate::dimpl_peer::DimplPeer;

/// Feeds `datagram` to dimpl and returns every record it answers with.
fn exchange13(peer: &mut DimplPeer, now: Instant, datagram: &[u8]) -> Vec<(bool, Vec<u8>)> {
    peer.handle_datagram(now, datagram);
    assert_eq!(peer.failure(), None, "dimpl failed");
    let mut records = Vec::new();
    while let Some(d) = peer.poll_transmit(now) {
        records.extend(c13::split_records(&d));
    }
    records
}

/// The one handshake message of the plaintext records in `records`.
fn plaintext_message(records: &[(bool, Vec<u8>)]) -> c13::Msg {
    let mut r = c13::Reassembler::default();
    for (protected, rec) in records {
        if !protected && rec[0] == 22 {
            r.add_fragments(&rec[13..]);
        }
    }
    let msgs = r.complete();
    assert_eq!(msgs.len(), 1, "one plaintext handshake message expected");
    msgs[0].clone()
}

/// A DTLS 1.3 handshake against dimpl's server driven by hand through `rdtls::dtls13` only.
/// What it proves, step by step:
/// 1. our `supported_versions`/`key_share`/`cookie` codecs produce a ClientHello dimpl
///    accepts (and, with `cookie`, parse its HelloRetryRequest and answer the cookie);
/// 2. our key schedule with the "dtls13" prefix derives the same handshake traffic secret
///    as dimpl: our unified-header parser, record-number decryption (AES-ECB mask) and
///    AEAD open authenticate every record of its encrypted flight, the first message of
///    which is EncryptedExtensions;
/// 3. our hello / EncryptedExtensions / Certificate / CertificateVerify codecs decode its
///    messages, its CertificateVerify signature verifies over our signed content, and its
///    Finished equals HMAC(finished_key(s_hs), transcript) computed by us;
/// 4. dimpl accepts our client Finished, sealed by our record protection at epoch 2
///    (header encoding, sn encryption, nonce) — it reports Connected;
/// 5. application data both ways at epoch 3 with our master/application secrets, and
///    dimpl's ACK of our Finished decodes with our ACK codec and names record (2, 0);
/// 6. our exporter reproduces the DTLS-SRTP keying material dimpl exported;
/// 7. a KeyUpdate round to epoch 4 (see [`key_update_round`]).
fn dtls13_handshake_against_dimpl(suite: Suite13, cookie: bool, partial_ack: bool, seed: u64) {
    let mut now = Instant::now();
    let mut server = DimplPeer::server13(now, cookie, seed);
    let mut t = c13::Transcript::new(suite);
    let (eph, eph_pub) = c13::x25519_key(&[seed as u8 | 1; 32]);
    let random = [seed as u8; 32];

    // Flight 1: ClientHello (and, with a cookie exchange, ClientHello2).
    let ch1 = c13::client_hello_body(suite, &random, &eph_pub, None);
    let mut records = exchange13(
        &mut server,
        now,
        &c13::plaintext_record(22, 0, &c13::dtls_msg(c13::hs::CLIENT_HELLO, 0, &ch1)),
    );
    t.add(&c13::tls_msg(c13::hs::CLIENT_HELLO, &ch1));
    let mut client_msg_seq = 1u16;
    let mut sh_msg = plaintext_message(&records[..1]);
    let mut sh = c13::parse_server_hello(&sh_msg.body);
    if cookie {
        assert_eq!(
            sh.random,
            c13::HRR_RANDOM,
            "dimpl must answer with HelloRetryRequest"
        );
        assert_eq!(sh.version, Some(DTLS1_3));
        let cookie = sh.cookie.clone().expect("HRR carries a cookie");
        // RFC 8446 §4.4.1: ClientHello1 becomes message_hash, then HRR joins.
        t.replace_with_message_hash();
        t.add(&sh_msg.tls());
        let ch2 = c13::client_hello_body(suite, &random, &eph_pub, Some(&cookie));
        records = exchange13(
            &mut server,
            now,
            &c13::plaintext_record(22, 1, &c13::dtls_msg(c13::hs::CLIENT_HELLO, 1, &ch2)),
        );
        t.add(&c13::tls_msg(c13::hs::CLIENT_HELLO, &ch2));
        client_msg_seq = 2;
        sh_msg = plaintext_message(&records[..1]);
        sh = c13::parse_server_hello(&sh_msg.body);
    }
    assert_ne!(sh.random, c13::HRR_RANDOM);
    assert_eq!(sh.version, Some(DTLS1_3), "dimpl selected DTLS 1.3");
    assert_eq!(sh.suite, suite.to_u16());
    t.add(&sh_msg.tls());

    // Handshake keys from our schedule.
    let server_pub = sh.key_share.expect("ServerHello key_share");
    let shared = agreement::agree_ephemeral(
        eph,
        &agreement::UnparsedPublicKey::new(&agreement::X25519, &server_pub),
        |s| s.to_vec(),
    )
    .unwrap();
    let secrets = c13::handshake_secrets(&t, &shared);
    let ks = t.ks;
    let s_hs_keys = c13::record_keys(&t, &secrets.s_hs);

    // Every protected record of dimpl's flight authenticates under our keys.
    let mut reasm = c13::Reassembler::default();
    let protected: Vec<Vec<u8>> = records
        .iter()
        .filter(|(p, _)| *p)
        .map(|(_, r)| r.clone())
        .collect();
    assert!(!protected.is_empty(), "dimpl sent no encrypted records");
    let flight_len = protected.len() as u64;
    let mut types_per_record: Vec<Vec<u8>> = Vec::new();
    for (expected_seq, mut rec) in (0u64..).zip(protected) {
        let v = unified_header::parse(&rec, 0).unwrap();
        assert_eq!(unified_header::reconstruct_epoch(2, v.header.epoch_bits), 2);
        let o = s_hs_keys
            .open(&mut rec, &v, expected_seq)
            .unwrap_or_else(|e| panic!("record {expected_seq} of dimpl's flight: {e:?}"));
        assert_eq!(o.seq, expected_seq);
        assert_eq!(o.content_type, 22);
        types_per_record.push(fragment_types(o.content));
        reasm.add_fragments(o.content);
    }
    if partial_ack {
        // The flight's plaintext records (ServerHello) are acknowledged too: their record
        // numbers are epoch and sequence of the DTLSPlaintext header.
        let plain: Vec<RecordNumber> = records
            .iter()
            .filter(|(p, _)| !*p)
            .map(|(_, r)| RecordNumber {
                epoch: u64::from(u16::from_be_bytes([r[3], r[4]])),
                seq: u64::from_be_bytes([0, 0, r[5], r[6], r[7], r[8], r[9], r[10]]),
            })
            .collect();
        partial_ack_round(
            &mut server,
            &mut now,
            &t,
            &secrets,
            (&plain, &types_per_record),
            flight_len,
        );
    }
    let msgs = reasm.complete();
    let types: Vec<u8> = msgs.iter().map(|m| m.typ).collect();
    use c13::hs::*;
    assert_eq!(
        types,
        [
            ENCRYPTED_EXTENSIONS,
            CERTIFICATE,
            CERTIFICATE_VERIFY,
            FINISHED
        ]
    );
    assert_eq!(
        msgs[0].seq,
        sh_msg.seq + 1,
        "EncryptedExtensions follows ServerHello"
    );
    // EncryptedExtensions decodes; the Certificate message carries the leaf dimpl was given.
    rdtls::dtls13::messages::decode_encrypted_extensions(&msgs[0].body)
        .expect("EncryptedExtensions decodes");
    let leaf = common::ours::load_chain("server-ecdsa.pem").remove(0);
    let cert = Certificate::decode(&msgs[1].body).expect("Certificate decodes");
    assert!(cert.request_context.is_empty());
    assert_eq!(cert.entries[0].cert_data, leaf);
    for m in &msgs[..2] {
        t.add(&m.tls());
    }
    // dimpl's CertificateVerify signature verifies (webpki/ring ECDSA over the leaf's key)
    // over our RFC 8446 §4.4.3 signed content and our transcript hash.
    let cv = CertificateVerify::decode(&msgs[2].body).expect("CertificateVerify decodes");
    assert_eq!(cv.scheme, 0x0403);
    let signed = CertificateVerify::signed_content(true, &t.hash());
    let leaf_der = rustls_pki_types::CertificateDer::from(leaf.as_slice());
    webpki::EndEntityCert::try_from(&leaf_der)
        .unwrap()
        .verify_signature(webpki::ring::ECDSA_P256_SHA256, &signed, &cv.signature)
        .expect("dimpl's CertificateVerify signature");
    t.add(&msgs[2].tls());
    let s_fin_key = ks.finished_key(&secrets.s_hs).unwrap();
    assert_eq!(
        ks.verify_data(&s_fin_key, &t.hash()).as_bytes(),
        &msgs[3].body[..],
        "server Finished"
    );
    t.add(&msgs[3].tls());
    let hash_through_server_finished = t.hash();

    // Our client Finished, sealed at epoch 2 with our record protection.
    let c_fin_key = ks.finished_key(&secrets.c_hs).unwrap();
    let verify = ks.verify_data(&c_fin_key, &hash_through_server_finished);
    let c_hs_keys = c13::record_keys(&t, &secrets.c_hs);
    // Our epoch-2 record 0 carried the partial ACK in that variant.
    let fin_seq = u64::from(partial_ack);
    let mut dgram = Vec::new();
    c_hs_keys
        .seal(
            &mut dgram,
            c13::SHAPE,
            2,
            fin_seq,
            22,
            &c13::dtls_msg(FINISHED, client_msg_seq, verify.as_bytes()),
            0,
        )
        .unwrap();
    let after = exchange13(&mut server, now, &dgram);
    assert!(server.connected, "dimpl accepted our Finished");

    // Application traffic at epoch 3.
    let master = ks.master_secret(&secrets.handshake).unwrap();
    let c_ap = ks
        .derive_secret(&master, labels::C_AP_TRAFFIC, &hash_through_server_finished)
        .unwrap();
    let s_ap = ks
        .derive_secret(&master, labels::S_AP_TRAFFIC, &hash_through_server_finished)
        .unwrap();
    // The exporter (RFC 8446 §7.5, "dtls13" labels) gives the DTLS-SRTP keys dimpl exported:
    // 2 × (16-byte key + 12-byte salt) for SRTP_AEAD_AES_128_GCM.
    let exp_master = ks
        .derive_secret(&master, labels::EXP_MASTER, &hash_through_server_finished)
        .unwrap();
    let mut srtp = [0u8; 56];
    ks.export(&exp_master, b"EXTRACTOR-dtls_srtp", b"", &mut srtp)
        .unwrap();
    let (km, profile) = server
        .keying_material
        .clone()
        .expect("dimpl exported SRTP keys");
    assert_eq!(profile, "SRTP_AEAD_AES_128_GCM");
    assert_eq!(km, srtp.to_vec(), "exporter output");
    let c_ap_keys = c13::record_keys(&t, &c_ap);
    let s_ap_keys = c13::record_keys(&t, &s_ap);
    let mut dgram = Vec::new();
    c_ap_keys
        .seal(
            &mut dgram,
            c13::SHAPE,
            3,
            0,
            23,
            b"hello dimpl over DTLS 1.3",
            3,
        )
        .unwrap();
    let mut more = exchange13(&mut server, now, &dgram);
    assert_eq!(
        server.take_received(),
        vec![b"hello dimpl over DTLS 1.3".to_vec()]
    );
    server
        .send_app(now, b"hello rdtls blocks")
        .expect("dimpl sends");
    while let Some(d) = server.poll_transmit(now) {
        more.extend(c13::split_records(&d));
    }
    // Open every epoch-3 record dimpl sent after our Finished (its ACK of our Finished and
    // the data); the application record must be among them.
    let mut got = Vec::new();
    let mut acks = 0;
    let mut seq3 = 0u64;
    for (protected, mut rec) in after.into_iter().chain(more) {
        assert!(protected, "no plaintext after the handshake");
        let v = unified_header::parse(&rec, 0).unwrap();
        assert_eq!(unified_header::reconstruct_epoch(3, v.header.epoch_bits), 3);
        let o = s_ap_keys.open(&mut rec, &v, seq3).expect("epoch-3 record");
        seq3 = o.seq + 1;
        match o.content_type {
            23 => got.push(o.content.to_vec()),
            26 => {
                // RFC 9147 §7: an ACK, which must name our Finished record (epoch 2, 0).
                let ack = rdtls::dtls13::ack::Ack::decode(o.content).unwrap();
                assert!(ack
                    .record_numbers
                    .contains(&rdtls::dtls13::ack::RecordNumber {
                        epoch: 2,
                        seq: fin_seq
                    }));
                acks += 1;
            }
            _ => {}
        }
    }
    assert_eq!(got, vec![b"hello rdtls blocks".to_vec()]);
    // dimpl acknowledges our Finished with one ACK (decoded by our codec), then the data.
    assert_eq!(acks, 1);
    assert_eq!(seq3, 2);

    key_update_round(&mut server, now, &t, (c_ap, s_ap), client_msg_seq + 1, seq3);
}

/// RFC 9147 §8 key update with dimpl, after the handshake: we send KeyUpdate(update_requested)
/// at epoch 3; dimpl ACKs it (our ACK decoder), answers with its own KeyUpdate; we move our
/// sending to epoch 4 ("traffic upd", `epoch::TrafficEpoch::next`), ACK its KeyUpdate with
/// our ACK encoder at epoch 4, then data flows both ways at epoch 4 (two low epoch bits 00,
/// reconstructed from 3).
fn key_update_round(
    server: &mut DimplPeer,
    now: Instant,
    t: &c13::Transcript,
    (c_ap, s_ap): (Secret, Secret),
    key_update_msg_seq: u16,
    mut next_s3: u64,
) {
    let ks = t.ks;
    let c3 = TrafficEpoch::application(c_ap);
    let s3 = TrafficEpoch::application(s_ap);
    let c4 = c3.next(&ks).unwrap();
    let s4 = s3.next(&ks).unwrap();
    assert_eq!((c4.epoch, s4.epoch), (4, 4));

    let mut ku = Vec::new();
    KeyUpdate {
        update_requested: true,
    }
    .encode(&mut ku);
    let mut dgram = Vec::new();
    c13::record_keys(t, &c3.secret)
        .seal(
            &mut dgram,
            c13::SHAPE,
            3,
            1,
            22,
            &c13::dtls_msg(c13::hs::KEY_UPDATE, key_update_msg_seq, &ku),
            0,
        )
        .unwrap();
    let mut records = exchange13(server, now, &dgram);
    // dimpl queues its answering KeyUpdate for its next turn: give it one.
    server.handle_timeout(now);
    while let Some(d) = server.poll_transmit(now) {
        records.extend(c13::split_records(&d));
    }
    let s3_keys = c13::record_keys(t, &s3.secret);
    let mut acked_ours = false;
    let mut their_update = None;
    for (protected, mut rec) in records {
        assert!(protected);
        let v = unified_header::parse(&rec, 0).unwrap();
        assert_eq!(unified_header::reconstruct_epoch(3, v.header.epoch_bits), 3);
        let o = s3_keys.open(&mut rec, &v, next_s3).expect("epoch-3 record");
        next_s3 = o.seq + 1;
        match o.content_type {
            26 => {
                let ack = Ack::decode(o.content).unwrap();
                acked_ours |= ack
                    .record_numbers
                    .contains(&RecordNumber { epoch: 3, seq: 1 });
            }
            22 => {
                assert_eq!(o.content[0], c13::hs::KEY_UPDATE);
                let body = &o.content[12..];
                assert!(!KeyUpdate::decode(body).unwrap().update_requested);
                their_update = Some(RecordNumber {
                    epoch: 3,
                    seq: o.seq,
                });
            }
            other => panic!("unexpected content type {other} during key update"),
        }
    }
    assert!(acked_ours, "dimpl ACKs our KeyUpdate record (3, 1)");
    let their_update = their_update.expect("dimpl answers with its own KeyUpdate");

    // Our ACK of its KeyUpdate, already under our epoch-4 keys.
    let c4_keys = c13::record_keys(t, &c4.secret);
    let mut ack = Vec::new();
    Ack {
        record_numbers: vec![their_update],
    }
    .encode(&mut ack);
    let mut dgram = Vec::new();
    c4_keys
        .seal(&mut dgram, c13::SHAPE, 4, 0, 26, &ack, 0)
        .unwrap();
    assert!(exchange13(server, now, &dgram).is_empty());

    // Data both ways at epoch 4.
    let mut dgram = Vec::new();
    c4_keys
        .seal(&mut dgram, c13::SHAPE, 4, 1, 23, b"after key update", 0)
        .unwrap();
    assert!(exchange13(server, now, &dgram).is_empty());
    assert_eq!(server.take_received(), vec![b"after key update".to_vec()]);
    server.send_app(now, b"epoch four").unwrap();
    let s4_keys = c13::record_keys(t, &s4.secret);
    let mut got = Vec::new();
    while let Some(d) = server.poll_transmit(now) {
        for (_, mut rec) in c13::split_records(&d) {
            let v = unified_header::parse(&rec, 0).unwrap();
            assert_eq!(v.header.epoch_bits, 0);
            assert_eq!(unified_header::reconstruct_epoch(3, v.header.epoch_bits), 4);
            let o = s4_keys.open(&mut rec, &v, 0).expect("epoch-4 record");
            assert_eq!(o.content_type, 23);
            got.push(o.content.to_vec());
        }
    }
    assert_eq!(got, vec![b"epoch four".to_vec()]);
}

#[test]
fn dtls13_blocks_complete_a_handshake_with_dimpl13_server() {
    dtls13_handshake_against_dimpl(Suite13::Aes128GcmSha256, false, false, 41);
}

#[test]
fn dtls13_blocks_answer_dimpl13_hello_retry_cookie() {
    dtls13_handshake_against_dimpl(Suite13::Aes128GcmSha256, true, false, 42);
}

/// SHA-384 schedule, AES-256 record keys and AES-256-ECB record-number mask.
#[test]
fn dtls13_blocks_with_dimpl13_aes256_gcm_sha384() {
    dtls13_handshake_against_dimpl(Suite13::Aes256GcmSha384, true, false, 43);
}

/// ChaCha20-Poly1305 records and the ChaCha20 record-number mask.
#[test]
fn dtls13_blocks_with_dimpl13_chacha20_poly1305() {
    dtls13_handshake_against_dimpl(Suite13::ChaCha20Poly1305Sha256, true, false, 44);
}

/// RFC 9147 §5.8.1 / §7: we "lose" the record of dimpl's encrypted flight that carries the
/// Certificate and acknowledge every other one with an ACK from our encoder; when its
/// retransmission timer fires, dimpl resends only what that record carried, under a new
/// record number, then the handshake goes on.
#[test]
fn dtls13_partial_flight_ack_makes_dimpl_resend_only_the_missing_record() {
    dtls13_handshake_against_dimpl(Suite13::Aes128GcmSha256, false, true, 45);
}

/// Handshake message types of the fragments in one record's content.
fn fragment_types(mut content: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    while content.len() >= 12 {
        let flen = u32::from_be_bytes([0, content[9], content[10], content[11]]) as usize;
        v.push(content[0]);
        content = &content[(12 + flen).min(content.len())..];
    }
    v
}

fn partial_ack_round(
    server: &mut DimplPeer,
    now: &mut Instant,
    t: &c13::Transcript,
    secrets: &c13::Secrets,
    (plain, types_per_record): (&[RecordNumber], &[Vec<u8>]),
    flight_len: u64,
) {
    let lost = types_per_record
        .iter()
        .position(|ty| ty.contains(&c13::hs::CERTIFICATE))
        .expect("a record carries the Certificate") as u64;
    // Meaningful only when the flight spans several records and the lost one is not all.
    assert!(flight_len >= 2, "dimpl's flight fits one record");
    // The records we "received", kept as the ACK bookkeeping keeps them.
    let mut received = ReceivedRecords::default();
    (0..flight_len)
        .filter(|s| *s != lost)
        .map(|seq| RecordNumber { epoch: 2, seq })
        .chain(plain.iter().copied())
        .for_each(|rn| received.add(rn));
    let mut ack = Vec::new();
    received.to_ack().encode(&mut ack);
    let mut dgram = Vec::new();
    c13::record_keys(t, &secrets.c_hs)
        .seal(&mut dgram, c13::SHAPE, 2, 0, 26, &ack, 0)
        .unwrap();
    assert!(
        exchange13(server, *now, &dgram).is_empty(),
        "an ACK alone is not answered"
    );
    *now += Duration::from_secs(5);
    server.handle_timeout(*now);
    let mut resent = Vec::new();
    while let Some(d) = server.poll_transmit(*now) {
        resent.extend(c13::split_records(&d));
    }
    let s_hs = c13::record_keys(t, &secrets.s_hs);
    let mut types = Vec::new();
    for (protected, mut rec) in resent {
        assert!(
            protected,
            "nothing of the plaintext ServerHello is resent (it was acked)"
        );
        let v = unified_header::parse(&rec, 0).unwrap();
        let o = s_hs
            .open(&mut rec, &v, flight_len)
            .expect("retransmitted record");
        assert!(
            o.seq >= flight_len,
            "a retransmission uses a new record number"
        );
        types.extend(fragment_types(o.content));
    }
    assert_eq!(
        types, types_per_record[lost as usize],
        "only the unacknowledged record's messages are resent"
    );
}
