//! The stateless cookie front door (RFC 6347 §4.2.1).
//!
//! A server answers a ClientHello without a valid cookie with a HelloVerifyRequest and keeps
//! no state; only a ClientHello echoing a valid cookie is allowed to create a connection.
//! A cookie is an HMAC-SHA256 (truncated to [`COOKIE_LEN`]) over the peer's address and the
//! ClientHello fields that must not change between the two ClientHellos, keyed with a
//! secret that rotates every period; the previous secret stays valid for one more period,
//! so a cookie lives between one and two periods.
//!
//! Everything here parses raw datagrams with [`Reader`] and never panics; anything
//! malformed is dropped silently (RFC 6347 §4.1.2.7).

use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use rand::rngs::{OsRng, StdRng};
use rand::{RngCore, SeedableRng};
use ring::hmac;
use zeroize::Zeroizing;

use crate::codec::{put_u16, put_u24, put_u48, put_u8, put_vec, Reader};
use crate::enums::{ContentType, HandshakeType, DTLS1_0_VERSION};

/// Length of the cookies we generate: HMAC-SHA256 truncated to 160 bits. Small enough that
/// a HelloVerifyRequest (28 + 20 bytes) is always smaller than any valid ClientHello.
pub const COOKIE_LEN: usize = 20;
/// Longest cookie on the wire (RFC 6347 §4.2.1 `opaque cookie<0..2^8-1>`); also the limit
/// for application cookies (OpenSSL's `DTLS1_COOKIE_LENGTH`).
pub const MAX_COOKIE_LEN: usize = 255;
/// Default secret rotation period.
pub const DEFAULT_COOKIE_ROTATION: Duration = Duration::from_secs(60);
/// Longest session_id a ClientHello may carry (RFC 5246 §7.4.1.2).
pub const MAX_SESSION_ID_LEN: usize = 32;
/// DTLS record header length (RFC 6347 §4.1).
pub const RECORD_HEADER_LEN: usize = 13;
/// DTLS handshake header length (RFC 6347 §4.2.2).
pub const HANDSHAKE_HEADER_LEN: usize = 12;

const SECRET_LEN: usize = 32;

type Secret = Zeroizing<[u8; SECRET_LEN]>;

#[cfg_attr(feature = "fuzzing", derive(Clone))]
enum KeySource {
    Os,
    Seeded(Box<StdRng>),
}

impl KeySource {
    fn secret(&mut self) -> Secret {
        let mut s = Zeroizing::new([0u8; SECRET_LEN]);
        match self {
            KeySource::Os => OsRng.fill_bytes(&mut s[..]),
            KeySource::Seeded(rng) => rng.fill_bytes(&mut s[..]),
        }
        s
    }
}

/// The keys of one rotation period, HMAC keys built once (not per cookie).
struct Snapshot {
    /// Periods elapsed since `CookieKeys::origin` when `current` became current.
    index: u64,
    current: hmac::Key,
    previous: Option<hmac::Key>,
}

/// Cookie secrets shared by a listener and the connections behind it: the current and the
/// previous HMAC-SHA256 key, rotated every period.
///
/// `DTLSv1_listen` computes a cookie for every ClientHello, from many threads at once with
/// one `SSL_CTX`, so the hot path takes no exclusive lock: the period index comes from a
/// fixed origin, and the keys of the current period are an `Arc` snapshot behind an
/// `RwLock` that only rotation (once per period) writes; readers never wait on each other.
pub struct CookieKeys {
    period: Duration,
    /// Start of period 0; set by the first use so time is always the caller's.
    origin: OnceLock<Instant>,
    snapshot: RwLock<Arc<Snapshot>>,
    /// Where new secrets come from (only rotation touches it).
    source: Mutex<KeySource>,
}

impl Default for CookieKeys {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for CookieKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CookieKeys")
            .field("period", &self.period)
            .finish_non_exhaustive()
    }
}

fn hmac_key(secret: &Secret) -> hmac::Key {
    hmac::Key::new(hmac::HMAC_SHA256, &secret[..])
}

