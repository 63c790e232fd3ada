use std::ffi::{c_char, c_int, c_long, c_void};
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant, SystemTime};

use super::addr::*;
use super::consts::*;
use super::exports::*;
use super::meth::*;
use super::*;

#[test]
fn mem_bio_read_write_and_eof_semantics() {
    let b = BIO_new(BIO_s_mem());
    assert_eq!(BIO_write(b, b"hello\nworld".as_ptr().cast(), 11), 11);
    assert_eq!(BIO_ctrl_pending(b), 11);
    let mut line = [0 as c_char; 32];
    assert_eq!(BIO_gets(b, line.as_mut_ptr(), 32), 6);
    let mut out = [0u8; 3];
    assert_eq!(BIO_read(b, out.as_mut_ptr().cast(), 3), 3);
    assert_eq!(&out, b"wor");
    let mut p: *mut c_char = std::ptr::null_mut();
    assert_eq!(
        BIO_ctrl(b, BIO_CTRL_INFO, 0, (&mut p as *mut *mut c_char).cast()),
        2
    );
    // SAFETY: BIO_get_mem_data points at the 2 remaining bytes.
    assert_eq!(
        unsafe { std::slice::from_raw_parts(p as *const u8, 2) },
        b"ld"
    );
    assert_eq!(BIO_read(b, out.as_mut_ptr().cast(), 3), 2);
    // Empty writable memory BIO: -1 with retry-read, as OpenSSL's default eof return.
    assert_eq!(BIO_read(b, out.as_mut_ptr().cast(), 3), -1);
    assert_ne!(BIO_test_flags(b, BIO_FLAGS_SHOULD_RETRY), 0);
    assert_ne!(BIO_test_flags(b, BIO_FLAGS_READ), 0);
    assert_eq!(
        BIO_ctrl(b, BIO_C_SET_BUF_MEM_EOF_RETURN, 0, std::ptr::null_mut()),
        1
    );
    assert_eq!(BIO_read(b, out.as_mut_ptr().cast(), 3), 0);
    assert_eq!(BIO_test_flags(b, BIO_FLAGS_SHOULD_RETRY), 0);
    assert_eq!(BIO_puts(b, b"abc\0".as_ptr().cast()), 3);
    assert_eq!(BIO_ctrl(b, BIO_CTRL_RESET, 0, std::ptr::null_mut()), 1);
    assert_eq!(BIO_ctrl_pending(b), 0);
    assert_eq!(BIO_free(b), 1);
}

#[test]
fn mem_buf_is_read_only() {
    crate::error::clear();
    let b = BIO_new_mem_buf(b"line1\nline2\n\0".as_ptr().cast(), -1);
    assert_eq!(BIO_ctrl_pending(b), 12);
    assert_eq!(BIO_write(b, b"x".as_ptr().cast(), 1), -1);
    assert_eq!(
        crate::error::take_entry().expect("error").reason(),
        crate::error::BIO_R_WRITE_TO_READ_ONLY_BIO
    );
    let mut buf = [0u8; 64];
    assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 64), 12);
    assert_eq!(
        BIO_read(b, buf.as_mut_ptr().cast(), 64),
        0,
        "a drained read-only buffer is EOF"
    );
    assert_eq!(BIO_ctrl(b, BIO_CTRL_RESET, 0, std::ptr::null_mut()), 1);
    assert_eq!(BIO_ctrl_pending(b), 12, "reset rewinds a read-only buffer");
    BIO_free(b);
}

#[test]
fn refcount_and_chain() {
    let a = BIO_new(BIO_s_mem());
    let b = BIO_new(BIO_s_null());
    assert_eq!(BIO_up_ref(a), 1);
    assert_eq!(BIO_free(a), 1);
    assert_eq!(BIO_push(a, b), a);
    assert_eq!(BIO_next(a), b);
    assert_eq!(BIO_find_type(a, BIO_TYPE_NULL), b);
    assert_eq!(BIO_pop(a), b);
    assert!(BIO_next(a).is_null());
    BIO_push(a, b);
    BIO_free_all(a);
    assert_eq!(BIO_free(std::ptr::null_mut()), 0);
}

