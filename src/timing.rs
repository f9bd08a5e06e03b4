//! `SMTPTLS_TIMING=1`: each phase's time and the process's memory on stderr, for
//! measuring. The one place that prints them; silent unless the variable is set.

use std::sync::OnceLock;
use std::time::Instant;

fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("SMTPTLS_TIMING").is_some())
}

/// Times the phases of a run from its start.
pub struct Phases {
    start: Instant,
}

impl Phases {
    pub fn start() -> Phases {
        Phases {
            start: Instant::now(),
        }
    }

    /// `name` is done: prints the time since the start and the peak memory so far.
    pub fn done(&self, name: &str) {
        if enabled() {
            eprintln!(
                "smtptls: timing: {name} at {:.3}s, peak memory {}",
                self.start.elapsed().as_secs_f64(),
                crate::memory::usage()
            );
        }
    }
}

/// Runs `f`, printing how long it took and the memory after it.
pub fn timed<T>(name: &str, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let value = f();
    if enabled() {
        eprintln!(
            "smtptls: timing: {name} {:.3}s, peak memory {}",
            t.elapsed().as_secs_f64(),
            crate::memory::usage()
        );
    }
    value
}

/// Prints a measurement that is costly to describe only when timing is on.
pub fn note(describe: impl FnOnce() -> String) {
    if enabled() {
        eprintln!("smtptls: timing: {}", describe());
    }
}
