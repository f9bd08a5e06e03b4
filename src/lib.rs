//! smtptls: what happens to each partner's mail if old TLS is switched off, read from
//! Exchange SMTP protocol logs.
//!
//! The pipeline, one module per stage:
//! [`input`] (find files, recognise logs, split large ones) → [`scan`] with [`parse`]
//! (rows → session facts) → [`session`] → [`collect`] (mergeable aggregates, stitched) →
//! [`report`] (polars partner table, impact) → writers (terminal, CSV, JSON, Markdown).

pub mod check;
pub mod collect;
pub mod input;
pub mod memory;
pub mod parse;
pub mod partner;
pub mod report;
pub mod scan;
pub mod session;
pub mod tls;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use collect::Partial;
use input::read;
use input::Discovery;
use report::frame::FlatRows;
use report::{Impact, Report, Writer};
use tls::MinTls;

/// Stretch size for splitting large files: big enough to amortise the job, small enough
/// that one large file still feeds every core.
pub const STRETCH_BYTES: u64 = 32 << 20;

/// Why a run could not be done.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no SMTP protocol log found in {0}")]
    NoInput(String),
    #[error("{0}: {1}")]
    Output(String, io::Error),
    #[error("refusing to write {0}: it is one of the input files")]
    OutputIsInput(String),
    #[error("building the report: {0}")]
    Table(#[from] polars::prelude::PolarsError),
    #[error("baseline {0}: {1}")]
    Baseline(String, String),
    #[error("thread pool: {0}")]
    Threads(String),
}

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Terminal,
    Csv,
    Json,
    Markdown,
    Parquet,
}

/// Where an output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    Stdout,
    File(PathBuf),
}

impl Destination {
    pub fn parse(s: &str) -> Destination {
        if s == "-" {
            Destination::Stdout
        } else {
            Destination::File(PathBuf::from(s))
        }
    }
}

/// Everything a run needs, free of any command-line library.
#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Vec<PathBuf>,
    pub min_tls: MinTls,
    pub require_tls: Vec<String>,
    /// Worker threads; `None` = one per core.
    pub threads: Option<usize>,
    pub outputs: Vec<(Format, Destination)>,
    /// Show a progress bar on stderr (when it is a terminal and the run is long).
    pub progress: bool,
    pub fail_on: Vec<Impact>,
    pub baseline: Option<PathBuf>,
    /// Plain files larger than this are read in several stretches in parallel.
    pub stretch_bytes: u64,
}

impl Config {
    pub fn new(paths: Vec<PathBuf>) -> Config {
        Config {
            paths,
            min_tls: MinTls::Tls11,
            require_tls: Vec::new(),
            threads: None,
            outputs: Vec::new(),
            progress: false,
            fail_on: Impact::DEFAULT_FAIL_ON.to_vec(),
            baseline: None,
            stretch_bytes: STRETCH_BYTES,
        }
    }
}

/// A progress bar that appears only when the run lasts more than a second.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    /// Runs shorter than this show no bar (`SMTPTLS_PROGRESS_DELAY_MS`, default 1000; the
    /// tests set it to 0).
    delay: Duration,
    shown: AtomicBool,
}