#[test]
fn dgram_pair_keeps_datagram_boundaries() {
    let (mut b1, mut b2) = (std::ptr::null_mut(), std::ptr::null_mut());
    assert_eq!(BIO_new_bio_dgram_pair(&mut b1, 100, &mut b2, 0), 1);
    assert_eq!(BIO_method_type(b1), BIO_TYPE_DGRAM_PAIR);
    assert_eq!(BIO_write(b1, b"one".as_ptr().cast(), 3), 3);
    assert_eq!(BIO_write(b1, b"second".as_ptr().cast(), 6), 6);
    assert_eq!(
        BIO_ctrl_pending(b2),
        3,
        "pending is the next datagram's size"
    );
    assert_eq!(BIO_ctrl_wpending(b1), 9);
    assert_eq!(BIO_ctrl_get_write_guarantee(b1), 91);
    let mut buf = [0u8; 64];
    assert_eq!(BIO_read(b2, buf.as_mut_ptr().cast(), 64), 3);
    assert_eq!(&buf[..3], b"one");
    // A short read truncates the datagram, like UDP.
    assert_eq!(BIO_read(b2, buf.as_mut_ptr().cast(), 2), 2);
    assert_eq!(BIO_read(b2, buf.as_mut_ptr().cast(), 64), -1);
    assert_ne!(
        BIO_test_flags(b2, BIO_FLAGS_SHOULD_RETRY | BIO_FLAGS_READ),
        0
    );
    // The buffer limit makes writes retry.
    assert_eq!(BIO_write(b1, [0u8; 60].as_ptr().cast(), 60), 60);
    assert_eq!(BIO_write(b1, [0u8; 60].as_ptr().cast(), 60), -1);
    assert_ne!(
        BIO_test_flags(b1, BIO_FLAGS_SHOULD_RETRY | BIO_FLAGS_WRITE),
        0
    );
    // The other direction is independent.
    assert_eq!(BIO_write(b2, b"back".as_ptr().cast(), 4), 4);
    assert_eq!(BIO_read(b1, buf.as_mut_ptr().cast(), 64), 4);
    assert_eq!(
        BIO_ctrl(b1, BIO_CTRL_DGRAM_GET_MTU, 0, std::ptr::null_mut()),
        super::pair::DEFAULT_PAIR_MTU
    );
    // Freeing one end: the other sees EOF after draining, and writes fail.
    BIO_free(b1);
    assert_eq!(BIO_read(b2, buf.as_mut_ptr().cast(), 64), 60);
    assert_eq!(BIO_read(b2, buf.as_mut_ptr().cast(), 64), 0);
    crate::error::clear();
    assert_eq!(BIO_write(b2, b"x".as_ptr().cast(), 1), -1);
    crate::error::clear();
    BIO_free(b2);
}

struct Custom {
    written: Vec<u8>,
    created: bool,
}

unsafe extern "C" fn c_create(b: *mut BIO) -> c_int {
    let st = Box::into_raw(Box::new(Custom {
        written: Vec::new(),
        created: true,
    }));
    BIO_set_data(b, st.cast());
    BIO_set_init(b, 1);
    1
}
unsafe extern "C" fn c_destroy(b: *mut BIO) -> c_int {
    // SAFETY: the state was made in c_create.
    drop(unsafe { Box::from_raw(BIO_get_data(b) as *mut Custom) });
    1
}
unsafe extern "C" fn c_write(b: *mut BIO, data: *const c_char, n: c_int) -> c_int {
    // SAFETY: state from c_create; data readable for n bytes.
    let st = unsafe { &mut *(BIO_get_data(b) as *mut Custom) };
    assert!(st.created);
    st.written
        .extend_from_slice(unsafe { std::slice::from_raw_parts(data as *const u8, n as usize) });
    n
}
unsafe extern "C" fn c_read(b: *mut BIO, _buf: *mut c_char, _n: c_int) -> c_int {
    BIO_clear_flags(b, BIO_FLAGS_RWS | BIO_FLAGS_SHOULD_RETRY);
    BIO_set_flags(b, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY);
    -1
}
unsafe extern "C" fn c_ctrl(b: *mut BIO, cmd: c_int, _l: c_long, _p: *mut c_void) -> c_long {
    // SAFETY: state from c_create.
    let st = unsafe { &*(BIO_get_data(b) as *mut Custom) };
    match cmd {
        BIO_CTRL_WPENDING => st.written.len() as c_long,
        BIO_CTRL_FLUSH => 1,
        _ => 0,
    }
}

#[test]
fn custom_method() {
    let t = BIO_get_new_index();
    assert!(t > BIO_TYPE_START);
    let m = BIO_meth_new(t | BIO_TYPE_SOURCE_SINK, b"test method\0".as_ptr().cast());
    assert_eq!(BIO_meth_set_create(m, Some(c_create)), 1);
    assert_eq!(BIO_meth_set_destroy(m, Some(c_destroy)), 1);
    assert_eq!(BIO_meth_set_write(m, Some(c_write)), 1);
    assert_eq!(BIO_meth_set_read(m, Some(c_read)), 1);
    assert_eq!(BIO_meth_set_ctrl(m, Some(c_ctrl)), 1);
    // Built-in methods cannot be modified.
    assert_eq!(
        BIO_meth_set_write(BIO_s_mem() as *mut BIO_METHOD, Some(c_write)),
        0
    );
    let b = BIO_new(m);
    assert_eq!(BIO_method_type(b), t | BIO_TYPE_SOURCE_SINK);
    assert_eq!(BIO_write(b, b"abc".as_ptr().cast(), 3), 3);
    assert_eq!(
        BIO_puts(b, b"de\0".as_ptr().cast()),
        2,
        "puts falls back to write"
    );
    assert_eq!(BIO_ctrl_wpending(b), 5);
    let mut buf = [0u8; 4];
    assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 4), -1);
    assert_ne!(BIO_test_flags(b, BIO_FLAGS_SHOULD_RETRY), 0);
    crate::error::clear();
    assert_eq!(
        BIO_gets(b, buf.as_mut_ptr().cast(), 4),
        -2,
        "no gets callback"
    );
    crate::error::clear();
    BIO_free(b);
    BIO_meth_free(m);
}

