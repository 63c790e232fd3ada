//! Shared harness for the engine's integration tests: a simulated lossy link with virtual
//! time ([`link`]), our engine and an in-memory OpenSSL peer as endpoints ([`ours`],
//! [`ossl`]), fixtures ([`fixtures`]) and an independent record codec and record protection
//! for forging datagrams ([`wire`], [`crypt`]).
#![allow(dead_code)]

pub mod crypt;
pub mod fixtures;
pub mod flights;
pub mod isolate;
pub mod link;
pub mod ossl;
pub mod ours;
pub mod spoof;
pub mod wire;

use std::sync::Arc;
use std::time::Instant;

use rdtls::{ClientOptions, Config};

use fixtures::Spec;
use link::{LinkConfig, Pair};
use ours::{our_config, Ours};

/// Our client against our server.
pub type OursPair = Pair<Ours, Ours>;

/// Our client and server on the given configs, joined by `link` seeded with `seed`.
pub fn ours_pair_with(
    client_cfg: Arc<Config>,
    server_cfg: Arc<Config>,
    opts: ClientOptions,
    link: LinkConfig,
    seed: u64,
) -> OursPair {
    let now = Instant::now();
    let client = Ours::client(client_cfg, now, opts);
    let server = Ours::server(server_cfg, now);
    Pair::new_at(now, client, server, link, seed)
}

/// Our client and server built from `spec`.
pub fn ours_pair(spec: &Spec, link: LinkConfig, seed: u64) -> OursPair {
    ours_pair_with(
        our_config(spec, false),
        our_config(spec, true),
        ClientOptions::default(),
        link,
        seed,
    )
}

/// Data-segment size of this process in KiB (Linux `VmData`): it grows with every large
/// heap allocation even when the pages are never touched, so it exposes allocations that
/// trust a declared length.
pub fn vm_data_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    s.lines()
        .find_map(|l| l.strip_prefix("VmData:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmData line")
}
