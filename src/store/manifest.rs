//! The store's manifest: which log files fed which day partitions, how a file is
//! recognised when a later run sees it again, and the format a reader must understand.
//!
//! A file is known by its *identity* (its server folder, the Exchange log folders below
//! that, and its name, so the path a run was given does not matter) and checked by its
//! size and a hash of its first and last 64 KiB.

use std::hash::Hasher;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use rustc_hash::FxHasher;
use serde::{Deserialize, Serialize};

use crate::input::LogFile;

/// The format this build writes and reads. A manifest with a higher one is refused.
pub const FORMAT: u32 = 1;

/// Bytes hashed at each end of a file.
const EDGE: u64 = 64 * 1024;

/// The whole manifest (`DIR/manifest.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    pub format: u32,
    /// Bumped by every run that writes: partition files carry the generation that wrote
    /// them in their name, so a run never overwrites a file the manifest in place names.
    pub generation: u64,
    /// In identity order.
    pub files: Vec<FileEntry>,
}

/// One log file the store holds the sessions of.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    /// `server folder/kind folder`, e.g. `EX01/SmtpReceive`.
    pub folder: String,
    pub name: String,
    pub size: u64,
    /// FxHash of the first and the last 64 KiB, as 16 hex digits.
    pub head: String,
    pub tail: String,
    /// The generation whose partition files hold this file's sessions.
    pub generation: u64,
    /// The day partitions (`YYYY-MM-DD`) holding this file's sessions.
    pub days: Vec<String>,
    /// How many fragments of sessions that do not start and end in this file it holds
    /// (stitched with the other files' when the store is read).
    pub fragments: u64,
}

/// The folders of Exchange's own log layout (compared ignoring case): the folder above
/// the innermost run of them is the server's.
const LAYOUT: [&str; 11] = [
    "SmtpReceive",
    "SmtpSend",
    "ProtocolLog",
    "FrontEnd",
    "Hub",
    "Logs",
    "TransportRoles",
    "V14",
    "V15",
    "Exchange Server",
    "Microsoft",
];

/// Who a file is, whatever path names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Identity {
    pub folder: String,
    pub name: String,
}

impl Identity {
    /// The file's folder from its server folder down (`EX01/FrontEnd/ProtocolLog/
    /// SmtpReceive`: the nearest folder above Exchange's log folders, and those) and its
    /// name without `.gz` (a log compressed after an earlier run is the same log; its
    /// changed hash re-reads it).
    pub fn of(file: &LogFile) -> Identity {
        let parts = |s: &str| -> Vec<String> {
            (s.split(['/', '\\']))
                .filter(|p| !p.is_empty() && *p != ".")
                .map(str::to_string)
                .collect()
        };
        let folder = parts(&file.folder);
        let layout = |p: &String| LAYOUT.iter().any(|l| l.eq_ignore_ascii_case(p));
        let tail = folder.iter().rev().take_while(|p| layout(p)).count();
        let folder = folder[folder.len().saturating_sub(tail + 1)..].join("/");
        let name = parts(&file.label).pop().unwrap_or_default();
        let name = match name.strip_suffix(".gz") {
            Some(n) => n.to_string(),
            None => name,
        };
        Identity { folder, name }
    }

    /// The stable name of the file's partition files.
    pub fn id(&self) -> String {
        let mut h = FxHasher::default();
        h.write(self.folder.as_bytes());
        h.write_u8(0);
        h.write(self.name.as_bytes());
        format!("{:016x}", h.finish())
    }
}

impl FileEntry {
    pub fn identity(&self) -> Identity {
        Identity {
            folder: self.folder.clone(),
            name: self.name.clone(),
        }
    }
}

/// What a file on disk looks like now: size and edge hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    pub size: u64,
    pub head: String,
    pub tail: String,
}

fn hash_hex(bytes: &[u8]) -> String {
    let mut h = FxHasher::default();
    h.write(bytes);
    format!("{:016x}", h.finish())
}

impl Fingerprint {
    /// Reads the first and last 64 KiB of the file on disk (the archive, for a zip
    /// member, whose name is then part of the identity). `size` is the file's size as
    /// discovery saw it.
    pub fn of(path: &Path, size: u64) -> std::io::Result<Fingerprint> {
        let mut f = std::fs::File::open(path)?;
        let disk = f.metadata()?.len();
        let mut head = vec![0; disk.min(EDGE) as usize];
        f.read_exact(&mut head)?;
        let start = disk.saturating_sub(EDGE);
        f.seek(SeekFrom::Start(start))?;
        let mut tail = vec![0; (disk - start) as usize];
        f.read_exact(&mut tail)?;
        Ok(Fingerprint {
            size,
            head: hash_hex(&head),
            tail: hash_hex(&tail),
        })
    }

