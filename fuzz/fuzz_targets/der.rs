#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    rdtls::fuzzing::der_walk(data);
});
