//! `SSL_CONF_CTX` / `SSL_CONF_cmd`: settings by name, as `openssl s_client` / `s_server`
//! apply their `-cipher`, `-sigalgs`, `-groups`, `-no_ticket`, ... options.
//!
//! Each command maps onto the setter that already exists (`SSL_CTX_set_cipher_list`,
//! `SSL_CTX_ctrl(SSL_CTRL_SET_SIGALGS_LIST)`, `SSL_CTX_set_options`, ...), on the `SSL_CTX`
//! or the `SSL` the context was bound to. Return values are OpenSSL's: 2 when the value was
//! used, 1 for a switch, 0 for a bad value, -2 for an unknown command, -3 for a command that
//! needs a value and got none. Command-line names (`SSL_CONF_FLAG_CMDLINE`) carry a leading
//! '-'; configuration-file names (`SSL_CONF_FLAG_FILE`) are the long forms.
use std::cell::Cell;
use std::ffi::{c_char, c_int, c_long, c_uint, c_void, CStr};

use crate::entry::*;
use crate::error::ssl_reasons::{SSL_R_BAD_VALUE, SSL_R_UNKNOWN_CMD_NAME};
use crate::error::{put_error, ERR_LIB_SSL};

use super::consts::*;
use super::objects::{SSL, SSL_CTX};

/// `SSL_CONF_FLAG_CMDLINE`.
pub const SSL_CONF_FLAG_CMDLINE: c_uint = 0x1;
/// `SSL_CONF_FLAG_FILE`.
pub const SSL_CONF_FLAG_FILE: c_uint = 0x2;
/// `SSL_CONF_FLAG_SHOW_ERRORS`.
pub const SSL_CONF_FLAG_SHOW_ERRORS: c_uint = 0x10;

/// `SSL_CONF_CTX` (opaque to C).
#[derive(Default)]
pub struct SSL_CONF_CTX {
    flags: Cell<c_uint>,
    ctx: Cell<Option<*mut SSL_CTX>>,
    ssl: Cell<Option<*mut SSL>>,
}

/// What a command does.
#[derive(Clone, Copy)]
enum Action {
    /// `SSL_*_set_cipher_list`.
    CipherList,
    /// `SSL_*_set_ciphersuites` (TLS 1.3 names; checked, unused by DTLS 1.2).
    Ciphersuites,
    /// An `SSL_*_ctrl` taking the value as a string (`SSL_CTRL_SET_*_LIST`).
    CtrlString(c_int),
    /// `SSL_CTRL_SET_MIN/MAX_PROTO_VERSION` with a version name.
    ProtoVersion(c_int),
    /// `SSL_*_use_certificate_chain_file`.
    CertFile,
    /// `SSL_*_use_PrivateKey_file` (PEM).
    KeyFile,
    /// `SSL_CTX_load_verify_file`.
    VerifyFile,
    /// Takes a value that DTLS 1.2 under rdtls has no use for (DH parameters: no DHE suites;
    /// TLS 1.3 padding and tickets).
    Unused,
    /// A switch: sets (true) or clears (false) `SSL_OP_*` bits.
    Option(u64, bool),
}

