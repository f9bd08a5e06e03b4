//! Why a run could not be done: every error that ends a run with exit code 2.

use std::io;

use crate::collect::Skipped;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Nothing was found to read, and the paths given say why: `path: message` each
    /// (`D:\logs\EX01: No such file or directory (os error 2)`).
    #[error("{}", .0.join("; "))]
    Unreadable(Vec<String>),
    /// Files were found, but none was a protocol log.
    #[error("{}", no_input(.paths, .skipped, .unreadable))]
    NoInput {
        paths: String,
        skipped: Skipped,
        /// `path: message` for what could not be read.
        unreadable: Vec<String>,
    },
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
    #[error("store {0} is in use by another run (remove {0}/.lock if no run is going)")]
    StoreInUse(String),
    #[error("store {path} was written by a newer smtptls (format {found}; this one reads up to {known}): not read, not changed")]
    StoreFormat {
        path: String,
        found: u64,
        known: u32,
    },
    #[error("store manifest {0} cannot be read: {1}")]
    StoreManifest(String, String),
    #[error("store: {0}")]
    Store(String),
    #[error("--store cannot keep standard input: give the log files by path")]
    StoreStdin,
}

/// Where protocol logs are, for an admin who pointed at the wrong folder (most often the
/// message tracking logs next to them) or whose connectors do not log.
const WHERE_LOGS_ARE: &str = "\
hint: Exchange writes SMTP protocol logs under its install folder, for connectors with
  protocol logging on (Set-ReceiveConnector/Set-SendConnector -ProtocolLoggingLevel Verbose):
    TransportRoles\\Logs\\FrontEnd\\ProtocolLog\\SmtpReceive and ...\\SmtpSend  (2013 and later)
    TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpReceive and ...\\SmtpSend       (2013 and later)
    TransportRoles\\Logs\\ProtocolLog\\SmtpReceive and ...\\SmtpSend           (2007 and 2010)";

/// "no SMTP protocol log found in PATH", what was skipped there by kind, what could not
/// be read, and where protocol logs are.
fn no_input(paths: &str, skipped: &Skipped, unreadable: &[String]) -> String {
    let mut s = format!("no SMTP protocol log found in {paths}");
    let kinds: Vec<_> = (skipped.counts())
        .map(|(kind, n)| format!("{n} {}", kind.noun(n)))
        .collect();
    let total: u64 = skipped.counts().map(|(_, n)| n).sum();
    if total > 0 {
        let files = if total == 1 { "file" } else { "files" };
        s += &format!(": skipped {total} {files} ({})", kinds.join(", "));
    } else if unreadable.is_empty() {
        s += ": no files there";
    }
    if let Some(first) = unreadable.first() {
        let sep = if total > 0 { ";" } else { ":" };
        s += &format!("{sep} {} could not be read ({first}", unreadable.len());
        s += if unreadable.len() > 1 { "...)" } else { ")" };
    }
    s + "\n" + WHERE_LOGS_ARE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::detect::SkipKind;

    #[test]
    fn no_input_names_what_was_skipped_by_kind() {
        let mut skipped = Skipped::default();
        skipped.add(SkipKind::MessageTracking);
        skipped.add(SkipKind::NotALog);
        skipped.add(SkipKind::NotALog);
        let text = no_input("logs", &skipped, &[]);
        assert!(
            text.starts_with(
                "no SMTP protocol log found in logs: skipped 3 files \
                 (1 message tracking log, 2 files that are not logs)\nhint: "
            ),
            "{text}"
        );
        let text = no_input("logs", &Skipped::default(), &[]);
        assert!(text.starts_with("no SMTP protocol log found in logs: no files there\n"));
        let unreadable = ["logs/a: Permission denied (os error 13)".to_string()];
        let text = no_input("logs", &skipped, &unreadable);
        assert!(
            text.contains("not logs); 1 could not be read (logs/a: Permission denied"),
            "{text}"
        );
    }
}
