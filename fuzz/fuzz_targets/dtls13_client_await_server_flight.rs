#![no_main]
use rdtls_fuzz::engine::{run, State};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    run(State::ClientAwaitServerFlight13, data);
});
