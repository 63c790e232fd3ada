//! `SSL_ctrl`, `SSL_CTX_ctrl` and the `*_callback_ctrl` pair: the numeric commands behind
//! most of OpenSSL's DTLS "functions" (`DTLSv1_get_timeout` is `SSL_ctrl(s, 73, 0, tv)`).
//! The numbers are OpenSSL 3.0's; unknown commands return 0 and change nothing.
use std::ffi::{c_char, c_int, c_long, c_void, CStr};
use std::sync::atomic::Ordering;

use rdtls::enums::{NamedGroup, SignatureScheme};

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{put_error, ERR_LIB_SSL};
use crate::host::{self, OPENSSL_STACK, X509};

use super::certs::{add_chain_cert, add_extra_chain_cert, clear_extra_chain_certs, ChainTarget};
use super::consts::*;
use super::method::Family;
use super::objects::{MsgCallback, ServernameCallback, Settings, SSL, SSL_CTX};
use super::params::{group_from_nid, group_nid, parse_groups, parse_sigalgs};
use super::state::AppPtr;

/// `SSL_CTX_set_max_send_fragment` bounds (OpenSSL: 512 to 16384).
pub const MIN_SEND_FRAGMENT: c_long = 512;
/// Upper bound of the send fragment.
pub const MAX_SEND_FRAGMENT: c_long = 16384;

/// A NUL-terminated string argument of a ctrl.
fn parg_str<'a>(parg: *mut c_void) -> Option<&'a str> {
    if parg.is_null() {
        crate::entry::on_null("parg");
        return None;
    }
    // SAFETY: the ctrl's documented argument is a NUL-terminated string.
    let c = unsafe { CStr::from_ptr(parg as *const c_char) };
    c.to_str().ok()
}

/// An `int` array argument of `larg` elements.
fn parg_ints<'a>(parg: *mut c_void, larg: c_long) -> Option<&'a [c_int]> {
    let n = usize::try_from(larg).ok()?;
    if n == 0 || parg.is_null() || n > 1024 {
        return None;
    }
    // SAFETY: the ctrl's documented argument is an array of `larg` ints.
    Some(unsafe { std::slice::from_raw_parts(parg as *const c_int, n) })
}

/// The signature scheme for an OpenSSL (hash NID, key NID) pair.
fn sigalg_from_nids(hash: c_int, key: c_int) -> Option<SignatureScheme> {
    let s = match (hash, key) {
        (NID_SHA256, NID_X9_62_ID_EC_PUBLIC_KEY) => SignatureScheme::ECDSA_SECP256R1_SHA256,
        (NID_SHA384, NID_X9_62_ID_EC_PUBLIC_KEY) => SignatureScheme::ECDSA_SECP384R1_SHA384,
        (NID_SHA256, NID_RSA_ENCRYPTION) => SignatureScheme::RSA_PKCS1_SHA256,
        (NID_SHA384, NID_RSA_ENCRYPTION) => SignatureScheme::RSA_PKCS1_SHA384,
        (NID_SHA512, NID_RSA_ENCRYPTION) => SignatureScheme::RSA_PKCS1_SHA512,
        (NID_SHA256, NID_RSASSA_PSS) => SignatureScheme::RSA_PSS_RSAE_SHA256,
        (NID_SHA384, NID_RSASSA_PSS) => SignatureScheme::RSA_PSS_RSAE_SHA384,
        (NID_SHA512, NID_RSASSA_PSS) => SignatureScheme::RSA_PSS_RSAE_SHA512,
        (_, NID_ED25519) => SignatureScheme::ED25519,
        _ => return None,
    };
    SignatureScheme::SUPPORTED.contains(&s).then_some(s)
}

/// The digest NID of a signature scheme (`SSL_get_peer_signature_nid`).
fn scheme_hash_nid(s: SignatureScheme) -> c_int {
    match s.0 >> 8 {
        4 | 8 if s == SignatureScheme::ED25519 => 0,
        4 => NID_SHA256,
        5 => NID_SHA384,
        6 => NID_SHA512,
        8 => match s.0 & 0xff {
            4 => NID_SHA256,
            5 => NID_SHA384,
            6 => NID_SHA512,
            _ => 0,
        },
        _ => 0,
    }
}

/// Runs a settings change (or a read, on a copy) and returns the ctrl's result.
type Updater<'a> = dyn FnMut(&mut dyn FnMut(&mut Settings) -> c_long) -> c_long + 'a;

