//! Runs one test in a child process of the same test binary, so a memory measurement
//! (`VmData`) sees only that test and not the thread stacks and allocator arenas of tests
//! running in parallel. No unsafe code and no global allocator needed.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Environment variable naming the test a child process must run for real.
const ENV: &str = "RDTLS_ISOLATED_TEST";

/// Wall-clock limit for the child.
const CHILD_TIMEOUT: Duration = Duration::from_secs(120);

/// In the parent: runs test `name` (its full path as libtest prints it) in a child process,
/// panics unless it passed, and returns `true` (the caller returns). In the child: returns
/// `false` and the caller runs the test body.
pub fn run_isolated(name: &str) -> bool {
    if std::env::var(ENV).as_deref() == Ok(name) {
        return false;
    }
    let exe = std::env::current_exe().expect("current test binary");
    let mut child = Command::new(exe)
        .args([name, "--exact", "--test-threads=1", "--nocapture"])
        .env(ENV, name)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning the isolated test");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("waiting for the isolated test") {
            break s;
        }
        if started.elapsed() > CHILD_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("isolated test {name} timed out after {CHILD_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut s) = child.stdout.take() {
        let _ = s.read_to_string(&mut out);
    }
    if let Some(mut s) = child.stderr.take() {
        let _ = s.read_to_string(&mut err);
    }
    assert!(
        status.success() && out.contains("1 passed"),
        "isolated test {name} failed ({status}):\n{out}\n{err}"
    );
    true
}
