//! Log files: one stream per server and log directory, each writing rows into hourly or
//! daily files with the Exchange header, rolling over at the size limit.

use crate::rng::{Rng, HEX};
use crate::server::{Flavor, Srv};
use crate::session::Session;
use crate::time::{iso, tm, TsFmt};
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// Which log a stream is: FrontEnd or Hub (2013+) or a 2010 server's only level, receive
/// or send.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    FeRecv,
    HubRecv,
    FeSend,
    HubSend,
    LegRecv,
    LegSend,
}

impl Kind {
    pub fn recv(self) -> bool {
        matches!(self, Kind::FeRecv | Kind::HubRecv | Kind::LegRecv)
    }
    /// How often the stream is picked to write the next row.
    pub fn weight(self) -> f64 {
        match self {
            Kind::FeRecv => 1.0,
            Kind::HubRecv => 0.55,
            Kind::FeSend => 0.45,
            Kind::HubSend => 1.0,
            Kind::LegRecv => 0.9,
            Kind::LegSend => 0.8,
        }
    }
    /// How many sessions the stream keeps open (interleaved) at most.
    pub fn max_open(self) -> usize {
        match self {
            Kind::FeRecv => 24,
            Kind::HubRecv => 10,
            Kind::FeSend => 8,
            Kind::HubSend => 20,
            Kind::LegRecv => 16,
            Kind::LegSend => 12,
        }
    }
}

/// One protocol-log directory of one server and the sessions open in it.
pub struct Stream {
    pub srv: usize,
    pub kind: Kind,
    dir: PathBuf,
    hourly: bool,
    version: &'static str,
    /// how late the server flushes its rows: file boundaries fall at write time
    lag_ms: u64,
    w: Option<BufWriter<File>>,
    /// the hour or day of the current file
    period: u64,
    /// the rollover number of the current file in its period (the `-N` of the name)
    n: u32,
    size: u64,
    pub open: Vec<Session>,
}

#[derive(Default)]
pub struct Stats {
    pub bytes: u64,
    pub rows: u64,
    pub files: u64,
    /// the rows of `--scanners` sessions, which come on top of `--size`
    pub scanner_bytes: u64,
}

impl Stats {
    /// The bytes that count towards `--size`: all but the scanners' rows.
    pub fn traffic_bytes(&self) -> u64 {
        self.bytes - self.scanner_bytes
    }
}

const BOM: &[u8] = b"\xEF\xBB\xBF";
const FIELDS: &str = "date-time,connector-id,session-id,sequence-number,local-endpoint,remote-endpoint,event,data,context";

/// The streams of every server, in server order: 2010 writes ProtocolLog/SmtpReceive and
/// SmtpSend; 2013+ a FrontEnd and a Hub level of each. Creates the directories.
pub fn open_streams(servers: &[Srv], out: &Path, rng: &mut Rng) -> io::Result<Vec<Stream>> {
    let mut streams = Vec::new();
    for (i, s) in servers.iter().enumerate() {
        let base = out.join(&s.name);
        let kinds: &[(Kind, &str)] = if s.flavor == Flavor::Ex2010 {
            &[
                (Kind::LegRecv, "ProtocolLog/SmtpReceive"),
                (Kind::LegSend, "ProtocolLog/SmtpSend"),
            ]
        } else {
            &[
                (Kind::FeRecv, "FrontEnd/ProtocolLog/SmtpReceive"),
                (Kind::HubRecv, "Hub/ProtocolLog/SmtpReceive"),
                (Kind::HubSend, "Hub/ProtocolLog/SmtpSend"),
                (Kind::FeSend, "FrontEnd/ProtocolLog/SmtpSend"),
            ]
        };
        for &(kind, sub) in kinds {
            let dir = base.join(sub);
            fs::create_dir_all(&dir)?;
            streams.push(Stream {
                srv: i,
                kind,
                dir,
                hourly: s.flavor.hourly(),
                version: s.flavor.version(),
                lag_ms: rng.range(0, 2500),
                w: None,
                period: 0,
                n: 0,
                size: 0,
                open: Vec::new(),
            });
        }
    }
    Ok(streams)
}

