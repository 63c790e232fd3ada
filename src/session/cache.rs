//! The server-side session cache: resumable sessions by session ID, shared by every
//! connection of one `SSL_CTX` (hence the lock), bounded. Sessions are kept in the order
//! they expire (among equal expiry times, the order they came in), as OpenSSL 3.0's
//! session list: the first to expire is the first evicted when the cache is full, and
//! flushes go in that order.
//!
//! A removal hook ([`SessionCache::set_removal_hook`]) hears of every session the cache
//! drops by itself — evicted when full, found expired, flushed — as OpenSSL's
//! remove-session callback does (`SSL_CTX_sess_set_remove_cb(3)`); it runs after the lock
//! is released, in the cache's order (above).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use zeroize::Zeroizing;

/// Hard ceiling on entries. A capacity of 0 means "unlimited" in OpenSSL
/// (`SSL_CTX_sess_set_cache_size(ctx, 0)`); we honour that up to this bound so memory stays
/// bounded whatever the configuration.
pub const MAX_SESSION_CACHE_CAPACITY: usize = 1 << 20;

/// Default bound on the bytes the cached sessions hold (peer chains, names, IDs, plus a
/// fixed per-entry overhead). Entries alone do not bound memory: a session carries the
/// peer's certificate chain, so 20,480 entries (OpenSSL's default count) could hold
/// hundreds of megabytes. The first sessions to expire are evicted first when it is exceeded.
pub const MAX_SESSION_CACHE_BYTES: usize = 32 << 20;

/// Bytes counted for every cached session besides its variable-length fields (the struct,
/// map entries, and allocator overhead, rounded up).
pub const SESSION_ENTRY_OVERHEAD: usize = 256;

/// Longest session ID (RFC 5246 §7.4.1.2: `opaque SessionID<0..32>`).
pub const MAX_SESSION_ID_LEN: usize = 32;

/// A resumable session: what an abbreviated handshake needs (RFC 5246 §7.3, RFC 7627).
#[derive(Clone)]
pub struct Session {
    /// Session ID (1 to [`MAX_SESSION_ID_LEN`] bytes).
    pub id: Vec<u8>,
    /// Negotiated cipher suite code point.
    pub suite: u16,
    /// The 48-byte master secret, wiped on drop.
    pub master_secret: Zeroizing<[u8; 48]>,
    /// Whether the session used the extended master secret (RFC 7627 §5.3: resumption
    /// must match).
    pub extended_master_secret: bool,
    /// Peer certificate chain (DER, leaf first), empty if none.
    pub peer_certificates: Vec<Vec<u8>>,
    /// The peer verification result (`X509_V_OK` or an `X509_V_ERR_*` code).
    pub verify_result: i32,
    /// SNI host name the session was established for, if any.
    pub server_name: Option<String>,
    /// Session ID context (`SSL_CTX_set_session_id_context`); resumption needs a match.
    pub id_context: Vec<u8>,
    /// When the session was created (monotonic, for expiry).
    pub created: Instant,
    /// Creation time as Unix seconds (for `SSL_SESSION_get_time`).
    pub created_unix: u64,
    /// How long the session may be resumed (`SSL_SESSION_get_timeout`).
    pub lifetime: Duration,
    /// A DTLS 1.3 ticket with its resumption PSK (RFC 8446 §4.6.1): a client offers it
    /// when it offers 1.3 (`suite` is then the TLS 1.3 suite, `master_secret` unused).
    pub tls13_ticket: Option<crate::dtls13::client::Ticket13>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The master secret is deliberately left out.
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("suite", &format_args!("{:#06x}", self.suite))
            .field("extended_master_secret", &self.extended_master_secret)
            .field("peer_certificates", &self.peer_certificates.len())
            .field("verify_result", &self.verify_result)
            .field("server_name", &self.server_name)
            .field("lifetime", &self.lifetime)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// What this session counts against the cache's byte bound.
    pub fn cached_size(&self) -> usize {
        SESSION_ENTRY_OVERHEAD
            + 2 * self.id.len()
            + self.peer_certificates.iter().map(Vec::len).sum::<usize>()
            + self.server_name.as_ref().map_or(0, String::len)
            + self.id_context.len()
    }

