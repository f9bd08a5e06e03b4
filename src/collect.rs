//! Mergeable partial aggregates: what the files add up to, folded while they stream.
//!
//! A `Partial` grows with the *variety* of the traffic (peers × outcomes, and days only
//! when an output asks for them), not with its volume: a finished session is folded into
//! counts and dropped. Peers, outcomes and mail domains are interned once per partial and
//! the tables hold their ids, so a cell costs a few dozen bytes whatever its names.
//! Partials merge associatively and commutatively, so rayon's map/reduce gives the same
//! totals for any thread count and any file order; ids are private to a partial (merging
//! translates them) and every list that reaches a report is sorted by name first.

use std::hash::Hash;
use std::sync::Arc;

use rustc_hash::{FxBuildHasher, FxHashMap, FxHashSet};

use crate::input::detect::SkipKind;
use crate::outcome::Outcome;
use crate::parse::endpoint::Address;
use crate::parse::header::LogKind;
use crate::parse::time::{day_of, Millis};
use crate::session::{normalise_host_owned, Session, SessionFacts, Signs};
use crate::tls::TlsOutcome;

/// Who a session talked to, before we know whether that is a partner or one of our own
/// servers (that needs every file's local endpoints, so it is decided in the report).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Peer {
    pub kind: LogKind,
    pub remote: Option<Address>,
    /// The remote's host name, lower-case, without a trailing dot.
    pub host: Option<Box<str>>,
    pub signs: Signs,
}

/// One of our own servers as its sessions show it: by the server name in a receive
/// connector's id, else (send logs name none) by its local address, named in the report
/// when a receive log gave that address a name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OwnServer {
    Named(Arc<str>),
    Address(Address),
    Unknown,
}

/// Distinct values, each known by its insertion index.
pub type Interned<T> = indexmap::IndexSet<T, FxBuildHasher>;

/// The id of a value in a partial's [`Interned`] set.
pub type Id = u32;

/// The value's id, inserting it if it is new.
fn intern<T: Hash + Eq>(set: &mut Interned<T>, value: T) -> Id {
    set.insert_full(value).0 as Id
}

/// One cell of the aggregate table, by the ids of its partial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cell {
    pub peer: Id,
    pub outcome: Id,
    /// Days since the epoch of the session's first row (`None`: no valid timestamp, or the
    /// partial does not keep days).
    pub day: Option<i32>,
}

/// A cell with its peer and outcome looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCell<'p> {
    pub peer_id: Id,
    pub peer: &'p Peer,
    pub outcome: &'p TlsOutcome,
    pub day: Option<i32>,
    pub counts: Counts,
}

/// The counts in a cell: 40 bytes, the times kept without `Option`'s tag, since an Edge's
/// million scanner cells live in hash tables that double.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub sessions: u64,
    pub messages: u64,
    pub weak: u64,
    /// The earliest first row of its sessions; `Millis::MAX` while none had a time.
    first: Millis,
    /// The latest last row of its sessions; `Millis::MIN` while none had a time.
    last: Millis,
}

impl Default for Counts {
    fn default() -> Counts {
        Counts::new(0, 0, 0, None, None)
    }
}

impl Counts {
    pub fn new(
        sessions: u64,
        messages: u64,
        weak: u64,
        first: Option<Millis>,
        last: Option<Millis>,
    ) -> Counts {
        Counts {
            sessions,
            messages,
            weak,
            first: first.unwrap_or(Millis::MAX),
            last: last.unwrap_or(Millis::MIN),
        }
    }

    /// The earliest time its sessions showed, if any did.
    pub fn first(&self) -> Option<Millis> {
        (self.first != Millis::MAX).then_some(self.first)
    }

    /// The latest time its sessions showed, if any did.
    pub fn last(&self) -> Option<Millis> {
        (self.last != Millis::MIN).then_some(self.last)
    }
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, o: Counts) {
        self.sessions += o.sessions;
        self.messages += o.messages;
        self.weak += o.weak;
        // The sentinels are the identities of min and max.
        self.first = self.first.min(o.first);
        self.last = self.last.max(o.last);
    }
}

/// What a session did about TLS, for the fallback evidence (see [`Attempt`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Try {
    /// No TLS attempt, and the rows show it (outcome `cleartext`).
    Cleartext,
    /// STARTTLS (or X-ANONYMOUSTLS) that succeeded, with or without a logged version.
    Tls,
    /// A TLS attempt that failed.
    Failed,
    /// A failed TLS attempt that the remote ended by dropping the connection.
    Dropped,
}

impl Try {
    const ALL: [Try; 4] = [Try::Cleartext, Try::Tls, Try::Failed, Try::Dropped];

