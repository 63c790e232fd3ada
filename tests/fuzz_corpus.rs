//! Replays the fuzz corpus and every crash input found so far (`fuzz/corpus/<target>/`,
//! `fuzz/regressions/<target>/`) through the engine fuzz targets, on the stable toolchain.
//! The target bodies are shared with the libFuzzer binaries (`make fuzz`).
#[path = "../fuzz/targets/engine.rs"]
mod engine;

use std::path::PathBuf;

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut v = Vec::new();
    for dir in ["corpus", "regressions"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for e in entries {
            let p = e.expect("corpus entry").path();
            if p.is_file() {
                let data = std::fs::read(&p).expect("reading corpus file");
                v.push((p, data));
            }
        }
    }
    v.sort();
    v
}

fn replay(target: &str, run: impl Fn(&[u8])) {
    let inputs = inputs(target);
    assert!(!inputs.is_empty(), "no saved inputs for {target}");
    for (path, data) in &inputs {
        eprintln!("replaying {}", path.display());
        run(data);
    }
}

macro_rules! engine_state {
    ($test:ident, $state:expr) => {
        #[test]
        fn $test() {
            replay($state.name(), |d| {
                engine::run($state, d);
            });
        }
    };
}

engine_state!(
    server_await_client_hello,
    engine::State::ServerAwaitClientHello
);
engine_state!(client_await_hvr, engine::State::ClientAwaitHvr);
engine_state!(server_await_cookie, engine::State::ServerAwaitCookie);
engine_state!(client_await_flight4, engine::State::ClientAwaitFlight4);
engine_state!(server_await_flight5, engine::State::ServerAwaitFlight5);
engine_state!(client_await_flight6, engine::State::ClientAwaitFlight6);
engine_state!(client_established, engine::State::ClientEstablished);
engine_state!(server_established, engine::State::ServerEstablished);
engine_state!(
    dtls13_server_await_client_hello,
    engine::State::ServerAwaitClientHello13
);
engine_state!(dtls13_client_await_hrr, engine::State::ClientAwaitHrr13);
engine_state!(
    dtls13_server_await_cookie,
    engine::State::ServerAwaitCookie13
);
engine_state!(
    dtls13_client_await_server_flight,
    engine::State::ClientAwaitServerFlight13
);
engine_state!(
    dtls13_server_await_client_flight,
    engine::State::ServerAwaitClientFlight13
);
engine_state!(dtls13_client_await_ack, engine::State::ClientAwaitAck13);
engine_state!(
    dtls13_client_established,
    engine::State::ClientEstablished13
);
engine_state!(
    dtls13_server_established,
    engine::State::ServerEstablished13
);

#[test]
fn cookie_listener() {
    replay("cookie_listener", engine::cookie_listener);
}

#[test]
fn pki_parsers() {
    replay("der", |d| {
        rdtls::fuzzing::der_walk(d);
    });
    replay("pem", |d| {
        rdtls::fuzzing::pem_parse(d);
    });
    replay("x509", |d| {
        rdtls::fuzzing::x509_parse(d);
    });
}

/// The genuine rest of the handshake, fed to each state, must complete it: the seeds are
/// meaningful and the harness drives the real state machine.
#[test]
fn genuine_seed_completes_each_state() {
    for state in engine::State::ALL {
        assert!(
            engine::run(state, &engine::seed(state)),
            "{state:?}: the genuine rest of the exchange did not complete the handshake"
        );
    }
}

/// The fuzz targets start each input from a copy of a connection prepared once
/// (`rdtls::fuzzing::copy_connection`), DTLS 1.2 and 1.3 alike; every saved input must do
/// exactly what it does on a connection whose handshake was replayed for it: same answers,
/// states, statistics, events, application data and timers. Besides the saved inputs: the
/// genuine rest (also one record per datagram, and reversed), everything the target
/// already received (a copy without its replay windows, reassembly or ACK state would take
/// some of it as new), that again followed by the genuine rest, and timers.
#[test]
fn copied_connection_behaves_as_replayed() {
    for state in engine::State::ALL {
        let mut inputs = inputs(state.name());
        inputs.push((PathBuf::from("seed"), engine::seed(state)));
        inputs.push((PathBuf::from("history"), engine::history(state)));
        let mut again = engine::history(state);
        again.extend(engine::seed(state));
        again.extend([0xff, 0xff]);
        again.extend(engine::history(state));
        inputs.push((PathBuf::from("history+seed"), again));
        let [by_record, timed, reversed] = engine::seed_by_record(state);
        inputs.push((PathBuf::from("seed by record"), by_record));
        inputs.push((PathBuf::from("seed by record, timers"), timed));
        inputs.push((PathBuf::from("seed by record, reversed"), reversed));
        // Timer expiries, an empty datagram and garbage, on top of the saved inputs.
        inputs.push((PathBuf::from("timers"), vec![0xff, 0xff, 0xff, 0xff, 0, 0]));
        inputs.push((PathBuf::from("garbage"), vec![0, 3, 0x16, 0xfe, 0xfd]));
        for (path, data) in &inputs {
            let copy = engine::outcome(state, data, false);
            let replayed = engine::outcome(state, data, true);
            let first = (0..copy.1.len().max(replayed.1.len()))
                .find(|&i| copy.1.get(i) != replayed.1.get(i));
            assert!(
                copy == replayed,
                "{state:?} {}: the copy differs from the replayed connection: completed {} \
                 vs {}, first difference at step {first:?}: {:?} vs {:?}",
                path.display(),
                copy.0,
                replayed.0,
                first.and_then(|i| copy.1.get(i)),
                first.and_then(|i| replayed.1.get(i)),
            );
        }
    }
}

