//! The `date-time` column: `yyyy-MM-ddTHH:mm:ss.fffZ`, always UTC, to milliseconds since
//! the Unix epoch.

use chrono::{DateTime, NaiveDate, Utc};
use nom::branch::alt;
use nom::bytes::complete::{tag, take_while_m_n};
use nom::character::complete::u32 as decimal;
use nom::combinator::{all_consuming, map, opt, value};
use nom::multi::fold_many1;
use nom::IResult;
use nom::Parser;

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type Millis = i64;

/// A unit of a [`duration`]: `d`, `h`, `m`, `s`, as milliseconds.
fn unit(input: &[u8]) -> IResult<&[u8], Millis> {
    alt((
        value(86_400_000, tag(&b"d"[..])),
        value(3_600_000, tag(&b"h"[..])),
        value(1_000, tag(&b"s"[..])),
        value(60_000, tag(&b"m"[..])),
    ))
    .parse(input)
}

/// A duration as people write it on a command line: `1h`, `90m`, `1h30m`, `45s`, `2d`.
pub fn duration(input: &[u8]) -> IResult<&[u8], Millis> {
    fold_many1(
        (decimal, unit),
        || 0,
        |total: Millis, (n, ms)| total.saturating_add(Millis::from(n) * ms),
    )
    .parse(input)
}

/// A whole command-line value as a [`duration`].
pub fn parse_duration(s: &str) -> Option<Millis> {
    all_consuming(duration)
        .parse(s.trim().as_bytes())
        .ok()
        .map(|(_, ms)| ms)
}

/// A duration written back the way [`duration`] reads it, largest units first:
/// `1h`, `1h30m`, `45s`, `0s`.
pub fn format_duration(ms: Millis) -> String {
    let mut out = String::new();
    let mut rest = ms.max(0);
    for (unit, name) in [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1_000, "s"),
    ] {
        if rest >= unit {
            out.push_str(&format!("{}{name}", rest / unit));
            rest %= unit;
        }
    }
    if out.is_empty() {
        out.push_str("0s");
    }
    out
}

fn digits(n: usize) -> impl Fn(&[u8]) -> IResult<&[u8], u32> {
    move |i| {
        map(
            take_while_m_n(n, n, |c: u8| c.is_ascii_digit()),
            |d: &[u8]| {
                d.iter()
                    .fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'))
            },
        )
        .parse(i)
    }
}

/// `.fff` (1–9 digits), as milliseconds.
pub fn fraction(input: &[u8]) -> IResult<&[u8], u32> {
    let (rest, (_, d)) = (
        tag(&b"."[..]),
        take_while_m_n(1, 9, |c: u8| c.is_ascii_digit()),
    )
        .parse(input)?;
    let mut ms = 0u32;
    for k in 0..3 {
        ms = ms * 10 + d.get(k).map_or(0, |c| u32::from(c - b'0'));
    }
    Ok((rest, ms))
}

/// The whole timestamp; the `Z` is optional (some copies lose it), the value is UTC.
pub fn timestamp(input: &[u8]) -> IResult<&[u8], Millis> {
    let (rest, (y, _, mo, _, d, _, h, _, mi, _, s, ms, _)) = (
        digits(4),
        tag(&b"-"[..]),
        digits(2),
        tag(&b"-"[..]),
        digits(2),
        tag(&b"T"[..]),
        digits(2),
        tag(&b":"[..]),
        digits(2),
        tag(&b":"[..]),
        digits(2),
        opt(fraction),
        opt(tag(&b"Z"[..])),
    )
        .parse(input)?;
    let dt = NaiveDate::from_ymd_opt(y as i32, mo, d)
        .and_then(|date| date.and_hms_milli_opt(h, mi, s, ms.unwrap_or(0)));
    match dt {
        Some(dt) => Ok((rest, dt.and_utc().timestamp_millis())),
        None => Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Verify,
        ))),
    }
}

/// ISO 8601 UTC with milliseconds, the form Exchange writes.
pub fn format_millis(ms: Millis) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        // RFC 3339's writer, not a format string: it is parsed on every call otherwise,
        // and a report of a million partners writes two times per partner.
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .unwrap_or_default()
}

/// The day (`yyyy-MM-dd`) of a timestamp, counted in days since the epoch.
pub fn day_of(ms: Millis) -> i32 {
    ms.div_euclid(86_400_000) as i32
}

