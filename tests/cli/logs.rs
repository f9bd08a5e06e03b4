//! Writing small protocol logs for tests, in Exchange's exact format.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub const FIELDS: &str = "#Fields: date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context";

/// The binary, run from the package root (so `sample-logs` resolves).
pub fn smtptls() -> Command {
    let mut c = Command::cargo_bin("smtptls").expect("binary built");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// BOM + header block.
pub fn header(kind: &str) -> String {
    let log_type = match kind {
        "recv" => "SMTP Receive Protocol Log",
        _ => "SMTP Send Protocol Log",
    };
    format!(
        "\u{feff}#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: {log_type}\r\n#Date: 2026-11-25T14:00:00.000Z\r\n{FIELDS}\r\n"
    )
}

/// Quotes a field the way Exchange does.
pub fn quote(f: &str) -> String {
    if f.contains(',') || f.contains('"') {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f.to_string()
    }
}

/// One receive session's rows: connect, EHLO, optional STARTTLS + TLS line + EHLO again,
/// one MAIL FROM per sender, disconnect. `proto` is the protocol token or `None` for
/// cleartext.
pub struct Inbound<'a> {
    pub sid: &'a str,
    pub remote: &'a str,
    pub ehlo: &'a str,
    pub proto: Option<&'a str>,
    pub senders: &'a [&'a str],
    pub minute: u32,
}

impl Inbound<'_> {
    pub fn rows(&self) -> Vec<String> {
        let mut data: Vec<(&str, String, String)> = vec![
            ("+", String::new(), String::new()),
            (
                ">",
                "220 ex01.corp.example Microsoft ESMTP MAIL Service ready".into(),
                String::new(),
            ),
            ("<", format!("EHLO {}", self.ehlo), String::new()),
            (
                ">",
                "250  ex01.corp.example Hello SIZE STARTTLS".into(),
                String::new(),
            ),
        ];
        if let Some(p) = self.proto {
            data.push(("<", "STARTTLS".into(), String::new()));
            data.push((">", "220 2.0.0 SMTP server ready".into(), String::new()));
            data.push(("*", String::new(), format!("TLS protocol {p} negotiation succeeded using bulk encryption algorithm CALG_AES_256 with strength 256 bits, MAC hash algorithm CALG_SHA_384 with strength 0 bits and key exchange algorithm CALG_ECDH_EPHEM with strength 384 bits")));
            data.push(("<", format!("EHLO {}", self.ehlo), String::new()));
        }
        for s in self.senders {
            data.push(("<", format!("MAIL FROM:<{s}> SIZE=100"), String::new()));
            data.push(("<", "RCPT TO:<user@corp.example>".into(), String::new()));
        }
        data.push(("<", "QUIT".into(), String::new()));
        data.push(("-", String::new(), "Local".into()));
        data.into_iter()
            .enumerate()
            .map(|(seq, (event, d, ctx))| {
                [
                    format!("2026-11-25T14:{:02}:{:02}.000Z", self.minute, seq.min(59)),
                    "EX01\\Default Frontend EX01".into(),
                    self.sid.into(),
                    seq.to_string(),
                    "10.0.1.11:25".into(),
                    format!("{}:50000", self.remote),
                    event.into(),
                    d,
                    ctx,
                ]
                .iter()
                .map(|f| quote(f))
                .collect::<Vec<_>>()
                .join(",")
            })
            .collect()
    }
}

/// Writes a log file of `kind` with `rows` (CRLF) under `dir`.
pub fn write_log(dir: &Path, rel: &str, kind: &str, rows: &[String]) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("has parent")).expect("mkdir");
    let mut text = header(kind);
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    std::fs::write(&path, text).expect("write log");
    path
}

/// The CSV as rows of cells (header first).
pub fn csv_rows(out: &[u8]) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_reader(out);
    let mut rows = vec![r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_string)
        .collect()];
    for rec in r.records() {
        rows.push(rec.expect("record").iter().map(str::to_string).collect());
    }
    rows
}

/// The first 16 columns (direction … hosts) of the CSV row for one partner.
pub fn counts_of(rows: &[Vec<String>], direction: &str, partner: &str) -> Option<String> {
    rows.iter()
        .find(|r| r[0] == direction && r[1] == partner)
        .map(|r| r[..16].join(","))
}

/// Runs `analyze PATH --csv -` plus extra args, whatever its exit status.
pub fn run_csv(path: &Path, extra: &[&str]) -> std::process::Output {
    smtptls()
        .arg("analyze")
        .arg(path)
        .args(["--csv", "-"])
        .args(extra)
        .output()
        .expect("run")
}

/// Runs `analyze PATH --csv -` plus extra args, returning the CSV rows.
pub fn analyze_csv(path: &Path, extra: &[&str]) -> Vec<Vec<String>> {
    let out = run_csv(path, extra);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    csv_rows(&out.stdout)
}

/// Runs `analyze PATH` plus extra args and returns what it printed, whatever its status.
pub fn analyze_stdout(path: &Path, extra: &[&str]) -> String {
    let out = smtptls()
        .arg("analyze")
        .arg(path)
        .args(extra)
        .output()
        .expect("run");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `analyze PATH --json -` plus extra args and returns the parsed report.
pub fn analyze_json(path: &Path, extra: &[&str]) -> serde_json::Value {
    let text = analyze_stdout(path, &[&["--json", "-"], extra].concat());
    serde_json::from_str(&text).expect("JSON report")
}

/// Runs `smtptls ARGS` under a pseudo-terminal (util-linux `script`) with `env` set (and
/// `NO_COLOR` only if `env` sets it); returns what the terminal showed.
pub fn on_a_terminal(args: &str, env: &[(&str, &str)]) -> String {
    let bin = assert_cmd::cargo::cargo_bin("smtptls");
    let out = std::process::Command::new("script")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("NO_COLOR")
        .envs(env.iter().copied())
        .args(["-qec", &format!("{} {args}", bin.display()), "/dev/null"])
        .output()
        .expect("util-linux script");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