    /// True once `lifetime` has elapsed since `created`.
    pub fn is_expired(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.created) >= self.lifetime
    }
}

/// Where a session stands in the cache's order: (expiry beyond what `Instant` can hold,
/// expiry time — or creation time when beyond —, insertion stamp).
type OrderKey = (bool, Instant, u64);

fn order_key(s: &Session, stamp: u64) -> OrderKey {
    match s.created.checked_add(s.lifetime) {
        Some(expiry) => (false, expiry, stamp),
        None => (true, s.created, stamp),
    }
}

#[cfg_attr(feature = "fuzzing", derive(Clone))]
struct Inner {
    /// Session ID → (its key in `order`, session).
    by_id: HashMap<Vec<u8>, (OrderKey, Session)>,
    /// Expiry order → session ID; the first entry expires first.
    order: BTreeMap<OrderKey, Vec<u8>>,
    next_stamp: u64,
    capacity: usize,
    lifetime: Duration,
    /// Sum of [`Session::cached_size`] over the entries.
    bytes: usize,
    byte_limit: usize,
}

impl Inner {
    fn effective_capacity(&self) -> usize {
        if self.capacity == 0 {
            MAX_SESSION_CACHE_CAPACITY
        } else {
            self.capacity.min(MAX_SESSION_CACHE_CAPACITY)
        }
    }

    fn remove(&mut self, id: &[u8]) -> Option<Session> {
        let (key, s) = self.by_id.remove(id)?;
        self.order.remove(&key);
        self.bytes = self.bytes.saturating_sub(s.cached_size());
        Some(s)
    }

    /// Evicts the sessions that expire first until at most `cap` remain within the byte
    /// limit; returns them in that order.
    fn evict_to(&mut self, cap: usize) -> Vec<Session> {
        let mut gone = Vec::new();
        while self.by_id.len() > cap || self.bytes > self.byte_limit {
            let Some((_, id)) = self.order.pop_first() else {
                break;
            };
            if let Some((_, s)) = self.by_id.remove(&id) {
                self.bytes = self.bytes.saturating_sub(s.cached_size());
                gone.push(s);
            }
        }
        gone
    }

    /// Removes the sessions `dead` selects, the first to expire first; returns them in that
    /// order.
    fn remove_where(&mut self, dead: impl Fn(&Session) -> bool) -> Vec<Session> {
        let ids: Vec<Vec<u8>> = self
            .order
            .values()
            .filter(|id| self.by_id.get(*id).is_some_and(|(_, s)| dead(s)))
            .cloned()
            .collect();
        ids.iter().filter_map(|id| self.remove(id)).collect()
    }
}

/// What [`SessionCache::set_removal_hook`] calls with each session the cache drops by itself.
pub type RemovalHook = Arc<dyn Fn(&Session) + Send + Sync>;

/// A bounded, thread-safe session cache. Expired entries are never returned.
pub struct SessionCache {
    inner: Mutex<Inner>,
    /// Told of sessions the cache drops by itself (the module comment).
    on_remove: RwLock<Option<RemovalHook>>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .finish()
    }
}

impl SessionCache {
    /// A cache holding at most `capacity` sessions (0: up to [`MAX_SESSION_CACHE_CAPACITY`]);
    /// `lifetime` is the default lifetime new sessions are given by their creators.
    pub fn new(capacity: usize, lifetime: Duration) -> Self {
        Self {
            inner: Mutex::new(Inner {
                by_id: HashMap::new(),
                order: BTreeMap::new(),
                next_stamp: 0,
                capacity,
                lifetime,
                bytes: 0,
                byte_limit: MAX_SESSION_CACHE_BYTES,
            }),
            on_remove: RwLock::new(None),
        }
    }

    /// Sets (or with `None` clears) the hook told of every session the cache drops by
    /// itself: evicted when full or over its byte bound, found expired by a lookup, or
    /// flushed ([`SessionCache::flush_expired`], [`SessionCache::flush_all`]). Not called
    /// for [`SessionCache::remove`] (its caller has the session) nor for a session replaced
    /// by one with the same ID. It runs without the cache's lock held.
    pub fn set_removal_hook(&self, hook: Option<RemovalHook>) {
        *self.on_remove.write().unwrap_or_else(|p| p.into_inner()) = hook;
    }