/// (command-line name, file name, action). Switches exist on the command line only.
const COMMANDS: &[(&str, &str, Action)] = &[
    ("cipher", "CipherString", Action::CipherList),
    ("ciphersuites", "Ciphersuites", Action::Ciphersuites),
    (
        "sigalgs",
        "SignatureAlgorithms",
        Action::CtrlString(SSL_CTRL_SET_SIGALGS_LIST),
    ),
    (
        "client_sigalgs",
        "ClientSignatureAlgorithms",
        Action::CtrlString(SSL_CTRL_SET_CLIENT_SIGALGS_LIST),
    ),
    (
        "groups",
        "Groups",
        Action::CtrlString(SSL_CTRL_SET_GROUPS_LIST),
    ),
    (
        "curves",
        "Curves",
        Action::CtrlString(SSL_CTRL_SET_GROUPS_LIST),
    ),
    (
        "named_curve",
        "ECDHParameters",
        Action::CtrlString(SSL_CTRL_SET_GROUPS_LIST),
    ),
    (
        "min_protocol",
        "MinProtocol",
        Action::ProtoVersion(SSL_CTRL_SET_MIN_PROTO_VERSION),
    ),
    (
        "max_protocol",
        "MaxProtocol",
        Action::ProtoVersion(SSL_CTRL_SET_MAX_PROTO_VERSION),
    ),
    ("cert", "Certificate", Action::CertFile),
    ("key", "PrivateKey", Action::KeyFile),
    ("verifyCAfile", "VerifyCAFile", Action::VerifyFile),
    ("dhparam", "DHParameters", Action::Unused),
    ("record_padding", "RecordPadding", Action::Unused),
    ("num_tickets", "NumTickets", Action::Unused),
    ("no_ssl3", "", Action::Option(1 << 25, true)),
    ("no_tls1", "", Action::Option(1 << 26, true)),
    ("no_tls1_1", "", Action::Option(1 << 28, true)),
    ("no_tls1_2", "", Action::Option(1 << 27, true)),
    ("no_tls1_3", "", Action::Option(1 << 29, true)),
    (
        "bugs",
        "",
        Action::Option((1 << 31) | (1 << 11) | (1 << 4) | (1 << 6), true),
    ),
    ("no_comp", "", Action::Option(1 << 17, true)),
    ("comp", "", Action::Option(1 << 17, false)),
    ("no_ticket", "", Action::Option(SSL_OP_NO_TICKET, true)),
    (
        "serverpref",
        "",
        Action::Option(SSL_OP_CIPHER_SERVER_PREFERENCE, true),
    ),
    ("legacy_renegotiation", "", Action::Option(1 << 18, true)),
    ("client_renegotiation", "", Action::Option(1 << 8, true)),
    ("legacy_server_connect", "", Action::Option(1 << 2, true)),
    (
        "no_legacy_server_connect",
        "",
        Action::Option(1 << 2, false),
    ),
    ("no_resumption_on_reneg", "", Action::Option(1 << 16, true)),
    ("allow_no_dhe_kex", "", Action::Option(1 << 10, true)),
    ("prioritize_chacha", "", Action::Option(1 << 21, true)),
    ("strict", "", Action::Option(0, true)),
    ("no_middlebox", "", Action::Option(1 << 20, false)),
    ("anti_replay", "", Action::Option(1 << 24, false)),
    ("no_anti_replay", "", Action::Option(1 << 24, true)),
    (
        "no_renegotiation",
        "",
        Action::Option(SSL_OP_NO_RENEGOTIATION, true),
    ),
    (
        "no_etm",
        "",
        Action::Option(SSL_OP_NO_ENCRYPT_THEN_MAC, true),
    ),
    (
        "no_ems",
        "",
        Action::Option(SSL_OP_NO_EXTENDED_MASTER_SECRET, true),
    ),
    ("ignore_unexpected_eof", "", Action::Option(1 << 7, true)),
];

/// The protocol version a `MinProtocol` / `MaxProtocol` value names (0 = no limit).
fn version_named(v: &str) -> Option<c_int> {
    Some(match v {
        "None" => 0,
        "SSLv3" => SSL3_VERSION,
        "TLSv1" => TLS1_VERSION,
        "TLSv1.1" => TLS1_1_VERSION,
        "TLSv1.2" => TLS1_2_VERSION,
        "TLSv1.3" => TLS1_3_VERSION,
        "DTLSv1" => DTLS1_VERSION,
        "DTLSv1.2" => DTLS1_2_VERSION,
        "DTLSv1.3" => DTLS1_3_VERSION,
        _ => return None,
    })
}

impl SSL_CONF_CTX {
    /// Strips the command-line '-' (or accepts a file name); None when the form is wrong.
    fn lookup(&self, cmd: &str) -> Option<Action> {
        let flags = self.flags.get();
        if flags & SSL_CONF_FLAG_CMDLINE != 0 {
            let name = cmd.strip_prefix('-')?;
            if let Some(&(_, _, a)) = COMMANDS.iter().find(|(c, _, _)| *c == name) {
                return Some(a);
            }
        }
        if flags & SSL_CONF_FLAG_FILE != 0 {
            let found = COMMANDS
                .iter()
                .find(|(_, f, _)| !f.is_empty() && f.eq_ignore_ascii_case(cmd));
            if let Some(&(_, _, a)) = found {
                return Some(a);
            }
        }
        None
    }

