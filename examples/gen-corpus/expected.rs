//! The ground truth: what every session was decided to be, counted per (direction,
//! partner), and written to `OUT_DIR/expected.csv`; the newest TLS version each of our
//! servers negotiated per log kind, written to `OUT_DIR/expected-servers.csv`.

use crate::evidence::{group_key, Class, Fallback, Timeline};
use crate::server::Srv;
use crate::session::Session;
use crate::tls::Ver;
use crate::world::ip_str;
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// What a session counts as: the columns `tls1_3` .. `no_conversation`, which partition
/// `sessions`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Out {
    V13,
    V12,
    V11,
    V10,
    Ssl3,
    Ssl2,
    Unknown,
    Failed,
    /// no TLS attempted: seen from the start, the client sent a command and the session
    /// reached a mail command, AUTH or its disconnect
    Clear,
    /// the rows that would show the outcome are missing: never counted, as every session
    /// is written whole
    Incomplete,
    /// closed before the client side sent any command (a port probe)
    NoConversation,
}

const OUTS: usize = 11;

pub fn out_of(v: Ver) -> Out {
    match v {
        Ver::T13 => Out::V13,
        Ver::T12 => Out::V12,
        Ver::T11 => Out::V11,
        Ver::T10 => Out::V10,
        Ver::Ssl3 => Out::Ssl3,
        Ver::Ssl2 => Out::Ssl2,
    }
}

#[derive(Default)]
struct Counts {
    sessions: u64,
    messages: u64,
    outs: [u64; OUTS],
    weak: u64,
    hosts: HashSet<u32>,
}

pub const DIR_IN: u8 = 0;
pub const DIR_INTERNAL: u8 = 1;
pub const DIR_OUT: u8 = 2;
pub const DIR_CLIENT: u8 = 3;
const DIR_NAMES: [&str; 4] = ["inbound", "internal", "outbound", "client"];

const HEAD: &str = "direction,partner,sessions,messages,tls1_3,tls1_2,tls1_1,tls1_0,ssl3,ssl2,tls_unknown,tls_failed,cleartext,incomplete,no_conversation";
const TAIL: &str = "weak_cipher,hosts,retried_in_cleartext,retried_with_tls,no_retry_seen";

/// The counts per (direction, interned partner key), and the totals for the summary.
#[derive(Default)]
pub struct Truth {
    counts: BTreeMap<(u8, u32), Counts>,
    /// `--scanners` sessions, one per address: (address, port probe). Kept apart and
    /// small, as a million of them would be a million `Counts`.
    scanners: Vec<(u32, bool)>,
    /// every counted session on the clock, for the fallback evidence (not scanners: they
    /// never fail and are alone in their group)
    pub timeline: Timeline,
    /// per server, [receive, send]: whether the log had a session, and the newest TLS
    /// version a TLS line of it named
    servers: Vec<[(bool, Option<Ver>); 2]>,
    pub sessions: u64,
    pub messages: u64,
}

/// One row's numbers, however they were kept.
struct Row {
    sessions: u64,
    messages: u64,
    outs: [u64; OUTS],
    weak: u64,
    hosts: usize,
    fallback: Fallback,
}

impl Truth {
    /// One session of `partner` from or to address `ip`.
    pub fn account(&mut self, dir: u8, partner: u32, ip: u32, out: Out, msgs: u64, weak: bool) {
        let c = self.counts.entry((dir, partner)).or_default();
        c.sessions += 1;
        c.messages += msgs;
        c.outs[out as usize] += 1;
        c.weak += weak as u64;
        c.hosts.insert(ip);
        self.sessions += 1;
        self.messages += msgs;
    }

    /// The one session of a scanner at address `ip` (its partner: no EHLO name to take
    /// a domain from); `probe` = it never greeted.
    pub fn account_scanner(&mut self, ip: u32, probe: bool) {
        self.scanners.push((ip, probe));
        self.sessions += 1;
    }

    /// Session `s` of server `srv`'s receive (else send) log wrote its last row at
    /// `end`: onto the timeline if it was counted, and into its server's log.
    pub fn session_over(&mut self, s: &Session, srv: usize, recv: bool, end: u64) {
        if let Some((group, class)) = s.evidence {
            self.timeline.push(group, class, s.start_ms, end);
        }
        self.server_session(srv, recv, s.logged_ver);
    }

    /// A session of server `srv`'s receive (else send) log is over; `logged` = the
    /// version its TLS line named.
    fn server_session(&mut self, srv: usize, recv: bool, logged: Option<Ver>) {
        if self.servers.len() <= srv {
            self.servers.resize(srv + 1, [(false, None); 2]);
        }
        let e = &mut self.servers[srv][if recv { 0 } else { 1 }];
        e.0 = true;
        e.1 = e.1.max(logged);
    }

