//! `smtptls analyze` on the committed corpus and on small logs built here.

use std::path::Path;

use crate::logs::{analyze_csv, counts_of, smtptls, write_log, Inbound};

const CSV_HEADER: &str = "direction,partner,impact,sessions,messages,tls1_3,tls1_2,tls1_1,tls1_0,ssl3,ssl2,tls_unknown,tls_failed,cleartext,weak_cipher,hosts,example_host,mail_domains,ciphers,first_seen,last_seen";

#[test]
fn sample_logs_exact_rows_at_min_tls_1_1() {
    let rows = analyze_csv(Path::new("sample-logs"), &[]);
    assert!(rows[0].join(",").starts_with(CSV_HEADER));
    assert_eq!(rows.len() - 1, 20, "partners");
    for expected in [
        "inbound,globex.co.uk,falls_back_to_cleartext,8,12,0,0,0,6,2,0,0,0,0,5,2",
        "inbound,contoso-partner.com,partially_affected,10,10,0,5,0,5,0,0,0,0,0,0,2",
        "client,km-c458-3f,falls_back_to_cleartext,4,4,0,0,0,4,0,0,0,0,0,4,1",
        "client,10.0.5.23,cleartext_only,2,2,0,0,0,0,0,0,0,0,2,0,1",
        "inbound,adatum.com,tls_failing,4,3,0,0,0,0,0,0,0,2,2,0,1",
        "inbound,litware.com,unknown,5,7,0,0,0,0,0,0,5,0,0,0,2",
        "inbound,fabrikam.de,unaffected,7,7,3,3,0,0,0,0,0,0,1,0,2",
        "outbound,1und1.de,unknown,3,4,0,0,0,0,0,0,3,0,0,0,2",
        "outbound,fourthcoffee.com.au,falls_back_to_cleartext,3,3,0,0,0,3,0,0,0,0,0,1,1",
        "outbound,outlook.com,unaffected,6,12,3,3,0,0,0,0,0,0,0,0,3",
        "internal,edge01.perimeter.northwindtraders.com,falls_back_to_cleartext,3,6,0,0,0,3,0,0,0,0,0,0,1",
        "internal,ex01.corp.northwindtraders.com,unaffected,12,16,0,12,0,0,0,0,0,0,0,0,1",
    ] {
        let (dir, rest) = expected.split_once(',').unwrap();
        let partner = rest.split(',').next().unwrap();
        assert_eq!(counts_of(&rows, dir, partner).as_deref(), Some(expected));
    }
    // Worst first: the first row is at risk, the last is unaffected.
    assert_eq!(rows[1][2], "falls_back_to_cleartext");
    assert_eq!(rows[rows.len() - 1][2], "unaffected");
}

#[test]
fn sample_logs_min_tls_1_2_moves_tls_1_1_partner() {
    let rows = analyze_csv(Path::new("sample-logs"), &["--min-tls", "1.2"]);
    assert_eq!(
        counts_of(&rows, "inbound", "tailspintoys.com").as_deref(),
        Some("inbound,tailspintoys.com,falls_back_to_cleartext,4,4,0,0,4,0,0,0,0,0,0,1,1")
    );
    let rows11 = analyze_csv(Path::new("sample-logs"), &[]);
    assert_eq!(
        rows11.iter().find(|r| r[1] == "tailspintoys.com").unwrap()[2],
        "unaffected"
    );
}

#[test]
fn sample_logs_require_tls_by_mail_domain_makes_mail_stop() {
    let rows = analyze_csv(
        Path::new("sample-logs"),
        &["--require-tls", "contoso-holding.de"],
    );
    let row = rows.iter().find(|r| r[1] == "contoso-partner.com").unwrap();
    assert_eq!(row[2], "mail_stops");
    assert_eq!(rows[1][1], "contoso-partner.com", "mail_stops sorts first");
}

