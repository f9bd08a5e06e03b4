//! The command line (clap derive), turned once into the library's plain [`Config`].

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use smtptls::config::CheckConfig;
use smtptls::report::Impact;
use smtptls::tls::MinTls;
use smtptls::{Config, Destination, Format};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (check: no partner in a failing class)
  1  check only: at least one partner in a failing class (listed on stderr)
  2  the run could not be done: bad arguments, no readable protocol log, an output
     that cannot be written; with --strict, also when any row was malformed";

/// What happens to your partners' mail if you switch off TLS 1.0 (or SSL 3.0, TLS 1.1)?
///
/// smtptls reads Microsoft Exchange SMTP protocol logs (SmtpReceive and SmtpSend folders,
/// any version, plain, .gz or .zip) and tells you, partner by partner, who would fall back
/// to cleartext, whose mail would stop, and who is unaffected.
#[derive(Parser, Debug)]
#[command(name = "smtptls", version, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Analyze log folders: print the summary, optionally write the partner CSV/JSON.
    #[command(after_help = EXIT_CODES)]
    Analyze(AnalyzeArgs),
    /// CI gate: exit 1 when a partner is in a failing class; JSON, Markdown, baseline diff.
    #[command(after_help = EXIT_CODES)]
    Check(CheckArgs),
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

#[derive(Args, Debug)]
pub struct Common {
    /// Log files and folders (searched recursively; .gz and .zip are read transparently);
    /// `-` reads one log, plain or gzip, from standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// The lowest TLS version that stays enabled: 1.1 asks "what if TLS 1.0 and older
    /// were switched off", 1.2 and 1.3 ask the stricter questions.
    #[arg(long, value_name = "VERSION", default_value = "1.1", value_parser = parse_min_tls)]
    pub min_tls: MinTls,

    /// A domain whose mail requires TLS (a TLS-required send connector, domain security):
    /// its mail stops instead of falling back to cleartext. Repeatable.
    #[arg(long = "require-tls", value_name = "DOMAIN")]
    pub require_tls: Vec<String>,

    /// Worker threads (default: one per core). Output is the same for any number.
    #[arg(short = 'j', long = "threads", value_name = "N")]
    pub threads: Option<usize>,

    /// Write the partner table as JSON to FILE (`-` for stdout).
    #[arg(long, value_name = "FILE")]
    pub json: Option<String>,

    /// Write the aggregate table (per partner, host, outcome, cipher and day) as Parquet.
    #[arg(long, value_name = "FILE")]
    pub parquet: Option<PathBuf>,

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

    /// The impact classes that fail the check, comma-separated.
    #[arg(long, value_name = "CLASS[,CLASS...]", value_delimiter = ',',
          default_value = "mail_stops,falls_back_to_cleartext,partially_affected",
          value_parser = parse_impact)]
    pub fail_on: Vec<Impact>,

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

fn parse_impact(s: &str) -> Result<Impact, String> {
    Impact::parse(s).ok_or_else(|| {
        let all: Vec<_> = Impact::ALL.iter().map(Impact::as_str).collect();
        format!("'{s}' is not one of {}", all.join(", "))
    })
}

impl Common {
    fn config(&self, csv: &Option<String>) -> Config {
        let mut c = Config::new(self.paths.clone());
        c.min_tls = self.min_tls;
        c.require_tls = self.require_tls.clone();
        c.threads = self.threads;
        c.progress = !self.quiet;
        c.color = self.color.resolve();
        c.strict = self.strict;
        if let Some(b) = self.stretch_bytes {
            c.stretch_bytes = b.max(1);
        }
        let to_stdout = [csv, &self.json].iter().any(|o| o.as_deref() == Some("-"));
        if !self.quiet && !to_stdout {
            c.outputs.push((Format::Terminal, Destination::Stdout));
        }
        if let Some(f) = csv {
            c.outputs.push((Format::Csv, Destination::parse(f)));
        }
        if let Some(f) = &self.json {
            c.outputs.push((Format::Json, Destination::parse(f)));
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
    pub fn into_config(self) -> Config {
        match self.command {
            Command::Analyze(a) => a.common.config(&a.csv),
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
                config.check = Some(CheckConfig {
                    fail_on: a.fail_on,
                    baseline: a.baseline,
                    new_only: a.new_only,
                });
                config
            }
        }
    }
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
}
