//! The client's view of EncryptedExtensions (RFC 8446 §4.3.1) and what it enables: only
//! answers to what our ClientHello asked for are accepted (§4.2: a client MUST abort with
//! unsupported_extension on a response it did not solicit) — server_name (empty, after
//! our SNI, RFC 6066 §3), supported_groups (the server's preference, informational),
//! ALPN (one of our protocols, RFC 7301 §3.1) and use_srtp (one of our profiles, RFC 5764
//! §4.1.1) — and the exporter (RFC 8446 §7.5) that turns the last into DTLS-SRTP keys
//! (RFC 5764 §4.2).

use super::client::Client13;
use super::client_states::{decode_err, Handshaking, State};
use super::extensions::{self as ext, ext_type};
use super::hello::msg_type as hs;
use super::messages;
use crate::codec::Reader;
use crate::enums::{ExtensionType, NamedGroup};
use crate::error::{AlertDescription as AD, Error};
use crate::srtp::UseSrtp;

impl Client13 {
    pub(crate) fn on_encrypted_extensions(
        &mut self,
        mut h: Box<Handshaking>,
        body: &[u8],
    ) -> Result<State, Error> {
        let exts = messages::decode_encrypted_extensions(body).map_err(decode_err)?;
        for e in &exts {
            match e.typ {
                ext_type::SERVER_NAME if self.sni_name().is_some() => {
                    // RFC 6066 §3: the acknowledgement's extension_data SHALL be empty;
                    // OpenSSL 3.0 answers anything else with decode_error, as we do.
                    if !e.data.is_empty() {
                        return Err(decode_err("server_name answer not empty"));
                    }
                    self.sni_acked = true
                }
                ext_type::SUPPORTED_GROUPS => {
                    let groups = ext::decode_u16_list(e.data).map_err(decode_err)?;
                    self.peer_groups = groups.into_iter().map(NamedGroup).collect();
                }
                t if t == ExtensionType::ALPN.0 && !self.ch.cfg.alpn_protocols.is_empty() => {
                    // RFC 7301 §3.1: one protocol, one we offered; OpenSSL 3.0 (and our 1.2
                    // client) answer anything else with decode_error.
                    let mut r = Reader::new(e.data);
                    let names = crate::alpn::decode(&mut r).map_err(decode_err)?;
                    r.finish("application_layer_protocol_negotiation")
                        .map_err(decode_err)?;
                    match &names[..] {
                        [n] if self.ch.cfg.alpn_protocols.contains(n) => {
                            self.alpn = Some(n.clone())
                        }
                        _ => return Err(decode_err("ALPN answer")),
                    }
                }
                t if t == ExtensionType::USE_SRTP.0 && !self.ch.cfg.srtp_profiles.is_empty() => {
                    let mut r = Reader::new(e.data);
                    let u = UseSrtp::decode(&mut r).map_err(decode_err)?;
                    r.finish("use_srtp").map_err(decode_err)?;
                    // One profile of ours, and our (empty) MKI back (RFC 5764 §4.1.1).
                    match u.profiles[..] {
                        [p] if self.ch.cfg.srtp_profiles.contains(&p) && u.mki.is_empty() => {
                            self.ch.srtp_profile = Some(p)
                        }
                        _ => return Err(Error::alert(AD::ILLEGAL_PARAMETER, "use_srtp answer")),
                    }
                }
                t => {
                    return Err(Error::alert(
                        AD::UNSUPPORTED_EXTENSION,
                        format!("extension {t} in EncryptedExtensions"),
                    ))
                }
            }
        }
        h.add(hs::ENCRYPTED_EXTENSIONS, body);
        Ok(if h.resumed {
            State::ExpectFinished(h)
        } else {
            State::ExpectCertificate(h)
        })
    }

    /// True when the server acknowledged our SNI (RFC 6066 §3: an empty server_name in
    /// EncryptedExtensions, RFC 8446 §4.3.1).
    pub fn sni_acknowledged(&self) -> bool {
        self.sni_acked
    }

    /// The application protocol the server chose (ALPN, from the configuration's list).
    pub fn alpn_protocol(&self) -> Option<&[u8]> {
        self.alpn.as_deref()
    }
}
