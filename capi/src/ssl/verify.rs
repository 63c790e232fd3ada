//! Peer verification with OpenSSL's semantics, and the verify settings.
//!
//! Each connection gets a [`CertVerifier`] that reaches the application's callbacks. The
//! chain is checked once into a list of [`Step`]s in `X509_verify_cert`'s order (every
//! error, each at its depth, then one "ok" call per depth from the top of the chain down
//! to the leaf); [`replay`] hands them to the verify callback through an
//! `X509_STORE_CTX` whose ex_data (at `SSL_get_ex_data_X509_STORE_CTX_idx()`) gives back
//! the `SSL*`. A callback returning 1 on an error goes on to the next check, 0 stops
//! verification with that error. Without a callback the first error stops it.
use std::ffi::{c_int, c_long, c_void};

use rdtls::pki::ossl_verify::{
    leaf_matches_host, openssl_steps_with_crls, ChainOptions, OsslVerification, Revocation, Step,
};
use rdtls::pki::verifier::{CertVerifier, Verdict, VerifyInput};
use rdtls::pki::verify::ExpectedNames;
use rdtls::pki::{verify_code_string, X509_V_ERR_APPLICATION_VERIFICATION};
use rdtls::Connection;

use crate::entry::*;
use crate::host;

use super::objects::{CertVerifyCallback, SslPtr, VerifyCallback, SSL, SSL_CTX};
use super::state::AppPtr;

/// `X509_V_OK`.
const X509_V_OK: c_long = 0;
/// `X509_V_ERR_UNSPECIFIED`: what a security getter reports when it cannot know.
const X509_V_ERR_UNSPECIFIED: c_long = 1;

/// The SSL's parameter object moved into its verifier (same contract as [`SslPtr`]).
#[derive(Clone, Copy)]
struct ParamPtr(*mut host::X509_VERIFY_PARAM);

// SAFETY: see SslPtr.
unsafe impl Send for ParamPtr {}
// SAFETY: see SslPtr.
unsafe impl Sync for ParamPtr {}

/// `X509_V_FLAG_CRL_CHECK`.
const X509_V_FLAG_CRL_CHECK: u64 = 0x4;
/// `X509_V_FLAG_CRL_CHECK_ALL`.
const X509_V_FLAG_CRL_CHECK_ALL: u64 = 0x8;
/// `X509_V_FLAG_PARTIAL_CHAIN`.
const X509_V_FLAG_PARTIAL_CHAIN: u64 = 0x80000;

/// The callback invocations OpenSSL's `X509_verify_cert` makes for `input`, with the
/// SSL's `X509_VERIFY_PARAM` (host names when `SSL_set1_host` set none, verify depth, CRL
/// flags) and the revocation check the `SSL_CTX`'s store or the parameters ask for.
fn steps_for(input: &VerifyInput<'_>, ssl: &SSL) -> OsslVerification {
    let (hosts, pflags, pdepth) = host::param_hosts_flags_depth(ssl.param.ptr());
    let (crls, flags) = host::store_crls_and_flags(ssl.ctx().cert_store_ref().ptr(), pflags);
    let options = ChainOptions {
        revocation: (flags & X509_V_FLAG_CRL_CHECK != 0).then_some(Revocation {
            crls: &crls,
            all: flags & X509_V_FLAG_CRL_CHECK_ALL != 0,
        }),
        partial_chain: flags & X509_V_FLAG_PARTIAL_CHAIN != 0,
    };
    let names = match input.names {
        Some(n) => Some(n),
        None if !hosts.is_empty() && input.server_cert => Some(hosts.as_slice()),
        None => None,
    };
    openssl_steps_with_crls(
        input.trust,
        input.chain,
        input.now,
        names,
        input.server_cert,
        usize::try_from(pdepth).unwrap_or(input.max_depth),
        &options,
    )
}

