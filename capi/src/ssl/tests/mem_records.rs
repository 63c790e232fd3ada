//! Records over memory BIOs (`BIO_s_mem`), where `SSL_write` seals straight into the write
//! BIO's buffer and `SSL_read` decrypts the read BIO's buffer where it is (issue 12): the
//! BIOs must look exactly as after the `BIO_write` / `BIO_read` they replace (contents,
//! byte counters, retry flags), and `SSL_read` / `SSL_pending` keep OpenSSL's semantics.
//! Both versions: DTLS 1.2 takes the direct paths, DTLS 1.3 the queued one.
use super::*;
use crate::ssl::consts::*;
use crate::ssl::io::*;

#[allow(improper_ctypes)]
extern "C" {
    fn BIO_write(b: *mut BIO, data: *const c_void, dlen: c_int) -> c_int;
    fn BIO_s_mem() -> *const c_void;
    fn BIO_ctrl_pending(b: *mut BIO) -> usize;
    fn BIO_number_read(b: *mut BIO) -> u64;
    fn BIO_number_written(b: *mut BIO) -> u64;
    fn BIO_new_mem_buf(buf: *const c_void, len: c_int) -> *mut BIO;
    fn BIO_test_flags(b: *const BIO, flags: c_int) -> c_int;
}

const BIO_FLAGS_SHOULD_RETRY: c_int = 0x08;

/// A connected pair (DTLS 1.2 when `v12`, else 1.3) moved onto memory BIOs: the client
/// writes into `cw`, the server reads from `sr`.
struct MemPair {
    p: Pair,
    cctx: *mut SSL_CTX,
    sctx: *mut SSL_CTX,
    cw: *mut BIO,
    sr: *mut BIO,
}

impl MemPair {
    fn new(v12: bool) -> MemPair {
        crate::error::clear();
        let mut sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
        let mut cctx = client_ctx(Some("ca-ecdsa.pem"));
        if v12 {
            sctx = max12(sctx);
            cctx = max12(cctx);
        }
        let p = Pair::new(cctx, sctx);
        assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
        let version = crate::ssl::info::SSL_version(p.client);
        assert_eq!(version == DTLS1_2_VERSION, v12, "version {version:#x}");
        // SAFETY: test calls of our own exported functions.
        let (cr, cw, sr, sw) = unsafe {
            (
                BIO_new(BIO_s_mem()),
                BIO_new(BIO_s_mem()),
                BIO_new(BIO_s_mem()),
                BIO_new(BIO_s_mem()),
            )
        };
        crate::ssl::bio::SSL_set_bio(p.client, cr, cw);
        crate::ssl::bio::SSL_set_bio(p.server, sr, sw);
        MemPair {
            p,
            cctx,
            sctx,
            cw,
            sr,
        }
    }

    fn write(&self, msg: &[u8]) {
        let n = SSL_write(self.p.client, msg.as_ptr().cast(), msg.len() as c_int);
        assert_eq!(n, msg.len() as c_int, "errors: {:?}", take_errors());
    }

    /// Everything the client wrote, moved to the server's read BIO in one `BIO_write`.
    fn move_all(&self) -> usize {
        let bytes = bio_take(self.cw).expect("the client wrote records");
        // SAFETY: test call; bytes is readable.
        let n = unsafe { BIO_write(self.sr, bytes.as_ptr().cast(), bytes.len() as c_int) };
        assert_eq!(n, bytes.len() as c_int);
        bytes.len()
    }

    fn read(&self, len: usize) -> c_int {
        let mut buf = vec![0u8; len];
        SSL_read(self.p.server, buf.as_mut_ptr().cast(), len as c_int)
    }

    fn read_bytes(&self, len: usize) -> Vec<u8> {
        let mut buf = vec![0u8; len];
        let n = SSL_read(self.p.server, buf.as_mut_ptr().cast(), len as c_int);
        assert!(n > 0, "SSL_read {n}, errors: {:?}", take_errors());
        buf.truncate(n as usize);
        buf
    }
}

impl Drop for MemPair {
    fn drop(&mut self) {
        SSL_free(self.p.client);
        SSL_free(self.p.server);
        // Pair's own Drop would free them again.
        self.p.client = null_mut();
        self.p.server = null_mut();
        SSL_CTX_free(self.sctx);
        SSL_CTX_free(self.cctx);
    }
}

