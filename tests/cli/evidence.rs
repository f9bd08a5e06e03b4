//! What the rows can and cannot show: one regression test per bug of reading logs the way
//! an admin would. Each writes a small log in Exchange's shape (the reference excerpts),
//! runs the real binary and pins the exact partner rows: direction, partner, impact,
//! sessions, messages and every outcome column, and that no other row appears.

use std::path::Path;

use serde_json::Value;

use crate::logs::{csv_rows, header, quote, run_csv, smtptls, write_log, Inbound};

/// The columns every expected row below lists: the CSV's first 16 and its last two.
const SHOWN: &str = "direction,partner,impact,sessions,messages,tls1_3,tls1_2,tls1_1,tls1_0,ssl3,ssl2,tls_unknown,tls_failed,cleartext,weak_cipher,hosts,incomplete,no_conversation";

/// The CSV's data rows as [`SHOWN`] columns, sorted (the ordering of ties is not the point
/// here).
fn shown(csv: &[Vec<String>]) -> Vec<String> {
    let header = &csv[0];
    let wanted: Vec<usize> = (SHOWN.split(','))
        .map(|c| {
            header
                .iter()
                .position(|h| h == c)
                .unwrap_or_else(|| panic!("no column {c} in {header:?}"))
        })
        .collect();
    let mut rows: Vec<String> = (csv[1..].iter())
        .map(|r| {
            (wanted.iter())
                .map(|&i| r[i].as_str())
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect();
    rows.sort();
    rows
}

/// `analyze DIR --csv -` must succeed and give exactly `expected` (any order).
fn assert_rows(dir: &Path, expected: &[&str]) {
    let out = run_csv(dir, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    expected.sort();
    assert_eq!(shown(&csv_rows(&out.stdout)), expected, "columns: {SHOWN}");
}

/// `analyze DIR --json FILE`: the JSON report.
fn json_report(dir: &Path) -> Value {
    let out_dir = tempfile::tempdir().unwrap();
    let path = out_dir.path().join("report.json");
    let out = smtptls()
        .arg("analyze")
        .arg(dir)
        .arg("--json")
        .arg(&path)
        .arg("-q")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap()
}

/// One connection as its rows name it: connector id, session-id, endpoints, and the minute
/// its rows are stamped in.
struct Conn<'a> {
    connector: &'a str,
    sid: &'a str,
    local: &'a str,
    remote: &'a str,
    minute: u32,
}

impl Conn<'_> {
    /// The row at `seq`, stamped `seq` hundredths of a second into the minute.
    fn at(&self, seq: u32, event: &str, data: &str, context: &str) -> String {
        self.row(self.local, seq, event, data, context)
    }

    /// A send session's row before the TCP connect: the local endpoint is still empty.
    fn pre(&self, seq: u32, event: &str, data: &str, context: &str) -> String {
        self.row("", seq, event, data, context)
    }

    fn row(&self, local: &str, seq: u32, event: &str, data: &str, context: &str) -> String {
        let time = format!(
            "2026-11-25T14:{:02}:{:02}.{:03}Z",
            self.minute,
            seq / 10,
            (seq % 10) * 100
        );
        [
            time.as_str(),
            self.connector,
            self.sid,
            &seq.to_string(),
            local,
            self.remote,
            event,
            data,
            context,
        ]
        .iter()
        .map(|f| quote(f))
        .collect::<Vec<_>>()
        .join(",")
    }
}

/// Receive connector of the Front End, as in the reference excerpts.
const FRONTEND: &str = "EX01\\Default Frontend EX01";
const RECV_LOCAL: &str = "10.0.1.11:25";
/// Our Hub's address in send logs.
const SEND_LOCAL: &str = "10.0.1.12:41822";

const BANNER: &str =
    "220 ex01.corp.example Microsoft ESMTP MAIL Service ready at Wed, 25 Nov 2026 14:00:00 +0000";
const EHLO_REPLY: &str = "250  ex01.corp.example Hello [203.0.113.9] SIZE 37748736 PIPELINING DSN ENHANCEDSTATUSCODES STARTTLS X-ANONYMOUSTLS AUTH NTLM X-EXPS GSSAPI NTLM 8BITMIME BINARYMIME CHUNKING XRDST";
const SINGLE_ROW_CERT: &str = " CN=ex01.corp.example CN=Corp Issuing CA 12DEABC6565646512346ABDC13456894 12DEABC6565646512346ABDC1345689413589876 2026-01-17T15:15:33.000Z 2027-01-17T15:15:33.000Z ex01.corp.example;mail.corp.example";
const SINGLE_ROW_CERT_CONTEXT: &str = "Sending certificate Subject Issuer name Serial number Thumbprint Not before Not after Subject alternate names";

/// The success line for protocol token `proto` (`SP_PROT_TLS1_2_SERVER`...).
fn tls_line(proto: &str) -> String {
    format!("TLS protocol {proto} negotiation succeeded using bulk encryption algorithm CALG_AES_128 with strength 128 bits, MAC hash algorithm CALG_SHA_256 with strength 0 bits and key exchange algorithm CALG_ECDH_EPHEM with strength 256 bits")
}

fn recv(sid: &'static str, remote: &'static str, minute: u32) -> Conn<'static> {
    Conn {
        connector: FRONTEND,
        sid,
        local: RECV_LOCAL,
        remote,
        minute,
    }
}

