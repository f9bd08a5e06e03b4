//! What the policy switches off, and what the logs say beyond versions: a send session
//! that required TLS (Exchange's RequireTLS override), a cipher switched off
//! (`--disable-cipher`), and our own servers' readiness. Each test writes a small log in
//! Exchange's shape and runs the real binary.

use std::path::Path;

use crate::logs::{analyze_csv, counts_of, quote, smtptls, write_log};

/// The success line of a send session at `proto` with bulk algorithm `bulk`.
fn tls_line(proto: &str, bulk: &str) -> String {
    format!("TLS protocol {proto} negotiation succeeded using bulk encryption algorithm {bulk} with strength 128 bits, MAC hash algorithm CALG_SHA1 with strength 0 bits and key exchange algorithm CALG_RSA_KEYX with strength 2048 bits")
}

/// One whole send session to `host` at `remote`, TLS at `proto` with `bulk`; `override_row`
/// is the context of a `*` row before the connect (Exchange's TLS configuration override).
fn outbound(
    sid: &str,
    remote: &str,
    host: &str,
    tls: &str,
    override_row: Option<&str>,
) -> Vec<String> {
    let mut rows: Vec<(&str, String, String)> = Vec::new();
    if let Some(o) = override_row {
        rows.push(("*", String::new(), o.to_string()));
    }
    rows.extend([
        ("+", String::new(), String::new()),
        ("<", format!("220 {host} ESMTP ready"), String::new()),
        (">", "EHLO mail.corp.example".into(), String::new()),
        ("<", format!("250-{host} Hello"), String::new()),
        ("<", "250 STARTTLS".into(), String::new()),
        (">", "STARTTLS".into(), String::new()),
        ("<", "220 2.0.0 SMTP server ready".into(), String::new()),
        ("*", String::new(), tls.to_string()),
        (">", "EHLO mail.corp.example".into(), String::new()),
        ("<", format!("250 {host} Hello"), String::new()),
        (
            ">",
            "MAIL FROM:<alice@corp.example> SIZE=100".into(),
            String::new(),
        ),
        ("<", "250 2.1.0 Sender OK".into(), String::new()),
        (">", "QUIT".into(), String::new()),
        ("-", String::new(), "Local".into()),
    ]);
    (rows.into_iter().enumerate())
        .map(|(seq, (event, data, context))| {
            [
                format!("2026-11-25T14:10:{:02}.000Z", seq),
                "Outbound to Partner".to_string(),
                sid.to_string(),
                seq.to_string(),
                if seq == 0 && override_row.is_some() {
                    String::new()
                } else {
                    "10.0.1.12:41822".to_string()
                },
                format!("{remote}:25"),
                event.to_string(),
                data,
                context,
            ]
            .iter()
            .map(|f| quote(f))
            .collect::<Vec<_>>()
            .join(",")
        })
        .collect()
}

const REQUIRE_TLS: &str = "Overriding connector TLS configuration: TlsAuthLevel -> : CertificateValidation, IgnoreSTARTTLS -> False : False, RequireTLS -> False : True";

/// The CSV's impact of one partner.
fn impact(dir: &Path, direction: &str, partner: &str, extra: &[&str]) -> String {
    let rows = analyze_csv(dir, extra);
    let row = counts_of(&rows, direction, partner).unwrap_or_else(|| panic!("{rows:?}"));
    row.split(',').nth(2).unwrap().to_string()
}

/// The `evidence` cell of one partner's CSV row.
fn evidence(dir: &Path, direction: &str, partner: &str) -> String {
    let rows = analyze_csv(dir, &[]);
    let at = rows[0].iter().position(|h| h == "evidence").unwrap();
    let row = (rows.iter()).find(|r| r[0] == direction && r[1] == partner);
    row.unwrap_or_else(|| panic!("{rows:?}"))[at].clone()
}

#[test]
fn require_tls_override_makes_an_outbound_tls1_0_partner_mail_stops() {
    let dir = tempfile::tempdir().unwrap();
    let tls10 = tls_line("SP_PROT_TLS1_0_CLIENT", "CALG_AES_128");
    let mut rows = outbound(
        "08D6A8D416004F90",
        "203.0.113.70",
        "mx.required.example",
        &tls10,
        Some(REQUIRE_TLS),
    );
    let not_required = REQUIRE_TLS.replace("False : True", "True : False");
    rows.extend(outbound(
        "08D6A8D416004F91",
        "203.0.113.71",
        "mx.optional.example",
        &tls10,
        Some(&not_required),
    ));
    write_log(dir.path(), "SEND2026112514-1.LOG", "send", &rows);
    assert_eq!(
        impact(dir.path(), "outbound", "required.example", &[]),
        "mail_stops"
    );
    assert_eq!(
        impact(dir.path(), "outbound", "optional.example", &[]),
        "falls_back_to_cleartext"
    );
    // The class says what it rests on.
    assert_eq!(
        evidence(dir.path(), "outbound", "required.example"),
        "its send sessions required TLS (RequireTLS)"
    );
    assert_eq!(evidence(dir.path(), "outbound", "optional.example"), "");
}

