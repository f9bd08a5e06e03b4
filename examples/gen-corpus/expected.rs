//! The ground truth: what every session was decided to be, counted per (direction,
//! partner), and written to `OUT_DIR/expected.csv`.

use crate::tls::Ver;
use std::collections::{BTreeMap, HashSet};
use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

/// What a session counts as: the columns `tls1_3` .. `cleartext`, which partition
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
    Clear,
}

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
    outs: [u64; 9],
    weak: u64,
    hosts: HashSet<u32>,
}

pub const DIR_IN: u8 = 0;
pub const DIR_INTERNAL: u8 = 1;
pub const DIR_OUT: u8 = 2;
const DIR_NAMES: [&str; 3] = ["inbound", "internal", "outbound"];

const HEADER: &str = "direction,partner,sessions,messages,tls1_3,tls1_2,tls1_1,tls1_0,ssl3,ssl2,tls_unknown,tls_failed,cleartext,weak_cipher,hosts";

/// The counts per (direction, interned partner key), and the totals for the summary.
#[derive(Default)]
pub struct Truth {
    counts: BTreeMap<(u8, u32), Counts>,
    pub sessions: u64,
    pub messages: u64,
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

    /// Writes expected.csv, rows by direction then partner name; returns the row count.
    pub fn write(&self, names: &[String], path: &Path) -> io::Result<usize> {
        let mut rows: Vec<(&str, &str, &Counts)> = self
            .counts
            .iter()
            .map(|(&(d, p), c)| (DIR_NAMES[d as usize], names[p as usize].as_str(), c))
            .collect();
        rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        let mut w = BufWriter::new(File::create(path)?);
        writeln!(w, "{HEADER}")?;
        for (d, p, c) in &rows {
            write_row(&mut w, d, p, c)?;
        }
        w.flush()?;
        Ok(rows.len())
    }
}

fn write_row(w: &mut impl Write, d: &str, p: &str, c: &Counts) -> io::Result<()> {
    let o = &c.outs;
    writeln!(
        w,
        "{d},{p},{},{},{},{},{},{},{},{},{},{},{},{},{}",
        c.sessions,
        c.messages,
        o[Out::V13 as usize],
        o[Out::V12 as usize],
        o[Out::V11 as usize],
        o[Out::V10 as usize],
        o[Out::Ssl3 as usize],
        o[Out::Ssl2 as usize],
        o[Out::Unknown as usize],
        o[Out::Failed as usize],
        o[Out::Clear as usize],
        c.weak,
        c.hosts.len()
    )
}