impl CookieKeys {
    /// Secrets from the OS RNG, rotated every [`DEFAULT_COOKIE_ROTATION`].
    pub fn new() -> Self {
        Self::with_rotation(DEFAULT_COOKIE_ROTATION)
    }

    /// Deterministic secrets from `seed` (tests only), default rotation.
    pub fn with_seed(seed: u64) -> Self {
        Self::with_seed_and_rotation(seed, DEFAULT_COOKIE_ROTATION)
    }

    /// OS-random secrets rotated every `period` (a zero period is treated as 1 ms).
    pub fn with_rotation(period: Duration) -> Self {
        Self::build(KeySource::Os, period)
    }

    /// Deterministic secrets from `seed`, rotated every `period`.
    pub fn with_seed_and_rotation(seed: u64, period: Duration) -> Self {
        Self::build(
            KeySource::Seeded(Box::new(StdRng::seed_from_u64(seed))),
            period,
        )
    }

    fn build(mut source: KeySource, period: Duration) -> Self {
        let current = hmac_key(&source.secret());
        Self {
            period: period.max(Duration::from_millis(1)),
            origin: OnceLock::new(),
            snapshot: RwLock::new(Arc::new(Snapshot {
                index: 0,
                current,
                previous: None,
            })),
            source: Mutex::new(source),
        }
    }

    /// Fuzzing builds: independent keys in the same state (origin, current and previous
    /// secret, the seeded source's position), for `rdtls::fuzzing::copy_connection`.
    #[cfg(feature = "fuzzing")]
    pub(crate) fn fuzz_copy(&self) -> Self {
        Self {
            period: self.period,
            origin: self.origin.clone(),
            snapshot: RwLock::new(
                self.snapshot
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone(),
            ),
            source: Mutex::new(
                self.source
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone(),
            ),
        }
    }

    /// The rotation period.
    pub fn rotation(&self) -> Duration {
        self.period
    }

    /// The keys valid at `now`, rotating first when a period boundary has passed.
    fn keys_at(&self, now: Instant) -> Arc<Snapshot> {
        let origin = *self.origin.get_or_init(|| now);
        let elapsed = now.saturating_duration_since(origin);
        let index =
            u64::try_from(elapsed.as_nanos() / self.period.as_nanos().max(1)).unwrap_or(u64::MAX);
        // A poisoned lock only means another thread panicked mid-call; the keys are still
        // whole, so keep serving rather than propagate the panic.
        let snap = self
            .snapshot
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        // Time seen as going backwards (another thread rotated first) changes nothing.
        if index <= snap.index {
            return snap;
        }
        let mut w = self.snapshot.write().unwrap_or_else(|p| p.into_inner());
        if index <= w.index {
            return w.clone();
        }
        let next = hmac_key(
            &self
                .source
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .secret(),
        );
        // After two or more periods the old current is too old to honour.
        let previous = (index == w.index + 1).then(|| w.current.clone());
        *w = Arc::new(Snapshot {
            index,
            current: next,
            previous,
        });
        w.clone()
    }

    /// A cookie for `peer_addr` (any stable encoding of the address) and `hello_params`
    /// (the ClientHello fields the cookie covers, as [`CookieListener`] extracts them).
    pub fn generate(
        &self,
        now: Instant,
        peer_addr: &[u8],
        hello_params: &[u8],
    ) -> [u8; COOKIE_LEN] {
        mac(&self.keys_at(now).current, peer_addr, hello_params)
    }

    /// Whether `cookie` was generated for this peer and ClientHello by the current or the
    /// previous secret. Compares in constant time.
    pub fn verify(
        &self,
        now: Instant,
        peer_addr: &[u8],
        hello_params: &[u8],
        cookie: &[u8],
    ) -> bool {
        if cookie.len() != COOKIE_LEN {
            return false;
        }
        let s = self.keys_at(now);
        let cur = ct_eq(&mac(&s.current, peer_addr, hello_params), cookie);
        let prev = s
            .previous
            .as_ref()
            .is_some_and(|p| ct_eq(&mac(p, peer_addr, hello_params), cookie));
        cur | prev
    }
}

