//! The one ClientHello of a client that offers DTLS 1.3 and 1.2 (RFC 8446 §4.1.2 and
//! §4.2.1, RFC 9147 §5.3): the 1.2 machine builds its hello as usual without sending it;
//! [`LegacyOffer`] carries that hello's random, session ID, suites and extensions into the
//! 1.3 client's hello (also its ClientHello2 after a HelloRetryRequest). When the server
//! answers in 1.2 (ServerHello without `supported_versions`, or HelloVerifyRequest), the 1.2
//! machine adopts the exact bytes that were sent, and re-sends them with the cookie after a
//! HelloVerifyRequest ([`with_cookie`]).

use crate::codec::{DecodeError, Reader};
use crate::dtls13::extensions::ext_type;
use crate::dtls13::hello::{ClientHello, DOWNGRADE_SENTINEL_12};
use crate::error::{AlertDescription, Error};

/// The DTLS 1.2 part of a merged ClientHello.
#[derive(Debug, Clone)]
pub(crate) struct LegacyOffer {
    pub(crate) random: [u8; 32],
    pub(crate) session_id: Vec<u8>,
    /// The 1.2 suites, after the 1.3 ones in the merged hello.
    pub(crate) suites: Vec<u16>,
    /// The 1.2 hello's extensions, in its order.
    pub(crate) extensions: Vec<(u16, Vec<u8>)>,
}

/// Extensions both hellos carry where the 1.2 form is the one to keep: the 1.2 signature
/// list is a superset of the 1.3 one (RFC 8446 §4.2.3 lets a 1.3 server ignore the
/// PKCS#1 entries; a 1.2 server needs them).
const PREFER_LEGACY: [u16; 1] = [ext_type::SIGNATURE_ALGORITHMS];

impl LegacyOffer {
    /// The offer of a 1.2 ClientHello body.
    pub(crate) fn from_hello(body: &[u8]) -> Result<Self, Error> {
        let ch = ClientHello::decode(body)
            .map_err(|_| Error::InvalidState("own 1.2 ClientHello does not decode"))?;
        Ok(LegacyOffer {
            random: ch.random,
            session_id: ch.legacy_session_id,
            suites: ch.cipher_suites,
            extensions: ch.extensions,
        })
    }

    /// The CID the 1.2 hello asks for in `connection_id` (RFC 9146 §3), if any.
    pub(crate) fn connection_id(&self) -> Option<Vec<u8>> {
        let (_, body) = self
            .extensions
            .iter()
            .find(|(t, _)| *t == ext_type::CONNECTION_ID)?;
        crate::dtls13::connection_id::decode_extension(body)
            .ok()
            .map(<[u8]>::to_vec)
    }

    /// Adds the 1.2 extensions to the 1.3 hello's `exts`: one copy of each shared one
    /// (the 1.2 form for [`PREFER_LEGACY`]), the 1.2-only ones appended. The caller adds
    /// `pre_shared_key` afterwards, which must stay last (RFC 8446 §4.2.11).
    pub(crate) fn merge_extensions(&self, exts: &mut Vec<(u16, Vec<u8>)>) {
        for (typ, body) in &self.extensions {
            match exts.iter_mut().find(|(t, _)| t == typ) {
                Some(e) if PREFER_LEGACY.contains(typ) => e.1 = body.clone(),
                Some(_) => {}
                None => exts.push((*typ, body.clone())),
            }
        }
    }
}

/// `dual` (a merged ClientHello body) with the cookie of `own` (the 1.2 machine's hello
/// body, which carries the HelloVerifyRequest cookie, RFC 6347 §4.2.1).
pub(crate) fn with_cookie(dual: &[u8], own: &[u8]) -> Result<Vec<u8>, Error> {
    let bad = |_: DecodeError| Error::InvalidState("merged ClientHello does not decode");
    let cookie = cookie_span(own).map_err(bad)?;
    let cookie = &own[cookie.0..cookie.1];
    let (start, end) = cookie_span(dual).map_err(bad)?;
    let mut out = Vec::with_capacity(dual.len() + cookie.len());
    out.extend_from_slice(&dual[..start - 1]);
    out.push(cookie.len() as u8);
    out.extend_from_slice(cookie);
    out.extend_from_slice(&dual[end..]);
    Ok(out)
}

/// Where the cookie bytes of a ClientHello body are (after its length byte).
fn cookie_span(body: &[u8]) -> Result<(usize, usize), DecodeError> {
    let mut r = Reader::new(body);
    r.take(2 + 32, "version and random")?;
    let sid = r.vec(1, "session id")?.len();
    let len = r.vec(1, "cookie")?.len();
    let start = 2 + 32 + 1 + sid + 1;
    Ok((start, start + len))
}

/// RFC 8446 §4.1.3: a client that offered 1.3 and gets a 1.2 ServerHello whose random
/// ends in the downgrade sentinel (…01 for 1.2, …00 for 1.1 or below) aborts.
pub(crate) fn check_downgrade(server_random: &[u8; 32]) -> Result<(), Error> {
    let tail = &server_random[24..];
    if tail[..7] == DOWNGRADE_SENTINEL_12[..7] && tail[7] <= 1 {
        return Err(Error::alert(
            AlertDescription::ILLEGAL_PARAMETER,
            "downgrade sentinel in a 1.2 ServerHello (RFC 8446 §4.1.3)",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hello(sid: &[u8], cookie: &[u8]) -> Vec<u8> {
        let mut h = ClientHello::new([7; 32], vec![0x1301, 0xc02b], vec![(10, vec![0, 2, 0, 29])]);
        h.legacy_session_id = sid.to_vec();
        h.legacy_cookie = cookie.to_vec();
        let mut b = Vec::new();
        h.encode(&mut b);
        b
    }

    #[test]
    fn cookie_spliced_in() {
        let dual = hello(&[1, 2, 3], &[]);
        let own = hello(&[9], &[5, 6, 7, 8]);
        let out = with_cookie(&dual, &own).unwrap();
        assert_eq!(out, hello(&[1, 2, 3], &[5, 6, 7, 8]));
        assert_eq!(with_cookie(&dual, &hello(&[], &[])).unwrap(), dual);
        assert!(with_cookie(&dual[..30], &own).is_err());
    }

    #[test]
    fn sentinel_detected() {
        let mut r = [3u8; 32];
        assert!(check_downgrade(&r).is_ok());
        r[24..].copy_from_slice(&DOWNGRADE_SENTINEL_12);
        assert!(check_downgrade(&r).is_err());
        r[31] = 0;
        assert!(check_downgrade(&r).is_err());
        r[31] = 2;
        assert!(check_downgrade(&r).is_ok());
    }
}