    /// Writes expected-servers.csv (`server,log,highest`), by server then log.
    pub fn write_servers(&self, servers: &[Srv], path: &Path) -> io::Result<()> {
        let mut rows = Vec::new();
        for (i, logs) in self.servers.iter().enumerate() {
            for (k, &(seen, v)) in logs.iter().enumerate() {
                if seen {
                    let log = if k == 0 { "receive" } else { "send" };
                    rows.push((servers[i].name.as_str(), log, v.map_or("", ver_column)));
                }
            }
        }
        rows.sort();
        let mut w = BufWriter::new(File::create(path)?);
        writeln!(w, "server,log,highest")?;
        for (s, l, v) in rows {
            writeln!(w, "{s},{l},{v}")?;
        }
        w.flush()
    }

    /// Writes expected.csv, rows by direction then partner name; returns the row count.
    /// Takes the timeline: the evidence is computed here, once every session is over.
    pub fn write(&mut self, names: &[String], path: &Path) -> io::Result<usize> {
        let fallbacks = std::mem::take(&mut self.timeline).fallbacks();
        let mut rows: Vec<(&str, &str, Row)> = self
            .counts
            .iter()
            .map(|(&(d, p), c)| {
                let f = fallbacks.get(&group_key(d, p)).copied().unwrap_or_default();
                (
                    DIR_NAMES[d as usize],
                    names[p as usize].as_str(),
                    counted_row(c, f),
                )
            })
            .collect();
        rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut scanners: Vec<(String, bool)> = self
            .scanners
            .iter()
            .map(|&(ip, probe)| (ip_str(ip), probe))
            .collect();
        scanners.sort_unstable();

        let mut w = BufWriter::new(File::create(path)?);
        writeln!(w, "{HEAD},{TAIL}")?;
        // Merge the two sorted lists; scanner addresses are never partner keys of
        // `counts` (their addresses are new), so there are no ties.
        let scanner_dir = DIR_NAMES[DIR_IN as usize];
        let mut si = scanners.iter().peekable();
        for (d, p, r) in &rows {
            while let Some((ip, probe)) =
                si.next_if(|(ip, _)| (scanner_dir, ip.as_str()) < (*d, *p))
            {
                self.write_row(&mut w, scanner_dir, ip, &scanner_row(*probe))?;
            }
            self.write_row(&mut w, d, p, r)?;
        }
        for (ip, probe) in si {
            self.write_row(&mut w, scanner_dir, ip, &scanner_row(*probe))?;
        }
        w.flush()?;
        Ok(rows.len() + scanners.len())
    }

    fn write_row(&self, w: &mut impl Write, d: &str, p: &str, r: &Row) -> io::Result<()> {
        let o = &r.outs;
        writeln!(
            w,
            "{d},{p},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            r.sessions,
            r.messages,
            o[Out::V13 as usize],
            o[Out::V12 as usize],
            o[Out::V11 as usize],
            o[Out::V10 as usize],
            o[Out::Ssl3 as usize],
            o[Out::Ssl2 as usize],
            o[Out::Unknown as usize],
            o[Out::Failed as usize],
            o[Out::Clear as usize],
            o[Out::Incomplete as usize],
            o[Out::NoConversation as usize],
            r.weak,
            r.hosts,
            r.fallback[0],
            r.fallback[1],
            r.fallback[2],
        )
    }
}

fn counted_row(c: &Counts, fallback: Fallback) -> Row {
    Row {
        sessions: c.sessions,
        messages: c.messages,
        outs: c.outs,
        weak: c.weak,
        hosts: c.hosts.len(),
        fallback,
    }
}

/// The expected.csv column of a negotiated version.
fn ver_column(v: Ver) -> &'static str {
    match v {
        Ver::T13 => "tls1_3",
        Ver::T12 => "tls1_2",
        Ver::T11 => "tls1_1",
        Ver::T10 => "tls1_0",
        Ver::Ssl3 => "ssl3",
        Ver::Ssl2 => "ssl2",
    }
}

/// What a session with outcome `out` is to the fallback rule; None = nothing (a port
/// probe or an incomplete session).
pub fn class_of(out: Out) -> Option<Class> {
    match out {
        Out::Clear => Some(Class::Clear),
        Out::Failed => Some(Class::Failed),
        Out::Incomplete | Out::NoConversation => None,
        _ => Some(Class::Tls),
    }
}

/// A scanner's row: one session from one address, no mail; cleartext if it said EHLO.
fn scanner_row(probe: bool) -> Row {
    let mut outs = [0; OUTS];
    outs[if probe {
        Out::NoConversation
    } else {
        Out::Clear
    } as usize] = 1;
    Row {
        sessions: 1,
        messages: 0,
        outs,
        weak: 0,
        hosts: 1,
        fallback: [0; 3],
    }
}
