//! The command line (clap derive), turned once into what to do ([`Action`]): a run of the
//! library with its plain [`Config`], or a completion script or man page to print.

use std::io::IsTerminal;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use clap_complete::Shell;

use smtptls::check::FailClass;
use smtptls::config::CheckConfig;
use smtptls::parse::time::{parse_duration, Millis};
use smtptls::report::DayRange;
use smtptls::tls::{DisabledCipher, MinTls};
use smtptls::{Config, Destination, Format};

/// A macro, not a const, so `concat!` can put it after each command's examples.
macro_rules! exit_codes {
    () => {
        "\
Exit codes:
  0  success (check: no partner in a failing class)
  1  check only: at least one partner in a failing class, or one of your servers not
     ready (listed on stderr)
  2  the run could not be done: bad arguments, no readable protocol log, an output
     that cannot be written; with --strict, also when any row was malformed"
    };
}

const EXIT_CODES: &str = exit_codes!();

/// `--help` only: `-h` stays a screen long.
const MAIN_LONG_HELP: &str = concat!(
    "\
Examples:
  smtptls analyze D:\\logs --csv partners.csv
  smtptls check logs --baseline last.json --new-only --json today.json
  smtptls completions powershell > smtptls.ps1
  (more in smtptls analyze --help and smtptls check --help)

",
    exit_codes!()
);

const ANALYZE_LONG_HELP: &str = concat!(
    "\
Examples:
  # Every protocol log under a folder (plain, .gz or .zip), summary in the terminal
  smtptls analyze D:\\logs
  # The same, and the partner impact CSV for the change board
  smtptls analyze D:\\logs --csv partners.csv
  # The stricter question: TLS 1.1 switched off too
  smtptls analyze D:\\logs --min-tls 1.2
  # contoso.com requires TLS: its mail would stop instead of going on in cleartext
  smtptls analyze D:\\logs --require-tls contoso.com
  # One log from standard input, gzipped or not
  zcat RECV2026112514-1.LOG.gz | smtptls analyze -

",
    exit_codes!()
);

const CHECK_LONG_HELP: &str = concat!(
    "\
Examples:
  # Fail (exit 1) if any partner would fall back to cleartext, lose mail, or be partly hit
  smtptls check D:\\logs
  # Nightly: compare with last night's report, fail only on partners newly at risk
  smtptls check logs --baseline last.json --new-only --json today.json -q
  # A summary for the CI job page; only mail that would stop fails the check
  smtptls check logs --require-tls contoso.com --fail-on mail_stops --markdown summary.md

",
    exit_codes!()
);

/// What happens to your partners' mail if you switch off TLS 1.0 (or SSL 3.0, TLS 1.1)?
///
/// smtptls reads Microsoft Exchange SMTP protocol logs (SmtpReceive and SmtpSend folders,
/// any version, plain, .gz or .zip) and tells you, partner by partner, who would fall back
/// to cleartext, whose mail would stop, and who is unaffected.
#[derive(Parser, Debug)]
#[command(
    name = "smtptls",
    version,
    after_help = EXIT_CODES,
    after_long_help = MAIN_LONG_HELP,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyze log folders: print the summary, optionally write the partner CSV/JSON.
    #[command(after_help = EXIT_CODES, after_long_help = ANALYZE_LONG_HELP)]
    Analyze(AnalyzeArgs),
    /// CI gate: exit 1 when a partner is in a failing class; JSON, Markdown, baseline diff.
    #[command(after_help = EXIT_CODES, after_long_help = CHECK_LONG_HELP)]
    Check(CheckArgs),
    /// Print a shell completion script (see the README for where to put it).
    Completions {
        #[arg(value_name = "SHELL")]
        shell: Shell,
    },
    /// Print a man page (roff): smtptls(1), or the page of one command.
    Man {
        /// The command whose page to print, as smtptls-COMMAND(1).
        #[arg(value_name = "COMMAND", value_parser = ["analyze", "check", "completions", "man"])]
        command: Option<String>,
    },
}

/// When to colour the terminal summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// When stdout is a terminal and NO_COLOR is not set (or empty).
    Auto,
    /// Even into a pipe or a file (`less -R` shows it).
    Always,
    /// No colour, whatever the terminal.
    Never,
}

impl ColorWhen {
    /// Decided once, here: the writers only obey [`Config::color`].
    fn resolve(self) -> bool {
        // A Windows console shows escape codes only once asked to (`None` elsewhere).
        let console_ok = || anstyle_query::windows::enable_ansi_colors().unwrap_or(true);
        match self {
            ColorWhen::Always => {
                // Asked for: colour even where the console cannot be switched.
                let _ = console_ok();
                true
            }
            ColorWhen::Never => false,
            ColorWhen::Auto => {
                colour_by_default(anstyle_query::no_color(), std::io::stdout().is_terminal())
                    && console_ok()
            }
        }
    }
}

