//! The command line around the analysis: help with examples, completion scripts and man
//! pages, colour, the errors an admin meets first, and logs read from standard input.

use std::io::Write;
use std::path::Path;

use crate::logs::{analyze_csv, csv_rows, smtptls, write_log, Inbound};

/// A sample receive log: two internal hops, TLS 1.2.
const SAMPLE_LOG: &str = "sample-logs/EX01/Hub/ProtocolLog/SmtpReceive/RECV2026112514-1.LOG";

fn stdout_of(args: &[&str]) -> String {
    let out = smtptls().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The text without the terminal's escape codes (`ESC [ ... m`).
fn without_escapes(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('\u{1b}') {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('m').expect("an escape code ends in m");
        rest = &rest[i + end + 1..];
    }
    out + rest
}

#[test]
fn long_help_ends_with_examples_short_help_does_not() {
    for command in ["analyze", "check"] {
        let long = stdout_of(&[command, "--help"]);
        let short = stdout_of(&[command, "-h"]);
        assert!(long.contains("Examples:\n"), "{long}");
        assert!(long.contains("Exit codes:"), "{long}");
        assert!(!short.contains("Examples:"), "{short}");
        assert!(short.contains("Exit codes:"), "{short}");
        assert!(short.lines().count() < long.lines().count());
    }
    let analyze = stdout_of(&["analyze", "--help"]);
    for example in [
        "--csv partners.csv",
        "--min-tls 1.2",
        "--require-tls",
        "analyze -",
    ] {
        assert!(analyze.contains(example), "{example}: {analyze}");
    }
    let check = stdout_of(&["check", "--help"]);
    assert!(check.contains("--baseline last.json"), "{check}");
    assert!(stdout_of(&["--help"]).contains("Examples:"));
}

#[test]
fn completion_scripts_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.contains("smtptls"), "{shell}: {script}");
        assert!(script.contains("min-tls"), "{shell} completes the options");
    }
    assert!(stdout_of(&["completions", "bash"]).contains("complete -F _smtptls"));
    smtptls().args(["completions", "tcsh"]).assert().code(2);
}

/// The page's first macro after roff's preamble (`.ie`/`.el`, which defines how an
/// apostrophe is drawn): `.TH`.
fn title_line(page: &str) -> &str {
    (page.lines())
        .find(|l| !l.starts_with(".ie ") && !l.starts_with(".el "))
        .unwrap_or_default()
}

#[test]
fn man_pages_are_roff() {
    let page = stdout_of(&["man"]);
    assert!(title_line(&page).starts_with(".TH smtptls 1"), "{page}");
    assert!(page.contains("smtptls\\-analyze(1)"), "{page}");
    for command in ["analyze", "check"] {
        let page = stdout_of(&["man", command]);
        assert!(
            title_line(&page).starts_with(&format!(".TH smtptls-{command} 1")),
            "{page}"
        );
        assert!(
            page.contains("min\\-tls") && page.contains("Examples:"),
            "{page}"
        );
    }
    smtptls().args(["man", "frobnicate"]).assert().code(2);
}

#[test]
fn color_always_paints_impact_classes_and_keeps_columns_aligned() {
    let painted = stdout_of(&["analyze", "sample-logs", "--color", "always"]);
    // anstyle's codes: red, yellow, green, then the reset.
    for class in [
        "\u{1b}[31mfalls_back_to_cleartext\u{1b}[0m",
        "\u{1b}[33mpartially_affected\u{1b}[0m",
        "\u{1b}[32munaffected\u{1b}[0m",
    ] {
        assert!(painted.contains(class), "{class:?} in {painted}");
    }
    let plain = stdout_of(&["analyze", "sample-logs", "--color", "never"]);
    assert!(!plain.contains('\u{1b}'));
    assert_eq!(
        without_escapes(&painted),
        plain,
        "the same text, the same columns"
    );
    let stops = stdout_of(&[
        "analyze",
        "sample-logs",
        "--color=always",
        "--require-tls",
        "contoso-holding.de",
    ]);
    assert!(
        stops.contains("\u{1b}[1m\u{1b}[31mmail_stops\u{1b}[0m"),
        "{stops}"
    );
}

#[test]
fn no_colour_for_pipes_for_no_color_and_for_never() {
    // Piped (as every test's output is): none, whatever NO_COLOR says.
    for no_color in [None, Some(""), Some("1")] {
        let mut cmd = smtptls();
        cmd.env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        let out = cmd.args(["analyze", "sample-logs"]).output().unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains('\u{1b}'));
    }
}

