//! Negotiating connection IDs (RFC 9146 §3) in the hellos: a client offers the CID it wants
//! to receive, a server that is configured for CIDs answers with its own, and both then
//! protect records with the `tls12_cid` format (crate::record::cid_record).

use rand::RngCore;

use super::extensions::Extensions;
use super::machine::Machine;
use crate::cid::ConnectionIds;
use crate::config::LocalConnectionId;
use crate::error::{AlertDescription, Error};

impl Machine {
    /// The CID we ask for, chosen on first use and kept for the handshake (a ClientHello
    /// repeated after HelloVerifyRequest must offer the same one). None when the
    /// configuration does not use CIDs.
    pub(crate) fn local_cid(&mut self) -> Option<Vec<u8>> {
        if let Some(ids) = self.records.connection_ids() {
            // A renegotiation offers the CID in use: it stays in use (see `use_cids`).
            let own = ids.own.clone();
            if let Some(h) = self.life.handshake_mut() {
                h.local_cid = Some(own.clone());
            }
            return Some(own);
        }
        if let Some(cid) = self.life.handshake().and_then(|h| h.local_cid.clone()) {
            return Some(cid);
        }
        let cid = match self.config.connection_id.clone()? {
            LocalConnectionId::Fixed(cid) => cid,
            LocalConnectionId::Random(len) => {
                let mut cid = vec![0u8; usize::from(len)];
                self.rng.fill_bytes(&mut cid);
                cid
            }
        };
        // Kept by the running handshake only: it goes when the handshake ends.
        if let Some(h) = self.life.handshake_mut() {
            h.local_cid = Some(cid.clone());
        }
        Some(cid)
    }

    /// Server: CIDs are used when the client offered the extension and we are configured
    /// for them; otherwise the ServerHello carries none (RFC 9146 §3).
    pub(crate) fn server_negotiate_cid(&mut self, ext: &Extensions) {
        self.hs.cid = None;
        let Some(peer) = &ext.connection_id else {
            return;
        };
        if let Some(own) = self.local_cid() {
            self.use_cids(ConnectionIds {
                own,
                peer: peer.clone(),
            });
        }
    }

    /// Client: a `connection_id` in the ServerHello we did not offer is refused
    /// (RFC 5246 §7.4.1.4); otherwise both CIDs are in use from the next epoch on.
    pub(crate) fn client_check_cid(&mut self, ext: &Extensions) -> Result<(), Error> {
        self.hs.cid = None;
        let Some(peer) = &ext.connection_id else {
            return Ok(());
        };
        let Some(own) = self.life.handshake().and_then(|h| h.local_cid.clone()) else {
            return Err(Error::alert(
                AlertDescription::UNSUPPORTED_EXTENSION,
                "server sent connection_id we did not offer",
            ));
        };
        self.use_cids(ConnectionIds {
            own,
            peer: peer.clone(),
        });
        Ok(())
    }

    /// Records the pair and hands it to the record layer, which applies it to protected
    /// epochs only, so the records of this handshake's epoch 0 are unaffected. A
    /// renegotiation keeps the CIDs the association already uses: the old epoch's records
    /// still flow until the new keys are in place.
    fn use_cids(&mut self, ids: ConnectionIds) {
        if self.records.connection_ids().is_none() {
            self.records.set_connection_ids(Some(ids.clone()));
        }
        self.hs.cid = Some(ids);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, VerifyMode};
    use crate::connection::ClientOptions;
    use std::time::Instant;

    fn client(cid: Option<u8>) -> Machine {
        let cfg = Config::builder()
            .verify_mode(VerifyMode::None)
            .connection_id_len(cid)
            .rng_seed(7)
            .build()
            .unwrap();
        Machine::client(cfg, Instant::now(), ClientOptions::default()).unwrap()
    }

    fn with_cid(cid: &[u8]) -> Extensions {
        Extensions {
            connection_id: Some(cid.to_vec()),
            ..Extensions::default()
        }
    }

    #[test]
    fn client_refuses_an_unoffered_connection_id() {
        let mut m = client(None);
        let e = m.client_check_cid(&with_cid(&[1, 2])).unwrap_err();
        assert_eq!(
            e.alert_to_send(),
            Some(AlertDescription::UNSUPPORTED_EXTENSION)
        );
        assert!(m.records.connection_ids().is_none());
    }

    #[test]
    fn client_offer_is_stable_and_answer_sets_both_cids() {
        let mut m = client(Some(5));
        let offered = m.local_cid().unwrap();
        assert_eq!(offered.len(), 5);
        assert_eq!(
            m.local_cid().unwrap(),
            offered,
            "same CID after HelloVerifyRequest"
        );
        m.client_check_cid(&Extensions::default()).unwrap();
        assert!(m.hs.cid.is_none(), "no answer: no CIDs");
        m.client_check_cid(&with_cid(&[9; 3])).unwrap();
        let ids = m.records.connection_ids().unwrap();
        assert_eq!((ids.own.clone(), ids.peer.clone()), (offered, vec![9; 3]));
    }
}
