//! DTLS-SRTP (RFC 5764) for C callers: `SSL_CTX_set_tlsext_use_srtp`,
//! `SSL_set_tlsext_use_srtp`, `SSL_get_selected_srtp_profile`, `SSL_get_srtp_profiles`.
//! The keys come from `SSL_export_keying_material("EXTRACTOR-dtls_srtp")` (getters.rs).
use std::ffi::{c_char, c_int, c_ulong, c_void};
use std::sync::Mutex;

use rdtls::srtp::profile_by_name;

use crate::entry::*;
use crate::error::ssl_reasons::*;
use crate::error::{put_error, ERR_LIB_SSL};
use crate::host::{self, OPENSSL_STACK};

use super::objects::{SSL, SSL_CTX};
use super::state::lock;

/// OpenSSL's `SRTP_PROTECTION_PROFILE { const char *name; unsigned long id; }`.
#[repr(C)]
pub struct SRTP_PROTECTION_PROFILE {
    name: *const c_char,
    id: c_ulong,
}

/// The profile objects C callers get pointers to (static, never freed, as OpenSSL's).
struct ProfileTable([SRTP_PROTECTION_PROFILE; 4]);

// SAFETY: immutable static data (pointers to static C strings).
unsafe impl Sync for ProfileTable {}

static TABLE: ProfileTable = ProfileTable([
    SRTP_PROTECTION_PROFILE {
        name: c"SRTP_AES128_CM_SHA1_80".as_ptr(),
        id: 0x0001,
    },
    SRTP_PROTECTION_PROFILE {
        name: c"SRTP_AES128_CM_SHA1_32".as_ptr(),
        id: 0x0002,
    },
    SRTP_PROTECTION_PROFILE {
        name: c"SRTP_AEAD_AES_128_GCM".as_ptr(),
        id: 0x0007,
    },
    SRTP_PROTECTION_PROFILE {
        name: c"SRTP_AEAD_AES_256_GCM".as_ptr(),
        id: 0x0008,
    },
]);

/// The C object of profile `id`.
fn profile_object(id: u16) -> Option<&'static SRTP_PROTECTION_PROFILE> {
    TABLE.0.iter().find(|p| p.id == c_ulong::from(id))
}

/// Parses OpenSSL's colon-separated profile list as `ssl_ctx_make_profiles` does: every
/// name must be known and listed once; an empty list or empty name is an unknown profile.
/// On error the ERR entry is queued and the old list stays in place (as in OpenSSL).
pub fn parse_profiles(list: &str) -> Option<Vec<u16>> {
    let mut out = Vec::new();
    for name in list.split(':') {
        let Some(p) = profile_by_name(name) else {
            put_error(
                ERR_LIB_SSL,
                SSL_R_SRTP_UNKNOWN_PROTECTION_PROFILE,
                format!("unknown SRTP protection profile '{name}'"),
            );
            return None;
        };
        if out.contains(&p.id) {
            put_error(
                ERR_LIB_SSL,
                SSL_R_BAD_SRTP_PROTECTION_PROFILE_LIST,
                format!("SRTP protection profile {name} listed twice"),
            );
            return None;
        }
        out.push(p.id);
    }
    Some(out)
}

/// A `STACK_OF(SRTP_PROTECTION_PROFILE)` handed out by `SSL_get_srtp_profiles`.
struct StackPtr(*mut OPENSSL_STACK);

// SAFETY: the stacks are created once, never modified or freed, and only read by C.
unsafe impl Send for StackPtr {}

/// One stack per distinct profile list, built on first use and kept for the process's
/// life (there are at most 64 ordered lists of the 4 profiles, so this is bounded). The
/// caller gets OpenSSL's `get0` semantics: it must not free the stack.
static STACKS: Mutex<Vec<(Vec<u16>, StackPtr)>> = Mutex::new(Vec::new());

