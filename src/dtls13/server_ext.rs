//! The server's EncryptedExtensions (RFC 8446 §4.3.1): answers only to what the
//! ClientHello asked and we support — use_srtp with one profile of ours the client
//! offered, in our preference order, and an empty MKI (RFC 5764 §4.1.1). DTLS-SRTP keys
//! then come from [`Server13::export_keying_material`] with
//! [`crate::srtp::EXPORTER_LABEL`] (RFC 5764 §4.2).

use super::extensions::{encode_list, put_extension};
use super::hello::{find_extension, ClientHello};
use super::server::Server13;
use super::server_states::decode_err;
use crate::codec::Reader;
use crate::enums::ExtensionType;
use crate::error::Error;
use crate::srtp::UseSrtp;

impl Server13 {
    /// The EncryptedExtensions body for `ch`; records the SRTP profile chosen.
    pub(crate) fn encrypted_extensions(&mut self, ch: &ClientHello) -> Result<Vec<u8>, Error> {
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
