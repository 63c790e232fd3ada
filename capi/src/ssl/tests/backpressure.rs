//! `SSL_write` whose output cannot be written: as OpenSSL, -1 with SSL_ERROR_WANT_WRITE and
//! the same call succeeds once the BIO takes data again; a memory BIO simply grows. The
//! engine's bounded output queue (`rdtls::SendError::Full`) is never a failure here.
use super::*;
use crate::ssl::consts::*;
use crate::ssl::io::*;

#[allow(improper_ctypes)]
extern "C" {
    fn BIO_write(b: *mut BIO, data: *const c_void, dlen: c_int) -> c_int;
    fn BIO_s_mem() -> *const c_void;
    fn BIO_ctrl_pending(b: *mut BIO) -> usize;
}

fn connected() -> (Pair, *mut SSL_CTX, *mut SSL_CTX) {
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    (p, cctx, sctx)
}

/// Every record the server can read now, as (first byte, length).
fn read_all(ssl: *mut SSL) -> Vec<(u8, usize)> {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 20000];
    loop {
        let n = SSL_read(ssl, buf.as_mut_ptr().cast(), buf.len() as c_int);
        if n <= 0 {
            assert_eq!(SSL_get_error(ssl, n), SSL_ERROR_WANT_READ);
            return got;
        }
        got.push((buf[0], n as usize));
    }
}

/// Writes `msg` until it goes through, reading on the server in between; returns how many
/// WANT_WRITE answers came first.
fn write_retrying(p: &Pair, msg: &[u8], got: &mut Vec<(u8, usize)>) -> usize {
    let mut waits = 0;
    loop {
        let n = SSL_write(p.client, msg.as_ptr().cast(), msg.len() as c_int);
        if n == msg.len() as c_int {
            return waits;
        }
        assert_eq!(n, -1);
        assert_eq!(SSL_get_error(p.client, n), SSL_ERROR_WANT_WRITE);
        assert!(take_errors().is_empty(), "WANT_WRITE queues no error");
        waits += 1;
        assert!(
            waits < 10,
            "the server drained the BIO: the write must go through"
        );
        got.extend(read_all(p.server));
    }
}

#[test]
fn full_datagram_bio_is_want_write_then_retry() {
    let (p, cctx, sctx) = connected();
    // More records than the engine's queue bound fit in the pair's buffer: the C layer
    // writes each record out in its SSL_write, so the bound never shows.
    let msg = [7u8; 1200];
    let mut sent = 0;
    let n = loop {
        let n = SSL_write(p.client, msg.as_ptr().cast(), msg.len() as c_int);
        if n != msg.len() as c_int {
            break n;
        }
        sent += 1;
        assert!(sent < 100_000, "the pair's buffer is bounded");
    };
    assert!(
        sent > rdtls::transmit::MAX_QUEUED_DATAGRAMS,
        "{sent} records"
    );
    // Full: -1 / WANT_WRITE, no error, the connection lives.
    assert_eq!(n, -1);
    assert_eq!(SSL_get_error(p.client, n), SSL_ERROR_WANT_WRITE);
    assert!(take_errors().is_empty());
    // The peer reads; the same call then succeeds, and every record arrives once.
    let mut got = read_all(p.server);
    let waits = write_retrying(&p, &msg, &mut got);
    assert_eq!(
        waits, 0,
        "the record that met WANT_WRITE was queued: retry finishes it"
    );
    got.extend(read_all(p.server));
    assert_eq!(got.len(), sent + 1);
    assert!(got.iter().all(|&(b, n)| (b, n) == (7, 1200)));
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn engine_queue_full_is_want_write_not_failure() {
    let (p, cctx, sctx) = connected();
    // Fill the client's direction of the pair with junk datagrams (the server drops them:
    // not records) so that nothing more can be written...
    let junk = [0u8; 1000];
    // SAFETY: test calls of our own exported function on a live BIO.
    while unsafe { BIO_write(p.cbio, junk.as_ptr().cast(), junk.len() as c_int) } > 0 {}
    // ...and the engine's output queue to its bound behind it, as output the BIO could
    // not take would (the C layer itself keeps it shorter).
    // SAFETY: p.client is a live SSL of this library; no C call runs on it meanwhile.
    let ssl = unsafe { &*p.client };
    let mut queued = 0u32;
    loop {
        let mut conn = ssl.conn.borrow_mut();
        match conn.as_mut().expect("connection").send(&[1]) {
            Ok(()) => queued += 1,
            Err(e) => {
                assert_eq!(e, rdtls::SendError::Full);
                break;
            }
        }
    }
    assert_eq!(queued as usize, rdtls::transmit::MAX_QUEUED_DATAGRAMS);
    // SSL_write: the engine refuses, the BIO is full: WANT_WRITE, not SSL_ERROR_SSL.
    let msg = [2u8; 300];
    let n = SSL_write(p.client, msg.as_ptr().cast(), msg.len() as c_int);
    assert_eq!(n, -1);
    assert_eq!(SSL_get_error(p.client, n), SSL_ERROR_WANT_WRITE);
    assert!(take_errors().is_empty());
    assert_eq!(ssl.with_conn(|c| c.error().is_none()), Some(true));
    // The server drains the junk and the queued records as they come; the retried
    // SSL_write then goes through, after them.
    let mut got = read_all(p.server);
    write_retrying(&p, &msg, &mut got);
    got.extend(read_all(p.server));
    assert_eq!(got.len(), queued as usize + 1);
    assert!(got[..queued as usize].iter().all(|&r| r == (1, 1)));
    assert_eq!(got[queued as usize], (2, 300));
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn memory_bio_grows() {
    let (p, cctx, sctx) = connected();
    // SAFETY: test call of our own exported function.
    let mem = unsafe { BIO_new(BIO_s_mem()) };
    crate::ssl::bio::SSL_set0_wbio(p.client, mem);
    let msg = [3u8; 100];
    for _ in 0..1000 {
        assert_eq!(
            SSL_write(p.client, msg.as_ptr().cast(), msg.len() as c_int),
            100
        );
    }
    // SAFETY: live BIO.
    let pending = unsafe { BIO_ctrl_pending(mem) };
    assert!(pending >= 1000 * 100, "{pending} bytes in the memory BIO");
    drop(p);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}
