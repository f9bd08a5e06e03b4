//! Finding the log files under the paths given, and turning them into units of work:
//! plain files (large ones split at line ends), `.gz` files and `.zip` members.
//!
//! Files are recognised by their content, never by their name: archives by their magic
//! bytes, protocol logs by their header (see [`detect`]). The path `-` is standard input:
//! one log, plain or gzip, read as a stream.

pub mod detect;
pub mod read;

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

/// How a file's bytes are reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Plain,
    Gzip,
    /// Member `index` of the zip archive at the file's `path`.
    ZipMember {
        index: usize,
    },
    /// Standard input (the path `-`): plain or gzip, told apart as it is read.
    Stdin,
}

/// The path that names standard input.
pub const STDIN_PATH: &str = "-";
/// What standard input is called in messages and `file:line` problems.
pub const STDIN_LABEL: &str = "<stdin>";

/// One file to read (a file on disk, or one member of a zip archive).
#[derive(Debug, Clone)]
pub struct LogFile {
    /// The file on disk (the archive, for a zip member).
    pub path: PathBuf,
    /// What the user sees: the path, or `archive.zip/member/path`.
    pub label: String,
    /// Sessions are stitched within a folder: the directory of the file or member,
    /// with `.gz` files standing for the file they compress.
    pub folder: String,
    pub source: Source,
    pub size: u64,
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// In a fixed order: by folder, then by name with numbers compared as numbers
    /// (`-10` after `-9`).
    pub files: Vec<LogFile>,
    /// `path: message` for what could not be read.
    pub errors: Vec<String>,
    /// Every input file on disk: outputs must not overwrite them.
    pub input_ids: HashSet<FileId>,
}

/// What identifies a file on disk whatever path names it (a link, `..`): device and inode
/// on Unix, read from the metadata discovery has anyway; the canonical path elsewhere.
#[cfg(unix)]
pub type FileId = (u64, u64);
#[cfg(not(unix))]
pub type FileId = PathBuf;

#[cfg(unix)]
fn file_id(_path: &Path, meta: &std::fs::Metadata) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path, _meta: &std::fs::Metadata) -> Option<FileId> {
    path.canonicalize().ok()
}

/// The identity of the file at `path`, if one is there.
pub fn file_id_of(path: &Path) -> Option<FileId> {
    file_id(path, &std::fs::metadata(path).ok()?)
}

pub(crate) const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
pub(crate) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// Runs of digits and runs of other characters, in order.
fn runs(s: &str) -> impl Iterator<Item = &str> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let digits = rest.as_bytes().first()?.is_ascii_digit();
        let end = (rest.bytes())
            .position(|b| b.is_ascii_digit() != digits)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        rest = tail;
        Some(run)
    })
}

/// Natural order: runs of digits compare by value (hour `8` before hour `10`, leading
/// zeros and all, the digits themselves breaking ties), other runs case-insensitively,
/// and a digit run before any other. Compares in place: a tree of thousands of hourly
/// files is sorted without a key per file.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let value = |run: &str| run.parse::<u64>().unwrap_or(u64::MAX);
    let mut a = runs(a);
    let mut b = runs(b);
    loop {
        let (x, y) = match (a.next(), b.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => (x, y),
        };
        let (xd, yd) = (
            x.as_bytes()[0].is_ascii_digit(),
            y.as_bytes()[0].is_ascii_digit(),
        );
        let order = match (xd, yd) {
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (true, true) => value(x).cmp(&value(y)).then_with(|| x.cmp(y)),
            (false, false) => (x.chars().map(|c| c.to_ascii_lowercase()))
                .cmp(y.chars().map(|c| c.to_ascii_lowercase())),
        };
        if order != Ordering::Equal {
            return order;
        }
    }
}

