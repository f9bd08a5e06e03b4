//! What a run is asked to do, free of any command-line library: the one `Config` that
//! `cli.rs` builds from the arguments.

use std::fmt;
use std::path::PathBuf;

use crate::parse::time::Millis;
use crate::report::{DayRange, Impact, DEFAULT_RETRY_WINDOW};
use crate::tls::{DisabledCipher, MinTls};

/// Stretch size for splitting large files: big enough to amortise the job, small enough
/// that one large file still feeds every core.
pub const STRETCH_BYTES: u64 = 32 << 20;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Terminal,
    Csv,
    Json,
    Markdown,
    /// The aggregate table, not the report: asking for it keeps cells per day.
    Parquet,
    /// The self-contained HTML page, with the trend per day.
    Html,
    /// Sessions per day and partner (`--by-day`), CSV.
    ByDay,
}

/// Where an output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl Destination {
    /// `-` is standard output, anything else a file name.
    pub fn parse(s: &str) -> Destination {
        if s == "-" {
            Destination::Stdout
        } else {
            Destination::File(PathBuf::from(s))
        }
    }
}

impl fmt::Display for Destination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Destination::Stdout => f.write_str("<stdout>"),
            Destination::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// `check`'s part of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckConfig {
    pub fail_on: Vec<Impact>,
    /// `--fail-on server_not_ready`: our own servers not ready fail the check too.
    pub fail_on_servers: bool,
    pub baseline: Option<PathBuf>,
    /// With a baseline: only partners newly in a failing class fail the check.
    pub new_only: bool,
}

/// Everything a run needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Vec<PathBuf>,
    pub min_tls: MinTls,
    pub require_tls: Vec<String>,
    /// `--disable-cipher`: algorithms switched off along with the old versions.
    pub disable_cipher: Vec<DisabledCipher>,
    /// Worker threads; `None` = one per core.
    pub threads: Option<usize>,
    pub outputs: Vec<(Format, Destination)>,
    /// Show a progress bar on stderr (when it is a terminal and the run is long).
    pub progress: bool,
    /// Colour the impact classes in the terminal summary. Decided once by the command
    /// line (`--color`, `NO_COLOR`, whether stdout is a terminal); writers only obey it.
    pub color: bool,
    /// Malformed rows fail the run (exit 2) instead of being a warning.
    pub strict: bool,
    /// `Some` for `check`.
    pub check: Option<CheckConfig>,
    /// Plain files larger than this are read in several stretches in parallel.
    pub stretch_bytes: u64,
    /// `--since` / `--until`: only sessions that started in these days count.
    pub range: DayRange,
    /// `--retry-window`, in ms: how long after a failed handshake a session is its retry.
    pub retry_window: Millis,
    /// `--store DIR`: add what the paths hold to this store and report over all of it.
    pub store: Option<PathBuf>,
    /// `--keep DAYS`: the store keeps only the files that fed its newest DAYS days.
    pub keep: Option<u32>,
}

impl Config {
    pub fn new(paths: Vec<PathBuf>) -> Config {
        Config {
            paths,
            min_tls: MinTls::Tls11,
            require_tls: Vec::new(),
            disable_cipher: Vec::new(),
            threads: None,
            outputs: Vec::new(),
            progress: false,
            color: false,
            strict: false,
            check: None,
            stretch_bytes: STRETCH_BYTES,
            range: DayRange::default(),
            retry_window: DEFAULT_RETRY_WINDOW,
            store: None,
            keep: None,
        }
    }

    /// Whether an output of this format was asked for.
    pub fn wants(&self, format: Format) -> bool {
        self.outputs.iter().any(|(f, _)| *f == format)
    }

    /// Whether the aggregate keeps each session's day: for the outputs that show days
    /// (Parquet, JSON, HTML, `--by-day`) and to limit a run to `--since`/`--until`.
    /// Otherwise memory does not grow with the days the logs cover.
    pub fn keeps_days(&self) -> bool {
        let day_formats = [Format::Parquet, Format::Json, Format::Html, Format::ByDay];
        self.range.is_bounded() || day_formats.into_iter().any(|f| self.wants(f))
    }
}
