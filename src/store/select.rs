//! Which of the files a run was given it must read to keep the store exact: the files
//! new or changed since the store last saw them, and the stored neighbours they share
//! sessions with.
//!
//! Within a folder (identity folder, files in natural name order) a session can run from
//! one file into the next. So a changed file also re-reads the stored file before it
//! while that one left sessions open at its end (and, further back, only while those
//! same sessions were open there too); a new file re-reads the stored files after it
//! (logs fed out of order). A file read without the stored file before it is told that
//! file's open sessions: their continuations belong to it and are already stored.

use rustc_hash::{FxHashMap, FxHashSet};

use super::manifest::{FileEntry, Fingerprint, Identity, Manifest};
use crate::collect::OpenKey;
use crate::error::Error;
use crate::input::{natural_cmp, LogFile, Source};

/// The files to read and what the store keeps for each.
#[derive(Debug, Default)]
pub struct Selection {
    /// Indices into the run's files, in order.
    pub read: Vec<usize>,
    /// Identity and fingerprint of each file to read whose fingerprint could be taken.
    stored_as: FxHashMap<usize, (Identity, Fingerprint)>,
    /// Per file to read: the open sessions of the stored, unread file before it.
    pub foreign: Vec<(usize, Vec<OpenKey>)>,
}

impl Selection {
    /// The files read whose contribution goes into the store, with their identity.
    pub fn to_store(&self) -> impl Iterator<Item = (usize, &(Identity, Fingerprint))> {
        (self.read.iter()).filter_map(|i| self.stored_as.get(i).map(|x| (*i, x)))
    }
}

/// One name in a folder: the file given now, the stored entry, or both.
struct Slot<'m> {
    name: String,
    given: Option<usize>,
    stored: Option<&'m FileEntry>,
}

/// The folders, each a list of slots in name order.
fn folders<'m>(ids: &[Option<Identity>], m: &'m Manifest) -> Vec<Vec<Slot<'m>>> {
    let mut by_folder: FxHashMap<&str, FxHashMap<&str, Slot<'m>>> = FxHashMap::default();
    for e in &m.files {
        let slot = Slot {
            name: e.name.clone(),
            given: None,
            stored: Some(e),
        };
        (by_folder.entry(&e.folder).or_default()).insert(&e.name, slot);
    }
    for (i, id) in ids.iter().enumerate() {
        let Some(id) = id else { continue };
        let folder = by_folder.entry(&id.folder).or_default();
        let slot = folder.entry(&id.name).or_insert_with(|| Slot {
            name: id.name.clone(),
            given: None,
            stored: None,
        });
        slot.given = Some(i);
    }
    let mut out: Vec<_> = (by_folder.into_iter())
        .map(|(f, slots)| {
            let mut v: Vec<_> = slots.into_values().collect();
            v.sort_by(|a, b| natural_cmp(&a.name, &b.name));
            (f, v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(b.0));
    out.into_iter().map(|(_, v)| v).collect()
}

fn keys(e: &FileEntry) -> FxHashSet<OpenKey> {
    e.open_at_end.iter().copied().collect()
}

/// Walks back from the changed slot `k`, adding the stored files its sessions may have
/// started in.
fn walk_back(slots: &[Slot], k: usize, read: &mut FxHashSet<usize>) {
    let mut concern: Option<FxHashSet<OpenKey>> = None;
    for slot in slots[..k].iter().rev() {
        let (Some(e), Some(i)) = (slot.stored, slot.given) else {
            break;
        };
        let open = keys(e);
        let still: FxHashSet<OpenKey> = match &concern {
            None => open,
            Some(c) => c.intersection(&open).copied().collect(),
        };
        if still.is_empty() || !read.insert(i) {
            break;
        }
        concern = Some(still);
    }
}

/// Walks forward from the new slot `k`: stored files after it were read without it.
fn walk_forward(slots: &[Slot], k: usize, read: &mut FxHashSet<usize>) {
    for slot in &slots[k + 1..] {
        let (Some(e), Some(i)) = (slot.stored, slot.given) else {
            break;
        };
        read.insert(i);
        if e.open_at_end.is_empty() {
            break;
        }
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
    let mut read: FxHashSet<usize> = (0..files.len()).filter(|i| changed(*i)).collect();
    let slots = folders(&ids, manifest);
    for folder in &slots {
        for (k, slot) in folder.iter().enumerate() {
            if !slot.given.is_some_and(changed) {
                continue;
            }
            walk_back(folder, k, &mut read);
            if slot.stored.is_none() {
                walk_forward(folder, k, &mut read);
            }
        }
    }
    for folder in &slots {
        for (k, slot) in folder.iter().enumerate().skip(1) {
            let (Some(i), prev) = (slot.given, &folder[k - 1]) else {
                continue;
            };
            let prev_read = prev.given.is_some_and(|p| read.contains(&p));
            if let (true, Some(e), false) = (read.contains(&i), prev.stored, prev_read) {
                sel.foreign.push((i, e.open_at_end.clone()));
            }
        }
    }
    let mut read: Vec<usize> = read.into_iter().collect();
    read.sort_unstable();
    Ok(sel.restrict(files, &read))
}

impl Selection {
    /// The files to read, and this selection with indices into them.
    fn restrict(mut self, files: &[LogFile], read: &[usize]) -> (Vec<LogFile>, Selection) {
        let new: FxHashMap<usize, usize> = read.iter().enumerate().map(|(n, i)| (*i, n)).collect();
        let out = Selection {
            read: (0..read.len()).collect(),
            stored_as: (read.iter().enumerate())
                .filter_map(|(n, i)| self.stored_as.remove(i).map(|x| (n, x)))
                .collect(),
            foreign: (self.foreign.into_iter())
                .filter_map(|(i, keys)| new.get(&i).map(|n| (*n, keys)))
                .collect(),
        };
        (read.iter().map(|i| files[*i].clone()).collect(), out)
    }
}