/// Parses timestamps of consecutive rows cheaply: rows of a file share the minute far more
/// often than not, so the calendar arithmetic is done once per minute.
#[derive(Default)]
pub struct Clock {
    minute: [u8; 16],
    base: Millis,
    valid: bool,
}

impl Clock {
    /// Same answer as [`timestamp`] on the whole field (which must be entirely consumed).
    pub fn parse(&mut self, field: &[u8]) -> Option<Millis> {
        if field.len() == 24 && field[23] == b'Z' && field[16] == b':' && field[19] == b'.' {
            if self.valid && field[..16] == self.minute {
                let s = &field[17..19];
                let f = &field[20..23];
                if s.iter().chain(f).all(u8::is_ascii_digit) {
                    let sec = i64::from((s[0] - b'0') * 10 + (s[1] - b'0'));
                    if sec < 60 {
                        let ms = f.iter().fold(0i64, |a, &c| a * 10 + i64::from(c - b'0'));
                        return Some(self.base + sec * 1000 + ms);
                    }
                }
            }
            let (rest, t) = timestamp(field).ok()?;
            if !rest.is_empty() {
                return None;
            }
            self.minute.copy_from_slice(&field[..16]);
            // Floor to the minute: the cached base excludes seconds and millis.
            self.base = t - t.rem_euclid(60_000);
            self.valid = true;
            return Some(t);
        }
        match timestamp(field) {
            Ok((b"", t)) => Some(t),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_exchange_form() {
        let (rest, t) = timestamp(b"2026-11-25T14:00:01.234Z").unwrap();
        assert_eq!(rest, b"");
        assert_eq!(format_millis(t), "2026-11-25T14:00:01.234Z");
    }

    #[test]
    fn timestamp_leaves_remaining_input() {
        let (rest, _) = timestamp(b"2026-11-25T14:00:01.234Z,x").unwrap();
        assert_eq!(rest, b",x");
    }

    #[test]
    fn timestamp_without_fraction_or_z() {
        let (_, t) = timestamp(b"2026-11-25T14:00:01").unwrap();
        assert_eq!(format_millis(t), "2026-11-25T14:00:01.000Z");
    }

    #[test]
    fn timestamp_rejects_impossible_dates_and_placeholders() {
        assert!(timestamp(b"2026-02-30T14:00:01.234Z").is_err());
        assert!(timestamp(b"Date/Time.ConnectorId").is_err());
        assert!(timestamp(b"2026-11-25T25:00:01.234Z").is_err());
    }

    #[test]
    fn fraction_to_millis() {
        assert_eq!(fraction(b".5Z"), Ok((&b"Z"[..], 500)));
        assert_eq!(fraction(b".1234567"), Ok((&b""[..], 123)));
    }

    #[test]
    fn clock_agrees_with_timestamp() {
        let mut c = Clock::default();
        for s in [
            "2026-11-25T14:00:01.234Z",
            "2026-11-25T14:00:59.999Z",
            "2026-11-25T14:01:00.000Z",
            "2026-11-25T14:01:07.020Z",
            "2026-11-26T00:00:00.001Z",
        ] {
            assert_eq!(
                c.parse(s.as_bytes()),
                Some(timestamp(s.as_bytes()).unwrap().1),
                "{s}"
            );
        }
        assert_eq!(c.parse(b"2026-11-26T00:00:6x.001Z"), None);
        assert_eq!(c.parse(b"garbage"), None);
    }
    #[test]
    fn duration_units_and_sums() {
        assert_eq!(duration(b"1h"), Ok((&b""[..], 3_600_000)));
        assert_eq!(duration(b"1h30m rest"), Ok((&b" rest"[..], 5_400_000)));
        assert_eq!(duration(b"45s"), Ok((&b""[..], 45_000)));
        assert_eq!(duration(b"2d"), Ok((&b""[..], 172_800_000)));
        assert!(duration(b"h").is_err());
        assert!(duration(b"10").is_err());
    }

    #[test]
    fn parse_duration_whole_value_only() {
        assert_eq!(parse_duration(" 90m "), Some(5_400_000));
        assert_eq!(parse_duration("1hour"), None);
        assert_eq!(parse_duration(""), None);
    }

    #[test]
    fn format_duration_reads_back() {
        for ms in [0, 45_000, 3_600_000, 5_400_000, 90_061_000] {
            assert_eq!(parse_duration(&format_duration(ms)), Some(ms));
        }
        assert_eq!(format_duration(5_400_000), "1h30m");
    }
}