fn send(
    connector: &'static str,
    sid: &'static str,
    remote: &'static str,
    minute: u32,
) -> Conn<'static> {
    Conn {
        connector,
        sid,
        local: SEND_LOCAL,
        remote,
        minute,
    }
}

/// A whole receive session from `+` to `-`, TLS at `proto` or cleartext.
fn inbound(
    sid: &str,
    remote: &str,
    ehlo: &str,
    proto: Option<&str>,
    senders: &[&str],
) -> Vec<String> {
    Inbound {
        sid,
        remote,
        ehlo,
        proto,
        senders,
        minute: 30,
    }
    .rows()
}

/// A send session to `remote` from its first row: connect, the remote's 220 `banner`, EHLO,
/// the remote's EHLO reply one row per line (`reply`), STARTTLS at TLS 1.2, one message.
fn outbound(conn: &Conn, banner: &str, reply: &[&str], rcpt: &str) -> Vec<String> {
    let mut rows = vec![
        conn.pre(0, "*", "SendRoutingHeaders", "Set Session Permissions"),
        conn.pre(1, "*", "", "attempting to connect"),
        conn.at(2, "+", "", ""),
        conn.at(3, "<", banner, ""),
        conn.at(4, ">", "EHLO mail.corp.example", ""),
    ];
    let mut seq = 5;
    let mut next = |rows: &mut Vec<String>, event: &str, data: &str, context: &str| {
        rows.push(conn.at(seq, event, data, context));
        seq += 1;
    };
    for line in reply {
        next(&mut rows, "<", line, "");
    }
    next(&mut rows, ">", "STARTTLS", "");
    next(&mut rows, "<", "220 2.0.0 SMTP server ready", "");
    next(&mut rows, "*", "", &tls_line("SP_PROT_TLS1_2_CLIENT"));
    next(&mut rows, ">", "EHLO mail.corp.example", "");
    for line in reply {
        if !line.contains("STARTTLS") {
            next(&mut rows, "<", line, "");
        }
    }
    next(
        &mut rows,
        ">",
        "MAIL FROM:<alice@corp.example> SIZE=2048",
        "",
    );
    next(&mut rows, "<", "250 2.1.0 Sender OK", "");
    next(&mut rows, ">", &format!("RCPT TO:<{rcpt}>"), "");
    next(&mut rows, "<", "250 2.1.5 Recipient OK", "");
    next(&mut rows, ">", "BDAT 2048 LAST", "");
    next(
        &mut rows,
        "<",
        "250 2.6.0 <a1b2c3@mail.corp.example> [InternalId=1234, Hostname=EX01] Queued mail for delivery",
        "",
    );
    next(&mut rows, ">", "QUIT", "");
    next(
        &mut rows,
        "<",
        "221 2.0.0 Service closing transmission channel",
        "",
    );
    next(&mut rows, "-", "", "Local");
    rows
}