impl Stream {
    /// Starts file `self.n` of the period of `write_ms`: BOM and header block.
    fn open_file(&mut self, write_ms: u64, stats: &mut Stats) -> io::Result<()> {
        if let Some(mut w) = self.w.take() {
            w.flush()?;
        }
        let t = tm(write_ms);
        let prefix = if self.kind.recv() { "RECV" } else { "SEND" };
        let name = if self.hourly {
            format!(
                "{prefix}{:04}{:02}{:02}{:02}-{}.LOG",
                t.y, t.mo, t.d, t.h, self.n
            )
        } else {
            format!("{prefix}{:04}{:02}{:02}-{}.LOG", t.y, t.mo, t.d, self.n)
        };
        let mut w = BufWriter::with_capacity(256 * 1024, File::create(self.dir.join(name))?);
        let log_type = if self.kind.recv() {
            "SMTP Receive Protocol Log"
        } else {
            "SMTP Send Protocol Log"
        };
        let hdr = format!(
            "#Software: Microsoft Exchange Server\r\n#Version: {}\r\n#Log-type: {}\r\n#Date: {}\r\n#Fields: {}\r\n",
            self.version,
            log_type,
            iso(write_ms),
            FIELDS
        );
        w.write_all(BOM)?;
        w.write_all(hdr.as_bytes())?;
        self.size = (BOM.len() + hdr.len()) as u64;
        stats.bytes += self.size;
        stats.files += 1;
        self.w = Some(w);
        Ok(())
    }

    /// Appends one encoded row logged at `row_ms`: a new file when the hour (day) of the
    /// write has changed or the file would grow past `max`.
    pub fn write_row(
        &mut self,
        line: &[u8],
        row_ms: u64,
        max: u64,
        stats: &mut Stats,
    ) -> io::Result<()> {
        let wt = row_ms + self.lag_ms;
        let p = if self.hourly {
            wt / 3_600_000
        } else {
            wt / 86_400_000
        };
        if self.w.is_none() || p > self.period {
            self.period = p;
            self.n = 1;
            self.open_file(wt, stats)?;
        } else if self.size + line.len() as u64 > max && self.size > 400 {
            self.n += 1;
            self.open_file(wt, stats)?;
        }
        self.w.as_mut().unwrap().write_all(line)?;
        self.size += line.len() as u64;
        stats.bytes += line.len() as u64;
        stats.rows += 1;
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        if let Some(mut w) = self.w.take() {
            w.flush()?;
        }
        Ok(())
    }
}

/// Encodes the next row of `s` into `line` (all nine columns, CRLF), logged at `now`;
/// returns whether it was the session's last row. The first row stamps `s.start_ms`.
pub fn next_row(s: &mut Session, line: &mut Vec<u8>, ts: &mut TsFmt, now: u64) -> bool {
    let i = s.next as usize;
    if i == 0 {
        // the fallback evidence measures from a session's first row
        s.start_ms = now;
    }
    let a = if i == 0 { 0 } else { s.ends[i - 1] as usize };
    let b = s.ends[i] as usize;
    line.clear();
    ts.push(line, now);
    line.push(b',');
    line.extend_from_slice(s.connector.as_bytes());
    line.push(b',');
    for k in (0..16).rev() {
        line.push(HEX[((s.sid >> (k * 4)) & 15) as usize]);
    }
    line.push(b',');
    line.extend_from_slice(i.to_string().as_bytes());
    line.push(b',');
    if (i as u32) >= s.empty_local {
        line.extend_from_slice(s.local.as_bytes());
    }
    line.push(b',');
    line.extend_from_slice(s.remote.as_bytes());
    line.push(b',');
    line.extend_from_slice(&s.buf[a..b]);
    line.extend_from_slice(b"\r\n");
    s.next += 1;
    s.next as usize == s.ends.len()
}
