//! PSK + ECDHE resumption with a ticket (RFC 8446 §2.2, §4.2.11, §4.6.1). dimpl 0.8 (and
//! 0.9) implement no resumption: its 1.3 server ignores `pre_shared_key` and its client
//! drops tickets. So: (1) against dimpl, an offered ticket is declined and the handshake
//! is a full one, with and without its HelloRetryRequest (binder recomputed for
//! ClientHello2); (2) against a server driven by hand from `rdtls::dtls13` blocks (the
//! binder checked over the truncated ClientHello rebuilt here), the client resumes, skips
//! the server's certificate, stores the server's NewSessionTicket with the PSK the server
//! derives, ACKs it, and resumes again with that stored ticket.

use std::time::{Duration, Instant};

use rdtls::dtls13::ack::{Ack, RecordNumber};
use rdtls::dtls13::client::{Client13, Event13, Options13, Ticket13};
use rdtls::dtls13::extensions::{self as ext, ext_type, group, psk_mode, KeyShareEntry, DTLS1_3};
use rdtls::dtls13::hello::{find_extension, ClientHello, ServerHello};
use rdtls::dtls13::key_schedule::labels;
use rdtls::dtls13::messages::NewSessionTicket;
use rdtls::dtls13::psk::{self, OfferedPsks};
use rdtls::dtls13::record_protection::{HeaderShape, Suite13};
use rdtls::dtls13::unified_header;
use ring::agreement;

use crate::c13::{self, hs};
use crate::common::link::{Dir, LinkConfig, Pair};
use crate::ours13::Ours13;
use crate::{dimpl13, handshake_and_data, our13_config};

pub(crate) const AGE_ADD: u32 = 0x1234_5678;

pub(crate) fn made_up_ticket(received: Instant, psk: &[u8], identity: &[u8]) -> Ticket13 {
    Ticket13 {
        ticket: NewSessionTicket {
            lifetime: 7200,
            age_add: AGE_ADD,
            nonce: vec![1],
            ticket: identity.to_vec(),
            extensions: vec![],
        },
        suite: Suite13::Aes128GcmSha256,
        psk: psk.to_vec(),
        received,
        peer_certs: crate::common::ours::load_chain("server-ecdsa.pem"),
        // As a full handshake that verified this chain would leave it.
        verify_code: Some(0),
    }
}

pub(crate) fn resuming_client(seed: u64, now: Instant, ticket: Ticket13) -> Client13 {
    let opts = Options13 {
        server_name: Some("localhost".into()),
        resume: Some(ticket),
        ..Options13::default()
    };
    Client13::new(our13_config(seed, 1150, true), opts, now).unwrap()
}

#[test]
fn dimpl_declines_the_ticket_and_the_handshake_is_full() {
    for (seed, cookie) in [(71, false), (72, true)] {
        let now = Instant::now();
        let t = made_up_ticket(now, &[0x42; 32], b"a ticket dimpl cannot know");
        let opts = Options13 {
            server_name: Some("localhost".into()),
            resume: Some(t),
            ..Options13::default()
        };
        let client = Ours13::new(our13_config(seed, 1150, true), opts, now);
        let server = dimpl13(now, seed, cookie, &[], 1150);
        let mut p = Pair::new_at(now, client, server, LinkConfig::PERFECT, seed);
        handshake_and_data(&mut p, &format!("declined ticket, cookie={cookie}"));
        assert!(!p.client.c.resumed());
        // Every ClientHello carried the ticket (pre_shared_key, type 41, is last).
        for d in p.bytes(Dir::ToServer).iter().filter(|d| d[0] == 22) {
            let ch = ClientHello::decode(&d[25..]).expect("our ClientHello");
            assert_eq!(ch.extensions.last().unwrap().0, ext_type::PRE_SHARED_KEY);
        }
    }
}