/// `--color auto`: colour for a person at a terminal, never for a pipe or a file, and
/// never when `NO_COLOR` asks for none (<https://no-color.org>).
fn colour_by_default(no_color: bool, stdout_is_terminal: bool) -> bool {
    stdout_is_terminal && !no_color
}

/// What the command line asks for: a run, or something printed before any analysis.
#[derive(Debug)]
pub enum Action {
    Run(Box<Config>),
    Completions(Shell),
    /// The man page of the program, or of one of its commands.
    Man(Option<String>),
}

#[derive(Args, Debug)]
pub struct Common {
    /// Log files and folders (searched recursively; .gz and .zip are read transparently);
    /// `-` reads one log, plain or gzip, from standard input.
    #[arg(required_unless_present = "store", value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Keep what the logs said in this folder (created if missing) and report over
    /// everything it holds: PATH adds to it, and without PATH the report is the store's.
    #[arg(long, value_name = "DIR")]
    pub store: Option<PathBuf>,

    /// With --store: keep only the log files that fed its newest DAYS days.
    #[arg(long, value_name = "DAYS", requires = "store")]
    pub keep: Option<u32>,

    /// The lowest TLS version that stays enabled: 1.1 asks "what if TLS 1.0 and older
    /// were switched off", 1.2 and 1.3 ask the stricter questions.
    #[arg(long, value_name = "VERSION", default_value = "1.1", value_parser = parse_min_tls)]
    pub min_tls: MinTls,

    /// A domain whose mail requires TLS (a TLS-required send connector, domain security):
    /// its mail stops instead of falling back to cleartext. Repeatable.
    #[arg(long = "require-tls", value_name = "DOMAIN")]
    pub require_tls: Vec<String>,

    /// Also switch off these algorithms (RC4, 3DES, DES, RC2, MD5, SHA1; any case),
    /// comma-separated and repeatable: a session that used one is refused like one below
    /// --min-tls.
    #[arg(long = "disable-cipher", value_name = "CIPHER[,CIPHER...]", value_delimiter = ',',
          value_parser = parse_disabled_cipher)]
    pub disable_cipher: Vec<DisabledCipher>,

    /// How long after a failed TLS handshake the partner's next session counts as its
    /// retry (`90s`, `30m`, `1h`, `1h30m`, `2d`): in cleartext, with TLS, or none seen.
    #[arg(long = "retry-window", value_name = "DURATION", default_value = "1h",
          value_parser = parse_window)]
    pub retry_window: Millis,

    /// Worker threads (default: one per core). Output is the same for any number.
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,

    /// Write the partner table as JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,

    /// Write the aggregate table (per partner, host, outcome, cipher and day) as Parquet.
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,

    /// Write the report as one self-contained HTML page (charts, sortable tables) to FILE
    /// (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub html: Option<String>,

    /// Write sessions per day and partner as CSV to FILE (`-` for stdout).
    #[arg(long = "by-day", value_name = "FILE")]
    pub by_day: Option<String>,

    /// Count only sessions that started on or after this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub since: Option<NaiveDate>,

    /// Count only sessions that started on or before this day (YYYY-MM-DD, UTC).
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub until: Option<NaiveDate>,

    /// No progress bar and no terminal summary (outputs asked for are still written).
    #[arg(short, long)]
    pub quiet: bool,

    /// Treat malformed rows as an error (exit 2) instead of a warning.
    #[arg(long)]
    pub strict: bool,

    /// Colour the impact classes in the terminal summary.
    #[arg(long, value_name = "WHEN", value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Split plain files larger than this many bytes into stretches read in parallel
    /// (for tests and tuning).
    #[arg(long, hide = true, value_name = "BYTES")]
    pub stretch_bytes: Option<u64>,
}

#[derive(Args, Debug)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub common: Common,

    /// Write the partner impact CSV to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<String>,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,

    /// The impact classes that fail the check, comma-separated; server_not_ready: one of
    /// your own servers never negotiated a version --min-tls allows.
    #[arg(long, value_name = "CLASS[,CLASS...]", value_delimiter = ',',
          default_value = "mail_stops,falls_back_to_cleartext,partially_affected,server_not_ready",
          value_parser = parse_fail_class)]
    pub fail_on: Vec<FailClass>,

    /// The JSON of an earlier run: report partners newly at risk, no longer at risk, and
    /// whose class changed.
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,

    /// With --baseline: only partners newly in a failing class make the check fail.
    #[arg(long, requires = "baseline")]
    pub new_only: bool,

    /// Write a short Markdown summary to FILE (`-` for stdout), for a CI job summary.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<String>,

    /// Write the partner impact CSV to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<String>,
}

