//! Hostile and broken input: never panic, never lose valid sessions, never inject.

use std::io::Write;
use std::path::Path;

use crate::logs::{analyze_csv, counts_of, header, run_csv, smtptls, write_log, Inbound, FIELDS};

fn fabrikam(sid: &str) -> Vec<String> {
    Inbound {
        sid,
        remote: "192.0.2.1",
        ehlo: "mx.fabrikam.de",
        proto: Some("SP_PROT_TLS1_2_SERVER"),
        senders: &["a@fabrikam.de"],
        minute: 3,
    }
    .rows()
}

/// Writes the one valid fabrikam.de session as the dir's `RECV2026112514-1.LOG`.
fn fabrikam_log(dir: &Path) -> std::path::PathBuf {
    write_log(
        dir,
        "RECV2026112514-1.LOG",
        "recv",
        &fabrikam("08DE000000000001"),
    )
}

/// What `smtptls analyze DIR` prints on stdout.
fn summary(dir: &Path) -> String {
    let out = smtptls().arg("analyze").arg(dir).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

const FABRIKAM_ONE: &str = "inbound,fabrikam.de,unaffected,1,1,0,1,0,0,0,0,0,0,0,0,1";

/// The CSV holds the one valid fabrikam.de session, counted exactly once.
fn assert_fabrikam_once(csv: &[Vec<String>]) {
    assert_eq!(
        counts_of(csv, "inbound", "fabrikam.de").unwrap(),
        FABRIKAM_ONE
    );
}

/// A dir holding one TLS 1.0 session from 192.0.2.66 that says `ehlo` and sends as
/// `senders`: a stranger choosing the strings we print.
fn stranger(ehlo: &str, senders: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let rows = Inbound {
        sid: "08DE000000000001",
        remote: "192.0.2.66",
        ehlo,
        proto: Some("SP_PROT_TLS1_0_SERVER"),
        senders,
        minute: 1,
    }
    .rows();
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    dir
}

#[test]
fn csv_cells_from_strangers_are_inert() {
    let dir = stranger(
        "=HYPERLINK(\"http://x\")",
        &["x@-evil.example", "y@+cmd.example", "z@@sum.example"],
    );
    let out = run_csv(dir.path(), &[]);
    let rows = crate::logs::csv_rows(&out.stdout);
    for row in &rows {
        for cell in row {
            assert!(
                !matches!(
                    cell.as_bytes().first(),
                    Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
                ),
                "live cell {cell:?}"
            );
        }
    }
    let row = rows.iter().find(|r| r[1] == "192.0.2.66").unwrap();
    assert_eq!(row[16], "'=hyperlink(\"http://x\")");
}

#[test]
fn escape_sequences_never_reach_the_terminal() {
    let dir = stranger("evil\u{1b}]0;pwned\u{7}.example.com", &[]);
    let out = smtptls().arg("analyze").arg(dir.path()).output().unwrap();
    assert!(out.status.success());
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07));
    assert!(String::from_utf8_lossy(&out.stdout).contains("\\x{1b}"));
}