#[test]
fn sample_logs_partially_affected_names_the_old_host() {
    let rows = analyze_csv(Path::new("sample-logs"), &[]);
    let row = rows.iter().find(|r| r[1] == "contoso-partner.com").unwrap();
    assert_eq!(rows[0][21], "affected_hosts");
    assert_eq!(row[21], "mx2.contoso-partner.com");
}

#[test]
fn sample_logs_terminal_summary_counts() {
    let out = smtptls().args(["analyze", "sample-logs"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Read 12 protocol log files"), "{text}");
    assert!(text.contains("skipped 3 other files"), "{text}");
    assert!(text.contains("3,244 rows, 107 sessions"), "{text}");
    assert!(text.contains("PARTNERS AT RISK: 4 of 18"), "{text}");
    assert!(
        text.contains("YOUR DEVICES AND APPLICATIONS: 1 at risk of 2"),
        "{text}"
    );
}

#[test]
fn threads_and_splits_do_not_change_the_output() {
    let run = |args: &[&str]| {
        let out = smtptls()
            .args([
                "analyze",
                "sample-logs",
                "--csv",
                "-",
                "--json",
                "/dev/null",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    };
    let one = run(&["-j1"]);
    assert_eq!(one, run(&["-j2"]));
    // Files cut into 4 KiB stretches: sessions cut by a split are stitched like sessions
    // cut by a rollover.
    assert_eq!(one, run(&["-j2", "--stretch-bytes", "4096"]));
    assert_eq!(one, run(&["-j1", "--stretch-bytes", "777"]));
}

#[test]
fn session_stitched_across_rollover_counts_once() {
    let dir = tempfile::tempdir().unwrap();
    let rows = Inbound {
        sid: "08DE000000000001",
        remote: "192.0.2.10",
        ehlo: "mail.globex.co.uk",
        proto: Some("SP_PROT_TLS1_0_SERVER"),
        senders: &["a@globex.co.uk", "b@globex.co.uk"],
        minute: 5,
    }
    .rows();
    // TLS line in -1, messages and disconnect in -2.
    let (first, second) = rows.split_at(7);
    write_log(
        dir.path(),
        "SmtpReceive/RECV2026112514-1.LOG",
        "recv",
        first,
    );
    write_log(
        dir.path(),
        "SmtpReceive/RECV2026112514-2.LOG",
        "recv",
        second,
    );
    let csv = analyze_csv(dir.path(), &[]);
    assert_eq!(
        counts_of(&csv, "inbound", "globex.co.uk").as_deref(),
        Some("inbound,globex.co.uk,falls_back_to_cleartext,1,2,0,0,0,1,0,0,0,0,0,0,1")
    );
    assert_eq!(csv.len(), 2);
}

#[test]
fn same_session_id_in_another_folder_is_another_session() {
    let dir = tempfile::tempdir().unwrap();
    let s = |remote| {
        Inbound {
            sid: "08DE000000000001",
            remote,
            ehlo: "mx.fabrikam.de",
            proto: Some("SP_PROT_TLS1_2_SERVER"),
            senders: &["a@fabrikam.de"],
            minute: 1,
        }
        .rows()
    };
    write_log(
        dir.path(),
        "EX01/SmtpReceive/RECV2026112514-1.LOG",
        "recv",
        &s("192.0.2.1"),
    );
    write_log(
        dir.path(),
        "EX02/SmtpReceive/RECV2026112514-1.LOG",
        "recv",
        &s("192.0.2.2"),
    );
    let csv = analyze_csv(dir.path(), &[]);
    assert_eq!(
        counts_of(&csv, "inbound", "fabrikam.de").as_deref(),
        Some("inbound,fabrikam.de,unaffected,2,2,0,2,0,0,0,0,0,0,0,0,2")
    );
}

#[test]
fn malformed_row_is_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = Inbound {
        sid: "08DE000000000001",
        remote: "192.0.2.10",
        ehlo: "mx.fabrikam.de",
        proto: None,
        senders: &["a@fabrikam.de"],
        minute: 1,
    }
    .rows();
    // Line 5 header lines + 3 rows before it = line 9.
    rows.insert(3, "2026-11-25T14:01:09.000Z,EX01\\Default,08DE000000000001,99,10.0.1.11:25,192.0.2.10:1,<,\"unterminated".into());
    let log = write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    let out = smtptls().arg("analyze").arg(dir.path()).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "malformed rows are warnings by default"
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let at = format!("{}:9: unterminated quote", log.display());
    assert!(stdout.contains(&at), "{stdout}");
    assert!(stderr.contains("1 malformed rows"), "{stderr}");
    assert!(stdout.contains("1 malformed rows"), "{stdout}");
    // The session around the damage still counts.
    let csv = analyze_csv(dir.path(), &[]);
    assert_eq!(
        counts_of(&csv, "inbound", "fabrikam.de").unwrap(),
        "inbound,fabrikam.de,cleartext_only,1,1,0,0,0,0,0,0,0,0,1,0,1"
    );
    // Under --strict the same damage is an error.
    let strict = smtptls()
        .arg("analyze")
        .arg(dir.path())
        .arg("--strict")
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(2));
}

#[test]
fn non_logs_are_skipped_and_no_log_at_all_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.LOG"), "migration notes, not a log\n").unwrap();
    std::fs::write(
        dir.path().join("MSGTRK2026112514-1.LOG"),
        "#Software: Microsoft Exchange Server\r\n#Log-type: Message Tracking Log\r\n#Fields: date-time,client-ip\r\n2026-11-25T14:00:00.000Z,1.2.3.4\r\n",
    )
    .unwrap();
    let out = smtptls().arg("analyze").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no SMTP protocol log found"));
}

#[test]
fn bad_arguments_exit_2_and_help_exits_0() {
    smtptls()
        .args(["analyze", "sample-logs", "--min-tls", "1.0"])
        .assert()
        .code(2);
    smtptls().args(["analyze"]).assert().code(2);
    smtptls().args(["frobnicate"]).assert().code(2);
    let help = smtptls().args(["analyze", "--help"]).output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(
        text.contains("--min-tls") && text.contains("Exit codes"),
        "{text}"
    );
}

#[test]
fn missing_path_is_reported_and_the_rest_analysed() {
    let out = smtptls()
        .args(["analyze", "sample-logs", "does-not-exist", "--csv", "-"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("does-not-exist: No such file or directory"),
        "{stderr}"
    );
    assert_eq!(crate::logs::csv_rows(&out.stdout).len(), 21);
}

/// The corpus generator (`examples/gen-corpus/`), which `cargo test` builds.
pub fn gen_corpus() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().and_then(Path::parent).unwrap();
    let bin = debug.join("examples").join("gen-corpus");
    assert!(
        bin.exists(),
        "{} not built (run through cargo test)",
        bin.display()
    );
    bin
}

#[test]
fn generated_corpus_matches_its_ground_truth() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let status = std::process::Command::new(gen_corpus())
        .args([
            "--size",
            "6MiB",
            "--seed",
            "7",
            "--max-file-size",
            "256KiB",
            "--hours",
            "6",
            "-q",
        ])
        .arg(&corpus)
        .status()
        .unwrap();
    assert!(status.success());
    let mut expected = csv::Reader::from_path(corpus.join("expected.csv")).unwrap();
    let cols: Vec<String> = expected
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let want: Vec<Vec<String>> = expected
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    assert!(want.len() > 50, "a corpus of many partners");
    // Split into small stretches too: the answer must not change.
    let got = analyze_csv(&corpus, &["-j2", "--stretch-bytes", "65536"]);
    let index: Vec<usize> = cols
        .iter()
        .map(|c| got[0].iter().position(|h| h == c).unwrap())
        .collect();
    let mut got: Vec<Vec<String>> = got[1..]
        .iter()
        .map(|r| index.iter().map(|&i| r[i].clone()).collect())
        .collect();
    got.sort();
    let mut want = want;
    want.sort();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
    assert_eq!(
        servers_highest(&corpus),
        std::fs::read_to_string(corpus.join("expected-servers.csv")).unwrap()
    );
}

