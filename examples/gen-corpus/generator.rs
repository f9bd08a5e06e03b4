//! The driver: picks which log writes next, starts sessions in it, interleaves their rows
//! on one clock until the size is reached, then drains every open session.

use crate::cli::Cfg;
use crate::expected::Truth;
use crate::fallback::Try;
use crate::receive::{recv_ext, recv_int};
use crate::rng::Rng;
use crate::scanner::Scanners;
use crate::send::{send_ext, send_int};
use crate::server::Flavor;
use crate::session::{Local, Session, State};
use crate::sparse::Sparse;
use crate::time::{iso, Diurnal, TsFmt};
use crate::world::{build_world, World};
use crate::writer::{next_row, open_streams, Kind, Stats, Stream};
use std::fs;
use std::io;
use std::path::Path;
use std::time::Instant;

struct Gen {
    w: World,
    st: State,
    streams: Vec<Stream>,
    /// cumulative stream weights, to pick the stream of the next row
    scum: Vec<f64>,
    ts: TsFmt,
    line: Vec<u8>,
    stats: Stats,
    clock: u64,
    diurnal: Diurnal,
    cfg_size: u64,
    max_file: u64,
    scanners: Scanners,
    sparse: Sparse,
}

/// Writes the corpus and expected.csv into `cfg.out`, then the summary unless quiet.
pub fn generate(cfg: &Cfg) -> io::Result<()> {
    let t0 = Instant::now();
    refuse_non_empty(&cfg.out)?;
    let mut g = Gen::new(cfg)?;
    g.run()?;
    let nexp =
        g.st.truth
            .write(&g.w.names, &cfg.out.join("expected.csv"))?;
    g.st.truth
        .write_servers(&g.w.servers, &cfg.out.join("expected-servers.csv"))?;
    if !cfg.quiet {
        g.summary(nexp, t0.elapsed().as_secs_f64(), &cfg.out);
    }
    Ok(())
}

/// Two corpora in one directory would make both ground truths wrong.
fn refuse_non_empty(out: &Path) -> io::Result<()> {
    if out.exists() && fs::read_dir(out)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is not empty; refusing to mix corpora",
                out.display()
            ),
        ));
    }
    Ok(())
}

impl Gen {
    fn new(cfg: &Cfg) -> io::Result<Gen> {
        let mut w = build_world(cfg);
        // One stream for the file layout and then the whole dialogue.
        let mut rng = Rng::new(cfg.seed, 2);
        let streams = open_streams(&w.servers, &cfg.out, &mut rng)?;
        let mut scum = Vec::new();
        let mut acc = 0.0;
        for s in &streams {
            acc += s.kind.weight();
            scum.push(acc);
        }
        let st = State::new(rng, cfg.seed, w.servers.len(), Truth::default());
        let period = (w.start_ms, cfg.hours * 3_600_000);
        let used = std::mem::take(&mut w.used_ips);
        let scanners = Scanners::new(cfg.seed, cfg.scanners, period, &streams, used);
        let sparse = Sparse::new(cfg.seed, &w, &streams, period);
        Ok(Gen {
            clock: w.start_ms,
            diurnal: Diurnal::new(w.start_ms, cfg.hours),
            w,
            st,
            streams,
            scum,
            ts: TsFmt::default(),
            line: Vec::with_capacity(4096),
            stats: Stats::default(),
            cfg_size: cfg.size,
            max_file: cfg.max_file,
            scanners,
            sparse,
        })
    }