fn mac(key: &hmac::Key, peer_addr: &[u8], params: &[u8]) -> [u8; COOKIE_LEN] {
    let mut ctx = hmac::Context::with_key(key);
    // Length-prefix the address so (addr, params) splits cannot collide.
    let addr_len = u16::try_from(peer_addr.len()).unwrap_or(u16::MAX);
    ctx.update(&addr_len.to_be_bytes());
    ctx.update(peer_addr);
    ctx.update(params);
    let tag = ctx.sign();
    let mut out = [0u8; COOKIE_LEN];
    for (o, t) in out.iter_mut().zip(tag.as_ref()) {
        *o = *t;
    }
    out
}

/// Constant-time equality: the time taken depends only on the lengths.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Application-supplied cookie callbacks (OpenSSL's `SSL_CTX_set_cookie_generate_cb` and
/// `SSL_CTX_set_cookie_verify_cb`). When given, they replace [`CookieKeys`].
pub trait CookieHooks {
    /// A cookie of 1 to [`MAX_COOKIE_LEN`] bytes, or `None` to drop the ClientHello.
    fn generate(&mut self) -> Option<Vec<u8>>;
    /// Whether `cookie` (non-empty) is acceptable.
    fn verify(&mut self, cookie: &[u8]) -> bool;
}

/// A stateless HelloRetryRequest is at most this many times the ClientHello datagram.
pub const MAX_HRR_AMPLIFICATION: usize = 3;

/// What [`CookieListener::handle`] did with a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ListenOutcome {
    /// Not an acceptable ClientHello: ignore it, keep no state.
    Drop,
    /// A HelloVerifyRequest datagram (or, for a ClientHello offering DTLS 1.3 to a
    /// listener made by [`CookieListener::for_config`] with 1.3 allowed, a stateless
    /// HelloRetryRequest with a cookie, RFC 9147 §5.1) was written to `out`: send it to
    /// the peer.
    HelloVerifyRequest,
    /// The cookie verified: create a server connection and feed it this datagram.
    Verified,
}

/// The stateless front door in front of server connections (what `DTLSv1_listen` uses).
#[derive(Debug, Clone)]
pub struct CookieListener {
    keys: Arc<CookieKeys>,
    /// Answer ClientHellos offering DTLS 1.3 with a HelloRetryRequest cookie.
    tls13: Option<Front13>,
}

/// What the front door needs to answer a DTLS 1.3 ClientHello statelessly: the server's
/// suites and groups (the HelloRetryRequest names a suite and maybe a group, which
/// ClientHello2 must keep, RFC 8446 §4.1.4).
#[derive(Debug, Clone)]
struct Front13 {
    suites: Vec<crate::Suite13>,
    groups: Vec<u16>,
}

/// A ClientHello as the front door sees it: header fields and body.
pub(crate) struct FirstClientHello<'a> {
    pub(crate) record_seq: u64,
    pub(crate) message_seq: u16,
    pub(crate) body: &'a [u8],
}

/// Parses the first record of `datagram` as one unfragmented epoch-0 ClientHello.
pub(crate) fn parse_first_client_hello(datagram: &[u8]) -> Option<FirstClientHello<'_>> {
    let mut r = Reader::new(datagram);
    if r.u8("type").ok()? != ContentType::HANDSHAKE.0 {
        return None;
    }
    // Any DTLS version (major 254); the first ClientHello's record may say DTLS 1.0.
    if r.u8("version major").ok()? != 0xfe {
        return None;
    }
    r.u8("version minor").ok()?;
    if r.u16("epoch").ok()? != 0 {
        return None;
    }
    let record_seq = r.u48("sequence").ok()?;
    let mut h = r.sub(2, "record").ok()?;
    if h.u8("msg_type").ok()? != HandshakeType::CLIENT_HELLO.0 {
        return None;
    }
    let length = h.u24("length").ok()?;
    let message_seq = h.u16("message_seq").ok()?;
    let offset = h.u24("fragment_offset").ok()?;
    let frag_len = h.u24("fragment_length").ok()?;
    // Only an unfragmented ClientHello can be checked statelessly.
    if offset != 0 || frag_len != length {
        return None;
    }
    let body = h.take(length as usize, "body").ok()?;
    Some(FirstClientHello {
        record_seq,
        message_seq,
        body,
    })
}

