//! History beyond log retention (`--store DIR`): what the logs said, kept as daily
//! Parquet partitions per log file, added to by each run and read back into the
//! aggregate a report is built from.
//!
//! The unit is one log file: its contribution is the sessions that start and end in it
//! plus its fragments of the sessions that cross into other files (stitched when the
//! store is read, in log order, as one run over every file would). A file read again
//! replaces its whole contribution, so a file seen twice adds nothing and a file that
//! grew replaces what it gave before. Writes go to temporary
//! files renamed into place, the manifest last: a run killed at any moment leaves the
//! manifest naming a complete, earlier set of partition files.

pub mod lock;
pub mod manifest;
pub mod select;
pub mod table;

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use crate::collect::{FileFate, Fragment, FragmentKey, Partial};
use crate::error::Error;
use crate::session::SessionFacts;
use lock::Lock;
use manifest::{FileEntry, Manifest, FORMAT};
pub use select::Selection;
use table::Rows;

/// The environment variable that names a failpoint (tests only): `store-after-partitions`
/// aborts a run after its partition files are written, before the manifest is replaced.
pub const FAILPOINT: &str = "SMTPTLS_FAILPOINT";

/// An open store, locked for this run.
pub struct Store {
    dir: PathBuf,
    manifest: Manifest,
    _lock: Lock,
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Store(format!("{}: {e}", path.display()))
}

/// `YYYY-MM-DD` of a day counted since the epoch.
pub fn day_name(day: i32) -> String {
    let epoch = NaiveDate::default(); // 1970-01-01
    (epoch.checked_add_signed(chrono::Duration::days(i64::from(day))))
        .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
}

