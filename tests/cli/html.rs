//! `--html`, the days behind it (`--json` days, `--by-day`) and `--since`/`--until`.

use std::path::Path;

use crate::logs::{csv_rows, smtptls, write_log, Inbound};

/// Runs `analyze` with `args`, returning stdout; fails the test on a non-zero exit.
fn run(args: &[&str]) -> String {
    let out = smtptls().arg("analyze").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// One inbound session's rows, moved to `day` (`2026-11-DD`).
fn session_on(day: &str, sid: &str, remote: &str, ehlo: &str, proto: Option<&str>) -> Vec<String> {
    let rows = Inbound {
        sid,
        remote,
        ehlo,
        proto,
        senders: &["a@partner.example"],
        minute: 1,
    }
    .rows();
    let date = format!("{day}T");
    (rows.into_iter())
        .map(|r| r.replacen("2026-11-25T", &date, 1))
        .collect()
}

/// Three sessions on the 25th (two at TLS 1.0), none on the 26th, two on the 27th.
fn write_days(dir: &Path) {
    let tls10 = Some("SP_PROT_TLS1_0_SERVER");
    let tls12 = Some("SP_PROT_TLS1_2_SERVER");
    let mut rows = Vec::new();
    rows.extend(session_on(
        "2026-11-25",
        "08DE000000000001",
        "192.0.2.10",
        "mx.old.example",
        tls10,
    ));
    rows.extend(session_on(
        "2026-11-25",
        "08DE000000000002",
        "192.0.2.10",
        "mx.old.example",
        tls10,
    ));
    rows.extend(session_on(
        "2026-11-25",
        "08DE000000000003",
        "192.0.2.20",
        "mx.new.example",
        tls12,
    ));
    rows.extend(session_on(
        "2026-11-27",
        "08DE000000000004",
        "192.0.2.10",
        "mx.old.example",
        tls10,
    ));
    rows.extend(session_on(
        "2026-11-27",
        "08DE000000000005",
        "192.0.2.20",
        "mx.new.example",
        tls12,
    ));
    write_log(dir, "RECV2026112514-1.LOG", "recv", &rows);
}

/// The values of every `name="..."` attribute in a page.
fn attributes<'a>(page: &'a str, name: &str) -> Vec<&'a str> {
    let pattern = format!(" {name}=\"");
    (page.match_indices(&pattern))
        .map(|(at, _)| {
            let rest = &page[at + pattern.len()..];
            &rest[..rest.find('"').unwrap_or(rest.len())]
        })
        .collect()
}

#[test]
fn html_page_is_self_contained_with_one_svg_per_chart_and_every_partner_at_risk() {
    let page = run(&["sample-logs", "--html", "-"]);
    assert!(page.starts_with("<!DOCTYPE html>"), "{}", &page[..100]);
    for attr in ["src", "href"] {
        for value in attributes(&page, attr) {
            assert!(
                !value.contains("http://") && !value.contains("https://"),
                "{attr}={value}"
            );
        }
    }
    assert!(!page.contains("<link"), "no external stylesheet");
    assert_eq!(page.matches("<svg").count(), 2, "two charts");
    let csv = csv_rows(run(&["sample-logs", "-q", "--csv", "-"]).as_bytes());
    let at_risk: Vec<_> = (csv[1..].iter())
        .filter(|r| {
            [
                "mail_stops",
                "falls_back_to_cleartext",
                "partially_affected",
            ]
            .contains(&r[2].as_str())
        })
        .collect();
    assert!(at_risk.len() >= 4);
    for r in at_risk {
        assert!(
            page.contains(&format!(">{}<", r[1])),
            "partner at risk {} on the page",
            r[1]
        );
    }
    assert!(page.contains("Partners at risk (4)"));
}

#[test]
fn hostile_ehlo_names_reach_the_page_as_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = session_on(
        "2026-11-25",
        "08DE0000000000A1",
        "192.0.2.30",
        "<script>alert(1)</script>",
        Some("SP_PROT_TLS1_0_SERVER"),
    );
    rows.extend(session_on(
        "2026-11-25",
        "08DE0000000000A2",
        "192.0.2.31",
        "x\"onmouseover=\"alert(2)",
        None,
    ));
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    let page = run(&[dir.path().to_str().unwrap(), "--html", "-"]);
    assert!(!page.contains("<script>alert"), "raw script tag");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "shown as text"
    );
    assert!(!page.contains("\"onmouseover"), "raw attribute break-out");
    assert!(
        page.contains("x&quot;onmouseover=&quot;alert(2)"),
        "shown as text"
    );
}

