//! The fallback evidence: for each failed TLS handshake, what the same direction and
//! partner did next — went on in cleartext, tried TLS again, or did not come back within
//! the retry window.
//!
//! It runs once, over every session's [`Attempt`] of the whole run: a partner's sessions
//! sit in many files, stretches and servers, so the order of its sessions is only known
//! here, and sorting by time (not by reading order) makes it the same for any `-j` and any
//! split of the input.

use super::days::DayRange;
use super::model::Retries;
use crate::collect::{Attempt, Id, Try};
use crate::parse::time::{day_of, Millis};

/// Each partner's [`Retries`], by partner id; `partner_of` gives a peer's partner id
/// (below `partners`). Only failures that started inside `range` are judged (they are the
/// `tls_failed` sessions the report counts); their retries may fall outside it.
pub fn retries(
    mut attempts: Vec<Attempt>,
    partner_of: impl Fn(Id) -> u32,
    partners: usize,
    window: Millis,
    range: &DayRange,
) -> Vec<Retries> {
    let mut out = vec![Retries::default(); partners];
    // By partner, then time; at one instant cleartext sorts first ([`Try`]'s order), so
    // a cleartext session among simultaneous ones is the one found.
    attempts.sort_unstable_by_key(|a| (partner_of(a.peer), a.start, a.what(), a.end()));
    for group in attempts.chunk_by(|a, b| partner_of(a.peer) == partner_of(b.peer)) {
        let partner = partner_of(group[0].peer) as usize;
        for (i, failed) in group.iter().enumerate() {
            if !failed.what().failed() || !range.contains(Some(day_of(failed.start))) {
                continue;
            }
            let tally = &mut out[partner];
            if failed.what() == Try::Dropped {
                tally.dropped_handshakes += 1;
            }
            match next_after(group, i, window).map(Attempt::what) {
                Some(Try::Cleartext) => tally.retried_in_cleartext += 1,
                Some(_) => tally.retried_with_tls += 1,
                None => tally.no_retry_seen += 1,
            }
        }
    }
    out
}