    /// A new session for stream `si`, of a kind its log sees.
    fn new_session(&mut self, si: usize) -> Session {
        let (srv, kind) = (self.streams[si].srv, self.streams[si].kind);
        let w = &self.w;
        let st = &mut self.st;
        let l = Local::new(w, srv, self.clock);
        match kind {
            Kind::FeRecv => {
                let h = external_client(w, st);
                recv_ext(l, st, h, Try::First)
            }
            Kind::LegRecv => {
                // 2010 has no FrontEnd: internet clients and our servers share its log.
                if st.rng.chance(0.75) || w.modern.is_empty() {
                    let h = external_client(w, st);
                    recv_ext(l, st, h, Try::First)
                } else {
                    let p = *st.rng.pick(&w.modern);
                    recv_int(l, st, p, false)
                }
            }
            Kind::HubRecv => {
                let p = st.rng.below(w.servers.len() as u64) as usize;
                let proxy = w.servers[p].flavor != Flavor::Ex2010 && st.rng.chance(0.7);
                recv_int(l, st, p, proxy)
            }
            Kind::FeSend => {
                let p = *st.rng.pick(&w.modern);
                send_int(l, st, p, true)
            }
            Kind::HubSend | Kind::LegSend => {
                let others: Vec<usize> = (0..w.servers.len())
                    .filter(|&i| {
                        i != srv && (kind == Kind::HubSend || w.servers[i].flavor != Flavor::Ex2010)
                    })
                    .collect();
                if st.rng.chance(0.8) || others.is_empty() {
                    let h = w.pick_partner_host(&mut st.rng);
                    send_ext(l, st, h, Try::First, 0)
                } else {
                    let p = *st.rng.pick(&others);
                    send_int(l, st, p, false)
                }
            }
        }
    }

    /// Writes the next row of open session `j` of stream `si`; a finished session makes
    /// room for its follow-up (a retry), if any.
    fn emit(&mut self, si: usize, j: usize) -> io::Result<()> {
        let st = &mut self.streams[si];
        let done = next_row(&mut st.open[j], &mut self.line, &mut self.ts, self.clock);
        st.write_row(&self.line, self.clock, self.max_file, &mut self.stats)?;
        if done {
            let recv = st.kind.recv();
            self.st
                .truth
                .session_over(&st.open[j], st.srv, recv, self.clock);
            let s = st.open.swap_remove(j);
            if let Some(f) = s.followup {
                st.open.push(*f);
            }
        }
        Ok(())
    }

    /// Writes the rows of scanner sessions due by now (scanners that start, rows of
    /// those that have). Their own stream draws them, so the rest of the corpus does not
    /// depend on them.
    fn scanner_rows(&mut self) -> io::Result<()> {
        let now = self.clock;
        while let Some((si, mut s)) = self.scanners.next_row(now, &self.w, &mut self.st) {
            let done = self.timed_row(si, &mut s, now)?;
            self.stats.scanner_bytes += self.line.len() as u64;
            if !done {
                self.scanners.reschedule(si, s, now);
            }
        }
        Ok(())
    }

    /// Writes the rows of low-traffic partners' sessions due by now. They count towards
    /// `--size` like all but the scanners.
    fn sparse_rows(&mut self) -> io::Result<()> {
        let now = self.clock;
        while let Some((si, mut s)) = self.sparse.next_row(now, &self.w, &mut self.st) {
            if !self.timed_row(si, &mut s, now)? {
                self.sparse.reschedule(si, s, now);
            }
        }
        Ok(())
    }

    /// Writes the next row of a session on its own clock (not in a stream's open list)
    /// to stream `si` at `now`; returns whether it was the last.
    fn timed_row(&mut self, si: usize, s: &mut Session, now: u64) -> io::Result<bool> {
        let done = next_row(s, &mut self.line, &mut self.ts, now);
        let st = &mut self.streams[si];
        st.write_row(&self.line, now, self.max_file, &mut self.stats)?;
        if done {
            self.st.truth.session_over(s, st.srv, st.kind.recv(), now);
        }
        Ok(done)
    }

    /// The scanner and low-traffic sessions still to come once the rest is written: the
    /// clock follows them.
    fn finish_timed(&mut self) -> io::Result<()> {
        // (Option's own min would take None, "no scanners", for the earliest.)
        let next = |g: &Gen| {
            g.scanners
                .next_event()
                .into_iter()
                .chain(g.sparse.next_event())
                .min()
        };
        while let Some(t) = next(self) {
            self.clock = self.clock.max(t);
            self.scanner_rows()?;
            self.sparse_rows()?;
        }
        Ok(())
    }

