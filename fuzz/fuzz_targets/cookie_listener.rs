#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rdtls_fuzz::engine::cookie_listener(data));
