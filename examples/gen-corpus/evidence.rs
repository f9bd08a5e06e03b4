//! Fallback evidence, the ground truth of what a (direction, partner) did after each of
//! its failed STARTTLS sessions, computed from the generator's own timeline (when each
//! session's first and last row were written), not from the logs.
//!
//! The rule: for a `tls_failed` session F, the other sessions S of its group that are
//! cleartext or TLS (any version, unknown, or failed) and start in
//! `[F.end, F.end + WINDOW_MS]`; the one that starts first decides (cleartext wins a tie):
//! cleartext => `retried_in_cleartext`, TLS => `retried_with_tls`, none =>
//! `no_retry_seen`. Port probes (`no_conversation`) and `incomplete` sessions are no retry.

use std::collections::HashMap;

/// How long after a failure a new session still counts as its retry.
pub const WINDOW_MS: u64 = 3_600_000;

/// What a session is to the rule; port probes and incomplete sessions get no record.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Class {
    Clear,
    Tls,
    /// TLS that failed: a retry of an earlier failure like any TLS session, and itself a
    /// failure to look past
    Failed,
}

/// One session on the timeline, kept small: a big corpus has millions.
#[derive(Clone, Copy)]
struct Rec {
    /// direction << 32 | interned partner
    group: u64,
    start: u64,
    end: u64,
    class: Class,
}

/// Per group: `[retried_in_cleartext, retried_with_tls, no_retry_seen]`.
pub type Fallback = [u64; 3];

/// Every counted session's group, start, end and class, in the order they ended.
#[derive(Default)]
pub struct Timeline {
    recs: Vec<Rec>,
}

pub fn group_key(dir: u8, pid: u32) -> u64 {
    (dir as u64) << 32 | pid as u64
}

impl Timeline {
    pub fn push(&mut self, group: u64, class: Class, start: u64, end: u64) {
        self.recs.push(Rec {
            group,
            start,
            end,
            class,
        });
    }

    /// Applies the rule to every failure; only groups with a failure get an entry.
    pub fn fallbacks(mut self) -> HashMap<u64, Fallback> {
        self.recs
            .sort_unstable_by_key(|r| (r.group, r.start, r.class));
        let mut out = HashMap::new();
        let mut i = 0;
        while i < self.recs.len() {
            let g = self.recs[i].group;
            let n = self.recs[i..].partition_point(|r| r.group == g);
            let group = &self.recs[i..i + n];
            if group.iter().any(|r| r.class == Class::Failed) {
                out.insert(g, group_fallback(group));
            }
            i += n;
        }
        out
    }
}

/// The rule over one group's records, sorted by start.
fn group_fallback(group: &[Rec]) -> Fallback {
    let mut f = [0; 3];
    for (fi, fail) in group.iter().enumerate() {
        if fail.class != Class::Failed {
            continue;
        }
        let from = group.partition_point(|r| r.start < fail.end);
        // The earliest other session that starts at or after the failure's end, if it
        // starts within the window, and every other one that starts at that moment.
        let mut next = (from..group.len()).filter(|&k| k != fi).peekable();
        let first = match next.peek() {
            Some(&k) if group[k].start <= fail.end + WINDOW_MS => group[k].start,
            _ => {
                f[2] += 1;
                continue;
            }
        };
        let clear = next
            .take_while(|&k| group[k].start == first)
            .any(|k| group[k].class == Class::Clear);
        f[if clear { 0 } else { 1 }] += 1;
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tl(recs: &[(u64, u64, Class)]) -> Fallback {
        let mut t = Timeline::default();
        for &(s, e, c) in recs {
            t.push(7, c, s, e);
        }
        t.fallbacks().get(&7).copied().unwrap_or_default()
    }

    #[test]
    fn the_first_session_after_the_end_decides_and_clear_wins_ties() {
        use Class::*;
        assert_eq!(tl(&[(0, 10, Failed), (10, 20, Clear)]), [1, 0, 0]);
        assert_eq!(tl(&[(0, 10, Failed), (5, 20, Clear)]), [0, 0, 1]);
        assert_eq!(
            tl(&[(0, 10, Failed), (11, 20, Tls), (12, 20, Clear)]),
            [0, 1, 0]
        );
        assert_eq!(
            tl(&[(0, 10, Failed), (11, 20, Tls), (11, 20, Clear)]),
            [1, 0, 0]
        );
        assert_eq!(tl(&[(0, 10, Failed), (10 + WINDOW_MS, 1, Tls)]), [0, 1, 0]);
        assert_eq!(
            tl(&[(0, 10, Failed), (11 + WINDOW_MS, 1, Clear)]),
            [0, 0, 1]
        );
        // a failure right after a failure is a TLS retry; a zero-length failure is no
        // retry of itself
        assert_eq!(tl(&[(0, 10, Failed), (10, 10, Failed)]), [0, 1, 1]);
    }
}