fn parse_min_tls(s: &str) -> Result<MinTls, String> {
    MinTls::parse(s).ok_or_else(|| format!("'{s}' is not one of 1.1, 1.2, 1.3"))
}

fn parse_disabled_cipher(s: &str) -> Result<DisabledCipher, String> {
    DisabledCipher::parse(s).ok_or_else(|| {
        let all: Vec<_> = DisabledCipher::ALL
            .iter()
            .map(DisabledCipher::as_str)
            .collect();
        format!("'{s}' is not one of {}", all.join(", "))
    })
}

fn parse_window(s: &str) -> Result<Millis, String> {
    parse_duration(s)
        .ok_or_else(|| format!("'{s}' is not a duration such as 90s, 30m, 1h, 1h30m, 2d"))
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| format!("'{s}' is not a date YYYY-MM-DD"))
}

fn parse_fail_class(s: &str) -> Result<FailClass, String> {
    FailClass::parse(s).ok_or_else(|| {
        let all: Vec<_> = FailClass::all().map(|c| c.as_str()).collect();
        format!("'{s}' is not one of {}", all.join(", "))
    })
}

impl Common {
    fn config(&self, csv: &Option<String>) -> Config {
        let mut c = Config::new(self.paths.clone());
        c.min_tls = self.min_tls;
        c.require_tls = self.require_tls.clone();
        // In the order given, each once: the question names them so.
        for d in &self.disable_cipher {
            if !c.disable_cipher.contains(d) {
                c.disable_cipher.push(*d);
            }
        }
        c.retry_window = self.retry_window;
        c.store = self.store.clone();
        c.keep = self.keep;
        c.threads = self.threads;
        c.progress = !self.quiet;
        c.color = self.color.resolve();
        c.strict = self.strict;
        if let Some(b) = self.stretch_bytes {
            c.stretch_bytes = b.max(1);
        }
        c.range = DayRange {
            since: self.since,
            until: self.until,
        };
        let to_stdout = [csv, &self.json, &self.html, &self.by_day]
            .iter()
            .any(|o| o.as_deref() == Some("-"));
        if !self.quiet && !to_stdout {
            c.outputs.push((Format::Terminal, Destination::Stdout));
        }
        if let Some(f) = csv {
            c.outputs.push((Format::Csv, Destination::parse(f)));
        }
        if let Some(f) = &self.json {
            c.outputs.push((Format::Json, Destination::parse(f)));
        }
        if let Some(f) = &self.html {
            c.outputs.push((Format::Html, Destination::parse(f)));
        }
        if let Some(f) = &self.by_day {
            c.outputs.push((Format::ByDay, Destination::parse(f)));
        }
        if let Some(p) = &self.parquet {
            c.outputs
                .push((Format::Parquet, Destination::File(p.clone())));
        }
        c
    }
}

impl Cli {
    /// The one conversion from clap's types to the library's.
    pub fn into_action(self) -> Action {
        match self.command {
            Command::Completions { shell } => Action::Completions(shell),
            Command::Man { command } => Action::Man(command),
            Command::Analyze(a) => Action::Run(Box::new(a.common.config(&a.csv))),
            Command::Check(a) => {
                let mut config = a.common.config(&a.csv);
                if let Some(m) = &a.markdown {
                    if m == "-" {
                        config.outputs.retain(|(f, _)| *f != Format::Terminal);
                    }
                    config
                        .outputs
                        .push((Format::Markdown, Destination::parse(m)));
                }
                let (fail_on, fail_on_servers) = FailClass::split(&a.fail_on);
                config.check = Some(CheckConfig {
                    fail_on,
                    fail_on_servers,
                    baseline: a.baseline,
                    new_only: a.new_only,
                });
                Action::Run(Box::new(config))
            }
        }
    }
}

/// The completion script for `shell`. Built in memory: the generator panics when its
/// output fails (a closed pipe), and the caller would rather report that.
pub fn completions(shell: Shell) -> Vec<u8> {
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "smtptls", &mut script);
    script
}

/// The man page of the program, or of `command` (`smtptls-analyze(1)`).
pub fn man_page(command: Option<&str>) -> std::io::Result<Vec<u8>> {
    // Pages for the commands there are: `help` has none.
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Built, so that a subcommand knows its full name (`smtptls-analyze`).
    cmd.build();
    let cmd = match command {
        None => cmd,
        Some(name) => (cmd.find_subcommand(name).cloned())
            .ok_or_else(|| std::io::Error::other(format!("no command {name}")))?,
    };
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_by_default_only_for_a_terminal_without_no_color() {
        assert!(colour_by_default(false, true));
        assert!(!colour_by_default(true, true));
        assert!(!colour_by_default(false, false));
        assert!(!colour_by_default(true, false));
    }

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