impl Progress {
    fn new(enabled: bool, total: u64) -> Progress {
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

    fn inc(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(n);
            if self.started.elapsed() >= self.delay && !self.shown.swap(true, Ordering::Relaxed) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Reads every file under the configured paths into stitched aggregates.
pub fn collect(config: &Config) -> Result<(Partial, Discovery), Error> {
    let timing = std::env::var_os("SMTPTLS_TIMING").is_some();
    let t0 = Instant::now();
    let phase = |name: &str| {
        if timing {
            eprintln!(
                "smtptls: timing: {name} at {:.3}s, peak memory {}",
                t0.elapsed().as_secs_f64(),
                memory::usage()
            );
        }
    };
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = config.threads {
        builder = builder.num_threads(n.max(1));
    }
    let pool = builder.build().map_err(|e| Error::Threads(e.to_string()))?;
    let discovery = pool.install(|| Discovery::walk(&config.paths));
    phase("discovered");
    check_outputs(config, &discovery)?;
    let partial = pool.install(|| {
        let files = &discovery.files;
        let folders = input::folder_ids(files);
        // Header reads and planning, in parallel too: a tree can hold thousands of files.
        // Folded into a few (jobs, partial) pairs, not one per file, and concatenated in
        // order: the jobs stay in file order.
        let (jobs, mut head) = (0..files.len())
            .into_par_iter()
            .fold(
                || (Vec::new(), Partial::default()),
                |(mut jobs, mut p), i| {
                    let (file, folder) = (&files[i], folders[i]);
                    jobs.extend(read::plan_file(
                        file,
                        i as u32,
                        folder,
                        config.stretch_bytes,
                        &mut p,
                    ));
                    (jobs, p)
                },
            )
            .reduce(
                || (Vec::new(), Partial::default()),
                |(mut jobs, mut p), (more, q)| {
                    jobs.extend(more);
                    p.merge(q);
                    (jobs, p)
                },
            );
        phase("planned");
        let total: u64 = jobs.iter().map(|j| j.weight(files)).sum();
        let progress = Progress::new(config.progress, total);
        // Days are kept only for the Parquet aggregate: the partner table does not need
        // them, and without them memory does not grow with the days the logs cover.
        let by_day = config.outputs.iter().any(|(f, _)| *f == Format::Parquet);
        let read = jobs
            .par_iter()
            .fold(
                || Partial::new(by_day),
                |mut p, job| {
                    read::run(job, files, &mut p, &|n| progress.inc(n));
                    p
                },
            )
            .reduce(Partial::default, |mut a, b| {
                a.merge(b);
                a
            });
        progress.finish();
        phase("read");
        if timing {
            eprintln!(
                "smtptls: timing: {} cells, {} peers, {} mail domains in {} (peer, domain) \
                 pairs, {} open fragments",
                read.cells.len(),
                read.peers.len(),
                read.domain_names.len(),
                read.domains.len(),
                read.fragments.len()
            );
        }
        head.merge(read);
        head.stitch();
        memory::release_free();
        phase("stitched");
        head
    });
    let mut partial = partial;
    for e in &discovery.errors {
        partial.stats.files_unreadable += 1;
        partial.warnings.push((u32::MAX, e.clone()));
    }
    Ok((partial, discovery))
}

/// Refuses outputs that would overwrite an input file.
fn check_outputs(config: &Config, discovery: &Discovery) -> Result<(), Error> {
    for (_, dest) in &config.outputs {
        if let Destination::File(path) = dest {
            // An output that does not exist yet is no input.
            let id = input::file_id_of(path);
            if id.is_some_and(|id| discovery.input_ids.contains(&id)) {
                return Err(Error::OutputIsInput(path.display().to_string()));
            }
        }
    }
    Ok(())
}

/// The whole analysis: files → report, and the aggregate table when a Parquet output
/// wants it. Fails when no protocol log was found.
pub fn analyze(config: &Config) -> Result<(Report, Option<FlatRows>), Error> {
    let (partial, discovery) = collect(config)?;
    if partial.stats.files_read == 0 {
        let paths: Vec<_> = config
            .paths
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(Error::NoInput(paths.join(", ")));
    }
    let t0 = Instant::now();
    // The Parquet aggregate comes from the partial, which the report then consumes.
    let wants_parquet = config.outputs.iter().any(|(f, _)| *f == Format::Parquet);
    let aggregate = wants_parquet.then(|| report::aggregate_rows(&partial));
    let mut report = report::build(
        partial,
        &discovery.files,
        config.min_tls,
        &config.require_tls,
    )?;
    if std::env::var_os("SMTPTLS_TIMING").is_some() {
        eprintln!(
            "smtptls: timing: report built in {:.3}s, peak memory {}",
            t0.elapsed().as_secs_f64(),
            memory::usage()
        );
    }
    report.fail_on = config.fail_on.clone();
    if let Some(path) = &config.baseline {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Baseline(path.display().to_string(), e.to_string()))?;
        let baseline: report::json::JsonReport = serde_json::from_str(&text)
            .map_err(|e| Error::Baseline(path.display().to_string(), e.to_string()))?;
        report.diff = Some(check::diff(&baseline, &report));
    }
    Ok((report, aggregate))
}

/// Writes every configured output.
pub fn write_outputs(
    config: &Config,
    report: &Report,
    aggregate: Option<&FlatRows>,
) -> Result<(), Error> {
    for (format, dest) in &config.outputs {
        let name = match dest {
            Destination::Stdout => "<stdout>".to_string(),
            Destination::File(p) => p.display().to_string(),
        };
        if *format == Format::Parquet {
            let Destination::File(path) = dest else {
                return Err(Error::Output(
                    name,
                    io::Error::other("Parquet needs a file name"),
                ));
            };
            let rows = aggregate.cloned().unwrap_or_default();
            report::frame::write_parquet(rows, path)?;
            continue;
        }
        let writer: Box<dyn Writer> = match format {
            Format::Terminal => Box::new(report::terminal::TerminalWriter::default()),
            Format::Csv => Box::new(report::csv::CsvWriter),
            Format::Json => Box::new(report::json::JsonWriter),
            Format::Markdown => Box::new(report::markdown::MarkdownWriter),
            Format::Parquet => continue,
        };
        let result = match dest {
            Destination::Stdout => {
                let stdout = io::stdout();
                let mut lock = stdout.lock();
                writer.write(report, &mut lock).and_then(|_| lock.flush())
            }
            Destination::File(p) => File::create(p).and_then(|f| {
                let mut w = BufWriter::new(f);
                writer.write(report, &mut w)?;
                w.flush()
            }),
        };
        match result {
            // A closed pipe (`| head`) is not an error.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
            Err(e) => return Err(Error::Output(name, e)),
            Ok(()) => {}
        }
    }
    Ok(())
}