    /// What a session with this outcome tried; `None` for sessions whose rows do not
    /// show (cut sessions, port probes): they are no evidence of a retry either way.
    pub fn of(outcome: &TlsOutcome, dropped_handshake: bool) -> Option<Try> {
        match outcome {
            TlsOutcome::Cleartext => Some(Try::Cleartext),
            TlsOutcome::Negotiated(..) | TlsOutcome::Unknown => Some(Try::Tls),
            TlsOutcome::Failed if dropped_handshake => Some(Try::Dropped),
            TlsOutcome::Failed => Some(Try::Failed),
            TlsOutcome::Incomplete | TlsOutcome::NoConversation => None,
        }
    }

    /// The name the store writes: `cleartext`, `tls`, `failed`, `dropped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Try::Cleartext => "cleartext",
            Try::Tls => "tls",
            Try::Failed => "failed",
            Try::Dropped => "dropped",
        }
    }

    /// The attempt a name names.
    pub fn parse(name: &str) -> Option<Try> {
        Try::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// A failed handshake (dropped or not).
    pub fn failed(self) -> bool {
        matches!(self, Try::Failed | Try::Dropped)
    }
}

/// One session's place in time and what it tried: 16 bytes per session, kept because
/// which session follows a failed one (its retry, or none) is only known once every file
/// is read and every peer has its partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub start: Millis,
    pub peer: Id,
    /// The duration in ms (capped at [`Attempt::MAX_SPAN`]) in the low 30 bits, the
    /// [`Try`] in the top two.
    packed: u32,
}

impl Attempt {
    /// About 12 days: longer sessions are taken to end then.
    pub const MAX_SPAN: u32 = (1 << 30) - 1;

    pub fn new(peer: Id, start: Millis, end: Millis, what: Try) -> Attempt {
        let span =
            u32::try_from((end - start).max(0)).map_or(Self::MAX_SPAN, |s| s.min(Self::MAX_SPAN));
        Attempt {
            start,
            peer,
            packed: span | (what as u32) << 30,
        }
    }

    pub fn end(&self) -> Millis {
        self.start + Millis::from(self.packed & Self::MAX_SPAN)
    }

    pub fn what(&self) -> Try {
        Try::ALL[(self.packed >> 30) as usize]
    }
}

/// Where a session is, for stitching: the same session-id and remote endpoint in the same
/// folder and log kind is the same session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FragmentKey {
    pub folder: u32,
    pub kind: LogKind,
    pub session: u64,
    /// A hash of the remote endpoint: one session-id reused for another connection is
    /// another session.
    pub remote: u64,
}

/// Part of a session, waiting for the rest of it.
#[derive(Debug, Clone)]
pub struct Fragment {
    /// How many stretches it was read from.
    pub stretches: u32,
    pub facts: SessionFacts,
}

/// Adds `f` to what `map` knows of its session: merged with the fragments already in,
/// and taken out whole once the session's first and last rows are both in. The one
/// stitching rule, for the run's fragments and for the store's per-file ones.
fn fold_fragment<K: Hash + Eq>(
    map: &mut FxHashMap<K, Fragment>,
    key: K,
    f: Fragment,
) -> Option<Fragment> {
    use std::collections::hash_map::Entry;
    match map.entry(key) {
        Entry::Vacant(v) => {
            v.insert(f);
            None
        }
        Entry::Occupied(mut o) => {
            let mine = o.get_mut();
            mine.facts.merge(f.facts);
            mine.stretches += f.stretches;
            mine.facts.is_complete().then(|| o.remove())
        }
    }
}

/// Damage found in the input, located well enough to find it again.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: u32,
    pub stretch: u32,
    /// 1-based line within the stretch (made absolute by [`Partial::problems_located`]).
    pub line: u64,
    /// Byte offset of the line within the file.
    pub byte: u64,
    pub what: String,
}

/// How many malformed rows each stretch keeps verbatim, and the report shows (all are
/// counted): the first of each stretch, so the samples do not depend on threads.
pub const PROBLEM_SAMPLES: usize = 20;

/// Skipped files by kind; they add up to [`Stats::files_skipped`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Skipped([u64; SkipKind::ALL.len()]);

impl Skipped {
    pub fn add(&mut self, kind: SkipKind) {
        self.0[kind as usize] += 1;
    }

    pub fn get(&self, kind: SkipKind) -> u64 {
        self.0[kind as usize]
    }

    /// The kinds with their counts, those with none left out, in [`SkipKind::ALL`] order.
    pub fn counts(&self) -> impl Iterator<Item = (SkipKind, u64)> + '_ {
        (SkipKind::ALL.into_iter())
            .map(|k| (k, self.get(k)))
            .filter(|(_, n)| *n > 0)
    }
}