/// `servers[]` of the JSON report as the generator's `expected-servers.csv` writes it:
/// `server,log,highest`, sorted by server then log.
fn servers_highest(corpus: &Path) -> String {
    let json = crate::logs::analyze_json(corpus, &["-j2"]);
    let mut rows: Vec<String> = (json["servers"].as_array().unwrap().iter())
        .map(|s| {
            let highest = s["highest"].as_str().unwrap_or("");
            format!(
                "{},{},{highest}\n",
                s["server"].as_str().unwrap(),
                s["log"].as_str().unwrap()
            )
        })
        .collect();
    rows.sort();
    format!("server,log,highest\n{}", rows.concat())
}

/// `smtptls ARGS` on a terminal, the progress bar shown after `delay_ms`.
fn on_a_terminal(args: &str, delay_ms: u32) -> String {
    let delay = delay_ms.to_string();
    crate::logs::on_a_terminal(args, &[("SMTPTLS_PROGRESS_DELAY_MS", &delay)])
}

#[test]
fn progress_bar_on_a_terminal_for_long_runs_only() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    let status = std::process::Command::new(gen_corpus())
        .args(["--size", "12MiB", "--seed", "3", "-q"])
        .arg(&corpus)
        .status()
        .unwrap();
    assert!(status.success());
    // The bar waits `SMTPTLS_PROGRESS_DELAY_MS` (1 s by default) before it shows: 0 here,
    // so that the test does not depend on the machine's speed.
    let run = format!("analyze {} -j1 --csv /dev/null", corpus.display());
    assert!(on_a_terminal(&run, 0).contains("reading logs"));
    assert!(!on_a_terminal(&format!("{run} --quiet"), 0).contains("reading logs"));
    // Runs shorter than the delay, and runs whose stderr is not a terminal, show none.
    assert!(!on_a_terminal("analyze sample-logs", 60_000).contains("reading logs"));
    let piped = smtptls()
        .env("SMTPTLS_PROGRESS_DELAY_MS", "0")
        .arg("analyze")
        .arg(&corpus)
        .args(["-j1", "--csv", "/dev/null"])
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("reading logs"));
}

