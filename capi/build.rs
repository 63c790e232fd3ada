//! Standalone build: compiles the few C-variadic entry points (csrc/variadic.c) and exports
//! them from the cdylib (rustc's version script only lists Rust symbols, so a second script
//! adds these).
//!
//! Drop-in build (`--features dropin`): those variadic functions are libcrypto's, so nothing
//! is compiled; the crate links the process's `libcrypto.so.3` instead (the Makefile links
//! the static library into `libssl.so.3` with its own version script).
fn main() {
    println!("cargo:rerun-if-changed=csrc/variadic.c");
    println!("cargo:rerun-if-changed=csrc/variadic.map");
    if std::env::var_os("CARGO_FEATURE_DROPIN").is_some() {
        println!("cargo:rustc-link-lib=dylib=crypto");
        return;
    }
    cc::Build::new()
        .file("csrc/variadic.c")
        .warnings(true)
        .extra_warnings(true)
        .compile("rdtls_variadic");
    let map = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
        .join("csrc/variadic.map");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        map.display()
    );
}