/// What the hand-driven server learned from one resumed handshake.
pub(crate) struct Resumed {
    /// The PSK of the ticket it sent, derived on its side.
    pub(crate) next_psk: Vec<u8>,
    /// Its epoch-3 sending keys, and the next sequence number under them.
    pub(crate) s_ap_keys: rdtls::dtls13::record_protection::RecordKeys,
    pub(crate) next_seq: u64,
    /// Both application traffic secrets (epoch 3), for key updates.
    c_ap: rdtls::dtls13::key_schedule::Secret,
    s_ap: rdtls::dtls13::key_schedule::Secret,
    /// The client's next epoch-3 record number.
    c_next_seq: u64,
}

/// How the hand-driven server departs from a correct resumption (refusal tests).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Deviation {
    /// `selected_identity` in ServerHello (0 is the one offered).
    pub(crate) selected: u16,
    /// An extension (type, body) in EncryptedExtensions.
    pub(crate) ee_extension: Option<(u16, &'static [u8])>,
    /// A Certificate between EncryptedExtensions and Finished.
    pub(crate) certificate: bool,
}

/// The server's side after its first flight.
pub(crate) struct ServerFlight {
    t: c13::Transcript,
    handshake: rdtls::dtls13::key_schedule::Secret,
    c_hs: rdtls::dtls13::key_schedule::Secret,
    through_server_finished: Vec<u8>,
    /// ServerHello, EncryptedExtensions, [Certificate,] Finished in one datagram.
    pub(crate) datagram: Vec<u8>,
}