#[test]
fn uninitialised_custom_bio_refuses_io() {
    let m = BIO_meth_new(BIO_get_new_index(), std::ptr::null());
    BIO_meth_set_write(m, Some(c_write));
    let b = BIO_new(m);
    crate::error::clear();
    assert_eq!(BIO_write(b, b"x".as_ptr().cast(), 1), -1);
    assert_eq!(
        crate::error::take_entry().expect("err").reason(),
        crate::error::BIO_R_UNINITIALIZED
    );
    BIO_free(b);
    BIO_meth_free(m);
}

fn udp_pair() -> (UdpSocket, UdpSocket) {
    let a = UdpSocket::bind("127.0.0.1:0").expect("bind");
    let b = UdpSocket::bind("127.0.0.1:0").expect("bind");
    (a, b)
}

#[test]
fn dgram_bio_records_peer_and_replies() {
    let (server, client) = udp_pair();
    let b = BIO_new_dgram(server.as_raw_fd(), BIO_NOCLOSE);
    client
        .send_to(b"ping", server.local_addr().expect("addr"))
        .expect("send");
    let mut buf = [0u8; 64];
    assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 64), 4);
    let peer = crate::host::bio_dgram_peer(b).expect("peer recorded");
    assert_eq!(peer, client.local_addr().expect("addr"));
    let mut addr = BIO_ADDR::zeroed();
    assert_eq!(
        BIO_ctrl(
            b,
            BIO_CTRL_DGRAM_GET_PEER,
            0,
            (&mut addr as *mut BIO_ADDR).cast()
        ),
        16
    );
    assert_eq!(BIO_ADDR_family(&addr), libc::AF_INET);
    assert_eq!(u16::from_be(BIO_ADDR_rawport(&addr)), peer.port());
    assert_eq!(BIO_write(b, b"pong".as_ptr().cast(), 4), 4);
    let (n, from) = client.recv_from(&mut buf).expect("recv");
    assert_eq!(
        (&buf[..n], from),
        (&b"pong"[..], server.local_addr().expect("addr"))
    );
    assert_eq!(
        BIO_ctrl(b, BIO_CTRL_DGRAM_GET_MTU_OVERHEAD, 0, std::ptr::null_mut()),
        28
    );
    assert_eq!(
        BIO_ctrl(b, BIO_CTRL_DGRAM_SET_MTU, 1200, std::ptr::null_mut()),
        1200
    );
    assert_eq!(
        BIO_ctrl(b, BIO_CTRL_DGRAM_GET_MTU, 0, std::ptr::null_mut()),
        1200
    );
    assert_eq!(
        BIO_ctrl(b, BIO_CTRL_DGRAM_GET_FALLBACK_MTU, 0, std::ptr::null_mut()),
        548
    );
    let mut fd: c_int = -1;
    assert_eq!(
        BIO_ctrl(b, BIO_C_GET_FD, 0, (&mut fd as *mut c_int).cast()),
        server.as_raw_fd() as c_long
    );
    assert_eq!(fd, server.as_raw_fd());
    BIO_free(b);
}

#[test]
fn dgram_blocking_read_returns_at_next_timeout() {
    let (server, _client) = udp_pair();
    // The application's own timeout is long; the retransmission deadline is 100 ms away.
    server
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let b = BIO_new_dgram(server.as_raw_fd(), BIO_NOCLOSE);
    crate::host::bio_dgram_set_next_timeout(
        b,
        Some(SystemTime::now() + Duration::from_millis(100)),
    );
    let start = Instant::now();
    let mut buf = [0u8; 16];
    assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 16), -1);
    let waited = start.elapsed();
    assert!(waited < Duration::from_secs(2), "read waited {waited:?}");
    assert!(BIO_test_flags(b, BIO_FLAGS_SHOULD_RETRY) != 0);
    assert!(crate::host::bio_dgram_recv_timedout(b));
    assert!(!crate::host::bio_dgram_recv_timedout(b), "reported once");
    // The application's SO_RCVTIMEO is restored.
    assert_eq!(
        server.read_timeout().expect("get"),
        Some(Duration::from_secs(5))
    );
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    assert_eq!(
        BIO_ctrl(
            b,
            BIO_CTRL_DGRAM_GET_RECV_TIMEOUT,
            0,
            (&mut tv as *mut libc::timeval).cast()
        ),
        16
    );
    assert_eq!(tv.tv_sec, 5);
    BIO_free(b);
}

