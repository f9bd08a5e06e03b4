//! Thin: parse the arguments, then do what they ask: print a completion script or a man
//! page, or run the analysis; map the result to an exit code.

mod cli;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use cli::Action;

fn main() -> ExitCode {
    let action = match cli::Cli::try_parse() {
        Ok(cli) => cli.into_action(),
        Err(e) => {
            let _ = e.print();
            // --help and --version are not errors; bad arguments are exit 2.
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let config = match action {
        Action::Run(config) => config,
        Action::Completions(shell) => return print(Ok(cli::completions(shell))),
        Action::Man(command) => return print(cli::man_page(command.as_deref())),
    };
    match smtptls::run(&config) {
        Ok(finished) => {
            let code = finished.status.exit_code();
            // The OS frees the answer at exit at once; dropping a million partners' rows
            // first would take longer than writing them.
            std::mem::forget(finished);
            ExitCode::from(code)
        }
        Err(e) => {
            eprintln!("smtptls: {e}");
            ExitCode::from(2)
        }
    }
}

/// Prints a generated text to stdout. A closed pipe (`| head`) is not an error.
fn print(text: std::io::Result<Vec<u8>>) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match text.and_then(|t| stdout.write_all(&t).and_then(|()| stdout.flush())) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            eprintln!("smtptls: {e}");
            ExitCode::from(2)
        }
        _ => ExitCode::SUCCESS,
    }
}
