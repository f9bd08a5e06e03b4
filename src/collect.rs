//! Mergeable partial aggregates: what the files add up to, folded while they stream.
//!
//! A `Partial` grows with the *variety* of the traffic (peers × outcomes × days), not
//! with its volume: a finished session is folded into counts and dropped. Partials merge
//! associatively and commutatively, so rayon's map/reduce gives the same totals for any
//! thread count and any file order; every list that reaches a report is sorted first.

use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::parse::endpoint::Address;
use crate::parse::header::LogKind;
use crate::parse::time::{day_of, Millis};
use crate::session::{Session, SessionFacts};
use crate::tls::TlsOutcome;

/// Who a session talked to, before we know whether that is a partner or one of our own
/// servers (that needs every file's local endpoints, so it is decided in the report).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Peer {
    pub kind: LogKind,
    pub remote: Option<Address>,
    /// The remote's host name, lower-case, without a trailing dot.
    pub host: Option<Box<str>>,
    pub anonymous_tls: bool,
}

/// One cell of the aggregate table.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub peer: Peer,
    pub outcome: TlsOutcome,
    /// Days since the epoch of the session's first row (`None`: no valid timestamp).
    pub day: Option<i32>,
}

/// The counts in a cell.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub sessions: u64,
    pub messages: u64,
    pub weak: u64,
    pub first: Option<Millis>,
    pub last: Option<Millis>,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.sessions += o.sessions;
        self.messages += o.messages;
        self.weak += o.weak;
        self.first = match (self.first, o.first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = self.last.max(o.last);
    }
}

/// Where a session is, for stitching: the same session-id in the same folder and log kind
/// is the same session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FragmentKey {
    pub folder: u32,
    pub kind: LogKind,
    pub session: u64,
}

/// Part of a session, waiting for the rest of it.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// How many stretches it was read from.
    pub pieces: u32,
    pub facts: SessionFacts,
}

/// Damage found in the input, located well enough to find it again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: u32,
    pub chunk: u32,
    /// 1-based line within the chunk (made absolute by [`Partial::problems_located`]).
    pub line: u64,
    /// Byte offset of the line within the file.
    pub byte: u64,
    pub what: String,
}

/// How many of each kind of problem a partial keeps verbatim (all are counted).
pub const PROBLEM_SAMPLES: usize = 20;

/// Run totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub files_read: u64,
    pub files_skipped: u64,
    pub files_unreadable: u64,
    pub bytes: u64,
    pub rows: u64,
    pub malformed_rows: u64,
    pub sessions: u64,
    /// Sessions whose rows came from more than one file or chunk.
    pub stitched_sessions: u64,
    /// Sessions missing their first (sequence 0) or last (disconnect) row.
    pub partial_sessions: u64,
}

impl std::ops::AddAssign<&Stats> for Stats {
    fn add_assign(&mut self, o: &Stats) {
        self.files_read += o.files_read;
        self.files_skipped += o.files_skipped;
        self.files_unreadable += o.files_unreadable;
        self.bytes += o.bytes;
        self.rows += o.rows;
        self.malformed_rows += o.malformed_rows;
        self.sessions += o.sessions;
        self.stitched_sessions += o.stitched_sessions;
        self.partial_sessions += o.partial_sessions;
    }
}

/// Everything a set of files adds up to.
#[derive(Debug, Default)]
pub struct Partial {
    pub cells: FxHashMap<Cell, Counts>,
    /// Mail domains per peer, with the number of sessions that carried each.
    pub domains: FxHashMap<Peer, FxHashMap<Box<str>, u64>>,
    /// Every address seen as a local endpoint: these are the organisation's servers.
    pub local_addresses: FxHashSet<Address>,
    /// Server names from receive connector ids, by local address.
    pub server_names: FxHashMap<Address, Arc<str>>,
    /// Sessions per (own server, log kind, outcome column).
    pub servers: FxHashMap<(Arc<str>, LogKind, &'static str), u64>,
    /// Sessions not (yet) known to be whole, waiting for their other fragments. A session
    /// is folded as soon as its first and last rows are both in: memory holds only the
    /// sessions still open at the edges of what was read, not every cut session.
    pub fragments: FxHashMap<FragmentKey, Fragment>,
    pub stats: Stats,
    /// Lines per (file, chunk), to turn chunk-relative line numbers into file lines.
    pub chunk_lines: Vec<(u32, u32, u64)>,
    pub problems: Vec<Problem>,
    /// Messages about whole files (`path: message`), in file order.
    pub warnings: Vec<(u32, String)>,
}

/// Lower-case, no trailing dot: `MAIL.Globex.co.uk.` → `mail.globex.co.uk`.
pub fn normalise_host(host: &str) -> Box<str> {
    normalise_host_owned(host.into())
}

/// [`normalise_host`] in place, allocating only to drop a trailing dot.
pub fn normalise_host_owned(mut host: Box<str>) -> Box<str> {
    host.make_ascii_lowercase();
    if host.ends_with('.') {
        host.trim_end_matches('.').into()
    } else {
        host
    }
}

impl Partial {
    /// Folds a finished session into the counts.
    pub fn add_session(&mut self, s: Session) {
        self.stats.sessions += 1;
        if let Some(local) = &s.local {
            if !self.local_addresses.contains(local) {
                self.local_addresses.insert(local.clone());
            }
            if let Some(server) = &s.server {
                self.server_names
                    .entry(local.clone())
                    .or_insert_with(|| server.clone());
            }
        }
        let server_label: Arc<str> = match (&s.server, &s.local) {
            (Some(name), _) => name.clone(),
            (None, Some(addr)) => addr.to_string().into(),
            (None, None) => "?".into(),
        };
        *self
            .servers
            .entry((server_label, s.kind, s.outcome.column()))
            .or_default() += 1;

        let peer = Peer {
            kind: s.kind,
            remote: s.remote,
            host: s.host.map(normalise_host_owned),
            anonymous_tls: s.anonymous_tls,
        };
        let weak = matches!(&s.outcome, TlsOutcome::Negotiated(_, c) if c.is_weak());
        if !s.domains.is_empty() {
            // Look up before cloning the key: most sessions come from a known peer.
            let d = match self.domains.get_mut(&peer) {
                Some(d) => d,
                None => self.domains.entry(peer.clone()).or_default(),
            };
            for domain in s.domains {
                *d.entry(domain).or_default() += 1;
            }
        }
        *self
            .cells
            .entry(Cell {
                peer,
                outcome: s.outcome,
                day: s.first.map(day_of),
            })
            .or_default() += Counts {
            sessions: 1,
            messages: u64::from(s.messages),
            weak: u64::from(weak),
            first: s.first,
            last: s.last,
        };
    }