#[test]
fn parquet_holds_the_aggregate_table() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cells.parquet");
    smtptls()
        .args(["analyze", "sample-logs", "-q", "--parquet"])
        .arg(&out)
        .assert()
        .code(0);
    let bytes = std::fs::read(&out).unwrap();
    assert!(bytes.starts_with(b"PAR1") && bytes.ends_with(b"PAR1"));
    // Read back with polars: one row per (peer, outcome, day) cell, sessions adding up.
    use polars_io::SerReader;
    let df = polars_io::parquet::read::ParquetReader::new(std::fs::File::open(&out).unwrap())
        .finish()
        .unwrap();
    let sessions = df.column("sessions").unwrap().u64().unwrap();
    let sessions: u64 = (0..sessions.len()).filter_map(|i| sessions.get(i)).sum();
    assert_eq!(sessions, 107);
    // Typed as a data engineer expects: days as dates, times as UTC timestamps.
    let dtype = |c: &str| df.column(c).unwrap().dtype().to_string();
    assert_eq!(dtype("day"), "date");
    assert_eq!(dtype("first"), "datetime[ms, UTC]");
    assert_eq!(dtype("last"), "datetime[ms, UTC]");
    assert_eq!(dtype("sessions"), "u64");
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    for c in [
        "direction",
        "partner",
        "remote",
        "host",
        "outcome",
        "cipher",
        "day",
        "sessions",
    ] {
        assert!(names.iter().any(|n| n == c), "{c} in {names:?}");
    }
}