#[test]
fn per_day_totals_on_the_page_equal_the_json_days_with_the_gap_missing() {
    let dir = tempfile::tempdir().unwrap();
    write_days(dir.path());
    let out = tempfile::tempdir().unwrap();
    let (html, json) = (out.path().join("r.html"), out.path().join("r.json"));
    let (html_s, json_s) = (html.to_str().unwrap(), json.to_str().unwrap());
    run(&[
        dir.path().to_str().unwrap(),
        "-q",
        "--html",
        html_s,
        "--json",
        json_s,
    ]);
    let page = std::fs::read_to_string(&html).unwrap();
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let days = report["days"].as_array().unwrap();
    let seen: Vec<(String, Option<u64>)> = (days.iter())
        .map(|d| {
            (
                d["day"].as_str().unwrap().to_string(),
                d["sessions"].as_u64(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("2026-11-25".into(), Some(3)),
            ("2026-11-26".into(), None),
            ("2026-11-27".into(), Some(2))
        ]
    );
    assert_eq!(days[1]["missing"], true);
    assert_eq!(days[0]["tls1_0"], 2);
    assert_eq!(days[0]["refused"]["inbound"], 2);
    assert_eq!(days[2]["refused"]["inbound"], 1);
    let total: u64 = seen.iter().filter_map(|(_, n)| *n).sum();
    assert_eq!(total, report["totals"]["sessions"].as_u64().unwrap());
    let on_page: Vec<u64> = (attributes(&page, "data-sessions").iter())
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(on_page, [3, 2]);
    assert_eq!(
        attributes(&page, "data-day"),
        ["2026-11-25", "2026-11-26", "2026-11-27"]
    );
    assert!(page.contains("Missing (no logs, grey in the charts): 2026-11-26"));
}

#[test]
fn since_and_until_count_only_sessions_starting_in_the_range() {
    let dir = tempfile::tempdir().unwrap();
    write_days(dir.path());
    let path = dir.path().to_str().unwrap();
    let sessions = |extra: &[&str]| -> (u64, u64) {
        let mut args = vec![path, "--json", "-"];
        args.extend(extra);
        let report: serde_json::Value = serde_json::from_str(&run(&args)).unwrap();
        let partners = report["partners"].as_array().unwrap();
        let in_rows: u64 = partners
            .iter()
            .map(|p| p["sessions"].as_u64().unwrap())
            .sum();
        (report["totals"]["sessions"].as_u64().unwrap(), in_rows)
    };
    assert_eq!(sessions(&[]), (5, 5));
    assert_eq!(sessions(&["--since", "2026-11-26"]), (2, 2));
    assert_eq!(sessions(&["--until", "2026-11-25"]), (3, 3));
    assert_eq!(
        sessions(&["--since", "2026-11-25", "--until", "2026-11-25"]),
        (3, 3)
    );
    assert_eq!(sessions(&["--since", "2026-11-28"]), (0, 0));
    let csv = csv_rows(run(&[path, "--since", "2026-11-27", "--csv", "-"]).as_bytes());
    let old = csv.iter().find(|r| r[1] == "old.example").unwrap();
    assert_eq!(
        (old[3].as_str(), old[8].as_str()),
        ("1", "1"),
        "sessions, tls1_0"
    );
    let bad = smtptls()
        .args(["analyze", path, "--since", "25.11.2026"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn by_day_csv_has_one_row_per_day_and_partner() {
    let dir = tempfile::tempdir().unwrap();
    write_days(dir.path());
    let rows = csv_rows(run(&[dir.path().to_str().unwrap(), "--by-day", "-"]).as_bytes());
    assert_eq!(
        rows[0].join(","),
        "day,direction,partner,impact,sessions,tls1_3,tls1_2,tls1_1,tls1_0,ssl3,ssl2,tls_unknown,tls_failed,cleartext,incomplete,no_conversation"
    );
    let short: Vec<String> = rows[1..].iter().map(|r| r[..5].join(",")).collect();
    assert_eq!(
        short,
        [
            "2026-11-25,inbound,old.example,falls_back_to_cleartext,2",
            "2026-11-25,inbound,new.example,unaffected,1",
            "2026-11-27,inbound,old.example,falls_back_to_cleartext,1",
            "2026-11-27,inbound,new.example,unaffected,1",
        ]
    );
    assert_eq!(rows[1][8], "2", "tls1_0 column");
}