/// The first session of `group` (sorted by start) other than the failed one at
/// `failed`, starting no earlier than it ended and at most `window` later.
fn next_after(group: &[Attempt], failed: usize, window: Millis) -> Option<&Attempt> {
    let end = group[failed].end();
    let mut next = group.partition_point(|a| a.start < end);
    if next == failed {
        next += 1;
    }
    group
        .get(next)
        .filter(|a| a.start <= end.saturating_add(window))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: Millis = 60_000;
    const HOUR: Millis = 60 * MIN;

    /// Attempts of peers 0..; peers 0 and 1 are one partner (0), peer 2 another (1).
    fn judge(attempts: &[(Id, Millis, Millis, Try)]) -> Vec<Retries> {
        let attempts = (attempts.iter())
            .map(|&(peer, start, end, what)| Attempt::new(peer, start, end, what))
            .collect();
        retries(
            attempts,
            |peer| u32::from(peer >= 2),
            2,
            HOUR,
            &DayRange::default(),
        )
    }

    fn tally(clear: u64, tls: u64, none: u64, dropped: u64) -> Retries {
        Retries {
            retried_in_cleartext: clear,
            retried_with_tls: tls,
            no_retry_seen: none,
            dropped_handshakes: dropped,
        }
    }

    #[test]
    fn retry_in_cleartext_from_another_host() {
        let got = judge(&[
            (0, 0, 1_000, Try::Failed),
            (1, 4_000, 9_000, Try::Cleartext),
        ]);
        assert_eq!(got[0], tally(1, 0, 0, 0));
        assert_eq!(
            got[0].sentence(),
            "retries in cleartext after a failed handshake (1 of 1)"
        );
    }

    #[test]
    fn retry_with_tls_counts_a_second_failure() {
        let got = judge(&[
            (0, 0, 1_000, Try::Failed),
            (0, 2 * MIN, 2 * MIN + 500, Try::Dropped),
            (0, 3 * MIN, 4 * MIN, Try::Tls),
        ]);
        // The first is followed by a TLS attempt (that failed), the second by a success.
        assert_eq!(got[0], tally(0, 2, 0, 1));
    }

    #[test]
    fn no_retry_when_only_another_partner_follows() {
        let got = judge(&[
            (0, 0, 1_000, Try::Failed),
            (2, 2_000, 3_000, Try::Cleartext),
        ]);
        assert_eq!(got[0], tally(0, 0, 1, 0));
        assert_eq!(got[1], tally(0, 0, 0, 0));
        assert_eq!(
            got[0].sentence(),
            "did not retry after 1 of 1 failed handshakes"
        );
    }

    #[test]
    fn retry_just_outside_the_window_is_no_retry() {
        let inside = judge(&[
            (0, 0, 1_000, Try::Failed),
            (1, 1_000 + HOUR, HOUR + 5_000, Try::Cleartext),
        ]);
        assert_eq!(inside[0], tally(1, 0, 0, 0));
        let outside = judge(&[
            (0, 0, 1_000, Try::Failed),
            (1, 1_001 + HOUR, HOUR + 5_000, Try::Cleartext),
        ]);
        assert_eq!(outside[0], tally(0, 0, 1, 0));
    }

    #[test]
    fn sessions_during_the_failure_are_not_its_retry() {
        // Started before the failed session ended: concurrent, not a reaction to it.
        let got = judge(&[
            (0, 0, 10_000, Try::Failed),
            (1, 5_000, 6_000, Try::Cleartext),
            (1, 20_000, 30_000, Try::Tls),
        ]);
        assert_eq!(got[0], tally(0, 1, 0, 0));
    }

    #[test]
    fn simultaneous_sessions_prefer_cleartext_whatever_the_input_order() {
        let a = judge(&[
            (1, 5_000, 6_000, Try::Tls),
            (0, 0, 1_000, Try::Failed),
            (0, 5_000, 7_000, Try::Cleartext),
        ]);
        let b = judge(&[
            (0, 5_000, 7_000, Try::Cleartext),
            (0, 0, 1_000, Try::Failed),
            (1, 5_000, 6_000, Try::Tls),
        ]);
        assert_eq!(a, b);
        assert_eq!(a[0], tally(1, 0, 0, 0));
    }

    #[test]
    fn a_zero_length_failure_is_not_its_own_retry() {
        let got = judge(&[(0, 1_000, 1_000, Try::Failed)]);
        assert_eq!(got[0], tally(0, 0, 1, 0));
    }

    #[test]
    fn failures_outside_the_range_are_not_judged() {
        let day = 86_400_000;
        let attempts = vec![
            Attempt::new(0, 0, 1_000, Try::Failed),
            Attempt::new(0, day + 10, day + 20, Try::Failed),
            Attempt::new(0, day + 30, day + 40, Try::Cleartext),
        ];
        let second_day = DayRange {
            since: chrono::NaiveDate::from_ymd_opt(1970, 1, 2),
            until: None,
        };
        let got = retries(attempts, |_| 0, 1, HOUR, &second_day);
        assert_eq!(got[0], tally(1, 0, 0, 0));
    }

    #[test]
    fn sentence_names_every_kind_of_sequel() {
        let t = tally(1, 1, 2, 2);
        assert_eq!(
            t.sentence(),
            "retries in cleartext after a failed handshake (1 of 4); \
             retries with TLS after a failed handshake (1 of 4); \
             did not retry after 2 of 4 failed handshakes; \
             remote dropped the connection during the handshake (2): \
             may not tolerate versions above TLS 1.0"
        );
        assert!(!t.no_fallback());
        assert!(tally(0, 3, 1, 0).no_fallback());
        assert_eq!(Retries::default().sentence(), "");
    }
}