    /// Folds another partial into this one.
    pub fn merge(&mut self, o: Partial) {
        for (k, v) in o.cells {
            *self.cells.entry(k).or_default() += v;
        }
        for (peer, ds) in o.domains {
            let mine = self.domains.entry(peer).or_default();
            for (d, n) in ds {
                *mine.entry(d).or_default() += n;
            }
        }
        self.local_addresses.extend(o.local_addresses);
        for (addr, name) in o.server_names {
            // Keep the smallest name so the result does not depend on merge order.
            match self.server_names.get_mut(&addr) {
                Some(mine) if *mine <= name => {}
                Some(mine) => *mine = name,
                None => {
                    self.server_names.insert(addr, name);
                }
            }
        }
        for (k, v) in o.servers {
            *self.servers.entry(k).or_default() += v;
        }
        for (key, f) in o.fragments {
            self.add_fragment(key, f);
        }
        self.stats += &o.stats;
        self.chunk_lines.extend(o.chunk_lines);
        self.problems.extend(o.problems);
        self.warnings.extend(o.warnings);
    }

    /// Adds a fragment of a session, merging it with what is known of that session and
    /// folding the session into the counts once its first and last rows are both in.
    ///
    /// Files are read in contiguous runs and partials merged with their neighbours, so the
    /// fragments between a session's first and last are always merged before both ends
    /// meet; merging itself does not depend on order (see [`SessionFacts::merge`]).
    pub fn add_fragment(&mut self, key: FragmentKey, f: Fragment) {
        match self.fragments.entry(key) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(f);
            }
            std::collections::hash_map::Entry::Occupied(mut o) => {
                let mine = o.get_mut();
                mine.facts.merge(f.facts);
                mine.pieces += f.pieces;
                if mine.facts.is_complete() {
                    let done = o.remove();
                    self.stats.stitched_sessions += 1;
                    self.add_session(done.facts.finish(key.kind));
                }
            }
        }
    }

    /// Folds the sessions still waiting for fragments (cut by a missing file, or never
    /// ended). Runs once, after every file is read.
    pub fn stitch(&mut self) {
        let mut rest: Vec<_> = std::mem::take(&mut self.fragments).into_iter().collect();
        rest.sort_by_key(|(k, _)| *k);
        for (key, f) in rest {
            if f.pieces > 1 {
                self.stats.stitched_sessions += 1;
            }
            if !f.facts.is_complete() {
                self.stats.partial_sessions += 1;
            }
            self.add_session(f.facts.finish(key.kind));
        }
    }

    /// Problems with file-absolute line numbers, in file order.
    pub fn problems_located(&self) -> Vec<Problem> {
        let mut lines = self.chunk_lines.clone();
        lines.sort();
        let mut offset: FxHashMap<(u32, u32), u64> = FxHashMap::default();
        let mut running: Option<(u32, u64)> = None;
        for (file, chunk, n) in lines {
            let before = match running {
                Some((f, total)) if f == file => total,
                _ => 0,
            };
            offset.insert((file, chunk), before);
            running = Some((file, before + n));
        }
        let mut out: Vec<Problem> = self
            .problems
            .iter()
            .map(|p| Problem {
                line: p.line + offset.get(&(p.file, p.chunk)).copied().unwrap_or(0),
                chunk: 0,
                ..p.clone()
            })
            .collect();
        out.sort();
        out
    }
}