/// Plays `steps` to `cb` (or to OpenSSL's default: stop at the first error).
pub fn replay(
    ssl: *mut SSL,
    cb: Option<VerifyCallback>,
    chain: &[Vec<u8>],
    steps: &[Step],
) -> Verdict {
    let top = chain.len().saturating_sub(1);
    let ctx = match cb {
        Some(_) => host::store_ctx_new(chain, top, 0, ssl.cast()),
        None => std::ptr::null_mut(),
    };
    let mut last = (0, 0usize);
    let mut verdict = None;
    for step in steps {
        let (depth, err, preverify) = match *step {
            Step::Error { depth, code } => {
                last = (code, depth);
                (depth, code, 0)
            }
            Step::Ok { depth } => (depth, last.0, 1),
        };
        let ok = match cb {
            Some(cb) if !ctx.is_null() => {
                host::store_ctx_set_depth(ctx, depth, err);
                // SAFETY: the application's callback with OpenSSL's arguments.
                unsafe { cb(preverify, ctx) }
            }
            _ => preverify,
        };
        if ok == 0 {
            let code = if err == 0 {
                X509_V_ERR_APPLICATION_VERIFICATION
            } else {
                err
            };
            verdict = Some(Verdict {
                accept: false,
                code,
                depth,
                reason: format!("{} at depth {depth}", verify_code_string(code)),
            });
            break;
        }
    }
    if !ctx.is_null() {
        host::store_ctx_free(ctx);
    }
    verdict.unwrap_or(Verdict {
        accept: true,
        code: last.0,
        depth: last.1,
        reason: String::new(),
    })
}

/// The first error of `steps` as `X509_verify_cert` reports it without a callback.
fn first_error(steps: &[Step]) -> (c_int, usize) {
    steps
        .iter()
        .find_map(|s| match *s {
            Step::Error { depth, code } => Some((code, depth)),
            Step::Ok { .. } => None,
        })
        .unwrap_or((0, 0))
}

/// Runs an `SSL_CTX_set_cert_verify_callback` callback: it replaces chain verification;
/// `X509_verify_cert` inside it yields the result without a verify callback.
fn run_cert_verify_callback(
    ssl: *mut SSL,
    cb: CertVerifyCallback,
    arg: AppPtr,
    chain: &[Vec<u8>],
    steps: &[Step],
) -> Verdict {
    let (code, depth) = first_error(steps);
    let ctx = host::store_ctx_new(chain, depth, code, ssl.cast());
    if ctx.is_null() {
        return Verdict {
            accept: false,
            code: 1,
            depth: 0,
            reason: "out of memory".into(),
        };
    }
    host::store_ctx_set_verifier(ctx, Box::new(move |_chain| (code, depth)));
    // SAFETY: the application's callback with OpenSSL's arguments.
    let ok = unsafe { cb(ctx, arg.0) };
    let code = host::store_ctx_error(ctx);
    host::store_ctx_free(ctx);
    Verdict {
        accept: ok > 0,
        code,
        depth,
        reason: format!("{} (certificate verify callback)", verify_code_string(code)),
    }
}

/// The verifier of one connection: OpenSSL's checks and the application's callbacks.
struct CallbackVerifier {
    ssl: SslPtr,
    /// The SSL's `X509_VERIFY_PARAM` (NULL in the standalone build); lives as long as the SSL.
    param: ParamPtr,
    verify_cb: Option<VerifyCallback>,
    cert_cb: Option<(CertVerifyCallback, AppPtr)>,
}

