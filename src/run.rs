//! One run, start to end: find the files, read them in parallel (map per job, reduce by
//! merge), stitch, build the report, judge it for `check`, write the outputs, and say
//! what the exit code should be.

use std::path::Path;

use rayon::prelude::*;

use crate::check::{Baseline, Verdict};
use crate::collect::Partial;
use crate::config::{Config, Destination, Format};
use crate::error::Error;
use crate::input::read::{self, Job};
use crate::input::{self, Discovery, LogFile};
use crate::output::{self, escape, Document};
use crate::progress::Progress;
use crate::report::frame::FlatRows;
use crate::report::{self, Policy, Report};
use crate::store::{self, Store};
use crate::timing::{self, Phases};

/// What a run concluded, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Exit 0.
    Done,
    /// `check` only: a partner is in a failing class (exit 1).
    Failing,
    /// `--strict` and a malformed row (exit 2).
    Malformed,
}

impl Status {
    pub fn exit_code(self) -> u8 {
        match self {
            Status::Done => 0,
            Status::Failing => 1,
            Status::Malformed => 2,
        }
    }
}

/// The analysis, ready to be written.
pub struct Answer {
    pub report: Report,
    /// `check`'s verdict.
    pub verdict: Option<Verdict>,
    /// The aggregate cells, when a Parquet output wants them.
    pub aggregate: Option<FlatRows>,
}

impl Answer {
    pub fn document(&self) -> Document<'_> {
        Document {
            report: &self.report,
            verdict: self.verdict.as_ref(),
            aggregate: self.aggregate.as_ref(),
        }
    }
}

/// A run that ended: its exit status, and the answer it wrote.
pub struct Finished {
    pub status: Status,
    /// Kept so the caller chooses when to free it: a million partners' rows take a
    /// noticeable part of the run to free, and a process about to exit need not.
    pub answer: Answer,
}

/// The whole run: analysis, outputs, and the messages for stderr.
pub fn run(config: &Config) -> Result<Finished, Error> {
    let answer = analyze(config)?;
    let phases = Phases::start();
    // `-j` bounds the writers' parallel rendering too.
    thread_pool(config)?
        .install(|| output::write_all(&config.outputs, &answer.document(), config.color))?;
    phases.done("outputs written");
    let status = tell(config, &answer);
    Ok(Finished { status, answer })
}

/// Tells stderr what the outputs may not show (read problems, malformed rows, failing
/// partners); the run's exit status.
fn tell(config: &Config, answer: &Answer) -> Status {
    let report = &answer.report;
    // Read problems go to stderr when the summary (which lists them) is not shown, so a
    // pipeline sees them even when stdout is data.
    if !config.wants(Format::Terminal) {
        for w in &report.warnings {
            eprintln!("smtptls: warning: {}", escape::terminal(w));
        }
    }
    if report.stats.malformed_rows > 0 {
        let first = (report.problems.first())
            .map(|p| format!(" (first: {}:{}: {})", p.file, p.line, p.problem))
            .unwrap_or_default();
        eprintln!(
            "smtptls: {} malformed rows{}",
            report.stats.malformed_rows,
            escape::terminal(&first)
        );
        if config.strict {
            return Status::Malformed;
        }
    }
    match &answer.verdict {
        Some(v) if list_failing(v, report) => Status::Failing,
        _ => Status::Done,
    }
}

/// Lists on stderr, one per line, the partners and servers that fail the check; whether
/// there were any.
fn list_failing(verdict: &Verdict, report: &Report) -> bool {
    let failing = verdict.failing(report);
    for p in &failing {
        eprintln!(
            "{}\t{}\t{}\t{}\t{}",
            p.direction,
            escape::terminal(&p.partner),
            p.impact,
            p.sessions,
            p.hosts
        );
    }
    let servers = verdict.failing_servers(report);
    for s in &servers {
        eprintln!(
            "server\t{}\t{}\tnot ready",
            escape::terminal(&s.server),
            s.log.as_str()
        );
    }
    !failing.is_empty() || !servers.is_empty()
}

/// Files → report, the aggregate table when a Parquet output wants it, and the verdict
/// for `check`. Fails when no protocol log was found.
pub fn analyze(config: &Config) -> Result<Answer, Error> {
    let (partial, files) = match &config.store {
        Some(dir) => read_into_store(config, dir)?,
        None => {
            let (partial, discovery) = read_all(config)?;
            if partial.stats().files_read == 0 {
                return Err(no_input(config, &partial));
            }
            (partial, discovery.files)
        }
    };
    let phases = Phases::start();
    // The Parquet aggregate comes from the partial, which the report then consumes.
    let aggregate = config
        .wants(Format::Parquet)
        .then(|| report::aggregate_rows(&partial, &config.range));
    let policy = Policy {
        min_tls: config.min_tls,
        require_tls: config.require_tls.clone(),
        disable_cipher: config.disable_cipher.clone(),
        range: config.range,
        retry_window: config.retry_window,
    };
    // `-j` bounds the report's parallel steps too (polars has its own pool).
    let report = thread_pool(config)?.install(|| report::build(partial, &files, &policy))?;
    phases.done("report built");
    let verdict = match &config.check {
        None => None,
        Some(check) => {
            let baseline = check.baseline.as_deref().map(Baseline::load).transpose()?;
            let verdict = Verdict::new(&report, &check.fail_on, baseline.as_ref(), check.new_only)
                .with_servers_not_ready(check.fail_on_servers);
            Some(verdict)
        }
    };
    Ok(Answer {
        report,
        verdict,
        aggregate,
    })
}

