//! The server's EncryptedExtensions (RFC 8446 §4.3.1): answers only to what the
//! ClientHello asked and we support — an empty server_name when the client's SNI names a
//! host we serve (RFC 6066 §3), ALPN with our most preferred protocol the client offered
//! (RFC 7301 §3.2, server preference as OpenSSL's `SSL_select_next_proto`), use_srtp with
//! one profile of ours the client offered, in our preference order, and an empty MKI
//! (RFC 5764 §4.1.1). DTLS-SRTP keys then come from [`Server13::export_keying_material`]
//! with [`crate::srtp::EXPORTER_LABEL`] (RFC 5764 §4.2).

use super::extensions::{encode_list, ext_type, put_extension};
use super::hello::{find_extension, ClientHello};
use super::server::Server13;
use super::server_states::decode_err;
use crate::alpn::AlpnSelection;
use crate::codec::Reader;
use crate::enums::ExtensionType;
use crate::error::{AlertDescription as AD, Error};
use crate::srtp::UseSrtp;

/// Longest host name kept from SNI: DNS names end at 255 bytes (as the 1.2 server).
const MAX_SNI_LEN: usize = 255;

/// The host_name of a `server_name` extension (RFC 6066 §3: `ServerNameList`, one name
/// per type); None when it holds none. Malformed lists are a decode_error.
pub(super) fn decode_sni(data: &[u8]) -> Result<Option<String>, Error> {
    let mut r = Reader::new(data);
    let mut list = r.sub(2, "server_name_list").map_err(decode_err)?;
    r.finish("server_name").map_err(decode_err)?;
    if list.is_empty() {
        return Err(decode_err("empty server_name_list"));
    }
    let mut host = None;
    while !list.is_empty() {
        let typ = list.u8("NameType").map_err(decode_err)?;
        let name = list.vec(2, "HostName").map_err(decode_err)?;
        if typ == 0 && host.is_none() {
            if name.is_empty() || name.len() > MAX_SNI_LEN {
                return Err(Error::alert(AD::UNRECOGNIZED_NAME, "server_name length"));
            }
            let n = std::str::from_utf8(name)
                .ok()
                .filter(|n| n.is_ascii())
                .ok_or_else(|| Error::alert(AD::ILLEGAL_PARAMETER, "server_name not ASCII"))?;
            host = Some(n.to_string());
        }
    }
    Ok(host)
}

impl Server13 {
    /// SNI: remembers the client's host name; true when it is one we serve, so the
    /// acknowledgement goes into EncryptedExtensions.
    fn sni_acknowledged(&mut self, ch: &ClientHello) -> Result<bool, Error> {
        self.sni = match find_extension(&ch.extensions, ext_type::SERVER_NAME) {
            Some(data) => decode_sni(data)?,
            None => None,
        };
        // The ClientHello hook decided (RFC 6066 §3: acknowledged when the name was used).
        if let Some(ack) = self.hook_sni_ack {
            return Ok(ack);
        }
        Ok(self.sni.as_ref().is_some_and(|n| {
            self.opts
                .server_names
                .iter()
                .any(|s| s.eq_ignore_ascii_case(n))
        }))
    }

    /// ALPN: our first protocol (the Config's list) the client offered; none in common is
    /// no_application_protocol only when `alpn_required` (RFC 7301 §3.2), else no ALPN.
    /// With the application's selection hook (SSL_CTX_set_alpn_select_cb) the hook decides,
    /// as on the 1.2 server: a protocol, no answer, or no_application_protocol.
    fn select_alpn(&mut self, ch: &ClientHello) -> Result<(), Error> {
        self.alpn = None;
        let Some(data) = find_extension(&ch.extensions, ExtensionType::ALPN.0) else {
            return Ok(());
        };
        let mut r = Reader::new(data);
        let offered = crate::alpn::decode(&mut r).map_err(decode_err)?;
        r.finish("application_layer_protocol_negotiation")
            .map_err(decode_err)?;
        if let Some(hook) = self.alpn_hook.as_mut() {
            return match hook(&crate::alpn::to_wire_list(&offered)) {
                AlpnSelection::Selected(p) if !p.is_empty() && p.len() <= 255 => {
                    self.alpn = Some(p);
                    Ok(())
                }
                AlpnSelection::NoAck => Ok(()),
                _ => Err(Error::alert(
                    AD::NO_APPLICATION_PROTOCOL,
                    "no application protocol in common (ALPN)",
                )),
            };
        }
        let ours = &self.ch.cfg.alpn_protocols;
        if ours.is_empty() {
            return Ok(());
        }
        self.alpn = ours.iter().find(|p| offered.contains(p)).cloned();
        if self.alpn.is_none() && self.opts.alpn_required {
            return Err(Error::alert(
                AD::NO_APPLICATION_PROTOCOL,
                "no application protocol in common (ALPN)",
            ));
        }
        Ok(())
    }

    /// The EncryptedExtensions body for `ch`; records the SNI, the ALPN protocol and the
    /// SRTP profile chosen.
    pub(crate) fn encrypted_extensions(&mut self, ch: &ClientHello) -> Result<Vec<u8>, Error> {
        let sni_ack = self.sni_acknowledged(ch)?;
        self.select_alpn(ch)?;
        let offered = match find_extension(&ch.extensions, ExtensionType::USE_SRTP.0) {
            Some(data) if !self.ch.cfg.srtp_profiles.is_empty() => {
                let mut r = Reader::new(data);
                let u = UseSrtp::decode(&mut r).map_err(decode_err)?;
                r.finish("use_srtp").map_err(decode_err)?;
                u.profiles
            }
            _ => Vec::new(),
        };
        self.ch.srtp_profile = self
            .ch
            .cfg
            .srtp_profiles
            .iter()
            .copied()
            .find(|p| offered.contains(p));
        let mut b = Vec::new();
        encode_list(&mut b, |o| {
            if sni_ack {
                // RFC 6066 §3: "extension_data" of this extension SHALL be empty.
                put_extension(o, ext_type::SERVER_NAME, |_| {});
            }
            if let Some(p) = &self.alpn {
                put_extension(o, ExtensionType::ALPN.0, |e| {
                    crate::alpn::encode(std::slice::from_ref(p), e)
                });
            }
            if let Some(p) = self.ch.srtp_profile {
                put_extension(o, ExtensionType::USE_SRTP.0, |e| {
                    UseSrtp {
                        profiles: vec![p],
                        mki: Vec::new(),
                    }
                    .encode(e)
                });
            }
        });
        Ok(b)
    }
}
