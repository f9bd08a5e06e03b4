//! What both benches share: the protocol logs of `sample-logs/` they read, and how long
//! criterion measures.

use std::path::{Path, PathBuf};

/// Every protocol log under `sample-logs/` with its bytes, in path order (so a folder's
/// rollover files follow each other and their sessions continue across them).
pub fn sample_logs() -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("log"))
            {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-logs"),
        &mut paths,
    );
    paths.sort();
    let files: Vec<_> = paths
        .into_iter()
        .filter_map(|p| {
            let bytes = std::fs::read(&p).ok()?;
            memchr::memmem::find(&bytes, b"#Log-type: SMTP ")?;
            Some((p, bytes))
        })
        .collect();
    assert!(!files.is_empty(), "no protocol logs under sample-logs/");
    files
}

/// Short runs: the benches compare parsers, and a few seconds each give stable figures.
pub fn config() -> criterion::Criterion {
    criterion::Criterion::default()
        .sample_size(10)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3))
}
