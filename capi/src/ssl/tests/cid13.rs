//! Connection IDs on DTLS 1.3 through the C API (`include/rdtls/cid.h`, RFC 9147 §9): the
//! same setters and getters as on 1.2, the datagram helper on a unified header, and the
//! 1.3-only updates (request spares, switch to one, issue ours).
use super::dtls13::send;
use super::*;
use crate::ssl::cid::*;
use crate::ssl::consts::*;
use crate::ssl::ctrl::SSL_CTX_ctrl;
use crate::ssl::io::{SSL_read, SSL_write};

#[allow(improper_ctypes)]
extern "C" {
    fn BIO_write(b: *mut BIO, data: *const c_void, dlen: c_int) -> c_int;
}

fn cid_of(get: extern "C" fn(*const SSL, *mut u8, usize) -> c_int, s: *mut SSL) -> Vec<u8> {
    let n = get(s, std::ptr::null_mut(), 0);
    let mut buf = vec![0u8; usize::try_from(n).expect("negotiated")];
    assert_eq!(get(s, buf.as_mut_ptr(), buf.len()), n);
    buf
}

fn max13(ctx: *mut SSL_CTX) {
    let v = c_long::from(DTLS1_3_VERSION);
    assert_eq!(
        SSL_CTX_ctrl(ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, v, null_mut()),
        1
    );
}