#[test]
fn disable_cipher_rc4_turns_a_tls1_2_rc4_partner_into_falls_back_to_cleartext() {
    let dir = tempfile::tempdir().unwrap();
    let rc4 = tls_line("SP_PROT_TLS1_2_CLIENT", "CALG_RC4");
    let aes = tls_line("SP_PROT_TLS1_2_CLIENT", "CALG_AES_128");
    let mut rows = outbound(
        "08D6A8D416004F92",
        "203.0.113.72",
        "mx.rc4.example",
        &rc4,
        None,
    );
    rows.extend(outbound(
        "08D6A8D416004F93",
        "203.0.113.73",
        "mx.aes.example",
        &aes,
        None,
    ));
    write_log(dir.path(), "SEND2026112514-1.LOG", "send", &rows);
    assert_eq!(
        impact(dir.path(), "outbound", "rc4.example", &[]),
        "unaffected"
    );
    let off = ["--disable-cipher", "rc4"];
    assert_eq!(
        impact(dir.path(), "outbound", "rc4.example", &off),
        "falls_back_to_cleartext"
    );
    assert_eq!(
        impact(dir.path(), "outbound", "aes.example", &off),
        "unaffected"
    );
    // The question says what is switched off, in every output.
    let out = smtptls()
        .arg("analyze")
        .arg(dir.path())
        .args([
            "--disable-cipher",
            "RC4,3des",
            "--min-tls",
            "1.2",
            "--json",
            "-",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["policy"]["disable_cipher"],
        serde_json::json!(["RC4", "3DES"])
    );
    let out = smtptls()
        .arg("analyze")
        .arg(dir.path())
        .args([
            "--disable-cipher",
            "RC4",
            "--disable-cipher",
            "3DES",
            "--min-tls",
            "1.2",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(
            "smtptls: what happens to your mail if TLS below 1.2, RC4, 3DES is switched off"
        ),
        "{text}"
    );
}

#[test]
fn disable_cipher_foo_is_a_usage_error_listing_the_values() {
    let dir = tempfile::tempdir().unwrap();
    let out = smtptls()
        .arg("analyze")
        .arg(dir.path())
        .args(["--disable-cipher", "FOO"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("'FOO' is not one of RC4, 3DES, DES, RC2, MD5, SHA1"),
        "{err}"
    );
}

/// A receive log of EX01 whose only TLS sessions negotiated TLS 1.0.
fn tls1_0_only_server(dir: &Path) {
    let rows = crate::logs::Inbound {
        sid: "08D6A8D416004FA0",
        remote: "203.0.113.80",
        ehlo: "mx.partner.example",
        proto: Some("SP_PROT_TLS1_0_SERVER"),
        senders: &["a@partner.example"],
        minute: 20,
    }
    .rows();
    write_log(dir, "RECV2026112514-1.LOG", "recv", &rows);
}

#[test]
fn a_server_that_only_negotiates_tls1_0_is_not_ready() {
    let dir = tempfile::tempdir().unwrap();
    tls1_0_only_server(dir.path());
    let out = smtptls()
        .arg("analyze")
        .arg(dir.path())
        .args(["--json", "-"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let server = &json["servers"][0];
    assert_eq!(server["server"], "EX01");
    assert_eq!(server["highest"], "tls1_0");
    assert_eq!(server["ready"], false);
    // Under --min-tls 1.1 it is not ready; the terminal says so first.
    let out = smtptls().arg("analyze").arg(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[4],
        "SERVER NOT READY: EX01 (receive) never negotiated TLS 1.1 or later: update Windows/Exchange and enable TLS 1.2 in SCHANNEL and .NET",
        "{text}"
    );
}

#[test]
fn check_fails_on_a_server_not_ready_unless_fail_on_leaves_it_out() {
    let dir = tempfile::tempdir().unwrap();
    tls1_0_only_server(dir.path());
    let out = smtptls()
        .arg("check")
        .arg(dir.path())
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("server\tEX01\treceive\tnot ready"), "{err}");
    let out = smtptls()
        .arg("check")
        .arg(dir.path())
        .args(["-q", "--fail-on", "mail_stops"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = smtptls()
        .arg("check")
        .arg(dir.path())
        .args(["-q", "--fail-on", "server_not_ready"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn check_takes_disable_cipher_too() {
    let dir = tempfile::tempdir().unwrap();
    let rc4 = tls_line("SP_PROT_TLS1_2_CLIENT", "CALG_RC4");
    let rows = outbound(
        "08D6A8D416004F94",
        "203.0.113.74",
        "mx.rc4.example",
        &rc4,
        None,
    );
    write_log(dir.path(), "SEND2026112514-1.LOG", "send", &rows);
    let status = |extra: &[&str]| {
        let out = smtptls()
            .arg("check")
            .arg(dir.path())
            .arg("-q")
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    assert_eq!(status(&[]).0, Some(0));
    let (code, err) = status(&["--disable-cipher", "RC4"]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("outbound\trc4.example\tfalls_back_to_cleartext"),
        "{err}"
    );
}
