//! Which of the files a run was given it must read: those new or changed since the store
//! last saw them (another size, or other first or last 64 KiB). A session that runs from
//! one file into another needs no neighbour re-read: each file's part of it is stored.

use rustc_hash::{FxHashMap, FxHashSet};

use super::manifest::{Fingerprint, Identity, Manifest};
use crate::error::Error;
use crate::input::{LogFile, Source};

/// The files to read and what the store keeps for each.
#[derive(Debug, Default)]
pub struct Selection {
    /// Indices into the run's files, in order.
    pub read: Vec<usize>,
    /// Identity and fingerprint of each file to read whose fingerprint could be taken.
    stored_as: FxHashMap<usize, (Identity, Fingerprint)>,
}

impl Selection {
    /// The files read whose contribution goes into the store, with their identity.
    pub fn to_store(&self) -> impl Iterator<Item = (usize, &(Identity, Fingerprint))> {
        (self.read.iter()).filter_map(|i| self.stored_as.get(i).map(|x| (*i, x)))
    }
}

/// Decides what to read of `files` given what `manifest` holds: the files to read, in
/// order, and the selection with indices into them.
pub fn select(files: &[LogFile], manifest: &Manifest) -> Result<(Vec<LogFile>, Selection), Error> {
    let mut sel = Selection::default();
    let mut ids = Vec::with_capacity(files.len());
    let mut seen = FxHashSet::default();
    let mut copies = FxHashSet::default();
    for (i, f) in files.iter().enumerate() {
        if f.source == Source::Stdin {
            return Err(Error::StoreStdin);
        }
        let id = Identity::of(f);
        if !seen.insert(id.clone()) {
            // A second file of one identity (two copies of a folder): the first counts.
            copies.insert(i);
            ids.push(None);
            continue;
        }
        // A file whose ends cannot be read is read anyway: the reading reports why.
        match Fingerprint::of(&f.path, f.size) {
            Ok(print) => {
                sel.stored_as.insert(i, (id.clone(), print));
                ids.push(Some(id));
            }
            Err(_) => ids.push(None),
        }
    }
    let changed = |i: usize| match (sel.stored_as.get(&i), &ids[i]) {
        (Some((_, print)), Some(id)) => !manifest.entry(id).is_some_and(|e| print.same_as(e)),
        _ => !copies.contains(&i),
    };
    let read: Vec<usize> = (0..files.len()).filter(|i| changed(*i)).collect();
    Ok(sel.restrict(files, &read))
}

impl Selection {
    /// The files to read, and this selection with indices into them.
    fn restrict(mut self, files: &[LogFile], read: &[usize]) -> (Vec<LogFile>, Selection) {
        let out = Selection {
            read: (0..read.len()).collect(),
            stored_as: (read.iter().enumerate())
                .filter_map(|(n, i)| self.stored_as.remove(i).map(|x| (n, x)))
                .collect(),
        };
        (read.iter().map(|i| files[*i].clone()).collect(), out)
    }
}
