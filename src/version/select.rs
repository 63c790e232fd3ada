//! Which version a datagram speaks for: a server's first ClientHello (does its
//! `supported_versions` offer DTLS 1.3, RFC 8446 §4.2.1), a dual client's first answer
//! (a ServerHello without `supported_versions` or a HelloVerifyRequest is DTLS 1.2), and
//! which configured features keep a connection on DTLS 1.2 (src/deviations.rs).

use crate::codec::Reader;
use crate::config::{Config, LocalConnectionId, DTLS1_3_VERSION};
use crate::dtls13::connection_id::MAX_OWN_CID_LEN;
use crate::dtls13::extensions::{self as ext, ext_type};
use crate::dtls13::hello::{find_extension, msg_type, ClientHello, ServerHello};

/// The first handshake message of a plaintext (epoch 0) DTLS record at the start of
/// `datagram`, when the record holds it whole: (msg_type, body).
fn first_message(datagram: &[u8]) -> Option<(u8, &[u8])> {
    let mut r = Reader::new(datagram);
    let content_type = r.u8("content type").ok()?;
    r.take(2, "version").ok()?;
    let epoch = r.u16("epoch").ok()?;
    r.take(6, "sequence").ok()?;
    let payload = r.vec(2, "record").ok()?;
    if content_type != 22 || epoch != 0 {
        return None;
    }
    let mut h = Reader::new(payload);
    let typ = h.u8("msg_type").ok()?;
    let len = h.u24("length").ok()?;
    h.u16("message_seq").ok()?;
    let offset = h.u24("fragment_offset").ok()?;
    let frag = h.vec(3, "fragment").ok()?;
    (offset == 0 && frag.len() == len as usize).then_some((typ, frag))
}

/// What a server's first datagram asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Offer {
    /// A whole ClientHello offering DTLS 1.3.
    Tls13,
    /// A whole ClientHello without DTLS 1.3 in `supported_versions` (or without it).
    Tls12Only,
    /// Not a whole ClientHello at the datagram's start (noise, a fragment).
    Unknown,
}

/// Reads the offer of the ClientHello at the start of `datagram`.
pub(crate) fn client_offer(datagram: &[u8]) -> Offer {
    match first_message(datagram) {
        Some((msg_type::CLIENT_HELLO, body)) => client_offer_of_body(body),
        _ => Offer::Unknown,
    }
}

/// The offer of a whole ClientHello body; one that does not decode is left to the 1.2
/// machine, which answers it with the right alert.
pub(crate) fn client_offer_of_body(body: &[u8]) -> Offer {
    let Ok(ch) = ClientHello::decode(body) else {
        return Offer::Tls12Only;
    };
    let offers13 = find_extension(&ch.extensions, ext_type::SUPPORTED_VERSIONS)
        .and_then(|b| ext::decode_versions_client(b).ok())
        .is_some_and(|v| v.contains(&DTLS1_3_VERSION));
    if offers13 {
        Offer::Tls13
    } else {
        Offer::Tls12Only
    }
}

/// True when `datagram` starts with a DTLS 1.2 answer to a dual ClientHello: a
/// HelloVerifyRequest (RFC 6347 §4.2.1), or a ServerHello that does not select 1.3 through
/// `supported_versions` (RFC 8446 §4.1.3).
pub(crate) fn answer_is_tls12(datagram: &[u8]) -> bool {
    const HELLO_VERIFY_REQUEST: u8 = 3;
    match first_message(datagram) {
        Some((HELLO_VERIFY_REQUEST, _)) => true,
        Some((msg_type::SERVER_HELLO, body)) => server_hello_is_tls12(body),
        _ => false,
    }
}

/// True when a whole ServerHello body does not select 1.3 through `supported_versions`.
pub(crate) fn server_hello_is_tls12(body: &[u8]) -> bool {
    match ServerHello::decode(body) {
        Ok(sh) => {
            find_extension(&sh.extensions, ext_type::SUPPORTED_VERSIONS)
                .and_then(|b| ext::decode_version_server(b).ok())
                != Some(DTLS1_3_VERSION)
        }
        // Not a 1.3 ServerHello either: the 1.2 machine reports what is wrong.
        Err(_) => true,
    }
}

/// The configured feature our DTLS 1.3 path does not implement, if any: such a
/// configuration does not offer or accept 1.3 (src/deviations.rs).
pub(crate) fn config_blocker(cfg: &Config, _is_client: bool) -> Option<&'static str> {
    if cfg.psk.is_some() || cfg.psk_identity_hint.is_some() {
        return Some("PSK-callback suites (RFC 4279)");
    }
    if let Some(LocalConnectionId::Fixed(c)) = &cfg.connection_id {
        if c.len() > MAX_OWN_CID_LEN {
            return Some("connection IDs longer than 20 bytes");
        }
    }
    if let Some(LocalConnectionId::Random(n)) = &cfg.connection_id {
        if usize::from(*n) > MAX_OWN_CID_LEN {
            return Some("connection IDs longer than 20 bytes");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(msg: u8, body: &[u8]) -> Vec<u8> {
        let mut d = vec![22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0];
        let len = (body.len() + 12) as u16;
        d.extend_from_slice(&len.to_be_bytes());
        d.push(msg);
        d.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        d.extend_from_slice(&[0, 0, 0, 0, 0]);
        d.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
        d.extend_from_slice(body);
        d
    }

    fn hello(versions: &[u16]) -> Vec<u8> {
        let mut v = Vec::new();
        ext::encode_versions_client(&mut v, versions);
        let mut b = Vec::new();
        ClientHello::new(
            [1; 32],
            vec![0x1301],
            vec![(ext_type::SUPPORTED_VERSIONS, v)],
        )
        .encode(&mut b);
        b
    }

    #[test]
    fn offers() {
        assert_eq!(
            client_offer(&record(1, &hello(&[0xfefc, 0xfefd]))),
            Offer::Tls13
        );
        assert_eq!(
            client_offer(&record(1, &hello(&[0xfefd]))),
            Offer::Tls12Only
        );
        assert_eq!(client_offer(&record(2, &hello(&[0xfefc]))), Offer::Unknown);
        let d = record(1, &hello(&[0xfefc]));
        assert_eq!(client_offer(&d[..d.len() - 1]), Offer::Unknown);
        assert_eq!(client_offer(&record(1, &[1, 2])), Offer::Tls12Only);
        assert_eq!(client_offer(&[]), Offer::Unknown);
    }

    #[test]
    fn answers() {
        assert!(answer_is_tls12(&record(3, &[0xfe, 0xfd, 1, 9])));
        assert!(!answer_is_tls12(&record(11, &[])));
        assert!(!answer_is_tls12(&[0x2f, 1, 2]));
    }
}
