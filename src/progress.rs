//! The progress bar: bytes read, on stderr, only when stderr is a terminal and the run
//! lasts more than a second.

use std::io::{self, IsTerminal};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

pub struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    /// Runs shorter than this show no bar (`SMTPTLS_PROGRESS_DELAY_MS`, default 1000; the
    /// tests set it to 0).
    delay: Duration,
    shown: AtomicBool,
}

impl Progress {
    /// A bar for `total` bytes; `enabled` false (or stderr not a terminal) draws nothing.
    pub fn new(enabled: bool, total: u64) -> Progress {
        let bar = (enabled && io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total),
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{spinner} reading logs [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar
        });
        let delay = std::env::var("SMTPTLS_PROGRESS_DELAY_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .map_or(Duration::from_secs(1), Duration::from_millis);
        Progress {
            bar,
            started: Instant::now(),
            delay,
            shown: AtomicBool::new(false),
        }
    }

    /// `n` more bytes dealt with.
    pub fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
            if self.started.elapsed() >= self.delay && !self.shown.swap(true, Ordering::Relaxed) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