impl CertVerifier for CallbackVerifier {
    fn verify(&self, input: &VerifyInput<'_>) -> Verdict {
        if let Some(v) = host::native_verify(&host::NativeVerify {
            ssl: self.ssl.0.cast(),
            ssl_param: self.param.0,
            chain_der: input.chain,
            names: input.names,
            server_cert: input.server_cert,
            max_depth: input.max_depth,
            verify_cb: self.verify_cb,
            cert_cb: self.cert_cb.map(|(cb, arg)| (cb, arg.0)),
        }) {
            return Verdict {
                accept: v.accept,
                code: v.code,
                depth: v.depth,
                reason: format!("{} at depth {}", verify_code_string(v.code), v.depth),
            };
        }
        // SAFETY: the SSL outlives its connection, whose handshake is running this.
        let Some(ssl) = (unsafe { self.ssl.0.as_ref() }) else {
            return Verdict {
                accept: false,
                code: 1,
                depth: 0,
                reason: "no SSL".into(),
            };
        };
        let v = steps_for(input, ssl);
        match self.cert_cb {
            // Before X509_verify_cert the context holds the peer's certificates only.
            Some((cb, arg)) => run_cert_verify_callback(self.ssl.0, cb, arg, input.chain, &v.steps),
            // The callback sees the built chain: every depth has a current certificate, the
            // trust anchor's included.
            None => replay(self.ssl.0, self.verify_cb, &v.chain, &v.steps),
        }
    }

    /// OpenSSL's name rules (`X509_check_host`, the subject CN when there is no DNS name),
    /// with the SSL's `X509_VERIFY_PARAM` hosts when `SSL_set1_host` set none, as
    /// [`steps_for`] checks them (the drop-in build's libcrypto keeps its parameter's hosts
    /// to itself: as OpenSSL's resumption, they are not checked then).
    fn leaf_matches_names(&self, leaf: &[u8], names: ExpectedNames<'_>) -> bool {
        let hosts;
        let names = match names {
            Some(n) => n,
            None => {
                hosts = host::param_hosts_flags_depth(self.param.0).0;
                if hosts.is_empty() {
                    return true;
                }
                &hosts
            }
        };
        leaf_matches_host(leaf, names)
    }
}

/// Installs the connection's verifier (the application's callbacks, OpenSSL's rules).
pub fn install_verify_hook(s: &SSL, conn: &mut Connection) {
    let verify_cb = s.with_settings(|st| st.verify_callback);
    let live = s.ctx().live();
    let cert_cb = live
        .cert_verify_callback
        .map(|cb| (cb, live.cert_verify_arg));
    conn.set_verifier(Box::new(CallbackVerifier {
        ssl: SslPtr(s.as_ptr()),
        param: ParamPtr(s.param.ptr()),
        verify_cb,
        cert_cb,
    }));
}