#[test]
fn gz_and_zip_give_the_same_answer_as_plain_files() {
    let plain = tempfile::tempdir().unwrap();
    let rows = fabrikam("08DE000000000001");
    let (a, b) = rows.split_at(6);
    let p1 = write_log(plain.path(), "SmtpReceive/RECV2026112514-1.LOG", "recv", a);
    let p2 = write_log(plain.path(), "SmtpReceive/RECV2026112514-2.LOG", "recv", b);
    let expected = analyze_csv(plain.path(), &[]);
    assert_fabrikam_once(&expected);

    let gz = tempfile::tempdir().unwrap();
    std::fs::create_dir(gz.path().join("SmtpReceive")).unwrap();
    for p in [&p1, &p2] {
        let name = format!("{}.gz", p.file_name().unwrap().to_string_lossy());
        let f = std::fs::File::create(gz.path().join("SmtpReceive").join(name)).unwrap();
        let mut enc = flate2::write::GzEncoder::new(f, flate2::Compression::default());
        enc.write_all(&std::fs::read(p).unwrap()).unwrap();
        enc.finish().unwrap();
    }
    assert_eq!(analyze_csv(gz.path(), &[]), expected);

    let zipped = tempfile::tempdir().unwrap();
    let f = std::fs::File::create(zipped.path().join("logs.zip")).unwrap();
    let mut zip = zip::ZipWriter::new(f);
    let opts = zip::write::SimpleFileOptions::default();
    for p in [&p1, &p2] {
        let name = format!(
            "EX01/SmtpReceive/{}",
            p.file_name().unwrap().to_string_lossy()
        );
        zip.start_file(name, opts).unwrap();
        zip.write_all(&std::fs::read(p).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    assert_eq!(analyze_csv(zipped.path(), &[]), expected);
}

/// The input named as it was found, through a link, and through `..`: all refused.
#[test]
fn refuses_to_write_over_an_input_file() {
    let dir = tempfile::tempdir().unwrap();
    let log = fabrikam_log(dir.path());
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let dotted = dir.path().join("sub/../RECV2026112514-1.LOG");
    let mut targets = vec![log.clone(), dotted];
    // A symbolic link needs a privilege on Windows: tested where anyone may make one.
    #[cfg(unix)]
    {
        let link = dir.path().join("report.csv");
        std::os::unix::fs::symlink(&log, &link).unwrap();
        targets.push(link);
    }
    let before = std::fs::read(&log).unwrap();
    for out_path in targets {
        let out = smtptls()
            .arg("analyze")
            .arg(dir.path())
            .arg("--csv")
            .arg(&out_path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", out_path.display());
        assert!(String::from_utf8_lossy(&out.stderr).contains("it is one of the input files"));
    }
    assert_eq!(std::fs::read(&log).unwrap(), before);
}

/// Writes `text` as the only file of a fresh dir and returns the CSV (or panics).
fn one_file(text: &[u8]) -> (tempfile::TempDir, Vec<Vec<String>>) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("RECV2026112514-1.LOG"), text).unwrap();
    let csv = analyze_csv(dir.path(), &[]);
    (dir, csv)
}

/// The file holds the one valid fabrikam.de session, counted exactly once.
fn fabrikam_counted_once(text: &[u8]) {
    let (_, csv) = one_file(text);
    assert_fabrikam_once(&csv);
}

fn with_valid_session(damage: &str) -> Vec<u8> {
    let mut t = header("recv");
    for r in fabrikam("08DE000000000001") {
        t.push_str(&r);
        t.push_str("\r\n");
    }
    t.push_str(damage);
    t.into_bytes()
}

#[test]
fn a_row_cut_mid_line_at_the_end_of_the_file() {
    let cut =
        "2026-11-25T14:09:00.000Z,EX01\\Default,08DE0000000000FF,0,10.0.1.11:25,192.0.2.9:1,+,";
    fabrikam_counted_once(&with_valid_session(cut));
}

#[test]
fn too_few_too_many_fields_nul_bytes_and_invalid_utf8() {
    let mut damage = String::from("2026-11-25T14:09:00.000Z,EX01\\Default,08DE0000000000FE\r\n");
    damage.push_str(
        "2026-11-25T14:09:00.000Z,a,08DE0000000000FD,0,1.1.1.1:1,2.2.2.2:2,+,,,extra,fields\r\n",
    );
    damage.push_str("\0\0\0\u{1}binary\r\n");
    let mut bytes = with_valid_session(&damage);
    bytes.extend_from_slice(b"2026-11-25T14:09:01.000Z,EX01\\Default,08DE0000000000FC,0,10.0.1.11:25,192.0.2.8:1,<,EHLO mx.\xff\xfe.example,\r\n");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("RECV2026112514-1.LOG"), &bytes).unwrap();
    let out = run_csv(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    let csv = crate::logs::csv_rows(&out.stdout);
    assert_fabrikam_once(&csv);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("3 malformed rows"), "{stderr}");
}