/// Stores a parsed list with `store` (1), or queues `reason` with the parse error's text
/// and fails (0).
#[track_caller]
fn store_or_fail<T: Clone>(
    update: &mut Updater<'_>,
    parsed: Result<T, String>,
    reason: c_int,
    store: fn(&mut Settings, T),
) -> c_long {
    match parsed {
        Ok(v) => update(&mut |s| {
            store(s, v.clone());
            1
        }),
        Err(detail) => {
            put_error(ERR_LIB_SSL, reason, detail);
            0
        }
    }
}

/// A settings command shared by `SSL_ctrl` and `SSL_CTX_ctrl`; None when `cmd` is not one.
fn settings_ctrl(
    update: &mut Updater<'_>,
    family: Family,
    cmd: c_int,
    larg: c_long,
    parg: *mut c_void,
) -> Option<c_long> {
    let r = match cmd {
        SSL_CTRL_MODE => update(&mut |s| {
            s.mode |= larg;
            s.mode
        }),
        SSL_CTRL_CLEAR_MODE => update(&mut |s| {
            s.mode &= !larg;
            s.mode
        }),
        SSL_CTRL_GET_READ_AHEAD => update(&mut |s| c_long::from(s.read_ahead)),
        SSL_CTRL_SET_READ_AHEAD => {
            update(&mut |s| c_long::from(std::mem::replace(&mut s.read_ahead, larg != 0)))
        }
        SSL_CTRL_SET_MSG_CALLBACK_ARG => update(&mut |s| {
            s.msg_callback_arg = AppPtr(parg);
            1
        }),
        SSL_CTRL_GET_MAX_CERT_LIST => update(&mut |s| s.max_cert_list),
        SSL_CTRL_SET_MAX_CERT_LIST if larg >= 0 => {
            update(&mut |s| std::mem::replace(&mut s.max_cert_list, larg))
        }
        SSL_CTRL_SET_MAX_SEND_FRAGMENT => match usize::try_from(larg) {
            Ok(n) if (MIN_SEND_FRAGMENT..=MAX_SEND_FRAGMENT).contains(&larg) => update(&mut |s| {
                s.max_send_fragment = n;
                1
            }),
            _ => 0,
        },
        SSL_CTRL_SET_SPLIT_SEND_FRAGMENT | SSL_CTRL_SET_MAX_PIPELINES => c_long::from(larg >= 1),
        SSL_CTRL_SET_MIN_PROTO_VERSION | SSL_CTRL_SET_MAX_PROTO_VERSION => {
            let v = c_int::try_from(larg).unwrap_or(-1);
            let ok = match family {
                Family::Tls => v == 0 || (SSL3_VERSION..=TLS1_3_VERSION).contains(&v),
                _ => matches!(
                    v,
                    0 | DTLS1_VERSION | DTLS1_2_VERSION | DTLS1_3_VERSION | DTLS1_BAD_VER
                ),
            };
            if !ok {
                return Some(0);
            }
            update(&mut |s| {
                if cmd == SSL_CTRL_SET_MIN_PROTO_VERSION {
                    s.min_proto = v;
                } else {
                    s.max_proto = v;
                }
                1
            })
        }
        SSL_CTRL_GET_MIN_PROTO_VERSION => update(&mut |s| c_long::from(s.min_proto)),
        SSL_CTRL_GET_MAX_PROTO_VERSION => update(&mut |s| c_long::from(s.max_proto)),
        SSL_CTRL_SET_GROUPS_LIST => {
            let list = parg_str(parg)?;
            let parsed = parse_groups(list).map_err(|name| {
                format!("unknown group '{name}' (X25519, P-256, P-384 are supported)")
            });
            store_or_fail(update, parsed, SSL_R_UNSUPPORTED_ELLIPTIC_CURVE, |s, g| {
                s.groups = g
            })
        }
        SSL_CTRL_SET_GROUPS => {
            let nids = parg_ints(parg, larg)?;
            let groups: Option<Vec<NamedGroup>> = nids.iter().map(|&n| group_from_nid(n)).collect();
            let parsed = groups.ok_or_else(|| "unsupported group NID".to_string());
            store_or_fail(update, parsed, SSL_R_UNSUPPORTED_ELLIPTIC_CURVE, |s, g| {
                s.groups = g
            })
        }
        SSL_CTRL_SET_SIGALGS_LIST | SSL_CTRL_SET_CLIENT_SIGALGS_LIST => {
            let list = parg_str(parg)?;
            let parsed =
                parse_sigalgs(list).map_err(|name| format!("unknown signature algorithm '{name}'"));
            store_or_fail(update, parsed, SSL_R_BAD_VALUE, |s, v| s.sigalgs = v)
        }
        SSL_CTRL_SET_SIGALGS | SSL_CTRL_SET_CLIENT_SIGALGS => {
            let ints = parg_ints(parg, larg)?;
            if ints.len() % 2 != 0 {
                return Some(0);
            }
            let v: Option<Vec<SignatureScheme>> = ints
                .chunks(2)
                .map(|p| sigalg_from_nids(p[0], p[1]))
                .collect();
            let parsed = v.ok_or_else(|| "unsupported signature algorithm pair".to_string());
            store_or_fail(update, parsed, SSL_R_BAD_VALUE, |s, v| s.sigalgs = v)
        }
        // ECDHE only: finite-field DH parameters are accepted and unused.
        SSL_CTRL_SET_TMP_DH | SSL_CTRL_SET_TMP_ECDH | SSL_CTRL_SET_DH_AUTO => 1,
        SSL_CTRL_CERT_FLAGS | SSL_CTRL_CLEAR_CERT_FLAGS => larg,
        SSL_CTRL_SET_TLSEXT_STATUS_REQ_TYPE | SSL_CTRL_SET_TLSEXT_DEBUG_ARG => 1,
        _ => return None,
    };
    Some(r)
}

