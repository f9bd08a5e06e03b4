//! One snapshot per output format, on the committed corpus (insta).

use crate::logs::smtptls;

fn output(args: &[&str]) -> String {
    let out = smtptls().args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn terminal_summary() {
    insta::assert_snapshot!(output(&["analyze", "sample-logs", "-j2"]));
}

#[test]
fn csv_report() {
    insta::assert_snapshot!(output(&["analyze", "sample-logs", "--csv", "-"]));
}

#[test]
fn json_report() {
    insta::assert_snapshot!(output(&[
        "analyze",
        "sample-logs",
        "--json",
        "-",
        "--min-tls",
        "1.2"
    ]));
}

#[test]
fn markdown_summary() {
    insta::assert_snapshot!(output(&[
        "check",
        "sample-logs",
        "--markdown",
        "-",
        "--require-tls",
        "contoso-holding.de"
    ]));
}