    /// Whether the stored file is this one, unchanged.
    pub fn same_as(&self, e: &FileEntry) -> bool {
        self.size == e.size && self.head == e.head && self.tail == e.tail
    }
}

impl Manifest {
    pub fn empty() -> Manifest {
        Manifest {
            format: FORMAT,
            ..Manifest::default()
        }
    }

    /// The entry of a file, by identity.
    pub fn entry(&self, id: &Identity) -> Option<&FileEntry> {
        (self.files.binary_search_by(|e| e.identity_cmp(id)).ok()).map(|i| &self.files[i])
    }

    /// Puts `e` in place of the entry of the same identity, or adds it.
    pub fn upsert(&mut self, e: FileEntry) {
        match self
            .files
            .binary_search_by(|x| x.identity_cmp(&e.identity()))
        {
            Ok(i) => self.files[i] = e,
            Err(i) => self.files.insert(i, e),
        }
    }

    /// The newest day any file fed.
    pub fn newest_day(&self) -> Option<&str> {
        (self.files.iter().flat_map(|e| e.days.iter()))
            .max()
            .map(String::as_str)
    }
}

impl FileEntry {
    fn identity_cmp(&self, id: &Identity) -> std::cmp::Ordering {
        (self.folder.as_str(), self.name.as_str()).cmp(&(id.folder.as_str(), id.name.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::Source;

    fn log(label: &str, folder: &str) -> LogFile {
        LogFile {
            path: label.into(),
            label: label.into(),
            folder: folder.into(),
            source: Source::Plain,
            size: 1,
        }
    }

    #[test]
    fn identity_ignores_the_path_given() {
        let a = log(
            "/mnt/a/EX01/Hub/ProtocolLog/SmtpReceive/RECV1.LOG",
            "/mnt/a/EX01/Hub/ProtocolLog/SmtpReceive",
        );
        let b = log(
            "EX01/Hub/ProtocolLog/SmtpReceive/RECV1.LOG.gz",
            "./EX01/Hub/ProtocolLog/SmtpReceive",
        );
        let c = log(
            "C:\\x\\EX01\\Hub\\ProtocolLog\\SmtpReceive\\RECV1.LOG",
            "C:\\x\\EX01\\Hub\\ProtocolLog\\SmtpReceive",
        );
        let want = Identity {
            folder: "EX01/Hub/ProtocolLog/SmtpReceive".into(),
            name: "RECV1.LOG".into(),
        };
        assert_eq!(Identity::of(&a), want);
        assert_eq!(Identity::of(&b), want);
        assert_eq!(Identity::of(&c), want);
        let other = log(
            "/mnt/a/EX02/Hub/ProtocolLog/SmtpReceive/RECV1.LOG",
            "/mnt/a/EX02/Hub/ProtocolLog/SmtpReceive",
        );
        assert_ne!(Identity::of(&other).id(), want.id());
    }

    #[test]
    fn entries_stay_sorted_and_unique() {
        let mut m = Manifest::empty();
        let e = |name: &str, size| FileEntry {
            folder: "EX01/SmtpReceive".into(),
            name: name.into(),
            size,
            head: String::new(),
            tail: String::new(),
            generation: 1,
            days: vec!["2024-01-02".into()],
            fragments: 0,
        };
        m.upsert(e("b", 1));
        m.upsert(e("a", 1));
        m.upsert(e("b", 2));
        let names: Vec<_> = m.files.iter().map(|f| (f.name.as_str(), f.size)).collect();
        assert_eq!(names, [("a", 1), ("b", 2)]);
        assert_eq!(m.entry(&e("b", 0).identity()).map(|f| f.size), Some(2));
        assert_eq!(m.newest_day(), Some("2024-01-02"));
    }

    #[test]
    fn a_grown_file_is_not_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![b'x'; 100_000]).unwrap();
        let a = Fingerprint::of(&p, 100_000).unwrap();
        std::fs::write(&p, vec![b'x'; 100_001]).unwrap();
        let b = Fingerprint::of(&p, 100_001).unwrap();
        assert_eq!(a.head, b.head, "same beginning");
        assert_ne!(a.size, b.size);
    }
}