    /// Runs `action` with `value` on the bound `SSL` or `SSL_CTX`; true on success.
    fn apply(&self, action: Action, value: *const c_char, text: &str) -> bool {
        use super::certs::*;
        use super::ctrl::{SSL_CTX_ctrl, SSL_ctrl};
        use super::setters::*;
        let (ctx, ssl) = (
            self.ctx.get().unwrap_or(std::ptr::null_mut()),
            self.ssl.get().unwrap_or(std::ptr::null_mut()),
        );
        if ctx.is_null() && ssl.is_null() {
            // Nothing bound: OpenSSL accepts the command and changes nothing.
            return true;
        }
        let ctrl = |cmd: c_int, larg: c_long, parg: *mut c_void| {
            if ssl.is_null() {
                SSL_CTX_ctrl(ctx, cmd, larg, parg)
            } else {
                SSL_ctrl(ssl, cmd, larg, parg)
            }
        };
        match action {
            Action::CipherList if ssl.is_null() => SSL_CTX_set_cipher_list(ctx, value) == 1,
            Action::CipherList => SSL_set_cipher_list(ssl, value) == 1,
            Action::Ciphersuites if ssl.is_null() => SSL_CTX_set_ciphersuites(ctx, value) == 1,
            Action::Ciphersuites => SSL_set_ciphersuites(ssl, value) == 1,
            Action::CtrlString(cmd) => ctrl(cmd, 0, value.cast_mut().cast()) > 0,
            Action::ProtoVersion(cmd) => match version_named(text) {
                Some(v) => ctrl(cmd, c_long::from(v), std::ptr::null_mut()) > 0,
                None => false,
            },
            Action::CertFile if ssl.is_null() => {
                SSL_CTX_use_certificate_chain_file(ctx, value) == 1
            }
            Action::CertFile => SSL_use_certificate_chain_file(ssl, value) == 1,
            Action::KeyFile if ssl.is_null() => {
                SSL_CTX_use_PrivateKey_file(ctx, value, SSL_FILETYPE_PEM) == 1
            }
            Action::KeyFile => SSL_use_PrivateKey_file(ssl, value, SSL_FILETYPE_PEM) == 1,
            Action::VerifyFile if ssl.is_null() => {
                super::trust::SSL_CTX_load_verify_file(ctx, value) == 1
            }
            Action::VerifyFile => {
                let c = super::ssl::SSL_get_SSL_CTX(ssl);
                super::trust::SSL_CTX_load_verify_file(c, value) == 1
            }
            Action::Unused => true,
            Action::Option(bits, set) => {
                let _ = match (ssl.is_null(), set) {
                    (true, true) => SSL_CTX_set_options(ctx, bits),
                    (true, false) => SSL_CTX_clear_options(ctx, bits),
                    (false, true) => super::ssl::SSL_set_options(ssl, bits),
                    (false, false) => super::ssl::SSL_clear_options(ssl, bits),
                };
                true
            }
        }
    }
}

/// The flags of our `SSL_CONF_CTX` at `addr`, for the drop-in's real twin of it.
fn flags_at(addr: usize) -> c_uint {
    SSL_CONF_CTX_set_flags(addr as *mut SSL_CONF_CTX, 0)
}

