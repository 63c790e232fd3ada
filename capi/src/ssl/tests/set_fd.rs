//! `SSL_set_fd` picks the BIO from the descriptor (issue 8 item 3): a connected UDP socket
//! gets a datagram BIO connected to its peer, a stream socket OpenSSL's socket BIO.
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::os::fd::AsRawFd;

use super::*;
use crate::ssl::bio::*;

const BIO_TYPE_SOCKET: c_int = 5 | 0x0400 | 0x0100;
const BIO_TYPE_DGRAM: c_int = 21 | 0x0400 | 0x0100;

fn client_ssl() -> (*mut SSL_CTX, *mut SSL) {
    let ctx = SSL_CTX_new(crate::ssl::method::DTLS_client_method());
    assert!(!ctx.is_null());
    let s = SSL_new(ctx);
    assert!(!s.is_null());
    (ctx, s)
}

#[test]
fn connected_udp_socket_gets_a_connected_datagram_bio() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.connect(peer.local_addr().unwrap()).unwrap();
    let (ctx, s) = client_ssl();
    assert_eq!(SSL_set_fd(s, sock.as_raw_fd()), 1);
    let w = SSL_get_wbio(s);
    assert_eq!(crate::host::bio_method_type(w), BIO_TYPE_DGRAM);
    assert_eq!(
        crate::host::bio_dgram_peer(w),
        Some(peer.local_addr().unwrap())
    );
    // A write goes to the connected peer (no sendto to an unset address).
    assert_eq!(crate::host::bio_write(w, b"ping"), 4);
    let mut buf = [0u8; 8];
    let (n, from) = peer.recv_from(&mut buf).unwrap();
    assert_eq!(
        (&buf[..n], from),
        (&b"ping"[..], sock.local_addr().unwrap())
    );
    SSL_free(s);
    SSL_CTX_free(ctx);
}

#[test]
fn unconnected_udp_socket_gets_a_datagram_bio_without_peer() {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (ctx, s) = client_ssl();
    assert_eq!(SSL_set_rfd(s, sock.as_raw_fd()), 1);
    assert_eq!(SSL_set_wfd(s, sock.as_raw_fd()), 1);
    let r = SSL_get_rbio(s);
    assert_eq!(crate::host::bio_method_type(r), BIO_TYPE_DGRAM);
    assert_eq!(crate::host::bio_dgram_peer(r), None);
    assert_eq!(SSL_get_wbio(s), r, "the same descriptor shares one BIO");
    SSL_free(s);
    SSL_CTX_free(ctx);
}

#[test]
fn stream_socket_gets_a_socket_bio() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let sock = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (ctx, s) = client_ssl();
    assert_eq!(SSL_set_fd(s, sock.as_raw_fd()), 1);
    assert_eq!(
        crate::host::bio_method_type(SSL_get_rbio(s)),
        BIO_TYPE_SOCKET
    );
    assert_eq!(SSL_get_fd(s), sock.as_raw_fd());
    SSL_free(s);
    SSL_CTX_free(ctx);
}
