//! `--store`: the report from a store equals a direct run over the same logs, whatever
//! windows of them the runs saw, and the store survives repeats, kills and rivals.

use std::path::{Path, PathBuf};

use crate::analyze::gen_corpus;
use crate::logs::smtptls;

/// What a run wrote: CSV, per-day CSV, and the JSON without the figures about the run's
/// own reading (which describe what that run read, not what the store holds).
#[derive(Debug, PartialEq)]
struct Outputs {
    csv: String,
    by_day: String,
    json: serde_json::Value,
}

const READING: [&str; 8] = [
    "files_read",
    "files_skipped",
    "files_unreadable",
    "bytes",
    "rows",
    "malformed_rows",
    "stitched_sessions",
    "partial_sessions",
];

/// Runs `analyze` over `paths` (and `--store store`), asserting exit 0.
fn analyze(paths: &[&Path], store: Option<&Path>, extra: &[&str]) -> Outputs {
    let out = tempfile::tempdir().unwrap();
    let (csv, by_day, json) = (
        out.path().join("a.csv"),
        out.path().join("d.csv"),
        out.path().join("a.json"),
    );
    let mut cmd = smtptls();
    cmd.arg("analyze").args(paths).arg("-q").args(extra);
    if let Some(s) = store {
        cmd.arg("--store").arg(s);
    }
    cmd.arg("--csv").arg(&csv).arg("--by-day").arg(&by_day);
    cmd.arg("--json").arg(&json);
    let o = cmd.output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for k in READING {
        json["totals"].as_object_mut().unwrap().remove(k);
    }
    json.as_object_mut().unwrap().remove("problems");
    json.as_object_mut().unwrap().remove("warnings");
    Outputs {
        csv: std::fs::read_to_string(&csv).unwrap(),
        by_day: std::fs::read_to_string(&by_day).unwrap(),
        json,
    }
}

/// A generated corpus: 3 servers over 4 days, small files, so sessions cross files.
fn corpus(dir: &Path) -> PathBuf {
    let c = dir.join("corpus");
    let status = std::process::Command::new(gen_corpus())
        .args(["--size", "3MiB", "--seed", "11", "--servers", "3"])
        .args(["--max-file-size", "48KiB", "--hours", "96"])
        .arg(&c)
        .status()
        .unwrap();
    assert!(status.success());
    for f in ["expected.csv", "expected-servers.csv"] {
        let _ = std::fs::remove_file(c.join(f));
    }
    c
}

/// The log files under `root` by folder, each folder's in log order (hour, then the
/// number after the dash).
fn folders(root: &Path) -> Vec<Vec<PathBuf>> {
    let mut by: std::collections::BTreeMap<PathBuf, Vec<PathBuf>> = Default::default();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                by.entry(d.clone()).or_default().push(p);
            }
        }
    }
    let key = |p: &PathBuf| {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        match name.trim_end_matches(".LOG").rsplit_once('-') {
            Some((stem, n)) => (stem.to_string(), n.parse::<u32>().unwrap_or(0)),
            None => (name, 0),
        }
    };
    (by.into_values())
        .map(|mut v| {
            v.sort_by_key(key);
            v
        })
        .collect()
}

/// Copies, of every folder, the files in `[lo, hi)` (as fractions of the folder) to
/// `to`, keeping their paths below `root`: what a log snapshot at one time shows.
fn window(root: &Path, to: &Path, lo: f64, hi: f64) -> PathBuf {
    for files in folders(root) {
        let n = files.len() as f64;
        let (a, b) = ((lo * n).floor() as usize, (hi * n).ceil() as usize);
        for f in &files[a..b.min(files.len())] {
            let dest = to.join(f.strip_prefix(root).unwrap());
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(f, &dest).unwrap();
        }
    }
    to.to_path_buf()
}

