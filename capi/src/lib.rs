//! # rdtls-capi — the OpenSSL-compatible C ABI of rdtls
//!
//! Builds `librdtls.so` / `librdtls.a` (standalone: the libssl API plus the libcrypto subset
//! DTLS programs use). The only crate of the project with `unsafe` and C types.
//!
//! With `--features dropin` the same source builds the drop-in `libssl.so.3` (linked by the
//! Makefile from the static library): the libcrypto subset below is left out and the
//! [`host`] seam reaches the process's own `libcrypto.so.3` instead.
//!
//! * [`entry`] — the `entry!` macro every exported function is written with (panic boundary,
//!   NULL checks, typed failure values);
//! * [`error`] — the thread-local `ERR_*` queue;
//! * [`host`] — the seam through which the SSL layer reaches BIO/X509/EVP_PKEY/ex_data;
//! * [`bio`], [`crypto`], [`x509`], [`exdata`] — the libcrypto subset (standalone build);
//! * [`ssl`] — `SSL_CTX` / `SSL` / `DTLSv1_*`.
//!
//! ## Layers
//! Each module depends only downward: [`fn_scope`] (the exported function a thread is in),
//! then [`error`], then [`entry`] and [`host`]; the libcrypto subset; then in [`ssl`] the
//! objects and their state (`ssl::consts`, `SSL_METHOD`, `SSL_CTX`, `SSL`, `SSL_SESSION` and
//! the `Settings` they share), then the driver (`ssl::driver` and its `bio`, `dccp`, `stream`,
//! `timer`), then the exported families (`io`, `listen`, `getters`, `ctrl`, ...).
//! `capi/tests/layers.rs` fails on a new import cycle. One known cycle remains and only
//! shrinks (its list is in that test): the object structs hold callback and state types of the
//! feature modules (`servername`, `alpn`, `psk`, `own_cert`, `verify_param`, ...) that also
//! carry `impl SSL` blocks and exported functions, and `passthru` (the drop-in dispatcher) asks
//! `ssl::method`, `ssl::cipher` and `ssl::conf` whether a pointer is ours.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]
// C type names (BIO, X509_STORE_CTX, ...) are kept as OpenSSL spells them.
#![allow(non_camel_case_types)]
// Internal functions take C handles as raw pointers with the C API's contract (NULL or a live
// object made by this library), exactly like the exported functions they serve.
#![allow(clippy::not_unsafe_ptr_arg_deref)]
// `try_ref!(p, ())` spells the failure value of functions returning nothing.
#![allow(clippy::unused_unit)]
// C strings are written b"...\0" throughout (and by the cstr! macro); the c"" literals
// this lint suggests since rust-version 1.77 are equivalent, a style change for later.
#![allow(clippy::manual_c_str_literals)]

pub mod entry;
pub mod error;
pub mod fn_scope;
pub mod host;
pub mod passthru;

// The libcrypto subset of the standalone build. The drop-in build must not define these
// names: libcrypto calls its own functions through the PLT, so ours would interpose them.
#[cfg(not(feature = "dropin"))]
pub mod bio;
#[cfg(not(feature = "dropin"))]
pub mod crypto;
#[cfg(not(feature = "dropin"))]
pub mod exdata;
#[cfg(not(feature = "dropin"))]
pub mod x509;

pub mod ssl;

// Fuzz target bodies (fuzz/ and the fuzz_corpus unit test); not part of the library.
#[cfg(all(any(test, feature = "fuzzing"), not(feature = "dropin")))]
#[doc(hidden)]
pub mod fuzz_target;
#[cfg(not(feature = "dropin"))]
mod variadic;

#[cfg(all(test, not(feature = "dropin")))]
mod null_args;
