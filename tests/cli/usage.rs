//! The command line around the analysis: the errors an admin meets first.

use crate::logs::smtptls;

#[test]
fn a_path_that_does_not_exist_says_so_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("logs").join("EX01");
    let out = smtptls().arg("analyze").arg(&missing).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr,
        format!(
            "smtptls: {}: No such file or directory (os error 2)\n",
            missing.display()
        )
    );
    let out = smtptls()
        .args(["check", "nowhere", "elsewhere"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("smtptls: nowhere: No such file or directory (os error 2); elsewhere:"),
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