/// The store's files and their bytes, to show a run changed nothing.
fn snapshot(store: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![store.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_output_from_the_store_is_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let logs = Path::new("sample-logs");
    let run = |store: Option<&Path>, sub: &str, args: &[&str]| {
        let out = dir.path().join(sub);
        std::fs::create_dir_all(&out).unwrap();
        let mut cmd = smtptls();
        cmd.args(args).arg(logs).arg("--color").arg("never");
        if let Some(s) = store {
            cmd.arg("--store").arg(s);
        }
        for (flag, name) in [
            ("--csv", "a.csv"),
            ("--json", "a.json"),
            ("--html", "a.html"),
        ] {
            cmd.arg(flag).arg(out.join(name));
        }
        cmd.arg("--by-day").arg(out.join("d.csv"));
        if args[0] == "check" {
            cmd.arg("--markdown").arg(out.join("a.md"));
        }
        let o = cmd.output().unwrap();
        let files = ["a.csv", "a.json", "a.html", "d.csv", "a.md"]
            .map(|f| std::fs::read(out.join(f)).unwrap_or_default());
        (o.status.code(), o.stdout, o.stderr, files)
    };
    // A fresh store for each command: the first run over a store reads every file, so
    // even the figures about the run's reading agree.
    for (n, args) in [&["analyze"][..], &["check", "--fail-on", "mail_stops"][..]]
        .into_iter()
        .enumerate()
    {
        let direct = run(None, "direct", args);
        let stored = run(Some(&store.join(n.to_string())), "stored", args);
        assert_eq!(direct.0, stored.0, "exit code of {args:?}");
        assert_eq!(
            String::from_utf8_lossy(&direct.1),
            String::from_utf8_lossy(&stored.1)
        );
        assert_eq!(direct.2, stored.2, "stderr of {args:?}");
        for (a, b) in direct.3.iter().zip(&stored.3) {
            assert!(a == b, "an output of {args:?} differs");
        }
    }
}

#[test]
fn the_same_logs_twice_add_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    let logs = Path::new("sample-logs");
    let first = analyze(&[logs], Some(&store), &[]);
    let before = snapshot(&store);
    let second = analyze(&[logs], Some(&store), &[]);
    assert_eq!(first, second);
    assert_eq!(snapshot(&store), before, "the store is unchanged");
    // The same files under another path are the same files.
    let elsewhere = dir.path().join("copy");
    window(logs, &elsewhere, 0.0, 1.0);
    assert_eq!(analyze(&[&elsewhere], Some(&store), &[]), first);
    assert_eq!(snapshot(&store), before);
    // And the store alone reports the same.
    assert_eq!(analyze(&[], Some(&store), &[]), first);
    assert_eq!(analyze(&[logs], None, &[]), first);
}

#[test]
fn overlapping_windows_equal_one_run_over_all_days() {
    let dir = tempfile::tempdir().unwrap();
    let all = corpus(dir.path());
    let store = dir.path().join("store");
    let windows = [(0.0, 0.5), (0.25, 0.75), (0.5, 1.0)];
    for (n, (lo, hi)) in windows.into_iter().enumerate() {
        let w = window(&all, &dir.path().join(format!("w{n}")), lo, hi);
        analyze(&[&w], Some(&store), &[]);
    }
    let direct = analyze(&[&all], None, &[]);
    assert_eq!(analyze(&[], Some(&store), &[]), direct);
    let since = ["--since", "2026-11-26", "--until", "2026-11-27"];
    assert_eq!(
        analyze(&[], Some(&store), &since),
        analyze(&[&all], None, &since)
    );
    // Feeding the whole corpus again changes nothing.
    assert_eq!(analyze(&[&all], Some(&store), &[]), direct);
    // Windows that do not overlap at all: sessions cut between them are stitched from
    // the parts each window left in the store.
    let apart = dir.path().join("apart");
    for (n, (lo, hi)) in [(0.0, 0.4), (0.4, 1.0)].into_iter().enumerate() {
        let w = window(&all, &dir.path().join(format!("a{n}")), lo, hi);
        analyze(&[&w], Some(&apart), &[]);
    }
    assert_eq!(analyze(&[], Some(&apart), &[]), direct);
}

#[test]
fn a_grown_file_replaces_what_it_gave_before() {
    let dir = tempfile::tempdir().unwrap();
    let all = corpus(dir.path());
    let store = dir.path().join("store");
    // The newest file of the first folder, cut in the middle of a line and then whole:
    // the current hour's log as two nightly runs see it.
    let newest = folders(&all)[0].last().unwrap().clone();
    let whole = std::fs::read(&newest).unwrap();
    let snap = dir.path().join("snap");
    window(&all, &snap, 0.0, 1.0);
    let cut = snap.join(newest.strip_prefix(&all).unwrap());
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    analyze(&[&snap], Some(&store), &[]);
    std::fs::write(&cut, &whole).unwrap();
    assert_eq!(
        analyze(&[&snap], Some(&store), &[]),
        analyze(&[&all], None, &[])
    );
}