#[test]
fn cids_on_13_getters_helper_and_updates() {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    max13(sctx);
    max13(cctx);
    assert_eq!(rdtls_SSL_CTX_set_connection_id_len(sctx, 8), 1);
    assert_eq!(rdtls_SSL_CTX_set_connection_id_len(cctx, 4), 1);
    let p = Pair::new(cctx, sctx);
    assert_eq!(rdtls_SSL_request_connection_ids(p.client, 1), 0);
    assert_eq!(
        take_errors()[0].0,
        crate::error::ssl_reasons::SSL_R_WRONG_SSL_VERSION
    );
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(crate::ssl::info::SSL_version(p.client), DTLS1_3_VERSION);
    assert_eq!(rdtls_SSL_cid_negotiated(p.client), 1);
    assert_eq!(rdtls_SSL_cid_negotiated(p.server), 1);
    let server_own = cid_of(rdtls_SSL_get_connection_id, p.server);
    let client_own = cid_of(rdtls_SSL_get_connection_id, p.client);
    assert_eq!((server_own.len(), client_own.len()), (8, 4));
    assert_eq!(
        cid_of(rdtls_SSL_get_peer_connection_id, p.client),
        server_own
    );
    assert_eq!(
        cid_of(rdtls_SSL_get_peer_connection_id, p.server),
        client_own
    );

    // The helper finds the server's CID in the client's next record (unified header).
    assert_eq!(SSL_write(p.client, b"one".as_ptr().cast(), 3), 3);
    let dg = bio_take(p.sbio).expect("a datagram to the server");
    assert_eq!(dg[0] & 0xf0, 0x30, "unified header with the C bit");
    let mut out = [0u8; 8];
    assert_eq!(
        rdtls_DTLS_get_datagram_connection_id(dg.as_ptr(), dg.len(), 8, out.as_mut_ptr(), 8),
        8
    );
    assert_eq!(out.to_vec(), server_own);
    // Handed back to the server (bio_take consumed it from the pair).
    // SAFETY: test call of our own BIO_write on the client's BIO end.
    let w = unsafe { BIO_write(p.cbio, dg.as_ptr().cast(), dg.len() as c_int) };
    assert_eq!(w, dg.len() as c_int);
    let mut buf = [0u8; 16];
    let mut n = -1;
    for _ in 0..5 {
        n = SSL_read(p.server, buf.as_mut_ptr().cast(), 16);
        if n > 0 {
            break;
        }
    }
    assert_eq!(&buf[..n.max(0) as usize], b"one");
    assert_eq!(
        rdtls_SSL_cid_peer_moved_ok(p.server),
        1,
        "authentic, newest"
    );

    // RequestConnectionId: refused while our last flight awaits its ACK (retry after
    // traffic), then answered with spares.
    assert_eq!(rdtls_SSL_request_connection_ids(p.client, 0), 0);
    assert_eq!(rdtls_SSL_issue_connection_ids(p.client, 5, 0), 0);
    crate::error::clear();
    let mut asked = false;
    for i in 0..10 {
        send(p.server, p.client, b"tick");
        send(p.client, p.server, b"tock");
        if rdtls_SSL_request_connection_ids(p.client, 2) == 1 {
            asked = true;
            break;
        }
        assert!(i < 9, "still refused: {:?}", take_errors());
        crate::error::clear();
    }
    assert!(asked);
    for _ in 0..10 {
        send(p.client, p.server, b"more up");
        send(p.server, p.client, b"more down");
        if rdtls_SSL_get_spare_connection_id_count(p.client) == 2 {
            break;
        }
    }
    assert_eq!(rdtls_SSL_get_spare_connection_id_count(p.client), 2);
    assert_eq!(rdtls_SSL_use_spare_connection_id(p.client), 1);
    let new_peer = cid_of(rdtls_SSL_get_peer_connection_id, p.client);
    assert_ne!(new_peer, server_own);
    assert_eq!(new_peer.len(), 8);
    send(p.client, p.server, b"via spare");
    assert_eq!(cid_of(rdtls_SSL_get_connection_id, p.server), new_peer);

    // The server hands the client a CID to use at once.
    let mut issued = false;
    for _ in 0..10 {
        if rdtls_SSL_issue_connection_ids(p.server, 1, 1) == 1 {
            issued = true;
            break;
        }
        crate::error::clear();
        send(p.client, p.server, b"tick");
        send(p.server, p.client, b"tock");
    }
    assert!(issued, "{:?}", take_errors());
    for _ in 0..10 {
        send(p.server, p.client, b"x");
        send(p.client, p.server, b"y");
        if cid_of(rdtls_SSL_get_peer_connection_id, p.client) != new_peer {
            break;
        }
    }
    let latest = cid_of(rdtls_SSL_get_peer_connection_id, p.client);
    assert_ne!(
        latest, new_peer,
        "cid_immediate switched the client's records"
    );
    send(p.client, p.server, b"last");
    assert_eq!(cid_of(rdtls_SSL_get_connection_id, p.server), latest);
    crate::error::clear();
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

/// On DTLS 1.2 the updates are refused with SSL_R_WRONG_SSL_VERSION, the getters work.
#[test]
fn updates_refused_on_12() {
    crate::error::clear();
    // A 1.2-only server: the 1.3-capable client falls back to 1.2.
    let sctx = max12(server_ctx("server-ecdsa.pem", "server-ecdsa.key"));
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    max13(cctx);
    assert_eq!(rdtls_SSL_CTX_set_connection_id_len(sctx, 3), 1);
    assert_eq!(rdtls_SSL_CTX_set_connection_id_len(cctx, 3), 1);
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(crate::ssl::info::SSL_version(p.client), 0xFEFD);
    assert_eq!(
        cid_of(rdtls_SSL_get_peer_connection_id, p.server),
        cid_of(rdtls_SSL_get_connection_id, p.client),
        "the dual client's 1.2 fallback kept the CID it offered"
    );
    assert_eq!(rdtls_SSL_request_connection_ids(p.client, 1), 0);
    assert_eq!(rdtls_SSL_issue_connection_ids(p.client, 1, 0), 0);
    let errs = take_errors();
    assert_eq!(errs.len(), 2);
    assert!(errs
        .iter()
        .all(|e| e.0 == crate::error::ssl_reasons::SSL_R_WRONG_SSL_VERSION));
    assert_eq!(rdtls_SSL_use_spare_connection_id(p.client), 0);
    assert_eq!(rdtls_SSL_get_spare_connection_id_count(p.client), 0);
    assert_eq!(rdtls_SSL_request_connection_ids(null_mut(), 1), 0);
    crate::error::clear();
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}
