//! One DTLS 1.3 ticket key per `SSL_CTX` (as OpenSSL keeps its ticket keys in the context):
//! a ticket issued by one `SSL` resumes on another `SSL` of the same context even when that
//! one's own settings made the engine build a different configuration.
use super::*;
use crate::ssl::consts::*;

#[test]
fn ticket_resumes_on_an_ssl_with_other_settings() {
    use crate::ssl::info::*;
    use crate::ssl::session::*;
    crate::error::clear();
    let sctx = server_ctx("server-ecdsa.pem", "server-ecdsa.key");
    let cctx = client_ctx(Some("ca-ecdsa.pem"));
    let p = Pair::new(cctx, sctx);
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(cstr_of(SSL_get_version(p.client)), "DTLSv1.3");
    // The server's tickets follow its handshake: the client reads them.
    let sess = p.client_session_after_tickets();
    assert_eq!(SSL_SESSION_is_resumable(sess), 1);
    drop(p);

    let p = Pair::new(cctx, sctx);
    // A per-SSL option the engine configuration depends on: this server's connection is
    // built from a configuration of its own, not the one that sealed the ticket.
    crate::ssl::ssl::SSL_set_options(p.server, SSL_OP_CIPHER_SERVER_PREFERENCE);
    assert_eq!(SSL_set_session(p.client, sess), 1);
    assert_eq!(p.handshake(), (1, 1), "errors: {:?}", take_errors());
    assert_eq!(cstr_of(SSL_get_version(p.client)), "DTLSv1.3");
    assert_eq!(
        SSL_session_reused(p.server),
        1,
        "the context's key opened the ticket"
    );
    assert_eq!(SSL_session_reused(p.client), 1);
    drop(p);
    SSL_SESSION_free(sess);
    SSL_CTX_free(sctx);
    SSL_CTX_free(cctx);
}
