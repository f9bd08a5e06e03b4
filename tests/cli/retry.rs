//! Fallback evidence on logs written here: what each partner did after a failed TLS
//! handshake, the impact it decides, and the same answer for any split of the input.

use std::path::Path;

use crate::logs::{analyze_csv, analyze_json, analyze_stdout, quote, smtptls, write_log};

/// What one receive session does about TLS.
#[derive(Clone, Copy)]
enum Does {
    Clear,
    Tls10,
    Tls12,
    /// STARTTLS, then `TLS negotiation failed with error {0}` and the disconnect `{1}`.
    Fail(&'static str, &'static str),
}

/// One receive session of `sid` from `remote` (EHLO `ehlo`), starting `at` seconds after
/// 2026-11-25T00:00:00Z, one row per second.
fn session(sid: &str, remote: &str, ehlo: &str, at: u32, does: Does) -> Vec<String> {
    let mut rows: Vec<(&str, String, String)> = vec![
        ("+", String::new(), String::new()),
        (
            ">",
            "220 ex01.corp.example Microsoft ESMTP MAIL Service ready".into(),
            String::new(),
        ),
        ("<", format!("EHLO {ehlo}"), String::new()),
        (
            ">",
            "250  ex01.corp.example Hello SIZE STARTTLS".into(),
            String::new(),
        ),
    ];
    let tls = |p: &str| {
        format!("TLS protocol {p} negotiation succeeded using bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA1 with strength 160 bits and key exchange algorithm CALG_ECDH_EPHEM with strength 384 bits")
    };
    let mut end = "Local";
    match does {
        Does::Clear => {}
        Does::Tls10 | Does::Tls12 => {
            let p = if matches!(does, Does::Tls10) {
                "SP_PROT_TLS1_0_SERVER"
            } else {
                "SP_PROT_TLS1_2_SERVER"
            };
            rows.push(("<", "STARTTLS".into(), String::new()));
            rows.push((">", "220 2.0.0 SMTP server ready".into(), String::new()));
            rows.push(("*", String::new(), tls(p)));
            rows.push(("<", format!("EHLO {ehlo}"), String::new()));
        }
        Does::Fail(error, reason) => {
            rows.push(("<", "STARTTLS".into(), String::new()));
            rows.push((">", "220 2.0.0 SMTP server ready".into(), String::new()));
            rows.push((
                "*",
                String::new(),
                format!("TLS negotiation failed with error {error}"),
            ));
            end = reason;
        }
    }
    if !matches!(does, Does::Fail(..)) {
        rows.push(("<", format!("MAIL FROM:<a@{ehlo}> SIZE=100"), String::new()));
        rows.push(("<", "RCPT TO:<user@corp.example>".into(), String::new()));
        rows.push(("<", "QUIT".into(), String::new()));
    }
    rows.push(("-", String::new(), end.into()));
    (rows.into_iter().enumerate())
        .map(|(seq, (event, data, context))| {
            let t = at + seq as u32;
            let time = format!(
                "2026-11-25T{:02}:{:02}:{:02}.000Z",
                t / 3600,
                t / 60 % 60,
                t % 60
            );
            let fields = [
                time,
                "EX01\\Default Frontend EX01".into(),
                sid.into(),
                seq.to_string(),
                "10.0.1.11:25".into(),
                format!("{remote}:50000"),
                event.into(),
                data,
                context,
            ];
            fields
                .iter()
                .map(|f| quote(f))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

const HOUR: u32 = 3600;
const FAILED: Does = Does::Fail("UnknownCredentials", "Remote");
const DROPPED: Does = Does::Fail("SocketError", "Remote(SocketError)");

/// Two files of one server: each partner's failure in the first, what followed in the
/// second (a session's hosts and files differ; the answer must not depend on either).
fn write_logs(dir: &Path) {
    let first = [
        // a: TLS 1.0, a failure, a cleartext retry 5 s later from its other host.
        session(
            "08D0000000000001",
            "198.51.100.1",
            "mx1.a.example",
            0,
            Does::Tls10,
        ),
        session(
            "08D0000000000002",
            "198.51.100.1",
            "mx1.a.example",
            100,
            FAILED,
        ),
        // b: TLS 1.0, a failure, nothing after it for two hours.
        session(
            "08D0000000000003",
            "198.51.100.2",
            "mx.b.example",
            10,
            Does::Tls10,
        ),
        session(
            "08D0000000000004",
            "198.51.100.2",
            "mx.b.example",
            200,
            FAILED,
        ),
        // c: TLS 1.0, a failure, TLS again three minutes later.
        session(
            "08D0000000000005",
            "198.51.100.3",
            "mx.c.example",
            20,
            Does::Tls10,
        ),
        session(
            "08D0000000000006",
            "198.51.100.3",
            "mx.c.example",
            300,
            FAILED,
        ),
        // d: a failure whose retry comes one second after the window.
        session(
            "08D0000000000007",
            "198.51.100.4",
            "mx.d.example",
            30,
            Does::Tls10,
        ),
        session(
            "08D0000000000008",
            "198.51.100.4",
            "mx.d.example",
            400,
            FAILED,
        ),
        // e: drops the handshake, then never comes back.
        session(
            "08D0000000000009",
            "198.51.100.5",
            "mx.e.example",
            40,
            Does::Tls10,
        ),
        session(
            "08D000000000000A",
            "198.51.100.5",
            "mx.e.example",
            500,
            DROPPED,
        ),
        // f: only failures (already broken), never retried.
        session(
            "08D000000000000B",
            "198.51.100.6",
            "mx.f.example",
            600,
            FAILED,
        ),
    ];
    let second = [
        session(
            "08D0000000000101",
            "198.51.100.11",
            "mx2.a.example",
            100 + 7 + 5,
            Does::Clear,
        ),
        session(
            "08D0000000000102",
            "198.51.100.2",
            "mx.b.example",
            200 + 7 + 2 * HOUR,
            Does::Tls10,
        ),
        session(
            "08D0000000000103",
            "198.51.100.3",
            "mx.c.example",
            300 + 7 + 180,
            Does::Tls12,
        ),
        session(
            "08D0000000000104",
            "198.51.100.4",
            "mx.d.example",
            400 + 7 + HOUR + 1,
            Does::Clear,
        ),
    ];
    let rows = |sessions: &[Vec<String>]| sessions.concat();
    write_log(
        dir,
        "EX01/SmtpReceive/RECV2026112500-1.LOG",
        "recv",
        &rows(&first),
    );
    write_log(
        dir,
        "EX01/SmtpReceive/RECV2026112500-2.LOG",
        "recv",
        &rows(&second),
    );
}

/// (impact, tls_failed, retried_in_cleartext, retried_with_tls, no_retry_seen, evidence)
/// of each inbound partner, by name.
fn evidence_of(rows: &[Vec<String>]) -> Vec<(String, String)> {
    let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
    let wanted = [
        "impact",
        "tls_failed",
        "retried_in_cleartext",
        "retried_with_tls",
        "no_retry_seen",
        "evidence",
    ];
    let mut out: Vec<(String, String)> = (rows[1..].iter())
        .map(|r| {
            let cells: Vec<&str> = wanted.iter().map(|w| r[col(w)].as_str()).collect();
            (r[1].clone(), cells.join(" | "))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fallback_evidence_per_partner_and_the_impact_it_decides() {
    let dir = tempfile::tempdir().unwrap();
    write_logs(dir.path());
    let got = evidence_of(&analyze_csv(dir.path(), &[]));
    let want = [
        ("a.example", "falls_back_to_cleartext | 1 | 1 | 0 | 0 | retries in cleartext after a failed handshake (1 of 1)"),
        ("b.example", "mail_stops | 1 | 0 | 0 | 1 | did not retry after 1 of 1 failed handshakes"),
        ("c.example", "partially_affected | 1 | 0 | 1 | 0 | retries with TLS after a failed handshake (1 of 1)"),
        ("d.example", "mail_stops | 1 | 0 | 0 | 1 | did not retry after 1 of 1 failed handshakes"),
        ("e.example", "mail_stops | 1 | 0 | 0 | 1 | did not retry after 1 of 1 failed handshakes; remote dropped the connection during the handshake (1): may not tolerate versions above TLS 1.0"),
        ("f.example", "tls_failing | 1 | 0 | 0 | 1 | did not retry after 1 of 1 failed handshakes"),
    ];
    let want: Vec<(String, String)> = want
        .iter()
        .map(|(p, e)| (p.to_string(), e.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn retry_window_widens_what_counts_as_a_retry() {
    let dir = tempfile::tempdir().unwrap();
    write_logs(dir.path());
    let got = evidence_of(&analyze_csv(dir.path(), &["--retry-window", "1h30m"]));
    let d = got.iter().find(|(p, _)| p == "d.example").unwrap();
    assert_eq!(d.1, "falls_back_to_cleartext | 1 | 1 | 0 | 0 | retries in cleartext after a failed handshake (1 of 1)");
    // b's next session is two hours on: still none.
    let b = got.iter().find(|(p, _)| p == "b.example").unwrap();
    assert!(b.1.starts_with("mail_stops | 1 | 0 | 0 | 1"), "{}", b.1);
}

#[test]
fn evidence_is_the_same_for_any_split_of_the_input() {
    let dir = tempfile::tempdir().unwrap();
    write_logs(dir.path());
    let whole = analyze_csv(dir.path(), &["-j1"]);
    for split in [
        ["-j2", "--stretch-bytes", "700"],
        ["-j2", "--stretch-bytes", "3000"],
    ] {
        assert_eq!(analyze_csv(dir.path(), &split), whole, "{split:?}");
    }
}

#[test]
fn terminal_and_json_show_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    write_logs(dir.path());
    let text = analyze_stdout(dir.path(), &["--color", "never"]);
    assert!(
        text.contains("   inbound b.example: did not retry after 1 of 1 failed handshakes\n"),
        "{text}"
    );
    let json = analyze_json(dir.path(), &[]);
    let e = (json["partners"].as_array().unwrap().iter())
        .find(|p| p["partner"] == "e.example")
        .unwrap();
    assert_eq!(
        (
            e["no_retry_seen"].as_u64(),
            e["dropped_handshakes"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(json["policy"]["retry_window"], "1h");
}

#[test]
fn a_retry_window_that_is_no_duration_is_a_usage_error() {
    let out = smtptls()
        .args(["analyze", "sample-logs", "--retry-window", "an hour"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a duration"));
}