/// Takes the client's ClientHello, which must offer `identity` with a binder for `psk`
/// (checked here), and builds the server's resumption flight: ServerHello selecting the
/// PSK with an X25519 share, EncryptedExtensions, Finished (in a record with an 8-bit
/// sequence number and no length) — bent by `dev`.
pub(crate) fn server_flight(
    client: &mut Client13,
    psk: &[u8],
    identity: &[u8],
    nonce: u8,
    dev: Deviation,
) -> ServerFlight {
    let suite = Suite13::Aes128GcmSha256;
    let ch_dgram = client.poll_transmit().expect("ClientHello");
    assert!(client.poll_transmit().is_none());
    // One plaintext record, one unfragmented handshake message.
    assert_eq!(ch_dgram[0], 22);
    let body = &ch_dgram[13 + 12..];
    assert_eq!(
        u32::from_be_bytes([0, ch_dgram[14], ch_dgram[15], ch_dgram[16]]) as usize,
        body.len()
    );
    let ch = ClientHello::decode(body).unwrap();
    let modes = ext::decode_psk_modes(
        find_extension(&ch.extensions, ext_type::PSK_KEY_EXCHANGE_MODES).unwrap(),
    )
    .unwrap();
    assert_eq!(modes, vec![psk_mode::PSK_DHE_KE]);
    assert_eq!(ch.extensions.last().unwrap().0, ext_type::PRE_SHARED_KEY);
    let offered =
        OfferedPsks::decode(find_extension(&ch.extensions, ext_type::PRE_SHARED_KEY).unwrap())
            .unwrap();
    assert_eq!(offered.identities.len(), 1);
    assert_eq!(offered.identities[0].identity, identity);
    let age_ms = offered.identities[0]
        .obfuscated_ticket_age
        .wrapping_sub(AGE_ADD);
    assert!(age_ms < 60_000, "ticket age {age_ms} ms");

    // The binder, over ClientHello in TLS form cut before the binders list (rebuilt here
    // from the decoded binders' sizes, not through psk::binder).
    let mut t = c13::Transcript::new(suite);
    let full = c13::tls_msg(hs::CLIENT_HELLO, body);
    let cut = full.len() - (2 + offered.binders.iter().map(|b| 1 + b.len()).sum::<usize>());
    let ks = t.ks;
    let early = ks.early_secret(Some(psk));
    let binder_key = ks
        .derive_secret(
            &early,
            labels::RES_BINDER,
            ks.transcript_hash(b"").as_bytes(),
        )
        .unwrap();
    let want = ks.verify_data(
        &ks.finished_key(&binder_key).unwrap(),
        ks.transcript_hash(&full[..cut]).as_bytes(),
    );
    assert_eq!(offered.binders[0], want.as_bytes(), "binder");
    t.add(&full);

    // ServerHello: our share, identity 0 selected.
    let shares =
        ext::decode_key_share_client(find_extension(&ch.extensions, ext_type::KEY_SHARE).unwrap())
            .unwrap();
    let theirs = shares
        .iter()
        .find(|s| s.group == group::X25519)
        .expect("X25519 share");
    let (eph, eph_pub) = c13::x25519_key(&[nonce; 32]);
    let shared = agreement::agree_ephemeral(
        eph,
        &agreement::UnparsedPublicKey::new(&agreement::X25519, &theirs.key_exchange),
        |s| s.to_vec(),
    )
    .unwrap();
    let (mut sv, mut share, mut sel) = (Vec::new(), Vec::new(), Vec::new());
    ext::encode_version_server(&mut sv, DTLS1_3);
    ext::encode_key_share_server(
        &mut share,
        &KeyShareEntry {
            group: group::X25519,
            key_exchange: eph_pub,
        },
    );
    psk::encode_selected(&mut sel, dev.selected);
    let mut sh = Vec::new();
    ServerHello {
        random: [nonce; 32],
        legacy_session_id_echo: ch.legacy_session_id.clone(),
        cipher_suite: suite.to_u16(),
        extensions: vec![
            (ext_type::SUPPORTED_VERSIONS, sv),
            (ext_type::KEY_SHARE, share),
            (ext_type::PRE_SHARED_KEY, sel),
        ],
    }
    .encode(&mut sh);
    t.add(&c13::tls_msg(hs::SERVER_HELLO, &sh));
    let handshake = ks.handshake_secret(&early, &shared).unwrap();
    let h = t.hash();
    let c_hs = ks
        .derive_secret(&handshake, labels::C_HS_TRAFFIC, &h)
        .unwrap();
    let s_hs = ks
        .derive_secret(&handshake, labels::S_HS_TRAFFIC, &h)
        .unwrap();
    let ee = match dev.ee_extension {
        Some((typ, body)) => {
            let len = (4 + body.len()) as u16;
            let blen = body.len() as u16;
            [
                &len.to_be_bytes()[..],
                &typ.to_be_bytes(),
                &blen.to_be_bytes(),
                body,
            ]
            .concat()
        }
        None => vec![0, 0],
    };
    let mut msgs = vec![(hs::ENCRYPTED_EXTENSIONS, ee)];
    if dev.certificate {
        let mut c = Vec::new();
        rdtls::dtls13::messages::Certificate {
            request_context: vec![],
            entries: vec![rdtls::dtls13::messages::CertificateEntry {
                cert_data: crate::common::ours::load_chain("server-ecdsa.pem").remove(0),
                extensions: vec![],
            }],
        }
        .encode(&mut c);
        msgs.push((hs::CERTIFICATE, c));
    }
    for (typ, body) in &msgs {
        t.add(&c13::tls_msg(*typ, body));
    }
    let s_fin = ks.verify_data(&ks.finished_key(&s_hs).unwrap(), &t.hash());
    t.add(&c13::tls_msg(hs::FINISHED, s_fin.as_bytes()));
    msgs.push((hs::FINISHED, s_fin.as_bytes().to_vec()));
    let through_server_finished = t.hash();
    let mut datagram = c13::plaintext_record(22, 0, &c13::dtls_msg(hs::SERVER_HELLO, 0, &sh));
    let s_hs_keys = c13::record_keys(&t, &s_hs);
    // The last record (Finished) in the shortest header: 8-bit sequence number, no
    // length (RFC 9147 §4: it runs to the end of the datagram).
    let last = HeaderShape {
        seq_16: false,
        with_length: false,
        ..c13::SHAPE
    };
    for (i, (typ, body)) in msgs.iter().enumerate() {
        let m = c13::dtls_msg(*typ, 1 + i as u16, body);
        let shape = if i + 1 == msgs.len() {
            last
        } else {
            c13::SHAPE
        };
        s_hs_keys
            .seal(&mut datagram, shape, 2, i as u64, 22, &m, 0)
            .unwrap();
    }
    ServerFlight {
        t,
        handshake,
        c_hs,
        through_server_finished,
        datagram,
    }
}