#[test]
fn a_ten_megabyte_line() {
    let long = format!(
        "2026-11-25T14:09:00.000Z,EX01\\Default,08DE0000000000FB,3,10.0.1.11:25,192.0.2.9:1,<,{},\r\n",
        "A".repeat(10 << 20)
    );
    fabrikam_counted_once(&with_valid_session(&long));
}

#[test]
fn empty_and_header_only_files() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("RECV2026112513-1.LOG"), b"").unwrap();
    std::fs::write(dir.path().join("RECV2026112513-2.LOG"), header("recv")).unwrap();
    fabrikam_log(dir.path());
    let text = summary(dir.path());
    assert!(text.contains("Read 2 protocol log files"), "{text}");
    assert!(text.contains("skipped 1 other files"), "{text}");
}

#[test]
fn missing_fields_line_falls_back_with_a_warning() {
    let text = with_valid_session("").into_iter().collect::<Vec<u8>>();
    let text = String::from_utf8(text)
        .unwrap()
        .replace(&format!("{FIELDS}\r\n"), "");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("RECV2026112514-1.LOG"), text).unwrap();
    let out = run_csv(dir.path(), &[]);
    assert_fabrikam_once(&crate::logs::csv_rows(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no #Fields line"));
}

#[test]
fn fields_line_in_another_order() {
    // context and data swapped, session-id first.
    let mut t = header("recv").replace(
        FIELDS,
        "#Fields: session-id,date-time,connector-id,sequence-number,local-endpoint,remote-endpoint,event,context,data",
    );
    for r in fabrikam("08DE000000000001") {
        let mut f: Vec<String> = {
            let mut rd = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(r.as_bytes());
            rd.records()
                .next()
                .unwrap()
                .unwrap()
                .iter()
                .map(str::to_string)
                .collect()
        };
        f.swap(7, 8);
        let sid = f.remove(2);
        f.insert(0, sid);
        t.push_str(
            &f.iter()
                .map(|x| crate::logs::quote(x))
                .collect::<Vec<_>>()
                .join(","),
        );
        t.push_str("\r\n");
    }
    fabrikam_counted_once(t.as_bytes());
}

#[test]
fn header_block_repeated_mid_file_after_a_restart() {
    let mut t = header("recv");
    let rows = fabrikam("08DE000000000001");
    for (i, r) in rows.iter().enumerate() {
        if i == 5 {
            t.push_str(&header("recv").replace('\u{feff}', ""));
        }
        t.push_str(r);
        t.push_str("\r\n");
    }
    fabrikam_counted_once(t.as_bytes());
}

#[test]
fn sessions_missing_first_or_last_rows_and_sequence_gaps() {
    let dir = tempfile::tempdir().unwrap();
    let rows = fabrikam("08DE000000000001");
    // No first two rows, one gap, no disconnect.
    let mut kept: Vec<String> = rows[2..rows.len() - 1].to_vec();
    kept.remove(3);
    let dup = kept[1].clone();
    kept.insert(2, dup);
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &kept);
    let csv = analyze_csv(dir.path(), &[]);
    assert_fabrikam_once(&csv);
}

#[test]
fn timestamps_out_of_order_keep_first_and_last_seen() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = fabrikam("08DE000000000001");
    rows.swap(2, 6);
    write_log(dir.path(), "RECV2026112514-1.LOG", "recv", &rows);
    let csv = analyze_csv(dir.path(), &[]);
    let row = csv.iter().find(|r| r[1] == "fabrikam.de").unwrap();
    assert_eq!(
        (row[19].as_str(), row[20].as_str()),
        ("2026-11-25T14:03:00.000Z", "2026-11-25T14:03:11.000Z")
    );
}