/// An excerpt that starts at sequence 12 (AUTH LOGIN refused, then gone) cannot say
/// cleartext: the point where STARTTLS would have come is not in the rows.
#[test]
fn fragment_from_sequence_12_is_incomplete_not_cleartext() {
    let dir = tempfile::tempdir().unwrap();
    let c = recv("123453EC62278461", "95.10.20.33:56026", 0);
    let rows = vec![
        c.at(12, "<", "AUTH LOGIN", ""),
        c.at(13, ">", "504 5.7.4 Unrecognized authentication type", ""),
        c.at(14, "-", "", "Local"),
    ];
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    assert_rows(
        dir.path(),
        &["inbound,95.10.20.33,no_evidence,1,0,0,0,0,0,0,0,0,0,0,0,1,1,0"],
    );
}

/// A session of which only one reply row survives is a session, but says nothing of TLS.
#[test]
fn lone_reply_row_is_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let c = recv("08DE2C1A6B3D0031", "198.51.100.23:49152", 0);
    write_log(
        dir.path(),
        "RECV2026112514-1.LOG",
        "recv",
        &[c.at(7, ">", "250 2.1.0 Sender OK", "")],
    );
    assert_rows(
        dir.path(),
        &["inbound,198.51.100.23,no_evidence,1,0,0,0,0,0,0,0,0,0,0,0,1,1,0"],
    );
}

/// The file ends right after the EHLO reply offers STARTTLS: whether the client took it is
/// in rows that are not there (send log, reply one row per line; receive log, one row).
#[test]
fn rows_ending_after_the_starttls_offer_are_incomplete() {
    let dir = tempfile::tempdir().unwrap();
    let c = send("Send", "08CE471A665B7E4A", "212.227.15.183:25", 9);
    let rows = vec![
        c.pre(0, "*", "", "attempting to connect"),
        c.at(1, "+", "", ""),
        c.at(
            2,
            "<",
            "220 smtp.1und1.de (mrbap1) Welcome to Nemesis ESMTP server",
            "",
        ),
        c.at(3, ">", "EHLO E2K10-1.twwaldi.local", ""),
        c.at(4, "<", "250-smtp.1und1.de", ""),
        c.at(5, "<", "250-STARTTLS", ""),
        c.at(6, "<", "250-AUTH LOGIN PLAIN", ""),
        c.at(7, "<", "250-PIPELINING", ""),
        c.at(8, "<", "250 HELP", ""),
    ];
    write_log(dir.path(), "SEND20261125-1.LOG", "send", &rows);
    let r = recv("08DE2C1A6B3D0032", "192.0.2.44:50112", 1);
    let rows = vec![
        r.at(0, "+", "", ""),
        r.at(1, ">", BANNER, ""),
        r.at(2, "<", "EHLO mx.tailspintoys.com", ""),
        r.at(3, ">", EHLO_REPLY, ""),
    ];
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    assert_rows(
        dir.path(),
        &[
            "outbound,1und1.de,no_evidence,1,0,0,0,0,0,0,0,0,0,0,0,1,1,0",
            "inbound,tailspintoys.com,no_evidence,1,0,0,0,0,0,0,0,0,0,0,0,1,1,0",
        ],
    );
}

/// A send session that never reached the remote: no conversation, named by its address.
#[test]
fn failed_connect_is_no_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let c = send(
        "Outbound to Partner",
        "08D6A8D416004F79",
        "203.0.113.25:25",
        0,
    );
    let rows = vec![
        c.pre(0, "*", "SendRoutingHeaders", "Set Session Permissions"),
        c.pre(1, "*", "", "attempting to connect"),
        c.pre(
            2,
            "*",
            "",
            "Failed to connect. Winsock error code: 10061, Win32 error code: 10061.",
        ),
    ];
    write_log(dir.path(), "SEND2026112514-1.LOG", "send", &rows);
    assert_rows(
        dir.path(),
        &["outbound,203.0.113.25,no_evidence,1,0,0,0,0,0,0,0,0,0,0,0,1,0,1"],
    );
}

