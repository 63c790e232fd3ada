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

/// A server on an unconnected UDP socket (its datagram BIO takes each datagram's source as
/// the peer, as OpenSSL's does) follows a client that moved, but a forged datagram with the
/// right CID from elsewhere does not redirect it (RFC 9146 §6).
#[test]
fn unconnected_server_moves_only_on_authentic_datagrams() {
    use crate::ssl::bio::{SSL_get_rbio, SSL_set_fd};
    use crate::ssl::io::{SSL_do_handshake, SSL_read, SSL_write};
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;

    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    assert_eq!(rdtls_SSL_CTX_set_connection_id_len(sctx, 5), 1);
    assert_eq!(rdtls_SSL_CTX_set_connection_id_len(cctx, 0), 1);
    let srv_sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let saddr = srv_sock.local_addr().unwrap();
    let connected = || {
        let s = UdpSocket::bind("127.0.0.1:0").unwrap();
        s.connect(saddr).unwrap();
        s.set_nonblocking(true).unwrap();
        s
    };
    srv_sock.set_nonblocking(true).unwrap();
    let (a, b, attacker) = (connected(), connected(), connected());
    let client = SSL_new(cctx);
    let server = SSL_new(sctx);
    assert_eq!(SSL_set_fd(client, a.as_raw_fd()), 1);
    assert_eq!(SSL_set_fd(server, srv_sock.as_raw_fd()), 1);
    crate::ssl::ssl::SSL_set_connect_state(client);
    crate::ssl::ssl::SSL_set_accept_state(server);
    let (mut cr, mut sr) = (-1, -1);
    for _ in 0..2000 {
        if cr != 1 {
            cr = SSL_do_handshake(client);
        }
        if sr != 1 {
            sr = SSL_do_handshake(server);
        }
        if cr == 1 && sr == 1 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!((cr, sr), (1, 1), "errors: {:?}", take_errors());
    let sbio = SSL_get_rbio(server);
    let read = |want: &[u8]| {
        let mut buf = [0u8; 64];
        for _ in 0..2000 {
            let n = SSL_read(server, buf.as_mut_ptr().cast(), 64);
            if n > 0 {
                assert_eq!(&buf[..n as usize], want);
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        panic!("nothing read");
    };
    assert_eq!(SSL_write(client, b"one".as_ptr().cast(), 3), 3);
    read(b"one");
    assert_eq!(
        crate::host::bio_dgram_peer(sbio),
        Some(a.local_addr().unwrap())
    );

    // A forged tls12_cid record naming the server's CID, from another port.
    let cid = {
        let mut c = [0u8; 5];
        assert_eq!(rdtls_SSL_get_connection_id(server, c.as_mut_ptr(), 5), 5);
        c
    };
    let mut forged = vec![25, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0x10, 0];
    forged.extend_from_slice(&cid);
    forged.extend_from_slice(&[0, 40]);
    forged.extend_from_slice(&[0x33; 40]);
    attacker.send(&forged).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut buf = [0u8; 64];
    assert!(SSL_read(server, buf.as_mut_ptr().cast(), 64) <= 0);
    assert_eq!(
        crate::host::bio_dgram_peer(sbio),
        Some(a.local_addr().unwrap()),
        "a forged datagram does not move the association"
    );

    // The client really moves: the next authentic record moves the server's peer.
    assert_eq!(SSL_set_fd(client, b.as_raw_fd()), 1);
    assert_eq!(SSL_write(client, b"two".as_ptr().cast(), 3), 3);
    read(b"two");
    assert_eq!(
        crate::host::bio_dgram_peer(sbio),
        Some(b.local_addr().unwrap())
    );
    crate::error::clear();
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}
