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
//! Each module depends only downward; `capi/tests/layers.rs` fails on any import cycle.
//! 1. Base: [`fn_scope`] (the exported function a thread is in), [`error`], `entry`,
//!    [`host`], the libcrypto subset, and [`passthru`] (the drop-in dispatcher: it asks
//!    `ssl::method` and `ssl::cipher` whether a pointer is ours; `ssl::conf` registers the
//!    reader of its flags).
//! 2. Values: `ssl::consts`, `ssl::method` (`SSL_METHOD`), `ssl::cipher` (`SSL_CIPHER`),
//!    `ssl::cipher_list`; then `ssl::state`, the plain state the objects hold (caches of C
//!    objects, the driver's I/O state, the parsed ClientHello, `SSL_SESSION`).
//! 3. The objects: `ssl::objects` defines `SSL_CTX`, `SSL`, `Settings` and the C callback
//!    types they hold. They name each other (as C's forward declarations allow), so they
//!    share one module, which holds no behaviour.
//! 4. Their core behaviour: `ssl::settings` (settings to engine config), `ssl::ctx` and
//!    `ssl::ssl` (lifetimes, `impl SSL_CTX`, the core of `impl SSL`).
//! 5. The engine hooks: modules whose C callbacks the engine runs (`verify`, `psk`, `alpn`,
//!    `client_hello`, `servername` over `hello_finish`, `session_lookup`, `session_remove`),
//!    each with its own `impl SSL` block and its setters.
//! 6. The driver (`ssl::driver` with `bio`, `dccp`, `stream`, `events`), which installs
//!    those hooks on each connection.
//! 7. The exported families on top (`io`, `listen`, `timer`, `getters`, `ctrl`, `conf`,
//!    `session_io`, ...), one concern each.
//!
//! The test sees `use` paths, not method calls: the driver still calls `impl SSL` methods
//! kept in `timer.rs` (`handle_timeout`, `set_mtu`, also used by `dccp`) and `listen.rs`
//! (`cookie_hooks`), which call back into the driver.
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
