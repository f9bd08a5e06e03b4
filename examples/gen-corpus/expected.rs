//! The ground truth: what every session was decided to be, counted per (direction,
//! partner), and written to `OUT_DIR/expected.csv`.

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
const TAIL: &str = "weak_cipher,hosts";

/// The counts per (direction, interned partner key), and the totals for the summary.
#[derive(Default)]
pub struct Truth {
    counts: BTreeMap<(u8, u32), Counts>,
    /// `--scanners` sessions, one per address: (address, port probe). Kept apart and
    /// small, as a million of them would be a million `Counts`.
    scanners: Vec<(u32, bool)>,
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

    /// Writes expected.csv, rows by direction then partner name; returns the row count.
    pub fn write(&self, names: &[String], path: &Path) -> io::Result<usize> {
        let mut rows: Vec<(&str, &str, &Counts)> = self
            .counts
            .iter()
            .map(|(&(d, p), c)| (DIR_NAMES[d as usize], names[p as usize].as_str(), c))
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
        for (d, p, c) in &rows {
            while let Some((ip, probe)) =
                si.next_if(|(ip, _)| (scanner_dir, ip.as_str()) < (*d, *p))
            {
                self.write_row(&mut w, scanner_dir, ip, &scanner_row(*probe))?;
            }
            self.write_row(&mut w, d, p, &counted_row(c))?;
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
            "{d},{p},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
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
        )
    }
}

fn counted_row(c: &Counts) -> Row {
    Row {
        sessions: c.sessions,
        messages: c.messages,
        outs: c.outs,
        weak: c.weak,
        hosts: c.hosts.len(),
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
    }
}
