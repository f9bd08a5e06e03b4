//! One partition file of the store as a polars table, and back: the rows of one log
//! file's contribution on one day, every kind of row in one typed table told apart by
//! its `table` column (`cell`, `domain`, `attempt`, `server`, `local`, `fragment`), so
//! that one glob over `day=*/*.parquet` reads the whole store.

use std::sync::Arc;

use polars::prelude::*;

use crate::collect::{Counts, FragmentKey, OwnServer, Partial, Peer, Try};
use crate::outcome::Outcome;
use crate::parse::endpoint::Address;
use crate::parse::header::LogKind;
use crate::parse::time::Millis;
use crate::session::{SessionFacts, Signs};
use crate::tls::{Cipher, Protocol, TlsOutcome};

/// The peer's flags, in column order.
const SIGNS: [&str; 6] = [
    "anonymous_tls",
    "implicit_connector",
    "internal_port",
    "exchange_verbs",
    "authenticated",
    "requires_tls",
];

fn signs_of(s: &Signs) -> [bool; 6] {
    [
        s.anonymous_tls,
        s.implicit_connector,
        s.internal_port,
        s.exchange_verbs,
        s.authenticated,
        s.requires_tls,
    ]
}

fn signs_from(b: [bool; 6]) -> Signs {
    Signs {
        anonymous_tls: b[0],
        implicit_connector: b[1],
        internal_port: b[2],
        exchange_verbs: b[3],
        authenticated: b[4],
        requires_tls: b[5],
    }
}

/// The columns, one vector each; a row sets the columns its table has, the rest are null.
#[derive(Default)]
pub struct Rows {
    table: Vec<&'static str>,
    day: Vec<Option<i32>>,
    kind: Vec<Option<&'static str>>,
    remote: Vec<Option<String>>,
    host: Vec<Option<String>>,
    signs: [Vec<Option<bool>>; 6],
    outcome: Vec<Option<&'static str>>,
    protocol: Vec<Option<String>>,
    cipher: [Vec<Option<String>>; 3],
    sessions: Vec<Option<u64>>,
    messages: Vec<Option<u64>>,
    weak: Vec<Option<u64>>,
    first: Vec<Option<Millis>>,
    last: Vec<Option<Millis>>,
    domain: Vec<Option<String>>,
    attempt: Vec<Option<&'static str>>,
    server: Vec<Option<String>>,
    server_kind: Vec<Option<&'static str>>,
    server_outcome: Vec<Option<&'static str>>,
    local: Vec<Option<String>>,
    local_name: Vec<Option<String>>,
    session_id: Vec<Option<u64>>,
    remote_hash: Vec<Option<u64>>,
    facts: Vec<Option<String>>,
}

/// A session's part held by one file, as stored: its log kind, session-id, remote
/// endpoint hash and facts.
pub type StoredFragment = (LogKind, u64, u64, SessionFacts);

/// Sets the last element of a column (the row just begun, pushed as null).
fn set<T>(v: &mut [Option<T>], value: Option<T>) {
    if let Some(slot) = v.last_mut() {
        *slot = value;
    }
}

fn outcome_tag(o: &TlsOutcome) -> &'static str {
    match o {
        TlsOutcome::Negotiated(..) => "negotiated",
        TlsOutcome::Unknown => "unknown",
        TlsOutcome::Failed => "failed",
        TlsOutcome::Cleartext => "cleartext",
        TlsOutcome::Incomplete => "incomplete",
        TlsOutcome::NoConversation => "no_conversation",
    }
}

/// A protocol as its outcome column names it (`tls1_0`: one source of those names), or
/// verbatim when no column counts it.
fn protocol_name(p: &Protocol) -> String {
    match p {
        Protocol::Other(name) => name.to_string(),
        known => (Outcome::ALL.into_iter())
            .find(|o| o.protocol().as_ref() == Some(known))
            .map_or_else(String::new, |o| o.column().to_string()),
    }
}

fn protocol_of(s: &str) -> Protocol {
    (Outcome::parse(s).and_then(Outcome::protocol)).unwrap_or_else(|| Protocol::Other(s.into()))
}

fn kind_of(s: &str) -> Option<LogKind> {
    [LogKind::Receive, LogKind::Send]
        .into_iter()
        .find(|k| k.as_str() == s)
}

fn address_of(s: &str) -> Address {
    s.parse()
        .map_or_else(|_| Address::Text(s.into()), Address::Ip)
}

