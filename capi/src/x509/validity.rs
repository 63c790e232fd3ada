//! ASN1_TIME values (and the free-standing ASN1_INTEGER of X509_set_serialNumber): a certificate's notBefore/notAfter and the free-standing times that
//! `X509_gmtime_adj(NULL, …)`, `ASN1_TIME_adj(NULL, …)` and `ASN1_TIME_new` allocate, as
//! OpenSSL's a_time.c and x509_vfy.c (X509_time_adj_ex) do. A time is written as UTCTime for
//! the years 1950–2049 and GeneralizedTime otherwise (RFC 5280 §4.1.2.5).
use std::ffi::{c_int, c_long};

use time::OffsetDateTime;

use super::asn1::ASN1_STRING;
use super::{x509_mut, X509};
use crate::entry::entry;
use crate::error::{put_error, ERR_LIB_ASN1, ERR_LIB_X509, ERR_R_PASSED_INVALID_ARGUMENT};

/// `V_ASN1_UTCTIME`.
pub const V_ASN1_UTCTIME: c_int = 23;
/// `V_ASN1_GENERALIZEDTIME`.
pub const V_ASN1_GENERALIZEDTIME: c_int = 24;
/// Private flag bit: the ASN1_STRING itself was allocated by `ASN1_*_new` / a NULL-`s` time
/// function (a `Box`), so `ASN1_STRING_free` may free it. Strings inside an X509 lack it.
const FLAG_HEAP: c_long = 0x2000_0000;

/// An ASN1_TIME holding `secs`; an empty UTCTime when `secs` is out of range.
pub fn asn1_time(secs: i64) -> ASN1_STRING {
    let mut s = ASN1_STRING::empty(V_ASN1_UTCTIME);
    set_time(&mut s, secs);
    s
}

/// Sets `s` to `secs` since the epoch; false when the time cannot be represented.
pub(crate) fn set_time(s: &mut ASN1_STRING, secs: i64) -> bool {
    let Ok(t) = OffsetDateTime::from_unix_timestamp(secs) else {
        return false;
    };
    let (y, mo, d) = (t.year(), u8::from(t.month()), t.day());
    let (h, mi, se) = (t.hour(), t.minute(), t.second());
    let (ty, text) = if (1950..2050).contains(&y) {
        let yy = y % 100;
        let text = format!("{yy:02}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z");
        (V_ASN1_UTCTIME, text)
    } else if (0..=9999).contains(&y) {
        let text = format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{se:02}Z");
        (V_ASN1_GENERALIZEDTIME, text)
    } else {
        return false;
    };
    s.set_owned(ty, text.as_bytes());
    true
}

/// The instant an ASN1_TIME names (UTCTime "YYMMDDHHMMSSZ" or GeneralizedTime
/// "YYYYMMDDHHMMSSZ"), None when malformed or unset.
pub(crate) fn parse_time(s: &ASN1_STRING) -> Option<OffsetDateTime> {
    let b = std::str::from_utf8(s.bytes()).ok()?;
    let body = b.strip_suffix('Z')?;
    if !body.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (year, rest) = match (s.type_, body.len()) {
        (V_ASN1_UTCTIME, 12) => {
            let yy: i32 = body[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &body[2..])
        }
        (V_ASN1_GENERALIZEDTIME, 14) => (body[..4].parse().ok()?, &body[4..]),
        _ => return None,
    };
    let two = |i: usize| rest[i..i + 2].parse::<u8>().ok();
    let month = time::Month::try_from(two(0)?).ok()?;
    let date = time::Date::from_calendar_date(year, month, two(2)?).ok()?;
    let tod = time::Time::from_hms(two(4)?, two(6)?, two(8)?).ok()?;
    Some(time::PrimitiveDateTime::new(date, tod).assume_utc())
}

/// `long` seconds as i64 (`long` is 32 bits on some targets, 64 on this one).
#[allow(clippy::useless_conversion)]
pub(crate) fn long_secs(v: c_long) -> i64 {
    i64::from(v)
}

/// `time_t` as i64.
#[allow(clippy::useless_conversion)]
fn time_secs(v: libc::time_t) -> i64 {
    i64::from(v)
}

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A new heap ASN1_STRING of `type_` (freed with ASN1_STRING_free).
fn new_heap(type_: c_int) -> *mut ASN1_STRING {
    let mut s = ASN1_STRING::empty(type_);
    s.flags |= FLAG_HEAP;
    Box::into_raw(Box::new(s))
}

/// Frees a heap ASN1_STRING; a string owned by a certificate is refused with an error.
fn free_heap(s: *mut ASN1_STRING) {
    // SAFETY: NULL or a live ASN1_STRING (API contract).
    let Some(r) = (unsafe { s.as_mut() }) else {
        return;
    };
    if r.flags & FLAG_HEAP == 0 {
        put_error(
            ERR_LIB_ASN1,
            ERR_R_PASSED_INVALID_ARGUMENT,
            "this ASN1_STRING belongs to another object (X509_getm_*, X509_get_serialNumber)",
        );
        return;
    }
    r.release();
    // SAFETY: FLAG_HEAP strings come from Box::into_raw in new_heap; freed once (API contract).
    drop(unsafe { Box::from_raw(s) });
}