    /// Moves the clock to where the bytes written so far put it (never back). Scanner
    /// rows do not count: they come on top of `--size`.
    fn tick(&mut self) {
        let f = self.stats.traffic_bytes() as f64 / self.cfg_size as f64;
        let t = self.diurnal.at(f);
        if t > self.clock {
            self.clock = t;
        }
    }

    /// One row of stream `si`: from a new session while few are open (and now and then
    /// up to the stream's limit), else from a random open one.
    fn step(&mut self, si: usize) -> io::Result<()> {
        self.tick();
        self.scanner_rows()?;
        self.sparse_rows()?;
        let n = self.streams[si].open.len();
        let max_open = self.streams[si].kind.max_open();
        let start = n < 2 || (n < max_open && self.st.rng.chance(0.06));
        let j = if start {
            let s = self.new_session(si);
            self.streams[si].open.push(s);
            self.streams[si].open.len() - 1
        } else {
            self.st.rng.below(n as u64) as usize
        };
        self.emit(si, j)
    }

    fn run(&mut self) -> io::Result<()> {
        self.fill()?;
        self.drain()?;
        self.finish_timed()?;
        for s in &mut self.streams {
            s.flush()?;
        }
        Ok(())
    }

    /// Rows from weighted-random streams until the size is reached.
    fn fill(&mut self) -> io::Result<()> {
        let total = *self.scum.last().unwrap();
        while self.stats.traffic_bytes() < self.cfg_size {
            let x = self.st.rng.f64() * total;
            let si = self
                .scum
                .partition_point(|&c| c <= x)
                .min(self.streams.len() - 1);
            self.step(si)?;
        }
        Ok(())
    }

    /// Finishes every open session, so each one in the ground truth is whole in the logs
    /// (the clock creeps on a few ms per row).
    fn drain(&mut self) -> io::Result<()> {
        loop {
            let live: Vec<usize> = (0..self.streams.len())
                .filter(|&i| !self.streams[i].open.is_empty())
                .collect();
            if live.is_empty() {
                return Ok(());
            }
            for _ in 0..64 {
                let si = *self.st.rng.pick(&live);
                let n = self.streams[si].open.len();
                if n == 0 {
                    continue;
                }
                self.clock += self.st.rng.below(40);
                let j = self.st.rng.below(n as u64) as usize;
                self.emit(si, j)?;
            }
        }
    }

    fn summary(&self, nexp: usize, el: f64, out: &Path) {
        let scanners = match self.scanners.total() {
            0 => String::new(),
            n => format!(
                " (of them {n} scanner sessions, {} bytes)",
                self.stats.scanner_bytes
            ),
        };
        eprintln!(
            "gen-corpus: {} files, {} bytes ({:.1} MB), {} rows, {} sessions{scanners}, {} messages, {} expected rows, {} .. {} in {:.2} s ({:.0} MB/s) -> {}",
            self.stats.files,
            self.stats.bytes,
            self.stats.bytes as f64 / 1e6,
            self.stats.rows,
            self.st.truth.sessions,
            self.st.truth.messages,
            nexp,
            iso(self.w.start_ms),
            iso(self.clock),
            el,
            self.stats.bytes as f64 / 1e6 / el,
            out.display()
        );
    }
}

/// The client of a new receive session at an internet-facing log: a few bots, literal
/// clients, devices and submitters, the rest partner MTAs.
fn external_client(w: &World, st: &mut State) -> u32 {
    let r = st.rng.f64();
    if r < 0.03 {
        *st.rng.pick(&w.bots)
    } else if r < 0.06 {
        *st.rng.pick(&w.literals)
    } else if r < 0.10 {
        *st.rng.pick(&w.devices)
    } else if r < 0.12 {
        *st.rng.pick(&w.submitters)
    } else {
        w.pick_partner_host(&mut st.rng)
    }
}
