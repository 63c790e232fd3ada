//! The public `ASN1_STRING` / `ASN1_INTEGER` struct (as `X509_get_serialNumber` returns it).
use std::ffi::{c_int, c_long, c_uchar};

use crate::entry::entry;

/// `V_ASN1_INTEGER`.
pub const V_ASN1_INTEGER: c_int = 2;
/// `V_ASN1_NEG_INTEGER`.
pub const V_ASN1_NEG_INTEGER: c_int = 2 | 0x100;

/// Private flag bit: `data` is owned (a `Box<[u8]>` of `length` bytes) rather than a view
/// into its owner. OpenSSL's own ASN1_STRING_FLAG_* bits are all below 0x1000.
pub const FLAG_OWNED: c_long = 0x1000_0000;

/// `struct asn1_string_st` (public in OpenSSL 3.0's asn1.h; `ASN1_INTEGER` is the same).
#[repr(C)]
pub struct ASN1_STRING {
    /// Bytes at `data`.
    pub length: c_int,
    /// V_ASN1_* type.
    pub type_: c_int,
    /// Contents (big-endian magnitude for integers).
    pub data: *mut c_uchar,
    /// Flags.
    pub flags: c_long,
}

impl ASN1_STRING {
    /// An empty string of `type_`.
    pub fn empty(type_: c_int) -> Self {
        ASN1_STRING {
            length: 0,
            type_,
            data: std::ptr::null_mut(),
            flags: 0,
        }
    }

    /// A view of `bytes`, which must outlive the returned value. For integers, `bytes` is
    /// the DER INTEGER contents: a leading 0x00 is dropped and a negative value is marked
    /// V_ASN1_NEG_INTEGER with its magnitude (OpenSSL's representation).
    pub fn over(type_: c_int, bytes: &[u8]) -> Self {
        let (t, b) = if type_ == V_ASN1_INTEGER {
            match bytes.first() {
                Some(0) if bytes.len() > 1 => (type_, &bytes[1..]),
                Some(&b) if b & 0x80 != 0 => (V_ASN1_NEG_INTEGER, bytes),
                _ => (type_, bytes),
            }
        } else {
            (type_, bytes)
        };
        ASN1_STRING {
            length: c_int::try_from(b.len()).unwrap_or(0),
            type_: t,
            data: b.as_ptr() as *mut c_uchar,
            flags: 0,
        }
    }

    /// Replaces the contents with an owned copy of `bytes` (freeing owned old contents).
    pub fn set_owned(&mut self, type_: c_int, bytes: &[u8]) {
        self.release();
        let b: Box<[u8]> = bytes.into();
        self.length = c_int::try_from(b.len()).unwrap_or(0);
        self.type_ = type_;
        self.data = Box::into_raw(b).cast::<c_uchar>();
        self.flags |= FLAG_OWNED;
    }

    /// Frees owned contents (see [`ASN1_STRING::set_owned`]); views are left alone.
    pub fn release(&mut self) {
        if self.flags & FLAG_OWNED != 0 && !self.data.is_null() {
            let n = usize::try_from(self.length).unwrap_or(0);
            // SAFETY: FLAG_OWNED data came from Box<[u8]> of exactly `length` bytes
            // (set_owned), and is freed once: the pointer is cleared below.
            drop(unsafe { Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.data, n)) });
        }
        self.data = std::ptr::null_mut();
        self.length = 0;
        self.flags &= !FLAG_OWNED;
    }

    /// The contents.
    pub fn bytes(&self) -> &[u8] {
        match usize::try_from(self.length) {
            // SAFETY: data points to `length` bytes kept alive by the owner.
            Ok(n) if n > 0 && !self.data.is_null() => unsafe {
                std::slice::from_raw_parts(self.data, n)
            },
            _ => &[],
        }
    }
}

entry! {
    /// ASN1_INTEGER_get: the value as a long; -1 when it does not fit (or for NULL: 0).
    fn ASN1_INTEGER_get(a: *const ASN1_STRING) -> c_long {
        // SAFETY: NULL or a live ASN1_STRING (API contract).
        let Some(a) = (unsafe { a.as_ref() }) else { return 0 };
        let b = a.bytes();
        if b.len() > std::mem::size_of::<c_long>() || (b.len() == 8 && b[0] & 0x80 != 0) {
            return -1;
        }
        let v = b.iter().fold(0 as c_long, |acc, &x| (acc << 8) | c_long::from(x));
        if a.type_ == V_ASN1_NEG_INTEGER { -v } else { v }
    }

    /// ASN1_INTEGER_set stores `v` (as OpenSSL: big-endian magnitude, V_ASN1_NEG_INTEGER
    /// for negative values); 1 on success.
    fn ASN1_INTEGER_set(a: *mut ASN1_STRING, v: c_long) -> c_int {
        let a = crate::try_mut!(a, 0);
        let mag = v.unsigned_abs().to_be_bytes();
        let first = mag.iter().position(|&b| b != 0).unwrap_or(mag.len() - 1);
        let t = if v < 0 { V_ASN1_NEG_INTEGER } else { V_ASN1_INTEGER };
        a.set_owned(t, &mag[first..]);
        1
    }

    /// ASN1_STRING_length.
    fn ASN1_STRING_length(x: *const ASN1_STRING) -> c_int {
        crate::try_ref!(x, 0).length
    }

    /// ASN1_STRING_get0_data.
    fn ASN1_STRING_get0_data(x: *const ASN1_STRING) -> *const c_uchar {
        crate::try_ref!(x, std::ptr::null()).data
    }

    /// ASN1_STRING_type.
    fn ASN1_STRING_type(x: *const ASN1_STRING) -> c_int {
        crate::try_ref!(x, 0).type_
    }
}
