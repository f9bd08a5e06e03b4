//! `smtptls check`: exit codes, the JSON report, the baseline diff, Markdown.

use std::path::Path;

use serde_json::Value;

use crate::logs::{smtptls, write_log, Inbound};

/// `smtptls check PATH`, for more arguments.
fn check(path: impl AsRef<std::ffi::OsStr>) -> assert_cmd::Command {
    let mut cmd = smtptls();
    cmd.arg("check").arg(path);
    cmd
}

fn session(sid: &str, remote: &str, ehlo: &str, proto: Option<&str>) -> Vec<String> {
    Inbound {
        sid,
        remote,
        ehlo,
        proto,
        senders: &["a@x.example"],
        minute: 2,
    }
    .rows()
}

/// A snapshot with fabrikam.de on TLS 1.2 and, optionally, globex.co.uk on TLS 1.0.
fn snapshot(dir: &Path, with_globex: bool, fabrikam_proto: &str) {
    let mut rows = session(
        "08DE000000000001",
        "192.0.2.1",
        "mx.fabrikam.de",
        Some(fabrikam_proto),
    );
    if with_globex {
        rows.extend(session(
            "08DE000000000002",
            "192.0.2.2",
            "mail.globex.co.uk",
            Some("SP_PROT_TLS1_0_SERVER"),
        ));
    }
    rows.extend(session(
        "08DE000000000003",
        "192.0.2.3",
        "mx.litware.com",
        None,
    ));
    write_log(dir, "RECV2026112514-1.LOG", "recv", &rows);
}

#[test]
fn check_exits_1_and_names_exactly_the_partners_at_risk() {
    let dir = tempfile::tempdir().unwrap();
    snapshot(dir.path(), true, "SP_PROT_TLS1_2_SERVER");
    let out = check(dir.path()).arg("-q").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let listed: Vec<_> = stderr.lines().filter(|l| l.contains('\t')).collect();
    assert_eq!(
        listed,
        vec!["inbound\tglobex.co.uk\tfalls_back_to_cleartext\t1\t1"]
    );
}

#[test]
fn check_exits_0_without_partners_at_risk() {
    let dir = tempfile::tempdir().unwrap();
    snapshot(dir.path(), false, "SP_PROT_TLS1_2_SERVER");
    check(dir.path()).arg("-q").assert().code(0);
}

