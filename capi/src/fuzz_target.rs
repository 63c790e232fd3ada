//! Fuzz target bodies for the C API (built for `cargo test` and the `fuzzing` feature only).
//!
//! [`client`] and [`server`]: an `SSL` over two `BIO_s_mem` (read and write), driven as a C
//! program does (`SSL_do_handshake`, then `SSL_read`/`SSL_write`, `SSL_get_error`, the
//! getters, `SSL_shutdown`), with the input as the peer's datagrams; [`session_der`]:
//! `d2i_SSL_SESSION` and `i2d_SSL_SESSION` on the input. Shared by the libFuzzer binaries
//! (`fuzz/fuzz_targets/capi_*.rs`) and the `fuzz_corpus` unit test, which replays
//! `fuzz/corpus/capi_*/` and `fuzz/regressions/capi_*/` on stable.
//!
//! Input format: as the engine targets (`fuzz/targets/engine.rs`): `[u16 big-endian
//! length][bytes]` per datagram, length `0xffff` for `DTLSv1_handle_timeout`.
//!
//! A panic caught at the C boundary is a finding: every call's error queue is checked for
//! the "panic in" entry that [`crate::entry`] leaves, and the target panics on it.
use std::ffi::{c_int, c_long, c_void, CString};
use std::ptr::null_mut;

use crate::bio::exports::{BIO_ctrl_pending, BIO_new, BIO_read, BIO_s_mem, BIO_write};
use crate::host::BIO;
use crate::ssl::bio::SSL_set_bio;
use crate::ssl::certs::{SSL_CTX_use_PrivateKey_file, SSL_CTX_use_certificate_chain_file};
use crate::ssl::consts::{DTLS_CTRL_HANDLE_TIMEOUT, SSL_FILETYPE_PEM};
use crate::ssl::ctrl::SSL_ctrl;
use crate::ssl::ctx::{SSL_CTX_free, SSL_CTX_new};
use crate::ssl::getters::{SSL_get_client_random, SSL_get_peer_certificate};
use crate::ssl::info::{SSL_get_current_cipher, SSL_get_version, SSL_state_string_long};
use crate::ssl::io::{SSL_do_handshake, SSL_get_error, SSL_read, SSL_shutdown, SSL_write};
use crate::ssl::method::{DTLS_client_method, DTLS_server_method};
use crate::ssl::objects::{SSL, SSL_CTX};
use crate::ssl::session::{SSL_SESSION_free, SSL_get_session};
use crate::ssl::session_io::i2d_SSL_SESSION;
use crate::ssl::session_read::d2i_SSL_SESSION;
use crate::ssl::ssl::{SSL_free, SSL_new, SSL_set_accept_state, SSL_set_connect_state};
use crate::ssl::trust::SSL_CTX_load_verify_locations;
use crate::ssl::verify::{SSL_CTX_set_verify, SSL_get_verify_result};
use crate::x509::X509_free;

/// `SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT`.
const VERIFY_PEER_REQUIRED: c_int = 0x01 | 0x02;