/// Why no protocol log was read: the paths themselves when nothing was found to skip (a
/// PATH that does not exist), else what was skipped by kind and what could not be read.
fn no_input(config: &Config, partial: &Partial) -> Error {
    // With no protocol log read, every warning is a path or file that could not be read.
    let unreadable: Vec<_> = (partial.warnings().iter())
        .map(|w| escape::terminal(w).into_owned())
        .collect();
    if partial.stats().files_skipped == 0 && !unreadable.is_empty() {
        return Error::Unreadable(unreadable);
    }
    let paths: Vec<_> = (config.paths.iter())
        .map(|p| match p.to_str() {
            Some(input::STDIN_PATH) => input::STDIN_LABEL.to_string(),
            _ => escape::terminal(&p.display().to_string()).into_owned(),
        })
        .collect();
    Error::NoInput {
        paths: paths.join(", "),
        skipped: partial.stats().skipped,
        unreadable,
    }
}

/// `--store`: reads what the store does not hold yet, replaces those files' contributions,
/// and returns everything the store holds with this run's reading totals, and the files
/// this run read.
fn read_into_store(config: &Config, dir: &Path) -> Result<(Partial, Vec<LogFile>), Error> {
    let mut store = Store::open(dir)?;
    let pool = thread_pool(config)?;
    let mut discovery = pool.install(|| Discovery::walk(&config.paths));
    refuse_input_outputs(config, &discovery)?;
    let (files, selection) = store::select::select(&discovery.files, store.manifest())?;
    discovery.files = files;
    let mut partial = read_discovered(config, &discovery, &pool, true);
    store.save(&selection, &mut partial, config.keep)?;
    let stored = timing::timed("store read", || store.load(config.keeps_days()))?;
    if store.manifest().files.is_empty() && partial.stats().files_read == 0 {
        return Err(if config.paths.is_empty() {
            Error::Store(format!("{} holds no sessions yet", dir.display()))
        } else {
            no_input(config, &partial)
        });
    }
    partial.replace_tables(stored);
    Ok((partial, discovery.files))
}

fn thread_pool(config: &Config) -> Result<rayon::ThreadPool, Error> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = config.threads {
        builder = builder.num_threads(n.max(1));
    }
    builder.build().map_err(|e| Error::Threads(e.to_string()))
}

/// Reads every file under the configured paths into one stitched aggregate.
pub fn read_all(config: &Config) -> Result<(Partial, Discovery), Error> {
    let phases = Phases::start();
    let pool = thread_pool(config)?;
    let discovery = pool.install(|| Discovery::walk(&config.paths));
    phases.done("discovered");
    refuse_input_outputs(config, &discovery)?;
    let partial = read_discovered(config, &discovery, &pool, false);
    Ok((partial, discovery))
}

/// Reads the discovered files into one stitched aggregate; with `store`, one that keeps
/// each file's contribution apart (see [`Partial::new_for_store`]).
fn read_discovered(
    config: &Config,
    discovery: &Discovery,
    pool: &rayon::ThreadPool,
    store: bool,
) -> Partial {
    let phases = Phases::start();
    let mut partial = pool.install(|| {
        let (jobs, mut head) = plan(config, discovery);
        phases.done("planned");
        let read = read_jobs(config, discovery, &jobs, store);
        phases.done("read");
        timing::note(|| read.sizes());
        if store {
            head.merge(Partial::new_for_store());
        }
        head.merge(read);
        head.stitch();
        crate::memory::release_free();
        phases.done("stitched");
        head
    });
    for e in &discovery.errors {
        partial.unreadable_path(e.clone());
    }
    partial
}

/// Header reads and planning, in parallel too: a tree can hold thousands of files.
/// Folded into a few (jobs, partial) pairs, not one per file, and concatenated in order:
/// the jobs stay in file order.
fn plan(config: &Config, discovery: &Discovery) -> (Vec<Job>, Partial) {
    let files = &discovery.files;
    let folders = input::folder_ids(files);
    (0..files.len())
        .into_par_iter()
        .fold(
            || (Vec::new(), Partial::default()),
            |(mut jobs, mut p), i| {
                let (file, folder) = (&files[i], folders[i]);
                let stretch = config.stretch_bytes;
                jobs.extend(read::plan_file(file, i as u32, folder, stretch, &mut p));
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
        )
}

/// Runs the jobs in parallel, each into its thread's partial, merged pairwise.
fn read_jobs(config: &Config, discovery: &Discovery, jobs: &[Job], store: bool) -> Partial {
    let files = &discovery.files;
    let total: u64 = jobs.iter().map(|j| j.weight(files)).sum();
    let progress = Progress::new(config.progress, total);
    // Days are kept only when an output shows them or a range limits the run: the
    // partner table does not need them.
    let by_day = config.keeps_days();
    let read = jobs
        .par_iter()
        .fold(
            || {
                if store {
                    Partial::new_for_store()
                } else {
                    Partial::new(by_day)
                }
            },
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
    read
}

/// Refuses outputs that would overwrite an input file.
fn refuse_input_outputs(config: &Config, discovery: &Discovery) -> Result<(), Error> {
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