/// A load balancer's health probe: connect, banner, gone. Nobody said anything.
#[test]
fn load_balancer_probe_is_no_conversation() {
    let dir = tempfile::tempdir().unwrap();
    let c = recv("08DE2C1A6B3D0033", "198.51.100.200:61061", 0);
    let rows = vec![
        c.at(0, "+", "", ""),
        c.at(1, ">", BANNER, ""),
        c.at(2, "-", "", "Remote"),
    ];
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    assert_rows(
        dir.path(),
        &["inbound,198.51.100.200,no_evidence,1,0,0,0,0,0,0,0,0,0,0,0,1,0,1"],
    );
}

/// Cleartext needs the rows from the start (or the EHLO) on: a whole session without
/// STARTTLS is cleartext, and so is a fragment that begins at its EHLO.
#[test]
fn cleartext_seen_from_the_start_or_from_the_ehlo() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = inbound(
        "08DE2C1A6B3D0034",
        "192.0.2.55",
        "mx.litware.com",
        None,
        &["b@litware.com"],
    );
    let c = recv("08DE2C1A6B3D0035", "203.0.113.40:50321", 2);
    rows.extend([
        c.at(2, "<", "EHLO mail.northwindtraders.com", ""),
        c.at(3, ">", EHLO_REPLY, ""),
        c.at(
            4,
            "<",
            "MAIL FROM:<sales@northwindtraders.com> SIZE=4096",
            "",
        ),
        c.at(5, ">", "250 2.1.0 Sender OK", ""),
        c.at(6, "<", "RCPT TO:<bob@corp.example>", ""),
        c.at(7, ">", "250 2.1.5 Recipient OK", ""),
        c.at(8, "<", "QUIT", ""),
        c.at(9, "-", "", "Local"),
    ]);
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    assert_rows(
        dir.path(),
        &[
            "inbound,litware.com,cleartext_only,1,1,0,0,0,0,0,0,0,0,1,0,1,0,0",
            "inbound,northwindtraders.com,cleartext_only,1,1,0,0,0,0,0,0,0,0,1,0,1,0,0",
        ],
    );
}

/// A fragment that starts at STARTTLS still holds the protocol line: TLS 1.2.
#[test]
fn fragment_from_starttls_counts_its_tls_version() {
    let dir = tempfile::tempdir().unwrap();
    let c = recv("08DE2C1A6B3D0036", "192.0.2.1:50000", 3);
    let rows = vec![
        c.at(4, "<", "STARTTLS", ""),
        c.at(5, ">", "220 2.0.0 SMTP server ready", ""),
        c.at(6, "*", SINGLE_ROW_CERT, SINGLE_ROW_CERT_CONTEXT),
        c.at(7, "*", "", &tls_line("SP_PROT_TLS1_2_SERVER")),
        c.at(8, "<", "EHLO mx.fabrikam.de", ""),
        c.at(
            9,
            "*",
            "",
            "Client certificate chain validation status: 'EmptyCertificate'",
        ),
        c.at(
            10,
            "*",
            "",
            "TlsDomainCapabilities='None'; Status='NoRemoteCertificate'",
        ),
        c.at(11, ">", EHLO_REPLY, ""),
        c.at(12, "<", "MAIL FROM:<a@fabrikam.de> SIZE=100", ""),
        c.at(13, ">", "250 2.1.0 Sender OK", ""),
        c.at(14, "<", "RCPT TO:<user@corp.example>", ""),
        c.at(15, ">", "250 2.1.5 Recipient OK", ""),
        c.at(16, "<", "QUIT", ""),
        c.at(17, "-", "", "Local"),
    ];
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    assert_rows(
        dir.path(),
        &["inbound,fabrikam.de,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1,0,0"],
    );
}