entry! {
    /// SSL_CONF_CTX_new: an empty configuration context.
    fn SSL_CONF_CTX_new() -> *mut SSL_CONF_CTX {
        crate::passthru::register_conf_flags(flags_at);
        Box::into_raw(Box::default())
    }

    /// SSL_CONF_CTX_free (NULL is a no-op).
    fn SSL_CONF_CTX_free(cctx: *mut SSL_CONF_CTX) {
        if !cctx.is_null() {
            // SAFETY: from SSL_CONF_CTX_new, freed once.
            drop(unsafe { Box::from_raw(cctx) });
        }
    }

    /// SSL_CONF_CTX_set_flags adds `flags` (SSL_CONF_FLAG_*) and returns the new flags.
    fn SSL_CONF_CTX_set_flags(cctx: *mut SSL_CONF_CTX, flags: c_uint) -> c_uint {
        let c = try_ref!(cctx, 0);
        c.flags.set(c.flags.get() | flags);
        c.flags.get()
    }

    /// SSL_CONF_CTX_clear_flags removes `flags` and returns the new flags.
    fn SSL_CONF_CTX_clear_flags(cctx: *mut SSL_CONF_CTX, flags: c_uint) -> c_uint {
        let c = try_ref!(cctx, 0);
        c.flags.set(c.flags.get() & !flags);
        c.flags.get()
    }

    /// SSL_CONF_CTX_set_ssl_ctx: commands now apply to `ctx` (NULL: to nothing).
    fn SSL_CONF_CTX_set_ssl_ctx(cctx: *mut SSL_CONF_CTX, ctx: *mut SSL_CTX) {
        let c = try_ref!(cctx, ());
        c.ssl.set(None);
        c.ctx.set((!ctx.is_null()).then_some(ctx));
    }

    /// SSL_CONF_CTX_set_ssl: commands now apply to `s` (NULL: to nothing).
    fn SSL_CONF_CTX_set_ssl(cctx: *mut SSL_CONF_CTX, s: *mut SSL) {
        let c = try_ref!(cctx, ());
        c.ctx.set(None);
        c.ssl.set((!s.is_null()).then_some(s));
    }

    /// SSL_CONF_CTX_finish: every command was applied when given; 1.
    fn SSL_CONF_CTX_finish(cctx: *mut SSL_CONF_CTX) -> c_int {
        let _ = try_ref!(cctx, 0);
        1
    }

    /// SSL_CONF_cmd applies one named setting: 2 (value used), 1 (switch), 0 (bad value),
    /// -2 (unknown command), -3 (missing value).
    fn SSL_CONF_cmd(cctx: *mut SSL_CONF_CTX, cmd: *const c_char, value: *const c_char) -> c_int {
        let c = try_ref!(cctx, 0);
        let name = try_cstr!(cmd, 0);
        let Some(action) = c.lookup(name) else {
            if c.flags.get() & SSL_CONF_FLAG_SHOW_ERRORS != 0 {
                put_error(ERR_LIB_SSL, SSL_R_UNKNOWN_CMD_NAME, format!("cmd={name}"));
            }
            return -2;
        };
        if let Action::Option(..) = action {
            return if c.apply(action, std::ptr::null(), "") { 1 } else { 0 };
        }
        if value.is_null() {
            return -3;
        }
        // SAFETY: non-NULL and NUL-terminated (API contract).
        let text = unsafe { CStr::from_ptr(value) }.to_string_lossy();
        if c.apply(action, value, &text) {
            2
        } else {
            put_error(ERR_LIB_SSL, SSL_R_BAD_VALUE, format!("cmd={name}, value={text}"));
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(c: *mut SSL_CONF_CTX, name: &str, value: Option<&str>) -> c_int {
        let n = std::ffi::CString::new(name).unwrap();
        let v = value.map(|v| std::ffi::CString::new(v).unwrap());
        SSL_CONF_cmd(
            c,
            n.as_ptr(),
            v.as_ref().map_or(std::ptr::null(), |v| v.as_ptr()),
        )
    }

    #[test]
    fn command_line_settings_reach_the_context() {
        let ctx = super::super::ctx::SSL_CTX_new(super::super::method::DTLS_method());
        let c = SSL_CONF_CTX_new();
        assert_eq!(SSL_CONF_CTX_set_flags(c, SSL_CONF_FLAG_CMDLINE | 0x4), 0x5);
        SSL_CONF_CTX_set_ssl_ctx(c, ctx);
        assert_eq!(cmd(c, "-cipher", Some("ECDHE-ECDSA-AES128-GCM-SHA256")), 2);
        assert_eq!(cmd(c, "-no_ticket", None), 1);
        assert_ne!(
            super::super::setters::SSL_CTX_get_options(ctx) & SSL_OP_NO_TICKET,
            0
        );
        assert_eq!(cmd(c, "-max_protocol", Some("DTLSv1.2")), 2);
        assert_eq!(cmd(c, "-cipher", None), -3);
        assert_eq!(
            cmd(c, "cipher", Some("x")),
            -2,
            "command-line names need the dash"
        );
        assert_eq!(cmd(c, "-frobnicate", None), -2);
        assert_eq!(cmd(c, "-cipher", Some("NOTHING-USABLE")), 0);
        crate::error::clear();
        assert_eq!(SSL_CONF_CTX_finish(c), 1);
        SSL_CONF_CTX_clear_flags(c, SSL_CONF_FLAG_CMDLINE);
        SSL_CONF_CTX_set_flags(c, SSL_CONF_FLAG_FILE);
        assert_eq!(
            cmd(c, "CipherString", Some("ECDHE-ECDSA-AES256-GCM-SHA384")),
            2
        );
        SSL_CONF_CTX_free(c);
        super::super::ctx::SSL_CTX_free(ctx);
    }
}