fn parent_label(path: &Path) -> String {
    path.parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads until `buf` is full or the input ends; how many bytes it holds.
pub(crate) fn read_full(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn magic(path: &Path) -> std::io::Result<[u8; 4]> {
    let mut buf = [0u8; 4];
    read_full(&mut File::open(path)?, &mut buf)?;
    Ok(buf)
}

impl Discovery {
    /// Walks `paths` (files and directories, recursively, following links once; `-` is
    /// standard input).
    pub fn walk(paths: &[PathBuf]) -> Discovery {
        let mut d = Discovery::default();
        let mut seen_dirs = HashSet::new();
        let mut found = Vec::new();
        for p in paths {
            if p.as_os_str() == STDIN_PATH {
                d.add_stdin();
            } else {
                d.visit(p, &mut seen_dirs, true, &mut found);
            }
        }
        // Opening every file to tell plain, gzip and zip apart is most of the walk's work:
        // done in parallel (in order, so errors keep the tree's order).
        let classified = found
            .into_par_iter()
            .fold(Discovery::default, |mut d, (path, size)| {
                d.add_file(&path, size);
                d
            })
            .reduce(Discovery::default, |mut a, b| {
                a.files.extend(b.files);
                a.errors.extend(b.errors);
                a
            });
        d.files.extend(classified.files);
        d.errors.extend(classified.errors);
        d.files.sort_by(|a, b| {
            natural_cmp(&a.folder, &b.folder).then_with(|| natural_cmp(&a.label, &b.label))
        });
        d
    }

    /// `-`: standard input, read once however often it is named. A terminal is refused:
    /// the run would wait for a log typed by hand.
    fn add_stdin(&mut self) {
        if self.files.iter().any(|f| f.source == Source::Stdin) {
            return;
        }
        if std::io::stdin().is_terminal() {
            self.errors.push(format!(
                "{STDIN_LABEL}: is a terminal; pipe a log in \
                 (zcat RECV2026112514-1.LOG.gz | smtptls analyze -)"
            ));
            return;
        }
        self.files.push(LogFile {
            path: PathBuf::from(STDIN_PATH),
            label: STDIN_LABEL.to_string(),
            folder: STDIN_LABEL.to_string(),
            source: Source::Stdin,
            size: 0,
        });
    }

    /// Walks `path`: directories are read here, files are noted in `found` with their
    /// size (and their identity, so outputs never overwrite them).
    fn visit(
        &mut self,
        path: &Path,
        seen_dirs: &mut HashSet<FileId>,
        top: bool,
        found: &mut Vec<(PathBuf, u64)>,
    ) {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.errors.push(format!("{}: {}", path.display(), e));
                return;
            }
        };
        if meta.is_dir() {
            // A directory met twice (a symlink loop, a junction on Windows, or a link to
            // a folder already read) is read once. Its identity is the one outputs are
            // checked against: device and inode on Unix, the canonical path elsewhere.
            let first_visit = file_id(path, &meta).is_none_or(|id| seen_dirs.insert(id));
            if !first_visit {
                if !top {
                    self.errors.push(format!(
                        "{}: directory already read (symlink loop?), skipped",
                        path.display()
                    ));
                }
                return;
            }
            let entries = match std::fs::read_dir(path) {
                Ok(e) => e,
                Err(e) => {
                    self.errors.push(format!("{}: {}", path.display(), e));
                    return;
                }
            };
            let mut children: Vec<PathBuf> = Vec::new();
            for entry in entries {
                match entry {
                    Ok(e) => children.push(e.path()),
                    Err(e) => self.errors.push(format!("{}: {}", path.display(), e)),
                }
            }
            children.sort();
            for c in children {
                self.visit(&c, seen_dirs, false, found);
            }
        } else if meta.is_file() {
            if let Some(id) = file_id(path, &meta) {
                self.input_ids.insert(id);
            }
            found.push((path.to_path_buf(), meta.len()));
        }
    }

    /// A file found by the walk, told apart by its first bytes: gzip, zip (each member
    /// becomes a file) or plain.
    fn add_file(&mut self, path: &Path, size: u64) {
        let label = path.to_string_lossy().into_owned();
        let m = match magic(path) {
            Ok(m) => m,
            Err(e) => {
                self.errors.push(format!("{label}: {e}"));
                return;
            }
        };
        if m.starts_with(GZIP_MAGIC) {
            self.files.push(LogFile {
                path: path.to_path_buf(),
                folder: parent_label(path),
                label,
                source: Source::Gzip,
                size,
            });
        } else if m.starts_with(ZIP_MAGIC) {
            self.add_zip(path, label);
        } else {
            self.files.push(LogFile {
                path: path.to_path_buf(),
                folder: parent_label(path),
                label,
                source: Source::Plain,
                size,
            });
        }
    }

    fn add_zip(&mut self, path: &Path, label: String) {
        let archive = File::open(path)
            .map_err(zip::result::ZipError::Io)
            .and_then(zip::ZipArchive::new);
        let mut archive = match archive {
            Ok(a) => a,
            Err(e) => {
                self.errors
                    .push(format!("{label}: not a readable zip archive: {e}"));
                return;
            }
        };
        for index in 0..archive.len() {
            let entry = match archive.by_index_raw(index) {
                Ok(e) => e,
                Err(e) => {
                    self.errors.push(format!("{label}: member {index}: {e}"));
                    continue;
                }
            };
            if entry.is_dir() {
                continue;
            }
            let name = entry.name().replace('\\', "/");
            let member = Path::new(&name);
            let folder = match member.parent().map(|p| p.to_string_lossy().into_owned()) {
                Some(p) if !p.is_empty() => format!("{label}/{p}"),
                _ => label.clone(),
            };
            self.files.push(LogFile {
                path: path.to_path_buf(),
                label: format!("{label}/{name}"),
                folder,
                source: Source::ZipMember { index },
                size: entry.size(),
            });
        }
    }
}

/// Folder labels → dense ids, in sorted order.
pub fn folder_ids(files: &[LogFile]) -> Vec<u32> {
    let mut ids: BTreeMap<&str, u32> = BTreeMap::new();
    for f in files {
        let n = ids.len() as u32;
        ids.entry(&f.folder).or_insert(n);
    }
    files.iter().map(|f| ids[f.folder.as_str()]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_of_rollovers() {
        let mut names = vec![
            "RECV2026112514-10.LOG",
            "RECV2026112514-9.LOG",
            "RECV2026112515-1.LOG",
            "RECV2026112514-1.LOG",
        ];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            vec![
                "RECV2026112514-1.LOG",
                "RECV2026112514-9.LOG",
                "RECV2026112514-10.LOG",
                "RECV2026112515-1.LOG"
            ]
        );
    }

    #[test]
    fn natural_cmp_rules() {
        use std::cmp::Ordering::*;
        assert_eq!(
            natural_cmp("EX2", "ex10"),
            Less,
            "digits by value, letters by case"
        );
        assert_eq!(
            natural_cmp("h08", "h8"),
            Less,
            "equal values: the digits break the tie"
        );
        assert_eq!(
            natural_cmp("a1", "a"),
            Greater,
            "a longer name after its prefix"
        );
        assert_eq!(
            natural_cmp("1x", "x"),
            Less,
            "a digit run before a letter run"
        );
        assert_eq!(natural_cmp("RECV-1.LOG", "recv-1.log"), Equal);
        assert_eq!(natural_cmp("", ""), Equal);
        assert_eq!(
            natural_cmp("9".repeat(30).as_str(), "10"),
            Greater,
            "overflow sorts last"
        );
        assert_eq!(
            natural_cmp("é2", "É10"),
            Greater,
            "non-ASCII compared as is"
        );
    }
}