fn records_keep_bio_and_read_semantics(v12: bool) {
    let m = MemPair::new(v12);
    // Three records left in the write BIO, back to back, counted as written.
    m.write(&[1u8; 100]);
    m.write(&[2u8; 200]);
    m.write(&[3u8; 300]);
    // SAFETY: live BIOs.
    let (pending, written) = unsafe { (BIO_ctrl_pending(m.cw), BIO_number_written(m.cw)) };
    assert!(pending > 600, "{pending} bytes for three records");
    assert_eq!(written, pending as u64);
    // Moved in one BIO_write, they are one datagram for the server: one record per
    // SSL_read, in order; the first read returns the first record only.
    let moved = m.move_all();
    assert_eq!(m.read_bytes(1000), vec![1u8; 100]);
    // SAFETY: live BIO.
    unsafe {
        assert_eq!(BIO_ctrl_pending(m.sr), 0, "the datagram was read whole");
        assert_eq!(BIO_number_read(m.sr), moved as u64);
    }
    assert_eq!(SSL_pending(m.p.server), 200);
    assert_eq!(m.read_bytes(1000), vec![2u8; 200]);
    assert_eq!(m.read_bytes(1000), vec![3u8; 300]);
    // Nothing left: WANT_READ, and the emptied read BIO is an ordinary empty memory BIO.
    let r = m.read(1000);
    assert_eq!(r, -1);
    assert_eq!(SSL_get_error(m.p.server, r), SSL_ERROR_WANT_READ);
    // SAFETY: live BIO.
    assert_ne!(unsafe { BIO_test_flags(m.sr, BIO_FLAGS_SHOULD_RETRY) }, 0);

    // A short read keeps the rest of the record (OpenSSL's dtls1_read_bytes).
    let msg: Vec<u8> = (0..100u8).collect();
    m.write(&msg);
    m.move_all();
    assert_eq!(m.read_bytes(30), msg[..30]);
    assert_eq!(SSL_pending(m.p.server), 70);
    assert_eq!(m.read_bytes(1000), msg[30..]);

    // A read BIO the application already read from (not at its buffer's start): read the
    // ordinary way, same result.
    m.write(&[7u8; 50]);
    let rec = bio_take(m.cw).unwrap();
    let mut junk_then_rec = vec![0xeeu8; 5];
    junk_then_rec.extend_from_slice(&rec);
    // SAFETY: test calls on live BIOs.
    unsafe {
        BIO_write(
            m.sr,
            junk_then_rec.as_ptr().cast(),
            junk_then_rec.len() as c_int,
        );
        let mut junk = [0u8; 5];
        assert_eq!(BIO_read(m.sr, junk.as_mut_ptr().cast(), 5), 5);
    }
    assert_eq!(m.read_bytes(1000), vec![7u8; 50]);

    // Records written while the write BIO still holds unread bytes are appended to them.
    m.write(&[8u8; 10]);
    let first = unsafe { BIO_ctrl_pending(m.cw) };
    m.write(&[9u8; 20]);
    // SAFETY: live BIO.
    assert!(unsafe { BIO_ctrl_pending(m.cw) } > first);
    m.move_all();
    assert_eq!(m.read_bytes(1000), vec![8u8; 10]);
    assert_eq!(m.read_bytes(1000), vec![9u8; 20]);

    // A forged record is dropped: WANT_READ, and the next genuine one reads as usual.
    m.write(&[4u8; 40]);
    let mut forged = bio_take(m.cw).unwrap();
    let last = forged.len() - 1;
    forged[last] ^= 1;
    // SAFETY: test call on a live BIO.
    unsafe { BIO_write(m.sr, forged.as_ptr().cast(), forged.len() as c_int) };
    let r = m.read(1000);
    assert_eq!((r, SSL_get_error(m.p.server, r)), (-1, SSL_ERROR_WANT_READ));
    m.write(&[6u8; 60]);
    m.move_all();
    assert_eq!(m.read_bytes(1000), vec![6u8; 60]);

    // close_notify alone in a datagram: SSL_read returns 0, SSL_ERROR_ZERO_RETURN.
    assert_eq!(SSL_shutdown(m.p.client), 0);
    m.move_all();
    let r = m.read(1000);
    assert_eq!(
        (r, SSL_get_error(m.p.server, r)),
        (0, SSL_ERROR_ZERO_RETURN)
    );
    assert!(take_errors().is_empty());
}

#[test]
fn dtls12_records_over_memory_bios() {
    records_keep_bio_and_read_semantics(true);
}

#[test]
fn dtls13_records_over_memory_bios() {
    records_keep_bio_and_read_semantics(false);
}

/// A read-only memory BIO (`BIO_new_mem_buf`) is read, not taken: its data stays for a
/// `BIO_reset`, as OpenSSL's.
#[test]
fn read_only_memory_bio_is_read_not_taken() {
    let m = MemPair::new(true);
    m.write(&[5u8; 64]);
    let rec = bio_take(m.cw).unwrap();
    // SAFETY: test call; rec outlives the BIO's use below (the BIO copies it anyway).
    let ro = unsafe { BIO_new_mem_buf(rec.as_ptr().cast(), rec.len() as c_int) };
    crate::ssl::bio::SSL_set0_rbio(m.p.server, ro);
    assert_eq!(m.read_bytes(1000), vec![5u8; 64]);
    // Drained: a read-only BIO reports EOF (0), which SSL_read reports as an error.
    assert!(m.read(1000) <= 0);
    crate::error::clear();
}

/// Without `SSL_MODE_AUTO_RETRY`, a datagram that brings no data ends `SSL_read` with
/// WANT_READ even when another datagram could follow; the data after it reads normally.
#[test]
fn dataless_datagram_without_auto_retry_is_want_read() {
    for v12 in [true, false] {
        let m = MemPair::new(v12);
        let clear = crate::ssl::ctrl::SSL_ctrl(
            m.p.server,
            SSL_CTRL_CLEAR_MODE,
            SSL_MODE_AUTO_RETRY,
            null_mut(),
        );
        assert_eq!(clear & SSL_MODE_AUTO_RETRY, 0);
        m.write(&[1u8; 30]);
        let mut forged = bio_take(m.cw).unwrap();
        forged[20] ^= 0x80;
        // SAFETY: test call on a live BIO.
        unsafe { BIO_write(m.sr, forged.as_ptr().cast(), forged.len() as c_int) };
        let r = m.read(100);
        assert_eq!((r, SSL_get_error(m.p.server, r)), (-1, SSL_ERROR_WANT_READ));
        m.write(&[2u8; 30]);
        m.move_all();
        assert_eq!(m.read_bytes(100), vec![2u8; 30]);
        assert!(take_errors().is_empty());
    }
}