/// One resumed handshake with `client`, which must offer `identity` for `psk`. The
/// server checks the binder, accepts identity 0 with an X25519 share, sends
/// EncryptedExtensions and Finished (no Certificate), checks the client's Finished, then
/// at epoch 3 ACKs it and sends a NewSessionTicket (nonce `nonce`) and data.
pub(crate) fn resume_with_hand_driven_server(
    client: &mut Client13,
    now: Instant,
    psk: &[u8],
    identity: &[u8],
    nonce: u8,
) -> Resumed {
    let ServerFlight {
        mut t,
        handshake,
        c_hs,
        through_server_finished,
        datagram: d,
    } = server_flight(client, psk, identity, nonce, Deviation::default());
    let ks = t.ks;
    client
        .handle_datagram(now, &d)
        .expect("the client takes the resumed flight");
    assert!(client.is_established() && client.resumed());
    // No Certificate in a resumption: the chain reported is the ticket's.
    assert_eq!(
        client.peer_certificates(),
        &crate::common::ours::load_chain("server-ecdsa.pem")[..]
    );

    // Its Finished at epoch 2.
    let c_fin = ks.verify_data(&ks.finished_key(&c_hs).unwrap(), &through_server_finished);
    let c_hs_keys = c13::record_keys(&t, &c_hs);
    let mut fin = client.poll_transmit().expect("client Finished");
    assert!(client.poll_transmit().is_none());
    let v = unified_header::parse(&fin, 0).unwrap();
    let o = c_hs_keys.open(&mut fin, &v, 0).expect("epoch-2 record");
    assert_eq!((o.content_type, o.content[0]), (22, hs::FINISHED));
    assert_eq!(&o.content[12..], c_fin.as_bytes(), "client Finished");
    let fin_rn = RecordNumber {
        epoch: 2,
        seq: o.seq,
    };
    t.add(&c13::tls_msg(hs::FINISHED, c_fin.as_bytes()));

    // Epoch 3: ACK, NewSessionTicket, data.
    let master = ks.master_secret(&handshake).unwrap();
    let c_ap = ks
        .derive_secret(&master, labels::C_AP_TRAFFIC, &through_server_finished)
        .unwrap();
    let s_ap = ks
        .derive_secret(&master, labels::S_AP_TRAFFIC, &through_server_finished)
        .unwrap();
    let res_master = ks
        .derive_secret(&master, labels::RES_MASTER, &t.hash())
        .unwrap();
    let next_psk = ks
        .resumption_psk(&res_master, &[nonce])
        .unwrap()
        .as_bytes()
        .to_vec();
    let mut ack = Vec::new();
    Ack {
        record_numbers: vec![fin_rn],
    }
    .encode(&mut ack);
    let mut nst = Vec::new();
    NewSessionTicket {
        lifetime: 3600,
        age_add: AGE_ADD,
        nonce: vec![nonce],
        ticket: vec![nonce; 48],
        extensions: vec![],
    }
    .encode(&mut nst);
    let s_ap_keys = c13::record_keys(&t, &s_ap);
    let mut d = Vec::new();
    s_ap_keys
        .seal(&mut d, c13::SHAPE, 3, 0, 26, &ack, 0)
        .unwrap();
    s_ap_keys
        .seal(
            &mut d,
            c13::SHAPE,
            3,
            1,
            22,
            // message_seq 3: after ServerHello 0, EncryptedExtensions 1, Finished 2.
            &c13::dtls_msg(hs::NEW_SESSION_TICKET, 3, &nst),
            0,
        )
        .unwrap();
    s_ap_keys
        .seal(&mut d, c13::SHAPE, 3, 2, 23, b"resumed", 0)
        .unwrap();
    client.handle_datagram(now, &d).unwrap();
    assert_eq!(client.recv().as_deref(), Some(&b"resumed"[..]));
    assert_eq!(client.poll_timeout(), None, "our Finished is acknowledged");

    // Its ACK of the ticket record and its data, at epoch 3.
    client.send(b"resumed too").unwrap();
    let c_ap_keys = c13::record_keys(&t, &c_ap);
    let (mut acked, mut data, mut next) = (false, None, 0);
    while let Some(mut d) = client.poll_transmit() {
        let v = unified_header::parse(&d, 0).unwrap();
        let o = c_ap_keys.open(&mut d, &v, next).expect("epoch-3 record");
        next = o.seq + 1;
        match o.content_type {
            26 => {
                acked |= Ack::decode(o.content)
                    .unwrap()
                    .record_numbers
                    .contains(&RecordNumber { epoch: 3, seq: 1 })
            }
            23 => data = Some(o.content.to_vec()),
            other => panic!("content type {other}"),
        }
    }
    assert!(acked, "the NewSessionTicket record is ACKed");
    assert_eq!(data.as_deref(), Some(&b"resumed too"[..]));
    Resumed {
        next_psk,
        s_ap_keys,
        next_seq: 3,
        c_ap,
        s_ap,
        c_next_seq: next,
    }
}