/// A test certificate fixture's path.
fn fixture(name: &str) -> CString {
    CString::new(format!(
        "{}/../tests/certs/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture path")
}

/// Fails the run when the error queue holds a caught panic; clears the queue.
fn check_no_panic(what: &str) {
    while let Some(e) = crate::error::take_entry() {
        assert!(
            !e.data().starts_with("panic in"),
            "{what}: caught panic at the C boundary: {}",
            e.data()
        );
    }
}

/// A context for one role: ECDSA certificates on both sides, each verifying the other.
fn ctx(server: bool) -> *mut SSL_CTX {
    let method = if server {
        DTLS_server_method()
    } else {
        DTLS_client_method()
    };
    let ctx = SSL_CTX_new(method);
    assert!(!ctx.is_null(), "SSL_CTX_new");
    // These targets and their corpus are DTLS 1.2 flights, as before DTLS_method offered
    // DTLS 1.3 by default.
    let max12 = c_long::from(crate::ssl::consts::DTLS1_2_VERSION);
    let set_max = crate::ssl::consts::SSL_CTRL_SET_MAX_PROTO_VERSION;
    assert_eq!(
        crate::ssl::ctrl::SSL_CTX_ctrl(ctx, set_max, max12, null_mut()),
        1
    );
    let (chain, key) = if server {
        ("server-ecdsa.pem", "server-ecdsa.key")
    } else {
        ("client-ecdsa.pem", "client-ecdsa.key")
    };
    assert_eq!(
        SSL_CTX_use_certificate_chain_file(ctx, fixture(chain).as_ptr()),
        1
    );
    assert_eq!(
        SSL_CTX_use_PrivateKey_file(ctx, fixture(key).as_ptr(), SSL_FILETYPE_PEM),
        1
    );
    assert_eq!(
        SSL_CTX_load_verify_locations(ctx, fixture("ca-ecdsa.pem").as_ptr(), std::ptr::null()),
        1
    );
    SSL_CTX_set_verify(ctx, VERIFY_PEER_REQUIRED, None);
    ctx
}

/// An `SSL` over a memory BIO pair: `rbio` carries what the peer sends, `wbio` what we send.
struct Side {
    ssl: *mut SSL,
    rbio: *mut BIO,
    wbio: *mut BIO,
}

impl Side {
    fn new(server: bool) -> Side {
        let ctx = ctx(server);
        let ssl = SSL_new(ctx);
        // The SSL holds its own reference to the context.
        SSL_CTX_free(ctx);
        assert!(!ssl.is_null(), "SSL_new");
        let rbio = BIO_new(BIO_s_mem());
        let wbio = BIO_new(BIO_s_mem());
        assert!(!rbio.is_null() && !wbio.is_null(), "BIO_new");
        // The SSL takes ownership of both BIOs.
        SSL_set_bio(ssl, rbio, wbio);
        if server {
            SSL_set_accept_state(ssl);
        } else {
            SSL_set_connect_state(ssl);
        }
        Side { ssl, rbio, wbio }
    }

    /// Gives the SSL one datagram from the peer.
    fn put(&self, d: &[u8]) {
        if d.is_empty() {
            return;
        }
        let n = BIO_write(self.rbio, d.as_ptr().cast(), d.len() as c_int);
        assert_eq!(n as usize, d.len(), "BIO_write to a memory BIO");
    }

    /// Everything the SSL wrote since the last call (a flight: records back to back).
    fn take(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 1 << 16];
        while BIO_ctrl_pending(self.wbio) > 0 {
            let n = BIO_read(self.wbio, buf.as_mut_ptr().cast(), buf.len() as c_int);
            if n <= 0 {
                break;
            }
            out.extend_from_slice(&buf[..n as usize]);
        }
        out
    }

    /// What a C program does after input arrives: handshake, then read, write and query.
    fn drive(&self) {
        let r = SSL_do_handshake(self.ssl);
        let _ = SSL_get_error(self.ssl, r);
        if r == 1 {
            let mut buf = [0u8; 2048];
            for _ in 0..64 {
                let n = SSL_read(self.ssl, buf.as_mut_ptr().cast(), buf.len() as c_int);
                if n <= 0 {
                    let _ = SSL_get_error(self.ssl, n);
                    break;
                }
            }
            let msg = b"C API data";
            let n = SSL_write(self.ssl, msg.as_ptr().cast(), msg.len() as c_int);
            let _ = SSL_get_error(self.ssl, n);
        }
        self.query();
        check_no_panic("drive");
    }

    /// The getters a C program calls, in whatever state the input left.
    fn query(&self) {
        let _ = SSL_get_verify_result(self.ssl);
        let _ = SSL_state_string_long(self.ssl);
        let _ = SSL_get_version(self.ssl);
        let _ = SSL_get_current_cipher(self.ssl);
        let mut random = [0u8; 32];
        let _ = SSL_get_client_random(self.ssl, random.as_mut_ptr(), random.len());
        let peer = SSL_get_peer_certificate(self.ssl);
        if !peer.is_null() {
            X509_free(peer);
        }
        let sess = SSL_get_session(self.ssl);
        if !sess.is_null() {
            let _ = i2d_SSL_SESSION(sess, null_mut());
        }
    }

    fn timeout(&self) {
        let _ = SSL_ctrl(self.ssl, DTLS_CTRL_HANDLE_TIMEOUT, 0, null_mut::<c_void>());
        check_no_panic("DTLSv1_handle_timeout");
    }
}

impl Drop for Side {
    fn drop(&mut self) {
        let _ = SSL_shutdown(self.ssl);
        SSL_free(self.ssl);
        check_no_panic("SSL_shutdown/SSL_free");
    }
}

