//! The end of the ClientHello callbacks (the client-hello callback of `client_hello.rs`,
//! then the servername and certificate callbacks of `servername.rs`): the settings they
//! left become the configuration the handshake goes on with. Below both stages, so neither
//! imports the other's internals.
use std::sync::atomic::Ordering;
use std::sync::Arc;

use rdtls::{AlertDescription, HelloDecision, HelloRejection};

use super::objects::{SSL, SSL_CTX};
use super::settings::Shared;
use super::state::values::Variant;

/// A rejection of the ClientHello with `alert`.
pub(crate) fn reject(alert: AlertDescription, reason: impl Into<String>) -> HelloRejection {
    HelloRejection {
        alert,
        reason: reason.into(),
    }
}

/// After the callbacks: the configuration the handshake goes on with, when they changed it.
pub(crate) fn finish(
    s: &SSL,
    session_ctx: &Arc<SSL_CTX>,
    variant: Variant,
    ctx_before: Arc<SSL_CTX>,
    own_before: bool,
    mut decision: HelloDecision,
) -> Result<HelloDecision, HelloRejection> {
    let ctx_now = s.ctx();
    let switched = !Arc::ptr_eq(&ctx_before, &ctx_now);
    let changed = s.own_settings.get() || switched;
    s.own_settings.set(own_before || changed);
    if switched {
        // As OpenSSL: the accept counts under the context that served the handshake.
        ctx_before.stats.accept.fetch_sub(1, Ordering::Relaxed);
        ctx_now.stats.accept.fetch_add(1, Ordering::Relaxed);
    }
    if changed {
        let Ok(settings) = s.settings.try_borrow().map(|st| st.clone()) else {
            return Err(reject(
                AlertDescription::INTERNAL_ERROR,
                "the settings are being changed re-entrantly",
            ));
        };
        let (trust, _) = ctx_now.trust_store();
        let shared = Shared {
            trust,
            cookie_keys: &session_ctx.cookie_keys,
            session_cache: &session_ctx.session_cache,
            ticket_key13: session_ctx.ticket_key13.as_ref(),
        };
        let config = settings.build_config(shared, variant).map_err(|e| {
            reject(
                AlertDescription::INTERNAL_ERROR,
                format!("the settings chosen by the servername or certificate callback: {e}"),
            )
        })?;
        decision.config = Some(config);
    }
    Ok(decision)
}
