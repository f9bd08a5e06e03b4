//! Finding the log files under the paths given, and turning them into units of work:
//! plain files (large ones split at line ends), `.gz` files and `.zip` members.
//!
//! Files are recognised by their content, never by their name: archives by their magic
//! bytes, protocol logs by their header (see [`detect`]).

pub mod detect;
pub mod read;

use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// How a file's bytes are reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Plain,
    Gzip,
    /// Member `index` of the zip archive at the file's `path`.
    ZipMember {
        index: usize,
    },
}

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
    /// Every input file on disk, canonicalised: outputs must not overwrite them.
    pub input_paths: HashSet<PathBuf>,
}

const GZIP_MAGIC: &[u8] = &[0x1f, 0x8b];
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";

/// A sort key comparing runs of digits by value.
pub fn natural_key(s: &str) -> Vec<(u8, u64, String)> {
    let mut key = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_digit() {
            let mut n = String::new();
            while let Some(&d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                n.push(d);
                chars.next();
            }
            // Leading zeros (hour 08) still order by value; the text breaks ties.
            key.push((0, n.parse().unwrap_or(u64::MAX), n));
        } else {
            let mut t = String::new();
            while let Some(&d) = chars.peek().filter(|d| !d.is_ascii_digit()) {
                t.push(d.to_ascii_lowercase());
                chars.next();
            }
            key.push((1, 0, t));
        }
    }
    key
}

fn parent_label(path: &Path) -> String {
    path.parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn magic(path: &Path) -> std::io::Result<[u8; 4]> {
    let mut buf = [0u8; 4];
    let mut f = File::open(path)?;
    let mut got = 0;
    while got < 4 {
        let n = f.read(&mut buf[got..])?;
        if n == 0 {
            break;
        }
        got += n;
    }
    Ok(buf)
}

impl Discovery {
    /// Walks `paths` (files and directories, recursively, following links once).
    pub fn walk(paths: &[PathBuf]) -> Discovery {
        let mut d = Discovery::default();
        let mut seen_dirs = HashSet::new();
        for p in paths {
            d.visit(p, &mut seen_dirs, true);
        }
        let mut keyed: Vec<_> = d
            .files
            .drain(..)
            .map(|f| ((natural_key(&f.folder), natural_key(&f.label)), f))
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        d.files = keyed.into_iter().map(|(_, f)| f).collect();
        d
    }

    fn visit(&mut self, path: &Path, seen_dirs: &mut HashSet<(u64, u64)>, top: bool) {
        let meta = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) => {
                self.errors.push(format!("{}: {}", path.display(), e));
                return;
            }
        };
        if meta.is_dir() {
            #[cfg(unix)]
            {
                use std::os::unix::fs::MetadataExt;
                // A directory met twice (a symlink loop, or a link to a folder already
                // read) is read once.
                if !seen_dirs.insert((meta.dev(), meta.ino())) {
                    if !top {
                        self.errors.push(format!(
                            "{}: directory already read (symlink loop?), skipped",
                            path.display()
                        ));
                    }
                    return;
                }
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
                self.visit(&c, seen_dirs, false);
            }
        } else if meta.is_file() {
            self.add_file(path, meta.len());
        }
    }

    fn add_file(&mut self, path: &Path, size: u64) {
        if let Ok(c) = path.canonicalize() {
            self.input_paths.insert(c);
        }
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
        names.sort_by_key(|n| natural_key(n));
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
}