/// A cut last line, another log's row and a junk line are problems with their file and
/// line, and nothing else: no partner `unknown`, `e` or an address appears.
#[test]
fn damaged_rows_are_problems_and_make_no_partner() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = header("recv");
    let mut line = 5;
    let mut push = |text: &mut String, row: &str| {
        text.push_str(row);
        text.push_str("\r\n");
        line += 1;
        line
    };
    for r in inbound(
        "08DE2C1A6B3D0037",
        "192.0.2.1",
        "mx.fabrikam.de",
        Some("SP_PROT_TLS1_2_SERVER"),
        &["a@fabrikam.de"],
    ) {
        push(&mut text, &r);
    }
    // A row of another log, 12 fields, whose first nine would pass for ours: read as a
    // row, it would make a device `e` on 10.0.9.77.
    let other = push(
        &mut text,
        "2026-11-25T14:31:02.113Z,EX01\\Default Frontend EX01,08DE2C1A6B3D0038,2,10.0.1.11:25,10.0.9.77:40001,<,EHLO e,,Inbound,SMTP,e.example",
    );
    let junk = push(&mut text, "--- log copied from the ticket below ---");
    for r in inbound(
        "08DE2C1A6B3D0039",
        "192.0.2.2",
        "mail.globex.co.uk",
        Some("SP_PROT_TLS1_0_SERVER"),
        &["b@globex.co.uk"],
    ) {
        push(&mut text, &r);
    }
    // The last line, cut after three fields (no CRLF).
    text.push_str("2026-11-25T14:31:09.000Z,EX01\\Default Frontend EX01,08DE2C1A6B3D00FF");
    let cut = line + 1;
    let log = dir.path().join("RECV2026112514-1.LOG");
    std::fs::write(&log, text).unwrap();

    assert_rows(
        dir.path(),
        &[
            "inbound,fabrikam.de,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1,0,0",
            "inbound,globex.co.uk,falls_back_to_cleartext,1,1,0,0,0,1,0,0,0,0,0,0,1,0,0",
        ],
    );
    let out = run_csv(dir.path(), &[]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    let first = format!(
        "smtptls: 3 malformed rows (first: {}:{other}: 12 fields, expected 9)",
        log.display()
    );
    assert!(stderr.contains(&first), "{stderr}");

    let report = json_report(dir.path());
    assert_eq!(report["totals"]["malformed_rows"], 3, "{report:#}");
    let problems: Vec<(u64, String)> = (report["problems"].as_array().unwrap().iter())
        .map(|p| {
            assert_eq!(p["file"], log.display().to_string().as_str(), "{p}");
            (
                p["line"].as_u64().unwrap(),
                p["problem"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        vec![
            (other, "12 fields, expected 9".to_string()),
            (junk, "1 fields, expected 9".to_string()),
            (cut, "3 fields, expected 9".to_string()),
        ]
    );
    let partners: Vec<&str> = (report["partners"].as_array().unwrap().iter())
        .map(|p| p["partner"].as_str().unwrap())
        .collect();
    for bad in ["unknown", "e", "10.0.9.77", "10.0.1.11"] {
        assert!(!partners.contains(&bad), "{partners:?}");
    }
}

/// Rows a collection tool repeated verbatim count once: a MAIL FROM twice is one message,
/// a whole session twice is one session, a disconnect repeated after the session's own is
/// not a new session.
#[test]
fn rows_repeated_verbatim_count_once() {
    let dir = tempfile::tempdir().unwrap();
    // The MAIL FROM row twice.
    let mut once = inbound(
        "08DE2C1A6B3D0040",
        "192.0.2.1",
        "mx.fabrikam.de",
        Some("SP_PROT_TLS1_2_SERVER"),
        &["a@fabrikam.de"],
    );
    let mail = once.iter().position(|r| r.contains("MAIL FROM")).unwrap();
    once.insert(mail + 1, once[mail].clone());
    let mut rows = once;
    // A whole session's rows, then the same rows again.
    let twice = inbound(
        "08DE2C1A6B3D0041",
        "192.0.2.2",
        "mail.globex.co.uk",
        Some("SP_PROT_TLS1_0_SERVER"),
        &["b@globex.co.uk", "c@globex.co.uk"],
    );
    rows.extend(twice.iter().cloned());
    rows.extend(twice.iter().cloned());
    // The disconnect row once more, right after the session's own.
    let mut end = inbound(
        "08DE2C1A6B3D0042",
        "192.0.2.3",
        "mx.litware.com",
        None,
        &["d@litware.com"],
    );
    end.push(end.last().unwrap().clone());
    rows.extend(end);
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    assert_rows(
        dir.path(),
        &[
            "inbound,fabrikam.de,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1,0,0",
            "inbound,globex.co.uk,falls_back_to_cleartext,1,2,0,0,0,1,0,0,0,0,0,0,1,0,0",
            "inbound,litware.com,cleartext_only,1,1,0,0,0,0,0,0,0,0,1,0,1,0,0",
        ],
    );
    let report = json_report(dir.path());
    assert_eq!(report["totals"]["sessions"], 3, "{report:#}");
    assert_eq!(report["totals"]["malformed_rows"], 0, "{report:#}");
}

/// A sanitised excerpt gives five bots one session-id: five connections, five partners.
#[test]
fn one_session_id_from_five_addresses_is_five_sessions() {
    let dir = tempfile::tempdir().unwrap();
    let bots = [
        "185.234.217.220:61061",
        "185.234.217.221:61062",
        "45.95.147.10:51234",
        "80.94.95.81:60000",
        "193.32.162.5:49999",
    ];
    let conns: Vec<Conn> = (bots.iter())
        .map(|remote| recv("0000000000000000", remote, 4))
        .collect();
    // Interleaved, as a busy server writes them.
    let mut rows = Vec::new();
    for (seq, (event, data, context)) in [
        ("+", "", ""),
        (">", BANNER, ""),
        ("<", "EHLO ylmf-pc", ""),
        (">", EHLO_REPLY, ""),
        ("<", "AUTH LOGIN", ""),
        (">", "504 5.7.4 Unrecognized authentication type", ""),
        ("-", "", "Remote"),
    ]
    .into_iter()
    .enumerate()
    {
        for c in &conns {
            rows.push(c.at(seq as u32, event, data, context));
        }
    }
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    let expected: Vec<String> = (bots.iter())
        .map(|b| {
            let ip = b.split(':').next().unwrap();
            format!("inbound,{ip},cleartext_only,1,0,0,0,0,0,0,0,0,0,1,0,1,0,0")
        })
        .collect();
    assert_rows(
        dir.path(),
        &expected.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(json_report(dir.path())["totals"]["sessions"], 5);
}

/// The outbound host name comes from the banner or the first line of the reply to EHLO,
/// never from a status code: `250 2.6.0 <id> Queued mail` names no partner `6.0`.
#[test]
fn outbound_host_never_from_a_status_code() {
    let dir = tempfile::tempdir().unwrap();
    // An excerpt that starts after the banner and the EHLO: its only 250 is the queued one.
    let late = send(
        "Outbound to Partner",
        "08D6A8D416004F80",
        "203.0.113.60:25",
        5,
    );
    let mut rows = vec![
        late.at(17, ">", "BDAT 1811 LAST", ""),
        late.at(
            18,
            "<",
            "250 2.6.0 <3f9e@mail.corp.example> [InternalId=8589934593, Hostname=EX01] Queued mail for delivery",
            "",
        ),
        late.at(19, ">", "QUIT", ""),
        late.at(20, "<", "221 2.0.0 Service closing transmission channel", ""),
        late.at(21, "-", "", "Local"),
    ];
    // The excerpt starts at the EHLO; the reply's rows are gone (a file is missing), so
    // the next reply after the EHLO is the queued one.
    let gap = send(
        "Outbound to Partner",
        "08D6A8D416004F82",
        "203.0.113.61:25",
        5,
    );
    rows.extend([
        gap.at(3, ">", "EHLO mail.corp.example", ""),
        gap.at(17, ">", "BDAT 1811 LAST", ""),
        gap.at(
            18,
            "<",
            "250 2.6.0 <3fa0@mail.corp.example> [InternalId=8589934594, Hostname=EX01] Queued mail for delivery",
            "",
        ),
        gap.at(19, ">", "QUIT", ""),
        gap.at(20, "<", "221 2.0.0 Service closing transmission channel", ""),
        gap.at(21, "-", "", "Local"),
    ]);
    // No banner (the excerpt starts at the EHLO), then the reply, later a queued 250.
    let named = send(
        "Outbound to Partner",
        "08D6A8D416004F81",
        "203.0.113.5:25",
        6,
    );
    for (seq, (event, data, context)) in (3..).zip([
        (">", "EHLO mail.corp.example", String::new()),
        ("<", "250-mx.partner.example Hello [203.0.113.5]", String::new()),
        ("<", "250-SIZE 37748736", String::new()),
        ("<", "250-STARTTLS", String::new()),
        ("<", "250 8BITMIME", String::new()),
        (">", "STARTTLS", String::new()),
        ("<", "220 2.0.0 SMTP server ready", String::new()),
        ("*", "", tls_line("SP_PROT_TLS1_2_CLIENT")),
        (">", "EHLO mail.corp.example", String::new()),
        ("<", "250-mx.partner.example Hello [203.0.113.5]", String::new()),
        ("<", "250 8BITMIME", String::new()),
        (">", "MAIL FROM:<alice@corp.example> SIZE=2048", String::new()),
        ("<", "250 2.1.0 Sender OK", String::new()),
        (">", "RCPT TO:<bob@partner.example>", String::new()),
        ("<", "250 2.1.5 Recipient OK", String::new()),
        (">", "BDAT 2048 LAST", String::new()),
        (
            "<",
            "250 2.6.0 <a1b2@mail.corp.example> [InternalId=1, Hostname=EX01] Queued mail for delivery",
            String::new(),
        ),
        (">", "QUIT", String::new()),
        ("-", "", "Local".to_string()),
    ]) {
        rows.push(named.at(seq, event, data, &context));
    }
    write_log(dir.path(), "SEND2026112514-1.LOG", "send", &rows);
    assert_rows(
        dir.path(),
        &[
            "outbound,203.0.113.60,no_evidence,1,0,0,0,0,0,0,0,0,0,0,0,1,1,0",
            "outbound,203.0.113.61,no_evidence,1,0,0,0,0,0,0,0,0,0,0,0,1,1,0",
            "outbound,partner.example,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1,0,0",
        ],
    );
}

/// Exchange's own hops are internal by their connector (English or localised), their port
/// or Exchange's verbs from our network; a partner's Exchange on the internet stays
/// outbound.
#[test]
fn internal_hops_by_connector_port_and_verbs_on_our_network() {
    let dir = tempfile::tempdir().unwrap();
    let exchange_reply = |host: &str, verb: &str| -> Vec<String> {
        vec![
            format!("250-{host} Hello [10.0.1.12]"),
            "250-SIZE 37748736".into(),
            "250-PIPELINING".into(),
            "250-STARTTLS".into(),
            format!("250-{verb}"),
            "250 CHUNKING".into(),
        ]
    };
    let banner = |host: &str| {
        format!("220 {host} Microsoft ESMTP MAIL Service ready at Wed, 25 Nov 2026 14:10:00 +0000")
    };
    let mut rows = Vec::new();
    for (conn, host, verb) in [
        (
            send(
                "Intra-Organization SMTP Send Connector",
                "08D6A8D416005001",
                "198.51.100.30:25",
                10,
            ),
            "ex05.corp.example",
            "8BITMIME",
        ),
        (
            send(
                "组织内 SMTP 发送连接器",
                "08D6A8D416005002",
                "198.51.100.31:25",
                11,
            ),
            "ex06.corp.example",
            "8BITMIME",
        ),
        (
            send(
                "Relay to EX07",
                "08D6A8D416005003",
                "198.51.100.32:2525",
                12,
            ),
            "ex07.corp.example",
            "8BITMIME",
        ),
        (
            send("Smarthost EX2010", "08D6A8D416005004", "10.0.2.15:25", 13),
            "mail2.contoso.com",
            "XEXCH50",
        ),
        (
            send(
                "Outbound to Partner",
                "08D6A8D416005005",
                "203.0.113.5:25",
                14,
            ),
            "mail.partner.com",
            "X-EXPS EXCHANGEAUTH",
        ),
    ] {
        let reply = exchange_reply(host, verb);
        let reply: Vec<&str> = reply.iter().map(String::as_str).collect();
        rows.extend(outbound(&conn, &banner(host), &reply, "bob@partner.com"));
    }
    write_log(dir.path(), "SEND2026112514-1.LOG", "send", &rows);
    assert_rows(
        dir.path(),
        &[
            "internal,ex05.corp.example,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1,0,0",
            "internal,ex06.corp.example,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1,0,0",
            "internal,ex07.corp.example,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1,0,0",
            "internal,mail2.contoso.com,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1,0,0",
            "outbound,partner.com,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1,0,0",
        ],
    );
}

/// Devices and applications are clients: a printer or an app on a private address under
/// a private name, or whoever authenticated; a public name behind address translation
/// stays an inbound partner. The summary lists the clients in their own section.
#[test]
fn devices_and_authenticated_senders_are_clients() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = inbound(
        "08DE2C1A6B3D0050",
        "10.0.5.21",
        "KM-C458-3F",
        Some("SP_PROT_TLS1_0_SERVER"),
        &["scanner@corp.example"],
    );
    rows.extend(inbound(
        "08DE2C1A6B3D0051",
        "192.168.4.7",
        "app01.contoso.local",
        None,
        &["noreply@corp.example"],
    ));
    rows.extend(inbound(
        "08DE2C1A6B3D0052",
        "10.0.0.1",
        "mail.globex.co.uk",
        Some("SP_PROT_TLS1_2_SERVER"),
        &["b@globex.co.uk"],
    ));
    let c = Conn {
        connector: "EX01\\Client Frontend EX01",
        sid: "08DE2C1A6B3D0053",
        local: "10.0.1.11:587",
        remote: "198.51.100.77:50767",
        minute: 40,
    };
    rows.extend([
        c.at(0, "+", "", ""),
        c.at(1, ">", BANNER, ""),
        c.at(2, "<", "EHLO mta.crmvendor.com", ""),
        c.at(3, ">", EHLO_REPLY, ""),
        c.at(4, "<", "STARTTLS", ""),
        c.at(5, ">", "220 2.0.0 SMTP server ready", ""),
        c.at(6, "*", SINGLE_ROW_CERT, SINGLE_ROW_CERT_CONTEXT),
        c.at(7, "*", "", &tls_line("SP_PROT_TLS1_0_SERVER")),
        c.at(8, "<", "EHLO mta.crmvendor.com", ""),
        c.at(9, ">", EHLO_REPLY, ""),
        c.at(10, "<", "AUTH LOGIN", ""),
        c.at(11, ">", "334 <authentication response>", ""),
        c.at(12, ">", "235 2.7.0 Authentication successful", ""),
        c.at(13, "<", "MAIL FROM:<crm@corp.example> SIZE=5120", ""),
        c.at(14, ">", "250 2.1.0 Sender OK", ""),
        c.at(15, "<", "RCPT TO:<bob@corp.example>", ""),
        c.at(16, ">", "250 2.1.5 Recipient OK", ""),
        c.at(17, "<", "QUIT", ""),
        c.at(18, "-", "", "Local"),
    ]);
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    assert_rows(
        dir.path(),
        &[
            "client,km-c458-3f,falls_back_to_cleartext,1,1,0,0,0,1,0,0,0,0,0,0,1,0,0",
            "client,app01.contoso.local,cleartext_only,1,1,0,0,0,0,0,0,0,0,1,0,1,0,0",
            "inbound,globex.co.uk,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1,0,0",
            "client,mta.crmvendor.com,mail_stops,1,1,0,0,0,1,0,0,0,0,0,0,1,0,0",
        ],
    );
    let out = smtptls().arg("analyze").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let at = text
        .find("YOUR DEVICES AND APPLICATIONS: 2 at risk of 3")
        .unwrap_or_else(|| panic!("{text}"));
    let section = text[at..].split("\n\n").next().unwrap();
    for client in ["km-c458-3f", "mta.crmvendor.com", "app01.contoso.local"] {
        assert!(section.contains(client), "{section}");
    }
    assert!(!section.contains("globex"), "{section}");
}

/// A partner with no evidence is not a failure: `check` passes by default.
#[test]
fn check_does_not_fail_on_no_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let c = recv("123453EC62278461", "95.10.20.33:56026", 0);
    let rows = vec![
        c.at(12, "<", "AUTH LOGIN", ""),
        c.at(13, ">", "504 5.7.4 Unrecognized authentication type", ""),
        c.at(14, "-", "", "Local"),
    ];
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    let out = smtptls()
        .arg("check")
        .arg(dir.path())
        .args(["-q", "--csv", "-"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains('\t'),
        "no partner listed as failing: {stderr}"
    );
    assert_eq!(
        shown(&csv_rows(&out.stdout)),
        vec!["inbound,95.10.20.33,no_evidence,1,0,0,0,0,0,0,0,0,0,0,0,1,1,0"]
    );
}