/// The bytes a cookie covers, from a ClientHello *body* (the fields after the handshake
/// header): client_version, random, session_id, cipher_suites and compression_methods.
/// A client that repeats its ClientHello with only the cookie, message_seq or extensions
/// changed therefore still verifies (RFC 6347 §4.2.1). `None` when the body is malformed.
pub(crate) fn client_hello_cookie_params(client_hello_body: &[u8]) -> Option<Vec<u8>> {
    split_client_hello_cookie(client_hello_body).map(|(params, _)| params)
}

/// Like [`client_hello_cookie_params`], also returning the cookie the ClientHello carries.
pub(crate) fn split_client_hello_cookie(client_hello_body: &[u8]) -> Option<(Vec<u8>, &[u8])> {
    let mut r = Reader::new(client_hello_body);
    let version = r.u16("client_version").ok()?;
    if version >> 8 != 0xfe {
        return None;
    }
    r.take(32, "random").ok()?;
    if r.vec(1, "session_id").ok()?.len() > MAX_SESSION_ID_LEN {
        return None;
    }
    let head_end = r.position();
    let cookie = r.vec(1, "cookie").ok()?;
    let tail_start = r.position();
    let suites = r.vec(2, "cipher_suites").ok()?;
    if suites.is_empty() || suites.len() % 2 != 0 {
        return None;
    }
    if r.vec(1, "compression_methods").ok()?.is_empty() {
        return None;
    }
    let tail_end = r.position();
    if !r.is_empty() {
        r.vec(2, "extensions").ok()?;
        r.finish("client_hello").ok()?;
    }
    let mut params = Vec::with_capacity(head_end + tail_end - tail_start);
    params.extend_from_slice(client_hello_body.get(..head_end)?);
    params.extend_from_slice(client_hello_body.get(tail_start..tail_end)?);
    Some((params, cookie))
}

/// Appends a HelloVerifyRequest datagram (RFC 6347 §4.2.1): record version DTLS 1.0,
/// epoch 0, the ClientHello's record sequence number; handshake message_seq mirroring the
/// ClientHello's; body server_version DTLS 1.0 and the cookie (at most [`MAX_COOKIE_LEN`]
/// bytes; longer input is truncated, callers check first).
pub(crate) fn build_hello_verify_request(
    record_seq: u64,
    message_seq: u16,
    cookie: &[u8],
    out: &mut Vec<u8>,
) {
    let cookie = cookie.get(..MAX_COOKIE_LEN).unwrap_or(cookie);
    let body_len = 2 + 1 + cookie.len();
    put_u8(out, ContentType::HANDSHAKE.0);
    put_u16(out, DTLS1_0_VERSION);
    put_u16(out, 0);
    put_u48(out, record_seq);
    put_u16(out, (HANDSHAKE_HEADER_LEN + body_len) as u16);
    put_u8(out, HandshakeType::HELLO_VERIFY_REQUEST.0);
    put_u24(out, body_len as u32);
    put_u16(out, message_seq);
    put_u24(out, 0);
    put_u24(out, body_len as u32);
    put_u16(out, DTLS1_0_VERSION);
    put_vec(out, 1, cookie);
}

/// Whether the cookie in `client_hello_body` is valid for `peer_addr`: checked by `hooks`
/// when given, else by `keys`. An empty or malformed cookie is never valid.
pub(crate) fn verify_client_hello_cookie(
    keys: &CookieKeys,
    now: Instant,
    peer_addr: &[u8],
    client_hello_body: &[u8],
    hooks: Option<&mut dyn CookieHooks>,
) -> bool {
    match split_client_hello_cookie(client_hello_body) {
        Some((params, cookie)) => check_cookie(keys, now, peer_addr, &params, cookie, hooks),
        None => false,
    }
}