impl std::ops::AddAssign for Skipped {
    fn add_assign(&mut self, o: Skipped) {
        for (mine, theirs) in self.0.iter_mut().zip(o.0) {
            *mine += theirs;
        }
    }
}

/// Run totals.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub files_read: u64,
    pub files_skipped: u64,
    /// For the message when no protocol log is found; not in the JSON report, whose
    /// `totals` stay as they are.
    #[serde(skip)]
    pub skipped: Skipped,
    pub files_unreadable: u64,
    pub bytes: u64,
    pub rows: u64,
    pub malformed_rows: u64,
    pub sessions: u64,
    /// Sessions whose rows came from more than one file or stretch.
    pub stitched_sessions: u64,
    /// Sessions missing their first (sequence 0) or last (disconnect) row.
    pub partial_sessions: u64,
}

impl std::ops::AddAssign<&Stats> for Stats {
    fn add_assign(&mut self, o: &Stats) {
        self.files_read += o.files_read;
        self.files_skipped += o.files_skipped;
        self.skipped += o.skipped;
        self.files_unreadable += o.files_unreadable;
        self.bytes += o.bytes;
        self.rows += o.rows;
        self.malformed_rows += o.malformed_rows;
        self.sessions += o.sessions;
        self.stitched_sessions += o.stitched_sessions;
        self.partial_sessions += o.partial_sessions;
    }
}

/// What became of an input file; when its parts disagree (one stretch read, another
/// failed), the later fate in this order wins, so a file is counted once, in one class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileFate {
    /// Not a protocol log.
    Skipped,
    /// A protocol log, read.
    Read,
    /// A read failed (opening, the header, or part of the file).
    Unreadable,
}

/// Everything a set of files adds up to. Its fields are its own: the stages that fill it
/// and the report that consumes it go through the methods below.
#[derive(Debug, Default)]
pub struct Partial {
    /// Cells per day too (for the day tables, the HTML page, `--since`/`--until` and
    /// Parquet); without, the table does not grow with the number of days the logs cover.
    by_day: bool,
    peers: Interned<Peer>,
    outcomes: Interned<TlsOutcome>,
    domain_names: Interned<Box<str>>,
    cells: FxHashMap<Cell, Counts>,
    /// Sessions per (peer, mail domain) that carried the domain.
    domains: FxHashMap<(Id, Id), u64>,
    /// Every session that showed what it tried, with a time: the fallback evidence.
    attempts: Vec<Attempt>,
    /// Every address seen as a local endpoint: these are the organisation's servers.
    local_addresses: FxHashSet<Address>,
    /// Server names from receive connector ids, by local address.
    server_names: FxHashMap<Address, Arc<str>>,
    /// Sessions per (own server, log kind, outcome).
    servers: FxHashMap<(OwnServer, LogKind, Outcome), u64>,
    /// Sessions not (yet) known to be whole, waiting for their other fragments. A session
    /// is folded as soon as its first and last rows are both in: memory holds only the
    /// sessions still open at the edges of what was read, not every cut session.
    fragments: FxHashMap<FragmentKey, Fragment>,
    /// Each input file's fate, by file index; counted into `stats` by [`Partial::stitch`].
    files: FxHashMap<u32, FileFate>,
    /// Paths that could not be read at all (no file index: discovery could not list them).
    unreadable_paths: u64,
    stats: Stats,
    /// Lines per (file, stretch), to turn stretch-relative line numbers into file lines.
    stretch_lines: Vec<(u32, u32, u64)>,
    problems: Vec<Problem>,
    /// Messages about whole files (`path: message`), in file order.
    warnings: Vec<(u32, String)>,
    /// `Some` only for a run that adds to a store (see [`Partial::new_for_store`]).
    by_file: Option<Box<ByFile>>,
}

/// One file's part of a store-mode read: its file index, the sessions that start and end
/// in it, and the fragments of those that do not.
pub type Contribution = (u32, Partial, Vec<(FragmentKey, SessionFacts)>);

/// What a store-mode partial keeps per input file: each file's sessions as a partial of
/// their own (the contribution that file makes to the store, replaced as a whole when the
/// file is read again), and the fragments of the sessions that do not start and end in
/// it. Those are not stitched here but stored, and stitched when the store is read, with
/// the fragments of every file the store holds.
#[derive(Debug, Default)]
struct ByFile {
    contributions: FxHashMap<u32, Partial>,
    fragments: FxHashMap<(u32, FragmentKey), Fragment>,
}

impl ByFile {
    fn merge(&mut self, o: ByFile) -> Vec<(FragmentKey, Fragment)> {
        for (file, p) in o.contributions {
            // Merging into an empty partial takes the other's tables as they are.
            self.contributions.entry(file).or_default().merge(p);
        }
        let mut done = Vec::new();
        for ((file, key), f) in o.fragments {
            done.extend(self.add_fragment(file, key, f));
        }
        done
    }

