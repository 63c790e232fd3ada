//! `SSL_SESSION` getters legacy programs import (issue 8): the host name and session ID
//! context as stable C data owned by the session.
use std::ffi::{c_char, c_uchar, c_uint, CString};

use crate::entry::*;

use super::state::session::{session_value, Fixed, SSL_SESSION};

fn fixed(sess: &SSL_SESSION) -> &Fixed {
    sess.fixed.get_or_init(|| {
        let v = session_value(sess as *const SSL_SESSION as *mut SSL_SESSION);
        Fixed {
            hostname: v
                .as_ref()
                .and_then(|s| s.server_name.clone())
                .and_then(|n| CString::new(n).ok()),
            id_context: v.map(|s| s.id_context).unwrap_or_default(),
        }
    })
}

entry! {
    /// SSL_SESSION_get0_hostname: the SNI host name the session was made for, or NULL.
    fn SSL_SESSION_get0_hostname(sess: *const SSL_SESSION) -> *const c_char {
        let sess = try_ref!(sess, std::ptr::null());
        fixed(sess).hostname.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
    }

    /// SSL_SESSION_get0_id_context: the session ID context and its length in `*len`.
    fn SSL_SESSION_get0_id_context(sess: *const SSL_SESSION, len: *mut c_uint) -> *const c_uchar {
        let sess = try_ref!(sess, std::ptr::null());
        let f = fixed(sess);
        if !len.is_null() {
            // SAFETY: a non-NULL output pointer from the caller.
            unsafe { *len = c_uint::try_from(f.id_context.len()).unwrap_or(0) };
        }
        f.id_context.as_ptr()
    }
}