/// Replaces the chain with the certificates of a `STACK_OF(X509)` (ctrl 88); `set1` keeps
/// the caller's stack, `set0` takes it.
fn set_chain(update: &mut dyn FnMut(Vec<Vec<u8>>), sk: *mut OPENSSL_STACK, set1: bool) -> c_long {
    let ders = if sk.is_null() {
        Vec::new()
    } else {
        host::stack_x509_der(sk)
    };
    update(ders);
    if !set1 && !sk.is_null() {
        host::stack_free_x509(sk);
    }
    1
}

impl SSL {
    fn ctrl(&self, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        let family = self.ctx().method.family;
        let mut update = |f: &mut dyn FnMut(&mut Settings) -> c_long| -> c_long {
            if matches!(
                cmd,
                SSL_CTRL_GET_READ_AHEAD
                    | SSL_CTRL_GET_MAX_CERT_LIST
                    | SSL_CTRL_GET_MIN_PROTO_VERSION
                    | SSL_CTRL_GET_MAX_PROTO_VERSION
            ) || (cmd == SSL_CTRL_MODE && larg == 0)
            {
                let mut copy = self.with_settings(Settings::clone);
                return f(&mut copy);
            }
            self.update_settings(|s| f(s)).unwrap_or(0)
        };
        if let Some(r) = settings_ctrl(&mut update, family, cmd, larg, parg) {
            return r;
        }
        match cmd {
            DTLS_CTRL_GET_TIMEOUT => self.get_timeout(parg.cast()),
            DTLS_CTRL_HANDLE_TIMEOUT => self.handle_timeout(),
            SSL_CTRL_SET_MTU => self.set_mtu(larg),
            DTLS_CTRL_SET_LINK_MTU => self.set_link_mtu(larg),
            DTLS_CTRL_GET_LINK_MIN_MTU => DTLS1_LINK_MIN_MTU,
            SSL_CTRL_SET_TLSEXT_HOSTNAME => {
                super::setters::set_host_name(self, larg, parg as *const c_char)
            }
            SSL_CTRL_GET_EXTMS_SUPPORT => super::getters::extms_support(self),
            // RFC 5746 support the peer signalled (OpenSSL's s3.send_connection_binding).
            SSL_CTRL_GET_RI_SUPPORT => c_long::from(
                self.with_conn(rdtls::Connection::secure_renegotiation)
                    .unwrap_or(false),
            ),
            SSL_CTRL_GET_SHARED_GROUP => self.shared_group(larg),
            SSL_CTRL_GET_GROUPS => self.get1_groups(parg),
            SSL_CTRL_GET_NEGOTIATED_GROUP => self
                .with_conn(|c| c.group())
                .flatten()
                .map_or(0, |g| c_long::from(group_nid(g))),
            SSL_CTRL_GET_PEER_SIGNATURE_NID => {
                let Some(scheme) = self.with_conn(|c| c.peer_signature_scheme()).flatten() else {
                    return 0;
                };
                // SAFETY: the ctrl's argument is an `int *` (NULL tolerated).
                if let Some(out) = unsafe { (parg as *mut c_int).as_mut() } {
                    *out = scheme_hash_nid(scheme);
                }
                1
            }
            SSL_CTRL_CHAIN => set_chain(
                &mut |d| {
                    self.update_settings(|s| s.chain = std::sync::Arc::new(d));
                },
                parg.cast(),
                larg != 0,
            ),
            SSL_CTRL_CHAIN_CERT => {
                add_chain_cert(ChainTarget::Ssl(self), parg as *mut X509, larg != 0)
            }
            SSL_CTRL_GET_NUM_RENEGOTIATIONS => clamp_count(self.renegotiation_count(false, false)),
            SSL_CTRL_CLEAR_NUM_RENEGOTIATIONS => clamp_count(self.renegotiation_count(true, false)),
            SSL_CTRL_GET_TOTAL_RENEGOTIATIONS => clamp_count(self.renegotiation_count(false, true)),
            SSL_CTRL_GET_CLIENT_CERT_REQUEST => 0,
            _ => 0,
        }
    }
}

