//! Connection IDs through the C API (`include/rdtls/cid.h`).
use super::*;
use crate::ssl::cid::*;

fn cid_of(get: extern "C" fn(*const SSL, *mut u8, usize) -> c_int, s: *mut SSL) -> Option<Vec<u8>> {
    let n = get(s, std::ptr::null_mut(), 0);
    let mut buf = vec![0u8; usize::try_from(n).ok()?];
    assert_eq!(get(s, buf.as_mut_ptr(), buf.len()), n);
    Some(buf)
}

#[test]
fn negotiated_by_ctx_and_per_ssl_settings() {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    assert_eq!(rdtls_SSL_CTX_set_connection_id_len(sctx, 8), 1);
    assert_eq!(rdtls_SSL_CTX_set_connection_id_len(cctx, 256), 0);
    assert!(!take_errors().is_empty(), "an error is queued");
    let p = Pair::new(cctx, sctx);
    assert_eq!(rdtls_SSL_set_connection_id(p.client, b"abc".as_ptr(), 3), 1);
    assert_eq!(
        rdtls_SSL_cid_negotiated(p.client),
        0,
        "not before the handshake"
    );
    assert_eq!(cid_of(rdtls_SSL_get_connection_id, p.client), None);
    let (cr, sr) = p.handshake();
    assert_eq!((cr, sr), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(rdtls_SSL_cid_negotiated(p.client), 1);
    assert_eq!(rdtls_SSL_cid_negotiated(p.server), 1);
    let client_own = cid_of(rdtls_SSL_get_connection_id, p.client).unwrap();
    let server_own = cid_of(rdtls_SSL_get_connection_id, p.server).unwrap();
    assert_eq!(client_own, b"abc");
    assert_eq!(server_own.len(), 8);
    assert_eq!(
        cid_of(rdtls_SSL_get_peer_connection_id, p.client).unwrap(),
        server_own
    );
    assert_eq!(
        cid_of(rdtls_SSL_get_peer_connection_id, p.server).unwrap(),
        client_own
    );
    // A short buffer: -1 and an error; too late to change the CID.
    let mut small = [0u8; 7];
    assert_eq!(
        rdtls_SSL_get_connection_id(p.server, small.as_mut_ptr(), 7),
        -1
    );
    assert_eq!(rdtls_SSL_set_connection_id_len(p.client, 4), 0);
    assert_eq!(take_errors().len(), 2);
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn only_one_side_means_none() {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    assert_eq!(rdtls_SSL_CTX_set_connection_id_len(cctx, 0), 1);
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1));
    assert_eq!(rdtls_SSL_cid_negotiated(p.client), 0);
    assert_eq!(
        rdtls_SSL_get_peer_connection_id(p.client, std::ptr::null_mut(), 0),
        -1
    );
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn datagram_helper_and_bad_arguments() {
    crate::error::clear();
    let mut dg = vec![25, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 1, 9, 8, 7, 0, 0];
    let mut out = [0u8; 3];
    let f = rdtls_DTLS_get_datagram_connection_id;
    assert_eq!(f(dg.as_ptr(), dg.len(), 3, out.as_mut_ptr(), 3), 3);
    assert_eq!(out, [9, 8, 7]);
    assert_eq!(f(dg.as_ptr(), dg.len(), 3, out.as_mut_ptr(), 2), -1);
    assert_eq!(f(dg.as_ptr(), dg.len(), 0, out.as_mut_ptr(), 3), 0);
    dg[0] = 23;
    assert_eq!(f(dg.as_ptr(), dg.len(), 3, out.as_mut_ptr(), 3), 0);
    assert_eq!(f(std::ptr::null(), 5, 3, out.as_mut_ptr(), 3), -1);
    assert_eq!(rdtls_SSL_CTX_set_connection_id_len(null_mut(), 4), 0);
    assert_eq!(rdtls_SSL_cid_negotiated(std::ptr::null()), 0);
    assert_eq!(rdtls_SSL_cid_peer_moved_ok(std::ptr::null()), 0);
    assert_eq!(
        rdtls_SSL_set_connection_id(null_mut(), std::ptr::null(), 0),
        0
    );
    assert!(take_errors().len() >= 4);
}
