//! The low-traffic partners (`World::sparse`): a few sessions a day each way, on a
//! schedule of their own instead of a zipf rank, so that the hour after each of their
//! failed handshakes is really empty — they give up, and the ground truth says
//! `no_retry_seen`. Each (partner, direction) has one session every 100–195 minutes,
//! the first within 90 minutes of the start: at least two in a 6-hour corpus. Session 0
//! succeeds, session 1 fails its handshake, later ones fail one time in three. Their
//! rows come on their own clock (`timed`), so a session takes seconds at any size.

use crate::fallback::Try;
use crate::receive::recv_ext;
use crate::rng::Rng;
use crate::send::send_ext;
use crate::server::Flavor;
use crate::session::{Local, Session, State};
use crate::timed::Timed;
use crate::world::World;
use crate::writer::{Kind, Stream};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

const MINUTE: u64 = 60_000;

/// The sessions of one partner in one direction.
struct Schedule {
    partner: usize,
    send: bool,
    interval: u64,
    /// sessions started so far
    k: u32,
}

pub struct Sparse {
    rng: Rng,
    schedules: Vec<Schedule>,
    /// (when, schedule) of each schedule's next session, earliest first
    due: BinaryHeap<Reverse<(u64, usize)>>,
    end_ms: u64,
    /// the FrontEnd receive and the Hub send streams of the 2013+ servers (2010 logs no
    /// version: their TLS 1.0 would not show), each with its server
    recv: Vec<(usize, usize)>,
    send: Vec<(usize, usize)>,
    pending: Timed,
}

impl Sparse {
    /// The schedules of `w.sparse` over `period_ms` from `start_ms`, on their own stream.
    pub fn new(
        seed: u64,
        w: &World,
        streams: &[Stream],
        (start_ms, period_ms): (u64, u64),
    ) -> Sparse {
        let of = |kind: Kind| -> Vec<(usize, usize)> {
            (0..streams.len())
                .filter(|&i| streams[i].kind == kind)
                .filter(|&i| w.servers[streams[i].srv].flavor != Flavor::Ex2010)
                .map(|i| (i, streams[i].srv))
                .collect()
        };
        let mut s = Sparse {
            rng: Rng::new(seed, 5),
            schedules: Vec::new(),
            due: BinaryHeap::new(),
            end_ms: start_ms + period_ms,
            recv: of(Kind::FeRecv),
            send: of(Kind::HubSend),
            pending: Timed::default(),
        };
        for partner in 0..w.sparse.len() {
            for send in [false, true] {
                let interval = s.rng.range(100, 180) * MINUTE;
                let first = start_ms + s.rng.below(interval / 2);
                s.due.push(Reverse((first, s.schedules.len())));
                s.schedules.push(Schedule {
                    partner,
                    send,
                    interval,
                    k: 0,
                });
            }
        }
        s
    }

    /// When the next thing happens: a session starts or a started one writes a row.
    pub fn next_event(&self) -> Option<u64> {
        let start = self.due.peek().map(|r| r.0 .0);
        start.into_iter().chain(self.pending.next_at()).min()
    }

    /// Starts every session due by `now`; then the next row due by `now`, with its
    /// stream, if any. The session goes back with `reschedule` unless it is over.
    pub fn next_row(&mut self, now: u64, w: &World, st: &mut State) -> Option<(usize, Session)> {
        while let Some(&Reverse((at, i))) = self.due.peek() {
            if at > now {
                break;
            }
            self.due.pop();
            self.start(i, now, w, st);
            // Up to 15 minutes late: still more than an hour and a half apart.
            let next = at + self.schedules[i].interval + self.rng.below(15 * MINUTE);
            if next < self.end_ms {
                self.due.push(Reverse((next, i)));
            }
        }
        self.pending.pop_due(now)
    }

    /// Puts a session back to write its next row a little later (a round trip or two).
    pub fn reschedule(&mut self, stream: usize, session: Session, now: u64) {
        let at = now + self.rng.range(5, 400);
        self.pending.push(at, stream, session);
    }

    /// The next session of schedule `i`: one of the partner's MTAs, at one of our
    /// servers, failing or not as the schedule has it.
    fn start(&mut self, i: usize, now: u64, w: &World, st: &mut State) {
        let sc = &mut self.schedules[i];
        let k = sc.k;
        sc.k += 1;
        let send = sc.send;
        let hid = *self.rng.pick(&w.sparse[sc.partner]);
        let fail = k == 1 || (k > 1 && self.rng.below(3) == 0);
        let t = if fail { Try::Fail } else { Try::First };
        let streams = if send { &self.send } else { &self.recv };
        let (stream, srv) = *self.rng.pick(streams);
        let l = Local::new(w, srv, now);
        let session = if send {
            send_ext(l, st, hid, t, 0)
        } else {
            recv_ext(l, st, hid, t)
        };
        // They give up after a failure: no follow-up to run.
        debug_assert!(session.followup.is_none());
        self.pending.push(now, stream, session);
    }
}
