//! Tests of `connect.rs` (kept apart so that file stays short).
use super::*;
use std::io::{Read, Write};

#[test]
fn host_and_service_split_as_openssl() {
    let p = |s| parse_hostserv(s);
    let hs = |h: &str, s: Option<&str>| Some((h.to_string(), s.map(str::to_string)));
    assert_eq!(p("127.0.0.1:4433"), hs("127.0.0.1", Some("4433")));
    assert_eq!(p("example.org:https"), hs("example.org", Some("https")));
    assert_eq!(p("localhost"), hs("localhost", None));
    assert_eq!(p("[::1]:443"), hs("::1", Some("443")));
    assert_eq!(p("[::1]"), hs("::1", None));
    assert_eq!(p("::1"), hs("::1", None));
    assert_eq!(p("[::1"), None);
    assert_eq!(p("[::1]x"), None);
}

fn get_str(b: *mut BIO, which: c_long) -> Option<String> {
    let mut p: *const c_char = std::ptr::null();
    crate::bio::ctrl(
        b,
        BIO_C_GET_CONNECT,
        which,
        (&mut p as *mut *const c_char).cast(),
    );
    // SAFETY: NULL or a string the BIO keeps alive.
    unsafe { p.as_ref() }.map(|_| unsafe { CStr::from_ptr(p) }.to_string_lossy().into())
}

#[test]
fn connects_reads_and_writes() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let target = CString::new(format!("127.0.0.1:{port}")).unwrap();
    let b = new_connect(target.as_ptr());
    assert!(!b.is_null());
    assert_eq!(get_str(b, 0).as_deref(), Some("127.0.0.1"));
    assert_eq!(get_str(b, 1), Some(port.to_string()));
    assert_eq!(
        crate::bio::ctrl(b, BIO_C_GET_FD, 0, std::ptr::null_mut()),
        -1
    );
    assert_eq!(
        crate::bio::ctrl(b, BIO_C_DO_STATE_MACHINE, 0, std::ptr::null_mut()),
        1
    );
    assert!(crate::bio::ctrl(b, BIO_C_GET_FD, 0, std::ptr::null_mut()) >= 0);
    assert_eq!(
        crate::bio::ctrl(b, BIO_C_GET_CONNECT, 3, std::ptr::null_mut()),
        4
    );
    let (mut peer, _) = l.accept().unwrap();
    assert_eq!(crate::bio::write(b, b"ping"), 4);
    let mut got = [0u8; 4];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ping");
    peer.write_all(b"pong").unwrap();
    let mut back = [0u8; 8];
    assert_eq!(crate::bio::read(b, &mut back), 4);
    assert_eq!(&back[..4], b"pong");
    drop(peer);
    assert_eq!(crate::bio::read(b, &mut back), 0);
    assert_eq!(
        crate::bio::ctrl(b, BIO_CTRL_EOF, 0, std::ptr::null_mut()),
        1
    );
    crate::bio::free(b);
}

#[test]
fn non_blocking_connect_reports_retry_then_connects() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let b = new_connect(std::ptr::null());
    let host = c"127.0.0.1";
    let port = CString::new(l.local_addr().unwrap().port().to_string()).unwrap();
    assert_eq!(
        crate::bio::ctrl(b, BIO_C_SET_CONNECT, 0, host.as_ptr() as *mut c_void),
        1
    );
    assert_eq!(
        crate::bio::ctrl(b, BIO_C_SET_CONNECT, 1, port.as_ptr() as *mut c_void),
        1
    );
    assert_eq!(
        crate::bio::ctrl(b, BIO_C_SET_NBIO, 1, std::ptr::null_mut()),
        1
    );
    let mut r = 0;
    for _ in 0..2000 {
        r = crate::bio::ctrl(b, BIO_C_DO_STATE_MACHINE, 0, std::ptr::null_mut());
        if r == 1 {
            break;
        }
        let bio = crate::bio::bio_ref(b).unwrap();
        assert!(bio.test_flags(BIO_FLAGS_SHOULD_RETRY) != 0, "failed: {r}");
        assert_eq!(bio.retry_reason.get(), BIO_RR_CONNECT);
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(r, 1);
    crate::bio::free(b);
}

#[test]
fn failures_are_reported() {
    crate::error::clear();
    let b = new_connect(std::ptr::null());
    assert_eq!(
        crate::bio::ctrl(b, BIO_C_DO_STATE_MACHINE, 0, std::ptr::null_mut()),
        -1
    );
    let e = crate::error::take_entry().unwrap();
    assert_eq!(e.reason(), BIO_R_NO_HOSTNAME_OR_SERVICE_SPECIFIED);
    let bad = c"[::1";
    assert_eq!(
        crate::bio::ctrl(b, BIO_C_SET_CONNECT, 0, bad.as_ptr() as *mut c_void),
        0
    );
    crate::error::clear();
    // A port nothing listens on: connect fails, with the system error and the BIO one.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed = CString::new(format!("127.0.0.1:{}", l.local_addr().unwrap().port()));
    drop(l);
    let closed = closed.unwrap();
    assert_eq!(
        crate::bio::ctrl(b, BIO_C_SET_CONNECT, 0, closed.as_ptr() as *mut c_void),
        1
    );
    assert_eq!(
        crate::bio::ctrl(b, BIO_C_DO_STATE_MACHINE, 0, std::ptr::null_mut()),
        -1
    );
    let mut reasons = Vec::new();
    while let Some(e) = crate::error::take_entry() {
        reasons.push(e.reason());
    }
    assert!(reasons.contains(&BIO_R_CONNECT_ERROR), "{reasons:?}");
    crate::bio::free(b);
}
