#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| rdtls_capi::fuzz_target::client(data));