pub(crate) fn check_cookie(
    keys: &CookieKeys,
    now: Instant,
    peer_addr: &[u8],
    params: &[u8],
    cookie: &[u8],
    hooks: Option<&mut dyn CookieHooks>,
) -> bool {
    if cookie.is_empty() {
        return false;
    }
    match hooks {
        Some(h) => h.verify(cookie),
        None => keys.verify(now, peer_addr, params, cookie),
    }
}

impl CookieListener {
    /// A listener using `keys` (share them with the server [`crate::Config`]).
    pub fn new(keys: Arc<CookieKeys>) -> Self {
        Self { keys, tls13: None }
    }

    /// A listener for servers on `cfg`: its cookie keys and, when `cfg` lets a server
    /// run DTLS 1.3 (`max_version` 1.3, an identity, nothing that keeps it on 1.2), a
    /// ClientHello offering 1.3 is answered with the stateless HelloRetryRequest of
    /// RFC 9147 §5.1 instead of a HelloVerifyRequest (which would push a dual client to
    /// 1.2 and fail a 1.3-only one). ClientHello2 with a valid cookie is `Verified`; a
    /// `Connection::server` on `cfg` fed it continues the 1.3 handshake from the cookie.
    pub fn for_config(cfg: &crate::Config) -> Self {
        let tls13 = (cfg.max_version == crate::config::DTLS1_3_VERSION
            && cfg.identity().is_some()
            && crate::version::select::config_blocker(cfg, false).is_none())
        .then(|| Front13 {
            suites: cfg.tls13_suites.clone(),
            groups: crate::dtls13::handshake13::tls13_groups(cfg),
        });
        Self {
            keys: cfg.cookie_keys().clone(),
            tls13,
        }
    }

    /// Turns the DTLS 1.3 answer off (the server has settings that keep it on 1.2).
    pub fn without_dtls13(mut self) -> Self {
        self.tls13 = None;
        self
    }

    /// Whether ClientHellos offering DTLS 1.3 get a HelloRetryRequest.
    pub fn answers_dtls13(&self) -> bool {
        self.tls13.is_some()
    }

    /// The listener's secrets.
    pub fn keys(&self) -> &Arc<CookieKeys> {
        &self.keys
    }

    /// Examines one datagram from `peer_addr` without keeping any state.
    ///
    /// `out` is cleared, and holds the HelloVerifyRequest when that is the outcome. A
    /// HelloVerifyRequest larger than the ClientHello datagram is never sent: the
    /// ClientHello is dropped instead, so we cannot amplify a spoofed source's traffic (a
    /// HelloRetryRequest, see [`CookieListener::for_config`], is held to
    /// [`MAX_HRR_AMPLIFICATION`] times the datagram).
    pub fn handle(
        &self,
        now: Instant,
        peer_addr: &[u8],
        datagram: &[u8],
        hooks: Option<&mut dyn CookieHooks>,
        out: &mut Vec<u8>,
    ) -> ListenOutcome {
        out.clear();
        let Some(ch) = parse_first_client_hello(datagram) else {
            return ListenOutcome::Drop;
        };
        if let Some(t) = &self.tls13 {
            if crate::version::select::client_offer_of_body(ch.body)
                == crate::version::select::Offer::Tls13
            {
                return self.handle13(t, now, peer_addr, datagram, &ch, hooks, out);
            }
        }
        let Some((params, cookie)) = split_client_hello_cookie(ch.body) else {
            return ListenOutcome::Drop;
        };
        let fresh = match hooks {
            Some(h) => {
                if !cookie.is_empty() && h.verify(cookie) {
                    return ListenOutcome::Verified;
                }
                match h.generate() {
                    Some(c) if !c.is_empty() && c.len() <= MAX_COOKIE_LEN => c,
                    _ => return ListenOutcome::Drop,
                }
            }
            None => {
                if check_cookie(&self.keys, now, peer_addr, &params, cookie, None) {
                    return ListenOutcome::Verified;
                }
                self.keys.generate(now, peer_addr, &params).to_vec()
            }
        };
        build_hello_verify_request(ch.record_seq, ch.message_seq, &fresh, out);
        if out.len() > datagram.len() {
            out.clear();
            return ListenOutcome::Drop;
        }
        ListenOutcome::HelloVerifyRequest
    }
}