impl SSL_CTX {
    fn ctrl(&self, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        let mut update = |f: &mut dyn FnMut(&mut Settings) -> c_long| -> c_long {
            if matches!(
                cmd,
                SSL_CTRL_GET_READ_AHEAD
                    | SSL_CTRL_GET_MAX_CERT_LIST
                    | SSL_CTRL_GET_MIN_PROTO_VERSION
                    | SSL_CTRL_GET_MAX_PROTO_VERSION
            ) || (cmd == SSL_CTRL_MODE && larg == 0)
            {
                return self.with_settings(|s| f(&mut s.clone()));
            }
            self.update(|s| f(s))
        };
        if let Some(r) = settings_ctrl(&mut update, self.method.family, cmd, larg, parg) {
            return r;
        }
        let stat = |a: &std::sync::atomic::AtomicI64| a.load(Ordering::Relaxed) as c_long;
        match cmd {
            SSL_CTRL_SESS_NUMBER => {
                c_long::try_from(self.session_cache.len()).unwrap_or(c_long::MAX)
            }
            SSL_CTRL_SESS_CONNECT => stat(&self.stats.connect),
            SSL_CTRL_SESS_CONNECT_GOOD => stat(&self.stats.connect_good),
            SSL_CTRL_SESS_ACCEPT => stat(&self.stats.accept),
            SSL_CTRL_SESS_ACCEPT_GOOD => stat(&self.stats.accept_good),
            SSL_CTRL_SESS_HIT => stat(&self.stats.hits),
            SSL_CTRL_SESS_MISSES => stat(&self.stats.misses),
            SSL_CTRL_SESS_CB_HIT => stat(&self.stats.cb_hits),
            SSL_CTRL_SESS_CONNECT_RENEGOTIATE
            | SSL_CTRL_SESS_ACCEPT_RENEGOTIATE
            | SSL_CTRL_SESS_TIMEOUTS
            | SSL_CTRL_SESS_CACHE_FULL => 0,
            SSL_CTRL_SET_SESS_CACHE_SIZE if larg >= 0 => {
                let old = self.update_live(|l| std::mem::replace(&mut l.session_cache_size, larg));
                self.session_cache
                    .set_capacity(super::ctx::cache_capacity(larg));
                old
            }
            SSL_CTRL_GET_SESS_CACHE_SIZE => self.live().session_cache_size,
            SSL_CTRL_SET_SESS_CACHE_MODE => {
                self.update_live(|l| std::mem::replace(&mut l.session_cache_mode, larg))
            }
            SSL_CTRL_GET_SESS_CACHE_MODE => self.live().session_cache_mode,
            SSL_CTRL_SET_TLSEXT_SERVERNAME_ARG => self.update_live(|l| {
                l.servername_arg = AppPtr(parg);
                1
            }),
            SSL_CTRL_SET_TLSEXT_TICKET_KEYS | SSL_CTRL_GET_TLSEXT_TICKET_KEYS => {
                c_long::from(larg == 80)
            }
            SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB_ARG => 1,
            SSL_CTRL_EXTRA_CHAIN_CERT => add_extra_chain_cert(self, parg as *mut X509),
            SSL_CTRL_CLEAR_EXTRA_CHAIN_CERTS => clear_extra_chain_certs(self),
            SSL_CTRL_GET_EXTRA_CHAIN_CERTS => {
                // SAFETY: the ctrl's argument is a `STACK_OF(X509) **` (NULL tolerated).
                if let Some(out) = unsafe { (parg as *mut *mut OPENSSL_STACK).as_mut() } {
                    *out = std::ptr::null_mut();
                }
                1
            }
            SSL_CTRL_CHAIN => set_chain(
                &mut |d| self.update(|s| s.chain = std::sync::Arc::new(d)),
                parg.cast(),
                larg != 0,
            ),
            SSL_CTRL_CHAIN_CERT => {
                add_chain_cert(ChainTarget::Ctx(self), parg as *mut X509, larg != 0)
            }
            _ => 0,
        }
    }
}