    /// The stitched and partial sessions a run over just these files would count among
    /// the fragments kept for the store: the run's own figures, whatever the store adds.
    fn stitched_across_files(&self) -> (u64, u64) {
        let mut frags: Vec<_> = self.fragments.iter().collect();
        frags.sort_by_key(|((file, key), _)| (*file, *key));
        let mut scratch = Partial::default();
        for ((_, key), f) in frags {
            scratch.add_fragment(*key, f.clone());
        }
        scratch.stitch();
        (
            scratch.stats.stitched_sessions,
            scratch.stats.partial_sessions,
        )
    }

    /// Merges a fragment with the other fragments of its session in the same file;
    /// returns the session once it started and ended in that file.
    fn add_fragment(
        &mut self,
        file: u32,
        key: FragmentKey,
        f: Fragment,
    ) -> Option<(FragmentKey, Fragment)> {
        fold_fragment(&mut self.fragments, (file, key), f).map(|done| (key, done))
    }
}

/// The tables a report is built from, taken out of the partial so that they can be freed
/// as soon as they are folded.
pub struct Tables {
    /// The interned peers, by id: the report drops them once it has read their names.
    pub peers: Interned<Peer>,
    pub cells: FxHashMap<Cell, Counts>,
    pub domains: FxHashMap<(Id, Id), u64>,
    pub attempts: Vec<Attempt>,
}

impl Partial {
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    pub fn peers(&self) -> &Interned<Peer> {
        &self.peers
    }

    pub fn domain_names(&self) -> &Interned<Box<str>> {
        &self.domain_names
    }

    /// Every address seen as a local endpoint: the organisation's servers.
    pub fn local_addresses(&self) -> &FxHashSet<Address> {
        &self.local_addresses
    }

    /// The server name of a local address, from a receive connector seen on it.
    pub fn server_name(&self, addr: &Address) -> Option<&Arc<str>> {
        self.server_names.get(addr)
    }

    /// Sessions per (own server, log kind, outcome).
    pub fn servers(&self) -> impl Iterator<Item = (&(OwnServer, LogKind, Outcome), &u64)> {
        self.servers.iter()
    }