/// Writes `bytes` through a temporary file in the same folder renamed over `path`: a
/// reader (or a run after a kill) sees the old file or the new one, never half of one.
fn write_atomic(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> Result<(), Error>,
) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let mut f = std::fs::File::create(&tmp).map_err(|e| io_err(&tmp, e))?;
    write(&mut f)?;
    f.sync_all().map_err(|e| io_err(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

impl Store {
    /// Creates the folder if missing, takes the lock, reads the manifest. A manifest of a
    /// newer format is refused before anything is changed.
    pub fn open(dir: &Path) -> Result<Store, Error> {
        std::fs::create_dir_all(dir).map_err(|e| io_err(dir, e))?;
        let lock = Lock::take(dir)?;
        let path = dir.join("manifest.json");
        let manifest = match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Manifest::empty(),
            Err(e) => return Err(io_err(&path, e)),
            Ok(bytes) => parse_manifest(&path, &bytes)?,
        };
        Ok(Store {
            dir: dir.to_path_buf(),
            manifest,
            _lock: lock,
        })
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    fn partition(&self, id: &str, generation: u64, day: &str) -> PathBuf {
        (self.dir.join(format!("day={day}"))).join(format!("{id}-{generation}.parquet"))
    }

    /// Replaces the contributions of the files read (those whose reading succeeded), drops
    /// what `--keep` no longer keeps, then replaces the manifest and removes the partition
    /// files it no longer names.
    pub fn save(
        &mut self,
        selection: &Selection,
        read: &mut Partial,
        keep: Option<u32>,
    ) -> Result<(), Error> {
        let generation = self.manifest.generation + 1;
        let mut contributions: FxHashMap<u32, _> = (read.take_contributions().into_iter())
            .map(|(f, p, open)| (f, (p, open)))
            .collect();
        let mut next = self.manifest.clone();
        let mut changed = false;
        for (i, (identity, print)) in selection.to_store() {
            if read.fate(i as u32) != Some(FileFate::Read) {
                continue;
            }
            let (part, frags) = contributions.remove(&(i as u32)).unwrap_or_default();
            let id = identity.id();
            let days = self.write_contribution(&id, generation, &part, &frags)?;
            next.upsert(FileEntry {
                folder: identity.folder.clone(),
                name: identity.name.clone(),
                size: print.size,
                head: print.head.clone(),
                tail: print.tail.clone(),
                generation,
                days,
                fragments: frags.len() as u64,
            });
            changed = true;
        }
        if std::env::var(FAILPOINT).as_deref() == Ok("store-after-partitions") {
            std::process::abort();
        }
        if let Some(days) = keep {
            changed |= keep_newest(&mut next, days);
        }
        if changed {
            next.generation = generation;
            self.write_manifest(&next)?;
            self.manifest = next;
        }
        self.sweep()
    }

    /// Writes one file's sessions as partitions, one per day (undated sessions and the
    /// file's other rows go with its first day); returns the days.
    fn write_contribution(
        &self,
        id: &str,
        generation: u64,
        part: &Partial,
        frags: &[(FragmentKey, SessionFacts)],
    ) -> Result<Vec<String>, Error> {
        let mut days: std::collections::BTreeMap<i32, Rows> = Default::default();
        let cells = part.named_cells();
        let frag_day = |f: &SessionFacts| f.first.map(crate::parse::time::day_of);
        let first = (cells.iter().filter_map(|c| c.day))
            .chain(frags.iter().filter_map(|(_, f)| frag_day(f)))
            .min();
        for c in &cells {
            let day = c.day.or(first).unwrap_or(0);
            (days.entry(day).or_default()).cell(c.day, c.peer, c.outcome, &c.counts);
        }
        for (key, f) in frags {
            let day = frag_day(f).or(first).unwrap_or(0);
            days.entry(day).or_default().fragment(key, f);
        }
        if days.is_empty() {
            return Ok(Vec::new());
        }
        let extras = days.entry(first.unwrap_or(0)).or_default();
        other_rows(part, extras);
        let mut names = Vec::new();
        for (day, rows) in days {
            let name = day_name(day);
            let path = self.partition(id, generation, &name);
            write_atomic(&path, |f| {
                let mut w = std::io::BufWriter::new(f);
                table::write_frame(rows, &mut w).map_err(|e| io_err(&path, e))?;
                w.flush().map_err(|e| io_err(&path, e))
            })?;
            names.push(name);
        }
        Ok(names)
    }

    fn write_manifest(&self, m: &Manifest) -> Result<(), Error> {
        let path = self.dir.join("manifest.json");
        let mut text = serde_json::to_string_pretty(m).map_err(|e| io_err(&path, e))?;
        text.push('\n');
        write_atomic(&path, |f| {
            f.write_all(text.as_bytes()).map_err(|e| io_err(&path, e))
        })
    }

    /// Removes partition and temporary files the manifest does not name: those replaced
    /// by this run, and those a killed run left behind.
    fn sweep(&self) -> Result<(), Error> {
        let mut named = rustc_hash::FxHashSet::default();
        for e in &self.manifest.files {
            let id = e.identity().id();
            for d in &e.days {
                named.insert(self.partition(&id, e.generation, d));
            }
        }
        let entries = std::fs::read_dir(&self.dir).map_err(|e| io_err(&self.dir, e))?;
        for entry in entries.flatten() {
            let dir = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            // A manifest a killed run was writing.
            if name.starts_with(".manifest.json.") && name.ends_with(".tmp") {
                std::fs::remove_file(&dir).map_err(|e| io_err(&dir, e))?;
                continue;
            }
            if !name.starts_with("day=") || !dir.is_dir() {
                continue;
            }
            for f in std::fs::read_dir(&dir)
                .map_err(|e| io_err(&dir, e))?
                .flatten()
            {
                let p = f.path();
                if !named.contains(&p) {
                    std::fs::remove_file(&p).map_err(|e| io_err(&p, e))?;
                }
            }
            // Only an empty folder is removed; an error means it is not.
            let _ = std::fs::remove_dir(&dir);
        }
        Ok(())
    }

    /// Everything the store holds, as one aggregate (days kept when `by_day`).
    pub fn load(&self, by_day: bool) -> Result<Partial, Error> {
        let parts = self.partitions_in_log_order();
        // One after the other, on this thread: polars parallelises each read itself, and
        // its readers want more stack than a worker thread has in a debug build.
        let mut out = Partial::new(by_day);
        let mut frags = Vec::new();
        for (folder, path) in &parts {
            let f = std::fs::File::open(path).map_err(|e| io_err(path, e))?;
            let df = table::read_frame(f).map_err(|e| io_err(path, e))?;
            let mut mine = Vec::new();
            table::load_frame(&df, &mut out, &mut mine).map_err(|e| io_err(path, e))?;
            frags.extend(mine.into_iter().map(|f| (*folder, f)));
        }
        // Stitched as a run over every file would: in file order, within a folder.
        for (folder, (kind, session, remote, facts)) in frags {
            let key = FragmentKey {
                folder,
                kind,
                session,
                remote,
            };
            out.add_fragment(
                key,
                Fragment {
                    stretches: 1,
                    facts,
                },
            );
        }
        out.stitch();
        Ok(out)
    }

    /// Every partition file with the index of its folder, files in log order within a
    /// folder (natural order of names: `-10` after `-9`) and days in order within a file.
    fn partitions_in_log_order(&self) -> Vec<(u32, PathBuf)> {
        let mut files: Vec<&FileEntry> = self.manifest.files.iter().collect();
        files.sort_by(|a, b| {
            (a.folder.cmp(&b.folder)).then_with(|| crate::input::natural_cmp(&a.name, &b.name))
        });
        let mut folders: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        for e in files {
            if folders.last() != Some(&e.folder.as_str()) {
                folders.push(&e.folder);
            }
            let id = e.identity().id();
            for d in &e.days {
                out.push((
                    folders.len() as u32 - 1,
                    self.partition(&id, e.generation, d),
                ));
            }
        }
        out
    }
}

/// The rows of a contribution that are not cells: mail domains, attempts, server counts
/// and local addresses.
fn other_rows(part: &Partial, rows: &mut Rows) {
    for (peer, domain, n) in part.domain_counts() {
        rows.domain(part.peer(peer), domain, n);
    }
    for a in part.attempts() {
        rows.attempt(part.peer(a.peer), a.start, a.end(), a.what());
    }
    for ((server, kind, outcome), n) in part.servers() {
        rows.server(server, *kind, *outcome, *n);
    }
    for addr in part.local_addresses() {
        rows.local(addr, part.server_name(addr).map(|n| &**n));
    }
}

/// Drops the files whose every day is older than the `days` newest days of the store
/// (counted back from its newest day, so the rule does not depend on the clock).
fn keep_newest(m: &mut Manifest, days: u32) -> bool {
    let Some(newest) = m
        .newest_day()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    else {
        return false;
    };
    let cutoff = newest - chrono::Duration::days(i64::from(days.max(1)) - 1);
    let cutoff = cutoff.format("%Y-%m-%d").to_string();
    let before = m.files.len();
    m.files
        .retain(|e| e.days.is_empty() || e.days.iter().any(|d| *d >= cutoff));
    m.files.len() != before
}

fn parse_manifest(path: &Path, bytes: &[u8]) -> Result<Manifest, Error> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| Error::StoreManifest(path.display().to_string(), e.to_string()))?;
    let format = value.get("format").and_then(|f| f.as_u64()).unwrap_or(0);
    if format > u64::from(FORMAT) {
        return Err(Error::StoreFormat {
            path: path.display().to_string(),
            found: format,
            known: FORMAT,
        });
    }
    serde_json::from_value(value)
        .map_err(|e| Error::StoreManifest(path.display().to_string(), e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, days: &[&str]) -> FileEntry {
        FileEntry {
            folder: "EX01/SmtpReceive".into(),
            name: name.into(),
            size: 1,
            head: String::new(),
            tail: String::new(),
            generation: 1,
            days: days.iter().map(|d| d.to_string()).collect(),
            fragments: 0,
        }
    }

    #[test]
    fn keep_counts_back_from_the_newest_day_and_keeps_straddling_files() {
        let mut m = Manifest::empty();
        m.upsert(entry("a", &["2026-11-01"]));
        m.upsert(entry("b", &["2026-11-09", "2026-11-10"]));
        m.upsert(entry("c", &["2026-11-12"]));
        m.upsert(entry("d", &[]));
        assert!(keep_newest(&mut m, 3));
        let names: Vec<_> = m.files.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["b", "c", "d"], "11-10 is within 11-10..11-12");
        assert!(!keep_newest(&mut m, 3), "nothing more to drop");
    }

    #[test]
    fn day_names() {
        assert_eq!(day_name(0), "1970-01-01");
        assert_eq!(day_name(20_782), "2026-11-25");
    }

    #[test]
    fn a_newer_format_is_refused() {
        let p = Path::new("m.json");
        let err = parse_manifest(p, br#"{"format": 2, "generation": 1, "files": []}"#);
        assert!(matches!(err, Err(Error::StoreFormat { found: 2, .. })));
        assert!(matches!(
            parse_manifest(p, b"{"),
            Err(Error::StoreManifest(..))
        ));
        let ok = parse_manifest(p, br#"{"format": 1, "generation": 4, "files": []}"#);
        assert_eq!(ok.map(|m| m.generation).ok(), Some(4));
    }
}