#[cfg(unix)]
#[test]
fn symlink_loops_and_dangling_links_are_reported_not_followed_forever() {
    let dir = tempfile::tempdir().unwrap();
    write_log(
        dir.path(),
        "logs/RECV2026112514-1.LOG",
        "recv",
        &fabrikam("08DE000000000001"),
    );
    std::os::unix::fs::symlink(dir.path().join("logs"), dir.path().join("logs/loop")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("nowhere"), dir.path().join("logs/dangling"))
        .unwrap();
    let out = run_csv(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert_fabrikam_once(&crate::logs::csv_rows(&out.stdout));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("symlink loop"), "{stderr}");
    assert!(stderr.contains("dangling"), "{stderr}");
}

#[test]
fn a_file_that_is_not_a_log_but_ends_in_log() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("RECV2026112599-1.LOG"),
        b"\x89PNG\r\n\x1a\n\0\0binary",
    )
    .unwrap();
    fabrikam_log(dir.path());
    let text = summary(dir.path());
    assert!(
        text.contains("skipped 1 other files") && text.contains("0 malformed rows"),
        "{text}"
    );
}

#[test]
fn session_id_reused_on_another_server_is_kept_apart() {
    // The same id and even the same remote endpoint on two servers: two sessions, each
    // with its own outcome (ids are unique per transport process only).
    let dir = tempfile::tempdir().unwrap();
    for (server, proto) in [
        ("EX01", "SP_PROT_TLS1_2_SERVER"),
        ("EX02", "SP_PROT_TLS1_0_SERVER"),
    ] {
        let rows = Inbound {
            sid: "08DE2C1A6B3D002E",
            remote: "192.0.2.7",
            ehlo: "mx.fabrikam.de",
            proto: Some(proto),
            senders: &["a@fabrikam.de"],
            minute: 2,
        }
        .rows();
        write_log(
            dir.path(),
            &format!("{server}/FrontEnd/ProtocolLog/SmtpReceive/RECV2026112514-1.LOG"),
            "recv",
            &rows,
        );
    }
    let rows = analyze_csv(dir.path(), &[]);
    assert_eq!(rows.len() - 1, 1, "one partner");
    assert_eq!(
        crate::logs::counts_of(&rows, "inbound", "fabrikam.de").as_deref(),
        Some("inbound,fabrikam.de,partially_affected,2,2,0,1,0,1,0,0,0,0,0,0,1")
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_and_directory_are_reported_and_the_rest_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    write_log(
        dir.path(),
        "ok/RECV2026112514-1.LOG",
        "recv",
        &fabrikam("08DE000000000001"),
    );
    let locked = write_log(
        dir.path(),
        "ok/RECV2026112515-1.LOG",
        "recv",
        &fabrikam("08DE000000000002"),
    );
    write_log(
        dir.path(),
        "closed/RECV2026112514-1.LOG",
        "recv",
        &fabrikam("08DE000000000003"),
    );
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(
        dir.path().join("closed"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let mut bin = assert_cmd::cargo::cargo_bin("smtptls");
    let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];
    let bin_dir = tempfile::tempdir().unwrap();
    // Root reads everything: drop to nobody (util-linux setpriv) to meet "permission denied".
    let mut cmd = if nix_is_root() {
        let runs = std::process::Command::new("setpriv")
            .args(nobody)
            .arg(&bin)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        if !runs {
            // The build lives where nobody may not enter (a clone under /root): run a
            // link or copy of the binary from a temp dir instead.
            std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755))
                .unwrap();
            let local = bin_dir.path().join("smtptls");
            if std::fs::hard_link(&bin, &local).is_err() {
                std::fs::copy(&bin, &local).unwrap();
            }
            bin = local;
        }
        let mut c = std::process::Command::new("setpriv");
        c.args(nobody).arg(&bin);
        c
    } else {
        std::process::Command::new(&bin)
    };
    let out = cmd
        .arg("analyze")
        .arg(dir.path())
        .args(["--csv", "-"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.matches("Permission denied").count(), 2, "{stderr}");
    assert_fabrikam_once(&crate::logs::csv_rows(&out.stdout));
}

/// Whether the tests run as root (as CI does).
fn nix_is_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}
