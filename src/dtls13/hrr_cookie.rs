//! The stateless HelloRetryRequest cookie of RFC 9147 §5.1 / RFC 8446 §4.2.2, shared by
//! the 1.3 server (`server_hello.rs`) and the stateless front door
//! ([`crate::cookie::CookieListener`], what `DTLSv1_listen` sits on): the choices made
//! for ClientHello1 (suite, the group asked for) and its transcript hash, plus the
//! application's own cookie when it has cookie callbacks, authenticated by the
//! configuration's cookie keys over the peer address and the client random.

use std::time::Instant;

use super::extensions::{self as ext, ext_type, DTLS1_3};
use super::hello::{find_extension, msg_type as hs, ClientHello, ServerHello, HRR_RANDOM};
use super::key_schedule::KeySchedule;
use super::messages;
use super::record_protection::Suite13;
use crate::cookie::{CookieKeys, COOKIE_LEN, MAX_COOKIE_LEN};

/// Cookie layout: ours only.
const COOKIE_V1: u8 = 1;
/// Cookie layout: ours plus the application's cookie (1..=255 bytes).
const COOKIE_V2: u8 = 2;

/// What a valid cookie tells us about ClientHello1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CookieState {
    pub(crate) suite: Suite13,
    /// The group the HelloRetryRequest asked for (0: none).
    pub(crate) group: u16,
    pub(crate) ch1_hash: Vec<u8>,
    /// The application's cookie (its generate callback's), handed to its verify callback.
    pub(crate) app: Option<Vec<u8>>,
}

/// Why ClientHello1 cannot be answered (the caller maps it to an alert, or drops it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChoiceError {
    Decode,
    NoSuite,
    MissingKeyShare,
    MissingGroups,
    NoGroup,
}

/// The suite (server preference among `suites`) and the group a HelloRetryRequest must
/// ask for (0 when the client already sent a share in one of `groups`, our preference).
pub(crate) fn choose(
    suites: &[Suite13],
    groups: &[u16],
    ch: &ClientHello,
) -> Result<(Suite13, u16), ChoiceError> {
    let suite = suites
        .iter()
        .copied()
        .find(|s| ch.cipher_suites.contains(&s.to_u16()))
        .ok_or(ChoiceError::NoSuite)?;
    let shares = find_extension(&ch.extensions, ext_type::KEY_SHARE)
        .map(ext::decode_key_share_client)
        .transpose()
        .map_err(|_| ChoiceError::Decode)?
        .ok_or(ChoiceError::MissingKeyShare)?;
    let client_groups = find_extension(&ch.extensions, ext_type::SUPPORTED_GROUPS)
        .map(ext::decode_u16_list)
        .transpose()
        .map_err(|_| ChoiceError::Decode)?
        .ok_or(ChoiceError::MissingGroups)?;
    if groups.iter().any(|g| shares.iter().any(|s| s.group == *g)) {
        return Ok((suite, 0));
    }
    let group = groups
        .iter()
        .copied()
        .find(|g| client_groups.contains(g))
        .ok_or(ChoiceError::NoGroup)?;
    Ok((suite, group))
}

/// The cookie state for ClientHello1 (`body`, the handshake body) under these choices.
pub(crate) fn state_for(
    suite: Suite13,
    group: u16,
    body: &[u8],
    app: Option<Vec<u8>>,
) -> CookieState {
    let ks = KeySchedule::dtls13(suite.hash());
    let mut t = Vec::new();
    messages::transcript_message(&mut t, hs::CLIENT_HELLO, body);
    CookieState {
        suite,
        group,
        ch1_hash: ks.transcript_hash(&t).as_bytes().to_vec(),
        app,
    }
}

/// The MAC input: the cookie's fields plus the client random, which ClientHello2 must
/// repeat (RFC 8446 §4.1.2).
fn mac_input(fields: &[u8], random: &[u8; 32]) -> Vec<u8> {
    let mut m = fields.to_vec();
    m.extend_from_slice(random);
    m
}

/// Our cookie for `st`, bound to `peer_addr` and the client random.
pub(crate) fn make(
    keys: &CookieKeys,
    now: Instant,
    peer_addr: &[u8],
    st: &CookieState,
    random: &[u8; 32],
) -> Vec<u8> {
    let app = st
        .app
        .as_deref()
        .filter(|a| !a.is_empty() && a.len() <= MAX_COOKIE_LEN);
    let mut c = vec![if app.is_some() { COOKIE_V2 } else { COOKIE_V1 }];
    c.extend_from_slice(&st.suite.to_u16().to_be_bytes());
    c.extend_from_slice(&st.group.to_be_bytes());
    c.push(st.ch1_hash.len() as u8);
    c.extend_from_slice(&st.ch1_hash);
    if let Some(a) = app {
        c.push(a.len() as u8);
        c.extend_from_slice(a);
    }
    let mac = keys.generate(now, peer_addr, &mac_input(&c, random));
    c.extend_from_slice(&mac);
    c
}

