//! `--scanners N`: the internet's background noise at an internet-facing server. Each
//! scanner is one fresh public address with one short session (EHLO and QUIT, or a port
//! probe that says nothing), scheduled evenly over the period on its own random stream.

use crate::dialogue::our_ehlo_reply;
use crate::host::HostKind;
use crate::receive::internet_session;
use crate::rng::Rng;
use crate::session::{Local, Session, State};
use crate::timed::Timed;
use crate::world::{ip_str, public_ip, World};
use crate::writer::{Kind, Stream};
use std::collections::HashSet;

/// Names botnets and scanners greet with: default Windows and Linux host names, bare
/// words. None has a dot: the partner of a scanner is its address.
const SCANNER_NAMES: &[&str] = &[
    "ylmf-pc",
    "User",
    "localhost",
    "Windows7",
    "WIN7-PC",
    "ADMIN-PC",
    "DESKTOP",
    "mail",
    "smtp",
    "test",
    "host",
    "server",
    "EHLO",
    "hello",
    "ubuntu",
    "kali",
    "MicrosoftOffice",
];

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ra", "ne", "to", "vi", "su", "de", "ba", "ro", "ly", "an", "el", "or", "qu",
    "zen", "tar", "mon", "vel",
];

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The scanners still to come and the sessions of those that have started.
pub struct Scanners {
    rng: Rng,
    total: u64,
    /// scanners started so far; scanner k is due at `due`
    started: u64,
    due: u64,
    start_ms: u64,
    period_ms: u64,
    /// the internet-facing receive streams, FrontEnd (2013+) and 2010's only level, each
    /// with its server
    streams: Vec<(usize, usize)>,
    /// every address in the corpus: a scanner never shares one
    used: HashSet<u32>,
    pending: Timed,
}

impl Scanners {
    /// `total` scanners over `period_ms` from `start_ms`, on the receive logs among
    /// `streams` that face the internet. `used` holds every address already taken.
    pub fn new(
        seed: u64,
        total: u64,
        (start_ms, period_ms): (u64, u64),
        streams: &[Stream],
        used: HashSet<u32>,
    ) -> Scanners {
        let streams = (0..streams.len())
            .filter(|&i| matches!(streams[i].kind, Kind::FeRecv | Kind::LegRecv))
            .map(|i| (i, streams[i].srv))
            .collect();
        let mut s = Scanners {
            rng: Rng::new(seed, 3),
            total,
            started: 0,
            due: 0,
            start_ms,
            period_ms,
            streams,
            used,
            pending: Timed::default(),
        };
        s.due = s.due_of(0);
        s
    }

    /// Scanner k starts at a random moment of the k-th of `total` equal slices of the
    /// period: even over the day (bots keep no office hours), in order, never bunched.
    fn due_of(&mut self, k: u64) -> u64 {
        let f = (k as f64 + self.rng.f64()) / self.total.max(1) as f64;
        self.start_ms + (f * self.period_ms as f64) as u64
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// When the next thing happens: a scanner starts or a started one writes a row.
    pub fn next_event(&self) -> Option<u64> {
        let start = (self.started < self.total).then_some(self.due);
        let row = self.pending.next_at();
        start.into_iter().chain(row).min()
    }

    /// Starts every scanner due by `now`; then the next session row due by `now`, with
    /// its stream, if any. The session goes back with `reschedule` unless it is over.
    pub fn next_row(&mut self, now: u64, w: &World, st: &mut State) -> Option<(usize, Session)> {
        while self.started < self.total && self.due <= now {
            self.start(now, w, st);
        }
        self.pending.pop_due(now)
    }

    /// Puts a session back to write its next row a little later (a round trip or two).
    pub fn reschedule(&mut self, stream: usize, session: Session, now: u64) {
        let at = now + self.rng.range(1, 300);
        self.pending.push(at, stream, session);
    }

    /// The next scanner: a fresh address on one of the internet-facing logs, its session
    /// and its ground truth.
    fn start(&mut self, now: u64, w: &World, st: &mut State) {
        let (stream, srv_i) = *self.rng.pick(&self.streams);
        let ip = public_ip(&mut self.rng, &mut self.used);
        // One in four never greets: a port probe.
        let probe = self.rng.below(4) == 0;
        let session = self.session(Local::new(w, srv_i, now), st, ip, probe);
        st.truth.account_scanner(ip, probe);
        self.started += 1;
        self.due = self.due_of(self.started);
        self.pending.push(now, stream, session);
    }

    /// Connect, our banner, then EHLO, our reply (offering STARTTLS, never taken), QUIT
    /// and our 221 — or, for a probe, nothing; either way the scanner hangs up.
    fn session(&mut self, l: Local, st: &mut State, ip: u32, probe: bool) -> Session {
        let sid = st.sid_from(l.srv_i, &mut self.rng);
        let port = self.rng.range(1025, 65000);
        let ipstr = ip_str(ip);
        let mut s = internet_session(l, sid, &ipstr, port, HostKind::Bot);
        if !probe {
            let name = scanner_name(&mut self.rng);
            s.r("<", &format!("EHLO {name}"), "");
            s.r(">", &our_ehlo_reply(l.srv, &ipstr, false, true, false), "");
            s.r("<", "QUIT", "");
            s.r(">", "221 2.0.0 Service closing transmission channel", "");
        }
        s.r("-", "", "Remote");
        s
    }
}

/// A scanner's EHLO name: a known bot name, a random lowercase word, or a random string
/// (some shaped like a default Windows host name). Never a dot, never a comma.
fn scanner_name(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=3 => rng.pick_str(SCANNER_NAMES).to_string(),
        4..=6 => (0..rng.range(2, 4))
            .map(|_| rng.pick_str(SYLLABLES))
            .collect(),
        7 => format!("WIN-{}", random_string(rng, 11).to_ascii_uppercase()),
        _ => {
            let n = rng.range(6, 12) as usize;
            random_string(rng, n)
        }
    }
}

fn random_string(rng: &mut Rng, n: usize) -> String {
    (0..n).map(|_| *rng.pick(ALNUM) as char).collect()
}
