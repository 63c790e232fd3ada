//! Issue 15 item 7b: an `SSL` used again after a connection (`SSL_set_connect_state` as
//! `openssl s_client -reconnect` does, or `SSL_clear`) starts a new handshake that offers the
//! previous session, as OpenSSL does; `SSL_clear` after an unclean end forgets the session.
use super::*;
use crate::ssl::io::*;
use crate::ssl::session::SSL_session_reused;

/// A fresh server on a new datagram pair; the client is moved onto the other end.
fn rewire(client: *mut SSL, sctx: *mut SSL_CTX) -> *mut SSL {
    let server = SSL_new(sctx);
    let (mut b1, mut b2) = (null_mut(), null_mut());
    // SAFETY: test call of our own exported function.
    assert_eq!(unsafe { BIO_new_bio_dgram_pair(&mut b1, 0, &mut b2, 0) }, 1);
    crate::ssl::bio::SSL_set_bio(client, b1, b1);
    crate::ssl::bio::SSL_set_bio(server, b2, b2);
    SSL_set_accept_state(server);
    server
}

/// Handshakes `client` with a new server (freeing the previous one, kept alive so that the
/// client's close_notify had somewhere to go): (client ret, server ret, client reused).
fn handshake_again(
    client: *mut SSL,
    sctx: *mut SSL_CTX,
    server: &mut *mut SSL,
) -> (c_int, c_int, c_int) {
    SSL_free(std::mem::replace(server, rewire(client, sctx)));
    let server = *server;
    let (mut cr, mut sr) = (-1, -1);
    for _ in 0..50 {
        if cr != 1 {
            cr = SSL_do_handshake(client);
        }
        if sr != 1 {
            sr = SSL_do_handshake(server);
        }
        if cr == 1 && sr == 1 {
            break;
        }
    }
    (cr, sr, SSL_session_reused(client))
}

fn first_connection() -> (*mut SSL_CTX, *mut SSL_CTX, *mut SSL, *mut SSL) {
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    // 1.2 session reuse (session IDs) across SSL_clear / SSL_set_connect_state.
    let cctx = max12(client_ctx(None));
    let client = SSL_new(cctx);
    let mut server = null_mut();
    assert_eq!(handshake_again(client, sctx, &mut server), (1, 1, 0));
    (sctx, cctx, client, server)
}

#[test]
fn set_connect_state_after_shutdown_reconnects_with_the_session() {
    let (sctx, cctx, client, mut server) = first_connection();
    for _ in 0..5 {
        assert_eq!(SSL_shutdown(client), 0);
        assert_ne!(
            SSL_get_shutdown(client) & crate::ssl::consts::SSL_SENT_SHUTDOWN,
            0
        );
        SSL_set_connect_state(client);
        assert_eq!(SSL_get_shutdown(client), 0);
        assert_eq!(SSL_is_init_finished(client), 0);
        assert_eq!(handshake_again(client, sctx, &mut server), (1, 1, 1));
        let msg = b"after reconnect";
        assert_eq!(
            SSL_write(client, msg.as_ptr().cast(), msg.len() as c_int),
            msg.len() as c_int
        );
    }
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}

#[test]
fn ssl_clear_keeps_the_session_only_after_a_clean_shutdown() {
    let (sctx, cctx, client, mut server) = first_connection();
    assert_eq!(SSL_shutdown(client), 0);
    assert_eq!(SSL_clear(client), 1);
    assert_eq!(SSL_get_shutdown(client), 0);
    assert_eq!(handshake_again(client, sctx, &mut server), (1, 1, 1));
    // No SSL_shutdown: OpenSSL's ssl_clear_bad_session drops the session.
    assert_eq!(SSL_clear(client), 1);
    assert_eq!(handshake_again(client, sctx, &mut server), (1, 1, 0));
    SSL_free(client);
    SSL_free(server);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}
