//! Thin: parse the arguments, run the library, map the result to an exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors; bad arguments are exit 2.
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let run = cli.into_run();
    let (report, aggregate) = match smtptls::analyze(&run.config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("smtptls: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = smtptls::write_outputs(&run.config, &report, aggregate.as_ref()) {
        eprintln!("smtptls: {e}");
        return ExitCode::from(2);
    }
    // Read problems go to stderr when the summary (which lists them) is not shown, so a
    // pipeline sees them even when stdout is data.
    let summary_shown = run
        .config
        .outputs
        .iter()
        .any(|(f, _)| *f == smtptls::Format::Terminal);
    if !summary_shown {
        for w in &report.warnings {
            eprintln!("smtptls: warning: {}", smtptls::report::escape::terminal(w));
        }
    }
    if report.stats.malformed_rows > 0 {
        let first = report
            .problems
            .first()
            .map(|p| format!(" (first: {}:{}: {})", p.file, p.line, p.problem))
            .unwrap_or_default();
        eprintln!(
            "smtptls: {} malformed rows{}",
            report.stats.malformed_rows,
            smtptls::report::escape::terminal(&first)
        );
        if run.strict {
            return ExitCode::from(2);
        }
    }
    if run.check {
        let failing = smtptls::check::failing(&report, run.new_only);
        for p in &failing {
            eprintln!(
                "{}\t{}\t{}\t{}\t{}",
                p.direction,
                smtptls::report::escape::terminal(&p.partner),
                p.impact.as_str(),
                p.sessions,
                p.hosts
            );
        }
        if !failing.is_empty() {
            return ExitCode::from(1);
        }
    }
    ExitCode::SUCCESS
}