#[test]
fn resumption_with_a_hand_driven_server_then_with_its_ticket() {
    let t0 = Instant::now();
    let psk = [0x42u8; 32];
    let now = t0 + Duration::from_millis(1500);
    let mut c = resuming_client(81, now, made_up_ticket(t0, &psk, b"first ticket"));
    let r = resume_with_hand_driven_server(&mut c, now, &psk, b"first ticket", 7);
    let mut events = Vec::new();
    while let Some(e) = c.poll_event() {
        events.push(e);
    }
    assert!(
        events.contains(&Event13::NewSessionTicket) && events.contains(&Event13::HandshakeComplete)
    );
    assert!(!events
        .iter()
        .any(|e| matches!(e, Event13::PeerCertificate(_))));
    let stored = c.tickets()[0].clone();
    assert_eq!(
        stored.psk, r.next_psk,
        "the client's PSK is the one the server derived"
    );
    assert_eq!(stored.ticket.ticket, vec![7; 48]);
    assert_eq!(
        stored.peer_certs,
        c.peer_certificates(),
        "the chain travels on"
    );

    // A new connection resumes with the stored ticket.
    let later = now + Duration::from_secs(2);
    let mut c2 = resuming_client(82, later, stored);
    resume_with_hand_driven_server(&mut c2, later, &r.next_psk, &[7; 48], 9);
}

/// RFC 8446 §4.6.1: a ticket is offered only when its original server chain is valid for
/// the new connection's name: the test chain names localhost, so a connection to
/// example.com sends no pre_shared_key (and one to localhost does).
#[test]
fn a_ticket_is_offered_only_for_a_name_its_chain_covers() {
    let t0 = Instant::now();
    let now = t0 + Duration::from_secs(1);
    for (name, offered) in [("example.com", false), ("localhost", true)] {
        let opts = Options13 {
            server_name: Some(name.into()),
            resume: Some(made_up_ticket(t0, &[1; 32], b"named")),
            ..Options13::default()
        };
        let mut c = Client13::new(our13_config(84, 1150, true), opts, now).unwrap();
        let d = c.poll_transmit().unwrap();
        let ch = ClientHello::decode(&d[25..]).unwrap();
        let psk = find_extension(&ch.extensions, ext_type::PRE_SHARED_KEY);
        assert_eq!(psk.is_some(), offered, "{name}");
    }
}

/// A ticket past its lifetime is not offered: the ClientHello has no pre_shared_key.
#[test]
fn an_expired_ticket_is_not_offered() {
    let t0 = Instant::now();
    let now = t0 + Duration::from_secs(7201);
    let mut c = resuming_client(83, now, made_up_ticket(t0, &[1; 32], b"old"));
    let d = c.poll_transmit().unwrap();
    let ch = ClientHello::decode(&d[25..]).unwrap();
    assert!(find_extension(&ch.extensions, ext_type::PRE_SHARED_KEY).is_none());
}

/// Opens every datagram the client has ready with `keys`: (record number, content type,
/// content) of each.
fn client_records(
    c: &mut Client13,
    keys: &rdtls::dtls13::record_protection::RecordKeys,
    epoch: u64,
    next: &mut u64,
) -> Vec<(RecordNumber, u8, Vec<u8>)> {
    let mut out = Vec::new();
    while let Some(mut d) = c.poll_transmit() {
        let v = unified_header::parse(&d, 0).unwrap();
        let o = keys.open(&mut d, &v, *next).expect("client record");
        *next = o.seq + 1;
        out.push((
            RecordNumber { epoch, seq: o.seq },
            o.content_type,
            o.content.to_vec(),
        ));
    }
    out
}

