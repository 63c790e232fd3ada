//! The fuzz target bodies, shared with the stable regression tests.
#[path = "../targets/engine.rs"]
pub mod engine;
