//! The retransmission timer as non-blocking programs see it.
use super::*;
use crate::ssl::consts::*;
use crate::ssl::io::*;

unsafe extern "C" fn fast_timer(_s: *mut SSL, _prev_us: std::ffi::c_uint) -> std::ffi::c_uint {
    2000
}

fn get_timeout(s: *mut SSL) -> (c_long, std::time::Duration) {
    let mut tv = libc::timeval {
        tv_sec: 0,
        tv_usec: 0,
    };
    let r = crate::ssl::ctrl::SSL_ctrl(
        s,
        DTLS_CTRL_GET_TIMEOUT,
        0,
        (&mut tv as *mut libc::timeval).cast(),
    );
    let d = std::time::Duration::from_secs(tv.tv_sec as u64)
        + std::time::Duration::from_micros(tv.tv_usec as u64);
    (r, d)
}

fn handle_timeout(s: *mut SSL) -> c_long {
    crate::ssl::ctrl::SSL_ctrl(s, DTLS_CTRL_HANDLE_TIMEOUT, 0, null_mut())
}

#[test]
fn lost_flight_is_retransmitted_then_the_handshake_gives_up() {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(None);
    let p = Pair::new(cctx, sctx);
    // Default timer: about a second before the first retransmission.
    assert_eq!(SSL_do_handshake(p.client), -1);
    let (r, left) = get_timeout(p.client);
    assert_eq!(r, 1);
    assert!(
        left > std::time::Duration::from_millis(500) && left <= std::time::Duration::from_secs(1),
        "{left:?}"
    );
    assert_eq!(handle_timeout(p.client), 0, "not due yet");
    assert!(bio_take(p.sbio).is_some(), "the ClientHello went out");
    assert!(bio_take(p.sbio).is_none());
    drop(p);

    // A short timer through DTLS_set_timer_cb (on the server, whose first flight starts
    // after the callback is installed): each expiry retransmits the flight.
    let p = Pair::new(cctx, sctx);
    crate::ssl::timer::DTLS_set_timer_cb(p.server, Some(fast_timer));
    assert_eq!(SSL_do_handshake(p.client), -1);
    assert_eq!(SSL_do_handshake(p.server), -1);
    assert!(
        bio_take(p.cbio).is_some(),
        "the server's flight went out (and is lost)"
    );
    let (srv, lost) = (p.server, p.cbio);
    let mut retransmits = 0;
    let mut gave_up = false;
    for _ in 0..100 {
        std::thread::sleep(std::time::Duration::from_millis(3));
        let (r, left) = get_timeout(srv);
        assert_eq!(r, 1);
        assert_eq!(left, std::time::Duration::ZERO, "due after the sleep");
        match handle_timeout(srv) {
            1 => {
                retransmits += 1;
                assert!(bio_take(lost).is_some(), "a retransmitted flight");
            }
            -1 => {
                gave_up = true;
                break;
            }
            other => panic!("handle_timeout returned {other}"),
        }
    }
    assert!(gave_up, "the handshake must give up");
    assert!(retransmits >= 3, "{retransmits}");
    let errs = take_errors();
    assert!(
        errs.iter().any(
            |(r, d)| *r == crate::error::ssl_reasons::SSL_R_READ_TIMEOUT_EXPIRED
                && d.contains("handshake timed out")
        ),
        "{errs:?}"
    );
    // Later calls keep failing with the stored reason.
    assert_eq!(SSL_do_handshake(srv), -1);
    assert_eq!(SSL_get_error(srv, -1), SSL_ERROR_SSL);
    take_errors();
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn timer_stops_once_the_handshake_completed() {
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    // 1.2: the client's last flight needs no ACK (on 1.3 its timer runs until the
    // server's ACK, RFC 9147 §5.8).
    let cctx = max12(client_ctx(None));
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1));
    assert_eq!(get_timeout(p.client).0, 0, "client timer stopped");
    assert_eq!(handle_timeout(p.client), 0);
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}
