//! An OpenSSL 3.0 DTLS peer held in memory (the `openssl` crate over a datagram pipe).
//!
//! `SslStream` runs over [`DgramPipe`], whose `write` pushes one datagram per call and whose
//! `read` pops exactly one datagram (`WouldBlock` when empty), so OpenSSL sees a datagram
//! transport. OpenSSL's retransmission timer runs on the wall clock (1 s initially) and fires
//! when `SSL_do_handshake` finds the timer expired and no input; so this endpoint asks to be
//! polled every [`OSSL_POLL`] while handshaking and makes the [`super::link::Pair`] run in
//! real time.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use openssl::error::ErrorStack;
use openssl::ssl::{
    ErrorCode, Ssl, SslContext, SslContextBuilder, SslFiletype, SslMethod, SslOptions, SslSession,
    SslStream, SslVerifyMode, SslVersion,
};
use openssl::x509::X509;

use openssl::nid::Nid;
use openssl::pkey::{HasParams, Id, PKey};

use super::fixtures::{cert_path, read_fixture, Group, Spec, CA_FILES};
use super::link::Endpoint;

/// How often a handshaking OpenSSL peer is polled so its wall-clock timer can fire.
pub const OSSL_POLL: Duration = Duration::from_millis(100);

/// The fixed cookie our OpenSSL servers hand out (OpenSSL's callbacks do not see addresses).
pub const OSSL_COOKIE: &[u8] = b"rdtls-test-cookie-v1";

/// An in-memory datagram transport: one `write` = one datagram, one `read` = one datagram.
#[derive(Default)]
pub struct DgramPipe {
    /// Datagrams waiting to be read by OpenSSL.
    pub inbox: VecDeque<Vec<u8>>,
    /// Datagrams OpenSSL wrote.
    pub outbox: VecDeque<Vec<u8>>,
}

impl Read for DgramPipe {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.inbox.pop_front() {
            Some(d) => {
                // UDP semantics: a datagram longer than the buffer is truncated.
                let n = d.len().min(buf.len());
                buf[..n].copy_from_slice(&d[..n]);
                Ok(n)
            }
            None => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Write for DgramPipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.outbox.push_back(buf.to_vec());
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// An OpenSSL context for one side of `spec` (see [`ossl_context_builder`]).
pub fn ossl_context(spec: &Spec, server: bool) -> Result<SslContext, ErrorStack> {
    Ok(ossl_context_builder(spec, server)?.build())
}

/// An OpenSSL context builder for one side of `spec` (DTLS 1.2 only, one suite, the group
/// under test preferred, trusting every test CA; servers use cookie exchange, server
/// preference and a session cache; clients verify the server).
pub fn ossl_context_builder(spec: &Spec, server: bool) -> Result<SslContextBuilder, ErrorStack> {
    let mut b = SslContext::builder(SslMethod::dtls())?;
    b.set_min_proto_version(Some(SslVersion::DTLS1_2))?;
    b.set_max_proto_version(Some(SslVersion::DTLS1_2))?;
    b.set_cipher_list(spec.suite)?;
    // OpenSSL (RFC 8422 §5.1) only accepts an ECDSA certificate whose curve the peer lists in
    // supported_groups, so P-256 always stays in the list, after the group under test; servers
    // pick by their own order (CIPHER_SERVER_PREFERENCE also orders groups).
    b.set_groups_list(&group_list(spec))?;
    for ca in CA_FILES {
        b.cert_store_mut()
            .add_cert(X509::from_pem(&read_fixture(ca))?)?;
    }
    // We set the MTU explicitly on every Ssl; never ask the (memory) BIO for one.
    b.set_options(SslOptions::NO_QUERY_MTU);
    let cred = if server {
        Some(spec.server_cred.server_files())
    } else if spec.mutual {
        Some(spec.client_cred.client_files())
    } else {
        None
    };
    if let Some((chain, key)) = cred {
        b.set_certificate_chain_file(cert_path(chain))?;
        b.set_private_key_file(cert_path(key), SslFiletype::PEM)?;
        b.check_private_key()?;
    }
    if server {
        b.set_options(SslOptions::COOKIE_EXCHANGE | SslOptions::CIPHER_SERVER_PREFERENCE);
        b.set_cookie_generate_cb(|_ssl, buf| {
            buf[..OSSL_COOKIE.len()].copy_from_slice(OSSL_COOKIE);
            Ok(OSSL_COOKIE.len())
        });
        b.set_cookie_verify_cb(|_ssl, cookie| cookie == OSSL_COOKIE);
        b.set_session_id_context(b"rdtls-tests")?;
        if spec.mutual {
            b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
        } else {
            b.set_verify(SslVerifyMode::NONE);
        }
    } else {
        b.set_verify(SslVerifyMode::PEER);
    }
    Ok(b)
}

/// The OpenSSL groups list for `spec`: the group under test first, then P-256.
pub fn group_list(spec: &Spec) -> String {
    match spec.group {
        Group::P256 => "P-256".to_string(),
        g => format!("{}:P-256", g.openssl_name()),
    }
}

/// OpenSSL's name for the ECDHE group of a key (`X25519`, `P-256`, ...).
pub fn pkey_group_name<T: HasParams>(key: &PKey<T>) -> String {
    match key.id() {
        Id::X25519 => "X25519".into(),
        Id::EC => match key.ec_key().ok().and_then(|k| k.group().curve_name()) {
            Some(Nid::X9_62_PRIME256V1) => "P-256".into(),
            Some(Nid::SECP384R1) => "P-384".into(),
            other => format!("EC {other:?}"),
        },
        other => format!("{other:?}"),
    }
}

/// One OpenSSL DTLS endpoint driven through the [`Endpoint`] trait.
pub struct OsslPeer {
    /// The TLS stream over the in-memory pipe.
    pub stream: SslStream<DgramPipe>,
    established: bool,
    error: Option<String>,
    received: Vec<Vec<u8>>,
    peer_closed: bool,
    last_drive: Instant,
    label: String,
}

impl OsslPeer {
    /// A client (`server == false`) or server on `ctx` with path MTU `mtu`; a client may try
    /// to resume `resume`, which must come from a connection on the same `ctx`.
    pub fn new(
        ctx: &SslContext,
        server: bool,
        mtu: usize,
        resume: Option<&SslSession>,
    ) -> Result<Self, ErrorStack> {
        let mut ssl = Ssl::new(ctx)?;
        if server {
            ssl.set_accept_state();
        } else {
            ssl.set_connect_state();
        }
        ssl.set_mtu(mtu as u32)?;
        if let Some(sess) = resume {
            // SAFETY: the `openssl` crate marks this unsafe only because the session must
            // belong to the same SSL_CTX; our callers pass a session from `ctx` (documented).
            unsafe { ssl.set_session(sess)? };
        }
        let stream = SslStream::new(ssl, DgramPipe::default())?;
        let mut peer = Self {
            stream,
            established: false,
            error: None,
            received: Vec::new(),
            peer_closed: false,
            last_drive: Instant::now(),
            label: format!("openssl {}", if server { "server" } else { "client" }),
        };
        if !server {
            // Produce the ClientHello now, as our own client does on creation.
            peer.drive();
        }
        Ok(peer)
    }