entry! {
    /// SSL_CTX_set_verify sets the verify mode (SSL_VERIFY_*) and callback (may be NULL).
    fn SSL_CTX_set_verify(ctx: *mut SSL_CTX, mode: c_int, cb: Option<VerifyCallback>) {
        let ctx = try_ref!(ctx, ());
        ctx.update(|s| {
            s.verify_mode = mode;
            s.verify_callback = cb;
        });
    }

    /// SSL_set_verify sets this connection's verify mode and callback.
    fn SSL_set_verify(s: *mut SSL, mode: c_int, cb: Option<VerifyCallback>) {
        let s = try_ref!(s, ());
        s.update_settings(|st| {
            st.verify_mode = mode;
            st.verify_callback = cb;
        });
    }

    /// SSL_CTX_set_verify_depth limits the accepted chain depth.
    fn SSL_CTX_set_verify_depth(ctx: *mut SSL_CTX, depth: c_int) {
        let ctx = try_ref!(ctx, ());
        ctx.update(|s| s.verify_depth = depth);
    }

    /// SSL_set_verify_depth limits this connection's accepted chain depth.
    fn SSL_set_verify_depth(s: *mut SSL, depth: c_int) {
        let s = try_ref!(s, ());
        s.update_settings(|st| st.verify_depth = depth);
    }

    /// SSL_CTX_get_verify_mode returns the verify mode.
    fn SSL_CTX_get_verify_mode(ctx: *const SSL_CTX) -> c_int {
        let ctx = try_ref!(ctx, 0);
        ctx.with_settings(|s| s.verify_mode)
    }

    /// SSL_get_verify_mode returns this connection's verify mode.
    fn SSL_get_verify_mode(s: *const SSL) -> c_int {
        let s = try_ref!(s, 0);
        s.with_settings(|st| st.verify_mode)
    }

    /// SSL_CTX_get_verify_depth returns the verify depth (-1 when unset).
    fail = -1;
    fn SSL_CTX_get_verify_depth(ctx: *const SSL_CTX) -> c_int {
        let ctx = try_ref!(ctx, -1);
        ctx.with_settings(|s| s.verify_depth)
    }

    /// SSL_get_verify_depth returns this connection's verify depth (-1 when unset).
    fail = -1;
    fn SSL_get_verify_depth(s: *const SSL) -> c_int {
        let s = try_ref!(s, -1);
        s.with_settings(|st| st.verify_depth)
    }

    /// SSL_CTX_get_verify_callback returns the verify callback (NULL when none).
    fn SSL_CTX_get_verify_callback(ctx: *const SSL_CTX) -> Option<VerifyCallback> {
        let ctx = try_ref!(ctx, None);
        ctx.with_settings(|s| s.verify_callback)
    }

    /// SSL_get_verify_callback returns this connection's verify callback.
    fn SSL_get_verify_callback(s: *const SSL) -> Option<VerifyCallback> {
        let s = try_ref!(s, None);
        s.with_settings(|st| st.verify_callback)
    }

    /// SSL_CTX_set_cert_verify_callback replaces chain verification by `cb(store_ctx, arg)`.
    fn SSL_CTX_set_cert_verify_callback(ctx: *mut SSL_CTX, cb: Option<CertVerifyCallback>,
                                        arg: *mut c_void) {
        let ctx = try_ref!(ctx, ());
        ctx.update_live(|l| {
            l.cert_verify_callback = cb;
            l.cert_verify_arg = AppPtr(arg);
        });
    }

    /// SSL_get_verify_result returns the X509_V_* result of verifying the peer (X509_V_OK
    /// when it was not verified or passed). Called while the engine is busy (from inside a
    /// verify, cookie or timer callback) it cannot read the result and fails closed with
    /// X509_V_ERR_UNSPECIFIED rather than claim X509_V_OK.
    fn SSL_get_verify_result(s: *const SSL) -> c_long {
        let s = try_ref!(s, 0);
        if let Some(v) = s.verify_result.get() {
            return v;
        }
        // A server that asks for no client certificate verifies nothing: X509_V_OK, as in
        // OpenSSL (the engine's 1.3 server fails closed there; its 1.2 machine says 0).
        let asked = s.with_settings(|st| st.verify_mode & super::consts::SSL_VERIFY_PEER != 0);
        if s.is_server() && !asked {
            return X509_V_OK;
        }
        match s.conn.try_borrow() {
            Ok(c) => c.as_ref().map_or(X509_V_OK, |c| c_long::from(c.verify_result())),
            Err(_) => X509_V_ERR_UNSPECIFIED,
        }
    }

    /// SSL_set_verify_result overrides the value SSL_get_verify_result reports.
    fn SSL_set_verify_result(s: *mut SSL, v: c_long) {
        let s = try_ref!(s, ());
        s.verify_result.set(Some(v));
    }

    /// SSL_get_ex_data_X509_STORE_CTX_idx: the ex_data index under which an X509_STORE_CTX
    /// given to a verify callback holds the SSL*.
    fail = -1;
    fn SSL_get_ex_data_X509_STORE_CTX_idx() -> c_int {
        // Drop-in with TLS passthrough: the system libssl's index (our contexts hold the SSL
        // under both, see crate::passthru::real_store_ctx_idx).
        #[cfg(feature = "dropin")]
        if let Some(i) = crate::passthru::real_store_ctx_idx() {
            return i;
        }
        host::ssl_ex_data_x509_store_ctx_idx()
    }
}