impl Rows {
    pub fn len(&self) -> usize {
        self.table.len()
    }

    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// Starts a row of `table`, every other column null.
    fn begin(&mut self, table: &'static str, day: Option<i32>) {
        self.table.push(table);
        self.day.push(day);
        self.kind.push(None);
        self.remote.push(None);
        self.host.push(None);
        self.signs.iter_mut().for_each(|c| c.push(None));
        self.outcome.push(None);
        self.protocol.push(None);
        self.cipher.iter_mut().for_each(|c| c.push(None));
        self.sessions.push(None);
        self.messages.push(None);
        self.weak.push(None);
        self.first.push(None);
        self.last.push(None);
        self.domain.push(None);
        self.attempt.push(None);
        self.server.push(None);
        self.server_kind.push(None);
        self.server_outcome.push(None);
        self.local.push(None);
        self.local_name.push(None);
        self.session_id.push(None);
        self.remote_hash.push(None);
        self.facts.push(None);
    }

    fn set_peer(&mut self, p: &Peer) {
        set(&mut self.kind, Some(p.kind.as_str()));
        set(&mut self.remote, p.remote.as_ref().map(Address::to_string));
        set(&mut self.host, p.host.as_deref().map(str::to_string));
        for (col, v) in self.signs.iter_mut().zip(signs_of(&p.signs)) {
            set(col, Some(v));
        }
    }

    /// A cell: a peer's sessions with one outcome on one day.
    pub fn cell(&mut self, day: Option<i32>, peer: &Peer, outcome: &TlsOutcome, c: &Counts) {
        self.begin("cell", day);
        self.set_peer(peer);
        set(&mut self.outcome, Some(outcome_tag(outcome)));
        if let TlsOutcome::Negotiated(p, cipher) = outcome {
            set(&mut self.protocol, Some(protocol_name(p)));
            let names = [&cipher.bulk, &cipher.mac, &cipher.kex];
            for (col, name) in self.cipher.iter_mut().zip(names) {
                set(col, Some(name.to_string()));
            }
        }
        set(&mut self.sessions, Some(c.sessions));
        set(&mut self.messages, Some(c.messages));
        set(&mut self.weak, Some(c.weak));
        set(&mut self.first, c.first());
        set(&mut self.last, c.last());
    }

    pub fn domain(&mut self, peer: &Peer, domain: &str, sessions: u64) {
        self.begin("domain", None);
        self.set_peer(peer);
        set(&mut self.domain, Some(domain.to_string()));
        set(&mut self.sessions, Some(sessions));
    }

    pub fn attempt(&mut self, peer: &Peer, start: Millis, end: Millis, what: Try) {
        self.begin("attempt", Some(crate::parse::time::day_of(start)));
        self.set_peer(peer);
        set(&mut self.first, Some(start));
        set(&mut self.last, Some(end));
        set(&mut self.attempt, Some(what.as_str()));
    }

    pub fn server(&mut self, server: &OwnServer, kind: LogKind, outcome: Outcome, n: u64) {
        self.begin("server", None);
        set(&mut self.kind, Some(kind.as_str()));
        let (name, sort) = match server {
            OwnServer::Named(n) => (Some(n.to_string()), "named"),
            OwnServer::Address(a) => (Some(a.to_string()), "address"),
            OwnServer::Unknown => (None, "unknown"),
        };
        set(&mut self.server, name);
        set(&mut self.server_kind, Some(sort));
        set(&mut self.server_outcome, Some(outcome.column()));
        set(&mut self.sessions, Some(n));
    }

    pub fn local(&mut self, addr: &Address, name: Option<&str>) {
        self.begin("local", None);
        set(&mut self.local, Some(addr.to_string()));
        set(&mut self.local_name, name.map(str::to_string));
    }

    /// The part of a session that one file holds, for stitching when the store is read.
    pub fn fragment(&mut self, key: &FragmentKey, facts: &SessionFacts) {
        self.begin("fragment", facts.first.map(crate::parse::time::day_of));
        set(&mut self.kind, Some(key.kind.as_str()));
        set(&mut self.session_id, Some(key.session));
        set(&mut self.remote_hash, Some(key.remote));
        set(&mut self.facts, serde_json::to_string(facts).ok());
    }