    /// Tells the removal hook of `gone` (called after the lock is released).
    fn report(&self, gone: Vec<Session>) {
        if gone.is_empty() {
            return;
        }
        let hook = self
            .on_remove
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        if let Some(hook) = hook {
            for s in &gone {
                hook(s);
            }
        }
    }

    /// Fuzzing builds: an independent cache with the same contents (`copy_connection`).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn fuzz_copy(&self) -> Self {
        Self {
            inner: Mutex::new(self.lock().clone()),
            on_remove: RwLock::new(
                self.on_remove
                    .read()
                    .unwrap_or_else(|p| p.into_inner())
                    .clone(),
            ),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic elsewhere while holding the lock leaves the maps consistent (every
        // mutation is a single insert/remove pair), so recover rather than propagate.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stores `s`, replacing a session with the same ID; evicts the first to expire when full.
    /// Sessions with an empty or over-long ID are not cached.
    pub fn insert(&self, s: Session) {
        if s.id.is_empty() || s.id.len() > MAX_SESSION_ID_LEN {
            return;
        }
        let mut g = self.lock();
        // A session with the same ID is replaced, not reported (as OpenSSL's
        // SSL_CTX_add_session).
        g.remove(&s.id);
        let size = s.cached_size();
        if size > g.byte_limit {
            return;
        }
        g.bytes += size;
        let stamp = g.next_stamp;
        g.next_stamp += 1;
        let key = order_key(&s, stamp);
        g.order.insert(key, s.id.clone());
        g.by_id.insert(s.id.clone(), (key, s));
        let cap = g.effective_capacity();
        let gone = g.evict_to(cap);
        drop(g);
        self.report(gone);
    }

    /// The session with this ID, unless absent or expired (an expired one is removed and
    /// reported to the removal hook).
    pub fn get(&self, id: &[u8], now: Instant) -> Option<Session> {
        let mut g = self.lock();
        let expired = g.by_id.get(id)?.1.is_expired(now);
        if expired {
            let gone = g.remove(id);
            drop(g);
            self.report(gone.into_iter().collect());
            return None;
        }
        g.by_id.get(id).map(|(_, s)| s.clone())
    }

    /// Removes the session with this ID and returns it, if present
    /// (`SSL_CTX_remove_session`; the removal hook is not called: the caller has it).
    pub fn remove(&self, id: &[u8]) -> Option<Session> {
        self.lock().remove(id)
    }

    /// Number of cached sessions (expired ones included until flushed).
    pub fn len(&self) -> usize {
        self.lock().by_id.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Drops every session expired at `now` (`SSL_CTX_flush_sessions`), reporting each to
    /// the removal hook, the first to expire first.
    pub fn flush_expired(&self, now: Instant) {
        let gone = self.lock().remove_where(|s| s.is_expired(now));
        self.report(gone);
    }

    /// Drops every session (`SSL_CTX_flush_sessions(ctx, 0)`, `SSL_CTX_free`), reporting
    /// each to the removal hook, the first to expire first.
    pub fn flush_all(&self) {
        let gone = self.lock().remove_where(|_| true);
        self.report(gone);
    }

    /// Changes the capacity (0: up to [`MAX_SESSION_CACHE_CAPACITY`]), evicting the sessions
    /// that expire first if it shrank.
    pub fn set_capacity(&self, n: usize) {
        let mut g = self.lock();
        g.capacity = n;
        let cap = g.effective_capacity();
        let gone = g.evict_to(cap);
        drop(g);
        self.report(gone);
    }

    /// Changes the byte bound (default [`MAX_SESSION_CACHE_BYTES`]), evicting the sessions
    /// that expire first if it shrank.
    pub fn set_byte_limit(&self, limit: usize) {
        let mut g = self.lock();
        g.byte_limit = limit;
        let cap = g.effective_capacity();
        let gone = g.evict_to(cap);
        drop(g);
        self.report(gone);
    }

    /// Bytes the cached sessions count against the byte bound.
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    /// The configured capacity (`SSL_CTX_sess_get_cache_size`).
    pub fn capacity(&self) -> usize {
        self.lock().capacity
    }

    /// The default session lifetime (`SSL_CTX_get_timeout`).
    pub fn lifetime(&self) -> Duration {
        self.lock().lifetime
    }

    /// Sets the default lifetime for sessions created from now on (`SSL_CTX_set_timeout`).
    pub fn set_lifetime(&self, d: Duration) {
        self.lock().lifetime = d;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: u8, created: Instant, lifetime: Duration) -> Session {
        Session {
            id: vec![id; 32],
            suite: 0xc02b,
            master_secret: Zeroizing::new([id; 48]),
            extended_master_secret: true,
            peer_certificates: Vec::new(),
            verify_result: 0,
            server_name: None,
            id_context: Vec::new(),
            created,
            created_unix: 0,
            lifetime,
            tls13_ticket: None,
        }
    }

    const HOUR: Duration = Duration::from_secs(3600);

    #[test]
    fn capacity_bound_and_eviction_order() {
        let t = Instant::now();
        let c = SessionCache::new(3, HOUR);
        for i in 1..=3 {
            c.insert(session(i, t, HOUR));
        }
        // Re-inserting 1 makes it the newest; inserting 4 then evicts 2, the oldest.
        c.insert(session(1, t, HOUR));
        c.insert(session(4, t, HOUR));
        assert_eq!(c.len(), 3);
        assert!(c.get(&[2; 32], t).is_none());
        for i in [1, 3, 4] {
            assert_eq!(c.get(&[i; 32], t).unwrap().master_secret[0], i);
        }
        c.set_capacity(1);
        assert_eq!(c.len(), 1);
        assert!(c.get(&[4; 32], t).is_some(), "the newest survives a shrink");
        assert_eq!(c.capacity(), 1);
    }

    #[test]
    fn expiry_and_flush() {
        let t = Instant::now();
        let c = SessionCache::new(10, HOUR);
        c.insert(session(1, t, Duration::from_secs(10)));
        c.insert(session(2, t, Duration::from_secs(100)));
        c.insert(session(3, t, Duration::from_secs(100)));
        assert!(c.get(&[1; 32], t + Duration::from_secs(9)).is_some());
        assert!(c.get(&[1; 32], t + Duration::from_secs(10)).is_none());
        assert_eq!(c.len(), 2, "an expired hit is removed");
        c.flush_expired(t + Duration::from_secs(100));
        assert!(c.is_empty());
        assert!(session(1, t, HOUR).is_expired(t + HOUR));
        assert!(!session(1, t, HOUR).is_expired(t));
    }

    #[test]
    fn remove_lifetime_and_id_limits() {
        let t = Instant::now();
        let c = SessionCache::new(10, HOUR);
        c.insert(session(1, t, HOUR));
        c.remove(&[1; 32]);
        c.remove(&[9; 32]);
        assert!(c.is_empty());
        let mut s = session(2, t, HOUR);
        s.id = Vec::new();
        c.insert(s.clone());
        s.id = vec![0; MAX_SESSION_ID_LEN + 1];
        c.insert(s);
        assert!(c.is_empty(), "empty and over-long IDs are not cached");
        assert_eq!(c.lifetime(), HOUR);
        c.set_lifetime(Duration::from_secs(5));
        assert_eq!(c.lifetime(), Duration::from_secs(5));
        assert!(!format!("{:?}", session(7, t, HOUR)).contains(" master_secret"));
    }

    #[test]
    fn zero_capacity_means_bounded_unlimited() {
        let t = Instant::now();
        let c = SessionCache::new(0, HOUR);
        for i in 0..=255u8 {
            c.insert(session(i, t, HOUR));
        }
        assert_eq!(c.len(), 256);
        let mut big = Inner {
            by_id: HashMap::new(),
            order: BTreeMap::new(),
            next_stamp: 0,
            capacity: usize::MAX,
            lifetime: HOUR,
            bytes: 0,
            byte_limit: MAX_SESSION_CACHE_BYTES,
        };
        assert_eq!(big.effective_capacity(), MAX_SESSION_CACHE_CAPACITY);
        big.capacity = 0;
        assert_eq!(big.effective_capacity(), MAX_SESSION_CACHE_CAPACITY);
    }

    /// Issue 15 item 1: sessions carrying large peer chains or names are bounded by bytes,
    /// not only by count; the oldest go first, and the count of bytes stays exact.
    #[test]
    fn byte_bound_evicts_oldest_first() {
        let t = Instant::now();
        let c = SessionCache::new(1000, HOUR);
        let big = |i: u8| {
            let mut s = session(i, t, HOUR);
            s.peer_certificates = vec![vec![i; 10_000]];
            s.server_name = Some("x".repeat(255));
            s
        };
        let one = big(0).cached_size();
        c.set_byte_limit(one * 3);
        for i in 1..=10 {
            c.insert(big(i));
        }
        assert_eq!(
            c.len(),
            3,
            "bounded by bytes although the count allows 1000"
        );
        assert!(c.bytes() <= one * 3);
        for i in [8, 9, 10] {
            assert!(c.get(&[i; 32], t).is_some(), "the newest survive");
        }
        // Replacing and removing keep the byte count exact.
        c.insert(big(10));
        c.remove(&[9; 32]);
        assert_eq!(c.bytes(), one * 2);
        // A session larger than the whole bound is not cached at all.
        let mut huge = big(42);
        huge.peer_certificates = vec![vec![0; one * 4]];
        c.insert(huge);
        assert!(c.get(&[42; 32], t).is_none());
        c.set_byte_limit(one);
        assert_eq!(c.len(), 1);
        // The default bound holds far fewer 100 KB sessions than the count would.
        let d = SessionCache::new(0, HOUR);
        for i in 0..=255u8 {
            let mut s = session(i, t, HOUR);
            s.peer_certificates = vec![vec![i; 200_000]];
            d.insert(s);
        }
        assert!(d.bytes() <= MAX_SESSION_CACHE_BYTES);
        assert!(d.len() < 256);
    }

    /// The removal hook hears of eviction, expiry found by a lookup and flushes (oldest
    /// first), and not of an explicit remove or a replacement (OpenSSL's remove-session
    /// callback; the C layer reports `SSL_CTX_remove_session` itself).
    #[test]
    fn removal_hook_reports_what_the_cache_drops() {
        let t = Instant::now();
        let c = SessionCache::new(3, HOUR);
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        c.set_removal_hook(Some(Arc::new(move |s: &Session| {
            log.lock().unwrap().push(s.id[0]);
        })));
        let take = || std::mem::take(&mut *seen.lock().unwrap());
        for i in 1..=3 {
            c.insert(session(i, t, HOUR));
        }
        c.insert(session(2, t, HOUR));
        assert_eq!(take(), Vec::<u8>::new(), "a replacement is not a removal");
        c.insert(session(4, t, HOUR));
        assert_eq!(take(), vec![1], "the oldest is evicted when full");
        assert_eq!(c.remove(&[3; 32]).map(|s| s.id[0]), Some(3));
        assert_eq!(
            take(),
            Vec::<u8>::new(),
            "remove returns the session instead"
        );
        c.insert(session(5, t, Duration::from_secs(1)));
        assert!(c.get(&[5; 32], t + Duration::from_secs(2)).is_none());
        assert_eq!(take(), vec![5], "found expired by a lookup");
        c.insert(session(6, t, Duration::from_secs(1)));
        c.flush_expired(t + Duration::from_secs(2));
        assert_eq!(take(), vec![6]);
        assert_eq!(c.len(), 2);
        c.flush_all();
        assert_eq!(take(), vec![2, 4], "flushed oldest first");
        // The order is the expiry order, not the insertion order (OpenSSL 3.0's list).
        c.insert(session(8, t, HOUR * 2));
        c.insert(session(9, t, HOUR));
        c.flush_all();
        assert_eq!(take(), vec![9, 8], "flushed in expiry order");
        c.set_removal_hook(None);
        c.insert(session(7, t, HOUR));
        c.flush_all();
        assert_eq!(take(), Vec::<u8>::new());
    }

    #[test]
    fn shared_across_threads() {
        let c = std::sync::Arc::new(SessionCache::new(64, HOUR));
        let t = Instant::now();
        let handles: Vec<_> = (0..4u8)
            .map(|k| {
                let c = c.clone();
                std::thread::spawn(move || {
                    for i in 0..50u8 {
                        c.insert(session(k * 50 + i, t, HOUR));
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(c.len(), 64);
    }
}