entry! {
    /// SSL_ctrl: the per-connection control commands (DTLS timers, MTU, SNI, modes, ...).
    fn SSL_ctrl(s: *mut SSL, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        let s = try_ref!(s, 0);
        s.ctrl(cmd, larg, parg)
    }

    /// SSL_CTX_ctrl: the per-context control commands (session cache, modes, chains, ...).
    fn SSL_CTX_ctrl(ctx: *mut SSL_CTX, cmd: c_int, larg: c_long, parg: *mut c_void) -> c_long {
        let ctx = try_ref!(ctx, 0);
        ctx.ctrl(cmd, larg, parg)
    }

    /// SSL_callback_ctrl: sets a callback by command (message callback, ...).
    fn SSL_callback_ctrl(s: *mut SSL, cmd: c_int, fp: Option<unsafe extern "C" fn()>) -> c_long {
        let s = try_ref!(s, 0);
        match cmd {
            SSL_CTRL_SET_MSG_CALLBACK => {
                // SAFETY: for this command the pointer is a message callback (API contract).
                let cb = fp.map(|f| unsafe { std::mem::transmute::<unsafe extern "C" fn(), MsgCallback>(f) });
                s.update_settings(|st| st.msg_callback = cb);
                1
            }
            SSL_CTRL_SET_TLSEXT_DEBUG_CB => 1,
            _ => 0,
        }
    }

    /// SSL_CTX_callback_ctrl: sets a context callback by command (message callback, SNI
    /// callback, ...).
    fn SSL_CTX_callback_ctrl(ctx: *mut SSL_CTX, cmd: c_int, fp: Option<unsafe extern "C" fn()>) -> c_long {
        let ctx = try_ref!(ctx, 0);
        match cmd {
            SSL_CTRL_SET_MSG_CALLBACK => {
                // SAFETY: for this command the pointer is a message callback (API contract).
                let cb = fp.map(|f| unsafe { std::mem::transmute::<unsafe extern "C" fn(), MsgCallback>(f) });
                ctx.update(|st| st.msg_callback = cb);
                1
            }
            SSL_CTRL_SET_TLSEXT_SERVERNAME_CB => {
                // SAFETY: for this command the pointer is a servername callback.
                let cb = fp.map(|f| unsafe { std::mem::transmute::<unsafe extern "C" fn(), ServernameCallback>(f) });
                ctx.update_live(|l| l.servername_callback = cb);
                1
            }
            SSL_CTRL_SET_TLSEXT_STATUS_REQ_CB | SSL_CTRL_SET_TLSEXT_TICKET_KEY_CB => 1,
            _ => 0,
        }
    }
}

/// A counter as a ctrl return value.
fn clamp_count(n: u64) -> c_long {
    c_long::try_from(n).unwrap_or(c_long::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigalg_pairs_and_hash_nids() {
        assert_eq!(
            sigalg_from_nids(NID_SHA256, NID_X9_62_ID_EC_PUBLIC_KEY),
            Some(SignatureScheme::ECDSA_SECP256R1_SHA256)
        );
        assert_eq!(
            sigalg_from_nids(NID_SHA512, NID_X9_62_ID_EC_PUBLIC_KEY),
            None
        );
        assert_eq!(
            scheme_hash_nid(SignatureScheme::RSA_PSS_RSAE_SHA384),
            NID_SHA384
        );
        assert_eq!(
            scheme_hash_nid(SignatureScheme::ECDSA_SECP256R1_SHA256),
            NID_SHA256
        );
        assert_eq!(scheme_hash_nid(SignatureScheme::ED25519), 0);
    }
}
