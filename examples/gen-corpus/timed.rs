//! Sessions that write their rows on their own clock rather than when their log is
//! picked: each row is due at a moment, a round trip or two after the one before, so the
//! session takes seconds whatever the corpus size (scanners, low-traffic partners).

use crate::session::Session;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A session waiting for the clock to reach its next row.
struct Pending {
    at: u64,
    /// ties on `at` go in the order the rows were scheduled
    seq: u64,
    stream: usize,
    session: Session,
}

impl PartialEq for Pending {
    fn eq(&self, o: &Self) -> bool {
        (self.at, self.seq) == (o.at, o.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Pending {
    /// Reversed: the heap's top is the earliest row.
    fn cmp(&self, o: &Self) -> Ordering {
        (o.at, o.seq).cmp(&(self.at, self.seq))
    }
}

/// The sessions waiting for their next row, earliest first.
#[derive(Default)]
pub struct Timed {
    pending: BinaryHeap<Pending>,
    seq: u64,
}

impl Timed {
    /// Session `session` of stream `stream` writes its next row at `at`.
    pub fn push(&mut self, at: u64, stream: usize, session: Session) {
        self.seq += 1;
        self.pending.push(Pending {
            at,
            seq: self.seq,
            stream,
            session,
        });
    }

    /// When the earliest waiting row is due.
    pub fn next_at(&self) -> Option<u64> {
        self.pending.peek().map(|p| p.at)
    }

    /// The earliest session whose row is due by `now`, with its stream.
    pub fn pop_due(&mut self, now: u64) -> Option<(usize, Session)> {
        if self.next_at().is_some_and(|at| at <= now) {
            let p = self.pending.pop().unwrap();
            Some((p.stream, p.session))
        } else {
            None
        }
    }
}