/// Crossed KeyUpdates (RFC 9147 §8): ours is in flight when the server's
/// KeyUpdate(update_requested) arrives; we install its epoch 4, ACK it in our epoch 3 and
/// send no second KeyUpdate (ours already answers it); the server's ACK of ours, under its
/// epoch-4 keys, moves our sending to epoch 4; data both ways at epoch 4.
#[test]
fn crossed_key_updates_with_the_hand_driven_server() {
    let t0 = Instant::now();
    let now = t0 + Duration::from_millis(20);
    let psk = [0x33u8; 32];
    let mut c = resuming_client(85, now, made_up_ticket(t0, &psk, b"crossed"));
    let r = resume_with_hand_driven_server(&mut c, now, &psk, b"crossed", 6);
    let suite = Suite13::Aes128GcmSha256;
    let t = c13::Transcript::new(suite);
    let ks = t.ks;
    let c3 = c13::record_keys(&t, &r.c_ap);
    let mut c_next = r.c_next_seq;

    c.key_update(now, false).unwrap();
    let ours = client_records(&mut c, &c3, 3, &mut c_next);
    assert_eq!(ours.len(), 1);
    let (ku_rn, ct, body) = &ours[0];
    assert_eq!(
        (*ct, body[0], &body[12..]),
        (22, hs::KEY_UPDATE, &[0u8][..])
    );

    // The server's KeyUpdate(update_requested), message_seq 4, record (3, 3).
    let mut d = Vec::new();
    r.s_ap_keys
        .seal(
            &mut d,
            c13::SHAPE,
            3,
            r.next_seq,
            22,
            &c13::dtls_msg(hs::KEY_UPDATE, 4, &[1]),
            0,
        )
        .unwrap();
    c.handle_datagram(now, &d).unwrap();
    assert!(std::iter::from_fn(|| c.poll_event()).any(|e| e == Event13::RecvKeyUpdated(4)));
    let answer = client_records(&mut c, &c3, 3, &mut c_next);
    assert_eq!(answer.len(), 1, "an ACK, no second KeyUpdate: {answer:?}");
    assert_eq!(answer[0].1, 26);
    let acked = Ack::decode(&answer[0].2).unwrap().record_numbers;
    assert_eq!(
        acked,
        vec![RecordNumber {
            epoch: 3,
            seq: r.next_seq
        }]
    );
    assert_eq!(c.send_epoch(), 3, "ours is not acknowledged yet");

    // The server's ACK of our KeyUpdate, in its epoch 4.
    let s4 = c13::record_keys(&t, &ks.next_traffic_secret(&r.s_ap).unwrap());
    let mut ack = Vec::new();
    Ack {
        record_numbers: vec![*ku_rn],
    }
    .encode(&mut ack);
    let mut d = Vec::new();
    s4.seal(&mut d, c13::SHAPE, 4, 0, 26, &ack, 0).unwrap();
    s4.seal(&mut d, c13::SHAPE, 4, 1, 23, b"server at 4", 0)
        .unwrap();
    c.handle_datagram(now, &d).unwrap();
    assert!(std::iter::from_fn(|| c.poll_event()).any(|e| e == Event13::SendKeyUpdated(4)));
    assert_eq!(c.send_epoch(), 4);
    assert_eq!(c.recv().as_deref(), Some(&b"server at 4"[..]));
    assert_eq!(c.poll_timeout(), None);
    c.send(b"client at 4").unwrap();
    let c4 = c13::record_keys(&t, &ks.next_traffic_secret(&r.c_ap).unwrap());
    let mut c4_next = 0;
    let data = client_records(&mut c, &c4, 4, &mut c4_next);
    assert_eq!(data.len(), 1);
    assert_eq!((data[0].1, &data[0].2[..]), (23, &b"client at 4"[..]));
}