    /// The rows as a typed frame: days as `Date`, times as UTC timestamps in ms, counts
    /// as `UInt64`.
    pub fn into_frame(self) -> PolarsResult<DataFrame> {
        let utc = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
        let mut cols: Vec<Column> = vec![
            Column::new("table".into(), self.table),
            Column::new("day".into(), self.day).cast(&DataType::Date)?,
            Column::new("kind".into(), self.kind),
            Column::new("remote".into(), self.remote),
            Column::new("host".into(), self.host),
        ];
        for (name, v) in SIGNS.into_iter().zip(self.signs) {
            cols.push(Column::new(name.into(), v));
        }
        cols.push(Column::new("outcome".into(), self.outcome));
        cols.push(Column::new("protocol".into(), self.protocol));
        for (name, v) in ["cipher_bulk", "cipher_mac", "cipher_kex"]
            .into_iter()
            .zip(self.cipher)
        {
            cols.push(Column::new(name.into(), v));
        }
        cols.extend([
            Column::new("sessions".into(), self.sessions),
            Column::new("messages".into(), self.messages),
            Column::new("weak".into(), self.weak),
            Column::new("first".into(), self.first).cast(&utc)?,
            Column::new("last".into(), self.last).cast(&utc)?,
            Column::new("domain".into(), self.domain),
            Column::new("attempt".into(), self.attempt),
            Column::new("server".into(), self.server),
            Column::new("server_kind".into(), self.server_kind),
            Column::new("server_outcome".into(), self.server_outcome),
            Column::new("local".into(), self.local),
            Column::new("local_name".into(), self.local_name),
            Column::new("session_id".into(), self.session_id),
            Column::new("remote_hash".into(), self.remote_hash),
            Column::new("facts".into(), self.facts),
        ]);
        DataFrame::new_infer_height(cols)
    }
}

/// A column read back as optional strings.
fn strs(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    let ca = c.str()?;
    Ok((0..ca.len())
        .map(|i| ca.get(i).map(str::to_string))
        .collect())
}