/// Feeds `data` (datagrams, see the module comment) to `side`.
fn feed(side: &Side, mut data: &[u8]) {
    while !data.is_empty() {
        if data.len() < 2 {
            side.put(data);
            side.drive();
            break;
        }
        let len = u16::from_be_bytes([data[0], data[1]]);
        data = &data[2..];
        if len == 0xffff {
            side.timeout();
            continue;
        }
        let n = usize::from(len).min(data.len());
        side.put(&data[..n]);
        data = &data[n..];
        side.drive();
        // What we answered is not part of the experiment.
        side.take();
    }
}

/// Client target: after our ClientHello, `data` is what the server sends.
pub fn client(data: &[u8]) {
    let side = Side::new(false);
    side.drive();
    side.take();
    feed(&side, data);
}

/// Server target: `data` is what the client sends to a fresh server.
pub fn server(data: &[u8]) {
    let side = Side::new(true);
    feed(&side, data);
}

/// Session target: `data` as an ASN.1 `SSL_SESSION` (`d2i_SSL_SESSION`), re-encoded.
pub fn session_der(data: &[u8]) {
    let mut p = data.as_ptr();
    let sess = d2i_SSL_SESSION(null_mut(), &mut p, data.len() as c_long);
    if !sess.is_null() {
        let n = i2d_SSL_SESSION(sess, null_mut());
        assert!(n > 0, "a parsed session must encode");
        let mut out = vec![0u8; n as usize];
        let mut q = out.as_mut_ptr();
        assert_eq!(i2d_SSL_SESSION(sess, &mut q), n, "i2d length");
        SSL_SESSION_free(sess);
    }
    check_no_panic("d2i_SSL_SESSION");
}

/// Seeds: a genuine handshake between two of these `SSL`s with data and shutdown, as
/// (what the client received, what the server received, the client's DER session).
pub fn seeds() -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let c = Side::new(false);
    let s = Side::new(true);
    let (mut to_client, mut to_server) = (Vec::new(), Vec::new());
    let frame = |out: &mut Vec<u8>, d: Vec<u8>| {
        if !d.is_empty() {
            out.extend_from_slice(&(d.len() as u16).to_be_bytes());
            out.extend_from_slice(&d);
        }
    };
    for _ in 0..8 {
        c.drive();
        let d = c.take();
        s.put(&d);
        frame(&mut to_server, d);
        s.drive();
        let d = s.take();
        c.put(&d);
        frame(&mut to_client, d);
    }
    let sess = SSL_get_session(c.ssl);
    let mut der = Vec::new();
    if !sess.is_null() {
        let n = i2d_SSL_SESSION(sess, null_mut());
        if n > 0 {
            der = vec![0u8; n as usize];
            let mut q = der.as_mut_ptr();
            i2d_SSL_SESSION(sess, &mut q);
        }
    }
    (to_client, to_server, der)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    /// Replays the saved corpus and crash inputs of the C API targets (stable `cargo test`).
    #[test]
    fn fuzz_corpus() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
        for (target, run) in [
            ("capi_client", super::client as fn(&[u8])),
            ("capi_server", super::server),
            ("capi_session_der", super::session_der),
        ] {
            let mut n = 0;
            for dir in ["corpus", "regressions"] {
                let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
                    continue;
                };
                for e in entries {
                    let p = e.expect("corpus entry").path();
                    eprintln!("replaying {}", p.display());
                    run(&std::fs::read(&p).expect("corpus file"));
                    n += 1;
                }
            }
            assert!(n > 0, "no saved inputs for {target}");
        }
    }

    /// The genuine handshake completes over memory BIOs, and its recorded flights are what
    /// the seeds hold (`FUZZ_WRITE_SEEDS=1` writes them into fuzz/corpus/).
    #[test]
    fn genuine_seeds() {
        let (to_client, to_server, der) = super::seeds();
        assert!(
            to_client.len() > 500 && to_server.len() > 300,
            "flights recorded"
        );
        assert!(
            !der.is_empty(),
            "the client has a session after the handshake"
        );
        if std::env::var_os("FUZZ_WRITE_SEEDS").is_some() {
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
            for (t, d) in [
                ("capi_client", to_client),
                ("capi_server", to_server),
                ("capi_session_der", der),
            ] {
                std::fs::create_dir_all(root.join(t)).unwrap();
                std::fs::write(root.join(t).join("seed-genuine-mem-bio"), d).unwrap();
            }
        }
    }
}
