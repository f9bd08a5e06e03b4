//! Thin: parse the arguments, run, map the result to an exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let config = match cli::Cli::try_parse() {
        Ok(cli) => cli.into_config(),
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors; bad arguments are exit 2.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    match smtptls::run(&config) {
        Ok(status) => ExitCode::from(status.exit_code()),
        Err(e) => {
            eprintln!("smtptls: {e}");
            ExitCode::from(2)
        }
    }
}