/// Under a pseudo-terminal (util-linux `script`, so Unix only).
#[cfg(unix)]
#[test]
fn on_a_terminal_colour_unless_no_color_or_never() {
    use crate::logs::on_a_terminal;
    // Colour by default; an empty NO_COLOR is as good as none.
    let red = "\u{1b}[31mfalls_back_to_cleartext";
    assert!(on_a_terminal("analyze sample-logs", &[]).contains(red));
    assert!(on_a_terminal("analyze sample-logs", &[("NO_COLOR", "")]).contains(red));
    let no_color = on_a_terminal("analyze sample-logs --color auto", &[("NO_COLOR", "1")]);
    assert!(!no_color.contains('\u{1b}'), "{no_color}");
    assert!(!on_a_terminal("analyze sample-logs --color never", &[]).contains('\u{1b}'));
    // The flag outranks the variable.
    let forced = on_a_terminal("analyze sample-logs --color always", &[("NO_COLOR", "1")]);
    assert!(forced.contains(red));
}

#[test]
fn a_path_that_does_not_exist_says_so_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("logs").join("EX01");
    let out = smtptls().arg("analyze").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    // The system's own words ("No such file or directory (os error 2)" on Unix).
    let why = std::fs::metadata(&missing).unwrap_err();
    assert_eq!(stderr, format!("smtptls: {}: {why}\n", missing.display()));
    let out = smtptls()
        .args(["check", "nowhere", "elsewhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let why = std::fs::metadata("nowhere").unwrap_err();
    assert!(
        stderr.starts_with(&format!("smtptls: nowhere: {why}; elsewhere: {why}\n")),
        "{stderr}"
    );
}

#[test]
fn a_folder_without_protocol_logs_names_what_it_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let tracking = dir.path().join("MessageTracking");
    std::fs::create_dir(&tracking).unwrap();
    std::fs::copy(
        "sample-logs/EX01/MessageTracking/MSGTRK2026112514-1.LOG",
        tracking.join("MSGTRK2026112514-1.LOG"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("notes.txt"),
        "migration notes, 25 November\n",
    )
    .unwrap();
    let out = smtptls().arg("analyze").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let first = stderr.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "smtptls: no SMTP protocol log found in {}: skipped 2 files \
             (1 message tracking log, 1 file that is not a log)",
            dir.path().display()
        )
    );
    for place in [
        "TransportRoles\\Logs\\FrontEnd\\ProtocolLog\\SmtpReceive",
        "TransportRoles\\Logs\\Hub\\ProtocolLog\\SmtpReceive",
        "TransportRoles\\Logs\\ProtocolLog\\SmtpReceive",
        "-ProtocolLoggingLevel Verbose",
    ] {
        assert!(stderr.contains(place), "{place}: {stderr}");
    }
    let empty = tempfile::tempdir().unwrap();
    let out = smtptls().arg("analyze").arg(empty.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(": no files there\n"));
}

/// `analyze - --csv -` with `input` on standard input.
fn csv_from_stdin(input: Vec<u8>) -> std::process::Output {
    smtptls()
        .args(["analyze", "-", "--csv", "-"])
        .write_stdin(input)
        .output()
        .unwrap()
}

#[test]
fn stdin_plain_and_gzip_give_the_same_csv_as_the_file() {
    let expected = analyze_csv(Path::new(SAMPLE_LOG), &[]);
    assert_eq!(expected.len(), 3, "a header and two partners: {expected:?}");
    let log = std::fs::read(SAMPLE_LOG).unwrap();
    let plain = csv_from_stdin(log.clone());
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    assert_eq!(csv_rows(&plain.stdout), expected);

    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&log).unwrap();
    let gzipped = csv_from_stdin(gz.finish().unwrap());
    assert!(
        gzipped.status.success(),
        "{}",
        String::from_utf8_lossy(&gzipped.stderr)
    );
    assert_eq!(csv_rows(&gzipped.stdout), expected);
}

#[test]
fn stdin_is_labelled_stdin_in_problems_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = Inbound {
        sid: "08DE000000000001",
        remote: "203.0.113.7",
        ehlo: "mail.fabrikam.de",
        proto: Some("SP_PROT_TLS1_2_SERVER"),
        senders: &["a@fabrikam.de"],
        minute: 3,
    }
    .rows();
    rows.insert(2, "2026-11-25T14:03:00.000Z,damaged".into());
    let log = write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    let out = csv_from_stdin(std::fs::read(&log).unwrap());
    assert!(out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("(first: <stdin>:8: "), "{stderr}");

    let empty = csv_from_stdin(Vec::new());
    assert_eq!(empty.status.code(), Some(2));
    let stderr = String::from_utf8(empty.stderr).unwrap();
    assert!(
        stderr.starts_with(
            "smtptls: no SMTP protocol log found in <stdin>: skipped 1 file (1 empty file)"
        ),
        "{stderr}"
    );
    let zipped = csv_from_stdin(b"PK\x03\x04 and the rest of an archive".to_vec());
    assert_eq!(zipped.status.code(), Some(2));
    let stderr = String::from_utf8(zipped.stderr).unwrap();
    assert!(
        stderr.contains("<stdin>: a zip archive cannot be read from standard input"),
        "{stderr}"
    );
}