    /// `path: message` about whole files, in file order, then the paths that could not be
    /// read in the order given. The sort is stable: a file's messages stay in reading order
    /// (merges keep the order of the jobs).
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = self.warnings.clone();
        warnings.sort_by_key(|(file, _)| *file);
        warnings.into_iter().map(|(_, w)| w).collect()
    }

    /// Takes the peer, cell and domain tables out (the report folds them, then frees them).
    pub fn take_tables(&mut self) -> Tables {
        Tables {
            peers: std::mem::take(&mut self.peers),
            cells: std::mem::take(&mut self.cells),
            domains: std::mem::take(&mut self.domains),
            attempts: std::mem::take(&mut self.attempts),
        }
    }

    /// The sizes of the tables, for `SMTPTLS_TIMING`.
    pub fn sizes(&self) -> String {
        format!(
            "{} cells, {} peers, {} mail domains in {} (peer, domain) pairs, {} attempts, {} open fragments",
            self.cells.len(),
            self.peers.len(),
            self.domain_names.len(),
            self.domains.len(),
            self.attempts.len(),
            self.fragments.len()
        )
    }

    /// A file skipped as another kind of file, counted by its kind.
    pub fn skipped_kind(&mut self, kind: SkipKind) {
        self.stats.skipped.add(kind);
    }

    /// A data row was read.
    pub fn count_row(&mut self) {
        self.stats.rows += 1;
    }

    /// A malformed row; `sample` is kept to be shown (the caller keeps a few per stretch).
    pub fn malformed(&mut self, sample: Option<Problem>) {
        self.stats.malformed_rows += 1;
        self.problems.extend(sample);
    }

    /// Bytes of a protocol log read.
    pub fn add_bytes(&mut self, n: u64) {
        self.stats.bytes += n;
    }

    /// A stretch of a file ended after `lines` lines.
    pub fn end_stretch(&mut self, file: u32, stretch: u32, lines: u64) {
        self.stretch_lines.push((file, stretch, lines));
    }

    /// What became of a file (or of one part of it): the one rule of file accounting.
    pub fn file_fate(&mut self, file: u32, fate: FileFate) {
        let mine = self.files.entry(file).or_insert(fate);
        *mine = (*mine).max(fate);
    }

    /// A message about a whole file, `path: message`.
    pub fn warn(&mut self, file: u32, message: String) {
        self.warnings.push((file, message));
    }

    /// A path that could not be read at all.
    pub fn unreadable_path(&mut self, message: String) {
        self.unreadable_paths += 1;
        self.warnings.push((u32::MAX, message));
    }

    /// Folds a finished session into the counts.
    pub fn add_session(&mut self, s: Session) {
        self.stats.sessions += 1;
        if let Some(by_file) = &mut self.by_file {
            let file = s.origin.unwrap_or(u32::MAX);
            (by_file.contributions.entry(file))
                .or_insert_with(|| Partial::new(true))
                .add_session(s);
            return;
        }
        if let Some(local) = &s.local {
            if !self.local_addresses.contains(local) {
                self.local_addresses.insert(local.clone());
            }
            if let Some(server) = &s.server {
                self.name_server(local, server);
            }
        }
        let server = match (&s.server, &s.local) {
            (Some(name), _) => OwnServer::Named(name.clone()),
            (None, Some(addr)) => OwnServer::Address(addr.clone()),
            (None, None) => OwnServer::Unknown,
        };
        *self
            .servers
            .entry((server, s.kind, Outcome::of(&s.outcome)))
            .or_default() += 1;

        let peer = intern(
            &mut self.peers,
            Peer {
                kind: s.kind,
                remote: s.remote,
                host: s.host.map(normalise_host_owned),
                signs: s.signs,
            },
        );
        let weak = matches!(&s.outcome, TlsOutcome::Negotiated(_, c) if c.is_weak());
        if let (Some(what), Some(start)) = (Try::of(&s.outcome, s.dropped_handshake), s.first) {
            let end = s.last.unwrap_or(start);
            self.attempts.push(Attempt::new(peer, start, end, what));
        }
        for domain in s.domains {
            let domain = intern(&mut self.domain_names, domain);
            *self.domains.entry((peer, domain)).or_default() += 1;
        }
        let cell = Cell {
            peer,
            outcome: intern(&mut self.outcomes, s.outcome),
            day: s.first.filter(|_| self.by_day).map(day_of),
        };
        let (messages, weak) = (u64::from(s.messages), u64::from(weak));
        *self.cells.entry(cell).or_default() += Counts::new(1, messages, weak, s.first, s.last);
    }

    /// Names the server at a local address. An address given two names keeps the
    /// smallest, so the result does not depend on reading or merge order.
    fn name_server(&mut self, addr: &Address, name: &Arc<str>) {
        match self.server_names.get_mut(addr) {
            Some(mine) if *mine <= *name => {}
            Some(mine) => *mine = name.clone(),
            None => {
                self.server_names.insert(addr.clone(), name.clone());
            }
        }
    }

    /// An empty partial; `by_day` keeps cells per day (see [`Partial::by_day`]).
    pub fn new(by_day: bool) -> Partial {
        Partial {
            by_day,
            ..Partial::default()
        }
    }

    /// An empty partial for a run that adds to a store: a session that starts and ends in
    /// one file goes to that file's contribution, kept per day, and the fragments of the
    /// others are kept per file, not stitched (see [`Partial::take_contributions`]).
    pub fn new_for_store() -> Partial {
        Partial {
            by_day: true,
            by_file: Some(Box::default()),
            ..Partial::default()
        }
    }

    /// Each file's contribution and the fragments of its sessions that do not start and
    /// end in it, by file index (store mode; empty otherwise).
    pub fn take_contributions(&mut self) -> Vec<Contribution> {
        let Some(mut by_file) = self.by_file.take() else {
            return Vec::new();
        };
        let mut open: FxHashMap<u32, Vec<(FragmentKey, SessionFacts)>> = FxHashMap::default();
        for ((file, key), f) in by_file.fragments {
            open.entry(file).or_default().push((key, f.facts));
        }
        let mut files: Vec<u32> = by_file.contributions.keys().copied().collect();
        files.extend(open.keys());
        files.sort_unstable();
        files.dedup();
        (files.into_iter())
            .map(|f| {
                let p = (by_file.contributions.remove(&f)).unwrap_or_else(|| Partial::new(true));
                let mut frags = open.remove(&f).unwrap_or_default();
                frags.sort_by_key(|(k, _)| *k);
                (f, p, frags)
            })
            .collect()
    }

    /// What became of a file, once its reading is done.
    pub fn fate(&self, file: u32) -> Option<FileFate> {
        self.files.get(&file).copied()
    }

    /// Sessions per (peer, mail domain), with the domain's name.
    pub fn domain_counts(&self) -> impl Iterator<Item = (Id, &str, u64)> {
        (self.domains.iter()).map(|((p, d), n)| (*p, self.domain(*d), *n))
    }

    /// The sessions' attempts, for the fallback evidence.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// Server names by local address.
    pub fn server_names(&self) -> impl Iterator<Item = (&Address, &Arc<str>)> {
        self.server_names.iter()
    }

    /// Adds a stored cell (a store's contents, read back).
    pub fn add_stored_cell(
        &mut self,
        peer: Peer,
        outcome: TlsOutcome,
        day: Option<i32>,
        c: Counts,
    ) {
        let cell = Cell {
            peer: intern(&mut self.peers, peer),
            outcome: intern(&mut self.outcomes, outcome),
            day: day.filter(|_| self.by_day),
        };
        self.stats.sessions += c.sessions;
        *self.cells.entry(cell).or_default() += c;
    }

    /// Adds stored sessions of a peer that carried a mail domain.
    pub fn add_stored_domain(&mut self, peer: Peer, domain: &str, sessions: u64) {
        let peer = intern(&mut self.peers, peer);
        let domain = intern(&mut self.domain_names, Box::from(domain));
        *self.domains.entry((peer, domain)).or_default() += sessions;
    }

    /// Adds a stored attempt.
    pub fn add_stored_attempt(&mut self, peer: Peer, start: Millis, end: Millis, what: Try) {
        let peer = intern(&mut self.peers, peer);
        self.attempts.push(Attempt::new(peer, start, end, what));
    }

    /// Adds stored sessions of one of our servers.
    pub fn add_stored_server(&mut self, server: OwnServer, kind: LogKind, o: Outcome, n: u64) {
        *self.servers.entry((server, kind, o)).or_default() += n;
    }

    /// Adds a stored local address, with the server name a receive connector gave it.
    pub fn add_stored_local(&mut self, addr: Address, name: Option<Arc<str>>) {
        if let Some(name) = name {
            self.name_server(&addr, &name);
        }
        self.local_addresses.insert(addr);
    }

    /// Puts the tables a report is built from (read back from a store) in place of this
    /// partial's: the run totals, problems and warnings stay those of this run's reading,
    /// but its sessions are the store's.
    pub fn replace_tables(&mut self, stored: Partial) {
        self.by_file = None;
        self.by_day = stored.by_day;
        self.peers = stored.peers;
        self.outcomes = stored.outcomes;
        self.domain_names = stored.domain_names;
        self.cells = stored.cells;
        self.domains = stored.domains;
        self.attempts = stored.attempts;
        self.local_addresses = stored.local_addresses;
        self.server_names = stored.server_names;
        self.servers = stored.servers;
        self.stats.sessions = stored.stats.sessions;
    }

    pub fn peer(&self, id: Id) -> &Peer {
        &self.peers[id as usize]
    }

    pub fn outcome(&self, id: Id) -> &TlsOutcome {
        &self.outcomes[id as usize]
    }

    pub fn domain(&self, id: Id) -> &str {
        &self.domain_names[id as usize]
    }

    /// The cells with their names, in name order: the same for any thread count and
    /// file order, whatever ids the cells have.
    pub fn named_cells(&self) -> Vec<NamedCell<'_>> {
        let mut v: Vec<_> = (self.cells.iter())
            .map(|(c, counts)| NamedCell {
                peer_id: c.peer,
                peer: self.peer(c.peer),
                outcome: self.outcome(c.outcome),
                day: c.day,
                counts: *counts,
            })
            .collect();
        v.sort_by(|a, b| (a.peer, a.outcome, a.day).cmp(&(b.peer, b.outcome, b.day)));
        v
    }

    /// Swaps the interned tables (not the run totals or messages, whose order matters).
    fn swap_tables(&mut self, o: &mut Partial) {
        std::mem::swap(&mut self.peers, &mut o.peers);
        std::mem::swap(&mut self.outcomes, &mut o.outcomes);
        std::mem::swap(&mut self.domain_names, &mut o.domain_names);
        std::mem::swap(&mut self.cells, &mut o.cells);
        std::mem::swap(&mut self.domains, &mut o.domains);
        std::mem::swap(&mut self.attempts, &mut o.attempts);
    }

    /// Folds the other partial's interned tables (peers, outcomes, mail domains and what
    /// is keyed by their ids) into this one's, translating the ids.
    fn merge_tables(&mut self, o: &mut Partial) {
        // Fold the smaller table into the larger: the larger keeps its ids and its
        // allocation, and only the smaller one's entries are translated and rehashed.
        if o.cells.len() + o.domains.len() + o.attempts.len()
            > self.cells.len() + self.domains.len() + self.attempts.len()
        {
            self.swap_tables(o);
        }
        let peers: Vec<Id> = (std::mem::take(&mut o.peers).into_iter())
            .map(|p| intern(&mut self.peers, p))
            .collect();
        let outcomes: Vec<Id> = (std::mem::take(&mut o.outcomes).into_iter())
            .map(|t| intern(&mut self.outcomes, t))
            .collect();
        let names: Vec<Id> = (std::mem::take(&mut o.domain_names).into_iter())
            .map(|d| intern(&mut self.domain_names, d))
            .collect();
        for (c, v) in std::mem::take(&mut o.cells) {
            let cell = Cell {
                peer: peers[c.peer as usize],
                outcome: outcomes[c.outcome as usize],
                day: c.day,
            };
            *self.cells.entry(cell).or_default() += v;
        }
        for ((p, d), n) in std::mem::take(&mut o.domains) {
            let key = (peers[p as usize], names[d as usize]);
            *self.domains.entry(key).or_default() += n;
        }
        let attempts = std::mem::take(&mut o.attempts).into_iter();
        self.attempts.extend(attempts.map(|a| Attempt {
            peer: peers[a.peer as usize],
            ..a
        }));
    }

    /// Folds another partial into this one.
    pub fn merge(&mut self, mut o: Partial) {
        self.by_day |= o.by_day;
        self.merge_tables(&mut o);
        self.local_addresses.extend(o.local_addresses);
        for (addr, name) in o.server_names {
            self.name_server(&addr, &name);
        }
        for (k, v) in o.servers {
            *self.servers.entry(k).or_default() += v;
        }
        for (key, f) in o.fragments {
            self.add_fragment(key, f);
        }
        for (file, fate) in o.files {
            self.file_fate(file, fate);
        }
        self.unreadable_paths += o.unreadable_paths;
        if let Some(theirs) = o.by_file {
            let done = self.by_file.get_or_insert_with(Box::default).merge(*theirs);
            for (key, f) in done {
                self.stats.stitched_sessions += 1;
                self.add_session(f.facts.finish(key.kind));
            }
        }
        self.stats += &o.stats;
        self.stretch_lines.extend(o.stretch_lines);
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
        if let Some(by_file) = &mut self.by_file {
            let file = f.facts.origin.map_or(u32::MAX, |(_, file)| file);
            if let Some((key, done)) = by_file.add_fragment(file, key, f) {
                self.stats.stitched_sessions += 1;
                self.add_session(done.facts.finish(key.kind));
            }
            return;
        }
        if let Some(done) = fold_fragment(&mut self.fragments, key, f) {
            self.stats.stitched_sessions += 1;
            self.add_session(done.facts.finish(key.kind));
        }
    }

    /// Folds the sessions still waiting for fragments (cut by a missing file, or never
    /// ended), and counts the files by their fate. Runs once, after every file is read.
    pub fn stitch(&mut self) {
        let count = |fate| self.files.values().filter(|f| **f == fate).count() as u64;
        self.stats.files_read = count(FileFate::Read);
        self.stats.files_skipped = count(FileFate::Skipped);
        self.stats.files_unreadable = count(FileFate::Unreadable) + self.unreadable_paths;
        if let Some(by_file) = &self.by_file {
            let (stitched, partial) = by_file.stitched_across_files();
            self.stats.stitched_sessions += stitched;
            self.stats.partial_sessions += partial;
        }
        let mut rest: Vec<_> = std::mem::take(&mut self.fragments).into_iter().collect();
        rest.sort_by_key(|(k, _)| *k);
        for (key, f) in rest {
            if f.stretches > 1 {
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
        let mut lines = self.stretch_lines.clone();
        lines.sort();
        let mut offset: FxHashMap<(u32, u32), u64> = FxHashMap::default();
        let mut running: Option<(u32, u64)> = None;
        for (file, stretch, n) in lines {
            let before = match running {
                Some((f, total)) if f == file => total,
                _ => 0,
            };
            offset.insert((file, stretch), before);
            running = Some((file, before + n));
        }
        let mut out: Vec<Problem> = self
            .problems
            .iter()
            .map(|p| Problem {
                line: p.line + offset.get(&(p.file, p.stretch)).copied().unwrap_or(0),
                stretch: 0,
                ..p.clone()
            })
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::{Cipher, Protocol};

    #[test]
    fn counts_keep_the_earliest_and_latest_time_and_none_without() {
        let mut c = Counts::default();
        assert_eq!((c.first(), c.last()), (None, None));
        c += Counts::new(1, 2, 0, Some(50), Some(60));
        c += Counts::new(1, 0, 1, None, None);
        c += Counts::new(1, 0, 0, Some(-40), Some(55));
        let got = (c.sessions, c.messages, c.weak, c.first(), c.last());
        assert_eq!(got, (3, 2, 1, Some(-40), Some(60)));
        assert_eq!(std::mem::size_of::<Counts>(), 40);
    }

    fn session(
        remote: &str,
        host: &str,
        outcome: TlsOutcome,
        day: i64,
        domains: &[&str],
    ) -> Session {
        Session {
            kind: LogKind::Receive,
            origin: None,
            server: None,
            local: None,
            remote: Some(Address::Ip(remote.parse().unwrap())),
            host: Some(host.into()),
            signs: Signs::default(),
            outcome,
            dropped_handshake: false,
            messages: 1,
            domains: domains.iter().map(|d| Box::from(*d)).collect(),
            first: Some(day * 86_400_000),
            last: Some(day * 86_400_000 + 1),
        }
    }

    fn tls10() -> TlsOutcome {
        TlsOutcome::Negotiated(Protocol::Tls10, Cipher::default())
    }

    type Seen = (
        Vec<(Peer, TlsOutcome, Option<i32>, Counts)>,
        Vec<(String, String, u64)>,
    );

    /// Cells and (peer host, domain, sessions) by name: what a report can see.
    fn seen(p: &Partial) -> Seen {
        let cells = (p.named_cells().into_iter())
            .map(|c| (c.peer.clone(), c.outcome.clone(), c.day, c.counts))
            .collect();
        let mut domains: Vec<_> = (p.domains.iter())
            .map(|((peer, d), n)| {
                let host = p.peer(*peer).host.as_deref().unwrap_or("").to_string();
                (host, p.domain(*d).to_string(), *n)
            })
            .collect();
        domains.sort();
        (cells, domains)
    }

    #[test]
    fn merge_translates_ids_whatever_the_order() {
        let a_sessions = [
            session("192.0.2.1", "mx1.a.example", tls10(), 1, &["a.example"]),
            session(
                "192.0.2.2",
                "mx.b.example",
                TlsOutcome::Cleartext,
                1,
                &["b.example"],
            ),
        ];
        let b_sessions = [
            // Interned in the opposite order, so the two partials' ids disagree.
            session(
                "192.0.2.2",
                "mx.b.example",
                TlsOutcome::Cleartext,
                2,
                &["b.example"],
            ),
            session(
                "192.0.2.1",
                "mx1.a.example",
                tls10(),
                2,
                &["x.example", "a.example"],
            ),
        ];
        let mut whole = Partial::new(false);
        for s in a_sessions.iter().chain(&b_sessions) {
            whole.add_session(s.clone());
        }
        let (mut a, mut b) = (Partial::new(false), Partial::new(false));
        a_sessions.iter().for_each(|s| a.add_session(s.clone()));
        b_sessions.iter().for_each(|s| b.add_session(s.clone()));
        let (mut ab, mut ba) = (Partial::new(false), Partial::new(false));
        ab.merge(a);
        ab.merge(b);
        let (mut a, mut b) = (Partial::new(false), Partial::new(false));
        a_sessions.iter().for_each(|s| a.add_session(s.clone()));
        b_sessions.iter().for_each(|s| b.add_session(s.clone()));
        ba.merge(b);
        ba.merge(a);
        assert_eq!(seen(&ab), seen(&whole));
        assert_eq!(seen(&ba), seen(&whole));
        let (cells, domains) = seen(&whole);
        assert_eq!(cells.len(), 2);
        assert_eq!(cells[0].3.sessions, 2);
        assert_eq!(
            domains,
            [
                ("mx.b.example".into(), "b.example".into(), 2),
                ("mx1.a.example".into(), "a.example".into(), 2),
                ("mx1.a.example".into(), "x.example".into(), 1),
            ]
        );
    }

    #[test]
    fn a_file_is_counted_once_in_one_class() {
        // A file read in three stretches, two of which fail: one unreadable file, not
        // one read and two unreadable; a file that fails to open after discovery counts.
        let (mut a, mut b) = (Partial::default(), Partial::default());
        a.file_fate(0, FileFate::Read);
        b.file_fate(0, FileFate::Unreadable);
        b.file_fate(0, FileFate::Unreadable);
        a.file_fate(1, FileFate::Read);
        b.file_fate(2, FileFate::Skipped);
        b.file_fate(3, FileFate::Unreadable);
        a.unreadable_path("x: permission denied".into());
        a.merge(b);
        a.stitch();
        let s = a.stats();
        assert_eq!(
            (s.files_read, s.files_skipped, s.files_unreadable),
            (1, 1, 3)
        );
    }

    #[test]
    fn days_only_when_asked() {
        let sessions = [
            session("192.0.2.1", "mx.a.example", tls10(), 1, &[]),
            session("192.0.2.1", "mx.a.example", tls10(), 2, &[]),
        ];
        let mut flat = Partial::new(false);
        let mut daily = Partial::new(true);
        for s in &sessions {
            flat.add_session(s.clone());
            daily.add_session(s.clone());
        }
        let days = |p: &Partial| p.named_cells().iter().map(|c| c.day).collect::<Vec<_>>();
        assert_eq!(days(&flat), [None]);
        assert_eq!(days(&daily), [Some(1), Some(2)]);
        assert_eq!(flat.named_cells()[0].counts.sessions, 2);
    }
}