#[test]
fn check_fail_on_replaces_the_classes() {
    let dir = tempfile::tempdir().unwrap();
    snapshot(dir.path(), false, "SP_PROT_TLS1_2_SERVER");
    let out = check(dir.path())
        .args(["-q", "--fail-on", "cleartext_only"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("inbound\tlitware.com\tcleartext_only"));
    check(dir.path())
        .args(["--fail-on", "no_such_class"])
        .assert()
        .code(2);
}

#[test]
fn check_exits_2_when_it_cannot_run() {
    let dir = tempfile::tempdir().unwrap();
    check(dir.path()).assert().code(2);
    snapshot(dir.path(), false, "SP_PROT_TLS1_2_SERVER");
    check(dir.path())
        .args(["--baseline", "/nonexistent/old.json"])
        .assert()
        .code(2);
}

#[test]
fn json_report_has_the_documented_fields() {
    let dir = tempfile::tempdir().unwrap();
    snapshot(dir.path(), true, "SP_PROT_TLS1_2_SERVER");
    let out = check(dir.path())
        .args([
            "--json",
            "-",
            "--min-tls",
            "1.2",
            "--require-tls",
            "globex.co.uk",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["tool"], "smtptls");
    assert_eq!(v["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(v["policy"]["min_tls"], "1.2");
    assert_eq!(v["policy"]["require_tls"][0], "globex.co.uk");
    assert_eq!(v["totals"]["sessions"], 3);
    assert_eq!(v["totals"]["files_read"], 1);
    let p = &v["partners"][0];
    assert_eq!(p["partner"], "globex.co.uk");
    assert_eq!(p["impact"], "mail_stops");
    assert_eq!(p["tls1_0"], 1);
    assert_eq!(p["sessions"], 1);
    assert_eq!(p["hosts"], 1);
    assert_eq!(p["mail_domains"][0], "x.example");
    assert_eq!(v["partners"].as_array().unwrap().len(), 3);
}

#[test]
fn baseline_diff_names_added_removed_and_changed_partners() {
    let old = tempfile::tempdir().unwrap();
    snapshot(old.path(), false, "SP_PROT_TLS1_2_SERVER");
    let base = old.path().join("old.json");
    check(old.path())
        .args(["-q", "--json"])
        .arg(&base)
        .assert()
        .code(0);

    // Unchanged snapshot: --new-only passes.
    check(old.path().join("RECV2026112514-1.LOG"))
        .args(["-q", "--new-only", "--baseline"])
        .arg(&base)
        .assert()
        .code(0);

    // New: globex appears at risk, fabrikam drops to TLS 1.0, litware disappears.
    let new = tempfile::tempdir().unwrap();
    let mut rows = session(
        "08DE000000000001",
        "192.0.2.1",
        "mx.fabrikam.de",
        Some("SP_PROT_TLS1_0_SERVER"),
    );
    rows.extend(session(
        "08DE000000000002",
        "192.0.2.2",
        "mail.globex.co.uk",
        Some("SP_PROT_TLS1_0_SERVER"),
    ));
    write_log(new.path(), "RECV2026112514-1.LOG", "recv", &rows);
    let out = check(new.path())
        .args(["-q", "--new-only", "--json", "-", "--baseline"])
        .arg(&base)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys = |a: &Value| {
        a.as_array()
            .unwrap()
            .iter()
            .map(|k| {
                format!(
                    "{} {}",
                    k["direction"].as_str().unwrap(),
                    k["partner"].as_str().unwrap()
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        keys(&v["diff"]["newly_at_risk"]),
        vec!["inbound fabrikam.de", "inbound globex.co.uk"]
    );
    assert!(keys(&v["diff"]["no_longer_at_risk"]).is_empty());
    let changed: Vec<String> = v["diff"]["changed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {} -> {}",
                c["direction"].as_str().unwrap(),
                c["partner"].as_str().unwrap(),
                c["before"],
                c["after"]
            )
        })
        .collect();
    assert_eq!(
        changed,
        vec![
            "inbound fabrikam.de \"unaffected\" -> \"falls_back_to_cleartext\"",
            "inbound globex.co.uk null -> \"falls_back_to_cleartext\"",
            "inbound litware.com \"cleartext_only\" -> null",
        ]
    );

    // And back: the old snapshot against the new baseline, everything no longer at risk.
    let newer = new.path().join("new.json");
    check(new.path().join("RECV2026112514-1.LOG"))
        .args(["-q", "--json"])
        .arg(&newer)
        .assert()
        .code(1);
    let out = check(old.path().join("RECV2026112514-1.LOG"))
        .args(["-q", "--new-only", "--json", "-", "--baseline"])
        .arg(&newer)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        keys(&v["diff"]["no_longer_at_risk"]),
        vec!["inbound fabrikam.de", "inbound globex.co.uk"]
    );
}

#[test]
fn markdown_summary_lists_failing_partners_and_diff() {
    // Yesterday: no globex, fabrikam on TLS 1.2. Today: globex on TLS 1.0.
    let before = tempfile::tempdir().unwrap();
    snapshot(before.path(), false, "SP_PROT_TLS1_2_SERVER");
    let baseline = before.path().join("yesterday.json");
    check(before.path())
        .args(["-q", "--json"])
        .arg(&baseline)
        .assert()
        .code(0);
    let dir = tempfile::tempdir().unwrap();
    snapshot(dir.path(), true, "SP_PROT_TLS1_2_SERVER");
    let out = check(dir.path())
        .args(["--markdown", "-", "--baseline"])
        .arg(&baseline)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.starts_with("## smtptls: TLS below 1.1 switched off"),
        "{md}"
    );
    assert!(
        md.contains("| inbound | globex.co.uk | falls_back_to_cleartext | 1 | 1 | TLS 1.0 ×1 |"),
        "{md}"
    );
    let diff = &md[md.find("### Since the baseline").expect("a diff section")..];
    assert!(
        diff.contains("- Newly at risk: inbound globex.co.uk"),
        "{diff}"
    );
    assert!(
        diff.contains("- inbound globex.co.uk: (absent) → falls_back_to_cleartext"),
        "{diff}"
    );
    assert!(
        !diff.contains("fabrikam"),
        "unchanged partners are not listed: {diff}"
    );
}