/// The copy is faithful in the states inputs reach too, not only in the prepared ones: each
/// saved input (and the genuine rest as it is, one record per datagram and reversed, and
/// the target's history followed by it) is split
/// after each of its first operations; the first part goes to a replayed connection,
/// which is then copied, and the rest must do the same on both (a copy forgetting a partly
/// received flight, its ACK state, a pending key update or a fallback to 1.2 differs).
#[test]
fn copy_taken_midway_behaves_as_original() {
    for state in engine::State::ALL {
        let mut inputs = inputs(state.name());
        inputs.push((PathBuf::from("seed"), engine::seed(state)));
        let mut again = engine::history(state);
        again.extend(engine::seed(state));
        inputs.push((PathBuf::from("history+seed"), again));
        let [by_record, timed, reversed] = engine::seed_by_record(state);
        inputs.push((PathBuf::from("seed by record"), by_record));
        inputs.push((PathBuf::from("seed by record, timers"), timed));
        inputs.push((PathBuf::from("seed by record, reversed"), reversed));
        for (path, data) in &inputs {
            for split in 1..=MIDWAY_SPLITS {
                let Some((original, copy)) = engine::outcome_copied_midway(state, data, split)
                else {
                    break;
                };
                let first = (0..copy.1.len().max(original.1.len()))
                    .find(|&i| copy.1.get(i) != original.1.get(i));
                assert!(
                    copy == original,
                    "{state:?} {} copied after {split} operations: the copy differs: \
                     completed {} vs {}, first difference at step {first:?}: {:?} vs {:?}",
                    path.display(),
                    copy.0,
                    original.0,
                    first.and_then(|i| copy.1.get(i)),
                    first.and_then(|i| original.1.get(i)),
                );
            }
        }
    }
}

/// Split points tried per input by `copy_taken_midway_behaves_as_original`.
const MIDWAY_SPLITS: usize = 12;

/// `copy_connection` refuses a connection with an application hook set (a boxed closure
/// cannot be copied), on DTLS 1.3 as on 1.2, before and after the version is decided.
#[test]
fn no_copy_with_an_application_hook() {
    use engine::State;
    for state in [
        State::ServerAwaitClientHello13,
        State::ClientAwaitHrr13,
        State::ServerAwaitClientFlight13,
        State::ClientEstablished13,
        State::ServerEstablished13,
        State::ClientEstablished,
    ] {
        let mut c = engine::replayed_connection(state);
        assert!(rdtls::fuzzing::copy_connection(&c).is_some(), "{state:?}");
        c.set_timer_hook(Box::new(|prev| prev.max(1000)));
        assert!(
            rdtls::fuzzing::copy_connection(&c).is_none(),
            "{state:?}: copied with a timer hook"
        );
    }
    struct Anything;
    impl rdtls::pki::verifier::CertVerifier for Anything {
        fn verify(
            &self,
            _: &rdtls::pki::verifier::VerifyInput<'_>,
        ) -> rdtls::pki::verifier::Verdict {
            rdtls::pki::verifier::Verdict::ok()
        }
    }
    for state in [State::ClientAwaitServerFlight13, State::ServerEstablished13] {
        let mut c = engine::replayed_connection(state);
        c.set_verifier(Box::new(Anything));
        assert!(
            rdtls::fuzzing::copy_connection(&c).is_none(),
            "{state:?}: copied with a verifier"
        );
    }
}

/// What the copy saves per input (run by hand: `cargo test --release --test fuzz_corpus
/// copy_vs_replay_cost -- --ignored --nocapture`): per target, the mean time of an empty
/// input and of the genuine rest, starting from a copy and from a replayed handshake.
#[test]
#[ignore]
fn copy_vs_replay_cost() {
    let rounds = 200u32;
    for state in engine::State::ALL {
        let mut line = format!("{:40}", state.name());
        for (what, data) in [("empty", Vec::new()), ("seed", engine::seed(state))] {
            for replayed in [false, true] {
                let t = std::time::Instant::now();
                for _ in 0..rounds {
                    std::hint::black_box(engine::outcome(state, &data, replayed));
                }
                let us = t.elapsed().as_micros() / u128::from(rounds);
                let how = if replayed { "replay" } else { "copy" };
                line += &format!(" {what}/{how} {us:>6} us");
            }
        }
        println!("{line}");
    }
}

/// Writes the generated seeds into fuzz/corpus/ (run by hand:
/// `cargo test --test fuzz_corpus write_seeds -- --ignored`).
#[test]
#[ignore]
fn write_seeds() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    for state in engine::State::ALL {
        let dir = root.join(state.name());
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("seed-genuine-rest"), engine::seed(state)).unwrap();
    }
    let dir = root.join("cookie_listener");
    std::fs::create_dir_all(&dir).unwrap();
    for (i, d) in engine::cookie_listener_seeds().iter().enumerate() {
        std::fs::write(dir.join(format!("seed-client-hello-{i}")), d).unwrap();
    }
}