fn interned_stack(ids: &[u16]) -> *mut OPENSSL_STACK {
    let mut stacks = lock(&STACKS);
    if let Some((_, sk)) = stacks.iter().find(|(l, _)| l == ids) {
        return sk.0;
    }
    let ptrs: Vec<*const c_void> = ids
        .iter()
        .filter_map(|id| profile_object(*id))
        .map(|p| (p as *const SRTP_PROTECTION_PROFILE).cast())
        .collect();
    let sk = host::stack_of_ptrs(&ptrs);
    if !sk.is_null() {
        stacks.push((ids.to_vec(), StackPtr(sk)));
    }
    sk
}

entry! {
    /// SSL_CTX_set_tlsext_use_srtp sets the profiles (colon-separated OpenSSL names) a
    /// client offers and a server accepts, in preference order. Returns 0 on success and 1
    /// on error (OpenSSL's inverted convention for this function).
    fn SSL_CTX_set_tlsext_use_srtp(ctx: *mut SSL_CTX, profiles: *const c_char) -> c_int {
        let ctx = try_ref!(ctx, 1);
        let p = try_cstr!(profiles, 1);
        let Some(ids) = parse_profiles(p) else { return 1 };
        ctx.update(|s| s.srtp_profiles = ids);
        0
    }

    /// SSL_set_tlsext_use_srtp: as SSL_CTX_set_tlsext_use_srtp, for one connection.
    fn SSL_set_tlsext_use_srtp(s: *mut SSL, profiles: *const c_char) -> c_int {
        let s = try_ref!(s, 1);
        let p = try_cstr!(profiles, 1);
        let Some(ids) = parse_profiles(p) else { return 1 };
        match s.update_settings(|st| {
            st.srtp_profiles = ids;
            st.srtp_own = true;
        }) {
            Some(()) => 0,
            None => 1,
        }
    }

    /// SSL_get_selected_srtp_profile: the profile use_srtp negotiated, NULL when none.
    fn SSL_get_selected_srtp_profile(s: *mut SSL) -> *mut SRTP_PROTECTION_PROFILE {
        let s = try_ref!(s, std::ptr::null_mut());
        s.with_conn(|c| c.srtp_profile().map(|p| p.id))
            .flatten()
            .and_then(profile_object)
            .map_or(std::ptr::null_mut(), |p| (p as *const SRTP_PROTECTION_PROFILE).cast_mut())
    }

    /// SSL_get_srtp_profiles: the connection's profile list (a stack the caller must not
    /// free), NULL when none is set.
    fn SSL_get_srtp_profiles(s: *mut SSL) -> *mut OPENSSL_STACK {
        let s = try_ref!(s, std::ptr::null_mut());
        let ids = match s.with_settings(|st| st.srtp_own.then(|| st.srtp_profiles.clone())) {
            Some(own) => own,
            None => s.ctx().with_settings(|c| c.srtp_profiles.clone()),
        };
        if ids.is_empty() {
            return std::ptr::null_mut();
        }
        interned_stack(&ids)
    }
}

/// The names the engine knows and this table exposes must agree.
#[cfg(test)]
mod tests {
    use super::*;
    use rdtls::srtp::PROFILES;

    #[test]
    fn table_matches_engine() {
        for (c, p) in TABLE.0.iter().zip(PROFILES.iter()) {
            assert_eq!(c.id, c_ulong::from(p.id));
            // SAFETY: static NUL-terminated names.
            let name = unsafe { std::ffi::CStr::from_ptr(c.name) };
            assert_eq!(name.to_str().unwrap(), p.name);
        }
    }

    #[test]
    fn lists() {
        assert_eq!(
            parse_profiles("SRTP_AEAD_AES_256_GCM:SRTP_AES128_CM_SHA1_80"),
            Some(vec![8, 1])
        );
        for bad in [
            "",
            "SRTP_FOO",
            "SRTP_AES128_CM_SHA1_80:",
            "SRTP_NULL_SHA1_80",
            "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_80",
        ] {
            assert_eq!(parse_profiles(bad), None, "{bad}");
        }
        crate::error::clear();
    }
}