impl CookieListener {
    /// A ClientHello offering DTLS 1.3 (RFC 9147 §5.1): ClientHello2 with a valid cookie
    /// of ours (and the application's part accepted by its verify callback) is
    /// `Verified`; ClientHello1 gets a HelloRetryRequest whose cookie carries our choices,
    /// its transcript hash and the application's cookie. A bad cookie is dropped: a
    /// second HelloRetryRequest would abort the client (RFC 8446 §4.1.4).
    #[allow(clippy::too_many_arguments)]
    fn handle13(
        &self,
        t: &Front13,
        now: Instant,
        peer_addr: &[u8],
        datagram: &[u8],
        first: &FirstClientHello<'_>,
        hooks: Option<&mut dyn CookieHooks>,
        out: &mut Vec<u8>,
    ) -> ListenOutcome {
        use crate::dtls13::extensions::{self as ext, ext_type};
        use crate::dtls13::hello::{find_extension, ClientHello};
        use crate::dtls13::hrr_cookie;
        let Ok(ch) = ClientHello::decode(first.body) else {
            return ListenOutcome::Drop;
        };
        // RFC 9147 §5.3: legacy_cookie is empty in DTLS 1.3.
        if !ch.legacy_cookie.is_empty() {
            return ListenOutcome::Drop;
        }
        let cookie = match find_extension(&ch.extensions, ext_type::COOKIE)
            .map(ext::decode_cookie)
            .transpose()
        {
            Ok(c) => c,
            Err(_) => return ListenOutcome::Drop,
        };
        if let Some(cookie) = cookie {
            let Some(st) = hrr_cookie::check(&self.keys, now, peer_addr, cookie, &ch.random) else {
                return ListenOutcome::Drop;
            };
            let ok = match (st.app.as_deref(), hooks) {
                (Some(app), Some(h)) => h.verify(app),
                (None, None) => true,
                _ => false,
            };
            return if ok {
                ListenOutcome::Verified
            } else {
                ListenOutcome::Drop
            };
        }
        let Ok((suite, group)) = hrr_cookie::choose(&t.suites, &t.groups, &ch) else {
            return ListenOutcome::Drop;
        };
        let app = match hooks {
            Some(h) => match h.generate() {
                Some(c) if !c.is_empty() && c.len() <= MAX_COOKIE_LEN => Some(c),
                _ => return ListenOutcome::Drop,
            },
            None => None,
        };
        let st = hrr_cookie::state_for(suite, group, first.body, app);
        let c = hrr_cookie::make(&self.keys, now, peer_addr, &st, &ch.random);
        let hrr = hrr_cookie::hrr_body(&st, &c);
        hrr_cookie::hrr_datagram(first.record_seq, first.message_seq, &hrr, out);
        // A bounded answer to a possibly spoofed source (RFC 9147 §5.1 warns of
        // amplification). The HelloRetryRequest must carry ClientHello1's hash (48 bytes
        // with SHA-384) and the application's cookie, so it may exceed a small
        // ClientHello; it is held to `MAX_HRR_AMPLIFICATION` times the datagram, QUIC's
        // anti-amplification factor (RFC 9000 §8.1). (A HelloVerifyRequest stays within
        // the ClientHello's size.)
        if out.len() > datagram.len().saturating_mul(MAX_HRR_AMPLIFICATION) {
            out.clear();
            return ListenOutcome::Drop;
        }
        ListenOutcome::HelloVerifyRequest
    }
}

#[cfg(test)]
#[path = "cookie_tests.rs"]
mod tests;