fn ints<T: PolarsNumericType>(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<T::Native>>> {
    let c = df.column(name)?.cast(&T::get_static_dtype())?;
    let ca = c.as_materialized_series().unpack::<T>()?;
    Ok((0..ca.len()).map(|i| ca.get(i)).collect())
}

fn bools(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<bool>>> {
    let ca = df.column(name)?.bool()?;
    Ok((0..ca.len()).map(|i| ca.get(i)).collect())
}

/// A frame's columns, read back for [`load_frame`].
struct Read {
    table: Vec<Option<String>>,
    day: Vec<Option<i32>>,
    kind: Vec<Option<String>>,
    remote: Vec<Option<String>>,
    host: Vec<Option<String>>,
    signs: Vec<Vec<Option<bool>>>,
    outcome: Vec<Option<String>>,
    protocol: Vec<Option<String>>,
    cipher: Vec<Vec<Option<String>>>,
    counts: [Vec<Option<u64>>; 3],
    first: Vec<Option<i64>>,
    last: Vec<Option<i64>>,
    text: [Vec<Option<String>>; 7],
    key: [Vec<Option<u64>>; 2],
    facts: Vec<Option<String>>,
}

impl Read {
    fn of(df: &DataFrame) -> PolarsResult<Read> {
        let many = |names: &[&str]| -> PolarsResult<Vec<Vec<Option<String>>>> {
            names.iter().map(|n| strs(df, n)).collect()
        };
        let text = many(&[
            "domain",
            "attempt",
            "server",
            "server_kind",
            "server_outcome",
            "local",
            "local_name",
        ])?;
        Ok(Read {
            table: strs(df, "table")?,
            day: ints::<Int32Type>(df, "day")?,
            kind: strs(df, "kind")?,
            remote: strs(df, "remote")?,
            host: strs(df, "host")?,
            signs: SIGNS
                .iter()
                .map(|n| bools(df, n))
                .collect::<PolarsResult<_>>()?,
            outcome: strs(df, "outcome")?,
            protocol: strs(df, "protocol")?,
            cipher: many(&["cipher_bulk", "cipher_mac", "cipher_kex"])?,
            counts: [
                ints::<UInt64Type>(df, "sessions")?,
                ints::<UInt64Type>(df, "messages")?,
                ints::<UInt64Type>(df, "weak")?,
            ],
            first: ints::<Int64Type>(df, "first")?,
            last: ints::<Int64Type>(df, "last")?,
            text: (text.try_into())
                .map_err(|_| polars_err!(ComputeError: "store: text columns"))?,
            key: [
                ints::<UInt64Type>(df, "session_id")?,
                ints::<UInt64Type>(df, "remote_hash")?,
            ],
            facts: strs(df, "facts")?,
        })
    }

    fn peer(&self, i: usize) -> Option<Peer> {
        let kind = kind_of(self.kind[i].as_deref()?)?;
        let mut flags = [false; 6];
        for (f, col) in flags.iter_mut().zip(&self.signs) {
            *f = col[i].unwrap_or(false);
        }
        Some(Peer {
            kind,
            remote: self.remote[i].as_deref().map(address_of),
            host: self.host[i].as_deref().map(Box::from),
            signs: signs_from(flags),
        })
    }

    fn outcome(&self, i: usize) -> Option<TlsOutcome> {
        Some(match self.outcome[i].as_deref()? {
            "negotiated" => {
                let c = |k: usize| self.cipher[k][i].clone().unwrap_or_default();
                let cipher = Cipher::new(&c(0), &c(1), &c(2));
                TlsOutcome::Negotiated(protocol_of(self.protocol[i].as_deref()?), cipher)
            }
            "unknown" => TlsOutcome::Unknown,
            "failed" => TlsOutcome::Failed,
            "cleartext" => TlsOutcome::Cleartext,
            "incomplete" => TlsOutcome::Incomplete,
            "no_conversation" => TlsOutcome::NoConversation,
            _ => return None,
        })
    }

    fn count(&self, k: usize, i: usize) -> u64 {
        self.counts[k][i].unwrap_or(0)
    }

    fn server(&self, i: usize) -> Option<OwnServer> {
        let name = self.text[2][i].as_deref();
        Some(match (self.text[3][i].as_deref()?, name) {
            ("named", Some(n)) => OwnServer::Named(Arc::from(n)),
            ("address", Some(a)) => OwnServer::Address(address_of(a)),
            ("unknown", _) => OwnServer::Unknown,
            _ => return None,
        })
    }

    fn fragment(&self, i: usize) -> Option<StoredFragment> {
        let kind = kind_of(self.kind[i].as_deref()?)?;
        let facts = serde_json::from_str(self.facts[i].as_deref()?).ok()?;
        Some((kind, self.key[0][i]?, self.key[1][i]?, facts))
    }

    /// Adds row `i` to `out` (fragments to `frags`); `false` when the row is not one this
    /// build understands.
    fn add_to(&self, i: usize, out: &mut Partial, frags: &mut Vec<StoredFragment>) -> bool {
        let t = &self.text;
        match self.table[i].as_deref() {
            Some("fragment") => match self.fragment(i) {
                Some(f) => frags.push(f),
                None => return false,
            },
            Some("cell") => {
                let (Some(peer), Some(outcome)) = (self.peer(i), self.outcome(i)) else {
                    return false;
                };
                let (sessions, messages) = (self.count(0, i), self.count(1, i));
                let (weak, first, last) = (self.count(2, i), self.first[i], self.last[i]);
                let counts = Counts::new(sessions, messages, weak, first, last);
                out.add_stored_cell(peer, outcome, self.day[i], counts);
            }
            Some("domain") => match (self.peer(i), &t[0][i]) {
                (Some(peer), Some(d)) => out.add_stored_domain(peer, d, self.count(0, i)),
                _ => return false,
            },
            Some("attempt") => {
                let what = t[1][i].as_deref().and_then(Try::parse);
                match (self.peer(i), what, self.first[i], self.last[i]) {
                    (Some(peer), Some(w), Some(a), Some(b)) => {
                        out.add_stored_attempt(peer, a, b, w)
                    }
                    _ => return false,
                }
            }
            Some("server") => {
                let kind = self.kind[i].as_deref().and_then(kind_of);
                let outcome = t[4][i].as_deref().and_then(Outcome::parse);
                match (self.server(i), kind, outcome) {
                    (Some(s), Some(k), Some(o)) => out.add_stored_server(s, k, o, self.count(0, i)),
                    _ => return false,
                }
            }
            Some("local") => match &t[5][i] {
                Some(a) => out.add_stored_local(address_of(a), t[6][i].as_deref().map(Arc::from)),
                None => return false,
            },
            _ => return false,
        }
        true
    }
}

/// Adds every row of a partition frame to `out`, and its fragments to `frags`; an error
/// names a row this build does not understand.
pub fn load_frame(
    df: &DataFrame,
    out: &mut Partial,
    frags: &mut Vec<StoredFragment>,
) -> PolarsResult<()> {
    let read = Read::of(df)?;
    for i in 0..read.table.len() {
        if !read.add_to(i, out, frags) {
            polars_bail!(ComputeError: "row {i} is not a row this version can read");
        }
    }
    Ok(())
}

pub fn write_frame(rows: Rows, out: &mut dyn std::io::Write) -> PolarsResult<()> {
    let mut df = rows.into_frame()?;
    polars_io::parquet::write::ParquetWriter::new(out).finish(&mut df)?;
    Ok(())
}

pub fn read_frame(file: std::fs::File) -> PolarsResult<DataFrame> {
    polars_io::parquet::read::ParquetReader::new(file).finish()
}