/// ASN1_TIME_adj's work: `s` (or a new time when NULL) set to `base` + the offsets.
fn adj(s: *mut ASN1_STRING, base: i64, days: i64, secs: i64) -> *mut ASN1_STRING {
    let when = days
        .checked_mul(86_400)
        .and_then(|d| base.checked_add(d))
        .and_then(|t| t.checked_add(secs));
    let target = if s.is_null() {
        new_heap(V_ASN1_UTCTIME)
    } else {
        s
    };
    // SAFETY: `target` is the caller's live ASN1_TIME or the one just allocated.
    let ok = when.is_some_and(|t| set_time(unsafe { &mut *target }, t));
    if ok {
        return target;
    }
    if s.is_null() {
        free_heap(target);
    }
    put_error(
        ERR_LIB_X509,
        ERR_R_PASSED_INVALID_ARGUMENT,
        "time out of range",
    );
    std::ptr::null_mut()
}

/// `*t`, or now when `t` is NULL.
fn base_time(t: *const libc::time_t) -> i64 {
    // SAFETY: NULL or a readable time_t (API contract).
    match unsafe { t.as_ref() } {
        Some(&v) => time_secs(v),
        None => now_secs(),
    }
}

fn set_field(x: *mut X509, i: usize, tm: *const ASN1_STRING) -> c_int {
    // SAFETY: NULL or a live ASN1_TIME (API contract).
    let Some(tm) = (unsafe { tm.as_ref() }) else {
        crate::entry::on_null("tm");
        return 0;
    };
    let Some(c) = x509_mut(x) else {
        crate::entry::on_null("x");
        return 0;
    };
    if std::ptr::eq(&c.times[i], tm) {
        return 1;
    }
    if parse_time(tm).is_none() {
        put_error(
            ERR_LIB_X509,
            ERR_R_PASSED_INVALID_ARGUMENT,
            "not a valid ASN1_TIME",
        );
        return 0;
    }
    let bytes = tm.bytes().to_vec();
    c.times[i].set_owned(tm.type_, &bytes);
    1
}

entry! {
    /// ASN1_STRING_new: an empty string (type OCTET STRING, as OpenSSL).
    fn ASN1_STRING_new() -> *mut ASN1_STRING { new_heap(4) }

    /// ASN1_STRING_free; NULL is a no-op.
    fn ASN1_STRING_free(a: *mut ASN1_STRING) { free_heap(a) }

    /// ASN1_TIME_new: an empty time (set it with ASN1_TIME_set / X509_gmtime_adj).
    fn ASN1_TIME_new() -> *mut ASN1_STRING { new_heap(V_ASN1_UTCTIME) }

    /// ASN1_TIME_free; NULL is a no-op.
    fn ASN1_TIME_free(a: *mut ASN1_STRING) { free_heap(a) }

    /// ASN1_INTEGER_new: an integer (0 until ASN1_INTEGER_set).
    fn ASN1_INTEGER_new() -> *mut ASN1_STRING { new_heap(super::asn1::V_ASN1_INTEGER) }

    /// ASN1_INTEGER_free; NULL is a no-op.
    fn ASN1_INTEGER_free(a: *mut ASN1_STRING) { free_heap(a) }

    /// ASN1_TIME_set sets `s` (a new time when NULL) to `t`; `s` or the new time, NULL on
    /// failure.
    fn ASN1_TIME_set(s: *mut ASN1_STRING, t: libc::time_t) -> *mut ASN1_STRING {
        adj(s, time_secs(t), 0, 0)
    }

    /// ASN1_TIME_adj sets `s` (a new time when NULL) to `t` plus `offset_day` days and
    /// `offset_sec` seconds.
    fn ASN1_TIME_adj(s: *mut ASN1_STRING, t: libc::time_t, offset_day: c_int,
                     offset_sec: c_long) -> *mut ASN1_STRING {
        adj(s, time_secs(t), i64::from(offset_day), long_secs(offset_sec))
    }

    /// X509_time_adj_ex sets `s` (a new time when NULL) to `*t` (now when `t` is NULL) plus
    /// the offsets.
    fn X509_time_adj_ex(s: *mut ASN1_STRING, offset_day: c_int, offset_sec: c_long,
                        t: *mut libc::time_t) -> *mut ASN1_STRING {
        adj(s, base_time(t), i64::from(offset_day), long_secs(offset_sec))
    }

    /// X509_time_adj sets `s` (a new time when NULL) to `*t` (now when NULL) plus `adj`
    /// seconds.
    fn X509_time_adj(s: *mut ASN1_STRING, offset_sec: c_long, t: *mut libc::time_t)
        -> *mut ASN1_STRING {
        adj(s, base_time(t), 0, long_secs(offset_sec))
    }

    /// X509_gmtime_adj sets `s` to the current time plus `adj` seconds and returns it; with
    /// NULL `s` it returns a new ASN1_TIME (the caller frees it with ASN1_TIME_free).
    fn X509_gmtime_adj(s: *mut ASN1_STRING, offset_sec: c_long) -> *mut ASN1_STRING {
        adj(s, now_secs(), 0, long_secs(offset_sec))
    }

    /// X509_set_serialNumber copies `serial` into the certificate; 1 on success.
    fn X509_set_serialNumber(x: *mut X509, serial: *mut ASN1_STRING) -> c_int {
        let (t, b) = {
            let s = crate::try_ref!(serial, 0);
            (s.type_, s.bytes().to_vec())
        };
        let c = crate::try_mut!(x, 0);
        if !std::ptr::eq(&c.serial, serial) {
            c.serial.set_owned(t, &b);
        }
        1
    }

    /// X509_set1_notBefore copies `tm` into the certificate's notBefore; 1 on success.
    fn X509_set1_notBefore(x: *mut X509, tm: *const ASN1_STRING) -> c_int { set_field(x, 0, tm) }

    /// X509_set1_notAfter copies `tm` into the certificate's notAfter; 1 on success.
    fn X509_set1_notAfter(x: *mut X509, tm: *const ASN1_STRING) -> c_int { set_field(x, 1, tm) }
}
