//! `X509_CRL` (standalone build): a parsed certificate revocation list, read with
//! `PEM_read_bio_X509_CRL` and added to a store with `X509_STORE_add_crl`; with
//! `X509_V_FLAG_CRL_CHECK` set on the store the verifier checks revocation
//! (rdtls::pki::ossl_verify).
use std::ffi::{c_int, c_void};
use std::sync::atomic::{AtomicU32, Ordering};

use crate::bio::BIO;
use crate::entry::*;
use crate::error::{put_error, ERR_LIB_X509};

use super::pem::read_block;
use super::store::X509_STORE;

/// `X509_CRL` (opaque to C): the DER, parsed once when read.
pub struct X509_CRL {
    refs: AtomicU32,
    der: Vec<u8>,
}

impl X509_CRL {
    /// The CRL's DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

/// A new CRL object for `der`, NULL (with an error) when it does not parse.
pub fn crl_from_der(der: &[u8]) -> *mut X509_CRL {
    if let Err(e) = rdtls::pki::crl::parse_crl(der) {
        put_error(
            ERR_LIB_X509,
            crate::error::ERR_R_NESTED_ASN1_ERROR,
            e.to_string(),
        );
        return std::ptr::null_mut();
    }
    Box::into_raw(Box::new(X509_CRL {
        refs: AtomicU32::new(1),
        der: der.to_vec(),
    }))
}

/// Drops one reference (NULL tolerated).
pub fn crl_free(c: *mut X509_CRL) {
    // SAFETY: NULL or a live CRL from crl_from_der.
    let Some(r) = (unsafe { c.as_ref() }) else {
        return;
    };
    if r.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
        // SAFETY: the last reference; from Box::into_raw.
        drop(unsafe { Box::from_raw(c) });
    }
}

entry! {
    /// PEM_read_bio_X509_CRL reads the next "X509 CRL" block; stores it in `*x` too when
    /// `x` is non-NULL.
    fn PEM_read_bio_X509_CRL(bp: *mut BIO, x: *mut *mut X509_CRL, _cb: super::pem::PemPasswordCb,
                             _u: *mut c_void) -> *mut X509_CRL {
        let Some(block) = read_block(bp, &["X509 CRL"]) else {
            return std::ptr::null_mut();
        };
        let crl = crl_from_der(&block.der);
        if !x.is_null() && !crl.is_null() {
            // SAFETY: non-NULL out pointer holding NULL or a CRL we may release.
            unsafe {
                crl_free(*x);
                *x = crl;
            }
        }
        crl
    }

    /// X509_CRL_up_ref adds a reference; 1 on success.
    fn X509_CRL_up_ref(c: *mut X509_CRL) -> c_int {
        let r = try_ref!(c, 0);
        r.refs.fetch_add(1, Ordering::Relaxed);
        1
    }

    /// X509_CRL_free drops one reference; NULL is a no-op.
    fn X509_CRL_free(c: *mut X509_CRL) {
        crl_free(c)
    }

    /// X509_STORE_add_crl adds `crl` to the store (a duplicate is accepted); 1 on success.
    fn X509_STORE_add_crl(st: *mut X509_STORE, crl: *mut X509_CRL) -> c_int {
        let st = try_ref!(st, 0);
        let crl = try_ref!(crl, 0);
        c_int::from(st.add_crl(crl.der()))
    }
}