/// The state in a cookie of ours for this peer and client random, not expired; None
/// otherwise. The application's part is returned unchecked (its verify callback decides).
pub(crate) fn check(
    keys: &CookieKeys,
    now: Instant,
    peer_addr: &[u8],
    cookie: &[u8],
    random: &[u8; 32],
) -> Option<CookieState> {
    let (&v, rest) = cookie.split_first()?;
    if (v != COOKIE_V1 && v != COOKIE_V2) || rest.len() < 5 {
        return None;
    }
    let suite = Suite13::from_u16(u16::from_be_bytes([rest[0], rest[1]]))?;
    let group = u16::from_be_bytes([rest[2], rest[3]]);
    let n = usize::from(rest[4]);
    if n != suite.hash().output_len() {
        return None;
    }
    let hash_end = 1 + 5 + n;
    let (fields_len, app) = if v == COOKIE_V2 {
        let alen = usize::from(*cookie.get(hash_end)?);
        let app = cookie.get(hash_end + 1..hash_end + 1 + alen)?;
        if app.is_empty() {
            return None;
        }
        (hash_end + 1 + alen, Some(app.to_vec()))
    } else {
        (hash_end, None)
    };
    if cookie.len() != fields_len + COOKIE_LEN {
        return None;
    }
    let ok = keys.verify(
        now,
        peer_addr,
        &mac_input(&cookie[..fields_len], random),
        &cookie[fields_len..],
    );
    ok.then(|| CookieState {
        suite,
        group,
        ch1_hash: cookie[6..hash_end].to_vec(),
        app,
    })
}

/// The HelloRetryRequest body for these choices (rebuilt identically for the transcript
/// of ClientHello2).
pub(crate) fn hrr_body(st: &CookieState, cookie: &[u8]) -> Vec<u8> {
    let mut exts = Vec::new();
    let mut sv = Vec::new();
    ext::encode_version_server(&mut sv, DTLS1_3);
    exts.push((ext_type::SUPPORTED_VERSIONS, sv));
    if st.group != 0 {
        exts.push((ext_type::KEY_SHARE, st.group.to_be_bytes().to_vec()));
    }
    let mut c = Vec::new();
    ext::encode_cookie(&mut c, cookie);
    exts.push((ext_type::COOKIE, c));
    let mut b = Vec::new();
    ServerHello {
        random: HRR_RANDOM,
        // RFC 9147 §5: DTLS 1.3 servers MUST NOT echo the client's legacy_session_id.
        legacy_session_id_echo: Vec::new(),
        cipher_suite: st.suite.to_u16(),
        extensions: exts,
    }
    .encode(&mut b);
    b
}

/// A whole HelloRetryRequest datagram for the stateless front door: one DTLSPlaintext
/// record (legacy version DTLS 1.2, epoch 0) with the ClientHello's record number
/// (RFC 9147 §5.1) and its message_seq, holding `hrr` unfragmented.
pub(crate) fn hrr_datagram(record_seq: u64, message_seq: u16, hrr: &[u8], out: &mut Vec<u8>) {
    use crate::codec::{put_u16, put_u24, put_u48, put_u8};
    put_u8(out, 22);
    put_u16(out, 0xfefd);
    put_u16(out, 0);
    put_u48(out, record_seq);
    put_u16(out, (12 + hrr.len()) as u16);
    put_u8(out, hs::SERVER_HELLO);
    put_u24(out, hrr.len() as u32);
    put_u16(out, message_seq);
    put_u24(out, 0);
    put_u24(out, hrr.len() as u32);
    out.extend_from_slice(hrr);
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEER: &[u8] = &[127, 0, 0, 1, 0x30, 0x39];

    fn st(app: Option<Vec<u8>>) -> CookieState {
        state_for(Suite13::Aes128GcmSha256, 0x1d, b"hello", app)
    }

    #[test]
    fn round_trip_with_and_without_the_application_part() {
        let keys = CookieKeys::with_seed(7);
        let now = Instant::now();
        for app in [None, Some(vec![9u8; 16]), Some(vec![1u8; 255])] {
            let s = st(app.clone());
            let c = make(&keys, now, PEER, &s, &[3; 32]);
            assert_eq!(check(&keys, now, PEER, &c, &[3; 32]), Some(s));
            // Another peer, another random, a flipped byte: refused.
            assert_eq!(check(&keys, now, &PEER[..5], &c, &[3; 32]), None);
            assert_eq!(check(&keys, now, PEER, &c, &[4; 32]), None);
            for i in 0..c.len() {
                let mut bad = c.clone();
                bad[i] ^= 1;
                assert_eq!(check(&keys, now, PEER, &bad, &[3; 32]), None, "byte {i}");
            }
            for len in 0..c.len() {
                assert_eq!(check(&keys, now, PEER, &c[..len], &[3; 32]), None);
            }
        }
    }

    #[test]
    fn datagram_layout() {
        let mut d = Vec::new();
        hrr_datagram(5, 0, &[1, 2, 3], &mut d);
        assert_eq!(d.len(), 13 + 12 + 3);
        assert_eq!(&d[..3], &[22, 0xfe, 0xfd]);
        assert_eq!(d[10], 5);
        assert_eq!(d[13], hs::SERVER_HELLO);
    }
}