#[test]
fn a_run_killed_before_the_manifest_leaves_the_store_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let all = corpus(dir.path());
    let store = dir.path().join("store");
    let w0 = window(&all, &dir.path().join("w0"), 0.0, 0.6);
    let w1 = window(&all, &dir.path().join("w1"), 0.4, 1.0);
    let before = analyze(&[&w0], Some(&store), &[]);
    let manifest = std::fs::read(store.join("manifest.json")).unwrap();
    let killed = smtptls()
        .args(["analyze", "-q", "--csv", "-"])
        .arg(&w1)
        .arg("--store")
        .arg(&store)
        .env("SMTPTLS_FAILPOINT", "store-after-partitions")
        .output()
        .unwrap();
    assert_eq!(killed.status.code(), None, "aborted by a signal");
    assert_eq!(
        std::fs::read(store.join("manifest.json")).unwrap(),
        manifest
    );
    // The killed run's lock names a dead process: the next run takes it over, reads the
    // store as it was, and then adds the window again.
    assert_eq!(analyze(&[], Some(&store), &[]), before);
    assert_eq!(
        analyze(&[&w1], Some(&store), &[]),
        analyze(&[&all], None, &[])
    );
    // Nothing the killed run wrote is left behind.
    let orphans = snapshot(&store).into_iter().filter(|(p, _)| {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        name.starts_with('.') || name.ends_with(".tmp")
    });
    assert_eq!(orphans.count(), 0);
}

#[test]
fn a_store_in_use_is_refused_and_rival_runs_never_corrupt_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    std::fs::create_dir_all(&store).unwrap();
    // A lock held by a live process (this test).
    std::fs::write(store.join(".lock"), format!("{}\n", std::process::id())).unwrap();
    let o = smtptls()
        .args(["analyze", "sample-logs", "-q", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("is in use by another run (remove"), "{err}");
    assert!(!store.join("manifest.json").exists());
    std::fs::remove_file(store.join(".lock")).unwrap();
    // Four runs at once: each finishes or is refused, and the store is right after.
    let rivals: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(assert_cmd::cargo::cargo_bin("smtptls"))
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .args(["analyze", "sample-logs", "-q", "--store"])
                .arg(&store)
                .spawn()
                .unwrap()
        })
        .collect();
    let codes: Vec<_> = (rivals.into_iter())
        .map(|mut c| c.wait().unwrap().code())
        .collect();
    assert!(codes.iter().all(|c| matches!(c, Some(0 | 2))), "{codes:?}");
    assert!(codes.contains(&Some(0)), "{codes:?}");
    let logs = Path::new("sample-logs");
    assert_eq!(analyze(&[], Some(&store), &[]), analyze(&[logs], None, &[]));
}

#[test]
fn a_store_of_a_newer_format_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    analyze(&[Path::new("sample-logs")], Some(&store), &[]);
    let manifest = store.join("manifest.json");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(&manifest, text.replace("\"format\": 1", "\"format\": 2")).unwrap();
    let before = snapshot(&store);
    let o = smtptls()
        .args(["analyze", "sample-logs", "-q", "--store"])
        .arg(&store)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("written by a newer smtptls (format 2"),
        "{err}"
    );
    assert_eq!(snapshot(&store), before);
}

#[test]
fn keep_drops_the_files_of_old_days() {
    let dir = tempfile::tempdir().unwrap();
    let all = corpus(dir.path());
    let store = dir.path().join("store");
    analyze(&[&all], Some(&store), &[]);
    let kept = analyze(&[], Some(&store), &["--keep", "2"]);
    let days: Vec<String> = (std::fs::read_dir(&store).unwrap().flatten())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("day="))
        .collect();
    // Files that began on 2026-11-27 may hold sessions of that day only: the two newest
    // days are 2026-11-27 and 2026-11-28.
    assert!(
        days.iter().all(|d| d.as_str() >= "day=2026-11-27"),
        "{days:?}"
    );
    assert!(days.iter().any(|d| d == "day=2026-11-28"), "{days:?}");
    let newest = window(&all, &dir.path().join("new"), 0.0, 1.0);
    let _ = newest;
    let sessions = kept.json["totals"]["sessions"].as_u64().unwrap();
    let whole = analyze(&[&all], None, &[]).json["totals"]["sessions"]
        .as_u64()
        .unwrap();
    assert!(0 < sessions && sessions < whole, "{sessions} of {whole}");
}

#[test]
fn partitions_are_typed_for_other_tools() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    analyze(&[Path::new("sample-logs")], Some(&store), &[]);
    let day = store.join("day=2026-11-25");
    let file = std::fs::read_dir(&day)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    use polars_io::SerReader;
    let df = polars_io::parquet::read::ParquetReader::new(std::fs::File::open(file).unwrap())
        .finish()
        .unwrap();
    let dtype = |c: &str| df.column(c).unwrap().dtype().to_string();
    assert_eq!(dtype("day"), "date");
    assert_eq!(dtype("first"), "datetime[ms, UTC]");
    assert_eq!(dtype("sessions"), "u64");
    assert_eq!(dtype("table"), "str");
    assert_eq!(dtype("anonymous_tls"), "bool");
}