#[test]
fn dgram_connected_uses_send() {
    let (server, client) = udp_pair();
    client
        .connect(server.local_addr().expect("addr"))
        .expect("connect");
    let b = BIO_new_dgram(client.as_raw_fd(), BIO_NOCLOSE);
    let peer = BIO_ADDR::from_socket_addr(&server.local_addr().expect("addr"));
    assert_eq!(
        BIO_ctrl(
            b,
            BIO_CTRL_DGRAM_SET_CONNECTED,
            0,
            (&peer as *const BIO_ADDR as *mut BIO_ADDR).cast()
        ),
        1
    );
    assert_eq!(BIO_write(b, b"hi".as_ptr().cast(), 2), 2);
    let mut buf = [0u8; 8];
    assert_eq!(server.recv(&mut buf).expect("recv"), 2);
    assert!(BIO_ctrl(b, BIO_CTRL_DGRAM_QUERY_MTU, 0, std::ptr::null_mut()) > 0);
    BIO_free(b);
}

#[test]
fn fd_bio_and_close_flag() {
    let mut fds = [0 as c_int; 2];
    // SAFETY: fds has room for two descriptors.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    let r = BIO_new_fd(fds[0], BIO_CLOSE);
    let w = BIO_new_fd(fds[1], BIO_CLOSE);
    assert_eq!(BIO_write(w, b"data".as_ptr().cast(), 4), 4);
    let mut buf = [0u8; 8];
    assert_eq!(BIO_read(r, buf.as_mut_ptr().cast(), 8), 4);
    BIO_free(w);
    assert_eq!(
        BIO_read(r, buf.as_mut_ptr().cast(), 8),
        0,
        "EOF once the writer closed"
    );
    BIO_free(r);
}

#[test]
fn bio_addr_rawmake() {
    let a = BIO_ADDR_new();
    assert_eq!(BIO_ADDR_family(a), libc::AF_UNSPEC);
    let ip = [127u8, 0, 0, 1];
    assert_eq!(
        BIO_ADDR_rawmake(a, libc::AF_INET, ip.as_ptr().cast(), 4, 4433u16.to_be()),
        1
    );
    let mut out = [0u8; 16];
    let mut len = 0usize;
    assert_eq!(BIO_ADDR_rawaddress(a, out.as_mut_ptr().cast(), &mut len), 1);
    assert_eq!(
        (&out[..len], u16::from_be(BIO_ADDR_rawport(a))),
        (&ip[..], 4433)
    );
    assert_eq!(
        BIO_ADDR_rawmake(a, libc::AF_INET, ip.as_ptr().cast(), 3, 1),
        0
    );
    BIO_ADDR_clear(a);
    assert_eq!(BIO_ADDR_family(a), libc::AF_UNSPEC);
    BIO_ADDR_free(a);
}

/// Issue 12 item 4: a flight's datagrams leave in one sendmmsg, each a datagram of its own,
/// in order, to the recorded peer; kinds without a batch path send none (the caller then
/// writes them one by one).
#[test]
fn dgram_write_batch_sends_each_datagram_in_order() {
    let (server, client) = udp_pair();
    let b = BIO_new_dgram(server.as_raw_fd(), BIO_NOCLOSE);
    client
        .send_to(b"hello", server.local_addr().expect("addr"))
        .expect("send");
    let mut buf = [0u8; 2048];
    assert_eq!(BIO_read(b, buf.as_mut_ptr().cast(), 2048), 5);
    let big = vec![7u8; 1200];
    let flight: [&[u8]; 3] = [&big, b"second", b"third datagram"];
    assert_eq!(write_batch(b, &flight), 3);
    client
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    for want in flight {
        let (n, from) = client.recv_from(&mut buf).expect("recv");
        assert_eq!(&buf[..n], want);
        assert_eq!(from, server.local_addr().expect("addr"));
    }
    let total = (1200 + 6 + 14) as u64;
    assert_eq!(BIO_number_written(b), total);
    // One datagram is not a batch: the caller's single write path sends it.
    assert_eq!(write_batch(b, &flight[..1]), 0);
    BIO_free(b);
    let m = BIO_new(BIO_s_mem());
    assert_eq!(write_batch(m, &flight), 0, "memory BIO: no batch path");
    assert_eq!(BIO_ctrl_pending(m), 0);
    BIO_free(m);
}