    /// The session of the last handshake (for resumption on the same context).
    pub fn session(&self) -> Option<SslSession> {
        self.stream.ssl().session().map(|s| s.to_owned())
    }

    /// True once the peer sent close_notify.
    pub fn peer_closed(&self) -> bool {
        self.peer_closed
    }

    /// Sends close_notify.
    pub fn shutdown(&mut self) {
        let _ = self.stream.shutdown();
    }

    fn drive(&mut self) {
        self.last_drive = Instant::now();
        if self.error.is_some() {
            return;
        }
        if !self.established {
            match self.stream.do_handshake() {
                Ok(()) => self.established = true,
                Err(e) if e.code() == ErrorCode::WANT_READ => return,
                Err(e) => {
                    self.error = Some(format!("handshake: {e}"));
                    return;
                }
            }
        }
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match self.stream.ssl_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => self.received.push(buf[..n].to_vec()),
                Err(e) if e.code() == ErrorCode::WANT_READ => break,
                Err(e) if e.code() == ErrorCode::ZERO_RETURN => {
                    self.peer_closed = true;
                    break;
                }
                Err(e) => {
                    self.error = Some(format!("read: {e}"));
                    break;
                }
            }
        }
    }
}

impl Endpoint for OsslPeer {
    fn handle_datagram(&mut self, _now: Instant, datagram: &[u8]) {
        self.stream.get_mut().inbox.push_back(datagram.to_vec());
        self.drive();
    }

    fn handle_timeout(&mut self, _now: Instant) {
        self.drive();
    }

    fn poll_transmit(&mut self, _now: Instant) -> Option<Vec<u8>> {
        self.stream.get_mut().outbox.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        if self.established || self.error.is_some() {
            None
        } else {
            Some(self.last_drive + OSSL_POLL)
        }
    }

    fn is_established(&self) -> bool {
        self.established
    }

    fn failure(&self) -> Option<String> {
        self.error.clone()
    }

    fn send_app(&mut self, _now: Instant, data: &[u8]) -> Result<(), String> {
        match self.stream.ssl_write(data) {
            Ok(n) if n == data.len() => Ok(()),
            Ok(n) => Err(format!("short write {n}")),
            Err(e) => Err(format!("write: {e}")),
        }
    }

    fn take_received(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.received)
    }

    fn suite_name(&self) -> Option<String> {
        self.stream
            .ssl()
            .current_cipher()
            .map(|c| c.name().to_string())
    }

    fn session_reused(&self) -> bool {
        self.stream.ssl().session_reused()
    }

    fn group_name(&self) -> Option<String> {
        let ssl = self.stream.ssl();
        if let Ok(k) = ssl.tmp_key() {
            return Some(pkey_group_name(&k));
        }
        ssl.peer_tmp_key().ok().map(|k| pkey_group_name(&k))
    }

    fn needs_real_time(&self) -> bool {
        true
    }

    fn label(&self) -> String {
        self.label.clone()
    }
}
